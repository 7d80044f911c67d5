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
//!   year *still owed* is added to the amount interest is computed on (the
//!   base); interest already paid is not. A year ends on the anniversary of
//!   the due date (for a due date of 29 February: 28 February in common
//!   years). Interest of an unfinished year is not added.
//! - **Payments** ([`InterestRun`], [`statutory_interest_with_payments`]): a
//!   payment counts from the day after it is made. Principal paid leaves the
//!   base. Interest paid pays the oldest interest first (art. 6:44 BW orders
//!   costs, interest, principal; among interest the oldest is the most
//!   onerous, as it is the part that itself earns interest): first interest
//!   already added to the base at an earlier anniversary, which leaves the
//!   base with it, then the interest of the running year, which is then not
//!   added at the anniversary. So the base on any day is the principal still
//!   open plus the interest of complete years still unpaid, and every line
//!   shows its own base.
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
//!   Where a payment changes the base inside a stretch, the line after it is
//!   priced the same way on the new base (its running count at its end less
//!   at its start), so booking a payment never changes the interest up to
//!   its own day and the lines of a stretch still add up.
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
    paid: Money,
    capitalised: Money,
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

    /// Whether the year ran to its anniversary, so what is unpaid of its
    /// interest is added to the base of the next year.
    pub const fn complete(&self) -> bool {
        self.complete
    }

    /// The base on the first day of the year: the principal still open plus
    /// the interest of earlier years that was added to it and is still
    /// unpaid. Within the year each line carries its own base, which payments
    /// lower from the day after they were made.
    pub const fn base(&self) -> Money {
        self.base
    }

    /// Sum of the lines.
    pub const fn interest(&self) -> Money {
        self.interest
    }

    /// The part of this year's interest paid (or written off) by the year's
    /// last day counted. Interest is paid oldest first, so this is what was
    /// paid beyond the interest already added to the base.
    pub const fn paid(&self) -> Money {
        self.paid
    }

    /// What the anniversary adds to the base: `interest − paid` for a
    /// complete year (art. 6:119 lid 2 BW adds interest still owed, not
    /// interest paid), zero for an unfinished one.
    pub const fn capitalised(&self) -> Money {
        self.capitalised
    }

    /// The lines, in date order.
    pub fn lines(&self) -> &[InterestLine] {
        &self.lines
    }
}

/// A change of the base on one day: principal and interest paid (or written
/// off) on `day` stop earning interest from the day after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BaseChange {
    day: NaiveDate,
    principal: Money,
    interest: Money,
    from_base: Money,
    base_after: Money,
}

impl BaseChange {
    /// The day of the payment; the new base applies from the next day.
    pub const fn day(self) -> NaiveDate {
        self.day
    }

    /// Principal paid off (or written off) that day.
    pub const fn principal(self) -> Money {
        self.principal
    }

    /// Interest paid (or written off) that day.
    pub const fn interest(self) -> Money {
        self.interest
    }

    /// The part of [`BaseChange::interest`] that paid interest already added
    /// to the base at an earlier anniversary, and so lowers the base.
    pub const fn from_base(self) -> Money {
        self.from_base
    }

    /// The base from the next day on.
    pub const fn base_after(self) -> Money {
        self.base_after
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
    changes: Vec<BaseChange>,
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

    /// The payments that changed the base, one per day, in date order.
    pub fn changes(&self) -> &[BaseChange] {
        &self.changes
    }

    /// All interest owed up to `as_of` (paid or not).
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
    /// A payment dated before a day already counted, or after the as-of date.
    #[error("a payment out of date order")]
    OutOfOrder,
    /// A payment of more principal or interest than is open, or a negative one.
    #[error("a payment of more than is open")]
    MoreThanOpen,
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
    InterestRun::new(kind, principal, due_date, pauses)?.finish(as_of)
}

/// One payment for [`statutory_interest_with_payments`]: principal and
/// interest paid (or written off) on `day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasePayment {
    /// The day paid; the base changes from the next day.
    pub day: NaiveDate,
    /// Principal paid.
    pub principal: Money,
    /// Interest paid.
    pub interest: Money,
}

/// [`statutory_interest_paused`] on an amount paid off in parts: each payment
/// lowers the base from the day after it (see the module docs, "Payments").
/// `payments` must be in date order, none after `as_of`, and none more than is
/// open on its day.
pub fn statutory_interest_with_payments(
    kind: InterestKind,
    principal: Money,
    due_date: NaiveDate,
    as_of: NaiveDate,
    pauses: &[Pause],
    payments: &[BasePayment],
) -> Result<InterestBreakdown, InterestError> {
    let mut run = InterestRun::new(kind, principal, due_date, pauses)?;
    for payment in payments {
        if payment.day > as_of {
            return Err(InterestError::OutOfOrder);
        }
        run.pay(payment.day, payment.principal, payment.interest)?;
    }
    run.finish(as_of)
}

/// The statutory interest on one invoice, computed forward day by day so that
/// payments can be applied as they happen: the caller asks what is owed on a
/// day ([`InterestRun::accrue_to`], [`InterestRun::unpaid_interest`]), books a
/// payment ([`InterestRun::pay`]) and at the end takes the breakdown
/// ([`InterestRun::finish`]). Days only move forward.
#[derive(Debug, Clone)]
pub struct InterestRun {
    kind: InterestKind,
    principal: Money,
    due_date: NaiveDate,
    pauses: Vec<Pause>,
    next_pause: usize,
    /// The last day counted (the due date before any).
    day: NaiveDate,
    open_principal: Money,
    /// Interest of complete years added to the base and not yet paid.
    capitalised: Money,
    /// Interest of the closed lines of all years.
    closed_total: Money,
    years: Vec<InterestYear>,
    year: Option<OpenYear>,
    changes: Vec<BaseChange>,
}

#[derive(Debug, Clone)]
struct OpenYear {
    number: u32,
    from: NaiveDate,
    anniversary: NaiveDate,
    base: Money,
    lines: Vec<InterestLine>,
    /// Interest of the closed lines.
    interest: Money,
    paid: Money,
    stretch: Option<Stretch>,
    line: Option<OpenLine>,
}

/// Days of one rate and one year length within one year: the running day
/// count that prices its lines.
#[derive(Debug, Clone, Copy)]
struct Stretch {
    end: NaiveDate,
    rate_bp: u32,
    year_days: u32,
    /// Days counted (not paused) so far.
    counted: u32,
}

#[derive(Debug, Clone, Copy)]
struct OpenLine {
    from: NaiveDate,
    to: NaiveDate,
    base: Money,
    paused: bool,
    /// The stretch's running count when the line began.
    counted_from: u32,
}

/// Interest on `base` for the first `days` counted days of a stretch, rounded.
fn priced(base: Money, rate_bp: u32, year_days: u32, days: u32) -> Result<Money, InterestError> {
    let exact = i128::from(base.cents()) * i128::from(rate_bp) * i128::from(days);
    let cents = div_round_half_away(exact, 10_000 * i128::from(year_days));
    i64::try_from(cents)
        .map(Money::from_cents)
        .map_err(|_| InterestError::Overflow)
}

impl OpenLine {
    /// The line's interest: the running count priced at its end less at its
    /// start, so the lines of a stretch add up to the stretch priced once per
    /// base (see the module docs).
    fn interest(&self, stretch: &Stretch) -> Result<Money, InterestError> {
        if self.paused {
            return Ok(Money::ZERO);
        }
        let to = priced(
            self.base,
            stretch.rate_bp,
            stretch.year_days,
            stretch.counted,
        )?;
        let from = priced(
            self.base,
            stretch.rate_bp,
            stretch.year_days,
            self.counted_from,
        )?;
        to.checked_sub(from).ok_or(InterestError::Overflow)
    }
}

impl OpenYear {
    fn close_line(&mut self) -> Result<(), InterestError> {
        let (Some(line), Some(stretch)) = (self.line.take(), self.stretch.as_ref()) else {
            return Ok(());
        };
        let interest = line.interest(stretch)?;
        let days = u32::try_from((line.to - line.from).num_days() + 1)
            .map_err(|_| InterestError::DateOutOfRange)?;
        self.lines.push(InterestLine {
            from: line.from,
            to: line.to,
            days,
            rate_bp: stretch.rate_bp,
            year_days: stretch.year_days,
            base: line.base,
            interest,
            paused: line.paused,
        });
        self.interest = self
            .interest
            .checked_add(interest)
            .ok_or(InterestError::Overflow)?;
        Ok(())
    }

    /// Interest of the year so far, the open line included.
    fn accrued(&self) -> Result<Money, InterestError> {
        let open = match (&self.line, &self.stretch) {
            (Some(line), Some(stretch)) => line.interest(stretch)?,
            _ => Money::ZERO,
        };
        self.interest
            .checked_add(open)
            .ok_or(InterestError::Overflow)
    }
}

impl InterestRun {
    /// A run on `principal` due on `due_date`, nothing counted yet.
    pub fn new(
        kind: InterestKind,
        principal: Money,
        due_date: NaiveDate,
        pauses: &[Pause],
    ) -> Result<InterestRun, InterestError> {
        if principal.is_negative() {
            return Err(InterestError::NegativePrincipal);
        }
        Ok(InterestRun {
            kind,
            principal,
            due_date,
            pauses: merged(pauses),
            next_pause: 0,
            day: due_date,
            open_principal: principal,
            capitalised: Money::ZERO,
            closed_total: Money::ZERO,
            years: Vec::new(),
            year: None,
            changes: Vec::new(),
        })
    }

    fn base(&self) -> Result<Money, InterestError> {
        self.open_principal
            .checked_add(self.capitalised)
            .ok_or(InterestError::Overflow)
    }

    fn anniversary(&self, number: u32) -> Result<NaiveDate, InterestError> {
        // From the original due date each time, so 29 February stays the anchor.
        let months = number
            .checked_mul(12)
            .ok_or(InterestError::DateOutOfRange)?;
        self.due_date
            .checked_add_months(Months::new(months))
            .ok_or(InterestError::DateOutOfRange)
    }

    /// Closes the open year at the last day counted; at its anniversary, what
    /// is unpaid of its interest joins the base (art. 6:119 lid 2 BW).
    fn close_year(&mut self) -> Result<(), InterestError> {
        let Some(mut year) = self.year.take() else {
            return Ok(());
        };
        year.close_line()?;
        let complete = self.day == year.anniversary;
        let capitalised = if complete {
            // paid ≤ interest: `pay` refuses more than is open.
            year.interest
                .checked_sub(year.paid)
                .ok_or(InterestError::Overflow)?
        } else {
            Money::ZERO
        };
        self.capitalised = self
            .capitalised
            .checked_add(capitalised)
            .ok_or(InterestError::Overflow)?;
        self.closed_total = self
            .closed_total
            .checked_add(year.interest)
            .ok_or(InterestError::Overflow)?;
        self.years.push(InterestYear {
            number: year.number,
            from: year.from,
            to: self.day,
            complete,
            base: year.base,
            interest: year.interest,
            paid: year.paid,
            capitalised,
            lines: year.lines,
        });
        Ok(())
    }

    /// Counts every day up to and including `day`.
    pub fn accrue_to(&mut self, day: NaiveDate) -> Result<(), InterestError> {
        while self.day < day {
            let t = self.day.succ_opt().ok_or(InterestError::DateOutOfRange)?;
            if self.year.as_ref().is_some_and(|y| t > y.anniversary) {
                self.close_year()?;
            }
            if self.year.is_none() {
                let number = self.years.last().map_or(Ok(1), |y| {
                    y.number.checked_add(1).ok_or(InterestError::DateOutOfRange)
                })?;
                self.year = Some(OpenYear {
                    number,
                    from: t,
                    anniversary: self.anniversary(number)?,
                    base: self.base()?,
                    lines: Vec::new(),
                    interest: Money::ZERO,
                    paid: Money::ZERO,
                    stretch: None,
                    line: None,
                });
            }
            while self
                .pauses
                .get(self.next_pause)
                .is_some_and(|p| p.until < t)
            {
                self.next_pause += 1;
            }
            let paused = self
                .pauses
                .get(self.next_pause)
                .is_some_and(|p| p.from <= t);
            let base = self.base()?;
            let kind = self.kind;
            let year = self.year.as_mut().ok_or(InterestError::Overflow)?;
            if year.stretch.is_none_or(|s| t > s.end) {
                year.close_line()?;
                let rate_bp = kind.rate_on(t).ok_or(InterestError::BeforeRateTable(t))?;
                let new_year = NaiveDate::from_ymd_opt(t.year() + 1, 1, 1)
                    .ok_or(InterestError::DateOutOfRange)?;
                let mut next = new_year;
                if let Some(change) = kind.next_change_after(t) {
                    next = next.min(change);
                }
                let end = year
                    .anniversary
                    .min(next.pred_opt().ok_or(InterestError::DateOutOfRange)?);
                year.stretch = Some(Stretch {
                    end,
                    rate_bp,
                    year_days: if t.leap_year() { 366 } else { 365 },
                    counted: 0,
                });
            }
            if year
                .line
                .is_none_or(|l| l.paused != paused || l.base != base)
            {
                year.close_line()?;
                let counted_from = year.stretch.map_or(0, |s| s.counted);
                year.line = Some(OpenLine {
                    from: t,
                    to: t,
                    base,
                    paused,
                    counted_from,
                });
            }
            if let Some(stretch) = year.stretch.as_mut()
                && !paused
            {
                stretch.counted = stretch
                    .counted
                    .checked_add(1)
                    .ok_or(InterestError::DateOutOfRange)?;
            }
            if let Some(line) = year.line.as_mut() {
                line.to = t;
            }
            self.day = t;
        }
        Ok(())
    }

    /// All interest up to the last day counted, paid or not.
    pub fn accrued(&self) -> Result<Money, InterestError> {
        let open = self
            .year
            .as_ref()
            .map_or(Ok(Money::ZERO), OpenYear::accrued)?;
        self.closed_total
            .checked_add(open)
            .ok_or(InterestError::Overflow)
    }

    /// Interest up to the last day counted that is not paid: what was added
    /// to the base and what the year so far has earned, less what was paid.
    pub fn unpaid_interest(&self) -> Result<Money, InterestError> {
        let year = match &self.year {
            Some(year) => year
                .accrued()?
                .checked_sub(year.paid)
                .ok_or(InterestError::Overflow)?,
            None => Money::ZERO,
        };
        self.capitalised
            .checked_add(year)
            .ok_or(InterestError::Overflow)
    }

    /// Principal not paid off.
    pub const fn open_principal(&self) -> Money {
        self.open_principal
    }

    /// Books a payment on `day` (counting up to it first): `principal` off
    /// the principal, `interest` off the interest owed, oldest first, so it
    /// first pays interest added to the base at an earlier anniversary (the
    /// base falls with it) and then the interest of the running year (which
    /// then is not added at its anniversary). Both count from the day after
    /// `day`. A day before the last one counted is refused, except that a
    /// payment on or before the due date counts as made on the due date.
    pub fn pay(
        &mut self,
        day: NaiveDate,
        principal: Money,
        interest: Money,
    ) -> Result<(), InterestError> {
        let day = if self.day == self.due_date {
            day.max(self.due_date)
        } else {
            day
        };
        if day < self.day {
            return Err(InterestError::OutOfOrder);
        }
        self.accrue_to(day)?;
        if principal.is_negative()
            || interest.is_negative()
            || principal > self.open_principal
            || interest > self.unpaid_interest()?
        {
            return Err(InterestError::MoreThanOpen);
        }
        if principal.is_zero() && interest.is_zero() {
            return Ok(());
        }
        let from_base = interest.min(self.capitalised);
        // 0 ≤ each part ≤ what it is taken from (checked above).
        self.capitalised = Money::from_cents(self.capitalised.cents() - from_base.cents());
        self.open_principal = Money::from_cents(self.open_principal.cents() - principal.cents());
        if let Some(year) = self.year.as_mut() {
            year.paid = year
                .paid
                .checked_add(Money::from_cents(interest.cents() - from_base.cents()))
                .ok_or(InterestError::Overflow)?;
        }
        let base_after = self.base()?;
        match self.changes.last_mut() {
            Some(last) if last.day == day => {
                last.principal = last
                    .principal
                    .checked_add(principal)
                    .ok_or(InterestError::Overflow)?;
                last.interest = last
                    .interest
                    .checked_add(interest)
                    .ok_or(InterestError::Overflow)?;
                last.from_base = last
                    .from_base
                    .checked_add(from_base)
                    .ok_or(InterestError::Overflow)?;
                last.base_after = base_after;
            }
            _ => self.changes.push(BaseChange {
                day,
                principal,
                interest,
                from_base,
                base_after,
            }),
        }
        Ok(())
    }

    /// Counts up to and including `as_of` and returns the breakdown. `as_of`
    /// may not be before a payment's day.
    pub fn finish(mut self, as_of: NaiveDate) -> Result<InterestBreakdown, InterestError> {
        if as_of < self.day {
            // Nothing counted yet: an as-of date up to the due date has no interest.
            if self.day != self.due_date {
                return Err(InterestError::OutOfOrder);
            }
        } else {
            self.accrue_to(as_of)?;
        }
        self.close_year()?;
        Ok(InterestBreakdown {
            kind: self.kind,
            principal: self.principal,
            due_date: self.due_date,
            as_of,
            total: self.closed_total,
            years: self.years,
            changes: self.changes,
            uses_unreviewed_rates: as_of > rates_reviewed_until(),
        })
    }
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

    fn paid(day: NaiveDate, principal: i64, interest: i64) -> BasePayment {
        BasePayment {
            day,
            principal: eur(principal),
            interest: eur(interest),
        }
    }

    #[test]
    fn interest_paid_before_an_anniversary_is_not_added_to_the_base() {
        // €1,000 due 2015-12-31; 2016 and 2017 are years 1 and 2, both at 2%.
        // 2016-07-01: €10.00 of interest paid (100000 × 2% × 183/366 = 1000, all owed then);
        // the principal stays open. The base of 2016 does not change (no interest was added
        // to it yet), so 2016 is one line: 100000 × 2% × 366/366 = 2000.
        // Anniversary 2016-12-31: 2000 − 1000 paid = 1000 is added → base 101000.
        // 2017-07-02 (day 183 of 365): €20.00 of interest paid; owed then 1000 added + 2017 so
        // far 101000 × 2% × 183/365 = 1012.77 → 1013. It pays the 1000 in the base first, so
        // from 2017-07-03 the base is 100000 again, and 1000 of 2017's interest.
        // 2017 lines: 101000 × 2% × 183/365 → 1013;
        //             100000 × 2% × (365 − 183)/365 on its running count:
        //             round(2000.00) − round(1002.74) = 2000 − 1003 = 997.
        // 2017: 1013 + 997 = 2010, of which 1000 paid: 1010 added at 2017-12-31.
        // Total 2000 + 2010 = 4010; compounding paid interest too would give 2000 + 2040.
        let b = statutory_interest_with_payments(
            InterestKind::Consumer,
            eur(1_000_00),
            d(2015, 12, 31),
            d(2017, 12, 31),
            &[],
            &[paid(d(2016, 7, 1), 0, 10_00), paid(d(2017, 7, 2), 0, 20_00)],
        )
        .unwrap();
        assert_eq!(
            rows(&b),
            [
                (
                    d(2016, 1, 1),
                    d(2016, 12, 31),
                    366,
                    200,
                    366,
                    1_000_00,
                    20_00
                ),
                (d(2017, 1, 1), d(2017, 7, 2), 183, 200, 365, 1_010_00, 10_13),
                (
                    d(2017, 7, 3),
                    d(2017, 12, 31),
                    182,
                    200,
                    365,
                    1_000_00,
                    9_97
                ),
            ]
        );
        let years: Vec<(i64, i64, i64, i64)> = b
            .years()
            .iter()
            .map(|y| {
                (
                    y.base().cents(),
                    y.interest().cents(),
                    y.paid().cents(),
                    y.capitalised().cents(),
                )
            })
            .collect();
        assert_eq!(
            years,
            [
                (1_000_00, 20_00, 10_00, 10_00),
                (1_010_00, 20_10, 10_00, 10_10)
            ]
        );
        let changes: Vec<(NaiveDate, i64, i64, i64)> = b
            .changes()
            .iter()
            .map(|c| {
                (
                    c.day(),
                    c.interest().cents(),
                    c.from_base().cents(),
                    c.base_after().cents(),
                )
            })
            .collect();
        assert_eq!(
            changes,
            [
                (d(2016, 7, 1), 10_00, 0, 1_000_00),
                (d(2017, 7, 2), 20_00, 10_00, 1_000_00)
            ]
        );
        assert_eq!(b.total(), eur(40_10));
        let unpaid = statutory_interest(
            InterestKind::Consumer,
            eur(1_000_00),
            d(2015, 12, 31),
            d(2017, 12, 31),
        )
        .unwrap();
        assert_eq!(unpaid.total(), eur(40_40));
    }

    #[test]
    fn principal_paid_lowers_the_base_from_the_next_day() {
        // €1,000 due 2015-12-31 at 2%; on 2016-07-01 €10.00 interest and €500.00 principal.
        // 2016-01-01..07-01: 100000 × 2% × 183/366 = 1000;
        // 2016-07-02..12-31 on 50000: round(50000 × 2% × 366/366) − round(50000 × 2% × 183/366)
        //   = 1000 − 500 = 500. Year 1: 1500, 1000 paid, 500 added → 2017 base 50500:
        // 50500 × 2% = 1010. Total 2510.
        let b = statutory_interest_with_payments(
            InterestKind::Consumer,
            eur(1_000_00),
            d(2015, 12, 31),
            d(2017, 12, 31),
            &[],
            &[paid(d(2016, 7, 1), 500_00, 10_00)],
        )
        .unwrap();
        assert_eq!(
            rows(&b),
            [
                (d(2016, 1, 1), d(2016, 7, 1), 183, 200, 366, 1_000_00, 10_00),
                (d(2016, 7, 2), d(2016, 12, 31), 183, 200, 366, 500_00, 5_00),
                (d(2017, 1, 1), d(2017, 12, 31), 365, 200, 365, 505_00, 10_10),
            ]
        );
        assert_eq!(b.total(), eur(25_10));
    }

    #[test]
    fn a_payment_on_the_anniversary_counts_before_the_interest_is_added() {
        // €1,000 due 2015-12-31 at 2%: year 1 earns 2000; 500 of it paid on 2016-12-31 itself,
        // so 1500 is added and 2017 earns 101500 × 2% = 2030.
        let b = statutory_interest_with_payments(
            InterestKind::Consumer,
            eur(1_000_00),
            d(2015, 12, 31),
            d(2017, 12, 31),
            &[],
            &[paid(d(2016, 12, 31), 0, 5_00)],
        )
        .unwrap();
        assert_eq!(b.years()[1].base(), eur(1_015_00));
        assert_eq!(b.total(), eur(40_30));
    }

    #[test]
    fn payments_of_more_than_is_open_or_out_of_order_are_refused() {
        let run = |payments: &[BasePayment]| {
            statutory_interest_with_payments(
                InterestKind::Consumer,
                eur(1_000_00),
                d(2015, 12, 31),
                d(2017, 12, 31),
                &[],
                payments,
            )
        };
        // Interest owed on 2016-01-10: 100000 × 2% × 10/366 = 54.64 → 55.
        assert!(run(&[paid(d(2016, 1, 10), 0, 55)]).is_ok());
        assert_eq!(
            run(&[paid(d(2016, 1, 10), 0, 56)]),
            Err(InterestError::MoreThanOpen)
        );
        assert_eq!(
            run(&[paid(d(2016, 1, 10), 1_000_01, 0)]),
            Err(InterestError::MoreThanOpen)
        );
        assert_eq!(
            run(&[paid(d(2016, 1, 10), -1, 0)]),
            Err(InterestError::MoreThanOpen)
        );
        assert_eq!(
            run(&[paid(d(2016, 2, 1), 1, 0), paid(d(2016, 1, 1), 1, 0)]),
            Err(InterestError::OutOfOrder)
        );
        assert_eq!(
            run(&[paid(d(2018, 1, 1), 1, 0)]),
            Err(InterestError::OutOfOrder)
        );
        // Paid before the due date: counts from the first day.
        let early = run(&[paid(d(2015, 6, 1), 1_000_00, 0)]).unwrap();
        assert_eq!(early.total(), Money::ZERO);
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
        fn payments_only_lower_the_interest_and_the_lines_add_up(
            kind in any_kind(),
            cents in 0i64..10_000_000,
            due in 0u64..1_500,
            span in 0u64..1_800,
            pauses in any_pauses(),
            raw in prop::collection::vec((0u64..1_800, 0u32..=100, 0u32..=100), 0..6),
        ) {
            let due = d(2016, 1, 1) + chrono::Days::new(due);
            let as_of = due + chrono::Days::new(span);
            let plain = statutory_interest_paused(kind, eur(cents), due, as_of, &pauses).unwrap();
            // Payments in date order, each a share of what is open that day.
            let mut offsets: Vec<(u64, u32, u32)> =
                raw.into_iter().filter(|(o, _, _)| *o <= span).collect();
            offsets.sort_by_key(|(o, _, _)| *o);
            let mut run = InterestRun::new(kind, eur(cents), due, &pauses).unwrap();
            let mut payments = Vec::new();
            for (offset, p_pct, i_pct) in offsets {
                let day = due + chrono::Days::new(offset);
                run.accrue_to(day).unwrap();
                let principal = run.open_principal().cents() * i64::from(p_pct) / 100;
                let interest = run.unpaid_interest().unwrap().cents() * i64::from(i_pct) / 100;
                run.pay(day, eur(principal), eur(interest)).unwrap();
                payments.push(paid(day, principal, interest));
            }
            let with = run.finish(as_of).unwrap();
            let again = statutory_interest_with_payments(
                kind, eur(cents), due, as_of, &pauses, &payments,
            ).unwrap();
            prop_assert_eq!(&with, &again);
            // No payment, no change; every line adds up; the same days are listed.
            let none = statutory_interest_with_payments(kind, eur(cents), due, as_of, &pauses, &[])
                .unwrap();
            prop_assert_eq!(&none, &plain);
            prop_assert_eq!(
                with.total(),
                Money::checked_sum(with.lines().map(|l| l.interest())).unwrap()
            );
            let days = |b: &InterestBreakdown| b.lines().map(|l| l.days()).sum::<u32>();
            prop_assert_eq!(days(&with), days(&plain));
            // Paying never raises the interest beyond rounding: one cent per line.
            let lines = i64::try_from(with.lines().count()).unwrap();
            prop_assert!(with.total().cents() <= plain.total().cents() + lines);
            // A year adds to the base only what is unpaid of its interest.
            for y in with.years() {
                prop_assert!(y.paid() <= y.interest());
                if y.complete() {
                    prop_assert_eq!(y.capitalised().cents(), y.interest().cents() - y.paid().cents());
                } else {
                    prop_assert!(y.capitalised().is_zero());
                }
            }
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
