//! What a run did.

use std::time::Duration;

use crate::plan::StatusEntry;

/// One migration a run applied, reverted or recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    /// The version.
    pub version: i64,
    /// The name.
    pub name: String,
    /// Whether it was reverted (DOWN) rather than applied.
    pub reverted: bool,
    /// How long it took.
    pub duration: Duration,
}

/// The report of a run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// The batch new records went into, when any were made.
    pub batch: Option<i32>,
    /// What was done, in order.
    pub done: Vec<Done>,
    /// Warnings (for example: the database is ahead of this build).
    pub warnings: Vec<String>,
    /// For `status`: every migration and its state.
    pub status: Vec<StatusEntry>,
}

impl Report {
    /// The versions applied (or recorded).
    pub fn applied(&self) -> Vec<i64> {
        self.done
            .iter()
            .filter(|d| !d.reverted)
            .map(|d| d.version)
            .collect()
    }

    /// The versions reverted, newest first.
    pub fn reverted(&self) -> Vec<i64> {
        self.done
            .iter()
            .filter(|d| d.reverted)
            .map(|d| d.version)
            .collect()
    }
}
