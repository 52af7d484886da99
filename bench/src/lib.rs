//! Helpers shared by the benchmark binaries: generated migration sets and timing.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

/// The statements of generated migration `i`: UP (a `CREATE TABLE` and a
/// `CREATE INDEX`) and DOWN.
pub fn table_migration(i: usize) -> ([String; 2], String) {
    (
        [
            format!(
                "CREATE TABLE t_{i} (\n    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    name TEXT NOT NULL,\n    created_at TIMESTAMPTZ NOT NULL DEFAULT now()\n)"
            ),
            format!("CREATE INDEX idx_t_{i}_created ON t_{i} (created_at)"),
        ],
        format!("DROP TABLE t_{i}"),
    )
}

/// Writes `n` generated migrations into `dir`: three statements each.
pub fn generate_set(dir: &Path, n: usize) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    for i in 1..=n {
        let ([table, index], down) = table_migration(i);
        let sql = format!(
            "-- Migration: {i:04}_table_{i}\n-- Description: generated table {i}\n\n-- UP\n{table};\n{index};\n\n-- DOWN\n{down};\n"
        );
        fs::write(dir.join(format!("{i:04}_table_{i}.sql")), sql)?;
    }
    Ok(())
}

/// The same `n` migrations as an in-memory set; `salt` changes every
/// checksum (so two sets of the same size get different templates).
pub fn generated(n: usize, salt: &str) -> sqlstrata::Migrations {
    use sqlstrata::{Migration, MigrationParts, Statement};
    sqlstrata::Migrations::new(
        (1..=n)
            .map(|i| {
                let ([table, index], down) = table_migration(i);
                Migration::new(MigrationParts {
                    version: i as i64,
                    name: format!("table_{i}"),
                    file_name: format!("{i:04}_table_{i}.sql"),
                    checksum: sqlstrata_core::checksum::checksum(
                        &[format!("{salt}{n}{table}")],
                        false,
                    ),
                    up: vec![Statement::new(table, 5), Statement::new(index, 10)],
                    down: Some(vec![Statement::new(down, 13)]),
                    ..MigrationParts::default()
                })
            })
            .collect(),
    )
}

/// Runs `f` `runs` times and returns the sorted durations.
pub fn time_runs(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times
}

/// The median of sorted durations.
pub fn median(sorted: &[Duration]) -> Duration {
    sorted[sorted.len() / 2]
}

/// The counting proxy, shared with the tests.
pub use sqlstrata_tests::proxy;
