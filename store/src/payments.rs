//! Payments (one per attempt at Pay.nl) and booking their outcome.

use chrono::{DateTime, Utc};
use domain::{ClaimItemId, DossierId, InstalmentId, Money, PaymentId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::Store;
use crate::dossiers::found;
use crate::error::{Conflict, Result, StoreError};
use crate::ledger::{NewLedgerEntry, append_ledger_entry};
use crate::outbox::{NewMail, queue_mail};
use crate::row::{RowExt, millis, placeholders};
use crate::types::{Booked, Created, PaymentPurpose, PaymentStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub dossier_id: DossierId,
    /// One key per payment intent (e.g. dossier + purpose + amount + a nonce from the pay
    /// form): a double click or a retried request finds the first payment instead of opening a
    /// second Pay.nl order. Use a new key for a deliberate new attempt.
    pub intent_key: String,
    pub amount: Money,
    pub purpose: PaymentPurpose,
    pub plan_instalment_id: Option<InstalmentId>,
    /// The invoice the debtor chose to pay (art. 6:43 lid 1 BW), if any.
    pub claim_item_id: Option<ClaimItemId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Our reference, sent to Pay.nl as `reference` (32 hex digits).
    pub id: PaymentId,
    pub dossier_id: DossierId,
    pub intent_key: String,
    pub paynl_order_id: Option<String>,
    pub amount: Money,
    pub purpose: PaymentPurpose,
    pub plan_instalment_id: Option<InstalmentId>,
    /// The invoice the debtor chose to pay (art. 6:43 lid 1 BW); `None`: no choice.
    pub claim_item_id: Option<ClaimItemId>,
    pub status: PaymentStatus,
    /// Needs a human look (e.g. paid amount differs, paid after expiry).
    pub flagged: bool,
    pub flag_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_checked_at: Option<DateTime<Utc>>,
}

/// What a compare-and-set of a payment status did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Applied {
        from: PaymentStatus,
    },
    /// The payment already had the requested status (a replay).
    AlreadyThere,
    /// The move is not allowed from the current status (it would go backwards, or the caller
    /// excluded it); nothing changed.
    Refused {
        current: PaymentStatus,
    },
}

impl Transition {
    /// Whether the payment now has the requested status.
    pub fn reached(self) -> bool {
        !matches!(self, Transition::Refused { .. })
    }
}

/// Apply a Pay.nl status to a payment and book its money, atomically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookPayment {
    pub payment_id: PaymentId,
    pub status: PaymentStatus,
    /// The ledger entry that goes with the new status (a payment when paid, a negative entry
    /// for a refund or chargeback), or none (pending, cancelled, expired). Its `dossier_id` must
    /// be the payment's; its `payment_id` is set to the payment.
    pub entry: Option<NewLedgerEntry>,
    /// Messages to the debtor that the entry causes (the receipt), queued in the same
    /// transaction when the entry is new, so a booked payment never lacks its receipt and a
    /// replay never sends a second one.
    pub mails: Vec<NewMail>,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookOutcome {
    pub transition: Transition,
    /// `None` when no entry was given or the transition was refused.
    pub ledger: Option<Booked>,
}

const PAYMENT_COLUMNS: &str = "id, dossier_id, intent_key, paynl_order_id, amount_cents, \
     purpose, plan_instalment_id, claim_item_id, status, flagged, flag_reason, created_at, \
     updated_at, last_checked_at";

impl Store {
    /// Creates a payment in status `initiated`, or returns the one already made for the same
    /// intent key.
    pub async fn create_payment(
        &self,
        payment: &NewPayment,
        now: DateTime<Utc>,
    ) -> Result<Created<Payment>> {
        if payment.amount.cents() <= 0 {
            return Err(StoreError::Invalid("a payment amount must be positive"));
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let inserted = sqlx::query(
            "INSERT INTO payment (id, dossier_id, intent_key, amount_cents, purpose, \
                 plan_instalment_id, claim_item_id, status, flagged, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9) \
             ON CONFLICT (intent_key) DO NOTHING",
        )
        .bind(&id)
        .bind(payment.dossier_id.as_str())
        .bind(&payment.intent_key)
        .bind(payment.amount.cents())
        .bind(payment.purpose.as_str())
        .bind(payment.plan_instalment_id.map(InstalmentId::get))
        .bind(payment.claim_item_id.map(ClaimItemId::get))
        .bind(PaymentStatus::Initiated.as_str())
        .bind(millis(now))
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payment WHERE intent_key = $1");
        let row = sqlx::query(&sql)
            .bind(&payment.intent_key)
            .fetch_one(&self.pool)
            .await?;
        let stored = payment_from_row(&row)?;
        if inserted {
            Ok(Created::New(stored))
        } else if stored.dossier_id != payment.dossier_id {
            Err(StoreError::Conflict(Conflict::IntentKeyOfOtherDossier))
        } else {
            Ok(Created::Existing(stored))
        }
    }

    /// Records the Pay.nl order made for the payment. Setting the same order id again is a
    /// no-op; a different one is a [`StoreError::Conflict`] (one order per payment).
    pub async fn set_payment_order_id(
        &self,
        id: &PaymentId,
        order_id: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE payment SET paynl_order_id = $1, updated_at = $2 \
             WHERE id = $3 AND paynl_order_id IS NULL",
        )
        .bind(order_id)
        .bind(millis(now))
        .bind(id.as_str())
        .execute(&self.pool)
        .await;
        match done {
            Ok(done) if done.rows_affected() == 1 => return Ok(()),
            Ok(_) => {}
            Err(e) if crate::error::is_unique_violation(&e) => {
                return Err(StoreError::Conflict(Conflict::OrderOfOtherPayment));
            }
            Err(e) => return Err(e.into()),
        }
        match self.payment(id).await? {
            None => Err(StoreError::NotFound("payment")),
            Some(p) if p.paynl_order_id.as_deref() == Some(order_id) => Ok(()),
            Some(_) => Err(StoreError::Conflict(Conflict::PaymentHasOtherOrder)),
        }
    }

    pub async fn payment(&self, id: &PaymentId) -> Result<Option<Payment>> {
        let mut conn = self.pool.acquire().await?;
        payment(&mut conn, id).await
    }

    pub async fn payment_by_order_id(&self, order_id: &str) -> Result<Option<Payment>> {
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payment WHERE paynl_order_id = $1");
        let row = sqlx::query(&sql)
            .bind(order_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(payment_from_row).transpose()
    }

    /// The dossier's payments, newest first.
    pub async fn payments_for_dossier(&self, dossier_id: &DossierId) -> Result<Vec<Payment>> {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payment WHERE dossier_id = $1 \
             ORDER BY created_at DESC, id"
        );
        let rows = sqlx::query(&sql)
            .bind(dossier_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(payment_from_row).collect()
    }

    /// Compare-and-set of the status: moves to `to` only from a status in `from_allowed` that
    /// may also precede `to` ([`PaymentStatus::can_become`]), so a caller can narrow the
    /// allowed moves but never make a payment go backwards.
    pub async fn transition_payment(
        &self,
        id: &PaymentId,
        from_allowed: &[PaymentStatus],
        to: PaymentStatus,
        now: DateTime<Utc>,
    ) -> Result<Transition> {
        let mut tx = self.begin_write().await?;
        let transition = transition(&mut tx, id, from_allowed, to, now).await?;
        tx.commit().await?;
        Ok(transition)
    }

    /// The one way a Pay.nl status reaches the books: in one transaction, move the payment to
    /// `status` (forward only) and append the ledger entry (once per idempotency key).
    /// Instalments of a payment plan follow the ledger afterwards (`booking::sync_plan`).
    /// Replays and concurrent calls (exchange call, return page, reconciler) book once.
    pub async fn book_payment(&self, booking: &BookPayment) -> Result<BookOutcome> {
        let mut tx = self.begin_write().await?;
        let payment = payment(&mut tx, &booking.payment_id)
            .await?
            .ok_or(StoreError::NotFound("payment"))?;
        let entry = match &booking.entry {
            None => None,
            Some(entry) => {
                if entry.dossier_id != payment.dossier_id
                    || entry.payment_id.as_ref().is_some_and(|p| *p != payment.id)
                {
                    return Err(StoreError::Invalid(
                        "ledger entry belongs to another payment",
                    ));
                }
                Some(NewLedgerEntry {
                    payment_id: Some(payment.id.clone()),
                    ..entry.clone()
                })
            }
        };
        let transition = transition(
            &mut tx,
            &payment.id,
            PaymentStatus::ALL,
            booking.status,
            booking.now,
        )
        .await?;
        if !transition.reached() {
            tx.rollback().await?;
            return Ok(BookOutcome {
                transition,
                ledger: None,
            });
        }
        let ledger = match &entry {
            Some(entry) => Some(append_ledger_entry(&mut tx, entry).await?),
            None => None,
        };
        if ledger == Some(Booked::Inserted) {
            for mail in &booking.mails {
                queue_mail(&mut tx, mail).await?;
            }
        }
        tx.commit().await?;
        Ok(BookOutcome { transition, ledger })
    }

    /// Marks a payment for a human look; the reason is shown to staff.
    pub async fn flag_payment(
        &self,
        id: &PaymentId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE payment SET flagged = 1, flag_reason = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(reason)
        .bind(millis(now))
        .bind(id.as_str())
        .execute(&self.pool)
        .await?;
        found(done.rows_affected(), "payment")
    }

    pub async fn clear_payment_flag(&self, id: &PaymentId, now: DateTime<Utc>) -> Result<()> {
        let done = sqlx::query(
            "UPDATE payment SET flagged = 0, flag_reason = NULL, updated_at = $1 WHERE id = $2",
        )
        .bind(millis(now))
        .bind(id.as_str())
        .execute(&self.pool)
        .await?;
        found(done.rows_affected(), "payment")
    }

    /// Flagged payments for the back office, oldest first.
    pub async fn flagged_payments(&self) -> Result<Vec<Payment>> {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payment WHERE flagged = 1 ORDER BY updated_at, id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(payment_from_row).collect()
    }

    /// Payments for staff to look at, with their dossier's number, oldest first: flagged
    /// ones (an amount that differs, a chargeback, money after a cancel), and ones still
    /// open that were made before `open_before` (Pay.nl never told us how they ended and the
    /// reconciler could not find out).
    pub async fn payments_for_attention(
        &self,
        open_before: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(Payment, String)>> {
        let open = open_statuses();
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS}, \
                 (SELECT number FROM dossier WHERE dossier.id = payment.dossier_id) AS dossier_number \
             FROM payment \
             WHERE flagged = 1 OR (created_at < $1 AND status IN ({})) \
             ORDER BY created_at, id LIMIT $2",
            placeholders(3, open.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(millis(open_before))
            .bind(limit.max(0));
        for status in &open {
            query = query.bind(status.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok((payment_from_row(row)?, row.text("dossier_number")?)))
            .collect()
    }

    /// How many payments made before `made_before` are still open (one count query on the
    /// status index, cheap enough for every metrics scrape).
    pub async fn count_open_payments(&self, made_before: DateTime<Utc>) -> Result<i64> {
        let open = open_statuses();
        let sql = format!(
            "SELECT COUNT(*) AS n FROM payment WHERE created_at < $1 AND status IN ({})",
            placeholders(2, open.len())
        );
        let mut query = sqlx::query(&sql).bind(millis(made_before));
        for status in &open {
            query = query.bind(status.as_str());
        }
        let row = query.fetch_one(&self.pool).await?;
        row.int("n")
    }

    /// Notes that the reconciler asked Pay.nl about this payment.
    pub async fn mark_payment_checked(&self, id: &PaymentId, now: DateTime<Utc>) -> Result<()> {
        let done = sqlx::query("UPDATE payment SET last_checked_at = $1 WHERE id = $2")
            .bind(millis(now))
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        found(done.rows_affected(), "payment")
    }

    /// Payments with a Pay.nl order that are still open and were not checked (or changed)
    /// since `older_than`: the reconciler's work list, least recently checked first.
    pub async fn payments_needing_check(
        &self,
        older_than: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Payment>> {
        let open = open_statuses();
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payment \
             WHERE paynl_order_id IS NOT NULL AND status IN ({}) \
               AND COALESCE(last_checked_at, updated_at) < $1 \
             ORDER BY COALESCE(last_checked_at, updated_at), id LIMIT $2",
            placeholders(3, open.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(millis(older_than))
            .bind(limit.max(0));
        for status in &open {
            query = query.bind(status.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(payment_from_row).collect()
    }

    /// Paid payments due for another look at Pay.nl, for refunds and chargebacks whose
    /// exchange call never came. `tiers` go from the newest payments to the oldest: tier *i*
    /// takes the payments made since its `made_since` (and before the previous tier's) that
    /// were not checked (or changed) since its `checked_before`; payments older than the last
    /// tier are left alone. Least recently checked first.
    pub async fn paid_payments_due_for_recheck(
        &self,
        tiers: &[RecheckTier],
        limit: i64,
    ) -> Result<Vec<Payment>> {
        if tiers.is_empty() {
            return Ok(Vec::new());
        }
        let mut clauses = Vec::with_capacity(tiers.len());
        let mut binds = Vec::new();
        for (i, tier) in tiers.iter().enumerate() {
            let n = binds.len() + 3;
            let mut clause = format!(
                "(created_at >= ${n} AND COALESCE(last_checked_at, updated_at) < ${}",
                n + 1
            );
            binds.extend([millis(tier.made_since), millis(tier.checked_before)]);
            if i > 0 {
                clause.push_str(&format!(" AND created_at < ${}", n + 2));
                binds.push(millis(tiers[i - 1].made_since));
            }
            clause.push(')');
            clauses.push(clause);
        }
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payment \
             WHERE paynl_order_id IS NOT NULL AND status = $1 AND ({}) \
             ORDER BY COALESCE(last_checked_at, updated_at), id LIMIT $2",
            clauses.join(" OR ")
        );
        let mut query = sqlx::query(&sql)
            .bind(PaymentStatus::Paid.as_str())
            .bind(limit.max(0));
        for value in binds {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(payment_from_row).collect()
    }
}

/// One age band of [`Store::paid_payments_due_for_recheck`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecheckTier {
    /// The oldest payment (by when it was made) in the band.
    pub made_since: DateTime<Utc>,
    /// Due when not checked since this moment.
    pub checked_before: DateTime<Utc>,
}

async fn payment(conn: &mut AnyConnection, id: &PaymentId) -> Result<Option<Payment>> {
    let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payment WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(payment_from_row).transpose()
}

/// Read the status, decide, then update only if the status is still the one read. A concurrent
/// change makes the update miss; read again (statuses only move forward, so this ends).
async fn transition(
    conn: &mut AnyConnection,
    id: &PaymentId,
    from_allowed: &[PaymentStatus],
    to: PaymentStatus,
    now: DateTime<Utc>,
) -> Result<Transition> {
    loop {
        let row = sqlx::query("SELECT status FROM payment WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound("payment"))?;
        let current: PaymentStatus = row.enumeration("status")?;
        if current == to {
            return Ok(Transition::AlreadyThere);
        }
        if !(current.can_become(to) && from_allowed.contains(&current)) {
            return Ok(Transition::Refused { current });
        }
        let done = sqlx::query(
            "UPDATE payment SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
        )
        .bind(to.as_str())
        .bind(millis(now))
        .bind(id.as_str())
        .bind(current.as_str())
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(Transition::Applied { from: current });
        }
    }
}

fn payment_from_row(row: &AnyRow) -> Result<Payment> {
    Ok(Payment {
        id: row.id("id")?,
        dossier_id: row.id("dossier_id")?,
        intent_key: row.text("intent_key")?,
        paynl_order_id: row.opt_text("paynl_order_id")?,
        amount: row.money("amount_cents")?,
        purpose: row.enumeration("purpose")?,
        plan_instalment_id: row.opt_id("plan_instalment_id")?,
        claim_item_id: row.opt_id("claim_item_id")?,
        status: row.enumeration("status")?,
        flagged: row.flag("flagged")?,
        flag_reason: row.opt_text("flag_reason")?,
        created_at: row.instant("created_at")?,
        updated_at: row.instant("updated_at")?,
        last_checked_at: row.opt_instant("last_checked_at")?,
    })
}

/// The statuses of a payment Pay.nl has not decided yet, for `status IN (…)`.
fn open_statuses() -> Vec<PaymentStatus> {
    PaymentStatus::ALL
        .iter()
        .copied()
        .filter(|s| s.is_open())
        .collect()
}
