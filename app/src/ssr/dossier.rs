//! The signed-in debtor's dossier overview: the claim and what is open. The dossier id comes
//! from the session, never from the request, so no one reaches another dossier by changing
//! an id.

use super::Services;
use crate::errors::Refusal;
use crate::model::ClaimOverview;
use chrono::{DateTime, Utc};
use domain::DossierId;

fn claim_error(e: claim::ClaimError) -> Refusal {
    tracing::error!(error = %e, "claim could not be computed");
    Refusal::Unavailable
}

/// The claim overview for the session's dossier.
pub async fn claim_overview(
    services: &Services,
    dossier_id: &DossierId,
    pay_only: bool,
    now: DateTime<Utc>,
) -> Result<ClaimOverview, Refusal> {
    let as_of = claim::dutch_date(now);
    let view = claim::load_claim(&services.store, dossier_id, as_of)
        .await
        .map_err(claim_error)?;
    // A running pause: covering today and not ended by staff.
    let paused_until = services
        .store
        .pauses_for_dossier(dossier_id)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "pauses");
            Refusal::Unavailable
        })?
        .into_iter()
        .filter(|p| p.ended_at.is_none() && p.days.covers(as_of))
        .map(|p| p.days.until())
        .max();
    Ok(ClaimOverview {
        number: view.dossier_number.clone(),
        creditor: view.creditor.name.clone(),
        pay_only,
        open_total: view.open_total(),
        as_of,
        minimum_part_payment: services.minimum_part_payment(),
        can_pay_online: services.payments.is_some(),
        pay_intent: uuid::Uuid::new_v4().simple().to_string(),
        claim: (!pay_only).then_some(view),
        paused_until,
        acting: None,
    })
}
