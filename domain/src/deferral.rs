//! Paying later in one sum (uitstel van betaling): the agency's rules for a debtor who asks to
//! pay everything on a later day. Within the rules the portal agrees at once; outside them the
//! request goes to staff. Statutory interest keeps running (art. 6:119 BW: it runs until the
//! day of payment; a deferral is not a waiver), so the debtor pays what is open on that day.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::money::Money;

/// The furthest day anyone may ask for, staff included: a year. A longer wait is a payment
/// plan's business, not a deferral's.
pub const MAX_DAYS_EVER: u32 = 366;

/// The agency's rules for paying later in one sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferralRules {
    max_days: u32,
    max_open: Money,
    grace_days: u32,
}

/// Why a set of deferral rules cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeferralRulesError {
    /// `max_days` is zero or above [`MAX_DAYS_EVER`].
    #[error("deferral max_days must be 1 to {MAX_DAYS_EVER}")]
    Days,
    /// `max_open` is negative.
    #[error("deferral max_open_cents must not be negative")]
    Amount,
    /// `grace_days` above 31.
    #[error("deferral grace_days must be at most 31")]
    Grace,
}

/// A rule the request breaks: it may still be granted, by staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum DeferralBreach {
    /// Later than the agency agrees to at once.
    TooLate {
        /// The most days ahead agreed at once.
        max_days: u32,
    },
    /// More is open than the agency defers at once.
    TooMuch {
        /// The largest open balance deferred at once.
        max_open: Money,
    },
    /// The dossier had a deferral before (kept or not): once per dossier.
    UsedBefore,
}

/// Why a day cannot be asked for at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum DeferralDateError {
    /// Today or earlier: nothing to defer.
    #[error("the day must be after today")]
    NotLater,
    /// Beyond [`MAX_DAYS_EVER`].
    #[error("the day must be within {MAX_DAYS_EVER} days")]
    TooFar,
}

impl Default for DeferralRules {
    /// 30 days, balances up to €2,500.00, 3 days' grace for a payment on its way.
    fn default() -> Self {
        DeferralRules {
            max_days: 30,
            max_open: Money::from_cents(250_000),
            grace_days: 3,
        }
    }
}

impl DeferralRules {
    /// Rules that can be used: `max_days` 1 to [`MAX_DAYS_EVER`], `max_open` not negative,
    /// `grace_days` at most 31.
    pub fn new(
        max_days: u32,
        max_open: Money,
        grace_days: u32,
    ) -> Result<Self, DeferralRulesError> {
        if max_days == 0 || max_days > MAX_DAYS_EVER {
            return Err(DeferralRulesError::Days);
        }
        if max_open.is_negative() {
            return Err(DeferralRulesError::Amount);
        }
        if grace_days > 31 {
            return Err(DeferralRulesError::Grace);
        }
        Ok(DeferralRules {
            max_days,
            max_open,
            grace_days,
        })
    }

    /// The most days ahead agreed at once.
    pub fn max_days(&self) -> u32 {
        self.max_days
    }

    /// The largest open balance deferred at once.
    pub fn max_open(&self) -> Money {
        self.max_open
    }

    /// The last day agreed at once when asked on `today`.
    pub fn latest(&self, today: NaiveDate) -> NaiveDate {
        today
            .checked_add_days(Days::new(u64::from(self.max_days)))
            .unwrap_or(today)
    }

    /// The last day a deferral to `pay_by` can be asked for at all.
    pub fn furthest(today: NaiveDate) -> NaiveDate {
        today
            .checked_add_days(Days::new(u64::from(MAX_DAYS_EVER)))
            .unwrap_or(today)
    }

    /// The rules a request to pay `open` on `pay_by`, asked on `today`, breaks (none: agreed
    /// at once). `used_before`: the dossier had a deferral that was granted.
    pub fn assess(
        &self,
        today: NaiveDate,
        pay_by: NaiveDate,
        open: Money,
        used_before: bool,
    ) -> Result<Vec<DeferralBreach>, DeferralDateError> {
        if pay_by <= today {
            return Err(DeferralDateError::NotLater);
        }
        if pay_by > Self::furthest(today) {
            return Err(DeferralDateError::TooFar);
        }
        let mut breaches = Vec::new();
        if pay_by > self.latest(today) {
            breaches.push(DeferralBreach::TooLate {
                max_days: self.max_days,
            });
        }
        if open > self.max_open {
            breaches.push(DeferralBreach::TooMuch {
                max_open: self.max_open,
            });
        }
        if used_before {
            breaches.push(DeferralBreach::UsedBefore);
        }
        Ok(breaches)
    }

    /// Whether a deferral to `pay_by` not paid in full is broken on `today`: after the grace
    /// days for a payment on its way (a bank transfer takes a working day or two).
    pub fn broken_on(&self, pay_by: NaiveDate, today: NaiveDate) -> bool {
        pay_by
            .checked_add_days(Days::new(u64::from(self.grace_days)))
            .is_some_and(|last| today > last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn within_the_rules_nothing_is_broken_and_each_rule_is_named_when_it_is() {
        let rules = DeferralRules::default();
        let today = day(12, 7);
        let open = Money::from_cents(50_227);
        assert_eq!(rules.assess(today, day(12, 8), open, false), Ok(vec![]));
        // 30 days on is the last day agreed at once; 31 goes to staff.
        assert_eq!(
            rules.latest(today),
            NaiveDate::from_ymd_opt(2027, 1, 6).unwrap()
        );
        assert_eq!(
            rules.assess(today, rules.latest(today), open, false),
            Ok(vec![])
        );
        let later = NaiveDate::from_ymd_opt(2027, 1, 7).unwrap();
        assert_eq!(
            rules.assess(today, later, open, false),
            Ok(vec![DeferralBreach::TooLate { max_days: 30 }])
        );
        // Exactly the limit is within it; a cent more is not.
        assert_eq!(
            rules.assess(today, day(12, 20), Money::from_cents(250_000), false),
            Ok(vec![])
        );
        assert_eq!(
            rules.assess(today, later, Money::from_cents(250_001), true),
            Ok(vec![
                DeferralBreach::TooLate { max_days: 30 },
                DeferralBreach::TooMuch {
                    max_open: Money::from_cents(250_000)
                },
                DeferralBreach::UsedBefore,
            ])
        );
    }

    #[test]
    fn a_day_must_be_after_today_and_within_a_year() {
        let rules = DeferralRules::default();
        let today = day(12, 7);
        let open = Money::from_cents(100);
        assert_eq!(
            rules.assess(today, today, open, false),
            Err(DeferralDateError::NotLater)
        );
        assert_eq!(
            rules.assess(today, day(12, 1), open, false),
            Err(DeferralDateError::NotLater)
        );
        let far = DeferralRules::furthest(today);
        assert!(rules.assess(today, far, open, false).is_ok());
        assert_eq!(
            rules.assess(today, far.succ_opt().unwrap(), open, false),
            Err(DeferralDateError::TooFar)
        );
    }

    #[test]
    fn a_deferral_breaks_only_after_its_grace_days() {
        let rules = DeferralRules::default();
        assert!(!rules.broken_on(day(12, 7), day(12, 7)));
        assert!(!rules.broken_on(day(12, 7), day(12, 10)));
        assert!(rules.broken_on(day(12, 7), day(12, 11)));
    }

    #[test]
    fn rules_out_of_range_are_refused() {
        assert_eq!(
            DeferralRules::new(0, Money::ZERO, 0),
            Err(DeferralRulesError::Days)
        );
        assert_eq!(
            DeferralRules::new(MAX_DAYS_EVER + 1, Money::ZERO, 0),
            Err(DeferralRulesError::Days)
        );
        assert_eq!(
            DeferralRules::new(30, Money::from_cents(-1), 0),
            Err(DeferralRulesError::Amount)
        );
        assert_eq!(
            DeferralRules::new(30, Money::ZERO, 32),
            Err(DeferralRulesError::Grace)
        );
        assert!(DeferralRules::new(MAX_DAYS_EVER, Money::ZERO, 31).is_ok());
    }
}
