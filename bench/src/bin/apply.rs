//! Runtime speed on a real PostgreSQL (the throwaway test server, or
//! DATABASE_URL):
//!
//! (a) applying 1000 generated migrations (each a CREATE TABLE and a CREATE
//!     INDEX) to an empty database, against a hand-written floor in the same
//!     run: all 1000 in one transaction, one round trip per migration
//!     (statements and tracking insert in one simple query);
//! (b) `up` when nothing is pending, the cost every application pays at
//!     boot: round trips (counted by a proxy on the unix socket) and median
//!     latency.
//!
//! cargo run --release -p sqlstrata-bench --bin apply

use std::time::{Duration, Instant};

use sqlstrata::testing::Server;
use sqlstrata::{Migrations, Migrator};
use sqlstrata_bench::proxy::Proxy;

const N: usize = 1000;
const RUNS: usize = 9;

fn fresh(server: &Server, admin: &mut postgres::Client, name: &str) -> postgres::Client {
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .expect("drop");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create");
    postgres::Client::connect(&server.url_for(name), postgres::NoTls).expect("connect")
}

fn floor(client: &mut postgres::Client, set: &Migrations) {
    client
        .batch_execute("CREATE TABLE floor_migrations (version BIGINT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now()); BEGIN")
        .expect("floor setup");
    for m in set {
        let mut sql = String::new();
        for s in m.up() {
            sql.push_str(s.sql());
            sql.push_str(";\n");
        }
        sql.push_str(&format!(
            "INSERT INTO floor_migrations (version, checksum) VALUES ({}, '{}')",
            m.version(),
            m.checksum_hex()
        ));
        client.simple_query(&sql).expect("floor migration");
    }
    client.batch_execute("COMMIT").expect("floor commit");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let server = Server::shared().unwrap_or_else(|e| panic!("{e}"));
    let mut admin = postgres::Client::connect(server.admin_url(), postgres::NoTls).expect("admin");
    let set = sqlstrata_bench::generated(N, "apply");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (mut floors, mut ours, mut ours_async) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..RUNS {
        // Rotate the order so none always runs on a warmer server.
        for k in 0..3 {
            let which = (k + run) % 3;
            let mut c = fresh(server, &mut admin, "bench_apply");
            let start = Instant::now();
            match which {
                0 => {
                    floor(&mut c, &set);
                    floors.push(start.elapsed());
                }
                1 => {
                    let r = Migrator::new(&set).up(&mut c).expect("up");
                    assert_eq!(r.applied().len(), N);
                    ours.push(start.elapsed());
                }
                _ => {
                    drop(c);
                    let start = Instant::now();
                    rt.block_on(async {
                        let (client, connection) = tokio_postgres::connect(
                            &server.url_for("bench_apply"),
                            tokio_postgres::NoTls,
                        )
                        .await
                        .expect("connect");
                        tokio::spawn(connection);
                        let r = Migrator::new(&set).up_async(&client).await.expect("up");
                        assert_eq!(r.applied().len(), N);
                    });
                    ours_async.push(start.elapsed());
                }
            }
        }
    }
    let (f, o, a) = (median(floors), median(ours), median(ours_async));
    println!(
        "(a) apply {N} migrations ({RUNS} runs each): floor median {:.0} ms; sqlstrata sync (postgres, one round trip per statement) {:.0} ms, ratio {:.3}; async (tokio-postgres, one per migration) {:.0} ms, ratio {:.3}",
        f.as_secs_f64() * 1e3,
        o.as_secs_f64() * 1e3,
        o.as_secs_f64() / f.as_secs_f64(),
        a.as_secs_f64() * 1e3,
        a.as_secs_f64() / f.as_secs_f64()
    );

    // (b) Nothing pending, through the counting proxy.
    let dir = server
        .socket_dir()
        .expect("the throwaway server (unset DATABASE_URL) for the proxy");
    let proxy = Proxy::start(&dir.join(".s.PGSQL.5432")).expect("proxy");
    let url = format!(
        "host={} user=postgres dbname=bench_apply",
        proxy.dir.display()
    );
    let mut c =
        postgres::Client::connect(&url, postgres::NoTls).expect("connect through the proxy");
    let m = Migrator::new(&set);
    let mut times = Vec::new();
    let before = proxy.count();
    let runs = 200;
    for _ in 0..runs {
        let start = Instant::now();
        let r = m.up(&mut c).expect("up");
        times.push(start.elapsed());
        assert!(r.done.is_empty());
    }
    let trips = (proxy.count() - before) as f64 / runs as f64;
    println!(
        "(b) up with nothing pending ({N} applied): {trips} round trips per run, median {:.2} ms over {runs} runs",
        median(times).as_secs_f64() * 1e3
    );
    drop(c);
    admin
        .batch_execute("DROP DATABASE IF EXISTS bench_apply WITH (FORCE)")
        .expect("drop");
}
