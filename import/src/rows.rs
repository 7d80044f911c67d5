//! One CSV row into domain values, or the list of what is wrong with it.

use chrono::{Datelike, NaiveDate};
use csv::StringRecord;
use domain::{CreditorId, DossierNumber, Email, KvkNumber, Money, Phone, Postcode, VatNumber};
use store::{DebtorDetails, DebtorKind, InterestKind, NewClaimItem};

use crate::columns::{Column, Header};
use crate::fields::{self, MAX_CODE, MAX_TEXT, quoted};

/// The creditor as one row describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowCreditor {
    pub(crate) id: CreditorId,
    pub(crate) name: String,
    pub(crate) interest_kind: Option<InterestKind>,
    pub(crate) deducts_vat: Option<bool>,
}

/// A 14-day letter as a row gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RowLetter {
    pub(crate) sent_on: NaiveDate,
    pub(crate) costs_announced: Option<Money>,
}

/// A row that passed every check on its own.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) line: u64,
    pub(crate) creditor: RowCreditor,
    pub(crate) dossier: DossierNumber,
    pub(crate) debtor: DebtorDetails,
    pub(crate) item: NewClaimItem,
    /// The latest letter date on the row (either column): moves the retention date.
    pub(crate) last_letter: Option<NaiveDate>,
    /// The 14-day letter that asked for this row's invoice.
    pub(crate) letter: Option<RowLetter>,
}

/// A row with problems: the dossier it names (as far as readable) and what is wrong.
#[derive(Debug, Clone)]
pub(crate) struct BadRow {
    pub(crate) line: u64,
    pub(crate) dossier: Option<DossierNumber>,
    /// The dossier cell as written, for rows whose number could not be read.
    pub(crate) dossier_text: String,
    pub(crate) problems: Vec<String>,
}

/// Collects a row's problems so that one pass reports all of them.
struct Checker<'a> {
    header: &'a Header,
    record: &'a StringRecord,
    problems: Vec<String>,
}

impl Checker<'_> {
    fn cell(&self, column: Column) -> &str {
        self.header.get(self.record, column)
    }

    /// Parses a cell that must have a value.
    fn required<T>(
        &mut self,
        column: Column,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.cell(column);
        if value.is_empty() {
            self.problems.push(format!("{} is empty", column.name()));
            return None;
        }
        match parse(value) {
            Ok(parsed) => Some(parsed),
            Err(reason) => {
                self.problems.push(format!("{} {reason}", column.name()));
                None
            }
        }
    }

    /// Parses a cell that may be blank; `None` for blank or refused (then a problem is noted).
    fn optional<T>(
        &mut self,
        column: Column,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        if self.cell(column).is_empty() {
            return None;
        }
        self.required(column, parse)
    }

    /// Notes a problem when a cell that does not apply has a value.
    fn forbid(&mut self, column: Column, why: &str) {
        if !self.cell(column).is_empty() {
            self.problems
                .push(format!("{} is given but {why}", column.name()));
        }
    }
}

/// `parse` of a domain type with the refused value quoted before its reason.
fn typed<T, E: std::fmt::Display>(
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> impl FnOnce(&str) -> Result<T, String> {
    move |value| parse(value).map_err(|e| format!("{}: {e}", quoted(value)))
}

/// Checks every cell of one row. `today` is the import date: invoices must be due before it.
pub(crate) fn parse_row(
    header: &Header,
    record: &StringRecord,
    line: u64,
    today: NaiveDate,
) -> Result<Row, BadRow> {
    let mut c = Checker {
        header,
        record,
        problems: Vec::new(),
    };
    let dossier_text = c.cell(Column::DossierNumber).to_owned();
    let dossier = c.required(Column::DossierNumber, typed(str::parse::<DossierNumber>));

    let creditor_id = c.required(Column::CreditorId, fields::creditor_id);
    let creditor_name = c.required(Column::CreditorName, |v| fields::text(v, MAX_TEXT));
    let interest_kind = c
        .optional(Column::InterestKind, fields::interest_kind)
        .flatten();
    let deducts_vat = c
        .optional(Column::CreditorDeductsVat, fields::flag)
        .flatten();

    let kind = c.required(Column::DebtorKind, fields::debtor_kind);
    let name = c.required(Column::Name, |v| fields::text(v, MAX_TEXT));
    let address = c.required(Column::Address, |v| fields::text(v, MAX_TEXT));
    let postcode = c.required(Column::Postcode, typed(str::parse::<Postcode>));
    let city = c.required(Column::City, |v| fields::text(v, MAX_TEXT));
    let phone = c.optional(Column::Phone, typed(str::parse::<Phone>));
    let email = c.optional(Column::Email, typed(str::parse::<Email>));
    let customer_number = c.required(Column::CustomerNumber, |v| fields::text(v, MAX_CODE));

    let mut birth_date = None;
    let mut id_document_number = None;
    let mut kvk_number = None;
    let mut vat_number = None;
    match kind {
        Some(DebtorKind::Person) => {
            birth_date = c.optional(Column::BirthDate, |v| {
                let date = fields::date(v)?;
                if date >= today {
                    Err(format!("{} is not in the past", quoted(v)))
                } else if date.year() < 1900 {
                    Err(format!("{} is before 1900", quoted(v)))
                } else {
                    Ok(date)
                }
            });
            id_document_number = c.optional(Column::IdDocumentNumber, fields::id_document_number);
            c.forbid(
                Column::KvkNumber,
                "the debtor is a person (KvK numbers are for businesses)",
            );
            c.forbid(
                Column::VatNumber,
                "the debtor is a person (VAT numbers are for businesses)",
            );
        }
        Some(DebtorKind::Business) => {
            kvk_number = c.optional(Column::KvkNumber, typed(str::parse::<KvkNumber>));
            vat_number = c.optional(Column::VatNumber, typed(str::parse::<VatNumber>));
            c.forbid(
                Column::BirthDate,
                "the debtor is a business (birth dates are for persons)",
            );
            c.forbid(
                Column::IdDocumentNumber,
                "the debtor is a business (identity documents are for persons)",
            );
        }
        None => {}
    }

    let invoice_number = c.required(Column::InvoiceNumber, |v| fields::text(v, MAX_CODE));
    let invoice_date = c.required(Column::InvoiceDate, fields::date);
    let due_date = c.required(Column::DueDate, fields::date);
    let amount = c.required(Column::Amount, |v| {
        let money = Money::parse(v).map_err(|e| format!("{}: {e}", quoted(v)))?;
        if money.is_positive() {
            Ok(money)
        } else {
            Err(format!("{} must be more than zero", quoted(v)))
        }
    });
    let last_letter = c.optional(Column::LastLetterDate, fields::date);
    let letter_date = c.optional(Column::LetterDate, fields::date);
    let letter_costs = c.optional(Column::LetterCosts, |v| {
        let money = Money::parse(v).map_err(|e| format!("{}: {e}", quoted(v)))?;
        if money.is_negative() {
            Err(format!("{} cannot be negative", quoted(v)))
        } else {
            Ok(money)
        }
    });
    // Files from before letter_date: last_letter_date is read as the letter for this row's
    // invoice (the report says so once per file).
    let letter = letter_date.or(last_letter);
    if letter_costs.is_some() && letter.is_none() {
        c.problems
            .push("letter_costs is given without letter_date".to_string());
    }

    if let (Some(invoice), Some(due)) = (invoice_date, due_date)
        && due < invoice
    {
        c.problems
            .push(format!("due_date {due} is before invoice_date {invoice}"));
    }
    if let Some(due) = due_date
        && due >= today
    {
        c.problems.push(format!(
            "due_date {due} is not before the import date {today}: the invoice is not overdue"
        ));
    }
    for (column, date) in [
        (Column::LastLetterDate, last_letter),
        (Column::LetterDate, letter_date),
    ] {
        if let Some(date) = date
            && date > today
        {
            c.problems
                .push(format!("{} {date} is in the future", column.name()));
        }
    }

    let problems = std::mem::take(&mut c.problems);
    let bad = |dossier| BadRow {
        line,
        dossier,
        dossier_text: dossier_text.clone(),
        problems: problems.clone(),
    };
    let (
        Some(dossier),
        Some(creditor_id),
        Some(creditor_name),
        Some(kind),
        Some(name),
        Some(address),
        Some(postcode),
        Some(city),
        Some(customer_number),
        Some(invoice_number),
        Some(invoice_date),
        Some(due_date),
        Some(amount),
    ) = (
        dossier,
        creditor_id,
        creditor_name,
        kind,
        name,
        address,
        postcode,
        city,
        customer_number,
        invoice_number,
        invoice_date,
        due_date,
        amount,
    )
    else {
        return Err(bad(dossier));
    };
    if !problems.is_empty() {
        return Err(bad(Some(dossier)));
    }
    Ok(Row {
        line,
        creditor: RowCreditor {
            id: creditor_id,
            name: creditor_name,
            interest_kind,
            deducts_vat,
        },
        dossier,
        debtor: DebtorDetails {
            kind,
            name,
            address: Some(address),
            postcode: Some(postcode.to_string()),
            city: Some(city),
            phone: phone.map(|p| p.to_string()),
            email: email.map(|e| e.to_string()),
            customer_number: Some(customer_number),
            birth_date,
            id_document_number,
            kvk_number: kvk_number.map(|k| k.to_string()),
            vat_number: vat_number.map(|v| v.to_string()),
        },
        item: NewClaimItem {
            invoice_number,
            invoice_date,
            due_date,
            principal: amount,
        },
        last_letter: last_letter.max(letter_date),
        letter: letter.map(|sent_on| RowLetter {
            sent_on,
            costs_announced: letter_costs,
        }),
    })
}
