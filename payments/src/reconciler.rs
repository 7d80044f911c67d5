//! The reconciler: re-reads payments left open, so a lost exchange call loses nothing.

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use crate::error::PayError;
use crate::service::PaymentService;

/// The job lease's name in `job_lease`.
pub const RECONCILER_LEASE: &str = "payments.reconciler";

/// How often and how much the reconciler works.
#[derive(Debug, Clone)]
pub struct ReconcilerConfig {
    /// Time between rounds.
    pub interval: StdDuration,
    /// How long the lease lasts without renewal (longer than a round takes; a holder that
    /// dies is replaced after this).
    pub lease_ttl: Duration,
    /// Payments read per query.
    pub batch_size: i64,
}

impl Default for ReconcilerConfig {
    /// A round a minute, a 5-minute lease, 100 payments per query.
    fn default() -> Self {
        ReconcilerConfig {
            interval: StdDuration::from_secs(60),
            lease_ttl: Duration::minutes(5),
            batch_size: 100,
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReconcileReport {
    /// Payments asked about.
    pub checked: u32,
    /// Payments whose status changed.
    pub changed: u32,
    /// Payments for which Pay.nl or the database failed (tried again after the stale time).
    pub failed: u32,
}

/// Re-checks stale open payments with Pay.nl. Several instances may run one each; the job
/// lease lets one of them work at a time.
#[derive(Debug, Clone)]
pub struct Reconciler {
    service: PaymentService,
    config: ReconcilerConfig,
    holder: String,
}

impl Reconciler {
    /// A reconciler with a random holder id for the lease.
    pub fn new(service: PaymentService, config: ReconcilerConfig) -> Self {
        Reconciler {
            service,
            config,
            holder: format!("reconciler-{}", uuid::Uuid::new_v4().simple()),
        }
    }

    /// The id this instance holds the lease under.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// One round, without the lease: every payment with an order, still open, and not
    /// changed or checked for [`crate::PaymentConfig::stale_after`], is re-read from Pay.nl
    /// and the answer applied.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<ReconcileReport, PayError> {
        let store = self.service.store();
        let older_than = now - self.service.config().stale_after;
        let mut report = ReconcileReport::default();
        let mut seen = HashSet::new();
        loop {
            let batch = store
                .payments_needing_check(older_than, self.config.batch_size)
                .await?;
            let fresh: Vec<_> = batch
                .into_iter()
                .filter(|p| seen.insert(p.id.clone()))
                .collect();
            if fresh.is_empty() {
                break;
            }
            for payment in &fresh {
                report.checked += 1;
                let Some(order_id) = payment.paynl_order_id.as_deref() else {
                    continue;
                };
                let result = match self.service.client().order_status(order_id).await {
                    Ok(status) => self.service.apply_status(payment, &status, now).await,
                    Err(e) => Err(PayError::ProviderUnavailable {
                        outcome_unknown: false,
                        detail: e.to_string(),
                    }),
                };
                match result {
                    Ok(applied) if applied.status != payment.status => {
                        tracing::info!(payment = %payment.id, from = %payment.status, to = %applied.status, outcome = %applied.outcome(), "reconciler updated a payment");
                        report.changed += 1;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(payment = %payment.id, error = %e, "reconciler could not check a payment");
                        report.failed += 1;
                    }
                }
                // Checked, even when it failed: it comes back after the stale time instead
                // of blocking the queue.
                store.mark_payment_checked(&payment.id, now).await?;
            }
        }
        if report.checked > 0 {
            tracing::info!(?report, "reconciler round done");
        }
        Ok(report)
    }

    /// Runs rounds every [`ReconcilerConfig::interval`] while holding the job lease, until
    /// `shutdown` completes; then gives the lease up.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        let store = self.service.store();
        let mut ticks = tokio::time::interval(self.config.interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut holding = false;
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = ticks.tick() => {}
            }
            let now = Utc::now();
            let held = if holding {
                store
                    .renew_lease(RECONCILER_LEASE, &self.holder, now, self.config.lease_ttl)
                    .await
            } else {
                store
                    .acquire_lease(RECONCILER_LEASE, &self.holder, now, self.config.lease_ttl)
                    .await
            };
            match held {
                Ok(true) => {
                    if !holding {
                        tracing::info!(holder = %self.holder, "reconciler lease acquired");
                    }
                    holding = true;
                    let round = tokio::select! {
                        () = &mut shutdown => break,
                        round = self.run_once(now) => round,
                    };
                    if let Err(e) = round {
                        tracing::warn!(error = %e, "reconciler round failed");
                    }
                }
                Ok(false) => {
                    if holding {
                        tracing::warn!(holder = %self.holder, "reconciler lease lost");
                    }
                    holding = false;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "reconciler lease check failed");
                    holding = false;
                }
            }
        }
        if holding && let Err(e) = store.release_lease(RECONCILER_LEASE, &self.holder).await {
            tracing::warn!(error = %e, "could not release the reconciler lease");
        }
    }
}
