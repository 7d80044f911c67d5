//! Typed client for Pay.nl's Order API (create, status) and its refund endpoint.

use std::fmt;
use std::time::Duration;

use axum::body::Bytes;
use domain::Money;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::json;

use crate::status::PaymentState;
use crate::wire::{self, WireAmount, WireError, WireOrder};

/// Where Pay.nl is and how to sign in to it.
#[derive(Clone)]
pub struct PaynlConfig {
    /// Order API base, `https://connect.pay.nl` in production.
    pub base_url: String,
    /// Base of the older REST API that serves refunds, `https://rest.pay.nl` in production.
    pub rest_base_url: String,
    /// HTTP Basic user: the AT-code (`AT-xxxx-xxxx`) or the sales-location code (`SL-xxxx-xxxx`).
    pub username: String,
    /// HTTP Basic password: the API token for an AT-code, the sales-location secret for an SL-code.
    pub password: String,
    /// The sales location orders are made for (`SL-xxxx-xxxx`).
    pub service_id: String,
    /// Sends `integration.test = true`, so Pay.nl treats orders as test payments.
    pub test_mode: bool,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, answer included.
    pub timeout: Duration,
    /// How often a status read is tried in all (at least 1).
    pub status_attempts: u32,
    /// Wait before the first status retry; doubled for each further one.
    pub retry_delay: Duration,
}

impl PaynlConfig {
    /// Production endpoints with conservative timeouts (3 s connect, 10 s total) and three
    /// status attempts.
    pub fn new(
        username: impl Into<String>,
        password: impl Into<String>,
        service_id: impl Into<String>,
    ) -> Self {
        PaynlConfig {
            base_url: "https://connect.pay.nl".into(),
            rest_base_url: "https://rest.pay.nl".into(),
            username: username.into(),
            password: password.into(),
            service_id: service_id.into(),
            test_mode: false,
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(10),
            status_attempts: 3,
            retry_delay: Duration::from_millis(200),
        }
    }

    /// Points both APIs at one base URL, as the simulator serves them together.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.rest_base_url = url.clone();
        self.base_url = url;
        self
    }
}

// The password must never reach a log line.
impl fmt::Debug for PaynlConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaynlConfig")
            .field("base_url", &self.base_url)
            .field("rest_base_url", &self.rest_base_url)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("service_id", &self.service_id)
            .field("test_mode", &self.test_mode)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("status_attempts", &self.status_attempts)
            .field("retry_delay", &self.retry_delay)
            .finish()
    }
}

/// What went wrong talking to Pay.nl.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// We refused to send the request: a field breaks Pay.nl's rules.
    #[error("invalid Pay.nl request: {0}")]
    InvalidRequest(String),
    /// The HTTP client could not be built (bad TLS setup or URL).
    #[error("Pay.nl client configuration: {0}")]
    Config(String),
    /// No connection could be made; the request was not sent.
    #[error("cannot connect to Pay.nl for {operation}: {message}")]
    Connect {
        /// What we were doing: `create order`, `order status` or `refund`.
        operation: &'static str,
        /// The underlying error, with its causes.
        message: String,
    },
    /// Pay.nl did not answer in time; the request may or may not have been processed.
    #[error("Pay.nl did not answer {operation} within the timeout")]
    Timeout {
        /// What we were doing: `create order`, `order status` or `refund`.
        operation: &'static str,
    },
    /// The connection broke mid-request; the request may or may not have been processed.
    #[error("network error during {operation}: {message}")]
    Network {
        /// What we were doing: `create order`, `order status` or `refund`.
        operation: &'static str,
        /// The underlying error, with its causes.
        message: String,
    },
    /// HTTP 401 or 403: the AT/SL code or its token/secret is wrong or lacks rights.
    #[error("Pay.nl refused our credentials for {operation} (HTTP {status}): {message}")]
    Unauthorized {
        /// What we were doing: `create order`, `order status` or `refund`.
        operation: &'static str,
        /// The HTTP status code.
        status: u16,
        /// Pay.nl's title, detail and violations, or the start of its body.
        message: String,
    },
    /// Any other non-2xx answer, with what Pay.nl said about it.
    #[error("Pay.nl answered {operation} with HTTP {status}: {message}")]
    Api {
        /// What we were doing: `create order`, `order status` or `refund`.
        operation: &'static str,
        /// The HTTP status code.
        status: u16,
        /// Pay.nl's title, detail and violations, or the start of its body.
        message: String,
    },
    /// A 2xx answer we cannot read (bad JSON, missing fields, foreign currency).
    #[error("Pay.nl's answer to {operation} is unreadable: {message}")]
    BadResponse {
        /// What we were doing: `create order`, `order status` or `refund`.
        operation: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

impl Error {
    /// The HTTP status Pay.nl answered with, if it answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized { status, .. } | Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True when the request may have been carried out although we got no answer
    /// (timeout or broken connection). After a create, do not retry with the same
    /// reference: start a new payment attempt; the unknown order simply expires.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Error::Timeout { .. } | Error::Network { .. })
    }

    /// Worth retrying for a read: network trouble or a 5xx.
    fn is_transient(&self) -> bool {
        match self {
            Error::Connect { .. } | Error::Timeout { .. } | Error::Network { .. } => true,
            Error::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// A new order. `reference` must be unique per payment attempt (our payment id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOrder {
    /// Amount to pay; must be positive.
    pub amount: Money,
    /// 1–32 characters, shown on the payer's bank statement.
    pub description: String,
    /// 1–64 characters, ASCII letters, digits and `-`.
    pub reference: String,
    /// Where Pay.nl sends the payer's browser afterwards.
    pub return_url: String,
    /// Where Pay.nl sends exchange calls (webhooks) for this order.
    pub exchange_url: String,
    /// Pay.nl payment method id (10 = iDEAL); `None` lets the payer choose.
    pub payment_method: Option<u32>,
}

/// A created order: where to send the payer, plus its current status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Pay.nl's UUID for the order; use it for status reads and refunds.
    pub id: String,
    /// Pay.nl's order id (e.g. `51007856048X14b0`), as legacy exchange calls name it.
    pub order_id: String,
    /// Pay.nl's hosted payment page (`links.redirect`).
    pub payment_url: String,
    /// When Pay.nl will expire the order, as Pay.nl wrote it (ISO-8601), if it said.
    pub expires_at: Option<String>,
    /// The status at creation (normally pending).
    pub status: OrderStatus,
}

/// An order's status as Pay.nl reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderStatus {
    /// Pay.nl's UUID for the order.
    pub id: String,
    /// Pay.nl's order id (e.g. `51007856048X14b0`).
    pub order_id: String,
    /// Our reference, echoed by Pay.nl.
    pub reference: Option<String>,
    /// What the code means.
    pub state: PaymentState,
    /// Pay.nl's raw status code (e.g. 100, -90).
    pub code: i32,
    /// Pay.nl's raw status action (e.g. `PAID`).
    pub action: String,
    /// The order amount.
    pub amount: Money,
    /// Money received: `capturedAmount`, else the order amount once the state says it
    /// was paid, else zero.
    pub paid_amount: Money,
    /// Money refunded so far. Uncertain: Pay.nl's order object has no documented total,
    /// so this sums refund entries in `payments[]`, or takes the paid amount for a full
    /// refund without such entries.
    pub refunded_amount: Money,
    /// Pay.nl echoed `integration.test = true`.
    pub test_mode: bool,
    /// The hosted payment page (`links.redirect`), when the order object carries it: lets a
    /// repeated request send the payer back to the same order without creating another.
    pub payment_url: Option<String>,
}

/// Pay.nl's answer to a refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// The order (transaction) refunded.
    pub order_id: String,
    /// The amount asked for.
    pub amount: Money,
    /// What Pay.nl says it refunded (`amountRefunded`), if it said.
    pub refunded_amount: Option<Money>,
}

/// Pay.nl API client. Cheap to clone; share one per process.
#[derive(Clone, Debug)]
pub struct PaynlClient {
    http: reqwest::Client,
    config: PaynlConfig,
}

impl PaynlClient {
    /// Builds the HTTP client (rustls) with the configured timeouts.
    pub fn new(config: PaynlConfig) -> Result<Self, Error> {
        for url in [&config.base_url, &config.rest_base_url] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(Error::Config(format!("base URL {url:?} is not http(s)")));
            }
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(concat!("debiteurportaal-paynl/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(error_chain(&e)))?;
        Ok(PaynlClient { http, config })
    }

    /// Creates an order. Never retried: a retry after a lost answer could create a
    /// second order. On an error where [`Error::outcome_unknown`] holds, start a new
    /// payment attempt with a new reference instead.
    pub async fn create_order(&self, order: &CreateOrder) -> Result<Order, Error> {
        const OP: &str = "create order";
        validate_create(order)?;
        let mut body = json!({
            "serviceId": self.config.service_id,
            "amount": WireAmount::eur(order.amount),
            "description": order.description,
            "reference": order.reference,
            "returnUrl": order.return_url,
            "exchangeUrl": order.exchange_url,
            "integration": { "test": self.config.test_mode },
            // Legacy exchange formats carry extra1 but not the reference, so we echo it there.
            "stats": { "extra1": order.reference },
        });
        if let Some(method) = order.payment_method {
            body["paymentMethod"] = json!({ "id": method });
        }
        let url = format!("{}/v1/orders", trim(&self.config.base_url));
        let bytes = self.send(OP, self.http.post(url).json(&body)).await?;
        let wire: WireOrder = parse_json(OP, &bytes)?;
        let status = order_status_from(&wire).map_err(|message| bad(OP, message))?;
        let payment_url = wire
            .links
            .as_ref()
            .and_then(|l| l.redirect.clone())
            .ok_or_else(|| bad(OP, "no links.redirect in the order".into()))?;
        Ok(Order {
            id: status.id.clone(),
            order_id: status.order_id.clone(),
            payment_url,
            expires_at: wire.expires_at.clone(),
            status,
        })
    }

    /// Reads an order's status by UUID or Pay.nl order id. Retried with doubling
    /// back-off on network errors and 5xx answers only; reading is safe to repeat.
    pub async fn order_status(&self, order_id: &str) -> Result<OrderStatus, Error> {
        const OP: &str = "order status";
        validate_id(order_id)?;
        let url = format!(
            "{}/v1/orders/{order_id}/status",
            trim(&self.config.base_url)
        );
        let attempts = self.config.status_attempts.max(1);
        let mut delay = self.config.retry_delay;
        let mut attempt = 1;
        loop {
            let result = async {
                let bytes = self.send(OP, self.http.get(&url)).await?;
                let wire: WireOrder = parse_json(OP, &bytes)?;
                order_status_from(&wire).map_err(|message| bad(OP, message))
            }
            .await;
            match result {
                Err(e) if e.is_transient() && attempt < attempts => {
                    tracing::warn!(%order_id, attempt, error = %e, "Pay.nl status read failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Refunds part or all of a paid order. Not retried (it moves money); after an
    /// error where [`Error::outcome_unknown`] holds, read the status before trying again.
    pub async fn refund(
        &self,
        order_id: &str,
        amount: Money,
        description: &str,
    ) -> Result<Refund, Error> {
        const OP: &str = "refund";
        validate_id(order_id)?;
        if amount.cents() <= 0 {
            return Err(Error::InvalidRequest(
                "refund amount must be positive".into(),
            ));
        }
        let mut body = json!({ "amount": WireAmount::eur(amount) });
        if !description.is_empty() {
            body["description"] = json!(description);
        }
        // Uncertain: the PHP SDK sends refunds to the REST API, version v2.
        let url = format!(
            "{}/v2/transactions/{order_id}/refund",
            trim(&self.config.rest_base_url)
        );
        let bytes = self.send(OP, self.http.patch(url).json(&body)).await?;
        let wire: WireRefund = parse_json(OP, &bytes)?;
        let refunded_amount = wire
            .amount_refunded
            .as_ref()
            .map(wire::money)
            .transpose()
            .map_err(|m| bad(OP, m))?;
        Ok(Refund {
            order_id: wire.order_id.unwrap_or_else(|| order_id.to_string()),
            amount,
            refunded_amount,
        })
    }

    async fn send(
        &self,
        operation: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<Bytes, Error> {
        let response = request
            .basic_auth(&self.config.username, Some(&self.config.password))
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| transport_error(operation, &e))?;
        let status = response.status();
        let is_json = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(operation, &e))?;
        if status.is_success() {
            return Ok(body);
        }
        let message = serde_json::from_slice::<WireError>(&body)
            .ok()
            .and_then(|e| e.summary())
            .unwrap_or_else(|| {
                if is_json || body.is_empty() {
                    status
                        .canonical_reason()
                        .unwrap_or("no message")
                        .to_string()
                } else {
                    snippet(&body)
                }
            });
        let status = status.as_u16();
        Err(if status == 401 || status == 403 {
            Error::Unauthorized {
                operation,
                status,
                message,
            }
        } else {
            Error::Api {
                operation,
                status,
                message,
            }
        })
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRefund {
    #[serde(default)]
    order_id: Option<String>,
    #[serde(default)]
    amount_refunded: Option<WireAmount>,
}

/// Builds the typed status from Pay.nl's order object.
pub(crate) fn order_status_from(w: &WireOrder) -> Result<OrderStatus, String> {
    let id =
        w.id.clone()
            .or_else(|| w.uuid.clone())
            .ok_or("order has neither id nor uuid")?;
    let order_id = w.order_id.clone().unwrap_or_else(|| id.clone());
    let status = w.status.as_ref().ok_or("order has no status")?;
    let state = wire::state_of(status).ok_or("status has neither a code nor a known action")?;
    let code = status.code.unwrap_or(state.code_and_action().0);
    let amount = wire::money(w.amount.as_ref().ok_or("order has no amount")?)?;
    let captured = w.captured_amount.as_ref().map(wire::money).transpose()?;
    let paid_amount = match captured {
        Some(c) if c.cents() > 0 => c,
        _ if state.money_was_received() => amount,
        _ => Money::ZERO,
    };
    let mut refunded: i64 = 0;
    for p in w.payments.iter().flatten() {
        let refund_entry =
            p.status.as_ref().and_then(wire::state_of).is_some_and(|s| {
                matches!(s, PaymentState::Refunded | PaymentState::PartiallyRefunded)
            });
        if let (true, Some(a)) = (refund_entry, p.amount.as_ref()) {
            refunded = refunded.saturating_add(wire::money(a)?.cents().saturating_abs());
        }
    }
    let refunded_amount = if refunded == 0 && state == PaymentState::Refunded {
        paid_amount
    } else {
        Money::from_cents(refunded)
    };
    Ok(OrderStatus {
        id,
        order_id,
        reference: w.reference.clone(),
        state,
        code,
        action: status.action.clone().unwrap_or_default(),
        amount,
        paid_amount,
        refunded_amount,
        test_mode: w.integration.as_ref().and_then(|i| i.test).unwrap_or(false),
        payment_url: w.links.as_ref().and_then(|l| l.redirect.clone()),
    })
}

fn validate_create(order: &CreateOrder) -> Result<(), Error> {
    let invalid = |m: &str| Err(Error::InvalidRequest(m.to_string()));
    if order.amount.cents() <= 0 {
        return invalid("amount must be positive");
    }
    let len = order.description.chars().count();
    if !(1..=32).contains(&len) {
        return invalid("description must be 1-32 characters");
    }
    if !valid_reference(&order.reference) {
        return invalid("reference must be 1-64 ASCII letters, digits or '-'");
    }
    for (name, url) in [
        ("returnUrl", &order.return_url),
        ("exchangeUrl", &order.exchange_url),
    ] {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Error::InvalidRequest(format!(
                "{name} must be an http(s) URL"
            )));
        }
    }
    Ok(())
}

pub(crate) fn valid_reference(reference: &str) -> bool {
    (1..=64).contains(&reference.len())
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

// Ids go into the URL path, so only characters that need no escaping pass.
fn validate_id(id: &str) -> Result<(), Error> {
    if valid_reference(id) {
        Ok(())
    } else {
        Err(Error::InvalidRequest(format!(
            "order id {id:?} is malformed"
        )))
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    body: &[u8],
) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| bad(operation, format!("bad JSON: {e}")))
}

fn bad(operation: &'static str, message: String) -> Error {
    Error::BadResponse { operation, message }
}

fn transport_error(operation: &'static str, e: &reqwest::Error) -> Error {
    if e.is_connect() {
        Error::Connect {
            operation,
            message: error_chain(e),
        }
    } else if e.is_timeout() {
        Error::Timeout { operation }
    } else {
        Error::Network {
            operation,
            message: error_chain(e),
        }
    }
}

/// reqwest's top-level message hides the cause ("error sending request"); add the chain.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

fn trim(url: &str) -> &str {
    url.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> CreateOrder {
        CreateOrder {
            amount: Money::from_cents(1234),
            description: "Dossier ISB-2026-000123".into(),
            reference: "pay-0001".into(),
            return_url: "https://portal.example/return".into(),
            exchange_url: "https://portal.example/exchange".into(),
            payment_method: None,
        }
    }

    #[test]
    fn create_rules_follow_paynl() {
        assert!(validate_create(&order()).is_ok());
        let mut o = order();
        o.amount = Money::ZERO;
        assert!(validate_create(&o).is_err());
        let mut o = order();
        o.description = "x".repeat(33);
        assert!(validate_create(&o).is_err());
        let mut o = order();
        o.reference = "pay_0001".into();
        assert!(validate_create(&o).is_err());
        let mut o = order();
        o.exchange_url = "ftp://x".into();
        assert!(validate_create(&o).is_err());
    }

    #[test]
    fn debug_hides_the_password() {
        let config = PaynlConfig::new("AT-1", "s3cret-token", "SL-1");
        assert!(!format!("{config:?}").contains("s3cret-token"));
    }

    #[test]
    fn status_amounts_come_from_the_order_object() {
        let w: WireOrder = serde_json::from_str(
            r#"{"uuid":"u-1","orderId":"51X","reference":"r","status":{"code":-82,"action":"PARTIAL_REFUND"},
                "amount":{"value":1000,"currency":"EUR"},"capturedAmount":{"value":1000,"currency":"EUR"},
                "payments":[{"status":{"code":100,"action":"PAID"},"amount":{"value":1000}},
                            {"status":{"code":-82,"action":"PARTIAL_REFUND"},"amount":{"value":300}}]}"#,
        )
        .unwrap();
        let s = order_status_from(&w).unwrap();
        assert_eq!(s.id, "u-1");
        assert_eq!(s.state, PaymentState::PartiallyRefunded);
        assert_eq!(s.paid_amount, Money::from_cents(1000));
        assert_eq!(s.refunded_amount, Money::from_cents(300));
    }

    #[test]
    fn foreign_currency_is_refused() {
        let w: WireOrder = serde_json::from_str(
            r#"{"id":"u","status":{"code":20},"amount":{"value":1,"currency":"USD"}}"#,
        )
        .unwrap();
        assert!(order_status_from(&w).is_err());
    }
}
