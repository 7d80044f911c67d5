//! Allocating a payment to what is open, per art. 6:44 BW: first the costs,
//! then the interest, then the principal; within each, the oldest first.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::Money;

/// What an amount owed is for. The order of the variants is the order in
/// which art. 6:44 BW pays them off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    /// Collection costs (and other costs).
    Cost,
    /// Interest.
    Interest,
    /// The principal (invoices).
    Principal,
}

impl ItemKind {
    /// All kinds in payment order.
    pub const ALL: [ItemKind; 3] = [ItemKind::Cost, ItemKind::Interest, ItemKind::Principal];
}

/// One amount per kind: what is owed, paid, open or allocated for costs,
/// interest and principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct PerKind {
    /// Costs.
    pub costs: Money,
    /// Interest.
    pub interest: Money,
    /// Principal.
    pub principal: Money,
}

impl PerKind {
    /// The amount for `kind`.
    pub const fn get(&self, kind: ItemKind) -> Money {
        match kind {
            ItemKind::Cost => self.costs,
            ItemKind::Interest => self.interest,
            ItemKind::Principal => self.principal,
        }
    }

    /// A mutable reference to the amount for `kind`.
    pub fn get_mut(&mut self, kind: ItemKind) -> &mut Money {
        match kind {
            ItemKind::Cost => &mut self.costs,
            ItemKind::Interest => &mut self.interest,
            ItemKind::Principal => &mut self.principal,
        }
    }

    /// Adds `amount` to the amount for `kind`; `None` on overflow.
    pub fn checked_add_to(&mut self, kind: ItemKind, amount: Money) -> Option<()> {
        let slot = self.get_mut(kind);
        *slot = slot.checked_add(amount)?;
        Some(())
    }

    /// Costs + interest + principal, or `None` on overflow.
    pub fn checked_total(&self) -> Option<Money> {
        Money::checked_sum([self.costs, self.interest, self.principal])
    }
}

/// An amount still open, identified by the caller's `Id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct OpenItem<Id> {
    id: Id,
    kind: ItemKind,
    date: NaiveDate,
    open: Money,
}

impl<Id> OpenItem<Id> {
    /// An item with `open` (zero or more) left to pay. `date` decides the
    /// order within a kind: the due date of an invoice, the date a charge
    /// was made.
    pub fn new(
        id: Id,
        kind: ItemKind,
        date: NaiveDate,
        open: Money,
    ) -> Result<Self, AllocationError> {
        if open.is_negative() {
            return Err(AllocationError::NegativeOpen);
        }
        Ok(OpenItem {
            id,
            kind,
            date,
            open,
        })
    }

    /// For callers in this crate that have already made sure `open` is not
    /// negative.
    pub(crate) const fn new_unchecked(
        id: Id,
        kind: ItemKind,
        date: NaiveDate,
        open: Money,
    ) -> Self {
        OpenItem {
            id,
            kind,
            date,
            open,
        }
    }

    /// The caller's identifier.
    pub const fn id(&self) -> &Id {
        &self.id
    }

    /// Costs, interest or principal.
    pub const fn kind(&self) -> ItemKind {
        self.kind
    }

    /// The date that orders items within a kind.
    pub const fn date(&self) -> NaiveDate {
        self.date
    }

    /// What is left to pay.
    pub const fn open(&self) -> Money {
        self.open
    }
}

/// The part of a payment that goes to one item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ItemAllocation<Id> {
    id: Id,
    kind: ItemKind,
    amount: Money,
    remaining: Money,
}

impl<Id> ItemAllocation<Id> {
    /// The item's identifier.
    pub const fn id(&self) -> &Id {
        &self.id
    }

    /// The item's kind.
    pub const fn kind(&self) -> ItemKind {
        self.kind
    }

    /// How much of the payment goes to this item (more than zero).
    pub const fn amount(&self) -> Money {
        self.amount
    }

    /// What stays open on the item afterwards.
    pub const fn remaining(&self) -> Money {
        self.remaining
    }
}

/// How one payment is divided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation<Id> {
    payment: Money,
    items: Vec<ItemAllocation<Id>>,
    overpayment: Money,
}

impl<Id> Allocation<Id> {
    /// The amount paid.
    pub const fn payment(&self) -> Money {
        self.payment
    }

    /// The items that receive something, in the order they were paid off.
    pub fn items(&self) -> &[ItemAllocation<Id>] {
        &self.items
    }

    /// What was paid beyond everything open, to be refunded or kept as credit.
    pub const fn overpayment(&self) -> Money {
        self.overpayment
    }

    /// The allocated amounts added up per kind, as a ledger entry records them.
    pub fn per_kind(&self) -> PerKind {
        let mut totals = PerKind::default();
        for item in &self.items {
            // Each part is at most the payment, so the sums cannot overflow.
            let slot = totals.get_mut(item.kind);
            *slot = Money::from_cents(slot.cents() + item.amount.cents());
        }
        totals
    }
}

/// Why a payment cannot be allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    /// A negative payment (refunds are not allocated; they reverse an entry).
    #[error("a payment to allocate cannot be negative")]
    NegativePayment,
    /// An item with a negative open amount.
    #[error("an open amount cannot be negative")]
    NegativeOpen,
}

/// Divides `payment` over `items`: costs, then interest, then principal;
/// within a kind by date, oldest first, and in the given order for equal
/// dates. Items with nothing open are skipped. What is left over is the
/// overpayment.
pub fn allocate<Id: Clone>(
    payment: Money,
    items: &[OpenItem<Id>],
) -> Result<Allocation<Id>, AllocationError> {
    if payment.is_negative() {
        return Err(AllocationError::NegativePayment);
    }
    let mut order: Vec<&OpenItem<Id>> = items.iter().collect();
    // Stable sort: equal kind and date keep the caller's order.
    order.sort_by_key(|item| (item.kind, item.date));

    let mut left = payment;
    let mut allocated = Vec::new();
    for item in order {
        if !left.is_positive() {
            break;
        }
        if !item.open.is_positive() {
            continue;
        }
        let amount = left.min(item.open);
        // Both are non-negative and amount ≤ each, so these cannot overflow.
        left = Money::from_cents(left.cents() - amount.cents());
        allocated.push(ItemAllocation {
            id: item.id.clone(),
            kind: item.kind,
            amount,
            remaining: Money::from_cents(item.open.cents() - amount.cents()),
        });
    }
    Ok(Allocation {
        payment,
        items: allocated,
        overpayment: left,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn item(
        id: &'static str,
        kind: ItemKind,
        date: NaiveDate,
        cents: i64,
    ) -> OpenItem<&'static str> {
        OpenItem::new(id, kind, date, Money::from_cents(cents)).unwrap()
    }

    fn summary(a: &Allocation<&'static str>) -> Vec<(&'static str, i64, i64)> {
        a.items()
            .iter()
            .map(|i| (*i.id(), i.amount().cents(), i.remaining().cents()))
            .collect()
    }

    fn sample() -> Vec<OpenItem<&'static str>> {
        use ItemKind::*;
        vec![
            item("invoice-2", Principal, d(2025, 3, 1), 300_00),
            item("invoice-1", Principal, d(2025, 1, 1), 200_00),
            item("interest-2", Interest, d(2025, 6, 1), 5_00),
            item("interest-1", Interest, d(2025, 5, 1), 10_00),
            item("wik", Cost, d(2025, 6, 1), 75_00),
        ]
    }

    #[test]
    fn costs_then_interest_then_principal_oldest_first() {
        // 100: wik 75 (→0), interest-1 10 (→0), interest-2 5 (→0), invoice-1 10 of 200 (→190)
        let a = allocate(Money::from_cents(100_00), &sample()).unwrap();
        assert_eq!(
            summary(&a),
            [
                ("wik", 75_00, 0),
                ("interest-1", 10_00, 0),
                ("interest-2", 5_00, 0),
                ("invoice-1", 10_00, 190_00)
            ]
        );
        assert_eq!(a.overpayment(), Money::ZERO);
        assert_eq!(a.payment(), Money::from_cents(100_00));
        assert_eq!(
            a.per_kind(),
            PerKind {
                costs: Money::from_cents(75_00),
                interest: Money::from_cents(15_00),
                principal: Money::from_cents(10_00),
            }
        );
    }

    #[test]
    fn a_small_payment_only_reaches_the_costs() {
        let a = allocate(Money::from_cents(20_00), &sample()).unwrap();
        assert_eq!(summary(&a), [("wik", 20_00, 55_00)]); // 75 − 20 = 55
    }

    #[test]
    fn overpayment_is_reported() {
        // open: 300 + 200 + 5 + 10 + 75 = 590; paid 600 → 10 over
        let a = allocate(Money::from_cents(600_00), &sample()).unwrap();
        assert_eq!(a.overpayment(), Money::from_cents(10_00));
        assert_eq!(a.items().len(), 5);
        assert!(a.items().iter().all(|i| i.remaining() == Money::ZERO));
        assert_eq!(a.items()[4].id(), &"invoice-2");
    }

    #[test]
    fn equal_dates_keep_the_given_order_and_empty_items_are_skipped() {
        use ItemKind::*;
        let items = [
            item("b", Principal, d(2025, 1, 1), 10),
            item("empty", Principal, d(2024, 1, 1), 0),
            item("a", Principal, d(2025, 1, 1), 10),
        ];
        let a = allocate(Money::from_cents(15), &items).unwrap();
        assert_eq!(summary(&a), [("b", 10, 0), ("a", 5, 5)]);
    }

    #[test]
    fn zero_payment_and_no_items() {
        let a = allocate(Money::ZERO, &sample()).unwrap();
        assert!(a.items().is_empty());
        assert_eq!(a.overpayment(), Money::ZERO);
        let a = allocate::<&str>(Money::from_cents(5), &[]).unwrap();
        assert_eq!(a.overpayment(), Money::from_cents(5));
    }

    #[test]
    fn refusals() {
        assert_eq!(
            allocate(Money::from_cents(-1), &sample()),
            Err(AllocationError::NegativePayment)
        );
        assert_eq!(
            OpenItem::new(1, ItemKind::Cost, d(2025, 1, 1), Money::from_cents(-1)),
            Err(AllocationError::NegativeOpen)
        );
    }

    #[test]
    fn per_kind_helpers() {
        let mut p = PerKind::default();
        p.checked_add_to(ItemKind::Interest, Money::from_cents(7))
            .unwrap();
        p.checked_add_to(ItemKind::Interest, Money::from_cents(3))
            .unwrap();
        assert_eq!(p.get(ItemKind::Interest), Money::from_cents(10));
        assert_eq!(p.checked_total(), Some(Money::from_cents(10)));
        p.principal = Money::from_cents(i64::MAX);
        assert_eq!(p.checked_total(), None);
        assert_eq!(
            p.checked_add_to(ItemKind::Principal, Money::from_cents(1)),
            None
        );
    }

    fn kind() -> impl Strategy<Value = ItemKind> {
        prop_oneof![
            Just(ItemKind::Cost),
            Just(ItemKind::Interest),
            Just(ItemKind::Principal)
        ]
    }

    fn items() -> impl Strategy<Value = Vec<OpenItem<usize>>> {
        prop::collection::vec((kind(), 0i64..60, 0i64..100_000), 0..12).prop_map(|raw| {
            raw.into_iter()
                .enumerate()
                .map(|(id, (kind, day, open))| {
                    let date = d(2025, 1, 1) + chrono::Days::new(day as u64);
                    OpenItem::new(id, kind, date, Money::from_cents(open)).unwrap()
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn allocation_invariants(items in items(), payment in 0i64..700_000) {
            let payment = Money::from_cents(payment);
            let a = allocate(payment, &items).unwrap();
            let by_id = |id: usize| &items[id];

            // Parts and overpayment add up to the payment: nothing lost.
            let allocated: i64 = a.items().iter().map(|i| i.amount().cents()).sum();
            prop_assert_eq!(allocated + a.overpayment().cents(), payment.cents());
            prop_assert!(!a.overpayment().is_negative());

            // No item gets more than is open, nor nothing, and is listed once.
            let mut seen = std::collections::HashSet::new();
            for i in a.items() {
                let original = by_id(*i.id());
                prop_assert!(i.amount().is_positive());
                prop_assert!(i.amount() <= original.open());
                prop_assert_eq!(i.amount().cents() + i.remaining().cents(), original.open().cents());
                prop_assert!(seen.insert(*i.id()));
            }

            // An overpayment only when everything is paid off.
            let total_open: i64 = items.iter().map(|i| i.open().cents()).sum();
            prop_assert_eq!(a.overpayment().cents(), (payment.cents() - total_open).max(0));

            // Order: the paid items come in (kind, date) order, and every item
            // before the last one paid is fully paid, as is every open item
            // that sorts before it.
            let keys: Vec<(ItemKind, NaiveDate)> =
                a.items().iter().map(|i| (i.kind(), by_id(*i.id()).date())).collect();
            prop_assert!(keys.windows(2).all(|w| w[0] <= w[1]));
            if let Some(last) = a.items().last() {
                let last_key = (last.kind(), by_id(*last.id()).date());
                for i in &a.items()[..a.items().len() - 1] {
                    prop_assert_eq!(i.remaining(), Money::ZERO);
                }
                for original in &items {
                    if (original.kind(), original.date()) < last_key && original.open().is_positive() {
                        let paid = a.items().iter().find(|i| *i.id() == *original.id());
                        prop_assert!(paid.is_some_and(|p| p.remaining() == Money::ZERO));
                    }
                }
            }

            // per_kind adds up to the same total.
            prop_assert_eq!(a.per_kind().checked_total(), Some(Money::from_cents(allocated)));
        }
    }
}
