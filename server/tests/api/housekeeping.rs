//! Housekeeping, on SQLite and PostgreSQL: each kind of record is forgotten on time and not
//! before (a row just younger and one just older than each window), a second sweep finds
//! nothing, and the window for sign-in attempts follows `login_attempts_days`.

use chrono::{DateTime, Duration, Utc};
use server::housekeeping::{Retention, Swept, sweep};
use store::{AttemptKey, AttemptKeyKind, NewExchangeCall, Store};

store::backend_tests!(
    each_kind_is_forgotten_on_time_and_not_before,
    sign_in_attempts_follow_their_setting
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
