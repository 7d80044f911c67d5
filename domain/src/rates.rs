//! The statutory interest rates as data: a table with, per row, the kind (art. 6:119 or
//! 6:119a BW), the first day, the yearly rate and its source. The table in the repository
//! (`domain/data/statutory-interest-rates.csv`, embedded at build time) is used unless the
//! operator installs a newer file at start ([`install`]); the interest computation reads
//! [`current`].

use std::sync::OnceLock;

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::interest::{InterestKind, RateChange};

/// The table shipped with this release.
pub const EMBEDDED: &str = include_str!("../data/statutory-interest-rates.csv");

/// One rate and where it was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RateRow {
    /// The kind.
    pub kind: InterestKind,
    /// The rate and its first day.
    pub change: RateChange,
    /// Where the rate is published (free text; `reported:` marks an unconfirmed one).
    pub source: String,
}

/// Both rate tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateTable {
    rows: Vec<RateRow>,
    consumer: Vec<RateChange>,
    commercial: Vec<RateChange>,
}

/// Why a rate file was refused: the line (1-based) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct RateTableError {
    /// The line in error (1 is the first line of the file).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl RateTable {
    /// Reads a rate file: `#` comments and blank lines are skipped, the first other line is
    /// the header `kind,from,rate,source`, then one row per rate (the source is the rest of
    /// the line and may contain commas). Per kind the dates must rise, fall on 1 January or
    /// 1 July, and the first must be 2015-01-01 or earlier.
    pub fn parse(text: &str) -> Result<RateTable, RateTableError> {
        let mut header_seen = false;
        let mut rows: Vec<RateRow> = Vec::new();
        let mut last_line = 0;
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            last_line = line;
            let content = raw.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let err = |message: String| RateTableError { line, message };
            if !header_seen {
                let names: Vec<&str> = content.split(',').map(str::trim).collect();
                if names != ["kind", "from", "rate", "source"] {
                    return Err(err(format!(
                        "the header must be kind,from,rate,source, not {content:?}"
                    )));
                }
                header_seen = true;
                continue;
            }
            let mut cells = content.splitn(4, ',').map(str::trim);
            let (Some(kind), Some(from), Some(rate), Some(source)) =
                (cells.next(), cells.next(), cells.next(), cells.next())
            else {
                return Err(err("a row needs kind, from, rate and source".into()));
            };
            let kind = match kind {
                "consumer" => InterestKind::Consumer,
                "commercial" => InterestKind::Commercial,
                other => {
                    return Err(err(format!("kind {other:?} is not consumer or commercial")));
                }
            };
            let from = NaiveDate::parse_from_str(from, "%Y-%m-%d")
                .map_err(|_| err(format!("from {from:?} is not a date like 2026-01-01")))?;
            if from.day() != 1 || !matches!(from.month(), 1 | 7) {
                return Err(err(format!(
                    "{from}: rates change only on 1 January or 1 July"
                )));
            }
            let rate_bp = parse_percent(rate).ok_or_else(|| {
                err(format!(
                    "rate {rate:?} is not a percentage from 0 to 100 with at most two decimals"
                ))
            })?;
            if source.is_empty() {
                return Err(err(
                    "the source is empty: say where the rate is published".into()
                ));
            }
            if let Some(previous) = rows.iter().rev().find(|r| r.kind == kind)
                && previous.change.from() >= from
            {
                return Err(err(format!(
                    "{from} is not after the previous {} row ({})",
                    kind_name(kind),
                    previous.change.from()
                )));
            }
            rows.push(RateRow {
                kind,
                change: RateChange::new(from, rate_bp),
                source: source.to_string(),
            });
        }
        let start = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap_or_default();
        for kind in [InterestKind::Consumer, InterestKind::Commercial] {
            match rows.iter().find(|r| r.kind == kind) {
                None => {
                    return Err(RateTableError {
                        line: last_line,
                        message: format!("no {} rates", kind_name(kind)),
                    });
                }
                Some(first) if first.change.from() > start => {
                    return Err(RateTableError {
                        line: last_line,
                        message: format!(
                            "the {} rates must start on or before 2015-01-01",
                            kind_name(kind)
                        ),
                    });
                }
                Some(_) => {}
            }
        }
        let of = |kind| {
            rows.iter()
                .filter(|r| r.kind == kind)
                .map(|r| r.change)
                .collect()
        };
        Ok(RateTable {
            consumer: of(InterestKind::Consumer),
            commercial: of(InterestKind::Commercial),
            rows,
        })
    }

    /// The table shipped with this release.
    pub fn embedded() -> RateTable {
        // The embedded file is checked by a test; a broken one cannot pass the build.
        RateTable::parse(EMBEDDED).expect("the embedded rate table is valid")
    }

    /// The rates of `kind`, oldest first.
    pub fn rates(&self, kind: InterestKind) -> &[RateChange] {
        match kind {
            InterestKind::Consumer => &self.consumer,
            InterestKind::Commercial => &self.commercial,
        }
    }

    /// Every row with its source, in file order.
    pub fn rows(&self) -> &[RateRow] {
        &self.rows
    }

    /// The row that sets `kind`'s rate on `date`.
    pub fn row_on(&self, kind: InterestKind, date: NaiveDate) -> Option<&RateRow> {
        self.rows
            .iter()
            .rev()
            .find(|r| r.kind == kind && r.change.from() <= date)
    }

    /// The last day both tables are known for: the end of the half year of each kind's last
    /// row, whichever comes first. Past it the last rate is assumed to continue.
    pub fn covered_until(&self) -> NaiveDate {
        [&self.consumer, &self.commercial]
            .into_iter()
            .filter_map(|rates| rates.last())
            .filter_map(|last| {
                last.from()
                    .checked_add_months(Months::new(6))
                    .and_then(|d| d.pred_opt())
            })
            .min()
            .unwrap_or(NaiveDate::MIN)
    }
}

impl RateTable {
    /// The last day covered, when `today` is past it (the portal then warns).
    pub fn stale_on(&self, today: NaiveDate) -> Option<NaiveDate> {
        let until = self.covered_until();
        (today > until).then_some(until)
    }
}

fn kind_name(kind: InterestKind) -> &'static str {
    match kind {
        InterestKind::Consumer => "consumer",
        InterestKind::Commercial => "commercial",
    }
}

/// `"10.15"` → 1015 basis points; at most two decimals, 0 to 100%.
fn parse_percent(text: &str) -> Option<u32> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || whole.len() > 3
        || fraction.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let fraction: u32 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<u32>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    let bp = whole.checked_mul(100)?.checked_add(fraction)?;
    (bp <= 10_000).then_some(bp)
}

static TABLE: OnceLock<RateTable> = OnceLock::new();

/// Makes `table` the one the interest computation uses, for the life of the process. Call it
/// once at start, before any interest is computed; afterwards the table in use is kept and
/// `table` is handed back.
pub fn install(table: RateTable) -> Result<(), RateTable> {
    TABLE.set(table)
}

/// The table in use: the installed one, or the embedded one.
pub fn current() -> &'static RateTable {
    TABLE.get_or_init(RateTable::embedded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_parses_and_keeps_every_source() {
        let table = RateTable::embedded();
        assert!(table.rows().iter().all(|r| !r.source.is_empty()));
        assert_eq!(
            table.covered_until(),
            NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
        );
        let row = table
            .row_on(
                InterestKind::Consumer,
                NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
            )
            .unwrap();
        assert_eq!(row.change.rate_bp(), 700);
        assert!(row.source.contains("Stb. 2023, 484"));
    }

    #[test]
    fn a_malformed_file_is_refused_with_the_line_in_error() {
        let good =
            "# c\nkind,from,rate,source\nconsumer,2015-01-01,2,s\ncommercial,2015-01-01,8.05,s\n";
        assert!(RateTable::parse(good).is_ok());
        let cases = [
            ("kind,from,rate\n", 1, "header"),
            (
                "kind,from,rate,source\nconsumer,2015-01-01,2\n",
                2,
                "needs kind",
            ),
            ("kind,from,rate,source\nretail,2015-01-01,2,s\n", 2, "kind"),
            (
                "kind,from,rate,source\nconsumer,01-01-2015,2,s\n",
                2,
                "not a date",
            ),
            (
                "kind,from,rate,source\nconsumer,2015-02-01,2,s\n",
                2,
                "1 January or 1 July",
            ),
            (
                "kind,from,rate,source\nconsumer,2015-01-01,2.001,s\n",
                2,
                "percentage",
            ),
            (
                "kind,from,rate,source\nconsumer,2015-01-01,101,s\n",
                2,
                "percentage",
            ),
            (
                "kind,from,rate,source\nconsumer,2015-01-01,-1,s\n",
                2,
                "percentage",
            ),
            (
                "kind,from,rate,source\nconsumer,2015-01-01,2,\n",
                2,
                "source is empty",
            ),
            (
                "kind,from,rate,source\nconsumer,2015-01-01,2,s\nconsumer,2015-01-01,3,s\n",
                3,
                "not after",
            ),
            (
                "kind,from,rate,source\nconsumer,2015-01-01,2,s\n",
                2,
                "no commercial",
            ),
            (
                "kind,from,rate,source\nconsumer,2016-01-01,2,s\ncommercial,2015-01-01,8,s\n",
                3,
                "start on or before",
            ),
        ];
        for (text, line, needle) in cases {
            let e = RateTable::parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn a_table_ends_at_the_end_of_the_half_year_of_its_last_rows() {
        let t = RateTable::parse(
            "kind,from,rate,source\nconsumer,2015-01-01,2,s\nconsumer,2025-07-01,2,s\n\
             commercial,2015-01-01,8,s\ncommercial,2026-01-01,8,s\n",
        )
        .unwrap();
        let end = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        assert_eq!(t.covered_until(), end);
        assert_eq!(t.stale_on(end), None);
        assert_eq!(t.stale_on(end.succ_opt().unwrap()), Some(end));
    }

    #[test]
    fn percentages_are_read_exactly() {
        assert_eq!(parse_percent("10.15"), Some(1015));
        assert_eq!(parse_percent("8.5"), Some(850));
        assert_eq!(parse_percent("4"), Some(400));
        assert_eq!(parse_percent("100"), Some(10_000));
        for bad in ["", ".5", "1e2", "4,00", " 4", "1000", "4.123"] {
            assert_eq!(parse_percent(bad), None, "{bad:?}");
        }
    }
}
