//! How long core takes to read and check a folder of generated migrations:
//! the work the macro does at compile time (when its cache misses) and
//! `sqlstrata check` does at run time.
//!
//! `cargo run --release -p sqlstrata-bench --bin check_folder [N]`
//!     N migrations of three statements each (default 1000; the 10x point: 10000)
//! `cargo run --release -p sqlstrata-bench --bin check_folder one-file N`
//!     one migration whose UP section holds N statements

use sqlstrata_bench::{generate_set, median, time_runs};
use sqlstrata_core::read_folder;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let one_file = args.first().is_some_and(|a| a == "one-file");
    let n: usize = args
        .get(usize::from(one_file))
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = std::env::temp_dir().join(format!("sqlstrata-bench-check-{}", std::process::id()));
    if one_file {
        std::fs::create_dir_all(&dir).expect("folder");
        let mut sql = String::from("-- UP\n");
        for i in 0..n {
            sql.push_str(&format!(
                "CREATE TABLE t_{i} (id bigint PRIMARY KEY, name text NOT NULL DEFAULT 'x');\n"
            ));
        }
        sql.push_str("-- DOWN\nSELECT 1;\n");
        std::fs::write(dir.join("001_big.sql"), sql).expect("write the file");
    } else {
        generate_set(&dir, n).expect("generate the set");
    }
    let folder = read_folder(&dir, "migrations");
    assert!(!folder.has_errors(), "{:?}", folder.diagnostics.first());
    let statements: usize = folder
        .migrations
        .iter()
        .map(|m| m.statements().count())
        .sum();
    let bytes: u64 = folder
        .files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let runs = if one_file { 3 } else { 15 };
    let times = time_runs(runs, || {
        let f = read_folder(&dir, "migrations");
        assert_eq!(f.migrations.len(), folder.migrations.len());
    });
    println!(
        "check_folder: {} migrations, {statements} statements, {:.1} MB: median {:.1} ms (min {:.1}, max {:.1}) over {} runs",
        folder.migrations.len(),
        bytes as f64 / 1e6,
        median(&times).as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        times.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
