//! Paying: the pay forms on the dossier page and the page Pay.nl sends the payer back to.

use crate::errors::{AmountProblem, PaymentError};
use crate::format;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::model::{ClaimOverview, PaymentView};
use domain::PayStatus;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Starts a payment of the whole balance (`part` and `invoice` empty), of the typed part, or
/// of all one invoice has open (`invoice`, its `claim_item.id`: the debtor's choice, art.
/// 6:43 lid 1 BW); sends the browser to Pay.nl's payment page.
#[server(prefix = "/api", endpoint = "start_payment")]
pub async fn start_payment(
    intent: String,
    part: Option<String>,
    invoice: Option<String>,
) -> Result<(), PaymentError> {
    use crate::ssr::pay::{Asked, start};
    let (services, current) = crate::ssr::require_session()
        .await
        .map_err(|_| PaymentError::Refused(crate::Refusal::NotSignedIn))?;
    let dossier_id = current
        .session
        .dossier_id
        .clone()
        .ok_or(PaymentError::Refused(crate::Refusal::NotSignedIn))?;
    let asked = match (invoice, part) {
        (Some(invoice), _) => Asked::Invoice(invoice),
        (None, Some(p)) => Asked::Part(p),
        (None, None) => Asked::Everything,
    };
    let url = start(&services, &dossier_id, asked, &intent, chrono::Utc::now()).await?;
    leptos_axum::redirect(&url);
    Ok(())
}

/// The state of one payment, asked of Pay.nl.
#[server(prefix = "/api", endpoint = "payment_status")]
pub async fn payment_status(payment: String) -> Result<PaymentView, PaymentError> {
    let services =
        crate::ssr::services().map_err(|_| PaymentError::Refused(crate::Refusal::Unavailable))?;
    let parts = expect_context::<http::request::Parts>();
    let now = chrono::Utc::now();
    let session =
        crate::ssr::session::current(&services.store, &parts.headers, &services.settings, now)
            .await
            .ok()
            .flatten();
    let dossier = session.and_then(|s| s.session.dossier_id);
    crate::ssr::pay::status(&services, &payment, dossier.as_ref(), now)
        .await
        .inspect_err(|e| {
            crate::ssr::refuse_with(match e {
                PaymentError::NotFound => http::StatusCode::NOT_FOUND,
                _ => http::StatusCode::SERVICE_UNAVAILABLE,
            })
        })
}

/// The ways to pay, under the open amount. Plain forms: the browser goes to Pay.nl's page
/// with or without JavaScript.
#[component]
pub fn PayForms(o: ClaimOverview, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    // Reads an error that came back from a submit (carried in the URL without JavaScript).
    let action = ServerAction::<StartPayment>::new();
    let error = move || action.value().get().and_then(Result::err);
    if o.open_total.is_zero() {
        return ().into_any();
    }
    if !o.can_pay_online {
        return view! { <p class="notice">{t!(i18n, pay.offline)}</p> }.into_any();
    }
    let money = move |m| format::money(locale, m);
    let amount_problem = move || match error() {
        Some(PaymentError::Amount { problem, .. }) => Some(problem),
        _ => None,
    };
    let typed = move || match error() {
        Some(PaymentError::Amount { typed, .. }) => typed,
        _ => String::new(),
    };
    let form_error = move || match error() {
        Some(PaymentError::ProviderDown) => {
            Some(t_string!(i18n, pay.error.provider_down).to_string())
        }
        Some(PaymentError::TooManyOpen) => {
            Some(t_string!(i18n, pay.error.too_many_open).to_string())
        }
        Some(PaymentError::BalanceChanged { open }) => {
            Some(t_string!(i18n, pay.error.balance_changed, amount = money(open)).to_string())
        }
        Some(PaymentError::NothingToPay) => Some(t_string!(i18n, pay.error.nothing).to_string()),
        Some(PaymentError::Offline) => Some(t_string!(i18n, pay.offline).to_string()),
        Some(
            PaymentError::Refused(crate::Refusal::Unavailable)
            | PaymentError::NotFound
            | PaymentError::Refused(crate::Refusal::NotSignedIn),
        ) => Some(t_string!(i18n, common.unavailable).to_string()),
        _ => None,
    };
    let problem_text = move |p: AmountProblem| match p {
        AmountProblem::NotAnAmount => t_string!(i18n, pay.error.not_amount).to_string(),
        AmountProblem::NotPositive => t_string!(i18n, pay.error.not_positive).to_string(),
        AmountProblem::BelowMinimum { minimum } => {
            t_string!(i18n, pay.error.below_minimum, amount = money(minimum)).to_string()
        }
        AmountProblem::AboveOpen { open } => {
            t_string!(i18n, pay.error.above_open, amount = money(open)).to_string()
        }
    };
    let intent = o.pay_intent.clone();
    let intent_part = o.pay_intent.clone();
    let open = money(o.open_total);
    let minimum = money(o.minimum_part_payment);
    view! {
        <section class="card pay" aria-labelledby="pay-heading">
            <h2 id="pay-heading">{t!(i18n, pay.heading)}</h2>
            <Show when=move || form_error().is_some()>
                <p class="alert" role="alert">{form_error}</p>
            </Show>
            <form method="post" action="/api/start_payment" class="form">
                <input type="hidden" name="intent" value=intent />
                <button type="submit" class="button primary" data-testid="pay-all">
                    {t!(i18n, pay.all, amount = open.clone())}
                </button>
            </form>
            <details class="derivation" open=move || amount_problem().is_some()>
                <summary>{t!(i18n, pay.part_summary)}</summary>
                <form method="post" action="/api/start_payment" class="form" novalidate>
                    <input type="hidden" name="intent" value=format!("{intent_part}-part") />
                    <div class="field">
                        <label for="part">{t!(i18n, pay.part_label)}</label>
                        <p class="hint" id="part-hint">
                            {t!(i18n, pay.part_hint, minimum = minimum.clone(), open = open.clone())}
                        </p>
                        {move || {
                            amount_problem()
                                .map(|p| view! { <p class="field-error" id="part-error">{problem_text(p)}</p> })
                        }}
                        <input
                            id="part"
                            name="part"
                            type="text"
                            inputmode="decimal"
                            autocomplete="off"
                            value=typed
                            aria-invalid=move || amount_problem().is_some().to_string()
                            aria-describedby=move || {
                                if amount_problem().is_some() { "part-hint part-error" } else { "part-hint" }
                            }
                        />
                    </div>
                    <button type="submit" class="button secondary" data-testid="pay-part">
                        {t!(i18n, pay.part_submit)}
                    </button>
                </form>
            </details>
            <p class="note">{t!(i18n, pay.methods)}</p>
        </section>
    }
        .into_any()
}

/// `/pay/return/{payment}`: where Pay.nl sends the payer back. Asks our server (which asks
/// Pay.nl) and never trusts the query string Pay.nl adds.
#[component]
pub fn PayReturn() -> impl IntoView {
    let i18n = use_i18n();
    let payment = use_params_map()
        .read_untracked()
        .get("payment")
        .unwrap_or_default();
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, pay.return_title).to_string()) />
        <PaymentStatus payment />
    }
}

/// The payment's state; hydrated, it asks again every few seconds while the outcome is not
/// known (without JavaScript the debtor has a refresh link).
#[island]
fn PaymentStatus(payment: String) -> impl IntoView {
    let i18n = use_i18n();
    let status = Resource::new(move || payment.clone(), payment_status);
    Effect::new(move |_| {
        set_interval(
            move || {
                let waiting = status.get_untracked().is_some_and(|s| {
                    matches!(
                        s,
                        Ok(PaymentView {
                            state: PayStatus::Processing,
                            ..
                        })
                    )
                });
                if waiting {
                    status.refetch();
                }
            },
            std::time::Duration::from_secs(3),
        );
    });
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let locale = i18n.get_locale();
                Suspend::new(async move {
                    match status.await {
                        Ok(view) => EitherOf3::A(view! { <PaymentOutcome view locale /> }),
                        Err(PaymentError::NotFound) => {
                            EitherOf3::B(view! { <p class="alert" role="alert">{t!(i18n, pay.not_found)}</p> })
                        }
                        Err(_) => {
                            EitherOf3::C(view! { <p class="alert" role="alert">{t!(i18n, common.unavailable)}</p> })
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn PaymentOutcome(view: PaymentView, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let amount = format::money(locale, view.amount);
    let (heading, text) = match view.state {
        PayStatus::Paid => (
            t_string!(i18n, pay.paid_heading).to_string(),
            t_string!(i18n, pay.paid_text, amount = amount.clone()).to_string(),
        ),
        PayStatus::Processing => (
            t_string!(i18n, pay.processing_heading).to_string(),
            t_string!(i18n, pay.processing_text, amount = amount.clone()).to_string(),
        ),
        PayStatus::Cancelled => (
            t_string!(i18n, pay.cancelled_heading).to_string(),
            t_string!(i18n, pay.cancelled_text).to_string(),
        ),
        PayStatus::Expired => (
            t_string!(i18n, pay.expired_heading).to_string(),
            t_string!(i18n, pay.expired_text).to_string(),
        ),
        PayStatus::Failed => (
            t_string!(i18n, pay.failed_heading).to_string(),
            t_string!(i18n, pay.failed_text).to_string(),
        ),
        PayStatus::Refunded | PayStatus::ChargedBack => (
            t_string!(i18n, pay.reversed_heading).to_string(),
            t_string!(i18n, pay.reversed_text, amount = amount.clone()).to_string(),
        ),
    };
    let class = match view.state {
        PayStatus::Paid => "card outcome ok",
        PayStatus::Processing => "card outcome",
        _ => "card outcome warn",
    };
    let back = if view.signed_in { "/dossier" } else { "/" };
    view! {
        <section class=class aria-labelledby="outcome-heading" data-testid="payment-outcome" data-state=format!("{:?}", view.state).to_lowercase()>
            <h1 id="outcome-heading">{heading}</h1>
            <p role="status">{text}</p>
            {(view.state == PayStatus::Processing)
                .then(|| {
                    view! {
                        <p><a class="button secondary" href="">{t!(i18n, pay.refresh)}</a></p>
                    }
                })}
            <p>
                <a class="button primary" href=back>
                    {if view.signed_in {
                        t_string!(i18n, pay.back_to_dossier).to_string()
                    } else {
                        t_string!(i18n, pay.to_sign_in).to_string()
                    }}
                </a>
            </p>
        </section>
    }
}
