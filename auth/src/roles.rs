//! What each staff role may do: the one place the back office's permissions are decided
//! (least privilege: an agent handles the daily queues, only an admin moves money or
//! identity).
//!
//! | action | agent | admin |
//! |---|---|---|
//! | see the queues and look up a dossier (audited) | yes | yes |
//! | accept a correction of contact details (e-mail, phone); reject any correction | yes | yes |
//! | accept a correction of name, address or any other identity field | no | yes |
//! | acknowledge a dispute, reject it with reasons | yes | yes |
//! | uphold a dispute (writes off the disputed amount) | no | yes |
//! | book a payment shown by the debtor's proof | no | yes |
//! | decide a payment plan put up for review | yes | yes |
//! | decide a request to pay later in one sum put up for review | yes | yes |
//! | record or end a pause in collection (adempauze) asked by municipal debt help | yes | yes |
//! | download a file of a dispute still being handled | yes | yes |
//! | download a file of a decided dispute | no | yes |
//!
//! Accounts are managed on the command line only (`debiteurportaal staff add`), by whoever
//! operates the server.

use store::{DebtorField, StaffRole};

/// Something a staff member asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    /// Accept a debtor's correction of `field` (rejecting needs no permission beyond sign-in).
    AcceptCorrection(DebtorField),
    /// Uphold a dispute: the disputed amount is written off.
    UpholdDispute,
    /// Book a payment from the debtor's proof.
    BookPaymentFromProof,
    /// Mark a flagged payment handled (a money decision: what to do with an amount that
    /// differs, a chargeback, or money after a cancel).
    ResolvePaymentNotice,
    /// Download a file kept with a dispute.
    DownloadAttachment {
        /// The dispute is closed.
        decided: bool,
    },
}

/// Whether `role` may do `action`.
pub fn may(role: StaffRole, action: StaffAction) -> bool {
    match role {
        StaffRole::Admin => true,
        StaffRole::Agent => match action {
            StaffAction::AcceptCorrection(field) => {
                matches!(field, DebtorField::Email | DebtorField::Phone)
            }
            StaffAction::UpholdDispute
            | StaffAction::BookPaymentFromProof
            | StaffAction::ResolvePaymentNotice => false,
            StaffAction::DownloadAttachment { decided } => !decided,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_handles_contact_details_and_open_disputes_only() {
        let agent = StaffRole::Agent;
        assert!(may(
            agent,
            StaffAction::AcceptCorrection(DebtorField::Email)
        ));
        assert!(may(
            agent,
            StaffAction::AcceptCorrection(DebtorField::Phone)
        ));
        for field in [
            DebtorField::Name,
            DebtorField::Address,
            DebtorField::Postcode,
            DebtorField::City,
            DebtorField::BirthDate,
            DebtorField::IdDocumentNumber,
            DebtorField::KvkNumber,
            DebtorField::VatNumber,
            DebtorField::CustomerNumber,
        ] {
            assert!(
                !may(agent, StaffAction::AcceptCorrection(field)),
                "{field:?}"
            );
        }
        assert!(!may(agent, StaffAction::UpholdDispute));
        assert!(!may(agent, StaffAction::BookPaymentFromProof));
        assert!(!may(agent, StaffAction::ResolvePaymentNotice));
        assert!(may(
            agent,
            StaffAction::DownloadAttachment { decided: false }
        ));
        assert!(!may(
            agent,
            StaffAction::DownloadAttachment { decided: true }
        ));
    }

    #[test]
    fn an_admin_may_do_everything() {
        for action in [
            StaffAction::AcceptCorrection(DebtorField::Name),
            StaffAction::UpholdDispute,
            StaffAction::BookPaymentFromProof,
            StaffAction::ResolvePaymentNotice,
            StaffAction::DownloadAttachment { decided: true },
        ] {
            assert!(may(StaffRole::Admin, action));
        }
    }
}
