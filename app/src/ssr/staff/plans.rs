//! Staff review of payment plans outside the agency's rules: the queue and the decision
//! (accept, reject, or counter-propose). The rules are in `plans::PlanService::decide`,
//! which audits the decision; this adds the staff session, form reading and audited views.

use super::{MAX_NOTE_CHARS, StaffCurrent, audit_staff};
use crate::ssr::Services;
use crate::staff::{PlanReviewItem, StaffError};
use chrono::{DateTime, Utc};
use domain::PlanId;
use plans::{PlansError, StaffDecision};
use std::net::IpAddr;

fn unavailable(what: &str, e: impl std::fmt::Display) -> StaffError {
    tracing::error!(error = %e, what, "staff plan review");
    StaffError::Refused(crate::Refusal::Unavailable)
}

/// The plans waiting for review, oldest first. The debtor's reason is personal data: each
/// dossier shown is audited.
pub async fn review_queue(
    services: &Services,
    me: &StaffCurrent,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Vec<PlanReviewItem>, StaffError> {
    let plans = services
        .plans
        .as_ref()
        .ok_or(StaffError::Refused(crate::Refusal::Unavailable))?;
    let items = plans
        .review_queue(now)
        .await
        .map_err(|e| unavailable("queue", e))?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let plan = &item.plan;
        let (Some(first), Some(last)) = (plan.instalments.first(), plan.instalments.last()) else {
            continue;
        };
        audit_staff(
            services,
            &me.username,
            Some(plan.dossier_id.clone()),
            "plan.review.view",
            serde_json::json!({ "plan_id": plan.id }),
            ip,
            now,
        )
        .await;
        let budget = services
            .store
            .plan_budget(&plan.id)
            .await
            .map_err(|e| unavailable("plan budget", e))?;
        if budget.is_some() {
            // The debtor's income, costs and files: a view of personal data, audited as such.
            audit_staff(
                services,
                &me.username,
                Some(plan.dossier_id.clone()),
                "personal_data.viewed",
                serde_json::json!({ "via": "plan_review_budget", "plan_id": plan.id }),
                ip,
                now,
            )
            .await;
        }
        let creditor = services
            .store
            .creditor(&item.creditor_id)
            .await
            .map_err(|e| unavailable("creditor", e))?
            .map_or_else(|| item.creditor_id.to_string(), |c| c.name);
        out.push(PlanReviewItem {
            plan_id: plan.id.clone(),
            dossier_number: item.dossier_number.clone(),
            creditor,
            reason: item.reason.clone(),
            open_balance: item.open_balance,
            plan_total: plan.total,
            months: u32::try_from(plan.instalments.len()).unwrap_or(u32::MAX),
            instalment: first.amount,
            first_due: first.due_date,
            last_due: last.due_date,
            breaches: item.breaches.clone(),
            limits: item.limits,
            received: plan.created_at.format("%Y-%m-%d").to_string(),
            budget: budget.as_ref().and_then(crate::ssr::budget::stored_view),
            largest_instalment: plan
                .instalments
                .iter()
                .map(|i| i.amount)
                .max()
                .unwrap_or(first.amount),
        });
    }
    Ok(out)
}

/// The form's decision on one plan.
pub struct PlanDecisionForm<'a> {
    pub plan: &'a PlanId,
    /// `accept`, `reject` or `counter`.
    pub decision: &'a str,
    pub note: &'a str,
    /// For a counter-proposal: months, or else a monthly amount.
    pub months: &'a str,
    pub amount: &'a str,
}

/// Reads the form and decides through [`plans::PlanService::decide`]; returns the dossier
/// number for the confirmation. Refusals of the form are audited.
pub async fn decide(
    services: &Services,
    me: &StaffCurrent,
    form: PlanDecisionForm<'_>,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<String, StaffError> {
    let plans = services
        .plans
        .as_ref()
        .ok_or(StaffError::Refused(crate::Refusal::Unavailable))?;
    let plan_id = form.plan.clone();
    let stored = services
        .store
        .plan(&plan_id)
        .await
        .map_err(|e| unavailable("plan", e))?
        .ok_or_else(|| StaffError::PlanNotFound {
            plan: plan_id.clone(),
        })?;
    let dossier_number = services
        .store
        .dossier(&stored.dossier_id)
        .await
        .map_err(|e| unavailable("dossier", e))?
        .map(|d| d.number)
        .unwrap_or_default();
    let refuse = |reason: &'static str| {
        let dossier_id = stored.dossier_id.clone();
        let plan = plan_id.clone();
        async move {
            audit_staff(
                services,
                &me.username,
                Some(dossier_id),
                "plan.review.refused",
                serde_json::json!({ "plan_id": plan, "reason": reason }),
                ip,
                now,
            )
            .await;
        }
    };
    let note = form.note.trim().to_owned();
    if note.chars().count() > MAX_NOTE_CHARS {
        refuse("note_too_long").await;
        return Err(StaffError::PlanNoteTooLong { plan: plan_id });
    }
    let decision = match form.decision {
        "accept" => StaffDecision::Accept,
        "reject" | "counter" if note.is_empty() => {
            refuse("note_required").await;
            return Err(StaffError::PlanNoteRequired { plan: plan_id });
        }
        "reject" => StaffDecision::Reject { note },
        "counter" => match crate::plan_choice::parse(form.months, form.amount) {
            Ok(Some(request)) => StaffDecision::Counter { request, note },
            _ => {
                refuse("terms").await;
                return Err(StaffError::PlanTerms { plan: plan_id });
            }
        },
        _ => {
            refuse("no_decision").await;
            return Err(StaffError::PlanNoDecision { plan: plan_id });
        }
    };
    match plans
        .decide(
            &plan_id,
            decision,
            &me.username,
            ip.map(|ip| ip.to_string()).as_deref(),
            now,
        )
        .await
    {
        Ok(_) => Ok(dossier_number),
        Err(PlansError::NotInPlay) => {
            refuse("already_decided").await;
            Err(StaffError::PlanAlreadyDecided { plan: plan_id })
        }
        Err(PlansError::PlanNotFound) => Err(StaffError::PlanNotFound { plan: plan_id }),
        Err(PlansError::Impossible(_)) => {
            refuse("terms").await;
            Err(StaffError::PlanTerms { plan: plan_id })
        }
        Err(PlansError::TextTooLong) => Err(StaffError::PlanNoteTooLong { plan: plan_id }),
        Err(e) => Err(unavailable("decide", e)),
    }
}
