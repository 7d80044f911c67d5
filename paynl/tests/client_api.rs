//! The real client against the simulator over real HTTP: create, status, refund,
//! errors, retries and timeouts.

mod common;

use common::{client, client_config, control, new_order, sim_config, start_sim};
use domain::Money;
use paynl::sim::{Method, SimConfig};
use paynl::{Error, PaymentState, PaynlClient};
use serde_json::json;

const NO_EXCHANGE: &str = "http://127.0.0.1:9/unused";

#[tokio::test]
async fn create_is_pending_then_paid_after_control_pay() {
    let sim = start_sim(sim_config()).await;
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-0001", 12_345, NO_EXCHANGE))
        .await
        .unwrap();
    assert_eq!(order.status.state, PaymentState::Pending);
    assert_eq!(order.status.amount, Money::from_cents(12_345));
    assert_eq!(order.status.paid_amount, Money::ZERO);
    assert_eq!(order.status.reference.as_deref(), Some("pay-0001"));
    assert!(order.status.test_mode, "integration.test is echoed");
    assert_eq!(order.payment_url, format!("{}/pay/{}", sim.url(), order.id));
    assert!(order.expires_at.is_some());

    let status = client.order_status(&order.id).await.unwrap();
    assert_eq!(status.state, PaymentState::Pending);
    assert!(!status.state.is_final());
    assert_eq!(
        status.payment_url.as_deref(),
        Some(order.payment_url.as_str()),
        "a status read hands out the same payment page"
    );

    let (code, _) = control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/pay", order.id),
        None,
    )
    .await;
    assert_eq!(code, 200);
    let status = client.order_status(&order.id).await.unwrap();
    assert_eq!(status.state, PaymentState::Paid);
    assert_eq!((status.code, status.action.as_str()), (100, "PAID"));
    assert_eq!(status.paid_amount, Money::from_cents(12_345));
    assert!(status.state.is_final() && status.state.is_paid());

    // Pay.nl's own order id works for status reads too.
    let by_order_id = client.order_status(&order.order_id).await.unwrap();
    assert_eq!(by_order_id.id, order.id);

    // Paying twice is refused by the control API.
    let (code, body) = control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/pay", order.id),
        None,
    )
    .await;
    assert_eq!(code, 409, "{body}");
}

#[tokio::test]
async fn cancel_expire_mismatch_and_chargeback_map_to_states() {
    let sim = start_sim(sim_config()).await;
    let client = client(sim.url());
    let mut ids = Vec::new();
    for i in 0..4 {
        let order = client
            .create_order(&new_order(&format!("pay-s{i}"), 5_000, NO_EXCHANGE))
            .await
            .unwrap();
        ids.push(order.id);
    }
    let act = |id: &str, action: &str| format!("/_sim/orders/{id}/{action}");
    control(sim.url(), Method::Post, &act(&ids[0], "cancel"), None).await;
    control(sim.url(), Method::Post, &act(&ids[1], "expire"), None).await;
    control(
        sim.url(),
        Method::Post,
        &act(&ids[2], "pay"),
        Some(json!({"amount": 4_000})),
    )
    .await;
    control(sim.url(), Method::Post, &act(&ids[3], "pay"), None).await;
    control(sim.url(), Method::Post, &act(&ids[3], "chargeback"), None).await;

    let cancelled = client.order_status(&ids[0]).await.unwrap();
    assert_eq!(
        (cancelled.state, cancelled.code),
        (PaymentState::Cancelled, -90)
    );
    let expired = client.order_status(&ids[1]).await.unwrap();
    assert_eq!((expired.state, expired.code), (PaymentState::Expired, -80));
    let mismatch = client.order_status(&ids[2]).await.unwrap();
    assert_eq!(mismatch.state, PaymentState::PaidAmountMismatch);
    assert_eq!(mismatch.paid_amount, Money::from_cents(4_000));
    let chargeback = client.order_status(&ids[3]).await.unwrap();
    assert_eq!(chargeback.state, PaymentState::Chargeback);
    assert_eq!(chargeback.paid_amount, Money::from_cents(5_000));
}

#[tokio::test]
async fn partial_then_full_refund() {
    let sim = start_sim(sim_config()).await;
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-refund", 10_000, NO_EXCHANGE))
        .await
        .unwrap();

    // Nothing to refund before payment.
    let err = client
        .refund(&order.id, Money::from_cents(100), "Teruggave")
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), Some(422), "{err}");

    control(
        sim.url(),
        Method::Post,
        &format!("/_sim/orders/{}/pay", order.id),
        None,
    )
    .await;
    let refund = client
        .refund(&order.order_id, Money::from_cents(2_500), "Teruggave deel")
        .await
        .unwrap();
    assert_eq!(refund.amount, Money::from_cents(2_500));
    assert_eq!(refund.refunded_amount, Some(Money::from_cents(2_500)));
    assert_eq!(refund.order_id, order.order_id);
    let status = client.order_status(&order.id).await.unwrap();
    assert_eq!(status.state, PaymentState::PartiallyRefunded);
    assert_eq!(status.refunded_amount, Money::from_cents(2_500));

    client
        .refund(&order.id, Money::from_cents(7_500), "Teruggave rest")
        .await
        .unwrap();
    let status = client.order_status(&order.id).await.unwrap();
    assert_eq!(status.state, PaymentState::Refunded);
    assert_eq!(status.refunded_amount, Money::from_cents(10_000));

    let err = client
        .refund(&order.id, Money::from_cents(1), "Te veel")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 422, .. }), "{err}");
    assert!(err.to_string().contains("refund"), "{err}");
}

#[tokio::test]
async fn server_errors_are_clear_and_status_reads_retry() {
    let sim = start_sim(sim_config()).await;
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-5xx", 1_000, NO_EXCHANGE))
        .await
        .unwrap();

    // Two failures, three attempts: the read succeeds once the fault has passed.
    control(
        sim.url(),
        Method::Post,
        "/_sim/faults",
        Some(json!({"api_error": {"count": 2}})),
    )
    .await;
    let status = client.order_status(&order.id).await.unwrap();
    assert_eq!(status.state, PaymentState::Pending);
    let (_, faults) = control(sim.url(), Method::Get, "/_sim/faults", None).await;
    assert_eq!(faults, json!({}), "both failures were used up");

    // Create is never retried: one failure is enough to fail it.
    control(
        sim.url(),
        Method::Post,
        "/_sim/faults",
        Some(json!({"api_error": {"count": 1, "status": 502}})),
    )
    .await;
    let err = client
        .create_order(&new_order("pay-5xx-2", 1_000, NO_EXCHANGE))
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            operation,
            status,
            message,
        } => {
            assert_eq!((*operation, *status), ("create order", 502));
            assert!(message.contains("Simulated failure"), "{message}");
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    assert!(err.to_string().contains("HTTP 502"), "{err}");
    assert!(!err.outcome_unknown());
    let (_, orders) = control(sim.url(), Method::Get, "/_sim/orders", None).await;
    assert_eq!(
        orders.as_array().unwrap().len(),
        1,
        "no second order was created"
    );

    // A lasting outage: retries run out, then the read works once the fault is cleared.
    control(
        sim.url(),
        Method::Post,
        "/_sim/faults",
        Some(json!({"api_error": {}})),
    )
    .await;
    let err = client.order_status(&order.id).await.unwrap_err();
    assert_eq!(err.http_status(), Some(503), "{err}");
    control(sim.url(), Method::Delete, "/_sim/faults", None).await;
    assert_eq!(
        client.order_status(&order.id).await.unwrap().state,
        PaymentState::Pending
    );
}

#[tokio::test]
async fn stalled_api_gives_a_timeout() {
    let sim = start_sim(sim_config()).await;
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-stall", 1_000, NO_EXCHANGE))
        .await
        .unwrap();

    control(
        sim.url(),
        Method::Post,
        "/_sim/faults",
        Some(json!({"api_stall": {"count": 1, "ms": 3000}})),
    )
    .await;
    let err = client
        .create_order(&new_order("pay-stall-2", 1_000, NO_EXCHANGE))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "create order"
            }
        ),
        "{err:?}"
    );
    assert!(
        err.outcome_unknown(),
        "a timed-out create may still have happened"
    );

    // Every attempt stalls: the read gives up with a timeout.
    control(
        sim.url(),
        Method::Post,
        "/_sim/faults",
        Some(json!({"api_stall": {"ms": 3000}})),
    )
    .await;
    let err = client.order_status(&order.id).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("did not answer"), "{err}");

    // One stalled attempt is absorbed by the retry.
    control(
        sim.url(),
        Method::Post,
        "/_sim/faults",
        Some(json!({"api_stall": {"count": 1, "ms": 3000}})),
    )
    .await;
    assert_eq!(
        client.order_status(&order.id).await.unwrap().state,
        PaymentState::Pending
    );
}

#[tokio::test]
async fn wrong_credentials_are_unauthorized() {
    let sim = start_sim(SimConfig {
        credentials: Some(("AT-0000-0001".into(), "api-token".into())),
        ..sim_config()
    })
    .await;
    assert!(
        client(sim.url())
            .create_order(&new_order("pay-auth", 1_000, NO_EXCHANGE))
            .await
            .is_ok()
    );
    let mut config = client_config(sim.url());
    config.password = "wrong".into();
    let err = PaynlClient::new(config)
        .unwrap()
        .create_order(&new_order("pay-auth-2", 1_000, NO_EXCHANGE))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("credentials"), "{err}");
}

#[tokio::test]
async fn invalid_and_duplicate_orders_are_refused() {
    let sim = start_sim(sim_config()).await;
    let client = client(sim.url());
    // Refused before sending.
    let mut bad = new_order("pay_underscore", 1_000, NO_EXCHANGE);
    assert!(matches!(
        client.create_order(&bad).await,
        Err(Error::InvalidRequest(_))
    ));
    bad.reference = "pay-ok".into();
    bad.amount = Money::from_cents(-5);
    assert!(matches!(
        client.create_order(&bad).await,
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        client.order_status("../../etc").await,
        Err(Error::InvalidRequest(_))
    ));

    // The simulator refuses a second order with the same reference.
    client
        .create_order(&new_order("pay-dup", 1_000, NO_EXCHANGE))
        .await
        .unwrap();
    let err = client
        .create_order(&new_order("pay-dup", 1_000, NO_EXCHANGE))
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), Some(422));
    assert!(err.to_string().contains("already used"), "{err}");

    let err = client.order_status("no-such-order").await.unwrap_err();
    assert_eq!(err.http_status(), Some(404), "{err}");
}

#[tokio::test]
async fn unreachable_paynl_is_a_connect_error() {
    // Bind and release a port so nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = client(&format!("http://127.0.0.1:{port}"));
    let err = client
        .create_order(&new_order("pay-down", 1_000, NO_EXCHANGE))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(!err.outcome_unknown());
}

#[tokio::test]
async fn hosted_page_pays_and_redirects_to_the_return_url() {
    let sim = start_sim(sim_config()).await;
    let client = client(sim.url());
    let order = client
        .create_order(&new_order("pay-page", 2_050, NO_EXCHANGE))
        .await
        .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let page = browser.get(&order.payment_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("width=device-width"), "mobile viewport");
    assert!(html.contains("€ 20,50"));
    assert!(html.contains("ING") && html.contains("Rabobank"));
    assert!(html.contains("value=\"pay\"") && html.contains("value=\"expire\""));
    assert!(!html.contains("<script"), "no JavaScript needed");

    let response = browser
        .post(&order.payment_url)
        .form(&[("bank", "INGBNL2A"), ("choice", "pay")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("http://portal.test/nl/betaald?"),
        "{location}"
    );
    assert!(location.contains(&format!("id={}", order.id)), "{location}");
    assert!(location.contains("statusCode=100") && location.contains("statusAction=PAID"));
    assert!(location.contains("reference=pay-page"), "{location}");
    assert_eq!(
        client.order_status(&order.id).await.unwrap().state,
        PaymentState::Paid
    );
    let (_, detail) = control(
        sim.url(),
        Method::Get,
        &format!("/_sim/orders/{}", order.id),
        None,
    )
    .await;
    assert_eq!(detail["_sim"]["bank"], "ING");

    // The page now says it is finished; the index lists the order.
    let html = browser
        .get(&order.payment_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Betaald"), "{html}");
    let index = browser
        .get(sim.url())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(index.contains(&order.order_id) && index.contains("pay-page"));

    // Cancel and expire from the page.
    for (choice, state) in [
        ("cancel", PaymentState::Cancelled),
        ("expire", PaymentState::Expired),
    ] {
        let order = client
            .create_order(&new_order(
                &format!("pay-page-{choice}"),
                1_000,
                NO_EXCHANGE,
            ))
            .await
            .unwrap();
        let response = browser
            .post(&order.payment_url)
            .form(&[("choice", choice)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(client.order_status(&order.id).await.unwrap().state, state);
    }
}

/// A port nothing listens on: connecting is refused, so a request there is never sent.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://127.0.0.1:{}", l.local_addr().unwrap().port())
}

/// A host that accepts connections and reads nothing, answers nothing: a request there is
/// sent and never answered.
async fn black_hole() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (url, task)
}

fn with_hosts(sim_url: &str, hosts: &[&str]) -> PaynlClient {
    let mut config = client_config(sim_url).with_hosts(hosts.iter().copied());
    config.rest_base_url = sim_url.to_owned();
    PaynlClient::new(config).unwrap()
}

#[tokio::test]
async fn a_host_that_cannot_be_reached_fails_over_to_the_next() {
    let sim = start_sim(sim_config()).await;
    let down = closed_port();
    let client = with_hosts(sim.url(), &[&down, sim.url()]);
    let order = client
        .create_order(&new_order("pay-failover", 1_000, NO_EXCHANGE))
        .await
        .expect("the create goes to the second host");
    assert_eq!(
        client.order_status(&order.id).await.unwrap().state,
        PaymentState::Pending
    );
    let (_, orders) = control(sim.url(), Method::Get, "/_sim/orders", None).await;
    assert_eq!(orders.as_array().unwrap().len(), 1);

    // Every host down: a connect error naming each.
    let other = closed_port();
    let err = with_hosts(sim.url(), &[&down, &other])
        .create_order(&new_order("pay-failover-2", 1_000, NO_EXCHANGE))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(!err.outcome_unknown(), "nothing was sent");
    let text = err.to_string();
    assert!(text.contains(&down) && text.contains(&other), "{text}");
}

#[tokio::test]
async fn a_create_that_was_sent_is_never_sent_to_another_host() {
    let sim = start_sim(sim_config()).await;
    let (silent, _task) = black_hole().await;
    let client = with_hosts(sim.url(), &[&silent, sim.url()]);
    let err = client
        .create_order(&new_order("pay-no-twice", 1_000, NO_EXCHANGE))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "create order"
            }
        ),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
    let (_, orders) = control(sim.url(), Method::Get, "/_sim/orders", None).await;
    assert_eq!(
        orders.as_array().unwrap().len(),
        0,
        "no second order at the next host"
    );

    // An answer, even an error, is never failed over either.
    let first = start_sim(sim_config()).await;
    control(
        first.url(),
        Method::Post,
        "/_sim/faults",
        Some(json!({"api_error": {"count": 1, "status": 503}})),
    )
    .await;
    let err = with_hosts(sim.url(), &[first.url(), sim.url()])
        .create_order(&new_order("pay-no-twice-2", 1_000, NO_EXCHANGE))
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), Some(503), "{err:?}");
    let (_, orders) = control(sim.url(), Method::Get, "/_sim/orders", None).await;
    assert_eq!(orders.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json_like_paynl() {
    let sim = start_sim(sim_config()).await;
    let http = reqwest::Client::new();
    for (method, path, status) in [
        (reqwest::Method::GET, "/v1/nothing", 404),
        (reqwest::Method::GET, "/v3/orders/x/status", 404),
        (reqwest::Method::DELETE, "/v1/orders", 405),
        (reqwest::Method::PUT, "/v2/transactions/EX-1/refund", 405),
        (reqwest::Method::GET, "/_sim/nothing", 404),
    ] {
        let response = http
            .request(method.clone(), format!("{}{path}", sim.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{method} {path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("json")
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["title"].is_string(), "{body}");
        assert!(body["detail"].is_string(), "{body}");
        let violations = body["violations"].as_array().unwrap();
        assert!(
            violations[0]["code"].as_str().unwrap().starts_with("PAY-"),
            "{body}"
        );
    }
    // Bad control input is answered in JSON too.
    let response = http
        .post(format!("{}/_sim/faults", sim.url()))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("JSON"), "{body}");
}
