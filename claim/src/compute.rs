//! Building the [`ClaimView`] from plain inputs: no I/O, so the same code serves
//! `load_claim`, tests and benchmarks.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::{
    Balance, ClaimItemId, CostAssessment, CostInput, CostInvoice, CostLetter, Debit, DossierId,
    InterestBreakdown, InterestRun, ItemKind, LedgerEntry, Money, Pause, PerKind, VatTreatment,
    assess_costs, derive_balance,
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
    let replay = replay_ledger(input, &invoices, &entries, as_of)?;
    let mut interest = invoice_interest(input, &invoices, &replay, as_of);
    let assessment = assess_costs(&cost_input(input, &invoices, &replay)?, as_of)
        .map_err(|_| ClaimError::Overflow)?;
    let (mut costs, recorded_interest) = cost_items(input, &assessment, &entries)?;
    let cost_basis = cost_basis(input, &assessment);
    let ledger: Vec<LedgerEntry> = entries
        .iter()
        .filter(|e| e.invoice_id.is_none())
        .map(|e| LedgerEntry::new(e.allocation, e.unallocated))
        .collect();
    let (interest_rounding, interest_surplus) = attribute_interest_paid(&mut interest, &ledger)?;
    let kept = interest_rounding
        .checked_add(interest_surplus)
        .ok_or(ClaimError::Overflow)?;
    let (debits, paid_parts) = debits(&invoices, &interest, &replay, &costs, kept)?;
    let balance = derive_balance(&debits, &ledger)?;
    settle_items(&balance, paid_parts, &mut interest.views, &mut costs)?;
    cost_shares(&mut interest.views, &assessment, &costs, &entries, &balance)?;
    let mut totals = totals(&balance, &interest.views, interest_rounding)?;
    totals.interest_paid_surplus = interest_surplus;
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

/// The statutory interest of every invoice, from the ledger replay.
struct InvoiceInterest {
    /// One view per invoice, in payment order; paid and open are filled in by
    /// [`settle_items`].
    views: Vec<InvoiceView>,
    /// Per invoice (in payment order), the interest paid as the replay applied it, and after
    /// [`attribute_interest_paid`] as shown.
    paid: Vec<Money>,
    /// One cent per interest line computed: how far interest paid may exceed what is owed by
    /// rounding (see [`attribute_interest_paid`]).
    rounding_tolerance: i64,
    uses_unreviewed_rates: bool,
}

/// Interest per invoice, from the replay: one computation per invoice whose base changes
/// with each payment (see the crate docs); holds pause it.
fn invoice_interest(
    input: &ClaimInput,
    invoices: &[&InvoiceInput],
    replay: &Replay,
    as_of: NaiveDate,
) -> InvoiceInterest {
    let mut views = Vec::with_capacity(invoices.len());
    let mut rounding_tolerance = 0i64;
    let mut uses_unreviewed_rates = false;
    for (index, invoice) in invoices.iter().enumerate() {
        let pauses: Vec<&InterestPause> = input
            .pauses
            .iter()
            .filter(|p| p.applies_to(invoice.id))
            .collect();
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
        // Paid and written-off tranches in date order (a stable sort keeps the order paid),
        // then what is open.
        let mut tranches: Vec<TrancheView> = replay.paid[index]
            .iter()
            .map(|&(amount, day)| (amount, day, false))
            .chain(
                replay.written_off[index]
                    .iter()
                    .map(|&(amount, day)| (amount, day, true)),
            )
            .map(|(amount, day, written_off)| TrancheView {
                amount,
                paid_on: Some(day),
                written_off,
                until: day,
            })
            .collect();
        tranches.sort_by_key(|t| t.until);
        let open = replay.open[index];
        if open.is_positive() {
            tranches.push(TrancheView {
                amount: open,
                paid_on: None,
                written_off: false,
                until: as_of,
            });
        }
        let breakdown = replay.interest[index].as_ref();
        if let Some(b) = breakdown {
            let lines = i64::try_from(b.lines().count()).unwrap_or(i64::MAX);
            rounding_tolerance = rounding_tolerance.saturating_add(lines);
            uses_unreviewed_rates |= b.uses_unreviewed_rates();
        }
        views.push(InvoiceView {
            id: invoice.id,
            number: invoice.number.clone(),
            invoice_date: invoice.invoice_date,
            due_date: invoice.due_date,
            accrues: invoice.accrues,
            on_hold,
            holds,
            principal: invoice.principal,
            principal_written_off: replay.principal_written_off[index],
            interest_written_off: replay.interest_written_off[index],
            // Filled in from the balance below.
            principal_paid: Money::ZERO,
            principal_open: Money::ZERO,
            interest: breakdown.map_or(Money::ZERO, InterestBreakdown::total),
            interest_paid: Money::ZERO,
            interest_open: Money::ZERO,
            derivation: breakdown.map(InterestDerivation::from),
            tranches,
            // Filled in by `cost_shares`.
            costs_open_share: Money::ZERO,
        });
    }
    InvoiceInterest {
        views,
        paid: replay.interest_paid.clone(),
        rounding_tolerance,
        uses_unreviewed_rates,
    }
}

/// Interest paid that the replay could not apply to an invoice on its day (a cent of rounding
/// after a reversal raised a base again, or interest booked before paid interest stopped
/// compounding, when more was owed) is attributed to the invoices with interest open as of
/// `as_of`, oldest first, as art. 6:44 BW would. What still remains is never re-opened: it
/// stays paid as an extra interest item. Within a cent per line computed it is rounding
/// ([`Totals::interest_rounding`]); beyond that it was paid but is not owed
/// ([`Totals::interest_paid_surplus`]), for staff to refund, like the costs' paid surplus.
/// Returns (rounding, surplus).
fn attribute_interest_paid(
    interest: &mut InvoiceInterest,
    ledger: &[LedgerEntry],
) -> Result<(Money, Money), ClaimError> {
    let booked = Money::checked_sum(ledger.iter().map(|e| e.parts().interest))
        .ok_or(ClaimError::Overflow)?;
    let applied = Money::checked_sum(interest.paid.iter().copied()).ok_or(ClaimError::Overflow)?;
    let mut left = booked
        .checked_sub(applied)
        .filter(|m| !m.is_negative())
        .ok_or(ClaimError::Inconsistent(
            "less interest booked than the replay applied",
        ))?;
    for (view, paid) in interest.views.iter().zip(interest.paid.iter_mut()) {
        if !left.is_positive() {
            break;
        }
        let open = net(view.interest, view.interest_written_off)?
            .checked_sub(*paid)
            .ok_or(ClaimError::Overflow)?;
        let take = left.min(open.max(Money::ZERO));
        *paid = paid.checked_add(take).ok_or(ClaimError::Overflow)?;
        left = Money::from_cents(left.cents() - take.cents());
    }
    if left.cents() > interest.rounding_tolerance {
        Ok((Money::ZERO, left))
    } else {
        Ok((left, Money::ZERO))
    }
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
                written_off: replay.principal_written_off[index],
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
        .filter_map(|v| v.derivation.as_ref())
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

/// What is owed net of write-offs, or an error when more was written off than is owed.
fn net(owed: Money, written_off: Money) -> Result<Money, ClaimError> {
    owed.checked_sub(written_off)
        .filter(|m| !m.is_negative())
        .ok_or(ClaimError::Inconsistent(
            "more written off an invoice than it owes",
        ))
}

/// What is owed, item by item, for the balance: costs, then each invoice's interest, then its
/// principal. The balance takes what was paid of a kind off that kind's debits oldest first;
/// the costs are attributed that way (art. 6:44 BW). Interest and principal were attributed
/// to invoices by the replay as each payment was made (a payment pays what was owed on its
/// day), so each invoice's interest and principal is two debits with one id: the part paid,
/// dated first of all so the balance takes the paid amount exactly off those, and the part
/// still open, dated by the due date, which orders the open items as a new payment pays them
/// (oldest first).
fn debits(
    invoices: &[&InvoiceInput],
    interest: &InvoiceInterest,
    replay: &Replay,
    costs: &[CostView],
    interest_rounding: Money,
) -> Result<(Vec<Debit<ItemRef>>, PerKind), ClaimError> {
    let mut debits = Vec::new();
    for cost in costs {
        debits.push(Debit::new(
            cost.item,
            ItemKind::Cost,
            cost.date,
            cost.amount,
        )?);
    }
    let first = NaiveDate::MIN;
    let mut paid_parts = PerKind::default();
    let mut both =
        |item: ItemRef, kind: ItemKind, date: NaiveDate, owed: Money, paid: Money| {
            let open = owed.checked_sub(paid).filter(|m| !m.is_negative()).ok_or(
                ClaimError::Inconsistent("more paid on an invoice than it owes"),
            )?;
            paid_parts
                .checked_add_to(kind, paid)
                .ok_or(ClaimError::Overflow)?;
            debits.push(Debit::new(item, kind, first, paid)?);
            debits.push(Debit::new(item, kind, date, open)?);
            Ok::<(), ClaimError>(())
        };
    for (index, (invoice, view)) in invoices.iter().zip(&interest.views).enumerate() {
        both(
            ItemRef::Interest {
                invoice_id: invoice.id,
            },
            ItemKind::Interest,
            invoice.due_date,
            net(view.interest, view.interest_written_off)?,
            interest.paid[index],
        )?;
    }
    for (index, (invoice, view)) in invoices.iter().zip(&interest.views).enumerate() {
        let paid = Money::checked_sum(replay.paid[index].iter().map(|&(amount, _)| amount))
            .ok_or(ClaimError::Overflow)?;
        both(
            ItemRef::Principal {
                invoice_id: invoice.id,
            },
            ItemKind::Principal,
            invoice.due_date,
            net(invoice.principal, view.principal_written_off)?,
            paid,
        )?;
    }
    if interest_rounding.is_positive() {
        both(
            ItemRef::InterestRounding,
            ItemKind::Interest,
            first,
            interest_rounding,
            interest_rounding,
        )?;
    }
    Ok((debits, paid_parts))
}

/// Fills in what the balance says is paid and open on each invoice and cost item.
fn settle_items(
    balance: &Balance<ItemRef>,
    paid_parts: PerKind,
    invoice_views: &mut [InvoiceView],
    costs: &mut [CostView],
) -> Result<(), ClaimError> {
    // The replay attributed every interest and principal part of the ledger to an invoice.
    let paid = balance.paid();
    if paid.interest != paid_parts.interest || paid.principal != paid_parts.principal {
        return Err(ClaimError::Inconsistent(
            "the ledger replay does not account for every payment",
        ));
    }
    let open_of: HashMap<ItemRef, Money> = balance
        .open_items()
        .iter()
        .map(|item| (*item.id(), item.open()))
        .collect();
    let open = |item: ItemRef| open_of.get(&item).copied().unwrap_or(Money::ZERO);
    // 0 ≤ open ≤ amount for every item, so these subtractions cannot overflow.
    let paid = |amount: Money, open: Money| Money::from_cents(amount.cents() - open.cents());
    for view in invoice_views.iter_mut() {
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
    }
    for cost in costs {
        cost.open = open(cost.item);
        cost.paid = paid(cost.amount, cost.open);
    }
    Ok(())
}

/// `amount` divided over `weights` pro rata, rounded down, the remainder to the last invoice
/// with a weight (so the parts add up to `amount`); all zero without weights.
fn pro_rata(amount: Money, weights: &[i64]) -> Vec<Money> {
    let total: i128 = weights.iter().map(|&w| i128::from(w.max(0))).sum();
    let mut parts = vec![Money::ZERO; weights.len()];
    let Some(last) = weights.iter().rposition(|&w| w > 0) else {
        return parts;
    };
    let mut given = 0i128;
    for (index, &weight) in weights.iter().enumerate() {
        if index == last || weight <= 0 {
            continue;
        }
        // |share| ≤ |amount|, so it fits.
        let share = i128::from(amount.cents()) * i128::from(weight) / total;
        given += share;
        parts[index] = Money::from_cents(i64::try_from(share).unwrap_or(0));
    }
    parts[last] = Money::from_cents(i64::try_from(i128::from(amount.cents()) - given).unwrap_or(0));
    parts
}

/// Each invoice's share of the costs still open, for a payment the debtor makes for that one
/// invoice (art. 6:43 lid 1 BW, then 6:44 within it: its costs, its interest, its principal).
///
/// The WIK costs are one amount over the whole dossier (the scale on all principal together),
/// so the law gives no invoice its own costs. We attribute them pro rata to each invoice's
/// part in the cost base (an invoice no letter covers carries none; without any base, to the
/// principal), rounded down with the remainder cents to the last invoice, because that is the
/// share the invoice caused: the costs an invoice would carry alone are higher (the scale is
/// degressive) and would make paying invoice by invoice dearer than paying at once. Costs paid
/// by a payment for an invoice count for that invoice; costs paid without a choice pro rata.
fn cost_shares(
    views: &mut [InvoiceView],
    assessment: &CostAssessment<ClaimItemId>,
    costs: &[CostView],
    entries: &[&EntryView],
    balance: &Balance<ItemRef>,
) -> Result<(), ClaimError> {
    let base_of = |id: ClaimItemId| {
        assessment
            .invoices
            .iter()
            .find(|i| i.id == id)
            .map_or(0, |i| i.base.cents())
    };
    let mut weights: Vec<i64> = views.iter().map(|v| base_of(v.id)).collect();
    if weights.iter().all(|&w| w <= 0) {
        weights = views
            .iter()
            .map(|v| v.principal.cents() - v.principal_written_off.cents())
            .collect();
    }
    let owed = Money::checked_sum(costs.iter().map(|c| c.amount)).ok_or(ClaimError::Overflow)?;
    let mut unchosen = Money::ZERO;
    let mut chosen = vec![Money::ZERO; views.len()];
    for entry in entries.iter().filter(|e| e.invoice_id.is_none()) {
        let index = entry
            .chosen_invoice
            .and_then(|id| views.iter().position(|v| v.id == id));
        let slot = match index {
            Some(index) => &mut chosen[index],
            None => &mut unchosen,
        };
        *slot = slot
            .checked_add(entry.allocation.costs)
            .ok_or(ClaimError::Overflow)?;
    }
    let open = balance.open().costs;
    let owed_shares = pro_rata(owed, &weights);
    let paid_shares = pro_rata(unchosen, &weights);
    for (index, view) in views.iter_mut().enumerate() {
        let share = owed_shares[index]
            .checked_sub(paid_shares[index])
            .and_then(|s| s.checked_sub(chosen[index]))
            .ok_or(ClaimError::Overflow)?;
        view.costs_open_share = share.max(Money::ZERO).min(open);
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
        interest_paid_surplus: Money::ZERO,
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

/// Per invoice (in payment order), what the ledger replay found: the principal paid off as
/// (amount, day) tranches that still stand, the principal written off (a cancelled disputed
/// invoice) likewise, what is still open, and the interest computed with every payment.
struct Replay {
    paid: Vec<Vec<(Money, NaiveDate)>>,
    written_off: Vec<Vec<(Money, NaiveDate)>>,
    open: Vec<Money>,
    principal_written_off: Vec<Money>,
    /// `None` for an invoice that does not accrue.
    interest: Vec<Option<InterestBreakdown>>,
    /// Interest paid that stands, as applied to the invoice on the day paid.
    interest_paid: Vec<Money>,
    interest_written_off: Vec<Money>,
}

/// A write-off of one invoice: interest and principal it cancelled on `day`; `applied` is the
/// interest the computation could take off (never more than was owed that day).
#[derive(Clone, Copy)]
struct WriteOff {
    day: NaiveDate,
    principal: Money,
    interest: Money,
    applied: Money,
}

/// The replay's running state: per invoice its interest computation, and the payments that
/// stand, last paid last.
struct Books<'a> {
    invoices: &'a [&'a InvoiceInput],
    kind: domain::InterestKind,
    pauses: Vec<Vec<Pause>>,
    runs: Vec<Option<InterestRun>>,
    open: Vec<Money>,
    /// Principal paid: (invoice index, amount, day) in the order paid.
    principal: Vec<(usize, Money, NaiveDate)>,
    /// Interest paid: (invoice index, amount, day) in the order paid; `None` for interest
    /// booked beyond what was owed on its day.
    interest: Vec<(Option<usize>, Money, NaiveDate)>,
    write_offs: Vec<Vec<WriteOff>>,
}

/// Books `principal` and up to `interest` on `run` on `day`; returns the interest taken (no
/// more than is unpaid that day).
fn apply(
    run: &mut Option<InterestRun>,
    day: NaiveDate,
    principal: Money,
    interest: Money,
) -> Result<Money, ClaimError> {
    let Some(run) = run.as_mut() else {
        return Ok(Money::ZERO);
    };
    run.accrue_to(day)?;
    let take = interest.min(run.unpaid_interest()?).max(Money::ZERO);
    run.pay(day, principal, take)?;
    Ok(take)
}

/// Adds a paid piece to a stack; two on one day to one invoice are one.
fn push<I: PartialEq + Copy>(
    stack: &mut Vec<(I, Money, NaiveDate)>,
    index: I,
    amount: Money,
    day: NaiveDate,
) -> Result<(), ClaimError> {
    match stack.last_mut() {
        Some((i, total, d)) if *i == index && *d == day => {
            *total = total.checked_add(amount).ok_or(ClaimError::Overflow)?;
        }
        _ => stack.push((index, amount, day)),
    }
    Ok(())
}

/// Takes `amount` off the end of a stack (a reversal undoes the latest payments first);
/// returns what was taken off which invoice.
fn pop<I: Copy>(
    stack: &mut Vec<(I, Money, NaiveDate)>,
    amount: Money,
    what: &'static str,
) -> Result<Vec<(I, Money)>, ClaimError> {
    let mut left = amount;
    let mut touched = Vec::new();
    while left.is_positive() {
        let Some((index, paid, _)) = stack.last_mut() else {
            return Err(ClaimError::Inconsistent(what));
        };
        let take = left.min(*paid);
        // 0 ≤ take ≤ both.
        *paid = Money::from_cents(paid.cents() - take.cents());
        left = Money::from_cents(left.cents() - take.cents());
        touched.push((*index, take));
        if paid.is_zero() {
            stack.pop();
        }
    }
    Ok(touched)
}

impl Books<'_> {
    fn new_run(&self, index: usize) -> Result<Option<InterestRun>, ClaimError> {
        let invoice = self.invoices[index];
        if !invoice.accrues {
            return Ok(None);
        }
        Ok(Some(InterestRun::new(
            self.kind,
            invoice.principal,
            invoice.due_date,
            &self.pauses[index],
        )?))
    }

    /// The invoices in the order a payment reaches them: the one chosen first, then the rest
    /// oldest first.
    fn order(&self, chosen: Option<usize>) -> Vec<usize> {
        chosen
            .into_iter()
            .chain((0..self.invoices.len()).filter(|&i| Some(i) != chosen))
            .collect()
    }

    /// Pays `amount` of interest on `day`: on each invoice (in `order`) what is unpaid of its
    /// interest that day.
    fn pay_interest(
        &mut self,
        day: NaiveDate,
        amount: Money,
        chosen: Option<usize>,
    ) -> Result<(), ClaimError> {
        let mut left = amount;
        for index in self.order(chosen) {
            if !left.is_positive() {
                break;
            }
            let take = apply(&mut self.runs[index], day, Money::ZERO, left)?;
            if take.is_positive() {
                push(&mut self.interest, Some(index), take, day)?;
                left = Money::from_cents(left.cents() - take.cents());
            }
        }
        if left.is_positive() {
            push(&mut self.interest, None, left, day)?;
        }
        Ok(())
    }

    /// Pays `amount` of principal on `day`, invoice by invoice in `order`.
    fn pay_principal(
        &mut self,
        day: NaiveDate,
        amount: Money,
        chosen: Option<usize>,
    ) -> Result<(), ClaimError> {
        let mut left = amount;
        for index in self.order(chosen) {
            if !left.is_positive() {
                break;
            }
            let take = left.min(self.open[index]);
            if take.is_positive() {
                // 0 < take ≤ both.
                self.open[index] = Money::from_cents(self.open[index].cents() - take.cents());
                left = Money::from_cents(left.cents() - take.cents());
                apply(&mut self.runs[index], day, take, Money::ZERO)?;
                push(&mut self.principal, index, take, day)?;
            }
        }
        if left.is_positive() {
            return Err(ClaimError::Inconsistent(
                "more principal booked than is owed",
            ));
        }
        Ok(())
    }

    /// Computes an invoice's interest again from the payments that still stand on it, after a
    /// reversal took some away (they count as never paid).
    fn recompute(&mut self, index: usize) -> Result<(), ClaimError> {
        let mut payments: Vec<(NaiveDate, Money, Money, Option<usize>)> = self
            .principal
            .iter()
            .filter(|&&(i, _, _)| i == index)
            .map(|&(_, amount, day)| (day, amount, Money::ZERO, None))
            .chain(
                self.interest
                    .iter()
                    .filter(|&&(i, _, _)| i == Some(index))
                    .map(|&(_, amount, day)| (day, Money::ZERO, amount, None)),
            )
            .chain(
                self.write_offs[index]
                    .iter()
                    .enumerate()
                    .map(|(k, w)| (w.day, w.principal, w.interest, Some(k))),
            )
            .collect();
        payments.sort_by_key(|&(day, _, _, _)| day);
        let mut run = self.new_run(index)?;
        for (day, principal, interest, write_off) in payments {
            // A cent less interest owed after rounding on a higher base is possible; what is
            // not taken here is attributed at the end (`attribute_interest_paid`).
            let taken = apply(&mut run, day, principal, interest)?;
            if let Some(k) = write_off {
                self.write_offs[index][k].applied = taken;
            }
        }
        self.runs[index] = run;
        Ok(())
    }
}

/// Replays the ledger in date order (art. 6:44 BW within each entry: its interest part pays
/// interest, its principal part principal). Each payment pays, on its day, what each invoice
/// owed that day, oldest (due date) first: interest as the invoice's interest computation
/// says is unpaid then, principal as open then; and from the next day on the invoice's base is
/// lower by the principal paid and by any interest paid that had been added to the base at an
/// anniversary, while interest of the running year that is paid is not added at its
/// anniversary (art. 6:119 lid 2 BW: only interest still owed is). A negative part (refund,
/// chargeback) undoes the most recent payments first; the invoices they touched are computed
/// again without them, as if never paid.
///
/// A write-off of one invoice (an entry with `invoice_id`) takes its parts off that invoice
/// and is never undone by a reversal; the balance takes the same off that invoice's debits.
fn replay_ledger(
    input: &ClaimInput,
    invoices: &[&InvoiceInput],
    entries: &[&EntryView],
    as_of: NaiveDate,
) -> Result<Replay, ClaimError> {
    let pauses: Vec<Vec<Pause>> = invoices
        .iter()
        .map(|invoice| {
            input
                .pauses
                .iter()
                .filter(|p| p.applies_to(invoice.id))
                .filter_map(|p| p.days(as_of))
                .collect()
        })
        .collect();
    let mut books = Books {
        invoices,
        kind: input.interest_rule.domain(),
        pauses,
        runs: Vec::with_capacity(invoices.len()),
        open: invoices.iter().map(|i| i.principal).collect(),
        principal: Vec::new(),
        interest: Vec::new(),
        write_offs: vec![Vec::new(); invoices.len()],
    };
    for index in 0..invoices.len() {
        let run = books.new_run(index)?;
        books.runs.push(run);
    }
    let index_of = |id: ClaimItemId| invoices.iter().position(|i| i.id == id);
    for entry in entries {
        let day = entry.date;
        let parts = entry.allocation;
        if let Some(invoice_id) = entry.invoice_id {
            let index = index_of(invoice_id).ok_or(ClaimError::Inconsistent(
                "a write-off of an unknown invoice",
            ))?;
            if parts.principal > books.open[index] {
                return Err(ClaimError::Inconsistent(
                    "more written off an invoice than is open on it",
                ));
            }
            // Parts are not negative (checked in `entries_up_to`).
            books.open[index] =
                Money::from_cents(books.open[index].cents() - parts.principal.cents());
            let applied = apply(&mut books.runs[index], day, parts.principal, parts.interest)?;
            books.write_offs[index].push(WriteOff {
                day,
                principal: parts.principal,
                interest: parts.interest,
                applied,
            });
            continue;
        }
        // Art. 6:43 lid 1 BW: a payment for an invoice the debtor chose pays that invoice
        // first; without a choice, lid 2 (and 6:44) decide: oldest first.
        let chosen = entry.chosen_invoice.and_then(index_of);
        let mut touched: Vec<usize> = Vec::new();
        if parts.interest.is_positive() {
            books.pay_interest(day, parts.interest, chosen)?;
        } else if parts.interest.is_negative() {
            let amount = parts.interest.checked_neg().ok_or(ClaimError::Overflow)?;
            let undone = pop(
                &mut books.interest,
                amount,
                "more interest reversed than was paid",
            )?;
            touched.extend(undone.into_iter().filter_map(|(index, _)| index));
        }
        if parts.principal.is_positive() {
            books.pay_principal(day, parts.principal, chosen)?;
        } else if parts.principal.is_negative() {
            let amount = parts.principal.checked_neg().ok_or(ClaimError::Overflow)?;
            let undone = pop(
                &mut books.principal,
                amount,
                "more principal reversed than was paid",
            )?;
            for &(index, amount) in &undone {
                books.open[index] = books.open[index]
                    .checked_add(amount)
                    .ok_or(ClaimError::Overflow)?;
                touched.push(index);
            }
        }
        touched.sort_unstable();
        touched.dedup();
        for index in touched {
            books.recompute(index)?;
        }
    }
    finish_replay(books, as_of)
}

fn finish_replay(books: Books<'_>, as_of: NaiveDate) -> Result<Replay, ClaimError> {
    let count = books.invoices.len();
    let mut paid = vec![Vec::new(); count];
    for &(index, amount, day) in &books.principal {
        paid[index].push((amount, day));
    }
    let mut interest = Vec::with_capacity(count);
    let mut interest_paid = Vec::with_capacity(count);
    let mut interest_written_off = Vec::with_capacity(count);
    let mut written_off = Vec::with_capacity(count);
    let mut principal_written_off = Vec::with_capacity(count);
    for (run, write_offs) in books.runs.into_iter().zip(&books.write_offs) {
        let breakdown = run.map(|run| run.finish(as_of)).transpose()?;
        let applied = breakdown.as_ref().map_or(Ok(Money::ZERO), |b| {
            Money::checked_sum(b.changes().iter().map(|c| c.interest())).ok_or(ClaimError::Overflow)
        })?;
        let cancelled =
            Money::checked_sum(write_offs.iter().map(|w| w.applied)).ok_or(ClaimError::Overflow)?;
        interest_paid.push(applied.checked_sub(cancelled).ok_or(ClaimError::Overflow)?);
        interest_written_off.push(cancelled);
        interest.push(breakdown);
        written_off.push(
            write_offs
                .iter()
                .filter(|w| w.principal.is_positive())
                .map(|w| (w.principal, w.day))
                .collect::<Vec<_>>(),
        );
        principal_written_off.push(
            Money::checked_sum(write_offs.iter().map(|w| w.principal))
                .ok_or(ClaimError::Overflow)?,
        );
    }
    Ok(Replay {
        paid,
        written_off,
        open: books.open,
        principal_written_off,
        interest,
        interest_paid,
        interest_written_off,
    })
}
