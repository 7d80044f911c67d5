//! Extrajudicial collection costs under the Besluit vergoeding voor
//! buitengerechtelijke incassokosten (the "WIK scale", art. 6:96 lid 5 BW).

use serde::Serialize;

use crate::money::Money;

/// One band of the scale: the rate applies to the part of the principal
/// between `from` and `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct WikBand {
    from: Money,
    to: Option<Money>,
    rate_bp: u32,
}

impl WikBand {
    /// Lower bound of the band (exclusive: the band starts just above it).
    pub const fn from(self) -> Money {
        self.from
    }

    /// Upper bound of the band (inclusive); `None` for the open top band.
    pub const fn to(self) -> Option<Money> {
        self.to
    }

    /// Rate in basis points (1500 = 15%).
    pub const fn rate_bp(self) -> u32 {
        self.rate_bp
    }
}

const fn band(from_euros: i64, to_euros: Option<i64>, rate_bp: u32) -> WikBand {
    WikBand {
        from: Money::from_cents(from_euros * 100),
        to: match to_euros {
            Some(to) => Some(Money::from_cents(to * 100)),
            None => None,
        },
        rate_bp,
    }
}

/// The scale as set by the Besluit (unchanged since 1 July 2012).
pub const WIK_BANDS: [WikBand; 5] = [
    band(0, Some(2_500), 1500),
    band(2_500, Some(5_000), 1000),
    band(5_000, Some(10_000), 500),
    band(10_000, Some(200_000), 100),
    band(200_000, None, 50),
];

/// The costs are at least €40.
pub const WIK_MINIMUM: Money = Money::from_cents(40_00);

/// The costs are at most €6,775.
pub const WIK_MAXIMUM: Money = Money::from_cents(6_775_00);

/// Dutch standard VAT rate in basis points (21%).
pub const VAT_RATE_BP: u32 = 2100;

/// Whether VAT is added to the costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum VatTreatment {
    /// The creditor can deduct VAT (a VAT-registered business), so charging
    /// it to the debtor would be double: none is added. The usual case.
    #[default]
    CreditorDeductsVat,
    /// The creditor cannot deduct VAT, so 21% is added to the costs.
    AddVat,
}

/// The part of the principal that falls in one band and what it costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WikLine {
    band: WikBand,
    base: Money,
    cost: Money,
}

impl WikLine {
    /// The band.
    pub const fn band(self) -> WikBand {
        self.band
    }

    /// The part of the principal in this band.
    pub const fn base(self) -> Money {
        self.base
    }

    /// `base × rate`, rounded to the cent (half up).
    pub const fn cost(self) -> Money {
        self.cost
    }
}

/// The derivation of the collection costs, line by line, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WikBreakdown {
    principal: Money,
    lines: Vec<WikLine>,
    computed: Money,
    minimum_applied: bool,
    cap_applied: bool,
    subtotal: Money,
    vat_rate_bp: u32,
    vat: Money,
    total: Money,
}

impl WikBreakdown {
    /// The principal the costs were computed on.
    pub const fn principal(&self) -> Money {
        self.principal
    }

    /// One line per band the principal reaches, lowest band first.
    pub fn lines(&self) -> &[WikLine] {
        &self.lines
    }

    /// Sum of the lines, before minimum and cap.
    pub const fn computed(&self) -> Money {
        self.computed
    }

    /// Whether the sum was below €40 and raised to it.
    pub const fn minimum_applied(&self) -> bool {
        self.minimum_applied
    }

    /// Whether the sum was above €6,775 and lowered to it.
    pub const fn cap_applied(&self) -> bool {
        self.cap_applied
    }

    /// The costs excluding VAT.
    pub const fn subtotal(&self) -> Money {
        self.subtotal
    }

    /// VAT rate applied in basis points: 2100 or 0.
    pub const fn vat_rate_bp(&self) -> u32 {
        self.vat_rate_bp
    }

    /// VAT on the subtotal, rounded to the cent (half up); zero when the
    /// creditor deducts VAT.
    pub const fn vat(&self) -> Money {
        self.vat
    }

    /// What the debtor owes in collection costs.
    pub const fn total(&self) -> Money {
        self.total
    }
}

/// Why no costs can be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WikError {
    /// Zero or negative principal: no claim, no costs.
    #[error("collection costs need a positive principal")]
    NonPositivePrincipal,
    /// An amount too large to hold.
    #[error("amount too large")]
    Overflow,
}

/// Computes the collection costs on `principal` (the hoofdsom; the caller
/// decides what it includes).
///
/// Each band's cost is rounded to the cent on its own, so the lines shown add
/// up exactly to the sum; rounding once at the end could differ from this by
/// at most a cent or two.
pub fn wik_costs(principal: Money, vat: VatTreatment) -> Result<WikBreakdown, WikError> {
    if !principal.is_positive() {
        return Err(WikError::NonPositivePrincipal);
    }
    let mut lines = Vec::with_capacity(WIK_BANDS.len());
    for band in WIK_BANDS {
        if principal <= band.from {
            break;
        }
        let top = band.to.map_or(principal, |to| principal.min(to));
        let base = top.checked_sub(band.from).ok_or(WikError::Overflow)?;
        let cost = base
            .checked_mul_bp(band.rate_bp)
            .ok_or(WikError::Overflow)?;
        lines.push(WikLine { band, base, cost });
    }
    let computed = Money::checked_sum(lines.iter().map(|l| l.cost)).ok_or(WikError::Overflow)?;
    let minimum_applied = computed < WIK_MINIMUM;
    let cap_applied = computed > WIK_MAXIMUM;
    let subtotal = computed.clamp(WIK_MINIMUM, WIK_MAXIMUM);
    let vat_rate_bp = match vat {
        VatTreatment::CreditorDeductsVat => 0,
        VatTreatment::AddVat => VAT_RATE_BP,
    };
    // The subtotal is at most the cap, so neither VAT nor total can overflow.
    let vat = subtotal
        .checked_mul_bp(vat_rate_bp)
        .ok_or(WikError::Overflow)?;
    let total = subtotal.checked_add(vat).ok_or(WikError::Overflow)?;
    Ok(WikBreakdown {
        principal,
        lines,
        computed,
        minimum_applied,
        cap_applied,
        subtotal,
        vat_rate_bp,
        vat,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    fn costs(principal_cents: i64) -> WikBreakdown {
        wik_costs(eur(principal_cents), VatTreatment::CreditorDeductsVat).unwrap()
    }

    #[test]
    fn scale_table_matches_the_besluit() {
        // bands join without gaps and only the last is open
        for pair in WIK_BANDS.windows(2) {
            assert_eq!(pair[0].to(), Some(pair[1].from()));
        }
        assert_eq!(WIK_BANDS[0].from(), Money::ZERO);
        assert_eq!(WIK_BANDS[4].to(), None);
        let rates: Vec<u32> = WIK_BANDS.iter().map(|b| b.rate_bp()).collect();
        assert_eq!(rates, [1500, 1000, 500, 100, 50]);
    }

    #[test]
    fn totals_at_band_edges() {
        // (principal cents, computed cents, subtotal cents, min applied, cap applied)
        let cases = [
            // 100.00 × 15% = 15.00 → raised to the 40.00 minimum
            (100_00, 15_00, 40_00, true, false),
            // 0.01 × 15% = 0.0015 → 0.00 → minimum
            (1, 0, 40_00, true, false),
            // 266.63 × 15% = 39.9945 → 39.99 → minimum
            (266_63, 39_99, 40_00, true, false),
            // 266.66 × 15% = 39.999 → rounds to 40.00 itself; no minimum needed
            (266_66, 40_00, 40_00, false, false),
            // 266.67 × 15% = 40.0005 → 40.00
            (266_67, 40_00, 40_00, false, false),
            // 1,234.56 × 15% = 185.184 → 185.18
            (1_234_56, 185_18, 185_18, false, false),
            // 2,500 × 15% = 375
            (2_500_00, 375_00, 375_00, false, false),
            // 375 + 100 × 10% = 385
            (2_600_00, 385_00, 385_00, false, false),
            // 375 + 2,500 × 10% = 625
            (5_000_00, 625_00, 625_00, false, false),
            // 625 + 5,000 × 5% = 875
            (10_000_00, 875_00, 875_00, false, false),
            // 875 + 190,000 × 1% = 2,775
            (200_000_00, 2_775_00, 2_775_00, false, false),
            // 2,775 + 800,000 × 0.5% = 6,775: exactly the maximum, not above it
            (1_000_000_00, 6_775_00, 6_775_00, false, false),
            // 2,775 + 800,000.01 × 0.5% = 6,775.00005 → 6,775.00: still not above
            (1_000_000_01, 6_775_00, 6_775_00, false, false),
            // 2,775 + 800,002 × 0.5% = 6,775.01 → capped
            (1_000_002_00, 6_775_01, 6_775_00, false, true),
            // 2,775 + 1,800,000 × 0.5% = 11,775 → capped
            (2_000_000_00, 11_775_00, 6_775_00, false, true),
        ];
        for (principal, computed, subtotal, min, cap) in cases {
            let b = costs(principal);
            assert_eq!(b.computed(), eur(computed), "computed for {principal}");
            assert_eq!(b.subtotal(), eur(subtotal), "subtotal for {principal}");
            assert_eq!(b.minimum_applied(), min, "minimum for {principal}");
            assert_eq!(b.cap_applied(), cap, "cap for {principal}");
            assert_eq!(b.vat(), Money::ZERO);
            assert_eq!(b.vat_rate_bp(), 0);
            assert_eq!(b.total(), eur(subtotal));
            assert_eq!(b.principal(), eur(principal));
        }
    }

    #[test]
    fn lines_show_the_derivation() {
        // 12,000: 2,500 × 15% = 375; 2,500 × 10% = 250; 5,000 × 5% = 250; 2,000 × 1% = 20
        let b = costs(12_000_00);
        let lines: Vec<(i64, u32, i64)> = b
            .lines()
            .iter()
            .map(|l| (l.base().cents(), l.band().rate_bp(), l.cost().cents()))
            .collect();
        assert_eq!(
            lines,
            [
                (2_500_00, 1500, 375_00),
                (2_500_00, 1000, 250_00),
                (5_000_00, 500, 250_00),
                (2_000_00, 100, 20_00),
            ]
        );
        assert_eq!(b.computed(), eur(895_00)); // 375 + 250 + 250 + 20
        assert_eq!(b.lines()[3].band().from(), eur(10_000_00));
        assert_eq!(b.lines()[3].band().to(), Some(eur(200_000_00)));

        // Exactly 2,500 fills the first band and reaches no other.
        assert_eq!(costs(2_500_00).lines().len(), 1);
        // One cent more reaches the second band with a cost that rounds to zero:
        // 0.01 × 10% = 0.001.
        let just_over = costs(2_500_01);
        assert_eq!(just_over.lines().len(), 2);
        assert_eq!(just_over.lines()[1].base(), eur(1));
        assert_eq!(just_over.lines()[1].cost(), Money::ZERO);
        // All five bands: 1,000,000 puts 800,000 in the open band.
        let top = costs(1_000_000_00);
        assert_eq!(top.lines().len(), 5);
        assert_eq!(top.lines()[4].base(), eur(800_000_00));
        assert_eq!(top.lines()[4].band().to(), None);
    }

    #[test]
    fn vat_when_the_creditor_cannot_deduct_it() {
        // (principal cents, subtotal cents, VAT cents, total cents)
        let cases = [
            // 375 × 21% = 78.75
            (2_500_00, 375_00, 78_75, 453_75),
            // minimum: 40 × 21% = 8.40
            (100_00, 40_00, 8_40, 48_40),
            // cap: 6,775 × 21% = 1,422.75
            (2_000_000_00, 6_775_00, 1_422_75, 8_197_75),
            // 185.18 × 21% = 38.8878 → 38.89; 185.18 + 38.89 = 224.07
            (1_234_56, 185_18, 38_89, 224_07),
        ];
        for (principal, subtotal, vat, total) in cases {
            let b = wik_costs(eur(principal), VatTreatment::AddVat).unwrap();
            assert_eq!(b.subtotal(), eur(subtotal), "{principal}");
            assert_eq!(b.vat_rate_bp(), 2100);
            assert_eq!(b.vat(), eur(vat), "{principal}");
            assert_eq!(b.total(), eur(total), "{principal}");
        }
    }

    #[test]
    fn no_costs_without_a_claim() {
        for principal in [0, -1, i64::MIN] {
            assert_eq!(
                wik_costs(eur(principal), VatTreatment::AddVat),
                Err(WikError::NonPositivePrincipal)
            );
        }
    }

    #[test]
    fn largest_principal_is_capped_without_overflow() {
        let b = wik_costs(eur(i64::MAX), VatTreatment::AddVat).unwrap();
        assert!(b.cap_applied());
        assert_eq!(b.total(), eur(8_197_75)); // 6,775 + 1,422.75
    }
}
