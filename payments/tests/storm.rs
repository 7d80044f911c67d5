//! A storm of money events over many dossiers, booked by two payment services (two
//! "instances", each with its own books, locks and exchange endpoint) sharing one database:
//! payments (signed JSON calls), partial and full refunds and chargebacks (unsigned form
//! calls with `EX-…` ids), every call duplicated by the simulator and then all of them sent
//! once more, shuffled and at once. At the end every dossier's balance must equal what an
//! independent sum of the simulator's own records gives (captured less refunded less charged
//! back), and every refund and chargeback transaction must be one ledger entry.
//!
//! `STORM_PAYMENTS` sets the number of payments (default 24; the storm is 200, see payments/README.md).

#![allow(clippy::inconsistent_digit_grouping)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::{
    KEY_ID, Options, Rig, SECRET, client_config, eur, open_total, seed, serve_portal, sim_config,
};
use domain::{DossierId, Money};
use payments::{PayAmount, PayPurpose, PayRequest, PaymentConfig, PaymentService, transaction_key};
use paynl::PaynlClient;
use paynl::sim::{SimConfig, SimControl};
use serde_json::{Value, json};
use store::{LedgerKind, Store};

store::backend_tests!(a_storm_of_payments_refunds_and_chargebacks_adds_up_on_every_dossier);

/// Calls resent at one moment.
const WAVE: usize = 40;

/// Payments per dossier: below the limit of unfinished orders per dossier.
const PER_DOSSIER: usize = 4;

async fn a_storm_of_payments_refunds_and_chargebacks_adds_up_on_every_dossier(store: Store) {
    let n: usize = std::env::var("STORM_PAYMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    // Pay.nl's 5 s per call, and retries spread over seconds as Pay.nl spreads them over
    // hours: on a loaded 2-core machine a storm makes some calls wait their turn.
    let rig = Rig::with(
        store.clone(),
        Options {
            sim: SimConfig {
                exchange_timeout: Duration::from_secs(5),
                retry_schedule: [200, 500, 1_000, 2_000, 4_000, 8_000]
                    .into_iter()
                    .map(Duration::from_millis)
                    .collect(),
                ..sim_config()
            },
            ..Options::default()
        },
    )
    .await;
    // The second instance: its own books (locks, lease holder) and endpoint, same database
    // and the same Pay.nl.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_url = format!("http://{}", listener.local_addr().unwrap());
    let mut config = PaymentConfig::new(&other_url);
    config.rules.minimum_part_payment = eur(25_00);
    let other = PaymentService::new(
        booking::Books::new(store.clone()),
        PaynlClient::new(client_config(rig.sim.url(), Duration::from_secs(3))).unwrap(),
        HashMap::from([(KEY_ID.to_string(), SECRET.to_string())]),
        config,
    );
    let _other_server = serve_portal(listener, other.clone(), Default::default());
    let services = [rig.service.clone(), other];

    let dossiers: Vec<DossierId> = {
        let mut ids = vec![rig.dossier_id.clone()];
        for d in 1..n.div_ceil(PER_DOSSIER) {
            ids.push(seed(&store, &format!("ISB-2026-9{d:05}")).await);
        }
        ids
    };
    let mut before = HashMap::new();
    for d in &dossiers {
        before.insert(d.clone(), open_total(&store, d).await);
    }

    // Start every payment, alternating the instance, then pay them all at once with every
    // exchange call duplicated.
    let mut orders = Vec::new(); // (order uuid, dossier)
    for i in 0..n {
        let dossier = &dossiers[i / PER_DOSSIER];
        let started = services[i % 2]
            .start(
                dossier,
                &PayRequest {
                    amount: PayAmount::Exact(eur(30_00 + (i as i64 * 7 % 40) * 1_00)),
                    purpose: PayPurpose::Part,
                    intent_key: format!("storm-{i}"),
                },
                Utc::now(),
            )
            .await
            .unwrap();
        let order = store
            .payment(&started.payment_id)
            .await
            .unwrap()
            .unwrap()
            .paynl_order_id
            .unwrap();
        orders.push((order, dossier.clone()));
    }
    let control = rig.control();
    control
        .set_faults(&json!({"exchange_duplicate": {"ms": 5}}))
        .await
        .unwrap();
    let mut calls = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    for (order, _) in &orders {
        let (control, order) = (control.clone(), order.clone());
        tasks.spawn(async move { control.act(&order, "pay", None).await.unwrap() });
    }
    calls.extend(tasks.join_all().await);

    // Refunds and chargebacks: some partial refunds, then on some a full refund of the rest
    // or a chargeback of what is left; all at once.
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (order, _)) in orders.iter().enumerate() {
        let (control, order) = (control.clone(), order.clone());
        tasks.spawn(async move {
            let mut ids = Vec::new();
            if i % 3 == 0 {
                let part = eur((i as i64 % 4 + 1) * 5_00);
                ids.extend(control.refund(&order, Some(part)).await.unwrap().call_id);
            }
            if i % 5 == 0 {
                ids.extend(control.chargeback(&order, None).await.unwrap().call_id);
            } else if i % 7 == 0 {
                ids.extend(control.refund(&order, None).await.unwrap().call_id);
            } else if i % 4 == 1 {
                ids.extend(
                    control
                        .refund(&order, Some(eur(1_00)))
                        .await
                        .unwrap()
                        .call_id,
                );
            }
            ids
        });
    }
    for ids in tasks.join_all().await {
        calls.extend(ids);
    }
    control.clear_faults().await.unwrap();

    // Every call once more, shuffled.
    calls.sort_by_key(|id| (id.wrapping_mul(2_654_435_761)) % 1_000_003);
    // In waves, as Pay.nl's retries come spread out, not 1,000 in one instant.
    let mut last_sent = 0;
    for wave in calls.chunks(WAVE) {
        let mut tasks = tokio::task::JoinSet::new();
        for &id in wave {
            let control = control.clone();
            tasks.spawn(async move { control.resend_call(id).await.unwrap() });
        }
        last_sent = last_sent.max(tasks.join_all().await.into_iter().max().unwrap());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let failed = wait_until_all_answered(&control, last_sent).await;
    // On a loaded 2-core machine some calls time out on every retry of the short schedule;
    // Pay.nl keeps retrying for hours, so they come once more, one by one.
    eprintln!("{} calls not accepted during the storm", failed.len());
    for id in failed {
        last_sent = last_sent.max(control.resend_call(id).await.unwrap());
    }
    let failed = wait_until_all_answered(&control, last_sent).await;
    assert!(failed.is_empty(), "calls never accepted: {failed:?}");
    // The independent sum: the simulator's own records per dossier.
    let sim_orders: HashMap<String, Value> = control
        .orders()
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o["id"].as_str().unwrap().to_owned(), o))
        .collect();
    let mut kept: BTreeMap<&str, i64> = BTreeMap::new();
    let mut returns = 0;
    for (order, dossier) in &orders {
        let sim = &sim_orders[order]["_sim"];
        let held = sim["captured"].as_i64().unwrap()
            - sim["refunded"].as_i64().unwrap()
            - sim["chargedBack"].as_i64().unwrap();
        *kept.entry(dossier.as_str()).or_default() += held;
        let payment = store.payment_by_order_id(order).await.unwrap().unwrap();
        let entries: Vec<_> = store
            .ledger_entries(dossier)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.payment_id.as_ref() == Some(&payment.id))
            .collect();
        let booked: i64 = entries.iter().map(|e| e.amount.cents()).sum();
        assert_eq!(booked, held, "payment {} of order {order}", payment.id);
        // One entry per Pay. transaction, keyed by it.
        for t in sim["transactions"].as_array().unwrap() {
            let id = t["id"].as_str().unwrap();
            let key = transaction_key(id);
            let found: Vec<_> = entries
                .iter()
                .filter(|e| e.idempotency_key == key)
                .collect();
            assert_eq!(
                found.len(),
                1,
                "{id}: {t}\n{:?}\n{:?}",
                entries
                    .iter()
                    .map(|e| (e.amount.cents(), &e.idempotency_key))
                    .collect::<Vec<_>>(),
                (
                    &payment,
                    store
                        .exchange_calls_for_order(order)
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|c| c.outcome)
                        .collect::<Vec<_>>()
                )
            );
            assert!(matches!(
                found[0].kind,
                LedgerKind::Refund | LedgerKind::Chargeback
            ));
            returns += 1;
        }
    }
    assert!(
        returns >= n / 3,
        "the storm had {returns} refunds and chargebacks"
    );
    for d in &dossiers {
        let expected = before[d].cents() - kept[d.as_str()];
        assert_eq!(
            open_total(&store, d).await,
            Money::from_cents(expected),
            "dossier {d}"
        );
    }
}

/// Waits until the simulator has a final answer (or gave up) for every call it sent (call
/// ids count up from 1; at least up to `last_sent`); the calls it gave up on, except those
/// delivered again later.
async fn wait_until_all_answered(control: &SimControl, last_sent: u64) -> Vec<u64> {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let records = control.exchanges(None).await.unwrap();
        let mut last: HashMap<u64, &Value> = HashMap::new();
        let mut highest = last_sent;
        for r in &records {
            let id = r["call_id"].as_u64().unwrap();
            highest = highest.max(id);
            if r["last"] == json!(true) {
                last.insert(id, r);
            }
        }
        if (1..=highest).all(|id| last.contains_key(&id)) {
            // A call counts as accepted when it or a copy of the same bytes was (Pay.nl
            // retries one call until it is).
            let root = |id: u64, r: &Value| r["copy_of"].as_u64().unwrap_or(id);
            let accepted = |r: &Value| {
                r["outcome"] == "delivered"
                    && r["answer"].as_str().is_some_and(|a| a.starts_with("TRUE|"))
            };
            let done: std::collections::HashSet<u64> = last
                .iter()
                .filter(|(_, r)| accepted(r))
                .map(|(id, r)| root(*id, r))
                .collect();
            let mut failed: Vec<u64> = last
                .iter()
                .filter(|(id, r)| !accepted(r) && !done.contains(&root(**id, r)))
                .map(|(id, _)| *id)
                .collect();
            failed.sort_unstable();
            let mut answers: BTreeMap<String, usize> = BTreeMap::new();
            for id in &failed {
                let r = last[id];
                *answers
                    .entry(format!("{} {} {}", r["outcome"], r["answer"], r["error"]))
                    .or_default() += 1;
            }
            eprintln!("not accepted: {answers:?}");
            return failed;
        }
        assert!(Instant::now() < deadline, "calls still unanswered");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
