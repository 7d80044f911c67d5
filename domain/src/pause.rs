//! A pause in collection (adempauze): at the request of the debtor's municipal debt help
//! (schuldhulpverlening under the Wet gemeentelijke schuldhulpverlening, Stb. 2012, 264) the
//! agency stops reminders, lets no payment plan or deferral lapse, and adds no costs while an
//! intake runs. Staff record it with its end date. The court-ordered cooling-off period
//! (afkoelingsperiode, art. 287b Faillissementswet) lasts at most six months; the agency's
//! voluntary pause is held to the same bound.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// The longest pause: six months (183 days), as art. 287b lid 2 Fw bounds the court's.
pub const MAX_PAUSE_DAYS: u64 = 183;

/// The days a dossier's collection is paused, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionPause {
    from: NaiveDate,
    until: NaiveDate,
}

/// Why a pause cannot be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PauseError {
    /// It ends before it starts.
    #[error("a pause cannot end before it starts")]
    EndsBeforeStart,
    /// Longer than [`MAX_PAUSE_DAYS`].
    #[error("a pause lasts at most {MAX_PAUSE_DAYS} days")]
    TooLong,
}

impl CollectionPause {
    /// A pause from `from` to `until`, both inclusive, at most [`MAX_PAUSE_DAYS`] long.
    pub fn new(from: NaiveDate, until: NaiveDate) -> Result<Self, PauseError> {
        if until < from {
            return Err(PauseError::EndsBeforeStart);
        }
        if from
            .checked_add_days(Days::new(MAX_PAUSE_DAYS))
            .is_some_and(|last| until > last)
        {
            return Err(PauseError::TooLong);
        }
        Ok(CollectionPause { from, until })
    }

    /// The first day.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last day.
    pub fn until(&self) -> NaiveDate {
        self.until
    }

    /// Whether `day` is paused.
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.until
    }
}

/// Whether any of `pauses` covers `day`.
pub fn paused_on(pauses: &[CollectionPause], day: NaiveDate) -> bool {
    pauses.iter().any(|p| p.covers(day))
}

/// The day from which something due on `due` counts: `due` itself, or, when a pause covers
/// it, the day after that pause (and after any pause that follows on without a gap). A term
/// that fell in a pause starts again when the pause ends, so grace days count from there.
pub fn counts_from(due: NaiveDate, pauses: &[CollectionPause]) -> NaiveDate {
    let mut day = due;
    // Each step moves past one pause; there are never more steps than pauses.
    for _ in 0..=pauses.len() {
        match pauses
            .iter()
            .filter(|p| p.covers(day))
            .map(|p| p.until)
            .max()
        {
            Some(until) => match until.succ_opt() {
                Some(next) => day = next,
                None => return until,
            },
            None => return day,
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, m, d).unwrap()
    }

    fn pause(a: NaiveDate, b: NaiveDate) -> CollectionPause {
        CollectionPause::new(a, b).unwrap()
    }

    #[test]
    fn a_pause_ends_after_it_starts_and_lasts_at_most_six_months() {
        assert_eq!(
            CollectionPause::new(day(2, 1), day(1, 31)),
            Err(PauseError::EndsBeforeStart)
        );
        assert!(CollectionPause::new(day(1, 1), day(1, 1)).is_ok());
        let last = day(1, 1)
            .checked_add_days(Days::new(MAX_PAUSE_DAYS))
            .unwrap();
        assert!(CollectionPause::new(day(1, 1), last).is_ok());
        assert_eq!(
            CollectionPause::new(day(1, 1), last.succ_opt().unwrap()),
            Err(PauseError::TooLong)
        );
    }

    #[test]
    fn something_due_in_a_pause_counts_from_the_day_after_it() {
        let pauses = [pause(day(3, 1), day(4, 30))];
        assert_eq!(counts_from(day(2, 28), &pauses), day(2, 28));
        assert_eq!(counts_from(day(3, 1), &pauses), day(5, 1));
        assert_eq!(counts_from(day(4, 30), &pauses), day(5, 1));
        assert_eq!(counts_from(day(5, 1), &pauses), day(5, 1));
        assert!(paused_on(&pauses, day(3, 15)));
        assert!(!paused_on(&pauses, day(5, 1)));
        // A second pause straight after: past both.
        let chained = [pause(day(3, 1), day(4, 30)), pause(day(5, 1), day(5, 31))];
        assert_eq!(counts_from(day(3, 10), &chained), day(6, 1));
        // No pauses, nothing moves.
        assert_eq!(counts_from(day(3, 10), &[]), day(3, 10));
    }
}
