//! sqlstrata on sqlx beside sqlx's own `migrate!`, on the same connection
//! type (`sqlx::PgConnection`), and beside sqlstrata on tokio-postgres: the
//! apply of 1000 migrations to an empty database and `up` with nothing
//! pending (10 and 1000 applied), alternating in one run against the same
//! server (the throwaway test server: unix socket, `fsync=off`). Round trips
//! counted by a proxy on the unix socket. Only the 10 and 1000 sets are
//! embedded, so this binary builds in minutes (the main one embeds 10,000).
//!
//! ```sh
//! cd bench/peers && cargo run --release --bin sqlx_side
//! ```

use std::path::Path;
use std::time::{Duration, Instant};

use sqlstrata::testing::Server;
use sqlstrata_tests::proxy::Proxy;
use sqlx::Connection;

static STRATA_10: sqlstrata::Migrations = sqlstrata::migrations!("sets/strata_10");
static STRATA_1000: sqlstrata::Migrations = sqlstrata::migrations!("sets/strata_1000");
static SQLX_10: sqlx::migrate::Migrator = sqlx::migrate!("sets/sqlx_10");
static SQLX_1000: sqlx::migrate::Migrator = sqlx::migrate!("sets/sqlx_1000");

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tool {
    StrataTokio,
    StrataSqlx,
    SqlxMigrate,
}

const TOOLS: [Tool; 3] = [Tool::StrataTokio, Tool::StrataSqlx, Tool::SqlxMigrate];

fn name(tool: Tool) -> &'static str {
    match tool {
        Tool::StrataTokio => "sqlstrata on tokio-postgres",
        Tool::StrataSqlx => "sqlstrata on a sqlx `PgConnection`",
        Tool::SqlxMigrate => "sqlx 0.9 `migrate!` on a `PgConnection`",
    }
}

fn sets(
    n: usize,
) -> (
    &'static sqlstrata::Migrations,
    &'static sqlx::migrate::Migrator,
) {
    if n == 10 {
        (&STRATA_10, &SQLX_10)
    } else {
        (&STRATA_1000, &SQLX_1000)
    }
}

fn libpq(dir: &Path, port: u16, db: &str) -> String {
    format!(
        "host={} port={port} user=postgres dbname={db}",
        dir.display()
    )
}

async fn tokio_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
}

async fn sqlx_conn(url: &str) -> sqlx::PgConnection {
    sqlx::PgConnection::connect_with(&sqlstrata::testing::sqlx_options(url).expect("options"))
        .await
        .expect("connect")
}

async fn fresh(admin: &tokio_postgres::Client, db: &str) {
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        .await
        .expect("drop");
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .await
        .expect("create");
}

/// Applies what is pending of the `n` set with `tool`.
async fn apply(tool: Tool, n: usize, url: &str) {
    let (strata, sqlx_set) = sets(n);
    match tool {
        Tool::StrataTokio => {
            let c = tokio_client(url).await;
            sqlstrata::Migrator::new(strata)
                .up_async(&c)
                .await
                .expect("up");
        }
        Tool::StrataSqlx => {
            let mut c = sqlx_conn(url).await;
            sqlstrata::Migrator::new(strata)
                .up_async(&mut c)
                .await
                .expect("up");
        }
        Tool::SqlxMigrate => {
            let mut c = sqlx_conn(url).await;
            sqlx_set.run(&mut c).await.expect("sqlx run");
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let server = Server::shared().expect("the test server");
    let dir = server.socket_dir().expect("a local server").to_path_buf();
    let port = server.port();
    let proxy = Proxy::start(&dir.join(format!(".s.PGSQL.{port}"))).expect("proxy");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let admin = tokio_client(server.admin_url()).await;
        let version: String = admin
            .query_one("SHOW server_version", &[])
            .await
            .expect("version")
            .get(0);
        println!("PostgreSQL {version}; sqlstrata (features sqlx), sqlx 0.9.0 (release builds)");

        let runs = 5;
        let mut times = vec![Vec::new(); TOOLS.len()];
        for run in 0..runs {
            for k in 0..TOOLS.len() {
                let i = (k + run) % TOOLS.len();
                fresh(&admin, "side_apply").await;
                let url = libpq(&dir, port, "side_apply");
                let start = Instant::now();
                apply(TOOLS[i], 1000, &url).await;
                times[i].push(start.elapsed());
            }
        }
        println!("\nApplying 1000 migrations to an empty database ({runs} runs each, rotating)\n");
        println!("| tool | median | vs sqlstrata on tokio-postgres |");
        println!("| --- | --- | --- |");
        let medians: Vec<Duration> = times.into_iter().map(median).collect();
        for (i, tool) in TOOLS.iter().enumerate() {
            println!(
                "| {} | {} | {:.2}x |",
                name(*tool),
                ms(medians[i]),
                medians[i].as_secs_f64() / medians[0].as_secs_f64()
            );
        }

        let runs = 200;
        println!(
            "\n`up` with nothing pending, on an open connection ({runs} runs each, rotating)\n"
        );
        println!("| applied | tool | median | vs sqlstrata on tokio-postgres | round trips |");
        println!("| --- | --- | --- | --- | --- |");
        for n in [10, 1000] {
            let (strata, sqlx_set) = sets(n);
            let mut urls = Vec::new();
            for tool in TOOLS {
                let db = format!("side_boot_{n}_{tool:?}").to_lowercase();
                fresh(&admin, &db).await;
                apply(tool, n, &libpq(&dir, port, &db)).await;
                urls.push(libpq(&proxy.dir, port, &db));
            }
            let tokio = tokio_client(&urls[0]).await;
            let mut on_sqlx = sqlx_conn(&urls[1]).await;
            let mut sqlx_own = sqlx_conn(&urls[2]).await;
            let migrator = sqlstrata::Migrator::new(strata);
            let mut times = vec![Vec::new(); TOOLS.len()];
            let mut trips = vec![0usize; TOOLS.len()];
            for run in 0..runs {
                for k in 0..TOOLS.len() {
                    let i = (k + run) % TOOLS.len();
                    let before = proxy.count();
                    let start = Instant::now();
                    match TOOLS[i] {
                        Tool::StrataTokio => {
                            assert!(migrator.up_async(&tokio).await.expect("up").done.is_empty())
                        }
                        Tool::StrataSqlx => {
                            assert!(
                                migrator
                                    .up_async(&mut on_sqlx)
                                    .await
                                    .expect("up")
                                    .done
                                    .is_empty()
                            )
                        }
                        Tool::SqlxMigrate => sqlx_set.run(&mut sqlx_own).await.expect("sqlx"),
                    }
                    times[i].push(start.elapsed());
                    trips[i] += proxy.count() - before;
                }
            }
            let medians: Vec<Duration> = times.into_iter().map(median).collect();
            for (i, tool) in TOOLS.iter().enumerate() {
                println!(
                    "| {n} | {} | {} | {:.2}x | {:.0} |",
                    name(*tool),
                    ms(medians[i]),
                    medians[i].as_secs_f64() / medians[0].as_secs_f64(),
                    trips[i] as f64 / runs as f64
                );
            }
        }
    });
}
