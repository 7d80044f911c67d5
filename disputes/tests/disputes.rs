//! The dispute flow on SQLite and PostgreSQL (`store::testing`): holds stop interest, decisions
//! restore or cancel with the right balance, files are checked, and everything is audited.
#![allow(clippy::inconsistent_digit_grouping)]

use booking::Books;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use claim::{dutch_date, load_claim};
use disputes::{
    Decision, DisputeService, DisputesError, Filing, MAX_ATTACHMENT_BYTES, Staff, Upload,
};
use domain::{ClaimItemId, DossierId, Money};
use store::{DisputeDecisionKind, DisputeKind, DisputeStatus, LedgerKind, Store};

store::backend_tests!(
    a_disputed_invoice_stops_accruing_interest_while_on_hold,
    a_rejection_lifts_the_hold_and_the_paused_interest_stays_waived,
    upholding_cancels_the_open_part_with_an_adjustment_and_lowers_the_wik_costs,
    upholding_a_dispute_of_the_whole_dossier_leaves_nothing_open,
    wrong_types_too_large_and_too_many_files_are_refused_and_nothing_is_kept,
    one_open_dispute_per_invoice,
    a_payment_shown_by_proof_is_booked_once_in_one_step,
    the_queue_puts_overdue_items_first_and_a_complaint_holds_nothing,
    a_payment_from_proof_racing_an_exchange_call_books_one_consistent_ledger,
);

const NUMBER: &str = "ISB-2026-000555";

fn eur(cents: i64) -> Money {
    Money::from_cents(cents)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Noon in the Netherlands (winter time) on that day.
fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 11, 0, 0).unwrap()
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n".to_vec()
}

/// The shared consumer dossier (`store::testing`): two invoices (€1,000 due 31 Jan 2025,
/// €500 due 28 Feb 2025) and WIK costs of €225; returns its id and the two invoices' ids.
async fn seed(store: &Store) -> (DossierId, ClaimItemId, ClaimItemId) {
    let dossier = store::testing::seed_consumer_dossier(store, NUMBER).await;
    let items = store.claim_items(&dossier).await.unwrap();
    (dossier, items[0].id, items[1].id)
}

fn filing(
    dossier_id: &DossierId,
    invoice: Option<ClaimItemId>,
    kind: DisputeKind,
    now: DateTime<Utc>,
) -> Filing {
    Filing {
        dossier_id: dossier_id.clone(),
        dossier_number: NUMBER.into(),
        invoice_id: invoice,
        kind,
        explanation: "Deze factuur heb ik nooit ontvangen.".into(),
        uploads: vec![Upload {
            filename: "bewijs.pdf".into(),
            bytes: pdf(),
        }],
        now,
        client_ip: Some("203.0.113.7".into()),
    }
}

fn alice() -> Staff {
    Staff {
        username: "alice".into(),
        client_ip: Some("198.51.100.1".into()),
    }
}

async fn a_disputed_invoice_stops_accruing_interest_while_on_hold(store: Store) {
    let (dossier, f1, f2) = seed(&store).await;
    let service = DisputeService::new(Books::new(store.clone()));
    let filed = at(2025, 6, 2);
    service
        .file(filing(
            &dossier,
            Some(f2),
            DisputeKind::NeverReceived,
            filed,
        ))
        .await
        .unwrap();
    let on_filing = load_claim(&store, &dossier, dutch_date(filed))
        .await
        .unwrap();
    let later = load_claim(&store, &dossier, date(2025, 9, 1))
        .await
        .unwrap();
    let (f2_then, f2_later) = (on_filing.invoice(f2).unwrap(), later.invoice(f2).unwrap());
    assert!(f2_then.interest.is_positive());
    // Held: not a cent more on F2, and it says so, with a paused line in the derivation.
    assert_eq!(f2_later.interest, f2_then.interest);
    // On hold from the day it is filed (interest stops the next day).
    assert!(f2_later.on_hold && f2_then.on_hold);
    assert_eq!(f2_later.holds.len(), 1);
    assert_eq!(f2_later.holds[0].from, date(2025, 6, 3));
    let paused_days: u32 = f2_later
        .derivation
        .as_ref()
        .unwrap()
        .years
        .iter()
        .flat_map(|y| &y.lines)
        .filter(|l| l.paused)
        .map(|l| l.days)
        .sum();
    assert_eq!(paused_days, 91); // 3 June to 1 September
    // F1 runs on, and so does the rest of the claim; no costs are added.
    assert!(later.invoice(f1).unwrap().interest > on_filing.invoice(f1).unwrap().interest);
    assert!(!later.invoice(f1).unwrap().on_hold);
    assert_eq!(later.totals.owed.costs, eur(225_00));
}

async fn a_rejection_lifts_the_hold_and_the_paused_interest_stays_waived(store: Store) {
    let (dossier, _, f2) = seed(&store).await;
    let service = DisputeService::new(Books::new(store.clone()));
    let dispute = service
        .file(filing(
            &dossier,
            Some(f2),
            DisputeKind::WrongAmount,
            at(2025, 6, 2),
        ))
        .await
        .unwrap();
    let before = load_claim(&store, &dossier, date(2025, 6, 2))
        .await
        .unwrap();
    service
        .decide(
            dispute.id,
            Decision::Reject,
            "Het bedrag klopt: zie de factuur.",
            &alice(),
            at(2025, 7, 2),
        )
        .await
        .unwrap();
    let decided_day = load_claim(&store, &dossier, date(2025, 7, 2))
        .await
        .unwrap();
    let later = load_claim(&store, &dossier, date(2025, 8, 1))
        .await
        .unwrap();
    let f2_interest = |v: &claim::ClaimView| v.invoice(f2).unwrap().interest;
    // Nothing accrued over the hold (3 June to 2 July), interest runs again from 3 July.
    assert_eq!(f2_interest(&decided_day), f2_interest(&before));
    assert!(f2_interest(&later) > f2_interest(&decided_day));
    assert!(!later.invoice(f2).unwrap().on_hold);
    // 2025 is one rate (6%) and one base, so its unpaused days are priced together: 94 days
    // (1 March to 2 June) = 50000 × 6% × 94/365 = 772.60 → 773, then 124 days (with 3 July to
    // 1 August, the hold skipped) = 1019.18 → 1019: 2.46 more.
    assert_eq!(
        f2_interest(&later).cents() - f2_interest(&decided_day).cents(),
        2_46
    );
    // No money moved.
    assert!(store.ledger_entries(&dossier).await.unwrap().is_empty());
    let stored = service
        .get(dispute.id, at(2025, 7, 2))
        .await
        .unwrap()
        .dispute;
    assert_eq!(stored.decision, Some(DisputeDecisionKind::Rejected));
    assert_eq!(
        stored.answer.as_deref(),
        Some("Het bedrag klopt: zie de factuur.")
    );
}

async fn upholding_cancels_the_open_part_with_an_adjustment_and_lowers_the_wik_costs(store: Store) {
    let (dossier, f1, f2) = seed(&store).await;
    let service = DisputeService::new(Books::new(store.clone()));
    let dispute = service
        .file(filing(
            &dossier,
            Some(f2),
            DisputeKind::NotMine,
            at(2025, 6, 2),
        ))
        .await
        .unwrap();
    let decided = at(2025, 6, 16);
    let before = load_claim(&store, &dossier, dutch_date(decided))
        .await
        .unwrap();
    let f2_before = before.invoice(f2).unwrap().clone();
    service
        .decide(
            dispute.id,
            Decision::Uphold,
            "Deze factuur is niet van u; wij vervallen hem.",
            &alice(),
            decided,
        )
        .await
        .unwrap();
    let after = load_claim(&store, &dossier, dutch_date(decided))
        .await
        .unwrap();
    let f2_after = after.invoice(f2).unwrap();
    assert_eq!(f2_after.principal_open, Money::ZERO);
    assert_eq!(f2_after.interest_open, Money::ZERO);
    assert_eq!(f2_after.principal_written_off, eur(500_00));
    assert_eq!(f2_after.interest_written_off, f2_before.interest_open);
    // The WIK costs follow the principal left: 15% of €1,000 = €150, down from €225.
    assert_eq!(after.totals.owed.costs, eur(150_00));
    assert_eq!(
        before.open_total().cents() - after.open_total().cents(),
        500_00 + f2_before.interest_open.cents() + 75_00
    );
    // One adjustment in the ledger, not counted as money received; nothing paid.
    let entries = store.ledger_entries(&dossier).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kind, LedgerKind::Adjustment);
    assert_eq!(after.totals.received, Money::ZERO);
    // Derived, not booked: no correction charge.
    assert!(store.charges(&dossier).await.unwrap().is_empty());
    // F1 is untouched and still earns interest; F2 never again.
    let later = load_claim(&store, &dossier, date(2025, 12, 1))
        .await
        .unwrap();
    assert_eq!(later.invoice(f2).unwrap().interest_open, Money::ZERO);
    assert_eq!(later.invoice(f1).unwrap().principal_open, eur(1_000_00));
    assert!(later.invoice(f1).unwrap().interest > after.invoice(f1).unwrap().interest);
    // Audited with the amounts.
    let audit = store.audit_for_dossier(&dossier, 10).await.unwrap();
    let upheld = audit.iter().find(|e| e.action == "dispute.upheld").unwrap();
    assert_eq!(upheld.actor_id.as_deref(), Some("alice"));
    assert_eq!(upheld.detail["written_off"]["principal_cents"], 500_00);
    // Deciding again books nothing.
    assert!(matches!(
        service
            .decide(dispute.id, Decision::Uphold, "nogmaals", &alice(), decided)
            .await,
        Err(DisputesError::AlreadyDecided)
    ));
    assert_eq!(store.ledger_entries(&dossier).await.unwrap().len(), 1);
}

async fn upholding_a_dispute_of_the_whole_dossier_leaves_nothing_open(store: Store) {
    let (dossier, _, _) = seed(&store).await;
    let service = DisputeService::new(Books::new(store.clone()));
    let dispute = service
        .file(filing(&dossier, None, DisputeKind::NotMine, at(2025, 6, 2)))
        .await
        .unwrap();
    let held = load_claim(&store, &dossier, date(2025, 8, 1))
        .await
        .unwrap();
    assert!(held.dossier_on_hold && held.invoices.iter().all(|i| i.on_hold));
    service
        .decide(
            dispute.id,
            Decision::Uphold,
            "Niet uw schuld.",
            &alice(),
            at(2025, 8, 1),
        )
        .await
        .unwrap();
    let after = load_claim(&store, &dossier, date(2026, 1, 1))
        .await
        .unwrap();
    assert_eq!(after.open_total(), Money::ZERO);
    assert!(!after.dossier_on_hold);
}

async fn wrong_types_too_large_and_too_many_files_are_refused_and_nothing_is_kept(store: Store) {
    let (dossier, _, f2) = seed(&store).await;
    let service = DisputeService::new(Books::new(store.clone()));
    let with = |uploads: Vec<Upload>| Filing {
        uploads,
        ..filing(&dossier, Some(f2), DisputeKind::AlreadyPaid, at(2025, 6, 2))
    };
    let html = Upload {
        filename: "bewijs.pdf".into(),
        bytes: b"<html><script>alert(1)</script></html>".to_vec(),
    };
    assert!(matches!(
        service.file(with(vec![html])).await,
        Err(DisputesError::AttachmentType { filename }) if filename == "bewijs.pdf"
    ));
    let mut big = pdf();
    big.resize(MAX_ATTACHMENT_BYTES + 1, b'0');
    assert!(matches!(
        service.file(with(vec![Upload { filename: "groot.pdf".into(), bytes: big }])).await,
        Err(DisputesError::AttachmentTooLarge { max_bytes, .. }) if max_bytes == 5 * 1024 * 1024
    ));
    let four = vec![
        Upload {
            filename: "a.pdf".into(),
            bytes: pdf()
        };
        4
    ];
    assert!(matches!(
        service.file(with(four)).await,
        Err(DisputesError::TooManyAttachments { max: 3 })
    ));
    assert!(matches!(
        service
            .file(Filing {
                explanation: "  ".into(),
                ..with(Vec::new())
            })
            .await,
        Err(DisputesError::ExplanationRequired)
    ));
    assert!(matches!(
        service
            .file(Filing {
                invoice_id: Some(ClaimItemId::new(f2.get() + 1000)),
                ..with(Vec::new())
            })
            .await,
        Err(DisputesError::UnknownInvoice)
    ));
    assert!(
        service
            .for_dossier(&dossier, at(2025, 6, 2))
            .await
            .unwrap()
            .is_empty()
    );
    // An empty file input (no name, no bytes) is no file; a PNG by its bytes is kept with the
    // extension of what it is.
    let png = Upload {
        filename: "scan.exe".into(),
        bytes: b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
    };
    let empty = Upload {
        filename: String::new(),
        bytes: Vec::new(),
    };
    let dispute = service.file(with(vec![png, empty])).await.unwrap();
    let item = service.get(dispute.id, at(2025, 6, 2)).await.unwrap();
    assert_eq!(item.attachments.len(), 1);
    assert_eq!(item.attachments[0].filename, "scan.png");
    assert_eq!(item.attachments[0].content_type.as_str(), "image/png");
}

async fn one_open_dispute_per_invoice(store: Store) {
    let (dossier, f1, f2) = seed(&store).await;
    let service = DisputeService::new(Books::new(store.clone()));
    let first = service
        .file(filing(
            &dossier,
            Some(f2),
            DisputeKind::AlreadyPaid,
            at(2025, 6, 2),
        ))
        .await
        .unwrap();
    assert!(matches!(
        service
            .file(filing(
                &dossier,
                Some(f2),
                DisputeKind::Other,
                at(2025, 6, 3)
            ))
            .await,
        Err(DisputesError::AlreadyOpen)
    ));
    service
        .file(filing(
            &dossier,
            Some(f1),
            DisputeKind::Other,
            at(2025, 6, 3),
        ))
        .await
        .unwrap();
    // Once decided, the invoice may be disputed again.
    service
        .decide(
            first.id,
            Decision::Reject,
            "Geen betaling gevonden.",
            &alice(),
            at(2025, 6, 4),
        )
        .await
        .unwrap();
    service
        .file(filing(
            &dossier,
            Some(f2),
            DisputeKind::AlreadyPaid,
            at(2025, 6, 5),
        ))
        .await
        .unwrap();
}

async fn a_payment_shown_by_proof_is_booked_once_in_one_step(store: Store) {
    let (dossier, _, f2) = seed(&store).await;
    let service = DisputeService::new(Books::new(store.clone()));
    let dispute = service
        .file(filing(
            &dossier,
            Some(f2),
            DisputeKind::AlreadyPaid,
            at(2025, 6, 2),
        ))
        .await
        .unwrap();
    let now = at(2025, 6, 10);
    let before = load_claim(&store, &dossier, dutch_date(now)).await.unwrap();
    assert!(matches!(
        service
            .decide(
                dispute.id,
                Decision::Paid { amount: eur(0) },
                "Betaald",
                &alice(),
                now
            )
            .await,
        Err(DisputesError::Amount)
    ));
    service
        .decide(
            dispute.id,
            Decision::Paid {
                amount: eur(500_00),
            },
            "Uw betaling aan de schuldeiser is gevonden en geboekt.",
            &alice(),
            now,
        )
        .await
        .unwrap();
    let after = load_claim(&store, &dossier, dutch_date(now)).await.unwrap();
    assert_eq!(
        after.open_total().cents(),
        before.open_total().cents() - 500_00
    );
    assert_eq!(after.totals.received, eur(500_00));
    let entries = store.ledger_entries(&dossier).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kind, LedgerKind::Payment);
    assert_eq!(
        entries[0].idempotency_key,
        format!("dispute:{}:paid", dispute.id)
    );
    // The proof is linked from the entry's source and the audit trail.
    let proof = service.get(dispute.id, now).await.unwrap().attachments[0].id;
    assert!(entries[0].source.contains(&proof.to_string()));
    let stored = service.get(dispute.id, now).await.unwrap().dispute;
    assert_eq!(stored.ledger_entry_id, Some(entries[0].id));
    assert!(matches!(
        service
            .decide(
                dispute.id,
                Decision::Paid {
                    amount: eur(500_00)
                },
                "nogmaals",
                &alice(),
                now
            )
            .await,
        Err(DisputesError::AlreadyDecided)
    ));
    assert_eq!(store.ledger_entries(&dossier).await.unwrap().len(), 1);
}

async fn the_queue_puts_overdue_items_first_and_a_complaint_holds_nothing(store: Store) {
    let (dossier, f1, f2) = seed(&store).await;
    let service = DisputeService::new(Books::new(store.clone()));
    // Filed Thursday 5 March 2026: acknowledgement due by the end of Monday 9 March.
    let old = service
        .file(filing(
            &dossier,
            Some(f1),
            DisputeKind::Other,
            at(2026, 3, 5),
        ))
        .await
        .unwrap();
    assert_eq!(old.ack_due_at.to_rfc3339(), "2026-03-09T23:00:00+00:00");
    let complaint = service
        .file(Filing {
            explanation: "Uw medewerker was onbeleefd aan de telefoon.".into(),
            ..filing(&dossier, Some(f2), DisputeKind::Complaint, at(2026, 3, 10))
        })
        .await
        .unwrap();
    assert_eq!(complaint.claim_item_id, None);
    let now = at(2026, 3, 10) + Duration::hours(2);
    let queue = service.queue(now).await.unwrap();
    assert_eq!(queue.len(), 2);
    assert_eq!((queue[0].dispute.id, queue[0].overdue), (old.id, true));
    assert_eq!(
        (queue[1].dispute.id, queue[1].overdue),
        (complaint.id, false)
    );
    // Acknowledging takes it off overdue (the decision is due later).
    service
        .acknowledge(old.id, Some("We zoeken het uit.".into()), &alice(), now)
        .await
        .unwrap();
    let queue = service.queue(now).await.unwrap();
    assert!(queue.iter().all(|i| !i.overdue));
    assert_eq!(
        queue
            .iter()
            .find(|i| i.dispute.id == old.id)
            .unwrap()
            .dispute
            .status,
        DisputeStatus::Acknowledged
    );
    // The complaint puts nothing on hold.
    let view = load_claim(&store, &dossier, date(2026, 6, 1))
        .await
        .unwrap();
    assert!(!view.invoice(f2).unwrap().on_hold);
    let audit = store.audit_for_dossier(&dossier, 10).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "complaint.filed"));
    assert!(
        audit
            .iter()
            .any(|e| e.action == "dispute.acknowledged" && e.actor_id.as_deref() == Some("alice"))
    );
}

/// A payment booked from dispute proof and a Pay.nl payment arriving by exchange call at the
/// same moment, on twelve dossiers at once: each allocation must see the other's booking.
/// Both are €200 against €225 of costs, so two allocations from the same stale balance would
/// book €400 to costs; booked one after the other the costs take €225 and the rest goes to
/// interest and principal. The decisions run with books of their own, as in another server
/// process, so only the dossier's lease in the database keeps the two apart.
async fn a_payment_from_proof_racing_an_exchange_call_books_one_consistent_ledger(store: Store) {
    use payments::testing::{Rig, eur as euros};
    use payments::{PayAmount, PayPurpose, PayRequest};

    let rig = Rig::start(store.clone()).await;
    let disputes = DisputeService::new(Books::new(store.clone()));
    let mut cases = Vec::new();
    for n in 0..12 {
        let number = format!("ISB-2026-0009{n:02}");
        let dossier = store::testing::seed_consumer_dossier(&store, &number).await;
        let now = Utc::now();
        let mut filed = filing(&dossier, None, DisputeKind::AlreadyPaid, now);
        filed.dossier_number = number;
        let dispute = disputes.file(filed).await.unwrap();
        let started = rig
            .service
            .start(
                &dossier,
                &PayRequest {
                    amount: PayAmount::Exact(euros(200_00)),
                    purpose: PayPurpose::Part,
                    intent_key: format!("race-{n}"),
                },
                now,
            )
            .await
            .unwrap();
        let order = rig
            .payment(&started.payment_id)
            .await
            .paynl_order_id
            .unwrap();
        cases.push((dossier, dispute.id, order));
    }
    // Pay.nl takes all twelve payments; its exchange calls reach the portal while staff
    // decide all twelve disputes as "paid elsewhere".
    let mut calls = Vec::new();
    for (_, _, order) in &cases {
        calls.push(rig.act(order, "pay", None).await);
    }
    let staff = alice();
    let decisions = cases.iter().map(|(_, dispute, _)| {
        disputes.decide(
            *dispute,
            Decision::Paid {
                amount: eur(200_00),
            },
            "Betaald bij de schuldeiser, zie bewijs.",
            &staff,
            Utc::now(),
        )
    });
    for decided in futures::future::join_all(decisions).await {
        assert_eq!(decided.unwrap().decision, Some(DisputeDecisionKind::Paid));
    }
    for ((dossier, _, order), call) in cases.iter().zip(calls) {
        let record = rig.settled(order, call).await;
        assert_eq!(record["outcome"], "delivered", "{record}");
        let entries = store.ledger_entries(dossier).await.unwrap();
        assert_eq!(entries.len(), 2, "both payments booked, once each");
        let costs: i64 = entries.iter().map(|e| e.alloc_costs.cents()).sum();
        assert_eq!(
            costs, 225_00,
            "the costs are paid once, not twice: {entries:?}"
        );
        let view = load_claim(&store, dossier, dutch_date(Utc::now()))
            .await
            .expect("the ledger fits what is owed");
        assert_eq!(view.totals.received, eur(400_00));
        assert_eq!(view.totals.paid.costs, view.totals.owed.costs);
        assert_eq!(view.totals.credit, Money::ZERO);
    }
}
