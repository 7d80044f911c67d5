//! The correction queue (GDPR art. 16 requests, answered within a month) and its decisions.

use super::{MAX_NOTE_CHARS, StaffCurrent, audit_staff, permit, unavailable};
use crate::ssr::Services;
use crate::staff::{QueueItem, StaffError};
use auth::roles::StaffAction;
use chrono::{DateTime, Months, Utc};
use domain::{CorrectionId, DossierId};
use std::net::IpAddr;
use store::{CorrectionDecision, CorrectionRequest, Decided, StoreError};

/// The answer deadline of a request made at `at`: one calendar month later (GDPR art. 12(3)).
pub fn due_after(at: DateTime<Utc>) -> DateTime<Utc> {
    at.checked_add_months(Months::new(1)).unwrap_or(at)
}

/// Queue order: overdue requests first (the longest overdue on top), then the rest oldest
/// first.
pub fn queue_order(requests: &mut [CorrectionRequest], now: DateTime<Utc>) {
    requests.sort_by_key(|r| {
        let overdue = r.due_at <= now;
        let when = if overdue { r.due_at } else { r.created_at };
        (!overdue, when, r.id)
    });
}

pub(super) fn date(at: DateTime<Utc>) -> String {
    at.date_naive().format("%Y-%m-%d").to_string()
}

/// The open requests for the queue, with each debtor's value now. Audited as a view of
/// personal data, once per dossier shown.
pub async fn correction_queue(
    services: &Services,
    me: &StaffCurrent,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Vec<QueueItem>, StaffError> {
    let store = &services.store;
    let mut requests = store
        .open_corrections()
        .await
        .map_err(|e| unavailable("queue", e))?;
    queue_order(&mut requests, now);
    let mut items = Vec::with_capacity(requests.len());
    let mut dossiers: Vec<(DossierId, String, Vec<CorrectionId>)> = Vec::new();
    for request in requests {
        let number = match dossiers.iter_mut().find(|d| d.0 == request.dossier_id) {
            Some(seen) => {
                seen.2.push(request.id);
                seen.1.clone()
            }
            None => {
                let number = store
                    .dossier(&request.dossier_id)
                    .await
                    .map_err(|e| unavailable("queue", e))?
                    .map(|d| d.number)
                    .unwrap_or_default();
                dossiers.push((request.dossier_id.clone(), number.clone(), vec![request.id]));
                number
            }
        };
        let value_now = store
            .debtor(&request.dossier_id)
            .await
            .map_err(|e| unavailable("queue", e))?
            .and_then(|d| d.details.get(request.field));
        items.push(QueueItem {
            id: request.id,
            dossier_number: number,
            field: request.field.as_str().to_owned(),
            value_now,
            value_when_asked: request.current_value,
            proposed_value: request.proposed_value,
            reason: request.reason,
            received: date(request.created_at),
            due: date(request.due_at),
            overdue: request.due_at <= now,
        });
    }
    for (dossier_id, _, ids) in dossiers {
        audit_staff(
            services,
            &me.username,
            Some(dossier_id),
            "personal_data.viewed",
            serde_json::json!({ "via": "correction_queue", "correction_ids": ids }),
            ip,
            now,
        )
        .await;
    }
    Ok(items)
}

/// What a decision did, for the message after it.
pub struct DecisionDone {
    pub id: CorrectionId,
    /// `accepted` or `rejected`.
    pub status: &'static str,
    pub dossier: String,
}

/// Accepts or rejects one request through the store's single rule (`decide_correction`),
/// which changes the field and audits it in one transaction. Refusals are audited too.
pub async fn decide(
    services: &Services,
    me: &StaffCurrent,
    id: CorrectionId,
    decision: &str,
    note: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<DecisionDone, StaffError> {
    let store = &services.store;
    let request = store
        .correction(id)
        .await
        .map_err(|e| unavailable("decide", e))?;
    let Some(request) = request else {
        audit_staff(
            services,
            &me.username,
            None,
            "correction.decide_refused",
            serde_json::json!({ "correction_id": id, "reason": "not_found" }),
            ip,
            now,
        )
        .await;
        return Err(StaffError::CorrectionNotFound { id });
    };
    let dossier_number = store
        .dossier(&request.dossier_id)
        .await
        .map_err(|e| unavailable("decide", e))?
        .map(|d| d.number)
        .unwrap_or_default();
    let refuse = |reason: &'static str| {
        let dossier_id = request.dossier_id.clone();
        async move {
            audit_staff(
                services,
                &me.username,
                Some(dossier_id),
                "correction.decide_refused",
                serde_json::json!({ "correction_id": id, "reason": reason }),
                ip,
                now,
            )
            .await;
        }
    };
    let accept = match decision {
        "accept" => true,
        "reject" => false,
        _ => {
            refuse("no_decision").await;
            return Err(StaffError::NoDecision { id });
        }
    };
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        refuse("note_too_long").await;
        return Err(StaffError::NoteTooLong { id });
    }
    if !accept && note.is_empty() {
        refuse("note_required").await;
        return Err(StaffError::NoteRequired { id });
    }
    if accept
        && !permit(
            services,
            me,
            StaffAction::AcceptCorrection(request.field),
            Some(request.dossier_id.clone()),
            ip,
            now,
        )
        .await
    {
        return Err(StaffError::Forbidden);
    }
    let outcome = store
        .decide_correction(&CorrectionDecision {
            id,
            accept,
            staff_note: (!note.is_empty()).then(|| note.to_owned()),
            decided_by: me.username.clone(),
            now,
            client_ip: ip.map(|ip| ip.to_string()),
        })
        .await;
    match outcome {
        Ok(Decided::Now(done)) => Ok(DecisionDone {
            id,
            status: done.status.as_str(),
            dossier: dossier_number,
        }),
        Ok(Decided::Earlier(earlier)) => {
            refuse("already_decided").await;
            Err(StaffError::AlreadyDecided {
                id,
                dossier: dossier_number,
                status: earlier.status.as_str().to_owned(),
                by: earlier.decided_by,
            })
        }
        Err(StoreError::Invalid(why)) => {
            tracing::info!(id = id.get(), why, "correction value cannot be stored");
            refuse("value_not_storable").await;
            Err(StaffError::ValueNotStorable { id })
        }
        Err(StoreError::NotFound(_)) => Err(StaffError::CorrectionNotFound { id }),
        Err(e) => Err(unavailable("decide", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use store::{CorrectionStatus, DebtorField};

    fn request(id: i64, created_days_ago: i64, now: DateTime<Utc>) -> CorrectionRequest {
        let created_at = now - Duration::days(created_days_ago);
        CorrectionRequest {
            id: CorrectionId::new(id),
            dossier_id: DossierId::new("d"),
            field: DebtorField::Email,
            current_value: None,
            proposed_value: "x@example.nl".into(),
            reason: "r".into(),
            status: CorrectionStatus::Submitted,
            staff_note: None,
            created_at,
            due_at: due_after(created_at),
            decided_at: None,
            decided_by: None,
        }
    }

    #[test]
    fn the_deadline_is_one_calendar_month_later() {
        let at = Utc.with_ymd_and_hms(2026, 1, 31, 10, 0, 0).unwrap();
        assert_eq!(
            due_after(at),
            Utc.with_ymd_and_hms(2026, 2, 28, 10, 0, 0).unwrap()
        );
    }

    #[test]
    fn overdue_requests_come_first_then_the_oldest() {
        let now = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap();
        let mut queue = vec![
            request(1, 3, now),
            request(2, 40, now),
            request(3, 10, now),
            request(4, 35, now),
        ];
        // An overdue request whose deadline was set short (e.g. by hand) still leads.
        queue[0].due_at = now - Duration::days(1);
        queue_order(&mut queue, now);
        let ids: Vec<i64> = queue.iter().map(|r| r.id.get()).collect();
        assert_eq!(ids, vec![2, 4, 1, 3]);
    }
}
