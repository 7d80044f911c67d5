//! Signing in over real HTTP: the no-JavaScript form post, sessions, throttling, sign-out.

use crate::common;

use common::{
    client, dossier_with_secret, session_cookie, sign_in_form, start, start_beside, summary,
};

const NUMBER: &str = "ISB-2026-000123";
const SECRET: &str = "ABCD-EFGH-JKMN";

#[tokio::test]
async fn the_right_code_opens_a_session_tolerant_of_case_spaces_and_dashes() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, SECRET).await;
    let resp = sign_in_form(&app, " isb 2026 000123 ", "abcd efgh-jkmn").await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert_eq!(resp.headers()["location"], "/dossier");
    let set_cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .find(|v| v.starts_with("dp_session="))
        .expect("session cookie");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let cookie = session_cookie(&resp).expect("cookie");

    let page = client()
        .get(format!("{}/dossier", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("dossier page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("body").contains(NUMBER));

    let data: serde_json::Value = summary(&app, Some(&cookie))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(data["number"], NUMBER);
    assert_eq!(data["pay_only"], false);
}

#[tokio::test]
async fn a_wrong_code_and_an_unknown_dossier_get_the_same_answer() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, SECRET).await;
    let wrong = sign_in_form(&app, NUMBER, "ABCD-EFGH-JKMP").await;
    let unknown = sign_in_form(&app, "ISB-2026-999999", SECRET).await;
    assert!(session_cookie(&wrong).is_none() && session_cookie(&unknown).is_none());
    // Without JavaScript the error travels back in the redirect to the form.
    let loc_wrong = wrong.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let loc_unknown = unknown.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(loc_wrong.contains("__err="), "{loc_wrong}");
    assert_eq!(
        common::error_in(&loc_wrong),
        serde_json::json!({ "Invalid": { "dossier": NUMBER } })
    );
    assert_eq!(
        common::error_in(&loc_unknown),
        serde_json::json!({ "Invalid": { "dossier": "ISB-2026-999999" } }),
        "the same error as a wrong code"
    );
    // The form shows the message and keeps the typed number.
    let page = common::follow(&app, &loc_wrong).await;
    assert!(
        page.contains("horen niet bij elkaar"),
        "error shown: {page}"
    );
    assert!(page.contains(NUMBER), "number kept");
}

#[tokio::test]
async fn malformed_input_is_refused_next_to_the_field_without_checking_anything() {
    let app = start().await;
    let resp = sign_in_form(&app, "hello", SECRET).await;
    let loc = resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let page = common::follow(&app, &loc).await;
    assert!(page.contains("id=\"dossier-error\""), "field error: {page}");
    assert!(page.contains("aria-invalid=\"true\""));
}

#[tokio::test]
async fn repeated_failures_throttle_the_dossier_across_server_processes() {
    let a = start().await;
    let b = start_beside(&a).await;
    dossier_with_secret(&a.store, NUMBER, SECRET).await;
    for _ in 0..4 {
        let resp = sign_in_form(&a, NUMBER, "ZZZZ-ZZZZ-ZZZZ").await;
        assert!(session_cookie(&resp).is_none());
    }
    // Even the right code is refused on the other process until the wait is over.
    let resp = sign_in_form(&b, NUMBER, SECRET).await;
    assert!(session_cookie(&resp).is_none(), "throttled");
    let loc = resp.headers()["location"].to_str().expect("location");
    let error = common::error_in(loc);
    let wait = error["Throttled"]["retry_after_secs"]
        .as_i64()
        .expect("wait");
    assert!(
        (1..=30).contains(&wait),
        "30 s after the 4th failure: {error}"
    );
    let events = common::audit_actions(&a, NUMBER).await;
    let failed = events.iter().filter(|a| *a == "sign_in.failed").count();
    let throttled = events.iter().filter(|a| *a == "sign_in.throttled").count();
    assert_eq!(
        (failed, throttled),
        (4, 1),
        "throttled attempts of a known dossier are audited too"
    );
}

/// The same on PostgreSQL, the production set-up: two processes behind a load balancer share
/// the throttle through the database, up to the one-hour lock.
#[tokio::test]
async fn throttle_and_lock_hold_across_two_processes_on_postgres() {
    let Some(db) = store::testing::PgDatabase::create().await else {
        return;
    };
    let a = common::start_with_database(&db.url).await;
    let b = common::start_with_database(&db.url).await;
    dossier_with_secret(&a.store, NUMBER, SECRET).await;
    // Alternate between the processes: neither alone has seen enough failures to throttle.
    for app in [&a, &b, &a, &b] {
        let resp = sign_in_form(app, NUMBER, "ZZZZ-ZZZZ-ZZZZ").await;
        assert!(session_cookie(&resp).is_none());
    }
    let resp = sign_in_form(&a, NUMBER, SECRET).await;
    assert!(
        session_cookie(&resp).is_none(),
        "throttled after 4 failures"
    );
    let wait = retry_after(&resp);
    assert!((1..=30).contains(&wait), "about 30 s, was {wait}");

    // Six more failures (as if made while waiting out each delay) reach the lock of 10.
    let key = store::AttemptKey::new(store::AttemptKeyKind::Dossier, NUMBER);
    for _ in 0..6 {
        a.store
            .record_login_attempt(&key, false, chrono::Utc::now())
            .await
            .expect("attempt");
    }
    let resp = sign_in_form(&b, NUMBER, SECRET).await;
    assert!(session_cookie(&resp).is_none(), "locked");
    let wait = retry_after(&resp);
    assert!(
        (3500..=3600).contains(&wait),
        "locked for an hour, was {wait}"
    );
    db.drop().await;
}

/// 200 wrong codes sent at once, half to each of two processes: each attempt is recorded
/// before it is verified, atomically with the check, so no more are judged than one at a time
/// would have been (3 free failures and the 4th that starts the wait).
async fn parallel_guesses_are_judged_one_after_another(a: &common::TestApp, b: &common::TestApp) {
    dossier_with_secret(&a.store, NUMBER, SECRET).await;
    let guesses = (0..200).map(|i| {
        let app = if i % 2 == 0 { a } else { b };
        async move { sign_in_form(app, NUMBER, "ZZZZ-ZZZZ-ZZZZ").await }
    });
    let answers = futures::future::join_all(guesses).await;
    let mut judged = 0;
    let mut throttled = 0;
    for resp in &answers {
        assert!(session_cookie(resp).is_none());
        let loc = resp.headers()["location"].to_str().expect("location");
        let error = common::error_in(loc);
        if error.get("Invalid").is_some() {
            judged += 1;
        } else if error.get("Throttled").is_some() {
            throttled += 1;
        } else {
            panic!("unexpected answer {error}");
        }
    }
    assert_eq!((judged, throttled), (4, 196), "judged at most 4 of 200");
}

#[tokio::test]
async fn parallel_guesses_on_two_processes_are_judged_one_after_another() {
    let a = start().await;
    let b = start_beside(&a).await;
    parallel_guesses_are_judged_one_after_another(&a, &b).await;
}

#[tokio::test]
async fn parallel_guesses_are_judged_one_after_another_on_postgres() {
    let Some(db) = store::testing::PgDatabase::create().await else {
        return;
    };
    let a = common::start_with_database(&db.url).await;
    let b = common::start_with_database(&db.url).await;
    parallel_guesses_are_judged_one_after_another(&a, &b).await;
    db.drop().await;
}

/// A patient guesser who never trips the hourly delays is still stopped at 100 failures in
/// any 24 hours, and the debtor's own right code does not reopen the count.
#[tokio::test]
async fn a_hundred_failures_in_a_day_close_the_dossier_whatever_the_pace() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, SECRET).await;
    let key = store::AttemptKey::new(store::AttemptKeyKind::Dossier, NUMBER);
    let now = chrono::Utc::now();
    // 97 failures spread over the day before the last hour, and 2 in the last hour: too few
    // for any hourly delay.
    let mut failures: Vec<_> = (0..97)
        .map(|i| now - chrono::Duration::minutes(61 + i * 14))
        .collect();
    failures.push(now - chrono::Duration::minutes(50));
    failures.push(now - chrono::Duration::minutes(40));
    for at in &failures {
        app.store
            .record_login_attempt(&key, false, *at)
            .await
            .expect("attempt");
    }
    let hundredth = sign_in_form(&app, NUMBER, "ZZZZ-ZZZZ-ZZZZ").await;
    let loc = hundredth.headers()["location"].to_str().expect("location");
    assert!(
        common::error_in(loc).get("Invalid").is_some(),
        "the 100th guess is still judged"
    );
    let right = sign_in_form(&app, NUMBER, SECRET).await;
    assert!(session_cookie(&right).is_none(), "closed for the day");
    let oldest = failures.iter().min().copied().expect("failures");
    let expected = (oldest + chrono::Duration::hours(24) - now).num_seconds();
    let wait = retry_after(&right);
    assert!(
        (expected - 60..=expected + 5).contains(&wait),
        "until the oldest failure is a day old ({expected} s), was {wait}"
    );
    // The page says how to get in anyway: the QR code on the letter needs no code.
    let page = common::follow(
        &app,
        right.headers()["location"].to_str().expect("location"),
    )
    .await;
    assert!(page.contains("QR-code op de brief"), "{page}");
}

/// Behind the agency's proxy the client address is the entry the proxy appended, at the right
/// of X-Forwarded-For: an attacker who writes a fresh address at the left with every guess
/// is still counted as one address.
#[tokio::test]
async fn a_forged_x_forwarded_for_does_not_escape_the_per_address_limit() {
    let app = common::start_with_flags(&["--trust-proxy"]).await;
    let guess = |i: u32| {
        let base = app.base.clone();
        async move {
            client()
                .post(format!("{base}/api/sign_in"))
                .header("accept", "text/html")
                .header("referer", format!("{base}/"))
                .header(
                    "x-forwarded-for",
                    format!("10.9.{}.{}, 203.0.113.9", i / 256, i % 256),
                )
                .form(&[
                    ("dossier", format!("ISB-2026-{:06}", 500 + i)),
                    ("secret", "ZZZZ-ZZZZ-ZZZZ".to_owned()),
                ])
                .send()
                .await
                .expect("sign in")
        }
    };
    // Each guess on a dossier of its own: only the address key can stop them. The address
    // policy allows 10 failures without a wait.
    for i in 0..11 {
        let resp = guess(i).await;
        let error = common::error_in(resp.headers()["location"].to_str().expect("location"));
        assert!(error.get("Invalid").is_some(), "guess {i}: {error}");
    }
    let resp = guess(11).await;
    assert!(
        retry_after(&resp) > 0,
        "the 12th guess from 203.0.113.9 waits"
    );
}

fn retry_after(resp: &reqwest::Response) -> i64 {
    let loc = resp.headers()["location"].to_str().expect("location");
    let error = common::error_in(loc);
    error["Throttled"]["retry_after_secs"]
        .as_i64()
        .unwrap_or_else(|| panic!("not throttled: {error}"))
}

#[tokio::test]
async fn sign_out_really_ends_the_session() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, SECRET).await;
    let cookie = session_cookie(&sign_in_form(&app, NUMBER, SECRET).await).expect("cookie");
    assert_eq!(summary(&app, Some(&cookie)).await.status(), 200);
    let out = client()
        .post(format!("{}/api/sign_out", app.base))
        .header("cookie", &cookie)
        .header("accept", "text/html")
        .header("referer", format!("{}/dossier", app.base))
        .send()
        .await
        .expect("sign out");
    assert!(out.status().is_redirection());
    let cleared = out
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|v| v.to_str().unwrap_or_default().contains("Max-Age=0"));
    assert!(cleared, "cookie removed");
    // The old cookie is worthless now, even if a browser kept it.
    assert_ne!(summary(&app, Some(&cookie)).await.status(), 200);
    let page = client()
        .get(format!("{}/dossier", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("page");
    let status = page.status();
    assert!(
        status.is_redirection(),
        "sent back to sign-in: {status} {}",
        page.text().await.unwrap_or_default()
    );
}

#[tokio::test]
async fn each_sign_in_gets_a_new_session_id_and_sessions_see_only_their_dossier() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, SECRET).await;
    dossier_with_secret(&app.store, "ISB-2026-000124", "QRST-UVWX-YZ23").await;
    let first = session_cookie(&sign_in_form(&app, NUMBER, SECRET).await).expect("cookie");
    let second = session_cookie(&sign_in_form(&app, NUMBER, SECRET).await).expect("cookie");
    assert_ne!(first, second);
    // Asking for another dossier's data by adding its number or id to the request changes
    // nothing: the dossier comes from the session only.
    let resp = client()
        .post(format!("{}/api/claim_overview", app.base))
        .header("cookie", &first)
        .form(&[
            ("number", "ISB-2026-000124"),
            ("dossier_id", "ISB-2026-000124"),
        ])
        .send()
        .await
        .expect("summary");
    let data: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(data["number"], NUMBER);
}

#[tokio::test]
async fn no_session_means_no_data() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, SECRET).await;
    assert_ne!(summary(&app, None).await.status(), 200);
    assert_ne!(
        summary(
            &app,
            Some("dp_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        )
        .await
        .status(),
        200
    );
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, SECRET).await;
    let resp = client()
        .post(format!("{}/api/sign_in", app.base))
        .header("origin", "https://evil.example")
        .form(&[("dossier", NUMBER), ("secret", SECRET)])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 403);
}

/// The hydrated sign-in form calls the server function without asking for HTML: a refused
/// code is a 4xx with the error as JSON (not a 500 logged as a server failure), a throttled
/// dossier a 429.
#[tokio::test]
async fn the_hydrated_form_gets_client_error_statuses_not_500() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, SECRET).await;
    let call = |secret: &'static str| {
        client()
            .post(format!("{}/api/sign_in", app.base))
            .header("accept", "application/json")
            .form(&[("dossier", NUMBER), ("secret", secret)])
            .send()
    };
    let wrong = call("ABCD-EFGH-JKMP").await.expect("post");
    assert_eq!(wrong.status(), 422);
    let body: serde_json::Value = wrong.json().await.expect("json error");
    assert_eq!(body["Invalid"]["dossier"], NUMBER, "{body}");

    let mut last = None;
    for _ in 0..10 {
        let resp = call("ABCD-EFGH-JKMP").await.expect("post");
        if resp.status() != 422 {
            last = Some(resp);
            break;
        }
    }
    let throttled = last.expect("throttled within 10 attempts");
    assert_eq!(throttled.status(), 429);
    let body: serde_json::Value = throttled.json().await.expect("json error");
    assert!(body.get("Throttled").is_some(), "{body}");
}
