//! Migrations over existing data. A SQLite migration that rebuilds a table (SQLite cannot
//! change a CHECK constraint in place) must keep every row, id and link; this applies the
//! migrations up to the one before, fills the tables the way a running portal would, then
//! lets the store apply the rest.

use domain::{ClaimItemId, DossierId, PlanId};
use sqlx::Row;
use sqlx::migrate::Migrator;
use std::path::Path;
use store::{PlanStatus, Store};

/// A migrator holding only the migrations of `backend` up to and including `last`.
async fn migrator_up_to(backend: &str, last: &str) -> (tempfile::TempDir, Migrator) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for source in [root.join(backend), root.join("shared")] {
        let mut names: Vec<_> = std::fs::read_dir(&source)
            .expect("migrations")
            .map(|e| e.expect("entry").file_name())
            .collect();
        names.sort();
        for name in names
            .iter()
            .filter(|n| n.to_string_lossy().as_ref() <= last)
        {
            std::fs::copy(source.join(name), dir.path().join(name)).expect("copy");
        }
    }
    let migrator = Migrator::new(dir.path()).await.expect("migrator");
    (dir, migrator)
}

async fn exec(store: &Store, sql: &str) {
    sqlx::query(sql)
        .execute(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn the_sqlite_plan_review_migration_keeps_plans_instalments_and_payment_links() {
    let db = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", db.path().join("portal.db").display());
    let store = Store::open(&url).await.expect("open");
    let (_dir, before) = migrator_up_to("sqlite", "0002_~").await;
    before
        .run(store.pool())
        .await
        .expect("migrations up to 0002");

    exec(
        &store,
        "INSERT INTO creditor (id, name, can_deduct_vat, interest_kind, created_at, updated_at) \
         VALUES ('c1', 'Energie BV', 1, 'consumer', 0, 0)",
    )
    .await;
    exec(
        &store,
        "INSERT INTO dossier (id, number, creditor_id, status, created_at, updated_at) \
         VALUES ('d1', 'ISB-2026-000001', 'c1', 'plan', 0, 0)",
    )
    .await;
    exec(&store, "INSERT INTO payment_plan (id, dossier_id, status, total_cents, instalment_count, created_at, updated_at) \
         VALUES ('p0', 'd1', 'completed', 10000, 1, 1, 1), ('p1', 'd1', 'active', 30000, 3, 2, 2)").await;
    // Ids with a gap: they must survive as they are (payments point at them).
    exec(&store, "INSERT INTO plan_instalment (id, plan_id, seq, due_date, amount_cents, status, paid_at) VALUES \
         (3, 'p0', 1, '2026-01-31', 10000, 'paid', 5), \
         (7, 'p1', 1, '2026-02-28', 10000, 'paid', 6), \
         (8, 'p1', 2, '2026-03-31', 10000, 'open', NULL), \
         (9, 'p1', 3, '2026-04-30', 10000, 'open', NULL)").await;
    exec(&store, "INSERT INTO payment (id, dossier_id, intent_key, amount_cents, purpose, plan_instalment_id, status, created_at, updated_at) \
         VALUES ('pay1', 'd1', 'k1', 10000, 'instalment', 7, 'paid', 6, 6), \
                ('pay2', 'd1', 'k2', 5000, 'partial', NULL, 'cancelled', 7, 7)").await;

    store.migrate().await.expect("the remaining migrations");

    let plan = store
        .plan(&PlanId::new("p1"))
        .await
        .expect("db")
        .expect("plan kept");
    assert_eq!(plan.status, PlanStatus::Active);
    let ids: Vec<i64> = plan.instalments.iter().map(|i| i.id.get()).collect();
    assert_eq!(ids, [7, 8, 9]);
    assert_eq!(plan.instalments[0].status.as_str(), "paid");
    assert_eq!(
        store
            .plan(&PlanId::new("p0"))
            .await
            .expect("db")
            .expect("plan kept")
            .instalments[0]
            .id
            .get(),
        3
    );
    let links: Vec<(String, Option<i64>)> =
        sqlx::query("SELECT id, plan_instalment_id FROM payment ORDER BY id")
            .fetch_all(store.pool())
            .await
            .expect("payments")
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    assert_eq!(
        links,
        [("pay1".to_owned(), Some(7)), ("pay2".to_owned(), None)]
    );
    // What the migration is for: the new status, and the review table.
    exec(
        &store,
        "UPDATE payment_plan SET status = 'rejected' WHERE id = 'p0'",
    )
    .await;
    exec(
        &store,
        "INSERT INTO plan_review (plan_id, reason) VALUES ('p1', 'ziek')",
    )
    .await;
    // The rebuilt table still allows one plan in play per dossier, and still cascades.
    let second = sqlx::query(
        "INSERT INTO payment_plan (id, dossier_id, status, total_cents, instalment_count, created_at, updated_at) \
         VALUES ('p2', 'd1', 'proposed', 1, 1, 3, 3)",
    )
    .execute(store.pool())
    .await;
    assert!(second.is_err(), "a second plan in play is refused");
    exec(&store, "DELETE FROM payment_plan WHERE id = 'p1'").await;
    let left: i64 = sqlx::query("SELECT COUNT(*) FROM plan_instalment WHERE plan_id = 'p1'")
        .fetch_one(store.pool())
        .await
        .expect("count")
        .get(0);
    assert_eq!(left, 0, "instalments go with their plan");
}

/// Before letters were kept, the import booked the WIK costs as `wik:` charges from one letter
/// date. Migration 0008 turns that date into a letter naming every invoice and announcing what
/// was charged (so no dossier owes more than before), and drops the WIK charges; other charges
/// stay.
#[tokio::test]
async fn the_cost_letter_migration_turns_wik_charges_into_a_capped_letter() {
    let db = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", db.path().join("portal.db").display());
    let store = Store::open(&url).await.expect("open");
    let (_dir, before) = migrator_up_to("sqlite", "0007_~").await;
    before
        .run(store.pool())
        .await
        .expect("migrations up to 0007");
    exec(
        &store,
        "INSERT INTO creditor (id, name, can_deduct_vat, interest_kind, created_at, updated_at) \
         VALUES ('c1', 'Energie BV', 1, 'consumer', 0, 0)",
    )
    .await;
    exec(
        &store,
        "INSERT INTO dossier (id, number, creditor_id, status, last_claim_letter_at, \
         created_at, updated_at) VALUES \
         ('d1', 'ISB-2026-000001', 'c1', 'open', '2026-03-01', 0, 0), \
         ('d2', 'ISB-2026-000002', 'c1', 'open', NULL, 0, 0)",
    )
    .await;
    exec(
        &store,
        "INSERT INTO claim_item (id, dossier_id, invoice_number, invoice_date, due_date, \
         principal_cents) VALUES (1, 'd1', 'F-1', '2026-01-01', '2026-01-15', 100000), \
         (2, 'd1', 'F-2', '2026-02-20', '2026-03-10', 50000), \
         (3, 'd2', 'F-3', '2026-01-01', '2026-01-15', 10000)",
    )
    .await;
    exec(
        &store,
        "INSERT INTO charge (dossier_id, kind, amount_cents, rule, as_of, idempotency_key, \
         created_at) VALUES \
         ('d1', 'costs', 22500, 'WIK', '2026-03-18', 'wik:ISB-2026-000001', 0), \
         ('d1', 'costs', -2500, 'WIK', '2026-04-01', 'wik:ISB-2026-000001:2', 0), \
         ('d1', 'costs', 1500, 'bailiff', '2026-04-01', 'bailiff:1', 0)",
    )
    .await;

    store.migrate().await.expect("the remaining migrations");

    let letters = store.cost_letters(&DossierId::new("d1")).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].sent_on.to_string(), "2026-03-01");
    assert_eq!(
        letters[0].invoice_ids,
        [ClaimItemId::new(1), ClaimItemId::new(2)]
    );
    assert_eq!(
        letters[0].costs_announced,
        Some(domain::Money::from_cents(20_000))
    );
    assert!(
        store
            .cost_letters(&DossierId::new("d2"))
            .await
            .unwrap()
            .is_empty()
    );
    let keys: Vec<String> = store
        .charges(&DossierId::new("d1"))
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.idempotency_key)
        .collect();
    assert_eq!(keys, ["bailiff:1"]);
}
