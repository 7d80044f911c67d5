//! The Pay.nl APIs as the simulator serves them: the Order API (create, status) and the REST
//! API (transactions, refund), with Pay.nl's error bodies for every failure.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::Rng;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::{SimError, SimOrder, SimState, Transition, amount_json, take, time};
use crate::client::Api;
use crate::client::valid_reference;
use crate::wire::WireAmount;

/// Applies injected API faults, then HTTP Basic auth when credentials are configured.
pub(super) async fn faults_and_auth(
    State(state): State<SimState>,
    request: Request,
    next: Next,
) -> Response {
    let (stall, error) = {
        let mut data = state.lock();
        (
            take(&mut data.faults.api_stall),
            take(&mut data.faults.api_error),
        )
    };
    if let Some(stall) = stall {
        let ms = stall.ms.unwrap_or(30_000);
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    if let Some(error) = error {
        let status = StatusCode::from_u16(error.status.unwrap_or(503))
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return problem(
            status,
            "Simulated failure",
            "fault injected through /_sim/faults",
            &[],
        );
    }
    if let Some((user, password)) = &state.config().credentials
        && !authorized(request.headers(), user, password)
    {
        let mut response = problem(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "HTTP Basic auth with an AT-code and API token (or SL-code and secret) is required",
            &[],
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Basic realm=\"Pay.nl simulator\""),
        );
        return response;
    }
    next.run(request).await
}

fn authorized(headers: &HeaderMap, user: &str, password: &str) -> bool {
    let Some(encoded) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Some(colon) = decoded.iter().position(|&b| b == b':') else {
        return false;
    };
    let (given_user, given_password) = (&decoded[..colon], &decoded[colon + 1..]);
    let user_ok = given_user.ct_eq(user.as_bytes());
    let password_ok = given_password.ct_eq(password.as_bytes());
    (user_ok & password_ok).into()
}

/// Pay.nl's error shape: title, detail and violations.
pub(super) fn problem(
    status: StatusCode,
    title: &str,
    detail: &str,
    violations: &[(&str, String)],
) -> Response {
    let mut violations: Vec<_> = violations
        .iter()
        .map(|(path, message)| {
            json!({ "code": "PAY-SIM-VALIDATION", "propertyPath": path, "message": message })
        })
        .collect();
    if violations.is_empty() {
        // Pay.nl's error bodies list at least one violation with a PAY-… code.
        violations.push(json!({ "code": format!("PAY-SIM-{}", status.as_u16()) }));
    }
    (
        status,
        Json(json!({ "title": title, "detail": detail, "violations": violations })),
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRequest {
    #[serde(default)]
    service_id: Option<String>,
    #[serde(default)]
    amount: Option<WireAmount>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    return_url: Option<String>,
    #[serde(default)]
    exchange_url: Option<String>,
    #[serde(default)]
    expire: Option<String>,
    #[serde(default)]
    integration: Option<Integration>,
    #[serde(default)]
    payment_method: Option<PaymentMethod>,
    #[serde(default)]
    stats: Option<Stats>,
}

#[derive(Deserialize)]
struct Integration {
    #[serde(default)]
    test: Option<bool>,
}

#[derive(Deserialize)]
struct PaymentMethod {
    #[serde(default)]
    id: Option<u32>,
}

#[derive(Deserialize)]
struct Stats {
    #[serde(default)]
    extra1: Option<String>,
}

// Uncertain: Pay.nl's documented error list has no status for validation errors;
// 422 is what violation lists usually come with.
const INVALID: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

pub(super) async fn create_order(
    State(state): State<SimState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !is_json(&headers) {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
            "send application/json",
            &[],
        );
    }
    let request: CreateRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return problem(INVALID, "Invalid request", &format!("bad JSON: {e}"), &[]);
        }
    };
    let now = Utc::now();
    let mut violations: Vec<(&str, String)> = Vec::new();
    let service_id = request.service_id.unwrap_or_default();
    if service_id.trim().is_empty() {
        violations.push(("serviceId", "required".into()));
    }
    let amount = match &request.amount {
        None => {
            violations.push(("amount", "required".into()));
            0
        }
        Some(a) if a.currency.as_deref().is_some_and(|c| c != "EUR") => {
            violations.push(("amount.currency", "only EUR is simulated".into()));
            0
        }
        Some(a) if a.value <= 0 => {
            violations.push(("amount.value", "must be positive (cents)".into()));
            0
        }
        Some(a) => a.value,
    };
    let description = request.description.unwrap_or_default();
    if description.chars().count() > 32 {
        violations.push(("description", "at most 32 characters".into()));
    }
    if let Some(reference) = &request.reference {
        if !valid_reference(reference) {
            violations.push(("reference", "1-64 letters, digits or '-'".into()));
        }
        // Simulator strictness: Pay.nl asks merchants for unique references, so a
        // duplicate here points at a bug (e.g. a blind retry of create).
        if state
            .lock()
            .orders
            .iter()
            .any(|o| o.reference.as_deref() == Some(reference.as_str()))
        {
            violations.push(("reference", "already used by another order".into()));
        }
    }
    for (path, url) in [
        ("returnUrl", &request.return_url),
        ("exchangeUrl", &request.exchange_url),
    ] {
        if let Some(url) = url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            violations.push((path, "must be an http(s) URL".into()));
        }
    }
    let expires_at = match request.expire.as_deref() {
        None => now + chrono::Duration::hours(1),
        Some(text) => match DateTime::parse_from_rfc3339(text) {
            Ok(t) => t.with_timezone(&Utc),
            Err(_) => {
                violations.push(("expire", "must be ISO-8601".into()));
                now
            }
        },
    };
    if !violations.is_empty() {
        return problem(
            INVALID,
            "Invalid request",
            "the order was not created",
            &violations,
        );
    }
    let order = SimOrder {
        id: uuid::Uuid::new_v4().to_string(),
        order_id: new_order_id(),
        service_id,
        description,
        reference: request.reference,
        amount,
        return_url: request.return_url,
        exchange_url: request.exchange_url,
        test: request.integration.and_then(|i| i.test).unwrap_or(false),
        extra1: request.stats.and_then(|s| s.extra1),
        payment_method: request.payment_method.and_then(|m| m.id),
        code: 20,
        captured: 0,
        refunded: 0,
        charged_back: 0,
        bank: None,
        payments: Vec::new(),
        transactions: Vec::new(),
        created_at: now,
        modified_at: now,
        expires_at,
        completed_at: None,
    };
    let json = order.to_json(state.public_url(), order.code);
    tracing::info!(order = %order.id, reference = ?order.reference, amount, "simulator: order created");
    state.lock().orders.push(order);
    (StatusCode::CREATED, Json(json)).into_response()
}

/// Pay.nl-style Order API id: 11 digits, `X`, 4 hex digits (e.g. `51007856048X14b0`). The
/// first digit is 4–9: ids starting with 2 or 3 belong to the older REST API, and Pay.nl's
/// Node SDK sends them there.
pub(super) fn new_order_id() -> String {
    let mut rng = rand::thread_rng();
    format!(
        "{:011}X{:04x}",
        rng.gen_range(40_000_000_000u64..100_000_000_000),
        rng.r#gen::<u16>()
    )
}

pub(super) async fn order_status(
    State(state): State<SimState>,
    Path(id): Path<String>,
) -> Response {
    let data = state.lock();
    match data.find(&id) {
        Some(order) => Json(order.to_json(state.public_url(), order.code)).into_response(),
        None => not_found(),
    }
}

/// `GET /v2/transactions/{id}` of the REST API: a refund or chargeback by its `EX-…` id, or
/// an order by its order id (not by UUID: that is the Order API's). Pay.nl's PHP SDK reads
/// refunds here, with the refunded order's id, and its Node SDK reads ids starting with 2,
/// 3 or `EX-` here.
pub(super) async fn transaction(State(state): State<SimState>, Path(id): Path<String>) -> Response {
    let data = state.lock();
    if let Some((order, t)) = data.find_transaction(&id) {
        return Json(order.transaction_json(t)).into_response();
    }
    match data.orders.iter().find(|o| o.order_id == id) {
        Some(order) => Json(order.to_rest_json()).into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            "Not Found",
            &format!(
                "no transaction with this id (an {:?} API id)",
                Api::for_id(&id)
            ),
            &[],
        ),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefundRequest {
    #[serde(default)]
    amount: Option<WireAmount>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    exchange_url: Option<String>,
}

pub(super) async fn refund(
    State(state): State<SimState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !is_json(&headers) {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
            "send application/json",
            &[],
        );
    }
    let request: RefundRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return problem(INVALID, "Invalid request", &format!("bad JSON: {e}"), &[]),
    };
    let amount = request.amount.map(|a| a.value);
    if let Some(url) = &request.exchange_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return problem(
            INVALID,
            "Invalid request",
            "the refund was not made",
            &[("exchangeUrl", "must be an http(s) URL".into())],
        );
    }
    let transition = Transition::Refund {
        amount,
        description: request.description.clone(),
        exchange_url: request.exchange_url,
    };
    match state.apply(&id, transition) {
        Ok(applied) => Json(json!({
            "orderId": applied.order_id,
            "transactionId": applied.order_id,
            "description": request.description,
            "processDate": null,
            "amount": amount_json(applied.amount),
            "amountRefunded": amount_json(applied.amount),
            // Uncertain: the SDKs name this list but not its entries' fields.
            "refundedTransactions": applied.transaction_id.map(|id| vec![json!({
                "id": id,
                "amount": amount_json(applied.amount),
            })]),
            "createdAt": time(Utc::now()),
        }))
        .into_response(),
        Err(SimError::NotFound) => not_found(),
        Err(SimError::Conflict(message)) => problem(
            INVALID,
            "Refund refused",
            &message,
            &[("amount", message.clone())],
        ),
    }
}

/// Any route the simulator does not serve: 404 with Pay.nl's error body, so a client
/// (Pay.nl's SDKs too) can read it.
pub(super) async fn no_route(request: Request) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "Not Found",
        &format!("no route {} {}", request.method(), request.uri().path()),
        &[],
    )
}

/// A route served, but not with this method: 405 with Pay.nl's error body.
pub(super) async fn method_not_allowed(request: Request) -> Response {
    problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method Not Allowed",
        &format!(
            "{} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
        &[],
    )
}

fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "Not Found",
        "no order with this id",
        &[],
    )
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
}
