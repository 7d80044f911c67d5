//! Back-office users.

use chrono::{DateTime, Utc};

use crate::Store;
use crate::dossiers::found;
use crate::error::{Conflict, Result, StoreError, is_unique_violation};
use crate::row::{RowExt, millis};
use crate::types::StaffRole;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub username: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub role: StaffRole,
    pub created_at: DateTime<Utc>,
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
            "SELECT username, password_hash, role, created_at FROM staff_user WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StaffUser {
                username: row.text("username")?,
                password_hash: row.text("password_hash")?,
                role: row.enumeration("role")?,
                created_at: row.instant("created_at")?,
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
}
