//! Applying a Pay.nl order status to a payment: the status move and its ledger entries.

use booking::{Held, Hold, Reported, Reversal};
use chrono::{DateTime, Utc};
use claim::PaymentAllocation;
use domain::{Money, Notice, PaymentId};
use paynl::{OrderReversal, OrderStatus, PaymentState, Transaction, TransactionKind};
use store::{BookPayment, Booked, LedgerKind, NewLedgerEntry, NewMail, Payment, PaymentStatus};

use crate::error::PayError;
use crate::service::PaymentService;

/// What [`PaymentService::apply_status`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Our payment.
    pub payment_id: PaymentId,
    /// What Pay.nl said.
    pub state: PaymentState,
    /// The payment's status afterwards (which may be ahead of what Pay.nl said: statuses
    /// never move backwards).
    pub status: PaymentStatus,
    /// The ledger entries this call added (none for a replay).
    pub booked: Vec<LedgerKind>,
    /// Whether this call flagged the payment for staff.
    pub flagged: bool,
}

impl Applied {
    /// A short description for the exchange log, e.g. `paid: booked payment`.
    pub fn outcome(&self) -> String {
        let mut text = format!("{}: ", self.status);
        if self.booked.is_empty() {
            text.push_str("nothing booked");
        } else {
            let kinds: Vec<&str> = self.booked.iter().map(|k| k.as_str()).collect();
            text.push_str("booked ");
            text.push_str(&kinds.join(", "));
        }
        if self.flagged {
            text.push_str("; flagged");
        }
        text
    }
}

/// Paid, refunded and charged back are only reached through a booked payment entry (status
/// and entry move in one transaction).
fn already_paid(status: PaymentStatus) -> bool {
    matches!(
        status,
        PaymentStatus::Paid | PaymentStatus::Refunded | PaymentStatus::Chargeback
    )
}

impl PaymentService {
    /// Applies what Pay.nl says about `payment`'s order, once, whatever the order or number
    /// of calls:
    ///
    /// - pending states → `pending` (only from `initiated`);
    /// - PAID / PAID_CHECKAMOUNT → `paid` with the money received allocated by art. 6:44 BW
    ///   (ledger key `payment:{id}:paid`); a different amount than ours, or money after a
    ///   cancel/expiry, flags the payment for staff;
    /// - CANCEL / FAILURE / DENIED → `cancelled`; EXPIRED → `expired`; no money;
    /// - REFUND / PARTIAL_REFUND → negative `refund` entries up to Pay.nl's refunded total
    ///   (key per total), `refunded` once fully refunded; CHARGEBACK → one negative
    ///   `chargeback` entry for what the payment still holds. A payment never booked as
    ///   paid is booked first, so the money nets out.
    ///
    /// Work on one dossier is serialised through [`booking::Books`]: in this process by the
    /// dossier's lock, and for anything that moves money by its lease too (the allocation
    /// reads the balance before it books); money booked ends with the payment plan's
    /// instalments synced. [`store::Store::book_payment`]'s compare-and-set and the ledger's
    /// unique keys make replays no-ops in any case. An order we have no id for yet (its
    /// reference is this payment) is adopted.
    pub async fn apply_status(
        &self,
        payment: &Payment,
        status: &OrderStatus,
        now: DateTime<Utc>,
    ) -> Result<Applied, PayError> {
        self.apply_reread(payment, status, &[], now).await
    }

    /// [`PaymentService::apply_status`] with the refund and chargeback transactions an
    /// exchange call named, as re-read from Pay.nl's REST API: one the order does not list
    /// yet (and that is the order's and done: -81/-82, -70/-71) counts as listed.
    pub async fn apply_reread(
        &self,
        payment: &Payment,
        status: &OrderStatus,
        transactions: &[Transaction],
        now: DateTime<Utc>,
    ) -> Result<Applied, PayError> {
        let status = &with_transactions(status, transactions);
        let ours = status.reference.as_deref() == Some(payment.id.as_str())
            || payment
                .paynl_order_id
                .as_deref()
                .is_some_and(|o| o == status.id || o == status.order_id);
        if !ours {
            return Err(PayError::OrderMismatch);
        }
        let locked = self.books.lock(&payment.dossier_id).await?;
        // Fresh: another task may have moved it while we waited.
        let payment = self
            .store
            .payment(&payment.id)
            .await?
            .ok_or(PayError::PaymentNotFound)?;
        if payment.paynl_order_id.is_none() {
            tracing::info!(payment = %payment.id, order = %status.id, "adopting a Pay.nl order found by its reference");
            self.store
                .set_payment_order_id(&payment.id, &status.id, now)
                .await?;
        }
        let mut applied = Applied {
            payment_id: payment.id.clone(),
            state: status.state,
            status: payment.status,
            booked: Vec::new(),
            flagged: false,
        };
        match status.state {
            PaymentState::Pending
            | PaymentState::PartialPayment
            | PaymentState::Verify
            | PaymentState::Authorized
            | PaymentState::PartlyCaptured => {
                self.book(&payment, PaymentStatus::Pending, None, now, &mut applied)
                    .await?;
            }
            // -61: voided after authorisation; no money moved, like a cancel.
            PaymentState::Cancelled
            | PaymentState::Voided
            | PaymentState::Failed
            | PaymentState::Denied => {
                self.book(&payment, PaymentStatus::Cancelled, None, now, &mut applied)
                    .await?;
            }
            PaymentState::Expired => {
                self.book(&payment, PaymentStatus::Expired, None, now, &mut applied)
                    .await?;
            }
            // -51: money arrived, but not the order's amount. Not paid for us: nothing is
            // booked, and staff decide (the payment stays open, flagged).
            PaymentState::PaidAmountMismatch => {
                if !already_paid(payment.status) {
                    self.book(&payment, PaymentStatus::Pending, None, now, &mut applied)
                        .await?;
                }
                if !payment.flagged || payment.flag_reason.as_deref() != Some(AMOUNT_DIFFERS) {
                    tracing::warn!(payment = %payment.id, order = %status.order_id, cents = status.paid_amount.cents(), "Pay.nl: paid, amount differs (-51); flagged, nothing booked");
                    self.store
                        .flag_payment(&payment.id, AMOUNT_DIFFERS, now)
                        .await?;
                    applied.flagged = true;
                }
            }
            PaymentState::Paid if already_paid(payment.status) && status.reversals.is_empty() => {
                // A replay: the entry was booked with the status.
            }
            money => {
                // Allocation reads the dossier's balance, then books: hold the dossier across
                // instances too, so two bookings of one dossier never allocate against the
                // same open items at once.
                let hold = locked.hold().await?;
                let booked = self
                    .book_money(&hold, &payment, status, money, now, &mut applied)
                    .await;
                hold.finish(now).await;
                booked?;
            }
        }
        if let Some(after) = self.store.payment(&payment.id).await? {
            applied.status = after.status;
        }
        tracing::debug!(payment = %payment.id, state = ?status.state, outcome = %applied.outcome(), "Pay.nl status applied");
        Ok(applied)
    }

    async fn book_money(
        &self,
        hold: &Hold<'_>,
        payment: &Payment,
        status: &OrderStatus,
        state: PaymentState,
        now: DateTime<Utc>,
        applied: &mut Applied,
    ) -> Result<(), PayError> {
        // Again, now that the dossier is ours: another instance may have booked meanwhile.
        let payment = &self
            .store
            .payment(&payment.id)
            .await?
            .ok_or(PayError::PaymentNotFound)?;
        self.book_paid(hold, payment, status, now, applied).await?;
        match state {
            PaymentState::Paid
            | PaymentState::Refunded
            | PaymentState::PartiallyRefunded
            | PaymentState::Chargeback => self.book_returns(hold, status, now, applied).await,
            _ => Ok(()),
        }
    }

    async fn book(
        &self,
        payment: &Payment,
        status: PaymentStatus,
        entry: Option<NewLedgerEntry>,
        now: DateTime<Utc>,
        applied: &mut Applied,
    ) -> Result<bool, PayError> {
        self.book_with_mail(payment, status, entry, Vec::new(), now, applied)
            .await
    }

    /// [`Self::book`], queuing `mails` in the same transaction when the entry is new.
    async fn book_with_mail(
        &self,
        payment: &Payment,
        status: PaymentStatus,
        entry: Option<NewLedgerEntry>,
        mails: Vec<NewMail>,
        now: DateTime<Utc>,
        applied: &mut Applied,
    ) -> Result<bool, PayError> {
        let kind = entry.as_ref().map(|e| e.kind);
        let outcome = self
            .store
            .book_payment(&BookPayment {
                payment_id: payment.id.clone(),
                status,
                entry,
                mails,
                now,
            })
            .await?;
        let inserted = outcome.ledger == Some(Booked::Inserted);
        if let (true, Some(kind)) = (inserted, kind) {
            applied.booked.push(kind);
        }
        Ok(inserted)
    }

    async fn book_paid(
        &self,
        hold: &Hold<'_>,
        payment: &Payment,
        status: &OrderStatus,
        now: DateTime<Utc>,
        applied: &mut Applied,
    ) -> Result<(), PayError> {
        if already_paid(payment.status) {
            return Ok(());
        }
        let received = status.paid_amount;
        if !received.is_positive() {
            return Err(PayError::Inconsistent(
                "Pay.nl reports paid without an amount",
            ));
        }
        // A payment for an invoice the debtor chose pays that invoice first (art. 6:43 lid 1
        // BW); without a choice, art. 6:43 lid 2 and 6:44 BW decide.
        let (_, allocation) = hold
            .allocate_for(received, payment.claim_item_id, now)
            .await?;
        let entry = allocation.ledger_entry(
            format!("paynl order {} {}", status.order_id, status.action),
            Some(payment.id.clone()),
            format!("payment:{}:paid", payment.id),
            now,
        );
        if !self
            .book_with_mail(
                payment,
                PaymentStatus::Paid,
                Some(entry),
                receipt(payment, &allocation, received, now),
                now,
                applied,
            )
            .await?
        {
            return Ok(());
        }
        tracing::info!(payment = %payment.id, cents = received.cents(), "payment booked");
        let mut reasons = Vec::new();
        if received != payment.amount {
            reasons.push(format!(
                "Pay.nl reports {} cents received for a payment of {} cents",
                received.cents(),
                payment.amount.cents()
            ));
        }
        if matches!(
            payment.status,
            PaymentStatus::Cancelled | PaymentStatus::Expired
        ) {
            reasons.push(format!("paid after it was {}", payment.status));
        }
        if !allocation.overpayment.is_zero() {
            reasons.push(format!(
                "{} cents more than was open, held as credit",
                allocation.overpayment.cents()
            ));
        }
        if !reasons.is_empty() {
            let reason = reasons.join("; ");
            tracing::warn!(payment = %payment.id, %reason, "payment flagged for staff");
            self.store.flag_payment(&payment.id, &reason, now).await?;
            applied.flagged = true;
        }
        Ok(())
    }

    /// Books the refunds and chargebacks Pay.nl reports for the order that the ledger does
    /// not hold yet, one entry each (key `paynl:{transaction id}`, e.g. `paynl:EX-…`; money
    /// reported without a transaction id is keyed by its total, `payment:{id}:refunded:{cents}`
    /// or `payment:{id}:charged_back:{cents}`), through [`booking::Hold::reversal`]: never
    /// more than the order reports, never more than the payment still holds. The amounts are
    /// Pay.nl's order (or transaction), never an exchange call's.
    async fn book_returns(
        &self,
        hold: &Hold<'_>,
        status: &OrderStatus,
        now: DateTime<Utc>,
        applied: &mut Applied,
    ) -> Result<(), PayError> {
        let payment_id = applied.payment_id.clone();
        let reported: Vec<Reported> = status
            .reversals
            .iter()
            .filter_map(|r| {
                let kind = match r.kind {
                    TransactionKind::Refund => LedgerKind::Refund,
                    TransactionKind::Chargeback => LedgerKind::Chargeback,
                    TransactionKind::Payment => return None,
                };
                Some(Reported {
                    kind,
                    amount: r.amount,
                    key: r.transaction_id.as_deref().map(transaction_key),
                })
            })
            .collect();
        // Each round books one entry, at most one per reported transaction and one for the
        // totals of each kind.
        for _ in 0..reported.len() + 3 {
            let entries = hold.entries_of(&payment_id).await?;
            let held = Held::of(&entries)?;
            if !held.paid.is_positive() {
                return Err(PayError::Inconsistent(
                    "a refund or chargeback of a payment never booked",
                ));
            }
            let keys: Vec<&str> = entries.iter().map(|e| e.idempotency_key.as_str()).collect();
            let refunded = if status.state == PaymentState::Refunded {
                // Fully refunded: all the payment held, unless the order says how much.
                status.refunded_amount.max(
                    held.paid
                        .checked_sub(held.charged_back)
                        .unwrap_or(held.paid),
                )
            } else {
                status.refunded_amount
            };
            let next = held.next_return(
                &keys,
                &reported,
                refunded,
                status.charged_back_amount,
                |kind, total| match kind {
                    LedgerKind::Chargeback => {
                        format!("payment:{payment_id}:charged_back:{}", total.cents())
                    }
                    _ => format!("payment:{payment_id}:refunded:{}", total.cents()),
                },
            )?;
            let Some(next) = next else {
                break;
            };
            let overflow = PayError::Inconsistent("overflow");
            let (refunded_after, charged_back_after) = match next.kind {
                LedgerKind::Chargeback => (
                    held.refunded,
                    held.charged_back.checked_add(next.amount).ok_or(overflow)?,
                ),
                _ => (
                    held.refunded.checked_add(next.amount).ok_or(overflow)?,
                    held.charged_back,
                ),
            };
            let current = self
                .store
                .payment(&payment_id)
                .await?
                .ok_or(PayError::PaymentNotFound)?;
            let new_status = if charged_back_after.is_positive() {
                PaymentStatus::Chargeback
            } else if refunded_after >= held.paid {
                PaymentStatus::Refunded
            } else if matches!(
                current.status,
                PaymentStatus::Refunded | PaymentStatus::Chargeback
            ) {
                current.status
            } else {
                PaymentStatus::Paid
            };
            let what = match next.kind {
                LedgerKind::Chargeback => "chargeback",
                _ => "refund",
            };
            let entry = hold.reversal(
                &held,
                Reversal {
                    kind: next.kind,
                    amount: next.amount,
                    payment_id: payment_id.clone(),
                    source: format!(
                        "paynl order {} {what} {}",
                        status.order_id,
                        next.idempotency_key
                            .strip_prefix("paynl:")
                            .unwrap_or(&status.action)
                    ),
                    idempotency_key: next.idempotency_key.clone(),
                    at: now,
                },
            )?;
            if !self
                .book(&current, new_status, Some(entry), now, applied)
                .await?
            {
                // Booked already (by another call meanwhile) or refused by the status: the
                // next call or the reconciler sees the books as they are.
                tracing::warn!(payment = %payment_id, key = %next.idempotency_key, status = %current.status, "a refund or chargeback was not booked");
                break;
            }
            tracing::info!(payment = %payment_id, kind = what, cents = next.amount.cents(), key = %next.idempotency_key, "{what} booked");
            if next.kind == LedgerKind::Chargeback {
                self.store
                    .flag_payment(&payment_id, "charged back by the payer's bank", now)
                    .await?;
                applied.flagged = true;
            }
        }
        Ok(())
    }
}

/// The ledger key of a Pay.nl refund or chargeback transaction (`EX-…`).
pub fn transaction_key(transaction_id: &str) -> String {
    format!("paynl:{}", transaction_id.trim())
}

/// What the staff flag of a -51 payment says.
pub const AMOUNT_DIFFERS: &str = "paid, amount differs (Pay.nl -51): nothing booked";

/// `status` with the refunds and chargebacks of `transactions` (re-read from the REST API)
/// that belong to the order, are done, and that the order does not list. Only where the
/// order lists every reversal of that kind with its id (or none), so one listed without an
/// id is never counted twice.
fn with_transactions(status: &OrderStatus, transactions: &[Transaction]) -> OrderStatus {
    let mut status = status.clone();
    for t in transactions {
        let done = match t.kind {
            TransactionKind::Refund => matches!(
                t.state,
                PaymentState::Refunded | PaymentState::PartiallyRefunded
            ),
            TransactionKind::Chargeback => t.state == PaymentState::Chargeback,
            TransactionKind::Payment => false,
        };
        let of_order = t.order_id == status.order_id || t.order_id == status.id;
        let listed = status.reversals.iter().any(|r| {
            r.transaction_id.as_deref() == Some(t.id.as_str())
                || (r.kind == t.kind && r.transaction_id.is_none())
        });
        if !done || !of_order || listed || !t.amount.is_positive() {
            continue;
        }
        tracing::info!(order = %status.order_id, transaction = %t.id, "a refund or chargeback the order does not list yet");
        status.reversals.push(OrderReversal {
            transaction_id: Some(t.id.clone()),
            kind: t.kind,
            amount: t.amount,
            code: t.code,
        });
        let sum = |kind: TransactionKind| {
            status
                .reversals
                .iter()
                .filter(|r| r.kind == kind)
                .fold(Money::ZERO, |sum, r| {
                    sum.checked_add(r.amount).unwrap_or(sum)
                })
        };
        status.refunded_amount = status.refunded_amount.max(sum(TransactionKind::Refund));
        status.charged_back_amount = status
            .charged_back_amount
            .max(sum(TransactionKind::Chargeback));
    }
    status
}

/// The debtor's receipt for a payment just booked (what it paid off by art. 6:44 BW and
/// what is left), and the final confirmation when nothing is left.
fn receipt(
    payment: &Payment,
    allocation: &PaymentAllocation,
    received: Money,
    now: DateTime<Utc>,
) -> Vec<NewMail> {
    let paid_on = claim::dutch_date(now);
    let mut mails = vec![NewMail {
        dossier_id: payment.dossier_id.clone(),
        notice: Notice::PaymentReceived {
            amount: received,
            paid_on,
            costs: allocation.parts.costs,
            interest: allocation.parts.interest,
            principal: allocation.parts.principal,
            credit: allocation.overpayment,
            open_after: allocation.open_after,
        },
        dedupe_key: format!("payment:{}:receipt", payment.id),
        created_at: now,
    }];
    if allocation.open_after.is_zero() {
        mails.push(NewMail {
            dossier_id: payment.dossier_id.clone(),
            notice: Notice::PaidInFull { paid_on },
            dedupe_key: format!("payment:{}:paid_in_full", payment.id),
            created_at: now,
        });
    }
    mails
}
