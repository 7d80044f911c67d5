//! Allocating a new payment to the open items of a [`ClaimView`] (art. 6:44 BW).

use chrono::NaiveDate;
use domain::{ClaimItemId, DossierId, ItemKind, Money, OpenItem, PerKind, allocate};
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
    allocate_payment_for(view, None, amount)
}

/// Allocates a payment the debtor made for one invoice (art. 6:43 lid 1 BW: the debtor may say
/// which debt a payment is for). It pays that invoice's share of the costs
/// ([`crate::InvoiceView::costs_open_share`]), then its interest, then its principal (art. 6:44
/// BW within the invoice); anything beyond what the invoice has open is allocated as a payment
/// without a choice ([`allocate_payment`]), and only what is left after everything is the
/// overpayment. With `invoice` `None` this is [`allocate_payment`].
///
/// Without a choice the most onerous debt goes first, then the oldest (art. 6:43 lid 2 BW).
/// Within one dossier every invoice carries the same statutory interest (one creditor, one
/// debtor, one kind: art. 6:119 or 6:119a BW) and none is secured, so none is more onerous
/// than another and the oldest (by due date) decides; that is the order of
/// [`crate::ClaimView::open_items`].
pub fn allocate_payment_for(
    view: &ClaimView,
    invoice: Option<ClaimItemId>,
    amount: Money,
) -> Result<PaymentAllocation, ClaimError> {
    if amount.is_negative() {
        return Err(ClaimError::NegativePayment);
    }
    let mut open: Vec<OpenItem<ItemRef>> = view
        .open_items
        .iter()
        .map(|item| OpenItem::new(item.item, item.kind, item.date, item.open))
        .collect::<Result<_, _>>()
        .map_err(|_| ClaimError::Inconsistent("an open item with a negative amount"))?;
    let mut items: Vec<AllocatedItem> = Vec::new();
    let mut left = amount;
    if let Some(id) = invoice {
        let chosen = view.invoice(id).ok_or(ClaimError::UnknownInvoice)?;
        let mut share = chosen.costs_open_share;
        // The invoice's part of each open item, in the order of art. 6:44 BW.
        let mut own: Vec<OpenItem<ItemRef>> = Vec::new();
        for item in &open {
            let part = match item.id() {
                ItemRef::Wik | ItemRef::Charge { .. } => {
                    let take = share.min(item.open());
                    share = Money::from_cents(share.cents() - take.cents());
                    take
                }
                ItemRef::Interest { invoice_id } | ItemRef::Principal { invoice_id }
                    if *invoice_id == id =>
                {
                    item.open()
                }
                _ => Money::ZERO,
            };
            if part.is_positive() {
                own.push(
                    OpenItem::new(*item.id(), item.kind(), item.date(), part)
                        .map_err(|_| ClaimError::Overflow)?,
                );
            }
        }
        let first = allocate(amount, &own).map_err(|_| ClaimError::NegativePayment)?;
        for paid in first.items() {
            items.push(AllocatedItem {
                item: *paid.id(),
                kind: paid.kind(),
                amount: paid.amount(),
                remaining: Money::ZERO,
            });
            if let Some(item) = open.iter_mut().find(|o| o.id() == paid.id()) {
                let rest = item
                    .open()
                    .checked_sub(paid.amount())
                    .ok_or(ClaimError::Overflow)?;
                *item = OpenItem::new(*item.id(), item.kind(), item.date(), rest)
                    .map_err(|_| ClaimError::Overflow)?;
            }
        }
        left = first.overpayment();
    }
    let rest = allocate(left, &open).map_err(|_| ClaimError::NegativePayment)?;
    for paid in rest.items() {
        match items.iter_mut().find(|i| i.item == *paid.id()) {
            Some(item) => {
                item.amount = item
                    .amount
                    .checked_add(paid.amount())
                    .ok_or(ClaimError::Overflow)?;
            }
            None => items.push(AllocatedItem {
                item: *paid.id(),
                kind: paid.kind(),
                amount: paid.amount(),
                remaining: Money::ZERO,
            }),
        }
    }
    // What stays open on each item paid.
    for item in &mut items {
        item.remaining = open
            .iter()
            .find(|o| *o.id() == item.item)
            .map_or(Money::ZERO, |o| o.open());
        if let Some(after) = rest.items().iter().find(|p| *p.id() == item.item) {
            item.remaining = after.remaining();
        }
    }
    let mut parts = PerKind::default();
    for item in &items {
        parts
            .checked_add_to(item.kind, item.amount)
            .ok_or(ClaimError::Overflow)?;
    }
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
        items,
        parts,
        overpayment: rest.overpayment(),
        open_after,
    })
}
