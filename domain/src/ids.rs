//! Identifiers and contact details that arrive as text: each parses tolerantly
//! (spaces, dashes, case), keeps one canonical form, and says why it refused.
//! Besides, the keys of stored records (`DossierId`, `PaymentId`, `DisputeId`, …), one
//! type per kind of record.

mod dossier;
mod email;
mod iban;
mod kvk;
mod phone;
mod postcode;
mod record;
mod secret;
mod vat;

pub use dossier::{DossierNumber, DossierNumberError};
pub use email::{Email, EmailError};
pub use iban::{Iban, IbanError};
pub use kvk::{KvkNumber, KvkNumberError};
pub use phone::{Phone, PhoneError};
pub use postcode::{Postcode, PostcodeError};
pub use record::{
    AccessId, AccessRequestId, AttachmentId, BudgetFileId, ChargeId, ClaimItemId, CorrectionId,
    CreditorId, DeferralId, DisputeId, DossierId, ExchangeCallId, InstalmentId, InvitationId,
    LedgerEntryId, PauseId, PaymentId, PlanId, RecordIdError,
};
pub use secret::{InvitationCode, Secret, SecretError};
pub use vat::{VatNumber, VatNumberError};

/// Whether `c` is a hyphen or dash. Text copied from a PDF letter or a word
/// processor often has typographic dashes (‐ ‑ ‒ – —) where `-` was meant.
fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2014}' | '\u{2212}')
}

/// Uppercases `s` and drops whitespace, dashes and the extra `separators`:
/// how people write identifiers differs only in these.
fn compact(s: &str, separators: &[char]) -> String {
    s.chars()
        .filter(|&c| !c.is_whitespace() && !is_dash(c) && !separators.contains(&c))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Serialises a type as its canonical text and deserialises through
/// `FromStr`, so stored and transmitted values are validated on the way in.
/// `serde_as_string!(T)` writes the `Display` text; `serde_as_string!(T, method)`
/// writes `self.method()` instead.
macro_rules! serde_as_string {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
        $crate::ids::serde_as_string!(@de $ty);
    };
    ($ty:ty, $text:ident) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.$text())
            }
        }
        $crate::ids::serde_as_string!(@de $ty);
    };
    (@de $ty:ty) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
use serde_as_string;
