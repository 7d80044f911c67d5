//! Disputes and complaints, server side. See `README.md` for the flow and the choices behind
//! it.
//!
//! - [`DisputeService::file`]: a debtor disputes one invoice or the whole dossier (already
//!   paid, never received, wrong amount, not mine, other), or complains about the agency,
//!   with an explanation and up to three files ([`attachment`]: PDF, JPEG or PNG by their
//!   bytes, at most 5 MiB each). One open dispute per invoice, per whole dossier, and one open
//!   complaint. A dispute holds what it disputes: `claim::load_claim_input` turns it into an
//!   interest pause from the next day until it is decided.
//! - [`DisputeService::queue`]: staff see what is undecided, overdue first; the
//!   acknowledgement is due within two working days (`domain::calendar`: weekends and Dutch
//!   public holidays skipped), the decision within twenty.
//! - [`DisputeService::acknowledge`] and [`DisputeService::decide`]: upheld cancels the open
//!   part of the disputed invoice (an audited ledger adjustment marked as that invoice's
//!   write-off, plus a WIK correction so the costs follow the lower principal) or of the whole
//!   dossier; rejected lifts the hold (interest over the hold stays waived); paid books a
//!   payment from the proof and decides, in one step.

#![warn(missing_docs)]
// Cent amounts are written with the cents split off, `1_234_56` for €1,234.56.
#![allow(clippy::inconsistent_digit_grouping)]

pub mod attachment;
mod error;
mod service;

pub use attachment::{AttachmentError, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, Upload};
pub use error::DisputesError;
pub use service::{
    ACK_WORKING_DAYS, DECISION_WORKING_DAYS, Decision, DisputeItem, DisputeService, Filing,
    MAX_TEXT_CHARS, Staff, is_overdue,
};
