//! Pay.nl exchange calls (webhooks): signature checks and parsing.
//!
//! Pay.nl signs SIGNED_JSON_POST calls with an HMAC of the raw body; its older formats
//! (form-encoded or flat JSON, POST or GET) are unsigned, and refunds and chargebacks come
//! in those older formats even where orders use signed JSON. [`read_exchange`] returns an
//! [`ExchangeCall`] that says which it was: [`ExchangeCall::Signed`] (the signature
//! verified) or [`ExchangeCall::Hint`] (anybody could have sent it). Either way the content
//! is not booked: the portal re-reads the order (and for refunds and chargebacks the
//! transaction) from the API, e.g. with [`PaynlClient::reread`](crate::PaynlClient::reread).
//! There is no timestamp or nonce, so a valid call can be replayed: processing must be
//! idempotent.

use std::collections::HashMap;
use std::str::FromStr;

use axum::http::HeaderMap;
use domain::Money;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Sha256, Sha512};

use crate::status::PaymentState;
use crate::wire::{self, WireOrder};

/// Signing secrets by key id: an `SL-…` id maps to the sales-location secret, an
/// `AT-…` id to the API token.
pub type Keyring = HashMap<String, String>;

pub(crate) const SIGNATURE: &str = "signature";
pub(crate) const SIGNATURE_KEY_ID: &str = "signature-keyid";
pub(crate) const SIGNATURE_METHOD: &str = "signature-method";
pub(crate) const SIGNATURE_ALGORITHM: &str = "signature-algorithm";

/// The HMAC hash named by the `signature-algorithm` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureAlgorithm {
    /// `sha256`, also assumed when the header is absent.
    #[default]
    Sha256,
    /// `sha512`.
    Sha512,
}

impl SignatureAlgorithm {
    /// The header value Pay.nl uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureAlgorithm::Sha256 => "sha256",
            SignatureAlgorithm::Sha512 => "sha512",
        }
    }
}

impl FromStr for SignatureAlgorithm {
    type Err = ExchangeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sha256" => Ok(SignatureAlgorithm::Sha256),
            "sha512" => Ok(SignatureAlgorithm::Sha512),
            other => Err(ExchangeError::UnsupportedAlgorithm(other.to_string())),
        }
    }
}

/// Whether an exchange call must be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignaturePolicy {
    /// Refuse calls without a signature (the sales location sends SIGNED_JSON_POST).
    Required,
    /// Verify a signature when there is one; accept unsigned calls as mere hints.
    IfPresent,
}

/// Why an exchange call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    /// A signature header is missing.
    #[error("exchange call has no {0} header")]
    MissingSignature(&'static str),
    /// The key id is not in our keyring.
    #[error("exchange call signed with unknown key id {0:?}")]
    UnknownKeyId(String),
    /// A signature method or algorithm we do not support.
    #[error("unsupported signature method or algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The signature does not match the body under the named key.
    #[error("exchange call signature does not match its body")]
    BadSignature,
    /// The body (or query) is not a Pay.nl exchange call we can read.
    #[error("malformed exchange call: {0}")]
    MalformedBody(String),
}

/// One exchange call, typed by how far it can be trusted.
///
/// Neither variant is a fact about the payment: a signed call is authentic but may be
/// stale or replayed, a hint may be forged. Re-read from the API before booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeCall {
    /// A SIGNED_JSON_POST call whose signature verified under one of our keys: Pay.nl sent
    /// this order object (at some moment).
    Signed(SignedCall),
    /// A call without a verified signature: Pay.nl's older formats (form POST, GET query,
    /// flat JSON), including every refund and chargeback call, or an envelope sent without
    /// signature headers (when the policy allows that). It only says what to re-read.
    Hint(Hint),
}

/// A verified SIGNED_JSON_POST call (`event: status_changed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCall {
    /// The key id whose secret verified the signature (`AT-…` or `SL-…`).
    pub key_id: String,
    /// The id to read the status with: the order's UUID (`id`/`uuid`), else the envelope's
    /// `id`.
    pub order_id: String,
    /// Pay.nl's order id (`orderId`, e.g. `51007856048X14b0`), when the object has one.
    pub paynl_order_id: Option<String>,
    /// Our reference, as the order object carries it.
    pub reference: Option<String>,
    /// The event name (`status_changed`).
    pub event: Option<String>,
    /// The status action (`PAID`).
    pub action: String,
    /// Pay.nl's status code.
    pub status_code: Option<i32>,
    /// What the status code says, as of when Pay.nl sent the call.
    pub state: Option<PaymentState>,
    /// The order amount in the object.
    pub amount: Option<Money>,
}

/// An unsigned call: "something happened to order `order_id` (and transaction
/// `transaction_id`): re-read them". Its claims are kept for the log, named as claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// The order to re-read: Pay.nl's order id (`order_id`), or for an unsigned envelope
    /// the order's UUID.
    pub order_id: String,
    /// The transaction to re-read at the REST API: `transactionId` (`EX-…`) of a refund
    /// call, or of a chargeback call when it carries one.
    pub transaction_id: Option<String>,
    /// What the call says happened.
    pub event: HintEvent,
    /// The `action` as sent (`new_ppt`, `refund:add`, …), or the status action of an
    /// unsigned envelope.
    pub action: String,
    /// `extra1` (where the client puts our reference), or the envelope's `reference`.
    pub reference: Option<String>,
    /// The amount the call claims ("9.99" in the old formats; for a refund, the refund's).
    pub claimed_amount: Option<Money>,
    /// The state the call claims, when it names one.
    pub claimed_state: Option<PaymentState>,
}

/// What an unsigned call says happened (its `action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintEvent {
    /// `new_ppt`: paid (or authorised).
    Paid,
    /// `pending`.
    Pending,
    /// `cancel`.
    Cancelled,
    /// `verify`.
    Verify,
    /// `capture`.
    Capture,
    /// `refund:*`.
    Refund(RefundStage),
    /// `chargeback:*`.
    Chargeback,
    /// An unsigned SIGNED_JSON_POST envelope (`status_changed`).
    StatusChanged,
    /// An action we do not know.
    Other,
}

/// The stage a `refund:*` call announces (Pay.nl's refunds page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStage {
    /// `refund:add`: the refund was requested (API or Pay.nl's admin panel).
    Added,
    /// `refund:received`: the money went back (instant methods) or was queued.
    Received,
    /// `refund:send`: a batched (IBAN) refund was sent.
    Sent,
    /// `refund:storno`: the refund could not be carried out.
    Storno,
    /// Another `refund:…` action.
    Other,
}

impl HintEvent {
    fn from_action(action: &str) -> HintEvent {
        let action = action.to_ascii_lowercase();
        match action.as_str() {
            "new_ppt" => HintEvent::Paid,
            "pending" => HintEvent::Pending,
            "cancel" => HintEvent::Cancelled,
            "verify" => HintEvent::Verify,
            "capture" => HintEvent::Capture,
            "refund:add" => HintEvent::Refund(RefundStage::Added),
            "refund:received" => HintEvent::Refund(RefundStage::Received),
            "refund:send" => HintEvent::Refund(RefundStage::Sent),
            "refund:storno" => HintEvent::Refund(RefundStage::Storno),
            a if a.starts_with("refund") => HintEvent::Refund(RefundStage::Other),
            // The PHP SDK matches on the prefix too.
            a if a.starts_with("chargeback") => HintEvent::Chargeback,
            _ => HintEvent::Other,
        }
    }
}

impl ExchangeCall {
    /// The order to re-read (a UUID or Pay.nl order id; see [`crate::Api::for_id`]).
    pub fn order_id(&self) -> &str {
        match self {
            ExchangeCall::Signed(c) => &c.order_id,
            ExchangeCall::Hint(h) => &h.order_id,
        }
    }

    /// The refund or chargeback transaction to re-read (`EX-…`), if the call names one.
    pub fn transaction_id(&self) -> Option<&str> {
        match self {
            ExchangeCall::Signed(_) => None,
            ExchangeCall::Hint(h) => h.transaction_id.as_deref(),
        }
    }

    /// The key id that verified the signature; `None` for a hint.
    pub fn signed_by(&self) -> Option<&str> {
        match self {
            ExchangeCall::Signed(c) => Some(&c.key_id),
            ExchangeCall::Hint(_) => None,
        }
    }

    /// The action as sent (`PAID`, `new_ppt`, `refund:add`, …), for logs.
    pub fn action(&self) -> &str {
        match self {
            ExchangeCall::Signed(c) => &c.action,
            ExchangeCall::Hint(h) => &h.action,
        }
    }

    /// Our reference as the call carries it (`reference` or `extra1`).
    pub fn reference(&self) -> Option<&str> {
        match self {
            ExchangeCall::Signed(c) => c.reference.as_deref(),
            ExchangeCall::Hint(h) => h.reference.as_deref(),
        }
    }

    /// The state the call claims (never booked from).
    pub fn claimed_state(&self) -> Option<PaymentState> {
        match self {
            ExchangeCall::Signed(c) => c.state,
            ExchangeCall::Hint(h) => h.claimed_state,
        }
    }

    /// True for a call about a refund or chargeback: by its action, or by the state a
    /// signed call carries.
    pub fn is_refund_or_chargeback(&self) -> bool {
        match self {
            ExchangeCall::Signed(c) => matches!(
                c.state,
                Some(
                    PaymentState::Refunded
                        | PaymentState::PartiallyRefunded
                        | PaymentState::Chargeback
                )
            ),
            ExchangeCall::Hint(h) => {
                matches!(h.event, HintEvent::Refund(_) | HintEvent::Chargeback)
            }
        }
    }
}

/// Computes Pay.nl's signature: lowercase hex HMAC of the raw body.
pub fn sign(algorithm: SignatureAlgorithm, secret: &[u8], body: &[u8]) -> String {
    match algorithm {
        SignatureAlgorithm::Sha256 => hex::encode(mac::<Hmac<Sha256>>(secret, body)),
        SignatureAlgorithm::Sha512 => hex::encode(mac::<Hmac<Sha512>>(secret, body)),
    }
}

fn mac<M: Mac + hmac::digest::KeyInit>(secret: &[u8], body: &[u8]) -> Vec<u8> {
    let mut m = <M as hmac::digest::KeyInit>::new_from_slice(secret)
        .expect("HMAC accepts keys of any length");
    m.update(body);
    m.finalize().into_bytes().to_vec()
}

/// Checks the signature headers against the raw body, in constant time. Returns the
/// key id that verified it.
pub fn verify_signature(
    headers: &HeaderMap,
    body: &[u8],
    keyring: &Keyring,
) -> Result<String, ExchangeError> {
    let signature =
        header(headers, SIGNATURE)?.ok_or(ExchangeError::MissingSignature(SIGNATURE))?;
    let key_id = header(headers, SIGNATURE_KEY_ID)?
        .ok_or(ExchangeError::MissingSignature(SIGNATURE_KEY_ID))?;
    if let Some(method) = header(headers, SIGNATURE_METHOD)?
        && !method.eq_ignore_ascii_case("HMAC")
    {
        return Err(ExchangeError::UnsupportedAlgorithm(method.to_string()));
    }
    let algorithm = match header(headers, SIGNATURE_ALGORITHM)? {
        Some(a) => a.parse()?,
        None => SignatureAlgorithm::Sha256,
    };
    let secret = keyring
        .get(key_id)
        .ok_or_else(|| ExchangeError::UnknownKeyId(key_id.to_string()))?;
    let expected = hex::decode(signature.trim()).map_err(|_| ExchangeError::BadSignature)?;
    let secret = secret.as_bytes();
    // verify_slice compares in constant time.
    let verified = match algorithm {
        SignatureAlgorithm::Sha256 => verify::<Hmac<Sha256>>(secret, body, &expected),
        SignatureAlgorithm::Sha512 => verify::<Hmac<Sha512>>(secret, body, &expected),
    };
    if verified {
        Ok(key_id.to_string())
    } else {
        Err(ExchangeError::BadSignature)
    }
}

fn verify<M: Mac + hmac::digest::KeyInit>(secret: &[u8], body: &[u8], expected: &[u8]) -> bool {
    let mut m = <M as hmac::digest::KeyInit>::new_from_slice(secret)
        .expect("HMAC accepts keys of any length");
    m.update(body);
    m.verify_slice(expected).is_ok()
}

fn header<'a>(
    headers: &'a HeaderMap,
    name: &'static str,
) -> Result<Option<&'a str>, ExchangeError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(Some)
            .map_err(|_| ExchangeError::MalformedBody(format!("{name} header is not text"))),
    }
}

/// Verifies (per `policy`) and parses an exchange call.
///
/// `query` is the request's query string without `?`; legacy GET calls carry their
/// fields there, and it is ignored when the body has content.
pub fn read_exchange(
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
    keyring: &Keyring,
    policy: SignaturePolicy,
) -> Result<ExchangeCall, ExchangeError> {
    let signed_by = if headers.contains_key(SIGNATURE) || policy == SignaturePolicy::Required {
        Some(verify_signature(headers, body, keyring)?)
    } else {
        None
    };
    let content_type = header(headers, "content-type")?;
    Ok(match (parse(content_type, query, body)?, signed_by) {
        (Parsed::Envelope(call), Some(key_id)) => {
            ExchangeCall::Signed(SignedCall { key_id, ..call })
        }
        // Unsigned envelope: the same fields, as claims only.
        (Parsed::Envelope(call), None) => ExchangeCall::Hint(Hint {
            order_id: call.order_id,
            transaction_id: None,
            event: HintEvent::StatusChanged,
            action: call.action,
            reference: call.reference,
            claimed_amount: call.amount,
            claimed_state: call.state,
        }),
        // The old formats are unsigned by design; a verified signature on one (which Pay.nl
        // does not send) does not make its fields Pay.nl's order object.
        (Parsed::Legacy(hint), _) => ExchangeCall::Hint(hint),
    })
}

enum Parsed {
    Envelope(SignedCall),
    Legacy(Hint),
}

/// The SIGNED_JSON_POST envelope.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    id: Option<String>,
    object: WireOrder,
}

fn parse(
    content_type: Option<&str>,
    query: Option<&str>,
    body: &[u8],
) -> Result<Parsed, ExchangeError> {
    let malformed = |m: String| ExchangeError::MalformedBody(m);
    let text = std::str::from_utf8(body).map_err(|_| malformed("body is not UTF-8".into()))?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return match query.filter(|q| !q.is_empty()) {
            Some(q) => legacy(form_fields(q.as_bytes())?),
            None => Err(malformed("empty body and no query".into())),
        };
    }
    let is_json = content_type.is_some_and(|c| c.contains("json")) || trimmed.starts_with('{');
    if !is_json {
        return legacy(form_fields(body)?);
    }
    let value: serde_json::Value =
        serde_json::from_str(trimmed).map_err(|e| malformed(format!("bad JSON: {e}")))?;
    let serde_json::Value::Object(map) = value else {
        return Err(malformed("JSON body is not an object".into()));
    };
    if map.contains_key("object") {
        let envelope: Envelope = serde_json::from_value(serde_json::Value::Object(map))
            .map_err(|e| malformed(format!("bad order object: {e}")))?;
        return signed_json(envelope).map(Parsed::Envelope);
    }
    // Flat legacy JSON: values may be strings or numbers.
    let fields = map
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k, s)),
            serde_json::Value::Number(n) => Some((k, n.to_string())),
            _ => None,
        })
        .collect();
    legacy(fields)
}

fn signed_json(envelope: Envelope) -> Result<SignedCall, ExchangeError> {
    let o = envelope.object;
    // A blank id is no id (serde also reads an object from an array, `"object": [""]`).
    let given = |id: &Option<String>| id.clone().filter(|id| !id.trim().is_empty());
    let order_id = given(&o.id)
        .or_else(|| given(&o.uuid))
        .or_else(|| given(&envelope.id))
        .ok_or_else(|| ExchangeError::MalformedBody("order object has no id".into()))?;
    let status = o.status.as_ref();
    let amount = o
        .amount
        .as_ref()
        .map(wire::money)
        .transpose()
        .map_err(ExchangeError::MalformedBody)?;
    Ok(SignedCall {
        key_id: String::new(),
        order_id,
        paynl_order_id: given(&o.order_id),
        reference: o.reference.clone(),
        action: status.and_then(|s| s.action.clone()).unwrap_or_default(),
        status_code: status.and_then(|s| s.code),
        state: status.and_then(wire::state_of),
        amount,
        event: envelope.event,
    })
}

fn form_fields(bytes: &[u8]) -> Result<Vec<(String, String)>, ExchangeError> {
    serde_urlencoded::from_bytes(bytes)
        .map_err(|e| ExchangeError::MalformedBody(format!("bad form encoding: {e}")))
}

fn legacy(fields: Vec<(String, String)>) -> Result<Parsed, ExchangeError> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let action = get("action").ok_or_else(|| ExchangeError::MalformedBody("no action".into()))?;
    let order_id = get("order_id")
        .or_else(|| get("orderId"))
        .ok_or_else(|| ExchangeError::MalformedBody("no order_id".into()))?;
    let claimed_amount = match get("amount") {
        Some(a) => Some(Money::from_cents(wire::decimal_to_cents(&a).ok_or_else(
            || ExchangeError::MalformedBody(format!("amount {a:?} is not a decimal")),
        )?)),
        None => None,
    };
    let event = HintEvent::from_action(&action);
    let claimed_state = match event {
        HintEvent::Paid => Some(PaymentState::Paid),
        HintEvent::Pending => Some(PaymentState::Pending),
        HintEvent::Cancelled => Some(PaymentState::Cancelled),
        HintEvent::Verify => Some(PaymentState::Verify),
        HintEvent::Chargeback => Some(PaymentState::Chargeback),
        // refund:* and capture do not say whether the whole order is affected: ask the API.
        _ => None,
    };
    // Pay.nl's refunds page shows the refund's id as `transactionId` (camelCase among
    // snake_case fields). Uncertain: whether chargeback calls carry one too.
    let transaction_id = get("transactionId").or_else(|| get("transaction_id"));
    Ok(Parsed::Legacy(Hint {
        order_id,
        transaction_id,
        event,
        action,
        reference: get("reference").or_else(|| get("extra1")),
        claimed_amount,
        claimed_state,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const SECRET: &str = "sl-secret-abc";

    fn keyring() -> Keyring {
        HashMap::from([("SL-1234-5678".to_string(), SECRET.to_string())])
    }

    fn signed_body() -> &'static [u8] {
        br#"{"event":"status_changed","type":"order","version":1,"id":"2c4e","object":{"id":"2c4e","orderId":"51007856048X14b0","reference":"pay-42","status":{"code":100,"action":"PAID"},"amount":{"value":1999,"currency":"EUR"}}}"#
    }

    /// Our own reference HMAC, computed independently of `sign`.
    fn reference_hmac_sha256(key: &[u8], body: &[u8]) -> String {
        let mut m = <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(key).unwrap();
        m.update(body);
        hex::encode(m.finalize().into_bytes())
    }

    fn headers(sig: &str, key_id: &str, algorithm: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h.insert(SIGNATURE, HeaderValue::from_str(sig).unwrap());
        h.insert(SIGNATURE_KEY_ID, HeaderValue::from_str(key_id).unwrap());
        h.insert(SIGNATURE_METHOD, HeaderValue::from_static("HMAC"));
        if let Some(a) = algorithm {
            h.insert(SIGNATURE_ALGORITHM, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    #[test]
    fn signed_json_sha256_verifies_and_parses() {
        let body = signed_body();
        let sig = reference_hmac_sha256(SECRET.as_bytes(), body);
        assert_eq!(
            sig,
            sign(SignatureAlgorithm::Sha256, SECRET.as_bytes(), body)
        );
        let call = read_exchange(
            &headers(&sig, "SL-1234-5678", Some("sha256")),
            Some("type=order&id=2c4e&event=status_changed"),
            body,
            &keyring(),
            SignaturePolicy::Required,
        )
        .unwrap();
        let ExchangeCall::Signed(call) = call else {
            panic!("a verified call is Signed: {call:?}")
        };
        assert_eq!(call.order_id, "2c4e");
        assert_eq!(call.paynl_order_id.as_deref(), Some("51007856048X14b0"));
        assert_eq!(call.reference.as_deref(), Some("pay-42"));
        assert_eq!(call.state, Some(PaymentState::Paid));
        assert_eq!(call.status_code, Some(100));
        assert_eq!(call.action, "PAID");
        assert_eq!(call.amount, Some(Money::from_cents(1999)));
        assert_eq!(call.event.as_deref(), Some("status_changed"));
        assert_eq!(call.key_id, "SL-1234-5678");
    }

    #[test]
    fn unsigned_envelope_is_only_a_hint() {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("application/json"));
        let call = read_exchange(
            &h,
            None,
            signed_body(),
            &keyring(),
            SignaturePolicy::IfPresent,
        )
        .unwrap();
        assert_eq!(call.signed_by(), None);
        let ExchangeCall::Hint(hint) = call else {
            panic!("unsigned is a hint")
        };
        assert_eq!(hint.order_id, "2c4e");
        assert_eq!(hint.event, HintEvent::StatusChanged);
        assert_eq!(hint.claimed_state, Some(PaymentState::Paid));
        assert_eq!(hint.claimed_amount, Some(Money::from_cents(1999)));
    }

    #[test]
    fn sha512_and_absent_algorithm_header() {
        let body = signed_body();
        let mut m =
            <Hmac<Sha512> as hmac::digest::KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
        m.update(body);
        let sig512 = hex::encode(m.finalize().into_bytes());
        let h = headers(&sig512, "SL-1234-5678", Some("SHA512"));
        assert!(verify_signature(&h, body, &keyring()).is_ok());
        // Without the algorithm header sha256 is assumed, so the sha512 signature fails...
        let h = headers(&sig512, "SL-1234-5678", None);
        assert_eq!(
            verify_signature(&h, body, &keyring()),
            Err(ExchangeError::BadSignature)
        );
        // ...and a sha256 one passes.
        let sig256 = reference_hmac_sha256(SECRET.as_bytes(), body);
        let h = headers(&sig256, "SL-1234-5678", None);
        assert!(verify_signature(&h, body, &keyring()).is_ok());
    }

    #[test]
    fn tampered_body_is_refused() {
        let body = signed_body();
        let sig = reference_hmac_sha256(SECRET.as_bytes(), body);
        let tampered = String::from_utf8(body.to_vec())
            .unwrap()
            .replace("1999", "9999");
        let err = read_exchange(
            &headers(&sig, "SL-1234-5678", None),
            None,
            tampered.as_bytes(),
            &keyring(),
            SignaturePolicy::IfPresent,
        )
        .unwrap_err();
        assert_eq!(err, ExchangeError::BadSignature);
    }

    #[test]
    fn wrong_key_id_is_refused() {
        let body = signed_body();
        let sig = reference_hmac_sha256(SECRET.as_bytes(), body);
        let err =
            verify_signature(&headers(&sig, "SL-9999-9999", None), body, &keyring()).unwrap_err();
        assert_eq!(err, ExchangeError::UnknownKeyId("SL-9999-9999".into()));
    }

    #[test]
    fn signature_under_another_secret_is_refused() {
        let body = signed_body();
        let sig = reference_hmac_sha256(b"another secret", body);
        let err =
            verify_signature(&headers(&sig, "SL-1234-5678", None), body, &keyring()).unwrap_err();
        assert_eq!(err, ExchangeError::BadSignature);
        let err = verify_signature(
            &headers("zz-not-hex", "SL-1234-5678", None),
            body,
            &keyring(),
        )
        .unwrap_err();
        assert_eq!(err, ExchangeError::BadSignature);
    }

    #[test]
    fn missing_signature_is_refused_when_required() {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("application/json"));
        let err = read_exchange(
            &h,
            None,
            signed_body(),
            &keyring(),
            SignaturePolicy::Required,
        )
        .unwrap_err();
        assert_eq!(err, ExchangeError::MissingSignature(SIGNATURE));
        let sig = reference_hmac_sha256(SECRET.as_bytes(), signed_body());
        h.insert(SIGNATURE, HeaderValue::from_str(&sig).unwrap());
        let err = verify_signature(&h, signed_body(), &keyring()).unwrap_err();
        assert_eq!(err, ExchangeError::MissingSignature(SIGNATURE_KEY_ID));
    }

    #[test]
    fn unsupported_method_is_refused() {
        let body = signed_body();
        let sig = reference_hmac_sha256(SECRET.as_bytes(), body);
        let mut h = headers(&sig, "SL-1234-5678", Some("md5"));
        assert!(matches!(
            verify_signature(&h, body, &keyring()),
            Err(ExchangeError::UnsupportedAlgorithm(_))
        ));
        h.insert(SIGNATURE_ALGORITHM, HeaderValue::from_static("sha256"));
        h.insert(SIGNATURE_METHOD, HeaderValue::from_static("RSA"));
        assert!(matches!(
            verify_signature(&h, body, &keyring()),
            Err(ExchangeError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn form_encoded_legacy_call_parses_unsigned() {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let body = b"action=new_ppt&order_id=51007856048X14b0&amount=19.99&extra1=pay-42&ip_address=1.2.3.4";
        let call = read_exchange(&h, None, body, &keyring(), SignaturePolicy::IfPresent).unwrap();
        assert_eq!(call.signed_by(), None);
        assert_eq!(call.order_id(), "51007856048X14b0");
        let ExchangeCall::Hint(call) = call else {
            panic!("an old-format call is a hint")
        };
        assert_eq!(call.reference.as_deref(), Some("pay-42"));
        assert_eq!(call.event, HintEvent::Paid);
        assert_eq!(call.claimed_state, Some(PaymentState::Paid));
        assert_eq!(call.claimed_amount, Some(Money::from_cents(1999)));
        assert_eq!(call.transaction_id, None);
        // The same call is refused when signatures are required.
        assert_eq!(
            read_exchange(&h, None, body, &keyring(), SignaturePolicy::Required).unwrap_err(),
            ExchangeError::MissingSignature(SIGNATURE)
        );
    }

    #[test]
    fn legacy_get_and_flat_json_parse() {
        let h = HeaderMap::new();
        let call = read_exchange(
            &h,
            Some("action=refund%3Aadd&order_id=51X1&amount=5"),
            b"",
            &keyring(),
            SignaturePolicy::IfPresent,
        )
        .unwrap();
        assert_eq!(call.action(), "refund:add");
        assert_eq!(call.claimed_state(), None);
        let ExchangeCall::Hint(hint) = call else {
            panic!("hint")
        };
        assert_eq!(hint.event, HintEvent::Refund(RefundStage::Added));
        assert_eq!(hint.claimed_amount, Some(Money::from_cents(500)));

        let body = br#"{"action":"cancel","order_id":"51X2","amount":12.5}"#;
        let call = read_exchange(&h, None, body, &keyring(), SignaturePolicy::IfPresent).unwrap();
        assert_eq!(call.claimed_state(), Some(PaymentState::Cancelled));
        let ExchangeCall::Hint(hint) = call else {
            panic!("hint")
        };
        assert_eq!(hint.claimed_amount, Some(Money::from_cents(1250)));
    }

    #[test]
    fn refund_call_names_the_order_and_the_refund_transaction() {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        // The layout of Pay.nl's refunds page (form-encoded here).
        let body = b"action=refund%3Aadd&website_id=37&payment_profile_id=706&ip_address=127.0.0.1\
&amount=0.01&extra1=pay-42&extra2=&extra3=&order_id=50017100087X3565&transactionId=EX-5559-3338-1142";
        let call = read_exchange(&h, None, body, &keyring(), SignaturePolicy::IfPresent).unwrap();
        assert!(call.is_refund_or_chargeback());
        assert_eq!(call.order_id(), "50017100087X3565");
        assert_eq!(call.transaction_id(), Some("EX-5559-3338-1142"));
        assert_eq!(call.reference(), Some("pay-42"));
        let ExchangeCall::Hint(hint) = &call else {
            panic!("a refund call is a hint")
        };
        assert_eq!(hint.event, HintEvent::Refund(RefundStage::Added));
        assert_eq!(hint.claimed_amount, Some(Money::from_cents(1)));
        assert_eq!(
            hint.claimed_state, None,
            "a refund call says nothing of the order"
        );
        // Refused where signatures are required: the caller must accept such calls as hints.
        assert_eq!(
            read_exchange(&h, None, body, &keyring(), SignaturePolicy::Required).unwrap_err(),
            ExchangeError::MissingSignature(SIGNATURE)
        );

        for (action, event) in [
            ("refund:received", HintEvent::Refund(RefundStage::Received)),
            ("refund:send", HintEvent::Refund(RefundStage::Sent)),
            ("refund:storno", HintEvent::Refund(RefundStage::Storno)),
            ("REFUND:ADD", HintEvent::Refund(RefundStage::Added)),
            ("chargeback:chargeback", HintEvent::Chargeback),
            ("capture", HintEvent::Capture),
            ("something", HintEvent::Other),
        ] {
            let query = format!("action={action}&order_id=51X1");
            let call = read_exchange(
                &h,
                Some(&query),
                b"",
                &keyring(),
                SignaturePolicy::IfPresent,
            )
            .unwrap();
            let ExchangeCall::Hint(hint) = call else {
                panic!("hint")
            };
            assert_eq!(hint.event, event, "{action}");
        }
    }

    #[test]
    fn signature_on_an_old_format_body_still_gives_a_hint() {
        let body = b"action=new_ppt&order_id=51X9&amount=1.00";
        let sig = reference_hmac_sha256(SECRET.as_bytes(), body);
        let mut h = headers(&sig, "SL-1234-5678", None);
        h.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let call = read_exchange(&h, None, body, &keyring(), SignaturePolicy::Required).unwrap();
        assert!(matches!(call, ExchangeCall::Hint(_)));
        // ...but a bad signature is still refused.
        let bad = headers(&"0".repeat(64), "SL-1234-5678", None);
        assert_eq!(
            read_exchange(&bad, None, body, &keyring(), SignaturePolicy::IfPresent).unwrap_err(),
            ExchangeError::BadSignature
        );
    }

    #[test]
    fn malformed_bodies_are_refused() {
        let h = HeaderMap::new();
        for body in [
            &b"{not json"[..],
            b"[1,2]",
            br#"{"object":{"status":{"code":100}}}"#,
            b"order_id=1",
            b"action=new_ppt&order_id=1&amount=1.234",
            b"",
            b"\xff\xfe",
        ] {
            let err =
                read_exchange(&h, None, body, &keyring(), SignaturePolicy::IfPresent).unwrap_err();
            assert!(
                matches!(err, ExchangeError::MalformedBody(_)),
                "{body:?}: {err:?}"
            );
        }
    }
}
