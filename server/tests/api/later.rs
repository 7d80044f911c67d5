//! Paying later in one sum through the portal, as a browser without JavaScript does it:
//! granted at once within the rules; outside them the problem comes back next to its field
//! with what was typed, then staff decide; one arrangement at a time.

use crate::common;

use common::{call, demo_session, form_post, location, start};

const CONSUMER: &str = "ISB-2000-000001";
const BUSINESS: &str = "ISB-2000-000002";

async fn page(app: &common::TestApp, path: &str, cookie: &str) -> String {
    common::get(app, path, cookie)
        .await
        .text()
        .await
        .expect("page")
}

fn in_days(days: u64) -> String {
    claim::dutch_date(chrono::Utc::now())
        .checked_add_days(chrono::Days::new(days))
        .expect("date")
        .to_string()
}

#[tokio::test]
async fn within_the_rules_a_day_is_agreed_at_once_and_a_plan_cannot_run_beside_it() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    let html = page(&app, "/dossier", &cookie).await;
    assert!(
        html.contains(r#"href="/dossier/later""#),
        "linked from the overview"
    );
    let html = page(&app, "/dossier/later", &cookie).await;
    assert!(html.contains(r#"data-testid="later-rules""#), "{html}");
    assert!(html.contains(r#"type="date""#));
    assert!(html.contains("wettelijke rente loopt door"));

    let day = in_days(20);
    let resp = form_post(
        &app,
        "ask_later",
        Some(&cookie),
        "/dossier/later",
        &[("pay_by", &day), ("reason", "")],
    )
    .await;
    assert_eq!(location(&resp), "/dossier/later?asked=1");
    let html = page(&app, "/dossier/later?asked=1", &cookie).await;
    assert!(html.contains(r#"data-status="granted""#), "{html}");
    assert!(html.contains(r#"data-testid="later-on-day""#), "{html}");
    assert!(html.contains(r#"data-testid="later-pay""#));
    assert!(
        !html.contains(r#"data-testid="later-submit""#),
        "no second request"
    );
    // The confirmation is on the messages page, and the request in the audit trail.
    let mails = app.store.mails_for_dossier(&id).await.expect("db");
    assert!(
        mails
            .iter()
            .any(|m| m.notice.kind() == domain::NoticeKind::DeferralDecided),
        "{mails:?}"
    );
    let actions = common::audit_actions(&app, CONSUMER).await;
    assert!(
        actions.iter().any(|a| a == "deferral.requested"),
        "{actions:?}"
    );
    // The request is part of the personal data shown and exported (art. 15, 20 AVG).
    let html = page(&app, "/dossier/data", &cookie).await;
    assert!(html.contains(r#"data-testid="data-deferral""#), "{html}");
    let export = page(&app, "/dossier/data/export.json", &cookie).await;
    assert!(
        export.contains(r#""deferrals""#) && export.contains(&day),
        "{export}"
    );
    // No payment plan beside it.
    let (_, err) = call(
        &app,
        "propose_plan",
        &cookie,
        &[("months", "3"), ("intent", "p1")],
    )
    .await;
    assert_eq!(err, "DeferralInPlay");
}

#[tokio::test]
async fn outside_the_rules_the_problem_shows_by_its_field_and_staff_decide() {
    let app = start().await;
    let (cookie, _) = demo_session(&app, BUSINESS).await;
    // Unreadable, and in the past: told next to the field, the typed text kept.
    for (typed, code) in [("morgen", "date"), ("01-01-2020", "not_later")] {
        let resp = form_post(
            &app,
            "ask_later",
            Some(&cookie),
            "/dossier/later",
            &[("pay_by", typed), ("reason", "Mijn uitleg")],
        )
        .await;
        let to = location(&resp);
        assert!(to.contains(&format!("error={code}")), "{to}");
        let html = page(&app, &to, &cookie).await;
        assert!(html.contains(r#"id="pay-by-error""#), "{html}");
        assert!(html.contains(&format!(r#"value="{typed}""#)), "{html}");
        assert!(html.contains(">Mijn uitleg</textarea>"), "{html}");
    }
    // More open than agreed at once (€4,209.66 > €2,500): without a reason, refused.
    let day = in_days(10);
    let resp = form_post(
        &app,
        "ask_later",
        Some(&cookie),
        "/dossier/later",
        &[("pay_by", &day), ("reason", " ")],
    )
    .await;
    let to = location(&resp);
    assert!(to.contains("error=reason"), "{to}");
    let html = page(&app, &to, &cookie).await;
    assert!(html.contains(r#"id="reason-error""#), "{html}");
    // With a reason it waits for staff.
    let resp = form_post(
        &app,
        "ask_later",
        Some(&cookie),
        "/dossier/later",
        &[
            ("pay_by", &day),
            ("reason", "De klant betaalt ons eind van de maand."),
        ],
    )
    .await;
    assert_eq!(location(&resp), "/dossier/later?asked=1");
    let html = page(&app, "/dossier/later", &cookie).await;
    assert!(html.contains(r#"data-status="needs_review""#), "{html}");

    // Staff: a debtor cannot see the queue; an agent can, and grants it.
    let (_, err) = call(&app, "staff_deferrals", &cookie, &[]).await;
    assert_eq!(err, serde_json::json!({ "Refused": "NotSignedIn" }));
    common::staff_user(&app.store, "anna", "anna-password-1").await;
    let staff = common::staff_session(&app, "anna", "anna-password-1").await;
    let (status, queue) = call(&app, "staff_deferrals", &staff, &[]).await;
    assert_eq!(status, 200, "{queue}");
    let item = queue
        .as_array()
        .expect("queue")
        .iter()
        .find(|i| i["dossier_number"] == BUSINESS)
        .cloned()
        .expect("waiting");
    assert_eq!(item["reason"], "De klant betaalt ons eind van de maand.");
    assert_eq!(item["breaches"][0]["rule"], "too_much");
    let deferral = item["deferral_id"].as_str().expect("id").to_owned();
    let html = page(&app, "/staff/deferrals", &staff).await;
    assert!(html.contains(r#"data-testid="deferral-review""#), "{html}");
    // A rejection needs a note; nothing changes without one.
    let (_, err) = call(
        &app,
        "staff_deferral_decide",
        &staff,
        &[("deferral", &deferral), ("decision", "reject")],
    )
    .await;
    assert_eq!(
        err["DeferralNoteRequired"]["deferral"],
        deferral.as_str(),
        "{err}"
    );
    let resp = form_post(
        &app,
        "staff_deferral_decide",
        Some(&staff),
        "/staff/deferrals",
        &[("deferral", &deferral), ("decision", "grant")],
    )
    .await;
    assert!(
        location(&resp).starts_with("/staff/deferrals?done=grant"),
        "{}",
        location(&resp)
    );
    let (_, err) = call(
        &app,
        "staff_deferral_decide",
        &staff,
        &[("deferral", &deferral), ("decision", "grant")],
    )
    .await;
    assert!(err.get("DeferralAlreadyDecided").is_some(), "{err}");
    let html = page(&app, "/dossier/later", &cookie).await;
    assert!(html.contains(r#"data-status="granted""#), "{html}");
    let staff_events = common::staff_audit(&app).await;
    assert!(
        staff_events
            .iter()
            .any(|e| e.action == "deferral.review.view"),
        "views of the reason are audited"
    );
}

#[tokio::test]
async fn a_pay_only_session_cannot_ask_to_pay_later() {
    let app = start().await;
    demo_session(&app, CONSUMER).await;
    let link = common::links().sign(
        CONSUMER.parse().expect("number"),
        0,
        chrono::Utc::now() + chrono::Duration::days(1),
    );
    let resp = common::client()
        .get(format!("{}{}", app.base, link.path()))
        .send()
        .await
        .expect("link");
    let cookie = common::session_cookie(&resp).expect("pay-only");
    let (_, err) = call(&app, "later_page", &cookie, &[]).await;
    assert_eq!(err, serde_json::json!({ "Refused": "NeedsSecret" }));
    let (_, err) = call(&app, "ask_later", &cookie, &[("pay_by", &in_days(5))]).await;
    assert_eq!(err, serde_json::json!({ "Refused": "NeedsSecret" }));
    let id = app
        .store
        .dossier_by_number(CONSUMER)
        .await
        .expect("db")
        .expect("dossier")
        .id;
    assert!(
        app.store
            .deferrals_for_dossier(&id)
            .await
            .expect("db")
            .is_empty()
    );
}
