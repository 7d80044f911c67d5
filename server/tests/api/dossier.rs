//! The dossier pages over HTTP: the claim figures match the domain's calculation, the
//! personal-data page answers the privacy statement's questions, export and corrections work,
//! and a QR-link (pay-only) session sees none of it.

use crate::common;

use common::{call, demo_session, get, start};

const CONSUMER: &str = "ISB-2000-000001";
const BUSINESS: &str = "ISB-2000-000002";
const PARTLY_PAID: &str = "ISB-2000-000003";

#[tokio::test]
async fn the_claim_overview_shows_the_domains_figures() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, PARTLY_PAID).await;
    let (status, overview) = call(&app, "claim_overview", &cookie, &[]).await;
    assert_eq!(status, 200, "{overview}");
    let today = claim::dutch_date(chrono::Utc::now());
    let expected = claim::load_claim(&app.store, &id, today)
        .await
        .expect("claim");
    assert_eq!(overview["number"], PARTLY_PAID);
    assert_eq!(overview["pay_only"], false);
    let view: claim::ClaimView =
        serde_json::from_value(overview["claim"].clone()).expect("claim view");
    assert_eq!(view, expected, "the page gets exactly the domain's claim");
    assert!(!view.entries.is_empty(), "the demo dossier has payments");
    assert!(view.totals.owed.interest.is_positive());

    // The server-rendered page shows the same open total, formatted in Dutch.
    let html = get(&app, "/dossier", &cookie)
        .await
        .text()
        .await
        .expect("html");
    // As the page formats it (`app::format::money`).
    let nl = |m| app::format::money(app::i18n::Locale::nl, m);
    let open = nl(expected.open_total());
    assert!(html.contains(&open), "open total {open} on the page");
    let interest = nl(expected.totals.owed.interest);
    assert!(html.contains(&interest), "interest {interest} on the page");
    assert!(html.contains("6:44"), "allocation rule explained");
}

#[tokio::test]
async fn the_wik_derivation_shows_vat_only_when_the_creditor_cannot_deduct_it() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, BUSINESS).await;
    let today = claim::dutch_date(chrono::Utc::now());
    let expected = claim::load_claim(&app.store, &id, today)
        .await
        .expect("claim");
    let html = get(&app, "/dossier", &cookie)
        .await
        .text()
        .await
        .expect("html");
    let wik = expected
        .costs
        .iter()
        .find_map(|c| c.wik.clone())
        .expect("WIK costs");
    let nl = |m| app::format::money(app::i18n::Locale::nl, m);
    if wik.vat.is_zero() {
        assert!(html.contains("geen btw"), "says no VAT is added");
    } else {
        assert!(html.contains(&nl(wik.vat)), "VAT line");
    }
    for line in &wik.lines {
        assert!(html.contains(&nl(line.cost)), "band cost");
    }
}

#[tokio::test]
async fn my_data_answers_what_why_where_who_and_until_when() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    let (status, data) = call(&app, "personal_data", &cookie, &[("printing", "false")]).await;
    assert_eq!(status, 200, "{data}");
    let fields = data["fields"].as_array().expect("fields");
    let names: Vec<&str> = fields.iter().filter_map(|f| f["field"].as_str()).collect();
    for expected in [
        "name",
        "address",
        "postcode",
        "city",
        "phone",
        "email",
        "customer_number",
        "birth_date",
        "id_document_number",
    ] {
        assert!(names.contains(&expected), "{expected} listed: {names:?}");
    }
    assert!(!names.contains(&"kvk_number"), "a person has no KvK field");
    let name = fields.iter().find(|f| f["field"] == "name").expect("name");
    assert_eq!(name["source"]["kind"], "creditor", "with its source");
    assert!(
        !data["invoice_numbers"]
            .as_array()
            .expect("invoices")
            .is_empty()
    );

    let dossier = app.store.dossier(&id).await.expect("db").expect("dossier");
    let letter = dossier.last_claim_letter_at.expect("demo letter");
    let keep = letter
        .checked_add_months(chrono::Months::new(84))
        .expect("date");
    assert_eq!(
        data["keep_until"],
        keep.to_string(),
        "7 years after the last letter"
    );
    let recipients: Vec<&str> = data["agency"]["recipients"]
        .as_array()
        .expect("recipients")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    for r in ["Pay.nl", "Rabobank", "DAS Incasso"] {
        assert!(recipients.contains(&r), "{r} named");
    }
    assert_eq!(data["agency"]["storage_country"], "NL");

    let html = get(&app, "/dossier/data", &cookie).await;
    assert_eq!(html.headers()["cache-control"], "no-store");
    let html = html.text().await.expect("html");
    assert!(html.contains("Nederland"), "where it is stored");
    assert!(
        html.contains(&keep.format("%d-%m-%Y").to_string()),
        "retention date"
    );
    let audit = common::audit_actions(&app, CONSUMER).await;
    assert!(
        audit.iter().any(|a| a == "personal_data.viewed"),
        "{audit:?}"
    );

    // Last letter six years ago, closed today: the file is kept two years from today
    // (Bki art. 5.2), later than the letter's seven years, and the page says why.
    let now = chrono::Utc::now();
    let today = claim::dutch_date(now);
    let six_years_ago = today
        .checked_sub_months(chrono::Months::new(72))
        .expect("date");
    app.store
        .set_last_claim_letter(&id, six_years_ago, now)
        .await
        .expect("letter");
    assert!(
        app.store
            .set_dossier_status(
                &id,
                &[store::DossierStatus::Open],
                store::DossierStatus::Closed,
                now
            )
            .await
            .expect("close")
    );
    let (_, data) = call(&app, "personal_data", &cookie, &[("printing", "false")]).await;
    let two_years = today
        .checked_add_months(chrono::Months::new(24))
        .expect("date");
    assert_eq!(data["keep_until"], two_years.to_string());
    assert_eq!(data["kept_after_closing"], today.to_string());
    let html = get(&app, "/dossier/data", &cookie)
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("twee jaar nadat uw dossier is afgesloten"),
        "{html}"
    );
}

#[tokio::test]
async fn the_export_is_a_json_download_and_is_audited() {
    let app = start().await;
    let (cookie, _) = demo_session(&app, BUSINESS).await;
    let resp = get(&app, "/dossier/data/export.json", &cookie).await;
    assert_eq!(resp.status(), 200);
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .expect("header");
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let json: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(json["schema"], "debiteurportaal.export/1");
    assert_eq!(json["personal_data"]["number"], BUSINESS);
    assert_eq!(json["personal_data"]["business"], true);
    assert_eq!(json["claim"]["dossier_number"], BUSINESS);
    let audit = common::audit_actions(&app, BUSINESS).await;
    assert!(
        audit.iter().any(|a| a == "personal_data.exported"),
        "{audit:?}"
    );
}

#[tokio::test]
async fn a_correction_request_is_checked_filed_once_and_shown_with_its_due_date() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    let form = |value: &'static str| {
        vec![
            ("field", "postcode"),
            ("value", value),
            ("reason", "verhuisd"),
        ]
    };
    let (status, err) = call(&app, "request_correction", &cookie, &form("12345")).await;
    assert_ne!(status, 200);
    assert_eq!(err["Value"]["problem"], "Postcode", "{err}");
    assert_eq!(err["Value"]["value"], "12345", "keeps what was typed");

    let (status, body) = call(&app, "request_correction", &cookie, &form("9999zz")).await;
    assert_eq!(status, 200, "{body}");
    let open = app.store.corrections_for_dossier(&id).await.expect("db");
    assert_eq!(open.len(), 1);
    assert_eq!(
        open[0].proposed_value, "9999 ZZ",
        "stored in canonical form"
    );
    let days = (open[0].due_at - open[0].created_at).num_days();
    assert!(
        (28..=31).contains(&days),
        "answer due in a month, was {days} days"
    );

    let (status, err) = call(&app, "request_correction", &cookie, &form("8888 AA")).await;
    assert_ne!(status, 200);
    assert_eq!(err, "Duplicate", "one open request per field");

    let (_, data) = call(&app, "personal_data", &cookie, &[("printing", "false")]).await;
    let postcode = data["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["field"] == "postcode")
        .expect("postcode");
    assert_eq!(postcode["open_request"], true);
    assert_eq!(data["corrections"][0]["status"], "submitted");
}

#[tokio::test]
async fn a_pay_only_session_sees_the_amount_but_no_personal_data() {
    let app = start().await;
    demo_session(&app, CONSUMER).await;
    let links = common::links();
    let link = links.sign(
        CONSUMER.parse().expect("number"),
        0,
        chrono::Utc::now() + chrono::Duration::days(30),
    );
    let resp = common::client()
        .get(format!("{}{}", app.base, link.path()))
        .send()
        .await
        .expect("open link");
    let cookie = common::session_cookie(&resp).expect("pay-only session");

    let (status, overview) = call(&app, "claim_overview", &cookie, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(overview["pay_only"], true);
    assert!(overview["open_total"].as_i64().is_some_and(|c| c > 0));
    assert!(overview["claim"].is_null(), "no invoices or payments");

    let (status, err) = call(&app, "personal_data", &cookie, &[("printing", "false")]).await;
    assert_ne!(status, 200);
    assert_eq!(err, "NeedsSecret");
    let (status, err) = call(
        &app,
        "request_correction",
        &cookie,
        &[("field", "email"), ("value", "a@b.nl"), ("reason", "")],
    )
    .await;
    assert_ne!(status, 200);
    assert_eq!(err, serde_json::json!({ "Refused": "NeedsSecret" }));

    for path in [
        "/dossier/data",
        "/dossier/data/print",
        "/dossier/data/export.json",
    ] {
        let resp = get(&app, path, &cookie).await;
        assert!(resp.status().is_redirection(), "{path}: {}", resp.status());
        let to = resp.headers()["location"].to_str().expect("location");
        assert!(to.starts_with("/?need=secret"), "{path} → {to}");
    }
    let html = get(&app, "/dossier", &cookie)
        .await
        .text()
        .await
        .expect("html");
    assert!(
        !html.contains("Factuur "),
        "no invoice numbers on the pay-only page"
    );
    let audit = common::audit_actions(&app, CONSUMER).await;
    assert!(
        !audit.iter().any(|a| a.starts_with("personal_data")),
        "{audit:?}"
    );
}

#[tokio::test]
async fn every_page_names_the_agency_and_its_wki_registration() {
    let app = start().await;
    let html = common::follow(&app, "/").await;
    let agency = app::agency::Agency::default();
    assert!(
        html.contains(&agency.wki_number),
        "Wki number in the footer"
    );
    assert!(html.contains(&agency.phone), "phone in the footer");
}

/// A server function refused for want of a session answers a client error, not a server
/// failure: 401 without a session, 403 for a pay-only session asking for personal data.
#[tokio::test]
async fn refused_server_function_calls_answer_401_and_403_not_500() {
    let app = common::start().await;
    let resp = common::summary(&app, None).await;
    assert_eq!(resp.status(), 401);
    let resp = common::server_fn(&app, "staff_me", None, &[]).await;
    assert_eq!(resp.status(), 401);
    common::dossier_with_secret(&app.store, "ISB-2026-000555", "ABCD-EFGH-JKMN").await;
    let link = common::links().sign(
        "ISB-2026-000555".parse().expect("number"),
        0,
        chrono::Utc::now() + chrono::Duration::days(1),
    );
    let opened = common::client()
        .get(format!("{}{}", app.base, link.path()))
        .send()
        .await
        .expect("link");
    let pay_only = common::session_cookie(&opened).expect("pay-only session");
    let (status, err) = call(&app, "personal_data", &pay_only, &[("printing", "false")]).await;
    assert_eq!(status, 403);
    assert_eq!(err, "NeedsSecret");
}
