//! The keys of stored records (dossiers, payments, disputes, …), one type each, so that the id
//! of one kind of record cannot be passed where another is meant.
//!
//! The store makes them (UUID text, or a database rowid) and reads them back from its rows;
//! everything else gets them from the store, or parses them from text at the edges (URL
//! paths, form fields, server-function arguments, command-line arguments). On the wire (serde)
//! each is exactly its text or number.

use std::fmt;
use std::str::FromStr;

/// Why text is not a record id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecordIdError {
    /// Nothing given.
    #[error("no id given")]
    Empty,
    /// Not a whole number (the id of a record numbered by the database).
    #[error("an id is a whole number")]
    NotANumber,
}

/// A record id that is text (a UUID made by the store, or a creditor's own key).
macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as stored. For text from outside (a URL, a form) use `parse`, which
            /// refuses empty text.
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The id as stored, e.g. to bind in a query.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = RecordIdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                if s.is_empty() {
                    Err(RecordIdError::Empty)
                } else {
                    Ok($name(s.to_owned()))
                }
            }
        }
    };
}

/// A record id that is a database rowid.
macro_rules! integer_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Serialize,
            serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The id as stored. For text from outside (a URL, a form) use `parse`.
            pub const fn new(id: i64) -> Self {
                $name(id)
            }

            /// The id as stored, e.g. to bind in a query.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = RecordIdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                if s.is_empty() {
                    return Err(RecordIdError::Empty);
                }
                s.parse().map($name).map_err(|_| RecordIdError::NotANumber)
            }
        }
    };
}

text_id!(
    /// A creditor (`creditor.id`): the creditor's own stable key, e.g. the code in its import files.
    CreditorId
);
text_id!(
    /// A dossier (`dossier.id`, a UUID); not the public [`DossierNumber`](super::DossierNumber).
    DossierId
);
text_id!(
    /// A payment attempt (`payment.id`, 32 hex digits), also our `reference` at Pay.nl.
    PaymentId
);
text_id!(
    /// A payment plan (`payment_plan.id`, a UUID).
    PlanId
);
text_id!(
    /// A request to pay later in one sum (`payment_deferral.id`, a UUID).
    DeferralId
);
text_id!(
    /// A pause in collection (`collection_pause.id`, a UUID).
    PauseId
);
text_id!(
    /// An invitation a debtor made for their debt counsellor (`counsellor_invitation.id`, a
    /// UUID).
    InvitationId
);
text_id!(
    /// A counsellor's access to one dossier (`counsellor_access.id`, a UUID).
    AccessId
);
text_id!(
    /// A counsellor's request to staff for access without the debtor's code
    /// (`counsellor_access_request.id`, a UUID).
    AccessRequestId
);

integer_id!(
    /// An invoice of a dossier (`claim_item.id`).
    ClaimItemId
);
integer_id!(
    /// A charge on a dossier, such as collection costs (`charge.id`).
    ChargeId
);
integer_id!(
    /// A ledger entry: a payment, refund, chargeback or adjustment (`ledger_entry.id`).
    LedgerEntryId
);
integer_id!(
    /// One instalment of a payment plan (`plan_instalment.id`).
    InstalmentId
);
integer_id!(
    /// A debtor's request to correct personal data (`correction_request.id`).
    CorrectionId
);
integer_id!(
    /// A dispute or complaint (`dispute.id`).
    DisputeId
);
integer_id!(
    /// A file filed with a dispute (`dispute_attachment.id`).
    AttachmentId
);
integer_id!(
    /// A Pay.nl exchange call as logged on arrival (`exchange_call.id`).
    ExchangeCallId
);
text_id!(
    /// A file sent with an income and expenses statement (`plan_budget_attachment.id`).
    BudgetFileId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_ids_are_plain_strings_on_the_wire() {
        let id = DossierId::new("6f1c2d3e-0000-4000-8000-000000000001");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, r#""6f1c2d3e-0000-4000-8000-000000000001""#);
        assert_eq!(serde_json::from_str::<DossierId>(&json).unwrap(), id);
        let payment: PaymentId = serde_json::from_str(r#""0123abcd""#).unwrap();
        assert_eq!(payment.as_str(), "0123abcd");
        assert_eq!(
            serde_json::to_value(Some(PlanId::new("p"))).unwrap(),
            serde_json::json!("p")
        );
        assert_eq!(
            serde_json::to_value(CreditorId::new("zorg")).unwrap(),
            serde_json::json!("zorg")
        );
    }

    #[test]
    fn integer_ids_are_plain_numbers_on_the_wire() {
        let id = DisputeId::new(42);
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
        assert_eq!(serde_json::from_str::<DisputeId>("42").unwrap(), id);
        assert_eq!(
            serde_json::to_value([CorrectionId::new(7)]).unwrap(),
            serde_json::json!([7])
        );
        assert_eq!(
            serde_json::from_str::<AttachmentId>("-3").unwrap().get(),
            -3
        );
        assert!(serde_json::from_str::<InstalmentId>(r#""1""#).is_err());
    }

    #[test]
    fn text_ids_parse_any_non_empty_text() {
        assert_eq!("abc".parse::<PaymentId>(), Ok(PaymentId::new("abc")));
        assert_eq!("".parse::<PaymentId>(), Err(RecordIdError::Empty));
        assert_eq!("".parse::<DossierId>(), Err(RecordIdError::Empty));
        assert_eq!(DossierId::new("d-1").to_string(), "d-1");
    }

    #[test]
    fn integer_ids_parse_whole_numbers_only() {
        assert_eq!("17".parse::<ClaimItemId>(), Ok(ClaimItemId::new(17)));
        assert_eq!("".parse::<ClaimItemId>(), Err(RecordIdError::Empty));
        for text in ["x", "1.5", " 1", "1e3", "99999999999999999999"] {
            assert_eq!(
                text.parse::<DisputeId>(),
                Err(RecordIdError::NotANumber),
                "{text:?}"
            );
        }
        assert_eq!(LedgerEntryId::new(9).to_string(), "9");
        assert_eq!(ChargeId::new(3).get(), 3);
    }
}
