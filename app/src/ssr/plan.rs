//! The debtor's payment plan: preview, proposal, paying instalments. Rules and bookkeeping
//! live in the `plans` crate; this turns them into what the plan page shows.

use super::Services;
use crate::errors::PlanFormError;
use crate::model::{Breach, PlanPage, PlanPreview, PlanRow, PlanView};
use chrono::{DateTime, Utc};
use domain::{Money, PlanRequest};
use plans::{PlanPayment, PlansError, RuleBreach};

fn unavailable(e: PlansError) -> PlanFormError {
    tracing::error!(error = %e, "payment plan");
    PlanFormError::Unavailable
}

/// Reads the plan form's choice: a number of months or a monthly amount.
pub fn request(
    months: Option<String>,
    amount: Option<String>,
) -> Result<Option<PlanRequest>, PlanFormError> {
    let months = months.filter(|m| !m.trim().is_empty());
    let amount = amount.filter(|a| !a.trim().is_empty());
    match (months, amount) {
        (Some(m), _) => m
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=domain::MAX_SCHEDULE_MONTHS).contains(m))
            .map(|m| Some(PlanRequest::Months(m)))
            .ok_or(PlanFormError::Months),
        (None, Some(a)) => Money::parse(a.trim())
            .ok()
            .filter(|m| m.is_positive())
            .map(|m| Some(PlanRequest::MonthlyAmount(m)))
            .ok_or(PlanFormError::Amount),
        (None, None) => Ok(None),
    }
}

/// What the plan page shows: the plan in play, or the picker with a preview of `request`.
pub async fn page(
    services: &Services,
    dossier_id: &str,
    request: Option<PlanRequest>,
    now: DateTime<Utc>,
) -> Result<PlanPage, PlanFormError> {
    let plans = services.plans.as_ref().ok_or(PlanFormError::Offline)?;
    plans.sync(dossier_id, now).await.map_err(unavailable)?;
    if let Some(current) = plans
        .plan_for_debtor(dossier_id)
        .await
        .map_err(unavailable)?
        && !matches!(
            current.plan.status,
            store::PlanStatus::Completed | store::PlanStatus::Defaulted
        )
    {
        let plan = &current.plan;
        return Ok(PlanPage {
            plan: Some(PlanView {
                status: plan.status.as_str().to_owned(),
                rows: plan
                    .instalments
                    .iter()
                    .map(|i| PlanRow {
                        number: u32::try_from(i.seq).unwrap_or(0),
                        due: i.due_date,
                        amount: i.amount,
                        status: i.status.as_str().to_owned(),
                    })
                    .collect(),
                staff_note: current.review.as_ref().and_then(|r| r.staff_note.clone()),
                counter_proposal: current
                    .review
                    .as_ref()
                    .is_some_and(|r| r.replaces_plan_id.is_some())
                    && plan.status == store::PlanStatus::Proposed,
            }),
            preview: None,
            open_total: plans
                .rest_amount(dossier_id, now)
                .await
                .map_err(unavailable)?
                .map_or(Money::ZERO, |d| d.amount),
            limits: None,
        });
    }
    let today = claim::dutch_date(now);
    // The limits come with any preview; ask for the longest allowed plan to get them.
    let rules = plans
        .rules_for_dossier(dossier_id)
        .await
        .map_err(unavailable)?
        .rules;
    let probe = plans
        .preview(
            dossier_id,
            request.unwrap_or(PlanRequest::Months(rules.max_months())),
            today,
        )
        .await;
    let preview = match probe {
        Ok(p) => p,
        Err(PlansError::Impossible(_)) => return Err(PlanFormError::NothingToPlan),
        Err(e) => return Err(unavailable(e)),
    };
    Ok(PlanPage {
        plan: None,
        open_total: preview.balance,
        limits: Some(crate::model::PlanLimits {
            min_instalment: preview.limits.min_instalment,
            max_months: preview.limits.max_months_for_balance,
            min_monthly_amount: preview.limits.min_monthly_amount,
            first_due_now: preview.limits.first_due_now,
        }),
        preview: request.map(|_| PlanPreview {
            rows: preview
                .rows
                .iter()
                .map(|r| PlanRow {
                    number: r.number,
                    due: r.due,
                    amount: r.amount,
                    status: String::new(),
                })
                .collect(),
            within_rules: preview.within_rules,
            breaches: preview
                .why_not
                .iter()
                .map(|b| match *b {
                    RuleBreach::TooManyMonths { months, max } => {
                        Breach::TooManyMonths { months, max }
                    }
                    RuleBreach::BelowMinimum { minimum, .. } => Breach::BelowMinimum { minimum },
                })
                .collect(),
        }),
    })
}

/// Agrees the plan; returns where to send the browser (Pay.nl for a first instalment due now,
/// else the plan page).
pub async fn propose(
    services: &Services,
    dossier_id: &str,
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
    dossier_id: &str,
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
