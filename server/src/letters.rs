//! `debiteurportaal letters`: per dossier the signed pay link, its QR code (SVG and PNG)
//! and, for new dossiers or on request, a fresh secret — in one CSV for the mail merge.

use anyhow::{Context, Result};
use app::ssr::Services;
use chrono::{Duration, Utc};
use std::path::{Path, PathBuf};
use store::{Dossier, DossierQuery};

/// Which dossiers get a letter and how.
#[derive(Debug, Clone)]
pub struct LetterRun {
    /// Dossier numbers; `None` means every dossier.
    pub dossiers: Option<Vec<String>>,
    pub out: PathBuf,
    /// Replace existing secrets too (the old letter's code stops working).
    pub rotate_secret: bool,
    /// How long the printed link stays valid.
    pub valid_days: i64,
    /// Replace files a previous run left in `out` (else the run stops before writing).
    pub overwrite: bool,
}

/// What a run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LetterReport {
    pub letters: usize,
    pub new_secrets: usize,
    /// Numbers asked for that do not exist.
    pub unknown: Vec<String>,
}

/// The CSV written into `out`.
pub const CSV_NAME: &str = "letters.csv";

/// Produces the letters. Secrets appear only in the CSV; the database keeps their hash.
pub async fn run(services: &Services, public_url: &str, run: &LetterRun) -> Result<LetterReport> {
    crate::private_files::create_dir(&run.out)?;
    let mut csv = csv::Writer::from_writer(crate::private_files::create_file(
        &run.out.join(CSV_NAME),
        run.overwrite,
    )?);
    csv.write_record([
        "dossier_number",
        "name",
        "address",
        "postcode",
        "city",
        "link",
        "link_expires",
        "qr_svg",
        "qr_png",
        "secret",
    ])?;
    let mut report = LetterReport::default();
    for dossier in select(services, run, &mut report).await? {
        letter(services, public_url, run, &dossier, &mut csv, &mut report).await?;
    }
    csv.flush()?;
    Ok(report)
}

async fn select(
    services: &Services,
    run: &LetterRun,
    report: &mut LetterReport,
) -> Result<Vec<Dossier>> {
    let store = &services.store;
    let mut out = Vec::new();
    match &run.dossiers {
        Some(numbers) => {
            for number in numbers {
                let canonical = number
                    .parse::<domain::DossierNumber>()
                    .map(|n| n.to_string())
                    .unwrap_or_else(|_| number.clone());
                match store.dossier_by_number(&canonical).await? {
                    Some(d) => out.push(d),
                    None => report.unknown.push(number.clone()),
                }
            }
        }
        None => {
            let mut query = DossierQuery {
                limit: 500,
                ..DossierQuery::default()
            };
            loop {
                let page = store.list_dossiers(&query).await?;
                for summary in &page {
                    if let Some(d) = store.dossier(&summary.id).await? {
                        out.push(d);
                    }
                }
                if page.len() < 500 {
                    break;
                }
                query.offset += 500;
            }
        }
    }
    Ok(out)
}

async fn letter(
    services: &Services,
    public_url: &str,
    run: &LetterRun,
    dossier: &Dossier,
    csv: &mut csv::Writer<std::fs::File>,
    report: &mut LetterReport,
) -> Result<()> {
    let store = &services.store;
    let now = Utc::now();
    let number: domain::DossierNumber = dossier
        .number
        .parse()
        .with_context(|| format!("dossier number {} in the database", dossier.number))?;
    let secret = if dossier.secret_hash.is_none() || run.rotate_secret {
        let secret = auth::new_secret();
        let hasher = services.hasher.clone();
        let plain = secret.expose().to_owned();
        let hash = tokio::task::spawn_blocking(move || hasher.hash(&plain)).await??;
        store.set_dossier_secret(&dossier.id, &hash, now).await?;
        // A replaced secret must not leave a session opened with the old one.
        store.delete_sessions_for_dossier(&dossier.id).await?;
        report.new_secrets += 1;
        secret.to_string()
    } else {
        String::new()
    };
    // A new code comes with a new link generation: the old letter's QR link stops too.
    let generation = if run.rotate_secret {
        store.revoke_links(&dossier.id, now).await?
    } else {
        dossier.link_generation
    };
    let expires = now + Duration::days(run.valid_days);
    let link = services.links.sign(number, generation, expires);
    let url = link.url(public_url);
    let svg_path = run.out.join(format!("{number}.svg"));
    let png_path = run.out.join(format!("{number}.png"));
    crate::private_files::write(&svg_path, auth::svg(&url)?.as_bytes(), run.overwrite)?;
    crate::private_files::write(&png_path, &auth::png(&url)?, run.overwrite)?;
    let debtor = store.debtor(&dossier.id).await?.map(|d| d.details);
    let field = |f: fn(&store::DebtorDetails) -> Option<String>| {
        debtor.as_ref().and_then(f).unwrap_or_default()
    };
    csv.write_record([
        number.to_string(),
        field(|d| Some(d.name.clone())),
        field(|d| d.address.clone()),
        field(|d| d.postcode.clone()),
        field(|d| d.city.clone()),
        url,
        expires.date_naive().to_string(),
        file_name(&svg_path),
        file_name(&png_path),
        secret,
    ])?;
    report.letters += 1;
    Ok(())
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
