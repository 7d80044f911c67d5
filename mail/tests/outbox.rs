//! The outbox against a real SMTP server over a socket (mailin-embedded), on SQLite and
//! PostgreSQL.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::{DossierId, Money, Notice};
use mail::{ContactHours, Letterhead, Mailer, Round, Transport};
use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use store::{MailStatus, NewMail, Store};

store::backend_tests!(
    a_receipt_goes_out_over_smtp_once_with_its_message_id,
    nothing_goes_out_outside_the_contact_hours_and_it_waits_across_a_restart,
    a_relay_that_fails_is_retried_later_and_a_refusal_is_left_to_staff,
    without_an_address_or_with_reminders_off_a_message_stays_readable_but_unsent,
    a_plan_is_confirmed_and_its_instalments_reminded_once_each,
);

/// What the test server received.
#[derive(Debug, Clone, Default)]
struct Inbox {
    messages: Arc<Mutex<Vec<String>>>,
    /// Answer the next this many messages with "451 try again later".
    fail_next: Arc<Mutex<u32>>,
    /// Refuse every message for good ("550").
    refuse: Arc<Mutex<bool>>,
    /// The only accepted AUTH PLAIN login, when set.
    login: Option<(String, String)>,
    current: Vec<u8>,
}

impl Inbox {
    fn received(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }
}

impl Handler for Inbox {
    // Refusals come at DATA: mailin stays in its data state after a refused end of data,
    // which no relay does.
    fn data_start(&mut self, _: &str, _: &str, _: bool, _: &[String]) -> Response {
        self.current.clear();
        if *self.refuse.lock().unwrap() {
            return response::NO_MAILBOX;
        }
        let mut fail = self.fail_next.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            return response::INTERNAL_ERROR;
        }
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let text = String::from_utf8_lossy(&self.current).into_owned();
        self.messages.lock().unwrap().push(text);
        response::OK
    }

    fn auth_plain(&mut self, _: &str, user: &str, password: &str) -> Response {
        match &self.login {
            Some((u, p)) if u == user && p == password => response::AUTH_OK,
            _ => response::INVALID_CREDENTIALS,
        }
    }
}

/// Starts an SMTP server on a free port of 127.0.0.1; returns its port. It serves until the
/// test process ends.
fn smtp_server(inbox: Inbox, tls: Option<SslConfig>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("address").port();
    let auth = inbox.login.is_some();
    let mut server = Server::new(inbox);
    server.with_name("localhost").with_tcp_listener(listener);
    if let Some(tls) = tls {
        server.with_ssl(tls).expect("TLS settings");
    }
    if auth {
        server.with_auth(mailin_embedded::AuthMechanism::Plain);
    }
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    port
}

fn letterhead() -> Letterhead {
    Letterhead {
        name: "Incassobureau Test".into(),
        street: "Kerkstraat 1".into(),
        postcode_city: "1234 AB Utrecht".into(),
        wki_number: "WKI-000123".into(),
        kvk: "12345678".into(),
        phone: "030 123 45 67".into(),
        email: "info@incasso.example".into(),
        portal_url: "https://portaal.incasso.example/".into(),
    }
}

fn mailer(store: &Store, transport: Transport) -> Mailer {
    Mailer {
        store: store.clone(),
        transport,
        hours: ContactHours::default(),
        letterhead: letterhead(),
        from: "Incassobureau Test <noreply@incasso.example>"
            .parse()
            .unwrap(),
        per_round: 50,
    }
}

fn plain_smtp(port: u16) -> Transport {
    Transport::smtp(&format!("smtp://127.0.0.1:{port}"), None).expect("transport")
}

/// Monday 7 December 2026, 10:00 Dutch time.
fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
}

async fn dossier_with_email(store: &Store, number: &str, email: Option<&str>) -> DossierId {
    let id = store::testing::seed_consumer_dossier(store, number).await;
    sqlx::query("UPDATE debtor SET email = $1 WHERE dossier_id = $2")
        .bind(email)
        .bind(id.as_str())
        .execute(store.pool())
        .await
        .expect("set the e-mail address");
    id
}

fn receipt(dossier: &DossierId, key: &str, at: DateTime<Utc>) -> NewMail {
    NewMail {
        dossier_id: dossier.clone(),
        notice: Notice::PaymentReceived {
            amount: Money::from_cents(5000),
            paid_on: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            costs: Money::from_cents(5000),
            interest: Money::ZERO,
            principal: Money::ZERO,
            credit: Money::ZERO,
            open_after: Money::from_cents(150_000),
        },
        dedupe_key: key.into(),
        created_at: at,
    }
}

async fn a_receipt_goes_out_over_smtp_once_with_its_message_id(store: Store) {
    let inbox = Inbox::default();
    let port = smtp_server(inbox.clone(), None);
    let dossier = dossier_with_email(&store, "ISB-2026-000001", Some("p.devries@example.nl")).await;
    let now = monday_morning();
    assert!(
        store
            .queue_mail(&receipt(&dossier, "payment:p1:receipt", now))
            .await
            .unwrap()
    );
    // The same event again (a replayed exchange call) queues nothing.
    assert!(
        !store
            .queue_mail(&receipt(&dossier, "payment:p1:receipt", now))
            .await
            .unwrap()
    );

    let job = mailer(&store, plain_smtp(port));
    let round = job.round(now).await.unwrap();
    assert_eq!(
        round,
        Round {
            sent: 1,
            ..Round::default()
        }
    );
    let received = inbox.received();
    assert_eq!(received.len(), 1);
    let mail = &store.mails_for_dossier(&dossier).await.unwrap()[0];
    assert_eq!(mail.status, MailStatus::Sent);
    assert_eq!(mail.recipient.as_deref(), Some("p.devries@example.nl"));
    let raw = &received[0];
    assert!(
        raw.contains(&format!("Message-ID: <{}@incasso.example>", mail.id)),
        "{raw}"
    );
    assert!(raw.contains("To: p.devries@example.nl"), "{raw}");
    assert!(raw.contains("multipart/alternative"), "{raw}");
    assert!(mail.body_text.as_deref().unwrap().contains("WKI-000123"));
    // Nothing more to send.
    assert_eq!(
        job.round(now + Duration::minutes(1)).await.unwrap(),
        Round::default()
    );
    assert_eq!(inbox.received().len(), 1);
}

async fn nothing_goes_out_outside_the_contact_hours_and_it_waits_across_a_restart(store: Store) {
    let inbox = Inbox::default();
    let port = smtp_server(inbox.clone(), None);
    let dossier = dossier_with_email(&store, "ISB-2026-000002", Some("a@example.nl")).await;
    // Saturday 26 December 2026 (Boxing Day), 21:30: queued at night on a holiday.
    let night = Utc.with_ymd_and_hms(2026, 12, 26, 20, 30, 0).unwrap();
    store
        .queue_mail(&receipt(&dossier, "k1", night))
        .await
        .unwrap();
    let first = mailer(&store, plain_smtp(port));
    assert!(first.round(night).await.unwrap().closed);
    // Sunday noon: still closed.
    let sunday = Utc.with_ymd_and_hms(2026, 12, 27, 11, 0, 0).unwrap();
    assert!(first.round(sunday).await.unwrap().closed);
    assert!(inbox.received().is_empty());
    drop(first);

    // A new process (the outbox is in the database): Monday 28th at 06:59 is still closed,
    // at 07:00 it goes out.
    let restarted = mailer(&store, plain_smtp(port));
    let before = Utc.with_ymd_and_hms(2026, 12, 28, 5, 59, 0).unwrap();
    assert!(restarted.round(before).await.unwrap().closed);
    let opening = ContactHours::default().next_allowed(night);
    assert_eq!(
        opening,
        Utc.with_ymd_and_hms(2026, 12, 28, 6, 0, 0).unwrap()
    );
    assert_eq!(restarted.round(opening).await.unwrap().sent, 1);
    assert_eq!(inbox.received().len(), 1);
}

async fn a_relay_that_fails_is_retried_later_and_a_refusal_is_left_to_staff(store: Store) {
    let inbox = Inbox::default();
    *inbox.fail_next.lock().unwrap() = 2;
    let port = smtp_server(inbox.clone(), None);
    let dossier = dossier_with_email(&store, "ISB-2026-000003", Some("b@example.nl")).await;
    let now = monday_morning();
    store
        .queue_mail(&receipt(&dossier, "k-retry", now))
        .await
        .unwrap();
    let job = mailer(&store, plain_smtp(port));

    assert_eq!(job.round(now).await.unwrap().retrying, 1);
    // Not again before its pause (one minute) is over.
    assert_eq!(
        job.round(now + Duration::seconds(30)).await.unwrap(),
        Round::default()
    );
    let mail = &store.mails_for_dossier(&dossier).await.unwrap()[0];
    assert_eq!((mail.status, mail.attempts), (MailStatus::Queued, 1));
    assert!(mail.last_error.is_some());
    assert_eq!(
        job.round(now + Duration::minutes(1))
            .await
            .unwrap()
            .retrying,
        1
    );
    // Second pause: two minutes.
    assert_eq!(
        job.round(now + Duration::minutes(2)).await.unwrap(),
        Round::default()
    );
    assert_eq!(job.round(now + Duration::minutes(3)).await.unwrap().sent, 1);
    assert_eq!(inbox.received().len(), 1, "sent once, after two refusals");

    // A permanent refusal (550) is not retried: staff see it.
    *inbox.refuse.lock().unwrap() = true;
    store
        .queue_mail(&receipt(&dossier, "k-refused", now))
        .await
        .unwrap();
    assert_eq!(
        job.round(now + Duration::minutes(4)).await.unwrap().failed,
        1
    );
    let failed = store.failed_mails(10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].1, "ISB-2026-000003");
    assert_eq!(
        job.round(now + Duration::hours(5)).await.unwrap(),
        Round::default()
    );
}

async fn without_an_address_or_with_reminders_off_a_message_stays_readable_but_unsent(
    store: Store,
) {
    let inbox = Inbox::default();
    let port = smtp_server(inbox.clone(), None);
    let now = monday_morning();
    let no_address = dossier_with_email(&store, "ISB-2026-000004", None).await;
    store
        .queue_mail(&receipt(&no_address, "k-none", now))
        .await
        .unwrap();
    let quiet = dossier_with_email(&store, "ISB-2026-000005", Some("c@example.nl")).await;
    store.set_mail_reminders(&quiet, false).await.unwrap();
    let reminder = NewMail {
        dossier_id: quiet.clone(),
        notice: Notice::InstalmentDue {
            due: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            amount: Money::from_cents(5000),
        },
        dedupe_key: "k-reminder".into(),
        created_at: now,
    };
    store.queue_mail(&reminder).await.unwrap();
    // A receipt is not a reminder: it still goes to the debtor who switched reminders off.
    store
        .queue_mail(&receipt(&quiet, "k-quiet-receipt", now))
        .await
        .unwrap();

    let round = mailer(&store, plain_smtp(port)).round(now).await.unwrap();
    assert_eq!((round.sent, round.unsent), (1, 2));
    assert_eq!(inbox.received().len(), 1);
    let none = &store.mails_for_dossier(&no_address).await.unwrap()[0];
    assert_eq!(none.status, MailStatus::Unsent);
    let statuses: Vec<_> = store
        .mails_for_dossier(&quiet)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.notice.kind().as_str(), m.status))
        .collect();
    assert!(statuses.contains(&("instalment_due", MailStatus::Unsent)));
    assert!(statuses.contains(&("payment_received", MailStatus::Sent)));
}

/// STARTTLS with a private certificate authority and AUTH PLAIN, as with a real relay:
/// the credentials only go over the encrypted connection, and a wrong password fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_with_authentication_reaches_the_relay() {
    // The test server's rustls needs a process-wide crypto provider (the portal's own
    // client side names lettre's explicitly).
    let _ = rustls::crypto::ring::default_provider().install_default();
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();

    let inbox = Inbox {
        login: Some(("portal".into(), "s3cret".into())),
        ..Inbox::default()
    };
    let port = smtp_server(
        inbox.clone(),
        Some(SslConfig::SelfSigned {
            cert_path: cert_path.display().to_string(),
            key_path: key_path.display().to_string(),
        }),
    );
    store::testing::on_sqlite(move |store| async move {
        let dossier = dossier_with_email(&store, "ISB-2026-000006", Some("d@example.nl")).await;
        let now = monday_morning();
        store
            .queue_mail(&receipt(&dossier, "k-tls", now))
            .await
            .unwrap();
        let ca_pem = ca.pem();
        let wrong = Transport::smtp(
            &format!("smtp://portal:wrong@localhost:{port}?tls=required"),
            Some(ca_pem.as_bytes()),
        )
        .unwrap();
        assert_eq!(mailer(&store, wrong).round(now).await.unwrap().failed, 1);

        store
            .queue_mail(&receipt(&dossier, "k-tls-2", now))
            .await
            .unwrap();
        let right = Transport::smtp(
            &format!("smtp://portal:s3cret@localhost:{port}?tls=required"),
            Some(ca_pem.as_bytes()),
        )
        .unwrap();
        assert_eq!(mailer(&store, right).round(now).await.unwrap().sent, 1);
        assert_eq!(inbox.received().len(), 1);
    })
    .await;
}

/// Without a relay, each message is one `.eml` file named by its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_relay_messages_land_in_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("mail");
    let transport = Transport::Folder(folder.clone());
    store::testing::on_sqlite(move |store| async move {
        let dossier = dossier_with_email(&store, "ISB-2026-000007", Some("e@example.nl")).await;
        let now = monday_morning();
        store
            .queue_mail(&receipt(&dossier, "k-folder", now))
            .await
            .unwrap();
        assert_eq!(mailer(&store, transport).round(now).await.unwrap().sent, 1);
        let mail = &store.mails_for_dossier(&dossier).await.unwrap()[0];
        let eml = std::fs::read_to_string(folder.join(format!("{}.eml", mail.id))).unwrap();
        assert!(eml.contains("Subject: Betaling ontvangen"), "{eml}");
    })
    .await;
}

async fn a_plan_is_confirmed_and_its_instalments_reminded_once_each(store: Store) {
    use store::{InstalmentStatus, NewInstalment, NewPlan, PlanStatus};
    let dossier = dossier_with_email(&store, "ISB-2026-000008", Some("f@example.nl")).await;
    let now = monday_morning();
    let today = claim::dutch_date(now);
    let day = |n: u64| today.checked_add_days(chrono::Days::new(n)).unwrap();
    let plan = store
        .create_plan(
            &NewPlan {
                dossier_id: dossier.clone(),
                status: PlanStatus::Proposed,
                instalments: vec![
                    NewInstalment {
                        due_date: today.pred_opt().unwrap(),
                        amount: Money::from_cents(5000),
                    },
                    NewInstalment {
                        due_date: day(2),
                        amount: Money::from_cents(5000),
                    },
                    NewInstalment {
                        due_date: day(30),
                        amount: Money::from_cents(5000),
                    },
                ],
                interest_stops: false,
            },
            now - Duration::days(2),
        )
        .await
        .unwrap();
    // A proposal gets nothing.
    assert_eq!(
        mail::plan_messages(&store, today, 3, now).await.unwrap(),
        mail::Planned::default()
    );
    assert!(
        store
            .set_plan_status(
                &plan.id,
                &[PlanStatus::Proposed],
                PlanStatus::Active,
                now - Duration::days(1)
            )
            .await
            .unwrap()
    );
    let first = &plan.instalments[0];
    assert!(
        store
            .set_instalment_status(
                first.id,
                &[InstalmentStatus::Open],
                InstalmentStatus::Late,
                now
            )
            .await
            .unwrap()
    );

    let planned = mail::plan_messages(&store, today, 3, now).await.unwrap();
    assert_eq!(
        planned,
        mail::Planned {
            agreed: 1,
            due: 1,
            missed: 1,
            deferral_due: 0,
        }
    );
    // Again (another round, another instance): nothing new.
    assert_eq!(
        mail::plan_messages(&store, today, 3, now).await.unwrap(),
        mail::Planned::default()
    );
    let mut kinds: Vec<_> = store
        .mails_for_dossier(&dossier)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.notice)
        .collect();
    kinds.sort_by_key(|n| n.kind().as_str());
    assert!(matches!(&kinds[0], Notice::InstalmentDue { due, .. } if *due == day(2)));
    assert!(matches!(&kinds[1], Notice::InstalmentMissed { .. }));
    assert!(matches!(&kinds[2], Notice::PlanAgreed { instalments } if instalments.len() == 3));
}
