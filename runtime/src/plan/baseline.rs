//! A baseline written by `sqlstrata squash` stands for the migrations it
//! replaced (`-- sqlstrata: squashes 001..120`). A database that applied
//! them all has their rows, not the baseline's: those rows are read as the
//! baseline's one row, so the baseline counts as applied without running and
//! the old rows stay as they are. A database that applied only some of them
//! cannot take the baseline, nor the later migrations written after it.

use std::collections::BTreeSet;

use sqlstrata_model::Migrations;

use crate::error::Error;
use crate::plan::history::{AppliedRow, RowState};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Migration, MigrationParts, Statement};

    /// 003, a baseline squashing 001..003, and 004 after it.
    fn squashed() -> Migrations {
        let m = |v: i64, squashes: Vec<i64>| {
            Migration::new(MigrationParts {
                version: v,
                name: format!("m{v}"),
                file_name: format!("{v:03}_m{v}.sql"),
                description: Some(format!("d{v}")),
                up: vec![Statement::new("SELECT 1", 1)],
                checksum: [v as u8; 32],
                squashes,
                ..MigrationParts::default()
            })
        };
        Migrations::new(vec![m(3, vec![1, 2, 3]), m(4, vec![])])
    }

    fn row(v: i64, batch: i32, checksum: &str, state: RowState) -> AppliedRow {
        AppliedRow {
            version: v,
            name: format!("old{v}"),
            description: None,
            checksum: checksum.to_string(),
            batch,
            applied_at: format!("2026-01-0{v}"),
            duration_ms: 5,
            state,
            failed_line: None,
        }
    }

    #[test]
    fn the_whole_history_reads_as_the_baseline_row() {
        let set = squashed();
        let four = set.get(4).unwrap().checksum_hex();
        let rows = vec![
            row(2, 1, "x", RowState::Applied),
            row(1, 1, "y", RowState::Applied),
            row(4, 3, &four, RowState::Applied),
            row(3, 2, "z", RowState::Applied),
        ];
        let seen = view(&set, rows).unwrap();
        assert_eq!(seen.len(), 2);
        let base = &seen[0];
        assert_eq!((base.version, base.name.as_str(), base.batch), (3, "m3", 2));
        assert_eq!(base.checksum, set.get(3).unwrap().checksum_hex());
        assert_eq!(base.description.as_deref(), Some("d3"));
        assert_eq!(base.applied_at, "2026-01-03", "the newest squashed row's");
        assert_eq!(base.state, RowState::Applied);
        assert_eq!(seen[1].version, 4);
    }

    #[test]
    fn a_fresh_database_and_the_baselines_own_row_are_left_alone() {
        let set = squashed();
        assert!(view(&set, vec![]).unwrap().is_empty());
        let own = set.get(3).unwrap().checksum_hex();
        let rows = vec![row(3, 1, &own, RowState::Applied)];
        assert_eq!(view(&set, rows.clone()).unwrap(), rows);
        // Its version with another checksum is one of the squashed rows.
        let other = vec![row(3, 1, "other", RowState::Applied)];
        assert!(matches!(
            view(&set, other),
            Err(Error::PartialSquash { lacking, .. }) if lacking == vec![1, 2]
        ));
    }

    #[test]
    fn part_of_the_history_is_an_error_naming_what_is_lacking() {
        let set = squashed();
        let rows = vec![row(1, 1, "x", RowState::Applied)];
        match view(&set, rows) {
            Err(Error::PartialSquash { file, lacking }) => {
                assert_eq!(file, "003_m3.sql");
                assert_eq!(lacking, vec![2, 3]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_failed_row_among_them_is_left_for_the_checks() {
        let set = squashed();
        let rows = vec![
            row(1, 1, "x", RowState::Applied),
            row(2, 1, "y", RowState::Failed),
            row(3, 1, "z", RowState::Applied),
        ];
        assert_eq!(view(&set, rows.clone()).unwrap(), rows);
    }
}
