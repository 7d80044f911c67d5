//! `/dossier/later`: pay everything later, in one sum (uitstel van betaling). The debtor
//! picks a day; within the agency's rules it is agreed at once, otherwise staff decide. A
//! plain form post (no island): works without JavaScript; a refused request comes back with
//! the problem next to its field and what was typed still there.

use crate::errors::LaterFormError;
use crate::format;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::model::{DeferralView, LaterPage};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// The page's data.
#[server(prefix = "/api", endpoint = "later_page")]
pub async fn get_later_page() -> Result<LaterPage, LaterFormError> {
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::Arrangements).await?;
    crate::ssr::later::page(&services, &dossier_id, chrono::Utc::now()).await
}

/// Asks to pay everything by `pay_by`; back to the page, which shows the answer, or the
/// problem with what was typed.
#[server(prefix = "/api", endpoint = "ask_later")]
pub async fn ask_later(pay_by: String, reason: Option<String>) -> Result<(), LaterFormError> {
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::Arrangements).await?;
    match crate::ssr::later::request(
        &services,
        &dossier_id,
        &pay_by,
        reason.clone(),
        chrono::Utc::now(),
    )
    .await
    {
        Ok(()) => leptos_axum::redirect("/dossier/later?asked=1"),
        Err(LaterFormError::Refused(refusal)) => return Err(refusal.into()),
        Err(problem) => {
            let mut url = url::Url::parse("http://portal/dossier/later")
                .map_err(|_| LaterFormError::Refused(crate::Refusal::Unavailable))?;
            url.query_pairs_mut()
                .append_pair("error", crate::ssr::later::error_code(&problem))
                .append_pair("pay_by", &pay_by.chars().take(40).collect::<String>())
                .append_pair(
                    "reason",
                    &reason
                        .unwrap_or_default()
                        .chars()
                        .take(1000)
                        .collect::<String>(),
                );
            leptos_axum::redirect(&format!(
                "{}?{}",
                url.path(),
                url.query().unwrap_or_default()
            ));
        }
    }
    Ok(())
}

/// The problem read back from the URL ([`crate::ssr::later::error_code`] wrote it).
fn error_from_code(code: &str) -> Option<LaterFormError> {
    Some(match code {
        "date" => LaterFormError::Date,
        "not_later" => LaterFormError::NotLater,
        "too_far" => LaterFormError::TooFar,
        "reason" => LaterFormError::ReasonRequired,
        "too_long" => LaterFormError::TextTooLong,
        "plan" => LaterFormError::PlanInPlay,
        "in_play" => LaterFormError::DeferralInPlay,
        "nothing" => LaterFormError::NothingOpen,
        _ => return None,
    })
}

fn error_text(i18n: leptos_i18n::I18nContext<Locale>, e: &LaterFormError) -> String {
    match e {
        LaterFormError::Date => t_string!(i18n, later.error.date),
        LaterFormError::NotLater => t_string!(i18n, later.error.not_later),
        LaterFormError::TooFar => t_string!(i18n, later.error.too_far),
        LaterFormError::ReasonRequired => t_string!(i18n, later.error.reason),
        LaterFormError::TextTooLong => t_string!(i18n, later.error.too_long),
        LaterFormError::PlanInPlay => t_string!(i18n, later.error.plan),
        LaterFormError::DeferralInPlay => t_string!(i18n, later.error.in_play),
        LaterFormError::NothingOpen => t_string!(i18n, later.error.nothing),
        LaterFormError::Refused(_) => t_string!(i18n, common.unavailable),
    }
    .to_string()
}

#[component]
pub fn LaterPageView() -> impl IntoView {
    let i18n = use_i18n();
    let page = Resource::new(|| (), |_| get_later_page());
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, later.page_title).to_string()) />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let locale = i18n.get_locale();
                Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! { <LaterBody p locale /> }.into_any(),
                        Err(LaterFormError::Refused(crate::Refusal::NotSignedIn)) => {
                            view! { <Redirect path="/" /> }.into_any()
                        }
                        Err(LaterFormError::Refused(crate::Refusal::NeedsSecret)) => {
                            view! { <Redirect path="/?need=secret" /> }.into_any()
                        }
                        Err(e) => view! {
                            <p class="alert" role="alert">{error_text(i18n, &e)}</p>
                            <p><a class="button secondary" href="/dossier">{t!(i18n, data.back)}</a></p>
                        }
                            .into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn LaterBody(p: LaterPage, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    let date = move |d| format::date(locale, d);
    let query = use_query_map();
    let q = |key: &str| query.with_untracked(|q| q.get(key)).unwrap_or_default();
    let problem = error_from_code(&q("error"));
    let asked = !q("asked").is_empty();
    let in_play = p
        .current
        .as_ref()
        .is_some_and(|c| matches!(c.status.as_str(), "needs_review" | "granted"));
    let form = (!in_play && !p.plan_in_play && p.open_total.is_positive()).then(|| {
        view! {
            <LaterForm p=p.clone() locale problem typed_day=q("pay_by") typed_reason=q("reason") />
        }
    });
    view! {
        <section class="card" aria-labelledby="later-heading">
            <h1 id="later-heading">{t_string!(i18n, later.heading).to_string()}</h1>
            <p class="lead">{t!(i18n, later.intro, amount = money(p.open_total))}</p>
            <p class="note" data-testid="later-interest">{t!(i18n, later.interest)}</p>
        </section>
        {p.current.clone().map(|c| view! { <CurrentDeferral c locale asked can_pay=p.can_pay_online && p.open_total.is_positive() /> })}
        {(p.plan_in_play && !in_play).then(|| view! {
            <section class="card notice" role="status" data-testid="later-plan">
                <p>{t!(i18n, later.plan_in_play)}</p>
                <a class="button secondary" href="/dossier/plan">{t!(i18n, dossier.plan_link)}</a>
            </section>
        })}
        {(!p.open_total.is_positive()).then(|| view! { <p class="card" role="status">{t!(i18n, later.nothing_open)}</p> })}
        {form}
        <section class="card" aria-labelledby="later-help-heading">
            <h2 id="later-help-heading">{t!(i18n, later.help_heading)}</h2>
            <p>{t!(i18n, later.help_plan)}</p>
            <p>{t!(i18n, later.help_debt)}</p>
        </section>
        <nav class="card links">
            <a class="button secondary" href="/dossier">{t!(i18n, data.back)}</a>
            <span class="muted">{date(p.today)}</span>
        </nav>
    }
}

/// The latest request and what it means now.
#[component]
fn CurrentDeferral(c: DeferralView, locale: Locale, asked: bool, can_pay: bool) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    let day = format::date(locale, c.pay_by);
    let text = match c.status.as_str() {
        "granted" => t_string!(i18n, later.status.granted, date = day.clone()).to_string(),
        "needs_review" => t_string!(
            i18n,
            later.status.needs_review,
            date = day.clone(),
            answer = c
                .answer_by
                .map(|d| format::date(locale, d))
                .unwrap_or_default()
        )
        .to_string(),
        "rejected" => t_string!(i18n, later.status.rejected, date = day.clone()).to_string(),
        "kept" => t_string!(i18n, later.status.kept, date = day.clone()).to_string(),
        _ => t_string!(i18n, later.status.broken, date = day.clone()).to_string(),
    };
    let granted = c.status == "granted";
    view! {
        <section class="card" aria-labelledby="later-current-heading" data-testid="later-current" data-status=c.status.clone()>
            <h2 id="later-current-heading">{t!(i18n, later.current_heading)}</h2>
            {asked.then(|| view! { <p class="notice" role="status">{t!(i18n, later.asked)}</p> })}
            <p role="status" class="lead">{text}</p>
            {c.staff_note.clone().map(|note| view! { <p class="note">{t!(i18n, plan.staff_note, note)}</p> })}
            {c.open_on_day.filter(|_| granted).map(|on_day| view! {
                <dl class="facts">
                    <dt>{t!(i18n, later.open_when_asked)}</dt>
                    <dd>{money(c.open_when_asked)}</dd>
                    <dt>{t!(i18n, later.open_on_day, date = day.clone())}</dt>
                    <dd data-testid="later-on-day">{money(on_day)}</dd>
                </dl>
            })}
            {(granted && can_pay).then(|| view! {
                <form method="post" action="/api/start_payment" class="form">
                    <input type="hidden" name="intent" value=format!("later-{}", c.pay_by) />
                    <button type="submit" class="button primary" data-testid="later-pay">{t!(i18n, later.pay_now)}</button>
                </form>
            })}
        </section>
    }
}

/// Asking for a day: the date field (a text field works too), the reason when outside the
/// rules.
#[component]
fn LaterForm(
    p: LaterPage,
    locale: Locale,
    problem: Option<LaterFormError>,
    typed_day: String,
    typed_reason: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    let date_problem = problem
        .as_ref()
        .filter(|e| {
            matches!(
                e,
                LaterFormError::Date | LaterFormError::NotLater | LaterFormError::TooFar
            )
        })
        .map(|e| error_text(i18n, e));
    let reason_problem = problem
        .as_ref()
        .filter(|e| {
            matches!(
                e,
                LaterFormError::ReasonRequired | LaterFormError::TextTooLong
            )
        })
        .map(|e| error_text(i18n, e));
    let other_problem = problem
        .as_ref()
        .filter(|_| date_problem.is_none() && reason_problem.is_none())
        .map(|e| error_text(i18n, e));
    let min = p.today.succ_opt().unwrap_or(p.today).to_string();
    let day_value = if typed_day.is_empty() {
        p.latest.to_string()
    } else {
        typed_day
    };
    let date_invalid = date_problem.is_some().to_string();
    let reason_invalid = reason_problem.is_some().to_string();
    let reason_described = if reason_problem.is_some() {
        "reason-hint reason-error"
    } else {
        "reason-hint"
    };
    let day_described = if date_problem.is_some() {
        "pay-by-hint pay-by-error"
    } else {
        "pay-by-hint"
    };
    view! {
        <section class="card" aria-labelledby="later-form-heading">
            <h2 id="later-form-heading">{t!(i18n, later.form_heading)}</h2>
            {other_problem.map(|text| view! { <p class="alert" role="alert">{text}</p> })}
            <p class="note" data-testid="later-rules">{t!(i18n, later.rules, days = p.max_days, date = format::date(locale, p.latest), amount = money(p.max_open))}</p>
            <form method="post" action="/api/ask_later" class="form" novalidate>
                <div class="field">
                    <label for="pay-by">{t!(i18n, later.day_label)}</label>
                    <p class="hint" id="pay-by-hint">{t!(i18n, later.day_hint)}</p>
                    {date_problem.map(|text| view! { <p class="field-error" id="pay-by-error">{text}</p> })}
                    <input
                        id="pay-by"
                        name="pay_by"
                        type="date"
                        min=min
                        max=p.furthest.to_string()
                        value=day_value
                        required
                        aria-invalid=date_invalid
                        aria-describedby=day_described
                    />
                </div>
                <div class="field">
                    <label for="reason">{t!(i18n, later.reason_label)}</label>
                    <p class="hint" id="reason-hint">{t!(i18n, later.reason_hint)}</p>
                    {reason_problem.map(|text| view! { <p class="field-error" id="reason-error">{text}</p> })}
                    <textarea
                        id="reason"
                        name="reason"
                        rows="3"
                        maxlength="2000"
                        aria-invalid=reason_invalid
                        aria-describedby=reason_described
                    >{typed_reason}</textarea>
                </div>
                <button type="submit" class="button primary" data-testid="later-submit">{t!(i18n, later.submit)}</button>
            </form>
        </section>
    }
}
