//! Money as integer euro cents: arithmetic, parsing what people type, and
//! formatting for display.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

/// An amount in euro cents. Never a float.
///
/// Serialises as a bare integer number of cents.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct Money(i64);

impl Money {
    /// Nothing.
    pub const ZERO: Money = Money(0);

    /// An amount of `cents` euro cents.
    pub const fn from_cents(cents: i64) -> Self {
        Money(cents)
    }

    /// The amount in euro cents.
    pub const fn cents(self) -> i64 {
        self.0
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// `self - other`, or `None` on overflow.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// `self * factor`, or `None` on overflow.
    pub fn checked_mul(self, factor: i64) -> Option<Money> {
        self.0.checked_mul(factor).map(Money)
    }

    /// `-self`, or `None` for the one value without a negation.
    pub fn checked_neg(self) -> Option<Money> {
        self.0.checked_neg().map(Money)
    }

    /// The sum of `amounts`, or `None` on overflow.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(amounts: I) -> Option<Money> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, |sum, amount| sum.checked_add(amount))
    }

    /// `self × basis_points / 10 000` (1 basis point = 0.01%), rounded to the
    /// cent, halves away from zero (so half a cent up for positive amounts,
    /// as Dutch invoices round). `None` on overflow.
    ///
    /// Used for WIK bands (1500 = 15%) and VAT (2100 = 21%).
    pub fn checked_mul_bp(self, basis_points: u32) -> Option<Money> {
        let exact = i128::from(self.0) * i128::from(basis_points);
        i64::try_from(div_round_half_away(exact, 10_000))
            .ok()
            .map(Money)
    }

    /// Whether this is exactly zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whether this is more than zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Whether this is less than zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Formats for display: `nl` gives `€ 1.234,56` and `€ -1.234,56`,
    /// `en` gives `€1,234.56` and `-€1,234.56` (the CLDR patterns of both
    /// locales). Always two decimals, so the output parses back unchanged.
    pub fn format(self, lang: Lang) -> String {
        let (thousands, decimal) = match lang {
            Lang::Nl => ('.', ','),
            Lang::En => (',', '.'),
        };
        // unsigned_abs: i64::MIN has no positive i64 counterpart.
        let abs = self.0.unsigned_abs();
        let euros = (abs / 100).to_string();
        let cents = abs % 100;

        let mut number = String::with_capacity(euros.len() + euros.len() / 3 + 3);
        for (i, digit) in euros.chars().enumerate() {
            if i > 0 && (euros.len() - i).is_multiple_of(3) {
                number.push(thousands);
            }
            number.push(digit);
        }
        number.push(decimal);
        number.push_str(&format!("{cents:02}"));

        match (lang, self.is_negative()) {
            (Lang::Nl, false) => format!("€ {number}"),
            (Lang::Nl, true) => format!("€ -{number}"),
            (Lang::En, false) => format!("€{number}"),
            (Lang::En, true) => format!("-€{number}"),
        }
    }

    /// Parses an amount as a person types it; the rules are on the `FromStr`
    /// implementation.
    pub fn parse(input: &str) -> Result<Money, MoneyParseError> {
        input.parse()
    }
}

/// Why typed text is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyParseError {
    /// Nothing but blanks (and perhaps a euro sign).
    #[error("no amount given")]
    Empty,
    /// A minus sign: amounts people enter are never negative.
    #[error("the amount is negative")]
    Negative,
    /// A character that is not a digit, `.` or `,` (a letter, say).
    #[error("unexpected character {0:?} in the amount")]
    InvalidCharacter(char),
    /// More than two digits after the decimal separator.
    #[error("more than two decimals")]
    TooManyDecimals,
    /// Separators in places that make no sense, e.g. `1.2.3`, `12,`, `1,23.4`.
    #[error("the separators are in the wrong places")]
    Malformed,
    /// Too large to hold.
    #[error("the amount is too large")]
    Overflow,
}

impl FromStr for Money {
    type Err = MoneyParseError;

    /// Parses what people type in either language:
    ///
    /// - `12,34`, `12.34`, `12,5` (= 12.50), `1234`, ` 12 `;
    /// - with thousands separators: `1.234,56`, `1,234.56`, `1.234.567`;
    ///   when both `.` and `,` occur, the last one is the decimal separator;
    /// - a lone `.` followed by exactly three digits after a 1–3 digit group
    ///   is a Dutch thousands separator: `1.234` = 1 234 euros;
    /// - a lone `,` is always a decimal comma, so `1,234` is refused (too many
    ///   decimals) rather than guessed;
    /// - an optional `€` or `EUR` before or after, and the Dutch whole-euro
    ///   notation `12,-`.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let mut negative = false;
        let mut s = input.trim();
        // A sign may stand before or after the currency: "-€ 5" and "€ -5".
        for _ in 0..2 {
            if let Some(rest) = strip_minus(s) {
                negative = true;
                s = rest.trim_start();
            }
            if let Some(rest) = strip_currency_prefix(s) {
                s = rest.trim_start();
            }
        }
        if let Some(rest) = strip_currency_suffix(s) {
            s = rest.trim_end();
        }
        // "12,-" and "12,--" mean whole euros in Dutch.
        let whole_euros = [",--", ",-", ".--", ".-"]
            .iter()
            .find_map(|suffix| s.strip_suffix(suffix));
        let had_dash_cents = whole_euros.is_some();
        if let Some(rest) = whole_euros {
            s = rest;
        }

        if s.is_empty() {
            return Err(MoneyParseError::Empty);
        }
        if let Some(bad) = s
            .chars()
            .find(|c| !(c.is_ascii_digit() || *c == '.' || *c == ','))
        {
            return Err(MoneyParseError::InvalidCharacter(bad));
        }

        let (int_part, frac_part, thousands) = split_separators(s)?;
        if had_dash_cents && frac_part.is_some() {
            return Err(MoneyParseError::Malformed);
        }
        let euros = parse_integer_part(int_part, thousands)?;
        let cents = match frac_part {
            None => 0,
            Some("") => return Err(MoneyParseError::Malformed),
            Some(f) if f.len() > 2 => return Err(MoneyParseError::TooManyDecimals),
            // "12,5" is 12.50, not 12.05.
            Some(f) if f.len() == 1 => i64::from(f.as_bytes()[0] - b'0') * 10,
            Some(f) => f.parse::<i64>().map_err(|_| MoneyParseError::Malformed)?,
        };
        if int_part.is_empty() && frac_part.is_none() {
            return Err(MoneyParseError::Malformed);
        }
        // Checked only now so "-abc" reports the letters, not the sign.
        if negative {
            return Err(MoneyParseError::Negative);
        }
        euros
            .checked_mul(100)
            .and_then(|c| c.checked_add(cents))
            .map(Money)
            .ok_or(MoneyParseError::Overflow)
    }
}

fn strip_minus(s: &str) -> Option<&str> {
    // U+2212 is the typographic minus that some keyboards and copy-paste give.
    s.strip_prefix('-').or_else(|| s.strip_prefix('\u{2212}'))
}

fn strip_currency_prefix(s: &str) -> Option<&str> {
    s.strip_prefix('€').or_else(|| {
        s.get(..3)
            .filter(|p| p.eq_ignore_ascii_case("eur"))
            .map(|_| &s[3..])
    })
}

fn strip_currency_suffix(s: &str) -> Option<&str> {
    s.strip_suffix('€').or_else(|| {
        let cut = s.len().checked_sub(3)?;
        s.get(cut..)
            .filter(|p| p.eq_ignore_ascii_case("eur"))
            .map(|_| &s[..cut])
    })
}

/// Splits digits-and-separators into (integer part, decimals, thousands
/// separator) by the rules documented on `from_str`.
fn split_separators(s: &str) -> Result<(&str, Option<&str>, Option<char>), MoneyParseError> {
    let dots = s.matches('.').count();
    let commas = s.matches(',').count();
    let at = |sep: char| s.rfind(sep).map(|i| (&s[..i], Some(&s[i + 1..])));

    let split = match (dots, commas) {
        (0, 0) => (s, None, None),
        (d, c) if d > 0 && c > 0 => {
            let (decimal, thousands, count) = if s.rfind('.') > s.rfind(',') {
                ('.', ',', d)
            } else {
                (',', '.', c)
            };
            if count > 1 {
                return Err(MoneyParseError::Malformed);
            }
            let (int, frac) = at(decimal).ok_or(MoneyParseError::Malformed)?;
            (int, frac, Some(thousands))
        }
        (0, 1) => {
            let (int, frac) = at(',').ok_or(MoneyParseError::Malformed)?;
            (int, frac, None)
        }
        (1, 0) => {
            let (int, frac) = at('.').ok_or(MoneyParseError::Malformed)?;
            let frac = frac.unwrap_or("");
            // "1.234" and "12.500": a Dutch thousands group, not decimals.
            if frac.len() == 3 && (1..=3).contains(&int.len()) && !int.starts_with('0') {
                (s, None, Some('.'))
            } else {
                (int, Some(frac), None)
            }
        }
        (_, 0) => (s, None, Some('.')),
        (0, _) => (s, None, Some(',')),
        _ => return Err(MoneyParseError::Malformed),
    };
    Ok(split)
}

/// Parses whole euros, checking thousands groups (1–3 digits, then exactly 3).
fn parse_integer_part(int: &str, thousands: Option<char>) -> Result<i64, MoneyParseError> {
    let digits: String = match thousands {
        None => int.to_owned(),
        Some(sep) => {
            let mut groups = int.split(sep);
            let first = groups.next().unwrap_or("");
            let first_ok = (1..=3).contains(&first.len());
            let mut rest_ok = true;
            let mut digits = first.to_owned();
            for group in groups {
                rest_ok &= group.len() == 3;
                digits.push_str(group);
            }
            if !(first_ok && rest_ok) {
                return Err(MoneyParseError::Malformed);
            }
            digits
        }
    };
    if digits.contains(['.', ',']) {
        return Err(MoneyParseError::Malformed);
    }
    digits.bytes().try_fold(0i64, |acc, b| {
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or(MoneyParseError::Overflow)
    })
}

/// `num / den` rounded to the nearest integer, halves away from zero.
/// `den` must be positive.
pub(crate) fn div_round_half_away(num: i128, den: i128) -> i128 {
    debug_assert!(den > 0);
    let quotient = num / den;
    let remainder = num % den;
    // Compare 2|r| with den instead of r with den/2 so odd dens round right.
    if 2 * remainder.abs() >= den {
        quotient + num.signum()
    } else {
        quotient
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cents(c: i64) -> Money {
        Money::from_cents(c)
    }

    #[test]
    fn adding_past_the_maximum_is_refused() {
        assert_eq!(
            Money::from_cents(i64::MAX).checked_add(Money::from_cents(1)),
            None
        );
        assert_eq!(
            Money::from_cents(2).checked_add(Money::from_cents(3)),
            Some(Money::from_cents(5))
        );
    }

    #[test]
    fn arithmetic_helpers() {
        assert_eq!(cents(5).checked_sub(cents(7)), Some(cents(-2)));
        assert_eq!(cents(i64::MIN).checked_sub(cents(1)), None);
        assert_eq!(cents(250).checked_mul(3), Some(cents(750)));
        assert_eq!(cents(i64::MAX).checked_mul(2), None);
        assert_eq!(cents(i64::MIN).checked_neg(), None);
        assert_eq!(cents(-4).checked_neg(), Some(cents(4)));
        assert_eq!(
            Money::checked_sum([cents(1), cents(2), cents(3)]),
            Some(cents(6))
        );
        assert_eq!(Money::checked_sum([cents(i64::MAX), cents(1)]), None);
        assert_eq!(Money::checked_sum([]), Some(Money::ZERO));
        assert!(Money::ZERO.is_zero() && !Money::ZERO.is_positive() && !Money::ZERO.is_negative());
        assert!(cents(1).is_positive() && cents(-1).is_negative());
    }

    #[test]
    fn basis_points_round_half_away_from_zero() {
        let cases = [
            // 26667 × 15% = 4000.05 → 4000
            (26_667, 1500, 4000),
            // 26663 × 15% = 3999.45 → 3999
            (26_663, 1500, 3999),
            // 10 × 15% = 1.5 → 2 (half up)
            (10, 1500, 2),
            // 30 × 15% = 4.5 → 5
            (30, 1500, 5),
            // 29 × 15% = 4.35 → 4
            (29, 1500, 4),
            // -10 × 15% = -1.5 → -2 (half away from zero)
            (-10, 1500, -2),
            // 37500 × 21% = 7875 exactly
            (37_500, 2100, 7875),
            // 1 × 50% = 0.5 → 1
            (1, 5000, 1),
            // 0 × anything = 0
            (0, 2100, 0),
        ];
        for (amount, bp, expected) in cents_cases(&cases) {
            assert_eq!(
                amount.checked_mul_bp(bp),
                Some(expected),
                "{amount:?} × {bp} bp"
            );
        }
        // i64::MAX × 200% does not fit.
        assert_eq!(cents(i64::MAX).checked_mul_bp(20_000), None);
    }

    fn cents_cases(cases: &[(i64, u32, i64)]) -> Vec<(Money, u32, Money)> {
        cases
            .iter()
            .map(|&(a, bp, e)| (cents(a), bp, cents(e)))
            .collect()
    }

    #[test]
    fn rounding_helper() {
        assert_eq!(div_round_half_away(7, 2), 4); // 3.5 → 4
        assert_eq!(div_round_half_away(-7, 2), -4); // -3.5 → -4
        assert_eq!(div_round_half_away(5, 3), 2); // 1.67 → 2
        assert_eq!(div_round_half_away(4, 3), 1); // 1.33 → 1
        assert_eq!(div_round_half_away(-4, 3), -1); // -1.33 → -1
        assert_eq!(div_round_half_away(0, 7), 0);
    }

    #[test]
    fn formats_dutch() {
        let cases = [
            (0, "€ 0,00"),
            (5, "€ 0,05"),
            (1234, "€ 12,34"),
            (100_000, "€ 1.000,00"),
            (123_456, "€ 1.234,56"),
            (99_999_999, "€ 999.999,99"),
            (123_456_789, "€ 1.234.567,89"),
            (-123_456, "€ -1.234,56"),
            (-1, "€ -0,01"),
        ];
        for (c, text) in cases {
            assert_eq!(cents(c).format(Lang::Nl), text);
        }
    }

    #[test]
    fn formats_english() {
        let cases = [
            (0, "€0.00"),
            (1234, "€12.34"),
            (123_456, "€1,234.56"),
            (123_456_789, "€1,234,567.89"),
            (-123_456, "-€1,234.56"),
        ];
        for (c, text) in cases {
            assert_eq!(cents(c).format(Lang::En), text);
        }
    }

    #[test]
    fn formats_the_extremes_without_overflow() {
        // i64::MIN = -9 223 372 036 854 775 808 cents.
        assert_eq!(
            cents(i64::MIN).format(Lang::Nl),
            "€ -92.233.720.368.547.758,08"
        );
        assert_eq!(
            cents(i64::MAX).format(Lang::En),
            "€92,233,720,368,547,758.07"
        );
    }

    #[test]
    fn parses_what_people_type() {
        let cases = [
            ("12,34", 1234),
            ("12.34", 1234),
            ("€ 1.234,56", 123_456),
            ("€1,234.56", 123_456),
            ("1234", 123_400),
            // a lone dot before three digits is a Dutch thousands separator
            ("1.234", 123_400),
            ("12.500", 1_250_000),
            // one decimal means tens of cents
            ("12,5", 1250),
            ("12.5", 1250),
            (" 12 ", 1200),
            ("\t12\u{a0}", 1200),
            ("0", 0),
            ("0,01", 1),
            (",50", 50),
            (".5", 50),
            ("007,10", 710),
            ("1.234.567", 123_456_700),
            ("1,234,567", 123_456_700),
            ("1.234.567,8", 123_456_780),
            ("1,234,567.89", 123_456_789),
            ("1234,56", 123_456),
            ("1234.56", 123_456),
            ("12,-", 1200),
            ("€ 1.250,--", 125_000),
            ("EUR 12,34", 1234),
            ("eur12", 1200),
            ("12,34 €", 1234),
            ("12 EUR", 1200),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<Money>(), Ok(cents(expected)), "{text:?}");
        }
        assert_eq!(Money::parse("12,34"), Ok(cents(1234)));
    }

    #[test]
    fn refuses_with_a_reason() {
        use MoneyParseError::*;
        let cases = [
            ("", Empty),
            ("   ", Empty),
            ("€", Empty),
            ("€ ", Empty),
            ("-12", Negative),
            ("-€ 12,00", Negative),
            ("€ -12,00", Negative),
            ("\u{2212}5", Negative),
            ("-0", Negative),
            ("12,345", TooManyDecimals),
            ("1,234", TooManyDecimals),
            ("12.3456", TooManyDecimals),
            // "0" cannot lead a thousands group, so these are three decimals
            ("0.123", TooManyDecimals),
            ("1234.567", TooManyDecimals),
            ("1.234,567", TooManyDecimals),
            ("abc", InvalidCharacter('a')),
            ("12a", InvalidCharacter('a')),
            ("-abc", InvalidCharacter('a')),
            ("1 234", InvalidCharacter(' ')),
            ("+12", InvalidCharacter('+')),
            ("12-", InvalidCharacter('-')),
            ("$12", InvalidCharacter('$')),
            ("1e5", InvalidCharacter('e')),
            ("12,", Malformed),
            ("12.", Malformed),
            (".", Malformed),
            (",", Malformed),
            ("1.2.3", Malformed),
            ("1,2,3", Malformed),
            ("1,23.4,5", Malformed),
            ("12,34.56,78", Malformed),
            ("1.23,45", Malformed),
            ("1234.567,00", Malformed),
            ("12,5-", InvalidCharacter('-')),
            ("12,50,-", Malformed),
            ("92233720368547758,08", Overflow),
            ("99999999999999999999", Overflow),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<Money>(), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn largest_amount_parses() {
        // i64::MAX cents = 92 233 720 368 547 758.07 euros
        assert_eq!("92233720368547758,07".parse::<Money>(), Ok(cents(i64::MAX)));
    }

    #[test]
    fn serialises_as_bare_cents() {
        assert_eq!(serde_json::to_string(&cents(1234)).unwrap(), "1234");
        assert_eq!(serde_json::from_str::<Money>("-5").unwrap(), cents(-5));
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(c in 0..=i64::MAX) {
            for lang in Lang::ALL {
                let text = cents(c).format(lang);
                prop_assert_eq!(text.parse::<Money>(), Ok(cents(c)), "{}", text);
            }
        }

        #[test]
        fn small_amounts_round_trip(c in 0i64..10_000_000) {
            for lang in Lang::ALL {
                prop_assert_eq!(cents(c).format(lang).parse::<Money>(), Ok(cents(c)));
            }
        }

        #[test]
        fn negative_amounts_format_and_are_refused(c in i64::MIN..0) {
            for lang in Lang::ALL {
                let text = cents(c).format(lang);
                prop_assert!(text.contains('-'));
                prop_assert_eq!(text.parse::<Money>(), Err(MoneyParseError::Negative));
            }
        }
    }
}
