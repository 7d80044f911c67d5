use sqlx::error::ErrorKind;
use thiserror::Error;

/// What can go wrong in the store. Messages are for logs, never for the debtor's browser.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("unsupported database url: expected sqlite:… or postgres://…")]
    UnsupportedUrl,
    #[error("cannot create the database directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique key is taken by a different row (not a harmless replay).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The caller passed something the schema would reject anyway; caught early for a clear error.
    #[error("invalid input: {0}")]
    Invalid(&'static str),
    /// A stored value the code cannot read back: a schema/code mismatch.
    #[error("unreadable value {value:?} in column {column}")]
    Corrupt { column: &'static str, value: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.kind() == ErrorKind::UniqueViolation)
}
