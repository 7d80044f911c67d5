//! The frame around every page: header with the language switch, main landmark, footer.

use crate::agency::Agency;
use crate::i18n::{Locale, t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_router::hooks::use_location;
use leptos_router::location::Url;

/// Header, `<main>` and footer around a page's content.
#[component]
pub fn Page(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a class="skip" href="#content">{t!(i18n, skip_to_content)}</a>
        <header class="site-header">
            <Brand />
            <LanguageSwitch />
        </header>
        <main id="content" tabindex="-1">{children()}</main>
        <footer class="site-footer">
            <AgencyDetails />
            <crate::pages::TrustLinks />
            <p>{t!(i18n, footer.privacy)}</p>
        </footer>
    }
}

/// A page's `<Title>` text in the current language, fixed when the page is built. Pages are
/// rendered on the server only (islands), and Leptos writes the head after the body: when a
/// response ends early (a failing database, say) the page's signals may already be disposed
/// by then, where reading the language reactively panicked.
pub fn title(text: impl FnOnce() -> String) -> leptos::text_prop::TextProp {
    leptos::text_prop::TextProp::from(text())
}

/// The agency's details from the server's config. Pages are rendered on the server only
/// (islands mode), so this is never needed in the browser.
pub(crate) fn agency() -> Option<Agency> {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::ssr::Services>().map(|s| (*s.agency).clone())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// The agency's name, registration and contact details, on every page so a debtor can check
/// a letter is genuine.
#[component]
fn AgencyDetails() -> impl IntoView {
    let i18n = use_i18n();
    agency().map(|a| {
        let tel = format!("tel:{}", a.phone.replace(' ', ""));
        let mail = format!("mailto:{}", a.email);
        view! {
            <section class="agency" aria-label=move || t_string!(i18n, footer.agency_label).to_string()>
                <p><strong>{a.name.clone()}</strong></p>
                <p>{a.street.clone()} ", " {a.postcode_city.clone()}</p>
                <p>
                    <a href=tel>{a.phone.clone()}</a> " · " <a href=mail>{a.email.clone()}</a>
                </p>
                <p data-testid="wki">{t!(i18n, footer.wki, number = a.wki_number.clone())}</p>
                <p>{t!(i18n, footer.kvk, number = a.kvk.clone())}</p>
                <p class="note">
                    {t!(i18n, footer.check)} " " <a href="/check">{t!(i18n, footer.check_here)}</a>
                </p>
            </section>
        }
    })
}

/// The agency's logo and name, and what this site is.
#[component]
fn Brand() -> impl IntoView {
    let i18n = use_i18n();
    let agency = agency().unwrap_or_default();
    view! {
        <p class="brand">
            {agency.logo.map(|src| view! { <img src=src alt="" width="32" height="32" /> })}
            <span class="brand-text">
                <span class="brand-name">{agency.name}</span>
                <span class="brand-site">{t!(i18n, site_name)}</span>
            </span>
        </p>
    }
}

/// A link to the other language: `/lang/{code}` stores the choice in the locale cookie and
/// comes back to the same page, rendered in that language.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let other = match i18n.get_locale_untracked() {
        Locale::nl => Locale::en,
        Locale::en => Locale::nl,
    };
    // Back to the same page with its query (a prefilled dossier number, say).
    let location = use_location();
    let mut back = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    if !search.is_empty() {
        back = format!("{back}?{search}");
    }
    view! {
        <a
            class="lang-switch"
            href=format!("/lang/{}?back={}", other.as_str(), Url::escape(&back))
            hreflang=other.as_str()
            lang=other.as_str()
        >
            {t!(i18n, lang.other)}
        </a>
    }
}
