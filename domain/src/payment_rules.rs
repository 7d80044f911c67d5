//! The agency's rules for an amount a debtor pays online: defined once (the server's config
//! sets them) and checked by `payments` when a payment starts.

use serde::{Deserialize, Serialize};

use crate::money::Money;

/// What a payment may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRules {
    /// The smallest part payment; paying everything that is open is always allowed.
    pub minimum_part_payment: Money,
    /// Whether a debtor may pay more than is open (the rest is held as credit).
    pub allow_overpayment: bool,
}

impl Default for PaymentRules {
    /// A part payment of at least €10.00; no overpayment.
    fn default() -> Self {
        PaymentRules {
            minimum_part_payment: Money::from_cents(10_00),
            allow_overpayment: false,
        }
    }
}

/// Why an amount may not be paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountRefusal {
    /// Nothing is open.
    #[error("nothing to pay: the open balance is zero")]
    NothingToPay,
    /// Zero or negative.
    #[error("the amount must be positive")]
    NotPositive,
    /// More than is open, and overpayment is not allowed.
    #[error("the amount is more than the open balance of {} cents", open.cents())]
    AboveOpen {
        /// What is open.
        open: Money,
    },
    /// A part payment below the minimum (and not everything that is open).
    #[error("a part payment must be at least {} cents", minimum.cents())]
    BelowMinimum {
        /// The minimum part payment.
        minimum: Money,
        /// What is open.
        open: Money,
    },
}

impl PaymentRules {
    /// Whether `amount` may be paid while `open` is open.
    pub fn check(&self, amount: Money, open: Money) -> Result<(), AmountRefusal> {
        if !open.is_positive() {
            return Err(AmountRefusal::NothingToPay);
        }
        if !amount.is_positive() {
            return Err(AmountRefusal::NotPositive);
        }
        if amount > open && !self.allow_overpayment {
            return Err(AmountRefusal::AboveOpen { open });
        }
        if amount < open && amount < self.minimum_part_payment {
            return Err(AmountRefusal::BelowMinimum {
                minimum: self.minimum_part_payment,
                open,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    #[test]
    fn a_part_payment_needs_the_minimum_unless_it_pays_everything() {
        let rules = PaymentRules::default();
        assert_eq!(rules.check(eur(10_00), eur(100_00)), Ok(()));
        assert_eq!(
            rules.check(eur(9_99), eur(100_00)),
            Err(AmountRefusal::BelowMinimum {
                minimum: eur(10_00),
                open: eur(100_00)
            })
        );
        // Everything that is open, even below the minimum.
        assert_eq!(rules.check(eur(5_00), eur(5_00)), Ok(()));
        assert_eq!(
            rules.check(eur(0), eur(5_00)),
            Err(AmountRefusal::NotPositive)
        );
        assert_eq!(
            rules.check(eur(1_00), eur(0)),
            Err(AmountRefusal::NothingToPay)
        );
    }

    #[test]
    fn more_than_is_open_only_when_overpayment_is_allowed() {
        let strict = PaymentRules::default();
        assert_eq!(
            strict.check(eur(100_01), eur(100_00)),
            Err(AmountRefusal::AboveOpen { open: eur(100_00) })
        );
        let lenient = PaymentRules {
            allow_overpayment: true,
            ..strict
        };
        assert_eq!(lenient.check(eur(100_01), eur(100_00)), Ok(()));
    }
}
