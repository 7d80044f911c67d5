//! When the agency may write to a debtor.
//!
//! Besluit kwaliteit incassodienstverlening (Stb. 2024, 44), art. 4.2: no contact by e-mail
//! (nor SMS, phone or visit) between 20:00 and 07:00, on Sundays, or on the public holidays
//! of the Algemene termijnenwet (art. 3: [`domain::calendar::is_public_holiday`]), including
//! the days each year's *Besluit gelijkstelling* adds (configuration: `extra_closed_days`).
//! Times are Dutch wall-clock time (Europe/Amsterdam, [`claim::dutch_time`]). A message
//! created outside these hours waits in the outbox for the next allowed moment.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Timelike, Utc, Weekday};

/// The first hour mail may go out (07:00).
pub const OPENS: u32 = 7;
/// The hour from which mail waits again (20:00).
pub const CLOSES: u32 = 20;

/// The contact hours, with the year's extra closed days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactHours {
    extra_closed: BTreeSet<NaiveDate>,
}

impl ContactHours {
    /// The legal hours plus `extra_closed` days (the Besluit gelijkstelling's).
    pub fn new(extra_closed: impl IntoIterator<Item = NaiveDate>) -> Self {
        ContactHours {
            extra_closed: extra_closed.into_iter().collect(),
        }
    }

    /// Whether no mail may go out at all on the Dutch day `day`.
    pub fn is_closed_day(&self, day: NaiveDate) -> bool {
        day.weekday() == Weekday::Sun
            || domain::calendar::is_public_holiday(day)
            || self.extra_closed.contains(&day)
    }

    /// Whether mail may go out at `at`.
    pub fn allows(&self, at: DateTime<Utc>) -> bool {
        let local = claim::dutch_time(at);
        !self.is_closed_day(local.date()) && (OPENS..CLOSES).contains(&local.hour())
    }

    /// `at` when mail may go out then, else the next 07:00 (Dutch time) on a day that is not
    /// closed.
    pub fn next_allowed(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        if self.allows(at) {
            return at;
        }
        let local = claim::dutch_time(at);
        let mut day = if local.hour() < OPENS {
            local.date()
        } else {
            local.date() + Days::new(1)
        };
        // At most a few days in a row are closed (Christmas on a Saturday: Sat, Sun, Mon);
        // the bound only guards against a misconfigured list closing every day.
        for _ in 0..400 {
            if !self.is_closed_day(day) {
                let opens = NaiveTime::from_hms_opt(OPENS, 0, 0).unwrap_or_default();
                return claim::dutch_instant(day.and_time(opens));
            }
            day = day + Days::new(1);
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn weekdays_and_saturdays_from_seven_to_eight() {
        let hours = ContactHours::default();
        // Monday 7 December 2026, winter time (UTC+1).
        assert!(!hours.allows(utc(2026, 12, 7, 5, 59))); // 06:59
        assert!(hours.allows(utc(2026, 12, 7, 6, 0))); // 07:00
        assert!(hours.allows(utc(2026, 12, 7, 18, 59))); // 19:59
        assert!(!hours.allows(utc(2026, 12, 7, 19, 0))); // 20:00
        // Saturday is allowed, Sunday is not.
        assert!(hours.allows(utc(2026, 12, 12, 10, 0)));
        assert!(!hours.allows(utc(2026, 12, 13, 10, 0)));
        // Summer time (UTC+2): 07:00 is 05:00 UTC.
        assert!(hours.allows(utc(2026, 7, 1, 5, 0)));
        assert!(!hours.allows(utc(2026, 7, 1, 4, 59)));
    }

    #[test]
    fn holidays_and_extra_days_are_closed() {
        let hours = ContactHours::new([day(2026, 12, 24)]);
        assert!(!hours.allows(utc(2026, 12, 25, 10, 0))); // Christmas
        assert!(!hours.allows(utc(2026, 12, 26, 10, 0))); // Boxing Day (a Saturday)
        assert!(!hours.allows(utc(2026, 12, 24, 10, 0))); // configured
        assert!(!hours.allows(utc(2026, 4, 27, 10, 0))); // King's Day
        assert!(!hours.allows(utc(2026, 5, 5, 10, 0))); // 5 May
        assert!(hours.allows(utc(2026, 4, 3, 10, 0))); // Good Friday is not a holiday
    }

    #[test]
    fn a_message_written_at_night_waits_for_the_next_open_morning() {
        let hours = ContactHours::default();
        // Wednesday 23 December 2026, 21:30 → Thursday 24th 07:00.
        assert_eq!(
            hours.next_allowed(utc(2026, 12, 23, 20, 30)),
            utc(2026, 12, 24, 6, 0)
        );
        // Thursday 24th 20:15 → Christmas (Fri), Boxing Day (Sat), Sunday closed → Monday 28th.
        assert_eq!(
            hours.next_allowed(utc(2026, 12, 24, 19, 15)),
            utc(2026, 12, 28, 6, 0)
        );
        // Early morning → the same day's 07:00.
        assert_eq!(
            hours.next_allowed(utc(2026, 12, 8, 3, 0)),
            utc(2026, 12, 8, 6, 0)
        );
        // Saturday 28 March 2026 at 21:00 CET → Sunday closed, and summer time starts that
        // night: Monday 30 March 07:00 CEST is 05:00 UTC.
        assert_eq!(
            hours.next_allowed(utc(2026, 3, 28, 20, 0)),
            utc(2026, 3, 30, 5, 0)
        );
        // Saturday 24 October 2026 at 21:00 CEST → Monday 26 October 07:00 CET = 06:00 UTC.
        assert_eq!(
            hours.next_allowed(utc(2026, 10, 24, 19, 0)),
            utc(2026, 10, 26, 6, 0)
        );
        // Inside the hours: at once.
        let now = utc(2026, 12, 8, 9, 0);
        assert_eq!(hours.next_allowed(now), now);
    }

    proptest! {
        /// Whatever the moment (any year, across the summer-time switches), the next allowed
        /// moment is allowed, is not earlier, and no moment between the two is allowed: a
        /// message never waits longer than it must, and never goes out in closed hours.
        #[test]
        fn the_next_allowed_moment_is_the_first_allowed_one(
            minutes in 0i64..(11 * 366 * 24 * 60),
        ) {
            let hours = ContactHours::new([day(2027, 1, 2)]);
            let at = utc(2025, 1, 1, 0, 0) + Duration::minutes(minutes);
            let next = hours.next_allowed(at);
            prop_assert!(next >= at);
            prop_assert!(hours.allows(next), "{at} → {next}");
            let local = claim::dutch_time(next);
            if next != at {
                prop_assert_eq!((local.hour(), local.minute()), (OPENS, 0));
                // Nothing allowed in between (checked every 15 minutes).
                let mut t = at;
                while t < next {
                    prop_assert!(!hours.allows(t), "{t} allowed before {next}");
                    t += Duration::minutes(15);
                }
            }
        }
    }
}
