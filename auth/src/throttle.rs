//! When may the next sign-in attempt be made? A pure policy over the recent failures of
//! one key (a dossier number or a client address); the caller keeps the attempts in the
//! database so the limit holds across server processes.
//!
//! Checked *before* any argon2 work, so a throttled attempt costs the server nothing.

use chrono::{DateTime, Duration, Utc};

/// How strict to be for one kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed without any wait.
    pub free_failures: u32,
    /// The first wait after the free failures; it doubles with each further failure.
    pub first_delay: Duration,
    /// The longest wait from doubling.
    pub max_delay: Duration,
    /// This many failures in the window lock the key for `lock_for`.
    pub lock_after: u32,
    /// How long a lock lasts.
    pub lock_for: Duration,
    /// Failures older than this are forgotten by the delays and the lock above.
    pub window: Duration,
    /// A hard cap: this many failures in any rolling 24 hours refuse the key until the oldest
    /// of them is a day old. A success does not reset it (a guesser must not be able to buy
    /// a fresh allowance by waiting for the debtor to sign in).
    pub daily_limit: u32,
}

/// The period of [`ThrottlePolicy::daily_limit`].
pub const DAY: Duration = Duration::hours(24);

impl ThrottlePolicy {
    /// Per dossier: a guesser gets a handful of tries, a person who mistyped is barely slowed.
    pub const DOSSIER: ThrottlePolicy = ThrottlePolicy {
        free_failures: 3,
        first_delay: Duration::seconds(30),
        max_delay: Duration::minutes(15),
        lock_after: 10,
        lock_for: Duration::hours(1),
        window: Duration::hours(1),
        daily_limit: 100,
    };

    /// Per client address: looser, since many debtors may share one (a household, a carrier's
    /// NAT), but it stops one address trying many dossiers.
    pub const ADDRESS: ThrottlePolicy = ThrottlePolicy {
        free_failures: 10,
        first_delay: Duration::seconds(30),
        max_delay: Duration::minutes(15),
        lock_after: 40,
        lock_for: Duration::hours(1),
        window: Duration::hours(1),
        daily_limit: 400,
    };

    /// Per staff username: staff passwords are long and staff are few, so a guesser is
    /// stopped sooner and counted over a day rather than an hour (a staff account opens every
    /// dossier). A staff member who mistyped three times waits 30 s.
    pub const STAFF: ThrottlePolicy = ThrottlePolicy {
        free_failures: 3,
        first_delay: Duration::seconds(30),
        max_delay: Duration::minutes(30),
        lock_after: 10,
        lock_for: Duration::hours(2),
        window: Duration::hours(24),
        daily_limit: 20,
    };

    /// The start of the window for counting failures at `now`.
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.window
    }

    /// How far back, and how many failures, [`ThrottlePolicy::refused_until`] needs to see.
    pub fn history_needed(&self, now: DateTime<Utc>) -> (DateTime<Utc>, u32) {
        (
            now - self.window.max(DAY),
            self.lock_after.max(self.daily_limit),
        )
    }

    /// When the key may try again, given its failures (newest first, as far back as
    /// [`ThrottlePolicy::history_needed`]) and its last success. `None` means now.
    pub fn refused_until(
        &self,
        failures: &[DateTime<Utc>],
        last_success: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let since =
            last_success.map_or(self.window_start(now), |ok| ok.max(self.window_start(now)));
        let recent: Vec<_> = failures.iter().copied().filter(|t| *t > since).collect();
        let short = self.next_allowed(&recent, now);
        let mut today: Vec<_> = failures
            .iter()
            .copied()
            .filter(|t| *t > now - DAY)
            .collect();
        today.sort_unstable_by(|a, b| b.cmp(a));
        let limit = usize::try_from(self.daily_limit).unwrap_or(usize::MAX);
        let daily = (limit > 0 && today.len() >= limit)
            .then(|| today[limit - 1] + DAY)
            .filter(|t| *t > now);
        short.max(daily)
    }

    /// When the next attempt is allowed, given the failures since the window start (or the
    /// last success, whichever is later). `None` means now.
    pub fn next_allowed(
        &self,
        failures: &[DateTime<Utc>],
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let recent: Vec<_> = failures
            .iter()
            .copied()
            .filter(|t| *t > now - self.window)
            .collect();
        let last = recent.iter().max().copied()?;
        let n = u32::try_from(recent.len()).unwrap_or(u32::MAX);
        let allowed = if n >= self.lock_after {
            last + self.lock_for
        } else if n > self.free_failures {
            let doublings = (n - self.free_failures - 1).min(20);
            let delay = self.first_delay * (1_i32 << doublings);
            last + delay.min(self.max_delay)
        } else {
            return None;
        };
        (allowed > now).then_some(allowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).expect("valid time")
    }

    #[test]
    fn a_few_mistakes_cost_nothing() {
        let p = ThrottlePolicy::DOSSIER;
        let f = [at(0), at(1), at(2)];
        assert_eq!(p.next_allowed(&f, at(3)), None);
    }

    #[test]
    fn delays_double_after_the_free_failures_and_are_capped() {
        let p = ThrottlePolicy::DOSSIER;
        // 4th failure at t=3: wait 30 s from it.
        let mut f = vec![at(0), at(1), at(2), at(3)];
        assert_eq!(p.next_allowed(&f, at(4)), Some(at(33)));
        // 5th: 60 s; 6th: 120 s.
        f.push(at(40));
        assert_eq!(p.next_allowed(&f, at(41)), Some(at(100)));
        f.push(at(100));
        assert_eq!(p.next_allowed(&f, at(101)), Some(at(220)));
        // 9 failures: 30 s * 2^5 = 16 min, capped at 15 min.
        let nine: Vec<_> = (0..9).map(at).collect();
        assert_eq!(p.next_allowed(&nine, at(9)), Some(at(8 + 15 * 60)));
        // Once the wait is over the attempt is allowed.
        assert_eq!(p.next_allowed(&nine, at(8 + 15 * 60)), None);
    }

    #[test]
    fn many_failures_lock_the_key_for_an_hour() {
        let p = ThrottlePolicy::DOSSIER;
        let ten: Vec<_> = (0..10).map(at).collect();
        assert_eq!(p.next_allowed(&ten, at(10)), Some(at(9 + 3600)));
    }

    #[test]
    fn old_failures_are_forgotten() {
        let p = ThrottlePolicy::DOSSIER;
        let f: Vec<_> = (0..10).map(at).collect();
        assert_eq!(p.next_allowed(&f, at(2 * 3600)), None);
    }

    #[test]
    fn addresses_get_more_room_than_dossiers() {
        let f: Vec<_> = (0..5).map(at).collect();
        assert!(ThrottlePolicy::DOSSIER.next_allowed(&f, at(5)).is_some());
        assert_eq!(ThrottlePolicy::ADDRESS.next_allowed(&f, at(5)), None);
    }

    #[test]
    fn a_patient_guesser_is_capped_at_a_hundred_failures_a_day() {
        let p = ThrottlePolicy::DOSSIER;
        // One failure every 12 minutes never trips the delays (5 in any hour) ...
        let every_12_min: Vec<_> = (0..100).rev().map(|i| at(i * 720)).collect();
        let last = every_12_min[0];
        assert_eq!(
            p.next_allowed(&every_12_min[..5], last + Duration::minutes(12)),
            None
        );
        // ... but the hundredth in 24 hours closes the key until the oldest is a day old.
        let oldest = *every_12_min.last().expect("failures");
        assert_eq!(
            p.refused_until(&every_12_min, None, last + Duration::minutes(12)),
            Some(oldest + DAY)
        );
        // A success (the debtor signing in) does not reopen it.
        assert_eq!(
            p.refused_until(
                &every_12_min,
                Some(last + Duration::minutes(1)),
                last + Duration::minutes(12)
            ),
            Some(oldest + DAY)
        );
        // Ninety-nine leave room for one more.
        assert_eq!(
            p.refused_until(&every_12_min[..99], None, last + Duration::minutes(12)),
            None
        );
    }

    #[test]
    fn a_success_restarts_the_delays() {
        let p = ThrottlePolicy::DOSSIER;
        let five: Vec<_> = (0..5).rev().map(at).collect();
        assert!(p.refused_until(&five, None, at(5)).is_some());
        assert_eq!(
            p.refused_until(&five, Some(at(4) + Duration::seconds(1)), at(6)),
            None
        );
    }

    #[test]
    fn staff_failures_count_over_a_day_and_lock_for_two_hours() {
        let p = ThrottlePolicy::STAFF;
        // Ten failures spread over twenty hours: under the dossier policy long forgotten,
        // for a staff account they still lock it.
        let spread: Vec<_> = (0..10).map(|h| at(h * 2 * 3600)).collect();
        let last = at(18 * 3600);
        assert_eq!(
            ThrottlePolicy::DOSSIER.next_allowed(&spread, at(18 * 3600 + 60)),
            None
        );
        assert_eq!(
            p.next_allowed(&spread, at(18 * 3600 + 60)),
            Some(last + Duration::hours(2))
        );
    }
}
