//! The frame around every page: header with the language switch, main landmark, footer.

use crate::i18n::{Locale, t, use_i18n};
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_router::hooks::use_location;

/// Header, `<main>` and footer around a page's content.
#[component]
pub fn Page(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a class="skip" href="#content">{t!(i18n, skip_to_content)}</a>
        <header class="site-header">
            <span class="brand">{t!(i18n, site_name)}</span>
            <LanguageSwitch />
        </header>
        <main id="content" tabindex="-1">{children()}</main>
        <footer class="site-footer">
            <p>{t!(i18n, footer.privacy)}</p>
        </footer>
    }
}

/// A link to the other language. Without JavaScript it goes through `/lang/{code}`, which
/// stores the choice in the locale cookie and comes back; hydrated, it switches in place.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let other = move || match i18n.get_locale() {
        Locale::nl => Locale::en,
        Locale::en => Locale::nl,
    };
    let href = move || {
        let back = location.pathname.get();
        format!("/lang/{}?back={}", other().as_str(), back)
    };
    view! {
        <a
            class="lang-switch"
            href=href
            hreflang=move || other().as_str()
            lang=move || other().as_str()
            on:click=move |ev| {
                ev.prevent_default();
                i18n.set_locale(other());
            }
        >
            {t!(i18n, lang.other)}
        </a>
    }
}
