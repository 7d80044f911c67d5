//! Paying through Pay.nl, server side: start a payment, take Pay.nl's exchange calls, book
//! the outcome exactly once, and reconcile what was missed. See `README.md` for the flow and
//! the guarantees in more words.
//!
//! - [`PaymentService::start`]: validates the amount against the open balance
//!   ([`claim::load_claim`]), creates our `payment` row (once per intent key), then the
//!   Pay.nl order (reference = our payment id), stores the order id and returns Pay.nl's
//!   payment page.
//! - [`PaymentService::handle_exchange`]: verifies the signature, logs the call, re-reads the
//!   status from Pay.nl's API (the call is only a hint) and applies it; answers `TRUE|` or
//!   `FALSE|`.
//! - [`PaymentService::apply_status`]: Pay.nl state → our status + ledger entry, in one
//!   transaction ([`store::Store::book_payment`]); forward only, once per event.
//! - [`PaymentService::refresh`]: for the return page.
//! - [`Reconciler`]: re-reads payments left open, under a job lease.
//!
//! # When Pay.nl fails while creating the order
//!
//! - **Definitely not created** (connection refused, HTTP 4xx/5xx): the payment stays
//!   `initiated` without an order and nothing is booked; [`PayError::ProviderUnavailable`]
//!   (or [`PayError::ProviderRejected`] for 4xx). A retry with the same intent key reuses the
//!   payment and tries the order again with the same reference.
//! - **Outcome unknown** (timeout, broken connection, unreadable 2xx): Pay.nl may have
//!   created the order, but the payer never got its page, so nobody can pay it and it
//!   expires. We cannot look orders up by reference and must not create a second order with
//!   the same reference, so the payment is moved to `cancelled` and
//!   [`PayError::ProviderUnavailable`] says `outcome_unknown: true`; the same intent key keeps
//!   answering that, a new intent key starts a new payment. Should Pay.nl report on the
//!   unknown order anyway, its exchange call carries our reference: the order is adopted by
//!   that payment and applied (a cancelled payment may still become paid: money is never
//!   lost).

#![warn(missing_docs)]

mod apply;
mod error;
mod exchange;
mod reconciler;
mod service;
#[cfg(feature = "testing")]
pub mod testing;

pub use apply::{AMOUNT_DIFFERS, Applied, transaction_key};
pub use domain::PayStatus;
pub use error::PayError;
pub use exchange::{ExchangeAnswer, ExchangeOutcome};
pub use reconciler::{
    DEFAULT_PAID_WINDOW, PaidRecheck, RECONCILER_LEASE, RecheckBand, ReconcileReport, Reconciler,
    ReconcilerConfig,
};
pub use service::{
    MAX_OPEN_ORDERS, OPEN_ORDER_WINDOW, PayAmount, PayPurpose, PayRequest, PaymentConfig,
    PaymentService, Refreshed, Started, pay_status,
};
