//! E-mail to debtors.
//!
//! Messages are queued as facts ([`domain::Notice`]) in the outbox table, in the same
//! transaction as the event that caused them (a payment booked, a plan agreed, a decision);
//! this crate turns them into mail and sends them:
//!
//! - [`hours`]: the legal contact hours (Bki art. 4.2: not 20:00–07:00, not on Sundays or
//!   the Algemene termijnenwet's holidays);
//! - [`render`]: the message in the debtor's language, plain text and simple HTML, with the
//!   agency's name, address and Wki number, and no link but the portal's start page;
//! - [`transport`]: SMTP through lettre (TLS/STARTTLS, authentication), or a folder of
//!   `.eml` files when no relay is configured;
//! - [`planner`]: messages that follow from a plan's state (agreed, an instalment due soon,
//!   one missed), queued once each by key;
//! - [`outbox`]: the job that sends what is due, at least once, with retries.

mod error;
pub mod hours;
pub mod outbox;
pub mod planner;
pub mod render;
pub mod transport;

pub use error::MailError;
pub use hours::ContactHours;
pub use lettre::message::Mailbox;
pub use outbox::{MAX_ATTEMPTS, Mailer, Round};
pub use planner::{Planned, plan_messages};
pub use render::{Letterhead, Rendered, render};
pub use transport::{SendFailure, Transport};
