//! Creditors, dossiers, debtors (with the source of each personal field) and claim items.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{ClaimItemId, CreditorId, DossierId, Money};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::Store;
use crate::error::{Conflict, Result, StoreError};
use crate::row::{RowExt, date_text, flag_value, millis, parse_date, placeholders};
use crate::types::{
    Created, DebtorField, DebtorKind, DossierStatus, FieldSourceKind, InterestKind,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCreditor {
    /// The caller's stable key for the creditor (e.g. the code used in import files).
    pub id: CreditorId,
    pub name: String,
    pub kvk: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    /// Whether the creditor can deduct VAT (then no VAT is added to collection costs).
    pub can_deduct_vat: bool,
    pub interest_kind: InterestKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creditor {
    pub id: CreditorId,
    pub name: String,
    pub kvk: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub can_deduct_vat: bool,
    pub interest_kind: InterestKind,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDossier {
    /// The public number, e.g. `ISB-2026-000123`; validated by the caller.
    pub number: String,
    pub creditor_id: CreditorId,
    pub status: DossierStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dossier {
    pub id: DossierId,
    pub number: String,
    pub creditor_id: CreditorId,
    pub status: DossierStatus,
    /// argon2id hash of the secret printed on the letter; none before the first letter.
    pub secret_hash: Option<String>,
    pub secret_rotated_at: Option<DateTime<Utc>>,
    /// Retention runs to seven years after this date.
    pub last_claim_letter_at: Option<NaiveDate>,
    /// Letter links signed for an older generation no longer open (see
    /// [`Store::revoke_links`]).
    pub link_generation: u32,
    /// When it was last paid in full or closed; none while open.
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A debtor's personal data as supplied by the creditor (or corrected by the debtor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebtorDetails {
    pub kind: DebtorKind,
    pub name: String,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub customer_number: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub id_document_number: Option<String>,
    pub kvk_number: Option<String>,
    pub vat_number: Option<String>,
}

impl DebtorDetails {
    /// A debtor with only a name, to fill in with struct update syntax.
    pub fn named(kind: DebtorKind, name: impl Into<String>) -> DebtorDetails {
        DebtorDetails {
            kind,
            name: name.into(),
            address: None,
            postcode: None,
            city: None,
            phone: None,
            email: None,
            customer_number: None,
            birth_date: None,
            id_document_number: None,
            kvk_number: None,
            vat_number: None,
        }
    }

    /// Sets one field from text, the inverse of [`DebtorDetails::get`]. `None` (or blank text)
    /// clears an optional field; the name cannot be cleared and a birth date must be a date.
    pub fn set(&mut self, field: DebtorField, value: Option<String>) -> Result<(), &'static str> {
        let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let slot = match field {
            DebtorField::Name => {
                self.name = value.ok_or("the name cannot be empty")?;
                return Ok(());
            }
            DebtorField::BirthDate => {
                self.birth_date = match value {
                    None => None,
                    Some(text) => Some(parse_date(&text).ok_or("not a date (YYYY-MM-DD)")?),
                };
                return Ok(());
            }
            DebtorField::Address => &mut self.address,
            DebtorField::Postcode => &mut self.postcode,
            DebtorField::City => &mut self.city,
            DebtorField::Phone => &mut self.phone,
            DebtorField::Email => &mut self.email,
            DebtorField::CustomerNumber => &mut self.customer_number,
            DebtorField::IdDocumentNumber => &mut self.id_document_number,
            DebtorField::KvkNumber => &mut self.kvk_number,
            DebtorField::VatNumber => &mut self.vat_number,
        };
        *slot = value;
        Ok(())
    }

    /// The field as text (dates as `YYYY-MM-DD`), as shown to the debtor and stored in a
    /// correction request.
    pub fn get(&self, field: DebtorField) -> Option<String> {
        match field {
            DebtorField::Name => Some(self.name.clone()),
            DebtorField::Address => self.address.clone(),
            DebtorField::Postcode => self.postcode.clone(),
            DebtorField::City => self.city.clone(),
            DebtorField::Phone => self.phone.clone(),
            DebtorField::Email => self.email.clone(),
            DebtorField::CustomerNumber => self.customer_number.clone(),
            DebtorField::BirthDate => self.birth_date.map(date_text),
            DebtorField::IdDocumentNumber => self.id_document_number.clone(),
            DebtorField::KvkNumber => self.kvk_number.clone(),
            DebtorField::VatNumber => self.vat_number.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debtor {
    pub dossier_id: DossierId,
    pub details: DebtorDetails,
    pub updated_at: DateTime<Utc>,
}

/// Where one personal field came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSource {
    pub field: DebtorField,
    pub kind: FieldSourceKind,
    /// The creditor id, or the correction request id.
    pub reference: String,
    pub supplied_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClaimItem {
    pub invoice_number: String,
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    pub principal: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimItem {
    pub id: ClaimItemId,
    pub dossier_id: DossierId,
    pub invoice_number: String,
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    pub principal: Money,
}

/// One dossier as delivered by a creditor: imported in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierImport {
    pub dossier: NewDossier,
    pub debtor: DebtorDetails,
    pub claim_items: Vec<NewClaimItem>,
}

/// Filters for the staff dossier list; `None` means any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierQuery {
    pub status: Option<DossierStatus>,
    /// Case-insensitive prefix of the dossier number.
    pub number_prefix: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

impl Default for DossierQuery {
    fn default() -> Self {
        DossierQuery {
            status: None,
            number_prefix: None,
            limit: 50,
            offset: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierSummary {
    pub id: DossierId,
    pub number: String,
    pub status: DossierStatus,
    pub creditor_name: String,
    pub debtor_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

const CREDITOR_COLUMNS: &str = "id, name, kvk, contact_email, contact_phone, can_deduct_vat, \
     interest_kind, created_at, updated_at";
pub(crate) const DOSSIER_COLUMNS: &str = "id, number, creditor_id, status, secret_hash, secret_rotated_at, \
     last_claim_letter_at, link_generation, closed_at, created_at, updated_at";
const DEBTOR_COLUMNS: &str = "dossier_id, kind, name, address, postcode, city, phone, email, \
     customer_number, birth_date, id_document_number, kvk_number, vat_number, updated_at";
const CLAIM_ITEM_COLUMNS: &str =
    "id, dossier_id, invoice_number, invoice_date, due_date, principal_cents";

impl Store {
    /// Inserts the creditor or updates it in place (imports repeat).
    pub async fn upsert_creditor(&self, creditor: &NewCreditor, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO creditor (id, name, kvk, contact_email, contact_phone, can_deduct_vat, \
                 interest_kind, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, kvk = excluded.kvk, \
                 contact_email = excluded.contact_email, contact_phone = excluded.contact_phone, \
                 can_deduct_vat = excluded.can_deduct_vat, interest_kind = excluded.interest_kind, \
                 updated_at = excluded.updated_at",
        )
        .bind(creditor.id.as_str())
        .bind(&creditor.name)
        .bind(&creditor.kvk)
        .bind(&creditor.contact_email)
        .bind(&creditor.contact_phone)
        .bind(flag_value(creditor.can_deduct_vat))
        .bind(creditor.interest_kind.as_str())
        .bind(millis(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn creditor(&self, id: &CreditorId) -> Result<Option<Creditor>> {
        let sql = format!("SELECT {CREDITOR_COLUMNS} FROM creditor WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(creditor_from_row).transpose()
    }

    /// Creates the dossier unless its number exists. An existing number belonging to another
    /// creditor is a [`StoreError::Conflict`]: two creditors cannot share a dossier.
    pub async fn upsert_dossier(
        &self,
        dossier: &NewDossier,
        now: DateTime<Utc>,
    ) -> Result<Created<Dossier>> {
        let mut conn = self.pool.acquire().await?;
        upsert_dossier(&mut conn, dossier, now).await
    }

    /// Imports a dossier with its debtor and claim items in one transaction; repeating the
    /// import updates them (see [`Store::set_debtor`] for which debtor fields are kept).
    pub async fn import_dossier(
        &self,
        import: &DossierImport,
        now: DateTime<Utc>,
    ) -> Result<Created<Dossier>> {
        let mut tx = self.begin_write().await?;
        let dossier = upsert_dossier(&mut tx, &import.dossier, now).await?;
        let id = match &dossier {
            Created::New(d) | Created::Existing(d) => d.id.clone(),
        };
        set_debtor(
            &mut tx,
            &id,
            &import.debtor,
            &import.dossier.creditor_id,
            now,
        )
        .await?;
        for item in &import.claim_items {
            upsert_claim_item(&mut tx, &id, item).await?;
        }
        tx.commit().await?;
        Ok(dossier)
    }

    pub async fn dossier(&self, id: &DossierId) -> Result<Option<Dossier>> {
        let sql = format!("SELECT {DOSSIER_COLUMNS} FROM dossier WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(dossier_from_row).transpose()
    }

    pub async fn dossier_by_number(&self, number: &str) -> Result<Option<Dossier>> {
        let mut conn = self.pool.acquire().await?;
        dossier_by_number(&mut conn, number).await
    }

    /// Compare-and-set of the dossier status: changes it only from one of `from`.
    pub async fn set_dossier_status(
        &self,
        id: &DossierId,
        from: &[DossierStatus],
        to: DossierStatus,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        if from.is_empty() {
            return Ok(false);
        }
        // Closing starts the Bki's two years (kept from the first close while it stays
        // closed); opening again clears it.
        let sql = format!(
            "UPDATE dossier SET status = $1, updated_at = $2, \
                 closed_at = CASE WHEN $4 = 1 THEN COALESCE(closed_at, $2) ELSE NULL END \
             WHERE id = $3 AND status IN ({})",
            placeholders(5, from.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(to.as_str())
            .bind(millis(now))
            .bind(id.as_str())
            .bind(i64::from(to.is_closed()));
        for status in from {
            query = query.bind(status.as_str());
        }
        Ok(query.execute(&self.pool).await?.rows_affected() == 1)
    }

    /// Stores a new secret hash (the old secret stops working).
    pub async fn set_dossier_secret(
        &self,
        id: &DossierId,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE dossier SET secret_hash = $1, secret_rotated_at = $2, updated_at = $2 \
             WHERE id = $3",
        )
        .bind(secret_hash)
        .bind(millis(now))
        .bind(id.as_str())
        .execute(&self.pool)
        .await?;
        found(done.rows_affected(), "dossier")
    }

    /// Raises the dossier's link generation, so every letter link signed before stops
    /// opening; returns the new generation (to sign the next letter's link with).
    pub async fn revoke_links(&self, id: &DossierId, now: DateTime<Utc>) -> Result<u32> {
        let row = sqlx::query(
            "UPDATE dossier SET link_generation = link_generation + 1, updated_at = $1 \
             WHERE id = $2 RETURNING link_generation",
        )
        .bind(millis(now))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let row = row.ok_or(crate::StoreError::NotFound("dossier"))?;
        Ok(u32::try_from(row.int("link_generation")?).unwrap_or(u32::MAX))
    }

    /// Records the date of the latest claim letter, which starts the retention period.
    pub async fn set_last_claim_letter(
        &self,
        id: &DossierId,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE dossier SET last_claim_letter_at = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(date_text(date))
        .bind(millis(now))
        .bind(id.as_str())
        .execute(&self.pool)
        .await?;
        found(done.rows_affected(), "dossier")
    }

    /// The staff list, most recently changed first.
    pub async fn list_dossiers(&self, query: &DossierQuery) -> Result<Vec<DossierSummary>> {
        let prefix = query.number_prefix.as_deref().map(like_prefix);
        let rows = sqlx::query(
            "SELECT d.id, d.number, d.status, c.name AS creditor_name, \
                 b.name AS debtor_name, d.updated_at \
             FROM dossier d \
             JOIN creditor c ON c.id = d.creditor_id \
             LEFT JOIN debtor b ON b.dossier_id = d.id \
             WHERE ($1 IS NULL OR d.status = $1) \
               AND ($2 IS NULL OR UPPER(d.number) LIKE UPPER($2) ESCAPE '\\') \
             ORDER BY d.updated_at DESC, d.number \
             LIMIT $3 OFFSET $4",
        )
        .bind(query.status.map(|s| s.as_str()))
        .bind(prefix)
        // Negative values mean "no limit" to SQLite but are an error on PostgreSQL.
        .bind(query.limit.max(0))
        .bind(query.offset.max(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DossierSummary {
                    id: row.id("id")?,
                    number: row.text("number")?,
                    status: row.enumeration("status")?,
                    creditor_name: row.text("creditor_name")?,
                    debtor_name: row.opt_text("debtor_name")?,
                    updated_at: row.instant("updated_at")?,
                })
            })
            .collect()
    }

    /// Deletes a dossier and everything recorded about it (cascading foreign keys), for
    /// retention. Returns whether it existed.
    pub async fn delete_dossier(&self, id: &DossierId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM dossier WHERE id = $1")
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets the debtor of a dossier as supplied by `creditor_id`, recording that creditor as the
    /// source of every field it supplies. A field the debtor had corrected (an accepted
    /// correction request) keeps its corrected value, so a repeated import cannot undo it.
    pub async fn set_debtor(
        &self,
        dossier_id: &DossierId,
        details: &DebtorDetails,
        creditor_id: &CreditorId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        set_debtor(&mut tx, dossier_id, details, creditor_id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn debtor(&self, dossier_id: &DossierId) -> Result<Option<Debtor>> {
        let mut conn = self.pool.acquire().await?;
        debtor(&mut conn, dossier_id).await
    }

    pub async fn debtor_field_sources(&self, dossier_id: &DossierId) -> Result<Vec<FieldSource>> {
        let mut conn = self.pool.acquire().await?;
        field_sources(&mut conn, dossier_id).await
    }

    /// Inserts the invoice or updates its dates and principal.
    pub async fn upsert_claim_item(
        &self,
        dossier_id: &DossierId,
        item: &NewClaimItem,
    ) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        upsert_claim_item(&mut conn, dossier_id, item).await
    }

    pub async fn claim_items(&self, dossier_id: &DossierId) -> Result<Vec<ClaimItem>> {
        let sql = format!(
            "SELECT {CLAIM_ITEM_COLUMNS} FROM claim_item WHERE dossier_id = $1 \
             ORDER BY invoice_date, invoice_number"
        );
        let rows = sqlx::query(&sql)
            .bind(dossier_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ClaimItem {
                    id: row.id("id")?,
                    dossier_id: row.id("dossier_id")?,
                    invoice_number: row.text("invoice_number")?,
                    invoice_date: row.date("invoice_date")?,
                    due_date: row.date("due_date")?,
                    principal: row.money("principal_cents")?,
                })
            })
            .collect()
    }
}

pub(crate) fn found(rows_affected: u64, what: &'static str) -> Result<()> {
    if rows_affected == 0 {
        Err(StoreError::NotFound(what))
    } else {
        Ok(())
    }
}

/// `prefix%` with LIKE's wildcards escaped.
fn like_prefix(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

async fn upsert_dossier(
    conn: &mut AnyConnection,
    dossier: &NewDossier,
    now: DateTime<Utc>,
) -> Result<Created<Dossier>> {
    let id = uuid::Uuid::new_v4().to_string();
    let inserted = sqlx::query(
        "INSERT INTO dossier (id, number, creditor_id, status, created_at, updated_at, closed_at) \
         VALUES ($1, $2, $3, $4, $5, $5, $6) ON CONFLICT (number) DO NOTHING",
    )
    .bind(&id)
    .bind(&dossier.number)
    .bind(dossier.creditor_id.as_str())
    .bind(dossier.status.as_str())
    .bind(millis(now))
    .bind(dossier.status.is_closed().then(|| millis(now)))
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    let stored = dossier_by_number(conn, &dossier.number)
        .await?
        .ok_or(StoreError::NotFound("dossier"))?;
    if inserted {
        Ok(Created::New(stored))
    } else if stored.creditor_id != dossier.creditor_id {
        Err(StoreError::Conflict(Conflict::DossierOfOtherCreditor))
    } else {
        Ok(Created::Existing(stored))
    }
}

async fn dossier_by_number(conn: &mut AnyConnection, number: &str) -> Result<Option<Dossier>> {
    let sql = format!("SELECT {DOSSIER_COLUMNS} FROM dossier WHERE number = $1");
    let row = sqlx::query(&sql).bind(number).fetch_optional(conn).await?;
    row.as_ref().map(dossier_from_row).transpose()
}

pub(crate) async fn debtor(
    conn: &mut AnyConnection,
    dossier_id: &DossierId,
) -> Result<Option<Debtor>> {
    let sql = format!("SELECT {DEBTOR_COLUMNS} FROM debtor WHERE dossier_id = $1");
    let row = sqlx::query(&sql)
        .bind(dossier_id.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(debtor_from_row).transpose()
}

async fn field_sources(
    conn: &mut AnyConnection,
    dossier_id: &DossierId,
) -> Result<Vec<FieldSource>> {
    let rows = sqlx::query(
        "SELECT field, source_kind, source_ref, supplied_at FROM debtor_field_source \
         WHERE dossier_id = $1 ORDER BY field",
    )
    .bind(dossier_id.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(FieldSource {
                field: row.enumeration("field")?,
                kind: row.enumeration("source_kind")?,
                reference: row.text("source_ref")?,
                supplied_at: row.instant("supplied_at")?,
            })
        })
        .collect()
}

async fn set_debtor(
    conn: &mut AnyConnection,
    dossier_id: &DossierId,
    supplied: &DebtorDetails,
    creditor_id: &CreditorId,
    now: DateTime<Utc>,
) -> Result<()> {
    let existing = debtor(conn, dossier_id).await?;
    let sources = field_sources(conn, dossier_id).await?;
    let corrected = |field| {
        sources
            .iter()
            .any(|s| s.field == field && s.kind == FieldSourceKind::Correction)
    };
    let mut merged = supplied.clone();
    if let Some(existing) = &existing {
        for &field in DebtorField::ALL {
            if corrected(field) {
                merged
                    .set(field, existing.details.get(field))
                    .map_err(StoreError::Invalid)?;
            }
        }
    }
    write_debtor(conn, dossier_id, &merged, now).await?;

    for &field in DebtorField::ALL {
        if corrected(field) {
            continue;
        }
        let value = merged.get(field);
        let unchanged = existing
            .as_ref()
            .is_some_and(|e| e.details.get(field) == value)
            && sources.iter().any(|s| s.field == field);
        if value.is_none() {
            // The creditor no longer supplies it: nothing is held, so no source either.
            sqlx::query("DELETE FROM debtor_field_source WHERE dossier_id = $1 AND field = $2")
                .bind(dossier_id.as_str())
                .bind(field.as_str())
                .execute(&mut *conn)
                .await?;
        } else if !unchanged {
            record_field_source(
                conn,
                dossier_id,
                field,
                FieldSourceKind::Creditor,
                creditor_id.as_str(),
                now,
            )
            .await?;
        }
    }
    Ok(())
}

/// Writes the whole debtor row.
pub(crate) async fn write_debtor(
    conn: &mut AnyConnection,
    dossier_id: &DossierId,
    details: &DebtorDetails,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO debtor (dossier_id, kind, name, address, postcode, city, phone, email, \
             customer_number, birth_date, id_document_number, kvk_number, vat_number, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (dossier_id) DO UPDATE SET kind = excluded.kind, name = excluded.name, \
             address = excluded.address, postcode = excluded.postcode, city = excluded.city, \
             phone = excluded.phone, email = excluded.email, \
             customer_number = excluded.customer_number, birth_date = excluded.birth_date, \
             id_document_number = excluded.id_document_number, \
             kvk_number = excluded.kvk_number, vat_number = excluded.vat_number, \
             updated_at = excluded.updated_at",
    )
    .bind(dossier_id.as_str())
    .bind(details.kind.as_str())
    .bind(&details.name)
    .bind(&details.address)
    .bind(&details.postcode)
    .bind(&details.city)
    .bind(&details.phone)
    .bind(&details.email)
    .bind(&details.customer_number)
    .bind(details.birth_date.map(date_text))
    .bind(&details.id_document_number)
    .bind(&details.kvk_number)
    .bind(&details.vat_number)
    .bind(millis(now))
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn record_field_source(
    conn: &mut AnyConnection,
    dossier_id: &DossierId,
    field: DebtorField,
    kind: FieldSourceKind,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO debtor_field_source (dossier_id, field, source_kind, source_ref, supplied_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (dossier_id, field) DO UPDATE SET source_kind = excluded.source_kind, \
             source_ref = excluded.source_ref, supplied_at = excluded.supplied_at",
    )
    .bind(dossier_id.as_str())
    .bind(field.as_str())
    .bind(kind.as_str())
    .bind(reference)
    .bind(millis(now))
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_claim_item(
    conn: &mut AnyConnection,
    dossier_id: &DossierId,
    item: &NewClaimItem,
) -> Result<()> {
    if item.principal.cents() < 0 {
        return Err(StoreError::Invalid(
            "a claim item's principal cannot be negative",
        ));
    }
    sqlx::query(
        "INSERT INTO claim_item (dossier_id, invoice_number, invoice_date, due_date, \
             principal_cents) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (dossier_id, invoice_number) DO UPDATE SET \
             invoice_date = excluded.invoice_date, due_date = excluded.due_date, \
             principal_cents = excluded.principal_cents",
    )
    .bind(dossier_id.as_str())
    .bind(&item.invoice_number)
    .bind(date_text(item.invoice_date))
    .bind(date_text(item.due_date))
    .bind(item.principal.cents())
    .execute(conn)
    .await?;
    Ok(())
}

fn creditor_from_row(row: &AnyRow) -> Result<Creditor> {
    Ok(Creditor {
        id: row.id("id")?,
        name: row.text("name")?,
        kvk: row.opt_text("kvk")?,
        contact_email: row.opt_text("contact_email")?,
        contact_phone: row.opt_text("contact_phone")?,
        can_deduct_vat: row.flag("can_deduct_vat")?,
        interest_kind: row.enumeration("interest_kind")?,
        created_at: row.instant("created_at")?,
        updated_at: row.instant("updated_at")?,
    })
}

pub(crate) fn dossier_from_row(row: &AnyRow) -> Result<Dossier> {
    Ok(Dossier {
        id: row.id("id")?,
        number: row.text("number")?,
        creditor_id: row.id("creditor_id")?,
        status: row.enumeration("status")?,
        secret_hash: row.opt_text("secret_hash")?,
        secret_rotated_at: row.opt_instant("secret_rotated_at")?,
        last_claim_letter_at: row.opt_date("last_claim_letter_at")?,
        link_generation: u32::try_from(row.int("link_generation")?).unwrap_or(u32::MAX),
        closed_at: row.opt_instant("closed_at")?,
        created_at: row.instant("created_at")?,
        updated_at: row.instant("updated_at")?,
    })
}

fn debtor_from_row(row: &AnyRow) -> Result<Debtor> {
    Ok(Debtor {
        dossier_id: row.id("dossier_id")?,
        details: DebtorDetails {
            kind: row.enumeration("kind")?,
            name: row.text("name")?,
            address: row.opt_text("address")?,
            postcode: row.opt_text("postcode")?,
            city: row.opt_text("city")?,
            phone: row.opt_text("phone")?,
            email: row.opt_text("email")?,
            customer_number: row.opt_text("customer_number")?,
            birth_date: row.opt_date("birth_date")?,
            id_document_number: row.opt_text("id_document_number")?,
            kvk_number: row.opt_text("kvk_number")?,
            vat_number: row.opt_text("vat_number")?,
        },
        updated_at: row.instant("updated_at")?,
    })
}
