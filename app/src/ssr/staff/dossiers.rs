//! The dossier look-up (an audited view of personal data) and revoking its letter links.

use super::corrections::date;
use super::{StaffCurrent, audit_staff, unavailable};
use crate::ssr::Services;
use crate::staff::{CorrectionRow, FieldRow, StaffDossierView, StaffError};
use chrono::{DateTime, Utc};
use domain::DossierNumber;
use std::net::IpAddr;
use store::DebtorField;

/// A dossier for the look-up, audited as a staff view of personal data (a miss is audited
/// too, without a dossier).
/// Revokes every letter link of the dossier with number `number_input` (a lost letter) and
/// ends its sessions; returns the canonical number. Audited as `qr_link.revoked`.
pub async fn revoke_links(
    services: &Services,
    me: &StaffCurrent,
    number_input: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<String, StaffError> {
    let typed = number_input.trim().to_owned();
    let number: DossierNumber = typed
        .parse()
        .map_err(|_| StaffError::BadDossier { number: typed })?;
    let store = &services.store;
    let dossier = store
        .dossier_by_number(&number.to_string())
        .await
        .map_err(|e| unavailable("revoke links", e))?
        .ok_or_else(|| StaffError::DossierNotFound {
            number: number.to_string(),
        })?;
    let generation = store
        .revoke_links(&dossier.id, now)
        .await
        .map_err(|e| unavailable("revoke links", e))?;
    store
        .delete_sessions_for_dossier(&dossier.id)
        .await
        .map_err(|e| unavailable("revoke links", e))?;
    audit_staff(
        services,
        &me.username,
        Some(dossier.id),
        "qr_link.revoked",
        serde_json::json!({ "generation": generation }),
        ip,
        now,
    )
    .await;
    Ok(number.to_string())
}

pub async fn dossier_view(
    services: &Services,
    me: &StaffCurrent,
    number_input: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<StaffDossierView, StaffError> {
    let typed = number_input.trim().to_owned();
    let number: DossierNumber = typed
        .parse()
        .map_err(|_| StaffError::BadDossier { number: typed })?;
    let store = &services.store;
    let Some(dossier) = store
        .dossier_by_number(&number.to_string())
        .await
        .map_err(|e| unavailable("dossier", e))?
    else {
        audit_staff(
            services,
            &me.username,
            None,
            "staff.dossier_lookup.not_found",
            serde_json::json!({ "number": number.to_string() }),
            ip,
            now,
        )
        .await;
        return Err(StaffError::DossierNotFound {
            number: number.to_string(),
        });
    };
    let creditor = store
        .creditor(&dossier.creditor_id)
        .await
        .map_err(|e| unavailable("dossier", e))?
        .map(|c| c.name)
        .unwrap_or_else(|| dossier.creditor_id.to_string());
    let debtor = store
        .debtor(&dossier.id)
        .await
        .map_err(|e| unavailable("dossier", e))?;
    let fields = DebtorField::ALL
        .iter()
        .map(|field| FieldRow {
            field: field.as_str().to_owned(),
            value: debtor.as_ref().and_then(|d| d.details.get(*field)),
        })
        .collect();
    let corrections = store
        .corrections_for_dossier(&dossier.id)
        .await
        .map_err(|e| unavailable("dossier", e))?
        .into_iter()
        .map(|r| CorrectionRow {
            id: r.id,
            field: r.field.as_str().to_owned(),
            value_when_asked: r.current_value,
            proposed_value: r.proposed_value,
            reason: r.reason,
            status: r.status.as_str().to_owned(),
            staff_note: r.staff_note,
            received: date(r.created_at),
            due: date(r.due_at),
            decided: r.decided_at.map(date),
            decided_by: r.decided_by,
        })
        .collect();
    audit_staff(
        services,
        &me.username,
        Some(dossier.id.clone()),
        "personal_data.viewed",
        serde_json::json!({ "via": "dossier_lookup" }),
        ip,
        now,
    )
    .await;
    Ok(StaffDossierView {
        number: dossier.number,
        status: dossier.status.as_str().to_owned(),
        creditor,
        debtor_kind: debtor.map(|d| d.details.kind.as_str().to_owned()),
        fields,
        corrections,
    })
}
