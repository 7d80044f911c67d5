//! The store suite: every test runs on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is
//! set (each run on a fresh database). See `store::testing` for how the backend is chosen.

#![allow(
    clippy::inconsistent_digit_grouping,
    reason = "amounts are written as euros_cents: 200_50 is € 200,50"
)]

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::{ClaimItemId, CorrectionId, CreditorId, DossierId, Money, PaymentId, PlanId};
use sqlx::Row;
use store::*;

// Each test runs on a fresh SQLite file and a fresh PostgreSQL database (`store::testing`).
store::backend_tests!(
    a_counsellor_redeems_an_invitation_once_and_a_revoked_grant_ends_their_acting,
    a_municipal_request_is_decided_once_and_grants_access,
    migrations_create_the_same_tables_and_columns_and_can_run_again,
    a_dispute_keeps_its_files_and_only_its_dossier_reads_them,
    one_open_dispute_per_invoice_per_dossier_and_one_open_complaint,
    deciding_a_dispute_books_once_and_links_the_write_off,
    an_imported_dossier_is_found_by_number_with_its_debtor_and_claim_items,
    importing_a_dossier_again_updates_it_without_duplicates,
    a_dossier_number_cannot_move_to_another_creditor,
    dossier_status_changes_only_from_the_expected_status,
    a_ledger_entry_with_a_known_key_is_booked_once,
    the_ledger_refuses_updates,
    an_overpayment_is_booked_as_unallocated_credit_and_can_be_paid_back,
    charges_are_added_once_per_key_and_count_in_the_totals,
    a_letter_is_recorded_once_per_day_and_names_only_its_dossiers_invoices,
    concurrent_bookings_of_one_payment_book_it_once,
    a_paid_payment_never_goes_back_to_pending,
    a_refused_booking_books_no_money,
    a_late_payment_after_expiry_is_still_booked,
    one_intent_creates_one_payment_even_when_submitted_concurrently,
    a_payment_keeps_its_first_order_id,
    payments_can_be_flagged_for_staff,
    the_reconciler_sees_only_open_payments_not_checked_lately,
    paid_payments_are_rechecked_by_age_band_and_never_after_the_last,
    sessions_end_when_idle_or_past_their_absolute_end,
    session_tokens_are_stored_hashed,
    staff_sessions_need_a_staff_user_and_no_dossier,
    login_failures_are_counted_per_key_since_a_time,
    a_job_lease_has_one_holder_until_it_expires,
    concurrent_lease_attempts_have_one_winner,
    audit_events_are_listed_per_dossier_newest_first,
    accepting_a_correction_changes_the_field_and_records_its_source,
    rejecting_a_correction_leaves_the_field,
    an_invalid_accepted_correction_changes_nothing,
    one_open_request_per_field_and_a_new_one_after_the_decision,
    staff_usernames_are_unique,
    one_payment_plan_in_play_per_dossier,
    late_instalments_of_active_plans_are_found,
    the_staff_list_filters_dossiers_by_status_and_number,
    exchange_calls_are_logged_with_their_outcome,
    purging_a_dossier_deletes_everything_about_it,
    a_plan_budget_keeps_its_files_and_goes_a_year_after_its_plan_ended,
    open_payments_are_counted_from_when_they_were_made,
);

// ---------------------------------------------------------------------------------------------
// Fixtures

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap()
}

fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn eur(cents: i64) -> Money {
    Money::from_cents(cents)
}

fn acme() -> NewCreditor {
    NewCreditor {
        id: CreditorId::new("acme"),
        name: "Acme Energie B.V.".into(),
        kvk: Some("12345678".into()),
        contact_email: Some("debiteuren@acme.example".into()),
        contact_phone: None,
        can_deduct_vat: true,
        interest_kind: InterestKind::Consumer,
    }
}

fn jansen() -> DebtorDetails {
    DebtorDetails {
        address: Some("Kerkstraat 1".into()),
        postcode: Some("1234 AB".into()),
        city: Some("Utrecht".into()),
        email: Some("j.jansen@example.nl".into()),
        customer_number: Some("K-991".into()),
        birth_date: Some(date(1980, 5, 17)),
        ..DebtorDetails::named(DebtorKind::Person, "J. Jansen")
    }
}

fn invoices() -> Vec<NewClaimItem> {
    vec![
        NewClaimItem {
            invoice_number: "F-2025-001".into(),
            invoice_date: date(2025, 10, 1),
            due_date: date(2025, 10, 15),
            principal: eur(120_00),
        },
        NewClaimItem {
            invoice_number: "F-2025-002".into(),
            invoice_date: date(2025, 11, 1),
            due_date: date(2025, 11, 15),
            principal: eur(80_50),
        },
    ]
}

fn import_of(number: &str) -> DossierImport {
    DossierImport {
        dossier: NewDossier {
            number: number.into(),
            creditor_id: CreditorId::new("acme"),
            status: DossierStatus::Open,
        },
        debtor: jansen(),
        claim_items: invoices(),
    }
}

/// A creditor and one imported dossier.
async fn seed(store: &Store, number: &str) -> Dossier {
    store.upsert_creditor(&acme(), t0()).await.unwrap();
    store
        .import_dossier(&import_of(number), t0())
        .await
        .unwrap()
        .into_inner()
}

fn payment_entry(dossier_id: &DossierId, key: &str, cents: i64) -> NewLedgerEntry {
    NewLedgerEntry {
        dossier_id: dossier_id.clone(),
        kind: LedgerKind::Payment,
        amount: eur(cents),
        alloc_costs: eur(0),
        alloc_interest: eur(0),
        alloc_principal: eur(cents),
        alloc_unallocated: eur(0),
        source: "paynl order 1".into(),
        payment_id: None,
        idempotency_key: key.into(),
        created_at: t0(),
    }
}

async fn new_payment(store: &Store, dossier_id: &DossierId, intent: &str, cents: i64) -> Payment {
    let payment = NewPayment {
        dossier_id: dossier_id.clone(),
        intent_key: intent.into(),
        amount: eur(cents),
        purpose: PaymentPurpose::Full,
        plan_instalment_id: None,
        claim_item_id: None,
    };
    store
        .create_payment(&payment, t0())
        .await
        .unwrap()
        .into_inner()
}

fn booking(payment: &Payment, status: PaymentStatus, entry: Option<NewLedgerEntry>) -> BookPayment {
    BookPayment {
        payment_id: payment.id.clone(),
        status,
        entry,
        mails: Vec::new(),
        now: t0() + minutes(5),
    }
}

async fn count(store: &Store, table: &str) -> i64 {
    let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(store.pool())
        .await
        .unwrap();
    row.try_get("n").unwrap()
}

// ---------------------------------------------------------------------------------------------
// Schema

/// Every table with its columns in order: the contract both migrations must meet.
const SCHEMA: &[(&str, &str)] = &[
    (
        "creditor",
        "id name kvk contact_email contact_phone can_deduct_vat interest_kind created_at updated_at",
    ),
    (
        "dossier",
        "id number creditor_id status secret_hash secret_rotated_at last_claim_letter_at created_at updated_at \
         link_generation closed_at mail_language mail_reminders",
    ),
    (
        "debtor",
        "dossier_id kind name address postcode city phone email customer_number birth_date id_document_number kvk_number vat_number updated_at",
    ),
    (
        "debtor_field_source",
        "dossier_id field source_kind source_ref supplied_at",
    ),
    (
        "claim_item",
        "id dossier_id invoice_number invoice_date due_date principal_cents",
    ),
    (
        "charge",
        "id dossier_id kind amount_cents rule as_of idempotency_key created_at",
    ),
    (
        "ledger_entry",
        "id dossier_id kind amount_cents alloc_costs_cents alloc_interest_cents alloc_principal_cents alloc_unallocated_cents source payment_id idempotency_key created_at",
    ),
    (
        "payment",
        "id dossier_id intent_key paynl_order_id amount_cents purpose plan_instalment_id status flagged flag_reason created_at updated_at last_checked_at claim_item_id",
    ),
    (
        "collection_pause",
        "id dossier_id starts_on ends_on requested_by note created_by created_at ended_at ended_by",
    ),
    (
        "payment_deferral",
        "id dossier_id status pay_by open_cents reason breaches created_at decided_at decided_by staff_note ended_at",
    ),
    (
        "payment_plan",
        "id dossier_id status total_cents instalment_count created_at updated_at interest_stops \
         activated_at",
    ),
    (
        "plan_instalment",
        "id plan_id seq due_date amount_cents status paid_at moved_from",
    ),
    (
        "correction_request",
        "id dossier_id field current_value proposed_value reason status staff_note created_at due_at decided_at decided_by",
    ),
    (
        "session",
        "id_hash kind dossier_id staff_username csrf_token created_at last_seen_at expires_at \
         acting_for",
    ),
    ("login_attempt", "id key_kind key_value at success"),
    (
        "audit_event",
        "id at actor_kind actor_id dossier_id action detail client_ip counsellor",
    ),
    (
        "staff_user",
        "username password_hash role created_at totp_secret totp_last_step kind",
    ),
    ("staff_recovery_code", "username code_hash used_at"),
    (
        "staff_challenge",
        "token_hash username enrol_secret enrol_recovery expires_at",
    ),
    ("job_lease", "name holder expires_at"),
    (
        "exchange_call",
        "id received_at order_id raw_body signature_ok outcome caller_ip",
    ),
    (
        "dispute",
        "id dossier_id claim_item_id kind explanation status decision ack_note answer created_at ack_due_at decision_due_at acknowledged_at acknowledged_by decided_at decided_by ledger_entry_id",
    ),
    (
        "dispute_attachment",
        "id dispute_id dossier_id filename content_type size_bytes sha256 content created_at",
    ),
    (
        "invoice_write_off",
        "ledger_entry_id dossier_id claim_item_id",
    ),
    (
        "cost_letter",
        "dossier_id sent_on costs_announced_cents created_at",
    ),
    ("cost_letter_invoice", "dossier_id sent_on claim_item_id"),
    (
        "mail_outbox",
        "id dossier_id kind dedupe_key payload status created_at next_attempt attempts last_error sent_at recipient subject body_text",
    ),
    (
        "plan_budget",
        "plan_id dossier_id household net_income_cents housing_cents health_insurance_cents childcare_cents \
         other_debts_cents other_fixed_cents protected_cents capacity_cents verdict table_from created_at",
    ),
    (
        "plan_budget_attachment",
        "id plan_id dossier_id filename content_type size_bytes sha256 content created_at",
    ),
    (
        "counsellor",
        "username name organisation email municipality created_at",
    ),
    (
        "counsellor_invitation",
        "id dossier_id code_hash personal_data organisation email created_at expires_at \
         redeemed_at redeemed_by withdrawn_at",
    ),
    (
        "counsellor_access",
        "id dossier_id counsellor personal_data via granted_at granted_by revoked_at revoked_by",
    ),
    (
        "counsellor_access_request",
        "id counsellor dossier_id reason personal_data created_at status decided_at decided_by \
         note",
    ),
];

fn tables() -> impl Iterator<Item = &'static str> {
    SCHEMA.iter().map(|(table, _)| *table)
}

/// The table's columns in order, read from the backend's own catalogue.
/// Every index made by a migration (not those behind primary keys and UNIQUE columns), the
/// same on both backends.
const INDEXES: &str = "audit_event_dossier_idx charge_dossier_idx collection_pause_dossier_idx \
    correction_request_dossier_idx \
    correction_request_open_field_idx correction_request_status_idx \
    counsellor_access_counsellor_idx counsellor_access_live_idx \
    counsellor_access_request_open_idx counsellor_invitation_dossier_idx \
    dispute_attachment_dispute_idx dispute_dossier_idx dispute_one_open_complaint_idx \
    dispute_one_open_dossier_idx dispute_one_open_invoice_idx dispute_status_idx \
    dossier_creditor_idx dossier_status_idx exchange_call_order_idx \
    invoice_write_off_dossier_idx ledger_entry_dossier_idx login_attempt_key_idx \
    mail_outbox_dossier_idx mail_outbox_due_idx \
    payment_deferral_one_open_idx payment_deferral_status_idx \
    payment_dossier_idx payment_plan_one_open_idx payment_status_idx \
    plan_budget_attachment_plan_idx plan_budget_dossier_idx plan_instalment_due_idx \
    session_dossier_idx session_expires_idx staff_challenge_expires_idx";

async fn indexes(store: &Store) -> Vec<String> {
    let sql = match store.backend() {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        }
        Backend::Postgres => {
            "SELECT CAST(indexname AS TEXT) AS name FROM pg_indexes i \
             WHERE schemaname = current_schema() \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        }
    };
    let rows = sqlx::query(sql).fetch_all(store.pool()).await.unwrap();
    let mut names: Vec<String> = rows
        .iter()
        .map(|row| row.try_get("name").unwrap())
        .collect();
    names.sort();
    names
}

async fn columns(store: &Store, table: &str) -> Vec<String> {
    let sql = match store.backend() {
        Backend::Sqlite => "SELECT name AS column_name FROM pragma_table_info($1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT CAST(column_name AS TEXT) AS column_name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    let rows = sqlx::query(sql)
        .bind(table)
        .fetch_all(store.pool())
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get("column_name").unwrap())
        .collect()
}

async fn migrations_create_the_same_tables_and_columns_and_can_run_again(store: Store) {
    store
        .migrate()
        .await
        .expect("a second run finds nothing to do");
    store.ping().await.unwrap();
    for (table, expected) in SCHEMA {
        assert_eq!(
            columns(&store, table).await.join(" "),
            *expected,
            "columns of {table}"
        );
        assert_eq!(count(&store, table).await, 0, "{table} starts empty");
    }
    let expected: Vec<&str> = INDEXES.split_whitespace().collect();
    assert_eq!(indexes(&store).await, expected);
}

// ---------------------------------------------------------------------------------------------
// Dossiers

async fn an_imported_dossier_is_found_by_number_with_its_debtor_and_claim_items(store: Store) {
    store.upsert_creditor(&acme(), t0()).await.unwrap();
    let created = store
        .import_dossier(&import_of("ISB-2026-000123"), t0())
        .await
        .unwrap();
    assert!(created.is_new());
    let created = created.into_inner();

    let dossier = store
        .dossier_by_number("ISB-2026-000123")
        .await
        .unwrap()
        .expect("found");
    assert_eq!(dossier, created);
    assert_eq!(dossier.status, DossierStatus::Open);
    assert_eq!(dossier.creditor_id.as_str(), "acme");
    assert_eq!(dossier.secret_hash, None);
    assert_eq!(dossier.created_at, t0());
    assert_eq!(
        store.dossier(&dossier.id).await.unwrap(),
        Some(dossier.clone())
    );
    assert_eq!(
        store.dossier_by_number("ISB-2026-999999").await.unwrap(),
        None
    );

    let creditor = store
        .creditor(&CreditorId::new("acme"))
        .await
        .unwrap()
        .expect("creditor");
    assert_eq!(creditor.name, "Acme Energie B.V.");
    assert!(creditor.can_deduct_vat);
    assert_eq!(creditor.interest_kind, InterestKind::Consumer);

    let debtor = store.debtor(&dossier.id).await.unwrap().expect("debtor");
    assert_eq!(debtor.details, jansen());

    let items = store.claim_items(&dossier.id).await.unwrap();
    let numbers: Vec<_> = items.iter().map(|i| i.invoice_number.as_str()).collect();
    assert_eq!(numbers, ["F-2025-001", "F-2025-002"]);
    assert_eq!(items[1].principal, eur(80_50));
    assert_eq!(items[1].due_date, date(2025, 11, 15));

    // Every supplied field, and only those, names the creditor as its source.
    let sources = store.debtor_field_sources(&dossier.id).await.unwrap();
    let fields: HashSet<_> = sources.iter().map(|s| s.field).collect();
    let supplied: HashSet<_> = DebtorField::ALL
        .iter()
        .copied()
        .filter(|f| jansen().get(*f).is_some())
        .collect();
    assert_eq!(fields, supplied);
    assert!(sources.iter().all(|s| s.kind == FieldSourceKind::Creditor
        && s.reference == "acme"
        && s.supplied_at == t0()));

    let totals = store.dossier_totals(&dossier.id).await.unwrap();
    assert_eq!(
        totals,
        DossierTotals {
            principal: eur(200_50),
            ..DossierTotals::default()
        }
    );
}

async fn importing_a_dossier_again_updates_it_without_duplicates(store: Store) {
    let first = seed(&store, "ISB-2026-000001").await;
    let mut again = import_of("ISB-2026-000001");
    again.claim_items[0].principal = eur(100_00);
    again.claim_items.push(NewClaimItem {
        invoice_number: "F-2025-003".into(),
        invoice_date: date(2025, 12, 1),
        due_date: date(2025, 12, 15),
        principal: eur(10_00),
    });
    again.debtor.phone = Some("06-12345678".into());
    again.debtor.customer_number = None;
    let later = t0() + minutes(60);

    let second = store.import_dossier(&again, later).await.unwrap();
    assert_eq!(second, Created::Existing(first.clone()));

    let items = store.claim_items(&first.id).await.unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].principal, eur(100_00));
    let debtor = store.debtor(&first.id).await.unwrap().unwrap();
    assert_eq!(debtor.details.phone.as_deref(), Some("06-12345678"));
    assert_eq!(debtor.details.customer_number, None);

    let sources = store.debtor_field_sources(&first.id).await.unwrap();
    let source = |field| sources.iter().find(|s| s.field == field).cloned();
    assert_eq!(
        source(DebtorField::Phone).unwrap().supplied_at,
        later,
        "new field, new date"
    );
    assert_eq!(
        source(DebtorField::Email).unwrap().supplied_at,
        t0(),
        "unchanged field keeps its date"
    );
    assert_eq!(
        source(DebtorField::CustomerNumber),
        None,
        "a field no longer held has no source"
    );
    assert_eq!(count(&store, "dossier").await, 1);
}

async fn a_dossier_number_cannot_move_to_another_creditor(store: Store) {
    seed(&store, "ISB-2026-000002").await;
    store
        .upsert_creditor(
            &NewCreditor {
                id: CreditorId::new("other"),
                name: "Other".into(),
                ..acme()
            },
            t0(),
        )
        .await
        .unwrap();
    let stolen = NewDossier {
        number: "ISB-2026-000002".into(),
        creditor_id: CreditorId::new("other"),
        status: DossierStatus::Open,
    };
    let result = store.upsert_dossier(&stolen, t0()).await;
    assert!(
        matches!(
            result,
            Err(StoreError::Conflict(Conflict::DossierOfOtherCreditor))
        ),
        "{result:?}"
    );
}

async fn dossier_status_changes_only_from_the_expected_status(store: Store) {
    let dossier = seed(&store, "ISB-2026-000003").await;
    let later = t0() + minutes(1);
    assert!(
        !store
            .set_dossier_status(
                &dossier.id,
                &[DossierStatus::Plan],
                DossierStatus::Paid,
                later
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .set_dossier_status(
                &dossier.id,
                &[DossierStatus::Open, DossierStatus::Plan],
                DossierStatus::Paid,
                later
            )
            .await
            .unwrap()
    );
    store
        .set_dossier_secret(&dossier.id, "$argon2id$v=19$fake", later)
        .await
        .unwrap();
    store
        .set_last_claim_letter(&dossier.id, date(2026, 3, 1), later)
        .await
        .unwrap();
    let now = store.dossier(&dossier.id).await.unwrap().unwrap();
    assert_eq!(now.status, DossierStatus::Paid);
    assert_eq!(now.secret_hash.as_deref(), Some("$argon2id$v=19$fake"));
    assert_eq!(now.secret_rotated_at, Some(later));
    assert_eq!(now.last_claim_letter_at, Some(date(2026, 3, 1)));
    assert_eq!(now.updated_at, later);
    let missing = store
        .set_dossier_secret(&DossierId::new("no-such-dossier"), "x", later)
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Ledger and charges

async fn a_ledger_entry_with_a_known_key_is_booked_once(store: Store) {
    let dossier = seed(&store, "ISB-2026-000010").await;
    let entry = NewLedgerEntry {
        alloc_costs: eur(40_00),
        alloc_principal: eur(10_00),
        ..payment_entry(&dossier.id, "paynl:ORD1:paid", 50_00)
    };
    assert_eq!(
        store.append_ledger_entry(&entry).await.unwrap(),
        Booked::Inserted
    );
    assert_eq!(
        store.append_ledger_entry(&entry).await.unwrap(),
        Booked::AlreadyBooked
    );

    // A replay may allocate differently; it is still the same money, booked once.
    let reallocated = NewLedgerEntry {
        alloc_costs: eur(0),
        alloc_principal: eur(50_00),
        ..entry.clone()
    };
    assert_eq!(
        store.append_ledger_entry(&reallocated).await.unwrap(),
        Booked::AlreadyBooked
    );

    let entries = store.ledger_entries(&dossier.id).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].amount, eur(50_00));
    assert_eq!(entries[0].alloc_costs, eur(40_00));
    assert_eq!(entries[0].idempotency_key, "paynl:ORD1:paid");

    let other_money = NewLedgerEntry {
        amount: eur(60_00),
        alloc_principal: eur(20_00),
        ..entry.clone()
    };
    let result = store.append_ledger_entry(&other_money).await;
    assert!(
        matches!(result, Err(StoreError::Conflict(Conflict::LedgerKeyReused))),
        "{result:?}"
    );

    let unbalanced = NewLedgerEntry {
        idempotency_key: "k2".into(),
        alloc_costs: eur(1),
        ..entry
    };
    let result = store.append_ledger_entry(&unbalanced).await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");

    let totals = store.dossier_totals(&dossier.id).await.unwrap();
    assert_eq!(
        (
            totals.paid_costs,
            totals.paid_interest,
            totals.paid_principal
        ),
        (eur(40_00), eur(0), eur(10_00))
    );
}

async fn an_overpayment_is_booked_as_unallocated_credit_and_can_be_paid_back(store: Store) {
    let dossier = seed(&store, "ISB-2026-000013").await;
    // 250.00 received on 200.50 principal: 200.50 allocated, 49.50 held as credit.
    let overpaid = NewLedgerEntry {
        alloc_principal: eur(200_50),
        alloc_unallocated: eur(49_50),
        ..payment_entry(&dossier.id, "paynl:ORD9:paid", 250_00)
    };
    assert_eq!(
        store.append_ledger_entry(&overpaid).await.unwrap(),
        Booked::Inserted
    );
    // The credit paid back: a refund of only the unallocated part.
    let credit_back = NewLedgerEntry {
        kind: LedgerKind::Refund,
        alloc_principal: eur(0),
        alloc_unallocated: eur(-49_50),
        ..payment_entry(&dossier.id, "staff:credit-back:1", -49_50)
    };
    assert_eq!(
        store.append_ledger_entry(&credit_back).await.unwrap(),
        Booked::Inserted
    );
    let entries = store.ledger_entries(&dossier.id).await.unwrap();
    assert_eq!(entries[0].alloc_unallocated, eur(49_50));
    assert_eq!(entries[1].alloc_unallocated, eur(-49_50));

    let totals = store.dossier_totals(&dossier.id).await.unwrap();
    assert_eq!(totals.paid_principal, eur(200_50));
    assert_eq!(totals.unallocated, eur(0)); // 49.50 − 49.50

    // Leaving the credit out no longer adds up, in the store and in the database.
    let short = NewLedgerEntry {
        idempotency_key: "k-short".into(),
        alloc_unallocated: eur(0),
        ..overpaid.clone()
    };
    let result = store.append_ledger_entry(&short).await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
    let raw = sqlx::query(
        "INSERT INTO ledger_entry (dossier_id, kind, amount_cents, alloc_costs_cents, \
             alloc_interest_cents, alloc_principal_cents, alloc_unallocated_cents, source, \
             idempotency_key, created_at) \
         VALUES ($1, 'payment', 250, 0, 0, 200, 0, 'raw', 'k-raw', 0)",
    )
    .bind(dossier.id.as_str())
    .execute(store.pool())
    .await;
    assert!(raw.is_err(), "the CHECK counts the unallocated part");
}

async fn the_ledger_refuses_updates(store: Store) {
    let dossier = seed(&store, "ISB-2026-000011").await;
    store
        .append_ledger_entry(&payment_entry(&dossier.id, "k", 10_00))
        .await
        .unwrap();
    let update = sqlx::query("UPDATE ledger_entry SET source = 'tampered'")
        .execute(store.pool())
        .await;
    assert!(update.is_err(), "ledger_entry is append-only");
    assert_eq!(
        store.ledger_entries(&dossier.id).await.unwrap()[0].source,
        "paynl order 1"
    );
}

async fn charges_are_added_once_per_key_and_count_in_the_totals(store: Store) {
    let dossier = seed(&store, "ISB-2026-000012").await;
    let costs = NewCharge {
        dossier_id: dossier.id.clone(),
        kind: ChargeKind::Costs,
        amount: eur(40_00),
        rule: "WIK: 15% of 200.50, minimum 40.00".into(),
        as_of: date(2026, 1, 10),
        idempotency_key: "wik:ISB-2026-000012".into(),
        created_at: t0(),
    };
    let interest = NewCharge {
        kind: ChargeKind::Interest,
        amount: eur(3_21),
        rule: "6:119 BW 4% 2025-10-15..2026-03-01".into(),
        as_of: date(2026, 3, 1),
        idempotency_key: "interest:ISB-2026-000012:2026-03-01".into(),
        ..costs.clone()
    };
    assert_eq!(store.add_charge(&costs).await.unwrap(), Booked::Inserted);
    assert_eq!(
        store.add_charge(&costs).await.unwrap(),
        Booked::AlreadyBooked
    );
    assert_eq!(store.add_charge(&interest).await.unwrap(), Booked::Inserted);

    let charges = store.charges(&dossier.id).await.unwrap();
    assert_eq!(charges.len(), 2);
    assert_eq!(charges[0].kind, ChargeKind::Costs);
    assert_eq!(charges[1].as_of, date(2026, 3, 1));
    assert_eq!(charges[1].rule, interest.rule);

    let totals = store.dossier_totals(&dossier.id).await.unwrap();
    assert_eq!(totals.costs_charged, eur(40_00));
    assert_eq!(totals.interest_charged, eur(3_21));
    assert_eq!(totals.principal, eur(200_50));
}

async fn a_letter_is_recorded_once_per_day_and_names_only_its_dossiers_invoices(store: Store) {
    let dossier = seed(&store, "ISB-2026-000013").await;
    let other = seed(&store, "ISB-2026-000014").await;
    let ids: Vec<ClaimItemId> = store
        .claim_items(&dossier.id)
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    let foreign = store.claim_items(&other.id).await.unwrap()[0].id;
    let letter = NewCostLetter {
        sent_on: date(2026, 2, 1),
        invoice_ids: vec![ids[0], foreign],
        costs_announced: None,
    };
    assert!(
        store
            .record_cost_letter(&dossier.id, &letter, t0())
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_cost_letter(&dossier.id, &letter, t0())
            .await
            .unwrap()
    );
    // The same day again adds invoices and an announcement to that letter.
    let more = NewCostLetter {
        invoice_ids: ids.clone(),
        costs_announced: Some(eur(40_00)),
        ..letter.clone()
    };
    assert!(
        store
            .record_cost_letter(&dossier.id, &more, t0())
            .await
            .unwrap()
    );
    let later = NewCostLetter {
        sent_on: date(2026, 3, 1),
        ..letter
    };
    store
        .record_cost_letter(&dossier.id, &later, t0())
        .await
        .unwrap();

    let letters = store.cost_letters(&dossier.id).await.unwrap();
    assert_eq!(letters.len(), 2);
    assert_eq!(letters[0].sent_on, date(2026, 2, 1));
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    // The other dossier's invoice is never named.
    assert_eq!(letters[0].invoice_ids, sorted);
    assert_eq!(letters[0].costs_announced, Some(eur(40_00)));
    assert_eq!(letters[1].invoice_ids, [ids[0]]);
    assert!(store.cost_letters(&other.id).await.unwrap().is_empty());
    // A negative announcement is refused by the schema.
    let negative = NewCostLetter {
        sent_on: date(2026, 4, 1),
        invoice_ids: vec![],
        costs_announced: Some(eur(-1)),
    };
    assert!(
        store
            .record_cost_letter(&dossier.id, &negative, t0())
            .await
            .is_err()
    );
}

// ---------------------------------------------------------------------------------------------
// Payments

async fn concurrent_bookings_of_one_payment_book_it_once(store: Store) {
    let dossier = seed(&store, "ISB-2026-000020").await;
    let payment = new_payment(&store, &dossier.id, "intent-1", 200_50).await;
    store
        .set_payment_order_id(&payment.id, "51007856048X14b0", t0())
        .await
        .unwrap();

    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            let mut booking = booking(
                &payment,
                PaymentStatus::Paid,
                Some(payment_entry(
                    &dossier.id,
                    "paynl:51007856048X14b0:paid",
                    200_50,
                )),
            );
            // Each carries the receipt, as the payments crate books it.
            booking.mails = vec![store::NewMail {
                dossier_id: dossier.id.clone(),
                notice: domain::Notice::PaidInFull {
                    paid_on: date(2025, 3, 1),
                },
                dedupe_key: format!("payment:{}:receipt", payment.id),
                created_at: t0(),
            }];
            tokio::spawn(async move { store.book_payment(&booking).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap().expect("booking succeeds"));
    }

    let inserted = outcomes
        .iter()
        .filter(|o| o.ledger == Some(Booked::Inserted))
        .count();
    let replayed = outcomes
        .iter()
        .filter(|o| o.ledger == Some(Booked::AlreadyBooked))
        .count();
    let applied = outcomes
        .iter()
        .filter(|o| matches!(o.transition, Transition::Applied { .. }))
        .count();
    assert_eq!((inserted, replayed, applied), (1, 9, 1), "{outcomes:?}");

    let entries = store.ledger_entries(&dossier.id).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].payment_id.as_ref(), Some(&payment.id));
    // One booking, one receipt: the nine replays queued nothing.
    assert_eq!(store.mails_for_dossier(&dossier.id).await.unwrap().len(), 1);
    let stored = store.payment(&payment.id).await.unwrap().unwrap();
    assert_eq!(stored.status, PaymentStatus::Paid);
    assert_eq!(
        store
            .dossier_totals(&dossier.id)
            .await
            .unwrap()
            .paid_principal,
        eur(200_50)
    );
}

async fn a_paid_payment_never_goes_back_to_pending(store: Store) {
    use PaymentStatus::*;
    let dossier = seed(&store, "ISB-2026-000021").await;
    let payment = new_payment(&store, &dossier.id, "intent-1", 50_00).await;
    assert_eq!(payment.status, Initiated);
    let at = t0() + minutes(1);

    let step = |from: &'static [PaymentStatus], to| {
        let store = store.clone();
        let id = payment.id.clone();
        async move { store.transition_payment(&id, from, to, at).await.unwrap() }
    };
    assert_eq!(
        step(&[Pending], Paid).await,
        Transition::Refused { current: Initiated },
        "the caller may narrow"
    );
    assert_eq!(
        step(PaymentStatus::ALL, Pending).await,
        Transition::Applied { from: Initiated }
    );
    assert_eq!(
        step(PaymentStatus::ALL, Paid).await,
        Transition::Applied { from: Pending }
    );
    assert_eq!(
        step(PaymentStatus::ALL, Pending).await,
        Transition::Refused { current: Paid }
    );
    assert_eq!(
        step(PaymentStatus::ALL, Initiated).await,
        Transition::Refused { current: Paid }
    );
    assert_eq!(
        step(PaymentStatus::ALL, Cancelled).await,
        Transition::Refused { current: Paid }
    );
    assert_eq!(
        step(PaymentStatus::ALL, Paid).await,
        Transition::AlreadyThere
    );

    // The same through book_payment: a stale "pending" after "paid" changes nothing.
    let late_pending = store
        .book_payment(&booking(&payment, Pending, None))
        .await
        .unwrap();
    assert_eq!(
        late_pending,
        BookOutcome {
            transition: Transition::Refused { current: Paid },
            ledger: None
        }
    );
    let stored = store.payment(&payment.id).await.unwrap().unwrap();
    assert_eq!(stored.status, Paid);
    assert_eq!(stored.updated_at, at);

    assert_eq!(
        step(PaymentStatus::ALL, Refunded).await,
        Transition::Applied { from: Paid }
    );
    assert_eq!(
        step(PaymentStatus::ALL, Paid).await,
        Transition::Refused { current: Refunded }
    );

    let missing = store
        .transition_payment(&PaymentId::new("nope"), PaymentStatus::ALL, Paid, at)
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
}

async fn a_refused_booking_books_no_money(store: Store) {
    let dossier = seed(&store, "ISB-2026-000022").await;
    let payment = new_payment(&store, &dossier.id, "intent-1", 50_00).await;
    let refund = NewLedgerEntry {
        kind: LedgerKind::Refund,
        ..payment_entry(&dossier.id, "paynl:ORD:refund", -50_00)
    };
    // A refund for a payment that was never paid is refused, and its money is not booked.
    let outcome = store
        .book_payment(&booking(
            &payment,
            PaymentStatus::Refunded,
            Some(refund.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(
        outcome,
        BookOutcome {
            transition: Transition::Refused {
                current: PaymentStatus::Initiated
            },
            ledger: None
        }
    );
    assert!(store.ledger_entries(&dossier.id).await.unwrap().is_empty());

    // Paid, then refunded: two entries that cancel out.
    let paid = store
        .book_payment(&booking(
            &payment,
            PaymentStatus::Paid,
            Some(payment_entry(&dossier.id, "paynl:ORD:paid", 50_00)),
        ))
        .await
        .unwrap();
    assert_eq!(paid.ledger, Some(Booked::Inserted));
    let refunded = store
        .book_payment(&booking(&payment, PaymentStatus::Refunded, Some(refund)))
        .await
        .unwrap();
    assert_eq!(
        refunded,
        BookOutcome {
            transition: Transition::Applied {
                from: PaymentStatus::Paid
            },
            ledger: Some(Booked::Inserted)
        }
    );
    let totals = store.dossier_totals(&dossier.id).await.unwrap();
    assert_eq!(totals.paid_principal, eur(0));

    // An entry for another dossier is rejected outright.
    let other = seed(&store, "ISB-2026-000023").await;
    let wrong = store
        .book_payment(&booking(
            &payment,
            PaymentStatus::Refunded,
            Some(payment_entry(&other.id, "x", 1)),
        ))
        .await;
    assert!(matches!(wrong, Err(StoreError::Invalid(_))), "{wrong:?}");
}

async fn a_late_payment_after_expiry_is_still_booked(store: Store) {
    let dossier = seed(&store, "ISB-2026-000024").await;
    let payment = new_payment(&store, &dossier.id, "intent-1", 25_00).await;
    let expired = store
        .book_payment(&booking(&payment, PaymentStatus::Expired, None))
        .await
        .unwrap();
    assert_eq!(
        expired,
        BookOutcome {
            transition: Transition::Applied {
                from: PaymentStatus::Initiated
            },
            ledger: None
        }
    );
    let paid = store
        .book_payment(&booking(
            &payment,
            PaymentStatus::Paid,
            Some(payment_entry(&dossier.id, "late", 25_00)),
        ))
        .await
        .unwrap();
    assert_eq!(
        paid.transition,
        Transition::Applied {
            from: PaymentStatus::Expired
        }
    );
    assert_eq!(paid.ledger, Some(Booked::Inserted));
}

async fn one_intent_creates_one_payment_even_when_submitted_concurrently(store: Store) {
    let dossier = seed(&store, "ISB-2026-000026").await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            let payment = NewPayment {
                dossier_id: dossier.id.clone(),
                intent_key: "pay-form-nonce-42".into(),
                amount: eur(200_50),
                purpose: PaymentPurpose::Full,
                plan_instalment_id: None,
                claim_item_id: None,
            };
            tokio::spawn(async move { store.create_payment(&payment, t0()).await })
        })
        .collect();
    let mut created = Vec::new();
    for task in tasks {
        created.push(task.await.unwrap().expect("create_payment succeeds"));
    }
    assert_eq!(created.iter().filter(|c| c.is_new()).count(), 1);
    let ids: HashSet<_> = created.into_iter().map(|c| c.into_inner().id).collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(
        store.payments_for_dossier(&dossier.id).await.unwrap().len(),
        1
    );

    let zero = NewPayment {
        dossier_id: dossier.id.clone(),
        intent_key: "zero".into(),
        amount: eur(0),
        purpose: PaymentPurpose::Partial,
        plan_instalment_id: None,
        claim_item_id: None,
    };
    assert!(matches!(
        store.create_payment(&zero, t0()).await,
        Err(StoreError::Invalid(_))
    ));
}

async fn a_payment_keeps_its_first_order_id(store: Store) {
    let dossier = seed(&store, "ISB-2026-000027").await;
    let payment = new_payment(&store, &dossier.id, "intent-1", 10_00).await;
    let other = new_payment(&store, &dossier.id, "intent-2", 10_00).await;
    assert_eq!(payment.id.as_str().len(), 32);
    assert!(
        payment
            .id
            .as_str()
            .chars()
            .all(|c| c.is_ascii_alphanumeric()),
        "a valid Pay.nl reference"
    );

    store
        .set_payment_order_id(&payment.id, "ORDER-A", t0())
        .await
        .unwrap();
    store
        .set_payment_order_id(&payment.id, "ORDER-A", t0())
        .await
        .expect("the same id again is fine");
    let replaced = store
        .set_payment_order_id(&payment.id, "ORDER-B", t0())
        .await;
    assert!(
        matches!(
            replaced,
            Err(StoreError::Conflict(Conflict::PaymentHasOtherOrder))
        ),
        "{replaced:?}"
    );
    let shared = store.set_payment_order_id(&other.id, "ORDER-A", t0()).await;
    assert!(
        matches!(
            shared,
            Err(StoreError::Conflict(Conflict::OrderOfOtherPayment))
        ),
        "{shared:?}"
    );
    let missing = store
        .set_payment_order_id(&PaymentId::new("nope"), "ORDER-C", t0())
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );

    let found = store.payment_by_order_id("ORDER-A").await.unwrap().unwrap();
    assert_eq!(found.id, payment.id);
    assert_eq!(found.paynl_order_id.as_deref(), Some("ORDER-A"));
    assert_eq!(store.payment_by_order_id("ORDER-B").await.unwrap(), None);
}

async fn payments_can_be_flagged_for_staff(store: Store) {
    let dossier = seed(&store, "ISB-2026-000028").await;
    let payment = new_payment(&store, &dossier.id, "intent-1", 10_00).await;
    assert!(store.flagged_payments().await.unwrap().is_empty());
    store
        .flag_payment(&payment.id, "paid amount differs (PAID_CHECKAMOUNT)", t0())
        .await
        .unwrap();
    let flagged = store.flagged_payments().await.unwrap();
    assert_eq!(flagged.len(), 1);
    assert!(flagged[0].flagged);
    assert_eq!(
        flagged[0].flag_reason.as_deref(),
        Some("paid amount differs (PAID_CHECKAMOUNT)")
    );
    store.clear_payment_flag(&payment.id, t0()).await.unwrap();
    assert!(store.flagged_payments().await.unwrap().is_empty());
    assert_eq!(
        store
            .payment(&payment.id)
            .await
            .unwrap()
            .unwrap()
            .flag_reason,
        None
    );
}

async fn the_reconciler_sees_only_open_payments_not_checked_lately(store: Store) {
    let dossier = seed(&store, "ISB-2026-000029").await;
    let stale = new_payment(&store, &dossier.id, "stale", 10_00).await;
    let paid = new_payment(&store, &dossier.id, "paid", 10_00).await;
    let without_order = new_payment(&store, &dossier.id, "no-order", 10_00).await;
    let checked = new_payment(&store, &dossier.id, "checked", 10_00).await;
    for (p, order) in [(&stale, "O1"), (&paid, "O2"), (&checked, "O4")] {
        store
            .set_payment_order_id(&p.id, order, t0())
            .await
            .unwrap();
    }
    store
        .transition_payment(&stale.id, PaymentStatus::ALL, PaymentStatus::Pending, t0())
        .await
        .unwrap();
    store
        .transition_payment(&paid.id, PaymentStatus::ALL, PaymentStatus::Paid, t0())
        .await
        .unwrap();
    store
        .mark_payment_checked(&checked.id, t0() + minutes(9))
        .await
        .unwrap();

    let due = store
        .payments_needing_check(t0() + minutes(5), 100)
        .await
        .unwrap();
    let ids: Vec<_> = due.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, [stale.id.as_str()]);
    assert_ne!(without_order.id, stale.id);

    store
        .mark_payment_checked(&stale.id, t0() + minutes(6))
        .await
        .unwrap();
    assert!(
        store
            .payments_needing_check(t0() + minutes(5), 100)
            .await
            .unwrap()
            .is_empty()
    );
    let later = store
        .payments_needing_check(t0() + minutes(10), 100)
        .await
        .unwrap();
    let ids: Vec<_> = later.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [stale.id.as_str(), checked.id.as_str()],
        "least recently checked first"
    );
    assert_eq!(
        store
            .payments_needing_check(t0() + minutes(10), 1)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn paid_payments_are_rechecked_by_age_band_and_never_after_the_last(store: Store) {
    let dossier = seed(&store, "ISB-2026-000030").await;
    let days = chrono::Duration::days;
    // Made (and paid) 1, 20 and 200 days before t0, one still pending, one paid without an
    // order id (never ours to ask about).
    let mut made = Vec::new();
    for (intent, age, order) in [
        ("young", 1, Some("Y1")),
        ("middle", 20, Some("M1")),
        ("old", 200, Some("O1")),
        ("pending", 1, Some("P1")),
        ("orderless", 1, None),
    ] {
        let at = t0() - days(age);
        let payment = store
            .create_payment(
                &NewPayment {
                    dossier_id: dossier.id.clone(),
                    intent_key: intent.into(),
                    amount: eur(10_00),
                    purpose: PaymentPurpose::Full,
                    plan_instalment_id: None,
                    claim_item_id: None,
                },
                at,
            )
            .await
            .unwrap()
            .into_inner();
        if let Some(order) = order {
            store
                .set_payment_order_id(&payment.id, order, at)
                .await
                .unwrap();
        }
        let status = if intent == "pending" {
            PaymentStatus::Pending
        } else {
            PaymentStatus::Paid
        };
        store
            .transition_payment(&payment.id, PaymentStatus::ALL, status, at)
            .await
            .unwrap();
        made.push(payment);
    }
    let (young, middle) = (&made[0], &made[1]);
    // Bands: younger than 7 days every hour, younger than 30 days every 6 hours.
    let tiers = |now: chrono::DateTime<chrono::Utc>| {
        [
            RecheckTier {
                made_since: now - days(7),
                checked_before: now - chrono::Duration::hours(1),
            },
            RecheckTier {
                made_since: now - days(30),
                checked_before: now - chrono::Duration::hours(6),
            },
        ]
    };
    let due = |now| {
        let store = store.clone();
        async move {
            store
                .paid_payments_due_for_recheck(&tiers(now), 100)
                .await
                .unwrap()
                .into_iter()
                .map(|p| p.id)
                .collect::<Vec<_>>()
        }
    };
    // Least recently changed first; the 200-day-old one is past the last band.
    assert_eq!(due(t0()).await, [middle.id.clone(), young.id.clone()]);
    store.mark_payment_checked(&young.id, t0()).await.unwrap();
    store.mark_payment_checked(&middle.id, t0()).await.unwrap();
    assert!(due(t0() + minutes(59)).await.is_empty());
    // An hour on, only the young one is due again; six hours on, both.
    assert_eq!(
        due(t0() + minutes(61)).await,
        std::slice::from_ref(&young.id)
    );
    // Both checked at the same moment: either order.
    let mut both = due(t0() + minutes(6 * 60 + 1)).await;
    both.sort();
    let mut expected = vec![young.id.clone(), middle.id.clone()];
    expected.sort();
    assert_eq!(both, expected);
    assert!(
        store
            .paid_payments_due_for_recheck(&[], 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .paid_payments_due_for_recheck(&tiers(t0() + minutes(6 * 60 + 1)), 1)
            .await
            .unwrap()
            .len(),
        1
    );
}

// ---------------------------------------------------------------------------------------------
// Sessions and throttling

fn debtor_session(token: &str, dossier_id: &DossierId) -> NewSession {
    NewSession {
        token: token.into(),
        kind: SessionKind::Full,
        dossier_id: Some(dossier_id.clone()),
        staff_username: None,
        csrf_token: "csrf-1".into(),
        expires_at: t0() + Duration::hours(8),
    }
}

async fn sessions_end_when_idle_or_past_their_absolute_end(store: Store) {
    let dossier = seed(&store, "ISB-2026-000030").await;
    let idle = minutes(15);
    store
        .create_session(&debtor_session("tok-1", &dossier.id), t0())
        .await
        .unwrap();

    let session = store
        .session("tok-1", t0() + minutes(10), idle)
        .await
        .unwrap()
        .expect("live");
    assert_eq!(session.kind, SessionKind::Full);
    assert_eq!(session.dossier_id.as_ref(), Some(&dossier.id));
    assert_eq!(session.csrf_token, "csrf-1");
    assert_eq!(
        store.session("tok-2", t0(), idle).await.unwrap(),
        None,
        "unknown token"
    );
    assert_eq!(
        store
            .session("tok-1", t0() + minutes(15), idle)
            .await
            .unwrap(),
        None,
        "idle too long"
    );

    // Activity restarts the idle clock, but never beyond the absolute end.
    assert!(
        store
            .touch_session("tok-1", t0() + minutes(14))
            .await
            .unwrap()
    );
    assert!(
        store
            .session("tok-1", t0() + minutes(20), idle)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .touch_session("tok-1", t0() + minutes(12))
            .await
            .is_ok_and(|moved| !moved),
        "never backwards"
    );
    assert!(
        store
            .touch_session("tok-1", t0() + minutes(14) + Duration::seconds(29))
            .await
            .is_ok_and(|moved| !moved),
        "at most one write per 30 s"
    );
    let mut at = t0() + minutes(14);
    while at < t0() + Duration::hours(8) {
        store.touch_session("tok-1", at).await.unwrap();
        at += minutes(10);
    }
    assert!(
        store
            .session("tok-1", t0() + Duration::hours(8) - minutes(1), idle)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .session("tok-1", t0() + Duration::hours(8), idle)
            .await
            .unwrap(),
        None,
        "absolute end"
    );

    store
        .create_session(&debtor_session("tok-3", &dossier.id), t0())
        .await
        .unwrap();
    assert!(store.delete_session("tok-3").await.unwrap());
    assert!(!store.delete_session("tok-3").await.unwrap());
    assert_eq!(store.session("tok-3", t0(), idle).await.unwrap(), None);

    store
        .create_session(
            &debtor_session("tok-4", &dossier.id),
            t0() + Duration::hours(7),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .purge_expired_sessions(t0() + Duration::hours(8), idle)
            .await
            .unwrap(),
        2
    );
    assert_eq!(count(&store, "session").await, 0);

    store
        .create_session(&debtor_session("tok-5", &dossier.id), t0())
        .await
        .unwrap();
    store
        .create_session(&debtor_session("tok-6", &dossier.id), t0())
        .await
        .unwrap();
    assert_eq!(
        store
            .delete_sessions_for_dossier(&dossier.id)
            .await
            .unwrap(),
        2
    );
}

async fn session_tokens_are_stored_hashed(store: Store) {
    let dossier = seed(&store, "ISB-2026-000031").await;
    let token = "k9R1v7Yq3m2Lx8Zp4s6T0wQ";
    store
        .create_session(&debtor_session(token, &dossier.id), t0())
        .await
        .unwrap();
    let row = sqlx::query("SELECT id_hash FROM session")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let stored: String = row.try_get("id_hash").unwrap();
    assert_ne!(stored, token);
    assert!(!stored.contains(token));
    assert_eq!(stored.len(), 64, "hex SHA-256");
}

async fn staff_sessions_need_a_staff_user_and_no_dossier(store: Store) {
    let dossier = seed(&store, "ISB-2026-000032").await;
    store
        .create_staff_user("alice", "$argon2id$x", StaffRole::Admin, t0())
        .await
        .unwrap();
    let staff = NewSession {
        token: "staff-tok".into(),
        kind: SessionKind::Staff,
        dossier_id: None,
        staff_username: Some("alice".into()),
        csrf_token: "c".into(),
        expires_at: t0() + Duration::hours(1),
    };
    store.create_session(&staff, t0()).await.unwrap();
    let session = store
        .session("staff-tok", t0(), minutes(15))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.staff_username.as_deref(), Some("alice"));

    let mixed = NewSession {
        token: "bad-1".into(),
        dossier_id: Some(dossier.id.clone()),
        ..staff.clone()
    };
    assert!(store.create_session(&mixed, t0()).await.is_err());
    let unknown = NewSession {
        token: "bad-2".into(),
        staff_username: Some("mallory".into()),
        ..staff
    };
    assert!(store.create_session(&unknown, t0()).await.is_err());
    let orphan = NewSession {
        dossier_id: None,
        ..debtor_session("bad-3", &dossier.id)
    };
    assert!(store.create_session(&orphan, t0()).await.is_err());
}

async fn login_failures_are_counted_per_key_since_a_time(store: Store) {
    let dossier_key = AttemptKey::new(AttemptKeyKind::Dossier, "ISB-2026-000040");
    let ip_key = AttemptKey::new(AttemptKeyKind::Ip, "192.0.2.7");
    for i in 0..3 {
        store
            .record_login_attempt(&dossier_key, false, t0() + minutes(i))
            .await
            .unwrap();
        store
            .record_login_attempt(&ip_key, false, t0() + minutes(i))
            .await
            .unwrap();
    }
    store
        .record_login_attempt(&dossier_key, true, t0() + minutes(3))
        .await
        .unwrap();
    store
        .record_login_attempt(&dossier_key, false, t0() + minutes(4))
        .await
        .unwrap();

    assert_eq!(
        store
            .count_login_failures(&dossier_key, t0())
            .await
            .unwrap(),
        4
    );
    assert_eq!(
        store
            .count_login_failures(&dossier_key, t0() + minutes(1))
            .await
            .unwrap(),
        3
    );
    assert_eq!(store.count_login_failures(&ip_key, t0()).await.unwrap(), 3);
    // Failure times come newest first, after `since` (exclusive), success excluded.
    assert_eq!(
        store
            .login_failure_times(&dossier_key, t0(), 10)
            .await
            .unwrap(),
        vec![t0() + minutes(4), t0() + minutes(2), t0() + minutes(1)]
    );
    assert_eq!(
        store
            .login_failure_times(&dossier_key, t0() - minutes(1), 2)
            .await
            .unwrap(),
        vec![t0() + minutes(4), t0() + minutes(2)]
    );
    let same_value_other_kind = AttemptKey::new(AttemptKeyKind::Ip, "ISB-2026-000040");
    assert_eq!(
        store
            .count_login_failures(&same_value_other_kind, t0())
            .await
            .unwrap(),
        0
    );

    assert_eq!(
        store.last_login_success(&dossier_key).await.unwrap(),
        Some(t0() + minutes(3))
    );
    assert_eq!(store.last_login_success(&ip_key).await.unwrap(), None);
    let since_success = store
        .last_login_success(&dossier_key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .count_login_failures(&dossier_key, since_success)
            .await
            .unwrap(),
        1
    );

    assert_eq!(
        store.purge_login_attempts(t0() + minutes(2)).await.unwrap(),
        4
    );
    assert_eq!(
        store
            .count_login_failures(&dossier_key, t0())
            .await
            .unwrap(),
        2
    );
}

// ---------------------------------------------------------------------------------------------
// Job leases

async fn a_job_lease_has_one_holder_until_it_expires(store: Store) {
    let ttl = Duration::seconds(60);
    let s = Duration::seconds;
    assert!(
        store
            .acquire_lease("reconciler", "a", t0(), ttl)
            .await
            .unwrap()
    );
    assert!(
        !store
            .acquire_lease("reconciler", "b", t0() + s(30), ttl)
            .await
            .unwrap()
    );
    assert!(
        store
            .acquire_lease("reconciler", "a", t0() + s(30), ttl)
            .await
            .unwrap(),
        "re-acquire renews"
    );
    assert!(
        !store
            .renew_lease("reconciler", "b", t0() + s(40), ttl)
            .await
            .unwrap()
    );
    assert!(
        store
            .renew_lease("reconciler", "a", t0() + s(40), ttl)
            .await
            .unwrap()
    );
    assert!(
        !store
            .acquire_lease("reconciler", "b", t0() + s(99), ttl)
            .await
            .unwrap(),
        "a holds it until 100 s"
    );
    assert!(
        store
            .acquire_lease("other-job", "b", t0() + s(99), ttl)
            .await
            .unwrap(),
        "leases are per job"
    );

    assert!(
        store
            .acquire_lease("reconciler", "b", t0() + s(100), ttl)
            .await
            .unwrap(),
        "expired: taken over"
    );
    assert!(
        !store
            .renew_lease("reconciler", "a", t0() + s(101), ttl)
            .await
            .unwrap(),
        "a lost it"
    );
    let lease = store.lease("reconciler").await.unwrap().unwrap();
    assert_eq!(
        (lease.holder.as_str(), lease.expires_at),
        ("b", t0() + s(160))
    );

    assert!(!store.release_lease("reconciler", "a").await.unwrap());
    assert!(store.release_lease("reconciler", "b").await.unwrap());
    assert!(
        store
            .acquire_lease("reconciler", "a", t0() + s(102), ttl)
            .await
            .unwrap(),
        "released: free"
    );
}

async fn concurrent_lease_attempts_have_one_winner(store: Store) {
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .acquire_lease(
                        "reconciler",
                        &format!("instance-{i}"),
                        t0(),
                        Duration::seconds(60),
                    )
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        if task.await.unwrap().expect("acquire succeeds") {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

// ---------------------------------------------------------------------------------------------
// Audit

async fn audit_events_are_listed_per_dossier_newest_first(store: Store) {
    let a = seed(&store, "ISB-2026-000050").await;
    let b = seed(&store, "ISB-2026-000051").await;
    let event = |dossier: Option<&DossierId>, action: &str, at| NewAuditEvent {
        at,
        actor_kind: ActorKind::Debtor,
        actor_id: Some("ISB-2026-000050".into()),
        dossier_id: dossier.cloned(),
        action: action.into(),
        detail: serde_json::json!({ "page": action, "n": 1 }),
        client_ip: Some("198.51.100.4".into()),
        counsellor: None,
    };
    let first = store
        .append_audit(&event(Some(&a.id), "signed_in", t0()))
        .await
        .unwrap();
    store
        .append_audit(&event(
            Some(&a.id),
            "personal_data.viewed",
            t0() + minutes(1),
        ))
        .await
        .unwrap();
    store
        .append_audit(&event(Some(&b.id), "signed_in", t0()))
        .await
        .unwrap();
    store
        .append_audit(&NewAuditEvent {
            actor_kind: ActorKind::System,
            actor_id: None,
            ..event(None, "retention.run", t0())
        })
        .await
        .unwrap();
    let last = store
        .append_audit(&event(Some(&a.id), "signed_out", t0() + minutes(2)))
        .await
        .unwrap();
    assert!(last > first);

    let events = store.audit_for_dossier(&a.id, 10).await.unwrap();
    let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["signed_out", "personal_data.viewed", "signed_in"]);
    assert_eq!(
        events[0].detail,
        serde_json::json!({ "page": "signed_out", "n": 1 })
    );
    assert_eq!(events[0].client_ip.as_deref(), Some("198.51.100.4"));
    assert_eq!(events[0].actor_kind, ActorKind::Debtor);
    assert_eq!(events[2].at, t0());
    assert_eq!(store.audit_for_dossier(&a.id, 1).await.unwrap().len(), 1);
    assert_eq!(count(&store, "audit_event").await, 5);
}

// ---------------------------------------------------------------------------------------------
// Corrections

fn email_correction(dossier_id: &DossierId) -> NewCorrection {
    NewCorrection {
        dossier_id: dossier_id.clone(),
        field: DebtorField::Email,
        current_value: Some("j.jansen@example.nl".into()),
        proposed_value: "jan@jansen.example".into(),
        reason: "Old address no longer in use".into(),
        created_at: t0(),
        due_at: t0() + Duration::days(30),
    }
}

fn decision(id: CorrectionId, accept: bool) -> CorrectionDecision {
    CorrectionDecision {
        id,
        accept,
        staff_note: Some("checked with creditor".into()),
        decided_by: "alice".into(),
        now: t0() + Duration::days(2),
        client_ip: Some("203.0.113.9".into()),
    }
}

async fn accepting_a_correction_changes_the_field_and_records_its_source(store: Store) {
    let dossier = seed(&store, "ISB-2026-000060").await;
    let request = store
        .create_correction(&email_correction(&dossier.id))
        .await
        .unwrap();
    assert_eq!(request.status, CorrectionStatus::Submitted);
    assert_eq!(
        store.open_corrections().await.unwrap(),
        vec![request.clone()]
    );

    let Decided::Now(decided) = store
        .decide_correction(&decision(request.id, true))
        .await
        .unwrap()
    else {
        panic!("decided by this call");
    };
    assert_eq!(decided.status, CorrectionStatus::Accepted);
    assert_eq!(decided.decided_by.as_deref(), Some("alice"));
    assert_eq!(decided.decided_at, Some(t0() + Duration::days(2)));
    assert_eq!(decided.staff_note.as_deref(), Some("checked with creditor"));
    assert!(store.open_corrections().await.unwrap().is_empty());
    assert_eq!(
        store.corrections_for_dossier(&dossier.id).await.unwrap(),
        vec![decided.clone()]
    );

    let debtor = store.debtor(&dossier.id).await.unwrap().unwrap();
    assert_eq!(debtor.details.email.as_deref(), Some("jan@jansen.example"));
    let sources = store.debtor_field_sources(&dossier.id).await.unwrap();
    let email = sources
        .iter()
        .find(|s| s.field == DebtorField::Email)
        .unwrap();
    assert_eq!(
        (email.kind, email.reference.clone()),
        (FieldSourceKind::Correction, request.id.to_string())
    );

    let audit = store.audit_for_dossier(&dossier.id, 10).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "correction.accepted");
    assert_eq!(
        (audit[0].actor_kind, audit[0].actor_id.as_deref()),
        (ActorKind::Staff, Some("alice"))
    );
    assert_eq!(
        audit[0].detail,
        serde_json::json!({
            "correction_id": request.id,
            "field": "email",
            "old_value": "j.jansen@example.nl",
            "new_value": "jan@jansen.example",
        })
    );

    // Deciding again changes nothing, and a new import cannot undo the correction.
    let again = store
        .decide_correction(&decision(request.id, false))
        .await
        .unwrap();
    assert_eq!(again, Decided::Earlier(decided));
    store
        .import_dossier(&import_of("ISB-2026-000060"), t0() + Duration::days(3))
        .await
        .unwrap();
    let debtor = store.debtor(&dossier.id).await.unwrap().unwrap();
    assert_eq!(debtor.details.email.as_deref(), Some("jan@jansen.example"));
    assert_eq!(debtor.details.name, "J. Jansen");

    let missing = store
        .decide_correction(&decision(CorrectionId::new(9_999), true))
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
}

async fn rejecting_a_correction_leaves_the_field(store: Store) {
    let dossier = seed(&store, "ISB-2026-000061").await;
    let request = store
        .create_correction(&email_correction(&dossier.id))
        .await
        .unwrap();
    let decided = store
        .decide_correction(&decision(request.id, false))
        .await
        .unwrap();
    assert!(matches!(decided, Decided::Now(ref r) if r.status == CorrectionStatus::Rejected));
    let debtor = store.debtor(&dossier.id).await.unwrap().unwrap();
    assert_eq!(debtor.details.email.as_deref(), Some("j.jansen@example.nl"));
    let audit = store.audit_for_dossier(&dossier.id, 10).await.unwrap();
    assert_eq!(audit[0].action, "correction.rejected");
    assert_eq!(
        audit[0].detail,
        serde_json::json!({ "correction_id": request.id, "field": "email" }),
        "nothing changed, so no values in the trail"
    );
}

async fn one_open_request_per_field_and_a_new_one_after_the_decision(store: Store) {
    let dossier = seed(&store, "ISB-2026-000063").await;
    let first = store
        .create_correction(&email_correction(&dossier.id))
        .await
        .unwrap();
    let again = store
        .create_correction(&email_correction(&dossier.id))
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(Conflict::OpenCorrection))),
        "{again:?}"
    );
    let other_field = NewCorrection {
        field: DebtorField::Phone,
        proposed_value: "0612345678".into(),
        ..email_correction(&dossier.id)
    };
    store.create_correction(&other_field).await.unwrap();
    store
        .decide_correction(&decision(first.id, false))
        .await
        .unwrap();
    store
        .create_correction(&email_correction(&dossier.id))
        .await
        .expect("a new request once the first is decided");
}

async fn an_invalid_accepted_correction_changes_nothing(store: Store) {
    let dossier = seed(&store, "ISB-2026-000062").await;
    let bad_date = NewCorrection {
        field: DebtorField::BirthDate,
        current_value: Some("1980-05-17".into()),
        proposed_value: "17 mei 1980".into(),
        ..email_correction(&dossier.id)
    };
    let request = store.create_correction(&bad_date).await.unwrap();
    let result = store.decide_correction(&decision(request.id, true)).await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
    assert_eq!(
        store.correction(request.id).await.unwrap().unwrap().status,
        CorrectionStatus::Submitted
    );
    assert!(
        store
            .audit_for_dossier(&dossier.id, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A blank proposal removes an optional field.
    let remove_phone = NewCorrection {
        field: DebtorField::City,
        current_value: Some("Utrecht".into()),
        proposed_value: " ".into(),
        ..email_correction(&dossier.id)
    };
    let request = store.create_correction(&remove_phone).await.unwrap();
    store
        .decide_correction(&decision(request.id, true))
        .await
        .unwrap();
    assert_eq!(
        store
            .debtor(&dossier.id)
            .await
            .unwrap()
            .unwrap()
            .details
            .city,
        None
    );
}

// ---------------------------------------------------------------------------------------------
// Staff, plans, listing, exchange log, retention

async fn staff_usernames_are_unique(store: Store) {
    store
        .create_staff_user("alice", "$argon2id$1", StaffRole::Agent, t0())
        .await
        .unwrap();
    let again = store
        .create_staff_user("alice", "$argon2id$2", StaffRole::Admin, t0())
        .await;
    assert!(
        matches!(
            again,
            Err(StoreError::Conflict(Conflict::StaffUsernameTaken))
        ),
        "{again:?}"
    );
    store
        .set_staff_password("alice", "$argon2id$3")
        .await
        .unwrap();
    let alice = store.staff_user("alice").await.unwrap().unwrap();
    assert_eq!(
        (alice.role, alice.password_hash.as_str()),
        (StaffRole::Agent, "$argon2id$3")
    );
    assert_eq!(store.staff_user("bob").await.unwrap(), None);
    assert!(matches!(
        store.set_staff_password("bob", "x").await,
        Err(StoreError::NotFound(_))
    ));
}

fn three_months(dossier_id: &DossierId, status: PlanStatus) -> NewPlan {
    NewPlan {
        dossier_id: dossier_id.clone(),
        status,
        interest_stops: false,
        instalments: (0..3)
            .map(|i| NewInstalment {
                due_date: date(2026, 3 + i, 1),
                amount: eur(66_84 - i64::from(i == 2)),
            })
            .collect(),
    }
}

async fn one_payment_plan_in_play_per_dossier(store: Store) {
    let dossier = seed(&store, "ISB-2026-000070").await;
    let plan = store
        .create_plan(&three_months(&dossier.id, PlanStatus::NeedsReview), t0())
        .await
        .unwrap();
    assert_eq!(plan.total, eur(200_51));
    assert_eq!(plan.instalment_count, 3);
    assert_eq!(
        plan.instalments.iter().map(|i| i.seq).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        store.open_plan(&dossier.id).await.unwrap(),
        Some(plan.clone())
    );
    assert_eq!(
        store
            .plans_with_status(PlanStatus::NeedsReview)
            .await
            .unwrap(),
        vec![plan.clone()]
    );

    let second = store
        .create_plan(&three_months(&dossier.id, PlanStatus::Active), t0())
        .await;
    assert!(
        matches!(second, Err(StoreError::Conflict(Conflict::PlanInPlay))),
        "{second:?}"
    );
    assert_eq!(
        count(&store, "plan_instalment").await,
        3,
        "the refused plan left nothing behind"
    );

    assert!(
        !store
            .set_plan_status(&plan.id, &[PlanStatus::Active], PlanStatus::Completed, t0())
            .await
            .unwrap()
    );
    assert!(
        store
            .set_plan_status(
                &plan.id,
                &[PlanStatus::NeedsReview],
                PlanStatus::Defaulted,
                t0()
            )
            .await
            .unwrap()
    );
    assert_eq!(store.open_plan(&dossier.id).await.unwrap(), None);
    let next = store
        .create_plan(&three_months(&dossier.id, PlanStatus::Active), t0())
        .await
        .unwrap();
    assert_eq!(
        store.open_plan(&dossier.id).await.unwrap().map(|p| p.id),
        Some(next.id)
    );

    let reopen = store
        .set_plan_status(&plan.id, &[PlanStatus::Defaulted], PlanStatus::Active, t0())
        .await;
    assert!(
        matches!(reopen, Err(StoreError::Conflict(Conflict::PlanInPlay))),
        "{reopen:?}"
    );
    let empty = NewPlan {
        instalments: vec![],
        ..three_months(&dossier.id, PlanStatus::Active)
    };
    assert!(matches!(
        store.create_plan(&empty, t0()).await,
        Err(StoreError::Invalid(_))
    ));
}

async fn late_instalments_of_active_plans_are_found(store: Store) {
    let a = seed(&store, "ISB-2026-000071").await;
    let b = seed(&store, "ISB-2026-000072").await;
    let active = store
        .create_plan(&three_months(&a.id, PlanStatus::Active), t0())
        .await
        .unwrap();
    store
        .create_plan(&three_months(&b.id, PlanStatus::NeedsReview), t0())
        .await
        .unwrap();

    let due = store
        .instalments_due_before(date(2026, 4, 15), &[InstalmentStatus::Open])
        .await
        .unwrap();
    assert_eq!(due.iter().map(|i| i.seq).collect::<Vec<_>>(), [1, 2]);
    assert!(
        due.iter().all(|i| i.plan_id == active.id),
        "only active plans"
    );

    let first = due[0].id;
    assert!(
        store
            .set_instalment_status(
                first,
                &[InstalmentStatus::Open],
                InstalmentStatus::Late,
                t0()
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_instalment_status(
                first,
                &[InstalmentStatus::Open],
                InstalmentStatus::Late,
                t0()
            )
            .await
            .unwrap()
    );
    let late = store
        .instalments_due_before(date(2026, 4, 15), &[InstalmentStatus::Late])
        .await
        .unwrap();
    assert_eq!(late.len(), 1);
    assert!(
        store
            .set_instalment_status(
                first,
                &[InstalmentStatus::Late],
                InstalmentStatus::Paid,
                t0()
            )
            .await
            .unwrap()
    );
    let plan = store.plan(&active.id).await.unwrap().unwrap();
    assert_eq!(
        (plan.instalments[0].status, plan.instalments[0].paid_at),
        (InstalmentStatus::Paid, Some(t0()))
    );
}

async fn the_staff_list_filters_dossiers_by_status_and_number(store: Store) {
    let a = seed(&store, "ISB-2026-000080").await;
    store
        .import_dossier(&import_of("ISB-2026-000081"), t0() + minutes(1))
        .await
        .unwrap();
    let c = store
        .import_dossier(&import_of("ISB-2025-000082"), t0() + minutes(2))
        .await
        .unwrap()
        .into_inner();
    store
        .set_dossier_status(
            &a.id,
            &[DossierStatus::Open],
            DossierStatus::Disputed,
            t0() + minutes(3),
        )
        .await
        .unwrap();

    let all = store.list_dossiers(&DossierQuery::default()).await.unwrap();
    let numbers: Vec<_> = all.iter().map(|d| d.number.as_str()).collect();
    assert_eq!(
        numbers,
        ["ISB-2026-000080", "ISB-2025-000082", "ISB-2026-000081"],
        "recently changed first"
    );
    assert_eq!(all[0].creditor_name, "Acme Energie B.V.");
    assert_eq!(all[0].debtor_name.as_deref(), Some("J. Jansen"));

    let disputed = store
        .list_dossiers(&DossierQuery {
            status: Some(DossierStatus::Disputed),
            ..DossierQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        disputed.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [a.id.as_str()]
    );

    let by_prefix = store
        .list_dossiers(&DossierQuery {
            number_prefix: Some("isb-2025".into()),
            ..DossierQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        by_prefix.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [c.id.as_str()]
    );

    let wildcard = store
        .list_dossiers(&DossierQuery {
            number_prefix: Some("%".into()),
            ..DossierQuery::default()
        })
        .await
        .unwrap();
    assert!(wildcard.is_empty(), "LIKE wildcards are taken literally");

    let page = store
        .list_dossiers(&DossierQuery {
            limit: 1,
            offset: 1,
            ..DossierQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [c.id.as_str()]
    );
}

async fn exchange_calls_are_logged_with_their_outcome(store: Store) {
    let call = NewExchangeCall {
        received_at: t0(),
        order_id: Some("51007856048X14b0".into()),
        raw_body: r#"{"event":"status_changed","id":"51007856048X14b0"}"#.into(),
        signature_ok: true,
        caller_ip: Some("2a02:a458:1::7".parse().unwrap()),
    };
    let first = store.log_exchange_call(&call).await.unwrap();
    let second = store
        .log_exchange_call(&NewExchangeCall {
            received_at: t0() + minutes(1),
            signature_ok: false,
            caller_ip: None,
            ..call.clone()
        })
        .await
        .unwrap();
    store.set_exchange_outcome(first, "booked").await.unwrap();

    let calls = store
        .exchange_calls_for_order("51007856048X14b0")
        .await
        .unwrap();
    assert_eq!(
        calls.iter().map(|c| c.id).collect::<Vec<_>>(),
        [first, second]
    );
    assert_eq!(
        (calls[0].signature_ok, calls[0].outcome.as_deref()),
        (true, Some("booked"))
    );
    assert_eq!(
        (calls[1].signature_ok, calls[1].outcome.as_deref()),
        (false, None)
    );
    assert_eq!(calls[0].raw_body, call.raw_body);
    assert_eq!(
        (calls[0].caller_ip, calls[1].caller_ip),
        (call.caller_ip, None)
    );
    assert_eq!(store.recent_exchange_calls(1).await.unwrap()[0].id, second);
    // Only rejected calls are "refused", newest first, since the given moment.
    store
        .set_exchange_outcome(second, "rejected: bad signature")
        .await
        .unwrap();
    let refused = store.refused_exchange_calls(t0(), 10).await.unwrap();
    assert_eq!(refused.iter().map(|c| c.id).collect::<Vec<_>>(), [second]);
    assert!(
        store
            .refused_exchange_calls(t0() + minutes(2), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.purge_exchange_calls(t0() + minutes(1)).await.unwrap(),
        1
    );
    assert!(matches!(
        store.set_exchange_outcome(first, "x").await,
        Err(StoreError::NotFound(_))
    ));
}

async fn open_payments_are_counted_from_when_they_were_made(store: Store) {
    let dossier = seed(&store, "ISB-2026-000070").await;
    // Made at t0: open, open, and one paid.
    new_payment(&store, &dossier.id, "open-1", 1_000).await;
    new_payment(&store, &dossier.id, "open-2", 2_000).await;
    let paid = new_payment(&store, &dossier.id, "paid", 3_000).await;
    store
        .transition_payment(
            &paid.id,
            PaymentStatus::ALL,
            PaymentStatus::Paid,
            t0() + minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(
        store.count_open_payments(t0()).await.unwrap(),
        0,
        "made at t0, not before"
    );
    assert_eq!(
        store.count_open_payments(t0() + minutes(1)).await.unwrap(),
        2
    );
}

async fn purging_a_dossier_deletes_everything_about_it(store: Store) {
    let old = seed(&store, "ISB-2018-000001").await;
    let kept = store
        .import_dossier(&import_of("ISB-2026-000090"), t0())
        .await
        .unwrap()
        .into_inner();
    store
        .set_last_claim_letter(&old.id, date(2018, 6, 1), t0())
        .await
        .unwrap();
    store
        .set_last_claim_letter(&kept.id, date(2026, 2, 1), t0())
        .await
        .unwrap();

    // A person of their own (the other dossier has J. Jansen), and something about them in
    // every dossier table, and in the tables that name the dossier only by value.
    let person = DebtorDetails {
        email: Some("rietje.oldenburger@voorbeeld.nl".into()),
        phone: Some("06-98765432".into()),
        ..DebtorDetails::named(DebtorKind::Person, "Rietje Oldenburger")
    };
    store
        .set_debtor(&old.id, &person, &CreditorId::new("acme"), t0())
        .await
        .unwrap();
    let payment = new_payment(&store, &old.id, "intent", 10_00).await;
    store
        .set_payment_order_id(&payment.id, "51018427309X5f1a", t0())
        .await
        .unwrap();
    store
        .log_exchange_call(&NewExchangeCall {
            received_at: t0(),
            order_id: Some("51018427309X5f1a".into()),
            raw_body: r#"{"payerName":"Rietje Oldenburger","iban":"NL91ABNA0417164300"}"#.into(),
            signature_ok: true,
            caller_ip: None,
        })
        .await
        .unwrap();
    store
        .record_login_attempt(
            &AttemptKey::new(AttemptKeyKind::Dossier, "ISB-2018-000001"),
            false,
            t0(),
        )
        .await
        .unwrap();
    store
        .book_payment(&booking(
            &payment,
            PaymentStatus::Paid,
            Some(payment_entry(&old.id, "k", 10_00)),
        ))
        .await
        .unwrap();
    store
        .add_charge(&NewCharge {
            dossier_id: old.id.clone(),
            kind: ChargeKind::Costs,
            amount: eur(40_00),
            rule: "WIK".into(),
            as_of: date(2018, 6, 1),
            idempotency_key: "wik".into(),
            created_at: t0(),
        })
        .await
        .unwrap();
    let old_plan = store
        .create_plan(&three_months(&old.id, PlanStatus::Active), t0())
        .await
        .unwrap();
    // An income and expenses statement with a payslip names the person too.
    store
        .save_plan_budget(
            &new_budget(&old_plan.id, &old.id, "loonstrook Rietje Oldenburger.pdf"),
            &debtor_audit(&old.id),
        )
        .await
        .unwrap();
    assert_eq!(count(&store, "plan_budget_attachment").await, 1);
    store
        .create_correction(&email_correction(&old.id))
        .await
        .unwrap();
    let old_invoice = store.claim_items(&old.id).await.unwrap()[0].id;
    store
        .record_cost_letter(
            &old.id,
            &NewCostLetter {
                sent_on: date(2018, 5, 1),
                invoice_ids: vec![old_invoice],
                costs_announced: None,
            },
            t0(),
        )
        .await
        .unwrap();
    store
        .create_session(&debtor_session("tok", &old.id), t0())
        .await
        .unwrap();
    store
        .append_audit(&NewAuditEvent {
            at: t0(),
            actor_kind: ActorKind::System,
            actor_id: None,
            dossier_id: Some(old.id.clone()),
            action: "letter.sent".into(),
            detail: serde_json::json!({}),
            client_ip: None,
            counsellor: None,
        })
        .await
        .unwrap();

    // A message that went out: its address and text name the person.
    store
        .queue_mail(&store::NewMail {
            dossier_id: old.id.clone(),
            notice: domain::Notice::PaidInFull {
                paid_on: date(2018, 3, 1),
            },
            dedupe_key: "payment:old:paid_in_full".into(),
            created_at: t0(),
        })
        .await
        .unwrap();
    let mail = store.mails_for_dossier(&old.id).await.unwrap().remove(0);
    assert!(
        store
            .mark_mail_sent(
                &mail.id,
                &store::SentMail {
                    recipient: "rietje.oldenburger@voorbeeld.nl",
                    subject: "Uw dossier is volledig betaald",
                    body_text: "Beste Rietje Oldenburger, … dossier ISB-2018-000001.",
                },
                t0(),
            )
            .await
            .unwrap()
    );

    // Closed in 2018: a candidate of the retention job, the open one is not.
    assert!(
        store
            .set_dossier_status(&old.id, &[DossierStatus::Open], DossierStatus::Closed, t0())
            .await
            .unwrap()
    );
    let closed = store.dossier(&old.id).await.unwrap().unwrap();
    assert_eq!(closed.closed_at, Some(t0()));
    let due = store
        .closed_dossiers_before(date(2019, 3, 2), t0() + minutes(1), 100)
        .await
        .unwrap();
    assert_eq!(
        due.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [old.id.as_str()]
    );
    assert!(
        store
            .closed_dossiers_before(date(2018, 6, 1), t0() + minutes(1), 100)
            .await
            .unwrap()
            .is_empty(),
        "a letter on the cut-off day is not before it"
    );
    assert_eq!(
        store
            .open_dossiers_before(date(2026, 2, 2), 100)
            .await
            .unwrap()
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>(),
        [kept.id.as_str()]
    );

    let forgotten = store.forget_dossier(&old.id).await.unwrap().unwrap();
    assert_eq!(forgotten.creditor_id, CreditorId::new("acme"));
    assert_eq!(forgotten.principal, eur(200_50));
    assert_eq!(forgotten.booked, eur(10_00));
    assert_eq!(store.forget_dossier(&old.id).await.unwrap(), None);

    for table in tables() {
        let expected = match table {
            "creditor" | "dossier" | "debtor" => 1,
            "claim_item" => 2,
            "debtor_field_source" => 7,
            _ => 0,
        };
        assert_eq!(count(&store, table).await, expected, "{table} after purge");
    }
    assert!(store.debtor(&kept.id).await.unwrap().is_some());
    // Nothing about the person is left anywhere: every column of every table, as text.
    for needle in [
        "Rietje Oldenburger",
        "rietje.oldenburger@voorbeeld.nl",
        "06-98765432",
        "NL91ABNA0417164300",
        "ISB-2018-000001",
        old.id.as_str(),
        payment.id.as_str(),
        "51018427309X5f1a",
    ] {
        for (table, columns) in SCHEMA {
            for column in columns.split_whitespace() {
                let sql = format!(
                    "SELECT COUNT(*) AS n FROM {table} WHERE CAST({column} AS TEXT) LIKE $1"
                );
                let n: i64 = sqlx::query(&sql)
                    .bind(format!("%{needle}%"))
                    .fetch_one(store.pool())
                    .await
                    .unwrap()
                    .try_get("n")
                    .unwrap();
                assert_eq!(n, 0, "{needle} left in {table}.{column}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SQLite only

#[tokio::test]
async fn a_sqlite_store_creates_its_file_and_directory_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("portal.db");
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert!(path.is_file());
    assert_eq!(store.backend(), Backend::Sqlite);
    let row = sqlx::query("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let mode: String = row.try_get(0).unwrap();
    assert_eq!(mode, "wal");
    store.close().await;

    // Opening an existing database applies nothing new.
    let again = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert_eq!(count(&again, "dossier").await, 0);
    again.close().await;
}

// ---------------------------------------------------------------------------------------------
// Disputes

fn new_dispute(
    dossier_id: &DossierId,
    invoice: Option<ClaimItemId>,
    kind: DisputeKind,
) -> NewDispute {
    NewDispute {
        dossier_id: dossier_id.clone(),
        claim_item_id: invoice,
        kind,
        explanation: "Dit heb ik al betaald.".into(),
        created_at: t0(),
        ack_due_at: t0() + Duration::days(2),
        decision_due_at: t0() + Duration::days(28),
        attachments: vec![NewAttachment {
            filename: "bewijs.pdf".into(),
            content_type: AttachmentType::Pdf,
            sha256: "00".repeat(32),
            content: b"%PDF-1.4 \x00\xff binary".to_vec(),
        }],
    }
}

fn new_budget(plan_id: &PlanId, dossier_id: &DossierId, filename: &str) -> store::NewPlanBudget {
    store::NewPlanBudget {
        plan_id: plan_id.clone(),
        dossier_id: dossier_id.clone(),
        household: domain::Household::SingleParent,
        net_income: eur(1_650_00),
        housing: eur(725_00),
        health_insurance: eur(40_00),
        childcare: eur(0),
        other_debts: eur(50_00),
        other_fixed: eur(120_00),
        protected: eur(1_567_50),
        capacity: eur(82_50),
        verdict: store::BudgetVerdict::CanPay,
        table_from: date(2026, 1, 1),
        created_at: t0(),
        attachments: vec![NewAttachment {
            filename: filename.into(),
            content_type: AttachmentType::Pdf,
            sha256: "0".repeat(64),
            content: b"%PDF-1.4 \x00\xff loonstrook".to_vec(),
        }],
    }
}

async fn a_plan_budget_keeps_its_files_and_goes_a_year_after_its_plan_ended(store: Store) {
    let mine = seed(&store, "ISB-2026-000123").await;
    let other = store
        .import_dossier(&import_of("ISB-2026-000124"), t0())
        .await
        .unwrap()
        .into_inner();
    let plan = store
        .create_plan(&three_months(&mine.id, PlanStatus::NeedsReview), t0())
        .await
        .unwrap();
    let budget = new_budget(&plan.id, &mine.id, "loonstrook.pdf");
    store
        .save_plan_budget(&budget, &debtor_audit(&mine.id))
        .await
        .unwrap();
    assert!(matches!(
        store
            .save_plan_budget(&budget, &debtor_audit(&mine.id))
            .await,
        Err(StoreError::Conflict(Conflict::PlanBudgetExists))
    ));
    let kept = store.plan_budget(&plan.id).await.unwrap().unwrap();
    assert_eq!(kept.household, domain::Household::SingleParent);
    assert_eq!(kept.net_income, eur(1_650_00));
    assert_eq!(kept.capacity, eur(82_50));
    assert_eq!(kept.verdict, store::BudgetVerdict::CanPay);
    assert_eq!(kept.table_from, date(2026, 1, 1));
    assert_eq!(kept.plan_status, PlanStatus::NeedsReview);
    assert_eq!(kept.plan_ended_at, None);
    assert_eq!(kept.files.len(), 1);
    let id = kept.files[0].id.clone();
    let file = store
        .budget_file_of_dossier(&id, &mine.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(file.content, b"%PDF-1.4 \x00\xff loonstrook");
    assert_eq!(
        store.budget_file_of_dossier(&id, &other.id).await.unwrap(),
        None
    );
    assert_eq!(
        store.plan_budgets_for_dossier(&mine.id).await.unwrap(),
        vec![kept]
    );
    let audit = store.audit_for_dossier(&mine.id, 10).await.unwrap();
    assert_eq!(audit[0].detail["plan_id"], plan.id.as_str());
    assert_eq!(audit[0].detail["files"][0], id.as_str());

    // In review it is kept whatever its age; a year after the plan was turned down it goes.
    assert_eq!(
        store
            .purge_plan_budgets(t0() + Duration::days(400))
            .await
            .unwrap(),
        0
    );
    let rejected_at = t0() + Duration::days(10);
    assert!(
        store
            .set_plan_status(
                &plan.id,
                &[PlanStatus::NeedsReview],
                PlanStatus::Rejected,
                rejected_at
            )
            .await
            .unwrap()
    );
    let ended = store.plan_budget(&plan.id).await.unwrap().unwrap();
    assert_eq!(ended.plan_ended_at, Some(rejected_at));
    assert_eq!(store.purge_plan_budgets(rejected_at).await.unwrap(), 0);
    assert_eq!(
        store
            .purge_plan_budgets(rejected_at + Duration::milliseconds(1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.plan_budget(&plan.id).await.unwrap(), None);
    assert_eq!(count(&store, "plan_budget_attachment").await, 0);
    assert!(
        store.plan(&plan.id).await.unwrap().is_some(),
        "the plan stays"
    );
}

fn debtor_audit(dossier_id: &DossierId) -> NewAuditEvent {
    NewAuditEvent {
        at: t0(),
        actor_kind: ActorKind::Debtor,
        actor_id: Some("ISB".into()),
        dossier_id: Some(dossier_id.clone()),
        action: "dispute.filed".into(),
        detail: serde_json::json!({}),
        client_ip: None,
        counsellor: None,
    }
}

async fn a_dispute_keeps_its_files_and_only_its_dossier_reads_them(store: Store) {
    let mine = seed(&store, "ISB-2026-000123").await;
    let other = store
        .import_dossier(&import_of("ISB-2026-000124"), t0())
        .await
        .unwrap()
        .into_inner();
    let invoice = store.claim_items(&mine.id).await.unwrap()[0].id;
    let dispute = store
        .create_dispute(
            &new_dispute(&mine.id, Some(invoice), DisputeKind::AlreadyPaid),
            &debtor_audit(&mine.id),
        )
        .await
        .unwrap();
    assert_eq!(dispute.status, DisputeStatus::Open);
    assert_eq!(dispute.claim_item_id, Some(invoice));
    let files = store.dispute_attachments(dispute.id).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].content_type, AttachmentType::Pdf);
    let id = files[0].id;
    let file = store
        .attachment_of_dossier(id, &mine.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(file.content, b"%PDF-1.4 \x00\xff binary");
    assert_eq!(file.meta.size_bytes, 18);
    assert_eq!(
        store.attachment_of_dossier(id, &other.id).await.unwrap(),
        None
    );
    let audit = store.audit_for_dossier(&mine.id, 10).await.unwrap();
    assert_eq!(audit[0].detail["dispute_id"], dispute.id.get());
}

async fn one_open_dispute_per_invoice_per_dossier_and_one_open_complaint(store: Store) {
    let dossier = seed(&store, "ISB-2026-000123").await;
    let items = store.claim_items(&dossier.id).await.unwrap();
    let audit = debtor_audit(&dossier.id);
    let file = |invoice, kind| new_dispute(&dossier.id, invoice, kind);
    store
        .create_dispute(&file(Some(items[0].id), DisputeKind::AlreadyPaid), &audit)
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_dispute(&file(Some(items[0].id), DisputeKind::NotMine), &audit)
            .await,
        Err(StoreError::Conflict(Conflict::OpenDispute))
    ));
    // Another invoice, the whole dossier and a complaint are each fine once.
    store
        .create_dispute(&file(Some(items[1].id), DisputeKind::WrongAmount), &audit)
        .await
        .unwrap();
    store
        .create_dispute(&file(None, DisputeKind::Other), &audit)
        .await
        .unwrap();
    store
        .create_dispute(&file(None, DisputeKind::Complaint), &audit)
        .await
        .unwrap();
    for (invoice, kind) in [(None, DisputeKind::NotMine), (None, DisputeKind::Complaint)] {
        assert!(matches!(
            store.create_dispute(&file(invoice, kind), &audit).await,
            Err(StoreError::Conflict(Conflict::OpenDispute))
        ));
    }
    // A failed filing keeps nothing: 4 disputes, 4 files.
    assert_eq!(count(&store, "dispute").await, 4);
    assert_eq!(count(&store, "dispute_attachment").await, 4);
    assert_eq!(store.undecided_disputes().await.unwrap().len(), 4);
}

async fn deciding_a_dispute_books_once_and_links_the_write_off(store: Store) {
    let dossier = seed(&store, "ISB-2026-000123").await;
    let invoice = store.claim_items(&dossier.id).await.unwrap()[1].id;
    let dispute = store
        .create_dispute(
            &new_dispute(&dossier.id, Some(invoice), DisputeKind::NotMine),
            &debtor_audit(&dossier.id),
        )
        .await
        .unwrap();
    let staff_audit = NewAuditEvent {
        actor_kind: ActorKind::Staff,
        actor_id: Some("alice".into()),
        action: "dispute.upheld".into(),
        ..debtor_audit(&dossier.id)
    };
    let ack = DisputeAck {
        id: dispute.id,
        note: Some("Ontvangen".into()),
        staff: "alice".into(),
        now: t0() + minutes(10),
        audit: staff_audit.clone(),
    };
    assert!(matches!(
        store.acknowledge_dispute(&ack).await.unwrap(),
        DisputeChanged::Now(d) if d.status == DisputeStatus::Acknowledged
    ));
    assert!(matches!(
        store.acknowledge_dispute(&ack).await.unwrap(),
        DisputeChanged::Earlier(_)
    ));
    let entry = NewLedgerEntry {
        kind: LedgerKind::Adjustment,
        source: "staff alice: dispute upheld".into(),
        ..payment_entry(&dossier.id, "dispute:1:write-off", 80_50)
    };
    let decision = DisputeDecision {
        id: dispute.id,
        decision: DisputeDecisionKind::Upheld,
        answer: "U hebt gelijk.".into(),
        staff: "alice".into(),
        now: t0() + minutes(20),
        entry: Some(entry),
        write_off_invoice: Some(invoice),
        audit: staff_audit,
    };
    let DisputeChanged::Now(decided) = store.decide_dispute(&decision).await.unwrap() else {
        panic!("decided now");
    };
    assert_eq!(decided.decision, Some(DisputeDecisionKind::Upheld));
    let entry_id = decided.ledger_entry_id.unwrap();
    assert_eq!(
        store.invoice_write_offs(&dossier.id).await.unwrap(),
        [(entry_id, invoice)]
    );
    // A second decision changes and books nothing.
    assert!(matches!(
        store.decide_dispute(&decision).await.unwrap(),
        DisputeChanged::Earlier(_)
    ));
    assert_eq!(store.ledger_entries(&dossier.id).await.unwrap().len(), 1);
    assert!(store.undecided_disputes().await.unwrap().is_empty());
    let audit = store.audit_for_dossier(&dossier.id, 10).await.unwrap();
    assert_eq!(audit[0].detail["ledger_entry_id"], entry_id.get());
}

fn counsellor(username: &str, email: &str, municipality: Option<&str>) -> NewCounsellor {
    NewCounsellor {
        username: username.into(),
        password_hash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        name: format!("{username} name"),
        organisation: "Schuldhulp".into(),
        email: email.into(),
        municipality: municipality.map(str::to_owned),
    }
}

fn counsellor_audit(action: &str, at: DateTime<Utc>) -> NewAuditEvent {
    NewAuditEvent {
        at,
        action: action.into(),
        ..debtor_audit(&DossierId::new("unused"))
    }
}

async fn a_counsellor_redeems_an_invitation_once_and_a_revoked_grant_ends_their_acting(
    store: Store,
) {
    let dossier = seed(&store, "ISB-2026-000321").await;
    store
        .create_counsellor(&counsellor("sam", "sam@hulp.example", None), t0())
        .await
        .unwrap();
    store
        .create_counsellor(&counsellor("lee", "lee@elders.example", None), t0())
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_counsellor(&counsellor("sam", "x@y.example", None), t0())
            .await,
        Err(StoreError::Conflict(Conflict::StaffUsernameTaken))
    ));
    assert_eq!(
        store.staff_user("sam").await.unwrap().unwrap().kind,
        AccountKind::Counsellor
    );
    let invite = |id: &str, hash: &str, email: Option<&str>| NewInvitation {
        id: domain::InvitationId::new(id),
        dossier_id: dossier.id.clone(),
        code_hash: hash.into(),
        personal_data: true,
        organisation: None,
        email: email.map(str::to_owned),
        created_at: t0(),
        expires_at: t0() + Duration::days(14),
        audit: NewAuditEvent {
            dossier_id: Some(dossier.id.clone()),
            ..counsellor_audit("counsellor.invited", t0())
        },
    };
    store
        .create_invitation(&invite("i1", "h1", Some("SAM@hulp.example")))
        .await
        .unwrap();
    store
        .create_invitation(&invite("i2", "h2", None))
        .await
        .unwrap();
    assert_eq!(
        store
            .open_invitations(&dossier.id, t0())
            .await
            .unwrap()
            .len(),
        2
    );
    let later = t0() + Duration::hours(1);
    // Bound to sam's address: lee cannot; an unknown code is no invitation.
    let audit = counsellor_audit("counsellor.joined", later);
    assert_eq!(
        store.redeem_invitation("h1", "lee", &audit).await.unwrap(),
        Redeemed::OtherCounsellor
    );
    assert_eq!(
        store
            .redeem_invitation("nope", "sam", &audit)
            .await
            .unwrap(),
        Redeemed::NoSuchInvitation
    );
    let Redeemed::Granted(access) = store.redeem_invitation("h1", "sam", &audit).await.unwrap()
    else {
        panic!("not granted")
    };
    assert_eq!(access.dossier_number, "ISB-2026-000321");
    assert!(access.personal_data);
    // Used once; a second code for a dossier sam already has stays unused.
    assert_eq!(
        store.redeem_invitation("h1", "sam", &audit).await.unwrap(),
        Redeemed::NoSuchInvitation
    );
    assert_eq!(
        store.redeem_invitation("h2", "sam", &audit).await.unwrap(),
        Redeemed::AlreadyGranted
    );
    // Past its 14 days nobody redeems it.
    let expired = counsellor_audit("counsellor.joined", t0() + Duration::days(15));
    assert_eq!(
        store
            .redeem_invitation("h2", "lee", &expired)
            .await
            .unwrap(),
        Redeemed::NoSuchInvitation
    );
    assert!(store.access(&dossier.id, "sam").await.unwrap().is_some());
    assert_eq!(store.accesses_for_counsellor("sam").await.unwrap().len(), 1);
    let events = store.counsellor_events(&dossier.id, 10).await.unwrap();
    assert_eq!(
        events.len(),
        0,
        "the joined event's counsellor is set by the caller"
    );

    // Acting for the dossier, then revoked: the session no longer acts for it.
    let session = NewSession {
        token: "counsellor-token-0123456789abcdef".into(),
        kind: SessionKind::Staff,
        dossier_id: None,
        staff_username: Some("sam".into()),
        csrf_token: "c".into(),
        expires_at: later + Duration::hours(8),
    };
    store.create_session(&session, later).await.unwrap();
    assert!(
        store
            .set_acting_for(&session.token, Some(&dossier.id))
            .await
            .unwrap()
    );
    let idle = Duration::minutes(30);
    let live = store
        .session(&session.token, later, idle)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.acting_for.as_ref(), Some(&dossier.id));
    let revoke = NewAuditEvent {
        dossier_id: Some(dossier.id.clone()),
        ..counsellor_audit("counsellor.revoked", later)
    };
    assert!(
        store
            .revoke_access(&dossier.id, &access.id, "debtor", &revoke)
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_access(&dossier.id, &access.id, "debtor", &revoke)
            .await
            .unwrap()
    );
    let live = store
        .session(&session.token, later, idle)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.acting_for, None);
    assert!(store.access(&dossier.id, "sam").await.unwrap().is_none());
    // Granted again later (a new code): a new live grant beside the revoked one.
    store
        .create_invitation(&invite("i3", "h3", None))
        .await
        .unwrap();
    assert!(matches!(
        store.redeem_invitation("h3", "sam", &audit).await.unwrap(),
        Redeemed::Granted(_)
    ));
}

async fn a_municipal_request_is_decided_once_and_grants_access(store: Store) {
    let dossier = seed(&store, "ISB-2026-000322").await;
    store
        .create_counsellor(
            &counsellor("gem", "gem@utrecht.example", Some("Utrecht")),
            t0(),
        )
        .await
        .unwrap();
    let request = |id: &str| NewAccessRequest {
        id: domain::AccessRequestId::new(id),
        counsellor: "gem".into(),
        dossier_id: dossier.id.clone(),
        reason: "intake".into(),
        personal_data: false,
        created_at: t0(),
        audit: NewAuditEvent {
            dossier_id: Some(dossier.id.clone()),
            counsellor: Some("gem".into()),
            ..counsellor_audit("counsellor.access_requested", t0())
        },
    };
    store.create_access_request(&request("r1")).await.unwrap();
    assert!(matches!(
        store.create_access_request(&request("r2")).await,
        Err(StoreError::Conflict(Conflict::OpenAccessRequest))
    ));
    assert_eq!(store.open_access_requests().await.unwrap().len(), 1);
    assert_eq!(
        store
            .counsellor_events(&dossier.id, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let id = domain::AccessRequestId::new("r1");
    let decide = counsellor_audit("counsellor.request_granted", t0());
    assert_eq!(
        store
            .decide_access_request(&id, true, "ok", "anna", &decide)
            .await
            .unwrap(),
        RequestDecided::Done
    );
    assert_eq!(
        store
            .decide_access_request(&id, false, "no", "ben", &decide)
            .await
            .unwrap(),
        RequestDecided::Earlier {
            by: Some("anna".into())
        }
    );
    let access = store.access(&dossier.id, "gem").await.unwrap().unwrap();
    assert_eq!(
        (access.via.as_str(), access.granted_by.as_str()),
        ("staff", "anna")
    );
    assert!(!access.personal_data);
    let mine = store.access_requests_of("gem").await.unwrap();
    assert_eq!(mine[0].status, "granted");
    assert_eq!(mine[0].note.as_deref(), Some("ok"));
    assert!(store.open_access_requests().await.unwrap().is_empty());
    // Another request may be made once none is open.
    store.create_access_request(&request("r3")).await.unwrap();
}
