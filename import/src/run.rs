//! Writing checked dossiers to the store: creditors first, then the dossiers, several at a
//! time, each compared with what is stored so that a repeated file writes nothing.

use std::collections::HashSet;
use std::io::Read;
use std::num::NonZero;
use std::sync::Arc;
use std::time::{Duration, Instant};

use auth::SecretHasher;
use chrono::{DateTime, Local, NaiveDate, Utc};
use domain::{CreditorId, Secret, letter_counts_for};
use indicatif::ProgressBar;
use store::{
    ClaimItem, CostLetter, Created, DebtorDetails, DebtorField, DebtorKind, Dossier, DossierImport,
    DossierStatus, FieldSource, FieldSourceKind, InterestKind, NewClaimItem, NewCostLetter,
    NewCreditor, NewDossier, Store, StoreError,
};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::error::ImportError;
use crate::prepare::{CreditorPlan, DossierPlan, PlannedLetter, prepare};
use crate::report::{ImportReport, ImportWarning, RejectedRow};
use crate::secrets::NewSecret;

/// How to run an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Hashes the secrets of new dossiers (its parameters set the cost).
    pub hasher: SecretHasher,
    /// The moment recorded as creation time and as the date the creditor supplied each
    /// personal field.
    pub now: DateTime<Utc>,
    /// The import date: invoices must be due before it, collection costs are charged as of it.
    pub today: NaiveDate,
    /// Dossiers written at the same time (database round trips overlap; keep it at or below
    /// the pool size, 10 by default).
    pub workers: usize,
    /// Secrets hashed at the same time, each on a blocking thread (about 20 ms of CPU each).
    pub hash_threads: usize,
}

impl ImportOptions {
    /// Options for an import now: today in the local time zone, one hashing thread per CPU,
    /// twice as many workers (at most 8).
    pub fn new(hasher: SecretHasher) -> ImportOptions {
        let cpus = std::thread::available_parallelism().map_or(1, NonZero::get);
        ImportOptions {
            hasher,
            now: Utc::now(),
            today: Local::now().date_naive(),
            workers: (cpus * 2).clamp(2, 8),
            hash_threads: cpus,
        }
    }
}

/// Imports a creditor's CSV export (format: docs/IMPORT.md) into `store`.
///
/// Every row is checked on its own and against the other rows of its dossier. A dossier with
/// any bad row is not imported at all and each of its rows is reported; the other dossiers are
/// imported. Importing the same file again writes nothing. New dossiers get a fresh secret,
/// stored only as its argon2id hash and returned in [`ImportReport::new_secrets`]; existing
/// dossiers keep theirs.
///
/// The file is read and checked completely before the database is touched. `progress`, when
/// given, gets the number of rows as its length and advances as dossiers are done; finishing
/// or clearing it is left to the caller.
///
/// # Errors
///
/// An unreadable file or header stops the import before anything is written. A database or
/// hashing failure part-way returns [`ImportError::Interrupted`] with what was done, including
/// the secrets already issued.
pub async fn import_csv(
    store: &Store,
    input: impl Read,
    opts: &ImportOptions,
    progress: Option<&ProgressBar>,
) -> Result<ImportReport, ImportError> {
    let prepared = prepare(input, opts.today)?;
    let mut report = ImportReport {
        rows_read: prepared.rows_read,
        rejected: prepared.rejected,
        warnings: prepared.warnings,
        ..ImportReport::default()
    };
    if let Some(bar) = progress {
        bar.set_length(u64::try_from(report.rows_read).unwrap_or(u64::MAX));
        bar.set_position(u64::try_from(report.rejected.len()).unwrap_or(u64::MAX));
    }
    let creditors = resolve_creditors(store, &prepared.creditors, opts.now).await?;

    let ctx = Arc::new(Context {
        store: store.clone(),
        hasher: Arc::new(opts.hasher.clone()),
        hash_slots: Semaphore::new(opts.hash_threads.max(1)),
        now: opts.now,
        creditors,
    });
    let plans = Arc::new(prepared.plans);
    let mut tasks = JoinSet::new();
    let mut next = 0;
    let mut done: Vec<(usize, Processed)> = Vec::with_capacity(plans.len());
    let mut failure: Option<ImportError> = None;
    loop {
        while failure.is_none() && tasks.len() < opts.workers.max(1) && next < plans.len() {
            let (ctx, plans, index) = (ctx.clone(), plans.clone(), next);
            tasks.spawn(async move { (index, process(&ctx, &plans[index]).await) });
            next += 1;
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        match joined {
            Ok((index, Ok(processed))) => {
                if let Some(bar) = progress {
                    bar.inc(u64::try_from(plans[index].lines.len()).unwrap_or(0));
                }
                done.push((index, processed));
            }
            // The first failure stops new work; dossiers in flight finish and are reported.
            Ok((_, Err(error))) => {
                failure.get_or_insert(error);
            }
            Err(error) => {
                failure.get_or_insert(error.into());
            }
        }
    }

    done.sort_by_key(|(index, _)| *index);
    for (index, processed) in done {
        let plan = &plans[index];
        report.hashing += processed.hashing;
        if let Some(message) = processed.warning {
            report.warnings.push(ImportWarning {
                dossier: Some(plan.number.to_string()),
                message,
            });
        }
        match processed.outcome {
            Outcome::Created(secret) => {
                report.dossiers_created += 1;
                report.new_secrets.extend(secret);
            }
            Outcome::Updated(secret) => {
                report.dossiers_updated += 1;
                report.new_secrets.extend(secret);
            }
            Outcome::Unchanged => report.dossiers_unchanged += 1,
            Outcome::Rejected(reason) => {
                for &line in &plan.lines {
                    report.rejected.push(RejectedRow {
                        line,
                        dossier: Some(plan.number.to_string()),
                        reason: reason.clone(),
                    });
                }
            }
        }
    }
    report.rejected.sort_by_key(|row| row.line);
    if let Some(error) = failure {
        tracing::error!(%error, "import interrupted");
        return Err(ImportError::Interrupted {
            source: Box::new(error),
            report: Box::new(report),
        });
    }
    tracing::info!(
        rows = report.rows_read,
        created = report.dossiers_created,
        updated = report.dossiers_updated,
        unchanged = report.dossiers_unchanged,
        rejected = report.rows_rejected(),
        "import finished"
    );
    Ok(report)
}

/// Creates or updates the file's creditors. A setting the file leaves blank keeps its stored
/// value; for a new creditor it defaults to deducting VAT, and to commercial interest when
/// some of its debtors in the file are businesses (the claim view charges persons consumer
/// interest whatever the creditor's setting, so commercial only ever reaches businesses). KvK
/// and contact details, which the file does not carry, are kept. Nothing is written when
/// nothing differs.
async fn resolve_creditors(
    store: &Store,
    plans: &[CreditorPlan],
    now: DateTime<Utc>,
) -> Result<HashSet<CreditorId>, StoreError> {
    let mut set_up = HashSet::new();
    for plan in plans {
        let existing = store.creditor(&plan.id).await?;
        let interest_kind = plan
            .interest_kind
            .or(existing.as_ref().map(|c| c.interest_kind))
            .unwrap_or(if plan.any_business {
                InterestKind::Commercial
            } else {
                InterestKind::Consumer
            });
        let can_deduct_vat = plan
            .deducts_vat
            .or(existing.as_ref().map(|c| c.can_deduct_vat))
            .unwrap_or(true);
        let wanted = NewCreditor {
            id: plan.id.clone(),
            name: plan.name.clone(),
            kvk: existing.as_ref().and_then(|c| c.kvk.clone()),
            contact_email: existing.as_ref().and_then(|c| c.contact_email.clone()),
            contact_phone: existing.as_ref().and_then(|c| c.contact_phone.clone()),
            can_deduct_vat,
            interest_kind,
        };
        let differs = existing.as_ref().is_none_or(|c| {
            c.name != wanted.name
                || c.can_deduct_vat != can_deduct_vat
                || c.interest_kind != interest_kind
        });
        if differs {
            store.upsert_creditor(&wanted, now).await?;
        }
        set_up.insert(plan.id.clone());
    }
    Ok(set_up)
}

/// Shared by the dossier tasks of one import.
struct Context {
    store: Store,
    hasher: Arc<SecretHasher>,
    /// Bounds the hashes running at once to the CPUs meant for them.
    hash_slots: Semaphore,
    now: DateTime<Utc>,
    creditors: HashSet<CreditorId>,
}

impl Context {
    /// A fresh secret and its hash, computed on a blocking thread, and the time it took.
    async fn new_secret(&self) -> Result<(Secret, String, Duration), ImportError> {
        // Held until the hash is done. The semaphore is never closed, so this never fails;
        // were it to, hashing would only go unbounded.
        let _slot = self.hash_slots.acquire().await;
        let hasher = self.hasher.clone();
        let (secret, hash, took) = tokio::task::spawn_blocking(move || {
            let start = Instant::now();
            let secret = auth::new_secret();
            let hash = hasher.hash(secret.expose());
            (secret, hash, start.elapsed())
        })
        .await?;
        Ok((secret, hash?, took))
    }
}

/// What happened to one dossier.
#[derive(Debug)]
struct Processed {
    outcome: Outcome,
    warning: Option<String>,
    hashing: Duration,
}

#[derive(Debug)]
enum Outcome {
    Created(Option<NewSecret>),
    Updated(Option<NewSecret>),
    Unchanged,
    Rejected(String),
}

impl Processed {
    fn rejected(reason: String) -> Processed {
        Processed {
            outcome: Outcome::Rejected(reason),
            warning: None,
            hashing: Duration::ZERO,
        }
    }
}

/// What is stored for an existing dossier.
struct Current {
    dossier: Dossier,
    debtor: Option<DebtorDetails>,
    sources: Vec<FieldSource>,
    items: Vec<ClaimItem>,
    letters: Vec<CostLetter>,
}

impl Current {
    async fn load(store: &Store, dossier: Dossier) -> Result<Current, StoreError> {
        Ok(Current {
            debtor: store.debtor(&dossier.id).await?.map(|d| d.details),
            sources: store.debtor_field_sources(&dossier.id).await?,
            items: store.claim_items(&dossier.id).await?,
            letters: store.cost_letters(&dossier.id).await?,
            dossier,
        })
    }

    /// Whether writing `supplied` would change anything, by the store's own rules: a field
    /// the debtor had corrected keeps its value, and each held field names its source.
    fn debtor_differs(&self, supplied: &DebtorDetails) -> bool {
        let Some(stored) = &self.debtor else {
            return true;
        };
        if stored.kind != supplied.kind {
            return true;
        }
        DebtorField::ALL.iter().any(|&field| {
            let source = self.sources.iter().find(|s| s.field == field);
            if source.is_some_and(|s| s.kind == FieldSourceKind::Correction) {
                return false;
            }
            let value = supplied.get(field);
            value != stored.get(field) || value.is_some() != source.is_some()
        })
    }

    /// Whether the planned letter of `sent_on` would add an invoice or an announcement.
    fn letter_differs(&self, sent_on: NaiveDate, planned: &PlannedLetter) -> bool {
        let Some(stored) = self.letters.iter().find(|l| l.sent_on == sent_on) else {
            return true;
        };
        planned
            .costs_announced
            .is_some_and(|c| stored.costs_announced != Some(c))
            || planned.invoice_numbers.iter().any(|number| {
                !self.items.iter().any(|item| {
                    &item.invoice_number == number && stored.invoice_ids.contains(&item.id)
                })
            })
    }

    /// Whether any of `items` is missing or stored differently. Stored invoices the file
    /// does not list are kept: a file may bring only new invoices.
    fn items_differ(&self, items: &[NewClaimItem]) -> bool {
        items.iter().any(|item| {
            !self.items.iter().any(|stored| {
                stored.invoice_number == item.invoice_number
                    && stored.invoice_date == item.invoice_date
                    && stored.due_date == item.due_date
                    && stored.principal == item.principal
            })
        })
    }
}

/// What the report should say about the collection costs of a dossier: a person's invoice
/// that no letter sent after its due date asks for carries no costs (art. 6:96 lid 6 BW).
fn cost_warnings(plan: &DossierPlan, current: Option<&Current>) -> Option<String> {
    if plan.debtor.kind == DebtorKind::Business {
        return None;
    }
    let stored_letter_after = |number: &str, due: NaiveDate| {
        current.is_some_and(|c| {
            c.items
                .iter()
                .find(|i| i.invoice_number == number)
                .is_some_and(|item| {
                    c.letters.iter().any(|l| {
                        letter_counts_for(l.sent_on, due) && l.invoice_ids.contains(&item.id)
                    })
                })
        })
    };
    let uncovered: Vec<String> = plan
        .items
        .iter()
        .filter(|item| {
            !plan.letters.iter().any(|(sent_on, letter)| {
                letter_counts_for(*sent_on, item.due_date)
                    && letter.invoice_numbers.contains(&item.invoice_number)
            }) && !stored_letter_after(&item.invoice_number, item.due_date)
        })
        .map(|item| format!("{} (due {})", item.invoice_number, item.due_date))
        .collect();
    (!uncovered.is_empty()).then(|| {
        format!(
            "no collection costs on {}: no 14-day letter (letter_date) sent after the due date \
             asks for it; they follow once such a letter is imported and its term has ended",
            uncovered.join(", ")
        )
    })
}

/// Imports one dossier. `Err` only for failures that should stop the whole import.
async fn process(ctx: &Context, plan: &DossierPlan) -> Result<Processed, ImportError> {
    let number = plan.number.to_string();
    if !ctx.creditors.contains(&plan.creditor_id) {
        return Ok(Processed::rejected(format!(
            "creditor {} was not set up",
            plan.creditor_id
        )));
    }
    let current = match ctx.store.dossier_by_number(&number).await? {
        None => None,
        Some(dossier) if dossier.creditor_id != plan.creditor_id => {
            return Ok(Processed::rejected(format!(
                "dossier {number} already exists for creditor {}, not {}",
                dossier.creditor_id, plan.creditor_id
            )));
        }
        Some(dossier) => Some(Current::load(&ctx.store, dossier).await?),
    };
    let stored_letter = current
        .as_ref()
        .and_then(|c| c.dossier.last_claim_letter_at);
    let debtor_changed = current
        .as_ref()
        .is_none_or(|c| c.debtor_differs(&plan.debtor));
    let items_changed = current.as_ref().is_none_or(|c| c.items_differ(&plan.items));
    let letter_changed = plan
        .last_letter
        .is_some_and(|letter| stored_letter.is_none_or(|stored| letter > stored));
    let needs_secret = current
        .as_ref()
        .is_none_or(|c| c.dossier.secret_hash.is_none());

    let letters_changed = plan.letters.iter().any(|(sent_on, letter)| {
        current
            .as_ref()
            .is_none_or(|c| c.letter_differs(*sent_on, letter))
    });
    let warning = cost_warnings(plan, current.as_ref());

    if current.is_some()
        && !debtor_changed
        && !items_changed
        && !letter_changed
        && !letters_changed
        && !needs_secret
    {
        return Ok(Processed {
            outcome: Outcome::Unchanged,
            warning,
            hashing: Duration::ZERO,
        });
    }

    // Hashed before anything is written: a hashing failure then leaves the dossier untouched.
    let (secret, hashing) = if needs_secret {
        let (secret, hash, took) = ctx.new_secret().await?;
        (Some((secret, hash)), took)
    } else {
        (None, Duration::ZERO)
    };

    let written = match current {
        Some(current) if !debtor_changed && !items_changed => Created::Existing(current.dossier),
        _ => {
            let import = DossierImport {
                dossier: NewDossier {
                    number: number.clone(),
                    creditor_id: plan.creditor_id.clone(),
                    status: DossierStatus::Open,
                },
                debtor: plan.debtor.clone(),
                claim_items: plan.items.clone(),
            };
            match ctx.store.import_dossier(&import, ctx.now).await {
                Ok(written) => written,
                // Only a race with another import can get here (the checks above ran first).
                Err(StoreError::Conflict(why)) => {
                    return Ok(Processed::rejected(format!(
                        "the database refused it: {why}"
                    )));
                }
                Err(StoreError::Invalid(why)) => {
                    return Ok(Processed::rejected(format!(
                        "the database refused it: {why}"
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let created = written.is_new();
    let dossier = written.into_inner();

    if let Some(letter) = plan.last_letter
        && letter_changed
    {
        ctx.store
            .set_last_claim_letter(&dossier.id, letter, ctx.now)
            .await?;
    }
    if letters_changed {
        let items = ctx.store.claim_items(&dossier.id).await?;
        for (sent_on, letter) in &plan.letters {
            let invoice_ids = letter
                .invoice_numbers
                .iter()
                .filter_map(|n| items.iter().find(|i| &i.invoice_number == n).map(|i| i.id))
                .collect();
            ctx.store
                .record_cost_letter(
                    &dossier.id,
                    &NewCostLetter {
                        sent_on: *sent_on,
                        invoice_ids,
                        costs_announced: letter.costs_announced,
                    },
                    ctx.now,
                )
                .await?;
        }
    }
    // The secret goes last: if a step before fails, the dossier stays without one and the next
    // import completes it and issues one, so no secret is stored that the report does not hold.
    let mut issued = None;
    if let Some((secret, hash)) = secret
        // Another import may have created it meanwhile and issued a secret of its own.
        && (created || dossier.secret_hash.is_none())
    {
        ctx.store
            .set_dossier_secret(&dossier.id, &hash, ctx.now)
            .await?;
        issued = Some(NewSecret {
            dossier: plan.number,
            secret,
        });
    }
    Ok(Processed {
        outcome: if created {
            Outcome::Created(issued)
        } else {
            Outcome::Updated(issued)
        },
        warning,
        hashing,
    })
}
