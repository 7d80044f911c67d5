//! The agency's WIK policy: when extrajudicial collection costs are owed, on which principal,
//! with or without VAT, and how that is explained. The one home of these rules: the claim
//! derives the costs from it as of any day (as it derives the interest), so an import, a
//! payment, a write-off or the passing of a letter's term changes the costs without anyone
//! booking a correction. The scale itself is [`crate::wik`].
//!
//! # Sources
//!
//! - **Art. 6:96 lid 6 BW** (consumers): the costs are owed only after the debtor, *in
//!   default*, received a free reminder giving 14 days to pay, counted from the day after
//!   receipt, that states the costs that will follow (the "14-day letter"). An invoice that
//!   was not yet due when a letter was sent is not in default, so that letter does not count
//!   for it ([`LetterUse::SentBeforeDue`]).
//! - **HR 13 June 2014, ECLI:NL:HR:2014:1405**: the 14 days start the day after receipt.
//! - **Besluit vergoeding voor buitengerechtelijke incassokosten** (Stb. 2012, 141), art. 2:
//!   the scale, on the principal of the claim as a whole (all invoices together), at least
//!   €40 and at most €6,775; VAT only where the creditor cannot deduct it.
//! - **Part payments in the term** lower the base: the costs are computed on the principal
//!   still unpaid when the term ended (Kamerstukken II 2009/10, 32 418, nr. 3, p. 9–10, the
//!   explanatory memorandum to the WIK; *(reported)*, see `../shared/LAW.md`). The agency
//!   follows it because the other reading would charge costs on money the debtor paid in
//!   time.
//! - **What the letter announced is the most that is charged**: lid 6 requires the letter to
//!   state the costs; charging more than it stated would charge costs the debtor was never
//!   warned of. The latest letter whose term ended caps the costs when it stated an amount.
//! - Businesses (art. 6:96 lid 4–5 BW) need no letter: their costs count from the day after
//!   the due date, on the invoice's principal.
//!
//! # Choices the law leaves open (the agency's, with the reason)
//!
//! - **Receipt** is assumed [`RECEIPT_DAYS`] days after the letter's date (post sent on a
//!   working day is delivered within two days; a later date is in the debtor's favour only if
//!   known, which the import cannot know).
//! - **One letter per invoice counts**: the first valid one whose term ended. Later letters
//!   about the same invoice change nothing for it (except the cap).

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::money::Money;
use crate::wik::{VatTreatment, WIK_MAXIMUM, WIK_MINIMUM, WikBreakdown, WikError, wik_costs};

/// Days after its date that a letter is deemed received (a choice, see the module docs).
pub const RECEIPT_DAYS: u64 = 2;

/// The term of a 14-day letter, from the day after receipt (art. 6:96 lid 6 BW).
pub const TERM_DAYS: u64 = 14;

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

/// Whether a letter sent on `sent_on` can count for an invoice due on `due_date`: only when
/// the debtor was already in default, i.e. the letter was sent after the due date (art. 6:96
/// lid 6 BW).
pub fn letter_counts_for(sent_on: NaiveDate, due_date: NaiveDate) -> bool {
    sent_on > due_date
}

/// A 14-day letter (veertiendagenbrief) as the creditor or agency sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostLetter<Id> {
    /// The date on the letter (the day it was sent).
    pub sent_on: NaiveDate,
    /// The invoices it asked to be paid.
    pub invoices: Vec<Id>,
    /// The collection costs it said would follow, when known (VAT included).
    pub costs_announced: Option<Money>,
}

/// A letter's dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterTerm {
    /// The date on the letter.
    pub sent_on: NaiveDate,
    /// When it is deemed received ([`RECEIPT_DAYS`] later).
    pub received_on: NaiveDate,
    /// The last day to pay without costs (14 days after receipt).
    pub last_day_to_pay: NaiveDate,
    /// The first day costs are owed if the term ran out unpaid.
    pub costs_from: NaiveDate,
}

impl LetterTerm {
    /// The dates of a letter sent on `sent_on`, or `None` at the end of the calendar.
    pub fn of(sent_on: NaiveDate) -> Option<LetterTerm> {
        let received_on = sent_on.checked_add_days(Days::new(RECEIPT_DAYS))?;
        let last_day_to_pay = received_on.checked_add_days(Days::new(TERM_DAYS))?;
        Some(LetterTerm {
            sent_on,
            received_on,
            last_day_to_pay,
            costs_from: last_day_to_pay.succ_opt()?,
        })
    }
}

/// One invoice, as far as the costs are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostInvoice<Id> {
    /// Its id.
    pub id: Id,
    /// The due date: default begins the day after.
    pub due_date: NaiveDate,
    /// Its principal.
    pub principal: Money,
    /// Principal written off (a dispute upheld): it was never owed, so it never counts.
    pub written_off: Money,
    /// Principal paid on it, by day (payments that still stand: a refunded payment is not
    /// here).
    pub paid: Vec<(NaiveDate, Money)>,
}

/// Everything the costs depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostInput<Id> {
    /// A business debtor needs no letter.
    pub business: bool,
    /// VAT on the costs.
    pub vat: VatTreatment,
    /// The invoices.
    pub invoices: Vec<CostInvoice<Id>>,
    /// The 14-day letters sent, in any order.
    pub letters: Vec<CostLetter<Id>>,
}

/// How one letter bears on one invoice it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterUse {
    /// Sent after the due date: it counts once its term ends.
    Valid,
    /// Sent on or before the due date, before default began: it does not count.
    SentBeforeDue,
}

/// Why an invoice does or does not add to the costs' base as of the day assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum InvoiceCostStatus {
    /// A business debtor: counts from the day after the due date.
    Business {
        /// The first day in default.
        from: NaiveDate,
    },
    /// The term of a valid letter ran out: counts with what was unpaid at its end.
    Counted {
        /// Index into [`CostAssessment::letters`].
        letter: usize,
    },
    /// A valid letter was sent; its term has not run out yet.
    TermRunning {
        /// Index into [`CostAssessment::letters`].
        letter: usize,
    },
    /// No letter was sent after the due date: no costs on this invoice.
    NoValidLetter,
}

/// One invoice's part in the costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceCosts<Id> {
    /// The invoice.
    pub id: Id,
    /// Why it counts or not.
    pub status: InvoiceCostStatus,
    /// Principal paid in the letter's term (counted invoices only).
    pub paid_in_term: Money,
    /// What it adds to the base: principal, less what was paid in the term and written off.
    pub base: Money,
}

/// A letter as the claim page explains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterAssessment<Id> {
    /// Its dates.
    pub term: LetterTerm,
    /// The invoices it named, each with whether it counts for it.
    pub invoices: Vec<(Id, LetterUse)>,
    /// The costs it announced.
    pub costs_announced: Option<Money>,
    /// Whether its term ended by the day assessed.
    pub term_ended: bool,
}

/// The collection costs owed on one day, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostAssessment<Id> {
    /// The day assessed.
    pub as_of: NaiveDate,
    /// The letters, oldest first (letters dated after `as_of` are left out).
    pub letters: Vec<LetterAssessment<Id>>,
    /// Every invoice, in the order given.
    pub invoices: Vec<InvoiceCosts<Id>>,
    /// The base: the sum of the invoices' parts.
    pub base: Money,
    /// The scale on the base, when there is a base.
    pub breakdown: Option<WikBreakdown>,
    /// The cap applied: the amount the latest letter whose term ended announced, when it is
    /// lower than the scale.
    pub capped_to: Option<Money>,
    /// The costs owed.
    pub total: Money,
    /// The first day any costs were owed.
    pub owed_from: Option<NaiveDate>,
}

/// The collection costs owed on `as_of` (see the module docs for every rule).
pub fn assess_costs<Id: Copy + Eq>(
    input: &CostInput<Id>,
    as_of: NaiveDate,
) -> Result<CostAssessment<Id>, WikError> {
    let mut letters: Vec<(LetterTerm, &CostLetter<Id>)> = input
        .letters
        .iter()
        .filter(|l| l.sent_on <= as_of)
        .map(|l| LetterTerm::of(l.sent_on).map(|t| (t, l)))
        .collect::<Option<_>>()
        .ok_or(WikError::Overflow)?;
    letters.sort_by_key(|(term, _)| term.sent_on);

    let mut invoices = Vec::with_capacity(input.invoices.len());
    let mut owed_from: Option<NaiveDate> = None;
    for invoice in &input.invoices {
        let not_written_off = invoice
            .principal
            .checked_sub(invoice.written_off)
            .ok_or(WikError::Overflow)?;
        let (status, counts_from) = if input.business {
            let from = invoice.due_date.succ_opt().ok_or(WikError::Overflow)?;
            (InvoiceCostStatus::Business { from }, Some(from))
        } else {
            let valid = letters.iter().enumerate().filter(|(_, (term, letter))| {
                letter_counts_for(term.sent_on, invoice.due_date)
                    && letter.invoices.contains(&invoice.id)
            });
            let mut status = InvoiceCostStatus::NoValidLetter;
            let mut counts_from = None;
            for (index, (term, _)) in valid {
                if term.last_day_to_pay < as_of {
                    status = InvoiceCostStatus::Counted { letter: index };
                    counts_from = Some(term.costs_from);
                    break;
                }
                if status == InvoiceCostStatus::NoValidLetter {
                    status = InvoiceCostStatus::TermRunning { letter: index };
                }
            }
            (status, counts_from)
        };
        let (paid_in_term, base) = match (status, counts_from) {
            (InvoiceCostStatus::Counted { letter }, Some(_)) => {
                let last_day = letters[letter].0.last_day_to_pay;
                let paid = Money::checked_sum(
                    invoice
                        .paid
                        .iter()
                        .filter(|(day, _)| *day <= last_day)
                        .map(|(_, amount)| *amount),
                )
                .ok_or(WikError::Overflow)?;
                let left = not_written_off
                    .checked_sub(paid)
                    .ok_or(WikError::Overflow)?;
                (paid, left.max(Money::ZERO))
            }
            (InvoiceCostStatus::Business { .. }, Some(from)) if from <= as_of => {
                (Money::ZERO, not_written_off.max(Money::ZERO))
            }
            _ => (Money::ZERO, Money::ZERO),
        };
        if base.is_positive()
            && let Some(from) = counts_from
        {
            owed_from = Some(owed_from.map_or(from, |d| d.min(from)));
        }
        invoices.push(InvoiceCosts {
            id: invoice.id,
            status,
            paid_in_term,
            base,
        });
    }

    let base = Money::checked_sum(invoices.iter().map(|i| i.base)).ok_or(WikError::Overflow)?;
    let breakdown = if base.is_positive() {
        Some(wik_costs(base, input.vat)?)
    } else {
        None
    };
    let scale = breakdown.as_ref().map_or(Money::ZERO, WikBreakdown::total);
    // The latest letter whose term ended and that stated an amount.
    let cap = letters
        .iter()
        .rev()
        .filter(|(term, _)| term.last_day_to_pay < as_of)
        .find_map(|(_, letter)| letter.costs_announced);
    let capped_to = cap.filter(|&cap| !input.business && cap < scale);
    let total = capped_to.unwrap_or(scale);

    let letters = letters
        .into_iter()
        .map(|(term, letter)| LetterAssessment {
            term,
            invoices: letter
                .invoices
                .iter()
                .map(|id| {
                    let due = input
                        .invoices
                        .iter()
                        .find(|i| i.id == *id)
                        .map(|i| i.due_date);
                    let use_ = match due {
                        Some(due) if letter_counts_for(term.sent_on, due) => LetterUse::Valid,
                        _ => LetterUse::SentBeforeDue,
                    };
                    (*id, use_)
                })
                .collect(),
            costs_announced: letter.costs_announced,
            term_ended: term.last_day_to_pay < as_of,
        })
        .collect();
    Ok(CostAssessment {
        as_of,
        letters,
        invoices,
        base,
        breakdown,
        capped_to,
        total,
        owed_from: if total.is_positive() { owed_from } else { None },
    })
}

/// The explanation of a scale computation, e.g. `WIK collection costs on principal
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

    fn eur(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn invoice(id: u32, due: &str, cents: i64) -> CostInvoice<u32> {
        CostInvoice {
            id,
            due_date: day(due),
            principal: eur(cents),
            written_off: Money::ZERO,
            paid: Vec::new(),
        }
    }

    fn letter(sent: &str, ids: &[u32], announced: Option<i64>) -> CostLetter<u32> {
        CostLetter {
            sent_on: day(sent),
            invoices: ids.to_vec(),
            costs_announced: announced.map(eur),
        }
    }

    fn consumer(invoices: Vec<CostInvoice<u32>>, letters: Vec<CostLetter<u32>>) -> CostInput<u32> {
        CostInput {
            business: false,
            vat: VatTreatment::CreditorDeductsVat,
            invoices,
            letters,
        }
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
    fn a_letter_is_received_two_days_later_and_gives_fourteen_days_from_the_next() {
        let t = LetterTerm::of(day("2026-03-01")).unwrap();
        assert_eq!(t.received_on, day("2026-03-03"));
        // Days 1..14 after receipt: 4 March up to and including 17 March.
        assert_eq!(t.last_day_to_pay, day("2026-03-17"));
        assert_eq!(t.costs_from, day("2026-03-18"));
    }

    #[test]
    fn costs_are_owed_only_from_the_day_after_the_term() {
        let input = consumer(
            vec![invoice(1, "2026-02-01", 1_000_00)],
            vec![letter("2026-03-01", &[1], None)],
        );
        let during = assess_costs(&input, day("2026-03-17")).unwrap();
        assert_eq!(during.total, Money::ZERO);
        assert_eq!(
            during.invoices[0].status,
            InvoiceCostStatus::TermRunning { letter: 0 }
        );
        let after = assess_costs(&input, day("2026-03-18")).unwrap();
        assert_eq!(after.total, eur(150_00));
        assert_eq!(after.owed_from, Some(day("2026-03-18")));
    }

    /// The example: €300 of a €1,000 claim fell due after the letter, so the costs
    /// are 15% of €700 = €105, not €150.
    #[test]
    fn an_invoice_due_after_the_letter_carries_no_costs_from_it() {
        let input = consumer(
            vec![
                invoice(1, "2026-02-01", 700_00),
                invoice(2, "2026-03-05", 300_00),
            ],
            vec![letter("2026-03-01", &[1, 2], None)],
        );
        let a = assess_costs(&input, day("2026-04-01")).unwrap();
        assert_eq!(a.base, eur(700_00));
        assert_eq!(a.total, eur(105_00));
        assert_eq!(a.invoices[1].status, InvoiceCostStatus::NoValidLetter);
        assert_eq!(
            a.letters[0].invoices,
            vec![(1, LetterUse::Valid), (2, LetterUse::SentBeforeDue)]
        );
        // A letter sent on the due date itself is before default too.
        let on_due = consumer(
            vec![invoice(1, "2026-03-01", 700_00)],
            vec![letter("2026-03-01", &[1], None)],
        );
        assert_eq!(
            assess_costs(&on_due, day("2026-05-01")).unwrap().total,
            Money::ZERO
        );
    }

    #[test]
    fn a_later_letter_brings_a_new_invoice_in_from_its_own_term() {
        let input = consumer(
            vec![
                invoice(1, "2026-02-01", 700_00),
                invoice(2, "2026-03-05", 300_00),
            ],
            vec![
                letter("2026-03-01", &[1, 2], None),
                letter("2026-04-01", &[2], None),
            ],
        );
        assert_eq!(
            assess_costs(&input, day("2026-04-17")).unwrap().total,
            eur(105_00)
        );
        let later = assess_costs(&input, day("2026-04-18")).unwrap();
        assert_eq!(later.total, eur(150_00));
        assert_eq!(later.owed_from, Some(day("2026-03-18")));
        assert_eq!(
            later.invoices[1].status,
            InvoiceCostStatus::Counted { letter: 1 }
        );
    }

    #[test]
    fn a_part_payment_in_the_term_lowers_the_base_and_one_after_it_does_not() {
        let mut inv = invoice(1, "2026-02-01", 1_000_00);
        inv.paid = vec![
            (day("2026-03-17"), eur(400_00)),
            (day("2026-03-18"), eur(100_00)),
        ];
        let input = consumer(vec![inv], vec![letter("2026-03-01", &[1], None)]);
        let a = assess_costs(&input, day("2026-04-01")).unwrap();
        assert_eq!(a.invoices[0].paid_in_term, eur(400_00));
        assert_eq!(a.base, eur(600_00));
        assert_eq!(a.total, eur(90_00));
    }

    #[test]
    fn paid_in_full_in_the_term_means_no_costs_not_the_minimum() {
        let mut inv = invoice(1, "2026-02-01", 100_00);
        inv.paid = vec![(day("2026-03-10"), eur(100_00))];
        let input = consumer(vec![inv], vec![letter("2026-03-01", &[1], None)]);
        let a = assess_costs(&input, day("2026-04-01")).unwrap();
        assert_eq!(a.total, Money::ZERO);
        assert_eq!(a.owed_from, None);
        assert!(a.breakdown.is_none());
    }

    #[test]
    fn the_latest_letter_whose_term_ended_caps_the_costs_at_what_it_announced() {
        let input = consumer(
            vec![invoice(1, "2026-02-01", 1_000_00)],
            vec![
                letter("2026-03-01", &[1], Some(200_00)),
                letter("2026-04-01", &[1], Some(120_00)),
            ],
        );
        let first = assess_costs(&input, day("2026-04-10")).unwrap();
        assert_eq!((first.total, first.capped_to), (eur(150_00), None));
        let second = assess_costs(&input, day("2026-05-01")).unwrap();
        assert_eq!(
            (second.total, second.capped_to),
            (eur(120_00), Some(eur(120_00)))
        );
    }

    #[test]
    fn write_offs_never_count_and_businesses_need_no_letter() {
        let mut inv = invoice(1, "2026-02-01", 1_000_00);
        inv.written_off = eur(1_000_00);
        let input = consumer(
            vec![inv, invoice(2, "2026-02-10", 500_00)],
            vec![letter("2026-03-01", &[1, 2], None)],
        );
        let a = assess_costs(&input, day("2026-04-01")).unwrap();
        assert_eq!((a.base, a.total), (eur(500_00), eur(75_00)));

        let business = CostInput {
            business: true,
            vat: VatTreatment::AddVat,
            invoices: vec![invoice(1, "2026-02-01", 1_000_00)],
            letters: vec![],
        };
        assert_eq!(
            assess_costs(&business, day("2026-02-01")).unwrap().total,
            Money::ZERO
        );
        let b = assess_costs(&business, day("2026-02-02")).unwrap();
        assert_eq!(b.total, eur(181_50));
        assert_eq!(b.owed_from, Some(day("2026-02-02")));
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
    }

    prop_compose! {
        fn claims()(
            invoices in prop::collection::vec((0u32..120, 1i64..500_000, 0i64..3), 1..6),
            letters in prop::collection::vec((0u32..200, prop::collection::vec(0u32..6, 0..6), prop::option::of(1i64..100_000)), 0..4),
            payments in prop::collection::vec((0u32..6, 0u32..220, 1i64..200_000), 0..8),
            as_of in 0u32..240,
        ) -> (CostInput<u32>, NaiveDate) {
            let start = day("2026-01-01");
            let at = |n: u32| start.checked_add_days(Days::new(u64::from(n))).unwrap();
            let mut invs: Vec<CostInvoice<u32>> = invoices.iter().enumerate().map(|(i, &(due, cents, off))| CostInvoice {
                id: i as u32,
                due_date: at(due),
                principal: eur(cents),
                written_off: if off == 0 { eur(cents / 2) } else { Money::ZERO },
                paid: Vec::new(),
            }).collect();
            for (i, d, cents) in payments {
                if let Some(inv) = invs.get_mut(i as usize) {
                    inv.paid.push((at(d), eur(cents)));
                }
            }
            let letters = letters.into_iter().map(|(d, ids, cap)| CostLetter {
                sent_on: at(d),
                invoices: ids,
                costs_announced: cap.map(eur),
            }).collect();
            (CostInput { business: false, vat: VatTreatment::CreditorDeductsVat, invoices: invs, letters }, at(as_of))
        }
    }

    proptest! {
        /// The base is exactly the principal covered by valid letters whose term ended, less
        /// what was paid in that term and written off; the costs are the scale on it, capped
        /// by the latest expired letter's announcement, never more.
        #[test]
        fn the_base_is_what_valid_expired_letters_cover_less_payments_in_their_term(
            (input, as_of) in claims()
        ) {
            let a = assess_costs(&input, as_of).unwrap();
            let mut expected = Money::ZERO;
            for inv in &input.invoices {
                let mut first: Option<LetterTerm> = None;
                for l in &input.letters {
                    let t = LetterTerm::of(l.sent_on).unwrap();
                    if l.sent_on <= as_of && l.sent_on > inv.due_date && l.invoices.contains(&inv.id)
                        && t.last_day_to_pay < as_of && first.is_none_or(|f| t.sent_on < f.sent_on) {
                        first = Some(t);
                    }
                }
                if let Some(t) = first {
                    let paid: i64 = inv.paid.iter().filter(|(d, _)| *d <= t.last_day_to_pay).map(|(_, m)| m.cents()).sum();
                    expected = eur(expected.cents() + (inv.principal.cents() - inv.written_off.cents() - paid).max(0));
                }
            }
            prop_assert_eq!(a.base, expected);
            let scale = if expected.is_positive() { wik_costs(expected, input.vat).unwrap().total() } else { Money::ZERO };
            prop_assert!(a.total <= scale);
            prop_assert!(!a.total.is_negative());
            if a.capped_to.is_none() { prop_assert_eq!(a.total, scale); }
            // Costs never exist before a day a letter's term ended.
            if let Some(from) = a.owed_from { prop_assert!(from <= as_of); }
        }
    }
}
