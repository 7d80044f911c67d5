//! How long `load_claim` takes for a dossier with 1,000 ledger entries.
//!
//! ```text
//! cargo run --release -p claim --example balance_bench            # SQLite only
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/claim_bench \
//!     cargo run --release -p claim --example balance_bench -- 500  # SQLite and PostgreSQL, 500 runs
//! ```
//!
//! Per backend: a fresh dossier (three invoices of €20,000, the WIK charge) with 950 payments
//! of €45 on consecutive days from 2024-01-15, each allocated as the payment flow does, and
//! 50 chargebacks reversing one of them: 1,000 entries, almost all reaching the principal, so
//! the view has some 950 principal tranches and as many changes of the interest base, and each
//! chargeback recomputes an invoice's interest. Then `load_claim` as of 2026-11-01 is timed
//! (median and p99), as are its two halves: the six reads (`load_claim_input`) and the
//! computation (`build_claim`). SQLite runs on a file in a temporary directory; on PostgreSQL
//! the dossier is deleted afterwards.

#![allow(clippy::inconsistent_digit_grouping)]

use std::error::Error;
use std::time::{Duration, Instant};

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use claim::{EntryKind, EntryView, allocate_payment, build_claim, load_claim, load_claim_input};
use domain::{CreditorId, DossierId, LedgerEntryId, Money, PerKind};
use store::{
    ChargeKind, DebtorDetails, DebtorKind, DossierImport, DossierStatus, InterestKind, LedgerKind,
    NewCharge, NewClaimItem, NewCreditor, NewDossier, NewLedgerEntry, Store,
};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const ENTRIES: usize = 1_000;
/// Every 20th entry reverses the payment before it.
const REVERSAL_EVERY: usize = 20;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn noon(day: NaiveDate) -> Result<DateTime<Utc>> {
    let at = day.and_hms_opt(12, 0, 0).ok_or("invalid time")?;
    Ok(Utc.from_utc_datetime(&at))
}

#[tokio::main]
async fn main() -> Result<()> {
    let runs: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 200,
    };
    let dir = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}/bench.db", dir.path().display());
    bench("SQLite", &sqlite, runs).await?;
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => bench("PostgreSQL", &url, runs).await?,
        _ => println!("PostgreSQL: skipped (set DATABASE_URL=postgres://…)"),
    }
    Ok(())
}

async fn bench(name: &str, url: &str, runs: usize) -> Result<()> {
    let store = Store::connect(url).await?;
    let setup = Instant::now();
    let dossier_id = seed(&store).await?;
    println!(
        "{name}: seeded {ENTRIES} ledger entries in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    let as_of = date(2026, 11, 1);
    let view = load_claim(&store, &dossier_id, as_of).await?;
    let tranches: usize = view.invoices.iter().map(|i| i.tranches.len()).sum();
    println!(
        "{name}: view as of {as_of}: {} entries, {tranches} tranches, open {}, credit {}",
        view.entries.len(),
        view.open_total().format(domain::Lang::Nl),
        view.totals.credit.format(domain::Lang::Nl),
    );

    for _ in 0..10 {
        load_claim(&store, &dossier_id, as_of).await?; // warm-up: pool, caches
    }
    let mut whole = Vec::with_capacity(runs);
    let mut reads = Vec::with_capacity(runs);
    let mut compute = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(load_claim(&store, &dossier_id, as_of).await?);
        whole.push(start.elapsed());

        let start = Instant::now();
        let input = load_claim_input(&store, &dossier_id).await?;
        reads.push(start.elapsed());
        let start = Instant::now();
        std::hint::black_box(build_claim(&input, as_of)?);
        compute.push(start.elapsed());
    }
    report(name, "load_claim", &mut whole);
    report(name, "  reads (load_claim_input)", &mut reads);
    report(name, "  compute (build_claim)", &mut compute);

    if store.backend() == store::Backend::Postgres {
        store.delete_dossier(&dossier_id).await?;
    }
    store.close().await;
    Ok(())
}

fn report(name: &str, what: &str, samples: &mut [Duration]) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |q: f64| {
        // Nearest rank: the smallest sample with at least q of the samples at or below it.
        let rank = (q * samples.len() as f64).ceil() as usize;
        samples[rank.clamp(1, samples.len()) - 1]
    };
    println!(
        "{name}: {what:<28} n={} median {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        samples.len(),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(samples[samples.len() - 1]),
    );
}

/// A creditor, a dossier with three invoices and the WIK charge, and 1,000 ledger entries,
/// each payment allocated against the claim of its day.
async fn seed(store: &Store) -> Result<DossierId> {
    let now = Utc::now();
    store
        .upsert_creditor(
            &NewCreditor {
                id: CreditorId::new("bench"),
                name: "Bench Energie B.V.".into(),
                kvk: None,
                contact_email: None,
                contact_phone: None,
                can_deduct_vat: true,
                interest_kind: InterestKind::Consumer,
            },
            now,
        )
        .await?;
    // Unique per run, so the bench can share a database with others.
    let number = format!("BENCH-{}", now.timestamp_micros());
    let dossier = store
        .import_dossier(
            &DossierImport {
                dossier: NewDossier {
                    number: number.clone(),
                    creditor_id: CreditorId::new("bench"),
                    status: DossierStatus::Open,
                },
                debtor: DebtorDetails::named(DebtorKind::Person, "Bench Debtor"),
                claim_items: (1..=3)
                    .map(|i| NewClaimItem {
                        invoice_number: format!("F-{i}"),
                        invoice_date: date(2023, 3 * i, 1),
                        due_date: date(2023, 3 * i, 28),
                        principal: Money::from_cents(20_000_00),
                    })
                    .collect(),
            },
            now,
        )
        .await?
        .into_inner();
    // WIK on 60,000: 375 + 250 + 250 + 500 = 1,375.00, no VAT.
    store
        .add_charge(&NewCharge {
            dossier_id: dossier.id.clone(),
            kind: ChargeKind::Costs,
            amount: Money::from_cents(1_375_00),
            rule: "WIK".into(),
            as_of: date(2023, 12, 1),
            idempotency_key: format!("wik:{number}"),
            created_at: now,
        })
        .await?;

    // Allocate in memory (the claim of each day from the entries so far) rather than reload
    // the dossier 950 times; the entries are the same as the payment flow would book.
    let mut input = load_claim_input(store, &dossier.id).await?;
    let mut day = date(2024, 1, 15);
    for n in 0..ENTRIES {
        let created_at = noon(day)?;
        let key = format!("{number}:{n}");
        let (kind, amount, parts, unallocated) = if n % REVERSAL_EVERY == REVERSAL_EVERY - 1 {
            let last = input.entries.last().ok_or("nothing to reverse")?;
            let neg = |m: Money| Money::from_cents(-m.cents());
            let parts = PerKind {
                costs: neg(last.allocation.costs),
                interest: neg(last.allocation.interest),
                principal: neg(last.allocation.principal),
            };
            (
                EntryKind::Chargeback,
                neg(last.amount),
                parts,
                neg(last.unallocated),
            )
        } else {
            let view = build_claim(&input, day)?;
            let a = allocate_payment(&view, Money::from_cents(45_00))?;
            (EntryKind::Payment, a.amount, a.parts, a.overpayment)
        };
        store
            .append_ledger_entry(&NewLedgerEntry {
                dossier_id: dossier.id.clone(),
                kind: match kind {
                    EntryKind::Chargeback => LedgerKind::Chargeback,
                    _ => LedgerKind::Payment,
                },
                amount,
                alloc_costs: parts.costs,
                alloc_interest: parts.interest,
                alloc_principal: parts.principal,
                alloc_unallocated: unallocated,
                source: "bench".into(),
                payment_id: None,
                idempotency_key: key,
                created_at,
            })
            .await?;
        input.entries.push(EntryView {
            id: LedgerEntryId::new(i64::try_from(n)? + 1),
            date: day,
            kind,
            amount,
            allocation: parts,
            unallocated,
            payment_reference: None,
            invoice_id: None,
            chosen_invoice: None,
        });
        day = day + Days::new(1);
    }
    Ok(dossier.id)
}
