//! `/dossier/messages`: everything the portal wrote to the debtor by e-mail (receipts,
//! confirmations, reminders, decisions), as sent or as it will be sent, and the switch for
//! reminders. Works without JavaScript: the message texts open in `<details>`, the switch
//! is a plain form post.

use crate::errors::Refusal;
use crate::format;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::model::{MessageRow, MessagesPage as Page};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// The page's data.
#[server(prefix = "/api", endpoint = "messages_page")]
pub async fn get_messages_page() -> Result<Page, Refusal> {
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::DebtorOnly).await?;
    let lang = crate::ssr::messages::request_lang();
    crate::ssr::messages::page(&services, &dossier_id, lang)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "messages page");
            Refusal::Unavailable
        })
}

/// Switches e-mail reminders on or off, then back to the page.
#[server(prefix = "/api", endpoint = "set_reminders")]
pub async fn set_reminders(on: String) -> Result<(), Refusal> {
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::DebtorOnly).await?;
    crate::ssr::messages::set_reminders(&services, &dossier_id, on == "true", chrono::Utc::now())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reminders switch");
            Refusal::Unavailable
        })?;
    leptos_axum::redirect("/dossier/messages?saved=1");
    Ok(())
}

#[component]
pub fn MessagesPage() -> impl IntoView {
    let i18n = use_i18n();
    let page = Resource::new(|| (), |_| get_messages_page());
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, messages.page_title).to_string()) />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let locale = i18n.get_locale();
                Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! { <MessagesBody p locale /> }.into_any(),
                        Err(Refusal::NotSignedIn) => view! { <Redirect path="/" /> }.into_any(),
                        Err(Refusal::NotGranted) => view! { <Redirect path="/dossier" /> }.into_any(),
                        Err(Refusal::NeedsSecret) => {
                            view! { <Redirect path="/?need=secret" /> }.into_any()
                        }
                        Err(Refusal::Unavailable) => {
                            view! { <p class="alert" role="alert">{t!(i18n, common.unavailable)}</p> }
                                .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn MessagesBody(p: Page, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let saved = leptos_router::hooks::use_query_map()
        .read_untracked()
        .get("saved")
        .is_some();
    let reminders = p.reminders;
    view! {
        <section class="card" aria-labelledby="messages-heading">
            <h1 id="messages-heading">{t_string!(i18n, messages.heading).to_string()}</h1>
            <p class="lead">{t_string!(i18n, messages.intro).to_string()}</p>
            {(!p.has_email).then(|| view! {
                <p class="notice" data-testid="no-email">
                    {t!(i18n, messages.no_email)} " "
                    <a href="/dossier/data">{t!(i18n, dossier.my_data_link)}</a>
                </p>
            })}
            {if p.messages.is_empty() {
                view! { <p>{t!(i18n, messages.none)}</p> }.into_any()
            } else {
                view! {
                    <ul class="rows" data-testid="message-list">
                        {p.messages.into_iter().map(|m| view! { <MessageItem m locale /> }).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        <section class="card" aria-labelledby="reminders-heading">
            <h2 id="reminders-heading">{t!(i18n, messages.reminders_heading)}</h2>
            {saved.then(|| view! { <p class="notice" role="status">{t!(i18n, messages.saved)}</p> })}
            <p data-testid="reminders-state">
                {if reminders {
                    t_string!(i18n, messages.reminders_on).to_string()
                } else {
                    t_string!(i18n, messages.reminders_off).to_string()
                }}
            </p>
            <form method="post" action="/api/set_reminders" class="form">
                <input type="hidden" name="on" value=(!reminders).to_string() />
                <button type="submit" class="button secondary" data-testid="reminders-switch">
                    {if reminders {
                        t_string!(i18n, messages.switch_off).to_string()
                    } else {
                        t_string!(i18n, messages.switch_on).to_string()
                    }}
                </button>
            </form>
            <p class="hint">{t!(i18n, messages.always_sent)}</p>
        </section>
        <nav class="card links">
            <a class="button secondary" href="/dossier">{t!(i18n, data.back)}</a>
        </nav>
    }
}

#[component]
fn MessageItem(m: MessageRow, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let date = move |d| format::date(locale, d);
    let status = match (m.status.as_str(), m.sent_on, m.recipient.clone()) {
        ("sent", Some(on), Some(to)) => {
            t_string!(i18n, messages.status_sent, date = date(on), address = to).to_string()
        }
        ("queued", _, _) => t_string!(i18n, messages.status_queued).to_string(),
        ("failed", _, _) => t_string!(i18n, messages.status_failed).to_string(),
        _ => t_string!(i18n, messages.status_unsent).to_string(),
    };
    view! {
        <li data-testid="message" data-status=m.status.clone()>
            <p class="row-title">{m.subject.clone()}</p>
            <p class="row-detail">{t!(i18n, messages.written_on, date = date(m.written_on))}</p>
            <p class="status">{status}</p>
            <details>
                <summary>{t!(i18n, messages.read)}</summary>
                <pre class="mail-text" data-testid="message-text">{m.body.clone()}</pre>
            </details>
        </li>
    }
}
