//! The mail outbox: messages to debtors, queued in the transaction of the event that
//! caused them and sent by the mail job within the contact hours (see the `mail` crate).

use chrono::{DateTime, Utc};
use domain::{DossierId, Lang, Notice};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::row::{RowExt, flag_value, millis};
use crate::types::MailStatus;

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub dossier_id: DossierId,
    pub notice: Notice,
    /// One message per event: queuing the same key again is a no-op (a replayed exchange
    /// call, a job run twice).
    pub dedupe_key: String,
    pub created_at: DateTime<Utc>,
}

/// A queued or sent message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Also the message's Message-ID (`<id@domain>`).
    pub id: String,
    pub dossier_id: DossierId,
    pub notice: Notice,
    pub status: MailStatus,
    pub created_at: DateTime<Utc>,
    /// When the mail job may try it (again).
    pub next_attempt: DateTime<Utc>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    /// What went out, once sent.
    pub recipient: Option<String>,
    pub subject: Option<String>,
    pub body_text: Option<String>,
}

/// What a message was sent as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMail<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
}

/// Who a dossier's messages go to, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAddressee {
    pub dossier_number: String,
    pub name: String,
    pub email: Option<String>,
    pub language: Lang,
    pub reminders: bool,
}

const MAIL_COLUMNS: &str = "id, dossier_id, payload, status, created_at, next_attempt, attempts, \
     last_error, sent_at, recipient, subject, body_text";

/// Queues `mail` on `conn` (inside the caller's transaction). `false`: its key was queued
/// before.
pub(crate) async fn queue_mail(conn: &mut AnyConnection, mail: &NewMail) -> Result<bool> {
    let payload = serde_json::to_string(&mail.notice)
        .map_err(|_| StoreError::Invalid("a notice that cannot be stored"))?;
    let done = sqlx::query(
        "INSERT INTO mail_outbox (id, dossier_id, kind, dedupe_key, payload, status, \
             created_at, next_attempt, attempts) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 0) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().simple().to_string())
    .bind(mail.dossier_id.as_str())
    .bind(mail.notice.kind().as_str())
    .bind(&mail.dedupe_key)
    .bind(payload)
    .bind(MailStatus::Queued.as_str())
    .bind(millis(mail.created_at))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

impl Store {
    /// Queues a message on its own (for events that are not a write of their own, such as a
    /// reminder). `false`: its key was queued before.
    pub async fn queue_mail(&self, mail: &NewMail) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let queued = queue_mail(&mut tx, mail).await?;
        tx.commit().await?;
        Ok(queued)
    }

    /// Messages whose turn has come at `now`, oldest first.
    pub async fn mail_due(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Mail>> {
        let sql = format!(
            "SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE status = $1 AND next_attempt <= $2 \
             ORDER BY next_attempt, created_at, id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(MailStatus::Queued.as_str())
            .bind(millis(now))
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(mail_from_row).collect()
    }

    /// A dossier's messages, newest first.
    pub async fn mails_for_dossier(&self, dossier_id: &DossierId) -> Result<Vec<Mail>> {
        let sql = format!(
            "SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE dossier_id = $1 \
             ORDER BY created_at DESC, id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(dossier_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(mail_from_row).collect()
    }

    /// Every message, newest first (the demo's "what would have been sent" page).
    pub async fn recent_mails(&self, limit: i64) -> Result<Vec<Mail>> {
        let sql = format!(
            "SELECT {MAIL_COLUMNS} FROM mail_outbox ORDER BY created_at DESC, id DESC LIMIT $1"
        );
        let rows = sqlx::query(&sql)
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(mail_from_row).collect()
    }

    /// Messages given up on, newest first, with their dossier's number (for staff).
    pub async fn failed_mails(&self, limit: i64) -> Result<Vec<(Mail, String)>> {
        let sql = format!(
            "SELECT {MAIL_COLUMNS}, \
                 (SELECT number FROM dossier WHERE dossier.id = mail_outbox.dossier_id) AS number \
             FROM mail_outbox WHERE status = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(MailStatus::Failed.as_str())
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((mail_from_row(row)?, row.text("number")?)))
            .collect()
    }

    /// Counts per status (for the metrics).
    pub async fn mail_counts(&self) -> Result<Vec<(MailStatus, i64)>> {
        let rows = sqlx::query(
            "SELECT status, CAST(COUNT(*) AS BIGINT) AS n FROM mail_outbox GROUP BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.enumeration("status")?, row.int("n")?)))
            .collect()
    }

    /// Records that `id` went out as `sent`. Only a queued message changes: a second worker
    /// that sent it too (after a lost lease) does not overwrite the first record.
    pub async fn mark_mail_sent(
        &self,
        id: &str,
        sent: &SentMail<'_>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE mail_outbox SET status = $1, sent_at = $2, recipient = $3, subject = $4, \
                 body_text = $5, attempts = attempts + 1, last_error = NULL \
             WHERE id = $6 AND status = $7",
        )
        .bind(MailStatus::Sent.as_str())
        .bind(millis(at))
        .bind(sent.recipient)
        .bind(sent.subject)
        .bind(sent.body_text)
        .bind(id)
        .bind(MailStatus::Queued.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a failed try: queued again for `next_attempt`, or `Failed` for good when
    /// `give_up`.
    pub async fn mark_mail_attempt_failed(
        &self,
        id: &str,
        error: &str,
        next_attempt: DateTime<Utc>,
        give_up: bool,
    ) -> Result<()> {
        let status = if give_up {
            MailStatus::Failed
        } else {
            MailStatus::Queued
        };
        sqlx::query(
            "UPDATE mail_outbox SET status = $1, next_attempt = $2, attempts = attempts + 1, \
                 last_error = $3 \
             WHERE id = $4 AND status = $5",
        )
        .bind(status.as_str())
        .bind(millis(next_attempt))
        .bind(error)
        .bind(id)
        .bind(MailStatus::Queued.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that `id` cannot go out (no address, or a reminder the debtor switched off);
    /// it stays readable on `/dossier/messages`.
    pub async fn mark_mail_unsent(&self, id: &str, reason: &str) -> Result<()> {
        sqlx::query(
            "UPDATE mail_outbox SET status = $1, last_error = $2 WHERE id = $3 AND status = $4",
        )
        .bind(MailStatus::Unsent.as_str())
        .bind(reason)
        .bind(id)
        .bind(MailStatus::Queued.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Who `dossier_id`'s messages go to.
    pub async fn mail_addressee(&self, dossier_id: &DossierId) -> Result<MailAddressee> {
        let row = sqlx::query(
            "SELECT d.number, d.mail_language, d.mail_reminders, b.name, b.email \
             FROM dossier d JOIN debtor b ON b.dossier_id = d.id WHERE d.id = $1",
        )
        .bind(dossier_id.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("dossier"))?;
        Ok(MailAddressee {
            dossier_number: row.text("number")?,
            name: row.text("name")?,
            email: row.opt_text("email")?.filter(|e| !e.trim().is_empty()),
            language: row
                .opt_text("mail_language")?
                .and_then(|l| l.parse().ok())
                .unwrap_or_default(),
            reminders: row.flag("mail_reminders")?,
        })
    }

    /// Writes the debtor's language for their messages (the one they use the portal in).
    pub async fn set_mail_language(&self, dossier_id: &DossierId, language: Lang) -> Result<()> {
        sqlx::query("UPDATE dossier SET mail_language = $1 WHERE id = $2")
            .bind(language.code())
            .bind(dossier_id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Switches the debtor's reminders on or off.
    pub async fn set_mail_reminders(&self, dossier_id: &DossierId, on: bool) -> Result<()> {
        let done = sqlx::query("UPDATE dossier SET mail_reminders = $1 WHERE id = $2")
            .bind(flag_value(on))
            .bind(dossier_id.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("dossier"));
        }
        Ok(())
    }
}

fn mail_from_row(row: &AnyRow) -> Result<Mail> {
    let payload = row.text("payload")?;
    let notice: Notice = serde_json::from_str(&payload)
        .map_err(|_| StoreError::Invalid("a stored notice that cannot be read"))?;
    Ok(Mail {
        id: row.text("id")?,
        dossier_id: row.id("dossier_id")?,
        notice,
        status: row.enumeration("status")?,
        created_at: row.instant("created_at")?,
        next_attempt: row.instant("next_attempt")?,
        attempts: u32::try_from(row.int("attempts")?).unwrap_or(u32::MAX),
        last_error: row.opt_text("last_error")?,
        sent_at: row.opt_instant("sent_at")?,
        recipient: row.opt_text("recipient")?,
        subject: row.opt_text("subject")?,
        body_text: row.opt_text("body_text")?,
    })
}
