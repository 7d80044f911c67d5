//! `/staff/two-factor`: the second step of a staff sign-in. On an account's first sign-in it
//! sets up the authenticator app (QR code, the secret to type instead, recovery codes shown
//! once); after that it asks for the app's code or a recovery code.

use super::StaffError;
use crate::i18n::{t, t_string, use_i18n};
use crate::staff::TwoFactorView;
use leptos::prelude::*;
use leptos_meta::Title;

/// The challenge of this browser (set by the password step).
#[server(prefix = "/api", endpoint = "staff_two_factor_view")]
pub async fn get_two_factor() -> Result<TwoFactorView, StaffError> {
    use crate::ssr::{services, staff};
    use leptos::server_fn::error::FromServerFnError;
    let services = services().map_err(StaffError::from_server_fn_error)?;
    let parts = expect_context::<http::request::Parts>();
    staff::two_factor_view(&services, &parts.headers, chrono::Utc::now()).await
}

/// Checks the code; on success opens the staff session and goes to the queue.
#[server(prefix = "/api", endpoint = "staff_two_factor")]
pub async fn staff_two_factor(code: String) -> Result<(), StaffError> {
    use crate::ssr::{client_ip, refuse_with, services, staff};
    use leptos::server_fn::error::FromServerFnError;
    let services = services().map_err(StaffError::from_server_fn_error)?;
    let parts = expect_context::<http::request::Parts>();
    let now = chrono::Utc::now();
    let (token, kind) = staff::two_factor(&services, &parts.headers, &code, client_ip(), now)
        .await
        .inspect_err(|e| {
            refuse_with(match e {
                StaffError::Throttled { .. } => http::StatusCode::TOO_MANY_REQUESTS,
                StaffError::Refused(crate::Refusal::Unavailable) => {
                    http::StatusCode::SERVICE_UNAVAILABLE
                }
                _ => http::StatusCode::UNPROCESSABLE_ENTITY,
            })
        })?;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    // A counsellor's session goes in the debtor cookie: the pages they use are the debtor's.
    let (cookie, home) = match kind {
        store::AccountKind::Staff => (
            staff::set_cookie(&token, &services.settings),
            "/staff/corrections",
        ),
        store::AccountKind::Counsellor => (
            crate::ssr::session::set_cookie(&token, &services.settings),
            "/counsellor/dossiers",
        ),
    };
    response.append_header(http::header::SET_COOKIE, cookie);
    response.append_header(
        http::header::SET_COOKIE,
        staff::clear_challenge_cookie(&services.settings),
    );
    leptos_axum::redirect(home);
    Ok(())
}

/// The second factor's page.
#[component]
pub fn StaffTwoFactorPage() -> impl IntoView {
    let i18n = use_i18n();
    let view_data = Resource::new(|| (), |_| get_two_factor());
    let action = ServerAction::<StaffTwoFactor>::new();
    let error = move || action.value().get().and_then(Result::err);
    let code_error = move || match error() {
        Some(StaffError::MissingCode) => {
            Some(t_string!(i18n, staff.two_factor.error.missing).to_string())
        }
        Some(StaffError::WrongCode) => {
            Some(t_string!(i18n, staff.two_factor.error.wrong).to_string())
        }
        Some(StaffError::CodeUsed) => {
            Some(t_string!(i18n, staff.two_factor.error.used).to_string())
        }
        Some(StaffError::Throttled {
            retry_after_secs, ..
        }) => {
            let minutes = (retry_after_secs + 59) / 60;
            Some(t_string!(i18n, staff.signin.error.throttled, minutes).to_string())
        }
        Some(StaffError::Refused(crate::Refusal::NotSignedIn)) => {
            Some(t_string!(i18n, staff.two_factor.error.expired).to_string())
        }
        Some(_) => Some(t_string!(i18n, staff.error.unavailable).to_string()),
        None => None,
    };
    let invalid = move || code_error().is_some();
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, staff.two_factor.page_title).to_string()) />
        <section class="card" aria-labelledby="two-factor-heading">
            <h1 id="two-factor-heading">{t!(i18n, staff.two_factor.heading)}</h1>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match view_data.await {
                        Ok(data) => view! { <Steps data /> }.into_any(),
                        Err(_) => view! {
                            <p class="alert" role="alert">
                                {t!(i18n, staff.two_factor.error.expired)} " "
                                <a href="/staff">{t!(i18n, staff.error.sign_in_again)}</a>
                            </p>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
            <ActionForm action attr:class="form" attr:novalidate="">
                <div class="field">
                    <label for="code">{t!(i18n, staff.two_factor.code_label)}</label>
                    <p class="hint" id="code-hint">{t!(i18n, staff.two_factor.code_hint)}</p>
                    <Show when=invalid>
                        <p class="field-error" id="code-error">{code_error}</p>
                    </Show>
                    <input
                        id="code"
                        name="code"
                        type="text"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        autocapitalize="characters"
                        spellcheck="false"
                        required
                        aria-invalid=move || invalid().to_string()
                        aria-describedby=move || {
                            if invalid() { "code-hint code-error" } else { "code-hint" }
                        }
                    />
                </div>
                <button type="submit" class="button primary" disabled=move || action.pending().get()>
                    {t!(i18n, staff.two_factor.submit)}
                </button>
            </ActionForm>
        </section>
    }
}

/// Who is signing in, and on a first sign-in how to set up the app.
#[component]
fn Steps(data: TwoFactorView) -> impl IntoView {
    let i18n = use_i18n();
    let username = data.username;
    let counsellor = data.counsellor;
    match data.enrolment {
        None => view! {
            <p class="lead">{t!(i18n, staff.two_factor.intro, username)}</p>
        }
        .into_any(),
        Some(enrolment) => {
            let codes = enrolment
                .recovery_codes
                .into_iter()
                .map(|code| view! { <li><code>{code}</code></li> })
                .collect_view();
            let intro = if counsellor {
                t_string!(i18n, counsellor.two_factor.enrol_intro, username).to_string()
            } else {
                t_string!(i18n, staff.two_factor.enrol_intro, username).to_string()
            };
            view! {
                <p class="lead">{intro}</p>
                <ol class="steps">
                    <li>
                        <p>{t!(i18n, staff.two_factor.enrol_scan)}</p>
                        <div class="qr" role="img" aria-label=move || t_string!(i18n, staff.two_factor.qr_label).to_string() inner_html=enrolment.qr_svg></div>
                        <p>
                            {t!(i18n, staff.two_factor.enrol_type)} " "
                            <code data-testid="totp-secret">{enrolment.secret}</code>
                        </p>
                    </li>
                    <li>
                        <p>{t!(i18n, staff.two_factor.enrol_recovery)}</p>
                        <ul class="recovery-codes" data-testid="recovery-codes">{codes}</ul>
                    </li>
                    <li>
                        <p>{t!(i18n, staff.two_factor.enrol_confirm)}</p>
                    </li>
                </ol>
            }
            .into_any()
        }
    }
}
