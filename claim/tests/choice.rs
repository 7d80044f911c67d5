//! Art. 6:43 BW: a payment for an invoice the debtor chose, against one without a choice.

#![allow(clippy::inconsistent_digit_grouping)]

use chrono::NaiveDate;
use claim::{
    ClaimInput, CreditorView, EntryKind, EntryView, InterestRule, InvoiceInput, ItemRef,
    allocate_payment, allocate_payment_for, build_claim,
};
use domain::{ClaimItemId, DossierId, LedgerEntryId, Money, PerKind};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn eur(cents: i64) -> Money {
    Money::from_cents(cents)
}

const A: ClaimItemId = ClaimItemId::new(1);
const B: ClaimItemId = ClaimItemId::new(2);

/// A business debtor (costs from the day after each due date, no letter needed), consumer
/// interest, a creditor that deducts VAT: A €1,000.00 due 2025-01-31, B €500.00 due 2025-03-31.
fn input() -> ClaimInput {
    let invoice = |id, number: &str, due, cents| InvoiceInput {
        id,
        number: number.into(),
        invoice_date: due,
        due_date: due,
        principal: eur(cents),
        accrues: true,
    };
    ClaimInput {
        dossier_id: DossierId::new("d"),
        dossier_number: "ISB-2026-000001".into(),
        creditor: CreditorView {
            name: "Creditor".into(),
            kvk: None,
            can_deduct_vat: true,
        },
        interest_rule: InterestRule::Consumer,
        invoices: vec![
            invoice(A, "A", date(2025, 1, 31), 1_000_00),
            invoice(B, "B", date(2025, 3, 31), 500_00),
        ],
        business: true,
        letters: Vec::new(),
        charges: Vec::new(),
        entries: Vec::new(),
        pauses: Vec::new(),
    }
}

fn paid(input: &mut ClaimInput, day: NaiveDate, parts: PerKind, chosen: Option<ClaimItemId>) {
    let amount = parts.checked_total().unwrap();
    input.entries.push(EntryView {
        id: LedgerEntryId::new(input.entries.len() as i64 + 1),
        date: day,
        kind: EntryKind::Payment,
        amount,
        allocation: parts,
        unallocated: Money::ZERO,
        payment_reference: None,
        invoice_id: None,
        chosen_invoice: chosen,
    });
}

fn parts(costs: i64, interest: i64, principal: i64) -> PerKind {
    PerKind {
        costs: eur(costs),
        interest: eur(interest),
        principal: eur(principal),
    }
}

#[test]
fn a_payment_for_one_invoice_pays_its_costs_share_interest_and_principal() {
    let mut input = input();
    let day = date(2025, 6, 30);
    let view = build_claim(&input, day).unwrap();
    // WIK on 1,500.00: 15% = 225.00 (no VAT). Shares by principal in the base:
    // A 22500 × 1000/1500 = 150.00; B, the last, the rest: 75.00.
    assert_eq!(view.totals.owed.costs, eur(225_00));
    let (a, b) = (view.invoice(A).unwrap(), view.invoice(B).unwrap());
    assert_eq!(
        (a.costs_open_share, b.costs_open_share),
        (eur(150_00), eur(75_00))
    );
    // Interest to 2025-06-30: A 100000 × 6% × 150/365 = 2465.75 → 24.66;
    // B 50000 × 6% × 91/365 = 747.95 → 7.48.
    assert_eq!((a.interest_open, b.interest_open), (eur(24_66), eur(7_48)));
    assert_eq!(b.open_for_payment(), eur(582_48)); // 75.00 + 7.48 + 500.00

    // No choice (art. 6:43 lid 2, 6:44): 100.00 all goes to the costs.
    let plain = allocate_payment(&view, eur(100_00)).unwrap();
    assert_eq!(plain.parts, parts(100_00, 0, 0));
    // The debtor's choice of B (art. 6:43 lid 1): B's costs share, B's interest, B's
    // principal: 75.00 + 7.48 + 17.52.
    let chosen = allocate_payment_for(&view, Some(B), eur(100_00)).unwrap();
    assert_eq!(chosen.parts, parts(75_00, 7_48, 17_52));
    let items: Vec<(ItemRef, i64, i64)> = chosen
        .items
        .iter()
        .map(|i| (i.item, i.amount.cents(), i.remaining.cents()))
        .collect();
    assert_eq!(
        items,
        [
            (ItemRef::Wik, 75_00, 150_00),
            (ItemRef::Interest { invoice_id: B }, 7_48, 0),
            (ItemRef::Principal { invoice_id: B }, 17_52, 482_48),
        ]
    );
    assert_eq!(
        chosen.open_after.cents(),
        view.open_total().cents() - 100_00
    );

    // Booked: B's principal is lower, A is untouched, and the rest of the costs is A's share.
    paid(&mut input, day, chosen.parts, Some(B));
    let after = build_claim(&input, day).unwrap();
    let (a, b) = (after.invoice(A).unwrap(), after.invoice(B).unwrap());
    assert_eq!(b.principal_open, eur(482_48));
    assert_eq!(
        (b.interest_open, b.costs_open_share),
        (Money::ZERO, Money::ZERO)
    );
    assert_eq!(a.principal_open, eur(1_000_00));
    assert_eq!(
        (a.interest_open, a.costs_open_share),
        (eur(24_66), eur(150_00))
    );
    assert_eq!(after.open_total(), chosen.open_after);
    assert_eq!(after.entries[0].chosen_invoice, Some(B));
    // From the next day B earns interest on 482.48: its base changed on 2025-06-30.
    let later = build_claim(&input, date(2025, 12, 31)).unwrap();
    let change = later
        .invoice(B)
        .unwrap()
        .derivation
        .as_ref()
        .unwrap()
        .changes[0];
    assert_eq!(
        (change.day, change.principal, change.base_after),
        (day, eur(17_52), eur(482_48))
    );
    // The same payment without a choice would have paid A's interest and no principal.
    let mut plain_input = self::input();
    paid(&mut plain_input, day, plain.parts, None);
    let plain_after = build_claim(&plain_input, day).unwrap();
    assert_eq!(plain_after.invoice(B).unwrap().principal_open, eur(500_00));
}

#[test]
fn paying_more_than_the_chosen_invoice_has_open_pays_the_rest_without_a_choice() {
    let view = build_claim(&input(), date(2025, 6, 30)).unwrap();
    // B has 582.48 open; 700.00 leaves 117.52 for the rest: the costs still open (A's share
    // 150.00) first, by art. 6:44 BW.
    let a = allocate_payment_for(&view, Some(B), eur(700_00)).unwrap();
    assert_eq!(a.parts, parts(192_52, 7_48, 500_00));
    assert_eq!(a.overpayment, Money::ZERO);
    // An unknown invoice is refused.
    assert!(allocate_payment_for(&view, Some(ClaimItemId::new(9)), eur(1_00)).is_err());
    // No choice is the plain rule.
    assert_eq!(
        allocate_payment_for(&view, None, eur(700_00)).unwrap(),
        allocate_payment(&view, eur(700_00)).unwrap()
    );
}
