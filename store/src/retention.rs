//! Removing a dossier whose retention has passed, with every trace of the person: the rows
//! that hang off the dossier (cascading foreign keys), and those that name it only by value
//! (sign-in attempts keyed by its number, Pay.nl exchange calls about its orders). The rule
//! of *when* is `domain::RetentionPolicy`; this is the *what*.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{CreditorId, DossierId, Money};

use crate::Store;
use crate::dossiers::{DOSSIER_COLUMNS, Dossier, dossier_from_row};
use crate::error::Result;
use crate::row::{RowExt, date_text, millis};
use crate::types::DossierStatus;

/// What the books keep of a removed dossier: amounts per creditor, no person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forgotten {
    pub creditor_id: CreditorId,
    /// The principal of its invoices.
    pub principal: Money,
    /// The net of its ledger (payments less refunds and chargebacks, adjustments).
    pub booked: Money,
}

impl Store {
    /// Closed (paid or closed) dossiers whose last claim letter (or, without one, whose
    /// start) was before `letter_before` and that closed before `closed_before`, oldest
    /// letter first: the candidates of the retention job, which checks each against the
    /// policy.
    pub async fn closed_dossiers_before(
        &self,
        letter_before: NaiveDate,
        closed_before: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Dossier>> {
        let sql = format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossier \
             WHERE status IN ($1, $2) AND closed_at IS NOT NULL AND closed_at < $3 \
               AND ((last_claim_letter_at IS NOT NULL AND last_claim_letter_at < $4) \
                 OR (last_claim_letter_at IS NULL AND created_at < $5)) \
             ORDER BY COALESCE(last_claim_letter_at, ''), created_at, id LIMIT $6"
        );
        let letter_start = dutch_day_start(letter_before);
        let rows = sqlx::query(&sql)
            .bind(DossierStatus::Paid.as_str())
            .bind(DossierStatus::Closed.as_str())
            .bind(millis(closed_before))
            .bind(date_text(letter_before))
            .bind(letter_start)
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(dossier_from_row).collect()
    }

    /// Open dossiers (not paid or closed) whose last letter (or start) was before
    /// `letter_before`: kept while open, listed for staff to close.
    pub async fn open_dossiers_before(
        &self,
        letter_before: NaiveDate,
        limit: i64,
    ) -> Result<Vec<Dossier>> {
        let sql = format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossier \
             WHERE status NOT IN ($1, $2) \
               AND ((last_claim_letter_at IS NOT NULL AND last_claim_letter_at < $3) \
                 OR (last_claim_letter_at IS NULL AND created_at < $4)) \
             ORDER BY COALESCE(last_claim_letter_at, ''), created_at, id LIMIT $5"
        );
        let letter_start = dutch_day_start(letter_before);
        let rows = sqlx::query(&sql)
            .bind(DossierStatus::Paid.as_str())
            .bind(DossierStatus::Closed.as_str())
            .bind(date_text(letter_before))
            .bind(letter_start)
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(dossier_from_row).collect()
    }

    /// Removes a dossier and everything about the person, in one transaction: the sign-in
    /// attempts against its number, the exchange calls about its orders, then the dossier
    /// with every row that hangs off it (debtor, invoices, letters, ledger, payments, plans,
    /// corrections, disputes and their files, sessions, audit events). Returns what the books
    /// keep, or `None` when it was gone already.
    pub async fn forget_dossier(&self, id: &DossierId) -> Result<Option<Forgotten>> {
        let mut tx = self.pool.begin().await?;
        let Some(row) = sqlx::query(
            "SELECT number, creditor_id, \
                 (SELECT CAST(COALESCE(SUM(principal_cents), 0) AS BIGINT) FROM claim_item \
                     WHERE claim_item.dossier_id = dossier.id) AS principal, \
                 (SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM ledger_entry \
                     WHERE ledger_entry.dossier_id = dossier.id) AS booked \
             FROM dossier WHERE id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let number = row.text("number")?;
        let forgotten = Forgotten {
            creditor_id: row.id("creditor_id")?,
            principal: Money::from_cents(row.int("principal")?),
            booked: Money::from_cents(row.int("booked")?),
        };
        sqlx::query("DELETE FROM login_attempt WHERE key_kind = 'dossier' AND key_value = $1")
            .bind(&number)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM exchange_call WHERE order_id IN \
                 (SELECT paynl_order_id FROM payment \
                  WHERE dossier_id = $1 AND paynl_order_id IS NOT NULL)",
        )
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM dossier WHERE id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(forgotten))
    }
}

/// An instant no later than the start of `day` in the Netherlands (UTC+1 or +2), in
/// milliseconds: a dossier created before it was taken on before `day` there.
fn dutch_day_start(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map_or(0, |t| millis(t.and_utc() - chrono::Duration::hours(2)))
}
