//! Paying later in one sum (uitstel van betaling): the debtor picks a day; within the
//! agency's rules ([`domain::DeferralRules`]) it is granted at once, else staff decide. One
//! arrangement at a time: never beside a payment plan in play (the store enforces it). The
//! daily job ends a granted deferral: kept when nothing is open, broken when the day and its
//! grace passed with money open. Interest keeps running (see `domain::deferral`).

use chrono::{DateTime, NaiveDate, Utc};
use domain::{DeferralId, DeferralRules, DossierId, Money, Notice};
use serde_json::json;
use store::{
    ActorKind, Deferral, DeferralDecision, DeferralStatus, NewAuditEvent, NewDeferral, NewMail,
};

use crate::error::PlansError;
use crate::service::{PlanService, clean_text};

/// A request waiting for staff, with what they need to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferralItem {
    /// The request.
    pub deferral: Deferral,
    /// The dossier's public number.
    pub dossier_number: String,
    /// What is open today.
    pub open_now: Money,
}

/// Staff's answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeferralDecisionKind {
    /// The debtor may pay by the day asked for.
    Grant,
    /// No, with a note the debtor reads.
    Reject {
        /// Why (required).
        note: String,
    },
}

/// What one round of [`PlanService::deferral_round`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeferralReport {
    /// Granted deferrals looked at.
    pub deferrals: u32,
    /// Paid in full.
    pub kept: u32,
    /// Ended unpaid.
    pub broken: u32,
}

impl PlanService {
    /// The rules for paying later (validated at start).
    pub fn deferral_rules(&self) -> Result<DeferralRules, PlansError> {
        self.config
            .deferral
            .rules()
            .map_err(|e| PlansError::Config(crate::ConfigError::Deferral(e)))
    }

    /// The debtor asks to pay everything by `pay_by`. Granted at once within the rules (with
    /// the debtor's confirmation queued); outside them a reason is required and the request
    /// waits for staff. Refused with a plan or another deferral in play, a day that cannot
    /// be, or nothing open.
    pub async fn request_deferral(
        &self,
        dossier_id: &DossierId,
        pay_by: NaiveDate,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Deferral, PlansError> {
        let reason = clean_text(reason)?;
        let rules = self.deferral_rules()?;
        let today = claim::dutch_date(now);
        let open = self.open_balance(dossier_id, today).await?;
        if !open.is_positive() {
            return Err(PlansError::Impossible(
                domain::plan::PlanError::NothingToPay,
            ));
        }
        let earlier = self.store.deferrals_for_dossier(dossier_id).await?;
        // Said first, before any rule: the store refuses it too (also in a race).
        if earlier.iter().any(|d| {
            matches!(
                d.status,
                DeferralStatus::NeedsReview | DeferralStatus::Granted
            )
        }) {
            return Err(PlansError::DeferralInPlay);
        }
        let used_before = earlier
            .iter()
            .any(|d| d.decided_at.is_some() && d.status != DeferralStatus::Rejected);
        let breaches = rules
            .assess(today, pay_by, open, used_before)
            .map_err(PlansError::DeferralDate)?;
        if !breaches.is_empty() && reason.is_none() {
            return Err(PlansError::DeferralReasonRequired { breaches });
        }
        let granted = breaches.is_empty();
        let id = DeferralId::new(uuid::Uuid::new_v4().to_string());
        let stored = self
            .store
            .create_deferral(
                &NewDeferral {
                    id: id.clone(),
                    dossier_id: dossier_id.clone(),
                    status: if granted {
                        DeferralStatus::Granted
                    } else {
                        DeferralStatus::NeedsReview
                    },
                    pay_by,
                    open_when_asked: open,
                    reason: reason.clone(),
                    breaches: breaches.clone(),
                    audit: NewAuditEvent {
                        at: now,
                        actor_kind: ActorKind::Debtor,
                        actor_id: None,
                        dossier_id: Some(dossier_id.clone()),
                        action: "deferral.requested".into(),
                        detail: json!({
                            "pay_by": pay_by,
                            "open": open,
                            "granted": granted,
                            "breaches": breaches,
                            "reason": reason,
                        }),
                        client_ip: None,
                        counsellor: None,
                    },
                    mail: granted
                        .then(|| decided_mail(&id, dossier_id, true, pay_by, open, None, now)),
                },
                now,
            )
            .await?;
        Ok(stored)
    }

    /// The dossier's latest request, if any.
    pub async fn deferral_for_debtor(
        &self,
        dossier_id: &DossierId,
    ) -> Result<Option<Deferral>, PlansError> {
        Ok(self
            .store
            .deferrals_for_dossier(dossier_id)
            .await?
            .into_iter()
            .next())
    }

    /// Requests waiting for staff, oldest first, with what is open today.
    pub async fn deferral_queue(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<DeferralItem>, PlansError> {
        let today = claim::dutch_date(now);
        let mut out = Vec::new();
        for deferral in self
            .store
            .deferrals_with_status(DeferralStatus::NeedsReview)
            .await?
        {
            let Some(dossier) = self.store.dossier(&deferral.dossier_id).await? else {
                continue;
            };
            let open_now = self.open_balance(&deferral.dossier_id, today).await?;
            out.push(DeferralItem {
                deferral,
                dossier_number: dossier.number,
                open_now,
            });
        }
        Ok(out)
    }

    /// Staff grant or reject a request waiting for them; the debtor is told. A request
    /// decided meanwhile gives [`PlansError::NotInPlay`].
    pub async fn decide_deferral(
        &self,
        id: &DeferralId,
        decision: DeferralDecisionKind,
        staff: &str,
        ip: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Deferral, PlansError> {
        let deferral = self
            .store
            .deferral(id)
            .await?
            .ok_or(PlansError::PlanNotFound)?;
        let open = self
            .open_balance(&deferral.dossier_id, claim::dutch_date(now))
            .await?;
        let (to, note) = match decision {
            DeferralDecisionKind::Grant => (DeferralStatus::Granted, None),
            DeferralDecisionKind::Reject { note } => {
                let note = clean_text(Some(note))?;
                (DeferralStatus::Rejected, note)
            }
        };
        let granted = to == DeferralStatus::Granted;
        self.store
            .decide_deferral(&DeferralDecision {
                id: id.clone(),
                from: DeferralStatus::NeedsReview,
                to,
                decided_by: Some(staff.to_owned()),
                staff_note: note.clone(),
                audit: NewAuditEvent {
                    at: now,
                    actor_kind: ActorKind::Staff,
                    actor_id: Some(staff.to_owned()),
                    dossier_id: Some(deferral.dossier_id.clone()),
                    action: "deferral.decided".into(),
                    detail: json!({ "granted": granted, "note": note, "pay_by": deferral.pay_by }),
                    client_ip: ip.map(str::to_owned),
                    counsellor: None,
                },
                mail: Some(decided_mail(
                    id,
                    &deferral.dossier_id,
                    granted,
                    deferral.pay_by,
                    open,
                    note.clone(),
                    now,
                )),
                now,
            })
            .await?
            .ok_or(PlansError::NotInPlay)
    }

    /// The daily round over granted deferrals: kept when nothing is open any more, broken
    /// (and the debtor told) when the promised day and its grace days passed with money open.
    /// Audited as the system; idempotent (compare-and-set).
    pub async fn deferral_round(&self, now: DateTime<Utc>) -> Result<DeferralReport, PlansError> {
        let rules = self.deferral_rules()?;
        let today = claim::dutch_date(now);
        let mut report = DeferralReport::default();
        for deferral in self
            .store
            .deferrals_with_status(DeferralStatus::Granted)
            .await?
        {
            report.deferrals += 1;
            let open = self.open_balance(&deferral.dossier_id, today).await?;
            let (to, mail) = if !open.is_positive() {
                (DeferralStatus::Kept, None)
            } else if rules.broken_on(
                domain::counts_from(
                    deferral.pay_by,
                    &self.store.pause_days(&deferral.dossier_id).await?,
                ),
                today,
            ) {
                let mail = NewMail {
                    dossier_id: deferral.dossier_id.clone(),
                    notice: Notice::DeferralBroken {
                        pay_by: deferral.pay_by,
                        amount: open,
                    },
                    dedupe_key: format!("deferral:{}:broken", deferral.id),
                    created_at: now,
                };
                (DeferralStatus::Broken, Some(mail))
            } else {
                continue;
            };
            let changed = self
                .store
                .decide_deferral(&DeferralDecision {
                    id: deferral.id.clone(),
                    from: DeferralStatus::Granted,
                    to,
                    decided_by: None,
                    staff_note: None,
                    audit: NewAuditEvent {
                        at: now,
                        actor_kind: ActorKind::System,
                        actor_id: None,
                        dossier_id: Some(deferral.dossier_id.clone()),
                        action: format!("deferral.{}", to.as_str()),
                        detail: json!({ "pay_by": deferral.pay_by, "open": open }),
                        client_ip: None,
                        counsellor: None,
                    },
                    mail,
                    now,
                })
                .await?;
            match (changed, to) {
                (Some(_), DeferralStatus::Kept) => report.kept += 1,
                (Some(_), _) => report.broken += 1,
                (None, _) => {}
            }
        }
        Ok(report)
    }
}

/// The debtor's message about a decision (at once, or by staff).
fn decided_mail(
    id: &DeferralId,
    dossier_id: &DossierId,
    granted: bool,
    pay_by: NaiveDate,
    amount: Money,
    note: Option<String>,
    now: DateTime<Utc>,
) -> NewMail {
    NewMail {
        dossier_id: dossier_id.clone(),
        notice: Notice::DeferralDecided {
            granted,
            pay_by,
            amount,
            note,
        },
        dedupe_key: format!("deferral:{id}:decided"),
        created_at: now,
    }
}
