//! What squashing buys: a fresh database and a test template of 1000
//! generated migrations (a table and an index each), before and after
//! `sqlstrata squash --to 1000`, in one run on the test server.
//!
//! ```sh
//! cargo build --release -p sqlstrata-cli && cargo run --release -p sqlstrata-bench --bin squash [N]
//! ```

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use sqlstrata::testing::{Server, TestDb};
use sqlstrata::{Migrations, Migrator};

fn load(dir: &Path) -> Migrations {
    let folder = sqlstrata_core::read_folder(dir, &dir.display().to_string());
    assert!(!folder.has_errors(), "{:?}", folder.diagnostics);
    Migrations::new(folder.migrations.into_iter().map(|m| m.migration).collect())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A history that churns, as long ones do: 100 tables, then columns and
/// indexes added, and older ones dropped again.
fn churn(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).expect("dir");
    for i in 1..=n {
        let (up, down) = if i <= 100 {
            (
                format!("CREATE TABLE t_{i} (id BIGINT PRIMARY KEY, name TEXT NOT NULL);"),
                format!("DROP TABLE t_{i};"),
            )
        } else {
            let t = i % 100 + 1;
            let mut up = format!(
                "ALTER TABLE t_{t} ADD COLUMN c_{i} INTEGER;\nCREATE INDEX ix_{i} ON t_{t} (c_{i});"
            );
            if i > 300 {
                let old = i - 200;
                up.push_str(&format!(
                    "\nALTER TABLE t_{} DROP COLUMN c_{old};",
                    old % 100 + 1
                ));
            }
            (up, format!("ALTER TABLE t_{t} DROP COLUMN c_{i};"))
        };
        std::fs::write(
            dir.join(format!("{i:04}_step_{i}.sql")),
            format!("-- sqlstrata: allow(ban-drop-column)\n-- sqlstrata: allow(require-concurrent-index-creation)\n-- UP\n{up}\n-- DOWN\n{down}\n"),
        )
        .expect("file");
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cli = root.join("target/release/sqlstrata");
    assert!(
        cli.is_file(),
        "build the CLI first: cargo build --release -p sqlstrata-cli"
    );
    for kind in ["tables", "churn"] {
        measure(&cli, kind, n);
    }
}

fn measure(cli: &Path, kind: &str, n: usize) {
    let work = std::env::temp_dir().join(format!("sqlstrata-bench-squash-{kind}"));
    let _ = std::fs::remove_dir_all(&work);
    let before_dir = work.join("before/migrations");
    let after_dir = work.join("after/migrations");
    for dir in [&before_dir, &after_dir] {
        if kind == "tables" {
            sqlstrata_bench::generate_set(dir, n).expect("set");
        } else {
            churn(dir, n);
        }
    }
    let start = Instant::now();
    let o = Command::new(cli)
        .current_dir(work.join("after"))
        .env_remove("DATABASE_URL")
        .args(["squash", "--to", &n.to_string()])
        .output()
        .expect("squash");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let squash_time = start.elapsed();
    let (before, after) = (load(&before_dir), load(&after_dir));
    let server = Server::shared().unwrap_or_else(|e| panic!("{e}"));
    let mut admin = postgres::Client::connect(server.admin_url(), postgres::NoTls).expect("admin");
    let mut fresh = |set: &Migrations| {
        admin
            .batch_execute("DROP DATABASE IF EXISTS bench_squash WITH (FORCE)")
            .expect("drop");
        admin
            .batch_execute("CREATE DATABASE bench_squash")
            .expect("create");
        let mut c = postgres::Client::connect(&server.url_for("bench_squash"), postgres::NoTls)
            .expect("connect");
        let start = Instant::now();
        Migrator::new(set).up(&mut c).expect("up");
        start.elapsed()
    };
    let runs = 5;
    let (mut up_before, mut up_after) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        up_before.push(fresh(&before));
        up_after.push(fresh(&after));
    }
    // A template: TestDb::new of a set whose template does not exist yet
    // (the test server keeps templates between runs: dropped first).
    let template = |set: &Migrations| {
        let name = format!("sqlstrata_tpl_{}", &set.fingerprint()[..24]);
        let _ = admin.batch_execute(&format!("ALTER DATABASE {name} IS_TEMPLATE false"));
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("drop the template");
        let start = Instant::now();
        drop(TestDb::new(set).expect("testdb"));
        start.elapsed()
    };
    let mut template = template;
    let (t_before, t_after) = (template(&before), template(&after));
    println!(
        "{kind}: squash --to {n}: {:.1} s (replay, pg_dump, the baseline applied, snapshots compared); the baseline has {} statements",
        squash_time.as_secs_f64(),
        after.iter().map(|m| m.up().len()).sum::<usize>()
    );
    println!("| {n} migrations, {kind} | before (history) | after (squashed) | speed-up |");
    println!("| --- | --- | --- | --- |");
    let row = |what: &str, b: Duration, a: Duration| {
        println!(
            "| {what} | {:.0} ms | {:.0} ms | {:.1}x |",
            b.as_secs_f64() * 1e3,
            a.as_secs_f64() * 1e3,
            b.as_secs_f64() / a.as_secs_f64()
        );
    };
    row(
        &format!("a fresh database: `up` (median of {runs})"),
        median(up_before),
        median(up_after),
    );
    row(
        "a test template: the first `TestDb::new`",
        t_before,
        t_after,
    );
    admin
        .batch_execute("DROP DATABASE IF EXISTS bench_squash WITH (FORCE)")
        .expect("drop");
}
