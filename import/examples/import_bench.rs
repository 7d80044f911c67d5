//! Measures the import: generates a creditor file of N rows (three invoices per dossier) in a
//! temporary file and imports it twice, first into an empty database, then again (nothing to
//! write), printing rows per second and the share of the time spent hashing secrets.
//!
//! ```text
//! cargo run --release -p import --example import_bench -- [rows] [database_url] [--cheap-hash]
//! ```
//!
//! - `rows`: default 100000.
//! - `database_url`: default `$DATABASE_URL`, else a new SQLite file in a temporary directory.
//!   Give an empty database: the run creates dossiers `ISB-2026-000001` onwards.
//! - `--cheap-hash`: argon2id at m = 1 MiB, t = 1 instead of the production cost (19 MiB,
//!   t = 2). A separate measurement of everything but the hashing, never a production setting.

use std::io::Write;
use std::time::Instant;

use anyhow::Context;
use auth::{HashParams, SecretHasher};
use chrono::{Days, Local, NaiveDate};
use import::{Column, ImportOptions, import_csv};
use indicatif::{ProgressBar, ProgressStyle};
use store::Store;

const INVOICES_PER_DOSSIER: usize = 3;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let cheap_hash = args.iter().any(|a| a == "--cheap-hash");
    args.retain(|a| a != "--cheap-hash");
    let rows: usize = match args.first() {
        Some(text) => text.parse().context("rows must be a number")?,
        None => 100_000,
    };
    let dir = tempfile::tempdir()?;
    let url = match args
        .get(1)
        .cloned()
        .or_else(|| std::env::var("DATABASE_URL").ok())
    {
        Some(url) => url,
        None => format!("sqlite://{}/bench.db", dir.path().display()),
    };

    let today = Local::now().date_naive();
    let path = dir.path().join("dossiers.csv");
    let started = Instant::now();
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    generate(&mut file, rows, today)?;
    file.flush()?;
    drop(file);
    let size = std::fs::metadata(&path)?.len();
    println!(
        "generated {rows} rows ({} dossiers, {:.1} MB) in {:.2?}",
        rows.div_ceil(INVOICES_PER_DOSSIER),
        size as f64 / 1e6,
        started.elapsed()
    );

    let params = if cheap_hash {
        HashParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    } else {
        HashParams::default()
    };
    // The cost of one hash alone, as the yardstick for the hashing share below.
    let hasher = SecretHasher::new(params)?;
    let probe = auth::new_secret();
    let started = Instant::now();
    for _ in 0..20 {
        hasher.hash(probe.expose())?;
    }
    println!(
        "one hash alone (one thread, nothing else running): {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3 / 20.0
    );
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("open {}", redacted(&url)))?;
    let opts = ImportOptions {
        today,
        ..ImportOptions::new(hasher)
    };
    println!(
        "database {:?}; argon2id m={} KiB t={}{}; {} workers, {} hashing threads",
        store.backend(),
        params.memory_kib,
        params.iterations,
        if cheap_hash {
            " (CHEAP, not production)"
        } else {
            ""
        },
        opts.workers,
        opts.hash_threads
    );

    for run in ["first import", "same file again"] {
        let bar = ProgressBar::new(0).with_style(ProgressStyle::with_template(
            "{msg} {wide_bar} {pos}/{len} rows {per_sec} eta {eta}",
        )?);
        bar.set_message(run);
        let started = Instant::now();
        let report = import_csv(&store, std::fs::File::open(&path)?, &opts, Some(&bar)).await?;
        let took = started.elapsed();
        bar.finish_and_clear();
        let seconds = took.as_secs_f64();
        let hashing = report.hashing.as_secs_f64();
        println!(
            "{run}: {} rows in {:.1} s = {:.0} rows/s ({:.0} dossiers/s); created {}, updated {}, \
             unchanged {}, rejected rows {}",
            report.rows_read,
            seconds,
            report.rows_read as f64 / seconds,
            (report.dossiers_created + report.dossiers_updated + report.dossiers_unchanged) as f64
                / seconds,
            report.dossiers_created,
            report.dossiers_updated,
            report.dossiers_unchanged,
            report.rows_rejected()
        );
        if !report.new_secrets.is_empty() {
            let per_hash = hashing / report.new_secrets.len() as f64;
            println!(
                "  hashing: {} secrets, {:.1} ms each on its thread, {:.1} s in total = {:.0}% \
                 of {} hashing threads x {:.1} s wall",
                report.new_secrets.len(),
                per_hash * 1e3,
                hashing,
                100.0 * hashing / (seconds * opts.hash_threads as f64),
                opts.hash_threads,
                seconds
            );
        }
        anyhow::ensure!(
            report.rejected.is_empty(),
            "generated rows were rejected: {report}"
        );
    }
    store.close().await;
    Ok(())
}

/// The URL without a password, for messages.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…{}", &url[..scheme], &url[at..]),
        _ => url.to_owned(),
    }
}

/// Writes `rows` rows: dossiers of three invoices, four in five debtors persons, creditors in
/// turn, dates months back from `today`.
fn generate(out: impl Write, rows: usize, today: NaiveDate) -> anyhow::Result<()> {
    let mut csv = csv::WriterBuilder::new().delimiter(b';').from_writer(out);
    csv.write_record(Column::ALL.map(Column::name))?;
    let creditors = [
        ("polderstroom", "Polderstroom Energie B.V.", "ja"),
        ("belnet", "BelNet Telecom B.V.", "ja"),
        ("webwinkel", "De Webwinkel B.V.", "ja"),
        ("vandijk", "Groothandel Van Dijk B.V.", "ja"),
        ("fysio", "Fysiotherapie Aan de Gracht", "nee"),
    ];
    const LETTERS: [&str; 8] = ["AB", "CD", "EF", "GH", "JK", "LM", "NP", "RT"];
    for row in 0..rows {
        let d = row / INVOICES_PER_DOSSIER;
        let invoice = row % INVOICES_PER_DOSSIER;
        let (creditor_id, creditor_name, deducts) = creditors[d % creditors.len()];
        let business = d % 5 == 4 && creditor_id != "fysio";
        let year = 2026 + d / 999_999;
        let number = format!("ISB-{year}-{:06}", d % 999_999 + 1);
        let back = |days: usize| today.checked_sub_days(Days::new(days as u64));
        let invoice_date = back(200 - 30 * invoice + d % 30).context("date")?;
        let due_date = invoice_date
            .checked_add_days(Days::new(14))
            .context("date")?;
        let letter = back(60 + d % 10).context("date")?;
        let amount = format!(
            "{},{:02}",
            20 + (d * 37 + invoice * 11) % 2_000,
            (d + invoice) % 100
        );
        let mut record = vec![String::new(); Column::ALL.len()];
        let mut set = |column: Column, value: String| {
            if let Some(at) = Column::ALL.iter().position(|c| *c == column) {
                record[at] = value;
            }
        };
        set(Column::CreditorId, creditor_id.into());
        set(Column::CreditorName, creditor_name.into());
        set(Column::DossierNumber, number);
        set(Column::Address, format!("Dorpsstraat {}", 1 + d % 300));
        set(
            Column::Postcode,
            format!("{} {}", 1000 + d % 8999, LETTERS[d % LETTERS.len()]),
        );
        set(Column::City, "Amersfoort".into());
        set(Column::Phone, format!("06{:08}", d % 100_000_000));
        set(Column::Email, format!("debiteur{d}@example.com"));
        set(Column::CustomerNumber, format!("K-{d}"));
        if business {
            set(Column::DebtorKind, "business".into());
            set(Column::Name, format!("Bedrijf {d} B.V."));
            set(
                Column::KvkNumber,
                format!("{:08}", 10_000_000 + d % 89_999_999),
            );
            set(Column::VatNumber, vat_number(d));
        } else {
            set(Column::DebtorKind, "person".into());
            set(Column::Name, format!("Debiteur {d}"));
            set(
                Column::BirthDate,
                format!("{:02}-{:02}-{}", 1 + d % 28, 1 + d % 12, 1950 + d % 50),
            );
        }
        set(Column::InvoiceNumber, format!("F-{d}-{invoice}"));
        set(Column::InvoiceDate, invoice_date.to_string());
        set(Column::DueDate, due_date.to_string());
        set(Column::Amount, amount);
        set(Column::LastLetterDate, letter.to_string());
        set(Column::InterestKind, "consumer".into());
        set(Column::CreditorDeductsVat, deducts.into());
        csv.write_record(&record)?;
    }
    csv.flush()?;
    Ok(())
}

/// A Dutch VAT number whose nine digits pass the eleven test, different per `seed`.
fn vat_number(seed: usize) -> String {
    let mut base = 10_000_000 + seed % 89_999_999;
    loop {
        let digits: Vec<usize> = format!("{base:08}")
            .bytes()
            .map(|b| usize::from(b - b'0'))
            .collect();
        let check = digits
            .iter()
            .zip((2..=9).rev())
            .map(|(d, w)| d * w)
            .sum::<usize>()
            % 11;
        if check < 10 {
            return format!("NL{base:08}{check}B01");
        }
        base += 1;
    }
}
