//! `/dossier/plan/budget`: the income and expenses statement for a plan below the agency's
//! rules (issue 21). A plain multipart form posted to `/dossier/plan/budget` (a route in the
//! server crate), so it works without JavaScript; a refused form comes back here with every
//! field as typed and its problem next to it. The calculation is `domain::budget::check`,
//! shown line by line ([`StatementView`], also on the staff plan review).

use crate::budget::{BudgetPage, BudgetView, FieldProblem, FileProblem, FormProblem, LineView};
use crate::errors::Refusal;
use crate::format;
use crate::i18n::{Locale, t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

type I18n = leptos_i18n::I18nContext<Locale>;

/// The page's data: the form (and a refused form back), or the statement already sent.
#[server(prefix = "/api", endpoint = "budget_page")]
pub async fn get_budget_page() -> Result<BudgetPage, Refusal> {
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::Arrangements).await?;
    crate::ssr::budget::page(&services, &dossier_id, chrono::Utc::now()).await
}

/// The label of a calculation line (the keys `domain::budget` names).
pub(crate) fn line_label(i18n: I18n, key: &str) -> String {
    match key {
        "budget.line.net_income" => t_string!(i18n, budget.line.net_income),
        "budget.line.housing" => t_string!(i18n, budget.line.housing),
        "budget.line.health_insurance" => t_string!(i18n, budget.line.health_insurance),
        "budget.line.childcare" => t_string!(i18n, budget.line.childcare),
        "budget.line.other_debts" => t_string!(i18n, budget.line.other_debts),
        "budget.line.other_fixed" => t_string!(i18n, budget.line.other_fixed),
        "budget.line.left_after_fixed_costs" => {
            t_string!(i18n, budget.line.left_after_fixed_costs)
        }
        "budget.protected.norm" => t_string!(i18n, budget.protected.norm),
        "budget.protected.norm_95" => t_string!(i18n, budget.protected.norm_95),
        "budget.protected.income_95" => t_string!(i18n, budget.protected.income_95),
        "budget.protected.maximum" => t_string!(i18n, budget.protected.maximum),
        "budget.protected.amount" => t_string!(i18n, budget.protected.amount),
        "budget.capacity.above_protected" => t_string!(i18n, budget.capacity.above_protected),
        "budget.capacity.left_after_fixed_costs" => {
            t_string!(i18n, budget.capacity.left_after_fixed_costs)
        }
        _ => t_string!(i18n, budget.capacity.max_instalment),
    }
    .to_string()
}

pub(crate) fn household_label(i18n: I18n, household: &str) -> String {
    match household {
        "single_parent" => t_string!(i18n, budget.household.single_parent),
        "couple" => t_string!(i18n, budget.household.couple),
        "couple_with_children" => t_string!(i18n, budget.household.couple_with_children),
        _ => t_string!(i18n, budget.household.single),
    }
    .to_string()
}

/// What the statement concludes, in one plain sentence.
pub(crate) fn verdict_text(i18n: I18n, locale: Locale, v: &BudgetView) -> String {
    match v.verdict.as_str() {
        "below_protected" => t_string!(i18n, budget.verdict.below_protected).to_string(),
        "fixed_costs_exceed_income" => {
            t_string!(i18n, budget.verdict.fixed_costs_exceed_income).to_string()
        }
        _ => t_string!(
            i18n,
            budget.verdict.can_pay,
            amount = format::money(locale, v.capacity)
        )
        .to_string(),
    }
}

#[component]
fn Lines(lines: Vec<LineView>, locale: Locale, testid: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="sums" data-testid=testid>
            <tbody>
                {lines.into_iter().map(|l| {
                    let sign = match l.sign.as_str() {
                        "plus" => "+ ",
                        "minus" => "− ",
                        "equals" => "= ",
                        _ => "",
                    };
                    let total = l.sign == "equals";
                    view! {
                        <tr class:total=total data-key=l.key.clone()>
                            <th scope="row">{sign}{line_label(i18n, &l.key)}</th>
                            <td>{format::money(locale, l.amount)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A checked statement line by line: what is left, the beslagvrije voet with its derivation
/// and source, what can be paid, and the conclusion.
#[component]
pub(crate) fn StatementView(v: BudgetView, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let basis = match v.protected_basis.as_str() {
        "low_income" => t_string!(i18n, budget.basis.low_income),
        "maximum" => t_string!(i18n, budget.basis.maximum),
        _ => t_string!(i18n, budget.basis.middle_income_bound),
    }
    .to_string();
    let verdict = verdict_text(i18n, locale, &v);
    let nothing = v.nothing_payable();
    view! {
        <div class="statement" data-testid="budget-statement" data-verdict=v.verdict.clone()>
            <p class=if nothing { "alert" } else { "notice" } data-testid="budget-verdict">
                <strong>{verdict}</strong>
            </p>
            <h3>{t!(i18n, budget.lines_heading)}</h3>
            <p class="muted">{household_label(i18n, &v.household)}</p>
            <Lines lines=v.lines.clone() locale testid="budget-lines" />
            <h3>{t!(i18n, budget.protected_heading)}</h3>
            <p class="hint">{t!(i18n, budget.protected_explain)}</p>
            <Lines lines=v.protected_lines.clone() locale testid="budget-protected" />
            <p class="hint">{basis}</p>
            <p class="hint">{t!(i18n, budget.period, date = format::date(locale, v.table_from))}</p>
            // The data file's own words (with its sources), for whoever wants to check them.
            <details class="hint" data-testid="budget-source">
                <summary>{t!(i18n, budget.source_summary)}</summary>
                <p class="prewrap">{v.source.clone()}</p>
            </details>
            {v.unconfirmed.then(|| view! { <p class="hint">{t!(i18n, budget.unconfirmed)}</p> })}
            {v.stale_since.map(|d| view! { <p class="hint">{t!(i18n, budget.stale, date = format::date(locale, d))}</p> })}
            <h3>{t!(i18n, budget.capacity_heading)}</h3>
            <Lines lines=v.capacity_lines.clone() locale testid="budget-capacity" />
        </div>
    }
}

/// Free debt help: Geldfit, the municipality, a debt counsellor.
#[component]
pub(crate) fn DebtHelp() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card notice" aria-labelledby="help-heading" data-testid="debt-help">
            <h2 id="help-heading">{t!(i18n, budget.help_heading)}</h2>
            <p>{t!(i18n, budget.help_intro)}</p>
            <ul class="plain">
                <li>{t!(i18n, budget.help_geldfit)} " " <a href="https://www.geldfit.nl" rel="noopener">"geldfit.nl"</a></li>
                <li>{t!(i18n, budget.help_gemeente)}</li>
                <li>{t!(i18n, budget.help_counsellor)}</li>
            </ul>
        </section>
    }
}

#[component]
pub fn BudgetPageView() -> impl IntoView {
    let i18n = use_i18n();
    let page = Resource::new(|| (), |_| get_budget_page());
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, budget.page_title).to_string()) />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let locale = i18n.get_locale();
                Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! { <BudgetBody p locale /> }.into_any(),
                        Err(Refusal::NotSignedIn) => view! { <Redirect path="/" /> }.into_any(),
                        Err(Refusal::NotGranted) => view! { <Redirect path="/dossier" /> }.into_any(),
                        Err(Refusal::NeedsSecret) => {
                            view! { <Redirect path="/?need=secret" /> }.into_any()
                        }
                        Err(Refusal::Unavailable) => {
                            view! { <p class="alert" role="alert">{t!(i18n, common.unavailable)}</p> }
                                .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

fn field_problem_text(i18n: I18n, field: &str, problem: FieldProblem) -> String {
    match (field, problem) {
        ("household", _) => t_string!(i18n, budget.error.household),
        ("reason", FieldProblem::TooLong) => t_string!(i18n, budget.error.too_long),
        ("reason", _) => t_string!(i18n, budget.error.reason),
        ("months", _) => t_string!(i18n, budget.error.months),
        ("amount", _) => t_string!(i18n, budget.error.amount),
        (_, FieldProblem::Required) => t_string!(i18n, budget.error.required),
        (_, FieldProblem::Negative) => t_string!(i18n, budget.error.negative),
        (_, FieldProblem::TooLarge) => t_string!(i18n, budget.error.too_large),
        _ => t_string!(i18n, budget.error.not_an_amount),
    }
    .to_string()
}

fn file_problem_text(
    i18n: I18n,
    problem: FileProblem,
    file: String,
    max: usize,
    mb: usize,
) -> String {
    match problem {
        FileProblem::Type => t_string!(i18n, budget.error.file_type, file).to_string(),
        FileProblem::TooLarge => t_string!(i18n, budget.error.file_too_large, file, mb).to_string(),
        FileProblem::Empty => t_string!(i18n, budget.error.file_empty, file).to_string(),
        FileProblem::TooMany => t_string!(i18n, budget.error.too_many_files, max).to_string(),
    }
}

fn form_problem_text(i18n: I18n, locale: Locale, problem: FormProblem) -> String {
    match problem {
        FormProblem::OverCapacity { asked, capacity } => t_string!(
            i18n,
            budget.error.over_capacity,
            capacity = format::money(locale, capacity),
            asked = format::money(locale, asked)
        )
        .to_string(),
        FormProblem::NothingPayable => t_string!(i18n, budget.error.nothing_payable).to_string(),
        FormProblem::WithinRules => t_string!(i18n, budget.error.within_rules).to_string(),
        FormProblem::PlanInPlay => t_string!(i18n, budget.error.in_play).to_string(),
        FormProblem::NothingToPlan => t_string!(i18n, budget.error.nothing).to_string(),
        FormProblem::Offline => t_string!(i18n, budget.error.offline).to_string(),
        FormProblem::Unavailable => t_string!(i18n, common.unavailable).to_string(),
    }
}

/// The `aria-describedby` of a field: its hint, and its error when there is one.
fn described(hint: &str, error: &Option<String>, id: &str) -> String {
    if error.is_some() {
        format!("{hint} {id}-error")
    } else {
        hint.to_owned()
    }
}

#[component]
fn BudgetBody(p: BudgetPage, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    if p.plan_in_play {
        return view! {
            <section class="card" aria-labelledby="budget-heading">
                <h1 id="budget-heading">{t_string!(i18n, budget.sent_heading).to_string()}</h1>
                <p role="status" data-testid="budget-in-play">{t!(i18n, budget.in_play)}</p>
                {p.sent.clone().map(|v| {
                    let files = v.files.clone();
                    view! {
                        {v.sent_on.map(|d| view! { <p class="muted">{t!(i18n, budget.sent_on, date = format::date(locale, d))}</p> })}
                        <StatementView v locale />
                        {(!files.is_empty()).then(|| view! {
                            <h3>{t!(i18n, budget.files_sent)}</h3>
                            <ul class="plain" data-testid="budget-files">
                                {files.into_iter().map(|f| view! {
                                    <li><a href=format!("/dossier/plan/budget/file/{}", f.id)>{f.name.clone()}</a> " (" {f.size_kb} " kB)"</li>
                                }).collect_view()}
                            </ul>
                        })}
                    }
                })}
            </section>
            <nav class="card links">
                <a class="button secondary" href="/dossier/plan">{t!(i18n, budget.to_plan)}</a>
            </nav>
        }
        .into_any();
    }
    let query = use_query_map();
    let (form, problems) = match p.returned.clone() {
        Some(r) => (r.form, r.problems),
        None => {
            let q = query.read_untracked();
            let form = crate::budget::BudgetForm {
                months: q.get("months").unwrap_or_default(),
                amount: q.get("amount").unwrap_or_default(),
                ..Default::default()
            };
            (form, Default::default())
        }
    };
    let error = |name: &str| {
        problems
            .field(name)
            .map(|pr| field_problem_text(i18n, name, pr))
    };
    let files_error = problems
        .files
        .clone()
        .map(|(pr, file)| file_problem_text(i18n, pr, file, p.max_files, p.max_file_mb));
    let form_error = problems.form.map(|pr| form_problem_text(i18n, locale, pr));
    let returned = p.returned.is_some();
    let nothing_payable = matches!(problems.form, Some(FormProblem::NothingPayable))
        || p.returned_check
            .as_ref()
            .is_some_and(BudgetView::nothing_payable);
    let over_capacity = matches!(problems.form, Some(FormProblem::OverCapacity { .. }));
    let household_error = error("household");
    let amount_field = |name: &'static str| {
        let label = line_label(i18n, &format!("budget.line.{name}"));
        let hint = match name {
            "net_income" => t_string!(i18n, budget.hint.net_income),
            "housing" => t_string!(i18n, budget.hint.housing),
            "health_insurance" => t_string!(i18n, budget.hint.health_insurance),
            "childcare" => t_string!(i18n, budget.hint.childcare),
            "other_debts" => t_string!(i18n, budget.hint.other_debts),
            _ => t_string!(i18n, budget.hint.other_fixed),
        }
        .to_string();
        let err = error(name);
        let hint_id = format!("{name}-hint");
        view! {
            <div class="field">
                <label for=name>{label}</label>
                <p class="hint" id=hint_id.clone()>{hint}</p>
                {err.clone().map(|m| view! { <p class="field-error" id=format!("{name}-error") data-testid=format!("{name}-error")>{m}</p> })}
                <input
                    id=name
                    name=name
                    type="text"
                    inputmode="decimal"
                    autocomplete="off"
                    value=form.value(name).to_owned()
                    aria-invalid=err.is_some().to_string()
                    aria-describedby=described(&hint_id, &err, name)
                />
            </div>
        }
    };
    let income = amount_field("net_income");
    let costs = [
        "housing",
        "health_insurance",
        "childcare",
        "other_debts",
        "other_fixed",
    ]
    .into_iter()
    .map(amount_field)
    .collect_view();
    let months_error = error("months");
    let amount_error = error("amount");
    let reason_error = error("reason");
    view! {
        <section class="card" aria-labelledby="budget-heading">
            <h1 id="budget-heading">{t_string!(i18n, budget.heading).to_string()}</h1>
            <p class="lead">{t_string!(i18n, budget.intro).to_string()}</p>
            <p class="hint">{t!(i18n, budget.optional)}</p>
            {(returned && form_error.is_none() && !problems.is_empty()).then(|| view! {
                <p class="alert" role="alert" data-testid="budget-error-summary">{t!(i18n, budget.error.summary)}</p>
            })}
            {form_error.map(|m| view! { <p class="alert" role="alert" data-testid="budget-form-error">{m}</p> })}
        </section>
        {p.returned_check.clone().map(|v| view! {
            <section class="card" aria-labelledby="check-heading">
                <h2 id="check-heading">{t!(i18n, budget.capacity_heading)}</h2>
                <StatementView v locale />
            </section>
        })}
        {(nothing_payable || over_capacity).then(|| view! { <DebtHelp /> })}
        <section class="card" aria-labelledby="form-heading">
            <h2 id="form-heading">{t!(i18n, budget.plan_link)}</h2>
            <form
                method="post"
                action="/dossier/plan/budget"
                enctype="multipart/form-data"
                class="form"
                novalidate=""
                data-testid="budget-form"
            >
                <fieldset class="field" aria-describedby=described("household-hint", &household_error, "household")>
                    <legend>{t!(i18n, budget.household_legend)}</legend>
                    <p class="hint" id="household-hint">{t!(i18n, budget.household_hint)}</p>
                    {household_error.clone().map(|m| view! { <p class="field-error" id="household-error" data-testid="household-error">{m}</p> })}
                    {domain::budget::Household::ALL.iter().map(|h| {
                        let value = h.as_str();
                        let id = format!("household-{value}");
                        view! {
                            <div class="choice">
                                <input type="radio" id=id.clone() name="household" value=value checked=form.household == value />
                                <label for=id>{household_label(i18n, value)}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <fieldset class="field">
                    <legend>{t!(i18n, budget.income_heading)}</legend>
                    {income}
                </fieldset>
                <fieldset class="field">
                    <legend>{t!(i18n, budget.costs_heading)}</legend>
                    <p class="hint">{t!(i18n, budget.costs_hint)}</p>
                    {costs}
                </fieldset>
                <fieldset class="field">
                    <legend>{t!(i18n, budget.plan_heading)}</legend>
                    <p class="hint" id="plan-hint">
                        {t!(i18n, budget.plan_hint,
                            minimum = format::money(locale, p.min_monthly_amount),
                            months = p.max_months,
                            open = format::money(locale, p.open_total))}
                    </p>
                    <div class="field">
                        <label for="months">{t!(i18n, budget.months_label)}</label>
                        {months_error.clone().map(|m| view! { <p class="field-error" id="months-error">{m}</p> })}
                        <input id="months" name="months" type="text" inputmode="numeric" autocomplete="off"
                            value=form.months.clone()
                            aria-invalid=months_error.is_some().to_string()
                            aria-describedby=described("plan-hint", &months_error, "months") />
                    </div>
                    <div class="field">
                        <label for="amount">{t!(i18n, budget.amount_label)}</label>
                        {amount_error.clone().map(|m| view! { <p class="field-error" id="amount-error" data-testid="amount-error">{m}</p> })}
                        <input id="amount" name="amount" type="text" inputmode="decimal" autocomplete="off"
                            value=form.amount.clone()
                            aria-invalid=amount_error.is_some().to_string()
                            aria-describedby=described("plan-hint", &amount_error, "amount") />
                    </div>
                    <div class="field">
                        <label for="reason">{t!(i18n, budget.reason_label)}</label>
                        {reason_error.clone().map(|m| view! { <p class="field-error" id="reason-error" data-testid="reason-error">{m}</p> })}
                        <textarea id="reason" name="reason" rows="3" maxlength="1000"
                            aria-invalid=reason_error.is_some().to_string()
                            aria-describedby=reason_error.as_ref().map(|_| "reason-error")>
                            {form.reason.clone()}
                        </textarea>
                    </div>
                </fieldset>
                <div class="field">
                    <label for="files">{t!(i18n, budget.files_label)}</label>
                    <p class="hint" id="files-hint">{t!(i18n, budget.files_hint, max = p.max_files, mb = p.max_file_mb)}</p>
                    {returned.then(|| view! { <p class="hint">{t!(i18n, budget.files_again)}</p> })}
                    {files_error.clone().map(|m| view! { <p class="field-error" id="files-error" data-testid="files-error">{m}</p> })}
                    <input
                        type="file"
                        id="files"
                        name="files"
                        multiple=""
                        accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
                        aria-invalid=files_error.is_some().to_string()
                        aria-describedby=described("files-hint", &files_error, "files")
                    />
                </div>
                <button type="submit" class="button primary" data-testid="submit-budget">
                    {t!(i18n, budget.submit)}
                </button>
            </form>
        </section>
        <nav class="card links">
            <a class="button secondary" href="/dossier/plan">{t!(i18n, budget.to_plan)}</a>
        </nav>
    }
    .into_any()
}
