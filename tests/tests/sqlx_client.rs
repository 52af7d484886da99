//! The clients users already have (features `sqlx`, `deadpool`, `bb8`):
//! the run's promises kept on a `sqlx::PgPool`, a `&mut PgConnection`, a
//! deadpool object and a bb8 connection, as on tokio-postgres (see
//! `guarantees.rs`); and `#[sqlstrata::test]` handing out a `PgPool` or a
//! `PgConnection`, beside sync and tokio-postgres tests in one binary.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlstrata::testing::sqlx_options;
use sqlstrata::{Error, LockMode, Migrator, Options, State};
use sqlstrata_tests::{Scratch, set_of};
use sqlx::Connection as _;

pub static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

async fn pool(db: &Scratch, size: u32) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(size)
        .connect_with(sqlx_options(&db.url).unwrap())
        .await
        .unwrap()
}

/// Advisory locks held on this database (tests on the shared server hold
/// their own on theirs).
const ADVISORY_HERE: &str = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

fn three() -> sqlstrata::Migrations {
    set_of(&[
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
            3,
            &["INSERT INTO a VALUES (1)"],
            Some(&["DELETE FROM a"]),
            false,
        ),
    ])
}

#[test]
fn a_pool_and_a_connection_run_every_operation() {
    let db = Scratch::new();
    let set = three();
    let m = Migrator::new(&set);
    runtime().block_on(async {
        let pool = pool(&db, 2).await;
        let report = m.up_async(&pool).await.unwrap();
        assert_eq!(report.applied(), vec![1, 2, 3]);
        assert_eq!(report.batch, Some(1));
        let mut conn = pool.acquire().await.unwrap();
        let status = m.status_async(&mut *conn).await.unwrap();
        assert!(status.status.iter().all(|s| s.state == State::Applied));
        assert!(
            m.dry_run_async(&mut conn, sqlstrata::Operation::Rollback { batches: 1 })
                .await
                .unwrap()
                .contains("DROP TABLE b")
        );
        assert_eq!(
            m.rollback_async(&mut conn).await.unwrap().reverted(),
            vec![3, 2, 1]
        );
        drop(conn);
        let mut own = sqlx::PgConnection::connect_with(&sqlx_options(&db.url).unwrap())
            .await
            .unwrap();
        assert_eq!(
            m.up_to_async(&mut own, 2).await.unwrap().applied(),
            vec![1, 2]
        );
        // The pool's connections are all back: the run gave its one back
        // (sqlx returns it from a task).
        let given_back = async {
            while pool.num_idle() < pool.size() as usize {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(5), given_back)
            .await
            .expect("the run's connection is back in the pool");
    });
    let mut c = db.connect();
    assert_eq!(count(&mut c, "SELECT count(*) FROM schema_migrations"), 2);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(DISTINCT batch) FROM schema_migrations"
        ),
        1,
        "the second up is one batch"
    );
}

#[test]
fn a_failing_batch_on_sqlx_runs_no_statement_twice_and_names_the_statement() {
    let set = set_of(&[
        (1, &["SELECT nextval('seq')"], None, false),
        (
            2,
            &["SELECT nextval('seq')", "INSERT INTO nowhere VALUES (1)"],
            None,
            false,
        ),
    ]);
    for on_pool in [true, false] {
        let db = Scratch::new();
        let mut c = db.connect();
        c.batch_execute("CREATE SEQUENCE seq").unwrap();
        let reported = Arc::new(Mutex::new(Vec::new()));
        let seen = reported.clone();
        let m = Migrator::new(&set).on_progress(move |d| seen.lock().unwrap().push(d.version));
        let err = runtime().block_on(async {
            let pool = pool(&db, 1).await;
            if on_pool {
                m.up_async(&pool).await.unwrap_err()
            } else {
                m.up_async(&mut *pool.acquire().await.unwrap())
                    .await
                    .unwrap_err()
            }
        });
        assert!(
            matches!(&err, Error::Statement { file, line: 3, .. } if file == "002_m2.sql"),
            "{err:?}"
        );
        assert_eq!(err.sql_state(), Some("42P01"));
        assert!(
            err.to_string().contains("\"nowhere\" does not exist"),
            "{err}"
        );
        // Sequences are not transactional: a replay would advance it twice.
        assert_eq!(
            count(&mut c, "SELECT last_value FROM seq"),
            2,
            "pool: {on_pool}"
        );
        assert!(reported.lock().unwrap().is_empty(), "nothing committed");
        assert_eq!(count(&mut c, "SELECT count(*) FROM schema_migrations"), 0);
    }
}

#[test]
fn eight_runners_on_one_pool_apply_each_migration_once() {
    let db = Scratch::new();
    db.connect()
        .batch_execute("CREATE TABLE side (n int)")
        .unwrap();
    let set = Arc::new(set_of(&[
        (1, &["INSERT INTO side VALUES (1)"], None, true),
        (2, &["INSERT INTO side VALUES (2)"], None, false),
    ]));
    let applied = runtime().block_on(async {
        let pool = pool(&db, 8).await;
        let runners: Vec<_> = (0..8)
            .map(|_| {
                let (pool, set) = (pool.clone(), set.clone());
                tokio::spawn(async move {
                    Migrator::new(&set)
                        .up_async(&pool)
                        .await
                        .unwrap()
                        .applied()
                        .len()
                })
            })
            .collect();
        let mut applied = 0;
        for r in runners {
            applied += r.await.unwrap();
        }
        applied
    });
    assert_eq!(applied, 2);
    assert_eq!(count(&mut db.connect(), "SELECT count(*) FROM side"), 2);
}

#[test]
fn a_dropped_run_on_a_pool_rolls_back_and_unlocks() {
    let db = Scratch::new();
    let set = set_of(&[
        (1, &["CREATE TABLE a (id int)"], None, false),
        (2, &["SELECT pg_sleep(1)"], None, false),
    ]);
    let m = Migrator::new(&set);
    let rt = runtime();
    let pool = rt.block_on(async {
        let pool = pool(&db, 1).await;
        let timed_out = tokio::time::timeout(Duration::from_millis(300), m.up_async(&pool)).await;
        assert!(timed_out.is_err(), "the run was abandoned mid-way");
        pool
    });
    // The run's connection was closed, not given back: its backend ends
    // once the statement in flight does.
    std::thread::sleep(Duration::from_millis(1500));
    let mut c = db.connect();
    assert_eq!(
        count(&mut c, ADVISORY_HERE),
        0,
        "the runner lock is released"
    );
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM pg_class WHERE relname = 'a'"),
        0
    );
    // The next run, on the same pool, applies both.
    assert_eq!(
        rt.block_on(m.up_async(&pool)).unwrap().applied(),
        vec![1, 2]
    );
}

#[test]
fn a_dropped_run_on_a_connection_between_statements_rolls_back_and_unlocks() {
    let db = Scratch::new();
    let mut holder = db.connect();
    holder.batch_execute("CREATE TABLE t (id int)").unwrap();
    let set = set_of(&[(1, &["ALTER TABLE t ADD COLUMN c int"], None, false)]);
    // The statement gives way to the lock at once; the run is dropped as
    // it says so, about to wait before it tries again: nothing in flight.
    let m = Migrator::new(&set)
        .with_options(Options::default().statement_lock_timeout(Duration::from_millis(20)));
    let mut lock = holder.transaction().unwrap();
    lock.batch_execute("LOCK TABLE t IN ACCESS SHARE MODE")
        .unwrap();
    let waited = Arc::new(tokio::sync::Notify::new());
    let seen = waited.clone();
    let m = m.on_lock_wait(move |_| seen.notify_one());
    runtime().block_on(async {
        let mut conn = sqlx::PgConnection::connect_with(&sqlx_options(&db.url).unwrap())
            .await
            .unwrap();
        tokio::select! {
            r = m.up_async(&mut conn) => panic!("the run ended: {r:?}"),
            () = waited.notified() => {}
        }
        // The clean-up went out on the caller's connection: no lock, no
        // transaction left on it.
        let (locks, open): (i64, bool) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()), \
             txid_current_if_assigned() IS NOT NULL",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!((locks, open), (0, false));
    });
    lock.commit().unwrap();
}

#[test]
fn leases_work_on_sqlx() {
    let db = Scratch::new();
    let set = three();
    let m = Migrator::new(&set).with_options(Options::default().lock_mode(LockMode::Lease));
    runtime().block_on(async {
        let pool = pool(&db, 1).await;
        assert_eq!(m.up_async(&pool).await.unwrap().applied(), vec![1, 2, 3]);
    });
    let mut c = db.connect();
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM schema_migrations_lock"),
        0
    );
    assert_eq!(count(&mut c, ADVISORY_HERE), 0);
}

#[test]
fn a_boot_with_nothing_to_do_is_one_round_trip_on_sqlx() {
    let db = sqlstrata_tests::Proxied::new("sqlx_trips");
    let (proxy, url) = (&db.proxy, db.url());
    let set = three();
    let m = Migrator::new(&set);
    runtime().block_on(async {
        let mut conn = sqlx::PgConnection::connect_with(&sqlx_options(&url).unwrap())
            .await
            .unwrap();
        assert_eq!(
            m.up_async(&mut conn).await.unwrap().applied(),
            vec![1, 2, 3]
        );
        let before = proxy.count();
        assert!(m.up_async(&mut conn).await.unwrap().applied().is_empty());
        assert_eq!(proxy.count() - before, 1, "a boot is one round trip");
        conn.close().await.unwrap();
    });
    let (name, mut admin) = (db.name, db.admin);
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
}

#[test]
fn deadpool_and_bb8_objects_run_as_they_deref() {
    let set = three();
    let m = Migrator::new(&set);
    // deadpool
    let db = Scratch::new();
    runtime().block_on(async {
        let config = tokio_postgres::Config::from_str(&db.url).unwrap();
        let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(2)
            .build()
            .unwrap();
        let object = pool.get().await.unwrap();
        assert_eq!(m.up_async(&object).await.unwrap().applied(), vec![1, 2, 3]);
        assert_eq!(
            m.rollback_async(&*object).await.unwrap().reverted(),
            vec![3, 2, 1]
        );
        // And as before, by deref to the tokio-postgres client.
        let client: &tokio_postgres::Client = &object;
        assert_eq!(m.up_async(client).await.unwrap().applied(), vec![1, 2, 3]);
    });
    // bb8
    let db = Scratch::new();
    runtime().block_on(async {
        let manager = bb8_postgres::PostgresConnectionManager::new_from_stringlike(
            &db.url,
            tokio_postgres::NoTls,
        )
        .unwrap();
        let pool = bb8_postgres::bb8::Pool::builder()
            .max_size(2)
            .build(manager)
            .await
            .unwrap();
        let pooled = pool.get().await.unwrap();
        assert_eq!(m.up_async(&pooled).await.unwrap().applied(), vec![1, 2, 3]);
        let status = m.status_async(&pooled).await.unwrap();
        assert!(status.status.iter().all(|s| s.state == State::Applied));
    });
}

// `#[sqlstrata::test]` with sqlx parameters, mixed with the others.

#[sqlstrata::test]
async fn a_test_takes_a_pool(pool: sqlx::PgPool) {
    sqlx::query("INSERT INTO users (email, name, display_name) VALUES ('p', 'p', 'p')")
        .execute(&pool)
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 1, "a fresh, migrated database");
    // The pool is sqlstrata's client too.
    let status = sqlstrata::Migrator::new(&MIGRATIONS)
        .status_async(&pool)
        .await
        .unwrap();
    assert!(status.status.iter().all(|s| s.state == State::Applied));
}

#[sqlstrata::test]
async fn a_test_takes_a_connection(mut conn: sqlx::PgConnection) {
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM users")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0);
    let (name,): (String,) = sqlx::query_as("SELECT current_database()::text")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(name.starts_with("sqlstrata_"), "{name}");
}

#[sqlstrata::test]
async fn a_tokio_postgres_test_beside_them(client: tokio_postgres::Client) {
    let row = client
        .query_one("SELECT count(*) FROM users", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 0);
}

#[sqlstrata::test]
fn a_sync_test_beside_them(mut client: postgres::Client) {
    let n: i64 = client
        .query_one("SELECT count(*) FROM users", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
}

#[test]
fn verify_and_drift_run_on_sqlx() {
    let set = three();
    let m = Migrator::new(&set);
    let (live, scratch, empty) = (Scratch::new(), Scratch::new(), Scratch::new());
    runtime().block_on(async {
        let live_pool = pool(&live, 1).await;
        m.up_async(&live_pool).await.unwrap();
        let mut empty_conn = sqlx::PgConnection::connect_with(&sqlx_options(&empty.url).unwrap())
            .await
            .unwrap();
        let verified = m.verify_async(&mut empty_conn).await.unwrap();
        assert!(verified.is_ok(), "{:?}", verified.findings);
        let scratch_pool = pool(&scratch, 1).await;
        let clean = m.drift_async(&live_pool, &scratch_pool, &[]).await.unwrap();
        assert!(clean.is_clean(), "{clean}");
    });
    // A hand change on the live database is drift, seen through sqlx too.
    live.connect()
        .batch_execute("ALTER TABLE b ADD COLUMN extra int")
        .unwrap();
    let scratch = Scratch::new();
    runtime().block_on(async {
        let live_pool = pool(&live, 1).await;
        let scratch_pool = pool(&scratch, 1).await;
        let drifted = m.drift_async(&live_pool, &scratch_pool, &[]).await.unwrap();
        assert!(!drifted.is_clean());
        assert!(drifted.to_string().contains("extra"), "{drifted}");
    });
}
