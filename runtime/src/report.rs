//! What a run did.

use std::time::Duration;

use crate::error::Blocker;
use crate::plan::StatusEntry;

/// What was done to one migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Its UP section ran and it was recorded.
    Applied,
    /// Its DOWN section ran and its record was deleted.
    Reverted,
    /// Recorded as applied without running (`baseline`).
    Recorded,
    /// Its current checksum was accepted (`repair`).
    ChecksumAccepted,
    /// The record of a part-way failure or interruption was cleared
    /// (`repair`): back to pending after a failed UP, to applied after a
    /// failed DOWN.
    FailureCleared,
    /// A repeatable migration ran and its checksum was recorded.
    AppliedRepeatable,
}

impl Action {
    /// A lower-case name, as the JSON output shows it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Applied => "applied",
            Action::Reverted => "reverted",
            Action::Recorded => "recorded",
            Action::ChecksumAccepted => "checksum accepted",
            Action::FailureCleared => "failure cleared",
            Action::AppliedRepeatable => "applied repeatable",
        }
    }
}

/// One migration a run applied, reverted, recorded or repaired, reported
/// only once what was done is committed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Done {
    /// The version (0 for a repeatable migration).
    pub version: i64,
    /// The name.
    pub name: String,
    /// What was done.
    pub action: Action,
    /// How long it took.
    pub duration: Duration,
}

/// A migration a run is starting: the step of the plan it is, of how many
/// (see [`crate::Migrator::on_start`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Starting {
    /// The migration's file.
    pub file: String,
    /// Which step of the plan (1 for the first).
    pub step: usize,
    /// How many steps the plan has.
    pub steps: usize,
    /// The line of the statement starting, for a `no-transaction`
    /// migration's statements (each its own round trip); `None` when the
    /// migration starts (a transaction's statements go to the server
    /// together).
    pub line: Option<u32>,
}

/// A statement that gave way to a lock: it waited longer than its bound (or
/// was a deadlock's victim), its transaction was rolled back, and the run
/// tries again after `retry_in`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LockWait {
    /// The migration file.
    pub file: String,
    /// The statement's line; `None` when it was the migration's record.
    pub line: Option<u32>,
    /// Which attempt it was (1 for the first).
    pub attempt: u32,
    /// Why it gave way.
    pub gave: Gave,
    /// The lock bound it waited (`None`: a deadlock, or no bound).
    pub bound: Option<Duration>,
    /// The pause before the next attempt.
    pub retry_in: Duration,
    /// The sessions that held or waited for a lock on what it names.
    pub blockers: Vec<Blocker>,
}

impl std::fmt::Display for LockWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}", self.file)?,
            None => write!(f, "{} (its record)", self.file)?,
        }
        match (self.gave, self.bound) {
            (Gave::Deadlock, _) => write!(f, ": a deadlock's victim")?,
            (Gave::LockTimeout, Some(b)) => {
                write!(f, ": waited {:.1}s for a lock", b.as_secs_f64())?
            }
            (Gave::LockTimeout, None) => write!(f, ": waited too long for a lock")?,
        }
        write!(
            f,
            " (attempt {}); rolled back, retrying in {:.1}s",
            self.attempt,
            self.retry_in.as_secs_f64()
        )?;
        if self.blockers.is_empty() {
            write!(f, "; no session holds a lock on what it names now")?;
        }
        for b in &self.blockers {
            write!(f, "\n  blocked by {b}")?;
        }
        Ok(())
    }
}

/// The report of a run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Report {
    /// The batch new records went into, when any were made.
    pub batch: Option<i32>,
    /// What was done, in order.
    pub done: Vec<Done>,
    /// Warnings (for example: the database is ahead of this build).
    pub warnings: Vec<String>,
    /// For `status`: every migration and its state.
    pub status: Vec<StatusEntry>,
    /// How long the run waited for another run's lock.
    pub lock_wait: Duration,
    /// Each time a statement gave way to a lock and was retried.
    pub lock_waits: Vec<LockWait>,
}

impl Report {
    /// The versions applied (or recorded), in order.
    pub fn applied(&self) -> Vec<i64> {
        self.versions(|a| matches!(a, Action::Applied | Action::Recorded))
    }

    /// The names of the repeatable migrations applied, in order.
    ///
    /// ```
    /// assert!(sqlstrata::Report::default().repeatables_applied().is_empty());
    /// ```
    pub fn repeatables_applied(&self) -> Vec<&str> {
        self.done
            .iter()
            .filter(|d| d.action == Action::AppliedRepeatable)
            .map(|d| d.name.as_str())
            .collect()
    }

    /// The versions reverted, newest first.
    pub fn reverted(&self) -> Vec<i64> {
        self.versions(|a| a == Action::Reverted)
    }

    fn versions(&self, keep: impl Fn(Action) -> bool) -> Vec<i64> {
        self.done
            .iter()
            .filter(|d| keep(d.action))
            .map(|d| d.version)
            .collect()
    }
}

/// Why a statement gave way to a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gave {
    /// It waited for a lock longer than its bound (`55P03`).
    LockTimeout,
    /// It was a deadlock's victim (`40P01`).
    Deadlock,
}

impl Gave {
    /// The lock wait a server error says, if it is one.
    pub(crate) fn of(e: &crate::error::DbError) -> Option<Gave> {
        match e.code.as_str() {
            "55P03" => Some(Gave::LockTimeout),
            "40P01" => Some(Gave::Deadlock),
            _ => None,
        }
    }
}
