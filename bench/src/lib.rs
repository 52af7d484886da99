//! Helpers shared by the benchmark binaries: generated migration sets and timing.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

/// Writes `n` migrations into `dir`, each a `CREATE TABLE` and a `CREATE
/// INDEX` with a DOWN section: three statements per migration.
pub fn generate_set(dir: &Path, n: usize) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    for i in 1..=n {
        let sql = format!(
            "-- Migration: {i:04}_table_{i}\n-- Description: generated table {i}\n\n-- UP\n\
             CREATE TABLE t_{i} (\n    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    name TEXT NOT NULL,\n    created_at TIMESTAMPTZ NOT NULL DEFAULT now()\n);\n\
             CREATE INDEX idx_t_{i}_created ON t_{i} (created_at);\n\n-- DOWN\nDROP TABLE t_{i};\n"
        );
        fs::write(dir.join(format!("{i:04}_table_{i}.sql")), sql)?;
    }
    Ok(())
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
