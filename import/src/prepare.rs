//! Reading the whole file and turning its rows into dossiers to import, before the database
//! is touched: row checks, then the checks between rows (one debtor and one creditor per
//! dossier, no invoice twice, one set of creditor settings per creditor).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use chrono::NaiveDate;
use csv::{ByteRecord, StringRecord};
use domain::{CreditorId, DossierNumber, Money};
use store::{DebtorDetails, DebtorField, DebtorKind, InterestKind, NewClaimItem};

use crate::columns::{Column, Header, sniff_delimiter};
use crate::error::ImportError;
use crate::fields::quoted;
use crate::report::{ImportWarning, RejectedRow};
use crate::rows::{BadRow, Row, RowCreditor, parse_row};

/// A dossier whose rows all passed: ready for the database.
#[derive(Debug, Clone)]
pub(crate) struct DossierPlan {
    pub(crate) number: DossierNumber,
    pub(crate) creditor_id: CreditorId,
    pub(crate) debtor: DebtorDetails,
    pub(crate) items: Vec<NewClaimItem>,
    /// The latest letter date of its rows (retention).
    pub(crate) last_letter: Option<NaiveDate>,
    /// Its 14-day letters by date: the invoice numbers each asked for and the costs it
    /// announced (the lowest, when rows of one letter differ: the debtor's favour).
    pub(crate) letters: BTreeMap<NaiveDate, PlannedLetter>,
    /// Its rows' lines, in file order.
    pub(crate) lines: Vec<u64>,
}

/// A 14-day letter of a dossier, gathered from its rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PlannedLetter {
    pub(crate) invoice_numbers: Vec<String>,
    pub(crate) costs_announced: Option<Money>,
}

impl PlannedLetter {
    fn add(&mut self, invoice_number: &str, costs: Option<Money>) {
        self.invoice_numbers.push(invoice_number.to_string());
        self.costs_announced = match (self.costs_announced, costs) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

/// A creditor with at least one dossier to import, as the file describes it.
#[derive(Debug, Clone)]
pub(crate) struct CreditorPlan {
    pub(crate) id: CreditorId,
    pub(crate) name: String,
    /// Given explicitly on some row; otherwise kept or defaulted (see `run`).
    pub(crate) interest_kind: Option<InterestKind>,
    pub(crate) deducts_vat: Option<bool>,
    /// Whether some dossier of this creditor in the file has a business as debtor.
    pub(crate) any_business: bool,
}

/// The file, checked.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    pub(crate) rows_read: usize,
    pub(crate) plans: Vec<DossierPlan>,
    pub(crate) creditors: Vec<CreditorPlan>,
    pub(crate) rejected: Vec<RejectedRow>,
    pub(crate) warnings: Vec<ImportWarning>,
}

/// The first row's value of each creditor setting, to hold the later rows to.
struct CreditorSeen {
    name: (String, u64),
    interest_kind: Option<(InterestKind, u64)>,
    deducts_vat: Option<(bool, u64)>,
}

/// The rows of one dossier number.
struct Group {
    number: DossierNumber,
    good: Vec<Row>,
    bad: Vec<BadRow>,
}

/// Reads and checks the file. The whole file is held in memory (about 200 bytes a row),
/// since a dossier's rows need not be next to each other.
pub(crate) fn prepare(mut input: impl Read, today: NaiveDate) -> Result<Prepared, ImportError> {
    let mut data = Vec::new();
    input.read_to_end(&mut data)?;
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&data);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(body))
        .has_headers(false)
        // Rows with a wrong number of fields are reported per row, not fatal.
        .flexible(true)
        .from_reader(body);
    let mut records = reader.byte_records();
    let header_record = records.next().ok_or(ImportError::NoHeader)??;
    let header_record =
        StringRecord::from_byte_record(header_record).map_err(|_| ImportError::HeaderNotUtf8)?;
    if header_record.iter().all(|name| name.trim().is_empty()) {
        return Err(ImportError::NoHeader);
    }
    let header = Header::parse(&header_record)?;

    let mut prepared = Prepared::default();
    if header.has(Column::LastLetterDate) && !header.has(Column::LetterDate) {
        prepared.warnings.push(ImportWarning {
            dossier: None,
            message: "column last_letter_date is read as the date of the 14-day letter that \
                      asked for the invoice on its row (the column is now letter_date): an \
                      invoice that fell due on or after that date gets no collection costs \
                      from it. See docs/IMPORT.md"
                .to_string(),
        });
    }
    for name in &header.unknown {
        prepared.warnings.push(ImportWarning {
            dossier: None,
            message: format!("column {} is not used and was ignored", quoted(name)),
        });
    }
    let mut creditors: HashMap<CreditorId, CreditorSeen> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of: HashMap<DossierNumber, usize> = HashMap::new();
    let mut loose: Vec<BadRow> = Vec::new();

    for record in records {
        let record = record?;
        // Spreadsheets export trailing rows of empty cells (`;;;;`): nothing to report.
        if record
            .iter()
            .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
        {
            continue;
        }
        prepared.rows_read += 1;
        let line = record.position().map_or(0, |p| p.line());
        let outcome = match readable(&header, record, line) {
            Ok(record) => parse_row(&header, &record, line, today)
                .and_then(|row| check_creditor(&mut creditors, row)),
            Err(bad) => Err(bad),
        };
        let number = match &outcome {
            Ok(row) => Some(row.dossier),
            Err(bad) => bad.dossier,
        };
        let Some(number) = number else {
            if let Err(bad) = outcome {
                loose.push(bad);
            }
            continue;
        };
        let index = *group_of.entry(number).or_insert_with(|| {
            groups.push(Group {
                number,
                good: Vec::new(),
                bad: Vec::new(),
            });
            groups.len() - 1
        });
        match outcome {
            Ok(row) => groups[index].good.push(row),
            Err(bad) => groups[index].bad.push(bad),
        }
    }

    for bad in loose {
        prepared.rejected.push(rejection(&bad));
    }
    let mut kinds: HashMap<CreditorId, bool> = HashMap::new();
    for mut group in groups {
        check_within_dossier(&mut group);
        if group.bad.is_empty() {
            // Every group has a row, and without bad rows a good one.
            let Some(plan) = plan_of(group) else {
                continue;
            };
            let any_business = kinds.entry(plan.creditor_id.clone()).or_insert(false);
            *any_business |= plan.debtor.kind == DebtorKind::Business;
            prepared.plans.push(plan);
        } else {
            hold_back(group, &mut prepared.rejected);
        }
    }
    prepared.rejected.sort_by_key(|r| r.line);

    let mut creditor_ids: Vec<&CreditorId> = kinds.keys().collect();
    // In order of first appearance, so upserts run in a predictable order.
    creditor_ids.sort_by_key(|id| creditors.get(*id).map_or(0, |seen| seen.name.1));
    for id in creditor_ids {
        let Some(seen) = creditors.get(id) else {
            continue;
        };
        prepared.creditors.push(CreditorPlan {
            id: id.clone(),
            name: seen.name.0.clone(),
            interest_kind: seen.interest_kind.map(|(kind, _)| kind),
            deducts_vat: seen.deducts_vat.map(|(flag, _)| flag),
            any_business: kinds.get(id).copied().unwrap_or(false),
        });
    }
    Ok(prepared)
}

/// The row as text with the header's number of fields, or why not. A broken row still names
/// its dossier when that cell can be read, so the rest of the dossier is held back too.
fn readable(header: &Header, record: ByteRecord, line: u64) -> Result<StringRecord, BadRow> {
    let (record, problem) = if record.len() != header.width {
        let problem = format!(
            "has {} fields where the header has {}: check the delimiter and the quotes",
            record.len(),
            header.width
        );
        (record, problem)
    } else {
        match StringRecord::from_byte_record(record) {
            Ok(text) => return Ok(text),
            Err(e) => (
                e.into_byte_record(),
                "is not UTF-8 text: save the file as UTF-8 (CSV UTF-8 in Excel)".to_owned(),
            ),
        }
    };
    let lossy = StringRecord::from_iter(
        record
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned()),
    );
    let dossier_text = header.get(&lossy, Column::DossierNumber).to_owned();
    Err(BadRow {
        line,
        dossier: dossier_text.parse().ok(),
        dossier_text,
        problems: vec![problem],
    })
}

/// Holds `row` to the creditor settings given first for its creditor in the file.
fn check_creditor(
    creditors: &mut HashMap<CreditorId, CreditorSeen>,
    row: Row,
) -> Result<Row, BadRow> {
    let RowCreditor {
        id,
        name,
        interest_kind,
        deducts_vat,
    } = &row.creditor;
    let seen = match creditors.entry(id.clone()) {
        Entry::Vacant(slot) => {
            slot.insert(CreditorSeen {
                name: (name.clone(), row.line),
                interest_kind: interest_kind.map(|k| (k, row.line)),
                deducts_vat: deducts_vat.map(|f| (f, row.line)),
            });
            return Ok(row);
        }
        Entry::Occupied(slot) => slot.into_mut(),
    };
    let mut problems = Vec::new();
    if seen.name.0 != *name {
        problems.push(format!(
            "creditor_name {} differs from {} on line {} for creditor {id}",
            quoted(name),
            quoted(&seen.name.0),
            seen.name.1
        ));
    }
    match (interest_kind, seen.interest_kind) {
        (Some(kind), Some((first, first_line))) if *kind != first => problems.push(format!(
            "interest_kind {kind} differs from {first} on line {first_line}: one interest kind \
             per creditor"
        )),
        (Some(kind), None) => seen.interest_kind = Some((*kind, row.line)),
        _ => {}
    }
    match (deducts_vat, seen.deducts_vat) {
        (Some(flag), Some((first, first_line))) if *flag != first => problems.push(format!(
            "creditor_deducts_vat differs from line {first_line}: one value per creditor"
        )),
        (Some(flag), None) => seen.deducts_vat = Some((*flag, row.line)),
        _ => {}
    }
    if problems.is_empty() {
        Ok(row)
    } else {
        Err(BadRow {
            line: row.line,
            dossier: Some(row.dossier),
            dossier_text: row.dossier.to_string(),
            problems,
        })
    }
}

/// One creditor, one debtor and distinct invoice numbers per dossier; rows that break this
/// move to the bad ones.
fn check_within_dossier(group: &mut Group) {
    let rows = std::mem::take(&mut group.good);
    let mut invoices: HashMap<String, u64> = HashMap::new();
    let mut first: Option<Row> = None;
    for row in rows {
        let mut problems = Vec::new();
        if let Some(first) = &first {
            if row.creditor.id != first.creditor.id {
                problems.push(format!(
                    "creditor_id {} differs from {} on line {}: a dossier has one creditor",
                    quoted(row.creditor.id.as_str()),
                    quoted(first.creditor.id.as_str()),
                    first.line
                ));
            }
            let differing = debtor_differences(&first.debtor, &row.debtor);
            if !differing.is_empty() {
                problems.push(format!(
                    "the debtor's {} differ from line {}: all rows of a dossier must describe \
                     the same debtor",
                    differing.join(", "),
                    first.line
                ));
            }
        }
        match invoices.entry(row.item.invoice_number.clone()) {
            Entry::Occupied(seen) => problems.push(format!(
                "invoice_number {} is already on line {} of this dossier",
                quoted(&row.item.invoice_number),
                seen.get()
            )),
            Entry::Vacant(slot) => {
                slot.insert(row.line);
            }
        }
        if problems.is_empty() {
            if first.is_none() {
                first = Some(row.clone());
            }
            group.good.push(row);
        } else {
            group.bad.push(BadRow {
                line: row.line,
                dossier: Some(row.dossier),
                dossier_text: row.dossier.to_string(),
                problems,
            });
        }
    }
}

/// The names of the debtor columns in which `a` and `b` differ.
fn debtor_differences(a: &DebtorDetails, b: &DebtorDetails) -> Vec<&'static str> {
    let mut differing = Vec::new();
    if a.kind != b.kind {
        differing.push(Column::DebtorKind.name());
    }
    for &field in DebtorField::ALL {
        if a.get(field) != b.get(field) {
            differing.push(field.as_str());
        }
    }
    differing
}

fn plan_of(group: Group) -> Option<DossierPlan> {
    let mut rows = group.good.into_iter();
    let first = rows.next()?;
    let mut plan = DossierPlan {
        number: group.number,
        creditor_id: first.creditor.id.clone(),
        debtor: first.debtor.clone(),
        items: Vec::new(),
        last_letter: None,
        letters: BTreeMap::new(),
        lines: Vec::new(),
    };
    for row in std::iter::once(first).chain(rows) {
        if let Some(letter) = row.letter {
            plan.letters
                .entry(letter.sent_on)
                .or_default()
                .add(&row.item.invoice_number, letter.costs_announced);
        }
        plan.items.push(row.item);
        plan.last_letter = plan.last_letter.max(row.last_letter);
        plan.lines.push(row.line);
    }
    Some(plan)
}

/// Reports every row of a dossier that has a bad row: the bad ones with their problems, the
/// others as held back with it.
fn hold_back(group: Group, rejected: &mut Vec<RejectedRow>) {
    let mut bad_lines: Vec<u64> = group.bad.iter().map(|b| b.line).collect();
    bad_lines.sort_unstable();
    let lines = bad_lines
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let number = group.number.to_string();
    for bad in &group.bad {
        rejected.push(RejectedRow {
            line: bad.line,
            dossier: Some(number.clone()),
            reason: bad.problems.join("; "),
        });
    }
    for row in &group.good {
        rejected.push(RejectedRow {
            line: row.line,
            dossier: Some(number.clone()),
            reason: format!(
                "not imported: this row is fine, but dossier {number} is held back whole \
                 because of line{} {lines}",
                if bad_lines.len() == 1 { "" } else { "s" }
            ),
        });
    }
}

fn rejection(bad: &BadRow) -> RejectedRow {
    RejectedRow {
        line: bad.line,
        dossier: match bad.dossier {
            Some(number) => Some(number.to_string()),
            None if bad.dossier_text.is_empty() => None,
            None => Some(bad.dossier_text.clone()),
        },
        reason: bad.problems.join("; "),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    /// A cell: mostly a valid value for the column, sometimes another plausible one,
    /// sometimes noise.
    fn cell(column: Column) -> BoxedStrategy<String> {
        let valid: &[&str] = match column {
            Column::CreditorId => &["acme", "acme", "vandijk"],
            Column::CreditorName => &["Acme B.V.", "Acme B.V.", "Acme"],
            Column::DossierNumber => &["ISB-2026-000001", "ISB-2026-000002", "isb 2026 000003"],
            Column::DebtorKind => &["person", "person", "business"],
            Column::Name => &["Jan Jansen", "Jan Jansen", "Piet"],
            Column::Address => &["Kerkstraat 1"],
            Column::Postcode => &["1234 AB", "1234ab", "0123 AB"],
            Column::City => &["Utrecht"],
            Column::Phone => &["", "06 12345678", "0612345678"],
            Column::Email => &["", "jan@example.nl"],
            Column::CustomerNumber => &["K-1"],
            Column::BirthDate => &["", "1980-05-17"],
            Column::IdDocumentNumber => &["", "SPECI2014"],
            Column::KvkNumber => &["", "12345678"],
            Column::VatNumber => &["", "NL123456782B01"],
            Column::InvoiceNumber => &["F-1", "F-2", "F-3", "F-4"],
            Column::InvoiceDate => &["2026-01-05", "05-01-2026"],
            Column::DueDate => &["2026-01-19", "2026-07-01"],
            Column::Amount => &["120,50", "1.234,56", "0", "12,345"],
            Column::LastLetterDate => &["", "2026-03-01"],
            Column::LetterDate => &["", "2026-03-01", "2026-02-01"],
            Column::LetterCosts => &["", "40,00", "-1"],
            Column::InterestKind => &["", "consumer", "commercial"],
            Column::CreditorDeductsVat => &["", "ja", "nee"],
        };
        let valid: Vec<String> = valid.iter().map(|v| (*v).to_owned()).collect();
        prop_oneof![
            9 => proptest::sample::select(valid),
            1 => "[^;\"\r\n]{0,12}",
        ]
        .boxed()
    }

    fn row() -> impl Strategy<Value = String> {
        Column::ALL
            .iter()
            .map(|c| cell(*c))
            .collect::<Vec<_>>()
            .prop_map(|cells| cells.join(";"))
    }

    proptest! {
        /// Whole files of noise, and noise (quotes, separators, line ends, invalid UTF-8)
        /// after a valid header: never a panic; a refused file or row says why.
        #[test]
        fn arbitrary_files_never_panic_and_refusals_say_why(
            noise in proptest::collection::vec(
                prop_oneof![any::<u8>(), proptest::sample::select(b";\"\r\n,".to_vec())],
                0..600,
            ),
            with_header in any::<bool>(),
        ) {
            let mut file = Vec::new();
            if with_header {
                file.extend_from_slice(Column::ALL.map(Column::name).join(";").as_bytes());
                file.push(b'\n');
            }
            file.extend_from_slice(&noise);
            match prepare(file.as_slice(), today()) {
                Ok(prepared) => {
                    for rejected in &prepared.rejected {
                        prop_assert!(!rejected.to_string().trim().is_empty());
                    }
                }
                Err(e) => prop_assert!(!e.to_string().trim().is_empty()),
            }
        }

        #[test]
        fn every_row_is_imported_or_rejected_once_and_dossiers_are_never_split(
            rows in proptest::collection::vec(row(), 0..16)
        ) {
            let mut text = Column::ALL.map(Column::name).join(";");
            for row in &rows {
                text.push('\n');
                text.push_str(row);
            }
            let prepared = prepare(text.as_bytes(), today()).unwrap();

            let mut lines: Vec<u64> = prepared.plans.iter().flat_map(|p| p.lines.clone()).collect();
            lines.extend(prepared.rejected.iter().map(|r| r.line));
            lines.sort_unstable();
            let expected: Vec<u64> = (2..)
                .zip(&rows)
                .filter(|(_, row)| !row.split(';').all(|c| c.bytes().all(|b| b.is_ascii_whitespace())))
                .map(|(line, _)| line)
                .collect();
            prop_assert_eq!(lines, expected);

            let planned: HashSet<String> = prepared.plans.iter().map(|p| p.number.to_string()).collect();
            for rejected in &prepared.rejected {
                prop_assert!(!rejected.dossier.as_ref().is_some_and(|d| planned.contains(d)));
            }
            for plan in &prepared.plans {
                let invoices: HashSet<&str> =
                    plan.items.iter().map(|i| i.invoice_number.as_str()).collect();
                prop_assert_eq!(invoices.len(), plan.items.len());
                prop_assert!(plan.items.iter().all(|i| i.principal.is_positive() && i.due_date < today()));
            }
        }
    }
}
