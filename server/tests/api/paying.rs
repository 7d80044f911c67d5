//! Paying through the portal over HTTP, against the built-in Pay.nl sandbox (a real
//! simulator on its own socket): forms post like a browser without JavaScript, Pay.nl's
//! exchange calls come back over HTTP, and the balance is read from the ledger.

use crate::common;

use common::{audit_actions, call, client, demo_session, get, start};
use serde_json::{Value, json};

const CONSUMER: &str = "ISB-2000-000001";

/// Posts the pay form as a browser without JavaScript does; returns the redirect target.
async fn pay_form(app: &common::TestApp, cookie: &str, form: &[(&str, &str)]) -> String {
    let resp = client()
        .post(format!("{}/api/start_payment", app.base))
        .header("cookie", cookie)
        .header("accept", "text/html")
        .header("referer", format!("{}/dossier", app.base))
        .form(form)
        .send()
        .await
        .expect("pay");
    assert!(resp.status().is_redirection(), "{}", resp.status());
    resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

async fn sim(app: &common::TestApp, path: &str, body: Value) -> Value {
    let url = app.services.paynl_sandbox.as_ref().expect("sandbox").url();
    client()
        .post(format!("{url}{path}"))
        .json(&body)
        .send()
        .await
        .expect("simulator")
        .json()
        .await
        .unwrap_or(Value::Null)
}

async fn open_total(app: &common::TestApp, cookie: &str) -> i64 {
    let (_, overview) = call(app, "claim_overview", cookie, &[]).await;
    overview["open_total"].as_i64().expect("open total")
}

#[tokio::test]
async fn paying_everything_books_once_and_clears_the_balance() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    assert!(open_total(&app, &cookie).await > 0);

    let to = pay_form(&app, &cookie, &[("intent", "page-1")]).await;
    let sandbox = app.services.paynl_sandbox.as_ref().expect("sandbox").url();
    assert!(to.starts_with(sandbox), "to Pay.nl's page: {to}");
    // A double click: the same order, not a second one.
    assert_eq!(pay_form(&app, &cookie, &[("intent", "page-1")]).await, to);
    let payments = app.store.payments_for_dossier(&id).await.expect("db");
    assert_eq!(payments.len(), 1);
    let order = to.rsplit('/').next().expect("order id");

    sim(&app, &format!("/_sim/orders/{order}/pay"), json!({})).await;
    let payment_id = payments[0].id.clone();
    let mut state = Value::Null;
    for _ in 0..50 {
        let (_, view) = call(
            &app,
            "payment_status",
            "",
            &[("payment", payment_id.as_str())],
        )
        .await;
        state = view["state"].clone();
        if state == "paid" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state, "paid");
    assert_eq!(open_total(&app, &cookie).await, 0, "the balance is cleared");
    // Pay.nl calls again: nothing more is booked.
    sim(&app, &format!("/_sim/orders/{order}/resend"), json!({})).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let entries = app.store.ledger_entries(&id).await.expect("db");
    let for_payment = entries
        .iter()
        .filter(|e| e.payment_id.as_ref() == Some(&payment_id))
        .count();
    assert_eq!(for_payment, 1, "booked exactly once");
}

#[tokio::test]
async fn a_part_payment_is_checked_against_the_minimum_and_the_balance() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    let (status, err) = call(
        &app,
        "start_payment",
        &cookie,
        &[("intent", "a"), ("part", "2,50")],
    )
    .await;
    assert_ne!(status, 200);
    assert!(
        err["Amount"]["problem"]["BelowMinimum"].is_object(),
        "{err}"
    );
    assert_eq!(err["Amount"]["typed"], "2,50");
    let (_, err) = call(
        &app,
        "start_payment",
        &cookie,
        &[("intent", "b"), ("part", "999999,00")],
    )
    .await;
    assert!(err["Amount"]["problem"]["AboveOpen"].is_object(), "{err}");
    let (_, err) = call(
        &app,
        "start_payment",
        &cookie,
        &[("intent", "c"), ("part", "veel")],
    )
    .await;
    assert_eq!(err["Amount"]["problem"], "NotAnAmount", "{err}");
    assert!(
        app.store
            .payments_for_dossier(&id)
            .await
            .expect("db")
            .is_empty()
    );

    let to = pay_form(&app, &cookie, &[("intent", "d"), ("part", "25,00")]).await;
    assert!(to.contains("/pay/"), "{to}");
    let payments = app.store.payments_for_dossier(&id).await.expect("db");
    assert_eq!(payments[0].amount, domain::Money::from_cents(2500));
}

#[tokio::test]
async fn a_paynl_outage_is_explained_and_books_nothing() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    let before = open_total(&app, &cookie).await;
    sim(
        &app,
        "/_sim/faults",
        json!({"api_error": {"count": 5, "status": 503}}),
    )
    .await;
    let (status, err) = call(&app, "start_payment", &cookie, &[("intent", "x")]).await;
    assert_ne!(status, 200);
    assert_eq!(err, "ProviderDown");
    assert_eq!(open_total(&app, &cookie).await, before);
    assert!(
        app.store
            .ledger_entries(&id)
            .await
            .expect("db")
            .iter()
            .all(|e| e.payment_id.is_none())
    );
}

#[tokio::test]
async fn a_cancelled_payment_shows_as_cancelled_and_leaves_the_balance() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    let before = open_total(&app, &cookie).await;
    let to = pay_form(&app, &cookie, &[("intent", "c1")]).await;
    let order = to.rsplit('/').next().expect("order");
    sim(&app, &format!("/_sim/orders/{order}/cancel"), json!({})).await;
    let payment = &app.store.payments_for_dossier(&id).await.expect("db")[0];
    let html = common::follow(&app, &format!("/pay/return/{}", payment.id)).await;
    assert!(html.contains("geannuleerd"), "cancelled shown");
    assert_eq!(open_total(&app, &cookie).await, before);
}

#[tokio::test]
async fn a_forged_exchange_call_is_refused() {
    let app = start().await;
    let resp = client()
        .post(format!("{}/api/paynl/exchange", app.base))
        .header("signature", "00")
        .header("signature-keyid", "SL-0000-0000")
        .header("signature-method", "HMAC")
        .header("content-type", "application/json")
        .body(r#"{"object":{"id":"x","status":{"code":100,"action":"PAID"}}}"#)
        .send()
        .await
        .expect("exchange");
    let status = resp.status();
    let body = resp.text().await.expect("body");
    assert!(!body.starts_with("TRUE"), "{status} {body}");
}

/// A pay-only link must not become a way to create orders at Pay.nl by the thousand: after
/// five unfinished payments in an hour the sixth is refused with a clear message (429 for a
/// hydrated page), and nothing reaches Pay.nl.
#[tokio::test]
async fn unfinished_payments_per_dossier_are_limited() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    for i in 0..payments::MAX_OPEN_ORDERS {
        let to = pay_form(&app, &cookie, &[("intent", &format!("try-{i}"))]).await;
        let sandbox = app.services.paynl_sandbox.as_ref().expect("sandbox").url();
        assert!(to.starts_with(sandbox), "{to}");
    }
    let resp = common::server_fn(
        &app,
        "start_payment",
        Some(&cookie),
        &[("intent", "one-more")],
    )
    .await;
    assert_eq!(resp.status(), 429);
    let to = pay_form(&app, &cookie, &[("intent", "one-more-form")]).await;
    let page = common::get_page(&app, &to, Some(&cookie))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("nog niet zijn afgerond"), "{to}: {page}");
    let payments = app.store.payments_for_dossier(&id).await.expect("db");
    assert_eq!(
        payments.len(),
        payments::MAX_OPEN_ORDERS,
        "no order beyond the limit"
    );
}

/// The same limit holds when the requests come all at once.
#[tokio::test]
async fn unfinished_payments_per_dossier_are_limited_under_parallel_requests() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    let intents: Vec<String> = (0..20).map(|i| format!("burst-{i}")).collect();
    let calls = intents.iter().map(|intent| {
        let app = &app;
        let cookie = &cookie;
        async move {
            let form = [("intent", intent.as_str())];
            common::server_fn(app, "start_payment", Some(cookie), &form).await
        }
    });
    let statuses: Vec<u16> = futures::future::join_all(calls)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(refused, 20 - payments::MAX_OPEN_ORDERS, "{statuses:?}");
    let payments = app.store.payments_for_dossier(&id).await.expect("db");
    assert_eq!(payments.len(), payments::MAX_OPEN_ORDERS);
}

/// Art. 6:43 lid 1 BW: the claim page offers "pay this invoice" per invoice with something
/// open, as a plain form; posted like a browser without JavaScript it starts a payment of
/// what that invoice has open, kept with the invoice, and once paid that invoice is settled
/// while the others keep what they had open. The page then says which rule was applied.
#[tokio::test]
async fn paying_one_invoice_from_the_claim_page_settles_that_invoice() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    let today = claim::dutch_date(chrono::Utc::now());
    let view = claim::load_claim(&app.store, &id, today)
        .await
        .expect("claim");
    assert!(
        view.invoices.len() > 1,
        "the demo dossier has several invoices"
    );
    let chosen = view.invoices.last().expect("an invoice").clone();
    assert!(chosen.open_for_payment().is_positive());

    // The form is on the page, one per invoice with something open.
    let html = get(&app, "/dossier", &cookie)
        .await
        .text()
        .await
        .expect("html");
    let field = format!("name=\"invoice\" value=\"{}\"", chosen.id);
    assert!(
        html.contains(&field),
        "pay-this-invoice form for {}",
        chosen.id
    );
    let forms = html.matches("data-testid=\"pay-invoice\"").count();
    let open_invoices = view
        .invoices
        .iter()
        .filter(|i| i.open_for_payment().is_positive())
        .count();
    assert_eq!(forms, open_invoices);

    let invoice = chosen.id.to_string();
    let to = pay_form(
        &app,
        &cookie,
        &[("intent", "page-1-inv"), ("invoice", invoice.as_str())],
    )
    .await;
    let sandbox = app.services.paynl_sandbox.as_ref().expect("sandbox").url();
    assert!(to.starts_with(sandbox), "to Pay.nl's page: {to}");
    let payments = app.store.payments_for_dossier(&id).await.expect("db");
    let payment = payments
        .iter()
        .find(|p| p.claim_item_id == Some(chosen.id))
        .expect("the payment keeps the invoice");
    assert_eq!(payment.amount, chosen.open_for_payment());
    let order = to.rsplit('/').next().expect("order id");
    sim(&app, &format!("/_sim/orders/{order}/pay"), json!({})).await;
    let mut after = view.clone();
    for _ in 0..50 {
        after = claim::load_claim(&app.store, &id, today)
            .await
            .expect("claim");
        if after.entries.len() > view.entries.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let paid = after.invoice(chosen.id).expect("the invoice");
    assert_eq!(paid.principal_open, domain::Money::ZERO);
    assert_eq!(paid.interest_open, domain::Money::ZERO);
    for other in view.invoices.iter().filter(|i| i.id != chosen.id) {
        let now = after.invoice(other.id).expect("invoice");
        assert_eq!(now.principal_open, other.principal_open, "{}", other.number);
        assert_eq!(now.interest_open, other.interest_open, "{}", other.number);
    }
    // The derivation names the rule applied to the payment.
    let html = get(&app, "/dossier", &cookie)
        .await
        .text()
        .await
        .expect("html");
    // Leptos may put markers around the interpolated number.
    let at = html
        .find("Uw keuze: factuur")
        .expect("the choice is explained");
    let rule = &html[at..(at + 200).min(html.len())];
    assert!(
        rule.contains(&chosen.number) && rule.contains("(artikel 6:43 lid 1)"),
        "{rule}"
    );
    // A made-up invoice id has nothing to pay.
    let (status, err) = call(
        &app,
        "start_payment",
        &cookie,
        &[("intent", "other"), ("invoice", "999999")],
    )
    .await;
    assert_ne!(status, 200);
    assert_eq!(err, "NothingToPay", "{err}");
}

/// A part payment leaves one receipt (queued with the booking; the exchange call and the
/// return page both apply the status, a replayed call adds nothing) that the debtor reads on
/// `/dossier/messages` in their language, with what it paid off; the reminders switch is
/// audited; the demo mailbox shows the same message and is absent without the sandbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_leaves_one_receipt_on_the_messages_page() {
    let app = start().await;
    let (cookie, id) = demo_session(&app, CONSUMER).await;
    let to = pay_form(&app, &cookie, &[("intent", "msg-1"), ("part", "25,00")]).await;
    let order = to.rsplit('/').next().expect("order id").to_owned();
    sim(&app, &format!("/_sim/orders/{order}/pay"), json!({})).await;
    for _ in 0..50 {
        let queued = app
            .store
            .mails_for_dossier(&id)
            .await
            .expect("db")
            .iter()
            .any(|m| m.notice.kind() == domain::NoticeKind::PaymentReceived);
        if queued {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The return page applies the same status again: still one receipt.
    let payment = app
        .store
        .payment_by_order_id(&order)
        .await
        .expect("db")
        .expect("payment");
    let _ = get(&app, &format!("/pay/return/{}", payment.id), &cookie).await;
    let receipts: Vec<_> = app
        .store
        .mails_for_dossier(&id)
        .await
        .expect("db")
        .into_iter()
        .filter(|m| m.notice.kind() == domain::NoticeKind::PaymentReceived)
        .collect();
    assert_eq!(receipts.len(), 1);
    let domain::Notice::PaymentReceived {
        amount,
        costs,
        interest,
        principal,
        ..
    } = &receipts[0].notice
    else {
        panic!("a receipt");
    };
    assert_eq!(amount.cents(), 25_00);
    assert_eq!(
        costs.cents() + interest.cents() + principal.cents(),
        25_00,
        "all of it paid something off"
    );

    let html = get(&app, "/dossier/messages", &cookie)
        .await
        .text()
        .await
        .expect("html");
    assert!(html.contains("Betaling ontvangen: € 25,00"), "{html}");
    assert!(html.contains("artikel 6:44 BW"));
    let english = client()
        .get(format!("{}/dossier/messages", app.base))
        .header("cookie", format!("{cookie}; i18n_pref_locale=en"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(english.contains("Payment received: €25.00"), "{english}");

    // The art. 20 export holds it too, with its facts.
    let export: Value = get(&app, "/dossier/data/export.json", &cookie)
        .await
        .json()
        .await
        .expect("json");
    let kinds: Vec<&str> = export["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"payment_received"), "{kinds:?}");

    // Reminders off, audited, and shown so.
    let resp = client()
        .post(format!("{}/api/set_reminders", app.base))
        .header("cookie", &cookie)
        .header("accept", "text/html")
        .header("referer", format!("{}/dossier/messages", app.base))
        .form(&[("on", "false")])
        .send()
        .await
        .expect("switch");
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert!(!app.store.mail_addressee(&id).await.expect("db").reminders);
    assert!(
        audit_actions(&app, CONSUMER)
            .await
            .iter()
            .any(|a| a == "mail.reminders_off")
    );

    // The demo mailbox (sandbox, no relay) lists it, in English now: the debtor last used
    // the portal in English, so that is the language of their messages.
    let mailbox = client()
        .get(format!("{}/demo/mail", app.base))
        .send()
        .await
        .expect("mailbox");
    assert_eq!(mailbox.status(), 200);
    assert!(
        mailbox
            .text()
            .await
            .expect("html")
            .contains("Payment received")
    );
}
