use crate::i18n::{t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Where an expired, altered or revoked QR link lands: say what happened, calmly, and lead
/// to the normal sign-in (with the dossier number filled in when we know it). Also where a
/// link for another dossier lands when the browser is signed in already: ask first.
#[component]
pub fn LinkProblem() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    // The letter link to confirm: only a `/p/…` path of plain characters is used.
    let other_session = move || {
        let q = query.read();
        if q.get("reason").as_deref() != Some("other_session") {
            return None;
        }
        q.get("link").filter(|l| {
            l.starts_with("/p/")
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'))
        })
    };
    let expired = move || query.read().get("reason").as_deref() == Some("expired");
    let sign_in_href = move || match query.read().get("dossier") {
        Some(d) if d.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            format!("/?dossier={d}")
        }
        _ => "/".to_owned(),
    };
    if let Some(link) = other_session() {
        return view! {
            <Title text=crate::layout::title(move || {
                t_string!(i18n, link.other_session_heading).to_string()
            }) />
            <section class="card" aria-labelledby="link-heading">
                <h1 id="link-heading">{t!(i18n, link.other_session_heading)}</h1>
                <p>{t!(i18n, link.other_session_text)}</p>
                <form method="post" action=link class="form">
                    <button type="submit" class="button primary">
                        {t!(i18n, link.other_session_continue)}
                    </button>
                </form>
                <p>
                    <a href="/dossier">{t!(i18n, link.other_session_back)}</a>
                </p>
            </section>
        }
        .into_any();
    }
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, link.page_title).to_string()) />
        <section class="card" aria-labelledby="link-heading">
            <h1 id="link-heading">{t!(i18n, link.heading)}</h1>
            <p>
                {move || {
                    if expired() {
                        t_string!(i18n, link.expired).to_string()
                    } else {
                        t_string!(i18n, link.invalid).to_string()
                    }
                }}
            </p>
            <p>{t!(i18n, link.next)}</p>
            <a class="button primary" href=sign_in_href>
                {t!(i18n, link.to_sign_in)}
            </a>
        </section>
    }
    .into_any()
}
