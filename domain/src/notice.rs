//! What the portal tells a debtor in writing: the facts of each message, stored in the
//! outbox with the event that caused it and rendered into Dutch or English only when sent
//! (or shown on `/dossier/messages`), so a message is never lost to a failed template and
//! always reads in the debtor's language.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Money;

/// One message to a debtor, with the figures it states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A receipt: what was received, what it paid off (art. 6:44 BW: costs, then interest,
    /// then principal) and what is still open.
    PaymentReceived {
        /// The amount received.
        amount: Money,
        /// The Dutch day it was received.
        paid_on: NaiveDate,
        /// Paid off: collection costs.
        costs: Money,
        /// Paid off: interest.
        interest: Money,
        /// Paid off: principal.
        principal: Money,
        /// More than was open, held for the debtor.
        credit: Money,
        /// Still open after the payment.
        open_after: Money,
    },
    /// The balance reached zero: a final confirmation that nothing more is owed.
    PaidInFull {
        /// The day the last payment was received.
        paid_on: NaiveDate,
    },
    /// A payment plan was agreed: its schedule.
    PlanAgreed {
        /// Each instalment's due date and amount.
        instalments: Vec<(NaiveDate, Money)>,
    },
    /// An instalment falls due in a few days.
    InstalmentDue {
        /// Its due date.
        due: NaiveDate,
        /// Its amount.
        amount: Money,
    },
    /// An instalment was not paid on time.
    InstalmentMissed {
        /// Its due date.
        due: NaiveDate,
        /// What is still open of it.
        amount: Money,
    },
    /// The plan's one tolerance: a missed instalment was moved to the end of the plan.
    InstalmentMoved {
        /// The due date it had.
        was_due: NaiveDate,
        /// Its new due date.
        now_due: NaiveDate,
        /// Its amount.
        amount: Money,
        /// Further misses the plan bears before it ends (0: the next one ends it).
        misses_left: u32,
    },
    /// A request to pay later in one sum was decided (at once within the agency's rules,
    /// else by staff).
    DeferralDecided {
        /// Whether the debtor may pay by `pay_by`.
        granted: bool,
        /// The day asked for.
        pay_by: NaiveDate,
        /// What was open when asked (interest keeps running until paid).
        amount: Money,
        /// Staff's note, if staff decided.
        note: Option<String>,
    },
    /// The promised day to pay in one sum is near.
    DeferralDue {
        /// The promised day.
        pay_by: NaiveDate,
        /// What is open now.
        amount: Money,
    },
    /// The promised day passed without the full payment: the deferral ended.
    DeferralBroken {
        /// The promised day.
        pay_by: NaiveDate,
        /// What is still open.
        amount: Money,
    },
    /// Collection is paused at the request of municipal debt help, until `until`.
    CollectionPaused {
        /// The last day of the pause.
        until: NaiveDate,
    },
    /// A debt counsellor got access to the dossier (with the debtor's code, or by staff at
    /// municipal debt help's request).
    CounsellorAccess {
        /// The counsellor's name, as they gave it.
        name: String,
        /// The organisation they work for.
        organisation: String,
        /// Whether they see the personal data too.
        personal_data: bool,
        /// Granted by staff (a municipal request), not with the debtor's code.
        by_staff: bool,
    },
    /// A dispute or complaint was received and will be answered by `answer_by`.
    DisputeAcknowledged {
        /// The day the decision is due.
        answer_by: NaiveDate,
    },
    /// A dispute or complaint was decided.
    DisputeDecided {
        /// Whether the debtor was proved right (wholly or partly).
        upheld: bool,
        /// The agency's explanation, as staff wrote it.
        note: String,
    },
    /// A correction request (GDPR art. 16) was decided.
    CorrectionDecided {
        /// The field, as its stable key (`email`, `address`, …).
        field: String,
        /// Whether the correction was made.
        accepted: bool,
        /// Staff's note (the reason for a refusal).
        note: Option<String>,
    },
}

/// The kind of a [`Notice`], as stored beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// [`Notice::PaymentReceived`].
    PaymentReceived,
    /// [`Notice::PaidInFull`].
    PaidInFull,
    /// [`Notice::PlanAgreed`].
    PlanAgreed,
    /// [`Notice::InstalmentDue`].
    InstalmentDue,
    /// [`Notice::InstalmentMissed`].
    InstalmentMissed,
    /// [`Notice::InstalmentMoved`].
    InstalmentMoved,
    /// [`Notice::DeferralDecided`].
    DeferralDecided,
    /// [`Notice::DeferralDue`].
    DeferralDue,
    /// [`Notice::DeferralBroken`].
    DeferralBroken,
    /// [`Notice::CollectionPaused`].
    CollectionPaused,
    /// [`Notice::CounsellorAccess`].
    CounsellorAccess,
    /// [`Notice::DisputeAcknowledged`].
    DisputeAcknowledged,
    /// [`Notice::DisputeDecided`].
    DisputeDecided,
    /// [`Notice::CorrectionDecided`].
    CorrectionDecided,
}

impl NoticeKind {
    /// The stored text.
    pub const fn as_str(self) -> &'static str {
        match self {
            NoticeKind::PaymentReceived => "payment_received",
            NoticeKind::PaidInFull => "paid_in_full",
            NoticeKind::PlanAgreed => "plan_agreed",
            NoticeKind::InstalmentDue => "instalment_due",
            NoticeKind::InstalmentMissed => "instalment_missed",
            NoticeKind::InstalmentMoved => "instalment_moved",
            NoticeKind::DeferralDecided => "deferral_decided",
            NoticeKind::DeferralDue => "deferral_due",
            NoticeKind::DeferralBroken => "deferral_broken",
            NoticeKind::CollectionPaused => "collection_paused",
            NoticeKind::CounsellorAccess => "counsellor_access",
            NoticeKind::DisputeAcknowledged => "dispute_acknowledged",
            NoticeKind::DisputeDecided => "dispute_decided",
            NoticeKind::CorrectionDecided => "correction_decided",
        }
    }

    /// A reminder, which the debtor may switch off; everything else records an agreement,
    /// a payment or a decision and is always sent.
    pub const fn is_reminder(self) -> bool {
        matches!(
            self,
            NoticeKind::InstalmentDue | NoticeKind::InstalmentMissed | NoticeKind::DeferralDue
        )
    }
}

impl Notice {
    /// Its kind.
    pub const fn kind(&self) -> NoticeKind {
        match self {
            Notice::PaymentReceived { .. } => NoticeKind::PaymentReceived,
            Notice::PaidInFull { .. } => NoticeKind::PaidInFull,
            Notice::PlanAgreed { .. } => NoticeKind::PlanAgreed,
            Notice::InstalmentDue { .. } => NoticeKind::InstalmentDue,
            Notice::InstalmentMissed { .. } => NoticeKind::InstalmentMissed,
            Notice::InstalmentMoved { .. } => NoticeKind::InstalmentMoved,
            Notice::DeferralDecided { .. } => NoticeKind::DeferralDecided,
            Notice::DeferralDue { .. } => NoticeKind::DeferralDue,
            Notice::DeferralBroken { .. } => NoticeKind::DeferralBroken,
            Notice::CollectionPaused { .. } => NoticeKind::CollectionPaused,
            Notice::CounsellorAccess { .. } => NoticeKind::CounsellorAccess,
            Notice::DisputeAcknowledged { .. } => NoticeKind::DisputeAcknowledged,
            Notice::DisputeDecided { .. } => NoticeKind::DisputeDecided,
            Notice::CorrectionDecided { .. } => NoticeKind::CorrectionDecided,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_round_trips_through_its_stored_form_with_its_kind() {
        let notice = Notice::PaymentReceived {
            amount: Money::from_cents(100_00),
            paid_on: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            costs: Money::from_cents(40_00),
            interest: Money::from_cents(2_43),
            principal: Money::from_cents(57_57),
            credit: Money::ZERO,
            open_after: Money::from_cents(183_78),
        };
        let stored = serde_json::to_string(&notice).unwrap();
        assert!(stored.contains("\"kind\":\"payment_received\""), "{stored}");
        assert_eq!(serde_json::from_str::<Notice>(&stored).unwrap(), notice);
        assert_eq!(notice.kind().as_str(), "payment_received");
        assert!(!notice.kind().is_reminder());
        assert!(NoticeKind::InstalmentDue.is_reminder());
    }
}
