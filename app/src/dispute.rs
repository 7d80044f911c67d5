//! What the dispute pages (debtor and staff) exchange with the server: plain data and error
//! codes the pages translate. The rules are in the `disputes` crate; `ssr::dispute` turns
//! them into this.

use chrono::NaiveDate;
use domain::{AttachmentId, ClaimItemId, DisputeId};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// The kinds a debtor can choose, in the form's order (`complaint` is about the agency).
pub const KINDS: [&str; 6] = [
    "already_paid",
    "never_received",
    "wrong_amount",
    "not_mine",
    "other",
    "complaint",
];

/// `/dossier/disputes`: the invoices to choose from and the debtor's disputes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputePage {
    pub invoices: Vec<InvoiceChoice>,
    pub disputes: Vec<DisputeRow>,
    pub max_files: usize,
    pub max_file_mb: usize,
}

/// An invoice the debtor can dispute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceChoice {
    pub id: ClaimItemId,
    pub number: String,
    pub on_hold: bool,
}

/// A file kept with a dispute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRow {
    pub id: AttachmentId,
    pub name: String,
    pub size_kb: i64,
}

/// One dispute or complaint as the debtor (or staff) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeRow {
    pub id: DisputeId,
    /// `store::DisputeKind` as text.
    pub kind: String,
    /// The disputed invoice's number; `None` for the whole dossier or a complaint.
    pub invoice: Option<String>,
    pub explanation: String,
    /// `open`, `acknowledged`, `decided`.
    pub status: String,
    /// `upheld`, `rejected`, `paid` once decided.
    pub decision: Option<String>,
    pub filed: NaiveDate,
    pub ack_due: NaiveDate,
    pub decision_due: NaiveDate,
    pub ack_note: Option<String>,
    pub answer: Option<String>,
    pub files: Vec<FileRow>,
    /// For staff: the dossier number.
    pub dossier: String,
    /// For staff: the next deadline has passed.
    pub overdue: bool,
}

/// Why filing did not work, as the filing route puts it in the page's URL (`error=` code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilingProblem {
    Kind,
    Explanation,
    TooLong,
    Invoice,
    FileType,
    FileTooLarge,
    FileEmpty,
    TooManyFiles,
    AlreadyOpen,
    Unavailable,
}

impl FilingProblem {
    pub const fn code(self) -> &'static str {
        match self {
            FilingProblem::Kind => "kind",
            FilingProblem::Explanation => "explanation",
            FilingProblem::TooLong => "too_long",
            FilingProblem::Invoice => "invoice",
            FilingProblem::FileType => "file_type",
            FilingProblem::FileTooLarge => "file_too_large",
            FilingProblem::FileEmpty => "file_empty",
            FilingProblem::TooManyFiles => "too_many_files",
            FilingProblem::AlreadyOpen => "already_open",
            FilingProblem::Unavailable => "unavailable",
        }
    }

    pub fn parse(code: &str) -> Option<FilingProblem> {
        use FilingProblem::*;
        [
            Kind,
            Explanation,
            TooLong,
            Invoice,
            FileType,
            FileTooLarge,
            FileEmpty,
            TooManyFiles,
            AlreadyOpen,
            Unavailable,
        ]
        .into_iter()
        .find(|p| p.code() == code)
    }

    /// Whether the message belongs next to the file inputs.
    pub const fn is_about_files(self) -> bool {
        matches!(
            self,
            FilingProblem::FileType
                | FilingProblem::FileTooLarge
                | FilingProblem::FileEmpty
                | FilingProblem::TooManyFiles
        )
    }
}

/// Errors of the staff dispute functions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum StaffDisputeError {
    /// Not signed in as staff, or the service is down.
    #[error(transparent)]
    Refused(#[from] crate::errors::Refusal),
    /// The staff member's role does not allow this decision; nothing was changed.
    #[error("your role does not allow this")]
    Forbidden { id: DisputeId },
    #[error("choose a decision")]
    NoDecision { id: DisputeId },
    #[error("a decision needs reasons")]
    AnswerRequired { id: DisputeId },
    #[error("the text is too long")]
    TooLong { id: DisputeId },
    #[error("not a valid amount")]
    Amount { id: DisputeId },
    #[error("already decided")]
    AlreadyDecided { id: DisputeId },
    #[error("no such dispute")]
    NotFound { id: DisputeId },
}

impl FromServerFnError for StaffDisputeError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_: ServerFnErrorErr) -> Self {
        StaffDisputeError::Refused(crate::Refusal::Unavailable)
    }
}
