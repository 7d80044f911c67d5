//! `GET /dossier/data/export.json`: the debtor's data as a JSON download (GDPR art. 20).
//! A plain route rather than a server function so the browser saves it as a file.

use crate::AppState;
use app::ssr::{ClientIp, session};
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{StatusCode, header};

pub async fn download(
    State(state): State<AppState>,
    headers: http::HeaderMap,
    ip: Option<Extension<ClientIp>>,
) -> Response {
    let services = &state.services;
    let now = chrono::Utc::now();
    let current = match session::current(&services.store, &headers, &services.settings, now).await {
        Ok(Some(c)) => c,
        Ok(None) => return Redirect::to("/").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "export: session lookup");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let Some(dossier_id) = current.session.dossier_id.clone() else {
        return Redirect::to("/").into_response();
    };
    let client = ip.as_ref().map(|Extension(ClientIp(ip))| *ip);
    if let Err(elsewhere) = crate::uploads::reach(
        services,
        &current,
        domain::Area::PersonalData,
        "/dossier/data/export.json",
        client,
    )
    .await
    {
        return elsewhere;
    }
    let export = match app::ssr::export::data_export(services, &dossier_id, now).await {
        Ok(e) => e,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let number = export.personal_data.number.clone();
    app::ssr::my_data::audit_view(
        services,
        &dossier_id,
        &number,
        "personal_data.exported",
        ip.map(|Extension(ClientIp(ip))| ip),
        now,
    )
    .await;
    let body = match serde_json::to_vec_pretty(&export) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "export: serialise");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let disposition = format!("attachment; filename=\"{number}-gegevens.json\"");
    (
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}
