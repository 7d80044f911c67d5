//! International bank account numbers.

use std::fmt;
use std::str::FromStr;

use super::vat::mod_97;
use super::{compact, serde_as_string};

/// IBAN lengths of the SEPA countries (ISO 13616 registry). Other countries
/// are held only to the general 15–34 range.
const LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
];

/// An IBAN whose check digits are right. Stored compact and uppercase
/// (`NL91ABNA0417164300`); displayed in groups of four
/// (`NL91 ABNA 0417 1643 00`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Iban(String);

/// Why text is not an IBAN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IbanError {
    /// Nothing given.
    #[error("no IBAN given")]
    Empty,
    /// A character other than letters and digits (spaces are fine).
    #[error("unexpected character {0:?} in the IBAN")]
    InvalidCharacter(char),
    /// Does not start with two letters.
    #[error("an IBAN starts with a two-letter country code")]
    InvalidCountryCode,
    /// Characters 3 and 4 are not digits in 02–98.
    #[error("an IBAN has two check digits after the country code")]
    InvalidCheckDigits,
    /// Outside 15–34 characters, or not the length of the country's IBANs.
    #[error("an IBAN from {country} has {expected} characters, not {found}")]
    WrongLength {
        /// Two-letter country code (as given, if it is unknown).
        country: String,
        /// Expected length, or the nearest bound of 15–34 for other countries.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// The mod-97 check fails: a typo.
    #[error("the IBAN's check digits do not match")]
    ChecksumMismatch,
}

impl Iban {
    /// Compact uppercase text, as payment providers want it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter country code.
    pub fn country_code(&self) -> &str {
        &self.0[..2]
    }
}

impl fmt::Display for Iban {
    /// Groups of four separated by spaces, the way banks print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, chunk) in self.0.as_bytes().chunks(4).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            // Only ASCII alphanumerics are stored.
            f.write_str(std::str::from_utf8(chunk).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

impl FromStr for Iban {
    type Err = IbanError;

    /// Ignores case, spaces and dashes.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = compact(s, &[]);
        if text.is_empty() {
            return Err(IbanError::Empty);
        }
        if let Some(bad) = text.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(IbanError::InvalidCharacter(bad));
        }
        let bytes = text.as_bytes();
        if bytes.len() < 2 || !bytes[..2].iter().all(u8::is_ascii_alphabetic) {
            return Err(IbanError::InvalidCountryCode);
        }
        let country = &text[..2];
        let check_ok = text
            .get(2..4)
            .and_then(|d| d.parse::<u8>().ok())
            .filter(|_| bytes[2..4].iter().all(u8::is_ascii_digit))
            // 00, 01 and 99 are never issued: 98 − (n mod 97) lies in 2..=98.
            .is_some_and(|d| (2..=98).contains(&d));
        if !check_ok {
            return Err(IbanError::InvalidCheckDigits);
        }
        let found = text.len();
        let expected = match LENGTHS.iter().find(|(code, _)| *code == country) {
            Some(&(_, len)) => len,
            None => found.clamp(15, 34),
        };
        if found != expected {
            return Err(IbanError::WrongLength {
                country: country.to_owned(),
                expected,
                found,
            });
        }
        // Country and check digits move to the end, then the number mod 97 must be 1.
        let rearranged = format!("{}{}", &text[4..], &text[..4]);
        if mod_97(&rearranged) != Some(1) {
            return Err(IbanError::ChecksumMismatch);
        }
        Ok(Iban(text))
    }
}

// Compact, as payment providers and databases want it.
serde_as_string!(Iban, as_str);

#[cfg(test)]
mod tests {
    use super::*;

    // Each of these is the standard example IBAN of its country; their mod-97
    // remainders (rearranged) were checked to be 1 with an independent
    // big-integer computation.
    const VALID: [(&str, &str); 4] = [
        ("NL91ABNA0417164300", "NL91 ABNA 0417 1643 00"),
        ("BE68539007547034", "BE68 5390 0754 7034"),
        ("DE89370400440532013000", "DE89 3704 0044 0532 0130 00"),
        ("GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32"),
    ];

    #[test]
    fn accepts_valid_ibans() {
        for (compact, grouped) in VALID {
            for text in [
                compact,
                grouped,
                &grouped.to_lowercase(),
                &format!("  {grouped}  "),
            ] {
                let iban: Iban = text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"));
                assert_eq!(iban.as_str(), compact);
                assert_eq!(iban.to_string(), grouped);
            }
        }
        assert_eq!(
            "NL91ABNA0417164300".parse::<Iban>().unwrap().country_code(),
            "NL"
        );
    }

    #[test]
    fn unknown_countries_get_the_general_range() {
        // XK (Kosovo) is not in the table; XK05 1212 0123 4567 8906 is its standard example.
        let iban: Iban = "XK051212012345678906".parse().unwrap();
        assert_eq!(iban.country_code(), "XK");
    }

    #[test]
    fn refusals() {
        use IbanError::*;
        let wrong_len = |country: &str, expected, found| WrongLength {
            country: country.to_owned(),
            expected,
            found,
        };
        let cases = [
            ("", Empty),
            ("  ", Empty),
            ("NL91ABNA0417164300!", InvalidCharacter('!')),
            ("NL91.ABNA.0417.1643.00", InvalidCharacter('.')),
            ("N", InvalidCountryCode),
            ("1291ABNA0417164300", InvalidCountryCode),
            ("NL", InvalidCheckDigits),
            ("NL9", InvalidCheckDigits),
            ("NLA1ABNA0417164300", InvalidCheckDigits),
            ("NL00ABNA0417164300", InvalidCheckDigits),
            ("NL01ABNA0417164300", InvalidCheckDigits),
            ("NL99ABNA0417164300", InvalidCheckDigits),
            ("NL91ABNA041716430", wrong_len("NL", 18, 17)),
            ("NL91ABNA04171643000", wrong_len("NL", 18, 19)),
            ("XK05121201234", wrong_len("XK", 15, 13)),
            (
                "XK051212012345678901234567890123456",
                wrong_len("XK", 34, 35),
            ),
            // last digit changed
            ("NL91ABNA0417164301", ChecksumMismatch),
            // two digits swapped
            ("NL91ABNA0417163400", ChecksumMismatch),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<Iban>(), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn serde_validates() {
        let iban: Iban = serde_json::from_str("\"nl91 abna 0417 1643 00\"").unwrap();
        assert_eq!(
            serde_json::to_string(&iban).unwrap(),
            "\"NL91ABNA0417164300\""
        );
        assert!(serde_json::from_str::<Iban>("\"NL91ABNA0417164301\"").is_err());
    }
}
