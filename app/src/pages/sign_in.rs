use crate::i18n::{t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;

/// The start page: dossier number and personal code from the letter.
#[component]
pub fn SignIn() -> impl IntoView {
    let i18n = use_i18n();
    // Only the hydrated page can reveal the code; without JavaScript the field stays masked.
    let (revealed, set_revealed) = signal(false);
    view! {
        <Title text=move || t_string!(i18n, signin.page_title).to_string() />
        <section class="card" aria-labelledby="signin-heading">
            <h1 id="signin-heading">{t!(i18n, signin.heading)}</h1>
            <p class="lead">{t!(i18n, signin.intro)}</p>
            <form method="post" action="/" class="form" novalidate>
                <div class="field">
                    <label for="dossier">{t!(i18n, signin.dossier_label)}</label>
                    <p class="hint" id="dossier-hint">{t!(i18n, signin.dossier_hint)}</p>
                    <input
                        id="dossier"
                        name="dossier"
                        type="text"
                        autocomplete="username"
                        autocapitalize="characters"
                        spellcheck="false"
                        aria-describedby="dossier-hint"
                        required
                    />
                </div>
                <div class="field">
                    <label for="secret">{t!(i18n, signin.secret_label)}</label>
                    <p class="hint" id="secret-hint">{t!(i18n, signin.secret_hint)}</p>
                    <div class="secret-row">
                        <input
                            id="secret"
                            name="secret"
                            type=move || if revealed.get() { "text" } else { "password" }
                            autocomplete="current-password"
                            autocapitalize="characters"
                            spellcheck="false"
                            aria-describedby="secret-hint"
                            required
                        />
                        <button
                            type="button"
                            class="button secondary"
                            aria-controls="secret"
                            aria-pressed=move || revealed.get().to_string()
                            on:click=move |_| set_revealed.update(|r| *r = !*r)
                        >
                            {move || {
                                if revealed.get() {
                                    t_string!(i18n, signin.hide_secret).to_string()
                                } else {
                                    t_string!(i18n, signin.show_secret).to_string()
                                }
                            }}
                        </button>
                    </div>
                </div>
                <button type="submit" class="button primary">
                    {t!(i18n, signin.submit)}
                </button>
            </form>
            <p class="note">{t!(i18n, signin.qr_hint)}</p>
        </section>
    }
}
