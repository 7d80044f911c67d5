//! The reconciler: re-reads payments left open, and paid ones for a while after, so a lost
//! exchange call loses nothing: not a payment, and not a refund or chargeback that comes
//! weeks later.

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use store::{Payment, RecheckTier};

use crate::error::PayError;
use crate::service::PaymentService;

/// The job lease's name in `job_lease`.
pub const RECONCILER_LEASE: &str = "payments.reconciler";

/// How long after a payment a refund or chargeback of it is still looked for.
pub const DEFAULT_PAID_WINDOW: Duration = Duration::days(180);

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
    /// How paid payments are re-read for refunds and chargebacks whose call was lost.
    pub paid: PaidRecheck,
}

/// How often a paid payment is re-read, by its age: recent ones often (a refund usually
/// follows within days), old ones rarely, none after the last band (a chargeback can come
/// up to about 180 days after the payment: card schemes allow 120 days from the
/// transaction or from the expected delivery, SEPA direct debits 8 weeks, iDEAL none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidRecheck {
    /// Age bands from young to old: a payment younger than `younger_than` (and not
    /// younger than the band before) is re-read when not checked for `every`.
    pub bands: Vec<RecheckBand>,
    /// At most this many paid payments per round, to stay well within Pay.nl's rate limits
    /// whatever the backlog (the rest come in later rounds, least recently checked first).
    pub per_round: u32,
}

/// One age band of [`PaidRecheck`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecheckBand {
    /// Payments younger than this.
    pub younger_than: Duration,
    /// Re-read when not checked for this long.
    pub every: Duration,
}

impl PaidRecheck {
    /// Paid payments are re-read for `window` after they were made: hourly in the first
    /// week, every 6 hours in the first 30 days, daily after that (the bands are cut to
    /// the window); 120 per round.
    pub fn within(window: Duration) -> Self {
        let bands = [
            (Duration::days(7), Duration::hours(1)),
            (Duration::days(30), Duration::hours(6)),
            (window, Duration::days(1)),
        ]
        .into_iter()
        .filter(|&(younger_than, _)| younger_than <= window)
        .map(|(younger_than, every)| RecheckBand {
            younger_than,
            every,
        })
        .collect();
        PaidRecheck {
            bands,
            per_round: 120,
        }
    }

    /// No re-reads of paid payments.
    pub fn off() -> Self {
        PaidRecheck {
            bands: Vec::new(),
            per_round: 0,
        }
    }

    /// The store's bands as of `now`.
    fn tiers(&self, now: DateTime<Utc>) -> Vec<RecheckTier> {
        self.bands
            .iter()
            .map(|band| RecheckTier {
                made_since: now - band.younger_than,
                checked_before: now - band.every,
            })
            .collect()
    }
}

impl Default for ReconcilerConfig {
    /// A round a minute, a 5-minute lease, 100 payments per query, paid payments re-read
    /// for 180 days.
    fn default() -> Self {
        ReconcilerConfig {
            interval: StdDuration::from_secs(60),
            lease_ttl: Duration::minutes(5),
            batch_size: 100,
            paid: PaidRecheck::within(DEFAULT_PAID_WINDOW),
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
    /// Of `checked`, paid payments re-read for refunds and chargebacks.
    pub paid_checked: u32,
}

/// Re-checks stale open payments with Pay.nl. Several instances may run one each; the job
/// lease lets one of them work at a time.
#[derive(Debug, Clone)]
pub struct Reconciler {
    service: PaymentService,
    config: ReconcilerConfig,
    holder: String,
    on_success: Option<RoundHook>,
}

/// Called after each round that succeeded, with when it started and what it did.
type RoundFn = dyn Fn(DateTime<Utc>, &ReconcileReport) + Send + Sync;

/// A caller's hook, e.g. the server's metrics (which this crate need not know about).
#[derive(Clone)]
struct RoundHook(std::sync::Arc<RoundFn>);

impl std::fmt::Debug for RoundHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RoundHook")
    }
}

impl Reconciler {
    /// A reconciler with a random holder id for the lease.
    pub fn new(service: PaymentService, config: ReconcilerConfig) -> Self {
        Reconciler {
            service,
            config,
            holder: format!("reconciler-{}", uuid::Uuid::new_v4().simple()),
            on_success: None,
        }
    }

    /// Calls `hook` after every round of [`Reconciler::run`] that succeeded.
    pub fn on_success(
        mut self,
        hook: impl Fn(DateTime<Utc>, &ReconcileReport) + Send + Sync + 'static,
    ) -> Self {
        self.on_success = Some(RoundHook(std::sync::Arc::new(hook)));
        self
    }

    /// The id this instance holds the lease under.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// One round, without the lease: every payment with an order, still open, and not
    /// changed or checked for [`crate::PaymentConfig::stale_after`], is re-read from Pay.nl
    /// and the answer applied; then the paid payments due by [`ReconcilerConfig::paid`]
    /// (at most its `per_round`), so a refund or chargeback whose exchange call was lost is
    /// booked anyway.
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
                self.check(payment, now, &mut report).await?;
            }
        }
        let tiers = self.config.paid.tiers(now);
        let mut budget = self.config.paid.per_round;
        while budget > 0 {
            let batch = store
                .paid_payments_due_for_recheck(
                    &tiers,
                    self.config.batch_size.min(i64::from(budget)),
                )
                .await?;
            let fresh: Vec<_> = batch
                .into_iter()
                .filter(|p| seen.insert(p.id.clone()))
                .collect();
            if fresh.is_empty() {
                break;
            }
            for payment in &fresh {
                self.check(payment, now, &mut report).await?;
                report.paid_checked += 1;
                budget -= 1;
            }
        }
        if report.checked > 0 {
            tracing::info!(?report, "reconciler round done");
        }
        Ok(report)
    }

    /// Re-reads one payment's order and applies it (refunds and chargebacks it lists
    /// included), then marks it checked.
    async fn check(
        &self,
        payment: &Payment,
        now: DateTime<Utc>,
        report: &mut ReconcileReport,
    ) -> Result<(), PayError> {
        report.checked += 1;
        let Some(order_id) = payment.paynl_order_id.as_deref() else {
            return Ok(());
        };
        let result = match self.service.client().order_status(order_id).await {
            Ok(status) => self.service.apply_status(payment, &status, now).await,
            Err(e) => Err(PayError::ProviderUnavailable {
                outcome_unknown: false,
                detail: e.to_string(),
            }),
        };
        match result {
            Ok(applied) if applied.status != payment.status || !applied.booked.is_empty() => {
                tracing::info!(payment = %payment.id, from = %payment.status, to = %applied.status, outcome = %applied.outcome(), "reconciler updated a payment");
                report.changed += 1;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(payment = %payment.id, error = %e, "reconciler could not check a payment");
                report.failed += 1;
            }
        }
        // Checked, even when it failed: it comes back after its wait instead of blocking
        // the queue.
        self.service
            .store()
            .mark_payment_checked(&payment.id, now)
            .await?;
        Ok(())
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
                    match round {
                        Ok(report) => {
                            if let Some(hook) = &self.on_success {
                                (hook.0)(now, &report);
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "reconciler round failed"),
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
