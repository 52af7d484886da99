//! The `sqlstrata` binary attacked as a hostile user would: many processes
//! started together, a process killed mid-migration, files written to fool
//! the checker, passwords in every form a URL can hold them. Against a real
//! PostgreSQL.

mod common;
use common::bin;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use sqlstrata_tests::Scratch;

/// A working directory with these migration files.
fn workdir(tag: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("attack-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("migrations")).unwrap();
    for (name, sql) in files {
        fs::write(dir.join("migrations").join(name), sql).unwrap();
    }
    dir
}

fn run(dir: &Path, url: &str, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .arg("--database-url")
        .arg(url)
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

/// A `no-transaction` migration whose statements leave a trace each time
/// they run: what two runners racing would run twice.
const SIDE_EFFECT: &str = "-- sqlstrata: no-transaction\n-- UP\nINSERT INTO side VALUES (1);\nSELECT pg_sleep(0.05);\nINSERT INTO side VALUES (2);\n-- DOWN\nDELETE FROM side;\n";

#[test]
fn eight_processes_spelling_the_table_two_ways_run_each_migration_once() {
    for round in 0..3 {
        let db = Scratch::new();
        db.connect()
            .batch_execute("CREATE TABLE side (n int)")
            .unwrap();
        let dir = workdir(
            &format!("racers-{round}"),
            &[
                ("001_side.sql", SIDE_EFFECT),
                (
                    "002_table.sql",
                    "-- UP\nCREATE TABLE t (id int);\n-- DOWN\nDROP TABLE t;\n",
                ),
            ],
        );
        let children: Vec<_> = (0..8)
            .map(|i| {
                let mut c = bin();
                c.current_dir(&dir).arg("--database-url").arg(&db.url);
                if i % 2 == 1 {
                    c.args(["--schema", "public"]);
                }
                c.arg("up")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let o = child.wait_with_output().unwrap();
            assert_eq!(code(&o), 0, "{}", text(&o).1);
        }
        let mut c = db.connect();
        assert_eq!(
            count(&mut c, "SELECT count(*) FROM side"),
            2,
            "round {round}: each statement ran once"
        );
        assert_eq!(
            count(&mut c, "SELECT count(*) FROM public.schema_migrations"),
            2
        );
    }
}

#[test]
fn a_process_killed_mid_migration_leaves_it_marked_for_repair() {
    let db = Scratch::new();
    let mut admin = db.connect();
    admin.batch_execute("CREATE TABLE side (n int)").unwrap();
    let dir = workdir(
        "killed",
        &[(
            "001_slow.sql",
            "-- sqlstrata: no-transaction\n-- UP\nINSERT INTO side VALUES (1);\nSELECT pg_sleep(1.5);\nINSERT INTO side VALUES (2);\n-- DOWN\nDELETE FROM side;\n",
        )],
    );
    let mut child = bin()
        .current_dir(&dir)
        .args(["--database-url", &db.url, "up"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the migration is in its sleep, then kill -9 the process.
    let start = Instant::now();
    let pid: i32 = loop {
        let row = admin
            .query_opt(
                "SELECT pid FROM pg_stat_activity WHERE query LIKE '%SELECT pg_sleep(1.5)%' AND datname = current_database() AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap();
        if let Some(row) = row {
            break row.get(0);
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the migration never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap();
    let _ = child.wait();
    // The server notices the client is gone once the statement ends.
    while count(
        &mut admin,
        &format!("SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}"),
    ) > 0
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the backend never ended"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = run(&dir, &db.url, &["status", "--json"]);
    assert!(
        text(&o).0.contains("\"state\":\"interrupted\""),
        "{}",
        text(&o).0
    );
    let o = run(&dir, &db.url, &["up"]);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o).1.contains("was interrupted in an earlier run"),
        "{}",
        text(&o).1
    );
    assert_eq!(
        count(&mut admin, "SELECT count(*) FROM side"),
        1,
        "not run again"
    );
    // The person cleans up, repair clears the record: it says so.
    admin.batch_execute("DELETE FROM side").unwrap();
    let o = run(&dir, &db.url, &["repair"]);
    assert_eq!(code(&o), 0, "{}", text(&o).1);
    assert!(
        text(&o).0.contains("failure cleared 001_slow"),
        "{}",
        text(&o).0
    );
    assert!(!text(&o).0.contains("reverted"), "{}", text(&o).0);
    assert_eq!(code(&run(&dir, &db.url, &["up"])), 0);
    assert_eq!(count(&mut admin, "SELECT count(*) FROM side"), 2);
}

#[test]
fn files_written_to_smuggle_sql_past_the_check_do_not_run() {
    for (tag, sql) in [
        // A lone carriage return ends a `--` comment for PostgreSQL.
        (
            "cr",
            "-- UP\nCREATE TABLE t (a int); -- harmless note\r COMMIT; DROP TABLE victim;\n-- DOWN\nDROP TABLE t;\n",
        ),
        // `case` as a column label inside a function body is no CASE.
        (
            "atomic",
            "-- UP\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 AS case; END;\nCOMMIT; DROP TABLE victim;\n-- DOWN\nDROP FUNCTION f();\n",
        ),
    ] {
        let db = Scratch::new();
        let mut c = db.connect();
        c.batch_execute("CREATE TABLE victim (id int)").unwrap();
        let dir = workdir(&format!("smuggle-{tag}"), &[("001_innocent.sql", sql)]);
        let o = bin().current_dir(&dir).arg("check").output().unwrap();
        assert_eq!(code(&o), 1, "{tag}: check must refuse");
        assert!(
            text(&o).1.contains("`COMMIT` in a migration"),
            "{tag}: {}",
            text(&o).1
        );
        let o = run(&dir, &db.url, &["up"]);
        assert_eq!(code(&o), 1, "{tag}");
        assert!(text(&o).1.contains("has errors; nothing was run"), "{tag}");
        assert_eq!(
            count(
                &mut c,
                "SELECT count(*) FROM pg_tables WHERE tablename = 'victim'"
            ),
            1
        );
    }
}

#[test]
fn no_migration_file_is_skipped_silently() {
    let dir = workdir(
        "entries",
        &[("001_ok.sql", "-- UP\nSELECT 1;\n-- DOWN\nSELECT 1;\n")],
    );
    let m = dir.join("migrations");
    fs::create_dir_all(m.join("002_a_folder.sql")).unwrap();
    std::os::unix::fs::symlink(m.join("nowhere"), m.join("003_dangling.sql")).unwrap();
    fs::write(m.join("004_upper.SQL"), "SELECT 1;").unwrap();
    let o = bin().current_dir(&dir).arg("check").output().unwrap();
    let err = text(&o).1;
    assert_eq!(code(&o), 1);
    for expected in [
        "migrations/002_a_folder.sql: a directory named like a migration file",
        "migrations/003_dangling.sql: a symbolic link whose target cannot be read",
        "migrations/004_upper.SQL: the extension must be `.sql` in lower case",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
}

#[test]
fn passwords_are_never_printed_in_any_form() {
    let dir = workdir(
        "secrets",
        &[("001_ok.sql", "-- UP\nSELECT 1;\n-- DOWN\nSELECT 1;\n")],
    );
    // Nothing listens on port 1: every form fails to connect, and its
    // message names the target.
    let forms: &[(&str, &str)] = &[
        ("postgres://app:s3cret@127.0.0.1:1/db", "s3cret"),
        (
            "postgres://app@127.0.0.1:1/db?password=s3cret&connect_timeout=2",
            "s3cret",
        ),
        ("postgres://app:s3/cr@t@127.0.0.1:1/db", "s3/cr@t"),
        ("postgres://app:p%40ss%2Fw0rd@127.0.0.1:1/db", "p@ss/w0rd"),
        (
            "host=127.0.0.1 port=1 user=app password = s3cret dbname=db",
            "s3cret",
        ),
        (
            "host=127.0.0.1 port=1 user=app password='s3 cret' dbname=db",
            "s3 cret",
        ),
        ("postgres:app:s3cret@127.0.0.1:1/db", "s3cret"),
    ];
    for (url, secret) in forms {
        for json in [false, true] {
            let mut args = vec!["status"];
            if json {
                args.push("--json");
            }
            let o = run(&dir, url, &args);
            let (out, err) = text(&o);
            assert_eq!(code(&o), 1, "{url}: {err}");
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{url} (json {json}):\n{out}\n{err}"
            );
            assert!(
                !out.contains("s3cr") && !err.contains("s3cr"),
                "{url}:\n{out}\n{err}"
            );
            if json {
                assert!(out.starts_with("{\"error\":"), "{out}");
            }
        }
    }
    // From a .env file, and from PGPASSWORD.
    fs::write(
        dir.join(".env"),
        "DATABASE_URL=postgres://app@127.0.0.1:1/db?password=dotenvs3cret\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&dir)
        .args(["status", "--json"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1);
    assert!(
        !out.contains("dotenvs3cret") && !err.contains("dotenvs3cret"),
        "{out}\n{err}"
    );
    fs::remove_file(dir.join(".env")).unwrap();
    let o = bin()
        .current_dir(&dir)
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", "1")
        .env("PGPASSWORD", "pg s3cret'quote")
        .args(["status", "--json"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1);
    assert!(
        !out.contains("s3cret") && !err.contains("s3cret"),
        "{out}\n{err}"
    );
}

#[test]
fn a_tracking_table_named_like_a_catalog_gets_a_clear_error() {
    let db = Scratch::new();
    let dir = workdir(
        "pgclass",
        &[("001_ok.sql", "-- UP\nSELECT 1;\n-- DOWN\nSELECT 1;\n")],
    );
    let o = run(&dir, &db.url, &["--table", "pg_class", "up"]);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o).1.contains("cannot use \"pg_class\" as the tracking table: names that begin with `pg_` are PostgreSQL's own"),
        "{}",
        text(&o).1
    );
}
