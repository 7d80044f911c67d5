//! Staff decide requests to pay later in one sum that fall outside the agency's rules. The
//! rules are in `plans::PlanService::decide_deferral`, which audits the decision and tells the
//! debtor; this adds the staff session, form reading and audited views.

use super::{MAX_NOTE_CHARS, StaffCurrent, audit_staff};
use crate::ssr::Services;
use crate::staff::{DeferralReviewItem, StaffError};
use chrono::{DateTime, Utc};
use domain::DeferralId;
use plans::{DeferralDecisionKind, PlansError};
use std::net::IpAddr;

fn unavailable(what: &str, e: impl std::fmt::Display) -> StaffError {
    tracing::error!(error = %e, what, "staff deferral review");
    StaffError::Refused(crate::Refusal::Unavailable)
}

/// The requests waiting, oldest first. The debtor's reason is personal data: each dossier
/// shown is audited.
pub async fn queue(
    services: &Services,
    me: &StaffCurrent,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Vec<DeferralReviewItem>, StaffError> {
    let plans = services
        .plans
        .as_ref()
        .ok_or(StaffError::Refused(crate::Refusal::Unavailable))?;
    let items = plans
        .deferral_queue(now)
        .await
        .map_err(|e| unavailable("queue", e))?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let d = item.deferral;
        audit_staff(
            services,
            &me.username,
            Some(d.dossier_id.clone()),
            "deferral.review.view",
            serde_json::json!({ "deferral_id": d.id }),
            ip,
            now,
        )
        .await;
        out.push(DeferralReviewItem {
            deferral_id: d.id,
            dossier_number: item.dossier_number,
            pay_by: d.pay_by,
            open_when_asked: d.open_when_asked,
            open_now: item.open_now,
            reason: d.reason,
            breaches: d.breaches,
            received: d.created_at.format("%Y-%m-%d").to_string(),
        });
    }
    Ok(out)
}

/// Reads the form (`grant`, or `reject` with a note) and decides; returns the dossier number
/// for the confirmation. Refusals of the form are audited.
pub async fn decide(
    services: &Services,
    me: &StaffCurrent,
    id: &DeferralId,
    decision: &str,
    note: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<String, StaffError> {
    let plans = services
        .plans
        .as_ref()
        .ok_or(StaffError::Refused(crate::Refusal::Unavailable))?;
    let stored = services
        .store
        .deferral(id)
        .await
        .map_err(|e| unavailable("deferral", e))?
        .ok_or_else(|| StaffError::DeferralAlreadyDecided {
            deferral: id.clone(),
        })?;
    let refuse = |reason: &'static str| {
        let dossier_id = stored.dossier_id.clone();
        async move {
            audit_staff(
                services,
                &me.username,
                Some(dossier_id),
                "deferral.review.refused",
                serde_json::json!({ "deferral_id": id, "reason": reason }),
                ip,
                now,
            )
            .await;
        }
    };
    let note = note.trim().to_owned();
    if note.chars().count() > MAX_NOTE_CHARS {
        refuse("note_too_long").await;
        return Err(StaffError::DeferralNoteTooLong {
            deferral: id.clone(),
        });
    }
    let kind = match decision {
        "grant" => DeferralDecisionKind::Grant,
        "reject" if note.is_empty() => {
            refuse("note_required").await;
            return Err(StaffError::DeferralNoteRequired {
                deferral: id.clone(),
            });
        }
        "reject" => DeferralDecisionKind::Reject { note },
        _ => {
            refuse("no_decision").await;
            return Err(StaffError::DeferralNoDecision {
                deferral: id.clone(),
            });
        }
    };
    let dossier_number = services
        .store
        .dossier(&stored.dossier_id)
        .await
        .map_err(|e| unavailable("dossier", e))?
        .map(|d| d.number)
        .unwrap_or_default();
    let ip_text = ip.map(|ip| ip.to_string());
    match plans
        .decide_deferral(id, kind, &me.username, ip_text.as_deref(), now)
        .await
    {
        Ok(_) => Ok(dossier_number),
        Err(PlansError::NotInPlay | PlansError::PlanNotFound) => {
            refuse("already_decided").await;
            Err(StaffError::DeferralAlreadyDecided {
                deferral: id.clone(),
            })
        }
        Err(PlansError::PlanInPlay) => {
            refuse("plan_in_play").await;
            Err(StaffError::DeferralBesidePlan {
                deferral: id.clone(),
            })
        }
        Err(PlansError::TextTooLong) => Err(StaffError::DeferralNoteTooLong {
            deferral: id.clone(),
        }),
        Err(e) => Err(unavailable("decide", e)),
    }
}
