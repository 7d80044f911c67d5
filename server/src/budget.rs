//! The income and expenses statement routes that are not pages (issue 21):
//!
//! - `POST /dossier/plan/budget`: the debtor's statement with its plan and files, as
//!   `multipart/form-data` (streamed with the dispute form's caps, `crate::uploads`). Sent: a
//!   303 to the statement page. Refused: a 303 back to the page with what was typed and every
//!   problem in the short-lived HttpOnly cookie `app::ssr::budget::RETURN_COOKIE` (income
//!   figures are never put in a URL).
//! - `GET /dossier/plan/budget/file/{id}`: a file of the session's own dossier (404 otherwise);
//!   `GET /staff/plans/file/{id}`: any statement's file for staff, under the same role check
//!   as dispute files (an agent only while the plan is in review), audited.

use crate::AppState;
use crate::uploads::{MAX_FORM_BYTES, UPLOAD_WAIT, UPLOADS_AT_ONCE, read_file, serve};
use app::budget::{FileProblem, Problems, Returned};
use app::ssr::budget::{Filing, RETURN_COOKIE, returned_cookie_value};
use app::ssr::{ClientIp, session};
use axum::body::Body;
use axum::extract::{Extension, Path, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use disputes::MAX_ATTACHMENTS;
use domain::BudgetFileId;
use http::{StatusCode, header};

/// How long a refused form waits for the page to show it.
const RETURN_COOKIE_LIFE: &str = "; Max-Age=600";

/// The page the form belongs to.
const PAGE: &str = "/dossier/plan/budget";

pub async fn submit(
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
                tracing::error!(error = %e, "statement: session lookup");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        };
    let Some(dossier_id) = current.session.dossier_id.clone() else {
        return Redirect::to("/").into_response();
    };
    // Income figures are personal data: a pay-only (QR-link) session signs in first.
    let client = ip.as_ref().map(|Extension(ClientIp(ip))| *ip);
    if let Err(elsewhere) = crate::uploads::reach(
        services,
        &current,
        domain::Area::Arrangements,
        "/dossier/plan/budget",
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
        let problems = Problems {
            files: Some((FileProblem::TooLarge, String::new())),
            ..Problems::default()
        };
        return back(services, Filing::default(), problems);
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
        tracing::warn!("statement: too many uploads at once");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "30")],
            "busy, try again in a minute",
        )
            .into_response();
    };
    let filing = match read_form(req.into_body(), boundary).await {
        Ok(filing) => filing,
        Err(e) => {
            tracing::warn!(error = %e, "statement: unreadable form");
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let number = match services.store.dossier(&dossier_id).await {
        Ok(Some(d)) => d.number,
        Ok(None) => return Redirect::to("/").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "statement: dossier");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let Ok(number) = number.parse::<domain::DossierNumber>() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let ip = ip.map(|Extension(ClientIp(ip))| ip);
    let form = filing.form.clone();
    match app::ssr::budget::submit(services, &dossier_id, &number, filing, ip, now).await {
        Ok(_) => Redirect::to(PAGE).into_response(),
        Err(problems) => back(
            services,
            Filing {
                form,
                uploads: Vec::new(),
            },
            problems,
        ),
    }
}

/// Back to the form with what was typed and what was wrong (files cannot be kept).
fn back(services: &app::ssr::Services, filing: Filing, problems: Problems) -> Response {
    let returned = Returned {
        form: filing.form,
        problems,
    };
    let cookie = session::cookie_header(
        RETURN_COOKIE,
        &returned_cookie_value(&returned),
        "Lax",
        RETURN_COOKIE_LIFE,
        &services.settings,
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(PAGE)).into_response()
}

/// Reads the form: its text fields (each capped) and at most one file past the limit.
async fn read_form(body: Body, boundary: String) -> Result<Filing, multer::Error> {
    let mut limits = multer::SizeLimit::new().whole_stream(MAX_FORM_BYTES as u64);
    for name in [
        "household",
        "net_income",
        "housing",
        "health_insurance",
        "childcare",
        "other_debts",
        "other_fixed",
        "months",
        "amount",
    ] {
        limits = limits.for_field(name, 100);
    }
    limits = limits.for_field("reason", 16 * 1024);
    let constraints = multer::Constraints::new().size_limit(limits);
    let mut multipart =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut filing = Filing::default();
    while let Some(mut field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "files" => {
                let keep = filing.uploads.len() <= MAX_ATTACHMENTS;
                if let Some(upload) = read_file(field, keep).await? {
                    filing.uploads.push(upload);
                }
            }
            "household" | "net_income" | "housing" | "health_insurance" | "childcare"
            | "other_debts" | "other_fixed" | "months" | "amount" | "reason" => {
                let text = field.text().await?;
                filing.form.set(&name, text);
            }
            _ => while field.chunk().await?.is_some() {},
        }
    }
    Ok(filing)
}

/// A file of the debtor's own statement.
pub async fn debtor_download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: http::HeaderMap,
) -> Response {
    let services = &state.services;
    let dossier_id =
        match crate::uploads::debtor_dossier(services, &headers, "statement file").await {
            Ok(d) => d,
            Err(refused) => return refused,
        };
    let Ok(id) = id.parse::<BudgetFileId>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match app::ssr::budget::file_for_debtor(services, &dossier_id, &id).await {
        Ok(Some(file)) => serve(&file.meta.filename, file.meta.content_type, file.content),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "statement file");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// Any statement's file, for staff (the staff gate and the staff session both apply).
pub async fn staff_download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: http::HeaderMap,
    ip: Option<Extension<ClientIp>>,
) -> Response {
    let services = &state.services;
    let now = chrono::Utc::now();
    let staff = match crate::uploads::staff_member(services, &headers, "statement file").await {
        Ok(s) => s,
        Err(refused) => return refused,
    };
    let Ok(id) = id.parse::<BudgetFileId>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let ip = ip.map(|Extension(ClientIp(ip))| ip);
    let file = match services.store.budget_file(&id).await {
        Ok(Some(file)) => file,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "statement file");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    // Decided like a dispute: the plan is no longer waiting for review.
    let decided = match services.store.plan(&file.meta.plan_id).await {
        Ok(plan) => plan.is_none_or(|p| p.status != store::PlanStatus::NeedsReview),
        Err(e) => {
            tracing::error!(error = %e, "statement file: plan");
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
        "plan.budget.file_viewed",
        serde_json::json!({ "file_id": id, "plan_id": file.meta.plan_id }),
        ip,
        now,
    )
    .await;
    serve(&file.meta.filename, file.meta.content_type, file.content)
}
