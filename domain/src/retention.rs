//! When a dossier's data is removed: the one home of the retention rule.
//!
//! - **Seven years after the last claim letter** (configurable): the agency's privacy
//!   statement promises this ("tot zeven jaar nadat we u de laatste vordering gestuurd
//!   hebben"); it matches the tax authority's seven-year record keeping (art. 52 lid 4
//!   Algemene wet inzake rijksbelastingen) the statement names as the reason. A dossier
//!   without a recorded letter counts from the day it was taken on, when the first letter
//!   goes out.
//! - **Never earlier than two years after the dossier closed**: the Besluit kwaliteit
//!   incassodienstverlening (Stb. 2024, 44) art. 5.1–5.2 keeps the file, agreements with
//!   the debtor included, at least that long after closing.
//! - **An open dossier is never removed**: the claim is still being collected (each new
//!   letter moves the date), and the Bki's two years have not begun. Such a dossier past
//!   its letter date is reported for staff to close, not deleted.

use chrono::{DateTime, Months, NaiveDate, Utc};

/// How long an income and expenses statement (`domain::budget`, stored with a payment-plan
/// request together with its payslips and bank statements) is kept after the plan it came with
/// has ended (paid off or defaulted) or was turned down (rejected, countered, declined): twelve
/// months. While that plan is in review or running it is kept, as staff and the debtor may need
/// to look at the assessment again.
///
/// The statement is collected for one purpose, assessing what the debtor can pay under a plan;
/// AVG (GDPR) art. 5 lid 1 (c) (data minimisation) and (e) (storage limitation) mean it may not
/// be kept for as long as the dossier (seven years, [`RetentionPolicy`]) just because the
/// dossier is. A year after the plan is over leaves room for the questions and complaints that
/// follow a plan decision (the debtor's, or a debt counsellor's on their behalf); a new request
/// after that is assessed on a new statement anyway.
/// The hourly housekeeping job deletes what is due (`server::housekeeping`); a dossier removed
/// by its own retention takes its statements with it.
pub const PLAN_BUDGET_KEPT_MONTHS: u32 = 12;

/// The moment a statement whose plan ended at `plan_ended` is deleted.
pub fn plan_budget_kept_until(plan_ended: DateTime<Utc>) -> DateTime<Utc> {
    plan_ended
        .checked_add_months(Months::new(PLAN_BUDGET_KEPT_MONTHS))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// How long data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Years after the last claim letter (7 in the privacy statement).
    pub years_after_letter: u32,
    /// Years after closing at the least (2 under the Bki).
    pub years_after_close: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            years_after_letter: 7,
            years_after_close: 2,
        }
    }
}

/// What the policy says of one dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Kept up to and including `last_day`; removed from the day after.
    Until {
        /// The last day the data is kept.
        last_day: NaiveDate,
    },
    /// Still open: kept while the claim is collected; `letter_date_passed` when the letter
    /// rule alone would have removed it by now (for staff to look at).
    WhileOpen {
        /// The last day the letter rule alone would keep it.
        letter_last_day: NaiveDate,
    },
}

impl RetentionPolicy {
    /// The last day the letter rule keeps data of a dossier whose last letter (or, without
    /// one, whose start) was `last_letter`.
    pub fn letter_last_day(self, last_letter: NaiveDate) -> Option<NaiveDate> {
        add_years(last_letter, self.years_after_letter)
    }

    /// The retention of a dossier: its last claim letter (or the day it was taken on when
    /// none is recorded) and the day it closed (paid or closed; none while open). `None`
    /// only when a date runs off the calendar.
    pub fn retention(
        self,
        last_letter: NaiveDate,
        closed_on: Option<NaiveDate>,
    ) -> Option<Retention> {
        let letter_last_day = self.letter_last_day(last_letter)?;
        let Some(closed_on) = closed_on else {
            return Some(Retention::WhileOpen { letter_last_day });
        };
        let close_last_day = add_years(closed_on, self.years_after_close)?;
        Some(Retention::Until {
            last_day: letter_last_day.max(close_last_day),
        })
    }

    /// Whether the dossier's data is removed on `today`.
    pub fn due(
        self,
        last_letter: NaiveDate,
        closed_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> bool {
        matches!(
            self.retention(last_letter, closed_on),
            Some(Retention::Until { last_day }) if last_day < today
        )
    }
}

/// `years` calendar years after `day` (29 February → 28 February in a common year).
fn add_years(day: NaiveDate, years: u32) -> Option<NaiveDate> {
    day.checked_add_months(Months::new(years.checked_mul(12)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_is_kept_twelve_months_after_its_plan_ended() {
        let ended = DateTime::parse_from_rfc3339("2026-02-28T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            plan_budget_kept_until(ended).to_rfc3339(),
            "2027-02-28T10:00:00+00:00"
        );
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn seven_years_after_the_letter_when_closed_long_before() {
        let policy = RetentionPolicy::default();
        let r = policy.retention(day(2019, 3, 15), Some(day(2019, 6, 1)));
        assert_eq!(
            r,
            Some(Retention::Until {
                last_day: day(2026, 3, 15)
            })
        );
        assert!(!policy.due(day(2019, 3, 15), Some(day(2019, 6, 1)), day(2026, 3, 15)));
        assert!(policy.due(day(2019, 3, 15), Some(day(2019, 6, 1)), day(2026, 3, 16)));
    }

    #[test]
    fn never_before_two_years_after_closing() {
        let policy = RetentionPolicy::default();
        // Letter in 2018, closed in 2025: kept to 2027 although the letter rule says 2025.
        let r = policy.retention(day(2018, 1, 10), Some(day(2025, 5, 20)));
        assert_eq!(
            r,
            Some(Retention::Until {
                last_day: day(2027, 5, 20)
            })
        );
        assert!(!policy.due(day(2018, 1, 10), Some(day(2025, 5, 20)), day(2027, 5, 20)));
        assert!(policy.due(day(2018, 1, 10), Some(day(2025, 5, 20)), day(2027, 5, 21)));
    }

    #[test]
    fn an_open_dossier_is_never_due() {
        let policy = RetentionPolicy::default();
        assert_eq!(
            policy.retention(day(2010, 1, 1), None),
            Some(Retention::WhileOpen {
                letter_last_day: day(2017, 1, 1)
            })
        );
        assert!(!policy.due(day(2010, 1, 1), None, day(2030, 1, 1)));
    }

    #[test]
    fn a_leap_day_letter_is_kept_to_the_28th() {
        let policy = RetentionPolicy::default();
        assert_eq!(
            policy.letter_last_day(day(2024, 2, 29)),
            Some(day(2031, 2, 28))
        );
    }
}
