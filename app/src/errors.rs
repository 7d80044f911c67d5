//! Errors server functions send to the browser. They carry codes the pages turn into
//! translated texts, never database or provider details (those are logged on the server).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Why signing in did not work. Each variant keeps the typed dossier number (never the
/// secret) so the form can show it again, also after a no-JavaScript round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum SignInError {
    #[error("the dossier number is not in the expected format")]
    BadDossier { dossier: String },
    #[error("the code is not in the expected format")]
    BadSecret { dossier: String },
    /// A wrong secret and an unknown dossier number look the same on purpose.
    #[error("the dossier number and code do not match")]
    Invalid { dossier: String },
    #[error("too many attempts")]
    Throttled {
        dossier: String,
        retry_after_secs: i64,
    },
    #[error("the service is unavailable")]
    Unavailable,
}

impl SignInError {
    /// The dossier number as typed, to fill the field again.
    pub fn dossier(&self) -> Option<&str> {
        match self {
            SignInError::BadDossier { dossier }
            | SignInError::BadSecret { dossier }
            | SignInError::Invalid { dossier }
            | SignInError::Throttled { dossier, .. } => Some(dossier),
            SignInError::Unavailable => None,
        }
    }
}

impl FromServerFnError for SignInError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_: ServerFnErrorErr) -> Self {
        SignInError::Unavailable
    }
}

/// Errors of the pages behind sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PortalError {
    #[error("not signed in")]
    NotSignedIn,
    #[error("the service is unavailable")]
    Unavailable,
}

impl FromServerFnError for PortalError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_: ServerFnErrorErr) -> Self {
        PortalError::Unavailable
    }
}
