//! Applying a Pay.nl order status to a payment: the status move and its ledger entries.

use booking::{Hold, Reversal};
use chrono::{DateTime, Utc};
use domain::PaymentId;
use paynl::{OrderStatus, PaymentState};
use store::{BookPayment, Booked, LedgerKind, NewLedgerEntry, Payment, PaymentStatus};

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
            PaymentState::Cancelled | PaymentState::Failed | PaymentState::Denied => {
                self.book(&payment, PaymentStatus::Cancelled, None, now, &mut applied)
                    .await?;
            }
            PaymentState::Expired => {
                self.book(&payment, PaymentStatus::Expired, None, now, &mut applied)
                    .await?;
            }
            PaymentState::Paid | PaymentState::PaidAmountMismatch
                if already_paid(payment.status) =>
            {
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
            PaymentState::Refunded | PaymentState::PartiallyRefunded => {
                self.book_refund(hold, payment, status, now, applied).await
            }
            PaymentState::Chargeback => {
                self.book_chargeback(hold, payment, status, now, applied)
                    .await
            }
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
        let kind = entry.as_ref().map(|e| e.kind);
        let outcome = self
            .store
            .book_payment(&BookPayment {
                payment_id: payment.id.clone(),
                status,
                entry,
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
        let (_, allocation) = hold.allocate(received, now).await?;
        let entry = allocation.ledger_entry(
            format!("paynl order {} {}", status.order_id, status.action),
            Some(payment.id.clone()),
            format!("payment:{}:paid", payment.id),
            now,
        );
        if !self
            .book(payment, PaymentStatus::Paid, Some(entry), now, applied)
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

    async fn book_refund(
        &self,
        hold: &Hold<'_>,
        payment: &Payment,
        status: &OrderStatus,
        now: DateTime<Utc>,
        applied: &mut Applied,
    ) -> Result<(), PayError> {
        let held = hold.held_by(&payment.id).await?;
        if !held.paid.is_positive() {
            return Err(PayError::Inconsistent("a refund of a payment never booked"));
        }
        let target = if status.state == PaymentState::Refunded {
            held.paid
        } else {
            status.refunded_amount.min(held.paid)
        };
        let full = target >= held.paid;
        let new_status = if full {
            PaymentStatus::Refunded
        } else {
            PaymentStatus::Paid
        };
        let delta = target
            .checked_sub(held.refunded)
            .ok_or(PayError::Inconsistent("overflow"))?;
        if !delta.is_positive() {
            // Nothing new: make sure the status is there (a replay is a no-op).
            self.book(payment, new_status, None, now, applied).await?;
            return Ok(());
        }
        let entry = hold.reversal(
            &held,
            Reversal {
                kind: LedgerKind::Refund,
                amount: delta,
                payment_id: payment.id.clone(),
                source: format!("paynl order {} {}", status.order_id, status.action),
                // One key per refunded total: each (partial) refund books once.
                idempotency_key: format!("payment:{}:refunded:{}", payment.id, target.cents()),
                at: now,
            },
        )?;
        if self
            .book(payment, new_status, Some(entry), now, applied)
            .await?
        {
            tracing::info!(payment = %payment.id, cents = delta.cents(), "refund booked");
        }
        Ok(())
    }

    async fn book_chargeback(
        &self,
        hold: &Hold<'_>,
        payment: &Payment,
        status: &OrderStatus,
        now: DateTime<Utc>,
        applied: &mut Applied,
    ) -> Result<(), PayError> {
        let held = hold.held_by(&payment.id).await?;
        if !held.paid.is_positive() {
            return Err(PayError::Inconsistent(
                "a chargeback of a payment never booked",
            ));
        }
        let still_held = held.still_held()?;
        if !still_held.is_positive() || !held.charged_back.is_zero() {
            self.book(payment, PaymentStatus::Chargeback, None, now, applied)
                .await?;
            return Ok(());
        }
        let entry = hold.reversal(
            &held,
            Reversal {
                kind: LedgerKind::Chargeback,
                amount: still_held,
                payment_id: payment.id.clone(),
                source: format!("paynl order {} {}", status.order_id, status.action),
                idempotency_key: format!("payment:{}:chargeback", payment.id),
                at: now,
            },
        )?;
        if self
            .book(
                payment,
                PaymentStatus::Chargeback,
                Some(entry),
                now,
                applied,
            )
            .await?
        {
            tracing::info!(payment = %payment.id, cents = still_held.cents(), "chargeback booked");
            let reason = "charged back by the payer's bank";
            self.store.flag_payment(&payment.id, reason, now).await?;
            applied.flagged = true;
        }
        Ok(())
    }
}
