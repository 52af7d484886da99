//! A migration that waits for a lock never takes the application down: the
//! scenario of a live database, against a real PostgreSQL, sync and async,
//! advisory and lease. Each statement waits at most its lock bound; its
//! transaction is rolled back and retried with backoff; the sessions it
//! waited for are named; nothing happens twice; a spent budget leaves the
//! database as it was.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlstrata::{Error, Gave, LockMode, LockWait, Migrator, Options};
use sqlstrata_tests::{Scratch, set_from_files, set_of};

/// A session that opens a transaction, runs `sql` in it and keeps it open
/// for `hold`, then commits; its pid.
fn blocker(db: &Scratch, sql: &'static str, hold: Duration) -> (i32, std::thread::JoinHandle<()>) {
    let mut c = db.connect();
    let pid: i32 = c.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    let (ready, started) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        let mut tx = c.transaction().unwrap();
        tx.batch_execute(sql).unwrap();
        ready.send(()).unwrap();
        std::thread::sleep(hold);
        tx.commit().unwrap();
    });
    started.recv().unwrap();
    (pid, handle)
}

/// An application that reads `t` every few milliseconds until stopped; the
/// longest any of its queries took.
fn application(db: &Scratch, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Duration> {
    let mut c = db.connect();
    std::thread::spawn(move || {
        let mut longest = Duration::ZERO;
        while !stop.load(Ordering::SeqCst) {
            let start = Instant::now();
            c.query_one("SELECT count(*) FROM t", &[]).unwrap();
            longest = longest.max(start.elapsed());
            std::thread::sleep(Duration::from_millis(5));
        }
        longest
    })
}

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

/// 001 writes a row (its effect must happen once), 002 alters the table
/// the blocker read: one batch.
fn alter_set() -> sqlstrata::Migrations {
    set_of(&[
        (
            1,
            &["INSERT INTO side VALUES (1)"],
            Some(&["DELETE FROM side"]),
            false,
        ),
        (
            2,
            &["ALTER TABLE t ADD COLUMN c int"],
            Some(&["ALTER TABLE t DROP COLUMN c"]),
            false,
        ),
    ])
}

fn prepared() -> Scratch {
    let db = Scratch::new();
    db.connect()
        .batch_execute(
            "CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 100); CREATE TABLE side (n int)",
        )
        .unwrap();
    db
}

/// The scenario of the issue: a transaction that read `t` stays open for
/// 6 s while `up` alters `t`; the application keeps reading `t`.
fn the_application_never_stalls(
    lock: LockMode,
    run: impl FnOnce(&Migrator<'_>, &Scratch) -> Result<sqlstrata::Report, Error>,
) {
    let db = prepared();
    let stop = Arc::new(AtomicBool::new(false));
    let app = application(&db, stop.clone());
    std::thread::sleep(Duration::from_millis(100));
    let (pid, hold) = blocker(&db, "SELECT count(*) FROM t", Duration::from_secs(6));
    let started = Instant::now();
    let waits: Arc<Mutex<Vec<LockWait>>> = Arc::default();
    let seen = waits.clone();
    let set = alter_set();
    let migrator = Migrator::new(&set)
        .with_options(Options::default().lock_mode(lock))
        .on_lock_wait(move |w| seen.lock().unwrap().push(w.clone()));
    let report = run(&migrator, &db).unwrap();
    let took = started.elapsed();
    hold.join().unwrap();
    stop.store(true, Ordering::SeqCst);
    let longest = app.join().unwrap();

    assert_eq!(report.applied(), vec![1, 2]);
    assert!(
        took >= Duration::from_secs(5),
        "applied only after the blocker ended ({took:?})"
    );
    assert!(
        longest <= Duration::from_millis(1500),
        "the application stalled {longest:?} behind the waiting migration"
    );
    assert!(!report.lock_waits.is_empty());
    assert_eq!(
        *waits.lock().unwrap(),
        report.lock_waits,
        "each wait told as it happened"
    );
    for (n, w) in report.lock_waits.iter().enumerate() {
        assert_eq!(w.attempt as usize, n + 1);
        assert_eq!(
            (w.file.as_str(), w.line, w.gave),
            ("002_m2.sql", Some(2), Gave::LockTimeout)
        );
        assert_eq!(w.bound, Some(Duration::from_secs(1)));
        assert!(
            w.blockers
                .iter()
                .any(|b| b.pid == pid && b.state == "idle in transaction"),
            "the blocker named: {w}"
        );
        assert!(
            w.to_string().contains(&format!("blocked by pid {pid} ")),
            "{w}"
        );
    }
    let mut c = db.connect();
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM side"),
        1,
        "001's effect happened once"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'c'"
        ),
        1
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM schema_migrations"), 2);
}

#[test]
fn sync_advisory_the_application_never_stalls_behind_a_waiting_migration() {
    the_application_never_stalls(LockMode::Advisory, |m, db| m.up(&mut db.connect()));
}

#[test]
fn sync_lease_the_application_never_stalls_behind_a_waiting_migration() {
    the_application_never_stalls(LockMode::Lease, |m, db| m.up(&mut db.connect()));
}

fn on_runtime<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn async_advisory_the_application_never_stalls_behind_a_waiting_migration() {
    the_application_never_stalls(LockMode::Advisory, |m, db| {
        on_runtime(async { m.up_async(&db.connect_async().await).await })
    });
}

#[test]
fn async_lease_the_application_never_stalls_behind_a_waiting_migration() {
    the_application_never_stalls(LockMode::Lease, |m, db| {
        on_runtime(async { m.up_async(&db.connect_async().await).await })
    });
}

#[test]
fn a_spent_budget_fails_cleanly_with_nothing_half_applied() {
    for asynchronous in [false, true] {
        let db = prepared();
        let (pid, hold) = blocker(&db, "SELECT count(*) FROM t", Duration::from_secs(4));
        let set = alter_set();
        let m = Migrator::new(&set).with_options(
            Options::default()
                .statement_lock_timeout(Duration::from_millis(200))
                .lock_retry_budget(Duration::from_millis(1500)),
        );
        let started = Instant::now();
        let err = if asynchronous {
            on_runtime(async { m.up_async(&db.connect_async().await).await }).unwrap_err()
        } else {
            m.up(&mut db.connect()).unwrap_err()
        };
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "gave up within the budget"
        );
        hold.join().unwrap();
        let Error::LockRetriesSpent {
            file,
            line,
            attempts,
            blockers,
            ..
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!((file.as_str(), *line), ("002_m2.sql", Some(2)));
        assert!(*attempts >= 2, "{err}");
        assert!(blockers.iter().any(|b| b.pid == pid), "{err}");
        assert_eq!(err.sql_state(), Some("55P03"));
        let text = err.to_string();
        assert!(text.starts_with("002_m2.sql:2: gave up after"), "{text}");
        assert!(
            text.contains("nothing of the transaction it was in was applied"),
            "{text}"
        );
        assert!(text.contains(&format!("blocked by pid {pid} ")), "{text}");
        let mut c = db.connect();
        assert_eq!(
            count(&mut c, "SELECT count(*) FROM side"),
            0,
            "001 rolled back with it"
        );
        assert_eq!(count(&mut c, "SELECT count(*) FROM schema_migrations"), 0);
        assert_eq!(
            count(
                &mut c,
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            0,
            "the runner's lock released"
        );
        // Once the blocker is gone the same run succeeds.
        assert_eq!(m.up(&mut c).unwrap().applied(), vec![1, 2]);
    }
}

#[test]
fn a_statement_that_fails_for_another_reason_is_never_retried() {
    let db = prepared();
    let set = set_from_files(&[(
        "001_slow.sql",
        "-- sqlstrata: statement-timeout 100ms\n-- UP\nINSERT INTO side VALUES (1);\nSELECT pg_sleep(0.5);\n-- DOWN\nDELETE FROM side;\n",
    )]);
    let mut c = db.connect();
    let started = Instant::now();
    let err = Migrator::new(&set).up(&mut c).unwrap_err();
    assert!(
        matches!(&err, Error::Statement { line: 4, db, .. } if db.code == "57014"),
        "cancelled by its own statement time-out: {err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(450),
        "not retried"
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM side"), 0);
}

#[test]
fn per_migration_directives_override_the_run_and_the_set() {
    let db = prepared();
    // The run says 200 ms; the migration says 5 s: a 1.5 s blocker is waited out in one attempt.
    let set = set_from_files(&[(
        "001_patient.sql",
        "-- sqlstrata: lock-timeout 5s\n-- UP\nALTER TABLE t ADD COLUMN c int;\n-- DOWN\nALTER TABLE t DROP COLUMN c;\n",
    )]);
    let (_, hold) = blocker(&db, "SELECT count(*) FROM t", Duration::from_millis(1500));
    let m = Migrator::new(&set)
        .with_options(Options::default().statement_lock_timeout(Duration::from_millis(200)));
    let report = m.up(&mut db.connect()).unwrap();
    hold.join().unwrap();
    assert!(report.lock_waits.is_empty(), "{:?}", report.lock_waits);
    assert_eq!(report.applied(), vec![1]);

    // `statement-timeout 0` lifts the run's statement bound.
    let set = set_from_files(&[(
        "001_long.sql",
        "-- sqlstrata: statement-timeout 0\n-- UP\nSELECT pg_sleep(0.4);\n-- DOWN\nSELECT 1;\n",
    )]);
    let m = Migrator::new(&set)
        .with_options(Options::default().statement_timeout(Duration::from_millis(100)));
    let other = Scratch::new();
    assert_eq!(m.up(&mut other.connect()).unwrap().applied(), vec![1]);
    // Without the directive the run's bound holds.
    let set = set_of(&[(1, &["SELECT pg_sleep(0.4)"], Some(&["SELECT 1"]), false)]);
    let m = Migrator::new(&set)
        .with_options(Options::default().statement_timeout(Duration::from_millis(100)));
    let other = Scratch::new();
    assert_eq!(
        m.up(&mut other.connect()).unwrap_err().sql_state(),
        Some("57014")
    );

    // The set's sqlstrata.toml gives defaults under the run's options.
    let settings = sqlstrata::RunSettings {
        bounds: sqlstrata::Bounds {
            lock_timeout: None,
            statement_timeout: Some(Duration::from_millis(100)),
        },
        lock_retry_budget: None,
    };
    let set = set_of(&[(1, &["SELECT pg_sleep(0.4)"], Some(&["SELECT 1"]), false)])
        .with_settings(settings);
    let other = Scratch::new();
    assert_eq!(
        Migrator::new(&set)
            .up(&mut other.connect())
            .unwrap_err()
            .sql_state(),
        Some("57014")
    );
    let other = Scratch::new();
    let lifted =
        Migrator::new(&set).with_options(Options::default().statement_timeout(Duration::ZERO));
    assert_eq!(lifted.up(&mut other.connect()).unwrap().applied(), vec![1]);
}

#[test]
fn what_each_statement_runs_with_is_what_the_bounds_say() {
    let db = Scratch::new();
    let set = set_from_files(&[
        (
            "001_seen.sql",
            "-- UP\nCREATE TABLE seen (m int, lock text, statement text);\nINSERT INTO seen VALUES (1, current_setting('lock_timeout'), current_setting('statement_timeout'));\n-- DOWN\nDROP TABLE seen;\n",
        ),
        (
            "002_own.sql",
            "-- sqlstrata: lock-timeout 7s\n-- sqlstrata: statement-timeout 2m\n-- UP\nINSERT INTO seen VALUES (2, current_setting('lock_timeout'), current_setting('statement_timeout'));\n-- DOWN\nSELECT 1;\n",
        ),
        (
            "003_alone.sql",
            "-- sqlstrata: no-transaction\n-- UP\nINSERT INTO seen VALUES (3, current_setting('lock_timeout'), current_setting('statement_timeout'));\n-- DOWN\nSELECT 1;\n",
        ),
    ]);
    let mut c = db.connect();
    c.batch_execute("SET lock_timeout = '3s'").unwrap();
    Migrator::new(&set).up(&mut c).unwrap();
    let seen: Vec<(i32, String, String)> = c
        .query("SELECT m, lock, statement FROM seen ORDER BY m", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        seen,
        vec![
            (1, "1s".to_string(), "0".to_string()),
            (2, "7s".to_string(), "2min".to_string()),
            (3, "1s".to_string(), "0".to_string()),
        ]
    );
    let lock: String = c.query_one("SHOW lock_timeout", &[]).unwrap().get(0);
    assert_eq!(lock, "3s", "the application's own setting is untouched");
}

#[test]
fn a_no_transaction_migrations_statement_that_waited_is_retried_alone() {
    let db = prepared();
    let set = set_from_files(&[(
        "001_alone.sql",
        "-- sqlstrata: no-transaction\n-- UP\nINSERT INTO side VALUES (1);\nALTER TABLE t ADD COLUMN c int;\nINSERT INTO side VALUES (2);\n-- DOWN\nALTER TABLE t DROP COLUMN c;\n",
    )]);
    let (pid, hold) = blocker(&db, "SELECT count(*) FROM t", Duration::from_millis(2500));
    let report = Migrator::new(&set).up(&mut db.connect()).unwrap();
    hold.join().unwrap();
    assert_eq!(report.applied(), vec![1]);
    assert!(!report.lock_waits.is_empty());
    assert!(
        report.lock_waits.iter().all(|w| w.line == Some(4)),
        "{:?}",
        report.lock_waits
    );
    assert!(report.lock_waits[0].blockers.iter().any(|b| b.pid == pid));
    let mut c = db.connect();
    let side: Vec<i32> = c
        .query("SELECT n FROM side ORDER BY n", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(side, vec![1, 2], "the statements before it ran once");
}

#[test]
fn a_deadlock_with_the_application_is_retried_and_succeeds() {
    let db = Scratch::new();
    db.connect()
        .batch_execute("CREATE TABLE a (id int); CREATE TABLE b (id int)")
        .unwrap();
    // Its lock bound is longer than the server's deadlock_timeout (1 s), so
    // the deadlock is found first; the migration waits first, so it is the
    // one that finds it, and the victim.
    let set = set_from_files(&[(
        "001_both.sql",
        "-- sqlstrata: lock-timeout 10s\n-- UP\nALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN y int;\n-- DOWN\nALTER TABLE a DROP COLUMN x;\nALTER TABLE b DROP COLUMN y;\n",
    )]);
    let mut app = db.connect();
    let mut tx = app.transaction().unwrap();
    tx.batch_execute("SELECT count(*) FROM b").unwrap();
    let url = db.url.clone();
    let runner = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        Migrator::new(&set).up(&mut c)
    });
    // Once the migration holds `a` and waits for `b`, read `a`: a cycle.
    let mut watch = db.connect();
    let start = Instant::now();
    while count(
        &mut watch,
        "SELECT count(*) FROM pg_locks WHERE relation = 'b'::regclass AND mode = 'AccessExclusiveLock' AND NOT granted",
    ) == 0
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the migration never waited for b"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    tx.batch_execute("SELECT count(*) FROM a").unwrap();
    tx.commit().unwrap();
    let report = runner.join().unwrap().unwrap();
    assert_eq!(report.applied(), vec![1]);
    assert_eq!(report.lock_waits.len(), 1, "{:?}", report.lock_waits);
    assert_eq!(report.lock_waits[0].gave, Gave::Deadlock);
    assert_eq!(report.lock_waits[0].line, Some(4));
    assert_eq!(
        count(
            &mut watch,
            "SELECT count(*) FROM information_schema.columns WHERE column_name IN ('x', 'y')"
        ),
        2
    );
}

/// Invalid indexes of the database, by name.
fn invalid(c: &mut postgres::Client) -> Vec<String> {
    c.query(
        "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid ORDER BY 1",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[test]
fn a_retried_concurrent_index_is_never_fooled_by_the_invalid_index_it_left() {
    let db = prepared();
    // A writer's open transaction: CREATE INDEX CONCURRENTLY creates its
    // (invalid) index, then waits for the writer and times out.
    let set = set_from_files(&[(
        "001_index.sql",
        "-- sqlstrata: no-transaction\n-- sqlstrata: lock-timeout 300ms\n-- UP\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_id ON t (id);\n-- DOWN\nDROP INDEX CONCURRENTLY t_id;\n",
    )]);
    let (pid, hold) = blocker(&db, "INSERT INTO t VALUES (0)", Duration::from_millis(2500));
    let report = Migrator::new(&set).up(&mut db.connect()).unwrap();
    hold.join().unwrap();
    assert_eq!(report.applied(), vec![1]);
    assert!(!report.lock_waits.is_empty());
    assert!(report.lock_waits[0].blockers.iter().any(|b| b.pid == pid));
    let mut c = db.connect();
    assert!(
        invalid(&mut c).is_empty(),
        "the retry dropped what the failed attempt left"
    );
    let valid: bool = c
        .query_one(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id'::regclass",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(valid, "the index is built, not taken as it was");
}

#[test]
fn a_failed_concurrent_index_names_what_it_left_and_a_rerun_refuses_it() {
    let db = Scratch::new();
    let mut c = db.connect();
    c.batch_execute("CREATE TABLE u (email text); INSERT INTO u VALUES ('a'), ('a')")
        .unwrap();
    let set = set_from_files(&[(
        "001_unique.sql",
        "-- sqlstrata: no-transaction\n-- UP\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u_email ON u (email);\n-- DOWN\nDROP INDEX CONCURRENTLY u_email;\n",
    )]);
    let m = Migrator::new(&set);
    let err = m.up(&mut c).unwrap_err();
    assert!(
        matches!(&err, Error::IndexLeftInvalid { line: 3, indexes, .. } if indexes == &["u_email".to_string()]),
        "{err:?}"
    );
    assert!(err.to_string().contains("DROP INDEX CONCURRENTLY"), "{err}");
    assert_eq!(err.sql_state(), Some("23505"));
    assert_eq!(invalid(&mut c), vec!["u_email".to_string()]);
    // After repair, with the duplicate fixed but the invalid index still
    // there, `IF NOT EXISTS` would take it: refused, naming the fix.
    m.repair(&mut c).unwrap();
    c.batch_execute("DELETE FROM u WHERE ctid <> (SELECT min(ctid) FROM u)")
        .unwrap();
    let err = m.up(&mut c).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidIndex { line: 3, index, .. } if index == "u_email"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("DROP INDEX CONCURRENTLY u_email;"),
        "{err}"
    );
    let status = m.status(&mut c).unwrap().status;
    assert_eq!(
        status[0].state,
        sqlstrata::State::Pending,
        "refused before its first statement: nothing to repair"
    );
    c.batch_execute("DROP INDEX CONCURRENTLY u_email").unwrap();
    assert_eq!(m.up(&mut c).unwrap().applied(), vec![1]);
    assert!(invalid(&mut c).is_empty());
}

#[test]
fn a_transaction_block_of_a_no_transaction_migration_is_retried_whole_and_fails_whole() {
    let db = prepared();
    let file = |second: &str| {
        format!(
            "-- sqlstrata: no-transaction\n-- UP\nBEGIN;\nINSERT INTO side VALUES (1);\nINSERT INTO side VALUES (2);\nCOMMIT;\nBEGIN;\nINSERT INTO side VALUES (3);\n{second};\nCOMMIT;\n-- DOWN\nDELETE FROM side;\n"
        )
    };
    let set = set_from_files(&[("001_blocks.sql", &file("ALTER TABLE t ADD COLUMN c int"))]);
    let (_, hold) = blocker(&db, "SELECT count(*) FROM t", Duration::from_millis(2500));
    let report = Migrator::new(&set).up(&mut db.connect()).unwrap();
    hold.join().unwrap();
    assert!(!report.lock_waits.is_empty());
    assert!(
        report.lock_waits.iter().all(|w| w.line == Some(9)),
        "{:?}",
        report.lock_waits
    );
    let mut c = db.connect();
    let side = |c: &mut postgres::Client| -> Vec<i32> {
        c.query("SELECT n FROM side ORDER BY n", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    assert_eq!(side(&mut c), vec![1, 2, 3], "each block's effect once");

    // A statement that fails inside a block: that block is rolled back,
    // the one before it stays, and the migration is recorded as failed there.
    let db = prepared();
    let set = set_from_files(&[("001_blocks.sql", &file("INSERT INTO missing VALUES (1)"))]);
    let m = Migrator::new(&set);
    let mut c = db.connect();
    let err = m.up(&mut c).unwrap_err();
    assert!(matches!(err, Error::Statement { line: 9, .. }), "{err:?}");
    assert_eq!(side(&mut c), vec![1, 2]);
    let status = m.status(&mut c).unwrap().status;
    assert_eq!(
        (status[0].state, status[0].failed_line),
        (sqlstrata::State::Failed, Some(9))
    );
    let open: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND datname = current_database()",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(open, 0, "no transaction left open");
}
