//! The `/_sim/` control API for tests: drive orders, inject faults, read the exchange log.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::delivery::Announce;
use super::{Faults, SimError, SimOrder, SimState, Transition};

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// The order object plus what only the simulator knows, under `_sim`.
fn describe(state: &SimState, order: &SimOrder) -> Value {
    let mut json = order.to_json(state.public_url(), order.code);
    let transactions: Vec<Value> = order
        .transactions
        .iter()
        .map(|t| order.transaction_json(t))
        .collect();
    json["_sim"] = json!({
        "returnUrl": order.return_url,
        "exchangeUrl": order.exchange_url,
        "bank": order.bank,
        "captured": order.captured,
        "refunded": order.refunded,
        "chargedBack": order.charged_back,
        "transactions": transactions,
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
    /// `exchange`: the status code to announce (the order itself is left alone);
    /// `chargeback`: -70 or -71 (default -71).
    #[serde(default)]
    code: Option<i32>,
    /// `refund`: its description.
    #[serde(default)]
    description: Option<String>,
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
            description: body.description,
            exchange_url: None,
        },
        "chargeback" => Transition::Chargeback { code: body.code },
        "resend" | "exchange" => return send_exchange(&state, &id, &action, body.code),
        other => return error(StatusCode::NOT_FOUND, format!("unknown action {other:?}")),
    };
    match state.apply(&id, transition) {
        Ok(applied) => Json(json!({
            "order": applied.order,
            "call_id": applied.call_id,
            "transaction_id": applied.transaction_id,
            "amount": applied.amount,
        }))
        .into_response(),
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
    let announce = Announce::Status { amount: 0 };
    let Some(call) = state.prepare_exchange(&mut data, &order_id, code, announce, None) else {
        return error(StatusCode::CONFLICT, "order has no exchangeUrl");
    };
    drop(data);
    let call_id = state.dispatch(call);
    Json(json!({ "call_id": call_id, "status_code": code })).into_response()
}

/// `POST /_sim/exchanges/{call_id}/resend`: the same bytes again, as a new call (a
/// duplicate as Pay.nl may send one); answers the new call's id.
pub(super) async fn resend_call(
    State(state): State<SimState>,
    Path(call_id): Path<String>,
) -> Response {
    let Ok(call_id) = call_id.parse::<u64>() else {
        return error(StatusCode::BAD_REQUEST, "call ids are numbers");
    };
    match state.resend(call_id) {
        Some(new_id) => Json(json!({ "call_id": new_id, "copy_of": call_id })).into_response(),
        None => error(StatusCode::NOT_FOUND, "no such call"),
    }
}

#[derive(Deserialize)]
pub(super) struct ExchangeFilter {
    /// UUID, Pay.nl order id, reference, or a refund's or chargeback's transaction id.
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
                r.order_id == o
                    || r.paynl_order_id == o
                    || r.reference.as_deref() == Some(o)
                    || r.transaction_id.as_deref() == Some(o)
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

pub(super) async fn set_faults(State(state): State<SimState>, body: Bytes) -> Response {
    let update: Faults = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("bad JSON: {e}")),
    };
    let mut data = state.lock();
    data.faults.merge(update);
    Json(data.faults.clone()).into_response()
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
    data.sent.clear();
    StatusCode::NO_CONTENT
}
