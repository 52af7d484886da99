//! How a plan becomes SQL: which steps share a transaction, and the SQL of
//! each step. The executor runs exactly this, and `--dry-run` prints it, so
//! what is printed is what would run.

use sqlstrata_model::{Migration, Migrations, Statement};

use crate::identity::Identity;
use crate::options::{Options, TransactionMode};
use crate::plan::{Plan, Step};
use crate::tracking::{self, RowState};

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
        let migration = match *step {
            Step::Apply(i) | Step::Revert(i) => Some(&set.as_slice()[i]),
            _ => None,
        };
        if migration.is_some_and(Migration::is_no_transaction) {
            out.push(Segment::Autocommit(*step));
            added.clear();
            continue;
        }
        let uses_added = match (step, migration) {
            (Step::Apply(_), Some(m)) => m
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
        if let (Step::Apply(_), Some(m)) = (step, migration) {
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
        _ => None,
    }
}

/// The whole plan as the SQL script that would run, with the transaction
/// boundaries and a comment naming each migration.
pub fn render(set: &Migrations, plan: &Plan, options: &Options, id: &Identity) -> String {
    let mut out = String::new();
    for segment in segments(set, plan, options) {
        match &segment {
            Segment::Transaction(steps) => {
                out.push_str("BEGIN;\n");
                for step in steps {
                    out.push_str(&format!("-- {}\n", describe(set, *step, true)));
                    let (statements, record) = step_sql(set, plan, *step, id, None);
                    for s in statements {
                        out.push_str(s.sql());
                        out.push_str(";\n");
                    }
                    out.push_str(&record);
                    out.push_str(";\n");
                }
                out.push_str("COMMIT;\n");
            }
            Segment::Autocommit(step) => {
                out.push_str(&format!("-- {}\n", describe(set, *step, false)));
                let (statements, _) = step_sql(set, plan, *step, id, None);
                let (before, after) =
                    autocommit_sql(set, plan, *step, id, None).unwrap_or_default();
                out.push_str(&format!("{before};\n"));
                for s in statements {
                    out.push_str(s.sql());
                    out.push_str(";\n");
                }
                out.push_str(&format!("{after};\n"));
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
        );
        let lines: Vec<&str> = script.lines().collect();
        assert_eq!(lines[0], "BEGIN;");
        assert_eq!(lines[1], "-- 001_m1.sql (up)");
        assert_eq!(lines[2], "CREATE TABLE t1 (id int);");
        assert!(lines[3].starts_with("INSERT INTO \"public\".\"schema_migrations\""));
        assert!(lines[3].ends_with("'applied');"), "{}", lines[3]);
        assert_eq!(lines[4], "COMMIT;");
        assert_eq!(lines[5], "-- 002_m2.sql (up, outside a transaction)");
        assert!(
            lines[6].ends_with("'applying');"),
            "the attempt is recorded first: {}",
            lines[6]
        );
        assert_eq!(lines[7], "CREATE TABLE t2 (id int);");
        assert!(
            lines[8].starts_with("UPDATE \"public\".\"schema_migrations\" SET state = 'applied'")
        );
        assert_eq!(lines.len(), 9);
    }
}
