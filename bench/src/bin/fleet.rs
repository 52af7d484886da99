//! Fleets: 1000 tenant schemas × 10 generated migrations (a table and an
//! index each), on the test server: the loop a user would write (one
//! `sqlstrata up` process per schema, its search_path in the URL) against
//! `sqlstrata up --schemas-query` with --concurrency 1, 2, 4 and 8.
//!
//! ```sh
//! cargo build --release -p sqlstrata-cli && cargo run --release -p sqlstrata-bench --bin fleet [SCHEMAS]
//! ```

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use sqlstrata::testing::Server;

fn main() {
    let schemas: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cli = root.join("target/release/sqlstrata");
    assert!(
        cli.is_file(),
        "build the CLI first: cargo build --release -p sqlstrata-cli"
    );
    let work = std::env::temp_dir().join("sqlstrata-bench-fleet");
    let _ = std::fs::remove_dir_all(&work);
    sqlstrata_bench::generate_set(&work.join("migrations"), 10).expect("set");
    let server = Server::shared().unwrap_or_else(|e| panic!("{e}"));
    let mut admin = postgres::Client::connect(server.admin_url(), postgres::NoTls).expect("admin");
    let fresh = |admin: &mut postgres::Client| {
        admin
            .batch_execute("DROP DATABASE IF EXISTS bench_fleet WITH (FORCE)")
            .expect("drop");
        admin
            .batch_execute("CREATE DATABASE bench_fleet")
            .expect("create");
        let mut c = postgres::Client::connect(&server.url_for("bench_fleet"), postgres::NoTls)
            .expect("connect");
        let create: String = (0..schemas)
            .map(|i| format!("CREATE SCHEMA tenant_{i:04};"))
            .collect();
        c.batch_execute(&create).expect("schemas");
    };
    let url = server.url_for("bench_fleet");
    let query = "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY 1";
    println!("| {schemas} schemas × 10 migrations | time | schemas/s | vs the loop |");
    println!("| --- | --- | --- | --- |");
    let mut results: Vec<(String, Duration)> = Vec::new();
    // The loop a user would write.
    fresh(&mut admin);
    let start = Instant::now();
    for i in 0..schemas {
        let schema = format!("tenant_{i:04}");
        let status = Command::new(&cli)
            .current_dir(&work)
            .env_remove("DATABASE_URL")
            .args([
                "--database-url",
                &format!("{url} options='-c search_path={schema}'"),
                "--schema",
                &schema,
                "up",
            ])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("sqlstrata");
        assert!(status.success());
    }
    results.push((
        "a loop: one `sqlstrata up` per schema".into(),
        start.elapsed(),
    ));
    for n in [1, 2, 4, 8] {
        fresh(&mut admin);
        let start = Instant::now();
        let o = Command::new(&cli)
            .current_dir(&work)
            .env_remove("DATABASE_URL")
            .args([
                "--database-url",
                &url,
                "up",
                "--schemas-query",
                query,
                "--concurrency",
                &n.to_string(),
                "--json",
            ])
            .output()
            .expect("sqlstrata");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        results.push((
            format!("`up --schemas-query` --concurrency {n}"),
            start.elapsed(),
        ));
    }
    // The re-run: everything at the newest version.
    let start = Instant::now();
    let o = Command::new(&cli)
        .current_dir(&work)
        .env_remove("DATABASE_URL")
        .args([
            "--database-url",
            &url,
            "up",
            "--schemas-query",
            query,
            "--concurrency",
            "8",
            "--json",
        ])
        .output()
        .expect("sqlstrata");
    assert!(o.status.success());
    results.push((
        "the re-run, nothing to do, --concurrency 8".into(),
        start.elapsed(),
    ));
    let base = results[0].1.as_secs_f64();
    for (name, d) in &results {
        println!(
            "| {name} | {:.2} s | {:.0} | {:.2}x |",
            d.as_secs_f64(),
            schemas as f64 / d.as_secs_f64(),
            base / d.as_secs_f64()
        );
    }
    admin
        .batch_execute("DROP DATABASE IF EXISTS bench_fleet WITH (FORCE)")
        .expect("drop");
}
