//! The pure core of [`crate::sync_plan`]: which instalments of a payment plan the money
//! received covers, and what is still due on each (`plans` asks the latter to pay the next
//! instalment).

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use domain::{InstalmentId, Money, PaymentId};
use store::{LedgerEntry, LedgerKind, PlanInstalment};

use crate::error::{BookingError, overflow};

/// Money received for the plan: payments booked at or after `since` (the plan's creation),
/// less the refunds and chargebacks of those same payments. Adjustments are not money
/// received; earlier payments (and their reversals) belong to the balance the plan was made
/// for.
pub fn received_since(
    entries: &[LedgerEntry],
    since: DateTime<Utc>,
) -> Result<Money, BookingError> {
    let payments: HashSet<&PaymentId> = entries
        .iter()
        .filter(|e| e.kind == LedgerKind::Payment && e.created_at >= since)
        .filter_map(|e| e.payment_id.as_ref())
        .collect();
    let mut received = Money::ZERO;
    for entry in entries {
        let counts = match entry.kind {
            LedgerKind::Payment => entry.created_at >= since,
            LedgerKind::Refund | LedgerKind::Chargeback => entry
                .payment_id
                .as_ref()
                .is_some_and(|p| payments.contains(p)),
            LedgerKind::Adjustment => false,
        };
        if counts {
            received = received.checked_add(entry.amount).ok_or_else(overflow)?;
        }
    }
    Ok(received)
}

/// Which instalments are paid: oldest first, every instalment but the last is paid once the
/// money received reaches the running total up to it. The last is paid when nothing is open
/// any more: it also takes the interest that ran during the plan. Nothing open pays all.
pub fn covered(
    instalments: &[PlanInstalment],
    received: Money,
    open: Money,
) -> Result<Vec<bool>, BookingError> {
    let settled = !open.is_positive();
    let mut running = Money::ZERO;
    let mut out = Vec::with_capacity(instalments.len());
    for (i, instalment) in instalments.iter().enumerate() {
        running = running
            .checked_add(instalment.amount)
            .ok_or_else(overflow)?;
        let last = i + 1 == instalments.len();
        out.push(settled || (!last && running <= received));
    }
    Ok(out)
}

/// One instalment still to pay and how much of it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owed {
    /// The instalment's index in the plan (0 for the first).
    pub index: usize,
    /// What is still due on it.
    pub amount: Money,
}

/// What is still due on each unpaid instalment, in order: the part not yet covered, never
/// more than is open in all; the last takes whatever is open beyond the others.
pub fn owed(
    instalments: &[PlanInstalment],
    received: Money,
    open: Money,
) -> Result<Vec<Owed>, BookingError> {
    let paid = covered(instalments, received, open)?;
    let mut left = open.max(Money::ZERO);
    let mut running = Money::ZERO;
    let mut out = Vec::new();
    for (index, instalment) in instalments.iter().enumerate() {
        running = running
            .checked_add(instalment.amount)
            .ok_or_else(overflow)?;
        if paid[index] || !left.is_positive() {
            continue;
        }
        let amount = if index + 1 == instalments.len() {
            left
        } else {
            let uncovered = running.checked_sub(received).ok_or_else(overflow)?;
            uncovered.min(instalment.amount).min(left)
        };
        if amount.is_positive() {
            left = left.checked_sub(amount).ok_or_else(overflow)?;
            out.push(Owed { index, amount });
        }
    }
    Ok(out)
}

/// The moved instalment (the plan's tolerated miss, now at the end) that the money received
/// pays late: once the money covers every other instalment due by `today` and the moved one
/// too, it is paid before instalments not yet due (the oldest debt first), so it goes back
/// to its first due date. `instalments` in the order they fall due.
pub fn paid_late(
    instalments: &[PlanInstalment],
    received: Money,
    today: NaiveDate,
) -> Result<Option<InstalmentId>, BookingError> {
    let Some(moved) = instalments.iter().find(|i| i.is_moved_and_open()) else {
        return Ok(None);
    };
    let mut needed = moved.amount;
    for instalment in instalments {
        if instalment.id != moved.id && instalment.due_date <= today {
            needed = needed.checked_add(instalment.amount).ok_or_else(overflow)?;
        }
    }
    Ok((received >= needed).then_some(moved.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use store::InstalmentStatus;

    fn eur(c: i64) -> Money {
        Money::from_cents(c)
    }

    fn plan(amounts: &[i64]) -> Vec<PlanInstalment> {
        amounts
            .iter()
            .enumerate()
            .map(|(i, &a)| PlanInstalment {
                id: domain::InstalmentId::new(i as i64 + 10),
                plan_id: domain::PlanId::new("p"),
                seq: i as i64 + 1,
                due_date: NaiveDate::from_ymd_opt(2026, 1 + i as u32, 1).unwrap(),
                amount: eur(a),
                status: InstalmentStatus::Open,
                paid_at: None,
                moved_from: None,
            })
            .collect()
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn a_moved_instalment_is_paid_late_only_by_money_beyond_what_else_is_due() {
        // Five of 100, due on the 1st of January to May; the second was missed and moved to
        // 1 June, so in due order it comes last.
        let mut p = plan(&[100, 100, 100, 100, 100]);
        let mut moved = p.remove(1);
        moved.moved_from = Some(moved.due_date);
        moved.due_date = day(6, 1);
        p.push(moved);
        let id = p[4].id;
        // Mid-February: the first is paid; 100 more pays the missed one late.
        assert_eq!(paid_late(&p, eur(100), day(2, 15)).unwrap(), None);
        assert_eq!(paid_late(&p, eur(200), day(2, 15)).unwrap(), Some(id));
        // Mid-March the third is due too: 200 only pays that one on time.
        assert_eq!(paid_late(&p, eur(200), day(3, 15)).unwrap(), None);
        assert_eq!(paid_late(&p, eur(300), day(3, 15)).unwrap(), Some(id));
        // Once paid, or back on its first date, nothing more to do.
        p[4].status = InstalmentStatus::Paid;
        assert_eq!(paid_late(&p, eur(500), day(3, 15)).unwrap(), None);
        // Without a moved instalment, nothing.
        assert_eq!(
            paid_late(&plan(&[100, 100]), eur(200), day(3, 1)).unwrap(),
            None
        );
    }

    #[test]
    fn money_covers_instalments_oldest_first_and_the_last_needs_a_zero_balance() {
        let p = plan(&[100, 100, 100]);
        assert_eq!(covered(&p, eur(0), eur(300)).unwrap(), [false; 3]);
        assert_eq!(
            covered(&p, eur(150), eur(150)).unwrap(),
            [true, false, false]
        );
        // 300 received but 4 cents of interest ran: the last stays open for them.
        assert_eq!(covered(&p, eur(300), eur(4)).unwrap(), [true, true, false]);
        assert_eq!(covered(&p, eur(300), eur(0)).unwrap(), [true; 3]);
        let owed = owed(&p, eur(150), eur(154)).unwrap();
        assert_eq!(
            owed,
            [
                Owed {
                    index: 1,
                    amount: eur(50)
                },
                Owed {
                    index: 2,
                    amount: eur(104)
                }
            ]
        );
        assert_eq!(
            super::owed(&p, eur(300), eur(4)).unwrap(),
            [Owed {
                index: 2,
                amount: eur(4)
            }]
        );
        assert!(super::owed(&p, eur(300), eur(0)).unwrap().is_empty());
        // Less open than the schedule says (e.g. a write-off): never ask for more than is open.
        assert_eq!(
            super::owed(&p, eur(0), eur(120)).unwrap(),
            [
                Owed {
                    index: 0,
                    amount: eur(100)
                },
                Owed {
                    index: 1,
                    amount: eur(20)
                }
            ]
        );
    }
}
