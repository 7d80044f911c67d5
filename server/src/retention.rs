//! The retention job: removes the dossiers whose retention has passed (the rule is
//! `domain::RetentionPolicy`: seven years after the last claim letter, never earlier than two
//! years after closing, never while open) with every trace of the person
//! (`Store::forget_dossier`). What the books keep is the amounts per creditor, in the run's
//! audit event; no number, name or id of a removed dossier survives.
//!
//! Runs in every serving instance under the job lease `retention.dossiers` (one at a time),
//! and once from the command line (`debiteurportaal retention [--dry-run]`).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Months, NaiveDate, Utc};
use domain::RetentionPolicy;
use serde_json::json;
use store::{ActorKind, Dossier, NewAuditEvent, Store, StoreError};

/// The job lease's name.
pub const LEASE: &str = "retention.dossiers";

/// Dossiers read per query.
const BATCH: i64 = 500;

/// What is due on a day, as the dry run shows it.
#[derive(Debug, Default)]
pub struct Due {
    /// Closed dossiers past their retention: removed by a run.
    pub remove: Vec<(Dossier, NaiveDate)>,
    /// Open dossiers whose last letter is older than the letter rule: kept while open,
    /// for staff to close.
    pub held_open: Vec<(Dossier, NaiveDate)>,
}

/// What a run removed, per creditor: (dossiers, principal cents, booked cents).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Removed {
    pub dossiers: u64,
    pub per_creditor: BTreeMap<String, (u64, i64, i64)>,
    /// Open dossiers past the letter rule, kept.
    pub held_open: u64,
}

/// The day from which the dossier's letter rule counts: its last letter, or the day it was
/// taken on.
fn letter_day(dossier: &Dossier) -> NaiveDate {
    dossier
        .last_claim_letter_at
        .unwrap_or_else(|| claim::dutch_date(dossier.created_at))
}

/// The last day `dossier` is kept, when it is closed and past it on `today`.
fn due_on(policy: RetentionPolicy, dossier: &Dossier, today: NaiveDate) -> Option<NaiveDate> {
    let closed_on = dossier.closed_at.map(claim::dutch_date);
    match policy.retention(letter_day(dossier), closed_on)? {
        domain::Retention::Until { last_day } if last_day < today => Some(last_day),
        _ => None,
    }
}

/// `years` before `today`: a date before which a letter (or a closing) is certainly older.
fn years_before(today: NaiveDate, years: u32) -> Option<NaiveDate> {
    today.checked_sub_months(Months::new(years.checked_mul(12)?))
}

/// The closed dossiers due on `today` not `seen` before, from a read of at most `limit`.
async fn candidates(
    store: &Store,
    policy: RetentionPolicy,
    today: NaiveDate,
    seen: &mut HashSet<domain::DossierId>,
    limit: i64,
) -> Result<Vec<(Dossier, NaiveDate)>, StoreError> {
    let (Some(letter_before), Some(closed_on_before)) = (
        years_before(today, policy.years_after_letter),
        years_before(today, policy.years_after_close),
    ) else {
        return Ok(Vec::new());
    };
    // The database narrows the search (around 29 February it may leave a dossier for the
    // next day); the policy decides on each.
    let closed_before = closed_on_before
        .and_hms_opt(0, 0, 0)
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.and_utc());
    let batch = store
        .closed_dossiers_before(letter_before, closed_before, limit)
        .await?;
    Ok(batch
        .into_iter()
        .filter(|d| seen.insert(d.id.clone()))
        .filter_map(|d| due_on(policy, &d, today).map(|last| (d, last)))
        .collect())
}

/// What would go on `today` (the dry run), and what is kept only because it is open.
pub async fn due(
    store: &Store,
    policy: RetentionPolicy,
    today: NaiveDate,
) -> Result<Due, StoreError> {
    let mut out = Due {
        remove: candidates(store, policy, today, &mut HashSet::new(), i64::MAX).await?,
        ..Due::default()
    };
    if let Some(letter_before) = years_before(today, policy.years_after_letter) {
        out.held_open = store
            .open_dossiers_before(letter_before, i64::MAX)
            .await?
            .into_iter()
            .filter_map(|d| {
                let last = policy.letter_last_day(letter_day(&d))?;
                (last < today).then_some((d, last))
            })
            .collect();
    }
    Ok(out)
}

/// Removes every dossier due on `today`; audits the run with counts and amounts only.
pub async fn run(
    store: &Store,
    policy: RetentionPolicy,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Removed, StoreError> {
    let mut removed = Removed::default();
    let mut seen = HashSet::new();
    loop {
        let before = seen.len();
        // Removed ones are gone from the next read; one the policy keeps after all (closed
        // late in the evening, Dutch time) is skipped as seen.
        let batch = candidates(store, policy, today, &mut seen, BATCH).await?;
        if seen.len() == before {
            break;
        }
        for (dossier, _) in batch {
            if let Some(gone) = store.forget_dossier(&dossier.id).await? {
                removed.dossiers += 1;
                let entry = removed
                    .per_creditor
                    .entry(gone.creditor_id.to_string())
                    .or_default();
                entry.0 += 1;
                entry.1 += gone.principal.cents();
                entry.2 += gone.booked.cents();
            }
        }
    }
    if let Some(letter_before) = years_before(today, policy.years_after_letter) {
        removed.held_open = store
            .open_dossiers_before(letter_before, i64::MAX)
            .await?
            .iter()
            .filter(|d| {
                policy
                    .letter_last_day(letter_day(d))
                    .is_some_and(|last| last < today)
            })
            .count() as u64;
    }
    let per_creditor: Vec<_> = removed
        .per_creditor
        .iter()
        .map(|(creditor, (dossiers, principal, booked))| {
            json!({
                "creditor": creditor,
                "dossiers": dossiers,
                "principal_cents": principal,
                "booked_cents": booked,
            })
        })
        .collect();
    store
        .append_audit(&NewAuditEvent {
            at: now,
            actor_kind: ActorKind::System,
            actor_id: Some("retention".into()),
            dossier_id: None,
            action: "retention.run".into(),
            detail: json!({
                "day": today.to_string(),
                "years_after_letter": policy.years_after_letter,
                "years_after_close": policy.years_after_close,
                "removed": removed.dossiers,
                "held_open": removed.held_open,
                "per_creditor": per_creditor,
            }),
            client_ip: None,
            counsellor: None,
        })
        .await?;
    crate::metrics::rows_removed("dossiers", removed.dossiers);
    tracing::info!(
        removed = removed.dossiers,
        held_open = removed.held_open,
        "retention run"
    );
    Ok(removed)
}
