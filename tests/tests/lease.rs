//! The lease lock, straight to the server: runners started together apply
//! each migration once, a dead runner's lease expires, a run that cannot get
//! the lease names its holder, and it works where the advisory functions are
//! revoked.

use std::time::{Duration, Instant};

use sqlstrata::{Error, LockMode, Migrator, Options};
use sqlstrata_tests::{Scratch, set_of};

fn lease() -> Options {
    Options::default().lock_mode(LockMode::Lease)
}

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

fn set() -> sqlstrata::Migrations {
    set_of(&[
        (
            1,
            &["INSERT INTO side VALUES (1)"],
            Some(&["DELETE FROM side"]),
            true,
        ),
        (
            2,
            &["CREATE TABLE b (id int)"],
            Some(&["DROP TABLE b"]),
            false,
        ),
    ])
}

#[test]
fn eight_leased_runners_apply_each_migration_once() {
    let db = Scratch::new();
    db.connect()
        .batch_execute("CREATE TABLE side (n int)")
        .unwrap();
    let runners: Vec<_> = (0..8)
        .map(|_| {
            let url = db.url.clone();
            std::thread::spawn(move || {
                let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                Migrator::new(&set())
                    .with_options(lease())
                    .up(&mut c)
                    .unwrap()
                    .applied()
                    .len()
            })
        })
        .collect();
    let applied: usize = runners.into_iter().map(|r| r.join().unwrap()).sum();
    assert_eq!(applied, 2);
    let mut c = db.connect();
    assert_eq!(count(&mut c, "SELECT count(*) FROM side"), 1);
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM schema_migrations_lock"),
        0
    );
}

#[test]
fn a_dead_runners_lease_expires_and_a_live_one_is_named() {
    let db = Scratch::new();
    let mut c = db.connect();
    c.batch_execute("CREATE TABLE side (n int)").unwrap();
    // The first run creates the tables; then a runner "dies" holding a lease.
    Migrator::new(&set_of(&[]))
        .with_options(lease())
        .up(&mut c)
        .unwrap();
    c.batch_execute(
        "INSERT INTO schema_migrations_lock VALUES (1, 'deploy-7:4242:dead', now(), clock_timestamp() + interval '1500 milliseconds')",
    )
    .unwrap();
    let impatient = lease().runner_timeout(Duration::from_millis(300));
    let err = Migrator::new(&set())
        .with_options(impatient)
        .up(&mut c)
        .unwrap_err();
    assert!(
        matches!(&err, Error::LockTimeout { holder: Some(h), .. } if h.contains("deploy-7:4242:dead")),
        "{err:?}"
    );
    let start = Instant::now();
    let report = Migrator::new(&set())
        .with_options(lease())
        .up(&mut c)
        .unwrap();
    assert_eq!(report.applied(), vec![1, 2]);
    assert!(
        start.elapsed() >= Duration::from_millis(800),
        "it waited for the expiry"
    );
    assert!(report.lock_wait >= Duration::from_millis(800));
}

#[test]
fn without_the_advisory_functions_advisory_fails_clearly_and_lease_works() {
    let db = Scratch::new();
    let mut admin = db.connect();
    let role = format!("migrator_{}", std::process::id());
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'pw'; GRANT CREATE ON DATABASE \"{name}\" TO {role}; \
             GRANT CREATE, USAGE ON SCHEMA public TO {role}; \
             REVOKE EXECUTE ON FUNCTION pg_try_advisory_lock(bigint) FROM PUBLIC; \
             REVOKE EXECUTE ON FUNCTION pg_advisory_lock(bigint) FROM PUBLIC; \
             CREATE TABLE side (n int); GRANT ALL ON side TO {role}",
            name = db.name
        ))
        .unwrap();
    struct DropRole(String, String);
    impl Drop for DropRole {
        fn drop(&mut self) {
            if let Ok(mut c) = postgres::Client::connect(&self.0, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP OWNED BY {0}; DROP ROLE {0}", self.1));
            }
        }
    }
    let _guard = DropRole(db.url.clone(), role.clone());
    let mut config: postgres::Config = db.url.parse().unwrap();
    config.user(&role).password("pw");
    let mut c = config.connect(postgres::NoTls).unwrap();

    let err = Migrator::new(&set()).up(&mut c).unwrap_err();
    assert!(
        matches!(err, Error::AdvisoryLocksUnavailable { .. }),
        "{err:?}"
    );
    assert_eq!(err.sql_state(), Some("42501"));
    assert!(err.to_string().contains("--lock lease"), "{err}");
    assert_eq!(
        Migrator::new(&set())
            .with_options(lease())
            .up(&mut c)
            .unwrap()
            .applied(),
        vec![1, 2]
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM side"), 1);
}
