//! The same run on each async client: sqlstrata through tokio-postgres and
//! through sqlx (a `PgConnection`, the `sqlx` feature), in one process,
//! against the same server, alternating: applying 1000 migrations to an
//! empty database, and `up` with nothing pending (the boot) at 10 and 1000
//! applied migrations. (sqlx's own `migrate!` on the same `PgConnection` is
//! measured in `bench/peers`, outside the workspace.)
//!
//! ```sh
//! cargo run --release -p sqlstrata-bench --bin clients
//! ```

use std::time::{Duration, Instant};

use sqlstrata::testing::{Server, sqlx_options};
use sqlstrata::{Migrator, Options, TransactionMode};
use sqlx::Connection as _;

const APPLY_RUNS: usize = 5;
const BOOT_RUNS: usize = 400;

async fn tokio_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
}

async fn sqlx_conn(url: &str) -> sqlx::PgConnection {
    sqlx::PgConnection::connect_with(&sqlx_options(url).expect("options"))
        .await
        .expect("connect")
}

fn fresh(admin: &mut postgres::Client, name: &str) {
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .expect("drop");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create");
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    sqlstrata_bench::median(&v)
}

fn main() {
    let server = Server::shared().unwrap_or_else(|e| panic!("{e}"));
    let mut admin = postgres::Client::connect(server.admin_url(), postgres::NoTls).expect("admin");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let set = sqlstrata_bench::generated(1000, "clients");
    let (mut on_tokio, mut on_sqlx) = (Vec::new(), Vec::new());
    for run in 0..APPLY_RUNS * 2 {
        let name = "bench_clients_apply";
        fresh(&mut admin, name);
        let url = server.url_for(name);
        let took = rt.block_on(async {
            if run % 2 == 0 {
                let c = tokio_client(&url).await;
                let start = Instant::now();
                Migrator::new(&set).up_async(&c).await.expect("up");
                start.elapsed()
            } else {
                let mut c = sqlx_conn(&url).await;
                let start = Instant::now();
                Migrator::new(&set).up_async(&mut c).await.expect("up");
                start.elapsed()
            }
        });
        if run % 2 == 0 {
            on_tokio.push(took);
        } else {
            on_sqlx.push(took);
        }
    }
    let (t, s) = (median(on_tokio), median(on_sqlx));
    println!(
        "Applying 1000 migrations to an empty database ({APPLY_RUNS} runs each, alternating)\n"
    );
    println!("| client | median | vs tokio-postgres |");
    println!("| --- | --- | --- |");
    println!("| tokio-postgres `&Client` | {} | 1.00x |", ms(t));
    println!(
        "| sqlx `&mut PgConnection` | {} | {:.2}x |",
        ms(s),
        s.as_secs_f64() / t.as_secs_f64()
    );

    println!(
        "\n`up` with nothing pending, on an open connection ({BOOT_RUNS} runs each, alternating)\n"
    );
    println!("| applied migrations | tokio-postgres | sqlx | sqlx vs tokio-postgres |");
    println!("| --- | --- | --- | --- |");
    for n in [10, 1000] {
        let name = format!("bench_clients_boot_{n}");
        fresh(&mut admin, &name);
        let url = server.url_for(&name);
        let set = sqlstrata_bench::generated(n, "clients_boot");
        let migrator = Migrator::new(&set);
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        Migrator::new(&set)
            .with_options(Options::default().transaction_mode(TransactionMode::PerMigration))
            .up(&mut c)
            .expect("up");
        drop(c);
        let (t, s) = rt.block_on(async {
            let tokio = tokio_client(&url).await;
            let mut sqlx = sqlx_conn(&url).await;
            let (mut t, mut s) = (Vec::new(), Vec::new());
            for run in 0..BOOT_RUNS * 2 {
                let start = Instant::now();
                let report = if run % 2 == 0 {
                    migrator.up_async(&tokio).await
                } else {
                    migrator.up_async(&mut sqlx).await
                }
                .expect("up");
                assert!(report.done.is_empty());
                if run % 2 == 0 {
                    t.push(start.elapsed());
                } else {
                    s.push(start.elapsed());
                }
            }
            (median(t), median(s))
        });
        println!(
            "| {n} | {} | {} | {:.2}x |",
            ms(t),
            ms(s),
            s.as_secs_f64() / t.as_secs_f64()
        );
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("drop");
    }
}
