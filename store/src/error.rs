use sqlx::error::ErrorKind;
use thiserror::Error;

/// What can go wrong in the store. Messages are for logs, never for the debtor's browser.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("unsupported database url: expected sqlite:… or postgres://…")]
    UnsupportedUrl,
    #[error("cannot create the database directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique key is taken by a different row (not a harmless replay); which one says what
    /// the caller may tell its user.
    #[error("conflict: {0}")]
    Conflict(Conflict),
    /// The caller passed something the schema would reject anyway; caught early for a clear error.
    #[error("invalid input: {0}")]
    Invalid(&'static str),
    /// A stored value the code cannot read back: a schema/code mismatch.
    #[error("unreadable value {value:?} in column {column}")]
    Corrupt { column: &'static str, value: String },
}

/// Which unique rule a write ran into. Each names the constraint (or the check in code that
/// stands for it) so callers can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Conflict {
    /// `ledger_entry.idempotency_key`: the key is booked with other money (a caller bug).
    #[error("ledger idempotency key reused for other money")]
    LedgerKeyReused,
    /// `payment.intent_key`: the intent key was used for a payment on another dossier.
    #[error("payment intent key used for another dossier")]
    IntentKeyOfOtherDossier,
    /// `payment.paynl_order_id`: the Pay.nl order id belongs to another payment.
    #[error("Pay.nl order id belongs to another payment")]
    OrderOfOtherPayment,
    /// The payment already has another Pay.nl order.
    #[error("payment already has another Pay.nl order")]
    PaymentHasOtherOrder,
    /// `payment_plan_one_open_idx`: the dossier already has a plan in play.
    #[error("the dossier already has a payment plan")]
    PlanInPlay,
    /// `plan_budget.plan_id`: the plan request already has an income and expenses statement.
    #[error("the plan already has an income and expenses statement")]
    PlanBudgetExists,
    /// `payment_deferral_one_open_idx`, or a plan asked for while a deferral is in play.
    #[error("the dossier already has a deferral of payment")]
    DeferralInPlay,
    /// `dossier.number`: the dossier number belongs to another creditor.
    #[error("dossier number belongs to another creditor")]
    DossierOfOtherCreditor,
    /// `correction_request_open_field_idx`: an open correction request for the field exists.
    #[error("an open correction request for this field exists")]
    OpenCorrection,
    /// `dispute_one_open_*_idx`: an open dispute of the invoice or dossier, or an open
    /// complaint, exists.
    #[error("an open dispute of this exists")]
    OpenDispute,
    /// `staff_user.username`: the username is taken.
    #[error("staff username taken")]
    StaffUsernameTaken,
    /// `counsellor_access_live_idx`: the counsellor already has access to the dossier.
    #[error("the counsellor already has access to this dossier")]
    AccessExists,
    /// `counsellor_access_request_open_idx`: the counsellor already asked for this dossier.
    #[error("an open access request for this dossier exists")]
    OpenAccessRequest,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.kind() == ErrorKind::UniqueViolation)
}
