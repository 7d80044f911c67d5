//! The dispute routes that are not pages: filing the form (multipart, with files) and
//! downloading a file kept with a dispute.
//!
//! - `POST /dossier/disputes`: the debtor's form. A plain route, not a server function, so
//!   each file is streamed with a cap ([`disputes::MAX_ATTACHMENT_BYTES`] + 1 bytes kept, the
//!   rest drained) and the page gets the problem back without JavaScript: a 303 to
//!   `/dossier/disputes` with `error=`, the file's name and the typed text, or `filed=`.
//! - `GET /dossier/disputes/file/{id}`: a file of the session's own dossier (404 otherwise,
//!   the same as no file); `GET /staff/disputes/file/{id}`: any file, for staff. Served as a
//!   download with the sniffed type, `X-Content-Type-Options: nosniff` and a sandboxing CSP,
//!   never inline.

use crate::AppState;
use app::dispute::FilingProblem;
use app::ssr::dispute::FilingForm;
use app::ssr::{ClientIp, session};
use axum::body::Body;
use axum::extract::{Extension, Path, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use disputes::MAX_ATTACHMENTS;
use domain::AttachmentId;
use http::{StatusCode, header};

use crate::uploads::{MAX_FORM_BYTES, UPLOAD_WAIT, UPLOADS_AT_ONCE, read_file, serve};

/// The longest explanation carried back in the URL after a refusal.
const MAX_TEXT_IN_URL: usize = 2_000;

pub async fn file(
    State(state): State<AppState>,
    ip: Option<Extension<ClientIp>>,
    req: Request,
) -> Response {
    let services = &state.services;
    let now = chrono::Utc::now();
    let current =
        match session::current(&services.store, req.headers(), &services.settings, now).await {
            Ok(Some(c)) => c,
            Ok(_) => return Redirect::to("/").into_response(),
            Err(e) => {
                tracing::error!(error = %e, "dispute: session lookup");
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
        domain::Area::Arrangements,
        "/dossier/disputes",
        client,
    )
    .await
    {
        return elsewhere;
    }
    let too_big = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > MAX_FORM_BYTES as u64);
    if too_big {
        return back(FilingProblem::FileTooLarge, None, &FilingForm::default());
    }
    let boundary = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    let Some(boundary) = boundary else {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
    };
    let Ok(Ok(_turn)) = tokio::time::timeout(UPLOAD_WAIT, UPLOADS_AT_ONCE.acquire()).await else {
        tracing::warn!("dispute: too many uploads at once");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "30")],
            "busy, try again in a minute",
        )
            .into_response();
    };
    let form = match read_form(req.into_body(), boundary).await {
        Ok(form) => form,
        Err(e) => {
            tracing::warn!(error = %e, "dispute: unreadable form");
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let number = match services.store.dossier(&dossier_id).await {
        Ok(Some(d)) => d.number,
        Ok(None) => return Redirect::to("/").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "dispute: dossier");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let ip = ip.map(|Extension(ClientIp(ip))| ip);
    match app::ssr::dispute::file(services, &dossier_id, &number, form.clone(), ip, now).await {
        Ok(id) => Redirect::to(&format!("/dossier/disputes?filed={id}")).into_response(),
        Err((problem, file)) => back(problem, file, &form),
    }
}

/// Back to the form with the problem and what was typed (files cannot be kept).
fn back(problem: FilingProblem, file: Option<String>, form: &FilingForm) -> Response {
    let text: String = form.explanation.chars().take(MAX_TEXT_IN_URL).collect();
    let mut url = url::Url::parse("http://portal/dossier/disputes").expect("a fixed URL parses");
    url.query_pairs_mut()
        .append_pair("error", problem.code())
        .append_pair("kind", &form.kind)
        .append_pair("invoice", &form.invoice)
        .append_pair("file", file.as_deref().unwrap_or_default())
        .append_pair("text", &text);
    let target = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    Redirect::to(&target).into_response()
}

/// Reads the form, keeping at most one byte past the limit of each file (enough to refuse
/// it) and at most one file past the limit of files; the rest is read and dropped so the
/// browser gets the answer rather than a reset connection.
async fn read_form(body: Body, boundary: String) -> Result<FilingForm, multer::Error> {
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(MAX_FORM_BYTES as u64)
            .for_field("kind", 100)
            .for_field("invoice", 100)
            .for_field("explanation", 64 * 1024),
    );
    let mut multipart =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut form = FilingForm::default();
    while let Some(mut field) = multipart.next_field().await? {
        match field.name().unwrap_or_default() {
            "kind" => form.kind = field.text().await?,
            "invoice" => form.invoice = field.text().await?,
            "explanation" => form.explanation = field.text().await?,
            "files" => {
                let keep = form.uploads.len() <= MAX_ATTACHMENTS;
                if let Some(upload) = read_file(field, keep).await? {
                    form.uploads.push(upload);
                }
            }
            _ => while field.chunk().await?.is_some() {},
        }
    }
    Ok(form)
}

/// A file of the debtor's own dossier.
pub async fn debtor_download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: http::HeaderMap,
) -> Response {
    let services = &state.services;
    let dossier_id = match crate::uploads::debtor_dossier(services, &headers, "dispute file").await
    {
        Ok(d) => d,
        Err(refused) => return refused,
    };
    let Ok(id) = id.parse::<AttachmentId>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match app::ssr::dispute::attachment_for_debtor(services, &dossier_id, id).await {
        Ok(Some(file)) => serve(&file.meta.filename, file.meta.content_type, file.content),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "dispute file");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// Any file, for staff (the staff gate and the staff session both apply).
pub async fn staff_download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: http::HeaderMap,
    ip: Option<Extension<ClientIp>>,
) -> Response {
    let services = &state.services;
    let now = chrono::Utc::now();
    let staff = match crate::uploads::staff_member(services, &headers, "dispute file").await {
        Ok(s) => s,
        Err(refused) => return refused,
    };
    let Ok(id) = id.parse::<AttachmentId>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let ip = ip.map(|Extension(ClientIp(ip))| ip);
    match services.store.attachment(id).await {
        Ok(Some(file)) => {
            let decided = match services.store.dispute(file.meta.dispute_id).await {
                Ok(d) => d.is_none_or(|d| d.status == store::DisputeStatus::Decided),
                Err(e) => {
                    tracing::error!(error = %e, "dispute file: dispute");
                    return StatusCode::SERVICE_UNAVAILABLE.into_response();
                }
            };
            let action = auth::roles::StaffAction::DownloadAttachment { decided };
            let dossier = Some(file.meta.dossier_id.clone());
            if !app::ssr::staff::permit(services, &staff, action, dossier, ip, now).await {
                return StatusCode::FORBIDDEN.into_response();
            }
            app::ssr::staff::audit_staff(
                services,
                &staff.username,
                Some(file.meta.dossier_id.clone()),
                "dispute.attachment_viewed",
                serde_json::json!({ "attachment_id": id, "dispute_id": file.meta.dispute_id }),
                ip,
                now,
            )
            .await;
            serve(&file.meta.filename, file.meta.content_type, file.content)
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "dispute file");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
