//! `up` when nothing is pending: the cost every application boot pays, at
//! N = 10, 100, 1000 and 10,000 applied migrations, against two floors
//! measured in the same run on the same connection, each one round trip: a
//! one-row primary-key lookup of the tracking table (`SELECT version ...
//! ORDER BY version DESC LIMIT 1`: the least any check can read) and
//! `SELECT count(*), max(version)` (what a careful hand-written runner
//! checks against the embedded set).
//!
//! ```sh
//! cargo run --release -p sqlstrata-bench --bin boot [N...]
//! ```

use std::time::{Duration, Instant};

use sqlstrata::testing::Server;
use sqlstrata::{Migrator, Options, TransactionMode};

const RUNS: usize = 400;

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10, 100, 1000, 10_000]
    } else {
        sizes
    };
    let server = Server::shared().unwrap_or_else(|e| panic!("{e}"));
    let mut admin = postgres::Client::connect(server.admin_url(), postgres::NoTls).expect("admin");
    println!(
        "| applied migrations | floor: one-row lookup | floor: count, max | sqlstrata `up` | ratio to the lookup |"
    );
    println!("| --- | --- | --- | --- | --- |");
    for n in sizes {
        let name = format!("bench_boot_{n}");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("drop");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create");
        let mut c =
            postgres::Client::connect(&server.url_for(&name), postgres::NoTls).expect("connect");
        let set = sqlstrata_bench::generated(n, "boot");
        let migrator = Migrator::new(&set);
        // 10,000 tables in one transaction would exhaust the lock table.
        Migrator::new(&set)
            .with_options(Options::default().transaction_mode(TransactionMode::PerMigration))
            .up(&mut c)
            .expect("up");
        let last = set.iter().last().map_or(0, |m| m.version());
        let (mut floor, mut lookup, mut ours) = (Vec::new(), Vec::new(), Vec::new());
        // The lookup and `up` alternate; the count floor, a scan that would
        // cool the caches of whatever runs after it, is measured apart.
        for run in 0..RUNS * 2 {
            let start = Instant::now();
            if run % 2 == 0 {
                let rows = c
                    .simple_query(
                        "SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1",
                    )
                    .expect("lookup");
                assert!(
                    rows.iter()
                        .any(|m| matches!(m, postgres::SimpleQueryMessage::Row(_)))
                );
                lookup.push(start.elapsed());
            } else {
                let r = migrator.up(&mut c).expect("up");
                assert!(r.done.is_empty());
                ours.push(start.elapsed());
            }
        }
        for _ in 0..RUNS {
            let start = Instant::now();
            // One round trip, as sqlstrata's (the simple protocol).
            let rows = c
                .simple_query("SELECT count(*), max(version) FROM schema_migrations")
                .expect("floor");
            let row = rows
                .iter()
                .find_map(|m| match m {
                    postgres::SimpleQueryMessage::Row(r) => Some(r),
                    _ => None,
                })
                .expect("a row");
            let count: usize = row.get(0).and_then(|v| v.parse().ok()).expect("count");
            let max: i64 = row.get(1).and_then(|v| v.parse().ok()).expect("max");
            assert!(count == set.len() && max == last);
            floor.push(start.elapsed());
        }
        floor.sort();
        lookup.sort();
        ours.sort();
        let (f, l, o): (Duration, Duration, Duration) = (
            sqlstrata_bench::median(&floor),
            sqlstrata_bench::median(&lookup),
            sqlstrata_bench::median(&ours),
        );
        println!(
            "| {n} | {:.3} ms | {:.3} ms | {:.3} ms | **{:.2}** |",
            l.as_secs_f64() * 1e3,
            f.as_secs_f64() * 1e3,
            o.as_secs_f64() * 1e3,
            o.as_secs_f64() / l.as_secs_f64()
        );
        drop(c);
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("drop");
    }
}
