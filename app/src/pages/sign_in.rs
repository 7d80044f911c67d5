use crate::errors::SignInError;
use crate::i18n::{t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;

/// Checks the dossier number and the code from the letter; on success sets the session
/// cookie and sends the browser to the dossier.
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(dossier: String, secret: String) -> Result<(), SignInError> {
    use crate::ssr::{client_ip, services, session};
    use leptos::server_fn::error::FromServerFnError;
    let services = services().map_err(SignInError::from_server_fn_error)?;
    let now = chrono::Utc::now();
    let signed = crate::ssr::sign_in::sign_in(&services, &dossier, &secret, client_ip(), now)
        .await
        .inspect_err(|e| {
            crate::ssr::refuse_with(match e {
                SignInError::Throttled { .. } => http::StatusCode::TOO_MANY_REQUESTS,
                SignInError::Unavailable => http::StatusCode::SERVICE_UNAVAILABLE,
                _ => http::StatusCode::UNPROCESSABLE_ENTITY,
            })
        })?;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(
        http::header::SET_COOKIE,
        session::set_cookie(&signed.token, &services.settings),
    );
    leptos_axum::redirect("/dossier");
    Ok(())
}

/// The start page: dossier number and personal code from the letter. Rendered on the server;
/// the form is an island so the code can be shown while typing it.
#[component]
pub fn SignIn() -> impl IntoView {
    let i18n = use_i18n();
    // A refused form without JavaScript comes back with the error in the URL, which the
    // router hands to this action on the server.
    let sent_error = ServerAction::<SignIn>::new()
        .value()
        .get_untracked()
        .and_then(Result::err);
    // A QR link that expired sends the debtor here with the dossier number filled in.
    let query = leptos_router::hooks::use_query_map();
    let prefill = query.read_untracked().get("dossier").unwrap_or_default();
    let need_secret = query.read_untracked().get("need").is_some();
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, signin.page_title).to_string()) />
        <section class="card" aria-labelledby="signin-heading">
            <h1 id="signin-heading">{t!(i18n, signin.heading)}</h1>
            <p class="lead">{t!(i18n, signin.intro)}</p>
            {need_secret
                .then(|| view! { <p class="notice" role="status">{t!(i18n, signin.need_secret)}</p> })}
            <SignInForm sent_error prefill />
            <p class="note">{t!(i18n, signin.qr_hint)}</p>
            <p class="note">
                {t!(i18n, signin.check_hint)} " "
                <a href="/check" data-testid="check-link">{t!(i18n, signin.check_link)}</a>
            </p>
        </section>
    }
}

/// The sign-in form. Hydrated, it submits without a page load and its button reveals the
/// code; without JavaScript it is a plain form and the code stays masked.
#[island]
fn SignInForm(sent_error: Option<SignInError>, prefill: String) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SignIn>::new();
    let error = Signal::derive(move || match action.value().get() {
        Some(result) => result.err(),
        None => sent_error.clone(),
    });
    let (revealed, set_revealed) = signal(false);
    let dossier_error = move || matches!(error.get(), Some(SignInError::BadDossier { .. }));
    let secret_error = move || matches!(error.get(), Some(SignInError::BadSecret { .. }));
    let form_error = move || match error.get() {
        Some(SignInError::Invalid { .. }) => {
            Some(t_string!(i18n, signin.error.invalid).to_string())
        }
        Some(SignInError::Throttled {
            retry_after_secs, ..
        }) => {
            let minutes = (retry_after_secs + 59) / 60;
            if minutes > 90 {
                let hours = (minutes + 59) / 60;
                Some(t_string!(i18n, signin.error.throttled_hours, hours).to_string())
            } else {
                Some(t_string!(i18n, signin.error.throttled, minutes).to_string())
            }
        }
        Some(SignInError::Unavailable) => {
            Some(t_string!(i18n, signin.error.unavailable).to_string())
        }
        _ => None,
    };
    view! {
            <Show when=move || form_error().is_some()>
                <p class="alert" role="alert" id="signin-error">{form_error}</p>
            </Show>
            <ActionForm action attr:class="form" attr:novalidate="">
                <div class="field">
                    <label for="dossier">{t!(i18n, signin.dossier_label)}</label>
                    <p class="hint" id="dossier-hint">{t!(i18n, signin.dossier_hint)}</p>
                    <Show when=dossier_error>
                        <p class="field-error" id="dossier-error">
                            {t!(i18n, signin.error.bad_dossier)}
                        </p>
                    </Show>
                    <input
                        id="dossier"
                        name="dossier"
                        type="text"
                        autocomplete="username"
                        autocapitalize="characters"
                        spellcheck="false"
                        required
                        value=move || {
                            error.get()
                                .and_then(|e| e.dossier().map(str::to_owned))
                                .unwrap_or_else(|| prefill.clone())
                        }
                        aria-invalid=move || dossier_error().to_string()
                        aria-describedby=move || {
                            if dossier_error() { "dossier-hint dossier-error" } else { "dossier-hint" }
                        }
                    />
                </div>
                <div class="field">
                    <label for="secret">{t!(i18n, signin.secret_label)}</label>
                    <p class="hint" id="secret-hint">{t!(i18n, signin.secret_hint)}</p>
                    <Show when=secret_error>
                        <p class="field-error" id="secret-error">
                            {t!(i18n, signin.error.bad_secret)}
                        </p>
                    </Show>
                    <div class="secret-row">
                        <input
                            id="secret"
                            name="secret"
                            type=move || if revealed.get() { "text" } else { "password" }
                            autocomplete="current-password"
                            autocapitalize="characters"
                            spellcheck="false"
                            required
                            aria-invalid=move || secret_error().to_string()
                            aria-describedby=move || {
                                if secret_error() { "secret-hint secret-error" } else { "secret-hint" }
                            }
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
                <button type="submit" class="button primary" disabled=move || action.pending().get()>
                    {t!(i18n, signin.submit)}
                </button>
            </ActionForm>
    }
}
