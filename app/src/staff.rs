//! What the back office's server functions and pages exchange: the errors (as codes the
//! pages translate) and the data shown to staff. The pages are in `pages::staff`, the rules
//! behind them in `ssr::staff`.

use domain::{CorrectionId, PlanId};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What went wrong in a staff server function. Codes only: the pages turn them into texts;
/// database details stay in the server's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum StaffError {
    /// Not signed in as staff (`NotSignedIn`), or the service is down (`Unavailable`).
    #[error(transparent)]
    Refused(#[from] crate::errors::Refusal),
    /// The second factor was left empty.
    #[error("the code is missing")]
    MissingCode,
    /// Not the code of the app (or not an unused recovery code).
    #[error("the code is not right")]
    WrongCode,
    /// The app's code was right but has been used already: wait for the next one.
    #[error("the code was used already")]
    CodeUsed,
    /// The staff member's role does not allow this (`auth::roles`); nothing was changed.
    #[error("your role does not allow this")]
    Forbidden,
    #[error("the username is missing")]
    MissingUsername,
    #[error("the password is missing")]
    MissingPassword { username: String },
    /// An unknown username and a wrong password look the same on purpose.
    #[error("the username and password do not match")]
    Invalid { username: String },
    #[error("too many attempts")]
    Throttled {
        username: String,
        retry_after_secs: i64,
    },
    #[error("the dossier number is not in the expected format")]
    BadDossier { number: String },
    #[error("no such dossier")]
    DossierNotFound { number: String },
    #[error("choose accept or reject")]
    NoDecision { id: CorrectionId },
    #[error("a rejection needs a note")]
    NoteRequired { id: CorrectionId },
    #[error("the note is too long")]
    NoteTooLong { id: CorrectionId },
    /// Someone (or an earlier submit) decided it first; nothing was changed now.
    #[error("the request was already decided")]
    AlreadyDecided {
        id: CorrectionId,
        dossier: String,
        status: String,
        by: Option<String>,
    },
    #[error("no such correction request")]
    CorrectionNotFound { id: CorrectionId },
    /// The proposed value cannot be stored in the field (e.g. not a date); reject it instead.
    #[error("the proposed value cannot be stored")]
    ValueNotStorable { id: CorrectionId },
    #[error("choose accept, reject or counter-propose")]
    PlanNoDecision { plan: PlanId },
    #[error("a rejection or counter-proposal needs a note for the debtor")]
    PlanNoteRequired { plan: PlanId },
    #[error("the note is too long")]
    PlanNoteTooLong { plan: PlanId },
    /// The counter-proposal's months or amount cannot be read, or make no schedule.
    #[error("the counter-proposal's terms are not usable")]
    PlanTerms { plan: PlanId },
    #[error("no such plan")]
    PlanNotFound { plan: PlanId },
    /// Decided already (by someone else, or an earlier submit); nothing changed now.
    #[error("the plan was already decided")]
    PlanAlreadyDecided { plan: PlanId },
    /// Marking a payment handled needs a note of what was done.
    #[error("say what was done")]
    PaymentNoteRequired { payment: domain::PaymentId },
    #[error("the note is too long")]
    PaymentNoteTooLong { payment: domain::PaymentId },
    #[error("no such payment, or it needs no attention")]
    PaymentNotFlagged { payment: domain::PaymentId },
    #[error("choose grant or reject")]
    DeferralNoDecision { deferral: domain::DeferralId },
    #[error("a rejection needs a note for the debtor")]
    DeferralNoteRequired { deferral: domain::DeferralId },
    #[error("the note is too long")]
    DeferralNoteTooLong { deferral: domain::DeferralId },
    /// Decided already, or no such request; nothing changed now.
    #[error("the request was already decided")]
    DeferralAlreadyDecided { deferral: domain::DeferralId },
    /// The debtor has a payment plan now: a deferral cannot be granted beside it.
    #[error("the dossier has a payment plan")]
    DeferralBesidePlan { deferral: domain::DeferralId },
}

impl FromServerFnError for StaffError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_: ServerFnErrorErr) -> Self {
        StaffError::Refused(crate::Refusal::Unavailable)
    }
}

/// One open correction request in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: CorrectionId,
    pub dossier_number: String,
    /// The debtor field's key (`email`, `birth_date`, ...).
    pub field: String,
    /// The value in the dossier now.
    pub value_now: Option<String>,
    /// The value the debtor saw when asking (shown when it differs from `value_now`).
    pub value_when_asked: Option<String>,
    /// Blank asks to remove the value.
    pub proposed_value: String,
    pub reason: String,
    /// `YYYY-MM-DD`.
    pub received: String,
    /// `YYYY-MM-DD`: one month after `received`.
    pub due: String,
    pub overdue: bool,
}

/// One personal field of a debtor, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRow {
    pub field: String,
    pub value: Option<String>,
}

/// One correction request of a dossier, open or decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionRow {
    pub id: CorrectionId,
    pub field: String,
    pub value_when_asked: Option<String>,
    pub proposed_value: String,
    pub reason: String,
    /// `submitted`, `accepted` or `rejected`.
    pub status: String,
    pub staff_note: Option<String>,
    pub received: String,
    pub due: String,
    pub decided: Option<String>,
    pub decided_by: Option<String>,
}

/// A dossier as the look-up shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffDossierView {
    pub number: String,
    /// `open`, `plan`, `paid`, `closed` or `disputed`.
    pub status: String,
    pub creditor: String,
    /// `person` or `business`; none when no debtor is recorded.
    pub debtor_kind: Option<String>,
    pub fields: Vec<FieldRow>,
    pub corrections: Vec<CorrectionRow>,
    /// Pauses in collection, latest first.
    pub pauses: Vec<PauseRow>,
    /// Today in the Netherlands (the pause form's first day).
    pub today: chrono::NaiveDate,
}

/// A pause in collection as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseRow {
    pub id: domain::PauseId,
    pub from: chrono::NaiveDate,
    pub until: chrono::NaiveDate,
    pub requested_by: String,
    pub note: Option<String>,
    pub created_by: String,
    /// Covers today and was not ended.
    pub running: bool,
    pub ended_by: Option<String>,
}

/// The second-factor step after a right password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorView {
    pub username: String,
    /// A debt counsellor's account (its own words on the page).
    pub counsellor: bool,
    /// Present on the first sign-in of an account: set up the app first.
    pub enrolment: Option<Enrolment>,
}

/// What setting up the authenticator app takes; shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The `otpauth://` URL as an SVG QR code.
    pub qr_svg: String,
    /// The same secret in base32, for typing into an app by hand.
    pub secret: String,
    /// Single-use codes for a lost phone.
    pub recovery_codes: Vec<String>,
}

// Credentials: keep them out of logs.
impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enrolment(<redacted>)")
    }
}

/// Who is signed in, for the back office's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffIdentity {
    pub username: String,
    /// Set when today is past the last day the statutory interest table covers: that day.
    pub rates_covered_until: Option<chrono::NaiveDate>,
}

/// One payment plan waiting for a staff decision (outside the agency's rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanReviewItem {
    pub plan_id: PlanId,
    pub dossier_number: String,
    pub creditor: String,
    /// The debtor's reason for asking more than the rules allow.
    pub reason: Option<String>,
    /// The open balance today (the plan was made on the balance of its day).
    pub open_balance: domain::Money,
    pub plan_total: domain::Money,
    pub months: u32,
    /// The regular instalment (the first).
    pub instalment: domain::Money,
    pub first_due: chrono::NaiveDate,
    pub last_due: chrono::NaiveDate,
    pub breaches: Vec<domain::RuleBreach>,
    /// The rules' bounds on today's balance: what a counter-proposal within them may be.
    pub limits: domain::Limits,
    /// `YYYY-MM-DD`.
    pub received: String,
    /// The income and expenses statement sent with the plan, checked line by line.
    pub budget: Option<crate::budget::BudgetView>,
    /// The largest instalment the plan asks (compared with the statement's capacity).
    pub largest_instalment: domain::Money,
}

/// Why a payment is on the attention list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeKind {
    /// Pay.nl says paid with another amount than the order's (-51): nothing was booked.
    AmountDiffers,
    /// The payer's bank took money back.
    ChargedBack,
    /// Booked, but something about it needs a look (the detail says what).
    Flagged,
    /// Still open a day after it was made: Pay.nl never said how it ended.
    OpenTooLong,
}

/// One payment on the attention list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentNotice {
    pub kind: NoticeKind,
    pub payment_id: domain::PaymentId,
    pub dossier_number: String,
    pub amount: domain::Money,
    /// Our status code (`pending`, `paid`, `chargeback`, ...).
    pub status: String,
    /// Dutch wall-clock time it was made, and of its last change.
    pub made: chrono::NaiveDateTime,
    pub changed: chrono::NaiveDateTime,
    /// The flag's reason as the payment flow recorded it.
    pub detail: Option<String>,
    /// Whether it is flagged (and so can be marked handled).
    pub flagged: bool,
}

/// A refund or chargeback booked lately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnNotice {
    pub chargeback: bool,
    pub dossier_number: String,
    pub payment_id: Option<domain::PaymentId>,
    /// What went back (positive).
    pub amount: domain::Money,
    pub at: chrono::NaiveDateTime,
    /// Where it came from (e.g. Pay.nl's `EX-…` transaction).
    pub source: String,
}

/// An exchange call refused lately (bad signature, or unreadable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedCallNotice {
    pub at: chrono::NaiveDateTime,
    /// The caller's address, when kept.
    pub caller: Option<String>,
    /// The order the call claimed to be about.
    pub order: Option<String>,
    pub reason: String,
}

/// A message to a debtor that could not be delivered (given up after its retries, or
/// refused for good by the relay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedMailNotice {
    /// Dutch time it was written.
    pub at: chrono::NaiveDateTime,
    pub dossier_number: String,
    /// `payment_received`, `plan_agreed`, …
    pub kind: String,
    pub attempts: u32,
    pub error: String,
}

/// The payments page: what needs a look, and what happened lately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAttention {
    pub notices: Vec<PaymentNotice>,
    pub returns: Vec<ReturnNotice>,
    pub refused: Vec<RefusedCallNotice>,
    /// Mail to debtors that did not arrive (the receipts among them are about payments).
    pub failed_mail: Vec<FailedMailNotice>,
    /// Days the returns and refused calls go back.
    pub recent_days: u32,
    /// Whether this staff member may mark a flagged payment handled.
    pub can_resolve: bool,
}

/// A request to pay later in one sum waiting for a staff decision (outside the rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferralReviewItem {
    pub deferral_id: domain::DeferralId,
    pub dossier_number: String,
    /// The day the debtor asks to pay everything by.
    pub pay_by: chrono::NaiveDate,
    pub open_when_asked: domain::Money,
    pub open_now: domain::Money,
    pub reason: Option<String>,
    pub breaches: Vec<domain::DeferralBreach>,
    /// `YYYY-MM-DD`.
    pub received: String,
}
