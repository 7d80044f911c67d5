//! Home after sign-in: what is owed and why, and the ways to pay.

use crate::errors::Refusal;
use crate::format;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::model::ClaimOverview;
use claim::{
    ClaimView, CostBasisView, CostView, EntryKind, EntryView, InterestDerivation, InvoiceView,
    LetterView,
};
use domain::{InvoiceCostStatus, LetterUse};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// The claim of the signed-in debtor's own dossier (the id comes from the session).
#[server(prefix = "/api", endpoint = "claim_overview")]
pub async fn get_claim_overview() -> Result<ClaimOverview, Refusal> {
    let (services, current) = crate::ssr::require_session().await?;
    let dossier_id = current
        .session
        .dossier_id
        .clone()
        .ok_or(Refusal::NotSignedIn)?;
    let pay_only = current.holder == domain::Holder::PayOnly;
    let mut overview =
        crate::ssr::dossier::claim_overview(&services, &dossier_id, pay_only, chrono::Utc::now())
            .await?;
    overview.acting = crate::ssr::counsellor::banner(&current);
    Ok(overview)
}

/// Ends the session on the server and removes the cookie.
#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), Refusal> {
    use crate::ssr::{services, session};
    use leptos::server_fn::error::FromServerFnError;
    let services = services().map_err(Refusal::from_server_fn_error)?;
    let parts = expect_context::<http::request::Parts>();
    if let Some(token) = session::token_from_headers(&parts.headers) {
        services
            .store
            .delete_session(token.expose())
            .await
            .map_err(|e| crate::ssr::unavailable("sign out", e))?;
    }
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(
        http::header::SET_COOKIE,
        session::clear_cookie(&services.settings),
    );
    leptos_axum::redirect("/");
    Ok(())
}

/// A sign-out button (a form, so it works without JavaScript).
#[component]
pub fn SignOutButton() -> impl IntoView {
    let i18n = use_i18n();
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <ActionForm action=sign_out attr:class="inline-form">
            <button type="submit" class="button secondary">
                {t!(i18n, dossier.sign_out)}
            </button>
        </ActionForm>
    }
}

/// Home after sign-in.
#[component]
pub fn Dossier() -> impl IntoView {
    let i18n = use_i18n();
    let overview = Resource::new(|| (), |_| get_claim_overview());
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, dossier.page_title).to_string()) />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let locale = i18n.get_locale();
                Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! { <Overview o locale /> }.into_any(),
                        Err(Refusal::NotSignedIn) => view! { <Redirect path="/" /> }.into_any(),
                        Err(_) => {
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
fn Overview(o: ClaimOverview, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    let as_of = format::date(locale, o.as_of);
    let number = o.number.clone();
    let sign_in_href = format!("/?dossier={}", o.number);
    let acting = o.acting.clone();
    let debtor = !o.pay_only && acting.is_none();
    let personal_data = debtor || acting.as_ref().is_some_and(|a| a.personal_data);
    view! {
        {acting
            .clone()
            .map(|a| {
                let name = format!("{} ({})", a.name, a.organisation);
                view! {
                    <section class="card notice" role="status" data-testid="acting-banner">
                        <p>{t!(i18n, counsellor.acting.banner, name)}</p>
                        <p>
                            {if a.personal_data {
                                t_string!(i18n, counsellor.acting.with_data).to_string()
                            } else {
                                t_string!(i18n, counsellor.acting.without_data).to_string()
                            }}
                        </p>
                        <a class="button secondary" href="/counsellor/dossiers">
                            {t!(i18n, counsellor.acting.back)}
                        </a>
                    </section>
                }
            })}
        <section class="card balance" aria-labelledby="dossier-heading">
            <h1 id="dossier-heading">{t!(i18n, dossier.heading)}</h1>
            <dl class="facts">
                <div>
                    <dt>{t!(i18n, dossier.number_label)}</dt>
                    <dd data-testid="dossier-number">{number}</dd>
                </div>
                <div>
                    <dt>{t!(i18n, dossier.creditor_label)}</dt>
                    <dd>{o.creditor.clone()}</dd>
                </div>
            </dl>
            <p class="open-label">{t!(i18n, dossier.open_as_of, date = as_of)}</p>
            <p class="open-amount" data-testid="open-total">{money(o.open_total)}</p>
            {o.open_total.is_zero().then(|| view! { <p class="ok">{t!(i18n, dossier.settled)}</p> })}
        </section>
        <super::PayForms o=o.clone() locale />
        {o
            .pay_only
            .then(|| {
                view! {
                    <section class="card notice" data-testid="pay-only-notice">
                        <p>{t!(i18n, dossier.pay_only_notice)}</p>
                        <a class="button secondary" href=sign_in_href.clone()>
                            {t!(i18n, dossier.pay_only_sign_in)}
                        </a>
                    </section>
                }
            })}
        {o
            .paused_until
            .map(|until| {
                view! {
                    <section class="card notice" role="status" data-testid="paused">
                        <p>{t!(i18n, dossier.paused, date = crate::format::date(locale, until))}</p>
                    </section>
                }
            })}
        {o
            .claim
            .clone()
            .map(|claim| {
                let pay_intent = (o.can_pay_online && !o.open_total.is_zero())
                    .then(|| o.pay_intent.clone());
                view! { <Breakdown claim pay_intent locale /> }
            })}
        <nav class="card links" aria-label=move || t_string!(i18n, dossier.more_label).to_string()>
            {(!o.pay_only)
                .then(|| {
                    view! {
                        <a href="/dossier/plan" class="button secondary" data-testid="plan-link">
                            {t!(i18n, dossier.plan_link)}
                        </a>
                        <a href="/dossier/later" class="button secondary" data-testid="later-link">
                            {t!(i18n, later.link)}
                        </a>
                        {personal_data.then(|| view! {
                            <a href="/dossier/data" class="button secondary">
                                {t!(i18n, dossier.my_data_link)}
                            </a>
                        })}
                        <a href="/dossier/disputes" class="button secondary" data-testid="disputes-link">
                            {t!(i18n, dispute.link)}
                        </a>
                        {debtor.then(|| view! {
                            <a href="/dossier/messages" class="button secondary" data-testid="messages-link">
                                {t!(i18n, messages.link)}
                            </a>
                            <a href="/dossier/access" class="button secondary" data-testid="access-link">
                                {t!(i18n, counsellor.access.link)}
                            </a>
                        })}
                    }
                })}
            {acting.is_none().then(|| view! { <SignOutButton /> })}
        </nav>
    }
}

/// The sums, and behind each the derivation, line by line. `<details>` opens without
/// JavaScript.
#[component]
fn Breakdown(claim: ClaimView, pay_intent: Option<String>, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    let totals = claim.totals;
    let received = totals.received;
    // Shown as a deduction.
    let paid = totals.paid_total.checked_neg().unwrap_or(totals.paid_total);
    let rule = claim.interest_rule;
    let consumer = rule == claim::InterestRule::Consumer;
    view! {
        <section class="card" aria-labelledby="breakdown-heading">
            <h2 id="breakdown-heading">{t!(i18n, dossier.breakdown_heading)}</h2>
            <table class="sums">
                <tbody>
                    <tr>
                        <th scope="row">{t!(i18n, dossier.principal)}</th>
                        <td data-testid="principal-total">{money(totals.owed.principal)}</td>
                    </tr>
                    <tr>
                        <th scope="row">{t!(i18n, dossier.interest)}</th>
                        <td data-testid="interest-total">{money(totals.owed.interest)}</td>
                    </tr>
                    <tr>
                        <th scope="row">{t!(i18n, dossier.costs)}</th>
                        <td data-testid="costs-total">{money(totals.owed.costs)}</td>
                    </tr>
                    <tr>
                        <th scope="row">{t!(i18n, dossier.paid)}</th>
                        <td data-testid="paid-total">{money(paid)}</td>
                    </tr>
                    <tr class="total">
                        <th scope="row">{t!(i18n, dossier.open)}</th>
                        <td>{money(totals.open_total)}</td>
                    </tr>
                </tbody>
            </table>
            {claim.dossier_on_hold.then(|| view! {
                <p class="notice" data-testid="dossier-on-hold">{t!(i18n, dispute.dossier_on_hold)}</p>
            })}
            {(!totals.credit.is_zero())
                .then(|| {
                    view! { <p class="note">{t!(i18n, dossier.credit, amount = money(totals.credit))}</p> }
                })}

            <details class="derivation">
                <summary>
                    {t!(i18n, dossier.invoices_heading, count = claim.invoices.len())}
                </summary>
                <ul class="rows">
                    {claim
                        .invoices
                        .iter()
                        .map(|inv| {
                            view! { <InvoiceRow inv=inv.clone() pay_intent=pay_intent.clone() locale /> }
                        })
                        .collect_view()}
                </ul>
            </details>

            <details class="derivation" data-testid="interest-derivation">
                <summary>{t!(i18n, dossier.interest_heading, amount = money(totals.owed.interest))}</summary>
                <p class="note">
                    {if consumer {
                        t_string!(i18n, dossier.interest_rule_consumer).to_string()
                    } else {
                        t_string!(i18n, dossier.interest_rule_commercial).to_string()
                    }}
                </p>
                <p class="note">{t!(i18n, dossier.interest_compounding)}</p>
                <p class="note">{t!(i18n, dossier.interest_method)}</p>
                {claim
                    .invoices
                    .iter()
                    .map(|inv| view! { <InvoiceInterest inv=inv.clone() locale /> })
                    .collect_view()}
                {(!claim.rates_used.is_empty())
                    .then(|| {
                        let date = move |d| format::date(locale, d);
                        view! {
                            <h3>{t!(i18n, dossier.rates_used_heading)}</h3>
                            <ul class="plain" data-testid="rates-used">
                                {claim
                                    .rates_used
                                    .iter()
                                    .map(|r| {
                                        let rate = format::percent(locale, r.rate_bp);
                                        match r.until {
                                            Some(until) => view! {
                                                <li>{t!(i18n, dossier.rate_period, rate = rate, from = date(r.from), until = date(until))}</li>
                                            }
                                                .into_any(),
                                            None => view! {
                                                <li>{t!(i18n, dossier.rate_period_open, rate = rate, from = date(r.from))}</li>
                                            }
                                                .into_any(),
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                    })}
                {claim
                    .uses_unreviewed_rates
                    .then(|| view! { <p class="note">{t!(i18n, dossier.interest_unreviewed)}</p> })}
                {(!totals.interest_paid_surplus.is_zero())
                    .then(|| {
                        view! {
                            <p class="note" data-testid="interest-paid-surplus">
                                {t!(i18n, dossier.interest_paid_surplus, amount = money(totals.interest_paid_surplus))}
                            </p>
                        }
                    })}
            </details>

            <details class="derivation" data-testid="costs-derivation">
                <summary>{t!(i18n, dossier.costs_heading, amount = money(totals.owed.costs))}</summary>
                {claim
                    .costs
                    .iter()
                    .map(|cost| view! { <CostDerivation cost=cost.clone() locale /> })
                    .collect_view()}
            </details>

            <details class="derivation" data-testid="letter-timeline">
                <summary>{t!(i18n, dossier.letters_heading)}</summary>
                <CostTimeline claim=claim.clone() locale />
            </details>

            <details class="derivation" data-testid="payments-derivation">
                <summary>{t!(i18n, dossier.payments_heading, amount = money(received))}</summary>
                {if claim.entries.is_empty() {
                    view! { <p class="note">{t!(i18n, dossier.no_payments)}</p> }.into_any()
                } else {
                    view! {
                        <p class="note">{t!(i18n, dossier.allocation_rule)}</p>
                        <ul class="rows">
                            {claim
                                .entries
                                .iter()
                                .map(|e| {
                                    let chosen = e
                                        .chosen_invoice
                                        .and_then(|id| claim.invoice(id))
                                        .map(|inv| inv.number.clone());
                                    view! { <EntryRow entry=e.clone() chosen locale /> }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
            </details>
        </section>
    }
}

#[component]
fn InvoiceRow(inv: InvoiceView, pay_intent: Option<String>, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    let date = move |d| format::date(locale, d);
    // Art. 6:43 lid 1 BW: the debtor may pay this invoice by name (a plain form, no script).
    let open_for_payment = inv.open_for_payment();
    let pay_this = pay_intent
        .filter(|_| open_for_payment.is_positive())
        .map(|intent| {
            view! {
                <form method="post" action="/api/start_payment" class="form">
                    <input type="hidden" name="intent" value=format!("{intent}-inv-{}", inv.id) />
                    <input type="hidden" name="invoice" value=inv.id.to_string() />
                    <button type="submit" class="button secondary" data-testid="pay-invoice">
                        {t!(i18n, pay.invoice, amount = money(open_for_payment))}
                    </button>
                    <p class="hint">{t!(i18n, pay.invoice_hint)}</p>
                </form>
            }
        });
    view! {
        <li>
            <p class="row-title">{t!(i18n, dossier.invoice_number, number = inv.number.clone())}</p>
            <p class="row-detail">
                {t!(
                    i18n, dossier.invoice_dates, date = date(inv.invoice_date), due = date(inv.due_date)
                )}
            </p>
            <dl class="pairs">
                <dt>{t!(i18n, dossier.invoice_amount)}</dt>
                <dd>{money(inv.principal)}</dd>
                <dt>{t!(i18n, dossier.invoice_open)}</dt>
                <dd>{money(inv.principal_open)}</dd>
            </dl>
            {inv.on_hold.then(|| view! {
                <p class="notice" data-testid="invoice-on-hold">{t!(i18n, dispute.on_hold)}</p>
            })}
            {(!inv.principal_written_off.is_zero()).then(|| view! {
                <p class="note">{t!(i18n, dispute.written_off, amount = money(inv.principal_written_off))}</p>
            })}
            <p>
                <a class="text-link" href=format!("/dossier/disputes?invoice={}", inv.id) data-testid="dispute-invoice">
                    {t!(i18n, dispute.link)}
                </a>
            </p>
            {pay_this}
        </li>
    }
}

#[component]
fn InvoiceInterest(inv: InvoiceView, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    view! {
        <section class="sub">
            <h3>
                {t!(i18n, dossier.invoice_number, number = inv.number.clone())} ": "
                {money(inv.interest)}
            </h3>
            {inv.derivation.clone().map(|d| view! { <InterestTable d locale /> })}
        </section>
    }
}

#[component]
fn InterestTable(d: InterestDerivation, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    let date = move |day| format::date(locale, day);
    view! {
        <p class="row-detail">
            {t!(
                i18n, dossier.interest_on, amount = money(d.principal), from = date(d.due_date), until = date(d.until)
            )}
        </p>
        <div class="table-scroll">
            <table class="lines">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, dossier.col_period)}</th>
                        <th scope="col">{t!(i18n, dossier.col_days)}</th>
                        <th scope="col">{t!(i18n, dossier.col_rate)}</th>
                        <th scope="col">{t!(i18n, dossier.col_base)}</th>
                        <th scope="col">{t!(i18n, dossier.col_interest)}</th>
                    </tr>
                </thead>
                <tbody>
                    {d
                        .years
                        .iter()
                        .flat_map(|y| y.lines.iter().copied())
                        .map(|l| {
                            view! {
                                <tr class=if l.paused { "paused" } else { "" }>
                                    <td>
                                        {date(l.from)} " – " {date(l.to)}
                                        {l.paused.then(|| view! { " " <span class="muted" data-testid="paused-line">{t!(i18n, dispute.paused)}</span> })}
                                    </td>
                                    <td>{l.days} "/" {l.year_days}</td>
                                    <td>{format::percent(locale, l.rate_bp)}</td>
                                    <td>{money(l.base)}</td>
                                    <td>{money(l.interest)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
                <tfoot>
                    <tr>
                        <th scope="row" colspan="4">{t!(i18n, dossier.col_total)}</th>
                        <td>{money(d.total)}</td>
                    </tr>
                </tfoot>
            </table>
        </div>
        {(!d.changes.is_empty() || d.years.iter().any(|y| y.complete))
            .then(|| {
                view! {
                    <ul class="rows" data-testid="interest-base-changes">
                        {d
                            .changes
                            .iter()
                            .map(|c| {
                                view! {
                                    <li>
                                        {t!(
                                            i18n, dossier.interest_base_change, date = date(c.day), interest = money(c.interest), principal = money(c.principal), base = money(c.base_after)
                                        )}
                                    </li>
                                }
                            })
                            .collect_view()}
                        {d
                            .years
                            .iter()
                            .filter(|y| y.complete)
                            .map(|y| {
                                view! {
                                    <li>
                                        {t!(
                                            i18n, dossier.interest_year_added, date = date(y.to), interest = money(y.interest), paid = money(y.paid), added = money(y.capitalised)
                                        )}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
            })}
    }
}

#[component]
fn CostDerivation(cost: CostView, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    let Some(wik) = cost.wik.clone() else {
        return view! {
            <p>{t!(i18n, dossier.other_costs, amount = money(cost.amount))}</p>
        }
        .into_any();
    };
    view! {
        <p class="note">{t!(i18n, dossier.wik_intro, principal = money(wik.principal))}</p>
        <div class="table-scroll">
            <table class="lines">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, dossier.col_band)}</th>
                        <th scope="col">{t!(i18n, dossier.col_rate)}</th>
                        <th scope="col">{t!(i18n, dossier.col_base)}</th>
                        <th scope="col">{t!(i18n, dossier.col_costs)}</th>
                    </tr>
                </thead>
                <tbody>
                    {wik
                        .lines
                        .iter()
                        .map(|l| {
                            let band = match l.band_to {
                                Some(to) => format!("{} – {}", money(l.band_from), money(to)),
                                None => format!("> {}", money(l.band_from)),
                            };
                            view! {
                                <tr>
                                    <td>{band}</td>
                                    <td>{format::percent(locale, l.rate_bp)}</td>
                                    <td>{money(l.base)}</td>
                                    <td>{money(l.cost)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
                <tfoot>
                    <tr>
                        <th scope="row" colspan="3">{t!(i18n, dossier.wik_computed)}</th>
                        <td>{money(wik.computed)}</td>
                    </tr>
                </tfoot>
            </table>
        </div>
        {wik
            .minimum_applied
            .then(|| view! { <p class="note">{t!(i18n, dossier.wik_minimum)}</p> })}
        {wik.cap_applied.then(|| view! { <p class="note">{t!(i18n, dossier.wik_cap)}</p> })}
        {if wik.vat.is_zero() {
            view! { <p class="note">{t!(i18n, dossier.wik_no_vat)}</p> }.into_any()
        } else {
            view! {
                <p class="note">
                    {t!(
                        i18n, dossier.wik_vat, rate = format::percent(locale, wik.vat_rate_bp), amount = money(wik.vat)
                    )}
                </p>
            }
                .into_any()
        }}
        {wik
            .capped_to
            .map(|amount| {
                view! { <p class="note">{t!(i18n, dossier.wik_announced_cap, amount = money(amount))}</p> }
            })}
        {(!wik.paid_surplus.is_zero())
            .then(|| {
                view! {
                    <p class="note">
                        {t!(i18n, dossier.wik_paid_surplus, amount = money(wik.paid_surplus))}
                    </p>
                }
            })}
        <p class="row-title">{t!(i18n, dossier.wik_total, amount = money(cost.amount))}</p>
    }
        .into_any()
}

/// Why collection costs apply, or do not: each 14-day letter with its dates and the invoices
/// it counts for, and the invoices no letter counts for (art. 6:96 lid 6 BW).
#[component]
fn CostTimeline(claim: ClaimView, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    let basis: CostBasisView = claim.cost_basis.clone();
    let number = {
        let claim = claim.clone();
        move |id: domain::ClaimItemId| {
            claim
                .invoice(id)
                .map(|i| i.number.clone())
                .unwrap_or_default()
        }
    };
    if basis.business {
        return view! { <p class="note">{t!(i18n, dossier.letters_business)}</p> }.into_any();
    }
    let no_costs: Vec<String> = basis
        .invoices
        .iter()
        .filter(|i| i.status == InvoiceCostStatus::NoValidLetter)
        .map(|i| number(i.invoice_id))
        .collect();
    let paid_in_term: Vec<(String, domain::Money)> = basis
        .invoices
        .iter()
        .filter(|i| i.paid_in_term.is_positive())
        .map(|i| (number(i.invoice_id), i.paid_in_term))
        .collect();
    view! {
        <p class="note">{t!(i18n, dossier.letters_rule)}</p>
        {if basis.letters.is_empty() {
            view! { <p data-testid="no-letters">{t!(i18n, dossier.letters_none)}</p> }.into_any()
        } else {
            view! {
                <ol class="rows timeline">
                    {basis
                        .letters
                        .iter()
                        .map(|letter| view! { <LetterItem letter=letter.clone() claim=claim.clone() locale /> })
                        .collect_view()}
                </ol>
            }
                .into_any()
        }}
        {no_costs
            .into_iter()
            .map(|n| {
                view! { <p class="note" data-testid="invoice-no-costs">{t!(i18n, dossier.invoice_no_costs, number = n)}</p> }
            })
            .collect_view()}
        {paid_in_term
            .into_iter()
            .map(|(n, amount)| {
                view! { <p class="note">{t!(i18n, dossier.invoice_paid_in_term, number = n, amount = money(amount))}</p> }
            })
            .collect_view()}
    }
        .into_any()
}

#[component]
fn LetterItem(letter: LetterView, claim: ClaimView, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    let date = move |d| format::date(locale, d);
    let term = letter.term;
    view! {
        <li data-testid="letter">
            <p class="row-title">{t!(i18n, dossier.letter_title, date = date(term.sent_on))}</p>
            <p class="row-detail">{t!(i18n, dossier.letter_received, date = date(term.received_on))}</p>
            <p class="row-detail">{t!(i18n, dossier.letter_last_day, date = date(term.last_day_to_pay))}</p>
            {if letter.term_ended {
                view! { <p>{t!(i18n, dossier.letter_costs_from, date = date(term.costs_from))}</p> }.into_any()
            } else {
                view! {
                    <p class="notice">{t!(i18n, dossier.letter_running, date = date(term.last_day_to_pay))}</p>
                }
                    .into_any()
            }}
            {letter
                .costs_announced
                .map(|amount| view! { <p class="note">{t!(i18n, dossier.letter_announced, amount = money(amount))}</p> })}
            <ul class="plain">
                {letter
                    .invoices
                    .iter()
                    .map(|&(id, use_)| {
                        let invoice = claim.invoice(id);
                        let n = invoice.map(|i| i.number.clone()).unwrap_or_default();
                        match (use_, invoice) {
                            (LetterUse::Valid, _) => {
                                view! { <li>{t!(i18n, dossier.letter_counts, number = n)}</li> }.into_any()
                            }
                            (LetterUse::SentBeforeDue, i) => {
                                let due = i.map(|i| date(i.due_date)).unwrap_or_default();
                                view! {
                                    <li data-testid="letter-before-due">
                                        {t!(i18n, dossier.letter_before_due, number = n, due = due)}
                                    </li>
                                }
                                    .into_any()
                            }
                        }
                    })
                    .collect_view()}
            </ul>
        </li>
    }
}

#[component]
fn EntryRow(entry: EntryView, chosen: Option<String>, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |m| format::money(locale, m);
    let kind = move || match entry.kind {
        EntryKind::Payment => t_string!(i18n, dossier.entry_payment).to_string(),
        EntryKind::Refund => t_string!(i18n, dossier.entry_refund).to_string(),
        EntryKind::Chargeback => t_string!(i18n, dossier.entry_chargeback).to_string(),
        EntryKind::Adjustment => t_string!(i18n, dossier.entry_adjustment).to_string(),
    };
    let a = entry.allocation;
    // Which rule divided a payment: the debtor's choice of invoice (art. 6:43 lid 1 BW) or,
    // without one, the order of art. 6:43 lid 2 and 6:44 BW.
    let rule = (entry.kind == EntryKind::Payment).then(|| match chosen {
        Some(number) => view! {
            <p class="note" data-testid="entry-rule">{t!(i18n, dossier.entry_chosen, number = number)}</p>
        }
        .into_any(),
        None => view! { <p class="note" data-testid="entry-rule">{t!(i18n, dossier.entry_no_choice)}</p> }
            .into_any(),
    });
    view! {
        <li>
            <p class="row-title">
                {format::date(locale, entry.date)} " · " {kind} ": " {money(entry.amount)}
            </p>
            {rule}
            <dl class="pairs">
                <dt>{t!(i18n, dossier.costs)}</dt>
                <dd>{money(a.costs)}</dd>
                <dt>{t!(i18n, dossier.interest)}</dt>
                <dd>{money(a.interest)}</dd>
                <dt>{t!(i18n, dossier.principal)}</dt>
                <dd>{money(a.principal)}</dd>
                {(!entry.unallocated.is_zero())
                    .then(|| {
                        view! {
                            <dt>{t!(i18n, dossier.unallocated)}</dt>
                            <dd>{money(entry.unallocated)}</dd>
                        }
                    })}
            </dl>
        </li>
    }
}
