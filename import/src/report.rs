//! What an import did, for the staff member who ran it.

use std::fmt;
use std::io::Write;
use std::time::Duration;

use crate::secrets::NewSecret;

/// The outcome of [`import_csv`](crate::import_csv).
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Data rows in the file (the header not counted).
    pub rows_read: usize,
    /// Dossiers that did not exist and were created (each with a new secret).
    pub dossiers_created: usize,
    /// Existing dossiers that the file changed (debtor details, invoices, collection costs,
    /// last letter date).
    pub dossiers_updated: usize,
    /// Existing dossiers the file matched exactly: nothing was written.
    pub dossiers_unchanged: usize,
    /// Rows not imported, in file order, each with its reason. A dossier with one bad row is
    /// held back whole, so its other rows are listed too.
    pub rejected: Vec<RejectedRow>,
    /// Things imported but worth a look (ignored columns, collection costs not yet due).
    pub warnings: Vec<ImportWarning>,
    /// The secrets of the new dossiers, for the letter run: only their hashes are stored.
    /// See [`write_secrets_csv`](crate::write_secrets_csv).
    pub new_secrets: Vec<NewSecret>,
    /// Time spent hashing secrets, summed over the hashing threads.
    pub hashing: Duration,
}

impl ImportReport {
    /// How many rows were not imported.
    pub fn rows_rejected(&self) -> usize {
        self.rejected.len()
    }

    /// Writes the rejected rows as CSV (`line,dossier_number,reason`), for whoever fixes the
    /// file.
    pub fn write_rejections_csv(&self, writer: impl Write) -> std::io::Result<()> {
        let mut csv = csv::Writer::from_writer(writer);
        csv.write_record(["line", "dossier_number", "reason"])?;
        for row in &self.rejected {
            csv.write_record([
                row.line.to_string().as_str(),
                &inert(row.dossier.as_deref().unwrap_or("")),
                &inert(&row.reason),
            ])?;
        }
        csv.flush()
    }
}

/// `text` made safe to open in a spreadsheet: a cell starting with `=`, `+`, `-` or `@` would
/// be run as a formula, and the dossier cell can echo whatever the creditor's file held.
fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

impl fmt::Display for ImportReport {
    /// A summary in a few lines (no personal data, no secrets).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} rows read; dossiers: {} created, {} updated, {} unchanged; {} rows rejected; \
             {} new secrets",
            self.rows_read,
            self.dossiers_created,
            self.dossiers_updated,
            self.dossiers_unchanged,
            self.rows_rejected(),
            self.new_secrets.len()
        )?;
        for row in &self.rejected {
            writeln!(f, "{row}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "{warning}")?;
        }
        Ok(())
    }
}

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// The line in the file where the row starts (the header is line 1).
    pub line: u64,
    /// The dossier number as written in the file (canonical when it could be read).
    pub dossier: Option<String>,
    /// Why, in words staff can act on; several problems are separated by `; `.
    pub reason: String,
}

impl fmt::Display for RejectedRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.dossier {
            Some(dossier) => write!(f, "line {} ({dossier}): {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// Something imported that staff may want to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportWarning {
    /// The dossier it concerns, if one.
    pub dossier: Option<String>,
    /// What to look at.
    pub message: String,
}

impl fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.dossier {
            Some(dossier) => write!(f, "note ({dossier}): {}", self.message),
            None => write!(f, "note: {}", self.message),
        }
    }
}
