use crate::i18n::{t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Where an expired, altered or revoked QR link lands: say what happened, calmly, and lead
/// to the normal sign-in (with the dossier number filled in when we know it).
#[component]
pub fn LinkProblem() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let expired = move || query.read().get("reason").as_deref() == Some("expired");
    let sign_in_href = move || match query.read().get("dossier") {
        Some(d) if d.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            format!("/?dossier={d}")
        }
        _ => "/".to_owned(),
    };
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
}
