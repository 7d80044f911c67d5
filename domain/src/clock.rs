//! The Dutch wall clock (Europe/Amsterdam): the calendar day of an instant, for dating
//! ledger entries and for "today", and back from a Dutch time to the instant.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, TimeDelta, Utc, Weekday};

/// The calendar day in the Netherlands (Europe/Amsterdam) at `at`.
///
/// Ledger entries are stored with a UTC instant; a payment at 00:30 on 1 March Dutch time is
/// 23:30 on 28 February in UTC, and the debtor (and the interest) count it on 1 March. The
/// offset follows the EU summer-time rule (Directive 2000/84/EC, unchanged since 1996): UTC+2
/// from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October,
/// UTC+1 otherwise. Written out here rather than pulling in a time-zone database for one zone.
pub fn dutch_date(at: DateTime<Utc>) -> NaiveDate {
    dutch_time(at).date()
}

/// The wall-clock time in the Netherlands at `at` (see [`dutch_date`] for the rule).
pub fn dutch_time(at: DateTime<Utc>) -> NaiveDateTime {
    let year = at.year();
    let summer = match (last_sunday(year, 3), last_sunday(year, 10)) {
        (Some(start), Some(end)) => {
            let switch = |day: NaiveDate| day.and_hms_opt(1, 0, 0).map(|t| t.and_utc());
            matches!((switch(start), switch(end)), (Some(s), Some(e)) if s <= at && at < e)
        }
        // Only at the very ends of chrono's range; winter time is as good a guess as any.
        _ => false,
    };
    let offset = TimeDelta::hours(if summer { 2 } else { 1 });
    at.checked_add_signed(offset).unwrap_or(at).naive_utc()
}

/// The instant at which the Dutch wall clock shows `local`. For the hour that does not exist
/// (02:00–03:00 on the last Sunday of March) or happens twice (the same hour in October) it
/// picks one of the candidates; callers ask for whole daytime hours, which are never such.
pub fn dutch_instant(local: NaiveDateTime) -> DateTime<Utc> {
    let winter = local.and_utc() - TimeDelta::hours(1);
    if dutch_time(winter) == local {
        winter
    } else {
        local.and_utc() - TimeDelta::hours(2)
    }
}

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let last = NaiveDate::from_ymd_opt(year, month + 1, 1)?.pred_opt()?;
    let back = last.weekday().days_since(Weekday::Sun);
    last.checked_sub_days(Days::new(u64::from(back)))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn last_sundays_of_march_and_october() {
        assert_eq!(last_sunday(2026, 3), Some(day(2026, 3, 29)));
        assert_eq!(last_sunday(2026, 10), Some(day(2026, 10, 25)));
        assert_eq!(last_sunday(2025, 3), Some(day(2025, 3, 30)));
        assert_eq!(last_sunday(2024, 3), Some(day(2024, 3, 31))); // the 31st is a Sunday
    }

    #[test]
    fn a_dutch_wall_clock_time_maps_back_to_its_instant() {
        let seven = |y, m, d| day(y, m, d).and_hms_opt(7, 0, 0).unwrap();
        assert_eq!(dutch_instant(seven(2026, 12, 7)), utc(2026, 12, 7, 6, 0));
        assert_eq!(dutch_instant(seven(2026, 7, 1)), utc(2026, 7, 1, 5, 0));
        // The switch days themselves: 07:00 is after either switch.
        assert_eq!(dutch_instant(seven(2026, 3, 29)), utc(2026, 3, 29, 5, 0));
        assert_eq!(dutch_instant(seven(2026, 10, 25)), utc(2026, 10, 25, 6, 0));
    }

    #[test]
    fn winter_time_is_utc_plus_one() {
        assert_eq!(dutch_date(utc(2026, 2, 28, 22, 59)), day(2026, 2, 28));
        assert_eq!(dutch_date(utc(2026, 2, 28, 23, 0)), day(2026, 3, 1));
        // New Year's Eve: the Dutch new year starts at 23:00 UTC.
        assert_eq!(dutch_date(utc(2025, 12, 31, 23, 30)), day(2026, 1, 1));
    }

    #[test]
    fn the_wall_clock_time_follows_the_same_switches() {
        let local = |at| dutch_time(at).format("%Y-%m-%d %H:%M").to_string();
        assert_eq!(local(utc(2026, 12, 7, 6, 31)), "2026-12-07 07:31");
        assert_eq!(local(utc(2026, 7, 1, 6, 31)), "2026-07-01 08:31");
        assert_eq!(local(utc(2026, 10, 25, 0, 59)), "2026-10-25 02:59");
        assert_eq!(local(utc(2026, 10, 25, 1, 0)), "2026-10-25 02:00");
    }

    #[test]
    fn summer_time_is_utc_plus_two_between_the_switches() {
        assert_eq!(dutch_date(utc(2026, 6, 30, 21, 59)), day(2026, 6, 30));
        assert_eq!(dutch_date(utc(2026, 6, 30, 22, 0)), day(2026, 7, 1));
        // Switch to summer time at 01:00 UTC on 29 March 2026.
        assert_eq!(dutch_date(utc(2026, 3, 29, 0, 59)), day(2026, 3, 29));
        assert_eq!(dutch_date(utc(2026, 3, 28, 22, 30)), day(2026, 3, 28)); // 23:30 CET
        assert_eq!(dutch_date(utc(2026, 4, 1, 22, 30)), day(2026, 4, 2)); // 00:30 CEST
        // Back to winter time at 01:00 UTC on 25 October 2026.
        assert_eq!(dutch_date(utc(2026, 10, 24, 22, 30)), day(2026, 10, 25)); // 00:30 CEST
        assert_eq!(dutch_date(utc(2026, 10, 25, 22, 30)), day(2026, 10, 25)); // 23:30 CET
    }
}
