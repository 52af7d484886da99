//! The runtime's promises, attacked: each test here failed on the runtime
//! before it kept the promise, against a real PostgreSQL. (The attacks that
//! need whole processes, 8 runners started together or a killed `sqlstrata`,
//! are in `cli/tests/attacks.rs`.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlstrata::{Error, Migrations, Migrator, Options, State};
use sqlstrata_tests::{Scratch, set_from_files, set_of};

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A connection string for the scratch database with `search_path` set in
/// the connection's options, as `options=-csearch_path=app` in a URL does.
fn with_search_path(db: &Scratch, path: &str) -> String {
    format!("{} options='-c search_path={path}'", db.url)
}

// A. One tracking table, one identity.

#[test]
fn a_changed_search_path_finds_the_same_history() {
    let db = Scratch::new();
    let mut c = db.connect();
    c.batch_execute("CREATE TABLE side (n int); CREATE SCHEMA app; CREATE SCHEMA other")
        .unwrap();
    let set = set_of(&[(1, &["INSERT INTO public.side VALUES (1)"], None, false)]);
    let m = Migrator::new(&set);
    assert_eq!(m.up(&mut c).unwrap().applied(), vec![1]);

    // The URL's options move search_path elsewhere; so does ALTER DATABASE.
    let mut moved =
        postgres::Client::connect(&with_search_path(&db, "app"), postgres::NoTls).unwrap();
    assert!(m.up(&mut moved).unwrap().applied().is_empty());
    assert_eq!(
        m.status(&mut moved).unwrap().status[0].state,
        State::Applied
    );
    c.batch_execute(&format!(
        "ALTER DATABASE \"{}\" SET search_path = other",
        db.name
    ))
    .unwrap();
    let mut altered = db.connect();
    assert_eq!(
        count(
            &mut altered,
            "SELECT count(*) FROM pg_namespace WHERE nspname = current_schema()"
        ),
        1
    );
    assert!(m.up(&mut altered).unwrap().applied().is_empty());
    // The same table spelled with its schema is the same history too.
    let spelled = Migrator::new(&set)
        .with_options(Options::default().table(Some("public"), "schema_migrations"));
    assert!(spelled.up(&mut altered).unwrap().applied().is_empty());

    assert_eq!(
        count(&mut c, "SELECT count(*) FROM public.side"),
        1,
        "001 ran once"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations'"
        ),
        1,
        "one history"
    );
}

#[test]
fn first_runners_with_different_search_paths_create_one_table() {
    let db = Scratch::new();
    let mut c = db.connect();
    c.batch_execute("CREATE TABLE side (n int); CREATE SCHEMA app")
        .unwrap();
    let set = set_of(&[(1, &["INSERT INTO public.side VALUES (1)"], None, false)]);
    let runners: Vec<_> = (0..8)
        .map(|i| {
            let url = if i % 2 == 0 {
                db.url.clone()
            } else {
                with_search_path(&db, "app")
            };
            let set = set.clone();
            std::thread::spawn(move || {
                let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                Migrator::new(&set).up(&mut c).map(|r| r.applied().len())
            })
        })
        .collect();
    let applied: usize = runners
        .into_iter()
        .map(|r| r.join().unwrap().unwrap())
        .sum();
    assert_eq!(applied, 1);
    assert_eq!(count(&mut c, "SELECT count(*) FROM side"), 1);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations'"
        ),
        1
    );
}

// B. No statement executed twice; applied only once committed.

#[test]
fn a_failing_batch_runs_no_statement_twice() {
    let set = set_of(&[
        (1, &["SELECT nextval('seq')"], None, false),
        (
            2,
            &["SELECT nextval('seq')", "INSERT INTO nowhere VALUES (1)"],
            None,
            false,
        ),
    ]);
    // Sequences are not transactional: a replay would advance this one twice.
    for asynchronous in [false, true] {
        let db = Scratch::new();
        let mut c = db.connect();
        c.batch_execute("CREATE SEQUENCE seq").unwrap();
        let reported = Arc::new(Mutex::new(Vec::new()));
        let seen = reported.clone();
        let m = Migrator::new(&set).on_progress(move |d| seen.lock().unwrap().push(d.version));
        let err = if asynchronous {
            runtime().block_on(async {
                let a = db.connect_async().await;
                m.up_async(&a).await.unwrap_err()
            })
        } else {
            m.up(&mut c).unwrap_err()
        };
        assert!(
            matches!(&err, Error::Statement { file, line: 3, .. } if file == "002_m2.sql"),
            "{err:?}"
        );
        assert_eq!(err.sql_state(), Some("42P01"));
        assert_eq!(
            count(&mut c, "SELECT last_value FROM seq"),
            2,
            "async: {asynchronous}"
        );
        assert!(
            reported.lock().unwrap().is_empty(),
            "nothing reported: nothing committed"
        );
        assert_eq!(count(&mut c, "SELECT count(*) FROM schema_migrations"), 0);
    }
}

#[test]
fn a_tracking_row_that_cannot_be_written_is_not_blamed_on_a_statement() {
    let db = Scratch::new();
    let mut c = db.connect();
    c.batch_execute("CREATE SCHEMA s").unwrap();
    // The migration writes the row the runner is about to write (core
    // refuses such a file; a set built at run time can still hold it).
    let set = set_of(&[(
        1,
        &[
            "CREATE TABLE a (id int)",
            "INSERT INTO s.schema_migrations (version, name, checksum, batch) VALUES (1, 'x', 'x', 1)",
        ],
        None,
        false,
    )]);
    let m =
        Migrator::new(&set).with_options(Options::default().table(Some("s"), "schema_migrations"));
    let err = m.up(&mut c).unwrap_err();
    assert!(
        matches!(&err, Error::Recording { file, .. } if file == "001_m1.sql"),
        "{err:?}"
    );
    assert_eq!(err.sql_state(), Some("23505"));
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'a'"
        ),
        0
    );
}

// D. A `no-transaction` migration that fails or is interrupted is recorded.

/// Three statements; the `kill`-th terminates the run's own backend, as a
/// killed process or a cut network would.
fn killing(kill: usize) -> Vec<String> {
    (1..=3)
        .map(|i| {
            if i == kill {
                "SELECT pg_terminate_backend(pg_backend_pid())".to_string()
            } else {
                format!("INSERT INTO side VALUES ({i})")
            }
        })
        .collect()
}

#[test]
fn a_backend_killed_at_any_statement_of_a_no_transaction_up_is_recorded() {
    for kill in 1..=3 {
        let db = Scratch::new();
        let mut admin = db.connect();
        admin.batch_execute("CREATE TABLE side (n int)").unwrap();
        let up = killing(kill);
        let up: Vec<&str> = up.iter().map(String::as_str).collect();
        let set = set_of(&[(1, &up, Some(&["DELETE FROM side"]), true)]);
        let m = Migrator::new(&set);
        let mut victim = db.connect();
        assert!(m.up(&mut victim).is_err(), "the connection died");
        let ran = count(&mut admin, "SELECT count(*) FROM side");
        assert_eq!(ran, kill as i64 - 1, "kill at {kill}");

        let entry = m.status(&mut admin).unwrap().status[0].clone();
        assert_eq!(entry.state, State::Interrupted, "kill at {kill}");
        let err = m.up(&mut admin).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::FailedMigration {
                    line: None,
                    down: false,
                    ..
                }
            ),
            "kill at {kill}: {err:?}"
        );
        assert_eq!(
            count(&mut admin, "SELECT count(*) FROM side"),
            ran,
            "never run again"
        );
        // After a person looked, repair forgets the attempt.
        admin.batch_execute("DELETE FROM side").unwrap();
        let repaired = m.repair(&mut admin).unwrap();
        assert_eq!(repaired.done[0].action, sqlstrata::Action::FailureCleared);
        assert_eq!(
            m.status(&mut admin).unwrap().status[0].state,
            State::Pending
        );
    }
}

#[test]
fn a_backend_killed_at_any_statement_of_a_no_transaction_down_is_recorded() {
    for kill in 1..=3 {
        let db = Scratch::new();
        let mut admin = db.connect();
        admin.batch_execute("CREATE TABLE side (n int)").unwrap();
        let down = killing(kill);
        let down: Vec<&str> = down.iter().map(String::as_str).collect();
        let set = set_of(&[(1, &["SELECT 1"], Some(&down), true)]);
        let m = Migrator::new(&set);
        m.up(&mut admin).unwrap();
        let mut victim = db.connect();
        assert!(m.rollback(&mut victim).is_err());
        let ran = count(&mut admin, "SELECT count(*) FROM side");
        assert_eq!(ran, kill as i64 - 1);
        assert_eq!(
            m.status(&mut admin).unwrap().status[0].state,
            State::Interrupted
        );
        let err = m.rollback(&mut admin).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::FailedMigration {
                    line: None,
                    down: true,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(count(&mut admin, "SELECT count(*) FROM side"), ran);
        // Repair after a failed DOWN: the migration is applied again.
        m.repair(&mut admin).unwrap();
        assert_eq!(
            m.status(&mut admin).unwrap().status[0].state,
            State::Applied
        );
    }
}

#[test]
fn a_failing_no_transaction_down_is_recorded_with_its_line() {
    let db = Scratch::new();
    let mut c = db.connect();
    let set = set_of(&[(
        1,
        &["CREATE TABLE a (id int)"],
        Some(&["DROP TABLE a", "DROP TABLE nowhere"]),
        true,
    )]);
    let m = Migrator::new(&set);
    m.up(&mut c).unwrap();
    let err = m.rollback(&mut c).unwrap_err();
    assert!(matches!(&err, Error::Statement { line: 3, .. }), "{err:?}");
    let entry = m.status(&mut c).unwrap().status[0].clone();
    assert_eq!((entry.state, entry.failed_line), (State::Failed, Some(3)));
    assert!(matches!(
        m.rollback(&mut c).unwrap_err(),
        Error::FailedMigration {
            line: Some(3),
            down: true,
            ..
        }
    ));
}

// E. An abandoned async run releases everything.

#[test]
fn a_dropped_async_run_rolls_back_and_unlocks() {
    let db = Scratch::new();
    let set = set_of(&[
        (1, &["CREATE TABLE a (id int)"], None, false),
        (2, &["SELECT pg_sleep(1)"], None, false),
    ]);
    runtime().block_on(async {
        let c = db.connect_async().await;
        let m = Migrator::new(&set);
        let timed_out = tokio::time::timeout(Duration::from_millis(300), m.up_async(&c)).await;
        assert!(timed_out.is_err(), "the run was abandoned mid-way");
        // The statement in flight finishes, then the clean-up runs.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let row = c
            .query_one(
                "SELECT (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()), \
                 txid_current_if_assigned() IS NULL, to_regclass('a') IS NULL",
                &[],
            )
            .await
            .unwrap();
        let (locks, no_open_transaction, nothing_kept): (i64, bool, bool) = (row.get(0), row.get(1), row.get(2));
        assert_eq!(locks, 0, "the advisory lock is released");
        assert!(no_open_transaction, "the transaction was rolled back");
        assert!(nothing_kept);
        // And the next run works on the same connection.
        assert_eq!(m.up_async(&c).await.unwrap().applied(), vec![1, 2]);
    });
}

// G. Status checks the table before reading it.

#[test]
fn status_refuses_another_tools_table() {
    for foreign in [
        // golang-migrate's.
        "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (3, false)",
        // Ours with a column more.
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, description TEXT, checksum TEXT NOT NULL, batch INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), duration_ms BIGINT NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'applied', failed_line INTEGER, extra int)",
    ] {
        let db = Scratch::new();
        let mut c = db.connect();
        c.batch_execute(foreign).unwrap();
        let m = Migrator::new(&sqlstrata_tests::EXAMPLE);
        for result in [m.status(&mut c), m.up(&mut c)] {
            assert!(
                matches!(result, Err(Error::ForeignTrackingTable { .. })),
                "{result:?}"
            );
        }
    }
}

// I. Smaller defects.

#[test]
fn a_label_added_then_used_in_one_batch_applies() {
    let db = Scratch::new();
    let mut c = db.connect();
    let set = set_from_files(&[
        (
            "001_mood.sql",
            "-- UP\nCREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE feelings (m mood);\n-- DOWN\nDROP TABLE feelings;\nDROP TYPE mood;\n",
        ),
        (
            "002_ecstatic.sql",
            "-- sqlstrata: irreversible\n-- UP\nALTER TYPE mood ADD VALUE 'ecstatic';\n",
        ),
        (
            "003_use_it.sql",
            "-- UP\nINSERT INTO feelings VALUES ('ecstatic');\n-- DOWN\nDELETE FROM feelings;\n",
        ),
    ]);
    assert_eq!(
        Migrator::new(&set).up(&mut c).unwrap().applied(),
        vec![1, 2, 3]
    );
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM feelings WHERE m = 'ecstatic'"),
        1
    );
}

#[test]
fn verify_refuses_a_database_that_holds_something() {
    let db = Scratch::new();
    let mut c = db.connect();
    c.batch_execute("CREATE TABLE precious (id int)").unwrap();
    let err = Migrator::new(&sqlstrata_tests::EXAMPLE)
        .verify(&mut c)
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotEmpty { objects } if objects.iter().any(|o| o.contains("precious"))),
        "{err:?}"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'precious'"
        ),
        1
    );
}

#[test]
fn a_tracking_table_named_like_a_catalog_is_refused_clearly() {
    let db = Scratch::new();
    let mut c = db.connect();
    let m = Migrator::new(&sqlstrata_tests::EXAMPLE)
        .with_options(Options::default().table(None, "pg_class"));
    let err = m.status(&mut c).unwrap_err();
    assert!(matches!(err, Error::InvalidTrackingTable { .. }), "{err:?}");
    assert!(err.to_string().contains("PostgreSQL's own"), "{err}");
}

#[test]
fn the_boot_is_one_row_and_catches_every_drift() {
    let db = Scratch::new();
    let mut c = db.connect();
    let v2 = set_of(&[
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
    Migrator::new(&v2).up(&mut c).unwrap();
    assert!(Migrator::new(&v2).up(&mut c).unwrap().done.is_empty());
    // Changed, missing, out of order: the boot's digest differs and the full
    // checks speak.
    let changed = set_of(&[
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
    ]);
    assert!(matches!(
        Migrator::new(&changed).up(&mut c),
        Err(Error::ChecksumMismatch { .. })
    ));
    let missing = set_of(&[(
        2,
        &["CREATE TABLE b (id int)"],
        Some(&["DROP TABLE b"]),
        false,
    )]);
    assert!(matches!(
        Migrator::new(&missing).up(&mut c),
        Err(Error::MissingMigration { .. })
    ));
    let older: Migrations = set_of(&[(
        1,
        &["CREATE TABLE a (id int)"],
        Some(&["DROP TABLE a"]),
        false,
    )]);
    let report = Migrator::new(&older).up(&mut c).unwrap();
    assert!(report.warnings[0].contains("ahead"), "{report:?}");
    let gap = set_of(&[
        (0, &["CREATE TABLE z (id int)"], None, false),
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
    assert!(matches!(
        Migrator::new(&gap).up(&mut c),
        Err(Error::OutOfOrder { .. })
    ));
}

#[test]
fn a_boot_with_nothing_to_do_is_one_round_trip_and_hand_edits_are_still_seen() {
    // A server with a unix socket (the proxy sits on it).
    let mut db = sqlstrata_tests::Proxied::new("boot_trips");
    let (url, name) = (db.url(), db.name.clone());
    let proxy = &db.proxy;
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
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
    // Round trips of one `up` of `m`, and what it applied.
    let up = |m: &Migrator, c: &mut postgres::Client| {
        let before = proxy.count();
        let report = m.up(c).unwrap();
        (proxy.count() - before, report.applied())
    };
    let m = Migrator::new(&set);
    let trips = |c: &mut postgres::Client| up(&m, c);
    assert_eq!(trips(&mut c).1, [1, 2]);
    assert_eq!(trips(&mut c), (1, vec![]), "a boot is one round trip");

    // A row deleted by hand (to run a migration again): the guard cleared
    // the seal, the full read sees it, and the migration runs.
    c.batch_execute("DELETE FROM schema_migrations WHERE version = 2; DROP TABLE b")
        .unwrap();
    assert_eq!(trips(&mut c).1, [2]);
    assert_eq!(trips(&mut c), (1, vec![]));

    // Every kind of hand edit, the count kept or not: the next boot takes
    // the full read (more than one round trip) and says what it found.
    let edits: &[(&str, &str)] = &[
        (
            "UPDATE schema_migrations SET checksum = 'changed' WHERE version = 1",
            "checksum",
        ),
        (
            "UPDATE schema_migrations SET state = 'failed' WHERE version = 1",
            "state",
        ),
        (
            "UPDATE schema_migrations SET version = 9 WHERE version = 2",
            "version",
        ),
        (
            "UPDATE schema_migrations SET name = 'x' WHERE version = 1",
            "name",
        ),
        (
            "UPDATE schema_migrations SET description = 'x' WHERE version = 1",
            "description",
        ),
        (
            "UPDATE schema_migrations SET batch = 7 WHERE version = 1",
            "batch",
        ),
        (
            "UPDATE schema_migrations SET applied_at = now() - interval '1 day' WHERE version = 1",
            "applied_at",
        ),
        (
            "UPDATE schema_migrations SET duration_ms = 99 WHERE version = 1",
            "duration_ms",
        ),
        (
            "UPDATE schema_migrations SET failed_line = 3 WHERE version = 1",
            "failed_line",
        ),
        ("UPDATE schema_migrations SET seal = seal || 'x'", "seal"),
        (
            "SET session_replication_role = replica; \
             UPDATE schema_migrations SET checksum = 'changed' WHERE version = 1; \
             RESET session_replication_role",
            "triggers off",
        ),
        (
            "INSERT INTO schema_migrations (version, name, checksum, batch) VALUES (0, 'x', 'y', 1)",
            "insert",
        ),
        ("DELETE FROM schema_migrations WHERE version = 1", "delete"),
        ("TRUNCATE schema_migrations", "truncate"),
    ];
    for (edit, what) in edits {
        let before: Vec<String> = c
            .query(
                "SELECT row_to_json(t)::text FROM schema_migrations t ORDER BY version",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        c.batch_execute(edit).unwrap();
        let start = proxy.count();
        let seen = m.up(&mut c);
        let n = proxy.count() - start;
        assert!(n > 1, "{what}: the boot trusted a seal after a hand edit");
        // Put the rows back as they were (by hand: the guard clears the
        // seal again), then a run seals them again.
        c.batch_execute("TRUNCATE schema_migrations").unwrap();
        for row in &before {
            c.execute(
                "INSERT INTO schema_migrations SELECT * FROM json_populate_record(NULL::schema_migrations, $1::text::json)",
                &[row],
            )
            .unwrap();
        }
        match (what, seen) {
            (&"checksum" | &"triggers off", Err(e)) => {
                assert!(matches!(e, Error::ChecksumMismatch { .. }), "{e}")
            }
            (&"state", Err(e)) => assert!(matches!(e, Error::FailedMigration { .. }), "{e}"),
            (&"version", Err(e)) => assert!(matches!(e, Error::MissingMigration { .. }), "{e}"),
            (&"insert", Err(e)) => assert!(matches!(e, Error::MissingMigration { .. }), "{e}"),
            (&"delete", Err(e)) => assert!(matches!(e, Error::OutOfOrder { .. }), "{e}"),
            // Everything pending again: the first CREATE TABLE finds its table.
            (&"truncate", Err(e)) => assert_eq!(e.sql_state(), Some("42P07"), "{e}"),
            (_, Ok(_)) => {}
            (what, Err(e)) => panic!("{what}: {e}"),
        }
        let (n, applied) = trips(&mut c);
        assert!(
            n > 1 && applied.is_empty(),
            "{what}: resealed after the rows came back"
        );
        assert_eq!(trips(&mut c), (1, vec![]), "{what}");
    }

    // A seal cleared by hand: nothing runs, the table is sealed again, and
    // from then on a boot is one round trip.
    c.batch_execute("UPDATE schema_migrations SET seal = NULL")
        .unwrap();
    let (n, applied) = trips(&mut c);
    assert!(n > 1 && applied.is_empty(), "{n} {applied:?}");
    assert_eq!(trips(&mut c), (1, vec![]));
    let sealed = |c: &mut postgres::Client| -> Vec<i64> {
        c.query(
            "SELECT version FROM schema_migrations WHERE seal IS NOT NULL",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    assert_eq!(sealed(&mut c), [2], "the seal is on the last row only");

    // A table an older sqlstrata created has no seal column: its owner's
    // next boot reads the rows, adds the column and seals.
    c.batch_execute("ALTER TABLE schema_migrations DROP COLUMN seal")
        .unwrap();
    let (n, applied) = trips(&mut c);
    assert!(n > 1 && applied.is_empty(), "{n} {applied:?}");
    assert_eq!(trips(&mut c), (1, vec![]));
    assert_eq!(sealed(&mut c), [2]);

    // Another role that may update the table seals it too; one that may
    // only read it, or may not add the column to an older table, reads the
    // rows at every boot (correct, just not one row) and never fails for it.
    let role = format!("boot_reader_{}", std::process::id());
    db.admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN; GRANT ALL ON DATABASE {name} TO {role}"
        ))
        .unwrap();
    c.batch_execute(&format!(
        "GRANT ALL ON schema_migrations TO {role}; GRANT ALL ON SCHEMA public TO {role}; \
         UPDATE schema_migrations SET seal = NULL"
    ))
    .unwrap();
    let reader_url = db.url_as(&role);
    let mut reader = postgres::Client::connect(&reader_url, postgres::NoTls).unwrap();
    let (n, applied) = trips(&mut reader);
    assert!(n > 1 && applied.is_empty(), "{n} {applied:?}");
    assert_eq!(trips(&mut reader), (1, vec![]), "sealed by another role");
    // Where the guard cannot be made (none stands, and no CREATE on the
    // schema), the seal carries the row count: a boot is the seal and the
    // count, two round trips, still no row read.
    c.batch_execute(&format!(
        "DROP TRIGGER sqlstrata_seal_guard ON schema_migrations; \
         DROP FUNCTION schema_migrations_seal_guard(); \
         REVOKE CREATE ON SCHEMA public FROM {role}, PUBLIC; \
         UPDATE schema_migrations SET seal = NULL"
    ))
    .unwrap();
    let (n, applied) = trips(&mut reader);
    assert!(n > 2 && applied.is_empty(), "{n} {applied:?}");
    assert_eq!(trips(&mut reader), (2, vec![]), "the seal and the count");
    c.batch_execute(&format!("GRANT CREATE ON SCHEMA public TO {role}"))
        .unwrap();
    for (hand, why) in [
        (
            format!(
                "REVOKE UPDATE ON schema_migrations FROM {role}; UPDATE schema_migrations SET seal = NULL"
            ),
            "read only",
        ),
        (
            format!(
                "GRANT UPDATE ON schema_migrations TO {role}; ALTER TABLE schema_migrations DROP COLUMN seal"
            ),
            "an older table it does not own",
        ),
    ] {
        c.batch_execute(&hand).unwrap();
        for _ in 0..2 {
            let (n, applied) = trips(&mut reader);
            assert!(applied.is_empty());
            assert!(n > 1, "{why}: no seal, so the full read: {n}");
        }
    }
    drop(reader);

    // A long history: the boot looks the seal up by the primary key, and
    // is still one round trip that sees a row deleted or a seal cleared.
    let long = 1000;
    let specs: Vec<sqlstrata_tests::Spec> = (1..=long as i64)
        .map(|v| (v, &["SELECT 1"][..], None, false))
        .collect();
    let set = set_of(&specs);
    let m = Migrator::new(&set);
    let trips = |c: &mut postgres::Client| up(&m, c);
    db.admin
        .batch_execute(&format!("CREATE DATABASE {name}_long"))
        .unwrap();
    let mut c = postgres::Client::connect(&format!("{url}_long"), postgres::NoTls).unwrap();
    assert_eq!(trips(&mut c).1.len(), long);
    assert_eq!(trips(&mut c), (1, vec![]), "a long history's boot");
    c.batch_execute(
        "CREATE TEMP TABLE kept AS SELECT * FROM schema_migrations WHERE version = 7; \
         DELETE FROM schema_migrations WHERE version = 7",
    )
    .unwrap();
    assert!(
        matches!(m.up(&mut c), Err(Error::OutOfOrder { file, .. }) if file == "007_m7.sql"),
        "a row deleted from the middle is seen"
    );
    c.batch_execute("INSERT INTO schema_migrations SELECT * FROM kept")
        .unwrap();
    let (n, applied) = trips(&mut c);
    assert!(
        n > 1 && applied.is_empty(),
        "put back as it was, by hand: read, and sealed again"
    );
    assert_eq!(trips(&mut c), (1, vec![]));
    c.batch_execute("UPDATE schema_migrations SET seal = NULL")
        .unwrap();
    let (n, applied) = trips(&mut c);
    assert!(n > 1 && applied.is_empty(), "{n} {applied:?}");
    assert_eq!(trips(&mut c), (1, vec![]));
    drop(c);
    for made in [name.clone(), format!("{name}_long")] {
        db.admin
            .batch_execute(&format!("DROP DATABASE {made} WITH (FORCE)"))
            .unwrap();
    }
    db.admin
        .batch_execute(&format!("DROP ROLE boot_reader_{}", std::process::id()))
        .unwrap();
}
