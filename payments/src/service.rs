//! [`PaymentService`]: starting a payment and refreshing it for the return page.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use domain::{
    AmountRefusal, ClaimItemId, DossierId, InstalmentId, Money, PayStatus, PaymentId, PaymentRules,
};
use paynl::exchange::Keyring;
use paynl::{CreateOrder, PaymentState, PaynlClient};
use store::{BookPayment, NewPayment, Payment, PaymentPurpose, PaymentStatus, Store, StoreError};

use crate::error::PayError;
use booking::{Books, KeyedLocks};

/// How the payment flow behaves.
#[derive(Debug, Clone)]
pub struct PaymentConfig {
    /// Where Pay.nl sends the payer and its exchange calls, e.g. `https://portaal.example.nl`
    /// (no trailing slash needed): returnUrl `{base}/pay/return/{payment_id}`, exchangeUrl
    /// `{base}/api/paynl/exchange`.
    pub public_base_url: String,
    /// What a debtor may pay (minimum part payment, overpayment), from the server's config.
    pub rules: PaymentRules,
    /// A payment still open after this long without news is re-read by the reconciler.
    pub stale_after: Duration,
    /// How long booking waits for another task (in this process, then in any instance)
    /// working on the same dossier before giving up with [`PayError::Busy`]; an exchange call
    /// then answers `FALSE|` (Pay.nl gives up on a call after 5 s, so keep the two waits
    /// together well under that).
    pub lock_wait: StdDuration,
}

impl PaymentConfig {
    /// Defaults: the default [`PaymentRules`], stale after 15 minutes, 2 s lock wait.
    pub fn new(public_base_url: impl Into<String>) -> Self {
        PaymentConfig {
            public_base_url: public_base_url.into(),
            rules: PaymentRules::default(),
            stale_after: Duration::minutes(15),
            lock_wait: StdDuration::from_secs(2),
        }
    }

    fn base(&self) -> &str {
        self.public_base_url.trim_end_matches('/')
    }

    /// The page Pay.nl sends the payer back to.
    pub fn return_url(&self, payment_id: &PaymentId) -> String {
        format!("{}/pay/return/{payment_id}", self.base())
    }

    /// Where Pay.nl sends exchange calls.
    pub fn exchange_url(&self) -> String {
        format!("{}/api/paynl/exchange", self.base())
    }
}

/// How much to pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayAmount {
    /// Whatever is open when the request is handled (the "pay everything" button).
    FullBalance,
    /// This amount.
    Exact(Money),
}

/// What the payment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayPurpose {
    /// Settles the claim: the amount must be the whole open balance.
    Full,
    /// A part payment: at least the configured minimum, unless it is the whole balance.
    Part,
    /// An instalment of a payment plan (any amount the plan asks for); the plan's instalments
    /// follow when it is booked (`booking::sync_plan`).
    Instalment {
        /// `plan_instalment.id`.
        plan_instalment_id: InstalmentId,
    },
    /// A payment of one invoice the debtor chose (art. 6:43 lid 1 BW): booked to that
    /// invoice's share of the costs, its interest and its principal, in that order. The
    /// amount is at most what the invoice has open ([`claim::InvoiceView::open_for_payment`];
    /// [`PayAmount::FullBalance`] is all of it) and, unless it is all of it, at least the
    /// minimum part payment.
    Invoice {
        /// `claim_item.id`, an invoice of the dossier.
        invoice: ClaimItemId,
    },
}

/// A debtor's request to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayRequest {
    /// How much.
    pub amount: PayAmount,
    /// What for.
    pub purpose: PayPurpose,
    /// One key per intent (e.g. a nonce in the pay form): a double submit or a retried
    /// request with the same key gets the same payment and the same Pay.nl order.
    pub intent_key: String,
}

/// A started payment: send the payer's browser to `redirect_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// Our payment id (also Pay.nl's `reference`).
    pub payment_id: PaymentId,
    /// Pay.nl's payment page, or our return page when the payment no longer needs paying
    /// (a repeated request for a payment that was meanwhile paid, cancelled or expired).
    pub redirect_url: String,
    /// The amount of the payment.
    pub amount: Money,
    /// False for a new payment, true when the intent key found an earlier one.
    pub repeated: bool,
}

/// Our stored status as the debtor sees it ([`PayStatus`], shared with the return page).
pub fn pay_status(payment: &Payment) -> PayStatus {
    match payment.status {
        PaymentStatus::Initiated | PaymentStatus::Pending => PayStatus::Processing,
        PaymentStatus::Paid => PayStatus::Paid,
        // Cancelled without ever having an order: creating it failed.
        PaymentStatus::Cancelled if payment.paynl_order_id.is_none() => PayStatus::Failed,
        PaymentStatus::Cancelled => PayStatus::Cancelled,
        PaymentStatus::Expired => PayStatus::Expired,
        PaymentStatus::Refunded => PayStatus::Refunded,
        PaymentStatus::Chargeback => PayStatus::ChargedBack,
    }
}

/// The result of [`PaymentService::refresh`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    /// The payment as stored after applying what Pay.nl said.
    pub payment: Payment,
    /// What to show.
    pub status: PayStatus,
    /// True when Pay.nl answered; false when it could not be reached and `status` is what we
    /// knew already.
    pub confirmed: bool,
}

/// The server side of paying through Pay.nl. Cheap to clone: share one per process.
#[derive(Clone)]
pub struct PaymentService {
    pub(crate) store: Store,
    pub(crate) client: Arc<PaynlClient>,
    pub(crate) keyring: Arc<Keyring>,
    pub(crate) config: Arc<PaymentConfig>,
    /// The one booking step (the dossier's lock and lease, allocation, plan sync).
    pub(crate) books: Books,
    /// Serialises `start` per intent key (a double submit waits for the first).
    pub(crate) intent_locks: KeyedLocks,
}

impl std::fmt::Debug for PaymentService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The keyring holds secrets.
        f.debug_struct("PaymentService")
            .field("config", &self.config)
            .field("keys", &self.keyring.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// At most this many payments of one dossier may be started and unfinished (not yet paid,
/// cancelled or expired at Pay.nl) within [`OPEN_ORDER_WINDOW`]. A debtor who gave up on a
/// bank page and tries again a few times is never stopped; a pay-only link cannot be used to
/// create thousands of orders at Pay.nl in the agency's name.
pub const MAX_OPEN_ORDERS: usize = 5;

/// The window in which unfinished payments count; older ones have expired at Pay.nl (or the
/// reconciler will say so) and no longer count.
pub const OPEN_ORDER_WINDOW: chrono::Duration = chrono::Duration::hours(1);

impl PaymentService {
    /// `keyring` maps the `signature-keyid` of exchange calls to their secret. Books on
    /// `books` (share one [`Books`] per process), waiting up to `config.lock_wait` for a
    /// dossier another task is booking on.
    pub fn new(
        books: Books,
        client: impl Into<Arc<PaynlClient>>,
        keyring: Keyring,
        config: PaymentConfig,
    ) -> Self {
        PaymentService {
            store: books.store().clone(),
            books: books.with_lock_wait(config.lock_wait),
            client: client.into(),
            keyring: Arc::new(keyring),
            config: Arc::new(config),
            intent_locks: KeyedLocks::default(),
        }
    }

    /// The store behind the service.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The Pay.nl client.
    pub fn client(&self) -> &PaynlClient {
        &self.client
    }

    /// The configuration.
    pub fn config(&self) -> &PaymentConfig {
        &self.config
    }

    /// Starts paying: validates the amount against the open balance, creates our payment
    /// (once per intent key), then the Pay.nl order, and returns where to send the payer.
    ///
    /// A repeated request with the same intent key never makes a second order: it returns
    /// the first payment's page (re-read from Pay.nl), or our return page when that payment
    /// is no longer payable. See the crate docs for what happens when Pay.nl fails.
    pub async fn start(
        &self,
        dossier_id: &DossierId,
        request: &PayRequest,
        now: DateTime<Utc>,
    ) -> Result<Started, PayError> {
        if request.intent_key.trim().is_empty() {
            return Err(PayError::MissingIntentKey);
        }
        let _intent = self.intent_locks.lock(&request.intent_key).await;
        // Starts on one dossier go one at a time, so parallel requests cannot all pass the
        // open-order count below before any of them is stored (in this process; several
        // instances can each let MAX_OPEN_ORDERS through).
        let _dossier = self
            .intent_locks
            .lock(&format!("dossier:{dossier_id}"))
            .await;
        let payments = self.store.payments_for_dossier(dossier_id).await?;
        if let Some(existing) = payments.iter().find(|p| p.intent_key == request.intent_key) {
            return self.resume(existing.clone(), now).await;
        }
        let unfinished = payments
            .iter()
            .filter(|p| {
                matches!(p.status, PaymentStatus::Initiated | PaymentStatus::Pending)
                    && p.created_at > now - OPEN_ORDER_WINDOW
            })
            .count();
        if unfinished >= MAX_OPEN_ORDERS {
            tracing::warn!(dossier = %dossier_id, unfinished, "payment refused: too many unfinished orders");
            return Err(PayError::TooManyOpen);
        }
        let view = claim::load_claim(&self.store, dossier_id, claim::dutch_date(now)).await?;
        let amount = match request.purpose {
            PayPurpose::Invoice { invoice } => self.validate_invoice(request, &view, invoice)?,
            _ => self.validate(request, view.open_total())?,
        };
        let (purpose, plan_instalment_id, claim_item_id) = match request.purpose {
            PayPurpose::Full => (PaymentPurpose::Full, None, None),
            PayPurpose::Part if amount == view.open_total() => (PaymentPurpose::Full, None, None),
            PayPurpose::Part => (PaymentPurpose::Partial, None, None),
            PayPurpose::Instalment { plan_instalment_id } => {
                (PaymentPurpose::Instalment, Some(plan_instalment_id), None)
            }
            PayPurpose::Invoice { invoice } if amount == view.open_total() => {
                (PaymentPurpose::Full, None, Some(invoice))
            }
            PayPurpose::Invoice { invoice } => (PaymentPurpose::Partial, None, Some(invoice)),
        };
        let created = self
            .store
            .create_payment(
                &NewPayment {
                    dossier_id: dossier_id.clone(),
                    intent_key: request.intent_key.clone(),
                    amount,
                    purpose,
                    plan_instalment_id,
                    claim_item_id,
                },
                now,
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(store::Conflict::IntentKeyOfOtherDossier) => {
                    PayError::IntentKeyConflict
                }
                other => PayError::Store(other),
            })?;
        if !created.is_new() {
            // Another instance made it between our look-up and the insert.
            return self.resume(created.into_inner(), now).await;
        }
        let payment = created.into_inner();
        tracing::info!(payment = %payment.id, dossier = %dossier_id, amount = amount.cents(), "payment created");
        self.create_order(&payment, &view.dossier_number, now).await
    }

    fn validate(&self, request: &PayRequest, open: Money) -> Result<Money, PayError> {
        let amount = match request.amount {
            PayAmount::FullBalance => open,
            PayAmount::Exact(amount) => amount,
        };
        if request.purpose == PayPurpose::Full && amount.is_positive() && amount < open {
            return Err(PayError::BalanceChanged { open });
        }
        match self.config.rules.check(amount, open) {
            // An instalment is what the plan asks for, whatever the minimum part payment.
            Err(AmountRefusal::BelowMinimum { .. }) if request.purpose != PayPurpose::Part => {
                Ok(amount)
            }
            Err(refusal) => Err(refusal.into()),
            Ok(()) => Ok(amount),
        }
    }

    /// The amount of a payment for one invoice: at most what that invoice has open, and at
    /// least the minimum part payment unless it is all of it. An invoice the dossier does not
    /// have (or one with nothing open) has nothing to pay.
    fn validate_invoice(
        &self,
        request: &PayRequest,
        view: &claim::ClaimView,
        invoice: ClaimItemId,
    ) -> Result<Money, PayError> {
        let open = view
            .invoice(invoice)
            .map_or(Money::ZERO, claim::InvoiceView::open_for_payment);
        let amount = match request.amount {
            PayAmount::FullBalance => open,
            PayAmount::Exact(amount) => amount,
        };
        // More than the invoice has open is refused whatever the overpayment setting: the
        // debtor asked to pay this invoice.
        if open.is_positive() && amount > open {
            return Err(PayError::AboveOpen { open });
        }
        self.config.rules.check(amount, open)?;
        Ok(amount)
    }

    /// Creates the Pay.nl order for a new (or previously failed) payment.
    async fn create_order(
        &self,
        payment: &Payment,
        dossier_number: &str,
        now: DateTime<Utc>,
    ) -> Result<Started, PayError> {
        let order = CreateOrder {
            amount: payment.amount,
            description: description(dossier_number),
            reference: payment.id.to_string(),
            return_url: self.config.return_url(&payment.id),
            exchange_url: self.config.exchange_url(),
            payment_method: None,
        };
        match self.client.create_order(&order).await {
            Ok(created) => {
                self.store
                    .set_payment_order_id(&payment.id, &created.id, now)
                    .await?;
                // The order exists: from here the reconciler looks after the payment.
                self.store
                    .book_payment(&BookPayment {
                        payment_id: payment.id.clone(),
                        status: PaymentStatus::Pending,
                        entry: None,
                        mails: Vec::new(),
                        now,
                    })
                    .await?;
                tracing::info!(payment = %payment.id, order = %created.id, "Pay.nl order created");
                Ok(Started {
                    payment_id: payment.id.clone(),
                    redirect_url: created.payment_url,
                    amount: payment.amount,
                    repeated: false,
                })
            }
            Err(e) if e.outcome_unknown() || matches!(e, paynl::Error::BadResponse { .. }) => {
                // An order may exist at Pay.nl, but the payer never saw its page, so nobody
                // can pay it and it expires. We cannot look orders up by reference, and a
                // second create with the same reference could make a second order: abandon
                // this attempt. Should Pay.nl still report on it, the exchange call carries
                // our reference and is applied to this payment (cancelled may become paid).
                tracing::warn!(payment = %payment.id, error = %e, "Pay.nl create order: outcome unknown; payment abandoned");
                self.store
                    .transition_payment(
                        &payment.id,
                        &[PaymentStatus::Initiated],
                        PaymentStatus::Cancelled,
                        now,
                    )
                    .await?;
                Err(PayError::ProviderUnavailable {
                    outcome_unknown: true,
                    detail: e.to_string(),
                })
            }
            Err(e) => {
                // Pay.nl did not make the order: the payment stays `initiated` without an
                // order, and a retry with the same intent key tries again.
                tracing::warn!(payment = %payment.id, error = %e, "Pay.nl create order failed");
                if is_unavailable(&e) {
                    Err(PayError::ProviderUnavailable {
                        outcome_unknown: false,
                        detail: e.to_string(),
                    })
                } else {
                    Err(PayError::ProviderRejected(e.to_string()))
                }
            }
        }
    }

    /// A repeated request: the payment made for this intent key earlier.
    async fn resume(&self, payment: Payment, now: DateTime<Utc>) -> Result<Started, PayError> {
        let started = |redirect_url: String| Started {
            payment_id: payment.id.clone(),
            redirect_url,
            amount: payment.amount,
            repeated: true,
        };
        let Some(order_id) = payment.paynl_order_id.clone() else {
            if payment.status == PaymentStatus::Initiated {
                // The earlier attempt failed before Pay.nl made an order: try again, same
                // payment, same reference.
                let dossier = self
                    .store
                    .dossier(&payment.dossier_id)
                    .await?
                    .ok_or(PayError::DossierNotFound)?;
                let mut started = self.create_order(&payment, &dossier.number, now).await?;
                started.repeated = true;
                return Ok(started);
            }
            // Abandoned after an unknown outcome: this intent is over.
            return Err(PayError::ProviderUnavailable {
                outcome_unknown: true,
                detail: "an earlier attempt with this intent key was abandoned".into(),
            });
        };
        let status = self.client.order_status(&order_id).await.map_err(|e| {
            PayError::ProviderUnavailable {
                outcome_unknown: false,
                detail: e.to_string(),
            }
        })?;
        let applied = self.apply_status(&payment, &status, now).await?;
        match status.payment_url {
            Some(url) if applied.status.is_open() && !status.state.is_final() => Ok(started(url)),
            _ => Ok(started(self.config.return_url(&payment.id))),
        }
    }

    /// For the return page: asks Pay.nl (never the query string), applies the answer and
    /// returns what to show. When Pay.nl cannot be reached the stored status is returned
    /// with `confirmed: false`.
    pub async fn refresh(
        &self,
        payment_id: &PaymentId,
        now: DateTime<Utc>,
    ) -> Result<Refreshed, PayError> {
        let payment = self
            .store
            .payment(payment_id)
            .await?
            .ok_or(PayError::PaymentNotFound)?;
        let Some(order_id) = payment.paynl_order_id.clone() else {
            return Ok(Refreshed {
                status: pay_status(&payment),
                payment,
                confirmed: false,
            });
        };
        let status = match self.client.order_status(&order_id).await {
            Ok(status) => status,
            Err(e) => {
                tracing::warn!(payment = %payment_id, error = %e, "Pay.nl status read failed; showing the stored status");
                return Ok(Refreshed {
                    status: pay_status(&payment),
                    payment,
                    confirmed: false,
                });
            }
        };
        let applied = self.apply_status(&payment, &status, now).await?;
        let payment = self
            .store
            .payment(payment_id)
            .await?
            .ok_or(PayError::PaymentNotFound)?;
        let shown = match (applied.status, status.state) {
            (PaymentStatus::Cancelled, PaymentState::Failed | PaymentState::Denied) => {
                PayStatus::Failed
            }
            _ => pay_status(&payment),
        };
        Ok(Refreshed {
            payment,
            status: shown,
            confirmed: true,
        })
    }
}

/// "Dossier ISB-2026-000123", cut to Pay.nl's 32 characters.
fn description(dossier_number: &str) -> String {
    format!("Dossier {dossier_number}")
        .chars()
        .take(32)
        .collect()
}

/// Pay.nl is down or overloaded rather than refusing us.
fn is_unavailable(error: &paynl::Error) -> bool {
    match error {
        paynl::Error::Connect { .. }
        | paynl::Error::Timeout { .. }
        | paynl::Error::Network { .. } => true,
        paynl::Error::Api { status, .. } => *status >= 500 || *status == 429,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_names_the_dossier_within_32_characters() {
        assert_eq!(description("ISB-2026-000123"), "Dossier ISB-2026-000123");
        assert_eq!(description(&"9".repeat(40)).chars().count(), 32);
    }

    #[test]
    fn urls_are_built_from_the_public_base() {
        let config = PaymentConfig::new("https://portaal.example.nl/");
        assert_eq!(
            config.return_url(&PaymentId::new("abc")),
            "https://portaal.example.nl/pay/return/abc"
        );
        assert_eq!(
            config.exchange_url(),
            "https://portaal.example.nl/api/paynl/exchange"
        );
    }
}
