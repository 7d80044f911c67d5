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

/// Every response carries the security headers; pages a script policy with the nonce of
/// their own inline scripts (and never `unsafe-inline`); personal data is never cached, not
/// in a page, a server-function answer or a HEAD.
#[tokio::test]
async fn security_headers_on_pages_server_functions_and_head_requests() {
    let app = common::start().await;
    let (cookie, _) = common::demo_session(&app, "ISB-2000-000001").await;
    let home = client()
        .get(format!("{}/", app.base))
        .send()
        .await
        .expect("home");
    let dossier = common::get_page(&app, "/dossier", Some(&cookie)).await;
    let head = client()
        .head(format!("{}/dossier", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("head");
    let server_fn = common::summary(&app, Some(&cookie)).await;
    common::staff_user(&app.store, "agnes", "correct horse battery").await;
    let staff = common::staff_session(&app, "agnes", "correct horse battery").await;
    let staff_page = common::get_page(&app, "/staff/corrections", Some(&staff)).await;
    for (name, resp) in [
        ("/", &home),
        ("/dossier", &dossier),
        ("HEAD /dossier", &head),
        ("claim_overview", &server_fn),
        ("/staff/corrections", &staff_page),
    ] {
        assert!(resp.status().is_success(), "{name}: {}", resp.status());
        let h = resp.headers();
        let get = |n: &str| {
            h.get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let csp = get("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{name}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{name}: {csp}");
        assert_eq!(get("cache-control"), "no-store", "{name}");
        assert_eq!(get("x-content-type-options"), "nosniff", "{name}");
        assert!(get("permissions-policy").contains("camera=()"), "{name}");
        assert_eq!(get("cross-origin-opener-policy"), "same-origin", "{name}");
        // The test server is plain http on localhost: no HSTS there.
        assert!(h.get("strict-transport-security").is_none(), "{name}");
    }
    let csp = home.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a script nonce")
        .to_owned();
    let html = home.text().await.expect("html");
    // Empty `<script></script>` markers (island boundaries) run nothing; every other
    // script must carry the nonce.
    let inline_scripts =
        html.matches("<script").count() - html.matches("<script></script>").count();
    assert!(inline_scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        inline_scripts,
        "every script carries the response's nonce"
    );
    // Another response, another nonce.
    let again = client()
        .get(format!("{}/", app.base))
        .send()
        .await
        .expect("home");
    assert_ne!(
        again.headers()["content-security-policy"]
            .to_str()
            .expect("csp"),
        csp
    );
    // The bundle may be cached.
    let css = html
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.starts_with("/pkg/") && href.ends_with(".css"));
    if let Some(css) = css {
        let asset = client()
            .get(format!("{}{css}", app.base))
            .send()
            .await
            .expect("css");
        assert_ne!(
            asset
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap_or_default()),
            Some("no-store")
        );
    }
}

#[tokio::test]
async fn hsts_is_sent_when_the_portal_is_served_over_https() {
    let app = common::start_with_flags(&["--public-url", "https://portaal.example.nl"]).await;
    let resp = client()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("healthz");
    assert_eq!(
        resp.headers()["strict-transport-security"],
        "max-age=63072000"
    );
}
