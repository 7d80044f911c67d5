//! A dossier's 14-day letters (art. 6:96 lid 6 BW) and the invoices each named: the input of
//! `domain::assess_costs`, from which the claim derives the collection costs.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{ClaimItemId, DossierId, Money};

use crate::Store;
use crate::error::Result;
use crate::row::{RowExt, date_text, millis};

/// A letter to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCostLetter {
    /// The date on the letter.
    pub sent_on: NaiveDate,
    /// The invoices it named (`claim_item.id`).
    pub invoice_ids: Vec<ClaimItemId>,
    /// The collection costs it announced, when known.
    pub costs_announced: Option<Money>,
}

/// A stored letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostLetter {
    /// The date on the letter.
    pub sent_on: NaiveDate,
    /// The invoices it named (`claim_item.id`), ascending.
    pub invoice_ids: Vec<ClaimItemId>,
    /// The collection costs it announced, when known.
    pub costs_announced: Option<Money>,
}

impl Store {
    /// Records a letter, or adds invoices to the letter of that day (a letter names an
    /// invoice once; a known announcement is kept unless a new one is given). Returns whether
    /// anything changed.
    pub async fn record_cost_letter(
        &self,
        dossier_id: &DossierId,
        letter: &NewCostLetter,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let sent_on = date_text(letter.sent_on);
        let mut changed = sqlx::query(
            "INSERT INTO cost_letter (dossier_id, sent_on, costs_announced_cents, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (dossier_id, sent_on) DO NOTHING",
        )
        .bind(dossier_id.as_str())
        .bind(&sent_on)
        .bind(letter.costs_announced.map(Money::cents))
        .bind(millis(now))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !changed && let Some(announced) = letter.costs_announced {
            changed |= sqlx::query(
                "UPDATE cost_letter SET costs_announced_cents = $1 WHERE dossier_id = $2 \
                 AND sent_on = $3 AND (costs_announced_cents IS NULL \
                 OR costs_announced_cents <> $1)",
            )
            .bind(announced.cents())
            .bind(dossier_id.as_str())
            .bind(&sent_on)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
        }
        for invoice_id in &letter.invoice_ids {
            changed |= sqlx::query(
                "INSERT INTO cost_letter_invoice (dossier_id, sent_on, claim_item_id) \
                 SELECT $1, $2, id FROM claim_item WHERE id = $3 AND dossier_id = $1 \
                 ON CONFLICT (dossier_id, sent_on, claim_item_id) DO NOTHING",
            )
            .bind(dossier_id.as_str())
            .bind(&sent_on)
            .bind(invoice_id.get())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// The dossier's letters, oldest first.
    pub async fn cost_letters(&self, dossier_id: &DossierId) -> Result<Vec<CostLetter>> {
        let rows = sqlx::query(
            "SELECT l.sent_on, l.costs_announced_cents, i.claim_item_id \
             FROM cost_letter l LEFT JOIN cost_letter_invoice i \
               ON i.dossier_id = l.dossier_id AND i.sent_on = l.sent_on \
             WHERE l.dossier_id = $1 ORDER BY l.sent_on, i.claim_item_id",
        )
        .bind(dossier_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut letters: Vec<CostLetter> = Vec::new();
        for row in &rows {
            let sent_on = row.date("sent_on")?;
            if letters.last().is_none_or(|l| l.sent_on != sent_on) {
                letters.push(CostLetter {
                    sent_on,
                    invoice_ids: Vec::new(),
                    costs_announced: row.opt_int("costs_announced_cents")?.map(Money::from_cents),
                });
            }
            if let (Some(letter), Some(id)) = (letters.last_mut(), row.opt_int("claim_item_id")?) {
                letter.invoice_ids.push(ClaimItemId::new(id));
            }
        }
        Ok(letters)
    }
}
