//! `app migrate ...`: the sqlstrata commands inside the application's own
//! binary, over the migrations it embeds.

use std::process::Command;

use sqlstrata::testing::TestDb;
use sqlstrata_example_web::MIGRATIONS;

fn app(url: &str, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_app"))
        .arg("migrate")
        .args(["--database-url", url])
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn app_migrate_status_rollback_and_up_need_no_folder() {
    let db = TestDb::new(&MIGRATIONS).unwrap();
    let (code, out, err) = app(db.url(), &["status", "--pending"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("4 migrations: 4 applied, 0 pending"), "{out}");

    let (code, out, err) = app(db.url(), &["rollback"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("reverted 4 migration(s)"), "{out}");
    let (code, out, _) = app(db.url(), &["status", "--pending"]);
    assert_eq!(code, 3, "pending exits 3: {out}");

    let (code, out, err) = app(db.url(), &["up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("batch 1: 4 migration(s)"), "{out}");
}
