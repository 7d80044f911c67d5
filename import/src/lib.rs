//! Getting dossiers into the portal: the creditor's CSV export ([`import_csv`]) and the demo
//! dossiers ([`seed_demo`]).
//!
//! The file format, the checks and the choices behind them are in `docs/IMPORT.md`. In short:
//! one row per invoice, rows of one dossier share its number; every cell is parsed into a
//! domain type; a dossier with any bad row is held back whole and every row of it reported
//! with its line number; importing the same file twice writes nothing the second time; each
//! new dossier gets a secret, stored only hashed and handed back for the letter run
//! ([`write_secrets_csv`]); collection costs (WIK) become a `charge` with the key
//! `wik:{dossier}`, by the policy in `domain::wik_policy`.

#![warn(missing_docs)]
// Cent amounts are written with the cents split off, `1_234_56` for €1,234.56, as in `domain`.
#![allow(clippy::inconsistent_digit_grouping)]

mod columns;
mod demo;
mod error;
mod fields;
mod prepare;
mod report;
mod rows;
mod run;
mod secrets;

pub use columns::Column;
pub use demo::{DEMO_SECRETS, DemoError, DemoLogin, seed_demo};
pub use error::ImportError;
pub use report::{ImportReport, ImportWarning, RejectedRow};
pub use run::{ImportOptions, import_csv};
pub use secrets::{NewSecret, write_secrets_csv};
