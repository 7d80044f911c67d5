//! Money, dates and rates as a Dutch or English reader expects them.

use crate::i18n::Locale;
use chrono::NaiveDate;
use domain::{Lang, Money};

/// The domain's language for a page locale.
pub fn lang(locale: Locale) -> Lang {
    match locale {
        Locale::nl => Lang::Nl,
        Locale::en => Lang::En,
    }
}

/// `€ 1.234,56` or `€1,234.56`.
pub fn money(locale: Locale, amount: Money) -> String {
    // A no-break space keeps "€" with its figures when a narrow screen wraps the line.
    amount.format(lang(locale)).replacen("€ ", "€\u{a0}", 1)
}

/// `29-11-2026` or `29 Nov 2026` ([`Lang::date`]).
pub fn date(locale: Locale, day: NaiveDate) -> String {
    lang(locale).date(day)
}

/// A rate in basis points as a percentage: `6,5%` or `6.5%`.
pub fn percent(locale: Locale, basis_points: u32) -> String {
    let whole = basis_points / 100;
    let fraction = basis_points % 100;
    let text = if fraction == 0 {
        whole.to_string()
    } else if fraction.is_multiple_of(10) {
        format!("{whole}.{}", fraction / 10)
    } else {
        format!("{whole}.{fraction:02}")
    };
    match locale {
        Locale::nl => format!("{}%", text.replace('.', ",")),
        Locale::en => format!("{text}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_keep_only_the_digits_that_matter() {
        assert_eq!(percent(Locale::nl, 600), "6%");
        assert_eq!(percent(Locale::nl, 650), "6,5%");
        assert_eq!(percent(Locale::en, 1225), "12.25%");
        assert_eq!(percent(Locale::en, 5), "0.05%");
    }

    #[test]
    fn dates_are_day_first_in_both_languages() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).expect("date");
        assert_eq!(date(Locale::nl, day), "04-03-2026");
        assert_eq!(date(Locale::en, day), "4 Mar 2026");
        let day = NaiveDate::from_ymd_opt(2026, 12, 31).expect("date");
        assert_eq!(date(Locale::nl, day), "31-12-2026");
        assert_eq!(date(Locale::en, day), "31 Dec 2026");
    }
}
