use crate::i18n::{t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any path no route matches (with status 404 on the server).
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, not_found.page_title).to_string()) />
        <section class="card">
            <h1>{t!(i18n, not_found.heading)}</h1>
            <p>
                <a href="/">{t!(i18n, not_found.back)}</a>
            </p>
        </section>
    }
}
