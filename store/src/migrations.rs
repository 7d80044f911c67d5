//! The schema, step by step, for SQLite and PostgreSQL. A step whose SQL is the same on both
//! backends is one file in `migrations/shared/`; only steps where the backends differ (types,
//! `AUTOINCREMENT` against identity columns, partial-index syntax) have a file per backend in
//! `migrations/sqlite/` and `migrations/postgres/`. Embedded at compile time; the checksums
//! are those of the files, so databases migrated by earlier releases (which read the two
//! folders with `sqlx::migrate!`) validate unchanged.

use std::borrow::Cow;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use crate::Backend;

/// One schema change.
struct Step {
    version: i64,
    description: &'static str,
    sql: Sql,
}

/// Its SQL: one text for both backends, or one each.
enum Sql {
    Shared(&'static str),
    PerBackend {
        sqlite: &'static str,
        postgres: &'static str,
    },
}

const STEPS: &[Step] = &[
    Step {
        version: 1,
        description: "initial",
        sql: Sql::PerBackend {
            sqlite: include_str!("../migrations/sqlite/0001_initial.sql"),
            postgres: include_str!("../migrations/postgres/0001_initial.sql"),
        },
    },
    Step {
        version: 2,
        description: "one open correction per field",
        sql: Sql::Shared(include_str!(
            "../migrations/shared/0002_one_open_correction_per_field.sql"
        )),
    },
    Step {
        version: 3,
        description: "plan review",
        sql: Sql::PerBackend {
            sqlite: include_str!("../migrations/sqlite/0003_plan_review.sql"),
            postgres: include_str!("../migrations/postgres/0003_plan_review.sql"),
        },
    },
    Step {
        version: 4,
        description: "disputes",
        sql: Sql::PerBackend {
            sqlite: include_str!("../migrations/sqlite/0004_disputes.sql"),
            postgres: include_str!("../migrations/postgres/0004_disputes.sql"),
        },
    },
    Step {
        version: 5,
        description: "plan interest",
        sql: Sql::Shared(include_str!("../migrations/shared/0005_plan_interest.sql")),
    },
    Step {
        version: 6,
        description: "link generation",
        sql: Sql::Shared(include_str!(
            "../migrations/shared/0006_link_generation.sql"
        )),
    },
    Step {
        version: 7,
        description: "staff two factor",
        sql: Sql::Shared(include_str!(
            "../migrations/shared/0007_staff_two_factor.sql"
        )),
    },
    Step {
        version: 8,
        description: "cost letters",
        sql: Sql::Shared(include_str!("../migrations/shared/0008_cost_letters.sql")),
    },
    Step {
        version: 9,
        description: "exchange caller",
        sql: Sql::Shared(include_str!(
            "../migrations/shared/0009_exchange_caller.sql"
        )),
    },
    Step {
        version: 10,
        description: "payment invoice",
        sql: Sql::Shared(include_str!(
            "../migrations/shared/0010_payment_invoice.sql"
        )),
    },
    Step {
        version: 11,
        description: "dossier closed at",
        sql: Sql::Shared(include_str!(
            "../migrations/shared/0011_dossier_closed_at.sql"
        )),
    },
    Step {
        version: 12,
        description: "mail",
        sql: Sql::Shared(include_str!("../migrations/shared/0012_mail.sql")),
    },
    Step {
        version: 13,
        description: "plan tolerance",
        sql: Sql::Shared(include_str!("../migrations/shared/0013_plan_tolerance.sql")),
    },
    Step {
        version: 14,
        description: "deferral",
        sql: Sql::Shared(include_str!("../migrations/shared/0014_deferral.sql")),
    },
    Step {
        version: 15,
        description: "plan budget",
        sql: Sql::Shared(include_str!("../migrations/shared/0015_plan_budget.sql")),
    },
    Step {
        version: 16,
        description: "collection pause",
        sql: Sql::Shared(include_str!(
            "../migrations/shared/0016_collection_pause.sql"
        )),
    },
    Step {
        version: 17,
        description: "counsellor access",
        sql: Sql::Shared(include_str!("../migrations/shared/0017_counsellor.sql")),
    },
];

/// The steps for one backend, as sqlx runs them.
#[derive(Debug)]
struct Steps(Backend);

impl MigrationSource<'static> for Steps {
    fn resolve(
        self,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send>> {
        let migrations = STEPS
            .iter()
            .map(|step| {
                let sql: &'static str = match (&step.sql, self.0) {
                    (Sql::Shared(sql), _) => sql,
                    (Sql::PerBackend { sqlite, .. }, Backend::Sqlite) => sqlite,
                    (Sql::PerBackend { postgres, .. }, Backend::Postgres) => postgres,
                };
                Migration::new(
                    step.version,
                    Cow::Borrowed(step.description),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            })
            .collect();
        Box::pin(std::future::ready(Ok(migrations)))
    }
}

/// The migrator for `backend`.
pub(crate) async fn migrator(backend: Backend) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Steps(backend)).await
}
