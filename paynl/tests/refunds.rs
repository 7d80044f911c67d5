//! Refunds and chargebacks as Pay.nl makes them, over real HTTP: `EX-…` transactions at the
//! REST API, the order's status and its list of refunds, and the unsigned form-encoded
//! exchange calls that announce them (even where orders use signed JSON), duplicated and
//! out of order; plus ids of both APIs and lookups that fall back from one to the other.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{KEY_ID, Receiver, SECRET, client, new_order, sim_config, start_sim, wait_log};
use domain::Money;
use paynl::exchange::{Keyring, SignaturePolicy, read_exchange};
use paynl::sim::{SimConfig, SimControl};
use paynl::{
    Api, ExchangeCall, Hint, HintEvent, Lookup, PaymentState, RefundStage, TransactionKind,
};
use serde_json::json;

const NO_EXCHANGE: &str = "http://127.0.0.1:9/unused";

fn keyring() -> Keyring {
    HashMap::from([(KEY_ID.to_string(), SECRET.to_string())])
}

fn read(call: &common::Received) -> ExchangeCall {
    read_exchange(
        &call.headers,
        call.query.as_deref(),
        &call.body,
        &keyring(),
        SignaturePolicy::IfPresent,
    )
    .unwrap()
}

fn hint(call: &common::Received) -> Hint {
    match read(call) {
        ExchangeCall::Hint(hint) => hint,
        other => panic!("expected an unsigned hint, got {other:?}"),
    }
}

fn eur(cents: i64) -> Money {
    Money::from_cents(cents)
}

#[tokio::test]
async fn order_ids_start_with_4_to_9_like_pays_order_api() {
    let sim = start_sim(sim_config()).await;
    let client = client(sim.url());
    for i in 0..60 {
        let order = client
            .create_order(&new_order(&format!("pay-id{i}"), 100, NO_EXCHANGE))
            .await
            .unwrap();
        let first = order.order_id.chars().next().unwrap();
        assert!(('4'..='9').contains(&first), "{}", order.order_id);
        assert_eq!(order.order_id.len(), 16);
        assert_eq!(&order.order_id[11..12], "X");
        assert_eq!(Api::for_id(&order.order_id), Api::Order);
        assert_eq!(Api::for_id(&order.id), Api::Order, "UUIDs too");
    }
}

#[tokio::test]
async fn partial_and_full_refunds_are_transactions_the_order_lists() {
    let receiver = Receiver::start(&[]).await;
    let sim = start_sim(SimConfig {
        credentials: Some(("AT-0000-0001".into(), "api-token".into())),
        ..sim_config()
    })
    .await;
    let control = SimControl::new(sim.url());
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-r1", 10_000, &receiver.url))
        .await
        .unwrap();
    control.act(&order.id, "pay", None).await.unwrap();
    receiver.wait_for(1).await;

    let first = control.refund(&order.id, Some(eur(2_500))).await.unwrap();
    assert!(first.transaction_id.starts_with("EX-"), "{first:?}");
    assert_eq!(first.amount, eur(2_500));
    assert_eq!(Api::for_id(&first.transaction_id), Api::Rest);

    // The order tells the truth on a re-read: partly refunded, by which transaction.
    let status = client.order_status(&order.id).await.unwrap();
    assert_eq!(
        (status.state, status.code),
        (PaymentState::PartiallyRefunded, -82)
    );
    assert_eq!(status.paid_amount, eur(10_000));
    assert_eq!(status.refunded_amount, eur(2_500));
    assert_eq!(status.reversals.len(), 1);
    assert_eq!(
        status.reversals[0].transaction_id.as_deref(),
        Some(first.transaction_id.as_str())
    );
    assert_eq!(status.reversals[0].kind, TransactionKind::Refund);

    // The refund itself, at the REST API (with Basic auth like the Order API).
    let refund = client.transaction(&first.transaction_id).await.unwrap();
    assert_eq!(refund.id, first.transaction_id);
    assert_eq!(refund.order_id, order.order_id);
    assert_eq!(refund.kind, TransactionKind::Refund);
    assert_eq!(refund.amount, eur(2_500));
    assert_eq!(refund.reference.as_deref(), Some("pay-r1"));
    assert!(refund.created_at.is_some() && refund.test_mode);

    // The rest: a second transaction, the order fully refunded.
    let second = control.refund(&order.order_id, None).await.unwrap();
    assert_eq!(second.amount, eur(7_500));
    assert_ne!(second.transaction_id, first.transaction_id);
    let status = client.order_status(&order.id).await.unwrap();
    assert_eq!((status.state, status.code), (PaymentState::Refunded, -81));
    assert_eq!(status.refunded_amount, eur(10_000));
    let ids: Vec<_> = status
        .reversals
        .iter()
        .filter_map(|r| r.transaction_id.clone())
        .collect();
    assert_eq!(ids, [first.transaction_id.clone(), second.transaction_id]);

    // The order through the REST API, by its order id: what was paid and refunded.
    let as_transaction = client.transaction(&order.order_id).await.unwrap();
    assert_eq!(as_transaction.kind, TransactionKind::Payment);
    assert_eq!(as_transaction.refunded_amount, Some(eur(10_000)));
    assert_eq!(as_transaction.paid_amount, Some(eur(10_000)));

    // Nothing left to refund, nor to charge back.
    assert!(control.refund(&order.id, None).await.is_err());
    assert!(control.chargeback(&order.id, None).await.is_err());

    // Every refund was announced as Pay.nl does: unsigned form, refund:add, EX- id.
    let calls = receiver.wait_for(3).await;
    for (call, (tx, cents)) in calls[1..].iter().zip([
        (first.transaction_id.as_str(), 2_500),
        (ids[1].as_str(), 7_500),
    ]) {
        assert!(!call.headers.contains_key("signature"));
        let hint = hint(call);
        assert_eq!(hint.event, HintEvent::Refund(RefundStage::Added));
        assert_eq!(hint.order_id, order.order_id);
        assert_eq!(hint.transaction_id.as_deref(), Some(tx));
        assert_eq!(hint.claimed_amount, Some(eur(cents)));
        assert_eq!(hint.reference.as_deref(), Some("pay-r1"));
    }
    let body = String::from_utf8(calls[1].body.clone()).unwrap();
    assert!(body.contains("amount=25.00"), "{body}");
}

#[tokio::test]
async fn the_rest_api_demands_basic_auth_and_answers_json_errors() {
    let sim = start_sim(SimConfig {
        credentials: Some(("AT-0000-0001".into(), "api-token".into())),
        ..sim_config()
    })
    .await;
    let http = reqwest::Client::new();
    let response = http
        .get(format!("{}/v2/transactions/EX-0000-0000-0000", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["title"].is_string() && body["violations"].is_array(),
        "{body}"
    );
    let err = client(sim.url())
        .transaction("EX-0000-0000-0000")
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), Some(404), "{err}");
}

#[tokio::test]
async fn a_refund_hint_rereads_to_the_order_and_the_refund() {
    let receiver = Receiver::start(&[]).await;
    let sim = start_sim(sim_config()).await;
    let control = SimControl::new(sim.url());
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-r2", 4_000, &receiver.url))
        .await
        .unwrap();
    control.act(&order.id, "pay", None).await.unwrap();
    let refund = control.refund(&order.id, Some(eur(1_000))).await.unwrap();
    let calls = receiver.wait_for(2).await;
    assert!(
        matches!(read(&calls[0]), ExchangeCall::Signed(_)),
        "orders: signed JSON"
    );
    let call = read(&calls[1]);
    assert!(call.is_refund_or_chargeback());

    let truth = client.reread(&call).await.unwrap();
    let Lookup::Order(status) = truth.order else {
        panic!("the order is the Order API's: {:?}", truth.order)
    };
    assert_eq!(status.id, order.id);
    assert_eq!(status.state, PaymentState::PartiallyRefunded);
    assert_eq!(status.refunded_amount, eur(1_000));
    let Some(Lookup::Transaction(tx)) = truth.transaction else {
        panic!("the refund is the REST API's: {:?}", truth.transaction)
    };
    assert_eq!(tx.id, refund.transaction_id);
    assert_eq!((tx.kind, tx.amount), (TransactionKind::Refund, eur(1_000)));
    assert_eq!(tx.order_id, order.order_id);
}

#[tokio::test]
async fn lookups_fall_back_to_the_other_api_before_saying_unknown() {
    let sim = start_sim(sim_config()).await;
    let control = SimControl::new(sim.url());
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-r3", 3_000, NO_EXCHANGE))
        .await
        .unwrap();
    control.act(&order.id, "pay", None).await.ok();
    let refund = control.refund(&order.id, None).await.unwrap();

    // Each id at its own API.
    assert!(matches!(
        client.lookup(&order.id).await.unwrap(),
        Lookup::Order(_)
    ));
    assert!(matches!(
        client.lookup(&order.order_id).await.unwrap(),
        Lookup::Order(_)
    ));
    let Lookup::Transaction(tx) = client.lookup(&refund.transaction_id).await.unwrap() else {
        panic!("EX- ids are the REST API's")
    };
    assert_eq!(tx.kind, TransactionKind::Refund);

    // Unknown at both: only then Unknown (the order API answers 404 to EX- ids too).
    for id in ["EX-9999-9999-9999", "21405660087X15f1", "91405660087X15f1"] {
        assert_eq!(client.lookup(id).await.unwrap(), Lookup::Unknown, "{id}");
    }

    // An outage is an error, never "unknown".
    control
        .set_faults(&json!({"api_error": {"status": 503}}))
        .await
        .unwrap();
    let err = client.lookup("EX-9999-9999-9999").await.unwrap_err();
    assert_eq!(err.http_status(), Some(503));
    control.clear_faults().await.unwrap();
}

#[tokio::test]
async fn a_chargeback_is_a_transaction_and_an_old_format_call() {
    let receiver = Receiver::start(&[]).await;
    let sim = start_sim(sim_config()).await;
    let control = SimControl::new(sim.url());
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-c1", 5_000, &receiver.url))
        .await
        .unwrap();
    control.act(&order.id, "pay", None).await.unwrap();
    control.refund(&order.id, Some(eur(1_000))).await.unwrap();
    let chargeback = control.chargeback(&order.id, None).await.unwrap();
    assert_eq!(chargeback.amount, eur(4_000), "what the order still held");

    let status = client.order_status(&order.id).await.unwrap();
    assert_eq!((status.state, status.code), (PaymentState::Chargeback, -71));
    assert_eq!(status.refunded_amount, eur(1_000));
    assert_eq!(status.charged_back_amount, eur(4_000));
    assert_eq!(status.reversals.len(), 2);

    let tx = client
        .transaction(&chargeback.transaction_id)
        .await
        .unwrap();
    assert_eq!(
        (tx.kind, tx.amount, tx.code),
        (TransactionKind::Chargeback, eur(4_000), -71)
    );
    assert_eq!(tx.order_id, order.order_id);

    let calls = receiver.wait_for(3).await;
    let hint = hint(&calls[2]);
    assert_eq!(hint.event, HintEvent::Chargeback);
    assert_eq!(hint.action, "chargeback:chargeback");
    assert_eq!(
        hint.transaction_id.as_deref(),
        Some(chargeback.transaction_id.as_str())
    );
    assert_eq!(hint.claimed_amount, Some(eur(4_000)));

    // -70 where asked; nothing else.
    let other = client
        .create_order(&new_order("pay-c2", 5_000, NO_EXCHANGE))
        .await
        .unwrap();
    control.act(&other.id, "pay", None).await.ok();
    assert!(control.chargeback(&other.id, Some(-72)).await.is_err());
    control.chargeback(&other.id, Some(-70)).await.unwrap();
    assert_eq!(client.order_status(&other.id).await.unwrap().code, -70);
}

#[tokio::test]
async fn refund_calls_come_duplicated_and_before_the_paid_call() {
    let receiver = Receiver::start(&[]).await;
    let sim = start_sim(sim_config()).await;
    let control = SimControl::new(sim.url());
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-d1", 6_000, &receiver.url))
        .await
        .unwrap();

    // The paid call is held back; the refund's goes out twice: the portal sees refund,
    // refund, paid.
    control
        .set_faults(&json!({
            "exchange_delay": {"count": 1, "ms": 400},
        }))
        .await
        .unwrap();
    let paid_call = control.act(&order.id, "pay", None).await.unwrap();
    control
        .set_faults(&json!({"exchange_duplicate": {"count": 1, "ms": 50}}))
        .await
        .unwrap();
    let refund = control.refund(&order.id, Some(eur(600))).await.unwrap();
    let calls = receiver.wait_for(3).await;
    let kinds: Vec<_> = calls
        .iter()
        .map(|c| match read(c) {
            ExchangeCall::Signed(s) => format!("signed {}", s.action),
            ExchangeCall::Hint(h) => h.action,
        })
        .collect();
    assert_eq!(kinds, ["refund:add", "refund:add", "signed PAID"]);
    assert_eq!(
        calls[0].body, calls[1].body,
        "a duplicate is the same bytes"
    );

    let log = wait_log(sim.url(), &refund.transaction_id, |l| {
        l.iter().filter(|r| r["outcome"] == "delivered").count() == 2
    })
    .await;
    let original = refund.call_id.unwrap();
    assert!(
        log.iter()
            .any(|r| r["call_id"] == original && r["copy_of"].is_null())
    );
    assert!(log.iter().any(|r| r["copy_of"] == original));
    assert!(log.iter().all(|r| r["format"] == "form"));
    assert!(
        log.iter()
            .all(|r| r["transaction_id"] == refund.transaction_id.as_str())
    );

    // Any call can be sent again on demand, byte for byte.
    let again = control.resend_call(paid_call).await.unwrap();
    assert_ne!(again, paid_call);
    let calls = receiver.wait_for(4).await;
    assert_eq!(calls[3].body, calls[2].body);
    assert!(control.resend_call(999_999).await.is_err());
    tokio::time::sleep(Duration::from_millis(50)).await;
}

#[tokio::test]
async fn refunds_through_the_api_take_their_own_exchange_url() {
    let order_receiver = Receiver::start(&[]).await;
    let refund_receiver = Receiver::start(&[]).await;
    let sim = start_sim(sim_config()).await;
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-u1", 2_000, &order_receiver.url))
        .await
        .unwrap();
    SimControl::new(sim.url())
        .act(&order.id, "pay", None)
        .await
        .unwrap();
    let answer = reqwest::Client::new()
        .patch(format!("{}/v2/transactions/{}/refund", sim.url(), order.order_id))
        .json(&json!({"amount": {"value": 500, "currency": "EUR"}, "exchangeUrl": refund_receiver.url}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let calls = refund_receiver.wait_for(1).await;
    let hint = hint(&calls[0]);
    assert_eq!(hint.event, HintEvent::Refund(RefundStage::Added));
    assert_eq!(hint.claimed_amount, Some(eur(500)));
    assert_eq!(
        order_receiver.calls().len(),
        1,
        "only the paid call went there"
    );
}
