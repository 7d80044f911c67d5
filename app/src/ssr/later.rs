//! Paying later in one sum: what `/dossier/later` shows and the request. The rules and the
//! bookkeeping are in `plans` (`PlanService::request_deferral`); this turns them into the page.

use super::Services;
use crate::errors::LaterFormError;
use crate::model::{DeferralView, LaterPage};
use chrono::{DateTime, NaiveDate, Utc};
use domain::{DeferralDateError, DeferralRules, DossierId};
use plans::PlansError;
use store::{DeferralStatus, PlanStatus};

fn unavailable(e: impl std::fmt::Display) -> LaterFormError {
    tracing::error!(error = %e, "pay later");
    LaterFormError::Refused(crate::Refusal::Unavailable)
}

/// What the page shows.
pub async fn page(
    services: &Services,
    dossier_id: &DossierId,
    now: DateTime<Utc>,
) -> Result<LaterPage, LaterFormError> {
    let plans = services
        .plans
        .as_ref()
        .ok_or(LaterFormError::Refused(crate::Refusal::Unavailable))?;
    let rules = plans.deferral_rules().map_err(unavailable)?;
    let today = claim::dutch_date(now);
    let open_total = plans
        .open_balance(dossier_id, today)
        .await
        .map_err(unavailable)?;
    let plan_in_play = services
        .store
        .open_plan(dossier_id)
        .await
        .map_err(unavailable)?
        .is_some_and(|p| {
            matches!(
                p.status,
                PlanStatus::Active | PlanStatus::Proposed | PlanStatus::NeedsReview
            )
        });
    let current = match plans
        .deferral_for_debtor(dossier_id)
        .await
        .map_err(unavailable)?
    {
        Some(d) => {
            let open_on_day = if d.status == DeferralStatus::Granted {
                // The interest runs on until the day: what the debtor will owe then.
                Some(
                    plans
                        .open_balance(dossier_id, d.pay_by.max(today))
                        .await
                        .map_err(unavailable)?,
                )
            } else {
                None
            };
            Some(DeferralView {
                status: d.status.as_str().to_owned(),
                pay_by: d.pay_by,
                open_when_asked: d.open_when_asked,
                open_on_day,
                staff_note: d.staff_note,
                answer_by: (d.status == DeferralStatus::NeedsReview)
                    .then(|| claim::dutch_date(crate::model::answer_due(d.created_at))),
            })
        }
        None => None,
    };
    Ok(LaterPage {
        open_total,
        today,
        latest: rules.latest(today),
        max_days: rules.max_days(),
        max_open: rules.max_open(),
        furthest: DeferralRules::furthest(today),
        current,
        plan_in_play,
        can_pay_online: services.payments.is_some(),
    })
}

/// Reads a day as the date field sends it (`2027-01-06`) or as typed without one
/// (`6-1-2027`, `06-01-2027`, `6/1/2027`).
pub fn parse_day(text: &str) -> Result<NaiveDate, LaterFormError> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&text.replace('/', "-"), "%d-%m-%Y"))
        .map_err(|_| LaterFormError::Date)
}

/// The debtor's request; the page says what became of it.
pub async fn request(
    services: &Services,
    dossier_id: &DossierId,
    pay_by: &str,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), LaterFormError> {
    let plans = services
        .plans
        .as_ref()
        .ok_or(LaterFormError::Refused(crate::Refusal::Unavailable))?;
    let pay_by = parse_day(pay_by)?;
    match plans
        .request_deferral(dossier_id, pay_by, reason, now)
        .await
    {
        Ok(_) => Ok(()),
        Err(PlansError::DeferralDate(DeferralDateError::NotLater)) => Err(LaterFormError::NotLater),
        Err(PlansError::DeferralDate(DeferralDateError::TooFar)) => Err(LaterFormError::TooFar),
        Err(PlansError::DeferralReasonRequired { .. }) => Err(LaterFormError::ReasonRequired),
        Err(PlansError::TextTooLong) => Err(LaterFormError::TextTooLong),
        Err(PlansError::PlanInPlay) => Err(LaterFormError::PlanInPlay),
        Err(PlansError::DeferralInPlay) => Err(LaterFormError::DeferralInPlay),
        Err(PlansError::Impossible(_)) => Err(LaterFormError::NothingOpen),
        Err(e) => Err(unavailable(e)),
    }
}

/// The problem as it travels in the URL (never the text itself: the page says it).
pub fn error_code(e: &LaterFormError) -> &'static str {
    match e {
        LaterFormError::Date => "date",
        LaterFormError::NotLater => "not_later",
        LaterFormError::TooFar => "too_far",
        LaterFormError::ReasonRequired => "reason",
        LaterFormError::TextTooLong => "too_long",
        LaterFormError::PlanInPlay => "plan",
        LaterFormError::DeferralInPlay => "in_play",
        LaterFormError::NothingOpen => "nothing",
        LaterFormError::Refused(_) => "unavailable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_read_from_the_date_field_or_as_typed() {
        let day = NaiveDate::from_ymd_opt(2027, 1, 6).unwrap();
        for text in ["2027-01-06", " 6-1-2027 ", "06-01-2027", "6/1/2027"] {
            assert_eq!(parse_day(text), Ok(day), "{text}");
        }
        for text in ["", "morgen", "2027-13-01", "31-02-2027", "6-1"] {
            assert_eq!(parse_day(text), Err(LaterFormError::Date), "{text}");
        }
    }
}
