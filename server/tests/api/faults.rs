//! Faults, with real portal processes: a storm of duplicated exchange calls on two processes
//! sharing one database, Pay.nl down or slow while debtors pay, and the database cut off.
//! The long run (a portal SIGKILLed mid-storm) is ignored here and run by `cargo xtask soak`.

use crate::cluster;
use crate::common;

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use cluster::{Portal, PortalEnv, sim_post};
use paynl::sim::SimControl;
use serde_json::json;
use store::{LedgerKind, PaymentStatus, Store};

/// Runs `test` on a fresh SQLite file and, when PostgreSQL is available, on a fresh
/// PostgreSQL database.
async fn on_both<F, Fut>(test: F)
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("tempdir");
    test(format!(
        "sqlite://{}",
        dir.path().join("portal.db").display()
    ))
    .await;
    if let Some(pg) = store::testing::PgDatabase::create().await {
        test(pg.url.clone()).await;
        pg.drop().await;
    }
}

/// The storm: `n` payments started by debtors on two portal processes, paid at Pay.nl, a
/// third of them partly refunded and a fifth charged back; then every exchange call (signed
/// JSON for the payments, unsigned forms for refunds and chargebacks) sent three times,
/// shuffled, concurrently, each to either process; Pay.nl's retries of anything not
/// answered `TRUE|` included. Every dossier must end at what an independent sum of the
/// simulator's own records gives.
pub async fn storm_on_two_processes(database_url: &str, n: usize) {
    let sim = cluster::simulator().await;
    let env = PortalEnv::new(database_url, &sim);
    // Both start at once: migrations must run once (PostgreSQL: an advisory lock).
    let (a, b) = tokio::join!(Portal::start(&env), Portal::start(&env));
    let store = Store::connect(database_url).await.expect("store");
    let numbers = cluster::seed_dossiers(&store, n).await;
    let today = cluster::today();

    // Debtors start paying, half on each process: even ones everything, odd ones €100.
    let bases = [a.base.clone(), b.base.clone()];
    let mut starts = tokio::task::JoinSet::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(16));
    for (i, number) in numbers.iter().enumerate() {
        let (base, number, gate) = (bases[i % 2].clone(), number.clone(), gate.clone());
        starts.spawn(async move {
            let _slot = gate.acquire().await.expect("gate");
            let cookie = cluster::sign_in(&base, &number).await;
            let part = (i % 2 == 1).then_some("100,00");
            cluster::start_payment(&base, &cookie, "storm", part)
                .await
                .unwrap_or_else(|e| panic!("{number}: payment not started: {e}"));
        });
    }
    starts.join_all().await;

    // Every order paid at Pay.nl; then on some a partial refund, on some a chargeback of
    // what is left (after the refund, where both), made at Pay.nl and announced the way
    // Pay.nl does: the payment by signed JSON, refunds and chargebacks by unsigned form calls
    // with an `EX-…` transaction id.
    let mut expected = Vec::with_capacity(n);
    let mut calls = Vec::with_capacity(4 * n);
    let mut reversals = 0;
    for (i, number) in numbers.iter().enumerate() {
        let dossier = store
            .dossier_by_number(number)
            .await
            .expect("db")
            .expect("dossier");
        let before = cluster::open_on(&store, &dossier.id, today).await;
        let payments = store.payments_for_dossier(&dossier.id).await.expect("db");
        assert_eq!(payments.len(), 1, "{number}: one payment");
        let payment = payments[0].clone();
        let order = payment.paynl_order_id.clone().expect("an order");
        sim_post(&sim, &format!("/_sim/orders/{order}/pay"), json!({})).await;
        let call = cluster::exchange_call(&sim, &order).await;
        calls.extend([call.clone(), call.clone(), call]);
        if i % 3 == 0 {
            let refund = cluster::reversal_call(&sim, &order, false, Some(10_00)).await;
            calls.extend([refund.clone(), refund.clone(), refund]);
            reversals += 1;
        }
        if i % 5 == 0 {
            let chargeback = cluster::reversal_call(&sim, &order, true, None).await;
            calls.extend([chargeback.clone(), chargeback.clone(), chargeback]);
            reversals += 1;
        }
        expected.push((dossier.id, payment, order, before));
    }
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.subsec_nanos() as u64);
    cluster::shuffle(&mut calls, seed);
    let sent = calls.len();
    let pick_bases = bases.clone();
    let report = cluster::storm(
        calls,
        Arc::new(move |i: usize| pick_bases[(i * 7 + i / 3) % 2].clone()),
        256,
        Duration::from_secs(180),
    )
    .await;
    eprintln!(
        "storm on {:?}: {n} payments and {reversals} refunds and chargebacks, {sent} calls, \
         {} deliveries in {:.1?} (shuffle seed {seed}); answers retried: {:?}",
        store.backend(),
        report.deliveries,
        report.took,
        report.retried
    );

    // The independent sum: per order, what the simulator says it captured less what it
    // refunded and charged back; the ledger must hold exactly that, one entry per event.
    let control = SimControl::new(sim.url());
    let mut transactions = 0;
    for (dossier_id, payment, order, before) in &expected {
        let record = control.order(order).await.expect("sim order");
        let books = &record["_sim"];
        let held = books["captured"].as_i64().expect("captured")
            - books["refunded"].as_i64().expect("refunded")
            - books["chargedBack"].as_i64().expect("charged back");
        let after = store
            .payment(&payment.id)
            .await
            .expect("db")
            .expect("payment");
        let expected_status = if books["chargedBack"].as_i64() > Some(0) {
            PaymentStatus::Chargeback
        } else if held == 0 {
            PaymentStatus::Refunded
        } else {
            PaymentStatus::Paid
        };
        assert_eq!(after.status, expected_status, "{}: {books}", payment.id);
        let entries = store.ledger_entries(dossier_id).await.expect("db");
        let booked: Vec<_> = entries
            .iter()
            .filter(|e| e.payment_id.as_ref() == Some(&payment.id))
            .collect();
        let paid: Vec<_> = booked
            .iter()
            .filter(|e| e.kind == LedgerKind::Payment)
            .collect();
        assert_eq!(paid.len(), 1, "{}: paid exactly once", payment.id);
        assert_eq!(paid[0].amount, payment.amount);
        for t in books["transactions"].as_array().expect("transactions") {
            let key = payments::transaction_key(t["id"].as_str().expect("id"));
            assert_eq!(
                booked.iter().filter(|e| e.idempotency_key == key).count(),
                1,
                "{}: {t} booked exactly once",
                payment.id
            );
            transactions += 1;
        }
        assert_eq!(
            booked.len(),
            1 + books["transactions"].as_array().map_or(0, Vec::len),
            "{}: nothing else booked",
            payment.id
        );
        assert_eq!(
            booked.iter().map(|e| e.amount.cents()).sum::<i64>(),
            held,
            "{}: the ledger holds what Pay.nl holds",
            payment.id
        );
        let open = cluster::open_on(&store, dossier_id, today).await;
        assert_eq!(
            open.cents(),
            before.cents() - held,
            "{}: the balance went down by exactly what Pay.nl kept",
            payment.id
        );
    }
    assert_eq!(
        transactions, reversals,
        "every refund and chargeback booked"
    );
    assert_eq!(
        cluster::count(&store, "SELECT COUNT(*) FROM ledger_entry").await,
        (n + reversals) as i64,
        "no other entries"
    );
    assert!(
        cluster::count(&store, "SELECT COUNT(*) FROM exchange_call").await >= sent as i64,
        "every call was logged"
    );
    store.close().await;
    drop((a, b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_storm_of_payments_refunds_and_chargebacks_on_two_processes_adds_up_on_every_dossier() {
    on_both(|url| async move { storm_on_two_processes(&url, 200).await }).await;
}

/// Pay.nl slow, then down, while debtors start payments and exchange calls arrive; then back.
async fn paynl_down_or_slow(database_url: &str) {
    let sim = cluster::simulator().await;
    // The reconciler re-reads open payments every second (one process at a time).
    let env = PortalEnv::new(database_url, &sim)
        .with("PORTAL_RECONCILE_AFTER_MINUTES", "0")
        .with("PORTAL_RECONCILE_INTERVAL_SECONDS", "1");
    let (a, b) = tokio::join!(Portal::start(&env), Portal::start(&env));
    let store = Store::connect(database_url).await.expect("store");
    let numbers = cluster::seed_dossiers(&store, 6).await;
    let mut cookies = Vec::new();
    for (i, number) in numbers.iter().enumerate() {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        cookies.push((base.clone(), cluster::sign_in(base, number).await));
    }
    let today = cluster::today();
    let mut before = Vec::new();
    for number in &numbers {
        let id = store.dossier_by_number(number).await.unwrap().unwrap().id;
        before.push((id.clone(), cluster::open_on(&store, &id, today).await));
    }

    // Slow: Pay.nl stalls creating the order. The debtor hears within the client's timeout
    // that Pay.nl is unavailable; the attempt is abandoned (no second order for it).
    sim_post(
        &sim,
        "/_sim/faults",
        json!({"api_stall": {"count": 1, "ms": 15000}}),
    )
    .await;
    let (base, cookie) = &cookies[0];
    let t = Instant::now();
    let err = cluster::start_payment(base, cookie, "slow", Some("100,00"))
        .await
        .expect_err("Pay.nl stalled");
    assert_eq!(err, json!("ProviderDown"), "a clear message for the debtor");
    assert!(t.elapsed() < Duration::from_secs(14), "{:?}", t.elapsed());

    // Back to normal: three debtors start paying.
    let mut orders = Vec::new();
    for (i, (base, cookie)) in cookies.iter().take(3).enumerate() {
        let to = cluster::start_payment(base, cookie, &format!("ok{i}"), None)
            .await
            .unwrap_or_else(|e| panic!("start: {e}"));
        orders.push(to.rsplit('/').next().expect("order").to_owned());
    }

    // Down: Pay.nl's API answers 503. The three pay anyway (the payment page is up) and
    // their exchange calls arrive; we cannot re-read the status, so we ask to be called again.
    sim_post(&sim, "/_sim/faults", json!({"api_error": {"status": 503}})).await;
    let http = reqwest::Client::new();
    let mut calls = Vec::new();
    for (i, order) in orders.iter().enumerate() {
        sim_post(&sim, &format!("/_sim/orders/{order}/pay"), json!({})).await;
        let call = cluster::exchange_call(&sim, order).await;
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let answer = cluster::deliver(&http, base, &call).await.expect("answer");
        assert!(answer.starts_with("FALSE|"), "{answer}");
        calls.push(call);
    }
    // The other three cannot start a payment: a clear message, no order, nothing booked.
    for (base, cookie) in cookies.iter().skip(3) {
        let err = cluster::start_payment(base, cookie, "down", None)
            .await
            .expect_err("Pay.nl down");
        assert_eq!(err, json!("ProviderDown"));
    }
    // The return page shows what we know (processing), not an error.
    let first = &store.payments_for_dossier(&before[0].0).await.unwrap();
    let waiting = first
        .iter()
        .find(|p| p.status == PaymentStatus::Pending)
        .expect("the started payment");
    let resp = common::client()
        .post(format!("{}/api/payment_status", a.base))
        .form(&[("payment", waiting.id.as_str())])
        .send()
        .await
        .expect("status");
    assert_eq!(resp.status(), 200);
    let view: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(view["state"], "processing", "{view}");
    assert_eq!(
        cluster::count(&store, "SELECT COUNT(*) FROM ledger_entry").await,
        0,
        "nothing booked while Pay.nl is down"
    );

    // Pay.nl is back: the reconciler books the three, once.
    sim_post(&sim, "/_sim/faults", json!({"api_error": {"count": 0}})).await;
    let until = Instant::now() + Duration::from_secs(30);
    while cluster::count(&store, "SELECT COUNT(*) FROM ledger_entry").await < 3 {
        assert!(
            Instant::now() < until,
            "the reconciler did not book the payments: {:?} {:?}",
            a.log(),
            b.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Pay.nl's retries of the refused calls now succeed and book nothing more.
    for call in &calls {
        let answer = cluster::deliver(&http, &b.base, call)
            .await
            .expect("answer");
        assert_eq!(answer, "TRUE|paid");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for (i, (id, open_before)) in before.iter().enumerate() {
        let open = cluster::open_on(&store, id, today).await;
        let entries = store.ledger_entries(id).await.unwrap();
        if i < 3 {
            assert_eq!(entries.len(), 1, "dossier {i}: booked once");
            assert!(open.is_zero(), "dossier {i}: paid in full, open {open:?}");
        } else {
            assert!(entries.is_empty(), "dossier {i}: nothing booked");
            assert_eq!(open, *open_before);
        }
    }
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paynl_down_or_slow_loses_and_doubles_nothing_and_the_reconciler_catches_up() {
    on_both(|url| async move { paynl_down_or_slow(&url).await }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_outage_fails_requests_cleanly_and_heals_without_a_restart() {
    let Some(pg) = store::testing::PgDatabase::create().await else {
        return; // SQLite is a file inside the process: it cannot become unreachable.
    };
    let proxy = cluster::DbProxy::start(cluster::host_port(&pg.url)).await;
    let url = cluster::through_proxy(&pg.url, &proxy);
    let app = common::start_with_database(&url).await;
    common::dossier_with_secret(&app.store, "ISB-2026-000042", "ABCD-EFGH-JKMN").await;
    let signed_in = common::sign_in_form(&app, "ISB-2026-000042", "ABCD-EFGH-JKMN").await;
    let cookie = common::session_cookie(&signed_in).expect("signed in");
    let page = common::get(&app, "/dossier", &cookie).await;
    assert_eq!(page.status(), 200);

    proxy.cut();
    for path in ["/dossier", "/dossier/data", "/readyz"] {
        let t = Instant::now();
        let resp = common::get(&app, path, &cookie).await;
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        assert_eq!(status, 503, "{path}: {body}");
        assert!(
            t.elapsed() < Duration::from_secs(8),
            "{path}: {:?}",
            t.elapsed()
        );
        for leak in ["sqlx", "postgres", "connection", "127.0.0.1"] {
            assert!(!body.contains(leak), "{path} leaks {leak:?}: {body}");
        }
    }
    let resp = common::sign_in_form(&app, "ISB-2026-000042", "ABCD-EFGH-JKMN").await;
    assert!(
        common::session_cookie(&resp).is_none(),
        "no session without a database"
    );
    let health = common::get(&app, "/healthz", &cookie).await;
    assert_eq!(health.status(), 200, "the process itself is alive");

    proxy.restore();
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        let ready = common::get(&app, "/readyz", &cookie).await.status();
        if ready == 200 {
            break;
        }
        assert!(Instant::now() < until, "not ready again: {ready}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let page = common::get(&app, "/dossier", &cookie).await;
    assert_eq!(page.status(), 200, "the same session works again");
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("ISB-2026-000042"));
    app.store.close().await;
    drop(proxy);
    pg.drop().await;
}

// ---------------------------------------------------------------------------------------------
// Soak (ignored by `cargo test`; `cargo xtask soak`)

/// `n` payments; their exchange calls (three each, shuffled) go to one portal process,
/// which is SIGKILLed once about a third are answered and started again on a new port.
/// Pay.nl keeps retrying what was not answered `TRUE|`. The dossier leases the dead
/// process held expire (30 s), so the run takes at least that long.
async fn killed_mid_storm(database_url: &str, n: usize) {
    let sim = cluster::simulator().await;
    let env = PortalEnv::new(database_url, &sim);
    let mut portal = Portal::start(&env).await;
    let store = Store::connect(database_url).await.expect("store");
    let numbers = cluster::seed_dossiers(&store, n).await;
    let today = cluster::today();
    let mut expected = Vec::new();
    let mut calls = Vec::new();
    for number in &numbers {
        let cookie = cluster::sign_in(&portal.base, number).await;
        cluster::start_payment(&portal.base, &cookie, "kill", None)
            .await
            .unwrap_or_else(|e| panic!("{number}: {e}"));
        let id = store.dossier_by_number(number).await.unwrap().unwrap().id;
        let before = cluster::open_on(&store, &id, today).await;
        let payment = store.payments_for_dossier(&id).await.unwrap().remove(0);
        let order = payment.paynl_order_id.clone().expect("order");
        sim_post(&sim, &format!("/_sim/orders/{order}/pay"), json!({})).await;
        let call = cluster::exchange_call(&sim, &order).await;
        calls.extend([call.clone(), call.clone(), call]);
        expected.push((id, payment, before));
    }
    cluster::shuffle(&mut calls, 20_261_130);

    let current = Arc::new(RwLock::new(portal.base.clone()));
    let pick = {
        let current = current.clone();
        Arc::new(move |_: usize| current.read().unwrap_or_else(|p| p.into_inner()).clone())
    };
    let storm = tokio::spawn(cluster::storm(calls, pick, 64, Duration::from_secs(240)));
    // Kill once about a third of the payments are booked.
    let until = Instant::now() + Duration::from_secs(60);
    while cluster::count(&store, "SELECT COUNT(*) FROM ledger_entry").await < (n / 3) as i64 {
        assert!(Instant::now() < until, "the storm made no progress");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    portal.kill().await;
    let booked_at_kill = cluster::count(&store, "SELECT COUNT(*) FROM ledger_entry").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let restarted = Portal::start(&env).await;
    *current.write().unwrap_or_else(|p| p.into_inner()) = restarted.base.clone();
    let report = storm.await.expect("storm");
    eprintln!(
        "killed at {booked_at_kill}/{n} booked; {} deliveries in {:.1?}; retried: {:?}",
        report.deliveries, report.took, report.retried
    );

    for (dossier_id, payment, before) in &expected {
        let after = store.payment(&payment.id).await.unwrap().unwrap();
        assert_eq!(after.status, PaymentStatus::Paid);
        let entries = store.ledger_entries(dossier_id).await.unwrap();
        assert_eq!(entries.len(), 1, "{}: booked exactly once", payment.id);
        assert_eq!(entries[0].amount, payment.amount);
        let open = cluster::open_on(&store, dossier_id, today).await;
        assert_eq!(Some(open), before.checked_sub(payment.amount));
    }
    assert_eq!(
        cluster::count(&store, "SELECT COUNT(*) FROM ledger_entry").await,
        n as i64
    );
    store.close().await;
    drop(restarted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "soak: cargo xtask soak"]
async fn a_portal_killed_mid_storm_and_restarted_ends_with_the_expected_ledger() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = format!("sqlite://{}", dir.path().join("portal.db").display());
    killed_mid_storm(&sqlite, 200).await;
    if let Some(pg) = store::testing::PgDatabase::create().await {
        killed_mid_storm(&pg.url, 200).await;
        pg.drop().await;
    }
}
