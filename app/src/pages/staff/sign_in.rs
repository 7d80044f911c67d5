use super::StaffError;
use crate::i18n::{t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;

/// Checks a staff member's username and password; on success sets the challenge cookie and
/// sends the browser to the second factor (`/staff/two-factor`).
#[server(prefix = "/api", endpoint = "staff_sign_in")]
pub async fn staff_sign_in(username: String, password: String) -> Result<(), StaffError> {
    use crate::ssr::{client_ip, services, staff};
    use leptos::server_fn::error::FromServerFnError;
    let services = services().map_err(StaffError::from_server_fn_error)?;
    let now = chrono::Utc::now();
    let (token, kind) = staff::sign_in(&services, &username, &password, client_ip(), now).await?;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(
        http::header::SET_COOKIE,
        staff::set_challenge_cookie(&token, &services.settings),
    );
    leptos_axum::redirect(match kind {
        store::AccountKind::Staff => "/staff/two-factor",
        store::AccountKind::Counsellor => "/counsellor/two-factor",
    });
    Ok(())
}

/// The back office's sign-in: username and password. With `counsellor`, the same form for
/// debt counsellors at `/counsellor` (their own texts; the account decides where it leads).
#[component]
pub fn StaffSignInPage() -> impl IntoView {
    view! { <SignInForm counsellor=false /> }
}

/// `/counsellor`: the sign-in for debt counsellors.
#[component]
pub fn CounsellorSignInPage() -> impl IntoView {
    view! { <SignInForm counsellor=true /> }
}

#[component]
fn SignInForm(counsellor: bool) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<StaffSignIn>::new();
    let error = move || action.value().get().and_then(Result::err);
    let username_error = move || matches!(error(), Some(StaffError::MissingUsername));
    let password_error = move || matches!(error(), Some(StaffError::MissingPassword { .. }));
    let typed = move || match error() {
        Some(
            StaffError::MissingPassword { username }
            | StaffError::Invalid { username }
            | StaffError::Throttled { username, .. },
        ) => username,
        _ => String::new(),
    };
    let form_error = move || match error() {
        Some(StaffError::Invalid { .. }) => {
            Some(t_string!(i18n, staff.signin.error.invalid).to_string())
        }
        Some(StaffError::Throttled {
            retry_after_secs, ..
        }) => {
            let minutes = (retry_after_secs + 59) / 60;
            Some(t_string!(i18n, staff.signin.error.throttled, minutes).to_string())
        }
        Some(StaffError::Refused(crate::Refusal::Unavailable)) => {
            Some(t_string!(i18n, staff.error.unavailable).to_string())
        }
        _ => None,
    };
    view! {
        <Title text=crate::layout::title(move || {
            if counsellor {
                t_string!(i18n, counsellor.signin.page_title).to_string()
            } else {
                t_string!(i18n, staff.signin.page_title).to_string()
            }
        }) />
        <section class="card" aria-labelledby="staff-signin-heading">
            <h1 id="staff-signin-heading">
                {move || if counsellor {
                    t_string!(i18n, counsellor.signin.heading).to_string()
                } else {
                    t_string!(i18n, staff.signin.heading).to_string()
                }}
            </h1>
            <p class="lead">
                {move || if counsellor {
                    t_string!(i18n, counsellor.signin.intro).to_string()
                } else {
                    t_string!(i18n, staff.signin.intro).to_string()
                }}
            </p>
            <Show when=move || form_error().is_some()>
                <p class="alert" role="alert" id="staff-signin-error">{form_error}</p>
            </Show>
            <ActionForm action attr:class="form" attr:novalidate="">
                <div class="field">
                    <label for="username">{t!(i18n, staff.signin.username_label)}</label>
                    <Show when=username_error>
                        <p class="field-error" id="username-error">
                            {t!(i18n, staff.signin.error.missing_username)}
                        </p>
                    </Show>
                    <input
                        id="username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                        value=typed
                        aria-invalid=move || username_error().to_string()
                        aria-describedby=move || username_error().then_some("username-error")
                    />
                </div>
                <div class="field">
                    <label for="password">{t!(i18n, staff.signin.password_label)}</label>
                    <Show when=password_error>
                        <p class="field-error" id="password-error">
                            {t!(i18n, staff.signin.error.missing_password)}
                        </p>
                    </Show>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        aria-invalid=move || password_error().to_string()
                        aria-describedby=move || password_error().then_some("password-error")
                    />
                </div>
                <button type="submit" class="button primary" disabled=move || action.pending().get()>
                    {t!(i18n, staff.signin.submit)}
                </button>
            </ActionForm>
            {counsellor.then(|| view! {
                <p class="note">{t!(i18n, counsellor.signin.join_hint)} " " <a href="/counsellor/join">{t!(i18n, counsellor.signin.join_link)}</a></p>
            })}
            <p class="note">{t!(i18n, staff.signin.debtor_hint)} " " <a href="/">{t!(i18n, staff.signin.debtor_link)}</a></p>
        </section>
    }
}
