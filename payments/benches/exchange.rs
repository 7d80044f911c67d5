//! Exchange calls reconciled per second, end to end: the Pay.nl simulator sends signed calls
//! over HTTP to a portal endpoint, which verifies them, re-reads the status from the
//! simulator's API, and books through the store.
//!
//!     TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!         cargo bench -p payments --bench exchange -- 200
//!
//! The argument is the number of payments (one dossier each; default 200). Two phases per
//! backend: every order paid at once (N first calls: allocation + booking), then every
//! call resent at once (N replays: verified, re-read, nothing booked). SQLite always;
//! PostgreSQL when `TEST_DATABASE_URL` is set (a fresh database, dropped afterwards).

#![allow(clippy::inconsistent_digit_grouping)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::{Options, Rig};
use payments::{PayAmount, PayPurpose, PayRequest};
use paynl::sim::SimConfig;
use serde_json::Value;
use store::Store;

fn payments_wanted() -> usize {
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let n = payments_wanted();
    println!("exchange bench: {n} payments, one dossier each");
    store::testing::on_sqlite(move |store| bench("sqlite", store, n)).await;
    if store::testing::postgres_admin_url().is_some() {
        store::testing::on_postgres(move |store| bench("postgres", store, n)).await;
    }
}

async fn bench(backend: &'static str, store: Store, n: usize) {
    let rig = Rig::with(
        store.clone(),
        Options {
            sim: SimConfig {
                retry_schedule: vec![Duration::from_millis(50); 3],
                ..common::sim_config()
            },
            client_timeout: Duration::from_secs(10),
            ..Options::default()
        },
    )
    .await;
    let mut orders = Vec::with_capacity(n);
    for i in 0..n {
        let dossier = if i == 0 {
            rig.dossier_id.clone()
        } else {
            common::seed(&store, &format!("ISB-2026-{:06}", 100_000 + i)).await
        };
        let started = rig
            .service
            .start(
                &dossier,
                &PayRequest {
                    amount: PayAmount::Exact(common::eur(100_00)),
                    purpose: PayPurpose::Part,
                    intent_key: format!("bench-{i}"),
                },
                Utc::now(),
            )
            .await
            .expect("start a payment");
        let payment = store.payment(&started.payment_id).await.unwrap().unwrap();
        orders.push(payment.paynl_order_id.unwrap());
    }

    let first = phase(&rig, &orders, "pay").await;
    let first_latency = percentiles(&rig);
    let booked = count_entries(&store).await;
    assert_eq!(booked, n as i64, "every payment booked once");
    let replays = phase(&rig, &orders, "resend").await;
    let replay_latency = percentiles(&rig);
    assert_eq!(
        count_entries(&store).await,
        n as i64,
        "replays book nothing"
    );
    println!(
        "{backend:>8}: first calls {:>7.1}/s ({n} in {:.2?}, p50 {:.1?}, p99 {:.1?}); \
         replays {:>7.1}/s ({n} in {:.2?}, p50 {:.1?}, p99 {:.1?})",
        n as f64 / first.as_secs_f64(),
        first,
        first_latency.0,
        first_latency.1,
        n as f64 / replays.as_secs_f64(),
        replays,
        replay_latency.0,
        replay_latency.1,
    );
}

/// p50 and p99 of the exchange calls answered since the last call (taking them out).
fn percentiles(rig: &Rig) -> (Duration, Duration) {
    let mut all = std::mem::take(&mut *rig.latencies.lock().unwrap());
    all.sort_unstable();
    let at = |q: f64| all[((all.len() - 1) as f64 * q).round() as usize];
    (at(0.50), at(0.99))
}

/// Fires `action` at every order at once; returns the time until the simulator has a
/// delivered answer for every call.
async fn phase(rig: &Rig, orders: &[String], action: &str) -> Duration {
    let started = Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for order in orders {
        let (control, order, action) = (rig.control(), order.clone(), action.to_owned());
        calls.spawn(async move { control.act(&order, &action, None).await.expect("a call id") });
    }
    let ids: std::collections::HashSet<u64> = calls.join_all().await.into_iter().collect();
    loop {
        let records = rig
            .control()
            .exchanges(None)
            .await
            .expect("the exchange log");
        let done = records
            .iter()
            .filter(|r| {
                r["last"] == Value::Bool(true)
                    && r["call_id"].as_u64().is_some_and(|id| ids.contains(&id))
            })
            .collect::<Vec<_>>();
        if done.len() == ids.len() {
            let failed = done.iter().filter(|r| r["outcome"] != "delivered").count();
            assert_eq!(failed, 0, "every call answered TRUE");
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "calls never settled"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn count_entries(store: &Store) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) AS n FROM ledger_entry")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}
