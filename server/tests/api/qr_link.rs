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
        0,
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
        0,
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
        0,
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
        0,
        Utc::now() + Duration::days(30),
    );
    let resp = open(&app, link.path()).await;
    assert!(session_cookie(&resp).is_none());
    assert_eq!(resp.headers()["location"], "/link?reason=invalid");
}

/// A letter link is a GET any site can make a browser send: it must not swap a debtor's own
/// signed-in session for the sender's dossier without asking, nor downgrade it to pay-only.
#[tokio::test]
async fn a_link_never_silently_replaces_a_signed_in_session() {
    let app = start().await;
    const MINE: &str = "ISB-2026-000001";
    dossier_with_secret(&app.store, MINE, "ABCD-EFGH-JKMN").await;
    dossier_with_secret(&app.store, NUMBER, "ABCD-EFGH-JKMP").await;
    let mine = session_cookie(&common::sign_in_form(&app, MINE, "ABCD-EFGH-JKMN").await)
        .expect("signed in");
    let get_with = |path: String| {
        let base = app.base.clone();
        let cookie = mine.clone();
        async move {
            client()
                .get(format!("{base}{path}"))
                .header("cookie", cookie)
                .header("sec-fetch-site", "cross-site")
                .send()
                .await
                .expect("open link")
        }
    };
    let expiry = Utc::now() + Duration::days(30);
    // The attacker's link, for another dossier: asked first, the session untouched.
    let theirs = links().sign(NUMBER.parse().expect("number"), 0, expiry);
    let resp = get_with(theirs.path().to_owned()).await;
    assert!(session_cookie(&resp).is_none(), "no new session");
    let location = common::location(&resp);
    assert!(
        location.starts_with("/link?reason=other_session"),
        "{location}"
    );
    let data: serde_json::Value = common::summary(&app, Some(&mine))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (data["number"].as_str(), data["pay_only"].as_bool()),
        (Some(MINE), Some(false))
    );
    // The question, with a button that posts to the link.
    let page = common::follow(&app, &location).await;
    assert!(page.contains("U bent al ingelogd"), "{page}");
    assert!(
        page.contains(&format!("action=\"{}\"", theirs.path())),
        "the form posts the link: {page}"
    );
    // Another site cannot post it for the debtor ...
    let forged = client()
        .post(format!("{}{}", app.base, theirs.path()))
        .header("cookie", &mine)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 403);
    // ... the debtor can.
    let confirmed = client()
        .post(format!("{}{}", app.base, theirs.path()))
        .header("cookie", &mine)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("post");
    assert_eq!(common::location(&confirmed), "/dossier");
    let theirs_cookie = session_cookie(&confirmed).expect("pay-only session");
    let data: serde_json::Value = common::summary(&app, Some(&theirs_cookie))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (data["number"].as_str(), data["pay_only"].as_bool()),
        (Some(NUMBER), Some(true))
    );

    // The debtor's own letter link keeps the full session as it is.
    let own = links().sign(MINE.parse().expect("number"), 0, expiry);
    let resp = get_with(own.path().to_owned()).await;
    assert!(session_cookie(&resp).is_none());
    assert_eq!(common::location(&resp), "/dossier");
}

/// A lost letter: staff revoke the dossier's links, which ends the sessions they opened and
/// stops every link printed so far; a new letter run (with a new code) stops the links of
/// the letters before it.
#[tokio::test]
async fn revoked_and_replaced_letter_links_stop_working() {
    let app = start().await;
    let id = dossier_with_secret(&app.store, NUMBER, "ABCD-EFGH-JKMN").await;
    let expiry = Utc::now() + Duration::days(30);
    let lost = links().sign(NUMBER.parse().expect("number"), 0, expiry);
    let opened = session_cookie(&open(&app, lost.path()).await).expect("works at first");

    common::staff_user(&app.store, "agnes", "correct horse battery").await;
    let staff = common::staff_session(&app, "agnes", "correct horse battery").await;
    let resp = common::form_post(
        &app,
        "staff_revoke_links",
        Some(&staff),
        &format!("/staff/dossiers?number={NUMBER}"),
        &[("number", NUMBER)],
    )
    .await;
    assert_eq!(
        common::location(&resp),
        format!("/staff/dossiers?number={NUMBER}&revoked=1")
    );
    let resp = open(&app, lost.path()).await;
    assert!(session_cookie(&resp).is_none());
    assert_eq!(common::location(&resp), "/link?reason=invalid");
    assert_ne!(
        common::summary(&app, Some(&opened)).await.status(),
        200,
        "the session the lost letter opened has ended"
    );
    let events = common::audit_actions(&app, NUMBER).await;
    assert!(events.iter().any(|a| a == "qr_link.revoked"));

    // A new letter with a new code: its link works, the previous letter's does not.
    let out = tempfile::tempdir().expect("out");
    let run = server::letters::LetterRun {
        dossiers: Some(vec![NUMBER.into()]),
        out: out.path().to_owned(),
        rotate_secret: false,
        valid_days: 30,
        overwrite: false,
    };
    server::letters::run(&app.services, &app.base, &run)
        .await
        .expect("letters");
    let previous =
        std::fs::read_to_string(out.path().join(server::letters::CSV_NAME)).expect("csv");
    let previous_link = previous
        .split(',')
        .find(|f| f.contains("/p/"))
        .expect("a link")
        .to_owned();
    assert!(session_cookie(&client().get(&previous_link).send().await.expect("get")).is_some());
    let rotated = server::letters::LetterRun {
        rotate_secret: true,
        overwrite: true,
        ..run
    };
    server::letters::run(&app.services, &app.base, &rotated)
        .await
        .expect("letters");
    let resp = client().get(&previous_link).send().await.expect("get");
    assert!(
        session_cookie(&resp).is_none(),
        "the previous letter's link stopped"
    );
    let current = std::fs::read_to_string(out.path().join(server::letters::CSV_NAME)).expect("csv");
    let current_link = current
        .split(',')
        .find(|f| f.contains("/p/"))
        .expect("a link")
        .to_owned();
    assert!(session_cookie(&client().get(&current_link).send().await.expect("get")).is_some());
    let dossier = app.store.dossier(&id).await.expect("db").expect("dossier");
    assert_eq!(dossier.link_generation, 2);
}
