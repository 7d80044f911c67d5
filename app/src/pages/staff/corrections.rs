use super::{
    QueueItem, StaffError, StaffNav, correction_status_label, field_label, queue_error, shown,
};
use crate::i18n::{t, t_string, use_i18n};
use domain::CorrectionId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The open correction requests: overdue first, then oldest first. Showing them is a view of
/// personal data and is audited per dossier.
#[server(prefix = "/api", endpoint = "staff_corrections")]
pub async fn get_correction_queue() -> Result<Vec<QueueItem>, StaffError> {
    use crate::ssr::{client_ip, staff};
    let (services, me) = staff::require_staff().await?;
    staff::correction_queue(&services, &me, client_ip(), chrono::Utc::now()).await
}

/// Accepts or rejects one request (`decision` is `accept` or `reject`; a rejection needs a
/// note). Then back to the queue, which says what was done.
#[server(prefix = "/api", endpoint = "staff_decide")]
pub async fn decide_correction(
    id: CorrectionId,
    decision: Option<String>,
    note: Option<String>,
) -> Result<(), StaffError> {
    use crate::ssr::{client_ip, staff};
    let (services, me) = staff::require_staff().await?;
    let done = staff::decide(
        &services,
        &me,
        id,
        decision.as_deref().unwrap_or_default(),
        note.as_deref().unwrap_or_default(),
        client_ip(),
        chrono::Utc::now(),
    )
    .await?;
    leptos_axum::redirect(&format!(
        "/staff/corrections?decided={}&outcome={}&dossier={}",
        done.id, done.status, done.dossier
    ));
    Ok(())
}

/// The correction queue with a decision form per request.
#[component]
pub fn CorrectionQueue() -> impl IntoView {
    let i18n = use_i18n();
    let decide = ServerAction::<DecideCorrection>::new();
    // Reloaded after every decision, also a refused one (the request may be gone now).
    let queue = Resource::new(move || decide.version().get(), |_| get_correction_queue());
    let error = move || decide.value().get().and_then(Result::err);
    let query = use_query_map();
    // The outcome of the decision just made (the redirect after it carries it).
    let done = move || {
        let q = query.read();
        let dossier = q.get("dossier")?;
        if !dossier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return None;
        }
        let outcome = q.get("outcome")?;
        match outcome.as_str() {
            "accepted" => Some(t_string!(i18n, staff.queue.done_accepted, dossier).to_string()),
            "rejected" => Some(t_string!(i18n, staff.queue.done_rejected, dossier).to_string()),
            _ => None,
        }
    };
    let page_error = move || match error() {
        Some(StaffError::AlreadyDecided {
            dossier,
            status,
            by,
            ..
        }) => {
            let status = correction_status_label(i18n, &status);
            let by = by.unwrap_or_else(|| "—".to_owned());
            Some(
                t_string!(i18n, staff.queue.error.already_decided, dossier, status, by).to_string(),
            )
        }
        Some(StaffError::CorrectionNotFound { .. }) => {
            Some(t_string!(i18n, staff.queue.error.not_found).to_string())
        }
        Some(StaffError::Refused(crate::Refusal::NotSignedIn)) => {
            Some(t_string!(i18n, staff.error.signed_out).to_string())
        }
        Some(StaffError::Forbidden) => Some(t_string!(i18n, staff.error.forbidden).to_string()),
        Some(StaffError::Refused(crate::Refusal::Unavailable)) => {
            Some(t_string!(i18n, staff.error.unavailable).to_string())
        }
        _ => None,
    };
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, staff.queue.page_title).to_string()) />
        <StaffNav />
        <section class="card staff" aria-labelledby="queue-heading">
            <h1 id="queue-heading">{t!(i18n, staff.queue.heading)}</h1>
            <p class="lead">{t!(i18n, staff.queue.intro)}</p>
            <Show when=move || done().is_some()>
                <p class="notice" role="status">{done}</p>
            </Show>
            <Show when=move || page_error().is_some()>
                <p class="alert" role="alert" id="queue-error">{page_error}</p>
            </Show>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match queue.await {
                        Ok(items) if items.is_empty() => {
                            view! { <p data-testid="queue-empty">{t!(i18n, staff.queue.empty)}</p> }
                                .into_any()
                        }
                        Ok(items) => {
                            let n = items.len();
                            view! {
                                <p>{t!(i18n, staff.queue.count, n)}</p>
                                <ol class="queue">
                                    {items
                                        .into_iter()
                                        .map(|item| view! { <QueueEntry item decide /> })
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

/// One request: what the debtor asks, and the accept / reject form with its errors.
#[component]
fn QueueEntry(item: QueueItem, decide: ServerAction<DecideCorrection>) -> impl IntoView {
    let i18n = use_i18n();
    let id = item.id;
    let error = move || decide.value().get().and_then(Result::err);
    let note_error = move || match error() {
        Some(StaffError::NoteRequired { id: e }) if e == id => {
            Some(t_string!(i18n, staff.queue.error.note_required).to_string())
        }
        Some(StaffError::NoteTooLong { id: e }) if e == id => {
            Some(t_string!(i18n, staff.queue.error.note_too_long).to_string())
        }
        _ => None,
    };
    let item_error = move || match error() {
        Some(StaffError::NoDecision { id: e }) if e == id => {
            Some(t_string!(i18n, staff.queue.error.no_decision).to_string())
        }
        Some(StaffError::ValueNotStorable { id: e }) if e == id => {
            Some(t_string!(i18n, staff.queue.error.not_storable).to_string())
        }
        _ => None,
    };
    let heading_id = format!("request-{id}");
    let labelled_by = heading_id.clone();
    let note_id = format!("note-{id}");
    let note_error_id = format!("note-{id}-error");
    let hint_id = format!("note-{id}-hint");
    let field = field_label(i18n, &item.field);
    let changed_since = item.value_when_asked != item.value_now;
    let proposed = if item.proposed_value.trim().is_empty() {
        t_string!(i18n, staff.queue.remove_value).to_string()
    } else {
        item.proposed_value.clone()
    };
    let overdue = item.overdue;
    let value_now = shown(item.value_now);
    let when_asked = shown(item.value_when_asked);
    view! {
        <li class="queue-item" class:overdue=overdue data-testid="queue-item" data-id=id.get()>
            <article aria-labelledby=labelled_by>
                <h2 id=heading_id>
                    {item.dossier_number} " · " {field}
                    <Show when=move || overdue>
                        " " <span class="badge overdue">{t!(i18n, staff.queue.overdue)}</span>
                    </Show>
                </h2>
                <dl class="facts">
                    <dt>{t!(i18n, staff.queue.value_now)}</dt>
                    <dd>{value_now}</dd>
                    <Show when=move || changed_since>
                        <dt>{t!(i18n, staff.queue.value_when_asked)}</dt>
                        <dd>{when_asked.clone()}</dd>
                    </Show>
                    <dt>{t!(i18n, staff.queue.proposed)}</dt>
                    <dd>
                        <strong>{proposed}</strong>
                    </dd>
                    <dt>{t!(i18n, staff.queue.reason)}</dt>
                    <dd class="prewrap">{item.reason}</dd>
                    <dt>{t!(i18n, staff.queue.received)}</dt>
                    <dd>{item.received}</dd>
                    <dt>{t!(i18n, staff.queue.due)}</dt>
                    <dd>{item.due}</dd>
                </dl>
                <Show when=move || item_error().is_some()>
                    <p class="field-error" role="alert">{item_error}</p>
                </Show>
                <ActionForm action=decide attr:class="form decide">
                    <input type="hidden" name="id" value=id.get() />
                    <div class="field">
                        <label for=note_id.clone()>{t!(i18n, staff.queue.note_label)}</label>
                        <p class="hint" id=hint_id.clone()>{t!(i18n, staff.queue.note_hint)}</p>
                        <Show when=move || note_error().is_some()>
                            <p class="field-error" id=note_error_id.clone()>{note_error}</p>
                        </Show>
                        <textarea
                            id=note_id.clone()
                            name="note"
                            rows="3"
                            maxlength="2000"
                            aria-invalid=move || note_error().is_some().to_string()
                            aria-describedby={
                                let hint_id = hint_id.clone();
                                move || {
                                    if note_error().is_some() {
                                        format!("{hint_id} note-{id}-error")
                                    } else {
                                        hint_id.clone()
                                    }
                                }
                            }
                        ></textarea>
                    </div>
                    <div class="decide-buttons">
                        <button
                            type="submit"
                            name="decision"
                            value="accept"
                            class="button primary"
                            disabled=move || decide.pending().get()
                        >
                            {t!(i18n, staff.queue.accept)}
                        </button>
                        <button
                            type="submit"
                            name="decision"
                            value="reject"
                            class="button secondary"
                            disabled=move || decide.pending().get()
                        >
                            {t!(i18n, staff.queue.reject)}
                        </button>
                    </div>
                </ActionForm>
            </article>
        </li>
    }
}
