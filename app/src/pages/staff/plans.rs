use super::{PlanReviewItem, StaffError, StaffNav, queue_error};
use crate::format;
use crate::i18n::{t, t_string, use_i18n};
use domain::{PlanId, RuleBreach};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Plans waiting for review, oldest first. Showing them (with the debtor's reason) is audited
/// per dossier.
#[server(prefix = "/api", endpoint = "staff_plan_reviews")]
pub async fn get_plan_reviews() -> Result<Vec<PlanReviewItem>, StaffError> {
    use crate::ssr::client_ip;
    use crate::ssr::staff::{self, plans as staff_plans};
    let (services, me) = staff::require_staff().await?;
    staff_plans::review_queue(&services, &me, client_ip(), chrono::Utc::now()).await
}

/// Accepts, rejects (`note` required) or counter-proposes (`note` and `months` or `amount`
/// required) one plan; then back to the queue, which says what was done.
#[server(prefix = "/api", endpoint = "staff_plan_decide")]
pub async fn decide_plan(
    plan: PlanId,
    decision: Option<String>,
    note: Option<String>,
    months: Option<String>,
    amount: Option<String>,
) -> Result<(), StaffError> {
    use crate::ssr::client_ip;
    use crate::ssr::staff::{self, plans as staff_plans};
    let (services, me) = staff::require_staff().await?;
    let decision = decision.unwrap_or_default();
    let dossier = staff_plans::decide(
        &services,
        &me,
        staff_plans::PlanDecisionForm {
            plan: &plan,
            decision: &decision,
            note: note.as_deref().unwrap_or_default(),
            months: months.as_deref().unwrap_or_default(),
            amount: amount.as_deref().unwrap_or_default(),
        },
        client_ip(),
        chrono::Utc::now(),
    )
    .await?;
    leptos_axum::redirect(&format!("/staff/plans?done={decision}&dossier={dossier}"));
    Ok(())
}

/// The plan review queue with a decision form per plan.
#[component]
pub fn PlanReviewQueue() -> impl IntoView {
    let i18n = use_i18n();
    let decide = ServerAction::<DecidePlan>::new();
    let queue = Resource::new(move || decide.version().get(), |_| get_plan_reviews());
    let query = use_query_map();
    let done = move || {
        let q = query.read();
        let dossier = q.get("dossier")?;
        if !dossier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return None;
        }
        let text = match q.get("done")?.as_str() {
            "accept" => t_string!(i18n, staff.plans.done_accept, dossier),
            "reject" => t_string!(i18n, staff.plans.done_reject, dossier),
            "counter" => t_string!(i18n, staff.plans.done_counter, dossier),
            _ => return None,
        };
        Some(text.to_string())
    };
    let page_error = move || match decide.value().get().and_then(Result::err) {
        Some(StaffError::PlanAlreadyDecided { .. }) => {
            Some(t_string!(i18n, staff.plans.error.already_decided).to_string())
        }
        Some(StaffError::PlanNotFound { .. }) => {
            Some(t_string!(i18n, staff.plans.error.not_found).to_string())
        }
        Some(StaffError::Refused(crate::Refusal::NotSignedIn)) => {
            Some(t_string!(i18n, staff.error.signed_out).to_string())
        }
        Some(StaffError::Refused(crate::Refusal::Unavailable)) => {
            Some(t_string!(i18n, staff.error.unavailable).to_string())
        }
        _ => None,
    };
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, staff.plans.page_title).to_string()) />
        <StaffNav />
        <section class="card staff" aria-labelledby="plans-heading">
            <h1 id="plans-heading">{t!(i18n, staff.plans.heading)}</h1>
            <p class="lead">{t!(i18n, staff.plans.intro)}</p>
            <Show when=move || done().is_some()>
                <p class="notice" role="status">{done}</p>
            </Show>
            <Show when=move || page_error().is_some()>
                <p class="alert" role="alert">{page_error}</p>
            </Show>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match queue.await {
                        Ok(items) if items.is_empty() => {
                            view! { <p data-testid="plans-empty">{t!(i18n, staff.plans.empty)}</p> }
                                .into_any()
                        }
                        Ok(items) => {
                            let n = items.len();
                            view! {
                                <p>{t!(i18n, staff.plans.count, n)}</p>
                                <ol class="queue">
                                    {items
                                        .into_iter()
                                        .map(|item| view! { <PlanReviewEntry item decide /> })
                                        .collect_view()}
                                </ol>
                            }
                                .into_any()
                        }
                        Err(e) => queue_error(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// One plan: what the debtor proposes and why, the rules it breaks, and the decision form.
#[component]
fn PlanReviewEntry(item: PlanReviewItem, decide: ServerAction<DecidePlan>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let money = move |m| format::money(locale, m);
    let date = move |d| format::date(locale, d);
    let plan = item.plan_id.clone();
    let error = {
        let plan = plan.clone();
        Signal::derive(move || {
            decide
                .value()
                .get()
                .and_then(Result::err)
                .and_then(|e| match &e {
                    StaffError::PlanNoDecision { plan: p }
                    | StaffError::PlanNoteRequired { plan: p }
                    | StaffError::PlanNoteTooLong { plan: p }
                    | StaffError::PlanTerms { plan: p }
                        if *p == plan =>
                    {
                        Some(e)
                    }
                    _ => None,
                })
        })
    };
    let note_error = Signal::derive(move || match error.get() {
        Some(StaffError::PlanNoteRequired { .. }) => {
            Some(t_string!(i18n, staff.plans.error.note_required).to_string())
        }
        Some(StaffError::PlanNoteTooLong { .. }) => {
            Some(t_string!(i18n, staff.plans.error.note_too_long).to_string())
        }
        _ => None,
    });
    let terms_error = Signal::derive(move || {
        matches!(error.get(), Some(StaffError::PlanTerms { .. }))
            .then(|| t_string!(i18n, staff.plans.error.terms).to_string())
    });
    let decision_error = Signal::derive(move || {
        matches!(error.get(), Some(StaffError::PlanNoDecision { .. }))
            .then(|| t_string!(i18n, staff.plans.error.no_decision).to_string())
    });
    // Ids unique per plan: several forms are on one page.
    let key = plan
        .as_str()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>();
    let heading_id = format!("plan-{key}");
    let note_id = format!("plan-{key}-note");
    let hint_id = format!("plan-{key}-hint");
    let note_error_id = format!("plan-{key}-note-error");
    let terms_id = format!("plan-{key}-terms-error");
    let months_id = format!("plan-{key}-months");
    let amount_id = format!("plan-{key}-amount");
    let proposal = t_string!(
        i18n,
        staff.plans.proposal_value,
        months = item.months,
        instalment = money(item.instalment),
        first = date(item.first_due),
        last = date(item.last_due),
        total = money(item.plan_total)
    )
    .to_string();
    let breaches = item
        .breaches
        .iter()
        .map(|b| match *b {
            RuleBreach::TooManyMonths { months, max } => {
                t_string!(i18n, staff.plans.breach_months, months, max).to_string()
            }
            RuleBreach::BelowMinimum {
                instalment,
                minimum,
            } => t_string!(
                i18n,
                staff.plans.breach_minimum,
                instalment = money(instalment),
                minimum = money(minimum)
            )
            .to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let within = t_string!(
        i18n,
        staff.plans.within,
        months = item.limits.max_months_for_balance,
        amount = money(item.limits.min_monthly_amount)
    )
    .to_string();
    let reason = item
        .reason
        .clone()
        .unwrap_or_else(|| t_string!(i18n, staff.plans.no_reason).to_string());
    let described = {
        let hint_id = hint_id.clone();
        let note_error_id = note_error_id.clone();
        move || {
            if note_error.get().is_some() {
                format!("{hint_id} {note_error_id}")
            } else {
                hint_id.clone()
            }
        }
    };
    view! {
        <li class="queue-item" data-testid="plan-review" data-dossier=item.dossier_number.clone()>
            <article aria-labelledby=heading_id.clone()>
                <h2 id=heading_id.clone()>{item.dossier_number.clone()} " · " {item.creditor.clone()}</h2>
                <dl class="facts">
                    <dt>{t!(i18n, staff.plans.proposal)}</dt>
                    <dd><strong>{proposal}</strong></dd>
                    <dt>{t!(i18n, staff.plans.breaks)}</dt>
                    <dd>{breaches}</dd>
                    <dt>{t!(i18n, staff.plans.open_now)}</dt>
                    <dd>{money(item.open_balance)}</dd>
                    <dt>{t!(i18n, staff.plans.reason)}</dt>
                    <dd class="prewrap">{reason}</dd>
                    <dt>{t!(i18n, staff.plans.received)}</dt>
                    <dd>{item.received.clone()}</dd>
                </dl>
                <PlanBudget budget=item.budget.clone() asked=item.largest_instalment />
                <p class="hint">{within}</p>
                <Show when=move || decision_error.get().is_some()>
                    <p class="field-error" role="alert">{move || decision_error.get()}</p>
                </Show>
                <ActionForm action=decide attr:class="form decide">
                    <input type="hidden" name="plan" value=plan.to_string() />
                    <div class="field">
                        <label for=note_id.clone()>{t!(i18n, staff.plans.note_label)}</label>
                        <p class="hint" id=hint_id.clone()>{t!(i18n, staff.plans.note_hint)}</p>
                        <Show when=move || note_error.get().is_some()>
                            <p class="field-error" id=note_error_id.clone()>{move || note_error.get()}</p>
                        </Show>
                        <textarea
                            id=note_id.clone()
                            name="note"
                            rows="3"
                            maxlength="2000"
                            aria-invalid=move || note_error.get().is_some().to_string()
                            aria-describedby=described
                        ></textarea>
                    </div>
                    <fieldset class="field">
                        <legend>{t!(i18n, staff.plans.counter_heading)}</legend>
                        <Show when=move || terms_error.get().is_some()>
                            <p class="field-error" id=terms_id.clone()>{move || terms_error.get()}</p>
                        </Show>
                        <label for=months_id.clone()>{t!(i18n, staff.plans.months_label)}</label>
                        <input id=months_id.clone() name="months" type="text" inputmode="numeric" autocomplete="off" />
                        <label for=amount_id.clone()>{t!(i18n, staff.plans.amount_label)}</label>
                        <input id=amount_id.clone() name="amount" type="text" inputmode="decimal" autocomplete="off" />
                    </fieldset>
                    <div class="decide-buttons">
                        <button type="submit" name="decision" value="accept" class="button primary" disabled=move || decide.pending().get()>
                            {t!(i18n, staff.plans.accept)}
                        </button>
                        <button type="submit" name="decision" value="counter" class="button secondary" disabled=move || decide.pending().get()>
                            {t!(i18n, staff.plans.counter)}
                        </button>
                        <button type="submit" name="decision" value="reject" class="button secondary" disabled=move || decide.pending().get()>
                            {t!(i18n, staff.plans.reject)}
                        </button>
                    </div>
                </ActionForm>
            </article>
        </li>
    }
}

/// The income and expenses statement sent with the plan: every line, the beslagvrije voet with
/// its source, the capacity against what the plan asks, and the files (downloads audited).
#[component]
fn PlanBudget(budget: Option<crate::budget::BudgetView>, asked: domain::Money) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let Some(v) = budget else {
        return view! { <p class="hint" data-testid="plan-budget-none">{t!(i18n, staff.plans.budget_none)}</p> }
            .into_any();
    };
    let files = v.files.clone();
    let sent = v
        .sent_on
        .map(|d| format::date(locale, d))
        .unwrap_or_default();
    let household = crate::pages::household_label(i18n, &v.household);
    let capacity = format::money(locale, v.capacity);
    view! {
        <details class="budget" open="" data-testid="plan-budget">
            <summary>{t!(i18n, staff.plans.budget_heading)}</summary>
            <p class="muted">{t!(i18n, staff.plans.budget_sent, date = sent, household)}</p>
            <p><strong>{t!(i18n, staff.plans.budget_asked, asked = format::money(locale, asked), capacity)}</strong></p>
            <crate::pages::StatementView v locale />
            {(!files.is_empty()).then(|| view! {
                <h3>{t!(i18n, staff.plans.budget_files)}</h3>
                <ul class="plain" data-testid="plan-budget-files">
                    {files.into_iter().map(|f| view! {
                        <li><a href=format!("/staff/plans/file/{}", f.id)>{f.name.clone()}</a> " (" {f.size_kb} " kB)"</li>
                    }).collect_view()}
                </ul>
            })}
        </details>
    }
    .into_any()
}
