//! The planner: a pure function of (embedded set, tracking rows, operation,
//! options) to the steps a run carries out, with every drift check made
//! before anything runs. No database here: both executors carry out what it
//! decides, and its tests need no server.
//!
//! Its input is data (`history`: the tracking rows and repeatables'
//! records as the set sees them; `baseline`: a squashed history read as its
//! baseline's row). It may not touch a session, the tracking table's SQL or
//! a run: those are `crate::session`, `crate::history` and `crate::run`,
//! which depend on it, never the other way.

use std::collections::{BTreeMap, BTreeSet};

use sqlstrata_model::{Bounds, Migration};

use crate::Migrations;
use crate::error::Error;
use crate::options::{LockMode, Options, Phase};

pub(crate) mod baseline;
pub(crate) mod history;

use history::{AppliedRow, History, RepeatableRow, RowState};

/// What to do: the operation of [`crate::Migrator::run`] and
/// [`crate::Migrator::run_async`] (each also has a method of its own).
///
/// ```
/// let op = sqlstrata::Operation::Up { to: Some(4) };
/// assert!(!op.is_read_only());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Apply every pending migration (up to `to`, inclusive) as one new batch.
    Up {
        /// The last version to apply.
        to: Option<i64>,
    },
    /// Undo the last `batches` batches, newest first.
    Rollback {
        /// How many batches.
        batches: u32,
    },
    /// Undo the last `count` applied migrations, newest first.
    Down {
        /// How many migrations.
        count: usize,
    },
    /// Undo every applied migration newer than `version`.
    DownTo {
        /// The version to keep.
        version: i64,
    },
    /// Undo everything.
    Reset,
    /// Undo everything, then apply every migration as batch 1: one run,
    /// one lock, one transaction unless a migration needs none.
    Refresh,
    /// Record every migration up to `version` as applied without running it
    /// (for a database that already has that schema).
    Baseline {
        /// The last version to record.
        version: i64,
    },
    /// Accept the current checksums of changed migrations and clear
    /// part-way failures, after a person reviewed them.
    Repair,
    /// Read the state; change nothing.
    Status,
}

impl Operation {
    /// Whether the operation changes nothing.
    pub fn is_read_only(&self) -> bool {
        matches!(self, Operation::Status)
    }
}

/// One step of a plan. Indices point into the migration set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Run the UP section and record the migration.
    Apply(usize),
    /// Run the DOWN section and forget the migration.
    Revert(usize),
    /// Record the migration without running it.
    Record(usize),
    /// Accept the migration's current checksum.
    AcceptChecksum(usize),
    /// Forget the record of a version whose UP failed part-way or was
    /// interrupted: it is pending again.
    ClearFailed(i64),
    /// The DOWN of a version failed part-way or was interrupted: record it
    /// as applied again.
    RestoreApplied(i64),
    /// Run a repeatable migration (an index into
    /// [`Migrations::repeatables`]) and record its checksum.
    ApplyRepeatable(usize),
    /// Forget the records of repeatables: those no longer in the set, or
    /// (`all`) every one, after migrations were reverted (what a DOWN
    /// dropped, a repeatable may have made: the next `up` applies each
    /// again).
    ForgetRepeatables {
        /// Every record, not only those of files no longer in the set.
        all: bool,
    },
}

/// What a run will do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// The batch number new records get.
    pub batch: i32,
    /// Things worth saying that are not errors.
    pub warnings: Vec<String>,
}

/// The state of one migration, as `status` reports it.
///
/// ```
/// assert_eq!(sqlstrata::State::Interrupted.as_str(), "interrupted");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// Applied, and the file is unchanged.
    Applied,
    /// Not applied yet.
    Pending,
    /// Applied, but the file changed since.
    Modified,
    /// Applied, but not in this set.
    Missing,
    /// A `no-transaction` migration whose UP or DOWN failed part-way.
    Failed,
    /// A `no-transaction` migration whose run stopped without a word (the
    /// process or its connection died); `status` says `running` instead
    /// while a run holds the lock.
    Interrupted,
    /// A `no-transaction` migration being applied or rolled back now.
    Running,
    /// A repeatable migration whose file changed since it was last
    /// applied: the next `up` applies it again.
    Changed,
}

impl State {
    /// A lower-case name, as the JSON output and tables show it.
    pub fn as_str(&self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Modified => "modified",
            State::Missing => "missing",
            State::Failed => "failed",
            State::Interrupted => "interrupted",
            State::Running => "running",
            State::Changed => "changed",
        }
    }
}

/// One line of a status report: see [`crate::Migrator::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusEntry {
    /// The version (0 for a repeatable migration).
    pub version: i64,
    /// Whether it is a repeatable migration (`R__<name>.sql`).
    pub repeatable: bool,
    /// The name.
    pub name: String,
    /// The description.
    pub description: Option<String>,
    /// The state.
    pub state: State,
    /// The batch, when applied.
    pub batch: Option<i32>,
    /// When it was applied.
    pub applied_at: Option<String>,
    /// For a failed `no-transaction` migration: the line that failed.
    pub failed_line: Option<i32>,
    /// Whether it is a post-deploy migration (`-- sqlstrata: post-deploy`):
    /// `up --phase post` applies it, `up --phase pre` leaves it pending.
    pub post_deploy: bool,
}

impl StatusEntry {
    /// Whether `up` in `phase` would apply it now: pending (a repeatable:
    /// pending or changed), and of that phase. What `status --pending
    /// --phase pre` counts.
    ///
    /// ```
    /// # use sqlstrata::Phase;
    /// # fn entries(report: &sqlstrata::Report) -> usize {
    /// report.status.iter().filter(|e| e.pending_in(Phase::Pre)).count()
    /// # }
    /// ```
    pub fn pending_in(&self, phase: Phase) -> bool {
        let pending = match self.state {
            State::Pending => true,
            State::Changed => self.repeatable,
            _ => false,
        };
        pending
            && match phase {
                Phase::All => true,
                Phase::Pre => !self.post_deploy,
                Phase::Post => self.post_deploy,
            }
    }
}

/// Every migration known to the set or the database, in version order,
/// then the repeatables in name order.
pub(crate) fn status(set: &Migrations, history: &History) -> Vec<StatusEntry> {
    let mut entries = versioned_status(set, &history.rows);
    let recorded: BTreeMap<&str, &RepeatableRow> = history
        .repeatables
        .iter()
        .map(|r| (r.name.as_str(), r))
        .collect();
    let mut names: BTreeSet<&str> = set.repeatables().iter().map(|m| m.name()).collect();
    names.extend(recorded.keys());
    for name in names {
        let m = set.repeatables().iter().find(|m| m.name() == name);
        let row = recorded.get(name);
        let state = match (m, row) {
            (Some(m), Some(r)) if r.checksum != m.checksum_hex() => State::Changed,
            (Some(_), Some(_)) => State::Applied,
            (Some(_), None) => State::Pending,
            (None, _) => State::Missing,
        };
        entries.push(StatusEntry {
            version: 0,
            repeatable: true,
            name: name.to_string(),
            description: m.and_then(|m| m.description().map(str::to_string)),
            state,
            batch: row.map(|r| r.batch),
            applied_at: row.map(|r| r.applied_at.clone()),
            failed_line: None,
            post_deploy: false,
        });
    }
    entries
}

fn versioned_status(set: &Migrations, rows: &[AppliedRow]) -> Vec<StatusEntry> {
    let applied: BTreeMap<i64, &AppliedRow> = rows.iter().map(|r| (r.version, r)).collect();
    let mut versions: BTreeSet<i64> = set.iter().map(|m| m.version()).collect();
    versions.extend(applied.keys());
    versions
        .into_iter()
        .map(|v| {
            let m = set.get(v);
            let row = applied.get(&v);
            let state = match (m, row) {
                (_, Some(r)) if matches!(r.state, RowState::Failed | RowState::FailedDown) => {
                    State::Failed
                }
                (_, Some(r)) if !r.state.is_applied() => State::Interrupted,
                (Some(m), Some(r)) if r.checksum != m.checksum_hex() => State::Modified,
                (Some(_), Some(_)) => State::Applied,
                (Some(_), None) => State::Pending,
                (None, _) => State::Missing,
            };
            StatusEntry {
                version: v,
                repeatable: false,
                name: m.map_or_else(
                    || row.map(|r| r.name.clone()).unwrap_or_default(),
                    |m| m.name().to_string(),
                ),
                description: m
                    .and_then(|m| m.description().map(str::to_string))
                    .or_else(|| row.and_then(|r| r.description.clone())),
                state,
                batch: row.map(|r| r.batch),
                applied_at: row.map(|r| r.applied_at.clone()),
                failed_line: row.and_then(|r| r.failed_line),
                post_deploy: m.is_some_and(Migration::is_post_deploy),
            }
        })
        .collect()
}

/// Decides what `operation` does to a database whose tracking table holds
/// `rows`, or why it must not run. Nothing has been changed when it errs.
pub(crate) fn plan(
    set: &Migrations,
    history: &History,
    operation: &Operation,
    options: &Options,
) -> Result<Plan, Error> {
    let rows = history.rows.as_slice();
    let newest_batch = rows
        .iter()
        .map(|r| r.batch)
        .chain(history.repeatables.iter().map(|r| r.batch))
        .max();
    let mut plan = Plan {
        steps: Vec::new(),
        batch: newest_batch.unwrap_or(0) + 1,
        warnings: Vec::new(),
    };
    let index = |v: i64| {
        set.as_slice()
            .binary_search_by_key(&v, |m| m.version())
            .ok()
    };
    let file = |i: usize| set.as_slice()[i].file_name().to_string();

    if let Operation::Repair = operation {
        for row in rows {
            match row.state {
                RowState::Failed | RowState::Applying => {
                    plan.steps.push(Step::ClearFailed(row.version))
                }
                RowState::FailedDown | RowState::Reverting => {
                    plan.steps.push(Step::RestoreApplied(row.version))
                }
                RowState::Applied => {}
            }
            if let Some(i) = index(row.version)
                && set.as_slice()[i].checksum_hex() != row.checksum
                && !matches!(row.state, RowState::Failed | RowState::Applying)
            {
                plan.steps.push(Step::AcceptChecksum(i));
            }
        }
        return Ok(plan);
    }
    if operation.is_read_only() {
        return Ok(plan);
    }

    // Drift, before anything runs.
    if let Some(failed) = rows.iter().find(|r| !r.state.is_applied()) {
        return Err(Error::FailedMigration {
            file: index(failed.version).map_or_else(|| format!("version {}", failed.version), file),
            line: failed.failed_line.and_then(|l| u32::try_from(l).ok()),
            down: failed.state.was_reverting(),
        });
    }
    for row in rows {
        if let Some(i) = index(row.version) {
            let m = &set.as_slice()[i];
            if m.checksum_hex() != row.checksum {
                return Err(Error::ChecksumMismatch {
                    file: file(i),
                    applied: row.checksum.clone(),
                    embedded: m.checksum_hex(),
                });
            }
        }
    }
    let newest_known = set.iter().map(|m| m.version()).max().unwrap_or(i64::MIN);
    let missing: Vec<&AppliedRow> = rows.iter().filter(|r| index(r.version).is_none()).collect();
    if let Some(old) = missing.iter().find(|r| r.version < newest_known) {
        return Err(Error::MissingMigration {
            version: old.version,
            name: old.name.clone(),
        });
    }
    let ahead = !missing.is_empty();

    let applied: BTreeSet<i64> = rows.iter().map(|r| r.version).collect();
    match *operation {
        Operation::Up { to } => {
            if let Some(t) = to
                && index(t).is_none()
            {
                return Err(Error::UnknownVersion(t));
            }
            if ahead {
                plan.warnings.push(format!(
                    "the database has applied versions newer than any in this build ({}): it is ahead of this build, so nothing was applied",
                    missing.iter().map(|r| r.version.to_string()).collect::<Vec<_>>().join(", ")
                ));
                return Ok(plan);
            }
            let newest_applied = rows.iter().map(|r| r.version).max();
            let pending = |m: &&Migration| {
                !applied.contains(&m.version()) && to.is_none_or(|t| m.version() <= t)
            };
            // The post-deploy phase runs after the new code is live: every
            // regular migration older than what it applies must be in.
            if options.phase == Phase::Post
                && let Some(last) = set
                    .iter()
                    .filter(pending)
                    .filter(|m| m.is_post_deploy())
                    .map(Migration::version)
                    .max()
                && let Some(regular) = set
                    .iter()
                    .filter(pending)
                    .find(|m| !m.is_post_deploy() && m.version() < last)
            {
                let post = set
                    .iter()
                    .filter(pending)
                    .find(|m| m.is_post_deploy() && m.version() > regular.version())
                    .map_or_else(String::new, |m| m.file_name().to_string());
                return Err(Error::RegularPending {
                    file: regular.file_name().to_string(),
                    post_deploy: post,
                });
            }
            for (i, m) in set.iter().enumerate() {
                if !pending(&m) || !options.phase.includes(m) {
                    continue;
                }
                // A post-deploy migration left pending while newer regular
                // ones were applied (`up --phase pre`) is not out of order.
                if let Some(newest) = newest_applied
                    && m.version() < newest
                    && !options.out_of_order
                    && !m.is_post_deploy()
                {
                    return Err(Error::OutOfOrder {
                        file: file(i),
                        newest,
                    });
                }
                plan.steps.push(Step::Apply(i));
            }
            // Repeatables go with a whole `up` before the new code starts:
            // with `to`, what they use may not be there yet.
            if to.is_none() && options.phase != Phase::Post {
                repeatable_steps(set, history, false, &mut plan);
            }
        }
        Operation::Baseline { version } => {
            if index(version).is_none() {
                return Err(Error::UnknownVersion(version));
            }
            for (i, m) in set.iter().enumerate() {
                if m.version() <= version && !applied.contains(&m.version()) {
                    plan.steps.push(Step::Record(i));
                }
            }
        }
        Operation::Rollback { batches } => {
            let mut numbers: Vec<i32> = rows
                .iter()
                .map(|r| r.batch)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            numbers.reverse();
            numbers.truncate(batches as usize);
            let chosen: Vec<i64> = rows
                .iter()
                .filter(|r| numbers.contains(&r.batch))
                .map(|r| r.version)
                .collect();
            plan.steps = revert_steps(set, &chosen)?;
        }
        Operation::Down { count } => {
            let chosen: Vec<i64> = rows.iter().rev().take(count).map(|r| r.version).collect();
            plan.steps = revert_steps(set, &chosen)?;
        }
        Operation::DownTo { version } => {
            let chosen: Vec<i64> = rows
                .iter()
                .filter(|r| r.version > version)
                .map(|r| r.version)
                .collect();
            plan.steps = revert_steps(set, &chosen)?;
        }
        Operation::Reset => {
            let chosen: Vec<i64> = rows.iter().map(|r| r.version).collect();
            plan.steps = revert_steps(set, &chosen)?;
        }
        Operation::Refresh => {
            let chosen: Vec<i64> = rows.iter().map(|r| r.version).collect();
            plan.steps = revert_steps(set, &chosen)?;
            plan.steps.extend((0..set.len()).map(Step::Apply));
            plan.batch = 1;
            repeatable_steps(set, history, true, &mut plan);
        }
        Operation::Repair | Operation::Status => {}
    }
    // A DOWN may have dropped what a repeatable made (a view on a dropped
    // table goes with `CASCADE`): forgotten, each runs again at the next
    // `up`. Repeatables themselves are never undone.
    let reverts = plan.steps.iter().any(|s| matches!(s, Step::Revert(_)));
    if reverts && !history.repeatables.is_empty() && *operation != Operation::Refresh {
        plan.steps.push(Step::ForgetRepeatables { all: true });
    }
    session_bounds_under_lease(set, &plan, options)?;
    Ok(plan)
}

/// The repeatables a run applies, in name order: each one whose checksum
/// differs from the one it was last applied with, or that never ran (every
/// one, with `all`); the records of files no longer in the set forgotten.
fn repeatable_steps(set: &Migrations, history: &History, all: bool, plan: &mut Plan) {
    let recorded: BTreeMap<&str, &str> = history
        .repeatables
        .iter()
        .map(|r| (r.name.as_str(), r.checksum.as_str()))
        .collect();
    for (j, m) in set.repeatables().iter().enumerate() {
        if all || recorded.get(m.name()) != Some(&m.checksum_hex().as_str()) {
            plan.steps.push(Step::ApplyRepeatable(j));
        }
    }
    let gone: Vec<&str> = recorded
        .keys()
        .copied()
        .filter(|name| !set.repeatables().iter().any(|m| m.name() == *name))
        .collect();
    if !gone.is_empty() {
        plan.warnings.push(format!(
            "repeatable migrations no longer in this build: {}; their records are forgotten, what they made stays in the database",
            gone.iter().map(|n| format!("R__{n}.sql")).collect::<Vec<_>>().join(", ")
        ));
        plan.steps.push(Step::ForgetRepeatables { all: false });
    }
}

/// A migration's own time bound on a statement PostgreSQL refuses inside a
/// transaction block can only be a session setting, which the lease lock's
/// transaction-pooling proxies may leave on another client's connection:
/// refused before anything runs.
fn session_bounds_under_lease(
    set: &Migrations,
    plan: &Plan,
    options: &Options,
) -> Result<(), Error> {
    if options.lock != LockMode::Lease {
        return Ok(());
    }
    for step in &plan.steps {
        let (m, statements) = match *step {
            Step::Apply(i) => (&set.as_slice()[i], set.as_slice()[i].up()),
            Step::ApplyRepeatable(j) => (&set.repeatables()[j], set.repeatables()[j].up()),
            Step::Revert(i) => (&set.as_slice()[i], set.as_slice()[i].down().unwrap_or(&[])),
            _ => continue,
        };
        let bounded = m.bounds() != Bounds::default();
        if bounded && statements.iter().any(|s| s.kind().refuses_transaction()) {
            return Err(Error::SessionBoundUnderLease {
                file: m.file_name().to_string(),
            });
        }
    }
    Ok(())
}

/// Revert steps for `versions`, newest first; fails before anything runs
/// when one is irreversible or not in the set.
fn revert_steps(set: &Migrations, versions: &[i64]) -> Result<Vec<Step>, Error> {
    let mut versions = versions.to_vec();
    versions.sort_unstable_by(|a, b| b.cmp(a));
    versions
        .into_iter()
        .map(|v| {
            let i = set
                .as_slice()
                .binary_search_by_key(&v, |m| m.version())
                .map_err(|_| Error::UnknownVersion(v))?;
            let m = &set.as_slice()[i];
            if m.is_irreversible() {
                return Err(Error::Irreversible {
                    file: m.file_name().to_string(),
                });
            }
            Ok(Step::Revert(i))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Migration, MigrationParts, Statement};

    /// The planner over tracking rows alone.
    fn plan(
        set: &Migrations,
        rows: &[AppliedRow],
        operation: &Operation,
        options: &Options,
    ) -> Result<Plan, Error> {
        super::plan(
            set,
            &History {
                rows: rows.to_vec(),
                ..History::default()
            },
            operation,
            options,
        )
    }

    fn status(set: &Migrations, rows: &[AppliedRow]) -> Vec<StatusEntry> {
        super::status(
            set,
            &History {
                rows: rows.to_vec(),
                ..History::default()
            },
        )
    }

    /// Versions with a DOWN section unless listed in `irreversible`.
    fn set(versions: &[i64], irreversible: &[i64]) -> Migrations {
        Migrations::new(
            versions
                .iter()
                .map(|v| {
                    Migration::new(MigrationParts {
                        version: *v,
                        name: format!("m{v}"),
                        file_name: format!("{v:03}_m{v}.sql"),
                        up: vec![Statement::new("SELECT 1", 1)],
                        down: (!irreversible.contains(v))
                            .then(|| vec![Statement::new("SELECT 1", 3)]),
                        checksum: [*v as u8; 32],
                        ..MigrationParts::default()
                    })
                })
                .collect(),
        )
    }

    /// Rows for (version, batch), with the set's checksums unless `changed`.
    fn rows(set: &Migrations, applied: &[(i64, i32)]) -> Vec<AppliedRow> {
        applied
            .iter()
            .map(|(v, b)| AppliedRow {
                version: *v,
                name: format!("m{v}"),
                description: None,
                checksum: set
                    .get(*v)
                    .map_or_else(|| "gone".to_string(), |m| m.checksum_hex()),
                batch: *b,
                applied_at: String::new(),
                duration_ms: 0,
                state: RowState::Applied,
                failed_line: None,
            })
            .collect()
    }

    fn versions(set: &Migrations, steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .map(|s| match s {
                Step::Apply(i) => format!("+{}", set.as_slice()[*i].version()),
                Step::Revert(i) => format!("-{}", set.as_slice()[*i].version()),
                Step::Record(i) => format!("={}", set.as_slice()[*i].version()),
                Step::AcceptChecksum(i) => format!("~{}", set.as_slice()[*i].version()),
                Step::ClearFailed(v) => format!("!{v}"),
                Step::RestoreApplied(v) => format!("^{v}"),
                Step::ApplyRepeatable(j) => format!("R{}", set.repeatables()[*j].name()),
                Step::ForgetRepeatables { all } => {
                    format!("forget{}", if *all { " all" } else { "" })
                }
            })
            .collect()
    }

    /// (known versions, irreversible ones, applied (version, batch), operation, steps or error).
    type Case = (
        &'static [i64],
        &'static [i64],
        &'static [(i64, i32)],
        Operation,
        Result<&'static [&'static str], &'static str>,
    );

    /// `set`, with the versions in `post` marked post-deploy, and one
    /// repeatable, `views`.
    fn phased(versions: &[i64], post: &[i64]) -> Migrations {
        let mut all: Vec<Migration> = versions
            .iter()
            .map(|v| {
                Migration::new(MigrationParts {
                    version: *v,
                    name: format!("m{v}"),
                    file_name: format!("{v:03}_m{v}.sql"),
                    up: vec![Statement::new("SELECT 1", 1)],
                    down: Some(vec![Statement::new("SELECT 1", 3)]),
                    checksum: [*v as u8; 32],
                    post_deploy: post.contains(v),
                    ..MigrationParts::default()
                })
            })
            .collect();
        all.push(Migration::new(MigrationParts {
            name: "views".into(),
            file_name: "R__views.sql".into(),
            up: vec![Statement::new("SELECT 1", 1)],
            checksum: [99; 32],
            repeatable: true,
            ..MigrationParts::default()
        }));
        Migrations::new(all)
    }

    #[test]
    fn phases_as_a_table() {
        use Phase::{All, Post, Pre};
        // (versions, post-deploy ones, applied (version, batch), phase, `to`, steps or error)
        type Case<'a> = (
            &'a [i64],
            &'a [i64],
            &'a [(i64, i32)],
            Phase,
            Option<i64>,
            Result<&'a [&'a str], &'a str>,
        );
        let cases: &[Case<'_>] = &[
            // A release: 2 expands, 3 contracts (post-deploy).
            (
                &[1, 2, 3],
                &[3],
                &[(1, 1)],
                Pre,
                None,
                Ok(&["+2", "Rviews"]),
            ),
            (&[1, 2, 3], &[3], &[(1, 1), (2, 2)], Post, None, Ok(&["+3"])),
            // Plain `up` applies everything in version order.
            (
                &[1, 2, 3],
                &[3],
                &[(1, 1)],
                All,
                None,
                Ok(&["+2", "+3", "Rviews"]),
            ),
            // Pending post left behind while newer regular ones applied: not
            // out of order, applied by the next post phase, or by plain up.
            (
                &[1, 2, 3, 4],
                &[2],
                &[(1, 1), (3, 2), (4, 3)],
                Post,
                None,
                Ok(&["+2"]),
            ),
            (
                &[1, 2, 3, 4],
                &[2],
                &[(1, 1), (3, 2), (4, 3)],
                All,
                None,
                Ok(&["+2", "Rviews"]),
            ),
            (
                &[1, 2, 3, 4],
                &[2],
                &[(1, 1), (3, 2)],
                Pre,
                None,
                Ok(&["+4", "Rviews"]),
            ),
            // Nothing for a phase to do.
            (
                &[1, 2, 3],
                &[3],
                &[(1, 1), (2, 2)],
                Pre,
                None,
                Ok(&["Rviews"]),
            ),
            (&[1, 2], &[], &[(1, 1)], Post, None, Ok(&[])),
            // Applied post-deploy migrations are history like any other.
            (
                &[1, 2, 3],
                &[2],
                &[(1, 1), (2, 2), (3, 3)],
                Pre,
                None,
                Ok(&["Rviews"]),
            ),
            // The post phase before the pre phase: refused, naming the regular one.
            (
                &[1, 2, 3],
                &[3],
                &[(1, 1)],
                Post,
                None,
                Err("002_m2.sql is pending and older than the post-deploy migration 003_m3.sql"),
            ),
            // ... unless the regular one is newer than every post-deploy one.
            (&[1, 2, 3], &[2], &[(1, 1)], Post, None, Ok(&["+2"])),
            // Several post-deploy migrations: version order only.
            (
                &[1, 2, 3, 4],
                &[2, 4],
                &[(1, 1), (3, 2)],
                Post,
                None,
                Ok(&["+2", "+4"]),
            ),
            (
                &[1, 2, 3, 4],
                &[2, 4],
                &[(1, 1), (3, 2)],
                Post,
                Some(2),
                Ok(&["+2"]),
            ),
            // A regular migration older than the newest applied is still out of order.
            (
                &[1, 2, 3],
                &[3],
                &[(1, 1), (3, 2)],
                Pre,
                None,
                Err("002_m2.sql is pending but older than"),
            ),
            (
                &[1, 2, 3],
                &[3],
                &[(1, 1), (3, 2)],
                All,
                None,
                Err("002_m2.sql is pending but older than"),
            ),
        ];
        for (known, post, applied, phase, to, want) in cases {
            let s = phased(known, post);
            let r = rows(&s, applied);
            let o = Options::default().phase(*phase);
            let got = plan(&s, &r, &Operation::Up { to: *to }, &o)
                .map(|p| versions(&s, &p.steps))
                .map_err(|e| e.to_string());
            match (&got, want) {
                (Ok(steps), Ok(want)) => assert_eq!(steps, want, "{phase:?} on {applied:?}"),
                (Err(e), Err(want)) => assert!(e.starts_with(want), "{phase:?}: {e}"),
                _ => panic!("{phase:?} on {applied:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn status_says_which_migrations_are_post_deploy() {
        let s = phased(&[1, 2, 3], &[3]);
        let entries = status(&s, &rows(&s, &[(1, 1)]));
        let post: Vec<(i64, bool)> = entries.iter().map(|e| (e.version, e.post_deploy)).collect();
        assert_eq!(post, [(1, false), (2, false), (3, true), (0, false)]);
        let pending = |phase| {
            entries
                .iter()
                .filter(|e| e.pending_in(phase))
                .map(|e| e.version)
                .collect::<Vec<_>>()
        };
        assert_eq!(pending(Phase::All), [2, 3, 0]);
        assert_eq!(pending(Phase::Pre), [2, 0]);
        assert_eq!(pending(Phase::Post), [3]);
    }

    #[test]
    fn plans_as_a_table() {
        let o = Options::default();
        let cases: &[Case] = &[
            (
                &[1, 2, 3],
                &[],
                &[],
                Operation::Up { to: None },
                Ok(&["+1", "+2", "+3"]),
            ),
            (
                &[1, 2, 3],
                &[],
                &[(1, 1)],
                Operation::Up { to: Some(2) },
                Ok(&["+2"]),
            ),
            (
                &[1, 2, 3],
                &[],
                &[(1, 1), (2, 1), (3, 1)],
                Operation::Up { to: None },
                Ok(&[]),
            ),
            (
                &[1, 2, 3],
                &[],
                &[(1, 1), (2, 2), (3, 2)],
                Operation::Rollback { batches: 1 },
                Ok(&["-3", "-2"]),
            ),
            (
                &[1, 2, 3],
                &[],
                &[(1, 1), (2, 2), (3, 3)],
                Operation::Rollback { batches: 2 },
                Ok(&["-3", "-2"]),
            ),
            (
                &[1, 2, 3],
                &[],
                &[(1, 1), (2, 1), (3, 1)],
                Operation::Down { count: 1 },
                Ok(&["-3"]),
            ),
            (
                &[1, 2, 3],
                &[],
                &[(1, 1), (2, 1), (3, 1)],
                Operation::DownTo { version: 1 },
                Ok(&["-3", "-2"]),
            ),
            (
                &[1, 2, 3],
                &[],
                &[(1, 1), (2, 1)],
                Operation::Reset,
                Ok(&["-2", "-1"]),
            ),
            (
                &[1, 2, 3],
                &[],
                &[],
                Operation::Baseline { version: 2 },
                Ok(&["=1", "=2"]),
            ),
            (
                &[1, 2, 3],
                &[2],
                &[(1, 1), (2, 1), (3, 1)],
                Operation::Rollback { batches: 1 },
                Err("it is irreversible"),
            ),
            (
                &[1, 2, 3],
                &[2],
                &[(1, 1), (2, 1), (3, 2)],
                Operation::Rollback { batches: 1 },
                Ok(&["-3"]),
            ),
            (
                &[1, 3],
                &[],
                &[(1, 1), (2, 1)],
                Operation::Up { to: None },
                Err("missing from the migration set"),
            ),
            (
                &[1],
                &[],
                &[(1, 1), (2, 1)],
                Operation::Up { to: None },
                Ok(&[]),
            ),
            (
                &[1, 2, 3],
                &[],
                &[(1, 1), (3, 1)],
                Operation::Up { to: None },
                Err("is pending but older than"),
            ),
            (
                &[1, 2],
                &[],
                &[],
                Operation::Up { to: Some(7) },
                Err("is not in the migration set"),
            ),
            (&[1, 2], &[], &[(1, 1)], Operation::Status, Ok(&[])),
            (
                &[1, 2, 3],
                &[],
                &[(1, 1), (2, 2)],
                Operation::Refresh,
                Ok(&["-2", "-1", "+1", "+2", "+3"]),
            ),
            (
                &[1, 2],
                &[1],
                &[(1, 1), (2, 2)],
                Operation::Refresh,
                Err("it is irreversible"),
            ),
            (
                &[1, 2, 3],
                &[],
                &[(1, 1), (2, 1), (3, 1)],
                Operation::DownTo { version: 3 },
                Ok(&[]),
            ),
            (
                &[1, 2, 3],
                &[],
                &[(1, 1), (2, 2), (3, 3)],
                Operation::Rollback { batches: 0 },
                Ok(&[]),
            ),
            (
                &[1, 2, 3],
                &[],
                &[(1, 1), (2, 1), (3, 1)],
                Operation::Baseline { version: 3 },
                Ok(&[]),
            ),
        ];
        for (known, irreversible, applied, op, want) in cases {
            let s = set(known, irreversible);
            let r = rows(&s, applied);
            let got = plan(&s, &r, op, &o)
                .map(|p| versions(&s, &p.steps))
                .map_err(|e| e.to_string());
            match (got, want) {
                (Ok(steps), Ok(want)) => assert_eq!(steps, *want, "{op:?} on {applied:?}"),
                (Err(e), Err(want)) => assert!(e.contains(want), "{op:?}: {e}"),
                (got, want) => panic!("{op:?} on {applied:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn drift_and_failures_block_every_change_but_repair() {
        let s = set(&[1, 2], &[]);
        let mut r = rows(&s, &[(1, 1), (2, 1)]);
        r[0].checksum = "changed".into();
        for op in [
            Operation::Up { to: None },
            Operation::Rollback { batches: 1 },
            Operation::Reset,
            Operation::Refresh,
            Operation::Baseline { version: 2 },
        ] {
            assert!(
                matches!(
                    plan(&s, &r, &op, &Options::default()),
                    Err(Error::ChecksumMismatch { .. })
                ),
                "{op:?}"
            );
        }
        let repair = plan(&s, &r, &Operation::Repair, &Options::default()).unwrap();
        assert_eq!(versions(&s, &repair.steps), vec!["~1"]);
        r[0].checksum = s.get(1).unwrap().checksum_hex();
        for (state, line, want_down, repaired) in [
            (RowState::Failed, Some(4), false, "!2"),
            (RowState::Applying, None, false, "!2"),
            (RowState::FailedDown, Some(3), true, "^2"),
            (RowState::Reverting, None, true, "^2"),
        ] {
            r[1].state = state;
            r[1].failed_line = line;
            let err = plan(&s, &r, &Operation::Up { to: None }, &Options::default()).unwrap_err();
            assert!(
                matches!(&err, Error::FailedMigration { line: l, down, .. } if l.map(|l| l as i32) == line && *down == want_down),
                "{state:?}: {err:?}"
            );
            assert_eq!(
                versions(
                    &s,
                    &plan(&s, &r, &Operation::Repair, &Options::default())
                        .unwrap()
                        .steps
                ),
                vec![repaired],
                "{state:?}"
            );
        }
    }

    #[test]
    fn out_of_order_is_allowed_when_asked_and_batches_count_up() {
        let s = set(&[1, 2, 3], &[]);
        let r = rows(&s, &[(1, 1), (3, 4)]);
        let p = plan(
            &s,
            &r,
            &Operation::Up { to: None },
            &Options::default().out_of_order(true),
        )
        .unwrap();
        assert_eq!(
            (versions(&s, &p.steps), p.batch),
            (vec!["+2".to_string()], 5)
        );
    }

    #[test]
    fn status_names_every_state() {
        let s = set(&[1, 2, 3, 4], &[]);
        let mut r = rows(&s, &[(1, 1), (2, 1), (3, 1), (4, 1), (9, 1)]);
        r[1].checksum = "x".into();
        r[2].state = RowState::Failed;
        r[2].failed_line = Some(2);
        r[3].state = RowState::Reverting;
        let s = set(&[1, 2, 3, 4, 5], &[]);
        let states: Vec<&str> = status(&s, &r).iter().map(|e| e.state.as_str()).collect();
        assert_eq!(
            states,
            vec![
                "applied",
                "modified",
                "failed",
                "interrupted",
                "pending",
                "missing"
            ]
        );
    }

    #[test]
    fn a_session_bound_on_a_statement_outside_a_transaction_is_refused_under_a_lease() {
        use crate::StatementKind;
        use std::time::Duration;
        let m = |bounds: Bounds, kind: StatementKind| {
            Migrations::new(vec![Migration::new(MigrationParts {
                version: 1,
                name: "m1".into(),
                file_name: "001_m1.sql".into(),
                up: vec![Statement::new("CREATE INDEX CONCURRENTLY i ON t (a)", 2).with_kind(kind)],
                down: Some(vec![
                    Statement::new("DROP INDEX CONCURRENTLY i", 4).with_kind(kind),
                ]),
                no_transaction: true,
                bounds,
                ..MigrationParts::default()
            })])
        };
        let bounded = Bounds {
            lock_timeout: None,
            statement_timeout: Some(Duration::from_secs(60)),
        };
        let lease = Options::default().lock_mode(LockMode::Lease);
        let up = Operation::Up { to: None };
        let refused = plan(
            &m(bounded, StatementKind::CreateIndexConcurrently),
            &[],
            &up,
            &lease,
        );
        assert!(
            matches!(refused, Err(Error::SessionBoundUnderLease { ref file }) if file == "001_m1.sql"),
            "{refused:?}"
        );
        // Advisory, no bound, or a statement that runs in a block: planned.
        for (set, options) in [
            (
                m(bounded, StatementKind::CreateIndexConcurrently),
                Options::default(),
            ),
            (
                m(Bounds::default(), StatementKind::CreateIndexConcurrently),
                lease.clone(),
            ),
            (m(bounded, StatementKind::Plain), lease.clone()),
        ] {
            assert_eq!(
                plan(&set, &[], &up, &options).map(|p| p.steps.len()).ok(),
                Some(1)
            );
        }
        // The DOWN's statements count for a rollback.
        let set = m(bounded, StatementKind::OutsideTransaction);
        let applied = rows(&set, &[(1, 1)]);
        assert!(plan(&set, &applied, &Operation::Rollback { batches: 1 }, &lease).is_err());
    }

    /// Versions 1 and 2 and the repeatables `a` and `b` (checksums from
    /// `text`), with records of (name, checksum text, batch).
    fn with_repeatables(text: &[(&str, &str)]) -> Migrations {
        let mut all: Vec<Migration> = set(&[1, 2], &[]).iter().cloned().collect();
        for (name, sql) in text {
            all.push(Migration::new(MigrationParts {
                name: (*name).into(),
                file_name: format!("R__{name}.sql"),
                up: vec![Statement::new(sql.to_string(), 1)],
                checksum: sqlstrata_model::checksum(&[*sql], false),
                repeatable: true,
                ..MigrationParts::default()
            }));
        }
        Migrations::new(all)
    }

    fn record(name: &str, sql: &str, batch: i32) -> RepeatableRow {
        RepeatableRow {
            name: name.into(),
            checksum: sqlstrata_model::to_hex(&sqlstrata_model::checksum(&[sql], false)),
            batch,
            applied_at: String::new(),
        }
    }

    fn planned(set: &Migrations, history: &History, op: Operation) -> Vec<String> {
        let p = super::plan(set, history, &op, &Options::default()).unwrap();
        versions(set, &p.steps)
    }

    #[test]
    fn repeatables_run_after_the_versioned_ones_when_their_text_differs_from_the_last_run() {
        let s = with_repeatables(&[("b", "SELECT 2"), ("a", "SELECT 1")]);
        let up = Operation::Up { to: None };
        let mut h = History {
            rows: Vec::new(),
            repeatables: Vec::new(),
            raw: 0,
        };
        // Never ran: after every versioned one, in name order.
        assert_eq!(planned(&s, &h, up), ["+1", "+2", "Ra", "Rb"]);
        // With `to`, not yet.
        assert_eq!(planned(&s, &h, Operation::Up { to: Some(1) }), ["+1"]);
        h.rows = rows(&s, &[(1, 1), (2, 1)]);
        h.repeatables = vec![record("a", "SELECT 1", 1), record("b", "SELECT 2", 1)];
        assert!(planned(&s, &h, up).is_empty(), "unchanged: never run");
        // Changed, or back to an older text: the last run's checksum counts.
        h.repeatables[1] = record("b", "SELECT 'older'", 2);
        assert_eq!(planned(&s, &h, up), ["Rb"]);
        let p = super::plan(&s, &h, &up, &Options::default()).unwrap();
        assert_eq!(p.batch, 3, "after the newest batch of either table");
        // A record whose file is gone: forgotten, with a warning.
        h.repeatables = vec![
            record("a", "SELECT 1", 1),
            record("b", "SELECT 2", 1),
            record("old", "SELECT 3", 1),
        ];
        let p = super::plan(&s, &h, &up, &Options::default()).unwrap();
        assert_eq!(versions(&s, &p.steps), ["forget"]);
        assert!(p.warnings[0].contains("R__old.sql"), "{:?}", p.warnings);
        // The database ahead of this build: nothing, repeatables included.
        h.rows = rows(&s, &[(1, 1), (2, 1), (9, 2)]);
        h.repeatables[0] = record("a", "SELECT 'other'", 1);
        assert!(planned(&s, &h, up).is_empty());
    }

    #[test]
    fn reverts_forget_the_records_and_refresh_runs_every_repeatable_again() {
        let s = with_repeatables(&[("a", "SELECT 1")]);
        let h = History {
            rows: rows(&s, &[(1, 1), (2, 2)]),
            repeatables: vec![record("a", "SELECT 1", 2)],
            raw: 2,
        };
        assert_eq!(
            planned(&s, &h, Operation::Rollback { batches: 1 }),
            ["-2", "forget all"]
        );
        assert_eq!(
            planned(&s, &h, Operation::Reset),
            ["-2", "-1", "forget all"]
        );
        assert_eq!(
            planned(&s, &h, Operation::Refresh),
            ["-2", "-1", "+1", "+2", "Ra"]
        );
        // Nothing reverted, nothing forgotten; no records, nothing to forget.
        assert!(planned(&s, &h, Operation::DownTo { version: 2 }).is_empty());
        let bare = History {
            repeatables: Vec::new(),
            ..h.clone()
        };
        assert_eq!(planned(&s, &bare, Operation::Down { count: 1 }), ["-2"]);
        // Baseline and repair leave repeatables alone.
        assert_eq!(
            planned(&s, &History::default(), Operation::Baseline { version: 2 }),
            ["=1", "=2"]
        );
    }

    #[test]
    fn status_lists_repeatables_applied_pending_changed_and_missing() {
        let s = with_repeatables(&[("a", "SELECT 1"), ("b", "SELECT 2"), ("c", "SELECT 3")]);
        let h = History {
            rows: rows(&s, &[(1, 1), (2, 1)]),
            repeatables: vec![
                record("a", "SELECT 1", 1),
                record("b", "SELECT 'before'", 1),
                record("gone", "SELECT 4", 1),
            ],
            raw: 2,
        };
        let entries = super::status(&s, &h);
        let shown: Vec<(bool, &str, &str, Option<i32>)> = entries
            .iter()
            .map(|e| (e.repeatable, e.name.as_str(), e.state.as_str(), e.batch))
            .collect();
        assert_eq!(
            shown,
            [
                (false, "m1", "applied", Some(1)),
                (false, "m2", "applied", Some(1)),
                (true, "a", "applied", Some(1)),
                (true, "b", "changed", Some(1)),
                (true, "c", "pending", None),
                (true, "gone", "missing", Some(1)),
            ]
        );
    }

    #[test]
    fn the_history_digest_is_the_sets_when_everything_is_applied() {
        let s = with_repeatables(&[("a", "SELECT 1")]);
        let mut h = History {
            rows: rows(&s, &[(1, 1), (2, 1)]),
            repeatables: vec![record("a", "SELECT 1", 1)],
            raw: 2,
        };
        assert_eq!(h.digest(), s.fingerprint());
        h.repeatables[0] = record("a", "SELECT 2", 1);
        assert_ne!(h.digest(), s.fingerprint());
        h.repeatables.clear();
        assert_ne!(h.digest(), s.fingerprint());
    }
}
