//! How long the retention job takes on a full database: seeds 100,000 dossiers (each with a
//! debtor, two invoices, a 14-day letter and an audit event) of which 10,000 are closed and
//! past their retention and 1,000 open past the letter rule, then times the dry run
//! (`server::retention::due`), the run that removes them (`server::retention::run`) and a
//! second run that finds nothing.
//!
//! ```sh
//! cargo run --release -p server --example retention_bench                 # SQLite (temp file)
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo run --release -p server --example retention_bench             # ... and PostgreSQL
//! cargo run --release -p server --example retention_bench -- 20000 2000   # other sizes
//! ```
//!
//! With `DATABASE_URL` a fresh database is created beside the one named, and dropped after.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Months, NaiveDate, Utc};
use domain::RetentionPolicy;
use sqlx::{Connection, Executor, PgConnection};
use store::Store;

/// Rows per INSERT statement.
const CHUNK: usize = 500;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let total: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let due: usize = args.next().map_or(Ok(10_000), |a| a.parse())?;
    anyhow::ensure!(due * 10 <= total, "at most one dossier in ten can be due");

    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    bench("SQLite", &url, total, due).await?;

    if let Ok(server) = std::env::var("DATABASE_URL") {
        let name = format!("retention_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&server)
            .await
            .context("DATABASE_URL")?;
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await?;
        let outcome = bench(
            "PostgreSQL",
            &store::testing::with_database(&server, &name),
            total,
            due,
        )
        .await;
        admin
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await?;
        outcome?;
    }
    Ok(())
}

async fn bench(backend: &str, url: &str, total: usize, due: usize) -> anyhow::Result<()> {
    let store = Store::connect(url).await?;
    let now = Utc::now();
    let today = claim::dutch_date(now);
    let policy = RetentionPolicy::default();

    let started = Instant::now();
    let (due, held_open) = seed(&store, today, total, due).await?;
    let seeding = started.elapsed();

    let started = Instant::now();
    let listed = server::retention::due(&store, policy, today).await?;
    let dry_run = started.elapsed();
    anyhow::ensure!(
        listed.remove.len() == due && listed.held_open.len() == held_open,
        "the dry run listed {} to remove and {} held open",
        listed.remove.len(),
        listed.held_open.len()
    );

    let started = Instant::now();
    let removed = server::retention::run(&store, policy, today, now).await?;
    let run = started.elapsed();
    anyhow::ensure!(
        removed.dossiers == due as u64,
        "removed {}",
        removed.dossiers
    );

    let started = Instant::now();
    let again = server::retention::run(&store, policy, today, now).await?;
    let nothing = started.elapsed();
    anyhow::ensure!(
        again.dossiers == 0,
        "the second run removed {}",
        again.dossiers
    );

    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dossier")
        .fetch_one(store.pool())
        .await?;
    anyhow::ensure!(left as usize == total - due, "{left} dossiers left");

    let per_dossier = run.as_secs_f64() * 1000.0 / due as f64;
    println!("{backend}: {total} dossiers ({due} due, {held_open} open past the letter rule)");
    for (what, took) in [
        ("seeding".to_owned(), seeding),
        ("due (dry run)".to_owned(), dry_run),
        (format!("run (removes {due})"), run),
        ("run again (nothing due)".to_owned(), nothing),
    ] {
        println!("  {what:<26}{:>9}", secs(took));
    }
    println!("  {per_dossier:.2} ms per removed dossier");
    store.close().await;
    Ok(())
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn years_before(day: NaiveDate, years: u32) -> NaiveDate {
    day.checked_sub_months(Months::new(12 * years))
        .expect("a date")
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn noon(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(12, 0, 0).expect("noon").and_utc()
}

/// What dossier `i` is: (status, last letter, closed).
fn shape(
    i: usize,
    total: usize,
    due: usize,
    today: NaiveDate,
) -> (&'static str, NaiveDate, Option<NaiveDate>) {
    let step = total / due;
    let old_letter = years_before(today, 8);
    let recent_letter = years_before(today, 3);
    if i.is_multiple_of(step) {
        // Closed three years ago, its last letter eight years ago: due.
        ("closed", old_letter, Some(years_before(today, 3)))
    } else if i % 100 == 1 {
        // Past the letter rule but open: kept, and reported.
        ("open", old_letter, None)
    } else if i.is_multiple_of(2) {
        // Closed a year ago, within the letter rule.
        ("paid", recent_letter, Some(years_before(today, 1)))
    } else {
        ("open", recent_letter, None)
    }
}

/// Seeds `total` dossiers in one transaction with multi-row inserts; returns how many are
/// due and how many open past the letter rule.
async fn seed(
    store: &Store,
    today: NaiveDate,
    total: usize,
    due: usize,
) -> anyhow::Result<(usize, usize)> {
    let created = noon(years_before(today, 9));
    let c = millis(created);
    let mut tx = store.pool().begin().await?;
    sqlx::raw_sql(&format!(
        "INSERT INTO creditor (id, name, kvk, contact_email, contact_phone, can_deduct_vat, \
             interest_kind, created_at, updated_at) VALUES \
         ('zorg', 'Zorgverzekeraar N.V.', NULL, NULL, NULL, 1, 'consumer', {c}, {c}), \
         ('webshop', 'Webwinkel B.V.', NULL, NULL, NULL, 1, 'consumer', {c}, {c})"
    ))
    .execute(&mut *tx)
    .await?;
    let (mut due_count, mut held_open) = (0, 0);
    let ids: Vec<usize> = (0..total).collect();
    for chunk in ids.chunks(CHUNK) {
        let mut dossiers = Vec::with_capacity(chunk.len());
        let mut debtors = Vec::with_capacity(chunk.len());
        let mut items = Vec::with_capacity(2 * chunk.len());
        let mut letters = Vec::with_capacity(chunk.len());
        let mut audits = Vec::with_capacity(chunk.len());
        for &i in chunk {
            let (status, letter, closed) = shape(i, total, due, today);
            if letter < years_before(today, 7) {
                match status {
                    "open" => held_open += 1,
                    _ => due_count += 1,
                }
            }
            let id = format!("bench-{i:07}");
            let creditor = if i % 3 == 0 { "webshop" } else { "zorg" };
            let closed_at = closed.map_or("NULL".to_owned(), |d| millis(noon(d)).to_string());
            let updated = closed.map_or(c, |d| millis(noon(d)));
            dossiers.push(format!(
                "('{id}', 'ISB-2017-{i:06}', '{creditor}', '{status}', '{letter}', {c}, \
                 {updated}, {closed_at})"
            ));
            debtors.push(format!(
                "('{id}', 'person', 'Debiteur {i}', 'Dorpsstraat {n}', '1234 AB', 'Utrecht', \
                 'debiteur{i}@example.nl', {c})",
                n = i % 200 + 1
            ));
            let invoice = years_before(today, 9);
            for (n, cents) in [(1, 12_500), (2, 4_999)] {
                items.push(format!(
                    "('{id}', 'F{i}-{n}', '{invoice}', '{invoice}', {cents})"
                ));
            }
            letters.push(format!("('{id}', '{letter}', 4000, {c})"));
            audits.push(format!(
                "({c}, 'system', 'import', '{id}', 'letter.sent', '{{}}', NULL)"
            ));
        }
        for (table, columns, rows) in [
            (
                "dossier",
                "id, number, creditor_id, status, last_claim_letter_at, created_at, \
                 updated_at, closed_at",
                dossiers,
            ),
            (
                "debtor",
                "dossier_id, kind, name, address, postcode, city, email, updated_at",
                debtors,
            ),
            (
                "claim_item",
                "dossier_id, invoice_number, invoice_date, due_date, principal_cents",
                items,
            ),
            (
                "cost_letter",
                "dossier_id, sent_on, costs_announced_cents, created_at",
                letters,
            ),
            (
                "audit_event",
                "at, actor_kind, actor_id, dossier_id, action, detail, client_ip",
                audits,
            ),
        ] {
            // Our own generated values, no input: a literal statement is the quickest.
            sqlx::raw_sql(&format!(
                "INSERT INTO {table} ({columns}) VALUES {}",
                rows.join(", ")
            ))
            .execute(&mut *tx)
            .await
            .with_context(|| format!("insert into {table}"))?;
        }
    }
    tx.commit().await?;
    Ok((due_count, held_open))
}
