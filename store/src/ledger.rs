//! Charges (interest, collection costs) and the append-only ledger; balances derive from these.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{ChargeId, DossierId, LedgerEntryId, Money, PaymentId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::Store;
use crate::error::{Conflict, Result, StoreError};
use crate::row::{RowExt, date_text, millis};
use crate::types::{Booked, ChargeKind, LedgerKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCharge {
    pub dossier_id: DossierId,
    pub kind: ChargeKind,
    pub amount: Money,
    /// The rule that produced it, for the debtor and for staff (e.g. "WIK 2026, 15% of …").
    pub rule: String,
    /// The date the amount was computed for.
    pub as_of: NaiveDate,
    /// Makes a rerun of the same computation a no-op.
    pub idempotency_key: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub id: ChargeId,
    pub dossier_id: DossierId,
    pub kind: ChargeKind,
    pub amount: Money,
    pub rule: String,
    pub as_of: NaiveDate,
    pub idempotency_key: String,
    pub created_at: DateTime<Utc>,
}

/// A ledger line. Amounts are signed: payments positive, refunds and chargebacks negative; the
/// three allocations (art. 6:44 BW: costs, then interest, then principal) plus the unallocated
/// part must add up to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLedgerEntry {
    pub dossier_id: DossierId,
    pub kind: LedgerKind,
    pub amount: Money,
    pub alloc_costs: Money,
    pub alloc_interest: Money,
    pub alloc_principal: Money,
    /// What was received beyond everything open (an overpayment), held as credit for the
    /// debtor; negative when that credit is paid back. Zero for almost every entry.
    pub alloc_unallocated: Money,
    /// Where it came from, e.g. "paynl order 51007856048X14b0 PAID" or "staff alice".
    pub source: String,
    pub payment_id: Option<PaymentId>,
    /// Makes a replay (webhook, return page, reconciler) a no-op.
    pub idempotency_key: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id: LedgerEntryId,
    pub dossier_id: DossierId,
    pub kind: LedgerKind,
    pub amount: Money,
    pub alloc_costs: Money,
    pub alloc_interest: Money,
    pub alloc_principal: Money,
    pub alloc_unallocated: Money,
    pub source: String,
    pub payment_id: Option<PaymentId>,
    pub idempotency_key: String,
    pub created_at: DateTime<Utc>,
}

/// Sums over a dossier's claim items, charges and ledger; the domain turns them into a balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DossierTotals {
    pub principal: Money,
    pub interest_charged: Money,
    pub costs_charged: Money,
    pub paid_costs: Money,
    pub paid_interest: Money,
    pub paid_principal: Money,
    /// Net credit held for the debtor (overpayments less credit paid back).
    pub unallocated: Money,
}

const LEDGER_COLUMNS: &str = "id, dossier_id, kind, amount_cents, alloc_costs_cents, \
     alloc_interest_cents, alloc_principal_cents, alloc_unallocated_cents, source, payment_id, \
     idempotency_key, created_at";

impl Store {
    /// Adds a charge once per idempotency key.
    pub async fn add_charge(&self, charge: &NewCharge) -> Result<Booked> {
        let done = sqlx::query(
            "INSERT INTO charge (dossier_id, kind, amount_cents, rule, as_of, idempotency_key, \
                 created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(charge.dossier_id.as_str())
        .bind(charge.kind.as_str())
        .bind(charge.amount.cents())
        .bind(&charge.rule)
        .bind(date_text(charge.as_of))
        .bind(&charge.idempotency_key)
        .bind(millis(charge.created_at))
        .execute(&self.pool)
        .await?;
        Ok(if done.rows_affected() == 1 {
            Booked::Inserted
        } else {
            Booked::AlreadyBooked
        })
    }

    pub async fn charges(&self, dossier_id: &DossierId) -> Result<Vec<Charge>> {
        let rows = sqlx::query(
            "SELECT id, dossier_id, kind, amount_cents, rule, as_of, idempotency_key, created_at \
             FROM charge WHERE dossier_id = $1 ORDER BY as_of, id",
        )
        .bind(dossier_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Charge {
                    id: row.id("id")?,
                    dossier_id: row.id("dossier_id")?,
                    kind: row.enumeration("kind")?,
                    amount: row.money("amount_cents")?,
                    rule: row.text("rule")?,
                    as_of: row.date("as_of")?,
                    idempotency_key: row.text("idempotency_key")?,
                    created_at: row.instant("created_at")?,
                })
            })
            .collect()
    }

    /// Appends a ledger entry once per idempotency key. Reusing a key for a different dossier,
    /// kind or amount is a bug in the caller and a [`StoreError::Conflict`].
    pub async fn append_ledger_entry(&self, entry: &NewLedgerEntry) -> Result<Booked> {
        let mut conn = self.pool.acquire().await?;
        append_ledger_entry(&mut conn, entry).await
    }

    /// The dossier's ledger, oldest first.
    pub async fn ledger_entries(&self, dossier_id: &DossierId) -> Result<Vec<LedgerEntry>> {
        let sql =
            format!("SELECT {LEDGER_COLUMNS} FROM ledger_entry WHERE dossier_id = $1 ORDER BY id");
        let rows = sqlx::query(&sql)
            .bind(dossier_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(ledger_entry_from_row).collect()
    }

    pub async fn dossier_totals(&self, dossier_id: &DossierId) -> Result<DossierTotals> {
        // SUM of BIGINT is NUMERIC on PostgreSQL, which the Any driver cannot read: cast back.
        let principal = sqlx::query(
            "SELECT CAST(COALESCE(SUM(principal_cents), 0) AS BIGINT) AS principal \
             FROM claim_item WHERE dossier_id = $1",
        )
        .bind(dossier_id.as_str())
        .fetch_one(&self.pool)
        .await?;
        let charged = sqlx::query(
            "SELECT \
                 CAST(COALESCE(SUM(CASE WHEN kind = 'interest' THEN amount_cents ELSE 0 END), 0) \
                     AS BIGINT) AS interest, \
                 CAST(COALESCE(SUM(CASE WHEN kind = 'costs' THEN amount_cents ELSE 0 END), 0) \
                     AS BIGINT) AS costs \
             FROM charge WHERE dossier_id = $1",
        )
        .bind(dossier_id.as_str())
        .fetch_one(&self.pool)
        .await?;
        let paid = sqlx::query(
            "SELECT CAST(COALESCE(SUM(alloc_costs_cents), 0) AS BIGINT) AS costs, \
                 CAST(COALESCE(SUM(alloc_interest_cents), 0) AS BIGINT) AS interest, \
                 CAST(COALESCE(SUM(alloc_principal_cents), 0) AS BIGINT) AS principal, \
                 CAST(COALESCE(SUM(alloc_unallocated_cents), 0) AS BIGINT) AS unallocated \
             FROM ledger_entry WHERE dossier_id = $1",
        )
        .bind(dossier_id.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(DossierTotals {
            principal: principal.money("principal")?,
            interest_charged: charged.money("interest")?,
            costs_charged: charged.money("costs")?,
            paid_costs: paid.money("costs")?,
            paid_interest: paid.money("interest")?,
            paid_principal: paid.money("principal")?,
            unallocated: paid.money("unallocated")?,
        })
    }

    /// Refunds and chargebacks booked since `since`, newest first, with their dossier's
    /// number: money that went back, for staff to see.
    pub async fn returns_since(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(LedgerEntry, String)>> {
        let sql = format!(
            "SELECT {LEDGER_COLUMNS}, \
                 (SELECT number FROM dossier WHERE dossier.id = ledger_entry.dossier_id) AS dossier_number \
             FROM ledger_entry WHERE kind IN ($1, $2) AND created_at >= $3 \
             ORDER BY created_at DESC, id DESC LIMIT $4"
        );
        let rows = sqlx::query(&sql)
            .bind(LedgerKind::Refund.as_str())
            .bind(LedgerKind::Chargeback.as_str())
            .bind(millis(since))
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((ledger_entry_from_row(row)?, row.text("dossier_number")?)))
            .collect()
    }
}

pub(crate) async fn append_ledger_entry(
    conn: &mut AnyConnection,
    entry: &NewLedgerEntry,
) -> Result<Booked> {
    let allocated = Money::checked_sum([
        entry.alloc_costs,
        entry.alloc_interest,
        entry.alloc_principal,
        entry.alloc_unallocated,
    ]);
    if allocated != Some(entry.amount) {
        return Err(StoreError::Invalid(
            "the allocation does not add up to the amount",
        ));
    }
    let done = sqlx::query(
        "INSERT INTO ledger_entry (dossier_id, kind, amount_cents, alloc_costs_cents, \
             alloc_interest_cents, alloc_principal_cents, alloc_unallocated_cents, source, \
             payment_id, idempotency_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(entry.dossier_id.as_str())
    .bind(entry.kind.as_str())
    .bind(entry.amount.cents())
    .bind(entry.alloc_costs.cents())
    .bind(entry.alloc_interest.cents())
    .bind(entry.alloc_principal.cents())
    .bind(entry.alloc_unallocated.cents())
    .bind(&entry.source)
    .bind(entry.payment_id.as_ref().map(PaymentId::as_str))
    .bind(&entry.idempotency_key)
    .bind(millis(entry.created_at))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(Booked::Inserted);
    }
    // A replay may allocate differently (the balance moved since), but it is the same money.
    let sql = format!("SELECT {LEDGER_COLUMNS} FROM ledger_entry WHERE idempotency_key = $1");
    let row = sqlx::query(&sql)
        .bind(&entry.idempotency_key)
        .fetch_one(conn)
        .await?;
    let booked = ledger_entry_from_row(&row)?;
    if booked.dossier_id != entry.dossier_id
        || booked.kind != entry.kind
        || booked.amount != entry.amount
    {
        return Err(StoreError::Conflict(Conflict::LedgerKeyReused));
    }
    Ok(Booked::AlreadyBooked)
}

fn ledger_entry_from_row(row: &AnyRow) -> Result<LedgerEntry> {
    Ok(LedgerEntry {
        id: row.id("id")?,
        dossier_id: row.id("dossier_id")?,
        kind: row.enumeration("kind")?,
        amount: row.money("amount_cents")?,
        alloc_costs: row.money("alloc_costs_cents")?,
        alloc_interest: row.money("alloc_interest_cents")?,
        alloc_principal: row.money("alloc_principal_cents")?,
        alloc_unallocated: row.money("alloc_unallocated_cents")?,
        source: row.text("source")?,
        payment_id: row.opt_id("payment_id")?,
        idempotency_key: row.text("idempotency_key")?,
        created_at: row.instant("created_at")?,
    })
}
