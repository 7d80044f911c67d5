//! Payment plans and their instalments.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{DossierId, InstalmentId, Money, PlanId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::Store;
use crate::audit::{NewAuditEvent, append_audit};
use crate::error::{Conflict, Result, StoreError, is_unique_violation};
use crate::outbox::{NewMail, queue_mail};
use crate::row::{RowExt, date_text, millis, placeholders};
use crate::types::{InstalmentStatus, PlanDecisionKind, PlanStatus};

/// A plan as agreed in the portal; the domain has already checked it against the rules and
/// chosen `status` (active within the rules, needs_review outside them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlan {
    pub dossier_id: DossierId,
    pub status: PlanStatus,
    pub instalments: Vec<NewInstalment>,
    /// Statutory interest stops while this plan is active (the agency's rule when it was
    /// made); see [`PaymentPlan::activated_at`].
    pub interest_stops: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstalment {
    pub due_date: NaiveDate,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentPlan {
    pub id: PlanId,
    pub dossier_id: DossierId,
    pub status: PlanStatus,
    pub total: Money,
    pub instalment_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// See [`NewPlan::interest_stops`].
    pub interest_stops: bool,
    /// When it became active (made active, or accepted after review); `None` before.
    pub activated_at: Option<DateTime<Utc>>,
    /// In order of `seq`.
    pub instalments: Vec<PlanInstalment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanInstalment {
    pub id: InstalmentId,
    pub plan_id: PlanId,
    /// 1-based position in the schedule.
    pub seq: i64,
    pub due_date: NaiveDate,
    pub amount: Money,
    pub status: InstalmentStatus,
    pub paid_at: Option<DateTime<Utc>>,
    /// The due date before a missed instalment was moved to the end of the plan (the
    /// plan's one tolerance); kept once it is paid.
    pub moved_from: Option<NaiveDate>,
}

impl PlanInstalment {
    /// Moved to the end of the plan and not yet paid: the missed instalment the plan
    /// tolerates, which the debtor may still pay late.
    pub fn is_moved_and_open(&self) -> bool {
        self.moved_from.is_some() && self.status != InstalmentStatus::Paid
    }
}

/// What goes with a plan that is reviewed: the debtor's reason (a plan outside the rules), or
/// for a counter-proposal the plan it answers and the staff note.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewPlanReview {
    pub reason: Option<String>,
    pub replaces_plan_id: Option<PlanId>,
    pub staff_note: Option<String>,
}

/// A plan's review record: why it was asked for, and how it was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanReview {
    pub plan_id: PlanId,
    pub reason: Option<String>,
    /// For a counter-proposal: the reviewed plan it answers.
    pub replaces_plan_id: Option<PlanId>,
    pub decision: Option<PlanDecisionKind>,
    pub staff_note: Option<String>,
    /// The staff username; `None` when undecided or decided by the debtor.
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A plan under which statutory interest stopped (see [`NewPlan::interest_stops`]) and that
/// became active: what the claim needs to pause interest on the dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterestStop {
    pub activated_at: DateTime<Utc>,
    /// When it was paid off; `None` while it runs.
    pub completed_at: Option<DateTime<Utc>>,
}

/// A decision on a plan: see [`Store::decide_plan`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlanDecision {
    pub plan_id: PlanId,
    /// The status the plan must have (compare-and-set).
    pub from: PlanStatus,
    pub to: PlanStatus,
    pub decision: PlanDecisionKind,
    pub staff_note: Option<String>,
    pub decided_by: Option<String>,
    /// A counter-proposal replacing the plan (normally with status proposed).
    pub counter: Option<NewPlan>,
    pub audit: NewAuditEvent,
    pub now: DateTime<Utc>,
}

/// The decided plan as stored now, and the counter-proposal if one was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDecided {
    pub plan: PaymentPlan,
    pub counter: Option<PaymentPlan>,
}

const REVIEW_COLUMNS: &str =
    "plan_id, reason, replaces_plan_id, decision, staff_note, decided_by, decided_at";

/// Plans that are in play; at most one per dossier (a partial unique index).
const OPEN_PLAN_STATUSES: &str = "('proposed', 'active', 'needs_review')";
const PLAN_COLUMNS: &str = "id, dossier_id, status, total_cents, instalment_count, created_at, \
                            updated_at, interest_stops, activated_at";
const INSTALMENT_COLUMNS: &str =
    "id, plan_id, seq, due_date, amount_cents, status, paid_at, moved_from";

impl Store {
    /// Stores a plan with its schedule. A dossier that already has a plan in play (proposed,
    /// active or needs_review) gets a [`StoreError::Conflict`], so a double submit opens one.
    pub async fn create_plan(&self, plan: &NewPlan, now: DateTime<Utc>) -> Result<PaymentPlan> {
        let mut tx = self.begin_write().await?;
        let id = insert_plan(&mut tx, plan, now).await?;
        let stored = plan_by(&mut tx, "id = $1", id.as_str()).await?;
        tx.commit().await?;
        stored.ok_or(StoreError::NotFound("payment plan"))
    }

    /// [`Store::create_plan`] with, in the same transaction, its review record (when `review`
    /// is given: a plan for staff review, or a counter-proposal) and an audit event (its
    /// `detail`, an object, gets the new plan's id as `plan_id`).
    pub async fn create_plan_audited(
        &self,
        plan: &NewPlan,
        review: Option<&NewPlanReview>,
        audit: &NewAuditEvent,
        now: DateTime<Utc>,
    ) -> Result<PaymentPlan> {
        let mut tx = self.begin_write().await?;
        let id = insert_plan(&mut tx, plan, now).await?;
        if let Some(review) = review {
            insert_review(&mut tx, &id, review).await?;
        }
        append_audit(&mut tx, &with_plan_id(audit, &id, None)).await?;
        let stored = plan_by(&mut tx, "id = $1", id.as_str()).await?;
        tx.commit().await?;
        stored.ok_or(StoreError::NotFound("payment plan"))
    }

    /// The review record of a plan (plans that went to staff, and counter-proposals).
    pub async fn plan_review(&self, plan_id: &PlanId) -> Result<Option<PlanReview>> {
        let row = sqlx::query(&format!(
            "SELECT {REVIEW_COLUMNS} FROM plan_review WHERE plan_id = $1"
        ))
        .bind(plan_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(review_from_row).transpose()
    }

    /// The dossier's plans that stop interest and are active or paid off (a defaulted plan
    /// revokes its waiver). One light query: the claim reads it on every load.
    pub async fn interest_stops(&self, dossier_id: &DossierId) -> Result<Vec<InterestStop>> {
        let rows = sqlx::query(
            "SELECT status, activated_at, updated_at FROM payment_plan \
             WHERE dossier_id = $1 AND interest_stops = 1 AND activated_at IS NOT NULL \
               AND status IN ('active', 'completed') ORDER BY activated_at",
        )
        .bind(dossier_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let status: PlanStatus = row.enumeration("status")?;
                Ok(InterestStop {
                    activated_at: row.instant("activated_at")?,
                    completed_at: (status == PlanStatus::Completed)
                        .then(|| row.instant("updated_at"))
                        .transpose()?,
                })
            })
            .collect()
    }

    /// Every plan of the dossier, newest first.
    pub async fn plans_for_dossier(&self, dossier_id: &DossierId) -> Result<Vec<PaymentPlan>> {
        let mut conn = self.pool.acquire().await?;
        let sql = format!(
            "SELECT {PLAN_COLUMNS} FROM payment_plan WHERE dossier_id = $1 \
             ORDER BY created_at DESC, id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(dossier_id.as_str())
            .fetch_all(&mut *conn)
            .await?;
        let mut plans = Vec::with_capacity(rows.len());
        for row in &rows {
            plans.push(with_instalments(&mut conn, row).await?);
        }
        Ok(plans)
    }

    /// Decides a plan in one transaction: moves it from `decision.from` to `decision.to`,
    /// records the decision in its review record (made when missing), creates the
    /// counter-proposal if any (after the move, so the one-plan-in-play index allows it) and
    /// appends the audit event (its `detail` object gets `plan_id` and `counter_plan_id`).
    /// `None` when the plan is not in `from` (decided before, or a double submit): nothing
    /// changed.
    pub async fn decide_plan(&self, decision: &PlanDecision) -> Result<Option<PlanDecided>> {
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE payment_plan SET status = $1, updated_at = $2, \
                 activated_at = CASE WHEN $1 = 'active' THEN $2 ELSE activated_at END \
             WHERE id = $3 AND status = $4",
        )
        .bind(decision.to.as_str())
        .bind(millis(decision.now))
        .bind(decision.plan_id.as_str())
        .bind(decision.from.as_str())
        .execute(&mut *tx)
        .await;
        let moved = match moved {
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(Conflict::PlanInPlay));
            }
            other => other?,
        };
        if moved.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO plan_review (plan_id, decision, staff_note, decided_by, decided_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (plan_id) DO UPDATE SET decision = excluded.decision, \
                 staff_note = COALESCE(excluded.staff_note, plan_review.staff_note), \
                 decided_by = excluded.decided_by, decided_at = excluded.decided_at",
        )
        .bind(decision.plan_id.as_str())
        .bind(decision.decision.as_str())
        .bind(&decision.staff_note)
        .bind(&decision.decided_by)
        .bind(millis(decision.now))
        .execute(&mut *tx)
        .await?;
        let counter_id = match &decision.counter {
            Some(counter) => {
                let id = insert_plan(&mut tx, counter, decision.now).await?;
                insert_review(
                    &mut tx,
                    &id,
                    &NewPlanReview {
                        reason: None,
                        replaces_plan_id: Some(decision.plan_id.clone()),
                        staff_note: decision.staff_note.clone(),
                    },
                )
                .await?;
                Some(id)
            }
            None => None,
        };
        append_audit(
            &mut tx,
            &with_plan_id(&decision.audit, &decision.plan_id, counter_id.as_ref()),
        )
        .await?;
        let plan = plan_by(&mut tx, "id = $1", decision.plan_id.as_str())
            .await?
            .ok_or(StoreError::NotFound("payment plan"))?;
        let counter = match &counter_id {
            Some(id) => Some(
                plan_by(&mut tx, "id = $1", id.as_str())
                    .await?
                    .ok_or(StoreError::NotFound("payment plan"))?,
            ),
            None => None,
        };
        tx.commit().await?;
        Ok(Some(PlanDecided { plan, counter }))
    }

    pub async fn plan(&self, id: &PlanId) -> Result<Option<PaymentPlan>> {
        let mut conn = self.pool.acquire().await?;
        plan_by(&mut conn, "id = $1", id.as_str()).await
    }

    /// The dossier's plan in play (proposed, active or needs_review), if any.
    pub async fn open_plan(&self, dossier_id: &DossierId) -> Result<Option<PaymentPlan>> {
        let mut conn = self.pool.acquire().await?;
        let filter = format!("dossier_id = $1 AND status IN {OPEN_PLAN_STATUSES}");
        plan_by(&mut conn, &filter, dossier_id.as_str()).await
    }

    /// Plans with the given status, oldest first (e.g. needs_review for the staff queue).
    pub async fn plans_with_status(&self, status: PlanStatus) -> Result<Vec<PaymentPlan>> {
        let mut conn = self.pool.acquire().await?;
        let sql = format!(
            "SELECT {PLAN_COLUMNS} FROM payment_plan WHERE status = $1 ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(status.as_str())
            .fetch_all(&mut *conn)
            .await?;
        let mut plans = Vec::with_capacity(rows.len());
        for row in &rows {
            plans.push(with_instalments(&mut conn, row).await?);
        }
        Ok(plans)
    }

    /// Compare-and-set of the plan status.
    pub async fn set_plan_status(
        &self,
        id: &PlanId,
        from: &[PlanStatus],
        to: PlanStatus,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        if from.is_empty() {
            return Ok(false);
        }
        let sql = format!(
            "UPDATE payment_plan SET status = $1, updated_at = $2, \
                 activated_at = CASE WHEN $1 = 'active' THEN $2 ELSE activated_at END \
             WHERE id = $3 AND status IN ({})",
            placeholders(4, from.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(to.as_str())
            .bind(millis(now))
            .bind(id.as_str());
        for status in from {
            query = query.bind(status.as_str());
        }
        match query.execute(&self.pool).await {
            Ok(done) => Ok(done.rows_affected() == 1),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(Conflict::PlanInPlay)),
            Err(e) => Err(e.into()),
        }
    }

    /// Compare-and-set of an instalment status; moving to paid records `now` as `paid_at`.
    pub async fn set_instalment_status(
        &self,
        id: InstalmentId,
        from: &[InstalmentStatus],
        to: InstalmentStatus,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        if from.is_empty() {
            return Ok(false);
        }
        let paid_at = (to == InstalmentStatus::Paid).then(|| millis(now));
        let sql = format!(
            "UPDATE plan_instalment SET status = $1, paid_at = $2 WHERE id = $3 AND status IN ({})",
            placeholders(4, from.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(to.as_str())
            .bind(paid_at)
            .bind(id.get());
        for status in from {
            query = query.bind(status.as_str());
        }
        Ok(query.execute(&self.pool).await?.rows_affected() == 1)
    }

    /// Moves an open, never moved instalment of an active plan to `to` (the end of the plan),
    /// recording its due date before; with the audit event in one transaction. At most one
    /// instalment per plan is ever moved: `false` when this one is no longer open, or the
    /// plan already used its tolerance. `mail` (word to the debtor) is queued with it.
    pub async fn move_instalment(
        &self,
        id: InstalmentId,
        to: NaiveDate,
        audit: &NewAuditEvent,
        mail: &NewMail,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE plan_instalment SET moved_from = due_date, due_date = $1 \
             WHERE id = $2 AND status = 'open' AND moved_from IS NULL \
               AND NOT EXISTS (SELECT 1 FROM plan_instalment o \
                               WHERE o.plan_id = plan_instalment.plan_id \
                                 AND o.moved_from IS NOT NULL) \
               AND plan_id IN (SELECT id FROM payment_plan WHERE status = 'active')",
        )
        .bind(date_text(to))
        .bind(id.get())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if moved {
            append_audit(&mut tx, audit).await?;
            queue_mail(&mut tx, mail).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// Puts a moved instalment back on its first due date, because the debtor paid it late
    /// (before its new date): the money received then covers it in its old place. `false`
    /// when it was not moved or is back already.
    pub async fn restore_moved_instalment(&self, id: InstalmentId) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE plan_instalment SET due_date = moved_from \
             WHERE id = $1 AND moved_from IS NOT NULL AND due_date <> moved_from",
        )
        .bind(id.get())
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Instalments of active plans, in one of `statuses`, due before `date`: the input for
    /// marking them late or missed.
    pub async fn instalments_due_before(
        &self,
        date: NaiveDate,
        statuses: &[InstalmentStatus],
    ) -> Result<Vec<PlanInstalment>> {
        if statuses.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT i.id, i.plan_id, i.seq, i.due_date, i.amount_cents, i.status, i.paid_at, \
             i.moved_from \
             FROM plan_instalment i JOIN payment_plan p ON p.id = i.plan_id \
             WHERE p.status = 'active' AND i.due_date < $1 AND i.status IN ({}) \
             ORDER BY i.due_date, i.id",
            placeholders(2, statuses.len())
        );
        let mut query = sqlx::query(&sql).bind(date_text(date));
        for status in statuses {
            query = query.bind(status.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(instalment_from_row).collect()
    }
}

async fn insert_plan(
    conn: &mut AnyConnection,
    plan: &NewPlan,
    now: DateTime<Utc>,
) -> Result<PlanId> {
    if plan.instalments.is_empty() || plan.instalments.iter().any(|i| i.amount.cents() <= 0) {
        return Err(StoreError::Invalid(
            "a plan needs instalments of a positive amount",
        ));
    }
    let total = plan
        .instalments
        .iter()
        .try_fold(Money::ZERO, |sum, i| sum.checked_add(i.amount))
        .ok_or(StoreError::Invalid("the plan total overflows"))?;
    // One arrangement at a time: no plan while the dossier has a deferral in play.
    if crate::deferrals::deferral_in_play(conn, &plan.dossier_id).await? {
        return Err(StoreError::Conflict(Conflict::DeferralInPlay));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let inserted = sqlx::query(
        "INSERT INTO payment_plan (id, dossier_id, status, total_cents, instalment_count, \
             created_at, updated_at, interest_stops, activated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)",
    )
    .bind(&id)
    .bind(plan.dossier_id.as_str())
    .bind(plan.status.as_str())
    .bind(total.cents())
    .bind(plan.instalments.len() as i64)
    .bind(millis(now))
    .bind(i64::from(plan.interest_stops))
    .bind((plan.status == PlanStatus::Active).then(|| millis(now)))
    .execute(&mut *conn)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::Conflict(Conflict::PlanInPlay));
        }
        other => other?,
    };
    for (seq, instalment) in (1_i64..).zip(&plan.instalments) {
        sqlx::query(
            "INSERT INTO plan_instalment (plan_id, seq, due_date, amount_cents, status) \
             VALUES ($1, $2, $3, $4, 'open')",
        )
        .bind(&id)
        .bind(seq)
        .bind(date_text(instalment.due_date))
        .bind(instalment.amount.cents())
        .execute(&mut *conn)
        .await?;
    }
    Ok(PlanId::new(id))
}

async fn insert_review(
    conn: &mut AnyConnection,
    plan_id: &PlanId,
    review: &NewPlanReview,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO plan_review (plan_id, reason, replaces_plan_id, staff_note) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(plan_id.as_str())
    .bind(&review.reason)
    .bind(review.replaces_plan_id.as_ref().map(PlanId::as_str))
    .bind(&review.staff_note)
    .execute(conn)
    .await?;
    Ok(())
}

fn with_plan_id(
    audit: &NewAuditEvent,
    plan_id: &PlanId,
    counter_id: Option<&PlanId>,
) -> NewAuditEvent {
    let mut event = audit.clone();
    if !event.detail.is_object() {
        event.detail = serde_json::json!({ "detail": event.detail });
    }
    event.detail["plan_id"] = serde_json::json!(plan_id);
    if let Some(counter_id) = counter_id {
        event.detail["counter_plan_id"] = serde_json::json!(counter_id);
    }
    event
}

fn review_from_row(row: &AnyRow) -> Result<PlanReview> {
    Ok(PlanReview {
        plan_id: row.id("plan_id")?,
        reason: row.opt_text("reason")?,
        replaces_plan_id: row.opt_id("replaces_plan_id")?,
        decision: row
            .opt_text("decision")?
            .map(|text| {
                PlanDecisionKind::parse(&text).ok_or(StoreError::Corrupt {
                    column: "decision",
                    value: text,
                })
            })
            .transpose()?,
        staff_note: row.opt_text("staff_note")?,
        decided_by: row.opt_text("decided_by")?,
        decided_at: row.opt_instant("decided_at")?,
    })
}

async fn plan_by(
    conn: &mut AnyConnection,
    filter: &str,
    value: &str,
) -> Result<Option<PaymentPlan>> {
    let sql = format!("SELECT {PLAN_COLUMNS} FROM payment_plan WHERE {filter}");
    let row = sqlx::query(&sql)
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => Ok(Some(with_instalments(conn, &row).await?)),
        None => Ok(None),
    }
}

async fn with_instalments(conn: &mut AnyConnection, row: &AnyRow) -> Result<PaymentPlan> {
    let id: PlanId = row.id("id")?;
    let sql =
        // In the order they fall due: a moved instalment comes last (money received pays
        // instalments in this order, `booking::sync_plan`).
        format!(
            "SELECT {INSTALMENT_COLUMNS} FROM plan_instalment WHERE plan_id = $1 \
             ORDER BY due_date, seq"
        );
    let rows = sqlx::query(&sql).bind(id.as_str()).fetch_all(conn).await?;
    Ok(PaymentPlan {
        id,
        dossier_id: row.id("dossier_id")?,
        status: row.enumeration("status")?,
        total: row.money("total_cents")?,
        instalment_count: row.int("instalment_count")?,
        created_at: row.instant("created_at")?,
        updated_at: row.instant("updated_at")?,
        interest_stops: row.int("interest_stops")? != 0,
        activated_at: row.opt_instant("activated_at")?,
        instalments: rows
            .iter()
            .map(instalment_from_row)
            .collect::<Result<_>>()?,
    })
}

fn instalment_from_row(row: &AnyRow) -> Result<PlanInstalment> {
    Ok(PlanInstalment {
        id: row.id("id")?,
        plan_id: row.id("plan_id")?,
        seq: row.int("seq")?,
        due_date: row.date("due_date")?,
        amount: row.money("amount_cents")?,
        status: row.enumeration("status")?,
        paid_at: row.opt_instant("paid_at")?,
        moved_from: row.opt_date("moved_from")?,
    })
}
