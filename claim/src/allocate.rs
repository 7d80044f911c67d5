//! Allocating a new payment to the open items of a [`ClaimView`] (art. 6:44 BW).

use chrono::NaiveDate;
use domain::{DossierId, ItemKind, Money, OpenItem, PerKind, allocate};
use serde::{Deserialize, Serialize};

use crate::ClaimError;
use crate::view::{ClaimView, ItemRef};

/// How a payment would be allocated, and what it leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAllocation {
    /// The dossier (`dossier.id`) of the view.
    pub dossier_id: DossierId,
    /// The amount paid.
    pub amount: Money,
    /// The day of the view it was allocated against.
    pub as_of: NaiveDate,
    /// The items paid off, in the order paid: costs, then interest, then principal; oldest
    /// first within each.
    pub items: Vec<AllocatedItem>,
    /// The same per kind: what the ledger entry books as `alloc_costs`, `alloc_interest`,
    /// `alloc_principal`.
    pub parts: PerKind,
    /// What was paid beyond everything open. Book it with the payment as
    /// `alloc_unallocated`, so the entry's amount is the money actually received: it then
    /// shows as [`crate::Totals::credit`] until staff pay it back (a refund entry with a
    /// negative unallocated part) or apply it to a later claim (an adjustment of amount zero
    /// moving it from unallocated to a kind).
    pub overpayment: Money,
    /// What stays open after the payment.
    pub open_after: Money,
}

/// The part of a payment that goes to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocatedItem {
    /// What is paid.
    pub item: ItemRef,
    /// Its kind.
    pub kind: ItemKind,
    /// How much of the payment goes to it (more than zero).
    pub amount: Money,
    /// What stays open on it.
    pub remaining: Money,
}

impl PaymentAllocation {
    /// Whether the payment settles the claim.
    pub fn settles(&self) -> bool {
        self.open_after.is_zero()
    }
}

/// Allocates a payment of `amount` to what is open in `view`, by art. 6:44 BW: costs first,
/// then interest, then principal; within each the oldest first (via
/// [`domain::allocate`]). What is left over is reported as the overpayment, never lost.
///
/// Use a view as of the day the money arrives, so the interest is counted up to that day.
/// Errors only for a negative amount: a refund is not allocated, it reverses an entry
/// (`booking::Hold::reversal`).
pub fn allocate_payment(view: &ClaimView, amount: Money) -> Result<PaymentAllocation, ClaimError> {
    if amount.is_negative() {
        return Err(ClaimError::NegativePayment);
    }
    let open: Vec<OpenItem<ItemRef>> = view
        .open_items
        .iter()
        .map(|item| OpenItem::new(item.item, item.kind, item.date, item.open))
        .collect::<Result<_, _>>()
        .map_err(|_| ClaimError::Inconsistent("an open item with a negative amount"))?;
    let allocation = allocate(amount, &open).map_err(|_| ClaimError::NegativePayment)?;
    let parts = allocation.per_kind();
    let allocated = parts.checked_total().ok_or(ClaimError::Overflow)?;
    let open_after = view
        .totals
        .open_total
        .checked_sub(allocated)
        .ok_or(ClaimError::Overflow)?;
    Ok(PaymentAllocation {
        dossier_id: view.dossier_id.clone(),
        amount,
        as_of: view.as_of,
        items: allocation
            .items()
            .iter()
            .map(|item| AllocatedItem {
                item: *item.id(),
                kind: item.kind(),
                amount: item.amount(),
                remaining: item.remaining(),
            })
            .collect(),
        parts,
        overpayment: allocation.overpayment(),
        open_after,
    })
}
