//! What can go wrong with a plan.

use domain::plan::PlanError;
use store::StoreError;

use crate::config::ConfigError;
use domain::plan::RuleBreach;

/// Why a plan could not be previewed, proposed, decided or synced.
///
/// The first group (up to [`PlansError::NotInPlay`]) is about the request and has one variant
/// per message the UI shows; the rest are for logs (the UI shows "try again later"). Messages
/// are for logs, never for the debtor's browser.
#[derive(Debug, thiserror::Error)]
pub enum PlansError {
    /// No schedule can be made (nothing to pay, zero months, a zero amount, too long…).
    #[error("no schedule possible: {0}")]
    Impossible(PlanError),
    /// The plan breaks the agency's rules, which is allowed only with a reason (it then goes
    /// to staff review).
    #[error("a plan outside the rules needs a reason")]
    ReasonRequired {
        /// The rules it breaks.
        breaches: Vec<RuleBreach>,
    },
    /// The reason is longer than [`crate::MAX_TEXT_CHARS`].
    #[error("the text is too long")]
    TextTooLong,
    /// The dossier already has a plan in play (proposed, active or needs review).
    #[error("the dossier already has a payment plan")]
    PlanInPlay,
    /// The dossier already has a request to pay later in play (waiting or granted).
    #[error("the dossier already has a deferral of payment")]
    DeferralInPlay,
    /// The day asked for cannot be: not after today, or more than a year ahead.
    #[error("deferral day: {0}")]
    DeferralDate(domain::DeferralDateError),
    /// Paying later outside the agency's rules needs a reason (it then goes to staff).
    #[error("a deferral outside the rules needs a reason")]
    DeferralReasonRequired {
        /// The rules it breaks.
        breaches: Vec<domain::DeferralBreach>,
    },
    /// No dossier with that id.
    #[error("dossier not found")]
    DossierNotFound,
    /// No plan with that id, or no plan of the kind asked for on the dossier.
    #[error("plan not found")]
    PlanNotFound,
    /// The plan is not (or no longer) in the state the action needs: e.g. a review decided
    /// twice, or a counter-proposal accepted after it was withdrawn.
    #[error("the plan is not awaiting this decision")]
    NotInPlay,
    /// Starting the payment failed (see [`payments::PayError::is_user_error`]).
    #[error("payment: {0}")]
    Payment(payments::PayError),
    /// The plan rules in the config are unusable.
    #[error("config: {0}")]
    Config(#[from] ConfigError),
    /// The database failed.
    #[error("store: {0}")]
    Store(StoreError),
    /// The claim could not be computed.
    #[error("claim: {0}")]
    Claim(claim::ClaimError),
    /// Stored data that cannot be right (an overflow, a plan without instalments).
    #[error("inconsistent plan: {0}")]
    Inconsistent(&'static str),
}

impl PlansError {
    /// Whether the request itself is at fault (a form error), not the system.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            PlansError::Impossible(_)
                | PlansError::ReasonRequired { .. }
                | PlansError::TextTooLong
                | PlansError::PlanInPlay
                | PlansError::DeferralInPlay
                | PlansError::DeferralDate(_)
                | PlansError::DeferralReasonRequired { .. }
                | PlansError::DossierNotFound
                | PlansError::PlanNotFound
                | PlansError::NotInPlay
        ) || matches!(self, PlansError::Payment(e) if e.is_user_error())
    }
}

impl From<StoreError> for PlansError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(store::Conflict::PlanInPlay) => PlansError::PlanInPlay,
            StoreError::Conflict(store::Conflict::DeferralInPlay) => PlansError::DeferralInPlay,
            other => PlansError::Store(other),
        }
    }
}

impl From<claim::ClaimError> for PlansError {
    fn from(error: claim::ClaimError) -> Self {
        match error {
            claim::ClaimError::DossierNotFound => PlansError::DossierNotFound,
            claim::ClaimError::Store(e) => e.into(),
            other => PlansError::Claim(other),
        }
    }
}

impl From<booking::BookingError> for PlansError {
    fn from(error: booking::BookingError) -> Self {
        match error {
            booking::BookingError::Store(e) => PlansError::Store(e),
            booking::BookingError::Claim(e) => e.into(),
            booking::BookingError::Inconsistent(what) => PlansError::Inconsistent(what),
            booking::BookingError::Busy => PlansError::Inconsistent("dossier busy"),
        }
    }
}

impl From<PlanError> for PlansError {
    fn from(error: PlanError) -> Self {
        PlansError::Impossible(error)
    }
}
