//! The verifier: proves that each DOWN undoes its UP.
//!
//! On an empty scratch database, each migration in turn is applied (UP),
//! undone (DOWN) and applied again; a catalog snapshot taken before the UP
//! and after the DOWN must be the same. What differs is reported as a
//! readable diff: objects the DOWN left behind, and objects it removed that
//! the UP did not create. The repeatable migrations then run once, after
//! every versioned UP, as `up` runs them: one that fails fails the
//! verification (they have no DOWN to prove).

use std::collections::BTreeSet;
use std::fmt;

use crate::Migrations;
use crate::error::{DbError, Error};
use crate::options::{Options, quote_literal};
use crate::plan::Operation;
use crate::run::{Progress, execute};
use crate::session::Session;

/// The schema objects a snapshot covers, one query each; every row is one
/// line of text describing one object (or one column of one).
const CATALOG: &[(&str, &str)] = &[
    (
        "relation",
        "SELECT format('%s %I.%I', CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view' \
         WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' WHEN 'S' THEN 'sequence' ELSE c.relkind::text END, n.nspname, c.relname) \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND {user_schema} AND {not_tracking}",
    ),
    (
        "column",
        "SELECT format('column %I.%I.%I %s%s%s', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), \
         CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')) \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {user_schema} AND {not_tracking}",
    ),
    (
        "constraint",
        "SELECT format('constraint %I on %I.%I: %s', con.conname, n.nspname, c.relname, pg_get_constraintdef(con.oid)) \
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE {user_schema} AND {not_tracking}",
    ),
    (
        "index",
        "SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {user_schema} AND {not_tracking}",
    ),
    (
        "view",
        "SELECT format('view definition %I.%I: %s', n.nspname, c.relname, pg_get_viewdef(c.oid)) FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND {user_schema}",
    ),
    (
        "sequence",
        "SELECT format('sequence %I.%I %s start %s increment %s', schemaname, sequencename, data_type, start_value, increment_by) \
         FROM pg_sequences WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    ),
    (
        "function",
        "SELECT format('function %I.%I(%s) returns %s, body md5 %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), \
         coalesce(pg_get_function_result(p.oid), '-'), md5(coalesce(p.prosrc, ''))) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE {user_schema} AND {not_guard} AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = p.oid AND dep.deptype = 'e')",
    ),
    (
        "type",
        "SELECT format('enum %I.%I (%s)', n.nspname, t.typname, string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)) \
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid WHERE {user_schema} \
         GROUP BY n.nspname, t.typname",
    ),
    (
        "domain",
        "SELECT format('domain %I.%I %s', n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod)) FROM pg_type t \
         JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'd' AND {user_schema}",
    ),
    (
        "trigger",
        "SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT t.tgisinternal AND t.tgname <> 'sqlstrata_seal_guard'",
    ),
    (
        "policy",
        "SELECT format('policy %I on %I.%I %s %s using %s check %s', policyname, schemaname, tablename, cmd, roles::text, \
         coalesce(qual, '-'), coalesce(with_check, '-')) FROM pg_policies",
    ),
    (
        "row level security",
        "SELECT format('row level security on %I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relrowsecurity AND {user_schema}",
    ),
    (
        "extension",
        "SELECT format('extension %I %s', extname, extversion) FROM pg_extension WHERE extname <> 'plpgsql'",
    ),
    (
        "schema",
        "SELECT format('schema %I', nspname) FROM pg_namespace n WHERE {user_schema} AND nspname <> 'public'",
    ),
];

/// A catalog snapshot: one line per object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Snapshot(pub(crate) BTreeSet<String>);

/// What a DOWN failed to undo: one entry of [`VerifyReport::findings`]
/// (see [`crate::Migrator::verify`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The migration's version.
    pub version: i64,
    /// Its file.
    pub file: String,
    /// Objects that exist after UP then DOWN but not before UP.
    pub left_behind: Vec<String>,
    /// Objects that existed before UP but not after UP then DOWN.
    pub removed: Vec<String>,
    /// The UP failed when run again after the DOWN (verification stops there).
    pub reapply_error: Option<String>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: the DOWN section does not undo the UP section",
            self.file
        )?;
        for line in &self.left_behind {
            writeln!(f, "  + {line}    (left behind by DOWN)")?;
        }
        for line in &self.removed {
            writeln!(f, "  - {line}    (removed by DOWN, not created by UP)")?;
        }
        if let Some(e) = &self.reapply_error {
            writeln!(f, "  and UP fails when run again after DOWN: {e}")?;
        }
        Ok(())
    }
}

/// What the verifier found: see [`crate::Migrator::verify`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct VerifyReport {
    /// The versions verified (UP, DOWN, UP).
    pub verified: Vec<i64>,
    /// The irreversible versions, applied but not verifiable.
    pub irreversible: Vec<i64>,
    /// The DOWNs that do not undo their UP.
    pub findings: Vec<Finding>,
    /// Versions not reached: a DOWN left a state its UP cannot run on again.
    pub unverified: Vec<i64>,
}

impl VerifyReport {
    /// Whether every DOWN undoes its UP.
    pub fn is_ok(&self) -> bool {
        self.findings.is_empty()
    }
}

async fn snapshot<S: Session>(session: &mut S, options: &Options) -> Result<Snapshot, Error> {
    let user_schema = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";
    let tracking = &options.tracking;
    let schema = tracking
        .schema
        .as_deref()
        .map_or("current_schema()".to_string(), quote_literal);
    // The tracking table, the repeatables' table beside it, and their keys.
    let not_tracking = [
        tracking.name.clone(),
        format!("{}_pkey", tracking.name),
        format!("{}_repeatables", tracking.name),
        format!("{}_repeatables_pkey", tracking.name),
    ]
    .iter()
    .map(|name| {
        format!(
            "NOT (c.relname = {} AND n.nspname = {schema})",
            quote_literal(name)
        )
    })
    .collect::<Vec<_>>()
    .join(" AND ");
    // The seal's guard (see `crate::seal`) is the tracking table's.
    let not_guard = format!(
        "NOT (p.proname = {} AND n.nspname = {schema})",
        quote_literal(&format!("{}_seal_guard", tracking.name)),
    );
    let mut lines = BTreeSet::new();
    for (what, sql) in CATALOG {
        let sql = sql
            .replace("{user_schema}", user_schema)
            .replace("{not_tracking}", &not_tracking)
            .replace("{not_guard}", &not_guard);
        let rows = session.query(&sql).await.map_err(|e| {
            let mut db = DbError::from_postgres(&e);
            db.message = format!("{what}: {}", db.message);
            Error::Database {
                doing: "taking a catalog snapshot",
                db,
            }
        })?;
        lines.extend(
            rows.into_iter()
                .filter_map(|r| r.into_iter().next().flatten()),
        );
    }
    // The tracking schema itself, when the run created it.
    if let Some(s) = &tracking.schema {
        lines.retain(|l| {
            l.strip_prefix("schema ")
                .is_none_or(|name| name.trim_matches('"') != s)
        });
    }
    Ok(Snapshot(lines))
}

/// The catalog snapshot `verify` compares (one line per object, the
/// tracking table left out), for `sqlstrata squash`'s proof.
#[doc(hidden)]
pub fn catalog_snapshot(
    client: &mut postgres::Client,
    options: &Options,
) -> Result<Vec<String>, Error> {
    crate::session::block_on(snapshot(
        &mut crate::session::Blocking::new(client),
        options,
    ))
    .map(|s| s.0.into_iter().collect())
}

/// Verifies `set` on the empty database behind `session`.
pub(crate) async fn run<S: Session>(
    session: &mut S,
    set: &Migrations,
    options: &Options,
    progress: Progress<'_>,
) -> Result<VerifyReport, Error> {
    let mut report = VerifyReport::default();
    // DOWN sections run here: never on a database that holds anything else.
    let before_all = snapshot(session, options).await?;
    if !before_all.0.is_empty() {
        return Err(Error::NotEmpty {
            objects: before_all.0.into_iter().take(5).collect(),
        });
    }
    for m in set {
        let up = Operation::Up {
            to: Some(m.version()),
        };
        if m.is_irreversible() {
            execute(session, set, up, options, progress).await?;
            report.irreversible.push(m.version());
            continue;
        }
        let before = snapshot(session, options).await?;
        execute(session, set, up, options, progress).await?;
        execute(
            session,
            set,
            Operation::Down { count: 1 },
            options,
            progress,
        )
        .await?;
        let after = snapshot(session, options).await?;
        let mut finding = Finding {
            version: m.version(),
            file: m.file_name().to_string(),
            left_behind: after.0.difference(&before.0).cloned().collect(),
            removed: before.0.difference(&after.0).cloned().collect(),
            reapply_error: None,
        };
        // UP again: the DOWN must leave a state the UP can run on.
        let reapplied = execute(session, set, up, options, progress).await;
        report.verified.push(m.version());
        if let Err(e) = reapplied {
            finding.reapply_error = Some(e.to_string());
            report.findings.push(finding);
            report.unverified = set
                .iter()
                .map(|n| n.version())
                .filter(|v| *v > m.version())
                .collect();
            break;
        }
        if before != after {
            report.findings.push(finding);
        }
    }
    // The repeatables, after every versioned UP, as `up` runs them.
    if report.unverified.is_empty() && !set.repeatables().is_empty() {
        execute(session, set, Operation::Up { to: None }, options, progress).await?;
    }
    Ok(report)
}
