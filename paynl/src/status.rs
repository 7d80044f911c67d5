//! Pay.nl status codes mapped to a typed payment state.

use serde::{Deserialize, Serialize};

/// What a Pay.nl order's status code means for us.
///
/// Codes come from PAYNL.md (Pay.nl's status page plus its PHP SDK's `PayStatus`); see
/// [`PaymentState::from_code`] for the exact mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Started, not paid yet: 20, 25, 50, 90, 98 (PENDING), 75, 76 (CONFIRMED, not yet
    /// paid), and any positive code we do not know.
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
    /// -51, `PAID_CHECKAMOUNT`: Pay.nl received money, but not the order's amount. **Not
    /// paid** for us: book nothing and put the payment before staff, who decide. (Pay.nl's
    /// PHP SDK maps -51 to cancel; its status page says paid with a different amount.)
    PaidAmountMismatch,
    /// Failed (-60).
    Failed,
    /// Voided after authorisation (-61; `VOID` in the PHP SDK, `CANCEL` on the status page).
    Voided,
    /// Cancelled by the payer (-90), or any other negative code we do not know.
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
    /// Maps a Pay.nl status code, every code of PAYNL.md's tables by name. Unknown negative
    /// codes are cancelled (what Pay.nl's PHP SDK does); unknown positive codes (and 0) are
    /// still pending. Both are logged, so a new code shows up in the logs.
    pub fn from_code(code: i32) -> Self {
        match code {
            // PENDING; 98 is Pay by Bank's pending.
            20 | 25 | 50 | 90 | 98 => Self::Pending,
            // CONFIRMED: the payer confirmed, the money has not arrived.
            75 | 76 => Self::Pending,
            80 => Self::PartialPayment,
            85 => Self::Verify,
            95 => Self::Authorized,
            97 => Self::PartlyCaptured,
            100 => Self::Paid,
            -51 => Self::PaidAmountMismatch,
            -60 => Self::Failed,
            -61 => Self::Voided,
            -63 | -64 => Self::Denied,
            // Uncertain: -70/-71 are CHARGEBACK in Pay.nl's SDK code, not on its status page;
            // the sources do not say how the two differ.
            -70 | -71 => Self::Chargeback,
            // Uncertain: -72 is REFUND in Pay.nl's SDK code, not on its status page.
            -72 | -81 => Self::Refunded,
            -82 => Self::PartiallyRefunded,
            -80 => Self::Expired,
            -90 => Self::Cancelled,
            c if c < 0 => {
                tracing::warn!(
                    code = c,
                    "unknown negative Pay.nl status code: treated as cancelled"
                );
                Self::Cancelled
            }
            c => {
                // Uncertain: a positive code we do not know is taken as "still in progress".
                tracing::warn!(code = c, "unknown Pay.nl status code: treated as pending");
                Self::Pending
            }
        }
    }

    /// Maps an Order API status action (`PAID`, `PENDING`, `CANCEL`, ...), used
    /// only when a response carries no code.
    pub fn from_action(action: &str) -> Option<Self> {
        Some(match action.to_ascii_uppercase().as_str() {
            "PENDING" | "CONFIRMED" => Self::Pending,
            "PARTIAL_PAYMENT" => Self::PartialPayment,
            "VERIFY" => Self::Verify,
            "AUTHORIZE" => Self::Authorized,
            "PARTLY_CAPTURED" => Self::PartlyCaptured,
            "PAID" => Self::Paid,
            "PAID_CHECKAMOUNT" => Self::PaidAmountMismatch,
            "FAILURE" => Self::Failed,
            "VOID" => Self::Voided,
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
            // Uncertain: the status page's action for -61 is CANCEL, the PHP SDK's name VOID.
            Self::Voided => (-61, "VOID"),
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

    /// True only for [`PaymentState::Paid`]: money received in full and not (fully)
    /// returned. [`PaymentState::PaidAmountMismatch`] is not paid: it needs staff first.
    pub fn is_paid(self) -> bool {
        self == Self::Paid
    }

    /// True when Pay.nl received money for the order at some point, even if it differs
    /// from the order (-51) or went back since (refund, chargeback).
    pub fn money_was_received(self) -> bool {
        matches!(
            self,
            Self::Paid
                | Self::PaidAmountMismatch
                | Self::Refunded
                | Self::PartiallyRefunded
                | Self::Chargeback
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [PaymentState; 15] = [
        PaymentState::Pending,
        PaymentState::PartialPayment,
        PaymentState::Verify,
        PaymentState::Authorized,
        PaymentState::PartlyCaptured,
        PaymentState::Paid,
        PaymentState::PaidAmountMismatch,
        PaymentState::Failed,
        PaymentState::Voided,
        PaymentState::Cancelled,
        PaymentState::Denied,
        PaymentState::Expired,
        PaymentState::Refunded,
        PaymentState::PartiallyRefunded,
        PaymentState::Chargeback,
    ];

    fn state(code: i32) -> PaymentState {
        PaymentState::from_code(code)
    }

    #[test]
    fn code_20_pending() {
        assert_eq!(state(20), PaymentState::Pending);
    }

    #[test]
    fn code_25_pending() {
        assert_eq!(state(25), PaymentState::Pending);
    }

    #[test]
    fn code_50_pending() {
        assert_eq!(state(50), PaymentState::Pending);
    }

    #[test]
    fn code_90_pending() {
        assert_eq!(state(90), PaymentState::Pending);
    }

    #[test]
    fn code_98_pending_pay_by_bank() {
        assert_eq!(state(98), PaymentState::Pending);
    }

    #[test]
    fn code_75_confirmed_is_pending() {
        assert_eq!(state(75), PaymentState::Pending);
        assert!(!state(75).is_paid() && !state(75).is_final());
    }

    #[test]
    fn code_76_confirmed_is_pending() {
        assert_eq!(state(76), PaymentState::Pending);
        assert!(!state(76).is_paid() && !state(76).is_final());
    }

    #[test]
    fn code_80_partial_payment() {
        assert_eq!(state(80), PaymentState::PartialPayment);
    }

    #[test]
    fn code_85_verify() {
        assert_eq!(state(85), PaymentState::Verify);
    }

    #[test]
    fn code_95_authorize() {
        assert_eq!(state(95), PaymentState::Authorized);
    }

    #[test]
    fn code_97_partly_captured() {
        assert_eq!(state(97), PaymentState::PartlyCaptured);
    }

    #[test]
    fn code_100_paid() {
        assert_eq!(state(100), PaymentState::Paid);
        assert!(state(100).is_paid() && state(100).is_final());
    }

    #[test]
    fn code_minus_51_amount_differs_is_not_paid() {
        let s = state(-51);
        assert_eq!(s, PaymentState::PaidAmountMismatch);
        assert!(!s.is_paid(), "-51 books nothing: staff decide");
        assert!(s.is_final() && s.money_was_received());
        assert_ne!(
            s,
            PaymentState::Cancelled,
            "unlike the PHP SDK, not a cancel"
        );
    }

    #[test]
    fn code_minus_60_failure() {
        assert_eq!(state(-60), PaymentState::Failed);
    }

    #[test]
    fn code_minus_61_void() {
        assert_eq!(state(-61), PaymentState::Voided);
        assert!(state(-61).is_final() && !state(-61).money_was_received());
    }

    #[test]
    fn code_minus_63_denied() {
        assert_eq!(state(-63), PaymentState::Denied);
    }

    #[test]
    fn code_minus_64_denied() {
        assert_eq!(state(-64), PaymentState::Denied);
    }

    #[test]
    fn code_minus_70_chargeback() {
        assert_eq!(state(-70), PaymentState::Chargeback);
    }

    #[test]
    fn code_minus_71_chargeback() {
        assert_eq!(state(-71), PaymentState::Chargeback);
    }

    #[test]
    fn code_minus_72_refund() {
        assert_eq!(state(-72), PaymentState::Refunded);
    }

    #[test]
    fn code_minus_81_refund() {
        assert_eq!(state(-81), PaymentState::Refunded);
        assert!(!state(-81).is_paid() && state(-81).money_was_received());
    }

    #[test]
    fn code_minus_82_partial_refund() {
        assert_eq!(state(-82), PaymentState::PartiallyRefunded);
    }

    #[test]
    fn code_minus_80_expired() {
        assert_eq!(state(-80), PaymentState::Expired);
    }

    #[test]
    fn code_minus_90_cancel() {
        assert_eq!(state(-90), PaymentState::Cancelled);
    }

    #[test]
    fn other_negative_codes_are_cancelled() {
        for code in [-1, -50, -52, -62, -65, -73, -83, -91, -99, i32::MIN] {
            assert_eq!(state(code), PaymentState::Cancelled, "code {code}");
        }
    }

    #[test]
    fn unknown_positive_codes_are_pending() {
        for code in [0, 1, 21, 42, 99, 101, 200, i32::MAX] {
            assert_eq!(state(code), PaymentState::Pending, "code {code}");
        }
    }

    #[test]
    fn canonical_codes_round_trip() {
        for state in ALL {
            let (code, action) = state.code_and_action();
            assert_eq!(PaymentState::from_code(code), state);
            assert_eq!(PaymentState::from_action(action), Some(state));
        }
        assert_eq!(
            PaymentState::from_action("CONFIRMED"),
            Some(PaymentState::Pending)
        );
        assert_eq!(PaymentState::from_action("nonsense"), None);
    }

    #[test]
    fn only_in_progress_states_are_not_final() {
        for state in ALL {
            let in_progress = matches!(
                state,
                PaymentState::Pending
                    | PaymentState::PartialPayment
                    | PaymentState::Verify
                    | PaymentState::Authorized
                    | PaymentState::PartlyCaptured
            );
            assert_eq!(state.is_final(), !in_progress, "{state:?}");
        }
        let paid: Vec<_> = ALL.into_iter().filter(|s| s.is_paid()).collect();
        assert_eq!(paid, [PaymentState::Paid]);
    }
}
