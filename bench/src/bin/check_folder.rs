//! How long core takes to read and check a folder of 1000 generated
//! migrations (3000 statements): the work the macro does at compile time and
//! `sqlstrata check` does at run time.
//!
//! cargo run --release -p sqlstrata-bench --bin check_folder

use sqlstrata_bench::{generate_set, median, time_runs};
use sqlstrata_core::read_folder;

fn main() {
    let dir = std::env::temp_dir().join(format!("sqlstrata-bench-check-{}", std::process::id()));
    generate_set(&dir, 1000).expect("generate the set");
    let folder = read_folder(&dir, "migrations");
    assert!(!folder.has_errors(), "{:?}", folder.diagnostics.first());
    let statements: usize = folder
        .migrations
        .iter()
        .map(|m| m.up.len() + m.down.as_ref().map_or(0, Vec::len))
        .sum();
    let times = time_runs(15, || {
        let f = read_folder(&dir, "migrations");
        assert_eq!(f.migrations.len(), 1000);
    });
    println!(
        "check_folder: {} migrations, {statements} statements: median {:.1} ms (min {:.1}, max {:.1}) over {} runs",
        folder.migrations.len(),
        median(&times).as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        times.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
