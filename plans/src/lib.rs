//! Payment plans (betalingsregelingen), server side. See `README.md` for the lifecycle and
//! the choices behind it.
//!
//! - [`PlanService::preview`]: the schedule for a request on today's open balance, computed
//!   by `domain::plan` (the code the browser runs too), whether it is within the agency's
//!   rules and why not, and the picker's bounds. Reads only.
//! - [`PlanService::propose`]: stores the plan: active within the rules, `needs_review`
//!   outside them (a reason is then required); one plan in play per dossier.
//! - [`PlanService::decide`]: staff accept, reject or counter-propose (a new `proposed`
//!   plan the debtor may [accept](PlanService::accept_counter) or
//!   [decline](PlanService::decline_counter)).
//! - [`PlanService::sync`]: instalment statuses derived from the ledger; completes the plan.
//! - [`PlanService::pay`], [`PlanService::next_payment`], [`PlanService::rest_amount`]:
//!   paying on a plan through `payments` (same ledger, same allocation).
//! - [`LifecycleJob`]: the daily job (late, defaulted, completed) under a job lease.
//! - [`PlanService::request_deferral`]: paying later in one sum (uitstel): granted at once
//!   within the rules, else staff decide ([`PlanService::decide_deferral`]); the daily job ends
//!   it kept or broken ([`PlanService::deferral_round`]).
//! - [`PlanConfig`]: the rules, per creditor where set.

#![warn(missing_docs)]
// Cent amounts are written with the cents split off, `1_234_56` for €1,234.56.
#![allow(clippy::inconsistent_digit_grouping)]

mod config;
mod deferral;
mod error;
mod lifecycle;
mod service;

pub use booking::SyncReport;
pub use config::{ConfigError, CreditorRules, DeferralConfig, PlanConfig, RuleOverrides};
pub use deferral::{DeferralDecisionKind, DeferralItem, DeferralReport};
pub use domain::plan::{Limits, Preview, RuleBreach};
pub use error::PlansError;
pub use lifecycle::{LIFECYCLE_LEASE, LifecycleConfig, LifecycleJob, LifecycleReport};
pub use service::{
    DebtorPlan, Decided, Due, MAX_TEXT_CHARS, PlanPayment, PlanService, Proposed, ProposedStatus,
    ReviewItem, StaffDecision, preview_for,
};
