//! The README's first library snippet runs clean as written: the README
//! shows `tests/examples/quickstart.rs` (but for the folder's path), and
//! that binary runs against a fresh database and exits 0.

use std::path::{Path, PathBuf};
use std::process::Command;

use sqlstrata_tests::Scratch;

/// The first `rust` block after "Use it in your crate:".
fn readme_snippet() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let from = readme
        .find("Use it in your crate:")
        .expect("the quickstart's library part");
    let start = readme[from..].find("```rust\n").expect("a rust block") + from + "```rust\n".len();
    let end = readme[start..].find("```").expect("its end") + start;
    readme[start..end].to_string()
}

fn example() -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart.rs"),
    )
    .unwrap();
    // Without its module comment, and with the README's path.
    let code: Vec<&str> = text
        .lines()
        .skip_while(|l| l.starts_with("//!") || l.is_empty())
        .collect();
    (code.join("\n") + "\n").replace(
        "migrations!(\"../migrations\")",
        "migrations!(\"migrations\")",
    )
}

#[test]
fn the_readme_shows_the_quickstart_example() {
    assert_eq!(
        readme_snippet(),
        example(),
        "README.md and tests/examples/quickstart.rs differ"
    );
}

/// The example's binary, built by `cargo test` beside this test's.
fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().and_then(Path::parent).unwrap();
    debug.join("examples").join("quickstart")
}

#[test]
fn the_quickstart_runs_clean_as_written() {
    let db = Scratch::new();
    let out = Command::new(binary())
        .env("DATABASE_URL", &db.url)
        .output()
        .expect("the quickstart example (built by cargo test)");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.starts_with("applied [1, 2, 3, 4, 5, 6, 7] in batch Some(1)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("kept: 005_normalise_emails.sql cannot be undone"),
        "{stdout}"
    );
    // Nothing was rolled back.
    let applied: i64 = db
        .connect()
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .unwrap()
        .get(0);
    assert_eq!(applied, 7);
}

#[test]
fn an_error_from_main_reads_as_a_sentence() {
    let db = Scratch::new();
    // A table of the tracking table's name that is not one: sqlstrata's error.
    db.connect()
        .batch_execute("CREATE TABLE schema_migrations (id int)")
        .unwrap();
    let out = Command::new(binary())
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.starts_with("Error: table \"public\".\"schema_migrations\" exists but is not a sqlstrata tracking table"),
        "{stderr}"
    );
    assert!(!stderr.contains("ForeignTrackingTable"), "{stderr}");
}
