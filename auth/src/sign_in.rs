//! The one sign-in routine, for debtors (dossier number and letter secret) and staff
//! (username and password): check the throttle of every key the attempt counts against and
//! record the attempt as failed, in one atomic step; then verify the secret with argon2 (a
//! dummy verify when there is nothing stored, so an unknown name takes as long as a wrong
//! secret) and mark the attempt a success if it was right. Callers parse the input,
//! look up the stored hash, audit the outcome and open the session.
//!
//! Behind the `store` feature: the attempts live in the database, so the limits hold across
//! server processes.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use store::{AttemptKey, AttemptKeyKind, HistoryQuery, Reservation, Store, StoreError};

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
        Attempt {
            keys: keys_for(name, policy, ip),
            stored_hash,
            typed: typed.into(),
        }
    }
}

/// The keys a guess at `name` under `policy` counts against: the name, and the client
/// address (under [`ThrottlePolicy::ADDRESS`]) when it is known.
pub fn keys_for(
    name: AttemptKey,
    policy: ThrottlePolicy,
    ip: Option<IpAddr>,
) -> Vec<(AttemptKey, ThrottlePolicy)> {
    let mut keys = vec![(name, policy)];
    if let Some(ip) = ip {
        keys.push((address_key(ip), ThrottlePolicy::ADDRESS));
    }
    keys
}

/// How the attempt went; `T` is what the verifier found when the guess was right (nothing
/// for a secret, how it passed for the staff's second factor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict<T = ()> {
    /// Not evaluated: a key is throttled until then. Nothing was recorded.
    Throttled {
        /// When the next attempt is allowed.
        until: DateTime<Utc>,
    },
    /// Wrong secret or unknown name (the same answer for both).
    Wrong,
    /// The guess was right.
    Right(T),
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

/// Judges `attempt` at `now`. The attempt is first recorded as a failure against every key,
/// atomically with the throttle check (so guesses sent in parallel are judged one after
/// another and a throttled one costs no argon2 work); only then is the secret verified (off
/// the async workers), and a right one turns the record into a success.
pub async fn check(
    store: &Store,
    hasher: &Arc<SecretHasher>,
    attempt: Attempt,
    now: DateTime<Utc>,
) -> Result<Verdict, SignInError> {
    let Attempt {
        keys,
        stored_hash,
        typed,
    } = attempt;
    let hasher = hasher.clone();
    throttled(store, &keys, now, || async move {
        // argon2 is CPU-bound: keep it off the async workers.
        let right = tokio::task::spawn_blocking(move || match stored_hash {
            Some(hash) => hasher.verify(&typed, &hash).unwrap_or(false),
            None => hasher.verify_dummy(&typed),
        })
        .await
        .map_err(|_| SignInError::Task)?;
        Ok(right.then_some(()))
    })
    .await
}

/// Any guess at a secret under the throttle of `keys`: recorded as a failure before
/// `verify` runs, atomically with the check, and turned into a success when `verify` finds
/// the guess right (`Some`, with what it found). [`check`] is this with argon2; the staff's
/// second factor is this with a TOTP or recovery code.
pub async fn throttled<T, F, Fut>(
    store: &Store,
    keys: &[(AttemptKey, ThrottlePolicy)],
    now: DateTime<Utc>,
    verify: F,
) -> Result<Verdict<T>, SignInError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, SignInError>>,
{
    let queries: Vec<HistoryQuery> = keys
        .iter()
        .map(|(key, policy)| {
            let (since, limit) = policy.history_needed(now);
            HistoryQuery {
                key: key.clone(),
                since,
                limit: i64::from(limit),
            }
        })
        .collect();
    let reservation = store
        .reserve_login_attempt(&queries, now, |histories| {
            keys.iter()
                .zip(histories)
                .filter_map(|((_, policy), h)| {
                    policy.refused_until(&h.failures, h.last_success, now)
                })
                .max()
        })
        .await?;
    let reserved = match reservation {
        Reservation::Refused { until } => {
            // Named with the server's other metrics (`server/src/metrics.rs`).
            metrics::counter!("portal_sign_in_throttled_total").increment(1);
            return Ok(Verdict::Throttled { until });
        }
        Reservation::Reserved(reserved) => reserved,
    };
    match verify().await? {
        Some(found) => {
            store.settle_login_success(&reserved).await?;
            Ok(Verdict::Right(found))
        }
        None => Ok(Verdict::Wrong),
    }
}

/// The key an address counts against: an IPv4 address itself, an IPv6 address by its /64
/// (one subscriber usually gets a whole /64, so the bits below are free to rotate).
pub fn address_key(ip: IpAddr) -> AttemptKey {
    let value = match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", std::net::Ipv6Addr::from(prefix))
            }
        },
    };
    AttemptKey::new(AttemptKeyKind::Ip, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_per_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().expect("ip");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(address_key(a), address_key(b));
        assert_eq!(address_key(a).value, "2001:db8:1:2::/64");
        assert_ne!(address_key(a), address_key(other));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().expect("ip");
        assert_eq!(address_key(mapped).value, "192.0.2.7");
        let v4: IpAddr = "192.0.2.7".parse().expect("ip");
        assert_eq!(address_key(v4).value, "192.0.2.7");
    }
}
