//! A baseline written by `sqlstrata squash` stands for the migrations it
//! replaced (`-- sqlstrata: squashes 001..120`). A database that applied
//! them all has their rows, not the baseline's: those rows are read as the
//! baseline's one row, so the baseline counts as applied without running and
//! the old rows stay as they are. A database that applied only some of them
//! cannot take the baseline, nor the later migrations written after it.

use std::collections::BTreeSet;

use sqlstrata_model::Migrations;

use crate::error::Error;
use crate::tracking::{AppliedRow, RowState};

/// The tracking rows as the set sees them: each baseline's squashed history
/// read as the baseline's row.
pub(crate) fn view(set: &Migrations, mut rows: Vec<AppliedRow>) -> Result<Vec<AppliedRow>, Error> {
    for baseline in set.iter().filter(|m| !m.squashes().is_empty()) {
        let squashed: BTreeSet<i64> = baseline.squashes().iter().copied().collect();
        let covered: Vec<&AppliedRow> = rows
            .iter()
            .filter(|r| squashed.contains(&r.version))
            .collect();
        let own = |r: &AppliedRow| {
            r.version == baseline.version() && r.checksum == baseline.checksum_hex()
        };
        if covered.is_empty() || (covered.len() == 1 && own(covered[0])) {
            continue;
        }
        let have: BTreeSet<i64> = covered.iter().map(|r| r.version).collect();
        let lacking: Vec<i64> = squashed.difference(&have).copied().collect();
        if !lacking.is_empty() {
            return Err(Error::PartialSquash {
                file: baseline.file_name().to_string(),
                lacking,
            });
        }
        if covered.iter().any(|r| r.state != RowState::Applied) {
            // A failed or interrupted one among them: the checks say so.
            continue;
        }
        let newest = covered
            .iter()
            .max_by_key(|r| r.version)
            .map(|r| (*r).clone());
        let batch = covered.iter().map(|r| r.batch).max().unwrap_or(1);
        rows.retain(|r| !squashed.contains(&r.version));
        if let Some(newest) = newest {
            rows.push(AppliedRow {
                version: baseline.version(),
                name: baseline.name().to_string(),
                description: baseline.description().map(str::to_string),
                checksum: baseline.checksum_hex(),
                batch,
                applied_at: newest.applied_at,
                duration_ms: 0,
                state: RowState::Applied,
                failed_line: None,
            });
        }
    }
    rows.sort_by_key(|r| r.version);
    Ok(rows)
}
