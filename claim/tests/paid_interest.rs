//! Interest booked before paid interest stopped compounding (issue 18) may exceed what is now
//! owed: it stays paid and is reported, never re-opened and never an error.

#![allow(clippy::inconsistent_digit_grouping)]

use chrono::NaiveDate;
use claim::{
    ClaimInput, CreditorView, EntryKind, EntryView, InterestRule, InvoiceInput, build_claim,
};
use domain::{ClaimItemId, DossierId, LedgerEntryId, Money, PerKind};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn eur(cents: i64) -> Money {
    Money::from_cents(cents)
}

fn input(interest_booked: i64) -> ClaimInput {
    ClaimInput {
        dossier_id: DossierId::new("d"),
        dossier_number: "ISB-2026-000001".into(),
        creditor: CreditorView {
            name: "Creditor".into(),
            kvk: None,
            can_deduct_vat: true,
        },
        interest_rule: InterestRule::Consumer,
        invoices: vec![InvoiceInput {
            id: ClaimItemId::new(1),
            number: "A".into(),
            invoice_date: date(2025, 1, 31),
            due_date: date(2025, 1, 31),
            principal: eur(1_000_00),
            accrues: true,
        }],
        business: false,
        letters: Vec::new(),
        charges: Vec::new(),
        entries: vec![EntryView {
            id: LedgerEntryId::new(1),
            date: date(2025, 6, 30),
            kind: EntryKind::Payment,
            amount: eur(interest_booked),
            allocation: PerKind {
                costs: Money::ZERO,
                interest: eur(interest_booked),
                principal: Money::ZERO,
            },
            unallocated: Money::ZERO,
            payment_reference: None,
            invoice_id: None,
            chosen_invoice: None,
        }],
        pauses: Vec::new(),
    }
}

#[test]
fn interest_paid_beyond_what_is_owed_stays_paid_and_is_reported() {
    // Owed on 2025-06-30: 100000 × 6% × 150/365 = 2465.75 → 24.66. Booked: 30.00.
    let view = build_claim(&input(30_00), date(2025, 6, 30)).unwrap();
    assert_eq!(view.invoices[0].interest, eur(24_66));
    assert_eq!(view.invoices[0].interest_open, Money::ZERO);
    assert_eq!(view.totals.interest_paid_surplus, eur(5_34));
    assert_eq!(view.totals.interest_rounding, Money::ZERO);
    assert_eq!(view.totals.owed.interest, eur(30_00));
    assert_eq!(view.totals.open.interest, Money::ZERO);
    assert_eq!(view.open_total(), eur(1_000_00));
    // Exactly what is owed leaves nothing over.
    let exact = build_claim(&input(24_66), date(2025, 6, 30)).unwrap();
    assert_eq!(exact.totals.interest_paid_surplus, Money::ZERO);
    assert_eq!(exact.totals.owed.interest, eur(24_66));
}
