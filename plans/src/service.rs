//! [`PlanService`]: preview, propose, decide, sync and pay.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use domain::plan::{
    Limits, PlanError, PlanRequest, PlanRules, Preview, RuleBreach, Schedule, build_schedule,
};
use domain::{CreditorId, DossierId, InstalmentId, Money, PlanId};
use payments::{PayAmount, PayPurpose, PayRequest, PaymentService, Started};
use serde::Serialize;
use serde_json::json;
use store::{
    ActorKind, DossierStatus, NewAuditEvent, NewInstalment, NewPlan, NewPlanReview, PaymentPlan,
    PlanDecision, PlanDecisionKind, PlanReview, PlanStatus, Store,
};

use crate::config::{CreditorRules, PlanConfig};
use crate::error::PlansError;
use booking::{Owed, SyncReport, owed, received_since};

/// The longest reason or staff note kept, in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;

/// Where a new plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposedStatus {
    /// Within the rules (or a counter-proposal accepted): active at once.
    Active,
    /// Outside the rules: waiting for staff.
    NeedsReview,
}

/// An amount to pay now on a plan, paid through [`PayPurpose::Instalment`] with this
/// instalment's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Due {
    /// `plan_instalment.id` of the first instalment the payment is for.
    pub instalment_id: InstalmentId,
    /// Its number in the schedule (1 for the first).
    pub number: i64,
    /// Its due date.
    pub due: NaiveDate,
    /// How much.
    pub amount: Money,
}

/// A new plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposed {
    /// The plan as stored.
    pub plan: PaymentPlan,
    /// Active or waiting for review.
    pub status: ProposedStatus,
    /// The first instalment when it is due today (rules with the first instalment due now):
    /// the UI sends the debtor to pay it.
    pub first_instalment_to_pay: Option<Due>,
}

/// A staff decision on a plan in review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffDecision {
    /// The plan becomes active as proposed.
    Accept,
    /// The plan is rejected; the note is shown to the debtor.
    Reject {
        /// Why.
        note: String,
    },
    /// The plan is replaced by a counter-proposal (a new plan, `proposed`, on the balance
    /// and date of the decision) which the debtor may accept or decline.
    Counter {
        /// The terms staff offer.
        request: PlanRequest,
        /// Why, shown to the debtor.
        note: String,
    },
}

/// A decided review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The reviewed plan as stored now (active or rejected).
    pub plan: PaymentPlan,
    /// The counter-proposal, when one was made.
    pub counter: Option<PaymentPlan>,
}

/// One plan in the staff review queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItem {
    /// The plan and its schedule.
    pub plan: PaymentPlan,
    /// The dossier's public number.
    pub dossier_number: String,
    /// The dossier's creditor.
    pub creditor_id: CreditorId,
    /// The debtor's reason.
    pub reason: Option<String>,
    /// The open balance today.
    pub open_balance: Money,
    /// The rules the plan breaks.
    pub breaches: Vec<RuleBreach>,
    /// The rules' bounds for today's balance (for a counter-proposal).
    pub limits: Limits,
}

/// The plan a debtor sees: the one in play, else the most recent one, with its review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebtorPlan {
    /// The plan with its instalments and their statuses.
    pub plan: PaymentPlan,
    /// Its review record (reason, decision, staff note), if it was reviewed or is a
    /// counter-proposal.
    pub review: Option<PlanReview>,
}

/// How much of an active plan to pay now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanPayment {
    /// The next instalment (what is still due on it).
    Next,
    /// The next `n` instalments.
    Several(u32),
    /// Everything open: ends the plan.
    Rest,
    /// The missed instalment that was moved to the end of the plan, now (paid late, it goes
    /// back to its first due date: `booking::sync_plan`).
    Moved,
}

/// Payment plans, server side. Cheap to clone: share one per process.
#[derive(Clone)]
pub struct PlanService {
    pub(crate) store: Store,
    pub(crate) config: Arc<PlanConfig>,
    pub(crate) payments: PaymentService,
}

impl std::fmt::Debug for PlanService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanService")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl PlanService {
    /// Checks the config (see [`PlanConfig::validate`]).
    pub fn new(
        store: Store,
        config: PlanConfig,
        payments: PaymentService,
    ) -> Result<Self, PlansError> {
        config.validate()?;
        Ok(PlanService {
            store,
            config: Arc::new(config),
            payments,
        })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &PlanConfig {
        &self.config
    }

    /// The rules for a dossier (its creditor's).
    pub async fn rules_for_dossier(
        &self,
        dossier_id: &DossierId,
    ) -> Result<CreditorRules, PlansError> {
        let dossier = self
            .store
            .dossier(dossier_id)
            .await?
            .ok_or(PlansError::DossierNotFound)?;
        Ok(self.config.rules_for(&dossier.creditor_id)?)
    }

    /// The dossier's open balance on `today` (what a plan spreads).
    pub async fn open_balance(
        &self,
        dossier_id: &DossierId,
        today: NaiveDate,
    ) -> Result<Money, PlansError> {
        Ok(claim::load_claim(&self.store, dossier_id, today)
            .await?
            .open_total())
    }

    /// The schedule for `request` on today's open balance, whether it is within the rules and
    /// why not, and the picker's bounds. Reads only.
    pub async fn preview(
        &self,
        dossier_id: &DossierId,
        request: PlanRequest,
        today: NaiveDate,
    ) -> Result<Preview, PlansError> {
        let rules = self.rules_for_dossier(dossier_id).await?.rules;
        let balance = self.open_balance(dossier_id, today).await?;
        preview_for(&rules, balance, request, today)
    }

    /// Makes a plan on today's open balance: active within the rules, needs_review outside
    /// them (which requires a reason). A dossier with a plan in play gets
    /// [`PlansError::PlanInPlay`]. Audited as the debtor's action.
    pub async fn propose(
        &self,
        dossier_id: &DossierId,
        request: PlanRequest,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Proposed, PlansError> {
        let reason = clean_text(reason)?;
        let creditor_rules = self.rules_for_dossier(dossier_id).await?;
        let rules = creditor_rules.rules;
        if self.store.open_plan(dossier_id).await?.is_some() {
            return Err(PlansError::PlanInPlay);
        }
        let today = claim::dutch_date(now);
        let balance = self.open_balance(dossier_id, today).await?;
        let schedule = build_schedule(balance, request, today, rules.first_due_now())?;
        let breaches = rules.breaches(&schedule);
        let status = match (breaches.is_empty(), &reason) {
            (true, _) => ProposedStatus::Active,
            (false, Some(_)) => ProposedStatus::NeedsReview,
            (false, None) => return Err(PlansError::ReasonRequired { breaches }),
        };
        let review = (status == ProposedStatus::NeedsReview).then(|| NewPlanReview {
            reason: reason.clone(),
            ..NewPlanReview::default()
        });
        let plan = self
            .store
            .create_plan_audited(
                &new_plan(dossier_id, &schedule, store_status(status), &creditor_rules),
                review.as_ref(),
                &NewAuditEvent {
                    at: now,
                    actor_kind: ActorKind::Debtor,
                    actor_id: None,
                    dossier_id: Some(dossier_id.clone()),
                    action: "plan.proposed".into(),
                    detail: json!({
                        "request": request,
                        "status": status,
                        "total": balance,
                        "months": schedule.months(),
                        "breaches": breaches,
                        "reason": reason,
                    }),
                    client_ip: None,
                    counsellor: None,
                },
                now,
            )
            .await?;
        tracing::info!(plan = %plan.id, dossier = %dossier_id, ?status, months = schedule.months(), "payment plan proposed");
        if status == ProposedStatus::Active {
            self.dossier_in_plan(dossier_id, now).await;
        }
        Ok(Proposed {
            first_instalment_to_pay: first_due_today(&plan, today),
            plan,
            status,
        })
    }

    /// Staff decide a plan in review: accept (active), reject, or counter-propose. Audited
    /// as the staff user's action, with `ip`. A plan no longer in review gets
    /// [`PlansError::NotInPlay`].
    pub async fn decide(
        &self,
        plan_id: &PlanId,
        decision: StaffDecision,
        staff_username: &str,
        ip: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Decided, PlansError> {
        let plan = self
            .store
            .plan(plan_id)
            .await?
            .ok_or(PlansError::PlanNotFound)?;
        if plan.status != PlanStatus::NeedsReview {
            return Err(PlansError::NotInPlay);
        }
        let today = claim::dutch_date(now);
        let (to, kind, note, counter, detail) = match &decision {
            StaffDecision::Accept => (
                PlanStatus::Active,
                PlanDecisionKind::Accepted,
                None,
                None,
                json!({}),
            ),
            StaffDecision::Reject { note } => (
                PlanStatus::Rejected,
                PlanDecisionKind::Rejected,
                clean_text(Some(note.clone()))?,
                None,
                json!({}),
            ),
            StaffDecision::Counter { request, note } => {
                let creditor_rules = self.rules_for_dossier(&plan.dossier_id).await?;
                let rules = creditor_rules.rules;
                let balance = self.open_balance(&plan.dossier_id, today).await?;
                let schedule = build_schedule(balance, *request, today, rules.first_due_now())?;
                (
                    PlanStatus::Rejected,
                    PlanDecisionKind::Countered,
                    clean_text(Some(note.clone()))?,
                    Some(new_plan(
                        &plan.dossier_id,
                        &schedule,
                        PlanStatus::Proposed,
                        &creditor_rules,
                    )),
                    json!({
                        "request": request,
                        "total": balance,
                        "months": schedule.months(),
                        "breaches": rules.breaches(&schedule),
                    }),
                )
            }
        };
        let mut detail = detail;
        detail["decision"] = json!(kind.as_str());
        detail["note"] = json!(note);
        let decided = self
            .store
            .decide_plan(&PlanDecision {
                plan_id: plan.id.clone(),
                from: PlanStatus::NeedsReview,
                to,
                decision: kind,
                staff_note: note,
                decided_by: Some(staff_username.to_owned()),
                counter,
                audit: NewAuditEvent {
                    at: now,
                    actor_kind: ActorKind::Staff,
                    actor_id: Some(staff_username.to_owned()),
                    dossier_id: Some(plan.dossier_id.clone()),
                    action: format!("plan.review.{}", kind.as_str()),
                    detail,
                    client_ip: ip.map(str::to_owned),
                    counsellor: None,
                },
                now,
            })
            .await?
            .ok_or(PlansError::NotInPlay)?;
        tracing::info!(plan = %plan.id, decision = %kind, staff = %staff_username, "plan review decided");
        if to == PlanStatus::Active {
            self.dossier_in_plan(&plan.dossier_id, now).await;
        }
        Ok(Decided {
            plan: decided.plan,
            counter: decided.counter,
        })
    }

    /// The debtor accepts the counter-proposal on their dossier: it becomes active. Audited
    /// as the debtor's action.
    pub async fn accept_counter(
        &self,
        dossier_id: &DossierId,
        now: DateTime<Utc>,
    ) -> Result<Proposed, PlansError> {
        let plan = self.debtor_decides(dossier_id, true, now).await?;
        self.dossier_in_plan(dossier_id, now).await;
        Ok(Proposed {
            first_instalment_to_pay: first_due_today(&plan, claim::dutch_date(now)),
            plan,
            status: ProposedStatus::Active,
        })
    }

    /// The debtor declines the counter-proposal: it is rejected and the dossier has no plan
    /// in play (a new proposal may be made). Audited as the debtor's action.
    pub async fn decline_counter(
        &self,
        dossier_id: &DossierId,
        now: DateTime<Utc>,
    ) -> Result<PaymentPlan, PlansError> {
        self.debtor_decides(dossier_id, false, now).await
    }

    async fn debtor_decides(
        &self,
        dossier_id: &DossierId,
        accept: bool,
        now: DateTime<Utc>,
    ) -> Result<PaymentPlan, PlansError> {
        let plan = self
            .store
            .open_plan(dossier_id)
            .await?
            .filter(|p| p.status == PlanStatus::Proposed)
            .ok_or(PlansError::PlanNotFound)?;
        let (to, kind) = if accept {
            (PlanStatus::Active, PlanDecisionKind::Accepted)
        } else {
            (PlanStatus::Rejected, PlanDecisionKind::Declined)
        };
        let decided = self
            .store
            .decide_plan(&PlanDecision {
                plan_id: plan.id.clone(),
                from: PlanStatus::Proposed,
                to,
                decision: kind,
                staff_note: None,
                decided_by: None,
                counter: None,
                audit: NewAuditEvent {
                    at: now,
                    actor_kind: ActorKind::Debtor,
                    actor_id: None,
                    dossier_id: Some(dossier_id.clone()),
                    action: format!("plan.counter.{}", kind.as_str()),
                    detail: json!({}),
                    client_ip: None,
                    counsellor: None,
                },
                now,
            })
            .await?
            .ok_or(PlansError::NotInPlay)?;
        Ok(decided.plan)
    }

    /// Plans waiting for staff, oldest first, with what the review page shows.
    pub async fn review_queue(&self, now: DateTime<Utc>) -> Result<Vec<ReviewItem>, PlansError> {
        let today = claim::dutch_date(now);
        let mut items = Vec::new();
        for plan in self
            .store
            .plans_with_status(PlanStatus::NeedsReview)
            .await?
        {
            let dossier = self
                .store
                .dossier(&plan.dossier_id)
                .await?
                .ok_or(PlansError::DossierNotFound)?;
            let rules = self.config.rules_for(&dossier.creditor_id)?.rules;
            let open_balance = self.open_balance(&plan.dossier_id, today).await?;
            let reason = self
                .store
                .plan_review(&plan.id)
                .await?
                .and_then(|r| r.reason);
            items.push(ReviewItem {
                breaches: stored_breaches(&rules, &plan),
                limits: rules.limits(open_balance),
                dossier_number: dossier.number,
                creditor_id: dossier.creditor_id,
                reason,
                open_balance,
                plan,
            });
        }
        Ok(items)
    }

    /// The plan the debtor sees: the one in play, else the most recent, with its review.
    pub async fn plan_for_debtor(
        &self,
        dossier_id: &DossierId,
    ) -> Result<Option<DebtorPlan>, PlansError> {
        let plan = match self.store.open_plan(dossier_id).await? {
            Some(plan) => Some(plan),
            None => self
                .store
                .plans_for_dossier(dossier_id)
                .await?
                .into_iter()
                .next(),
        };
        let Some(plan) = plan else {
            return Ok(None);
        };
        let review = self.store.plan_review(&plan.id).await?;
        Ok(Some(DebtorPlan { plan, review }))
    }

    /// Brings the dossier's active plan up to date with the ledger ([`booking::sync_plan`],
    /// which every booking ends with). Idempotent. `None` without an active plan.
    pub async fn sync(
        &self,
        dossier_id: &DossierId,
        now: DateTime<Utc>,
    ) -> Result<Option<SyncReport>, PlansError> {
        Ok(booking::sync_plan(&self.store, dossier_id, now).await?)
    }

    async fn owed_now(
        &self,
        dossier_id: &DossierId,
        now: DateTime<Utc>,
    ) -> Result<(PaymentPlan, Vec<Owed>, Money), PlansError> {
        let plan = self
            .store
            .open_plan(dossier_id)
            .await?
            .filter(|p| p.status == PlanStatus::Active)
            .ok_or(PlansError::PlanNotFound)?;
        let entries = self.store.ledger_entries(dossier_id).await?;
        let received = received_since(&entries, plan.created_at)?;
        let open = self
            .open_balance(dossier_id, claim::dutch_date(now))
            .await?;
        let owed = owed(&plan.instalments, received, open)?;
        Ok((plan, owed, open))
    }

    /// The next instalment and what is still due on it (the last one takes whatever is open,
    /// including interest that ran during the plan). `None` when nothing is due;
    /// [`PlansError::PlanNotFound`] without an active plan.
    pub async fn next_payment(
        &self,
        dossier_id: &DossierId,
        now: DateTime<Utc>,
    ) -> Result<Option<Due>, PlansError> {
        self.amount_for(dossier_id, PlanPayment::Next, now).await
    }

    /// Everything open, to pay off the plan at once (booked on the next instalment).
    pub async fn rest_amount(
        &self,
        dossier_id: &DossierId,
        now: DateTime<Utc>,
    ) -> Result<Option<Due>, PlansError> {
        self.amount_for(dossier_id, PlanPayment::Rest, now).await
    }

    /// What a [`PlanPayment`] comes to now.
    pub async fn amount_for(
        &self,
        dossier_id: &DossierId,
        what: PlanPayment,
        now: DateTime<Utc>,
    ) -> Result<Option<Due>, PlansError> {
        let (plan, owed, open) = self.owed_now(dossier_id, now).await?;
        if what == PlanPayment::Moved {
            // Its own amount, not the remainder the last instalment in line would take.
            return Ok(plan
                .instalments
                .iter()
                .find(|i| i.is_moved_and_open())
                .filter(|_| open.is_positive())
                .map(|moved| Due {
                    instalment_id: moved.id,
                    number: moved.seq,
                    due: moved.due_date,
                    amount: moved.amount.min(open),
                }));
        }
        let Some(first) = owed.first() else {
            return Ok(None);
        };
        let count = match what {
            PlanPayment::Next => 1,
            PlanPayment::Several(n) => usize::try_from(n.max(1)).unwrap_or(usize::MAX),
            PlanPayment::Rest | PlanPayment::Moved => owed.len(),
        };
        let amount = match what {
            PlanPayment::Rest => open,
            _ => owed
                .iter()
                .take(count)
                .try_fold(Money::ZERO, |sum, o| sum.checked_add(o.amount))
                .ok_or(PlansError::Inconsistent("amount overflow"))?,
        };
        let instalment = plan
            .instalments
            .get(first.index)
            .ok_or(PlansError::Inconsistent("instalment index"))?;
        Ok(Some(Due {
            instalment_id: instalment.id,
            number: instalment.seq,
            due: instalment.due_date,
            amount,
        }))
    }

    /// Starts paying `what` on the active plan through [`PaymentService::start`] (same
    /// ledger and allocation as any payment). The instalments it covers are marked paid by
    /// [`PlanService::sync`] once the payment is booked.
    pub async fn pay(
        &self,
        dossier_id: &DossierId,
        what: PlanPayment,
        intent_key: &str,
        now: DateTime<Utc>,
    ) -> Result<Started, PlansError> {
        let due = self
            .amount_for(dossier_id, what, now)
            .await?
            .ok_or(PlansError::Impossible(PlanError::NothingToPay))?;
        let started = self
            .payments
            .start(
                dossier_id,
                &PayRequest {
                    amount: PayAmount::Exact(due.amount),
                    purpose: PayPurpose::Instalment {
                        plan_instalment_id: due.instalment_id,
                    },
                    intent_key: intent_key.to_owned(),
                },
                now,
            )
            .await
            .map_err(PlansError::Payment)?;
        Ok(started)
    }

    async fn dossier_in_plan(&self, dossier_id: &DossierId, now: DateTime<Utc>) {
        self.set_dossier(dossier_id, &[DossierStatus::Open], DossierStatus::Plan, now)
            .await;
    }

    /// The dossier status follows the plan where it can (compare-and-set: a disputed or
    /// closed dossier keeps its status). Best effort: the plan is what counts.
    pub(crate) async fn set_dossier(
        &self,
        dossier_id: &DossierId,
        from: &[DossierStatus],
        to: DossierStatus,
        now: DateTime<Utc>,
    ) {
        if let Err(e) = self
            .store
            .set_dossier_status(dossier_id, from, to, now)
            .await
        {
            tracing::warn!(dossier = %dossier_id, error = %e, "could not update the dossier status");
        }
    }
}

/// The pure part of [`PlanService::preview`]: [`PlanRules::preview`], the code the browser
/// runs too.
pub fn preview_for(
    rules: &PlanRules,
    balance: Money,
    request: PlanRequest,
    today: NaiveDate,
) -> Result<Preview, PlansError> {
    Ok(rules.preview(balance, request, today)?)
}

/// The breaches of a stored plan (its schedule as it was made).
fn stored_breaches(rules: &PlanRules, plan: &PaymentPlan) -> Vec<RuleBreach> {
    let months = u32::try_from(plan.instalments.len()).unwrap_or(u32::MAX);
    let mut out = Vec::new();
    if months > rules.max_months() {
        out.push(RuleBreach::TooManyMonths {
            months,
            max: rules.max_months(),
        });
    }
    if let Some((_, rest)) = plan.instalments.split_last()
        && let Some(low) = rest.iter().find(|i| i.amount < rules.min_instalment())
    {
        out.push(RuleBreach::BelowMinimum {
            instalment: low.amount,
            minimum: rules.min_instalment(),
        });
    }
    out
}

fn new_plan(
    dossier_id: &DossierId,
    schedule: &Schedule,
    status: PlanStatus,
    rules: &CreditorRules,
) -> NewPlan {
    NewPlan {
        interest_stops: !rules.interest_during_plan,
        dossier_id: dossier_id.clone(),
        status,
        instalments: schedule
            .instalments()
            .iter()
            .map(|i| NewInstalment {
                due_date: i.due(),
                amount: i.amount(),
            })
            .collect(),
    }
}

fn store_status(status: ProposedStatus) -> PlanStatus {
    match status {
        ProposedStatus::Active => PlanStatus::Active,
        ProposedStatus::NeedsReview => PlanStatus::NeedsReview,
    }
}

fn first_due_today(plan: &PaymentPlan, today: NaiveDate) -> Option<Due> {
    plan.instalments
        .first()
        .filter(|i| i.due_date <= today && plan.status == PlanStatus::Active)
        .map(|i| Due {
            instalment_id: i.id,
            number: i.seq,
            due: i.due_date,
            amount: i.amount,
        })
}

/// Trimmed, `None` when blank, refused above [`MAX_TEXT_CHARS`].
pub(crate) fn clean_text(text: Option<String>) -> Result<Option<String>, PlansError> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() > MAX_TEXT_CHARS => Err(PlansError::TextTooLong),
        Some(t) => Ok(Some(t.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_preview_lists_every_rule_broken_and_the_bounds() {
        let rules = PlanRules::new(Money::from_cents(50_00), 12, true).unwrap();
        // 1,000 over 40 months: 25 a month, too many months and below the minimum.
        let p = preview_for(
            &rules,
            Money::from_cents(1_000_00),
            PlanRequest::Months(40),
            d(2026, 1, 31),
        )
        .unwrap();
        assert!(!p.within_rules());
        assert_eq!(
            p.why_not,
            [
                RuleBreach::TooManyMonths {
                    months: 40,
                    max: 12
                },
                RuleBreach::BelowMinimum {
                    instalment: Money::from_cents(25_00),
                    minimum: Money::from_cents(50_00)
                }
            ]
        );
        assert_eq!(p.rows.len(), 40);
        assert_eq!(p.rows[1].due(), d(2026, 2, 28));
        assert_eq!(p.limits.max_months_for_balance, 12);
        assert_eq!(p.limits.min_monthly_amount, Money::from_cents(83_34));
        let ok = preview_for(
            &rules,
            Money::from_cents(1_000_00),
            PlanRequest::Months(10),
            d(2026, 1, 31),
        )
        .unwrap();
        assert!(ok.within_rules() && ok.why_not.is_empty());
        assert!(matches!(
            preview_for(&rules, Money::ZERO, PlanRequest::Months(3), d(2026, 1, 1)),
            Err(PlansError::Impossible(PlanError::NothingToPay))
        ));
    }

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        assert_eq!(clean_text(Some("  ".into())).unwrap(), None);
        assert_eq!(
            clean_text(Some(" ziek ".into())).unwrap().as_deref(),
            Some("ziek")
        );
        assert!(matches!(
            clean_text(Some("x".repeat(MAX_TEXT_CHARS + 1))),
            Err(PlansError::TextTooLong)
        ));
    }
}
