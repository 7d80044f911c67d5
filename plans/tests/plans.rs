//! Payment plans end to end, on a fresh SQLite file and (with `TEST_DATABASE_URL`) a fresh
//! PostgreSQL database: instalments are paid through `PaymentService` and the real Pay.nl
//! simulator, whose exchange calls reach a portal endpoint over HTTP. Assertions are on the
//! store and the claim's open balance, not only on return values.

#![allow(clippy::inconsistent_digit_grouping)]

mod common;

use chrono::{Duration, Utc};
use common::{Rig, eur, seed};
use domain::DossierId;
use domain::plan::{PlanError, PlanRequest};
use plans::{
    LifecycleConfig, LifecycleJob, PlanConfig, PlanPayment, PlansError, ProposedStatus, RuleBreach,
    StaffDecision,
};
use store::{ActorKind, DossierStatus, InstalmentStatus, PlanDecisionKind, PlanStatus, Store};

store::backend_tests!(
    a_plan_is_paid_instalment_by_instalment_to_completion,
    paying_several_instalments_early_shortens_the_plan,
    missed_instalments_make_a_plan_late_then_defaulted_with_the_full_balance_open,
    the_first_miss_moves_to_the_end_once_and_paid_late_goes_back,
    a_moved_instalment_left_unpaid_counts_so_the_second_miss_defaults,
    a_pause_in_collection_holds_terms_and_reminders_until_it_ends,
    a_second_plan_is_refused,
    outside_the_rules_needs_a_reason_and_goes_to_staff_review,
    staff_reject_and_counter_propose_and_the_debtor_accepts_the_counter,
    a_preview_never_writes,
    interest_stops_while_a_plan_runs_under_that_rule_and_comes_back_on_default,
);

fn statuses(plan: &store::PaymentPlan) -> Vec<InstalmentStatus> {
    plan.instalments.iter().map(|i| i.status).collect()
}

async fn dossier_status(store: &Store, id: &DossierId) -> DossierStatus {
    store.dossier(id).await.unwrap().unwrap().status
}

async fn actions(store: &Store, id: &DossierId) -> Vec<(String, ActorKind)> {
    let mut events = store.audit_for_dossier(id, 100).await.unwrap();
    events.sort_by_key(|e| e.id);
    events
        .into_iter()
        .map(|e| (e.action, e.actor_kind))
        .collect()
}

/// The instalment numbers each plan sync marked paid, in order (from the audit trail).
async fn synced_paid(store: &Store, id: &DossierId) -> Vec<Vec<i64>> {
    let mut events = store.audit_for_dossier(id, 100).await.unwrap();
    events.sort_by_key(|e| e.id);
    events
        .into_iter()
        .filter(|e| e.action == "plan.synced" || e.action == "plan.completed")
        .map(|e| serde_json::from_value(e.detail["paid"].clone()).unwrap())
        .collect()
}

async fn a_plan_is_paid_instalment_by_instalment_to_completion(store: Store) {
    let rig = Rig::start(store).await;
    let now = Utc::now();
    let before = rig.open().await;
    let proposed = rig
        .plans
        .propose(&rig.dossier_id, PlanRequest::Months(3), None, now)
        .await
        .unwrap();
    assert_eq!(proposed.status, ProposedStatus::Active);
    let plan = proposed.plan;
    assert_eq!(plan.status, PlanStatus::Active);
    assert_eq!(plan.total, before);
    let sum: i64 = plan.instalments.iter().map(|i| i.amount.cents()).sum();
    assert_eq!(sum, before.cents());
    let first = proposed.first_instalment_to_pay.expect("first due now");
    assert_eq!(first.instalment_id, plan.instalments[0].id);
    assert_eq!(first.amount, plan.instalments[0].amount);
    assert_eq!(
        dossier_status(&rig.store, &rig.dossier_id).await,
        DossierStatus::Plan
    );

    let mut paid = 0;
    for (n, key) in ["first", "second", "third"].into_iter().enumerate() {
        let next = rig
            .plans
            .next_payment(&rig.dossier_id, Utc::now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(next.instalment_id, plan.instalments[n].id);
        let started = rig
            .plans
            .pay(&rig.dossier_id, PlanPayment::Next, key, Utc::now())
            .await
            .unwrap();
        assert_eq!(started.amount, next.amount);
        // Only Pay.nl's exchange call: no return page, no plan page.
        rig.pay_order(&started.payment_id).await;
        // Booking the exchange call brought the plan up to date (the last one completed
        // it): a sync afterwards has nothing left to do.
        let report = rig.plans.sync(&rig.dossier_id, Utc::now()).await.unwrap();
        match report {
            Some(r) => assert!(n < 2 && r.paid.is_empty() && r.reopened.is_empty(), "{r:?}"),
            None => assert_eq!(n, 2, "completed by the booking of the last instalment"),
        }
        paid += next.amount.cents();
        assert_eq!(rig.open().await, eur(before.cents() - paid));
        let stored = rig.store.plan(&plan.id).await.unwrap().unwrap();
        let expected: Vec<_> = (0..3)
            .map(|i| {
                if i <= n {
                    InstalmentStatus::Paid
                } else {
                    InstalmentStatus::Open
                }
            })
            .collect();
        assert_eq!(statuses(&stored), expected);
        assert!(stored.instalments[n].paid_at.is_some());
    }
    // The last instalment took whatever was open: nothing is left, the plan is complete.
    assert_eq!(rig.open().await, eur(0));
    let done = rig.store.plan(&plan.id).await.unwrap().unwrap();
    assert_eq!(done.status, PlanStatus::Completed);
    assert_eq!(
        dossier_status(&rig.store, &rig.dossier_id).await,
        DossierStatus::Paid
    );
    assert_eq!(
        rig.store
            .ledger_entries(&rig.dossier_id)
            .await
            .unwrap()
            .len(),
        3
    );
    // Syncing again changes nothing.
    assert_eq!(
        rig.plans.sync(&rig.dossier_id, Utc::now()).await.unwrap(),
        None
    );
    let log = actions(&rig.store, &rig.dossier_id).await;
    assert_eq!(
        log.first(),
        Some(&("plan.proposed".to_string(), ActorKind::Debtor))
    );
    assert!(log.contains(&("plan.completed".to_string(), ActorKind::System)));
}

async fn paying_several_instalments_early_shortens_the_plan(store: Store) {
    let rig = Rig::start(store).await;
    let now = Utc::now();
    let before = rig.open().await;
    let plan = rig
        .plans
        .propose(&rig.dossier_id, PlanRequest::Months(6), None, now)
        .await
        .unwrap()
        .plan;
    let three = rig
        .plans
        .amount_for(&rig.dossier_id, PlanPayment::Several(3), now)
        .await
        .unwrap()
        .unwrap();
    let expected: i64 = plan.instalments[..3].iter().map(|i| i.amount.cents()).sum();
    assert_eq!(three.amount, eur(expected));
    let started = rig
        .plans
        .pay(&rig.dossier_id, PlanPayment::Several(3), "three", now)
        .await
        .unwrap();
    rig.pay_order(&started.payment_id).await;
    // The booking of the exchange call marked all three it covers.
    let synced = synced_paid(&rig.store, &rig.dossier_id).await;
    assert_eq!(synced, [vec![1, 2, 3]]);
    let stored = rig.store.plan(&plan.id).await.unwrap().unwrap();
    use InstalmentStatus::{Open, Paid};
    assert_eq!(statuses(&stored), [Paid, Paid, Paid, Open, Open, Open]);
    assert_eq!(rig.open().await, eur(before.cents() - expected));
    // The next one is instalment 4; then the whole rest ends the plan months early.
    let next = rig
        .plans
        .next_payment(&rig.dossier_id, Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.number, 4);
    let rest = rig
        .plans
        .rest_amount(&rig.dossier_id, Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rest.amount, rig.open().await);
    let started = rig
        .plans
        .pay(&rig.dossier_id, PlanPayment::Rest, "rest", Utc::now())
        .await
        .unwrap();
    rig.pay_order(&started.payment_id).await;
    // Completed by the booking; nothing is left for a sync.
    assert_eq!(
        synced_paid(&rig.store, &rig.dossier_id).await,
        [vec![1, 2, 3], vec![4, 5, 6]]
    );
    assert_eq!(
        rig.plans.sync(&rig.dossier_id, Utc::now()).await.unwrap(),
        None
    );
    let stored = rig.store.plan(&plan.id).await.unwrap().unwrap();
    assert_eq!(stored.status, PlanStatus::Completed);
    assert_eq!(statuses(&stored), [Paid; 6]);
    assert_eq!(rig.open().await, eur(0));
}

async fn missed_instalments_make_a_plan_late_then_defaulted_with_the_full_balance_open(
    store: Store,
) {
    // Without the tolerance for a first miss (`move_first_miss`, tested below).
    let config = PlanConfig {
        move_first_miss: false,
        ..PlanConfig::default()
    };
    let rig = Rig::with_plans(store, config).await;
    let now = Utc::now();
    let plan = rig
        .plans
        .propose(&rig.dossier_id, PlanRequest::Months(4), None, now)
        .await
        .unwrap()
        .plan;
    let job = LifecycleJob::new(rig.plans.clone(), LifecycleConfig::default());
    use InstalmentStatus::{Late, Missed, Open};

    // Within the grace days nothing is late.
    let report = job.run_once(now + Duration::days(7)).await.unwrap();
    assert_eq!((report.plans, report.late, report.defaulted), (1, 0, 0));
    // The first instalment (due today) is late eight days on; one miss is not a default.
    let report = job.run_once(now + Duration::days(8)).await.unwrap();
    assert_eq!((report.late, report.defaulted), (1, 0));
    let stored = rig.store.plan(&plan.id).await.unwrap().unwrap();
    assert_eq!(stored.status, PlanStatus::Active);
    assert_eq!(statuses(&stored), [Late, Open, Open, Open]);

    // The second one is late too, a month later: two misses default the plan.
    let later = now + Duration::days(31 + 9);
    let open_before = common::open_total_on(&rig.store, &rig.dossier_id, later).await;
    let report = job.run_once(later).await.unwrap();
    assert_eq!((report.late, report.defaulted), (1, 1));
    let stored = rig.store.plan(&plan.id).await.unwrap().unwrap();
    assert_eq!(stored.status, PlanStatus::Defaulted);
    assert_eq!(statuses(&stored), [Missed, Missed, Open, Open]);
    // The plan never touched the balance: all of it is open again, as it was.
    assert_eq!(
        common::open_total_on(&rig.store, &rig.dossier_id, later).await,
        open_before
    );
    assert!(open_before >= plan.total);
    assert!(
        rig.store
            .ledger_entries(&rig.dossier_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        dossier_status(&rig.store, &rig.dossier_id).await,
        DossierStatus::Open
    );
    let log = actions(&rig.store, &rig.dossier_id).await;
    assert!(log.contains(&("plan.instalments_late".to_string(), ActorKind::System)));
    assert!(log.contains(&("plan.defaulted".to_string(), ActorKind::System)));
    // A second round the same day changes nothing, and a new plan may be made.
    let report = job.run_once(later).await.unwrap();
    assert_eq!(report.plans, 0);
    assert!(
        rig.plans
            .next_payment(&rig.dossier_id, later)
            .await
            .is_err()
    );
    rig.plans
        .propose(&rig.dossier_id, PlanRequest::Months(2), None, later)
        .await
        .unwrap();
}

/// The notices queued for the dossier, oldest first.
async fn notices(store: &Store, id: &DossierId) -> Vec<domain::Notice> {
    let mut mails = store.mails_for_dossier(id).await.unwrap();
    mails.reverse();
    mails.into_iter().map(|m| m.notice).collect()
}

async fn the_first_miss_moves_to_the_end_once_and_paid_late_goes_back(store: Store) {
    let rig = Rig::start(store).await;
    let now = Utc::now();
    let plan = rig
        .plans
        .propose(&rig.dossier_id, PlanRequest::Months(4), None, now)
        .await
        .unwrap()
        .plan;
    let job = LifecycleJob::new(rig.plans.clone(), LifecycleConfig::default());
    use InstalmentStatus::{Late, Open, Paid};
    let first = plan.instalments[0].clone();
    let last_due = plan.instalments[3].due_date;

    // Eight days on the first (due today) is missed: it moves a month past the last one,
    // stays open, and is not late.
    let report = job.run_once(now + Duration::days(8)).await.unwrap();
    assert_eq!((report.moved, report.late, report.defaulted), (1, 0, 0));
    let stored = rig.store.plan(&plan.id).await.unwrap().unwrap();
    assert_eq!(stored.status, PlanStatus::Active);
    let moved = stored.instalments.last().unwrap();
    assert_eq!((moved.id, moved.seq, moved.status), (first.id, 1, Open));
    assert_eq!(moved.moved_from, Some(first.due_date));
    assert_eq!(
        moved.due_date,
        last_due.checked_add_months(chrono::Months::new(1)).unwrap()
    );
    let order: Vec<i64> = stored.instalments.iter().map(|i| i.seq).collect();
    assert_eq!(order, [2, 3, 4, 1]);
    // The debtor was told, and that the next miss ends the plan (2 misses default it).
    assert!(
        notices(&rig.store, &rig.dossier_id)
            .await
            .contains(&domain::Notice::InstalmentMoved {
                was_due: first.due_date,
                now_due: moved.due_date,
                amount: first.amount,
                misses_left: 0,
            }),
        "{:?}",
        notices(&rig.store, &rig.dossier_id).await
    );
    assert!(
        actions(&rig.store, &rig.dossier_id)
            .await
            .contains(&("plan.instalment_moved".to_string(), ActorKind::System))
    );
    // A second round moves nothing more.
    let report = job.run_once(now + Duration::days(9)).await.unwrap();
    assert_eq!((report.moved, report.late), (0, 0));

    // One tap pays it late: its own amount, and it goes back to its first due date, paid.
    let due = rig
        .plans
        .amount_for(&rig.dossier_id, PlanPayment::Moved, Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((due.instalment_id, due.amount), (first.id, first.amount));
    let started = rig
        .plans
        .pay(&rig.dossier_id, PlanPayment::Moved, "late", Utc::now())
        .await
        .unwrap();
    rig.pay_order(&started.payment_id).await;
    let stored = rig.store.plan(&plan.id).await.unwrap().unwrap();
    assert_eq!(statuses(&stored), [Paid, Open, Open, Open]);
    assert_eq!(stored.instalments[0].due_date, first.due_date);
    assert_eq!(stored.instalments[0].moved_from, Some(first.due_date));
    assert!(
        rig.plans
            .amount_for(&rig.dossier_id, PlanPayment::Moved, Utc::now())
            .await
            .unwrap()
            .is_none()
    );

    // The tolerance is used: the next miss is late, and (the moved one paid) no default yet.
    let report = job.run_once(now + Duration::days(31 + 9)).await.unwrap();
    assert_eq!((report.moved, report.late, report.defaulted), (0, 1, 0));
    let stored = rig.store.plan(&plan.id).await.unwrap().unwrap();
    assert_eq!(statuses(&stored), [Paid, Late, Open, Open]);
}

async fn a_moved_instalment_left_unpaid_counts_so_the_second_miss_defaults(store: Store) {
    let rig = Rig::start(store).await;
    let now = Utc::now();
    let plan = rig
        .plans
        .propose(&rig.dossier_id, PlanRequest::Months(4), None, now)
        .await
        .unwrap()
        .plan;
    let job = LifecycleJob::new(rig.plans.clone(), LifecycleConfig::default());
    use InstalmentStatus::{Missed, Open};
    job.run_once(now + Duration::days(8)).await.unwrap();
    // The second is missed too: with the moved one still unpaid that is two misses.
    let later = now + Duration::days(31 + 9);
    let report = job.run_once(later).await.unwrap();
    assert_eq!((report.late, report.defaulted), (1, 1));
    let stored = rig.store.plan(&plan.id).await.unwrap().unwrap();
    assert_eq!(stored.status, PlanStatus::Defaulted);
    let by_seq = |seq: i64| {
        stored
            .instalments
            .iter()
            .find(|i| i.seq == seq)
            .unwrap()
            .status
    };
    assert_eq!(
        [by_seq(1), by_seq(2), by_seq(3), by_seq(4)],
        [Missed, Missed, Open, Open]
    );
    assert_eq!(
        dossier_status(&rig.store, &rig.dossier_id).await,
        DossierStatus::Open
    );
    // Nothing more to pay late on a defaulted plan.
    assert!(
        rig.plans
            .amount_for(&rig.dossier_id, PlanPayment::Moved, later)
            .await
            .is_err()
    );
}

async fn a_pause_in_collection_holds_terms_and_reminders_until_it_ends(store: Store) {
    let rig = Rig::start(store).await;
    let now = Utc::now();
    let today = claim::dutch_date(now);
    let plan = rig
        .plans
        .propose(&rig.dossier_id, PlanRequest::Months(4), None, now)
        .await
        .unwrap()
        .plan;
    // Municipal debt help asks for two weeks' pause, from today.
    let until = today.checked_add_days(chrono::Days::new(14)).unwrap();
    rig.store
        .create_pause(
            &store::NewPause::by_staff(
                &rig.dossier_id,
                domain::CollectionPause::new(today, until).unwrap(),
                "Gemeente Utrecht, schuldhulp",
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
    // The first instalment (due today, in the pause) is neither moved nor late while it
    // runs, nor in the grace days after it.
    for days in [8, 14, 15 + 7] {
        let report = job.run_once(now + Duration::days(days)).await.unwrap();
        assert_eq!((report.moved, report.late), (0, 0), "day {days}");
        // No reminders while paused.
        let day = today
            .checked_add_days(chrono::Days::new(days as u64))
            .unwrap();
        if day <= until {
            let planned = mail::planner::plan_messages(&rig.store, day, 40, now)
                .await
                .unwrap();
            assert_eq!((planned.due, planned.missed), (0, 0), "day {days}");
        }
    }
    // Past the pause and its grace days the term counts again: the first miss moves.
    let report = job.run_once(now + Duration::days(15 + 8)).await.unwrap();
    assert_eq!((report.moved, report.late), (1, 0));
    let stored = rig.store.plan(&plan.id).await.unwrap().unwrap();
    assert_eq!(stored.status, PlanStatus::Active);
    // And reminders come again.
    let after = until.checked_add_days(chrono::Days::new(1)).unwrap();
    let planned = mail::planner::plan_messages(&rig.store, after, 40, now)
        .await
        .unwrap();
    assert!(planned.due > 0);
}

async fn a_second_plan_is_refused(store: Store) {
    let rig = Rig::start(store).await;
    let now = Utc::now();
    rig.plans
        .propose(&rig.dossier_id, PlanRequest::Months(3), None, now)
        .await
        .unwrap();
    let second = rig
        .plans
        .propose(&rig.dossier_id, PlanRequest::Months(6), None, now)
        .await;
    assert!(matches!(second, Err(PlansError::PlanInPlay)), "{second:?}");
    assert!(second.unwrap_err().is_user_error());
    assert_eq!(
        rig.store
            .plans_for_dossier(&rig.dossier_id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn outside_the_rules_needs_a_reason_and_goes_to_staff_review(store: Store) {
    let rig = Rig::start(store).await;
    let now = Utc::now();
    // 24 months breaks the 12-month maximum.
    let refused = rig
        .plans
        .propose(
            &rig.dossier_id,
            PlanRequest::Months(24),
            Some("  ".into()),
            now,
        )
        .await;
    match refused {
        Err(PlansError::ReasonRequired { breaches }) => assert!(matches!(
            breaches[..],
            [RuleBreach::TooManyMonths {
                months: 24,
                max: 12
            }]
        )),
        other => panic!("{other:?}"),
    }
    assert!(
        rig.store
            .open_plan(&rig.dossier_id)
            .await
            .unwrap()
            .is_none()
    );
    // Impossible requests are refused outright, reason or not.
    assert!(matches!(
        rig.plans
            .propose(
                &rig.dossier_id,
                PlanRequest::Months(0),
                Some("x".into()),
                now
            )
            .await,
        Err(PlansError::Impossible(PlanError::ZeroMonths))
    ));

    let proposed = rig
        .plans
        .propose(
            &rig.dossier_id,
            PlanRequest::Months(24),
            Some("Ik ben werkloos".into()),
            now,
        )
        .await
        .unwrap();
    assert_eq!(proposed.status, ProposedStatus::NeedsReview);
    assert_eq!(proposed.first_instalment_to_pay, None);
    assert_eq!(proposed.plan.status, PlanStatus::NeedsReview);
    assert_eq!(
        dossier_status(&rig.store, &rig.dossier_id).await,
        DossierStatus::Open
    );
    // Not payable while in review.
    assert!(matches!(
        rig.plans.next_payment(&rig.dossier_id, now).await,
        Err(PlansError::PlanNotFound)
    ));

    let queue = rig.plans.review_queue(now).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].plan.id, proposed.plan.id);
    assert_eq!(queue[0].reason.as_deref(), Some("Ik ben werkloos"));
    assert_eq!(queue[0].dossier_number, common::NUMBER);
    assert_eq!(
        queue[0].breaches,
        [RuleBreach::TooManyMonths {
            months: 24,
            max: 12
        }]
    );
    assert_eq!(queue[0].open_balance, rig.open().await);

    let decided = rig
        .plans
        .decide(
            &proposed.plan.id,
            StaffDecision::Accept,
            "alice",
            Some("10.0.0.7"),
            now,
        )
        .await
        .unwrap();
    assert_eq!(decided.plan.status, PlanStatus::Active);
    assert!(decided.counter.is_none());
    assert!(rig.plans.review_queue(now).await.unwrap().is_empty());
    let review = rig
        .store
        .plan_review(&proposed.plan.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(review.decision, Some(PlanDecisionKind::Accepted));
    assert_eq!(review.decided_by.as_deref(), Some("alice"));
    assert_eq!(review.reason.as_deref(), Some("Ik ben werkloos"));
    assert_eq!(
        dossier_status(&rig.store, &rig.dossier_id).await,
        DossierStatus::Plan
    );
    // Decided once: a second decision is refused and changes nothing.
    assert!(matches!(
        rig.plans
            .decide(
                &proposed.plan.id,
                StaffDecision::Reject { note: "no".into() },
                "bob",
                None,
                now
            )
            .await,
        Err(PlansError::NotInPlay)
    ));
    let events = rig
        .store
        .audit_for_dossier(&rig.dossier_id, 100)
        .await
        .unwrap();
    let staff: Vec<_> = events
        .iter()
        .filter(|e| e.actor_kind == ActorKind::Staff)
        .collect();
    assert_eq!(staff.len(), 1);
    assert_eq!(staff[0].action, "plan.review.accepted");
    assert_eq!(staff[0].actor_id.as_deref(), Some("alice"));
    assert_eq!(staff[0].client_ip.as_deref(), Some("10.0.0.7"));
    assert_eq!(staff[0].detail["plan_id"], proposed.plan.id.as_str());
}

async fn staff_reject_and_counter_propose_and_the_debtor_accepts_the_counter(store: Store) {
    let rig = Rig::start(store).await;
    let now = Utc::now();
    let reason = Some("Kleine beurs".to_string());
    // €10 a month is below the €25 minimum.
    let low = PlanRequest::MonthlyAmount(eur(10_00));
    let first = rig
        .plans
        .propose(&rig.dossier_id, low, reason.clone(), now)
        .await
        .unwrap();
    let rejected = rig
        .plans
        .decide(
            &first.plan.id,
            StaffDecision::Reject {
                note: "Te laag bedrag".into(),
            },
            "alice",
            None,
            now,
        )
        .await
        .unwrap();
    assert_eq!(rejected.plan.status, PlanStatus::Rejected);
    let shown = rig
        .plans
        .plan_for_debtor(&rig.dossier_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shown.plan.id, first.plan.id);
    let review = shown.review.unwrap();
    assert_eq!(review.decision, Some(PlanDecisionKind::Rejected));
    assert_eq!(review.staff_note.as_deref(), Some("Te laag bedrag"));

    // The debtor may try again; staff counter-propose 18 months.
    let second = rig
        .plans
        .propose(&rig.dossier_id, low, reason, now)
        .await
        .unwrap();
    let countered = rig
        .plans
        .decide(
            &second.plan.id,
            StaffDecision::Counter {
                request: PlanRequest::Months(18),
                note: "18 maanden kan".into(),
            },
            "alice",
            Some("10.0.0.7"),
            now,
        )
        .await
        .unwrap();
    assert_eq!(countered.plan.status, PlanStatus::Rejected);
    let counter = countered.counter.unwrap();
    assert_eq!(counter.status, PlanStatus::Proposed);
    assert_eq!(counter.instalments.len(), 18);
    assert_eq!(counter.total, rig.open().await);
    let open = rig.store.open_plan(&rig.dossier_id).await.unwrap().unwrap();
    assert_eq!(open.id, counter.id);
    let counter_review = rig.store.plan_review(&counter.id).await.unwrap().unwrap();
    assert_eq!(
        counter_review.replaces_plan_id.as_ref(),
        Some(&second.plan.id)
    );
    assert_eq!(counter_review.staff_note.as_deref(), Some("18 maanden kan"));
    assert_eq!(
        rig.store
            .plan_review(&second.plan.id)
            .await
            .unwrap()
            .unwrap()
            .decision,
        Some(PlanDecisionKind::Countered)
    );
    // A proposal while the counter-proposal is open is refused.
    assert!(matches!(
        rig.plans
            .propose(&rig.dossier_id, PlanRequest::Months(3), None, now)
            .await,
        Err(PlansError::PlanInPlay)
    ));

    let accepted = rig
        .plans
        .accept_counter(&rig.dossier_id, now)
        .await
        .unwrap();
    assert_eq!(accepted.status, ProposedStatus::Active);
    assert_eq!(accepted.plan.status, PlanStatus::Active);
    assert_eq!(
        accepted.first_instalment_to_pay.map(|d| d.instalment_id),
        Some(counter.instalments[0].id)
    );
    assert!(matches!(
        rig.plans.decline_counter(&rig.dossier_id, now).await,
        Err(PlansError::PlanNotFound)
    ));
    let log = actions(&rig.store, &rig.dossier_id).await;
    let names: Vec<&str> = log.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        names,
        [
            "plan.proposed",
            "plan.review.rejected",
            "plan.proposed",
            "plan.review.countered",
            "plan.counter.accepted"
        ]
    );
    assert_eq!(log[4].1, ActorKind::Debtor);
    assert_eq!(log[3].1, ActorKind::Staff);
}

async fn a_preview_never_writes(store: Store) {
    let other = seed(&store, "ISB-2026-000888").await;
    let rig = Rig::start(store).await;
    let today = claim::dutch_date(Utc::now());
    let ok = rig
        .plans
        .preview(&rig.dossier_id, PlanRequest::Months(6), today)
        .await
        .unwrap();
    assert!(ok.within_rules());
    assert_eq!(ok.balance, rig.open().await);
    let sum: i64 = ok.rows.iter().map(|r| r.amount().cents()).sum();
    assert_eq!(sum, ok.balance.cents());
    assert_eq!(ok.rows[0].due(), today);
    let out = rig
        .plans
        .preview(
            &rig.dossier_id,
            PlanRequest::MonthlyAmount(eur(10_00)),
            today,
        )
        .await
        .unwrap();
    assert!(!out.within_rules());
    assert!(out.why_not.len() == 2, "{:?}", out.why_not);
    assert_eq!(out.limits.max_months, 12);
    assert!(
        rig.store
            .plans_for_dossier(&rig.dossier_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        rig.store
            .audit_for_dossier(&rig.dossier_id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        rig.store
            .ledger_entries(&rig.dossier_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        dossier_status(&rig.store, &rig.dossier_id).await,
        DossierStatus::Open
    );
    assert!(
        rig.store
            .plans_for_dossier(&other)
            .await
            .unwrap()
            .is_empty()
    );
    // Per-creditor rules: another creditor's override does not apply here, this one's does.
    let mut config = PlanConfig::default();
    config
        .creditors
        .insert("zorg".into(), toml::from_str("max_months = 36").unwrap());
    let service = plans::PlanService::new(rig.store.clone(), config, rig.service.clone()).unwrap();
    let long = service
        .preview(&rig.dossier_id, PlanRequest::Months(24), today)
        .await
        .unwrap();
    assert!(long.within_rules());
    assert_eq!(long.limits.max_months, 36);
}

async fn interest_stops_while_a_plan_runs_under_that_rule_and_comes_back_on_default(store: Store) {
    let rig = Rig::start(store).await;
    let config = PlanConfig {
        interest_during_plan: false,
        ..PlanConfig::default()
    };
    let service = plans::PlanService::new(rig.store.clone(), config, rig.service.clone()).unwrap();
    let now = Utc::now();
    let later = now + Duration::days(60);
    let open_now = common::open_total_on(&rig.store, &rig.dossier_id, now).await;
    let open_later = common::open_total_on(&rig.store, &rig.dossier_id, later).await;
    assert!(open_later > open_now, "interest runs on this claim");

    let plan = service
        .propose(&rig.dossier_id, PlanRequest::Months(4), None, now)
        .await
        .unwrap()
        .plan;
    assert!(plan.interest_stops);
    assert!(plan.activated_at.is_some());
    // While the plan runs, no interest: the balance two months on is today's.
    assert_eq!(
        common::open_total_on(&rig.store, &rig.dossier_id, later).await,
        open_now
    );

    // Two missed instalments default the plan: the waiver lapses, interest is owed as if
    // there had been no plan.
    let job = LifecycleJob::new(service.clone(), LifecycleConfig::default());
    job.run_once(now + Duration::days(8)).await.unwrap();
    let report = job.run_once(now + Duration::days(31 + 9)).await.unwrap();
    assert_eq!(report.defaulted, 1);
    assert_eq!(
        common::open_total_on(&rig.store, &rig.dossier_id, later).await,
        open_later
    );

    // A plan under the default rule (interest keeps running) pauses nothing.
    let running = rig
        .plans
        .propose(&rig.dossier_id, PlanRequest::Months(2), None, later)
        .await
        .unwrap()
        .plan;
    assert!(!running.interest_stops);
    assert!(
        common::open_total_on(&rig.store, &rig.dossier_id, later + Duration::days(30)).await
            > open_later
    );
}
