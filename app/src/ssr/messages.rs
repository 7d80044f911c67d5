//! `/dossier/messages`: every message to the debtor, as sent (address, subject and text as
//! they went out) or, not yet sent, as it will read; and the switch for reminders.

use chrono::{DateTime, Utc};
use domain::{DossierId, Lang};

use super::Services;
use crate::model::{MessageRow, MessagesPage};

/// The page for `dossier_id`, read in `lang` (which also becomes the language of the
/// debtor's next messages: the one they use the portal in).
pub async fn page(
    services: &Services,
    dossier_id: &DossierId,
    lang: Lang,
) -> Result<MessagesPage, store::StoreError> {
    let to = services.store.mail_addressee(dossier_id).await?;
    if to.language != lang {
        services.store.set_mail_language(dossier_id, lang).await?;
    }
    let messages = services
        .store
        .mails_for_dossier(dossier_id)
        .await?
        .into_iter()
        .map(|m| {
            let (subject, body) = match (m.subject, m.body_text) {
                (Some(subject), Some(body)) => (subject, body),
                _ => {
                    let r = mail::render(
                        &m.notice,
                        lang,
                        &to.name,
                        &to.dossier_number,
                        &services.letterhead,
                    );
                    (r.subject, r.text)
                }
            };
            MessageRow {
                id: m.id,
                subject,
                body,
                written_on: claim::dutch_date(m.created_at),
                status: m.status.as_str().to_owned(),
                sent_on: m.sent_at.map(claim::dutch_date),
                recipient: m.recipient,
                reminder: m.notice.kind().is_reminder(),
            }
        })
        .collect();
    Ok(MessagesPage {
        has_email: to.email.is_some(),
        reminders: to.reminders,
        messages,
    })
}

/// Switches reminders on or off, audited.
pub async fn set_reminders(
    services: &Services,
    dossier_id: &DossierId,
    on: bool,
    now: DateTime<Utc>,
) -> Result<(), store::StoreError> {
    services.store.set_mail_reminders(dossier_id, on).await?;
    let number = services
        .store
        .mail_addressee(dossier_id)
        .await?
        .dossier_number;
    match number.parse::<domain::DossierNumber>() {
        Ok(number) => {
            super::audit_debtor(
                services,
                Some(dossier_id.clone()),
                &number,
                if on {
                    "mail.reminders_on"
                } else {
                    "mail.reminders_off"
                },
                serde_json::json!({}),
                super::client_ip(),
                now,
            )
            .await
        }
        Err(_) => tracing::error!(%number, "stored dossier number does not parse"),
    }
    Ok(())
}

/// The language of this request: the locale cookie, else the browser's first choice, else
/// Dutch (as the pages choose it).
pub fn request_lang() -> Lang {
    let Some(parts) = leptos::prelude::use_context::<http::request::Parts>() else {
        return Lang::Nl;
    };
    let cookie = parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("i18n_pref_locale="))
        .and_then(|code| code.parse().ok());
    cookie.unwrap_or_else(|| {
        let accept = parts
            .headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim_start()
            .to_ascii_lowercase();
        if accept.starts_with("en") {
            Lang::En
        } else {
            Lang::Nl
        }
    })
}
