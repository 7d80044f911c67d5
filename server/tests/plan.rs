//! Payment plans through the portal over HTTP: preview, agree, pay the first instalment
//! through the Pay.nl sandbox, and see it paid.

mod common;

use common::{call, client, demo_session, start};
use serde_json::{Value, json};

const CONSUMER: &str = "ISB-2000-000001";

async fn post_form(
    app: &common::TestApp,
    endpoint: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> String {
    let resp = client()
        .post(format!("{}/api/{endpoint}", app.base))
        .header("cookie", cookie)
        .header("accept", "text/html")
        .header("referer", format!("{}/dossier/plan", app.base))
        .form(form)
        .send()
        .await
        .expect("post");
    assert!(resp.status().is_redirection(), "{}", resp.status());
    resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

#[tokio::test]
async fn a_plan_is_previewed_agreed_and_its_first_instalment_paid() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    let (status, page) = call(&app, "plan_page", &cookie, &[("months", "3")]).await;
    assert_eq!(status, 200, "{page}");
    let rows = page["preview"]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 3);
    let sum: i64 = rows
        .iter()
        .map(|r| r["amount"].as_i64().expect("cents"))
        .sum();
    assert_eq!(
        sum,
        page["open_total"].as_i64().expect("open"),
        "the schedule sums to the balance"
    );
    assert_eq!(page["preview"]["within_rules"], true);
    assert!(
        app.store.open_plan(&id).await.expect("db").is_none(),
        "a preview writes nothing"
    );

    // Outside the rules without a reason: refused, nothing stored.
    let (status, err) = call(
        &app,
        "propose_plan",
        &cookie,
        &[("months", "60"), ("intent", "x")],
    )
    .await;
    assert_ne!(status, 200);
    assert_eq!(err, "ReasonRequired");

    let to = post_form(
        &app,
        "propose_plan",
        &cookie,
        &[("months", "3"), ("intent", "p1")],
    )
    .await;
    let sandbox = app
        .services
        .paynl_sandbox
        .as_ref()
        .expect("sandbox")
        .url()
        .to_owned();
    assert!(to.starts_with(&sandbox), "first instalment at Pay.nl: {to}");
    let order = to.rsplit('/').next().expect("order");
    let _: Value = client()
        .post(format!("{sandbox}/_sim/orders/{order}/pay"))
        .json(&json!({}))
        .send()
        .await
        .expect("pay")
        .json()
        .await
        .unwrap_or(Value::Null);
    let payment = app.store.payments_for_dossier(&id).await.expect("db")[0]
        .id
        .clone();
    let mut state = Value::Null;
    for _ in 0..50 {
        let (_, view) = call(&app, "payment_status", "", &[("payment", &payment)]).await;
        state = view["state"].clone();
        if state == "paid" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state, "paid");

    let (_, page) = call(&app, "plan_page", &cookie, &[]).await;
    assert_eq!(page["plan"]["status"], "active");
    let statuses: Vec<&str> = page["plan"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect();
    assert_eq!(statuses, ["paid", "open", "open"]);

    // A second plan is refused while this one runs.
    let (_, err) = call(
        &app,
        "propose_plan",
        &cookie,
        &[("months", "2"), ("intent", "p2")],
    )
    .await;
    assert_eq!(err, "PlanInPlay");
}

#[tokio::test]
async fn a_pay_only_session_cannot_make_a_plan() {
    let app = start().await;
    demo_session(&app, CONSUMER).await;
    let link = common::links().sign(
        CONSUMER.parse().expect("number"),
        chrono::Utc::now() + chrono::Duration::days(1),
    );
    let resp = client()
        .get(format!("{}{}", app.base, link.path()))
        .send()
        .await
        .expect("link");
    let cookie = common::session_cookie(&resp).expect("pay-only");
    let (_, err) = call(&app, "plan_page", &cookie, &[("months", "3")]).await;
    assert_eq!(err, "NeedsSecret");
    let resp = common::get(&app, "/dossier/plan", &cookie).await;
    assert!(resp.status().is_redirection());
}
