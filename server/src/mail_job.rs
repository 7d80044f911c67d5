//! Mail to debtors, server side: the letterhead from `[agency]`, the mail job (one instance
//! at a time, under a lease), and the demo's page of what would have been sent.

use std::time::Duration;

use app::ssr::Services;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use store::Store;

use crate::{AppState, Config, jobs};

/// The mail job's lease.
pub const LEASE: &str = "mail.outbox";
/// The lease of the job that queues what the plans call for.
pub const PLANNER_LEASE: &str = "mail.planner";

/// The agency as the debtor's messages name it, and the portal's start page.
pub fn letterhead(agency: &app::agency::Agency, public_url: &str) -> mail::Letterhead {
    mail::Letterhead {
        name: agency.name.clone(),
        street: agency.street.clone(),
        postcode_city: agency.postcode_city.clone(),
        wki_number: agency.wki_number.clone(),
        kvk: agency.kvk.clone(),
        phone: agency.phone.clone(),
        email: agency.email.clone(),
        portal_url: format!("{}/", public_url.trim_end_matches('/')),
    }
}

/// The job as `config` sets it up.
pub fn mailer(config: &Config, services: &Services) -> anyhow::Result<mail::Mailer> {
    let from = config
        .mail_from
        .parse()
        .map_err(|_| anyhow::anyhow!("mail_from is not an e-mail address"))?;
    let transport = config.mail_transport()?;
    if let mail::Transport::Folder(dir) = &transport {
        tracing::info!(folder = %dir.display(), "no mail_smtp_url: mail to debtors is written to a folder");
    }
    Ok(mail::Mailer {
        store: services.store.clone(),
        transport,
        hours: config.contact_hours(),
        letterhead: (*services.letterhead).clone(),
        from,
        per_round: config.mail_per_minute,
    })
}

/// A round every minute, on whichever instance holds the lease.
pub fn spawn(store: Store, mailer: mail::Mailer) {
    jobs::spawn_leased(
        store,
        crate::metrics::job::MAIL,
        LEASE,
        Duration::from_secs(60),
        chrono::Duration::minutes(5),
        move |now| {
            let mailer = mailer.clone();
            async move {
                let round = mailer.round(now).await.map_err(|e| e.to_string())?;
                crate::metrics::mail_sent(round.sent);
                crate::metrics::mail_failed(round.failed);
                if round != mail::Round::default() && !round.closed {
                    tracing::info!(?round, "mail round");
                }
                Ok(())
            }
        },
    );
}

/// Every hour, on whichever instance holds the lease: plan confirmations, reminders
/// `reminder_days` before each instalment and missed-instalment notices, queued once each
/// ([`mail::plan_messages`]). Hourly, not with each send round: it reads every active plan,
/// and its outcomes change by the day.
pub fn spawn_planner(store: Store, reminder_days: u32) {
    jobs::spawn_leased(
        store.clone(),
        crate::metrics::job::MAIL_PLANNER,
        PLANNER_LEASE,
        Duration::from_secs(60 * 60),
        chrono::Duration::minutes(10),
        move |now| {
            let store = store.clone();
            async move {
                let planned =
                    mail::plan_messages(&store, claim::dutch_date(now), reminder_days, now)
                        .await
                        .map_err(|e| e.to_string())?;
                if planned != mail::Planned::default() {
                    tracing::info!(?planned, "plan messages queued");
                }
                Ok(())
            }
        },
    );
}

/// `GET /demo/mail`: in the demo (the Pay.nl sandbox and no SMTP relay), every message the
/// portal wrote, newest first, as it was sent: the stand-in for a mailbox. Absent otherwise:
/// it shows every debtor's mail.
pub async fn demo_page(State(state): State<AppState>) -> Response {
    let services = &state.services;
    let (Some(folder), Some(_)) = (&services.mail_folder, &services.paynl_sandbox) else {
        return http::StatusCode::NOT_FOUND.into_response();
    };
    let mails = match services.store.recent_mails(100).await {
        Ok(mails) => mails,
        Err(e) => {
            tracing::warn!(error = %e, "demo mail page");
            return http::StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    use html_escape::encode_text as esc;
    let mut rows = String::new();
    for m in &mails {
        let when = claim::dutch_time(m.sent_at.unwrap_or(m.created_at))
            .format("%d-%m-%Y %H:%M")
            .to_string();
        // Not sent yet (outside the contact hours, or no address): as it will read.
        let (subject, body) = match (&m.subject, &m.body_text) {
            (Some(subject), Some(body)) => (subject.clone(), body.clone()),
            _ => match services.store.mail_addressee(&m.dossier_id).await {
                Ok(to) => {
                    let r = mail::render(
                        &m.notice,
                        to.language,
                        &to.name,
                        &to.dossier_number,
                        &services.letterhead,
                    );
                    (r.subject, r.text)
                }
                Err(_) => (m.notice.kind().as_str().to_owned(), String::new()),
            },
        };
        rows.push_str(&format!(
            "<article><h2>{}</h2><p class=\"meta\">{} · {} · {} · {}</p><pre>{}</pre></article>\n",
            esc(&subject),
            esc(&when),
            esc(m.recipient.as_deref().unwrap_or("—")),
            match m.status {
                store::MailStatus::Queued =>
                    "waiting for the contact hours (Mon–Sat 07:00–20:00, not on public holidays)",
                store::MailStatus::Sent => "sent",
                store::MailStatus::Failed => "failed",
                store::MailStatus::Unsent => "not sent: no e-mail address, or reminders off",
            },
            esc(&format!("{}.eml", m.id)),
            esc(&body),
        ));
    }
    if mails.is_empty() {
        rows.push_str("<p>No mail yet. Pay something in the demo and look again.</p>");
    }
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Demo mailbox</title><style>body{{font-family:sans-serif;max-width:42rem;\
         margin:1rem auto;padding:0 1rem}}pre{{white-space:pre-wrap;background:#f4f4f4;\
         padding:.75rem}}.meta{{color:#444;font-size:.9rem}}</style></head><body>\
         <h1>Demo mailbox</h1><p>What the portal sent (or will send) to debtors. Nothing \
         leaves this machine: each message is also a file in <code>{}</code>.</p>{rows}\
         </body></html>",
        esc(&folder.display().to_string())
    ))
    .into_response()
}
