//! Applying a Pay.nl order status to a payment: the status move and its ledger entries.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};
use domain::Money;
use paynl::{OrderStatus, PaymentState};
use store::{BookPayment, Booked, LedgerEntry, LedgerKind, NewLedgerEntry, Payment, PaymentStatus};

use crate::error::PayError;
use crate::service::PaymentService;

/// What [`PaymentService::apply_status`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Our payment.
    pub payment_id: String,
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

/// The payment's entries so far, summed per part: what it still holds of the money paid.
#[derive(Debug, Default, Clone, Copy)]
struct Held {
    /// The original payment entry's amount (zero when none is booked).
    paid: Money,
    refunded: Money,
    charged_back: Money,
    costs: Money,
    interest: Money,
    principal: Money,
    unallocated: Money,
}

impl Held {
    fn of(entries: &[LedgerEntry]) -> Result<Held, PayError> {
        let mut held = Held::default();
        let add = |a: Money, b: Money| a.checked_add(b).ok_or(PayError::Inconsistent("overflow"));
        for entry in entries {
            match entry.kind {
                LedgerKind::Payment => held.paid = add(held.paid, entry.amount)?,
                LedgerKind::Refund => held.refunded = add(held.refunded, neg(entry.amount)?)?,
                LedgerKind::Chargeback => {
                    held.charged_back = add(held.charged_back, neg(entry.amount)?)?;
                }
                LedgerKind::Adjustment => {}
            }
            held.costs = add(held.costs, entry.alloc_costs)?;
            held.interest = add(held.interest, entry.alloc_interest)?;
            held.principal = add(held.principal, entry.alloc_principal)?;
            held.unallocated = add(held.unallocated, entry.alloc_unallocated)?;
        }
        Ok(held)
    }

    /// Takes `amount` back out of the parts, reversing art. 6:44 BW: credit first, then
    /// principal, interest, costs. Returns (costs, interest, principal, unallocated), negative.
    fn take_back(&self, amount: Money) -> Result<[Money; 4], PayError> {
        let mut left = amount;
        let mut take = |available: Money| -> Result<Money, PayError> {
            let part = left.min(available.max(Money::ZERO));
            left = left
                .checked_sub(part)
                .ok_or(PayError::Inconsistent("overflow"))?;
            neg(part)
        };
        let unallocated = take(self.unallocated)?;
        let principal = take(self.principal)?;
        let interest = take(self.interest)?;
        let costs = take(self.costs)?;
        if !left.is_zero() {
            return Err(PayError::Inconsistent(
                "more money returned than the payment holds",
            ));
        }
        Ok([costs, interest, principal, unallocated])
    }

    fn returned(&self) -> Result<Money, PayError> {
        self.refunded
            .checked_add(self.charged_back)
            .ok_or(PayError::Inconsistent("overflow"))
    }
}

/// The prefix of the per-dossier booking leases in `job_lease`.
pub const DOSSIER_LEASE_PREFIX: &str = "payments.dossier:";

/// How long a dossier lease lasts if its holder dies before releasing it.
const DOSSIER_LEASE_TTL: chrono::Duration = chrono::Duration::seconds(30);

/// Paid, refunded and charged back are only reached through a booked payment entry (status
/// and entry move in one transaction).
fn already_paid(status: PaymentStatus) -> bool {
    matches!(
        status,
        PaymentStatus::Paid | PaymentStatus::Refunded | PaymentStatus::Chargeback
    )
}

fn neg(m: Money) -> Result<Money, PayError> {
    m.checked_neg().ok_or(PayError::Inconsistent("overflow"))
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
    /// Work on one dossier is serialised: in this process by a lock, across instances (for
    /// anything that moves money) by the dossier's lease in `job_lease`, because the
    /// allocation reads the balance before it books. [`store::Store::book_payment`]'s
    /// compare-and-set and the ledger's unique keys make replays no-ops in any case. An order
    /// we have no id for yet (its reference is this payment) is adopted.
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
        let _dossier = tokio::time::timeout(
            self.config.lock_wait,
            self.dossier_locks.lock(&payment.dossier_id),
        )
        .await
        .map_err(|_| PayError::Busy)?;
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
                // instances too, so two payments of one dossier never allocate against the
                // same open items at once.
                let lease = self.hold_dossier(&payment.dossier_id).await?;
                let booked = self
                    .book_money(&payment, status, money, now, &mut applied)
                    .await;
                self.let_go(&lease).await;
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
        self.book_paid(payment, status, now, applied).await?;
        match state {
            PaymentState::Refunded | PaymentState::PartiallyRefunded => {
                self.book_refund(payment, status, now, applied).await
            }
            PaymentState::Chargeback => self.book_chargeback(payment, status, now, applied).await,
            _ => Ok(()),
        }
    }

    /// Takes the dossier's booking lease (`payments.dossier:{id}` in `job_lease`), waiting
    /// up to `lock_wait`. The lease expires by itself if this process dies holding it.
    async fn hold_dossier(&self, dossier_id: &str) -> Result<String, PayError> {
        let name = format!("{DOSSIER_LEASE_PREFIX}{dossier_id}");
        let deadline = Instant::now() + self.config.lock_wait;
        loop {
            if self
                .store
                .acquire_lease(&name, &self.instance, Utc::now(), DOSSIER_LEASE_TTL)
                .await?
            {
                return Ok(name);
            }
            if Instant::now() >= deadline {
                tracing::warn!(dossier = %dossier_id, "dossier busy in another instance");
                return Err(PayError::Busy);
            }
            tokio::time::sleep(StdDuration::from_millis(20)).await;
        }
    }

    async fn let_go(&self, lease: &str) {
        if let Err(e) = self.store.release_lease(lease, &self.instance).await {
            tracing::warn!(error = %e, %lease, "could not release a dossier lease; it expires");
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
        let view =
            claim::load_claim(&self.store, &payment.dossier_id, claim::dutch_date(now)).await?;
        let allocation = claim::allocate_payment(&view, received)?;
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

    async fn held(&self, payment: &Payment) -> Result<Held, PayError> {
        let entries: Vec<LedgerEntry> = self
            .store
            .ledger_entries(&payment.dossier_id)
            .await?
            .into_iter()
            .filter(|e| e.payment_id.as_deref() == Some(payment.id.as_str()))
            .collect();
        Held::of(&entries)
    }

    async fn book_refund(
        &self,
        payment: &Payment,
        status: &OrderStatus,
        now: DateTime<Utc>,
        applied: &mut Applied,
    ) -> Result<(), PayError> {
        let held = self.held(payment).await?;
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
        let [costs, interest, principal, unallocated] = held.take_back(delta)?;
        let entry = NewLedgerEntry {
            dossier_id: payment.dossier_id.clone(),
            kind: LedgerKind::Refund,
            amount: neg(delta)?,
            alloc_costs: costs,
            alloc_interest: interest,
            alloc_principal: principal,
            alloc_unallocated: unallocated,
            source: format!("paynl order {} {}", status.order_id, status.action),
            payment_id: Some(payment.id.clone()),
            // One key per refunded total: each (partial) refund books once.
            idempotency_key: format!("payment:{}:refunded:{}", payment.id, target.cents()),
            created_at: now,
        };
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
        payment: &Payment,
        status: &OrderStatus,
        now: DateTime<Utc>,
        applied: &mut Applied,
    ) -> Result<(), PayError> {
        let held = self.held(payment).await?;
        if !held.paid.is_positive() {
            return Err(PayError::Inconsistent(
                "a chargeback of a payment never booked",
            ));
        }
        let still_held = held
            .paid
            .checked_sub(held.returned()?)
            .ok_or(PayError::Inconsistent("overflow"))?;
        if !still_held.is_positive() || !held.charged_back.is_zero() {
            self.book(payment, PaymentStatus::Chargeback, None, now, applied)
                .await?;
            return Ok(());
        }
        let [costs, interest, principal, unallocated] = held.take_back(still_held)?;
        let entry = NewLedgerEntry {
            dossier_id: payment.dossier_id.clone(),
            kind: LedgerKind::Chargeback,
            amount: neg(still_held)?,
            alloc_costs: costs,
            alloc_interest: interest,
            alloc_principal: principal,
            alloc_unallocated: unallocated,
            source: format!("paynl order {} {}", status.order_id, status.action),
            payment_id: Some(payment.id.clone()),
            idempotency_key: format!("payment:{}:chargeback", payment.id),
            created_at: now,
        };
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

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)] // euros_cents: 100_00 is €100.00
mod tests {
    use super::*;

    fn eur(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    #[test]
    fn money_goes_back_credit_first_then_principal_interest_costs() {
        let held = Held {
            paid: eur(100_00),
            costs: eur(20_00),
            interest: eur(10_00),
            principal: eur(65_00),
            unallocated: eur(5_00),
            ..Held::default()
        };
        assert_eq!(
            held.take_back(eur(30_00)).unwrap(),
            [eur(0), eur(0), eur(-25_00), eur(-5_00)]
        );
        assert_eq!(
            held.take_back(eur(100_00)).unwrap(),
            [eur(-20_00), eur(-10_00), eur(-65_00), eur(-5_00)]
        );
        assert!(held.take_back(eur(100_01)).is_err());
    }
}
