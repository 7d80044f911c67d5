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
pub async fn open_link(
    State(state): State<AppState>,
    Path((dossier, expiry, kid_sig)): Path<(String, String, String)>,
    ip: Option<Extension<ClientIp>>,
) -> Response {
    let services = &state.services;
    let now = Utc::now();
    let ip = ip.map(|Extension(ClientIp(ip))| ip);
    let verified = match services.links.verify(&dossier, &expiry, &kid_sig, now) {
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
    let dossier = match services
        .store
        .dossier_by_number(&verified.dossier.to_string())
        .await
    {
        Ok(Some(d)) => d,
        // Signed by us but since deleted (e.g. past retention): treat as revoked.
        Ok(None) => return Redirect::to("/link?reason=invalid").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "QR link: database error");
            return (http::StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response();
        }
    };
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
