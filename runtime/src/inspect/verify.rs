//! The verifier: proves that each DOWN undoes its UP.
//!
//! On an empty scratch database, each migration in turn is applied (UP),
//! undone (DOWN) and applied again; a catalog snapshot taken before the UP
//! and after the DOWN must be the same. What differs is reported as a
//! readable diff: objects the DOWN left behind, and objects it removed that
//! the UP did not create. The repeatable migrations then run once, after
//! every versioned UP, as `up` runs them: one that fails fails the
//! verification (they have no DOWN to prove).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::Migrations;
use crate::error::Error;
use crate::inspect::catalog;
use crate::options::{Options, quote_literal};
use crate::plan::Operation;
use crate::run::{Progress, execute};
use crate::session::Session;

/// A catalog snapshot as lines (see [`crate::inspect::catalog`]).
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
    /// With data ([`crate::Migrator::verify_with_data`]): the tables whose
    /// rows after UP then DOWN are not the rows before UP.
    pub rows: Vec<RowDifference>,
    /// With data: loading the rows, the UP or the DOWN failed on them
    /// (verification stops there).
    pub data_error: Option<String>,
}

/// A table whose rows a DOWN did not put back: one entry of
/// [`Finding::rows`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RowDifference {
    /// The table (`schema.table`).
    pub table: String,
    /// Rows there before UP that are not there after DOWN (gone, or changed).
    pub missing: usize,
    /// Rows there after DOWN that were not there before UP (new, or changed).
    pub extra: usize,
}

impl fmt::Display for RowDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} row(s) not as they were before UP ({} of the rows before are gone, {} are not rows it had)",
            self.table,
            self.missing.max(self.extra),
            self.missing,
            self.extra
        )
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(e) = &self.data_error {
            return writeln!(f, "{}: {e}", self.file);
        }
        if self.left_behind.is_empty() && self.removed.is_empty() && self.reapply_error.is_none() {
            writeln!(
                f,
                "{}: the DOWN section does not put the data back",
                self.file
            )?;
        } else {
            writeln!(
                f,
                "{}: the DOWN section does not undo the UP section",
                self.file
            )?;
        }
        for line in &self.left_behind {
            writeln!(f, "  + {line}    (left behind by DOWN)")?;
        }
        for line in &self.removed {
            writeln!(f, "  - {line}    (removed by DOWN, not created by UP)")?;
        }
        for table in &self.rows {
            writeln!(f, "  rows: {table}")?;
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
    /// Versions not reached: a DOWN left a state its UP cannot run on again
    /// (or, with data, the rows made a step fail).
    pub unverified: Vec<i64>,
    /// The versions verified with rows (each had a data file).
    pub with_data: Vec<i64>,
}

impl VerifyReport {
    /// Whether every DOWN undoes its UP.
    pub fn is_ok(&self) -> bool {
        self.findings.is_empty()
    }
}

async fn snapshot<S: Session>(session: &mut S, options: &Options) -> Result<Snapshot, Error> {
    Ok(Snapshot(catalog::snapshot(session, options).await?.lines()))
}

/// What the database behind `session` has that a new one does not.
async fn beyond_new<S: Session>(session: &mut S, options: &Options) -> Result<Vec<String>, Error> {
    Ok(catalog::snapshot(session, options).await?.beyond_new())
}

/// The catalog snapshot `verify` and `drift` compare, of `client`'s
/// database: one line per object (tables, columns with their types and
/// defaults, constraints, indexes, sequences, views, functions, types,
/// triggers, policies, extensions, schemas, owners, grants), sorted, the
/// tracking tables of `options` left out. Two databases with equal
/// snapshots have the same schema as far as migrations are concerned
/// (`sqlstrata squash` proves its baseline with it).
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut a = postgres::Client::connect("host=/run/postgresql dbname=a", postgres::NoTls)?;
/// let mut b = postgres::Client::connect("host=/run/postgresql dbname=b", postgres::NoTls)?;
/// let options = sqlstrata::Options::default();
/// let same = sqlstrata::verify::catalog_snapshot(&mut a, &options)?
///     == sqlstrata::verify::catalog_snapshot(&mut b, &options)?;
/// # let _ = same;
/// # Ok(())
/// # }
/// ```
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

/// Every row of every table but the runner's, as text (`to_jsonb`: the
/// columns by name, so a column a DOWN put back at the end still matches),
/// by table: what a DOWN must put back.
async fn rows<S: Session>(
    session: &mut S,
    options: &Options,
) -> Result<BTreeMap<String, Vec<String>>, Error> {
    let ours = [
        options.tracking.name.clone(),
        format!("{}_lock", options.tracking.name),
        format!("{}_repeatables", options.tracking.name),
    ];
    let tables = session
        .query(&format!(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
             AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
             AND c.relname NOT IN ({}) ORDER BY 1",
            ours.iter().map(|t| quote_literal(t)).collect::<Vec<_>>().join(", ")
        ))
        .await
        .map_err(Error::database("listing the tables"))?;
    let mut out = BTreeMap::new();
    for table in tables.iter().filter_map(|r| r.first().cloned().flatten()) {
        let mut lines: Vec<String> = session
            .query(&format!("SELECT to_jsonb(t)::text FROM {table} t"))
            .await
            .map_err(Error::database("reading a table's rows"))?
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect();
        lines.sort();
        out.insert(table, lines);
    }
    Ok(out)
}

/// The tables whose rows differ, as multisets.
fn row_differences(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
) -> Vec<RowDifference> {
    let tables: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let empty = Vec::new();
    tables
        .into_iter()
        .filter_map(|table| {
            let (a, b) = (
                before.get(table).unwrap_or(&empty),
                after.get(table).unwrap_or(&empty),
            );
            // Both sorted: a merge counts what each has that the other has not.
            let (mut i, mut j, mut missing, mut extra) = (0, 0, 0, 0);
            while i < a.len() || j < b.len() {
                match (a.get(i), b.get(j)) {
                    (Some(x), Some(y)) if x == y => (i, j) = (i + 1, j + 1),
                    (Some(x), Some(y)) if x < y => (i, missing) = (i + 1, missing + 1),
                    (Some(_), None) => (i, missing) = (i + 1, missing + 1),
                    _ => (j, extra) = (j + 1, extra + 1),
                }
            }
            (missing + extra > 0).then(|| RowDifference {
                table: table.clone(),
                missing,
                extra,
            })
        })
        .collect()
}

/// Verifies `set` on the empty database behind `session`.
pub(crate) async fn run<S: Session>(
    session: &mut S,
    set: &Migrations,
    options: &Options,
    progress: Progress<'_>,
) -> Result<VerifyReport, Error> {
    run_with_data(session, set, options, progress, &[]).await
}

/// Verifies `set` on the empty database behind `session`; before each
/// migration that has rows in `data` (version, SQL written for the schema
/// before it), the rows are loaded and must be put back by its DOWN.
pub(crate) async fn run_with_data<S: Session>(
    session: &mut S,
    set: &Migrations,
    options: &Options,
    progress: Progress<'_>,
    data: &[(i64, String)],
) -> Result<VerifyReport, Error> {
    let mut report = VerifyReport::default();
    // DOWN sections run here: never on a database that holds anything else.
    let objects = beyond_new(session, options).await?;
    if !objects.is_empty() {
        return Err(Error::NotEmpty { objects });
    }
    for m in set {
        let up = Operation::Up {
            to: Some(m.version()),
        };
        let rows_of = data
            .iter()
            .find(|(v, _)| *v == m.version())
            .map(|(_, sql)| sql);
        let mut finding = Finding {
            version: m.version(),
            file: m.file_name().to_string(),
            left_behind: Vec::new(),
            removed: Vec::new(),
            reapply_error: None,
            rows: Vec::new(),
            data_error: None,
        };
        // The rows, loaded on the schema before this migration.
        let rows_before = match rows_of {
            Some(sql) => {
                report.with_data.push(m.version());
                if let Err(e) = session.query(sql).await {
                    finding.data_error = Some(format!(
                        "its rows (data file {}.sql) do not load on the schema before it: {e}",
                        m.version()
                    ));
                    stop(&mut report, set, m.version(), finding);
                    break;
                }
                Some(rows(session, options).await?)
            }
            None => None,
        };
        if m.is_irreversible() {
            match execute(session, set, up, options, progress).await {
                Err(e) if rows_before.is_some() => {
                    finding.data_error = Some(format!("UP fails with its rows: {e}"));
                    stop(&mut report, set, m.version(), finding);
                    break;
                }
                Err(e) => return Err(e),
                Ok(_) => {}
            }
            report.irreversible.push(m.version());
            continue;
        }
        let before = snapshot(session, options).await?;
        let steps = async {
            execute(session, set, up, options, progress)
                .await
                .map_err(|e| ("UP", e))?;
            execute(
                session,
                set,
                Operation::Down { count: 1 },
                options,
                progress,
            )
            .await
            .map_err(|e| ("DOWN", e))
        }
        .await;
        match steps {
            Err((step, e)) if rows_before.is_some() => {
                finding.data_error = Some(format!("{step} fails with its rows: {e}"));
                stop(&mut report, set, m.version(), finding);
                break;
            }
            Err((_, e)) => return Err(e),
            Ok(_) => {}
        }
        let after = snapshot(session, options).await?;
        finding.left_behind = after.0.difference(&before.0).cloned().collect();
        finding.removed = before.0.difference(&after.0).cloned().collect();
        if let Some(rows_before) = &rows_before {
            finding.rows = row_differences(rows_before, &rows(session, options).await?);
        }
        // UP again: the DOWN must leave a state the UP can run on.
        let reapplied = execute(session, set, up, options, progress).await;
        report.verified.push(m.version());
        if let Err(e) = reapplied {
            finding.reapply_error = Some(e.to_string());
            stop(&mut report, set, m.version(), finding);
            break;
        }
        if before != after || !finding.rows.is_empty() {
            report.findings.push(finding);
        }
    }
    // The repeatables, after every versioned UP, as `up` runs them.
    if report.unverified.is_empty() && !set.repeatables().is_empty() {
        execute(session, set, Operation::Up { to: None }, options, progress).await?;
    }
    Ok(report)
}

/// Verification stops at `version` with `finding`: what comes after is
/// unverified.
fn stop(report: &mut VerifyReport, set: &Migrations, version: i64, finding: Finding) {
    report.findings.push(finding);
    report.unverified = set
        .iter()
        .map(|n| n.version())
        .filter(|v| *v > version)
        .collect();
}
