//! Dutch postcodes: `1234 AB`.

use std::fmt;
use std::str::FromStr;

use super::{compact, serde_as_string};

/// A Dutch postcode, canonical `1234 AB`: four digits not starting with 0,
/// one space, two capitals.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Postcode(String);

/// Why text is not a Dutch postcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PostcodeError {
    /// Nothing given.
    #[error("no postcode given")]
    Empty,
    /// Not 4 digits and 2 letters.
    #[error("a postcode has 4 digits and 2 letters")]
    WrongLength,
    /// The first four are not all digits.
    #[error("a postcode starts with 4 digits")]
    InvalidDigits,
    /// Starts with 0: Dutch postcodes run from 1000.
    #[error("a postcode does not start with 0")]
    LeadingZero,
    /// The last two are not letters A–Z.
    #[error("a postcode ends with 2 letters")]
    InvalidLetters,
    /// SA, SD or SS: never issued.
    #[error("postcodes with SA, SD or SS do not exist")]
    UnusedLetters,
}

impl Postcode {
    /// The canonical text, `1234 AB`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The four-digit area number.
    pub fn digits(&self) -> &str {
        &self.0[..4]
    }

    /// The two letters.
    pub fn letters(&self) -> &str {
        &self.0[5..]
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Postcode {
    type Err = PostcodeError;

    /// Accepts any case, any spaces, a dash: `1234ab`, `1234 - ab`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = compact(s, &[]);
        if text.is_empty() {
            return Err(PostcodeError::Empty);
        }
        if text.chars().count() != 6 {
            return Err(PostcodeError::WrongLength);
        }
        // Six chars, but possibly multi-byte: split on a char boundary.
        let (digits, letters) = text.split_at(text.char_indices().nth(4).map_or(0, |(i, _)| i));
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(PostcodeError::InvalidDigits);
        }
        if digits.starts_with('0') {
            return Err(PostcodeError::LeadingZero);
        }
        if !letters.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(PostcodeError::InvalidLetters);
        }
        // PostNL never issues these combinations (historical connotations).
        if matches!(letters, "SA" | "SD" | "SS") {
            return Err(PostcodeError::UnusedLetters);
        }
        Ok(Postcode(format!("{digits} {letters}")))
    }
}

serde_as_string!(Postcode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form() {
        for text in [
            "1234 AB",
            "1234AB",
            "1234ab",
            " 1234  ab ",
            "1234-AB",
            "1234 - aB",
        ] {
            let postcode: Postcode = text.parse().unwrap();
            assert_eq!(postcode.as_str(), "1234 AB", "{text:?}");
            assert_eq!(postcode.to_string(), "1234 AB");
            assert_eq!(postcode.digits(), "1234");
            assert_eq!(postcode.letters(), "AB");
        }
        assert_eq!("9999zz".parse::<Postcode>().unwrap().as_str(), "9999 ZZ");
        assert_eq!("1000 AA".parse::<Postcode>().unwrap().as_str(), "1000 AA");
    }

    #[test]
    fn refusals() {
        use PostcodeError::*;
        let cases = [
            ("", Empty),
            ("  ", Empty),
            ("1234", WrongLength),
            ("1234 ABC", WrongLength),
            ("123 AB", WrongLength),
            ("12A4 AB", InvalidDigits),
            ("ABCD 12", InvalidDigits),
            ("0123 AB", LeadingZero),
            ("1234 A1", InvalidLetters),
            ("1234 ÄB", InvalidLetters),
            ("1234 SA", UnusedLetters),
            ("1234 sd", UnusedLetters),
            ("1234 SS", UnusedLetters),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<Postcode>(), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn serde_validates() {
        let postcode: Postcode = serde_json::from_str("\"1234ab\"").unwrap();
        assert_eq!(serde_json::to_string(&postcode).unwrap(), "\"1234 AB\"");
        assert!(serde_json::from_str::<Postcode>("\"0123 AB\"").is_err());
    }
}
