//! Exchange calls from the simulator to a real receiver: signed, verified with the
//! `exchange` module, retried until `TRUE|`, dropped, resent and sent out of order.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{
    KEY_ID, Receiver, SECRET, client, control, new_order, sim_config, start_sim, wait_log,
};
use domain::Money;
use paynl::exchange::{Keyring, SignatureAlgorithm, SignaturePolicy, read_exchange};
use paynl::sim::{ExchangeFormat, Method, SimConfig};
use paynl::{ExchangeCall, ExchangeError, Hint, HintEvent, PaymentState, RefundStage, SignedCall};
use serde_json::{Value, json};

fn keyring() -> Keyring {
    HashMap::from([(KEY_ID.to_string(), SECRET.to_string())])
}

/// Reads a call as the portal must with signatures required: only a signed call passes.
fn verify(call: &common::Received) -> Result<SignedCall, ExchangeError> {
    match read_exchange(
        &call.headers,
        call.query.as_deref(),
        &call.body,
        &keyring(),
        SignaturePolicy::Required,
    )? {
        ExchangeCall::Signed(call) => Ok(call),
        ExchangeCall::Hint(hint) => panic!("a verified call read as a hint: {hint:?}"),
    }
}

/// Reads a call as a hint (signatures optional): what an unsigned call amounts to.
fn hint(call: &common::Received) -> Hint {
    match read_exchange(
        &call.headers,
        call.query.as_deref(),
        &call.body,
        &keyring(),
        SignaturePolicy::IfPresent,
    )
    .unwrap()
    {
        ExchangeCall::Hint(hint) => hint,
        ExchangeCall::Signed(call) => panic!("expected an unsigned call, got {call:?}"),
    }
}

fn outcomes(log: &[Value]) -> Vec<&str> {
    log.iter().map(|r| r["outcome"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn paid_order_sends_a_signed_call_that_verifies() {
    let receiver = Receiver::start(&[]).await;
    let sim = start_sim(sim_config()).await;
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-x1", 4_321, &receiver.url))
        .await
        .unwrap();
    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/pay", order.id),
        None,
    )
    .await;

    let calls = receiver.wait_for(1).await;
    let call = verify(&calls[0]).unwrap();
    assert_eq!(call.order_id, order.id);
    assert_eq!(call.reference.as_deref(), Some("pay-x1"));
    assert_eq!(call.state, Some(PaymentState::Paid));
    assert_eq!(call.status_code, Some(100));
    assert_eq!(call.amount, Some(Money::from_cents(4_321)));
    assert_eq!(call.event.as_deref(), Some("status_changed"));
    assert_eq!(call.key_id, KEY_ID);
    assert_eq!(
        call.paynl_order_id.as_deref(),
        Some(order.order_id.as_str())
    );
    let query = calls[0].query.as_deref().unwrap();
    assert!(
        query.contains("type=order") && query.contains(&order.id),
        "{query}"
    );
    assert_eq!(calls[0].headers["signature-method"], "HMAC");
    assert_eq!(calls[0].headers["signature-algorithm"], "sha256");

    // The portal's next step: re-read the status from the API.
    let status = client.order_status(&call.order_id).await.unwrap();
    assert_eq!(status.state, PaymentState::Paid);

    let log = wait_log(sim.url(), &order.id, |l| !l.is_empty()).await;
    assert_eq!(outcomes(&log), ["delivered"]);
    assert_eq!(log[0]["answer"], "TRUE|");
    assert_eq!(log[0]["last"], true);

    // A tampered copy of the same call is refused; so is an unknown key id.
    let mut tampered = calls[0].clone();
    tampered.body = String::from_utf8(tampered.body)
        .unwrap()
        .replace("4321", "1")
        .into_bytes();
    assert_eq!(verify(&tampered).unwrap_err(), ExchangeError::BadSignature);
    let mut foreign = calls[0].clone();
    foreign
        .headers
        .insert("signature-keyid", "SL-9999-9999".parse().unwrap());
    assert_eq!(
        verify(&foreign).unwrap_err(),
        ExchangeError::UnknownKeyId("SL-9999-9999".into())
    );
}

#[tokio::test]
async fn calls_are_retried_until_the_answer_starts_with_true() {
    let receiver = Receiver::start(&[(0, "FALSE|locked"), (0, "OK"), (0, "TRUE|done")]).await;
    let sim = start_sim(sim_config()).await;
    let order = client(sim.url())
        .create_order(&new_order("pay-x2", 1_000, &receiver.url))
        .await
        .unwrap();
    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/cancel", order.id),
        None,
    )
    .await;

    let log = wait_log(sim.url(), &order.id, |l| {
        l.iter().any(|r| r["last"] == true)
    })
    .await;
    assert_eq!(outcomes(&log), ["failed", "failed", "delivered"]);
    assert_eq!(log[0]["answer"], "FALSE|locked");
    let attempts: Vec<_> = log.iter().map(|r| r["attempt"].as_u64().unwrap()).collect();
    assert_eq!(attempts, [1, 2, 3]);

    // Every retry carries the same signed bytes.
    let calls = receiver.calls();
    assert_eq!(calls.len(), 3);
    assert!(calls.iter().all(|c| c.body == calls[0].body));
    assert_eq!(
        verify(&calls[2]).unwrap().state,
        Some(PaymentState::Cancelled)
    );
}

#[tokio::test]
async fn slow_answers_time_out_and_the_schedule_ends() {
    // First answer comes after the 500 ms per-call timeout; the rest are refusals.
    let receiver = Receiver::start(&[
        (1_500, "TRUE|too late"),
        (0, "FALSE|"),
        (0, "FALSE|"),
        (0, "FALSE|"),
    ])
    .await;
    let sim = start_sim(sim_config()).await;
    let order = client(sim.url())
        .create_order(&new_order("pay-x3", 1_000, &receiver.url))
        .await
        .unwrap();
    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/expire", order.id),
        None,
    )
    .await;

    let log = wait_log(sim.url(), &order.id, |l| {
        l.iter().any(|r| r["last"] == true)
    })
    .await;
    assert_eq!(
        outcomes(&log),
        ["failed"; 4],
        "1 try + 3 retries, all failed"
    );
    assert_eq!(log[0]["error"], "timeout");
    assert_eq!(log[3]["last"], true);
}

#[tokio::test]
async fn dropped_call_is_not_delivered_and_resend_delivers() {
    let receiver = Receiver::start(&[]).await;
    let sim = start_sim(sim_config()).await;
    let order = client(sim.url())
        .create_order(&new_order("pay-x4", 2_000, &receiver.url))
        .await
        .unwrap();
    control(
        sim.url(),
        Method::Post,
        "/_sim/faults",
        Some(json!({"exchange_drop": {"count": 1}})),
    )
    .await;
    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/pay", order.id),
        None,
    )
    .await;

    let log = wait_log(sim.url(), &order.id, |l| !l.is_empty()).await;
    assert_eq!(outcomes(&log), ["dropped"]);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(receiver.calls().is_empty(), "a dropped call never arrives");

    let (code, answer) = control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/resend", order.id),
        None,
    )
    .await;
    assert_eq!(code, 200, "{answer}");
    let calls = receiver.wait_for(1).await;
    assert_eq!(verify(&calls[0]).unwrap().state, Some(PaymentState::Paid));
    let log = wait_log(sim.url(), &order.id, |l| l.len() == 2).await;
    assert_eq!(outcomes(&log), ["dropped", "delivered"]);
    assert_ne!(log[0]["call_id"], log[1]["call_id"]);

    // Resending again delivers the same status again (the portal must be idempotent).
    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/resend", order.id),
        None,
    )
    .await;
    let calls = receiver.wait_for(2).await;
    assert_eq!(verify(&calls[1]).unwrap().state, Some(PaymentState::Paid));
}

#[tokio::test]
async fn stale_status_call_arrives_after_the_paid_one() {
    let receiver = Receiver::start(&[]).await;
    let sim = start_sim(sim_config()).await;
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-x5", 2_000, &receiver.url))
        .await
        .unwrap();
    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/pay", order.id),
        None,
    )
    .await;
    receiver.wait_for(1).await;
    let (code, _) = control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/exchange", order.id),
        Some(json!({"code": 20})),
    )
    .await;
    assert_eq!(code, 200);
    let calls = receiver.wait_for(2).await;
    let states: Vec<_> = calls.iter().map(|c| verify(c).unwrap().state).collect();
    assert_eq!(
        states,
        [Some(PaymentState::Paid), Some(PaymentState::Pending)]
    );
    // The API still tells the truth.
    assert_eq!(
        client.order_status(&order.id).await.unwrap().state,
        PaymentState::Paid
    );
}

#[tokio::test]
async fn delayed_call_arrives_late_and_refunds_are_announced() {
    let receiver = Receiver::start(&[]).await;
    let sim = start_sim(sim_config()).await;
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-x6", 3_000, &receiver.url))
        .await
        .unwrap();
    control(
        sim.url(),
        Method::Post,
        "/_sim/faults",
        Some(json!({"exchange_delay": {"count": 1, "ms": 300}})),
    )
    .await;
    let started = Instant::now();
    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/pay", order.id),
        None,
    )
    .await;
    receiver.wait_for(1).await;
    assert!(started.elapsed() >= Duration::from_millis(300));

    // Orders use signed JSON; the refund comes as Pay.nl sends it: unsigned, form-encoded.
    let refund = client
        .refund(&order.id, Money::from_cents(1_000), "Teruggave")
        .await
        .unwrap();
    let calls = receiver.wait_for(2).await;
    assert_eq!(
        verify(&calls[1]).unwrap_err(),
        ExchangeError::MissingSignature("signature")
    );
    assert_eq!(
        calls[1].headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let refund_call = hint(&calls[1]);
    assert_eq!(refund_call.event, HintEvent::Refund(RefundStage::Added));
    assert_eq!(refund_call.action, "refund:add");
    assert_eq!(refund_call.order_id, order.order_id);
    assert_eq!(
        refund_call.transaction_id.as_deref(),
        refund.transaction_ids.first().map(String::as_str)
    );
    assert!(
        refund_call
            .transaction_id
            .as_deref()
            .unwrap()
            .starts_with("EX-")
    );
    assert_eq!(refund_call.claimed_amount, Some(Money::from_cents(1_000)));
    assert_eq!(refund_call.reference.as_deref(), Some("pay-x6"), "extra1");

    // The chargeback comes the same way (old format, `chargeback:chargeback`).
    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/chargeback", order.id),
        None,
    )
    .await;
    let calls = receiver.wait_for(3).await;
    let chargeback = hint(&calls[2]);
    assert_eq!(chargeback.event, HintEvent::Chargeback);
    assert_eq!(chargeback.claimed_state, Some(PaymentState::Chargeback));
    assert_eq!(chargeback.claimed_amount, Some(Money::from_cents(2_000)));
    assert!(
        chargeback
            .transaction_id
            .as_deref()
            .unwrap()
            .starts_with("EX-")
    );
    assert_ne!(chargeback.transaction_id, refund_call.transaction_id);
    let body = String::from_utf8(calls[2].body.clone()).unwrap();
    assert!(body.contains("external_reason_description="), "{body}");
}

#[tokio::test]
async fn refund_calls_can_be_signed_json_where_the_sales_location_says_so() {
    let receiver = Receiver::start(&[]).await;
    let sim = start_sim(SimConfig {
        refund_exchange_format: ExchangeFormat::SignedJson,
        ..sim_config()
    })
    .await;
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-x6b", 3_000, &receiver.url))
        .await
        .unwrap();
    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/pay", order.id),
        None,
    )
    .await;
    client
        .refund(&order.id, Money::from_cents(1_000), "Teruggave")
        .await
        .unwrap();
    let calls = receiver.wait_for(2).await;
    let call = verify(&calls[1]).unwrap();
    assert_eq!(call.state, Some(PaymentState::PartiallyRefunded));
    assert_eq!(call.status_code, Some(-82));
    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/chargeback", order.id),
        Some(json!({"code": -70})),
    )
    .await;
    let calls = receiver.wait_for(3).await;
    let call = verify(&calls[2]).unwrap();
    assert_eq!(call.state, Some(PaymentState::Chargeback));
    assert_eq!(call.status_code, Some(-70));
}

#[tokio::test]
async fn sha512_signatures_verify() {
    let receiver = Receiver::start(&[]).await;
    let sim = start_sim(SimConfig {
        signing_algorithm: SignatureAlgorithm::Sha512,
        ..sim_config()
    })
    .await;
    let order = client(sim.url())
        .create_order(&new_order("pay-x7", 1_000, &receiver.url))
        .await
        .unwrap();
    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/pay", order.id),
        None,
    )
    .await;
    let calls = receiver.wait_for(1).await;
    assert_eq!(calls[0].headers["signature-algorithm"], "sha512");
    assert_eq!(calls[0].headers["signature"].len(), 128);
    assert_eq!(verify(&calls[0]).unwrap().state, Some(PaymentState::Paid));
}

#[tokio::test]
async fn legacy_form_calls_are_unsigned_hints() {
    let receiver = Receiver::start(&[]).await;
    let sim = start_sim(SimConfig {
        exchange_format: ExchangeFormat::FormPost,
        ..sim_config()
    })
    .await;
    let order = client(sim.url())
        .create_order(&new_order("pay-x8", 1_999, &receiver.url))
        .await
        .unwrap();
    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/pay", order.id),
        None,
    )
    .await;
    let calls = receiver.wait_for(1).await;
    assert_eq!(
        verify(&calls[0]).unwrap_err(),
        ExchangeError::MissingSignature("signature")
    );
    let call = hint(&calls[0]);
    assert_eq!(call.order_id, order.order_id);
    assert_eq!(call.action, "new_ppt");
    assert_eq!(call.event, HintEvent::Paid);
    assert_eq!(call.claimed_state, Some(PaymentState::Paid));
    assert_eq!(call.reference.as_deref(), Some("pay-x8"));
    assert_eq!(call.claimed_amount, Some(Money::from_cents(1_999)));
    assert_eq!(call.transaction_id, None);
}

#[tokio::test]
async fn signing_key_follows_paynls_convention_api_username_and_token() {
    let receiver = Receiver::start(&[]).await;
    // Default: an AT- key id and a token, never an SL- code.
    let defaults = SimConfig::default();
    assert!(defaults.signing_key_id.starts_with("AT-"));
    // With API credentials the simulator signs with them, as Pay.nl does.
    let sim = start_sim(
        SimConfig {
            exchange_timeout: Duration::from_millis(500),
            retry_schedule: vec![Duration::from_millis(30); 3],
            ..SimConfig::default()
        }
        .with_api_credentials("AT-0000-0001", "api-token"),
    )
    .await;
    let order = client(sim.url())
        .create_order(&new_order("pay-at", 1_000, &receiver.url))
        .await
        .unwrap();
    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/pay", order.id),
        None,
    )
    .await;
    let calls = receiver.wait_for(1).await;
    assert_eq!(calls[0].headers["signature-keyid"], "AT-0000-0001");
    let token_ring = HashMap::from([("AT-0000-0001".to_string(), "api-token".to_string())]);
    let call = read_exchange(
        &calls[0].headers,
        calls[0].query.as_deref(),
        &calls[0].body,
        &token_ring,
        SignaturePolicy::Required,
    )
    .unwrap();
    assert_eq!(call.signed_by(), Some("AT-0000-0001"));
    // The SL-code and its secret (this file's other tests) keep working.
    assert_eq!(
        verify(&calls[0]).unwrap_err(),
        ExchangeError::UnknownKeyId("AT-0000-0001".into())
    );
}
