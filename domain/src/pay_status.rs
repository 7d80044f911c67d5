//! A payment's status as the debtor sees it: the one enum the server's payment service
//! answers with and the return page (and its polling island in the browser) shows.

use serde::{Deserialize, Serialize};

/// Where a payment stands, for the debtor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayStatus {
    /// Not decided yet (the payer is paying, or the bank has not confirmed).
    Processing,
    /// Money received.
    Paid,
    /// Cancelled by the payer (or the attempt was abandoned).
    Cancelled,
    /// Not paid in time.
    Expired,
    /// Pay.nl reports a failure or a denial, or the order could not be created.
    Failed,
    /// Paid, then refunded in full.
    Refunded,
    /// Paid, then charged back by the payer's bank.
    ChargedBack,
}

impl PayStatus {
    /// Whether nothing more is expected (the page can stop polling).
    pub fn is_final(self) -> bool {
        !matches!(self, PayStatus::Processing)
    }
}
