//! Typed client for Pay.nl's two APIs: the Order API (create, status; with failover
//! hosts) and the older REST API (transactions: refunds, chargebacks, old-style ids).

use std::fmt;
use std::time::Duration;

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use domain::Money;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::exchange::ExchangeCall;
use crate::status::PaymentState;
use crate::wire::{self, WireAmount, WireError, WireOrder, WireTransaction};

/// Pay.nl's Order API hosts, in the order its PHP SDK fails over between them.
pub const ORDER_API_HOSTS: [&str; 3] = [
    "https://connect.pay.nl",
    "https://connect.payments.nl",
    "https://connect.achterelkebetaling.nl",
];

/// The older REST API (transactions, refunds).
pub const REST_API_BASE: &str = "https://rest.pay.nl";

/// Where Pay.nl is and how to sign in to it.
#[derive(Clone)]
pub struct PaynlConfig {
    /// Order API base, `https://connect.pay.nl` in production: the first host tried.
    pub base_url: String,
    /// Further Order API hosts, tried in order when no connection could be made to the ones
    /// before (connect or DNS error: the request was never sent). Production: Pay.nl's
    /// failover hosts `connect.payments.nl` and `connect.achterelkebetaling.nl`; empty after
    /// [`PaynlConfig::with_base_url`].
    pub failover_urls: Vec<String>,
    /// Base of the older REST API that serves transactions and refunds,
    /// `https://rest.pay.nl` in production.
    pub rest_base_url: String,
    /// HTTP Basic user: the AT-code (`AT-xxxx-xxxx`) or the sales-location code (`SL-xxxx-xxxx`).
    pub username: String,
    /// HTTP Basic password: the API token for an AT-code, the sales-location secret for an SL-code.
    pub password: String,
    /// The sales location orders are made for (`SL-xxxx-xxxx`).
    pub service_id: String,
    /// Sends `integration.test = true`, so Pay.nl treats orders as test payments.
    pub test_mode: bool,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, answer included.
    pub timeout: Duration,
    /// How often a status read is tried in all (at least 1).
    pub status_attempts: u32,
    /// Wait before the first status retry; doubled for each further one.
    pub retry_delay: Duration,
}

impl PaynlConfig {
    /// Production endpoints ([`ORDER_API_HOSTS`] with failover, [`REST_API_BASE`]) with
    /// conservative timeouts (3 s connect, 10 s total) and three status attempts.
    pub fn new(
        username: impl Into<String>,
        password: impl Into<String>,
        service_id: impl Into<String>,
    ) -> Self {
        PaynlConfig {
            base_url: ORDER_API_HOSTS[0].into(),
            failover_urls: ORDER_API_HOSTS[1..].iter().map(|h| h.to_string()).collect(),
            rest_base_url: REST_API_BASE.into(),
            username: username.into(),
            password: password.into(),
            service_id: service_id.into(),
            test_mode: false,
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(10),
            status_attempts: 3,
            retry_delay: Duration::from_millis(200),
        }
    }

    /// Points both APIs at one base URL and nothing else (no failover), as the simulator
    /// serves them together.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.rest_base_url = url.clone();
        self.base_url = url;
        self.failover_urls.clear();
        self
    }

    /// The Order API hosts in the order they are tried. An empty list leaves them as they
    /// are. The REST API base is not changed.
    pub fn with_hosts<I, S>(mut self, hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut hosts = hosts.into_iter().map(Into::into);
        if let Some(first) = hosts.next() {
            self.base_url = first;
            self.failover_urls = hosts.collect();
        }
        self
    }

    /// The Order API hosts in the order they are tried: `base_url`, then `failover_urls`.
    pub fn hosts(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.base_url.as_str()).chain(self.failover_urls.iter().map(String::as_str))
    }
}

// The password must never reach a log line.
impl fmt::Debug for PaynlConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaynlConfig")
            .field("base_url", &self.base_url)
            .field("failover_urls", &self.failover_urls)
            .field("rest_base_url", &self.rest_base_url)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("service_id", &self.service_id)
            .field("test_mode", &self.test_mode)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("status_attempts", &self.status_attempts)
            .field("retry_delay", &self.retry_delay)
            .finish()
    }
}

/// What went wrong talking to Pay.nl.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// We refused to send the request: a field breaks Pay.nl's rules.
    #[error("invalid Pay.nl request: {0}")]
    InvalidRequest(String),
    /// The HTTP client could not be built (bad TLS setup or URL).
    #[error("Pay.nl client configuration: {0}")]
    Config(String),
    /// No connection could be made; the request was not sent.
    #[error("cannot connect to Pay.nl for {operation}: {message}")]
    Connect {
        /// What we were doing: `create order`, `order status`, `transaction` or `refund`.
        operation: &'static str,
        /// The underlying error, with its causes.
        message: String,
    },
    /// Pay.nl did not answer in time; the request may or may not have been processed.
    #[error("Pay.nl did not answer {operation} within the timeout")]
    Timeout {
        /// What we were doing: `create order`, `order status`, `transaction` or `refund`.
        operation: &'static str,
    },
    /// The connection broke mid-request; the request may or may not have been processed.
    #[error("network error during {operation}: {message}")]
    Network {
        /// What we were doing: `create order`, `order status`, `transaction` or `refund`.
        operation: &'static str,
        /// The underlying error, with its causes.
        message: String,
    },
    /// HTTP 401 or 403: the AT/SL code or its token/secret is wrong or lacks rights.
    #[error("Pay.nl refused our credentials for {operation} (HTTP {status}): {message}")]
    Unauthorized {
        /// What we were doing: `create order`, `order status`, `transaction` or `refund`.
        operation: &'static str,
        /// The HTTP status code.
        status: u16,
        /// Pay.nl's title, detail and violations, or the start of its body.
        message: String,
    },
    /// Any other non-2xx answer, with what Pay.nl said about it.
    #[error("Pay.nl answered {operation} with HTTP {status}: {message}")]
    Api {
        /// What we were doing: `create order`, `order status`, `transaction` or `refund`.
        operation: &'static str,
        /// The HTTP status code.
        status: u16,
        /// Pay.nl's title, detail and violations, or the start of its body.
        message: String,
    },
    /// A 2xx answer we cannot read (bad JSON, missing fields, foreign currency).
    #[error("Pay.nl's answer to {operation} is unreadable: {message}")]
    BadResponse {
        /// What we were doing: `create order`, `order status`, `transaction` or `refund`.
        operation: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

impl Error {
    /// The HTTP status Pay.nl answered with, if it answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized { status, .. } | Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True when the request may have been carried out although we got no answer
    /// (timeout or broken connection). After a create, do not retry with the same
    /// reference: start a new payment attempt; the unknown order simply expires.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Error::Timeout { .. } | Error::Network { .. })
    }

    /// Worth retrying for a read: network trouble or a 5xx.
    fn is_transient(&self) -> bool {
        match self {
            Error::Connect { .. } | Error::Timeout { .. } | Error::Network { .. } => true,
            Error::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// A new order. `reference` must be unique per payment attempt (our payment id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOrder {
    /// Amount to pay; must be positive.
    pub amount: Money,
    /// 1–32 characters, shown on the payer's bank statement.
    pub description: String,
    /// 1–64 characters, ASCII letters, digits and `-`.
    pub reference: String,
    /// Where Pay.nl sends the payer's browser afterwards.
    pub return_url: String,
    /// Where Pay.nl sends exchange calls (webhooks) for this order.
    pub exchange_url: String,
    /// Pay.nl payment method id (10 = iDEAL); `None` lets the payer choose.
    pub payment_method: Option<u32>,
}

/// A created order: where to send the payer, plus its current status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Pay.nl's UUID for the order; use it for status reads and refunds.
    pub id: String,
    /// Pay.nl's order id (e.g. `51007856048X14b0`), as legacy exchange calls name it.
    pub order_id: String,
    /// Pay.nl's hosted payment page (`links.redirect`, else `links.checkout`).
    pub payment_url: String,
    /// When Pay.nl will expire the order, as Pay.nl wrote it (ISO-8601), if it said.
    pub expires_at: Option<String>,
    /// The status at creation (normally pending).
    pub status: OrderStatus,
}

/// An order's status as Pay.nl reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderStatus {
    /// Pay.nl's UUID for the order.
    pub id: String,
    /// Pay.nl's order id (e.g. `51007856048X14b0`).
    pub order_id: String,
    /// Our reference, echoed by Pay.nl.
    pub reference: Option<String>,
    /// What the code means.
    pub state: PaymentState,
    /// Pay.nl's raw status code (e.g. 100, -90).
    pub code: i32,
    /// Pay.nl's raw status action (e.g. `PAID`).
    pub action: String,
    /// The order amount.
    pub amount: Money,
    /// Money received: `capturedAmount`, else the order amount once the state says money
    /// was received, else zero. For -51 (`PaidAmountMismatch`) this is what arrived, which
    /// is not the order amount.
    pub paid_amount: Money,
    /// Money refunded so far: the refunds listed in the order's `payments[]`, or the paid
    /// amount for a full refund without such entries. Uncertain: Pay.nl documents no total.
    pub refunded_amount: Money,
    /// Money charged back so far (chargeback entries in `payments[]`, or what was paid and
    /// not refunded for a charged-back order without such entries).
    pub charged_back_amount: Money,
    /// Every refund and chargeback the order lists, oldest first, with its transaction id
    /// (`EX-…`) when Pay.nl gives one: which transactions make up the totals above.
    pub reversals: Vec<OrderReversal>,
    /// Pay.nl echoed `integration.test = true`.
    pub test_mode: bool,
    /// The hosted payment page (`links.redirect`, else `links.checkout`), when the order
    /// object carries it: lets a repeated request send the payer back to the same order
    /// without creating another.
    pub payment_url: Option<String>,
}

/// One refund or chargeback as the order object lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderReversal {
    /// The refund's or chargeback's transaction id (`EX-…`) at the REST API, if listed.
    pub transaction_id: Option<String>,
    /// Refund or chargeback (never [`TransactionKind::Payment`]).
    pub kind: TransactionKind,
    /// The amount returned, positive.
    pub amount: Money,
    /// Pay.nl's status code of the entry (-81, -82, -70, -71, ...).
    pub code: i32,
}

/// Pay.nl's answer to a refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// The order (transaction) refunded.
    pub order_id: String,
    /// The amount asked for.
    pub amount: Money,
    /// What Pay.nl says it refunded (`amountRefunded`), if it said.
    pub refunded_amount: Option<Money>,
    /// The refund transactions it made (`refundedTransactions[].id`, `EX-…`). Uncertain:
    /// the SDKs name the list but not its entries' fields.
    pub transaction_ids: Vec<String>,
}

/// Which of Pay.nl's two APIs knows an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// The Order API (TGU, `connect.pay.nl`): order ids starting with a digit 4–9 (e.g.
    /// `51007856048X14b0`) and order UUIDs.
    Order,
    /// The older REST API (`rest.pay.nl/v2/transactions/{id}`): ids starting with `2` or
    /// `3`, and refund/transfer ids starting with `EX-`.
    Rest,
}

impl Api {
    /// Which API serves `id`, as Pay.nl's Node SDK decides (`isNotTguOrder`), except that an
    /// order UUID is always the Order API's, whatever digit it starts with.
    pub fn for_id(id: &str) -> Api {
        let id = id.trim();
        if is_uuid(id) {
            Api::Order
        } else if id.starts_with("EX-") || id.starts_with('2') || id.starts_with('3') {
            Api::Rest
        } else {
            Api::Order
        }
    }

    /// The other API.
    pub fn other(self) -> Api {
        match self {
            Api::Order => Api::Rest,
            Api::Rest => Api::Order,
        }
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// What a REST API transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionKind {
    /// A payment (an order as the REST API shows it).
    Payment,
    /// Money sent back to the payer at the merchant's request.
    Refund,
    /// Money taken back by the payer's bank.
    Chargeback,
}

/// A transaction as Pay.nl's REST API describes it (`GET /v2/transactions/{id}`): a refund
/// or chargeback (`EX-…`), or an order seen through that API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// The transaction id asked for, as Pay.nl gives it (`EX-5559-3338-1142`).
    pub id: String,
    /// The order it belongs to (`orderId`), e.g. the refunded order's `51007856048X14b0`.
    /// Uncertain: that a refund's `orderId` names the refunded order, not a new one.
    pub order_id: String,
    /// Refund, chargeback or payment; see [`Transaction::kind`]'s derivation in the source.
    pub kind: TransactionKind,
    /// The amount moved, positive whatever sign Pay.nl gives it. Uncertain: whether Pay.nl
    /// writes refunds as negative amounts.
    pub amount: Money,
    /// What the status code means.
    pub state: PaymentState,
    /// Pay.nl's raw status code.
    pub code: i32,
    /// Pay.nl's raw status action.
    pub action: String,
    /// The reference of the order, if Pay.nl echoes it.
    pub reference: Option<String>,
    /// `amountPaid`, if given.
    pub paid_amount: Option<Money>,
    /// `amountRefunded`, if given.
    pub refunded_amount: Option<Money>,
    /// When the transaction was made (`createdAt`), when Pay.nl gives an ISO-8601 time with
    /// an offset.
    pub created_at: Option<DateTime<Utc>>,
    /// `integration.testMode`.
    pub test_mode: bool,
}

/// What Pay.nl says about an id, from whichever API knows it ([`PaynlClient::lookup`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The Order API knows it: the order and its status.
    Order(OrderStatus),
    /// The REST API knows it: a refund, chargeback, or an order seen through that API.
    Transaction(Transaction),
    /// Both APIs answered 404. Only then is the id unknown to Pay.nl.
    Unknown,
}

/// The truth behind an exchange call ([`PaynlClient::reread`]), read from the APIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reread {
    /// The order the call names.
    pub order: Lookup,
    /// The refund or chargeback transaction the call names (`transactionId`), if it names one.
    pub transaction: Option<Lookup>,
}

/// Pay.nl API client. Cheap to clone; share one per process.
#[derive(Clone, Debug)]
pub struct PaynlClient {
    http: reqwest::Client,
    config: PaynlConfig,
}

impl PaynlClient {
    /// Builds the HTTP client (rustls) with the configured timeouts.
    pub fn new(config: PaynlConfig) -> Result<Self, Error> {
        for url in config.hosts().chain([config.rest_base_url.as_str()]) {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(Error::Config(format!("base URL {url:?} is not http(s)")));
            }
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(concat!("debiteurportaal-paynl/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(error_chain(&e)))?;
        Ok(PaynlClient { http, config })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &PaynlConfig {
        &self.config
    }

    /// Creates an order. Never retried: a retry after a lost answer could create a
    /// second order. The next failover host is tried only when no connection could be
    /// made to the one before (the request was never sent). On an error where
    /// [`Error::outcome_unknown`] holds, start a new payment attempt with a new reference
    /// instead.
    pub async fn create_order(&self, order: &CreateOrder) -> Result<Order, Error> {
        const OP: &str = "create order";
        validate_create(order)?;
        let mut body = json!({
            "serviceId": self.config.service_id,
            "amount": WireAmount::eur(order.amount),
            "description": order.description,
            "reference": order.reference,
            "returnUrl": order.return_url,
            "exchangeUrl": order.exchange_url,
            "integration": { "test": self.config.test_mode },
            // Legacy exchange formats carry extra1 but not the reference, so we echo it there.
            "stats": { "extra1": order.reference },
        });
        if let Some(method) = order.payment_method {
            body["paymentMethod"] = json!({ "id": method });
        }
        let bytes = self
            .send(OP, Api::Order, Method::POST, "/v1/orders", Some(&body))
            .await?;
        let wire: WireOrder = parse_json(OP, &bytes)?;
        let status = order_status_from(&wire).map_err(|message| bad(OP, message))?;
        let payment_url = status.payment_url.clone().ok_or_else(|| {
            bad(
                OP,
                "no links.redirect (nor links.checkout) in the order".into(),
            )
        })?;
        Ok(Order {
            id: status.id.clone(),
            order_id: status.order_id.clone(),
            payment_url,
            expires_at: wire.expires_at.clone(),
            status,
        })
    }

    /// Reads an order's status from the Order API by UUID or Pay.nl order id. Retried with
    /// doubling back-off on network errors and 5xx answers only; reading is safe to repeat.
    /// A 404 here says nothing about ids of the REST API: see [`PaynlClient::lookup`].
    pub async fn order_status(&self, order_id: &str) -> Result<OrderStatus, Error> {
        const OP: &str = "order status";
        validate_id(order_id)?;
        let path = format!("/v1/orders/{order_id}/status");
        self.read(OP, Api::Order, &path, |bytes| {
            let wire: WireOrder = parse_json(OP, bytes)?;
            order_status_from(&wire).map_err(|message| bad(OP, message))
        })
        .await
    }

    /// Reads a transaction from the REST API (`GET {rest}/v2/transactions/{id}`): a refund or
    /// chargeback (`EX-…`), an old-style order (`2…`, `3…`) or an order by its order id.
    /// Retried like [`PaynlClient::order_status`].
    pub async fn transaction(&self, id: &str) -> Result<Transaction, Error> {
        const OP: &str = "transaction";
        validate_id(id)?;
        let path = format!("/v2/transactions/{id}");
        self.read(OP, Api::Rest, &path, |bytes| {
            let wire: WireTransaction = parse_json(OP, bytes)?;
            transaction_from(&wire, id).map_err(|message| bad(OP, message))
        })
        .await
    }

    /// Reads `id` from the API it belongs to ([`Api::for_id`]); when that one answers 404,
    /// from the other. [`Lookup::Unknown`] only when both answered 404; any other failure is
    /// an error, so "unknown" is never concluded from a wrong API or an outage.
    pub async fn lookup(&self, id: &str) -> Result<Lookup, Error> {
        validate_id(id)?;
        let first = Api::for_id(id);
        for api in [first, first.other()] {
            let found = match api {
                Api::Order => self.order_status(id).await.map(Lookup::Order),
                Api::Rest => self.transaction(id).await.map(Lookup::Transaction),
            };
            match found {
                Err(e) if e.http_status() == Some(404) => {
                    tracing::info!(%id, ?api, "Pay.nl: not found at this API");
                }
                other => return other,
            }
        }
        Ok(Lookup::Unknown)
    }

    /// Re-reads what an exchange call is about, whatever it claims: the order it names and,
    /// for a refund or chargeback call, the transaction it names, each with
    /// [`PaynlClient::lookup`]. Book from this, never from the call.
    pub async fn reread(&self, call: &ExchangeCall) -> Result<Reread, Error> {
        let order = self.lookup(call.order_id()).await?;
        let transaction = match call.transaction_id() {
            Some(id) => Some(self.lookup(id).await?),
            None => None,
        };
        Ok(Reread { order, transaction })
    }

    /// Refunds part or all of a paid order. Not retried (it moves money); after an
    /// error where [`Error::outcome_unknown`] holds, read the status before trying again.
    pub async fn refund(
        &self,
        order_id: &str,
        amount: Money,
        description: &str,
    ) -> Result<Refund, Error> {
        const OP: &str = "refund";
        validate_id(order_id)?;
        if amount.cents() <= 0 {
            return Err(Error::InvalidRequest(
                "refund amount must be positive".into(),
            ));
        }
        let mut body = json!({ "amount": WireAmount::eur(amount) });
        if !description.is_empty() {
            body["description"] = json!(description);
        }
        // Uncertain: the PHP SDK sends refunds to the REST API, version v2.
        let path = format!("/v2/transactions/{order_id}/refund");
        let bytes = self
            .send(OP, Api::Rest, Method::PATCH, &path, Some(&body))
            .await?;
        let wire: WireRefund = parse_json(OP, &bytes)?;
        let refunded_amount = wire
            .amount_refunded
            .as_ref()
            .map(wire::money)
            .transpose()
            .map_err(|m| bad(OP, m))?;
        let transaction_ids = wire
            .refunded_transactions
            .iter()
            .flatten()
            .filter_map(|t| t.id.clone().or_else(|| t.transaction_id.clone()))
            .filter(|id| !id.trim().is_empty())
            .collect();
        Ok(Refund {
            order_id: wire.order_id.unwrap_or_else(|| order_id.to_string()),
            amount,
            refunded_amount,
            transaction_ids,
        })
    }

    /// A GET, retried with doubling back-off on network errors and 5xx answers.
    async fn read<T>(
        &self,
        operation: &'static str,
        api: Api,
        path: &str,
        parse: impl Fn(&[u8]) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let attempts = self.config.status_attempts.max(1);
        let mut delay = self.config.retry_delay;
        let mut attempt = 1;
        loop {
            let result = match self.send(operation, api, Method::GET, path, None).await {
                Ok(bytes) => parse(&bytes),
                Err(e) => Err(e),
            };
            match result {
                Err(e) if e.is_transient() && attempt < attempts => {
                    tracing::warn!(path, attempt, error = %e, "Pay.nl {operation} read failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Sends one request to `api`, failing over to the next Order API host only when no
    /// connection could be made (reqwest's `is_connect`: refused, unreachable, DNS, TLS
    /// handshake, connect timeout), so the request never left. After a timeout, a broken
    /// connection or any answer the outcome is Pay.nl's: never sent again elsewhere.
    async fn send(
        &self,
        operation: &'static str,
        api: Api,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Bytes, Error> {
        let hosts: Vec<&str> = match api {
            Api::Order => self.config.hosts().collect(),
            Api::Rest => vec![self.config.rest_base_url.as_str()],
        };
        let mut unreachable: Vec<String> = Vec::new();
        for (i, host) in hosts.iter().enumerate() {
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", trim(host)))
                .basic_auth(&self.config.username, Some(&self.config.password))
                .header(ACCEPT, "application/json");
            if let Some(body) = body {
                request = request.json(body);
            }
            let error = match request.send().await {
                Ok(response) => return answer(operation, response).await,
                Err(e) => e,
            };
            if error.is_connect() && i + 1 < hosts.len() {
                tracing::warn!(host, error = %error_chain(&error), "Pay.nl host unreachable; trying the next");
                unreachable.push(format!("{host}: {}", error_chain(&error)));
                continue;
            }
            let mut error = transport_error(operation, &error);
            if let Error::Connect { message, .. } = &mut error
                && !unreachable.is_empty()
            {
                unreachable.push(format!("{host}: {message}"));
                *message = unreachable.join("; ");
            }
            return Err(error);
        }
        Err(Error::Config("no Pay.nl host configured".into()))
    }
}

/// Reads an answer: the body of a 2xx, else the error Pay.nl described.
async fn answer(operation: &'static str, response: reqwest::Response) -> Result<Bytes, Error> {
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let body = response
        .bytes()
        .await
        .map_err(|e| transport_error(operation, &e))?;
    if status.is_success() {
        return Ok(body);
    }
    let message = serde_json::from_slice::<WireError>(&body)
        .ok()
        .and_then(|e| e.summary())
        .unwrap_or_else(|| {
            if is_json || body.is_empty() {
                status
                    .canonical_reason()
                    .unwrap_or("no message")
                    .to_string()
            } else {
                snippet(&body)
            }
        });
    let status = status.as_u16();
    Err(if status == 401 || status == 403 {
        Error::Unauthorized {
            operation,
            status,
            message,
        }
    } else {
        Error::Api {
            operation,
            status,
            message,
        }
    })
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRefund {
    #[serde(default)]
    order_id: Option<String>,
    #[serde(default)]
    amount_refunded: Option<WireAmount>,
    #[serde(default)]
    refunded_transactions: Option<Vec<WireRefundedTransaction>>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRefundedTransaction {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    transaction_id: Option<String>,
}

/// Builds the typed status from Pay.nl's order object.
pub(crate) fn order_status_from(w: &WireOrder) -> Result<OrderStatus, String> {
    let id =
        w.id.clone()
            .or_else(|| w.uuid.clone())
            .ok_or("order has neither id nor uuid")?;
    let order_id = w.order_id.clone().unwrap_or_else(|| id.clone());
    let status = w.status.as_ref().ok_or("order has no status")?;
    let state = wire::state_of(status).ok_or("status has neither a code nor a known action")?;
    let code = status.code.unwrap_or(state.code_and_action().0);
    let amount = wire::money(w.amount.as_ref().ok_or("order has no amount")?)?;
    let captured = w.captured_amount.as_ref().map(wire::money).transpose()?;
    let paid_amount = match captured {
        Some(c) if c.cents() > 0 => c,
        _ if state.money_was_received() => amount,
        _ => Money::ZERO,
    };
    // Uncertain: the order object lists refunds and chargebacks as entries of `payments[]`
    // with their own status (-81/-82, -70/-71) and transaction id; the SDK types do not say.
    let mut reversals = Vec::new();
    for p in w.payments.iter().flatten() {
        let Some(entry_status) = p.status.as_ref() else {
            continue;
        };
        let kind = match wire::state_of(entry_status) {
            Some(PaymentState::Refunded | PaymentState::PartiallyRefunded) => {
                TransactionKind::Refund
            }
            Some(PaymentState::Chargeback) => TransactionKind::Chargeback,
            _ => continue,
        };
        let Some(a) = p.amount.as_ref() else {
            continue;
        };
        let entry_amount = wire::money(a)?;
        let entry_state = wire::state_of(entry_status).unwrap_or(state);
        reversals.push(OrderReversal {
            transaction_id: p.id.clone().filter(|id| !id.trim().is_empty()),
            kind,
            amount: Money::from_cents(entry_amount.cents().saturating_abs()),
            code: entry_status.code.unwrap_or(entry_state.code_and_action().0),
        });
    }
    let total = |kind: TransactionKind| {
        reversals
            .iter()
            .filter(|r| r.kind == kind)
            .fold(0i64, |sum, r| sum.saturating_add(r.amount.cents()))
    };
    let (refunded, charged_back) = (
        total(TransactionKind::Refund),
        total(TransactionKind::Chargeback),
    );
    let refunded_amount = if refunded == 0 && state == PaymentState::Refunded {
        paid_amount
    } else {
        Money::from_cents(refunded)
    };
    let charged_back_amount = if charged_back == 0 && state == PaymentState::Chargeback {
        Money::from_cents(
            paid_amount
                .cents()
                .saturating_sub(refunded_amount.cents())
                .max(0),
        )
    } else {
        Money::from_cents(charged_back)
    };
    Ok(OrderStatus {
        id,
        order_id,
        reference: w.reference.clone(),
        state,
        code,
        action: status.action.clone().unwrap_or_default(),
        amount,
        paid_amount,
        refunded_amount,
        charged_back_amount,
        reversals,
        test_mode: w.integration.as_ref().and_then(|i| i.test).unwrap_or(false),
        payment_url: w.links.as_ref().and_then(|l| l.payment_url()),
    })
}

/// Builds the typed transaction from the REST API's answer for `asked` (the id we asked for,
/// used when the answer has no `id`).
pub(crate) fn transaction_from(w: &WireTransaction, asked: &str) -> Result<Transaction, String> {
    let given = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    let id = given(&w.id).unwrap_or_else(|| asked.to_string());
    let order_id = given(&w.order_id).ok_or("transaction has no orderId")?;
    let status = w.status.as_ref().ok_or("transaction has no status")?;
    let state = wire::state_of(status).ok_or("status has neither a code nor a known action")?;
    let code = status.code.unwrap_or(state.code_and_action().0);
    let amount = wire::money(w.amount.as_ref().ok_or("transaction has no amount")?)?;
    let optional = |a: &Option<WireAmount>| a.as_ref().map(wire::money).transpose();
    // Uncertain: the REST API's transaction has no documented field for its kind. `type`
    // decides when present (the simulator sends it); else the status does: a chargeback
    // status is a chargeback, a refund status on a transaction other than its order is a
    // refund, anything else a payment.
    let kind = match w.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("refund" | "credit") => TransactionKind::Refund,
        Some("chargeback") => TransactionKind::Chargeback,
        Some("sale" | "payment") => TransactionKind::Payment,
        _ => match state {
            PaymentState::Chargeback => TransactionKind::Chargeback,
            PaymentState::Refunded | PaymentState::PartiallyRefunded if id != order_id => {
                TransactionKind::Refund
            }
            _ => TransactionKind::Payment,
        },
    };
    let created_at = given(&w.created_at)
        .and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
        .map(|t| t.with_timezone(&Utc));
    Ok(Transaction {
        id,
        order_id,
        kind,
        amount: Money::from_cents(amount.cents().saturating_abs()),
        state,
        code,
        action: status.action.clone().unwrap_or_default(),
        reference: given(&w.reference),
        paid_amount: optional(&w.amount_paid)?,
        refunded_amount: optional(&w.amount_refunded)?,
        created_at,
        test_mode: w
            .integration
            .as_ref()
            .and_then(|i| i.test_mode)
            .unwrap_or(false),
    })
}

fn validate_create(order: &CreateOrder) -> Result<(), Error> {
    let invalid = |m: &str| Err(Error::InvalidRequest(m.to_string()));
    if order.amount.cents() <= 0 {
        return invalid("amount must be positive");
    }
    let len = order.description.chars().count();
    if !(1..=32).contains(&len) {
        return invalid("description must be 1-32 characters");
    }
    if !valid_reference(&order.reference) {
        return invalid("reference must be 1-64 ASCII letters, digits or '-'");
    }
    for (name, url) in [
        ("returnUrl", &order.return_url),
        ("exchangeUrl", &order.exchange_url),
    ] {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Error::InvalidRequest(format!(
                "{name} must be an http(s) URL"
            )));
        }
    }
    Ok(())
}

pub(crate) fn valid_reference(reference: &str) -> bool {
    (1..=64).contains(&reference.len())
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

// Ids go into the URL path, so only characters that need no escaping pass.
fn validate_id(id: &str) -> Result<(), Error> {
    if valid_reference(id) {
        Ok(())
    } else {
        Err(Error::InvalidRequest(format!(
            "order id {id:?} is malformed"
        )))
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    body: &[u8],
) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| bad(operation, format!("bad JSON: {e}")))
}

fn bad(operation: &'static str, message: String) -> Error {
    Error::BadResponse { operation, message }
}

fn transport_error(operation: &'static str, e: &reqwest::Error) -> Error {
    if e.is_connect() {
        Error::Connect {
            operation,
            message: error_chain(e),
        }
    } else if e.is_timeout() {
        Error::Timeout { operation }
    } else {
        Error::Network {
            operation,
            message: error_chain(e),
        }
    }
}

/// reqwest's top-level message hides the cause ("error sending request"); add the chain.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

fn trim(url: &str) -> &str {
    url.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> CreateOrder {
        CreateOrder {
            amount: Money::from_cents(1234),
            description: "Dossier ISB-2026-000123".into(),
            reference: "pay-0001".into(),
            return_url: "https://portal.example/return".into(),
            exchange_url: "https://portal.example/exchange".into(),
            payment_method: None,
        }
    }

    #[test]
    fn create_rules_follow_paynl() {
        assert!(validate_create(&order()).is_ok());
        let mut o = order();
        o.amount = Money::ZERO;
        assert!(validate_create(&o).is_err());
        let mut o = order();
        o.description = "x".repeat(33);
        assert!(validate_create(&o).is_err());
        let mut o = order();
        o.reference = "pay_0001".into();
        assert!(validate_create(&o).is_err());
        let mut o = order();
        o.exchange_url = "ftp://x".into();
        assert!(validate_create(&o).is_err());
    }

    #[test]
    fn debug_hides_the_password() {
        let config = PaynlConfig::new("AT-1", "s3cret-token", "SL-1");
        assert!(!format!("{config:?}").contains("s3cret-token"));
    }

    #[test]
    fn status_amounts_come_from_the_order_object() {
        let w: WireOrder = serde_json::from_str(
            r#"{"uuid":"u-1","orderId":"51X","reference":"r","status":{"code":-82,"action":"PARTIAL_REFUND"},
                "amount":{"value":1000,"currency":"EUR"},"capturedAmount":{"value":1000,"currency":"EUR"},
                "payments":[{"status":{"code":100,"action":"PAID"},"amount":{"value":1000}},
                            {"status":{"code":-82,"action":"PARTIAL_REFUND"},"amount":{"value":300}}]}"#,
        )
        .unwrap();
        let s = order_status_from(&w).unwrap();
        assert_eq!(s.id, "u-1");
        assert_eq!(s.state, PaymentState::PartiallyRefunded);
        assert_eq!(s.paid_amount, Money::from_cents(1000));
        assert_eq!(s.refunded_amount, Money::from_cents(300));
    }

    #[test]
    fn foreign_currency_is_refused() {
        let w: WireOrder = serde_json::from_str(
            r#"{"id":"u","status":{"code":20},"amount":{"value":1,"currency":"USD"}}"#,
        )
        .unwrap();
        assert!(order_status_from(&w).is_err());
    }

    #[test]
    fn checkout_link_is_read_when_redirect_is_missing() {
        let w: WireOrder = serde_json::from_str(
            r#"{"id":"u","status":{"code":20},"amount":{"value":100},
                "links":{"checkout":"https://pay.example/checkout/u","status":"s"}}"#,
        )
        .unwrap();
        assert_eq!(
            order_status_from(&w).unwrap().payment_url.as_deref(),
            Some("https://pay.example/checkout/u")
        );
        // redirect wins when both are there; a blank one counts as missing.
        let w: WireOrder = serde_json::from_str(
            r#"{"id":"u","status":{"code":20},"amount":{"value":100},
                "links":{"redirect":"https://pay.example/r","checkout":"https://pay.example/c"}}"#,
        )
        .unwrap();
        assert_eq!(
            order_status_from(&w).unwrap().payment_url.as_deref(),
            Some("https://pay.example/r")
        );
        let w: WireOrder = serde_json::from_str(
            r#"{"id":"u","status":{"code":20},"amount":{"value":100},
                "links":{"redirect":" ","checkout":"https://pay.example/c"}}"#,
        )
        .unwrap();
        assert_eq!(
            order_status_from(&w).unwrap().payment_url.as_deref(),
            Some("https://pay.example/c")
        );
        let w: WireOrder =
            serde_json::from_str(r#"{"id":"u","status":{"code":20},"amount":{"value":100}}"#)
                .unwrap();
        assert_eq!(order_status_from(&w).unwrap().payment_url, None);
    }

    #[test]
    fn ids_are_routed_to_the_api_that_knows_them() {
        // As Pay.nl's Node SDK (isNotTguOrder) decides.
        for (id, api) in [
            ("01405660087X15f1", Api::Order),
            ("11405660087X15f1", Api::Order),
            ("21405660087X15f1", Api::Rest),
            ("31405660087X15f1", Api::Rest),
            ("41405660087X15f1", Api::Order),
            ("51007856048X14b0", Api::Order),
            ("91405660087X15f1", Api::Order),
            ("EX-1234-1234-1234", Api::Rest),
            ("EX-5559-3338-1142", Api::Rest),
            // Order UUIDs belong to the Order API whatever digit they start with.
            ("2c4e1a90-5114-8d75-136c-2265038314b2", Api::Order),
            ("3f2504e0-4f89-11d3-9a0c-0305e82c3301", Api::Order),
            ("67f531c2-5114-8d75-136c-2265038314b2", Api::Order),
            // Not quite a UUID: the first digit decides.
            ("2c4e1a90-5114-8d75-136c-2265038314b", Api::Rest),
            ("", Api::Order),
        ] {
            assert_eq!(Api::for_id(id), api, "{id:?}");
        }
        assert_eq!(Api::Order.other(), Api::Rest);
        assert_eq!(Api::Rest.other(), Api::Order);
    }

    #[test]
    fn hosts_default_to_paynls_three_and_one_base_url_still_works() {
        let config = PaynlConfig::new("AT-1", "t", "SL-1");
        assert_eq!(config.hosts().collect::<Vec<_>>(), ORDER_API_HOSTS);
        assert_eq!(config.rest_base_url, REST_API_BASE);
        let single = config.clone().with_base_url("http://127.0.0.1:9");
        assert_eq!(single.hosts().collect::<Vec<_>>(), ["http://127.0.0.1:9"]);
        assert_eq!(single.rest_base_url, "http://127.0.0.1:9");
        let two = config.clone().with_hosts(["http://a", "http://b"]);
        assert_eq!(two.hosts().collect::<Vec<_>>(), ["http://a", "http://b"]);
        assert_eq!(two.rest_base_url, REST_API_BASE);
        let unchanged = config.with_hosts(Vec::<String>::new());
        assert_eq!(unchanged.hosts().count(), 3);
        let mut bad = PaynlConfig::new("AT-1", "t", "SL-1");
        bad.failover_urls.push("ftp://x".into());
        assert!(matches!(PaynlClient::new(bad), Err(Error::Config(_))));
    }

    fn transaction(json: &str) -> Result<Transaction, String> {
        let w: WireTransaction = serde_json::from_str(json).unwrap();
        transaction_from(&w, "asked")
    }

    #[test]
    fn rest_transactions_are_typed() {
        let refund = transaction(
            r#"{"id":"EX-5559-3338-1142","orderId":"50017100087X3565","reference":"pay-1",
                "amount":{"value":-250,"currency":"EUR"},"amountRefunded":{"value":250},
                "status":{"code":-81,"action":"REFUND","phase":"x"},
                "integration":{"testMode":true},"createdAt":"2026-12-01T10:00:00+01:00"}"#,
        )
        .unwrap();
        assert_eq!(refund.id, "EX-5559-3338-1142");
        assert_eq!(refund.order_id, "50017100087X3565");
        assert_eq!(refund.kind, TransactionKind::Refund);
        assert_eq!(refund.amount, Money::from_cents(250), "always positive");
        assert_eq!(refund.state, PaymentState::Refunded);
        assert_eq!(refund.refunded_amount, Some(Money::from_cents(250)));
        assert_eq!(refund.reference.as_deref(), Some("pay-1"));
        assert!(refund.test_mode);
        assert_eq!(
            refund.created_at.map(|t| t.to_rfc3339()),
            Some("2026-12-01T09:00:00+00:00".into())
        );

        let chargeback = transaction(
            r#"{"id":"EX-1","orderId":"5X","amount":{"value":900},"status":{"code":-70}}"#,
        )
        .unwrap();
        assert_eq!(chargeback.kind, TransactionKind::Chargeback);
        assert_eq!(chargeback.action, "");

        // An order seen through the REST API: its own id, whatever its status.
        let order = transaction(
            r#"{"id":"5X","orderId":"5X","amount":{"value":900},"status":{"code":-81},
                "createdAt":"2026-12-01 10:00:00"}"#,
        )
        .unwrap();
        assert_eq!(order.kind, TransactionKind::Payment);
        assert_eq!(order.created_at, None, "no offset, no time");

        // `type` decides when present.
        let typed = transaction(
            r#"{"orderId":"5X","type":"refund","amount":{"value":1},"status":{"action":"PAID"}}"#,
        )
        .unwrap();
        assert_eq!(
            (typed.id.as_str(), typed.kind),
            ("asked", TransactionKind::Refund)
        );
        assert_eq!(typed.code, 100);

        for broken in [
            r#"{"id":"EX-1","amount":{"value":1},"status":{"code":-81}}"#,
            r#"{"id":"EX-1","orderId":"5X","status":{"code":-81}}"#,
            r#"{"id":"EX-1","orderId":"5X","amount":{"value":1}}"#,
            r#"{"id":"EX-1","orderId":"5X","amount":{"value":1,"currency":"USD"},"status":{"code":1}}"#,
            r#"{"id":"EX-1","orderId":"5X","amount":{"value":1},"status":{"action":"??"}}"#,
        ] {
            assert!(transaction(broken).is_err(), "{broken}");
        }
    }

    #[test]
    fn order_object_lists_refunds_and_chargebacks_by_transaction() {
        let w: WireOrder = serde_json::from_str(
            r#"{"id":"u","orderId":"51X","status":{"code":-71,"action":"CHARGEBACK"},
                "amount":{"value":1000},"capturedAmount":{"value":1000},
                "payments":[{"id":"PAY-1","status":{"code":100},"amount":{"value":1000}},
                            {"id":"EX-0001-0002-0003","status":{"code":-81},"amount":{"value":300}},
                            {"id":"EX-0004-0005-0006","status":{"code":-71},"amount":{"value":700}}]}"#,
        )
        .unwrap();
        let s = order_status_from(&w).unwrap();
        assert_eq!(s.state, PaymentState::Chargeback);
        assert_eq!(s.refunded_amount, Money::from_cents(300));
        assert_eq!(s.charged_back_amount, Money::from_cents(700));
        assert_eq!(
            s.reversals,
            [
                OrderReversal {
                    transaction_id: Some("EX-0001-0002-0003".into()),
                    kind: TransactionKind::Refund,
                    amount: Money::from_cents(300),
                    code: -81,
                },
                OrderReversal {
                    transaction_id: Some("EX-0004-0005-0006".into()),
                    kind: TransactionKind::Chargeback,
                    amount: Money::from_cents(700),
                    code: -71,
                },
            ]
        );
        // A charged-back order without entries: what was paid and not refunded.
        let w: WireOrder =
            serde_json::from_str(r#"{"id":"u","status":{"code":-70},"amount":{"value":1000}}"#)
                .unwrap();
        assert_eq!(
            order_status_from(&w).unwrap().charged_back_amount,
            Money::from_cents(1000)
        );
    }

    mod fuzz {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2_000))]

            #[test]
            fn id_routing_never_panics(id in "\\PC{0,40}") {
                let api = Api::for_id(&id);
                prop_assert_eq!(api.other().other(), api);
            }

            #[test]
            fn any_json_as_a_transaction_or_order_never_panics(
                json in any::<Vec<u8>>(),
                code in any::<i64>(),
                value in any::<i64>(),
                id in "\\PC{0,20}",
                kind in "\\PC{0,12}",
                time in "\\PC{0,30}",
            ) {
                let _ = serde_json::from_slice::<WireTransaction>(&json)
                    .map(|w| transaction_from(&w, "x"));
                let _ = serde_json::from_slice::<WireOrder>(&json).map(|w| order_status_from(&w));
                let shaped = serde_json::json!({
                    "id": id, "orderId": id, "type": kind, "createdAt": time,
                    "amount": { "value": value }, "amountRefunded": { "value": value },
                    "status": { "code": code },
                    "payments": [{ "id": id, "status": { "code": code }, "amount": { "value": value } }],
                    "links": { "checkout": id },
                });
                if let Ok(w) = serde_json::from_value::<WireTransaction>(shaped.clone())
                    && let Ok(t) = transaction_from(&w, "x")
                {
                    prop_assert!(t.amount.cents() >= 0);
                }
                if let Ok(w) = serde_json::from_value::<WireOrder>(shaped) {
                    let _ = order_status_from(&w);
                }
            }
        }
    }
}
