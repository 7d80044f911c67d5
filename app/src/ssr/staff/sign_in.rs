//! Signing staff in: the password, then the second factor (TOTP or a recovery code), and
//! signing out.

use super::{MAX_USERNAME_CHARS, audit_staff, current, unavailable};
use crate::ssr::{Services, Settings};
use crate::staff::StaffError;
use auth::sign_in::{Attempt, Verdict};
use auth::{ThrottlePolicy, Token};
use chrono::{DateTime, Utc};
use http::HeaderValue;
use std::net::IpAddr;
use store::{AttemptKey, AttemptKeyKind, NewSession, SessionKind};

/// Checks a username and password and opens the challenge for the second factor; returns
/// its token and the account's kind (a counsellor signs in the same way, and goes on at
/// `/counsellor/two-factor`).
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
) -> Result<(Token, store::AccountKind), StaffError> {
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
        Verdict::Right(()) if user.is_some() => {}
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
    Ok((token, account.kind))
}

/// How long the second factor may take after the password.
pub const CHALLENGE_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// The cookie that carries the challenge between the password and the second factor.
pub const CHALLENGE_COOKIE: &str = "dp_staff_2fa";

/// `Set-Cookie` for a challenge: as strict as the staff cookie, gone after ten minutes.
pub fn set_challenge_cookie(token: &Token, settings: &Settings) -> HeaderValue {
    let max_age = format!("; Max-Age={}", CHALLENGE_LIFETIME.num_seconds());
    crate::ssr::session::cookie_header(
        CHALLENGE_COOKIE,
        token.expose(),
        "Strict",
        &max_age,
        settings,
    )
}

/// `Set-Cookie` that removes the challenge cookie.
pub fn clear_challenge_cookie(settings: &Settings) -> HeaderValue {
    crate::ssr::session::cookie_header(CHALLENGE_COOKIE, "", "Strict", "; Max-Age=0", settings)
}

/// The live challenge of this request, with its cookie's hash.
async fn challenge(
    services: &Services,
    headers: &http::HeaderMap,
    now: DateTime<Utc>,
) -> Result<(String, store::StaffChallenge), StaffError> {
    let token = crate::ssr::session::token_in_cookie(headers, CHALLENGE_COOKIE)
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
    let counsellor = services
        .store
        .staff_user(&challenge.username)
        .await
        .map_err(|e| unavailable("staff account", e))?
        .is_some_and(|a| a.kind == store::AccountKind::Counsellor);
    Ok(crate::staff::TwoFactorView {
        username: challenge.username,
        counsellor,
        enrolment,
    })
}

/// How a right second factor passed.
enum Passed {
    /// The first code from the app, which completed enrolment.
    Enrolled,
    /// A recovery code, now used up.
    RecoveryCode,
    /// A code from the app, for a time step not used before.
    Code,
    /// A right code from the app whose step was used already: refused (RFC 6238 §5.2).
    UsedCode,
}

/// Checks the second factor (a code from the app, or a recovery code) under the staff
/// throttle of its own key, and opens the account's session; returns its token and the
/// account's kind (a counsellor's session goes in the debtor cookie).
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
) -> Result<(Token, store::AccountKind), StaffError> {
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
    let keys = auth::sign_in::keys_for(
        AttemptKey::new(AttemptKeyKind::Staff, format!("2fa:{username}")),
        ThrottlePolicy::STAFF,
        ip,
    );
    let verdict = auth::sign_in::throttled(store, &keys, now, || async {
        let stored = auth::sign_in::SignInError::Store;
        if let (Some(secret), Some(codes)) = (&challenge.enrol_secret, &challenge.enrol_recovery) {
            let Ok(secret) = TotpSecret::from_base32(secret) else {
                return Ok(None);
            };
            let Some(step) = matching_step(&secret, &code, now) else {
                return Ok(None);
            };
            let hashes: Vec<String> = codes.lines().map(recovery_hash).collect();
            store
                .enrol_staff_totp(&username, &secret.to_base32(), step, &hashes)
                .await
                .map_err(stored)?;
            return Ok(Some(Passed::Enrolled));
        }
        if is_recovery_code(&code) {
            let used_up = store
                .use_recovery_code(&username, &recovery_hash(&code), now)
                .await
                .map_err(stored)?;
            return Ok(used_up.then_some(Passed::RecoveryCode));
        }
        let Some(secret) = account
            .totp_secret
            .as_deref()
            .and_then(|s| TotpSecret::from_base32(s).ok())
        else {
            return Ok(None);
        };
        let Some(step) = matching_step(&secret, &code, now) else {
            return Ok(None);
        };
        // A right code used before is no guess (it takes knowing the code): refused below
        // without counting as a failure, so a colleague's sign-in in the same 30 s costs
        // nothing; the daily cap still holds, as a success does not reset it.
        let fresh = store
            .take_totp_step(&username, step)
            .await
            .map_err(stored)?;
        Ok(Some(if fresh {
            Passed::Code
        } else {
            Passed::UsedCode
        }))
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "staff two-factor");
        StaffError::Refused(crate::Refusal::Unavailable)
    })?;
    let passed = match verdict {
        Verdict::Right(Passed::UsedCode) => {
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
        Verdict::Right(passed) => passed,
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
    };
    store
        .delete_staff_challenge(&hash, now)
        .await
        .map_err(|e| unavailable("staff challenge", e))?;
    let event = match passed {
        Passed::Enrolled => Some("staff.two_factor.enrolled"),
        Passed::RecoveryCode => Some("staff.two_factor.recovery_code"),
        Passed::Code | Passed::UsedCode => None,
    };
    if let Some(event) = event {
        let left = store.unused_recovery_codes(&username).await.unwrap_or(0);
        audit_staff(
            services,
            &username,
            None,
            event,
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
        serde_json::json!({ "kind": account.kind.as_str() }),
        ip,
        now,
    )
    .await;
    Ok((token, account.kind))
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
