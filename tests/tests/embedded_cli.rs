//! `sqlstrata_cli::run_from(args, &MIGRATIONS)`: the CLI's database
//! commands over the set embedded in an application binary.

use std::process::ExitCode;

use sqlstrata_cli::{EXIT_PENDING, run_from};
use sqlstrata_tests::{EXAMPLE, Scratch};

fn run(url: &str, args: &[&str]) -> ExitCode {
    let mut all = vec!["app", "--database-url", url];
    all.extend_from_slice(args);
    run_from(all, &EXAMPLE)
}

#[test]
fn the_embedded_set_has_the_same_commands() {
    let db = Scratch::new();
    assert_eq!(
        run(&db.url, &["status", "--pending"]),
        ExitCode::from(EXIT_PENDING)
    );
    assert_eq!(run(&db.url, &["up", "--to", "5"]), ExitCode::SUCCESS);
    assert_eq!(run(&db.url, &["up"]), ExitCode::SUCCESS);
    assert_eq!(run(&db.url, &["status", "--pending"]), ExitCode::SUCCESS);
    let mut c = db.connect();
    let batches: i64 = c
        .query_one("SELECT count(DISTINCT batch) FROM schema_migrations", &[])
        .unwrap()
        .get(0);
    assert_eq!(batches, 2);
    assert_eq!(run(&db.url, &["rollback"]), ExitCode::SUCCESS);
    let applied: i64 = c
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .unwrap()
        .get(0);
    assert_eq!(applied, 5);
    // Bad usage is exit 2, a failure exit 1.
    assert_eq!(run(&db.url, &["frobnicate"]), ExitCode::from(2));
    assert_eq!(
        run(&db.url, &["down", "--to", "1"]),
        ExitCode::FAILURE,
        "crosses the irreversible 005"
    );
}
