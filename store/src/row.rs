//! Reading typed values out of `AnyRow`s, and the storage encodings of time and dates.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{
    AccessId, AccessRequestId, AttachmentId, BudgetFileId, ChargeId, ClaimItemId, CorrectionId,
    CreditorId, DeferralId, DisputeId, DossierId, ExchangeCallId, InstalmentId, InvitationId,
    LedgerEntryId, Money, PauseId, PaymentId, PlanId,
};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::types::DbEnum;

const DATE_FORMAT: &str = "%Y-%m-%d";

pub(crate) fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(crate) fn date_text(date: NaiveDate) -> String {
    date.format(DATE_FORMAT).to_string()
}

pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, DATE_FORMAT).ok()
}

pub(crate) trait RowExt {
    fn text(&self, column: &'static str) -> Result<String>;
    fn opt_text(&self, column: &'static str) -> Result<Option<String>>;
    fn int(&self, column: &'static str) -> Result<i64>;
    fn opt_int(&self, column: &'static str) -> Result<Option<i64>>;
    fn flag(&self, column: &'static str) -> Result<bool>;

    fn money(&self, column: &'static str) -> Result<Money> {
        self.int(column).map(Money::from_cents)
    }

    fn instant(&self, column: &'static str) -> Result<DateTime<Utc>> {
        to_instant(column, self.int(column)?)
    }

    fn opt_instant(&self, column: &'static str) -> Result<Option<DateTime<Utc>>> {
        self.opt_int(column)?
            .map(|ms| to_instant(column, ms))
            .transpose()
    }

    fn date(&self, column: &'static str) -> Result<NaiveDate> {
        to_date(column, self.text(column)?)
    }

    fn opt_date(&self, column: &'static str) -> Result<Option<NaiveDate>> {
        self.opt_text(column)?
            .map(|t| to_date(column, t))
            .transpose()
    }

    /// A record id (`DossierId`, `DisputeId`, …) from its column.
    fn id<T: RecordId>(&self, column: &'static str) -> Result<T> {
        T::read(self, column)
    }

    fn opt_id<T: RecordId>(&self, column: &'static str) -> Result<Option<T>> {
        T::read_opt(self, column)
    }

    fn enumeration<T: DbEnum>(&self, column: &'static str) -> Result<T> {
        let text = self.text(column)?;
        T::parse(&text).ok_or(StoreError::Corrupt {
            column,
            value: text,
        })
    }
}

impl RowExt for AnyRow {
    fn text(&self, column: &'static str) -> Result<String> {
        Ok(self.try_get(column)?)
    }

    fn opt_text(&self, column: &'static str) -> Result<Option<String>> {
        Ok(self.try_get(column)?)
    }

    fn int(&self, column: &'static str) -> Result<i64> {
        Ok(self.try_get(column)?)
    }

    fn opt_int(&self, column: &'static str) -> Result<Option<i64>> {
        Ok(self.try_get(column)?)
    }

    fn flag(&self, column: &'static str) -> Result<bool> {
        match self.int(column)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(StoreError::Corrupt {
                column,
                value: other.to_string(),
            }),
        }
    }
}

/// A record id as stored: the text ids in TEXT columns, the rowid ids in BIGINT columns.
pub(crate) trait RecordId: Sized {
    fn read<R: RowExt + ?Sized>(row: &R, column: &'static str) -> Result<Self>;
    fn read_opt<R: RowExt + ?Sized>(row: &R, column: &'static str) -> Result<Option<Self>>;
}

macro_rules! record_ids {
    ($read:ident, $read_opt:ident: $($ty:ident),+) => {
        $(
            impl RecordId for $ty {
                fn read<R: RowExt + ?Sized>(row: &R, column: &'static str) -> Result<Self> {
                    row.$read(column).map($ty::new)
                }

                fn read_opt<R: RowExt + ?Sized>(
                    row: &R,
                    column: &'static str,
                ) -> Result<Option<Self>> {
                    Ok(row.$read_opt(column)?.map($ty::new))
                }
            }
        )+
    };
}

record_ids!(text, opt_text: BudgetFileId, CreditorId, DossierId, PaymentId, PlanId, DeferralId, PauseId,
    InvitationId, AccessId, AccessRequestId);
record_ids!(int, opt_int: ClaimItemId, ChargeId, LedgerEntryId, InstalmentId, CorrectionId,
    DisputeId, AttachmentId, ExchangeCallId);

fn to_instant(column: &'static str, ms: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or(StoreError::Corrupt {
        column,
        value: ms.to_string(),
    })
}

fn to_date(column: &'static str, text: String) -> Result<NaiveDate> {
    parse_date(&text).ok_or(StoreError::Corrupt {
        column,
        value: text,
    })
}

/// Booleans are INTEGER 0/1 on both backends.
pub(crate) fn flag_value(b: bool) -> i32 {
    i32::from(b)
}

/// `$first, $first+1, …` for an `IN (…)` list of `count` values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
