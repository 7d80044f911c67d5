//! The signed link printed on letters (as a QR code): straight to paying, no typing.

use crate::AppState;
use app::ssr::{ClientIp, session};
use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use http::header;
use store::SessionKind;

/// `GET /p/{dossier}/{expiry}/{kid.sig}`: a valid link opens a pay-only session (the open
/// amount and the ways to pay, no personal data) and goes to the dossier; a bad, expired
/// or revoked link goes to a page that explains and leads to the normal sign-in.
///
/// A browser already signed in with the secret keeps that session: for the same dossier it
/// simply goes on to the dossier; for another one it is asked first (`/link?reason=
/// other_session`), since a GET can come from any site, and a link on someone else's page
/// must not swap the debtor's own session for the sender's dossier.
pub async fn open_link(
    state: State<AppState>,
    path: Path<(String, String, String)>,
    headers: http::HeaderMap,
    ip: Option<Extension<ClientIp>>,
) -> Response {
    open(state, path, Some(headers), ip).await
}

/// `POST /p/…`: the debtor confirmed on `/link?reason=other_session` (a same-site form; the
/// cross-site write check guards it) that the letter's dossier should replace the session.
pub async fn confirm_link(
    state: State<AppState>,
    path: Path<(String, String, String)>,
    ip: Option<Extension<ClientIp>>,
) -> Response {
    open(state, path, None, ip).await
}

/// Opens the link; `headers` (on a GET) to keep or ask about a full session already there.
async fn open(
    State(state): State<AppState>,
    Path((dossier, expiry, kid_sig)): Path<(String, String, String)>,
    headers: Option<http::HeaderMap>,
    ip: Option<Extension<ClientIp>>,
) -> Response {
    let services = &state.services;
    let now = Utc::now();
    let ip = ip.map(|Extension(ClientIp(ip))| ip);
    // The dossier's link generation is part of the signature: look it up first. A number
    // that is not ours verifies against generation 0 and fails like any forged link.
    let found = match dossier.parse::<domain::DossierNumber>() {
        Ok(number) => match services.store.dossier_by_number(&number.to_string()).await {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(error = %e, "QR link: database error");
                return (http::StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response();
            }
        },
        Err(_) => None,
    };
    let generation = found.as_ref().map_or(0, |d| d.link_generation);
    let verified = match services
        .links
        .verify(&dossier, &expiry, &kid_sig, generation, now)
    {
        Ok(v) => v,
        Err(e) => {
            let reason = match e {
                auth::LinkError::Expired { .. } => "expired",
                _ => "invalid",
            };
            tracing::info!(reason, "QR link refused");
            let prefill = match &e {
                auth::LinkError::Expired { dossier, .. } => format!("&dossier={dossier}"),
                _ => String::new(),
            };
            return Redirect::to(&format!("/link?reason={reason}{prefill}")).into_response();
        }
    };
    // Signed by us but since deleted (e.g. past retention): treat as revoked.
    let Some(dossier) = found else {
        return Redirect::to("/link?reason=invalid").into_response();
    };
    if let Some(headers) = &headers {
        let signed_in = session::current(&services.store, headers, &services.settings, now)
            .await
            .ok()
            .flatten()
            .filter(|c| c.holder == domain::Holder::Debtor);
        if let Some(current) = signed_in {
            if current.session.dossier_id.as_ref() == Some(&dossier.id) {
                return Redirect::to("/dossier").into_response();
            }
            let link = format!(
                "/p/{dossier_number}/{expiry}/{kid_sig}",
                dossier_number = verified.dossier
            );
            let mut target = url::Url::parse("http://portal/link").expect("a fixed URL parses");
            target
                .query_pairs_mut()
                .append_pair("reason", "other_session")
                .append_pair("link", &link);
            let target = format!("/link?{}", target.query().unwrap_or_default());
            return Redirect::to(&target).into_response();
        }
    }
    let opened = session::open(
        &services.store,
        &services.settings,
        &dossier.id,
        SessionKind::PayOnly,
        now,
    )
    .await;
    let token = match opened {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "QR link: cannot open session");
            return (http::StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response();
        }
    };
    app::ssr::audit_debtor(
        services,
        Some(dossier.id.clone()),
        &verified.dossier,
        "qr_link.opened",
        serde_json::json!({ "kid": verified.kid.to_string() }),
        ip,
        now,
    )
    .await;
    let cookie = session::set_cookie(&token, &services.settings);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/dossier")).into_response()
}
