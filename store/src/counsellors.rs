//! Debt counsellors and their access to dossiers (issue 21): accounts (`staff_user` of kind
//! `counsellor` with a `counsellor` profile), the debtor's invitations, the grants, and
//! municipal counsellors' requests that staff decide. Every change is written with its audit
//! event in one transaction.

use chrono::{DateTime, Utc};
use domain::{AccessId, AccessRequestId, DossierId, InvitationId};
use sqlx::any::AnyRow;

use crate::Store;
use crate::audit::{AuditEvent, NewAuditEvent, append_audit};
use crate::error::{Conflict, Result, StoreError, is_unique_violation};
use crate::outbox::{NewMail, queue_mail};
use crate::row::{RowExt, flag_value, millis};
use crate::types::{AccountKind, StaffRole};

/// A counsellor account to create.
#[derive(Clone)]
pub struct NewCounsellor {
    pub username: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub name: String,
    pub organisation: String,
    pub email: String,
    /// Set for counsellors registered with a municipality's debt help.
    pub municipality: Option<String>,
}

/// Who a counsellor is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counsellor {
    pub username: String,
    pub name: String,
    pub organisation: String,
    pub email: String,
    pub municipality: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An invitation to make; `code_hash` is the SHA-256 of the code, never the code.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub id: InvitationId,
    pub dossier_id: DossierId,
    pub code_hash: String,
    pub personal_data: bool,
    pub organisation: Option<String>,
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub audit: NewAuditEvent,
}

/// An invitation not yet redeemed, withdrawn or expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: InvitationId,
    pub personal_data: bool,
    pub organisation: Option<String>,
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A live grant, with who holds it and, for the counsellor's list, the dossier's number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub id: AccessId,
    pub dossier_id: DossierId,
    pub dossier_number: String,
    pub counsellor: Counsellor,
    pub personal_data: bool,
    /// `invitation` or `staff`.
    pub via: String,
    pub granted_at: DateTime<Utc>,
    pub granted_by: String,
}

/// A grant, live or ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    pub access: Access,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What redeeming a code came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// The grant it made.
    Granted(Box<Access>),
    /// No live invitation has this code (unknown, expired, withdrawn or used: one answer, so
    /// the page reveals nothing about codes).
    NoSuchInvitation,
    /// The invitation names another e-mail address than the account's.
    OtherCounsellor,
    /// The counsellor already has access to the dossier; the invitation stays unused.
    AlreadyGranted,
}

/// A municipal counsellor's request to make.
#[derive(Debug, Clone)]
pub struct NewAccessRequest {
    pub id: AccessRequestId,
    pub counsellor: String,
    pub dossier_id: DossierId,
    pub reason: String,
    pub personal_data: bool,
    pub created_at: DateTime<Utc>,
    pub audit: NewAuditEvent,
}

/// A request for access without the debtor's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    pub id: AccessRequestId,
    pub counsellor: Counsellor,
    pub dossier_id: DossierId,
    pub dossier_number: String,
    pub reason: String,
    pub personal_data: bool,
    pub created_at: DateTime<Utc>,
    /// `open`, `granted` or `rejected`.
    pub status: String,
    pub decided_by: Option<String>,
    pub note: Option<String>,
}

/// Staff's decision on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestDecided {
    Done,
    /// Decided before (by `by`), or gone.
    Earlier {
        by: Option<String>,
    },
}

const COUNSELLOR_COLUMNS: &str = "c.username, c.name, c.organisation, c.email, c.municipality, \
     c.created_at AS c_created_at";

fn counsellor_of(row: &AnyRow) -> Result<Counsellor> {
    Ok(Counsellor {
        username: row.text("username")?,
        name: row.text("name")?,
        organisation: row.text("organisation")?,
        email: row.text("email")?,
        municipality: row.opt_text("municipality")?,
        created_at: row.instant("c_created_at")?,
    })
}

fn access_of(row: &AnyRow) -> Result<Access> {
    Ok(Access {
        id: row.id("id")?,
        dossier_id: row.id("dossier_id")?,
        dossier_number: row.text("number")?,
        counsellor: counsellor_of(row)?,
        personal_data: row.flag("personal_data")?,
        via: row.text("via")?,
        granted_at: row.instant("granted_at")?,
        granted_by: row.text("granted_by")?,
    })
}

fn access_query(filter: &str) -> String {
    format!(
        "SELECT a.id, a.dossier_id, d.number, a.personal_data, a.via, a.granted_at, \
             a.granted_by, {COUNSELLOR_COLUMNS} \
         FROM counsellor_access a \
         JOIN counsellor c ON c.username = a.counsellor \
         JOIN dossier d ON d.id = a.dossier_id \
         WHERE a.revoked_at IS NULL AND {filter} \
         ORDER BY a.granted_at, a.id"
    )
}

fn request_of(row: &AnyRow) -> Result<AccessRequest> {
    Ok(AccessRequest {
        id: row.id("id")?,
        counsellor: counsellor_of(row)?,
        dossier_id: row.id("dossier_id")?,
        dossier_number: row.text("number")?,
        reason: row.text("reason")?,
        personal_data: row.flag("personal_data")?,
        created_at: row.instant("created_at")?,
        status: row.text("status")?,
        decided_by: row.opt_text("decided_by")?,
        note: row.opt_text("note")?,
    })
}

fn request_query(filter: &str) -> String {
    format!(
        "SELECT r.id, r.dossier_id, d.number, r.reason, r.personal_data, r.created_at, \
             r.status, r.decided_by, r.note, {COUNSELLOR_COLUMNS} \
         FROM counsellor_access_request r \
         JOIN counsellor c ON c.username = r.counsellor \
         JOIN dossier d ON d.id = r.dossier_id \
         WHERE {filter} \
         ORDER BY r.created_at, r.id"
    )
}

async fn insert_access(
    conn: &mut sqlx::AnyConnection,
    dossier_id: &DossierId,
    counsellor: &str,
    personal_data: bool,
    via: &str,
    granted_by: &str,
    now: DateTime<Utc>,
) -> Result<Option<AccessId>> {
    let id = AccessId::new(uuid::Uuid::new_v4().to_string());
    let done = sqlx::query(
        "INSERT INTO counsellor_access (id, dossier_id, counsellor, personal_data, via, \
             granted_at, granted_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT DO NOTHING",
    )
    .bind(id.as_str())
    .bind(dossier_id.as_str())
    .bind(counsellor)
    .bind(flag_value(personal_data))
    .bind(via)
    .bind(millis(now))
    .bind(granted_by)
    .execute(conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(id))
}

/// Tells the debtor, in the granting transaction, who got access and to what.
async fn tell_debtor(
    conn: &mut sqlx::AnyConnection,
    dossier_id: &DossierId,
    access_id: &AccessId,
    counsellor: &str,
    personal_data: bool,
    by_staff: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let row = sqlx::query("SELECT name, organisation FROM counsellor WHERE username = $1")
        .bind(counsellor)
        .fetch_one(&mut *conn)
        .await?;
    let mail = NewMail {
        dossier_id: dossier_id.clone(),
        notice: domain::Notice::CounsellorAccess {
            name: row.text("name")?,
            organisation: row.text("organisation")?,
            personal_data,
            by_staff,
        },
        dedupe_key: format!("counsellor:{access_id}:granted"),
        created_at: now,
    };
    queue_mail(conn, &mail).await?;
    Ok(())
}

impl Store {
    /// Creates a counsellor's account and profile; a taken username is
    /// [`Conflict::StaffUsernameTaken`].
    pub async fn create_counsellor(&self, new: &NewCounsellor, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO staff_user (username, password_hash, role, kind, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&new.username)
        .bind(&new.password_hash)
        // Never read for a counsellor (see the migration); the least of the two.
        .bind(StaffRole::Agent.as_str())
        .bind(AccountKind::Counsellor.as_str())
        .bind(millis(now))
        .execute(&mut *tx)
        .await;
        match done {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(Conflict::StaffUsernameTaken));
            }
            Err(e) => return Err(e.into()),
        }
        sqlx::query(
            "INSERT INTO counsellor (username, name, organisation, email, municipality, \
                 created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&new.username)
        .bind(&new.name)
        .bind(&new.organisation)
        .bind(&new.email)
        .bind(&new.municipality)
        .bind(millis(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The counsellor behind an account, if it is one.
    pub async fn counsellor(&self, username: &str) -> Result<Option<Counsellor>> {
        let row = sqlx::query(&format!(
            "SELECT {COUNSELLOR_COLUMNS} FROM counsellor c \
             JOIN staff_user s ON s.username = c.username AND s.kind = 'counsellor' \
             WHERE c.username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(counsellor_of).transpose()
    }

    /// Records an invitation with its audit event.
    pub async fn create_invitation(&self, new: &NewInvitation) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO counsellor_invitation (id, dossier_id, code_hash, personal_data, \
                 organisation, email, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new.id.as_str())
        .bind(new.dossier_id.as_str())
        .bind(&new.code_hash)
        .bind(flag_value(new.personal_data))
        .bind(&new.organisation)
        .bind(&new.email)
        .bind(millis(new.created_at))
        .bind(millis(new.expires_at))
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, &new.audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The dossier's invitations that can still be redeemed, oldest first.
    pub async fn open_invitations(
        &self,
        dossier_id: &DossierId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Invitation>> {
        let rows = sqlx::query(
            "SELECT id, personal_data, organisation, email, created_at, expires_at \
             FROM counsellor_invitation \
             WHERE dossier_id = $1 AND redeemed_at IS NULL AND withdrawn_at IS NULL \
                 AND expires_at > $2 \
             ORDER BY created_at, id",
        )
        .bind(dossier_id.as_str())
        .bind(millis(now))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Invitation {
                    id: row.id("id")?,
                    personal_data: row.flag("personal_data")?,
                    organisation: row.opt_text("organisation")?,
                    email: row.opt_text("email")?,
                    created_at: row.instant("created_at")?,
                    expires_at: row.instant("expires_at")?,
                })
            })
            .collect()
    }

    /// Whether a redeemable invitation has this code hash.
    pub async fn invitation_live(&self, code_hash: &str, now: DateTime<Utc>) -> Result<bool> {
        let row = sqlx::query(
            "SELECT id FROM counsellor_invitation \
             WHERE code_hash = $1 AND redeemed_at IS NULL AND withdrawn_at IS NULL \
                 AND expires_at > $2",
        )
        .bind(code_hash)
        .bind(millis(now))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Withdraws one of the dossier's open invitations; false when there was none.
    pub async fn withdraw_invitation(
        &self,
        dossier_id: &DossierId,
        id: &InvitationId,
        audit: &NewAuditEvent,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE counsellor_invitation SET withdrawn_at = $1 \
             WHERE id = $2 AND dossier_id = $3 AND redeemed_at IS NULL AND withdrawn_at IS NULL",
        )
        .bind(millis(audit.at))
        .bind(id.as_str())
        .bind(dossier_id.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Redeems the invitation with this code hash for `username`: one transaction makes the
    /// grant, uses up the invitation and writes `audit` (its dossier is filled in here).
    pub async fn redeem_invitation(
        &self,
        code_hash: &str,
        username: &str,
        audit: &NewAuditEvent,
    ) -> Result<Redeemed> {
        let now = audit.at;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT i.id, i.dossier_id, i.personal_data, i.email, c.email AS account_email \
             FROM counsellor_invitation i, counsellor c \
             WHERE i.code_hash = $1 AND c.username = $2 AND i.redeemed_at IS NULL \
                 AND i.withdrawn_at IS NULL AND i.expires_at > $3",
        )
        .bind(code_hash)
        .bind(username)
        .bind(millis(now))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(Redeemed::NoSuchInvitation);
        };
        let invitation: InvitationId = row.id("id")?;
        let dossier_id: DossierId = row.id("dossier_id")?;
        let bound_to = row.opt_text("email")?;
        let account_email = row.text("account_email")?;
        if bound_to.is_some_and(|email| !email.eq_ignore_ascii_case(&account_email)) {
            return Ok(Redeemed::OtherCounsellor);
        }
        let personal_data = row.flag("personal_data")?;
        let Some(access_id) = insert_access(
            &mut tx,
            &dossier_id,
            username,
            personal_data,
            "invitation",
            "debtor",
            now,
        )
        .await?
        else {
            return Ok(Redeemed::AlreadyGranted);
        };
        tell_debtor(
            &mut tx,
            &dossier_id,
            &access_id,
            username,
            personal_data,
            false,
            now,
        )
        .await?;
        sqlx::query(
            "UPDATE counsellor_invitation SET redeemed_at = $1, redeemed_by = $2 WHERE id = $3",
        )
        .bind(millis(now))
        .bind(username)
        .bind(invitation.as_str())
        .execute(&mut *tx)
        .await?;
        let mut audit = audit.clone();
        audit.dossier_id = Some(dossier_id.clone());
        if let serde_json::Value::Object(detail) = &mut audit.detail {
            detail.insert("access_id".into(), serde_json::json!(access_id));
            detail.insert("personal_data".into(), serde_json::json!(personal_data));
        }
        append_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        let access = self
            .access(&dossier_id, username)
            .await?
            .ok_or(StoreError::NotFound("counsellor access"))?;
        Ok(Redeemed::Granted(Box::new(access)))
    }

    /// The counsellor's live grant on the dossier, if any.
    pub async fn access(&self, dossier_id: &DossierId, username: &str) -> Result<Option<Access>> {
        let row = sqlx::query(&access_query("a.dossier_id = $1 AND a.counsellor = $2"))
            .bind(dossier_id.as_str())
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(access_of).transpose()
    }

    /// Every grant the dossier ever had, ended ones too, oldest first: the recipients the
    /// personal-data page lists (AVG art. 15 lid 1 (c)).
    pub async fn access_history(&self, dossier_id: &DossierId) -> Result<Vec<AccessRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT a.id, a.dossier_id, d.number, a.personal_data, a.via, a.granted_at, \
                 a.granted_by, a.revoked_at, {COUNSELLOR_COLUMNS} \
             FROM counsellor_access a \
             JOIN counsellor c ON c.username = a.counsellor \
             JOIN dossier d ON d.id = a.dossier_id \
             WHERE a.dossier_id = $1 ORDER BY a.granted_at, a.id"
        ))
        .bind(dossier_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AccessRecord {
                    access: access_of(row)?,
                    revoked_at: row.opt_instant("revoked_at")?,
                })
            })
            .collect()
    }

    /// Who has access to the dossier now.
    pub async fn accesses_for_dossier(&self, dossier_id: &DossierId) -> Result<Vec<Access>> {
        let rows = sqlx::query(&access_query("a.dossier_id = $1"))
            .bind(dossier_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(access_of).collect()
    }

    /// The dossiers a counsellor has access to now.
    pub async fn accesses_for_counsellor(&self, username: &str) -> Result<Vec<Access>> {
        let rows = sqlx::query(&access_query("a.counsellor = $1"))
            .bind(username)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(access_of).collect()
    }

    /// Ends a live grant of the dossier (`by`: `debtor` or a staff username); false when
    /// there was none. The counsellor's sessions stop acting for the dossier at once.
    pub async fn revoke_access(
        &self,
        dossier_id: &DossierId,
        id: &AccessId,
        by: &str,
        audit: &NewAuditEvent,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE counsellor_access SET revoked_at = $1, revoked_by = $2 \
             WHERE id = $3 AND dossier_id = $4 AND revoked_at IS NULL RETURNING counsellor",
        )
        .bind(millis(audit.at))
        .bind(by)
        .bind(id.as_str())
        .bind(dossier_id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let counsellor = row.text("counsellor")?;
        sqlx::query(
            "UPDATE session SET acting_for = NULL \
             WHERE staff_username = $1 AND acting_for = $2",
        )
        .bind(&counsellor)
        .bind(dossier_id.as_str())
        .execute(&mut *tx)
        .await?;
        let mut audit = audit.clone();
        if let serde_json::Value::Object(detail) = &mut audit.detail {
            detail.insert("counsellor".into(), serde_json::json!(counsellor));
        }
        append_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a municipal counsellor's request; one open per counsellor and dossier
    /// ([`Conflict::OpenAccessRequest`]).
    pub async fn create_access_request(&self, new: &NewAccessRequest) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO counsellor_access_request (id, counsellor, dossier_id, reason, \
                 personal_data, created_at, status) \
             VALUES ($1, $2, $3, $4, $5, $6, 'open')",
        )
        .bind(new.id.as_str())
        .bind(&new.counsellor)
        .bind(new.dossier_id.as_str())
        .bind(&new.reason)
        .bind(flag_value(new.personal_data))
        .bind(millis(new.created_at))
        .execute(&mut *tx)
        .await;
        match done {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(Conflict::OpenAccessRequest));
            }
            Err(e) => return Err(e.into()),
        }
        append_audit(&mut tx, &new.audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Requests waiting for staff, oldest first.
    pub async fn open_access_requests(&self) -> Result<Vec<AccessRequest>> {
        let rows = sqlx::query(&request_query("r.status = 'open'"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(request_of).collect()
    }

    /// A counsellor's own requests, oldest first.
    pub async fn access_requests_of(&self, username: &str) -> Result<Vec<AccessRequest>> {
        let rows = sqlx::query(&request_query("r.counsellor = $1"))
            .bind(username)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(request_of).collect()
    }

    /// Staff decide an open request: granted (the grant is made, unless one is live) or
    /// rejected, with `note`, in one transaction with `audit` (dossier filled in here).
    pub async fn decide_access_request(
        &self,
        id: &AccessRequestId,
        grant: bool,
        note: &str,
        by: &str,
        audit: &NewAuditEvent,
    ) -> Result<RequestDecided> {
        let now = audit.at;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE counsellor_access_request \
             SET status = $1, decided_at = $2, decided_by = $3, note = $4 \
             WHERE id = $5 AND status = 'open' \
             RETURNING counsellor, dossier_id, personal_data",
        )
        .bind(if grant { "granted" } else { "rejected" })
        .bind(millis(now))
        .bind(by)
        .bind(note)
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            let by = sqlx::query("SELECT decided_by FROM counsellor_access_request WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?
                .map(|row| row.opt_text("decided_by"))
                .transpose()?
                .flatten();
            return Ok(RequestDecided::Earlier { by });
        };
        let dossier_id: DossierId = row.id("dossier_id")?;
        if grant {
            let counsellor = row.text("counsellor")?;
            let personal_data = row.flag("personal_data")?;
            let made = insert_access(
                &mut tx,
                &dossier_id,
                &counsellor,
                personal_data,
                "staff",
                by,
                now,
            )
            .await?;
            if let Some(access_id) = made {
                tell_debtor(
                    &mut tx,
                    &dossier_id,
                    &access_id,
                    &counsellor,
                    personal_data,
                    true,
                    now,
                )
                .await?;
            }
        }
        let mut audit = audit.clone();
        audit.dossier_id = Some(dossier_id);
        append_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(RequestDecided::Done)
    }

    /// What counsellors did on the dossier, newest first: what the debtor is shown.
    pub async fn counsellor_events(
        &self,
        dossier_id: &DossierId,
        limit: i64,
    ) -> Result<Vec<AuditEvent>> {
        self.audit_for_dossier_where(dossier_id, "counsellor IS NOT NULL", limit)
            .await
    }
}
