//! Requests to pay later in one sum (`payment_deferral`): at most one in play per dossier,
//! never beside a payment plan in play; every change is a compare-and-set written with its
//! audit event and the debtor's message in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{DeferralBreach, DeferralId, DossierId, Money};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::Store;
use crate::audit::{NewAuditEvent, append_audit};
use crate::error::{Conflict, Result, StoreError, is_unique_violation};
use crate::outbox::{NewMail, queue_mail};
use crate::row::{RowExt, date_text, millis};
use crate::types::DeferralStatus;

/// A request to pay later, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deferral {
    pub id: DeferralId,
    pub dossier_id: DossierId,
    pub status: DeferralStatus,
    /// The day the debtor promised to pay everything by.
    pub pay_by: NaiveDate,
    /// What was open when asked.
    pub open_when_asked: Money,
    /// The debtor's explanation (asked for outside the rules).
    pub reason: Option<String>,
    /// The agency's rules the request broke (none: granted at once).
    pub breaches: Vec<DeferralBreach>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub staff_note: Option<String>,
    /// When it was kept or broken.
    pub ended_at: Option<DateTime<Utc>>,
}

/// A new request: `Granted` within the rules, else `NeedsReview`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDeferral {
    pub id: DeferralId,
    pub dossier_id: DossierId,
    pub status: DeferralStatus,
    pub pay_by: NaiveDate,
    pub open_when_asked: Money,
    pub reason: Option<String>,
    pub breaches: Vec<DeferralBreach>,
    pub audit: NewAuditEvent,
    /// The debtor's message (a deferral granted at once).
    pub mail: Option<NewMail>,
}

/// A change of status: `from` → `to`, by staff (with a note) or the system.
#[derive(Debug, Clone, PartialEq)]
pub struct DeferralDecision {
    pub id: DeferralId,
    pub from: DeferralStatus,
    pub to: DeferralStatus,
    pub decided_by: Option<String>,
    pub staff_note: Option<String>,
    pub audit: NewAuditEvent,
    pub mail: Option<NewMail>,
    pub now: DateTime<Utc>,
}

const COLUMNS: &str = "id, dossier_id, status, pay_by, open_cents, reason, breaches, created_at, \
                       decided_at, decided_by, staff_note, ended_at";

/// Whether the dossier has a deferral in play (waiting for staff, or granted).
pub(crate) async fn deferral_in_play(
    conn: &mut AnyConnection,
    dossier_id: &DossierId,
) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT 1 FROM payment_deferral \
         WHERE dossier_id = $1 AND status IN ('needs_review', 'granted')",
    )
    .bind(dossier_id.as_str())
    .fetch_optional(conn)
    .await?
    .is_some())
}

impl Store {
    /// Stores a request with its audit event (and message). A dossier with a deferral or a
    /// payment plan in play gets a [`Conflict`]: `DeferralInPlay` or `PlanInPlay`.
    pub async fn create_deferral(&self, new: &NewDeferral, now: DateTime<Utc>) -> Result<Deferral> {
        let breaches = serde_json::to_string(&new.breaches)
            .map_err(|_| StoreError::Invalid("deferral breaches"))?;
        let mut tx = self.begin_write().await?;
        let plan = sqlx::query(
            "SELECT 1 FROM payment_plan WHERE dossier_id = $1 \
               AND status IN ('proposed', 'active', 'needs_review')",
        )
        .bind(new.dossier_id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if plan.is_some() {
            return Err(StoreError::Conflict(Conflict::PlanInPlay));
        }
        let id = new.id.as_str().to_owned();
        let inserted = sqlx::query(
            "INSERT INTO payment_deferral (id, dossier_id, status, pay_by, open_cents, reason, \
                 breaches, created_at, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(new.dossier_id.as_str())
        .bind(new.status.as_str())
        .bind(date_text(new.pay_by))
        .bind(new.open_when_asked.cents())
        .bind(new.reason.as_deref())
        .bind(&breaches)
        .bind(millis(now))
        .bind((new.status == DeferralStatus::Granted).then(|| millis(now)))
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(Conflict::DeferralInPlay));
            }
            other => other?,
        };
        let mut audit = new.audit.clone();
        if let Some(detail) = audit.detail.as_object_mut() {
            detail.insert("deferral_id".into(), id.clone().into());
        }
        append_audit(&mut tx, &audit).await?;
        if let Some(mail) = &new.mail {
            queue_mail(&mut tx, mail).await?;
        }
        let stored = fetch(&mut tx, &DeferralId::new(id)).await?;
        tx.commit().await?;
        stored.ok_or(StoreError::Invalid("the deferral vanished"))
    }

    /// One request.
    pub async fn deferral(&self, id: &DeferralId) -> Result<Option<Deferral>> {
        let mut conn = self.pool.acquire().await?;
        fetch(&mut conn, id).await
    }

    /// The dossier's requests, newest first.
    pub async fn deferrals_for_dossier(&self, dossier_id: &DossierId) -> Result<Vec<Deferral>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM payment_deferral WHERE dossier_id = $1 \
             ORDER BY created_at DESC, id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(dossier_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Requests with `status`, oldest first (the staff queue, the daily job).
    pub async fn deferrals_with_status(&self, status: DeferralStatus) -> Result<Vec<Deferral>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM payment_deferral WHERE status = $1 ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(status.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Moves a request `from` → `to` with its audit event and message; `None` when it was no
    /// longer `from` (decided before, a double submit): nothing changed. Granting by staff
    /// conflicts with a plan that became active meanwhile ([`Conflict::PlanInPlay`]).
    pub async fn decide_deferral(&self, d: &DeferralDecision) -> Result<Option<Deferral>> {
        let mut tx = self.begin_write().await?;
        if d.to == DeferralStatus::Granted {
            let dossier: Option<String> =
                sqlx::query_scalar("SELECT dossier_id FROM payment_deferral WHERE id = $1")
                    .bind(d.id.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            let plan = match dossier {
                Some(dossier) => sqlx::query(
                    "SELECT 1 FROM payment_plan WHERE dossier_id = $1 \
                       AND status IN ('proposed', 'active', 'needs_review')",
                )
                .bind(dossier)
                .fetch_optional(&mut *tx)
                .await?
                .is_some(),
                None => false,
            };
            if plan {
                return Err(StoreError::Conflict(Conflict::PlanInPlay));
            }
        }
        let ends = matches!(d.to, DeferralStatus::Kept | DeferralStatus::Broken);
        let moved = sqlx::query(
            "UPDATE payment_deferral SET status = $1, \
                 decided_at = CASE WHEN $2 THEN decided_at ELSE $3 END, \
                 decided_by = CASE WHEN $2 THEN decided_by ELSE $4 END, \
                 staff_note = CASE WHEN $2 THEN staff_note ELSE $5 END, \
                 ended_at = CASE WHEN $2 THEN $3 ELSE ended_at END \
             WHERE id = $6 AND status = $7",
        )
        .bind(d.to.as_str())
        .bind(ends)
        .bind(millis(d.now))
        .bind(d.decided_by.as_deref())
        .bind(d.staff_note.as_deref())
        .bind(d.id.as_str())
        .bind(d.from.as_str())
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        let mut audit = d.audit.clone();
        if let Some(detail) = audit.detail.as_object_mut() {
            detail.insert("deferral_id".into(), d.id.as_str().into());
        }
        append_audit(&mut tx, &audit).await?;
        if let Some(mail) = &d.mail {
            queue_mail(&mut tx, mail).await?;
        }
        let stored = fetch(&mut tx, &d.id).await?;
        tx.commit().await?;
        Ok(stored)
    }
}

async fn fetch(conn: &mut AnyConnection, id: &DeferralId) -> Result<Option<Deferral>> {
    let sql = format!("SELECT {COLUMNS} FROM payment_deferral WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

fn from_row(row: &AnyRow) -> Result<Deferral> {
    let breaches = row.text("breaches")?;
    Ok(Deferral {
        id: row.id("id")?,
        dossier_id: row.id("dossier_id")?,
        status: row.enumeration("status")?,
        pay_by: row.date("pay_by")?,
        open_when_asked: row.money("open_cents")?,
        reason: row.opt_text("reason")?,
        breaches: serde_json::from_str(&breaches)
            .map_err(|_| StoreError::Invalid("stored deferral breaches"))?,
        created_at: row.instant("created_at")?,
        decided_at: row.opt_instant("decided_at")?,
        decided_by: row.opt_text("decided_by")?,
        staff_note: row.opt_text("staff_note")?,
        ended_at: row.opt_instant("ended_at")?,
    })
}
