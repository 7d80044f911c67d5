//! The debtor's payment plan: preview, proposal, paying instalments. Rules and bookkeeping
//! live in the `plans` crate; this turns them into what the plan page shows.

use super::Services;
use crate::errors::PlanFormError;
use crate::model::{PlanPage, PlanPicker, PlanRow, PlanView, RefusedPlan, Tolerance};
use chrono::{DateTime, Utc};
use domain::DossierId;
use domain::PlanRequest;
use plans::{PlanPayment, PlansError};
use store::{PlanDecisionKind, PlanStatus};

fn unavailable(e: PlansError) -> PlanFormError {
    tracing::error!(error = %e, "payment plan");
    PlanFormError::Refused(crate::Refusal::Unavailable)
}

/// What the plan page shows: the plan in play, or the picker (with the last refusal).
pub async fn page(
    services: &Services,
    dossier_id: &DossierId,
    now: DateTime<Utc>,
) -> Result<PlanPage, PlanFormError> {
    let plans = services.plans.as_ref().ok_or(PlanFormError::Offline)?;
    let current = plans
        .plan_for_debtor(dossier_id)
        .await
        .map_err(unavailable)?;
    let in_play = current.as_ref().filter(|c| {
        matches!(
            c.plan.status,
            PlanStatus::Active | PlanStatus::NeedsReview | PlanStatus::Proposed
        )
    });
    if let Some(current) = in_play {
        let plan = &current.plan;
        let rules = plans
            .rules_for_dossier(dossier_id)
            .await
            .map_err(unavailable)?;
        let tolerance = match plan.instalments.iter().find(|i| i.moved_from.is_some()) {
            Some(i) if i.is_moved_and_open() => Tolerance::Moved {
                number: u32::try_from(i.seq).unwrap_or(0),
                was_due: i.moved_from.unwrap_or(i.due_date),
                now_due: i.due_date,
                amount: i.amount,
            },
            Some(_) => Tolerance::Used,
            None if rules.move_first_miss => Tolerance::Available,
            None => Tolerance::None,
        };
        let has_statement = services
            .store
            .plan_budget(&plan.id)
            .await
            .map_err(|e| unavailable(PlansError::Store(e)))?
            .is_some();
        return Ok(PlanPage {
            plan: Some(PlanView {
                has_statement,
                status: plan.status.as_str().to_owned(),
                rows: plan
                    .instalments
                    .iter()
                    .map(|i| PlanRow {
                        number: u32::try_from(i.seq).unwrap_or(0),
                        due: i.due_date,
                        amount: i.amount,
                        status: i.status.as_str().to_owned(),
                        moved_from: i.moved_from,
                    })
                    .collect(),
                staff_note: current.review.as_ref().and_then(|r| r.staff_note.clone()),
                counter_proposal: current
                    .review
                    .as_ref()
                    .is_some_and(|r| r.replaces_plan_id.is_some())
                    && plan.status == PlanStatus::Proposed,
                pay_first_on_accept: plan.status == PlanStatus::Proposed
                    && plan
                        .instalments
                        .first()
                        .is_some_and(|i| i.due_date <= claim::dutch_date(now)),
                interest_stops: plan.interest_stops,
                tolerance,
                misses_before_default: rules.misses_before_default,
            }),
            picker: None,
            refused: None,
            open_total: plans
                .open_balance(dossier_id, claim::dutch_date(now))
                .await
                .map_err(unavailable)?,
        });
    }
    let refused = current
        .filter(|c| c.plan.status == PlanStatus::Rejected)
        .and_then(|c| c.review)
        .map(|r| RefusedPlan {
            declined_by_debtor: r.decision == Some(PlanDecisionKind::Declined),
            staff_note: r.staff_note,
        });
    let creditor_rules = plans
        .rules_for_dossier(dossier_id)
        .await
        .map_err(unavailable)?;
    let rules = creditor_rules.rules;
    let balance = plans
        .open_balance(dossier_id, claim::dutch_date(now))
        .await
        .map_err(unavailable)?;
    if !balance.is_positive() {
        return Err(PlanFormError::NothingToPlan);
    }
    Ok(PlanPage {
        plan: None,
        picker: Some(PlanPicker {
            rules,
            balance,
            start: claim::dutch_date(now),
            interest_stops: !creditor_rules.interest_during_plan,
        }),
        refused,
        open_total: balance,
    })
}

/// The debtor accepts staff's counter-proposal; returns where to go next (Pay.nl when its
/// first instalment is due today).
pub async fn accept_counter(
    services: &Services,
    dossier_id: &DossierId,
    intent: &str,
    now: DateTime<Utc>,
) -> Result<String, PlanFormError> {
    let plans = services.plans.as_ref().ok_or(PlanFormError::Offline)?;
    let accepted = match plans.accept_counter(dossier_id, now).await {
        Ok(a) => a,
        // Already decided (a second submit): show the plan as it is now.
        Err(PlansError::PlanNotFound | PlansError::NotInPlay) => {
            return Ok("/dossier/plan".to_owned());
        }
        Err(e) => return Err(unavailable(e)),
    };
    if accepted.first_instalment_to_pay.is_some() {
        return pay(services, dossier_id, PlanPayment::Next, intent, now).await;
    }
    Ok("/dossier/plan".to_owned())
}

/// The debtor declines staff's counter-proposal: the picker is open again.
pub async fn decline_counter(
    services: &Services,
    dossier_id: &DossierId,
    now: DateTime<Utc>,
) -> Result<String, PlanFormError> {
    let plans = services.plans.as_ref().ok_or(PlanFormError::Offline)?;
    match plans.decline_counter(dossier_id, now).await {
        Ok(_) | Err(PlansError::PlanNotFound | PlansError::NotInPlay) => {
            Ok("/dossier/plan".to_owned())
        }
        Err(e) => Err(unavailable(e)),
    }
}

/// Agrees the plan; returns where to send the browser (Pay.nl for a first instalment due now,
/// else the plan page).
pub async fn propose(
    services: &Services,
    dossier_id: &DossierId,
    request: PlanRequest,
    reason: Option<String>,
    intent: &str,
    now: DateTime<Utc>,
) -> Result<String, PlanFormError> {
    let plans = services.plans.as_ref().ok_or(PlanFormError::Offline)?;
    let reason = reason.filter(|r| !r.trim().is_empty());
    let proposed = match plans.propose(dossier_id, request, reason, now).await {
        Ok(p) => p,
        Err(PlansError::ReasonRequired { .. }) => return Err(PlanFormError::ReasonRequired),
        Err(PlansError::PlanInPlay) => return Err(PlanFormError::PlanInPlay),
        Err(PlansError::DeferralInPlay) => return Err(PlanFormError::DeferralInPlay),
        Err(PlansError::Impossible(_)) => return Err(PlanFormError::NothingToPlan),
        Err(e) => return Err(unavailable(e)),
    };
    if proposed.first_instalment_to_pay.is_some() {
        return pay(services, dossier_id, PlanPayment::Next, intent, now).await;
    }
    Ok("/dossier/plan".to_owned())
}

/// Starts paying the next instalment or the whole rest; returns Pay.nl's page.
pub async fn pay(
    services: &Services,
    dossier_id: &DossierId,
    what: PlanPayment,
    intent: &str,
    now: DateTime<Utc>,
) -> Result<String, PlanFormError> {
    let plans = services.plans.as_ref().ok_or(PlanFormError::Offline)?;
    let key = format!("{dossier_id}:plan:{intent}");
    match plans.pay(dossier_id, what, &key, now).await {
        Ok(started) => Ok(started.redirect_url),
        Err(PlansError::Payment(payments::PayError::ProviderUnavailable { .. })) => {
            Err(PlanFormError::ProviderDown)
        }
        Err(e) => Err(unavailable(e)),
    }
}
