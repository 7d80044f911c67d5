//! One module per page.

mod access;
mod budget;
mod counsellor;
mod dispute;
mod dossier;
mod later;
mod link_problem;
mod messages;
mod my_data;
mod not_found;
mod pay;
mod plan;
mod sign_in;
pub(crate) mod staff;
mod trust;

pub use access::AccessPage;
pub use budget::BudgetPageView;
pub(crate) use budget::{StatementView, household_label, line_label};
pub use counsellor::{CounsellorHomePage, CounsellorJoinPage};
pub use dispute::DisputesPage;
pub use dossier::Dossier;
pub use later::LaterPageView;
pub use link_problem::LinkProblem;
pub use messages::MessagesPage;
pub use my_data::{CorrectField, MyData, MyDataPrint};
pub use not_found::NotFound;
pub use pay::{PayForms, PayReturn};
pub use plan::PlanPageView;
pub use sign_in::SignIn;
pub use staff::{
    AccessRequestQueue, CorrectionQueue, CounsellorSignInPage, DeferralQueue, DisputeQueue,
    DossierLookup, PaymentAttentionPage, PlanReviewQueue, StaffSignInPage, StaffTwoFactorPage,
};
pub(crate) use trust::TrustLinks;
pub use trust::{AccessibilityStatement, ComplaintsProcedure, LetterCheck};
