//! A pause in collection (adempauze) recorded by staff at the request of municipal debt help:
//! as a plain form on the dossier look-up, with the problem by its field; the debtor sees it
//! on the overview and gets word of it; staff end it.

use crate::common;

use common::{call, demo_session, form_post, location, start};

const CONSUMER: &str = "ISB-2000-000001";

#[tokio::test]
async fn staff_pause_collection_and_the_debtor_sees_it() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    common::staff_user(&app.store, "anna", "anna-password-1").await;
    let staff = common::staff_session(&app, "anna", "anna-password-1").await;
    let page = |path: String, c: String| {
        let app = &app;
        async move {
            common::get(app, &path, &c)
                .await
                .text()
                .await
                .expect("page")
        }
    };
    let lookup = format!("/staff/dossiers?number={CONSUMER}");
    let html = page(lookup.clone(), staff.clone()).await;
    assert!(html.contains(r#"data-testid="start-pause""#), "{html}");

    // A debtor cannot record one.
    let (_, err) = call(
        &app,
        "staff_pause",
        &cookie,
        &[
            ("number", CONSUMER),
            ("until", "2099-01-01"),
            ("requested_by", "x"),
        ],
    )
    .await;
    assert_eq!(err, serde_json::json!({ "Refused": "NotSignedIn" }));

    // Too long, and who asked missing: each told by its field; nothing stored.
    let far = claim::dutch_date(chrono::Utc::now())
        .checked_add_days(chrono::Days::new(200))
        .expect("date")
        .to_string();
    for (until, by, code) in [
        (far.as_str(), "Gemeente Utrecht", "until"),
        ("2099-13-01", "x", "until"),
    ] {
        let resp = form_post(
            &app,
            "staff_pause",
            Some(&staff),
            &lookup,
            &[("number", CONSUMER), ("until", until), ("requested_by", by)],
        )
        .await;
        assert!(
            location(&resp).ends_with(&format!("pause_error={code}")),
            "{}",
            location(&resp)
        );
    }
    let until = claim::dutch_date(chrono::Utc::now())
        .checked_add_days(chrono::Days::new(60))
        .expect("date")
        .to_string();
    let resp = form_post(
        &app,
        "staff_pause",
        Some(&staff),
        &lookup,
        &[
            ("number", CONSUMER),
            ("until", &until),
            ("requested_by", " "),
        ],
    )
    .await;
    let to = location(&resp);
    assert!(to.ends_with("pause_error=requested_by"), "{to}");
    let html = page(to, staff.clone()).await;
    assert!(html.contains(r#"id="pause-by-error""#), "{html}");
    assert!(
        app.store
            .pauses_for_dossier(&id)
            .await
            .expect("db")
            .is_empty()
    );

    let resp = form_post(
        &app,
        "staff_pause",
        Some(&staff),
        &lookup,
        &[
            ("number", CONSUMER),
            ("until", &until),
            (
                "requested_by",
                "Gemeente Utrecht, schuldhulpverlening (J. Smit)",
            ),
            ("note", "Intake loopt"),
        ],
    )
    .await;
    assert!(
        location(&resp).ends_with("&paused=1"),
        "{}",
        location(&resp)
    );
    let pauses = app.store.pauses_for_dossier(&id).await.expect("db");
    assert_eq!(pauses.len(), 1);
    assert_eq!(pauses[0].days.until().to_string(), until);
    assert_eq!(pauses[0].created_by, "anna");

    // The debtor sees it, and was told.
    let html = page("/dossier".into(), cookie.clone()).await;
    assert!(html.contains(r#"data-testid="paused""#), "{html}");
    assert!(html.contains("Adempauze tot en met"), "{html}");
    let mails = app.store.mails_for_dossier(&id).await.expect("db");
    assert!(
        mails
            .iter()
            .any(|m| m.notice.kind() == domain::NoticeKind::CollectionPaused)
    );
    let events = common::staff_audit(&app).await;
    assert!(events.iter().any(|e| e.action == "pause.started"));
    let html = page("/dossier/data".into(), cookie.clone()).await;
    assert!(html.contains(r#"data-testid="data-pause""#), "{html}");
    assert!(
        html.contains("Gemeente Utrecht, schuldhulpverlening"),
        "{html}"
    );

    // Ended today by staff: it no longer covers today, and the overview says nothing.
    let pause = pauses[0].id.to_string();
    form_post(
        &app,
        "staff_end_pause",
        Some(&staff),
        &lookup,
        &[("number", CONSUMER), ("pause", &pause)],
    )
    .await;
    let html = page("/dossier".into(), cookie.clone()).await;
    assert!(!html.contains(r#"data-testid="paused""#), "{html}");
    let events = common::staff_audit(&app).await;
    assert!(events.iter().any(|e| e.action == "pause.ended"));
}
