//! What a run did.

use std::time::Duration;

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
        }
    }
}

/// One migration a run applied, reverted, recorded or repaired, reported
/// only once what was done is committed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Done {
    /// The version.
    pub version: i64,
    /// The name.
    pub name: String,
    /// What was done.
    pub action: Action,
    /// How long it took.
    pub duration: Duration,
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
}

impl Report {
    /// The versions applied (or recorded), in order.
    pub fn applied(&self) -> Vec<i64> {
        self.versions(|a| matches!(a, Action::Applied | Action::Recorded))
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
