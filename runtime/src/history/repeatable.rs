//! The record of repeatable migrations (`R__<name>.sql`): a table beside
//! the tracking table, `<table>_repeatables`, one row per repeatable with
//! the checksum it was last applied with.
//!
//! A table of its own, not rows of the tracking table: a repeatable has no
//! version, and the tracking table's primary key, its order, its boot (the
//! row of the highest version), squash's baseline and every tool that reads
//! it (an older sqlstrata, `adopt`, a dashboard) mean versions. The table is
//! made the first time a run applies a repeatable, so a project without
//! any never has it. The seal covers it: its rows are part of the digest
//! each run seals, and the seal's guard stands on it too.

use sqlstrata_model::Migration;

use crate::history::identity::Identity;
use crate::history::tracking::{OWN, duration};
use crate::options::quote_literal;
use crate::plan::history::RepeatableRow;

/// The table beside `id` that records repeatables.
pub(crate) fn table(id: &Identity) -> Identity {
    Identity {
        database: id.database.clone(),
        schema: id.schema.clone(),
        table: format!("{}_repeatables", id.table),
    }
}

/// Whether the table exists (one row, `t` or `f`): asked before reading it,
/// which must not fail inside the seal's transaction.
pub(crate) fn exists_sql(id: &Identity) -> String {
    format!(
        "SELECT to_regclass({}) IS NOT NULL",
        quote_literal(&table(id).qualified())
    )
}

/// Creates the table when missing (under the run's lock).
pub(crate) fn create_sql(id: &Identity) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n\
         name TEXT PRIMARY KEY,\n\
         checksum TEXT NOT NULL,\n\
         batch INTEGER NOT NULL,\n\
         applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),\n\
         duration_ms BIGINT NOT NULL DEFAULT 0\n)",
        table(id).qualified()
    )
}

/// Reads every row, in name order (the digest's order).
pub(crate) fn select_sql(id: &Identity) -> String {
    format!(
        "SELECT name, checksum, batch, applied_at FROM {} ORDER BY name COLLATE \"C\"",
        table(id).qualified()
    )
}

/// Parses one row of [`select_sql`].
pub(crate) fn parse_row(cells: &[Option<String>]) -> Option<RepeatableRow> {
    let text = |i: usize| cells.get(i).cloned().flatten();
    Some(RepeatableRow {
        name: text(0)?,
        checksum: text(1)?,
        batch: text(2)?.parse().ok()?,
        applied_at: text(3)?,
    })
}

/// Records that `m` was applied in `batch` with its current checksum
/// (the duration measured by the server unless given), as the runner's
/// own write.
pub(crate) fn record_sql(
    id: &Identity,
    m: &Migration,
    batch: i32,
    duration_ms: Option<i64>,
) -> String {
    let duration = duration(duration_ms);
    format!(
        "{OWN}; INSERT INTO {} AS r (name, checksum, batch, applied_at, duration_ms) \
         VALUES ({}, {}, {batch}, clock_timestamp(), {duration}) \
         ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, batch = excluded.batch, \
         applied_at = excluded.applied_at, duration_ms = excluded.duration_ms",
        table(id).qualified(),
        quote_literal(m.name()),
        quote_literal(&m.checksum_hex()),
    )
}

/// Forgets the record of `name` (a `no-transaction` repeatable about to
/// run: until it has run to the end, it has not been applied).
pub(crate) fn forget_sql(id: &Identity, name: &str) -> String {
    format!(
        "{OWN}; DELETE FROM {} WHERE name = {}",
        table(id).qualified(),
        quote_literal(name)
    )
}

/// Forgets every record but those of `keep` (all of them when empty).
pub(crate) fn forget_all_but_sql(id: &Identity, keep: &[&str]) -> String {
    let table = table(id).qualified();
    if keep.is_empty() {
        return format!("{OWN}; DELETE FROM {table}");
    }
    let names: Vec<String> = keep.iter().map(|n| quote_literal(n)).collect();
    format!(
        "{OWN}; DELETE FROM {table} WHERE name NOT IN ({})",
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlstrata_model::MigrationParts;

    fn id() -> Identity {
        Identity {
            database: "db".into(),
            schema: "app".into(),
            table: "Schema Migrations".into(),
        }
    }

    #[test]
    fn the_table_is_beside_the_tracking_table_and_names_are_quoted() {
        assert_eq!(
            table(&id()).qualified(),
            "\"app\".\"Schema Migrations_repeatables\""
        );
        assert_eq!(
            exists_sql(&id()),
            "SELECT to_regclass('\"app\".\"Schema Migrations_repeatables\"') IS NOT NULL"
        );
        let m = Migration::new(MigrationParts {
            name: "it's".into(),
            repeatable: true,
            ..MigrationParts::default()
        });
        let sql = record_sql(&id(), &m, 3, Some(7));
        assert!(sql.starts_with(OWN), "{sql}");
        assert!(sql.contains("VALUES ('it''s', "), "{sql}");
        assert!(sql.contains(", 3, clock_timestamp(), 7)"), "{sql}");
        assert!(forget_sql(&id(), "it's").ends_with("WHERE name = 'it''s'"));
        assert!(forget_all_but_sql(&id(), &[]).ends_with("_repeatables\""));
        assert!(forget_all_but_sql(&id(), &["a", "b"]).ends_with("NOT IN ('a', 'b')"));
    }

    #[test]
    fn rows_parse_from_text() {
        let cells =
            |v: &[&str]| -> Vec<Option<String>> { v.iter().map(|s| Some(s.to_string())).collect() };
        let row = parse_row(&cells(&["views", "ab", "4", "2026-01-01 00:00:00+00"])).unwrap();
        assert_eq!((row.name.as_str(), row.batch), ("views", 4));
        assert!(parse_row(&cells(&["views", "ab", "x", "t"])).is_none());
        assert!(parse_row(&cells(&["views"])).is_none());
    }
}
