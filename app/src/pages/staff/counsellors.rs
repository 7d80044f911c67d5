//! `/staff/counsellors`: municipal debt counsellors' requests for access without the
//! debtor's code, oldest first; grant or reject, always with a note the counsellor reads.

use super::StaffNav;
use crate::counsellor::{AccessError, RequestItem};
use crate::format;
use crate::i18n::{t, t_string, use_i18n};
use domain::AccessRequestId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// The waiting requests (each shown is audited for its dossier).
#[server(prefix = "/api", endpoint = "staff_access_requests")]
pub async fn get_access_requests() -> Result<Vec<RequestItem>, AccessError> {
    use crate::ssr::{client_ip, counsellor, staff};
    let (services, me) = staff::require_staff().await.map_err(|_| {
        leptos_axum::redirect("/staff");
        AccessError::Refused(crate::Refusal::NotSignedIn)
    })?;
    counsellor::request_queue(&services, &me, client_ip(), chrono::Utc::now()).await
}

/// Grants or rejects one request (a note is required either way).
#[server(prefix = "/api", endpoint = "staff_access_decide")]
pub async fn decide_access_request(
    request: AccessRequestId,
    decision: Option<String>,
    note: Option<String>,
) -> Result<(), AccessError> {
    use crate::ssr::{client_ip, counsellor, staff};
    let (services, me) = staff::require_staff()
        .await
        .map_err(|_| AccessError::Refused(crate::Refusal::NotSignedIn))?;
    let decision = decision.unwrap_or_default();
    counsellor::decide_request(
        &services,
        &me,
        &request,
        &decision,
        note.as_deref().unwrap_or_default(),
        client_ip(),
        chrono::Utc::now(),
    )
    .await?;
    leptos_axum::redirect(&format!("/staff/counsellors?done={decision}"));
    Ok(())
}

#[component]
pub fn AccessRequestQueue() -> impl IntoView {
    let i18n = use_i18n();
    let decide = ServerAction::<DecideAccessRequest>::new();
    let queue = Resource::new(move || decide.version().get(), |_| get_access_requests());
    let query = leptos_router::hooks::use_query_map();
    let done = move || match query.read().get("done").as_deref() {
        Some("grant") => Some(t_string!(i18n, staff.counsellors.done_grant).to_string()),
        Some("reject") => Some(t_string!(i18n, staff.counsellors.done_reject).to_string()),
        _ => None,
    };
    let page_error = move || match decide.value().get().and_then(Result::err) {
        Some(AccessError::DecidedEarlier { .. }) => {
            Some(t_string!(i18n, staff.counsellors.decided_earlier).to_string())
        }
        _ => None,
    };
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, staff.counsellors.page_title).to_string()) />
        <StaffNav />
        <section class="card staff" aria-labelledby="counsellors-heading">
            <h1 id="counsellors-heading">{t!(i18n, staff.counsellors.heading)}</h1>
            <p class="lead">{t!(i18n, staff.counsellors.intro)}</p>
            <Show when=move || done().is_some()>
                <p class="notice" role="status">{done}</p>
            </Show>
            <Show when=move || page_error().is_some()>
                <p class="alert" role="alert">{page_error}</p>
            </Show>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || {
                    let locale = i18n.get_locale();
                    Suspend::new(async move {
                        match queue.await {
                            Ok(items) if items.is_empty() => {
                                view! { <p data-testid="requests-empty">{t!(i18n, staff.counsellors.empty)}</p> }.into_any()
                            }
                            Ok(items) => view! {
                                <ol class="queue">
                                    {items
                                        .into_iter()
                                        .map(|item| {
                                            let id = item.id.clone();
                                            let key: String = id.as_str().chars().filter(char::is_ascii_alphanumeric).collect();
                                            let note_id = format!("request-{key}-note");
                                            let error_id = format!("request-{key}-error");
                                            let note_error = {
                                                let id = id.clone();
                                                move || match decide.value().get().and_then(Result::err) {
                                                    Some(AccessError::Decision { id: failed, .. }) if failed == id => {
                                                        Some(t_string!(i18n, staff.counsellors.note_required).to_string())
                                                    }
                                                    _ => None,
                                                }
                                            };
                                            let note_error2 = note_error.clone();
                                            let note_error3 = note_error.clone();
                                            let error_id2 = error_id.clone();
                                            let who = format!("{} ({}, {})", item.counsellor, item.organisation, item.email);
                                            let scope = if item.personal_data {
                                                t_string!(i18n, staff.counsellors.scope_data).to_string()
                                            } else {
                                                t_string!(i18n, staff.counsellors.scope_claim).to_string()
                                            };
                                            view! {
                                                <li class="queue-item" data-testid="access-request-review" data-dossier=item.number.clone()>
                                                    <article>
                                                        <h2>{item.number.clone()}</h2>
                                                        <dl class="facts">
                                                            <dt>{t!(i18n, staff.counsellors.who)}</dt>
                                                            <dd>{who}</dd>
                                                            <dt>{t!(i18n, staff.counsellors.municipality)}</dt>
                                                            <dd>{item.municipality.clone().unwrap_or_default()}</dd>
                                                            <dt>{t!(i18n, staff.counsellors.asks)}</dt>
                                                            <dd>{scope}</dd>
                                                            <dt>{t!(i18n, staff.plans.reason)}</dt>
                                                            <dd class="prewrap">{item.reason.clone()}</dd>
                                                            <dt>{t!(i18n, staff.plans.received)}</dt>
                                                            <dd>{format::date(locale, item.received)}</dd>
                                                        </dl>
                                                        <ActionForm action=decide attr:class="form decide">
                                                            <input type="hidden" name="request" value=id.to_string() />
                                                            <div class="field">
                                                                <label for=note_id.clone()>{t!(i18n, staff.counsellors.note_label)}</label>
                                                                <Show when=move || note_error().is_some()>
                                                                    <p class="field-error" id=error_id.clone()>{note_error2.clone()}</p>
                                                                </Show>
                                                                <textarea id=note_id.clone() name="note" rows="3" maxlength="2000"
                                                                    aria-invalid=move || note_error3().is_some().to_string()
                                                                    aria-describedby=error_id2.clone()
                                                                ></textarea>
                                                            </div>
                                                            <div class="decide-buttons">
                                                                <button type="submit" name="decision" value="grant" class="button primary">
                                                                    {t!(i18n, staff.counsellors.grant)}
                                                                </button>
                                                                <button type="submit" name="decision" value="reject" class="button secondary">
                                                                    {t!(i18n, staff.plans.reject)}
                                                                </button>
                                                            </div>
                                                        </ActionForm>
                                                    </article>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ol>
                            }
                            .into_any(),
                            Err(AccessError::Refused(crate::Refusal::NotSignedIn)) => {
                                view! { <Redirect path="/staff" /> }.into_any()
                            }
                            Err(_) => view! { <p class="alert" role="alert">{t!(i18n, staff.error.unavailable)}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}
