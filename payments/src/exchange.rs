//! Pay.nl exchange calls (webhooks): verify, log, re-read the status from the API, apply.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use domain::{ExchangeCallId, PaymentId};
use http::{HeaderMap, StatusCode};
use paynl::exchange::{SignaturePolicy, read_exchange};
use paynl::{ExchangeCall, ExchangeError, Lookup, Reread, Transaction};
use serde_json::json;
use store::{ActorKind, NewAuditEvent, NewExchangeCall, Payment};

use crate::error::PayError;
use crate::service::PaymentService;

/// What the exchange call achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeOutcome {
    /// The order's status was applied (possibly a replay that changed nothing).
    Processed,
    /// Nothing to do: the order is unknown to Pay.nl or not one of ours.
    Ignored,
    /// The call's signature failed: refused and audited; nothing read or booked.
    Refused,
    /// The call could not be read (malformed body).
    Malformed,
    /// It could not be processed now (Pay.nl's API or our database failed, or the dossier
    /// was busy): Pay.nl should retry.
    Retry,
}

/// The answer to give Pay.nl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeAnswer {
    /// What happened.
    pub outcome: ExchangeOutcome,
    /// The HTTP status to answer with.
    pub http_status: StatusCode,
    /// The body: `TRUE|…` when handled (Pay.nl stops), `FALSE|…` otherwise (Pay.nl
    /// retries).
    pub body: String,
}

impl ExchangeAnswer {
    fn new(outcome: ExchangeOutcome, message: &str) -> Self {
        let (http_status, verdict) = match outcome {
            ExchangeOutcome::Processed | ExchangeOutcome::Ignored => (StatusCode::OK, "TRUE"),
            ExchangeOutcome::Refused => (StatusCode::FORBIDDEN, "FALSE"),
            ExchangeOutcome::Malformed => (StatusCode::BAD_REQUEST, "FALSE"),
            // Deliberately FALSE with 200, as PAYNL.md describes for "could not process".
            ExchangeOutcome::Retry => (StatusCode::OK, "FALSE"),
        };
        // The message is ours (no user input) and one line.
        ExchangeAnswer {
            outcome,
            http_status,
            body: format!("{verdict}|{message}"),
        }
    }

    /// True when the body starts with `TRUE|`.
    pub fn is_accepted(&self) -> bool {
        self.body.starts_with("TRUE|")
    }
}

/// One call as it came in.
#[derive(Clone, Copy)]
struct Received<'a> {
    headers: &'a HeaderMap,
    query: Option<&'a str>,
    body: &'a [u8],
    caller: Option<IpAddr>,
}

impl PaymentService {
    /// Handles one exchange call. `query` is the raw query string (without `?`), `body`
    /// the raw body, `caller` the client's address (kept with the call, and audited when
    /// it is refused).
    ///
    /// Every call is a hint, signed or not, in any of Pay.nl's formats: the order it names
    /// (and for a refund or chargeback the `EX-…` transaction it names) is re-read from
    /// Pay.nl's APIs ([`paynl::PaynlClient::reread`]; an id unknown to one API is asked of
    /// the other) and what they say is applied with [`PaymentService::apply_reread`]. A call
    /// that carries a signature must verify: a bad one is refused (`403 FALSE|`), logged and
    /// audited, and nothing is read or booked. An unsigned call (Pay.nl's old formats, which
    /// it still uses for refunds and chargebacks) is not refused for that. Answers `TRUE|`
    /// when the outcome is booked or needs nothing (also for an id both APIs call unknown),
    /// `FALSE|` when a look-up or our database failed or the dossier stayed busy, so that
    /// Pay.nl retries. Every call is kept in the exchange log with its outcome.
    ///
    /// The work runs in a task of its own, so it finishes even when Pay.nl hangs up first
    /// (after 5 s) and the request's future is dropped: what Pay.nl's call set going (a
    /// re-read, a booking, the log of the call's outcome) is done once, not left half done
    /// for the retry to find. (Taking the dossier's hold is itself safe to cut off, see
    /// `booking::Locked::hold`.)
    pub async fn handle_exchange(
        &self,
        headers: &HeaderMap,
        query: Option<&str>,
        body: &[u8],
        caller: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> ExchangeAnswer {
        let (service, headers, query, body) = (
            self.clone(),
            headers.clone(),
            query.map(str::to_owned),
            body.to_vec(),
        );
        let task = tokio::spawn(async move {
            let call = Received {
                headers: &headers,
                query: query.as_deref(),
                body: &body,
                caller,
            };
            service.handle_exchange_now(&call, now).await
        });
        match task.await {
            Ok(answer) => answer,
            Err(e) => {
                tracing::error!(error = %e, "exchange call handling failed");
                ExchangeAnswer::new(ExchangeOutcome::Retry, "could not process")
            }
        }
    }

    async fn handle_exchange_now(
        &self,
        received: &Received<'_>,
        now: DateTime<Utc>,
    ) -> ExchangeAnswer {
        let Received {
            headers,
            query,
            body,
            caller,
        } = *received;
        let raw_body = if body.is_empty() {
            query.map(|q| format!("?{q}")).unwrap_or_default()
        } else {
            String::from_utf8_lossy(body).into_owned()
        };
        // A signature, when present, must verify; without one the call is a hint.
        let read = read_exchange(
            headers,
            query,
            body,
            &self.keyring,
            SignaturePolicy::IfPresent,
        );
        let call = match read {
            Ok(call) => call,
            Err(ExchangeError::MalformedBody(message)) => {
                tracing::warn!(%message, "malformed Pay.nl exchange call");
                let id = self
                    .log_call(None, &excerpt(&raw_body), false, caller, now)
                    .await;
                self.set_outcome(id, &format!("rejected: malformed: {message}"))
                    .await;
                return ExchangeAnswer::new(ExchangeOutcome::Malformed, "malformed call");
            }
            Err(refusal) => {
                return self.refuse(received, &raw_body, &refusal, now).await;
            }
        };
        let signed = call.signed_by().is_some();
        let reread = self.client.reread(&call).await;
        // Logged under the order's UUID when Pay.nl named it, so one order's calls (signed
        // JSON with the UUID, old formats with the order id) are found together.
        let logged_order = match &reread {
            Ok(Reread {
                order: Lookup::Order(status),
                ..
            }) => status.id.clone(),
            _ => call.order_id().to_owned(),
        };
        let id = self
            .log_call(Some(logged_order), &raw_body, signed, caller, now)
            .await;
        let (answer, outcome) = self.process(&call, reread, now).await;
        self.set_outcome(id, &outcome).await;
        tracing::info!(order = %call.order_id(), transaction = ?call.transaction_id(), signed, claimed = %call.action(), %outcome, "Pay.nl exchange call");
        answer
    }

    async fn process(
        &self,
        call: &ExchangeCall,
        reread: Result<Reread, paynl::Error>,
        now: DateTime<Utc>,
    ) -> (ExchangeAnswer, String) {
        use ExchangeOutcome::{Ignored, Processed, Retry};
        let order_id = call.order_id();
        let Reread { order, transaction } = match reread {
            Ok(reread) => reread,
            Err(e) => {
                tracing::warn!(order = %order_id, error = %e, "exchange call: re-reading from Pay.nl failed");
                return (
                    ExchangeAnswer::new(Retry, "status unavailable, retry later"),
                    format!("failed: status read: {e}"),
                );
            }
        };
        let status = match order {
            Lookup::Order(status) => status,
            Lookup::Unknown => {
                return (
                    ExchangeAnswer::new(Ignored, "unknown order"),
                    "ignored: Pay.nl does not know the order".into(),
                );
            }
            Lookup::Transaction(t) => {
                // Only the REST API knows it: not an order of the Order API, which is where
                // all of ours are made.
                return match self.store.payment_by_order_id(&t.order_id).await {
                    Ok(None) => (
                        ExchangeAnswer::new(Ignored, "not our order"),
                        format!("ignored: {order_id} is a REST API transaction, not our order"),
                    ),
                    Ok(Some(payment)) => {
                        tracing::warn!(payment = %payment.id, order = %order_id, "exchange call: our order is known only to the REST API");
                        (
                            ExchangeAnswer::new(Retry, "order unavailable, retry later"),
                            "failed: the order is known only to the REST API".into(),
                        )
                    }
                    Err(e) => (
                        ExchangeAnswer::new(Retry, "database unavailable, retry later"),
                        format!("failed: {e}"),
                    ),
                };
            }
        };
        let transactions: Vec<Transaction> = match transaction {
            Some(Lookup::Transaction(t)) => vec![t],
            Some(Lookup::Unknown) => {
                tracing::warn!(order = %order_id, transaction = ?call.transaction_id(), "exchange call names a transaction Pay.nl does not know; the order decides");
                Vec::new()
            }
            _ => Vec::new(),
        };
        let payment = match self.payment_for(&status).await {
            Ok(Some(payment)) => payment,
            Ok(None) => {
                tracing::warn!(order = %status.id, reference = ?status.reference, "exchange call for an order that is not ours");
                return (
                    ExchangeAnswer::new(Ignored, "not our order"),
                    "ignored: no payment for this order".into(),
                );
            }
            Err(e) => {
                return (
                    ExchangeAnswer::new(Retry, "database unavailable, retry later"),
                    format!("failed: {e}"),
                );
            }
        };
        match self
            .apply_reread(&payment, &status, &transactions, now)
            .await
        {
            Ok(applied) => (
                ExchangeAnswer::new(Processed, &applied.status.to_string()),
                applied.outcome(),
            ),
            Err(e) => {
                tracing::warn!(payment = %payment.id, error = %e, "exchange call: applying the status failed");
                let busy = matches!(e, PayError::Busy);
                let message = if busy {
                    "busy, retry later"
                } else {
                    "could not process"
                };
                (ExchangeAnswer::new(Retry, message), format!("failed: {e}"))
            }
        }
    }

    /// Our payment for the order: by its id, else by its reference (our payment id) when
    /// that payment has no order yet or has this one.
    async fn payment_for(&self, status: &paynl::OrderStatus) -> Result<Option<Payment>, PayError> {
        if let Some(payment) = self.store.payment_by_order_id(&status.id).await? {
            return Ok(Some(payment));
        }
        if status.order_id != status.id
            && let Some(payment) = self.store.payment_by_order_id(&status.order_id).await?
        {
            return Ok(Some(payment));
        }
        // Our payment id, as Pay.nl sends it back.
        let Some(reference) = status
            .reference
            .as_deref()
            .and_then(|text| text.parse::<PaymentId>().ok())
        else {
            return Ok(None);
        };
        Ok(self
            .store
            .payment(&reference)
            .await?
            .filter(|p| p.paynl_order_id.is_none() && p.amount == status.amount))
    }

    async fn refuse(
        &self,
        received: &Received<'_>,
        raw_body: &str,
        refusal: &ExchangeError,
        now: DateTime<Utc>,
    ) -> ExchangeAnswer {
        let Received {
            headers,
            query,
            body,
            caller,
        } = *received;
        // What the call claims, read without its signature, for the log only.
        let mut unsigned = headers.clone();
        unsigned.remove("signature");
        let claimed = read_exchange(
            &unsigned,
            query,
            body,
            &self.keyring,
            SignaturePolicy::IfPresent,
        )
        .ok()
        .map(|c| c.order_id().to_owned());
        tracing::warn!(error = %refusal, order = ?claimed, ?caller, "Pay.nl exchange call refused");
        let id = self
            .log_call(claimed.clone(), &excerpt(raw_body), false, caller, now)
            .await;
        self.set_outcome(id, &format!("rejected: {refusal}")).await;
        let key_id = headers
            .get("signature-keyid")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let audit = NewAuditEvent {
            at: now,
            actor_kind: ActorKind::System,
            actor_id: Some("paynl".into()),
            dossier_id: None,
            action: "paynl.exchange.refused".into(),
            detail: json!({
                "reason": refusal.to_string(),
                "claimed_order": claimed,
                "key_id": key_id,
                "exchange_call": id,
            }),
            client_ip: caller.map(|ip| ip.to_string()),
            counsellor: None,
        };
        if let Err(e) = self.store.append_audit(&audit).await {
            tracing::error!(error = %e, "could not audit a refused exchange call");
        }
        ExchangeAnswer::new(ExchangeOutcome::Refused, "signature refused")
    }

    /// Logs the call; a failing log does not stop processing (the booking is what counts).
    async fn log_call(
        &self,
        order_id: Option<String>,
        raw_body: &str,
        signature_ok: bool,
        caller_ip: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Option<ExchangeCallId> {
        let call = NewExchangeCall {
            received_at: now,
            order_id,
            raw_body: raw_body.to_owned(),
            signature_ok,
            caller_ip,
        };
        match self.store.log_exchange_call(&call).await {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::error!(error = %e, "could not log an exchange call");
                None
            }
        }
    }

    async fn set_outcome(&self, id: Option<ExchangeCallId>, outcome: &str) {
        if let Some(id) = id
            && let Err(e) = self.store.set_exchange_outcome(id, outcome).await
        {
            tracing::error!(error = %e, call = id.get(), "could not record an exchange call's outcome");
        }
    }
}

/// The most of a refused call's body that is kept: enough to see what was sent, too little
/// for anyone to fill the database by sending junk.
pub const REFUSED_BODY_KEPT: usize = 1024;

/// `raw` cut to [`REFUSED_BODY_KEPT`] bytes (at a character boundary), marked when cut.
fn excerpt(raw: &str) -> String {
    if raw.len() <= REFUSED_BODY_KEPT {
        return raw.to_owned();
    }
    let mut end = REFUSED_BODY_KEPT;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &raw[..end], raw.len())
}
