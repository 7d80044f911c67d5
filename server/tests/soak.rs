//! Long fault runs, left out of `cargo test` (ignored) and run by `cargo xtask soak`:
//! a portal SIGKILLed in the middle of a webhook storm and restarted.

mod cluster;
mod common;

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use cluster::{Portal, PortalEnv, sim_post};
use serde_json::json;
use store::{PaymentStatus, Store};

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
        Arc::new(move |_| current.read().unwrap_or_else(|p| p.into_inner()).clone())
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
    if let Some(pg) = common::PgDb::create().await {
        killed_mid_storm(&pg.url, 200).await;
        pg.drop().await;
    }
}
