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
use crate::error::Error;
use crate::inspect::catalog;
use crate::options::Options;
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
    Ok(Snapshot(catalog::snapshot(session, options).await?.lines()))
}

/// What the database behind `session` has that a new one does not.
async fn beyond_new<S: Session>(session: &mut S, options: &Options) -> Result<Vec<String>, Error> {
    Ok(catalog::snapshot(session, options).await?.beyond_new())
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
    let objects = beyond_new(session, options).await?;
    if !objects.is_empty() {
        return Err(Error::NotEmpty { objects });
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
