//! The staff back office on the server: staff sessions (their own cookie and session kind),
//! who may do what, and the audit of every staff action; one module per page beside it:
//! signing in with the second factor ([`sign_in`]), the correction queue ([`corrections`]),
//! the dossier look-up ([`dossiers`]), plan reviews ([`plans`]) and requests to pay later
//! ([`deferrals`]).
//!
//! Separation from debtors: a staff session lives only in the `dp_staff` cookie and has kind
//! [`SessionKind::Staff`]; [`current`] accepts nothing else, and the debtor side
//! (`super::require_session`, the page gate) refuses that kind. Every staff action lands in
//! the audit log with the username and the client address.

mod corrections;
pub mod deferrals;
pub mod dossiers;
pub mod payments;
pub mod plans;
mod sign_in;

pub use corrections::{DecisionDone, correction_queue, decide, due_after, queue_order};
pub use dossiers::{dossier_view, revoke_links};
pub use sign_in::{
    CHALLENGE_COOKIE, CHALLENGE_LIFETIME, clear_challenge_cookie, set_challenge_cookie, sign_in,
    sign_out, two_factor, two_factor_view,
};

use super::{Services, Settings};
use crate::staff::StaffError;
use auth::Token;
use auth::roles::StaffAction;
use chrono::{DateTime, Utc};
use domain::DossierId;
use http::HeaderValue;
use std::net::IpAddr;
use store::{ActorKind, Session, SessionKind, StaffRole, Store, StoreError};

/// The staff session cookie's name (never the debtor's `dp_session`).
pub const COOKIE: &str = "dp_staff";

/// Longest staff note kept with a decision.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Usernames are short and plain; longer input is cut to this for throttling and the log.
pub(super) const MAX_USERNAME_CHARS: usize = 64;

/// `Set-Cookie` for a new staff session: HttpOnly, SameSite=Strict (the back office is never
/// entered from a link on another site), Secure unless on plain-http localhost.
pub fn set_cookie(token: &Token, settings: &Settings) -> HeaderValue {
    super::session::cookie_header(COOKIE, token.expose(), "Strict", "", settings)
}

/// `Set-Cookie` that removes the staff cookie.
pub fn clear_cookie(settings: &Settings) -> HeaderValue {
    super::session::cookie_header(COOKIE, "", "Strict", "; Max-Age=0", settings)
}

/// The staff token from a request's `Cookie` headers, if well-formed.
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<Token> {
    super::session::token_in_cookie(headers, COOKIE)
}

/// A live staff session of the current request.
#[derive(Clone)]
pub struct StaffCurrent {
    pub token: Token,
    pub username: String,
    /// Read from the account at every request, so a changed role counts at once.
    pub role: StaffRole,
    pub session: Session,
}

/// The request's staff session, recording the activity. Only a session of kind `Staff` with
/// a username counts: a debtor's token in the staff cookie is no session at all.
pub async fn current(
    store: &Store,
    headers: &http::HeaderMap,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<Option<StaffCurrent>, StoreError> {
    let Some(token) = token_from_headers(headers) else {
        return Ok(None);
    };
    let Some(session) = store
        .session(token.expose(), now, settings.idle_timeout)
        .await?
    else {
        return Ok(None);
    };
    let username = match (&session.kind, &session.staff_username) {
        (SessionKind::Staff, Some(username)) => username.clone(),
        _ => return Ok(None),
    };
    // An account that is gone (the demo account outside demo mode) has no sessions left,
    // and a counsellor's account is never staff, whichever cookie its session sits in.
    let Some(account) = store
        .staff_user(&username)
        .await?
        .filter(|a| a.kind == store::AccountKind::Staff)
    else {
        return Ok(None);
    };
    store.touch_session(token.expose(), now).await?;
    Ok(Some(StaffCurrent {
        token,
        username,
        role: account.role,
        session,
    }))
}

/// The services and the live staff session of this request, or `NotSignedIn`. Every staff
/// server function starts here.
pub async fn require_staff() -> Result<(Services, StaffCurrent), StaffError> {
    let services =
        super::services().map_err(|_| StaffError::Refused(crate::Refusal::Unavailable))?;
    let parts = leptos::prelude::use_context::<http::request::Parts>()
        .ok_or(StaffError::Refused(crate::Refusal::Unavailable))?;
    // A page load already passed the staff gate, which left the session in the request.
    let found = match parts.extensions.get::<StaffCurrent>() {
        Some(found) => Some(found.clone()),
        None => current(
            &services.store,
            &parts.headers,
            &services.settings,
            Utc::now(),
        )
        .await
        .map_err(|e| unavailable("staff session", e))?,
    };
    match found {
        Some(found) => Ok((services, found)),
        None => {
            leptos_axum::redirect("/staff");
            Err(StaffError::Refused(super::refused(
                crate::Refusal::NotSignedIn,
            )))
        }
    }
}

/// Whether `me` may do `action` (`auth::roles`). A refusal is audited (`staff.forbidden`,
/// with the action) and answers 403 to a hydrated page.
pub async fn permit(
    services: &Services,
    me: &StaffCurrent,
    action: StaffAction,
    dossier_id: Option<DossierId>,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> bool {
    if auth::roles::may(me.role, action) {
        return true;
    }
    audit_staff(
        services,
        &me.username,
        dossier_id,
        "staff.forbidden",
        serde_json::json!({ "action": format!("{action:?}"), "role": me.role.as_str() }),
        ip,
        now,
    )
    .await;
    super::refuse_with(http::StatusCode::FORBIDDEN);
    false
}

/// Appends a staff action to the audit log. A failure to write is logged, not returned.
pub async fn audit_staff(
    services: &Services,
    username: &str,
    dossier_id: Option<DossierId>,
    action: &str,
    detail: serde_json::Value,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) {
    let event = store::NewAuditEvent {
        at: now,
        actor_kind: ActorKind::Staff,
        actor_id: Some(username.to_owned()),
        dossier_id,
        action: action.to_owned(),
        detail,
        client_ip: ip.map(|ip| ip.to_string()),
        counsellor: None,
    };
    if let Err(e) = services.store.append_audit(&event).await {
        tracing::error!(error = %e, action, "could not write audit event");
    }
}

pub(super) fn unavailable(what: &str, e: StoreError) -> StaffError {
    tracing::error!(error = %e, what, "staff: database error");
    StaffError::Refused(crate::Refusal::Unavailable)
}
