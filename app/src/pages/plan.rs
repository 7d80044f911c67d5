//! `/dossier/plan`: spread the balance over months (betalingsregeling), see the plan, pay an
//! instalment or the rest, answer a counter-proposal. Plain GET and POST forms: works without
//! JavaScript; with it, the schedule follows the typing.

use crate::errors::PlanFormError;
use crate::format;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::model::{PlanPage, PlanPicker, PlanRow, PlanView, Tolerance};
use crate::plan_choice;
use domain::{Money, Preview, RuleBreach};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// The plan page's data: the plan in play, or what the picker needs.
#[server(prefix = "/api", endpoint = "plan_page")]
pub async fn get_plan_page() -> Result<PlanPage, PlanFormError> {
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::Arrangements).await?;
    crate::ssr::plan::page(&services, &dossier_id, chrono::Utc::now()).await
}

/// Agrees the plan (and starts paying the first instalment when it is due now).
#[server(prefix = "/api", endpoint = "propose_plan")]
pub async fn propose_plan(
    months: Option<String>,
    amount: Option<String>,
    reason: Option<String>,
    intent: String,
) -> Result<(), PlanFormError> {
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::Arrangements).await?;
    let request = crate::plan_choice::parse(
        months.as_deref().unwrap_or_default(),
        amount.as_deref().unwrap_or_default(),
    )?
    .ok_or(PlanFormError::Months)?;
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

/// Pays the next instalment (`what=next`), everything still open (`what=rest`) or, late, the
/// missed instalment moved to the end of the plan (`what=moved`).
#[server(prefix = "/api", endpoint = "pay_plan")]
pub async fn pay_plan(what: String, intent: String) -> Result<(), PlanFormError> {
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::Arrangements).await?;
    let what = match what.as_str() {
        "rest" => plans::PlanPayment::Rest,
        "moved" => plans::PlanPayment::Moved,
        _ => plans::PlanPayment::Next,
    };
    let to =
        crate::ssr::plan::pay(&services, &dossier_id, what, &intent, chrono::Utc::now()).await?;
    leptos_axum::redirect(&to);
    Ok(())
}

/// Accepts staff's counter-proposal (and starts paying its first instalment when due now).
#[server(prefix = "/api", endpoint = "accept_counter")]
pub async fn accept_counter(intent: String) -> Result<(), PlanFormError> {
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::Arrangements).await?;
    let to = crate::ssr::plan::accept_counter(&services, &dossier_id, &intent, chrono::Utc::now())
        .await?;
    leptos_axum::redirect(&to);
    Ok(())
}

/// Declines staff's counter-proposal: the debtor may propose again.
#[server(prefix = "/api", endpoint = "decline_counter")]
pub async fn decline_counter() -> Result<(), PlanFormError> {
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::Arrangements).await?;
    let to = crate::ssr::plan::decline_counter(&services, &dossier_id, chrono::Utc::now()).await?;
    leptos_axum::redirect(&to);
    Ok(())
}

#[component]
pub fn PlanPageView() -> impl IntoView {
    let i18n = use_i18n();
    let page = Resource::new(|| (), |_| get_plan_page());
    // Errors of a submitted form come back in the URL without JavaScript.
    let propose = ServerAction::<ProposePlan>::new();
    let pay = ServerAction::<PayPlan>::new();
    let accept = ServerAction::<AcceptCounter>::new();
    let action_error = move || {
        propose
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| pay.value().get().and_then(Result::err))
            .or_else(|| accept.value().get().and_then(Result::err))
    };
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, plan.page_title).to_string()) />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let locale = i18n.get_locale();
                Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! { <PlanBody p locale action_error=Signal::derive(action_error) /> }.into_any(),
                        Err(PlanFormError::Refused(crate::Refusal::NotSignedIn)) => view! { <Redirect path="/" /> }.into_any(),
                        Err(PlanFormError::Refused(crate::Refusal::NeedsSecret)) => view! { <Redirect path="/?need=secret" /> }.into_any(),
                        Err(e) => view! { <p class="alert" role="alert">{error_text(i18n, &e)}</p>
                            <p><a class="button secondary" href="/dossier">{t!(i18n, data.back)}</a></p> }.into_any(),
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
        PlanFormError::DeferralInPlay => t_string!(i18n, plan.error.deferral_in_play),
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
    let intent = uuid_like(&p);
    // Field errors are shown next to their field; the rest above the page.
    let page_error = move || {
        action_error
            .get()
            .filter(|e| {
                !matches!(
                    e,
                    PlanFormError::Months | PlanFormError::Amount | PlanFormError::ReasonRequired
                )
            })
            .map(|e| error_text(i18n, &e))
    };
    let body = match (p.plan.clone(), p.picker.clone()) {
        (Some(plan), _) => {
            view! { <CurrentPlan plan open_total=p.open_total locale intent /> }.into_any()
        }
        (None, Some(picker)) => view! {
            {p.refused.clone().map(|r| view! {
                <section class="card notice" role="status" data-testid="plan-refused">
                    <p>{if r.declined_by_debtor {
                        t_string!(i18n, plan.refused_declined).to_string()
                    } else {
                        t_string!(i18n, plan.refused_staff).to_string()
                    }}</p>
                    {r.staff_note.map(|note| view! { <p class="note">{t!(i18n, plan.staff_note, note)}</p> })}
                </section>
            })}
            <Picker picker intent sent_error=action_error.get_untracked() months=query_value("months") amount=query_value("amount") />
        }
        .into_any(),
        (None, None) => ().into_any(),
    };
    view! {
        <Show when=move || page_error().is_some()>
            <p class="alert" role="alert">{page_error}</p>
        </Show>
        {body}
        <nav class="card links">
            <a class="button secondary" href="/dossier">{t!(i18n, data.back)}</a>
        </nav>
    }
}

/// The plan in play: its schedule, and paying on it (active) or answering staff's
/// counter-proposal (proposed).
#[component]
fn CurrentPlan(plan: PlanView, open_total: Money, locale: Locale, intent: String) -> impl IntoView {
    let i18n = use_i18n();
    let open = format::money(locale, open_total);
    let status = match plan.status.as_str() {
        "active" => t_string!(i18n, plan.status_active).to_string(),
        "needs_review" => t_string!(i18n, plan.status_review).to_string(),
        "proposed" if plan.counter_proposal => t_string!(i18n, plan.counter_intro).to_string(),
        "proposed" => t_string!(i18n, plan.status_proposed).to_string(),
        _ => t_string!(i18n, plan.status_other).to_string(),
    };
    let active = plan.status == "active";
    let counter = plan.status == "proposed";
    let first_due_now = plan.pay_first_on_accept;
    view! {
        <section class="card" aria-labelledby="plan-heading">
            <h1 id="plan-heading">{t_string!(i18n, plan.heading).to_string()}</h1>
            <p role="status" data-testid="plan-status" data-status=plan.status.clone()>{status}</p>
            {plan.staff_note.clone().map(|note| view! { <p class="note">{t!(i18n, plan.staff_note, note)}</p> })}
            <p class="note" data-testid="plan-interest">{if plan.interest_stops {
                t_string!(i18n, plan.interest_stops).to_string()
            } else {
                t_string!(i18n, plan.interest_runs).to_string()
            }}</p>
            {plan.has_statement.then(|| view! {
                <p class="note" data-testid="plan-statement">
                    {t!(i18n, budget.plan_has_statement)} " "
                    <a href="/dossier/plan/budget">{t!(i18n, budget.plan_statement_link)}</a>
                </p>
            })}
            <Schedule rows=plan.rows.clone() locale />
            <ToleranceNote tolerance=plan.tolerance.clone() misses=plan.misses_before_default active />
        </section>
        {match plan.tolerance.clone() {
            Tolerance::Moved { number, was_due, now_due, amount } if active => Some(view! {
                <section class="card notice" aria-labelledby="moved-heading" data-testid="plan-moved">
                    <h2 id="moved-heading">{t!(i18n, plan.moved_heading, number)}</h2>
                    <p>{t!(i18n, plan.moved_text, was = format::date(locale, was_due), now = format::date(locale, now_due))}</p>
                    <form method="post" action="/api/pay_plan" class="form">
                        <input type="hidden" name="what" value="moved" />
                        <input type="hidden" name="intent" value=format!("{intent}-moved") />
                        <button type="submit" class="button primary" data-testid="pay-moved">
                            {t!(i18n, plan.pay_moved, amount = format::money(locale, amount))}
                        </button>
                    </form>
                </section>
            }),
            _ => None,
        }}
        {counter.then(|| view! {
            <section class="card pay" aria-label=move || t_string!(i18n, plan.status_proposed).to_string()>
                <form method="post" action="/api/accept_counter" class="form">
                    <input type="hidden" name="intent" value=format!("{intent}-counter") />
                    <button type="submit" class="button primary" data-testid="accept-counter">
                        {if first_due_now {
                            t_string!(i18n, plan.counter_accept_pay).to_string()
                        } else {
                            t_string!(i18n, plan.counter_accept).to_string()
                        }}
                    </button>
                </form>
                <form method="post" action="/api/decline_counter" class="form">
                    <button type="submit" class="button secondary" data-testid="decline-counter">
                        {t!(i18n, plan.counter_decline)}
                    </button>
                </form>
            </section>
        })}
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
}

/// What the plan does with a missed instalment, in the debtor's words.
#[component]
fn ToleranceNote(tolerance: Tolerance, misses: u32, active: bool) -> impl IntoView {
    let i18n = use_i18n();
    let text = match tolerance {
        Tolerance::Available => t_string!(i18n, plan.tolerance_available, misses).to_string(),
        Tolerance::Moved { .. } if misses <= 2 => t_string!(i18n, plan.tolerance_last).to_string(),
        Tolerance::Moved { .. } | Tolerance::Used | Tolerance::None => {
            t_string!(i18n, plan.tolerance_counts, misses).to_string()
        }
    };
    active.then(|| view! { <p class="note" data-testid="plan-tolerance">{text}</p> })
}

/// A value of the page's query string (read on the server, where this page is rendered).
fn query_value(key: &str) -> String {
    use_query_map()
        .with_untracked(|q| q.get(key))
        .unwrap_or_default()
}

/// Choosing a plan. The schedule is built by [`domain::PlanRules::preview`]: in the browser
/// as the debtor types, and on the server from the query of the GET forms without
/// JavaScript. The server checks the proposal again with the same code.
#[island]
fn Picker(
    picker: PlanPicker,
    intent: String,
    /// The problem with the last submitted proposal, if it was refused.
    sent_error: Option<PlanFormError>,
    /// The months or the amount as typed before (from the query of the GET forms).
    months: String,
    amount: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let money = move |m| format::money(locale, m);
    let months = RwSignal::new(months);
    let amount = RwSignal::new(amount);
    let PlanPicker {
        rules,
        balance,
        start,
        interest_stops,
    } = picker;
    let choice = Memo::new(move |_| plan_choice::parse(&months.get(), &amount.get()));
    let preview = Memo::new(move |_| match choice.get() {
        Ok(Some(request)) => rules.preview(balance, request, start).ok(),
        _ => None,
    });
    let limits = rules.limits(balance);
    // An unreadable field, as typed (live) or as submitted (from the server).
    let sent_error = StoredValue::new(sent_error);
    let field_error = move |which: PlanFormError| {
        Signal::derive(move || {
            let typed = choice.get().err() == Some(which.clone());
            let sent = sent_error.with_value(|e| e.as_ref() == Some(&which));
            (typed || sent).then(|| error_text(i18n, &which))
        })
    };
    let months_error = field_error(PlanFormError::Months);
    let amount_error = field_error(PlanFormError::Amount);
    let reason_error = field_error(PlanFormError::ReasonRequired);
    let within = move || preview.with(|p| p.as_ref().is_none_or(Preview::within_rules));
    view! {
        <section class="card" aria-labelledby="plan-heading">
            // Plain text (this view is rebuilt when the language changes): hydrated in place,
            // not painted again.
            <h1 id="plan-heading">{t_string!(i18n, plan.heading).to_string()}</h1>
            <p class="lead">{t_string!(i18n, plan.intro, amount = money(balance)).to_string()}</p>
            <p class="note">
                {t!(i18n, plan.limits, months = limits.max_months_for_balance, minimum = money(limits.min_instalment))}
            </p>
            <p class="note" data-testid="plan-interest">{if interest_stops {
                t_string!(i18n, plan.interest_stops).to_string()
            } else {
                t_string!(i18n, plan.interest_runs).to_string()
            }}</p>
            <form method="get" action="/dossier/plan" class="form">
                <div class="field">
                    <label for="months">{t!(i18n, plan.months_label)}</label>
                    <Show when=move || months_error.get().is_some()>
                        <p class="field-error" id="months-error">{move || months_error.get()}</p>
                    </Show>
                    <input
                        id="months"
                        name="months"
                        type="text"
                        inputmode="numeric"
                        autocomplete="off"
                        value=months.get_untracked()
                        prop:value=move || months.get()
                        aria-invalid=move || months_error.get().is_some().to_string()
                        aria-describedby=move || months_error.get().map(|_| "months-error")
                        on:input=move |ev| {
                            months.set(event_target_value(&ev));
                            amount.set(String::new());
                        }
                    />
                </div>
                <button type="submit" class="button secondary" data-testid="preview-months">{t!(i18n, plan.show_schedule)}</button>
            </form>
            <form method="get" action="/dossier/plan" class="form">
                <div class="field">
                    <label for="amount">{t!(i18n, plan.amount_label)}</label>
                    <p class="hint" id="amount-hint">{t!(i18n, plan.amount_hint, minimum = money(limits.min_monthly_amount))}</p>
                    <Show when=move || amount_error.get().is_some()>
                        <p class="field-error" id="amount-error">{move || amount_error.get()}</p>
                    </Show>
                    <input
                        id="amount"
                        name="amount"
                        type="text"
                        inputmode="decimal"
                        autocomplete="off"
                        value=amount.get_untracked()
                        prop:value=move || amount.get()
                        aria-invalid=move || amount_error.get().is_some().to_string()
                        aria-describedby=move || {
                            if amount_error.get().is_some() { "amount-hint amount-error" } else { "amount-hint" }
                        }
                        on:input=move |ev| {
                            amount.set(event_target_value(&ev));
                            months.set(String::new());
                        }
                    />
                </div>
                <button type="submit" class="button secondary" data-testid="preview-amount">{t!(i18n, plan.show_schedule)}</button>
            </form>
        </section>
        <Show when=move || preview.with(Option::is_some)>
            <section class="card" aria-labelledby="preview-heading" data-testid="plan-preview">
                <h2 id="preview-heading">{t!(i18n, plan.preview_heading)}</h2>
                {move || preview.get().map(|pv| view! { <PreviewRows pv locale /> })}
                <Show when=move || !within()>
                    <div class="notice budget-link" data-testid="budget-link">
                        <h3>{t!(i18n, budget.plan_link_heading)}</h3>
                        <p>{t!(i18n, budget.plan_link_text)}</p>
                        <a class="button secondary" href=move || budget_href(&months.get(), &amount.get())>
                            {t!(i18n, budget.plan_link)}
                        </a>
                    </div>
                </Show>
                <form method="post" action="/api/propose_plan" class="form">
                    <input type="hidden" name="months" value=move || months.get() />
                    <input type="hidden" name="amount" value=move || amount.get() />
                    <input type="hidden" name="intent" value=format!("{intent}-first") />
                    <Show when=move || !within()>
                        <div class="field">
                            <label for="reason">{t!(i18n, plan.reason_label)}</label>
                            <Show when=move || reason_error.get().is_some()>
                                <p class="field-error" id="reason-error">{move || reason_error.get()}</p>
                            </Show>
                            <textarea
                                id="reason"
                                name="reason"
                                rows="3"
                                maxlength="1000"
                                aria-invalid=move || reason_error.get().is_some().to_string()
                                aria-describedby=move || reason_error.get().map(|_| "reason-error")
                            ></textarea>
                        </div>
                    </Show>
                    <button type="submit" class="button primary" data-testid="confirm-plan">
                        {move || if !within() {
                            t_string!(i18n, plan.submit_review).to_string()
                        } else if limits.first_due_now {
                            t_string!(i18n, plan.confirm_and_pay).to_string()
                        } else {
                            t_string!(i18n, plan.confirm).to_string()
                        }}
                    </button>
                </form>
            </section>
        </Show>
    }
}

/// The statement page with the plan chosen so far (only digits and separators are carried).
fn budget_href(months: &str, amount: &str) -> String {
    let clean = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_digit() || matches!(c, ',' | '.'))
            .collect::<String>()
    };
    format!(
        "/dossier/plan/budget?months={}&amount={}",
        clean(months),
        clean(amount)
    )
}

/// A preview's summary (announced as it changes), schedule and the rules it breaks.
#[component]
fn PreviewRows(pv: Preview, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    let rows: Vec<PlanRow> = pv
        .rows
        .iter()
        .map(|i| PlanRow {
            number: i.number(),
            due: i.due(),
            amount: i.amount(),
            status: String::new(),
            moved_from: None,
        })
        .collect();
    let summary = match (rows.first(), rows.last()) {
        (Some(first), Some(last)) if rows.len() > 1 => t_string!(
            i18n,
            plan.summary,
            count = rows.len(),
            first = money(first.amount),
            last = money(last.amount)
        )
        .to_string(),
        (Some(only), _) => {
            t_string!(i18n, plan.summary_one, amount = money(only.amount)).to_string()
        }
        _ => String::new(),
    };
    let within = pv.within_rules();
    let count = rows.len();
    // A long schedule stays folded so the rules and the form are in reach on a phone.
    let schedule = if count > 12 {
        Either::Left(view! {
            <details class="schedule-all">
                <summary>{t!(i18n, plan.show_all, count)}</summary>
                <Schedule rows locale />
            </details>
        })
    } else {
        Either::Right(view! { <Schedule rows locale /> })
    };
    view! {
        <p aria-live="polite" data-testid="plan-summary">{summary}</p>
        {(!within).then(|| view! {
            <ul class="plain" data-testid="plan-breaches">
                {pv.why_not.iter().map(|b| match *b {
                    RuleBreach::TooManyMonths { months, max } => Either::Left(view! { <li>{t!(i18n, plan.breach_months, months, max)}</li> }),
                    RuleBreach::BelowMinimum { minimum, .. } => Either::Right(view! { <li>{t!(i18n, plan.breach_minimum, minimum = money(minimum))}</li> }),
                }).collect_view()}
            </ul>
            <p class="note">{t!(i18n, plan.review_note)}</p>
        })}
        {schedule}
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
                    let status = match (r.status.as_str(), r.moved_from) {
                        ("paid", Some(_)) => t_string!(i18n, plan.row_paid_late).to_string(),
                        (_, Some(from)) => t_string!(i18n, plan.row_moved, date = format::date(locale, from)).to_string(),
                        ("paid", None) => t_string!(i18n, plan.row_paid).to_string(),
                        ("late", None) => t_string!(i18n, plan.row_late).to_string(),
                        ("missed", None) => t_string!(i18n, plan.row_missed).to_string(),
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
