use thiserror::Error;

/// Why mail could not be set up or prepared.
#[derive(Debug, Error)]
pub enum MailError {
    #[error("the mail setting {0} is not valid")]
    Config(&'static str),
    #[error("SMTP: {0}")]
    Smtp(String),
    #[error("the recipient's address is not a valid e-mail address")]
    Address,
    #[error("the message could not be built: {0}")]
    Build(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("the claim could not be derived: {0}")]
    Claim(#[from] claim::ClaimError),
}
