//! Payment plans through the portal over HTTP: preview, agree, pay the first instalment
//! through the Pay.nl sandbox, and see it paid.

use crate::common;

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
    let (status, page) = call(&app, "plan_page", &cookie, &[]).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page["picker"]["balance"], page["open_total"],
        "the picker spreads the open balance"
    );
    assert!(
        page["picker"]["rules"]["max_months"]
            .as_u64()
            .expect("rules")
            >= 3
    );

    // Without JavaScript the schedule comes from the server, built from the GET form's query
    // by the same code the browser runs.
    let html = common::get(&app, "/dossier/plan?months=3", &cookie)
        .await
        .text()
        .await
        .expect("page");
    assert!(html.contains(r#"data-testid="plan-preview""#), "{html}");
    assert_eq!(
        html.matches(r#"<tr data-status="""#).count(),
        3,
        "three instalments"
    );
    // An unreadable choice is shown next to its field, with the typed text kept.
    let html = common::get(&app, "/dossier/plan?months=zes", &cookie)
        .await
        .text()
        .await
        .expect("page");
    assert!(html.contains(r#"id="months-error""#), "{html}");
    assert!(html.contains("Vul een aantal maanden in"), "{html}");
    assert!(html.contains(r#"value="zes""#), "{html}");
    assert!(!html.contains(r#"data-testid="plan-preview""#));
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
        let (_, view) = call(&app, "payment_status", "", &[("payment", payment.as_str())]).await;
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
        0,
        chrono::Utc::now() + chrono::Duration::days(1),
    );
    let resp = client()
        .get(format!("{}{}", app.base, link.path()))
        .send()
        .await
        .expect("link");
    let cookie = common::session_cookie(&resp).expect("pay-only");
    let (_, err) = call(&app, "plan_page", &cookie, &[]).await;
    assert_eq!(err, serde_json::json!({ "Refused": "NeedsSecret" }));
    let resp = common::get(&app, "/dossier/plan", &cookie).await;
    assert!(resp.status().is_redirection());
}

/// Proposes a plan outside the rules (60 months) with a reason; it waits for staff.
async fn propose_for_review(app: &common::TestApp, cookie: &str, intent: &str) {
    let (status, body) = call(
        app,
        "propose_plan",
        cookie,
        &[
            ("months", "60"),
            ("reason", "Ik heb een laag inkomen."),
            ("intent", intent),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, page) = call(app, "plan_page", cookie, &[]).await;
    assert_eq!(page["plan"]["status"], "needs_review", "{page}");
}

/// The plan waiting in staff's queue for `number`.
async fn review_item(app: &common::TestApp, staff: &str, number: &str) -> Value {
    let (status, queue) = call(app, "staff_plan_reviews", staff, &[]).await;
    assert_eq!(status, 200, "{queue}");
    queue
        .as_array()
        .expect("queue")
        .iter()
        .find(|i| i["dossier_number"] == number)
        .cloned()
        .unwrap_or_else(|| panic!("{number} not in {queue}"))
}

#[tokio::test]
async fn staff_review_a_plan_outside_the_rules_and_the_debtor_answers_a_counter_proposal() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    common::staff_user(&app.store, "anna", "anna-password-1").await;
    let staff = common::staff_session(&app, "anna", "anna-password-1").await;

    // A debtor cannot see the review queue.
    let (_, err) = call(&app, "staff_plan_reviews", &cookie, &[]).await;
    assert_eq!(err, serde_json::json!({ "Refused": "NotSignedIn" }));

    propose_for_review(&app, &cookie, "r1").await;
    let item = review_item(&app, &staff, CONSUMER).await;
    assert_eq!(item["reason"], "Ik heb een laag inkomen.");
    assert_eq!(item["months"], 60);
    assert_eq!(item["breaches"][0]["rule"], "too_many_months");
    let plan = item["plan_id"].as_str().expect("plan").to_owned();

    // A counter-proposal needs a note and terms; refusals change nothing.
    let (_, err) = call(
        &app,
        "staff_plan_decide",
        &staff,
        &[("plan", &plan), ("decision", "counter"), ("months", "6")],
    )
    .await;
    assert_eq!(err["PlanNoteRequired"]["plan"], plan.as_str(), "{err}");
    let (_, err) = call(
        &app,
        "staff_plan_decide",
        &staff,
        &[
            ("plan", &plan),
            ("decision", "counter"),
            ("note", "Zes maanden kan."),
            ("months", "zes"),
        ],
    )
    .await;
    assert_eq!(err["PlanTerms"]["plan"], plan.as_str(), "{err}");
    let resp = common::form_post(
        &app,
        "staff_plan_decide",
        Some(&staff),
        "/staff/plans",
        &[
            ("plan", &plan),
            ("decision", "counter"),
            ("note", "Zes maanden kan."),
            ("months", "6"),
        ],
    )
    .await;
    assert!(
        common::location(&resp).starts_with("/staff/plans?done=counter"),
        "{}",
        common::location(&resp)
    );
    // Deciding again is refused: the plan is no longer in review.
    let (_, err) = call(
        &app,
        "staff_plan_decide",
        &staff,
        &[("plan", &plan), ("decision", "accept")],
    )
    .await;
    assert_eq!(err["PlanAlreadyDecided"]["plan"], plan.as_str(), "{err}");

    // The debtor sees the counter-proposal with the note, and declines it.
    let (_, page) = call(&app, "plan_page", &cookie, &[]).await;
    assert_eq!(page["plan"]["status"], "proposed", "{page}");
    assert_eq!(page["plan"]["counter_proposal"], true);
    assert_eq!(page["plan"]["staff_note"], "Zes maanden kan.");
    assert_eq!(page["plan"]["rows"].as_array().expect("rows").len(), 6);
    let to = post_form(&app, "decline_counter", &cookie, &[]).await;
    assert_eq!(to, "/dossier/plan");
    let (_, page) = call(&app, "plan_page", &cookie, &[]).await;
    assert!(page["plan"].is_null(), "{page}");
    assert_eq!(page["refused"]["declined_by_debtor"], true);

    // A rejection needs a note, which the debtor then reads.
    propose_for_review(&app, &cookie, "r2").await;
    let plan = review_item(&app, &staff, CONSUMER).await["plan_id"]
        .as_str()
        .expect("plan")
        .to_owned();
    let (_, err) = call(
        &app,
        "staff_plan_decide",
        &staff,
        &[("plan", &plan), ("decision", "reject")],
    )
    .await;
    assert_eq!(err["PlanNoteRequired"]["plan"], plan.as_str(), "{err}");
    let (status, _) = call(
        &app,
        "staff_plan_decide",
        &staff,
        &[
            ("plan", &plan),
            ("decision", "reject"),
            ("note", "Te lang zonder stukken."),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (_, page) = call(&app, "plan_page", &cookie, &[]).await;
    assert_eq!(page["refused"]["declined_by_debtor"], false, "{page}");
    assert_eq!(page["refused"]["staff_note"], "Te lang zonder stukken.");

    // Counter-proposed again and accepted: the first instalment is due now, so agreeing
    // goes to Pay.nl, and the plan is active.
    propose_for_review(&app, &cookie, "r3").await;
    let plan = review_item(&app, &staff, CONSUMER).await["plan_id"]
        .as_str()
        .expect("plan")
        .to_owned();
    let (status, _) = call(
        &app,
        "staff_plan_decide",
        &staff,
        &[
            ("plan", &plan),
            ("decision", "counter"),
            ("note", "Twaalf maanden."),
            ("months", "12"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (_, page) = call(&app, "plan_page", &cookie, &[]).await;
    assert_eq!(page["plan"]["pay_first_on_accept"], true, "{page}");
    let to = post_form(&app, "accept_counter", &cookie, &[("intent", "c1")]).await;
    let sandbox = app
        .services
        .paynl_sandbox
        .as_ref()
        .expect("sandbox")
        .url()
        .to_owned();
    assert!(to.starts_with(&sandbox), "first instalment at Pay.nl: {to}");
    let (_, page) = call(&app, "plan_page", &cookie, &[]).await;
    assert_eq!(page["plan"]["status"], "active");
    assert_eq!(page["plan"]["rows"].as_array().expect("rows").len(), 12);

    // Every decision is audited with the staff member; views of the queue too.
    let audit = common::staff_audit(&app).await;
    let decisions: Vec<&str> = audit
        .iter()
        .filter(|e| e.action.starts_with("plan.review.") && e.action != "plan.review.view")
        .map(|e| e.action.as_str())
        .collect();
    assert!(
        decisions.contains(&"plan.review.countered"),
        "{decisions:?}"
    );
    assert!(decisions.contains(&"plan.review.rejected"), "{decisions:?}");
    assert!(decisions.contains(&"plan.review.refused"), "{decisions:?}");
    assert!(audit.iter().any(|e| e.action == "plan.review.view"
        && e.dossier_id.as_ref() == Some(&id)
        && e.actor_id.as_deref() == Some("anna")));
    let debtor = common::audit_actions(&app, CONSUMER).await;
    assert!(
        debtor.contains(&"plan.counter.declined".to_owned()),
        "{debtor:?}"
    );
    assert!(
        debtor.contains(&"plan.counter.accepted".to_owned()),
        "{debtor:?}"
    );
}

/// Pays a sandbox order as the debtor's bank would and waits until the portal booked it.
async fn pay_at_sandbox(app: &common::TestApp, to: &str, payment: &str) {
    let order = to.rsplit('/').next().expect("order");
    let sandbox = app
        .services
        .paynl_sandbox
        .as_ref()
        .expect("sandbox")
        .url()
        .to_owned();
    assert!(to.starts_with(&sandbox), "at Pay.nl: {to}");
    client()
        .post(format!("{sandbox}/_sim/orders/{order}/pay"))
        .json(&json!({}))
        .send()
        .await
        .expect("pay");
    for _ in 0..50 {
        let (_, view) = call(app, "payment_status", "", &[("payment", payment)]).await;
        if view["state"] == "paid" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("payment {payment} not booked");
}

#[tokio::test]
async fn a_missed_instalment_moves_to_the_end_and_is_paid_late_with_one_tap() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    // Agreed, but the first instalment (due today) is never paid.
    post_form(
        &app,
        "propose_plan",
        &cookie,
        &[("months", "3"), ("intent", "p1")],
    )
    .await;
    let html = common::get(&app, "/dossier/plan", &cookie)
        .await
        .text()
        .await
        .expect("page");
    assert!(
        html.contains("verplaatsen wij die één keer naar het einde"),
        "the tolerance is announced: {html}"
    );
    let plans = app.services.plans.clone().expect("plans");
    let job = plans::LifecycleJob::new(plans, plans::LifecycleConfig::default());
    let report = job
        .run_once(chrono::Utc::now() + chrono::Duration::days(8))
        .await
        .expect("round");
    // This plan's first instalment, and the demo plan's (ISB-2000-000004) that missed one.
    assert_eq!((report.moved, report.late), (2, 0));

    // The page shows it moved, and says the next miss ends the plan.
    let html = common::get(&app, "/dossier/plan", &cookie)
        .await
        .text()
        .await
        .expect("page");
    assert!(html.contains(r#"data-testid="plan-moved""#), "{html}");
    assert!(html.contains("verplaatst, was"), "{html}");
    assert!(html.contains("Mist u nog een termijn"), "{html}");
    let (_, page) = call(&app, "plan_page", &cookie, &[]).await;
    let rows = page["plan"]["rows"].as_array().expect("rows").clone();
    assert_eq!(rows[2]["number"], 1, "moved to the end: {rows:?}");
    assert!(rows[2]["moved_from"].is_string());
    let amount = rows[2]["amount"].clone();

    // One tap: Pay.nl for that instalment's amount; paid, it is back in its place.
    let to = post_form(
        &app,
        "pay_plan",
        &cookie,
        &[("what", "moved"), ("intent", "late")],
    )
    .await;
    let payments = app.store.payments_for_dossier(&id).await.expect("db");
    let late = payments
        .iter()
        .find(|p| to.ends_with(p.paynl_order_id.as_deref().unwrap_or("-")))
        .expect("the late payment");
    assert_eq!(serde_json::to_value(late.amount).expect("json"), amount);
    pay_at_sandbox(&app, &to, late.id.as_str()).await;
    let (_, page) = call(&app, "plan_page", &cookie, &[]).await;
    let rows = page["plan"]["rows"].as_array().expect("rows");
    let firsts: Vec<(u64, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["number"].as_u64().unwrap_or(0),
                r["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(firsts, [(1, "paid"), (2, "open"), (3, "open")]);
    let html = common::get(&app, "/dossier/plan", &cookie)
        .await
        .text()
        .await
        .expect("page");
    assert!(html.contains("alsnog betaald"), "{html}");
    assert!(!html.contains(r#"data-testid="plan-moved""#));
    let actions = common::audit_actions(&app, CONSUMER).await;
    assert!(
        actions.iter().any(|a| a == "plan.instalment_moved"),
        "{actions:?}"
    );
}
