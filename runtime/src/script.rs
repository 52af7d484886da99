//! How a plan becomes SQL: which steps share a transaction, and the SQL of
//! each step. The executor runs exactly this, and `--dry-run` prints it, so
//! what is printed is what would run.

use crate::embedded::{Migrations, Statement};
use crate::options::{Options, TransactionMode};
use crate::plan::{Plan, Step};
use crate::tracking;

/// Steps that run together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Steps inside one transaction.
    Transaction(Vec<Step>),
    /// A `no-transaction` migration: its statements one by one, each
    /// committed on its own. It is a commit point between transactions.
    Autocommit(Step),
}

/// Groups the steps of `plan` into transactions: one for the whole plan by
/// default, one per migration with [`TransactionMode::PerMigration`], and
/// none around a `no-transaction` migration.
pub fn segments(set: &Migrations, plan: &Plan, options: &Options) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for step in &plan.steps {
        let migration = match *step {
            Step::Apply(i) | Step::Revert(i) => Some(&set.as_slice()[i]),
            _ => None,
        };
        if migration.is_some_and(|m| m.is_no_transaction()) {
            out.push(Segment::Autocommit(*step));
            continue;
        }
        let separate = options.transaction == TransactionMode::PerMigration && migration.is_some();
        match out.last_mut() {
            Some(Segment::Transaction(steps)) if !separate => steps.push(*step),
            _ => out.push(Segment::Transaction(vec![*step])),
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
    options: &Options,
    duration_ms: Option<i64>,
) -> (&'s [Statement], String) {
    let table = &options.tracking;
    match step {
        Step::Apply(i) => {
            let m = &set.as_slice()[i];
            (
                m.up(),
                tracking::insert_sql(table, m, plan.batch, duration_ms, None),
            )
        }
        Step::Revert(i) => {
            let m = &set.as_slice()[i];
            (
                m.down().unwrap_or(&[]),
                tracking::delete_sql(table, m.version()),
            )
        }
        Step::Record(i) => (
            &[],
            tracking::insert_sql(table, &set.as_slice()[i], plan.batch, Some(0), None),
        ),
        Step::AcceptChecksum(i) => (&[], tracking::set_checksum_sql(table, &set.as_slice()[i])),
        Step::ClearFailed(version) => (&[], tracking::delete_sql(table, version)),
    }
}

/// The whole plan as the SQL script that would run, with the transaction
/// boundaries and a comment naming each migration.
pub fn render(set: &Migrations, plan: &Plan, options: &Options) -> String {
    let mut out = String::new();
    for segment in segments(set, plan, options) {
        let (steps, in_tx) = match &segment {
            Segment::Transaction(steps) => (steps.as_slice(), true),
            Segment::Autocommit(step) => (std::slice::from_ref(step), false),
        };
        if in_tx {
            out.push_str("BEGIN;\n");
        }
        for step in steps {
            out.push_str(&format!("-- {}\n", describe(set, *step, in_tx)));
            let (statements, record) = step_sql(set, plan, *step, options, None);
            for s in statements {
                out.push_str(s.sql());
                out.push_str(";\n");
            }
            out.push_str(&record);
            out.push_str(";\n");
        }
        if in_tx {
            out.push_str("COMMIT;\n");
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
        Step::ClearFailed(v) => format!("version {v} (repair: clear the failed record)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::{Migration, MigrationParts};

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

    #[test]
    fn no_transaction_migrations_are_commit_points() {
        let s = set();
        let plan = Plan {
            steps: vec![Step::Apply(0), Step::Apply(1), Step::Apply(2)],
            batch: 1,
            warnings: vec![],
        };
        assert_eq!(
            segments(&s, &plan, &Options::default()),
            vec![
                Segment::Transaction(vec![Step::Apply(0)]),
                Segment::Autocommit(Step::Apply(1)),
                Segment::Transaction(vec![Step::Apply(2)]),
            ]
        );
        let per = Options::default().transaction_mode(TransactionMode::PerMigration);
        let plan = Plan {
            steps: vec![Step::Apply(0), Step::Apply(2)],
            batch: 1,
            warnings: vec![],
        };
        assert_eq!(segments(&s, &plan, &per).len(), 2);
        assert_eq!(segments(&s, &plan, &Options::default()).len(), 1);
    }

    #[test]
    fn the_script_shows_boundaries_statements_and_tracking() {
        let s = set();
        let plan = Plan {
            steps: vec![Step::Apply(0), Step::Apply(1)],
            batch: 3,
            warnings: vec![],
        };
        let script = render(&s, &plan, &Options::default());
        let lines: Vec<&str> = script.lines().collect();
        assert_eq!(lines[0], "BEGIN;");
        assert_eq!(lines[1], "-- 001_m1.sql (up)");
        assert_eq!(lines[2], "CREATE TABLE t1 (id int);");
        assert!(lines[3].starts_with("INSERT INTO \"schema_migrations\""));
        assert_eq!(lines[4], "COMMIT;");
        assert_eq!(lines[5], "-- 002_m2.sql (up, outside a transaction)");
        assert_eq!(lines.len(), 8);
    }
}
