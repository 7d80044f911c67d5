//! What can go wrong starting or applying a payment.

use domain::Money;
use store::StoreError;

/// Why a payment could not be started, applied or refreshed.
///
/// The first group (up to [`PayError::IntentKeyConflict`]) is about the debtor's request and
/// has one variant per message the UI shows; the rest are for logs (the UI shows a generic
/// "try again later"). Messages are for logs, never for the debtor's browser.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    /// No dossier with that id.
    #[error("dossier not found")]
    DossierNotFound,
    /// The open balance is zero: there is nothing to pay.
    #[error("nothing to pay: the open balance is zero")]
    NothingToPay,
    /// The amount is zero or negative.
    #[error("the amount must be positive")]
    AmountNotPositive,
    /// A part payment below the agency's minimum (and not the whole balance).
    #[error("a part payment must be at least {} cents", minimum.cents())]
    BelowMinimum {
        /// The minimum part payment.
        minimum: Money,
        /// What is open (paying all of it is always allowed).
        open: Money,
    },
    /// More than is open, and overpayment is not allowed.
    #[error("the amount is more than the open balance of {} cents", open.cents())]
    AboveOpen {
        /// What is open.
        open: Money,
    },
    /// A "pay everything" request with an amount that no longer matches the open balance
    /// (interest accrued or a payment arrived since the page was shown).
    #[error("the open balance is now {} cents", open.cents())]
    BalanceChanged {
        /// What is open now.
        open: Money,
    },
    /// The dossier has too many payments started and not finished (see
    /// [`crate::MAX_OPEN_ORDERS`]): no new order until one ends or an hour has passed.
    #[error("too many unfinished payments on this dossier")]
    TooManyOpen,
    /// The request carries no intent key.
    #[error("a payment request needs an intent key")]
    MissingIntentKey,
    /// The intent key was used for a payment on another dossier.
    #[error("payment intent key already used for another dossier")]
    IntentKeyConflict,
    /// Pay.nl is down, answered 5xx, or did not answer in time. Nothing was booked. When
    /// `outcome_unknown` is true an order may exist at Pay.nl: this payment attempt is
    /// abandoned (cancelled) and a retry needs a new intent key.
    #[error("Pay.nl is unavailable: {detail}")]
    ProviderUnavailable {
        /// Whether Pay.nl may have created the order although we got no answer.
        outcome_unknown: bool,
        /// What happened, for the log.
        detail: String,
    },
    /// Pay.nl refused the request (credentials, validation): a configuration problem.
    #[error("Pay.nl refused the request: {0}")]
    ProviderRejected(String),
    /// No payment with that id.
    #[error("payment not found")]
    PaymentNotFound,
    /// The Pay.nl order's reference and id do not match the payment.
    #[error("the Pay.nl order does not belong to this payment")]
    OrderMismatch,
    /// Another task held the dossier too long; try again (an exchange call answers `FALSE|`).
    #[error("another task is booking on this dossier")]
    Busy,
    /// The stored payment and ledger disagree (e.g. a refund without a booked payment).
    #[error("inconsistent payment: {0}")]
    Inconsistent(&'static str),
    /// The database failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The claim could not be loaded or the payment allocated.
    #[error("claim: {0}")]
    Claim(claim::ClaimError),
}

impl From<domain::AmountRefusal> for PayError {
    fn from(refusal: domain::AmountRefusal) -> Self {
        use domain::AmountRefusal::*;
        match refusal {
            NothingToPay => PayError::NothingToPay,
            NotPositive => PayError::AmountNotPositive,
            AboveOpen { open } => PayError::AboveOpen { open },
            BelowMinimum { minimum, open } => PayError::BelowMinimum { minimum, open },
        }
    }
}

impl From<booking::BookingError> for PayError {
    fn from(error: booking::BookingError) -> Self {
        match error {
            booking::BookingError::Busy => PayError::Busy,
            booking::BookingError::Store(e) => PayError::Store(e),
            booking::BookingError::Claim(e) => e.into(),
            booking::BookingError::Inconsistent(what) => PayError::Inconsistent(what),
        }
    }
}

impl From<claim::ClaimError> for PayError {
    fn from(error: claim::ClaimError) -> Self {
        match error {
            claim::ClaimError::DossierNotFound => PayError::DossierNotFound,
            claim::ClaimError::Store(e) => PayError::Store(e),
            other => PayError::Claim(other),
        }
    }
}

impl PayError {
    /// Whether the debtor's request itself is at fault (shown as a form error), rather than
    /// a provider or system failure.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            PayError::NothingToPay
                | PayError::AmountNotPositive
                | PayError::BelowMinimum { .. }
                | PayError::AboveOpen { .. }
                | PayError::BalanceChanged { .. }
                | PayError::MissingIntentKey
                | PayError::IntentKeyConflict
        )
    }
}
