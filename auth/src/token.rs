//! Random opaque tokens: session ids and CSRF tokens.
//!
//! A token is 256 random bits from the OS, written as 43 base64url characters
//! without padding, which fit a cookie value and a form field unescaped. The
//! server stores only [`Token::hash`], so a leaked table does not yield live
//! sessions; the hash is unsalted on purpose, since the token is unguessable
//! and the session is looked up by it.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A random token. `Debug` never shows it and there is no `Display`: write
/// it out deliberately with [`Token::expose`]. `==` is constant-time.
#[derive(Clone)]
pub struct Token(String);

/// Why a cookie or form value is not a token. Never contains the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not exactly [`Token::ENCODED_LEN`] characters.
    #[error("a token has {} characters", Token::ENCODED_LEN)]
    WrongLength,
    /// A character outside base64url, or unused low bits set in the last one
    /// (a second spelling of the same bytes).
    #[error("a token is base64url text")]
    InvalidEncoding,
}

impl Token {
    /// Random bytes in a token: 256 bits, well above the 128 needed to make
    /// guessing a live session id hopeless.
    pub const BYTES: usize = 32;

    /// Characters in the encoded token: ⌈32 × 8 / 6⌉.
    pub const ENCODED_LEN: usize = 43;

    /// A fresh token from the operating system's CSPRNG.
    ///
    /// # Panics
    ///
    /// If the operating system cannot provide random bytes.
    pub fn generate() -> Token {
        let bytes: [u8; Self::BYTES] = crate::random_bytes();
        Token(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Reads a token back from a cookie or form value. Anything that
    /// [`Token::generate`] could not have produced is refused, so malformed
    /// input never reaches the store.
    pub fn parse(text: &str) -> Result<Token, TokenError> {
        if text.len() != Self::ENCODED_LEN {
            return Err(TokenError::WrongLength);
        }
        // Strict decoding also refuses non-zero trailing bits, so each token
        // has exactly one spelling and one hash.
        match URL_SAFE_NO_PAD.decode(text) {
            Ok(bytes) if bytes.len() == Self::BYTES => Ok(Token(text.to_owned())),
            _ => Err(TokenError::InvalidEncoding),
        }
    }

    /// The encoded token, to put in a cookie or a hidden form field.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Lowercase hex SHA-256 of the encoded token (64 characters): the form
    /// to store and to look a session up by.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// Whether `submitted` is this token, in time independent of where they
    /// differ. For CSRF checks: the token from the session (synchronizer
    /// token) or the cookie (double submit) against the one in the form or
    /// header.
    pub fn matches(&self, submitted: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), submitted.as_bytes())
    }

    /// Whether `submitted` is the token whose [`Token::hash`] is
    /// `stored_hash`, for CSRF tokens kept only as a hash. Malformed input is
    /// simply `false`.
    pub fn matches_hash(submitted: &str, stored_hash: &str) -> bool {
        match Token::parse(submitted) {
            Ok(token) => constant_time_eq(token.hash().as_bytes(), stored_hash.as_bytes()),
            Err(_) => false,
        }
    }
}

/// Compares two byte strings in time that depends only on their lengths,
/// never on where they differ. Lengths are not secret for tokens, hashes and
/// MACs, which all have a fixed length.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

impl PartialEq for Token {
    fn eq(&self, other: &Self) -> bool {
        self.matches(&other.0)
    }
}

impl Eq for Token {}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl FromStr for Token {
    type Err = TokenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Token::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_tokens_are_long_random_and_cookie_safe() {
        let a = Token::generate();
        let b = Token::generate();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), Token::ENCODED_LEN);
        assert!(
            a.expose()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "{}",
            a.expose()
        );
        assert_eq!(Token::parse(a.expose()).unwrap(), a);
    }

    #[test]
    fn hash_is_hex_sha256_of_the_text() {
        let token = Token::parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(
            token.hash(),
            hex::encode(Sha256::digest(
                b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            ))
        );
        assert_eq!(token.hash().len(), 64);
        assert_ne!(Token::generate().hash(), Token::generate().hash());
    }

    #[test]
    fn refuses_what_generate_cannot_produce() {
        let good = Token::generate();
        let text = good.expose();
        assert_eq!(Token::parse(""), Err(TokenError::WrongLength));
        assert_eq!(Token::parse(&text[1..]), Err(TokenError::WrongLength));
        assert_eq!(
            Token::parse(&format!("{text}A")),
            Err(TokenError::WrongLength)
        );
        for bad in ["+", "/", "=", " ", "é"] {
            let candidate = format!("{bad}{}", &text[bad.len()..]);
            assert!(Token::parse(&candidate).is_err(), "{candidate:?}");
        }
        // The last character carries 4 bits; 'B' sets an unused low bit.
        let non_canonical = format!("{}B", &"A".repeat(42));
        assert_eq!(
            Token::parse(&non_canonical),
            Err(TokenError::InvalidEncoding)
        );
        assert!(Token::parse(&format!("{}Q", &"A".repeat(42))).is_ok());
    }

    #[test]
    fn debug_hides_the_token() {
        let token = Token::generate();
        let debug = format!("{token:?}");
        assert_eq!(debug, "Token(<redacted>)");
        assert!(!debug.contains(token.expose()));
    }

    #[test]
    fn csrf_comparisons() {
        let token = Token::generate();
        assert!(token.matches(token.expose()));
        assert!(!token.matches(Token::generate().expose()));
        assert!(!token.matches(""));
        assert!(!token.matches(&token.expose()[..42]));
        assert!(Token::matches_hash(token.expose(), &token.hash()));
        assert!(!Token::matches_hash(
            Token::generate().expose(),
            &token.hash()
        ));
        assert!(!Token::matches_hash("garbage", &token.hash()));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_accepts_only_canonical(text in "\\PC{0,50}") {
            if let Ok(token) = Token::parse(&text) {
                prop_assert_eq!(token.expose(), text.as_str());
                let bytes = URL_SAFE_NO_PAD.decode(&text).unwrap();
                prop_assert_eq!(URL_SAFE_NO_PAD.encode(bytes), text);
            }
        }

        #[test]
        fn one_spelling_per_token(text in "[A-Za-z0-9_-]{43}") {
            // About a quarter of these have a canonical last character.
            let decoded = URL_SAFE_NO_PAD.decode(&text);
            let canonical = decoded.map(|b| URL_SAFE_NO_PAD.encode(b) == text).unwrap_or(false);
            prop_assert_eq!(Token::parse(&text).is_ok(), canonical);
        }
    }
}
