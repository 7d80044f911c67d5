//! The one sign-in routine, for debtors (dossier number and letter secret) and staff
//! (username and password): check the throttle of every key the attempt counts against, verify the
//! secret with argon2 (a dummy verify when there is nothing stored, so an unknown name takes
//! as long as a wrong secret), and record the attempt for every key. Callers parse the input,
//! look up the stored hash, audit the outcome and open the session.
//!
//! Behind the `store` feature: the attempts live in the database, so the limits hold across
//! server processes.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use store::{AttemptKey, AttemptKeyKind, Store, StoreError};

use crate::secret_hash::SecretHasher;
use crate::throttle::ThrottlePolicy;

/// One sign-in attempt.
#[derive(Debug)]
pub struct Attempt {
    /// Each key the attempt counts against, with its policy (e.g. the dossier number and the
    /// client address).
    pub keys: Vec<(AttemptKey, ThrottlePolicy)>,
    /// The stored argon2 hash, `None` when the name is unknown (or has no secret).
    pub stored_hash: Option<String>,
    /// What was typed.
    pub typed: String,
}

impl Attempt {
    /// An attempt on `name` (a dossier number, a staff username) under `policy`, counted per
    /// client address too when the address is known (under [`ThrottlePolicy::ADDRESS`]).
    pub fn new(
        name: AttemptKey,
        policy: ThrottlePolicy,
        ip: Option<IpAddr>,
        stored_hash: Option<String>,
        typed: impl Into<String>,
    ) -> Attempt {
        let mut keys = vec![(name, policy)];
        if let Some(ip) = ip {
            keys.push((
                AttemptKey::new(AttemptKeyKind::Ip, ip.to_string()),
                ThrottlePolicy::ADDRESS,
            ));
        }
        Attempt {
            keys,
            stored_hash,
            typed: typed.into(),
        }
    }
}

/// How the attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Not evaluated: a key is throttled until then. Nothing was recorded.
    Throttled {
        /// When the next attempt is allowed.
        until: DateTime<Utc>,
    },
    /// Wrong secret or unknown name (the same answer for both).
    Wrong,
    /// The secret matches the stored hash.
    Right,
}

/// Why the attempt could not be judged.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The database failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The hashing task failed.
    #[error("hashing task failed")]
    Task,
}

/// Judges `attempt` at `now`: throttled before any argon2 work (so a throttled guesser costs
/// nothing), else verified (off the async workers) and recorded against every key.
pub async fn check(
    store: &Store,
    hasher: &Arc<SecretHasher>,
    attempt: Attempt,
    now: DateTime<Utc>,
) -> Result<Verdict, SignInError> {
    let mut wait_until = None;
    for (key, policy) in &attempt.keys {
        wait_until = wait_until.max(throttled_until(store, key, *policy, now).await?);
    }
    if let Some(until) = wait_until {
        return Ok(Verdict::Throttled { until });
    }
    let hasher = hasher.clone();
    let Attempt {
        keys,
        stored_hash,
        typed,
    } = attempt;
    // argon2 is CPU-bound: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || match stored_hash {
        Some(hash) => hasher.verify(&typed, &hash).unwrap_or(false),
        None => hasher.verify_dummy(&typed),
    })
    .await
    .map_err(|_| SignInError::Task)?;
    for (key, _) in &keys {
        store.record_login_attempt(key, ok, now).await?;
    }
    Ok(if ok { Verdict::Right } else { Verdict::Wrong })
}

/// When `key` may try again under `policy`: from its failures since the window start or its
/// last success, whichever is later (a success wipes the slate).
async fn throttled_until(
    store: &Store,
    key: &AttemptKey,
    policy: ThrottlePolicy,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let mut since = policy.window_start(now);
    if let Some(ok_at) = store.last_login_success(key).await? {
        since = since.max(ok_at);
    }
    let failures = store
        .login_failure_times(key, since, i64::from(policy.lock_after))
        .await?;
    Ok(policy.next_allowed(&failures, now))
}
