//! `/staff/deferrals`: requests to pay later in one sum outside the agency's rules, oldest
//! first; grant, or reject with a note the debtor reads.

use super::{DeferralReviewItem, StaffError, StaffNav, queue_error};
use crate::format;
use crate::i18n::{t, t_string, use_i18n};
use domain::{DeferralBreach, DeferralId};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The waiting requests. Showing them (with the debtor's reason) is audited per dossier.
#[server(prefix = "/api", endpoint = "staff_deferrals")]
pub async fn get_deferrals() -> Result<Vec<DeferralReviewItem>, StaffError> {
    use crate::ssr::client_ip;
    use crate::ssr::staff::{self, deferrals};
    let (services, me) = staff::require_staff().await?;
    deferrals::queue(&services, &me, client_ip(), chrono::Utc::now()).await
}

/// Grants or rejects (`note` required) one request; then back to the queue.
#[server(prefix = "/api", endpoint = "staff_deferral_decide")]
pub async fn decide_deferral(
    deferral: DeferralId,
    decision: Option<String>,
    note: Option<String>,
) -> Result<(), StaffError> {
    use crate::ssr::client_ip;
    use crate::ssr::staff::{self, deferrals};
    let (services, me) = staff::require_staff().await?;
    let decision = decision.unwrap_or_default();
    let dossier = deferrals::decide(
        &services,
        &me,
        &deferral,
        &decision,
        note.as_deref().unwrap_or_default(),
        client_ip(),
        chrono::Utc::now(),
    )
    .await?;
    leptos_axum::redirect(&format!(
        "/staff/deferrals?done={decision}&dossier={dossier}"
    ));
    Ok(())
}

#[component]
pub fn DeferralQueue() -> impl IntoView {
    let i18n = use_i18n();
    let decide = ServerAction::<DecideDeferral>::new();
    let queue = Resource::new(move || decide.version().get(), |_| get_deferrals());
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
            "grant" => t_string!(i18n, staff.deferrals.done_grant, dossier),
            "reject" => t_string!(i18n, staff.deferrals.done_reject, dossier),
            _ => return None,
        };
        Some(text.to_string())
    };
    let page_error = move || match decide.value().get().and_then(Result::err) {
        Some(StaffError::DeferralAlreadyDecided { .. }) => {
            Some(t_string!(i18n, staff.deferrals.error.already_decided).to_string())
        }
        Some(StaffError::DeferralBesidePlan { .. }) => {
            Some(t_string!(i18n, staff.deferrals.error.plan).to_string())
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
        <Title text=crate::layout::title(move || t_string!(i18n, staff.deferrals.page_title).to_string()) />
        <StaffNav />
        <section class="card staff" aria-labelledby="deferrals-heading">
            <h1 id="deferrals-heading">{t!(i18n, staff.deferrals.heading)}</h1>
            <p class="lead">{t!(i18n, staff.deferrals.intro)}</p>
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
                            view! { <p data-testid="deferrals-empty">{t!(i18n, staff.deferrals.empty)}</p> }
                                .into_any()
                        }
                        Ok(items) => view! {
                            <ol class="queue">
                                {items
                                    .into_iter()
                                    .map(|item| view! { <DeferralEntry item decide /> })
                                    .collect_view()}
                            </ol>
                        }
                            .into_any(),
                        Err(e) => queue_error(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// One request: the day, what is open, the rules it breaks, the reason, and the decision.
#[component]
fn DeferralEntry(item: DeferralReviewItem, decide: ServerAction<DecideDeferral>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let money = move |m| format::money(locale, m);
    let id = item.deferral_id.clone();
    let error = {
        let id = id.clone();
        Signal::derive(move || {
            decide
                .value()
                .get()
                .and_then(Result::err)
                .and_then(|e| match &e {
                    StaffError::DeferralNoDecision { deferral }
                    | StaffError::DeferralNoteRequired { deferral }
                    | StaffError::DeferralNoteTooLong { deferral }
                        if *deferral == id =>
                    {
                        Some(e)
                    }
                    _ => None,
                })
        })
    };
    let note_error = Signal::derive(move || match error.get() {
        Some(StaffError::DeferralNoteRequired { .. }) => {
            Some(t_string!(i18n, staff.plans.error.note_required).to_string())
        }
        Some(StaffError::DeferralNoteTooLong { .. }) => {
            Some(t_string!(i18n, staff.plans.error.note_too_long).to_string())
        }
        Some(StaffError::DeferralNoDecision { .. }) => {
            Some(t_string!(i18n, staff.deferrals.error.no_decision).to_string())
        }
        _ => None,
    });
    let key: String = id
        .as_str()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let heading_id = format!("deferral-{key}");
    let note_id = format!("deferral-{key}-note");
    let note_error_id = format!("deferral-{key}-note-error");
    let breaches = item
        .breaches
        .iter()
        .map(|b| match *b {
            DeferralBreach::TooLate { max_days } => {
                t_string!(i18n, staff.deferrals.breach_late, days = max_days).to_string()
            }
            DeferralBreach::TooMuch { max_open } => {
                t_string!(i18n, staff.deferrals.breach_much, amount = money(max_open)).to_string()
            }
            DeferralBreach::UsedBefore => {
                t_string!(i18n, staff.deferrals.breach_before).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let reason = item
        .reason
        .clone()
        .unwrap_or_else(|| t_string!(i18n, staff.plans.no_reason).to_string());
    let described = {
        let note_error_id = note_error_id.clone();
        move || note_error.get().map(|_| note_error_id.clone())
    };
    view! {
        <li class="queue-item" data-testid="deferral-review" data-dossier=item.dossier_number.clone()>
            <article aria-labelledby=heading_id.clone()>
                <h2 id=heading_id.clone()>{item.dossier_number.clone()}</h2>
                <dl class="facts">
                    <dt>{t!(i18n, staff.deferrals.pay_by)}</dt>
                    <dd><strong>{format::date(locale, item.pay_by)}</strong></dd>
                    <dt>{t!(i18n, staff.plans.breaks)}</dt>
                    <dd>{breaches}</dd>
                    <dt>{t!(i18n, staff.deferrals.open_when_asked)}</dt>
                    <dd>{money(item.open_when_asked)}</dd>
                    <dt>{t!(i18n, staff.plans.open_now)}</dt>
                    <dd>{money(item.open_now)}</dd>
                    <dt>{t!(i18n, staff.plans.reason)}</dt>
                    <dd class="prewrap">{reason}</dd>
                    <dt>{t!(i18n, staff.plans.received)}</dt>
                    <dd>{item.received.clone()}</dd>
                </dl>
                <ActionForm action=decide attr:class="form decide">
                    <input type="hidden" name="deferral" value=id.to_string() />
                    <div class="field">
                        <label for=note_id.clone()>{t!(i18n, staff.plans.note_label)}</label>
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
                    <div class="decide-buttons">
                        <button type="submit" name="decision" value="grant" class="button primary" disabled=move || decide.pending().get()>
                            {t!(i18n, staff.deferrals.grant)}
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
