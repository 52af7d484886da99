//! The runtime end to end against a real PostgreSQL: the test server of
//! `sqlstrata::testing` (DATABASE_URL, or a throwaway local server).

use std::time::Duration;

use sqlstrata::{Error, Migrations, Migrator, Options, State, TransactionMode};
use sqlstrata_tests::{EXAMPLE, Scratch, Spec, schema_snapshot, set_of};

fn set(migrations: &[Spec<'_>]) -> Migrations {
    set_of(migrations)
}

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

fn advisory_locks(client: &mut postgres::Client) -> i64 {
    count(
        client,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
}

#[test]
fn example_set_applies_lists_rolls_back_and_reapplies() {
    let db = Scratch::new();
    let mut c = db.connect();
    let m = Migrator::new(&EXAMPLE);

    let first = m.up_to(&mut c, 5).unwrap();
    assert_eq!(first.applied(), vec![1, 2, 3, 4, 5]);
    assert_eq!(first.batch, Some(1));
    let second = m.up(&mut c).unwrap();
    assert_eq!((second.applied(), second.batch), (vec![6, 7], Some(2)));
    // CREATE INDEX CONCURRENTLY really ran, outside a transaction.
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_posts_status'"
        ),
        1
    );

    let status = m.status(&mut c).unwrap().status;
    assert_eq!(status.len(), 7);
    assert!(status.iter().all(|e| e.state == State::Applied));
    assert_eq!(status[5].batch, Some(2));
    assert_eq!(
        status[0].description.as_deref(),
        Some("Users and their email addresses")
    );

    let back = m.rollback(&mut c).unwrap();
    assert_eq!(back.reverted(), vec![7, 6], "newest first");
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_posts_status'"
        ),
        0
    );
    let status = m.status(&mut c).unwrap().status;
    assert_eq!(
        status.iter().filter(|e| e.state == State::Pending).count(),
        2
    );

    // Batch 1 holds the irreversible 005: rolling it back fails before anything changes.
    let before = schema_snapshot(&mut c);
    assert!(
        matches!(m.rollback(&mut c), Err(Error::Irreversible { file }) if file == "005_normalise_emails.sql")
    );
    assert_eq!(schema_snapshot(&mut c), before);

    assert_eq!(m.up(&mut c).unwrap().applied(), vec![6, 7]);
    assert_eq!(advisory_locks(&mut c), 0, "the lock is released");
}

#[test]
fn a_failing_batch_leaves_the_database_exactly_as_before() {
    let db = Scratch::new();
    let mut c = db.connect();
    c.batch_execute("CREATE TABLE keep (id int)").unwrap();
    let before = schema_snapshot(&mut c);
    let broken = set(&[
        (
            1,
            &["CREATE TABLE a (id int)"],
            Some(&["DROP TABLE a"]),
            false,
        ),
        (
            2,
            &["CREATE TABLE b (id int)", "INSERT INTO b VALUES (1)"],
            Some(&["DROP TABLE b"]),
            false,
        ),
        (
            3,
            &["ALTER TABLE keep ADD COLUMN c text"],
            Some(&["ALTER TABLE keep DROP COLUMN c"]),
            false,
        ),
        (
            4,
            &["CREATE TABLE d (id int)", "INSERT INTO nowhere VALUES (1)"],
            Some(&["DROP TABLE d"]),
            false,
        ),
        (
            5,
            &["CREATE TABLE e (id int)"],
            Some(&["DROP TABLE e"]),
            false,
        ),
    ]);
    let err = Migrator::new(&broken).up(&mut c).unwrap_err();
    match &err {
        Error::Statement { file, line, db } => {
            assert_eq!((file.as_str(), *line), ("004_m4.sql", 3));
            assert_eq!(db.code, "42P01");
            assert!(db.message.contains("nowhere"), "{db}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("004_m4.sql:3: relation \"nowhere\" does not exist (SQLSTATE 42P01)"),
        "{err}"
    );
    // The tracking table was created under the lock, but it holds no rows.
    let after: Vec<String> = schema_snapshot(&mut c)
        .into_iter()
        .filter(|t| !t.starts_with("schema_migrations"))
        .collect();
    assert_eq!(after, before);
    assert_eq!(count(&mut c, "SELECT count(*) FROM schema_migrations"), 0);
    // The lock was released on the error path: the same connection runs again at once.
    assert_eq!(advisory_locks(&mut c), 0);
    let fixed = set(&[(
        1,
        &["CREATE TABLE a (id int)"],
        Some(&["DROP TABLE a"]),
        false,
    )]);
    assert_eq!(Migrator::new(&fixed).up(&mut c).unwrap().applied(), vec![1]);
}

#[test]
fn a_rollback_whose_second_down_fails_undoes_nothing() {
    let db = Scratch::new();
    let mut c = db.connect();
    let three = set(&[
        (
            1,
            &["CREATE TABLE a (id int)"],
            Some(&["DROP TABLE a"]),
            false,
        ),
        (
            2,
            &["CREATE TABLE b (id int)", "INSERT INTO b VALUES (1)"],
            Some(&["DROP TABLE b", "INSERT INTO nowhere VALUES (1)"]),
            false,
        ),
        (
            3,
            &["CREATE TABLE c (id int)", "INSERT INTO c VALUES (3)"],
            Some(&["DROP TABLE c"]),
            false,
        ),
    ]);
    let m = Migrator::new(&three);
    assert_eq!(m.up(&mut c).unwrap().applied(), vec![1, 2, 3]);
    let before = schema_snapshot(&mut c);
    let rows = |c: &mut postgres::Client| {
        c.query(
            "SELECT version, batch FROM schema_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get::<_, i64>(0), r.get::<_, i32>(1)))
        .collect::<Vec<_>>()
    };
    let tracked = rows(&mut c);

    // 003's DOWN runs first and succeeds, then 002's fails on its second
    // statement: 003's table and data, 002's table and every row stay.
    let err = m.rollback(&mut c).unwrap_err();
    match &err {
        Error::Statement { file, line, db } => {
            assert_eq!((file.as_str(), *line), ("002_m2.sql", 3));
            assert_eq!(db.code, "42P01");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(schema_snapshot(&mut c), before);
    assert_eq!(count(&mut c, "SELECT sum(id) FROM c"), 3);
    assert_eq!(count(&mut c, "SELECT count(*) FROM b"), 1);
    assert_eq!(rows(&mut c), tracked);
    let status = m.status(&mut c).unwrap().status;
    assert!(
        status.iter().all(|e| e.state == State::Applied),
        "{status:?}"
    );
    assert_eq!(advisory_locks(&mut c), 0);
}

#[test]
fn per_migration_transactions_keep_what_succeeded() {
    let db = Scratch::new();
    let mut c = db.connect();
    let s = set(&[
        (
            1,
            &["CREATE TABLE a (id int)"],
            Some(&["DROP TABLE a"]),
            false,
        ),
        (
            2,
            &["CREATE TABLE a (id int)"],
            Some(&["DROP TABLE a"]),
            false,
        ),
    ]);
    let m = Migrator::new(&s)
        .with_options(Options::default().transaction_mode(TransactionMode::PerMigration));
    assert!(matches!(
        m.up(&mut c),
        Err(Error::Statement { line: 2, .. })
    ));
    assert_eq!(count(&mut c, "SELECT count(*) FROM schema_migrations"), 1);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'a'"
        ),
        1
    );
}

#[test]
fn a_no_transaction_migration_that_fails_part_way_blocks_until_repaired() {
    let db = Scratch::new();
    let mut c = db.connect();
    let s = set(&[
        (
            1,
            &["CREATE TABLE a (id int)"],
            Some(&["DROP TABLE a"]),
            false,
        ),
        (
            2,
            &[
                "CREATE INDEX CONCURRENTLY a_id ON a (id)",
                "CREATE INDEX CONCURRENTLY b_id ON missing (id)",
            ],
            Some(&["DROP INDEX CONCURRENTLY a_id"]),
            true,
        ),
    ]);
    let m = Migrator::new(&s);
    assert!(matches!(
        m.up(&mut c),
        Err(Error::Statement { line: 3, .. })
    ));
    // 001 committed before the no-transaction migration (a commit point), and the failure is recorded.
    let status = m.status(&mut c).unwrap().status;
    assert_eq!(status[0].state, State::Applied);
    assert_eq!(status[1].state, State::Failed);
    let err = m.up(&mut c).unwrap_err();
    assert!(
        matches!(&err, Error::FailedMigration { file, line: Some(3), down: false } if file == "002_m2.sql"),
        "{err:?}"
    );
    assert!(err.to_string().contains("repair"));
    // After fixing by hand, repair clears the record and the migration runs again.
    c.batch_execute("DROP INDEX a_id").unwrap();
    c.batch_execute("CREATE TABLE missing (id int)").unwrap();
    assert_eq!(m.repair(&mut c).unwrap().done.len(), 1);
    assert_eq!(m.up(&mut c).unwrap().applied(), vec![2]);
}

#[test]
fn eight_runners_started_together_apply_each_migration_once() {
    let db = Scratch::new();
    let eight = || -> usize {
        let runners: Vec<_> = (0..8)
            .map(|_| {
                let url = db.url.clone();
                std::thread::spawn(move || {
                    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                    Migrator::new(&EXAMPLE).up(&mut c)
                })
            })
            .collect();
        runners
            .into_iter()
            .map(|r| r.join().unwrap().unwrap().applied().len())
            .sum()
    };
    assert_eq!(eight(), EXAMPLE.len(), "each migration exactly once");
    let mut c = db.connect();
    // Eight boots at once on a table an older sqlstrata created: each may
    // read the rows and seal, one at a time; nothing runs, nothing fails.
    for _ in 0..3 {
        c.batch_execute("ALTER TABLE schema_migrations DROP COLUMN seal")
            .unwrap();
        assert_eq!(eight(), 0);
        assert_eq!(
            count(
                &mut c,
                "SELECT count(*) FROM schema_migrations WHERE seal IS NOT NULL"
            ),
            1
        );
    }
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM schema_migrations"),
        EXAMPLE.len() as i64
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(DISTINCT batch) FROM schema_migrations"
        ),
        1
    );
}

#[test]
fn sealing_never_waits_behind_a_reader_of_the_tracking_table() {
    let db = Scratch::new();
    let mut c = db.connect();
    Migrator::new(&EXAMPLE).up(&mut c).unwrap();
    // A table an older sqlstrata created, and a session that read it in a
    // transaction it keeps open (a report, a psql left open).
    c.batch_execute("ALTER TABLE schema_migrations DROP COLUMN seal")
        .unwrap();
    // (Bounded here, so that a seal that waits fails this test, not hangs it.)
    c.batch_execute("SET statement_timeout = '5s'").unwrap();
    let mut reader = db.connect();
    reader
        .batch_execute("BEGIN; SELECT count(*) FROM schema_migrations")
        .unwrap();
    let start = std::time::Instant::now();
    let report = Migrator::new(&EXAMPLE).up(&mut c).unwrap();
    assert!(report.done.is_empty());
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "the boot waited {:?} for the reader",
        start.elapsed()
    );
    let has_seal = |c: &mut postgres::Client| {
        count(
            c,
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'schema_migrations'::regclass AND attname = 'seal' AND NOT attisdropped",
        )
    };
    assert_eq!(has_seal(&mut c), 0, "not added while the reader holds it");
    reader.batch_execute("COMMIT").unwrap();
    Migrator::new(&EXAMPLE).up(&mut c).unwrap();
    assert_eq!(has_seal(&mut c), 1, "added once the reader is gone");
    // The same for the seal's row, locked by a hand edit in progress.
    c.batch_execute("UPDATE schema_migrations SET seal = NULL")
        .unwrap();
    reader
        .batch_execute("BEGIN; SELECT 1 FROM schema_migrations FOR UPDATE")
        .unwrap();
    let start = std::time::Instant::now();
    assert!(Migrator::new(&EXAMPLE).up(&mut c).unwrap().done.is_empty());
    assert!(start.elapsed() < Duration::from_secs(3));
    reader.batch_execute("COMMIT").unwrap();
    Migrator::new(&EXAMPLE).up(&mut c).unwrap();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM schema_migrations WHERE seal IS NOT NULL"
        ),
        1
    );
}

#[test]
fn the_lock_wait_is_bounded_and_names_the_holder() {
    let db = Scratch::new();
    let slow = set(&[(1, &["SELECT pg_sleep(1.5)"], None, false)]);
    let holder = {
        let url = db.url.clone();
        let slow = slow.clone();
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(
                &format!("{url} application_name=deploy-42"),
                postgres::NoTls,
            )
            .unwrap();
            Migrator::new(&slow).up(&mut c).unwrap()
        })
    };
    // Wait until the first run is in its migration, holding the lock.
    let mut c = db.connect();
    while count(
        &mut c,
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1.5)%' AND pid <> pg_backend_pid()",
    ) == 0
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    let m = Migrator::new(&slow)
        .with_options(Options::default().runner_timeout(Duration::from_millis(300)));
    let err = m.up(&mut c).unwrap_err();
    assert!(
        matches!(&err, Error::LockTimeout { waited, holder: Some(h), .. } if *waited >= Duration::from_millis(300) && h.contains("deploy-42")),
        "{err:?}"
    );
    assert!(err.to_string().contains("application `deploy-42`"), "{err}");
    assert_eq!(holder.join().unwrap().applied(), vec![1]);
    assert!(m.up(&mut c).unwrap().applied().is_empty());
}

#[test]
fn drift_is_checked_before_anything_runs() {
    let db = Scratch::new();
    let mut c = db.connect();
    let v1 = set(&[
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
    Migrator::new(&v1).up(&mut c).unwrap();

    // A changed file: error naming it; repair accepts it after review.
    let changed = set(&[
        (
            1,
            &["CREATE TABLE a (id bigint)"],
            Some(&["DROP TABLE a"]),
            false,
        ),
        (
            2,
            &["CREATE TABLE b (id int)"],
            Some(&["DROP TABLE b"]),
            false,
        ),
        (3, &["CREATE TABLE c (id int)"], None, false),
    ]);
    assert!(
        matches!(Migrator::new(&changed).up(&mut c), Err(Error::ChecksumMismatch { file, .. }) if file == "001_m1.sql")
    );
    assert_eq!(
        Migrator::new(&changed).status(&mut c).unwrap().status[0].state,
        State::Modified
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'c'"
        ),
        0
    );

    // A missing older version is an error.
    let missing = set(&[
        (
            2,
            &["CREATE TABLE b (id int)"],
            Some(&["DROP TABLE b"]),
            false,
        ),
        (3, &["CREATE TABLE c (id int)"], None, false),
    ]);
    assert!(matches!(
        Migrator::new(&missing).up(&mut c),
        Err(Error::MissingMigration { version: 1, .. })
    ));

    // The database is ahead of this build: warn and do nothing.
    let older_build = set(&[(
        1,
        &["CREATE TABLE a (id int)"],
        Some(&["DROP TABLE a"]),
        false,
    )]);
    let report = Migrator::new(&older_build).up(&mut c).unwrap();
    assert!(report.applied().is_empty());
    assert!(
        report.warnings[0].contains("ahead"),
        "{:?}",
        report.warnings
    );

    // A pending version older than the newest applied: error unless allowed.
    let gap = set(&[
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
        (
            0,
            &["CREATE TABLE z (id int)"],
            Some(&["DROP TABLE z"]),
            false,
        ),
    ]);
    assert!(matches!(
        Migrator::new(&gap).up(&mut c),
        Err(Error::OutOfOrder { newest: 2, .. })
    ));
    let allowed = Migrator::new(&gap).with_options(Options::default().out_of_order(true));
    assert_eq!(allowed.up(&mut c).unwrap().applied(), vec![0]);
}

#[test]
fn a_foreign_table_of_the_same_name_is_an_error_and_untouched() {
    let db = Scratch::new();
    let mut c = db.connect();
    c.batch_execute("CREATE TABLE schema_migrations (version varchar(255) PRIMARY KEY, description text); INSERT INTO schema_migrations VALUES ('001', 'rails')").unwrap();
    let err = Migrator::new(&EXAMPLE).up(&mut c).unwrap_err();
    assert!(
        matches!(&err, Error::ForeignTrackingTable { columns, .. } if columns == "version, description"),
        "{err:?}"
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM schema_migrations"), 1);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'users'"
        ),
        0
    );
    // Another table name works beside it.
    let other = Migrator::new(&EXAMPLE)
        .with_options(Options::default().table(Some("sqlstrata"), "applied"));
    assert_eq!(other.up(&mut c).unwrap().applied().len(), EXAMPLE.len());
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM sqlstrata.applied"),
        EXAMPLE.len() as i64
    );
}

#[test]
fn baseline_records_without_running_and_down_targets() {
    let db = Scratch::new();
    let mut c = db.connect();
    let m = Migrator::new(&EXAMPLE);
    c.batch_execute(
        "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text, created_at timestamptz)",
    )
    .unwrap();
    assert_eq!(m.baseline(&mut c, 1).unwrap().applied(), vec![1]);
    assert_eq!(m.up_to(&mut c, 4).unwrap().applied(), vec![2, 3, 4]);
    assert_eq!(m.down(&mut c, 2).unwrap().reverted(), vec![4, 3]);
    assert_eq!(m.down_to(&mut c, 1).unwrap().reverted(), vec![2]);
    assert_eq!(
        m.status(&mut c)
            .unwrap()
            .status
            .iter()
            .filter(|e| e.state == State::Applied)
            .count(),
        1
    );
    assert!(matches!(
        m.up_to(&mut c, 99),
        Err(Error::UnknownVersion(99))
    ));
}

#[test]
fn reset_and_refresh() {
    let db = Scratch::new();
    let mut c = db.connect();
    let s = set(&[
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
    let m = Migrator::new(&s);
    m.up_to(&mut c, 1).unwrap();
    m.up(&mut c).unwrap();
    let refreshed = m.refresh(&mut c).unwrap();
    assert_eq!(refreshed.reverted(), vec![2, 1]);
    assert_eq!(refreshed.applied(), vec![1, 2]);
    assert_eq!(refreshed.batch, Some(1));
    assert_eq!(m.reset(&mut c).unwrap().reverted(), vec![2, 1]);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_tables WHERE tablename IN ('a', 'b')"
        ),
        0
    );
}

#[test]
fn async_client_end_to_end() {
    // The scratch database is made and dropped with a blocking client, outside the runtime.
    let db = Scratch::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = db.connect_async().await;
        let m = Migrator::new(&EXAMPLE);
        let up = m
            .run_async(&c, sqlstrata::Operation::Up { to: None })
            .await
            .unwrap();
        assert_eq!(up.applied().len(), EXAMPLE.len());
        let status = m.run_async(&c, sqlstrata::Operation::Status).await.unwrap();
        assert!(status.status.iter().all(|e| e.state == State::Applied));
        let again = m
            .run_async(&c, sqlstrata::Operation::Up { to: None })
            .await
            .unwrap();
        assert!(again.done.is_empty());
        let err = m
            .run_async(&c, sqlstrata::Operation::Rollback { batches: 1 })
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Irreversible { .. }));
        drop(c);
    });
}

#[test]
fn async_operations_take_a_client_held_mutably() {
    let db = Scratch::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // How most code holds its client: `let mut client`, passed as `&mut client`.
        let mut client = db.connect_async().await;
        let m = Migrator::new(&EXAMPLE);
        let up = m.up_to_async(&mut client, 2).await.unwrap();
        assert_eq!(up.applied(), vec![1, 2]);
        let back = m.rollback_async(&mut client).await.unwrap();
        assert_eq!(back.reverted(), vec![2, 1]);
        let n: i64 = client
            .query_one("SELECT count(*) FROM schema_migrations", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 0);
    });
}
