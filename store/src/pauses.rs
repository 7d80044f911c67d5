//! Pauses in collection (`collection_pause`), recorded by staff at the request of municipal
//! debt help; see `domain::pause`. Written with the audit event and the debtor's message in
//! one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{CollectionPause, DossierId, Notice, PauseId};
use sqlx::any::AnyRow;

use crate::Store;
use crate::audit::{NewAuditEvent, append_audit};
use crate::error::{Result, StoreError};
use crate::outbox::{NewMail, queue_mail};
use crate::row::{RowExt, date_text, millis};
use crate::types::ActorKind;

/// A recorded pause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause {
    pub id: PauseId,
    pub dossier_id: DossierId,
    /// The days it covers (up to the day it was ended, when ended early).
    pub days: CollectionPause,
    /// Who asked (the municipal debt help and its contact), as staff wrote it.
    pub requested_by: String,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_by: Option<String>,
}

/// A pause to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPause {
    pub id: PauseId,
    pub dossier_id: DossierId,
    pub days: CollectionPause,
    pub requested_by: String,
    pub note: Option<String>,
    pub created_by: String,
    pub audit: NewAuditEvent,
    pub mail: NewMail,
}

impl NewPause {
    /// A pause recorded by staff member `by` (from `client_ip`), with its audit event
    /// (`pause.started`) and the debtor's message (`Notice::CollectionPaused`), derived here
    /// so that every caller records the same.
    pub fn by_staff(
        dossier_id: &DossierId,
        days: CollectionPause,
        requested_by: &str,
        note: Option<String>,
        by: &str,
        client_ip: Option<String>,
        now: DateTime<Utc>,
    ) -> NewPause {
        let id = PauseId::new(uuid::Uuid::new_v4().to_string());
        NewPause {
            audit: NewAuditEvent {
                at: now,
                actor_kind: ActorKind::Staff,
                actor_id: Some(by.to_owned()),
                dossier_id: Some(dossier_id.clone()),
                action: "pause.started".into(),
                detail: serde_json::json!({
                    "pause_id": id,
                    "from": days.from(),
                    "until": days.until(),
                    "requested_by": requested_by,
                    "note": note,
                }),
                client_ip,
                counsellor: None,
            },
            mail: NewMail {
                dossier_id: dossier_id.clone(),
                notice: Notice::CollectionPaused {
                    until: days.until(),
                },
                dedupe_key: format!("pause:{id}:started"),
                created_at: now,
            },
            id,
            dossier_id: dossier_id.clone(),
            days,
            requested_by: requested_by.to_owned(),
            note,
            created_by: by.to_owned(),
        }
    }
}

const COLUMNS: &str = "id, dossier_id, starts_on, ends_on, requested_by, note, created_by, \
                       created_at, ended_at, ended_by";

impl Store {
    /// Records a pause with its audit event and the debtor's message.
    pub async fn create_pause(&self, new: &NewPause, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO collection_pause (id, dossier_id, starts_on, ends_on, requested_by, \
                 note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new.id.as_str())
        .bind(new.dossier_id.as_str())
        .bind(date_text(new.days.from()))
        .bind(date_text(new.days.until()))
        .bind(&new.requested_by)
        .bind(new.note.as_deref())
        .bind(&new.created_by)
        .bind(millis(now))
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, &new.audit).await?;
        queue_mail(&mut tx, &new.mail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends a running pause early, on `today` (it then covers up to yesterday, or today when
    /// it started today). `false` when it had ended or was ended already.
    pub async fn end_pause(
        &self,
        id: &PauseId,
        today: NaiveDate,
        by: &str,
        audit: &NewAuditEvent,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let last = today.pred_opt().unwrap_or(today);
        let ended = sqlx::query(
            "UPDATE collection_pause SET ended_at = $1, ended_by = $2, \
                 ends_on = CASE WHEN starts_on > $3 THEN starts_on ELSE $3 END \
             WHERE id = $4 AND ended_at IS NULL AND ends_on >= $5",
        )
        .bind(millis(now))
        .bind(by)
        .bind(date_text(last))
        .bind(id.as_str())
        .bind(date_text(today))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if ended {
            append_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(ended)
    }

    /// The dossier's pauses, latest first.
    pub async fn pauses_for_dossier(&self, dossier_id: &DossierId) -> Result<Vec<Pause>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM collection_pause WHERE dossier_id = $1 \
             ORDER BY starts_on DESC, created_at DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(dossier_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Just the days of the dossier's pauses (for the jobs that let terms run).
    pub async fn pause_days(&self, dossier_id: &DossierId) -> Result<Vec<CollectionPause>> {
        Ok(self
            .pauses_for_dossier(dossier_id)
            .await?
            .into_iter()
            .map(|p| p.days)
            .collect())
    }
}

fn from_row(row: &AnyRow) -> Result<Pause> {
    let days = CollectionPause::new(row.date("starts_on")?, row.date("ends_on")?)
        .map_err(|_| StoreError::Invalid("a stored pause that cannot be"))?;
    Ok(Pause {
        id: row.id("id")?,
        dossier_id: row.id("dossier_id")?,
        days,
        requested_by: row.text("requested_by")?,
        note: row.opt_text("note")?,
        created_by: row.text("created_by")?,
        created_at: row.instant("created_at")?,
        ended_at: row.opt_instant("ended_at")?,
        ended_by: row.opt_text("ended_by")?,
    })
}
