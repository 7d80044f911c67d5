//! The secret printed on the letter, which together with the dossier number
//! signs a debtor in.

use std::fmt;
use std::str::FromStr;

use subtle::ConstantTimeEq;

use super::compact;

/// Characters a secret is made of: digits and capitals without the ones that
/// are mistaken for each other on paper (0/O, 1/I/L). 31 symbols.
const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Largest multiple of 31 that fits in a byte (8 × 31): bytes at or above it
/// are skipped so that `byte % 31` is uniform.
const ACCEPT_BELOW: u8 = 248;

/// A code of `N` characters from [`ALPHABET`]: the shared body of the letter's [`Secret`] and
/// a counsellor's [`InvitationCode`]. Compared in constant time; shown in groups of four.
#[derive(Clone)]
struct Code<const N: usize>([u8; N]);

impl<const N: usize> Code<N> {
    /// Each byte below 248 gives one character (`byte % 31`); the others are skipped, so
    /// every character is equally likely.
    fn from_random_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        let mut chars = [0u8; N];
        let mut drawn = bytes
            .iter()
            .filter(|&&b| b < ACCEPT_BELOW)
            .map(|&b| ALPHABET[usize::from(b % 31)]);
        for slot in &mut chars {
            *slot = drawn.next().ok_or(SecretError::NotEnoughRandomness)?;
        }
        Ok(Code(chars))
    }

    fn expose(&self) -> &str {
        // Only ALPHABET bytes are ever stored, so this is ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    fn ct_eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }

    /// Any case, spaces and dashes anywhere.
    fn parse(s: &str) -> Result<Self, SecretError> {
        let text = compact(s, &[]);
        if text.is_empty() {
            return Err(SecretError::Empty);
        }
        let mut chars = [0u8; N];
        let mut count = 0;
        for (i, c) in text.chars().enumerate() {
            let valid = u8::try_from(c).ok().filter(|b| ALPHABET.contains(b));
            let Some(b) = valid else {
                return Err(SecretError::InvalidCharacter { position: i + 1 });
            };
            if let Some(slot) = chars.get_mut(i) {
                *slot = b;
            }
            count += 1;
        }
        if count != N {
            return Err(SecretError::WrongLength);
        }
        Ok(Code(chars))
    }

    /// Groups of four are easier to type over: `ABCD-EFGH-JKMN`.
    fn fmt_grouped(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.expose().as_bytes().chunks(4).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            f.write_str(std::str::from_utf8(group).unwrap_or_default())?;
        }
        Ok(())
    }
}

/// A sign-in secret: 12 characters from a 31-symbol alphabet without
/// look-alikes, about 59 bits (31¹² ≈ 2^59.4); enough behind argon2 and
/// sign-in throttling.
///
/// `Debug` never shows it; `Display` shows it grouped (`ABCD-EFGH-JKMN`) for
/// the letter; `==` compares in constant time. Deliberately not `Serialize`.
#[derive(Clone)]
pub struct Secret(Code<{ Secret::LEN }>);

/// Why a secret (or an invitation code) could not be read or made. Never contains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Nothing given.
    #[error("no code given")]
    Empty,
    /// Not the right number of characters (not counting spaces and dashes).
    #[error("the code has the wrong number of characters")]
    WrongLength,
    /// The character at this 1-based position is not in the alphabet.
    #[error("character {position} of the code is not valid")]
    InvalidCharacter {
        /// 1-based, counting only letters and digits.
        position: usize,
    },
    /// The random bytes ran out before enough characters were drawn.
    #[error("not enough random bytes to make a code")]
    NotEnoughRandomness,
}

impl Secret {
    /// Number of characters.
    pub const LEN: usize = 12;

    /// How many random bytes to pass to [`Secret::from_random_bytes`]: with 32
    /// the chance of running out is below 10⁻²⁰ (each byte is kept with
    /// probability 248/256).
    pub const RANDOM_BYTES: usize = 32;

    /// Draws a secret from random bytes (from the caller's CSPRNG: this crate
    /// does no I/O).
    pub fn from_random_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        Code::from_random_bytes(bytes).map(Secret)
    }

    /// The 12 characters without grouping: the form to hash and compare.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// Compares in time independent of where the secrets differ.
    pub fn ct_eq(&self, other: &Secret) -> bool {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other)
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    /// `ABCD-EFGH-JKMN`: groups of four are easier to type over.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_grouped(f)
    }
}

impl FromStr for Secret {
    type Err = SecretError;

    /// Accepts any case, spaces and dashes anywhere.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Code::parse(s).map(Secret)
    }
}

/// The one-time code a debtor gives their debt counsellor (issue 21): 16 characters of the
/// same alphabet, about 79 bits (31¹⁶ ≈ 2^79.3). It is looked up by a hash, so it carries
/// more chance than the letter's secret, which argon2 guards; redeeming is throttled too.
/// Shown once, grouped (`ABCD-EFGH-JKMN-PQRS`); `Debug` hides it; not `Serialize`.
#[derive(Clone)]
pub struct InvitationCode(Code<{ InvitationCode::LEN }>);

impl InvitationCode {
    /// Number of characters.
    pub const LEN: usize = 16;

    /// Random bytes to pass to [`InvitationCode::from_random_bytes`] (running out: below
    /// 10⁻²⁰).
    pub const RANDOM_BYTES: usize = 40;

    /// Draws a code from the caller's random bytes.
    pub fn from_random_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        Code::from_random_bytes(bytes).map(InvitationCode)
    }

    /// The 16 characters without grouping: the form to hash.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl PartialEq for InvitationCode {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0)
    }
}

impl Eq for InvitationCode {}

impl fmt::Debug for InvitationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InvitationCode(<redacted>)")
    }
}

impl fmt::Display for InvitationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_grouped(f)
    }
}

impl FromStr for InvitationCode {
    type Err = SecretError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Code::parse(s).map(InvitationCode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_has_no_look_alikes() {
        assert_eq!(ALPHABET.len(), 31);
        for c in b"01OIL" {
            assert!(!ALPHABET.contains(c), "{}", char::from(*c));
        }
        // 248 = 8 × 31 is the largest multiple of 31 that fits in a byte.
        assert_eq!(u32::from(ACCEPT_BELOW) % 31, 0);
        assert!(u32::from(ACCEPT_BELOW) + 31 > 256);
    }

    #[test]
    fn draws_one_character_per_accepted_byte() {
        // 0 → '2', 30 → 'Z', 31 → '2' again, 247 = 7×31+30 → 'Z'; 248..=255 skipped.
        let bytes = [0, 30, 31, 247, 248, 255, 1, 2, 3, 4, 5, 6, 7, 8];
        let secret = Secret::from_random_bytes(&bytes).unwrap();
        // 1..=8 → '3'..'9','A' (ALPHABET[1..=8] = "3456789A")
        assert_eq!(secret.expose(), "2Z2Z3456789A");
    }

    #[test]
    fn runs_out_of_bytes() {
        assert_eq!(
            Secret::from_random_bytes(&[0; 11]).map(|s| s.to_string()),
            Err(SecretError::NotEnoughRandomness)
        );
        // 12 usable bytes hidden among rejected ones are enough.
        let mut bytes = vec![255u8; 20];
        bytes.extend([5u8; 12]);
        assert_eq!(
            Secret::from_random_bytes(&bytes).unwrap().expose(),
            "777777777777"
        );
    }

    #[test]
    fn every_byte_value_maps_uniformly() {
        // Over all 256 byte values, each of the 31 characters is drawn exactly 8 times.
        let mut counts = [0u32; 31];
        for b in 0..=255u8 {
            if b < ACCEPT_BELOW {
                counts[usize::from(b % 31)] += 1;
            }
        }
        assert!(counts.iter().all(|&n| n == 8));
    }

    #[test]
    fn displays_grouped_and_parses_back() {
        let secret: Secret = "ABCDEFGHJKMN".parse().unwrap();
        assert_eq!(secret.to_string(), "ABCD-EFGH-JKMN");
        assert_eq!(secret.to_string().parse::<Secret>().unwrap(), secret);
        for text in [
            "abcd-efgh-jkmn",
            " ABCD EFGH JKMN ",
            "abcdefghjkmn",
            "AB-CD-EF-GH-JK-MN",
        ] {
            assert_eq!(text.parse::<Secret>().unwrap(), secret, "{text:?}");
        }
    }

    #[test]
    fn refusals_do_not_reveal_the_secret() {
        use SecretError::*;
        let cases = [
            ("", Empty),
            (" - ", Empty),
            ("ABCD-EFGH-JKM", WrongLength),
            ("ABCD-EFGH-JKMNP", WrongLength),
            ("ABCD-EFGH-JKM0", InvalidCharacter { position: 12 }),
            ("OBCD-EFGH-JKMN", InvalidCharacter { position: 1 }),
            ("AB1D", InvalidCharacter { position: 3 }),
            ("ABCDÉFGHJKMN", InvalidCharacter { position: 5 }),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<Secret>().err(), Some(expected), "{text:?}");
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let secret: Secret = "ABCDEFGHJKMN".parse().unwrap();
        let debug = format!("{secret:?}");
        assert!(!debug.contains("ABCD"), "{debug}");
        assert_eq!(debug, "Secret(<redacted>)");
    }

    #[test]
    fn invitation_codes_have_sixteen_characters_in_four_groups() {
        let code: InvitationCode = "abcd efgh jkmn pqrs".parse().unwrap();
        assert_eq!(code.to_string(), "ABCD-EFGH-JKMN-PQRS");
        assert_eq!(code.expose(), "ABCDEFGHJKMNPQRS");
        assert_eq!(
            "ABCD-EFGH-JKMN".parse::<InvitationCode>().err(),
            Some(SecretError::WrongLength)
        );
        assert_eq!(
            "ABCDEFGHJKMN".parse::<Secret>().map(|s| s.to_string()),
            Ok("ABCD-EFGH-JKMN".to_owned())
        );
        assert!(!format!("{code:?}").contains("ABCD"));
        let drawn = InvitationCode::from_random_bytes(&[7u8; InvitationCode::RANDOM_BYTES]);
        assert_eq!(drawn.map(|c| c.expose().len()), Ok(16));
    }

    #[test]
    fn constant_time_equality() {
        let a: Secret = "ABCDEFGHJKMN".parse().unwrap();
        let b: Secret = "abcd efgh jkmn".parse().unwrap();
        let c: Secret = "ABCDEFGHJKMP".parse().unwrap();
        assert!(a.ct_eq(&b));
        assert!(!a.ct_eq(&c));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
