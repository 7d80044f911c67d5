//! Pay.nl status codes mapped to a typed payment state.

use serde::{Deserialize, Serialize};

/// What a Pay.nl order's status code means for us.
///
/// Codes come from PAYNL.md (Pay.nl's status page plus its SDK code); see
/// [`PaymentState::from_code`] for the exact mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Started, not paid yet (20, 50, 90, 98, and any unknown positive code).
    Pending,
    /// Part of the amount was paid (80).
    PartialPayment,
    /// Needs a merchant check at Pay.nl (85).
    Verify,
    /// Authorised, not captured (95).
    Authorized,
    /// Partly captured (97).
    PartlyCaptured,
    /// Paid in full; money received (100).
    Paid,
    /// Paid, but the amount differs from the order (-51, `PAID_CHECKAMOUNT`): needs attention.
    PaidAmountMismatch,
    /// Failed (-60).
    Failed,
    /// Cancelled by the payer (-90), voided (-61), or any other unknown negative code.
    Cancelled,
    /// Denied (-63, -64).
    Denied,
    /// Expired before it was paid (-80).
    Expired,
    /// Fully refunded (-81; -72 per the SDK code).
    Refunded,
    /// Partly refunded (-82).
    PartiallyRefunded,
    /// Charged back by the payer's bank (-70, -71).
    Chargeback,
}

impl PaymentState {
    /// Maps a Pay.nl status code. Unknown negative codes are treated as cancelled
    /// (what Pay.nl's PHP SDK does); unknown positive codes as still pending.
    pub fn from_code(code: i32) -> Self {
        match code {
            100 => Self::Paid,
            20 | 50 | 90 | 98 => Self::Pending,
            80 => Self::PartialPayment,
            85 => Self::Verify,
            95 => Self::Authorized,
            97 => Self::PartlyCaptured,
            -51 => Self::PaidAmountMismatch,
            -60 => Self::Failed,
            -61 | -90 => Self::Cancelled,
            -63 | -64 => Self::Denied,
            -80 => Self::Expired,
            -70 | -71 => Self::Chargeback,
            // Uncertain: -72 is REFUND in Pay.nl's SDK code, not on its status page.
            -72 | -81 => Self::Refunded,
            -82 => Self::PartiallyRefunded,
            c if c < 0 => Self::Cancelled,
            // Uncertain: a positive code we do not know is taken as "still in progress".
            _ => Self::Pending,
        }
    }

    /// Maps an Order API status action (`PAID`, `PENDING`, `CANCEL`, ...), used
    /// only when a response carries no code.
    pub fn from_action(action: &str) -> Option<Self> {
        Some(match action.to_ascii_uppercase().as_str() {
            "PENDING" => Self::Pending,
            "PARTIAL_PAYMENT" => Self::PartialPayment,
            "VERIFY" => Self::Verify,
            "AUTHORIZE" => Self::Authorized,
            "PARTLY_CAPTURED" => Self::PartlyCaptured,
            "PAID" => Self::Paid,
            "PAID_CHECKAMOUNT" => Self::PaidAmountMismatch,
            "FAILURE" => Self::Failed,
            "CANCEL" => Self::Cancelled,
            "DENIED" => Self::Denied,
            "EXPIRED" => Self::Expired,
            "REFUND" => Self::Refunded,
            "PARTIAL_REFUND" => Self::PartiallyRefunded,
            "CHARGEBACK" => Self::Chargeback,
            _ => return None,
        })
    }

    /// Pay.nl's canonical code and action for this state (what the simulator sends).
    pub fn code_and_action(self) -> (i32, &'static str) {
        match self {
            Self::Pending => (20, "PENDING"),
            Self::PartialPayment => (80, "PARTIAL_PAYMENT"),
            Self::Verify => (85, "VERIFY"),
            Self::Authorized => (95, "AUTHORIZE"),
            Self::PartlyCaptured => (97, "PARTLY_CAPTURED"),
            Self::Paid => (100, "PAID"),
            Self::PaidAmountMismatch => (-51, "PAID_CHECKAMOUNT"),
            Self::Failed => (-60, "FAILURE"),
            Self::Cancelled => (-90, "CANCEL"),
            Self::Denied => (-63, "DENIED"),
            Self::Expired => (-80, "EXPIRED"),
            Self::Refunded => (-81, "REFUND"),
            Self::PartiallyRefunded => (-82, "PARTIAL_REFUND"),
            Self::Chargeback => (-71, "CHARGEBACK"),
        }
    }

    /// True once the payer can no longer pay this order: it was paid, or it ended
    /// unpaid. Refunds and chargebacks may still follow a paid order.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            Self::Pending
                | Self::PartialPayment
                | Self::Verify
                | Self::Authorized
                | Self::PartlyCaptured
        )
    }

    /// True when money was received and not (fully) returned: `Paid` or `PaidAmountMismatch`.
    pub fn is_paid(self) -> bool {
        matches!(self, Self::Paid | Self::PaidAmountMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_from_paynl_md_map_to_states() {
        let cases = [
            (20, PaymentState::Pending),
            (50, PaymentState::Pending),
            (90, PaymentState::Pending),
            (98, PaymentState::Pending),
            (80, PaymentState::PartialPayment),
            (85, PaymentState::Verify),
            (95, PaymentState::Authorized),
            (97, PaymentState::PartlyCaptured),
            (100, PaymentState::Paid),
            (-51, PaymentState::PaidAmountMismatch),
            (-60, PaymentState::Failed),
            (-61, PaymentState::Cancelled),
            (-63, PaymentState::Denied),
            (-64, PaymentState::Denied),
            (-70, PaymentState::Chargeback),
            (-71, PaymentState::Chargeback),
            (-72, PaymentState::Refunded),
            (-80, PaymentState::Expired),
            (-81, PaymentState::Refunded),
            (-82, PaymentState::PartiallyRefunded),
            (-90, PaymentState::Cancelled),
            (-99, PaymentState::Cancelled),
            (42, PaymentState::Pending),
        ];
        for (code, state) in cases {
            assert_eq!(PaymentState::from_code(code), state, "code {code}");
        }
    }

    #[test]
    fn canonical_codes_round_trip() {
        for state in [
            PaymentState::Pending,
            PaymentState::PartialPayment,
            PaymentState::Verify,
            PaymentState::Authorized,
            PaymentState::PartlyCaptured,
            PaymentState::Paid,
            PaymentState::PaidAmountMismatch,
            PaymentState::Failed,
            PaymentState::Cancelled,
            PaymentState::Denied,
            PaymentState::Expired,
            PaymentState::Refunded,
            PaymentState::PartiallyRefunded,
            PaymentState::Chargeback,
        ] {
            let (code, action) = state.code_and_action();
            assert_eq!(PaymentState::from_code(code), state);
            assert_eq!(PaymentState::from_action(action), Some(state));
        }
    }

    #[test]
    fn only_in_progress_states_are_not_final() {
        assert!(!PaymentState::Pending.is_final());
        assert!(!PaymentState::Verify.is_final());
        assert!(PaymentState::Paid.is_final());
        assert!(PaymentState::Expired.is_final());
        assert!(PaymentState::Chargeback.is_final());
        assert!(PaymentState::PaidAmountMismatch.is_paid());
        assert!(!PaymentState::Refunded.is_paid());
    }
}
