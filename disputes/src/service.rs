//! [`DisputeService`]: file, list, acknowledge, decide, book a payment from proof.

use booking::{Books, Hold};
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use claim::{allocate_payment, dutch_date};
use domain::{ClaimItemId, DisputeId, DossierId, Money};
use serde_json::json;
use store::{
    ActorKind, AttachmentMeta, Dispute, DisputeAck, DisputeChanged, DisputeDecision,
    DisputeDecisionKind, DisputeKind, DisputeStatus, LedgerKind, NewAuditEvent, NewDispute,
    NewLedgerEntry, Store,
};

use crate::attachment::{MAX_ATTACHMENTS, Upload, check, sent};
use crate::error::DisputesError;
use domain::calendar::add_working_days;

/// The longest explanation or staff text kept, in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// Working days staff have to acknowledge a dispute.
pub const ACK_WORKING_DAYS: u32 = 2;
/// Working days staff have to decide (four weeks without holidays).
pub const DECISION_WORKING_DAYS: u32 = 20;

/// A debtor's new dispute or complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    /// The dossier, from the session.
    pub dossier_id: DossierId,
    /// The dossier number (the actor in the audit trail).
    pub dossier_number: String,
    /// The disputed invoice (`claim_item.id`), or `None` for the whole dossier. Ignored for a
    /// complaint.
    pub invoice_id: Option<ClaimItemId>,
    /// What is disputed.
    pub kind: DisputeKind,
    /// In the debtor's words.
    pub explanation: String,
    /// Files as received.
    pub uploads: Vec<Upload>,
    /// When.
    pub now: DateTime<Utc>,
    /// The client's address, for the audit trail.
    pub client_ip: Option<String>,
}

/// A dispute with its files and, for staff, its dossier number and deadlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeItem {
    /// The dispute as stored.
    pub dispute: Dispute,
    /// Its files (without the bytes).
    pub attachments: Vec<AttachmentMeta>,
    /// The disputed invoice's number, when one invoice is disputed.
    pub invoice_number: Option<String>,
    /// The dossier's public number.
    pub dossier_number: String,
    /// Whether the next deadline (acknowledgement while open, else the decision) has passed.
    pub overdue: bool,
}

/// A staff decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The debtor is right: a disputed invoice's open part is cancelled (the whole dossier's,
    /// for a dispute of the whole dossier); a complaint is recorded as upheld.
    Uphold,
    /// Collection resumes; interest over the hold stays waived.
    Reject,
    /// Paid elsewhere: book this payment (allocated by art. 6:44 BW like any payment) and
    /// decide the dispute, in one step.
    Paid {
        /// The amount shown by the proof.
        amount: Money,
    },
}

/// Who acts, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// The staff username.
    pub username: String,
    /// The client's address.
    pub client_ip: Option<String>,
}

/// Disputes and complaints over one [`Store`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct DisputeService {
    store: Store,
    books: Books,
}

impl DisputeService {
    /// A service that books decisions through `books` (share one [`Books`] per process).
    pub fn new(books: Books) -> Self {
        DisputeService {
            store: books.store().clone(),
            books,
        }
    }

    /// Files a dispute or complaint. Checks the explanation, the invoice (one of the
    /// dossier's), the files (at most [`MAX_ATTACHMENTS`], each a PDF, JPEG or PNG by its
    /// bytes and at most [`crate::MAX_ATTACHMENT_BYTES`]) and that nothing like it is open;
    /// stores it with its files and the audit event in one transaction. From the next day no
    /// interest runs on what it disputes until it is decided.
    pub async fn file(&self, filing: Filing) -> Result<Dispute, DisputesError> {
        let explanation = filing.explanation.trim().to_owned();
        if explanation.is_empty() {
            return Err(DisputesError::ExplanationRequired);
        }
        if explanation.chars().count() > MAX_TEXT_CHARS {
            return Err(DisputesError::TextTooLong);
        }
        let invoice_id = if filing.kind.holds() {
            filing.invoice_id
        } else {
            None
        };
        if let Some(id) = invoice_id {
            let items = self.store.claim_items(&filing.dossier_id).await?;
            if !items.iter().any(|item| item.id == id) {
                return Err(DisputesError::UnknownInvoice);
            }
        }
        let uploads = sent(&filing.uploads);
        if uploads.len() > MAX_ATTACHMENTS {
            return Err(DisputesError::TooManyAttachments {
                max: MAX_ATTACHMENTS,
            });
        }
        let attachments = uploads
            .into_iter()
            .map(check)
            .collect::<Result<Vec<_>, _>>()
            .map_err(DisputesError::from)?;
        let today = dutch_date(filing.now);
        let due = |days| {
            add_working_days(today, days)
                .and_then(end_of_dutch_day)
                .ok_or(DisputesError::Inconsistent(
                    "a deadline beyond the calendar",
                ))
        };
        let dispute = NewDispute {
            dossier_id: filing.dossier_id.clone(),
            claim_item_id: invoice_id,
            kind: filing.kind,
            explanation,
            created_at: filing.now,
            ack_due_at: due(ACK_WORKING_DAYS)?,
            decision_due_at: due(DECISION_WORKING_DAYS)?,
            attachments,
        };
        let audit = NewAuditEvent {
            at: filing.now,
            actor_kind: ActorKind::Debtor,
            actor_id: Some(filing.dossier_number.clone()),
            dossier_id: Some(filing.dossier_id.clone()),
            action: if filing.kind.holds() {
                "dispute.filed".into()
            } else {
                "complaint.filed".into()
            },
            detail: json!({
                "kind": filing.kind.as_str(),
                "invoice_id": invoice_id,
                "attachments": dispute
                    .attachments
                    .iter()
                    .map(|a| json!({
                        "filename": a.filename,
                        "type": a.content_type.as_str(),
                        "bytes": a.content.len(),
                        "sha256": a.sha256,
                    }))
                    .collect::<Vec<_>>(),
            }),
            client_ip: filing.client_ip.clone(),
            counsellor: None,
        };
        Ok(self.store.create_dispute(&dispute, &audit).await?)
    }

    /// The dossier's disputes and complaints, newest first, with their files.
    pub async fn for_dossier(
        &self,
        dossier_id: &DossierId,
        now: DateTime<Utc>,
    ) -> Result<Vec<DisputeItem>, DisputesError> {
        let disputes = self.store.disputes_for_dossier(dossier_id).await?;
        let mut items = Vec::with_capacity(disputes.len());
        for dispute in disputes {
            items.push(self.item(dispute, now).await?);
        }
        Ok(items)
    }

    /// One dispute with its files.
    pub async fn get(
        &self,
        id: DisputeId,
        now: DateTime<Utc>,
    ) -> Result<DisputeItem, DisputesError> {
        let dispute = self
            .store
            .dispute(id)
            .await?
            .ok_or(DisputesError::NotFound)?;
        self.item(dispute, now).await
    }

    /// The staff queue: everything not yet decided, overdue first, then by the next deadline.
    pub async fn queue(&self, now: DateTime<Utc>) -> Result<Vec<DisputeItem>, DisputesError> {
        let disputes = self.store.undecided_disputes().await?;
        let mut items = Vec::with_capacity(disputes.len());
        for dispute in disputes {
            items.push(self.item(dispute, now).await?);
        }
        // The store orders by deadline; overdue ones come first (stable, so still by deadline).
        items.sort_by_key(|item| !item.overdue);
        Ok(items)
    }

    async fn item(
        &self,
        dispute: Dispute,
        now: DateTime<Utc>,
    ) -> Result<DisputeItem, DisputesError> {
        let attachments = self.store.dispute_attachments(dispute.id).await?;
        let dossier = self
            .store
            .dossier(&dispute.dossier_id)
            .await?
            .ok_or(DisputesError::NotFound)?;
        let invoice_number = match dispute.claim_item_id {
            Some(id) => self
                .store
                .claim_items(&dispute.dossier_id)
                .await?
                .into_iter()
                .find(|item| item.id == id)
                .map(|item| item.invoice_number),
            None => None,
        };
        let overdue = is_overdue(&dispute, now);
        Ok(DisputeItem {
            dispute,
            attachments,
            invoice_number,
            dossier_number: dossier.number,
            overdue,
        })
    }

    /// Staff acknowledge receipt (with an optional message to the debtor). Acknowledged or
    /// decided before: [`DisputeChanged::Earlier`].
    pub async fn acknowledge(
        &self,
        id: DisputeId,
        note: Option<String>,
        staff: &Staff,
        now: DateTime<Utc>,
    ) -> Result<DisputeChanged, DisputesError> {
        let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if note
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_TEXT_CHARS)
        {
            return Err(DisputesError::TextTooLong);
        }
        let dispute = self
            .store
            .dispute(id)
            .await?
            .ok_or(DisputesError::NotFound)?;
        Ok(self
            .store
            .acknowledge_dispute(&DisputeAck {
                id,
                note,
                staff: staff.username.clone(),
                now,
                audit: NewAuditEvent {
                    at: now,
                    actor_kind: ActorKind::Staff,
                    actor_id: Some(staff.username.clone()),
                    dossier_id: Some(dispute.dossier_id),
                    action: "dispute.acknowledged".into(),
                    detail: json!({}),
                    client_ip: staff.client_ip.clone(),
                    counsellor: None,
                },
            })
            .await?)
    }

    /// Staff decide, with reasons shown to the debtor; see [`Decision`] for what each books.
    /// All of it (status, ledger entry, audit) is one transaction; the collection costs
    /// follow the principal left by themselves (the claim derives them); a dispute
    /// decided before gets [`DisputesError::AlreadyDecided`] and nothing is booked. A
    /// decision that books money does so under the dossier's hold ([`booking::Books`]), like
    /// a payment, so it never allocates against the same open items as a payment arriving
    /// at the same moment; [`DisputesError::Busy`] when the dossier stays held.
    pub async fn decide(
        &self,
        id: DisputeId,
        decision: Decision,
        answer: &str,
        staff: &Staff,
        now: DateTime<Utc>,
    ) -> Result<Dispute, DisputesError> {
        let answer = answer.trim().to_owned();
        if answer.is_empty() {
            return Err(DisputesError::AnswerRequired);
        }
        if answer.chars().count() > MAX_TEXT_CHARS {
            return Err(DisputesError::TextTooLong);
        }
        let dispute = self
            .store
            .dispute(id)
            .await?
            .ok_or(DisputesError::NotFound)?;
        if dispute.status == DisputeStatus::Decided {
            return Err(DisputesError::AlreadyDecided);
        }
        let today = dutch_date(now);
        let source = format!("staff {}: dispute {}", staff.username, dispute.id);
        let mut entry = None;
        let mut write_off_invoice = None;
        let mut detail = json!({ "decision": decision_kind(&decision).as_str() });
        let mut hold: Option<Hold<'_>> = None;
        match &decision {
            Decision::Reject => {}
            Decision::Uphold if !dispute.kind.holds() => {}
            Decision::Uphold => {
                let held = hold.insert(self.books.hold(&dispute.dossier_id).await?);
                let view = held.claim(today).await?;
                match dispute.claim_item_id {
                    Some(invoice_id) => {
                        let invoice = view
                            .invoice(invoice_id)
                            .ok_or(DisputesError::Inconsistent("the disputed invoice is gone"))?;
                        let interest = invoice.interest_open;
                        let principal = invoice.principal_open;
                        let amount = interest
                            .checked_add(principal)
                            .ok_or(DisputesError::Inconsistent("amount too large"))?;
                        if amount.is_positive() {
                            entry = Some(NewLedgerEntry {
                                dossier_id: dispute.dossier_id.clone(),
                                kind: LedgerKind::Adjustment,
                                amount,
                                alloc_costs: Money::ZERO,
                                alloc_interest: interest,
                                alloc_principal: principal,
                                alloc_unallocated: Money::ZERO,
                                source: format!("{source} upheld, invoice cancelled"),
                                payment_id: None,
                                idempotency_key: format!("dispute:{}:write-off", dispute.id),
                                created_at: now,
                            });
                            write_off_invoice = Some(invoice_id);
                        }
                        detail["written_off"] = json!({
                            "invoice_id": invoice_id,
                            "interest_cents": interest.cents(),
                            "principal_cents": principal.cents(),
                        });
                    }
                    None => {
                        let open = view.totals.open;
                        let amount = view.open_total();
                        if amount.is_positive() {
                            entry = Some(NewLedgerEntry {
                                dossier_id: dispute.dossier_id.clone(),
                                kind: LedgerKind::Adjustment,
                                amount,
                                alloc_costs: open.costs,
                                alloc_interest: open.interest,
                                alloc_principal: open.principal,
                                alloc_unallocated: Money::ZERO,
                                source: format!("{source} upheld, dossier cancelled"),
                                payment_id: None,
                                idempotency_key: format!("dispute:{}:write-off", dispute.id),
                                created_at: now,
                            });
                        }
                        detail["written_off"] = json!({
                            "costs_cents": open.costs.cents(),
                            "interest_cents": open.interest.cents(),
                            "principal_cents": open.principal.cents(),
                        });
                    }
                }
            }
            Decision::Paid { amount } => {
                if !dispute.kind.holds() {
                    return Err(DisputesError::NotADispute);
                }
                let held = hold.insert(self.books.hold(&dispute.dossier_id).await?);
                let view = held.claim(today).await?;
                if !amount.is_positive() || *amount > view.open_total() {
                    return Err(DisputesError::Amount);
                }
                let allocation = allocate_payment(&view, *amount)?;
                // Plain numbers: they are written into the entry's source text.
                let proof: Vec<i64> = self
                    .store
                    .dispute_attachments(dispute.id)
                    .await?
                    .iter()
                    .map(|a| a.id.get())
                    .collect();
                entry = Some(allocation.ledger_entry(
                    format!("{source}: paid elsewhere, proof attachment(s) {proof:?}"),
                    None,
                    format!("dispute:{}:paid", dispute.id),
                    now,
                ));
                detail["payment_cents"] = json!(amount.cents());
                detail["proof_attachments"] = json!(proof);
            }
        }
        let changed = self
            .store
            .decide_dispute(&DisputeDecision {
                id,
                decision: decision_kind(&decision),
                answer,
                staff: staff.username.clone(),
                now,
                entry,
                write_off_invoice,
                audit: NewAuditEvent {
                    at: now,
                    actor_kind: ActorKind::Staff,
                    actor_id: Some(staff.username.clone()),
                    dossier_id: Some(dispute.dossier_id.clone()),
                    action: format!("dispute.{}", decision_kind(&decision).as_str()),
                    detail,
                    client_ip: staff.client_ip.clone(),
                    counsellor: None,
                },
            })
            .await?;
        if let Some(hold) = hold {
            hold.finish(now).await;
        }
        match changed {
            DisputeChanged::Now(dispute) => Ok(dispute),
            DisputeChanged::Earlier(_) => Err(DisputesError::AlreadyDecided),
        }
    }
}

fn decision_kind(decision: &Decision) -> DisputeDecisionKind {
    match decision {
        Decision::Uphold => DisputeDecisionKind::Upheld,
        Decision::Reject => DisputeDecisionKind::Rejected,
        Decision::Paid { .. } => DisputeDecisionKind::Paid,
    }
}

/// Whether the next deadline has passed: the acknowledgement while open, the decision while
/// acknowledged.
pub fn is_overdue(dispute: &Dispute, now: DateTime<Utc>) -> bool {
    match dispute.status {
        DisputeStatus::Open => now > dispute.ack_due_at,
        DisputeStatus::Acknowledged => now > dispute.decision_due_at,
        DisputeStatus::Decided => false,
    }
}

/// The first instant of the Dutch day after `day`: a deadline "on `day`" ends there.
fn end_of_dutch_day(day: NaiveDate) -> Option<DateTime<Utc>> {
    let next = day.checked_add_days(Days::new(1))?;
    // Midnight in Amsterdam is 22:00 UTC (summer) or 23:00 UTC (winter) the evening before.
    let summer = day.and_hms_opt(22, 0, 0)?.and_utc();
    if dutch_date(summer) == next {
        Some(summer)
    } else {
        summer.checked_add_signed(TimeDelta::hours(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dutch_day_ends_at_local_midnight() {
        let winter = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(
            end_of_dutch_day(winter).unwrap().to_rfc3339(),
            "2026-03-09T23:00:00+00:00"
        );
        let summer = NaiveDate::from_ymd_opt(2026, 7, 9).unwrap();
        assert_eq!(
            end_of_dutch_day(summer).unwrap().to_rfc3339(),
            "2026-07-09T22:00:00+00:00"
        );
    }
}
