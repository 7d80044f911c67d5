//! Paying through Pay.nl: the payment service from config (a real account, the built-in
//! sandbox, or none), the exchange endpoint Pay.nl calls, and the reconciler task.

use crate::{AppState, Config};
use anyhow::Context;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use payments::{PaidRecheck, PaymentConfig, PaymentService, Reconciler, ReconcilerConfig};
use paynl::sim::{SimConfig, Simulator};
use paynl::{PaynlClient, PaynlConfig};
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Key id and secret the sandbox signs its exchange calls with (they never leave the machine).
const SANDBOX_KEY_ID: &str = "SL-0000-0000";
const SANDBOX_TOKEN_CODE: &str = "AT-0000-0000";

/// The payment service for `config`, and the sandbox simulator when one was started (kept
/// alive with the services: dropping it stops it).
pub async fn payment_service(
    config: &Config,
    public_url: &str,
    books: &booking::Books,
) -> anyhow::Result<(Option<PaymentService>, Option<Arc<Simulator>>)> {
    let mut payment_config = PaymentConfig::new(public_url);
    payment_config.rules = config.payment_rules();
    payment_config.stale_after =
        chrono::Duration::minutes(i64::from(config.reconcile_after_minutes));

    if config.paynl_sandbox {
        let secret = auth::qr_link::generate_key();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("start the Pay.nl sandbox")?;
        let sim = Simulator::start(
            listener,
            SimConfig {
                signing_key_id: SANDBOX_KEY_ID.into(),
                signing_secret: secret.clone(),
                // Quicker than Pay.nl, so a missed call shows up during a demo.
                retry_schedule: [5, 15, 60].into_iter().map(Duration::from_secs).collect(),
                ..SimConfig::default()
            },
        )
        .await
        .context("start the Pay.nl sandbox")?;
        tracing::warn!(
            url = sim.url(),
            "payments go to the built-in Pay.nl sandbox: nothing is really paid"
        );
        let mut client_config = PaynlConfig::new(SANDBOX_TOKEN_CODE, "sandbox", SANDBOX_KEY_ID)
            .with_base_url(sim.url());
        client_config.test_mode = true;
        let client = PaynlClient::new(client_config)?;
        let keyring = HashMap::from([(SANDBOX_KEY_ID.to_owned(), secret)]);
        let service = PaymentService::new(books.clone(), client, keyring, payment_config);
        return Ok((Some(service), Some(Arc::new(sim))));
    }

    let (Some(token_code), Some(api_token), Some(service_id)) = (
        &config.paynl_token_code,
        &config.paynl_api_token,
        &config.paynl_service_id,
    ) else {
        tracing::warn!("no Pay.nl account configured: paying online is switched off");
        return Ok((None, None));
    };
    let mut client_config = PaynlConfig::new(token_code, api_token.expose_secret(), service_id);
    if let Some(url) = &config.paynl_api_url {
        client_config = client_config.with_base_url(url);
    }
    if let Some(url) = &config.paynl_rest_url {
        client_config.rest_base_url = url.clone();
    }
    let client = PaynlClient::new(client_config)?;
    let mut keyring = HashMap::from([(token_code.clone(), api_token.expose_secret().to_owned())]);
    if let Some(secret) = &config.paynl_service_secret {
        keyring.insert(service_id.clone(), secret.expose_secret().to_owned());
    }
    Ok((
        Some(PaymentService::new(
            books.clone(),
            client,
            keyring,
            payment_config,
        )),
        None,
    ))
}

/// `POST /api/paynl/exchange` (also GET, which Pay.nl uses for plain exchange calls): Pay.nl
/// tells us an order changed. Answers `TRUE|` when handled, `FALSE|` to be called again.
pub async fn exchange(
    State(state): State<AppState>,
    caller: Option<axum::Extension<app::ssr::ClientIp>>,
    headers: http::HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let Some(service) = &state.services.payments else {
        return (
            http::StatusCode::NOT_FOUND,
            "FALSE|payments are switched off",
        )
            .into_response();
    };
    let answer = service
        .handle_exchange(
            &headers,
            query.as_deref(),
            &body,
            caller.map(|c| c.0.0),
            chrono::Utc::now(),
        )
        .await;
    crate::metrics::exchange_call(answer.outcome);
    (
        answer.http_status,
        [(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        answer.body,
    )
        .into_response()
}

/// Runs the reconciler until the process ends (one instance at a time holds its lease).
pub fn spawn_reconciler(
    service: &PaymentService,
    interval: Duration,
    paid_window: chrono::Duration,
) {
    let config = ReconcilerConfig {
        interval,
        paid: if paid_window > chrono::Duration::zero() {
            PaidRecheck::within(paid_window)
        } else {
            PaidRecheck::off()
        },
        ..ReconcilerConfig::default()
    };
    let reconciler = Reconciler::new(service.clone(), config).on_success(|_, _| {
        crate::metrics::job_succeeded(crate::metrics::job::RECONCILER, chrono::Utc::now())
    });
    tokio::spawn(async move { reconciler.run(std::future::pending()).await });
}
