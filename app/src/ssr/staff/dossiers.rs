//! The dossier look-up (an audited view of personal data) and revoking its letter links.

use super::corrections::date;
use super::{StaffCurrent, audit_staff, unavailable};
use crate::ssr::Services;
use crate::staff::{CorrectionRow, FieldRow, PauseRow, StaffDossierView, StaffError};
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
    let today = claim::dutch_date(now);
    let pauses = store
        .pauses_for_dossier(&dossier.id)
        .await
        .map_err(|e| unavailable("dossier", e))?
        .into_iter()
        .map(|p| PauseRow {
            running: p.ended_at.is_none() && p.days.covers(today),
            id: p.id,
            from: p.days.from(),
            until: p.days.until(),
            requested_by: p.requested_by,
            note: p.note,
            created_by: p.created_by,
            ended_by: p.ended_by,
        })
        .collect();
    Ok(StaffDossierView {
        pauses,
        today,
        number: dossier.number,
        status: dossier.status.as_str().to_owned(),
        creditor,
        debtor_kind: debtor.map(|d| d.details.kind.as_str().to_owned()),
        fields,
        corrections,
    })
}

/// Why a pause could not be recorded; the look-up page shows it by its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseProblem {
    /// The last day is not a date, is before today, or makes the pause too long.
    Until,
    /// Who asked for it is missing (or too long).
    RequestedBy,
}

impl PauseProblem {
    /// As it travels in the URL.
    pub fn code(self) -> &'static str {
        match self {
            PauseProblem::Until => "until",
            PauseProblem::RequestedBy => "requested_by",
        }
    }
}

/// Records a pause in collection from today to `until` on the dossier `number`, at the request
/// of `requested_by` (municipal debt help); the debtor is told. Audited as `pause.started`.
pub async fn start_pause(
    services: &Services,
    me: &StaffCurrent,
    number_input: &str,
    form: (&str, &str, &str),
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Result<String, PauseProblem>, StaffError> {
    let (until, requested_by, note) = form;
    let typed = number_input.trim().to_owned();
    let number: DossierNumber = typed
        .parse()
        .map_err(|_| StaffError::BadDossier { number: typed })?;
    let dossier = services
        .store
        .dossier_by_number(&number.to_string())
        .await
        .map_err(|e| unavailable("pause", e))?
        .ok_or_else(|| StaffError::DossierNotFound {
            number: number.to_string(),
        })?;
    let today = claim::dutch_date(now);
    let Some(days) = crate::ssr::later::parse_day(until)
        .ok()
        .and_then(|until| domain::CollectionPause::new(today, until).ok())
    else {
        return Ok(Err(PauseProblem::Until));
    };
    let requested_by = requested_by.trim();
    if requested_by.is_empty() || requested_by.chars().count() > 200 {
        return Ok(Err(PauseProblem::RequestedBy));
    }
    let note = Some(note.trim())
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(super::MAX_NOTE_CHARS).collect::<String>());
    services
        .store
        .create_pause(
            &store::NewPause::by_staff(
                &dossier.id,
                days,
                requested_by,
                note,
                &me.username,
                ip.map(|ip| ip.to_string()),
                now,
            ),
            now,
        )
        .await
        .map_err(|e| unavailable("pause", e))?;
    Ok(Ok(number.to_string()))
}

/// Ends a running pause of the dossier `number` today. Audited as `pause.ended`.
pub async fn end_pause(
    services: &Services,
    me: &StaffCurrent,
    number_input: &str,
    pause: &domain::PauseId,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<String, StaffError> {
    let typed = number_input.trim().to_owned();
    let number: DossierNumber = typed
        .parse()
        .map_err(|_| StaffError::BadDossier { number: typed })?;
    let dossier = services
        .store
        .dossier_by_number(&number.to_string())
        .await
        .map_err(|e| unavailable("pause", e))?
        .ok_or_else(|| StaffError::DossierNotFound {
            number: number.to_string(),
        })?;
    // Only a pause of this dossier.
    let ours = services
        .store
        .pauses_for_dossier(&dossier.id)
        .await
        .map_err(|e| unavailable("pause", e))?
        .iter()
        .any(|p| p.id == *pause);
    if ours {
        services
            .store
            .end_pause(
                pause,
                claim::dutch_date(now),
                &me.username,
                &store::NewAuditEvent {
                    at: now,
                    actor_kind: store::ActorKind::Staff,
                    actor_id: Some(me.username.clone()),
                    dossier_id: Some(dossier.id.clone()),
                    action: "pause.ended".into(),
                    detail: serde_json::json!({ "pause_id": pause }),
                    client_ip: ip.map(|ip| ip.to_string()),
                    counsellor: None,
                },
                now,
            )
            .await
            .map_err(|e| unavailable("pause", e))?;
    }
    Ok(number.to_string())
}
