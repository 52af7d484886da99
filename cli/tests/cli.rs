//! The real `sqlstrata` binary against a real PostgreSQL, every command and
//! the failure exits.

mod common;
use common::bin;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sqlstrata_tests::Scratch;

/// A working directory with a copy of the example migrations.
fn workdir(tag: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("migrations")).unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    for e in fs::read_dir(example).unwrap().flatten() {
        fs::copy(e.path(), dir.join("migrations").join(e.file_name())).unwrap();
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

#[test]
fn every_database_command_end_to_end() {
    let db = Scratch::new();
    let dir = workdir("flow");
    let url = db.url.as_str();

    let o = run(&dir, url, &["status", "--pending"]);
    let (out, _) = text(&o);
    assert_eq!(code(&o), 3, "pending exits 3: {out}");
    assert!(out.contains("⏳ 001_create_users"), "{out}");
    assert!(out.contains("7 migrations: 0 applied, 7 pending"), "{out}");
    assert!(!out.contains('\x1b'), "no colors off a terminal");

    let o = run(&dir, url, &["up", "--to", "5"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        out.lines()
            .next()
            .unwrap()
            .starts_with("✓ applied  001_create_users ("),
        "{out}"
    );
    assert!(out.contains("batch 1: 5 migration(s)"), "{out}");

    let o = run(&dir, url, &["up"]);
    assert!(text(&o).0.contains("batch 2: 2 migration(s)"));
    assert_eq!(code(&run(&dir, url, &["status", "--pending"])), 0);

    let o = run(&dir, url, &["status", "--json"]);
    let (json, _) = text(&o);
    assert!(json.starts_with("{\"migrations\":[{\"version\":1,\"name\":\"create_users\",\"repeatable\":false,\"file\":\"001_create_users.sql\",\"state\":\"applied\",\"batch\":1,"), "{json}");
    assert!(
        json.trim_end().ends_with(
            "\"totals\":{\"applied\":7,\"pending\":0,\"modified\":0,\"missing\":0,\"failed\":0,\"interrupted\":0,\"running\":0,\"changed\":0}}"
        ),
        "{json}"
    );

    let o = run(&dir, url, &["rollback"]);
    let (out, _) = text(&o);
    assert_eq!(
        out.lines()
            .take(2)
            .map(|l| l.split(" (").next().unwrap().to_string())
            .collect::<Vec<_>>(),
        vec![
            "↩ reverted 007_backfill_display_names",
            "↩ reverted 006_index_posts_status_concurrently"
        ]
    );

    let o = run(&dir, url, &["down", "--to", "3"]);
    assert_eq!(code(&o), 1, "crossing the irreversible 005 fails");
    assert!(
        text(&o)
            .1
            .contains("error: cannot roll back 005_normalise_emails.sql: it is irreversible"),
        "{}",
        text(&o).1
    );

    // reset/refresh want --yes when stdin is not a terminal.
    let o = bin()
        .current_dir(&dir)
        .args(["--database-url", url, "reset"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
    assert!(text(&o).1.contains("pass --yes"), "{}", text(&o).1);

    // A fresh database: baseline, then up, down N, refresh, reset.
    let db2 = Scratch::new();
    let url2 = db2.url.as_str();
    let o = run(&dir, url2, &["baseline", "4"]);
    assert_eq!(code(&o), 0, "{}", text(&o).1);
    let o = run(&dir, url2, &["status", "--json"]);
    assert!(
        text(&o).0.contains("\"applied\":4,\"pending\":3"),
        "{}",
        text(&o).0
    );
    // The baseline recorded 001-004 without running them: 005 needs `users`.
    let o = run(&dir, url2, &["up"]);
    assert_eq!(code(&o), 1);
    let (_, err) = text(&o);
    assert!(
        err.contains(
            "error: 005_normalise_emails.sql:7: relation \"users\" does not exist (SQLSTATE 42P01)"
        ),
        "{err}"
    );
}

#[test]
fn reset_refresh_down_and_repair() {
    let db = Scratch::new();
    let dir = workdir("reset");
    // Drop the irreversible migration so everything can be undone.
    fs::remove_file(dir.join("migrations/005_normalise_emails.sql")).unwrap();
    let url = db.url.as_str();
    assert_eq!(code(&run(&dir, url, &["up"])), 0);
    let o = run(&dir, url, &["down", "2"]);
    let lines: Vec<String> = text(&o).0.lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].starts_with("↩ reverted 007_backfill_display_names ("),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("↩ reverted 006_index_posts_status_concurrently ("),
        "{lines:?}"
    );
    assert_eq!(lines[2], "reverted 2 migration(s)");
    let o = run(&dir, url, &["refresh", "--yes"]);
    assert_eq!(code(&o), 0, "{}", text(&o).1);
    let out = text(&o).0;
    // Undone newest first, then applied again as batch 1, in one run.
    let reverted: Vec<&str> = out.lines().filter(|l| l.contains("reverted 0")).collect();
    assert_eq!(reverted.len(), 4, "{out}");
    assert!(reverted[0].contains("004_add_user_avatar"), "{out}");
    assert!(out.trim_end().ends_with("batch 1: 6 migration(s)"), "{out}");
    let o = run(&dir, url, &["status", "--json"]);
    assert!(text(&o).0.contains("\"applied\":6,\"pending\":0"));

    // A changed file is drift: up refuses, repair accepts.
    let f = dir.join("migrations/004_add_user_avatar.sql");
    let changed = fs::read_to_string(&f)
        .unwrap()
        .replace("avatar_url TEXT;", "avatar_url VARCHAR(500);");
    fs::write(&f, changed).unwrap();
    let o = run(&dir, url, &["up"]);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o)
            .1
            .contains("004_add_user_avatar.sql was changed after it was applied"),
        "{}",
        text(&o).1
    );
    let o = run(&dir, url, &["status"]);
    assert!(
        text(&o).0.contains("✗ 004_add_user_avatar"),
        "{}",
        text(&o).0
    );
    assert_eq!(code(&run(&dir, url, &["repair"])), 0);
    assert_eq!(code(&run(&dir, url, &["up"])), 0);

    assert_eq!(code(&run(&dir, url, &["reset", "--yes"])), 0);
    let o = run(&dir, url, &["status", "--json"]);
    assert!(text(&o).0.contains("\"applied\":0,\"pending\":6"));
}

#[test]
fn dry_run_prints_the_sql_and_touches_nothing() {
    let db = Scratch::new();
    let dir = workdir("dry");
    let o = run(&dir, &db.url, &["up", "--dry-run"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "-- the tracking table \"public\".\"schema_migrations\" would be created first"
    );
    assert_eq!(lines[1], "BEGIN;");
    assert_eq!(lines[2], "-- 001_create_users.sql (up)");
    assert_eq!(
        lines[3], "SET LOCAL lock_timeout = '1000ms'; SET LOCAL statement_timeout = '0ms';",
        "each migration's time bounds, ended by its transaction"
    );
    assert_eq!(lines[4], "CREATE TABLE users (");
    assert!(
        lines[5..].iter().any(|l| l.starts_with("SET SESSION AUTHORIZATION '")
            && l.ends_with("'; RESET ALL; SET LOCAL lock_timeout = '1000ms'; SET LOCAL statement_timeout = '0ms';")),
        "the session put back after each migration, before its record: {out}"
    );
    assert!(out.contains("COMMIT;\n-- 006_index_posts_status_concurrently.sql (up, outside a transaction)\nSET LOCAL sqlstrata.writing = 'on'; INSERT INTO \"public\".\"schema_migrations\""), "the runner's own writes are marked: {out}");
    assert!(
        out.contains("'applying');\nCREATE INDEX CONCURRENTLY"),
        "a statement that must run outside a transaction block gets no bound of the run's: {out}"
    );
    let mut c = db.connect();
    let tables: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        tables, 0,
        "a dry run creates nothing, not even the tracking table"
    );
}

#[test]
fn check_needs_no_database() {
    let dir = workdir("check");
    let o = bin().current_dir(&dir).arg("check").output().unwrap();
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        out.starts_with(
            "migrations: 7 migration(s), 24 statement(s), 1 beyond sqlparser, checked by PostgreSQL's grammar, 0 unchecked"
        ),
        "{out}"
    );

    fs::write(
        dir.join("migrations/008_broken.sql"),
        "-- UP\nCREATE TABLE t (\n  a int\n  b int\n);\n-- DOWN\nDROP TABLE t;\n",
    )
    .unwrap();
    // A warning: `check` passes, `check --deny-warnings` does not.
    fs::remove_file(dir.join("migrations/008_broken.sql")).unwrap();
    fs::write(
        dir.join("migrations/008_rename.sql"),
        "-- UP\nALTER TABLE users RENAME COLUMN name TO full_name;\n-- DOWN\nALTER TABLE users RENAME COLUMN full_name TO name;\n",
    )
    .unwrap();
    let o = bin().current_dir(&dir).arg("check").output().unwrap();
    assert_eq!(code(&o), 0);
    assert!(text(&o).1.contains("(renaming-column)"), "{}", text(&o).1);
    let o = bin()
        .current_dir(&dir)
        .args(["check", "--deny-warnings"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", text(&o).1);
    // Denied in the folder's settings, it is an error for both.
    fs::write(
        dir.join("migrations/sqlstrata.toml"),
        "[lints]\ndeny = [\"renaming-column\"]\n",
    )
    .unwrap();
    let o = bin().current_dir(&dir).arg("check").output().unwrap();
    assert_eq!(code(&o), 1);
    assert!(
        text(&o)
            .1
            .starts_with("error: migrations/008_rename.sql:2:19: this statement renames a column"),
        "{}",
        text(&o).1
    );
    fs::remove_file(dir.join("migrations/008_rename.sql")).unwrap();
    fs::remove_file(dir.join("migrations/sqlstrata.toml")).unwrap();
    fs::write(
        dir.join("migrations/008_broken.sql"),
        "-- UP\nCREATE TABLE t (\n  a int\n  b int\n);\n-- DOWN\nDROP TABLE t;\n",
    )
    .unwrap();
    fs::write(dir.join("migrations/9_bad_name.sql"), "SELECT 1;").unwrap();
    let o = bin().current_dir(&dir).arg("check").output().unwrap();
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1);
    assert!(err.contains("error: migrations/008_broken.sql:4:3: invalid SQL: expected `,`, found `b`\n  |\n4 |   b int\n  |   ^"), "{err}");
    assert!(
        err.contains("error: migrations/9_bad_name.sql: bad migration file name"),
        "{err}"
    );
    // The same folder cannot be run.
    let o = bin()
        .current_dir(&dir)
        .args(["--database-url", "host=/nonexistent", "up"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
    assert!(text(&o).1.contains("has errors; nothing was run"));
}

#[test]
fn create_and_init() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-create-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("m")).unwrap();
    fs::write(dir.join("m/0007_first.sql"), "SELECT 1;").unwrap();
    let o = bin()
        .current_dir(&dir)
        .args(["--dir", "m", "create", "add_users"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", text(&o).1);
    let created = fs::read_to_string(dir.join("m/0008_add_users.sql")).unwrap();
    assert!(
        created
            .starts_with("-- Migration: 0008_add_users\n-- Description: add users\n-- Created: 20"),
        "{created}"
    );
    assert!(created.contains("\n-- UP\n") && created.contains("\n-- DOWN\n"));
    let o = bin()
        .current_dir(&dir)
        .args(["--dir", "m", "create", "Add-Users"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
    assert!(text(&o).1.contains("is not snake_case"), "{}", text(&o).1);

    let db = Scratch::new();
    let o = bin()
        .current_dir(&dir)
        .args(["--dir", "fresh", "--database-url", &db.url, "init"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", text(&o).1);
    assert!(dir.join("fresh/001_initial_schema.sql").is_file());
    let mut c = db.connect();
    let n: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}

#[test]
fn configuration_sources_and_no_password_in_output() {
    let db = Scratch::new();
    let dir = workdir("config");
    // .env in the working directory.
    fs::write(dir.join(".env"), format!("DATABASE_URL=\"{}\"\n", db.url)).unwrap();
    let o = bin()
        .current_dir(&dir)
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", text(&o).1);
    fs::remove_file(dir.join(".env")).unwrap();
    // DATABASE_URL.
    let o = bin()
        .current_dir(&dir)
        .env("DATABASE_URL", &db.url)
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
    // Nothing configured.
    let o = bin().current_dir(&dir).arg("status").output().unwrap();
    assert_eq!(code(&o), 1);
    assert!(text(&o).1.contains("no database given"), "{}", text(&o).1);
    // A failed connection names the target without its password.
    let o = bin()
        .current_dir(&dir)
        .args([
            "--database-url",
            "postgres://app:hunter2@127.0.0.1:1/x?connect_timeout=2",
            "status",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1);
    assert!(
        err.contains("cannot connect to postgres://app:***@127.0.0.1:1/x"),
        "{err}"
    );
    assert!(!out.contains("hunter2") && !err.contains("hunter2"));
}

#[test]
fn a_failing_migration_exits_1_with_file_line_and_sqlstate() {
    let db = Scratch::new();
    let dir = workdir("fail");
    fs::write(dir.join("migrations/008_bad.sql"), "-- UP\nCREATE TABLE ok (id int);\n\nINSERT INTO missing_table VALUES (1);\n-- DOWN\nDROP TABLE ok;\n").unwrap();
    let o = run(&dir, &db.url, &["up"]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1);
    assert!(
        err.contains(
            "error: 008_bad.sql:4: relation \"missing_table\" does not exist (SQLSTATE 42P01)"
        ),
        "{err}"
    );
    let o = run(&dir, &db.url, &["status", "--json"]);
    // 001-005 committed before 006, the no-transaction commit point; 007 and
    // 008 shared the transaction that failed.
    assert!(
        text(&o).0.contains("\"applied\":6,\"pending\":2"),
        "{}",
        text(&o).0
    );
}

#[test]
fn verify_proves_each_down_undoes_its_up() {
    let db = Scratch::new();
    let dir = workdir("verify");
    let o = run(&dir, &db.url, &["verify"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(out.contains("verified 6 migration(s): 0 DOWN section(s) do not undo their UP; 1 irreversible migration(s) not verifiable"), "{out}");

    fs::write(
        dir.join("migrations/008_tags.sql"),
        "-- UP\nCREATE TABLE tags (id int);\nCREATE INDEX tags_id ON tags (id);\nCREATE VIEW tag_ids AS SELECT id FROM tags;\n-- DOWN\nDROP VIEW tag_ids;\nDROP INDEX tags_id;\n",
    )
    .unwrap();
    let o = run(&dir, &db.url, &["verify"]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1);
    assert!(err.starts_with("008_tags.sql: the DOWN section does not undo the UP section\n  + column public.tags.id integer    (left behind by DOWN)\n  + owner of table public.tags postgres    (left behind by DOWN)\n  + table public.tags    (left behind by DOWN)\n"), "{err}");
    // The scratch database is gone, the configured one untouched.
    let mut c = db.connect();
    let left: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'sqlstrata_verify_%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
    let tables: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0);
    verify_with_data_names_the_table_whose_rows_a_down_cannot_put_back();
}

#[test]
fn verbose_runs_trace_runs_migrations_statements_and_the_lock() {
    let db = Scratch::new();
    let dir = workdir("verbose");
    let o = run(&dir, &db.url, &["-vv", "up", "--to", "2"]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 0, "{err}");
    for expected in [
        "sqlstrata.run{operation=Up { to: Some(2) } table=\"schema_migrations\"}",
        "sqlstrata.migration{version=1 file=001_create_users.sql direction=\"up\"}",
        "statement file=\"001_create_users.sql\" line=6",
        "lock mode=\"advisory\"",
        "committed migrations=2",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    // -v says what happened, not every statement.
    let o = run(&dir, &db.url, &["-v", "up"]);
    let (_, err) = text(&o);
    assert!(
        err.contains("committed") && !err.contains("statement file="),
        "{err}"
    );
    // Without -v, nothing of it.
    let o = run(&dir, &db.url, &["rollback"]);
    assert!(!text(&o).1.contains("sqlstrata.run"), "{}", text(&o).1);
}

#[test]
fn db_variables_of_node_runners_are_a_last_resort() {
    let db = Scratch::new();
    let dir = workdir("db-vars");
    let config: postgres::Config = db.url.parse().unwrap();
    let host = match &config.get_hosts()[0] {
        postgres::config::Host::Unix(p) => p.display().to_string(),
        postgres::config::Host::Tcp(h) => h.clone(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let user = config.get_user().unwrap_or("postgres").to_string();
    let password = config
        .get_password()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .unwrap_or_default();
    let with_db_vars = |c: &mut Command| {
        c.current_dir(&dir)
            .env("DB_HOST", &host)
            .env("DB_PORT", &port)
            .env("DB_NAME", &db.name)
            .env("DB_USER", &user)
            .env("DB_PASSWORD", &password);
    };
    let mut c = bin();
    with_db_vars(&mut c);
    let o = c.args(["up", "--to", "1"]).output().unwrap();
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}{err}");
    assert!(out.contains("batch 1: 1 migration(s)"), "{out}");
    // A PG* variable wins over every DB_* one: here, a database that is not there.
    let mut c = bin();
    with_db_vars(&mut c);
    let o = c
        .env("PGHOST", &host)
        .env("PGPORT", &port)
        .env("PGUSER", &user)
        .env("PGDATABASE", "no_such_database_here")
        .args(["status"])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1);
    assert!(
        err.contains("no_such_database_here") && err.contains("PG* variables"),
        "{err}"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn wait_returns_once_a_late_server_answers_and_fails_fast_when_it_never_will() {
    let dir = workdir("wait");
    let port = free_port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres?connect_timeout=2");
    // Nothing listens yet: a short wait gives up, naming the time.
    let o = run(&dir, &url, &["wait", "--timeout", "300ms"]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(err.contains("gave up after 300ms"), "{err}");

    // The server starts a second after the waiter.
    let waiter = bin()
        .current_dir(&dir)
        .args(["--database-url", &url, "wait", "--timeout", "90s"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(1));
    let server = sqlstrata::testing::Server::start_local(&sqlstrata::testing::LocalServer {
        port,
        ..Default::default()
    })
    .unwrap();
    let o = waiter.wait_with_output().unwrap();
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}{err}");
    assert!(out.starts_with("ready after "), "{out}");

    // A server that answers "no such database" will not change its mind:
    // no waiting for the timeout.
    let missing = server.url_for("not_there");
    let started = std::time::Instant::now();
    let o = run(&dir, &missing, &["wait", "--timeout", "60s"]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(err.contains("not_there"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

/// The schema file, or the error that names what to install: which one
/// depends on the pg_dump versions this machine has and the server's.
fn dump_or_install_hint(o: &Output) -> Option<()> {
    let (_, err) = text(o);
    if code(o) == 0 {
        return Some(());
    }
    assert!(
        err.contains("install the PostgreSQL") && err.contains("postgresql-client-"),
        "{err}"
    );
    None
}

#[test]
fn dump_writes_a_reviewable_schema_and_up_dump_keeps_it_current() {
    let db = Scratch::new();
    let dir = workdir("dump");
    let schema = dir.join("schema.sql");
    let o = run(&dir, &db.url, &["up", "--to", "1", "--dump"]);
    if dump_or_install_hint(&o).is_none() {
        // Without a pg_dump for this server the migrations still applied.
        let (out, _) = text(&o);
        assert!(out.contains("batch 1: 1 migration(s)"), "{out}");
        assert!(!schema.exists());
        return;
    }
    let first = fs::read_to_string(&schema).unwrap();
    assert!(first.contains("CREATE TABLE public.users ("), "{first}");
    for noise in [
        "schema_migrations",
        "SET ",
        "\\restrict",
        "Dumped from",
        "OWNER TO",
        "set_config",
    ] {
        assert!(!first.contains(noise), "{noise} in\n{first}");
    }
    assert!(!first.contains("CREATE TABLE public.posts"), "{first}");

    // Up to 2: the file follows.
    let o = run(&dir, &db.url, &["up", "--to", "2", "--dump"]);
    assert_eq!(code(&o), 0, "{}", text(&o).1);
    let second = fs::read_to_string(&schema).unwrap();
    assert!(second.contains("CREATE TABLE public.posts ("), "{second}");
    assert!(
        second.contains("CREATE TYPE public.post_status AS ENUM"),
        "{second}"
    );

    // The same schema dumps the same, byte for byte (no churn in review).
    let o = run(&dir, &db.url, &["dump", "--output", "-"]);
    assert_eq!(code(&o), 0, "{}", text(&o).1);
    assert_eq!(text(&o).0, second);
    let o = run(&dir, &db.url, &["rollback"]);
    assert_eq!(code(&o), 0);
    let o = run(&dir, &db.url, &["dump"]);
    assert_eq!(code(&o), 0, "{}", text(&o).1);
    assert_eq!(fs::read_to_string(&schema).unwrap(), first);
}

#[test]
fn dump_without_a_usable_pg_dump_names_the_package() {
    let db = Scratch::new();
    let dir = workdir("dump-missing");
    let o = bin()
        .current_dir(&dir)
        .env("SQLSTRATA_PG_DUMP", "/nonexistent/pg_dump")
        .args(["--database-url", &db.url, "dump"])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("SQLSTRATA_PG_DUMP=/nonexistent/pg_dump is not a pg_dump that runs")
            && err.contains("apt-get install postgresql-client-"),
        "{err}"
    );
    assert!(!dir.join("schema.sql").exists());
}

/// The exit codes the README promises, from the binary as a process: 0
/// success, 1 failure, 2 a command line that does not parse (nothing is
/// run), 3 `status --pending` with migrations pending.
#[test]
fn exit_codes_as_a_process() {
    let db = Scratch::new();
    let dir = workdir("exit");
    let url = db.url.as_str();
    for args in [
        &["frobnicate"][..],
        &["up", "--no-such-flag"],
        &["down", "two"],
        &["status", "--database-url"],
    ] {
        let o = run(&dir, url, args);
        let (out, err) = text(&o);
        assert_eq!(code(&o), 2, "{args:?}: {out}{err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(err.contains("try '--help'"), "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
    }
    // Nothing ran: no tracking table.
    let mut c = db.connect();
    let tracked: Option<String> = c
        .query_one("SELECT to_regclass('schema_migrations')::text", &[])
        .unwrap()
        .get(0);
    assert_eq!(tracked, None);

    let o = bin().arg("--help").output().unwrap();
    assert_eq!(code(&o), 0);
    assert!(text(&o).0.contains("Usage: sqlstrata"), "{}", text(&o).0);

    let o = run(&dir, url, &["status", "--pending"]);
    assert_eq!(code(&o), 3, "{}", text(&o).1);
    let o = run(&dir, url, &["up"]);
    assert_eq!(code(&o), 0, "{}", text(&o).1);
    let o = run(&dir, url, &["status", "--pending"]);
    assert_eq!(code(&o), 0, "nothing pending: {}", text(&o).0);

    let o = run(
        &dir,
        "postgres://deploy:s3cr3t@127.0.0.1:1/app?connect_timeout=2",
        &["status"],
    );
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "{out}{err}");
    assert!(err.starts_with("error: cannot connect to "), "{err}");
    assert!(!err.contains("s3cr3t") && !out.contains("s3cr3t"), "{err}");
}

#[test]
fn a_migration_waiting_for_a_lock_says_who_and_a_spent_budget_exits_4() {
    let db = Scratch::new();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-lockwait-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("migrations")).unwrap();
    fs::write(
        dir.join("migrations/001_alter.sql"),
        "-- UP\nALTER TABLE t ADD COLUMN c int;\n-- DOWN\nALTER TABLE t DROP COLUMN c;\n",
    )
    .unwrap();
    fs::write(
        dir.join("migrations/sqlstrata.toml"),
        "[run]\nlock_timeout = \"150ms\"\nlock_retry_budget = \"1s\"\n",
    )
    .unwrap();
    let mut blocker = db.connect();
    blocker
        .batch_execute("CREATE TABLE t (id int); SET application_name = 'report'")
        .unwrap();
    blocker.batch_execute("BEGIN; SELECT * FROM t").unwrap();
    let pid: i32 = blocker
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    let o = run(&dir, &db.url, &["up"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 4, "{out}{err}");
    let waits: Vec<&str> = err.lines().filter(|l| l.starts_with("waiting: ")).collect();
    assert!(waits.len() >= 2, "a line per attempt: {err}");
    assert!(
        waits[0].starts_with("waiting: 001_alter.sql:2: waited 0.1s for a lock (attempt 1); rolled back, retrying in "),
        "{err}"
    );
    assert!(waits[1].contains("(attempt 2)"), "{err}");
    assert!(
        err.contains(&format!("  blocked by pid {pid} (user "))
            && err.contains("application `report`, idle in transaction"),
        "{err}"
    );
    assert!(
        err.contains("error: 001_alter.sql:2: gave up after"),
        "{err}"
    );
    // The flag wins over sqlstrata.toml: a bound long enough for the blocker.
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(500));
        blocker.batch_execute("COMMIT").unwrap();
    });
    let o = run(&dir, &db.url, &["up", "--statement-lock-timeout", "5s"]);
    release.join().unwrap();
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}{err}");
    assert!(!err.contains("waiting:"), "{err}");
}

fn scratch_databases(c: &mut postgres::Client) -> i64 {
    c.query_one(
        "SELECT count(*) FROM pg_database WHERE datname LIKE 'sqlstrata_drift_%'",
        &[],
    )
    .unwrap()
    .get(0)
}

#[test]
fn drift_says_what_changed_by_hand_in_text_json_and_over_a_fleet() {
    let dir = workdir("drift");
    let db = Scratch::new();
    let url = &db.url;
    let mut c = db.connect();
    assert_eq!(code(&run(&dir, url, &["up"])), 0);
    let o = run(&dir, url, &["drift"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}{err}");
    assert!(
        out.contains("no drift: the database is what its 7 applied migration(s) make"),
        "{out}"
    );

    c.batch_execute("CREATE INDEX users_hotfix ON users (created_at); ALTER TABLE posts ALTER COLUMN title DROP NOT NULL")
        .unwrap();
    let o = run(&dir, url, &["drift"]);
    let (out, _) = text(&o);
    assert_eq!(code(&o), 1, "{out}");
    assert!(
        out.contains("index public.users_hotfix: in the database only\n    in the database:   CREATE INDEX users_hotfix ON public.users USING btree (created_at)"),
        "{out}"
    );
    assert!(
        out.contains("column public.posts.title: differs\n    in the database:     text\n    from the migrations: text NOT NULL"),
        "{out}"
    );
    assert!(out.contains("drift: 2 difference(s)"), "{out}");

    let o = run(&dir, url, &["drift", "--json"]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["clean"], false);
    assert_eq!(v["applied"].as_array().unwrap().len(), 7);
    let first = &v["differences"][0];
    assert_eq!(first["object"], "column public.posts.title");
    assert_eq!(first["in_database"], "text");
    assert_eq!(first["from_migrations"], "text NOT NULL");
    assert_eq!(v["differences"][1]["kind"], "index");
    assert_eq!(
        v["differences"][1]["from_migrations"],
        serde_json::Value::Null
    );

    // Ignored by flag and by sqlstrata.toml.
    let o = run(
        &dir,
        url,
        &["drift", "--ignore", "index", "--ignore", "posts"],
    );
    assert_eq!(code(&o), 0, "{}", text(&o).0);
    fs::write(
        dir.join("migrations/sqlstrata.toml"),
        "[drift]\nignore = [\"users_hotfix\", \"public.posts\"]\n",
    )
    .unwrap();
    let o = run(&dir, url, &["drift"]);
    assert_eq!(code(&o), 0, "{}", text(&o).0);
    fs::remove_file(dir.join("migrations/sqlstrata.toml")).unwrap();

    // A replay that fails: the error, and no scratch database left.
    let other = Scratch::new();
    let broken = workdir("drift-broken");
    fs::write(
        broken.join("migrations/008_needs_a_role.sql"),
        "-- UP\nALTER TABLE users OWNER TO no_such_role_here;\n-- DOWN\nSELECT 1;\n",
    )
    .unwrap();
    assert_eq!(code(&run(&broken, &other.url, &["up", "--to", "7"])), 0);
    assert_eq!(code(&run(&broken, &other.url, &["baseline", "8"])), 0);
    let o = run(&broken, &other.url, &["drift"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "{out}{err}");
    assert!(err.contains("no_such_role_here"), "{err}");
    assert_eq!(scratch_databases(&mut c), 0, "dropped after the failure");

    // A fleet: two targets share a history, one has its own; each history
    // is replayed once.
    let (a, b) = (Scratch::new(), Scratch::new());
    assert_eq!(code(&run(&dir, &a.url, &["up"])), 0);
    assert_eq!(code(&run(&dir, &b.url, &["up", "--to", "3"])), 0);
    a.connect()
        .batch_execute("CREATE TABLE scratchpad (id int)")
        .unwrap();
    let fleet = dir.join("fleet.txt");
    fs::write(&fleet, format!("{}\n{}\n{}\n", db.url, a.url, b.url)).unwrap();
    let o = bin()
        .current_dir(&dir)
        .args([
            "drift",
            "--fleet",
            fleet.to_str().unwrap(),
            "--ignore",
            "index",
            "--ignore",
            "posts",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "{out}{err}");
    assert!(
        out.contains("3 target(s), 2 distinct histories replayed"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{}: no drift: the database is what its 7 applied migration(s) make",
            db.name
        )),
        "{out}"
    );
    assert!(
        out.contains("table public.scratchpad: in the database only"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{}: no drift: the database is what its 3 applied migration(s) make",
            b.name
        )),
        "{out}"
    );
    assert_eq!(scratch_databases(&mut c), 0);

    // After repair, the command says drift is the next step.
    c.batch_execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 7")
        .unwrap();
    let o = run(&dir, url, &["drift"]);
    assert!(
        text(&o).1.contains("007_backfill_display_names.sql"),
        "{:?}",
        text(&o)
    );
    let o = run(&dir, url, &["repair"]);
    assert!(
        text(&o).0.contains(
            "next: `sqlstrata drift` shows whether the database is what the migrations now say"
        ),
        "{:?}",
        text(&o)
    );
}

/// `sqlstrata ARGS` on a terminal (a pseudo-terminal from util-linux's
/// `script`), with `env`: everything it wrote there.
fn on_a_terminal(dir: &Path, url: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let quoted: Vec<String> = [env!("CARGO_BIN_EXE_sqlstrata"), "--database-url", url]
        .iter()
        .chain(args)
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let mut c = Command::new("script");
    c.current_dir(dir)
        .args(["-qec", &quoted.join(" "), "/dev/null"])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("util-linux's script");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn progress_shows_on_a_terminal_only() {
    if Command::new("script").arg("--version").output().is_err() {
        panic!("util-linux's `script` is needed (apt-get install -y bsdutils)");
    }
    let dir = workdir("progress");
    let db = Scratch::new();
    let shown = on_a_terminal(&dir, &db.url, &["up", "--to", "3"], &[]);
    assert!(
        shown.contains("migration 1/3 001_create_users.sql"),
        "{shown:?}"
    );
    assert!(
        shown.contains("applied  003_posts_updated_at_trigger"),
        "{shown:?}"
    );
    // Not with NO_COLOR, not with --json, not when not on a terminal.
    let plain = on_a_terminal(&dir, &db.url, &["rollback"], &[("NO_COLOR", "1")]);
    assert!(plain.contains("reverted 3 migration(s)"), "{plain:?}");
    assert!(!plain.contains("migration 1/"), "{plain:?}");
    let json = on_a_terminal(&dir, &db.url, &["up", "--to", "2", "--json"], &[]);
    assert!(json.contains("\"batch\""), "{json:?}");
    assert!(!json.contains("migration 1/"), "{json:?}");
    // A no-transaction migration's statements, each its own round trip,
    // show with their line.
    let rest = on_a_terminal(&dir, &db.url, &["up"], &[]);
    assert!(
        rest.contains("migration 4/5 006_index_posts_status_concurrently.sql:"),
        "{rest:?}"
    );
    let o = run(&dir, &db.url, &["down"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}{err}");
    assert!(out.contains("reverted 1 migration(s)"), "{out}");
    assert!(!out.contains('\r') && !err.contains('\r'), "{out:?}{err:?}");
    assert!(!err.contains("migration 1/"), "{err:?}");
}

/// Run by `verify_proves_each_down_undoes_its_up`, after it: that test
/// counts the scratch databases on the server, which this one makes too.
fn verify_with_data_names_the_table_whose_rows_a_down_cannot_put_back() {
    let db = Scratch::new();
    let dir = workdir("verify-data");
    // The example's 007 backfills display names; its DOWN drops the column:
    // the rows before 007 come back exactly. A file for 005 (irreversible)
    // loads its rows and runs its UP on them.
    fs::create_dir_all(dir.join("data")).unwrap();
    fs::write(
        dir.join("data/007.sql"),
        "INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada');\n",
    )
    .unwrap();
    fs::write(
        dir.join("data/5.sql"),
        "INSERT INTO users (email, name) VALUES ('Bob@Example.com', 'Bob');\n",
    )
    .unwrap();
    let o = run(&dir, &db.url, &["verify", "--with-data", "data"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}{err}");
    assert!(
        out.contains("verified 6 migration(s), 2 with rows:"),
        "{out}"
    );
    // A DOWN that cannot put rows back: 008 lower-cases names, its DOWN does nothing to them.
    fs::write(
        dir.join("migrations/008_lower_names.sql"),
        "-- UP\nUPDATE users SET name = lower(name);\n-- DOWN\nSELECT 1;\n",
    )
    .unwrap();
    fs::write(
        dir.join("data/008.sql"),
        "INSERT INTO users (email, name, display_name) VALUES ('cat@example.com', 'Cat', 'Cat');\n",
    )
    .unwrap();
    let o = run(&dir, &db.url, &["verify", "--with-data", "data"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "{out}{err}");
    assert!(
        err.contains("008_lower_names.sql: the DOWN section does not put the data back"),
        "{err}"
    );
    assert!(
        err.contains("public.users: 3 row(s) not as they were before UP"),
        "{err}"
    );
    // A data file for no version is named, and nothing runs.
    fs::write(dir.join("data/9.sql"), "SELECT 1;\n").unwrap();
    let o = run(&dir, &db.url, &["verify", "--with-data", "data"]);
    let (out, err) = text(&o);
    assert_ne!(code(&o), 0, "{out}{err}");
    assert!(
        err.contains("9.sql: a data file is named after the version it comes before"),
        "{err}"
    );
}
