//! How long a test waits for a fresh, migrated database, for sets of 10, 100
//! and 1000 generated migrations (each a table and an index): by replaying
//! the set into a new database (what other tools do), by cloning a template
//! (`STRATEGY FILE_COPY` and `WAL_LOG`), and from the warm pool of
//! `TestDb`; on the test-tuned throwaway server and on one with default
//! durability.
//!
//! cargo run --release -p sqlstrata-bench --bin testdb

use std::time::{Duration, Instant};

use sqlstrata::testing::{LocalServer, Server, TestDb};
use sqlstrata::{Migrations, Migrator};

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

struct Bench<'a> {
    server: &'a Server,
    admin: postgres::Client,
}

impl Bench<'_> {
    fn exec(&mut self, sql: &str) {
        self.admin
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn replay(&mut self, set: &Migrations, runs: usize) -> f64 {
        let times = (0..runs)
            .map(|_| {
                self.exec("DROP DATABASE IF EXISTS bench_replay WITH (FORCE)");
                let start = Instant::now();
                self.exec("CREATE DATABASE bench_replay");
                let mut c = postgres::Client::connect(
                    &self.server.url_for("bench_replay"),
                    postgres::NoTls,
                )
                .unwrap();
                Migrator::new(set).up(&mut c).unwrap();
                start.elapsed()
            })
            .collect();
        self.exec("DROP DATABASE IF EXISTS bench_replay WITH (FORCE)");
        median(times)
    }

    fn template(&mut self, set: &Migrations) {
        self.exec("DROP DATABASE IF EXISTS bench_tpl WITH (FORCE)");
        self.exec("CREATE DATABASE bench_tpl");
        let mut c =
            postgres::Client::connect(&self.server.url_for("bench_tpl"), postgres::NoTls).unwrap();
        Migrator::new(set).up(&mut c).unwrap();
        drop(c);
        self.exec("ALTER DATABASE bench_tpl WITH ALLOW_CONNECTIONS false IS_TEMPLATE true");
    }

    fn clone(&mut self, strategy: &str, runs: usize) -> f64 {
        let times = (0..runs)
            .map(|_| {
                self.exec("DROP DATABASE IF EXISTS bench_clone WITH (FORCE)");
                let start = Instant::now();
                self.exec(&format!(
                    "CREATE DATABASE bench_clone TEMPLATE bench_tpl STRATEGY {strategy}"
                ));
                start.elapsed()
            })
            .collect();
        self.exec("DROP DATABASE IF EXISTS bench_clone WITH (FORCE)");
        median(times)
    }

    fn drop_template(&mut self) {
        self.exec("ALTER DATABASE bench_tpl WITH IS_TEMPLATE false");
        self.exec("DROP DATABASE IF EXISTS bench_tpl WITH (FORCE)");
    }
}

fn main() {
    // SIZES=1000 DURABLE=0 for a quicker look at one size.
    let sizes: Vec<usize> = std::env::var("SIZES")
        .map(|v| v.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|_| vec![10, 100, 1000]);
    println!(
        "| server | migrations | replay | clone FILE_COPY | clone WAL_LOG | TestDb warm pool |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    let shared = Server::shared().unwrap_or_else(|e| panic!("{e}"));
    let durable = Server::start_local(&LocalServer {
        durable: true,
        ..LocalServer::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let mut servers = vec![
        ("test-tuned (fsync off, tmpfs)", shared),
        ("default durability (disk)", &durable),
    ];
    if std::env::var("DURABLE").as_deref() == Ok("0") {
        servers.truncate(1);
    }
    for (label, server) in servers {
        let admin = postgres::Client::connect(server.admin_url(), postgres::NoTls).unwrap();
        let mut b = Bench { server, admin };
        for &n in &sizes {
            let set = sqlstrata_bench::generated(n, label);
            let replay_runs = if n >= 1000 { 5 } else { 9 };
            let replay = b.replay(&set, replay_runs);
            b.template(&set);
            let file_copy = b.clone("FILE_COPY", 15);
            let wal_log = b.clone("WAL_LOG", 15);
            b.drop_template();
            let pool = if std::ptr::eq(server, shared) {
                // Build the template and fill the pool, then take from it,
                // leaving the pool time to refill between takes.
                drop(TestDb::new(&set).unwrap());
                let times = (0..9)
                    .map(|_| {
                        std::thread::sleep(Duration::from_millis(if n >= 1000 {
                            3000
                        } else {
                            500
                        }));
                        let start = Instant::now();
                        let db = TestDb::new(&set).unwrap();
                        let t = start.elapsed();
                        drop(db);
                        t
                    })
                    .collect();
                format!("{:.1} ms", median(times))
            } else {
                "-".to_string()
            };
            println!(
                "| {label} | {n} | {replay:.0} ms | {file_copy:.1} ms | {wal_log:.1} ms | {pool} |"
            );
        }
    }
}
