//! Job leases: one holder at a time runs a background job (e.g. the reconciler) across server
//! instances. A holder that dies loses the lease when it expires.

use chrono::{DateTime, Duration, Utc};

use crate::Store;
use crate::error::Result;
use crate::row::{RowExt, millis};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub name: String,
    pub holder: String,
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Takes the lease if it is free, expired, or already ours (then it is renewed), in one
    /// statement so two instances cannot both win. Returns whether `holder` now holds it.
    pub async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO job_lease (name, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
                 expires_at = excluded.expires_at \
             WHERE job_lease.holder = excluded.holder OR job_lease.expires_at <= $4",
        )
        .bind(name)
        .bind(holder)
        .bind(millis(now + ttl))
        .bind(millis(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Extends the lease if `holder` still holds it; false means it was taken over, and the
    /// job must stop.
    pub async fn renew_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE job_lease SET expires_at = $1 WHERE name = $2 AND holder = $3")
                .bind(millis(now + ttl))
                .bind(name)
                .bind(holder)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the lease up (on shutdown) so another instance need not wait for it to expire.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM job_lease WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes leases that expired before `before`: a released lease is deleted at once, so
    /// these are the ones a holder left behind (a process that died, a dossier booked once
    /// and never again). Taking a lease works the same with or without the old row; this
    /// only keeps the table to the leases in use.
    pub async fn purge_expired_leases(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM job_lease WHERE expires_at < $1")
            .bind(millis(before))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// The lease row, expired or not.
    pub async fn lease(&self, name: &str) -> Result<Option<Lease>> {
        let row = sqlx::query("SELECT name, holder, expires_at FROM job_lease WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(Lease {
                name: row.text("name")?,
                holder: row.text("holder")?,
                expires_at: row.instant("expires_at")?,
            })
        })
        .transpose()
    }
}
