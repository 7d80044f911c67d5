//! The claim on a real store: every test runs on a fresh SQLite file and, with
//! `TEST_DATABASE_URL` set, on a fresh PostgreSQL database (`store::testing`).
//!
//! The fixture: a consumer creditor that cannot deduct VAT, a person as debtor, three invoices
//! and the WIK charge. Consumer rates (art. 6:119 BW): 7% in 2024, 6% in 2025, 4% from 2026.
//!
//! | invoice | due        | principal |
//! |---------|------------|-----------|
//! | F-001   | 2024-10-31 | 1,000.00  |
//! | F-002   | 2024-12-31 |   500.00  |
//! | F-003   | 2025-07-01 |   250.00  |
//!
//! WIK on 1,750.00: 15% = 262.50, plus 21% VAT 55.125 → 55.13 (half up) = 317.63.

#![allow(
    clippy::inconsistent_digit_grouping,
    clippy::mistyped_literal_suffixes,
    reason = "amounts are written as euros_cents: 1_000_00 is € 1.000,00, and 77_64 is \
              € 77,64, not a mistyped `i64` suffix"
)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use claim::{
    ClaimError, ClaimView, EntryKind, InterestRule, ItemRef, allocate_payment, load_claim,
};
use domain::{ClaimItemId, CreditorId, DossierId, ItemKind, Money, PerKind};
use store::{
    BookPayment, Booked, ChargeKind, DebtorDetails, DebtorKind, DossierImport, DossierStatus,
    InterestKind, LedgerKind, NewCharge, NewClaimItem, NewCostLetter, NewCreditor, NewDossier,
    NewLedgerEntry, NewPayment, PaymentPurpose, PaymentStatus, Store,
};

store::backend_tests!(
    interest_runs_across_a_rate_change_and_a_year_boundary,
    a_partial_payment_pays_costs_then_interest_then_principal_and_stops_interest_on_what_it_paid,
    a_chargeback_reverses_the_payment_and_reopens_the_balance,
    an_overpayment_is_reported_and_kept_as_credit,
    entries_after_the_day_of_the_view_are_left_out,
    commercial_interest_only_for_a_business_debtor,
    a_recorded_interest_charge_is_listed_but_not_counted_twice,
    an_unknown_dossier_is_not_found,
);

// ---------------------------------------------------------------------------------------------
// Fixtures

const NUMBER: &str = "ISB-2026-000101";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Noon UTC: the same calendar day in the Netherlands.
fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

fn eur(cents: i64) -> Money {
    Money::from_cents(cents)
}

fn parts(costs: i64, interest: i64, principal: i64) -> PerKind {
    PerKind {
        costs: eur(costs),
        interest: eur(interest),
        principal: eur(principal),
    }
}

fn invoice(number: &str, invoice_date: NaiveDate, due: NaiveDate, cents: i64) -> NewClaimItem {
    NewClaimItem {
        invoice_number: number.into(),
        invoice_date,
        due_date: due,
        principal: eur(cents),
    }
}

/// The creditor, the dossier with its three invoices and the WIK charge; returns the dossier id.
async fn seed(store: &Store, interest: InterestKind, debtor: DebtorKind) -> DossierId {
    let now = at(2025, 3, 1);
    store
        .upsert_creditor(
            &NewCreditor {
                id: CreditorId::new("zorg"),
                name: "Stichting Thuiszorg Zeeland".into(),
                kvk: Some("41234567".into()),
                contact_email: None,
                contact_phone: None,
                can_deduct_vat: false,
                interest_kind: interest,
            },
            now,
        )
        .await
        .unwrap();
    let dossier = store
        .import_dossier(
            &DossierImport {
                dossier: NewDossier {
                    number: NUMBER.into(),
                    creditor_id: CreditorId::new("zorg"),
                    status: DossierStatus::Open,
                },
                debtor: DebtorDetails::named(debtor, "P. de Vries"),
                claim_items: vec![
                    // Deliberately not in due-date order.
                    invoice("F-003", date(2025, 6, 1), date(2025, 7, 1), 250_00),
                    invoice("F-001", date(2024, 10, 1), date(2024, 10, 31), 1_000_00),
                    invoice("F-002", date(2024, 12, 1), date(2024, 12, 31), 500_00),
                ],
            },
            now,
        )
        .await
        .unwrap()
        .into_inner();
    // The 14-day letter, sent after the last invoice fell due: the collection costs (15% of
    // €1,750.00 = €262.50 + 21% VAT €55.13 = €317.63) are owed from 2025-07-27.
    let invoice_ids = store
        .claim_items(&dossier.id)
        .await
        .unwrap()
        .into_iter()
        .map(|item| item.id)
        .collect();
    store
        .record_cost_letter(
            &dossier.id,
            &NewCostLetter {
                sent_on: date(2025, 7, 10),
                invoice_ids,
                costs_announced: Some(eur(317_63)),
            },
            now,
        )
        .await
        .unwrap();
    dossier.id
}

async fn consumer_dossier(store: &Store) -> DossierId {
    seed(store, InterestKind::Consumer, DebtorKind::Person).await
}

fn invoice_id(view: &ClaimView, number: &str) -> ClaimItemId {
    view.invoices
        .iter()
        .find(|i| i.number == number)
        .unwrap()
        .id
}

fn interest_of(view: &ClaimView, number: &str) -> i64 {
    view.invoices
        .iter()
        .find(|i| i.number == number)
        .unwrap()
        .interest
        .cents()
}

/// Pays `cents` on `day` the way the payment flow does: a payment row, the allocation against
/// the view of that day, booked with the Pay.nl status in one transaction.
async fn pay(store: &Store, dossier_id: &DossierId, key: &str, cents: i64, day: DateTime<Utc>) {
    let view = load_claim(store, dossier_id, claim::dutch_date(day))
        .await
        .unwrap();
    let allocation = allocate_payment(&view, eur(cents)).unwrap();
    let payment = store
        .create_payment(
            &NewPayment {
                dossier_id: dossier_id.clone(),
                intent_key: key.into(),
                amount: eur(cents),
                purpose: PaymentPurpose::Partial,
                plan_instalment_id: None,
                claim_item_id: None,
            },
            day,
        )
        .await
        .unwrap()
        .into_inner();
    let outcome = store
        .book_payment(&BookPayment {
            payment_id: payment.id.clone(),
            status: PaymentStatus::Paid,
            entry: Some(allocation.ledger_entry(
                format!("paynl order {key} PAID"),
                Some(payment.id),
                format!("paynl:{key}:paid"),
                day,
            )),
            mails: Vec::new(),
            now: day,
        })
        .await
        .unwrap();
    assert_eq!(outcome.ledger, Some(Booked::Inserted));
}

/// Invariants every view keeps.
fn assert_consistent(view: &ClaimView) {
    let t = &view.totals;
    for kind in ItemKind::ALL {
        let (owed, paid, open) = (t.owed.get(kind), t.paid.get(kind), t.open.get(kind));
        assert_eq!(open.cents() + paid.cents(), owed.cents(), "{kind:?}");
        assert!(!open.is_negative() && !paid.is_negative(), "{kind:?}");
    }
    let items: i64 = view.open_items.iter().map(|i| i.open.cents()).sum();
    assert_eq!(items, t.open_total.cents());
    let received: i64 = view.entries.iter().map(|e| e.amount.cents()).sum();
    assert_eq!(received, t.received.cents());
}

// ---------------------------------------------------------------------------------------------
// Tests

async fn interest_runs_across_a_rate_change_and_a_year_boundary(store: Store) {
    let id = consumer_dossier(&store).await;
    let view = load_claim(&store, &id, date(2026, 2, 15)).await.unwrap();
    assert_consistent(&view);
    assert_eq!(view.dossier_number, NUMBER);
    assert_eq!(view.creditor.name, "Stichting Thuiszorg Zeeland");
    assert_eq!(view.interest_rule, InterestRule::Consumer);
    // Payment order: due date, whatever the import order.
    let numbers: Vec<&str> = view.invoices.iter().map(|i| i.number.as_str()).collect();
    assert_eq!(numbers, ["F-001", "F-002", "F-003"]);

    // F-001, 1,000.00 due 2024-10-31, to 2026-02-15; line = base × rate × days / year days.
    // Year 1 (2024-11-01..2025-10-31), base 1,000.00:
    //   2024-11-01..2024-12-31  61 d 7% /366: 100000×700×61/3660000  = 1166.67 → 11.67
    //   2025-01-01..2025-10-31 304 d 6% /365: 100000×600×304/3650000 = 4997.26 → 49.97
    //   year 1 = 61.64, complete, so year 2's base is 1,061.64
    // Year 2 (2025-11-01..2026-02-15), base 1,061.64:
    //   2025-11-01..2025-12-31  61 d 6% /365: 106164×600×61/3650000  = 1064.55 → 10.65
    //   2026-01-01..2026-02-15  46 d 4% /365: 106164×400×46/3650000  =  535.18 →  5.35
    //   year 2 = 16.00, unfinished
    // F-001 = 77.64
    let f001 = &view.invoices[0];
    assert_eq!(f001.tranches.len(), 1);
    let tranche = &f001.tranches[0];
    assert_eq!((tranche.paid_on, tranche.until), (None, date(2026, 2, 15)));
    let derivation = f001.derivation.as_ref().unwrap();
    let years: Vec<(u32, bool, i64, i64)> = derivation
        .years
        .iter()
        .map(|y| (y.number, y.complete, y.base.cents(), y.interest.cents()))
        .collect();
    assert_eq!(
        years,
        [(1, true, 1_000_00, 61_64), (2, false, 1_061_64, 16_00)]
    );
    let lines: Vec<(NaiveDate, NaiveDate, u32, u32, u32, i64)> = derivation
        .years
        .iter()
        .flat_map(|y| &y.lines)
        .map(|l| {
            (
                l.from,
                l.to,
                l.days,
                l.rate_bp,
                l.year_days,
                l.interest.cents(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (date(2024, 11, 1), date(2024, 12, 31), 61, 700, 366, 11_67),
            (date(2025, 1, 1), date(2025, 10, 31), 304, 600, 365, 49_97),
            (date(2025, 11, 1), date(2025, 12, 31), 61, 600, 365, 10_65),
            (date(2026, 1, 1), date(2026, 2, 15), 46, 400, 365, 5_35),
        ]
    );
    assert_eq!(interest_of(&view, "F-001"), 77_64);
    // F-002, 500.00 due 2024-12-31:
    //   year 1 2025-01-01..2025-12-31 365 d 6%: 50000×600×365/3650000 = 30.00 → base 530.00
    //   year 2 2026-01-01..2026-02-15  46 d 4%: 53000×400×46/3650000  = 267.18 → 2.67
    // F-002 = 32.67
    assert_eq!(interest_of(&view, "F-002"), 32_67);
    // F-003, 250.00 due 2025-07-01 (year 1 runs to 2026-07-01):
    //   2025-07-02..2025-12-31 183 d 6%: 25000×600×183/3650000 = 752.05 → 7.52
    //   2026-01-01..2026-02-15  46 d 4%: 25000×400×46/3650000  = 126.03 → 1.26
    // F-003 = 8.78
    assert_eq!(interest_of(&view, "F-003"), 8_78);

    // Costs: the stored WIK charge, explained by the scale with VAT (the creditor cannot
    // deduct it).
    assert_eq!(view.costs.len(), 1);
    let wik = &view.costs[0];
    assert_eq!(wik.item, ItemRef::Wik);
    assert_eq!(wik.amount, eur(317_63));
    let scale = wik.wik.as_ref().unwrap();
    assert_eq!(scale.principal, eur(1_750_00));
    assert_eq!(scale.lines.len(), 1);
    assert_eq!(
        (scale.lines[0].rate_bp, scale.lines[0].cost),
        (1500, eur(262_50))
    );
    assert_eq!((scale.vat_rate_bp, scale.vat), (2100, eur(55_13)));
    assert_eq!(scale.capped_to, None);

    // Interest 77.64 + 32.67 + 8.78 = 119.09; open 317.63 + 119.09 + 1,750.00 = 2,186.72.
    assert_eq!(view.totals.owed, parts(317_63, 119_09, 1_750_00));
    assert_eq!(view.totals.paid, PerKind::default());
    assert_eq!(view.open_total(), eur(2_186_72));
    assert!(view.entries.is_empty());

    // Before F-003 is due it earns nothing; F-001's first year is not complete yet.
    let early = load_claim(&store, &id, date(2025, 7, 1)).await.unwrap();
    assert_eq!(interest_of(&early, "F-003"), 0);
    assert!(!early.invoices[0].derivation.as_ref().unwrap().years[0].complete);

    // The view reaches the browser as JSON unchanged.
    let json = serde_json::to_string(&view).unwrap();
    let back: ClaimView = serde_json::from_str(&json).unwrap();
    assert_eq!(back, view);
}

async fn a_partial_payment_pays_costs_then_interest_then_principal_and_stops_interest_on_what_it_paid(
    store: Store,
) {
    let id = consumer_dossier(&store).await;

    // On 2025-08-01, interest so far:
    //   F-001: 11.67 (2024) + 2025-01-01..08-01 213 d 6%: 100000×600×213/3650000 = 35.01 → 46.68
    //   F-002: 213 d 6%: 50000×600×213/3650000 = 17.51
    //   F-003: 2025-07-02..08-01 31 d 6%: 25000×600×31/3650000 = 1.27
    //   total 65.46; open 317.63 + 65.46 + 1,750.00 = 2,133.09
    let before = load_claim(&store, &id, date(2025, 8, 1)).await.unwrap();
    assert_eq!(before.totals.open, parts(317_63, 65_46, 1_750_00));
    assert_eq!(before.open_total(), eur(2_133_09));

    // 700.00: costs 317.63, interest 46.68 + 17.51 + 1.27, principal F-001 with the rest:
    // 700.00 − 317.63 − 65.46 = 316.91.
    let allocation = allocate_payment(&before, eur(700_00)).unwrap();
    assert_eq!(allocation.parts, parts(317_63, 65_46, 316_91));
    assert_eq!(allocation.overpayment, Money::ZERO);
    assert_eq!(allocation.open_after, eur(1_433_09)); // 2,133.09 − 700.00
    let f001 = invoice_id(&before, "F-001");
    let order: Vec<(ItemRef, i64)> = allocation
        .items
        .iter()
        .map(|i| (i.item, i.amount.cents()))
        .collect();
    assert_eq!(
        order,
        [
            (ItemRef::Wik, 317_63),
            (ItemRef::Interest { invoice_id: f001 }, 46_68),
            (
                ItemRef::Interest {
                    invoice_id: invoice_id(&before, "F-002")
                },
                17_51
            ),
            (
                ItemRef::Interest {
                    invoice_id: invoice_id(&before, "F-003")
                },
                1_27
            ),
            (ItemRef::Principal { invoice_id: f001 }, 316_91),
        ]
    );
    assert_eq!(allocation.items[4].remaining, eur(683_09));

    pay(&store, &id, "ORD-1", 700_00, at(2025, 8, 1)).await;

    // The same day: everything it paid is off the balance.
    let same_day = load_claim(&store, &id, date(2025, 8, 1)).await.unwrap();
    assert_consistent(&same_day);
    assert_eq!(same_day.totals.paid, parts(317_63, 65_46, 316_91));
    assert_eq!(same_day.open_total(), eur(1_433_09));
    // Splitting F-001 into 316.91 paid and 683.09 open left that day's interest at 65.46.
    assert_eq!(same_day.totals.owed.interest, eur(65_46));
    assert_eq!(same_day.entries.len(), 1);
    assert_eq!(same_day.entries[0].kind, EntryKind::Payment);
    assert!(same_day.entries[0].payment_reference.is_some());

    // On 2026-02-15 (art. 6:119 lid 2 BW: only interest still owed at an anniversary is
    // added to the base; the 65.46 paid on 2025-08-01 is not):
    // F-001, year 1 (2024-11-01..2025-10-31):
    //   2024-11-01..12-31  61 d 7%/366 on 1,000.00: 100000×700×61/3660000 = 1166.67 → 11.67
    //   2025-01-01..08-01 213 d 6%/365 on 1,000.00: 100000×600×213/3650000 = 3501.37 → 35.01
    //   paid 2025-08-01: 46.68 interest (all owed), 316.91 principal → base 683.09 from 08-02
    //   2025-08-02..10-31  91 d on 683.09, on the running count of the 2025 stretch:
    //     68309×600×304/3650000 = 3413.58 → 34.14, less 68309×600×213/3650000 = 2391.75
    //     → 23.92: 10.22
    //   year 1 = 11.67 + 35.01 + 10.22 = 56.90, of which 46.68 paid: 10.22 added → 693.31
    // F-001, year 2:
    //   2025-11-01..12-31  61 d 6%: 69331×600×61/3650000 = 695.21 → 6.95
    //   2026-01-01..02-15  46 d 4%: 69331×400×46/3650000 = 349.50 → 3.50   year 2 = 10.45
    //   F-001 = 56.90 + 10.45 = 67.35 (the year-2 base was 725.20 when paid interest
    //   compounded too, giving 67.83; 77.64 had nothing been paid)
    // F-002, 500.00 due 2024-12-31: 17.51 of interest paid 2025-08-01, principal untouched,
    //   so the base stays 500.00 all year: 50000×600×365/3650000 = 30.00, of which 17.51 paid:
    //   12.49 added → 512.49; 2026: 51249×400×46/3650000 = 258.35 → 2.58. F-002 = 32.58
    //   (32.67 if the paid 17.51 compounded).
    // F-003 has no anniversary before 2026-07-01: 8.78 as before.
    let later = load_claim(&store, &id, date(2026, 2, 15)).await.unwrap();
    assert_consistent(&later);
    let f001_view = later.invoice(f001).unwrap();
    let tranches: Vec<(i64, Option<NaiveDate>, NaiveDate)> = f001_view
        .tranches
        .iter()
        .map(|t| (t.amount.cents(), t.paid_on, t.until))
        .collect();
    assert_eq!(
        tranches,
        [
            (316_91, Some(date(2025, 8, 1)), date(2025, 8, 1)),
            (683_09, None, date(2026, 2, 15)),
        ]
    );
    let derivation = f001_view.derivation.as_ref().unwrap();
    let lines: Vec<(NaiveDate, NaiveDate, i64, i64)> = derivation
        .years
        .iter()
        .flat_map(|y| &y.lines)
        .map(|l| (l.from, l.to, l.base.cents(), l.interest.cents()))
        .collect();
    assert_eq!(
        lines,
        [
            (date(2024, 11, 1), date(2024, 12, 31), 1_000_00, 11_67),
            (date(2025, 1, 1), date(2025, 8, 1), 1_000_00, 35_01),
            (date(2025, 8, 2), date(2025, 10, 31), 683_09, 10_22),
            (date(2025, 11, 1), date(2025, 12, 31), 693_31, 6_95),
            (date(2026, 1, 1), date(2026, 2, 15), 693_31, 3_50),
        ]
    );
    let years: Vec<(i64, i64, i64)> = derivation
        .years
        .iter()
        .map(|y| (y.interest.cents(), y.paid.cents(), y.capitalised.cents()))
        .collect();
    assert_eq!(years, [(56_90, 46_68, 10_22), (10_45, 0, 0)]);
    assert_eq!(derivation.changes.len(), 1);
    assert_eq!(
        (
            derivation.changes[0].day,
            derivation.changes[0].interest,
            derivation.changes[0].principal,
            derivation.changes[0].base_after
        ),
        (date(2025, 8, 1), eur(46_68), eur(316_91), eur(683_09))
    );
    assert_eq!(f001_view.interest, eur(67_35));
    assert_eq!(
        (f001_view.principal_paid, f001_view.principal_open),
        (eur(316_91), eur(683_09))
    );
    assert_eq!(interest_of(&later, "F-002"), 32_58);
    assert_eq!(interest_of(&later, "F-003"), 8_78);
    // Interest owed 67.35 + 32.58 + 8.78 = 108.71, paid 65.46, open 43.25.
    assert_eq!(later.totals.owed, parts(317_63, 108_71, 1_750_00));
    assert_eq!(later.totals.paid, parts(317_63, 65_46, 316_91));
    assert_eq!(later.totals.open, parts(0, 43_25, 1_433_09));
    assert_eq!(later.open_total(), eur(1_476_34));
    assert_eq!(later.totals.interest_rounding, Money::ZERO);
    assert_eq!(later.costs[0].open, Money::ZERO);
}

async fn a_chargeback_reverses_the_payment_and_reopens_the_balance(store: Store) {
    let id = consumer_dossier(&store).await;
    pay(&store, &id, "ORD-1", 700_00, at(2025, 8, 1)).await;
    let payment = store.payments_for_dossier(&id).await.unwrap().remove(0);
    let original = store.ledger_entries(&id).await.unwrap().remove(0);

    // The whole payment back, every part negated (as `booking` books a full chargeback).
    let neg = |m: Money| m.checked_neg().unwrap();
    let chargeback = NewLedgerEntry {
        dossier_id: original.dossier_id.clone(),
        kind: LedgerKind::Chargeback,
        amount: neg(original.amount),
        alloc_costs: neg(original.alloc_costs),
        alloc_interest: neg(original.alloc_interest),
        alloc_principal: neg(original.alloc_principal),
        alloc_unallocated: neg(original.alloc_unallocated),
        source: "paynl order ORD-1 CHARGEBACK".into(),
        payment_id: original.payment_id.clone(),
        idempotency_key: "paynl:ORD-1:chargeback".into(),
        created_at: at(2025, 9, 15),
    };
    let outcome = store
        .book_payment(&BookPayment {
            payment_id: payment.id,
            status: PaymentStatus::Chargeback,
            entry: Some(chargeback),
            mails: Vec::new(),
            now: at(2025, 9, 15),
        })
        .await
        .unwrap();
    assert_eq!(outcome.ledger, Some(Booked::Inserted));

    // As if never paid: the same figures as without any payment (2,186.72), and F-001 is one
    // open tranche again, earning interest through the weeks the money was held.
    let view = load_claim(&store, &id, date(2026, 2, 15)).await.unwrap();
    assert_consistent(&view);
    assert_eq!(view.entries.len(), 2);
    assert_eq!(view.entries[1].kind, EntryKind::Chargeback);
    assert_eq!(view.entries[1].amount, eur(-700_00));
    assert_eq!(view.entries[1].allocation, parts(-317_63, -65_46, -316_91));
    assert_eq!(view.totals.paid, PerKind::default());
    assert_eq!(view.totals.open, parts(317_63, 119_09, 1_750_00));
    assert_eq!(view.open_total(), eur(2_186_72));
    assert_eq!(view.invoices[0].tranches.len(), 1);
    assert_eq!(interest_of(&view, "F-001"), 77_64);

    // Between payment and chargeback, the payment still counts.
    let between = load_claim(&store, &id, date(2025, 9, 14)).await.unwrap();
    assert_eq!(between.totals.paid, parts(317_63, 65_46, 316_91));
}

async fn an_overpayment_is_reported_and_kept_as_credit(store: Store) {
    let id = consumer_dossier(&store).await;
    let view = load_claim(&store, &id, date(2026, 2, 15)).await.unwrap();
    // Open 2,186.72 (see interest_runs_across_…); 2,200.00 leaves 13.28 over.
    let allocation = allocate_payment(&view, eur(2_200_00)).unwrap();
    assert_eq!(allocation.parts, parts(317_63, 119_09, 1_750_00));
    assert_eq!(allocation.overpayment, eur(13_28));
    assert!(allocation.settles());
    let entry = allocation.ledger_entry(
        "paynl order ORD-9 PAID",
        None,
        "paynl:ORD-9:paid",
        at(2026, 2, 15),
    );
    assert_eq!(
        (entry.amount, entry.alloc_unallocated),
        (eur(2_200_00), eur(13_28))
    );
    assert_eq!(
        store.append_ledger_entry(&entry).await.unwrap(),
        Booked::Inserted
    );

    let paid = load_claim(&store, &id, date(2026, 2, 15)).await.unwrap();
    assert_consistent(&paid);
    assert_eq!(paid.open_total(), Money::ZERO);
    assert_eq!(paid.totals.credit, eur(13_28));
    assert_eq!(paid.totals.received, eur(2_200_00));
    assert_eq!(paid.entries[0].unallocated, eur(13_28));
    // All principal was paid on 2026-02-15, so no interest runs after it.
    let later = load_claim(&store, &id, date(2026, 6, 1)).await.unwrap();
    assert_consistent(&later);
    assert_eq!(later.open_total(), Money::ZERO);
    assert_eq!(later.totals.owed, paid.totals.owed);
    // Nothing is left to allocate a second payment to: all of it is over.
    let again = allocate_payment(&later, eur(5_00)).unwrap();
    assert!(again.items.is_empty());
    assert_eq!(again.overpayment, eur(5_00));
    assert!(matches!(
        allocate_payment(&later, eur(-1)),
        Err(ClaimError::NegativePayment)
    ));
}

async fn entries_after_the_day_of_the_view_are_left_out(store: Store) {
    let id = consumer_dossier(&store).await;
    pay(&store, &id, "ORD-1", 700_00, at(2025, 8, 1)).await;
    let view = load_claim(&store, &id, date(2025, 7, 31)).await.unwrap();
    assert_consistent(&view);
    assert!(view.entries.is_empty());
    assert_eq!(view.entries_after_as_of, 1);
    assert_eq!(view.totals.paid, PerKind::default());
}

async fn commercial_interest_only_for_a_business_debtor(store: Store) {
    // Commercial creditor, business debtor: art. 6:119a BW.
    let id = seed(&store, InterestKind::Commercial, DebtorKind::Business).await;
    let view = load_claim(&store, &id, date(2026, 2, 15)).await.unwrap();
    assert_eq!(view.interest_rule, InterestRule::Commercial);
    assert!(interest_of(&view, "F-001") > 77_64);
    // The same creditor's claim on a person: consumer interest.
    store
        .set_debtor(
            &id,
            &DebtorDetails::named(DebtorKind::Person, "P. de Vries"),
            &CreditorId::new("zorg"),
            at(2025, 3, 2),
        )
        .await
        .unwrap();
    let view = load_claim(&store, &id, date(2026, 2, 15)).await.unwrap();
    assert_eq!(view.interest_rule, InterestRule::Consumer);
    assert_eq!(interest_of(&view, "F-001"), 77_64);
}

async fn a_recorded_interest_charge_is_listed_but_not_counted_twice(store: Store) {
    let id = consumer_dossier(&store).await;
    // A snapshot of F-001's interest up to 2025-08-01 (46.68), as the demo import records.
    store
        .add_charge(&NewCharge {
            dossier_id: id.clone(),
            kind: ChargeKind::Interest,
            amount: eur(46_68),
            rule: "Statutory interest (art. 6:119 BW) up to 2025-08-01".into(),
            as_of: date(2025, 8, 1),
            idempotency_key: format!("interest:{NUMBER}:2025-08-01"),
            created_at: at(2025, 8, 1),
        })
        .await
        .unwrap();
    let view = load_claim(&store, &id, date(2026, 2, 15)).await.unwrap();
    assert_consistent(&view);
    assert_eq!(view.recorded_interest.len(), 1);
    assert_eq!(view.recorded_interest[0].amount, eur(46_68));
    // The live interest only: 119.09, as without the snapshot.
    assert_eq!(view.totals.owed, parts(317_63, 119_09, 1_750_00));
}

async fn an_unknown_dossier_is_not_found(store: Store) {
    let result = load_claim(&store, &DossierId::new("no-such-dossier"), date(2026, 1, 1)).await;
    assert!(
        matches!(result, Err(ClaimError::DossierNotFound)),
        "{result:?}"
    );
}
