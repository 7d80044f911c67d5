//! Exchange calls are the one input anybody on the internet can send us. Fuzzed here:
//! arbitrary bodies, query strings and headers never panic the reader, and a call that
//! passes the signature check but is not a valid body is refused as malformed, with a
//! message, rather than half-read.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderValue};
use paynl::exchange::{SignatureAlgorithm, SignaturePolicy, read_exchange, sign};
use paynl::{ExchangeCall, ExchangeError, HintEvent};
use proptest::prelude::*;
use serde_json::{Value, json};

const KEY_ID: &str = "SL-1234-5678";
const SECRET: &str = "fuzz-secret";

fn keyring() -> HashMap<String, String> {
    HashMap::from([(KEY_ID.to_string(), SECRET.to_string())])
}

fn signed(body: &[u8]) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    let sig = sign(SignatureAlgorithm::Sha256, SECRET.as_bytes(), body);
    h.insert("signature", HeaderValue::from_str(&sig).unwrap());
    h.insert("signature-keyid", HeaderValue::from_static(KEY_ID));
    h.insert("signature-method", HeaderValue::from_static("HMAC"));
    h.insert("signature-algorithm", HeaderValue::from_static("sha256"));
    h
}

/// JSON that looks like Pay.nl's: the real envelope with any field replaced by any value.
fn envelope() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,24}".prop_map(Value::from),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::hash_map("[a-z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    let fields = [
        "/id",
        "/event",
        "/object/id",
        "/object/orderId",
        "/object/reference",
        "/object/status",
        "/object/status/code",
        "/object/status/action",
        "/object/amount",
        "/object/amount/value",
        "/object",
    ];
    (proptest::sample::select(fields.to_vec()), value).prop_map(|(field, value)| {
        let mut body = json!({
            "event": "status_changed", "type": "order", "version": 1, "id": "2c4e",
            "object": {
                "id": "2c4e", "orderId": "51007856048X14b0", "reference": "pay-42",
                "status": { "code": 100, "action": "PAID" },
                "amount": { "value": 1999, "currency": "EUR" }
            }
        });
        if let Some(slot) = body.pointer_mut(field) {
            *slot = value;
        }
        serde_json::to_vec(&body).unwrap()
    })
}

fn refused_with_a_message(result: &Result<paynl::ExchangeCall, ExchangeError>) -> bool {
    match result {
        Ok(_) => true,
        Err(e) => !e.to_string().trim().is_empty(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn any_bytes_any_query_never_panic(
        body in any::<Vec<u8>>(),
        query in proptest::option::of("\\PC{0,60}"),
        signature in "[0-9a-f]{0,130}",
    ) {
        let mut headers = signed(&body);
        headers.insert("signature", HeaderValue::from_str(&signature).unwrap());
        for policy in [SignaturePolicy::Required, SignaturePolicy::IfPresent] {
            let result = read_exchange(&headers, query.as_deref(), &body, &keyring(), policy);
            prop_assert!(refused_with_a_message(&result));
            // A wrong signature never gets through (an HMAC of 64 hex is not guessed).
            prop_assert!(result.is_err());
        }
    }

    #[test]
    fn signed_but_mangled_bodies_are_read_or_refused_as_malformed(body in envelope()) {
        let result = read_exchange(
            &signed(&body),
            Some("type=order&id=2c4e&event=status_changed"),
            &body,
            &keyring(),
            SignaturePolicy::Required,
        );
        match &result {
            Ok(call) => prop_assert!(!call.order_id().is_empty()),
            Err(ExchangeError::MalformedBody(message)) => prop_assert!(!message.is_empty()),
            Err(other) => prop_assert!(false, "a signed call refused as {other:?}"),
        }
    }

    #[test]
    fn unsigned_form_calls_never_panic(
        fields in proptest::collection::vec(("[a-z_0-9]{1,12}", "\\PC{0,20}"), 0..8),
        as_query in any::<bool>(),
    ) {
        let text: String = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(['&', '='], "")))
            .collect::<Vec<_>>()
            .join("&");
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let (query, body) = if as_query {
            (Some(text.as_str()), &b""[..])
        } else {
            (None, text.as_bytes())
        };
        let result = read_exchange(&headers, query, body, &keyring(), SignaturePolicy::IfPresent);
        prop_assert!(refused_with_a_message(&result));
    }

    /// Refund and chargeback calls in every shape: whatever their fields, they are read as
    /// a hint (never as a signed fact) naming an order, or refused as malformed.
    #[test]
    fn refund_and_chargeback_calls_are_hints_or_malformed(
        action in prop_oneof![
            Just("refund:add".to_string()),
            Just("refund:received".to_string()),
            Just("refund:storno".to_string()),
            Just("chargeback:chargeback".to_string()),
            "[a-z:]{0,20}",
        ],
        order_id in "\\PC{0,24}",
        transaction_id in proptest::option::of("\\PC{0,24}"),
        amount in proptest::option::of("\\PC{0,12}"),
        as_json in any::<bool>(),
    ) {
        let mut fields = vec![("action", action.clone()), ("order_id", order_id.clone())];
        if let Some(t) = &transaction_id {
            fields.push(("transactionId", t.clone()));
        }
        if let Some(a) = &amount {
            fields.push(("amount", a.clone()));
        }
        let mut headers = HeaderMap::new();
        let body = if as_json {
            headers.insert("content-type", HeaderValue::from_static("application/json"));
            let map: serde_json::Map<String, Value> = fields
                .iter()
                .map(|(k, v)| (k.to_string(), Value::from(v.clone())))
                .collect();
            serde_json::to_vec(&map).unwrap()
        } else {
            headers.insert(
                "content-type",
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
            serde_urlencoded::to_string(&fields).unwrap().into_bytes()
        };
        match read_exchange(&headers, None, &body, &keyring(), SignaturePolicy::IfPresent) {
            Ok(ExchangeCall::Hint(hint)) => {
                prop_assert!(!hint.order_id.is_empty());
                prop_assert_eq!(hint.order_id.as_str(), order_id.trim());
                if action.starts_with("refund") {
                    let is_refund = matches!(hint.event, HintEvent::Refund(_));
                    prop_assert!(is_refund);
                    prop_assert_eq!(hint.claimed_state, None);
                }
                let named = transaction_id
                    .as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty());
                prop_assert_eq!(hint.transaction_id.as_deref(), named);
            }
            Ok(ExchangeCall::Signed(call)) => prop_assert!(false, "unsigned read as signed: {call:?}"),
            Err(ExchangeError::MalformedBody(message)) => prop_assert!(!message.is_empty()),
            Err(other) => prop_assert!(false, "refused as {other:?}"),
        }
    }

    /// "9.99"-style amounts are read exactly, in cents, with no float in between.
    #[test]
    fn decimal_amounts_are_exact(cents in 0i64..=i64::MAX / 100, short in any::<bool>()) {
        let text = if short && cents % 10 == 0 {
            format!("{}.{}", cents / 100, (cents % 100) / 10)
        } else {
            format!("{}.{:02}", cents / 100, cents % 100)
        };
        let body = format!("action=refund%3Aadd&order_id=51X1&amount={text}");
        let call = read_exchange(&HeaderMap::new(), None, body.as_bytes(), &keyring(), SignaturePolicy::IfPresent)
            .unwrap();
        let ExchangeCall::Hint(hint) = call else { panic!("hint") };
        prop_assert_eq!(hint.claimed_amount.map(|m| m.cents()), Some(cents));
    }
}
