//! Fault-test rig: real `debiteurportaal` processes (as behind a load balancer), one Pay.nl
//! simulator served by this test process over a socket (all portals talk to it, as to
//! Pay.nl), dossiers seeded straight into the shared database, debtors paying over HTTP,
//! exchange calls signed like Pay.nl's and fired at any portal, and a TCP proxy in front of
//! PostgreSQL that can cut the database off.

#![allow(clippy::inconsistent_digit_grouping)]

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use domain::{DossierId, Money};
use paynl::sim::{Method, SimConfig, SimControl, Simulator};
use serde_json::{Value, json};
use store::Store;
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

use super::common;

pub const KEY_ID: &str = "SL-1111-2222";
pub const SECRET: &str = "storm-signing-secret";
pub const TOKEN_CODE: &str = "AT-1111-2222";
pub const SECRET_CODE: &str = "ABCD-EFGH-JKMN";

/// The Pay.nl simulator every portal process of a test uses. Its own exchange calls are
/// dropped by default: the tests send Pay.nl's calls themselves, to any portal.
pub async fn simulator() -> Simulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let sim = Simulator::start(
        listener,
        SimConfig {
            signing_key_id: KEY_ID.into(),
            signing_secret: SECRET.into(),
            exchange_timeout: Duration::from_secs(5),
            retry_schedule: vec![Duration::from_millis(200); 3],
            ..SimConfig::default()
        },
    )
    .await
    .expect("simulator");
    sim_post(&sim, "/_sim/faults", json!({ "exchange_drop": {} })).await;
    sim
}

/// POSTs to the simulator's control API; returns the JSON answer.
pub async fn sim_post(sim: &Simulator, path: &str, body: Value) -> Value {
    SimControl::new(sim.url())
        .ok(Method::Post, path, Some(&body))
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A `debiteurportaal serve` process.
pub struct Portal {
    pub base: String,
    child: Child,
    pub log: Arc<Mutex<Vec<String>>>,
}

/// The settings shared by a test's portal processes.
#[derive(Clone)]
pub struct PortalEnv {
    pub database_url: String,
    pub paynl_url: String,
    pub extra: Vec<(&'static str, String)>,
}

impl PortalEnv {
    pub fn new(database_url: &str, sim: &Simulator) -> Self {
        PortalEnv {
            database_url: database_url.to_owned(),
            paynl_url: sim.url().to_owned(),
            extra: Vec::new(),
        }
    }

    pub fn with(mut self, key: &'static str, value: &str) -> Self {
        self.extra.push((key, value.to_owned()));
        self
    }
}

impl Portal {
    /// Starts the release or debug binary cargo built for this test on a free port and waits
    /// until it serves.
    pub async fn start(env: &PortalEnv) -> Portal {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_debiteurportaal"));
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RUST_LOG", "warn,payments=warn")
            .env("PORTAL_ADDR", "127.0.0.1:0")
            .env("DATABASE_URL", &env.database_url)
            .env("PORTAL_LINK_KEYS", common::TEST_LINK_KEYS)
            .env("PORTAL_PAYNL_API_URL", &env.paynl_url)
            .env("PORTAL_PAYNL_REST_URL", &env.paynl_url)
            .env("PORTAL_PAYNL_TOKEN_CODE", TOKEN_CODE)
            .env("PORTAL_PAYNL_API_TOKEN", "storm-api-token")
            .env("PORTAL_PAYNL_SERVICE_ID", KEY_ID)
            .env("PORTAL_PAYNL_SERVICE_SECRET", SECRET)
            .envs(env.extra.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("start debiteurportaal");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        // Drain both pipes for the process's lifetime (a full pipe would block it); keep the
        // lines for failure messages and pass on the address line.
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn AsyncReadSend>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn AsyncReadSend>),
        ]
        .into_iter()
        .flatten()
        {
            let (tx, log) = (tx.clone(), log.clone());
            tokio::spawn(async move {
                let mut lines = tokio::io::BufReader::new(pipe).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(url) = line.split("is running at ").nth(1) {
                        let _ = tx.send(url.trim().trim_end_matches('/').to_owned());
                    }
                    let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
                    if log.len() < 2_000 {
                        log.push(line);
                    }
                }
            });
        }
        // Only the readers hold senders now: a process that exits closes them, and the wait
        // ends at once instead of at the timeout.
        drop(tx);
        let base = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| {
                panic!(
                    "the portal did not start: {:?}",
                    log.lock().unwrap_or_else(|p| p.into_inner())
                )
            });
        Portal { base, child, log }
    }

    /// SIGKILL: no shutdown, no lease released, transactions cut off.
    pub async fn kill(&mut self) {
        self.child.kill().await.expect("kill");
    }

    /// The warnings and errors the process logged so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

trait AsyncReadSend: tokio::io::AsyncRead + Send + Unpin {}
impl<T: tokio::io::AsyncRead + Send + Unpin> AsyncReadSend for T {}

/// The date balances are compared on (interest accrues per day).
pub fn today() -> NaiveDate {
    claim::dutch_date(Utc::now())
}

/// Seeds `n` copies of the shared consumer dossier (`store::testing`: two invoices, WIK
/// costs) with secret [`SECRET_CODE`], hashed cheaply; returns their numbers.
pub async fn seed_dossiers(store: &Store, n: usize) -> Vec<String> {
    let hasher = auth::SecretHasher::new(auth::HashParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    })
    .expect("hasher");
    let canonical: domain::Secret = SECRET_CODE.parse().expect("secret");
    let hash = hasher.hash(canonical.expose()).expect("hash");
    let mut numbers = Vec::with_capacity(n);
    for i in 0..n {
        let number = format!("ISB-2025-{:06}", 100_000 + i);
        let id = store::testing::seed_consumer_dossier(store, &number).await;
        store
            .set_dossier_secret(&id, &hash, Utc::now())
            .await
            .expect("secret");
        numbers.push(number);
    }
    numbers
}

/// Signs in to dossier `number` on `base`; returns the session cookie.
pub async fn sign_in(base: &str, number: &str) -> String {
    let resp = common::client()
        .post(format!("{base}/api/sign_in"))
        .header("accept", "text/html")
        .header("referer", format!("{base}/"))
        .form(&[("dossier", number), ("secret", SECRET_CODE)])
        .send()
        .await
        .expect("sign in");
    common::session_cookie(&resp).unwrap_or_else(|| panic!("{number}: not signed in"))
}

/// Calls the `start_payment` server function as the hydrated page does: `Ok(redirect)` to
/// Pay.nl's page, or `Err(the error's JSON)`.
pub async fn start_payment(
    base: &str,
    cookie: &str,
    intent: &str,
    part: Option<&str>,
) -> Result<String, Value> {
    let mut form = vec![("intent", intent)];
    if let Some(part) = part {
        form.push(("part", part));
    }
    let resp = common::client()
        .post(format!("{base}/api/start_payment"))
        .header("cookie", cookie)
        .form(&form)
        .send()
        .await
        .expect("start payment");
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    match location {
        Some(to) if status.is_success() || status.is_redirection() => Ok(to),
        _ => Err(serde_json::from_str(&text).unwrap_or(Value::String(text))),
    }
}

/// One exchange call as Pay.nl sends it: the order's current state as signed JSON, or (for
/// refunds and chargebacks) an unsigned form in the old format.
#[derive(Clone)]
pub struct Call {
    pub order_id: String,
    pub body: Vec<u8>,
    /// `None`: an unsigned form call.
    pub signature: Option<String>,
}

/// Pay.nl's exchange call for the order's current state (read from the simulator).
pub async fn exchange_call(sim: &Simulator, order_id: &str) -> Call {
    let mut order: Value = common::client()
        .get(format!("{}/_sim/orders/{order_id}", sim.url()))
        .send()
        .await
        .expect("order")
        .json()
        .await
        .expect("order json");
    if let Some(object) = order.as_object_mut() {
        object.remove("_sim");
    }
    let body = serde_json::to_vec(&json!({
        "event": "status_changed",
        "type": "order",
        "version": 1,
        "id": order_id,
        "object": order,
    }))
    .expect("json");
    let signature = paynl::exchange::sign(
        paynl::exchange::SignatureAlgorithm::Sha256,
        SECRET.as_bytes(),
        &body,
    );
    Call {
        order_id: order_id.to_owned(),
        body,
        signature: Some(signature),
    }
}

/// A refund (`refund:add`) or chargeback (`chargeback:chargeback`) made at the simulator,
/// and the unsigned form call Pay.nl sends for it, naming the order's old-style id and the
/// `EX-…` transaction. `amount` in cents; `None` for all that is left.
pub async fn reversal_call(
    sim: &Simulator,
    order_uuid: &str,
    chargeback: bool,
    amount: Option<i64>,
) -> Call {
    let (path, action) = if chargeback {
        ("chargeback", "chargeback:chargeback")
    } else {
        ("refund", "refund:add")
    };
    let body = match amount {
        Some(cents) => json!({ "amount": cents }),
        None => json!({}),
    };
    let made = sim_post(sim, &format!("/_sim/orders/{order_uuid}/{path}"), body).await;
    let order = SimControl::new(sim.url())
        .order(order_uuid)
        .await
        .expect("order");
    let order_id = order["orderId"].as_str().expect("orderId").to_owned();
    let cents = made["amount"].as_i64().expect("amount");
    let form = format!(
        "action={action}&order_id={order_id}&transactionId={}&amount={}.{:02}&extra1={}",
        made["transaction_id"].as_str().expect("transaction id"),
        cents / 100,
        cents % 100,
        order["reference"].as_str().unwrap_or_default(),
    );
    Call {
        order_id,
        body: form.into_bytes(),
        signature: None,
    }
}

/// Posts one exchange call to a portal; returns its answer body (`TRUE|…`, `FALSE|…`), or
/// the transport error.
pub async fn deliver(http: &reqwest::Client, base: &str, call: &Call) -> Result<String, String> {
    let request = match &call.signature {
        Some(signature) => http
            .post(format!(
                "{base}/api/paynl/exchange?type=order&id={}&event=status_changed",
                call.order_id
            ))
            .header("content-type", "application/json")
            .header("signature", signature)
            .header("signature-keyid", KEY_ID)
            .header("signature-method", "HMAC")
            .header("signature-algorithm", "sha256"),
        None => http
            .post(format!("{base}/api/paynl/exchange"))
            .header("content-type", "application/x-www-form-urlencoded"),
    };
    let resp = request
        .body(call.body.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    resp.text().await.map_err(|e| e.to_string())
}

/// What the portals answered during a storm.
#[derive(Debug, Default)]
pub struct StormReport {
    /// Deliveries until every call was answered `TRUE|` (first tries and retries).
    pub deliveries: usize,
    /// `FALSE|…` answers and transport errors, by text (the first 40 characters).
    pub retried: HashMap<String, usize>,
    pub took: Duration,
}

/// Delivers every call concurrently (at most `in_flight` at once), each to a portal picked
/// by `pick` at the moment of sending, and retries anything not answered `TRUE|` the way
/// Pay.nl does (here after 100–300 ms) until `deadline`.
pub async fn storm(
    calls: Vec<Call>,
    pick: Arc<dyn Fn(usize) -> String + Send + Sync>,
    in_flight: usize,
    deadline: Duration,
) -> StormReport {
    let started = Instant::now();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let gate = Arc::new(tokio::sync::Semaphore::new(in_flight));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, call) in calls.into_iter().enumerate() {
        let (http, gate, pick) = (http.clone(), gate.clone(), pick.clone());
        tasks.spawn(async move {
            let mut answers = Vec::new();
            let mut attempt = 0usize;
            loop {
                let base = pick(i + attempt);
                let answer = {
                    let _slot = gate.acquire().await.expect("semaphore");
                    deliver(&http, &base, &call).await
                };
                match answer {
                    Ok(body) if body.starts_with("TRUE|") => return Ok(answers),
                    Ok(body) => answers.push(body),
                    Err(error) => answers.push(format!("transport: {error}")),
                }
                if started.elapsed() > deadline {
                    return Err(format!(
                        "{} never answered TRUE: {answers:?}",
                        call.order_id
                    ));
                }
                attempt += 1;
                let wait = 100 + (i * 37 + attempt * 53) % 200;
                tokio::time::sleep(Duration::from_millis(wait as u64)).await;
            }
        });
    }
    let mut report = StormReport::default();
    while let Some(done) = tasks.join_next().await {
        let retried = done.expect("storm task").unwrap_or_else(|e| panic!("{e}"));
        report.deliveries += retried.len() + 1;
        for answer in retried {
            let key: String = answer.chars().take(40).collect();
            *report.retried.entry(key).or_default() += 1;
        }
    }
    report.took = started.elapsed();
    report
}

/// A deterministic shuffle (xorshift), so a failing order can be replayed from its seed.
pub fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut x = seed.max(1);
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        items.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

/// The open balance of a dossier on `date`.
pub async fn open_on(store: &Store, dossier_id: &DossierId, date: NaiveDate) -> Money {
    claim::load_claim(store, dossier_id, date)
        .await
        .expect("claim")
        .open_total()
}

/// The number of rows `sql` counts.
pub async fn count(store: &Store, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_one(store.pool())
        .await
        .expect("count")
        .try_get::<i64, _>(0)
        .expect("count")
}

/// A TCP proxy in front of PostgreSQL: `cut` drops every open connection and refuses new
/// ones (they are accepted and closed at once), `restore` lets them through again.
pub struct DbProxy {
    pub port: u16,
    up: Arc<std::sync::atomic::AtomicBool>,
    live: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl DbProxy {
    pub async fn start(target: String) -> DbProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let live: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let accept = {
            let (up, live) = (up.clone(), live.clone());
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !up.load(std::sync::atomic::Ordering::SeqCst) {
                        drop(inbound);
                        continue;
                    }
                    let target = target.clone();
                    let task = tokio::spawn(async move {
                        if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    live.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(task.abort_handle());
                }
            })
        };
        DbProxy {
            port,
            up,
            live,
            accept,
        }
    }

    pub fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for task in self
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            task.abort();
        }
    }

    pub fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

/// `url` with its host and port replaced by the proxy's.
pub fn through_proxy(url: &str, proxy: &DbProxy) -> String {
    let mut parsed = reqwest::Url::parse(url).expect("database url");
    parsed.set_host(Some("127.0.0.1")).expect("host");
    parsed.set_port(Some(proxy.port)).expect("port");
    parsed.to_string()
}

/// `host:port` of a database URL (PostgreSQL's default port when none is given).
pub fn host_port(url: &str) -> String {
    let parsed = reqwest::Url::parse(url).expect("database url");
    format!(
        "{}:{}",
        parsed.host_str().unwrap_or("127.0.0.1"),
        parsed.port().unwrap_or(5432)
    )
}
