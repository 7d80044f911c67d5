//! A payment plan's instalments follow the ledger: [`sync_plan`].

use chrono::{DateTime, Utc};
use claim::{dutch_date, load_claim};
use domain::{DossierId, Money, PlanId};
use serde_json::json;
use store::{
    ActorKind, DossierStatus, InstalmentStatus, NewAuditEvent, PaymentPlan, PlanStatus, Store,
};

use crate::error::BookingError;
use crate::instalments::{covered, paid_late, received_since};

/// What [`sync_plan`] found and changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// The plan.
    pub plan_id: PlanId,
    /// Money received for the plan so far (net of refunds and chargebacks).
    pub received: Money,
    /// The open balance today.
    pub open: Money,
    /// Instalments (numbers) this call marked paid.
    pub paid: Vec<i64>,
    /// Instalments (numbers) no longer covered (a refund or chargeback), reopened.
    pub reopened: Vec<i64>,
    /// Whether this call completed the plan.
    pub completed: bool,
}

/// Brings the dossier's active plan up to date with the ledger: the money received since
/// the plan started pays instalments oldest first (so paying several, the rest, or early
/// all work, and early payment shortens the plan); instalments no longer covered after a
/// refund or chargeback are reopened; a missed instalment moved to the end goes back to its
/// first due date once money beyond what else is due pays it ([`paid_late`]); the plan completes (and the dossier is paid) when
/// nothing is open. Every booking ends with it ([`crate::Hold::finish`]); the plans' daily job
/// calls it too. Idempotent: every change is a compare-and-set. `None` without an active
/// plan.
pub async fn sync_plan(
    store: &Store,
    dossier_id: &DossierId,
    now: DateTime<Utc>,
) -> Result<Option<SyncReport>, BookingError> {
    match store.open_plan(dossier_id).await? {
        Some(plan) if plan.status == PlanStatus::Active => {
            sync_active(store, &plan, now).await.map(Some)
        }
        _ => Ok(None),
    }
}

async fn sync_active(
    store: &Store,
    plan: &PaymentPlan,
    now: DateTime<Utc>,
) -> Result<SyncReport, BookingError> {
    let entries = store.ledger_entries(&plan.dossier_id).await?;
    let received = received_since(&entries, plan.created_at)?;
    let restored;
    let plan = match paid_late(&plan.instalments, received, dutch_date(now))? {
        Some(id) => {
            store.restore_moved_instalment(id).await?;
            restored = store
                .plan(&plan.id)
                .await?
                .ok_or(BookingError::Inconsistent("the plan vanished"))?;
            &restored
        }
        None => plan,
    };
    let open = load_claim(store, &plan.dossier_id, dutch_date(now))
        .await?
        .open_total();
    let paid = covered(&plan.instalments, received, open)?;
    let mut report = SyncReport {
        plan_id: plan.id.clone(),
        received,
        open,
        paid: Vec::new(),
        reopened: Vec::new(),
        completed: false,
    };
    for (instalment, &is_paid) in plan.instalments.iter().zip(&paid) {
        let was_paid = instalment.status == InstalmentStatus::Paid;
        if is_paid && !was_paid {
            let unpaid = [
                InstalmentStatus::Open,
                InstalmentStatus::Late,
                InstalmentStatus::Missed,
            ];
            if store
                .set_instalment_status(instalment.id, &unpaid, InstalmentStatus::Paid, now)
                .await?
            {
                report.paid.push(instalment.seq);
            }
        } else if !is_paid
            && was_paid
            && store
                .set_instalment_status(
                    instalment.id,
                    &[InstalmentStatus::Paid],
                    InstalmentStatus::Open,
                    now,
                )
                .await?
        {
            report.reopened.push(instalment.seq);
        }
    }
    if !open.is_positive() {
        report.completed = store
            .set_plan_status(&plan.id, &[PlanStatus::Active], PlanStatus::Completed, now)
            .await?;
        // The dossier follows where it can (compare-and-set: a disputed or closed dossier
        // keeps its status). Best effort: the plan is what counts.
        if report.completed
            && let Err(e) = store
                .set_dossier_status(
                    &plan.dossier_id,
                    &[DossierStatus::Plan, DossierStatus::Open],
                    DossierStatus::Paid,
                    now,
                )
                .await
        {
            tracing::warn!(dossier = %plan.dossier_id, error = %e, "could not update the dossier status");
        }
    }
    if !report.paid.is_empty() || !report.reopened.is_empty() || report.completed {
        store
            .append_audit(&NewAuditEvent {
                at: now,
                actor_kind: ActorKind::System,
                actor_id: None,
                dossier_id: Some(plan.dossier_id.clone()),
                action: if report.completed {
                    "plan.completed".into()
                } else {
                    "plan.synced".into()
                },
                detail: json!({
                    "plan_id": plan.id,
                    "received": received,
                    "open": open,
                    "paid": report.paid,
                    "reopened": report.reopened,
                }),
                client_ip: None,
                counsellor: None,
            })
            .await?;
        tracing::info!(plan = %plan.id, paid = ?report.paid, reopened = ?report.reopened, completed = report.completed, "plan synced with the ledger");
    }
    Ok(report)
}
