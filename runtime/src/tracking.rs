//! The tracking table: its shape, and the SQL that reads and writes it.
//! Shared by both executors, so the SQL exists once.

use sqlstrata_model::Migration;
use sqlstrata_model::{history_digest, to_hex};

use crate::identity::Identity;
use crate::options::{TrackingTable, quote_ident, quote_literal};

/// The columns of a sqlstrata tracking table's rows, in order. The table
/// has one more, [`SEAL_COLUMN`], after them (a table an older sqlstrata
/// created lacks it until its owner's next run adds it).
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

/// The column that holds the seal ([`seal_sql`]), set on the row of the
/// highest version and NULL on every other.
pub const SEAL_COLUMN: &str = "seal";

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

/// The one query of a boot: is every migration of the set applied, and
/// nothing else? One row, whatever the number of migrations, and little more
/// for the server to plan and read than a hand-written `count(*),
/// max(version)`: the count of the rows (which catches rows deleted or added
/// by hand) and the seal the last run wrote into the row of the highest
/// version ([`seal_sql`]: the digest of the rows, and how many there were),
/// of the table the name resolves to here. For a set of `migrations`, the
/// seal is read as the count's scan passes each row while that is cheaper
/// than a second plan; from [`SEAL_LOOKUP_FROM`] migrations on, through the
/// primary key (one row, whatever the length of the history).
///
/// That table is the one [`crate::identity`] picks, except with several
/// sqlstrata histories of this name and none in the current schema, where
/// the identity rule asks for a schema: the boot then reports nothing to
/// do when the history the `search_path` finds matches the set exactly, and
/// otherwise falls back to the full read, which reports the ambiguity.
pub(crate) fn boot_sql(tracking: &TrackingTable, migrations: usize) -> String {
    let t = tracking.qualified();
    if migrations < SEAL_LOOKUP_FROM {
        format!("SELECT count(*), max({SEAL_COLUMN}) FROM {t}")
    } else {
        format!(
            "SELECT count(*), (SELECT {SEAL_COLUMN} FROM {t} ORDER BY version DESC LIMIT 1) FROM {t}"
        )
    }
}

/// From how many migrations on a boot looks the seal up by the primary key
/// (the boot query): below, reading the seal's column of every row the count
/// scans costs less than planning the lookup; above, more (measured in
/// BENCHMARKS.md: 0.03 ms more at 10 rows, 0.3 ms less at 10,000).
pub const SEAL_LOOKUP_FROM: usize = 1000;

/// Whether this role may write the seal: it may update the table, and the
/// table has the seal's column or the role owns it (and so may add it).
pub(crate) fn can_seal_sql(tracking: &TrackingTable) -> String {
    format!(
        "SELECT has_table_privilege(c.oid, 'UPDATE') AND ({has_column} OR pg_has_role(c.relowner, 'USAGE')) \
         FROM pg_class c WHERE c.oid = to_regclass({name})",
        has_column = has_seal_column("c.oid"),
        name = quote_literal(&tracking.qualified()),
    )
}

/// Whether relation `oid_expr` has the seal's column.
fn has_seal_column(oid_expr: &str) -> String {
    format!(
        "EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = {oid_expr} AND a.attname = {} AND NOT a.attisdropped)",
        quote_literal(SEAL_COLUMN)
    )
}

/// The prefix of a seal, which holds the digest of the rows as the last run
/// left them.
pub(crate) const SEAL: &str = "sqlstrata digest ";

/// The digest of rows as the set sees them ([`sqlstrata_model::history_digest`]).
pub(crate) fn rows_digest(rows: &[AppliedRow]) -> String {
    to_hex(&history_digest(
        rows.iter()
            .map(|r| (r.version, r.checksum.as_str(), r.state.as_str())),
    ))
}

/// Writes the seal into the row of the highest version, and clears it from
/// any other: the digest of the rows as the set sees them, and how many
/// rows the table holds, so that a boot reads one short value instead of
/// every row. A table an older sqlstrata created gets the seal's column
/// first. It never waits long for a lock ([`SEAL_LOCK_TIMEOUT`]): adding
/// the column queues every boot's read behind it while it waits. Best
/// effort, never an error: without it (a role that may not update the
/// table, or not add the column to an older one; the table or the row busy;
/// a run killed before the end) the boot finds no match and reads the rows.
pub(crate) fn seal_sql(id: &Identity, digest: &str, rows: usize) -> String {
    let name = quote_literal(&id.qualified());
    format!(
        "DO $sqlstrata$ BEGIN \
         PERFORM set_config('lock_timeout', '{SEAL_LOCK_TIMEOUT}', true); \
         IF NOT {has_column} THEN \
         EXECUTE format('ALTER TABLE %s ADD COLUMN {SEAL_COLUMN} TEXT', {name}); \
         END IF; \
         EXECUTE format('UPDATE %1$s SET {SEAL_COLUMN} = CASE WHEN version = m.top THEN %2$L END \
         FROM (SELECT max(version) AS top FROM %1$s) m \
         WHERE (version = m.top AND {SEAL_COLUMN} IS DISTINCT FROM %2$L) OR (version <> m.top AND {SEAL_COLUMN} IS NOT NULL)', {name}, {seal}); \
         EXCEPTION WHEN OTHERS THEN NULL; END $sqlstrata$",
        has_column = has_seal_column(&format!("to_regclass({name})")),
        seal = quote_literal(&format!("{SEAL}{digest} rows {rows}")),
    )
}

/// How long writing the seal waits for a lock on the tracking table or its
/// top row before giving up (the next run seals).
const SEAL_LOCK_TIMEOUT: &str = "200ms";

/// What [`boot_sql`] answered. The default is what a boot that could not
/// be read says (a table without the seal's column, or none at all):
/// nothing is sealed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Boot {
    /// The number of rows.
    pub rows: i64,
    /// The digest of the seal, empty when there is none.
    pub digest: String,
    /// How many rows the table had when sealed.
    pub sealed_rows: Option<i64>,
}

impl Boot {
    pub(crate) fn parse(cells: &[Option<String>]) -> Option<Boot> {
        let text = |i: usize| cells.get(i).cloned().flatten();
        let rows = text(0)?.parse().ok()?;
        if rows == 0 {
            // No row to hold a seal, and nothing to seal: the empty history.
            return Some(Boot {
                rows,
                digest: rows_digest(&[]),
                sealed_rows: Some(0),
            });
        }
        let seal = text(1).and_then(|c| c.strip_prefix(SEAL).map(str::to_string));
        let (digest, sealed_rows) = seal
            .as_deref()
            .and_then(|s| s.split_once(" rows "))
            .map_or((String::new(), None), |(d, n)| {
                (d.to_string(), n.trim().parse().ok())
            });
        Some(Boot {
            rows,
            digest,
            sealed_rows,
        })
    }

    /// Whether the seal is of this very table (no row added or removed
    /// since) and says `digest`.
    pub(crate) fn matches(&self, digest: &str) -> bool {
        self.sealed_rows == Some(self.rows) && self.digest == digest
    }

    /// Whether the seal is of `rows` (`raw` of them in the table) as they are.
    pub(crate) fn seals(&self, rows: &[AppliedRow], raw: usize) -> bool {
        self.sealed_rows == i64::try_from(raw).ok()
            && self.rows == i64::try_from(raw).unwrap_or(-1)
            && self.digest == rows_digest(rows)
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

/// Records `m` as applied by another tool: in `batch`, at `applied_at` (a
/// timestamp PostgreSQL can read; now when unknown), with no duration.
#[cfg(feature = "cli")]
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
    format!(
        "INSERT INTO {} (version, name, description, checksum, batch, applied_at, duration_ms, state) VALUES ({}, {}, {description}, {}, {batch}, {at}, 0, 'applied')",
        id.qualified(),
        m.version(),
        quote_literal(m.name()),
        quote_literal(&m.checksum_hex()),
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

    #[test]
    fn a_boot_is_trusted_only_when_sealed_and_counted() {
        let cells =
            |rows: &str, seal: Option<&str>| vec![Some(rows.to_string()), seal.map(str::to_string)];
        let digest = "ab".repeat(32);
        let sealed = format!("{SEAL}{digest} rows 3");
        let boot = Boot::parse(&cells("3", Some(&sealed))).unwrap();
        assert!(boot.matches(&digest));
        assert!(!boot.matches(&"cd".repeat(32)), "another set");
        let deleted = Boot::parse(&cells("2", Some(&sealed))).unwrap();
        assert!(!deleted.matches(&digest), "a row deleted by hand");
        let bare = Boot::parse(&cells("3", None)).unwrap();
        assert!(!bare.matches(&digest));
        let old = Boot::parse(&cells("3", Some(&format!("{SEAL}{digest}")))).unwrap();
        assert!(!old.matches(&digest), "a seal without its row count");
        let users = Boot::parse(&cells("3", Some(&format!("my table {digest} rows 3")))).unwrap();
        assert!(!users.matches(&digest), "a comment that is not a seal");
        assert_eq!(Boot::parse(&cells("x", None)), None);
        // No row, so no seal: the empty history, and only it.
        let empty = Boot::parse(&cells("0", None)).unwrap();
        assert!(empty.matches(&rows_digest(&[])));
        assert!(empty.seals(&[], 0));
        assert!(!empty.matches(&digest));
        let unread = Boot::default();
        assert!(!unread.matches(&rows_digest(&[])) && !unread.seals(&[], 0));
    }

    #[test]
    fn a_long_history_looks_its_seal_up_by_the_primary_key() {
        let t = TrackingTable {
            schema: None,
            name: "schema_migrations".into(),
        };
        let scan = "SELECT count(*), max(seal) FROM \"schema_migrations\"";
        assert_eq!(boot_sql(&t, 0), scan);
        assert_eq!(boot_sql(&t, SEAL_LOOKUP_FROM - 1), scan);
        assert_eq!(
            boot_sql(&t, SEAL_LOOKUP_FROM),
            "SELECT count(*), (SELECT seal FROM \"schema_migrations\" ORDER BY version DESC LIMIT 1) FROM \"schema_migrations\""
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
    fn a_seal_is_rewritten_unless_it_is_of_these_very_rows() {
        let row = |v: i64| AppliedRow {
            version: v,
            name: format!("m{v}"),
            description: None,
            checksum: "ab".repeat(32),
            batch: 1,
            applied_at: String::new(),
            duration_ms: 0,
            state: RowState::Applied,
            failed_line: None,
        };
        let rows = vec![row(1), row(2), row(3)];
        let boot = |count: i64, sealed: Option<i64>, digest: String| Boot {
            rows: count,
            digest,
            sealed_rows: sealed,
        };
        let digest = rows_digest(&rows);
        assert!(boot(3, Some(3), digest.clone()).seals(&rows, 3));
        assert!(
            !boot(3, Some(3), digest.clone()).seals(&rows, 4),
            "raw rows differ"
        );
        assert!(
            !boot(2, Some(3), digest.clone()).seals(&rows, 3),
            "counted differ"
        );
        assert!(
            !boot(3, Some(2), digest.clone()).seals(&rows, 3),
            "sealed differ"
        );
        assert!(!boot(3, None, digest.clone()).seals(&rows, 3), "no seal");
        assert!(
            !boot(3, Some(3), "00".repeat(32)).seals(&rows, 3),
            "other rows"
        );
        assert_ne!(rows_digest(&rows[..2]), digest);
    }

    #[test]
    fn writes_name_the_table_and_quote_their_values() {
        assert_eq!(
            set_checksum_sql(&id(), &migration()),
            format!(
                "UPDATE \"my\"\"schema\".\"Schema Migrations\" SET checksum = '{}' WHERE version = 7",
                "cd".repeat(32)
            )
        );
        assert_eq!(
            delete_sql(&id(), 7),
            "DELETE FROM \"my\"\"schema\".\"Schema Migrations\" WHERE version = 7"
        );
    }

    #[cfg(feature = "cli")]
    #[test]
    fn adopted_rows_keep_their_time_or_take_now() {
        let sql = adopt_sql(&id(), &migration(), 2, Some("2024-05-01 10:00:00+00"));
        assert_eq!(
            sql,
            format!(
                "INSERT INTO \"my\"\"schema\".\"Schema Migrations\" (version, name, description, checksum, batch, applied_at, duration_ms, state) VALUES (7, 'it''s', 'a ''quoted'' one', '{}', 2, '2024-05-01 10:00:00+00'::timestamptz, 0, 'applied')",
                "cd".repeat(32)
            )
        );
        assert!(
            adopt_sql(&id(), &migration(), 1, None).contains(", clock_timestamp(), 0, 'applied')")
        );
    }
}
