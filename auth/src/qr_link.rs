//! Signed, expiring links printed on letters (as text and as a QR code).
//!
//! A link opens a *pay-only* session for one dossier until it expires. Its
//! path is
//!
//! ```text
//! /p/{dossier}/{expiry}/{kid}.{sig}
//! /p/ISB-2026-000123/1798761600/k1.PXkK0BWhXSIyedX5KdT8nQ
//! ```
//!
//! - `dossier`: the canonical dossier number, as printed on the letter;
//! - `expiry`: the end of validity in Unix seconds (UTC), decimal, no
//!   leading zeros;
//! - `kid`: the id of the key that signed it (1–8 of `a-z0-9`);
//! - `sig`: the first 16 bytes of HMAC-SHA256(key\[kid\],
//!   `v1|{dossier}|{expiry}|pay`), base64url without padding (22
//!   characters); from the dossier's second link generation on the message
//!   ends in `|g{generation}`.
//!
//! The generation is not in the link: the portal keeps it per dossier and
//! raises it to revoke every link of that dossier printed so far (a lost
//! letter, a new code). Links of generation 0 are those signed before
//! generations existed, with the message unchanged, so they keep working.
//!
//! The path is 55 characters; the caller puts its origin and language in
//! front (`https://portaal.example.nl/nl` + path). Only the exact spelling
//! that [`LinkKeyring::sign`] produces verifies: every part must be
//! canonical, so no character of a link can be changed and still pass.
//!
//! Why 128 bits of tag: forging a link means guessing a tag online, one HTTP
//! request per guess, each right with probability 2⁻¹²⁸; that is far beyond
//! reach (NIST SP 800-107 allows truncating HMAC tags well below this), and
//! the shorter link gives a smaller, easier-to-scan QR code than the full
//! 43-character tag would.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, Utc};
use domain::DossierNumber;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What every link path starts with.
pub const LINK_PREFIX: &str = "/p/";

/// Shortest accepted link key: 256 bits, the HMAC-SHA256 output size.
pub const MIN_KEY_BYTES: usize = 32;

/// Bytes of the HMAC tag kept in a link (128 bits; see the module docs).
pub const SIGNATURE_BYTES: usize = 16;

/// Characters of the encoded tag: ⌈16 × 8 / 6⌉.
const SIGNATURE_CHARS: usize = 22;

/// What a link lets its holder do; part of the signed message, so a
/// signature made for another purpose can never open a pay session.
const PURPOSE: &str = "pay";

/// Version of the signed message format.
const MESSAGE_VERSION: &str = "v1";

/// Identifies a link key: 1–8 characters `a-z0-9`, e.g. `k1` or `2026a`.
/// Short because it is printed in every link.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(String);

impl KeyId {
    /// Longest key id.
    pub const MAX_LEN: usize = 8;

    /// Checks and wraps a key id.
    pub fn new(id: &str) -> Result<KeyId, KeyringError> {
        let valid = (1..=Self::MAX_LEN).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if valid {
            Ok(KeyId(id.to_owned()))
        } else {
            Err(KeyringError::InvalidKeyId)
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for KeyId {
    type Err = KeyringError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyId::new(s)
    }
}

/// Why a keyring could not be built. Never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// No keys at all.
    #[error("no link keys configured")]
    Empty,
    /// A key id that is empty, too long or not `a-z0-9`.
    #[error("a link key id has 1 to 8 characters a-z, 0-9")]
    InvalidKeyId,
    /// A config entry without `kid:` in front (1-based position).
    #[error("link key entry {position} is not `kid:base64`")]
    MalformedEntry {
        /// 1-based, counting non-empty entries.
        position: usize,
    },
    /// The key text is not base64.
    #[error("link key {kid} is not valid base64")]
    InvalidBase64 {
        /// The key's id.
        kid: String,
    },
    /// Fewer than [`MIN_KEY_BYTES`] bytes.
    #[error("link key {kid} has {len} bytes; at least 32 are needed")]
    KeyTooShort {
        /// The key's id.
        kid: String,
        /// Its length in bytes.
        len: usize,
    },
    /// The same id twice.
    #[error("link key id {kid} appears twice")]
    DuplicateKeyId {
        /// The repeated id.
        kid: String,
    },
    /// The current key id is not among the keys.
    #[error("the current link key {kid} is not among the keys")]
    CurrentMissing {
        /// The missing id.
        kid: String,
    },
}

/// Why a link was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not a link this keyring could have made: wrong shape, or a part not in
    /// its canonical spelling.
    #[error("not a valid link")]
    Malformed,
    /// Signed with a key id this keyring does not (or no longer) hold.
    #[error("the link's key is unknown")]
    UnknownKey,
    /// The signature does not match: altered or forged.
    #[error("the link's signature does not match")]
    BadSignature,
    /// Genuine, but past its expiry. The dossier is trustworthy here, so the
    /// page can offer sign-in for it.
    #[error("the link has expired")]
    Expired {
        /// The dossier the link was made for.
        dossier: DossierNumber,
        /// When it stopped being valid.
        expired_at: DateTime<Utc>,
    },
}

/// A freshly signed link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedLink {
    dossier: DossierNumber,
    expires_at: DateTime<Utc>,
    kid: KeyId,
    path: String,
}

impl SignedLink {
    /// The dossier it opens.
    pub fn dossier(&self) -> DossierNumber {
        self.dossier
    }

    /// When it stops being valid (whole seconds).
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// The key that signed it.
    pub fn key_id(&self) -> &KeyId {
        &self.kid
    }

    /// `/p/{dossier}/{expiry}/{kid}.{sig}`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The full URL: `base` (origin and language, e.g.
    /// `https://portaal.example.nl/nl`, trailing `/` optional) and the path.
    pub fn url(&self, base: &str) -> String {
        format!("{}{}", base.trim_end_matches('/'), self.path)
    }
}

impl fmt::Display for SignedLink {
    /// The path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)
    }
}

/// A link that verified: its dossier may be opened pay-only until
/// `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedLink {
    /// The dossier it opens.
    pub dossier: DossierNumber,
    /// When it stops being valid; a pay-only session should not outlive it.
    pub expires_at: DateTime<Utc>,
    /// The key that signed it (to see when old keys stop being used).
    pub kid: KeyId,
}

/// The keys links are signed and verified with.
///
/// New links are signed with the current key; every key in the ring
/// verifies. To rotate: add a new key and make it current, keep the old one
/// until the last letter signed with it has expired, then remove it.
#[derive(Clone)]
pub struct LinkKeyring {
    current: KeyId,
    /// The current key's entry of `keys`, kept apart so signing needs no
    /// lookup that could fail.
    current_mac: HmacSha256,
    /// Keyed HMAC states, ready to clone per message.
    keys: BTreeMap<KeyId, HmacSha256>,
}

impl fmt::Debug for LinkKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkKeyring")
            .field("current", &self.current)
            .field("kids", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Standard or URL-safe base64, padded or not: `openssl rand -base64 32`
/// and [`generate_key`] both work in config.
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A new random link key ([`MIN_KEY_BYTES`] bytes), base64-encoded for a
/// `kid:key` config entry.
pub fn generate_key() -> String {
    let bytes: [u8; MIN_KEY_BYTES] = crate::random_bytes();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl LinkKeyring {
    /// A keyring signing with `current`, which must be among `keys`. Each key
    /// must have at least [`MIN_KEY_BYTES`] bytes.
    pub fn new(
        current: KeyId,
        keys: impl IntoIterator<Item = (KeyId, Vec<u8>)>,
    ) -> Result<LinkKeyring, KeyringError> {
        let mut ring = BTreeMap::new();
        for (kid, key) in keys {
            if key.len() < MIN_KEY_BYTES {
                return Err(KeyringError::KeyTooShort {
                    kid: kid.0,
                    len: key.len(),
                });
            }
            if ring.contains_key(&kid) {
                return Err(KeyringError::DuplicateKeyId { kid: kid.0 });
            }
            // HMAC takes keys of any length, so this cannot fail.
            let mac = HmacSha256::new_from_slice(&key).map_err(|_| KeyringError::KeyTooShort {
                kid: kid.0.clone(),
                len: key.len(),
            })?;
            ring.insert(kid, mac);
        }
        if ring.is_empty() {
            return Err(KeyringError::Empty);
        }
        let Some(current_mac) = ring.get(&current).cloned() else {
            return Err(KeyringError::CurrentMissing { kid: current.0 });
        };
        Ok(LinkKeyring {
            current,
            current_mac,
            keys: ring,
        })
    }

    /// Reads keys from config text `kid:base64,kid:base64` (whitespace
    /// around entries and empty entries are ignored) and signs with
    /// `current`.
    pub fn from_config(current: &str, keys: &str) -> Result<LinkKeyring, KeyringError> {
        let current = KeyId::new(current.trim())?;
        let entries = keys
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty());
        let mut parsed = Vec::new();
        for (i, entry) in entries.enumerate() {
            let (kid, key) = entry
                .split_once(':')
                .ok_or(KeyringError::MalformedEntry { position: i + 1 })?;
            let kid = KeyId::new(kid.trim())?;
            let key = key.trim();
            let bytes = LENIENT_STANDARD
                .decode(key)
                .or_else(|_| LENIENT_URL_SAFE.decode(key))
                .map_err(|_| KeyringError::InvalidBase64 { kid: kid.0.clone() })?;
            parsed.push((kid, bytes));
        }
        LinkKeyring::new(current, parsed)
    }

    /// The key new links are signed with.
    pub fn current(&self) -> &KeyId {
        &self.current
    }

    /// All key ids that verify, in order.
    pub fn key_ids(&self) -> impl Iterator<Item = &KeyId> {
        self.keys.keys()
    }

    /// Signs a link for `dossier` in its link `generation`, valid until
    /// `expires_at` (truncated to whole seconds; a time before 1970 gives an
    /// already expired link).
    pub fn sign(
        &self,
        dossier: DossierNumber,
        generation: u32,
        expires_at: DateTime<Utc>,
    ) -> SignedLink {
        let seconds = expires_at.timestamp().max(0);
        let expires_at = DateTime::from_timestamp(seconds, 0).unwrap_or_default();
        let mut mac = self.current_mac.clone();
        mac.update(message(dossier, seconds, generation).as_bytes());
        let tag = mac.finalize().into_bytes();
        let signature = URL_SAFE_NO_PAD.encode(&tag[..SIGNATURE_BYTES]);
        let path = format!(
            "{LINK_PREFIX}{dossier}/{seconds}/{}.{signature}",
            self.current
        );
        SignedLink {
            dossier,
            expires_at,
            kid: self.current.clone(),
            path,
        }
    }

    /// Verifies the three path segments after `/p/` as a router extracts
    /// them: `dossier`, `expiry` and `kid.sig`, against the dossier's current
    /// link `generation`. Valid while `now` is before the expiry.
    ///
    /// The signature is checked (in constant time) before the expiry, so
    /// [`LinkError::Expired`] is only ever said of genuine links.
    pub fn verify(
        &self,
        dossier: &str,
        expiry: &str,
        signature: &str,
        generation: u32,
        now: DateTime<Utc>,
    ) -> Result<VerifiedLink, LinkError> {
        let dossier_number = parse_canonical_dossier(dossier)?;
        let (seconds, expires_at) = parse_canonical_expiry(expiry)?;
        let (kid, sig) = signature.split_once('.').ok_or(LinkError::Malformed)?;
        let kid = KeyId::new(kid).map_err(|_| LinkError::Malformed)?;
        if sig.len() != SIGNATURE_CHARS {
            return Err(LinkError::Malformed);
        }
        // Strict decoding: a non-zero unused bit in the last character would
        // be a second spelling of the same tag.
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| LinkError::Malformed)?;
        let mut mac = self.keys.get(&kid).ok_or(LinkError::UnknownKey)?.clone();
        mac.update(message(dossier_number, seconds, generation).as_bytes());
        mac.verify_truncated_left(&sig)
            .map_err(|_| LinkError::BadSignature)?;
        if now >= expires_at {
            return Err(LinkError::Expired {
                dossier: dossier_number,
                expired_at: expires_at,
            });
        }
        Ok(VerifiedLink {
            dossier: dossier_number,
            expires_at,
            kid,
        })
    }

    /// Verifies a whole path `/p/{dossier}/{expiry}/{kid}.{sig}` (without
    /// the language prefix, query or fragment); see [`LinkKeyring::verify`].
    pub fn verify_path(
        &self,
        path: &str,
        generation: u32,
        now: DateTime<Utc>,
    ) -> Result<VerifiedLink, LinkError> {
        let rest = path.strip_prefix(LINK_PREFIX).ok_or(LinkError::Malformed)?;
        let mut parts = rest.split('/');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(dossier), Some(expiry), Some(signature), None) => {
                self.verify(dossier, expiry, signature, generation, now)
            }
            _ => Err(LinkError::Malformed),
        }
    }
}

/// The signed message: `v1|ISB-2026-000123|1798761600|pay`, and from
/// generation 1 on `v1|ISB-2026-000123|1798761600|pay|g1`.
fn message(dossier: DossierNumber, seconds: i64, generation: u32) -> String {
    if generation == 0 {
        format!("{MESSAGE_VERSION}|{dossier}|{seconds}|{PURPOSE}")
    } else {
        format!("{MESSAGE_VERSION}|{dossier}|{seconds}|{PURPOSE}|g{generation}")
    }
}

/// A dossier number exactly as `Display` writes it; the tolerant `FromStr`
/// alone would let `isb2026000123` stand in for `ISB-2026-000123`.
fn parse_canonical_dossier(text: &str) -> Result<DossierNumber, LinkError> {
    let dossier: DossierNumber = text.parse().map_err(|_| LinkError::Malformed)?;
    if dossier.to_string() == text {
        Ok(dossier)
    } else {
        Err(LinkError::Malformed)
    }
}

/// Unix seconds as `sign` writes them: ASCII digits, no sign, no leading
/// zero, within chrono's range.
fn parse_canonical_expiry(text: &str) -> Result<(i64, DateTime<Utc>), LinkError> {
    let digits_only = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = text.len() > 1 && text.starts_with('0');
    if !digits_only || leading_zero {
        return Err(LinkError::Malformed);
    }
    let seconds: i64 = text.parse().map_err(|_| LinkError::Malformed)?;
    let at = DateTime::from_timestamp(seconds, 0).ok_or(LinkError::Malformed)?;
    Ok((seconds, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const KEY_1: [u8; 32] = [1; 32];
    const KEY_2: [u8; 32] = [2; 32];

    fn kid(id: &str) -> KeyId {
        KeyId::new(id).unwrap()
    }

    fn ring_k1() -> LinkKeyring {
        LinkKeyring::new(kid("k1"), [(kid("k1"), KEY_1.to_vec())]).unwrap()
    }

    fn dossier() -> DossierNumber {
        "ISB-2026-000123".parse().unwrap()
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(seconds, 0).unwrap()
    }

    const EXPIRY: i64 = 1_798_761_600; // 2027-01-01T00:00:00Z

    #[test]
    fn sign_then_verify() {
        let ring = ring_k1();
        let link = ring.sign(dossier(), 0, at(EXPIRY));
        let path = link.path();
        // The module docs' example (key: 32 bytes 0x01), computed
        // independently with Python's hmac module when this was written.
        assert_eq!(
            path,
            "/p/ISB-2026-000123/1798761600/k1.PXkK0BWhXSIyedX5KdT8nQ"
        );
        assert_eq!(path.len(), 55, "{path}");
        assert_eq!(link.to_string(), path);
        assert_eq!(
            link.url("https://portaal.example.nl/nl/"),
            format!("https://portaal.example.nl/nl{path}")
        );
        let verified = ring.verify_path(path, 0, at(EXPIRY - 1)).unwrap();
        assert_eq!(
            verified,
            VerifiedLink {
                dossier: dossier(),
                expires_at: at(EXPIRY),
                kid: kid("k1"),
            }
        );
        let sig = path.rsplit('/').next().unwrap();
        assert_eq!(
            ring.verify("ISB-2026-000123", "1798761600", sig, 0, at(0)),
            Ok(verified)
        );
    }

    #[test]
    fn a_link_opens_only_in_the_generation_it_was_signed_for() {
        let ring = ring_k1();
        let second = ring.sign(dossier(), 2, at(EXPIRY));
        assert_ne!(second.path(), ring.sign(dossier(), 0, at(EXPIRY)).path());
        assert!(ring.verify_path(second.path(), 2, at(0)).is_ok());
        for other in [0, 1, 3] {
            assert_eq!(
                ring.verify_path(second.path(), other, at(0)),
                Err(LinkError::BadSignature),
                "generation {other}"
            );
        }
        let mut mac = HmacSha256::new_from_slice(&KEY_1).unwrap();
        mac.update(b"v1|ISB-2026-000123|1798761600|pay|g2");
        let full = mac.finalize().into_bytes();
        let expected = URL_SAFE_NO_PAD.encode(&full[..16]);
        assert!(second.path().ends_with(&format!("/k1.{expected}")));
    }

    #[test]
    fn signature_is_truncated_hmac_of_the_documented_message() {
        let link = ring_k1().sign(dossier(), 0, at(EXPIRY));
        let mut mac = HmacSha256::new_from_slice(&KEY_1).unwrap();
        mac.update(b"v1|ISB-2026-000123|1798761600|pay");
        let full = mac.finalize().into_bytes();
        let expected = URL_SAFE_NO_PAD.encode(&full[..16]);
        assert!(link.path().ends_with(&format!("/k1.{expected}")));
    }

    #[test]
    fn sub_seconds_are_dropped_and_pre_epoch_clamped() {
        let ring = ring_k1();
        let precise = at(EXPIRY) + chrono::Duration::milliseconds(999);
        assert_eq!(ring.sign(dossier(), 0, precise).expires_at(), at(EXPIRY));
        let ancient = ring.sign(dossier(), 0, at(-5));
        assert!(ancient.path().contains("/0/"), "{}", ancient.path());
        assert!(matches!(
            ring.verify_path(ancient.path(), 0, at(EXPIRY)),
            Err(LinkError::Expired { .. })
        ));
    }

    #[test]
    fn tampering_breaks_the_signature() {
        let ring = ring_k1();
        let link = ring.sign(dossier(), 0, at(EXPIRY));
        let (_, sig) = link.path().rsplit_once('/').unwrap();
        let now = at(EXPIRY - 100);
        // Another dossier.
        assert_eq!(
            ring.verify("ISB-2026-000124", "1798761600", sig, 0, now),
            Err(LinkError::BadSignature)
        );
        // A later expiry.
        assert_eq!(
            ring.verify("ISB-2026-000123", "1798761601", sig, 0, now),
            Err(LinkError::BadSignature)
        );
        // Another signature of the right shape.
        let other = ring.sign(dossier(), 0, at(EXPIRY + 1));
        let (_, other_sig) = other.path().rsplit_once('/').unwrap();
        assert_eq!(
            ring.verify("ISB-2026-000123", "1798761600", other_sig, 0, now),
            Err(LinkError::BadSignature)
        );
    }

    #[test]
    fn expired_links_are_refused_but_identified() {
        let ring = ring_k1();
        let link = ring.sign(dossier(), 0, at(EXPIRY));
        let expired = Err(LinkError::Expired {
            dossier: dossier(),
            expired_at: at(EXPIRY),
        });
        assert_eq!(ring.verify_path(link.path(), 0, at(EXPIRY)), expired);
        assert_eq!(
            ring.verify_path(link.path(), 0, at(EXPIRY + 86_400)),
            expired
        );
        assert!(ring.verify_path(link.path(), 0, at(EXPIRY - 1)).is_ok());
    }

    #[test]
    fn tampered_expired_link_is_a_bad_signature_not_expired() {
        let ring = ring_k1();
        let link = ring.sign(dossier(), 0, at(EXPIRY));
        let (_, sig) = link.path().rsplit_once('/').unwrap();
        assert_eq!(
            ring.verify("ISB-2026-000123", "1798761599", sig, 0, at(EXPIRY + 10)),
            Err(LinkError::BadSignature)
        );
    }

    #[test]
    fn unknown_key_id() {
        let link = ring_k1().sign(dossier(), 0, at(EXPIRY));
        let ring_k2 = LinkKeyring::new(kid("k2"), [(kid("k2"), KEY_2.to_vec())]).unwrap();
        assert_eq!(
            ring_k2.verify_path(link.path(), 0, at(0)),
            Err(LinkError::UnknownKey)
        );
    }

    #[test]
    fn rotation() {
        let old_ring = ring_k1();
        let old_link = old_ring.sign(dossier(), 0, at(EXPIRY));

        // k2 added and made current; k1 kept for letters already sent.
        let rotated = LinkKeyring::new(
            kid("k2"),
            [(kid("k1"), KEY_1.to_vec()), (kid("k2"), KEY_2.to_vec())],
        )
        .unwrap();
        assert_eq!(rotated.current(), &kid("k2"));
        let verified = rotated.verify_path(old_link.path(), 0, at(0)).unwrap();
        assert_eq!(verified.kid, kid("k1"));
        let new_link = rotated.sign(dossier(), 0, at(EXPIRY));
        assert_eq!(new_link.key_id(), &kid("k2"));
        assert!(new_link.path().contains("/k2."), "{}", new_link.path());
        assert_eq!(
            rotated.verify_path(new_link.path(), 0, at(0)).unwrap().kid,
            kid("k2")
        );
        // The old ring cannot verify what the new key signed.
        assert_eq!(
            old_ring.verify_path(new_link.path(), 0, at(0)),
            Err(LinkError::UnknownKey)
        );

        // k1 removed: its links stop working.
        let k2_only = LinkKeyring::new(kid("k2"), [(kid("k2"), KEY_2.to_vec())]).unwrap();
        assert_eq!(
            k2_only.verify_path(old_link.path(), 0, at(0)),
            Err(LinkError::UnknownKey)
        );
        assert!(k2_only.verify_path(new_link.path(), 0, at(0)).is_ok());
    }

    #[test]
    fn swapping_the_key_id_breaks_the_signature() {
        let rotated = LinkKeyring::new(
            kid("k2"),
            [(kid("k1"), KEY_1.to_vec()), (kid("k2"), KEY_2.to_vec())],
        )
        .unwrap();
        let link = rotated.sign(dossier(), 0, at(EXPIRY));
        let swapped = link.path().replace("/k2.", "/k1.");
        assert_eq!(
            rotated.verify_path(&swapped, 0, at(0)),
            Err(LinkError::BadSignature)
        );
    }

    #[test]
    fn malformed_paths() {
        let ring = ring_k1();
        let link = ring.sign(dossier(), 0, at(EXPIRY));
        let good = link.path();
        let sig = &good[good.rfind('.').unwrap() + 1..];
        let cases = [
            String::new(),
            "/p/".to_owned(),
            good.trim_start_matches('/').to_owned(),
            format!("{good}/"),
            format!("/x{}", &good[2..]),
            good.replace("ISB-2026-000123", "isb-2026-000123"),
            good.replace("ISB-2026-000123", "ISB2026000123"),
            good.replace("ISB-2026-000123", "2026-000123"),
            good.replace("/1798761600/", "/01798761600/"),
            good.replace("/1798761600/", "/+1798761600/"),
            good.replace("/1798761600/", "//"),
            good.replace("/1798761600/", "/99999999999999999999/"),
            good.replace("/k1.", "/k1"),
            good.replace("/k1.", "/."),
            good.replace("/k1.", "/K1."),
            good.replace(sig, &sig[1..]),
            good.replace(sig, &format!("{sig}A")),
            good.replace(sig, &format!("{}=", &sig[..21])),
        ];
        for path in &cases {
            assert_eq!(
                ring.verify_path(path, 0, at(0)),
                Err(LinkError::Malformed),
                "{path:?}"
            );
        }
    }

    #[test]
    fn keyring_from_config() {
        let k1 = base64::engine::general_purpose::STANDARD.encode(KEY_1);
        let k2 = URL_SAFE_NO_PAD.encode(KEY_2);
        let ring = LinkKeyring::from_config(" k2 ", &format!(" k1:{k1} ,\n k2:{k2},")).unwrap();
        assert_eq!(ring.current(), &kid("k2"));
        assert_eq!(
            ring.key_ids().map(KeyId::as_str).collect::<Vec<_>>(),
            ["k1", "k2"]
        );
        // Same keys, same signatures as a ring built from bytes.
        let from_bytes = LinkKeyring::new(
            kid("k2"),
            [(kid("k1"), KEY_1.to_vec()), (kid("k2"), KEY_2.to_vec())],
        )
        .unwrap();
        assert_eq!(
            ring.sign(dossier(), 0, at(EXPIRY)),
            from_bytes.sign(dossier(), 0, at(EXPIRY))
        );

        let generated = generate_key();
        assert!(LinkKeyring::from_config("k9", &format!("k9:{generated}")).is_ok());
    }

    #[test]
    fn keyring_config_errors() {
        let k1 = base64::engine::general_purpose::STANDARD.encode(KEY_1);
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 31]);
        let cases = [
            ("k1", String::new(), KeyringError::Empty),
            ("k1", " , ".to_owned(), KeyringError::Empty),
            ("", format!("k1:{k1}"), KeyringError::InvalidKeyId),
            ("k1", format!("K1:{k1}"), KeyringError::InvalidKeyId),
            ("k1", format!("k123456789:{k1}"), KeyringError::InvalidKeyId),
            (
                "k1",
                format!("k1:{k1},{k1}"),
                KeyringError::MalformedEntry { position: 2 },
            ),
            (
                "k1",
                "k1:not base64!".to_owned(),
                KeyringError::InvalidBase64 { kid: "k1".into() },
            ),
            (
                "k1",
                format!("k1:{short}"),
                KeyringError::KeyTooShort {
                    kid: "k1".into(),
                    len: 31,
                },
            ),
            (
                "k1",
                format!("k1:{k1},k1:{k1}"),
                KeyringError::DuplicateKeyId { kid: "k1".into() },
            ),
            (
                "k3",
                format!("k1:{k1}"),
                KeyringError::CurrentMissing { kid: "k3".into() },
            ),
        ];
        for (current, keys, expected) in cases {
            assert_eq!(
                LinkKeyring::from_config(current, &keys).map(|_| ()),
                Err(expected.clone()),
                "{current:?} {keys:?}"
            );
            assert!(!expected.to_string().contains(&k1));
        }
    }

    #[test]
    fn debug_hides_keys() {
        let debug = format!("{:?}", ring_k1());
        assert_eq!(
            debug,
            r#"LinkKeyring { current: KeyId("k1"), kids: [KeyId("k1")], .. }"#
        );
    }

    /// Characters a tamperer might put in: the link's own alphabet and then
    /// some.
    const CHARSET: &str =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./:+=%~ ";

    fn arb_link() -> impl Strategy<Value = (DossierNumber, i64)> {
        (2000u16..=9999, 1u32..=999_999, 1i64..=4_102_444_800).prop_map(
            |(year, sequence, expiry)| (DossierNumber::new(year, sequence).unwrap(), expiry),
        )
    }

    proptest! {
        #[test]
        fn any_single_character_change_fails(
            (dossier, expiry) in arb_link(),
            position in any::<prop::sample::Index>(),
            replacement in prop::sample::select(CHARSET.chars().collect::<Vec<_>>()),
        ) {
            let ring = LinkKeyring::new(
                kid("k2"),
                [(kid("k1"), KEY_1.to_vec()), (kid("k2"), KEY_2.to_vec())],
            )
            .unwrap();
            let link = ring.sign(dossier, 0, at(expiry));
            let path = link.path();
            prop_assert!(ring.verify_path(path, 0, at(0)).is_ok());

            let i = position.index(path.len());
            let original = path.as_bytes()[i] as char;
            prop_assume!(original != replacement);
            let mut changed = path.to_owned();
            changed.replace_range(i..=i, replacement.encode_utf8(&mut [0; 4]));
            prop_assert!(ring.verify_path(&changed, 0, at(0)).is_err(), "{} -> {}", path, changed);

            let mut deleted = path.to_owned();
            deleted.remove(i);
            prop_assert!(ring.verify_path(&deleted, 0, at(0)).is_err(), "{} -> {}", path, deleted);

            let mut inserted = path.to_owned();
            inserted.insert(i, replacement);
            prop_assert!(ring.verify_path(&inserted, 0, at(0)).is_err(), "{} -> {}", path, inserted);
        }

        #[test]
        fn verify_never_panics(path in "\\PC{0,80}") {
            let _ = ring_k1().verify_path(&path, 0, at(0));
        }
    }
}
