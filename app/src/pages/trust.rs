//! Public pages that earn trust (issue 21), no sign-in needed, plain HTML without
//! JavaScript:
//!
//! - `/check`: "Is deze brief echt van ons?" A plain form posted to `POST /check` (a route in
//!   the server crate, over `ssr::letter_check`), which answers with a 303 back here and the
//!   result in a cookie read once (`crate::trust`). Also how to recognise the agency: its
//!   domains, phone, e-mail and only bank account, and what it never asks for.
//! - `/accessibility`: the accessibility statement.
//! - `/complaints`: the complaints procedure, with the deadlines of `disputes::service`.

use crate::agency::Agency;
use crate::i18n::{t, t_string, use_i18n};
use crate::trust::{CheckOutcome, CheckResult};
use leptos::prelude::*;
use leptos_meta::Title;

/// The agency's details (the server's config); pages render on the server only.
fn agency() -> Agency {
    crate::layout::agency().unwrap_or_default()
}

/// The working days the agency holds itself to for a complaint: acknowledged within the
/// first, answered within the second (the constants the dispute service sets its deadlines
/// with, so this page cannot promise other terms than the queue enforces).
fn complaint_deadlines() -> (u32, u32) {
    #[cfg(feature = "ssr")]
    {
        (disputes::ACK_WORKING_DAYS, disputes::DECISION_WORKING_DAYS)
    }
    #[cfg(not(feature = "ssr"))]
    {
        (0, 0)
    }
}

/// The answer of the check just posted, if this request carries one; the cookie is removed
/// so a reload shows the empty form.
fn take_check_result() -> Option<CheckResult> {
    #[cfg(feature = "ssr")]
    {
        use crate::trust::CHECK_COOKIE;
        let services = use_context::<crate::ssr::Services>()?;
        let value = crate::ssr::session::take_cookie(CHECK_COOKIE, &services.settings)?;
        CheckResult::from_cookie(&value)
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// `/check`: is this letter really from us?
#[component]
pub fn LetterCheck() -> impl IntoView {
    let i18n = use_i18n();
    let a = agency();
    let result = take_check_result();
    let outcome = result.as_ref().map(|r| r.outcome);
    let typed = result.clone().unwrap_or(CheckResult {
        outcome: CheckOutcome::Missing,
        dossier: String::new(),
        date: String::new(),
        amount: String::new(),
    });
    let problem = outcome.filter(|o| o.is_input_problem());
    let dossier_error = (problem == Some(CheckOutcome::BadDossier))
        .then(|| t_string!(i18n, signin.error.bad_dossier).to_string());
    let date_error = match problem {
        Some(CheckOutcome::BadDate) => Some(t_string!(i18n, trust.check.error.bad_date)),
        Some(CheckOutcome::BadAmount) => Some(t_string!(i18n, trust.check.error.bad_amount)),
        Some(CheckOutcome::Missing) => Some(t_string!(i18n, trust.check.error.missing)),
        _ => None,
    }
    .map(|s| s.to_string());
    let answer = result
        .filter(|r| !r.outcome.is_input_problem())
        .map(|r| view! { <CheckAnswer r phone=a.phone.clone() /> });
    let described = |error: bool, id: &'static str, hint: &'static str| {
        if error {
            format!("{hint} {id}")
        } else {
            hint.to_owned()
        }
    };
    let tel = format!("tel:{}", a.phone.replace(' ', ""));
    let mail = format!("mailto:{}", a.email);
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, trust.check.page_title).to_string()) />
        <section class="card" aria-labelledby="check-heading">
            <h1 id="check-heading">{t_string!(i18n, trust.check.heading).to_string()}</h1>
            <p class="lead">{t_string!(i18n, trust.check.intro, name = a.name.clone()).to_string()}</p>
            {answer}
            <form method="post" action="/check" class="form" novalidate="" data-testid="check-form">
                <div class="field">
                    <label for="check-dossier">{t!(i18n, signin.dossier_label)}</label>
                    <p class="hint" id="check-dossier-hint">{t!(i18n, signin.dossier_hint)}</p>
                    {dossier_error.clone().map(|m| view! { <p class="field-error" id="check-dossier-error">{m}</p> })}
                    <input
                        id="check-dossier"
                        name="dossier"
                        type="text"
                        autocapitalize="characters"
                        spellcheck="false"
                        autocomplete="off"
                        required=""
                        value=typed.dossier.clone()
                        aria-invalid=dossier_error.is_some().to_string()
                        aria-describedby=described(dossier_error.is_some(), "check-dossier-error", "check-dossier-hint")
                    />
                </div>
                <fieldset class="field" aria-describedby=described(date_error.is_some(), "check-letter-error", "check-letter-hint")>
                    <legend>{t!(i18n, trust.check.letter_legend)}</legend>
                    <p class="hint" id="check-letter-hint">{t!(i18n, trust.check.letter_hint)}</p>
                    {date_error.clone().map(|m| view! { <p class="field-error" id="check-letter-error">{m}</p> })}
                    <div class="field">
                        <label for="check-date">{t!(i18n, trust.check.date_label)}</label>
                        <p class="hint" id="check-date-hint">{t!(i18n, trust.check.date_hint)}</p>
                        <input
                            id="check-date"
                            name="date"
                            type="text"
                            autocomplete="off"
                            value=typed.date.clone()
                            aria-invalid=(problem == Some(CheckOutcome::BadDate)).to_string()
                            aria-describedby="check-date-hint"
                        />
                    </div>
                    <div class="field">
                        <label for="check-amount">{t!(i18n, trust.check.amount_label)}</label>
                        <p class="hint" id="check-amount-hint">{t!(i18n, trust.check.amount_hint)}</p>
                        <input
                            id="check-amount"
                            name="amount"
                            type="text"
                            inputmode="decimal"
                            autocomplete="off"
                            value=typed.amount.clone()
                            aria-invalid=(problem == Some(CheckOutcome::BadAmount)).to_string()
                            aria-describedby="check-amount-hint"
                        />
                    </div>
                </fieldset>
                <button type="submit" class="button primary" data-testid="check-submit">
                    {t!(i18n, trust.check.submit)}
                </button>
            </form>
            <p class="note">{t!(i18n, trust.check.privacy)}</p>
        </section>
        <section class="card" aria-labelledby="ours-heading" data-testid="agency-facts">
            <h2 id="ours-heading">{t!(i18n, trust.check.ours_heading)}</h2>
            <dl class="facts">
                <div>
                    <dt>{t!(i18n, trust.check.domains_label)}</dt>
                    <dd data-testid="domains">{a.domains.join(", ")}</dd>
                </div>
                <div>
                    <dt>{t!(i18n, trust.check.phone_label)}</dt>
                    <dd><a href=tel>{a.phone.clone()}</a></dd>
                </div>
                <div>
                    <dt>{t!(i18n, trust.check.email_label)}</dt>
                    <dd><a href=mail>{a.email.clone()}</a></dd>
                </div>
                <div>
                    <dt>{t!(i18n, trust.check.bank_label)}</dt>
                    <dd data-testid="bank-account">{a.bank_account.clone()} " (" {a.name.clone()} ")"</dd>
                </div>
                <div>
                    <dt>{t!(i18n, trust.check.wki_label)}</dt>
                    <dd>{a.wki_number.clone()}</dd>
                </div>
            </dl>
            <p>{t!(i18n, trust.check.domains_note)}</p>
        </section>
        <section class="card" aria-labelledby="never-heading" data-testid="never-ask">
            <h2 id="never-heading">{t!(i18n, trust.check.never_heading)}</h2>
            <ul class="plain">
                <li>{t!(i18n, trust.check.never_code)}</li>
                <li>{t!(i18n, trust.check.never_other_account)}</li>
                <li>{t!(i18n, trust.check.never_gift_cards)}</li>
                <li>{t!(i18n, trust.check.never_bank_login)}</li>
                <li>{t!(i18n, trust.check.never_rush)}</li>
            </ul>
            <p>{t_string!(i18n, trust.check.doubt, phone = a.phone.clone(), email = a.email.clone()).to_string()}</p>
        </section>
    }
}

/// The answer to a check: yes or no, with what was checked, and nothing about the dossier.
#[component]
fn CheckAnswer(r: CheckResult, phone: String) -> impl IntoView {
    let i18n = use_i18n();
    let checked = {
        let mut parts = vec![r.dossier.clone()];
        parts.extend(
            [r.date.clone(), r.amount.clone()]
                .into_iter()
                .filter(|s| !s.is_empty()),
        );
        parts.join(", ")
    };
    match r.outcome {
        CheckOutcome::Match => view! {
            <div class="notice outcome ok" role="status" data-testid="check-result" data-outcome="match">
                <p><strong>{t!(i18n, trust.check.match_heading)}</strong></p>
                <p>{t_string!(i18n, trust.check.match_text, checked = checked).to_string()}</p>
            </div>
        }
        .into_any(),
        CheckOutcome::NoMatch => view! {
            <div class="notice outcome warn" role="status" data-testid="check-result" data-outcome="nomatch">
                <p><strong>{t!(i18n, trust.check.no_match_heading)}</strong></p>
                <p>{t_string!(i18n, trust.check.no_match_text, checked = checked).to_string()}</p>
            </div>
        }
        .into_any(),
        CheckOutcome::Throttled { minutes } => view! {
            <p class="alert" role="alert" data-testid="check-result" data-outcome="throttled">
                {t_string!(i18n, trust.check.throttled, minutes = minutes, phone = phone).to_string()}
            </p>
        }
        .into_any(),
        _ => view! {
            <p class="alert" role="alert" data-testid="check-result" data-outcome="unavailable">
                {t!(i18n, common.unavailable)}
            </p>
        }
        .into_any(),
    }
}

/// `/accessibility`: the accessibility statement.
#[component]
pub fn AccessibilityStatement() -> impl IntoView {
    let i18n = use_i18n();
    let a = agency();
    let locale = i18n.get_locale_untracked();
    let (y, m, d) = crate::trust::ACCESSIBILITY_CHECKED;
    let checked = chrono::NaiveDate::from_ymd_opt(y, m, d)
        .map(|day| crate::format::date(locale, day))
        .unwrap_or_default();
    let (ack_days, _) = complaint_deadlines();
    let tel = format!("tel:{}", a.phone.replace(' ', ""));
    let mail = format!("mailto:{}", a.email);
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, trust.a11y.page_title).to_string()) />
        <section class="card" aria-labelledby="a11y-heading">
            <h1 id="a11y-heading">{t_string!(i18n, trust.a11y.heading).to_string()}</h1>
            <p class="lead">{t_string!(i18n, trust.a11y.intro, name = a.name.clone()).to_string()}</p>
        </section>
        <section class="card" aria-labelledby="a11y-target">
            <h2 id="a11y-target">{t!(i18n, trust.a11y.target_heading)}</h2>
            <p data-testid="a11y-target">{t!(i18n, trust.a11y.target)}</p>
            <p data-testid="a11y-eaa">{t!(i18n, trust.a11y.eaa)}</p>
        </section>
        <section class="card" aria-labelledby="a11y-checked">
            <h2 id="a11y-checked">{t!(i18n, trust.a11y.checked_heading)}</h2>
            <p data-testid="a11y-date">{t_string!(i18n, trust.a11y.checked, date = checked).to_string()}</p>
            <ul class="plain">
                <li>{t!(i18n, trust.a11y.method_axe)}</li>
                <li>{t!(i18n, trust.a11y.method_lighthouse)}</li>
                <li>{t!(i18n, trust.a11y.method_e2e)}</li>
            </ul>
        </section>
        <section class="card" aria-labelledby="a11y-limits">
            <h2 id="a11y-limits">{t!(i18n, trust.a11y.limits_heading)}</h2>
            <ul class="plain">
                <li>{t!(i18n, trust.a11y.limit_manual)}</li>
                <li>{t!(i18n, trust.a11y.limit_paynl)}</li>
                <li>{t!(i18n, trust.a11y.limit_json)}</li>
                <li>{t!(i18n, trust.a11y.limit_letters)}</li>
            </ul>
        </section>
        <section class="card" aria-labelledby="a11y-report">
            <h2 id="a11y-report">{t!(i18n, trust.a11y.report_heading)}</h2>
            <p>{t_string!(i18n, trust.a11y.report, days = ack_days).to_string()}</p>
            <ul class="plain" data-testid="a11y-contact">
                <li><a href=mail>{a.email.clone()}</a></li>
                <li><a href=tel>{a.phone.clone()}</a></li>
            </ul>
            <p><a href="/complaints">{t!(i18n, trust.a11y.not_satisfied)}</a></p>
        </section>
    }
}

/// `/complaints`: the complaints procedure.
#[component]
pub fn ComplaintsProcedure() -> impl IntoView {
    let i18n = use_i18n();
    let a = agency();
    let (ack_days, decision_days) = complaint_deadlines();
    let weeks = decision_days / 5;
    let tel = format!("tel:{}", a.phone.replace(' ', ""));
    let mail = format!("mailto:{}", a.email);
    let address = format!("{}, {}, {}", a.name, a.street, a.postcode_city);
    view! {
        <Title text=crate::layout::title(move || t_string!(i18n, trust.complaints.page_title).to_string()) />
        <section class="card" aria-labelledby="complaints-heading">
            <h1 id="complaints-heading">{t_string!(i18n, trust.complaints.heading).to_string()}</h1>
            <p class="lead">{t!(i18n, trust.complaints.intro)}</p>
        </section>
        <section class="card" aria-labelledby="complaints-how">
            <h2 id="complaints-how">{t!(i18n, trust.complaints.how_heading)}</h2>
            <ul class="plain">
                <li>
                    {t!(i18n, trust.complaints.how_portal)} " "
                    <a href="/dossier/disputes" data-testid="complaints-portal">{t!(i18n, trust.complaints.how_portal_link)}</a>
                </li>
                <li>
                    {t!(i18n, trust.complaints.how_mail)} " " <a href=mail>{a.email.clone()}</a>
                </li>
                <li>{t_string!(i18n, trust.complaints.how_post, address = address).to_string()}</li>
                <li>
                    {t!(i18n, trust.complaints.how_phone)} " " <a href=tel>{a.phone.clone()}</a>
                </li>
            </ul>
            <p>{t!(i18n, trust.complaints.include)}</p>
        </section>
        <section class="card" aria-labelledby="complaints-terms">
            <h2 id="complaints-terms">{t!(i18n, trust.complaints.terms_heading)}</h2>
            <ul class="plain" data-testid="complaints-terms">
                <li>{t_string!(i18n, trust.complaints.ack, days = ack_days).to_string()}</li>
                <li>{t_string!(i18n, trust.complaints.answer, days = decision_days, weeks = weeks).to_string()}</li>
                <li>{t!(i18n, trust.complaints.free)}</li>
            </ul>
        </section>
        <section class="card" aria-labelledby="complaints-next">
            <h2 id="complaints-next">{t!(i18n, trust.complaints.next_heading)}</h2>
            <p data-testid="complaints-body">
                {t_string!(i18n, trust.complaints.next, body = a.complaints_body.clone()).to_string()} " "
                <a href=a.complaints_body_url.clone() rel="noopener">{a.complaints_body_url.clone()}</a>
            </p>
            <p>{t!(i18n, trust.complaints.court)}</p>
        </section>
    }
}

/// The links every page's footer carries to these pages.
#[component]
pub fn TrustLinks() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav aria-label=move || t_string!(i18n, footer.links_label).to_string()>
            <ul class="footer-links" data-testid="footer-links">
                <li><a href="/check">{t!(i18n, footer.check_link)}</a></li>
                <li><a href="/complaints">{t!(i18n, footer.complaints_link)}</a></li>
                <li><a href="/accessibility">{t!(i18n, footer.accessibility_link)}</a></li>
            </ul>
        </nav>
    }
}
