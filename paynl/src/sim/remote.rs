//! [`SimControl`]: a client for a running simulator's `/_sim/` control API, over HTTP. The one
//! copy that the test suites (paynl, payments, plans, server) drive the simulator with.

use domain::Money;
use serde_json::{Value, json};

/// Why a control call failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The simulator could not be reached or its answer not read.
    #[error("simulator unreachable: {0}")]
    Http(#[from] reqwest::Error),
    /// The simulator refused the call.
    #[error("simulator answered {status}: {body}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// Its body (JSON, or the text as a string).
        body: Value,
    },
    /// An answer without the field the call returns.
    #[error("simulator answer without {0}")]
    Missing(&'static str),
}

/// A refund or chargeback the simulator made ([`SimControl::refund`], [`SimControl::chargeback`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimReversal {
    /// Its transaction id at the REST API (`EX-…`).
    pub transaction_id: String,
    /// The amount refunded or charged back.
    pub amount: Money,
    /// The exchange call announcing it; `None` when the order has no exchange URL.
    pub call_id: Option<u64>,
}

/// A client for the simulator at `base` (e.g. [`super::Simulator::url`]). Cheap to clone.
#[derive(Debug, Clone)]
pub struct SimControl {
    http: reqwest::Client,
    base: String,
}

/// An HTTP method of the control API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `DELETE`.
    Delete,
}

impl SimControl {
    /// A client for the simulator at `base` (no trailing slash needed).
    pub fn new(base: impl Into<String>) -> Self {
        SimControl {
            http: reqwest::Client::new(),
            base: base.into().trim_end_matches('/').to_owned(),
        }
    }

    /// Any call, `path` from the root (`/_sim/orders`, `/v1/orders/{id}/status`): the status
    /// and the body as JSON (`Null` when empty, a string when not JSON), whatever the status.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), ControlError> {
        let url = format!("{}{path}", self.base);
        let mut request = match method {
            Method::Get => self.http.get(url),
            Method::Post => self.http.post(url),
            Method::Delete => self.http.delete(url),
        };
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok((status, json))
    }

    /// A control call that must succeed (2xx); its body.
    pub async fn ok(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ControlError> {
        match self.call(method, path, body).await? {
            (status, body) if (200..300).contains(&status) => Ok(body),
            (status, body) => Err(ControlError::Refused { status, body }),
        }
    }

    /// `POST /_sim/orders/{order}/{action}` (`pay`, `cancel`, `expire`, `refund`,
    /// `chargeback`, `resend`, …): the id of the exchange call it sent.
    pub async fn act(
        &self,
        order: &str,
        action: &str,
        body: Option<&Value>,
    ) -> Result<u64, ControlError> {
        let answer = self
            .ok(
                Method::Post,
                &format!("/_sim/orders/{order}/{action}"),
                body,
            )
            .await?;
        answer["call_id"]
            .as_u64()
            .ok_or(ControlError::Missing("call_id"))
    }

    /// Refunds `amount` (default: all that is left) of a paid order, as a merchant does at
    /// Pay.nl: an `EX-…` transaction, the order at -82 (partial) or -81 (full), and an
    /// exchange call (by default the old unsigned form format, `action=refund:add`).
    pub async fn refund(
        &self,
        order: &str,
        amount: Option<Money>,
    ) -> Result<SimReversal, ControlError> {
        let body = match amount {
            Some(amount) => json!({ "amount": amount.cents() }),
            None => json!({}),
        };
        self.reversal(order, "refund", &body).await
    }

    /// Charges back what a paid order still holds: a transaction, the order at `code`
    /// (-70 or -71; default -71) and an exchange call (`chargeback:chargeback` by default).
    pub async fn chargeback(
        &self,
        order: &str,
        code: Option<i32>,
    ) -> Result<SimReversal, ControlError> {
        let body = match code {
            Some(code) => json!({ "code": code }),
            None => json!({}),
        };
        self.reversal(order, "chargeback", &body).await
    }

    async fn reversal(
        &self,
        order: &str,
        action: &str,
        body: &Value,
    ) -> Result<SimReversal, ControlError> {
        let answer = self
            .ok(
                Method::Post,
                &format!("/_sim/orders/{order}/{action}"),
                Some(body),
            )
            .await?;
        Ok(SimReversal {
            transaction_id: answer["transaction_id"]
                .as_str()
                .ok_or(ControlError::Missing("transaction_id"))?
                .to_owned(),
            amount: Money::from_cents(
                answer["amount"]
                    .as_i64()
                    .ok_or(ControlError::Missing("amount"))?,
            ),
            call_id: answer["call_id"].as_u64(),
        })
    }

    /// Sends exchange call `call_id` again, byte for byte, as a new call (a duplicate);
    /// the new call's id.
    pub async fn resend_call(&self, call_id: u64) -> Result<u64, ControlError> {
        let answer = self
            .ok(
                Method::Post,
                &format!("/_sim/exchanges/{call_id}/resend"),
                None,
            )
            .await?;
        answer["call_id"]
            .as_u64()
            .ok_or(ControlError::Missing("call_id"))
    }

    /// Forgets every order, fault and exchange record.
    pub async fn reset(&self) -> Result<(), ControlError> {
        self.ok(Method::Post, "/_sim/reset", None).await?;
        Ok(())
    }

    /// The simulator's orders, as it describes them.
    pub async fn orders(&self) -> Result<Vec<Value>, ControlError> {
        Ok(list(self.ok(Method::Get, "/_sim/orders", None).await?))
    }

    /// One order, as the simulator describes it.
    pub async fn order(&self, order: &str) -> Result<Value, ControlError> {
        self.ok(Method::Get, &format!("/_sim/orders/{order}"), None)
            .await
    }

    /// Every exchange-call record (attempts included), of one order or of all.
    pub async fn exchanges(&self, order: Option<&str>) -> Result<Vec<Value>, ControlError> {
        let path = match order {
            Some(order) => format!("/_sim/exchanges?order={order}"),
            None => "/_sim/exchanges".to_owned(),
        };
        Ok(list(self.ok(Method::Get, &path, None).await?))
    }

    /// Sets faults (`POST /_sim/faults`), e.g. `{"exchange_drop": {"count": 1}}`,
    /// `{"exchange_delay": {"count": 1, "ms": 300}}` (to deliver calls out of order) or
    /// `{"exchange_duplicate": {"count": 1}}` (to deliver one twice).
    pub async fn set_faults(&self, faults: &Value) -> Result<(), ControlError> {
        self.ok(Method::Post, "/_sim/faults", Some(faults)).await?;
        Ok(())
    }

    /// Clears every fault.
    pub async fn clear_faults(&self) -> Result<(), ControlError> {
        self.ok(Method::Delete, "/_sim/faults", None).await?;
        Ok(())
    }
}

fn list(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        _ => Vec::new(),
    }
}
