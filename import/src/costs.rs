//! The extrajudicial collection costs (WIK scale) an import adds to a dossier, as `charge`
//! rows the claim page can explain. The policy itself (when, on what, VAT, keys, the
//! explanation) is `domain::wik_policy`; this only reads a dossier's stored charges for it.

use domain::{DossierNumber, Money, VatTreatment, WikCharge, WikCharged, WikError};
use store::Charge;

/// The charge that brings the dossier's WIK charges (found among `existing`, all of its
/// charges) to the costs on `principal`, or `None` when they already add up to that.
pub(crate) fn wik_charge(
    dossier: &DossierNumber,
    principal: Money,
    vat: VatTreatment,
    existing: &[Charge],
) -> Result<Option<WikCharge>, WikError> {
    let charged = WikCharged::of(
        dossier,
        existing
            .iter()
            .map(|c| (c.idempotency_key.as_str(), c.amount)),
    )?;
    domain::wik_charge(dossier, principal, vat, charged)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use store::ChargeKind;

    use super::*;

    fn charge(key: &str, cents: i64) -> Charge {
        Charge {
            id: domain::ChargeId::new(1),
            dossier_id: domain::DossierId::new("d"),
            kind: ChargeKind::Costs,
            amount: Money::from_cents(cents),
            rule: String::new(),
            as_of: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            idempotency_key: key.into(),
            created_at: Utc.timestamp_opt(0, 0).unwrap(),
        }
    }

    #[test]
    fn only_the_dossiers_own_wik_charges_count() {
        let d: DossierNumber = "ISB-2026-000123".parse().unwrap();
        let vat = VatTreatment::CreditorDeductsVat;
        let booked = [
            charge("wik:ISB-2026-000123", 150_00),
            charge("other", 5),
            charge("wik:ISB-2026-000999", 40_00),
        ];
        assert_eq!(
            wik_charge(&d, Money::from_cents(1_000_00), vat, &booked),
            Ok(None)
        );
        let lower = wik_charge(&d, Money::from_cents(500_00), vat, &booked)
            .unwrap()
            .unwrap();
        assert_eq!(lower.key, "wik:ISB-2026-000123:2");
        assert_eq!(lower.amount, Money::from_cents(-75_00));
    }
}
