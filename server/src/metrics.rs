//! Prometheus metrics: every metric the portal exposes is named here (prefix `portal_`), and
//! `GET /metrics` renders them for a scraper that knows the bearer token (`metrics_token`).
//!
//! The values live in one recorder per process (the `metrics` facade allows one global
//! recorder), installed the first time a router is built. The test suite starts many servers
//! in one process, so they share it: counters only ever grow, and tests compare before and
//! after rather than expect zero.
//!
//! Each instance counts what it did itself (the exchange calls it answered, the rounds of the
//! jobs whose lease it held): sum counters over instances, and take the newest job time.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use metrics::{counter, describe_counter, describe_gauge, gauge};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use secrecy::{ExposeSecret, SecretString};

use crate::AppState;

const JOB_LAST_SUCCESS: &str = "portal_job_last_success_timestamp_seconds";
const ROWS_REMOVED: &str = "portal_rows_removed_total";
const EXCHANGE_CALLS: &str = "portal_exchange_calls_total";
const SIGN_IN_THROTTLED: &str = "portal_sign_in_throttled_total";
const PAYMENTS_OPEN_OVER_A_DAY: &str = "portal_payments_open_over_a_day";
/// Messages in the outbox by status (`queued`: waiting for the contact hours or a retry).
const MAIL_OUTBOX: &str = "portal_mail_outbox";
const MAIL_SENT: &str = "portal_mail_sent_total";
const MAIL_FAILED: &str = "portal_mail_failed_total";

/// The jobs whose last success is kept, by their `job` label.
pub mod job {
    pub const HOUSEKEEPING: &str = "housekeeping";
    pub const RETENTION: &str = "retention";
    pub const RECONCILER: &str = "reconciler";
    pub const PLANS_LIFECYCLE: &str = "plans_lifecycle";
    pub const MAIL: &str = "mail";
    pub const MAIL_PLANNER: &str = "mail_planner";
}

/// What `GET /metrics` needs: the process's recorder and the token a scraper must send.
#[derive(Clone)]
pub struct MetricsState {
    handle: PrometheusHandle,
    /// `None`: `/metrics` is not served (404).
    token: Option<SecretString>,
}

impl MetricsState {
    pub fn new(token: Option<SecretString>) -> Self {
        MetricsState {
            handle: handle(),
            token,
        }
    }
}

/// The process's recorder, installed on the first call.
fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                // Only this function installs one; if something else did first, `/metrics`
                // shows an empty page rather than stopping the portal.
                tracing::warn!("another metrics recorder is installed: /metrics stays empty");
            }
            describe();
            handle
        })
        .clone()
}

/// Help texts, and every counter registered at zero so a scraper sees it from the start
/// (a series that appears only after its first event makes `rate()` miss that event).
fn describe() {
    describe_gauge!(
        JOB_LAST_SUCCESS,
        "Unix time of the last round of a background job that succeeded on this instance"
    );
    describe_counter!(
        ROWS_REMOVED,
        "Rows removed (or, for exchange_call_bodies, blanked) by housekeeping and retention"
    );
    for kind in [
        "sessions",
        "login_attempts",
        "exchange_calls",
        "exchange_call_bodies",
        "job_leases",
        "plan_budgets",
        "dossiers",
    ] {
        counter!(ROWS_REMOVED, "kind" => kind).increment(0);
    }
    describe_counter!(
        EXCHANGE_CALLS,
        "Pay.nl exchange calls answered, by outcome (accepted, refused, retry)"
    );
    for outcome in ["accepted", "refused", "retry"] {
        counter!(EXCHANGE_CALLS, "outcome" => outcome).increment(0);
    }
    // Counted by `auth::sign_in::throttled`, the one routine every sign-in passes.
    describe_counter!(
        SIGN_IN_THROTTLED,
        "Sign-in attempts (debtor, staff, second factor) refused by the throttle"
    );
    counter!(SIGN_IN_THROTTLED).increment(0);
    describe_gauge!(
        PAYMENTS_OPEN_OVER_A_DAY,
        "Payments still open more than a day after they were made (counted at each scrape)"
    );
    describe_gauge!(
        MAIL_OUTBOX,
        "Messages in the mail outbox by status (counted at each scrape)"
    );
    describe_counter!(MAIL_SENT, "Mails handed to the mail server");
    describe_counter!(
        MAIL_FAILED,
        "Mails given up after their retries, or refused for good"
    );
    for name in [MAIL_SENT, MAIL_FAILED] {
        counter!(name).increment(0);
    }
}

/// The last success of each job on this instance, for `/readyz`.
fn last_successes() -> &'static Mutex<BTreeMap<&'static str, DateTime<Utc>>> {
    static LAST: OnceLock<Mutex<BTreeMap<&'static str, DateTime<Utc>>>> = OnceLock::new();
    LAST.get_or_init(Mutex::default)
}

/// A round of `job` (see [`job`]) succeeded at `at`.
pub fn job_succeeded(job: &'static str, at: DateTime<Utc>) {
    gauge!(JOB_LAST_SUCCESS, "job" => job).set(at.timestamp() as f64);
    if let Ok(mut last) = last_successes().lock() {
        last.insert(job, at);
    }
}

/// Each job's last success on this instance (none for a job that has not succeeded here).
pub fn jobs_last_success() -> BTreeMap<&'static str, DateTime<Utc>> {
    last_successes()
        .lock()
        .map(|last| last.clone())
        .unwrap_or_default()
}

/// `n` rows of `kind` were removed by housekeeping or retention.
pub fn rows_removed(kind: &'static str, n: u64) {
    counter!(ROWS_REMOVED, "kind" => kind).increment(n);
}

/// An exchange call was answered with `outcome`.
pub fn exchange_call(outcome: payments::ExchangeOutcome) {
    use payments::ExchangeOutcome as O;
    let outcome = match outcome {
        O::Processed | O::Ignored => "accepted",
        O::Refused | O::Malformed => "refused",
        O::Retry => "retry",
    };
    counter!(EXCHANGE_CALLS, "outcome" => outcome).increment(1);
}

/// Mails handed to the mail server (`portal_mail_sent_total`).
pub fn mail_sent(n: u32) {
    counter!(MAIL_SENT).increment(u64::from(n));
}

/// Mails given up after their retries or refused for good (`portal_mail_failed_total`).
pub fn mail_failed(n: u32) {
    counter!(MAIL_FAILED).increment(u64::from(n));
}

/// A payment still open this long after it was made should have been settled by the
/// reconciler (a Pay.nl order lives at most a day); the same line `/staff/payments` draws.
const OPEN_TOO_LONG: chrono::Duration = chrono::Duration::days(1);

/// `GET /metrics`: 404 when no token is configured, 401 without the right bearer token,
/// else the metrics in Prometheus' text format.
pub async fn serve(State(state): State<AppState>, headers: http::HeaderMap) -> Response {
    let Some(token) = &state.metrics.token else {
        return http::StatusCode::NOT_FOUND.into_response();
    };
    if !authorized(&headers, token) {
        return (
            http::StatusCode::UNAUTHORIZED,
            [(http::header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response();
    }
    // Counted now, so the figure is as fresh as the scrape; a slow database leaves the last
    // figure standing rather than holding the scrape.
    let count = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        state
            .services
            .store
            .count_open_payments(Utc::now() - OPEN_TOO_LONG),
    )
    .await;
    match count {
        Ok(Ok(n)) => gauge!(PAYMENTS_OPEN_OVER_A_DAY).set(n as f64),
        Ok(Err(e)) => tracing::warn!(error = %e, "metrics: could not count open payments"),
        Err(_) => tracing::warn!("metrics: counting open payments took over 2 s"),
    }
    // The outbox by status, from the table: queued messages are written by other processes'
    // transactions, so only the table knows them all.
    match tokio::time::timeout(
        std::time::Duration::from_secs(2),
        state.services.store.mail_counts(),
    )
    .await
    {
        Ok(Ok(counts)) => {
            for status in store::MailStatus::ALL {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == status)
                    .map_or(0, |(_, n)| *n);
                gauge!(MAIL_OUTBOX, "status" => status.as_str()).set(n as f64);
            }
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "metrics: could not count the outbox"),
        Err(_) => tracing::warn!("metrics: counting the outbox took over 2 s"),
    }
    state.metrics.handle.run_upkeep();
    (
        [(
            http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.handle.render(),
    )
        .into_response()
}

/// `Authorization: Bearer <token>`, compared in constant time.
fn authorized(headers: &http::HeaderMap, token: &SecretString) -> bool {
    let Some(sent) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    auth::constant_time_eq(sent.trim().as_bytes(), token.expose_secret().as_bytes())
}
