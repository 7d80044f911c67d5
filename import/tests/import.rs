//! The import and demo suite: every test runs on a fresh SQLite file and, with
//! `TEST_DATABASE_URL` set, on a fresh PostgreSQL database (`store::testing`).

#![allow(
    clippy::inconsistent_digit_grouping,
    clippy::mistyped_literal_suffixes,
    reason = "amounts are written as euros_cents: 200_50 is € 200,50, and 52_64 is € 52,64"
)]

use booking::Books;
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use domain::{
    CreditorId, DossierId, InterestKind as Rates, InvoiceCostStatus, Money, VatTreatment,
    statutory_interest, wik_costs,
};
use import::{
    Column, DEMO_SECRETS, ImportOptions, ImportReport, NewSecret, import_csv, seed_demo,
    write_secrets_csv,
};
use store::{
    CorrectionDecision, DebtorField, DossierQuery, DossierStatus, FieldSourceKind, InterestKind,
    NewCorrection, NewCreditor, NewDossier, Store,
};

store::backend_tests!(
    a_file_with_bad_rows_imports_the_good_dossiers_and_reports_every_bad_row,
    importing_the_same_file_again_changes_nothing_and_issues_no_secrets,
    the_secrets_in_the_report_open_their_dossiers_and_only_hashes_are_stored,
    the_costs_follow_the_scale_and_add_vat_only_when_the_creditor_cannot_deduct_it,
    a_consumer_owes_costs_only_after_the_term_of_a_letter_sent_after_the_due_date,
    old_files_with_last_letter_date_still_import_with_a_warning,
    a_changed_file_updates_the_dossier_and_corrects_the_costs_without_a_new_secret,
    a_dossier_of_another_creditor_is_refused,
    a_dossier_left_without_a_secret_gets_one_on_the_next_import,
    every_personal_field_names_the_creditor_and_the_import_time_as_its_source,
    a_field_the_debtor_corrected_is_kept_and_does_not_count_as_a_change,
    creditor_settings_are_kept_when_the_file_leaves_them_blank,
    the_documented_example_file_imports_cleanly,
    a_comma_separated_file_with_quoted_cells_is_read,
    seeding_the_demo_twice_gives_the_same_logins_and_the_same_rows,
    demo_payments_are_allocated_to_costs_then_interest_then_principal,
);

// ---------------------------------------------------------------------------------------------
// Fixtures

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn eur(cents: i64) -> Money {
    Money::from_cents(cents)
}

fn hasher() -> auth::SecretHasher {
    auth::SecretHasher::new(auth::HashParams::default()).unwrap()
}

fn options_at(now: DateTime<Utc>, today: NaiveDate) -> ImportOptions {
    ImportOptions {
        now,
        today,
        workers: 4,
        hash_threads: 2,
        ..ImportOptions::new(hasher())
    }
}

async fn import(store: &Store, csv: &str) -> ImportReport {
    import_at(store, csv, now(), today()).await
}

async fn import_at(store: &Store, csv: &str, now: DateTime<Utc>, today: NaiveDate) -> ImportReport {
    import_csv(store, csv.as_bytes(), &options_at(now, today), None)
        .await
        .expect("the import runs")
}

/// The header in documented order, joined with `;`.
fn header() -> String {
    Column::ALL.map(Column::name).join(";")
}

/// A valid person row of dossier ISB-2026-000001 with `changes` applied (column, value).
fn row(changes: &[(Column, &str)]) -> String {
    let mut cells: Vec<String> = Column::ALL
        .iter()
        .map(|column| {
            match column {
                Column::CreditorId => "acme",
                Column::CreditorName => "Acme Energie B.V.",
                Column::DossierNumber => "ISB-2026-000001",
                Column::DebtorKind => "person",
                Column::Name => "Jan Jansen",
                Column::Address => "Kerkstraat 1",
                Column::Postcode => "1234 AB",
                Column::City => "Utrecht",
                Column::Phone => "06 12345678",
                Column::Email => "jan@example.nl",
                Column::CustomerNumber => "K-1",
                Column::BirthDate => "17-05-1980",
                Column::InvoiceNumber => "F-1",
                Column::InvoiceDate => "2026-01-05",
                Column::DueDate => "2026-01-19",
                Column::Amount => "120,50",
                Column::LetterDate => "2026-03-01",
                _ => "",
            }
            .to_owned()
        })
        .collect();
    for (column, value) in changes {
        let at = Column::ALL.iter().position(|c| c == column).unwrap();
        cells[at] = (*value).to_owned();
    }
    cells.join(";")
}

fn business(changes: &[(Column, &str)]) -> String {
    let mut all = vec![
        (Column::CreditorId, "vandijk"),
        (Column::CreditorName, "Groothandel Van Dijk B.V."),
        (Column::DossierNumber, "ISB-2026-000002"),
        (Column::DebtorKind, "business"),
        (Column::Name, "Bakkerij De Korrel V.O.F."),
        (Column::BirthDate, ""),
        (Column::KvkNumber, "12345678"),
        (Column::VatNumber, "NL123456782B01"),
    ];
    all.extend_from_slice(changes);
    row(&all)
}

fn file(rows: &[String]) -> String {
    let mut text = header();
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.push('\n');
    text
}

async fn dossier_id(store: &Store, number: &str) -> DossierId {
    store
        .dossier_by_number(number)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("dossier {number} exists"))
        .id
}

/// Everything the store holds about every dossier and creditor, as text: equal snapshots
/// mean nothing was written, down to the timestamps.
async fn snapshot(store: &Store) -> String {
    let mut dossiers = store
        .list_dossiers(&DossierQuery {
            limit: 100_000,
            ..DossierQuery::default()
        })
        .await
        .unwrap();
    dossiers.sort_by(|a, b| a.number.cmp(&b.number));
    let mut out = String::new();
    let mut creditors = Vec::new();
    for summary in dossiers {
        let dossier = store.dossier(&summary.id).await.unwrap().unwrap();
        creditors.push(dossier.creditor_id.clone());
        out.push_str(&format!(
            "{dossier:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n",
            store.debtor(&dossier.id).await.unwrap(),
            store.debtor_field_sources(&dossier.id).await.unwrap(),
            store.claim_items(&dossier.id).await.unwrap(),
            store.charges(&dossier.id).await.unwrap(),
            store.ledger_entries(&dossier.id).await.unwrap(),
        ));
        out.push_str(&format!(
            "{:?}\n",
            store.cost_letters(&dossier.id).await.unwrap()
        ));
    }
    creditors.sort();
    creditors.dedup();
    for id in creditors {
        out.push_str(&format!("{:?}\n", store.creditor(&id).await.unwrap()));
    }
    out
}

async fn dossier_count(store: &Store) -> usize {
    store
        .list_dossiers(&DossierQuery {
            limit: 100_000,
            ..DossierQuery::default()
        })
        .await
        .unwrap()
        .len()
}

// ---------------------------------------------------------------------------------------------
// Import

async fn a_file_with_bad_rows_imports_the_good_dossiers_and_reports_every_bad_row(store: Store) {
    use Column::*;
    let d = |n: u32| format!("ISB-2026-{n:06}");
    let rows = [
        /* 2 */ row(&[]),
        /* 3 */ row(&[(InvoiceNumber, "F-2"), (Amount, "1.234,56")]),
        /* 4 */ business(&[]),
        /* 5 */ row(&[(DossierNumber, &d(3)), (Postcode, "1234")]),
        /* 6 */ row(&[(DossierNumber, &d(4)), (Amount, "12,345")]),
        /* 7 */ row(&[(DossierNumber, &d(5)), (Name, "  ")]),
        /* 8 */ row(&[(DossierNumber, &d(6)), (DebtorKind, "vereniging")]),
        /* 9 */ row(&[(DossierNumber, &d(7)), (InvoiceDate, "2026-02-30")]),
        /* 10 */ row(&[(DossierNumber, &d(8)), (Email, "jan@@example.nl")]),
        /* 11 */ row(&[(DossierNumber, &d(9))]),
        /* 12 */ row(&[(DossierNumber, &d(9)), (Amount, "10")]),
        /* 13 */ row(&[(DossierNumber, &d(10)), (KvkNumber, "12345678")]),
        /* 14 */ row(&[(DossierNumber, &d(11))]),
        /* 15 */
        row(&[
            (DossierNumber, &d(11)),
            (InvoiceNumber, "F-2"),
            (Amount, "abc"),
        ]),
        /* 16 */ row(&[(DossierNumber, "ISB-XYZ")]),
        /* 17 */ format!("acme;Acme;{}", d(12)),
        /* 18 */ row(&[(InvoiceNumber, "F-3"), (Amount, "10.00")]),
        /* 19 */ row(&[(DossierNumber, &d(13)), (DueDate, "2026-06-01")]),
        /* 20 */ row(&[(DossierNumber, &d(14)), (Name, "Piet Pietersen")]),
        /* 21 */
        row(&[
            (DossierNumber, &d(15)),
            (BirthDate, "1980-05-17"),
            (Phone, "12345"),
        ]),
    ];
    let report = import(&store, &file(&rows)).await;

    assert_eq!(report.rows_read, 20);
    assert_eq!(report.dossiers_created, 3, "{report}");
    assert_eq!(report.dossiers_updated + report.dossiers_unchanged, 0);
    assert_eq!(report.new_secrets.len(), 3);
    let expected: &[(u64, &str, &str)] = &[
        (
            5,
            "ISB-2026-000003",
            "postcode '1234': a postcode has 4 digits and 2 letters",
        ),
        (
            6,
            "ISB-2026-000004",
            "amount '12,345': more than two decimals",
        ),
        (7, "ISB-2026-000005", "name is empty"),
        (
            8,
            "ISB-2026-000006",
            "debtor_kind 'vereniging' is not known: use person or business",
        ),
        (
            9,
            "ISB-2026-000007",
            "invoice_date '2026-02-30' is not an existing date",
        ),
        (10, "ISB-2026-000008", "email 'jan@@example.nl'"),
        (11, "ISB-2026-000009", "held back whole because of line 12"),
        (
            12,
            "ISB-2026-000009",
            "invoice_number 'F-1' is already on line 11 of this dossier",
        ),
        (
            13,
            "ISB-2026-000010",
            "kvk_number is given but the debtor is a person",
        ),
        (14, "ISB-2026-000011", "held back whole because of line 15"),
        (
            15,
            "ISB-2026-000011",
            "amount 'abc': unexpected character 'a' in the amount",
        ),
        (16, "ISB-XYZ", "dossier_number 'ISB-XYZ'"),
        (
            17,
            "ISB-2026-000012",
            "has 3 fields where the header has 24",
        ),
        (19, "ISB-2026-000013", "the invoice is not overdue"),
        (21, "ISB-2026-000015", "phone '12345'"),
    ];
    let got: Vec<String> = report.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(report.rows_rejected(), expected.len(), "{got:#?}");
    for (rejected, (line, dossier, reason)) in report.rejected.iter().zip(expected) {
        assert_eq!(rejected.line, *line, "{got:#?}");
        assert_eq!(rejected.dossier.as_deref(), Some(*dossier), "line {line}");
        assert!(
            rejected.reason.contains(reason),
            "line {line}: {:?} should say {reason:?}",
            rejected.reason
        );
    }

    // The good dossiers are complete, including a row far from its dossier's other rows.
    let items = store
        .claim_items(&dossier_id(&store, "ISB-2026-000001").await)
        .await
        .unwrap();
    let invoices: Vec<_> = items
        .iter()
        .map(|i| (i.invoice_number.as_str(), i.principal))
        .collect();
    assert_eq!(
        invoices,
        [
            ("F-1", eur(120_50)),
            ("F-2", eur(1_234_56)),
            ("F-3", eur(10_00))
        ]
    );
    for held_back in 3..=13 {
        assert!(
            store
                .dossier_by_number(&d(held_back))
                .await
                .unwrap()
                .is_none(),
            "{held_back}"
        );
    }
    assert_eq!(dossier_count(&store).await, 3);
}

async fn importing_the_same_file_again_changes_nothing_and_issues_no_secrets(store: Store) {
    let csv = file(&[
        row(&[]),
        row(&[(Column::InvoiceNumber, "F-2")]),
        business(&[]),
        business(&[(Column::InvoiceNumber, "V-9"), (Column::Amount, "3000")]),
        row(&[
            (Column::DossierNumber, "ISB-2026-000003"),
            (Column::Postcode, "bad"),
        ]),
    ]);
    let first = import(&store, &csv).await;
    assert_eq!(first.dossiers_created, 2);
    assert_eq!(first.new_secrets.len(), 2);
    let before = snapshot(&store).await;

    // Later the same day, with other workers: still nothing to write.
    let later = now() + chrono::Duration::hours(3);
    let again = import_csv(
        &store,
        csv.as_bytes(),
        &ImportOptions {
            workers: 1,
            ..options_at(later, today())
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(again.dossiers_created, 0);
    assert_eq!(again.dossiers_updated, 0);
    assert_eq!(again.dossiers_unchanged, 2);
    assert!(again.new_secrets.is_empty());
    assert_eq!(
        again.rejected, first.rejected,
        "the bad row is reported again"
    );
    assert_eq!(again.hashing, std::time::Duration::ZERO);
    assert_eq!(snapshot(&store).await, before);
}

async fn the_secrets_in_the_report_open_their_dossiers_and_only_hashes_are_stored(store: Store) {
    let csv = file(&[
        row(&[]),
        row(&[(Column::DossierNumber, "ISB-2026-000007")]),
        business(&[]),
    ]);
    let report = import(&store, &csv).await;
    let numbers: Vec<String> = report
        .new_secrets
        .iter()
        .map(|s| s.dossier.to_string())
        .collect();
    assert_eq!(
        numbers,
        ["ISB-2026-000001", "ISB-2026-000007", "ISB-2026-000002"],
        "file order"
    );

    let hasher = hasher();
    for new in &report.new_secrets {
        let stored = store
            .dossier_by_number(&new.dossier.to_string())
            .await
            .unwrap()
            .unwrap();
        let hash = stored.secret_hash.expect("a hash is stored");
        assert!(
            !hash.contains(new.secret.expose()),
            "only the hash is stored"
        );
        assert!(hasher.verify(new.secret.expose(), &hash).unwrap());
        assert_eq!(stored.secret_rotated_at, Some(now()));
        for other in report
            .new_secrets
            .iter()
            .filter(|o| o.dossier != new.dossier)
        {
            assert!(!hasher.verify(other.secret.expose(), &hash).unwrap());
        }
    }

    let mut out = Vec::new();
    write_secrets_csv(&mut out, &report.new_secrets).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "dossier_number,secret");
    assert_eq!(lines.len(), 4);
    let NewSecret { dossier, secret } = &report.new_secrets[1];
    assert_eq!(lines[2], format!("{dossier},{secret}"));
}

/// The claim of a dossier as of `day`.
async fn claim_on(store: &Store, number: &str, day: NaiveDate) -> claim::ClaimView {
    claim::load_claim(store, &dossier_id(store, number).await, day)
        .await
        .unwrap()
}

/// The WIK collection costs the claim derives as of `day`.
async fn costs_on(store: &Store, number: &str, day: NaiveDate) -> Money {
    claim_on(store, number, day).await.totals.owed.costs
}

async fn the_costs_follow_the_scale_and_add_vat_only_when_the_creditor_cannot_deduct_it(
    store: Store,
) {
    let csv = file(&[
        // €3,000.00 + €630.50 for a creditor that deducts VAT (the default).
        business(&[(Column::Amount, "3.000,00")]),
        business(&[(Column::InvoiceNumber, "V-2"), (Column::Amount, "630,50")]),
        // €290.00 for a creditor that cannot deduct VAT.
        row(&[
            (Column::CreditorId, "fysio"),
            (Column::CreditorName, "Fysiotherapie Aan de Gracht"),
            (Column::CreditorDeductsVat, "nee"),
            (Column::Amount, "290"),
        ]),
    ]);
    let report = import(&store, &csv).await;
    assert_eq!(report.dossiers_created, 2, "{report}");
    // Nothing is booked: the claim derives the costs.
    assert!(
        store
            .charges(&dossier_id(&store, "ISB-2026-000002").await)
            .await
            .unwrap()
            .is_empty()
    );

    let view = claim_on(&store, "ISB-2026-000002", today()).await;
    let wik = view.costs[0].wik.as_ref().unwrap();
    // 15% of €2,500 + 10% of €1,130.50 = €375.00 + €113.05.
    assert_eq!(view.totals.owed.costs, eur(488_05));
    assert_eq!(
        view.totals.owed.costs,
        wik_costs(eur(3_630_50), VatTreatment::CreditorDeductsVat)
            .unwrap()
            .total()
    );
    assert_eq!(wik.principal, eur(3_630_50));
    assert_eq!((wik.vat_rate_bp, wik.vat), (0, eur(0)));
    // A business owes them from the day after the due date, without a letter.
    assert_eq!(view.cost_basis.owed_from, Some(date(2026, 1, 20)));

    // 15% of €290 = €43.50, plus 21% VAT €9.14 (9.135 rounded half up).
    let view = claim_on(&store, "ISB-2026-000001", today()).await;
    assert_eq!(view.totals.owed.costs, eur(52_64));
    let wik = view.costs[0].wik.as_ref().unwrap();
    assert_eq!((wik.subtotal, wik.vat), (eur(43_50), eur(9_14)));
    let creditor = store
        .creditor(&CreditorId::new("fysio"))
        .await
        .unwrap()
        .unwrap();
    assert!(!creditor.can_deduct_vat);
}

async fn a_consumer_owes_costs_only_after_the_term_of_a_letter_sent_after_the_due_date(
    store: Store,
) {
    let csv = file(&[
        // Letter of 20 May: received 22 May, last day to pay 5 June, costs from 6 June.
        row(&[(Column::LetterDate, "2026-05-20")]),
        // Sent before F-2 fell due (2026-05-25): it does not count for F-2.
        row(&[
            (Column::InvoiceNumber, "F-2"),
            (Column::DueDate, "2026-05-25"),
            (Column::Amount, "300"),
            (Column::LetterDate, "2026-05-20"),
            (Column::LetterCosts, "63,08"),
        ]),
        row(&[
            (Column::DossierNumber, "ISB-2026-000003"),
            (Column::LetterDate, ""),
        ]),
    ]);
    let report = import(&store, &csv).await;
    assert_eq!(report.dossiers_created, 2);
    let warnings: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(
        warnings[0].contains("(ISB-2026-000001)") && warnings[0].contains("F-2 (due 2026-05-25)"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[1].contains("(ISB-2026-000003)") && warnings[1].contains("no 14-day letter"),
        "{}",
        warnings[1]
    );
    let id = dossier_id(&store, "ISB-2026-000001").await;
    let letters = store.cost_letters(&id).await.unwrap();
    assert_eq!(letters.len(), 1, "one letter, both invoices: {letters:?}");
    assert_eq!(letters[0].invoice_ids.len(), 2);
    assert_eq!(letters[0].costs_announced, Some(eur(63_08)));
    let dossier = store.dossier(&id).await.unwrap().unwrap();
    assert_eq!(dossier.last_claim_letter_at, Some(date(2026, 5, 20)));

    let day = |d| today().checked_add_days(Days::new(d)).unwrap();
    // Up to the last day to pay: no costs.
    assert_eq!(costs_on(&store, "ISB-2026-000001", day(4)).await, eur(0));
    // From then on, on F-1 only: 15% of €120.50 is below the €40 minimum.
    let view = claim_on(&store, "ISB-2026-000001", day(5)).await;
    assert_eq!(view.totals.owed.costs, eur(40_00));
    assert_eq!(view.cost_basis.base, eur(120_50));
    let f2 = view.invoices.iter().find(|i| i.number == "F-2").unwrap();
    let f2_costs = view
        .cost_basis
        .invoices
        .iter()
        .find(|c| c.invoice_id == f2.id)
        .unwrap();
    assert_eq!(f2_costs.status, InvoiceCostStatus::NoValidLetter);
    // Without a letter, no costs ever.
    assert_eq!(costs_on(&store, "ISB-2026-000003", day(400)).await, eur(0));

    // A later letter that asks for F-2 brings it in from the end of its own term, capped at
    // what that letter announced.
    let later = file(&[row(&[
        (Column::InvoiceNumber, "F-2"),
        (Column::DueDate, "2026-05-25"),
        (Column::Amount, "300"),
        (Column::LetterDate, "2026-06-10"),
        (Column::LetterCosts, "60,00"),
    ])]);
    let report = import_at(&store, &later, now(), day(10)).await;
    assert_eq!(report.dossiers_updated, 1, "{report}");
    assert!(report.warnings.is_empty(), "{report}");
    // Received 12 June, last day to pay 26 June: from 27 June 15% of €420.50 = €63.08,
    // capped at the €60.00 announced.
    assert_eq!(
        costs_on(&store, "ISB-2026-000001", day(25)).await,
        eur(40_00)
    );
    let view = claim_on(&store, "ISB-2026-000001", day(26)).await;
    assert_eq!(view.totals.owed.costs, eur(60_00));
    assert_eq!(
        view.costs[0].wik.as_ref().unwrap().capped_to,
        Some(eur(60_00))
    );
    // The same file again changes nothing.
    assert_eq!(
        import_at(&store, &later, now(), day(10))
            .await
            .dossiers_unchanged,
        1
    );
}

async fn old_files_with_last_letter_date_still_import_with_a_warning(store: Store) {
    let header = header().replace(";letter_date;letter_costs", "");
    let row = row(&[]);
    let cells: Vec<&str> = row.split(';').collect();
    let letter_at = Column::ALL
        .iter()
        .position(|c| *c == Column::LetterDate)
        .unwrap();
    let mut old: Vec<&str> = cells.clone();
    // last_letter_date takes the letter's date; the two new cells go.
    old[letter_at - 1] = cells[letter_at];
    old.remove(letter_at);
    old.remove(letter_at);
    let csv = format!("{header}\n{}\n", old.join(";"));
    let report = import(&store, &csv).await;
    assert_eq!(report.dossiers_created, 1, "{report}");
    assert!(
        report.warnings[0]
            .to_string()
            .contains("last_letter_date is read as the date of the 14-day letter"),
        "{report}"
    );
    assert_eq!(
        costs_on(&store, "ISB-2026-000001", today()).await,
        eur(40_00)
    );
}

async fn a_changed_file_updates_the_dossier_and_corrects_the_costs_without_a_new_secret(
    store: Store,
) {
    let first = import(&store, &file(&[business(&[(Column::Amount, "1000")])])).await;
    assert_eq!(first.new_secrets.len(), 1);
    assert_eq!(
        costs_on(&store, "ISB-2026-000002", today()).await,
        eur(150_00)
    );
    let id = dossier_id(&store, "ISB-2026-000002").await;
    let hash = store.dossier(&id).await.unwrap().unwrap().secret_hash;
    let sources = store.debtor_field_sources(&id).await.unwrap();

    let later = now() + chrono::Duration::days(7);
    let changed = file(&[
        business(&[(Column::Amount, "1000"), (Column::Phone, "020 1234567")]),
        business(&[
            (Column::InvoiceNumber, "V-2"),
            (Column::Amount, "2000"),
            (Column::Phone, "020-123 45 67"),
        ]),
    ]);
    let report = import_at(&store, &changed, later, today()).await;
    assert_eq!(
        (report.dossiers_created, report.dossiers_updated),
        (0, 1),
        "{report}"
    );
    assert!(report.new_secrets.is_empty());
    assert_eq!(store.dossier(&id).await.unwrap().unwrap().secret_hash, hash);

    assert_eq!(store.claim_items(&id).await.unwrap().len(), 2);
    // €150.00 on €1,000 before; on €3,000: €375.00 + €50.00 = €425.00, derived, nothing booked.
    assert_eq!(
        costs_on(&store, "ISB-2026-000002", today()).await,
        eur(425_00)
    );
    assert!(store.charges(&id).await.unwrap().is_empty());

    let after = store.debtor_field_sources(&id).await.unwrap();
    for source in &after {
        let before = sources.iter().find(|s| s.field == source.field).unwrap();
        if source.field == DebtorField::Phone {
            assert_eq!(
                source.supplied_at, later,
                "the changed field has the new date"
            );
        } else {
            assert_eq!(source, before, "{:?} unchanged", source.field);
        }
    }
    let debtor = store.debtor(&id).await.unwrap().unwrap();
    assert_eq!(debtor.details.phone.as_deref(), Some("+31201234567"));

    // A file with only the new invoice changes nothing: stored invoices it does not list
    // stay (a creditor may send only what is new).
    let only_new = file(&[business(&[
        (Column::InvoiceNumber, "V-2"),
        (Column::Amount, "2000"),
        (Column::Phone, "020 1234567"),
    ])]);
    let before = snapshot(&store).await;
    let report = import_at(&store, &only_new, later, today()).await;
    assert_eq!(report.dossiers_unchanged, 1, "{report}");
    assert_eq!(snapshot(&store).await, before);
}

async fn a_dossier_of_another_creditor_is_refused(store: Store) {
    store
        .upsert_creditor(
            &NewCreditor {
                id: CreditorId::new("other"),
                name: "Other B.V.".into(),
                kvk: None,
                contact_email: None,
                contact_phone: None,
                can_deduct_vat: true,
                interest_kind: InterestKind::Consumer,
            },
            now(),
        )
        .await
        .unwrap();
    store
        .upsert_dossier(
            &NewDossier {
                number: "ISB-2026-000001".into(),
                creditor_id: CreditorId::new("other"),
                status: DossierStatus::Open,
            },
            now(),
        )
        .await
        .unwrap();
    let before = snapshot(&store).await;
    let report = import(
        &store,
        &file(&[row(&[]), row(&[(Column::InvoiceNumber, "F-2")])]),
    )
    .await;
    assert_eq!(report.dossiers_created + report.dossiers_updated, 0);
    assert_eq!(report.rows_rejected(), 2);
    for rejected in &report.rejected {
        assert!(
            rejected
                .reason
                .contains("already exists for creditor other, not acme"),
            "{rejected}"
        );
    }
    assert!(report.new_secrets.is_empty());
    // The creditor acme was created, but the other creditor's dossier is untouched.
    let after = snapshot(&store).await;
    assert_eq!(after, before);
}

async fn a_dossier_left_without_a_secret_gets_one_on_the_next_import(store: Store) {
    let csv = file(&[business(&[])]);
    import(&store, &csv).await;
    // As if the import had stopped before the secret was stored.
    let id = forget_secret(&store, &dossier_id(&store, "ISB-2026-000002").await).await;

    let report = import(&store, &csv).await;
    assert_eq!(report.dossiers_updated, 1, "{report}");
    assert_eq!(report.new_secrets.len(), 1);
    let hash = store
        .dossier(&id)
        .await
        .unwrap()
        .unwrap()
        .secret_hash
        .unwrap();
    assert!(
        hasher()
            .verify(report.new_secrets[0].secret.expose(), &hash)
            .unwrap()
    );
    assert_eq!(
        store.cost_letters(&id).await.unwrap().len(),
        1,
        "no second letter"
    );
    assert_eq!(import(&store, &csv).await.dossiers_unchanged, 1);
}

/// Recreates the dossier as it was before its secret was stored: the same debtor, invoices,
/// letter date and charges, no secret (the store has no call to clear a secret, on purpose).
/// Returns its new id.
async fn forget_secret(store: &Store, id: &DossierId) -> DossierId {
    let dossier = store.dossier(id).await.unwrap().unwrap();
    let debtor = store.debtor(id).await.unwrap().unwrap().details;
    let items = store.claim_items(id).await.unwrap();
    let charges = store.charges(id).await.unwrap();
    let letters = store.cost_letters(id).await.unwrap();
    assert!(store.delete_dossier(id).await.unwrap());
    let again = store
        .import_dossier(
            &store::DossierImport {
                dossier: NewDossier {
                    number: dossier.number.clone(),
                    creditor_id: dossier.creditor_id.clone(),
                    status: DossierStatus::Open,
                },
                debtor,
                claim_items: items
                    .into_iter()
                    .map(|i| store::NewClaimItem {
                        invoice_number: i.invoice_number,
                        invoice_date: i.invoice_date,
                        due_date: i.due_date,
                        principal: i.principal,
                    })
                    .collect(),
            },
            now(),
        )
        .await
        .unwrap()
        .into_inner();
    if let Some(letter) = dossier.last_claim_letter_at {
        store
            .set_last_claim_letter(&again.id, letter, now())
            .await
            .unwrap();
    }
    let items = store.claim_items(&again.id).await.unwrap();
    for letter in letters {
        store
            .record_cost_letter(
                &again.id,
                &store::NewCostLetter {
                    sent_on: letter.sent_on,
                    // Recreated invoices have new ids; the test files have one per letter.
                    invoice_ids: items.iter().map(|i| i.id).collect(),
                    costs_announced: letter.costs_announced,
                },
                now(),
            )
            .await
            .unwrap();
    }
    for charge in charges {
        store
            .add_charge(&store::NewCharge {
                dossier_id: again.id.clone(),
                kind: charge.kind,
                amount: charge.amount,
                rule: charge.rule,
                as_of: charge.as_of,
                idempotency_key: charge.idempotency_key,
                created_at: charge.created_at,
            })
            .await
            .unwrap();
    }
    assert_eq!(
        store.dossier(&again.id).await.unwrap().unwrap().secret_hash,
        None
    );
    again.id
}

async fn every_personal_field_names_the_creditor_and_the_import_time_as_its_source(store: Store) {
    import(
        &store,
        &file(&[row(&[(Column::IdDocumentNumber, "spec-i2014")])]),
    )
    .await;
    let id = dossier_id(&store, "ISB-2026-000001").await;
    let debtor = store.debtor(&id).await.unwrap().unwrap().details;
    assert_eq!(debtor.postcode.as_deref(), Some("1234 AB"));
    assert_eq!(debtor.phone.as_deref(), Some("+31612345678"));
    assert_eq!(debtor.birth_date, Some(date(1980, 5, 17)));
    assert_eq!(debtor.id_document_number.as_deref(), Some("SPECI2014"));
    let sources = store.debtor_field_sources(&id).await.unwrap();
    let held: Vec<DebtorField> = DebtorField::ALL
        .iter()
        .copied()
        .filter(|f| debtor.get(*f).is_some())
        .collect();
    assert_eq!(sources.len(), held.len());
    for source in sources {
        assert!(held.contains(&source.field));
        assert_eq!(source.kind, FieldSourceKind::Creditor);
        assert_eq!(source.reference, "acme");
        assert_eq!(source.supplied_at, now());
    }
}

async fn a_field_the_debtor_corrected_is_kept_and_does_not_count_as_a_change(store: Store) {
    let csv = file(&[row(&[])]);
    import(&store, &csv).await;
    let id = dossier_id(&store, "ISB-2026-000001").await;
    let request = store
        .create_correction(&NewCorrection {
            dossier_id: id.clone(),
            field: DebtorField::Email,
            current_value: Some("jan@example.nl".into()),
            proposed_value: "jan.jansen@example.com".into(),
            reason: "new address".into(),
            created_at: now(),
            due_at: now() + chrono::Duration::days(30),
        })
        .await
        .unwrap();
    store
        .decide_correction(&CorrectionDecision {
            id: request.id,
            accept: true,
            staff_note: None,
            decided_by: "alice".into(),
            now: now(),
            client_ip: None,
        })
        .await
        .unwrap();
    let before = snapshot(&store).await;
    let report = import(&store, &csv).await;
    assert_eq!(report.dossiers_unchanged, 1);
    assert_eq!(snapshot(&store).await, before);
    let debtor = store.debtor(&id).await.unwrap().unwrap();
    assert_eq!(
        debtor.details.email.as_deref(),
        Some("jan.jansen@example.com")
    );
}

async fn creditor_settings_are_kept_when_the_file_leaves_them_blank(store: Store) {
    // A business, no interest kind given: commercial. Deducting VAT unless told.
    import(&store, &file(&[business(&[])])).await;
    let creditor = store
        .creditor(&CreditorId::new("vandijk"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creditor.interest_kind, InterestKind::Commercial);
    assert!(creditor.can_deduct_vat);

    // Staff set contact details; a later file with blank settings keeps them all.
    store
        .upsert_creditor(
            &NewCreditor {
                id: CreditorId::new("vandijk"),
                name: creditor.name.clone(),
                kvk: Some("87654321".into()),
                contact_email: Some("debiteuren@vandijk.example".into()),
                contact_phone: None,
                can_deduct_vat: false,
                interest_kind: InterestKind::Commercial,
            },
            now(),
        )
        .await
        .unwrap();
    let before = store.creditor(&CreditorId::new("vandijk")).await.unwrap();
    let report = import(
        &store,
        &file(&[business(&[(Column::DossierNumber, "ISB-2026-000009")])]),
    )
    .await;
    assert_eq!(report.dossiers_created, 1);
    assert_eq!(
        store.creditor(&CreditorId::new("vandijk")).await.unwrap(),
        before
    );

    // A person may owe a commercial-interest creditor (the claim view charges persons consumer
    // interest); the creditor's setting stays.
    let report = import(
        &store,
        &file(&[row(&[
            (Column::CreditorId, "vandijk"),
            (Column::CreditorName, "Groothandel Van Dijk B.V."),
            (Column::DossierNumber, "ISB-2026-000010"),
        ])]),
    )
    .await;
    assert_eq!(report.dossiers_created, 1, "{report}");
    assert_eq!(
        store.creditor(&CreditorId::new("vandijk")).await.unwrap(),
        before
    );

    // A new creditor with persons and businesses and no interest kind given: commercial, which
    // reaches only its businesses.
    let mixed = file(&[
        row(&[
            (Column::CreditorId, "mixed"),
            (Column::DossierNumber, "ISB-2026-000020"),
        ]),
        business(&[
            (Column::CreditorId, "mixed"),
            (Column::CreditorName, "Acme Energie B.V."),
            (Column::DossierNumber, "ISB-2026-000021"),
        ]),
    ]);
    assert_eq!(import(&store, &mixed).await.dossiers_created, 2);
    let creditor = store
        .creditor(&CreditorId::new("mixed"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creditor.interest_kind, InterestKind::Commercial);

    // Conflicting settings for one creditor within a file hold back the later rows.
    let report = import(
        &store,
        &file(&[
            business(&[
                (Column::DossierNumber, "ISB-2026-000011"),
                (Column::InterestKind, "commercial"),
            ]),
            business(&[
                (Column::DossierNumber, "ISB-2026-000012"),
                (Column::InterestKind, "consumer"),
            ]),
        ]),
    )
    .await;
    assert_eq!(report.dossiers_created, 1);
    assert_eq!(report.rejected[0].line, 3);
    assert!(
        report.rejected[0]
            .reason
            .contains("one interest kind per creditor")
    );
}

async fn the_documented_example_file_imports_cleanly(store: Store) {
    let example = include_str!("../examples/dossiers.csv");
    let docs = include_str!("../../docs/IMPORT.md");
    assert!(
        docs.contains(example.trim_end()),
        "docs/IMPORT.md shows import/examples/dossiers.csv verbatim"
    );
    // With a byte order mark, as Excel's "CSV UTF-8" writes it.
    let with_bom = format!("\u{feff}{example}");
    let report = import(&store, &with_bom).await;
    assert_eq!(report.rows_read, 5);
    assert!(report.rejected.is_empty(), "{report}");
    assert!(report.warnings.is_empty(), "{report}");
    assert_eq!(report.dossiers_created, 3);
    let id = dossier_id(&store, "ISB-2026-000102").await;
    let items = store.claim_items(&id).await.unwrap();
    assert_eq!(items[0].principal, eur(2_450_00));
    assert_eq!(items[1].principal, eur(1_180_50));
    let debtor = store
        .debtor(&dossier_id(&store, "ISB-2026-000103").await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(debtor.details.name, "Jansen-de Boer, P.");
    assert_eq!(debtor.details.postcode.as_deref(), Some("1234 AB"));
    assert_eq!(debtor.details.phone, None);
}

async fn a_comma_separated_file_with_quoted_cells_is_read(store: Store) {
    let csv = file(&[row(&[
        (Column::Name, "\"Jansen, J.\""),
        (Column::Amount, "\"1.234,56\""),
    ])])
    .replace(';', ",");
    let report = import(&store, &csv).await;
    assert_eq!(report.dossiers_created, 1, "{report}");
    let id = dossier_id(&store, "ISB-2026-000001").await;
    let debtor = store.debtor(&id).await.unwrap().unwrap();
    assert_eq!(debtor.details.name, "Jansen, J.");
    assert_eq!(
        store.claim_items(&id).await.unwrap()[0].principal,
        eur(1_234_56)
    );
}

// ---------------------------------------------------------------------------------------------
// Demo

async fn seeding_the_demo_twice_gives_the_same_logins_and_the_same_rows(store: Store) {
    let hasher = hasher();
    let logins = seed_demo(&Books::new(store.clone()), &hasher, today())
        .await
        .unwrap();
    assert_eq!(logins.len(), 4);
    let secrets: Vec<&str> = logins.iter().map(|l| l.secret.as_str()).collect();
    assert_eq!(secrets, DEMO_SECRETS);
    for login in &logins {
        let dossier = store
            .dossier_by_number(&login.dossier_number.to_string())
            .await
            .unwrap()
            .unwrap();
        let typed: domain::Secret = login.secret.to_lowercase().parse().unwrap();
        assert!(
            hasher
                .verify(typed.expose(), &dossier.secret_hash.unwrap())
                .unwrap()
        );
        assert!(!login.description.is_empty());
    }
    let business = dossier_id(&store, "ISB-2000-000002").await;
    let debtor = store.debtor(&business).await.unwrap().unwrap().details;
    assert_eq!(debtor.kvk_number.as_deref(), Some("12345678"));
    assert_eq!(debtor.vat_number.as_deref(), Some("NL123456782B01"));
    let creditor = store
        .creditor(&CreditorId::new("demo-vandijk"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creditor.interest_kind, InterestKind::Commercial);
    for login in &logins {
        let id = dossier_id(&store, &login.dossier_number.to_string()).await;
        let items = store.claim_items(&id).await.unwrap();
        assert!(
            items.iter().all(|i| i.due_date < today() - Days::new(60)),
            "months overdue"
        );
        assert!(!store.debtor_field_sources(&id).await.unwrap().is_empty());
    }
    let before = snapshot(&store).await;

    // A later day: still the same logins, and not a row written.
    let again = seed_demo(&Books::new(store.clone()), &hasher, today() + Days::new(30))
        .await
        .unwrap();
    assert_eq!(again, logins);
    assert_eq!(snapshot(&store).await, before);
    assert_eq!(dossier_count(&store).await, 4);
    // The fourth has a plan agreed 12 days ago: four instalments of what was open then,
    // the first due that day and unpaid (so the plan job's tolerance has a miss to move).
    let planned = dossier_id(&store, "ISB-2000-000004").await;
    let plan = store.open_plan(&planned).await.unwrap().unwrap();
    assert_eq!(plan.status, store::PlanStatus::Active);
    assert_eq!(plan.instalments.len(), 4);
    assert_eq!(plan.instalments[0].due_date, today() - Days::new(12));
    let open_then = claim_on(&store, "ISB-2000-000004", today() - Days::new(12))
        .await
        .open_total();
    assert_eq!(plan.total, open_then);
    assert!(store.ledger_entries(&planned).await.unwrap().is_empty());
}

async fn demo_payments_are_allocated_to_costs_then_interest_then_principal(store: Store) {
    seed_demo(&Books::new(store.clone()), &hasher(), today())
        .await
        .unwrap();
    let id = dossier_id(&store, "ISB-2000-000003").await;
    // Costs and interest are derived (the claim computes them), never stored as charges.
    assert!(store.charges(&id).await.unwrap().is_empty());
    // The letter was sent 5 days before FG-2026-0459 fell due: the costs are on the other two
    // invoices only, €170.00: 15% = €25.50, raised to the €40.00 minimum, plus 21% VAT.
    let view = claim_on(&store, "ISB-2000-000003", today()).await;
    assert_eq!(view.totals.owed.costs, eur(48_40));
    assert_eq!(view.cost_basis.base, eur(170_00));
    let uncovered: Vec<&str> = view
        .cost_basis
        .invoices
        .iter()
        .filter(|c| c.status == InvoiceCostStatus::NoValidLetter)
        .map(|c| view.invoice(c.invoice_id).unwrap().number.as_str())
        .collect();
    assert_eq!(uncovered, ["FG-2026-0459"]);

    let ledger = store.ledger_entries(&id).await.unwrap();
    assert_eq!(ledger.len(), 2);
    // The statutory interest on every invoice up to the day of the second payment, computed
    // here independently of the claim; no principal was paid before it.
    let paid_on = claim::dutch_date(ledger[1].created_at);
    let mut interest = Money::ZERO;
    for item in store.claim_items(&id).await.unwrap() {
        let accrued = statutory_interest(Rates::Consumer, item.principal, item.due_date, paid_on)
            .unwrap()
            .total();
        interest = interest.checked_add(accrued).unwrap();
    }
    assert!(interest.is_positive());
    // €40 goes to costs entirely; of €60, €8.40 finishes the costs, then the interest, then
    // the principal.
    assert_eq!(
        (
            ledger[0].amount,
            ledger[0].alloc_costs,
            ledger[0].alloc_interest,
            ledger[0].alloc_principal
        ),
        (eur(40_00), eur(40_00), eur(0), eur(0))
    );
    assert_eq!(ledger[1].amount, eur(60_00));
    assert_eq!(ledger[1].alloc_costs, eur(8_40));
    assert_eq!(ledger[1].alloc_interest, interest);
    assert_eq!(
        ledger[1].alloc_principal,
        eur(60_00 - 8_40).checked_sub(interest).unwrap()
    );
    assert_eq!(view.totals.open.costs, eur(0));
    assert_eq!(view.totals.owed.principal, eur(290_00));
}
