//! Pay.nl for the debtor portal: a typed client for Pay.nl's two APIs, exchange-call
//! (webhook) verification, and a simulator that speaks the same HTTP for tests and demos.
//!
//! Amounts are [`domain::Money`] (integer cents) everywhere in the public API;
//! Pay.nl's wire formats (`{value, currency}`, legacy `"9.99"`) stay inside this crate.
//!
//! * [`PaynlClient`]: the Order API (`create_order`, `order_status`; failover over
//!   [`ORDER_API_HOSTS`] only when a request was never sent) and the older REST API
//!   (`transaction` for `EX-…` refunds and chargebacks, `refund`). [`Api::for_id`] says which
//!   API an id belongs to; `lookup` asks that one and, on a 404, the other; `reread` looks up
//!   everything an exchange call names.
//! * [`exchange`]: `read_exchange` / `verify_signature` for incoming exchange calls, typed as
//!   [`ExchangeCall::Signed`] (verified) or [`ExchangeCall::Hint`] (unsigned: the old
//!   formats, including every refund and chargeback call). Neither is booked from: re-read.
//! * [`PaymentState`]: every status code Pay.nl documents; -51 (amount differs) is not paid.
//! * [`sim`]: `Simulator::start` / `simulator_router`, also run by the `paynl-sim` binary;
//!   [`sim::SimControl`] drives it.
//!
//! Points where Pay.nl's documentation is unclear are marked "Uncertain" in the code.

#![warn(missing_docs)]

pub mod client;
pub mod exchange;
pub mod sim;
mod status;
mod wire;

pub use client::{
    Api, CreateOrder, Error, Lookup, ORDER_API_HOSTS, Order, OrderReversal, OrderStatus,
    PaynlClient, PaynlConfig, REST_API_BASE, Refund, Reread, Transaction, TransactionKind,
};
pub use exchange::{ExchangeCall, ExchangeError, Hint, HintEvent, RefundStage, SignedCall};
pub use status::PaymentState;
