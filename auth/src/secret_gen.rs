//! Fresh sign-in secrets for letters.

use domain::{InvitationCode, Secret};

/// A new random [`Secret`] for a letter, drawn from the operating system's
/// CSPRNG. Show it once (on the letter) and store only its
/// [`SecretHasher::hash`](crate::SecretHasher::hash).
///
/// # Panics
///
/// If the operating system cannot provide random bytes.
pub fn new_secret() -> Secret {
    loop {
        let bytes: [u8; Secret::RANDOM_BYTES] = crate::random_bytes();
        // Fails only when too many bytes are rejected (below 10⁻²⁰); then
        // draw again rather than return an error nobody can act on.
        if let Ok(secret) = Secret::from_random_bytes(&bytes) {
            return secret;
        }
    }
}

/// A new random [`InvitationCode`] for a debtor's counsellor. Show it once; store only
/// [`invitation_hash`].
///
/// # Panics
///
/// If the operating system cannot provide random bytes.
pub fn new_invitation_code() -> InvitationCode {
    loop {
        let bytes: [u8; InvitationCode::RANDOM_BYTES] = crate::random_bytes();
        if let Ok(code) = InvitationCode::from_random_bytes(&bytes) {
            return code;
        }
    }
}

/// What is stored of an invitation code, and looked up by: its SHA-256 in hex. A fast hash
/// suffices for a random 79-bit code (as for session tokens); argon2 is for the letter's
/// shorter secret.
pub fn invitation_hash(code: &InvitationCode) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(code.expose().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn secrets_are_valid_and_differ() {
        let secrets: Vec<Secret> = (0..200).map(|_| new_secret()).collect();
        for secret in &secrets {
            let reparsed: Secret = secret.to_string().parse().unwrap();
            assert_eq!(&reparsed, secret);
            assert_eq!(secret.expose().len(), Secret::LEN);
        }
        let distinct: HashSet<&str> = secrets.iter().map(Secret::expose).collect();
        assert_eq!(distinct.len(), secrets.len());
    }

    #[test]
    fn invitation_codes_differ_and_hash_by_their_characters() {
        let a = new_invitation_code();
        let b = new_invitation_code();
        assert_ne!(a, b);
        let typed: InvitationCode = a.to_string().to_lowercase().parse().unwrap();
        assert_eq!(invitation_hash(&typed), invitation_hash(&a));
        assert_ne!(invitation_hash(&a), invitation_hash(&b));
        assert_eq!(invitation_hash(&a).len(), 64);
    }

    #[test]
    fn every_character_position_varies() {
        // A stuck byte source would repeat characters at some position.
        let secrets: Vec<Secret> = (0..200).map(|_| new_secret()).collect();
        for position in 0..Secret::LEN {
            let seen: HashSet<u8> = secrets
                .iter()
                .map(|s| s.expose().as_bytes()[position])
                .collect();
            assert!(seen.len() > 10, "position {position}: {seen:?}");
        }
    }
}
