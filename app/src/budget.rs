//! The income and expenses statement (issue 21): what the statement page, the plan review and
//! the personal-data page exchange with the server, and reading the form. The rule (the
//! beslagvrije voet and what is left) is `domain::budget::check`; `ssr::budget` applies it.

use chrono::NaiveDate;
use domain::budget::{BudgetInput, Household, MAX_MONTHLY_AMOUNT};
use domain::{BudgetFileId, Money, MoneyParseError};
use serde::{Deserialize, Serialize};

/// The amount fields of the form, in display order, with their form names.
pub const AMOUNT_FIELDS: [&str; 6] = [
    "net_income",
    "housing",
    "health_insurance",
    "childcare",
    "other_debts",
    "other_fixed",
];

/// The form as typed: kept as text so a refused form comes back exactly as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetForm {
    pub household: String,
    pub net_income: String,
    pub housing: String,
    pub health_insurance: String,
    pub childcare: String,
    pub other_debts: String,
    pub other_fixed: String,
    /// The plan asked for: months, or else a monthly amount (as on the plan page).
    pub months: String,
    pub amount: String,
    /// Why the debtor asks for a plan outside the rules.
    pub reason: String,
}

impl BudgetForm {
    /// The typed text of a form field by its name (`""` for an unknown name).
    pub fn value(&self, name: &str) -> &str {
        match name {
            "household" => &self.household,
            "net_income" => &self.net_income,
            "housing" => &self.housing,
            "health_insurance" => &self.health_insurance,
            "childcare" => &self.childcare,
            "other_debts" => &self.other_debts,
            "other_fixed" => &self.other_fixed,
            "months" => &self.months,
            "amount" => &self.amount,
            "reason" => &self.reason,
            _ => "",
        }
    }

    /// Sets a form field by its name; unknown names are ignored.
    pub fn set(&mut self, name: &str, value: String) {
        match name {
            "household" => self.household = value,
            "net_income" => self.net_income = value,
            "housing" => self.housing = value,
            "health_insurance" => self.health_insurance = value,
            "childcare" => self.childcare = value,
            "other_debts" => self.other_debts = value,
            "other_fixed" => self.other_fixed = value,
            "months" => self.months = value,
            "amount" => self.amount = value,
            "reason" => self.reason = value,
            _ => {}
        }
    }
}

/// What is wrong with one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldProblem {
    /// Left empty (income, household, reason).
    Required,
    /// Not an amount (letters, `1.2.3`, three decimals).
    NotAnAmount,
    /// Below zero.
    Negative,
    /// More than the portal accepts for a month.
    TooLarge,
    /// The months or monthly amount of the plan cannot be read.
    Plan,
    /// The reason is longer than the plan rules keep.
    TooLong,
}

/// What is wrong with the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileProblem {
    /// Not a PDF, JPEG or PNG by its bytes.
    Type,
    /// Over the size limit.
    TooLarge,
    /// No bytes.
    Empty,
    /// More files than allowed.
    TooMany,
}

/// Why the statement and its plan were not sent, apart from the fields and files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormProblem {
    /// The plan asks more a month than the statement leaves (`capacity`, more than zero).
    OverCapacity { asked: Money, capacity: Money },
    /// The statement leaves nothing to pay: no plan can be proposed.
    NothingPayable,
    /// The plan is within the agency's rules: no statement needed, agree it on the plan page.
    WithinRules,
    /// A plan is already in play.
    PlanInPlay,
    /// Nothing is open.
    NothingToPlan,
    /// Plans are not available (no online payments).
    Offline,
    /// Something on our side; try again later.
    Unavailable,
}

/// Everything refused in one sending, shown next to each field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problems {
    /// Per form field name.
    pub fields: Vec<(String, FieldProblem)>,
    /// The files' problem, with the file's name as sent.
    pub files: Option<(FileProblem, String)>,
    pub form: Option<FormProblem>,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.files.is_none() && self.form.is_none()
    }

    /// The problem of the field `name`, if any.
    pub fn field(&self, name: &str) -> Option<FieldProblem> {
        self.fields
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, problem)| *problem)
    }
}

/// A form sent back to the page after a refusal: what was typed and what was wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Returned {
    pub form: BudgetForm,
    pub problems: Problems,
}

/// One line of a calculation: its label key (`budget.line.housing`, …; see
/// `domain::budget`), the amount and how it counts (`plus`, `minus`, `equals`, `info`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineView {
    pub key: String,
    pub amount: Money,
    pub sign: String,
}

/// A file kept with a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetFileRow {
    pub id: BudgetFileId,
    pub name: String,
    pub size_kb: i64,
}

/// A statement checked by `domain::budget::check`, line by line, for the debtor and staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetView {
    /// `single`, `single_parent`, `couple`, `couple_with_children`.
    pub household: String,
    /// Income, each fixed cost, what is left.
    pub lines: Vec<LineView>,
    /// The beslagvrije voet's derivation: norm, 95% of it, 95% of the income, maximum, result.
    pub protected_lines: Vec<LineView>,
    pub protected: Money,
    /// `low_income`, `middle_income_bound`, `maximum`.
    pub protected_basis: String,
    /// The first day of the half year whose figures were used.
    pub table_from: NaiveDate,
    /// Where those figures were read.
    pub source: String,
    /// The figures were only reported or estimated, not read from the publication.
    pub unconfirmed: bool,
    /// The table ended before this day: its last figures were assumed.
    pub stale_since: Option<NaiveDate>,
    /// Above the protected amount, left after fixed costs, the most a month.
    pub capacity_lines: Vec<LineView>,
    pub capacity: Money,
    /// `can_pay`, `below_protected`, `fixed_costs_exceed_income`.
    pub verdict: String,
    /// When it was sent (none for a statement being filled in).
    pub sent_on: Option<NaiveDate>,
    pub files: Vec<BudgetFileRow>,
}

impl BudgetView {
    /// Nothing can be paid: below the protected level, or the fixed costs take everything.
    pub fn nothing_payable(&self) -> bool {
        self.verdict != "can_pay"
    }
}

/// `/dossier/plan/budget`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetPage {
    /// The statement sent with the plan in play (or the last one), as the debtor sent it.
    pub sent: Option<BudgetView>,
    /// A plan is in play (in review, proposed or running): no new statement is taken.
    pub plan_in_play: bool,
    /// A refused form, back with its problems, and its calculation when the amounts could be
    /// read.
    pub returned: Option<Returned>,
    pub returned_check: Option<BudgetView>,
    /// The agency's rules for this balance: the smallest monthly amount within them and the
    /// most months.
    pub min_monthly_amount: Money,
    pub max_months: u32,
    pub open_total: Money,
    pub max_files: usize,
    pub max_file_mb: usize,
}

/// A statement as the personal-data page and the export list it (GDPR art. 15 and 20).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinancialRecord {
    pub sent_on: NaiveDate,
    pub household: String,
    pub net_income: Money,
    pub housing: Money,
    pub health_insurance: Money,
    pub childcare: Money,
    pub other_debts: Money,
    pub other_fixed: Money,
    pub protected: Money,
    pub capacity: Money,
    pub verdict: String,
    /// The status of the plan it came with.
    pub plan_status: String,
    /// The last day it is kept; `None` while its plan is in review or running (then it is kept
    /// until a year after the plan ends).
    pub keep_until: Option<NaiveDate>,
    pub files: Vec<BudgetFileRow>,
}

/// The largest reason kept (the plan rules' limit).
pub const MAX_REASON_CHARS: usize = 1000;

/// Reads one amount: blank is `blank` (an error for the income, zero for a cost).
fn amount(text: &str, blank: Result<Money, FieldProblem>) -> Result<Money, FieldProblem> {
    let text = text.trim();
    if text.is_empty() {
        return blank;
    }
    match Money::parse(text) {
        Ok(m) if m > MAX_MONTHLY_AMOUNT => Err(FieldProblem::TooLarge),
        Ok(m) if m.is_negative() => Err(FieldProblem::Negative),
        Ok(m) => Ok(m),
        Err(MoneyParseError::Negative) => Err(FieldProblem::Negative),
        Err(MoneyParseError::Overflow) => Err(FieldProblem::TooLarge),
        Err(MoneyParseError::Empty) => blank,
        Err(_) => Err(FieldProblem::NotAnAmount),
    }
}

/// Reads the statement's fields (not the plan or the reason): the input for
/// `domain::budget::Budget::new`, or every field's problem.
pub fn read_statement(form: &BudgetForm) -> Result<BudgetInput, Vec<(String, FieldProblem)>> {
    let mut problems = Vec::new();
    let household = form.household.trim().parse::<Household>().ok();
    if household.is_none() {
        problems.push(("household".to_owned(), FieldProblem::Required));
    }
    let mut amounts = [Money::ZERO; 6];
    for (slot, name) in amounts.iter_mut().zip(AMOUNT_FIELDS) {
        let blank = if name == "net_income" {
            Err(FieldProblem::Required)
        } else {
            Ok(Money::ZERO)
        };
        match amount(form.value(name), blank) {
            Ok(m) => *slot = m,
            Err(p) => problems.push((name.to_owned(), p)),
        }
    }
    match household {
        Some(household) if problems.is_empty() => {
            let [
                net_income,
                housing,
                health_insurance,
                childcare,
                other_debts,
                other_fixed,
            ] = amounts;
            Ok(BudgetInput {
                household,
                net_income,
                housing,
                health_insurance,
                childcare,
                other_debts,
                other_fixed,
            })
        }
        _ => Err(problems),
    }
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BudgetForm {
        let mut form = BudgetForm::default();
        for (name, value) in pairs {
            form.set(name, (*value).to_owned());
        }
        form
    }

    #[test]
    fn blank_costs_are_zero_and_the_income_and_household_are_required() {
        let input = read_statement(&form(&[
            ("household", "single"),
            ("net_income", "1.650,00"),
            ("housing", " 725 "),
        ]))
        .unwrap();
        assert_eq!(input.net_income, Money::from_cents(1_650_00));
        assert_eq!(input.housing, Money::from_cents(725_00));
        assert_eq!(input.childcare, Money::ZERO);
        let problems = read_statement(&form(&[("housing", "725")])).unwrap_err();
        assert_eq!(
            problems,
            vec![
                ("household".to_owned(), FieldProblem::Required),
                ("net_income".to_owned(), FieldProblem::Required),
            ]
        );
    }

    #[test]
    fn each_field_says_what_is_wrong_with_it() {
        let problems = read_statement(&form(&[
            ("household", "single"),
            ("net_income", "veel"),
            ("housing", "-725"),
            ("health_insurance", "2000000"),
            ("childcare", "1,234"),
        ]))
        .unwrap_err();
        assert_eq!(
            problems,
            vec![
                ("net_income".to_owned(), FieldProblem::NotAnAmount),
                ("housing".to_owned(), FieldProblem::Negative),
                ("health_insurance".to_owned(), FieldProblem::TooLarge),
                ("childcare".to_owned(), FieldProblem::NotAnAmount),
            ]
        );
        assert_eq!(
            read_statement(&form(&[("household", "pension"), ("net_income", "1000")])).unwrap_err(),
            vec![("household".to_owned(), FieldProblem::Required)]
        );
    }
}
