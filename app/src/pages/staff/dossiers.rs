use super::{
    CorrectionRow, StaffDossierView, StaffError, StaffNav, correction_status_label, field_label,
    shown,
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
