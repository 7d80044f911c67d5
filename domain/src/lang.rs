//! The two languages the portal speaks.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A display language. Dutch is the default because the debtors are Dutch.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Dutch.
    #[default]
    Nl,
    /// English.
    En,
}

impl Lang {
    /// Every language, in the order a language switcher shows them.
    pub const ALL: [Lang; 2] = [Lang::Nl, Lang::En];

    /// The ISO 639-1 code used in URLs (`/nl/...`) and the `lang` attribute.
    pub const fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }
}

impl Lang {
    /// `29-11-2026` or `29 Nov 2026`: unambiguous in each language. Written out directly
    /// rather than with chrono's `format`, whose format-string parser would add ~20 KB to the
    /// WASM.
    pub fn date(self, day: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let (d, m, y) = (day.day(), day.month(), day.year());
        match self {
            Lang::Nl => format!("{d:02}-{m:02}-{y}"),
            Lang::En => format!("{d} {} {y}", MONTHS[day.month0() as usize]),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The text was neither `nl` nor `en`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language code (expected \"nl\" or \"en\")")]
pub struct UnknownLang;

impl FromStr for Lang {
    type Err = UnknownLang;

    /// Accepts `nl` and `en` in any ASCII case; nothing else (no `nl-NL`:
    /// negotiating Accept-Language is the web layer's job).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::ALL
            .into_iter()
            .find(|lang| s.eq_ignore_ascii_case(lang.code()))
            .ok_or(UnknownLang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(lang.code().parse::<Lang>(), Ok(lang));
            assert_eq!(lang.to_string(), lang.code());
        }
        assert_eq!(Lang::Nl.code(), "nl");
        assert_eq!(Lang::En.code(), "en");
    }

    #[test]
    fn parsing_ignores_case_but_nothing_else() {
        assert_eq!("NL".parse::<Lang>(), Ok(Lang::Nl));
        assert_eq!("En".parse::<Lang>(), Ok(Lang::En));
        assert_eq!("de".parse::<Lang>(), Err(UnknownLang));
        assert_eq!("nl-NL".parse::<Lang>(), Err(UnknownLang));
        assert_eq!(" nl".parse::<Lang>(), Err(UnknownLang));
        assert_eq!("".parse::<Lang>(), Err(UnknownLang));
    }

    #[test]
    fn default_is_dutch() {
        assert_eq!(Lang::default(), Lang::Nl);
    }
}
