//! A debt counsellor's access (issue 21): the debtor's invitation code, the counsellor's
//! account and two-factor sign-in, what the grant opens (and what it does not), every view
//! shown to the debtor, revoking in one click, and a municipal request decided by staff.

use crate::common;

use common::{call, demo_session, form_post, get, location, set_cookie, start};

const CONSUMER: &str = "ISB-2000-000001";
const PASSWORD: &str = "counsellor-password-1";

/// Signs a counsellor in (password, then a code of the test authenticator key); returns the
/// debtor-side cookie their session lives in.
async fn counsellor_session(app: &common::TestApp, username: &str) -> String {
    app.store
        .enrol_staff_totp(username, common::TEST_TOTP, 0, &[])
        .await
        .expect("enrol");
    let resp = common::staff_sign_in_form(app, username, PASSWORD).await;
    assert_eq!(location(&resp), "/counsellor/two-factor");
    let challenge = common::challenge_cookie(&resp).expect("challenge");
    let secret = auth::totp::TotpSecret::from_base32(common::TEST_TOTP).expect("secret");
    let now = chrono::Utc::now();
    for code in [
        secret.code_at(now),
        secret.code_at(now + chrono::Duration::seconds(30)),
    ] {
        let resp = common::two_factor_form(app, &challenge, &code).await;
        if let Some(cookie) = set_cookie(&resp, "dp_session") {
            assert_eq!(location(&resp), "/counsellor/dossiers");
            assert!(common::staff_cookie(&resp).is_none(), "no staff cookie");
            return cookie;
        }
    }
    panic!("no second factor accepted")
}

async fn page(app: &common::TestApp, path: &str, cookie: &str) -> (u16, String, String) {
    let resp = get(app, path, cookie).await;
    let status = resp.status().as_u16();
    let to = location(&resp);
    (status, to, resp.text().await.expect("page"))
}

#[tokio::test]
async fn a_debtor_lets_a_counsellor_in_sees_what_they_did_and_ends_it() {
    let app = start().await;
    let (debtor, dossier_id) = demo_session(&app, CONSUMER).await;

    // The debtor makes a code (claim only); it comes back once, in its cookie.
    let resp = form_post(
        &app,
        "invite_counsellor",
        Some(&debtor),
        "/dossier/access",
        &[("organisation", "Schuldhulp Zuid"), ("email", "")],
    )
    .await;
    let code_cookie = set_cookie(&resp, "dp_invite").expect("code cookie");
    let code = code_cookie.trim_start_matches("dp_invite=").to_owned();
    assert_eq!(code.len(), 16, "{code}");
    let (_, _, html) = page(&app, "/dossier/access", &format!("{debtor}; {code_cookie}")).await;
    assert!(html.contains(r#"data-testid="invitation-code""#), "{html}");
    assert!(html.contains("Schuldhulp Zuid"), "{html}");
    // Only the hash is stored.
    assert!(
        !app.store
            .invitation_live(&code, chrono::Utc::now())
            .await
            .expect("db")
    );

    // A wrong code makes no account; the right one does, and redeems itself.
    let join = |code: String| {
        let app = &app;
        async move {
            form_post(
                app,
                "counsellor_join",
                None,
                "/counsellor/join",
                &[
                    ("code", code.as_str()),
                    ("name", "Sam Helper"),
                    ("organisation", "Schuldhulp Zuid"),
                    ("email", "sam@schuldhulp.example"),
                    ("username", "sam"),
                    ("password", PASSWORD),
                ],
            )
            .await
        }
    };
    let wrong = join("ABCD-EFGH-JKMN-PQRS".into()).await;
    assert!(
        common::error_in(&location(&wrong))
            .to_string()
            .contains("NoSuchInvitation"),
        "{}",
        location(&wrong)
    );
    assert!(app.store.staff_user("sam").await.expect("db").is_none());
    let joined = join(code.clone()).await;
    assert_eq!(location(&joined), "/counsellor?joined=1");
    // Used up: a second account cannot use it.
    assert!(
        common::error_in(&location(&join(code.clone()).await))
            .to_string()
            .contains("NoSuchInvitation")
    );

    let sam = counsellor_session(&app, "sam").await;
    // A counsellor is never staff, whichever cookie carries the session.
    let token = sam.trim_start_matches("dp_session=");
    let as_staff = get(&app, "/staff/corrections", &format!("dp_staff={token}")).await;
    assert_eq!(location(&as_staff), "/staff");
    let (status, body) = call(&app, "staff_corrections", &format!("dp_staff={token}"), &[]).await;
    assert_ne!(status, 200, "{body}");

    // The dossier is theirs to open: the overview, with who they are.
    let (_, _, home) = page(&app, "/counsellor/dossiers", &sam).await;
    assert!(home.contains(CONSUMER), "{home}");
    let opened = form_post(
        &app,
        "counsellor_open",
        Some(&sam),
        "/counsellor/dossiers",
        &[("number", CONSUMER)],
    )
    .await;
    assert_eq!(location(&opened), "/dossier");
    let (status, _, overview) = page(&app, "/dossier", &sam).await;
    assert_eq!(status, 200);
    assert!(
        overview.contains(r#"data-testid="acting-banner""#),
        "{overview}"
    );
    assert!(overview.contains("Sam Helper"), "{overview}");
    assert!(!overview.contains(r#"href="/dossier/data""#), "{overview}");
    let (status, _, _) = page(&app, "/dossier/plan", &sam).await;
    assert_eq!(status, 200);

    // On the debtor's behalf: a plan proposal and a dispute, as the debtor could.
    let proposed = form_post(
        &app,
        "propose_plan",
        Some(&sam),
        "/dossier/plan",
        &[("months", "3"), ("intent", "counsellor-plan")],
    )
    .await;
    // Within the rules it is agreed at once and goes on to pay the first instalment.
    assert!(proposed.status().is_redirection());
    let plans = app.store.plans_for_dossier(&dossier_id).await.expect("db");
    assert_eq!(plans.len(), 1, "the plan is the debtor's");
    let filed = crate::dispute::file(
        &app,
        &sam,
        &[
            ("invoice", "all"),
            ("kind", "other"),
            ("explanation", "Mijn cliënt kreeg deze facturen nooit."),
        ],
        &[],
    )
    .await;
    assert!(filed.starts_with("/dossier/disputes?filed="), "{filed}");

    // Not granted: personal data, the debtor's messages and who has access.
    for path in ["/dossier/data", "/dossier/messages", "/dossier/access"] {
        let (status, to, _) = page(&app, path, &sam).await;
        assert_eq!((status, to.as_str()), (303, "/dossier"), "{path}");
    }
    let (status, body) = call(&app, "personal_data", &sam, &[("printing", "false")]).await;
    assert_eq!(status, 403);
    assert_eq!(body, serde_json::json!("NotGranted"));
    let (status, _) = call(&app, "access_page", &sam, &[]).await;
    assert_eq!(status, 403);
    let export = get(&app, "/dossier/data/export.json", &sam).await;
    assert_eq!(location(&export), "/dossier");

    // The debtor sees who has access and what they looked at.
    let (_, _, access) = page(&app, "/dossier/access", &debtor).await;
    assert!(access.contains(r#"data-testid="grant""#), "{access}");
    assert!(access.contains("Sam Helper"), "{access}");
    assert!(
        access.contains("bekeek het overzicht van de vordering"),
        "{access}"
    );
    assert!(access.contains("bekeek de betalingsregeling"), "{access}");
    assert!(
        access.contains("stelde een betalingsregeling voor"),
        "{access}"
    );
    assert!(
        access.contains("diende een bezwaar of klacht in"),
        "{access}"
    );
    assert!(access.contains("kreeg toegang met uw code"), "{access}");
    let events = app
        .store
        .counsellor_events(&dossier_id, 100)
        .await
        .expect("events");
    assert!(
        events
            .iter()
            .all(|e| e.counsellor.as_deref() == Some("sam"))
    );
    assert!(
        events
            .iter()
            .any(|e| e.action == "counsellor.acted" && e.detail["path"] == "/api/personal_data"),
        "a refused call is on the record too: {events:?}"
    );

    // One click ends it, at once.
    let grant = app
        .store
        .accesses_for_dossier(&dossier_id)
        .await
        .expect("db")
        .pop()
        .expect("grant");
    let revoked = form_post(
        &app,
        "revoke_access",
        Some(&debtor),
        "/dossier/access",
        &[("access", grant.id.as_str())],
    )
    .await;
    assert_eq!(location(&revoked), "/dossier/access?done=revoked");
    let (status, to, _) = page(&app, "/dossier", &sam).await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/counsellor/dossiers"),
        "revoked"
    );
    let (_, body) = call(&app, "claim_overview", &sam, &[]).await;
    assert_eq!(body, serde_json::json!("NotSignedIn"));

    // The debtor was told by mail, and the ended grant stays listed as a recipient of data.
    let mails = app.store.mails_for_dossier(&dossier_id).await.expect("db");
    let told: Vec<_> = mails
        .iter()
        .filter(|m| m.notice.kind() == domain::NoticeKind::CounsellorAccess)
        .collect();
    assert_eq!(told.len(), 1);
    let (_, _, data) = page(&app, "/dossier/data", &debtor).await;
    assert!(data.contains(r#"data-testid="data-counsellors""#), "{data}");
    assert!(
        data.contains("Sam Helper (Schuldhulp Zuid, sam@schuldhulp.example)"),
        "{data}"
    );
    let export: serde_json::Value = get(&app, "/dossier/data/export.json", &debtor)
        .await
        .json()
        .await
        .expect("export");
    let listed = &export["personal_data"]["counsellors"][0];
    assert_eq!(listed["name"], "Sam Helper");
    assert_eq!(listed["personal_data"], false);
    assert!(listed["ended"].is_string(), "{listed}");
    let (_, _, home) = page(&app, "/counsellor/dossiers", &sam).await;
    assert!(home.contains(r#"data-testid="no-dossiers""#), "{home}");
}

#[tokio::test]
async fn an_invitation_bound_to_an_address_and_the_personal_data_grant() {
    let app = start().await;
    let (debtor, _) = demo_session(&app, CONSUMER).await;
    // A malformed address is refused by its field; nothing made.
    let bad = form_post(
        &app,
        "invite_counsellor",
        Some(&debtor),
        "/dossier/access",
        &[("email", "not-an-address"), ("personal_data", "yes")],
    )
    .await;
    assert!(set_cookie(&bad, "dp_invite").is_none());
    assert!(
        common::error_in(&location(&bad))
            .to_string()
            .contains("Invitation"),
        "{}",
        location(&bad)
    );

    let resp = form_post(
        &app,
        "invite_counsellor",
        Some(&debtor),
        "/dossier/access",
        &[("email", "kim@bewind.example"), ("personal_data", "yes")],
    )
    .await;
    let code = set_cookie(&resp, "dp_invite")
        .expect("code")
        .trim_start_matches("dp_invite=")
        .to_owned();
    // An account with another address cannot use it.
    let fields = |email: &'static str, username: &'static str| {
        [
            ("name", "Kim"),
            ("organisation", "Bewind BV"),
            ("email", email),
            ("username", username),
            ("password", PASSWORD),
        ]
    };
    let mut other = vec![("code", code.as_str())];
    other.extend(fields("lee@elders.example", "lee"));
    let resp = form_post(&app, "counsellor_join", None, "/counsellor/join", &other).await;
    assert!(
        common::error_in(&location(&resp))
            .to_string()
            .contains("OtherCounsellor"),
        "{}",
        location(&resp)
    );
    let mut right = vec![("code", code.as_str())];
    right.extend(fields("KIM@bewind.example", "kim"));
    let resp = form_post(&app, "counsellor_join", None, "/counsellor/join", &right).await;
    assert_eq!(location(&resp), "/counsellor?joined=1");

    let kim = counsellor_session(&app, "kim").await;
    form_post(
        &app,
        "counsellor_open",
        Some(&kim),
        "/counsellor/dossiers",
        &[("number", CONSUMER)],
    )
    .await;
    let (status, _, data) = page(&app, "/dossier/data", &kim).await;
    assert_eq!(status, 200);
    assert!(data.contains(CONSUMER), "{data}");
    let export = get(&app, "/dossier/data/export.json", &kim).await;
    assert_eq!(export.status().as_u16(), 200);
    // Still not the debtor's own: messages and access.
    let (status, _, _) = page(&app, "/dossier/messages", &kim).await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn a_municipal_counsellor_asks_staff_who_decide_with_a_note() {
    let app = start().await;
    let (debtor, _) = demo_session(&app, CONSUMER).await;
    let hasher = auth::SecretHasher::new(auth::HashParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    })
    .expect("hasher");
    for (username, municipality) in [("gem", Some("Utrecht")), ("private", None)] {
        app.store
            .create_counsellor(
                &store::NewCounsellor {
                    username: username.into(),
                    password_hash: hasher.hash(PASSWORD).expect("hash"),
                    name: format!("{username} name"),
                    organisation: "Org".into(),
                    email: format!("{username}@example.org"),
                    municipality: municipality.map(str::to_owned),
                },
                chrono::Utc::now(),
            )
            .await
            .expect("counsellor");
    }
    let private = counsellor_session(&app, "private").await;
    let ask = |cookie: String, number: &'static str, reason: &'static str| {
        let app = &app;
        async move {
            form_post(
                app,
                "counsellor_request",
                Some(&cookie),
                "/counsellor/dossiers",
                &[
                    ("number", number),
                    ("reason", reason),
                    ("personal_data", "yes"),
                ],
            )
            .await
        }
    };
    let resp = ask(private, CONSUMER, "intake").await;
    assert!(
        common::error_in(&location(&resp))
            .to_string()
            .contains("NotMunicipal"),
        "{}",
        location(&resp)
    );

    let gem = counsellor_session(&app, "gem").await;
    let resp = ask(gem.clone(), "ISB-2000-999999", "").await;
    let to = common::error_in(&location(&resp)).to_string();
    assert!(to.contains("Unknown") && to.contains("Required"), "{to}");
    let resp = ask(gem.clone(), CONSUMER, "Intake schuldhulp op 8 december").await;
    assert_eq!(location(&resp), "/counsellor/dossiers?requested=1");
    let resp = ask(gem.clone(), CONSUMER, "again").await;
    assert!(
        common::error_in(&location(&resp))
            .to_string()
            .contains("RequestOpen"),
        "{}",
        location(&resp)
    );

    // The debtor sees the request on their record.
    let (_, _, access) = page(&app, "/dossier/access", &debtor).await;
    assert!(access.contains("vroeg ons om toegang"), "{access}");

    // An agent decides; a note is required.
    common::staff_user(&app.store, "anna", "anna-password-1").await;
    let staff = common::staff_session(&app, "anna", "anna-password-1").await;
    let (_, _, queue) = page(&app, "/staff/counsellors", &staff).await;
    assert!(queue.contains("Intake schuldhulp op 8 december"), "{queue}");
    let request = app
        .store
        .open_access_requests()
        .await
        .expect("db")
        .pop()
        .expect("request");
    let resp = form_post(
        &app,
        "staff_access_decide",
        Some(&staff),
        "/staff/counsellors",
        &[
            ("request", request.id.as_str()),
            ("decision", "grant"),
            ("note", " "),
        ],
    )
    .await;
    assert!(
        common::error_in(&location(&resp))
            .to_string()
            .contains("Decision"),
        "{}",
        location(&resp)
    );
    // A counsellor cannot decide it.
    let (status, _) = call(
        &app,
        "staff_access_decide",
        &gem,
        &[
            ("request", request.id.as_str()),
            ("decision", "grant"),
            ("note", "self"),
        ],
    )
    .await;
    assert_ne!(status, 200);
    let resp = form_post(
        &app,
        "staff_access_decide",
        Some(&staff),
        "/staff/counsellors",
        &[
            ("request", request.id.as_str()),
            ("decision", "grant"),
            ("note", "Intake bevestigd door gemeente"),
        ],
    )
    .await;
    assert_eq!(location(&resp), "/staff/counsellors?done=grant");

    let (_, _, home) = page(&app, "/counsellor/dossiers", &gem).await;
    assert!(home.contains("Intake bevestigd door gemeente"), "{home}");
    form_post(
        &app,
        "counsellor_open",
        Some(&gem),
        "/counsellor/dossiers",
        &[("number", CONSUMER)],
    )
    .await;
    let (status, _, _) = page(&app, "/dossier/data", &gem).await;
    assert_eq!(status, 200);
    let (_, _, access) = page(&app, "/dossier/access", &debtor).await;
    assert!(access.contains("Op verzoek van de gemeente"), "{access}");
    let (id, _) = (request.dossier_id.clone(), ());
    let mails = app.store.mails_for_dossier(&id).await.expect("db");
    assert!(mails.iter().any(|m| matches!(
        &m.notice,
        domain::Notice::CounsellorAccess {
            by_staff: true,
            personal_data: true,
            ..
        }
    )));
}
