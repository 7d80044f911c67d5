//! Secrets and signatures for signing debtors and staff in (DESIGN.md §3).
//!
//! A pure library: it makes and checks values, and callers store them; with the `store`
//! feature, [`sign_in`] is the one sign-in routine (throttle, verify, record) over the store
//! and [`roles`] says what each staff role may do.
//!
//! - [`secret_hash`]: argon2id hashes of letter secrets and staff passwords,
//!   with a dummy verify so unknown dossier numbers take as long as known ones.
//! - [`token`]: random session ids and CSRF tokens, stored only as hashes.
//! - [`qr_link`]: HMAC-signed, expiring pay-only links printed on letters.
//! - [`qr_code`]: those links as SVG and PNG QR codes for the mail merge.
//! - [`secret_gen`]: fresh letter secrets and counsellor invitation codes.
//!
//! All randomness comes from the operating system (`OsRng`).
//!
//! ```
//! use auth::{HashParams, LinkKeyring, SecretHasher, Token};
//! use chrono::{Duration, Utc};
//!
//! // Letter run: a fresh secret (printed once, stored hashed) and a link.
//! let hasher = SecretHasher::new(HashParams::default())?;
//! let secret = auth::new_secret();
//! let stored = hasher.hash(secret.expose())?;
//! let keys = LinkKeyring::from_config("k1", "k1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=")?;
//! let dossier = "ISB-2026-000123".parse()?;
//! let link = keys.sign(dossier, 0, Utc::now() + Duration::days(60));
//! let _svg = auth::svg(&link.url("https://portaal.example.nl/nl"))?;
//!
//! // Sign-in: the debtor types the secret over; verify, then a new session
//! // of which only the hash is stored.
//! let typed: domain::Secret = secret.to_string().to_lowercase().parse()?;
//! assert!(hasher.verify(typed.expose(), &stored)?);
//! let session = Token::generate();
//! let _session_row_key = session.hash();
//!
//! // QR link: a pay-only session for the dossier.
//! let opened = keys.verify_path(link.path(), 0, Utc::now())?;
//! assert_eq!(opened.dossier, dossier);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod qr_code;
pub mod qr_link;
#[cfg(feature = "store")]
pub mod roles;
pub mod secret_gen;
pub mod secret_hash;
#[cfg(feature = "store")]
pub mod sign_in;
pub mod throttle;
pub mod token;
pub mod totp;

pub use qr_code::{QrCodeError, png, svg};
pub use qr_link::{KeyId, KeyringError, LinkError, LinkKeyring, SignedLink, VerifiedLink};
pub use secret_gen::{invitation_hash, new_invitation_code, new_secret};
pub use secret_hash::{HashError, HashParams, SecretHasher};
pub use throttle::ThrottlePolicy;
pub use token::{Token, TokenError, constant_time_eq};

/// `N` bytes from the operating system's CSPRNG.
///
/// Panics if the OS has no randomness to give: nothing here can be made
/// safely without it, and it does not happen on supported platforms.
fn random_bytes<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}
