//! The extrajudicial collection costs (WIK scale) an import adds to a dossier, as `charge`
//! rows the claim page can explain.

use chrono::{Days, NaiveDate};
use domain::{DossierNumber, Lang, Money, VatTreatment, WikBreakdown, WikError, wik_costs};
use store::{Charge, DebtorKind};

/// Days after the date of the 14-day letter from which a consumer owes collection costs
/// (art. 6:96 lid 6 BW): the letter counts as received two days after its date, the 14-day
/// term starts the day after receipt, and the costs are due the day after the term ends.
pub const CONSUMER_COST_WAIT_DAYS: u64 = 17;

/// The idempotency key of a dossier's first WIK charge: `wik:ISB-2026-000123`. Later
/// corrections (when the principal changed on a re-import) are `wik:ISB-2026-000123:2`, `:3`, …
pub fn wik_key(dossier: &DossierNumber) -> String {
    format!("wik:{dossier}")
}

/// Whether `charge` is one of the WIK charges of `dossier` (the first or a correction).
pub fn is_wik_charge(charge: &Charge, dossier: &DossierNumber) -> bool {
    let key = wik_key(dossier);
    charge.idempotency_key == key
        || charge
            .idempotency_key
            .strip_prefix(&key)
            .is_some_and(|rest| rest.starts_with(':'))
}

/// The explanation stored with a WIK charge, e.g. `WIK collection costs on principal
/// €3,630.50: 15% of €2,500.00 = €375.00; 10% of €1,130.50 = €113.05; total €488.05, no VAT
/// (the creditor deducts VAT)`. `domain::wik_costs` with the principal and VAT treatment
/// named in it reproduces every figure.
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
        rule.push_str(&format!(
            "; raised to the minimum of {}",
            eur(domain::WIK_MINIMUM)
        ));
    }
    if breakdown.cap_applied() {
        rule.push_str(&format!(
            "; lowered to the maximum of {}",
            eur(domain::WIK_MAXIMUM)
        ));
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

/// When collection costs may be charged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CostsDue {
    /// Now.
    Yes,
    /// Not yet, for the reason given (shown to staff).
    NotYet(String),
}

/// Businesses owe the costs once in default; consumers only after the term of a 14-day letter
/// (art. 6:96 lid 6 BW) has run out, so the date of that letter must be known.
pub(crate) fn costs_due(kind: DebtorKind, letter: Option<NaiveDate>, today: NaiveDate) -> CostsDue {
    if kind == DebtorKind::Business {
        return CostsDue::Yes;
    }
    let Some(letter) = letter else {
        return CostsDue::NotYet(
            "collection costs not charged: the debtor is a person and no last_letter_date \
             (the 14-day letter) was given"
                .into(),
        );
    };
    let from = letter.checked_add_days(Days::new(CONSUMER_COST_WAIT_DAYS));
    match from {
        Some(from) if today >= from => CostsDue::Yes,
        Some(from) => CostsDue::NotYet(format!(
            "collection costs not charged yet: the term of the 14-day letter of {letter} runs \
             out first; import the dossier again from {from} to add them"
        )),
        None => CostsDue::NotYet("collection costs not charged: letter date out of range".into()),
    }
}

/// A WIK charge to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WikCharge {
    pub(crate) key: String,
    pub(crate) amount: Money,
    pub(crate) rule: String,
}

/// The charge that brings the dossier's WIK charges (`existing`, all of its charges) to the
/// costs on `principal`, or `None` when they already add up to that.
pub(crate) fn wik_charge(
    dossier: &DossierNumber,
    principal: Money,
    vat: VatTreatment,
    existing: &[Charge],
) -> Result<Option<WikCharge>, WikError> {
    let breakdown = wik_costs(principal, vat)?;
    let previous: Vec<&Charge> = existing
        .iter()
        .filter(|c| is_wik_charge(c, dossier))
        .collect();
    let charged =
        Money::checked_sum(previous.iter().map(|c| c.amount)).ok_or(WikError::Overflow)?;
    if charged == breakdown.total() {
        return Ok(None);
    }
    let rule = wik_rule(&breakdown);
    Ok(Some(if previous.is_empty() {
        WikCharge {
            key: wik_key(dossier),
            amount: breakdown.total(),
            rule,
        }
    } else {
        WikCharge {
            key: format!("{}:{}", wik_key(dossier), previous.len() + 1),
            amount: breakdown
                .total()
                .checked_sub(charged)
                .ok_or(WikError::Overflow)?,
            rule: format!(
                "Correction after a change of principal: costs were {}, are now {}. {rule}",
                charged.format(Lang::En),
                breakdown.total().format(Lang::En)
            ),
        }
    }))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use store::ChargeKind;

    use super::*;

    fn dossier() -> DossierNumber {
        "ISB-2026-000123".parse().unwrap()
    }

    fn charge(key: &str, cents: i64) -> Charge {
        Charge {
            id: 1,
            dossier_id: "d".into(),
            kind: ChargeKind::Costs,
            amount: Money::from_cents(cents),
            rule: String::new(),
            as_of: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            idempotency_key: key.into(),
            created_at: Utc.timestamp_opt(0, 0).unwrap(),
        }
    }

    #[test]
    fn the_rule_names_every_band_and_the_vat() {
        let breakdown = wik_costs(Money::from_cents(363_050), VatTreatment::AddVat).unwrap();
        assert_eq!(
            wik_rule(&breakdown),
            "WIK collection costs (art. 6:96 BW, Besluit vergoeding voor buitengerechtelijke \
             incassokosten) on principal €3,630.50: 15% of €2,500.00 = €375.00; 10% of \
             €1,130.50 = €113.05; €488.05 plus 21% VAT €102.49 (the creditor cannot deduct \
             VAT) = total €590.54"
        );
        let small = wik_costs(Money::from_cents(10_000), VatTreatment::CreditorDeductsVat).unwrap();
        assert!(wik_rule(&small).contains("raised to the minimum of €40.00; total €40.00, no VAT"));
    }

    #[test]
    fn a_changed_principal_gets_a_correcting_charge_and_an_unchanged_one_none() {
        let d = dossier();
        let first = wik_charge(
            &d,
            Money::from_cents(100_000),
            VatTreatment::CreditorDeductsVat,
            &[],
        )
        .unwrap()
        .unwrap();
        assert_eq!(first.key, "wik:ISB-2026-000123");
        assert_eq!(first.amount, Money::from_cents(150_00));

        let booked = [charge(&first.key, first.amount.cents()), charge("other", 5)];
        let same = wik_charge(
            &d,
            Money::from_cents(100_000),
            VatTreatment::CreditorDeductsVat,
            &booked,
        );
        assert_eq!(same, Ok(None));

        let lower = wik_charge(
            &d,
            Money::from_cents(50_000),
            VatTreatment::CreditorDeductsVat,
            &booked,
        )
        .unwrap()
        .unwrap();
        assert_eq!(lower.key, "wik:ISB-2026-000123:2");
        assert_eq!(lower.amount, Money::from_cents(-75_00));
    }

    #[test]
    fn consumers_owe_costs_only_after_the_letter_term() {
        let letter = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let day = |n| letter.checked_add_days(Days::new(n)).unwrap();
        assert_eq!(costs_due(DebtorKind::Business, None, letter), CostsDue::Yes);
        assert!(matches!(
            costs_due(DebtorKind::Person, None, day(100)),
            CostsDue::NotYet(_)
        ));
        assert!(matches!(
            costs_due(DebtorKind::Person, Some(letter), day(16)),
            CostsDue::NotYet(_)
        ));
        assert_eq!(
            costs_due(DebtorKind::Person, Some(letter), day(17)),
            CostsDue::Yes
        );
    }
}
