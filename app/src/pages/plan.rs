//! `/dossier/plan`: spread the balance over months (betalingsregeling), see the plan, pay an
//! instalment or the rest. Plain GET and POST forms: works without JavaScript.

use crate::errors::PlanFormError;
use crate::format;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::model::{Breach, PlanPage, PlanRow};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// The plan page's data: the plan in play, or the picker with a preview of the choice.
#[server(prefix = "/api", endpoint = "plan_page")]
pub async fn get_plan_page(
    months: Option<String>,
    amount: Option<String>,
) -> Result<PlanPage, PlanFormError> {
    let (services, _, dossier_id) = crate::ssr::require_full_session().await?;
    let request = crate::ssr::plan::request(months, amount)?;
    crate::ssr::plan::page(&services, &dossier_id, request, chrono::Utc::now()).await
}

/// Agrees the plan (and starts paying the first instalment when it is due now).
#[server(prefix = "/api", endpoint = "propose_plan")]
pub async fn propose_plan(
    months: Option<String>,
    amount: Option<String>,
    reason: Option<String>,
    intent: String,
) -> Result<(), PlanFormError> {
    let (services, _, dossier_id) = crate::ssr::require_full_session().await?;
    let request = crate::ssr::plan::request(months, amount)?.ok_or(PlanFormError::Months)?;
    let to = crate::ssr::plan::propose(
        &services,
        &dossier_id,
        request,
        reason,
        &intent,
        chrono::Utc::now(),
    )
    .await?;
    leptos_axum::redirect(&to);
    Ok(())
}

/// Pays the next instalment (`what=next`) or everything still open (`what=rest`).
#[server(prefix = "/api", endpoint = "pay_plan")]
pub async fn pay_plan(what: String, intent: String) -> Result<(), PlanFormError> {
    let (services, _, dossier_id) = crate::ssr::require_full_session().await?;
    let what = match what.as_str() {
        "rest" => plans::PlanPayment::Rest,
        _ => plans::PlanPayment::Next,
    };
    let to =
        crate::ssr::plan::pay(&services, &dossier_id, what, &intent, chrono::Utc::now()).await?;
    leptos_axum::redirect(&to);
    Ok(())
}

#[component]
pub fn PlanPageView() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let choice = move || {
        let q = query.read();
        (q.get("months"), q.get("amount"))
    };
    let page = Resource::new(choice, |(m, a)| get_plan_page(m, a));
    // Errors of a submitted form come back in the URL without JavaScript.
    let propose = ServerAction::<ProposePlan>::new();
    let pay = ServerAction::<PayPlan>::new();
    let action_error = move || {
        propose
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| pay.value().get().and_then(Result::err))
    };
    view! {
        <Title text=move || t_string!(i18n, plan.page_title).to_string() />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let locale = i18n.get_locale();
                Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! { <PlanBody p locale action_error=Signal::derive(action_error) /> }.into_any(),
                        Err(PlanFormError::NotSignedIn) => view! { <Redirect path="/" /> }.into_any(),
                        Err(PlanFormError::NeedsSecret) => view! { <Redirect path="/?need=secret" /> }.into_any(),
                        Err(e) => view! { <p class="alert" role="alert">{error_text(i18n, &e)}</p>
                            <p><a class="button secondary" href="/dossier/plan">{t!(i18n, plan.start_over)}</a></p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn error_text(i18n: leptos_i18n::I18nContext<Locale>, e: &PlanFormError) -> String {
    match e {
        PlanFormError::Months => t_string!(i18n, plan.error.months),
        PlanFormError::Amount => t_string!(i18n, plan.error.amount),
        PlanFormError::ReasonRequired => t_string!(i18n, plan.error.reason),
        PlanFormError::PlanInPlay => t_string!(i18n, plan.error.in_play),
        PlanFormError::NothingToPlan => t_string!(i18n, plan.error.nothing),
        PlanFormError::Offline => t_string!(i18n, pay.offline),
        PlanFormError::ProviderDown => t_string!(i18n, pay.error.provider_down),
        _ => t_string!(i18n, common.unavailable),
    }
    .to_string()
}

#[component]
fn PlanBody(
    p: PlanPage,
    locale: Locale,
    action_error: Signal<Option<PlanFormError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    let intent = uuid_like(&p);
    let error = move || action_error.get().map(|e| error_text(i18n, &e));
    let open = money(p.open_total);
    let body = if let Some(plan) = p.plan.clone() {
        let status = match plan.status.as_str() {
            "active" => t_string!(i18n, plan.status_active).to_string(),
            "needs_review" => t_string!(i18n, plan.status_review).to_string(),
            "proposed" => t_string!(i18n, plan.status_proposed).to_string(),
            _ => t_string!(i18n, plan.status_other).to_string(),
        };
        let active = plan.status == "active";
        view! {
            <section class="card" aria-labelledby="plan-heading">
                <h1 id="plan-heading">{t!(i18n, plan.heading)}</h1>
                <p role="status" data-testid="plan-status" data-status=plan.status.clone()>{status}</p>
                {plan.staff_note.clone().map(|n| view! { <p class="note">{t!(i18n, data.staff_note, note = n)}</p> })}
                <Schedule rows=plan.rows.clone() locale />
            </section>
            {active.then(|| view! {
                <section class="card pay" aria-labelledby="plan-pay-heading">
                    <h2 id="plan-pay-heading">{t!(i18n, pay.heading)}</h2>
                    <form method="post" action="/api/pay_plan" class="form">
                        <input type="hidden" name="what" value="next" />
                        <input type="hidden" name="intent" value=format!("{intent}-next") />
                        <button type="submit" class="button primary" data-testid="pay-instalment">{t!(i18n, plan.pay_next)}</button>
                    </form>
                    <form method="post" action="/api/pay_plan" class="form">
                        <input type="hidden" name="what" value="rest" />
                        <input type="hidden" name="intent" value=format!("{intent}-rest") />
                        <button type="submit" class="button secondary">{t!(i18n, plan.pay_rest, amount = open.clone())}</button>
                    </form>
                </section>
            })}
        }
        .into_any()
    } else {
        let limits = p.limits.unwrap_or(crate::model::PlanLimits {
            min_instalment: domain::Money::ZERO,
            max_months: 1,
            min_monthly_amount: domain::Money::ZERO,
            first_due_now: true,
        });
        let preview = p.preview.clone();
        let query = use_query_map();
        let months = move || query.read().get("months").unwrap_or_default();
        let amount = move || query.read().get("amount").unwrap_or_default();
        view! {
            <section class="card" aria-labelledby="plan-heading">
                <h1 id="plan-heading">{t!(i18n, plan.heading)}</h1>
                <p class="lead">{t!(i18n, plan.intro, amount = open.clone())}</p>
                <p class="note">
                    {t!(i18n, plan.limits, months = limits.max_months, minimum = money(limits.min_instalment))}
                </p>
                <form method="get" action="/dossier/plan" class="form">
                    <div class="field">
                        <label for="months">{t!(i18n, plan.months_label)}</label>
                        <input id="months" name="months" type="text" inputmode="numeric" value=months />
                    </div>
                    <button type="submit" class="button secondary" data-testid="preview-months">{t!(i18n, plan.show_schedule)}</button>
                </form>
                <form method="get" action="/dossier/plan" class="form">
                    <div class="field">
                        <label for="amount">{t!(i18n, plan.amount_label)}</label>
                        <p class="hint">{t!(i18n, plan.amount_hint, minimum = money(limits.min_monthly_amount))}</p>
                        <input id="amount" name="amount" type="text" inputmode="decimal" value=amount />
                    </div>
                    <button type="submit" class="button secondary">{t!(i18n, plan.show_schedule)}</button>
                </form>
            </section>
            {preview.map(|pv| {
                let within = pv.within_rules;
                view! {
                    <section class="card" aria-labelledby="preview-heading" data-testid="plan-preview">
                        <h2 id="preview-heading">{t!(i18n, plan.preview_heading)}</h2>
                        <Schedule rows=pv.rows.clone() locale />
                        {(!within).then(|| view! {
                            <ul class="plain">
                                {pv.breaches.iter().map(|b| match *b {
                                    Breach::TooManyMonths { months, max } => view! { <li>{t!(i18n, plan.breach_months, months, max)}</li> }.into_any(),
                                    Breach::BelowMinimum { minimum } => view! { <li>{t!(i18n, plan.breach_minimum, minimum = money(minimum))}</li> }.into_any(),
                                }).collect_view()}
                            </ul>
                            <p class="note">{t!(i18n, plan.review_note)}</p>
                        })}
                        <form method="post" action="/api/propose_plan" class="form">
                            <input type="hidden" name="months" value=months />
                            <input type="hidden" name="amount" value=amount />
                            <input type="hidden" name="intent" value=format!("{intent}-first") />
                            {(!within).then(|| view! {
                                <div class="field">
                                    <label for="reason">{t!(i18n, plan.reason_label)}</label>
                                    <textarea id="reason" name="reason" rows="3" maxlength="1000"></textarea>
                                </div>
                            })}
                            <button type="submit" class="button primary" data-testid="confirm-plan">
                                {if !within {
                                    t_string!(i18n, plan.submit_review).to_string()
                                } else if limits.first_due_now {
                                    t_string!(i18n, plan.confirm_and_pay).to_string()
                                } else {
                                    t_string!(i18n, plan.confirm).to_string()
                                }}
                            </button>
                        </form>
                    </section>
                }
            })}
        }
        .into_any()
    };
    view! {
        <Show when=move || error().is_some()>
            <p class="alert" role="alert">{error}</p>
        </Show>
        {body}
        <nav class="card links">
            <a class="button secondary" href="/dossier">{t!(i18n, data.back)}</a>
        </nav>
    }
}

/// A per-page key for the pay forms: the same page submitted twice pays once.
fn uuid_like(p: &PlanPage) -> String {
    // Derived from what the page shows, so a reload of the same state reuses the payment,
    // and a new instalment (after paying) gets a new key.
    let next = p
        .plan
        .as_ref()
        .and_then(|plan| plan.rows.iter().find(|r| r.status != "paid"))
        .map_or(0, |r| r.number);
    format!("n{next}-{}", p.open_total.cents())
}

#[component]
fn Schedule(rows: Vec<PlanRow>, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="sums" data-testid="schedule">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, plan.col_number)}</th>
                    <th scope="col">{t!(i18n, plan.col_due)}</th>
                    <th scope="col">{t!(i18n, plan.col_amount)}</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let status = match r.status.as_str() {
                        "paid" => t_string!(i18n, plan.row_paid).to_string(),
                        "late" => t_string!(i18n, plan.row_late).to_string(),
                        "missed" => t_string!(i18n, plan.row_missed).to_string(),
                        _ => String::new(),
                    };
                    view! {
                        <tr data-status=r.status.clone()>
                            <td>{r.number}</td>
                            <td>{format::date(locale, r.due)} " " <span class="muted">{status}</span></td>
                            <td>{format::money(locale, r.amount)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
