//! `/staff/disputes`: disputes and complaints not yet decided, overdue first; acknowledge,
//! decide with reasons, or book a payment shown by the proof.

use super::StaffNav;
use crate::dispute::{DisputeRow, StaffDisputeError};
use crate::format;
use crate::i18n::{Locale, t, t_string, use_i18n};
use domain::DisputeId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The queue.
#[server(prefix = "/api", endpoint = "staff_disputes")]
pub async fn get_dispute_queue() -> Result<Vec<DisputeRow>, StaffDisputeError> {
    use crate::ssr::{client_ip, dispute, staff};
    let (services, me) = staff::require_staff().await.map_err(dispute::from_staff)?;
    dispute::queue(&services, &me, client_ip(), chrono::Utc::now())
        .await
        .map_err(|e| dispute::staff_error(DisputeId::new(0), e))
}

/// Acknowledges receipt, with an optional message to the debtor.
#[server(prefix = "/api", endpoint = "staff_ack_dispute")]
pub async fn ack_dispute(id: DisputeId, note: Option<String>) -> Result<(), StaffDisputeError> {
    use crate::ssr::{client_ip, dispute, staff};
    let (services, me) = staff::require_staff().await.map_err(dispute::from_staff)?;
    dispute::acknowledge(
        &services,
        &me.username,
        id,
        note,
        client_ip(),
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| dispute::staff_error(id, e))?;
    leptos_axum::redirect(&format!("/staff/disputes?done=acknowledged&id={id}"));
    Ok(())
}

/// Decides: `decision` is `upheld`, `rejected` or `paid` (then `amount` is the payment).
#[server(prefix = "/api", endpoint = "staff_decide_dispute")]
pub async fn decide_dispute(
    id: DisputeId,
    decision: Option<String>,
    answer: Option<String>,
    amount: Option<String>,
) -> Result<(), StaffDisputeError> {
    use crate::ssr::{client_ip, dispute, staff};
    let (services, me) = staff::require_staff().await.map_err(dispute::from_staff)?;
    dispute::decide(
        &services,
        &me,
        id,
        decision.as_deref().unwrap_or_default(),
        answer.as_deref().unwrap_or_default(),
        amount.as_deref(),
        client_ip(),
        chrono::Utc::now(),
    )
    .await?;
    leptos_axum::redirect(&format!("/staff/disputes?done=decided&id={id}"));
    Ok(())
}

type I18n = leptos_i18n::I18nContext<Locale>;

fn error_text(i18n: I18n, e: &StaffDisputeError) -> String {
    match e {
        StaffDisputeError::Refused(crate::Refusal::NotSignedIn) => {
            t_string!(i18n, staff.error.signed_out).to_string()
        }
        StaffDisputeError::Forbidden { .. } => t_string!(i18n, staff.error.forbidden).to_string(),
        StaffDisputeError::NoDecision { .. } => {
            t_string!(i18n, staff.dispute.error.no_decision).to_string()
        }
        StaffDisputeError::AnswerRequired { .. } => {
            t_string!(i18n, staff.dispute.error.answer_required).to_string()
        }
        StaffDisputeError::TooLong { .. } => {
            t_string!(i18n, staff.dispute.error.too_long).to_string()
        }
        StaffDisputeError::Amount { .. } => t_string!(i18n, staff.dispute.error.amount).to_string(),
        StaffDisputeError::AlreadyDecided { .. } => {
            t_string!(i18n, staff.dispute.error.already_decided).to_string()
        }
        StaffDisputeError::NotFound { .. } => {
            t_string!(i18n, staff.dispute.error.not_found).to_string()
        }
        StaffDisputeError::Refused(_) => t_string!(i18n, staff.error.unavailable).to_string(),
    }
}

#[component]
pub fn DisputeQueue() -> impl IntoView {
    let i18n = use_i18n();
    let ack = ServerAction::<AckDispute>::new();
    let decide = ServerAction::<DecideDispute>::new();
    let queue = Resource::new(
        move || (ack.version().get(), decide.version().get()),
        |_| get_dispute_queue(),
    );
    let error = move || {
        decide
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| ack.value().get().and_then(Result::err))
            .map(|e| error_text(i18n, &e))
    };
    let query = use_query_map();
    let done = move || match query.read().get("done").as_deref() {
        Some("acknowledged") => Some(t_string!(i18n, staff.dispute.done_acknowledged).to_string()),
        Some("decided") => Some(t_string!(i18n, staff.dispute.done_decided).to_string()),
        _ => None,
    };
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, staff.dispute.page_title).to_string()) />
        <StaffNav />
        <section class="card staff" aria-labelledby="disputes-heading">
            <h1 id="disputes-heading">{t!(i18n, staff.dispute.heading)}</h1>
            <p class="lead">{t!(i18n, staff.dispute.intro)}</p>
            <Show when=move || done().is_some()>
                <p class="notice" role="status" data-testid="dispute-done">{done}</p>
            </Show>
            <Show when=move || error().is_some()>
                <p class="alert" role="alert">{error}</p>
            </Show>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || {
                    let locale = i18n.get_locale();
                    Suspend::new(async move {
                        match queue.await {
                            Ok(items) if items.is_empty() => {
                                view! { <p data-testid="disputes-empty">{t!(i18n, staff.dispute.empty)}</p> }
                                    .into_any()
                            }
                            Ok(items) => view! {
                                <ol class="queue">
                                    {items
                                        .into_iter()
                                        .map(|d| view! { <QueueCard d locale ack decide /> })
                                        .collect_view()}
                                </ol>
                            }
                                .into_any(),
                            Err(e) => view! { <p class="alert" role="alert">{error_text(i18n, &e)}</p> }
                                .into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn QueueCard(
    d: DisputeRow,
    locale: Locale,
    ack: ServerAction<AckDispute>,
    decide: ServerAction<DecideDispute>,
) -> impl IntoView {
    let i18n = use_i18n();
    let date = move |day| format::date(locale, day);
    let id = d.id;
    let what = d
        .invoice
        .clone()
        .unwrap_or_else(|| t_string!(i18n, staff.dispute.whole).to_string());
    let status = super::super::dispute::status_text(i18n, locale, &d);
    let open = d.status == "open";
    let is_complaint = d.kind == "complaint";
    view! {
        <li class=if d.overdue { "queue-item overdue" } else { "queue-item" } data-testid="dispute-card" data-id=id.get() data-overdue=d.overdue.to_string()>
            <p class="row-title">
                {d.overdue.then(|| view! { <strong class="badge">{t!(i18n, staff.dispute.overdue)}</strong> " " })}
                {d.dossier.clone()} " — " {d.kind.clone()} " — " {what}
            </p>
            <p class="row-detail">
                {t!(i18n, staff.dispute.dates, filed = date(d.filed), ack = date(d.ack_due), decision = date(d.decision_due))}
            </p>
            <p class="status">{status}</p>
            <p class="quote">{d.explanation.clone()}</p>
            {(!d.files.is_empty()).then(|| view! {
                <ul class="plain">
                    {d.files.iter().map(|f| view! {
                        <li><a href=format!("/staff/disputes/file/{}", f.id)>{f.name.clone()}</a> " (" {f.size_kb} " kB)"</li>
                    }).collect_view()}
                </ul>
            })}
            {open.then(|| view! {
                <ActionForm action=ack attr:class="form">
                    <input type="hidden" name="id" value=id.get() />
                    <div class="field">
                        <label for=format!("ack-note-{id}")>{t!(i18n, staff.dispute.ack_note_label)}</label>
                        <textarea id=format!("ack-note-{id}") name="note" rows="2" maxlength="2000"></textarea>
                    </div>
                    <button type="submit" class="button secondary" data-testid="ack-dispute">{t!(i18n, staff.dispute.acknowledge)}</button>
                </ActionForm>
            })}
            <ActionForm action=decide attr:class="form">
                <input type="hidden" name="id" value=id.get() />
                <fieldset class="field">
                    <legend>{t!(i18n, staff.dispute.decision_label)}</legend>
                    <div class="choice">
                        <input type="radio" id=format!("upheld-{id}") name="decision" value="upheld" />
                        <label for=format!("upheld-{id}")>{if is_complaint { t_string!(i18n, staff.dispute.complaint_upheld).to_string() } else { t_string!(i18n, staff.dispute.upheld).to_string() }}</label>
                    </div>
                    <div class="choice">
                        <input type="radio" id=format!("rejected-{id}") name="decision" value="rejected" />
                        <label for=format!("rejected-{id}")>{t!(i18n, staff.dispute.rejected)}</label>
                    </div>
                    {(!is_complaint).then(|| view! {
                        <div class="choice">
                            <input type="radio" id=format!("paid-{id}") name="decision" value="paid" />
                            <label for=format!("paid-{id}")>{t!(i18n, staff.dispute.paid)}</label>
                        </div>
                        <div class="field">
                            <label for=format!("amount-{id}")>{t!(i18n, staff.dispute.amount_label)}</label>
                            <input type="text" inputmode="decimal" id=format!("amount-{id}") name="amount" />
                        </div>
                    })}
                </fieldset>
                <div class="field">
                    <label for=format!("answer-{id}")>{t!(i18n, staff.dispute.answer_label)}</label>
                    <textarea id=format!("answer-{id}") name="answer" rows="3" maxlength="2000"></textarea>
                </div>
                <button type="submit" class="button primary" data-testid="decide-dispute">{t!(i18n, staff.dispute.decide)}</button>
            </ActionForm>
        </li>
    }
}
