//! Fresh databases for tests (cargo feature `testing`), shared by this crate's suite and by
//! the crates built on the store, so every suite runs on both backends the same way.
//!
//! - [`on_sqlite`]: a new SQLite file in a temporary directory, removed afterwards.
//! - [`on_postgres`]: a new database `test_<random>` on the server named by
//!   `TEST_DATABASE_URL`, dropped afterwards. Without that variable the run is skipped with a
//!   note, except with `CI=true`, where it fails: a silently skipped backend would hide bugs.
//! - [`backend_tests!`](crate::backend_tests): declares each test once and runs it on both.
//!
//! ```ignore
//! async fn a_dossier_can_be_imported(store: store::Store) { /* … */ }
//!
//! store::backend_tests!(a_dossier_can_be_imported);
//! // → tests `sqlite::a_dossier_can_be_imported` and `postgres::a_dossier_can_be_imported`
//! ```

use std::future::Future;

use sqlx::{Connection, Executor, PgConnection};

use chrono::{NaiveDate, TimeZone, Utc};
use domain::{CreditorId, DossierId, Money};

use crate::{
    DebtorDetails, DebtorKind, DossierImport, DossierStatus, InterestKind, NewClaimItem,
    NewCostLetter, NewCreditor, NewDossier, Store,
};

#[allow(
    clippy::inconsistent_digit_grouping,
    reason = "amounts are written as euros_cents: 225_00 is € 225,00"
)]
/// A consumer dossier: two invoices (€1,000.00 and €500.00) and €225.00 collection costs,
/// plus live statutory interest; returns its id. The payments and plans suites start from it.
///
/// # Panics
///
/// When the database refuses it.
pub async fn seed_consumer_dossier(store: &Store, number: &str) -> DossierId {
    let now = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap();
    store
        .upsert_creditor(
            &NewCreditor {
                id: CreditorId::new("zorg"),
                name: "Stichting Thuiszorg Zeeland".into(),
                kvk: Some("41234567".into()),
                contact_email: None,
                contact_phone: None,
                can_deduct_vat: true,
                interest_kind: InterestKind::Consumer,
            },
            now,
        )
        .await
        .unwrap();
    let dossier = store
        .import_dossier(
            &DossierImport {
                dossier: NewDossier {
                    number: number.into(),
                    creditor_id: CreditorId::new("zorg"),
                    status: DossierStatus::Open,
                },
                debtor: DebtorDetails::named(DebtorKind::Person, "P. de Vries"),
                claim_items: vec![
                    NewClaimItem {
                        invoice_number: format!("{number}-F1"),
                        invoice_date: day(2025, 1, 1),
                        due_date: day(2025, 1, 31),
                        principal: Money::from_cents(1_000_00),
                    },
                    NewClaimItem {
                        invoice_number: format!("{number}-F2"),
                        invoice_date: day(2025, 2, 1),
                        due_date: day(2025, 2, 28),
                        principal: Money::from_cents(500_00),
                    },
                ],
            },
            now,
        )
        .await
        .unwrap()
        .into_inner();
    // The 14-day letter that makes the collection costs (15% of €1,500.00 = €225.00) owed
    // from 2025-03-18.
    let invoice_ids = store
        .claim_items(&dossier.id)
        .await
        .expect("the seeded invoices")
        .into_iter()
        .map(|item| item.id)
        .collect();
    store
        .record_cost_letter(
            &dossier.id,
            &NewCostLetter {
                sent_on: day(2025, 3, 1),
                invoice_ids,
                costs_announced: Some(Money::from_cents(225_00)),
            },
            now,
        )
        .await
        .expect("the seeded letter");
    dossier.id
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid test date")
}

/// The variable naming the PostgreSQL server for tests, e.g.
/// `postgres://postgres@127.0.0.1:5432/test` (any existing database to connect to; each run
/// creates its own).
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// Runs `test` against a new, migrated SQLite file in a temporary directory.
///
/// # Panics
///
/// When the database cannot be created, and again with the test's own panic.
pub async fn on_sqlite<Fut>(test: impl FnOnce(Store) -> Fut)
where
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}/portal.db", dir.path().display());
    let store = Store::connect(&url).await.expect("open the SQLite store");
    // Spawned so that a panic comes back as a value and the cleanup still runs.
    let outcome = tokio::spawn(test(store.clone())).await;
    store.close().await;
    drop(dir);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs `test` against a new, migrated PostgreSQL database created through
/// [`TEST_DATABASE_URL`] and dropped afterwards (best effort). Skipped without that variable,
/// unless `CI=true`.
///
/// # Panics
///
/// When the database cannot be created, when `CI=true` and the variable is missing, and again
/// with the test's own panic.
pub async fn on_postgres<Fut>(test: impl FnOnce(Store) -> Fut)
where
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = PgDatabase::create().await else {
        return;
    };
    let store = Store::connect(&db.url)
        .await
        .expect("open the PostgreSQL store");
    let outcome = tokio::spawn(test(store.clone())).await;
    store.close().await;
    db.drop().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// A new, empty PostgreSQL database on the [`TEST_DATABASE_URL`] server, for tests that
/// start servers or processes on it (they migrate it); [`PgDatabase::drop`] removes it.
#[derive(Debug)]
pub struct PgDatabase {
    admin_url: String,
    name: String,
    /// Its URL.
    pub url: String,
}

impl PgDatabase {
    /// Creates the database, or `None` when PostgreSQL tests are skipped (never with
    /// `CI=true`).
    ///
    /// # Panics
    ///
    /// When the server cannot be reached or refuses to create it.
    pub async fn create() -> Option<PgDatabase> {
        let admin_url = postgres_admin_url()?;
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create the test database");
        let _ = admin.close().await;
        let url = with_database(&admin_url, &name);
        Some(PgDatabase {
            admin_url,
            name,
            url,
        })
    }

    /// Drops the database (best effort, forcing out connections still open).
    pub async fn drop(self) {
        match PgConnection::connect(&self.admin_url).await {
            Ok(mut admin) => {
                let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
                if let Err(e) = admin.execute(sql.as_str()).await {
                    eprintln!("note: could not drop test database {}: {e}", self.name);
                }
                let _ = admin.close().await;
            }
            Err(e) => eprintln!("note: could not drop test database {}: {e}", self.name),
        }
    }
}

/// The server URL from [`TEST_DATABASE_URL`], or `None` (with a note) to skip.
///
/// # Panics
///
/// When `CI=true` and the variable is not set.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var(TEST_DATABASE_URL) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => panic!(
            "CI=true but TEST_DATABASE_URL is not set: the suites must also run on PostgreSQL \
             in CI (e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)"
        ),
        _ => {
            eprintln!("note: TEST_DATABASE_URL is not set; skipping the PostgreSQL run");
            None
        }
    }
}

/// The same server and options as `url`, another database name.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority..].find('/') {
        Some(slash) => &base[..authority + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// Declares each listed `async fn name(store: Store)` as two tests, `sqlite::name` and
/// `postgres::name`, each on a fresh database ([`on_sqlite`], [`on_postgres`]). The calling
/// crate needs `tokio` (with `macros` and `rt-multi-thread`) as a dev-dependency.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::testing::on_sqlite(super::$name).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::testing::on_postgres(super::$name).await;
                }
            )+
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_and_options_kept() {
        assert_eq!(
            with_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
