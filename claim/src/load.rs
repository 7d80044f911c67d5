//! Reading a claim from the [`Store`] and writing what it decides back as ledger entries
//! (feature `store`).

use chrono::{DateTime, NaiveDate, Utc};
use domain::{ClaimItemId, DossierId, LedgerEntryId, PaymentId, PerKind};
use store::{DebtorKind, LedgerKind, NewLedgerEntry, Store};

use crate::compute::{ChargeInput, ClaimInput, InterestPause, InvoiceInput, build_claim};
use crate::view::{
    ChargeKind, ChargeView, ClaimView, CreditorView, EntryKind, EntryView, InterestRule,
};
use crate::{ClaimError, PaymentAllocation};
use domain::clock::dutch_date;

/// Loads the dossier and computes what the debtor owes as of `as_of` (normally today:
/// [`dutch_date`] of now). See the crate docs for the method.
pub async fn load_claim(
    store: &Store,
    dossier_id: &DossierId,
    as_of: NaiveDate,
) -> Result<ClaimView, ClaimError> {
    let input = load_claim_input(store, dossier_id).await?;
    build_claim(&input, as_of)
}

/// The dossier-wide pause of a plan made under `interest_during_plan = false`: from the day
/// after it became active while it runs, up to the day it was paid off. A defaulted plan
/// pauses nothing (the store leaves it out): the waiver lapses with the plan.
fn plan_pause(stop: &store::InterestStop) -> Option<InterestPause> {
    let from = dutch_date(stop.activated_at).succ_opt()?;
    let until = stop.completed_at.map(dutch_date);
    (until.is_none_or(|u| u >= from)).then_some(InterestPause {
        invoice_id: None,
        from,
        until,
    })
}

/// Reads everything [`build_claim`] needs, for callers that compute several days from one
/// read (a plan preview, a benchmark).
///
/// Plain reads, not one transaction: a payment booked between them shows up on the next
/// load. The ledger is read last, so an entry is never seen without the claim it pays.
///
/// A payment for an invoice the debtor chose (`payment.claim_item_id`) marks its ledger entry
/// with that invoice ([`EntryView::chosen_invoice`]).
///
/// Disputes become [pauses](crate::InterestPause): every dispute of the claim (not a
/// complaint) holds its invoice, or the whole dossier, from the day after it was filed (that
/// day's interest was already owed) up to and including the day it was decided, or for as
/// long as it is undecided. Interest over a hold stays waived whatever the decision. Plans
/// under which interest stops pause the whole dossier (see `plan_pause`). Invoice
/// write-offs (a dispute upheld) mark their ledger entries with the invoice.
pub async fn load_claim_input(
    store: &Store,
    dossier_id: &DossierId,
) -> Result<ClaimInput, ClaimError> {
    let dossier = store
        .dossier(dossier_id)
        .await?
        .ok_or(ClaimError::DossierNotFound)?;
    let creditor = store
        .creditor(&dossier.creditor_id)
        .await?
        .ok_or(ClaimError::CreditorNotFound)?;
    let debtor = store.debtor(dossier_id).await?;
    let items = store.claim_items(dossier_id).await?;
    let charges = store.charges(dossier_id).await?;
    let disputes = store.disputes_for_dossier(dossier_id).await?;
    let write_offs: std::collections::HashMap<LedgerEntryId, ClaimItemId> = store
        .invoice_write_offs(dossier_id)
        .await?
        .into_iter()
        .collect();
    let letters = store.cost_letters(dossier_id).await?;
    // The invoice a debtor chose for a payment (art. 6:43 lid 1 BW) is kept on the payment.
    let chosen: std::collections::HashMap<PaymentId, ClaimItemId> = store
        .payments_for_dossier(dossier_id)
        .await?
        .into_iter()
        .filter_map(|p| Some((p.id, p.claim_item_id?)))
        .collect();
    let entries = store.ledger_entries(dossier_id).await?;
    let dispute_pauses = disputes.iter().filter(|d| d.kind.holds()).filter_map(|d| {
        Some(InterestPause {
            invoice_id: d.claim_item_id,
            from: dutch_date(d.created_at).succ_opt()?,
            until: d.decided_at.map(dutch_date),
        })
    });
    let stops = store.interest_stops(dossier_id).await?;
    let pauses = dispute_pauses
        .chain(stops.iter().filter_map(plan_pause))
        .collect();

    // Art. 6:119a BW is for commercial transactions only: a debtor recorded as a person is
    // charged consumer interest whatever the creditor's setting, so an import mistake never
    // overcharges a consumer.
    let debtor_kind = debtor.map(|d| d.details.kind);
    let interest_rule = match (creditor.interest_kind, debtor_kind) {
        (store::InterestKind::Commercial, Some(DebtorKind::Business) | None) => {
            InterestRule::Commercial
        }
        _ => InterestRule::Consumer,
    };

    Ok(ClaimInput {
        dossier_id: dossier.id,
        dossier_number: dossier.number,
        creditor: CreditorView {
            name: creditor.name,
            kvk: creditor.kvk,
            can_deduct_vat: creditor.can_deduct_vat,
        },
        interest_rule,
        // A dossier without a debtor row is treated as a person's: costs then need a letter.
        business: debtor_kind == Some(DebtorKind::Business),
        letters: letters
            .into_iter()
            .map(|letter| domain::CostLetter {
                sent_on: letter.sent_on,
                invoices: letter.invoice_ids,
                costs_announced: letter.costs_announced,
            })
            .collect(),
        invoices: items
            .into_iter()
            .map(|item| InvoiceInput {
                id: item.id,
                number: item.invoice_number,
                invoice_date: item.invoice_date,
                due_date: item.due_date,
                principal: item.principal,
                accrues: true,
            })
            .collect(),
        charges: charges
            .into_iter()
            .map(|charge| ChargeInput {
                charge: ChargeView {
                    id: charge.id,
                    kind: match charge.kind {
                        store::ChargeKind::Costs => ChargeKind::Costs,
                        store::ChargeKind::Interest => ChargeKind::Interest,
                    },
                    amount: charge.amount,
                    rule: charge.rule,
                    as_of: charge.as_of,
                },
                key: charge.idempotency_key,
            })
            .collect(),
        entries: entries
            .into_iter()
            .map(|entry| {
                let invoice_id = write_offs.get(&entry.id).copied();
                // Only the money received carries the choice; a reversal undoes the latest
                // payments whatever they were for.
                let chosen_invoice = match (entry.kind, &entry.payment_id) {
                    (LedgerKind::Payment, Some(payment)) => chosen.get(payment).copied(),
                    _ => None,
                };
                EntryView {
                    invoice_id,
                    chosen_invoice,
                    ..entry_view(entry)
                }
            })
            .collect(),
        pauses,
    })
}

fn entry_view(entry: store::LedgerEntry) -> EntryView {
    EntryView {
        id: entry.id,
        date: dutch_date(entry.created_at),
        kind: entry.kind.into(),
        amount: entry.amount,
        allocation: PerKind {
            costs: entry.alloc_costs,
            interest: entry.alloc_interest,
            principal: entry.alloc_principal,
        },
        unallocated: entry.alloc_unallocated,
        payment_reference: entry.payment_id,
        invoice_id: None,
        chosen_invoice: None,
    }
}

impl From<LedgerKind> for EntryKind {
    fn from(kind: LedgerKind) -> Self {
        match kind {
            LedgerKind::Payment => EntryKind::Payment,
            LedgerKind::Refund => EntryKind::Refund,
            LedgerKind::Chargeback => EntryKind::Chargeback,
            LedgerKind::Adjustment => EntryKind::Adjustment,
        }
    }
}

impl PaymentAllocation {
    /// The ledger entry that books this payment: the whole amount received, its allocation,
    /// and the overpayment as the unallocated part. `created_at` dates it (its Dutch day is
    /// the day interest stops on the principal it pays).
    pub fn ledger_entry(
        &self,
        source: impl Into<String>,
        payment_id: Option<PaymentId>,
        idempotency_key: impl Into<String>,
        created_at: DateTime<Utc>,
    ) -> NewLedgerEntry {
        NewLedgerEntry {
            dossier_id: self.dossier_id.clone(),
            kind: LedgerKind::Payment,
            amount: self.amount,
            alloc_costs: self.parts.costs,
            alloc_interest: self.parts.interest,
            alloc_principal: self.parts.principal,
            alloc_unallocated: self.overpayment,
            source: source.into(),
            payment_id,
            idempotency_key: idempotency_key.into(),
            created_at,
        }
    }
}
