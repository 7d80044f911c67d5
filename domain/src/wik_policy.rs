//! The agency's WIK charge policy: when collection costs may be charged, on what, with or
//! without VAT, how they are keyed and explained, and how they follow a changed principal.
//! The one home of these rules: the import charges them, the claim shows them, a dispute
//! upheld corrects them (the scale itself is [`crate::wik`]).
//!
//! Sources: art. 6:96 lid 5 and 6 BW; Besluit vergoeding voor buitengerechtelijke
//! incassokosten (Stb. 2012, 141), art. 2 (the scale, €40 minimum, €6,775 maximum; VAT only
//! where the creditor cannot deduct it). See `../shared/LAW.md`.

use chrono::{Days, NaiveDate};

use crate::ids::DossierNumber;
use crate::lang::Lang;
use crate::money::Money;
use crate::wik::{VatTreatment, WIK_MAXIMUM, WIK_MINIMUM, WikBreakdown, WikError, wik_costs};

/// Every WIK charge's idempotency key starts with this: `wik:{dossier}` for the first,
/// `wik:{dossier}:{n}` for the n-th (a correction). Other costs never do.
pub const WIK_KEY_PREFIX: &str = "wik:";

/// Days after the date of the 14-day letter from which a consumer owes collection costs
/// (art. 6:96 lid 6 BW): the letter counts as received two days after its date, the 14-day
/// term starts the day after receipt, and the costs are due the day after the term ends.
pub const CONSUMER_COST_WAIT_DAYS: u64 = 17;

impl VatTreatment {
    /// VAT on the costs follows the creditor (Besluit art. 2): a creditor who can deduct
    /// VAT charges none, one who cannot adds 21%.
    pub const fn for_creditor(can_deduct_vat: bool) -> VatTreatment {
        if can_deduct_vat {
            VatTreatment::CreditorDeductsVat
        } else {
            VatTreatment::AddVat
        }
    }
}

/// The key of a dossier's `n`-th WIK charge (1 for the first).
pub fn wik_key(dossier: &DossierNumber, n: usize) -> String {
    if n <= 1 {
        format!("{WIK_KEY_PREFIX}{dossier}")
    } else {
        format!("{WIK_KEY_PREFIX}{dossier}:{n}")
    }
}

/// Whether `key` is one of `dossier`'s WIK charges (the first or a correction).
pub fn is_wik_key(key: &str, dossier: &DossierNumber) -> bool {
    let first = wik_key(dossier, 1);
    key == first
        || key
            .strip_prefix(&first)
            .is_some_and(|rest| rest.starts_with(':'))
}

/// The principal the costs are computed on: the principal of all invoices of the claim
/// together (Besluit art. 2; the scale is not applied per invoice), less what was written
/// off. Each item is an invoice's `(principal, principal written off)`.
pub fn wik_base(invoices: impl IntoIterator<Item = (Money, Money)>) -> Result<Money, WikError> {
    let mut base = Money::ZERO;
    for (principal, written_off) in invoices {
        base = base
            .checked_add(principal)
            .and_then(|b| b.checked_sub(written_off))
            .ok_or(WikError::Overflow)?;
    }
    Ok(base)
}

/// When collection costs may be charged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CostsDue {
    /// Now.
    Yes,
    /// Not yet.
    NotYet(NotYet),
}

/// Why collection costs may not be charged yet (for the import report, in English).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotYet {
    /// A consumer without a known 14-day letter.
    #[error(
        "collection costs not charged: the debtor is a person and no last_letter_date (the \
         14-day letter) was given"
    )]
    NoLetter,
    /// The letter's term has not run out.
    #[error(
        "collection costs not charged yet: the term of the 14-day letter of {letter} runs out \
         first; import the dossier again from {from} to add them"
    )]
    TermRunning {
        /// The letter's date.
        letter: NaiveDate,
        /// The first day costs may be charged.
        from: NaiveDate,
    },
    /// A letter date at the end of the calendar.
    #[error("collection costs not charged: letter date out of range")]
    OutOfRange,
}

/// Businesses owe the costs once in default; consumers only after the term of a 14-day letter
/// (art. 6:96 lid 6 BW) has run out, so the date of that letter must be known.
pub fn costs_due(business: bool, letter: Option<NaiveDate>, today: NaiveDate) -> CostsDue {
    if business {
        return CostsDue::Yes;
    }
    let Some(letter) = letter else {
        return CostsDue::NotYet(NotYet::NoLetter);
    };
    match letter.checked_add_days(Days::new(CONSUMER_COST_WAIT_DAYS)) {
        Some(from) if today >= from => CostsDue::Yes,
        Some(from) => CostsDue::NotYet(NotYet::TermRunning { letter, from }),
        None => CostsDue::NotYet(NotYet::OutOfRange),
    }
}

/// A dossier's WIK charges so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WikCharged {
    /// Their sum (corrections are negative).
    pub total: Money,
    /// How many there are (the next one is keyed `count + 1`).
    pub count: usize,
}

impl WikCharged {
    /// Sums the `(idempotency key, amount)` pairs of a dossier's charges that are WIK charges.
    pub fn of<'a>(
        dossier: &DossierNumber,
        charges: impl IntoIterator<Item = (&'a str, Money)>,
    ) -> Result<WikCharged, WikError> {
        let mut charged = WikCharged::default();
        for (key, amount) in charges {
            if is_wik_key(key, dossier) {
                charged.total = charged
                    .total
                    .checked_add(amount)
                    .ok_or(WikError::Overflow)?;
                charged.count += 1;
            }
        }
        Ok(charged)
    }
}

/// A WIK charge to book: its key, amount (negative for a lowering correction) and the
/// explanation the claim page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WikCharge {
    /// The charge's idempotency key ([`wik_key`]).
    pub key: String,
    /// What it adds to the costs.
    pub amount: Money,
    /// Why, with every figure (in English, as stored).
    pub rule: String,
}

/// The charge that brings the WIK charges to the scale on `principal` (raising or lowering
/// them, e.g. when a re-import changed the principal), or `None` when they already match.
pub fn wik_charge(
    dossier: &DossierNumber,
    principal: Money,
    vat: VatTreatment,
    charged: WikCharged,
) -> Result<Option<WikCharge>, WikError> {
    let breakdown = wik_costs(principal, vat)?;
    let target = breakdown.total();
    if charged.total == target {
        return Ok(None);
    }
    let rule = wik_rule(&breakdown);
    Ok(Some(WikCharge {
        key: wik_key(dossier, charged.count + 1),
        amount: target
            .checked_sub(charged.total)
            .ok_or(WikError::Overflow)?,
        rule: if charged.count == 0 {
            rule
        } else {
            format!(
                "Correction after a change of principal: costs were {}, are now {}. {rule}",
                charged.total.format(Lang::En),
                target.format(Lang::En)
            )
        },
    }))
}

/// After principal was written off (a dispute upheld), the costs follow the principal left:
/// the correction that brings them down to the scale on `principal_left` (nothing when none
/// is left). It never raises the costs, and never lowers them below `paid_on_costs` (a paid
/// surplus stays for staff to refund). `None` without WIK charges or when nothing changes.
pub fn wik_correction_after_write_off(
    dossier: &DossierNumber,
    principal_left: Money,
    vat: VatTreatment,
    charged: WikCharged,
    paid_on_costs: Money,
    why: &str,
) -> Result<Option<WikCharge>, WikError> {
    if charged.count == 0 {
        return Ok(None);
    }
    let target = if principal_left.is_positive() {
        wik_costs(principal_left, vat)?.total()
    } else {
        Money::ZERO
    };
    let new_total = target.max(paid_on_costs);
    if new_total >= charged.total {
        return Ok(None);
    }
    Ok(Some(WikCharge {
        key: wik_key(dossier, charged.count + 1),
        amount: new_total
            .checked_sub(charged.total)
            .ok_or(WikError::Overflow)?,
        rule: format!(
            "WIK correction after {why}: collection costs on the principal left, {}, are {} by \
             the scale; lowered from {} to {}",
            principal_left.format(Lang::En),
            target.format(Lang::En),
            charged.total.format(Lang::En),
            new_total.format(Lang::En),
        ),
    }))
}

/// The explanation stored with a WIK charge, e.g. `WIK collection costs on principal
/// €3,630.50: 15% of €2,500.00 = €375.00; 10% of €1,130.50 = €113.05; total €488.05, no VAT
/// (the creditor deducts VAT)`. [`wik_costs`] with the principal and VAT treatment named in
/// it reproduces every figure.
pub fn wik_rule(breakdown: &WikBreakdown) -> String {
    let eur = |m: Money| m.format(Lang::En);
    let lines: Vec<String> = breakdown
        .lines()
        .iter()
        .map(|line| {
            format!(
                "{} of {} = {}",
                percent(line.band().rate_bp()),
                eur(line.base()),
                eur(line.cost())
            )
        })
        .collect();
    let mut rule = format!(
        "WIK collection costs (art. 6:96 BW, Besluit vergoeding voor buitengerechtelijke \
         incassokosten) on principal {}: {}",
        eur(breakdown.principal()),
        lines.join("; ")
    );
    if breakdown.minimum_applied() {
        rule.push_str(&format!("; raised to the minimum of {}", eur(WIK_MINIMUM)));
    }
    if breakdown.cap_applied() {
        rule.push_str(&format!("; lowered to the maximum of {}", eur(WIK_MAXIMUM)));
    }
    if breakdown.vat().is_zero() {
        rule.push_str(&format!(
            "; total {}, no VAT (the creditor deducts VAT)",
            eur(breakdown.total())
        ));
    } else {
        rule.push_str(&format!(
            "; {} plus {} VAT {} (the creditor cannot deduct VAT) = total {}",
            eur(breakdown.subtotal()),
            percent(breakdown.vat_rate_bp()),
            eur(breakdown.vat()),
            eur(breakdown.total())
        ));
    }
    rule
}

fn percent(basis_points: u32) -> String {
    if basis_points.is_multiple_of(100) {
        format!("{}%", basis_points / 100)
    } else {
        format!("{}.{:02}%", basis_points / 100, basis_points % 100)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn dossier() -> DossierNumber {
        "ISB-2026-000123".parse().unwrap()
    }

    fn eur(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    #[test]
    fn vat_follows_the_creditor() {
        assert_eq!(
            VatTreatment::for_creditor(true),
            VatTreatment::CreditorDeductsVat
        );
        assert_eq!(VatTreatment::for_creditor(false), VatTreatment::AddVat);
    }

    #[test]
    fn the_base_is_all_invoices_together_less_write_offs() {
        assert_eq!(
            wik_base([
                (eur(1_000_00), eur(0)),
                (eur(500_00), eur(500_00)),
                (eur(300_00), eur(0))
            ]),
            Ok(eur(1_300_00))
        );
        assert_eq!(wik_base([]), Ok(Money::ZERO));
    }

    #[test]
    fn keys_number_the_charges_and_belong_to_one_dossier() {
        let d = dossier();
        assert_eq!(wik_key(&d, 1), "wik:ISB-2026-000123");
        assert_eq!(wik_key(&d, 3), "wik:ISB-2026-000123:3");
        assert!(is_wik_key("wik:ISB-2026-000123", &d));
        assert!(is_wik_key("wik:ISB-2026-000123:2", &d));
        assert!(!is_wik_key("wik:ISB-2026-0001234", &d));
        assert!(!is_wik_key("costs:ISB-2026-000123", &d));
        let charged = WikCharged::of(
            &d,
            [
                ("wik:ISB-2026-000123", eur(150_00)),
                ("wik:ISB-2026-000123:2", eur(-75_00)),
                ("other", eur(5)),
            ],
        )
        .unwrap();
        assert_eq!(
            charged,
            WikCharged {
                total: eur(75_00),
                count: 2
            }
        );
    }

    #[test]
    fn the_rule_names_every_band_and_the_vat() {
        let breakdown = wik_costs(eur(3_630_50), VatTreatment::AddVat).unwrap();
        assert_eq!(
            wik_rule(&breakdown),
            "WIK collection costs (art. 6:96 BW, Besluit vergoeding voor buitengerechtelijke \
             incassokosten) on principal €3,630.50: 15% of €2,500.00 = €375.00; 10% of \
             €1,130.50 = €113.05; €488.05 plus 21% VAT €102.49 (the creditor cannot deduct \
             VAT) = total €590.54"
        );
        let small = wik_costs(eur(100_00), VatTreatment::CreditorDeductsVat).unwrap();
        assert!(wik_rule(&small).contains("raised to the minimum of €40.00; total €40.00, no VAT"));
    }

    #[test]
    fn a_changed_principal_gets_a_correcting_charge_and_an_unchanged_one_none() {
        let d = dossier();
        let vat = VatTreatment::CreditorDeductsVat;
        let first = wik_charge(&d, eur(1_000_00), vat, WikCharged::default())
            .unwrap()
            .unwrap();
        assert_eq!(first.key, "wik:ISB-2026-000123");
        assert_eq!(first.amount, eur(150_00));
        let booked = WikCharged {
            total: first.amount,
            count: 1,
        };
        assert_eq!(wik_charge(&d, eur(1_000_00), vat, booked), Ok(None));
        let lower = wik_charge(&d, eur(500_00), vat, booked).unwrap().unwrap();
        assert_eq!(lower.key, "wik:ISB-2026-000123:2");
        assert_eq!(lower.amount, eur(-75_00));
    }

    #[test]
    fn consumers_owe_costs_only_after_the_letter_term() {
        let letter = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let day = |n| letter.checked_add_days(Days::new(n)).unwrap();
        assert_eq!(costs_due(true, None, letter), CostsDue::Yes);
        assert_eq!(
            costs_due(false, None, day(100)),
            CostsDue::NotYet(NotYet::NoLetter)
        );
        assert!(matches!(
            costs_due(false, Some(letter), day(16)),
            CostsDue::NotYet(NotYet::TermRunning { .. })
        ));
        assert_eq!(costs_due(false, Some(letter), day(17)), CostsDue::Yes);
    }

    #[test]
    fn a_write_off_lowers_the_costs_to_the_scale_on_what_is_left_but_not_below_what_was_paid() {
        let d = dossier();
        let vat = VatTreatment::CreditorDeductsVat;
        let charged = WikCharged {
            total: eur(225_00),
            count: 1,
        };
        // €1,500 → €1,000 left: 15% = €150.
        let c = wik_correction_after_write_off(&d, eur(1_000_00), vat, charged, eur(0), "x")
            .unwrap()
            .unwrap();
        assert_eq!(
            (c.key.as_str(), c.amount),
            ("wik:ISB-2026-000123:2", eur(-75_00))
        );
        // €200 was paid on the costs already: down to €200 only.
        let c = wik_correction_after_write_off(&d, eur(1_000_00), vat, charged, eur(200_00), "x")
            .unwrap()
            .unwrap();
        assert_eq!(c.amount, eur(-25_00));
        // Nothing left: all costs go.
        let c = wik_correction_after_write_off(&d, eur(0), vat, charged, eur(0), "x")
            .unwrap()
            .unwrap();
        assert_eq!(c.amount, eur(-225_00));
        // No WIK charges: nothing to correct.
        assert_eq!(
            wik_correction_after_write_off(&d, eur(0), vat, WikCharged::default(), eur(0), "x"),
            Ok(None)
        );
    }

    fn vat() -> impl Strategy<Value = VatTreatment> {
        prop_oneof![
            Just(VatTreatment::CreditorDeductsVat),
            Just(VatTreatment::AddVat)
        ]
    }

    proptest! {
        /// Whatever was charged before, the charge brings the total exactly to the scale, and
        /// a second call with the new total books nothing.
        #[test]
        fn a_charge_brings_the_costs_to_the_scale(
            principal in 1i64..1_000_000_000,
            before in -1_000_000i64..10_000_000,
            count in 0usize..5,
            vat in vat(),
        ) {
            let d = dossier();
            let charged = WikCharged { total: eur(before), count };
            let target = wik_costs(eur(principal), vat).unwrap().total();
            match wik_charge(&d, eur(principal), vat, charged).unwrap() {
                None => prop_assert_eq!(eur(before), target),
                Some(charge) => {
                    let after = eur(before).checked_add(charge.amount).unwrap();
                    prop_assert_eq!(after, target);
                    prop_assert!(is_wik_key(&charge.key, &d));
                    let next = WikCharged { total: after, count: count + 1 };
                    prop_assert_eq!(wik_charge(&d, eur(principal), vat, next).unwrap(), None);
                }
            }
        }

        /// A correction after a write-off never raises the costs, never takes them below
        /// what was paid on them, and never below zero.
        #[test]
        fn a_write_off_correction_only_lowers_and_keeps_what_was_paid(
            left in 0i64..1_000_000_000,
            charged in 1i64..700_000,
            paid in 0i64..700_000,
            vat in vat(),
        ) {
            let d = dossier();
            let paid = eur(paid.min(charged));
            let so_far = WikCharged { total: eur(charged), count: 1 };
            if let Some(c) = wik_correction_after_write_off(&d, eur(left), vat, so_far, paid, "x").unwrap() {
                prop_assert!(c.amount.is_negative());
                let after = eur(charged).checked_add(c.amount).unwrap();
                prop_assert!(after >= paid);
                prop_assert!(!after.is_negative());
                prop_assert_eq!(c.key, wik_key(&d, 2));
                if left > 0 {
                    prop_assert!(after <= wik_costs(eur(left), vat).unwrap().total().max(paid));
                }
            }
        }
    }
}
