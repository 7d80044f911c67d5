//! One module per page.

mod dossier;
mod link_problem;
mod not_found;
mod sign_in;
pub(crate) mod staff;

pub use dossier::Dossier;
pub use link_problem::LinkProblem;
pub use not_found::NotFound;
pub use sign_in::SignIn;
pub use staff::{CorrectionQueue, DossierLookup, StaffSignInPage};
