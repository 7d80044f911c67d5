//! The Dutch calendar: the public holidays of the Algemene termijnenwet and working days.
//! Deadlines skip these days (disputes), and the agency may not contact a debtor on them
//! (Besluit kwaliteit incassodienstverlening art. 4.2; the contact hours are in `mail`).

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

/// Whether `day` is a generally recognised public holiday of the Algemene termijnenwet,
/// art. 3 lid 1: New Year's Day, Easter Monday, Ascension Day, Whit Monday, Christmas Day
/// and Boxing Day, the day the King's birthday is celebrated (27 April, or the 26th when the
/// 27th is a Sunday: Besluit van 2013 on Koningsdag), and 5 May, every year (the law names
/// "de vijfde mei" without the lustrum condition some collective agreements add). Good
/// Friday is not one. Easter and Whit Sunday are Sundays anyway. The yearly *Besluit
/// gelijkstelling* adds days that count as holidays; they are configuration, not code
/// (`mail`'s contact hours take them as a list).
pub fn is_public_holiday(day: NaiveDate) -> bool {
    let (year, month, dom) = (day.year(), day.month(), day.day());
    let fixed = matches!((month, dom), (1, 1) | (5, 5) | (12, 25) | (12, 26));
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

    /// Easter Sunday 2024–2035 as the churches publish it (checked against Python's
    /// `dateutil.easter`, an independent implementation).
    #[test]
    fn easter_sundays_match_the_published_table() {
        let table = [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2029, 4, 1),
            (2030, 4, 21),
            (2031, 4, 13),
            (2032, 3, 28),
            (2033, 4, 17),
            (2034, 4, 9),
            (2035, 3, 25),
        ];
        for (y, m, day) in table {
            assert_eq!(easter(y), Some(d(y, m, day)), "{y}");
        }
    }

    proptest::proptest! {
        /// Easter is a Sunday between 22 March and 25 April, in every year.
        #[test]
        fn easter_is_a_sunday_in_its_window(year in 1583i32..4000) {
            let e = easter(year).unwrap();
            proptest::prop_assert_eq!(e.weekday(), Weekday::Sun);
            proptest::prop_assert!(e >= d(year, 3, 22) && e <= d(year, 4, 25));
        }

        /// Each year has the Atw's eight holidays (seven when Ascension falls on 5 May, as
        /// in 2016), and Good Friday is not one of them.
        #[test]
        fn every_year_has_its_holidays(year in 2000i32..2100) {
            let days: Vec<NaiveDate> = (1..=366)
                .filter_map(|o| NaiveDate::from_yo_opt(year, o))
                .filter(|&day| is_public_holiday(day))
                .collect();
            let e = easter(year).unwrap();
            let ascension_on_may_5 = e.checked_add_days(Days::new(39)) == Some(d(year, 5, 5));
            proptest::prop_assert_eq!(days.len(), if ascension_on_may_5 { 7 } else { 8 }, "{:?}", days);
            let good_friday = e.checked_sub_days(Days::new(2)).unwrap();
            proptest::prop_assert!(!is_public_holiday(good_friday));
        }
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
        // 5 May counts every year under the Algemene termijnenwet, not only in lustrum years.
        assert!(is_public_holiday(d(2026, 5, 5)));
        assert!(is_public_holiday(d(2027, 5, 5)));
        assert!(!is_public_holiday(d(2026, 4, 3))); // Good Friday
        // 27 April 2025 was a Sunday: King's Day moved to Saturday the 26th.
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
