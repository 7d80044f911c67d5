//! The staff back office over real HTTP: staff accounts from the CLI, staff sign-in and
//! throttling, the wall between debtor and staff sessions, the correction queue, the
//! dossier look-up, and the audit trail of every staff action.

use crate::common;

use common::{
    TestApp, client, dossier_with_debtor, dossier_with_secret, email_correction, error_in, follow,
    form_post, get_page, location, server_fn, session_cookie, sign_in_form, staff_audit,
    staff_cookie, staff_session, staff_sign_in_form, staff_user, start, summary,
};
use serde_json::json;

const ALICE: &str = "alice";
const PASSWORD: &str = "correct horse battery";

// ---------------------------------------------------------------------------------------------
// Accounts (CLI)

fn staff_add(db_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    staff_cli(db_url, "add", args, stdin)
}

/// Runs `debiteurportaal staff {command} {args}` with `stdin`.
fn staff_cli(db_url: &str, command: &str, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_debiteurportaal"))
        .args(["staff", command])
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run debiteurportaal");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn a_municipal_counsellor_is_added_on_the_command_line_and_is_no_staff() {
    let app = start().await;
    let args = |email: &'static str| {
        [
            "Gem",
            "--name",
            "Gerda Gemeente",
            "--organisation",
            "Schuldhulp Utrecht",
            "--email",
            email,
            "--municipality",
            "Utrecht",
        ]
    };
    let bad = staff_cli(
        &app.db_url,
        "add-counsellor",
        &args("geen-adres"),
        &format!("{PASSWORD}\n"),
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("e-mail"),
        "{}",
        text(&bad.stderr)
    );
    let ok = staff_cli(
        &app.db_url,
        "add-counsellor",
        &args("gerda@utrecht.example"),
        &format!("{PASSWORD}\n"),
    );
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let counsellor = app
        .store
        .counsellor("gem")
        .await
        .expect("db")
        .expect("counsellor");
    assert_eq!(counsellor.municipality.as_deref(), Some("Utrecht"));
    let account = app
        .store
        .staff_user("gem")
        .await
        .expect("db")
        .expect("account");
    assert_eq!(account.kind, store::AccountKind::Counsellor);
    assert!(account.password_hash.starts_with("$argon2id$"));
    // The password leads to the counsellors' second step, never the staff's.
    let resp = staff_sign_in_form(&app, "gem", PASSWORD).await;
    assert_eq!(common::location(&resp), "/counsellor/two-factor");
}

#[tokio::test]
async fn staff_add_stores_only_a_hash_and_refuses_short_passwords_and_taken_names() {
    let app = start().await;

    let short = staff_add(&app.db_url, &["alice"], "elevenchars\n");
    assert!(!short.status.success());
    assert!(
        text(&short.stderr).contains("at least 12"),
        "{}",
        text(&short.stderr)
    );
    assert!(app.store.staff_user(ALICE).await.expect("db").is_none());

    let ok = staff_add(
        &app.db_url,
        &["Alice", "--role", "admin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let stored = app
        .store
        .staff_user(ALICE)
        .await
        .expect("db")
        .expect("user");
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert!(!stored.password_hash.contains(PASSWORD));
    assert_eq!(stored.role, store::StaffRole::Admin);
    // The typed password works at the sign-in.
    assert!(common::challenge_cookie(&staff_sign_in_form(&app, ALICE, PASSWORD).await).is_some());

    let taken = staff_add(&app.db_url, &["alice"], "another long password\n");
    assert!(!taken.status.success());
    assert!(
        text(&taken.stderr).contains("already taken"),
        "{}",
        text(&taken.stderr)
    );

    let generated = staff_add(&app.db_url, &["bob", "--generate"], "");
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let out = text(&generated.stdout);
    let password = out
        .lines()
        .find_map(|l| l.split_once("store it safely): ").map(|(_, p)| p.trim()))
        .unwrap_or_else(|| panic!("password printed: {out}"));
    assert!(password.len() >= 40, "strong: {password}");
    assert!(common::challenge_cookie(&staff_sign_in_form(&app, "bob", password).await).is_some());
}

#[tokio::test]
async fn the_demo_staff_are_made_once_and_removed_at_a_start_without_demo() {
    let app = start().await;
    let hasher = &app.services.hasher;
    server::staff::seed_demo_staff(&app.store, hasher)
        .await
        .expect("seed");
    server::staff::seed_demo_staff(&app.store, hasher)
        .await
        .expect("seed again");
    let mut cookies = Vec::new();
    for (username, password, role, totp) in server::staff::DEMO_ACCOUNTS {
        let stored = app
            .store
            .staff_user(username)
            .await
            .expect("db")
            .expect("user");
        assert_eq!(stored.role, role);
        let resp = staff_sign_in_form(&app, username, password).await;
        let challenge = common::challenge_cookie(&resp).expect("password");
        let code = auth::totp::TotpSecret::from_base32(totp)
            .expect("key")
            .code_at(chrono::Utc::now());
        let resp = common::two_factor_form(&app, &challenge, &code).await;
        cookies.push(staff_cookie(&resp).expect("signed in"));
    }
    // The demo counsellor signs in the same way, into a counsellor's session.
    let (username, password, totp) = server::staff::DEMO_COUNSELLOR;
    let counsellor = app.store.counsellor(username).await.expect("db");
    assert!(counsellor.is_some_and(|c| c.municipality.is_some()));
    let resp = staff_sign_in_form(&app, username, password).await;
    assert_eq!(common::location(&resp), "/counsellor/two-factor");
    let challenge = common::challenge_cookie(&resp).expect("password");
    let code = auth::totp::TotpSecret::from_base32(totp)
        .expect("key")
        .code_at(chrono::Utc::now());
    let resp = common::two_factor_form(&app, &challenge, &code).await;
    assert!(common::set_cookie(&resp, "dp_session").is_some());
    // A start without --demo: the accounts and their sessions are gone.
    assert_eq!(
        server::staff::remove_demo_staff(&app.store)
            .await
            .expect("remove"),
        3
    );
    assert!(app.store.counsellor(username).await.expect("db").is_none());
    for cookie in &cookies {
        let page = get_page(&app, "/staff/corrections", Some(cookie)).await;
        assert_eq!(
            location(&page),
            "/staff",
            "the session ended with the account"
        );
    }
    let resp = staff_sign_in_form(
        &app,
        server::staff::DEMO_USERNAME,
        server::staff::DEMO_PASSWORD,
    )
    .await;
    assert!(common::challenge_cookie(&resp).is_none());
}

/// `--demo` prints public passwords: the binary refuses it for a public URL.
#[tokio::test]
async fn demo_mode_is_refused_for_a_public_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_debiteurportaal"))
        .args([
            "--demo",
            "--addr",
            "127.0.0.1:0",
            "--public-url",
            "https://portaal.example.nl",
        ])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/portal.db", dir.path().display()),
        )
        .env("RUST_LOG", "warn")
        .output()
        .expect("run debiteurportaal");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("--demo is only for local use"), "{err}");
    assert!(
        !dir.path().join("portal.db").exists(),
        "refused before touching the database"
    );
}

// ---------------------------------------------------------------------------------------------
// Sign-in

#[tokio::test]
async fn staff_sign_in_opens_a_strict_staff_session_and_sign_out_ends_it() {
    let app = start().await;
    staff_user(&app.store, ALICE, PASSWORD).await;
    // Case and spaces around the username do not matter. A right password alone opens no
    // session: it leads to the second factor.
    let resp = staff_sign_in_form(&app, " Alice ", PASSWORD).await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert_eq!(location(&resp), "/staff/two-factor");
    assert!(
        staff_cookie(&resp).is_none(),
        "no session before the second factor"
    );
    let challenge = common::challenge_cookie(&resp).expect("challenge");
    let code = auth::totp::TotpSecret::from_base32(common::TEST_TOTP)
        .expect("key")
        .code_at(chrono::Utc::now());
    let resp = common::two_factor_form(&app, &challenge, &code).await;
    assert_eq!(location(&resp), "/staff/corrections");
    let set_cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .find(|v| v.starts_with("dp_staff="))
        .expect("staff cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attr), "{attr}: {set_cookie}");
    }
    assert!(session_cookie(&resp).is_none(), "no debtor cookie");
    let cookie = staff_cookie(&resp).expect("cookie");

    let page = get_page(&app, "/staff/corrections", Some(&cookie)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("body");
    assert!(
        html.contains("data-testid=\"staff-username\">alice<"),
        "{html}"
    );
    // Signed in, the sign-in page sends you on.
    let again = get_page(&app, "/staff", Some(&cookie)).await;
    assert_eq!(location(&again), "/staff/corrections");

    let out = form_post(
        &app,
        "staff_sign_out",
        Some(&cookie),
        "/staff/corrections",
        &[],
    )
    .await;
    assert_eq!(location(&out), "/staff");
    let cleared = out
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|v| v.to_str().unwrap_or_default().starts_with("dp_staff=;"));
    assert!(cleared, "cookie removed");
    let after = get_page(&app, "/staff/corrections", Some(&cookie)).await;
    assert_eq!(location(&after), "/staff", "the old cookie is worthless");
    assert_ne!(
        server_fn(&app, "staff_corrections", Some(&cookie), &[])
            .await
            .status(),
        200
    );

    let actions: Vec<_> = staff_audit(&app)
        .await
        .into_iter()
        .map(|e| (e.action, e.actor_id, e.client_ip))
        .collect();
    let who = Some(ALICE.to_owned());
    let ip = Some("127.0.0.1".to_owned());
    assert!(actions.contains(&("staff.sign_in.succeeded".into(), who.clone(), ip.clone())));
    assert!(actions.contains(&("staff.sign_out".into(), who, ip)));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = start().await;
    staff_user(&app.store, ALICE, PASSWORD).await;
    let wrong = staff_sign_in_form(&app, ALICE, "not the password").await;
    let unknown = staff_sign_in_form(&app, "mallory", PASSWORD).await;
    assert!(staff_cookie(&wrong).is_none() && staff_cookie(&unknown).is_none());
    assert_eq!(
        error_in(&location(&wrong)),
        json!({ "Invalid": { "username": ALICE } })
    );
    assert_eq!(
        error_in(&location(&unknown)),
        json!({ "Invalid": { "username": "mallory" } }),
        "the same error as a wrong password"
    );
    let page = follow(&app, &location(&wrong)).await;
    assert!(page.contains("id=\"staff-signin-error\""), "{page}");
    assert!(page.contains("value=\"alice\""), "username kept: {page}");

    let missing = staff_sign_in_form(&app, ALICE, "").await;
    let page = follow(&app, &location(&missing)).await;
    assert!(
        page.contains("id=\"password-error\""),
        "field error: {page}"
    );

    let failed: Vec<_> = staff_audit(&app)
        .await
        .into_iter()
        .filter(|e| e.action == "staff.sign_in.failed")
        .map(|e| e.actor_id.unwrap_or_default())
        .collect();
    assert_eq!(failed, vec!["alice", "mallory"], "every attempt audited");
}

#[tokio::test]
async fn repeated_failures_throttle_the_username_and_then_the_address() {
    let app = start().await;
    staff_user(&app.store, ALICE, PASSWORD).await;
    for _ in 0..4 {
        let resp = staff_sign_in_form(&app, ALICE, "guess guess guess").await;
        assert!(staff_cookie(&resp).is_none());
    }
    // Even the right password waits now.
    let resp = staff_sign_in_form(&app, ALICE, PASSWORD).await;
    assert!(staff_cookie(&resp).is_none(), "throttled");
    let error = error_in(&location(&resp));
    let wait = error["Throttled"]["retry_after_secs"]
        .as_i64()
        .unwrap_or_else(|| panic!("throttled: {error}"));
    assert!((1..=30).contains(&wait), "{error}");
    let page = follow(&app, &location(&resp)).await;
    assert!(page.contains("Te veel pogingen"), "{page}");

    // One address trying many usernames is slowed too (10 free failures per address).
    for i in 0..7 {
        staff_sign_in_form(&app, &format!("user{i}"), "guess guess guess").await;
    }
    let resp = staff_sign_in_form(&app, "someone-new", "guess guess guess").await;
    assert!(
        error_in(&location(&resp))["Throttled"].is_object(),
        "throttled by address"
    );
    let throttled = staff_audit(&app)
        .await
        .into_iter()
        .filter(|e| e.action == "staff.sign_in.throttled")
        .count();
    assert_eq!(throttled, 2, "throttled attempts are audited");
}

// ---------------------------------------------------------------------------------------------
// The wall between debtors and staff

const NUMBER: &str = "ISB-2026-000123";
const SECRET: &str = "ABCD-EFGH-JKMN";

#[tokio::test]
async fn a_debtor_session_never_reaches_staff_pages_or_functions() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, SECRET).await;
    let debtor = session_cookie(&sign_in_form(&app, NUMBER, SECRET).await).expect("debtor");
    assert_eq!(summary(&app, Some(&debtor)).await.status(), 200);
    let token = debtor.trim_start_matches("dp_session=");
    let in_staff_cookie = format!("dp_staff={token}");

    for cookie in [debtor.as_str(), in_staff_cookie.as_str()] {
        for page in [
            "/staff/corrections",
            "/staff/dossiers?number=ISB-2026-000123",
        ] {
            let resp = get_page(&app, page, Some(cookie)).await;
            assert_eq!(location(&resp), "/staff", "{page} with {cookie}");
        }
        for (endpoint, form) in [
            ("staff_corrections", vec![]),
            ("staff_dossier", vec![("number", NUMBER)]),
            ("staff_decide", vec![("id", "1"), ("decision", "accept")]),
            ("staff_me", vec![]),
        ] {
            let resp = server_fn(&app, endpoint, Some(cookie), &form).await;
            assert_ne!(resp.status(), 200, "{endpoint} with {cookie}");
            let body = resp.text().await.unwrap_or_default();
            assert!(body.contains("NotSignedIn"), "{endpoint}: {body}");
        }
    }
    // Nothing was viewed as staff.
    assert!(
        staff_audit(&app)
            .await
            .iter()
            .all(|e| e.action != "personal_data.viewed")
    );
}

#[tokio::test]
async fn a_staff_session_never_acts_as_a_debtor() {
    let app = start().await;
    dossier_with_secret(&app.store, NUMBER, SECRET).await;
    staff_user(&app.store, ALICE, PASSWORD).await;
    let staff = staff_session(&app, ALICE, PASSWORD).await;
    let token = staff.trim_start_matches("dp_staff=");
    let in_debtor_cookie = format!("dp_session={token}");

    for cookie in [staff.as_str(), in_debtor_cookie.as_str()] {
        assert_ne!(summary(&app, Some(cookie)).await.status(), 200, "{cookie}");
        let page = get_page(&app, "/dossier", Some(cookie)).await;
        assert_eq!(location(&page), "/", "{cookie}");
    }
    // The staff session itself still works.
    assert_eq!(
        server_fn(&app, "staff_corrections", Some(&staff), &[])
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn staff_pages_without_a_session_lead_to_the_staff_sign_in() {
    let app = start().await;
    for page in ["/staff/corrections", "/staff/dossiers"] {
        assert_eq!(location(&get_page(&app, page, None).await), "/staff");
    }
    let sign_in = get_page(&app, "/staff", None).await;
    assert_eq!(sign_in.status(), 200);
    let html = sign_in.text().await.expect("body");
    assert!(html.contains("<label for=\"username\""), "{html}");
    assert!(html.contains("<label for=\"password\""), "{html}");
    // Cross-site posts to staff functions are refused like the debtor's.
    let resp = client()
        .post(format!("{}/api/staff_sign_in", app.base))
        .header("origin", "https://evil.example")
        .form(&[("username", ALICE), ("password", PASSWORD)])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 403);
}

// ---------------------------------------------------------------------------------------------
// Correction queue

async fn queue_ids(app: &TestApp, cookie: &str) -> Vec<(i64, bool)> {
    let resp = server_fn(app, "staff_corrections", Some(cookie), &[]).await;
    assert_eq!(resp.status(), 200);
    let items: serde_json::Value = resp.json().await.expect("json");
    items
        .as_array()
        .expect("list")
        .iter()
        .map(|i| (i["id"].as_i64().expect("id"), i["overdue"] == true))
        .collect()
}

#[tokio::test]
async fn the_queue_puts_overdue_requests_first_then_the_oldest() {
    let app = start().await;
    staff_user(&app.store, ALICE, PASSWORD).await;
    let a = dossier_with_debtor(&app.store, "ISB-2026-000201").await;
    let b = dossier_with_debtor(&app.store, "ISB-2026-000202").await;
    let recent = email_correction(&app.store, &a, 2, "a@example.nl").await;
    let overdue_long = email_correction(&app.store, &b, 45, "b@example.nl").await;
    // One open request per field and dossier: the others on dossiers of their own.
    let c = dossier_with_debtor(&app.store, "ISB-2026-000203").await;
    let d = dossier_with_debtor(&app.store, "ISB-2026-000204").await;
    let older = email_correction(&app.store, &c, 20, "c@example.nl").await;
    let overdue_just = email_correction(&app.store, &d, 33, "d@example.nl").await;
    let cookie = staff_session(&app, ALICE, PASSWORD).await;

    assert_eq!(
        queue_ids(&app, &cookie).await,
        vec![
            (overdue_long.get(), true),
            (overdue_just.get(), true),
            (older.get(), false),
            (recent.get(), false)
        ]
    );

    let page = get_page(&app, "/staff/corrections", Some(&cookie)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("body");
    let at = |id: domain::CorrectionId| {
        html.find(&format!("data-id=\"{id}\""))
            .unwrap_or_else(|| panic!("item {id} shown: {html}"))
    };
    assert!(at(overdue_long) < at(overdue_just) && at(overdue_just) < at(older));
    assert!(html.contains("Over de termijn"), "overdue marked");
    for shown in [
        "ISB-2026-000202",
        "old@example.nl",
        "b@example.nl",
        "Old address no longer in use",
    ] {
        assert!(html.contains(shown), "{shown} shown");
    }
    assert!(html.contains(&format!("<label for=\"note-{recent}\"")));

    // Showing the queue is a view of both dossiers' personal data, by alice.
    let viewed: Vec<_> = staff_audit(&app)
        .await
        .into_iter()
        .filter(|e| e.action == "personal_data.viewed")
        .collect();
    for id in [&a, &b] {
        assert!(
            viewed.iter().any(|e| e.dossier_id.as_ref() == Some(id)
                && e.actor_id.as_deref() == Some(ALICE)
                && e.detail["via"] == "correction_queue"),
            "{viewed:?}"
        );
    }
}

async fn decide(
    app: &TestApp,
    cookie: &str,
    id: domain::CorrectionId,
    decision: &str,
    note: &str,
) -> reqwest::Response {
    let id = id.to_string();
    form_post(
        app,
        "staff_decide",
        Some(cookie),
        "/staff/corrections",
        &[("id", &id), ("decision", decision), ("note", note)],
    )
    .await
}

#[tokio::test]
async fn accepting_a_correction_changes_the_field_and_audits_old_and_new_value() {
    let app = start().await;
    staff_user(&app.store, ALICE, PASSWORD).await;
    let dossier = dossier_with_debtor(&app.store, "ISB-2026-000301").await;
    let id = email_correction(&app.store, &dossier, 3, "new@example.nl").await;
    let cookie = staff_session(&app, ALICE, PASSWORD).await;

    let resp = decide(&app, &cookie, id, "accept", "").await;
    let to = location(&resp);
    assert_eq!(
        to,
        format!("/staff/corrections?decided={id}&outcome=accepted&dossier=ISB-2026-000301")
    );
    let page = get_page(&app, &to, Some(&cookie))
        .await
        .text()
        .await
        .expect("body");
    assert!(page.contains("is geaccepteerd"), "{page}");
    assert!(page.contains("data-testid=\"queue-empty\""), "{page}");

    let debtor = app
        .store
        .debtor(&dossier)
        .await
        .expect("db")
        .expect("debtor");
    assert_eq!(debtor.details.email.as_deref(), Some("new@example.nl"));
    let request = app
        .store
        .correction(id)
        .await
        .expect("db")
        .expect("request");
    assert_eq!(request.status, store::CorrectionStatus::Accepted);
    assert_eq!(request.decided_by.as_deref(), Some(ALICE));

    let event = staff_audit(&app)
        .await
        .into_iter()
        .find(|e| e.action == "correction.accepted")
        .expect("audited");
    assert_eq!(event.actor_id.as_deref(), Some(ALICE));
    assert_eq!(event.dossier_id.as_ref(), Some(&dossier));
    assert_eq!(event.client_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        event.detail,
        json!({
            "correction_id": id,
            "field": "email",
            "old_value": "old@example.nl",
            "new_value": "new@example.nl",
        })
    );
}

#[tokio::test]
async fn rejecting_needs_a_note_and_leaves_the_field() {
    let app = start().await;
    staff_user(&app.store, ALICE, PASSWORD).await;
    let dossier = dossier_with_debtor(&app.store, "ISB-2026-000401").await;
    let id = email_correction(&app.store, &dossier, 3, "new@example.nl").await;
    let cookie = staff_session(&app, ALICE, PASSWORD).await;

    let resp = decide(&app, &cookie, id, "reject", "   ").await;
    let to = location(&resp);
    assert_eq!(error_in(&to), json!({ "NoteRequired": { "id": id } }));
    let page = get_page(&app, &to, Some(&cookie))
        .await
        .text()
        .await
        .expect("body");
    assert!(
        page.contains(&format!("id=\"note-{id}-error\"")),
        "next to the field: {page}"
    );
    assert_eq!(
        app.store
            .correction(id)
            .await
            .expect("db")
            .expect("request")
            .status,
        store::CorrectionStatus::Submitted
    );

    let resp = decide(
        &app,
        &cookie,
        id,
        "reject",
        "Address still in use per creditor",
    )
    .await;
    assert!(
        location(&resp).contains("outcome=rejected"),
        "{}",
        location(&resp)
    );
    let request = app
        .store
        .correction(id)
        .await
        .expect("db")
        .expect("request");
    assert_eq!(request.status, store::CorrectionStatus::Rejected);
    assert_eq!(
        request.staff_note.as_deref(),
        Some("Address still in use per creditor")
    );
    let debtor = app
        .store
        .debtor(&dossier)
        .await
        .expect("db")
        .expect("debtor");
    assert_eq!(debtor.details.email.as_deref(), Some("old@example.nl"));

    let actions: Vec<_> = staff_audit(&app)
        .await
        .into_iter()
        .filter(|e| e.action.starts_with("correction."))
        .map(|e| (e.action, e.detail["reason"].as_str().map(str::to_owned)))
        .collect();
    assert_eq!(
        actions,
        vec![
            (
                "correction.decide_refused".into(),
                Some("note_required".into())
            ),
            ("correction.rejected".into(), None),
        ]
    );
}

#[tokio::test]
async fn deciding_what_someone_else_decided_says_so_and_changes_nothing() {
    let app = start().await;
    staff_user(&app.store, ALICE, PASSWORD).await;
    staff_user(&app.store, "bob", PASSWORD).await;
    let dossier = dossier_with_debtor(&app.store, "ISB-2026-000501").await;
    let id = email_correction(&app.store, &dossier, 3, "new@example.nl").await;
    let alice = staff_session(&app, ALICE, PASSWORD).await;
    let bob = staff_session(&app, "bob", PASSWORD).await;

    assert!(location(&decide(&app, &alice, id, "accept", "").await).contains("outcome=accepted"));
    let resp = decide(&app, &bob, id, "reject", "I disagree").await;
    let to = location(&resp);
    assert_eq!(
        error_in(&to),
        json!({ "AlreadyDecided": {
            "id": id, "dossier": "ISB-2026-000501", "status": "accepted", "by": "alice"
        } })
    );
    let page = get_page(&app, &to, Some(&bob))
        .await
        .text()
        .await
        .expect("body");
    assert!(page.contains("was al behandeld"), "{page}");
    let request = app
        .store
        .correction(id)
        .await
        .expect("db")
        .expect("request");
    assert_eq!(
        (request.status, request.decided_by.as_deref()),
        (store::CorrectionStatus::Accepted, Some(ALICE))
    );
    let refused = staff_audit(&app)
        .await
        .into_iter()
        .find(|e| e.action == "correction.decide_refused")
        .expect("audited");
    assert_eq!(refused.actor_id.as_deref(), Some("bob"));
    assert_eq!(refused.detail["reason"], "already_decided");
}

// ---------------------------------------------------------------------------------------------
// Dossier look-up

#[tokio::test]
async fn the_dossier_look_up_shows_the_dossier_and_audits_the_view() {
    let app = start().await;
    staff_user(&app.store, ALICE, PASSWORD).await;
    let dossier = dossier_with_debtor(&app.store, "ISB-2026-000601").await;
    let id = email_correction(&app.store, &dossier, 3, "new@example.nl").await;
    let cookie = staff_session(&app, ALICE, PASSWORD).await;
    decide(&app, &cookie, id, "reject", "Not verifiable").await;

    let page = get_page(
        &app,
        "/staff/dossiers?number=isb%202026%20000601",
        Some(&cookie),
    )
    .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("body");
    for shown in [
        "ISB-2026-000601",
        "Webwinkel B.V.",
        "J. Jansen",
        "old@example.nl",
        "Utrecht",
        "new@example.nl",
        "Not verifiable",
        "Afgewezen",
    ] {
        assert!(html.contains(shown), "{shown} shown: {html}");
    }
    let viewed = staff_audit(&app)
        .await
        .into_iter()
        .find(|e| e.action == "personal_data.viewed" && e.detail["via"] == "dossier_lookup")
        .expect("audited");
    assert_eq!(viewed.dossier_id.as_ref(), Some(&dossier));
    assert_eq!(viewed.actor_id.as_deref(), Some(ALICE));
    assert_eq!(viewed.client_ip.as_deref(), Some("127.0.0.1"));

    let bad = get_page(&app, "/staff/dossiers?number=hello", Some(&cookie))
        .await
        .text()
        .await
        .expect("body");
    assert!(bad.contains("id=\"number-error\""), "{bad}");
    let missing = get_page(
        &app,
        "/staff/dossiers?number=ISB-2026-999999",
        Some(&cookie),
    )
    .await
    .text()
    .await
    .expect("body");
    assert!(
        missing.contains("Er is geen dossier met dit nummer"),
        "{missing}"
    );
    assert!(
        staff_audit(&app)
            .await
            .iter()
            .any(|e| e.action == "staff.dossier_lookup.not_found")
    );
}

// ---------------------------------------------------------------------------------------------
// The whole round on PostgreSQL, every step audited

#[tokio::test]
async fn every_staff_action_is_audited_on_postgres() {
    let Some(db) = store::testing::PgDatabase::create().await else {
        return;
    };
    let app = common::start_with_database(&db.url).await;
    staff_user(&app.store, ALICE, PASSWORD).await;
    let dossier = dossier_with_debtor(&app.store, "ISB-2026-000701").await;
    let first = email_correction(&app.store, &dossier, 40, "new@example.nl").await;
    let other = dossier_with_debtor(&app.store, "ISB-2026-000702").await;
    let second = email_correction(&app.store, &other, 1, "newer@example.nl").await;

    staff_sign_in_form(&app, ALICE, "wrong password!").await;
    let cookie = staff_session(&app, ALICE, PASSWORD).await;
    assert_eq!(
        queue_ids(&app, &cookie).await,
        vec![(first.get(), true), (second.get(), false)]
    );
    decide(&app, &cookie, first, "accept", "").await;
    // Two decisions racing for the same request: exactly one wins.
    let (x, y) = tokio::join!(
        decide(&app, &cookie, second, "accept", ""),
        decide(&app, &cookie, second, "reject", "duplicate")
    );
    let outcomes = [location(&x), location(&y)];
    assert_eq!(
        outcomes.iter().filter(|l| l.contains("__err=")).count(),
        1,
        "{outcomes:?}"
    );
    get_page(
        &app,
        "/staff/dossiers?number=ISB-2026-000701",
        Some(&cookie),
    )
    .await;
    form_post(
        &app,
        "staff_sign_out",
        Some(&cookie),
        "/staff/corrections",
        &[],
    )
    .await;

    let events = staff_audit(&app).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "staff.sign_in.failed",
        "staff.sign_in.succeeded",
        "personal_data.viewed",
        "correction.accepted",
        "correction.decide_refused",
        "staff.sign_out",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    assert!(
        events
            .iter()
            .all(|e| e.actor_id.as_deref() == Some(ALICE)
                && e.client_ip.as_deref() == Some("127.0.0.1")),
        "who and from where: {events:?}"
    );
    let debtor = app
        .store
        .debtor(&dossier)
        .await
        .expect("db")
        .expect("debtor");
    assert!(
        ["new@example.nl", "newer@example.nl"]
            .contains(&debtor.details.email.as_deref().unwrap_or_default())
    );
    app.store.close().await;
    db.drop().await;
}

/// An agent handles contact details; changing who the debtor is or where letters go is an
/// administrator's decision (403, audited, nothing changed).
#[tokio::test]
async fn an_agent_may_accept_contact_details_but_not_a_new_name_or_address() {
    let app = start().await;
    let id = dossier_with_debtor(&app.store, "ISB-2026-000321").await;
    staff_user(&app.store, ALICE, PASSWORD).await;
    common::staff_user_as(&app.store, "rita", PASSWORD, store::StaffRole::Admin).await;
    let agent = staff_session(&app, ALICE, PASSWORD).await;
    let admin = staff_session(&app, "rita", PASSWORD).await;
    let city = common::correction_of(&app.store, &id, store::DebtorField::City, 1, "Zwolle").await;
    let email = email_correction(&app.store, &id, 1, "new@example.nl").await;

    let (city_id, email_id) = (city.to_string(), email.to_string());
    let resp = server_fn(
        &app,
        "staff_decide",
        Some(&agent),
        &[("id", city_id.as_str()), ("decision", "accept")],
    )
    .await;
    assert_eq!(resp.status(), 403);
    let debtor = app.store.debtor(&id).await.expect("db").expect("debtor");
    assert_eq!(debtor.details.city.as_deref(), Some("Utrecht"), "unchanged");
    let resp = server_fn(
        &app,
        "staff_decide",
        Some(&agent),
        &[("id", email_id.as_str()), ("decision", "accept")],
    )
    .await;
    assert!(resp.status().is_success(), "{}", resp.status());
    // Rejecting needs no more than the agent's role; accepting the city the admin's.
    let resp = server_fn(
        &app,
        "staff_decide",
        Some(&admin),
        &[("id", city_id.as_str()), ("decision", "accept")],
    )
    .await;
    assert!(resp.status().is_success(), "{}", resp.status());
    let debtor = app.store.debtor(&id).await.expect("db").expect("debtor");
    assert_eq!(debtor.details.city.as_deref(), Some("Zwolle"));
    assert_eq!(debtor.details.email.as_deref(), Some("new@example.nl"));
    let audit = staff_audit(&app).await;
    assert!(
        audit.iter().any(|e| e.action == "staff.forbidden"),
        "the refusal is audited"
    );
}

// ---------------------------------------------------------------------------------------------
// Second factor

/// The first sign-in of an account sets up the authenticator app: a QR code, the key to type
/// instead and ten recovery codes, shown once; only a right code from the app completes it.
/// Then a code works once, a recovery code works once, and the challenge alone opens nothing.
#[tokio::test]
async fn staff_enrol_a_second_factor_and_then_need_it_every_time() {
    let app = start().await;
    let hasher = auth::SecretHasher::new(auth::HashParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    })
    .expect("hasher");
    server::staff::add_user(
        &app.store,
        &hasher,
        "nina",
        store::StaffRole::Agent,
        PASSWORD,
    )
    .await
    .expect("user");
    let resp = staff_sign_in_form(&app, "nina", PASSWORD).await;
    let challenge = common::challenge_cookie(&resp).expect("challenge");
    // The challenge is no session.
    let page = get_page(&app, "/staff/corrections", Some(&challenge)).await;
    assert_eq!(location(&page), "/staff");

    let page = get_page(&app, "/staff/two-factor", Some(&challenge))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("<svg"), "a QR code");
    let key = page
        .split("data-testid=\"totp-secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the key to type")
        .to_owned();
    let codes: Vec<String> = page
        .split("data-testid=\"recovery-codes\"")
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .expect("recovery codes")
        .split("<code>")
        .skip(1)
        .filter_map(|c| c.split('<').next())
        .map(str::to_owned)
        .collect();
    assert_eq!(codes.len(), 10, "{codes:?}");
    let secret = auth::totp::TotpSecret::from_base32(&key).expect("base32 key");
    assert!(
        app.store
            .staff_user("nina")
            .await
            .expect("db")
            .expect("user")
            .totp_secret
            .is_none(),
        "nothing stored before a code proves the app has the key"
    );

    // A wrong code, and a recovery code before enrolment is complete, are refused.
    for wrong in ["000000", codes[0].as_str()] {
        let resp = common::two_factor_form(&app, &challenge, wrong).await;
        assert!(staff_cookie(&resp).is_none(), "{wrong}");
        assert_eq!(error_in(&location(&resp)), json!("WrongCode"));
    }
    let now = chrono::Utc::now();
    let resp = common::two_factor_form(&app, &challenge, &secret.code_at(now)).await;
    let cookie = staff_cookie(&resp).expect("enrolled and signed in");
    assert_eq!(
        get_page(&app, "/staff/corrections", Some(&cookie))
            .await
            .status(),
        200
    );
    let resp = common::two_factor_form(&app, &challenge, &secret.code_at(now)).await;
    assert!(staff_cookie(&resp).is_none(), "the challenge is used up");

    // The next sign-in asks for a code only; the one just used is refused as used.
    let challenge = common::challenge_cookie(&staff_sign_in_form(&app, "nina", PASSWORD).await)
        .expect("challenge");
    let page = get_page(&app, "/staff/two-factor", Some(&challenge))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        !page.contains("recovery-codes") && !page.contains(&key),
        "shown once only"
    );
    let resp = common::two_factor_form(&app, &challenge, &secret.code_at(now)).await;
    assert_eq!(error_in(&location(&resp)), json!("CodeUsed"));
    let page = follow(&app, &location(&resp)).await;
    assert!(page.contains("al gebruikt"), "{page}");
    // A recovery code works once.
    let resp = common::two_factor_form(&app, &challenge, &codes[3].to_lowercase()).await;
    assert!(staff_cookie(&resp).is_some(), "recovery code accepted");
    let challenge = common::challenge_cookie(&staff_sign_in_form(&app, "nina", PASSWORD).await)
        .expect("challenge");
    let resp = common::two_factor_form(&app, &challenge, &codes[3]).await;
    assert_eq!(error_in(&location(&resp)), json!("WrongCode"), "used up");

    let actions: Vec<String> = staff_audit(&app)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "staff.sign_in.password_ok",
        "staff.two_factor.enrolled",
        "staff.two_factor.failed",
        "staff.two_factor.recovery_code",
        "staff.sign_in.succeeded",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

/// Guessing the six digits is throttled like the password, under a key of its own.
#[tokio::test]
async fn guessing_the_second_factor_is_throttled() {
    let app = start().await;
    staff_user(&app.store, ALICE, PASSWORD).await;
    let challenge = common::challenge_cookie(&staff_sign_in_form(&app, ALICE, PASSWORD).await)
        .expect("challenge");
    for guess in ["111111", "222222", "333333", "444444"] {
        let resp = common::two_factor_form(&app, &challenge, guess).await;
        assert_eq!(error_in(&location(&resp)), json!("WrongCode"));
    }
    let right = auth::totp::TotpSecret::from_base32(common::TEST_TOTP)
        .expect("key")
        .code_at(chrono::Utc::now());
    let resp = common::two_factor_form(&app, &challenge, &right).await;
    assert!(staff_cookie(&resp).is_none(), "even the right code waits");
    let wait = error_in(&location(&resp))["Throttled"]["retry_after_secs"]
        .as_i64()
        .expect("throttled");
    assert!((1..=30).contains(&wait), "{wait}");
}

// ---------------------------------------------------------------------------------------------
// Payments needing attention

/// A payment of `cents` made `age` ago, with an order, moved to `status`.
async fn payment_made(
    app: &TestApp,
    dossier: &domain::DossierId,
    intent: &str,
    cents: i64,
    age: chrono::Duration,
    status: store::PaymentStatus,
) -> store::Payment {
    let at = chrono::Utc::now() - age;
    let payment = app
        .store
        .create_payment(
            &store::NewPayment {
                dossier_id: dossier.clone(),
                intent_key: intent.into(),
                amount: domain::Money::from_cents(cents),
                purpose: store::PaymentPurpose::Partial,
                plan_instalment_id: None,
                claim_item_id: None,
            },
            at,
        )
        .await
        .expect("payment")
        .into_inner();
    app.store
        .set_payment_order_id(&payment.id, &format!("5{intent}X0001"), at)
        .await
        .expect("order");
    app.store
        .transition_payment(&payment.id, store::PaymentStatus::ALL, status, at)
        .await
        .expect("status");
    payment
}

#[tokio::test]
async fn the_payments_page_lists_what_needs_a_look_and_only_an_admin_marks_it_handled() {
    use store::PaymentStatus::{Paid, Pending, Refunded};
    let app = start().await;
    let dossier = dossier_with_debtor(&app.store, "ISB-2026-000611").await;
    let hours = chrono::Duration::hours;
    let stuck = payment_made(&app, &dossier, "stuck", 40_00, hours(30), Pending).await;
    let fresh = payment_made(&app, &dossier, "fresh", 41_00, hours(2), Pending).await;
    let differs = payment_made(&app, &dossier, "differs", 42_00, hours(3), Pending).await;
    app.store
        .flag_payment(&differs.id, payments::AMOUNT_DIFFERS, chrono::Utc::now())
        .await
        .expect("flag");
    // A refund booked an hour ago.
    let refunded = payment_made(&app, &dossier, "refunded", 43_00, hours(5), Paid).await;
    let refund = domain::Money::from_cents(-43_00);
    app.store
        .book_payment(&store::BookPayment {
            payment_id: refunded.id.clone(),
            status: Refunded,
            entry: Some(store::NewLedgerEntry {
                dossier_id: dossier.clone(),
                kind: store::LedgerKind::Refund,
                amount: refund,
                alloc_costs: domain::Money::ZERO,
                alloc_interest: domain::Money::ZERO,
                alloc_principal: domain::Money::ZERO,
                alloc_unallocated: refund,
                source: "paynl transaction EX-1234-5678-9012".into(),
                payment_id: Some(refunded.id.clone()),
                idempotency_key: "paynl:EX-1234-5678-9012".into(),
                created_at: chrono::Utc::now() - hours(1),
            }),
            mails: Vec::new(),
            now: chrono::Utc::now() - hours(1),
        })
        .await
        .expect("refund");
    // Someone posting forged calls.
    let call = app
        .store
        .log_exchange_call(&store::NewExchangeCall {
            received_at: chrono::Utc::now() - hours(4),
            order_id: Some("51999999999X0001".into()),
            raw_body: "{}".into(),
            signature_ok: false,
            caller_ip: Some("198.51.100.7".parse().expect("ip")),
        })
        .await
        .expect("call");
    app.store
        .set_exchange_outcome(call, "rejected: bad signature")
        .await
        .expect("outcome");

    staff_user(&app.store, ALICE, PASSWORD).await;
    common::staff_user_as(&app.store, "rita", PASSWORD, store::StaffRole::Admin).await;
    let agent = staff_session(&app, ALICE, PASSWORD).await;
    let page = get_page(&app, "/staff/payments", Some(&agent)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("body");
    for shown in [
        "Betalingen die aandacht vragen",
        stuck.id.as_str(),
        "Langer dan een dag open",
        differs.id.as_str(),
        "Betaald, ander bedrag",
        "Terugbetaling",
        "EX-1234-5678-9012",
        "198.51.100.7",
        "51999999999X0001",
        "bad signature",
    ] {
        assert!(html.contains(shown), "{shown} shown: {html}");
    }
    assert!(
        !html.contains(fresh.id.as_str()),
        "two hours open is normal"
    );
    assert!(!html.contains("name=\"note\""), "an agent cannot resolve");
    assert!(
        staff_audit(&app)
            .await
            .iter()
            .any(|e| e.action == "payments.attention.view" && e.actor_id.as_deref() == Some(ALICE))
    );

    // The agent may not mark it handled; the admin must say what was done.
    let differs_id = differs.id.to_string();
    let resp = server_fn(
        &app,
        "staff_payment_resolve",
        Some(&agent),
        &[("payment", &differs_id), ("note", "called Pay.nl")],
    )
    .await;
    assert_eq!(resp.status(), 403);
    let admin = staff_session(&app, "rita", PASSWORD).await;
    let html = get_page(&app, "/staff/payments", Some(&admin))
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("name=\"note\""), "an admin can resolve");
    let resp = server_fn(
        &app,
        "staff_payment_resolve",
        Some(&admin),
        &[("payment", &differs_id), ("note", "  ")],
    )
    .await;
    assert!(!resp.status().is_success());
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("PaymentNoteRequired"),
        "the note is required"
    );
    let flagged = |id: domain::PaymentId| {
        let store = app.store.clone();
        async move {
            store
                .payment(&id)
                .await
                .expect("db")
                .expect("payment")
                .flagged
        }
    };
    assert!(flagged(differs.id.clone()).await);
    let resp = server_fn(
        &app,
        "staff_payment_resolve",
        Some(&admin),
        &[
            ("payment", &differs_id),
            ("note", "Pay.nl refunded the difference"),
        ],
    )
    .await;
    assert!(resp.status().is_success(), "{}", resp.status());
    assert!(!flagged(differs.id.clone()).await);
    let resolved = staff_audit(&app)
        .await
        .into_iter()
        .find(|e| e.action == "payment.notice.resolved")
        .expect("audited");
    assert_eq!(resolved.actor_id.as_deref(), Some("rita"));
    assert_eq!(resolved.detail["note"], "Pay.nl refunded the difference");
    assert_eq!(resolved.detail["flag_reason"], payments::AMOUNT_DIFFERS);
    // Handled: off the list; and once more is refused.
    let html = get_page(&app, "/staff/payments", Some(&admin))
        .await
        .text()
        .await
        .expect("body");
    assert!(!html.contains(differs.id.as_str()));
    let resp = server_fn(
        &app,
        "staff_payment_resolve",
        Some(&admin),
        &[("payment", &differs_id), ("note", "again")],
    )
    .await;
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("PaymentNotFlagged")
    );
}
