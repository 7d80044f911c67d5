//! The debt counsellor's pages (issue 21): `/counsellor` signs in (the staff routine, with
//! the second factor at `/counsellor/two-factor`), `/counsellor/join` makes an account with
//! the debtor's invitation code, `/counsellor/dossiers` lists the dossiers they may act for,
//! adds one with a code, and (for municipal debt help) asks staff for access without one.

use crate::counsellor::{AccessError, CounsellorHome, JoinFields, NumberProblem};
use crate::errors::{Problem, Refusal};
use crate::format;
use crate::i18n::{t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// Makes a counsellor's account with an invitation code (redeemed at once); then sign in.
#[server(prefix = "/api", endpoint = "counsellor_join")]
pub async fn counsellor_join(
    code: String,
    name: String,
    organisation: String,
    email: String,
    username: String,
    password: String,
) -> Result<(), AccessError> {
    use crate::ssr::counsellor;
    let services = crate::ssr::services().map_err(|_| Refusal::Unavailable)?;
    let fields = JoinFields {
        name,
        organisation,
        email,
        username,
    };
    counsellor::join(
        &services,
        fields,
        &code,
        &password,
        crate::ssr::client_ip(),
        chrono::Utc::now(),
    )
    .await?;
    leptos_axum::redirect("/counsellor?joined=1");
    Ok(())
}

/// The counsellor's dossiers and requests.
#[server(prefix = "/api", endpoint = "counsellor_home")]
pub async fn get_counsellor_home() -> Result<CounsellorHome, AccessError> {
    let (services, me) = crate::ssr::counsellor::require_counsellor().await?;
    crate::ssr::counsellor::home(&services, &me).await
}

/// Acts for one of the counsellor's dossiers: its overview opens.
#[server(prefix = "/api", endpoint = "counsellor_open")]
pub async fn counsellor_open(number: String) -> Result<(), AccessError> {
    let (services, me) = crate::ssr::counsellor::require_counsellor().await?;
    crate::ssr::counsellor::open_dossier(&services, &me, &number).await?;
    leptos_axum::redirect("/dossier");
    Ok(())
}

/// Adds a dossier with a debtor's code.
#[server(prefix = "/api", endpoint = "counsellor_redeem")]
pub async fn counsellor_redeem(code: String) -> Result<(), AccessError> {
    use crate::ssr::counsellor;
    let (services, me) = counsellor::require_counsellor().await?;
    let number = counsellor::redeem(
        &services,
        &me,
        &code,
        crate::ssr::client_ip(),
        chrono::Utc::now(),
    )
    .await?;
    leptos_axum::redirect(&format!("/counsellor/dossiers?added={number}"));
    Ok(())
}

/// A municipal counsellor asks staff for access without the debtor's code.
#[server(prefix = "/api", endpoint = "counsellor_request")]
pub async fn counsellor_request(
    number: String,
    reason: String,
    personal_data: Option<String>,
) -> Result<(), AccessError> {
    use crate::ssr::counsellor;
    let (services, me) = counsellor::require_counsellor().await?;
    counsellor::request_access(
        &services,
        &me,
        &number,
        &reason,
        personal_data.is_some(),
        crate::ssr::client_ip(),
        chrono::Utc::now(),
    )
    .await?;
    leptos_axum::redirect("/counsellor/dossiers?requested=1");
    Ok(())
}

/// Ends the counsellor's session.
#[server(prefix = "/api", endpoint = "counsellor_sign_out")]
pub async fn counsellor_sign_out() -> Result<(), AccessError> {
    let (services, me) = crate::ssr::counsellor::require_counsellor().await?;
    crate::ssr::counsellor::sign_out(&services, &me).await?;
    expect_context::<leptos_axum::ResponseOptions>().append_header(
        http::header::SET_COOKIE,
        crate::ssr::session::clear_cookie(&services.settings),
    );
    leptos_axum::redirect("/counsellor");
    Ok(())
}

/// A form field's problem in words (both counsellor-access pages).
pub(super) fn problem_text(p: Problem) -> String {
    let i18n = use_i18n();
    match p {
        Problem::Email => t_string!(i18n, counsellor.error.email),
        Problem::TooLong => t_string!(i18n, counsellor.error.too_long),
        _ => t_string!(i18n, counsellor.error.required),
    }
    .to_string()
}

/// The message for a refused code, on either form.
fn code_error(e: &AccessError) -> Option<String> {
    let i18n = use_i18n();
    let text = match e {
        AccessError::BadCode => t_string!(i18n, counsellor.error.bad_code).to_string(),
        AccessError::NoSuchInvitation => {
            t_string!(i18n, counsellor.error.no_invitation).to_string()
        }
        AccessError::OtherCounsellor => {
            t_string!(i18n, counsellor.error.other_counsellor).to_string()
        }
        AccessError::AlreadyGranted => {
            t_string!(i18n, counsellor.error.already_granted).to_string()
        }
        AccessError::Throttled { retry_after_secs } => {
            let minutes = (retry_after_secs + 59) / 60;
            t_string!(i18n, staff.signin.error.throttled, minutes).to_string()
        }
        _ => return None,
    };
    Some(text)
}

/// One labelled text field with its error.
#[component]
fn Field(
    id: &'static str,
    label: String,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(into)] value: Signal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = {
        let error_id = error_id.clone();
        move || error.get().map(|_| error_id.clone())
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <Show when=move || error.get().is_some()>
                <p class="field-error" id=error_id.clone()>{move || error.get()}</p>
            </Show>
            <input
                id=id
                name=id
                type=kind.unwrap_or("text")
                autocomplete=autocomplete.unwrap_or("off")
                value=move || value.get()
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described
            />
        </div>
    }
}

/// `/counsellor/join`.
#[component]
pub fn CounsellorJoinPage() -> impl IntoView {
    let i18n = use_i18n();
    let join = ServerAction::<CounsellorJoin>::new();
    let error = move || join.value().get().and_then(Result::err);
    let fields = move || match error() {
        Some(AccessError::Join { fields, .. } | AccessError::UsernameTaken { fields }) => fields,
        _ => JoinFields::default(),
    };
    let problems = move || match error() {
        Some(AccessError::Join { problems, .. }) => problems,
        _ => Default::default(),
    };
    let code_err = Signal::derive(move || {
        error().as_ref().and_then(code_error).or_else(|| {
            problems()
                .code
                .map(|_| t_string!(i18n, counsellor.error.bad_code).to_string())
        })
    });
    let form_error = move || match error() {
        Some(AccessError::Refused(_)) => Some(t_string!(i18n, common.unavailable).to_string()),
        _ => None,
    };
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, counsellor.join.page_title).to_string()) />
        <section class="card" aria-labelledby="join-heading">
            <h1 id="join-heading">{t!(i18n, counsellor.join.heading)}</h1>
            <p class="lead">{t!(i18n, counsellor.join.intro)}</p>
            <Show when=move || form_error().is_some()>
                <p class="alert" role="alert">{form_error}</p>
            </Show>
            <ActionForm action=join attr:class="form" attr:novalidate="">
                <Field id="code" label=t_string!(i18n, counsellor.join.code_label).to_string() value=Signal::derive(String::new) error=code_err />
                <Field id="name" label=t_string!(i18n, counsellor.join.name_label).to_string() autocomplete="name"
                    value=Signal::derive(move || fields().name)
                    error=Signal::derive(move || problems().name.map(problem_text)) />
                <Field id="organisation" label=t_string!(i18n, counsellor.access.organisation_label).to_string() autocomplete="organization"
                    value=Signal::derive(move || fields().organisation)
                    error=Signal::derive(move || problems().organisation.map(problem_text)) />
                <Field id="email" kind="email" label=t_string!(i18n, counsellor.join.email_label).to_string() autocomplete="email"
                    value=Signal::derive(move || fields().email)
                    error=Signal::derive(move || problems().email.map(problem_text)) />
                <Field id="username" label=t_string!(i18n, staff.signin.username_label).to_string() autocomplete="username"
                    value=Signal::derive(move || fields().username)
                    error=Signal::derive(move || match error() {
                        Some(AccessError::UsernameTaken { .. }) => Some(t_string!(i18n, counsellor.error.username_taken).to_string()),
                        _ => problems().username.map(|_| t_string!(i18n, counsellor.error.username).to_string()),
                    }) />
                <Field id="password" kind="password" label=t_string!(i18n, counsellor.join.password_label).to_string() autocomplete="new-password"
                    value=Signal::derive(String::new)
                    error=Signal::derive(move || problems().password.map(|_| t_string!(i18n, counsellor.error.password).to_string())) />
                <button type="submit" class="button primary" data-testid="join">{t!(i18n, counsellor.join.submit)}</button>
            </ActionForm>
            <p class="note">{t!(i18n, counsellor.join.have_account)} " " <a href="/counsellor">{t!(i18n, counsellor.join.sign_in_link)}</a></p>
        </section>
    }
}

/// `/counsellor/dossiers`.
#[component]
pub fn CounsellorHomePage() -> impl IntoView {
    let i18n = use_i18n();
    let redeem = ServerAction::<CounsellorRedeem>::new();
    let request = ServerAction::<CounsellorRequest>::new();
    let open = ServerAction::<CounsellorOpen>::new();
    let sign_out = ServerAction::<CounsellorSignOut>::new();
    let home = Resource::new(
        move || (redeem.version().get(), request.version().get()),
        |_| get_counsellor_home(),
    );
    let query = leptos_router::hooks::use_query_map();
    let done = move || {
        let q = query.read();
        if let Some(number) = q.get("added") {
            number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
                .then(|| t_string!(i18n, counsellor.home.added, number).to_string())
        } else if q.get("requested").is_some() {
            Some(t_string!(i18n, counsellor.home.requested).to_string())
        } else {
            None
        }
    };
    let open_error = move || match open.value().get().and_then(Result::err) {
        Some(AccessError::NoAccess) => {
            Some(t_string!(i18n, counsellor.error.no_access).to_string())
        }
        _ => None,
    };
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, counsellor.home.page_title).to_string()) />
        <Show when=move || done().is_some()>
            <p class="notice card" role="status">{done}</p>
        </Show>
        <Show when=move || open_error().is_some()>
            <p class="alert card" role="alert">{open_error}</p>
        </Show>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let locale = i18n.get_locale();
                Suspend::new(async move {
                    match home.await {
                        Ok(h) => {
                            let municipal = h.municipal;
                            let name = format!("{} ({})", h.name, h.organisation);
                            let dossiers = h.dossiers.clone();
                            let requests = h.requests.clone();
                            view! {
                                <section class="card" aria-labelledby="home-heading">
                                    <h1 id="home-heading">{t!(i18n, counsellor.home.heading)}</h1>
                                    <p class="lead">{t!(i18n, counsellor.home.intro, name)}</p>
                                    {if dossiers.is_empty() {
                                        view! { <p data-testid="no-dossiers">{t!(i18n, counsellor.home.none)}</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="plain-list bare">
                                                {dossiers.into_iter().map(|d| {
                                                    let since = format::date(locale, d.since);
                                                    let scope = if d.personal_data {
                                                        t_string!(i18n, counsellor.home.scope_data).to_string()
                                                    } else {
                                                        t_string!(i18n, counsellor.home.scope_claim).to_string()
                                                    };
                                                    view! {
                                                        <li data-testid="counsellor-dossier">
                                                            <ActionForm action=open attr:class="inline-form">
                                                                <input type="hidden" name="number" value=d.number.clone() />
                                                                <button type="submit" class="button primary">
                                                                    {t!(i18n, counsellor.home.open, number = d.number.clone())}
                                                                </button>
                                                            </ActionForm>
                                                            <p class="muted">{t!(i18n, counsellor.access.since, date = since)} " " {scope}</p>
                                                        </li>
                                                    }
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </section>
                                <RedeemForm redeem />
                                {municipal.then(|| view! { <RequestForm request /> })}
                                {(!requests.is_empty()).then(|| view! {
                                    <section class="card" aria-labelledby="requests-heading">
                                        <h2 id="requests-heading">{t!(i18n, counsellor.home.requests_heading)}</h2>
                                        <ul class="plain-list">
                                            {requests.into_iter().map(|r| {
                                                let status = match r.status.as_str() {
                                                    "granted" => t_string!(i18n, counsellor.home.status_granted).to_string(),
                                                    "rejected" => t_string!(i18n, counsellor.home.status_rejected).to_string(),
                                                    _ => t_string!(i18n, counsellor.home.status_open).to_string(),
                                                };
                                                view! {
                                                    <li data-testid="access-request">
                                                        <strong>{r.number}</strong> ": " {status}
                                                        {r.note.map(|n| view! { <p class="prewrap">{n}</p> })}
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    </section>
                                })}
                                <ActionForm action=sign_out attr:class="inline-form">
                                    <button type="submit" class="button secondary">{t!(i18n, dossier.sign_out)}</button>
                                </ActionForm>
                            }.into_any()
                        }
                        Err(AccessError::Refused(Refusal::NotSignedIn)) => {
                            view! { <Redirect path="/counsellor" /> }.into_any()
                        }
                        Err(_) => view! { <p class="alert" role="alert">{t!(i18n, common.unavailable)}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn RedeemForm(redeem: ServerAction<CounsellorRedeem>) -> impl IntoView {
    let i18n = use_i18n();
    let error = Signal::derive(move || {
        redeem
            .value()
            .get()
            .and_then(Result::err)
            .as_ref()
            .and_then(code_error)
    });
    view! {
        <section class="card" aria-labelledby="redeem-heading">
            <h2 id="redeem-heading">{t!(i18n, counsellor.home.redeem_heading)}</h2>
            <ActionForm action=redeem attr:class="form" attr:novalidate="">
                <Field id="code" label=t_string!(i18n, counsellor.join.code_label).to_string() value=Signal::derive(String::new) error />
                <button type="submit" class="button primary" data-testid="redeem">{t!(i18n, counsellor.home.redeem_submit)}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn RequestForm(request: ServerAction<CounsellorRequest>) -> impl IntoView {
    let i18n = use_i18n();
    let error = move || request.value().get().and_then(Result::err);
    let typed = move || match error() {
        Some(AccessError::Request { number, reason, .. }) => (number, reason),
        _ => Default::default(),
    };
    let number_error = Signal::derive(move || match error() {
        Some(AccessError::Request {
            number_problem: Some(p),
            ..
        }) => Some(
            match p {
                NumberProblem::Required => t_string!(i18n, counsellor.error.required),
                NumberProblem::Format => t_string!(i18n, counsellor.error.number_format),
                NumberProblem::Unknown => t_string!(i18n, counsellor.error.number_unknown),
            }
            .to_string(),
        ),
        Some(AccessError::RequestOpen) => {
            Some(t_string!(i18n, counsellor.error.request_open).to_string())
        }
        _ => None,
    });
    let reason_error = move || match error() {
        Some(AccessError::Request {
            reason_problem: Some(p),
            ..
        }) => Some(problem_text(p)),
        _ => None,
    };
    view! {
        <section class="card" aria-labelledby="request-heading">
            <h2 id="request-heading">{t!(i18n, counsellor.home.request_heading)}</h2>
            <p>{t!(i18n, counsellor.home.request_intro)}</p>
            <ActionForm action=request attr:class="form" attr:novalidate="">
                <Field id="number" label=t_string!(i18n, dossier.number_label).to_string() value=Signal::derive(move || typed().0) error=number_error />
                <div class="field">
                    <label for="reason">{t!(i18n, counsellor.home.reason_label)}</label>
                    <Show when=move || reason_error().is_some()>
                        <p class="field-error" id="reason-error">{reason_error}</p>
                    </Show>
                    <textarea id="reason" name="reason" rows="3" maxlength="2000"
                        aria-invalid=move || reason_error().is_some().to_string()
                        aria-describedby=move || reason_error().map(|_| "reason-error")
                    >{move || typed().1}</textarea>
                </div>
                <div class="field">
                    <div class="choice">
                        <input id="request_personal_data" name="personal_data" type="checkbox" value="yes" />
                        <label for="request_personal_data">{t!(i18n, counsellor.home.request_data_label)}</label>
                    </div>
                </div>
                <button type="submit" class="button primary" data-testid="request">{t!(i18n, counsellor.home.request_submit)}</button>
            </ActionForm>
        </section>
    }
}
