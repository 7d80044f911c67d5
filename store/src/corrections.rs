//! Correction requests (GDPR art. 16): the debtor proposes, staff decide within a month.

use chrono::{DateTime, Utc};
use domain::{CorrectionId, DossierId, Notice};
use sqlx::any::AnyRow;

use crate::Store;
use crate::audit::{NewAuditEvent, append_audit};
use crate::dossiers::{debtor, record_field_source, write_debtor};
use crate::error::{Conflict, Result, StoreError, is_unique_violation};
use crate::outbox::{NewMail, queue_mail};
use crate::row::{RowExt, millis};
use crate::types::{ActorKind, CorrectionStatus, DebtorField, FieldSourceKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCorrection {
    pub dossier_id: DossierId,
    pub field: DebtorField,
    /// The value shown to the debtor when they asked (none if the field was empty).
    pub current_value: Option<String>,
    /// Blank asks to remove the value.
    pub proposed_value: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    /// The answer deadline (one month after `created_at`).
    pub due_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionRequest {
    pub id: CorrectionId,
    pub dossier_id: DossierId,
    pub field: DebtorField,
    pub current_value: Option<String>,
    pub proposed_value: String,
    pub reason: String,
    pub status: CorrectionStatus,
    pub staff_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionDecision {
    pub id: CorrectionId,
    pub accept: bool,
    pub staff_note: Option<String>,
    /// The staff username.
    pub decided_by: String,
    pub now: DateTime<Utc>,
    pub client_ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// This call decided it; the request as stored now.
    Now(CorrectionRequest),
    /// It had been decided before (by someone else, or a double submit); nothing changed.
    Earlier(CorrectionRequest),
}

const CORRECTION_COLUMNS: &str = "id, dossier_id, field, current_value, proposed_value, reason, \
     status, staff_note, created_at, due_at, decided_at, decided_by";

impl Store {
    /// Files a request; a second open request for the same field is a
    /// [`StoreError::Conflict`].
    pub async fn create_correction(&self, request: &NewCorrection) -> Result<CorrectionRequest> {
        let sql = format!(
            "INSERT INTO correction_request (dossier_id, field, current_value, proposed_value, \
                 reason, status, created_at, due_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {CORRECTION_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(request.dossier_id.as_str())
            .bind(request.field.as_str())
            .bind(&request.current_value)
            .bind(&request.proposed_value)
            .bind(&request.reason)
            .bind(CorrectionStatus::Submitted.as_str())
            .bind(millis(request.created_at))
            .bind(millis(request.due_at))
            .fetch_one(&self.pool)
            .await;
        match row {
            Ok(row) => correction_from_row(&row),
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::Conflict(Conflict::OpenCorrection))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn correction(&self, id: CorrectionId) -> Result<Option<CorrectionRequest>> {
        let sql = format!("SELECT {CORRECTION_COLUMNS} FROM correction_request WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(correction_from_row).transpose()
    }

    /// The dossier's requests, newest first.
    pub async fn corrections_for_dossier(
        &self,
        dossier_id: &DossierId,
    ) -> Result<Vec<CorrectionRequest>> {
        let sql = format!(
            "SELECT {CORRECTION_COLUMNS} FROM correction_request WHERE dossier_id = $1 \
             ORDER BY created_at DESC, id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(dossier_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(correction_from_row).collect()
    }

    /// Undecided requests for staff, the nearest deadline first.
    pub async fn open_corrections(&self) -> Result<Vec<CorrectionRequest>> {
        let sql = format!(
            "SELECT {CORRECTION_COLUMNS} FROM correction_request WHERE status = $1 \
             ORDER BY due_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(CorrectionStatus::Submitted.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(correction_from_row).collect()
    }

    /// Decides a submitted request in one transaction: its status, and when accepted the new
    /// field value with the correction recorded as the field's source, plus an audit event.
    /// An accepted correction's event also holds the field's value just before and just after
    /// the change (read in the same transaction), so the trail shows what was overwritten even
    /// when the field changed after the debtor asked; it goes with the dossier at retention.
    pub async fn decide_correction(&self, decision: &CorrectionDecision) -> Result<Decided> {
        let status = if decision.accept {
            CorrectionStatus::Accepted
        } else {
            CorrectionStatus::Rejected
        };
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "UPDATE correction_request SET status = $1, staff_note = $2, decided_at = $3, \
                 decided_by = $4 \
             WHERE id = $5 AND status = $6 RETURNING {CORRECTION_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(status.as_str())
            .bind(&decision.staff_note)
            .bind(millis(decision.now))
            .bind(&decision.decided_by)
            .bind(decision.id.get())
            .bind(CorrectionStatus::Submitted.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return match self.correction(decision.id).await? {
                Some(request) => Ok(Decided::Earlier(request)),
                None => Err(StoreError::NotFound("correction request")),
            };
        };
        let request = correction_from_row(&row)?;
        let mut detail = serde_json::json!({
            "correction_id": request.id,
            "field": request.field.as_str(),
        });
        if decision.accept {
            let mut details = debtor(&mut tx, &request.dossier_id)
                .await?
                .ok_or(StoreError::NotFound("debtor"))?
                .details;
            let old_value = details.get(request.field);
            details
                .set(request.field, Some(request.proposed_value.clone()))
                .map_err(StoreError::Invalid)?;
            detail["old_value"] = serde_json::json!(old_value);
            detail["new_value"] = serde_json::json!(details.get(request.field));
            write_debtor(&mut tx, &request.dossier_id, &details, decision.now).await?;
            record_field_source(
                &mut tx,
                &request.dossier_id,
                request.field,
                FieldSourceKind::Correction,
                &request.id.to_string(),
                decision.now,
            )
            .await?;
        }
        append_audit(
            &mut tx,
            &NewAuditEvent {
                at: decision.now,
                actor_kind: ActorKind::Staff,
                actor_id: Some(decision.decided_by.clone()),
                dossier_id: Some(request.dossier_id.clone()),
                action: format!("correction.{}", status.as_str()),
                detail,
                client_ip: decision.client_ip.clone(),
                counsellor: None,
            },
        )
        .await?;
        // The debtor gets the decision in writing (GDPR art. 12 lid 3: informed of the action
        // taken on their request).
        queue_mail(
            &mut tx,
            &NewMail {
                dossier_id: request.dossier_id.clone(),
                notice: Notice::CorrectionDecided {
                    field: request.field.as_str().to_owned(),
                    accepted: decision.accept,
                    note: decision.staff_note.clone(),
                },
                dedupe_key: format!("correction:{}:decided", request.id),
                created_at: decision.now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Decided::Now(request))
    }
}

fn correction_from_row(row: &AnyRow) -> Result<CorrectionRequest> {
    Ok(CorrectionRequest {
        id: row.id("id")?,
        dossier_id: row.id("dossier_id")?,
        field: row.enumeration("field")?,
        current_value: row.opt_text("current_value")?,
        proposed_value: row.text("proposed_value")?,
        reason: row.text("reason")?,
        status: row.enumeration("status")?,
        staff_note: row.opt_text("staff_note")?,
        created_at: row.instant("created_at")?,
        due_at: row.instant("due_at")?,
        decided_at: row.opt_instant("decided_at")?,
        decided_by: row.opt_text("decided_by")?,
    })
}
