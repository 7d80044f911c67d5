//! Taking money back out of a payment (a refund, a chargeback): the reverse of art. 6:44 BW.

use chrono::{DateTime, Utc};
use domain::{Money, PaymentId};
use store::{LedgerEntry, LedgerKind};

use crate::error::{BookingError, overflow};

/// What a payment's entries (the payment and its refunds and chargebacks) add up to, per
/// part: what it still holds of the money paid.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// The original payment entry's amount (zero when none is booked).
    pub paid: Money,
    /// Refunded so far (positive).
    pub refunded: Money,
    /// Charged back so far (positive).
    pub charged_back: Money,
    /// Still paying off costs.
    pub costs: Money,
    /// Still paying off interest.
    pub interest: Money,
    /// Still paying off principal.
    pub principal: Money,
    /// Still held as credit.
    pub unallocated: Money,
}

/// Money to take back out of a payment, for [`crate::Hold::reversal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reversal {
    /// Refund or chargeback.
    pub kind: LedgerKind,
    /// How much goes back (positive).
    pub amount: Money,
    /// The payment (`payment.id`) the money came in with.
    pub payment_id: PaymentId,
    /// Where the reversal came from, for the ledger.
    pub source: String,
    /// Books it once.
    pub idempotency_key: String,
    /// When.
    pub at: DateTime<Utc>,
}

fn neg(m: Money) -> Result<Money, BookingError> {
    m.checked_neg().ok_or_else(overflow)
}

impl Held {
    /// Sums one payment's entries.
    pub fn of(entries: &[LedgerEntry]) -> Result<Held, BookingError> {
        let mut held = Held::default();
        let add = |a: Money, b: Money| a.checked_add(b).ok_or_else(overflow);
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

    /// Refunded and charged back together.
    pub fn returned(&self) -> Result<Money, BookingError> {
        self.refunded
            .checked_add(self.charged_back)
            .ok_or_else(overflow)
    }

    /// What the payment still holds: paid less returned.
    pub fn still_held(&self) -> Result<Money, BookingError> {
        self.paid.checked_sub(self.returned()?).ok_or_else(overflow)
    }

    /// Takes `amount` back out of the parts, reversing art. 6:44 BW: credit first, then
    /// principal, interest, costs. Returns (costs, interest, principal, unallocated), negative.
    pub(crate) fn take_back(&self, amount: Money) -> Result<[Money; 4], BookingError> {
        if amount.is_negative() {
            return Err(BookingError::Inconsistent("a negative amount to take back"));
        }
        let mut left = amount;
        let mut take = |available: Money| -> Result<Money, BookingError> {
            let part = left.min(available.max(Money::ZERO));
            left = left.checked_sub(part).ok_or_else(overflow)?;
            neg(part)
        };
        let unallocated = take(self.unallocated)?;
        let principal = take(self.principal)?;
        let interest = take(self.interest)?;
        let costs = take(self.costs)?;
        if !left.is_zero() {
            return Err(BookingError::Inconsistent(
                "more money returned than the payment holds",
            ));
        }
        Ok([costs, interest, principal, unallocated])
    }
}

#[cfg(test)]
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
        assert!(held.take_back(eur(-1)).is_err());
    }
}
