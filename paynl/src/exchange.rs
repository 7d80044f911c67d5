//! Pay.nl exchange calls (webhooks): signature checks and parsing.
//!
//! Pay.nl signs SIGNED_JSON_POST calls with an HMAC of the raw body; older formats
//! (form-encoded or flat JSON, POST or GET) are unsigned. Either way the content is a
//! hint: the portal re-reads the order's status from the API before acting on it.
//! There is no timestamp or nonce, so a valid call can be replayed: processing must
//! be idempotent.

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

/// One exchange call, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeCall {
    /// The id to read the status with: Pay.nl's UUID when the call carries it, else
    /// its order id (`order_id` of legacy calls). Both work with
    /// [`PaynlClient::order_status`](crate::PaynlClient::order_status).
    pub order_id: String,
    /// Our reference: the order's `reference`, or `extra1` in legacy calls (the client
    /// puts the reference there).
    pub reference: Option<String>,
    /// The status action (`PAID`) or, for legacy calls, the action (`new_ppt`, `refund:add`).
    pub action: String,
    /// Pay.nl's status code, when the call carries one (signed JSON does).
    pub status_code: Option<i32>,
    /// What the call claims the state is, if we can tell. A hint, never the truth.
    pub state: Option<PaymentState>,
    /// The amount the call carries, if any.
    pub amount: Option<Money>,
    /// The event name (`status_changed`) of signed JSON calls.
    pub event: Option<String>,
    /// The key id whose secret verified the signature; `None` for an unsigned call.
    pub signed_by: Option<String>,
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
    let mut call = parse(content_type, query, body)?;
    call.signed_by = signed_by;
    Ok(call)
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
) -> Result<ExchangeCall, ExchangeError> {
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
        return signed_json(envelope);
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

fn signed_json(envelope: Envelope) -> Result<ExchangeCall, ExchangeError> {
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
    Ok(ExchangeCall {
        order_id,
        reference: o.reference.clone(),
        action: status.and_then(|s| s.action.clone()).unwrap_or_default(),
        status_code: status.and_then(|s| s.code),
        state: status.and_then(wire::state_of),
        amount,
        event: envelope.event,
        signed_by: None,
    })
}

fn form_fields(bytes: &[u8]) -> Result<Vec<(String, String)>, ExchangeError> {
    serde_urlencoded::from_bytes(bytes)
        .map_err(|e| ExchangeError::MalformedBody(format!("bad form encoding: {e}")))
}

fn legacy(fields: Vec<(String, String)>) -> Result<ExchangeCall, ExchangeError> {
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
    let amount = match get("amount") {
        Some(a) => Some(Money::from_cents(wire::decimal_to_cents(&a).ok_or_else(
            || ExchangeError::MalformedBody(format!("amount {a:?} is not a decimal")),
        )?)),
        None => None,
    };
    let state = match action.to_ascii_lowercase().as_str() {
        "new_ppt" => Some(PaymentState::Paid),
        "pending" => Some(PaymentState::Pending),
        "cancel" => Some(PaymentState::Cancelled),
        "verify" => Some(PaymentState::Verify),
        "chargeback:chargeback" => Some(PaymentState::Chargeback),
        // refund:* and capture do not say whether the whole order is affected: ask the API.
        _ => None,
    };
    Ok(ExchangeCall {
        order_id,
        reference: get("reference").or_else(|| get("extra1")),
        action,
        status_code: None,
        state,
        amount,
        event: None,
        signed_by: None,
    })
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
        assert_eq!(call.order_id, "2c4e");
        assert_eq!(call.reference.as_deref(), Some("pay-42"));
        assert_eq!(call.state, Some(PaymentState::Paid));
        assert_eq!(call.status_code, Some(100));
        assert_eq!(call.action, "PAID");
        assert_eq!(call.amount, Some(Money::from_cents(1999)));
        assert_eq!(call.event.as_deref(), Some("status_changed"));
        assert_eq!(call.signed_by.as_deref(), Some("SL-1234-5678"));
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
        assert_eq!(call.order_id, "51007856048X14b0");
        assert_eq!(call.reference.as_deref(), Some("pay-42"));
        assert_eq!(call.state, Some(PaymentState::Paid));
        assert_eq!(call.amount, Some(Money::from_cents(1999)));
        assert_eq!(call.signed_by, None);
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
        assert_eq!(call.action, "refund:add");
        assert_eq!(call.state, None);
        assert_eq!(call.amount, Some(Money::from_cents(500)));

        let body = br#"{"action":"cancel","order_id":"51X2","amount":12.5}"#;
        let call = read_exchange(&h, None, body, &keyring(), SignaturePolicy::IfPresent).unwrap();
        assert_eq!(call.state, Some(PaymentState::Cancelled));
        assert_eq!(call.amount, Some(Money::from_cents(1250)));
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
