//! The personal data held about the debtor (GDPR art. 15), the export (art. 20) and
//! correction requests (art. 16). Only for sessions that showed the secret.

use crate::agency::RecipientRole;
use crate::errors::{CorrectionError, Problem, Refusal};
use crate::format;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::model::{CorrectionState, CorrectionView, Field, FieldView, PersonalData, Source};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// The personal data of the session's own dossier. Viewing it is audited.
#[server(prefix = "/api", endpoint = "personal_data")]
pub async fn get_personal_data(printing: bool) -> Result<PersonalData, Refusal> {
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::PersonalData).await?;
    let data = crate::ssr::my_data::personal_data(&services, &dossier_id).await?;
    let action = if printing {
        "personal_data.printed"
    } else {
        "personal_data.viewed"
    };
    crate::ssr::my_data::audit_view(
        &services,
        &dossier_id,
        &data.number,
        action,
        crate::ssr::client_ip(),
        chrono::Utc::now(),
    )
    .await;
    Ok(data)
}

/// Files a correction request; back to the data page on success.
#[server(prefix = "/api", endpoint = "request_correction")]
pub async fn request_correction(
    field: String,
    value: String,
    reason: String,
) -> Result<(), CorrectionError> {
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::PersonalData).await?;
    let field = Field::parse(&field).ok_or(CorrectionError::UnknownField)?;
    let now = chrono::Utc::now();
    let filed = crate::ssr::my_data::request_correction(
        &services,
        &dossier_id,
        field,
        &value,
        &reason,
        now,
    )
    .await?;
    tracing::info!(
        request = filed.id.get(),
        field = field.as_str(),
        "correction requested"
    );
    leptos_axum::redirect(&format!("/dossier/data?filed={}#requests", field.as_str()));
    Ok(())
}

fn field_label(i18n: leptos_i18n::I18nContext<Locale>, field: Field) -> String {
    match field {
        Field::Name => t_string!(i18n, data.field.name),
        Field::Address => t_string!(i18n, data.field.address),
        Field::Postcode => t_string!(i18n, data.field.postcode),
        Field::City => t_string!(i18n, data.field.city),
        Field::Phone => t_string!(i18n, data.field.phone),
        Field::Email => t_string!(i18n, data.field.email),
        Field::CustomerNumber => t_string!(i18n, data.field.customer_number),
        Field::BirthDate => t_string!(i18n, data.field.birth_date),
        Field::IdDocumentNumber => t_string!(i18n, data.field.id_document_number),
        Field::KvkNumber => t_string!(i18n, data.field.kvk_number),
        Field::VatNumber => t_string!(i18n, data.field.vat_number),
    }
    .to_string()
}

/// Where a pay-only (QR-link) session is sent for personal data.
fn needs_secret_redirect() -> impl IntoView {
    view! { <Redirect path="/?need=secret" /> }
}

/// `/dossier/data`: the five questions of the privacy statement answered for this dossier.
#[component]
pub fn MyData() -> impl IntoView {
    data_page(false)
}

/// `/dossier/data/print`: the same, every value shown, for printing.
#[component]
pub fn MyDataPrint() -> impl IntoView {
    data_page(true)
}

fn data_page(printing: bool) -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(move || printing, get_personal_data);
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, data.page_title).to_string()) />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let locale = i18n.get_locale();
                Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <DataView d locale printing /> }.into_any(),
                        Err(Refusal::NotSignedIn) => view! { <Redirect path="/" /> }.into_any(),
                        Err(Refusal::NotGranted) => view! { <Redirect path="/dossier" /> }.into_any(),
                        Err(Refusal::NeedsSecret) => needs_secret_redirect().into_any(),
                        Err(Refusal::Unavailable) => {
                            view! {
                                <p class="alert" role="alert">
                                    {t!(i18n, common.unavailable)}
                                </p>
                            }
                                .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn DataView(d: PersonalData, locale: Locale, printing: bool) -> impl IntoView {
    let i18n = use_i18n();
    let date = move |day| format::date(locale, day);
    let query = use_query_map();
    let filed = move || query.read().get("filed").and_then(|f| Field::parse(&f));
    let agency = d.agency.clone();
    let storage = if agency.storage_country == "NL" {
        t_string!(i18n, data.where_nl).to_string()
    } else {
        t_string!(
            i18n,
            data.where_other,
            country = agency.storage_country.clone()
        )
        .to_string()
    };
    let keep = match (d.keep_until, d.last_claim_letter, d.kept_after_closing) {
        (Some(until), Some(_), Some(closed)) => t_string!(
            i18n,
            data.keep_until_closed,
            date = date(until),
            closed = date(closed)
        )
        .to_string(),
        (Some(until), Some(letter), None) => t_string!(
            i18n,
            data.keep_until,
            date = date(until),
            letter = date(letter),
            years = agency.retention_years
        )
        .to_string(),
        _ => t_string!(i18n, data.keep_no_letter, years = agency.retention_years).to_string(),
    };
    let creditor = d.creditor.clone();
    view! {
        <section class="card" aria-labelledby="data-heading">
            // Plain text, not reactive: this view is rebuilt when the language changes, and a
            // text node Leptos hydrates in place is not painted again (largest contentful
            // paint stays at the server's render).
            <h1 id="data-heading">{t_string!(i18n, data.heading).to_string()}</h1>
            <p class="lead">{t_string!(i18n, data.intro, number = d.number.clone()).to_string()}</p>
            {move || {
                filed()
                    .map(|f| {
                        view! {
                            <p class="ok" role="status">
                                {t!(i18n, data.filed, field = field_label(i18n, f))}
                            </p>
                        }
                    })
            }}
        </section>

        <section class="card" aria-labelledby="what-heading">
            <h2 id="what-heading">{t!(i18n, data.what_heading)}</h2>
            <ul class="rows" data-testid="fields">
                {d
                    .fields
                    .iter()
                    .map(|f| view! { <FieldRow f=f.clone() locale printing /> })
                    .collect_view()}
                <li data-testid="field-invoice_numbers">
                    <p class="row-title">{t!(i18n, data.field.invoice_numbers)}</p>
                    <p class="value">{d.invoice_numbers.join(", ")}</p>
                    <p class="source">{t!(i18n, data.source_creditor_plain, creditor = creditor.clone())}</p>
                </li>
            </ul>
        </section>

        <section class="card" aria-labelledby="why-heading">
            <h2 id="why-heading">{t!(i18n, data.why_heading)}</h2>
            <p>{t!(i18n, data.why, creditor = creditor.clone())}</p>
            <p class="note">{t!(i18n, data.why_basis)}</p>
        </section>

        <section class="card" aria-labelledby="where-heading">
            <h2 id="where-heading">{t!(i18n, data.where_heading)}</h2>
            <p data-testid="storage">{storage}</p>
        </section>

        <section class="card" aria-labelledby="who-heading">
            <h2 id="who-heading">{t!(i18n, data.who_heading)}</h2>
            <ul class="plain" data-testid="recipients">
                {agency
                    .recipients
                    .iter()
                    .map(|r| {
                        let role = match r.role {
                            RecipientRole::Payments => {
                                t_string!(i18n, data.role_payments).to_string()
                            }
                            RecipientRole::CollectionPartner => {
                                t_string!(i18n, data.role_partner).to_string()
                            }
                            RecipientRole::Authorities => {
                                t_string!(i18n, data.role_authorities).to_string()
                            }
                        };
                        let name = r.name.clone();
                        view! {
                            <li>
                                {(!name.is_empty()).then(|| view! { <strong>{name}</strong> ": " })}
                                {role}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <p>{t!(i18n, data.never_sold)}</p>
        </section>

        <section class="card" aria-labelledby="how-long-heading">
            <h2 id="how-long-heading">{t!(i18n, data.how_long_heading)}</h2>
            <p data-testid="retention">{keep}</p>
        </section>

        {(!d.counsellors.is_empty()).then(|| view! {
            <Counsellors records=d.counsellors.clone() locale />
        })}
        {(!d.deferrals.is_empty() || !d.pauses.is_empty()).then(|| view! {
            <Arrangements deferrals=d.deferrals.clone() pauses=d.pauses.clone() locale />
        })}
        {(!d.financial_situation.is_empty()).then(|| view! {
            <FinancialSituation records=d.financial_situation.clone() locale printing />
        })}

        <section class="card" id="requests" aria-labelledby="requests-heading">
            <h2 id="requests-heading">{t!(i18n, data.requests_heading)}</h2>
            {if d.corrections.is_empty() {
                view! { <p class="note">{t!(i18n, data.no_requests)}</p> }.into_any()
            } else {
                view! {
                    <ul class="rows" data-testid="requests">
                        {d
                            .corrections
                            .iter()
                            .map(|c| view! { <RequestRow c=c.clone() locale /> })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>

        <section class="card" aria-labelledby="rights-heading">
            <h2 id="rights-heading">{t!(i18n, data.rights_heading)}</h2>
            <ul class="plain">
                <li>{t!(i18n, data.right_access)}</li>
                <li>{t!(i18n, data.right_rectify)}</li>
                <li>{t!(i18n, data.right_portability)}</li>
                <li>{t!(i18n, data.right_object)}</li>
                <li>{t!(i18n, data.right_complain)}</li>
            </ul>
            <p class="note">
                {t!(i18n, data.contact, email = agency.email.clone(), phone = agency.phone.clone())}
            </p>
        </section>

        {(!printing)
            .then(|| {
                view! {
                    <nav class="card links" aria-label=move || t_string!(i18n, data.downloads_label).to_string()>
                        <a class="button secondary" href="/dossier/data/export.json" download="">
                            {t!(i18n, data.download_json)}
                        </a>
                        <a class="button secondary" href="/dossier/data/print">
                            {t!(i18n, data.printable)}
                        </a>
                        <a class="button secondary" href="/dossier">
                            {t!(i18n, data.back)}
                        </a>
                    </nav>
                }
            })}
    }
}

#[component]
fn FieldRow(f: FieldView, locale: Locale, printing: bool) -> impl IntoView {
    let i18n = use_i18n();
    let date = move |day| format::date(locale, day);
    let label = field_label(i18n, f.field);
    let source = f.source.clone().map(|s| match s {
        Source::Creditor { name, on } => {
            t_string!(i18n, data.source_creditor, creditor = name, date = date(on)).to_string()
        }
        Source::Correction { on } => {
            t_string!(i18n, data.source_correction, date = date(on)).to_string()
        }
    });
    let value = match (f.value.clone(), f.field.sensitive() && !printing) {
        (None, _) => view! { <p class="value muted">{t!(i18n, data.not_held)}</p> }.into_any(),
        (Some(v), false) => view! { <p class="value">{v}</p> }.into_any(),
        // Masked against onlookers; `<details>` reveals it without JavaScript.
        (Some(v), true) => view! {
            <details class="masked">
                <summary>
                    <span aria-hidden="true">"••••••••"</span>
                    " "
                    {t!(i18n, data.show_value)}
                </summary>
                <p class="value">{v}</p>
            </details>
        }
        .into_any(),
    };
    let href = format!("/dossier/data/correct?field={}", f.field.as_str());
    view! {
        <li data-testid=format!("field-{}", f.field.as_str())>
            <p class="row-title">{label}</p>
            {value}
            {source.map(|s| view! { <p class="source">{s}</p> })}
            {(!printing)
                .then(|| {
                    if f.open_request {
                        view! { <p class="note">{t!(i18n, data.request_open)}</p> }.into_any()
                    } else {
                        view! {
                            <a class="text-link" href=href.clone()>
                                {t!(i18n, data.correct_link)}
                            </a>
                        }
                            .into_any()
                    }
                })}
        </li>
    }
}

#[component]
fn RequestRow(c: CorrectionView, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let date = move |day| format::date(locale, day);
    let status = match c.status {
        CorrectionState::Submitted => {
            t_string!(i18n, data.status_submitted, date = date(c.due)).to_string()
        }
        CorrectionState::Accepted => t_string!(i18n, data.status_accepted).to_string(),
        CorrectionState::Rejected => t_string!(i18n, data.status_rejected).to_string(),
    };
    let proposed = if c.proposed.is_empty() {
        t_string!(i18n, data.proposed_empty).to_string()
    } else {
        c.proposed.clone()
    };
    view! {
        <li>
            <p class="row-title">{field_label(i18n, c.field)} ": " {proposed}</p>
            <p class="row-detail">{t!(i18n, data.filed_on, date = date(c.filed))}</p>
            <p class=move || format!("status {:?}", c.status).to_lowercase()>{status}</p>
            {c
                .staff_note
                .clone()
                .map(|n| view! { <p class="note">{t!(i18n, data.staff_note, note = n)}</p> })}
        </li>
    }
}

/// `/dossier/data/correct?field=...`: propose a new value for one field.
#[component]
pub fn CorrectField() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let field = move || query.read().get("field").and_then(|f| Field::parse(&f));
    let data = Resource::new(|| false, get_personal_data);
    let action = ServerAction::<RequestCorrection>::new();
    let error = move || action.value().get().and_then(Result::err);
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, data.correct_title).to_string()) />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let d = match data.await {
                    Ok(d) => d,
                    Err(Refusal::NotSignedIn) => return view! { <Redirect path="/" /> }.into_any(),
                    Err(Refusal::NotGranted) => return view! { <Redirect path="/dossier" /> }.into_any(),
                    Err(Refusal::NeedsSecret) => return needs_secret_redirect().into_any(),
                    Err(Refusal::Unavailable) => {
                        return view! {
                            <p class="alert" role="alert">{t!(i18n, common.unavailable)}</p>
                        }
                            .into_any();
                    }
                };
                let Some(field) = field().filter(|f| f.applies_to(d.business)) else {
                    return view! { <Redirect path="/dossier/data" /> }.into_any();
                };
                let current = d
                    .fields
                    .iter()
                    .find(|f| f.field == field)
                    .and_then(|f| f.value.clone());
                let label = field_label(i18n, field);
                let value_problem = move || match error() {
                    Some(CorrectionError::Value { problem, .. }) => Some(problem),
                    _ => None,
                };
                let reason_problem = move || match error() {
                    Some(CorrectionError::Reason { problem }) => Some(problem),
                    _ => None,
                };
                let form_error = move || match error() {
                    Some(CorrectionError::Duplicate) => {
                        Some(t_string!(i18n, data.error.duplicate).to_string())
                    }
                    Some(CorrectionError::Refused(crate::Refusal::Unavailable) | CorrectionError::UnknownField) => {
                        Some(t_string!(i18n, common.unavailable).to_string())
                    }
                    _ => None,
                };
                let typed = move || match error() {
                    Some(CorrectionError::Value { value, .. }) => Some(value),
                    _ => None,
                };
                view! {
                    <section class="card" aria-labelledby="correct-heading">
                        <h1 id="correct-heading">{t!(i18n, data.correct_heading, field = label.clone())}</h1>
                        <p class="lead">{t!(i18n, data.correct_intro)}</p>
                        <p>
                            {t!(i18n, data.current_value)} " "
                            <strong>
                                {current.clone().unwrap_or_else(|| t_string!(i18n, data.not_held).to_string())}
                            </strong>
                        </p>
                        <Show when=move || form_error().is_some()>
                            <p class="alert" role="alert">{form_error}</p>
                        </Show>
                        <ActionForm action attr:class="form" attr:novalidate="">
                            <input type="hidden" name="field" value=field.as_str() />
                            <div class="field">
                                <label for="value">{t!(i18n, data.new_value, field = label.clone())}</label>
                                <p class="hint" id="value-hint">{t!(i18n, data.new_value_hint)}</p>
                                {move || {
                                    value_problem()
                                        .map(|p| {
                                            view! {
                                                <p class="field-error" id="value-error">
                                                    {problem_text(i18n, p)}
                                                </p>
                                            }
                                        })
                                }}
                                <input
                                    id="value"
                                    name="value"
                                    type="text"
                                    value=move || typed().or_else(|| current.clone()).unwrap_or_default()
                                    aria-invalid=move || value_problem().is_some().to_string()
                                    aria-describedby=move || {
                                        if value_problem().is_some() { "value-hint value-error" } else { "value-hint" }
                                    }
                                />
                            </div>
                            <div class="field">
                                <label for="reason">{t!(i18n, data.reason_label)}</label>
                                {move || {
                                    reason_problem()
                                        .map(|p| {
                                            view! {
                                                <p class="field-error" id="reason-error">
                                                    {problem_text(i18n, p)}
                                                </p>
                                            }
                                        })
                                }}
                                <textarea id="reason" name="reason" rows="3" maxlength="1000"></textarea>
                            </div>
                            <button type="submit" class="button primary" disabled=move || action.pending().get()>
                                {t!(i18n, data.submit_request)}
                            </button>
                        </ActionForm>
                        <p><a class="text-link" href="/dossier/data">{t!(i18n, data.back_to_data)}</a></p>
                    </section>
                }
                    .into_any()
            })}
        </Suspense>
    }
}

fn problem_text(i18n: leptos_i18n::I18nContext<Locale>, problem: Problem) -> String {
    match problem {
        Problem::Required => t_string!(i18n, data.error.required),
        Problem::TooLong => t_string!(i18n, data.error.too_long),
        Problem::Email => t_string!(i18n, data.error.email),
        Problem::Postcode => t_string!(i18n, data.error.postcode),
        Problem::Phone => t_string!(i18n, data.error.phone),
        Problem::Kvk => t_string!(i18n, data.error.kvk),
        Problem::Vat => t_string!(i18n, data.error.vat),
        Problem::Date => t_string!(i18n, data.error.date),
        Problem::IdDocument => t_string!(i18n, data.error.id_document),
        Problem::Unchanged => t_string!(i18n, data.error.unchanged),
    }
    .to_string()
}

/// The income and expenses statements sent with plan requests: category, source, purpose,
/// what was sent and until when it is kept (`domain::PLAN_BUDGET_KEPT_MONTHS`).
#[component]
fn FinancialSituation(
    records: Vec<crate::budget::FinancialRecord>,
    locale: Locale,
    printing: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    view! {
        <section class="card" aria-labelledby="financial-heading" data-testid="financial-situation">
            <h2 id="financial-heading">{t!(i18n, budget.data.heading)}</h2>
            <p>{t!(i18n, budget.data.intro)}</p>
            <p>{t_string!(i18n, budget.data.keep, months = domain::PLAN_BUDGET_KEPT_MONTHS).to_string()}</p>
            <ul class="rows">
                {records.into_iter().map(|r| {
                    let amounts = [
                        ("budget.line.net_income", r.net_income),
                        ("budget.line.housing", r.housing),
                        ("budget.line.health_insurance", r.health_insurance),
                        ("budget.line.childcare", r.childcare),
                        ("budget.line.other_debts", r.other_debts),
                        ("budget.line.other_fixed", r.other_fixed),
                    ];
                    view! {
                        <li data-testid="financial-record">
                            <p class="row-title">{t!(i18n, budget.data.sent_on, date = format::date(locale, r.sent_on))}</p>
                            <dl class="facts">
                                <dt>{t!(i18n, budget.data.household)}</dt>
                                <dd>{crate::pages::household_label(i18n, &r.household)}</dd>
                                {amounts.into_iter().map(|(key, amount)| view! {
                                    <dt>{crate::pages::line_label(i18n, key)}</dt>
                                    <dd>{money(amount)}</dd>
                                }).collect_view()}
                                <dt>{t!(i18n, budget.data.protected)}</dt>
                                <dd>{money(r.protected)}</dd>
                                <dt>{t!(i18n, budget.data.capacity)}</dt>
                                <dd>{money(r.capacity)}</dd>
                                {(!r.files.is_empty()).then(|| view! {
                                    <dt>{t!(i18n, budget.data.files)}</dt>
                                    <dd>
                                        {r.files.iter().map(|f| if printing {
                                            view! { <span>{f.name.clone()} " "</span> }.into_any()
                                        } else {
                                            view! { <a href=format!("/dossier/plan/budget/file/{}", f.id)>{f.name.clone()}</a> " " }.into_any()
                                        }).collect_view()}
                                    </dd>
                                })}
                            </dl>
                            <p class="note" data-testid="financial-keep">{match r.keep_until {
                                Some(date) => t_string!(i18n, budget.data.keep_until, date = format::date(locale, date)).to_string(),
                                None => t_string!(i18n, budget.data.keep_running).to_string(),
                            }}</p>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Debt counsellors who were let in: recipients of the data, ended grants too.
#[component]
fn Counsellors(records: Vec<crate::model::CounsellorRecord>, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let date = move |d| crate::format::date(locale, d);
    view! {
        <section class="card" aria-labelledby="counsellors-heading" data-testid="data-counsellors">
            <h2 id="counsellors-heading">{t!(i18n, data.counsellors.heading)}</h2>
            <p class="note">{t!(i18n, data.counsellors.intro)}</p>
            <ul class="plain">
                {records.into_iter().map(|r| {
                    let who = format!("{} ({}, {})", r.name, r.organisation, r.email);
                    let scope = if r.personal_data {
                        t_string!(i18n, counsellor.access.sees_data).to_string()
                    } else {
                        t_string!(i18n, counsellor.access.sees_claim).to_string()
                    };
                    let period = match r.ended {
                        Some(ended) => t_string!(i18n, data.counsellors.ended, since = date(r.since), ended = date(ended)).to_string(),
                        None => t_string!(i18n, counsellor.access.since, date = date(r.since)).to_string(),
                    };
                    view! { <li><strong>{who}</strong> " " {period} " " {scope}</li> }
                }).collect_view()}
            </ul>
            <p><a href="/dossier/access">{t!(i18n, counsellor.access.link)}</a></p>
        </section>
    }
}

/// Requests to pay later and pauses in collection: what the debtor wrote and what was recorded.
#[component]
fn Arrangements(
    deferrals: Vec<crate::model::DeferralRecord>,
    pauses: Vec<crate::model::PauseRecord>,
    locale: Locale,
) -> impl IntoView {
    let i18n = use_i18n();
    let date = move |d| crate::format::date(locale, d);
    view! {
        <section class="card" aria-labelledby="arrangements-heading" data-testid="arrangements">
            <h2 id="arrangements-heading">{t!(i18n, data.arrangements.heading)}</h2>
            <p class="note">{t!(i18n, data.arrangements.intro)}</p>
            <ul class="plain">
                {deferrals.into_iter().map(|d| {
                    let status = match d.status.as_str() {
                        "granted" => t_string!(i18n, data.arrangements.status.granted),
                        "needs_review" => t_string!(i18n, data.arrangements.status.needs_review),
                        "rejected" => t_string!(i18n, data.arrangements.status.rejected),
                        "kept" => t_string!(i18n, data.arrangements.status.kept),
                        _ => t_string!(i18n, data.arrangements.status.broken),
                    }
                    .to_string();
                    view! {
                    <li data-testid="data-deferral">
                        {t!(i18n, data.arrangements.deferral, asked = date(d.asked_on), day = date(d.pay_by), status)}
                        {d.reason.map(|r| view! { <p class="prewrap">{t!(i18n, data.arrangements.reason)} " " {r}</p> })}
                    </li>
                    }
                }).collect_view()}
                {pauses.into_iter().map(|p| view! {
                    <li data-testid="data-pause">
                        {t!(i18n, data.arrangements.pause, from = date(p.from), until = date(p.until), by = p.requested_by.clone())}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}
