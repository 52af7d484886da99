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
        sqlstrata_cli::run_from(argv, &set)
    };
    assert_eq!(
        run(&["up", "--lock", "lease"]),
        std::process::ExitCode::SUCCESS
    );
    assert_eq!(
        run(&["status", "--pending", "--lock", "lease"]),
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

#[test]
fn a_role_that_owns_only_its_schema_seals_behind_transaction_pooling_and_hand_edits_void_it() {
    use sqlstrata::Error;
    // Through transaction pooling (each statement batch on any server
    // connection), as a role that is neither superuser nor owner of
    // anything but its schema; the edits by hand come from a role that may
    // only write the table's rows.
    let bouncer = PgBouncer::start(2);
    let db = bouncer.database("sealed");
    let mut admin = bouncer.direct(&db);
    admin
        .batch_execute(
            "CREATE ROLE pooled_owner LOGIN; CREATE ROLE pooled_writer LOGIN; \
             REVOKE CREATE ON SCHEMA public FROM PUBLIC; \
             CREATE SCHEMA app AUTHORIZATION pooled_owner",
        )
        .unwrap();
    let set = set_of(&[
        (
            1,
            &["CREATE TABLE app.a (id int)"],
            Some(&["DROP TABLE app.a"]),
            false,
        ),
        (
            2,
            &["CREATE TABLE app.b (id int)"],
            Some(&["DROP TABLE app.b"]),
            false,
        ),
    ]);
    let options = Options::default()
        .table(Some("app"), "schema_migrations")
        .lock_mode(LockMode::Lease);
    let m = Migrator::new(&set).with_options(options);
    let mut owner =
        postgres::Client::connect(&bouncer.url_as(&db, "pooled_owner"), postgres::NoTls).unwrap();
    assert_eq!(m.up(&mut owner).unwrap().applied(), [1, 2]);

    let seals = |c: &mut postgres::Client| -> Vec<(i64, String)> {
        c.query(
            "SELECT version, seal FROM app.schema_migrations WHERE seal IS NOT NULL",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
    };
    let sealed = seals(&mut admin);
    assert_eq!(sealed.len(), 1, "{sealed:?}");
    assert_eq!(sealed[0].0, 2, "on the row of the highest version");
    assert!(
        sealed[0].1.starts_with("sqlstrata guarded "),
        "the guard stands, made by the schema's owner: {sealed:?}"
    );
    let guard = admin
        .query_one(
            "SELECT p.proowner::regrole::text, t.tgenabled::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid \
             WHERE t.tgrelid = 'app.schema_migrations'::regclass AND t.tgname = 'sqlstrata_seal_guard'",
            &[],
        )
        .unwrap();
    let (owner_name, enabled): (String, String) = (guard.get(0), guard.get(1));
    assert_eq!(owner_name, "pooled_owner");
    assert_eq!(enabled, "A", "fires always, with triggers off too");
    assert!(m.up(&mut owner).unwrap().applied().is_empty());
    assert_eq!(seals(&mut admin), sealed, "a boot leaves the seal as it is");

    admin
        .batch_execute(
            "GRANT USAGE ON SCHEMA app TO pooled_writer; \
             GRANT SELECT, INSERT, UPDATE, DELETE ON app.schema_migrations TO pooled_writer",
        )
        .unwrap();
    let mut writer =
        postgres::Client::connect(&bouncer.url_as(&db, "pooled_writer"), postgres::NoTls).unwrap();
    let rows = |c: &mut postgres::Client| -> Vec<String> {
        c.query(
            "SELECT row_to_json(t)::text FROM app.schema_migrations t ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    let before = rows(&mut admin);
    let edits: &[(&str, &str)] = &[
        (
            "UPDATE app.schema_migrations SET description = 'by hand' WHERE version = 1",
            "description",
        ),
        (
            "UPDATE app.schema_migrations SET checksum = 'changed' WHERE version = 1",
            "checksum",
        ),
        (
            "INSERT INTO app.schema_migrations (version, name, checksum, batch) VALUES (0, 'x', 'y', 1)",
            "insert",
        ),
        (
            "DELETE FROM app.schema_migrations WHERE version = 1",
            "delete",
        ),
    ];
    for (edit, what) in edits {
        writer.batch_execute(edit).unwrap();
        assert_eq!(
            seals(&mut admin),
            [],
            "{what}: the writer's edit voided the seal"
        );
        match (*what, m.up(&mut owner)) {
            ("description", Ok(r)) => assert!(r.applied().is_empty()),
            ("checksum", Err(e)) => assert!(matches!(e, Error::ChecksumMismatch { .. }), "{e}"),
            ("insert", Err(e)) => assert!(matches!(e, Error::MissingMigration { .. }), "{e}"),
            ("delete", Err(e)) => assert!(matches!(e, Error::OutOfOrder { .. }), "{e}"),
            (what, other) => panic!("{what}: the full read did not see it: {other:?}"),
        }
        // Put the rows back by hand, as the writer: read and sealed again.
        writer
            .batch_execute("DELETE FROM app.schema_migrations")
            .unwrap();
        for row in &before {
            writer
                .execute(
                    "INSERT INTO app.schema_migrations SELECT * FROM json_populate_record(NULL::app.schema_migrations, $1::text::json)",
                    &[row],
                )
                .unwrap();
        }
        assert_eq!(seals(&mut admin), [], "{what}: restored by hand, unsealed");
        assert!(m.up(&mut owner).unwrap().applied().is_empty());
        assert_eq!(seals(&mut admin).len(), 1, "{what}: sealed again");
    }

    // Where the role may not make the guard (no CREATE on the schema, and
    // no guard standing), it seals with the count of rows: a boot then
    // counts too, and a row deleted by hand is still seen.
    admin
        .batch_execute(
            "DROP TRIGGER sqlstrata_seal_guard ON app.schema_migrations; \
             DROP FUNCTION app.schema_migrations_seal_guard(); \
             REVOKE CREATE ON SCHEMA app FROM pooled_owner; \
             UPDATE app.schema_migrations SET seal = NULL",
        )
        .unwrap();
    assert!(m.up(&mut owner).unwrap().applied().is_empty());
    let counted = seals(&mut admin);
    assert_eq!(counted.len(), 1, "{counted:?}");
    assert!(
        counted[0].1.starts_with("sqlstrata digest ") && counted[0].1.ends_with(" rows 2"),
        "{counted:?}"
    );
    writer
        .batch_execute("DELETE FROM app.schema_migrations WHERE version = 1")
        .unwrap();
    assert!(
        matches!(m.up(&mut owner), Err(Error::OutOfOrder { .. })),
        "the count saw the deleted row"
    );
}
