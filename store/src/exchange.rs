//! A log of Pay.nl exchange calls as received, for diagnosing disputes and lost updates.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use domain::ExchangeCallId;
use sqlx::any::AnyRow;

use crate::Store;
use crate::dossiers::found;
use crate::error::Result;
use crate::row::{RowExt, flag_value, millis};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExchangeCall {
    pub received_at: DateTime<Utc>,
    /// As claimed by the call; may be absent or false when the signature did not verify.
    pub order_id: Option<String>,
    pub raw_body: String,
    pub signature_ok: bool,
    /// Who sent it, as the portal saw the client.
    pub caller_ip: Option<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeCall {
    pub id: ExchangeCallId,
    pub received_at: DateTime<Utc>,
    pub order_id: Option<String>,
    pub raw_body: String,
    pub signature_ok: bool,
    /// Who sent it (none for calls logged before the address was kept).
    pub caller_ip: Option<IpAddr>,
    /// What processing did (e.g. "booked", "replay", "rejected: bad signature"); none while
    /// in progress or if the process died.
    pub outcome: Option<String>,
}

const EXCHANGE_COLUMNS: &str =
    "id, received_at, order_id, raw_body, signature_ok, caller_ip, outcome";

impl Store {
    /// Logs a call before processing it; returns its id for [`Store::set_exchange_outcome`].
    pub async fn log_exchange_call(&self, call: &NewExchangeCall) -> Result<ExchangeCallId> {
        let row = sqlx::query(
            "INSERT INTO exchange_call (received_at, order_id, raw_body, signature_ok, caller_ip) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(millis(call.received_at))
        .bind(&call.order_id)
        .bind(&call.raw_body)
        .bind(flag_value(call.signature_ok))
        .bind(call.caller_ip.map(|ip| ip.to_string()))
        .fetch_one(&self.pool)
        .await?;
        row.id("id")
    }

    pub async fn set_exchange_outcome(&self, id: ExchangeCallId, outcome: &str) -> Result<()> {
        let done = sqlx::query("UPDATE exchange_call SET outcome = $1 WHERE id = $2")
            .bind(outcome)
            .bind(id.get())
            .execute(&self.pool)
            .await?;
        found(done.rows_affected(), "exchange call")
    }

    /// Calls about one order, oldest first.
    pub async fn exchange_calls_for_order(&self, order_id: &str) -> Result<Vec<ExchangeCall>> {
        let sql =
            format!("SELECT {EXCHANGE_COLUMNS} FROM exchange_call WHERE order_id = $1 ORDER BY id");
        let rows = sqlx::query(&sql)
            .bind(order_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(exchange_call_from_row).collect()
    }

    /// The latest calls, newest first.
    pub async fn recent_exchange_calls(&self, limit: i64) -> Result<Vec<ExchangeCall>> {
        let sql = format!("SELECT {EXCHANGE_COLUMNS} FROM exchange_call ORDER BY id DESC LIMIT $1");
        let rows = sqlx::query(&sql)
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(exchange_call_from_row).collect()
    }

    /// Forgets calls received before `before`: their bodies hold payer details.
    pub async fn purge_exchange_calls(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM exchange_call WHERE received_at < $1")
            .bind(millis(before))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Blanks the body and the caller's address of calls received before `before`, keeping
    /// when the call came, about which order, and what it did. Returns how many calls were
    /// blanked now (a call blanked before is not counted again).
    pub async fn strip_exchange_calls(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE exchange_call SET raw_body = '', caller_ip = NULL \
             WHERE received_at < $1 AND (raw_body <> '' OR caller_ip IS NOT NULL)",
        )
        .bind(millis(before))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Calls refused since `since` (bad signature or malformed), newest first: for staff
    /// to tell a misconfigured key from someone probing the endpoint.
    pub async fn refused_exchange_calls(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ExchangeCall>> {
        let sql = format!(
            "SELECT {EXCHANGE_COLUMNS} FROM exchange_call \
             WHERE received_at >= $1 AND outcome LIKE 'rejected%' ORDER BY id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(millis(since))
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(exchange_call_from_row).collect()
    }

    /// Forgets refused calls (bad signature, malformed) received before `before`: they are
    /// kept only long enough to investigate an attack or a misconfigured key.
    pub async fn purge_refused_exchange_calls(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM exchange_call WHERE received_at < $1 AND outcome LIKE 'rejected%'",
        )
        .bind(millis(before))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

fn exchange_call_from_row(row: &AnyRow) -> Result<ExchangeCall> {
    Ok(ExchangeCall {
        id: row.id("id")?,
        received_at: row.instant("received_at")?,
        order_id: row.opt_text("order_id")?,
        raw_body: row.text("raw_body")?,
        signature_ok: row.flag("signature_ok")?,
        // Written by us from an `IpAddr`; anything else reads as unknown.
        caller_ip: row
            .opt_text("caller_ip")?
            .and_then(|text| text.parse().ok()),
        outcome: row.opt_text("outcome")?,
    })
}
