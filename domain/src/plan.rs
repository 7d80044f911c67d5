//! Payment plans: the agency's rules and the schedule of instalments.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::money::Money;

/// No schedule runs longer than this many months, whatever the rules say:
/// it bounds the work a request can cause (the browser builds schedules too).
pub const MAX_SCHEDULE_MONTHS: u32 = 240;

/// What the debtor asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanRequest {
    /// Pay in this many monthly instalments.
    Months(u32),
    /// Pay this much a month until paid off.
    MonthlyAmount(Money),
}

/// The agency's terms for payment plans. A plan within them is active at
/// once; one outside them goes to staff review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawPlanRules")]
pub struct PlanRules {
    min_instalment: Money,
    max_months: u32,
    first_due_now: bool,
}

#[derive(Deserialize)]
struct RawPlanRules {
    min_instalment: Money,
    max_months: u32,
    first_due_now: bool,
}

impl TryFrom<RawPlanRules> for PlanRules {
    type Error = PlanRulesError;

    fn try_from(raw: RawPlanRules) -> Result<Self, Self::Error> {
        PlanRules::new(raw.min_instalment, raw.max_months, raw.first_due_now)
    }
}

/// Why plan rules are not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PlanRulesError {
    /// A negative minimum instalment.
    #[error("the minimum instalment cannot be negative")]
    NegativeMinimum,
    /// `max_months` not in 1..=[`MAX_SCHEDULE_MONTHS`].
    #[error("the maximum number of months must be between 1 and {MAX_SCHEDULE_MONTHS}")]
    MaxMonthsOutOfRange,
}

/// Why a plan cannot be made, or needs staff review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The balance is zero or negative.
    #[error("there is nothing to pay")]
    NothingToPay,
    /// A request for zero months.
    #[error("a plan needs at least one month")]
    ZeroMonths,
    /// A monthly amount of zero or less.
    #[error("the monthly amount must be more than zero")]
    NonPositiveAmount,
    /// More months than the balance has cents: instalments would be zero.
    #[error("too many months for so small an amount")]
    InstalmentBelowOneCent,
    /// Longer than [`MAX_SCHEDULE_MONTHS`].
    #[error("a plan cannot run longer than {MAX_SCHEDULE_MONTHS} months")]
    TooLong,
    /// A due date past the end of the calendar.
    #[error("date out of range")]
    DateOutOfRange,
    /// A rule: an instalment (other than the last) is below the minimum.
    #[error("instalment below the minimum")]
    BelowMinimum {
        /// The regular instalment.
        instalment: Money,
        /// The agency's minimum.
        minimum: Money,
    },
    /// A rule: more instalments than allowed.
    #[error("more months than allowed")]
    TooManyMonths {
        /// Instalments in the schedule.
        months: u32,
        /// The agency's maximum.
        max: u32,
    },
}

impl PlanError {
    /// Whether the plan is possible but outside the agency's rules, so it
    /// can be sent to staff review rather than refused.
    pub const fn needs_review(&self) -> bool {
        matches!(
            self,
            PlanError::BelowMinimum { .. } | PlanError::TooManyMonths { .. }
        )
    }
}

/// One instalment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Instalment {
    number: u32,
    due: NaiveDate,
    amount: Money,
}

impl Instalment {
    /// 1 for the first.
    pub const fn number(self) -> u32 {
        self.number
    }

    /// The date it is due.
    pub const fn due(self) -> NaiveDate {
        self.due
    }

    /// The amount (more than zero).
    pub const fn amount(self) -> Money {
        self.amount
    }
}

/// A schedule of monthly instalments that add up exactly to the balance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Schedule {
    instalments: Vec<Instalment>,
    total: Money,
}

impl Schedule {
    /// The instalments in date order (never empty).
    pub fn instalments(&self) -> &[Instalment] {
        &self.instalments
    }

    /// Number of instalments.
    pub fn months(&self) -> u32 {
        // At most MAX_SCHEDULE_MONTHS, so this fits.
        u32::try_from(self.instalments.len()).unwrap_or(u32::MAX)
    }

    /// The sum of the instalments: the balance the schedule was made for.
    pub const fn total(&self) -> Money {
        self.total
    }

    /// The regular instalment: the first one (the last may differ).
    pub fn regular_amount(&self) -> Money {
        self.instalments.first().map_or(Money::ZERO, |i| i.amount)
    }
}

/// Builds a schedule for `balance`, without the agency's rules (see
/// [`PlanRules::schedule`] for that):
///
/// - `Months(n)`: `n` instalments of `balance / n` rounded down to the cent,
///   the last one taking the remainder (so it is the largest);
/// - `MonthlyAmount(a)`: instalments of `a` until the rest is at most `a`,
///   which is the last one (so it is the smallest).
///
/// The first instalment is due on `start` if `first_due_now`, else a month
/// later. Each later one falls on the same day of the month as `start`,
/// moved back to the month's last day where that day does not exist (31
/// January, 28/29 February, 31 March …).
pub fn build_schedule(
    balance: Money,
    request: PlanRequest,
    start: NaiveDate,
    first_due_now: bool,
) -> Result<Schedule, PlanError> {
    if !balance.is_positive() {
        return Err(PlanError::NothingToPay);
    }
    let b = balance.cents();
    let (months, regular) = match request {
        PlanRequest::Months(0) => return Err(PlanError::ZeroMonths),
        PlanRequest::Months(n) if n > MAX_SCHEDULE_MONTHS => return Err(PlanError::TooLong),
        PlanRequest::Months(n) => {
            let regular = b / i64::from(n);
            if regular == 0 {
                return Err(PlanError::InstalmentBelowOneCent);
            }
            (n, regular)
        }
        PlanRequest::MonthlyAmount(a) if !a.is_positive() => {
            return Err(PlanError::NonPositiveAmount);
        }
        PlanRequest::MonthlyAmount(a) => {
            let a = a.cents().min(b);
            // ceil(b / a) without overflow: b, a > 0.
            let n = (b - 1) / a + 1;
            let n = u32::try_from(n)
                .ok()
                .filter(|&n| n <= MAX_SCHEDULE_MONTHS)
                .ok_or(PlanError::TooLong)?;
            (n, a)
        }
    };

    let offset = u32::from(!first_due_now);
    let mut instalments = Vec::with_capacity(months as usize);
    for i in 0..months {
        // From `start` each time, so a 31st stays the 31st after February.
        let due = start
            .checked_add_months(Months::new(i + offset))
            .ok_or(PlanError::DateOutOfRange)?;
        // regular × (months − 1) < balance, so no overflow.
        let amount = if i + 1 == months {
            b - regular * i64::from(months - 1)
        } else {
            regular
        };
        instalments.push(Instalment {
            number: i + 1,
            due,
            amount: Money::from_cents(amount),
        });
    }
    Ok(Schedule {
        instalments,
        total: balance,
    })
}

impl PlanRules {
    /// Rules: every instalment but the last at least `min_instalment` (zero:
    /// no minimum), at most `max_months` instalments, and whether the first
    /// is due at once.
    pub fn new(
        min_instalment: Money,
        max_months: u32,
        first_due_now: bool,
    ) -> Result<Self, PlanRulesError> {
        if min_instalment.is_negative() {
            return Err(PlanRulesError::NegativeMinimum);
        }
        if !(1..=MAX_SCHEDULE_MONTHS).contains(&max_months) {
            return Err(PlanRulesError::MaxMonthsOutOfRange);
        }
        Ok(PlanRules {
            min_instalment,
            max_months,
            first_due_now,
        })
    }

    /// The smallest instalment allowed (the last one excepted).
    pub const fn min_instalment(&self) -> Money {
        self.min_instalment
    }

    /// The most instalments allowed.
    pub const fn max_months(&self) -> u32 {
        self.max_months
    }

    /// Whether the first instalment is due on the start date (else a month later).
    pub const fn first_due_now(&self) -> bool {
        self.first_due_now
    }

    /// Checks a schedule against the rules. Only [`PlanError::TooManyMonths`]
    /// and [`PlanError::BelowMinimum`] come from here, in that order when
    /// both apply.
    pub fn check(&self, schedule: &Schedule) -> Result<(), PlanError> {
        let months = schedule.months();
        if months > self.max_months {
            return Err(PlanError::TooManyMonths {
                months,
                max: self.max_months,
            });
        }
        let all_but_last = schedule
            .instalments
            .split_last()
            .map_or(&[][..], |(_, rest)| rest);
        if let Some(low) = all_but_last.iter().find(|i| i.amount < self.min_instalment) {
            return Err(PlanError::BelowMinimum {
                instalment: low.amount,
                minimum: self.min_instalment,
            });
        }
        Ok(())
    }

    /// Builds the schedule with these rules' first due date and checks it.
    /// On an error that [`needs_review`](PlanError::needs_review), build it
    /// with [`build_schedule`] to show staff.
    pub fn schedule(
        &self,
        balance: Money,
        request: PlanRequest,
        start: NaiveDate,
    ) -> Result<Schedule, PlanError> {
        let schedule = build_schedule(balance, request, start, self.first_due_now)?;
        self.check(&schedule)?;
        Ok(schedule)
    }

    /// The most months allowed for `balance`: as many as the maximum allows
    /// while the regular instalment stays at or above the minimum (at least 1).
    pub fn max_months_for(&self, balance: Money) -> u32 {
        let b = balance.cents().max(1);
        // floor(b / n) ≥ min ⇔ n ≤ floor(b / min) for whole cents.
        let by_minimum = match self.min_instalment.cents() {
            0 => b,
            min => b / min,
        };
        u32::try_from(by_minimum)
            .unwrap_or(u32::MAX)
            .clamp(1, self.max_months)
    }

    /// The smallest monthly amount allowed for `balance`: the minimum, or
    /// more if the maximum number of months requires it; never more than the
    /// balance itself.
    pub fn min_monthly_amount(&self, balance: Money) -> Money {
        let b = balance.cents().max(1);
        let m = i64::from(self.max_months);
        // ceil(b / m) ≤ … so that ceil(b / a) ≤ m.
        let by_months = (b - 1) / m + 1;
        Money::from_cents(by_months.max(self.min_instalment.cents()).min(b))
    }
}

/// A rule of the agency a schedule breaks: allowed only with a reason, and then reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum RuleBreach {
    /// More instalments than allowed.
    TooManyMonths {
        /// Instalments in the schedule.
        months: u32,
        /// The maximum.
        max: u32,
    },
    /// A regular instalment below the minimum.
    BelowMinimum {
        /// The regular instalment.
        instalment: Money,
        /// The minimum.
        minimum: Money,
    },
}

/// What a picker needs to stay within the rules for a balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The agency's minimum instalment.
    pub min_instalment: Money,
    /// The agency's maximum number of months.
    pub max_months: u32,
    /// The most months allowed for this balance (the minimum instalment may allow fewer).
    pub max_months_for_balance: u32,
    /// The smallest monthly amount allowed for this balance.
    pub min_monthly_amount: Money,
    /// Whether the first instalment is due at once.
    pub first_due_now: bool,
}

/// A schedule shown before it is agreed, with the rules it breaks. The server and the
/// browser both make it with [`PlanRules::preview`], so what the debtor sees while choosing
/// is what the server will decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// The open balance the schedule is for.
    pub balance: Money,
    /// The instalments (also when outside the rules, to show what would be reviewed).
    pub rows: Vec<Instalment>,
    /// The rules it breaks (empty: active at once when agreed).
    pub why_not: Vec<RuleBreach>,
    /// The bounds for the picker.
    pub limits: Limits,
}

impl Preview {
    /// True when the plan would be active at once.
    pub fn within_rules(&self) -> bool {
        self.why_not.is_empty()
    }
}

impl PlanRules {
    /// The bounds for choosing a plan on `balance`.
    pub fn limits(&self, balance: Money) -> Limits {
        Limits {
            min_instalment: self.min_instalment,
            max_months: self.max_months,
            max_months_for_balance: self.max_months_for(balance),
            min_monthly_amount: self.min_monthly_amount(balance),
            first_due_now: self.first_due_now,
        }
    }

    /// Every rule the schedule breaks ([`PlanRules::check`] reports the first only).
    pub fn breaches(&self, schedule: &Schedule) -> Vec<RuleBreach> {
        let months = schedule.months();
        let mut out = Vec::new();
        if months > self.max_months {
            out.push(RuleBreach::TooManyMonths {
                months,
                max: self.max_months,
            });
        }
        let all_but_last = schedule
            .instalments
            .split_last()
            .map_or(&[][..], |(_, rest)| rest);
        if let Some(low) = all_but_last.iter().find(|i| i.amount < self.min_instalment) {
            out.push(RuleBreach::BelowMinimum {
                instalment: low.amount,
                minimum: self.min_instalment,
            });
        }
        out
    }

    /// The schedule for `request` on `balance` starting `start`, with every rule it breaks.
    /// Errors only when no schedule can be made at all (nothing to pay, zero months, ...).
    pub fn preview(
        &self,
        balance: Money,
        request: PlanRequest,
        start: NaiveDate,
    ) -> Result<Preview, PlanError> {
        let schedule = build_schedule(balance, request, start, self.first_due_now)?;
        Ok(Preview {
            balance,
            why_not: self.breaches(&schedule),
            rows: schedule.instalments,
            limits: self.limits(balance),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn eur(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    fn rules(min: i64, max: u32, now: bool) -> PlanRules {
        PlanRules::new(eur(min), max, now).unwrap()
    }

    fn plan(s: &Schedule) -> Vec<(NaiveDate, i64)> {
        s.instalments()
            .iter()
            .map(|i| (i.due(), i.amount().cents()))
            .collect()
    }

    #[test]
    fn months_split_with_the_last_taking_the_rounding() {
        // 100.00 / 3 = 33.33 (rounded down); last 100.00 − 2 × 33.33 = 33.34
        let s = rules(10_00, 12, true)
            .schedule(eur(100_00), PlanRequest::Months(3), d(2025, 1, 10))
            .unwrap();
        assert_eq!(
            plan(&s),
            [
                (d(2025, 1, 10), 33_33),
                (d(2025, 2, 10), 33_33),
                (d(2025, 3, 10), 33_34)
            ]
        );
        assert_eq!(s.total(), eur(100_00));
        assert_eq!(s.months(), 3);
        assert_eq!(s.regular_amount(), eur(33_33));
        let numbers: Vec<u32> = s.instalments().iter().map(|i| i.number()).collect();
        assert_eq!(numbers, [1, 2, 3]);
    }

    #[test]
    fn monthly_amount_with_a_smaller_last_instalment() {
        // 250.00 at 100.00 a month: 100, 100, 50; first a month after the start
        let s = rules(25_00, 12, false)
            .schedule(
                eur(250_00),
                PlanRequest::MonthlyAmount(eur(100_00)),
                d(2025, 1, 10),
            )
            .unwrap();
        assert_eq!(
            plan(&s),
            [
                (d(2025, 2, 10), 100_00),
                (d(2025, 3, 10), 100_00),
                (d(2025, 4, 10), 50_00)
            ]
        );
        // Exactly divisible: 300 at 100 → 100, 100, 100
        let s = build_schedule(
            eur(300_00),
            PlanRequest::MonthlyAmount(eur(100_00)),
            d(2025, 1, 10),
            true,
        )
        .unwrap();
        assert_eq!(s.months(), 3);
        assert!(s.instalments().iter().all(|i| i.amount() == eur(100_00)));
        // An amount above the balance is a single payment of the balance.
        let s = build_schedule(
            eur(80_00),
            PlanRequest::MonthlyAmount(eur(100_00)),
            d(2025, 1, 10),
            true,
        )
        .unwrap();
        assert_eq!(plan(&s), [(d(2025, 1, 10), 80_00)]);
    }

    #[test]
    fn dates_keep_the_anchor_day_through_short_months() {
        // 31 Jan 2024 (leap year) → 29 Feb → 31 Mar → 30 Apr → 31 May
        let s = build_schedule(eur(500), PlanRequest::Months(5), d(2024, 1, 31), true).unwrap();
        let dates: Vec<NaiveDate> = s.instalments().iter().map(|i| i.due()).collect();
        assert_eq!(
            dates,
            [
                d(2024, 1, 31),
                d(2024, 2, 29),
                d(2024, 3, 31),
                d(2024, 4, 30),
                d(2024, 5, 31)
            ]
        );
        // 31 Jan 2025 (common year), first a month later → 28 Feb → 31 Mar
        let s = build_schedule(eur(200), PlanRequest::Months(2), d(2025, 1, 31), false).unwrap();
        let dates: Vec<NaiveDate> = s.instalments().iter().map(|i| i.due()).collect();
        assert_eq!(dates, [d(2025, 2, 28), d(2025, 3, 31)]);
        // Across a year end: 15 Nov → 15 Dec → 15 Jan
        let s = build_schedule(eur(300), PlanRequest::Months(3), d(2025, 11, 15), true).unwrap();
        let dates: Vec<NaiveDate> = s.instalments().iter().map(|i| i.due()).collect();
        assert_eq!(dates, [d(2025, 11, 15), d(2025, 12, 15), d(2026, 1, 15)]);
    }

    #[test]
    fn rule_violations_need_review() {
        let r = rules(50_00, 12, true);
        let start = d(2025, 1, 1);
        // 1,000 / 24 months breaks the 12-month maximum
        let err = r
            .schedule(eur(1_000_00), PlanRequest::Months(24), start)
            .unwrap_err();
        assert_eq!(
            err,
            PlanError::TooManyMonths {
                months: 24,
                max: 12
            }
        );
        assert!(err.needs_review());
        // 300 / 10 = 30 a month, below 50
        let err = r
            .schedule(eur(300_00), PlanRequest::Months(10), start)
            .unwrap_err();
        assert_eq!(
            err,
            PlanError::BelowMinimum {
                instalment: eur(30_00),
                minimum: eur(50_00)
            }
        );
        assert!(err.needs_review());
        // 200 at 20 a month: 10 months is fine, but 20 is below 50
        let err = r
            .schedule(eur(200_00), PlanRequest::MonthlyAmount(eur(20_00)), start)
            .unwrap_err();
        assert_eq!(
            err,
            PlanError::BelowMinimum {
                instalment: eur(20_00),
                minimum: eur(50_00)
            }
        );
        // 1,000 at 50 a month is 20 months: too many
        let err = r
            .schedule(eur(1_000_00), PlanRequest::MonthlyAmount(eur(50_00)), start)
            .unwrap_err();
        assert_eq!(
            err,
            PlanError::TooManyMonths {
                months: 20,
                max: 12
            }
        );
        // But a small last instalment is fine: 120 at 50 → 50, 50, 20
        let s = r
            .schedule(eur(120_00), PlanRequest::MonthlyAmount(eur(50_00)), start)
            .unwrap();
        assert_eq!(plan(&s).last(), Some(&(d(2025, 3, 1), 20_00)));
        // And a balance below the minimum can be paid in one go.
        let s = r
            .schedule(eur(30_00), PlanRequest::Months(1), start)
            .unwrap();
        assert_eq!(plan(&s), [(start, 30_00)]);
        // The review copy of a refused plan is still buildable.
        let review = build_schedule(
            eur(1_000_00),
            PlanRequest::Months(24),
            start,
            r.first_due_now(),
        )
        .unwrap();
        assert_eq!(review.months(), 24);
    }

    #[test]
    fn impossible_requests_are_refused() {
        use PlanError::*;
        let start = d(2025, 1, 1);
        let cases = [
            (0, PlanRequest::Months(3), NothingToPay),
            (-5, PlanRequest::Months(3), NothingToPay),
            (100, PlanRequest::Months(0), ZeroMonths),
            (100, PlanRequest::MonthlyAmount(eur(0)), NonPositiveAmount),
            (100, PlanRequest::MonthlyAmount(eur(-1)), NonPositiveAmount),
            // 5 cents over 6 months: 0 cents a month
            (5, PlanRequest::Months(6), InstalmentBelowOneCent),
            (100_000, PlanRequest::Months(241), TooLong),
            // 100,000 cents at 1 cent a month is 100,000 months
            (100_000, PlanRequest::MonthlyAmount(eur(1)), TooLong),
        ];
        for (balance, request, expected) in cases {
            let err = build_schedule(eur(balance), request, start, true).unwrap_err();
            assert_eq!(err, expected, "{balance} {request:?}");
            assert!(!err.needs_review());
        }
        assert_eq!(
            build_schedule(eur(100), PlanRequest::Months(2), NaiveDate::MAX, true),
            Err(DateOutOfRange)
        );
    }

    #[test]
    fn rules_are_validated() {
        assert_eq!(
            PlanRules::new(eur(-1), 12, true),
            Err(PlanRulesError::NegativeMinimum)
        );
        assert_eq!(
            PlanRules::new(eur(0), 0, true),
            Err(PlanRulesError::MaxMonthsOutOfRange)
        );
        assert_eq!(
            PlanRules::new(eur(0), 241, true),
            Err(PlanRulesError::MaxMonthsOutOfRange)
        );
        let r = rules(25_00, 24, false);
        assert_eq!(
            (r.min_instalment(), r.max_months(), r.first_due_now()),
            (eur(25_00), 24, false)
        );
        let json = r#"{"min_instalment":2500,"max_months":24,"first_due_now":false}"#;
        assert_eq!(serde_json::from_str::<PlanRules>(json).unwrap(), r);
        assert!(
            serde_json::from_str::<PlanRules>(
                r#"{"min_instalment":-1,"max_months":24,"first_due_now":false}"#
            )
            .is_err()
        );
        assert_eq!(serde_json::to_string(&r).unwrap(), json);
    }

    #[test]
    fn bounds_for_a_picker() {
        let r = rules(50_00, 12, true);
        // 1,000 / 50 = 20 months by the minimum, capped at 12
        assert_eq!(r.max_months_for(eur(1_000_00)), 12);
        // 300 / 50 = 6 months
        assert_eq!(r.max_months_for(eur(300_00)), 6);
        // 30 is below one minimum instalment: still one month
        assert_eq!(r.max_months_for(eur(30_00)), 1);
        // 1,000 over at most 12 months needs ceil(100000 / 12) = 8334 a month
        assert_eq!(r.min_monthly_amount(eur(1_000_00)), eur(83_34));
        // 300: the 50 minimum is more than ceil(30000 / 12) = 2500
        assert_eq!(r.min_monthly_amount(eur(300_00)), eur(50_00));
        // never more than the balance
        assert_eq!(r.min_monthly_amount(eur(30_00)), eur(30_00));
        // no minimum: as many months as allowed, bounded by cents
        let free = rules(0, 12, true);
        assert_eq!(free.max_months_for(eur(5)), 5);
        assert_eq!(free.max_months_for(eur(100_00)), 12);
    }

    fn start_date() -> impl Strategy<Value = NaiveDate> {
        // Days 1..=31 of months in 2023..=2029, clamped: plenty of month ends and leap days.
        (2023i32..=2029, 1u32..=12, 1u32..=31).prop_map(|(y, m, day)| {
            (0..=3)
                .find_map(|back| NaiveDate::from_ymd_opt(y, m, day - back))
                .unwrap()
        })
    }

    fn request() -> impl Strategy<Value = PlanRequest> {
        prop_oneof![
            (1u32..80).prop_map(PlanRequest::Months),
            (1i64..2_000_000).prop_map(|a| PlanRequest::MonthlyAmount(eur(a))),
        ]
    }

    fn days_in_month(date: NaiveDate) -> u32 {
        let first_next =
            NaiveDate::from_ymd_opt(date.year(), date.month(), 1).unwrap() + Months::new(1);
        first_next.pred_opt().unwrap().day()
    }

    proptest! {
        #[test]
        fn schedules_obey_every_rule(
            balance in 1i64..10_000_000,
            min in 0i64..200_000,
            max in 1u32..=60,
            now in any::<bool>(),
            request in request(),
            start in start_date(),
        ) {
            let r = rules(min, max, now);
            let built = build_schedule(eur(balance), request, start, now);
            match r.schedule(eur(balance), request, start) {
                Ok(s) => {
                    let items = s.instalments();
                    let sum: i64 = items.iter().map(|i| i.amount().cents()).sum();
                    prop_assert_eq!(sum, balance);
                    prop_assert_eq!(s.total(), eur(balance));
                    prop_assert!(s.months() <= max && !items.is_empty());
                    let (last, rest) = items.split_last().unwrap();
                    prop_assert!(last.amount().is_positive());
                    prop_assert!(rest.iter().all(|i| i.amount().cents() >= min));
                    // Dates strictly increase, one a month, on the anchor day or the month's end.
                    prop_assert!(items.windows(2).all(|w| w[0].due() < w[1].due()));
                    let first = if now { start } else { start + Months::new(1) };
                    prop_assert_eq!(items[0].due(), first);
                    for i in items {
                        let expected_day = start.day().min(days_in_month(i.due()));
                        prop_assert_eq!(i.due().day(), expected_day);
                    }
                    for w in items.windows(2) {
                        let months_apart = (w[1].due().year() - w[0].due().year()) * 12
                            + w[1].due().month() as i32 - w[0].due().month() as i32;
                        prop_assert_eq!(months_apart, 1);
                    }
                    prop_assert_eq!(built, Ok(s));
                }
                Err(e) if e.needs_review() => {
                    // The refusal is justified by the unchecked schedule.
                    let s = built.unwrap();
                    let (_, rest) = s.instalments().split_last().unwrap();
                    let too_long = s.months() > max;
                    let too_small = rest.iter().any(|i| i.amount().cents() < min);
                    prop_assert!(too_long || too_small);
                }
                Err(e) => prop_assert_eq!(built, Err(e)),
            }
        }

        #[test]
        fn every_schedule_sums_exactly_even_outside_the_rules(
            balance in 1i64..10_000_000,
            now in any::<bool>(),
            request in request(),
            start in start_date(),
        ) {
            // The review copy staff see must add up too, and its last instalment takes the
            // rounding: never zero, and for `Months` at least as large as the others.
            if let Ok(s) = build_schedule(eur(balance), request, start, now) {
                let items = s.instalments();
                let sum: i64 = items.iter().map(|i| i.amount().cents()).sum();
                prop_assert_eq!(sum, balance);
                let (last, rest) = items.split_last().unwrap();
                prop_assert!(last.amount().is_positive());
                prop_assert!(rest.iter().all(|i| i.amount() == s.regular_amount()));
                if matches!(request, PlanRequest::Months(_)) {
                    prop_assert!(last.amount() >= s.regular_amount());
                } else {
                    prop_assert!(last.amount() <= s.regular_amount());
                }
            }
        }

        #[test]
        fn month_end_anchors_land_on_the_last_day_of_short_months(
            year in 2000i32..=2100,
            day in 29u32..=31,
            months in 2u32..=24,
        ) {
            // Anchored on 29, 30 or 31 January: February gets its last day (29 in a leap
            // year, 28 otherwise, including 2100, which is not a leap year), every other
            // month the anchor day or its last day.
            let start = NaiveDate::from_ymd_opt(year, 1, day).unwrap();
            let s = build_schedule(eur(1_000_000), PlanRequest::Months(months), start, true).unwrap();
            for i in s.instalments() {
                let expected = day.min(days_in_month(i.due()));
                prop_assert_eq!(i.due().day(), expected);
                if i.due().month() == 2 {
                    let leap = NaiveDate::from_ymd_opt(i.due().year(), 2, 29).is_some();
                    prop_assert_eq!(i.due().day(), if leap { 29 } else { 28 });
                }
            }
        }

        #[test]
        fn picker_bounds_give_acceptable_plans(
            balance in 1i64..10_000_000,
            min in 0i64..200_000,
            max in 1u32..=60,
            start in start_date(),
        ) {
            let r = rules(min, max, true);
            let months = r.max_months_for(eur(balance));
            let s = r.schedule(eur(balance), PlanRequest::Months(months), start);
            prop_assert_eq!(s.map(|s| s.months()), Ok(months));
            // One month more breaks a rule (or leaves zero-cent instalments).
            if months < max {
                prop_assert!(r.schedule(eur(balance), PlanRequest::Months(months + 1), start).is_err());
            }
            let amount = r.min_monthly_amount(eur(balance));
            prop_assert!(r.schedule(eur(balance), PlanRequest::MonthlyAmount(amount), start).is_ok());
            // One cent less breaks a rule: below the minimum, or too many months.
            if amount.cents() > 1 && amount.cents() < balance {
                let less = PlanRequest::MonthlyAmount(eur(amount.cents() - 1));
                prop_assert!(r.schedule(eur(balance), less, start).is_err());
            }
        }
    }
}
