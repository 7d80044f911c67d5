//! What stops an import as a whole. Problems with single rows are not errors: they are
//! reported in [`ImportReport::rejected`](crate::ImportReport::rejected).

use crate::report::ImportReport;

/// Why an import stopped (or never started).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input could not be read.
    #[error("cannot read the import file: {0}")]
    Read(#[from] std::io::Error),
    /// The file is not CSV the reader can follow.
    #[error("the import file is not readable CSV: {0}")]
    Csv(#[from] csv::Error),
    /// Not even a header line.
    #[error("the import file is empty: it needs a header line with the column names")]
    NoHeader,
    /// The header line is not valid UTF-8.
    #[error("the header line is not UTF-8 text: save the file as UTF-8 (CSV UTF-8 in Excel)")]
    HeaderNotUtf8,
    /// Columns whose values every row needs are not in the header.
    #[error("the header lacks required columns: {}", .0.join(", "))]
    MissingColumns(Vec<&'static str>),
    /// A column appears twice, so it is unclear which to use.
    #[error("column {0} appears twice in the header")]
    DuplicateColumn(&'static str),
    /// The database failed.
    #[error("database: {0}")]
    Store(#[from] store::StoreError),
    /// A secret could not be hashed.
    #[error("hashing a secret: {0}")]
    Hash(#[from] auth::HashError),
    /// A background task (hashing) panicked or was cancelled.
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The import stopped part-way. What was done is in `report`, including the secrets of the
    /// dossiers created so far: write them out, or those dossiers need new secrets.
    #[error(
        "import interrupted after {} dossiers: {source}",
        report.dossiers_created + report.dossiers_updated + report.dossiers_unchanged
    )]
    Interrupted {
        /// What went wrong.
        #[source]
        source: Box<ImportError>,
        /// What was done before it went wrong.
        report: Box<ImportReport>,
    },
}

impl ImportError {
    /// The partial report of an interrupted import.
    pub fn partial_report(&self) -> Option<&ImportReport> {
        match self {
            ImportError::Interrupted { report, .. } => Some(report),
            _ => None,
        }
    }
}
