//! Storage: one API over SQLite and PostgreSQL.
//!
//! [`Store`] wraps a `sqlx::AnyPool`; the backend is picked from the URL scheme (`sqlite:` or
//! `postgres://`); the migrations (`migrations.rs`) share a file where the backends agree
//! (`migrations/shared`) and have one per backend only where they differ (`migrations/sqlite`,
//! `migrations/postgres`), defining the same tables and columns. The queries are shared, so they
//! stick to SQL both understand: `$n` placeholders (SQLite reads `$1` natively), `INSERT … ON
//! CONFLICT`, `RETURNING`, partial unique indexes.
//!
//! Storage conventions: money is BIGINT cents ([`domain::Money`]), instants are BIGINT unix
//! milliseconds (sub-millisecond precision is dropped), calendar dates are TEXT `YYYY-MM-DD`,
//! booleans are INTEGER 0/1 (sqlx's Any driver cannot read a SQLite BOOLEAN column).
//!
//! Every money change runs in one transaction, and every replayable write carries a unique key
//! so that a replay is a no-op ([`Booked::AlreadyBooked`], [`Created::Existing`]). Balances are
//! never stored: they are derived from claim items, charges and the append-only ledger
//! ([`Store::dossier_totals`]). See `README.md` for the table list.

mod audit;
mod budgets;
mod corrections;
mod counsellors;
mod deferrals;
mod disputes;
mod dossiers;
mod error;
mod exchange;
mod leases;
mod ledger;
mod letters;
mod migrations;
mod outbox;
mod pauses;
mod payments;
mod plans;
mod retention;
mod row;
mod sessions;
mod staff;
#[cfg(feature = "testing")]
pub mod testing;
mod types;

use std::path::Path;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};

pub use audit::{AuditEvent, NewAuditEvent};
pub use budgets::{BudgetFile, BudgetFileMeta, NewPlanBudget, PlanBudget};
pub use corrections::{CorrectionDecision, CorrectionRequest, Decided, NewCorrection};
pub use counsellors::{
    Access, AccessRecord, AccessRequest, Counsellor, Invitation, NewAccessRequest, NewCounsellor,
    NewInvitation, Redeemed, RequestDecided,
};
pub use deferrals::{Deferral, DeferralDecision, NewDeferral};
pub use disputes::{
    Attachment, AttachmentMeta, Dispute, DisputeAck, DisputeChanged, DisputeDecision,
    NewAttachment, NewDispute,
};
pub use dossiers::{
    ClaimItem, Creditor, Debtor, DebtorDetails, Dossier, DossierImport, DossierQuery,
    DossierSummary, FieldSource, NewClaimItem, NewCreditor, NewDossier,
};
pub use error::{Conflict, Result, StoreError};
pub use exchange::{ExchangeCall, NewExchangeCall};
pub use leases::Lease;
pub use ledger::{Charge, DossierTotals, LedgerEntry, NewCharge, NewLedgerEntry};
pub use letters::{CostLetter, NewCostLetter};
pub use outbox::{Mail, MailAddressee, NewMail, SentMail};
pub use pauses::{NewPause, Pause};
pub use payments::{BookOutcome, BookPayment, NewPayment, Payment, RecheckTier, Transition};
pub use plans::{
    InterestStop, NewInstalment, NewPlan, NewPlanReview, PaymentPlan, PlanDecided, PlanDecision,
    PlanInstalment, PlanReview,
};
pub use retention::Forgotten;
pub use sessions::{
    AttemptHistory, AttemptKey, HistoryQuery, NewSession, Reservation, ReservedAttempt, Session,
    TOUCH_EVERY,
};
pub use staff::{StaffChallenge, StaffUser};
pub use types::{
    AccountKind, ActorKind, AttachmentType, AttemptKeyKind, Booked, BudgetVerdict, ChargeKind,
    CorrectionStatus, Created, DebtorField, DebtorKind, DeferralStatus, DisputeDecisionKind,
    DisputeKind, DisputeStatus, DossierStatus, FieldSourceKind, InstalmentStatus, InterestKind,
    LedgerKind, MailStatus, PaymentPurpose, PaymentStatus, PlanDecisionKind, PlanStatus,
    SessionKind, StaffRole,
};

/// Tries at a SQLite migration run that another process may be racing.
const MIGRATE_ATTEMPTS: u32 = 10;

/// How long a caller waits for a pooled connection before getting an error.
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }
}

/// The database behind the portal. Cheap to clone (it is a pool handle); keep one per process
/// and pass it around, so each test can have its own.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens the database and brings its schema up to date. For SQLite the file (and its
    /// directory) is created when absent, e.g. `sqlite://data/portal.db`.
    pub async fn connect(url: &str) -> Result<Store> {
        let store = Store::open(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the database without running migrations.
    pub async fn open(url: &str) -> Result<Store> {
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        // A request waits at most this long for a connection: when the database is gone it
        // fails in seconds (and the pool reconnects once it is back) instead of hanging for
        // sqlx's default 30 s.
        let mut options = AnyPoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT);
        let url = match backend {
            Backend::Postgres => url.to_owned(),
            Backend::Sqlite => {
                // Per connection: WAL lets readers run beside the one writer; NORMAL sync is
                // durable enough with WAL; writers queue for up to 5 s instead of failing.
                options = options.after_connect(|conn, _meta| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                        Ok(())
                    })
                });
                prepare_sqlite_url(url)?
            }
        };
        let pool = options.connect(&url).await?;
        Ok(Store { pool, backend })
    }

    /// Applies pending migrations for this backend.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = migrations::migrator(self.backend).await?;
        // PostgreSQL: sqlx holds an advisory lock around the run, so processes starting
        // together apply each migration once. SQLite has no such lock: two processes on a
        // fresh file both try migration 1 and the loser fails ("table already exists") once
        // the winner commits. Each migration is one transaction, so the loser retries and
        // finds it applied.
        let mut attempt = 1;
        loop {
            match migrator.run(&self.pool).await {
                Ok(()) => break,
                Err(e) if self.backend == Backend::Sqlite && attempt < MIGRATE_ATTEMPTS => {
                    tracing::info!(error = %e, attempt, "migration raced another process; retrying");
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        tracing::debug!(backend = ?self.backend, "database schema up to date");
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The underlying pool, for health checks and tests; the portal itself goes through the
    /// methods of this type.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Waits for connections to be returned and closes them.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Begins a transaction that is going to write. SQLite takes the write lock up front: a
    /// deferred transaction that reads first and writes later can fail with SQLITE_BUSY at once
    /// instead of waiting, when two of them race.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }
}

/// Creates the SQLite file's directory and asks SQLite to create the file (`mode=rwc`) unless
/// the URL chooses a mode itself.
fn prepare_sqlite_url(url: &str) -> Result<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or(StoreError::UnsupportedUrl)?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_owned());
    }
    if let Some(dir) = Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    if query.split('&').any(|pair| pair.starts_with("mode=")) {
        Ok(url.to_owned())
    } else if query.is_empty() {
        Ok(format!("{url}?mode=rwc"))
    } else {
        Ok(format!("{url}&mode=rwc"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode_unless_they_choose_one() {
        let dir = tempfile::tempdir().unwrap();
        let base = format!("sqlite://{}/sub/portal.db", dir.path().display());
        assert_eq!(
            prepare_sqlite_url(&base).unwrap(),
            format!("{base}?mode=rwc")
        );
        assert!(dir.path().join("sub").is_dir());
        let ro = format!("{base}?mode=ro");
        assert_eq!(prepare_sqlite_url(&ro).unwrap(), ro);
        let other = format!("{base}?cache=private");
        assert_eq!(
            prepare_sqlite_url(&other).unwrap(),
            format!("{other}&mode=rwc")
        );
        assert_eq!(
            prepare_sqlite_url("sqlite::memory:").unwrap(),
            "sqlite::memory:"
        );
    }

    #[test]
    fn the_backend_follows_the_url_scheme() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgres://h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
        assert!(matches!(
            Backend::from_url("mysql://h/db"),
            Err(StoreError::UnsupportedUrl)
        ));
    }
}
