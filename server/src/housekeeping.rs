//! Forgetting what is kept only for a while: ended sessions and second-factor steps,
//! sign-in attempts (they hold client addresses), Pay.nl exchange calls (their bodies hold
//! payer details, and the caller's address is kept beside them), job leases left behind, and
//! income and expenses statements with their files a year after their plan ended
//! (`domain::PLAN_BUDGET_KEPT_MONTHS`, whose comment gives the reason).
//!
//! One instance sweeps each hour, under the job lease [`LEASE`] (started by
//! `server::spawn_jobs`). The deletes would be harmless on every instance at once, but one
//! sweep gives one count per hour in the metrics and no instances racing over the same rows.
//! Nothing is audited: a sweep concerns no dossier and removes nobody's claim; the counts go
//! to the log and to `portal_rows_removed_total`.

use chrono::{DateTime, Duration, Utc};
use store::{Store, StoreError};

/// The job lease's name.
pub const LEASE: &str = "housekeeping";

/// How long each kind of record is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Sign-in attempts: the throttle looks back 24 hours at most; what is kept beyond that
    /// is for looking into an attack after the fact (`login_attempts_days`, 30 by default;
    /// the audit log keeps every attempt on a dossier for as long as the dossier).
    pub login_attempts: Duration,
    /// Refused exchange calls: long enough to investigate a forged call or a wrong key
    /// (`/staff/payments` lists the last 30 days).
    pub refused_exchange_calls: Duration,
    /// Accepted exchange calls lose their body and the caller's address after this long.
    /// What stays (when, which order, what we did) answers "did Pay.nl tell us, and when?";
    /// nothing reads an old body: the reconciler asks Pay.nl itself, `/staff/payments` reads
    /// only refused calls of the last 30 days, and what was booked is in the ledger.
    pub exchange_call_bodies: Duration,
    /// ...and the rest of the row goes after this long: questions about a payment come
    /// within a good year (one annual audit).
    pub exchange_calls: Duration,
    /// Job leases that expired this long ago: their holder died, or the job (a booking on
    /// one dossier) has not run since. A day leaves every lease in use, whatever its expiry.
    pub expired_leases: Duration,
    /// A session unused this long has ended (the portal's idle timeout); it and any
    /// session past its absolute end are deleted.
    pub session_idle: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            login_attempts: Duration::days(30),
            refused_exchange_calls: Duration::days(30),
            exchange_call_bodies: Duration::days(90),
            exchange_calls: Duration::days(400),
            expired_leases: Duration::days(1),
            session_idle: Duration::minutes(15),
        }
    }
}

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub login_attempts: u64,
    /// Exchange calls deleted.
    pub exchange_calls: u64,
    /// Exchange calls whose body and caller address were blanked.
    pub exchange_call_bodies: u64,
    pub job_leases: u64,
    /// Income and expenses statements deleted with their files.
    pub plan_budgets: u64,
}

/// Removes everything older than its retention at `now`.
pub async fn sweep(
    store: &Store,
    retention: Retention,
    now: DateTime<Utc>,
) -> Result<Swept, StoreError> {
    let sessions = store
        .purge_expired_sessions(now, retention.session_idle)
        .await?
        + store.purge_staff_challenges(now).await?;
    let login_attempts = store
        .purge_login_attempts(now - retention.login_attempts)
        .await?;
    // Deleted before blanking, so a call due for both is counted once, as deleted.
    let exchange_calls = store
        .purge_refused_exchange_calls(now - retention.refused_exchange_calls)
        .await?
        + store
            .purge_exchange_calls(now - retention.exchange_calls)
            .await?;
    let exchange_call_bodies = store
        .strip_exchange_calls(now - retention.exchange_call_bodies)
        .await?;
    let job_leases = store
        .purge_expired_leases(now - retention.expired_leases)
        .await?;
    let plan_budgets = store
        .purge_plan_budgets(plan_budgets_ended_before(now))
        .await?;
    Ok(Swept {
        plan_budgets,
        sessions,
        login_attempts,
        exchange_calls,
        exchange_call_bodies,
        job_leases,
    })
}

/// Statements whose plan ended before this are due: the one rule is
/// `domain::plan_budget_kept_until` (kept until `PLAN_BUDGET_KEPT_MONTHS` after the end).
fn plan_budgets_ended_before(now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_sub_months(chrono::Months::new(domain::PLAN_BUDGET_KEPT_MONTHS))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// One round of the job: a sweep, counted in the metrics.
pub async fn round(
    store: &Store,
    retention: Retention,
    now: DateTime<Utc>,
) -> Result<Swept, StoreError> {
    let swept = sweep(store, retention, now).await?;
    for (kind, n) in [
        ("sessions", swept.sessions),
        ("login_attempts", swept.login_attempts),
        ("exchange_calls", swept.exchange_calls),
        ("exchange_call_bodies", swept.exchange_call_bodies),
        ("job_leases", swept.job_leases),
        ("plan_budgets", swept.plan_budgets),
    ] {
        crate::metrics::rows_removed(kind, n);
    }
    tracing::debug!(?swept, "housekeeping");
    Ok(swept)
}
