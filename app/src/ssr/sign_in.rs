//! Signing a debtor in with the dossier number and the secret from the letter: the one
//! home of this rule, called by the sign-in server function.

use super::Services;
use crate::errors::SignInError;
use auth::{ThrottlePolicy, Token};
use chrono::{DateTime, Utc};
use domain::{DossierNumber, Secret};
use std::net::IpAddr;
use store::{AttemptKey, AttemptKeyKind, SessionKind};

/// What a successful sign-in yields: the new session's token for the cookie.
pub struct SignedIn {
    pub token: Token,
    pub dossier_id: String,
}

/// Checks the typed dossier number and secret and opens a full session.
///
/// The order matters: malformed input is refused before any work; throttling is checked
/// before any argon2 hash (so a throttled guesser costs nothing); an unknown dossier
/// number costs a dummy verify, so it takes as long as a wrong secret and gets the same
/// answer.
pub async fn sign_in(
    services: &Services,
    dossier_input: &str,
    secret_input: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<SignedIn, SignInError> {
    let typed = dossier_input.trim().to_owned();
    let number: DossierNumber = typed.parse().map_err(|_| SignInError::BadDossier {
        dossier: typed.clone(),
    })?;
    let secret: Secret = secret_input.parse().map_err(|_| SignInError::BadSecret {
        dossier: number.to_string(),
    })?;
    let store = &services.store;
    let dossier_key = AttemptKey::new(AttemptKeyKind::Dossier, number.to_string());
    let ip_key = ip.map(|ip| AttemptKey::new(AttemptKeyKind::Ip, ip.to_string()));

    let dossier = store
        .dossier_by_number(&number.to_string())
        .await
        .map_err(unavailable)?;
    let dossier_id = dossier.as_ref().map(|d| d.id.clone());

    let mut wait_until =
        throttled_until(services, &dossier_key, ThrottlePolicy::DOSSIER, now).await?;
    if let Some(ip_key) = &ip_key {
        let by_ip = throttled_until(services, ip_key, ThrottlePolicy::ADDRESS, now).await?;
        wait_until = wait_until.max(by_ip);
    }
    if let Some(until) = wait_until {
        super::audit_debtor(
            services,
            dossier_id,
            &number,
            "sign_in.throttled",
            serde_json::json!({}),
            ip,
            now,
        )
        .await;
        return Err(SignInError::Throttled {
            dossier: number.to_string(),
            retry_after_secs: (until - now).num_seconds().max(1),
        });
    }

    let hasher = services.hasher.clone();
    let stored = dossier.as_ref().and_then(|d| d.secret_hash.clone());
    let exposed = secret.expose().to_owned();
    // argon2 is CPU-bound: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => hasher.verify(&exposed, &hash).unwrap_or(false),
        None => hasher.verify_dummy(&exposed),
    })
    .await
    .map_err(|_| SignInError::Unavailable)?;

    store
        .record_login_attempt(&dossier_key, ok, now)
        .await
        .map_err(unavailable)?;
    if let Some(ip_key) = &ip_key {
        store
            .record_login_attempt(ip_key, ok, now)
            .await
            .map_err(unavailable)?;
    }
    let dossier = match (ok, dossier) {
        (true, Some(d)) => d,
        (_, d) => {
            super::audit_debtor(
                services,
                d.map(|d| d.id),
                &number,
                "sign_in.failed",
                serde_json::json!({}),
                ip,
                now,
            )
            .await;
            return Err(SignInError::Invalid {
                dossier: number.to_string(),
            });
        }
    };

    let token = super::session::open(
        store,
        &services.settings,
        &dossier.id,
        SessionKind::Full,
        now,
    )
    .await
    .map_err(unavailable)?;
    super::audit_debtor(
        services,
        Some(dossier.id.clone()),
        &number,
        "sign_in.succeeded",
        serde_json::json!({}),
        ip,
        now,
    )
    .await;
    Ok(SignedIn {
        token,
        dossier_id: dossier.id,
    })
}

async fn throttled_until(
    services: &Services,
    key: &AttemptKey,
    policy: ThrottlePolicy,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, SignInError> {
    let store = &services.store;
    let mut since = policy.window_start(now);
    // A success wipes the slate: the debtor who finally got in is not slowed next time.
    if let Some(ok_at) = store.last_login_success(key).await.map_err(unavailable)? {
        since = since.max(ok_at);
    }
    let limit = i64::from(policy.lock_after);
    let failures = store
        .login_failure_times(key, since, limit)
        .await
        .map_err(unavailable)?;
    Ok(policy.next_allowed(&failures, now))
}

fn unavailable(e: store::StoreError) -> SignInError {
    tracing::error!(error = %e, "sign-in: database error");
    SignInError::Unavailable
}
