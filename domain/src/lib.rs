//! Pure rules of the debtor portal: money, identifiers, WIK collection costs,
//! statutory interest, payment allocation, balances, payment plans and the income and
//! expenses check against the beslagvrije voet.
//!
//! No I/O and no randomness of its own (callers pass random bytes in), so the
//! same code runs on the server and in the browser (wasm32).

// Cent amounts are written with the cents split off, `1_234_56` for
// €1,234.56, so they read as euros.
#![allow(clippy::inconsistent_digit_grouping)]
#![warn(missing_docs)]

pub mod access;
pub mod allocation;
pub mod balance;
pub mod budget;
pub mod calendar;
pub mod clock;
pub mod deferral;
pub mod ids;
pub mod interest;
pub mod lang;
pub mod money;
pub mod notice;
pub mod pause;
pub mod pay_status;
pub mod payment_rules;
pub mod plan;
pub mod rates;
pub mod retention;
pub mod wik;
pub mod wik_policy;

pub use access::{Area, Holder, INVITATION_VALID_DAYS, invitation_expires_at, reaches};
pub use allocation::{
    Allocation, AllocationError, ItemAllocation, ItemKind, OpenItem, PerKind, allocate,
};
pub use balance::{Balance, BalanceError, Debit, LedgerEntry, derive_balance};
pub use budget::{
    Budget, BudgetCheck, BudgetError, BudgetField, BudgetInput, BudgetLine, Household,
    ProtectedIncomeRow, ProtectedIncomeTable, ProtectedIncomeTableError, Verdict, max_instalment,
};
pub use deferral::{DeferralBreach, DeferralDateError, DeferralRules, DeferralRulesError};
pub use ids::{
    AccessId, AccessRequestId, AttachmentId, BudgetFileId, ChargeId, ClaimItemId, CorrectionId,
    CreditorId, DeferralId, DisputeId, DossierId, DossierNumber, DossierNumberError, Email,
    EmailError, ExchangeCallId, Iban, IbanError, InstalmentId, InvitationCode, InvitationId,
    KvkNumber, KvkNumberError, LedgerEntryId, PauseId, PaymentId, Phone, PhoneError, PlanId,
    Postcode, PostcodeError, RecordIdError, Secret, SecretError, VatNumber, VatNumberError,
};
pub use interest::{
    BaseChange, BasePayment, InterestBreakdown, InterestError, InterestKind, InterestLine,
    InterestRun, InterestYear, Pause, RateChange, rates_reviewed_until, statutory_interest,
    statutory_interest_paused, statutory_interest_with_payments,
};
pub use lang::{Lang, UnknownLang};
pub use money::{Money, MoneyParseError};
pub use notice::{Notice, NoticeKind};
pub use pause::{CollectionPause, MAX_PAUSE_DAYS, PauseError, counts_from, paused_on};
pub use pay_status::PayStatus;
pub use payment_rules::{AmountRefusal, PaymentRules};
pub use plan::{
    Instalment, Limits, MAX_SCHEDULE_MONTHS, PlanError, PlanRequest, PlanRules, PlanRulesError,
    Preview, RuleBreach, Schedule, build_schedule,
};
pub use rates::{RateRow, RateTable, RateTableError};
pub use retention::{PLAN_BUDGET_KEPT_MONTHS, Retention, RetentionPolicy, plan_budget_kept_until};
pub use wik::{
    VAT_RATE_BP, VatTreatment, WIK_BANDS, WIK_MAXIMUM, WIK_MINIMUM, WikBand, WikBreakdown,
    WikError, WikLine, wik_costs,
};
pub use wik_policy::{
    CostAssessment, CostInput, CostInvoice, CostLetter, InvoiceCostStatus, InvoiceCosts,
    LetterAssessment, LetterTerm, LetterUse, RECEIPT_DAYS, TERM_DAYS, assess_costs,
    letter_counts_for, wik_rule,
};
