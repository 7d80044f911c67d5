//! Booking money on a dossier: the one step that changes what a debtor owes.
//!
//! Every booking reads the dossier's balance and then writes against it (an allocation by
//! art. 6:44 BW needs to know what is open; a refund needs to know what the payment still
//! holds). Two bookings of one dossier must therefore never interleave, in one process or
//! across server processes sharing a database. [`Books`] is the only way in:
//!
//! 1. [`Books::lock`] takes the dossier's in-process lock (enough for a payment status that
//!    moves no money, e.g. Pay.nl's "pending");
//! 2. [`Locked::hold`] adds the dossier's lease in `job_lease` (`booking.dossier:{id}`), so
//!    another instance waits; it expires by itself if this process dies holding it;
//! 3. under the [`Hold`], [`Hold::allocate`] divides money received over what is open *now*
//!    and [`Hold::reversal`] takes money back out of a payment (refund, chargeback) in the
//!    reverse order; the caller commits the entry in its own transaction (a payment's status
//!    move, a dispute's decision) so the entry and its reason are booked together;
//! 4. [`Hold::finish`] brings the active payment plan's instalments up to date with the
//!    ledger ([`sync_plan`]) and lets go of the lease.
//!
//! Pay.nl's exchange calls, the return page and the reconciler (`payments`), a dispute
//! decided as "paid elsewhere" or upheld (`disputes`) and the demo seeding (`import`) all
//! book through here. The ledger's unique idempotency keys still make replays no-ops; the
//! hold is what keeps two *different* bookings from allocating the same open items twice.

#![warn(missing_docs)]
// Cent amounts are written with the cents split off, `1_234_56` for €1,234.56.
#![allow(clippy::inconsistent_digit_grouping)]

mod books;
mod error;
pub mod instalments;
mod locks;
mod reverse;
mod sync;

pub use books::{Books, DOSSIER_LEASE_PREFIX, Hold, Locked};
pub use error::BookingError;
pub use instalments::{Owed, covered, owed, received_since};
pub use locks::{KeyGuard, KeyedLocks};
pub use reverse::{Held, NextReturn, Reported, Reversal};
pub use sync::{SyncReport, sync_plan};
