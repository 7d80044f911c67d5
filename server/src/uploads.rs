//! What the two forms with files (a dispute, an income and expenses statement) share: the
//! limit of a whole form, one bound on the uploads read at once across both, reading one file
//! under its cap, who may download a kept file, and serving it as a download.

use app::ssr::Services;
use app::ssr::staff::StaffCurrent;
use axum::response::{IntoResponse, Response};
use disputes::{MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, Upload};
use domain::DossierId;
use http::StatusCode;
use http::header;
use store::AttachmentType;

/// The whole form may not exceed this (files plus text); more is refused unread.
pub const MAX_FORM_BYTES: usize = (MAX_ATTACHMENT_BYTES + 64 * 1024) * (MAX_ATTACHMENTS + 1);

/// Forms read at once, across all debtors and both forms: each may hold its files in memory
/// twice (read, then sniffed and stored), so this bounds what uploads can take (4 × 2 × 16 MiB).
pub static UPLOADS_AT_ONCE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// How long a form waits for its turn before the debtor is asked to try again.
pub const UPLOAD_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// Reads one file field, keeping at most one byte past [`MAX_ATTACHMENT_BYTES`] (enough to
/// refuse it) when `keep`; the rest is read and dropped so the browser gets the answer rather
/// than a reset connection. `None` when not kept.
pub async fn read_file(
    mut field: multer::Field<'_>,
    keep: bool,
) -> Result<Option<Upload>, multer::Error> {
    let filename = field.file_name().unwrap_or_default().to_owned();
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        if keep && bytes.len() <= MAX_ATTACHMENT_BYTES {
            let room = MAX_ATTACHMENT_BYTES + 1 - bytes.len();
            bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
    }
    Ok(keep.then_some(Upload { filename, bytes }))
}

/// A kept file as a download: the type the bytes were sniffed as (only PDF, JPEG or PNG are
/// ever stored), never shown inline, never sniffed again by the browser, and sandboxed if a
/// browser renders it anyway.
pub fn serve(filename: &str, content_type: AttachmentType, content: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (header::CONTENT_TYPE, content_type.as_str().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'".to_owned(),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        content,
    )
        .into_response()
}

/// Lets the request's dossier session through to `area` of its dossier, or answers where to
/// go instead: a pay-only session signs in with the secret, a counsellor without the grant
/// goes to the overview. A counsellor let through is audited (`counsellor.acted`, `path`).
pub async fn reach(
    services: &Services,
    current: &app::ssr::session::Current,
    area: domain::Area,
    path: &str,
    ip: Option<std::net::IpAddr>,
) -> Result<(), Response> {
    if !current.reaches(area) {
        let to = match current.holder {
            domain::Holder::PayOnly => "/?need=secret",
            _ => "/dossier",
        };
        return Err(axum::response::Redirect::to(to).into_response());
    }
    app::ssr::audit_counsellor(services, current, "counsellor.acted", path, ip).await;
    Ok(())
}

/// The dossier of the request's session that reaches the dossier's arrangements (the debtor
/// signed in with the secret, or a counsellor acting for them, audited), for a download of
/// `what`. No such session (none, or a pay-only one) answers 404, as a file of another dossier does; a
/// failed lookup 503.
pub async fn debtor_dossier(
    services: &Services,
    headers: &http::HeaderMap,
    what: &str,
) -> Result<DossierId, Response> {
    let now = chrono::Utc::now();
    match app::ssr::session::current(&services.store, headers, &services.settings, now).await {
        Ok(Some(c)) if c.reaches(domain::Area::Arrangements) => {
            app::ssr::audit_counsellor(services, &c, "counsellor.acted", what, None).await;
            c.session
                .dossier_id
                .ok_or_else(|| StatusCode::NOT_FOUND.into_response())
        }
        Ok(_) => Err(StatusCode::NOT_FOUND.into_response()),
        Err(e) => {
            tracing::error!(error = %e, what, "download: session lookup");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

/// The request's staff member, for a staff download of `what`: none answers 404, a failed
/// lookup 503.
pub async fn staff_member(
    services: &Services,
    headers: &http::HeaderMap,
    what: &str,
) -> Result<StaffCurrent, Response> {
    let now = chrono::Utc::now();
    match app::ssr::staff::current(&services.store, headers, &services.settings, now).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(StatusCode::NOT_FOUND.into_response()),
        Err(e) => {
            tracing::error!(error = %e, what, "download: staff session");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}
