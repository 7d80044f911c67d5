//! Signing a debtor in with the dossier number and the secret from the letter: the one
//! home of this rule, called by the sign-in server function.

use super::Services;
use crate::errors::SignInError;
use auth::sign_in::{Attempt, Verdict};
use auth::{ThrottlePolicy, Token};
use chrono::{DateTime, Utc};
use domain::{DossierId, DossierNumber, Secret};
use std::net::IpAddr;
use store::{AttemptKey, AttemptKeyKind, SessionKind};

/// What a successful sign-in yields: the new session's token for the cookie.
pub struct SignedIn {
    pub token: Token,
    pub dossier_id: DossierId,
}

/// Checks the typed dossier number and secret and opens a full session.
///
/// Malformed input is refused before any work; the rest (throttle per dossier number and
/// per client address, verify, record) is `auth::sign_in::check`, the routine staff sign in
/// with too: an unknown dossier number costs a dummy verify, so it takes as long as a wrong
/// secret and gets the same answer.
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
    let dossier = store
        .dossier_by_number(&number.to_string())
        .await
        .map_err(unavailable)?;
    let attempt = Attempt::new(
        AttemptKey::new(AttemptKeyKind::Dossier, number.to_string()),
        ThrottlePolicy::DOSSIER,
        ip,
        dossier.as_ref().and_then(|d| d.secret_hash.clone()),
        secret.expose(),
    );
    let verdict = auth::sign_in::check(store, &services.hasher, attempt, now)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "sign-in");
            SignInError::Unavailable
        })?;
    let dossier = match (verdict, dossier) {
        (Verdict::Right(()), Some(d)) => d,
        (Verdict::Throttled { until }, d) => {
            super::audit_debtor(
                services,
                d.map(|d| d.id),
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
    // The debtor's messages follow the language they use the portal in.
    if let Err(e) = services
        .store
        .set_mail_language(&dossier.id, super::messages::request_lang())
        .await
    {
        tracing::warn!(error = %e, "mail language not stored");
    }
    Ok(SignedIn {
        token,
        dossier_id: dossier.id,
    })
}

fn unavailable(e: store::StoreError) -> SignInError {
    tracing::error!(error = %e, "sign-in: database error");
    SignInError::Unavailable
}
