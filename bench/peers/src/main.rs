//! sqlstrata, sqlx 0.9 (`migrate!` + `Migrator::run`) and refinery 0.10
//! (`embed_migrations!` + `run_async`) on the same generated sets (each
//! migration a `CREATE TABLE` and a `CREATE INDEX`) against the same
//! PostgreSQL, in one run, alternating between the tools:
//!
//! 1. applying 1000 migrations to an empty database, against a hand-written
//!    floor (one transaction, one round trip per migration);
//! 2. the no-op boot at N = 10, 100, 1000, 10,000: latency on an open
//!    connection and round trips (counted by a proxy on the unix socket),
//!    against two floors, each one round trip: a one-row primary-key lookup
//!    of the tracking table and `SELECT count(*), max(version)`;
//! 3. a migrated database for a test at N = 10, 100, 1000: what
//!    `#[sqlx::test]` does (create a database, run the migrations), the same
//!    with refinery, and sqlstrata's `TestDb::new` (a clone of a template,
//!    from a warm pool).
//!
//! Figures 1 and 2 run on a server with default durability (fsync on, data
//! on disk); figure 3 on the test-tuned throwaway server (fsync off, tmpfs),
//! which is where test suites run.
//!
//! cd bench/peers && cargo run --release

use std::path::Path;
use std::time::{Duration, Instant};

use sqlstrata::testing::{LocalServer, Server, TestDb};
use sqlstrata_tests::proxy::Proxy;
use sqlx::Connection;

static STRATA_10: sqlstrata::Migrations = sqlstrata::migrations!("sets/strata_10");
static STRATA_100: sqlstrata::Migrations = sqlstrata::migrations!("sets/strata_100");
static STRATA_1000: sqlstrata::Migrations = sqlstrata::migrations!("sets/strata_1000");
static STRATA_10000: sqlstrata::Migrations = sqlstrata::migrations!("sets/strata_10000");
static SQLX_10: sqlx::migrate::Migrator = sqlx::migrate!("sets/sqlx_10");
static SQLX_100: sqlx::migrate::Migrator = sqlx::migrate!("sets/sqlx_100");
static SQLX_1000: sqlx::migrate::Migrator = sqlx::migrate!("sets/sqlx_1000");
static SQLX_10000: sqlx::migrate::Migrator = sqlx::migrate!("sets/sqlx_10000");
mod refinery_10 {
    refinery::embed_migrations!("sets/refinery_10");
}
mod refinery_100 {
    refinery::embed_migrations!("sets/refinery_100");
}
mod refinery_1000 {
    refinery::embed_migrations!("sets/refinery_1000");
}
mod refinery_10000 {
    refinery::embed_migrations!("sets/refinery_10000");
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tool {
    Floor,
    Sqlstrata,
    Sqlx,
    Refinery,
    /// sqlstrata's run on a sqlx connection (its `sqlx` feature).
    SqlstrataOnSqlx,
}

const TOOLS: [Tool; 5] = [
    Tool::Floor,
    Tool::Sqlstrata,
    Tool::Sqlx,
    Tool::Refinery,
    Tool::SqlstrataOnSqlx,
];

fn strata(n: usize) -> &'static sqlstrata::Migrations {
    match n {
        10 => &STRATA_10,
        100 => &STRATA_100,
        1000 => &STRATA_1000,
        _ => &STRATA_10000,
    }
}

fn sqlx_set(n: usize) -> &'static sqlx::migrate::Migrator {
    match n {
        10 => &SQLX_10,
        100 => &SQLX_100,
        1000 => &SQLX_1000,
        _ => &SQLX_10000,
    }
}

fn refinery_runner(n: usize) -> refinery::Runner {
    match n {
        10 => refinery_10::migrations::runner(),
        100 => refinery_100::migrations::runner(),
        1000 => refinery_1000::migrations::runner(),
        _ => refinery_10000::migrations::runner(),
    }
}

/// Connection strings of database `db` on `server` through the socket
/// directory `dir`.
struct Target<'a> {
    dir: &'a Path,
    port: u16,
    db: String,
}

impl Target<'_> {
    fn libpq(&self) -> String {
        format!(
            "host={} port={} user=postgres dbname={}",
            self.dir.display(),
            self.port,
            self.db
        )
    }

    async fn tokio(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.libpq(), tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        client
    }

    async fn sqlx(&self) -> sqlx::PgConnection {
        let options = sqlx::postgres::PgConnectOptions::new()
            .socket(self.dir)
            .port(self.port)
            .username("postgres")
            .database(&self.db);
        sqlx::PgConnection::connect_with(&options)
            .await
            .expect("sqlx connect")
    }
}

async fn admin(server: &Server) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(server.admin_url(), tokio_postgres::NoTls)
        .await
        .expect("admin");
    tokio::spawn(connection);
    client
}

async fn fresh(admin: &tokio_postgres::Client, name: &str) {
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create");
}

/// The hand-written floor of applying `set`: one transaction, one round
/// trip per migration (its statements and the tracking insert).
async fn floor_apply(client: &tokio_postgres::Client, set: &sqlstrata::Migrations) {
    client
        .batch_execute("CREATE TABLE floor_migrations (version BIGINT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now()); BEGIN")
        .await
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
        client.simple_query(&sql).await.expect("floor migration");
    }
    client.batch_execute("COMMIT").await.expect("floor commit");
}

/// Applies everything pending of the `n` set with `tool`.
async fn apply(tool: Tool, n: usize, target: &Target<'_>) {
    match tool {
        Tool::Floor => floor_apply(&target.tokio().await, strata(n)).await,
        Tool::Sqlstrata => {
            let client = target.tokio().await;
            sqlstrata::Migrator::new(strata(n))
                .up_async(&client)
                .await
                .expect("sqlstrata up");
        }
        Tool::Sqlx => {
            let mut conn = target.sqlx().await;
            sqlx_set(n).run(&mut conn).await.expect("sqlx run");
        }
        Tool::SqlstrataOnSqlx => {
            let mut conn = target.sqlx().await;
            sqlstrata::Migrator::new(strata(n))
                .up_async(&mut conn)
                .await
                .expect("sqlstrata up on sqlx");
        }
        Tool::Refinery => {
            let mut client = target.tokio().await;
            refinery_runner(n)
                .run_async(&mut client)
                .await
                .expect("refinery run");
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

fn row(name: &str, d: Duration, floor: Duration, extra: &str) {
    println!(
        "| {name} | {} | {:.2}x |{extra}",
        ms(d),
        d.as_secs_f64() / floor.as_secs_f64()
    );
}

fn name(tool: Tool) -> &'static str {
    match tool {
        Tool::Floor => "floor (hand-written)",
        Tool::Sqlstrata => "sqlstrata",
        Tool::Sqlx => "sqlx 0.9",
        Tool::Refinery => "refinery 0.10",
        Tool::SqlstrataOnSqlx => "sqlstrata on a sqlx `PgConnection`",
    }
}

async fn figure_apply(server: &Server, runs: usize) {
    let dir = server.socket_dir().expect("a local server");
    let admin = admin(server).await;
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); TOOLS.len()];
    for run in 0..runs {
        for k in 0..TOOLS.len() {
            let i = (k + run) % TOOLS.len();
            let db = "peers_apply".to_string();
            fresh(&admin, &db).await;
            let target = Target {
                dir,
                port: server.port(),
                db,
            };
            let start = Instant::now();
            apply(TOOLS[i], 1000, &target).await;
            times[i].push(start.elapsed());
        }
    }
    println!(
        "\n1. Applying 1000 migrations to an empty database ({runs} runs each, alternating)\n"
    );
    println!("| tool | median | vs floor |");
    println!("| --- | --- | --- |");
    let medians: Vec<Duration> = times.into_iter().map(median).collect();
    for (i, tool) in TOOLS.iter().enumerate() {
        row(name(*tool), medians[i], medians[0], "");
    }
}

async fn figure_boot(server: &Server, runs: usize) {
    let dir = server.socket_dir().expect("a local server");
    let socket = dir.join(format!(".s.PGSQL.{}", server.port()));
    let proxy = Proxy::start(&socket).expect("proxy");
    let admin = admin(server).await;
    println!(
        "\n2. `up` with nothing pending, on an open connection ({runs} runs each, alternating)\n"
    );
    println!("| migrations | tool | median | vs the one-row floor | round trips |");
    println!("| --- | --- | --- | --- | --- |");
    for n in [10, 100, 1000, 10_000] {
        // Each tool applies the set to a database of its own, once.
        let mut targets = Vec::new();
        for tool in TOOLS {
            let db = format!("peers_boot_{n}_{tool:?}").to_lowercase();
            fresh(&admin, &db).await;
            let direct = Target {
                dir,
                port: server.port(),
                db: db.clone(),
            };
            let tool_for_setup = if tool == Tool::Floor {
                Tool::Sqlstrata
            } else {
                tool
            };
            apply(tool_for_setup, n, &direct).await;
            targets.push(Target {
                dir: &proxy.dir,
                port: server.port(),
                db,
            });
        }
        let floor_client = targets[0].tokio().await;
        let strata_client = targets[1].tokio().await;
        let mut sqlx_conn = targets[2].sqlx().await;
        let mut refinery_client = targets[3].tokio().await;
        let mut strata_sqlx_conn = targets[4].sqlx().await;
        let last = n as i64;
        // The tools and the one-row floor alternate; the count floor, a
        // scan that would cool the caches of whatever ran after it, apart.
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); TOOLS.len()];
        let mut trips = vec![0usize; TOOLS.len()];
        let mut count_floor = Vec::new();
        for run in 0..runs {
            for k in 0..TOOLS.len() {
                let i = (k + run) % TOOLS.len();
                let before = proxy.count();
                let start = Instant::now();
                match TOOLS[i] {
                    Tool::Floor => {
                        let rows = floor_client
                            .simple_query("SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1")
                            .await
                            .expect("floor");
                        let ok = rows.iter().any(|m| match m {
                            tokio_postgres::SimpleQueryMessage::Row(r) => {
                                r.get(0) == Some(&last.to_string())
                            }
                            _ => false,
                        });
                        assert!(ok);
                    }
                    Tool::Sqlstrata => {
                        let r = sqlstrata::Migrator::new(strata(n))
                            .up_async(&strata_client)
                            .await
                            .expect("sqlstrata");
                        assert!(r.done.is_empty());
                    }
                    Tool::Sqlx => sqlx_set(n).run(&mut sqlx_conn).await.expect("sqlx"),
                    Tool::Refinery => {
                        let r = refinery_runner(n)
                            .run_async(&mut refinery_client)
                            .await
                            .expect("refinery");
                        assert!(r.applied_migrations().is_empty());
                    }
                    Tool::SqlstrataOnSqlx => {
                        let r = sqlstrata::Migrator::new(strata(n))
                            .up_async(&mut strata_sqlx_conn)
                            .await
                            .expect("sqlstrata on sqlx");
                        assert!(r.done.is_empty());
                    }
                }
                times[i].push(start.elapsed());
                trips[i] += proxy.count() - before;
            }
        }
        for _ in 0..runs {
            let start = Instant::now();
            let rows = floor_client
                .simple_query("SELECT count(*), max(version) FROM schema_migrations")
                .await
                .expect("count floor");
            let ok = rows.iter().any(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => {
                    r.get(0) == Some(&n.to_string()) && r.get(1) == Some(&last.to_string())
                }
                _ => false,
            });
            assert!(ok);
            count_floor.push(start.elapsed());
        }
        let medians: Vec<Duration> = times.into_iter().map(median).collect();
        for (i, tool) in TOOLS.iter().enumerate() {
            let label = if *tool == Tool::Floor {
                "floor: one-row lookup".to_string()
            } else {
                name(*tool).to_string()
            };
            row(
                &format!("{n} | {label}"),
                medians[i],
                medians[0],
                &format!(" {:.0} |", trips[i] as f64 / runs as f64),
            );
        }
        row(
            &format!("{n} | floor: count, max"),
            median(count_floor),
            medians[0],
            " 1 |",
        );
    }
}

async fn figure_testdb(server: &'static Server, runs: usize) {
    let dir = server.socket_dir().expect("a local server");
    let admin = admin(server).await;
    println!(
        "\n3. A migrated database for a test ({runs} runs each, alternating; the test-tuned server)\n"
    );
    println!(
        "| migrations | sqlx `#[sqlx::test]` path (create + run) | refinery (create + run) | sqlstrata `TestDb::new` (warm pool) | sqlstrata clone, no pool |"
    );
    println!("| --- | --- | --- | --- | --- |");
    for n in [10, 100, 1000] {
        // The template, built once (what the first test of a run pays).
        drop(TestDb::new_async(strata(n)).await.expect("template"));
        let (mut sqlx_t, mut refinery_t, mut pooled, mut cloned) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let runs = if n == 1000 { runs.min(5) } else { runs };
        for run in 0..runs {
            for k in 0..4 {
                match (k + run) % 4 {
                    0 => {
                        let db = format!("peers_test_sqlx_{run}");
                        let start = Instant::now();
                        admin
                            .batch_execute(&format!("CREATE DATABASE {db}"))
                            .await
                            .expect("create");
                        let target = Target {
                            dir,
                            port: server.port(),
                            db: db.clone(),
                        };
                        apply(Tool::Sqlx, n, &target).await;
                        sqlx_t.push(start.elapsed());
                        admin
                            .batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
                            .await
                            .expect("drop");
                    }
                    1 => {
                        let db = format!("peers_test_refinery_{run}");
                        let start = Instant::now();
                        admin
                            .batch_execute(&format!("CREATE DATABASE {db}"))
                            .await
                            .expect("create");
                        let target = Target {
                            dir,
                            port: server.port(),
                            db: db.clone(),
                        };
                        apply(Tool::Refinery, n, &target).await;
                        refinery_t.push(start.elapsed());
                        admin
                            .batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
                            .await
                            .expect("drop");
                    }
                    2 => {
                        // Give the pool time to refill, as between tests.
                        tokio::time::sleep(Duration::from_millis(if n == 1000 {
                            600
                        } else {
                            100
                        }))
                        .await;
                        let start = Instant::now();
                        let db = TestDb::new_async(strata(n)).await.expect("testdb");
                        pooled.push(start.elapsed());
                        drop(db);
                    }
                    _ => {
                        let tpl = format!("sqlstrata_tpl_{}", &strata(n).fingerprint()[..24]);
                        let db = format!("peers_test_clone_{run}");
                        let start = Instant::now();
                        admin
                            .batch_execute(&format!(
                                "CREATE DATABASE {db} TEMPLATE {tpl} STRATEGY FILE_COPY"
                            ))
                            .await
                            .expect("clone");
                        cloned.push(start.elapsed());
                        admin
                            .batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
                            .await
                            .expect("drop");
                    }
                }
            }
        }
        println!(
            "| {n} | {} | {} | **{}** | {} |",
            ms(median(sqlx_t)),
            ms(median(refinery_t)),
            ms(median(pooled)),
            ms(median(cloned))
        );
    }
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(9);
    // Servers first: their start blocks, which a runtime thread must not.
    let durable = Server::start_local(&LocalServer {
        durable: true,
        ..LocalServer::default()
    })
    .expect("a server with default durability");
    let tuned = Server::shared().expect("the test server");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let version: String = admin(&durable)
            .await
            .query_one("SHOW server_version", &[])
            .await
            .expect("version")
            .get(0);
        println!("PostgreSQL {version}; sqlstrata, sqlx 0.9.0, refinery 0.10 (release builds)");
        figure_apply(&durable, runs.min(5)).await;
        figure_boot(&durable, runs * 20).await;
        figure_testdb(tuned, runs).await;
    });
}
