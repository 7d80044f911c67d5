//! Shared helpers: a simulator on a real socket, a client pointed at it, the control
//! API over HTTP, and a tiny exchange receiver.
#![allow(dead_code)] // each test file uses a different subset

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::post;
use domain::Money;
use paynl::sim::{Method, SimConfig, SimControl, Simulator};
use paynl::{CreateOrder, PaynlClient, PaynlConfig};
use serde_json::Value;

pub const KEY_ID: &str = "SL-1234-5678";
pub const SECRET: &str = "test-signing-secret";

/// Test config: fast retries, short per-call timeout.
pub fn sim_config() -> SimConfig {
    SimConfig {
        signing_key_id: KEY_ID.into(),
        signing_secret: SECRET.into(),
        exchange_timeout: Duration::from_millis(500),
        retry_schedule: vec![Duration::from_millis(30); 3],
        ..SimConfig::default()
    }
}

pub async fn start_sim(config: SimConfig) -> Simulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    Simulator::start(listener, config).await.unwrap()
}

pub fn client_config(base_url: &str) -> PaynlConfig {
    let mut config =
        PaynlConfig::new("AT-0000-0001", "api-token", "SL-1234-5678").with_base_url(base_url);
    config.test_mode = true;
    config.connect_timeout = Duration::from_secs(1);
    config.timeout = Duration::from_millis(700);
    config.status_attempts = 3;
    config.retry_delay = Duration::from_millis(20);
    config
}

pub fn client(base_url: &str) -> PaynlClient {
    PaynlClient::new(client_config(base_url)).unwrap()
}

pub fn new_order(reference: &str, cents: i64, exchange_url: &str) -> CreateOrder {
    CreateOrder {
        amount: Money::from_cents(cents),
        description: "Dossier ISB-2026-000123".into(),
        reference: reference.into(),
        return_url: "http://portal.test/nl/betaald".into(),
        exchange_url: exchange_url.into(),
        payment_method: Some(10),
    }
}

/// A control-API call through the simulator's own client (`paynl::sim::SimControl`): the
/// status and the JSON body, whatever the status; panics only when the simulator is gone.
pub async fn control(base: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    SimControl::new(base)
        .call(method, path, body.as_ref())
        .await
        .expect("the simulator answers")
}

/// Polls the exchange log of `order` until `done` holds (5 s at most).
pub async fn wait_log(base: &str, order: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, log) = control(
            base,
            Method::Get,
            &format!("/_sim/exchanges?order={order}"),
            None,
        )
        .await;
        let records = log.as_array().cloned().unwrap_or_default();
        if done(&records) {
            return records;
        }
        assert!(
            Instant::now() < deadline,
            "exchange log never matched: {records:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub query: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Clone, Default)]
struct ReceiverState {
    calls: Arc<Mutex<Vec<Received>>>,
    /// Scripted (delay, answer) per call; afterwards "TRUE|".
    script: Arc<Mutex<VecDeque<(Duration, String)>>>,
}

/// A merchant's exchange endpoint on a real socket, answering from a script.
pub struct Receiver {
    pub url: String,
    state: ReceiverState,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(
    State(state): State<ReceiverState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> String {
    state.calls.lock().unwrap().push(Received {
        headers,
        query,
        body: body.to_vec(),
    });
    let step = state.script.lock().unwrap().pop_front();
    match step {
        Some((delay, answer)) => {
            tokio::time::sleep(delay).await;
            answer
        }
        None => "TRUE|".into(),
    }
}

impl Receiver {
    pub async fn start(script: &[(u64, &str)]) -> Receiver {
        let state = ReceiverState::default();
        state.script.lock().unwrap().extend(
            script
                .iter()
                .map(|(ms, answer)| (Duration::from_millis(*ms), answer.to_string())),
        );
        let app = axum::Router::new()
            .route("/exchange", post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/exchange", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url, state, task }
    }

    pub fn calls(&self) -> Vec<Received> {
        self.state.calls.lock().unwrap().clone()
    }

    /// Waits until at least `n` calls arrived (5 s at most).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let calls = self.calls();
            if calls.len() >= n {
                return calls;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {n} calls arrived",
                calls.len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
