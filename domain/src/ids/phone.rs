//! Telephone numbers, Dutch or international, kept in E.164 form.

use std::fmt;
use std::str::FromStr;

use super::serde_as_string;

/// A telephone number in E.164 form: `+` and 7 to 15 digits, e.g.
/// `+31612345678`. Dutch numbers are checked to have 9 digits after `+31`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Phone(String);

/// Why text is not a telephone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing given.
    #[error("no telephone number given")]
    Empty,
    /// A character other than digits, a leading `+`, spaces and `-./()`.
    #[error("unexpected character {0:?} in the telephone number")]
    InvalidCharacter(char),
    /// Neither `+`, `00` nor a Dutch leading `0`: the country is unknown.
    #[error("the telephone number has no country code or leading 0")]
    MissingCountryCode,
    /// A country code starting with 0.
    #[error("the country code is not valid")]
    InvalidCountryCode,
    /// Too few or too many digits (Dutch: 10 with the leading 0).
    #[error("the telephone number has the wrong number of digits")]
    WrongLength,
}

impl Phone {
    /// E.164 text, e.g. `+31612345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the country code is 31 (the Netherlands).
    pub fn is_dutch(&self) -> bool {
        self.0.starts_with("+31")
    }

    /// Whether this is a Dutch mobile number (06…).
    pub fn is_dutch_mobile(&self) -> bool {
        self.0.starts_with("+316")
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Phone {
    type Err = PhoneError;

    /// Accepts `06-12345678`, `+31 6 1234 5678`, `0031 (0)6 12345678`,
    /// `(020) 123 4567`, `+32 2 123 45 67`. A trunk `0` after `+31` (written
    /// `(0)` or not) is dropped, as people often write it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim().replace("(0)", "");
        if text.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (plus, rest) = match text.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                c if c.is_whitespace() || super::is_dash(c) => {}
                '.' | '/' | '(' | ')' => {}
                other => return Err(PhoneError::InvalidCharacter(other)),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }

        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if let Some(national) = digits.strip_prefix('0') {
            if digits.len() != 10 {
                return Err(PhoneError::WrongLength);
            }
            format!("31{national}")
        } else {
            return Err(PhoneError::MissingCountryCode);
        };

        if international.is_empty() {
            return Err(PhoneError::WrongLength);
        }
        if international.starts_with('0') {
            return Err(PhoneError::InvalidCountryCode);
        }
        let international = match international.strip_prefix("31") {
            Some(national) => {
                let national = national.strip_prefix('0').unwrap_or(national);
                if national.len() != 9 || national.starts_with('0') {
                    return Err(PhoneError::WrongLength);
                }
                format!("31{national}")
            }
            None => international,
        };
        if !(7..=15).contains(&international.len()) {
            return Err(PhoneError::WrongLength);
        }
        Ok(Phone(format!("+{international}")))
    }
}

serde_as_string!(Phone);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_e164() {
        let cases = [
            ("0612345678", "+31612345678"),
            ("06-12345678", "+31612345678"),
            ("06 1234 5678", "+31612345678"),
            ("+31612345678", "+31612345678"),
            ("+31 6 1234 5678", "+31612345678"),
            ("+31 (0)6 12345678", "+31612345678"),
            ("+31 06 12345678", "+31612345678"),
            ("0031 6 12345678", "+31612345678"),
            ("0031 (0)6 12345678", "+31612345678"),
            ("(020) 123 4567", "+31201234567"),
            ("020-1234567", "+31201234567"),
            ("010/123.45.67", "+31101234567"),
            ("+32 2 123 45 67", "+3221234567"),
            ("0049 30 1234567", "+49301234567"),
            ("+44 20 7946 0958", "+442079460958"),
            ("+1 (415) 555-2671", "+14155552671"),
            ("06\u{2013}12345678", "+31612345678"),
        ];
        for (text, canonical) in cases {
            let phone: Phone = text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(phone.as_str(), canonical, "{text:?}");
            assert_eq!(phone.to_string(), canonical);
        }
    }

    #[test]
    fn classifies_dutch_numbers() {
        let mobile: Phone = "06 12345678".parse().unwrap();
        let landline: Phone = "020 1234567".parse().unwrap();
        let belgian: Phone = "+32 2 123 45 67".parse().unwrap();
        assert!(mobile.is_dutch() && mobile.is_dutch_mobile());
        assert!(landline.is_dutch() && !landline.is_dutch_mobile());
        assert!(!belgian.is_dutch() && !belgian.is_dutch_mobile());
    }

    #[test]
    fn refusals() {
        use PhoneError::*;
        let cases = [
            ("", Empty),
            ("  ", Empty),
            ("+", Empty),
            ("-- ()", Empty),
            ("06-1234567a", InvalidCharacter('a')),
            ("+31+612345678", InvalidCharacter('+')),
            ("06#12345678", InvalidCharacter('#')),
            ("612345678", MissingCountryCode),
            ("+0612345678", InvalidCountryCode),
            ("000612345678", InvalidCountryCode),
            ("00", WrongLength),
            ("061234567", WrongLength),
            ("06123456789", WrongLength),
            ("+3161234567", WrongLength),
            ("+316123456789", WrongLength),
            ("+31 00 12345678", WrongLength),
            ("+49 123", WrongLength),
            ("+49 1234 5678 9012 3456", WrongLength),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<Phone>(), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn serde_validates() {
        let phone: Phone = serde_json::from_str("\"06 12345678\"").unwrap();
        assert_eq!(serde_json::to_string(&phone).unwrap(), "\"+31612345678\"");
        assert!(serde_json::from_str::<Phone>("\"12\"").is_err());
    }
}
