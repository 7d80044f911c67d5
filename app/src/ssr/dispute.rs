//! Disputes on the server: the debtor's page data and the staff queue and actions, over
//! `disputes::DisputeService`. Filing (a multipart form) and file downloads are plain routes
//! in the server crate, which call [`file`] and [`attachment_for_debtor`].

use super::Services;
use crate::dispute::{DisputePage, DisputeRow, FileRow, FilingProblem, InvoiceChoice};
use crate::staff::StaffError;
use auth::roles::StaffAction;
use chrono::{DateTime, Utc};
use claim::dutch_date;
use disputes::{Decision, DisputeItem, DisputeService, DisputesError, Filing, Staff, Upload};
use domain::{AttachmentId, ClaimItemId, DisputeId, DossierId};
use store::DisputeKind;

fn service(services: &Services) -> DisputeService {
    DisputeService::new(services.books.clone())
}

fn row(item: DisputeItem) -> DisputeRow {
    let d = item.dispute;
    DisputeRow {
        id: d.id,
        kind: d.kind.as_str().to_owned(),
        invoice: item.invoice_number,
        explanation: d.explanation,
        status: d.status.as_str().to_owned(),
        decision: d.decision.map(|k| k.as_str().to_owned()),
        filed: dutch_date(d.created_at),
        // Deadlines end at the start of the next Dutch day: the day before is the last one.
        ack_due: dutch_date(d.ack_due_at - chrono::Duration::seconds(1)),
        decision_due: dutch_date(d.decision_due_at - chrono::Duration::seconds(1)),
        ack_note: d.ack_note,
        answer: d.answer,
        files: item
            .attachments
            .into_iter()
            .map(|a| FileRow {
                id: a.id,
                name: a.filename,
                size_kb: (a.size_bytes + 1023) / 1024,
            })
            .collect(),
        dossier: item.dossier_number,
        overdue: item.overdue,
    }
}

/// The debtor's dispute page.
pub async fn page(
    services: &Services,
    dossier_id: &DossierId,
    now: DateTime<Utc>,
) -> Result<DisputePage, DisputesError> {
    let view = claim::load_claim(&services.store, dossier_id, dutch_date(now)).await?;
    let disputes = service(services).for_dossier(dossier_id, now).await?;
    Ok(DisputePage {
        invoices: view
            .invoices
            .iter()
            .map(|i| InvoiceChoice {
                id: i.id,
                number: i.number.clone(),
                on_hold: i.on_hold,
            })
            .collect(),
        disputes: disputes.into_iter().map(row).collect(),
        max_files: disputes::MAX_ATTACHMENTS,
        max_file_mb: disputes::MAX_ATTACHMENT_BYTES / (1024 * 1024),
    })
}

/// The form as received by the filing route.
#[derive(Debug, Clone, Default)]
pub struct FilingForm {
    pub kind: String,
    pub invoice: String,
    pub explanation: String,
    pub uploads: Vec<Upload>,
}

/// Files a dispute for the session's dossier; on a problem, which one and (for a file) its
/// name.
pub async fn file(
    services: &Services,
    dossier_id: &DossierId,
    dossier_number: &str,
    form: FilingForm,
    client_ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<DisputeId, (FilingProblem, Option<String>)> {
    let kind = DisputeKind::parse(form.kind.trim()).ok_or((FilingProblem::Kind, None))?;
    let invoice_id = match form.invoice.trim() {
        "" | "all" => None,
        id => Some(
            id.parse::<ClaimItemId>()
                .map_err(|_| (FilingProblem::Invoice, None))?,
        ),
    };
    let filing = Filing {
        dossier_id: dossier_id.clone(),
        dossier_number: dossier_number.to_owned(),
        invoice_id,
        kind,
        explanation: form.explanation,
        uploads: form.uploads,
        now,
        client_ip: client_ip.map(|ip| ip.to_string()),
    };
    match service(services).file(filing).await {
        Ok(d) => Ok(d.id),
        Err(e) => Err(match e {
            DisputesError::ExplanationRequired => (FilingProblem::Explanation, None),
            DisputesError::TextTooLong => (FilingProblem::TooLong, None),
            DisputesError::UnknownInvoice => (FilingProblem::Invoice, None),
            DisputesError::TooManyAttachments { .. } => (FilingProblem::TooManyFiles, None),
            DisputesError::AttachmentTooLarge { filename, .. } => {
                (FilingProblem::FileTooLarge, Some(filename))
            }
            DisputesError::AttachmentType { filename } => (FilingProblem::FileType, Some(filename)),
            DisputesError::EmptyAttachment { filename } => {
                (FilingProblem::FileEmpty, Some(filename))
            }
            DisputesError::AlreadyOpen => (FilingProblem::AlreadyOpen, None),
            other => {
                tracing::error!(error = %other, "filing a dispute");
                (FilingProblem::Unavailable, None)
            }
        }),
    }
}

/// The staff queue: undecided, overdue first. Showing it is a view of personal data (the
/// debtors' own words and files), audited like the correction queue: one event per dossier
/// shown, with the disputes on it.
pub async fn queue(
    services: &Services,
    me: &super::staff::StaffCurrent,
    ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<Vec<DisputeRow>, DisputesError> {
    let items = service(services).queue(now).await?;
    let mut shown: std::collections::BTreeMap<DossierId, Vec<DisputeId>> = Default::default();
    for item in &items {
        shown
            .entry(item.dispute.dossier_id.clone())
            .or_default()
            .push(item.dispute.id);
    }
    for (dossier_id, ids) in shown {
        super::staff::audit_staff(
            services,
            &me.username,
            Some(dossier_id),
            "personal_data.viewed",
            serde_json::json!({ "via": "dispute_queue", "dispute_ids": ids }),
            ip,
            now,
        )
        .await;
    }
    Ok(items.into_iter().map(row).collect())
}

/// Maps the service's refusals to the staff page's codes.
pub fn staff_error(id: DisputeId, e: DisputesError) -> crate::dispute::StaffDisputeError {
    use crate::dispute::StaffDisputeError as E;
    match e {
        DisputesError::AnswerRequired => E::AnswerRequired { id },
        DisputesError::TextTooLong => E::TooLong { id },
        DisputesError::Amount | DisputesError::NotADispute => E::Amount { id },
        DisputesError::AlreadyDecided => E::AlreadyDecided { id },
        DisputesError::NotFound => E::NotFound { id },
        other => {
            tracing::error!(error = %other, "staff dispute action");
            E::Refused(crate::Refusal::Unavailable)
        }
    }
}

/// Acknowledges a dispute.
pub async fn acknowledge(
    services: &Services,
    username: &str,
    id: DisputeId,
    note: Option<String>,
    client_ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<(), DisputesError> {
    let staff = Staff {
        username: username.to_owned(),
        client_ip: client_ip.map(|ip| ip.to_string()),
    };
    service(services)
        .acknowledge(id, note, &staff, now)
        .await
        .map(|_| ())
}

/// Decides a dispute: `decision` is `upheld`, `rejected` or `paid` (with `amount`).
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    services: &Services,
    me: &super::staff::StaffCurrent,
    id: DisputeId,
    decision: &str,
    answer: &str,
    amount: Option<&str>,
    client_ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<(), crate::dispute::StaffDisputeError> {
    use crate::dispute::StaffDisputeError as E;
    let decision = match decision {
        "upheld" => Decision::Uphold,
        "rejected" => Decision::Reject,
        "paid" => Decision::Paid {
            amount: domain::Money::parse(amount.unwrap_or_default().trim())
                .map_err(|_| E::Amount { id })?,
        },
        _ => return Err(E::NoDecision { id }),
    };
    let needs = match decision {
        Decision::Uphold => Some(StaffAction::UpholdDispute),
        Decision::Paid { .. } => Some(StaffAction::BookPaymentFromProof),
        Decision::Reject => None,
    };
    if let Some(action) = needs {
        let dossier = services
            .store
            .dispute(id)
            .await
            .ok()
            .flatten()
            .map(|d| d.dossier_id);
        if !super::staff::permit(services, me, action, dossier, client_ip, now).await {
            return Err(E::Forbidden { id });
        }
    }
    let staff = Staff {
        username: me.username.clone(),
        client_ip: client_ip.map(|ip| ip.to_string()),
    };
    service(services)
        .decide(id, decision, answer, &staff, now)
        .await
        .map(|_| ())
        .map_err(|e| staff_error(id, e))
}

/// A file for the debtor's own dossier, or `None` (another dossier's file looks like no
/// file at all).
pub async fn attachment_for_debtor(
    services: &Services,
    dossier_id: &DossierId,
    id: AttachmentId,
) -> Result<Option<store::Attachment>, store::StoreError> {
    services.store.attachment_of_dossier(id, dossier_id).await
}

/// A staff session problem as the dispute pages' error.
pub fn from_staff(e: StaffError) -> crate::dispute::StaffDisputeError {
    match e {
        StaffError::Refused(crate::Refusal::NotSignedIn) => {
            crate::dispute::StaffDisputeError::Refused(crate::Refusal::NotSignedIn)
        }
        _ => crate::dispute::StaffDisputeError::Refused(crate::Refusal::Unavailable),
    }
}
