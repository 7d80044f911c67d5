//! How long the daily plan job takes: seeds `N` dossiers (default 1,000), each with one
//! invoice; nine in ten have an active 6-month plan whose first instalment fell due today and
//! is unpaid (one in ten of those also a pause in collection), one in ten a granted deferral.
//! Then times, eight days on, the round that moves every first miss to the end of its plan
//! (per plan a ledger sync and claim derivation, the pause lookup; then the deferral round),
//! a second round that changes nothing, and the mail planner's run.
//!
//! ```sh
//! cargo run --release -p plans --example lifecycle_bench                  # SQLite (temp file)
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo run --release -p plans --example lifecycle_bench              # ... and PostgreSQL
//! cargo run --release -p plans --example lifecycle_bench -- 5000          # another size
//! ```

#![allow(clippy::inconsistent_digit_grouping)]

use std::time::{Duration, Instant};

use chrono::{Days, Utc};
use domain::{CollectionPause, CreditorId, Money, PlanRequest, PlanRules};
use payments::{PaymentConfig, PaymentService};
use plans::{LifecycleConfig, LifecycleJob, PlanConfig, PlanService};
use sqlx::{Connection, Executor, PgConnection};
use store::{
    DebtorDetails, DebtorKind, DossierImport, DossierStatus, InterestKind, NewClaimItem,
    NewCreditor, NewDossier, NewInstalment, NewPlan, PlanStatus, Store,
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    let n: usize = std::env::args().nth(1).map_or(Ok(1_000), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    bench("SQLite", &url, n).await?;
    if let Ok(server) = std::env::var("DATABASE_URL") {
        let name = format!("lifecycle_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&server).await?;
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await?;
        let outcome = bench(
            "PostgreSQL",
            &store::testing::with_database(&server, &name),
            n,
        )
        .await;
        admin
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await?;
        outcome?;
    }
    Ok(())
}

async fn bench(backend: &str, url: &str, n: usize) -> Result<()> {
    let store = Store::connect(url).await?;
    let now = Utc::now();
    let today = claim::dutch_date(now);
    let creditor = CreditorId::new("bench");
    store
        .upsert_creditor(
            &NewCreditor {
                id: creditor.clone(),
                name: "Bench B.V.".into(),
                kvk: None,
                contact_email: None,
                contact_phone: None,
                can_deduct_vat: true,
                interest_kind: InterestKind::Consumer,
            },
            now,
        )
        .await?;
    let rules = PlanRules::new(Money::from_cents(25_00), 12, true)?;
    // Never called: nothing is paid in this benchmark.
    let client = paynl::PaynlClient::new(paynl::PaynlConfig::new("AT-0000-0001", "token", "k"))?;
    let payments = PaymentService::new(
        booking::Books::new(store.clone()),
        client,
        Default::default(),
        PaymentConfig::new("http://127.0.0.1:9"),
    );
    let service = PlanService::new(store.clone(), PlanConfig::default(), payments)?;
    let invoice_date = today.checked_sub_days(Days::new(90)).ok_or("date")?;
    let seeding = Instant::now();
    for i in 0..n {
        let dossier = store
            .import_dossier(
                &DossierImport {
                    dossier: NewDossier {
                        number: format!("ISB-2026-{:06}", 500_000 + i),
                        creditor_id: creditor.clone(),
                        status: DossierStatus::Open,
                    },
                    debtor: DebtorDetails::named(DebtorKind::Person, format!("Debtor {i}")),
                    claim_items: vec![NewClaimItem {
                        invoice_number: format!("B-{i}"),
                        invoice_date,
                        due_date: invoice_date.checked_add_days(Days::new(14)).ok_or("date")?,
                        principal: Money::from_cents(600_00),
                    }],
                },
                now,
            )
            .await?
            .into_inner();
        if i % 10 == 9 {
            let pay_by = today.checked_add_days(Days::new(20)).ok_or("date")?;
            service
                .request_deferral(&dossier.id, pay_by, None, now)
                .await?;
            continue;
        }
        let open = claim::load_claim(&store, &dossier.id, today)
            .await?
            .open_total();
        let preview = rules.preview(open, PlanRequest::Months(6), today)?;
        let instalments = preview
            .rows
            .iter()
            .map(|r| NewInstalment {
                due_date: r.due(),
                amount: r.amount(),
            })
            .collect();
        store
            .create_plan(
                &NewPlan {
                    dossier_id: dossier.id.clone(),
                    status: PlanStatus::Active,
                    instalments,
                    interest_stops: false,
                },
                now,
            )
            .await?;
        if i % 10 == 4 {
            pause(&store, &dossier.id, now).await?;
        }
    }
    println!(
        "{backend}: seeded {n} dossiers in {}",
        secs(seeding.elapsed())
    );

    let job = LifecycleJob::new(service, LifecycleConfig::default());
    let later = now + chrono::Duration::days(8);
    let t = Instant::now();
    let first = job.run_once(later).await?;
    let first_took = t.elapsed();
    let t = Instant::now();
    let second = job.run_once(later).await?;
    let second_took = t.elapsed();
    let t = Instant::now();
    let planned = mail::plan_messages(&store, claim::dutch_date(later), 3, later).await?;
    let planner_took = t.elapsed();
    println!(
        "{backend}: round 1 ({} plans, {} moved, {} deferrals) {} ({:.1} ms per plan); \
         round 2 ({} moved) {}; mail planner ({} queued) {}",
        first.plans,
        first.moved,
        first.deferrals.deferrals,
        secs(first_took),
        first_took.as_secs_f64() * 1000.0 / f64::from(first.plans.max(1)),
        second.moved,
        secs(second_took),
        planned.due + planned.missed + planned.agreed + planned.deferral_due,
        secs(planner_took),
    );
    Ok(())
}

/// A 30-day pause in collection from today on the dossier.
async fn pause(
    store: &Store,
    dossier: &domain::DossierId,
    now: chrono::DateTime<Utc>,
) -> Result<()> {
    let today = claim::dutch_date(now);
    let until = today.checked_add_days(Days::new(30)).ok_or("date")?;
    store
        .create_pause(
            &store::NewPause::by_staff(
                dossier,
                CollectionPause::new(today, until)?,
                "Gemeente",
                None,
                "bench",
                None,
                now,
            ),
            now,
        )
        .await?;
    Ok(())
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}
