//! Properties of the claim computation on random dossiers, without a database: random
//! invoices, costs and a random history of payments (allocated as the payment flow does, with
//! and without the debtor's choice of invoice) and full reversals.

use chrono::{Days, NaiveDate};
use claim::{
    ChargeInput, ChargeKind, ChargeView, ClaimInput, ClaimView, CreditorView, EntryKind, EntryView,
    InterestPause, InterestRule, InvoiceInput, ItemRef, allocate_payment, allocate_payment_for,
    build_claim,
};
use domain::{
    ChargeId, ClaimItemId, CostLetter, DossierId, InvoiceCostStatus, ItemKind, LedgerEntryId,
    Money, PerKind, wik_costs,
};
use proptest::prelude::*;

fn day(offset: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + Days::new(offset)
}

#[derive(Debug, Clone)]
enum Event {
    /// Pay this many cents.
    Pay(i64),
    /// Reverse in full the n-th (modulo) payment not yet reversed.
    Reverse(usize),
    /// Put the n-th (modulo) invoice on hold, or the whole dossier for `None`, from tomorrow.
    Hold(Option<usize>),
    /// End the n-th (modulo) hold still running, today.
    Release(usize),
    /// Write off what is open on the n-th (modulo) invoice (a dispute upheld).
    WriteOff(usize),
    /// Pay this many cents for the n-th (modulo) invoice (art. 6:43 lid 1 BW).
    PayInvoice(usize, i64),
}

#[derive(Debug, Clone)]
struct Case {
    rule: InterestRule,
    /// (due day offset, principal cents, accrues)
    invoices: Vec<(u64, i64, bool)>,
    /// Business debtor (no letter needed).
    business: bool,
    /// 14-day letters: (day offset, which invoices as a bit mask, costs announced).
    letters: Vec<(u64, u8, Option<i64>)>,
    other_costs: Option<i64>,
    /// (days after the previous event, event)
    events: Vec<(u64, Event)>,
}

fn case() -> impl Strategy<Value = Case> {
    let rule = prop_oneof![Just(InterestRule::Consumer), Just(InterestRule::Commercial)];
    let invoices =
        prop::collection::vec((0u64..900, 0i64..500_000, prop::bool::weighted(0.9)), 1..4);
    let event = prop_oneof![
        4 => (0i64..400_000).prop_map(Event::Pay),
        1 => (0usize..8).prop_map(Event::Reverse),
        1 => prop::option::of(0usize..4).prop_map(Event::Hold),
        1 => (0usize..4).prop_map(Event::Release),
        1 => (0usize..4).prop_map(Event::WriteOff),
        2 => (0usize..4, 0i64..300_000).prop_map(|(n, c)| Event::PayInvoice(n, c)),
    ];
    let events = prop::collection::vec((0u64..120, event), 0..12);
    let letters =
        prop::collection::vec((0u64..1_100, 0u8..8, prop::option::of(0i64..100_000)), 0..3);
    (
        rule,
        invoices,
        prop::bool::weighted(0.2),
        letters,
        prop::option::of(0i64..5_000),
        events,
    )
        .prop_map(
            |(rule, invoices, business, letters, other_costs, events)| Case {
                rule,
                invoices,
                business,
                letters,
                other_costs,
                events,
            },
        )
}

fn input(case: &Case) -> ClaimInput {
    let charge = |id: i64, cents: i64, key: &str| ChargeInput {
        charge: ChargeView {
            id: ChargeId::new(id),
            kind: ChargeKind::Costs,
            amount: Money::from_cents(cents),
            rule: "test".into(),
            as_of: day(100),
        },
        key: key.into(),
    };
    ClaimInput {
        dossier_id: DossierId::new("d"),
        dossier_number: "ISB-2026-000001".into(),
        creditor: CreditorView {
            name: "Creditor".into(),
            kvk: None,
            can_deduct_vat: true,
        },
        interest_rule: case.rule,
        invoices: case
            .invoices
            .iter()
            .enumerate()
            .map(|(i, &(due, cents, accrues))| InvoiceInput {
                id: ClaimItemId::new(i as i64 + 1),
                number: format!("F-{i}"),
                invoice_date: day(due),
                due_date: day(due + 30),
                principal: Money::from_cents(cents),
                accrues,
            })
            .collect(),
        business: case.business,
        letters: case
            .letters
            .iter()
            .map(|&(sent, mask, announced)| CostLetter {
                sent_on: day(sent),
                invoices: (0..case.invoices.len() as i64)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| ClaimItemId::new(i + 1))
                    .collect(),
                costs_announced: announced.map(Money::from_cents),
            })
            .collect(),
        charges: case
            .other_costs
            .map(|c| charge(2, c, "letter"))
            .into_iter()
            .collect(),
        entries: Vec::new(),
        pauses: Vec::new(),
    }
}

/// The invariants of every view.
fn check(view: &ClaimView) -> Result<(), TestCaseError> {
    let t = &view.totals;
    for kind in ItemKind::ALL {
        let (owed, paid, open) = (t.owed.get(kind), t.paid.get(kind), t.open.get(kind));
        prop_assert_eq!(open.cents() + paid.cents(), owed.cents(), "{:?}", kind);
        prop_assert!(!owed.is_negative() && !paid.is_negative() && !open.is_negative());
    }
    prop_assert!(!t.credit.is_negative());
    prop_assert_eq!(
        t.open_total.cents(),
        t.owed_total.cents() - t.paid_total.cents()
    );
    prop_assert_eq!(
        view.open_items.iter().map(|i| i.open.cents()).sum::<i64>(),
        t.open_total.cents()
    );
    prop_assert!(view.open_items.iter().all(|i| i.open.is_positive()));
    let received: i64 = view
        .entries
        .iter()
        .filter(|e| e.invoice_id.is_none())
        .map(|e| e.amount.cents())
        .sum();
    prop_assert_eq!(received, t.received.cents());
    prop_assert_eq!(t.received.cents(), t.paid_total.cents() + t.credit.cents());
    // Per invoice: paid + open = owed, tranches add up to the principal.
    let mut principal_open = 0;
    for invoice in &view.invoices {
        prop_assert_eq!(
            invoice.principal_paid.cents()
                + invoice.principal_open.cents()
                + invoice.principal_written_off.cents(),
            invoice.principal.cents()
        );
        prop_assert_eq!(
            invoice.interest_paid.cents()
                + invoice.interest_open.cents()
                + invoice.interest_written_off.cents(),
            invoice.interest.cents()
        );
        prop_assert!(!invoice.principal_paid.is_negative() && !invoice.interest_paid.is_negative());
        prop_assert!(!invoice.interest.is_negative() && !invoice.interest_open.is_negative());
        let tranches: i64 = invoice.tranches.iter().map(|t| t.amount.cents()).sum();
        prop_assert_eq!(tranches, invoice.principal.cents());
        let open_tranche: i64 = invoice
            .tranches
            .iter()
            .filter(|t| t.paid_on.is_none())
            .map(|t| t.amount.cents())
            .sum();
        prop_assert_eq!(open_tranche, invoice.principal_open.cents());
        if !invoice.accrues {
            prop_assert_eq!(invoice.interest, Money::ZERO);
        }
        principal_open += invoice.principal_open.cents();
    }
    prop_assert_eq!(principal_open, t.open.principal.cents());
    check_costs(view)?;
    Ok(())
}

/// The collection costs, recomputed from the view's own figures: the base is the principal
/// of each invoice a valid letter covers whose term ended (or, for a business, every invoice
/// in default), less what was paid on it within that term and what was written off; the WIK
/// item owes the scale on it (or less, when a letter announced less), plus only what was
/// already paid beyond that.
fn check_costs(view: &ClaimView) -> Result<(), TestCaseError> {
    let basis = &view.cost_basis;
    let mut base = 0i64;
    for invoice in &view.invoices {
        let part = basis
            .invoices
            .iter()
            .find(|p| p.invoice_id == invoice.id)
            .expect("every invoice has a cost status");
        let counted_until = match part.status {
            InvoiceCostStatus::Counted { letter } => {
                let l = &basis.letters[letter];
                prop_assert!(l.term_ended);
                prop_assert!(l.term.sent_on > invoice.due_date);
                Some(l.term.last_day_to_pay)
            }
            InvoiceCostStatus::Business { from } if from <= view.as_of => None,
            _ => {
                prop_assert_eq!(part.base, Money::ZERO);
                continue;
            }
        };
        let paid_in_term: i64 = invoice
            .tranches
            .iter()
            .filter(|t| !t.written_off)
            .filter(|t| matches!((t.paid_on, counted_until), (Some(d), Some(u)) if d <= u))
            .map(|t| t.amount.cents())
            .sum();
        let expected =
            (invoice.principal.cents() - invoice.principal_written_off.cents() - paid_in_term)
                .max(0);
        prop_assert_eq!(part.base.cents(), expected);
        base += expected;
    }
    prop_assert_eq!(basis.base.cents(), base);
    let scale = if base > 0 {
        wik_costs(
            Money::from_cents(base),
            domain::VatTreatment::CreditorDeductsVat,
        )
        .unwrap()
        .total()
        .cents()
    } else {
        0
    };
    let wik = view
        .costs
        .iter()
        .find(|c| c.item == ItemRef::Wik)
        .map_or(0, |c| c.amount.cents());
    let wik_view = view.costs.iter().find(|c| c.item == ItemRef::Wik);
    let surplus = wik_view
        .and_then(|c| c.wik.as_ref())
        .map_or(0, |w| w.paid_surplus.cents());
    // Above the scale only by what was already paid on the costs (kept, never re-opened).
    prop_assert!(
        wik - surplus <= scale,
        "costs {} above the scale {}",
        wik,
        scale
    );
    if surplus > 0 {
        prop_assert_eq!(wik_view.map(|c| c.open), Some(Money::ZERO));
    }
    if wik > 0 {
        prop_assert!(
            wik_view.is_some_and(|c| c.wik.is_some()),
            "the costs are explained"
        );
    }
    Ok(())
}

fn negate(parts: PerKind) -> PerKind {
    PerKind {
        costs: Money::from_cents(-parts.costs.cents()),
        interest: Money::from_cents(-parts.interest.cents()),
        principal: Money::from_cents(-parts.principal.cents()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn open_plus_paid_is_owed_and_nothing_is_lost(case in case()) {
        let mut input = input(&case);
        let mut today = day(150);
        let mut reversed = Vec::new();
        let mut received = 0i64;
        for (gap, event) in &case.events {
            today = today + Days::new(*gap);
            let before = build_claim(&input, today).unwrap();
            check(&before)?;
            let id = LedgerEntryId::new(input.entries.len() as i64 + 1);
            match event {
                Event::Pay(cents) => {
                    let amount = Money::from_cents(*cents);
                    let a = allocate_payment(&before, amount).unwrap();
                    // Every cent is allocated or reported as overpayment.
                    prop_assert_eq!(
                        a.parts.checked_total().unwrap().cents() + a.overpayment.cents(),
                        *cents
                    );
                    prop_assert_eq!(
                        a.overpayment.cents(),
                        (*cents - before.open_total().cents()).max(0)
                    );
                    input.entries.push(EntryView {
                        id,
                        date: today,
                        kind: EntryKind::Payment,
                        amount,
                        allocation: a.parts,
                        unallocated: a.overpayment,
                        payment_reference: None,
                        invoice_id: None,
                        chosen_invoice: None,
                    });
                    received += cents;
                    // Booking the payment lowers that day's balance by exactly what it paid
                    // off: a payment changes the base only from the next day.
                    let after = build_claim(&input, today).unwrap();
                    check(&after)?;
                    prop_assert_eq!(after.totals.owed, before.totals.owed);
                    prop_assert_eq!(after.open_total(), a.open_after);
                    prop_assert_eq!(
                        after.totals.credit.cents(),
                        before.totals.credit.cents() + a.overpayment.cents()
                    );
                }
                Event::PayInvoice(n, cents) => {
                    let chosen = &before.invoices[n % before.invoices.len()];
                    let amount = Money::from_cents(*cents);
                    let a = allocate_payment_for(&before, Some(chosen.id), amount).unwrap();
                    prop_assert_eq!(
                        a.parts.checked_total().unwrap().cents() + a.overpayment.cents(),
                        *cents
                    );
                    input.entries.push(EntryView {
                        id,
                        date: today,
                        kind: EntryKind::Payment,
                        amount,
                        allocation: a.parts,
                        unallocated: a.overpayment,
                        payment_reference: None,
                        invoice_id: None,
                        chosen_invoice: Some(chosen.id),
                    });
                    received += cents;
                    let after = build_claim(&input, today).unwrap();
                    check(&after)?;
                    prop_assert_eq!(after.totals.owed, before.totals.owed);
                    prop_assert_eq!(after.open_total(), a.open_after);
                    // Within what the chosen invoice has open, only it (and the costs) move.
                    if amount <= chosen.open_for_payment() {
                        let paid = after.invoice(chosen.id).unwrap();
                        prop_assert_eq!(
                            paid.open_for_payment().cents(),
                            chosen.open_for_payment().cents() - cents
                        );
                        for other in before.invoices.iter().filter(|i| i.id != chosen.id) {
                            let now = after.invoice(other.id).unwrap();
                            prop_assert_eq!(now.principal_open, other.principal_open);
                            prop_assert_eq!(now.interest_open, other.interest_open);
                        }
                    }
                }
                Event::Reverse(n) => {
                    let candidates: Vec<EntryView> = input
                        .entries
                        .iter()
                        .filter(|e| e.kind == EntryKind::Payment && !reversed.contains(&e.id))
                        .cloned()
                        .collect();
                    if candidates.is_empty() {
                        continue;
                    }
                    let original = &candidates[n % candidates.len()];
                    reversed.push(original.id);
                    input.entries.push(EntryView {
                        id,
                        date: today,
                        kind: EntryKind::Refund,
                        amount: Money::from_cents(-original.amount.cents()),
                        allocation: negate(original.allocation),
                        unallocated: Money::from_cents(-original.unallocated.cents()),
                        payment_reference: None,
                        invoice_id: None,
                        chosen_invoice: None,
                    });
                    received -= original.amount.cents();
                    let after = build_claim(&input, today).unwrap();
                    check(&after)?;
                }
                Event::Hold(target) => {
                    let invoice_id =
                        target.map(|n| ClaimItemId::new((n % input.invoices.len()) as i64 + 1));
                    // A hold filed today starts tomorrow: today's interest is already owed.
                    input.pauses.push(InterestPause {
                        invoice_id,
                        from: today + Days::new(1),
                        until: None,
                    });
                    let after = build_claim(&input, today).unwrap();
                    check(&after)?;
                    prop_assert_eq!(after.totals.owed, before.totals.owed);
                    // Nothing accrues while on hold.
                    let later = build_claim(&input, today + Days::new(90)).unwrap();
                    check(&later)?;
                    for invoice in &later.invoices {
                        if invoice_id.is_none_or(|id| id == invoice.id) {
                            prop_assert!(invoice.on_hold);
                            let now = after.invoice(invoice.id).unwrap();
                            prop_assert_eq!(invoice.interest, now.interest);
                        }
                    }
                }
                Event::Release(n) => {
                    let running: Vec<usize> = input
                        .pauses
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| p.until.is_none())
                        .map(|(i, _)| i)
                        .collect();
                    if running.is_empty() {
                        continue;
                    }
                    let index = running[n % running.len()];
                    input.pauses[index].until = Some(today);
                    let after = build_claim(&input, today).unwrap();
                    check(&after)?;
                    prop_assert_eq!(after.totals.owed, before.totals.owed);
                }
                Event::WriteOff(n) => {
                    let invoice = &before.invoices[n % before.invoices.len()];
                    let parts = PerKind {
                        costs: Money::ZERO,
                        interest: invoice.interest_open,
                        principal: invoice.principal_open,
                    };
                    if parts.checked_total().unwrap().is_zero() {
                        continue;
                    }
                    input.entries.push(EntryView {
                        id,
                        date: today,
                        kind: EntryKind::Adjustment,
                        amount: parts.checked_total().unwrap(),
                        allocation: parts,
                        unallocated: Money::ZERO,
                        payment_reference: None,
                        invoice_id: Some(invoice.id),
                        chosen_invoice: None,
                    });
                    let after = build_claim(&input, today).unwrap();
                    check(&after)?;
                    // The balance falls by what was open on the invoice and by what the
                    // collection costs fall with their base (they never rise); nothing else
                    // moves.
                    let costs_fall = before.totals.owed.costs.cents() - after.totals.owed.costs.cents();
                    prop_assert!(costs_fall >= 0);
                    prop_assert_eq!(
                        after.open_total().cents(),
                        before.open_total().cents() - parts.checked_total().unwrap().cents() - costs_fall
                    );
                    prop_assert_eq!(after.totals.paid, before.totals.paid);
                    let written = after.invoice(invoice.id).unwrap();
                    prop_assert_eq!(written.principal_open, Money::ZERO);
                    prop_assert_eq!(written.interest_open, Money::ZERO);
                    // It earns nothing more: unless a reversal re-opened principal on an
                    // invoice written off earlier (its interest then grows again and, being
                    // attributed first, can take interest paid away from this one).
                    let later = build_claim(&input, today + Days::new(200)).unwrap();
                    check(&later)?;
                    let reopened = after.invoices.iter().any(|i| {
                        !i.principal_written_off.is_zero() && i.principal_open.is_positive()
                    });
                    if !reopened {
                        prop_assert_eq!(
                            later.invoice(invoice.id).unwrap().interest_open,
                            Money::ZERO
                        );
                    }
                }
            }
        }
        // Long after: still consistent, and the money adds up.
        let end = build_claim(&input, today + Days::new(400)).unwrap();
        check(&end)?;
        prop_assert_eq!(end.totals.received.cents(), received);
        // With everything reversed, everything is open again.
        if input.entries.iter().all(|e| e.kind != EntryKind::Payment || reversed.contains(&e.id)) {
            prop_assert_eq!(end.totals.paid, PerKind::default());
            prop_assert_eq!(end.totals.credit, Money::ZERO);
            prop_assert_eq!(end.open_total(), end.totals.owed_total);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn holds_never_raise_interest_and_a_hold_on_everything_leaves_none(
        case in case(),
        holds in prop::collection::vec((prop::option::of(0usize..4), 0u64..800, prop::option::of(0u64..300)), 0..4),
        as_of in 0u64..1_200,
    ) {
        let plain = input(&case);
        let mut held = plain.clone();
        held.pauses = holds
            .iter()
            .map(|&(target, from, len)| InterestPause {
                invoice_id: target.map(|n| ClaimItemId::new((n % plain.invoices.len()) as i64 + 1)),
                from: day(from),
                until: len.map(|l| day(from + l)),
            })
            .collect();
        let as_of = day(as_of);
        let a = build_claim(&plain, as_of).unwrap();
        let b = build_claim(&held, as_of).unwrap();
        check(&b)?;
        for (x, y) in a.invoices.iter().zip(&b.invoices) {
            prop_assert!(y.interest <= x.interest);
        }
        // No holds: exactly the claim without them.
        let none = build_claim(&ClaimInput { pauses: Vec::new(), ..held.clone() }, as_of).unwrap();
        prop_assert_eq!(&none, &a);
        // A hold on the whole dossier from the start: no interest at all.
        let mut all = plain.clone();
        all.pauses = vec![InterestPause { invoice_id: None, from: day(0), until: None }];
        let c = build_claim(&all, as_of).unwrap();
        check(&c)?;
        prop_assert_eq!(c.totals.owed.interest, Money::ZERO);
        prop_assert!(c.dossier_on_hold);
    }
}

/// The interest of one invoice as the claim computed it before paid interest stopped
/// compounding (issue 18): each principal part paid off on day dⱼ earned compound interest
/// from the due date to dⱼ on its own, what is open to `as_of`, with the rounding of each
/// split carried. Written as the sum it telescopes to: with R₀ the principal and Rⱼ what was
/// open after the j-th part, I(R₀, d₁) + Σⱼ [I(Rⱼ, dⱼ₊₁) − I(Rⱼ, dⱼ)] with dₘ₊₁ = `as_of`,
/// where I(x, d) is the interest on x from the due date to d compounding all of it.
fn tranche_interest(input: &ClaimInput, view: &ClaimView, invoice: &claim::InvoiceView) -> i64 {
    let pauses: Vec<domain::Pause> = input
        .pauses
        .iter()
        .filter(|p| p.invoice_id.is_none_or(|id| id == invoice.id))
        .filter_map(|p| domain::Pause::new(p.from, p.until.unwrap_or(view.as_of).min(view.as_of)))
        .collect();
    let interest = |amount: i64, until: NaiveDate| {
        domain::statutory_interest_paused(
            input.interest_rule.domain(),
            Money::from_cents(amount),
            invoice.due_date,
            until,
            &pauses,
        )
        .unwrap()
        .total()
        .cents()
    };
    let mut open = invoice.principal.cents();
    let mut total = 0;
    let mut since: Option<NaiveDate> = None;
    for tranche in invoice.tranches.iter().filter(|t| t.paid_on.is_some()) {
        let day = tranche.until;
        total += interest(open, day) - since.map_or(0, |s| interest(open, s));
        open -= tranche.amount.cents();
        since = Some(day);
    }
    total + interest(open, view.as_of) - since.map_or(0, |s| interest(open, s))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Art. 6:119 lid 2 BW adds only interest still owed to the base: paid interest no longer
    /// compounds, so the interest never exceeds the old computation, and is the same where
    /// no interest was paid before an anniversary (nor interest already added to the base).
    #[test]
    fn paid_interest_does_not_compound(
        case in case(),
        payments in prop::collection::vec((0u64..500, 0i64..300_000), 1..6),
        as_of in 0u64..1_500,
    ) {
        let mut input = input(&case);
        let mut today = day(100);
        for (i, &(gap, cents)) in payments.iter().enumerate() {
            today = today + Days::new(gap);
            let view = build_claim(&input, today).unwrap();
            let a = allocate_payment(&view, Money::from_cents(cents)).unwrap();
            input.entries.push(EntryView {
                id: LedgerEntryId::new(i as i64 + 1),
                date: today,
                kind: EntryKind::Payment,
                amount: Money::from_cents(cents),
                allocation: a.parts,
                unallocated: a.overpayment,
                payment_reference: None,
                invoice_id: None,
                chosen_invoice: None,
            });
        }
        let as_of = today + Days::new(as_of);
        let view = build_claim(&input, as_of).unwrap();
        check(&view)?;
        for invoice in &view.invoices {
            let Some(d) = invoice.derivation.as_ref() else { continue };
            let old = tranche_interest(&input, &view, invoice);
            prop_assert!(
                invoice.interest.cents() <= old,
                "{}: {} above the tranche computation {}", invoice.number, invoice.interest.cents(), old
            );
            let last_anniversary = d.years.iter().filter(|y| y.complete).map(|y| y.to).max();
            let compounded_paid = d.changes.iter().any(|c| {
                c.from_base.is_positive()
                    || (c.interest.is_positive() && last_anniversary.is_some_and(|a| c.day <= a))
            });
            if !compounded_paid {
                prop_assert_eq!(invoice.interest.cents(), old, "{}", invoice.number);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// One invoice, its interest paid (no principal) at least 90 days into its first year,
    /// the principal open for at least 90 days past the anniversary: the old computation
    /// compounded the paid interest, this one does not, so the interest is lower.
    #[test]
    fn interest_paid_before_an_anniversary_lowers_the_interest(
        commercial in any::<bool>(),
        principal in 500_000i64..5_000_000,
        due in 0u64..900,
        paid_after in 90u64..360,
        past_anniversary in 90u64..700,
    ) {
        let case = Case {
            rule: if commercial { InterestRule::Commercial } else { InterestRule::Consumer },
            invoices: vec![(due, principal, true)],
            business: false,
            letters: Vec::new(),
            other_costs: None,
            events: Vec::new(),
        };
        let mut input = input(&case);
        let due_date = input.invoices[0].due_date;
        let paid_on = due_date + Days::new(paid_after);
        let before = build_claim(&input, paid_on).unwrap();
        let interest = before.totals.open.interest;
        let a = allocate_payment(&before, interest).unwrap();
        prop_assert_eq!(a.parts.interest, interest);
        input.entries.push(EntryView {
            id: LedgerEntryId::new(1),
            date: paid_on,
            kind: EntryKind::Payment,
            amount: interest,
            allocation: a.parts,
            unallocated: Money::ZERO,
            payment_reference: None,
            invoice_id: None,
            chosen_invoice: None,
        });
        let anniversary = due_date.checked_add_months(chrono::Months::new(12)).unwrap();
        let view = build_claim(&input, anniversary + Days::new(past_anniversary)).unwrap();
        check(&view)?;
        let invoice = &view.invoices[0];
        let old = tranche_interest(&input, &view, invoice);
        prop_assert!(invoice.interest.cents() < old, "{} not below {}", invoice.interest.cents(), old);
        // The first year's paid interest is what stays out of the base.
        let year = &invoice.derivation.as_ref().unwrap().years[0];
        prop_assert_eq!(year.paid, interest);
        prop_assert_eq!(year.capitalised.cents(), year.interest.cents() - interest.cents());
    }
}
