//! Building the [`ClaimView`] from plain inputs: no I/O, so the same code serves
//! `load_claim`, tests and benchmarks.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::{
    Balance, ClaimItemId, CostAssessment, CostInput, CostInvoice, CostLetter, Debit, DossierId,
    ItemKind, LedgerEntry, Money, Pause, PerKind, VatTreatment, assess_costs, derive_balance,
    statutory_interest_paused,
};

use crate::ClaimError;
use crate::view::{
    ChargeKind, ChargeView, ClaimView, CostBasisView, CostView, CreditorView, EntryView, HoldView,
    InterestDerivation, InterestRule, InvoiceCostView, InvoiceView, ItemRef, LetterView,
    OpenItemView, RateUsedView, Totals, TrancheView, WikDerivation,
};

/// Everything the claim is computed from, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimInput {
    /// `dossier.id`.
    pub dossier_id: DossierId,
    /// The public dossier number.
    pub dossier_number: String,
    /// The creditor.
    pub creditor: CreditorView,
    /// The statutory interest that applies.
    pub interest_rule: InterestRule,
    /// The invoices (claim items).
    pub invoices: Vec<InvoiceInput>,
    /// Whether the debtor is a business (no 14-day letter needed for the collection costs).
    pub business: bool,
    /// The 14-day letters, from which the collection costs follow (`domain::wik_policy`).
    pub letters: Vec<CostLetter<ClaimItemId>>,
    /// Other charges: costs besides the WIK costs, and interest snapshots (listed, not
    /// counted).
    pub charges: Vec<ChargeInput>,
    /// The whole ledger, dated; entries after `as_of` are left out by [`build_claim`].
    pub entries: Vec<EntryView>,
    /// Stretches of days on which no interest runs: on one invoice (a disputed invoice on
    /// hold) or on all of them (a dispute of the whole dossier; a plan under which the agency
    /// stops interest).
    pub pauses: Vec<InterestPause>,
}

/// Days on which no statutory interest runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterestPause {
    /// The invoice (`claim_item.id`) it holds, or `None` for every invoice of the dossier.
    pub invoice_id: Option<ClaimItemId>,
    /// The first day without interest.
    pub from: NaiveDate,
    /// The last day without interest (inclusive); `None` while the hold lasts (through
    /// `as_of`).
    pub until: Option<NaiveDate>,
}

impl InterestPause {
    fn applies_to(&self, invoice_id: ClaimItemId) -> bool {
        self.invoice_id.is_none_or(|id| id == invoice_id)
    }

    /// The paused days up to `as_of`, if any.
    fn days(&self, as_of: NaiveDate) -> Option<Pause> {
        Pause::new(self.from, self.until.unwrap_or(as_of).min(as_of))
    }

    /// Whether the hold is in force on `day`: started (a hold filed on `day` starts the next
    /// day, and already counts as on hold) and not ended on or before `day`.
    fn holds_on(&self, day: NaiveDate) -> bool {
        day.succ_opt().is_some_and(|next| self.from <= next)
            && self.until.is_none_or(|until| day < until)
    }
}

/// One claim item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceInput {
    /// `claim_item.id`.
    pub id: ClaimItemId,
    /// Invoice number.
    pub number: String,
    /// Invoice date.
    pub invoice_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Principal (not negative).
    pub principal: Money,
    /// Whether statutory interest runs; see [`InvoiceView::accrues`].
    pub accrues: bool,
}

/// One charge row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeInput {
    /// The charge as shown.
    pub charge: ChargeView,
    /// Its idempotency key.
    pub key: String,
}

/// Builds the claim as of `as_of` (see the crate docs for the method).
///
/// Errors when the ledger does not fit the claim: more booked to a kind than is owed, more
/// reversed than was paid, an entry whose parts do not add up to its amount.
pub fn build_claim(input: &ClaimInput, as_of: NaiveDate) -> Result<ClaimView, ClaimError> {
    let invoices = invoices_in_payment_order(input)?;
    let (entries, entries_after_as_of) = entries_up_to(input, as_of)?;
    let principals: Vec<Money> = invoices.iter().map(|i| i.principal).collect();
    let ids: Vec<ClaimItemId> = invoices.iter().map(|i| i.id).collect();
    let replay = replay_principal(&principals, &ids, &entries)?;
    let mut interest = invoice_interest(input, &invoices, &replay, as_of)?;
    let assessment = assess_costs(&cost_input(input, &invoices, &replay)?, as_of)
        .map_err(|_| ClaimError::Overflow)?;
    let (mut costs, recorded_interest) = cost_items(input, &assessment, &entries)?;
    let cost_basis = cost_basis(input, &assessment);
    record_interest_write_offs(&mut interest.views, &entries)?;
    let owed = debits(&invoices, &interest.views, &costs, as_of)?;
    let ledger: Vec<LedgerEntry> = entries
        .iter()
        .filter(|e| e.invoice_id.is_none())
        .map(|e| LedgerEntry::new(e.allocation, e.unallocated))
        .collect();
    let (debits, interest_rounding) =
        with_interest_rounding(owed, &ledger, interest.rounding_tolerance, as_of)?;
    let balance = derive_balance(&debits, &ledger)?;
    settle_items(&balance, &mut interest.views, &mut costs, &replay)?;
    let totals = totals(&balance, &interest.views, interest_rounding)?;
    let open_items = balance
        .open_items()
        .iter()
        .map(|item| OpenItemView {
            item: *item.id(),
            kind: item.kind(),
            date: item.date(),
            open: item.open(),
        })
        .collect();
    let dossier_on_hold = input
        .pauses
        .iter()
        .any(|p| p.invoice_id.is_none() && p.holds_on(as_of));

    let rates_used = rates_used(input.interest_rule, &interest.views);
    Ok(ClaimView {
        dossier_id: input.dossier_id.clone(),
        dossier_number: input.dossier_number.clone(),
        creditor: input.creditor.clone(),
        as_of,
        interest_rule: input.interest_rule,
        invoices: interest.views,
        costs,
        cost_basis,
        recorded_interest,
        entries: entries.into_iter().cloned().collect(),
        entries_after_as_of,
        open_items,
        totals,
        uses_unreviewed_rates: interest.uses_unreviewed_rates,
        rates_used,
        dossier_on_hold,
    })
}

/// The invoices in the order payments reach them (due date, then invoice date, number, id).
/// The tranche replay, the balance and the allocation all use it, so they agree on which
/// invoice a principal part paid.
fn invoices_in_payment_order(input: &ClaimInput) -> Result<Vec<&InvoiceInput>, ClaimError> {
    let mut invoices: Vec<&InvoiceInput> = input.invoices.iter().collect();
    invoices.sort_by(|a, b| {
        (a.due_date, a.invoice_date, &a.number, a.id).cmp(&(
            b.due_date,
            b.invoice_date,
            &b.number,
            b.id,
        ))
    });
    if invoices.iter().any(|i| i.principal.is_negative()) {
        return Err(ClaimError::Inconsistent(
            "an invoice with a negative principal",
        ));
    }
    Ok(invoices)
}

/// The ledger entries dated up to `as_of`, in date order, each checked to add up; and how
/// many come later.
fn entries_up_to(
    input: &ClaimInput,
    as_of: NaiveDate,
) -> Result<(Vec<&EntryView>, u32), ClaimError> {
    let mut entries: Vec<&EntryView> = Vec::with_capacity(input.entries.len());
    let mut entries_after_as_of = 0u32;
    for entry in &input.entries {
        let parts = entry
            .allocation
            .checked_total()
            .and_then(|t| t.checked_add(entry.unallocated));
        if parts != Some(entry.amount) {
            return Err(ClaimError::Inconsistent(
                "a ledger entry whose allocation does not add up to its amount",
            ));
        }
        if entry.invoice_id.is_some()
            && (!entry.allocation.costs.is_zero()
                || !entry.unallocated.is_zero()
                || entry.allocation.interest.is_negative()
                || entry.allocation.principal.is_negative())
        {
            return Err(ClaimError::Inconsistent(
                "a write-off of an invoice must write off its interest and principal only",
            ));
        }
        if entry.date <= as_of {
            entries.push(entry);
        } else {
            entries_after_as_of = entries_after_as_of.saturating_add(1);
        }
    }
    entries.sort_by_key(|e| (e.date, e.id));
    Ok((entries, entries_after_as_of))
}

/// The statutory interest of every invoice, tranche by tranche, before the balance says
/// what of it is paid.
struct InvoiceInterest {
    /// One view per invoice, in payment order; paid and open are filled in by
    /// [`settle_items`].
    views: Vec<InvoiceView>,
    /// One cent per interest line computed: how far paid interest may exceed what is owed by
    /// rounding after a reversal.
    rounding_tolerance: i64,
    uses_unreviewed_rates: bool,
}

/// Interest per invoice, tranche by tranche: each principal part paid (or written off) earns
/// interest up to the day it was paid, what is open up to `as_of`; holds pause it.
fn invoice_interest(
    input: &ClaimInput,
    invoices: &[&InvoiceInput],
    replay: &Replay,
    as_of: NaiveDate,
) -> Result<InvoiceInterest, ClaimError> {
    let rule = input.interest_rule;
    let mut invoice_views = Vec::with_capacity(invoices.len());
    let mut rounding_tolerance = 0i64;
    let mut uses_unreviewed_rates = false;
    for (index, invoice) in invoices.iter().enumerate() {
        let pauses: Vec<&InterestPause> = input
            .pauses
            .iter()
            .filter(|p| p.applies_to(invoice.id))
            .collect();
        let paused_days: Vec<Pause> = pauses.iter().filter_map(|p| p.days(as_of)).collect();
        let holds: Vec<HoldView> = pauses
            .iter()
            .filter(|p| p.from <= as_of)
            .map(|p| HoldView {
                whole_dossier: p.invoice_id.is_none(),
                from: p.from,
                until: p.until,
            })
            .collect();
        let on_hold = pauses.iter().any(|p| p.holds_on(as_of));
        let interest_on = |amount: Money, until: NaiveDate| {
            statutory_interest_paused(rule.domain(), amount, invoice.due_date, until, &paused_days)
        };
        let mut tranches = Vec::new();
        let mut split_rounding = Money::ZERO;
        // What was still open before each paid tranche: R₀ = principal, Rⱼ = Rⱼ₋₁ − pⱼ.
        let mut before = invoice.principal;
        let open = replay.open[index];
        // Paid and written-off tranches in date order (a stable sort keeps the order paid).
        let mut closed: Vec<(Money, NaiveDate, bool)> = replay.paid[index]
            .iter()
            .map(|&(amount, day)| (amount, day, false))
            .chain(
                replay.written_off[index]
                    .iter()
                    .map(|&(amount, day)| (amount, day, true)),
            )
            .collect();
        closed.sort_by_key(|&(_, day, _)| day);
        let closed = closed
            .into_iter()
            .map(|(amount, day, written_off)| (amount, Some(day), written_off));
        for (amount, paid_on, written_off) in
            closed.chain(open.is_positive().then_some((open, None, false)))
        {
            let until = paid_on.unwrap_or(as_of);
            let interest = if invoice.accrues {
                let b = interest_on(amount, until)?;
                let lines = i64::try_from(b.lines().count()).map_err(|_| ClaimError::Overflow)?;
                rounding_tolerance = rounding_tolerance.saturating_add(lines);
                uses_unreviewed_rates |= b.uses_unreviewed_rates();
                if paid_on.is_some() {
                    // Rounding each line per tranche makes I(pⱼ) + I(Rⱼ) differ from I(Rⱼ₋₁)
                    // by cents on the day of the split; carrying the difference keeps the
                    // interest of a payment's own day unchanged by booking it.
                    let after = before.checked_sub(amount).ok_or(ClaimError::Overflow)?;
                    // Paying off all that was open splits nothing.
                    if after.is_positive() {
                        let whole = interest_on(before, until)?.total();
                        let rest = interest_on(after, until)?.total();
                        let delta = whole
                            .checked_sub(b.total())
                            .and_then(|d| d.checked_sub(rest))
                            .ok_or(ClaimError::Overflow)?;
                        split_rounding = split_rounding
                            .checked_add(delta)
                            .ok_or(ClaimError::Overflow)?;
                    }
                    before = after;
                }
                Some(InterestDerivation::from(&b))
            } else {
                None
            };
            tranches.push(TrancheView {
                amount,
                paid_on,
                written_off,
                until,
                interest,
            });
        }
        let interest = Money::checked_sum(tranches.iter().map(TrancheView::interest_total))
            .and_then(|sum| sum.checked_add(split_rounding))
            .ok_or(ClaimError::Overflow)?;
        invoice_views.push(InvoiceView {
            id: invoice.id,
            number: invoice.number.clone(),
            invoice_date: invoice.invoice_date,
            due_date: invoice.due_date,
            accrues: invoice.accrues,
            on_hold,
            holds,
            principal: invoice.principal,
            principal_written_off: replay.written_off_total(index)?,
            interest_written_off: Money::ZERO,
            // Filled in from the balance below.
            principal_paid: Money::ZERO,
            principal_open: Money::ZERO,
            interest,
            split_rounding,
            interest_paid: Money::ZERO,
            interest_open: Money::ZERO,
            tranches,
        });
    }
    Ok(InvoiceInterest {
        views: invoice_views,
        rounding_tolerance,
        uses_unreviewed_rates,
    })
}

/// What the collection costs depend on: per invoice its due date, principal, what was
/// written off and the principal paid on it that still stands (from the replay), and the
/// letters.
fn cost_input(
    input: &ClaimInput,
    invoices: &[&InvoiceInput],
    replay: &Replay,
) -> Result<CostInput<ClaimItemId>, ClaimError> {
    let invoices = invoices
        .iter()
        .enumerate()
        .map(|(index, invoice)| {
            Ok(CostInvoice {
                id: invoice.id,
                due_date: invoice.due_date,
                principal: invoice.principal,
                written_off: replay.written_off_total(index)?,
                paid: replay.paid[index]
                    .iter()
                    .map(|&(amount, day)| (day, amount))
                    .collect(),
            })
        })
        .collect::<Result<_, ClaimError>>()?;
    Ok(CostInput {
        business: input.business,
        vat: VatTreatment::for_creditor(input.creditor.can_deduct_vat),
        invoices,
        letters: input.letters.clone(),
    })
}

/// The letter timeline and each invoice's part in the base.
fn cost_basis(input: &ClaimInput, assessment: &CostAssessment<ClaimItemId>) -> CostBasisView {
    CostBasisView {
        business: input.business,
        letters: assessment
            .letters
            .iter()
            .map(|l| LetterView {
                term: l.term,
                invoices: l.invoices.clone(),
                costs_announced: l.costs_announced,
                term_ended: l.term_ended,
            })
            .collect(),
        invoices: assessment
            .invoices
            .iter()
            .map(|i| InvoiceCostView {
                invoice_id: i.id,
                status: i.status,
                paid_in_term: i.paid_in_term,
                base: i.base,
            })
            .collect(),
        base: assessment.base,
        owed_from: assessment.owed_from,
    }
}

/// The cost items: the WIK costs as derived (first), every other cost charge its own; and the
/// interest snapshots recorded as charges (listed, not counted).
///
/// What was paid on the costs is never re-opened: when the costs fall below it (a write-off,
/// a letter that turned out not to count), the WIK item keeps the paid amount and says so,
/// for staff to refund.
fn cost_items(
    input: &ClaimInput,
    assessment: &CostAssessment<ClaimItemId>,
    entries: &[&EntryView],
) -> Result<(Vec<CostView>, Vec<ChargeView>), ClaimError> {
    let mut costs = Vec::new();
    let mut recorded_interest = Vec::new();
    let mut charges: Vec<&ChargeInput> = input.charges.iter().collect();
    charges.sort_by_key(|c| (c.charge.as_of, c.charge.id));
    for charge in charges {
        match charge.charge.kind {
            ChargeKind::Costs => costs.push(cost_view(
                ItemRef::Charge {
                    charge_id: charge.charge.id,
                },
                vec![charge.charge.clone()],
                None,
                charge.charge.as_of,
            )?),
            ChargeKind::Interest => recorded_interest.push(charge.charge.clone()),
        }
    }
    let other_costs =
        Money::checked_sum(costs.iter().map(|c| c.amount)).ok_or(ClaimError::Overflow)?;
    let paid_on_costs = Money::checked_sum(
        entries
            .iter()
            .filter(|e| e.invoice_id.is_none())
            .map(|e| e.allocation.costs),
    )
    .ok_or(ClaimError::Overflow)?;
    let surplus = paid_on_costs
        .checked_sub(other_costs)
        .and_then(|paid_on_wik| paid_on_wik.checked_sub(assessment.total))
        .ok_or(ClaimError::Overflow)?
        .max(Money::ZERO);
    let amount = assessment
        .total
        .checked_add(surplus)
        .ok_or(ClaimError::Overflow)?;
    if amount.is_positive() {
        let wik = Some(match assessment.breakdown.as_ref() {
            Some(b) => WikDerivation::new(b, assessment.capped_to, surplus),
            // Nothing counts any more (all written off), but costs were paid.
            None => WikDerivation::nothing_but(surplus),
        });
        let date = assessment.owed_from.unwrap_or(assessment.as_of);
        let mut view = cost_view(ItemRef::Wik, Vec::new(), wik, date)?;
        view.amount = amount;
        view.open = amount;
        costs.insert(0, view);
    }
    Ok((costs, recorded_interest))
}

/// The rows of the rate table behind the interest lines, oldest first.
fn rates_used(rule: InterestRule, invoice_views: &[InvoiceView]) -> Vec<RateUsedView> {
    let table = domain::rates::current();
    let kind = rule.domain();
    let mut starts: Vec<NaiveDate> = invoice_views
        .iter()
        .flat_map(|v| v.tranches.iter())
        .filter_map(|t| t.interest.as_ref())
        .flat_map(|d| d.years.iter().flat_map(|y| y.lines.iter()))
        .filter(|line| !line.paused)
        .filter_map(|line| table.row_on(kind, line.from).map(|r| r.change.from()))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let rates = table.rates(kind);
    starts
        .into_iter()
        .filter_map(|from| {
            let row = table.row_on(kind, from)?;
            let until = rates
                .iter()
                .find(|c| c.from() > from)
                .and_then(|c| c.from().pred_opt());
            Some(RateUsedView {
                from,
                until,
                rate_bp: row.change.rate_bp(),
                source: row.source.clone(),
            })
        })
        .collect()
}

/// A write-off lowers what its invoice owes; it is not a payment.
fn record_interest_write_offs(
    invoice_views: &mut [InvoiceView],
    entries: &[&EntryView],
) -> Result<(), ClaimError> {
    for view in invoice_views {
        view.interest_written_off = Money::checked_sum(
            entries
                .iter()
                .filter(|e| e.invoice_id == Some(view.id))
                .map(|e| e.allocation.interest),
        )
        .ok_or(ClaimError::Overflow)?;
    }
    Ok(())
}

/// What is owed net of write-offs, or an error when more was written off than is owed.
fn net(owed: Money, written_off: Money) -> Result<Money, ClaimError> {
    owed.checked_sub(written_off)
        .filter(|m| !m.is_negative())
        .ok_or(ClaimError::Inconsistent(
            "more written off an invoice than it owes",
        ))
}

/// What is owed, item by item, for the balance: costs, then each invoice's interest, then its
/// principal, each dated so art. 6:44 BW's order (oldest first within a kind) follows.
fn debits(
    invoices: &[&InvoiceInput],
    invoice_views: &[InvoiceView],
    costs: &[CostView],
    as_of: NaiveDate,
) -> Result<Vec<Debit<ItemRef>>, ClaimError> {
    let mut debits = Vec::new();
    for cost in costs {
        debits.push(Debit::new(
            cost.item,
            ItemKind::Cost,
            cost.date,
            cost.amount,
        )?);
    }
    // Interest paid is attributed to invoices oldest first, and older invoices' interest keeps
    // growing; a written-off invoice goes first (dated as the oldest), so the interest paid on
    // it before the write-off stays on it and it never shows open interest again.
    let earliest = invoices.first().map_or(as_of, |i| i.due_date);
    let written_off = |view: &InvoiceView| {
        !view.interest_written_off.is_zero() || !view.principal_written_off.is_zero()
    };
    let interest_order = invoices
        .iter()
        .zip(invoice_views)
        .filter(|(_, view)| written_off(view))
        .map(|(invoice, view)| (earliest, invoice, view))
        .chain(
            invoices
                .iter()
                .zip(invoice_views)
                .filter(|(_, view)| !written_off(view))
                .map(|(invoice, view)| (invoice.due_date, invoice, view)),
        );
    for (date, invoice, view) in interest_order {
        let item = ItemRef::Interest {
            invoice_id: invoice.id,
        };
        debits.push(Debit::new(
            item,
            ItemKind::Interest,
            date,
            net(view.interest, view.interest_written_off)?,
        )?);
    }
    for (invoice, view) in invoices.iter().zip(invoice_views) {
        let item = ItemRef::Principal {
            invoice_id: invoice.id,
        };
        debits.push(Debit::new(
            item,
            ItemKind::Principal,
            invoice.due_date,
            net(invoice.principal, view.principal_written_off)?,
        )?);
    }
    Ok(debits)
}

/// Interest already paid may exceed what is owed by rounding after a reversal (see
/// `Totals::interest_rounding`); it stays paid, as an extra interest item, but only within
/// one cent per line computed, so a real over-booking still fails.
fn with_interest_rounding(
    mut debits: Vec<Debit<ItemRef>>,
    ledger: &[LedgerEntry],
    rounding_tolerance: i64,
    as_of: NaiveDate,
) -> Result<(Vec<Debit<ItemRef>>, Money), ClaimError> {
    let interest_owed = Money::checked_sum(
        debits
            .iter()
            .filter(|d| d.kind() == ItemKind::Interest)
            .map(|d| d.amount()),
    )
    .ok_or(ClaimError::Overflow)?;
    let interest_paid = Money::checked_sum(ledger.iter().map(|e| e.parts().interest))
        .ok_or(ClaimError::Overflow)?;
    let mut interest_rounding = Money::ZERO;
    if interest_paid > interest_owed {
        let excess = interest_paid
            .checked_sub(interest_owed)
            .ok_or(ClaimError::Overflow)?;
        if excess.cents() > rounding_tolerance {
            return Err(ClaimError::Inconsistent(
                "more interest booked than is owed",
            ));
        }
        interest_rounding = excess;
        debits.push(Debit::new(
            ItemRef::InterestRounding,
            ItemKind::Interest,
            as_of,
            excess,
        )?);
    }
    Ok((debits, interest_rounding))
}

/// Fills in what the balance says is paid and open on each invoice and cost item.
fn settle_items(
    balance: &Balance<ItemRef>,
    invoice_views: &mut [InvoiceView],
    costs: &mut [CostView],
    replay: &Replay,
) -> Result<(), ClaimError> {
    let open_of: HashMap<ItemRef, Money> = balance
        .open_items()
        .iter()
        .map(|item| (*item.id(), item.open()))
        .collect();
    let open = |item: ItemRef| open_of.get(&item).copied().unwrap_or(Money::ZERO);
    // 0 ≤ open ≤ amount for every item, so these subtractions cannot overflow.
    let paid = |amount: Money, open: Money| Money::from_cents(amount.cents() - open.cents());
    for (index, view) in invoice_views.iter_mut().enumerate() {
        view.principal_open = open(ItemRef::Principal {
            invoice_id: view.id,
        });
        view.principal_paid = paid(
            net(view.principal, view.principal_written_off)?,
            view.principal_open,
        );
        view.interest_open = open(ItemRef::Interest {
            invoice_id: view.id,
        });
        view.interest_paid = paid(
            net(view.interest, view.interest_written_off)?,
            view.interest_open,
        );
        // The replay and the balance attribute principal the same way (oldest first).
        debug_assert_eq!(view.principal_open, replay.open[index]);
    }
    for cost in costs {
        cost.open = open(cost.item);
        cost.paid = paid(cost.amount, cost.open);
    }
    Ok(())
}

/// The claim's totals from the balance.
fn totals(
    balance: &Balance<ItemRef>,
    invoice_views: &[InvoiceView],
    interest_rounding: Money,
) -> Result<Totals, ClaimError> {
    let owed = balance.owed();
    let paid_per_kind = balance.paid();
    let total = |p: PerKind| p.checked_total().ok_or(ClaimError::Overflow);
    let paid_total = total(paid_per_kind)?;
    Ok(Totals {
        owed,
        paid: paid_per_kind,
        open: balance.open(),
        owed_total: total(owed)?,
        paid_total,
        open_total: balance.open_total(),
        credit: balance.credit(),
        received: paid_total
            .checked_add(balance.credit())
            .ok_or(ClaimError::Overflow)?,
        interest_rounding,
        written_off: PerKind {
            costs: Money::ZERO,
            interest: Money::checked_sum(invoice_views.iter().map(|v| v.interest_written_off))
                .ok_or(ClaimError::Overflow)?,
            principal: Money::checked_sum(invoice_views.iter().map(|v| v.principal_written_off))
                .ok_or(ClaimError::Overflow)?,
        },
    })
}

fn cost_view(
    item: ItemRef,
    charges: Vec<ChargeView>,
    wik: Option<WikDerivation>,
    date: NaiveDate,
) -> Result<CostView, ClaimError> {
    let amount =
        Money::checked_sum(charges.iter().map(|c| c.amount)).ok_or(ClaimError::Overflow)?;
    Ok(CostView {
        item,
        charges,
        amount,
        paid: Money::ZERO,
        open: amount,
        date,
        wik,
    })
}

/// Per invoice (in payment order): the principal paid off as (amount, day) tranches, the
/// principal written off (a cancelled disputed invoice) likewise, and what is still open.
struct Replay {
    paid: Vec<Vec<(Money, NaiveDate)>>,
    written_off: Vec<Vec<(Money, NaiveDate)>>,
    open: Vec<Money>,
}

impl Replay {
    fn written_off_total(&self, index: usize) -> Result<Money, ClaimError> {
        Money::checked_sum(self.written_off[index].iter().map(|&(amount, _)| amount))
            .ok_or(ClaimError::Overflow)
    }
}

/// Replays the principal parts of the ledger in date order. A positive part pays invoices
/// off oldest first (art. 6:44 BW within the principal), each piece a tranche dated that day.
/// A negative part (refund, chargeback) undoes the most recent tranches first: the reopened
/// principal earns interest as if it had never been paid, and what stays paid keeps the dates
/// of the earliest payments. Because payments fill invoices as a prefix and reversals take
/// from its end, the open amount per invoice equals the balance's oldest-first attribution of
/// the net principal paid.
///
/// A write-off of one invoice (an entry with `invoice_id`) takes its principal part off that
/// invoice's open principal and is never undone by a reversal; the balance takes the same
/// amount off that invoice's debit, so both still agree on what is open where.
fn replay_principal(
    principals: &[Money],
    ids: &[ClaimItemId],
    entries: &[&EntryView],
) -> Result<Replay, ClaimError> {
    let mut open = principals.to_vec();
    let mut written_off = vec![Vec::new(); principals.len()];
    // (invoice index, amount, day) in the order paid.
    let mut stack: Vec<(usize, Money, NaiveDate)> = Vec::new();
    for entry in entries {
        let part = entry.allocation.principal;
        if let Some(invoice_id) = entry.invoice_id {
            let index =
                ids.iter()
                    .position(|&id| id == invoice_id)
                    .ok_or(ClaimError::Inconsistent(
                        "a write-off of an unknown invoice",
                    ))?;
            if part > open[index] {
                return Err(ClaimError::Inconsistent(
                    "more written off an invoice than is open on it",
                ));
            }
            if part.is_positive() {
                open[index] = Money::from_cents(open[index].cents() - part.cents());
                written_off[index].push((part, entry.date));
            }
            continue;
        }
        if part.is_positive() {
            let mut left = part;
            for (index, open) in open.iter_mut().enumerate() {
                if !left.is_positive() {
                    break;
                }
                let take = left.min(*open);
                if take.is_positive() {
                    // 0 < take ≤ both, so neither subtraction can overflow.
                    *open = Money::from_cents(open.cents() - take.cents());
                    left = Money::from_cents(left.cents() - take.cents());
                    match stack.last_mut() {
                        // Two payments on one day to one invoice: one tranche.
                        Some((i, amount, day)) if *i == index && *day == entry.date => {
                            *amount = amount.checked_add(take).ok_or(ClaimError::Overflow)?;
                        }
                        _ => stack.push((index, take, entry.date)),
                    }
                }
            }
            if left.is_positive() {
                return Err(ClaimError::Inconsistent(
                    "more principal booked than is owed",
                ));
            }
        } else if part.is_negative() {
            let mut left = part.checked_neg().ok_or(ClaimError::Overflow)?;
            while left.is_positive() {
                let Some((index, amount, _)) = stack.last_mut() else {
                    return Err(ClaimError::Inconsistent(
                        "more principal reversed than was paid",
                    ));
                };
                let take = left.min(*amount);
                *amount = Money::from_cents(amount.cents() - take.cents());
                left = Money::from_cents(left.cents() - take.cents());
                open[*index] = open[*index].checked_add(take).ok_or(ClaimError::Overflow)?;
                if amount.is_zero() {
                    stack.pop();
                }
            }
        }
    }
    let mut paid = vec![Vec::new(); principals.len()];
    for (index, amount, day) in stack {
        paid[index].push((amount, day));
    }
    Ok(Replay {
        paid,
        written_off,
        open,
    })
}
