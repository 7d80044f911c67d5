//! Forgetting what is kept only for a while: ended sessions and second-factor steps,
//! sign-in attempts (they hold client addresses) and Pay.nl exchange calls (their bodies
//! hold payer details). Each serving instance sweeps
//! every hour; the deletes are idempotent, so instances need not take turns.

use chrono::{DateTime, Duration, Utc};
use store::{Store, StoreError};

/// How long each kind of record is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Sign-in attempts: the throttle looks back 24 hours at most; a day more covers a
    /// clock skew between instances and the investigation of an attack in progress (the
    /// audit log keeps every attempt for as long as the dossier).
    pub login_attempts: Duration,
    /// Refused exchange calls: long enough to investigate a forged call or a wrong key.
    pub refused_exchange_calls: Duration,
    /// Every other exchange call: the ledger and the payment hold what was booked; the raw
    /// call is kept for questions about a payment for a good year (one annual audit).
    pub exchange_calls: Duration,
    /// A session unused this long has ended (the portal's idle timeout); it and any
    /// session past its absolute end are deleted.
    pub session_idle: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            login_attempts: Duration::days(2),
            refused_exchange_calls: Duration::days(30),
            exchange_calls: Duration::days(400),
            session_idle: Duration::minutes(15),
        }
    }
}

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub login_attempts: u64,
    pub exchange_calls: u64,
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
    let exchange_calls = store
        .purge_refused_exchange_calls(now - retention.refused_exchange_calls)
        .await?
        + store
            .purge_exchange_calls(now - retention.exchange_calls)
            .await?;
    Ok(Swept {
        sessions,
        login_attempts,
        exchange_calls,
    })
}

/// Sweeps every `interval`, from shortly after start-up, for as long as the process runs.
pub fn spawn(store: Store, retention: Retention, interval: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match sweep(&store, retention, Utc::now()).await {
                Ok(swept) => tracing::debug!(?swept, "housekeeping"),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed; trying again later"),
            }
        }
    });
}
