//! The public dossier number printed on letters: `ISB-2026-000123`.

use std::fmt;
use std::str::FromStr;

use super::{compact, serde_as_string};

/// A dossier number: prefix `ISB`, a four-digit year, a six-digit sequence
/// number within that year. Displays as `ISB-2026-000123`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DossierNumber {
    year: u16,
    sequence: u32,
}

/// Why text or parts are not a dossier number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DossierNumberError {
    /// Nothing given.
    #[error("no dossier number given")]
    Empty,
    /// Starts with letters other than `ISB`.
    #[error("a dossier number starts with ISB")]
    WrongPrefix,
    /// A character that is not a digit after the prefix.
    #[error("unexpected character {0:?} in the dossier number")]
    InvalidCharacter(char),
    /// Not exactly 4 + 6 digits.
    #[error("a dossier number has 4 digits for the year and 6 for the number")]
    WrongLength,
    /// A year before 2000 (the agency's numbering did not exist).
    #[error("the year in the dossier number is out of range")]
    YearOutOfRange,
    /// Sequence 000000, or more than six digits.
    #[error("the number in the dossier number is out of range")]
    SequenceOutOfRange,
}

impl DossierNumber {
    /// The fixed prefix.
    pub const PREFIX: &'static str = "ISB";

    /// Builds a number from its parts: `year` in 2000..=9999, `sequence` in
    /// 1..=999 999.
    pub fn new(year: u16, sequence: u32) -> Result<Self, DossierNumberError> {
        if !(2000..=9999).contains(&year) {
            return Err(DossierNumberError::YearOutOfRange);
        }
        if !(1..=999_999).contains(&sequence) {
            return Err(DossierNumberError::SequenceOutOfRange);
        }
        Ok(DossierNumber { year, sequence })
    }

    /// The year part.
    pub const fn year(self) -> u16 {
        self.year
    }

    /// The sequence number within the year.
    pub const fn sequence(self) -> u32 {
        self.sequence
    }
}

impl fmt::Display for DossierNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:04}-{:06}", Self::PREFIX, self.year, self.sequence)
    }
}

impl FromStr for DossierNumber {
    type Err = DossierNumberError;

    /// Accepts the canonical form and what people make of it when typing it
    /// over from a letter: lowercase, spaces, missing dashes, and even a
    /// missing `ISB` (it is the same for every dossier).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = compact(s, &[]);
        if text.is_empty() {
            return Err(DossierNumberError::Empty);
        }
        let letters = text.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        let digits = match &text[..letters] {
            "" => &text[..],
            prefix if prefix == Self::PREFIX => &text[letters..],
            _ => return Err(DossierNumberError::WrongPrefix),
        };
        if let Some(bad) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(DossierNumberError::InvalidCharacter(bad));
        }
        if digits.len() != 10 {
            return Err(DossierNumberError::WrongLength);
        }
        let year = digits[..4]
            .parse()
            .map_err(|_| DossierNumberError::WrongLength)?;
        let sequence = digits[4..]
            .parse()
            .map_err(|_| DossierNumberError::WrongLength)?;
        DossierNumber::new(year, sequence)
    }
}

serde_as_string!(DossierNumber);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_display() {
        let number = DossierNumber::new(2026, 123).unwrap();
        assert_eq!(number.to_string(), "ISB-2026-000123");
        assert_eq!(number.year(), 2026);
        assert_eq!(number.sequence(), 123);
        assert_eq!(
            DossierNumber::new(2030, 999_999).unwrap().to_string(),
            "ISB-2030-999999"
        );
    }

    #[test]
    fn tolerant_parsing() {
        let expected = DossierNumber::new(2026, 123).unwrap();
        for text in [
            "ISB-2026-000123",
            "isb-2026-000123",
            "ISB2026000123",
            " ISB 2026 000123 ",
            "isb 2026-000123",
            "ISB-2026000123",
            "ISB\u{2013}2026\u{2013}000123",
            "I S B - 2 0 2 6 - 0 0 0 1 2 3",
            "2026-000123",
            "2026000123",
        ] {
            assert_eq!(text.parse::<DossierNumber>(), Ok(expected), "{text:?}");
        }
    }

    #[test]
    fn refusals() {
        use DossierNumberError::*;
        let cases = [
            ("", Empty),
            (" - ", Empty),
            ("ABC-2026-000123", WrongPrefix),
            ("IS-2026-000123", WrongPrefix),
            ("ISBX-2026-000123", WrongPrefix),
            ("ISB-2026-00012", WrongLength),
            ("ISB-2026-0001234", WrongLength),
            ("ISB-26-000123", WrongLength),
            ("ISB-2026-00O123", InvalidCharacter('O')),
            ("ISB_2026_000123", InvalidCharacter('_')),
            ("ISB-1999-000123", YearOutOfRange),
            ("ISB-0000-000123", YearOutOfRange),
            ("ISB-2026-000000", SequenceOutOfRange),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<DossierNumber>(), Err(expected), "{text:?}");
        }
        assert_eq!(DossierNumber::new(2026, 1_000_000), Err(SequenceOutOfRange));
        assert_eq!(DossierNumber::new(10_000, 1), Err(YearOutOfRange));
    }

    #[test]
    fn orders_by_year_then_sequence() {
        let a = DossierNumber::new(2025, 999_999).unwrap();
        let b = DossierNumber::new(2026, 1).unwrap();
        let c = DossierNumber::new(2026, 2).unwrap();
        assert!(a < b && b < c);
    }

    #[test]
    fn serde_uses_the_canonical_text() {
        let number = DossierNumber::new(2026, 123).unwrap();
        assert_eq!(
            serde_json::to_string(&number).unwrap(),
            "\"ISB-2026-000123\""
        );
        assert_eq!(
            serde_json::from_str::<DossierNumber>("\"isb2026000123\"").unwrap(),
            number
        );
        assert!(serde_json::from_str::<DossierNumber>("\"ISB-2026\"").is_err());
    }
}
