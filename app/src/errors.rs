//! Errors server functions send to the browser. They carry codes the pages turn into
//! translated texts, never database or provider details (those are logged on the server).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Why signing in did not work. Each variant keeps the typed dossier number (never the
/// secret) so the form can show it again, also after a no-JavaScript round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum SignInError {
    #[error("the dossier number is not in the expected format")]
    BadDossier { dossier: String },
    #[error("the code is not in the expected format")]
    BadSecret { dossier: String },
    /// A wrong secret and an unknown dossier number look the same on purpose.
    #[error("the dossier number and code do not match")]
    Invalid { dossier: String },
    #[error("too many attempts")]
    Throttled {
        dossier: String,
        retry_after_secs: i64,
    },
    #[error("the service is unavailable")]
    Unavailable,
}

impl SignInError {
    /// The dossier number as typed, to fill the field again.
    pub fn dossier(&self) -> Option<&str> {
        match self {
            SignInError::BadDossier { dossier }
            | SignInError::BadSecret { dossier }
            | SignInError::Invalid { dossier }
            | SignInError::Throttled { dossier, .. } => Some(dossier),
            SignInError::Unavailable => None,
        }
    }
}

impl FromServerFnError for SignInError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_: ServerFnErrorErr) -> Self {
        SignInError::Unavailable
    }
}

/// Why a request behind sign-in was refused before its feature's own rules were checked:
/// the same three reasons for every page and server function. Feature errors carry it as
/// their `Refused` variant, so each page says these things one way (`crate::layout::
/// refusal_text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    #[error("not signed in")]
    NotSignedIn,
    /// A QR-link session asked for personal data: the secret from the letter is needed.
    #[error("sign in with the code to see this")]
    NeedsSecret,
    /// A counsellor asked for a part of the dossier the debtor did not share with them.
    #[error("the debtor has not shared this with you")]
    NotGranted,
    #[error("the service is unavailable")]
    Unavailable,
}

impl FromServerFnError for Refusal {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_: ServerFnErrorErr) -> Self {
        Refusal::Unavailable
    }
}

/// What is wrong with a value typed into a form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Problem {
    #[error("required")]
    Required,
    #[error("too long")]
    TooLong,
    #[error("not an email address")]
    Email,
    #[error("not a Dutch postcode")]
    Postcode,
    #[error("not a phone number")]
    Phone,
    #[error("not a KvK number")]
    Kvk,
    #[error("not a VAT number")]
    Vat,
    #[error("not a date")]
    Date,
    #[error("not an ID document number")]
    IdDocument,
    #[error("the same as now")]
    Unchanged,
}

/// Why a correction request was not filed. Keeps what was typed so the form shows it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum CorrectionError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("unknown field")]
    UnknownField,
    #[error("the proposed value: {problem}")]
    Value { problem: Problem, value: String },
    #[error("the reason: {problem}")]
    Reason { problem: Problem },
    #[error("an open request for this field exists")]
    Duplicate,
}

impl FromServerFnError for CorrectionError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_: ServerFnErrorErr) -> Self {
        CorrectionError::Refused(Refusal::Unavailable)
    }
}

/// What is wrong with an amount typed to pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AmountProblem {
    #[error("not an amount")]
    NotAnAmount,
    #[error("not positive")]
    NotPositive,
    #[error("below the minimum")]
    BelowMinimum { minimum: domain::Money },
    #[error("more than is open")]
    AboveOpen { open: domain::Money },
}

/// Why a payment could not be started. Keeps the typed amount for the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PaymentError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("the amount: {problem}")]
    Amount {
        problem: AmountProblem,
        typed: String,
    },
    #[error("nothing to pay")]
    NothingToPay,
    /// The balance changed since the page was shown (e.g. another payment came in).
    #[error("the balance changed")]
    BalanceChanged { open: domain::Money },
    /// Paying online is switched off on this server.
    #[error("paying online is not available")]
    Offline,
    /// Pay.nl did not answer; nothing was booked.
    #[error("the payment provider is unavailable")]
    ProviderDown,
    /// Several payments of the dossier were started and not finished within the hour.
    #[error("too many unfinished payments")]
    TooManyOpen,
    #[error("payment not found")]
    NotFound,
}

impl FromServerFnError for PaymentError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_: ServerFnErrorErr) -> Self {
        PaymentError::Refused(Refusal::Unavailable)
    }
}

/// Why a payment plan could not be shown, agreed or paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PlanFormError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("not a number of months")]
    Months,
    #[error("not an amount")]
    Amount,
    #[error("a reason is needed outside the rules")]
    ReasonRequired,
    #[error("a plan is already in play")]
    PlanInPlay,
    #[error("a deferral is in play")]
    DeferralInPlay,
    #[error("nothing to spread over months")]
    NothingToPlan,
    #[error("paying online is not available")]
    Offline,
    #[error("the payment provider is unavailable")]
    ProviderDown,
}

impl FromServerFnError for PlanFormError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_: ServerFnErrorErr) -> Self {
        PlanFormError::Refused(Refusal::Unavailable)
    }
}

/// Why a request to pay later could not be shown or made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum LaterFormError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Not a date (the date field, or typed as dd-mm-jjjj).
    #[error("not a date")]
    Date,
    /// Today or earlier.
    #[error("the day must be after today")]
    NotLater,
    /// More than a year ahead.
    #[error("the day is too far ahead")]
    TooFar,
    #[error("a reason is needed outside the rules")]
    ReasonRequired,
    #[error("the text is too long")]
    TextTooLong,
    #[error("a payment plan is in play")]
    PlanInPlay,
    #[error("a deferral is in play")]
    DeferralInPlay,
    #[error("nothing is open")]
    NothingOpen,
}

impl FromServerFnError for LaterFormError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_: ServerFnErrorErr) -> Self {
        LaterFormError::Refused(Refusal::Unavailable)
    }
}
