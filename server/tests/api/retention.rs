//! Retention: the job removes exactly the dossiers past their retention (7 years after the
//! last claim letter, never earlier than 2 years after closing, never while open), on
//! SQLite and PostgreSQL, audits the run with counts only, and the CLI's dry run lists the
//! same without removing anything.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::{CreditorId, DossierId, Money, RetentionPolicy};
use store::{
    DebtorDetails, DebtorKind, DossierImport, DossierStatus, NewClaimItem, NewDossier, Store,
};

store::backend_tests!(the_job_removes_exactly_the_dossiers_past_their_retention);

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn noon(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).expect("time"))
}

/// A dossier taken on on `created`, with its last letter and, when closed, the day.
async fn dossier(
    store: &Store,
    number: &str,
    created: NaiveDate,
    letter: Option<NaiveDate>,
    closed: Option<NaiveDate>,
) -> DossierId {
    store::testing::seed_consumer_dossier(store, "ISB-2000-000000").await;
    let id = store
        .import_dossier(
            &DossierImport {
                dossier: NewDossier {
                    number: number.into(),
                    creditor_id: CreditorId::new("zorg"),
                    status: DossierStatus::Open,
                },
                debtor: DebtorDetails::named(DebtorKind::Person, format!("Debtor {number}")),
                claim_items: vec![NewClaimItem {
                    invoice_number: format!("{number}-F1"),
                    invoice_date: created,
                    due_date: created,
                    principal: Money::from_cents(10_000),
                }],
            },
            noon(created),
        )
        .await
        .expect("import")
        .into_inner()
        .id;
    if let Some(letter) = letter {
        store
            .set_last_claim_letter(&id, letter, noon(letter))
            .await
            .expect("letter");
    }
    if let Some(closed) = closed {
        assert!(
            store
                .set_dossier_status(
                    &id,
                    &[DossierStatus::Open],
                    DossierStatus::Closed,
                    noon(closed)
                )
                .await
                .expect("close")
        );
    }
    id
}

async fn the_job_removes_exactly_the_dossiers_past_their_retention(store: Store) {
    let today = day(2026, 12, 7);
    let policy = RetentionPolicy::default();
    let created = day(2014, 6, 1);
    // (number, last letter, closed, removed today)
    let cases = [
        // Seven years after the letter passed, closed long ago.
        (
            "ISB-2019-000001",
            Some(day(2019, 1, 5)),
            Some(day(2019, 1, 10)),
            true,
        ),
        // The letter's seven years end today: kept today, gone tomorrow.
        (
            "ISB-2019-000002",
            Some(day(2019, 12, 7)),
            Some(day(2020, 1, 1)),
            false,
        ),
        (
            "ISB-2019-000003",
            Some(day(2019, 12, 6)),
            Some(day(2020, 1, 1)),
            true,
        ),
        // Letter long ago, closed less than two years ago (Bki art. 5.2).
        (
            "ISB-2015-000004",
            Some(day(2015, 3, 1)),
            Some(day(2025, 3, 1)),
            false,
        ),
        // ... and closed two years and a day ago.
        (
            "ISB-2015-000005",
            Some(day(2015, 3, 1)),
            Some(day(2024, 12, 6)),
            true,
        ),
        // Still open: kept, and reported.
        ("ISB-2015-000006", Some(day(2015, 3, 1)), None, false),
        // No letter recorded: counts from the day it was taken on (2014).
        ("ISB-2014-000007", None, Some(day(2016, 1, 1)), true),
        // A recent letter.
        (
            "ISB-2024-000008",
            Some(day(2024, 5, 1)),
            Some(day(2024, 6, 1)),
            false,
        ),
    ];
    let mut ids = Vec::new();
    for (number, letter, closed, _) in cases {
        ids.push(dossier(&store, number, created, letter, closed).await);
    }
    let expected: Vec<&str> = cases.iter().filter(|c| c.3).map(|c| c.0).collect();

    let due = server::retention::due(&store, policy, today)
        .await
        .expect("dry run");
    let mut listed: Vec<&str> = due.remove.iter().map(|(d, _)| d.number.as_str()).collect();
    listed.sort();
    let mut wanted = expected.clone();
    wanted.sort();
    assert_eq!(listed, wanted);
    assert_eq!(
        due.held_open
            .iter()
            .map(|(d, _)| d.number.as_str())
            .collect::<Vec<_>>(),
        ["ISB-2015-000006"]
    );
    // A dry run removes nothing.
    for id in &ids {
        assert!(store.dossier(id).await.expect("db").is_some());
    }

    let now = noon(today);
    let removed = server::retention::run(&store, policy, today, now)
        .await
        .expect("run");
    assert_eq!(removed.dossiers, expected.len() as u64);
    assert_eq!(removed.held_open, 1);
    assert_eq!(
        removed.per_creditor.get("zorg"),
        Some(&(expected.len() as u64, expected.len() as i64 * 10_000, 0))
    );
    for ((number, _, _, gone), id) in cases.iter().zip(&ids) {
        assert_eq!(
            store.dossier(id).await.expect("db").is_none(),
            *gone,
            "{number}"
        );
    }
    // The run is audited with counts, and no number of what it removed.
    let text: String = {
        use sqlx::Row;
        sqlx::query(
            "SELECT detail FROM audit_event WHERE action = 'retention.run' \
             AND actor_id = 'retention' AND dossier_id IS NULL",
        )
        .fetch_one(store.pool())
        .await
        .expect("audited")
        .try_get("detail")
        .expect("detail")
    };
    let detail: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(detail["removed"], expected.len());
    assert_eq!(detail["held_open"], 1);
    for number in &expected {
        assert!(!text.contains(number), "{text}");
    }
    // Again: nothing more to do; tomorrow the letter of ISB-2019-000002 has run out.
    let again = server::retention::run(&store, policy, today, now)
        .await
        .expect("run");
    assert_eq!(again.dossiers, 0);
    let tomorrow = today.succ_opt().expect("day");
    let next = server::retention::run(&store, policy, tomorrow, noon(tomorrow))
        .await
        .expect("run");
    assert_eq!(next.dossiers, 1);
    assert!(store.dossier(&ids[1]).await.expect("db").is_none());
}

/// The command line: `retention --dry-run` lists and keeps; `retention` removes.
#[tokio::test]
async fn the_retention_command_lists_with_dry_run_and_removes_without() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("portal.db").display());
    let store = Store::connect(&url).await.expect("store");
    let today = claim::dutch_date(Utc::now());
    let years_ago = |n: u32| {
        today
            .checked_sub_months(chrono::Months::new(n * 12))
            .expect("date")
    };
    let gone = dossier(
        &store,
        "ISB-2016-000101",
        years_ago(11),
        Some(years_ago(10)),
        Some(years_ago(9)),
    )
    .await;
    let open = dossier(
        &store,
        "ISB-2016-000102",
        years_ago(11),
        Some(years_ago(10)),
        None,
    )
    .await;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_debiteurportaal"))
            .arg("retention")
            .args(args)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run debiteurportaal");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let listed = run(&["--dry-run"]);
    assert!(listed.contains("would remove 1 dossier(s)"), "{listed}");
    assert!(listed.contains("ISB-2016-000101"), "{listed}");
    assert!(listed.contains("kept because still open (1)"), "{listed}");
    assert!(listed.contains("ISB-2016-000102"), "{listed}");
    assert!(store.dossier(&gone).await.expect("db").is_some());
    let done = run(&[]);
    assert!(done.contains("removed 1 dossier(s)"), "{done}");
    assert!(store.dossier(&gone).await.expect("db").is_none());
    assert!(store.dossier(&open).await.expect("db").is_some());
}
