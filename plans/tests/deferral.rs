//! Paying later in one sum, on SQLite and (with `TEST_DATABASE_URL`) PostgreSQL: granted at
//! once within the rules, staff decide outside them, one arrangement at a time, kept when paid
//! through the Pay.nl simulator, broken when the day passes, once per dossier.

#![allow(clippy::inconsistent_digit_grouping)]

mod common;

use chrono::{Days, Duration, Utc};
use common::Rig;
use domain::plan::PlanRequest;
use domain::{DeferralBreach, Notice};
use payments::{PayAmount, PayPurpose, PayRequest};
use plans::{DeferralDecisionKind, LifecycleConfig, LifecycleJob, PlanConfig, PlansError};
use store::{ActorKind, DeferralStatus, Store};

store::backend_tests!(
    within_the_rules_a_deferral_is_granted_at_once_and_kept_when_paid,
    outside_the_rules_staff_decide_and_the_debtor_is_told,
    a_missed_day_ends_the_deferral_and_a_second_one_goes_to_staff,
    the_reminder_comes_a_few_days_before_the_day,
    a_day_in_a_pause_in_collection_counts_from_the_day_after_it,
);

async fn notices(store: &Store, rig: &Rig) -> Vec<Notice> {
    let mut mails = store.mails_for_dossier(&rig.dossier_id).await.unwrap();
    mails.reverse();
    mails.into_iter().map(|m| m.notice).collect()
}

async fn within_the_rules_a_deferral_is_granted_at_once_and_kept_when_paid(store: Store) {
    let rig = Rig::start(store).await;
    let now = Utc::now();
    let today = claim::dutch_date(now);
    let open = rig.open().await;
    let pay_by = today.checked_add_days(Days::new(30)).unwrap();
    let deferral = rig
        .plans
        .request_deferral(&rig.dossier_id, pay_by, None, now)
        .await
        .unwrap();
    assert_eq!(deferral.status, DeferralStatus::Granted);
    assert_eq!((deferral.pay_by, deferral.open_when_asked), (pay_by, open));
    assert!(deferral.breaches.is_empty());
    assert!(
        notices(&rig.store, &rig)
            .await
            .contains(&Notice::DeferralDecided {
                granted: true,
                pay_by,
                amount: open,
                note: None,
            })
    );
    // One arrangement at a time: no second deferral, no plan beside it.
    assert!(matches!(
        rig.plans
            .request_deferral(&rig.dossier_id, pay_by, None, now)
            .await,
        Err(PlansError::DeferralInPlay)
    ));
    assert!(matches!(
        rig.plans
            .propose(&rig.dossier_id, PlanRequest::Months(3), None, now)
            .await,
        Err(PlansError::DeferralInPlay)
    ));
    // Before the day nothing changes.
    let job = LifecycleJob::new(rig.plans.clone(), LifecycleConfig::default());
    let report = job.run_once(now + Duration::days(10)).await.unwrap();
    assert_eq!((report.deferrals.kept, report.deferrals.broken), (0, 0));

    // Paying everything keeps it.
    let started = rig
        .service
        .start(
            &rig.dossier_id,
            &PayRequest {
                amount: PayAmount::FullBalance,
                purpose: PayPurpose::Full,
                intent_key: "all".into(),
            },
            Utc::now(),
        )
        .await
        .unwrap();
    rig.pay_order(&started.payment_id).await;
    let report = job.run_once(Utc::now()).await.unwrap();
    assert_eq!(report.deferrals.kept, 1);
    let stored = rig.store.deferral(&deferral.id).await.unwrap().unwrap();
    assert_eq!(stored.status, DeferralStatus::Kept);
    assert!(stored.ended_at.is_some());
    let actions: Vec<(String, ActorKind)> = rig
        .store
        .audit_for_dossier(&rig.dossier_id, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.actor_kind))
        .collect();
    assert!(actions.contains(&("deferral.requested".into(), ActorKind::Debtor)));
    assert!(actions.contains(&("deferral.kept".into(), ActorKind::System)));
}

async fn outside_the_rules_staff_decide_and_the_debtor_is_told(store: Store) {
    let config = PlanConfig {
        deferral: plans::DeferralConfig {
            max_open_cents: domain::Money::from_cents(100_00),
            ..plans::DeferralConfig::default()
        },
        ..PlanConfig::default()
    };
    let rig = Rig::with_plans(store, config).await;
    let now = Utc::now();
    let today = claim::dutch_date(now);
    let open = rig.open().await;
    assert!(
        open > domain::Money::from_cents(100_00),
        "the seed owes more"
    );
    let pay_by = today.checked_add_days(Days::new(45)).unwrap();
    // Too late and too much: a reason is required, and nothing is stored without one.
    match rig
        .plans
        .request_deferral(&rig.dossier_id, pay_by, Some("  ".into()), now)
        .await
    {
        Err(PlansError::DeferralReasonRequired { breaches }) => assert_eq!(
            breaches,
            [
                DeferralBreach::TooLate { max_days: 30 },
                DeferralBreach::TooMuch {
                    max_open: domain::Money::from_cents(100_00)
                }
            ]
        ),
        other => panic!("{other:?}"),
    }
    assert!(
        rig.store
            .deferrals_for_dossier(&rig.dossier_id)
            .await
            .unwrap()
            .is_empty()
    );
    // Days that cannot be are refused outright.
    assert!(matches!(
        rig.plans
            .request_deferral(&rig.dossier_id, today, Some("x".into()), now)
            .await,
        Err(PlansError::DeferralDate(
            domain::DeferralDateError::NotLater
        ))
    ));
    let asked = rig
        .plans
        .request_deferral(
            &rig.dossier_id,
            pay_by,
            Some("Salaris pas over 6 weken".into()),
            now,
        )
        .await
        .unwrap();
    assert_eq!(asked.status, DeferralStatus::NeedsReview);
    assert!(
        notices(&rig.store, &rig).await.is_empty(),
        "nothing decided yet"
    );
    let queue = rig.plans.deferral_queue(now).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(
        queue[0].deferral.reason.as_deref(),
        Some("Salaris pas over 6 weken")
    );

    // Rejected with a note: the debtor reads it, and may make a plan.
    let rejected = rig
        .plans
        .decide_deferral(
            &asked.id,
            DeferralDecisionKind::Reject {
                note: "Wij bieden u een regeling aan.".into(),
            },
            "demo-staff",
            Some("127.0.0.1"),
            now,
        )
        .await
        .unwrap();
    assert_eq!(rejected.status, DeferralStatus::Rejected);
    assert_eq!(rejected.decided_by.as_deref(), Some("demo-staff"));
    assert!(
        notices(&rig.store, &rig)
            .await
            .contains(&Notice::DeferralDecided {
                granted: false,
                pay_by,
                amount: open,
                note: Some("Wij bieden u een regeling aan.".into()),
            })
    );
    // Deciding twice is refused.
    assert!(matches!(
        rig.plans
            .decide_deferral(
                &asked.id,
                DeferralDecisionKind::Grant,
                "demo-admin",
                None,
                now
            )
            .await,
        Err(PlansError::NotInPlay)
    ));
    // A rejection does not use up the one deferral: asked again, staff grant it.
    let again = rig
        .plans
        .request_deferral(&rig.dossier_id, pay_by, Some("Toch graag".into()), now)
        .await
        .unwrap();
    assert!(!again.breaches.contains(&DeferralBreach::UsedBefore));
    let granted = rig
        .plans
        .decide_deferral(
            &again.id,
            DeferralDecisionKind::Grant,
            "demo-staff",
            None,
            now,
        )
        .await
        .unwrap();
    assert_eq!(granted.status, DeferralStatus::Granted);
    let actions: Vec<(String, ActorKind)> = rig
        .store
        .audit_for_dossier(&rig.dossier_id, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.actor_kind))
        .collect();
    assert!(actions.contains(&("deferral.decided".into(), ActorKind::Staff)));
}

async fn a_missed_day_ends_the_deferral_and_a_second_one_goes_to_staff(store: Store) {
    let rig = Rig::start(store).await;
    let now = Utc::now();
    let today = claim::dutch_date(now);
    let pay_by = today.checked_add_days(Days::new(7)).unwrap();
    let deferral = rig
        .plans
        .request_deferral(&rig.dossier_id, pay_by, None, now)
        .await
        .unwrap();
    let job = LifecycleJob::new(rig.plans.clone(), LifecycleConfig::default());
    // The day plus three days' grace: still granted.
    let report = job.run_once(now + Duration::days(10)).await.unwrap();
    assert_eq!(report.deferrals.broken, 0);
    let later = now + Duration::days(11);
    let open = common::open_total_on(&rig.store, &rig.dossier_id, later).await;
    let report = job.run_once(later).await.unwrap();
    assert_eq!(report.deferrals.broken, 1);
    assert_eq!(
        rig.store
            .deferral(&deferral.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        DeferralStatus::Broken
    );
    assert!(
        notices(&rig.store, &rig)
            .await
            .contains(&Notice::DeferralBroken {
                pay_by,
                amount: open,
            })
    );
    // Once per dossier: a second request goes to staff, with a reason.
    let again = rig
        .plans
        .request_deferral(
            &rig.dossier_id,
            pay_by.checked_add_days(Days::new(10)).unwrap(),
            Some("Opnieuw".into()),
            later,
        )
        .await
        .unwrap();
    assert_eq!(again.status, DeferralStatus::NeedsReview);
    assert_eq!(again.breaches, [DeferralBreach::UsedBefore]);
    // A plan may be made only once that is decided.
    assert!(matches!(
        rig.plans
            .propose(&rig.dossier_id, PlanRequest::Months(3), None, later)
            .await,
        Err(PlansError::DeferralInPlay)
    ));
}

async fn the_reminder_comes_a_few_days_before_the_day(store: Store) {
    let rig = Rig::start(store).await;
    let now = Utc::now();
    let today = claim::dutch_date(now);
    let pay_by = today.checked_add_days(Days::new(10)).unwrap();
    rig.plans
        .request_deferral(&rig.dossier_id, pay_by, None, now)
        .await
        .unwrap();
    let planned = mail::planner::plan_messages(&rig.store, today, 3, now)
        .await
        .unwrap();
    assert_eq!(planned.deferral_due, 0, "ten days ahead is too early");
    let near = today.checked_add_days(Days::new(8)).unwrap();
    let planned = mail::planner::plan_messages(&rig.store, near, 3, now)
        .await
        .unwrap();
    assert_eq!(planned.deferral_due, 1);
    let planned = mail::planner::plan_messages(&rig.store, near, 3, now)
        .await
        .unwrap();
    assert_eq!(planned.deferral_due, 0, "once");
    assert!(
        notices(&rig.store, &rig)
            .await
            .iter()
            .any(|n| matches!(n, Notice::DeferralDue { pay_by: d, .. } if *d == pay_by))
    );
}

async fn a_day_in_a_pause_in_collection_counts_from_the_day_after_it(store: Store) {
    let rig = Rig::start(store).await;
    let now = Utc::now();
    let today = claim::dutch_date(now);
    let pay_by = today.checked_add_days(Days::new(7)).unwrap();
    rig.plans
        .request_deferral(&rig.dossier_id, pay_by, None, now)
        .await
        .unwrap();
    // Municipal debt help asks for a pause from today for 20 days.
    let until = today.checked_add_days(Days::new(20)).unwrap();
    rig.store
        .create_pause(
            &store::NewPause::by_staff(
                &rig.dossier_id,
                domain::CollectionPause::new(today, until).unwrap(),
                "Gemeente Zwolle",
                None,
                "anna",
                None,
                now,
            ),
            now,
        )
        .await
        .unwrap();
    let job = LifecycleJob::new(rig.plans.clone(), LifecycleConfig::default());
    // The day and its grace passed, but inside the pause: it holds; and no reminder goes.
    let report = job.run_once(now + Duration::days(11)).await.unwrap();
    assert_eq!(report.deferrals.broken, 0);
    let near = pay_by.checked_sub_days(Days::new(2)).unwrap();
    let planned = mail::planner::plan_messages(&rig.store, near, 3, now)
        .await
        .unwrap();
    assert_eq!(planned.deferral_due, 0);
    // It counts from the day after the pause: three days' grace from there.
    let report = job.run_once(now + Duration::days(21 + 3)).await.unwrap();
    assert_eq!(report.deferrals.broken, 0);
    let report = job.run_once(now + Duration::days(21 + 4)).await.unwrap();
    assert_eq!(report.deferrals.broken, 1);
}
