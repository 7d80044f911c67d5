//! The `/_sim/` control API for tests: drive orders, inject faults, read the exchange log.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Faults, SimError, SimOrder, SimState, Transition};

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// The order object plus what only the simulator knows, under `_sim`.
fn describe(state: &SimState, order: &SimOrder) -> Value {
    let mut json = order.to_json(state.public_url(), order.code);
    json["_sim"] = json!({
        "returnUrl": order.return_url,
        "exchangeUrl": order.exchange_url,
        "bank": order.bank,
        "refunded": order.refunded,
    });
    json
}

pub(super) async fn list_orders(State(state): State<SimState>) -> Json<Vec<Value>> {
    let data = state.lock();
    Json(data.orders.iter().map(|o| describe(&state, o)).collect())
}

pub(super) async fn get_order(State(state): State<SimState>, Path(id): Path<String>) -> Response {
    let data = state.lock();
    match data.find(&id) {
        Some(order) => Json(describe(&state, order)).into_response(),
        None => error(StatusCode::NOT_FOUND, "no such order"),
    }
}

/// Optional JSON body of an order action; every field is optional.
#[derive(Default, Deserialize)]
struct ActionBody {
    /// `pay`: the bank chosen (default: the first test bank).
    #[serde(default)]
    bank: Option<String>,
    /// `pay`: cents actually paid (differs from the order → -51 PAID_CHECKAMOUNT);
    /// `refund`: cents to refund (default: all that is left).
    #[serde(default)]
    amount: Option<i64>,
    /// `exchange`: the status code to announce (the order itself is left alone).
    #[serde(default)]
    code: Option<i32>,
}

pub(super) async fn order_action(
    State(state): State<SimState>,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let body: ActionBody = if body.iter().all(u8::is_ascii_whitespace) {
        ActionBody::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(b) => b,
            Err(e) => return error(StatusCode::BAD_REQUEST, format!("bad JSON: {e}")),
        }
    };
    let transition = match action.as_str() {
        "pay" => Transition::Pay {
            bank: body.bank,
            amount: body.amount,
        },
        "cancel" => Transition::Cancel,
        "expire" => Transition::Expire,
        "refund" => Transition::Refund {
            amount: body.amount,
        },
        "chargeback" => Transition::Chargeback,
        "resend" | "exchange" => return send_exchange(&state, &id, &action, body.code),
        other => return error(StatusCode::NOT_FOUND, format!("unknown action {other:?}")),
    };
    match state.apply(&id, transition) {
        Ok(applied) => {
            Json(json!({ "order": applied.order, "call_id": applied.call_id })).into_response()
        }
        Err(SimError::NotFound) => error(StatusCode::NOT_FOUND, "no such order"),
        Err(SimError::Conflict(message)) => error(StatusCode::CONFLICT, message),
    }
}

/// `resend`: the current status again. `exchange`: a chosen status code, leaving the
/// order as it is (to deliver calls out of order).
fn send_exchange(state: &SimState, id: &str, action: &str, code: Option<i32>) -> Response {
    let mut data = state.lock();
    let Some(order) = data.find(id) else {
        return error(StatusCode::NOT_FOUND, "no such order");
    };
    let code = match (action, code) {
        ("exchange", Some(code)) => code,
        ("exchange", None) => {
            return error(
                StatusCode::BAD_REQUEST,
                "give the status code: {\"code\": 100}",
            );
        }
        _ => order.code,
    };
    let order_id = order.id.clone();
    let Some(call) = state.prepare_exchange(&mut data, &order_id, code, 0) else {
        return error(StatusCode::CONFLICT, "order has no exchangeUrl");
    };
    drop(data);
    let call_id = state.dispatch(call);
    Json(json!({ "call_id": call_id, "status_code": code })).into_response()
}

#[derive(Deserialize)]
pub(super) struct ExchangeFilter {
    /// UUID, Pay.nl order id or reference.
    #[serde(default)]
    order: Option<String>,
}

pub(super) async fn list_exchanges(
    State(state): State<SimState>,
    Query(filter): Query<ExchangeFilter>,
) -> Response {
    let data = state.lock();
    let records: Vec<_> = data
        .exchange_log
        .iter()
        .filter(|r| {
            filter.order.as_deref().is_none_or(|o| {
                r.order_id == o || r.paynl_order_id == o || r.reference.as_deref() == Some(o)
            })
        })
        .collect();
    Json(json!(records)).into_response()
}

pub(super) async fn clear_exchanges(State(state): State<SimState>) -> StatusCode {
    state.lock().exchange_log.clear();
    StatusCode::NO_CONTENT
}

pub(super) async fn get_faults(State(state): State<SimState>) -> Json<Faults> {
    Json(state.lock().faults.clone())
}

pub(super) async fn set_faults(
    State(state): State<SimState>,
    Json(update): Json<Faults>,
) -> Json<Faults> {
    let mut data = state.lock();
    data.faults.merge(update);
    Json(data.faults.clone())
}

pub(super) async fn clear_faults(State(state): State<SimState>) -> Json<Faults> {
    let mut data = state.lock();
    data.faults = Faults::default();
    Json(data.faults.clone())
}

/// Forgets all orders, faults and exchange records (calls under way still finish).
pub(super) async fn reset(State(state): State<SimState>) -> StatusCode {
    let mut data = state.lock();
    data.orders.clear();
    data.faults = Faults::default();
    data.exchange_log.clear();
    StatusCode::NO_CONTENT
}
