//! What the schema model adds to reading a folder: 1000 migrations (a mix
//! of new tables with keys and references, added, renamed and dropped
//! columns, indexes, views, functions and triggers, each with a DOWN),
//! read without the cache with the model on and off (`[schema] check`), then
//! through the macro's cache (second read: every file a hit) on and off.
//!
//! `cargo run --release -p sqlstrata-bench --bin schema_model [N]`

use std::path::Path;

use sqlstrata_bench::{median, time_runs};
use sqlstrata_core::{read_folder, read_folder_cached};

/// The newest table made before migration `i` (migration 1 makes `t_1`).
fn last_table(i: usize) -> usize {
    (1..i)
        .rev()
        .find(|j| *j == 1 || makes_table(*j))
        .unwrap_or(1)
}

fn makes_table(i: usize) -> bool {
    !(i % 5 == 1 || (i.is_multiple_of(5) && i > 5))
}

fn migration(i: usize) -> String {
    let t = format!("t_{i}");
    let prev = format!("t_{}", last_table(i));
    match i % 5 {
        0 if i > 5 => format!(
            "-- UP\nALTER TABLE {prev} ADD COLUMN note_{i} text;\nALTER TABLE {prev} RENAME COLUMN name TO title_{i};\nCREATE INDEX idx_{i} ON {prev} (note_{i});\n-- DOWN\nDROP INDEX idx_{i};\nALTER TABLE {prev} RENAME COLUMN title_{i} TO name;\nALTER TABLE {prev} DROP COLUMN note_{i};\n"
        ),
        1 => format!(
            "-- UP\nCREATE VIEW v_{i} AS SELECT id, email FROM {prev};\nCREATE FUNCTION f_{i}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TRIGGER trg_{i} BEFORE UPDATE ON {prev} FOR EACH ROW EXECUTE FUNCTION f_{i}();\n-- DOWN\nDROP TRIGGER trg_{i} ON {prev};\nDROP FUNCTION f_{i}();\nDROP VIEW v_{i};\n"
        ),
        _ => format!(
            "-- UP\nCREATE TABLE {t} (\n    id bigserial PRIMARY KEY,\n    name text NOT NULL,\n    email text UNIQUE,\n    parent_id bigint REFERENCES {prev} (id),\n    created_at timestamptz NOT NULL DEFAULT now(),\n    CHECK (length(name) > 0)\n);\nCREATE INDEX ON {t} (parent_id);\nINSERT INTO {t} (name, email) VALUES ('a', 'b');\n-- DOWN\nDROP TABLE {t};\n"
        ),
    }
}

fn write_set(dir: &Path, n: usize, check: bool) {
    std::fs::create_dir_all(dir).expect("folder");
    // The first migration makes t_1, which the others reference.
    for i in 1..=n {
        let sql = if i == 1 {
            migration(2).replace("t_2", "t_1")
        } else {
            migration(i)
        };
        std::fs::write(dir.join(format!("{i:04}_m_{i}.sql")), sql).expect("write");
    }
    std::fs::write(
        dir.join("sqlstrata.toml"),
        format!("[lints]\nallow = [\"require-concurrent-index-creation\", \"ban-drop-table\", \"ban-drop-column\", \"renaming-column\", \"constraint-missing-not-valid\", \"adding-field-with-default\"]\n[schema]\ncheck = {check}\n"),
    )
    .expect("write settings");
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let base = std::env::temp_dir().join(format!("sqlstrata-bench-schema-{}", std::process::id()));
    let cache = base.join("cache");
    // SAFETY: set before any thread starts.
    unsafe { std::env::set_var("SQLSTRATA_CACHE_DIR", &cache) };
    let mut rows = Vec::new();
    for check in [false, true] {
        let dir = base.join(format!("check-{check}"));
        write_set(&dir, n, check);
        let folder = read_folder(&dir, "migrations");
        assert!(
            !folder.has_errors(),
            "{:?}",
            folder
                .diagnostics
                .iter()
                .find(|d| d.is_error())
                .map(|d| d.to_string())
        );
        assert!(folder.diagnostics.is_empty(), "{}", folder.diagnostics[0]);
        let statements: usize = folder
            .migrations
            .iter()
            .map(|m| m.statements().count())
            .sum();
        let uncached = time_runs(11, || {
            let f = read_folder(&dir, "migrations");
            assert_eq!(f.migrations.len(), n);
        });
        let _ = read_folder_cached(&dir, "migrations");
        let cached = time_runs(11, || {
            let f = read_folder_cached(&dir, "migrations");
            assert_eq!(f.migrations.len(), n);
        });
        rows.push((check, statements, median(&uncached), median(&cached)));
    }
    let set = read_folder(&base.join("check-true"), "migrations").migrations;
    let model = time_runs(11, || {
        let f = sqlstrata_core::schema::check_set(&set, &[], &[]);
        assert!(f.is_empty());
    });
    for (check, statements, uncached, cached) in &rows {
        println!(
            "schema check {}: {n} migrations, {statements} statements: uncached read {:.1} ms, cached read {:.1} ms (medians of 11)",
            if *check { "on " } else { "off" },
            ms(*uncached),
            ms(*cached)
        );
    }
    println!(
        "the model alone (check_set): {:.1} ms (median of 11)",
        ms(median(&model))
    );
    let _ = std::fs::remove_dir_all(&base);
}
