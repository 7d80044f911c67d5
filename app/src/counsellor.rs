//! A debt counsellor's access (issue 21): what the debtor's `/dossier/access`, the
//! counsellor's `/counsellor/…` pages and staff's `/staff/counsellors` exchange with the
//! server, and why a form was refused. Who reaches what is `domain::access`.

use crate::errors::{Problem, Refusal};
use chrono::NaiveDate;
use domain::{AccessId, AccessRequestId, InvitationId};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// The cookie that carries a new invitation code from the form to the page that shows it
/// once (never in a URL, where it would be logged).
pub const NEW_CODE_COOKIE: &str = "dp_invite";

/// Most characters of a name, organisation, municipality or e-mail address.
pub const MAX_FIELD_CHARS: usize = 200;

/// Most characters of a reason or a note.
pub const MAX_TEXT_CHARS: usize = 2000;

/// Shown on the overview while a counsellor acts for the debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActingBanner {
    pub name: String,
    pub organisation: String,
    pub personal_data: bool,
}

/// The debtor's page: open invitations, who has access, and what they did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessView {
    /// The code just made, shown this once.
    pub new_code: Option<String>,
    pub invitations: Vec<InvitationItem>,
    pub grants: Vec<GrantItem>,
    pub activity: Vec<ActivityItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationItem {
    pub id: InvitationId,
    pub personal_data: bool,
    pub organisation: Option<String>,
    pub email: Option<String>,
    pub expires: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantItem {
    pub id: AccessId,
    pub name: String,
    pub organisation: String,
    pub email: String,
    pub personal_data: bool,
    /// Through the debtor's code (false: staff approved a municipal request).
    pub by_invitation: bool,
    pub since: NaiveDate,
}

/// One thing a counsellor saw or did, as the debtor reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityItem {
    /// Local time, `YYYY-MM-DD HH:MM`.
    pub at: String,
    pub who: String,
    pub what: Activity,
}

/// What a counsellor did, from the audited path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activity {
    Joined,
    ViewedClaim,
    ViewedPlan,
    ViewedDisputes,
    ViewedLater,
    ViewedPersonalData,
    ProposedPlan,
    FiledDispute,
    AskedLater,
    Paid,
    /// A municipal counsellor asked staff for access.
    Requested,
    Other,
}

impl Activity {
    /// What an audited counsellor event (`counsellor.viewed` / `counsellor.acted` with its
    /// path, or the grant itself) was.
    pub fn of(action: &str, path: &str) -> Activity {
        match action {
            "counsellor.joined" => Activity::Joined,
            "counsellor.access_requested" => Activity::Requested,
            "counsellor.viewed" => match path {
                "/dossier" => Activity::ViewedClaim,
                p if p.starts_with("/dossier/plan") => Activity::ViewedPlan,
                p if p.starts_with("/dossier/disputes") => Activity::ViewedDisputes,
                p if p.starts_with("/dossier/later") => Activity::ViewedLater,
                p if p.starts_with("/dossier/data") => Activity::ViewedPersonalData,
                _ => Activity::Other,
            },
            _ => match path {
                "/api/propose_plan" | "/api/accept_counter" | "/dossier/plan/budget" => {
                    Activity::ProposedPlan
                }
                "/dossier/disputes" => Activity::FiledDispute,
                "/api/ask_later" => Activity::AskedLater,
                "/api/start_payment" | "/api/pay_plan" => Activity::Paid,
                p if p.starts_with("/dossier/data") => Activity::ViewedPersonalData,
                "/api/request_correction" => Activity::ViewedPersonalData,
                _ => Activity::Other,
            },
        }
    }
}

/// The counsellor's own page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounsellorHome {
    pub name: String,
    pub organisation: String,
    /// Registered with a municipality: may ask staff for access without a code.
    pub municipal: bool,
    pub dossiers: Vec<CounsellorDossier>,
    pub requests: Vec<RequestItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounsellorDossier {
    pub number: String,
    pub personal_data: bool,
    pub since: NaiveDate,
}

/// A request for access without a code: for the counsellor, and in staff's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestItem {
    pub id: AccessRequestId,
    pub number: String,
    pub counsellor: String,
    pub organisation: String,
    pub municipality: Option<String>,
    pub email: String,
    pub reason: String,
    pub personal_data: bool,
    pub received: NaiveDate,
    /// `open`, `granted` or `rejected`.
    pub status: String,
    pub note: Option<String>,
}

/// Why a counsellor or access form was refused; keeps what was typed (never a password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AccessError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The debtor's invitation form: the optional organisation or e-mail address.
    #[error("the invitation form has errors")]
    Invitation {
        organisation: String,
        email: String,
        organisation_problem: Option<Problem>,
        email_problem: Option<Problem>,
    },
    /// No code typed, or not 16 characters of the alphabet.
    #[error("the invitation code is not in the expected format")]
    BadCode,
    /// No live invitation has this code (unknown, used, withdrawn or past its 14 days).
    #[error("no invitation with this code")]
    NoSuchInvitation,
    /// The invitation names another counsellor's e-mail address.
    #[error("this invitation is for someone else")]
    OtherCounsellor,
    #[error("you already have access to this dossier")]
    AlreadyGranted,
    #[error("too many attempts")]
    Throttled { retry_after_secs: i64 },
    /// The account form (`/counsellor/join`).
    #[error("the account form has errors")]
    Join {
        fields: JoinFields,
        problems: JoinProblems,
    },
    #[error("the username is taken")]
    UsernameTaken { fields: JoinFields },
    /// The municipal request form.
    #[error("the request form has errors")]
    Request {
        number: String,
        reason: String,
        number_problem: Option<NumberProblem>,
        reason_problem: Option<Problem>,
    },
    /// Only counsellors registered with a municipality ask staff.
    #[error("only municipal debt help can ask without a code")]
    NotMunicipal,
    #[error("a request for this dossier is waiting already")]
    RequestOpen,
    /// The dossier is not one of the counsellor's.
    #[error("no access to this dossier")]
    NoAccess,
    /// Staff: a decision without a choice, or a rejection without a note.
    #[error("choose grant or reject, and explain a rejection")]
    Decision {
        id: AccessRequestId,
        problem: Problem,
    },
    #[error("the request was decided already")]
    DecidedEarlier { by: Option<String> },
}

/// What is wrong with a dossier number typed by a counsellor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NumberProblem {
    Required,
    /// Not in the form of a dossier number.
    Format,
    /// Well-formed, but no dossier of ours.
    Unknown,
}

/// What was typed into the account form (the password is never sent back).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinFields {
    pub name: String,
    pub organisation: String,
    pub email: String,
    pub username: String,
}

/// Each field's problem on the account form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinProblems {
    pub code: Option<Problem>,
    pub name: Option<Problem>,
    pub organisation: Option<Problem>,
    pub email: Option<Problem>,
    pub username: Option<Problem>,
    /// At least 12 characters (as for staff).
    pub password: Option<Problem>,
}

impl JoinProblems {
    pub fn any(&self) -> bool {
        [
            self.code,
            self.name,
            self.organisation,
            self.email,
            self.username,
            self.password,
        ]
        .iter()
        .any(Option::is_some)
    }
}

impl FromServerFnError for AccessError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_: ServerFnErrorErr) -> Self {
        AccessError::Refused(Refusal::Unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audited_paths_read_as_what_the_counsellor_did() {
        assert_eq!(
            Activity::of("counsellor.viewed", "/dossier"),
            Activity::ViewedClaim
        );
        assert_eq!(
            Activity::of("counsellor.viewed", "/dossier/data/print"),
            Activity::ViewedPersonalData
        );
        assert_eq!(
            Activity::of("counsellor.acted", "/api/propose_plan"),
            Activity::ProposedPlan
        );
        assert_eq!(
            Activity::of("counsellor.acted", "/dossier/disputes"),
            Activity::FiledDispute
        );
        assert_eq!(Activity::of("counsellor.acted", "/api/x"), Activity::Other);
        assert_eq!(Activity::of("counsellor.joined", ""), Activity::Joined);
    }
}
