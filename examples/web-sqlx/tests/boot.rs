//! The binary as it is deployed: `app-sqlx` migrates an empty database
//! through its pool and serves; `app-sqlx migrate status` reads the same
//! history.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use sqlstrata::testing::TestDb;
use sqlstrata_example_web_sqlx::MIGRATIONS;

#[test]
fn the_binary_migrates_at_boot_and_carries_the_commands() {
    // A database whose migrations are rolled back: the boot applies them.
    let db = TestDb::new(&MIGRATIONS).unwrap();
    let url = url_of(&db);
    let status = Command::new(env!("CARGO_BIN_EXE_app-sqlx"))
        .args(["migrate", "--database-url", db.url(), "rollback"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");

    let mut app = Command::new(env!("CARGO_BIN_EXE_app-sqlx"))
        .env("DATABASE_URL", &url)
        .env("LISTEN", "127.0.0.1:0")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(app.stderr.take().unwrap()).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let second = lines.next().and_then(Result::ok).unwrap_or_default();
    let _ = app.kill();
    let _ = app.wait();
    assert_eq!(first, "migrated: 4 applied now", "{url}");
    assert!(second.starts_with("listening on "), "{second}");

    let out = Command::new(env!("CARGO_BIN_EXE_app-sqlx"))
        .args(["migrate", "--database-url", db.url(), "status", "--pending"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("4 migrations: 4 applied, 0 pending"),
        "{text}"
    );
}

/// sqlx reads URLs only; the test server's connection string may be
/// `host=... dbname=...`.
fn url_of(db: &TestDb) -> String {
    if db.url().contains("://") {
        return db.url().to_string();
    }
    let options = sqlstrata::testing::sqlx_options(db.url()).unwrap();
    // A socket folder is the host, percent-encoded.
    let host = match options.get_socket() {
        Some(dir) => dir.display().to_string().replace('/', "%2F"),
        None => options.get_host().to_string(),
    };
    format!(
        "postgres://{}@{host}:{}/{}",
        options.get_username(),
        options.get_port(),
        options.get_database().unwrap_or_default(),
    )
}
