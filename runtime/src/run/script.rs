//! How a plan becomes SQL: which steps share a transaction, and the SQL of
//! each step. The executor runs exactly this, and `--dry-run` prints it, so
//! what is printed is what would run.

use std::borrow::Cow;

use sqlstrata_model::{Migration, Migrations, Statement, StatementKind};

use crate::history::identity::Identity;
use crate::history::repeatable;
use crate::history::tracking;
use crate::options::{Options, TransactionMode};
use crate::plan::history::RowState;
use crate::plan::{Plan, Step};
use crate::run::session_state::{Sql, bounds_local_sql, bounds_session_sql};

/// Steps that run together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Steps inside one transaction.
    Transaction(Vec<Step>),
    /// A `no-transaction` migration: its statements one by one, each
    /// committed on its own, between a row that records the attempt and one
    /// that records the outcome. It is a commit point between transactions.
    Autocommit(Step),
}

/// Groups the steps of `plan` into transactions: one for the whole plan by
/// default, one per migration with [`TransactionMode::PerMigration`], none
/// around a `no-transaction` migration, and a commit after a migration that
/// adds an enum label a later migration of the same transaction uses
/// (PostgreSQL refuses a label added in the same transaction: SQLSTATE 55P04).
pub fn segments(set: &Migrations, plan: &Plan, options: &Options) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    // Enum labels added in the transaction being built.
    let mut added: Vec<&str> = Vec::new();
    for step in &plan.steps {
        let migration = step_migration(set, *step);
        let applies = matches!(step, Step::Apply(_) | Step::ApplyRepeatable(_));
        if migration.is_some_and(Migration::is_no_transaction) {
            out.push(Segment::Autocommit(*step));
            added.clear();
            continue;
        }
        let uses_added = match migration.filter(|_| applies) {
            Some(m) => m
                .up()
                .iter()
                .any(|s| added.iter().any(|label| s.sql().contains(label))),
            _ => false,
        };
        let separate = (options.transaction == TransactionMode::PerMigration
            && migration.is_some())
            || uses_added;
        match out.last_mut() {
            Some(Segment::Transaction(steps)) if !separate => steps.push(*step),
            _ => {
                added.clear();
                out.push(Segment::Transaction(vec![*step]));
            }
        }
        if let Some(m) = migration.filter(|_| applies) {
            added.extend(m.enum_values());
        }
    }
    out
}

/// The statements a step runs and the tracking SQL that records it. For a
/// recorded apply, the duration is measured by the server unless given.
pub fn step_sql<'s>(
    set: &'s Migrations,
    plan: &Plan,
    step: Step,
    id: &Identity,
    duration_ms: Option<i64>,
) -> (&'s [Statement], String) {
    match step {
        Step::Apply(i) => {
            let m = &set.as_slice()[i];
            (
                m.up(),
                tracking::insert_sql(id, m, plan.batch, duration_ms, RowState::Applied),
            )
        }
        Step::Revert(i) => {
            let m = &set.as_slice()[i];
            (
                m.down().unwrap_or(&[]),
                tracking::delete_sql(id, m.version()),
            )
        }
        Step::Record(i) => (
            &[],
            tracking::insert_sql(
                id,
                &set.as_slice()[i],
                plan.batch,
                Some(0),
                RowState::Applied,
            ),
        ),
        Step::AcceptChecksum(i) => (&[], tracking::set_checksum_sql(id, &set.as_slice()[i])),
        Step::ClearFailed(version) => (&[], tracking::delete_sql(id, version)),
        Step::RestoreApplied(version) => (
            &[],
            tracking::set_state_sql(id, version, RowState::Applied, None, None),
        ),
        Step::ApplyRepeatable(j) => {
            let m = &set.repeatables()[j];
            (
                m.up(),
                repeatable::record_sql(id, m, plan.batch, duration_ms),
            )
        }
        Step::ForgetRepeatables { all } => {
            let keep: Vec<&str> = if all {
                Vec::new()
            } else {
                set.repeatables().iter().map(Migration::name).collect()
            };
            (&[], repeatable::forget_all_but_sql(id, &keep))
        }
    }
}

/// What one step sends inside a transaction, in order: its migration's time
/// bounds, its statements, the session put back as the run began (with the
/// run's own bounds), and its record.
pub struct Batch<'s> {
    /// Every piece of SQL, one round trip each on a client that cannot tell
    /// which statement of a query failed.
    pub sql: Vec<Cow<'s, str>>,
    /// How many statements each piece holds.
    pub counts: Vec<usize>,
    /// Where the migration's statements start in `sql`.
    pub first: usize,
    /// The migration's statements (`sql[first..first + statements.len()]`).
    pub statements: &'s [Statement],
}

impl Batch<'_> {
    /// The migration's statement at `sql[index]`, if it is one.
    pub fn statement(&self, index: usize) -> Option<&Statement> {
        index
            .checked_sub(self.first)
            .and_then(|i| self.statements.get(i))
    }

    /// Whether `sql[index]` is the record (the last piece).
    pub fn is_record(&self, index: usize) -> bool {
        index + 1 == self.sql.len()
    }
}

/// The [`Batch`] of `step` in a transaction. `restore` is the SQL that puts
/// the session back (see `session_state`).
pub(crate) fn transaction_batch<'s>(
    set: &'s Migrations,
    plan: &Plan,
    step: Step,
    id: &Identity,
    options: &Options,
    restore: &Sql,
) -> Batch<'s> {
    let (statements, record) = step_sql(set, plan, step, id, None);
    let mut batch = Batch {
        sql: Vec::with_capacity(statements.len() + 3),
        counts: Vec::with_capacity(statements.len() + 3),
        first: 0,
        statements,
    };
    let Some(m) = step_migration(set, step).filter(|_| !statements.is_empty()) else {
        batch.push(Sql {
            text: record,
            statements: 2,
        });
        return batch;
    };
    if let Some(own) = statements
        .first()
        .and_then(|s| bounds_local_sql(&options.bounds_of(set, m, s)))
    {
        batch.push(own);
    }
    batch.first = batch.sql.len();
    for s in statements {
        batch.sql.push(Cow::Borrowed(s.sql()));
        batch.counts.push(1);
    }
    let after = match bounds_local_sql(&options.run_bounds(set)) {
        Some(run) => restore.clone().then(run),
        None => restore.clone(),
    };
    batch.push(after);
    // The record is marked as the runner's own write (two statements).
    batch.push(Sql {
        text: record,
        statements: 2,
    });
    batch
}

impl Batch<'_> {
    fn push(&mut self, sql: Sql) {
        self.sql.push(Cow::Owned(sql.text));
        self.counts.push(sql.statements);
    }
}

/// What a statement of a `no-transaction` migration sends: a session `SET`
/// of its migration's bounds to send first (a statement PostgreSQL refuses
/// in a transaction block), and the statement itself, with the bounds
/// `SET LOCAL` in front when it may run in a (single-statement) block.
pub fn autocommit_statement_sql(
    set: &Migrations,
    m: &Migration,
    s: &Statement,
    options: &Options,
) -> (Option<String>, String) {
    if matches!(
        s.kind(),
        StatementKind::BlockBegin | StatementKind::BlockEnd
    ) {
        return (None, s.sql().to_string());
    }
    let bounds = options.bounds_of(set, m, s);
    if s.kind().refuses_transaction() {
        return (
            bounds_session_sql(&bounds).map(|b| b.text),
            s.sql().to_string(),
        );
    }
    match bounds_local_sql(&bounds) {
        Some(local) => (None, format!("{};\n{}", local.text, s.sql())),
        None => (None, s.sql().to_string()),
    }
}

/// The units of a `no-transaction` migration's statements, as index
/// ranges: each statement alone, or a transaction block from its `BEGIN` to
/// its end (which runs, and is retried, as one transaction).
pub fn units(statements: &[Statement]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < statements.len() {
        let end = if statements[i].kind() == StatementKind::BlockBegin {
            statements[i..]
                .iter()
                .position(|s| s.kind() == StatementKind::BlockEnd)
                .map_or(statements.len(), |n| i + n + 1)
        } else {
            i + 1
        };
        out.push(i..end);
        i = end;
    }
    out
}

/// The migration a step runs the statements of.
pub fn step_migration(set: &Migrations, step: Step) -> Option<&Migration> {
    match step {
        Step::Apply(i) | Step::Revert(i) => set.as_slice().get(i),
        Step::ApplyRepeatable(j) => set.repeatables().get(j),
        _ => None,
    }
}

/// The SQL around a `no-transaction` step: the row written (and committed)
/// before its first statement, and the one that records it at the end.
pub fn autocommit_sql(
    set: &Migrations,
    plan: &Plan,
    step: Step,
    id: &Identity,
    duration_ms: Option<i64>,
) -> Option<(String, String)> {
    match step {
        Step::Apply(i) => {
            let m = &set.as_slice()[i];
            Some((
                tracking::insert_sql(id, m, plan.batch, Some(0), RowState::Applying),
                tracking::set_state_sql(
                    id,
                    m.version(),
                    RowState::Applied,
                    None,
                    Some(duration_ms.unwrap_or(0)),
                ),
            ))
        }
        Step::Revert(i) => {
            let v = set.as_slice()[i].version();
            Some((
                tracking::set_state_sql(id, v, RowState::Reverting, None, None),
                tracking::delete_sql(id, v),
            ))
        }
        // Its record goes first, and comes back only when it ran to the
        // end: one that stopped part-way runs again at the next `up`.
        Step::ApplyRepeatable(j) => {
            let m = &set.repeatables()[j];
            Some((
                repeatable::forget_sql(id, m.name()),
                repeatable::record_sql(id, m, plan.batch, Some(duration_ms.unwrap_or(0))),
            ))
        }
        _ => None,
    }
}

/// The whole plan as the SQL script that would run, with the transaction
/// boundaries and a comment naming each migration. `restore` is the SQL that
/// puts the session back after each migration.
pub(crate) fn render(
    set: &Migrations,
    plan: &Plan,
    options: &Options,
    id: &Identity,
    restore: &Sql,
) -> String {
    let mut out = String::new();
    for segment in segments(set, plan, options) {
        match &segment {
            Segment::Transaction(steps) => {
                out.push_str("BEGIN;\n");
                for step in steps {
                    out.push_str(&format!("-- {}\n", describe(set, *step, true)));
                    for sql in transaction_batch(set, plan, *step, id, options, restore).sql {
                        out.push_str(&sql);
                        out.push_str(";\n");
                    }
                }
                out.push_str("COMMIT;\n");
            }
            Segment::Autocommit(step) => {
                out.push_str(&format!("-- {}\n", describe(set, *step, false)));
                let (statements, _) = step_sql(set, plan, *step, id, None);
                let (before, after) =
                    autocommit_sql(set, plan, *step, id, None).unwrap_or_default();
                out.push_str(&format!("{before};\n"));
                if let Some(m) = step_migration(set, *step) {
                    for s in statements {
                        let (session, sql) = autocommit_statement_sql(set, m, s, options);
                        for part in session.iter().chain([&sql]) {
                            out.push_str(part);
                            out.push_str(";\n");
                        }
                    }
                }
                out.push_str(&format!("{};\n{after};\n", restore.text));
            }
        }
    }
    out
}

fn describe(set: &Migrations, step: Step, in_tx: bool) -> String {
    let file = |i: usize| set.as_slice()[i].file_name().to_string();
    let note = if in_tx { "" } else { ", outside a transaction" };
    match step {
        Step::Apply(i) => format!("{} (up{note})", file(i)),
        Step::Revert(i) => format!("{} (down{note})", file(i)),
        Step::Record(i) => format!("{} (baseline: recorded, not run)", file(i)),
        Step::AcceptChecksum(i) => format!("{} (repair: accept the current checksum)", file(i)),
        Step::ClearFailed(v) => format!("version {v} (repair: forget the failed attempt)"),
        Step::RestoreApplied(v) => {
            format!("version {v} (repair: record it as applied again after a failed rollback)")
        }
        Step::ApplyRepeatable(j) => {
            format!("{} (repeatable{note})", set.repeatables()[j].file_name())
        }
        Step::ForgetRepeatables { all: true } => {
            "the repeatables' records (forgotten: each runs again at the next up)".to_string()
        }
        Step::ForgetRepeatables { all: false } => {
            "the records of repeatables no longer in this build (forgotten)".to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MigrationParts, Statement};

    fn set() -> Migrations {
        Migrations::new(
            (1..=3)
                .map(|v| {
                    Migration::new(MigrationParts {
                        version: v,
                        name: format!("m{v}"),
                        file_name: format!("00{v}_m{v}.sql"),
                        up: vec![Statement::new(format!("CREATE TABLE t{v} (id int)"), 2)],
                        down: Some(vec![Statement::new(format!("DROP TABLE t{v}"), 4)]),
                        no_transaction: v == 2,
                        ..MigrationParts::default()
                    })
                })
                .collect(),
        )
    }

    fn id() -> Identity {
        Identity {
            database: "db".into(),
            schema: "public".into(),
            table: "schema_migrations".into(),
        }
    }

    fn plan(steps: Vec<Step>) -> Plan {
        Plan {
            steps,
            batch: 3,
            warnings: vec![],
        }
    }

    #[test]
    fn no_transaction_migrations_are_commit_points() {
        let s = set();
        assert_eq!(
            segments(
                &s,
                &plan(vec![Step::Apply(0), Step::Apply(1), Step::Apply(2)]),
                &Options::default()
            ),
            vec![
                Segment::Transaction(vec![Step::Apply(0)]),
                Segment::Autocommit(Step::Apply(1)),
                Segment::Transaction(vec![Step::Apply(2)]),
            ]
        );
        let per = Options::default().transaction_mode(TransactionMode::PerMigration);
        let p = plan(vec![Step::Apply(0), Step::Apply(2)]);
        assert_eq!(segments(&s, &p, &per).len(), 2);
        assert_eq!(segments(&s, &p, &Options::default()).len(), 1);
    }

    #[test]
    fn a_label_added_then_used_commits_in_between() {
        let m = |v: i64, sql: &str, labels: &[&str]| {
            Migration::new(MigrationParts {
                version: v,
                name: format!("m{v}"),
                file_name: format!("00{v}_m{v}.sql"),
                up: vec![Statement::new(sql.to_string(), 2)],
                enum_values: labels.iter().map(|l| l.to_string()).collect(),
                ..MigrationParts::default()
            })
        };
        let s = Migrations::new(vec![
            m(1, "ALTER TYPE mood ADD VALUE 'ecstatic'", &["'ecstatic'"]),
            m(2, "CREATE TABLE unrelated (id int)", &[]),
            m(3, "INSERT INTO t (mood) VALUES ('ecstatic')", &[]),
            m(4, "INSERT INTO t (mood) VALUES ('ecstatic')", &[]),
        ]);
        let p = plan((0..4).map(Step::Apply).collect());
        assert_eq!(
            segments(&s, &p, &Options::default()),
            vec![
                Segment::Transaction(vec![Step::Apply(0), Step::Apply(1)]),
                Segment::Transaction(vec![Step::Apply(2), Step::Apply(3)]),
            ]
        );
    }

    #[test]
    fn the_script_shows_boundaries_statements_and_tracking() {
        let s = set();
        let script = render(
            &s,
            &plan(vec![Step::Apply(0), Step::Apply(1)]),
            &Options::default(),
            &id(),
            &Sql {
                text: "RESET ALL".into(),
                statements: 1,
            },
        );
        let lines: Vec<&str> = script.lines().collect();
        assert_eq!(lines[0], "BEGIN;");
        assert_eq!(lines[1], "-- 001_m1.sql (up)");
        assert_eq!(
            lines[2],
            "SET LOCAL lock_timeout = '1000ms'; SET LOCAL statement_timeout = '0ms';"
        );
        assert_eq!(lines[3], "CREATE TABLE t1 (id int);");
        assert_eq!(
            lines[4],
            "RESET ALL; SET LOCAL lock_timeout = '1000ms'; SET LOCAL statement_timeout = '0ms';"
        );
        assert!(lines[5].starts_with(
            "SET LOCAL sqlstrata.writing = 'on'; INSERT INTO \"public\".\"schema_migrations\""
        ));
        assert!(lines[5].ends_with("'applied');"), "{}", lines[5]);
        assert_eq!(lines[6], "COMMIT;");
        assert_eq!(lines[7], "-- 002_m2.sql (up, outside a transaction)");
        assert!(
            lines[8].ends_with("'applying');"),
            "the attempt is recorded first: {}",
            lines[8]
        );
        assert_eq!(
            lines[9],
            "SET LOCAL lock_timeout = '1000ms'; SET LOCAL statement_timeout = '0ms';"
        );
        assert_eq!(lines[10], "CREATE TABLE t2 (id int);");
        assert_eq!(lines[11], "RESET ALL;");
        assert!(lines[12].starts_with(
            "SET LOCAL sqlstrata.writing = 'on'; UPDATE \"public\".\"schema_migrations\" SET state = 'applied'"
        ));
        assert_eq!(lines.len(), 13);
    }
}
