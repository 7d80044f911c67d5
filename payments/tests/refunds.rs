//! Refunds and chargebacks as Pay.nl sends them: the order paid with a signed JSON call, then
//! each refund or chargeback announced by an unsigned, form-encoded call in the old format
//! (`action=refund:add`, `order_id`, `transactionId=EX-…`, `amount`). Every call travels
//! over real sockets from the simulator to a portal endpoint; each test runs on SQLite and
//! (with `TEST_DATABASE_URL`) PostgreSQL. The calls are only hints: what is booked is what
//! Pay.nl's APIs say, once per Pay. transaction, however often and in whatever order the calls
//! come.

#![allow(clippy::inconsistent_digit_grouping)]

mod common;

use common::{Rig, eur};
use payments::{ExchangeOutcome, PaidRecheck, Reconciler, ReconcilerConfig, transaction_key};
use serde_json::{Value, json};
use store::{LedgerEntry, LedgerKind, PaymentStatus, Store};

store::backend_tests!(
    a_refund_in_the_old_format_books_once_however_often_and_in_whatever_order,
    a_refund_whose_payment_call_was_lost_books_the_payment_first,
    a_chargeback_after_a_partial_refund_takes_back_what_was_left_and_is_flagged,
    a_call_s_amount_and_unknown_transactions_are_never_booked,
    a_failed_look_up_answers_false_so_pay_nl_retries,
    a_refund_and_a_chargeback_whose_calls_were_lost_are_booked_by_the_reconciler,
);

/// Pay.nl's order id (`51…X…`), which the old-format calls name.
async fn order_id_of(rig: &Rig, order: &str) -> String {
    rig.control().order(order).await.unwrap()["orderId"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Waits for call `call_id` and checks our portal accepted it.
async fn accepted(rig: &Rig, order: &str, call_id: u64) -> Value {
    let record = rig.settled(order, call_id).await;
    assert_eq!(record["outcome"], "delivered", "{record}");
    assert!(
        record["answer"].as_str().unwrap().starts_with("TRUE|"),
        "{record}"
    );
    record
}

/// (kind, cents, key) of the dossier's entries.
fn entries(ledger: &[LedgerEntry]) -> Vec<(LedgerKind, i64, String)> {
    ledger
        .iter()
        .map(|e| (e.kind, e.amount.cents(), e.idempotency_key.clone()))
        .collect()
}

/// Sends an unsigned form call to the portal; the answer's body.
async fn post_form(rig: &Rig, body: String) -> String {
    reqwest::Client::new()
        .post(format!("{}/api/paynl/exchange", rig.portal_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn a_refund_in_the_old_format_books_once_however_often_and_in_whatever_order(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let (started, order) = rig.started(400_00, "refund").await;
    let paid = rig.act(&order, "pay", None).await;
    accepted(&rig, &order, paid).await;
    let control = rig.control();

    // A partial refund, made at Pay.nl: an EX- transaction and an unsigned form call.
    let part = control.refund(&order, Some(eur(150_00))).await.unwrap();
    assert!(part.transaction_id.starts_with("EX-"));
    let part_call = part.call_id.unwrap();
    accepted(&rig, &order, part_call).await;
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Paid
    );
    assert_eq!(rig.open().await, eur(before.cents() - 250_00));
    let calls = rig.store.exchange_calls_for_order(&order).await.unwrap();
    let refund_call = calls.last().unwrap();
    assert!(!refund_call.signature_ok, "the refund call is unsigned");
    assert!(refund_call.raw_body.contains("action=refund"));
    assert_eq!(refund_call.outcome.as_deref(), Some("paid: booked refund"));

    // The rest, then every call again, twice, shuffled and at once.
    let rest = control.refund(&order, None).await.unwrap();
    assert_eq!(rest.amount, eur(250_00));
    let rest_call = rest.call_id.unwrap();
    accepted(&rig, &order, rest_call).await;
    let mut again = Vec::new();
    for call in [rest_call, paid, part_call, paid, rest_call, part_call] {
        let control = control.clone();
        again.push(tokio::spawn(async move {
            control.resend_call(call).await.unwrap()
        }));
    }
    for resent in again {
        accepted(&rig, &order, resent.await.unwrap()).await;
    }

    let payment = rig.payment(&started.payment_id).await;
    assert_eq!(payment.status, PaymentStatus::Refunded);
    assert!(!payment.flagged);
    assert_eq!(rig.open().await, before, "refunded in full: all open again");
    let ledger = rig.ledger().await;
    assert_eq!(
        entries(&ledger),
        [
            (
                LedgerKind::Payment,
                400_00,
                format!("payment:{}:paid", started.payment_id)
            ),
            (
                LedgerKind::Refund,
                -150_00,
                transaction_key(&part.transaction_id)
            ),
            (
                LedgerKind::Refund,
                -250_00,
                transaction_key(&rest.transaction_id)
            ),
        ]
    );
    assert!(ledger[1].source.contains(&part.transaction_id));
    // What the refunds took back adds up to what the payment paid off, per part.
    let sum = |f: fn(&LedgerEntry) -> i64| ledger.iter().map(f).sum::<i64>();
    assert_eq!(sum(|e| e.alloc_costs.cents()), 0);
    assert_eq!(sum(|e| e.alloc_interest.cents()), 0);
    assert_eq!(sum(|e| e.alloc_principal.cents()), 0);
    assert_eq!(sum(|e| e.alloc_unallocated.cents()), 0);
}

async fn a_refund_whose_payment_call_was_lost_books_the_payment_first(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let (started, order) = rig.started(300_00, "lost").await;
    rig.fault(json!({"exchange_drop": {"count": 1}})).await;
    let paid = rig.act(&order, "pay", None).await;
    assert_eq!(rig.settled(&order, paid).await["outcome"], "dropped");
    assert!(rig.ledger().await.is_empty());

    // The refund's hint comes first: the order says paid and partly refunded.
    let refund = rig
        .control()
        .refund(&order, Some(eur(100_00)))
        .await
        .unwrap();
    accepted(&rig, &order, refund.call_id.unwrap()).await;
    // Then the payment's call, late.
    let late = rig.control().resend_call(paid).await.unwrap();
    accepted(&rig, &order, late).await;
    let ledger = rig.ledger().await;
    assert_eq!(
        entries(&ledger)
            .into_iter()
            .map(|(kind, cents, _)| (kind, cents))
            .collect::<Vec<_>>(),
        [(LedgerKind::Payment, 300_00), (LedgerKind::Refund, -100_00)]
    );
    assert_eq!(rig.open().await, eur(before.cents() - 200_00));
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Paid
    );
}

async fn a_chargeback_after_a_partial_refund_takes_back_what_was_left_and_is_flagged(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let (started, order) = rig.started(500_00, "chargeback").await;
    let paid = rig.act(&order, "pay", None).await;
    accepted(&rig, &order, paid).await;
    let control = rig.control();
    let refund = control.refund(&order, Some(eur(200_00))).await.unwrap();
    accepted(&rig, &order, refund.call_id.unwrap()).await;
    let back = control.chargeback(&order, None).await.unwrap();
    assert_eq!(back.amount, eur(300_00));
    let back_call = back.call_id.unwrap();
    let record = accepted(&rig, &order, back_call).await;
    for _ in 0..2 {
        let again = control.resend_call(back_call).await.unwrap();
        accepted(&rig, &order, again).await;
    }
    // The refund's call once more, after the chargeback.
    let again = control.resend_call(refund.call_id.unwrap()).await.unwrap();
    accepted(&rig, &order, again).await;

    let payment = rig.payment(&started.payment_id).await;
    assert_eq!(payment.status, PaymentStatus::Chargeback, "{record}");
    assert!(payment.flagged, "staff hear of a chargeback");
    assert_eq!(rig.open().await, before);
    assert_eq!(
        entries(&rig.ledger().await)[1..],
        [
            (
                LedgerKind::Refund,
                -200_00,
                transaction_key(&refund.transaction_id)
            ),
            (
                LedgerKind::Chargeback,
                -300_00,
                transaction_key(&back.transaction_id)
            ),
        ]
    );
}

async fn a_call_s_amount_and_unknown_transactions_are_never_booked(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let (_, order) = rig.started(300_00, "forged").await;
    let order_id = order_id_of(&rig, &order).await;

    // A refund hint for an order that is not even paid: nothing to book.
    let answer = post_form(
        &rig,
        format!(
            "action=refund:add&order_id={order_id}&transactionId=EX-1111-2222-3333&amount=300.00"
        ),
    )
    .await;
    assert!(answer.starts_with("TRUE|"), "{answer}");
    assert!(rig.ledger().await.is_empty());

    let paid = rig.act(&order, "pay", None).await;
    accepted(&rig, &order, paid).await;
    // A refund Pay.nl never made (its transaction is unknown to both APIs).
    let answer = post_form(
        &rig,
        format!(
            "action=refund:add&order_id={order_id}&transactionId=EX-1111-2222-3333&amount=300.00"
        ),
    )
    .await;
    assert!(answer.starts_with("TRUE|"), "{answer}");
    assert_eq!(rig.ledger().await.len(), 1);
    assert_eq!(rig.open().await, eur(before.cents() - 300_00));

    // A real refund of €50, and a copy of its call claiming €300: €50 is booked, once.
    let refund = rig
        .control()
        .refund(&order, Some(eur(50_00)))
        .await
        .unwrap();
    accepted(&rig, &order, refund.call_id.unwrap()).await;
    let answer = post_form(
        &rig,
        format!(
            "action=refund:add&order_id={order_id}&transactionId={}&amount=300.00",
            refund.transaction_id
        ),
    )
    .await;
    assert!(answer.starts_with("TRUE|"), "{answer}");
    let ledger = rig.ledger().await;
    assert_eq!(ledger.len(), 2);
    assert_eq!(ledger[1].amount, eur(-50_00));
    assert_eq!(rig.open().await, eur(before.cents() - 250_00));
}

async fn a_failed_look_up_answers_false_so_pay_nl_retries(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let (started, order) = rig.started(200_00, "down").await;
    let order_id = order_id_of(&rig, &order).await;
    let paid = rig.act(&order, "pay", None).await;
    accepted(&rig, &order, paid).await;
    let refund = rig
        .control()
        .refund(&order, Some(eur(80_00)))
        .await
        .unwrap();
    // The refund's call was answered; now both APIs fail for a while and the call comes again
    // by hand: FALSE, nothing changes.
    accepted(&rig, &order, refund.call_id.unwrap()).await;
    rig.fault(json!({"api_error": {"status": 503}})).await;
    let hint = format!(
        "action=refund:add&order_id={order_id}&transactionId={}&amount=0.80",
        refund.transaction_id
    );
    let answer = rig
        .service
        .handle_exchange(
            &axum::http::HeaderMap::new(),
            Some(&hint),
            b"",
            None,
            chrono::Utc::now(),
        )
        .await;
    assert_eq!(answer.outcome, ExchangeOutcome::Retry);
    assert!(answer.body.starts_with("FALSE|"), "{}", answer.body);
    // A second refund made while the API is down: its call is answered FALSE and retried.
    rig.control().clear_faults().await.unwrap();
    rig.fault(json!({"api_error": {"status": 503, "count": 2}}))
        .await;
    let second = rig
        .control()
        .refund(&order, Some(eur(20_00)))
        .await
        .unwrap();
    let record = rig.settled(&order, second.call_id.unwrap()).await;
    assert_eq!(record["outcome"], "delivered", "{record}");
    let attempts: Vec<_> = rig
        .exchange_records(&order)
        .await
        .into_iter()
        .filter(|r| r["call_id"] == json!(second.call_id.unwrap()))
        .collect();
    assert!(
        attempts.iter().any(|a| a["answer"]
            .as_str()
            .is_some_and(|b| b.starts_with("FALSE|"))),
        "{attempts:?}"
    );
    assert_eq!(rig.open().await, eur(before.cents() - 100_00));
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Paid
    );
}

async fn a_refund_and_a_chargeback_whose_calls_were_lost_are_booked_by_the_reconciler(
    store: Store,
) {
    let rig = Rig::start(store).await;
    // The reconciler books at the times it is given (up to five hours ahead), so balances are
    // read on one instant after all of them: in a Dutch evening "now" is still today while
    // those bookings are dated tomorrow.
    let end = chrono::Utc::now() + chrono::Duration::hours(6);
    let before = rig.open_on(end).await;
    let (started, order) = rig.started(200_00, "lost-refund").await;
    let paid = rig.act(&order, "pay", None).await;
    accepted(&rig, &order, paid).await;
    let now = chrono::Utc::now();
    let hour = chrono::Duration::hours(1);
    let reconciler = Reconciler::new(rig.service.clone(), ReconcilerConfig::default());
    // Paid and just heard of: not due for a look yet.
    let report = reconciler.run_once(now).await.unwrap();
    assert_eq!((report.checked, report.paid_checked), (0, 0));

    // A partial refund at Pay.nl whose exchange call never arrives.
    rig.fault(json!({"exchange_drop": {"count": 1}})).await;
    let refund = rig
        .control()
        .refund(&order, Some(eur(50_00)))
        .await
        .unwrap();
    assert_eq!(
        rig.settled(&order, refund.call_id.unwrap()).await["outcome"],
        "dropped"
    );
    assert_eq!(rig.ledger().await.len(), 1, "nothing heard, nothing booked");

    // An hour on, the paid payment is re-read and the refund found.
    let later = now + hour + chrono::Duration::minutes(1);
    let report = reconciler.run_once(later).await.unwrap();
    assert_eq!(
        (report.checked, report.paid_checked, report.changed),
        (1, 1, 1)
    );
    let ledger = rig.ledger().await;
    assert_eq!(
        entries(&ledger)[1..],
        [(
            LedgerKind::Refund,
            -50_00,
            transaction_key(&refund.transaction_id)
        )]
    );
    assert_eq!(rig.open_on(end).await, eur(before.cents() - 150_00));
    // Checked now: not again within the hour, and nothing booked twice later.
    assert_eq!(reconciler.run_once(later).await.unwrap().checked, 0);
    let report = reconciler.run_once(later + hour * 2).await.unwrap();
    assert_eq!((report.paid_checked, report.changed), (1, 0));
    assert_eq!(rig.ledger().await.len(), 2);

    // A chargeback of what is left, its call lost too, found by the next look.
    rig.fault(json!({"exchange_drop": {"count": 1}})).await;
    let chargeback = rig.control().chargeback(&order, None).await.unwrap();
    assert_eq!(chargeback.amount, eur(150_00));
    rig.settled(&order, chargeback.call_id.unwrap()).await;
    let report = reconciler.run_once(later + hour * 4).await.unwrap();
    assert_eq!((report.paid_checked, report.changed), (1, 1));
    let payment = rig.payment(&started.payment_id).await;
    assert_eq!(payment.status, PaymentStatus::Chargeback);
    assert!(payment.flagged, "a chargeback is for staff to see");
    assert_eq!(rig.open_on(end).await, before, "all of it taken back");
    // No longer paid: never re-read again.
    let report = reconciler.run_once(later + hour * 48).await.unwrap();
    assert_eq!(report.paid_checked, 0);

    // Switched off: a paid payment is not re-read at all.
    let off = Reconciler::new(
        rig.service.clone(),
        ReconcilerConfig {
            paid: PaidRecheck::off(),
            ..ReconcilerConfig::default()
        },
    );
    assert_eq!(off.run_once(later + hour * 48).await.unwrap().checked, 0);
}
