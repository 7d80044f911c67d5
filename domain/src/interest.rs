//! Dutch statutory interest (wettelijke rente): art. 6:119 BW for consumer
//! (non-commercial) claims and art. 6:119a BW for commercial ones.
//!
//! # Method
//!
//! - **Days.** Interest runs for every day after the due date up to and
//!   including the as-of date: from a due date of 1 March to an as-of date of
//!   10 March is 9 days.
//! - **Day count.** Actual/actual by calendar year: a day in a leap year earns
//!   `rate / 366`, any other day `rate / 365`. So a full calendar year earns
//!   exactly the annual rate, and lines are split at 1 January.
//! - **Compounding** (art. 6:119 lid 2, also for 6:119a via its lid 3): at
//!   the end of each year counted from the due date, the interest over that
//!   year is added to the amount interest is computed on. A year ends on the
//!   anniversary of the due date (for a due date of 29 February: 28 February
//!   in common years). Interest of an unfinished year is not added.
//! - **Rounding.** Each line (a stretch of days with one rate, one base and
//!   one year length) is rounded to the cent, halves up. A year's interest is
//!   the sum of its rounded lines, so the figures shown always add up.
//! - **Pauses** ([`statutory_interest_paused`]): days inside a pause (a
//!   disputed invoice on hold, a plan under which the agency stops interest)
//!   earn nothing and show as lines marked [`InterestLine::paused`] with zero
//!   interest. A pause removes days, never years: the anniversaries stay
//!   where the due date puts them, and a year's interest (less its paused
//!   days) is added to the base at its anniversary as usual, so a year that
//!   is paused throughout adds nothing. Where a pause splits a stretch of one
//!   rate, base and year length, the unpaused pieces are priced on their
//!   running day count (each piece is the rounded interest up to its end less
//!   the rounded interest up to its start), so the pieces add up to the
//!   stretch's unpaused days priced once: a pause can never raise the
//!   interest by rounding, and without pauses every figure is as before.
//!
//! # Rates
//!
//! The rates are data: `domain/data/statutory-interest-rates.csv`, each row with
//! its source, read by [`crate::rates`] (the operator may install a newer file at
//! start). They change at most per half year (1 January, 1 July). A row that
//! repeats the rate before it changes nothing here (no line is split at it).

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::money::{Money, div_round_half_away};

/// Which statutory rate applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum InterestKind {
    /// Art. 6:119 BW: claims on consumers (niet-handelstransacties).
    Consumer,
    /// Art. 6:119a BW: claims between businesses (handelstransacties).
    Commercial,
}

/// A rate in force from `from` until the next row's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct RateChange {
    from: NaiveDate,
    rate_bp: u32,
}

impl RateChange {
    /// First day the rate applies.
    pub const fn from(self) -> NaiveDate {
        self.from
    }

    /// Yearly rate in basis points (hundredths of a percent: 805 = 8.05%).
    pub const fn rate_bp(self) -> u32 {
        self.rate_bp
    }
}

impl RateChange {
    /// A rate of `rate_bp` basis points from `from`.
    pub const fn new(from: NaiveDate, rate_bp: u32) -> RateChange {
        RateChange { from, rate_bp }
    }
}

/// The last day for which the rate table in use is known to be complete
/// ([`crate::rates::RateTable::covered_until`]). Past it the last rate is
/// assumed to continue, and breakdowns say so
/// ([`InterestBreakdown::uses_unreviewed_rates`]).
pub fn rates_reviewed_until() -> NaiveDate {
    crate::rates::current().covered_until()
}

impl InterestKind {
    /// The article of the Civil Code, for display.
    pub const fn article(self) -> &'static str {
        match self {
            InterestKind::Consumer => "art. 6:119 BW",
            InterestKind::Commercial => "art. 6:119a BW",
        }
    }

    /// The rate table in use, oldest first.
    pub fn rates(self) -> &'static [RateChange] {
        crate::rates::current().rates(self)
    }

    /// The yearly rate in basis points on `date`, or `None` before the table.
    pub fn rate_on(self, date: NaiveDate) -> Option<u32> {
        self.rates()
            .iter()
            .rev()
            .find(|change| change.from <= date)
            .map(|change| change.rate_bp)
    }

    /// The first day strictly after `date` on which the rate differs from the
    /// rate on `date`, if any (a row repeating the rate is no change).
    fn next_change_after(self, date: NaiveDate) -> Option<NaiveDate> {
        let current = self.rate_on(date);
        self.rates()
            .iter()
            .find(|c| c.from > date && Some(c.rate_bp) != current)
            .map(|c| c.from)
    }
}

/// A stretch of days with one rate, one base and one year length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InterestLine {
    from: NaiveDate,
    to: NaiveDate,
    days: u32,
    rate_bp: u32,
    year_days: u32,
    base: Money,
    interest: Money,
    paused: bool,
}

impl InterestLine {
    /// First day counted.
    pub const fn from(self) -> NaiveDate {
        self.from
    }

    /// Last day counted (inclusive).
    pub const fn to(self) -> NaiveDate {
        self.to
    }

    /// Number of days, `to − from + 1`.
    pub const fn days(self) -> u32 {
        self.days
    }

    /// Yearly rate in basis points.
    pub const fn rate_bp(self) -> u32 {
        self.rate_bp
    }

    /// 365, or 366 in a leap year: the divisor of the day count.
    pub const fn year_days(self) -> u32 {
        self.year_days
    }

    /// The amount interest is computed on.
    pub const fn base(self) -> Money {
        self.base
    }

    /// `base × rate × days / year_days`, rounded to the cent (half up); zero
    /// when [`InterestLine::paused`]. Next to a pause in the same stretch, see
    /// the module docs for how the pieces are priced.
    pub const fn interest(self) -> Money {
        self.interest
    }

    /// Whether these days fall in a pause and earn nothing.
    pub const fn paused(self) -> bool {
        self.paused
    }
}

/// Days on which no interest runs, `from` to `until` inclusive (e.g. while a
/// disputed invoice is on hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Pause {
    from: NaiveDate,
    until: NaiveDate,
}

impl Pause {
    /// A pause from `from` to `until` inclusive; `None` when `until` is before
    /// `from`.
    pub fn new(from: NaiveDate, until: NaiveDate) -> Option<Pause> {
        (from <= until).then_some(Pause { from, until })
    }

    /// First paused day.
    pub const fn from(self) -> NaiveDate {
        self.from
    }

    /// Last paused day (inclusive).
    pub const fn until(self) -> NaiveDate {
        self.until
    }
}

/// Sorts and merges overlapping or adjacent pauses.
fn merged(pauses: &[Pause]) -> Vec<Pause> {
    let mut sorted = pauses.to_vec();
    sorted.sort_by_key(|p| (p.from, p.until));
    let mut out: Vec<Pause> = Vec::with_capacity(sorted.len());
    for pause in sorted {
        match out.last_mut() {
            Some(last) if last.until.succ_opt().is_none_or(|next| pause.from <= next) => {
                last.until = last.until.max(pause.until);
            }
            _ => out.push(pause),
        }
    }
    out
}

/// One year counted from the due date (the last one may be unfinished).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterestYear {
    number: u32,
    from: NaiveDate,
    to: NaiveDate,
    complete: bool,
    base: Money,
    interest: Money,
    lines: Vec<InterestLine>,
}

impl InterestYear {
    /// 1 for the first year after the due date.
    pub const fn number(&self) -> u32 {
        self.number
    }

    /// First day counted in this year.
    pub const fn from(&self) -> NaiveDate {
        self.from
    }

    /// Last day counted: the anniversary of the due date, or the as-of date.
    pub const fn to(&self) -> NaiveDate {
        self.to
    }

    /// Whether the year ran to its anniversary, so its interest is added to
    /// the base of the next year.
    pub const fn complete(&self) -> bool {
        self.complete
    }

    /// Principal plus the interest of earlier complete years.
    pub const fn base(&self) -> Money {
        self.base
    }

    /// Sum of the lines.
    pub const fn interest(&self) -> Money {
        self.interest
    }

    /// The lines, in date order.
    pub fn lines(&self) -> &[InterestLine] {
        &self.lines
    }
}

/// Statutory interest on one amount from its due date to an as-of date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterestBreakdown {
    kind: InterestKind,
    principal: Money,
    due_date: NaiveDate,
    as_of: NaiveDate,
    years: Vec<InterestYear>,
    total: Money,
    uses_unreviewed_rates: bool,
}

impl InterestBreakdown {
    /// Consumer or commercial.
    pub const fn kind(&self) -> InterestKind {
        self.kind
    }

    /// The amount that was due.
    pub const fn principal(&self) -> Money {
        self.principal
    }

    /// The due date (interest runs from the day after).
    pub const fn due_date(&self) -> NaiveDate {
        self.due_date
    }

    /// The last day counted.
    pub const fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// The years from the due date, empty when `as_of` is not after it.
    pub fn years(&self) -> &[InterestYear] {
        &self.years
    }

    /// Every line of every year, in date order.
    pub fn lines(&self) -> impl Iterator<Item = &InterestLine> {
        self.years.iter().flat_map(|year| year.lines.iter())
    }

    /// All interest owed up to `as_of`.
    pub const fn total(&self) -> Money {
        self.total
    }

    /// Whether days after [`rates_reviewed_until`] were counted at the last
    /// known rate; the figure may change when the table is updated.
    pub const fn uses_unreviewed_rates(&self) -> bool {
        self.uses_unreviewed_rates
    }
}

/// Why interest cannot be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InterestError {
    /// A negative principal.
    #[error("interest needs a principal that is not negative")]
    NegativePrincipal,
    /// Interest would run on a day before the rate table starts.
    #[error("no statutory rate known for {0}")]
    BeforeRateTable(NaiveDate),
    /// A date beyond what the calendar can represent.
    #[error("date out of range")]
    DateOutOfRange,
    /// An amount too large to hold.
    #[error("amount too large")]
    Overflow,
}

/// Computes statutory interest on `principal`, due on `due_date`, for the
/// days after it up to and including `as_of`. See the module docs for the
/// method.
///
/// For a claim of several invoices, call once per invoice and add up.
pub fn statutory_interest(
    kind: InterestKind,
    principal: Money,
    due_date: NaiveDate,
    as_of: NaiveDate,
) -> Result<InterestBreakdown, InterestError> {
    statutory_interest_paused(kind, principal, due_date, as_of, &[])
}

/// [`statutory_interest`] with days on which no interest runs. Pauses may
/// overlap and reach outside the counted days. See the module docs for how
/// pauses combine with compounding and rounding.
pub fn statutory_interest_paused(
    kind: InterestKind,
    principal: Money,
    due_date: NaiveDate,
    as_of: NaiveDate,
    pauses: &[Pause],
) -> Result<InterestBreakdown, InterestError> {
    let pauses = merged(pauses);
    if principal.is_negative() {
        return Err(InterestError::NegativePrincipal);
    }
    let mut years = Vec::new();
    let mut base = principal;
    let mut total = Money::ZERO;
    let first_day = due_date.succ_opt().ok_or(InterestError::DateOutOfRange)?;
    if first_day <= as_of && kind.rate_on(first_day).is_none() {
        return Err(InterestError::BeforeRateTable(first_day));
    }

    let mut year_from = first_day;
    let mut number = 1u32;
    while year_from <= as_of {
        // From the original due date each time, so 29 February stays the anchor.
        let anniversary = due_date
            .checked_add_months(Months::new(
                number
                    .checked_mul(12)
                    .ok_or(InterestError::DateOutOfRange)?,
            ))
            .ok_or(InterestError::DateOutOfRange)?;
        let year_to = anniversary.min(as_of);
        let lines = year_lines(kind, base, year_from, year_to, &pauses)?;
        let interest =
            Money::checked_sum(lines.iter().map(|l| l.interest)).ok_or(InterestError::Overflow)?;
        let complete = year_to == anniversary;
        years.push(InterestYear {
            number,
            from: year_from,
            to: year_to,
            complete,
            base,
            interest,
            lines,
        });
        total = total.checked_add(interest).ok_or(InterestError::Overflow)?;
        if complete {
            base = base.checked_add(interest).ok_or(InterestError::Overflow)?;
        }
        year_from = year_to.succ_opt().ok_or(InterestError::DateOutOfRange)?;
        number += 1;
    }

    Ok(InterestBreakdown {
        kind,
        principal,
        due_date,
        as_of,
        years,
        total,
        uses_unreviewed_rates: as_of > rates_reviewed_until(),
    })
}

/// Splits `from..=to` at rate changes and at 1 January and prices each piece;
/// within a piece, paused days become lines of their own with no interest.
fn year_lines(
    kind: InterestKind,
    base: Money,
    from: NaiveDate,
    to: NaiveDate,
    pauses: &[Pause],
) -> Result<Vec<InterestLine>, InterestError> {
    let mut lines = Vec::new();
    let mut start = from;
    while start <= to {
        let rate_bp = kind
            .rate_on(start)
            .ok_or(InterestError::BeforeRateTable(start))?;
        let next_year =
            NaiveDate::from_ymd_opt(start.year() + 1, 1, 1).ok_or(InterestError::DateOutOfRange)?;
        let mut next = next_year;
        if let Some(change) = kind.next_change_after(start) {
            next = next.min(change);
        }
        let end = to.min(next.pred_opt().ok_or(InterestError::DateOutOfRange)?);
        let year_days: u32 = if start.leap_year() { 366 } else { 365 };
        // Interest on the first `days` counted days of this stretch, rounded.
        let priced = |days: u32| -> Result<Money, InterestError> {
            let exact = i128::from(base.cents()) * i128::from(rate_bp) * i128::from(days);
            let cents = div_round_half_away(exact, 10_000 * i128::from(year_days));
            i64::try_from(cents)
                .map(Money::from_cents)
                .map_err(|_| InterestError::Overflow)
        };
        let mut counted = 0u32;
        let mut counted_interest = Money::ZERO;
        for (piece_from, piece_to, paused) in pieces(start, end, pauses)? {
            let days = u32::try_from((piece_to - piece_from).num_days() + 1)
                .map_err(|_| InterestError::DateOutOfRange)?;
            let interest = if paused {
                Money::ZERO
            } else {
                counted = counted
                    .checked_add(days)
                    .ok_or(InterestError::DateOutOfRange)?;
                let up_to = priced(counted)?;
                let interest = up_to
                    .checked_sub(counted_interest)
                    .ok_or(InterestError::Overflow)?;
                counted_interest = up_to;
                interest
            };
            lines.push(InterestLine {
                from: piece_from,
                to: piece_to,
                days,
                rate_bp,
                year_days,
                base,
                interest,
                paused,
            });
        }
        start = end.succ_opt().ok_or(InterestError::DateOutOfRange)?;
    }
    Ok(lines)
}

/// `from..=to` cut at the edges of the (merged, sorted) pauses: (from, to, paused).
fn pieces(
    from: NaiveDate,
    to: NaiveDate,
    pauses: &[Pause],
) -> Result<Vec<(NaiveDate, NaiveDate, bool)>, InterestError> {
    let mut out = Vec::new();
    let mut start = from;
    for pause in pauses {
        if pause.until < start {
            continue;
        }
        if pause.from > to {
            break;
        }
        if pause.from > start {
            let before = pause.from.pred_opt().ok_or(InterestError::DateOutOfRange)?;
            out.push((start, before, false));
        }
        let paused_to = pause.until.min(to);
        out.push((pause.from.max(start), paused_to, true));
        if paused_to == to {
            return Ok(out);
        }
        start = paused_to.succ_opt().ok_or(InterestError::DateOutOfRange)?;
    }
    out.push((start, to, false));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn eur(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    /// (from, to, days, rate_bp, year_days, base cents, interest cents) per line.
    type Row = (NaiveDate, NaiveDate, u32, u32, u32, i64, i64);

    fn rows(b: &InterestBreakdown) -> Vec<Row> {
        b.lines()
            .map(|l| {
                (
                    l.from(),
                    l.to(),
                    l.days(),
                    l.rate_bp(),
                    l.year_days(),
                    l.base().cents(),
                    l.interest().cents(),
                )
            })
            .collect()
    }

    #[test]
    fn tables_are_ordered_and_start_in_2015() {
        for kind in [InterestKind::Consumer, InterestKind::Commercial] {
            let rates = kind.rates();
            assert_eq!(rates[0].from(), d(2015, 1, 1));
            assert!(rates.windows(2).all(|w| w[0].from() < w[1].from()));
            // Rates change only on 1 January or 1 July.
            assert!(
                rates
                    .iter()
                    .all(|r| r.from().day() == 1 && matches!(r.from().month(), 1 | 7))
            );
            assert!(rates.last().unwrap().from() <= rates_reviewed_until());
        }
    }

    #[test]
    fn rate_lookup_by_date() {
        use InterestKind::*;
        let cases = [
            (Consumer, d(2014, 12, 31), None),
            (Consumer, d(2015, 1, 1), Some(200)),
            (Consumer, d(2022, 12, 31), Some(200)),
            (Consumer, d(2023, 6, 30), Some(400)),
            (Consumer, d(2023, 7, 1), Some(600)),
            (Consumer, d(2024, 12, 31), Some(700)),
            (Consumer, d(2025, 1, 1), Some(600)),
            (Consumer, d(2026, 3, 1), Some(400)),
            (Commercial, d(2016, 6, 30), Some(805)),
            (Commercial, d(2016, 7, 1), Some(800)),
            (Commercial, d(2023, 1, 1), Some(1050)),
            (Commercial, d(2023, 7, 1), Some(1200)),
            (Commercial, d(2024, 6, 30), Some(1250)),
            (Commercial, d(2024, 7, 1), Some(1225)),
            (Commercial, d(2025, 1, 1), Some(1115)),
            (Commercial, d(2025, 7, 1), Some(1015)),
            (Commercial, d(2030, 1, 1), Some(1015)),
        ];
        for (kind, date, expected) in cases {
            assert_eq!(kind.rate_on(date), expected, "{kind:?} {date}");
        }
        assert_eq!(Consumer.article(), "art. 6:119 BW");
        assert_eq!(Commercial.article(), "art. 6:119a BW");
    }

    #[test]
    fn consumer_year_across_a_mid_year_rate_change() {
        // €1,000 due 2022-12-31; as of 2023-12-31 is exactly one year (2023, 365 days).
        let b = statutory_interest(
            InterestKind::Consumer,
            eur(1_000_00),
            d(2022, 12, 31),
            d(2023, 12, 31),
        )
        .unwrap();
        assert_eq!(
            rows(&b),
            [
                // 100000 × 4% × 181/365 = 1983.56 → 1984
                (
                    d(2023, 1, 1),
                    d(2023, 6, 30),
                    181,
                    400,
                    365,
                    1_000_00,
                    19_84
                ),
                // 100000 × 6% × 184/365 = 3024.66 → 3025
                (
                    d(2023, 7, 1),
                    d(2023, 12, 31),
                    184,
                    600,
                    365,
                    1_000_00,
                    30_25
                ),
            ]
        );
        assert_eq!(b.total(), eur(50_09)); // 1984 + 3025
        assert_eq!(b.years().len(), 1);
        assert!(b.years()[0].complete());
        assert!(!b.uses_unreviewed_rates());
    }

    #[test]
    fn commercial_across_the_july_2024_change_in_a_leap_year() {
        // €10,000 due 2024-06-15, as of 2024-07-15: 15 days at 12.5%, 15 at 12.25%, /366.
        let b = statutory_interest(
            InterestKind::Commercial,
            eur(10_000_00),
            d(2024, 6, 15),
            d(2024, 7, 15),
        )
        .unwrap();
        assert_eq!(
            rows(&b),
            [
                // 1000000 × 12.5% × 15/366 = 5122.95 → 5123
                (
                    d(2024, 6, 16),
                    d(2024, 6, 30),
                    15,
                    1250,
                    366,
                    10_000_00,
                    51_23
                ),
                // 1000000 × 12.25% × 15/366 = 5020.49 → 5020
                (
                    d(2024, 7, 1),
                    d(2024, 7, 15),
                    15,
                    1225,
                    366,
                    10_000_00,
                    50_20
                ),
            ]
        );
        assert_eq!(b.total(), eur(101_43)); // 5123 + 5020
        assert!(!b.years()[0].complete());
    }

    #[test]
    fn compounds_on_the_anniversary_of_the_due_date() {
        // €1,000 due 2023-06-30, as of 2025-06-30: two full years.
        let b = statutory_interest(
            InterestKind::Consumer,
            eur(1_000_00),
            d(2023, 6, 30),
            d(2025, 6, 30),
        )
        .unwrap();
        assert_eq!(
            rows(&b),
            [
                // year 1, base 100000
                // 100000 × 6% × 184/365 = 3024.66 → 3025
                (
                    d(2023, 7, 1),
                    d(2023, 12, 31),
                    184,
                    600,
                    365,
                    1_000_00,
                    30_25
                ),
                // 100000 × 7% × 182/366 = 3480.87 → 3481
                (
                    d(2024, 1, 1),
                    d(2024, 6, 30),
                    182,
                    700,
                    366,
                    1_000_00,
                    34_81
                ),
                // year 2, base 100000 + 3025 + 3481 = 106506
                // 106506 × 7% × 184/366 = 3748.08 → 3748
                (
                    d(2024, 7, 1),
                    d(2024, 12, 31),
                    184,
                    700,
                    366,
                    1_065_06,
                    37_48
                ),
                // 106506 × 6% × 181/365 = 3168.92 → 3169
                (
                    d(2025, 1, 1),
                    d(2025, 6, 30),
                    181,
                    600,
                    365,
                    1_065_06,
                    31_69
                ),
            ]
        );
        let years = b.years();
        assert_eq!(years.len(), 2);
        assert_eq!(
            (years[0].number(), years[0].from(), years[0].to()),
            (1, d(2023, 7, 1), d(2024, 6, 30))
        );
        assert_eq!(
            (years[1].number(), years[1].from(), years[1].to()),
            (2, d(2024, 7, 1), d(2025, 6, 30))
        );
        assert_eq!(years[0].interest(), eur(65_06)); // 3025 + 3481
        assert_eq!(years[1].base(), eur(1_065_06));
        assert_eq!(years[1].interest(), eur(69_17)); // 3748 + 3169
        assert_eq!(b.total(), eur(134_23)); // 6506 + 6917
    }

    #[test]
    fn five_years_at_two_percent_compound_like_the_formula() {
        // €1,000 due 2015-12-31; each year is a calendar year 2016..=2020 at 2%,
        // so each earns exactly 2% of its base:
        // 2016: 100000 × 2% = 2000            → base 102000
        // 2017: 102000 × 2% = 2040            → base 104040
        // 2018: 104040 × 2% = 2080.8 → 2081   → base 106121
        // 2019: 106121 × 2% = 2122.42 → 2122  → base 108243
        // 2020: 108243 × 2% = 2164.86 → 2165
        // total 10408 (1000 × (1.02⁵ − 1) = 104.0808)
        let b = statutory_interest(
            InterestKind::Consumer,
            eur(1_000_00),
            d(2015, 12, 31),
            d(2020, 12, 31),
        )
        .unwrap();
        let per_year: Vec<(i64, i64)> = b
            .years()
            .iter()
            .map(|y| (y.base().cents(), y.interest().cents()))
            .collect();
        assert_eq!(
            per_year,
            [
                (100_000, 2000),
                (102_000, 2040),
                (104_040, 2081),
                (106_121, 2122),
                (108_243, 2165)
            ]
        );
        assert_eq!(b.total(), eur(104_08));
        assert!(
            b.years()
                .iter()
                .all(|y| y.complete() && y.lines().len() == 1)
        );
    }

    #[test]
    fn splits_at_new_year_between_365_and_366_day_years() {
        // €365 due 2015-12-30, as of 2016-01-02 at 2%:
        // 2015-12-31: 36500 × 2% × 1/365 = 2 exactly
        // 2016-01-01..02: 36500 × 2% × 2/366 = 3.99 → 4
        let b = statutory_interest(
            InterestKind::Consumer,
            eur(365_00),
            d(2015, 12, 30),
            d(2016, 1, 2),
        )
        .unwrap();
        assert_eq!(
            rows(&b),
            [
                (d(2015, 12, 31), d(2015, 12, 31), 1, 200, 365, 365_00, 2),
                (d(2016, 1, 1), d(2016, 1, 2), 2, 200, 366, 365_00, 4),
            ]
        );
        assert_eq!(b.total(), eur(6));
    }

    #[test]
    fn a_29_february_due_date_has_its_anniversary_on_28_february() {
        // €1,000 due 2024-02-29, as of 2025-03-01.
        let b = statutory_interest(
            InterestKind::Consumer,
            eur(1_000_00),
            d(2024, 2, 29),
            d(2025, 3, 1),
        )
        .unwrap();
        assert_eq!(
            rows(&b),
            [
                // 100000 × 7% × 306/366 = 5852.46 → 5852
                (
                    d(2024, 3, 1),
                    d(2024, 12, 31),
                    306,
                    700,
                    366,
                    1_000_00,
                    58_52
                ),
                // 100000 × 6% × 59/365 = 969.86 → 970
                (d(2025, 1, 1), d(2025, 2, 28), 59, 600, 365, 1_000_00, 9_70),
                // year 2 from 2025-03-01, base 100000 + 5852 + 970 = 106822
                // 106822 × 6% × 1/365 = 17.56 → 18
                (d(2025, 3, 1), d(2025, 3, 1), 1, 600, 365, 1_068_22, 18),
            ]
        );
        assert_eq!(b.years()[0].to(), d(2025, 2, 28));
        assert!(b.years()[0].complete());
        assert!(!b.years()[1].complete());
        assert_eq!(b.total(), eur(68_40)); // 5852 + 970 + 18
    }

    #[test]
    fn the_anniversary_of_29_february_returns_in_leap_years() {
        // Due 2024-02-29: year 4 ends on 2028-02-29 (computed from the due
        // date, not from 2027-02-28).
        let b = statutory_interest(
            InterestKind::Consumer,
            eur(1_000_00),
            d(2024, 2, 29),
            d(2028, 3, 1),
        )
        .unwrap();
        let ends: Vec<NaiveDate> = b.years().iter().map(|y| y.to()).collect();
        assert_eq!(
            ends,
            [
                d(2025, 2, 28),
                d(2026, 2, 28),
                d(2027, 2, 28),
                d(2028, 2, 29),
                d(2028, 3, 1)
            ]
        );
        assert!(b.uses_unreviewed_rates());
    }

    #[test]
    fn nothing_runs_until_the_day_after_the_due_date() {
        for as_of in [d(2024, 3, 1), d(2024, 2, 1)] {
            let b = statutory_interest(InterestKind::Commercial, eur(500_00), d(2024, 3, 1), as_of)
                .unwrap();
            assert!(b.years().is_empty());
            assert_eq!(b.total(), Money::ZERO);
        }
        // One day: 50000 × 12.5% × 1/366 = 17.08 → 17
        let b = statutory_interest(
            InterestKind::Commercial,
            eur(500_00),
            d(2024, 3, 1),
            d(2024, 3, 2),
        )
        .unwrap();
        assert_eq!(
            rows(&b),
            [(d(2024, 3, 2), d(2024, 3, 2), 1, 1250, 366, 500_00, 17)]
        );
    }

    #[test]
    fn zero_principal_earns_nothing() {
        let b = statutory_interest(
            InterestKind::Consumer,
            Money::ZERO,
            d(2023, 1, 1),
            d(2024, 6, 1),
        )
        .unwrap();
        assert_eq!(b.total(), Money::ZERO);
        assert!(b.lines().all(|l| l.interest() == Money::ZERO));
    }

    #[test]
    fn refusals() {
        assert_eq!(
            statutory_interest(
                InterestKind::Consumer,
                eur(-1),
                d(2024, 1, 1),
                d(2024, 2, 1)
            ),
            Err(InterestError::NegativePrincipal)
        );
        // First interest day 2014-12-31 is before the table.
        assert_eq!(
            statutory_interest(
                InterestKind::Consumer,
                eur(100),
                d(2014, 12, 30),
                d(2015, 2, 1)
            ),
            Err(InterestError::BeforeRateTable(d(2014, 12, 31)))
        );
        // First interest day 2015-01-01 is the table's first: fine.
        assert!(
            statutory_interest(
                InterestKind::Consumer,
                eur(100),
                d(2014, 12, 31),
                d(2015, 2, 1)
            )
            .is_ok()
        );
        // A pre-table due date is harmless when nothing is counted yet.
        assert!(
            statutory_interest(
                InterestKind::Consumer,
                eur(100),
                d(2010, 1, 1),
                d(2009, 1, 1)
            )
            .is_ok()
        );
        assert_eq!(
            statutory_interest(
                InterestKind::Consumer,
                eur(i64::MAX),
                d(2024, 1, 1),
                d(2026, 1, 1)
            ),
            Err(InterestError::Overflow)
        );
    }

    #[test]
    fn flags_days_past_the_reviewed_table() {
        let reviewed = statutory_interest(
            InterestKind::Commercial,
            eur(100_00),
            d(2026, 1, 1),
            rates_reviewed_until(),
        )
        .unwrap();
        assert!(!reviewed.uses_unreviewed_rates());
        let later = rates_reviewed_until().succ_opt().unwrap();
        let beyond =
            statutory_interest(InterestKind::Commercial, eur(100_00), d(2026, 1, 1), later)
                .unwrap();
        assert!(beyond.uses_unreviewed_rates());
    }

    fn pause(from: NaiveDate, until: NaiveDate) -> Pause {
        Pause::new(from, until).unwrap()
    }

    #[test]
    fn a_pause_shows_as_a_line_without_interest() {
        // €1,000 due 2022-12-31, as of 2023-12-31; paused 1 April to 30 June 2023.
        let b = statutory_interest_paused(
            InterestKind::Consumer,
            eur(1_000_00),
            d(2022, 12, 31),
            d(2023, 12, 31),
            &[pause(d(2023, 4, 1), d(2023, 6, 30))],
        )
        .unwrap();
        assert_eq!(
            rows(&b),
            [
                // 100000 × 4% × 90/365 = 986.30 → 986
                (d(2023, 1, 1), d(2023, 3, 31), 90, 400, 365, 1_000_00, 9_86),
                (d(2023, 4, 1), d(2023, 6, 30), 91, 400, 365, 1_000_00, 0),
                // 100000 × 6% × 184/365 = 3024.66 → 3025
                (
                    d(2023, 7, 1),
                    d(2023, 12, 31),
                    184,
                    600,
                    365,
                    1_000_00,
                    30_25
                ),
            ]
        );
        let paused: Vec<bool> = b.lines().map(|l| l.paused()).collect();
        assert_eq!(paused, [false, true, false]);
        assert_eq!(b.total(), eur(40_11));
    }

    #[test]
    fn pieces_beside_a_pause_are_priced_on_their_running_day_count() {
        // 9125 × 2% × 1/365 = 0.5 cent a day: one day alone rounds to 1, two days priced
        // once are 1 cent, so the second piece gets 0 (priced apart they would be 1 + 1).
        let b = statutory_interest_paused(
            InterestKind::Consumer,
            eur(91_25),
            d(2017, 3, 1),
            d(2017, 3, 4),
            &[pause(d(2017, 3, 3), d(2017, 3, 3))],
        )
        .unwrap();
        let interest: Vec<i64> = b.lines().map(|l| l.interest().cents()).collect();
        // 2 March: 0.5 → 1; 3 March paused; 4 March: round(1.0) − 1 = 0.
        assert_eq!(interest, [1, 0, 0]);
        let unpaused = statutory_interest(
            InterestKind::Consumer,
            eur(91_25),
            d(2017, 3, 1),
            d(2017, 3, 4),
        )
        .unwrap();
        assert!(b.total() <= unpaused.total());
    }

    #[test]
    fn a_paused_year_adds_nothing_at_its_anniversary() {
        // €1,000 due 2015-12-31 at 2%: 2016 paused throughout, 2017 earns on the principal.
        let b = statutory_interest_paused(
            InterestKind::Consumer,
            eur(1_000_00),
            d(2015, 12, 31),
            d(2017, 12, 31),
            &[pause(d(2016, 1, 1), d(2016, 12, 31))],
        )
        .unwrap();
        let per_year: Vec<(i64, i64)> = b
            .years()
            .iter()
            .map(|y| (y.base().cents(), y.interest().cents()))
            .collect();
        assert_eq!(per_year, [(1_000_00, 0), (1_000_00, 20_00)]);
    }

    #[test]
    fn overlapping_and_adjacent_pauses_merge() {
        let merged = merged(&[
            pause(d(2024, 3, 10), d(2024, 3, 20)),
            pause(d(2024, 3, 1), d(2024, 3, 12)),
            pause(d(2024, 3, 21), d(2024, 3, 25)),
            pause(d(2024, 4, 1), d(2024, 4, 1)),
        ]);
        assert_eq!(
            merged,
            [
                pause(d(2024, 3, 1), d(2024, 3, 25)),
                pause(d(2024, 4, 1), d(2024, 4, 1))
            ]
        );
        assert_eq!(Pause::new(d(2024, 3, 2), d(2024, 3, 1)), None);
    }

    fn any_kind() -> impl Strategy<Value = InterestKind> {
        prop_oneof![Just(InterestKind::Consumer), Just(InterestKind::Commercial)]
    }

    fn any_pauses() -> impl Strategy<Value = Vec<Pause>> {
        prop::collection::vec((0u64..2_000, 0u64..400), 0..4).prop_map(|raw| {
            raw.into_iter()
                .map(|(start, len)| {
                    let from = d(2016, 1, 1) + chrono::Days::new(start);
                    pause(from, from + chrono::Days::new(len))
                })
                .collect()
        })
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_pause_never_raises_interest(
            kind in any_kind(),
            cents in 0i64..10_000_000,
            due in 0u64..1_500,
            span in 0u64..1_800,
            pauses in any_pauses(),
        ) {
            let due = d(2016, 1, 1) + chrono::Days::new(due);
            let as_of = due + chrono::Days::new(span);
            let plain = statutory_interest(kind, eur(cents), due, as_of).unwrap();
            let paused = statutory_interest_paused(kind, eur(cents), due, as_of, &pauses).unwrap();
            prop_assert!(paused.total() <= plain.total());
            prop_assert_eq!(
                paused.total(),
                Money::checked_sum(paused.lines().map(|l| l.interest())).unwrap()
            );
            // The same days are listed, paused or not.
            let days = |b: &InterestBreakdown| b.lines().map(|l| l.days()).sum::<u32>();
            prop_assert_eq!(days(&paused), days(&plain));
            prop_assert!(paused.lines().filter(|l| l.paused()).all(|l| l.interest().is_zero()));
            // A pause in the future of as_of, or none, changes nothing.
            let none = statutory_interest_paused(kind, eur(cents), due, as_of, &[]).unwrap();
            prop_assert_eq!(&none, &plain);
            let later = pause(as_of + chrono::Days::new(1), as_of + chrono::Days::new(30));
            let after = statutory_interest_paused(kind, eur(cents), due, as_of, &[later]).unwrap();
            prop_assert_eq!(&after, &plain);
        }

        #[test]
        fn a_pause_covering_everything_leaves_no_interest(
            kind in any_kind(),
            cents in 0i64..10_000_000,
            due in 0u64..1_500,
            span in 0u64..1_800,
        ) {
            let due = d(2016, 1, 1) + chrono::Days::new(due);
            let as_of = due + chrono::Days::new(span);
            let all = pause(due, as_of);
            let b = statutory_interest_paused(kind, eur(cents), due, as_of, &[all]).unwrap();
            prop_assert_eq!(b.total(), Money::ZERO);
            prop_assert!(b.lines().all(|l| l.paused()));
        }
    }
}
