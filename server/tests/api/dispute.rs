//! Disputes over HTTP: filing with files (multipart, no JavaScript), refusals next to the
//! field with the typed text kept, downloads only for the dossier's own session, and staff
//! decisions that restore or cancel with the right balance.
#![allow(clippy::inconsistent_digit_grouping)]

use crate::common;

use chrono::{Days, Utc};
use common::{
    TestApp, client, demo_session, form_post, get, location, staff_session, staff_user, start,
};

const BUSINESS: &str = "ISB-2000-000002";
const CONSUMER: &str = "ISB-2000-000001";
const BOUNDARY: &str = "----disputetestboundary7MA4YWxk";

/// A multipart body as a browser sends the dispute form.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (filename, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; \
                 filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts the dispute form; returns the redirect target.
pub(crate) async fn file(
    app: &TestApp,
    cookie: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> String {
    let resp = client()
        .post(format!("{}/dossier/disputes", app.base))
        .header("cookie", cookie)
        .header("accept", "text/html")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(fields, files))
        .send()
        .await
        .expect("post");
    assert_eq!(
        resp.status().as_u16(),
        303,
        "a form post answers with a redirect"
    );
    location(&resp)
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec()
}

async fn page(app: &TestApp, path: &str, cookie: &str) -> String {
    let resp = get(app, path, cookie).await;
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    resp.text().await.expect("page")
}

async fn invoice_ids(app: &TestApp, dossier_id: &domain::DossierId) -> Vec<domain::ClaimItemId> {
    let mut items = app.store.claim_items(dossier_id).await.expect("items");
    items.sort_by_key(|i| i.due_date);
    items.into_iter().map(|i| i.id).collect()
}

#[tokio::test]
async fn wrong_type_and_too_large_files_are_refused_with_a_clear_message_and_the_text_kept() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    let invoice = invoice_ids(&app, &id).await[0].to_string();
    let text = "Deze rekening heb ik in maart al betaald.";
    let fields = [
        ("invoice", invoice.as_str()),
        ("kind", "already_paid"),
        ("explanation", text),
    ];

    // An HTML page called .pdf and sent as application/pdf: the bytes decide.
    let html = b"<html><script>alert(1)</script></html>";
    let to = file(
        &app,
        &cookie,
        &fields,
        &[("betaling.pdf", "application/pdf", html)],
    )
    .await;
    assert!(to.starts_with("/dossier/disputes?error=file_type"), "{to}");
    let body = page(&app, &to, &cookie).await;
    assert!(
        body.contains("Het bestand betaling.pdf is geen PDF, JPG of PNG"),
        "{body}"
    );
    assert!(
        body.contains(r#"id="files-error""#),
        "the message sits at the file field"
    );
    assert!(body.contains(text), "the typed explanation is kept");

    // One byte over 5 MiB.
    let mut big = pdf();
    big.resize(5 * 1024 * 1024 + 1, b'0');
    let to = file(
        &app,
        &cookie,
        &fields,
        &[("groot.pdf", "application/pdf", &big)],
    )
    .await;
    assert!(
        to.starts_with("/dossier/disputes?error=file_too_large"),
        "{to}"
    );
    let body = page(&app, &to, &cookie).await;
    assert!(body.contains("Het bestand groot.pdf is te groot: hoogstens 5 MB per bestand."));
    assert!(body.contains(text));

    // No explanation: the message sits at the text field.
    let to = file(
        &app,
        &cookie,
        &[
            ("invoice", invoice.as_str()),
            ("kind", "other"),
            ("explanation", " "),
        ],
        &[],
    )
    .await;
    let body = page(&app, &to, &cookie).await;
    assert!(body.contains(r#"id="explanation-error""#));

    // In English too.
    let resp = client()
        .get(format!("{}{to}", app.base))
        .header("cookie", format!("{cookie}; i18n_pref_locale=en"))
        .send()
        .await
        .expect("page");
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("Write briefly what is not right.")
    );

    assert!(
        app.store
            .disputes_for_dossier(&id)
            .await
            .expect("db")
            .is_empty()
    );
}

#[tokio::test]
async fn another_debtor_never_gets_an_attachment() {
    let app = start().await;
    let (mine, my_id) = demo_session(&app, CONSUMER).await;
    let (theirs, _) = demo_session(&app, BUSINESS).await;
    let to = file(
        &app,
        &mine,
        &[
            ("invoice", "all"),
            ("kind", "not_mine"),
            ("explanation", "Niet van mij."),
        ],
        &[("bewijs.pdf", "application/octet-stream", &pdf())],
    )
    .await;
    assert!(to.starts_with("/dossier/disputes?filed="), "{to}");
    let dispute = &app.store.disputes_for_dossier(&my_id).await.expect("db")[0];
    let files = app.store.dispute_attachments(dispute.id).await.expect("db");
    let path = format!("/dossier/disputes/file/{}", files[0].id);

    let resp = get(&app, &path, &mine).await;
    assert_eq!(resp.status().as_u16(), 200);
    let headers = resp.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"bewijs.pdf\""
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(resp.bytes().await.expect("body").as_ref(), pdf().as_slice());

    // Another debtor, an unknown id and no session: 404 or sign-in, never the file.
    assert_eq!(get(&app, &path, &theirs).await.status().as_u16(), 404);
    assert_eq!(
        get(&app, "/dossier/disputes/file/999999", &mine)
            .await
            .status()
            .as_u16(),
        404
    );
    let anonymous = client()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("get");
    assert!(anonymous.status().is_redirection());
    // The list shows the file to its owner only.
    let body = page(&app, "/dossier/disputes", &mine).await;
    assert!(body.contains("bewijs.pdf"));
    let body = page(&app, "/dossier/disputes", &theirs).await;
    assert!(!body.contains("bewijs.pdf"));
}

#[tokio::test]
async fn a_hold_stops_interest_and_staff_decisions_restore_or_cancel_with_the_right_balance() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, BUSINESS).await;
    let [first, second] = invoice_ids(&app, &id).await[..] else {
        panic!("two invoices");
    };
    for (invoice, kind) in [(first, "wrong_amount"), (second, "never_received")] {
        let to = file(
            &app,
            &cookie,
            &[
                ("invoice", &invoice.to_string()),
                ("kind", kind),
                ("explanation", "Klopt niet."),
            ],
            &[(
                "afschrift.png",
                "image/png",
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
            )],
        )
        .await;
        assert!(to.starts_with("/dossier/disputes?filed="), "{to}");
    }
    // The overview says so, and from tomorrow no interest runs on either invoice.
    let overview = page(&app, "/dossier", &cookie).await;
    assert!(overview.contains(r#"data-testid="invoice-on-hold""#));
    let today = claim::dutch_date(Utc::now());
    let later = today.checked_add_days(Days::new(60)).expect("date");
    let now_view = claim::load_claim(&app.store, &id, today)
        .await
        .expect("claim");
    let later_view = claim::load_claim(&app.store, &id, later)
        .await
        .expect("claim");
    for invoice in [first, second] {
        assert_eq!(
            later_view.invoice(invoice).expect("inv").interest,
            now_view.invoice(invoice).expect("inv").interest,
            "held"
        );
    }

    // Staff: the queue, acknowledge one, uphold one and reject the other (upholding writes
    // off: an administrator's decision).
    common::staff_user_as(
        &app.store,
        "alice",
        "correct horse battery",
        store::StaffRole::Admin,
    )
    .await;
    let staff = staff_session(&app, "alice", "correct horse battery").await;
    let queue = page(&app, "/staff/disputes", &staff).await;
    assert_eq!(queue.matches(r#"data-testid="dispute-card""#).count(), 2);
    let disputes = app.store.disputes_for_dossier(&id).await.expect("db");
    let on = |invoice| {
        disputes
            .iter()
            .find(|d| d.claim_item_id == Some(invoice))
            .expect("dispute")
            .id
            .to_string()
    };
    let resp = form_post(
        &app,
        "staff_ack_dispute",
        Some(&staff),
        "/staff/disputes",
        &[("id", &on(second)), ("note", "We kijken ernaar.")],
    )
    .await;
    assert!(
        location(&resp).contains("done=acknowledged"),
        "{}",
        location(&resp)
    );
    // A decision without reasons is refused.
    let resp = form_post(
        &app,
        "staff_decide_dispute",
        Some(&staff),
        "/staff/disputes",
        &[("id", &on(second)), ("decision", "upheld"), ("answer", "")],
    )
    .await;
    assert!(location(&resp).contains("__err"), "{}", location(&resp));
    let before = claim::load_claim(&app.store, &id, today)
        .await
        .expect("claim");
    let cancelled = before.invoice(second).expect("inv").clone();
    for (invoice, decision, answer) in [
        (
            second,
            "upheld",
            "Deze factuur is nooit verstuurd; hij vervalt.",
        ),
        (
            first,
            "rejected",
            "Het bedrag klopt volgens de overeenkomst.",
        ),
    ] {
        let resp = form_post(
            &app,
            "staff_decide_dispute",
            Some(&staff),
            "/staff/disputes",
            &[
                ("id", &on(invoice)),
                ("decision", decision),
                ("answer", answer),
            ],
        )
        .await;
        assert!(
            location(&resp).contains("done=decided"),
            "{}",
            location(&resp)
        );
    }
    let after = claim::load_claim(&app.store, &id, today)
        .await
        .expect("claim");
    // The cancelled invoice leaves the balance (principal and interest), the WIK costs follow
    // the lower principal, the rejected one is owed as before.
    let wik_drop = before.totals.owed.costs.cents() - after.totals.owed.costs.cents();
    assert!(wik_drop > 0, "the WIK costs follow the principal");
    assert_eq!(
        before.open_total().cents() - after.open_total().cents(),
        cancelled.principal_open.cents() + cancelled.interest_open.cents() + wik_drop
    );
    assert_eq!(
        after.invoice(second).expect("inv").principal_open.cents(),
        0
    );
    assert_eq!(
        after.invoice(first).expect("inv").principal_open,
        before.invoice(first).expect("inv").principal_open
    );
    // Interest runs again on the rejected one only.
    let later_view = claim::load_claim(&app.store, &id, later)
        .await
        .expect("claim");
    assert!(
        later_view.invoice(first).expect("inv").interest
            > after.invoice(first).expect("inv").interest
    );
    assert_eq!(
        later_view
            .invoice(second)
            .expect("inv")
            .interest_open
            .cents(),
        0
    );
    // The debtor sees both answers.
    let body = page(&app, "/dossier/disputes", &cookie).await;
    assert!(body.contains("Deze factuur is nooit verstuurd; hij vervalt."));
    assert!(body.contains("Het bedrag klopt volgens de overeenkomst."));
    assert!(body.contains("We kijken ernaar."));
    // Audited.
    let actions = common::audit_actions(&app, BUSINESS).await;
    for action in [
        "dispute.filed",
        "dispute.acknowledged",
        "dispute.upheld",
        "dispute.rejected",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
    // A debtor cannot call the staff functions.
    let resp = form_post(
        &app,
        "staff_decide_dispute",
        Some(&cookie),
        "/staff/disputes",
        &[("id", &on(first)), ("decision", "upheld"), ("answer", "x")],
    )
    .await;
    assert!(!location(&resp).contains("done=decided"));
}

/// Writing off and booking money from proof are an administrator's decisions, and a closed
/// dispute's files are no longer an agent's business: each refused with 403, audited, and
/// nothing changed.
#[tokio::test]
async fn an_agent_cannot_write_off_book_from_proof_or_open_a_closed_disputes_files() {
    let app = start().await;
    let (debtor, id) = demo_session(&app, CONSUMER).await;
    let to = file(
        &app,
        &debtor,
        &[
            ("invoice", "all"),
            ("kind", "not_mine"),
            ("explanation", "Niet van mij."),
        ],
        &[("bewijs.pdf", "application/octet-stream", &pdf())],
    )
    .await;
    assert!(to.starts_with("/dossier/disputes?filed="), "{to}");
    let dispute = app.store.disputes_for_dossier(&id).await.expect("db")[0].id;
    let attachment = app.store.dispute_attachments(dispute).await.expect("db")[0].id;
    let file_path = format!("/staff/disputes/file/{attachment}");
    staff_user(&app.store, "agnes", "correct horse battery").await;
    common::staff_user_as(
        &app.store,
        "rita",
        "correct horse battery",
        store::StaffRole::Admin,
    )
    .await;
    let agent = staff_session(&app, "agnes", "correct horse battery").await;
    let admin = staff_session(&app, "rita", "correct horse battery").await;
    assert_eq!(
        get(&app, &file_path, &agent).await.status(),
        200,
        "open: the agent's work"
    );

    let today = claim::dutch_date(chrono::Utc::now());
    let before = claim::load_claim(&app.store, &id, today)
        .await
        .expect("claim");
    let ledger_before = app.store.ledger_entries(&id).await.expect("ledger").len();
    let id_text = dispute.to_string();
    for form in [
        vec![
            ("id", id_text.as_str()),
            ("decision", "upheld"),
            ("answer", "Vervalt."),
        ],
        vec![
            ("id", id_text.as_str()),
            ("decision", "paid"),
            ("answer", "Betaling gevonden."),
            ("amount", "10,00"),
        ],
    ] {
        let resp = common::server_fn(&app, "staff_decide_dispute", Some(&agent), &form).await;
        assert_eq!(resp.status(), 403, "{form:?}");
        let resp = form_post(
            &app,
            "staff_decide_dispute",
            Some(&agent),
            "/staff/disputes",
            &form,
        )
        .await;
        let error = common::error_in(&location(&resp));
        assert!(error.get("Forbidden").is_some(), "{error}");
    }
    let after = claim::load_claim(&app.store, &id, today)
        .await
        .expect("claim");
    assert_eq!(
        after.open_total(),
        before.open_total(),
        "nothing written off"
    );
    assert_eq!(
        app.store.ledger_entries(&id).await.expect("ledger").len(),
        ledger_before
    );
    let stored = app
        .store
        .dispute(dispute)
        .await
        .expect("db")
        .expect("dispute");
    assert_ne!(stored.status, store::DisputeStatus::Decided);
    let forbidden = common::audit_actions(&app, CONSUMER)
        .await
        .into_iter()
        .filter(|a| a == "staff.forbidden")
        .count();
    assert_eq!(forbidden, 4, "every refusal audited");

    // The administrator may; then the closed dispute's file is for administrators only.
    let resp = form_post(
        &app,
        "staff_decide_dispute",
        Some(&admin),
        "/staff/disputes",
        &[
            ("id", &id_text),
            ("decision", "upheld"),
            ("answer", "Vervalt."),
        ],
    )
    .await;
    assert!(
        location(&resp).contains("done=decided"),
        "{}",
        location(&resp)
    );
    assert_eq!(get(&app, &file_path, &agent).await.status(), 403);
    assert_eq!(get(&app, &file_path, &admin).await.status(), 200);
}
