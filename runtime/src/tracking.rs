//! The tracking table: its shape, and the SQL that reads and writes it.
//! Shared by both executors, so the SQL exists once.

use crate::embedded::Migration;
use crate::options::{TrackingTable, quote_literal};

/// One row of the tracking table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRow {
    /// The version.
    pub version: i64,
    /// The name when applied.
    pub name: String,
    /// The description when applied.
    pub description: Option<String>,
    /// The checksum when applied, hex.
    pub checksum: String,
    /// The batch it was applied in.
    pub batch: i32,
    /// When it was applied, as PostgreSQL prints a timestamptz.
    pub applied_at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// For a `no-transaction` migration that failed part-way: the line of
    /// the statement that failed. `None` for a migration fully applied.
    pub failed_line: Option<i32>,
}

impl AppliedRow {
    /// Whether the row records a part-way failure.
    pub fn is_failed(&self) -> bool {
        self.failed_line.is_some()
    }
}

/// The columns a sqlstrata tracking table has, in order.
pub const COLUMNS: &[&str] = &[
    "version",
    "name",
    "description",
    "checksum",
    "batch",
    "applied_at",
    "duration_ms",
    "failed_line",
];

/// Creates the table (and schema) when missing.
pub fn create_sql(table: &TrackingTable) -> String {
    let schema = table
        .schema
        .as_deref()
        .map(|s| {
            format!(
                "CREATE SCHEMA IF NOT EXISTS {};\n",
                crate::options::quote_ident(s)
            )
        })
        .unwrap_or_default();
    format!(
        "{schema}CREATE TABLE IF NOT EXISTS {} (\n\
         version BIGINT PRIMARY KEY,\n\
         name TEXT NOT NULL,\n\
         description TEXT,\n\
         checksum TEXT NOT NULL,\n\
         batch INTEGER NOT NULL,\n\
         applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),\n\
         duration_ms BIGINT NOT NULL DEFAULT 0,\n\
         failed_line INTEGER\n)",
        table.qualified()
    )
}

/// Lists the table's columns, to tell a foreign table of the same name.
pub fn columns_sql(table: &TrackingTable) -> String {
    let schema = match &table.schema {
        Some(s) => quote_literal(s),
        None => "current_schema()".to_string(),
    };
    format!(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = {schema} AND table_name = {} ORDER BY ordinal_position",
        quote_literal(&table.name)
    )
}

/// Reads every row.
pub fn select_sql(table: &TrackingTable) -> String {
    format!(
        "SELECT version, name, description, checksum, batch, applied_at, duration_ms, failed_line FROM {} ORDER BY version",
        table.qualified()
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
        failed_line: text(7).and_then(|l| l.parse().ok()),
    })
}

/// Records `m` as applied in `batch`. With `duration_ms` `None`, the
/// duration is measured by the server since the start of the query the
/// insert is part of.
pub fn insert_sql(
    table: &TrackingTable,
    m: &Migration,
    batch: i32,
    duration_ms: Option<i64>,
    failed_line: Option<u32>,
) -> String {
    let description = m.description().map_or("NULL".to_string(), quote_literal);
    let duration = duration_ms.map_or(
        "(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::bigint"
            .to_string(),
        |d| d.to_string(),
    );
    let failed = failed_line.map_or("NULL".to_string(), |l| l.to_string());
    format!(
        "INSERT INTO {} (version, name, description, checksum, batch, applied_at, duration_ms, failed_line) VALUES ({}, {}, {description}, {}, {batch}, clock_timestamp(), {duration}, {failed})",
        table.qualified(),
        m.version(),
        quote_literal(m.name()),
        quote_literal(&m.checksum_hex()),
    )
}

/// Forgets a version.
pub fn delete_sql(table: &TrackingTable, version: i64) -> String {
    format!(
        "DELETE FROM {} WHERE version = {version}",
        table.qualified()
    )
}

/// Accepts the current checksum of `m`.
pub fn set_checksum_sql(table: &TrackingTable, m: &Migration) -> String {
    format!(
        "UPDATE {} SET checksum = {} WHERE version = {}",
        table.qualified(),
        quote_literal(&m.checksum_hex()),
        m.version()
    )
}

/// The advisory lock key of a tracking table: FNV-1a of its qualified name,
/// so runners of different tracking tables do not block each other.
pub fn lock_key(table: &TrackingTable) -> i64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in format!("sqlstrata:{}", table.qualified()).bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        let t = TrackingTable {
            schema: Some("my\"schema".into()),
            name: "Schema Migrations".into(),
        };
        assert_eq!(t.qualified(), "\"my\"\"schema\".\"Schema Migrations\"");
        assert!(create_sql(&t).starts_with("CREATE SCHEMA IF NOT EXISTS \"my\"\"schema\";"));
    }

    #[test]
    fn lock_keys_differ_per_table() {
        let a = TrackingTable::default();
        let b = TrackingTable {
            schema: Some("other".into()),
            ..TrackingTable::default()
        };
        assert_ne!(lock_key(&a), lock_key(&b));
        assert_eq!(lock_key(&a), lock_key(&TrackingTable::default()));
    }

    #[test]
    fn rows_parse_from_text() {
        let cells: Vec<Option<String>> =
            ["3", "x", "", "ab", "2", "2026-01-01 00:00:00+00", "12", ""]
                .iter()
                .map(|s| {
                    if s.is_empty() {
                        None
                    } else {
                        Some(s.to_string())
                    }
                })
                .collect();
        let row = parse_row(&cells).unwrap();
        assert_eq!(
            (row.version, row.batch, row.duration_ms, row.failed_line),
            (3, 2, 12, None)
        );
    }
}
