//! `GET /metrics`: not served without a token, 401 without the right one, Prometheus' text
//! with the portal's metrics with it; a refused exchange call, a throttled sign-in and a
//! housekeeping round are counted.
//!
//! The recorder is one per process and this binary runs many servers at once, so counters
//! are compared before and after, never expected to be zero.

use crate::common::{client, dossier_with_secret, sign_in_form, start, start_with_flags};

const TOKEN: &str = "scrape-token-for-the-tests-0123456789";

/// `/metrics` with `token` as bearer (none: no header).
async fn scrape(base: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = client().get(format!("{base}/metrics"));
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    req.send().await.expect("metrics")
}

/// The value of the series `series` (name with labels, as rendered) in `body`.
fn value(body: &str, series: &str) -> f64 {
    body.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in\n{body}"))
        .trim()
        .parse()
        .expect("a number")
}

#[tokio::test]
async fn without_a_configured_token_there_is_no_metrics_page() {
    let app = start().await;
    for token in [None, Some(TOKEN)] {
        assert_eq!(scrape(&app.base, token).await.status(), 404);
    }
}

#[tokio::test]
async fn the_metrics_need_the_token_and_name_the_portals_metrics() {
    let app = start_with_flags(&["--metrics-token", TOKEN]).await;
    for wrong in [None, Some("scrape-token-for-the-tests-012345678"), Some("")] {
        let resp = scrape(&app.base, wrong).await;
        assert_eq!(resp.status(), 401, "{wrong:?}");
        assert_eq!(
            resp.headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer")
        );
    }
    let basic = client()
        .get(format!("{}/metrics", app.base))
        .header("authorization", format!("Basic {TOKEN}"))
        .send()
        .await
        .expect("basic");
    assert_eq!(basic.status(), 401);

    let resp = scrape(&app.base, Some(TOKEN)).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain")),
    );
    let body = resp.text().await.expect("body");
    for name in [
        "portal_rows_removed_total{kind=\"login_attempts\"}",
        "portal_rows_removed_total{kind=\"exchange_call_bodies\"}",
        "portal_rows_removed_total{kind=\"job_leases\"}",
        "portal_rows_removed_total{kind=\"dossiers\"}",
        "portal_exchange_calls_total{outcome=\"accepted\"}",
        "portal_exchange_calls_total{outcome=\"refused\"}",
        "portal_sign_in_throttled_total",
        "portal_payments_open_over_a_day",
        "portal_mail_outbox{status=\"queued\"}",
        "portal_mail_outbox{status=\"failed\"}",
        "portal_mail_sent_total",
        "portal_mail_failed_total",
    ] {
        value(&body, name);
    }
    // A fresh database has no payment open for a day, and nothing in the outbox.
    assert_eq!(value(&body, "portal_payments_open_over_a_day"), 0.0);
    assert_eq!(value(&body, "portal_mail_outbox{status=\"queued\"}"), 0.0);
}

#[tokio::test]
async fn a_throttled_sign_in_is_counted() {
    let app = start_with_flags(&["--metrics-token", TOKEN]).await;
    let throttled = "portal_sign_in_throttled_total";
    let before = value(
        &scrape(&app.base, Some(TOKEN))
            .await
            .text()
            .await
            .expect("body"),
        throttled,
    );
    dossier_with_secret(&app.store, "ISB-2026-000777", "ABCD-EFGH-JKMN").await;
    // Four wrong codes, then the fifth attempt is throttled.
    for _ in 0..5 {
        sign_in_form(&app, "ISB-2026-000777", "ZZZZ-ZZZZ-ZZZZ").await;
    }
    let body = scrape(&app.base, Some(TOKEN))
        .await
        .text()
        .await
        .expect("body");
    assert!(value(&body, throttled) > before, "{body}");
}

#[tokio::test]
async fn a_refused_exchange_call_and_a_finished_job_show_in_the_metrics() {
    let app = start_with_flags(&["--metrics-token", TOKEN]).await;
    let refused = "portal_exchange_calls_total{outcome=\"refused\"}";
    let before = value(
        &scrape(&app.base, Some(TOKEN))
            .await
            .text()
            .await
            .expect("body"),
        refused,
    );
    let resp = client()
        .post(format!("{}/api/paynl/exchange", app.base))
        .header("signature", "00")
        .header("signature-keyid", "SL-0000-0000")
        .header("signature-method", "HMAC")
        .header("content-type", "application/json")
        .body(r#"{"object":{"id":"51234567890X1234"}}"#)
        .send()
        .await
        .expect("exchange");
    assert_eq!(resp.status(), 403);

    // A housekeeping round, as the job runs it, counts what it removed.
    let removed = "portal_rows_removed_total{kind=\"login_attempts\"}";
    let key = store::AttemptKey::new(store::AttemptKeyKind::Ip, "198.51.100.7");
    let now = chrono::Utc::now();
    app.store
        .record_login_attempt(&key, false, now - chrono::Duration::days(40))
        .await
        .expect("attempt");
    let removed_before = value(
        &scrape(&app.base, Some(TOKEN))
            .await
            .text()
            .await
            .expect("body"),
        removed,
    );
    server::housekeeping::round(&app.store, server::housekeeping::Retention::default(), now)
        .await
        .expect("round");
    server::metrics::job_succeeded(server::metrics::job::HOUSEKEEPING, now);

    let body = scrape(&app.base, Some(TOKEN))
        .await
        .text()
        .await
        .expect("body");
    assert!(value(&body, refused) > before, "{body}");
    assert!(value(&body, removed) > removed_before, "{body}");
    assert!(
        value(
            &body,
            "portal_job_last_success_timestamp_seconds{job=\"housekeeping\"}"
        ) >= now.timestamp() as f64
    );
    // ... and in the readiness detail.
    let ready: serde_json::Value = client()
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("readyz")
        .json()
        .await
        .expect("json");
    assert!(
        ready["jobs_last_success"]["housekeeping"].is_string(),
        "{ready}"
    );
}
