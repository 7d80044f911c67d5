//! `/dossier/access`: the debtor lets a debt counsellor or administrator in (issue 21). A
//! one-time code, valid 14 days, shown once; who has access, revoked in one click; and every
//! page a counsellor opened and everything they did. Plain forms: works without JavaScript.

use super::counsellor::problem_text;
use crate::counsellor::{AccessError, AccessView, Activity, GrantItem, InvitationItem};
use crate::errors::Refusal;
use crate::format;
use crate::i18n::{Locale, t, t_string, use_i18n};
use domain::{AccessId, InvitationId};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// The page's data; a code just made comes in its cookie and is shown this once.
#[server(prefix = "/api", endpoint = "access_page")]
pub async fn get_access_page() -> Result<AccessView, AccessError> {
    use crate::counsellor::NEW_CODE_COOKIE;
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::DebtorOnly).await?;
    let new_code = crate::ssr::session::take_cookie(NEW_CODE_COOKIE, &services.settings)
        .and_then(|v| v.parse::<domain::InvitationCode>().ok())
        .map(|code| code.to_string());
    crate::ssr::counsellor::access_view(&services, &dossier_id, new_code, chrono::Utc::now()).await
}

/// Makes an invitation; the page then shows its code once.
#[server(prefix = "/api", endpoint = "invite_counsellor")]
pub async fn invite_counsellor(
    personal_data: Option<String>,
    organisation: Option<String>,
    email: Option<String>,
) -> Result<(), AccessError> {
    use crate::counsellor::NEW_CODE_COOKIE;
    use crate::ssr::counsellor;
    let (services, current, dossier_id) =
        crate::ssr::require_area(domain::Area::DebtorOnly).await?;
    let number = counsellor::number_of(&services, &current).await?;
    let code = counsellor::invite(
        &services,
        &dossier_id,
        &number,
        personal_data.is_some(),
        organisation.as_deref().unwrap_or_default(),
        email.as_deref().unwrap_or_default(),
        crate::ssr::client_ip(),
        chrono::Utc::now(),
    )
    .await?;
    // Ten minutes to be shown, on this page only, then gone.
    expect_context::<leptos_axum::ResponseOptions>().append_header(
        http::header::SET_COOKIE,
        crate::ssr::session::cookie_header(
            NEW_CODE_COOKIE,
            code.expose(),
            "Strict",
            "; Max-Age=600",
            &services.settings,
        ),
    );
    leptos_axum::redirect("/dossier/access#new-code");
    Ok(())
}

/// Withdraws an invitation not yet used.
#[server(prefix = "/api", endpoint = "withdraw_invitation")]
pub async fn withdraw_invitation(invitation: InvitationId) -> Result<(), AccessError> {
    use crate::ssr::counsellor;
    let (services, current, dossier_id) =
        crate::ssr::require_area(domain::Area::DebtorOnly).await?;
    let number = counsellor::number_of(&services, &current).await?;
    counsellor::withdraw(
        &services,
        &dossier_id,
        &number,
        &invitation,
        crate::ssr::client_ip(),
        chrono::Utc::now(),
    )
    .await?;
    leptos_axum::redirect("/dossier/access?done=withdrawn");
    Ok(())
}

/// Ends a counsellor's access, at once.
#[server(prefix = "/api", endpoint = "revoke_access")]
pub async fn revoke_access(access: AccessId) -> Result<(), AccessError> {
    use crate::ssr::counsellor;
    let (services, current, dossier_id) =
        crate::ssr::require_area(domain::Area::DebtorOnly).await?;
    let number = counsellor::number_of(&services, &current).await?;
    counsellor::revoke(
        &services,
        &dossier_id,
        &number,
        &access,
        crate::ssr::client_ip(),
        chrono::Utc::now(),
    )
    .await?;
    leptos_axum::redirect("/dossier/access?done=revoked");
    Ok(())
}

#[component]
pub fn AccessPage() -> impl IntoView {
    let i18n = use_i18n();
    let invite = ServerAction::<InviteCounsellor>::new();
    let withdraw = ServerAction::<WithdrawInvitation>::new();
    let revoke = ServerAction::<RevokeAccess>::new();
    let page = Resource::new(
        move || (withdraw.version().get(), revoke.version().get()),
        |_| get_access_page(),
    );
    let query = leptos_router::hooks::use_query_map();
    let done = move || match query.read().get("done").as_deref() {
        Some("revoked") => Some(t_string!(i18n, counsellor.access.done_revoked).to_string()),
        Some("withdrawn") => Some(t_string!(i18n, counsellor.access.done_withdrawn).to_string()),
        _ => None,
    };
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, counsellor.access.page_title).to_string()) />
        <section class="card" aria-labelledby="access-heading">
            <h1 id="access-heading">{t!(i18n, counsellor.access.heading)}</h1>
            <p class="lead">{t!(i18n, counsellor.access.intro)}</p>
            <Show when=move || done().is_some()>
                <p class="notice" role="status">{done}</p>
            </Show>
        </section>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let locale = i18n.get_locale();
                Suspend::new(async move {
                    match page.await {
                        Ok(v) => view! { <AccessBody v locale invite withdraw revoke /> }.into_any(),
                        Err(AccessError::Refused(Refusal::NotSignedIn)) => {
                            view! { <Redirect path="/" /> }.into_any()
                        }
                        Err(AccessError::Refused(Refusal::NeedsSecret)) => {
                            view! { <Redirect path="/?need=secret" /> }.into_any()
                        }
                        Err(AccessError::Refused(Refusal::NotGranted)) => {
                            view! { <Redirect path="/dossier" /> }.into_any()
                        }
                        Err(_) => view! {
                            <p class="alert" role="alert">{t!(i18n, common.unavailable)}</p>
                        }
                        .into_any(),
                    }
                })
            }}
        </Suspense>
        <p class="back"><a href="/dossier">{t!(i18n, counsellor.access.back)}</a></p>
    }
}

#[component]
fn AccessBody(
    v: AccessView,
    locale: Locale,
    invite: ServerAction<InviteCounsellor>,
    withdraw: ServerAction<WithdrawInvitation>,
    revoke: ServerAction<RevokeAccess>,
) -> impl IntoView {
    let i18n = use_i18n();
    let grants = v.grants.clone();
    let invitations = v.invitations.clone();
    let activity = v.activity.clone();
    view! {
        {v.new_code.clone().map(|code| view! {
            <section class="card notice new-code" id="new-code" aria-labelledby="new-code-heading" data-testid="new-code">
                <h2 id="new-code-heading">{t!(i18n, counsellor.access.new_code_heading)}</h2>
                <p class="code" data-testid="invitation-code"><strong>{code}</strong></p>
                <p>{t!(i18n, counsellor.access.new_code_hint)}</p>
            </section>
        })}
        <section class="card" aria-labelledby="grants-heading">
            <h2 id="grants-heading">{t!(i18n, counsellor.access.grants_heading)}</h2>
            {if grants.is_empty() {
                view! { <p data-testid="no-grants">{t!(i18n, counsellor.access.no_grants)}</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list bare">
                        {grants.into_iter().map(|g| view! { <Grant g locale revoke /> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
        <InviteForm invite />
        {(!invitations.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="invitations-heading">
                <h2 id="invitations-heading">{t!(i18n, counsellor.access.invitations_heading)}</h2>
                <ul class="plain-list">
                    {invitations.into_iter().map(|i| view! { <Invitation i locale withdraw /> }).collect_view()}
                </ul>
            </section>
        })}
        <section class="card" aria-labelledby="activity-heading">
            <h2 id="activity-heading">{t!(i18n, counsellor.access.activity_heading)}</h2>
            {if activity.is_empty() {
                view! { <p>{t!(i18n, counsellor.access.no_activity)}</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list" data-testid="counsellor-activity">
                        {activity
                            .into_iter()
                            .map(|a| {
                                let what = activity_text(a.what);
                                view! { <li><span class="muted">{a.at}</span> " " {a.who} ": " {what}</li> }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}

fn activity_text(what: Activity) -> String {
    let i18n = use_i18n();
    match what {
        Activity::Joined => t_string!(i18n, counsellor.activity.joined),
        Activity::ViewedClaim => t_string!(i18n, counsellor.activity.viewed_claim),
        Activity::ViewedPlan => t_string!(i18n, counsellor.activity.viewed_plan),
        Activity::ViewedDisputes => t_string!(i18n, counsellor.activity.viewed_disputes),
        Activity::ViewedLater => t_string!(i18n, counsellor.activity.viewed_later),
        Activity::ViewedPersonalData => t_string!(i18n, counsellor.activity.viewed_data),
        Activity::ProposedPlan => t_string!(i18n, counsellor.activity.proposed_plan),
        Activity::FiledDispute => t_string!(i18n, counsellor.activity.filed_dispute),
        Activity::AskedLater => t_string!(i18n, counsellor.activity.asked_later),
        Activity::Paid => t_string!(i18n, counsellor.activity.paid),
        Activity::Requested => t_string!(i18n, counsellor.activity.requested),
        Activity::Other => t_string!(i18n, counsellor.activity.other),
    }
    .to_string()
}

#[component]
fn Grant(g: GrantItem, locale: Locale, revoke: ServerAction<RevokeAccess>) -> impl IntoView {
    let i18n = use_i18n();
    let since = format::date(locale, g.since);
    let name = format!("{} ({})", g.name, g.organisation);
    view! {
        <li class="grant" data-testid="grant">
            <p><strong>{name}</strong> " " <span class="muted">{g.email.clone()}</span></p>
            <p>
                {t!(i18n, counsellor.access.since, date = since)} " "
                {if g.by_invitation {
                    t_string!(i18n, counsellor.access.via_code).to_string()
                } else {
                    t_string!(i18n, counsellor.access.via_staff).to_string()
                }}
            </p>
            <p>
                {if g.personal_data {
                    t_string!(i18n, counsellor.access.sees_data).to_string()
                } else {
                    t_string!(i18n, counsellor.access.sees_claim).to_string()
                }}
            </p>
            <ActionForm action=revoke attr:class="inline-form">
                <input type="hidden" name="access" value=g.id.to_string() />
                <button type="submit" class="button secondary" data-testid="revoke">
                    {t!(i18n, counsellor.access.revoke)}
                </button>
            </ActionForm>
        </li>
    }
}

#[component]
fn Invitation(
    i: InvitationItem,
    locale: Locale,
    withdraw: ServerAction<WithdrawInvitation>,
) -> impl IntoView {
    let i18n = use_i18n();
    let expires = format::date(locale, i.expires);
    let to = match (i.organisation.clone(), i.email.clone()) {
        (Some(o), Some(e)) => format!("{o}, {e}"),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => t_string!(i18n, counsellor.access.anyone).to_string(),
    };
    view! {
        <li data-testid="invitation">
            <p>{to} " · " {t!(i18n, counsellor.access.valid_until, date = expires)}</p>
            <ActionForm action=withdraw attr:class="inline-form">
                <input type="hidden" name="invitation" value=i.id.to_string() />
                <button type="submit" class="button secondary">{t!(i18n, counsellor.access.withdraw)}</button>
            </ActionForm>
        </li>
    }
}

#[component]
fn InviteForm(invite: ServerAction<InviteCounsellor>) -> impl IntoView {
    let i18n = use_i18n();
    let error = move || match invite.value().get() {
        Some(Err(AccessError::Invitation {
            organisation,
            email,
            organisation_problem,
            email_problem,
        })) => Some((organisation, email, organisation_problem, email_problem)),
        _ => None,
    };
    let org_error = move || error().and_then(|e| e.2).map(problem_text);
    let email_error = move || error().and_then(|e| e.3).map(problem_text);
    view! {
        <section class="card" aria-labelledby="invite-heading">
            <h2 id="invite-heading">{t!(i18n, counsellor.access.invite_heading)}</h2>
            <p>{t!(i18n, counsellor.access.invite_intro)}</p>
            <ActionForm action=invite attr:class="form" attr:novalidate="">
                <div class="field">
                    <div class="choice">
                        <input id="personal_data" name="personal_data" type="checkbox" value="yes" />
                        <label for="personal_data">{t!(i18n, counsellor.access.personal_data_label)}</label>
                    </div>
                </div>
                <div class="field">
                    <label for="organisation">{t!(i18n, counsellor.access.organisation_label)}</label>
                    <Show when=move || org_error().is_some()>
                        <p class="field-error" id="organisation-error">{org_error}</p>
                    </Show>
                    <input
                        id="organisation"
                        name="organisation"
                        type="text"
                        autocomplete="organization"
                        maxlength="200"
                        value=move || error().map(|e| e.0).unwrap_or_default()
                        aria-invalid=move || org_error().is_some().to_string()
                        aria-describedby=move || org_error().map(|_| "organisation-error")
                    />
                </div>
                <div class="field">
                    <label for="email">{t!(i18n, counsellor.access.email_label)}</label>
                    <p class="hint" id="email-hint">{t!(i18n, counsellor.access.email_hint)}</p>
                    <Show when=move || email_error().is_some()>
                        <p class="field-error" id="email-error">{email_error}</p>
                    </Show>
                    <input
                        id="email"
                        name="email"
                        type="email"
                        autocomplete="off"
                        maxlength="200"
                        value=move || error().map(|e| e.1).unwrap_or_default()
                        aria-invalid=move || email_error().is_some().to_string()
                        aria-describedby=move || {
                            if email_error().is_some() { "email-hint email-error" } else { "email-hint" }
                        }
                    />
                </div>
                <button type="submit" class="button primary" data-testid="invite">
                    {t!(i18n, counsellor.access.invite_submit)}
                </button>
            </ActionForm>
        </section>
    }
}
