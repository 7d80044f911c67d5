//! The server's integration tests, in one test binary (one link of the whole server instead
//! of one per file): real servers on free ports over HTTP, real SQLite and PostgreSQL, the
//! Pay.nl simulator over sockets, and real `debiteurportaal` processes for the fault tests.
//!
//! Run one module with `cargo test -p server --test api -- faults::`; the long fault runs
//! are ignored here and run by `cargo xtask soak`.

mod cluster;
mod common;

mod budget;
mod counsellor;
mod dispute;
mod dossier;
mod faults;
mod housekeeping;
mod http;
mod later;
mod letters;
mod limits;
mod metrics;
mod pause;
mod paying;
mod plan;
mod qr_link;
mod retention;
mod sign_in;
mod staff;
mod trust;
