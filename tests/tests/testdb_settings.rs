//! The test databases' settings, each read once per process: every case runs
//! in a child process (this binary again, `SQLSTRATA_SETTINGS_CHILD` naming
//! the case) with the variable set, and the parent checks what the child saw
//! and left. Its own `main` (`harness = false`).

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use sqlstrata::testing::{Server, TestDb};

static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");

/// Set in the child: which case it runs.
const CHILD: &str = "SQLSTRATA_SETTINGS_CHILD";

fn admin() -> postgres::Client {
    let server = Server::shared().unwrap();
    postgres::Client::connect(server.admin_url(), postgres::NoTls).unwrap()
}

fn count(client: &mut postgres::Client, sql: &str, param: &str) -> i64 {
    client.query_one(sql, &[&param]).unwrap().get(0)
}

/// Runs test `name` of this binary in a child with `env` set.
fn child(name: &str, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.env(CHILD, name);
    for var in [
        "SQLSTRATA_POOL_SIZE",
        "SQLSTRATA_CLONE_STRATEGY",
        "SQLSTRATA_KEEP_FAILED",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

/// A line `key=value` the child printed.
fn said(o: &Output, key: &str) -> String {
    let out = String::from_utf8_lossy(&o.stdout);
    out.lines()
        .flat_map(str::split_whitespace)
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| {
            panic!(
                "the child did not say {key}:\n{out}\n{}",
                String::from_utf8_lossy(&o.stderr)
            )
        })
        .to_string()
}

/// The owner id in a test database's name (`sqlstrata_test_<owner>_<n>`).
fn owner(name: &str) -> String {
    name.split('_').nth(2).unwrap().to_string()
}

fn pool_size_child() {
    let db = TestDb::new(&MIGRATIONS).unwrap();
    let owner = owner(db.name());
    let want: i64 = std::env::var("SQLSTRATA_POOL_SIZE")
        .unwrap()
        .parse()
        .unwrap();
    let pattern = format!("sqlstrata_pool_{owner}_%");
    let mut admin = admin();
    let pooled = |admin: &mut postgres::Client| {
        count(
            admin,
            "SELECT count(*) FROM pg_database WHERE datname LIKE $1",
            &pattern,
        )
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while pooled(&mut admin) < want && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Time to make one more, if it wrongly would.
    std::thread::sleep(Duration::from_millis(500));
    println!("pooled={}", pooled(&mut admin));
}

fn the_pool_holds_sqlstrata_pool_size_clones() {
    for size in ["0", "1", "4"] {
        let o = child("pool_size_child", &[("SQLSTRATA_POOL_SIZE", size)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(said(&o, "pooled"), size, "SQLSTRATA_POOL_SIZE={size}");
    }
}

/// Checkpoints requested so far: `STRATEGY FILE_COPY` asks for two per
/// `CREATE DATABASE`, `WAL_LOG` for none (as every clone before PostgreSQL
/// 15 does, which has no strategy and always checkpoints).
fn checkpoints(admin: &mut postgres::Client) -> i64 {
    let version: i32 = admin
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .unwrap()
        .get(0);
    let sql = if version >= 170000 {
        "SELECT num_requested FROM pg_stat_checkpointer"
    } else {
        "SELECT checkpoints_req FROM pg_stat_bgwriter"
    };
    admin
        .batch_execute("SELECT pg_stat_clear_snapshot()")
        .unwrap();
    admin.query_one(sql, &[]).unwrap().get(0)
}

fn clone_strategy_child() {
    let mut admin = admin();
    // The template first, then one clone, alone.
    drop(TestDb::new(&MIGRATIONS).unwrap());
    let before = checkpoints(&mut admin);
    let db = TestDb::new(&MIGRATIONS).unwrap();
    let version: i32 = admin
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .unwrap()
        .get(0);
    let mut after = checkpoints(&mut admin);
    // Before 15 the statistics travel to a collector and arrive late.
    let deadline = Instant::now() + Duration::from_secs(5);
    while version < 150000 && after == before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        after = checkpoints(&mut admin);
    }
    drop(db);
    println!("checkpoints={}", after - before);
    println!("version={version}");
}

fn sqlstrata_clone_strategy_picks_how_a_database_is_copied() {
    let run = |strategy: &str| {
        let o = child(
            "clone_strategy_child",
            &[
                ("SQLSTRATA_CLONE_STRATEGY", strategy),
                ("SQLSTRATA_POOL_SIZE", "0"),
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let n: i64 = said(&o, "checkpoints").parse().unwrap();
        let version: i32 = said(&o, "version").parse().unwrap();
        (n, version)
    };
    let (file_copy, version) = run("FILE_COPY");
    let (wal_log, _) = run("WAL_LOG");
    assert!(file_copy >= 1, "FILE_COPY checkpoints: {file_copy}");
    if version >= 150000 {
        assert_eq!(wal_log, 0, "WAL_LOG does not checkpoint");
    } else {
        // No STRATEGY clause before 15: the setting is ignored, not sent.
        assert!(wal_log >= 1, "PostgreSQL {version} always checkpoints");
    }
}

fn keep_failed_child() {
    let db = TestDb::new(&MIGRATIONS).unwrap();
    println!("name={}", db.name());
    if std::env::var("PANIC").is_ok() {
        panic!("the test fails");
    }
}

fn sqlstrata_keep_failed_keeps_a_failed_tests_database() {
    let mut admin = admin();
    let exists = |admin: &mut postgres::Client, name: &str| {
        count(
            admin,
            "SELECT count(*) FROM pg_database WHERE datname = $1",
            name,
        ) == 1
    };
    // Kept: a failed test with SQLSTRATA_KEEP_FAILED=1.
    let o = child(
        "keep_failed_child",
        &[("SQLSTRATA_KEEP_FAILED", "1"), ("PANIC", "1")],
    );
    assert!(!o.status.success());
    let name = said(&o, "name");
    let kept = format!("sqlstrata_kept_{}", name.splitn(3, '_').nth(2).unwrap());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "kept the failed test's database `{kept}` for inspection"
        )),
        "{err}"
    );
    assert!(exists(&mut admin, &kept), "{kept}");
    assert!(!exists(&mut admin, &name));
    admin
        .batch_execute(&format!("DROP DATABASE \"{kept}\" WITH (FORCE)"))
        .unwrap();

    // Not kept: the variable at 0, or a test that passed.
    for (keep, panic) in [("0", true), ("1", false)] {
        let mut env = vec![("SQLSTRATA_KEEP_FAILED", keep)];
        if panic {
            env.push(("PANIC", "1"));
        }
        let o = child("keep_failed_child", &env);
        assert_eq!(o.status.success(), !panic);
        let name = said(&o, "name");
        let kept = format!("sqlstrata_kept_{}", name.splitn(3, '_').nth(2).unwrap());
        assert!(!exists(&mut admin, &name), "{name}");
        assert!(!exists(&mut admin, &kept), "{kept}");
        assert!(!String::from_utf8_lossy(&o.stderr).contains("kept the failed test's database"));
    }
}

/// In the child: `DATABASE_URL` names a role that may only create
/// databases; sync and async test databases work there.
fn createdb_only_child() {
    let db = TestDb::new(&MIGRATIONS).unwrap_or_else(|e| panic!("{e}"));
    let mut c = db.connect().unwrap();
    let (user, tables): (String, i64) = c
        .query_one(
            "SELECT current_user::text, (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let other = runtime.block_on(async { TestDb::new_async(&MIGRATIONS).await.unwrap() });
    println!("user={user} tables={tables} second={}", other.name());
}

fn a_role_that_may_only_create_databases_gets_test_databases() {
    let server = Server::shared().unwrap();
    let role = format!("sqlstrata_createdb_{}", std::process::id());
    let mut admin = admin();
    admin
        .batch_execute(&format!("CREATE ROLE {role} LOGIN CREATEDB NOSUPERUSER"))
        .unwrap();
    let url = match server.socket_dir() {
        Some(dir) => format!(
            "host={} port={} user={role} dbname=postgres",
            dir.display(),
            server.port()
        ),
        // DATABASE_URL already names the server: this role on it.
        None => {
            admin.batch_execute(&format!("DROP ROLE {role}")).unwrap();
            return;
        }
    };
    let o = child("createdb_only_child", &[("DATABASE_URL", &url)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(said(&o, "user"), role);
    assert_ne!(said(&o, "tables"), "0", "migrated");
    // What it made is its own, and gone after it.
    let left = count(
        &mut admin,
        "SELECT count(*) FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = $1 AND d.datname LIKE 'sqlstrata_test_%'",
        &role,
    );
    assert_eq!(left, 0, "its test databases were dropped");
    // Its template and pool clones stay for the next run; not this role's.
    // A clone the child's pool had begun is finished by its backend after
    // the child exits: wait for the role's sessions to end before listing.
    let started = std::time::Instant::now();
    while count(
        &mut admin,
        "SELECT count(*) FROM pg_stat_activity WHERE usename = $1",
        &role,
    ) > 0
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the role's sessions ended"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let owned: Vec<String> = admin
        .query(
            "SELECT datname::text FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = $1",
            &[&role],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for name in owned {
        admin
            .batch_execute(&format!("ALTER DATABASE \"{name}\" IS_TEMPLATE false"))
            .unwrap();
        admin
            .batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
            .unwrap();
    }
    admin.batch_execute(&format!("DROP ROLE {role}")).unwrap();
}

/// In the child: no place for the data.
fn nowhere_child() {
    match TestDb::new(&MIGRATIONS) {
        Ok(_) => println!("error=none"),
        Err(e) => println!("error={}", e.to_string().replace(' ', "_")),
    }
}

fn when_no_place_has_room_one_error_says_what_was_tried() {
    let o = child(
        "nowhere_child",
        &[
            ("SQLSTRATA_TEST_SERVER", "private"),
            ("SQLSTRATA_TEST_DATA_DIR", "/proc/self/sqlstrata-nowhere"),
            ("DATABASE_URL", ""),
        ],
    );
    let error = said(&o, "error").replace('_', " ");
    assert!(
        error.contains("no place for the test server's data"),
        "{error}"
    );
    assert!(
        error.contains("SQLSTRATA TEST DATA DIR (/proc/self/sqlstrata-nowhere): cannot create it"),
        "{error}"
    );
}

fn main() {
    match std::env::var(CHILD).as_deref() {
        Ok("nowhere_child") => nowhere_child(),
        Ok("createdb_only_child") => createdb_only_child(),
        Ok("pool_size_child") => pool_size_child(),
        Ok("clone_strategy_child") => clone_strategy_child(),
        Ok("keep_failed_child") => keep_failed_child(),
        Ok(other) => panic!("no case {other}"),
        Err(_) => {
            let cases: [(&str, fn()); 5] = [
                (
                    "when_no_place_has_room_one_error_says_what_was_tried",
                    when_no_place_has_room_one_error_says_what_was_tried,
                ),
                (
                    "a_role_that_may_only_create_databases_gets_test_databases",
                    a_role_that_may_only_create_databases_gets_test_databases,
                ),
                (
                    "the_pool_holds_sqlstrata_pool_size_clones",
                    the_pool_holds_sqlstrata_pool_size_clones,
                ),
                (
                    "sqlstrata_clone_strategy_picks_how_a_database_is_copied",
                    sqlstrata_clone_strategy_picks_how_a_database_is_copied,
                ),
                (
                    "sqlstrata_keep_failed_keeps_a_failed_tests_database",
                    sqlstrata_keep_failed_keeps_a_failed_tests_database,
                ),
            ];
            for (name, case) in cases {
                case();
                println!("test {name} ... ok");
            }
            println!("\ntest result: ok. {} passed", cases.len());
        }
    }
}
