//! The audit trail: who saw or changed what, when, from where.

use chrono::{DateTime, Utc};
use domain::DossierId;
use sqlx::AnyConnection;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::row::{RowExt, millis};
use crate::types::ActorKind;

#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEvent {
    pub at: DateTime<Utc>,
    pub actor_kind: ActorKind,
    /// Staff username, or the session's dossier number for a debtor; none for the system.
    pub actor_id: Option<String>,
    pub dossier_id: Option<DossierId>,
    /// Dotted verb, e.g. `personal_data.viewed`, `correction.accepted`.
    pub action: String,
    pub detail: serde_json::Value,
    pub client_ip: Option<String>,
    /// The counsellor who acted on the debtor's behalf (`actor_kind` is then `Debtor`).
    pub counsellor: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_kind: ActorKind,
    pub actor_id: Option<String>,
    pub dossier_id: Option<DossierId>,
    pub action: String,
    pub detail: serde_json::Value,
    pub client_ip: Option<String>,
    pub counsellor: Option<String>,
}

impl Store {
    /// Appends an event and returns its id.
    pub async fn append_audit(&self, event: &NewAuditEvent) -> Result<i64> {
        let mut conn = self.pool.acquire().await?;
        append_audit(&mut conn, event).await
    }

    /// The dossier's events, newest first.
    pub async fn audit_for_dossier(
        &self,
        dossier_id: &DossierId,
        limit: i64,
    ) -> Result<Vec<AuditEvent>> {
        self.audit_for_dossier_where(dossier_id, "1 = 1", limit)
            .await
    }

    /// The dossier's events that match `filter` (fixed SQL, never input), newest first.
    pub(crate) async fn audit_for_dossier_where(
        &self,
        dossier_id: &DossierId,
        filter: &str,
        limit: i64,
    ) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(&format!(
            "SELECT id, at, actor_kind, actor_id, dossier_id, action, detail, client_ip, \
                 counsellor \
             FROM audit_event WHERE dossier_id = $1 AND {filter} \
             ORDER BY at DESC, id DESC LIMIT $2"
        ))
        .bind(dossier_id.as_str())
        .bind(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let detail = row.text("detail")?;
                Ok(AuditEvent {
                    id: row.int("id")?,
                    at: row.instant("at")?,
                    actor_kind: row.enumeration("actor_kind")?,
                    actor_id: row.opt_text("actor_id")?,
                    dossier_id: row.opt_id("dossier_id")?,
                    action: row.text("action")?,
                    detail: serde_json::from_str(&detail).map_err(|_| StoreError::Corrupt {
                        column: "detail",
                        value: detail,
                    })?,
                    client_ip: row.opt_text("client_ip")?,
                    counsellor: row.opt_text("counsellor")?,
                })
            })
            .collect()
    }
}

pub(crate) async fn append_audit(conn: &mut AnyConnection, event: &NewAuditEvent) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO audit_event (at, actor_kind, actor_id, dossier_id, action, detail, client_ip, \
             counsellor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(millis(event.at))
    .bind(event.actor_kind.as_str())
    .bind(&event.actor_id)
    .bind(event.dossier_id.as_ref().map(DossierId::as_str))
    .bind(&event.action)
    .bind(event.detail.to_string())
    .bind(&event.client_ip)
    .bind(&event.counsellor)
    .fetch_one(conn)
    .await?;
    row.int("id")
}
