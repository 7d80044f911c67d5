//! How fast the outbox empties into a local SMTP server (mailin-embedded on 127.0.0.1):
//! queues `N` receipts (default 2,000) on a fresh SQLite database (or `DATABASE_URL`'s
//! PostgreSQL), then times the mail job sending them in rounds of 500.
//!
//! `cargo run --release -p mail --example outbox_throughput [N]`

use std::net::TcpListener;
use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use domain::{Money, Notice};
use mail::{ContactHours, Letterhead, Mailer, Transport};
use mailin_embedded::{Handler, Server};
use store::{NewMail, Store};

#[derive(Clone)]
struct Sink;
impl Handler for Sink {}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000);
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));
    let store = Store::connect(&url).await.expect("database");
    let listener = TcpListener::bind("127.0.0.1:0").expect("port");
    let port = listener.local_addr().expect("address").port();
    let mut server = Server::new(Sink);
    server
        .with_name("localhost")
        .with_num_threads(8)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });

    let dossier = store::testing::seed_consumer_dossier(&store, "ISB-2026-000001").await;
    sqlx::query("UPDATE debtor SET email = 'bench@example.nl' WHERE dossier_id = $1")
        .bind(dossier.as_str())
        .execute(store.pool())
        .await
        .expect("address");
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
    let queued = Instant::now();
    for i in 0..n {
        store
            .queue_mail(&NewMail {
                dossier_id: dossier.clone(),
                notice: Notice::PaymentReceived {
                    amount: Money::from_cents(1000),
                    paid_on: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
                    costs: Money::from_cents(1000),
                    interest: Money::ZERO,
                    principal: Money::ZERO,
                    credit: Money::ZERO,
                    open_after: Money::from_cents(100_000),
                },
                dedupe_key: format!("bench:{i}"),
                created_at: now,
            })
            .await
            .expect("queue");
    }
    let queue_time = queued.elapsed();
    let mailer = Mailer {
        store: store.clone(),
        transport: Transport::smtp(&format!("smtp://127.0.0.1:{port}"), None).expect("smtp"),
        hours: ContactHours::default(),
        letterhead: Letterhead {
            name: "Bench".into(),
            street: "Straat 1".into(),
            postcode_city: "1234 AB Plaats".into(),
            wki_number: "WKI-1".into(),
            kvk: "1".into(),
            phone: "0".into(),
            email: "a@b.nl".into(),
            portal_url: "https://portaal.example/".into(),
        },
        from: "Bench <noreply@example.nl>".parse().unwrap(),
        per_round: 500,
    };
    let started = Instant::now();
    let mut sent = 0;
    loop {
        let round = mailer.round(now).await.expect("round");
        sent += round.sent;
        if round.sent + round.retrying + round.failed + round.unsent == 0 {
            break;
        }
    }
    let send_time = started.elapsed();
    println!(
        "{:?} (one SMTP connection per message): queued {n} in {:.2} s ({:.0}/s); sent {sent} in {:.2} s ({:.0}/s)",
        store.backend(),
        queue_time.as_secs_f64(),
        n as f64 / queue_time.as_secs_f64(),
        send_time.as_secs_f64(),
        f64::from(sent) / send_time.as_secs_f64(),
    );
}
