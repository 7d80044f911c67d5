//! The staff back office on the server: staff sessions (their own cookie and session kind),
//! signing staff in, and the rules behind the correction queue and the dossier look-up.
//!
//! Separation from debtors: a staff session lives only in the `dp_staff` cookie and has kind
//! [`SessionKind::Staff`]; [`current`] accepts nothing else, and the debtor side
//! (`super::require_session`, the page gate) refuses that kind. Every staff action lands in
//! the audit log with the username and the client address.

use super::{Services, Settings};
use crate::staff::{CorrectionRow, FieldRow, QueueItem, StaffDossierView, StaffError};
use auth::roles::StaffAction;
use auth::sign_in::{Attempt, Verdict};
use auth::{ThrottlePolicy, Token};
use chrono::{DateTime, Months, Utc};
use domain::DossierNumber;
use http::HeaderValue;
use std::net::IpAddr;
use store::{
    ActorKind, AttemptKey, AttemptKeyKind, CorrectionDecision, CorrectionRequest, DebtorField,
    Decided, NewSession, Session, SessionKind, StaffRole, Store, StoreError,
};

/// The staff session cookie's name (never the debtor's `dp_session`).
pub const COOKIE: &str = "dp_staff";

/// Longest staff note kept with a decision.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Usernames are short and plain; longer input is cut to this for throttling and the log.
const MAX_USERNAME_CHARS: usize = 64;

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
    // An account that is gone (the demo account outside demo mode) has no sessions left.
    let Some(account) = store.staff_user(&username).await? else {
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
            Err(StaffError::Refused(crate::Refusal::NotSignedIn))
        }
    }
}

/// Whether `me` may do `action` (`auth::roles`). A refusal is audited (`staff.forbidden`,
/// with the action) and answers 403 to a hydrated page.
pub async fn permit(
    services: &Services,
    me: &StaffCurrent,
    action: StaffAction,
    dossier_id: Option<String>,
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
    dossier_id: Option<String>,
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
    };
    if let Err(e) = services.store.append_audit(&event).await {
        tracing::error!(error = %e, action, "could not write audit event");
    }
}

/// Checks a username and password and opens a staff session; returns its token.
///
/// The routine debtors sign in with (`auth::sign_in::check`), with the staff policy per
/// username (`ThrottlePolicy::STAFF`) and the address policy per client address: throttling
/// before any argon2 work, an unknown username costs a dummy verify and gets the same answer
/// as a wrong password; every attempt is audited.
pub async fn sign_in(
    services: &Services,
    username_input: &str,
    password: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Token, StaffError> {
    let username: String = username_input
        .trim()
        .to_lowercase()
        .chars()
        .take(MAX_USERNAME_CHARS)
        .collect();
    if username.is_empty() {
        return Err(StaffError::MissingUsername);
    }
    if password.is_empty() {
        return Err(StaffError::MissingPassword { username });
    }
    let store = &services.store;
    let user = store
        .staff_user(&username)
        .await
        .map_err(|e| unavailable("staff sign-in", e))?;
    let attempt = Attempt::new(
        AttemptKey::new(AttemptKeyKind::Staff, username.clone()),
        ThrottlePolicy::STAFF,
        ip,
        user.as_ref().map(|u| u.password_hash.clone()),
        password,
    );
    let verdict = auth::sign_in::check(store, &services.hasher, attempt, now)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "staff sign-in");
            StaffError::Refused(crate::Refusal::Unavailable)
        })?;
    match verdict {
        Verdict::Right if user.is_some() => {}
        Verdict::Throttled { until } => {
            audit_staff(
                services,
                &username,
                None,
                "staff.sign_in.throttled",
                serde_json::json!({}),
                ip,
                now,
            )
            .await;
            return Err(StaffError::Throttled {
                username,
                retry_after_secs: (until - now).num_seconds().max(1),
            });
        }
        _ => {
            audit_staff(
                services,
                &username,
                None,
                "staff.sign_in.failed",
                serde_json::json!({}),
                ip,
                now,
            )
            .await;
            return Err(StaffError::Invalid { username });
        }
    }

    // The password is right; the second factor decides. A staff account opens every
    // dossier, so a password alone never does (an account without a second factor enrols
    // one now, before its first session).
    let account = user.ok_or(StaffError::Refused(crate::Refusal::Unavailable))?;
    let enrolment = match &account.totp_secret {
        Some(_) => None,
        None => Some((
            auth::totp::TotpSecret::generate(),
            auth::totp::new_recovery_codes(),
        )),
    };
    let token = Token::generate();
    let challenge = store::StaffChallenge {
        username: username.clone(),
        enrol_secret: enrolment.as_ref().map(|(secret, _)| secret.to_base32()),
        enrol_recovery: enrolment.as_ref().map(|(_, codes)| codes.join("\n")),
        expires_at: now + CHALLENGE_LIFETIME,
    };
    store
        .create_staff_challenge(&token.hash(), &challenge)
        .await
        .map_err(|e| unavailable("staff challenge", e))?;
    audit_staff(
        services,
        &username,
        None,
        "staff.sign_in.password_ok",
        serde_json::json!({ "enrolling": enrolment.is_some() }),
        ip,
        now,
    )
    .await;
    Ok(token)
}

/// How long the second factor may take after the password.
pub const CHALLENGE_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// The cookie that carries the challenge between the password and the second factor.
pub const CHALLENGE_COOKIE: &str = "dp_staff_2fa";

/// `Set-Cookie` for a challenge: as strict as the staff cookie, gone after ten minutes.
pub fn set_challenge_cookie(token: &Token, settings: &Settings) -> HeaderValue {
    let max_age = format!("; Max-Age={}", CHALLENGE_LIFETIME.num_seconds());
    super::session::cookie_header(
        CHALLENGE_COOKIE,
        token.expose(),
        "Strict",
        &max_age,
        settings,
    )
}

/// `Set-Cookie` that removes the challenge cookie.
pub fn clear_challenge_cookie(settings: &Settings) -> HeaderValue {
    super::session::cookie_header(CHALLENGE_COOKIE, "", "Strict", "; Max-Age=0", settings)
}

/// The live challenge of this request, with its cookie's hash.
async fn challenge(
    services: &Services,
    headers: &http::HeaderMap,
    now: DateTime<Utc>,
) -> Result<(String, store::StaffChallenge), StaffError> {
    let token = super::session::token_in_cookie(headers, CHALLENGE_COOKIE)
        .ok_or(StaffError::Refused(crate::Refusal::NotSignedIn))?;
    let hash = token.hash();
    let found = services
        .store
        .staff_challenge(&hash, now)
        .await
        .map_err(|e| unavailable("staff challenge", e))?;
    found
        .map(|c| (hash, c))
        .ok_or(StaffError::Refused(crate::Refusal::NotSignedIn))
}

/// What the second-factor page shows: while enrolling, the QR code for the app, the secret
/// to type instead, and the recovery codes (shown this once).
pub async fn two_factor_view(
    services: &Services,
    headers: &http::HeaderMap,
    now: DateTime<Utc>,
) -> Result<crate::staff::TwoFactorView, StaffError> {
    let (_, challenge) = challenge(services, headers, now).await?;
    let enrolment = match (&challenge.enrol_secret, &challenge.enrol_recovery) {
        (Some(secret), Some(codes)) => {
            let secret = auth::totp::TotpSecret::from_base32(secret)
                .map_err(|_| StaffError::Refused(crate::Refusal::Unavailable))?;
            let qr_svg = auth::svg(&secret.otpauth_url(&challenge.username))
                .map_err(|_| StaffError::Refused(crate::Refusal::Unavailable))?;
            Some(crate::staff::Enrolment {
                qr_svg,
                secret: secret.to_base32(),
                recovery_codes: codes.lines().map(str::to_owned).collect(),
            })
        }
        _ => None,
    };
    Ok(crate::staff::TwoFactorView {
        username: challenge.username,
        enrolment,
    })
}

/// Checks the second factor (a code from the app, or a recovery code) under the staff
/// throttle of its own key, and opens the staff session; returns its token.
///
/// While enrolling only an app code counts, and it stores the secret and the recovery
/// codes' hashes. Otherwise a code is accepted once (RFC 6238 §5.2: a used step is refused
/// as [`StaffError::CodeUsed`]), a recovery code once.
pub async fn two_factor(
    services: &Services,
    headers: &http::HeaderMap,
    code: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Token, StaffError> {
    use auth::totp::{TotpSecret, is_recovery_code, matching_step, recovery_hash};
    let (hash, challenge) = challenge(services, headers, now).await?;
    let username = challenge.username.clone();
    let code = code.trim().to_owned();
    if code.is_empty() {
        return Err(StaffError::MissingCode);
    }
    let store = &services.store;
    let account = store
        .staff_user(&username)
        .await
        .map_err(|e| unavailable("staff two-factor", e))?
        .ok_or(StaffError::Refused(crate::Refusal::NotSignedIn))?;
    let keys = [(
        AttemptKey::new(AttemptKeyKind::Staff, format!("2fa:{username}")),
        ThrottlePolicy::STAFF,
    )];
    let keys: Vec<_> = keys
        .into_iter()
        .chain(ip.map(|ip| (auth::sign_in::address_key(ip), ThrottlePolicy::ADDRESS)))
        .collect();
    let used = std::sync::atomic::AtomicBool::new(false);
    let how = std::sync::Mutex::new("totp");
    let verdict = auth::sign_in::throttled(store, &keys, now, || async {
        let stored = |e| auth::sign_in::SignInError::Store(e);
        if let (Some(secret), Some(codes)) = (&challenge.enrol_secret, &challenge.enrol_recovery) {
            let Ok(secret) = TotpSecret::from_base32(secret) else {
                return Ok(false);
            };
            let Some(step) = matching_step(&secret, &code, now) else {
                return Ok(false);
            };
            let hashes: Vec<String> = codes.lines().map(recovery_hash).collect();
            store
                .enrol_staff_totp(&username, &secret.to_base32(), step, &hashes)
                .await
                .map_err(stored)?;
            *how.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = "enrolled";
            return Ok(true);
        }
        if is_recovery_code(&code) {
            *how.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = "recovery_code";
            return store
                .use_recovery_code(&username, &recovery_hash(&code), now)
                .await
                .map_err(stored);
        }
        let Some(secret) = account
            .totp_secret
            .as_deref()
            .and_then(|s| TotpSecret::from_base32(s).ok())
        else {
            return Ok(false);
        };
        let Some(step) = matching_step(&secret, &code, now) else {
            return Ok(false);
        };
        // A right code used before is no guess (it takes knowing the code): refused below
        // without counting as a failure, so a colleague's sign-in in the same 30 s costs
        // nothing; the daily cap still holds, as a success does not reset it.
        let fresh = store
            .take_totp_step(&username, step)
            .await
            .map_err(stored)?;
        used.store(!fresh, std::sync::atomic::Ordering::Relaxed);
        Ok(true)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "staff two-factor");
        StaffError::Refused(crate::Refusal::Unavailable)
    })?;
    let how = *how
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let code_used = used.load(std::sync::atomic::Ordering::Relaxed);
    match verdict {
        Verdict::Right if code_used => {
            audit_staff(
                services,
                &username,
                None,
                "staff.two_factor.failed",
                serde_json::json!({ "replayed": true }),
                ip,
                now,
            )
            .await;
            return Err(StaffError::CodeUsed);
        }
        Verdict::Right => {}
        Verdict::Throttled { until } => {
            audit_staff(
                services,
                &username,
                None,
                "staff.two_factor.throttled",
                serde_json::json!({}),
                ip,
                now,
            )
            .await;
            return Err(StaffError::Throttled {
                username,
                retry_after_secs: (until - now).num_seconds().max(1),
            });
        }
        Verdict::Wrong => {
            audit_staff(
                services,
                &username,
                None,
                "staff.two_factor.failed",
                serde_json::json!({ "replayed": false }),
                ip,
                now,
            )
            .await;
            return Err(StaffError::WrongCode);
        }
    }
    store
        .delete_staff_challenge(&hash, now)
        .await
        .map_err(|e| unavailable("staff challenge", e))?;
    if how != "totp" {
        let left = store.unused_recovery_codes(&username).await.unwrap_or(0);
        audit_staff(
            services,
            &username,
            None,
            &format!("staff.two_factor.{how}"),
            serde_json::json!({ "recovery_codes_left": left }),
            ip,
            now,
        )
        .await;
    }
    // Always a fresh token: one planted in the browser before sign-in is worthless.
    let token = Token::generate();
    let session = NewSession {
        token: token.expose().to_owned(),
        kind: SessionKind::Staff,
        dossier_id: None,
        staff_username: Some(username.clone()),
        csrf_token: Token::generate().expose().to_owned(),
        expires_at: now + services.settings.absolute_timeout,
    };
    store
        .create_session(&session, now)
        .await
        .map_err(|e| unavailable("staff session", e))?;
    audit_staff(
        services,
        &username,
        None,
        "staff.sign_in.succeeded",
        serde_json::json!({}),
        ip,
        now,
    )
    .await;
    Ok(token)
}

/// Ends the request's staff session (if it is one) and audits it.
pub async fn sign_out(
    services: &Services,
    headers: &http::HeaderMap,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<(), StaffError> {
    let Some(me) = current(&services.store, headers, &services.settings, now)
        .await
        .map_err(|e| unavailable("staff sign-out", e))?
    else {
        return Ok(());
    };
    services
        .store
        .delete_session(me.token.expose())
        .await
        .map_err(|e| unavailable("staff sign-out", e))?;
    audit_staff(
        services,
        &me.username,
        None,
        "staff.sign_out",
        serde_json::json!({}),
        ip,
        now,
    )
    .await;
    Ok(())
}

/// The answer deadline of a request made at `at`: one calendar month later (GDPR art. 12(3)).
pub fn due_after(at: DateTime<Utc>) -> DateTime<Utc> {
    at.checked_add_months(Months::new(1)).unwrap_or(at)
}

/// Queue order: overdue requests first (the longest overdue on top), then the rest oldest
/// first.
pub fn queue_order(requests: &mut [CorrectionRequest], now: DateTime<Utc>) {
    requests.sort_by_key(|r| {
        let overdue = r.due_at <= now;
        let when = if overdue { r.due_at } else { r.created_at };
        (!overdue, when, r.id)
    });
}

fn date(at: DateTime<Utc>) -> String {
    at.date_naive().format("%Y-%m-%d").to_string()
}

/// The open requests for the queue, with each debtor's value now. Audited as a view of
/// personal data, once per dossier shown.
pub async fn correction_queue(
    services: &Services,
    me: &StaffCurrent,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Vec<QueueItem>, StaffError> {
    let store = &services.store;
    let mut requests = store
        .open_corrections()
        .await
        .map_err(|e| unavailable("queue", e))?;
    queue_order(&mut requests, now);
    let mut items = Vec::with_capacity(requests.len());
    let mut dossiers: Vec<(String, String, Vec<i64>)> = Vec::new();
    for request in requests {
        let number = match dossiers.iter_mut().find(|d| d.0 == request.dossier_id) {
            Some(seen) => {
                seen.2.push(request.id);
                seen.1.clone()
            }
            None => {
                let number = store
                    .dossier(&request.dossier_id)
                    .await
                    .map_err(|e| unavailable("queue", e))?
                    .map(|d| d.number)
                    .unwrap_or_default();
                dossiers.push((request.dossier_id.clone(), number.clone(), vec![request.id]));
                number
            }
        };
        let value_now = store
            .debtor(&request.dossier_id)
            .await
            .map_err(|e| unavailable("queue", e))?
            .and_then(|d| d.details.get(request.field));
        items.push(QueueItem {
            id: request.id,
            dossier_number: number,
            field: request.field.as_str().to_owned(),
            value_now,
            value_when_asked: request.current_value,
            proposed_value: request.proposed_value,
            reason: request.reason,
            received: date(request.created_at),
            due: date(request.due_at),
            overdue: request.due_at <= now,
        });
    }
    for (dossier_id, _, ids) in dossiers {
        audit_staff(
            services,
            &me.username,
            Some(dossier_id),
            "personal_data.viewed",
            serde_json::json!({ "via": "correction_queue", "correction_ids": ids }),
            ip,
            now,
        )
        .await;
    }
    Ok(items)
}

/// What a decision did, for the message after it.
pub struct DecisionDone {
    pub id: i64,
    /// `accepted` or `rejected`.
    pub status: &'static str,
    pub dossier: String,
}

/// Accepts or rejects one request through the store's single rule (`decide_correction`),
/// which changes the field and audits it in one transaction. Refusals are audited too.
pub async fn decide(
    services: &Services,
    me: &StaffCurrent,
    id: i64,
    decision: &str,
    note: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<DecisionDone, StaffError> {
    let store = &services.store;
    let request = store
        .correction(id)
        .await
        .map_err(|e| unavailable("decide", e))?;
    let Some(request) = request else {
        audit_staff(
            services,
            &me.username,
            None,
            "correction.decide_refused",
            serde_json::json!({ "correction_id": id, "reason": "not_found" }),
            ip,
            now,
        )
        .await;
        return Err(StaffError::CorrectionNotFound { id });
    };
    let dossier_number = store
        .dossier(&request.dossier_id)
        .await
        .map_err(|e| unavailable("decide", e))?
        .map(|d| d.number)
        .unwrap_or_default();
    let refuse = |reason: &'static str| {
        let dossier_id = request.dossier_id.clone();
        async move {
            audit_staff(
                services,
                &me.username,
                Some(dossier_id),
                "correction.decide_refused",
                serde_json::json!({ "correction_id": id, "reason": reason }),
                ip,
                now,
            )
            .await;
        }
    };
    let accept = match decision {
        "accept" => true,
        "reject" => false,
        _ => {
            refuse("no_decision").await;
            return Err(StaffError::NoDecision { id });
        }
    };
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        refuse("note_too_long").await;
        return Err(StaffError::NoteTooLong { id });
    }
    if !accept && note.is_empty() {
        refuse("note_required").await;
        return Err(StaffError::NoteRequired { id });
    }
    if accept
        && !permit(
            services,
            me,
            StaffAction::AcceptCorrection(request.field),
            Some(request.dossier_id.clone()),
            ip,
            now,
        )
        .await
    {
        return Err(StaffError::Forbidden);
    }
    let outcome = store
        .decide_correction(&CorrectionDecision {
            id,
            accept,
            staff_note: (!note.is_empty()).then(|| note.to_owned()),
            decided_by: me.username.clone(),
            now,
            client_ip: ip.map(|ip| ip.to_string()),
        })
        .await;
    match outcome {
        Ok(Decided::Now(done)) => Ok(DecisionDone {
            id,
            status: done.status.as_str(),
            dossier: dossier_number,
        }),
        Ok(Decided::Earlier(earlier)) => {
            refuse("already_decided").await;
            Err(StaffError::AlreadyDecided {
                id,
                dossier: dossier_number,
                status: earlier.status.as_str().to_owned(),
                by: earlier.decided_by,
            })
        }
        Err(StoreError::Invalid(why)) => {
            tracing::info!(id, why, "correction value cannot be stored");
            refuse("value_not_storable").await;
            Err(StaffError::ValueNotStorable { id })
        }
        Err(StoreError::NotFound(_)) => Err(StaffError::CorrectionNotFound { id }),
        Err(e) => Err(unavailable("decide", e)),
    }
}

/// A dossier for the look-up, audited as a staff view of personal data (a miss is audited
/// too, without a dossier).
/// Revokes every letter link of the dossier with number `number_input` (a lost letter) and
/// ends its sessions; returns the canonical number. Audited as `qr_link.revoked`.
pub async fn revoke_links(
    services: &Services,
    me: &StaffCurrent,
    number_input: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<String, StaffError> {
    let typed = number_input.trim().to_owned();
    let number: DossierNumber = typed
        .parse()
        .map_err(|_| StaffError::BadDossier { number: typed })?;
    let store = &services.store;
    let dossier = store
        .dossier_by_number(&number.to_string())
        .await
        .map_err(|e| unavailable("revoke links", e))?
        .ok_or_else(|| StaffError::DossierNotFound {
            number: number.to_string(),
        })?;
    let generation = store
        .revoke_links(&dossier.id, now)
        .await
        .map_err(|e| unavailable("revoke links", e))?;
    store
        .delete_sessions_for_dossier(&dossier.id)
        .await
        .map_err(|e| unavailable("revoke links", e))?;
    audit_staff(
        services,
        &me.username,
        Some(dossier.id),
        "qr_link.revoked",
        serde_json::json!({ "generation": generation }),
        ip,
        now,
    )
    .await;
    Ok(number.to_string())
}

pub async fn dossier_view(
    services: &Services,
    me: &StaffCurrent,
    number_input: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<StaffDossierView, StaffError> {
    let typed = number_input.trim().to_owned();
    let number: DossierNumber = typed
        .parse()
        .map_err(|_| StaffError::BadDossier { number: typed })?;
    let store = &services.store;
    let Some(dossier) = store
        .dossier_by_number(&number.to_string())
        .await
        .map_err(|e| unavailable("dossier", e))?
    else {
        audit_staff(
            services,
            &me.username,
            None,
            "staff.dossier_lookup.not_found",
            serde_json::json!({ "number": number.to_string() }),
            ip,
            now,
        )
        .await;
        return Err(StaffError::DossierNotFound {
            number: number.to_string(),
        });
    };
    let creditor = store
        .creditor(&dossier.creditor_id)
        .await
        .map_err(|e| unavailable("dossier", e))?
        .map(|c| c.name)
        .unwrap_or_else(|| dossier.creditor_id.clone());
    let debtor = store
        .debtor(&dossier.id)
        .await
        .map_err(|e| unavailable("dossier", e))?;
    let fields = DebtorField::ALL
        .iter()
        .map(|field| FieldRow {
            field: field.as_str().to_owned(),
            value: debtor.as_ref().and_then(|d| d.details.get(*field)),
        })
        .collect();
    let corrections = store
        .corrections_for_dossier(&dossier.id)
        .await
        .map_err(|e| unavailable("dossier", e))?
        .into_iter()
        .map(|r| CorrectionRow {
            id: r.id,
            field: r.field.as_str().to_owned(),
            value_when_asked: r.current_value,
            proposed_value: r.proposed_value,
            reason: r.reason,
            status: r.status.as_str().to_owned(),
            staff_note: r.staff_note,
            received: date(r.created_at),
            due: date(r.due_at),
            decided: r.decided_at.map(date),
            decided_by: r.decided_by,
        })
        .collect();
    audit_staff(
        services,
        &me.username,
        Some(dossier.id.clone()),
        "personal_data.viewed",
        serde_json::json!({ "via": "dossier_lookup" }),
        ip,
        now,
    )
    .await;
    Ok(StaffDossierView {
        number: dossier.number,
        status: dossier.status.as_str().to_owned(),
        creditor,
        debtor_kind: debtor.map(|d| d.details.kind.as_str().to_owned()),
        fields,
        corrections,
    })
}

fn unavailable(what: &str, e: StoreError) -> StaffError {
    tracing::error!(error = %e, what, "staff: database error");
    StaffError::Refused(crate::Refusal::Unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use store::CorrectionStatus;

    fn request(id: i64, created_days_ago: i64, now: DateTime<Utc>) -> CorrectionRequest {
        let created_at = now - Duration::days(created_days_ago);
        CorrectionRequest {
            id,
            dossier_id: "d".into(),
            field: DebtorField::Email,
            current_value: None,
            proposed_value: "x@example.nl".into(),
            reason: "r".into(),
            status: CorrectionStatus::Submitted,
            staff_note: None,
            created_at,
            due_at: due_after(created_at),
            decided_at: None,
            decided_by: None,
        }
    }

    #[test]
    fn the_deadline_is_one_calendar_month_later() {
        let at = Utc.with_ymd_and_hms(2026, 1, 31, 10, 0, 0).unwrap();
        assert_eq!(
            due_after(at),
            Utc.with_ymd_and_hms(2026, 2, 28, 10, 0, 0).unwrap()
        );
    }

    #[test]
    fn overdue_requests_come_first_then_the_oldest() {
        let now = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap();
        let mut queue = vec![
            request(1, 3, now),
            request(2, 40, now),
            request(3, 10, now),
            request(4, 35, now),
        ];
        // An overdue request whose deadline was set short (e.g. by hand) still leads.
        queue[0].due_at = now - Duration::days(1);
        queue_order(&mut queue, now);
        let ids: Vec<i64> = queue.iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![2, 4, 1, 3]);
    }
}
