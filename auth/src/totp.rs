//! The second factor for staff: time-based one-time passwords (TOTP, RFC 6238: HMAC-SHA1,
//! six digits, 30-second steps, one step of clock skew either way), as every authenticator
//! app reads them from an `otpauth://` QR code, and single-use recovery codes for a lost
//! phone.
//!
//! Per RFC 6238 §5.2 a code is accepted once: [`matching_step`] says which time step a code
//! belongs to, and the caller stores the last step used and refuses any step not after it.

use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};

/// Bytes of a TOTP secret: 160 bits, as RFC 4226 §4 recommends.
pub const SECRET_BYTES: usize = 20;
/// Seconds per step.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// A TOTP secret, kept as base32 (what authenticator apps show and what is stored).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

/// A stored or typed secret that is not base32 of the right length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a TOTP secret")]
pub struct BadSecret;

impl TotpSecret {
    /// A fresh random secret.
    pub fn generate() -> TotpSecret {
        let mut bytes = vec![0u8; SECRET_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        TotpSecret(bytes)
    }

    /// From its base32 form (as stored; spaces and case ignored).
    pub fn from_base32(text: &str) -> Result<TotpSecret, BadSecret> {
        let clean: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        let bytes = totp_rs::Secret::Encoded(clean)
            .to_bytes()
            .map_err(|_| BadSecret)?;
        if bytes.len() < 16 {
            return Err(BadSecret);
        }
        Ok(TotpSecret(bytes))
    }

    /// Its base32 form, unpadded: stored, and shown for typing into an app by hand.
    pub fn to_base32(&self) -> String {
        base32_encode(&self.0)
    }

    fn totp(&self, account: &str) -> TOTP {
        // The account name may not contain ':'; usernames never do (see `staff add`).
        TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            1,
            STEP_SECONDS,
            self.0.clone(),
            Some(ISSUER.to_owned()),
            account.replace(':', ""),
        )
    }

    /// The `otpauth://totp/…` URL an authenticator app reads from a QR code.
    pub fn otpauth_url(&self, account: &str) -> String {
        self.totp(account).get_url()
    }

    /// The code for `at` (for tests and the demo's instructions).
    pub fn code_at(&self, at: DateTime<Utc>) -> String {
        self.totp("").generate(seconds(at))
    }
}

/// The name authenticator apps list the account under.
pub const ISSUER: &str = "Debiteurportaal";

fn seconds(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp()).unwrap_or(0)
}

/// RFC 4648 base32 without padding, as authenticator apps expect.
fn base32_encode(bytes: &[u8]) -> String {
    totp_rs::Secret::Raw(bytes.to_vec())
        .to_encoded()
        .to_string()
}

/// The time step `code` is valid for at `at` (the current step or one either side), if any;
/// the comparison is constant-time. Codes typed with spaces are accepted.
pub fn matching_step(secret: &TotpSecret, code: &str, at: DateTime<Utc>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = secret.totp("");
    let now = seconds(at) / STEP_SECONDS;
    let mut found = None;
    for step in now.saturating_sub(1)..=now + 1 {
        let expected = totp.generate(step * STEP_SECONDS);
        if subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()).into() {
            found = i64::try_from(step).ok();
        }
    }
    found
}

/// Fresh recovery codes, `XXXXX-XXXXX` of base32 (50 bits each): shown once at enrolment,
/// stored only as [`recovery_hash`]es.
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 7];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let text = base32_encode(&bytes);
            format!("{}-{}", &text[..5], &text[5..10])
        })
        .collect()
}

/// Whether `typed` looks like a recovery code rather than a six-digit code.
pub fn is_recovery_code(typed: &str) -> bool {
    normalise_recovery(typed).len() == 10
}

/// How a recovery code is stored: SHA-256 of its canonical form (upper case, no dashes or
/// spaces). A fast hash suffices: the codes are 50 random bits, not chosen by people, and
/// guessing is throttled like the password.
pub fn recovery_hash(typed: &str) -> String {
    let digest = Sha256::digest(normalise_recovery(typed).as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

fn normalise_recovery(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).expect("time")
    }

    /// RFC 6238 appendix B, SHA-1, with the test key "12345678901234567890" (last 6 digits).
    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let secret = TotpSecret(b"12345678901234567890".to_vec());
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(secret.code_at(at(time)), code, "t = {time}");
        }
    }

    #[test]
    fn a_code_is_valid_one_step_either_way_and_names_its_step() {
        let secret = TotpSecret::generate();
        let t = at(1_800_000_015);
        let code = secret.code_at(t);
        let step = 1_800_000_015 / 30;
        assert_eq!(matching_step(&secret, &code, t), Some(step));
        assert_eq!(
            matching_step(&secret, &code, t + chrono::Duration::seconds(30)),
            Some(step)
        );
        assert_eq!(
            matching_step(&secret, &code, t - chrono::Duration::seconds(30)),
            Some(step)
        );
        assert_eq!(
            matching_step(&secret, &code, t + chrono::Duration::seconds(90)),
            None
        );
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(matching_step(&secret, &spaced, t), Some(step));
        assert_eq!(matching_step(&secret, "12345", t), None);
        assert_eq!(matching_step(&secret, "abcdef", t), None);
    }

    #[test]
    fn secrets_round_trip_through_base32_and_are_never_printed() {
        let secret = TotpSecret::generate();
        let text = secret.to_base32();
        assert_eq!(text.len(), 32);
        assert_eq!(
            TotpSecret::from_base32(&text.to_lowercase()),
            Ok(secret.clone())
        );
        assert!(TotpSecret::from_base32("not base32!").is_err());
        assert!(!format!("{secret:?}").contains(&text));
        let url = secret.otpauth_url("alice");
        assert!(
            url.starts_with("otpauth://totp/Debiteurportaal:alice?"),
            "{url}"
        );
        assert!(url.contains(&format!("secret={text}")), "{url}");
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_in_any_spelling() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let code = &codes[0];
        assert!(is_recovery_code(code));
        assert!(!is_recovery_code("123456"));
        assert_eq!(
            recovery_hash(code),
            recovery_hash(&code.to_lowercase().replace('-', " "))
        );
        assert_ne!(recovery_hash(code), recovery_hash(&codes[1]));
    }
}
