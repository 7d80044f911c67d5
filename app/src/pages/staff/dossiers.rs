use super::{
    CorrectionRow, PauseRow, StaffDossierView, StaffError, StaffNav, correction_status_label,
    field_label, shown,
};
use crate::i18n::{t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// One dossier with its debtor's personal data and correction history. Audited as a staff
/// view of personal data.
#[server(prefix = "/api", endpoint = "staff_dossier")]
pub async fn get_staff_dossier(number: String) -> Result<StaffDossierView, StaffError> {
    use crate::ssr::{client_ip, staff};
    let (services, me) = staff::require_staff().await?;
    staff::dossier_view(&services, &me, &number, client_ip(), chrono::Utc::now()).await
}

/// Revokes every letter link of the dossier (a lost letter); back to the dossier, which
/// says so.
#[server(prefix = "/api", endpoint = "staff_revoke_links")]
pub async fn revoke_links(number: String) -> Result<(), StaffError> {
    use crate::ssr::{client_ip, staff};
    let (services, me) = staff::require_staff().await?;
    let number =
        staff::revoke_links(&services, &me, &number, client_ip(), chrono::Utc::now()).await?;
    leptos_axum::redirect(&format!("/staff/dossiers?number={number}&revoked=1"));
    Ok(())
}

/// Pauses collection from today to `until` at the request of municipal debt help; back to the
/// dossier, which shows it (or the problem by its field).
#[server(prefix = "/api", endpoint = "staff_pause")]
pub async fn start_pause(
    number: String,
    until: String,
    requested_by: String,
    note: Option<String>,
) -> Result<(), StaffError> {
    use crate::ssr::{client_ip, staff};
    let (services, me) = staff::require_staff().await?;
    let form = (
        until.as_str(),
        requested_by.as_str(),
        note.as_deref().unwrap_or_default(),
    );
    let to = match staff::dossiers::start_pause(
        &services,
        &me,
        &number,
        form,
        client_ip(),
        chrono::Utc::now(),
    )
    .await?
    {
        Ok(number) => format!("/staff/dossiers?number={number}&paused=1"),
        Err(problem) => format!(
            "/staff/dossiers?number={}&pause_error={}",
            number.trim(),
            problem.code()
        ),
    };
    leptos_axum::redirect(&to);
    Ok(())
}

/// Ends a running pause today; back to the dossier.
#[server(prefix = "/api", endpoint = "staff_end_pause")]
pub async fn end_pause(number: String, pause: domain::PauseId) -> Result<(), StaffError> {
    use crate::ssr::{client_ip, staff};
    let (services, me) = staff::require_staff().await?;
    let number = staff::dossiers::end_pause(
        &services,
        &me,
        &number,
        &pause,
        client_ip(),
        chrono::Utc::now(),
    )
    .await?;
    leptos_axum::redirect(&format!("/staff/dossiers?number={number}"));
    Ok(())
}

/// Look up a dossier by number. A plain GET form (`?number=`), so it works without
/// JavaScript and the address can be bookmarked.
#[component]
pub fn DossierLookup() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let number = move || {
        query
            .read()
            .get("number")
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
    };
    let revoked = move || query.read().get("revoked").is_some();
    let found = Resource::new(number, |number| async move {
        match number {
            Some(number) => Some(get_staff_dossier(number).await),
            None => None,
        }
    });
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, staff.dossier.page_title).to_string()) />
        <StaffNav />
        <section class="card staff" aria-labelledby="lookup-heading">
            <h1 id="lookup-heading">{t!(i18n, staff.dossier.heading)}</h1>
            <Show when=revoked>
                <p class="notice" role="status">{t!(i18n, staff.dossier.revoked)}</p>
            </Show>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    let result = found.await;
                    let field_error = match &result {
                        Some(Err(StaffError::BadDossier { .. })) => {
                            Some(t_string!(i18n, staff.dossier.error.bad_number).to_string())
                        }
                        Some(Err(StaffError::DossierNotFound { .. })) => {
                            Some(t_string!(i18n, staff.dossier.error.not_found).to_string())
                        }
                        _ => None,
                    };
                    let invalid = field_error.is_some();
                    view! {
                        <form method="get" action="/staff/dossiers" class="form lookup">
                            <div class="field">
                                <label for="number">{t!(i18n, staff.dossier.number_label)}</label>
                                <p class="hint" id="number-hint">
                                    {t!(i18n, staff.dossier.number_hint)}
                                </p>
                                {field_error
                                    .map(|e| {
                                        view! {
                                            <p class="field-error" id="number-error">{e}</p>
                                        }
                                    })}
                                <input
                                    id="number"
                                    name="number"
                                    type="text"
                                    autocapitalize="characters"
                                    spellcheck="false"
                                    required
                                    value=number().unwrap_or_default()
                                    aria-invalid=invalid.to_string()
                                    aria-describedby=if invalid {
                                        "number-hint number-error"
                                    } else {
                                        "number-hint"
                                    }
                                />
                            </div>
                            <button type="submit" class="button primary">
                                {t!(i18n, staff.dossier.submit)}
                            </button>
                        </form>
                        {match result {
                            Some(Ok(dossier)) => view! { <DossierDetails dossier /> }.into_any(),
                            Some(Err(StaffError::Refused(crate::Refusal::NotSignedIn))) => {
                                view! {
                                    <p class="alert" role="alert">
                                        {t!(i18n, staff.error.signed_out)} " "
                                        <a href="/staff">{t!(i18n, staff.error.sign_in_again)}</a>
                                    </p>
                                }
                                    .into_any()
                            }
                            Some(Err(StaffError::Refused(crate::Refusal::Unavailable))) => {
                                view! {
                                    <p class="alert" role="alert">
                                        {t!(i18n, staff.error.unavailable)}
                                    </p>
                                }
                                    .into_any()
                            }
                            _ => ().into_any(),
                        }}
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The dossier's status, creditor, debtor fields and correction history.
#[component]
fn DossierDetails(dossier: StaffDossierView) -> impl IntoView {
    let i18n = use_i18n();
    let status = match dossier.status.as_str() {
        "open" => t_string!(i18n, staff.dossier_status.open).to_string(),
        "plan" => t_string!(i18n, staff.dossier_status.plan).to_string(),
        "paid" => t_string!(i18n, staff.dossier_status.paid).to_string(),
        "closed" => t_string!(i18n, staff.dossier_status.closed).to_string(),
        "disputed" => t_string!(i18n, staff.dossier_status.disputed).to_string(),
        other => other.to_owned(),
    };
    let kind = dossier.debtor_kind.as_deref().map(|k| match k {
        "business" => t_string!(i18n, staff.dossier.kind_business).to_string(),
        _ => t_string!(i18n, staff.dossier.kind_person).to_string(),
    });
    let fields = dossier
        .fields
        .into_iter()
        .map(|row| {
            view! {
                <dt>{field_label(i18n, &row.field)}</dt>
                <dd>{shown(row.value)}</dd>
            }
        })
        .collect_view();
    let history = dossier.corrections;
    let no_history = history.is_empty();
    let number = dossier.number.clone();
    view! {
        <article class="dossier-view" aria-labelledby="dossier-view-heading">
            <h2 id="dossier-view-heading" data-testid="staff-dossier-number">{dossier.number}</h2>
            <dl class="facts">
                <dt>{t!(i18n, staff.dossier.status)}</dt>
                <dd>{status}</dd>
                <dt>{t!(i18n, staff.dossier.creditor)}</dt>
                <dd>{dossier.creditor}</dd>
                <dt>{t!(i18n, staff.dossier.debtor_kind)}</dt>
                <dd>{shown(kind)}</dd>
            </dl>
            <h3>{t!(i18n, staff.dossier.debtor_heading)}</h3>
            <dl class="facts">{fields}</dl>
            <h3>{t!(i18n, staff.dossier.history_heading)}</h3>
            {if no_history {
                view! { <p>{t!(i18n, staff.dossier.no_history)}</p> }.into_any()
            } else {
                view! {
                    <ol class="history">
                        {history
                            .into_iter()
                            .map(|row| view! { <HistoryEntry row /> })
                            .collect_view()}
                    </ol>
                }
                    .into_any()
            }}
            <Pauses pauses=dossier.pauses today=dossier.today number=number.clone() />
            <h3>{t!(i18n, staff.dossier.links_heading)}</h3>
            <p>{t!(i18n, staff.dossier.links_text)}</p>
            <form method="post" action="/api/staff_revoke_links" class="form">
                <input type="hidden" name="number" value=number />
                <button type="submit" class="button secondary" data-testid="revoke-links">
                    {t!(i18n, staff.dossier.revoke)}
                </button>
            </form>
        </article>
    }
}

/// Pauses in collection: the ones recorded, and the form for a new one (a plain form; a
/// problem comes back by its field through the URL).
#[component]
fn Pauses(pauses: Vec<PauseRow>, today: chrono::NaiveDate, number: String) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let date = move |d| crate::format::date(locale, d);
    let query = use_query_map();
    let problem = query.with_untracked(|q| q.get("pause_error"));
    let paused = query.with_untracked(|q| q.get("paused").is_some());
    let until_error = (problem.as_deref() == Some("until"))
        .then(|| t_string!(i18n, staff.pause.error_until).to_string());
    let by_error = (problem.as_deref() == Some("requested_by"))
        .then(|| t_string!(i18n, staff.pause.error_requested_by).to_string());
    let running = pauses.iter().any(|p| p.running);
    let max = today
        .checked_add_days(chrono::Days::new(domain::MAX_PAUSE_DAYS))
        .unwrap_or(today);
    let default_until = today
        .checked_add_months(chrono::Months::new(2))
        .unwrap_or(today);
    let rows = pauses
        .into_iter()
        .map(|p| {
            let number = number.clone();
            view! {
                <li class="history-item" data-testid="pause" data-running=p.running.to_string()>
                    <p class="history-title">
                        <strong>{date(p.from)} " – " {date(p.until)}</strong>
                    </p>
                    <dl class="facts">
                        <dt>{t!(i18n, staff.pause.requested_by)}</dt>
                        <dd>{p.requested_by.clone()}</dd>
                        <dt>{t!(i18n, staff.dossier.staff_note)}</dt>
                        <dd class="prewrap">{shown(p.note.clone())}</dd>
                        <dt>{t!(i18n, staff.pause.created_by)}</dt>
                        <dd>{p.created_by.clone()}</dd>
                    </dl>
                    {p.running.then(|| view! {
                        <form method="post" action="/api/staff_end_pause" class="form">
                            <input type="hidden" name="number" value=number />
                            <input type="hidden" name="pause" value=p.id.to_string() />
                            <button type="submit" class="button secondary">{t!(i18n, staff.pause.end)}</button>
                        </form>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <h3>{t!(i18n, staff.pause.heading)}</h3>
        <p>{t!(i18n, staff.pause.intro)}</p>
        {paused.then(|| view! { <p class="notice" role="status">{t!(i18n, staff.pause.done)}</p> })}
        <ol class="history">{rows}</ol>
        {(!running).then(|| view! {
            <form method="post" action="/api/staff_pause" class="form" novalidate>
                <input type="hidden" name="number" value=number.clone() />
                <div class="field">
                    <label for="pause-until">{t!(i18n, staff.pause.until_label)}</label>
                    {until_error.clone().map(|e| view! { <p class="field-error" id="pause-until-error">{e}</p> })}
                    <input id="pause-until" name="until" type="date" min=today.to_string() max=max.to_string()
                        value=default_until.to_string() required
                        aria-invalid=until_error.is_some().to_string()
                        aria-describedby=until_error.as_ref().map(|_| "pause-until-error") />
                </div>
                <div class="field">
                    <label for="pause-by">{t!(i18n, staff.pause.requested_by_label)}</label>
                    {by_error.clone().map(|e| view! { <p class="field-error" id="pause-by-error">{e}</p> })}
                    <input id="pause-by" name="requested_by" type="text" maxlength="200" required
                        aria-invalid=by_error.is_some().to_string()
                        aria-describedby=by_error.as_ref().map(|_| "pause-by-error") />
                </div>
                <div class="field">
                    <label for="pause-note">{t!(i18n, staff.dossier.staff_note)}</label>
                    <textarea id="pause-note" name="note" rows="2" maxlength="2000"></textarea>
                </div>
                <button type="submit" class="button secondary" data-testid="start-pause">{t!(i18n, staff.pause.start)}</button>
            </form>
        })}
    }
}

/// One correction request in a dossier's history.
#[component]
fn HistoryEntry(row: CorrectionRow) -> impl IntoView {
    let i18n = use_i18n();
    let decided = row.decided.map(|at| match row.decided_by {
        Some(by) => format!("{at} ({by})"),
        None => at,
    });
    let proposed = if row.proposed_value.trim().is_empty() {
        t_string!(i18n, staff.queue.remove_value).to_string()
    } else {
        row.proposed_value
    };
    view! {
        <li class="history-item" data-status=row.status.clone()>
            <p class="history-title">
                <strong>{field_label(i18n, &row.field)}</strong>
                " · "
                <span class="badge">{correction_status_label(i18n, &row.status)}</span>
            </p>
            <dl class="facts">
                <dt>{t!(i18n, staff.queue.value_when_asked)}</dt>
                <dd>{shown(row.value_when_asked)}</dd>
                <dt>{t!(i18n, staff.queue.proposed)}</dt>
                <dd>{proposed}</dd>
                <dt>{t!(i18n, staff.queue.reason)}</dt>
                <dd class="prewrap">{row.reason}</dd>
                <dt>{t!(i18n, staff.queue.received)}</dt>
                <dd>{row.received}</dd>
                <dt>{t!(i18n, staff.queue.due)}</dt>
                <dd>{row.due}</dd>
                <dt>{t!(i18n, staff.dossier.decided)}</dt>
                <dd>{shown(decided)}</dd>
                <dt>{t!(i18n, staff.dossier.staff_note)}</dt>
                <dd class="prewrap">{shown(row.staff_note)}</dd>
            </dl>
        </li>
    }
}
