//! "Is this letter really from us?": anyone may ask whether we sent a letter with a given
//! dossier number and date or amount. The answer is yes or no and nothing else (no name, no
//! balance), and it is throttled like signing in so it cannot be used to find out which
//! dossier numbers exist.
//!
//! The letters are the 14-day letters (`cost_letter`, art. 6:96 lid 6 BW) and the dossier's
//! last claim letter (`dossier.last_claim_letter_at`).
//!
//! **The amount on the letter** is any amount a debtor finds printed on one of our letters:
//! - the collection costs a 14-day letter announced (`costs_announced`);
//! - the principal of the invoices that letter named (the sum the letter asks for);
//! - the two together (the total the letter asks for before the costs are due);
//! - for the last claim letter (when it is not a 14-day letter), the principal of all the
//!   dossier's invoices.
//!
//! It is exact to the cent. Given both a date and an amount, both must fit the same letter.

use super::Services;
use crate::trust::{CheckOutcome, CheckResult};
use auth::ThrottlePolicy;
use auth::sign_in::Verdict;
use chrono::{DateTime, NaiveDate, Utc};
use domain::{DossierNumber, Money};
use std::net::IpAddr;
use store::{AttemptKey, AttemptKeyKind};

/// The form as typed.
#[derive(Debug, Clone, Default)]
pub struct CheckForm {
    pub dossier: String,
    pub date: String,
    pub amount: String,
}

/// One letter as the check sees it: its date and the amounts printed on it.
struct Letter {
    sent_on: NaiveDate,
    amounts: Vec<i64>,
}

/// Reads a date as people type it: `2026-09-23` (a date field), `23-09-2026`, `23/9/2026`,
/// `23.09.2026`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    // Four-digit years only: `23-09-26` is not the year 23.
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        && text.split('-').next().is_some_and(|y| y.len() == 4)
    {
        return Some(d);
    }
    let parts: Vec<&str> = text.split(['-', '/', '.']).map(str::trim).collect();
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    let (day, month, year) = (day.parse().ok()?, month.parse().ok()?, year.parse().ok()?);
    (year >= 1000).then_some(())?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Answers one check. Malformed input is refused before anything is counted; every check
/// of a well-formed number counts against the number (a key of its own, so checks never
/// slow the debtor's sign-in) and against the client address (the same key as signing in,
/// so one address gets one allowance for both), and is audited (`letter_check`: which
/// fields were given and the outcome, never the typed values; with the dossier when the
/// number exists).
pub async fn check(
    services: &Services,
    form: &CheckForm,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> CheckResult {
    let outcome = judge(services, form, ip, now).await;
    CheckResult {
        outcome,
        dossier: form.dossier.trim().to_owned(),
        date: form.date.trim().to_owned(),
        amount: form.amount.trim().to_owned(),
    }
}

async fn judge(
    services: &Services,
    form: &CheckForm,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> CheckOutcome {
    let Ok(number) = form.dossier.trim().parse::<DossierNumber>() else {
        return CheckOutcome::BadDossier;
    };
    let (date_text, amount_text) = (form.date.trim(), form.amount.trim());
    if date_text.is_empty() && amount_text.is_empty() {
        return CheckOutcome::Missing;
    }
    let date = match date_text {
        "" => None,
        text => match parse_date(text) {
            Some(d) => Some(d),
            None => return CheckOutcome::BadDate,
        },
    };
    let amount = match amount_text {
        "" => None,
        text => match Money::parse(text) {
            Ok(m) => Some(m.cents()),
            Err(_) => return CheckOutcome::BadAmount,
        },
    };
    let keys = auth::sign_in::keys_for(
        AttemptKey::new(AttemptKeyKind::Dossier, format!("letter-check:{number}")),
        ThrottlePolicy::DOSSIER,
        ip,
    );
    let store = &services.store;
    let number_text = number.to_string();
    let mut found = None;
    let found_slot = &mut found;
    let number_ref = &number_text;
    let verdict = auth::sign_in::throttled(store, &keys, now, move || async move {
        let Some(dossier) = store.dossier_by_number(number_ref).await? else {
            return Ok(None);
        };
        let letters = letters(services, &dossier).await?;
        *found_slot = Some(dossier.id);
        let fits = letters.iter().any(|l| {
            date.is_none_or(|d| d == l.sent_on) && amount.is_none_or(|a| l.amounts.contains(&a))
        });
        Ok(fits.then_some(()))
    })
    .await;
    let (outcome, throttled) = match verdict {
        Ok(Verdict::Right(())) => (CheckOutcome::Match, false),
        Ok(Verdict::Wrong) => (CheckOutcome::NoMatch, false),
        Ok(Verdict::Throttled { until }) => (
            CheckOutcome::Throttled {
                minutes: ((until - now).num_seconds().max(1) + 59) / 60,
            },
            true,
        ),
        Err(e) => {
            tracing::error!(error = %e, "letter check");
            return CheckOutcome::Unavailable;
        }
    };
    if throttled {
        // Not evaluated, so the dossier was not looked up; find it for the audit log.
        found = store
            .dossier_by_number(&number_text)
            .await
            .ok()
            .flatten()
            .map(|d| d.id);
    }
    let by = match (date, amount) {
        (Some(_), Some(_)) => "date_and_amount",
        (Some(_), None) => "date",
        _ => "amount",
    };
    super::audit_debtor(
        services,
        found,
        &number,
        "letter_check",
        serde_json::json!({
            "by": by,
            "matched": outcome == CheckOutcome::Match,
            "throttled": throttled,
        }),
        ip,
        now,
    )
    .await;
    outcome
}

/// The dossier's letters with the amounts printed on each (see the module's comment).
async fn letters(
    services: &Services,
    dossier: &store::Dossier,
) -> Result<Vec<Letter>, store::StoreError> {
    let store = &services.store;
    let items = store.claim_items(&dossier.id).await?;
    let mut letters: Vec<Letter> = store
        .cost_letters(&dossier.id)
        .await?
        .into_iter()
        .map(|l| {
            let principal: i64 = items
                .iter()
                .filter(|i| l.invoice_ids.contains(&i.id))
                .map(|i| i.principal.cents())
                .sum();
            let mut amounts = vec![principal];
            if let Some(costs) = l.costs_announced.map(Money::cents) {
                amounts.extend([costs, principal + costs]);
            }
            Letter {
                sent_on: l.sent_on,
                amounts,
            }
        })
        .collect();
    if let Some(last) = dossier.last_claim_letter_at
        && !letters.iter().any(|l| l.sent_on == last)
    {
        letters.push(Letter {
            sent_on: last,
            amounts: vec![items.iter().map(|i| i.principal.cents()).sum()],
        });
    }
    Ok(letters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_typed_in_either_order() {
        let d = NaiveDate::from_ymd_opt(2026, 9, 23);
        assert_eq!(parse_date("2026-09-23"), d);
        assert_eq!(parse_date("23-09-2026"), d);
        assert_eq!(parse_date(" 23/9/2026 "), d);
        assert_eq!(parse_date("23.09.2026"), d);
        assert_eq!(parse_date("23-09-26"), None);
        assert_eq!(parse_date("31-02-2026"), None);
        assert_eq!(parse_date("gisteren"), None);
    }
}
