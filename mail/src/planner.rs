//! Messages that follow from the state of a payment plan rather than from one write: the
//! confirmation of a plan that became active, a reminder a few days before each instalment,
//! word when an instalment was missed (the plan job marks it late), and a reminder a few days
//! before the day a debtor promised to pay everything by (a deferral, key `deferral:{id}:due`).
//! No reminder is queued while collection is paused (`domain::pause`). Each is queued once,
//! by its key (`plan:{id}:agreed`, `instalment:{id}:due`, `instalment:{id}:missed`), so
//! running the planner again, on any instance, queues nothing twice.

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use domain::Notice;
use store::{DeferralStatus, InstalmentStatus, NewMail, PlanStatus, Store};

use crate::error::MailError;

/// How far back a newly active plan still gets its confirmation (a planner that was down
/// for a while catches up; older plans were confirmed before this feature or are settled).
const AGREED_WITHIN: Duration = Duration::days(7);

/// What one run queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Planned {
    pub agreed: u32,
    pub due: u32,
    pub missed: u32,
    /// Reminders of a day promised to pay everything by (a deferral).
    pub deferral_due: u32,
}

/// Queues what is due on the Dutch day `today`: reminders for open instalments due within
/// `days_before` days, word of late ones, confirmations of plans active since
/// [`AGREED_WITHIN`].
pub async fn plan_messages(
    store: &Store,
    today: NaiveDate,
    days_before: u32,
    now: DateTime<Utc>,
) -> Result<Planned, MailError> {
    let mut planned = Planned::default();
    let horizon = today
        .checked_add_days(Days::new(u64::from(days_before)))
        .unwrap_or(today);
    for plan in store.plans_with_status(PlanStatus::Active).await? {
        // No reminders while collection is paused (the confirmation of a plan still goes).
        let paused = domain::paused_on(&store.pause_days(&plan.dossier_id).await?, today);
        let queue = |notice: Notice, key: String| NewMail {
            dossier_id: plan.dossier_id.clone(),
            notice,
            dedupe_key: key,
            created_at: now,
        };
        if plan
            .activated_at
            .is_some_and(|at| now - at <= AGREED_WITHIN)
            && store
                .queue_mail(&queue(
                    Notice::PlanAgreed {
                        instalments: plan
                            .instalments
                            .iter()
                            .map(|i| (i.due_date, i.amount))
                            .collect(),
                    },
                    format!("plan:{}:agreed", plan.id),
                ))
                .await?
        {
            planned.agreed += 1;
        }
        for instalment in &plan.instalments {
            let (notice, key) = match instalment.status {
                _ if paused => continue,
                InstalmentStatus::Open
                    if instalment.due_date >= today && instalment.due_date <= horizon =>
                {
                    (
                        Notice::InstalmentDue {
                            due: instalment.due_date,
                            amount: instalment.amount,
                        },
                        format!("instalment:{}:due", instalment.id),
                    )
                }
                InstalmentStatus::Late => (
                    Notice::InstalmentMissed {
                        due: instalment.due_date,
                        amount: instalment.amount,
                    },
                    format!("instalment:{}:missed", instalment.id),
                ),
                _ => continue,
            };
            let missed = matches!(notice, Notice::InstalmentMissed { .. });
            if store.queue_mail(&queue(notice, key)).await? {
                if missed {
                    planned.missed += 1;
                } else {
                    planned.due += 1;
                }
            }
        }
    }
    for deferral in store.deferrals_with_status(DeferralStatus::Granted).await? {
        if deferral.pay_by < today
            || deferral.pay_by > horizon
            || domain::paused_on(&store.pause_days(&deferral.dossier_id).await?, today)
        {
            continue;
        }
        let amount = claim::load_claim(store, &deferral.dossier_id, today)
            .await?
            .open_total();
        if !amount.is_positive() {
            continue;
        }
        let mail = NewMail {
            dossier_id: deferral.dossier_id.clone(),
            notice: Notice::DeferralDue {
                pay_by: deferral.pay_by,
                amount,
            },
            dedupe_key: format!("deferral:{}:due", deferral.id),
            created_at: now,
        };
        if store.queue_mail(&mail).await? {
            planned.deferral_due += 1;
        }
    }
    Ok(planned)
}
