//! The machine-readable copy of a debtor's data (GDPR art. 20). The schema is documented in
//! docs/EXPORT.md; `schema` names its version, bumped on any incompatible change.

use super::Services;
use crate::errors::Refusal;
use crate::model::PersonalData;
use chrono::{DateTime, Utc};
use domain::{DossierId, PaymentId};
use serde::Serialize;

/// The export's schema version.
pub const SCHEMA: &str = "debiteurportaal.export/1";

#[derive(Debug, Serialize)]
pub struct DataExport {
    pub schema: &'static str,
    pub generated_at: DateTime<Utc>,
    /// Who holds the data (the controller) and how to reach them.
    pub controller: crate::agency::Agency,
    /// Everything on the personal-data page: fields with sources, retention, requests.
    pub personal_data: PersonalData,
    /// The claim with its derivation, as on the dossier page.
    pub claim: claim::ClaimView,
    /// Every payment attempt made through the portal.
    pub payments: Vec<PaymentRecord>,
    /// Every message to the debtor, sent or waiting (`/dossier/messages`), newest first.
    pub messages: Vec<MessageRecord>,
}

#[derive(Debug, Serialize)]
pub struct MessageRecord {
    pub kind: &'static str,
    /// `queued`, `sent`, `failed` or `unsent`.
    pub status: &'static str,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The address, subject and text as they went out (none before it was sent).
    pub recipient: Option<String>,
    pub subject: Option<String>,
    pub text: Option<String>,
    /// The facts the message states.
    pub facts: domain::Notice,
}

#[derive(Debug, Serialize)]
pub struct PaymentRecord {
    pub reference: PaymentId,
    pub amount_cents: i64,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// Builds the export for the session's dossier.
pub async fn data_export(
    services: &Services,
    dossier_id: &DossierId,
    now: DateTime<Utc>,
) -> Result<DataExport, Refusal> {
    let personal_data = super::my_data::personal_data(services, dossier_id).await?;
    let claim = claim::load_claim(&services.store, dossier_id, claim::dutch_date(now))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "claim for export");
            Refusal::Unavailable
        })?;
    let payments = services
        .store
        .payments_for_dossier(dossier_id)
        .await
        .map_err(|e| super::unavailable("export payments", e))?
        .into_iter()
        .map(|p| PaymentRecord {
            reference: p.id,
            amount_cents: p.amount.cents(),
            status: p.status.as_str().to_owned(),
            created_at: p.created_at,
        })
        .collect();
    let messages = services
        .store
        .mails_for_dossier(dossier_id)
        .await
        .map_err(|e| super::unavailable("export messages", e))?
        .into_iter()
        .map(|m| MessageRecord {
            kind: m.notice.kind().as_str(),
            status: m.status.as_str(),
            created_at: m.created_at,
            sent_at: m.sent_at,
            recipient: m.recipient,
            subject: m.subject,
            text: m.body_text,
            facts: m.notice,
        })
        .collect();
    Ok(DataExport {
        schema: SCHEMA,
        generated_at: now,
        controller: personal_data.agency.clone(),
        personal_data,
        claim,
        payments,
        messages,
    })
}
