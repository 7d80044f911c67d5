//! The columns of the import file and how the header maps them to positions.

use csv::StringRecord;

use crate::error::ImportError;

/// One column of the import file (see docs/IMPORT.md for formats and examples).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(
    missing_docs,
    reason = "each variant is its column name, documented in IMPORT.md"
)]
pub enum Column {
    CreditorId,
    CreditorName,
    DossierNumber,
    DebtorKind,
    Name,
    Address,
    Postcode,
    City,
    Phone,
    Email,
    CustomerNumber,
    BirthDate,
    IdDocumentNumber,
    KvkNumber,
    VatNumber,
    InvoiceNumber,
    InvoiceDate,
    DueDate,
    Amount,
    LastLetterDate,
    LetterDate,
    LetterCosts,
    InterestKind,
    CreditorDeductsVat,
}

impl Column {
    /// Every column, in the documented order.
    pub const ALL: [Column; 24] = [
        Column::CreditorId,
        Column::CreditorName,
        Column::DossierNumber,
        Column::DebtorKind,
        Column::Name,
        Column::Address,
        Column::Postcode,
        Column::City,
        Column::Phone,
        Column::Email,
        Column::CustomerNumber,
        Column::BirthDate,
        Column::IdDocumentNumber,
        Column::KvkNumber,
        Column::VatNumber,
        Column::InvoiceNumber,
        Column::InvoiceDate,
        Column::DueDate,
        Column::Amount,
        Column::LastLetterDate,
        Column::LetterDate,
        Column::LetterCosts,
        Column::InterestKind,
        Column::CreditorDeductsVat,
    ];

    /// The name in the header line.
    pub const fn name(self) -> &'static str {
        match self {
            Column::CreditorId => "creditor_id",
            Column::CreditorName => "creditor_name",
            Column::DossierNumber => "dossier_number",
            Column::DebtorKind => "debtor_kind",
            Column::Name => "name",
            Column::Address => "address",
            Column::Postcode => "postcode",
            Column::City => "city",
            Column::Phone => "phone",
            Column::Email => "email",
            Column::CustomerNumber => "customer_number",
            Column::BirthDate => "birth_date",
            Column::IdDocumentNumber => "id_document_number",
            Column::KvkNumber => "kvk_number",
            Column::VatNumber => "vat_number",
            Column::InvoiceNumber => "invoice_number",
            Column::InvoiceDate => "invoice_date",
            Column::DueDate => "due_date",
            Column::Amount => "amount",
            Column::LastLetterDate => "last_letter_date",
            Column::LetterDate => "letter_date",
            Column::LetterCosts => "letter_costs",
            Column::InterestKind => "interest_kind",
            Column::CreditorDeductsVat => "creditor_deducts_vat",
        }
    }

    /// Whether every row needs a value here, and so the header must have the column. The
    /// others may be left out of the header altogether, which reads as blank on every row.
    pub const fn is_required(self) -> bool {
        matches!(
            self,
            Column::CreditorId
                | Column::CreditorName
                | Column::DossierNumber
                | Column::DebtorKind
                | Column::Name
                | Column::Address
                | Column::Postcode
                | Column::City
                | Column::CustomerNumber
                | Column::InvoiceNumber
                | Column::InvoiceDate
                | Column::DueDate
                | Column::Amount
        )
    }

    fn index(self) -> usize {
        // ALL lists the variants in declaration order.
        self as usize
    }
}

/// Where each known column sits in the file's rows.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    positions: [Option<usize>; Column::ALL.len()],
    /// How many fields the header line has; every row must have as many.
    pub(crate) width: usize,
    /// Header names that are not ours, ignored (reported as a warning).
    pub(crate) unknown: Vec<String>,
}

impl Header {
    /// Maps the header line. Names match ignoring case, surrounding blanks, and spaces or
    /// dashes written for underscores (`Dossier Number` = `dossier_number`).
    pub(crate) fn parse(record: &StringRecord) -> Result<Header, ImportError> {
        let mut positions = [None; Column::ALL.len()];
        let mut unknown = Vec::new();
        for (position, raw) in record.iter().enumerate() {
            let name: String = raw
                .trim()
                .chars()
                .map(|c| match c {
                    ' ' | '-' => '_',
                    c => c.to_ascii_lowercase(),
                })
                .collect();
            match Column::ALL.iter().find(|column| column.name() == name) {
                Some(column) => {
                    let slot = &mut positions[column.index()];
                    if slot.is_some() {
                        return Err(ImportError::DuplicateColumn(column.name()));
                    }
                    *slot = Some(position);
                }
                None if name.is_empty() => {}
                None => unknown.push(raw.trim().to_owned()),
            }
        }
        let missing: Vec<&'static str> = Column::ALL
            .iter()
            .filter(|column| column.is_required() && positions[column.index()].is_none())
            .map(|column| column.name())
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::MissingColumns(missing));
        }
        Ok(Header {
            positions,
            width: record.len(),
            unknown,
        })
    }

    /// The cell of `column` in `record`, trimmed; blank when the file lacks the column.
    /// Whether the header has `column`.
    pub(crate) fn has(&self, column: Column) -> bool {
        self.positions[column.index()].is_some()
    }

    pub(crate) fn get<'r>(&self, record: &'r StringRecord, column: Column) -> &'r str {
        self.positions[column.index()]
            .and_then(|position| record.get(position))
            .map_or("", str::trim)
    }
}

/// The delimiter the header line uses: `;` (what Dutch spreadsheets write) or `,`. Quoted
/// text is skipped so a comma inside a quoted name does not count.
pub(crate) fn sniff_delimiter(data: &[u8]) -> u8 {
    let mut in_quotes = false;
    let (mut semicolons, mut commas) = (0usize, 0usize);
    for &byte in data {
        match byte {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            b';' if !in_quotes => semicolons += 1,
            b',' if !in_quotes => commas += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_taken_from_the_header_line() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1,2;3;4"), b';');
        assert_eq!(sniff_delimiter(b"a,b,c\r\n1;2,3,4"), b',');
        assert_eq!(sniff_delimiter(b"\"x;y;z\",b,c\n"), b',');
    }

    #[test]
    fn header_names_are_matched_loosely_and_checked() {
        let names: Vec<&str> = Column::ALL
            .iter()
            .filter(|c| c.is_required())
            .map(|c| c.name())
            .collect();
        let mut record = StringRecord::from(names.clone());
        record.push_field(" Due-Date ");
        assert!(matches!(
            Header::parse(&record),
            Err(ImportError::DuplicateColumn("due_date"))
        ));

        let mut record = StringRecord::from(names[1..].to_vec());
        record.push_field("Remarks");
        assert!(matches!(
            Header::parse(&record),
            Err(ImportError::MissingColumns(missing)) if missing == ["creditor_id"]
        ));

        let mut record = StringRecord::from(names);
        record.push_field("Remarks");
        let header = Header::parse(&record).unwrap();
        assert_eq!(header.unknown, ["Remarks"]);
        let row = StringRecord::from(vec![" acme "; header.width]);
        assert_eq!(header.get(&row, Column::CreditorId), "acme");
        assert_eq!(
            header.get(&row, Column::Phone),
            "",
            "absent column reads blank"
        );
    }
}
