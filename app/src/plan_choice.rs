//! Reading the plan picker's choice: a number of months or a monthly amount. Shared by the
//! server (forms without JavaScript, and the proposal) and the browser (the live schedule).

use crate::errors::PlanFormError;
use domain::{MAX_SCHEDULE_MONTHS, Money, PlanRequest};

/// The request in the picker's two fields; months win when both are filled. `Ok(None)` while
/// both are blank; the error names the field that cannot be read.
pub fn parse(months: &str, amount: &str) -> Result<Option<PlanRequest>, PlanFormError> {
    let (months, amount) = (months.trim(), amount.trim());
    if !months.is_empty() {
        return months
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=MAX_SCHEDULE_MONTHS).contains(m))
            .map(|m| Some(PlanRequest::Months(m)))
            .ok_or(PlanFormError::Months);
    }
    if !amount.is_empty() {
        return Money::parse(amount)
            .ok()
            .filter(|m| m.is_positive())
            .map(|m| Some(PlanRequest::MonthlyAmount(m)))
            .ok_or(PlanFormError::Amount);
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_win_and_each_field_has_its_own_error() {
        assert_eq!(parse(" 6 ", "50"), Ok(Some(PlanRequest::Months(6))));
        assert_eq!(
            parse("", "50,25"),
            Ok(Some(PlanRequest::MonthlyAmount(Money::from_cents(5025))))
        );
        assert_eq!(parse("  ", ""), Ok(None));
        assert_eq!(parse("0", ""), Err(PlanFormError::Months));
        assert_eq!(parse("241", ""), Err(PlanFormError::Months));
        assert_eq!(parse("zes", ""), Err(PlanFormError::Months));
        assert_eq!(parse("", "-5"), Err(PlanFormError::Amount));
        assert_eq!(parse("", "0"), Err(PlanFormError::Amount));
        assert_eq!(parse("", "veel"), Err(PlanFormError::Amount));
    }
}
