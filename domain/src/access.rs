//! Who reaches which part of a dossier: the debtor (signed in with the letter's secret), a
//! QR-link session (pay only), or a debt counsellor or administrator (schuldhulpverlener,
//! bewindvoerder) the debtor let in (issue 21). The one place this is decided; the session
//! gate and every server function ask [`reaches`].
//!
//! | part | pay-only | debtor | counsellor |
//! |---|---|---|---|
//! | the overview: the claim, its derivation, the letters; paying | yes | yes | yes |
//! | arrangements: a payment plan (with the income statement), paying later, disputes | no | yes | yes |
//! | personal data (`/dossier/data`: view, print, export, corrections) | no | yes | if granted |
//! | the debtor's own: messages and reminder settings, who has access | no | yes | no |
//!
//! A counsellor acts on the debtor's behalf (they file a dispute or propose a plan as the
//! debtor could), so the arrangements are theirs to reach; what identifies the debtor
//! beyond the claim is the debtor's to share (AVG art. 5 lid 1 (c), data minimisation).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long an invitation code can be redeemed: 14 days (issue 21).
pub const INVITATION_VALID_DAYS: i64 = 14;

/// When an invitation made at `created_at` stops being redeemable.
pub fn invitation_expires_at(created_at: DateTime<Utc>) -> DateTime<Utc> {
    created_at + Duration::days(INVITATION_VALID_DAYS)
}

/// A part of the dossier's pages and functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// The claim overview and paying.
    Overview,
    /// Payment plans, paying later, disputes.
    Arrangements,
    /// The personal data held (GDPR art. 15, 16, 20).
    PersonalData,
    /// The debtor's messages and settings, and who has access.
    DebtorOnly,
}

/// Who holds a session on a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Holder {
    /// Opened with a QR link from a letter: paying only.
    PayOnly,
    /// Signed in with the dossier number and the letter's secret.
    Debtor,
    /// A counsellor with a live grant; `personal_data` as the grant says.
    Counsellor {
        /// The grant includes the personal-data page.
        personal_data: bool,
    },
}

/// Whether `holder` may reach `area`.
pub fn reaches(holder: Holder, area: Area) -> bool {
    match (holder, area) {
        (_, Area::Overview) => true,
        (Holder::Debtor, _) => true,
        (Holder::PayOnly, _) => false,
        (Holder::Counsellor { .. }, Area::Arrangements) => true,
        (Holder::Counsellor { personal_data }, Area::PersonalData) => personal_data,
        (Holder::Counsellor { .. }, Area::DebtorOnly) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_in_the_module_comment() {
        use Area::*;
        let counsellor = Holder::Counsellor {
            personal_data: false,
        };
        let trusted = Holder::Counsellor {
            personal_data: true,
        };
        let rows = [
            (Overview, [true, true, true, true]),
            (Arrangements, [false, true, true, true]),
            (PersonalData, [false, true, false, true]),
            (DebtorOnly, [false, true, false, false]),
        ];
        for (area, expected) in rows {
            let got =
                [Holder::PayOnly, Holder::Debtor, counsellor, trusted].map(|h| reaches(h, area));
            assert_eq!(got, expected, "{area:?}");
        }
    }

    #[test]
    fn an_invitation_lasts_fourteen_days() {
        let made = "2026-12-07T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            invitation_expires_at(made).to_rfc3339(),
            "2026-12-21T10:00:00+00:00"
        );
    }
}
