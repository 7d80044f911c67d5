//! Sending exchange calls the way Pay.nl does: signed, 5 s per try, retried on a
//! schedule until the answer starts with `TRUE|`.

use chrono::Utc;
use serde_json::json;

use super::{Data, ExchangeFormat, ExchangeRecord, SimState, take};
use crate::client::TransactionKind;
use crate::exchange::{self, SIGNATURE, SIGNATURE_ALGORITHM, SIGNATURE_KEY_ID, SIGNATURE_METHOD};
use crate::status::PaymentState;
use crate::wire::cents_to_decimal;

/// One exchange call, frozen at the moment of the event: retries, resends and duplicates
/// send the same bytes.
#[derive(Clone)]
pub(super) struct Outgoing {
    call_id: u64,
    copy_of: Option<u64>,
    order_id: String,
    paynl_order_id: String,
    reference: Option<String>,
    transaction_id: Option<String>,
    code: i32,
    action: String,
    format: &'static str,
    url: String,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
}

/// What a call announces.
pub(super) enum Announce {
    /// The order's status (`code`); `amount` is what the event moved (0: the order amount).
    Status { amount: i64 },
    /// A refund or chargeback, a transaction of its own.
    Reversal {
        transaction_id: String,
        kind: TransactionKind,
        amount: i64,
    },
}

impl SimState {
    /// Builds the call announcing status `code` (and the refund or chargeback in
    /// `announce`) for order `id`, to `url` or else the order's exchange URL; `None` when
    /// there is neither. Status changes use the sales location's `exchange_format`, refunds
    /// and chargebacks its `refund_exchange_format`.
    pub(super) fn prepare_exchange(
        &self,
        data: &mut Data,
        id: &str,
        code: i32,
        announce: Announce,
        url: Option<String>,
    ) -> Option<Outgoing> {
        let order = data.find(id)?;
        let exchange_url = url.or_else(|| order.exchange_url.clone())?;
        let config = self.config();
        let state = PaymentState::from_code(code);
        let (format, transaction_id) = match &announce {
            Announce::Status { .. } => (config.exchange_format, None),
            Announce::Reversal { transaction_id, .. } => {
                (config.refund_exchange_format, Some(transaction_id.clone()))
            }
        };
        let (url, body, headers, action, format_name) = match format {
            ExchangeFormat::SignedJson => {
                // A refund or chargeback in this format is the order's status change.
                let object = order.to_json(self.public_url(), code);
                let body = serde_json::to_vec(&json!({
                    "event": "status_changed",
                    "type": "order",
                    "version": 1,
                    "id": order.id,
                    "object": object,
                }))
                .expect("JSON values always serialise");
                let signature = exchange::sign(
                    config.signing_algorithm,
                    config.signing_secret.as_bytes(),
                    &body,
                );
                let query = [
                    ("type", "order"),
                    ("id", order.id.as_str()),
                    ("event", "status_changed"),
                ];
                let headers = vec![
                    ("content-type", "application/json".to_string()),
                    (SIGNATURE, signature),
                    (SIGNATURE_KEY_ID, config.signing_key_id.clone()),
                    (SIGNATURE_METHOD, "HMAC".to_string()),
                    (
                        SIGNATURE_ALGORITHM,
                        config.signing_algorithm.as_str().to_string(),
                    ),
                ];
                let action = state.code_and_action().1.to_string();
                let url = with_query(&exchange_url, &query);
                (url, body, headers, action, "signed_json")
            }
            ExchangeFormat::FormPost => {
                let extra1 = order.extra1.clone().unwrap_or_default();
                let mut fields: Vec<(&str, String)> = Vec::new();
                match &announce {
                    Announce::Status { amount } => {
                        let amount = if *amount == 0 { order.amount } else { *amount };
                        fields.push(("action", legacy_action(state).into()));
                        fields.push(("order_id", order.order_id.clone()));
                        fields.push(("amount", cents_to_decimal(amount)));
                    }
                    // The layout of Pay.nl's refunds page: the refunded order's `order_id`,
                    // the refund's own `transactionId`, the refund's amount.
                    Announce::Reversal {
                        transaction_id,
                        kind,
                        amount,
                    } => {
                        let action = match kind {
                            // Pay.nl also sends refund:received/send/storno later; the
                            // simulator sends the first, `refund:add`.
                            TransactionKind::Refund | TransactionKind::Payment => "refund:add",
                            // Chargebacks: the old format's `chargeback:chargeback`, which
                            // Pay.nl's WooCommerce plugin and PHP SDK handle (the plugin also
                            // reads `external_reason_description` from it). Uncertain: that
                            // it carries a transactionId.
                            TransactionKind::Chargeback => "chargeback:chargeback",
                        };
                        fields.push(("action", action.into()));
                        fields.push(("order_id", order.order_id.clone()));
                        fields.push(("transactionId", transaction_id.clone()));
                        fields.push(("amount", cents_to_decimal(*amount)));
                        if *kind == TransactionKind::Chargeback {
                            fields.push((
                                "external_reason_description",
                                "Simulated chargeback".into(),
                            ));
                        }
                    }
                }
                for (name, value) in [
                    ("extra1", extra1),
                    ("extra2", String::new()),
                    ("extra3", String::new()),
                    ("info", String::new()),
                    ("tool", String::new()),
                    ("object", String::new()),
                    ("ip_address", "127.0.0.1".into()),
                ] {
                    fields.push((name, value));
                }
                let action = fields[0].1.clone();
                let body = serde_urlencoded::to_string(&fields)
                    .expect("string pairs always encode")
                    .into_bytes();
                let headers = vec![(
                    "content-type",
                    "application/x-www-form-urlencoded".to_string(),
                )];
                (exchange_url, body, headers, action, "form")
            }
        };
        let (order_id, paynl_order_id, reference) = (
            order.id.clone(),
            order.order_id.clone(),
            order.reference.clone(),
        );
        data.next_call_id += 1;
        Some(Outgoing {
            call_id: data.next_call_id,
            copy_of: None,
            order_id,
            paynl_order_id,
            reference,
            transaction_id,
            code,
            action,
            format: format_name,
            url,
            body,
            headers,
        })
    }

    /// Starts delivering in the background; returns the call id. With the
    /// `exchange_duplicate` fault the same bytes go out a second time, as another call.
    pub(super) fn dispatch(&self, call: Outgoing) -> u64 {
        let id = call.call_id;
        // Faults are taken now, in the order of the events, not when the task first runs.
        let (dropped, delay, duplicate) = {
            let mut data = self.lock();
            data.sent.insert(id, call.clone());
            while data.sent.len() > super::SENT_KEPT {
                data.sent.pop_first();
            }
            (
                take(&mut data.faults.exchange_drop),
                take(&mut data.faults.exchange_delay),
                take(&mut data.faults.exchange_duplicate),
            )
        };
        tokio::spawn(deliver(self.clone(), call, dropped.is_some(), delay));
        if let Some(fault) = duplicate {
            let state = self.clone();
            let wait = std::time::Duration::from_millis(fault.ms.unwrap_or(0));
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                state.resend(id);
            });
        }
        id
    }

    /// Sends call `call_id` again byte for byte as a new call; its id, or `None` when no
    /// such call was made.
    pub(super) fn resend(&self, call_id: u64) -> Option<u64> {
        let copy = {
            let mut data = self.lock();
            let original = data.sent.get(&call_id)?.clone();
            data.next_call_id += 1;
            Outgoing {
                call_id: data.next_call_id,
                copy_of: Some(original.copy_of.unwrap_or(call_id)),
                ..original
            }
        };
        Some(self.dispatch(copy))
    }

    fn record(
        &self,
        call: &Outgoing,
        attempt: u32,
        outcome: &'static str,
        answer: Attempt,
        last: bool,
    ) {
        tracing::info!(
            call = call.call_id,
            order = %call.order_id,
            status = call.code,
            attempt,
            outcome,
            http_status = ?answer.http_status,
            error = ?answer.error,
            "simulator: exchange call"
        );
        let mut data = self.lock();
        data.next_seq += 1;
        let seq = data.next_seq;
        data.exchange_log.push(ExchangeRecord {
            seq,
            call_id: call.call_id,
            order_id: call.order_id.clone(),
            paynl_order_id: call.paynl_order_id.clone(),
            reference: call.reference.clone(),
            transaction_id: call.transaction_id.clone(),
            status_code: call.code,
            action: call.action.clone(),
            format: call.format,
            copy_of: call.copy_of,
            url: call.url.clone(),
            attempt,
            outcome,
            http_status: answer.http_status,
            answer: answer.body,
            error: answer.error,
            last,
            at: super::time(Utc::now()),
        });
    }
}

#[derive(Default)]
struct Attempt {
    http_status: Option<u16>,
    body: Option<String>,
    error: Option<String>,
}

async fn deliver(state: SimState, call: Outgoing, dropped: bool, delay: Option<super::Fault>) {
    if dropped {
        state.record(&call, 0, "dropped", Attempt::default(), true);
        return;
    }
    if let Some(delay) = delay {
        let ms = delay.ms.unwrap_or(1000);
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    let config = state.config();
    let tries = config.retry_schedule.len() + 1;
    for attempt in 1..=tries {
        if attempt > 1 {
            tokio::time::sleep(config.retry_schedule[attempt - 2]).await;
        }
        let mut request = state
            .shared
            .http
            .post(&call.url)
            .timeout(config.exchange_timeout)
            .body(call.body.clone());
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        let (ok, result) = match request.send().await {
            Ok(response) => {
                let status = response.status();
                match response.text().await {
                    Ok(text) => (
                        status.is_success() && accepted(&text),
                        Attempt {
                            http_status: Some(status.as_u16()),
                            body: Some(truncate(&text)),
                            error: None,
                        },
                    ),
                    Err(e) => (
                        false,
                        Attempt {
                            http_status: Some(status.as_u16()),
                            body: None,
                            error: Some(describe(&e)),
                        },
                    ),
                }
            }
            Err(e) => (
                false,
                Attempt {
                    error: Some(describe(&e)),
                    ..Attempt::default()
                },
            ),
        };
        let last = ok || attempt == tries;
        let outcome = if ok { "delivered" } else { "failed" };
        state.record(&call, attempt as u32, outcome, result, last);
        if ok {
            return;
        }
    }
}

/// Pay.nl's success test. Uncertain: signed JSON calls may instead expect
/// `{"result": true}`, so both pass.
fn accepted(answer: &str) -> bool {
    if answer.starts_with("TRUE|") {
        return true;
    }
    serde_json::from_str::<serde_json::Value>(answer)
        .is_ok_and(|v| v.get("result") == Some(&serde_json::Value::Bool(true)))
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connection refused or unreachable".into()
    } else {
        e.to_string()
    }
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((cut, _)) => text[..cut].to_string(),
        None => text.to_string(),
    }
}

/// Legacy `action` for a status change. Refunds and chargebacks announced as a status
/// (an `exchange` of such a code through the control API) get their actions too.
fn legacy_action(state: PaymentState) -> &'static str {
    match state {
        PaymentState::Paid | PaymentState::PaidAmountMismatch => "new_ppt",
        PaymentState::Cancelled
        | PaymentState::Voided
        | PaymentState::Expired
        | PaymentState::Denied
        | PaymentState::Failed => "cancel",
        PaymentState::Verify => "verify",
        PaymentState::Refunded | PaymentState::PartiallyRefunded => "refund:add",
        PaymentState::Chargeback => "chargeback:chargeback",
        PaymentState::Pending
        | PaymentState::PartialPayment
        | PaymentState::Authorized
        | PaymentState::PartlyCaptured => "pending",
    }
}

/// Appends query parameters to a URL that may already have some.
pub(super) fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(pairs).expect("string pairs always encode");
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_starting_with_true_pipe_are_accepted() {
        assert!(accepted("TRUE|"));
        assert!(accepted("TRUE| processed"));
        assert!(accepted(r#"{"result": true}"#));
        assert!(!accepted("TRUE"));
        assert!(!accepted("FALSE|busy"));
        assert!(!accepted(" TRUE|"));
        assert!(!accepted(""));
    }

    #[test]
    fn query_is_appended() {
        assert_eq!(
            with_query("http://x/e", &[("a", "1 2")]),
            "http://x/e?a=1+2"
        );
        assert_eq!(
            with_query("http://x/e?k=v", &[("a", "b")]),
            "http://x/e?k=v&a=b"
        );
    }
}
