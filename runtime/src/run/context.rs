//! What a run carries through its steps (the set, the plan, where it
//! records, what it holds, whom it tells) and how a step is named in what
//! the run reports: shared by the transaction loop and the autocommit path.

use std::time::Instant;

use sqlstrata_model::{Migration, Migrations, Statement};

use crate::error::{DbError, Error};
use crate::history::identity::Identity;
use crate::history::lock;
use crate::options::Options;
use crate::plan::{Plan, Step};
use crate::report::{Action, Done, LockWait, Starting};
use crate::run::script::{Batch, step_migration};
use crate::run::session_state::Sql;

/// Whom a run tells as it goes: `done` with each migration once what was
/// done to it is committed, `wait` with each statement that gave way to a
/// lock (before the pause and the retry).
pub(crate) struct Hooks<'a> {
    pub done: &'a (dyn Fn(&Done) + Send + Sync),
    pub wait: &'a (dyn Fn(&LockWait) + Send + Sync),
    pub start: &'a (dyn Fn(&Starting) + Send + Sync),
}

/// The progress of a run, for the executors' callers.
pub(crate) type Progress<'a> = &'a Hooks<'a>;

/// What a run carries through its steps: where it records, what it holds,
/// how the session looked when it began, and whom to tell.
pub(crate) struct Run<'r> {
    pub(crate) set: &'r Migrations,
    pub(crate) plan: &'r Plan,
    pub(crate) options: &'r Options,
    pub(crate) id: &'r Identity,
    pub(crate) held: &'r lock::Held,
    /// The SQL that puts the session back as the run found it.
    pub(crate) restore: Sql,
    pub(crate) hooks: &'r Hooks<'r>,
}

/// Tells the run's caller that `step`'s migration starts.
pub(crate) fn started(run: &Run<'_>, step: Step) {
    started_at(run, step, None);
}

/// Tells the run's caller that `step`'s migration, or its statement at
/// `line`, starts.
pub(crate) fn started_at(run: &Run<'_>, step: Step, line: Option<u32>) {
    if let Some(m) = step_migration(run.set, step) {
        let at = run.plan.steps.iter().position(|s| *s == step).unwrap_or(0);
        (run.hooks.start)(&Starting {
            file: m.file_name().to_string(),
            step: at + 1,
            steps: run.plan.steps.len(),
            line,
        });
    }
}

pub(crate) fn step_file(set: &Migrations, step: Step) -> String {
    step_migration(set, step).map_or_else(
        || "the tracking table".to_string(),
        |m| m.file_name().to_string(),
    )
}

/// The statement of `step`'s migration at `line`, in the direction it runs.
pub(crate) fn step_statement(set: &Migrations, step: Step, line: u32) -> Option<&Statement> {
    let m = step_migration(set, step)?;
    let list = match step {
        Step::Revert(_) => m.down().unwrap_or(&[]),
        _ => m.up(),
    };
    list.iter().find(|s| s.line() == line)
}

/// The error of a step whose batch failed at `sql[failed]`: one of the
/// migration's statements, the session's restore, or the record.
pub(crate) fn step_error(
    set: &Migrations,
    step: Step,
    batch: &Batch<'_>,
    failed: usize,
    e: &DbError,
) -> Error {
    let Some(m) = step_migration(set, step) else {
        return Error::Database {
            doing: "updating the tracking table",
            db: Box::new(e.clone()),
        };
    };
    if let Some(s) = batch.statement(failed) {
        return statement_error(m, s, e);
    }
    if batch.is_record(failed) {
        return Error::Recording {
            file: m.file_name().to_string(),
            db: Box::new(e.clone()),
        };
    }
    Error::Database {
        doing: if failed < batch.first {
            "setting the migration's time bounds"
        } else {
            "restoring the session's settings after the migration"
        },
        db: Box::new(e.clone()),
    }
}

/// What `step` did, for the report (nothing for the repeatables' records
/// forgotten: no migration of its own).
pub(crate) fn done(set: &Migrations, step: Step, start: Instant) -> Option<Done> {
    let (version, name, action) = match step {
        Step::Apply(i) => named(set, i, Action::Applied),
        Step::Revert(i) => named(set, i, Action::Reverted),
        Step::Record(i) => named(set, i, Action::Recorded),
        Step::AcceptChecksum(i) => named(set, i, Action::ChecksumAccepted),
        Step::ApplyRepeatable(j) => (
            0,
            set.repeatables()[j].name().to_string(),
            Action::AppliedRepeatable,
        ),
        Step::ForgetRepeatables { .. } => return None,
        Step::ClearFailed(v) | Step::RestoreApplied(v) => (
            v,
            set.get(v).map(|m| m.name().to_string()).unwrap_or_default(),
            Action::FailureCleared,
        ),
    };
    Some(Done {
        version,
        name,
        action,
        duration: start.elapsed(),
    })
}

fn named(set: &Migrations, i: usize, action: Action) -> (i64, String, Action) {
    let m: &Migration = &set.as_slice()[i];
    (m.version(), m.name().to_string(), action)
}

pub(crate) fn statement_error(m: &Migration, s: &Statement, e: &DbError) -> Error {
    Error::Statement {
        file: m.file_name().to_string(),
        line: s.line(),
        db: Box::new(e.clone()),
    }
}
