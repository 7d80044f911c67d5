//! Back-office users.

use chrono::{DateTime, Utc};

use crate::Store;
use crate::dossiers::found;
use crate::error::{Conflict, Result, StoreError, is_unique_violation};
use crate::row::{RowExt, millis};
use crate::types::{AccountKind, StaffRole};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub username: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub role: StaffRole,
    /// Staff or counsellor; a counsellor's `role` is never read.
    pub kind: AccountKind,
    pub created_at: DateTime<Utc>,
    /// The TOTP secret (base32) once enrolled; `None` until the first sign-in completes
    /// enrolment.
    pub totp_secret: Option<String>,
}

/// The step between a right password and the second factor.
#[derive(Clone, PartialEq, Eq)]
pub struct StaffChallenge {
    pub username: String,
    /// Set while enrolling: the new TOTP secret (base32) ...
    pub enrol_secret: Option<String>,
    /// ... and the recovery codes to show once, one per line.
    pub enrol_recovery: Option<String>,
    pub expires_at: DateTime<Utc>,
}

// Enrolment material is a credential: keep it out of logs.
impl std::fmt::Debug for StaffChallenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffChallenge")
            .field("username", &self.username)
            .field("enrolling", &self.enrol_secret.is_some())
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Adds a user; a taken username is a [`StoreError::Conflict`].
    pub async fn create_staff_user(
        &self,
        username: &str,
        password_hash: &str,
        role: StaffRole,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO staff_user (username, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(millis(now))
        .execute(&self.pool)
        .await;
        match done {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::Conflict(Conflict::StaffUsernameTaken))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn staff_user(&self, username: &str) -> Result<Option<StaffUser>> {
        let row = sqlx::query(
            "SELECT username, password_hash, role, kind, created_at, totp_secret FROM staff_user \
             WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StaffUser {
                username: row.text("username")?,
                password_hash: row.text("password_hash")?,
                role: row.enumeration("role")?,
                kind: row.enumeration("kind")?,
                created_at: row.instant("created_at")?,
                totp_secret: row.opt_text("totp_secret")?,
            })
        })
        .transpose()
    }

    pub async fn set_staff_password(&self, username: &str, password_hash: &str) -> Result<()> {
        let done = sqlx::query("UPDATE staff_user SET password_hash = $1 WHERE username = $2")
            .bind(password_hash)
            .bind(username)
            .execute(&self.pool)
            .await?;
        found(done.rows_affected(), "staff user")
    }

    /// Removes a staff account and its sessions; `false` when there was none.
    pub async fn delete_staff_user(&self, username: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM session WHERE staff_username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM staff_user WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Completes enrolment: the account's TOTP secret, the step of the code that proved it
    /// (so it cannot be used again) and the hashes of its recovery codes (replacing any).
    pub async fn enrol_staff_totp(
        &self,
        username: &str,
        secret_base32: &str,
        step: i64,
        recovery_hashes: &[String],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE staff_user SET totp_secret = $1, totp_last_step = $2 WHERE username = $3",
        )
        .bind(secret_base32)
        .bind(step)
        .bind(username)
        .execute(&mut *tx)
        .await?;
        found(done.rows_affected(), "staff user")?;
        sqlx::query("DELETE FROM staff_recovery_code WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        for hash in recovery_hashes {
            sqlx::query("INSERT INTO staff_recovery_code (username, code_hash) VALUES ($1, $2)")
                .bind(username)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Takes TOTP time step `step` for `username` if it is later than the last one taken:
    /// `false` means the code was used already (RFC 6238 §5.2). One conditional update, so
    /// two requests with the same code cannot both win.
    pub async fn take_totp_step(&self, username: &str, step: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE staff_user SET totp_last_step = $1 \
             WHERE username = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(username)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Uses up a recovery code by its hash: `false` when there is no such unused code.
    pub async fn use_recovery_code(
        &self,
        username: &str,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE staff_recovery_code SET used_at = $1 \
             WHERE username = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(millis(now))
        .bind(username)
        .bind(code_hash)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Recovery codes of `username` not used yet.
    pub async fn unused_recovery_codes(&self, username: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM staff_recovery_code \
             WHERE username = $1 AND used_at IS NULL",
        )
        .bind(username)
        .fetch_one(&self.pool)
        .await?;
        row.int("n")
    }

    /// Stores a challenge under the hash of its cookie value.
    pub async fn create_staff_challenge(
        &self,
        token_hash: &str,
        challenge: &StaffChallenge,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO staff_challenge (token_hash, username, enrol_secret, enrol_recovery, \
                 expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(&challenge.username)
        .bind(&challenge.enrol_secret)
        .bind(&challenge.enrol_recovery)
        .bind(millis(challenge.expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live challenge with this cookie hash.
    pub async fn staff_challenge(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffChallenge>> {
        let row = sqlx::query(
            "SELECT username, enrol_secret, enrol_recovery, expires_at FROM staff_challenge \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(millis(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StaffChallenge {
                username: row.text("username")?,
                enrol_secret: row.opt_text("enrol_secret")?,
                enrol_recovery: row.opt_text("enrol_recovery")?,
                expires_at: row.instant("expires_at")?,
            })
        })
        .transpose()
    }

    /// Ends a challenge (done, or replaced), and any that expired.
    pub async fn delete_staff_challenge(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("DELETE FROM staff_challenge WHERE token_hash = $1 OR expires_at <= $2")
            .bind(token_hash)
            .bind(millis(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes challenges past their end (abandoned second-factor steps).
    pub async fn purge_staff_challenges(&self, now: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM staff_challenge WHERE expires_at <= $1")
            .bind(millis(now))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
