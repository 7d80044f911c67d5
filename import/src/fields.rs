//! Parsers for the CSV cells that have no domain type of their own. Each returns the reason
//! for refusing in words staff can act on.

use chrono::NaiveDate;
use domain::CreditorId;
use store::{DebtorKind, InterestKind};

/// Longest free text accepted (names, addresses); longer is a column mix-up, not a name.
pub(crate) const MAX_TEXT: usize = 200;
/// Longest code accepted (customer, invoice and creditor numbers).
pub(crate) const MAX_CODE: usize = 64;

/// Trimmed text with runs of whitespace collapsed to one space; refuses empty and overlong text.
pub(crate) fn text(value: &str, max: usize) -> Result<String, String> {
    let collapsed = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err("is empty".into());
    }
    if collapsed.chars().count() > max {
        return Err(format!("is longer than {max} characters"));
    }
    if collapsed.chars().any(char::is_control) {
        return Err("contains control characters".into());
    }
    Ok(collapsed)
}

/// A creditor's key: letters, digits, `-`, `_` and `.` only, since it ends up in URLs and
/// staff tools.
pub(crate) fn creditor_id(value: &str) -> Result<CreditorId, String> {
    let id = text(value, MAX_CODE)?;
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "contains {bad:?}: use letters, digits, '-', '_' or '.'"
        ));
    }
    Ok(CreditorId::new(id))
}

/// `person` or `business`, also in Dutch (`particulier`, `persoon`, `consument`; `bedrijf`,
/// `zakelijk`), any case.
pub(crate) fn debtor_kind(value: &str) -> Result<DebtorKind, String> {
    match value.trim().to_lowercase().as_str() {
        "" => Err("is empty: use person or business".into()),
        "person" | "particulier" | "persoon" | "consument" | "consumer" => Ok(DebtorKind::Person),
        "business" | "bedrijf" | "zakelijk" | "company" => Ok(DebtorKind::Business),
        _ => Err(format!(
            "{} is not known: use person or business",
            quoted(value)
        )),
    }
}

/// `consumer` (art. 6:119 BW) or `commercial` (art. 6:119a BW); blank means "not given".
pub(crate) fn interest_kind(value: &str) -> Result<Option<InterestKind>, String> {
    match value.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "consumer" | "consument" | "6:119" => Ok(Some(InterestKind::Consumer)),
        "commercial" | "handel" | "handelsrente" | "6:119a" => Ok(Some(InterestKind::Commercial)),
        _ => Err(format!(
            "{} is not known: use consumer or commercial",
            quoted(value)
        )),
    }
}

/// Yes or no in the spellings spreadsheets produce; blank means "not given".
pub(crate) fn flag(value: &str) -> Result<Option<bool>, String> {
    match value.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "y" | "true" | "1" | "ja" | "j" => Ok(Some(true)),
        "no" | "n" | "false" | "0" | "nee" => Ok(Some(false)),
        _ => Err(format!("{} is not yes or no", quoted(value))),
    }
}

/// A calendar date as `YYYY-MM-DD` or day first as `DD-MM-YYYY` (also with `/` or `.`).
/// Month-first dates are never guessed: `03/04/2026` is 3 April. A midnight time that
/// spreadsheets append (`2026-04-03 00:00:00`) is ignored.
pub(crate) fn date(value: &str) -> Result<NaiveDate, String> {
    const HINT: &str = "use YYYY-MM-DD or DD-MM-YYYY";
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(format!("is empty: {HINT}"));
    }
    let day_part = match trimmed.split_once(' ') {
        Some((day, time)) if matches!(time.trim(), "00:00" | "00:00:00") => day,
        Some(_) => return Err(format!("{} has a time in it: {HINT}", quoted(value))),
        None => trimmed,
    };
    let parts: Vec<&str> = day_part.split(['-', '/', '.']).collect();
    let numbers: Option<Vec<u32>> = parts
        .iter()
        .map(|p| {
            if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                p.parse().ok()
            }
        })
        .collect();
    let (Some(numbers), 3) = (numbers, parts.len()) else {
        return Err(format!("{} is not a date: {HINT}", quoted(value)));
    };
    let (year, month, day) = if parts[0].len() == 4 && parts[1].len() <= 2 && parts[2].len() <= 2 {
        (numbers[0], numbers[1], numbers[2])
    } else if parts[2].len() == 4 && parts[0].len() <= 2 && parts[1].len() <= 2 {
        (numbers[2], numbers[1], numbers[0])
    } else {
        return Err(format!(
            "{} is not a date with a 4-digit year: {HINT}",
            quoted(value)
        ));
    };
    i32::try_from(year)
        .ok()
        .and_then(|year| NaiveDate::from_ymd_opt(year, month, day))
        .ok_or_else(|| format!("{} is not an existing date", quoted(value)))
}

/// An identity document number (passport, ID card, driving licence): letters and digits,
/// 6 to 20 of them once spaces and dashes are dropped, kept in upper case. The value is never
/// repeated in messages.
pub(crate) fn id_document_number(value: &str) -> Result<String, String> {
    let compact: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err("may contain only letters and digits".into());
    }
    if !(6..=20).contains(&compact.len()) {
        return Err("must have 6 to 20 letters and digits".into());
    }
    Ok(compact)
}

/// `value` in quotes for a message, shortened so a misplaced long cell stays readable.
pub(crate) fn quoted(value: &str) -> String {
    const MAX: usize = 40;
    let value = value.trim();
    if value.chars().count() > MAX {
        let cut: String = value.chars().take(MAX).collect();
        format!("'{cut}…'")
    } else {
        format!("'{value}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates_are_read_iso_or_day_first() {
        assert_eq!(date("2026-04-03"), Ok(ymd(2026, 4, 3)));
        assert_eq!(date("03-04-2026"), Ok(ymd(2026, 4, 3)));
        assert_eq!(date("3/4/2026"), Ok(ymd(2026, 4, 3)));
        assert_eq!(date("03.04.2026"), Ok(ymd(2026, 4, 3)));
        assert_eq!(date(" 2026-04-03 00:00:00 "), Ok(ymd(2026, 4, 3)));
    }

    #[test]
    fn unclear_or_impossible_dates_are_refused() {
        for bad in [
            "",
            "26-04-03",
            "2026-13-01",
            "31-02-2026",
            "2026/4",
            "april 3",
            "2026-04-03 12:00",
            "1-2-3",
            "20260403",
        ] {
            assert!(date(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn flags_and_kinds_accept_dutch_and_english() {
        assert_eq!(flag("Ja"), Ok(Some(true)));
        assert_eq!(flag("false"), Ok(Some(false)));
        assert_eq!(flag(" "), Ok(None));
        assert!(flag("misschien").is_err());
        assert_eq!(debtor_kind("Particulier"), Ok(DebtorKind::Person));
        assert_eq!(debtor_kind("BUSINESS"), Ok(DebtorKind::Business));
        assert!(debtor_kind("vereniging").is_err());
        assert_eq!(
            interest_kind("commercial"),
            Ok(Some(InterestKind::Commercial))
        );
        assert_eq!(interest_kind(""), Ok(None));
    }

    #[test]
    fn text_is_collapsed_and_bounded() {
        assert_eq!(
            text("  Jan   de  Vries ", MAX_TEXT),
            Ok("Jan de Vries".into())
        );
        assert!(text("   ", MAX_TEXT).is_err());
        assert!(text(&"x".repeat(MAX_TEXT + 1), MAX_TEXT).is_err());
        assert!(creditor_id("acme energie").is_err());
        assert_eq!(
            creditor_id("acme-energie"),
            Ok(CreditorId::new("acme-energie"))
        );
    }

    #[test]
    fn id_document_numbers_are_compacted_and_not_echoed() {
        assert_eq!(id_document_number("nx-12 ab3c4"), Ok("NX12AB3C4".into()));
        let refused = id_document_number("SECRET#123").unwrap_err();
        assert!(!refused.contains("SECRET"));
    }
}

#[cfg(test)]
mod properties {
    use chrono::Days;
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn every_date_reads_back_in_each_accepted_form(offset in 0u64..110_000) {
            let day = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + Days::new(offset);
            for form in ["%Y-%m-%d", "%d-%m-%Y", "%-d/%-m/%Y", "%d.%m.%Y", "%Y-%m-%d 00:00:00"] {
                prop_assert_eq!(date(&day.format(form).to_string()), Ok(day), "{}", form);
            }
        }
    }
}
