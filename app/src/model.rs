//! What the dossier pages receive from the server: plain serialisable data, the same types on
//! both sides of a server function.

use crate::agency::Agency;
use chrono::NaiveDate;
use domain::{CorrectionId, Money};
use serde::{Deserialize, Serialize};

/// The claim overview: always the open amount; the breakdown only in a full session (invoice
/// numbers are personal data a QR-link session does not see).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimOverview {
    pub number: String,
    pub creditor: String,
    /// A QR-link session: may pay, sees no personal data.
    pub pay_only: bool,
    pub open_total: Money,
    pub as_of: NaiveDate,
    /// `None` in a pay-only session.
    pub claim: Option<claim::ClaimView>,
    /// The smallest part payment accepted (unless it is the whole balance).
    pub minimum_part_payment: Money,
    /// Whether paying online is possible right now (Pay.nl configured).
    pub can_pay_online: bool,
    /// A fresh key for this page's pay forms: submitting twice (a double click, a retry)
    /// reuses the first payment instead of opening a second one.
    pub pay_intent: String,
    /// Collection is paused (at the request of municipal debt help) up to and including.
    pub paused_until: Option<NaiveDate>,
    /// Set when a debt counsellor acts for the debtor: who, and what they were given.
    pub acting: Option<crate::counsellor::ActingBanner>,
}

/// What the return page shows about one payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub state: domain::PayStatus,
    pub amount: Money,
    /// Whether the visitor is signed in to the payment's dossier (then the page links back).
    pub signed_in: bool,
}

/// A personal field the agency may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Address,
    Postcode,
    City,
    Phone,
    Email,
    CustomerNumber,
    BirthDate,
    IdDocumentNumber,
    KvkNumber,
    VatNumber,
}

impl Field {
    pub const ALL: [Field; 11] = [
        Field::Name,
        Field::Address,
        Field::Postcode,
        Field::City,
        Field::Phone,
        Field::Email,
        Field::CustomerNumber,
        Field::BirthDate,
        Field::IdDocumentNumber,
        Field::KvkNumber,
        Field::VatNumber,
    ];

    /// The name in URLs and forms (`?field=email`).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Address => "address",
            Field::Postcode => "postcode",
            Field::City => "city",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::CustomerNumber => "customer_number",
            Field::BirthDate => "birth_date",
            Field::IdDocumentNumber => "id_document_number",
            Field::KvkNumber => "kvk_number",
            Field::VatNumber => "vat_number",
        }
    }

    pub fn parse(text: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// Shown masked until the debtor asks to see it.
    pub fn sensitive(self) -> bool {
        matches!(self, Field::BirthDate | Field::IdDocumentNumber)
    }

    /// Whether the agency can hold this field for a person or a business.
    pub fn applies_to(self, business: bool) -> bool {
        match self {
            Field::BirthDate | Field::IdDocumentNumber => !business,
            Field::KvkNumber | Field::VatNumber => business,
            _ => true,
        }
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// Supplied by the creditor (by name) on a date.
    Creditor { name: String, on: NaiveDate },
    /// Changed on the debtor's own correction request.
    Correction { on: NaiveDate },
}

/// One personal field as held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldView {
    pub field: Field,
    /// `None`: not held.
    pub value: Option<String>,
    pub source: Option<Source>,
    /// An open correction request for this field (no second one is accepted).
    pub open_request: bool,
}

/// A correction request as the debtor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionView {
    pub id: CorrectionId,
    pub field: Field,
    pub proposed: String,
    pub status: CorrectionState,
    pub filed: NaiveDate,
    /// The answer is due by this day (one month after filing).
    pub due: NaiveDate,
    pub staff_note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionState {
    Submitted,
    Accepted,
    Rejected,
}

/// Everything the personal-data page shows (GDPR art. 15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalData {
    pub number: String,
    pub business: bool,
    pub creditor: String,
    pub fields: Vec<FieldView>,
    /// Invoice numbers of the claim (also personal data: they tie the debtor to purchases).
    pub invoice_numbers: Vec<String>,
    pub last_claim_letter: Option<NaiveDate>,
    /// The last day the data is kept (`domain::RetentionPolicy`): `retention_years` after the
    /// last claim letter, or later when the dossier closed less than two years before that.
    pub keep_until: Option<NaiveDate>,
    /// Set when the two years after closing decide `keep_until`: the day it closed.
    pub kept_after_closing: Option<NaiveDate>,
    pub agency: Agency,
    pub corrections: Vec<CorrectionView>,
    /// Income and expenses statements sent with plan requests (category "financial
    /// situation"; source: the debtor; purpose: assessing a payment plan; kept until
    /// `domain::PLAN_BUDGET_KEPT_MONTHS` after the plan ended), newest first.
    pub financial_situation: Vec<crate::budget::FinancialRecord>,
    /// Requests to pay later in one sum, with the debtor's reason (source: the debtor; purpose:
    /// an arrangement to pay; kept with the dossier), newest first.
    pub deferrals: Vec<DeferralRecord>,
    /// Pauses in collection at the request of municipal debt help (source: the municipality,
    /// through staff; kept with the dossier), newest first.
    pub pauses: Vec<PauseRecord>,
    /// Debt counsellors the debtor (or staff, at municipal debt help's request) let in: they
    /// are recipients of the data (AVG art. 15 lid 1 (c)), ended grants too, oldest first.
    pub counsellors: Vec<CounsellorRecord>,
}

/// A counsellor's access, as the personal-data page and the export list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounsellorRecord {
    pub name: String,
    pub organisation: String,
    pub email: String,
    /// Whether they saw the personal data too, or only the claim.
    pub personal_data: bool,
    /// Through the debtor's code (else staff, at municipal debt help's request).
    pub by_invitation: bool,
    pub since: NaiveDate,
    /// The day the access ended, if it did.
    pub ended: Option<NaiveDate>,
}

/// A request to pay later, as the personal-data page and the export list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferralRecord {
    pub asked_on: NaiveDate,
    pub pay_by: NaiveDate,
    /// `needs_review`, `granted`, `rejected`, `kept`, `broken`.
    pub status: String,
    pub reason: Option<String>,
    pub staff_note: Option<String>,
}

/// A pause in collection, as the personal-data page and the export list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseRecord {
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub requested_by: String,
}

/// One line of a plan's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRow {
    pub number: u32,
    pub due: NaiveDate,
    pub amount: Money,
    /// `open`, `paid`, `late` or `missed`; empty in a preview.
    pub status: String,
    /// The due date before this missed instalment was moved to the end of the plan.
    pub moved_from: Option<NaiveDate>,
}

/// The plan's tolerance for one missed instalment, as the debtor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tolerance {
    /// The rules have none: every miss counts.
    None,
    /// Not used yet: the first miss will move to the end of the plan.
    Available,
    /// Used: this instalment was moved and is still open (it may be paid late now).
    Moved {
        number: u32,
        was_due: NaiveDate,
        now_due: NaiveDate,
        amount: Money,
    },
    /// Used and settled.
    Used,
}

/// What the plan picker needs to build schedules in the browser with the same code the
/// server enforces ([`domain::PlanRules::preview`]), and without JavaScript on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPicker {
    pub rules: domain::PlanRules,
    /// The open balance the plan spreads.
    pub balance: Money,
    /// Today in the Netherlands: the plan's start date.
    pub start: NaiveDate,
    /// Statutory interest stops while a plan is kept (the agency's rule).
    pub interest_stops: bool,
}

/// The most recent plan that was turned down, shown above the picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedPlan {
    /// The debtor declined staff's counter-proposal (else staff rejected the proposal).
    pub declined_by_debtor: bool,
    pub staff_note: Option<String>,
}

/// A plan in play.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    /// `proposed`, `active`, `needs_review`, `rejected`.
    pub status: String,
    pub rows: Vec<PlanRow>,
    pub staff_note: Option<String>,
    /// Staff proposed this plan instead of the debtor's.
    pub counter_proposal: bool,
    /// Agreeing to this proposal starts paying its first instalment (due today).
    pub pay_first_on_accept: bool,
    /// Statutory interest stops while this plan is kept.
    pub interest_stops: bool,
    /// The one missed instalment the plan bears without counting it as late.
    pub tolerance: Tolerance,
    /// Misses (late, or moved and unpaid) that end the plan.
    pub misses_before_default: u32,
    /// An income and expenses statement was sent with this plan (`/dossier/plan/budget`).
    pub has_statement: bool,
}

/// The plan page: the plan in play, or the picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPage {
    pub plan: Option<PlanView>,
    /// Set when there is no plan in play.
    pub picker: Option<PlanPicker>,
    pub refused: Option<RefusedPlan>,
    /// Everything still open.
    pub open_total: Money,
}

/// An answer is due one month after a request.
pub fn answer_due(filed: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    filed
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(filed + chrono::Duration::days(31))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_round_trip() {
        for field in Field::ALL {
            assert_eq!(Field::parse(field.as_str()), Some(field));
        }
        assert_eq!(Field::parse("password"), None);
    }
}

/// `/dossier/messages`: what the portal wrote to the debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagesPage {
    /// Whether an e-mail address is on file (else the messages are only here).
    pub has_email: bool,
    /// Whether the debtor receives reminders by e-mail.
    pub reminders: bool,
    /// Newest first.
    pub messages: Vec<MessageRow>,
}

/// One message, as sent or as it will be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRow {
    pub id: String,
    pub subject: String,
    pub body: String,
    /// The Dutch day it was written.
    pub written_on: chrono::NaiveDate,
    /// `queued`, `sent`, `failed` or `unsent`.
    pub status: String,
    pub sent_on: Option<chrono::NaiveDate>,
    pub recipient: Option<String>,
    /// A reminder (the kind the debtor can switch off).
    pub reminder: bool,
}

/// `/dossier/later`: paying later in one sum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaterPage {
    /// Everything open today.
    pub open_total: Money,
    /// Today in the Netherlands.
    pub today: NaiveDate,
    /// The last day agreed at once, and the largest balance.
    pub latest: NaiveDate,
    pub max_days: u32,
    pub max_open: Money,
    /// The furthest day that can be asked for at all (staff decide beyond `latest`).
    pub furthest: NaiveDate,
    /// The latest request, if any.
    pub current: Option<DeferralView>,
    /// A payment plan is in play: no deferral beside it.
    pub plan_in_play: bool,
    /// Whether paying online is available (the pay-now form).
    pub can_pay_online: bool,
}

/// A request to pay later, as the debtor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferralView {
    /// `needs_review`, `granted`, `rejected`, `kept`, `broken`.
    pub status: String,
    pub pay_by: NaiveDate,
    pub open_when_asked: Money,
    /// What will be open on `pay_by` with the interest until then (granted only).
    pub open_on_day: Option<Money>,
    pub staff_note: Option<String>,
    /// When staff will have answered (waiting only).
    pub answer_by: Option<NaiveDate>,
}
