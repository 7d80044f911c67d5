//! Background jobs that must run on one instance at a time: each round takes the job's
//! lease in the database (`job_lease`), runs, and lets the lease go; an instance that dies
//! mid-round loses it when it expires.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use store::Store;

/// Runs `round` every `every` (the first shortly after start-up) on whichever instance
/// takes `lease`; `ttl` must be longer than a round takes. A round that succeeds is noted as
/// `job`'s last success (`crate::metrics::job`).
pub fn spawn_leased<F, Fut>(
    store: Store,
    job: &'static str,
    lease: &'static str,
    every: Duration,
    ttl: chrono::Duration,
    round: F,
) where
    F: Fn(DateTime<Utc>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let holder = format!("{lease}-{}", uuid::Uuid::new_v4().simple());
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Not all instances at the same second after a deploy.
        tokio::time::sleep(Duration::from_millis(u64::from(rand_jitter()))).await;
        loop {
            ticks.tick().await;
            let now = Utc::now();
            match store.acquire_lease(lease, &holder, now, ttl).await {
                Ok(true) => {
                    match round(now).await {
                        Ok(()) => crate::metrics::job_succeeded(job, Utc::now()),
                        Err(e) => {
                            tracing::warn!(job = lease, error = %e, "job round failed; trying again later");
                        }
                    }
                    if let Err(e) = store.release_lease(lease, &holder).await {
                        tracing::warn!(job = lease, error = %e, "could not release a job lease; it expires");
                    }
                }
                Ok(false) => tracing::debug!(job = lease, "another instance runs this job"),
                Err(e) => tracing::warn!(job = lease, error = %e, "job lease check failed"),
            }
        }
    });
}

/// Up to ten seconds, different per process.
fn rand_jitter() -> u16 {
    (uuid::Uuid::new_v4().as_u128() % 10_000) as u16
}
