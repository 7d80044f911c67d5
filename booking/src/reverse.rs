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

/// A refund or chargeback of a payment as the payment provider reports it (Pay.nl's order
/// lists each with its transaction id), for [`Held::next_return`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    /// Refund or chargeback.
    pub kind: LedgerKind,
    /// How much went back (positive).
    pub amount: Money,
    /// The ledger idempotency key that books exactly this one (from the provider's
    /// transaction id), when the provider names it.
    pub key: Option<String>,
}

/// The next entry to book for a payment's returned money ([`Held::next_return`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextReturn {
    /// Refund or chargeback.
    pub kind: LedgerKind,
    /// How much (positive).
    pub amount: Money,
    /// The reported transaction's key, or the key of the reported total.
    pub idempotency_key: String,
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

    /// The next refund or chargeback to book so that the payment's entries return what the
    /// provider reports, or `None` when the books agree. `reported` lists the provider's
    /// transactions (oldest first); `refunded` and `charged_back` are its totals per kind (the
    /// sum of the listed ones where it names none). What is booked per kind never goes beyond
    /// the reported total and never beyond what the payment still holds, whatever keys
    /// earlier bookings used: a transaction already covered by a booked total is not booked
    /// again under its own key. A reported transaction not booked yet comes first (keyed by
    /// it); money reported without a transaction is keyed by `total_key(kind, total)`, so each
    /// new total books once.
    pub fn next_return(
        &self,
        booked_keys: &[&str],
        reported: &[Reported],
        refunded: Money,
        charged_back: Money,
        total_key: impl Fn(LedgerKind, Money) -> String,
    ) -> Result<Option<NextReturn>, BookingError> {
        let room = self.still_held()?;
        if !room.is_positive() {
            return Ok(None);
        }
        for (kind, total, booked) in [
            (LedgerKind::Refund, refunded, self.refunded),
            (LedgerKind::Chargeback, charged_back, self.charged_back),
        ] {
            let listed = reported
                .iter()
                .filter(|r| r.kind == kind)
                .try_fold(Money::ZERO, |sum, r| sum.checked_add(r.amount))
                .ok_or_else(overflow)?;
            let target = total.max(listed);
            let missing = target.checked_sub(booked).ok_or_else(overflow)?;
            if !missing.is_positive() {
                continue;
            }
            let most = missing.min(room);
            for r in reported.iter().filter(|r| r.kind == kind) {
                let Some(key) = &r.key else { continue };
                if booked_keys.contains(&key.as_str()) || !r.amount.is_positive() {
                    continue;
                }
                return Ok(Some(NextReturn {
                    kind,
                    amount: r.amount.min(most),
                    idempotency_key: key.clone(),
                }));
            }
            return Ok(Some(NextReturn {
                kind,
                amount: most,
                idempotency_key: total_key(kind, target),
            }));
        }
        Ok(None)
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

    fn reported(kind: LedgerKind, cents: i64, key: Option<&str>) -> Reported {
        Reported {
            kind,
            amount: eur(cents),
            key: key.map(str::to_owned),
        }
    }

    fn total_key(kind: LedgerKind, total: Money) -> String {
        format!("{}:{}", kind.as_str(), total.cents())
    }

    #[test]
    fn each_reported_return_is_booked_once_by_its_key_within_the_totals() {
        let paid = Held {
            paid: eur(100_00),
            principal: eur(100_00),
            ..Held::default()
        };
        let list = [
            reported(LedgerKind::Refund, 30_00, Some("EX-1")),
            reported(LedgerKind::Refund, 20_00, Some("EX-2")),
        ];
        let next = paid
            .next_return(&[], &list, eur(50_00), Money::ZERO, total_key)
            .unwrap()
            .unwrap();
        assert_eq!(
            (next.amount, next.idempotency_key.as_str()),
            (eur(30_00), "EX-1")
        );
        let one_back = Held {
            refunded: eur(30_00),
            principal: eur(70_00),
            ..paid
        };
        let next = one_back
            .next_return(&["EX-1"], &list, eur(50_00), Money::ZERO, total_key)
            .unwrap()
            .unwrap();
        assert_eq!(
            (next.amount, next.idempotency_key.as_str()),
            (eur(20_00), "EX-2")
        );
        let both_back = Held {
            refunded: eur(50_00),
            principal: eur(50_00),
            ..paid
        };
        assert_eq!(
            both_back
                .next_return(&["EX-1", "EX-2"], &list, eur(50_00), Money::ZERO, total_key)
                .unwrap(),
            None
        );
        // Booked earlier under a total's key: covered, not booked again under its own.
        assert_eq!(
            both_back
                .next_return(&["refund:5000"], &list, eur(50_00), Money::ZERO, total_key)
                .unwrap(),
            None
        );
        // A total without transactions; a chargeback of what is left, never more.
        let next = both_back
            .next_return(&[], &[], eur(50_00), eur(80_00), total_key)
            .unwrap()
            .unwrap();
        assert_eq!(
            (next.kind, next.amount, next.idempotency_key.as_str()),
            (LedgerKind::Chargeback, eur(50_00), "chargeback:8000")
        );
        let nothing_left = Held {
            refunded: eur(100_00),
            principal: Money::ZERO,
            ..paid
        };
        assert_eq!(
            nothing_left
                .next_return(&[], &list, eur(500_00), eur(1), total_key)
                .unwrap(),
            None
        );
    }
}
