//! Closed sets of values stored as lowercase text; the CHECK constraints in the migrations list
//! the same words.

use serde::{Deserialize, Serialize};

/// Maps an enum to the text stored in the database and back.
pub(crate) trait DbEnum: Sized + Copy {
    fn parse(text: &str) -> Option<Self>;
}

macro_rules! db_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The text stored in the database.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl DbEnum for $name {
            fn parse(text: &str) -> Option<Self> {
                $name::parse(text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

db_enum!(
    /// Which statutory interest applies to the creditor's claims (art. 6:119 or 6:119a BW).
    InterestKind { Consumer = "consumer", Commercial = "commercial" }
);

db_enum!(DossierStatus {
    Open = "open",
    Plan = "plan",
    Paid = "paid",
    Closed = "closed",
    Disputed = "disputed",
});

impl DossierStatus {
    /// Paid in full or closed: the Bki's two years of keeping the file run from then.
    pub const fn is_closed(self) -> bool {
        matches!(self, DossierStatus::Paid | DossierStatus::Closed)
    }
}

db_enum!(DebtorKind { Person = "person", Business = "business" });

db_enum!(
    /// The personal fields of a debtor; `as_str` is also the column name in `debtor`.
    DebtorField {
        Name = "name",
        Address = "address",
        Postcode = "postcode",
        City = "city",
        Phone = "phone",
        Email = "email",
        CustomerNumber = "customer_number",
        BirthDate = "birth_date",
        IdDocumentNumber = "id_document_number",
        KvkNumber = "kvk_number",
        VatNumber = "vat_number",
    }
);

db_enum!(
    /// Who supplied a debtor field: the creditor (import) or the debtor (accepted correction).
    FieldSourceKind { Creditor = "creditor", Correction = "correction" }
);

db_enum!(ChargeKind { Interest = "interest", Costs = "costs" });

db_enum!(LedgerKind {
    Payment = "payment",
    Refund = "refund",
    Chargeback = "chargeback",
    Adjustment = "adjustment",
});

db_enum!(PaymentPurpose { Full = "full", Partial = "partial", Instalment = "instalment" });

db_enum!(PaymentStatus {
    Initiated = "initiated",
    Pending = "pending",
    Paid = "paid",
    Cancelled = "cancelled",
    Expired = "expired",
    Refunded = "refunded",
    Chargeback = "chargeback",
});

impl PaymentStatus {
    /// Forward-only transitions. Pay.nl may report an order paid after it was reported expired
    /// or cancelled (a late bank confirmation); money received must still be booked, so those
    /// two may become paid. Nothing ever returns to initiated or pending.
    pub const fn can_become(self, next: PaymentStatus) -> bool {
        use PaymentStatus::*;
        matches!(
            (self, next),
            (Initiated, Pending | Paid | Cancelled | Expired)
                | (Pending, Paid | Cancelled | Expired)
                | (Cancelled | Expired, Paid)
                | (Paid, Refunded | Chargeback)
        )
    }

    /// Still waiting for Pay.nl to decide.
    pub const fn is_open(self) -> bool {
        matches!(self, PaymentStatus::Initiated | PaymentStatus::Pending)
    }
}

db_enum!(
    /// What an income and expenses statement concluded (`domain::Verdict` without its amount).
    BudgetVerdict {
        CanPay = "can_pay",
        BelowProtected = "below_protected",
        FixedCostsExceedIncome = "fixed_costs_exceed_income",
    }
);

db_enum!(
    /// Where a request to pay later in one sum stands.
    DeferralStatus {
        /// Outside the agency's rules: waiting for staff.
        NeedsReview = "needs_review",
        /// Agreed (at once, or by staff): the debtor pays by the day.
        Granted = "granted",
        /// Staff said no, with a note.
        Rejected = "rejected",
        /// Paid in full.
        Kept = "kept",
        /// The day (plus grace) passed with money open: ended.
        Broken = "broken",
    }
);

db_enum!(PlanStatus {
    Proposed = "proposed",
    Active = "active",
    Completed = "completed",
    Defaulted = "defaulted",
    NeedsReview = "needs_review",
    /// Left play unpaid by a decision: rejected by staff, replaced by a counter-proposal, or a
    /// counter-proposal the debtor declined ([`PlanDecisionKind`] says which).
    Rejected = "rejected",
});

db_enum!(
    /// What ended a plan's review (see `plan_review.decision`).
    PlanDecisionKind {
        Accepted = "accepted",
        Rejected = "rejected",
        Countered = "countered",
        Declined = "declined",
    }
);

db_enum!(InstalmentStatus { Open = "open", Paid = "paid", Late = "late", Missed = "missed" });

db_enum!(CorrectionStatus { Submitted = "submitted", Accepted = "accepted", Rejected = "rejected" });

db_enum!(
    /// `Full` after dossier number + secret; `PayOnly` from a signed letter link (no personal
    /// data); `Staff` for the back office.
    SessionKind { Full = "full", PayOnly = "pay_only", Staff = "staff" }
);

db_enum!(
    /// What a login attempt is counted against for throttling.
    AttemptKeyKind { Dossier = "dossier", Ip = "ip", Staff = "staff" }
);

db_enum!(ActorKind { Debtor = "debtor", Staff = "staff", System = "system" });

db_enum!(StaffRole { Agent = "agent", Admin = "admin" });

db_enum!(
    /// What an account (`staff_user`) is: the agency's staff, or a debt counsellor the
    /// debtor let in (issue 21), who never opens a staff page.
    AccountKind { Staff = "staff", Counsellor = "counsellor" }
);

/// The result of an insert guarded by a unique key: either a new row, or the row that already
/// held the key (a replay or a double submit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created<T> {
    New(T),
    Existing(T),
}

impl<T> Created<T> {
    pub fn is_new(&self) -> bool {
        matches!(self, Created::New(_))
    }

    pub fn into_inner(self) -> T {
        match self {
            Created::New(t) | Created::Existing(t) => t,
        }
    }
}

/// The result of an insert made idempotent by its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Booked {
    Inserted,
    /// The key was already booked; nothing changed.
    AlreadyBooked,
}

db_enum!(
    /// What a debtor disputes: the claim (the first five) or, for `Complaint`, the agency's
    /// conduct (nothing is put on hold).
    DisputeKind {
        AlreadyPaid = "already_paid",
        NeverReceived = "never_received",
        WrongAmount = "wrong_amount",
        NotMine = "not_mine",
        Other = "other",
        Complaint = "complaint",
    }
);

impl DisputeKind {
    /// Whether it puts what it disputes on hold (every kind but a complaint).
    pub const fn holds(self) -> bool {
        !matches!(self, DisputeKind::Complaint)
    }
}

db_enum!(
    /// Open → acknowledged (optional) → decided.
    DisputeStatus { Open = "open", Acknowledged = "acknowledged", Decided = "decided" }
);

db_enum!(
    /// How staff decided: `Upheld` (the debtor is right: a disputed invoice is cancelled),
    /// `Rejected` (collection resumes), `Paid` (paid elsewhere, booked from the proof).
    DisputeDecisionKind { Upheld = "upheld", Rejected = "rejected", Paid = "paid" }
);

db_enum!(
    /// The only file types kept with a dispute, by what the bytes are.
    AttachmentType { Pdf = "application/pdf", Jpeg = "image/jpeg", Png = "image/png" }
);

db_enum!(
    /// Where a message in the mail outbox stands: waiting (for the contact hours or a
    /// retry), sent, given up after its retries (staff see it), or not sent because the
    /// dossier has no e-mail address (the debtor still finds it on `/dossier/messages`).
    MailStatus { Queued = "queued", Sent = "sent", Failed = "failed", Unsent = "unsent" }
);
