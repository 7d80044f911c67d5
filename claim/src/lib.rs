//! What a debtor owes, and why: the one home for the claim overview page, the payment flow and
//! the plan flow.
//!
//! - `load_claim` (feature `store`) reads a dossier and returns a [`ClaimView`]: the
//!   creditor, each invoice with its statutory interest and the derivation of it, the
//!   collection costs with the WIK scale recomputed for display, every payment, refund,
//!   chargeback and adjustment with its allocation, and the totals owed / paid / open per kind.
//! - [`allocate_payment`] divides a new payment over what is open (art. 6:44 BW: costs, then
//!   interest, then principal; oldest first), reporting any overpayment separately;
//!   [`allocate_payment_for`] does so for a payment the debtor made for one invoice (art. 6:43
//!   lid 1 BW: that invoice's share of the costs, its interest, its principal first).
//! - [`build_claim`] is the pure core of `load_claim`, for tests and callers with the data
//!   already in hand.
//!
//! Without the `store` feature the crate is pure (domain, chrono, serde) and builds for the
//! browser, which can deserialise a [`ClaimView`] and preview an allocation with the same code.
//!
//! # What is owed
//!
//! - **Principal**: the invoices (`claim_item`).
//! - **Costs**: the WIK collection costs, **derived** as of `as_of` from the dossier's 14-day
//!   letters by [`domain::assess_costs`] (the one home of the policy: which letter counts for
//!   which invoice, part payments in the term, the announced cap, VAT), shown with the letter
//!   timeline ([`ClaimView::cost_basis`]); plus any other `costs` charges as stored. What was
//!   paid on the costs is never re-opened: when the costs fall below it (a write-off), the
//!   surplus stays paid ([`WikDerivation::paid_surplus`]) for staff to refund. The principal
//!   paid within a letter's term comes from the ledger replay below (payments that still
//!   stand).
//! - **Interest**: the statutory interest on each invoice, computed live up to `as_of`
//!   ([`domain::InterestRun`]: consumer art. 6:119 or commercial 6:119a BW, yearly
//!   compounding of the interest still owed from the due date, rates by period). Commercial interest needs the creditor
//!   set to commercial *and* a debtor that is a business; a person is charged consumer
//!   interest. Stored `interest` charges are snapshots of this same interest and are listed
//!   ([`ClaimView::recorded_interest`]) but not counted.
//!
//! # Interest after payments
//!
//! Each invoice's interest is one computation ([`domain::InterestRun`]) on a base that
//! payments lower from the day after they were made. The ledger books per dossier, not per
//! invoice, so the payments come from a replay of the ledger in date order: each entry pays,
//! on its day, its interest part to what each invoice's computation says is unpaid that day
//! and its principal part to the principal open that day (art. 6:44 BW: costs, interest,
//! principal): the invoice the debtor chose for the payment first (art. 6:43 lid 1 BW,
//! [`EntryView::chosen_invoice`]), otherwise invoices oldest (due date) first (art. 6:43 lid 2
//! BW: with one kind of interest on every invoice of a dossier none is more onerous, so the
//! oldest goes first; see [`allocate_payment_for`]). On an invoice, from the next day:
//!
//! - principal paid leaves the base;
//! - interest paid pays the oldest interest first: interest added to the base at an earlier
//!   anniversary leaves the base with it, then the running year's interest, which is then not
//!   added at its anniversary. Art. 6:119 lid 2 BW (and 6:119a lid 3) add to the base the
//!   interest *owed* at the end of each year, so interest already paid never compounds.
//!
//! The derivation shows every line with its own base (rate period, days, base, amount), each
//! year's interest, what of it was paid and what was added to the base, and each payment that
//! changed the base. A refund or chargeback undoes the most recent payments first (interest
//! and principal, each last in, first out) and the invoices they reached are computed again
//! as if those payments had never been made. [`InvoiceView::tranches`] lists the principal by
//! the day it was paid off.
//!
//! Choices the law leaves open, and why (also in `claim/README.md`):
//!
//! - **Day count**: actual/actual per calendar year (a day earns rate/366 in a leap year,
//!   rate/365 otherwise), so a full calendar year earns exactly the yearly rate; the Civil
//!   Code names a yearly rate and no convention, and this one never charges more than that.
//! - **Start**: interest runs from the day after the due date (art. 6:119 lid 1 BW: from the
//!   day of default, which begins when the due date has passed, art. 6:83 sub a BW).
//! - **Rounding**: each line (one rate, base and year length) to whole cents, halves up, so
//!   every figure shown adds up on paper.
//!
//! Approximations:
//!
//! - **Rounding.** A line that starts inside a stretch of one rate and year length (after a
//!   payment or a pause) is priced on the stretch's running day count: the interest of the
//!   stretch up to its end less up to its start, on its own base. So booking a payment never
//!   changes the interest up to its own day (the debtor who pays 700.00 of 2,133.09 owes
//!   1,433.09 that day, not 1,433.10), and the lines of a stretch add up to it priced once
//!   per base.
//! - **Reversals are last in, first out.** A refund of an earlier payment while later ones
//!   stand re-opens what the latest payments paid, not the refunded payment's own. The usual refund or
//!   chargeback follows its payment within days, where this is exact.
//! - **Dates.** A ledger entry counts on its Dutch calendar day ([`dutch_date`] of its
//!   `created_at`); entries dated after `as_of` are left out of the view.
//!
//! # Holds and write-offs
//!
//! - **Holds** ([`InterestPause`] in [`ClaimInput::pauses`]): on one invoice or the whole
//!   dossier, days on which no interest runs (a dispute while it is open; see
//!   `domain::statutory_interest_paused` for compounding and rounding with pauses). The
//!   derivation lists the paused days as lines with no interest, and the invoice says it is
//!   [on hold](InvoiceView::on_hold). Payments are allocated as always (art. 6:44 BW).
//! - **Write-offs**: a ledger adjustment with `invoice_id` set ([`EntryView::invoice_id`])
//!   cancels interest and principal of that one invoice (a dispute upheld). It lowers what the
//!   invoice owes rather than paying it: the balance takes it off that invoice's debits, the
//!   replay takes that interest and principal off the invoice's base on the day (the
//!   principal marked [written off](TrancheView::written_off)), a reversal never reopens it,
//!   and it is not money received. A plain adjustment without `invoice_id` (e.g. cancelling the whole
//!   dossier) is allocated like a payment.

// Cent amounts are written with the cents split off, `1_234_56` for €1,234.56.
#![allow(clippy::inconsistent_digit_grouping)]
#![warn(missing_docs)]

mod allocate;
mod compute;
#[cfg(feature = "store")]
mod load;
mod view;

use domain::{BalanceError, InterestError};

pub use allocate::{AllocatedItem, PaymentAllocation, allocate_payment, allocate_payment_for};
pub use compute::{ChargeInput, ClaimInput, InterestPause, InvoiceInput, build_claim};
pub use domain::clock::{dutch_date, dutch_instant, dutch_time};
#[cfg(feature = "store")]
pub use load::{load_claim, load_claim_input};
pub use view::{
    BaseChangeView, ChargeKind, ChargeView, ClaimView, CostBasisView, CostView, CreditorView,
    EntryKind, EntryView, HoldView, InterestDerivation, InterestLineView, InterestRule,
    InterestYearView, InvoiceCostView, InvoiceView, ItemRef, LetterView, OpenItemView,
    RateUsedView, Totals, TrancheView, WikDerivation, WikLineView,
};

/// Why a claim cannot be loaded or a payment allocated. Messages are for logs, not for the
/// debtor.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// No dossier with that id.
    #[error("dossier not found")]
    DossierNotFound,
    /// The dossier's creditor row is missing.
    #[error("the dossier's creditor was not found")]
    CreditorNotFound,
    /// The database failed.
    #[cfg(feature = "store")]
    #[error("store: {0}")]
    Store(#[from] store::StoreError),
    /// Interest cannot be computed (e.g. a due date before the rate table).
    #[error("interest: {0}")]
    Interest(#[from] InterestError),
    /// The ledger does not fit what is owed (e.g. more booked to costs than charged).
    #[error("balance: {0}")]
    Balance(#[from] BalanceError),
    /// The stored data contradict each other.
    #[error("inconsistent claim: {0}")]
    Inconsistent(&'static str),
    /// An amount too large to hold.
    #[error("amount too large")]
    Overflow,
    /// A payment to allocate cannot be negative; a refund reverses an entry instead.
    #[error("a payment to allocate cannot be negative")]
    NegativePayment,
    /// A payment for an invoice the claim does not have.
    #[error("no such invoice in the claim")]
    UnknownInvoice,
}
