//! Working days in the Netherlands: Monday to Friday except the national public holidays
//! (the days of the Algemene termijnenwet, which deadlines skip).

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday (Gregorian), by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
pub fn easter(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Whether `day` is a national public holiday: New Year's Day, Good Friday is *not* one,
/// Easter Monday, King's Day (27 April, the 26th when the 27th is a Sunday), Liberation Day
/// (5 May, a day off in lustrum years only), Ascension Day, Whit Monday, Christmas Day and
/// Boxing Day. (Easter and Whit Sunday fall on Sundays anyway.)
pub fn is_public_holiday(day: NaiveDate) -> bool {
    let (year, month, dom) = (day.year(), day.month(), day.day());
    let fixed = matches!((month, dom), (1, 1) | (12, 25) | (12, 26))
        || (month == 5 && dom == 5 && year % 5 == 0);
    let kings_day = NaiveDate::from_ymd_opt(year, 4, 27).map(|d| {
        if d.weekday() == Weekday::Sun {
            d.pred_opt().unwrap_or(d)
        } else {
            d
        }
    });
    let easter_based = easter(year).is_some_and(|e| {
        [1u64, 39, 50]
            .iter()
            .any(|&offset| e.checked_add_days(Days::new(offset)) == Some(day))
    });
    fixed || kings_day == Some(day) || easter_based
}

/// Whether `day` is a working day.
pub fn is_working_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !is_public_holiday(day)
}

/// The `n`-th working day after `day` (not counting `day` itself); `None` only at the end of
/// the calendar.
pub fn add_working_days(day: NaiveDate, n: u32) -> Option<NaiveDate> {
    let mut current = day;
    let mut left = n;
    while left > 0 {
        current = current.succ_opt()?;
        if is_working_day(current) {
            left -= 1;
        }
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_sundays() {
        assert_eq!(easter(2024), Some(d(2024, 3, 31)));
        assert_eq!(easter(2025), Some(d(2025, 4, 20)));
        assert_eq!(easter(2026), Some(d(2026, 4, 5)));
        assert_eq!(easter(2027), Some(d(2027, 3, 28)));
    }

    #[test]
    fn holidays_of_2026() {
        for day in [
            d(2026, 1, 1),
            d(2026, 4, 6),  // Easter Monday
            d(2026, 4, 27), // King's Day (a Monday)
            d(2026, 5, 14), // Ascension
            d(2026, 5, 25), // Whit Monday
            d(2026, 12, 25),
            d(2026, 12, 26),
        ] {
            assert!(is_public_holiday(day), "{day}");
        }
        assert!(!is_public_holiday(d(2026, 5, 5))); // not a lustrum year
        assert!(is_public_holiday(d(2025, 5, 5)));
        assert!(!is_public_holiday(d(2026, 4, 3))); // Good Friday
        // 27 April 2025 is a Sunday: King's Day moves to Saturday the 26th.
        assert!(is_public_holiday(d(2025, 4, 26)));
    }

    #[test]
    fn two_working_days_skip_weekends_and_holidays() {
        // Thursday → Monday.
        assert_eq!(add_working_days(d(2026, 3, 5), 2), Some(d(2026, 3, 9)));
        // Friday → Tuesday.
        assert_eq!(add_working_days(d(2026, 3, 6), 2), Some(d(2026, 3, 10)));
        // Saturday → Tuesday.
        assert_eq!(add_working_days(d(2026, 3, 7), 2), Some(d(2026, 3, 10)));
        // Thursday before Easter 2026 → Tuesday 7 April (Easter Monday skipped).
        assert_eq!(add_working_days(d(2026, 4, 2), 2), Some(d(2026, 4, 7)));
        // Christmas Eve 2026 (Thursday) → Tuesday 29 December.
        assert_eq!(add_working_days(d(2026, 12, 24), 2), Some(d(2026, 12, 29)));
        assert_eq!(add_working_days(d(2026, 3, 5), 0), Some(d(2026, 3, 5)));
    }
}
