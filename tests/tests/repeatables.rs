//! Repeatable migrations (`R__<name>.sql`) on a real server: applied after
//! the versioned ones and again only when their text changed since their
//! last run, inside the run's transaction, seen by the one-row boot, never
//! undone, listed by `status`, run by `verify` and the test databases.

use sqlstrata::{Action, Error, Migrations, Migrator, State};
use sqlstrata_tests::proxy::Proxy;
use sqlstrata_tests::{Scratch, set_from_files};

const USERS: (&str, &str) = (
    "001_users.sql",
    "-- UP\nCREATE TABLE users (id int PRIMARY KEY, name text, active bool NOT NULL DEFAULT true);\n-- DOWN\nDROP TABLE users CASCADE;\n",
);
const VIEW: &str =
    "CREATE OR REPLACE VIEW active_users AS SELECT id, name FROM users WHERE active;\n";
const VIEW_V2: &str = "-- The users one may write to.\nCREATE OR REPLACE VIEW active_users AS SELECT id, name, 2 AS generation FROM users WHERE active;\n";
const FUNCTION: &str = "CREATE OR REPLACE FUNCTION user_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM users $$;\n";

fn set(files: &[(&str, &str)]) -> Migrations {
    set_from_files(files)
}

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

fn generation(c: &mut postgres::Client) -> i64 {
    count(
        c,
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'active_users' AND column_name = 'generation'",
    )
}

fn states(report: &sqlstrata::Report) -> Vec<(String, &'static str)> {
    report
        .status
        .iter()
        .filter(|e| e.repeatable)
        .map(|e| (e.name.clone(), e.state.as_str()))
        .collect()
}

#[test]
fn a_view_and_a_function_run_when_new_or_changed_never_when_unchanged_and_again_when_reverted() {
    let db = Scratch::new();
    let mut c = db.connect();
    let first = set(&[
        USERS,
        ("R__views.sql", VIEW),
        ("R__functions.sql", FUNCTION),
    ]);
    let report = Migrator::new(&first).up(&mut c).unwrap();
    assert_eq!(report.applied(), vec![1]);
    assert_eq!(report.repeatables_applied(), vec!["functions", "views"]);
    assert_eq!(report.batch, Some(1));
    c.batch_execute("INSERT INTO users VALUES (1, 'a', true), (2, 'b', false)")
        .unwrap();
    assert_eq!(count(&mut c, "SELECT count(*) FROM active_users"), 1);
    assert_eq!(count(&mut c, "SELECT user_count()"), 2);
    let status = Migrator::new(&first).status(&mut c).unwrap();
    assert_eq!(
        states(&status),
        [("functions".into(), "applied"), ("views".into(), "applied")]
    );
    assert!(status.status.iter().all(|e| e.batch == Some(1)));

    // Unchanged: nothing runs (the view dropped by hand stays dropped).
    c.batch_execute("DROP VIEW active_users").unwrap();
    let again = Migrator::new(&first).up(&mut c).unwrap();
    assert!(again.done.is_empty(), "{:?}", again.done);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_views WHERE viewname = 'active_users'"
        ),
        0
    );

    // Changed: only it runs, in a batch of its own.
    let second = set(&[
        USERS,
        ("R__views.sql", VIEW_V2),
        ("R__functions.sql", FUNCTION),
    ]);
    let status = Migrator::new(&second).status(&mut c).unwrap();
    assert_eq!(
        states(&status),
        [("functions".into(), "applied"), ("views".into(), "changed")]
    );
    let report = Migrator::new(&second).up(&mut c).unwrap();
    assert_eq!(report.repeatables_applied(), vec!["views"]);
    assert!(report.applied().is_empty());
    assert_eq!(report.batch, Some(2));
    assert_eq!(generation(&mut c), 1);

    // Reverted to the older text: it differs from the last run's, so it
    // runs (Flyway #1405).
    c.batch_execute("DROP VIEW active_users").unwrap();
    let report = Migrator::new(&first).up(&mut c).unwrap();
    assert_eq!(report.repeatables_applied(), vec!["views"]);
    assert_eq!(generation(&mut c), 0);
    assert_eq!(count(&mut c, "SELECT count(*) FROM active_users"), 1);
}

#[test]
fn a_renamed_file_runs_under_its_new_name_and_the_old_record_is_forgotten() {
    let db = Scratch::new();
    let mut c = db.connect();
    let before = set(&[USERS, ("R__views.sql", VIEW)]);
    Migrator::new(&before).up(&mut c).unwrap();
    let renamed = set(&[USERS, ("R__user_views.sql", VIEW)]);
    let status = Migrator::new(&renamed).status(&mut c).unwrap();
    assert_eq!(
        states(&status),
        [
            ("user_views".into(), "pending"),
            ("views".into(), "missing")
        ]
    );
    let report = Migrator::new(&renamed).up(&mut c).unwrap();
    assert_eq!(report.repeatables_applied(), vec!["user_views"]);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("R__views.sql") && w.contains("forgotten")),
        "{:?}",
        report.warnings
    );
    let names: Vec<String> = c
        .query(
            "SELECT name FROM schema_migrations_repeatables ORDER BY name",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["user_views"]);
    // What the old file made stays.
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_views WHERE viewname = 'active_users'"
        ),
        1
    );
    assert!(Migrator::new(&renamed).up(&mut c).unwrap().done.is_empty());
}

#[test]
fn a_failing_repeatable_fails_the_whole_batch_and_names_its_file_and_line() {
    let db = Scratch::new();
    let mut c = db.connect();
    let broken = set(&[
        USERS,
        (
            "002_posts.sql",
            "-- UP\nCREATE TABLE posts (id int);\n-- DOWN\nDROP TABLE posts;\n",
        ),
        ("R__a_functions.sql", FUNCTION),
        (
            "R__b_views.sql",
            "-- A view on a table nobody made.\n\nCREATE VIEW v AS SELECT * FROM missing_table;\n",
        ),
    ]);
    let err = Migrator::new(&broken).up(&mut c).unwrap_err();
    match &err {
        Error::Statement { file, line, db } => {
            assert_eq!((file.as_str(), *line), ("R__b_views.sql", 3));
            assert_eq!(db.code, "42P01");
        }
        other => panic!("{other}"),
    }
    // All or nothing: no table, no function, no record of either kind.
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_tables WHERE tablename IN ('users', 'posts')"
        ),
        0
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_proc WHERE proname = 'user_count'"
        ),
        0
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM schema_migrations"), 0);
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM schema_migrations_repeatables"),
        0
    );
}

#[test]
fn rollback_keeps_what_repeatables_made_and_the_next_up_runs_them_again() {
    let db = Scratch::new();
    let mut c = db.connect();
    let files = [
        USERS,
        (
            "002_posts.sql",
            "-- UP\nCREATE TABLE posts (id int);\n-- DOWN\nDROP TABLE posts;\n",
        ),
        ("R__views.sql", VIEW),
    ];
    let s = set(&files[..1]);
    Migrator::new(&s).up(&mut c).unwrap();
    let all = set(&files);
    let report = Migrator::new(&all).up(&mut c).unwrap();
    assert_eq!((report.applied(), report.batch), (vec![2], Some(2)));
    // The last batch with versioned migrations: 2.
    let back = Migrator::new(&all).rollback(&mut c).unwrap();
    assert_eq!(back.reverted(), vec![2]);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_views WHERE viewname = 'active_users'"
        ),
        1,
        "not undone"
    );
    let status = Migrator::new(&all).status(&mut c).unwrap();
    assert_eq!(states(&status), [("views".into(), "pending")]);
    // A reset drops users with CASCADE, and the view with it: the next up
    // makes it again.
    Migrator::new(&all).reset(&mut c).unwrap();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_views WHERE viewname = 'active_users'"
        ),
        0
    );
    let report = Migrator::new(&all).up(&mut c).unwrap();
    assert_eq!(report.applied(), vec![1, 2]);
    assert_eq!(report.repeatables_applied(), vec!["views"]);
    assert_eq!(count(&mut c, "SELECT count(*) FROM active_users"), 0);
    // Refresh: everything again, repeatables included.
    let report = Migrator::new(&all).refresh(&mut c).unwrap();
    assert_eq!(report.repeatables_applied(), vec!["views"]);
    assert_eq!(report.batch, Some(1));
}

#[test]
fn a_no_transaction_repeatable_is_recorded_only_when_it_ran_to_the_end() {
    let db = Scratch::new();
    let mut c = db.connect();
    let failing = set(&[
        USERS,
        (
            "R__indexes.sql",
            "-- sqlstrata: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_name ON users (name);\nSELECT 1 / 0;\n",
        ),
    ]);
    let err = Migrator::new(&failing).up(&mut c).unwrap_err();
    assert!(
        matches!(&err, Error::Statement { file, line: 3, .. } if file == "R__indexes.sql"),
        "{err}"
    );
    // The versioned one committed before it; the repeatable has no record
    // and nothing for `repair`: it runs again at the next up.
    assert_eq!(count(&mut c, "SELECT count(*) FROM schema_migrations"), 1);
    let status = Migrator::new(&failing).status(&mut c).unwrap();
    assert_eq!(states(&status), [("indexes".into(), "pending")]);
    let fixed = set(&[
        USERS,
        (
            "R__indexes.sql",
            "-- sqlstrata: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_name ON users (name);\n",
        ),
    ]);
    let report = Migrator::new(&fixed).up(&mut c).unwrap();
    assert_eq!(report.repeatables_applied(), vec!["indexes"]);
    assert!(
        report
            .done
            .iter()
            .all(|d| d.action == Action::AppliedRepeatable)
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'users_name'"
        ),
        1
    );
    assert!(Migrator::new(&fixed).up(&mut c).unwrap().done.is_empty());
}

#[test]
fn the_boot_stays_one_round_trip_and_sees_a_changed_repeatable_and_a_hand_edit() {
    let server = sqlstrata::testing::Server::shared().unwrap();
    let Some(socket) = server.socket_dir() else {
        return; // DATABASE_URL names the server: no socket to count on.
    };
    let db = Scratch::new();
    let mut direct = db.connect();
    let s = set(&[USERS, ("R__views.sql", VIEW)]);
    Migrator::new(&s).up(&mut direct).unwrap();
    let proxy = Proxy::start(&socket.join(format!(".s.PGSQL.{}", server.port()))).unwrap();
    let url = format!(
        "host={} port={} user=postgres dbname={}",
        proxy.dir.display(),
        server.port(),
        db.name
    );
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let before = proxy.count();
    assert!(Migrator::new(&s).up(&mut c).unwrap().done.is_empty());
    assert_eq!(proxy.count() - before, 1, "one round trip");
    // A changed repeatable: the boot misses, the run applies it.
    let changed = set(&[USERS, ("R__views.sql", VIEW_V2)]);
    assert_eq!(
        Migrator::new(&changed)
            .up(&mut c)
            .unwrap()
            .repeatables_applied(),
        vec!["views"]
    );
    let before = proxy.count();
    assert!(Migrator::new(&changed).up(&mut c).unwrap().done.is_empty());
    assert_eq!(proxy.count() - before, 1, "sealed again");
    // Hand edits of the repeatables' table void the seal: an update that
    // keeps the row count, and a truncate.
    for edit in [
        "UPDATE schema_migrations_repeatables SET checksum = 'edited'",
        "TRUNCATE schema_migrations_repeatables",
    ] {
        direct.batch_execute(edit).unwrap();
        let report = Migrator::new(&changed).up(&mut c).unwrap();
        assert_eq!(report.repeatables_applied(), vec!["views"], "{edit}");
        let before = proxy.count();
        assert!(Migrator::new(&changed).up(&mut c).unwrap().done.is_empty());
        assert_eq!(proxy.count() - before, 1, "{edit}");
    }
}

#[test]
fn async_runs_apply_and_report_repeatables_the_same_way() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = Scratch::new();
    runtime.block_on(async {
        let c = db.connect_async().await;
        let first = set(&[USERS, ("R__views.sql", VIEW)]);
        let report = Migrator::new(&first).up_async(&c).await.unwrap();
        assert_eq!(report.repeatables_applied(), vec!["views"]);
        assert!(
            Migrator::new(&first)
                .up_async(&c)
                .await
                .unwrap()
                .done
                .is_empty()
        );
        let second = set(&[USERS, ("R__views.sql", VIEW_V2)]);
        let status = Migrator::new(&second).status_async(&c).await.unwrap();
        assert!(
            status
                .status
                .iter()
                .any(|e| e.repeatable && e.state == State::Changed)
        );
        let report = Migrator::new(&second).up_async(&c).await.unwrap();
        assert_eq!(report.repeatables_applied(), vec!["views"]);
        let script = Migrator::new(&second)
            .dry_run_async(&c, sqlstrata::Operation::Up { to: None })
            .await
            .unwrap();
        assert!(!script.contains("R__views.sql"), "applied: {script}");
    });
}

#[test]
fn dry_run_shows_repeatables_after_the_versioned_ones() {
    let db = Scratch::new();
    let mut c = db.connect();
    let s = set(&[
        USERS,
        ("R__views.sql", VIEW),
        ("R__functions.sql", FUNCTION),
    ]);
    let script = Migrator::new(&s)
        .dry_run(&mut c, sqlstrata::Operation::Up { to: None })
        .unwrap();
    let at = |s: &str| script.find(s).unwrap_or_else(|| panic!("{s} in {script}"));
    assert!(at("-- 001_users.sql (up)") < at("-- R__functions.sql (repeatable)"));
    assert!(at("-- R__functions.sql (repeatable)") < at("-- R__views.sql (repeatable)"));
    assert!(at("CREATE OR REPLACE VIEW active_users") < at("COMMIT;"));
    assert_eq!(
        script.matches("BEGIN;").count(),
        1,
        "one transaction: {script}"
    );
}

#[test]
fn verify_and_test_databases_run_repeatables() {
    let db = Scratch::new();
    let mut c = db.connect();
    let s = set(&[USERS, ("R__views.sql", VIEW)]);
    let report = Migrator::new(&s).verify(&mut c).unwrap();
    assert!(report.is_ok(), "{:?}", report.findings);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_views WHERE viewname = 'active_users'"
        ),
        1
    );
    let broken = set(&[
        USERS,
        (
            "R__views.sql",
            "CREATE VIEW v AS SELECT * FROM missing_table;\n",
        ),
    ]);
    let other = Scratch::new();
    let err = Migrator::new(&broken)
        .verify(&mut other.connect())
        .unwrap_err();
    assert!(err.to_string().contains("R__views.sql"), "{err}");

    let test_db = sqlstrata::testing::TestDb::new(&s).unwrap();
    let mut t = test_db.connect().unwrap();
    assert_eq!(count(&mut t, "SELECT count(*) FROM active_users"), 0);
    // The template's key is the set's, repeatables included.
    let changed = set(&[USERS, ("R__views.sql", VIEW_V2)]);
    assert_ne!(s.fingerprint(), changed.fingerprint());
    let other_db = sqlstrata::testing::TestDb::new(&changed).unwrap();
    assert_eq!(generation(&mut other_db.connect().unwrap()), 1);
}

#[test]
fn eight_runners_started_together_apply_each_repeatable_once() {
    let db = Scratch::new();
    let s = set(&[
        USERS,
        (
            "002_side.sql",
            "-- UP\nCREATE TABLE side (n int);\n-- DOWN\nDROP TABLE side;\n",
        ),
        ("R__count.sql", "INSERT INTO side VALUES (1);\n"),
    ]);
    let runners: Vec<_> = (0..8)
        .map(|_| {
            let (url, s) = (db.url.clone(), s.clone());
            std::thread::spawn(move || {
                let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                Migrator::new(&s)
                    .up(&mut c)
                    .unwrap()
                    .repeatables_applied()
                    .len()
            })
        })
        .collect();
    let applied: usize = runners.into_iter().map(|r| r.join().unwrap()).sum();
    assert_eq!(applied, 1);
    let mut c = db.connect();
    assert_eq!(count(&mut c, "SELECT count(*) FROM side"), 1, "ran once");
}

#[test]
fn a_no_transaction_repeatable_whose_backend_is_killed_runs_again_at_the_next_up() {
    let db = Scratch::new();
    let s = set(&[
        USERS,
        (
            "R__slow.sql",
            "-- sqlstrata: no-transaction\nCREATE OR REPLACE VIEW names AS SELECT name FROM users;\nSELECT pg_sleep(30);\n",
        ),
    ]);
    let url = db.url.clone();
    let runner_set = s.clone();
    let runner = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        Migrator::new(&runner_set).up(&mut c)
    });
    let mut watcher = db.connect();
    let started = std::time::Instant::now();
    loop {
        let sleeping = count(
            &mut watcher,
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()",
        );
        if sleeping > 0 {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 20,
            "the repeatable never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    watcher
        .batch_execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()")
        .unwrap();
    assert!(runner.join().unwrap().is_err(), "its connection died");
    // The versioned migration committed; the repeatable has no record.
    let status = Migrator::new(&s).status(&mut watcher).unwrap();
    assert_eq!(states(&status), [("slow".into(), "pending")]);
    let quick = set(&[
        USERS,
        (
            "R__slow.sql",
            "-- sqlstrata: no-transaction\nCREATE OR REPLACE VIEW names AS SELECT name FROM users;\nSELECT pg_sleep(0);\n",
        ),
    ]);
    let report = Migrator::new(&quick).up(&mut watcher).unwrap();
    assert_eq!(report.repeatables_applied(), vec!["slow"]);
    assert!(report.applied().is_empty());
}
