//! Starting a payment from the dossier page and reading its outcome for the return page.

use super::Services;
use crate::errors::{AmountProblem, PaymentError};
use crate::model::PaymentView;
use chrono::{DateTime, Utc};
use domain::{DossierId, PaymentId};
use payments::{PayAmount, PayError, PayPurpose, PayRequest};

/// What the pay form asked for.
pub enum Asked {
    /// The whole open balance.
    Everything,
    /// A part, as typed.
    Part(String),
    /// All that one invoice has open (art. 6:43 lid 1 BW: the debtor's choice), by the id the
    /// form carries.
    Invoice(String),
}

/// Starts a payment for the session's dossier; returns Pay.nl's page to send the payer to.
pub async fn start(
    services: &Services,
    dossier_id: &DossierId,
    asked: Asked,
    intent: &str,
    now: DateTime<Utc>,
) -> Result<String, PaymentError> {
    let service = services.payments.as_ref().ok_or(PaymentError::Offline)?;
    let (amount, purpose, typed) = match asked {
        Asked::Everything => (PayAmount::FullBalance, PayPurpose::Full, String::new()),
        Asked::Part(typed) => {
            let money = domain::Money::parse(typed.trim()).map_err(|_| PaymentError::Amount {
                problem: AmountProblem::NotAnAmount,
                typed: typed.clone(),
            })?;
            (PayAmount::Exact(money), PayPurpose::Part, typed)
        }
        Asked::Invoice(id) => {
            // Not one of this dossier's invoices: the service finds nothing to pay on it.
            let invoice = id
                .trim()
                .parse::<i64>()
                .map(domain::ClaimItemId::new)
                .map_err(|_| PaymentError::NothingToPay)?;
            (
                PayAmount::FullBalance,
                PayPurpose::Invoice { invoice },
                String::new(),
            )
        }
    };
    // Scoped to the dossier: a key from one dossier's page never finds another's payment.
    let intent = intent.trim();
    if intent.is_empty() || intent.len() > 64 {
        return Err(PaymentError::Refused(crate::Refusal::Unavailable));
    }
    let request = PayRequest {
        amount,
        purpose,
        intent_key: format!("{dossier_id}:{intent}"),
    };
    let amount_problem = |problem| PaymentError::Amount {
        problem,
        typed: typed.clone(),
    };
    match service.start(dossier_id, &request, now).await {
        Ok(started) => Ok(started.redirect_url),
        Err(e) => Err(match e {
            PayError::NothingToPay => PaymentError::NothingToPay,
            PayError::AmountNotPositive => amount_problem(AmountProblem::NotPositive),
            PayError::BelowMinimum { minimum, .. } => {
                amount_problem(AmountProblem::BelowMinimum { minimum })
            }
            PayError::AboveOpen { open } => amount_problem(AmountProblem::AboveOpen { open }),
            PayError::BalanceChanged { open } => PaymentError::BalanceChanged { open },
            PayError::TooManyOpen => {
                super::refuse_with(http::StatusCode::TOO_MANY_REQUESTS);
                PaymentError::TooManyOpen
            }
            PayError::ProviderUnavailable { .. } | PayError::ProviderRejected(_) => {
                tracing::warn!(error = %e, "Pay.nl could not start a payment");
                PaymentError::ProviderDown
            }
            other => {
                tracing::error!(error = %other, "payment not started");
                PaymentError::Refused(crate::Refusal::Unavailable)
            }
        }),
    }
}

/// The payment's current state, asked of Pay.nl (never taken from the return URL).
/// `payment` is the id as the return URL has it.
pub async fn status(
    services: &Services,
    payment: &str,
    session_dossier: Option<&DossierId>,
    now: DateTime<Utc>,
) -> Result<PaymentView, PaymentError> {
    let service = services.payments.as_ref().ok_or(PaymentError::Offline)?;
    // Payment ids are random 128-bit values: knowing one is the right to see its state.
    if payment.len() != 32 || !payment.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(PaymentError::NotFound);
    }
    let payment_id: PaymentId = payment.parse().map_err(|_| PaymentError::NotFound)?;
    let (payment, state) = match service.refresh(&payment_id, now).await {
        Ok(r) => (r.payment, r.status),
        Err(PayError::PaymentNotFound) => return Err(PaymentError::NotFound),
        // Pay.nl slow or down: show what we know; the reconciler catches up.
        Err(e) => {
            tracing::warn!(error = %e, "refresh for the return page");
            let payment = services
                .store
                .payment(&payment_id)
                .await
                .map_err(|e| {
                    super::unavailable("payment", e);
                    PaymentError::Refused(crate::Refusal::Unavailable)
                })?
                .ok_or(PaymentError::NotFound)?;
            let state = payments::pay_status(&payment);
            (payment, state)
        }
    };
    Ok(PaymentView {
        state,
        amount: payment.amount,
        signed_in: session_dossier == Some(&payment.dossier_id),
    })
}
