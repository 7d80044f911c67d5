//! The claim as the pages see it: plain data with public fields, serialisable both ways so a
//! Leptos server function can send it to the browser. Built by [`crate::build_claim`] (or
//! `load_claim`); nothing here computes.

use chrono::NaiveDate;
use domain::{
    ChargeId, ClaimItemId, DossierId, InterestBreakdown, InvoiceCostStatus, ItemKind,
    LedgerEntryId, LetterTerm, LetterUse, Money, PaymentId, PerKind, WikBreakdown,
};
use serde::{Deserialize, Serialize};

/// Which statutory interest applies (the browser-side twin of [`domain::InterestKind`], which
/// is not deserialisable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterestRule {
    /// Art. 6:119 BW.
    Consumer,
    /// Art. 6:119a BW.
    Commercial,
}

impl InterestRule {
    /// The domain's kind, for computing.
    pub const fn domain(self) -> domain::InterestKind {
        match self {
            InterestRule::Consumer => domain::InterestKind::Consumer,
            InterestRule::Commercial => domain::InterestKind::Commercial,
        }
    }

    /// The article of the Civil Code, for display.
    pub const fn article(self) -> &'static str {
        self.domain().article()
    }
}

impl From<domain::InterestKind> for InterestRule {
    fn from(kind: domain::InterestKind) -> Self {
        match kind {
            domain::InterestKind::Consumer => InterestRule::Consumer,
            domain::InterestKind::Commercial => InterestRule::Commercial,
        }
    }
}

/// What kind of ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Money received.
    Payment,
    /// Money paid back (negative).
    Refund,
    /// A payment reversed by the bank (negative).
    Chargeback,
    /// A correction by staff, e.g. a write-off (either sign).
    Adjustment,
}

/// Whether a charge is costs or interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    /// Collection costs and other costs.
    Costs,
    /// A recorded interest snapshot (see [`ClaimView::recorded_interest`]).
    Interest,
}

/// What an open amount belongs to; the identity of an item in [`ClaimView::open_items`] and
/// [`crate::PaymentAllocation::items`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum ItemRef {
    /// The WIK collection costs, derived from the 14-day letters ([`CostBasisView`]).
    Wik,
    /// Another charge, by its id.
    Charge {
        /// `charge.id`.
        charge_id: ChargeId,
    },
    /// The statutory interest on one invoice.
    Interest {
        /// `claim_item.id`.
        invoice_id: ClaimItemId,
    },
    /// Interest already paid beyond what the computation now gives; see
    /// [`Totals::interest_rounding`] and [`Totals::interest_paid_surplus`].
    InterestRounding,
    /// The principal of one invoice.
    Principal {
        /// `claim_item.id`.
        invoice_id: ClaimItemId,
    },
}

/// The creditor, as named to the debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditorView {
    /// Trade name.
    pub name: String,
    /// Chamber of Commerce number, when known.
    pub kvk: Option<String>,
    /// Whether the creditor can deduct VAT (then none is added to the collection costs).
    pub can_deduct_vat: bool,
}

/// Everything the debtor owes on one dossier as of one day, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimView {
    /// `dossier.id`.
    pub dossier_id: DossierId,
    /// The public dossier number, e.g. `ISB-2026-000123`.
    pub dossier_number: String,
    /// Who the claim is for.
    pub creditor: CreditorView,
    /// The day the view is computed for: interest runs up to and including it, and ledger
    /// entries dated after it are left out.
    pub as_of: NaiveDate,
    /// The statutory interest applied.
    pub interest_rule: InterestRule,
    /// The invoices, in the order payments reach them (due date, oldest first).
    pub invoices: Vec<InvoiceView>,
    /// Collection costs and other cost charges, in payment order.
    pub costs: Vec<CostView>,
    /// Why the collection costs are what they are: the 14-day letters and, per invoice,
    /// whether one counts for it (the letter timeline of the claim page).
    pub cost_basis: CostBasisView,
    /// `interest` charges found on the dossier, listed for staff but **not counted**: they
    /// are snapshots of the statutory interest up to their date (the demo import records one
    /// at each payment), which the live computation on each invoice replaces. Counting them
    /// as well would charge the interest twice.
    pub recorded_interest: Vec<ChargeView>,
    /// Payments, refunds, chargebacks and adjustments up to `as_of`, oldest first.
    pub entries: Vec<EntryView>,
    /// How many ledger entries are dated after `as_of` and therefore not counted.
    pub entries_after_as_of: u32,
    /// What is still open, item by item, in the order a payment pays it off (art. 6:44 BW).
    pub open_items: Vec<OpenItemView>,
    /// The sums.
    pub totals: Totals,
    /// Whether some interest uses a rate past [`domain::rates_reviewed_until`]: the figure may
    /// change when the rate table is updated.
    pub uses_unreviewed_rates: bool,
    /// The statutory rates the interest was computed with, each with its period and source.
    #[serde(default)]
    pub rates_used: Vec<RateUsedView>,
    /// Whether a hold on the whole dossier (a dispute of the whole claim) stops interest as of
    /// `as_of`. Per invoice see [`InvoiceView::on_hold`].
    #[serde(default)]
    pub dossier_on_hold: bool,
}

impl ClaimView {
    /// Everything still open as of [`ClaimView::as_of`].
    pub fn open_total(&self) -> Money {
        self.totals.open_total
    }

    /// The invoice with this `claim_item.id`.
    pub fn invoice(&self, id: ClaimItemId) -> Option<&InvoiceView> {
        self.invoices.iter().find(|invoice| invoice.id == id)
    }
}

/// A statutory rate used, from the rate table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateUsedView {
    /// The first day of the rate.
    pub from: NaiveDate,
    /// The last day of its period: the day before the next row, or `None` for the last row.
    pub until: Option<NaiveDate>,
    /// Yearly rate in basis points.
    pub rate_bp: u32,
    /// Where it is published.
    pub source: String,
}

/// One invoice of the claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceView {
    /// `claim_item.id`.
    pub id: ClaimItemId,
    /// The creditor's invoice number.
    pub number: String,
    /// Invoice date.
    pub invoice_date: NaiveDate,
    /// Due date: statutory interest runs from the day after.
    pub due_date: NaiveDate,
    /// Whether statutory interest runs on this invoice. Always true for now: the extension
    /// point for a disputed or on-hold invoice, which would accrue nothing while on hold.
    pub accrues: bool,
    /// Whether the invoice is on hold as of `as_of` (disputed, or the whole dossier is): no
    /// interest runs on it while it is.
    #[serde(default)]
    pub on_hold: bool,
    /// The holds that reached this invoice up to `as_of`, ended or not; their days show as
    /// paused lines in the interest derivation.
    #[serde(default)]
    pub holds: Vec<HoldView>,
    /// The invoice amount.
    pub principal: Money,
    /// Principal written off (a dispute upheld cancels what was open on the invoice).
    #[serde(default)]
    pub principal_written_off: Money,
    /// Interest written off with it.
    #[serde(default)]
    pub interest_written_off: Money,
    /// Principal paid off (net of reversals); `principal_paid + principal_open +
    /// principal_written_off == principal`.
    pub principal_paid: Money,
    /// Principal still open.
    pub principal_open: Money,
    /// Statutory interest owed on this invoice up to `as_of` (paid or not): the total of
    /// [`InvoiceView::derivation`].
    pub interest: Money,
    /// The part of [`InvoiceView::interest`] paid off (`interest_paid + interest_open +
    /// interest_written_off == interest`). The ledger books interest per dossier; each
    /// payment's interest is attributed to the invoices as it paid them on its day (oldest
    /// first, art. 6:44 BW).
    pub interest_paid: Money,
    /// Interest still open on this invoice.
    pub interest_open: Money,
    /// How the interest was computed: one derivation on a base that every payment lowers
    /// from the day after it; `None` when the invoice does not accrue. See the crate docs.
    #[serde(default)]
    pub derivation: Option<InterestDerivation>,
    /// The principal by how long it was open: one tranche per payment date for what was paid
    /// off (or written off), and one for what is still open.
    pub tranches: Vec<TrancheView>,
    /// This invoice's share of the collection costs still open, for a payment of this invoice
    /// (art. 6:43 lid 1 BW). The costs are computed over the whole dossier (the WIK scale on
    /// all principal together), so an invoice's share is the costs owed pro rata to its part
    /// in the cost base (remainder cents to the last invoice), less the costs paid by
    /// payments for this invoice and its pro-rata share of the costs paid by payments without
    /// a choice; never more than the costs open.
    #[serde(default)]
    pub costs_open_share: Money,
}

impl InvoiceView {
    /// What a payment of this invoice pays off: its share of the costs, its interest and its
    /// principal still open.
    pub fn open_for_payment(&self) -> Money {
        Money::checked_sum([
            self.costs_open_share,
            self.interest_open,
            self.principal_open,
        ])
        .unwrap_or(Money::ZERO)
    }
}

/// A stretch of days without interest on an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldView {
    /// Whether the hold is on the whole dossier rather than this invoice alone.
    pub whole_dossier: bool,
    /// First day without interest.
    pub from: NaiveDate,
    /// Last day without interest; `None` while the hold lasts.
    pub until: Option<NaiveDate>,
}

/// A part of an invoice's principal and the day it stopped earning interest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrancheView {
    /// The amount.
    pub amount: Money,
    /// The day it was paid off (or written off); `None` while it is still open.
    pub paid_on: Option<NaiveDate>,
    /// Whether it was written off (cancelled) rather than paid.
    #[serde(default)]
    pub written_off: bool,
    /// The last day it earns interest: `paid_on`, or `as_of` for the open tranche.
    pub until: NaiveDate,
}

/// [`domain::InterestBreakdown`] as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestDerivation {
    /// Consumer or commercial.
    pub rule: InterestRule,
    /// The amount interest is computed on.
    pub principal: Money,
    /// The due date; interest runs from the day after.
    pub due_date: NaiveDate,
    /// The last day counted.
    pub until: NaiveDate,
    /// The years counted from the due date; compounding adds what is unpaid of a complete
    /// year's interest to the next year's base.
    pub years: Vec<InterestYearView>,
    /// The payments that lowered the base, one per day.
    #[serde(default)]
    pub changes: Vec<BaseChangeView>,
    /// The interest.
    pub total: Money,
    /// Whether a rate past [`domain::rates_reviewed_until`] was used.
    pub uses_unreviewed_rates: bool,
}

/// One year counted from the due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestYearView {
    /// 1 for the first year after the due date.
    pub number: u32,
    /// First day of this year counted.
    pub from: NaiveDate,
    /// Last day counted (the anniversary, or `until`).
    pub to: NaiveDate,
    /// Whether the year ran to its anniversary (its interest is then added to the base).
    pub complete: bool,
    /// The base on the year's first day: the principal open plus the unpaid interest of
    /// earlier complete years. Each line shows its own base.
    pub base: Money,
    /// The year's interest: the sum of its lines.
    pub interest: Money,
    /// The part of this year's interest paid by its last day counted.
    #[serde(default)]
    pub paid: Money,
    /// What the anniversary adds to the base: `interest − paid` when complete, else zero.
    #[serde(default)]
    pub capitalised: Money,
    /// One line per stretch of one rate within one calendar year.
    pub lines: Vec<InterestLineView>,
}

/// A payment that lowered the base of an invoice's interest (see [`domain::BaseChange`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseChangeView {
    /// The day paid; the new base applies from the next day.
    pub day: NaiveDate,
    /// Principal paid (or written off) on this invoice that day.
    pub principal: Money,
    /// Interest paid (or written off) on this invoice that day.
    pub interest: Money,
    /// The part of `interest` that had been added to the base at an anniversary.
    pub from_base: Money,
    /// The base from the next day.
    pub base_after: Money,
}

/// A stretch of days with one rate, one base and one year length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestLineView {
    /// First day counted.
    pub from: NaiveDate,
    /// Last day counted (inclusive).
    pub to: NaiveDate,
    /// `to − from + 1`.
    pub days: u32,
    /// Yearly rate in basis points (600 = 6%).
    pub rate_bp: u32,
    /// 365, or 366 in a leap year.
    pub year_days: u32,
    /// The amount interest runs on.
    pub base: Money,
    /// `base × rate × days / year_days`, rounded to the cent (half up); zero when paused.
    pub interest: Money,
    /// Whether these days were on hold (no interest).
    #[serde(default)]
    pub paused: bool,
}

impl From<&InterestBreakdown> for InterestDerivation {
    fn from(b: &InterestBreakdown) -> Self {
        InterestDerivation {
            rule: b.kind().into(),
            principal: b.principal(),
            due_date: b.due_date(),
            until: b.as_of(),
            years: b
                .years()
                .iter()
                .map(|year| InterestYearView {
                    number: year.number(),
                    from: year.from(),
                    to: year.to(),
                    complete: year.complete(),
                    base: year.base(),
                    interest: year.interest(),
                    paid: year.paid(),
                    capitalised: year.capitalised(),
                    lines: year
                        .lines()
                        .iter()
                        .map(|line| InterestLineView {
                            from: line.from(),
                            to: line.to(),
                            days: line.days(),
                            rate_bp: line.rate_bp(),
                            year_days: line.year_days(),
                            base: line.base(),
                            interest: line.interest(),
                            paused: line.paused(),
                        })
                        .collect(),
                })
                .collect(),
            changes: b
                .changes()
                .iter()
                .map(|c| BaseChangeView {
                    day: c.day(),
                    principal: c.principal(),
                    interest: c.interest(),
                    from_base: c.from_base(),
                    base_after: c.base_after(),
                })
                .collect(),
            total: b.total(),
            uses_unreviewed_rates: b.uses_unreviewed_rates(),
        }
    }
}

/// One cost item: the WIK collection costs (derived) or another cost charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostView {
    /// [`ItemRef::Wik`] or [`ItemRef::Charge`].
    pub item: ItemRef,
    /// The charge row of an [`ItemRef::Charge`]; empty for the WIK costs.
    pub charges: Vec<ChargeView>,
    /// What is owed.
    pub amount: Money,
    /// Paid off (attributed oldest first).
    pub paid: Money,
    /// Still open.
    pub open: Money,
    /// The day it became owed (orders costs oldest first, art. 6:44 BW).
    pub date: NaiveDate,
    /// For WIK: the scale on the base of [`ClaimView::cost_basis`], and any cap.
    pub wik: Option<WikDerivation>,
}

/// The 14-day letters and what each invoice adds to the base of the collection costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CostBasisView {
    /// A business debtor: costs count from the day after each due date, no letter needed.
    pub business: bool,
    /// The letters sent up to `as_of`, oldest first.
    pub letters: Vec<LetterView>,
    /// Per invoice, in payment order.
    pub invoices: Vec<InvoiceCostView>,
    /// The base: the sum of the invoices' parts.
    pub base: Money,
    /// The first day costs were owed.
    pub owed_from: Option<NaiveDate>,
}

/// A 14-day letter on the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterView {
    /// Sent, deemed received, last day to pay, costs from.
    pub term: LetterTerm,
    /// The invoices it named (`claim_item.id`), each with whether it counts for it.
    pub invoices: Vec<(ClaimItemId, LetterUse)>,
    /// The costs it announced.
    pub costs_announced: Option<Money>,
    /// Whether its term ended by `as_of`.
    pub term_ended: bool,
}

/// One invoice's part in the collection costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceCostView {
    /// `claim_item.id`.
    pub invoice_id: ClaimItemId,
    /// Whether and from which letter it counts.
    pub status: InvoiceCostStatus,
    /// Principal paid within that letter's term (lowers the base).
    pub paid_in_term: Money,
    /// What it adds to the base.
    pub base: Money,
}

/// A stored charge row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeView {
    /// `charge.id`.
    pub id: ChargeId,
    /// Costs or interest.
    pub kind: ChargeKind,
    /// The amount (a correction may be negative).
    pub amount: Money,
    /// The rule that produced it, as stored.
    pub rule: String,
    /// The date it was computed for.
    pub as_of: NaiveDate,
}

/// [`domain::WikBreakdown`] as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WikDerivation {
    /// The principal the scale is applied to (all invoices together).
    pub principal: Money,
    /// One line per band the principal reaches.
    pub lines: Vec<WikLineView>,
    /// Sum of the lines, before minimum and maximum.
    pub computed: Money,
    /// Raised to the €40 minimum.
    pub minimum_applied: bool,
    /// Lowered to the €6,775 maximum.
    pub cap_applied: bool,
    /// Costs excluding VAT.
    pub subtotal: Money,
    /// 2100 when the creditor cannot deduct VAT, else 0.
    pub vat_rate_bp: u32,
    /// The VAT added.
    pub vat: Money,
    /// The costs by the scale.
    pub total: Money,
    /// Set when the latest letter whose term ended announced less than the scale: the costs
    /// are that amount.
    pub capped_to: Option<Money>,
    /// Paid on the costs beyond what they now are (after a write-off or a letter that turned
    /// out not to count): kept on the costs for staff to refund, never re-opened.
    pub paid_surplus: Money,
}

/// One band of the WIK scale applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WikLineView {
    /// Lower bound of the band (exclusive).
    pub band_from: Money,
    /// Upper bound (inclusive); `None` for the top band.
    pub band_to: Option<Money>,
    /// Rate in basis points (1500 = 15%).
    pub rate_bp: u32,
    /// The part of the principal in this band.
    pub base: Money,
    /// `base × rate`, rounded to the cent.
    pub cost: Money,
}

impl WikDerivation {
    /// No base, no scale: only a paid surplus keeps a costs item.
    pub(crate) fn nothing_but(paid_surplus: Money) -> Self {
        WikDerivation {
            principal: Money::ZERO,
            lines: Vec::new(),
            computed: Money::ZERO,
            minimum_applied: false,
            cap_applied: false,
            subtotal: Money::ZERO,
            vat_rate_bp: 0,
            vat: Money::ZERO,
            total: Money::ZERO,
            capped_to: None,
            paid_surplus,
        }
    }

    pub(crate) fn new(b: &WikBreakdown, capped_to: Option<Money>, paid_surplus: Money) -> Self {
        WikDerivation {
            principal: b.principal(),
            lines: b
                .lines()
                .iter()
                .map(|line| WikLineView {
                    band_from: line.band().from(),
                    band_to: line.band().to(),
                    rate_bp: line.band().rate_bp(),
                    base: line.base(),
                    cost: line.cost(),
                })
                .collect(),
            computed: b.computed(),
            minimum_applied: b.minimum_applied(),
            cap_applied: b.cap_applied(),
            subtotal: b.subtotal(),
            vat_rate_bp: b.vat_rate_bp(),
            vat: b.vat(),
            total: b.total(),
            capped_to,
            paid_surplus,
        }
    }
}

/// One ledger entry as the debtor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryView {
    /// `ledger_entry.id`.
    pub id: LedgerEntryId,
    /// The day it was booked (Dutch time).
    pub date: NaiveDate,
    /// Payment, refund, chargeback or adjustment.
    pub kind: EntryKind,
    /// Signed: refunds and chargebacks are negative.
    pub amount: Money,
    /// How it was allocated (art. 6:44 BW); negative parts re-open what they undo.
    pub allocation: PerKind,
    /// Received beyond everything open, held as credit (negative when credit is paid back).
    pub unallocated: Money,
    /// Our payment reference (the Pay.nl `reference`), when it came from a payment.
    pub payment_reference: Option<PaymentId>,
    /// For a write-off of one invoice (a dispute upheld): that invoice (`claim_item.id`). Its
    /// parts lower what the invoice owes rather than pay it, and it is not money received.
    #[serde(default)]
    pub invoice_id: Option<ClaimItemId>,
    /// For a payment: the invoice the debtor chose to pay (art. 6:43 lid 1 BW), which it paid
    /// first (its share of the costs, its interest, its principal; art. 6:44 BW within it).
    /// `None`: no choice, so art. 6:43 lid 2 and 6:44 BW decide (costs, interest, principal;
    /// oldest invoice first).
    #[serde(default)]
    pub chosen_invoice: Option<ClaimItemId>,
}

/// One thing still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenItemView {
    /// What it is.
    pub item: ItemRef,
    /// Costs, interest or principal.
    pub kind: ItemKind,
    /// The date that orders it within its kind (a charge's date, an invoice's due date).
    pub date: NaiveDate,
    /// What is left to pay.
    pub open: Money,
}

/// The sums of the claim. For every kind, `open + paid == owed`, and none is negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Costs charged, interest up to `as_of`, principal.
    pub owed: PerKind,
    /// Net paid per kind (payments less reversals).
    pub paid: PerKind,
    /// Still open per kind.
    pub open: PerKind,
    /// Everything owed.
    pub owed_total: Money,
    /// Everything paid off.
    pub paid_total: Money,
    /// Everything still open: what the debtor pays to settle the claim as of `as_of`.
    pub open_total: Money,
    /// Money received beyond what was owed, held for the debtor (to refund, or to apply to
    /// later claims).
    pub credit: Money,
    /// Net money received: `paid_total + credit`, the sum of the amounts of the entries that
    /// are not write-offs.
    pub received: Money,
    /// Included in `owed.interest`: interest already paid beyond what the invoices now add
    /// up to. Zero unless a reversal raised a base again and the running count priced a
    /// line on it a cent lower; interest paid is never re-opened as negative, so the
    /// difference is kept here (at most a cent per line computed).
    pub interest_rounding: Money,
    /// Included in `owed.interest`: interest paid beyond what the invoices now owe by more
    /// than rounding: a payment booked before paid interest stopped compounding (issue 18)
    /// paid interest that is no longer owed. It stays paid, never re-opened; the debtor is
    /// told it is theirs, for staff to refund (like [`WikDerivation::paid_surplus`]).
    #[serde(default)]
    pub interest_paid_surplus: Money,
    /// Written off invoices (disputes upheld), already taken out of `owed`.
    #[serde(default)]
    pub written_off: PerKind,
}
