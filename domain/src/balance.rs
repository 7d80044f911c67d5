//! A dossier's balance, derived (never stored) from what is owed and the
//! append-only ledger.

use chrono::NaiveDate;
use serde::Serialize;

use crate::allocation::{Allocation, ItemKind, OpenItem, PerKind};
use crate::money::Money;

/// Something the debtor owes: a claim item (principal) or a charge
/// (interest, costs).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Debit<Id> {
    id: Id,
    kind: ItemKind,
    date: NaiveDate,
    amount: Money,
}

impl<Id> Debit<Id> {
    /// A debit of `amount` (zero or more; a waiver is a ledger adjustment,
    /// not a negative debit). `date` orders debits of one kind: the due date
    /// of an invoice, the date of a charge.
    pub fn new(
        id: Id,
        kind: ItemKind,
        date: NaiveDate,
        amount: Money,
    ) -> Result<Self, BalanceError> {
        if amount.is_negative() {
            return Err(BalanceError::NegativeDebit);
        }
        Ok(Debit {
            id,
            kind,
            date,
            amount,
        })
    }

    /// The caller's identifier.
    pub const fn id(&self) -> &Id {
        &self.id
    }

    /// Costs, interest or principal.
    pub const fn kind(&self) -> ItemKind {
        self.kind
    }

    /// The date that orders debits within a kind.
    pub const fn date(&self) -> NaiveDate {
        self.date
    }

    /// The amount owed.
    pub const fn amount(&self) -> Money {
        self.amount
    }
}

/// The money side of one ledger entry: a signed amount per kind plus a
/// signed unallocated part (an overpayment held as credit).
///
/// Positive parts reduce what is open (a payment, a write-off adjustment);
/// negative parts reopen it (a refund, a chargeback).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct LedgerEntry {
    parts: PerKind,
    unallocated: Money,
}

impl LedgerEntry {
    /// An entry with these parts.
    pub const fn new(parts: PerKind, unallocated: Money) -> Self {
        LedgerEntry { parts, unallocated }
    }

    /// The entry that books an allocated payment.
    pub fn from_allocation<Id>(allocation: &Allocation<Id>) -> Self {
        LedgerEntry {
            parts: allocation.per_kind(),
            unallocated: allocation.overpayment(),
        }
    }

    /// The entry that undoes this one (a full refund or chargeback); `None`
    /// only for amounts without a negation.
    pub fn reversed(&self) -> Option<Self> {
        Some(LedgerEntry {
            parts: PerKind {
                costs: self.parts.costs.checked_neg()?,
                interest: self.parts.interest.checked_neg()?,
                principal: self.parts.principal.checked_neg()?,
            },
            unallocated: self.unallocated.checked_neg()?,
        })
    }

    /// The parts per kind.
    pub const fn parts(&self) -> PerKind {
        self.parts
    }

    /// The part not allocated to anything.
    pub const fn unallocated(&self) -> Money {
        self.unallocated
    }

    /// The entry's whole amount, or `None` on overflow.
    pub fn checked_amount(&self) -> Option<Money> {
        self.parts.checked_total()?.checked_add(self.unallocated)
    }
}

/// A dossier's balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Balance<Id> {
    owed: PerKind,
    paid: PerKind,
    open: PerKind,
    credit: Money,
    items: Vec<OpenItem<Id>>,
}

impl<Id> Balance<Id> {
    /// All debits per kind.
    pub const fn owed(&self) -> PerKind {
        self.owed
    }

    /// Net ledger parts per kind (payments less refunds).
    pub const fn paid(&self) -> PerKind {
        self.paid
    }

    /// Still open per kind: owed − paid, never negative.
    pub const fn open(&self) -> PerKind {
        self.open
    }

    /// Everything still open.
    pub fn open_total(&self) -> Money {
        // Each part is between zero and the owed part, whose total fitted.
        Money::from_cents(
            self.open.costs.cents() + self.open.interest.cents() + self.open.principal.cents(),
        )
    }

    /// Money received beyond what was owed, held for the debtor.
    pub const fn credit(&self) -> Money {
        self.credit
    }

    /// Whether nothing is open.
    pub fn is_settled(&self) -> bool {
        self.open_total().is_zero()
    }

    /// The debits with something open, in payment order (costs, interest,
    /// principal; oldest first): ready for [`crate::allocate`].
    pub fn open_items(&self) -> &[OpenItem<Id>] {
        &self.items
    }
}

/// Why the debits and ledger do not make a consistent balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BalanceError {
    /// A debit with a negative amount.
    #[error("a debit cannot be negative")]
    NegativeDebit,
    /// More was booked to this kind than is owed for it.
    #[error("more booked to {0:?} than is owed")]
    OverAllocated(ItemKind),
    /// More was refunded for this kind than was paid.
    #[error("more refunded for {0:?} than was paid")]
    NegativePaid(ItemKind),
    /// More credit was refunded than was held.
    #[error("more credit refunded than was held")]
    NegativeCredit,
    /// An amount too large to hold.
    #[error("amount too large")]
    Overflow,
}

/// Derives the balance. What was paid per kind is taken off that kind's
/// debits oldest first (the art. 6:44 order within a kind), which gives the
/// open amount per debit.
pub fn derive_balance<Id: Clone>(
    debits: &[Debit<Id>],
    ledger: &[LedgerEntry],
) -> Result<Balance<Id>, BalanceError> {
    let mut owed = PerKind::default();
    for debit in debits {
        owed.checked_add_to(debit.kind, debit.amount)
            .ok_or(BalanceError::Overflow)?;
    }
    owed.checked_total().ok_or(BalanceError::Overflow)?;

    let mut paid = PerKind::default();
    let mut credit = Money::ZERO;
    for entry in ledger {
        for kind in ItemKind::ALL {
            paid.checked_add_to(kind, entry.parts.get(kind))
                .ok_or(BalanceError::Overflow)?;
        }
        credit = credit
            .checked_add(entry.unallocated)
            .ok_or(BalanceError::Overflow)?;
    }
    if credit.is_negative() {
        return Err(BalanceError::NegativeCredit);
    }

    let mut open = PerKind::default();
    for kind in ItemKind::ALL {
        let (o, p) = (owed.get(kind), paid.get(kind));
        if p.is_negative() {
            return Err(BalanceError::NegativePaid(kind));
        }
        if p > o {
            return Err(BalanceError::OverAllocated(kind));
        }
        *open.get_mut(kind) = Money::from_cents(o.cents() - p.cents());
    }

    let mut order: Vec<&Debit<Id>> = debits.iter().collect();
    order.sort_by_key(|debit| (debit.kind, debit.date));
    let mut to_take_off = paid;
    let mut items = Vec::new();
    for debit in order {
        let taken = to_take_off.get_mut(debit.kind);
        let covered = (*taken).min(debit.amount);
        // 0 ≤ covered ≤ both, so no overflow.
        *taken = Money::from_cents(taken.cents() - covered.cents());
        let left = Money::from_cents(debit.amount.cents() - covered.cents());
        if left.is_positive() {
            items.push(OpenItem::new_unchecked(
                debit.id.clone(),
                debit.kind,
                debit.date,
                left,
            ));
        }
    }

    Ok(Balance {
        owed,
        paid,
        open,
        credit,
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocation::allocate;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn eur(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    fn debit(id: &'static str, kind: ItemKind, date: NaiveDate, cents: i64) -> Debit<&'static str> {
        Debit::new(id, kind, date, eur(cents)).unwrap()
    }

    fn parts(costs: i64, interest: i64, principal: i64) -> PerKind {
        PerKind {
            costs: eur(costs),
            interest: eur(interest),
            principal: eur(principal),
        }
    }

    fn sample() -> Vec<Debit<&'static str>> {
        use ItemKind::*;
        vec![
            debit("invoice-1", Principal, d(2025, 1, 15), 400_00),
            debit("invoice-2", Principal, d(2025, 2, 15), 600_00),
            debit("interest", Interest, d(2025, 6, 1), 12_34),
            debit("wik", Cost, d(2025, 6, 1), 150_00),
        ]
    }

    fn open_summary(b: &Balance<&'static str>) -> Vec<(&'static str, i64)> {
        b.open_items()
            .iter()
            .map(|i| (*i.id(), i.open().cents()))
            .collect()
    }

    #[test]
    fn nothing_paid_everything_open() {
        let b = derive_balance(&sample(), &[]).unwrap();
        assert_eq!(b.owed(), parts(150_00, 12_34, 1_000_00));
        assert_eq!(b.open(), b.owed());
        assert_eq!(b.paid(), PerKind::default());
        assert_eq!(b.open_total(), eur(1_162_34)); // 150 + 12.34 + 400 + 600
        assert_eq!(b.credit(), Money::ZERO);
        assert!(!b.is_settled());
        assert_eq!(
            open_summary(&b),
            [
                ("wik", 150_00),
                ("interest", 12_34),
                ("invoice-1", 400_00),
                ("invoice-2", 600_00)
            ]
        );
    }

    #[test]
    fn payments_reduce_the_oldest_debit_of_each_kind() {
        // principal 500 paid: invoice-1 (400) fully, invoice-2 100 of 600 → 500 open
        let ledger = [LedgerEntry::new(parts(150_00, 12_34, 500_00), Money::ZERO)];
        let b = derive_balance(&sample(), &ledger).unwrap();
        assert_eq!(b.open(), parts(0, 0, 500_00));
        assert_eq!(b.open_total(), eur(500_00));
        assert_eq!(open_summary(&b), [("invoice-2", 500_00)]);
    }

    #[test]
    fn a_refund_reopens_the_balance() {
        let payment = LedgerEntry::new(parts(150_00, 12_34, 1_000_00), eur(5_00));
        let settled = derive_balance(&sample(), &[payment]).unwrap();
        assert!(settled.is_settled());
        assert_eq!(settled.credit(), eur(5_00));
        assert_eq!(payment.checked_amount(), Some(eur(1_167_34))); // 150 + 12.34 + 1000 + 5

        let refund = payment.reversed().unwrap();
        let reopened = derive_balance(&sample(), &[payment, refund]).unwrap();
        assert_eq!(reopened.open(), reopened.owed());
        assert_eq!(reopened.credit(), Money::ZERO);
        assert_eq!(reopened.paid(), PerKind::default());
    }

    #[test]
    fn inconsistent_ledgers_are_refused() {
        let cases = [
            // 151 booked to costs of 150
            (
                LedgerEntry::new(parts(151_00, 0, 0), Money::ZERO),
                BalanceError::OverAllocated(ItemKind::Cost),
            ),
            // a refund of interest never paid
            (
                LedgerEntry::new(parts(0, -1, 0), Money::ZERO),
                BalanceError::NegativePaid(ItemKind::Interest),
            ),
            // a refund of credit never held
            (
                LedgerEntry::new(PerKind::default(), eur(-1)),
                BalanceError::NegativeCredit,
            ),
        ];
        for (entry, expected) in cases {
            assert_eq!(derive_balance(&sample(), &[entry]), Err(expected));
        }
        assert_eq!(
            Debit::new("x", ItemKind::Cost, d(2025, 1, 1), eur(-1)),
            Err(BalanceError::NegativeDebit)
        );
        let huge = [
            debit("a", ItemKind::Principal, d(2025, 1, 1), i64::MAX),
            debit("b", ItemKind::Cost, d(2025, 1, 1), 1),
        ];
        assert_eq!(derive_balance(&huge, &[]), Err(BalanceError::Overflow));
    }

    #[test]
    fn allocate_then_book_then_derive() {
        let before = derive_balance(&sample(), &[]).unwrap();
        // 200: wik 150, interest 12.34, invoice-1 37.66 → invoice-1 has 362.34 open
        let allocation = allocate(eur(200_00), before.open_items()).unwrap();
        let entry = LedgerEntry::from_allocation(&allocation);
        assert_eq!(entry.parts(), parts(150_00, 12_34, 37_66));
        let after = derive_balance(&sample(), &[entry]).unwrap();
        assert_eq!(
            open_summary(&after),
            [("invoice-1", 362_34), ("invoice-2", 600_00)]
        );
        assert_eq!(after.open_total(), eur(962_34)); // 1162.34 − 200
    }

    fn kind() -> impl Strategy<Value = ItemKind> {
        prop_oneof![
            Just(ItemKind::Cost),
            Just(ItemKind::Interest),
            Just(ItemKind::Principal)
        ]
    }

    proptest! {
        #[test]
        fn booking_allocated_payments_keeps_the_books_straight(
            raw in prop::collection::vec((kind(), 0u64..400, 0i64..50_000), 0..10),
            payments in prop::collection::vec(0i64..40_000, 0..6),
        ) {
            let debits: Vec<Debit<usize>> = raw
                .into_iter()
                .enumerate()
                .map(|(id, (kind, day, cents))| {
                    Debit::new(id, kind, d(2024, 1, 1) + chrono::Days::new(day), eur(cents)).unwrap()
                })
                .collect();
            let owed: i64 = debits.iter().map(|d| d.amount().cents()).sum();
            let mut ledger = Vec::new();
            let mut received = 0;
            for p in payments {
                let balance = derive_balance(&debits, &ledger).unwrap();
                let allocation = allocate(eur(p), balance.open_items()).unwrap();
                ledger.push(LedgerEntry::from_allocation(&allocation));
                received += p;
            }
            let b = derive_balance(&debits, &ledger).unwrap();
            // Every cent received is either paid off or held as credit.
            prop_assert_eq!(b.open_total().cents() + received, owed + b.credit().cents());
            prop_assert_eq!(b.credit().cents(), (received - owed).max(0));
            // Open items add up to the open total and are all positive.
            let items: i64 = b.open_items().iter().map(|i| i.open().cents()).sum();
            prop_assert_eq!(items, b.open_total().cents());
            prop_assert!(b.open_items().iter().all(|i| i.open().is_positive()));
            // Refunding everything reopens everything.
            let mut refunded = ledger.clone();
            refunded.extend(ledger.iter().map(|e| e.reversed().unwrap()));
            let r = derive_balance(&debits, &refunded).unwrap();
            prop_assert_eq!(r.open_total().cents(), owed);
            prop_assert_eq!(r.credit(), Money::ZERO);
        }
    }
}
