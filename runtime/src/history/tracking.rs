//! The tracking table: its shape, and the SQL that reads and writes it.
//! Shared by both executors, so the SQL exists once.

use sqlstrata_model::Migration;

use crate::error::Error;
use crate::history::identity::Identity;
pub use crate::history::identity::{COLUMNS, SEAL_COLUMN};
use crate::options::{quote_ident, quote_literal};
use crate::plan::history::{AppliedRow, RowState};
use crate::session::{Session, first_cell};

/// The mark of the runner's own writes, which the seal's guard lets
/// through (see `crate::history::seal`).
pub(crate) const OWN: &str = "SET LOCAL sqlstrata.writing = 'on'";

/// Whether schema `name` exists (one row, `t` or `f`).
pub(crate) fn schema_exists_sql(name: &str) -> String {
    format!(
        "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = {})",
        quote_literal(name)
    )
}

/// Creates schema `name`: sent only when it does not exist, since even
/// `CREATE SCHEMA IF NOT EXISTS` needs `CREATE` on the database, which a
/// role that owns its schema or may create in it does not have.
pub(crate) fn create_schema_sql(name: &str) -> String {
    format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(name))
}

/// Creates schema `name` when it does not exist: only then, since even
/// `CREATE SCHEMA IF NOT EXISTS` asks for `CREATE` on the database.
pub(crate) async fn ensure_schema<S: Session>(session: &mut S, name: &str) -> Result<(), Error> {
    let rows = session
        .query(&schema_exists_sql(name))
        .await
        .map_err(Error::database("finding the tracking table's schema"))?;
    if first_cell(&rows) == Some("t") {
        return Ok(());
    }
    session
        .query(&create_schema_sql(name))
        .await
        .map(|_| ())
        .map_err(Error::database("creating the tracking table's schema"))
}

/// Creates the table when missing (its schema exists: see
/// [`create_schema_sql`]).
pub fn create_sql(id: &Identity) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (\n\
         version BIGINT PRIMARY KEY,\n\
         name TEXT NOT NULL,\n\
         description TEXT,\n\
         checksum TEXT NOT NULL,\n\
         batch INTEGER NOT NULL,\n\
         applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),\n\
         duration_ms BIGINT NOT NULL DEFAULT 0,\n\
         state TEXT NOT NULL DEFAULT 'applied' CHECK (state IN ('applied', 'applying', 'reverting', 'failed', 'failed_down')),\n\
         failed_line INTEGER,\n\
         {SEAL_COLUMN} TEXT\n)",
        table = id.qualified()
    )
}

/// Reads every row.
pub fn select_sql(id: &Identity) -> String {
    format!(
        "SELECT {} FROM {} ORDER BY version",
        COLUMNS.join(", "),
        id.qualified()
    )
}

/// Parses one row of [`select_sql`] in the simple-query text format.
pub fn parse_row(cells: &[Option<String>]) -> Option<AppliedRow> {
    let text = |i: usize| cells.get(i).cloned().flatten();
    Some(AppliedRow {
        version: text(0)?.parse().ok()?,
        name: text(1)?,
        description: text(2),
        checksum: text(3)?,
        batch: text(4)?.parse().ok()?,
        applied_at: text(5)?,
        duration_ms: text(6)?.parse().ok()?,
        state: RowState::parse(&text(7)?)?,
        failed_line: text(8).and_then(|l| l.parse().ok()),
    })
}

/// `sql`, a write of the tracking table, marked as the runner's own (the
/// seal's guard lets it through: see `crate::history::seal`).
fn own(sql: String) -> String {
    format!("{OWN}; {sql}")
}

/// Records `m` in `batch` with `state`. With `duration_ms` `None`, the
/// duration is measured by the server since the start of the query the
/// insert is part of.
pub fn insert_sql(
    id: &Identity,
    m: &Migration,
    batch: i32,
    duration_ms: Option<i64>,
    state: RowState,
) -> String {
    let description = m.description().map_or("NULL".to_string(), quote_literal);
    own(format!(
        "INSERT INTO {} (version, name, description, checksum, batch, applied_at, duration_ms, state) VALUES ({}, {}, {description}, {}, {batch}, clock_timestamp(), {}, '{}')",
        id.qualified(),
        m.version(),
        quote_literal(m.name()),
        quote_literal(&m.checksum_hex()),
        duration(duration_ms),
        state.as_str(),
    ))
}

/// Records `m` as applied by another tool: in `batch`, at `applied_at` (a
/// timestamp PostgreSQL can read; now when unknown), with no duration.
pub(crate) fn adopt_sql(
    id: &Identity,
    m: &Migration,
    batch: i32,
    applied_at: Option<&str>,
) -> String {
    let description = m.description().map_or("NULL".to_string(), quote_literal);
    let at = applied_at.map_or("clock_timestamp()".to_string(), |t| {
        format!("{}::timestamptz", quote_literal(t))
    });
    own(format!(
        "INSERT INTO {} (version, name, description, checksum, batch, applied_at, duration_ms, state) VALUES ({}, {}, {description}, {}, {batch}, {at}, 0, 'applied')",
        id.qualified(),
        m.version(),
        quote_literal(m.name()),
        quote_literal(&m.checksum_hex()),
    ))
}

/// A duration in milliseconds for a record: `ms`, or measured by the
/// server since the start of the query the write is part of.
pub(crate) fn duration(ms: Option<i64>) -> String {
    ms.map_or(
        "(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::bigint"
            .to_string(),
        |d| d.to_string(),
    )
}

/// Sets a row's state (and the failed line, when it failed).
pub fn set_state_sql(
    id: &Identity,
    version: i64,
    state: RowState,
    failed_line: Option<u32>,
    duration_ms: Option<i64>,
) -> String {
    let failed = failed_line.map_or("NULL".to_string(), |l| l.to_string());
    let timing = match duration_ms {
        Some(ms) => format!(", applied_at = clock_timestamp(), duration_ms = {ms}"),
        None => String::new(),
    };
    own(format!(
        "UPDATE {} SET state = '{}', failed_line = {failed}{timing} WHERE version = {version}",
        id.qualified(),
        state.as_str()
    ))
}

/// Forgets a version.
pub fn delete_sql(id: &Identity, version: i64) -> String {
    own(format!(
        "DELETE FROM {} WHERE version = {version}",
        id.qualified()
    ))
}

/// Accepts the current checksum of `m`.
pub fn set_checksum_sql(id: &Identity, m: &Migration) -> String {
    own(format!(
        "UPDATE {} SET checksum = {} WHERE version = {}",
        id.qualified(),
        quote_literal(&m.checksum_hex()),
        m.version()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> Identity {
        Identity {
            database: "db".into(),
            schema: "my\"schema".into(),
            table: "Schema Migrations".into(),
        }
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(id().qualified(), "\"my\"\"schema\".\"Schema Migrations\"");
        assert!(
            create_sql(&id())
                .starts_with("CREATE TABLE IF NOT EXISTS \"my\"\"schema\".\"Schema Migrations\" (")
        );
        assert_eq!(
            create_schema_sql("my\"schema"),
            "CREATE SCHEMA IF NOT EXISTS \"my\"\"schema\""
        );
        assert_eq!(
            schema_exists_sql("it's"),
            "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'it''s')"
        );
    }

    #[test]
    fn rows_parse_from_text() {
        let cells: Vec<Option<String>> = [
            "3",
            "x",
            "",
            "ab",
            "2",
            "2026-01-01 00:00:00+00",
            "12",
            "failed_down",
            "7",
        ]
        .iter()
        .map(|s| (!s.is_empty()).then(|| s.to_string()))
        .collect();
        let row = parse_row(&cells).unwrap();
        assert_eq!(
            (
                row.version,
                row.batch,
                row.duration_ms,
                row.state,
                row.failed_line
            ),
            (3, 2, 12, RowState::FailedDown, Some(7))
        );
        let mut bad = cells.clone();
        bad[7] = Some("exploded".into());
        assert_eq!(
            parse_row(&bad),
            None,
            "an unknown state is not a row of ours"
        );
    }

    fn migration() -> Migration {
        Migration::new(sqlstrata_model::MigrationParts {
            version: 7,
            name: "it's".into(),
            file_name: "007_its.sql".into(),
            description: Some("a 'quoted' one".into()),
            checksum: [0xcd; 32],
            ..Default::default()
        })
    }

    #[test]
    fn writes_name_the_table_and_quote_their_values() {
        assert_eq!(
            set_checksum_sql(&id(), &migration()),
            format!(
                "SET LOCAL sqlstrata.writing = 'on'; UPDATE \"my\"\"schema\".\"Schema Migrations\" SET checksum = '{}' WHERE version = 7",
                "cd".repeat(32)
            )
        );
        assert_eq!(
            delete_sql(&id(), 7),
            "SET LOCAL sqlstrata.writing = 'on'; DELETE FROM \"my\"\"schema\".\"Schema Migrations\" WHERE version = 7",
            "every write is marked as the runner's own, for the seal's guard"
        );
    }

    #[test]
    fn adopted_rows_keep_their_time_or_take_now() {
        let sql = adopt_sql(&id(), &migration(), 2, Some("2024-05-01 10:00:00+00"));
        assert_eq!(
            sql,
            format!(
                "SET LOCAL sqlstrata.writing = 'on'; INSERT INTO \"my\"\"schema\".\"Schema Migrations\" (version, name, description, checksum, batch, applied_at, duration_ms, state) VALUES (7, 'it''s', 'a ''quoted'' one', '{}', 2, '2024-05-01 10:00:00+00'::timestamptz, 0, 'applied')",
                "cd".repeat(32)
            )
        );
        assert!(
            adopt_sql(&id(), &migration(), 1, None).contains(", clock_timestamp(), 0, 'applied')")
        );
    }
}
