//! Template databases of old migration sets are swept: the most recently
//! used stay, and so does any a live run uses.

use sqlstrata::testing::{Server, TestDb};
use sqlstrata_tests::EXAMPLE;

#[test]
fn templates_of_old_sets_are_swept_but_the_newest_and_those_in_use_stay() {
    use sqlstrata::testing::{SweepPolicy, sweep_templates};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    // This process's own template: in use, and the most recently used.
    let db = TestDb::new(&EXAMPLE).unwrap();
    let server = Server::shared().unwrap();
    let mut admin = postgres::Client::connect(server.admin_url(), postgres::NoTls).unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ago = |secs: u64| Some(format!("sqlstrata template; last used {}", now - secs));
    let recent = "sqlstrata_tpl_a1a1a1a1a1a1a1a1a1a1a1a1";
    let stale = "sqlstrata_tpl_b2b2b2b2b2b2b2b2b2b2b2b2";
    let stale_in_use = "sqlstrata_tpl_c3c3c3c3c3c3c3c3c3c3c3c3";
    let unknown = "sqlstrata_tpl_d4d4d4d4d4d4d4d4d4d4d4d4";
    let lookalike = "sqlstrata_tpl_nothex";
    for (name, comment) in [
        (recent, ago(10)),
        (stale, ago(7200)),
        (stale_in_use, ago(10_800)),
        (unknown, None),
        (lookalike, ago(99_999)),
    ] {
        // The server is kept between runs: a failed run's leftovers go first.
        let _ = admin.batch_execute(&format!("ALTER DATABASE \"{name}\" IS_TEMPLATE false"));
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\" IS_TEMPLATE true"))
            .unwrap();
        if let Some(c) = comment {
            admin
                .batch_execute(&format!("COMMENT ON DATABASE \"{name}\" IS '{c}'"))
                .unwrap();
        }
    }
    // Another run (another connection) uses the third.
    let mut other_run = postgres::Client::connect(server.admin_url(), postgres::NoTls).unwrap();
    other_run
        .batch_execute(&format!(
            "SELECT pg_advisory_lock_shared({}, {})",
            0x5353, 0xc3c3c3c
        ))
        .unwrap();

    let dropped = sweep_templates(
        &mut admin,
        SweepPolicy::default().keep(1).idle(Duration::from_secs(60)),
    )
    .unwrap();
    // The server may hold other runs' templates (it is shared, and kept
    // between runs): only ours are asserted on.
    for name in [stale, unknown] {
        assert!(dropped.iter().any(|d| d == name), "{name}: {dropped:?}");
    }
    for name in [recent, stale_in_use, lookalike] {
        assert!(!dropped.iter().any(|d| d == name), "{name}: {dropped:?}");
    }

    let exists = |admin: &mut postgres::Client, name: &str| -> bool {
        admin
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .unwrap()
            .is_some()
    };
    for kept in [recent, stale_in_use, lookalike] {
        assert!(exists(&mut admin, kept), "{kept} must stay");
    }
    // Our own template survives and still clones.
    drop(db);
    let again = TestDb::new(&EXAMPLE).unwrap();
    let mut c = again.connect().unwrap();
    c.query_one("SELECT count(*) FROM users", &[]).unwrap();

    // Once nobody uses it and it is not among the newest, it goes too;
    // the most recently used stays whatever the idle time.
    // Released on the server before the sweep looks (a closed connection's
    // backend lets go of its locks a moment later, not at once).
    other_run
        .batch_execute("SELECT pg_advisory_unlock_all()")
        .unwrap();
    drop(other_run);
    admin
        .batch_execute(&format!(
            "COMMENT ON DATABASE \"{recent}\" IS 'sqlstrata template; last used {}'",
            now + 3600
        ))
        .unwrap();
    let dropped = sweep_templates(
        &mut admin,
        SweepPolicy::default().keep(1).idle(Duration::ZERO),
    )
    .unwrap();
    assert!(dropped.iter().any(|d| d == stale_in_use), "{dropped:?}");
    assert!(!dropped.iter().any(|d| d == recent), "{dropped:?}");
    // Ours is in use: still there.
    let mut c = again.connect().unwrap();
    c.query_one("SELECT count(*) FROM users", &[]).unwrap();
    drop(c);
    drop(again);
    assert!(TestDb::new(&EXAMPLE).is_ok());
    assert!(exists(&mut admin, recent));
    for name in [recent, lookalike] {
        admin
            .batch_execute(&format!("ALTER DATABASE \"{name}\" IS_TEMPLATE false"))
            .unwrap();
        admin
            .batch_execute(&format!("DROP DATABASE \"{name}\""))
            .unwrap();
    }
}
