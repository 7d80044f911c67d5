//! The income and expenses check: when a debtor asks for a plan below what the agency's rules
//! allow, they enter their monthly net income, household kind and fixed costs, and the portal
//! shows line by line what they could pay without going below the **beslagvrije voet** (the part
//! of income that garnishment law protects).
//!
//! # The rule
//!
//! Since 1 January 2021 (Wet vereenvoudiging beslagvrije voet; art. 475b–475da Rv; Stb. 2017,
//! 505 per the project brief) the protected amount depends on the household kind and the income:
//!
//! - income (net, incl. holiday allowance) at or below the Participatiewet norm for the household
//!   (art. 21 Participatiewet): 95% of the income, so 5% is always available to creditors;
//! - above it: 95% of the norm plus a "compensatiekop" for the allowances (huurtoeslag,
//!   zorgtoeslag, kindgebonden budget) lost as income rises, computed by the government's rekentool
//!   from the taxable income;
//! - never more than the fixed maximum of art. 475da lid 1 Rv, reset every half year; incomes high
//!   enough to get no allowances get exactly that maximum.
//!
//! Housing and health-insurance costs are part of that formula (through the allowances), not
//! separate corrections as before 2021; a further increase for high housing costs exists only on
//! request and case by case (uwbeslagvrijevoet.nl, "Woonkosten en de beslagvrije voet").
//! Sources as read: schuldinfo.nl/beslag-inkomen/hoogte-beslagvrije-voet (the three income
//! bands), vng.nl "Wijziging bedragen beslagvrije voet" (the maxima are in art. 475da lid 1 Rv).
//! The figures are in `domain/data/beslagvrije-voet.csv` with a source per row.
//!
//! # What the portal computes
//!
//! `protected = min(95% of net income, statutory maximum)`, the 95% rounded up to the cent.
//! At or below the norm this is the statutory amount; at the maximum too. In between it is an
//! upper bound: the statutory amount is at most the maximum, and at least 5% of the income always
//! goes to creditors (uwbeslagvrijevoet.nl, same page), so the portal never protects less than the
//! law does, and sometimes more. Rounding up and choosing the bound both favour the debtor: a
//! too-high protected amount only lowers what we ask for.
//!
//! Left out: debtors at pension age (higher norms, no maxima found: the form should send them to
//! staff); the increase on request for high housing costs (the real-room limit in [`check`] covers
//! part of it, staff can grant more); and rules that only lower the protected amount (cost
//! sharers, an institution, no fixed address, other income not under garnishment), so leaving them
//! out favours the debtor. Couples enter the household's joint income, as the couple norm and
//! maximum are for both.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::money::Money;

/// The table shipped with this release.
pub const EMBEDDED: &str = include_str!("../data/beslagvrije-voet.csv");

/// The largest monthly amount accepted, in a form or the table: €1,000,000.00. It keeps every
/// sum and percentage in this module far from overflow.
pub const MAX_MONTHLY_AMOUNT: Money = Money::from_cents(1_000_000_00);

/// The household kinds the law distinguishes for the maximum. Forms use the stable strings
/// `single`, `single_parent`, `couple` and `couple_with_children`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Household {
    /// Alleenstaande (also with children of 18 or older).
    Single,
    /// Alleenstaande ouder: with a child under 18.
    SingleParent,
    /// Gehuwden or samenwonenden without a child under 18.
    Couple,
    /// Gehuwden or samenwonenden with a child under 18.
    CoupleWithChildren,
}

impl Household {
    /// Every kind, in the order a form lists them.
    pub const ALL: [Household; 4] = [
        Household::Single,
        Household::SingleParent,
        Household::Couple,
        Household::CoupleWithChildren,
    ];

    /// The stable string form (also the serde form and the table's `household` column).
    pub const fn as_str(self) -> &'static str {
        match self {
            Household::Single => "single",
            Household::SingleParent => "single_parent",
            Household::Couple => "couple",
            Household::CoupleWithChildren => "couple_with_children",
        }
    }
}

impl fmt::Display for Household {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a household kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not single, single_parent, couple or couple_with_children")]
pub struct UnknownHousehold(pub String);

impl FromStr for Household {
    type Err = UnknownHousehold;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Household::ALL
            .into_iter()
            .find(|h| h.as_str() == s)
            .ok_or_else(|| UnknownHousehold(s.to_string()))
    }
}

/// How far a row's figures can be trusted, read from the prefix of its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Read from the publication itself.
    Published,
    /// `reported:`: seen only in secondary sources.
    Reported,
    /// `reported: estimate`: found nowhere; computed as the source says.
    Estimate,
}

/// One household kind's figures for a half year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectedIncomeRow {
    /// The household kind.
    pub household: Household,
    /// The first day: 1 January or 1 July.
    pub from: NaiveDate,
    /// The Participatiewet norm incl. holiday allowance.
    pub norm: Money,
    /// The statutory maximum (art. 475da lid 1 Rv); at least 95% of the norm.
    pub maximum: Money,
    /// Where the figures were read (free text).
    pub source: String,
}

impl ProtectedIncomeRow {
    /// How far the figures can be trusted.
    pub fn provenance(&self) -> Provenance {
        if self.source.starts_with("reported: estimate") {
            Provenance::Estimate
        } else if self.source.starts_with("reported:") {
            Provenance::Reported
        } else {
            Provenance::Published
        }
    }
}

/// The figures for every household kind and half year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedIncomeTable {
    rows: Vec<ProtectedIncomeRow>,
}

/// Why a table file was refused: the line (1-based) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ProtectedIncomeTableError {
    /// The line in error (1 is the first line of the file).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

const HEADER: [&str; 5] = ["household", "from", "norm", "maximum", "source"];

impl ProtectedIncomeTable {
    /// Reads a table file: `#` comments and blank lines are skipped, the first other line is the
    /// header `household,from,norm,maximum,source`, then one row per household kind per half
    /// year (the source is the rest of the line and may contain commas). Per kind the dates must
    /// rise and fall on 1 January or 1 July; every kind must have the same half years.
    pub fn parse(text: &str) -> Result<ProtectedIncomeTable, ProtectedIncomeTableError> {
        let mut header_seen = false;
        let mut rows: Vec<ProtectedIncomeRow> = Vec::new();
        let mut last_line = 0;
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            last_line = line;
            let content = raw.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let err = |message: String| ProtectedIncomeTableError { line, message };
            if !header_seen {
                let names: Vec<&str> = content.split(',').map(str::trim).collect();
                if names != HEADER {
                    return Err(err(format!(
                        "the header must be {}, not {content:?}",
                        HEADER.join(",")
                    )));
                }
                header_seen = true;
                continue;
            }
            let mut cells = content.splitn(5, ',').map(str::trim);
            let (Some(household), Some(from), Some(norm), Some(maximum), Some(source)) = (
                cells.next(),
                cells.next(),
                cells.next(),
                cells.next(),
                cells.next(),
            ) else {
                return Err(err(
                    "a row needs household, from, norm, maximum and source".into()
                ));
            };
            let household: Household = household.parse().map_err(|e| err(format!("{e}")))?;
            let from = NaiveDate::parse_from_str(from, "%Y-%m-%d")
                .map_err(|_| err(format!("from {from:?} is not a date like 2026-01-01")))?;
            if from.day() != 1 || !matches!(from.month(), 1 | 7) {
                return Err(err(format!(
                    "{from}: the figures change only on 1 January or 1 July"
                )));
            }
            let amount = |name: &str, text: &str| {
                parse_euros(text).ok_or_else(|| {
                    err(format!(
                        "{name} {text:?} is not an amount like 1234.56 (two decimals, more than \
                         zero, at most 1000000.00)"
                    ))
                })
            };
            let norm = amount("norm", norm)?;
            let maximum = amount("maximum", maximum)?;
            if maximum < ninety_five_percent_up(norm) {
                return Err(err(format!(
                    "the maximum {} is below 95% of the norm {}",
                    maximum.cents(),
                    norm.cents()
                )));
            }
            if source.is_empty() {
                return Err(err(
                    "the source is empty: say where the figures are published".into(),
                ));
            }
            if let Some(previous) = rows.iter().rev().find(|r| r.household == household)
                && previous.from >= from
            {
                return Err(err(format!(
                    "{from} is not after the previous {household} row ({})",
                    previous.from
                )));
            }
            rows.push(ProtectedIncomeRow {
                household,
                from,
                norm,
                maximum,
                source: source.to_string(),
            });
        }
        let at_end = |message: String| ProtectedIncomeTableError {
            line: last_line,
            message,
        };
        let periods = |household| -> Vec<NaiveDate> {
            rows.iter()
                .filter(|r| r.household == household)
                .map(|r| r.from)
                .collect()
        };
        let expected = periods(Household::Single);
        for household in Household::ALL {
            let got = periods(household);
            if got.is_empty() {
                return Err(at_end(format!("no {household} rows")));
            }
            // Every kind must have the same half years, so a lookup never falls back to an older
            // figure for one kind only.
            if let Some(missing) = expected
                .iter()
                .chain(&got)
                .find(|d| !(expected.contains(d) && got.contains(d)))
            {
                return Err(at_end(format!(
                    "the half year from {missing} does not have a row for every household kind"
                )));
            }
        }
        Ok(ProtectedIncomeTable { rows })
    }

    /// The table shipped with this release.
    pub fn embedded() -> ProtectedIncomeTable {
        // The embedded file is checked by a test; a broken one cannot pass the build.
        ProtectedIncomeTable::parse(EMBEDDED).expect("the embedded protected-income table is valid")
    }

    /// Every row, in file order.
    pub fn rows(&self) -> &[ProtectedIncomeRow] {
        &self.rows
    }

    /// The first day the table has figures for.
    pub fn first_day(&self) -> NaiveDate {
        self.rows
            .iter()
            .map(|r| r.from)
            .min()
            .unwrap_or(NaiveDate::MAX)
    }

    /// The row in force on `date` for `household`. Refuses a date before the table: guessing
    /// older figures could protect too little.
    pub fn row_on(
        &self,
        household: Household,
        date: NaiveDate,
    ) -> Result<&ProtectedIncomeRow, BudgetError> {
        self.rows
            .iter()
            .rev()
            .find(|r| r.household == household && r.from <= date)
            .ok_or(BudgetError::BeforeTable {
                date,
                first: self.first_day(),
            })
    }

    /// The last day the table is known for: the end of the half year of its last rows. Past it
    /// the last figures are assumed to continue.
    pub fn covered_until(&self) -> NaiveDate {
        self.rows
            .iter()
            .map(|r| r.from)
            .max()
            .and_then(|last| last.checked_add_months(Months::new(6)))
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MIN)
    }

    /// The last day covered, when `day` is past it (the portal then warns).
    pub fn stale_on(&self, day: NaiveDate) -> Option<NaiveDate> {
        let until = self.covered_until();
        (day > until).then_some(until)
    }
}

static TABLE: OnceLock<ProtectedIncomeTable> = OnceLock::new();

/// The embedded table, parsed once.
pub fn current() -> &'static ProtectedIncomeTable {
    TABLE.get_or_init(ProtectedIncomeTable::embedded)
}

/// `"1234.56"` → 123456 cents: digits, a point, exactly two decimals; more than zero and at
/// most [`MAX_MONTHLY_AMOUNT`].
fn parse_euros(text: &str) -> Option<Money> {
    let (whole, cents) = text.split_once('.')?;
    if whole.is_empty()
        || whole.len() > 7
        || cents.len() != 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !cents.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let amount = Money::from_cents(whole.parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?);
    (amount.is_positive() && amount <= MAX_MONTHLY_AMOUNT).then_some(amount)
}

/// 95% of a non-negative amount of at most [`MAX_MONTHLY_AMOUNT`], rounded **up** to the cent:
/// the protected amount is never rounded against the debtor.
fn ninety_five_percent_up(amount: Money) -> Money {
    debug_assert!(!amount.is_negative() && amount <= MAX_MONTHLY_AMOUNT);
    Money::from_cents((amount.cents() * 95 + 99) / 100)
}

/// One amount of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetField {
    /// Monthly net income.
    NetIncome,
    /// Rent or mortgage.
    Housing,
    /// Health-insurance premium.
    HealthInsurance,
    /// Childcare.
    Childcare,
    /// Payments on other debts.
    OtherDebts,
    /// Other fixed costs.
    OtherFixed,
}

impl BudgetField {
    /// The label key of its line, e.g. `budget.line.net_income`.
    pub const fn key(self) -> &'static str {
        match self {
            BudgetField::NetIncome => "budget.line.net_income",
            BudgetField::Housing => "budget.line.housing",
            BudgetField::HealthInsurance => "budget.line.health_insurance",
            BudgetField::Childcare => "budget.line.childcare",
            BudgetField::OtherDebts => "budget.line.other_debts",
            BudgetField::OtherFixed => "budget.line.other_fixed",
        }
    }
}

impl fmt::Display for BudgetField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key().trim_start_matches("budget.line."))
    }
}

/// Why a budget was refused or cannot be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    /// An amount below zero.
    #[error("{0} cannot be negative")]
    Negative(BudgetField),
    /// An amount above [`MAX_MONTHLY_AMOUNT`].
    #[error("{0} is more than the portal accepts for a month")]
    TooLarge(BudgetField),
    /// A date before the table's first row.
    #[error("no protected-income figures for {date}: the table starts on {first}")]
    BeforeTable {
        /// The date asked for.
        date: NaiveDate,
        /// The table's first day.
        first: NaiveDate,
    },
}

/// What the form gives, unchecked. All amounts are per month; allowances and benefits that cannot
/// be garnished (huurtoeslag, zorgtoeslag, kinderopvangtoeslag, kinderbijslag, kindgebonden
/// budget) are left out of the income and taken off the cost they pay for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetInput {
    /// The household kind.
    pub household: Household,
    /// Net income incl. a twelfth of the yearly holiday allowance; for a couple, both partners'.
    pub net_income: Money,
    /// Rent (minus huurtoeslag) or mortgage.
    pub housing: Money,
    /// Health-insurance premium minus zorgtoeslag.
    pub health_insurance: Money,
    /// Childcare minus kinderopvangtoeslag.
    pub childcare: Money,
    /// Payments on other debts.
    pub other_debts: Money,
    /// Other fixed costs.
    pub other_fixed: Money,
}

/// A checked budget: every amount from zero to [`MAX_MONTHLY_AMOUNT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BudgetInput")]
pub struct Budget {
    household: Household,
    net_income: Money,
    housing: Money,
    health_insurance: Money,
    childcare: Money,
    other_debts: Money,
    other_fixed: Money,
}

impl TryFrom<BudgetInput> for Budget {
    type Error = BudgetError;

    fn try_from(input: BudgetInput) -> Result<Self, Self::Error> {
        Budget::new(input)
    }
}

impl Budget {
    /// Checks the form: no amount below zero or above [`MAX_MONTHLY_AMOUNT`].
    pub fn new(input: BudgetInput) -> Result<Budget, BudgetError> {
        let budget = Budget {
            household: input.household,
            net_income: input.net_income,
            housing: input.housing,
            health_insurance: input.health_insurance,
            childcare: input.childcare,
            other_debts: input.other_debts,
            other_fixed: input.other_fixed,
        };
        for (field, amount) in budget.amounts() {
            if amount.is_negative() {
                return Err(BudgetError::Negative(field));
            }
            if amount > MAX_MONTHLY_AMOUNT {
                return Err(BudgetError::TooLarge(field));
            }
        }
        Ok(budget)
    }

    /// Every amount with its field, income first, in display order.
    fn amounts(&self) -> [(BudgetField, Money); 6] {
        [
            (BudgetField::NetIncome, self.net_income),
            (BudgetField::Housing, self.housing),
            (BudgetField::HealthInsurance, self.health_insurance),
            (BudgetField::Childcare, self.childcare),
            (BudgetField::OtherDebts, self.other_debts),
            (BudgetField::OtherFixed, self.other_fixed),
        ]
    }

    /// The household kind.
    pub const fn household(&self) -> Household {
        self.household
    }

    /// Net income.
    pub const fn net_income(&self) -> Money {
        self.net_income
    }

    /// Rent or mortgage.
    pub const fn housing(&self) -> Money {
        self.housing
    }

    /// Health-insurance premium.
    pub const fn health_insurance(&self) -> Money {
        self.health_insurance
    }

    /// Childcare.
    pub const fn childcare(&self) -> Money {
        self.childcare
    }

    /// Payments on other debts.
    pub const fn other_debts(&self) -> Money {
        self.other_debts
    }

    /// Other fixed costs.
    pub const fn other_fixed(&self) -> Money {
        self.other_fixed
    }
}

/// How a line's amount enters the calculation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sign {
    /// Added.
    Plus,
    /// Subtracted.
    Minus,
    /// The result of the lines above.
    Equals,
    /// A figure compared or shown for reference, not added.
    Info,
}

/// One line of the calculation as the portal shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BudgetLine {
    key: &'static str,
    amount: Money,
    sign: Sign,
}

impl BudgetLine {
    const fn new(key: &'static str, amount: Money, sign: Sign) -> BudgetLine {
        BudgetLine { key, amount, sign }
    }

    /// The label key, e.g. `budget.line.net_income`.
    pub const fn key(&self) -> &'static str {
        self.key
    }

    /// The amount; negative only for what is left after fixed costs.
    pub const fn amount(&self) -> Money {
        self.amount
    }

    /// How the amount enters the calculation.
    pub const fn sign(&self) -> Sign {
        self.sign
    }
}

/// Which rule set the protected amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtectedBasis {
    /// Income at or below the norm: 95% of the income, exactly the statutory amount.
    LowIncome,
    /// Income above the norm, below the maximum: 95% of the income, an upper bound of the
    /// statutory amount (the portal does not compute the compensatiekop).
    MiddleIncomeBound,
    /// The statutory maximum.
    Maximum,
}

/// The protected amount and how it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Protected {
    amount: Money,
    basis: ProtectedBasis,
    lines: Vec<BudgetLine>,
    period_from: NaiveDate,
    source: String,
    provenance: Provenance,
}

impl Protected {
    /// The amount the debtor keeps at least.
    pub const fn amount(&self) -> Money {
        self.amount
    }

    /// Which rule set it.
    pub const fn basis(&self) -> ProtectedBasis {
        self.basis
    }

    /// The derivation: norm, 95% of it, 95% of the income, the maximum, the result.
    pub fn lines(&self) -> &[BudgetLine] {
        &self.lines
    }

    /// The first day of the table row used.
    pub const fn period_from(&self) -> NaiveDate {
        self.period_from
    }

    /// Where the row's figures were read.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// How far the row's figures can be trusted.
    pub const fn provenance(&self) -> Provenance {
        self.provenance
    }
}

/// What the check concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// At most `capacity` (more than zero) a month can be paid.
    CanPay {
        /// The most a month.
        capacity: Money,
    },
    /// Nothing can be paid: the income does not exceed the protected amount.
    BelowProtected,
    /// Nothing can be paid: the fixed costs take all the income.
    FixedCostsExceedIncome,
}

impl Verdict {
    /// The label key of the sentence that says it plainly, e.g. `budget.verdict.can_pay`.
    pub const fn key(self) -> &'static str {
        match self {
            Verdict::CanPay { .. } => "budget.verdict.can_pay",
            Verdict::BelowProtected => "budget.verdict.below_protected",
            Verdict::FixedCostsExceedIncome => "budget.verdict.fixed_costs_exceed_income",
        }
    }
}

/// The outcome of [`check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetCheck {
    household: Household,
    lines: Vec<BudgetLine>,
    left_after_fixed_costs: Money,
    protected: Protected,
    above_protected: Money,
    capacity: Money,
    capacity_lines: Vec<BudgetLine>,
    verdict: Verdict,
    stale_since: Option<NaiveDate>,
}

impl BudgetCheck {
    /// The household kind checked.
    pub const fn household(&self) -> Household {
        self.household
    }

    /// Income, each fixed cost and what is left, in display order.
    pub fn lines(&self) -> &[BudgetLine] {
        &self.lines
    }

    /// Income minus all fixed costs; negative when the costs exceed the income.
    pub const fn left_after_fixed_costs(&self) -> Money {
        self.left_after_fixed_costs
    }

    /// The protected amount with its derivation.
    pub const fn protected(&self) -> &Protected {
        &self.protected
    }

    /// Income minus the protected amount: what the law leaves to creditors (never negative).
    pub const fn above_protected(&self) -> Money {
        self.above_protected
    }

    /// The most that can be paid a month: the lower of [`Self::above_protected`] and
    /// [`Self::left_after_fixed_costs`], never negative.
    pub const fn capacity(&self) -> Money {
        self.capacity
    }

    /// The two limits and the capacity, in display order.
    pub fn capacity_lines(&self) -> &[BudgetLine] {
        &self.capacity_lines
    }

    /// The conclusion.
    pub const fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// The last day the table covers, when the check date is past it: the figures of its last
    /// half year were assumed, and the portal should say so.
    pub const fn stale_since(&self) -> Option<NaiveDate> {
        self.stale_since
    }

    /// Whether a monthly `instalment` fits: more than zero and at most the capacity.
    pub fn allows(&self, instalment: Money) -> bool {
        instalment.is_positive() && instalment <= self.capacity
    }
}

/// Checks `budget` against the figures in force `on` that day.
///
/// How the figures combine:
///
/// - `left_after_fixed_costs` = net income − housing − health insurance − childcare − other
///   debts − other fixed costs (may be negative);
/// - `protected` = the lower of 95% of the net income (rounded up) and the statutory maximum for
///   the household; see the module documentation for why this never protects less than the law;
/// - `capacity` = the lower of `income − protected` and `left_after_fixed_costs`, and never below
///   zero. The first limit is the law: the debtor always keeps at least the protected amount.
///   The second is the debtor's real room: the law does not protect payments on other debts or
///   costs above those the beslagvrije voet assumes (it already covers living costs incl. usual
///   rent), but an instalment the debtor cannot pay after their fixed costs helps no one.
///
/// Every amount is whole cents; the only division is the 95%, rounded up (towards the debtor).
pub fn check(
    budget: &Budget,
    on: NaiveDate,
    table: &ProtectedIncomeTable,
) -> Result<BudgetCheck, BudgetError> {
    let row = table.row_on(budget.household, on)?;

    // Amounts are at most MAX_MONTHLY_AMOUNT (1e8 cents), so sums of six fit an i64 with room.
    let mut lines = Vec::with_capacity(7);
    let mut left = 0i64;
    for (field, amount) in budget.amounts() {
        let sign = if field == BudgetField::NetIncome {
            left += amount.cents();
            Sign::Plus
        } else {
            left -= amount.cents();
            Sign::Minus
        };
        lines.push(BudgetLine::new(field.key(), amount, sign));
    }
    let left_after_fixed_costs = Money::from_cents(left);
    lines.push(BudgetLine::new(
        "budget.line.left_after_fixed_costs",
        left_after_fixed_costs,
        Sign::Equals,
    ));

    let protected = protected_for(budget.net_income, row);
    let above_protected = Money::from_cents(budget.net_income.cents() - protected.amount.cents());
    let capacity = above_protected.min(left_after_fixed_costs.max(Money::ZERO));
    let verdict = if above_protected.is_zero() {
        Verdict::BelowProtected
    } else if !left_after_fixed_costs.is_positive() {
        Verdict::FixedCostsExceedIncome
    } else {
        Verdict::CanPay { capacity }
    };
    let capacity_lines = vec![
        BudgetLine::new(
            "budget.capacity.above_protected",
            above_protected,
            Sign::Info,
        ),
        BudgetLine::new(
            "budget.capacity.left_after_fixed_costs",
            left_after_fixed_costs,
            Sign::Info,
        ),
        BudgetLine::new("budget.capacity.max_instalment", capacity, Sign::Equals),
    ];
    Ok(BudgetCheck {
        household: budget.household,
        lines,
        left_after_fixed_costs,
        protected,
        above_protected,
        capacity,
        capacity_lines,
        verdict,
        stale_since: table.stale_on(on),
    })
}

/// The most a plan may ask a month under `check`; zero when nothing can be paid.
pub fn max_instalment(check: &BudgetCheck) -> Money {
    check.capacity
}

fn protected_for(net_income: Money, row: &ProtectedIncomeRow) -> Protected {
    let income_95 = ninety_five_percent_up(net_income);
    // The table guarantees maximum ≥ 95% of the norm, so at or below the norm 95% of the income
    // is always the lower of the two.
    let (amount, basis) = if net_income <= row.norm {
        (income_95, ProtectedBasis::LowIncome)
    } else if income_95 < row.maximum {
        (income_95, ProtectedBasis::MiddleIncomeBound)
    } else {
        (row.maximum, ProtectedBasis::Maximum)
    };
    Protected {
        amount,
        basis,
        lines: vec![
            BudgetLine::new("budget.protected.norm", row.norm, Sign::Info),
            BudgetLine::new(
                "budget.protected.norm_95",
                ninety_five_percent_up(row.norm),
                Sign::Info,
            ),
            BudgetLine::new("budget.protected.income_95", income_95, Sign::Info),
            BudgetLine::new("budget.protected.maximum", row.maximum, Sign::Info),
            BudgetLine::new("budget.protected.amount", amount, Sign::Equals),
        ],
        period_from: row.from,
        source: row.source.clone(),
        provenance: row.provenance(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn eur(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    fn budget(
        household: Household,
        net_income: i64,
        [
            housing,
            health_insurance,
            childcare,
            other_debts,
            other_fixed,
        ]: [i64; 5],
    ) -> Budget {
        Budget::new(BudgetInput {
            household,
            net_income: eur(net_income),
            housing: eur(housing),
            health_insurance: eur(health_insurance),
            childcare: eur(childcare),
            other_debts: eur(other_debts),
            other_fixed: eur(other_fixed),
        })
        .unwrap()
    }

    #[test]
    fn the_embedded_table_parses_with_every_kind_every_half_year() {
        let table = ProtectedIncomeTable::embedded();
        assert_eq!(table.first_day(), day(2024, 1, 1));
        assert_eq!(table.covered_until(), day(2026, 12, 31));
        assert_eq!(table.rows().len(), 6 * 4);
        assert!(table.rows().iter().all(|r| !r.source.is_empty()));
        // Nothing in the table was read from the publication itself.
        assert!(
            table
                .rows()
                .iter()
                .all(|r| r.provenance() != Provenance::Published)
        );
        let row = table
            .row_on(Household::CoupleWithChildren, day(2025, 9, 1))
            .unwrap();
        assert_eq!((row.norm, row.maximum), (eur(1955_80), eur(2888_00)));
        assert_eq!(row.provenance(), Provenance::Reported);
        let row = table.row_on(Household::Single, day(2026, 3, 1)).unwrap();
        assert_eq!(row.provenance(), Provenance::Estimate);
        assert!(std::ptr::eq(current(), current()));
    }

    #[test]
    fn a_malformed_file_is_refused_with_the_line_in_error() {
        let rows = |extra: &str| {
            let mut text = String::from("# c\nhousehold,from,norm,maximum,source\n");
            for h in Household::ALL {
                text.push_str(&format!("{h},2024-01-01,1000.00,2000.00,s\n"));
            }
            text.push_str(extra);
            text
        };
        assert!(ProtectedIncomeTable::parse(&rows("")).is_ok());
        let cases = [
            ("household,from,norm,source\n".to_string(), 1, "header"),
            (
                rows("single,2024-07-01,1000.00,2000.00\n"),
                7,
                "needs household",
            ),
            (
                rows("pensioner,2024-07-01,1000.00,2000.00,s\n"),
                7,
                "not single",
            ),
            (
                rows("single,01-07-2024,1000.00,2000.00,s\n"),
                7,
                "not a date",
            ),
            (
                rows("single,2024-02-01,1000.00,2000.00,s\n"),
                7,
                "1 January or 1 July",
            ),
            (rows("single,2024-07-01,1000.0,2000.00,s\n"), 7, "norm"),
            (rows("single,2024-07-01,1000.00,2.000,00,s\n"), 7, "maximum"),
            (rows("single,2024-07-01,-1000.00,2000.00,s\n"), 7, "norm"),
            (
                rows("single,2024-07-01,0.00,2000.00,s\n"),
                7,
                "more than zero",
            ),
            (
                rows("single,2024-07-01,1000.00,1000001.00,s\n"),
                7,
                "maximum",
            ),
            (rows("single,2024-07-01,1000.00,949.99,s\n"), 7, "below 95%"),
            (
                rows("single,2024-07-01,1000.00,2000.00,\n"),
                7,
                "source is empty",
            ),
            (
                rows("single,2024-01-01,1000.00,2000.00,s\n"),
                7,
                "not after",
            ),
            (
                rows("single,2024-07-01,1000.00,2000.00,s\n"),
                7,
                "every household kind",
            ),
        ];
        for (text, line, needle) in cases {
            let e = ProtectedIncomeTable::parse(&text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
        }
        let e = ProtectedIncomeTable::parse(
            "household,from,norm,maximum,source\nsingle,2024-01-01,1000.00,2000.00,s\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("no single_parent rows"), "{e}");
        // Exactly 95% of the norm (rounded up) is the lowest maximum accepted.
        let lowest = rows("").replace("2000.00", "950.00");
        assert!(ProtectedIncomeTable::parse(&lowest).is_ok());
    }

    #[test]
    fn lookups_switch_on_1_january_and_1_july() {
        let table = ProtectedIncomeTable::embedded();
        let from = |h, d| table.row_on(h, d).unwrap().from;
        for h in Household::ALL {
            assert_eq!(from(h, day(2024, 12, 31)), day(2024, 7, 1));
            assert_eq!(from(h, day(2025, 1, 1)), day(2025, 1, 1));
            assert_eq!(from(h, day(2025, 6, 30)), day(2025, 1, 1));
            assert_eq!(from(h, day(2025, 7, 1)), day(2025, 7, 1));
            assert_eq!(from(h, day(2024, 1, 1)), day(2024, 1, 1));
        }
        assert_eq!(
            table.row_on(Household::Single, day(2023, 12, 31)),
            Err(BudgetError::BeforeTable {
                date: day(2023, 12, 31),
                first: day(2024, 1, 1)
            })
        );
        // Past the table the last figures are used, and flagged.
        assert_eq!(from(Household::Couple, day(2027, 3, 1)), day(2026, 7, 1));
        assert_eq!(table.stale_on(day(2026, 12, 31)), None);
        assert_eq!(table.stale_on(day(2027, 1, 1)), Some(day(2026, 12, 31)));
        let b = budget(Household::Single, 2000_00, [0; 5]);
        assert_eq!(
            check(&b, day(2026, 12, 31), &table).unwrap().stale_since(),
            None
        );
        assert_eq!(
            check(&b, day(2027, 1, 1), &table).unwrap().stale_since(),
            Some(day(2026, 12, 31))
        );
        assert!(matches!(
            check(&b, day(2023, 6, 1), &table),
            Err(BudgetError::BeforeTable { .. })
        ));
    }

    fn keys(lines: &[BudgetLine]) -> Vec<&'static str> {
        lines.iter().map(|l| l.key()).collect()
    }

    #[test]
    fn single_on_social_assistance_can_pay_five_percent() {
        // 2025-03-01, single, norm € 1.345,45, maximum € 2.071,24.
        // Income € 1.345,45 (= the norm), costs 450 + 40 + 0 + 0 + 150 = € 640,00.
        // Left after fixed costs: 1345.45 − 640.00 = € 705,45.
        // 95% of 1345.45 = 1278.1775 → rounded up € 1.278,18 (income ≤ norm: the law exactly).
        // Above protected: 1345.45 − 1278.18 = € 67,27; capacity min(67.27, 705.45) = € 67,27.
        let b = budget(Household::Single, 1345_45, [450_00, 40_00, 0, 0, 150_00]);
        let c = check(&b, day(2025, 3, 1), &ProtectedIncomeTable::embedded()).unwrap();
        assert_eq!(
            keys(c.lines()),
            [
                "budget.line.net_income",
                "budget.line.housing",
                "budget.line.health_insurance",
                "budget.line.childcare",
                "budget.line.other_debts",
                "budget.line.other_fixed",
                "budget.line.left_after_fixed_costs",
            ]
        );
        assert_eq!(c.lines()[0].sign(), Sign::Plus);
        assert_eq!(c.lines()[1].sign(), Sign::Minus);
        assert_eq!(c.lines()[6].sign(), Sign::Equals);
        assert_eq!(c.left_after_fixed_costs(), eur(705_45));
        let p = c.protected();
        assert_eq!(
            p.lines()
                .iter()
                .map(|l| (l.key(), l.amount()))
                .collect::<Vec<_>>(),
            [
                ("budget.protected.norm", eur(1345_45)),
                ("budget.protected.norm_95", eur(1278_18)),
                ("budget.protected.income_95", eur(1278_18)),
                ("budget.protected.maximum", eur(2071_24)),
                ("budget.protected.amount", eur(1278_18)),
            ]
        );
        assert_eq!(p.basis(), ProtectedBasis::LowIncome);
        assert_eq!(p.period_from(), day(2025, 1, 1));
        assert!(p.source().contains("aag.nl"));
        assert_eq!(c.above_protected(), eur(67_27));
        assert_eq!(
            c.verdict(),
            Verdict::CanPay {
                capacity: eur(67_27)
            }
        );
        assert_eq!(max_instalment(&c), eur(67_27));
        assert_eq!(
            keys(c.capacity_lines()),
            [
                "budget.capacity.above_protected",
                "budget.capacity.left_after_fixed_costs",
                "budget.capacity.max_instalment",
            ]
        );
        assert!(c.allows(eur(67_27)) && !c.allows(eur(67_28)) && !c.allows(Money::ZERO));
    }

    #[test]
    fn single_parent_with_a_high_income_keeps_the_maximum() {
        // 2025-03-01, single parent, maximum € 2.242,24.
        // Income € 2.600,00; costs 1100 + 150 + 200 + 100 + 250 = € 1.800,00; left € 800,00.
        // 95% of 2600.00 = € 2.470,00 > maximum, so protected = € 2.242,24.
        // Above protected: 2600.00 − 2242.24 = € 357,76; capacity min(357.76, 800.00) = € 357,76.
        let b = budget(
            Household::SingleParent,
            2600_00,
            [1100_00, 150_00, 200_00, 100_00, 250_00],
        );
        let c = check(&b, day(2025, 3, 1), &ProtectedIncomeTable::embedded()).unwrap();
        assert_eq!(c.left_after_fixed_costs(), eur(800_00));
        assert_eq!(c.protected().amount(), eur(2242_24));
        assert_eq!(c.protected().basis(), ProtectedBasis::Maximum);
        assert_eq!(
            c.verdict(),
            Verdict::CanPay {
                capacity: eur(357_76)
            }
        );
    }

    #[test]
    fn couple_is_limited_by_what_is_left_after_fixed_costs() {
        // 2025-03-01, couple, norm € 1.922,07, maximum € 2.739,03.
        // Income € 2.000,00; costs 900 + 300 + 0 + 500 + 250 = € 1.950,00; left € 50,00.
        // 95% of 2000.00 = € 1.900,00 (above the norm, below the maximum: an upper bound).
        // Above protected € 100,00; capacity min(100.00, 50.00) = € 50,00.
        let b = budget(
            Household::Couple,
            2000_00,
            [900_00, 300_00, 0, 500_00, 250_00],
        );
        let c = check(&b, day(2025, 3, 1), &ProtectedIncomeTable::embedded()).unwrap();
        assert_eq!(c.protected().amount(), eur(1900_00));
        assert_eq!(c.protected().basis(), ProtectedBasis::MiddleIncomeBound);
        assert_eq!(c.above_protected(), eur(100_00));
        assert_eq!(
            c.verdict(),
            Verdict::CanPay {
                capacity: eur(50_00)
            }
        );
    }

    #[test]
    fn couple_with_children_whose_costs_exceed_the_income_can_pay_nothing() {
        // 2025-03-01, couple with children, maximum € 2.855,96.
        // Income € 2.500,00; costs 1400 + 320 + 400 + 300 + 200 = € 2.620,00; left € −120,00.
        // 95% of 2500.00 = € 2.375,00, above protected € 125,00; capacity min(125, 0) = 0.
        let b = budget(
            Household::CoupleWithChildren,
            2500_00,
            [1400_00, 320_00, 400_00, 300_00, 200_00],
        );
        let c = check(&b, day(2025, 3, 1), &ProtectedIncomeTable::embedded()).unwrap();
        assert_eq!(c.left_after_fixed_costs(), eur(-120_00));
        assert_eq!(c.protected().amount(), eur(2375_00));
        assert_eq!(c.capacity(), Money::ZERO);
        assert_eq!(c.verdict(), Verdict::FixedCostsExceedIncome);
        assert_eq!(
            c.verdict().key(),
            "budget.verdict.fixed_costs_exceed_income"
        );
        assert!(!c.allows(eur(1)));
    }

    #[test]
    fn no_income_means_nothing_above_the_protected_amount() {
        let b = budget(Household::Single, 0, [0; 5]);
        let c = check(&b, day(2025, 3, 1), &ProtectedIncomeTable::embedded()).unwrap();
        assert_eq!(c.verdict(), Verdict::BelowProtected);
        assert_eq!(max_instalment(&c), Money::ZERO);
    }

    #[test]
    fn the_protected_amount_rounds_up_for_the_debtor() {
        // 1400.11 × 95% = 1330.1045: half-up would give 1330.10; up gives 1330.11.
        assert_eq!(ninety_five_percent_up(eur(1400_11)), eur(1330_11));
        // 11 cents × 95% = 10.45 cents → 11: nothing can be paid from 11 cents.
        assert_eq!(ninety_five_percent_up(eur(11)), eur(11));
        // Exact results stay exact.
        assert_eq!(ninety_five_percent_up(eur(2000_00)), eur(1900_00));
        assert_eq!(ninety_five_percent_up(Money::ZERO), Money::ZERO);
        assert_eq!(ninety_five_percent_up(MAX_MONTHLY_AMOUNT), eur(950_000_00));
        let table = ProtectedIncomeTable::embedded();
        let c = check(
            &budget(Household::Single, 1400_11, [0; 5]),
            day(2025, 3, 1),
            &table,
        )
        .unwrap();
        assert_eq!(c.capacity(), eur(70_00));
        let c = check(
            &budget(Household::Single, 11, [0; 5]),
            day(2025, 3, 1),
            &table,
        )
        .unwrap();
        assert_eq!(c.verdict(), Verdict::BelowProtected);
    }

    #[test]
    fn a_budget_refuses_negative_and_huge_amounts() {
        let input = BudgetInput {
            household: Household::Couple,
            net_income: eur(2000_00),
            housing: eur(800_00),
            health_insurance: eur(250_00),
            childcare: Money::ZERO,
            other_debts: Money::ZERO,
            other_fixed: Money::ZERO,
        };
        assert!(Budget::new(input).is_ok());
        let e = Budget::new(BudgetInput {
            childcare: eur(-1),
            ..input
        })
        .unwrap_err();
        assert_eq!(e, BudgetError::Negative(BudgetField::Childcare));
        assert_eq!(e.to_string(), "childcare cannot be negative");
        assert_eq!(
            Budget::new(BudgetInput {
                net_income: eur(1_000_000_01),
                ..input
            }),
            Err(BudgetError::TooLarge(BudgetField::NetIncome))
        );
        assert!(
            Budget::new(BudgetInput {
                other_fixed: MAX_MONTHLY_AMOUNT,
                ..input
            })
            .is_ok()
        );
    }

    #[test]
    fn forms_use_stable_strings() {
        for (h, s) in Household::ALL.into_iter().zip([
            "single",
            "single_parent",
            "couple",
            "couple_with_children",
        ]) {
            assert_eq!(h.as_str(), s);
            assert_eq!(h.to_string(), s);
            assert_eq!(s.parse::<Household>(), Ok(h));
            assert_eq!(serde_json::to_string(&h).unwrap(), format!("\"{s}\""));
            assert_eq!(
                serde_json::from_str::<Household>(&format!("\"{s}\"")).unwrap(),
                h
            );
        }
        assert!("Single".parse::<Household>().is_err());
        let json = r#"{"household":"couple","net_income":200000,"housing":80000,
            "health_insurance":25000,"childcare":0,"other_debts":0,"other_fixed":-5}"#;
        assert!(serde_json::from_str::<Budget>(json).is_err());
        let b: Budget = serde_json::from_str(&json.replace("-5", "5")).unwrap();
        assert_eq!(b.other_fixed(), eur(5));
        assert_eq!(
            serde_json::to_value(Verdict::CanPay { capacity: eur(5) }).unwrap(),
            serde_json::json!({"verdict": "can_pay", "capacity": 5})
        );
    }

    fn any_budget() -> impl Strategy<Value = Budget> {
        // Mostly everyday amounts, so every branch is hit; sometimes anything allowed.
        let amount = prop_oneof![
            4 => 0i64..5000_00,
            1 => 0i64..=MAX_MONTHLY_AMOUNT.cents(),
        ];
        (0usize..4, amount.clone(), prop::array::uniform5(amount))
            .prop_map(|(h, income, costs)| budget(Household::ALL[h], income, costs.map(|c| c / 4)))
    }

    proptest! {
        #[test]
        fn capacity_never_negative_and_never_below_the_protected_amount(
            b in any_budget(),
            offset in 0u64..1200,
        ) {
            let table = ProtectedIncomeTable::embedded();
            let on = day(2024, 1, 1) + chrono::Days::new(offset);
            let c = check(&b, on, &table).unwrap();
            let row = table.row_on(b.household(), on).unwrap();
            let income = b.net_income().cents();
            let protected = c.protected().amount().cents();
            let capacity = c.capacity().cents();

            prop_assert!(capacity >= 0);
            // What the debtor keeps after the instalment is at least the protected amount.
            prop_assert!(income - capacity >= protected);
            prop_assert!(capacity <= c.left_after_fixed_costs().cents().max(0));
            // And the capacity is the most those two limits allow.
            prop_assert_eq!(
                capacity,
                (income - protected).min(c.left_after_fixed_costs().cents().max(0))
            );
            // Never less than the law: 95% of the income (rounded up) or the maximum.
            prop_assert!(protected <= row.maximum.cents());
            prop_assert_eq!(protected, ((95 * income + 99) / 100).min(row.maximum.cents()));
            prop_assert!(protected == row.maximum.cents() || 100 * protected >= 95 * income);
            prop_assert_eq!(max_instalment(&c), c.capacity());
            prop_assert_eq!(
                matches!(c.verdict(), Verdict::CanPay { .. }),
                capacity > 0
            );
            if let Verdict::CanPay { capacity: v } = c.verdict() {
                prop_assert_eq!(v, c.capacity());
            }
        }
    }
}
