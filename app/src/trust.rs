//! The pages that earn trust (issue 21): "Is this letter really from us?" (`/check`), the
//! accessibility statement (`/accessibility`) and the complaints procedure (`/complaints`).
//!
//! The letter check is a plain form posted to `POST /check` (a route in the server crate).
//! Its answer travels back to `GET /check` in a short-lived HttpOnly cookie, not in the URL:
//! a link such as `/check?result=match` in a fraudster's mail must not be able to make our
//! own site say "yes, this letter is ours".

use serde::{Deserialize, Serialize};

/// The cookie that carries a check's answer from the form post to the page (read once).
pub const CHECK_COOKIE: &str = "dp_check";

/// The day the accessibility checks whose results were last reviewed ran: the axe-core
/// checks of the e2e suite (`end2end/tests/a11y.spec.ts`, `pages.spec.ts`: WCAG 2.2 A/AA
/// rules on every page, both languages, 360 and 1280 px) and the Lighthouse runs
/// (`bench/lighthouse/run.sh`, recorded in `docs/PERFORMANCE.md`: accessibility 100 on every
/// page measured). Update it with the next review; the statement shows it.
pub const ACCESSIBILITY_CHECKED: (i32, u32, u32) = (2026, 12, 6);

/// What the letter check answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckOutcome {
    /// We sent a letter with these details.
    Match,
    /// No letter of ours has these details (and nothing else is said).
    NoMatch,
    /// Too many checks from this address (or on this number): try again in this many minutes.
    Throttled { minutes: i64 },
    /// The dossier number is not in our format.
    BadDossier,
    /// Neither a date nor an amount was given.
    Missing,
    /// The date could not be read.
    BadDate,
    /// The amount could not be read.
    BadAmount,
    /// The database failed.
    Unavailable,
}

impl CheckOutcome {
    fn code(self) -> String {
        match self {
            CheckOutcome::Match => "match".into(),
            CheckOutcome::NoMatch => "nomatch".into(),
            CheckOutcome::Throttled { minutes } => format!("throttled{minutes}"),
            CheckOutcome::BadDossier => "baddossier".into(),
            CheckOutcome::Missing => "missing".into(),
            CheckOutcome::BadDate => "baddate".into(),
            CheckOutcome::BadAmount => "badamount".into(),
            CheckOutcome::Unavailable => "unavailable".into(),
        }
    }

    fn parse(code: &str) -> Option<CheckOutcome> {
        Some(match code {
            "match" => CheckOutcome::Match,
            "nomatch" => CheckOutcome::NoMatch,
            "baddossier" => CheckOutcome::BadDossier,
            "missing" => CheckOutcome::Missing,
            "baddate" => CheckOutcome::BadDate,
            "badamount" => CheckOutcome::BadAmount,
            "unavailable" => CheckOutcome::Unavailable,
            other => CheckOutcome::Throttled {
                minutes: other.strip_prefix("throttled")?.parse().ok()?,
            },
        })
    }

    /// A refusal of the input (shown next to the form), not an answer.
    pub fn is_input_problem(self) -> bool {
        matches!(
            self,
            CheckOutcome::BadDossier
                | CheckOutcome::Missing
                | CheckOutcome::BadDate
                | CheckOutcome::BadAmount
        )
    }
}

/// A check's answer with what was typed (shown back, so the person sees what was checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub outcome: CheckOutcome,
    pub dossier: String,
    pub date: String,
    pub amount: String,
}

/// The longest typed value kept (a cookie is small).
const MAX_FIELD: usize = 40;

impl CheckResult {
    /// The cookie value: the four parts percent-encoded, joined by `.`.
    pub fn to_cookie(&self) -> String {
        [
            self.outcome.code(),
            encode(&self.dossier),
            encode(&self.date),
            encode(&self.amount),
        ]
        .join(".")
    }

    /// Reads a cookie value written by [`CheckResult::to_cookie`].
    pub fn from_cookie(value: &str) -> Option<CheckResult> {
        let mut parts = value.split('.');
        let outcome = CheckOutcome::parse(parts.next()?)?;
        let mut next = || parts.next().map(decode).unwrap_or_default();
        Some(CheckResult {
            outcome,
            dossier: next(),
            date: next(),
            amount: next(),
        })
    }
}

/// Letters, digits and `-` as they are; anything else as `%XX` (UTF-8 bytes). At most
/// [`MAX_FIELD`] characters of the input are kept.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars().take(MAX_FIELD) {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_survives_the_cookie() {
        let r = CheckResult {
            outcome: CheckOutcome::Throttled { minutes: 3 },
            dossier: "ISB-2000-000001".into(),
            date: "23-09-2026".into(),
            amount: "€ 64,86; x=y".into(),
        };
        let cookie = r.to_cookie();
        assert!(
            cookie
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.%".contains(c)),
            "{cookie}"
        );
        assert_eq!(CheckResult::from_cookie(&cookie), Some(r));
        assert_eq!(CheckResult::from_cookie("nonsense.a.b.c"), None);
    }
}
