//! Sessions and login attempts. Both live in the database so that several server instances
//! share them.

use chrono::{DateTime, Duration, Utc};
use domain::DossierId;
use sha2::{Digest, Sha256};

use crate::Store;
use crate::error::Result;
use crate::row::{RowExt, flag_value, millis};
use crate::types::{AttemptKeyKind, SessionKind};

/// Session activity is recorded at most this often (see [`Store::touch_session`]).
pub const TOUCH_EVERY: Duration = Duration::seconds(30);

#[derive(Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The cookie value (random, 128 bits or more). Only its SHA-256 is stored.
    pub token: String,
    pub kind: SessionKind,
    /// Set for debtor sessions (full, pay_only).
    pub dossier_id: Option<DossierId>,
    /// Set for staff sessions.
    pub staff_username: Option<String>,
    pub csrf_token: String,
    /// Absolute end, however active the session is.
    pub expires_at: DateTime<Utc>,
}

// The token is a credential: keep it out of logs.
impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("token", &"<redacted>")
            .field("kind", &self.kind)
            .field("dossier_id", &self.dossier_id)
            .field("staff_username", &self.staff_username)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub kind: SessionKind,
    pub dossier_id: Option<DossierId>,
    pub staff_username: Option<String>,
    /// A counsellor's session: the dossier it acts for (see [`Store::set_acting_for`]).
    pub acting_for: Option<DossierId>,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What a login attempt counts against: a dossier number, a client IP or a staff username.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttemptKey {
    pub kind: AttemptKeyKind,
    pub value: String,
}

impl AttemptKey {
    pub fn new(kind: AttemptKeyKind, value: impl Into<String>) -> AttemptKey {
        AttemptKey {
            kind,
            value: value.into(),
        }
    }
}

/// What to read of one key's history before an attempt: its failures after `since` (at most
/// `limit`, newest first) and its last success.
#[derive(Debug, Clone)]
pub struct HistoryQuery {
    pub key: AttemptKey,
    pub since: DateTime<Utc>,
    pub limit: i64,
}

/// One key's recent history, read under the attempt lock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptHistory {
    /// Failed attempts after the query's `since`, newest first. An attempt still being
    /// verified counts as failed.
    pub failures: Vec<DateTime<Utc>>,
    /// The latest successful attempt, if any.
    pub last_success: Option<DateTime<Utc>>,
}

/// The outcome of [`Store::reserve_login_attempt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// Refused by the policy: nothing was recorded.
    Refused { until: DateTime<Utc> },
    /// Recorded as a failure against every key; [`Store::settle_login_success`] turns it into
    /// a success once the secret is verified.
    Reserved(ReservedAttempt),
}

/// An attempt recorded (as failed) before it was verified: the ids of its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservedAttempt {
    ids: Vec<i64>,
}

/// Sessions are looked up by a hash of the token, so the table alone cannot be replayed as
/// cookies. A fast hash suffices: the token is random, not a password.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    pub async fn create_session(&self, session: &NewSession, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO session (id_hash, kind, dossier_id, staff_username, csrf_token, \
                 created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
        )
        .bind(token_hash(&session.token))
        .bind(session.kind.as_str())
        .bind(session.dossier_id.as_ref().map(DossierId::as_str))
        .bind(&session.staff_username)
        .bind(&session.csrf_token)
        .bind(millis(now))
        .bind(millis(session.expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session for a token: none when unknown, past its absolute end, or idle for
    /// `idle_timeout` or longer.
    pub async fn session(
        &self,
        token: &str,
        now: DateTime<Utc>,
        idle_timeout: Duration,
    ) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT kind, dossier_id, staff_username, acting_for, csrf_token, created_at, \
                 last_seen_at, expires_at \
             FROM session WHERE id_hash = $1 AND expires_at > $2 AND last_seen_at > $3",
        )
        .bind(token_hash(token))
        .bind(millis(now))
        .bind(millis(now - idle_timeout))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Session {
                kind: row.enumeration("kind")?,
                dossier_id: row.opt_id("dossier_id")?,
                staff_username: row.opt_text("staff_username")?,
                acting_for: row.opt_id("acting_for")?,
                csrf_token: row.text("csrf_token")?,
                created_at: row.instant("created_at")?,
                last_seen_at: row.instant("last_seen_at")?,
                expires_at: row.instant("expires_at")?,
            })
        })
        .transpose()
    }

    /// Records activity (restarting the idle timeout); false if the session is gone or was
    /// touched less than [`TOUCH_EVERY`] ago. It never moves `last_seen_at` back, so
    /// out-of-order requests are harmless.
    ///
    /// Every page and server function touches its session; writing each time made a write
    /// (a commit, on PostgreSQL an fsync) per request. Recording activity at most every 30 s
    /// only ever ends an idle session up to 30 s early, never late.
    pub async fn touch_session(&self, token: &str, now: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE session SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at <= $3",
        )
        .bind(millis(now))
        .bind(token_hash(token))
        .bind(millis(now - TOUCH_EVERY))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets the dossier an account's session acts for (a counsellor choosing among the
    /// dossiers they were let into; the caller checked the grant, and every request checks
    /// it again). Returns whether the session existed.
    pub async fn set_acting_for(
        &self,
        token: &str,
        dossier_id: Option<&DossierId>,
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE session SET acting_for = $1 WHERE id_hash = $2 AND kind = 'staff'")
                .bind(dossier_id.map(DossierId::as_str))
                .bind(token_hash(token))
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sign-out. Returns whether the session existed.
    pub async fn delete_session(&self, token: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM session WHERE id_hash = $1")
            .bind(token_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends every session of a dossier (e.g. after its secret was replaced).
    pub async fn delete_sessions_for_dossier(&self, dossier_id: &DossierId) -> Result<u64> {
        let done = sqlx::query("DELETE FROM session WHERE dossier_id = $1")
            .bind(dossier_id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Deletes sessions past their absolute end or idle timeout.
    pub async fn purge_expired_sessions(
        &self,
        now: DateTime<Utc>,
        idle_timeout: Duration,
    ) -> Result<u64> {
        let done = sqlx::query("DELETE FROM session WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(millis(now))
            .bind(millis(now - idle_timeout))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Records an attempt against every key as **failed before it is verified**, if `refuse`
    /// (given each key's history, in the order of `queries`) lets it through, as one atomic
    /// step: under SQLite's write lock, or under PostgreSQL advisory locks on the keys (taken
    /// in a fixed order). Attempts sent in parallel, by one process or many, are therefore
    /// judged one after another, each seeing the ones before it; an attempt whose process
    /// dies before it is verified stays counted as a failure.
    pub async fn reserve_login_attempt(
        &self,
        queries: &[HistoryQuery],
        now: DateTime<Utc>,
        refuse: impl FnOnce(&[AttemptHistory]) -> Option<DateTime<Utc>>,
    ) -> Result<Reservation> {
        let mut tx = self.begin_write().await?;
        if self.backend == crate::Backend::Postgres {
            let mut lock_keys: Vec<String> = queries
                .iter()
                .map(|q| format!("login_attempt:{}:{}", q.key.kind.as_str(), q.key.value))
                .collect();
            lock_keys.sort();
            lock_keys.dedup();
            for key in &lock_keys {
                // Wrapped in a select list of its own: the lock function returns `void`,
                // which the Any driver cannot decode.
                sqlx::query(
                    "SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtextextended($1, 0))) AS l",
                )
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
            }
        }
        let mut histories = Vec::with_capacity(queries.len());
        for q in queries {
            histories.push(AttemptHistory {
                failures: failure_times(&mut *tx, &q.key, q.since, q.limit).await?,
                last_success: last_success(&mut *tx, &q.key).await?,
            });
        }
        if let Some(until) = refuse(&histories) {
            tx.rollback().await?;
            return Ok(Reservation::Refused { until });
        }
        let mut ids = Vec::with_capacity(queries.len());
        for q in queries {
            let row = sqlx::query(
                "INSERT INTO login_attempt (key_kind, key_value, at, success) \
                 VALUES ($1, $2, $3, 0) RETURNING id",
            )
            .bind(q.key.kind.as_str())
            .bind(&q.key.value)
            .bind(millis(now))
            .fetch_one(&mut *tx)
            .await?;
            ids.push(row.int("id")?);
        }
        tx.commit().await?;
        Ok(Reservation::Reserved(ReservedAttempt { ids }))
    }

    /// Marks a reserved attempt as successful (the secret was verified).
    pub async fn settle_login_success(&self, attempt: &ReservedAttempt) -> Result<()> {
        for id in &attempt.ids {
            sqlx::query("UPDATE login_attempt SET success = 1 WHERE id = $1")
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    pub async fn record_login_attempt(
        &self,
        key: &AttemptKey,
        success: bool,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_attempt (key_kind, key_value, at, success) VALUES ($1, $2, $3, $4)",
        )
        .bind(key.kind.as_str())
        .bind(&key.value)
        .bind(millis(at))
        .bind(flag_value(success))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Failed attempts for the key at or after `since`.
    pub async fn count_login_failures(
        &self,
        key: &AttemptKey,
        since: DateTime<Utc>,
    ) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS failures FROM login_attempt \
             WHERE key_kind = $1 AND key_value = $2 AND at >= $3 AND success = 0",
        )
        .bind(key.kind.as_str())
        .bind(&key.value)
        .bind(millis(since))
        .fetch_one(&self.pool)
        .await?;
        row.int("failures")
    }

    /// Times of the failed attempts for the key after `since` (newest first, at most `limit`):
    /// the throttling policy needs when they happened, not only how many.
    pub async fn login_failure_times(
        &self,
        key: &AttemptKey,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DateTime<Utc>>> {
        failure_times(&self.pool, key, since, limit).await
    }

    /// The latest successful attempt for the key, so throttling can restart after a success.
    pub async fn last_login_success(&self, key: &AttemptKey) -> Result<Option<DateTime<Utc>>> {
        last_success(&self.pool, key).await
    }

    /// Forgets attempts before `before` (they hold IP addresses: keep them briefly).
    pub async fn purge_login_attempts(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM login_attempt WHERE at < $1")
            .bind(millis(before))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// Failed attempts of `key` after `since`, newest first, at most `limit`: on the pool, or on
/// the transaction of [`Store::reserve_login_attempt`].
async fn failure_times<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    key: &AttemptKey,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<DateTime<Utc>>> {
    let rows = sqlx::query(
        "SELECT at FROM login_attempt \
         WHERE key_kind = $1 AND key_value = $2 AND at > $3 AND success = 0 \
         ORDER BY at DESC LIMIT $4",
    )
    .bind(key.kind.as_str())
    .bind(&key.value)
    .bind(millis(since))
    .bind(limit)
    .fetch_all(executor)
    .await?;
    rows.iter().map(|r| r.instant("at")).collect()
}

/// The latest successful attempt of `key`.
async fn last_success<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    key: &AttemptKey,
) -> Result<Option<DateTime<Utc>>> {
    let row = sqlx::query(
        "SELECT MAX(at) AS last_at FROM login_attempt \
         WHERE key_kind = $1 AND key_value = $2 AND success = 1",
    )
    .bind(key.kind.as_str())
    .bind(&key.value)
    .fetch_one(executor)
    .await?;
    row.opt_instant("last_at")
}
