//! Through PgBouncer in transaction pooling mode, where a session lock is
//! taken on one server connection and "released" on another: the lease lock
//! keeps every promise, and the advisory lock is made safe.

use std::time::Duration;

use sqlstrata::{LockMode, Migrator, Options, State};
use sqlstrata_tests::{PgBouncer, set_of};

fn side_effect_set() -> sqlstrata::Migrations {
    set_of(&[
        (
            1,
            &["CREATE TABLE a (id int)"],
            Some(&["DROP TABLE a"]),
            false,
        ),
        (
            2,
            &[
                "INSERT INTO side VALUES (1)",
                "SELECT pg_sleep(0.05)",
                "INSERT INTO side VALUES (2)",
            ],
            Some(&["DELETE FROM side"]),
            true,
        ),
        (
            3,
            &["CREATE TABLE b (id int)"],
            Some(&["DROP TABLE b"]),
            false,
        ),
    ])
}

fn eight_runners(bouncer: &PgBouncer, db: &str, options: Options) -> usize {
    let set = side_effect_set();
    let runners: Vec<_> = (0..8)
        .map(|_| {
            let url = bouncer.url_for(db);
            let set = set.clone();
            let options = options.clone();
            std::thread::spawn(move || {
                let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                let report = Migrator::new(&set)
                    .with_options(options)
                    .up(&mut c)
                    .unwrap();
                report.applied().len()
            })
        })
        .collect();
    runners.into_iter().map(|r| r.join().unwrap()).sum()
}

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

#[test]
fn the_lease_lock_keeps_every_promise_behind_transaction_pooling() {
    let bouncer = PgBouncer::start(4);
    let db = bouncer.database("leased");
    bouncer
        .direct(&db)
        .batch_execute("CREATE TABLE side (n int)")
        .unwrap();
    let lease = Options::default()
        .lock_mode(LockMode::Lease)
        .runner_timeout(Duration::from_secs(30));

    assert_eq!(
        eight_runners(&bouncer, &db, lease.clone()),
        3,
        "each migration applied once"
    );
    let mut direct = bouncer.direct(&db);
    assert_eq!(
        count(&mut direct, "SELECT count(*) FROM side"),
        2,
        "each statement ran once"
    );

    let mut c = postgres::Client::connect(&bouncer.url_for(&db), postgres::NoTls).unwrap();
    let set = side_effect_set();
    let m = Migrator::new(&set).with_options(lease.clone());
    let status = m.status(&mut c).unwrap().status;
    assert!(
        status.iter().all(|e| e.state == State::Applied),
        "{status:?}"
    );
    assert_eq!(m.rollback(&mut c).unwrap().reverted(), vec![3, 2, 1]);
    assert_eq!(count(&mut direct, "SELECT count(*) FROM side"), 0);
    assert_eq!(m.up(&mut c).unwrap().applied(), vec![1, 2, 3]);

    // Nothing left behind on the server.
    assert_eq!(
        count(
            &mut direct,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
        ),
        0
    );
    assert_eq!(
        count(&mut direct, "SELECT count(*) FROM schema_migrations_lock"),
        0,
        "the lease is released"
    );
}

#[test]
fn the_advisory_lock_is_not_shared_by_runners_sharing_a_server_connection() {
    // One server connection: every runner's statements reach the same
    // backend, whose session lock would let all of them in (advisory locks
    // are reentrant). The lock notices it already holds the key and waits.
    let bouncer = PgBouncer::start(1);
    let db = bouncer.database("advised");
    bouncer
        .direct(&db)
        .batch_execute("CREATE TABLE side (n int)")
        .unwrap();
    let advisory = Options::default().runner_timeout(Duration::from_secs(60));
    assert_eq!(eight_runners(&bouncer, &db, advisory), 3);
    let mut direct = bouncer.direct(&db);
    assert_eq!(count(&mut direct, "SELECT count(*) FROM side"), 2);
    assert_eq!(
        count(
            &mut direct,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
        ),
        0
    );
}

#[test]
fn the_embedded_cli_takes_the_lease_through_pgbouncer() {
    let bouncer = PgBouncer::start(2);
    let db = bouncer.database("cli");
    bouncer
        .direct(&db)
        .batch_execute("CREATE TABLE side (n int)")
        .unwrap();
    let set = side_effect_set();
    let run = |args: &[&str]| {
        let mut argv = vec!["app", "--database-url"];
        let url = bouncer.url_for(&db);
        argv.push(&url);
        argv.extend_from_slice(args);
        sqlstrata::cli::run_from(argv, &set)
    };
    assert_eq!(
        run(&["--lock", "lease", "up"]),
        std::process::ExitCode::SUCCESS
    );
    assert_eq!(
        run(&["--lock", "lease", "status", "--pending"]),
        std::process::ExitCode::SUCCESS
    );
    let mut direct = bouncer.direct(&db);
    assert_eq!(
        count(&mut direct, "SELECT count(*) FROM schema_migrations"),
        3
    );
    assert_eq!(
        count(&mut direct, "SELECT count(*) FROM schema_migrations_lock"),
        0
    );
}

#[test]
fn an_advisory_lock_left_on_another_server_connection_is_reported() {
    // Two server connections. After the runner's first migration commits, a
    // client opens a transaction: PgBouncer reuses server connections last
    // in, first out, so it gets the one the runner locked on, and the
    // runner's unlock reaches the other one.
    let bouncer = PgBouncer::start(2);
    let set = set_of(&[
        (
            1,
            &["CREATE TABLE a (id int)"],
            Some(&["DROP TABLE a"]),
            false,
        ),
        (
            2,
            &["CREATE TABLE b (id int)"],
            Some(&["DROP TABLE b"]),
            false,
        ),
    ]);
    for attempt in 0..10 {
        let db = bouncer.database(&format!("moved{attempt}"));
        let url = bouncer.url_for(&db);
        let helper = std::sync::Arc::new(std::sync::Mutex::new(
            postgres::Client::connect(&url, postgres::NoTls).unwrap(),
        ));
        let pin = helper.clone();
        let m = Migrator::new(&set)
            .with_options(
                Options::default().transaction_mode(sqlstrata::TransactionMode::PerMigration),
            )
            .on_progress(move |d| {
                if d.version == 1 {
                    pin.lock()
                        .unwrap()
                        .batch_execute("BEGIN; SELECT 1")
                        .unwrap();
                }
            });
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let report = m.up(&mut c).unwrap();
        let leaked = count(
            &mut bouncer.direct(&db),
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'",
        );
        helper.lock().unwrap().batch_execute("COMMIT").unwrap();
        let warned = report.warnings.iter().any(|w| w.contains("--lock lease"));
        // Whenever the lock is left behind, the run says so.
        assert_eq!(
            warned,
            leaked > 0,
            "attempt {attempt}: {:?}",
            report.warnings
        );
        if warned {
            return;
        }
    }
    panic!("the runner's unlock never reached another server connection");
}

#[test]
fn nothing_a_run_sets_stays_on_a_pooled_server_connection() {
    // One server connection: whatever a run leaves in its session, the next
    // client of the pool finds.
    let bouncer = PgBouncer::start(1);
    let db = bouncer.database("clean");
    let set = sqlstrata_tests::set_from_files(&[
        (
            "001_path.sql",
            "-- sqlstrata: allow(session-setting)\n-- UP\nSET search_path TO nowhere;\nSET work_mem = '9MB';\nCREATE TABLE public.a (id int);\n-- DOWN\nDROP TABLE public.a;\n",
        ),
        (
            "002_index.sql",
            "-- sqlstrata: no-transaction\n-- sqlstrata: allow(session-setting)\n-- UP\nSET statement_timeout = '9s';\nCREATE INDEX CONCURRENTLY a_id ON public.a (id);\n-- DOWN\nDROP INDEX CONCURRENTLY public.a_id;\n",
        ),
        (
            "003_b.sql",
            "-- UP\nCREATE TABLE b (id int);\n-- DOWN\nDROP TABLE b;\n",
        ),
    ]);
    let lease = Options::default().lock_mode(LockMode::Lease);
    let mut c = postgres::Client::connect(&bouncer.url_for(&db), postgres::NoTls).unwrap();
    assert_eq!(
        Migrator::new(&set)
            .with_options(lease.clone())
            .up(&mut c)
            .unwrap()
            .applied(),
        vec![1, 2, 3]
    );
    drop(c);
    let mut next = postgres::Client::connect(&bouncer.url_for(&db), postgres::NoTls).unwrap();
    for (name, want) in [
        ("search_path", "\"$user\", public"),
        ("work_mem", "4MB"),
        ("lock_timeout", "0"),
        ("statement_timeout", "0"),
    ] {
        let got: String = next.query_one(&format!("SHOW {name}"), &[]).unwrap().get(0);
        assert_eq!(got, want, "{name} on the pool's server connection");
    }
    let schema: String = next
        .query_one(
            "SELECT schemaname::text FROM pg_tables WHERE tablename = 'b'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(schema, "public");
    // A rollback puts nothing there either.
    let m = Migrator::new(&set).with_options(lease);
    assert_eq!(m.rollback(&mut next).unwrap().reverted(), vec![3, 2, 1]);
    let got: String = next.query_one("SHOW search_path", &[]).unwrap().get(0);
    assert_eq!(got, "\"$user\", public");
}
