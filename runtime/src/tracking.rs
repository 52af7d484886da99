//! The tracking table: its shape, and the SQL that reads and writes it.
//! Shared by both executors, so the SQL exists once.

use sqlstrata_model::Migration;

use crate::identity::{Identity, is_ours};
use crate::options::{TrackingTable, quote_ident, quote_literal};

/// The columns a sqlstrata tracking table has, in order.
pub const COLUMNS: &[&str] = &[
    "version",
    "name",
    "description",
    "checksum",
    "batch",
    "applied_at",
    "duration_ms",
    "state",
    "failed_line",
];

/// What a row says about its migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    /// Applied (or recorded by `baseline`).
    Applied,
    /// A `no-transaction` UP started; the row is written before its first
    /// statement, so a run that dies leaves this behind.
    Applying,
    /// A `no-transaction` DOWN started, likewise.
    Reverting,
    /// A `no-transaction` UP failed part-way, at `failed_line`.
    Failed,
    /// A `no-transaction` DOWN failed part-way, at `failed_line`.
    FailedDown,
}

impl RowState {
    /// The text stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Applied => "applied",
            RowState::Applying => "applying",
            RowState::Reverting => "reverting",
            RowState::Failed => "failed",
            RowState::FailedDown => "failed_down",
        }
    }

    fn parse(text: &str) -> Option<RowState> {
        Some(match text {
            "applied" => RowState::Applied,
            "applying" => RowState::Applying,
            "reverting" => RowState::Reverting,
            "failed" => RowState::Failed,
            "failed_down" => RowState::FailedDown,
            _ => return None,
        })
    }

    /// Whether the migration is fully applied.
    pub fn is_applied(self) -> bool {
        self == RowState::Applied
    }

    /// Whether a DOWN was under way (so the migration was applied before).
    pub fn was_reverting(self) -> bool {
        matches!(self, RowState::Reverting | RowState::FailedDown)
    }
}

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
    /// Applied, or a `no-transaction` run that did not finish.
    pub state: RowState,
    /// For a failed `no-transaction` migration: the line of the statement
    /// that failed (`None` when the run was interrupted).
    pub failed_line: Option<i32>,
}

/// Creates the table (and its schema) when missing.
pub fn create_sql(id: &Identity) -> String {
    format!(
        "CREATE SCHEMA IF NOT EXISTS {schema};\n\
         CREATE TABLE IF NOT EXISTS {table} (\n\
         version BIGINT PRIMARY KEY,\n\
         name TEXT NOT NULL,\n\
         description TEXT,\n\
         checksum TEXT NOT NULL,\n\
         batch INTEGER NOT NULL,\n\
         applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),\n\
         duration_ms BIGINT NOT NULL DEFAULT 0,\n\
         state TEXT NOT NULL DEFAULT 'applied' CHECK (state IN ('applied', 'applying', 'reverting', 'failed', 'failed_down')),\n\
         failed_line INTEGER\n)",
        schema = quote_ident(&id.schema),
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

/// The one query of a boot: is every migration of the set applied, and
/// nothing else? One row, whatever the number of migrations: the database,
/// the current schema, which schema the unqualified name resolves to and
/// whether that is a sqlstrata table, how many sqlstrata tables of that name
/// the database has, and the count and digest of the rows
/// ([`sqlstrata_model::applied_digest`]'s formula). It reads the table as
/// the name resolves in this very statement, and says where that was, so the
/// caller can check it is the table [`crate::identity`] would pick.
pub(crate) fn boot_sql(tracking: &TrackingTable) -> String {
    let name_literal = quote_literal(&tracking.qualified());
    format!(
        "SELECT current_database(), current_schema(), \
         (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass({name_literal})), \
         {resolved_ours}, \
         (SELECT count(*) FROM pg_class c WHERE c.relname = {bare} AND {ours}), \
         count(*), \
         encode(sha256(convert_to(coalesce(string_agg(t.version::text || ' ' || t.checksum || ' ' || t.state, E'\\n' ORDER BY t.version), ''), 'UTF8')), 'hex') \
         FROM {table} t",
        resolved_ours = is_ours(&format!("to_regclass({name_literal})")),
        bare = quote_literal(&tracking.name),
        ours = is_ours("c.oid"),
        table = tracking.qualified(),
    )
}

/// What [`boot_sql`] answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Boot {
    pub database: String,
    pub current_schema: Option<String>,
    pub resolved_schema: Option<String>,
    pub resolved_is_ours: bool,
    pub ours: i64,
    pub rows: i64,
    pub digest: String,
}

impl Boot {
    pub(crate) fn parse(cells: &[Option<String>]) -> Option<Boot> {
        let text = |i: usize| cells.get(i).cloned().flatten();
        Some(Boot {
            database: text(0)?,
            current_schema: text(1),
            resolved_schema: text(2),
            resolved_is_ours: text(3).as_deref() == Some("t"),
            ours: text(4)?.parse().ok()?,
            rows: text(5)?.parse().ok()?,
            digest: text(6)?,
        })
    }

    /// The identity the boot read, when it is the one [`crate::identity`]
    /// resolves to: a sqlstrata table, and the only one of its name unless
    /// the schema was given.
    pub(crate) fn identity(&self, tracking: &TrackingTable) -> Option<Identity> {
        let schema = self.resolved_schema.clone()?;
        let unique = tracking.schema.is_some() || self.ours == 1;
        (self.resolved_is_ours && unique).then(|| Identity {
            database: self.database.clone(),
            schema,
            table: tracking.name.clone(),
        })
    }
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
    format!(
        "INSERT INTO {} (version, name, description, checksum, batch, applied_at, duration_ms, state) VALUES ({}, {}, {description}, {}, {batch}, clock_timestamp(), {}, '{}')",
        id.qualified(),
        m.version(),
        quote_literal(m.name()),
        quote_literal(&m.checksum_hex()),
        duration(duration_ms),
        state.as_str(),
    )
}

fn duration(ms: Option<i64>) -> String {
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
    format!(
        "UPDATE {} SET state = '{}', failed_line = {failed}{timing} WHERE version = {version}",
        id.qualified(),
        state.as_str()
    )
}

/// Forgets a version.
pub fn delete_sql(id: &Identity, version: i64) -> String {
    format!("DELETE FROM {} WHERE version = {version}", id.qualified())
}

/// Accepts the current checksum of `m`.
pub fn set_checksum_sql(id: &Identity, m: &Migration) -> String {
    format!(
        "UPDATE {} SET checksum = {} WHERE version = {}",
        id.qualified(),
        quote_literal(&m.checksum_hex()),
        m.version()
    )
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
        assert!(create_sql(&id()).starts_with("CREATE SCHEMA IF NOT EXISTS \"my\"\"schema\";"));
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

    #[test]
    fn a_boot_is_trusted_only_for_the_table_identity_picks() {
        let boot = Boot {
            database: "db".into(),
            current_schema: Some("app".into()),
            resolved_schema: Some("public".into()),
            resolved_is_ours: true,
            ours: 1,
            rows: 3,
            digest: String::new(),
        };
        let default = TrackingTable::default();
        assert_eq!(
            boot.identity(&default).map(|i| i.schema),
            Some("public".into())
        );
        let two = Boot {
            ours: 2,
            ..boot.clone()
        };
        assert_eq!(two.identity(&default), None, "another history elsewhere");
        let foreign = Boot {
            resolved_is_ours: false,
            ..boot.clone()
        };
        assert_eq!(foreign.identity(&default), None);
        let given = TrackingTable {
            schema: Some("public".into()),
            ..TrackingTable::default()
        };
        assert!(
            two.identity(&given).is_some(),
            "a schema given is the identity"
        );
    }
}
