//! `/staff/payments`: payments that need a look (an amount that differs, a chargeback,
//! money after a cancel, still open after a day), refunds and chargebacks of late, and
//! exchange calls refused, with who sent them. A flagged payment can be marked handled.

use super::{StaffError, StaffNav, queue_error};
use crate::format;
use crate::i18n::{t, t_string, use_i18n};
use crate::staff::{
    FailedMailNotice, NoticeKind, PaymentAttention, PaymentNotice, RefusedCallNotice, ReturnNotice,
};
use domain::PaymentId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The attention list. Viewing it is audited.
#[server(prefix = "/api", endpoint = "staff_payments")]
pub async fn get_payment_attention() -> Result<PaymentAttention, StaffError> {
    use crate::ssr::client_ip;
    use crate::ssr::staff::{self, payments};
    let (services, me) = staff::require_staff().await?;
    payments::attention(&services, &me, client_ip(), chrono::Utc::now()).await
}

/// Marks a flagged payment handled, with a note of what was done (admins only); back to
/// the list, which says so.
#[server(prefix = "/api", endpoint = "staff_payment_resolve")]
pub async fn resolve_payment(payment: PaymentId, note: Option<String>) -> Result<(), StaffError> {
    use crate::ssr::client_ip;
    use crate::ssr::staff::{self, payments};
    let (services, me) = staff::require_staff().await?;
    let dossier = payments::resolve(
        &services,
        &me,
        &payment,
        note.as_deref().unwrap_or_default(),
        client_ip(),
        chrono::Utc::now(),
    )
    .await?;
    leptos_axum::redirect(&format!("/staff/payments?done=1&dossier={dossier}"));
    Ok(())
}

/// The page.
#[component]
pub fn PaymentAttentionPage() -> impl IntoView {
    let i18n = use_i18n();
    let resolve = ServerAction::<ResolvePayment>::new();
    let list = Resource::new(move || resolve.version().get(), |_| get_payment_attention());
    let query = use_query_map();
    let done = move || {
        let q = query.read();
        q.get("done")?;
        let dossier = q.get("dossier")?;
        dossier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
            .then(|| t_string!(i18n, staff.payments.done, dossier).to_string())
    };
    let page_error = move || match resolve.value().get().and_then(Result::err) {
        Some(StaffError::PaymentNotFlagged { .. }) => {
            Some(t_string!(i18n, staff.payments.error.not_flagged).to_string())
        }
        Some(StaffError::Forbidden) => Some(t_string!(i18n, staff.error.forbidden).to_string()),
        Some(StaffError::Refused(crate::Refusal::NotSignedIn)) => {
            Some(t_string!(i18n, staff.error.signed_out).to_string())
        }
        Some(StaffError::Refused(crate::Refusal::Unavailable)) => {
            Some(t_string!(i18n, staff.error.unavailable).to_string())
        }
        _ => None,
    };
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, staff.payments.page_title).to_string()) />
        <StaffNav />
        <section class="card staff" aria-labelledby="payments-heading">
            <h1 id="payments-heading">{t!(i18n, staff.payments.heading)}</h1>
            <p class="lead">{t!(i18n, staff.payments.intro)}</p>
            <Show when=move || done().is_some()>
                <p class="notice" role="status">{done}</p>
            </Show>
            <Show when=move || page_error().is_some()>
                <p class="alert" role="alert">{page_error}</p>
            </Show>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(attention) => view! { <AttentionLists attention resolve /> }.into_any(),
                        Err(e) => queue_error(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn AttentionLists(
    attention: PaymentAttention,
    resolve: ServerAction<ResolvePayment>,
) -> impl IntoView {
    let i18n = use_i18n();
    let days = attention.recent_days;
    let can_resolve = attention.can_resolve;
    let notices = attention.notices;
    let returns = attention.returns;
    let refused = attention.refused;
    let failed_mail = attention.failed_mail;
    view! {
        <h2 id="notices-heading">{t!(i18n, staff.payments.notices_heading)}</h2>
        {if notices.is_empty() {
            view! { <p data-testid="payments-calm">{t!(i18n, staff.payments.notices_empty)}</p> }.into_any()
        } else {
            view! {
                <ol class="queue" aria-labelledby="notices-heading">
                    {notices
                        .into_iter()
                        .map(|notice| view! { <NoticeEntry notice can_resolve resolve /> })
                        .collect_view()}
                </ol>
            }
                .into_any()
        }}
        <h2 id="returns-heading">{t!(i18n, staff.payments.returns_heading, days)}</h2>
        {if returns.is_empty() {
            view! { <p>{t!(i18n, staff.payments.returns_empty)}</p> }.into_any()
        } else {
            view! {
                <ul class="plain-list" aria-labelledby="returns-heading">
                    {returns.into_iter().map(|r| view! { <ReturnEntry item=r /> }).collect_view()}
                </ul>
            }
                .into_any()
        }}
        <h2 id="refused-heading">{t!(i18n, staff.payments.refused_heading, days)}</h2>
        <p class="hint">{t!(i18n, staff.payments.refused_hint)}</p>
        {if refused.is_empty() {
            view! { <p>{t!(i18n, staff.payments.refused_empty)}</p> }.into_any()
        } else {
            view! {
                <ul class="plain-list" aria-labelledby="refused-heading">
                    {refused.into_iter().map(|c| view! { <RefusedEntry call=c /> }).collect_view()}
                </ul>
            }
                .into_any()
        }}
        <h2 id="mail-heading">{t!(i18n, staff.payments.mail_heading)}</h2>
        <p class="hint">{t!(i18n, staff.payments.mail_hint)}</p>
        {if failed_mail.is_empty() {
            view! { <p>{t!(i18n, staff.payments.mail_empty)}</p> }.into_any()
        } else {
            view! {
                <ul class="plain-list" aria-labelledby="mail-heading">
                    {failed_mail.into_iter().map(|m| view! { <FailedMailEntry mail=m /> }).collect_view()}
                </ul>
            }
                .into_any()
        }}
    }
}

#[component]
fn FailedMailEntry(mail: FailedMailNotice) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    view! {
        <li data-testid="failed-mail">
            <strong>{when(locale, mail.at)}</strong> " · "
            <a href=format!("/staff/dossiers?number={}", mail.dossier_number)>{mail.dossier_number.clone()}</a>
            " · " <code>{mail.kind}</code> " · "
            {t!(i18n, staff.payments.mail_attempts, count = mail.attempts)}
            <br />
            <small>{mail.error}</small>
        </li>
    }
}

/// Date and time as staff read them: the date in the page's language, then `HH:MM`.
fn when(locale: crate::i18n::Locale, at: chrono::NaiveDateTime) -> String {
    format!("{} {}", format::date(locale, at.date()), at.format("%H:%M"))
}

#[component]
fn NoticeEntry(
    notice: PaymentNotice,
    can_resolve: bool,
    resolve: ServerAction<ResolvePayment>,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let kind = match notice.kind {
        NoticeKind::AmountDiffers => t_string!(i18n, staff.payments.kind.amount_differs),
        NoticeKind::ChargedBack => t_string!(i18n, staff.payments.kind.charged_back),
        NoticeKind::Flagged => t_string!(i18n, staff.payments.kind.flagged),
        NoticeKind::OpenTooLong => t_string!(i18n, staff.payments.kind.open_too_long),
    }
    .to_string();
    let payment = notice.payment_id.clone();
    let error = {
        let payment = payment.clone();
        Signal::derive(move || match resolve.value().get().and_then(Result::err) {
            Some(StaffError::PaymentNoteRequired { payment: p }) if p == payment => {
                Some(t_string!(i18n, staff.payments.error.note_required).to_string())
            }
            Some(StaffError::PaymentNoteTooLong { payment: p }) if p == payment => {
                Some(t_string!(i18n, staff.payments.error.note_too_long).to_string())
            }
            _ => None,
        })
    };
    let key: String = payment
        .as_str()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let heading_id = format!("payment-{key}");
    let note_id = format!("payment-{key}-note");
    let error_id = format!("payment-{key}-error");
    let form = (notice.flagged && can_resolve).then(|| {
        let error_id2 = error_id.clone();
        view! {
            <ActionForm action=resolve attr:class="form decide">
                <input type="hidden" name="payment" value=payment.to_string() />
                <div class="field">
                    <label for=note_id.clone()>{t!(i18n, staff.payments.note_label)}</label>
                    <Show when=move || error.get().is_some()>
                        <p class="field-error" id=error_id.clone()>{move || error.get()}</p>
                    </Show>
                    <textarea
                        id=note_id.clone()
                        name="note"
                        rows="2"
                        maxlength="2000"
                        aria-invalid=move || error.get().is_some().to_string()
                        aria-describedby=move || error.get().map(|_| error_id2.clone())
                    ></textarea>
                </div>
                <button type="submit" class="button secondary" disabled=move || resolve.pending().get()>
                    {t!(i18n, staff.payments.resolve)}
                </button>
            </ActionForm>
        }
    });
    view! {
        <li class="queue-item" data-testid="payment-notice" data-kind=format!("{:?}", notice.kind)>
            <article aria-labelledby=heading_id.clone()>
                <h3 id=heading_id.clone()>{kind} " · " {notice.dossier_number.clone()}</h3>
                <dl class="facts">
                    <dt>{t!(i18n, staff.payments.payment)}</dt>
                    <dd><code>{notice.payment_id.to_string()}</code></dd>
                    <dt>{t!(i18n, staff.payments.amount)}</dt>
                    <dd>{format::money(locale, notice.amount)}</dd>
                    <dt>{t!(i18n, staff.payments.status)}</dt>
                    <dd>{notice.status.clone()}</dd>
                    <dt>{t!(i18n, staff.payments.made)}</dt>
                    <dd>{when(locale, notice.made)}</dd>
                    <dt>{t!(i18n, staff.payments.changed)}</dt>
                    <dd>{when(locale, notice.changed)}</dd>
                    {notice.detail.clone().map(|detail| view! {
                        <dt>{t!(i18n, staff.payments.detail)}</dt>
                        <dd>{detail}</dd>
                    })}
                </dl>
                {form}
            </article>
        </li>
    }
}

#[component]
fn ReturnEntry(item: ReturnNotice) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let what = if item.chargeback {
        t_string!(i18n, staff.payments.chargeback).to_string()
    } else {
        t_string!(i18n, staff.payments.refund).to_string()
    };
    view! {
        <li data-testid="payment-return">
            <strong>{what}</strong> " · " {item.dossier_number.clone()} " · "
            {format::money(locale, item.amount)} " · " {when(locale, item.at)}
            <br />
            <small>
                {item.payment_id.map(|p| p.to_string()).unwrap_or_default()} " " {item.source.clone()}
            </small>
        </li>
    }
}

#[component]
fn RefusedEntry(call: RefusedCallNotice) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let unknown = t_string!(i18n, staff.payments.unknown).to_string();
    view! {
        <li data-testid="refused-call">
            <strong>{when(locale, call.at)}</strong> " · "
            {t!(i18n, staff.payments.caller)} " " <code>{call.caller.unwrap_or_else(|| unknown.clone())}</code>
            " · " {t!(i18n, staff.payments.order)} " " <code>{call.order.unwrap_or(unknown)}</code>
            <br />
            <small>{call.reason}</small>
        </li>
    }
}
