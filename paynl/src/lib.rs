//! Pay.nl for the debtor portal: a typed Order API client, exchange-call (webhook)
//! verification, and a simulator that speaks the same HTTP API for tests and demos.
//!
//! Amounts are [`domain::Money`] (integer cents) everywhere in the public API;
//! Pay.nl's wire formats (`{value, currency}`, legacy `"9.99"`) stay inside this crate.
//!
//! * [`PaynlClient`]: `create_order`, `order_status`, `refund`.
//! * [`exchange`]: `read_exchange` / `verify_signature` for incoming exchange calls.
//! * [`sim`]: `Simulator::start` / `simulator_router`, also run by the `paynl-sim` binary.
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
