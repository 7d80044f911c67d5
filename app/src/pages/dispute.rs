//! `/dossier/disputes`: "Klopt er iets niet?" Dispute an invoice or the whole claim, or
//! complain about us, with files; see what happened to earlier ones. The form is a plain
//! multipart POST to `/dossier/disputes` (a route in the server crate), so it works without
//! JavaScript; a refused form comes back here with the problem and the typed text in the
//! URL.

use crate::dispute::{DisputePage, DisputeRow, FilingProblem, KINDS};
use crate::errors::Refusal;
use crate::format;
use crate::i18n::{Locale, t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// The page's data: the invoices and the debtor's disputes.
#[server(prefix = "/api", endpoint = "dispute_page")]
pub async fn get_dispute_page() -> Result<DisputePage, Refusal> {
    let (services, _, dossier_id) = crate::ssr::require_area(domain::Area::Arrangements).await?;
    crate::ssr::dispute::page(&services, &dossier_id, chrono::Utc::now())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "dispute page");
            Refusal::Unavailable
        })
}

type I18n = leptos_i18n::I18nContext<Locale>;

fn kind_label(i18n: I18n, kind: &str) -> String {
    match kind {
        "already_paid" => t_string!(i18n, dispute.kind.already_paid),
        "never_received" => t_string!(i18n, dispute.kind.never_received),
        "wrong_amount" => t_string!(i18n, dispute.kind.wrong_amount),
        "not_mine" => t_string!(i18n, dispute.kind.not_mine),
        "complaint" => t_string!(i18n, dispute.kind.complaint),
        _ => t_string!(i18n, dispute.kind.other),
    }
    .to_string()
}

pub(crate) fn status_text(i18n: I18n, locale: Locale, d: &DisputeRow) -> String {
    let date = move |day| format::date(locale, day);
    match (d.status.as_str(), d.decision.as_deref()) {
        ("open", _) => t_string!(i18n, dispute.status.open, date = date(d.ack_due)).to_string(),
        ("acknowledged", _) => t_string!(
            i18n,
            dispute.status.acknowledged,
            date = date(d.decision_due)
        )
        .to_string(),
        (_, Some("upheld")) => t_string!(i18n, dispute.status.upheld).to_string(),
        (_, Some("paid")) => t_string!(i18n, dispute.status.paid).to_string(),
        _ => t_string!(i18n, dispute.status.rejected).to_string(),
    }
}

fn problem_text(i18n: I18n, problem: FilingProblem, file: &str, max_mb: usize) -> String {
    let file = file.to_owned();
    match problem {
        FilingProblem::Kind => t_string!(i18n, dispute.error.kind).to_string(),
        FilingProblem::Explanation => t_string!(i18n, dispute.error.explanation).to_string(),
        FilingProblem::TooLong => t_string!(i18n, dispute.error.too_long).to_string(),
        FilingProblem::Invoice => t_string!(i18n, dispute.error.invoice).to_string(),
        FilingProblem::FileType => t_string!(i18n, dispute.error.file_type, file).to_string(),
        FilingProblem::FileTooLarge => {
            t_string!(i18n, dispute.error.file_too_large, file, mb = max_mb).to_string()
        }
        FilingProblem::FileEmpty => t_string!(i18n, dispute.error.file_empty, file).to_string(),
        FilingProblem::TooManyFiles => t_string!(i18n, dispute.error.too_many_files).to_string(),
        FilingProblem::AlreadyOpen => t_string!(i18n, dispute.error.already_open).to_string(),
        FilingProblem::Unavailable => t_string!(i18n, common.unavailable).to_string(),
    }
}

#[component]
pub fn DisputesPage() -> impl IntoView {
    let i18n = use_i18n();
    let page = Resource::new(|| (), |_| get_dispute_page());
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, dispute.page_title).to_string()) />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let locale = i18n.get_locale();
                Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! { <DisputeBody p locale /> }.into_any(),
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

#[component]
fn DisputeBody(p: DisputePage, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let q = query.read_untracked();
    let problem = q.get("error").and_then(|c| FilingProblem::parse(&c));
    let file = q.get("file").unwrap_or_default();
    let typed_text = q.get("text").unwrap_or_default();
    let typed_kind = q.get("kind").unwrap_or_default();
    let chosen_invoice = q.get("invoice").unwrap_or_default();
    let filed = q.get("filed").is_some();
    drop(q);
    let max_mb = p.max_file_mb;
    let message = problem.map(|pr| problem_text(i18n, pr, &file, max_mb));
    let field_error = |which: &'static str| {
        let on_field = match problem {
            Some(FilingProblem::Kind) => "kind",
            Some(FilingProblem::Explanation | FilingProblem::TooLong) => "explanation",
            Some(FilingProblem::Invoice) => "invoice",
            Some(pr) if pr.is_about_files() => "files",
            _ => "",
        };
        (on_field == which).then(|| message.clone()).flatten()
    };
    let form_error = match problem {
        Some(FilingProblem::AlreadyOpen | FilingProblem::Unavailable) => message.clone(),
        _ => None,
    };
    let kind_error = field_error("kind");
    let invoice_error = field_error("invoice");
    let text_error = field_error("explanation");
    let files_error = field_error("files");
    let described = |error: &Option<String>, id: &'static str, hint: &'static str| {
        if error.is_some() {
            format!("{hint} {id}")
        } else {
            hint.to_owned()
        }
    };
    view! {
        <section class="card" aria-labelledby="dispute-heading">
            // Plain text (this view is rebuilt when the language changes): hydrated in place,
            // not painted again.
            <h1 id="dispute-heading">{t_string!(i18n, dispute.heading).to_string()}</h1>
            <p class="lead">{t_string!(i18n, dispute.intro).to_string()}</p>
            {filed.then(|| view! { <p class="notice" role="status" data-testid="dispute-filed">{t!(i18n, dispute.filed)}</p> })}
            {form_error.map(|m| view! { <p class="alert" role="alert">{m}</p> })}
            <form
                method="post"
                action="/dossier/disputes"
                enctype="multipart/form-data"
                class="form"
                novalidate=""
                data-testid="dispute-form"
            >
                <div class="field">
                    <label for="invoice">{t!(i18n, dispute.invoice_label)}</label>
                    {invoice_error.clone().map(|m| view! { <p class="field-error" id="invoice-error">{m}</p> })}
                    <select id="invoice" name="invoice" aria-invalid=invoice_error.is_some().to_string()>
                        <option value="all" selected=chosen_invoice.is_empty() || chosen_invoice == "all">
                            {t!(i18n, dispute.whole_dossier)}
                        </option>
                        {p.invoices.iter().map(|inv| {
                            let id = inv.id.to_string();
                            let selected = id == chosen_invoice;
                            view! {
                                <option value=id.clone() selected=selected>
                                    {t!(i18n, dossier.invoice_number, number = inv.number.clone())}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                    <p class="hint">{t!(i18n, dispute.complaint_hint)}</p>
                </div>
                <fieldset class="field" aria-describedby=described(&kind_error, "kind-error", "kind-hint")>
                    <legend>{t!(i18n, dispute.kind_label)}</legend>
                    <p class="hint" id="kind-hint">{t!(i18n, dispute.kind_hint)}</p>
                    {kind_error.clone().map(|m| view! { <p class="field-error" id="kind-error">{m}</p> })}
                    {KINDS.iter().map(|&k| {
                        let id = format!("kind-{k}");
                        view! {
                            <div class="choice">
                                <input type="radio" id=id.clone() name="kind" value=k checked=typed_kind == k />
                                <label for=id>{kind_label(i18n, k)}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <div class="field">
                    <label for="explanation">{t!(i18n, dispute.explanation_label)}</label>
                    <p class="hint" id="explanation-hint">{t!(i18n, dispute.explanation_hint)}</p>
                    {text_error.clone().map(|m| view! { <p class="field-error" id="explanation-error">{m}</p> })}
                    <textarea
                        id="explanation"
                        name="explanation"
                        rows="5"
                        maxlength="2000"
                        aria-invalid=text_error.is_some().to_string()
                        aria-describedby=described(&text_error, "explanation-error", "explanation-hint")
                    >
                        {typed_text}
                    </textarea>
                </div>
                <div class="field">
                    <label for="files">{t!(i18n, dispute.files_label)}</label>
                    <p class="hint" id="files-hint">
                        {t!(i18n, dispute.files_hint, count = p.max_files, mb = max_mb)}
                    </p>
                    {files_error.clone().map(|m| view! { <p class="field-error" id="files-error" data-testid="files-error">{m}</p> })}
                    <input
                        type="file"
                        id="files"
                        name="files"
                        multiple=""
                        accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
                        aria-invalid=files_error.is_some().to_string()
                        aria-describedby=described(&files_error, "files-error", "files-hint")
                    />
                </div>
                <button type="submit" class="button primary" data-testid="submit-dispute">
                    {t!(i18n, dispute.submit)}
                </button>
            </form>
        </section>
        <section class="card" aria-labelledby="my-disputes-heading">
            <h2 id="my-disputes-heading">{t!(i18n, dispute.list_heading)}</h2>
            {if p.disputes.is_empty() {
                view! { <p>{t!(i18n, dispute.none)}</p> }.into_any()
            } else {
                view! {
                    <ul class="rows" data-testid="dispute-list">
                        {p.disputes.into_iter().map(|d| view! { <DisputeItem d locale /> }).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        <nav class="card links">
            <a class="button secondary" href="/dossier">{t!(i18n, data.back)}</a>
        </nav>
    }
}

#[component]
fn DisputeItem(d: DisputeRow, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let what = match &d.invoice {
        Some(number) => {
            t_string!(i18n, dossier.invoice_number, number = number.clone()).to_string()
        }
        None if d.kind == "complaint" => t_string!(i18n, dispute.about_us).to_string(),
        None => t_string!(i18n, dispute.whole_dossier).to_string(),
    };
    let status = status_text(i18n, locale, &d);
    view! {
        <li data-testid="dispute-item" data-status=d.status.clone() data-decision=d.decision.clone().unwrap_or_default()>
            <p class="row-title">{kind_label(i18n, &d.kind)} " — " {what}</p>
            <p class="row-detail">{t!(i18n, dispute.filed_on, date = format::date(locale, d.filed))}</p>
            <p class="status" data-testid="dispute-status">{status}</p>
            <p class="quote">{d.explanation.clone()}</p>
            {(!d.files.is_empty()).then(|| view! {
                <ul class="plain">
                    {d.files.iter().map(|f| view! {
                        <li><a href=format!("/dossier/disputes/file/{}", f.id)>{f.name.clone()}</a> " (" {f.size_kb} " kB)"</li>
                    }).collect_view()}
                </ul>
            })}
            {d.ack_note.clone().map(|n| view! { <p class="note">{t!(i18n, dispute.ack_note, note = n)}</p> })}
            {d.answer.clone().map(|n| view! { <p class="note" data-testid="dispute-answer">{t!(i18n, dispute.answer, note = n)}</p> })}
        </li>
    }
}
