//! The payment flow end to end: the real Pay.nl simulator over HTTP sends its exchange calls
//! over real sockets to a portal endpoint that calls `handle_exchange`; every test runs on a
//! fresh SQLite file and (with `TEST_DATABASE_URL`) a fresh PostgreSQL database. Assertions
//! are on the ledger and the balance derived from it, not only on return values.

#![allow(clippy::inconsistent_digit_grouping)]

mod common;

use std::time::Duration;

use chrono::Utc;
use common::{Options, Rig, eur};
use domain::Money;
use payments::{
    ExchangeOutcome, PayAmount, PayError, PayPurpose, PayRequest, PayStatus, Reconciler,
    ReconcilerConfig,
};
use paynl::{OrderStatus, PaymentState};
use serde_json::json;
use store::{LedgerKind, PaymentStatus, Store};

store::backend_tests!(
    a_payment_is_booked_once_whether_its_call_comes_1_3_or_10_times,
    ten_concurrent_calls_book_once,
    a_late_pending_never_moves_a_paid_payment_back,
    a_lost_exchange_call_is_recovered_by_the_reconciler,
    the_reconciler_runs_under_a_lease_and_books_what_was_missed,
    a_bad_signature_is_refused_audited_and_books_nothing,
    an_unsigned_call_is_a_hint_and_a_forged_signature_is_refused,
    cancelled_and_expired_payments_leave_the_balance_untouched,
    a_refund_reopens_the_balance_in_parts_and_in_full,
    a_chargeback_reopens_the_balance,
    a_pay_nl_error_gives_provider_unavailable_and_a_retry_reuses_the_payment,
    a_pay_nl_stall_abandons_the_attempt_without_a_second_order,
    a_double_submit_makes_one_order,
    amounts_are_validated_against_the_open_balance,
    a_different_paid_amount_is_flagged_unbooked_and_overpayment_held_as_credit,
    an_order_of_an_abandoned_attempt_is_adopted_by_its_reference,
    a_dossier_booked_by_another_instance_is_retried_later,
    a_payment_for_one_invoice_pays_that_invoice,
);

const MINUTE: chrono::Duration = chrono::Duration::minutes(1);

async fn a_payment_is_booked_once_whether_its_call_comes_1_3_or_10_times(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let mut paid_total = 0;
    for (n, cents) in [(1, 100_00), (3, 150_00), (10, 200_00)] {
        let (started, order) = rig.started(cents, &format!("times-{n}")).await;
        assert!(started.redirect_url.starts_with(rig.sim.url()));
        let first = rig.act(&order, "pay", None).await;
        let record = rig.settled(&order, first).await;
        assert_eq!(record["outcome"], "delivered", "{record}");
        assert!(record["answer"].as_str().unwrap().starts_with("TRUE|"));
        for _ in 1..n {
            let again = rig.act(&order, "resend", None).await;
            let record = rig.settled(&order, again).await;
            assert_eq!(record["outcome"], "delivered", "{record}");
        }
        paid_total += cents;
        let payment = rig.payment(&started.payment_id).await;
        assert_eq!(payment.status, PaymentStatus::Paid);
        assert!(!payment.flagged);
        let entries: Vec<_> = rig
            .ledger()
            .await
            .into_iter()
            .filter(|e| e.payment_id.as_ref() == Some(&started.payment_id))
            .collect();
        assert_eq!(entries.len(), 1, "{n} calls, one entry");
        assert_eq!(entries[0].amount, eur(cents));
        // Every call is in our exchange log with its outcome.
        let calls = rig.store.exchange_calls_for_order(&order).await.unwrap();
        assert_eq!(calls.len(), n);
        assert!(calls.iter().all(|c| c.signature_ok));
        assert_eq!(calls[0].outcome.as_deref(), Some("paid: booked payment"));
        assert!(
            calls[1..]
                .iter()
                .all(|c| c.outcome.as_deref() == Some("paid: nothing booked"))
        );
        let shown = rig
            .service
            .refresh(&started.payment_id, Utc::now())
            .await
            .unwrap();
        assert_eq!((shown.status, shown.confirmed), (PayStatus::Paid, true));
    }
    let entries = rig.ledger().await;
    assert_eq!(entries.len(), 3);
    // Art. 6:44 BW: the costs (€225.00) are paid first, then interest.
    let costs: Vec<i64> = entries.iter().map(|e| e.alloc_costs.cents()).collect();
    assert_eq!(costs, [100_00, 125_00, 0]);
    assert!(entries[1].alloc_interest.is_positive());
    assert_eq!(rig.open().await, eur(before.cents() - paid_total));
}

async fn ten_concurrent_calls_book_once(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let (started, order) = rig.started(300_00, "concurrent").await;
    // The payment's own call is lost, so all ten race to book it.
    rig.fault(json!({"exchange_drop": {"count": 1}})).await;
    let dropped = rig.act(&order, "pay", None).await;
    assert_eq!(rig.settled(&order, dropped).await["outcome"], "dropped");
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Pending
    );

    let mut resends = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (control, order) = (rig.control(), order.clone());
        resends.spawn(async move { control.act(&order, "resend", None).await.unwrap() });
    }
    let ids = resends.join_all().await;
    for id in ids {
        let record = rig.settled(&order, id).await;
        assert_eq!(record["outcome"], "delivered", "{record}");
        assert!(record["answer"].as_str().unwrap().starts_with("TRUE|"));
    }
    let entries = rig.ledger().await;
    assert_eq!(entries.len(), 1, "ten concurrent calls, one entry");
    assert_eq!(entries[0].amount, eur(300_00));
    assert_eq!(rig.open().await, eur(before.cents() - 300_00));
    let calls = rig.store.exchange_calls_for_order(&order).await.unwrap();
    assert_eq!(calls.len(), 10);
    let booked = calls
        .iter()
        .filter(|c| c.outcome.as_deref() == Some("paid: booked payment"))
        .count();
    assert_eq!(booked, 1, "{calls:?}");
}

async fn a_late_pending_never_moves_a_paid_payment_back(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let (started, order) = rig.started(100_00, "order").await;
    let paid = rig.act(&order, "pay", None).await;
    rig.settled(&order, paid).await;
    // A stale PENDING call arrives after PAID (its body says pending; the API says paid).
    let call = rig
        .control()
        .act(&order, "exchange", Some(&json!({"code": 20})))
        .await
        .unwrap();
    let record = rig.settled(&order, call).await;
    assert_eq!(record["status_code"], 20);
    assert!(record["answer"].as_str().unwrap().starts_with("TRUE|"));
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Paid
    );

    // Even told PENDING directly (a lagging API), apply_status refuses to go back.
    let payment = rig.payment(&started.payment_id).await;
    let mut status = rig.service.client().order_status(&order).await.unwrap();
    status.state = PaymentState::Pending;
    status.code = 20;
    let applied = rig
        .service
        .apply_status(&payment, &status, Utc::now())
        .await
        .unwrap();
    assert_eq!(applied.status, PaymentStatus::Paid);
    assert!(applied.booked.is_empty());
    // And then EXPIRED: still paid.
    status.state = PaymentState::Expired;
    let applied = rig
        .service
        .apply_status(&payment, &status, Utc::now())
        .await
        .unwrap();
    assert_eq!(applied.status, PaymentStatus::Paid);
    assert_eq!(rig.ledger().await.len(), 1);
    assert_eq!(rig.open().await, eur(before.cents() - 100_00));

    // An order status for another payment is refused.
    let (other, _) = rig.started(50_00, "other").await;
    let other = rig.payment(&other.payment_id).await;
    let wrong = OrderStatus {
        reference: Some("someone-else".into()),
        ..status
    };
    assert!(matches!(
        rig.service.apply_status(&other, &wrong, Utc::now()).await,
        Err(PayError::OrderMismatch)
    ));
}

async fn a_lost_exchange_call_is_recovered_by_the_reconciler(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let (started, order) = rig.started(120_00, "lost").await;
    rig.fault(json!({"exchange_drop": {"count": 1}})).await;
    let call = rig.act(&order, "pay", None).await;
    assert_eq!(rig.settled(&order, call).await["outcome"], "dropped");
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Pending
    );
    assert!(rig.ledger().await.is_empty());
    assert_eq!(rig.open().await, before);

    let reconciler = Reconciler::new(rig.service.clone(), ReconcilerConfig::default());
    // Not stale yet: left alone.
    let report = reconciler.run_once(Utc::now()).await.unwrap();
    assert_eq!(report.checked, 0);
    // Ten minutes later it is. (Compared on that day: later may be tomorrow in NL.)
    let later = Utc::now() + MINUTE * 11;
    let before = rig.open_on(later).await;
    let report = reconciler.run_once(later).await.unwrap();
    assert_eq!((report.checked, report.changed, report.failed), (1, 1, 0));
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Paid
    );
    assert_eq!(rig.ledger().await.len(), 1);
    assert_eq!(rig.open_on(later).await, eur(before.cents() - 120_00));
    // Nothing left to do, and a late replay of the call books nothing more.
    assert_eq!(
        reconciler
            .run_once(later + MINUTE * 20)
            .await
            .unwrap()
            .checked,
        0
    );
    let call = rig.act(&order, "resend", None).await;
    rig.settled(&order, call).await;
    assert_eq!(rig.ledger().await.len(), 1);
}

async fn the_reconciler_runs_under_a_lease_and_books_what_was_missed(store: Store) {
    let rig = Rig::with(
        store,
        Options {
            tweak: |c| c.stale_after = chrono::Duration::zero(),
            ..Options::default()
        },
    )
    .await;
    let (started, order) = rig.started(80_00, "lease").await;
    rig.fault(json!({"exchange_drop": {"count": 1}})).await;
    let call = rig.act(&order, "pay", None).await;
    rig.settled(&order, call).await;
    let config = ReconcilerConfig {
        interval: Duration::from_millis(30),
        lease_ttl: chrono::Duration::seconds(30),
        batch_size: 10,
        ..ReconcilerConfig::default()
    };
    let first = Reconciler::new(rig.service.clone(), config.clone());
    let second = Reconciler::new(rig.service.clone(), config);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let run = |r: Reconciler, mut rx: tokio::sync::watch::Receiver<bool>| {
        tokio::spawn(async move {
            r.run(async move {
                let _ = rx.wait_for(|stop| *stop).await;
            })
            .await;
        })
    };
    let a = run(first.clone(), stop_rx.clone());
    let b = run(second.clone(), stop_rx);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while rig.payment(&started.payment_id).await.status != PaymentStatus::Paid {
        assert!(
            std::time::Instant::now() < deadline,
            "the reconciler never booked it"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let lease = rig
        .store
        .lease(payments::RECONCILER_LEASE)
        .await
        .unwrap()
        .unwrap();
    assert!(lease.holder == first.holder() || lease.holder == second.holder());
    // The other cannot take it while it is held.
    let other = if lease.holder == first.holder() {
        second.holder()
    } else {
        first.holder()
    };
    assert!(
        !rig.store
            .acquire_lease(
                payments::RECONCILER_LEASE,
                other,
                Utc::now(),
                chrono::Duration::seconds(30)
            )
            .await
            .unwrap()
    );
    stop_tx.send(true).unwrap();
    a.await.unwrap();
    b.await.unwrap();
    assert!(
        rig.store
            .lease(payments::RECONCILER_LEASE)
            .await
            .unwrap()
            .is_none(),
        "released on shutdown"
    );
    assert_eq!(rig.ledger().await.len(), 1);
}

async fn a_bad_signature_is_refused_audited_and_books_nothing(store: Store) {
    let rig = Rig::with(
        store,
        Options {
            our_secret: "not-the-secret".into(),
            ..Options::default()
        },
    )
    .await;
    let before = rig.open().await;
    let (started, order) = rig.started(100_00, "forged").await;
    let call = rig.act(&order, "pay", None).await;
    let last = rig.settled(&order, call).await;
    assert_eq!(last["outcome"], "failed");
    let attempts: Vec<_> = rig
        .exchange_records(&order)
        .await
        .into_iter()
        .filter(|r| r["call_id"] == json!(call))
        .collect();
    assert_eq!(attempts.len(), 3, "first try and two retries");
    for attempt in &attempts {
        assert_eq!(attempt["http_status"], 403);
        assert!(attempt["answer"].as_str().unwrap().starts_with("FALSE|"));
    }
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Pending
    );
    assert!(rig.ledger().await.is_empty());
    assert_eq!(rig.open().await, before);
    let calls = rig.store.exchange_calls_for_order(&order).await.unwrap();
    assert_eq!(calls.len(), 3);
    let simulator: std::net::IpAddr = "127.0.0.1".parse().unwrap();
    assert!(calls.iter().all(|c| {
        !c.signature_ok
            && c.caller_ip == Some(simulator)
            && c.outcome
                .as_deref()
                .is_some_and(|o| o.starts_with("rejected:"))
    }));
    // Each refusal audited with the caller's address, and listed for staff.
    let audited: i64 = sqlx_count(
        &rig.store,
        "SELECT COUNT(*) AS n FROM audit_event WHERE action = 'paynl.exchange.refused' \
         AND actor_kind = 'system' AND actor_id = 'paynl' AND client_ip = '127.0.0.1'",
    )
    .await;
    assert_eq!(audited, 3);
    let refused = rig
        .store
        .refused_exchange_calls(chrono::Utc::now() - MINUTE, 10)
        .await
        .unwrap();
    assert_eq!(refused.len(), 3);
}

async fn sqlx_count(store: &Store, sql: &str) -> i64 {
    use sqlx::Row;
    let row = sqlx::query(sql).fetch_one(store.pool()).await.unwrap();
    row.try_get::<i64, _>("n").unwrap()
}

async fn an_unsigned_call_is_a_hint_and_a_forged_signature_is_refused(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let (started, order) = rig.started(100_00, "unsigned").await;
    let order_id = rig.control().order(&order).await.unwrap()["orderId"]
        .as_str()
        .unwrap()
        .to_owned();
    // An unsigned old-format "paid" for an order that is not paid: accepted as a hint,
    // re-read, and nothing is booked (Pay.nl says pending).
    for id in [&order, &order_id] {
        let response = reqwest::Client::new()
            .post(format!("{}/api/paynl/exchange", rig.portal_url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("action=new_ppt&order_id={id}&amount=100.00"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(response.text().await.unwrap().starts_with("TRUE|"));
    }
    assert!(rig.ledger().await.is_empty());
    assert_eq!(rig.open().await, before);
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Pending
    );
    // A GET-style hint for an id neither API knows: logged, answered TRUE, nothing booked.
    let answer = rig
        .service
        .handle_exchange(
            &axum::http::HeaderMap::new(),
            Some("action=new_ppt&order_id=59999999999X0000"),
            b"",
            None,
            Utc::now(),
        )
        .await;
    assert_eq!(answer.outcome, ExchangeOutcome::Ignored);
    assert!(answer.is_accepted());

    // Paid for real (signed JSON): booked once; an unsigned replay books nothing more.
    let paid = rig.act(&order, "pay", None).await;
    rig.settled(&order, paid).await;
    let answer = rig
        .service
        .handle_exchange(
            &axum::http::HeaderMap::new(),
            Some(&format!("action=new_ppt&order_id={order_id}")),
            b"",
            None,
            Utc::now(),
        )
        .await;
    assert_eq!(answer.outcome, ExchangeOutcome::Processed);
    assert_eq!(rig.ledger().await.len(), 1);

    // A call that carries a signature must verify: a forged one is refused.
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("signature", "00".repeat(32).parse().unwrap());
    headers.insert("signature-keyid", common::KEY_ID.parse().unwrap());
    headers.insert("content-type", "application/json".parse().unwrap());
    let body = json!({"event": "status_changed", "type": "order", "version": 1, "id": order,
        "object": {"id": order, "status": {"code": -81, "action": "REFUND"}}});
    let answer = rig
        .service
        .handle_exchange(
            &headers,
            None,
            body.to_string().as_bytes(),
            None,
            Utc::now(),
        )
        .await;
    assert_eq!(answer.outcome, ExchangeOutcome::Refused);
    assert!(!answer.is_accepted());
    assert_eq!(rig.ledger().await.len(), 1);
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Paid
    );
}

async fn cancelled_and_expired_payments_leave_the_balance_untouched(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let (cancelled, order_c) = rig.started(100_00, "cancel").await;
    let (expired, order_e) = rig.started(200_00, "expire").await;
    let c = rig.act(&order_c, "cancel", None).await;
    let e = rig.act(&order_e, "expire", None).await;
    assert_eq!(rig.settled(&order_c, c).await["outcome"], "delivered");
    assert_eq!(rig.settled(&order_e, e).await["outcome"], "delivered");
    assert_eq!(
        rig.payment(&cancelled.payment_id).await.status,
        PaymentStatus::Cancelled
    );
    assert_eq!(
        rig.payment(&expired.payment_id).await.status,
        PaymentStatus::Expired
    );
    assert!(rig.ledger().await.is_empty());
    assert_eq!(rig.open().await, before);
    let shown = rig
        .service
        .refresh(&cancelled.payment_id, Utc::now())
        .await
        .unwrap();
    assert_eq!(shown.status, PayStatus::Cancelled);
    let shown = rig
        .service
        .refresh(&expired.payment_id, Utc::now())
        .await
        .unwrap();
    assert_eq!(shown.status, PayStatus::Expired);
    // A double submit of a cancelled payment goes to the return page, not to Pay.nl again.
    let again = rig.pay(100_00, "cancel").await.unwrap();
    assert_eq!(again.payment_id, cancelled.payment_id);
    assert_eq!(
        again.redirect_url,
        format!("{}/pay/return/{}", rig.portal_url, cancelled.payment_id)
    );
}

async fn a_refund_reopens_the_balance_in_parts_and_in_full(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let (started, order) = rig.started(400_00, "refund").await;
    let paid = rig.act(&order, "pay", None).await;
    rig.settled(&order, paid).await;
    assert_eq!(rig.open().await, eur(before.cents() - 400_00));

    let part = rig
        .act(&order, "refund", Some(json!({"amount": 150_00})))
        .await;
    rig.settled(&order, part).await;
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Paid
    );
    assert_eq!(rig.open().await, eur(before.cents() - 250_00));
    // A replay of the partial refund books nothing more.
    let again = rig.act(&order, "resend", None).await;
    rig.settled(&order, again).await;
    assert_eq!(rig.open().await, eur(before.cents() - 250_00));

    let rest = rig.act(&order, "refund", None).await;
    rig.settled(&order, rest).await;
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Refunded
    );
    assert_eq!(
        rig.open().await,
        before,
        "fully refunded: the balance is open again"
    );
    let again = rig.act(&order, "resend", None).await;
    rig.settled(&order, again).await;
    let entries = rig.ledger().await;
    let kinds: Vec<_> = entries.iter().map(|e| (e.kind, e.amount.cents())).collect();
    assert_eq!(
        kinds,
        [
            (LedgerKind::Payment, 400_00),
            (LedgerKind::Refund, -150_00),
            (LedgerKind::Refund, -250_00)
        ]
    );
    // What the refunds took back adds up to what the payment paid, per kind.
    let sum = |f: fn(&store::LedgerEntry) -> i64| entries.iter().map(f).sum::<i64>();
    assert_eq!(sum(|e| e.alloc_costs.cents()), 0);
    assert_eq!(sum(|e| e.alloc_interest.cents()), 0);
    assert_eq!(sum(|e| e.alloc_principal.cents()), 0);
    let shown = rig
        .service
        .refresh(&started.payment_id, Utc::now())
        .await
        .unwrap();
    assert_eq!(shown.status, PayStatus::Refunded);
}

async fn a_chargeback_reopens_the_balance(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let (started, order) = rig.started(500_00, "chargeback").await;
    let paid = rig.act(&order, "pay", None).await;
    rig.settled(&order, paid).await;
    assert_eq!(rig.open().await, eur(before.cents() - 500_00));
    let back = rig.act(&order, "chargeback", None).await;
    rig.settled(&order, back).await;
    for _ in 0..2 {
        let again = rig.act(&order, "resend", None).await;
        rig.settled(&order, again).await;
    }
    let payment = rig.payment(&started.payment_id).await;
    assert_eq!(payment.status, PaymentStatus::Chargeback);
    assert!(payment.flagged, "staff hear of a chargeback");
    let kinds: Vec<_> = rig
        .ledger()
        .await
        .iter()
        .map(|e| (e.kind, e.amount.cents()))
        .collect();
    assert_eq!(
        kinds,
        [
            (LedgerKind::Payment, 500_00),
            (LedgerKind::Chargeback, -500_00)
        ]
    );
    assert_eq!(rig.open().await, before);
}

async fn a_pay_nl_error_gives_provider_unavailable_and_a_retry_reuses_the_payment(store: Store) {
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    rig.fault(json!({"api_error": {"count": 1, "status": 503}}))
        .await;
    let err = rig.pay(100_00, "outage").await.unwrap_err();
    assert!(
        matches!(
            err,
            PayError::ProviderUnavailable {
                outcome_unknown: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(rig.sim_orders().await.is_empty());
    let payments = rig
        .store
        .payments_for_dossier(&rig.dossier_id)
        .await
        .unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].status, PaymentStatus::Initiated);
    assert!(payments[0].paynl_order_id.is_none());
    assert!(rig.ledger().await.is_empty());
    assert_eq!(rig.open().await, before);
    let shown = rig
        .service
        .refresh(&payments[0].id, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        (shown.status, shown.confirmed),
        (PayStatus::Processing, false)
    );

    // Pay.nl is back: the same intent key retries the same payment.
    let retried = rig.pay(100_00, "outage").await.unwrap();
    assert_eq!(retried.payment_id, payments[0].id);
    assert!(retried.repeated);
    assert_eq!(rig.sim_orders().await.len(), 1);

    // Down while the exchange call comes: FALSE, so Pay.nl retries, and the retry books.
    let order = rig
        .payment(&retried.payment_id)
        .await
        .paynl_order_id
        .unwrap();
    rig.fault(json!({"api_error": {"count": 2, "status": 500}}))
        .await;
    let call = rig.act(&order, "pay", None).await;
    let record = rig.settled(&order, call).await;
    assert_eq!(record["outcome"], "delivered");
    let attempts: Vec<_> = rig
        .exchange_records(&order)
        .await
        .into_iter()
        .filter(|r| r["call_id"] == json!(call))
        .collect();
    assert!(
        attempts[0]["answer"]
            .as_str()
            .unwrap()
            .starts_with("FALSE|")
    );
    assert_eq!(rig.ledger().await.len(), 1);
    assert_eq!(rig.open().await, eur(before.cents() - 100_00));
}

async fn a_pay_nl_stall_abandons_the_attempt_without_a_second_order(store: Store) {
    let rig = Rig::with(
        store,
        Options {
            client_timeout: Duration::from_millis(300),
            ..Options::default()
        },
    )
    .await;
    let before = rig.open().await;
    rig.fault(json!({"api_stall": {"count": 1, "ms": 1_000}}))
        .await;
    let err = rig.pay(100_00, "stall").await.unwrap_err();
    assert!(
        matches!(
            err,
            PayError::ProviderUnavailable {
                outcome_unknown: true,
                ..
            }
        ),
        "{err:?}"
    );
    let payments = rig
        .store
        .payments_for_dossier(&rig.dossier_id)
        .await
        .unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].status, PaymentStatus::Cancelled);
    let shown = rig
        .service
        .refresh(&payments[0].id, Utc::now())
        .await
        .unwrap();
    assert_eq!(shown.status, PayStatus::Failed);
    // The same intent key does not try again (an order may exist)...
    let err = rig.pay(100_00, "stall").await.unwrap_err();
    assert!(matches!(
        err,
        PayError::ProviderUnavailable {
            outcome_unknown: true,
            ..
        }
    ));
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let with_reference = |orders: &[serde_json::Value]| {
        orders
            .iter()
            .filter(|o| o["reference"] == json!(payments[0].id))
            .count()
    };
    assert!(with_reference(&rig.sim_orders().await) <= 1);
    // ...a new one does.
    let fresh = rig.pay(100_00, "stall-2").await.unwrap();
    assert_ne!(fresh.payment_id, payments[0].id);
    assert!(rig.ledger().await.is_empty());
    assert_eq!(rig.open().await, before);
}

async fn a_double_submit_makes_one_order(store: Store) {
    let rig = Rig::start(store).await;
    let first = rig.pay(100_00, "double").await.unwrap();
    let second = rig.pay(100_00, "double").await.unwrap();
    assert_eq!(first.payment_id, second.payment_id);
    assert_eq!(first.redirect_url, second.redirect_url);
    assert!(!first.repeated && second.repeated);
    // Two at once.
    let (a, b) = tokio::join!(rig.pay(60_00, "twice"), rig.pay(60_00, "twice"));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.payment_id, b.payment_id);
    assert_eq!(a.redirect_url, b.redirect_url);
    assert_eq!(rig.sim_orders().await.len(), 2, "one order per intent");
    assert_eq!(
        rig.store
            .payments_for_dossier(&rig.dossier_id)
            .await
            .unwrap()
            .len(),
        2
    );
    // An intent key belongs to its dossier.
    let other = common::seed(&rig.store, "ISB-2026-000888").await;
    let err = rig
        .service
        .start(
            &other,
            &PayRequest {
                amount: PayAmount::Exact(eur(100_00)),
                purpose: PayPurpose::Part,
                intent_key: "double".into(),
            },
            Utc::now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, PayError::IntentKeyConflict), "{err:?}");
}

async fn amounts_are_validated_against_the_open_balance(store: Store) {
    let rig = Rig::start(store).await;
    let open = rig.open().await;
    let request = |amount, purpose, key: &str| PayRequest {
        amount,
        purpose,
        intent_key: key.into(),
    };
    let start = |r: PayRequest| {
        let service = rig.service.clone();
        let dossier = rig.dossier_id.clone();
        async move { service.start(&dossier, &r, Utc::now()).await }
    };
    let exact = |c: i64| PayAmount::Exact(eur(c));
    assert!(matches!(
        start(request(exact(0), PayPurpose::Part, "v0")).await,
        Err(PayError::AmountNotPositive)
    ));
    assert!(matches!(
        start(request(exact(-5_00), PayPurpose::Part, "v1")).await,
        Err(PayError::AmountNotPositive)
    ));
    let err = start(request(exact(24_99), PayPurpose::Part, "v2"))
        .await
        .unwrap_err();
    assert!(matches!(err, PayError::BelowMinimum { minimum, .. } if minimum == eur(25_00)));
    assert!(err.is_user_error());
    let err = start(request(exact(open.cents() + 1), PayPurpose::Part, "v3"))
        .await
        .unwrap_err();
    assert!(matches!(err, PayError::AboveOpen { open: o } if o == open));
    let err = start(request(exact(open.cents() - 1), PayPurpose::Full, "v4"))
        .await
        .unwrap_err();
    assert!(matches!(err, PayError::BalanceChanged { open: o } if o == open));
    assert!(matches!(
        start(request(exact(100_00), PayPurpose::Part, "")).await,
        Err(PayError::MissingIntentKey)
    ));
    assert!(matches!(
        rig.service
            .start(
                &domain::DossierId::new("no-such-dossier"),
                &request(exact(100_00), PayPurpose::Part, "v5"),
                Utc::now()
            )
            .await,
        Err(PayError::DossierNotFound)
    ));
    // Nothing was created for any of them.
    assert!(
        rig.store
            .payments_for_dossier(&rig.dossier_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(rig.sim_orders().await.is_empty());

    // Paying everything.
    let all = start(request(PayAmount::FullBalance, PayPurpose::Full, "all"))
        .await
        .unwrap();
    assert_eq!(all.amount, open);
    let order = rig.payment(&all.payment_id).await.paynl_order_id.unwrap();
    let call = rig.act(&order, "pay", None).await;
    rig.settled(&order, call).await;
    assert_eq!(rig.open().await, eur(0));
    assert_eq!(
        rig.store
            .payment(&all.payment_id)
            .await
            .unwrap()
            .unwrap()
            .purpose,
        store::PaymentPurpose::Full
    );
    // Then there is nothing to pay.
    assert!(matches!(
        start(request(exact(25_00), PayPurpose::Part, "after")).await,
        Err(PayError::NothingToPay)
    ));
    // A double submit of the paid one still answers (the return page), not an error.
    let again = start(request(PayAmount::FullBalance, PayPurpose::Full, "all"))
        .await
        .unwrap();
    assert_eq!(again.payment_id, all.payment_id);
    assert!(again.redirect_url.contains("/pay/return/"));
}

async fn a_different_paid_amount_is_flagged_unbooked_and_overpayment_held_as_credit(store: Store) {
    let rig = Rig::with(
        store,
        Options {
            tweak: |c| c.rules.allow_overpayment = true,
            ..Options::default()
        },
    )
    .await;
    let open = rig.open().await;
    // Paid less than the order says (-51, PAID_CHECKAMOUNT): not paid for us. Nothing is
    // booked, the payment stays open and staff see it flagged, however often it is said.
    let (short, order) = rig.started(300_00, "short").await;
    let call = rig
        .act(&order, "pay", Some(json!({"amount": 250_00})))
        .await;
    rig.settled(&order, call).await;
    let again = rig.act(&order, "resend", None).await;
    rig.settled(&order, again).await;
    let payment = rig.payment(&short.payment_id).await;
    assert_eq!(payment.status, PaymentStatus::Pending);
    assert!(payment.flagged);
    assert_eq!(
        payment.flag_reason.as_deref(),
        Some(payments::AMOUNT_DIFFERS)
    );
    assert!(rig.ledger().await.is_empty());
    assert_eq!(rig.open().await, open);
    let calls = rig.store.exchange_calls_for_order(&order).await.unwrap();
    assert!(
        calls.iter().all(
            |c| c.outcome.as_deref() == Some("pending: nothing booked; flagged")
                || c.outcome.as_deref() == Some("pending: nothing booked")
        ),
        "{calls:?}"
    );

    // More than is open, allowed here: the rest is held as credit and flagged.
    let left = rig.open().await;
    let (over, order) = rig.started(left.cents() + 10_00, "over").await;
    let call = rig.act(&order, "pay", None).await;
    rig.settled(&order, call).await;
    let payment = rig.payment(&over.payment_id).await;
    assert!(payment.flagged);
    assert_eq!(rig.open().await, eur(0));
    let totals = rig.store.dossier_totals(&rig.dossier_id).await.unwrap();
    assert_eq!(totals.unallocated, eur(10_00));
}

async fn an_order_of_an_abandoned_attempt_is_adopted_by_its_reference(store: Store) {
    // As if `start` timed out after Pay.nl made the order: our payment is cancelled and has
    // no order id, yet the order exists with our reference, and it gets paid.
    let rig = Rig::start(store).await;
    let before = rig.open().await;
    let payment = rig
        .store
        .create_payment(
            &store::NewPayment {
                dossier_id: rig.dossier_id.clone(),
                intent_key: "adopt".into(),
                amount: eur(90_00),
                purpose: store::PaymentPurpose::Partial,
                plan_instalment_id: None,
                claim_item_id: None,
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .into_inner();
    rig.store
        .transition_payment(
            &payment.id,
            &[PaymentStatus::Initiated],
            PaymentStatus::Cancelled,
            Utc::now(),
        )
        .await
        .unwrap();
    let order = rig
        .service
        .client()
        .create_order(&paynl::CreateOrder {
            amount: eur(90_00),
            description: "Dossier test".into(),
            reference: payment.id.to_string(),
            return_url: rig.service.config().return_url(&payment.id),
            exchange_url: rig.service.config().exchange_url(),
            payment_method: None,
        })
        .await
        .unwrap();
    let call = rig.act(&order.id, "pay", None).await;
    rig.settled(&order.id, call).await;
    let adopted = rig.payment(&payment.id).await;
    assert_eq!(adopted.paynl_order_id.as_deref(), Some(order.id.as_str()));
    assert_eq!(adopted.status, PaymentStatus::Paid);
    assert!(adopted.flagged, "paid after it was cancelled");
    assert_eq!(rig.open().await, eur(before.cents() - 90_00));
}

async fn a_dossier_booked_by_another_instance_is_retried_later(store: Store) {
    let rig = Rig::with(
        store,
        Options {
            tweak: |c| c.lock_wait = Duration::from_millis(100),
            ..Options::default()
        },
    )
    .await;
    let before = rig.open().await;
    let (started, order) = rig.started(100_00, "busy").await;
    // Another instance is booking on this dossier (it holds the dossier's lease).
    let lease = format!("{}{}", booking::DOSSIER_LEASE_PREFIX, rig.dossier_id);
    assert!(
        rig.store
            .acquire_lease(
                &lease,
                "other-instance",
                Utc::now(),
                chrono::Duration::seconds(30)
            )
            .await
            .unwrap()
    );
    let call = rig.act(&order, "pay", None).await;
    let last = rig.settled(&order, call).await;
    assert_eq!(last["outcome"], "failed", "{last}");
    assert!(
        last["answer"].as_str().unwrap().starts_with("FALSE|busy"),
        "{last}"
    );
    assert!(rig.ledger().await.is_empty());
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Pending
    );
    // The other instance is done: Pay.nl's next call books.
    assert!(
        rig.store
            .release_lease(&lease, "other-instance")
            .await
            .unwrap()
    );
    let again = rig.act(&order, "resend", None).await;
    assert_eq!(rig.settled(&order, again).await["outcome"], "delivered");
    assert_eq!(rig.ledger().await.len(), 1);
    assert_eq!(rig.open().await, eur(before.cents() - 100_00));
    assert!(
        rig.store.lease(&lease).await.unwrap().is_none(),
        "released after booking"
    );
}

/// Art. 6:43 lid 1 BW: the debtor pays F2 (the newer invoice) by name. Without the choice the
/// €225.00 costs and F1's interest would go first (art. 6:44, oldest first); with it, F2's
/// share of the costs (€75.00 of €225.00: its €500.00 of the €1,500.00 base), its interest
/// and its principal are paid, and F1 keeps all it had open.
async fn a_payment_for_one_invoice_pays_that_invoice(store: Store) {
    let rig = Rig::start(store).await;
    let now = Utc::now();
    let view = claim::load_claim(&rig.store, &rig.dossier_id, claim::dutch_date(now))
        .await
        .unwrap();
    let (f1, f2) = (view.invoices[0].clone(), view.invoices[1].clone());
    assert_eq!(f2.costs_open_share, eur(75_00));
    let f2_open = f2.open_for_payment();
    assert_eq!(f2_open.cents(), 75_00 + f2.interest_open.cents() + 500_00);
    let start = |amount: PayAmount, invoice, key: &str| {
        let request = PayRequest {
            amount,
            purpose: PayPurpose::Invoice { invoice },
            intent_key: key.into(),
        };
        let (service, dossier) = (rig.service.clone(), rig.dossier_id.clone());
        async move { service.start(&dossier, &request, now).await }
    };
    // More than F2 has open is refused (the dossier has more open); so is a part below the
    // minimum part payment (€25.00), and an invoice of another dossier has nothing to pay.
    assert!(matches!(
        start(PayAmount::Exact(eur(f2_open.cents() + 1)), f2.id, "too-much").await,
        Err(PayError::AboveOpen { open }) if open == f2_open
    ));
    assert!(matches!(
        start(PayAmount::Exact(eur(24_99)), f2.id, "too-little").await,
        Err(PayError::BelowMinimum { .. })
    ));
    assert!(matches!(
        start(
            PayAmount::FullBalance,
            domain::ClaimItemId::new(-1),
            "unknown"
        )
        .await,
        Err(PayError::NothingToPay)
    ));

    let started = start(PayAmount::FullBalance, f2.id, "f2").await.unwrap();
    assert_eq!(started.amount, f2_open);
    let payment = rig.payment(&started.payment_id).await;
    assert_eq!(payment.claim_item_id, Some(f2.id));
    let order = payment.paynl_order_id.unwrap();
    let call = rig.act(&order, "pay", None).await;
    rig.settled(&order, call).await;
    assert_eq!(
        rig.payment(&started.payment_id).await.status,
        PaymentStatus::Paid
    );

    let entries = rig.ledger().await;
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (
            entries[0].alloc_costs,
            entries[0].alloc_interest,
            entries[0].alloc_principal
        ),
        (eur(75_00), f2.interest_open, eur(500_00))
    );
    let after = claim::load_claim(&rig.store, &rig.dossier_id, view.as_of)
        .await
        .unwrap();
    let (f1_after, f2_after) = (&after.invoices[0], &after.invoices[1]);
    assert_eq!(f2_after.open_for_payment(), Money::ZERO);
    assert_eq!(
        (f1_after.principal_open, f1_after.interest_open),
        (eur(1_000_00), f1.interest_open)
    );
    assert_eq!(f1_after.costs_open_share, eur(150_00));
    assert_eq!(after.entries[0].chosen_invoice, Some(f2.id));
    assert_eq!(
        after.open_total().cents(),
        view.open_total().cents() - f2_open.cents()
    );
}
