//! Starts the real server on a free port and talks HTTP to it.

use crate::common;

use common::client;

/// The portal's base URL (a fresh server and database per test).
async fn start() -> String {
    common::start().await.base
}

#[tokio::test]
async fn healthz_reports_the_version() {
    let base = start().await;
    let resp = client()
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], server::VERSION);
}

#[tokio::test]
async fn start_page_renders_in_dutch_by_default_and_loads_the_bundle() {
    let base = start().await;
    let resp = client()
        .get(format!("{base}/"))
        .send()
        .await
        .expect("get /");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert_eq!(resp.headers()["x-frame-options"], "DENY");
    assert_eq!(resp.headers()["referrer-policy"], "same-origin");
    let html = resp.text().await.expect("body");
    assert!(html.contains(r#"lang="nl""#), "html lang is nl: {html}");
    assert!(html.contains("Inloggen op uw dossier"), "Dutch heading");
    assert!(
        html.contains(r#"<label for="dossier""#),
        "labelled dossier field"
    );
    assert!(html.contains(r#"name="secret""#), "secret field");
    assert!(
        html.contains("/pkg/debiteurportaal.js"),
        "hydration script is referenced"
    );
}

#[tokio::test]
async fn english_is_chosen_by_cookie_or_accept_language() {
    let base = start().await;
    let by_cookie = client()
        .get(format!("{base}/"))
        .header("cookie", "i18n_pref_locale=en")
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(by_cookie.contains("Sign in to your dossier"));
    assert!(by_cookie.contains(r#"lang="en""#));
    let by_header = client()
        .get(format!("{base}/"))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(by_header.contains("Sign in to your dossier"));
}

#[tokio::test]
async fn language_switch_without_javascript_sets_the_cookie_and_returns() {
    let base = start().await;
    let resp = client()
        .get(format!("{base}/lang/en?back=/somewhere"))
        .send()
        .await
        .expect("switch");
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/somewhere");
    let cookie = resp.headers()["set-cookie"].to_str().expect("cookie");
    assert!(cookie.starts_with("i18n_pref_locale=en;"), "{cookie}");
    let evil = client()
        .get(format!("{base}/lang/nl?back=//evil.example"))
        .send()
        .await
        .expect("switch");
    assert_eq!(evil.headers()["location"], "/");
    let unknown = client()
        .get(format!("{base}/lang/fr"))
        .send()
        .await
        .expect("switch");
    assert_eq!(unknown.status(), 404);
}

/// The language switch must not become a phishing link on the agency's own domain: every
/// known way to smuggle another host past a "starts with /" check lands on the home page.
#[tokio::test]
async fn the_language_switch_never_redirects_off_site() {
    let base = start().await;
    for trick in [
        "//evil.example",
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "/%5Cevil.example",
        "%5C%5Cevil.example",
        "/%5C/evil.example",
        "/.//evil.example",
        "///evil.example",
        "/%2F/evil.example",
        "https://evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "%20//evil.example",
    ] {
        let resp = client()
            .get(format!("{base}/lang/nl?back={trick}"))
            .send()
            .await
            .expect("switch");
        let location = resp.headers()["location"].to_str().expect("location");
        // What a browser would make of it, from a page on this site.
        let here = reqwest::Url::parse(&base).expect("base");
        let target = here
            .join(location)
            .expect("a location a browser can follow");
        assert_eq!(
            target.host_str(),
            here.host_str(),
            "{trick} sent the browser to {location}"
        );
    }
}

#[tokio::test]
async fn unknown_pages_are_404_with_a_way_back() {
    let base = start().await;
    let resp = client()
        .get(format!("{base}/does-not-exist"))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 404);
    let html = resp.text().await.expect("body");
    assert!(html.contains("Deze pagina bestaat niet"));
}
