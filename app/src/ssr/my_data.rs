//! "Mijn gegevens": the personal data held about the signed-in debtor (GDPR art. 15), their
//! correction requests (art. 16) and the audit of every view. The data export (art. 20) is
//! in `export.rs`. Every function takes the dossier id from the session, never from the
//! request, so no one reaches another dossier by changing an id.

use super::{Services, audit_debtor, unavailable};
use crate::errors::{CorrectionError, Problem, Refusal};
use crate::model::{
    CorrectionState, CorrectionView, Field, FieldView, PersonalData, Source, answer_due,
};
use chrono::{DateTime, Utc};
use domain::DossierId;
use std::collections::HashMap;
use store::{CorrectionStatus, DebtorField, DebtorKind, FieldSourceKind};

/// Maps the page's field to the store's.
pub fn store_field(field: Field) -> DebtorField {
    match field {
        Field::Name => DebtorField::Name,
        Field::Address => DebtorField::Address,
        Field::Postcode => DebtorField::Postcode,
        Field::City => DebtorField::City,
        Field::Phone => DebtorField::Phone,
        Field::Email => DebtorField::Email,
        Field::CustomerNumber => DebtorField::CustomerNumber,
        Field::BirthDate => DebtorField::BirthDate,
        Field::IdDocumentNumber => DebtorField::IdDocumentNumber,
        Field::KvkNumber => DebtorField::KvkNumber,
        Field::VatNumber => DebtorField::VatNumber,
    }
}

fn page_field(field: DebtorField) -> Field {
    Field::ALL
        .into_iter()
        .find(|f| store_field(*f) == field)
        .unwrap_or(Field::Name)
}

/// Everything held about the debtor of this dossier, with sources and retention.
pub async fn personal_data(
    services: &Services,
    dossier_id: &DossierId,
) -> Result<PersonalData, Refusal> {
    let store = &services.store;
    let map = |e| unavailable("personal data", e);
    let dossier = store
        .dossier(dossier_id)
        .await
        .map_err(map)?
        .ok_or(Refusal::NotSignedIn)?;
    let creditor = store
        .creditor(&dossier.creditor_id)
        .await
        .map_err(map)?
        .map(|c| c.name)
        .unwrap_or_default();
    let debtor = store.debtor(dossier_id).await.map_err(map)?;
    let sources = store.debtor_field_sources(dossier_id).await.map_err(map)?;
    let corrections = store
        .corrections_for_dossier(dossier_id)
        .await
        .map_err(map)?;
    let items = store.claim_items(dossier_id).await.map_err(map)?;

    // The latest source of each field.
    let mut latest: HashMap<DebtorField, &store::FieldSource> = HashMap::new();
    for source in &sources {
        let newer = latest
            .get(&source.field)
            .is_none_or(|s| s.supplied_at <= source.supplied_at);
        if newer {
            latest.insert(source.field, source);
        }
    }
    let business = debtor
        .as_ref()
        .is_some_and(|d| d.details.kind == DebtorKind::Business);
    let fields = Field::ALL
        .into_iter()
        .filter(|f| f.applies_to(business))
        .map(|field| {
            let sf = store_field(field);
            let value = debtor.as_ref().and_then(|d| d.details.get(sf));
            let source = latest.get(&sf).map(|s| match s.kind {
                FieldSourceKind::Creditor => Source::Creditor {
                    name: creditor.clone(),
                    on: claim::dutch_date(s.supplied_at),
                },
                FieldSourceKind::Correction => Source::Correction {
                    on: claim::dutch_date(s.supplied_at),
                },
            });
            let open_request = corrections
                .iter()
                .any(|c| c.field == sf && c.status == CorrectionStatus::Submitted);
            FieldView {
                field,
                value,
                source,
                open_request,
            }
        })
        .collect();
    let agency = (*services.agency).clone();
    let policy = agency.retention_policy();
    let closed_on = dossier.closed_at.map(claim::dutch_date);
    let letter = dossier.last_claim_letter_at;
    let keep_until = letter.and_then(|l| match policy.retention(l, closed_on)? {
        domain::Retention::Until { last_day } => Some(last_day),
        domain::Retention::WhileOpen { letter_last_day } => Some(letter_last_day),
    });
    // Said when the two years after closing, not the letter, set the date.
    let by_letter = letter.and_then(|l| policy.letter_last_day(l));
    let kept_after_closing = closed_on.filter(|_| keep_until.is_some() && keep_until != by_letter);
    Ok(PersonalData {
        number: dossier.number,
        business,
        creditor,
        fields,
        invoice_numbers: items.into_iter().map(|i| i.invoice_number).collect(),
        last_claim_letter: dossier.last_claim_letter_at,
        keep_until,
        kept_after_closing,
        agency,
        corrections: corrections.into_iter().map(correction_view).collect(),
        financial_situation: super::budget::financial_records(services, dossier_id)
            .await
            .map_err(map)?,
        deferrals: services
            .store
            .deferrals_for_dossier(dossier_id)
            .await
            .map_err(map)?
            .into_iter()
            .map(|d| crate::model::DeferralRecord {
                asked_on: claim::dutch_date(d.created_at),
                pay_by: d.pay_by,
                status: d.status.as_str().to_owned(),
                reason: d.reason,
                staff_note: d.staff_note,
            })
            .collect(),
        pauses: services
            .store
            .pauses_for_dossier(dossier_id)
            .await
            .map_err(map)?
            .into_iter()
            .map(|p| crate::model::PauseRecord {
                from: p.days.from(),
                until: p.days.until(),
                requested_by: p.requested_by,
            })
            .collect(),
        counsellors: services
            .store
            .access_history(dossier_id)
            .await
            .map_err(map)?
            .into_iter()
            .map(|r| crate::model::CounsellorRecord {
                name: r.access.counsellor.name,
                organisation: r.access.counsellor.organisation,
                email: r.access.counsellor.email,
                personal_data: r.access.personal_data,
                by_invitation: r.access.via == "invitation",
                since: claim::dutch_date(r.access.granted_at),
                ended: r.revoked_at.map(claim::dutch_date),
            })
            .collect(),
    })
}

fn correction_view(c: store::CorrectionRequest) -> CorrectionView {
    CorrectionView {
        id: c.id,
        field: page_field(c.field),
        proposed: c.proposed_value,
        status: match c.status {
            CorrectionStatus::Submitted => CorrectionState::Submitted,
            CorrectionStatus::Accepted => CorrectionState::Accepted,
            CorrectionStatus::Rejected => CorrectionState::Rejected,
        },
        filed: claim::dutch_date(c.created_at),
        due: claim::dutch_date(c.due_at),
        staff_note: c.staff_note,
    }
}

/// Longest free text in a personal field or a reason.
const MAX_TEXT: usize = 200;
const MAX_REASON: usize = 1000;

/// Checks a proposed value with the domain type of its field and returns it in its canonical
/// form. Blank asks to remove the value (not allowed for the name).
pub fn normalize(field: Field, text: &str) -> Result<String, Problem> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return if field == Field::Name {
            Err(Problem::Required)
        } else {
            Ok(String::new())
        };
    }
    if text.chars().count() > MAX_TEXT {
        return Err(Problem::TooLong);
    }
    let parsed = match field {
        Field::Name | Field::Address | Field::City | Field::CustomerNumber => Ok(text),
        Field::Email => text
            .parse::<domain::Email>()
            .map(|v| v.as_str().to_owned())
            .map_err(|_| Problem::Email),
        Field::Postcode => text
            .parse::<domain::Postcode>()
            .map(|v| v.as_str().to_owned())
            .map_err(|_| Problem::Postcode),
        Field::Phone => text
            .parse::<domain::Phone>()
            .map(|v| v.as_str().to_owned())
            .map_err(|_| Problem::Phone),
        Field::KvkNumber => text
            .parse::<domain::KvkNumber>()
            .map(|v| v.as_str().to_owned())
            .map_err(|_| Problem::Kvk),
        Field::VatNumber => text
            .parse::<domain::VatNumber>()
            .map(|v| v.as_str().to_owned())
            .map_err(|_| Problem::Vat),
        Field::BirthDate => parse_date(&text).ok_or(Problem::Date),
        Field::IdDocumentNumber => {
            if text.chars().all(|c| c.is_ascii_alphanumeric()) && text.len() <= 20 {
                Ok(text.to_ascii_uppercase())
            } else {
                Err(Problem::IdDocument)
            }
        }
    }?;
    Ok(parsed)
}

/// `YYYY-MM-DD` or day first (`DD-MM-YYYY`, also with `/` or `.`), as stored `YYYY-MM-DD`.
fn parse_date(text: &str) -> Option<String> {
    let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .or_else(|| {
            let unified = text.replace(['/', '.'], "-");
            chrono::NaiveDate::parse_from_str(&unified, "%d-%m-%Y").ok()
        })?;
    let today = Utc::now().date_naive();
    let plausible = day < today && day > today - chrono::Duration::days(125 * 366);
    plausible.then(|| day.format("%Y-%m-%d").to_string())
}

/// Files a correction request for `field` (GDPR art. 16).
pub async fn request_correction(
    services: &Services,
    dossier_id: &DossierId,
    field: Field,
    proposed: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<CorrectionView, CorrectionError> {
    let store = &services.store;
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON {
        return Err(CorrectionError::Reason {
            problem: Problem::TooLong,
        });
    }
    let proposed = normalize(field, proposed).map_err(|problem| CorrectionError::Value {
        problem,
        value: proposed.to_owned(),
    })?;
    let current = store
        .debtor(dossier_id)
        .await
        .map_err(|e| unavailable("correction", e))?
        .and_then(|d| d.details.get(store_field(field)));
    if current.as_deref().unwrap_or("") == proposed {
        return Err(CorrectionError::Value {
            problem: Problem::Unchanged,
            value: proposed,
        });
    }
    let request = store::NewCorrection {
        dossier_id: dossier_id.clone(),
        field: store_field(field),
        current_value: current,
        proposed_value: proposed,
        reason: reason.to_owned(),
        created_at: now,
        due_at: answer_due(now),
    };
    match store.create_correction(&request).await {
        Ok(created) => Ok(correction_view(created)),
        Err(store::StoreError::Conflict(store::Conflict::OpenCorrection)) => {
            Err(CorrectionError::Duplicate)
        }
        Err(e) => {
            tracing::error!(error = %e, "correction request not stored");
            Err(CorrectionError::Refused(crate::Refusal::Unavailable))
        }
    }
}

/// Records that the debtor saw (or downloaded) their personal data.
pub async fn audit_view(
    services: &Services,
    dossier_id: &DossierId,
    number: &str,
    action: &str,
    ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) {
    match number.parse::<domain::DossierNumber>() {
        Ok(n) => {
            audit_debtor(
                services,
                Some(dossier_id.clone()),
                &n,
                action,
                serde_json::json!({}),
                ip,
                now,
            )
            .await
        }
        Err(_) => tracing::error!(number, "stored dossier number does not parse"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proposed_values_are_checked_by_their_domain_type() {
        assert_eq!(normalize(Field::Postcode, "1234ab"), Ok("1234 AB".into()));
        assert_eq!(normalize(Field::Postcode, "12345"), Err(Problem::Postcode));
        assert_eq!(normalize(Field::Email, "not-an-email"), Err(Problem::Email));
        assert_eq!(normalize(Field::Phone, "hello"), Err(Problem::Phone));
        assert_eq!(normalize(Field::KvkNumber, "123"), Err(Problem::Kvk));
        assert_eq!(
            normalize(Field::BirthDate, "31-02-1980"),
            Err(Problem::Date)
        );
        assert_eq!(
            normalize(Field::BirthDate, "3/4/1980"),
            Ok("1980-04-03".into())
        );
        assert_eq!(normalize(Field::Name, "  "), Err(Problem::Required));
        assert_eq!(
            normalize(Field::City, ""),
            Ok(String::new()),
            "blank removes"
        );
        assert_eq!(
            normalize(Field::Address, &"x".repeat(201)),
            Err(Problem::TooLong)
        );
        assert_eq!(
            normalize(Field::Address, " Dorpsstraat   1 "),
            Ok("Dorpsstraat 1".into())
        );
    }
}
