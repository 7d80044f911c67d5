//! Pay.nl's JSON shapes, shared by the client, the exchange parser and the simulator.
//!
//! Every field is optional on the way in: Pay.nl's documentation and SDKs disagree
//! on which ones are always present, so the typed views decide what is required.

use domain::Money;
use serde::{Deserialize, Deserializer, Serialize};

use crate::status::PaymentState;

/// `{value: <int cents>, currency: "EUR"}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WireAmount {
    pub value: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

impl WireAmount {
    pub fn eur(money: Money) -> Self {
        WireAmount {
            value: money.cents(),
            currency: Some("EUR".into()),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireStatus {
    #[serde(default, deserialize_with = "int_or_string")]
    pub code: Option<i32>,
    #[serde(default)]
    pub action: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct WireLinks {
    #[serde(default)]
    pub redirect: Option<String>,
    /// Pay.nl's Node SDK types allow `checkout` beside `redirect`.
    #[serde(default)]
    pub checkout: Option<String>,
}

impl WireLinks {
    /// The hosted payment page: `redirect`, else `checkout`. Blank values count as absent.
    pub fn payment_url(&self) -> Option<String> {
        let given = |url: &Option<String>| url.clone().filter(|u| !u.trim().is_empty());
        given(&self.redirect).or_else(|| given(&self.checkout))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct WireIntegration {
    #[serde(default)]
    pub test: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WirePayment {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<WireStatus>,
    #[serde(default)]
    pub amount: Option<WireAmount>,
}

/// The order object returned by create and status, and carried in signed exchange calls.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireOrder {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub status: Option<WireStatus>,
    #[serde(default)]
    pub amount: Option<WireAmount>,
    #[serde(default)]
    pub captured_amount: Option<WireAmount>,
    #[serde(default)]
    pub integration: Option<WireIntegration>,
    #[serde(default)]
    pub payments: Option<Vec<WirePayment>>,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub links: Option<WireLinks>,
}

/// A transaction of the older REST API (`GET rest.pay.nl/v2/transactions/{id}`), in the
/// shape Pay.nl's Node SDK types as `DeprecatedTransaction` and its PHP SDK reads as
/// `TransactionStatusResponse`. Only the fields we use.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireTransaction {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub order_id: Option<String>,
    /// Uncertain: not in the SDK types. The Order API's order object has `type` ("sale"),
    /// and Pay.nl's POS refunds answer `"type": "credit"`; the simulator sends "sale",
    /// "refund" or "chargeback" here.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub amount: Option<WireAmount>,
    #[serde(default)]
    pub amount_paid: Option<WireAmount>,
    #[serde(default)]
    pub amount_refunded: Option<WireAmount>,
    #[serde(default)]
    pub status: Option<WireStatus>,
    #[serde(default)]
    pub integration: Option<WireRestIntegration>,
    #[serde(default)]
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireRestIntegration {
    #[serde(default)]
    pub test_mode: Option<bool>,
}

/// Pay.nl's error body: `{"title", "detail", "violations": [{"code", "message", ...}]}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireError {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub violations: Vec<WireViolation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireViolation {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub property_path: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

impl WireError {
    /// A one-line summary of what Pay.nl said, or `None` when it said nothing readable.
    pub fn summary(&self) -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        if let Some(t) = self.title.as_deref().filter(|t| !t.is_empty()) {
            parts.push(t.to_string());
        }
        if let Some(d) = self.detail.as_deref().filter(|d| !d.is_empty()) {
            parts.push(d.to_string());
        }
        for v in &self.violations {
            let text = [
                v.code.as_deref(),
                v.property_path.as_deref(),
                v.message.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            if !text.is_empty() {
                parts.push(text);
            }
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Status codes may arrive as numbers or numeric strings depending on the API generation.
fn int_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IntOrString {
        Int(i32),
        Str(String),
    }
    match Option::<IntOrString>::deserialize(d)? {
        None => Ok(None),
        Some(IntOrString::Int(i)) => Ok(Some(i)),
        Some(IntOrString::Str(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("status code {s:?} is not a number"))),
    }
}

/// Reads an amount, refusing any currency but euro.
pub(crate) fn money(amount: &WireAmount) -> Result<Money, String> {
    match amount.currency.as_deref() {
        None | Some("EUR") => Ok(Money::from_cents(amount.value)),
        Some(other) => Err(format!("amount in {other}, expected EUR")),
    }
}

/// Formats cents as Pay.nl's legacy decimal string ("9.99"); integer arithmetic only.
pub(crate) fn cents_to_decimal(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Parses Pay.nl's legacy decimal amount ("9.99", "10", "10.5") into cents without floats.
pub(crate) fn decimal_to_cents(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    let cents = whole.checked_mul(100)?.checked_add(frac)?;
    Some(if negative { -cents } else { cents })
}

/// The state a wire status stands for: the code wins, the action is the fallback.
pub(crate) fn state_of(status: &WireStatus) -> Option<PaymentState> {
    match status.code {
        Some(code) => Some(PaymentState::from_code(code)),
        None => status.action.as_deref().and_then(PaymentState::from_action),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_amounts_round_trip_without_floats() {
        assert_eq!(decimal_to_cents("9.99"), Some(999));
        assert_eq!(decimal_to_cents("10"), Some(1000));
        assert_eq!(decimal_to_cents("10.5"), Some(1050));
        assert_eq!(decimal_to_cents("0.01"), Some(1));
        assert_eq!(decimal_to_cents("-3.20"), Some(-320));
        assert_eq!(decimal_to_cents("1.234"), None);
        assert_eq!(decimal_to_cents("abc"), None);
        assert_eq!(decimal_to_cents(".5"), None);
        assert_eq!(decimal_to_cents("1e3"), None);
        assert_eq!(cents_to_decimal(999), "9.99");
        assert_eq!(cents_to_decimal(5), "0.05");
        assert_eq!(cents_to_decimal(-1050), "-10.50");
    }

    #[test]
    fn status_code_may_be_a_string() {
        let s: WireStatus = serde_json::from_str(r#"{"code":"-90","action":"CANCEL"}"#).unwrap();
        assert_eq!(state_of(&s), Some(PaymentState::Cancelled));
        let s: WireStatus = serde_json::from_str(r#"{"action":"PAID"}"#).unwrap();
        assert_eq!(state_of(&s), Some(PaymentState::Paid));
    }

    #[test]
    fn error_summary_names_violations() {
        let e: WireError = serde_json::from_str(
            r#"{"title":"Bad","violations":[{"code":"PAY-1","propertyPath":"amount","message":"too low"}]}"#,
        )
        .unwrap();
        assert_eq!(e.summary().unwrap(), "Bad; PAY-1 amount too low");
    }
}
