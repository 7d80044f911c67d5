//! The income and expenses statement with a plan below the rules (issue 21), over HTTP: sent
//! with a file as a plain multipart form, checked line by line, kept with the plan for staff
//! (lines and file, audited), refusing a plan above what it leaves and pointing to free debt
//! help, per-field errors with nothing typed lost, listed on the data page and in the export,
//! and out of reach of a pay-only session and of another dossier.
#![allow(clippy::inconsistent_digit_grouping)]

use crate::common;

use common::{TestApp, client, demo_session, get, location, staff_session, staff_user, start};

const CONSUMER: &str = "ISB-2000-000001";
const BUSINESS: &str = "ISB-2000-000002";
const BOUNDARY: &str = "----budgettestboundary9XK2";

fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (filename, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; \
                 filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts the statement form; returns the response (a 303).
async fn send(
    app: &TestApp,
    cookie: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> reqwest::Response {
    client()
        .post(format!("{}/dossier/plan/budget", app.base))
        .header("cookie", cookie)
        .header("accept", "text/html")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(fields, files))
        .send()
        .await
        .expect("post")
}

/// The refused form's cookie (`name=value`) a response sets, if any.
fn returned_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("dp_budget=") && !v.contains("Max-Age=0"))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// The statement page as the browser shows it after the post (with the cookie it was given).
async fn page_after(app: &TestApp, cookie: &str, resp: &reqwest::Response) -> String {
    let cookie = match returned_cookie(resp) {
        Some(returned) => format!("{cookie}; {returned}"),
        None => cookie.to_owned(),
    };
    let resp = get(app, "/dossier/plan/budget", &cookie).await;
    assert_eq!(resp.status().as_u16(), 200);
    resp.text().await.expect("page")
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec()
}

/// A single person earning €1,800.00 net with €750.00 of fixed costs, asking €10.00 a month
/// (below the €25.00 minimum of the rules).
fn statement<'a>(amount: &'a str, reason: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("household", "single"),
        ("net_income", "1800,00"),
        ("housing", "700"),
        ("health_insurance", "50,00"),
        ("childcare", ""),
        ("other_debts", ""),
        ("other_fixed", ""),
        ("months", ""),
        ("amount", amount),
        ("reason", reason),
    ]
}

#[tokio::test]
async fn a_statement_goes_with_the_plan_to_staff_who_see_its_lines_and_file() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    let (theirs, _) = demo_session(&app, BUSINESS).await;

    // The plan page points to the statement when the preview breaks the rules.
    let html = get(&app, "/dossier/plan?amount=10", &cookie)
        .await
        .text()
        .await
        .expect("plan page");
    assert!(html.contains(r#"data-testid="budget-link""#), "{html}");
    assert!(
        html.contains("/dossier/plan/budget?months=&amp;amount=10"),
        "{html}"
    );
    let html = get(&app, "/dossier/plan/budget?amount=10", &cookie)
        .await
        .text()
        .await
        .expect("statement page");
    assert!(html.contains(r#"data-testid="budget-form""#), "{html}");
    assert_eq!(
        html.matches(r#"inputmode="decimal""#).count(),
        7,
        "six amounts and the monthly amount"
    );
    assert!(!html.contains(r#"data-testid="debt-help""#));

    let resp = send(
        &app,
        &cookie,
        &statement("10,00", "Ik werk minder sinds mijn ziekte."),
        &[("loonstrook mei.pdf", "application/pdf", &pdf())],
    )
    .await;
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(location(&resp), "/dossier/plan/budget");
    assert_eq!(returned_cookie(&resp), None, "nothing to carry back");

    let plan = app.store.open_plan(&id).await.expect("db").expect("a plan");
    assert_eq!(plan.status, store::PlanStatus::NeedsReview);
    let kept = app
        .store
        .plan_budget(&plan.id)
        .await
        .expect("db")
        .expect("the statement is kept with the plan");
    assert_eq!(kept.net_income, domain::Money::from_cents(1_800_00));
    assert_eq!(kept.housing, domain::Money::from_cents(700_00));
    assert_eq!(kept.verdict, store::BudgetVerdict::CanPay);
    assert!(kept.capacity >= domain::Money::from_cents(10_00));
    assert_eq!(kept.files.len(), 1);
    assert!(
        common::audit_actions(&app, CONSUMER)
            .await
            .iter()
            .any(|a| a == "plan.budget.submitted")
    );

    // The debtor sees every line, the protected amount with its source, and the capacity.
    let html = page_after(&app, &cookie, &resp).await;
    for testid in [
        "budget-in-play",
        "budget-lines",
        "budget-protected",
        "budget-source",
        "budget-capacity",
        "budget-verdict",
    ] {
        assert!(
            html.contains(&format!(r#"data-testid="{testid}""#)),
            "{testid}: {html}"
        );
    }
    assert!(html.contains("€\u{a0}1.800,00"), "{html}");
    assert!(html.contains("Beslagvrije voet"));
    assert!(html.contains("loonstrook mei.pdf"));
    let plan_page = get(&app, "/dossier/plan", &cookie)
        .await
        .text()
        .await
        .expect("plan page");
    assert!(plan_page.contains(r#"data-testid="plan-statement""#));

    // The debtor's own file; another dossier's session gets nothing.
    let file_id = kept.files[0].id.to_string();
    let own = get(
        &app,
        &format!("/dossier/plan/budget/file/{file_id}"),
        &cookie,
    )
    .await;
    assert_eq!(own.status().as_u16(), 200);
    assert_eq!(own.headers()["x-content-type-options"], "nosniff");
    assert_eq!(own.bytes().await.expect("body").as_ref(), pdf().as_slice());
    let other = get(
        &app,
        &format!("/dossier/plan/budget/file/{file_id}"),
        &theirs,
    )
    .await;
    assert_eq!(other.status().as_u16(), 404);
    let other_page = get(&app, "/dossier/plan/budget", &theirs)
        .await
        .text()
        .await
        .expect("page");
    assert!(!other_page.contains("loonstrook mei.pdf"));
    assert!(!other_page.contains("€\u{a0}1.800,00"));
    let (_, other_data) = common::call(&app, "budget_page", &theirs, &[]).await;
    assert!(other_data["sent"].is_null(), "{other_data}");

    // Staff see the lines and the file with the review, audited; the download too.
    staff_user(&app.store, "agnes", "correct horse battery").await;
    let staff = staff_session(&app, "agnes", "correct horse battery").await;
    let queue = get(&app, "/staff/plans", &staff)
        .await
        .text()
        .await
        .expect("queue");
    assert!(queue.contains(r#"data-testid="plan-budget""#), "{queue}");
    assert!(queue.contains(r#"data-testid="budget-lines""#));
    assert!(queue.contains("€\u{a0}1.800,00"));
    let path = format!("/staff/plans/file/{file_id}");
    assert!(queue.contains(&path));
    let download = get(&app, &path, &staff).await;
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(
        download.headers()["content-disposition"],
        "attachment; filename=\"loonstrook mei.pdf\""
    );
    assert_eq!(
        download.bytes().await.expect("body").as_ref(),
        pdf().as_slice()
    );
    let events = common::staff_audit(&app).await;
    assert!(
        events
            .iter()
            .any(|e| e.action == "personal_data.viewed" && e.detail["via"] == "plan_review_budget"),
        "the staff view is audited"
    );
    assert!(events.iter().any(|e| e.action == "plan.budget.file_viewed"));
    // The debtor's session is no staff session.
    assert_ne!(get(&app, &path, &cookie).await.status().as_u16(), 200);
}

#[tokio::test]
async fn too_little_left_refuses_the_plan_and_points_to_free_debt_help() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;

    // Fixed costs above the income: nothing can be paid, no plan at all.
    let mut fields = statement("10,00", "Ik kan niet rondkomen.");
    fields[1] = ("net_income", "1000,00");
    fields[2] = ("housing", "1100,00");
    let resp = send(&app, &cookie, &fields, &[]).await;
    assert_eq!(location(&resp), "/dossier/plan/budget");
    let html = page_after(&app, &cookie, &resp).await;
    assert!(html.contains(r#"data-testid="debt-help""#), "{html}");
    assert!(html.contains("geldfit.nl") && html.contains("0800-8115"));
    assert!(html.contains("gemeente"));
    assert!(html.contains("bewindvoerder"));
    assert!(html.contains(r#"data-verdict="fixed_costs_exceed_income""#));
    assert!(html.contains(r#"value="1000,00""#), "typed values kept");
    assert!(app.store.open_plan(&id).await.expect("db").is_none());

    // €10.00 left after costs: €15.00 a month is refused, with the most we may ask.
    let mut fields = statement("15,00", "Weinig over.");
    fields[2] = ("housing", "1740,00");
    let resp = send(&app, &cookie, &fields, &[]).await;
    let html = page_after(&app, &cookie, &resp).await;
    assert!(
        html.contains(
            "Met dit inkomen kunnen wij u niet vragen meer te betalen dan €\u{a0}10,00 per maand"
        ),
        "{html}"
    );
    assert!(html.contains(r#"data-testid="budget-form-error""#));
    assert!(html.contains(r#"value="15,00""#));
    assert!(
        app.store.open_plan(&id).await.expect("db").is_none(),
        "nothing proposed"
    );
    assert!(
        app.store
            .plan_budgets_for_dossier(&id)
            .await
            .expect("db")
            .is_empty()
    );

    // In English too.
    let html = get(
        &app,
        "/dossier/plan/budget",
        &format!(
            "{cookie}; i18n_pref_locale=en; {}",
            returned_cookie(&send(&app, &cookie, &fields, &[]).await).expect("cookie")
        ),
    )
    .await
    .text()
    .await
    .expect("page");
    assert!(
        html.contains("With this income we cannot ask you to pay more than €10.00 a month"),
        "{html}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_next_to_each_field_and_nothing_typed_is_lost() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    let reason = "Mijn uitkering is lager dan mijn loon was.";
    let fields = [
        ("household", ""),
        ("net_income", "-5"),
        ("housing", "veel"),
        ("health_insurance", "2000000"),
        ("childcare", "12,345"),
        ("other_debts", ""),
        ("other_fixed", ""),
        ("months", ""),
        ("amount", "10"),
        ("reason", reason),
    ];
    let html_file = b"<html><script>alert(1)</script></html>";
    let resp = send(
        &app,
        &cookie,
        &fields,
        &[("loonstrook.pdf", "application/pdf", html_file)],
    )
    .await;
    assert_eq!(resp.status().as_u16(), 303);
    let html = page_after(&app, &cookie, &resp).await;
    for (id, text) in [
        ("household-error", "Kies uw huishouden."),
        ("net_income-error", "Een bedrag kan niet negatief zijn."),
        ("housing-error", "Dit is geen bedrag."),
        (
            "health_insurance-error",
            "Dit bedrag is te hoog voor één maand.",
        ),
        ("childcare-error", "Dit is geen bedrag."),
        ("files-error", "loonstrook.pdf is geen PDF, JPG of PNG."),
    ] {
        assert!(html.contains(&format!(r#"id="{id}""#)), "{id}: {html}");
        assert!(html.contains(text), "{text}");
    }
    assert!(!html.contains(r#"id="other_debts-error""#));
    for kept in [
        r#"value="-5""#,
        r#"value="veel""#,
        r#"value="2000000""#,
        r#"value="12,345""#,
        r#"value="10""#,
        reason,
    ] {
        assert!(html.contains(kept), "{kept} kept");
    }
    // Read once: a reload shows the empty form.
    let again = get(&app, "/dossier/plan/budget", &cookie)
        .await
        .text()
        .await
        .expect("page");
    assert!(!again.contains("veel"));

    // A file over 5 MB, with good figures: refused by name, the figures kept.
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    let resp = send(
        &app,
        &cookie,
        &statement("10,00", reason),
        &[("afschrift.pdf", "application/pdf", &big)],
    )
    .await;
    let html = page_after(&app, &cookie, &resp).await;
    assert!(html.contains("afschrift.pdf is groter dan 5 MB."), "{html}");
    assert!(html.contains(r#"value="1800,00""#));
    // Its figures could be read, so the page shows what they leave.
    assert!(html.contains(r#"data-testid="budget-lines""#));

    // Nothing was kept or proposed by either.
    assert!(app.store.open_plan(&id).await.expect("db").is_none());
    assert!(
        app.store
            .plan_budgets_for_dossier(&id)
            .await
            .expect("db")
            .is_empty()
    );
}

#[tokio::test]
async fn the_data_page_and_the_export_list_the_statement() {
    let app = start().await;
    let (cookie, _) = demo_session(&app, CONSUMER).await;
    let resp = send(
        &app,
        &cookie,
        &statement("10,00", "Minder werk."),
        &[("loonstrook.pdf", "application/pdf", &pdf())],
    )
    .await;
    assert_eq!(location(&resp), "/dossier/plan/budget");
    let html = get(&app, "/dossier/data", &cookie)
        .await
        .text()
        .await
        .expect("data page");
    assert!(
        html.contains(r#"data-testid="financial-situation""#),
        "{html}"
    );
    assert!(html.contains("Uw financiële situatie"));
    assert!(html.contains("Bron: uzelf"));
    assert!(html.contains("12 maanden nadat de regeling is afgelopen of afgewezen"));
    assert!(html.contains("€\u{a0}1.800,00"));
    assert!(html.contains("loonstrook.pdf"));

    let export: serde_json::Value = get(&app, "/dossier/data/export.json", &cookie)
        .await
        .json()
        .await
        .expect("export");
    let records = &export["personal_data"]["financial_situation"];
    assert_eq!(records.as_array().map(Vec::len), Some(1), "{export}");
    assert_eq!(records[0]["net_income"], 1_800_00);
    assert_eq!(records[0]["household"], "single");
    assert_eq!(records[0]["plan_status"], "needs_review");
    assert!(records[0]["keep_until"].is_null(), "kept while in review");
    assert_eq!(records[0]["files"][0]["name"], "loonstrook.pdf");
}

#[tokio::test]
async fn a_pay_only_session_cannot_reach_the_statement() {
    let app = start().await;
    let (_, id) = demo_session(&app, CONSUMER).await;
    let link = common::links().sign(
        CONSUMER.parse().expect("number"),
        0,
        chrono::Utc::now() + chrono::Duration::days(30),
    );
    let resp = client()
        .get(format!("{}{}", app.base, link.path()))
        .send()
        .await
        .expect("open link");
    let pay_only = common::session_cookie(&resp).expect("pay-only session");

    let page = get(&app, "/dossier/plan/budget", &pay_only).await;
    assert!(page.status().is_redirection());
    assert!(
        location(&page).starts_with("/?need=secret"),
        "{}",
        location(&page)
    );
    let (status, err) = common::call(&app, "budget_page", &pay_only, &[]).await;
    assert_ne!(status, 200);
    assert_eq!(err, "NeedsSecret");
    let resp = send(
        &app,
        &pay_only,
        &statement("10,00", "Minder werk."),
        &[("loonstrook.pdf", "application/pdf", &pdf())],
    )
    .await;
    assert!(location(&resp).starts_with("/?need=secret"));
    assert!(app.store.open_plan(&id).await.expect("db").is_none());
    // Nor without any session.
    let resp = send(&app, "", &statement("10,00", "x"), &[]).await;
    assert_eq!(location(&resp), "/");
}
