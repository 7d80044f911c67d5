//! The signed links on letters: valid ones open a pay-only session, others explain.

use crate::common;

use chrono::{Duration, Utc};
use common::{client, dossier_with_secret, links, session_cookie, start};

const NUMBER: &str = "ISB-2026-000777";

async fn open(app: &common::TestApp, path: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("open link")
}

#[tokio::test]
async fn a_valid_link_opens_a_pay_only_session() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, "ABCD-EFGH-JKMN").await;
    let link = links().sign(
        NUMBER.parse().expect("number"),
        Utc::now() + Duration::days(30),
    );
    let resp = open(&app, link.path()).await;
    assert!(resp.status().is_redirection());
    assert_eq!(resp.headers()["location"], "/dossier");
    let cookie = session_cookie(&resp).expect("session");
    let data: serde_json::Value = common::summary(&app, Some(&cookie))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(data["number"], NUMBER);
    assert_eq!(data["pay_only"], true);
    let events = common::audit_actions(&app, NUMBER).await;
    assert!(events.iter().any(|a| a == "qr_link.opened"));
}

#[tokio::test]
async fn an_altered_link_is_refused_with_a_friendly_page() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, "ABCD-EFGH-JKMN").await;
    let link = links().sign(
        NUMBER.parse().expect("number"),
        Utc::now() + Duration::days(30),
    );
    let altered = link.path().replace("000777", "000778");
    let resp = open(&app, &altered).await;
    assert!(session_cookie(&resp).is_none());
    let location = resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(location, "/link?reason=invalid");
    let page = common::follow(&app, &location).await;
    assert!(page.contains("Deze link werkt niet meer"), "{page}");
    assert!(page.contains("href=\"/\""), "leads to sign-in");
}

#[tokio::test]
async fn an_expired_link_leads_to_sign_in_with_the_number_filled_in() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, "ABCD-EFGH-JKMN").await;
    let link = links().sign(
        NUMBER.parse().expect("number"),
        Utc::now() - Duration::days(1),
    );
    let resp = open(&app, link.path()).await;
    assert!(session_cookie(&resp).is_none());
    let location = resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(location, format!("/link?reason=expired&dossier={NUMBER}"));
    let page = common::follow(&app, &location).await;
    assert!(page.contains("verlopen"));
    assert!(page.contains(&format!("/?dossier={NUMBER}")));
    let form = common::follow(&app, &format!("/?dossier={NUMBER}")).await;
    assert!(
        form.contains(&format!("value=\"{NUMBER}\"")),
        "prefilled: {form}"
    );
}

#[tokio::test]
async fn a_link_signed_with_an_unknown_key_is_refused() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, "ABCD-EFGH-JKMN").await;
    let other =
        auth::LinkKeyring::from_config("t9", "t9:CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=")
            .expect("keys");
    let link = other.sign(
        NUMBER.parse().expect("number"),
        Utc::now() + Duration::days(30),
    );
    let resp = open(&app, link.path()).await;
    assert!(session_cookie(&resp).is_none());
    assert_eq!(resp.headers()["location"], "/link?reason=invalid");
}
