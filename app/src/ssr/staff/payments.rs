//! The payments that need a look from staff (flagged, -51, chargebacks, open past a day),
//! the refunds and chargebacks of late, and exchange calls refused, with their caller;
//! and marking a flagged payment handled (admins only, with a note, audited).

use super::{MAX_NOTE_CHARS, StaffCurrent, audit_staff, permit, unavailable};
use crate::ssr::Services;
use crate::staff::{
    FailedMailNotice, NoticeKind, PaymentAttention, PaymentNotice, RefusedCallNotice, ReturnNotice,
    StaffError,
};
use auth::roles::StaffAction;
use chrono::{DateTime, Duration, Utc};
use claim::dutch_time;
use domain::PaymentId;
use std::net::IpAddr;
use store::{LedgerKind, Payment, PaymentStatus};

/// A payment still open this long after it was made is listed: a Pay.nl order lives at
/// most a day (iDEAL's is 15 minutes), so by then the reconciler should have its outcome.
pub const OPEN_TOO_LONG: Duration = Duration::days(1);

/// How far back refunds, chargebacks and refused calls are listed.
pub const RECENT_DAYS: u32 = 30;

/// At most this many rows per list (oldest notices, newest returns and calls).
const LIST_LIMIT: i64 = 200;

/// What the page shows. Viewing it is audited once (it lists dossier numbers and amounts,
/// not personal data).
pub async fn attention(
    services: &Services,
    me: &StaffCurrent,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<PaymentAttention, StaffError> {
    let store = &services.store;
    let since = now - Duration::days(RECENT_DAYS.into());
    let notices = store
        .payments_for_attention(now - OPEN_TOO_LONG, LIST_LIMIT)
        .await
        .map_err(|e| unavailable("payments for attention", e))?
        .into_iter()
        .map(|(payment, dossier_number)| notice(payment, dossier_number))
        .collect();
    let returns = store
        .returns_since(since, LIST_LIMIT)
        .await
        .map_err(|e| unavailable("returns", e))?
        .into_iter()
        .map(|(entry, dossier_number)| ReturnNotice {
            chargeback: entry.kind == LedgerKind::Chargeback,
            dossier_number,
            payment_id: entry.payment_id,
            amount: entry.amount.checked_neg().unwrap_or(entry.amount),
            at: dutch_time(entry.created_at),
            source: entry.source,
        })
        .collect();
    let refused = store
        .refused_exchange_calls(since, LIST_LIMIT)
        .await
        .map_err(|e| unavailable("refused calls", e))?
        .into_iter()
        .map(|call| RefusedCallNotice {
            at: dutch_time(call.received_at),
            caller: call.caller_ip.map(|ip| ip.to_string()),
            order: call.order_id,
            reason: call
                .outcome
                .map(|o| o.trim_start_matches("rejected:").trim().to_owned())
                .unwrap_or_default(),
        })
        .collect();
    audit_staff(
        services,
        &me.username,
        None,
        "payments.attention.view",
        serde_json::json!({}),
        ip,
        now,
    )
    .await;
    let failed_mail = services
        .store
        .failed_mails(50)
        .await
        .map_err(|e| unavailable("failed mail", e))?
        .into_iter()
        .map(|(mail, dossier_number)| FailedMailNotice {
            at: dutch_time(mail.created_at),
            dossier_number,
            kind: mail.notice.kind().as_str().to_owned(),
            attempts: mail.attempts,
            error: mail.last_error.unwrap_or_default(),
        })
        .collect();
    Ok(PaymentAttention {
        notices,
        returns,
        refused,
        failed_mail,
        recent_days: RECENT_DAYS,
        can_resolve: auth::roles::may(me.role, StaffAction::ResolvePaymentNotice),
    })
}

fn notice(payment: Payment, dossier_number: String) -> PaymentNotice {
    let kind = if !payment.flagged {
        NoticeKind::OpenTooLong
    } else if payment.flag_reason.as_deref() == Some(payments::AMOUNT_DIFFERS) {
        NoticeKind::AmountDiffers
    } else if payment.status == PaymentStatus::Chargeback {
        NoticeKind::ChargedBack
    } else {
        NoticeKind::Flagged
    };
    PaymentNotice {
        kind,
        payment_id: payment.id,
        dossier_number,
        amount: payment.amount,
        status: payment.status.as_str().to_owned(),
        made: dutch_time(payment.created_at),
        changed: dutch_time(payment.updated_at),
        detail: payment.flag_reason,
        flagged: payment.flagged,
    }
}

/// Marks a flagged payment handled: the flag is cleared and the note, with the flag's
/// reason, kept in the audit log. Admins only.
pub async fn resolve(
    services: &Services,
    me: &StaffCurrent,
    payment_id: &PaymentId,
    note: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<String, StaffError> {
    let store = &services.store;
    let payment = store
        .payment(payment_id)
        .await
        .map_err(|e| unavailable("payment", e))?
        .filter(|p| p.flagged)
        .ok_or_else(|| StaffError::PaymentNotFlagged {
            payment: payment_id.clone(),
        })?;
    if !permit(
        services,
        me,
        StaffAction::ResolvePaymentNotice,
        Some(payment.dossier_id.clone()),
        ip,
        now,
    )
    .await
    {
        return Err(StaffError::Forbidden);
    }
    let note = note.trim();
    if note.is_empty() {
        return Err(StaffError::PaymentNoteRequired {
            payment: payment_id.clone(),
        });
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(StaffError::PaymentNoteTooLong {
            payment: payment_id.clone(),
        });
    }
    store
        .clear_payment_flag(payment_id, now)
        .await
        .map_err(|e| unavailable("clear flag", e))?;
    audit_staff(
        services,
        &me.username,
        Some(payment.dossier_id.clone()),
        "payment.notice.resolved",
        serde_json::json!({
            "payment_id": payment.id,
            "status": payment.status.as_str(),
            "flag_reason": payment.flag_reason,
            "note": note,
        }),
        ip,
        now,
    )
    .await;
    let number = store
        .dossier(&payment.dossier_id)
        .await
        .map_err(|e| unavailable("dossier", e))?
        .map(|d| d.number)
        .unwrap_or_default();
    Ok(number)
}
