//! What can go wrong while booking.

use store::StoreError;

/// Why a booking could not be made. Messages are for logs, never for the debtor.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    /// Another task (here or in another instance) held the dossier longer than we wait; try
    /// again later. Nothing was booked.
    #[error("another task is booking on this dossier")]
    Busy,
    /// The database failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The claim could not be loaded or the money allocated.
    #[error("claim: {0}")]
    Claim(#[from] claim::ClaimError),
    /// The stored ledger contradicts itself (e.g. more returned than a payment holds).
    #[error("inconsistent booking: {0}")]
    Inconsistent(&'static str),
}

pub(crate) fn overflow() -> BookingError {
    BookingError::Inconsistent("amount overflow")
}
