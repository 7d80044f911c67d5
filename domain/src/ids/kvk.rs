//! Chamber of Commerce (KvK) registration numbers.

use std::fmt;
use std::str::FromStr;

use super::{compact, serde_as_string};

/// A KvK number: exactly 8 digits (leading zeros are significant). The KvK
/// publishes no check digit, so only the form is checked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KvkNumber(String);

/// Why text is not a KvK number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KvkNumberError {
    /// Nothing given.
    #[error("no KvK number given")]
    Empty,
    /// A character that is not a digit.
    #[error("unexpected character {0:?} in the KvK number")]
    InvalidCharacter(char),
    /// Not 8 digits.
    #[error("a KvK number has 8 digits")]
    WrongLength,
}

impl KvkNumber {
    /// The 8 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KvkNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for KvkNumber {
    type Err = KvkNumberError;

    /// Ignores spaces, dots and dashes: `1234 5678`, `12.34.56.78`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = compact(s, &['.']);
        if text.is_empty() {
            return Err(KvkNumberError::Empty);
        }
        if let Some(bad) = text.chars().find(|c| !c.is_ascii_digit()) {
            return Err(KvkNumberError::InvalidCharacter(bad));
        }
        if text.len() != 8 {
            return Err(KvkNumberError::WrongLength);
        }
        Ok(KvkNumber(text))
    }
}

serde_as_string!(KvkNumber);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_eight_digits() {
        for text in ["12345678", " 1234 5678 ", "12.34.56.78", "1234-5678"] {
            assert_eq!(
                text.parse::<KvkNumber>().unwrap().as_str(),
                "12345678",
                "{text:?}"
            );
        }
        assert_eq!(
            "01234567".parse::<KvkNumber>().unwrap().to_string(),
            "01234567"
        );
    }

    #[test]
    fn refusals() {
        use KvkNumberError::*;
        let cases = [
            ("", Empty),
            (" . ", Empty),
            ("1234567", WrongLength),
            ("123456789", WrongLength),
            ("1234567a", InvalidCharacter('A')),
            ("KVK12345678", InvalidCharacter('K')),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<KvkNumber>(), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn serde_validates() {
        let kvk: KvkNumber = serde_json::from_str("\"1234 5678\"").unwrap();
        assert_eq!(serde_json::to_string(&kvk).unwrap(), "\"12345678\"");
        assert!(serde_json::from_str::<KvkNumber>("\"123\"").is_err());
    }
}
