//! Income and expenses statements sent with a payment-plan request outside the agency's rules,
//! and their files. One statement per plan request (its key is the plan's id); the figures are
//! the debtor's, the protected amount, capacity and verdict what `domain::budget::check`
//! concluded when it was sent. Deleted with the plan, with the dossier, and by the housekeeping
//! job once its retention has passed ([`Store::purge_plan_budgets`]).

use chrono::{DateTime, NaiveDate, Utc};
use domain::{BudgetFileId, DossierId, Household, Money, PlanId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Store;
use crate::audit::{NewAuditEvent, append_audit};
use crate::disputes::NewAttachment;
use crate::error::{Conflict, Result, StoreError, is_unique_violation};
use crate::row::{RowExt, date_text, millis};
use crate::types::{AttachmentType, BudgetVerdict, PlanStatus};

/// A statement to keep with a plan request, with its (already checked) files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlanBudget {
    pub plan_id: PlanId,
    pub dossier_id: DossierId,
    pub household: Household,
    pub net_income: Money,
    pub housing: Money,
    pub health_insurance: Money,
    pub childcare: Money,
    pub other_debts: Money,
    pub other_fixed: Money,
    /// The beslagvrije voet found.
    pub protected: Money,
    /// The most a month that was found payable.
    pub capacity: Money,
    pub verdict: BudgetVerdict,
    /// The first day of the half year whose figures were used.
    pub table_from: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub attachments: Vec<NewAttachment>,
}

/// A file of a statement, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetFileMeta {
    pub id: BudgetFileId,
    pub plan_id: PlanId,
    pub dossier_id: DossierId,
    pub filename: String,
    pub content_type: AttachmentType,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// A file of a statement with its bytes, for a download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetFile {
    pub meta: BudgetFileMeta,
    pub content: Vec<u8>,
}

/// A statement as kept, with its files and the state of its plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanBudget {
    pub plan_id: PlanId,
    pub dossier_id: DossierId,
    pub household: Household,
    pub net_income: Money,
    pub housing: Money,
    pub health_insurance: Money,
    pub childcare: Money,
    pub other_debts: Money,
    pub other_fixed: Money,
    pub protected: Money,
    pub capacity: Money,
    pub verdict: BudgetVerdict,
    pub table_from: NaiveDate,
    pub created_at: DateTime<Utc>,
    /// The plan's status now.
    pub plan_status: PlanStatus,
    /// When the plan ended or was turned down (its last change), `None` while it is in review
    /// or running.
    pub plan_ended_at: Option<DateTime<Utc>>,
    pub files: Vec<BudgetFileMeta>,
}

/// The plan statuses after which a statement's retention runs.
const ENDED: [PlanStatus; 3] = [
    PlanStatus::Completed,
    PlanStatus::Defaulted,
    PlanStatus::Rejected,
];

const BUDGET_COLUMNS: &str = "b.plan_id, b.dossier_id, b.household, b.net_income_cents, \
     b.housing_cents, b.health_insurance_cents, b.childcare_cents, b.other_debts_cents, \
     b.other_fixed_cents, b.protected_cents, b.capacity_cents, b.verdict, b.table_from, \
     b.created_at, p.status AS plan_status, p.updated_at AS plan_updated_at";
const FILE_COLUMNS: &str =
    "id, plan_id, dossier_id, filename, content_type, size_bytes, sha256, created_at";

impl Store {
    /// Keeps a statement with its files and the audit event (its `detail` object gets
    /// `plan_id` and `files`) in one transaction. A second statement for the same plan is a
    /// [`StoreError::Conflict`] ([`Conflict::PlanBudgetExists`]).
    pub async fn save_plan_budget(
        &self,
        budget: &NewPlanBudget,
        audit: &NewAuditEvent,
    ) -> Result<()> {
        let amounts = [
            budget.net_income,
            budget.housing,
            budget.health_insurance,
            budget.childcare,
            budget.other_debts,
            budget.other_fixed,
            budget.protected,
            budget.capacity,
        ];
        if amounts.iter().any(|m| m.is_negative()) {
            return Err(StoreError::Invalid(
                "a statement's amounts are never negative",
            ));
        }
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO plan_budget (plan_id, dossier_id, household, net_income_cents, \
                 housing_cents, health_insurance_cents, childcare_cents, other_debts_cents, \
                 other_fixed_cents, protected_cents, capacity_cents, verdict, table_from, \
                 created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(budget.plan_id.as_str())
        .bind(budget.dossier_id.as_str())
        .bind(budget.household.as_str())
        .bind(budget.net_income.cents())
        .bind(budget.housing.cents())
        .bind(budget.health_insurance.cents())
        .bind(budget.childcare.cents())
        .bind(budget.other_debts.cents())
        .bind(budget.other_fixed.cents())
        .bind(budget.protected.cents())
        .bind(budget.capacity.cents())
        .bind(budget.verdict.as_str())
        .bind(date_text(budget.table_from))
        .bind(millis(budget.created_at))
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(Conflict::PlanBudgetExists));
            }
            other => other?,
        };
        let mut ids = Vec::with_capacity(budget.attachments.len());
        for file in &budget.attachments {
            let size = i64::try_from(file.content.len())
                .map_err(|_| StoreError::Invalid("attachment too large"))?;
            let id = uuid::Uuid::new_v4().to_string();
            sqlx::query(
                "INSERT INTO plan_budget_attachment (id, plan_id, dossier_id, filename, \
                     content_type, size_bytes, sha256, content, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&id)
            .bind(budget.plan_id.as_str())
            .bind(budget.dossier_id.as_str())
            .bind(&file.filename)
            .bind(file.content_type.as_str())
            .bind(size)
            .bind(&file.sha256)
            .bind(file.content.clone())
            .bind(millis(budget.created_at))
            .execute(&mut *tx)
            .await?;
            ids.push(id);
        }
        let mut event = audit.clone();
        if let Some(detail) = event.detail.as_object_mut() {
            detail.insert("plan_id".into(), budget.plan_id.as_str().into());
            detail.insert("files".into(), ids.into());
        }
        append_audit(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The statement of a plan request, if one was sent.
    pub async fn plan_budget(&self, plan_id: &PlanId) -> Result<Option<PlanBudget>> {
        let sql = format!(
            "SELECT {BUDGET_COLUMNS} FROM plan_budget b JOIN payment_plan p ON p.id = b.plan_id \
             WHERE b.plan_id = $1"
        );
        let row = sqlx::query(&sql)
            .bind(plan_id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.budget_with_files(&row).await?)),
            None => Ok(None),
        }
    }

    /// Every statement of the dossier, newest first.
    pub async fn plan_budgets_for_dossier(
        &self,
        dossier_id: &DossierId,
    ) -> Result<Vec<PlanBudget>> {
        let sql = format!(
            "SELECT {BUDGET_COLUMNS} FROM plan_budget b JOIN payment_plan p ON p.id = b.plan_id \
             WHERE b.dossier_id = $1 ORDER BY b.created_at DESC, b.plan_id"
        );
        let rows = sqlx::query(&sql)
            .bind(dossier_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.budget_with_files(row).await?);
        }
        Ok(out)
    }

    async fn budget_with_files(&self, row: &AnyRow) -> Result<PlanBudget> {
        let plan_id: PlanId = row.id("plan_id")?;
        let sql = format!(
            "SELECT {FILE_COLUMNS} FROM plan_budget_attachment WHERE plan_id = $1 \
             ORDER BY created_at, id"
        );
        let files = sqlx::query(&sql)
            .bind(plan_id.as_str())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(file_meta_from_row)
            .collect::<Result<Vec<_>>>()?;
        let household_text = row.text("household")?;
        let household = household_text
            .parse::<Household>()
            .map_err(|_| StoreError::Corrupt {
                column: "household",
                value: household_text,
            })?;
        let plan_status: PlanStatus = row.enumeration("plan_status")?;
        Ok(PlanBudget {
            plan_id,
            dossier_id: row.id("dossier_id")?,
            household,
            net_income: row.money("net_income_cents")?,
            housing: row.money("housing_cents")?,
            health_insurance: row.money("health_insurance_cents")?,
            childcare: row.money("childcare_cents")?,
            other_debts: row.money("other_debts_cents")?,
            other_fixed: row.money("other_fixed_cents")?,
            protected: row.money("protected_cents")?,
            capacity: row.money("capacity_cents")?,
            verdict: row.enumeration("verdict")?,
            table_from: row.date("table_from")?,
            created_at: row.instant("created_at")?,
            plan_status,
            plan_ended_at: if ENDED.contains(&plan_status) {
                Some(row.instant("plan_updated_at")?)
            } else {
                None
            },
            files,
        })
    }

    /// One file with its bytes, only when it belongs to `dossier_id` (`None` otherwise, the
    /// same as no file).
    pub async fn budget_file_of_dossier(
        &self,
        id: &BudgetFileId,
        dossier_id: &DossierId,
    ) -> Result<Option<BudgetFile>> {
        let sql = format!(
            "SELECT {FILE_COLUMNS}, content FROM plan_budget_attachment \
             WHERE id = $1 AND dossier_id = $2"
        );
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .bind(dossier_id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(file_from_row).transpose()
    }

    /// One file with its bytes, for staff.
    pub async fn budget_file(&self, id: &BudgetFileId) -> Result<Option<BudgetFile>> {
        let sql =
            format!("SELECT {FILE_COLUMNS}, content FROM plan_budget_attachment WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(file_from_row).transpose()
    }

    /// Deletes the statements (and their files) whose plan ended or was turned down before
    /// `ended_before`; returns how many statements went.
    pub async fn purge_plan_budgets(&self, ended_before: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let due = "SELECT id FROM payment_plan WHERE status IN ($1, $2, $3) AND updated_at < $4";
        sqlx::query(&format!(
            "DELETE FROM plan_budget_attachment WHERE plan_id IN ({due})"
        ))
        .bind(ENDED[0].as_str())
        .bind(ENDED[1].as_str())
        .bind(ENDED[2].as_str())
        .bind(millis(ended_before))
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(&format!("DELETE FROM plan_budget WHERE plan_id IN ({due})"))
            .bind(ENDED[0].as_str())
            .bind(ENDED[1].as_str())
            .bind(ENDED[2].as_str())
            .bind(millis(ended_before))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}

fn file_meta_from_row(row: &AnyRow) -> Result<BudgetFileMeta> {
    Ok(BudgetFileMeta {
        id: row.id("id")?,
        plan_id: row.id("plan_id")?,
        dossier_id: row.id("dossier_id")?,
        filename: row.text("filename")?,
        content_type: row.enumeration("content_type")?,
        size_bytes: row.int("size_bytes")?,
        sha256: row.text("sha256")?,
        created_at: row.instant("created_at")?,
    })
}

fn file_from_row(row: &AnyRow) -> Result<BudgetFile> {
    Ok(BudgetFile {
        meta: file_meta_from_row(row)?,
        content: row.try_get("content")?,
    })
}
