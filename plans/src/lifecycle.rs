//! The daily job: instalments late after their due date plus grace, plans defaulted after
//! too many, plans completed when paid.

use std::future::Future;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Days, Duration, Months, NaiveDate, Utc};
use domain::Notice;
use serde_json::json;
use store::{
    ActorKind, DossierStatus, InstalmentStatus, NewAuditEvent, NewMail, PaymentPlan, PlanStatus,
};

use crate::error::PlansError;
use crate::service::PlanService;

/// The job lease's name in `job_lease`.
pub const LIFECYCLE_LEASE: &str = "plans.lifecycle";

/// How often the job runs and how long its lease lasts.
#[derive(Debug, Clone)]
pub struct LifecycleConfig {
    /// Time between rounds (a day).
    pub interval: StdDuration,
    /// The lease lasts a little longer than a round interval, so the holder keeps it from
    /// one day to the next and another instance takes over only when it is gone.
    pub lease_ttl: Duration,
}

impl Default for LifecycleConfig {
    fn default() -> Self {
        LifecycleConfig {
            interval: StdDuration::from_secs(24 * 60 * 60),
            lease_ttl: Duration::hours(25),
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LifecycleReport {
    /// Active plans looked at.
    pub plans: u32,
    /// Instalments marked paid from the ledger.
    pub paid: u32,
    /// Instalments marked late.
    pub late: u32,
    /// Plans completed.
    pub completed: u32,
    /// Plans defaulted.
    pub defaulted: u32,
    /// Missed instalments moved to the end of their plan (the plan's one tolerance).
    pub moved: u32,
    /// Deferrals (pay later in one sum) paid in full, and ended unpaid.
    pub deferrals: crate::DeferralReport,
    /// Plans that failed (tried again next round).
    pub failed: u32,
}

/// The daily plan job. Several instances may run one each; the lease lets one work.
#[derive(Debug, Clone)]
pub struct LifecycleJob {
    service: PlanService,
    config: LifecycleConfig,
    holder: String,
    on_success: Option<RoundHook>,
}

/// Called after each round that succeeded, with when it started and what it did.
type RoundFn = dyn Fn(DateTime<Utc>, &LifecycleReport) + Send + Sync;

/// A caller's hook, e.g. the server's metrics (which this crate need not know about).
#[derive(Clone)]
struct RoundHook(std::sync::Arc<RoundFn>);

impl std::fmt::Debug for RoundHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RoundHook")
    }
}

impl LifecycleJob {
    /// A job with a random holder id for the lease.
    pub fn new(service: PlanService, config: LifecycleConfig) -> Self {
        LifecycleJob {
            service,
            config,
            holder: format!("plans-lifecycle-{}", uuid::Uuid::new_v4().simple()),
            on_success: None,
        }
    }

    /// Calls `hook` after every round of [`LifecycleJob::run`] that succeeded.
    pub fn on_success(
        mut self,
        hook: impl Fn(DateTime<Utc>, &LifecycleReport) + Send + Sync + 'static,
    ) -> Self {
        self.on_success = Some(RoundHook(std::sync::Arc::new(hook)));
        self
    }

    /// The id this instance holds the lease under.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// One round, without the lease, for every active plan: [`PlanService::sync`]; then the
    /// first instalment still open after its due date plus the grace days moves to the end
    /// of the plan when the rules allow it and the plan never moved one (`move_first_miss`);
    /// every other such instalment is marked late; a plan
    /// with as many misses (late, or moved and unpaid) as the rules' `misses_before_default`
    /// is defaulted (its
    /// late instalments become missed, the dossier is open again). The plan never changed the
    /// balance, so after a default the full balance is simply open. Audited as the system.
    /// Idempotent: a second round on the same day changes nothing.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<LifecycleReport, PlansError> {
        let plans = self
            .service
            .store()
            .plans_with_status(PlanStatus::Active)
            .await?;
        let mut report = LifecycleReport::default();
        for plan in plans {
            report.plans += 1;
            if let Err(e) = self.plan_round(&plan, now, &mut report).await {
                tracing::warn!(plan = %plan.id, error = %e, "plan lifecycle failed");
                report.failed += 1;
            }
        }
        match self.service.deferral_round(now).await {
            Ok(deferrals) => report.deferrals = deferrals,
            Err(e) => {
                tracing::warn!(error = %e, "deferral round failed");
                report.failed += 1;
            }
        }
        if report.plans > 0 || report.deferrals.deferrals > 0 {
            tracing::info!(?report, "plan lifecycle round done");
        }
        Ok(report)
    }

    async fn plan_round(
        &self,
        plan: &PaymentPlan,
        now: DateTime<Utc>,
        report: &mut LifecycleReport,
    ) -> Result<(), PlansError> {
        let store = self.service.store();
        let Some(synced) = booking::sync_plan(store, &plan.dossier_id, now).await? else {
            // No longer active (completed or ended meanwhile).
            return Ok(());
        };
        report.paid += u32::try_from(synced.paid.len()).unwrap_or(u32::MAX);
        if synced.completed {
            report.completed += 1;
            return Ok(());
        }
        let rules = self.service.rules_for_dossier(&plan.dossier_id).await?;
        let today = claim::dutch_date(now);
        // Re-read: sync may have changed statuses.
        let plan = store
            .plan(&plan.id)
            .await?
            .ok_or(PlansError::PlanNotFound)?;
        let mut marked = Vec::new();
        let mut moved = None;
        let mut tolerance_left =
            rules.move_first_miss && plan.instalments.iter().all(|i| i.moved_from.is_none());
        // A term that fell in a pause in collection counts from the day after it.
        let pauses = store.pause_days(&plan.dossier_id).await?;
        for instalment in &plan.instalments {
            let late_after = domain::counts_from(instalment.due_date, &pauses)
                .checked_add_days(Days::new(u64::from(rules.grace_days)))
                .ok_or(PlansError::Inconsistent("due date out of range"))?;
            if instalment.status != InstalmentStatus::Open || today <= late_after {
                continue;
            }
            if tolerance_left {
                // The plan's one tolerance: the first miss moves to a month after the last
                // instalment instead of counting as late.
                tolerance_left = false;
                let to = end_of_plan(&plan)?;
                let audit = NewAuditEvent {
                    at: now,
                    actor_kind: ActorKind::System,
                    actor_id: None,
                    dossier_id: Some(plan.dossier_id.clone()),
                    action: "plan.instalment_moved".into(),
                    detail: json!({
                        "plan_id": plan.id,
                        "instalment": instalment.seq,
                        "from": instalment.due_date,
                        "to": to,
                    }),
                    client_ip: None,
                    counsellor: None,
                };
                // This miss counts until it is paid; with the late ones already there.
                let misses = plan
                    .instalments
                    .iter()
                    .filter(|i| i.status == InstalmentStatus::Late)
                    .count();
                let misses = u32::try_from(misses + 1).unwrap_or(u32::MAX);
                let mail = NewMail {
                    dossier_id: plan.dossier_id.clone(),
                    notice: Notice::InstalmentMoved {
                        was_due: instalment.due_date,
                        now_due: to,
                        amount: instalment.amount,
                        misses_left: rules
                            .misses_before_default
                            .saturating_sub(misses)
                            .saturating_sub(1),
                    },
                    dedupe_key: format!("instalment:{}:moved", instalment.id),
                    created_at: now,
                };
                if store
                    .move_instalment(instalment.id, to, &audit, &mail)
                    .await?
                {
                    moved = Some(instalment.seq);
                    report.moved += 1;
                    continue;
                }
            }
            if store
                .set_instalment_status(
                    instalment.id,
                    &[InstalmentStatus::Open],
                    InstalmentStatus::Late,
                    now,
                )
                .await?
            {
                marked.push(instalment.seq);
            }
        }
        report.late += u32::try_from(marked.len()).unwrap_or(u32::MAX);
        let plan_now = store
            .plan(&plan.id)
            .await?
            .ok_or(PlansError::PlanNotFound)?;
        // A moved instalment still unpaid counts as a miss; paid late, it no longer does.
        let missed: Vec<_> = plan_now
            .instalments
            .iter()
            .filter(|i| {
                i.status == InstalmentStatus::Late
                    || (i.moved_from.is_some() && i.status == InstalmentStatus::Open)
            })
            .collect();
        let misses = u32::try_from(missed.len()).unwrap_or(u32::MAX);
        let defaulted = misses >= rules.misses_before_default
            && store
                .set_plan_status(&plan.id, &[PlanStatus::Active], PlanStatus::Defaulted, now)
                .await?;
        if defaulted {
            report.defaulted += 1;
            for instalment in &missed {
                store
                    .set_instalment_status(
                        instalment.id,
                        &[InstalmentStatus::Late, InstalmentStatus::Open],
                        InstalmentStatus::Missed,
                        now,
                    )
                    .await?;
            }
            self.service
                .set_dossier(
                    &plan.dossier_id,
                    &[DossierStatus::Plan],
                    DossierStatus::Open,
                    now,
                )
                .await;
            tracing::info!(plan = %plan.id, misses, "payment plan defaulted");
        }
        if !marked.is_empty() || defaulted {
            store
                .append_audit(&NewAuditEvent {
                    at: now,
                    actor_kind: ActorKind::System,
                    actor_id: None,
                    dossier_id: Some(plan.dossier_id.clone()),
                    action: if defaulted {
                        "plan.defaulted".into()
                    } else {
                        "plan.instalments_late".into()
                    },
                    detail: json!({
                        "plan_id": plan.id,
                        "late": marked,
                        "misses": misses,
                        "misses_before_default": rules.misses_before_default,
                        "moved": moved,
                        "open": synced.open,
                    }),
                    client_ip: None,
                    counsellor: None,
                })
                .await?;
        }
        Ok(())
    }

    /// Runs a round every [`LifecycleConfig::interval`] (the first at once) while holding
    /// the job lease, until `shutdown` completes; then gives the lease up.
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
            // Acquiring renews a lease we hold, and takes one that expired.
            match store
                .acquire_lease(LIFECYCLE_LEASE, &self.holder, now, self.config.lease_ttl)
                .await
            {
                Ok(true) => {
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
                        Err(e) => tracing::warn!(error = %e, "plan lifecycle round failed"),
                    }
                }
                Ok(false) => holding = false,
                Err(e) => {
                    tracing::warn!(error = %e, "plan lifecycle lease check failed");
                    holding = false;
                }
            }
        }
        if holding && let Err(e) = store.release_lease(LIFECYCLE_LEASE, &self.holder).await {
            tracing::warn!(error = %e, "could not release the plan lifecycle lease");
        }
    }
}

/// A month after the plan's last due date: where a missed instalment moves to.
fn end_of_plan(plan: &PaymentPlan) -> Result<NaiveDate, PlansError> {
    plan.instalments
        .iter()
        .map(|i| i.due_date)
        .max()
        .and_then(|last| last.checked_add_months(Months::new(1)))
        .ok_or(PlansError::Inconsistent("a plan without instalments"))
}
