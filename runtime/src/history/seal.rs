//! The boot's seal: how an application that starts with nothing to do
//! learns it in one round trip that reads one row.
//!
//! Each run ends by writing a seal into the row of the highest version: the
//! digest of the tracking rows as the set sees them. A boot reads that one
//! row by the primary key and compares the digest with the one the macro
//! computed for the set: equal, nothing is pending and nothing drifted.
//!
//! For the seal to be trusted, any change to the table that is not the
//! runner's own must void it. A statement-level trigger on the table (the
//! guard) clears every seal after any insert, update or delete that does
//! not carry the runner's mark (`SET LOCAL sqlstrata.writing = 'on'`, which
//! every write of the runner's carries); a truncate leaves no row to hold
//! one. A hand edit that keeps the row count (an `UPDATE` of a checksum) is
//! seen too. The seal is written under a lock that keeps writers out while
//! the rows are read and sealed, so an edit cannot slip in between.
//!
//! The repeatables' records (`<table>_repeatables`, see
//! `crate::history::repeatable`) are part of the digest, and the same guard stands
//! on their table, a truncate included (it leaves the tracking table's
//! seal, which must then go).
//!
//! The owner's guard fires always, also where triggers are off
//! (`session_replication_role = replica`: a restore, a replication apply).
//!
//! The guard needs the table's owner (or the `TRIGGER` privilege) and
//! `CREATE` on its schema (for its function, which runs as its owner, so
//! that a role that may only delete rows can still clear the seal). A role that cannot make it
//! seals with the count of rows instead (a boot then also counts, still
//! exact for rows added or removed, not for an edit in place) and a role
//! that may not update the table does not seal at all: its boots read every
//! row. Dropping or disabling the guard by hand is not seen until the next
//! run with work puts it back.

use sqlstrata_model::to_hex;

use crate::history::identity::Identity;
use crate::options::{TrackingTable, quote_ident, quote_literal};
use sqlstrata_model::Migrations;

use crate::history::repeatable;
use crate::history::tracking::{OWN, SEAL_COLUMN};
use crate::options::Options;
use crate::plan::history::History;
use crate::session::Session;

/// The trigger's name on the tracking table.
pub(crate) const GUARD: &str = "sqlstrata_seal_guard";

/// The one query of a boot: the seal on the row of the highest version,
/// through the primary key (one row, whatever the history's length).
pub(crate) fn boot_sql(tracking: &TrackingTable) -> String {
    format!(
        "SELECT {SEAL_COLUMN} FROM {} ORDER BY version DESC LIMIT 1",
        tracking.qualified()
    )
}

/// The count a boot needs besides a counted seal's.
pub(crate) fn count_sql(tracking: &TrackingTable) -> String {
    format!("SELECT count(*) FROM {}", tracking.qualified())
}

/// A seal, as written and read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Seal {
    /// None (cleared by the guard, never written, or unreadable).
    #[default]
    None,
    /// Written where the guard stands: the digest alone is trusted.
    Guarded(String),
    /// Written where it cannot: trusted with the number of rows it saw.
    Counted(String, i64),
}

const GUARDED: &str = "sqlstrata guarded ";
const COUNTED: &str = "sqlstrata digest ";

impl Seal {
    fn text(&self) -> Option<String> {
        match self {
            Seal::None => None,
            Seal::Guarded(d) => Some(format!("{GUARDED}{d}")),
            Seal::Counted(d, n) => Some(format!("{COUNTED}{d} rows {n}")),
        }
    }

    fn parse(text: Option<&str>) -> Seal {
        let Some(t) = text else { return Seal::None };
        if let Some(d) = t.strip_prefix(GUARDED) {
            return Seal::Guarded(d.to_string());
        }
        t.strip_prefix(COUNTED)
            .and_then(|rest| rest.split_once(" rows "))
            .and_then(|(d, n)| Some(Seal::Counted(d.to_string(), n.trim().parse().ok()?)))
            .unwrap_or(Seal::None)
    }
}

/// What a boot read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Boot {
    /// The table has no row (an empty history).
    pub empty: bool,
    /// The top row's seal.
    pub seal: Seal,
    /// The number of rows, for a counted seal.
    pub rows: Option<i64>,
}

impl Boot {
    /// From the rows of [`boot_sql`]: no row is the empty history.
    pub(crate) fn parse(rows: &[Vec<Option<String>>]) -> Boot {
        match rows.first() {
            None => Boot {
                empty: true,
                ..Boot::default()
            },
            Some(r) => Boot {
                empty: false,
                seal: Seal::parse(r.first().cloned().flatten().as_deref()),
                rows: None,
            },
        }
    }

    /// Whether a boot needs the count too (a counted seal).
    pub(crate) fn needs_count(&self) -> bool {
        matches!(self.seal, Seal::Counted(..))
    }

    /// Whether the table holds exactly the set whose digest is `digest`.
    pub(crate) fn matches(&self, digest: &str) -> bool {
        if self.empty {
            return digest == History::default().digest();
        }
        match &self.seal {
            Seal::Guarded(d) => d == digest,
            Seal::Counted(d, n) => d == digest && self.rows == Some(*n),
            Seal::None => false,
        }
    }

    /// Whether the seal already says what `history` holds, the guard
    /// standing (or, `guardable` false, as well as it can be said).
    pub(crate) fn seals(&self, history: &History, guardable: bool) -> bool {
        let raw = history.raw;
        if self.empty {
            return raw == 0 && history.repeatables.is_empty();
        }
        let digest = history.digest();
        match &self.seal {
            Seal::Guarded(d) => *d == digest,
            Seal::Counted(d, n) => {
                !guardable && *d == digest && i64::try_from(raw).ok() == Some(*n)
            }
            Seal::None => false,
        }
    }
}

/// What the role may do about the seal of `tracking`: update the table
/// (write a seal), and have the guard (it stands, or the role may make it:
/// the table's owner, or `TRIGGER`, with `CREATE` on the schema).
pub(crate) fn can_sql(tracking: &TrackingTable) -> String {
    let name = quote_literal(&tracking.qualified());
    format!(
        "SELECT has_table_privilege(c.oid, 'UPDATE') AND ({column} OR pg_has_role(c.relowner, 'USAGE')), \
         EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = {guard} AND t.tgenabled <> 'D') \
         OR ((pg_has_role(c.relowner, 'USAGE') OR has_table_privilege(c.oid, 'TRIGGER')) \
         AND has_schema_privilege(c.relnamespace, 'CREATE')) \
         FROM pg_class c WHERE c.oid = to_regclass({name})",
        column = has_seal_column("c.oid"),
        guard = quote_literal(GUARD),
    )
}

/// Whether relation `oid_expr` has the seal's column.
fn has_seal_column(oid_expr: &str) -> String {
    format!(
        "EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = {oid_expr} AND a.attname = {} AND NOT a.attisdropped)",
        quote_literal(SEAL_COLUMN)
    )
}

/// What [`can_sql`] answered: (may seal, may have the guard).
pub(crate) fn parse_can(rows: &[Vec<Option<String>>]) -> (bool, bool) {
    let cell = |i: usize| {
        rows.first()
            .and_then(|r| r.get(i))
            .cloned()
            .flatten()
            .as_deref()
            == Some("t")
    };
    (cell(0), cell(1))
}

/// How long sealing waits for a lock on the tracking table before giving up
/// (the next run seals): adding the column queues every boot's read behind
/// it while it waits.
const LOCK_TIMEOUT: &str = "200ms";

/// The first statements of the seal's transaction: a short lock wait, then
/// the table locked against writers (boots read on), the seal's column
/// added to a table an older sqlstrata made, and the guard made (when
/// `guard`), each only if missing.
pub(crate) fn prepare_sql(id: &Identity, guard: bool) -> String {
    let table = id.qualified();
    let name = quote_literal(&table);
    let function = format!(
        "{}.{}",
        quote_ident(&id.schema),
        quote_ident(&format!("{}_seal_guard", id.table))
    );
    let mut sql = format!(
        "SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'; LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE; \
         DO $sqlstrata$ BEGIN IF NOT {has_column} THEN \
         EXECUTE format('ALTER TABLE %s ADD COLUMN {SEAL_COLUMN} TEXT', {name}); END IF; END $sqlstrata$",
        has_column = has_seal_column(&format!("to_regclass({name})")),
    );
    // The repeatables' table, when there is one: locked the same way, and
    // guarded by the same function.
    let beside = repeatable::table(id).qualified();
    let beside_name = quote_literal(&beside);
    sql.push_str(&format!(
        "; DO $sqlstrata$ BEGIN IF to_regclass({beside_name}) IS NOT NULL THEN \
         EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', {beside_name}); END IF; END $sqlstrata$"
    ));
    if guard {
        let body = format!(
            "BEGIN IF pg_trigger_depth() > 1 OR current_setting('sqlstrata.writing', true) = 'on' THEN RETURN NULL; END IF; \
             UPDATE {table} SET {SEAL_COLUMN} = NULL WHERE {SEAL_COLUMN} IS NOT NULL; RETURN NULL; END"
        );
        sql.push_str(&format!(
            "; DO $sqlstrata$ BEGIN IF NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = to_regclass({name}) AND tgname = {guard_name} AND tgenabled <> 'D') THEN \
             EXECUTE {create_function}; \
             EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', {guard_name}, {name}); \
             EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH STATEMENT EXECUTE FUNCTION {function}()', {guard_name}, {name}); \
             IF pg_has_role((SELECT relowner FROM pg_class WHERE oid = to_regclass({name})), 'USAGE') THEN \
             EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', {name}, {guard_name}); END IF; \
             END IF; \
             IF to_regclass({beside_name}) IS NOT NULL AND NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = to_regclass({beside_name}) AND tgname = {guard_name} AND tgenabled <> 'D') THEN \
             EXECUTE {create_function}; \
             EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', {guard_name}, {beside_name}); \
             EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION {function}()', {guard_name}, {beside_name}); \
             IF pg_has_role((SELECT relowner FROM pg_class WHERE oid = to_regclass({beside_name})), 'USAGE') THEN \
             EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', {beside_name}, {guard_name}); END IF; \
             END IF; END $sqlstrata$",
            guard_name = quote_literal(GUARD),
            create_function = quote_literal(&format!(
                "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS {}",
                quote_literal(&body)
            )),
        ));
    }
    sql
}

/// Writes `seal` on the row of the highest version and clears it from any
/// other, as the runner's own write.
pub(crate) fn write_sql(id: &Identity, seal: &Seal) -> String {
    let table = id.qualified();
    let value = seal
        .text()
        .map_or("NULL".to_string(), |t| quote_literal(&t));
    format!(
        "{OWN}; UPDATE {table} SET {SEAL_COLUMN} = CASE WHEN version = m.top THEN {value} END \
         FROM (SELECT max(version) AS top FROM {table}) m \
         WHERE (version = m.top AND {SEAL_COLUMN} IS DISTINCT FROM {value}) OR (version <> m.top AND {SEAL_COLUMN} IS NOT NULL)"
    )
}

/// The seal of `history`, guarded or counted (by the tracking table's
/// rows).
pub(crate) fn of(history: &History, guarded: bool) -> Seal {
    let digest = history.digest();
    if guarded {
        Seal::Guarded(digest)
    } else {
        Seal::Counted(digest, i64::try_from(history.raw).unwrap_or(i64::MAX))
    }
}

/// The digest a boot compares: the set's.
pub(crate) fn set_digest(set: &sqlstrata_model::Migrations) -> String {
    to_hex(set.applied_digest())
}

/// Whether this role may seal the tracking table, and have its guard.
pub(crate) async fn can_seal<S: Session>(session: &mut S, options: &Options) -> (bool, bool) {
    session
        .query(&can_sql(&options.tracking))
        .await
        .map(|rows| parse_can(&rows))
        .unwrap_or((false, false))
}

/// Seals the tracking table with the digest of its rows as `set` sees them:
/// in a transaction that keeps writers out (waiting at most a moment for
/// them), the guard made first where the role may make it. Best effort:
/// when anything fails the table stays unsealed and the next run seals.
pub(crate) async fn write<S: Session>(
    session: &mut S,
    set: &Migrations,
    id: &Identity,
    options: &Options,
) {
    let (may, guard) = can_seal(session, options).await;
    if !may {
        return;
    }
    let sealed = async {
        session.query("BEGIN").await.ok()?;
        session.query(&prepare_sql(id, guard)).await.ok()?;
        let history = crate::history::read::read(session, set, id).await.ok()?;
        session
            .query(&write_sql(id, &of(&history, guard)))
            .await
            .ok()?;
        session.query("COMMIT").await.ok()
    }
    .await;
    if sealed.is_none() {
        let _ = session.query("ROLLBACK").await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::history::RepeatableRow;
    use crate::plan::history::{AppliedRow, RowState};

    fn history(rows: &[AppliedRow], raw: usize) -> History {
        History {
            rows: rows.to_vec(),
            repeatables: Vec::new(),
            raw,
        }
    }

    fn row(v: i64) -> AppliedRow {
        AppliedRow {
            version: v,
            name: format!("m{v}"),
            description: None,
            checksum: "ab".repeat(32),
            batch: 1,
            applied_at: String::new(),
            duration_ms: 0,
            state: RowState::Applied,
            failed_line: None,
        }
    }

    fn boot(seal: Option<&str>) -> Boot {
        Boot::parse(&[vec![seal.map(str::to_string)]])
    }

    #[test]
    fn a_boot_trusts_a_guarded_seal_and_a_counted_one_with_its_count() {
        let d = "ab".repeat(32);
        let guarded = boot(Some(&format!("{GUARDED}{d}")));
        assert!(guarded.matches(&d) && !guarded.needs_count());
        assert!(!guarded.matches(&"cd".repeat(32)), "another set");
        let mut counted = boot(Some(&format!("{COUNTED}{d} rows 3")));
        assert!(counted.needs_count());
        assert!(!counted.matches(&d), "not without its count");
        counted.rows = Some(3);
        assert!(counted.matches(&d));
        counted.rows = Some(2);
        assert!(!counted.matches(&d), "a row deleted by hand");
        for other in [
            None,
            Some("my note"),
            Some("sqlstrata digest x"),
            Some(GUARDED.trim()),
        ] {
            assert!(!boot(other).matches(&d), "{other:?}");
        }
        // No row: the empty history, and only it.
        let empty = Boot::parse(&[]);
        let none = History::default().digest();
        assert!(empty.empty && empty.matches(&none) && !empty.matches(&d));
        assert!(!Boot::default().matches(&none), "unread: nothing sealed");
    }

    #[test]
    fn a_seal_is_written_again_unless_it_says_these_rows_as_well_as_it_can() {
        let rows = vec![row(1), row(2)];
        let both = history(&rows, 2);
        let guarded = Boot {
            empty: false,
            seal: of(&both, true),
            rows: None,
        };
        assert!(guarded.seals(&both, true));
        assert!(!guarded.seals(&history(&rows[..1], 1), true), "other rows");
        let mut with_views = both.clone();
        with_views.repeatables.push(RepeatableRow {
            name: "views".into(),
            checksum: "cd".into(),
            batch: 1,
            applied_at: String::new(),
        });
        assert!(!guarded.seals(&with_views, true), "a repeatable's record");
        assert_ne!(with_views.digest(), both.digest());
        let counted = Boot {
            empty: false,
            seal: of(&both, false),
            rows: Some(2),
        };
        assert!(counted.seals(&both, false));
        assert!(
            !counted.seals(&both, true),
            "the guard can be had: sealed again, guarded"
        );
        assert!(!counted.seals(&history(&rows, 3), false), "raw rows differ");
        assert!(Boot::parse(&[]).seals(&History::default(), true));
        assert!(
            !Boot::parse(&[]).seals(&with_views, true),
            "records beside an empty table"
        );
        assert!(!Boot::default().seals(&both, false));
    }

    #[test]
    fn seals_read_back_as_written() {
        for s in [Seal::Guarded("ab".into()), Seal::Counted("cd".into(), 7)] {
            assert_eq!(Seal::parse(s.text().as_deref()), s);
        }
        assert_eq!(Seal::parse(None), Seal::None);
        assert_eq!(Seal::None.text(), None);
    }

    #[test]
    fn the_seals_sql_names_the_table_and_marks_its_write() {
        let id = Identity {
            database: "db".into(),
            schema: "app".into(),
            table: "it's".into(),
        };
        let w = write_sql(&id, &Seal::Guarded("ab".into()));
        assert!(
            w.starts_with("SET LOCAL sqlstrata.writing = 'on'; UPDATE \"app\".\"it's\""),
            "{w}"
        );
        assert!(w.contains("'sqlstrata guarded ab'"), "{w}");
        let p = prepare_sql(&id, true);
        assert!(p.starts_with("SET LOCAL lock_timeout = '200ms'; LOCK TABLE \"app\".\"it's\" IN SHARE ROW EXCLUSIVE MODE"), "{p}");
        assert!(
            p.contains("CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE"),
            "{p}"
        );
        assert!(
            p.contains("CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s"),
            "the repeatables' table: {p}"
        );
        assert!(p.contains("'\"app\".\"it''s_repeatables\"'"), "{p}");
        assert!(!prepare_sql(&id, false).contains("TRIGGER"));
        assert_eq!(
            boot_sql(&TrackingTable::default()),
            "SELECT seal FROM \"schema_migrations\" ORDER BY version DESC LIMIT 1"
        );
    }
}
