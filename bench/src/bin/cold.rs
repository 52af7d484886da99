//! The first migrated database of a new test binary: from process start to
//! the first `TestDb` ready, at N = 10 and 1000 migrations, in one run:
//!
//! - first ever: no server, no data directory (a fresh machine, or after a
//!   reboot: `initdb`, start, the template built);
//! - cold: no server running, the data directory of an earlier run kept
//!   (the first test binary of a `cargo test`);
//! - shared: another test binary already started the server (every later
//!   test binary of the same `cargo test`);
//! - private: `SQLSTRATA_TEST_SERVER=private`, a server per process (what
//!   every test binary paid before);
//! - the floor: PostgreSQL's own start, `pg_ctl start -w` of an initdb'd
//!   data directory, and `initdb` itself.
//!
//! cargo run --release -p sqlstrata-bench --bin cold

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 7;

fn child(n: usize) {
    let set = sqlstrata_bench::generated(n, "cold");
    let db = sqlstrata::testing::TestDb::new(&set).expect("a test database");
    let mut c = db.connect().expect("connect");
    c.simple_query("SELECT 1").expect("query");
}

fn spawn(n: usize, env: &[(&str, &str)]) -> Duration {
    let start = Instant::now();
    let status = Command::new(std::env::current_exe().expect("exe"))
        .args(["child", &n.to_string()])
        .envs(env.iter().copied())
        .env_remove("DATABASE_URL")
        .status()
        .expect("spawn");
    assert!(status.success());
    start.elapsed()
}

/// The shared servers' directories (on tmpfs).
fn shared_dirs() -> Vec<PathBuf> {
    std::fs::read_dir("/dev/shm")
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("sqlstrata-pg-") && n.len() == 29)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until no shared server runs (its watchdog stopped it).
fn wait_stopped() {
    for _ in 0..200 {
        let running = shared_dirs()
            .iter()
            .any(|d| d.join("data/postmaster.pid").exists());
        if !running {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the shared server did not stop");
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

fn bindir() -> PathBuf {
    let out = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .expect("pg_config");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn as_postgres(program: &Path) -> Command {
    let mut c = Command::new("runuser");
    c.args(["-u", "postgres", "--"]).arg(program);
    c
}

/// PostgreSQL's own start and initdb, on a data directory of our own.
fn floor() -> (Duration, Duration) {
    let bin = bindir();
    let dir = PathBuf::from("/dev/shm/sqlstrata-bench-floor");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    Command::new("chown")
        .arg("postgres:postgres")
        .arg(&dir)
        .status()
        .expect("chown");
    let data = dir.join("data");
    let initdb = sqlstrata_bench::time_runs(1, || {
        let ok = as_postgres(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .output()
            .expect("initdb")
            .status
            .success();
        assert!(ok);
    });
    let options = format!(
        "-k {} -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off",
        dir.display()
    );
    let mut starts = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let ok = as_postgres(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(dir.join("log"))
            .args(["-w", "start"])
            .output()
            .expect("pg_ctl")
            .status
            .success();
        assert!(ok);
        starts.push(start.elapsed());
        as_postgres(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["-m", "fast", "-w", "stop"])
            .output()
            .expect("pg_ctl stop");
    }
    starts.sort();
    let _ = std::fs::remove_dir_all(&dir);
    (sqlstrata_bench::median(&starts), initdb[0])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("child") {
        child(args[2].parse().expect("n"));
        return;
    }
    let quick = [("SQLSTRATA_SERVER_LINGER_MS", "100")];
    let (start, initdb) = floor();
    println!(
        "floor: initdb {}, pg_ctl start -w {}",
        ms(initdb),
        ms(start)
    );
    println!(
        "| migrations | first ever | cold (data kept) | shared (server up) | private (before) |"
    );
    println!("| --- | --- | --- | --- | --- |");
    for n in [10, 1000] {
        // First ever: nothing kept.
        wait_stopped();
        for d in shared_dirs() {
            let _ = std::fs::remove_dir_all(d);
        }
        let first = spawn(n, &quick);
        let mut cold = Vec::new();
        for _ in 0..RUNS {
            wait_stopped();
            cold.push(spawn(n, &quick));
        }
        cold.sort();
        // Shared: a server kept up by the runs around each.
        let shared = sqlstrata_bench::time_runs(RUNS, || {
            spawn(n, &[]);
        });
        let private = sqlstrata_bench::time_runs(RUNS.min(5), || {
            spawn(n, &[("SQLSTRATA_TEST_SERVER", "private")]);
        });
        println!(
            "| {n} | {} | **{}** | {} | {} |",
            ms(first),
            ms(sqlstrata_bench::median(&cold)),
            ms(sqlstrata_bench::median(&shared)),
            ms(sqlstrata_bench::median(&private))
        );
    }
}
