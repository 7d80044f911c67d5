//! What can go wrong with a dispute.

use store::StoreError;

/// Why a dispute could not be filed, acknowledged or decided.
///
/// The first group (up to [`DisputesError::NotADispute`]) is about the request and has one
/// variant per message the UI shows; the rest are for logs (the UI shows "try again later").
/// Messages are for logs, never for the debtor's browser.
#[derive(Debug, thiserror::Error)]
pub enum DisputesError {
    /// The explanation is blank.
    #[error("an explanation is required")]
    ExplanationRequired,
    /// The explanation or a staff answer is longer than [`crate::MAX_TEXT_CHARS`].
    #[error("the text is too long")]
    TextTooLong,
    /// A decision needs reasons.
    #[error("a decision needs reasons")]
    AnswerRequired,
    /// The invoice is not one of the dossier's.
    #[error("unknown invoice")]
    UnknownInvoice,
    /// More than [`crate::MAX_ATTACHMENTS`] files.
    #[error("too many attachments (at most {max})")]
    TooManyAttachments {
        /// The most allowed.
        max: usize,
    },
    /// A file over [`crate::MAX_ATTACHMENT_BYTES`].
    #[error("attachment {filename:?} is larger than {max_bytes} bytes")]
    AttachmentTooLarge {
        /// The name as sent (cut to 100 characters).
        filename: String,
        /// The limit.
        max_bytes: usize,
    },
    /// A file that is not a PDF, JPEG or PNG (by its bytes).
    #[error("attachment {filename:?} is not a PDF, JPEG or PNG")]
    AttachmentType {
        /// The name as sent (cut to 100 characters).
        filename: String,
    },
    /// An empty file.
    #[error("attachment {filename:?} is empty")]
    EmptyAttachment {
        /// The name as sent (cut to 100 characters).
        filename: String,
    },
    /// This invoice (or the whole dossier, or a complaint) already has an open dispute.
    #[error("an open dispute of this exists")]
    AlreadyOpen,
    /// No such dispute (or not of this dossier).
    #[error("dispute not found")]
    NotFound,
    /// Decided before (by someone else, or a double submit); nothing changed.
    #[error("already decided")]
    AlreadyDecided,
    /// An amount that cannot be booked (not positive, or more than is open).
    #[error("not a valid amount")]
    Amount,
    /// A payment from proof is booked on a dispute of the claim, not on a complaint.
    #[error("a complaint carries no payment")]
    NotADispute,
    /// The database failed.
    #[error("store: {0}")]
    Store(StoreError),
    /// The claim could not be computed.
    #[error("claim: {0}")]
    Claim(claim::ClaimError),
    /// Stored data that cannot be right, or a date beyond the calendar.
    #[error("inconsistent: {0}")]
    Inconsistent(&'static str),
    /// Money is being booked on the dossier by another task (a payment arriving); nothing
    /// was decided, try again.
    #[error("the dossier is busy")]
    Busy,
}

impl DisputesError {
    /// Whether the request itself is at fault (a form error), not the system.
    pub fn is_user_error(&self) -> bool {
        !matches!(
            self,
            DisputesError::Store(_)
                | DisputesError::Claim(_)
                | DisputesError::Inconsistent(_)
                | DisputesError::Busy
        )
    }
}

impl From<StoreError> for DisputesError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(store::Conflict::OpenDispute) => DisputesError::AlreadyOpen,
            StoreError::NotFound(_) => DisputesError::NotFound,
            other => DisputesError::Store(other),
        }
    }
}

impl From<booking::BookingError> for DisputesError {
    fn from(error: booking::BookingError) -> Self {
        match error {
            booking::BookingError::Busy => DisputesError::Busy,
            booking::BookingError::Store(e) => e.into(),
            booking::BookingError::Claim(e) => e.into(),
            booking::BookingError::Inconsistent(what) => DisputesError::Inconsistent(what),
        }
    }
}

impl From<claim::ClaimError> for DisputesError {
    fn from(error: claim::ClaimError) -> Self {
        match error {
            claim::ClaimError::Store(e) => e.into(),
            other => DisputesError::Claim(other),
        }
    }
}
impl From<crate::attachment::AttachmentError> for DisputesError {
    fn from(e: crate::attachment::AttachmentError) -> Self {
        use crate::attachment::AttachmentError as A;
        match e {
            A::TooLarge {
                filename,
                max_bytes,
            } => DisputesError::AttachmentTooLarge {
                filename,
                max_bytes,
            },
            A::Type { filename } => DisputesError::AttachmentType { filename },
            A::Empty { filename } => DisputesError::EmptyAttachment { filename },
        }
    }
}
