//! Databases left by a crashed run are swept on the next run, and nothing
//! sqlstrata did not create (or that a live run still owns) is touched.
//! Its own test binary: the sweep happens when the keeper starts.

use sqlstrata::testing::{Server, TestDb};
use sqlstrata_tests::EXAMPLE;

#[test]
fn leftovers_of_dead_runs_are_swept_and_nothing_else() {
    let server = Server::shared().unwrap();
    let mut admin = postgres::Client::connect(server.admin_url(), postgres::NoTls).unwrap();
    // A run that crashed: its owner lock is held by nobody.
    let dead_owner = 1_234_567;
    // A run still alive: a session holds its owner lock.
    let live_owner = 7_654_321;
    let mut live = postgres::Client::connect(server.admin_url(), postgres::NoTls).unwrap();
    live.batch_execute(&format!(
        "SELECT pg_advisory_lock({}, {live_owner})",
        0x5351
    ))
    .unwrap();
    for name in [
        format!("sqlstrata_test_{dead_owner}_1"),
        format!("sqlstrata_pool_{dead_owner}_2"),
        format!("sqlstrata_test_{live_owner}_1"),
        "sqlstrata_kept_1_1".to_string(),
        "someone_elses_db".to_string(),
    ] {
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
    }

    // The first TestDb of this process starts the keeper, which sweeps.
    let _db = TestDb::new(&EXAMPLE).unwrap();

    let names: Vec<String> = admin
        .query("SELECT datname::text FROM pg_database ORDER BY 1", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        !names.contains(&format!("sqlstrata_test_{dead_owner}_1")),
        "{names:?}"
    );
    assert!(
        !names.contains(&format!("sqlstrata_pool_{dead_owner}_2")),
        "{names:?}"
    );
    assert!(
        names.contains(&format!("sqlstrata_test_{live_owner}_1")),
        "a live run's database stays"
    );
    assert!(
        names.contains(&"sqlstrata_kept_1_1".to_string()),
        "kept databases stay"
    );
    assert!(
        names.contains(&"someone_elses_db".to_string()),
        "not ours: untouched"
    );
    // The server is kept between runs: leave nothing of ours behind.
    drop(live);
    for name in ["sqlstrata_kept_1_1", "someone_elses_db"] {
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .unwrap();
    }
    admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS \"sqlstrata_test_{live_owner}_1\" WITH (FORCE)"
        ))
        .unwrap();
}
