//! Housekeeping, on SQLite and PostgreSQL: each kind of record is forgotten on time and not
//! before (a row just younger and one just older than each window), a second sweep finds
//! nothing, and the window for sign-in attempts follows `login_attempts_days`; income and
//! expenses statements go a year after their plan ended, never while it is in review or runs.

#![allow(clippy::inconsistent_digit_grouping)]

use chrono::{DateTime, Duration, Utc};
use server::housekeeping::{Retention, Swept, sweep};
use sqlx::Row;
use store::{AttemptKey, AttemptKeyKind, NewExchangeCall, Store};

store::backend_tests!(
    each_kind_is_forgotten_on_time_and_not_before,
    sign_in_attempts_follow_their_setting,
    a_statement_goes_a_year_after_its_plan_ended_and_not_before
);

/// Logs an exchange call `age` before `now` with `outcome`; returns its id.
async fn call(store: &Store, now: DateTime<Utc>, age: Duration, outcome: &str) {
    let id = store
        .log_exchange_call(&NewExchangeCall {
            received_at: now - age,
            order_id: Some("51234567890X1234".into()),
            raw_body: r#"{"object":{"id":"51234567890X1234","customer":"J. Jansen"}}"#.into(),
            signature_ok: !outcome.starts_with("rejected"),
            caller_ip: Some("203.0.113.9".parse().expect("ip")),
        })
        .await
        .expect("call");
    store
        .set_exchange_outcome(id, outcome)
        .await
        .expect("outcome");
}

/// How many attempts against `key` are kept (all are failures here).
async fn attempts(store: &Store, key: &AttemptKey) -> i64 {
    store
        .count_login_failures(key, DateTime::<Utc>::MIN_UTC)
        .await
        .expect("count")
}

async fn each_kind_is_forgotten_on_time_and_not_before(store: Store) {
    let now = Utc::now();
    let key = AttemptKey::new(AttemptKeyKind::Ip, "203.0.113.9");
    for age in [Duration::days(31), Duration::days(29)] {
        store
            .record_login_attempt(&key, false, now - age)
            .await
            .expect("attempt");
    }
    for (age, outcome) in [
        // Refused calls: 30 days.
        (Duration::days(31), "rejected: bad signature"),
        (Duration::days(29), "rejected: bad signature"),
        // Others: the body and address go after 90 days, the row after 400.
        (Duration::days(91), "booked"),
        (Duration::days(89), "booked"),
        (Duration::days(401), "booked"),
        (Duration::days(399), "ignored: not our order"),
    ] {
        call(&store, now, age, outcome).await;
    }
    // Leases whose expiry is 25 and 23 hours past, and one in use.
    let hours = [-25, -23, 1];
    for h in hours {
        let expires = now + Duration::hours(h);
        assert!(
            store
                .acquire_lease(
                    &format!("payments.dossier:{h}"),
                    "a-process",
                    expires - Duration::seconds(30),
                    Duration::seconds(30),
                )
                .await
                .expect("lease")
        );
    }

    let swept = sweep(&store, Retention::default(), now)
        .await
        .expect("sweep");
    assert_eq!(
        swept,
        Swept {
            sessions: 0,
            login_attempts: 1,
            exchange_calls: 2,
            exchange_call_bodies: 2,
            job_leases: 1,
            plan_budgets: 0,
        }
    );
    assert_eq!(attempts(&store, &key).await, 1, "the attempt of 29 days");

    let mut left: Vec<_> = store
        .recent_exchange_calls(10)
        .await
        .expect("calls")
        .into_iter()
        .map(|c| {
            (
                (now - c.received_at).num_days(),
                c.raw_body.is_empty(),
                c.caller_ip.is_none(),
                c.outcome.unwrap_or_default(),
                c.order_id.unwrap_or_default(),
            )
        })
        .collect();
    left.sort_by_key(|c| c.0);
    let order = "51234567890X1234".to_owned();
    assert_eq!(
        left,
        vec![
            (
                29,
                false,
                false,
                "rejected: bad signature".into(),
                order.clone()
            ),
            (89, false, false, "booked".into(), order.clone()),
            // Blanked, but when, which order and what was done stay.
            (91, true, true, "booked".into(), order.clone()),
            (
                399,
                true,
                true,
                "ignored: not our order".into(),
                order.clone()
            ),
        ]
    );

    for (h, kept) in [(-25, false), (-23, true), (1, true)] {
        let lease = store
            .lease(&format!("payments.dossier:{h}"))
            .await
            .expect("lease");
        assert_eq!(lease.is_some(), kept, "the lease expiring at {h} h");
    }
    // Deleting the row does not change who may take the lease.
    assert!(
        store
            .acquire_lease(
                "payments.dossier:-25",
                "another",
                now,
                Duration::seconds(30)
            )
            .await
            .expect("take")
    );

    assert_eq!(
        sweep(&store, Retention::default(), now)
            .await
            .expect("again"),
        Swept::default(),
        "a second sweep finds nothing"
    );
}

async fn sign_in_attempts_follow_their_setting(store: Store) {
    let now = Utc::now();
    let key = AttemptKey::new(AttemptKeyKind::Dossier, "ISB-2026-000123");
    for age in [
        Duration::days(8),
        Duration::days(6),
        Duration::hours(25),
        Duration::hours(1),
    ] {
        store
            .record_login_attempt(&key, false, now - age)
            .await
            .expect("attempt");
    }
    let week = Retention {
        login_attempts: Duration::days(7),
        ..Retention::default()
    };
    assert_eq!(
        sweep(&store, week, now)
            .await
            .expect("sweep")
            .login_attempts,
        1
    );
    // The shortest allowed, two days, still keeps everything the 24-hour throttle reads.
    let two_days = Retention {
        login_attempts: Duration::days(2),
        ..Retention::default()
    };
    assert_eq!(
        sweep(&store, two_days, now)
            .await
            .expect("sweep")
            .login_attempts,
        1
    );
    assert_eq!(attempts(&store, &key).await, 2);
}

/// A plan of `dossier` in `status`, last changed at `changed`, with a statement and a file.
async fn plan_with_statement(
    store: &Store,
    dossier: &domain::DossierId,
    status: store::PlanStatus,
    changed: DateTime<Utc>,
) -> domain::PlanId {
    let plan = store
        .create_plan(
            &store::NewPlan {
                dossier_id: dossier.clone(),
                status: store::PlanStatus::NeedsReview,
                instalments: vec![store::NewInstalment {
                    due_date: changed.date_naive(),
                    amount: domain::Money::from_cents(10_00),
                }],
                interest_stops: false,
            },
            changed,
        )
        .await
        .expect("plan");
    let money = domain::Money::from_cents;
    store
        .save_plan_budget(
            &store::NewPlanBudget {
                plan_id: plan.id.clone(),
                dossier_id: dossier.clone(),
                household: domain::Household::Single,
                net_income: money(1_400_00),
                housing: money(700_00),
                health_insurance: money(30_00),
                childcare: money(0),
                other_debts: money(0),
                other_fixed: money(100_00),
                protected: money(1_330_00),
                capacity: money(70_00),
                verdict: store::BudgetVerdict::CanPay,
                table_from: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
                created_at: changed,
                attachments: vec![store::NewAttachment {
                    filename: "loonstrook.pdf".into(),
                    content_type: store::AttachmentType::Pdf,
                    sha256: "0".repeat(64),
                    content: b"%PDF-1.4 loonstrook".to_vec(),
                }],
            },
            &store::NewAuditEvent {
                at: changed,
                actor_kind: store::ActorKind::Debtor,
                actor_id: None,
                dossier_id: Some(dossier.clone()),
                action: "plan.budget.submitted".into(),
                detail: serde_json::json!({}),
                client_ip: None,
                counsellor: None,
            },
        )
        .await
        .expect("statement");
    if status != store::PlanStatus::NeedsReview {
        assert!(
            store
                .set_plan_status(&plan.id, &[store::PlanStatus::NeedsReview], status, changed)
                .await
                .expect("status")
        );
    }
    plan.id
}

async fn a_statement_goes_a_year_after_its_plan_ended_and_not_before(store: Store) {
    let now = Utc::now();
    let year = |days_more: i64| {
        now.checked_sub_months(chrono::Months::new(domain::PLAN_BUDGET_KEPT_MONTHS))
            .expect("date")
            - Duration::days(days_more)
    };
    use store::PlanStatus::{Active, Completed, Defaulted, NeedsReview, Rejected};
    let mut plans = Vec::new();
    // One dossier per plan: a dossier has one plan in play at a time.
    for (n, (status, changed, kept)) in [
        (Rejected, year(1), false),
        (Completed, year(1), false),
        (Defaulted, year(1), false),
        (Rejected, year(-1), true),
        (Completed, year(-1), true),
        // In review or running: kept whatever its age.
        (NeedsReview, year(400), true),
        (Active, year(400), true),
    ]
    .into_iter()
    .enumerate()
    {
        let dossier =
            store::testing::seed_consumer_dossier(&store, &format!("ISB-2026-00010{n}")).await;
        let plan = plan_with_statement(&store, &dossier, status, changed).await;
        plans.push((plan, status, kept));
    }
    let swept = sweep(&store, Retention::default(), now)
        .await
        .expect("sweep");
    assert_eq!(swept.plan_budgets, 3);
    for (plan, status, kept) in &plans {
        let left = store.plan_budget(plan).await.expect("db");
        assert_eq!(left.is_some(), *kept, "a statement of a {status} plan");
        if let Some(left) = left {
            assert_eq!(left.files.len(), 1, "its file stays with it");
        }
        assert!(
            store.plan(plan).await.expect("db").is_some(),
            "the plan stays"
        );
    }
    let files: i64 = sqlx::query("SELECT COUNT(*) AS n FROM plan_budget_attachment")
        .fetch_one(store.pool())
        .await
        .expect("count")
        .try_get("n")
        .expect("n");
    assert_eq!(files, 4, "the files went with their statements");
    assert_eq!(
        sweep(&store, Retention::default(), now)
            .await
            .expect("again")
            .plan_budgets,
        0
    );
}
