//! Dutch VAT identification numbers (btw-id): `NL123456789B01`.

use std::fmt;
use std::str::FromStr;

use super::{compact, serde_as_string};

/// A Dutch VAT number, canonical `NL` + 9 digits + `B` + 2 digits.
///
/// The check digit is verified with either rule the Belastingdienst uses:
/// the 11-test on the 9 digits (numbers derived from an RSIN/BSN, issued
/// before 2020) or ISO 7064 mod 97-10 over the whole number (the btw-id
/// issued to sole traders since 1 January 2020).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VatNumber(String);

/// Why text is not a Dutch VAT number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VatNumberError {
    /// Nothing given.
    #[error("no VAT number given")]
    Empty,
    /// Another country's prefix.
    #[error("only Dutch VAT numbers (NL…) are accepted")]
    NotDutch,
    /// Not 9 digits, `B`, 2 digits after `NL` (or all nine digits zero).
    #[error("a Dutch VAT number is NL, 9 digits, B and 2 digits")]
    InvalidFormat,
    /// The form is right but neither check-digit rule holds: a typo.
    #[error("the VAT number's check digit does not match")]
    ChecksumMismatch,
}

impl VatNumber {
    /// The canonical text, e.g. `NL123456789B01`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VatNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 11-test: 9·d1 + 8·d2 + … + 2·d8 − d9 must be a multiple of 11.
fn passes_eleven_test(digits: &[u8]) -> bool {
    let weighted: i32 = digits[..8]
        .iter()
        .zip((2..=9).rev())
        .map(|(&d, w)| i32::from(d - b'0') * w)
        .sum();
    (weighted - i32::from(digits[8] - b'0')).rem_euclid(11) == 0
}

/// ISO 7064 mod 97-10 over `NL…B..` with letters as numbers (A = 10 … Z = 35).
fn passes_mod_97(canonical: &str) -> bool {
    mod_97(canonical) == Some(1)
}

/// The remainder mod 97 of `text` read as digits, letters counting as two
/// digits (A = 10 … Z = 35), as IBAN and btw-id checks do. `None` for other
/// characters.
pub(super) fn mod_97(text: &str) -> Option<u32> {
    text.chars().try_fold(0u32, |rem, c| match c {
        '0'..='9' => Some((rem * 10 + c.to_digit(10)?) % 97),
        'A'..='Z' => Some((rem * 100 + c.to_digit(36)?) % 97),
        _ => None,
    })
}

impl FromStr for VatNumber {
    type Err = VatNumberError;

    /// Ignores case, spaces, dots and dashes; the `NL` may be left out.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = compact(s, &['.']);
        if text.is_empty() {
            return Err(VatNumberError::Empty);
        }
        let body = match text.get(..2) {
            Some("NL") => &text[2..],
            Some(prefix) if prefix.chars().all(|c| c.is_ascii_alphabetic()) => {
                return Err(VatNumberError::NotDutch);
            }
            _ => &text[..],
        };
        let bytes = body.as_bytes();
        let form_ok = bytes.len() == 12
            && bytes[..9].iter().all(u8::is_ascii_digit)
            && bytes[9] == b'B'
            && bytes[10..].iter().all(u8::is_ascii_digit)
            && bytes[..9].iter().any(|&d| d != b'0');
        if !form_ok {
            return Err(VatNumberError::InvalidFormat);
        }
        let canonical = format!("NL{body}");
        if !(passes_eleven_test(&bytes[..9]) || passes_mod_97(&canonical)) {
            return Err(VatNumberError::ChecksumMismatch);
        }
        Ok(VatNumber(canonical))
    }
}

serde_as_string!(VatNumber);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_check_digit_rules() {
        // 11-test on 004495445: 9·0+8·0+7·4+6·4+5·9+4·5+3·4+2·4 = 137; 137 − 5 = 132 = 12 × 11.
        assert!(passes_eleven_test(b"004495445"));
        // mod 97 on NL002455799B11: N=23 L=21 B=11 → 2321002455799 11 11 ≡ 1 (mod 97).
        assert!(passes_mod_97("NL002455799B11"));
        assert!(!passes_eleven_test(b"002455799"));

        for (text, canonical) in [
            ("NL004495445B01", "NL004495445B01"),
            ("nl 0044.95.445 b01", "NL004495445B01"),
            ("004495445B01", "NL004495445B01"),
            ("NL002455799B11", "NL002455799B11"),
        ] {
            let vat: VatNumber = text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(vat.as_str(), canonical);
            assert_eq!(vat.to_string(), canonical);
        }
    }

    #[test]
    fn refusals() {
        use VatNumberError::*;
        let cases = [
            ("", Empty),
            (" ", Empty),
            ("BE0123456789", NotDutch),
            ("DE123456789", NotDutch),
            ("NL12345678B01", InvalidFormat),
            ("NL1234567890B01", InvalidFormat),
            ("NL123456789C01", InvalidFormat),
            ("NL123456789B1", InvalidFormat),
            ("NL000000000B01", InvalidFormat),
            ("NL", InvalidFormat),
            ("1", InvalidFormat),
            // 9·1+8·2+7·3+6·4+5·5+4·6+3·7+2·8 = 156; 156 − 9 = 147 = 13·11 + 4 → fails;
            // and mod 97 is not 1 either.
            ("NL123456789B01", ChecksumMismatch),
            // one digit off from a valid number
            ("NL004495446B01", ChecksumMismatch),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<VatNumber>(), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn mod_97_matches_long_division() {
        // 1234 = 12 × 97 + 70
        assert_eq!(mod_97("1234"), Some(70));
        // "A" = 10
        assert_eq!(mod_97("A"), Some(10));
        // "Z0" = 350 = 3 × 97 + 59
        assert_eq!(mod_97("Z0"), Some(59));
        assert_eq!(mod_97("a"), None);
    }

    #[test]
    fn serde_validates() {
        let vat: VatNumber = serde_json::from_str("\"nl004495445b01\"").unwrap();
        assert_eq!(serde_json::to_string(&vat).unwrap(), "\"NL004495445B01\"");
        assert!(serde_json::from_str::<VatNumber>("\"NL123456789B01\"").is_err());
    }
}
