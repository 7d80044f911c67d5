//! The pages that earn trust (issue 21): the public letter check at `/check` (a yes or no
//! and nothing else, throttled per address, audited), the accessibility statement and the
//! complaints procedure, in both languages and linked from every footer.

use crate::common;

use chrono::{Days, Utc};
use common::{TestApp, client, get_page, location, start};
use sqlx::Row;

/// The demo dossier of a consumer who paid part: its 14-day letter went out 75 days before
/// the seeding day, announcing €52.64 costs on €290.00 of invoices (`import/src/demo.rs`).
const NUMBER: &str = "ISB-2000-000003";

async fn seeded() -> TestApp {
    let app = start().await;
    import::seed_demo(
        &app.services.books,
        &app.services.hasher,
        Utc::now().date_naive(),
    )
    .await
    .expect("demo");
    app
}

/// The demo letter's date as a debtor reads it off the letter (dd-mm-yyyy).
fn letter_date() -> String {
    let day = Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(75))
        .expect("date");
    day.format("%d-%m-%Y").to_string()
}

/// Posts the form as a browser without JavaScript does; returns the redirect.
async fn post_check(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    client()
        .post(format!("{}/check", app.base))
        .header("accept", "text/html")
        .form(form)
        .send()
        .await
        .expect("check")
}

/// Posts a check and follows the redirect with the answer's cookie: the page's HTML.
async fn check(app: &TestApp, form: &[(&str, &str)]) -> String {
    let resp = post_check(app, form).await;
    assert_eq!(
        resp.status(),
        303,
        "a plain form post is answered with a 303"
    );
    assert_eq!(location(&resp), "/check");
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("dp_check="))
        .expect("the answer's cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let pair = cookie.split(';').next().unwrap_or_default().to_owned();
    let page = get_page(app, "/check", Some(&pair)).await;
    assert_eq!(page.status(), 200);
    let cleared = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("dp_check=;") && v.contains("Max-Age=0"));
    assert!(cleared, "the answer is shown once");
    page.text().await.expect("body")
}

/// The page's `<main>` (the rest carries a per-response script nonce).
fn main_of(page: &str) -> &str {
    let start = page.find("<main").expect("main");
    let end = page.find("</main>").expect("end of main");
    &page[start..end]
}

fn outcome(page: &str) -> &str {
    let marker = "data-outcome=\"";
    let start = page.find(marker).map(|i| i + marker.len());
    start
        .and_then(|i| page[i..].split('"').next())
        .unwrap_or("none")
}

#[tokio::test]
async fn a_letter_matches_by_its_date() {
    let app = seeded().await;
    let page = check(&app, &[("dossier", NUMBER), ("date", &letter_date())]).await;
    assert_eq!(outcome(&page), "match", "{page}");
    assert!(page.contains("Ja, deze brief is van ons."));
    // The date a date field sends works as well.
    let iso = Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(75))
        .expect("date")
        .to_string();
    let page = check(&app, &[("dossier", NUMBER), ("date", &iso), ("amount", "")]).await;
    assert_eq!(outcome(&page), "match");
}

#[tokio::test]
async fn a_letter_matches_by_an_amount_on_it() {
    let app = seeded().await;
    // The costs it announced, the invoices' principal, and both together.
    for amount in ["52,64", "€ 290,00", "342.64"] {
        let page = check(&app, &[("dossier", NUMBER), ("amount", amount)]).await;
        assert_eq!(outcome(&page), "match", "{amount}");
    }
    // Date and amount together must fit the same letter.
    let page = check(
        &app,
        &[
            ("dossier", NUMBER),
            ("date", &letter_date()),
            ("amount", "52,64"),
        ],
    )
    .await;
    assert_eq!(outcome(&page), "match");
    let page = check(
        &app,
        &[
            ("dossier", NUMBER),
            ("date", &letter_date()),
            ("amount", "52,65"),
        ],
    )
    .await;
    assert_eq!(outcome(&page), "nomatch");
}

#[tokio::test]
async fn a_non_match_says_no_and_reveals_nothing() {
    let app = seeded().await;
    let wrong_date = check(&app, &[("dossier", NUMBER), ("date", "01-01-2020")]).await;
    let wrong_amount = check(&app, &[("dossier", NUMBER), ("amount", "12,34")]).await;
    let unknown = check(
        &app,
        &[("dossier", "ISB-2000-999999"), ("date", "01-01-2020")],
    )
    .await;
    for page in [&wrong_date, &wrong_amount, &unknown] {
        assert_eq!(outcome(page), "nomatch", "{page}");
        assert!(page.contains("Wij vinden geen brief van ons met deze gegevens."));
        // Nothing of the dossier: not the debtor, the creditor, the city or a real amount.
        for secret in [
            "Daan",
            "Bakker",
            "Fysiotherapie",
            "Groningen",
            "290,00",
            "52,64",
        ] {
            assert!(!page.contains(secret), "{secret} in a non-match page");
        }
    }
    // An unknown number reads exactly like a known one with the wrong date.
    assert_eq!(
        main_of(&wrong_date).replace(NUMBER, "N"),
        main_of(&unknown).replace("ISB-2000-999999", "N")
    );
}

#[tokio::test]
async fn malformed_input_is_refused_next_to_the_form() {
    let app = seeded().await;
    let page = check(&app, &[("dossier", "12345"), ("date", "01-01-2020")]).await;
    assert!(page.contains("id=\"check-dossier-error\""), "{page}");
    let page = check(&app, &[("dossier", NUMBER)]).await;
    assert!(page.contains("Vul de datum van de brief of een bedrag"));
    let page = check(&app, &[("dossier", NUMBER), ("date", "gisteren")]).await;
    assert!(page.contains("Deze datum kunnen wij niet lezen"));
    // What was typed comes back in the form.
    assert!(page.contains("value=\"gisteren\""));
}

/// One address trying many dossier numbers is stopped like a sign-in guesser: the address
/// policy allows 10 failures without a wait.
#[tokio::test]
async fn many_checks_from_one_address_are_throttled() {
    let app = seeded().await;
    for i in 0..11 {
        let number = format!("ISB-2026-{:06}", 700 + i);
        let page = check(&app, &[("dossier", &number), ("date", "01-01-2020")]).await;
        assert_eq!(outcome(&page), "nomatch", "check {i}");
    }
    // Even a right check now waits, and says so.
    let page = check(&app, &[("dossier", NUMBER), ("date", &letter_date())]).await;
    assert_eq!(outcome(&page), "throttled", "{page}");
    assert!(
        page.contains("te vaak achter elkaar gecontroleerd"),
        "{page}"
    );
    // The letter check shares the address's allowance with signing in.
    let resp = common::sign_in_form(&app, "ISB-2026-000800", "ZZZZ-ZZZZ-ZZZZ").await;
    let error = common::error_in(&location(&resp));
    assert!(error.get("Throttled").is_some(), "{error}");
}

#[tokio::test]
async fn each_check_is_audited_without_what_was_typed() {
    let app = seeded().await;
    check(&app, &[("dossier", NUMBER), ("amount", "52,64")]).await;
    check(
        &app,
        &[("dossier", "ISB-2000-999999"), ("date", &letter_date())],
    )
    .await;
    let rows = sqlx::query(
        "SELECT actor_id, dossier_id, client_ip, detail FROM audit_event \
         WHERE action = 'letter_check' ORDER BY id",
    )
    .fetch_all(app.store.pool())
    .await
    .expect("audit");
    assert_eq!(rows.len(), 2);
    let id = app
        .store
        .dossier_by_number(NUMBER)
        .await
        .expect("db")
        .expect("dossier")
        .id;
    let found: Option<String> = rows[0].get("dossier_id");
    assert_eq!(found.as_deref(), Some(id.as_str()));
    let unknown: Option<String> = rows[1].get("dossier_id");
    assert_eq!(unknown, None);
    let ip: Option<String> = rows[0].get("client_ip");
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    let detail: serde_json::Value =
        serde_json::from_str(&rows[0].get::<String, _>("detail")).expect("json");
    assert_eq!(
        detail,
        serde_json::json!({ "by": "amount", "matched": true, "throttled": false })
    );
    let second = rows[1].get::<String, _>("detail");
    assert!(!second.contains(&letter_date()), "{second}");
    assert!(
        common::audit_actions(&app, NUMBER)
            .await
            .contains(&"letter_check".to_owned())
    );
}

async fn page_in(app: &TestApp, path: &str, lang: &str, cookie: Option<&str>) -> String {
    let mut cookies = format!("i18n_pref_locale={lang}");
    if let Some(c) = cookie {
        cookies = format!("{cookies}; {c}");
    }
    let resp = get_page(app, path, Some(&cookies)).await;
    assert_eq!(resp.status(), 200, "{path} in {lang}");
    resp.text().await.expect("body")
}

#[tokio::test]
async fn the_trust_pages_render_in_both_languages() {
    let app = seeded().await;
    let cases = [
        ("/check", "nl", "Is deze brief echt van ons?"),
        ("/check", "en", "Is this letter really from us?"),
        ("/accessibility", "nl", "Toegankelijkheidsverklaring"),
        ("/accessibility", "en", "Accessibility statement"),
        ("/complaints", "nl", "Klachtenregeling"),
        ("/complaints", "en", "Complaints procedure"),
    ];
    for (path, lang, heading) in cases {
        let page = page_in(&app, path, lang, None).await;
        assert!(page.contains(&format!("lang=\"{lang}\"")), "{path} {lang}");
        assert!(
            page.contains(&format!("{heading}</h1>")),
            "{path} {lang}: {page}"
        );
    }
    let agency = app::agency::Agency::default();
    let check = page_in(&app, "/check", "nl", None).await;
    assert!(check.contains(&agency.bank_account));
    assert!(
        check.contains("127.0.0.1"),
        "the portal's own host is a domain"
    );
    assert!(check.contains("incasso-demo.nl"), "and the e-mail's");
    assert!(check.contains("cadeaukaarten"));
    let a11y = page_in(&app, "/accessibility", "nl", None).await;
    for text in [
        "WCAG 2.2",
        "28 juni 2025",
        "axe-core",
        "Lighthouse",
        &agency.email,
    ] {
        assert!(a11y.contains(text), "{text}");
    }
    // The complaint deadlines are the dispute service's.
    let complaints = page_in(&app, "/complaints", "nl", None).await;
    assert!(complaints.contains(&format!(
        "Binnen {} werkdagen bevestigen",
        disputes::ACK_WORKING_DAYS
    )));
    assert!(complaints.contains(&format!(
        "Binnen {} werkdagen ({} weken)",
        disputes::DECISION_WORKING_DAYS,
        disputes::DECISION_WORKING_DAYS / 5
    )));
    assert!(complaints.contains(&agency.complaints_body_url));
    assert!(complaints.contains("href=\"/dossier/disputes\""));
    let complaints_en = page_in(&app, "/complaints", "en", None).await;
    assert!(complaints_en.contains(&format!(
        "Within {} working days we confirm",
        disputes::ACK_WORKING_DAYS
    )));
}

#[tokio::test]
async fn every_footer_links_the_trust_pages() {
    let app = seeded().await;
    let (cookie, _) = common::demo_session(&app, NUMBER).await;
    let public = ["/", "/check", "/accessibility", "/complaints"];
    let signed_in = ["/dossier", "/dossier/data", "/dossier/disputes"];
    for lang in ["nl", "en"] {
        for (path, cookie) in public
            .iter()
            .map(|p| (*p, None))
            .chain(signed_in.iter().map(|p| (*p, Some(cookie.as_str()))))
        {
            let page = page_in(&app, path, lang, cookie).await;
            let footer = &page[page.find("<footer").expect("footer")..];
            for href in ["/check", "/complaints", "/accessibility"] {
                assert!(
                    footer.contains(&format!("href=\"{href}\"")),
                    "{path} ({lang}): no {href} in the footer"
                );
            }
        }
    }
    let sign_in = page_in(&app, "/", "nl", None).await;
    assert!(
        main_of(&sign_in).contains("href=\"/check\""),
        "the sign-in page links the check"
    );
}
