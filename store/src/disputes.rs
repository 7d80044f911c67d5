//! Disputes and complaints with their attachments, and the write-offs of invoices that a
//! dispute upheld leaves in the ledger.

use chrono::{DateTime, Utc};
use domain::{AttachmentId, ClaimItemId, DisputeId, DossierId, LedgerEntryId, Notice};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::Store;
use crate::audit::{NewAuditEvent, append_audit};
use crate::error::{Conflict, Result, StoreError, is_unique_violation};
use crate::ledger::{NewLedgerEntry, append_ledger_entry};
use crate::outbox::{NewMail, queue_mail};
use crate::row::{RowExt, millis};
use crate::types::{AttachmentType, DisputeDecisionKind, DisputeKind, DisputeStatus};

/// A file to keep with a new dispute (already checked by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub filename: String,
    pub content_type: AttachmentType,
    /// Hex SHA-256 of `content`.
    pub sha256: String,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDispute {
    pub dossier_id: DossierId,
    /// The disputed invoice (`claim_item.id`); `None` for the whole dossier (or a complaint).
    pub claim_item_id: Option<ClaimItemId>,
    pub kind: DisputeKind,
    pub explanation: String,
    pub created_at: DateTime<Utc>,
    pub ack_due_at: DateTime<Utc>,
    pub decision_due_at: DateTime<Utc>,
    pub attachments: Vec<NewAttachment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute {
    pub id: DisputeId,
    pub dossier_id: DossierId,
    pub claim_item_id: Option<ClaimItemId>,
    pub kind: DisputeKind,
    pub explanation: String,
    pub status: DisputeStatus,
    pub decision: Option<DisputeDecisionKind>,
    /// Staff's acknowledgement message, shown to the debtor.
    pub ack_note: Option<String>,
    /// Staff's decision with reasons, shown to the debtor.
    pub answer: Option<String>,
    pub created_at: DateTime<Utc>,
    pub ack_due_at: DateTime<Utc>,
    pub decision_due_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    /// The write-off (upheld) or the payment booked from the proof (paid).
    pub ledger_entry_id: Option<LedgerEntryId>,
}

/// An attachment without its bytes, for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentMeta {
    pub id: AttachmentId,
    pub dispute_id: DisputeId,
    pub dossier_id: DossierId,
    pub filename: String,
    pub content_type: AttachmentType,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// An attachment with its bytes, for a download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub meta: AttachmentMeta,
    pub content: Vec<u8>,
}

/// Staff acknowledge a dispute (open → acknowledged).
#[derive(Debug, Clone, PartialEq)]
pub struct DisputeAck {
    pub id: DisputeId,
    pub note: Option<String>,
    pub staff: String,
    pub now: DateTime<Utc>,
    pub audit: NewAuditEvent,
}

/// Staff decide a dispute, with what the decision books, all in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct DisputeDecision {
    pub id: DisputeId,
    pub decision: DisputeDecisionKind,
    pub answer: String,
    pub staff: String,
    pub now: DateTime<Utc>,
    /// A ledger entry to append (a write-off, or a payment booked from proof); its key makes a
    /// replay a no-op.
    pub entry: Option<NewLedgerEntry>,
    /// When `entry` writes off one invoice: that invoice.
    pub write_off_invoice: Option<ClaimItemId>,
    /// Its `detail` object gets `dispute_id` and `ledger_entry_id`.
    pub audit: NewAuditEvent,
}

/// The result of a staff action on a dispute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisputeChanged {
    /// This call changed it; the dispute as stored now.
    Now(Dispute),
    /// It was not in a state the action applies to (decided before, a double submit):
    /// nothing changed.
    Earlier(Dispute),
}

const DISPUTE_COLUMNS: &str = "id, dossier_id, claim_item_id, kind, explanation, status, \
     decision, ack_note, answer, created_at, ack_due_at, decision_due_at, acknowledged_at, \
     acknowledged_by, decided_at, decided_by, ledger_entry_id";
const ATTACHMENT_COLUMNS: &str =
    "id, dispute_id, dossier_id, filename, content_type, size_bytes, sha256, created_at";

impl Store {
    /// Files a dispute with its attachments and the audit event (its `detail` object gets
    /// `dispute_id`) in one transaction. A second open dispute of the same invoice (or of the
    /// whole dossier, or a second open complaint) is a [`StoreError::Conflict`].
    pub async fn create_dispute(
        &self,
        dispute: &NewDispute,
        audit: &NewAuditEvent,
    ) -> Result<Dispute> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "INSERT INTO dispute (dossier_id, claim_item_id, kind, explanation, status, \
                 created_at, ack_due_at, decision_due_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {DISPUTE_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(dispute.dossier_id.as_str())
            .bind(dispute.claim_item_id.map(ClaimItemId::get))
            .bind(dispute.kind.as_str())
            .bind(&dispute.explanation)
            .bind(DisputeStatus::Open.as_str())
            .bind(millis(dispute.created_at))
            .bind(millis(dispute.ack_due_at))
            .bind(millis(dispute.decision_due_at))
            .fetch_one(&mut *tx)
            .await;
        let stored = match row {
            Ok(row) => dispute_from_row(&row)?,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(Conflict::OpenDispute));
            }
            Err(e) => return Err(e.into()),
        };
        for file in &dispute.attachments {
            let size = i64::try_from(file.content.len())
                .map_err(|_| StoreError::Invalid("attachment too large"))?;
            sqlx::query(
                "INSERT INTO dispute_attachment (dispute_id, dossier_id, filename, \
                     content_type, size_bytes, sha256, content, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(stored.id.get())
            .bind(dispute.dossier_id.as_str())
            .bind(&file.filename)
            .bind(file.content_type.as_str())
            .bind(size)
            .bind(&file.sha256)
            .bind(file.content.clone())
            .bind(millis(dispute.created_at))
            .execute(&mut *tx)
            .await?;
        }
        let mut event = audit.clone();
        set_detail(&mut event.detail, "dispute_id", stored.id.get());
        append_audit(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(stored)
    }

    pub async fn dispute(&self, id: DisputeId) -> Result<Option<Dispute>> {
        let mut conn = self.pool.acquire().await?;
        dispute_by_id(&mut conn, id).await
    }

    /// The dossier's disputes and complaints, newest first.
    pub async fn disputes_for_dossier(&self, dossier_id: &DossierId) -> Result<Vec<Dispute>> {
        let sql = format!(
            "SELECT {DISPUTE_COLUMNS} FROM dispute WHERE dossier_id = $1 \
             ORDER BY created_at DESC, id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(dossier_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(dispute_from_row).collect()
    }

    /// Disputes and complaints not yet decided, for staff: the earliest deadline first (the
    /// acknowledgement while not acknowledged, else the decision).
    pub async fn undecided_disputes(&self) -> Result<Vec<Dispute>> {
        let sql = format!(
            "SELECT {DISPUTE_COLUMNS} FROM dispute WHERE status <> $1 \
             ORDER BY CASE WHEN status = $2 THEN ack_due_at ELSE decision_due_at END, id"
        );
        let rows = sqlx::query(&sql)
            .bind(DisputeStatus::Decided.as_str())
            .bind(DisputeStatus::Open.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(dispute_from_row).collect()
    }

    /// The attachments of a dispute, without their bytes, oldest first.
    pub async fn dispute_attachments(&self, dispute_id: DisputeId) -> Result<Vec<AttachmentMeta>> {
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM dispute_attachment WHERE dispute_id = $1 ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(dispute_id.get())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(attachment_meta_from_row).collect()
    }

    /// One attachment with its bytes, only when it belongs to `dossier_id` (`None` otherwise,
    /// so another dossier's file looks the same as no file).
    pub async fn attachment_of_dossier(
        &self,
        id: AttachmentId,
        dossier_id: &DossierId,
    ) -> Result<Option<Attachment>> {
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS}, content FROM dispute_attachment \
             WHERE id = $1 AND dossier_id = $2"
        );
        let row = sqlx::query(&sql)
            .bind(id.get())
            .bind(dossier_id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(attachment_from_row).transpose()
    }

    /// One attachment with its bytes, for staff.
    pub async fn attachment(&self, id: AttachmentId) -> Result<Option<Attachment>> {
        let sql =
            format!("SELECT {ATTACHMENT_COLUMNS}, content FROM dispute_attachment WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(attachment_from_row).transpose()
    }

    /// Acknowledges an open dispute, with the audit event, in one transaction.
    pub async fn acknowledge_dispute(&self, ack: &DisputeAck) -> Result<DisputeChanged> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "UPDATE dispute SET status = $1, ack_note = $2, acknowledged_at = $3, \
                 acknowledged_by = $4 \
             WHERE id = $5 AND status = $6 RETURNING {DISPUTE_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(DisputeStatus::Acknowledged.as_str())
            .bind(&ack.note)
            .bind(millis(ack.now))
            .bind(&ack.staff)
            .bind(ack.id.get())
            .bind(DisputeStatus::Open.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            let earlier = dispute_by_id(&mut tx, ack.id)
                .await?
                .ok_or(StoreError::NotFound("dispute"))?;
            tx.rollback().await?;
            return Ok(DisputeChanged::Earlier(earlier));
        };
        let dispute = dispute_from_row(&row)?;
        let mut event = ack.audit.clone();
        set_detail(&mut event.detail, "dispute_id", dispute.id.get());
        append_audit(&mut tx, &event).await?;
        // The debtor hears in writing that it was received and by when it is answered.
        queue_mail(
            &mut tx,
            &NewMail {
                dossier_id: dispute.dossier_id.clone(),
                notice: Notice::DisputeAcknowledged {
                    answer_by: domain::clock::dutch_date(dispute.decision_due_at),
                },
                dedupe_key: format!("dispute:{}:acknowledged", dispute.id.get()),
                created_at: ack.now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(DisputeChanged::Now(dispute))
    }

    /// Decides an open or acknowledged dispute in one transaction: its status and answer, the
    /// ledger entry (linked as a write-off of one invoice when asked), the WIK correction and
    /// the audit event. Decided before: [`DisputeChanged::Earlier`], nothing booked.
    pub async fn decide_dispute(&self, decision: &DisputeDecision) -> Result<DisputeChanged> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "UPDATE dispute SET status = $1, decision = $2, answer = $3, decided_at = $4, \
                 decided_by = $5 \
             WHERE id = $6 AND status <> $1 RETURNING {DISPUTE_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(DisputeStatus::Decided.as_str())
            .bind(decision.decision.as_str())
            .bind(&decision.answer)
            .bind(millis(decision.now))
            .bind(&decision.staff)
            .bind(decision.id.get())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            let earlier = dispute_by_id(&mut tx, decision.id)
                .await?
                .ok_or(StoreError::NotFound("dispute"))?;
            tx.rollback().await?;
            return Ok(DisputeChanged::Earlier(earlier));
        };
        let mut dispute = dispute_from_row(&row)?;
        if let Some(entry) = &decision.entry {
            if entry.dossier_id != dispute.dossier_id {
                return Err(StoreError::Invalid("the entry is for another dossier"));
            }
            append_ledger_entry(&mut tx, entry).await?;
            let entry_id: LedgerEntryId =
                sqlx::query("SELECT id FROM ledger_entry WHERE idempotency_key = $1")
                    .bind(&entry.idempotency_key)
                    .fetch_one(&mut *tx)
                    .await?
                    .id("id")?;
            if let Some(invoice) = decision.write_off_invoice {
                sqlx::query(
                    "INSERT INTO invoice_write_off (ledger_entry_id, dossier_id, claim_item_id) \
                     VALUES ($1, $2, $3) ON CONFLICT (ledger_entry_id) DO NOTHING",
                )
                .bind(entry_id.get())
                .bind(dispute.dossier_id.as_str())
                .bind(invoice.get())
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE dispute SET ledger_entry_id = $1 WHERE id = $2")
                .bind(entry_id.get())
                .bind(dispute.id.get())
                .execute(&mut *tx)
                .await?;
            dispute.ledger_entry_id = Some(entry_id);
        }
        let mut event = decision.audit.clone();
        set_detail(&mut event.detail, "dispute_id", dispute.id.get());
        if let Some(entry_id) = dispute.ledger_entry_id {
            set_detail(&mut event.detail, "ledger_entry_id", entry_id.get());
        }
        append_audit(&mut tx, &event).await?;
        // The debtor gets the decision in writing (paid from proof: they were right).
        queue_mail(
            &mut tx,
            &NewMail {
                dossier_id: dispute.dossier_id.clone(),
                notice: Notice::DisputeDecided {
                    upheld: decision.decision != DisputeDecisionKind::Rejected,
                    note: decision.answer.clone(),
                },
                dedupe_key: format!("dispute:{}:decided", dispute.id.get()),
                created_at: decision.now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(DisputeChanged::Now(dispute))
    }

    /// The dossier's invoice write-offs: (ledger entry id, claim item id).
    pub async fn invoice_write_offs(
        &self,
        dossier_id: &DossierId,
    ) -> Result<Vec<(LedgerEntryId, ClaimItemId)>> {
        let rows = sqlx::query(
            "SELECT ledger_entry_id, claim_item_id FROM invoice_write_off \
             WHERE dossier_id = $1 ORDER BY ledger_entry_id",
        )
        .bind(dossier_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.id("ledger_entry_id")?, row.id("claim_item_id")?)))
            .collect()
    }
}

fn set_detail(detail: &mut serde_json::Value, key: &str, value: i64) {
    if let Some(object) = detail.as_object_mut() {
        object.insert(key.to_owned(), serde_json::json!(value));
    }
}

async fn dispute_by_id(conn: &mut AnyConnection, id: DisputeId) -> Result<Option<Dispute>> {
    let sql = format!("SELECT {DISPUTE_COLUMNS} FROM dispute WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id.get())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(dispute_from_row).transpose()
}

fn dispute_from_row(row: &AnyRow) -> Result<Dispute> {
    let decision = row
        .opt_text("decision")?
        .map(|text| {
            DisputeDecisionKind::parse(&text).ok_or(StoreError::Corrupt {
                column: "decision",
                value: text,
            })
        })
        .transpose()?;
    Ok(Dispute {
        id: row.id("id")?,
        dossier_id: row.id("dossier_id")?,
        claim_item_id: row.opt_id("claim_item_id")?,
        kind: row.enumeration("kind")?,
        explanation: row.text("explanation")?,
        status: row.enumeration("status")?,
        decision,
        ack_note: row.opt_text("ack_note")?,
        answer: row.opt_text("answer")?,
        created_at: row.instant("created_at")?,
        ack_due_at: row.instant("ack_due_at")?,
        decision_due_at: row.instant("decision_due_at")?,
        acknowledged_at: row.opt_instant("acknowledged_at")?,
        acknowledged_by: row.opt_text("acknowledged_by")?,
        decided_at: row.opt_instant("decided_at")?,
        decided_by: row.opt_text("decided_by")?,
        ledger_entry_id: row.opt_id("ledger_entry_id")?,
    })
}

fn attachment_meta_from_row(row: &AnyRow) -> Result<AttachmentMeta> {
    Ok(AttachmentMeta {
        id: row.id("id")?,
        dispute_id: row.id("dispute_id")?,
        dossier_id: row.id("dossier_id")?,
        filename: row.text("filename")?,
        content_type: row.enumeration("content_type")?,
        size_bytes: row.int("size_bytes")?,
        sha256: row.text("sha256")?,
        created_at: row.instant("created_at")?,
    })
}

fn attachment_from_row(row: &AnyRow) -> Result<Attachment> {
    use sqlx::Row;
    Ok(Attachment {
        meta: attachment_meta_from_row(row)?,
        content: row.try_get("content")?,
    })
}
