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
//! Each where the data lives: on disk (the default, `<target>/sqlstrata`)
//! and on tmpfs (`SQLSTRATA_TEST_DATA_DIR=/dev/shm/...`); and a warm
//! database (the template built, the pool filled) in the same process.
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
    println!("ready");
    // Warm: the template is there, the pool refilled between tests.
    let mut warm = Vec::new();
    for _ in 0..RUNS {
        std::thread::sleep(Duration::from_millis(150));
        let start = Instant::now();
        let db = sqlstrata::testing::TestDb::new(&set).expect("a warm test database");
        warm.push(start.elapsed());
        drop(db);
    }
    warm.sort();
    println!("warm_us={}", sqlstrata_bench::median(&warm).as_micros());
}

/// Runs a child; how long until it had its first database, and its warm
/// median (microseconds).
fn spawn(n: usize, env: &[(&str, &str)]) -> (Duration, u128) {
    use std::io::BufRead;
    let start = Instant::now();
    let mut child = Command::new(std::env::current_exe().expect("exe"))
        .args(["child", &n.to_string()])
        .envs(env.iter().copied())
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut first = None;
    let mut warm = None;
    while let Some(Ok(line)) = lines.next() {
        if line == "ready" {
            first = Some(start.elapsed());
        } else if let Some(v) = line.strip_prefix("warm_us=") {
            warm = v.parse().ok();
        }
    }
    assert!(child.wait().expect("child").success());
    (first.expect("ready"), warm.expect("the child's warm time"))
}

/// Where the shared servers' directories are: `SQLSTRATA_TEST_DATA_DIR`,
/// else `<target>/sqlstrata`.
fn root() -> PathBuf {
    match std::env::var_os("SQLSTRATA_TEST_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => std::env::current_exe()
            .expect("exe")
            .ancestors()
            .find(|d| d.join("CACHEDIR.TAG").is_file())
            .expect("a target directory")
            .join("sqlstrata"),
    }
}

/// The shared servers' directories.
fn shared_dirs() -> Vec<PathBuf> {
    std::fs::read_dir(root())
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("pg-"))
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
    let dir = root().join("bench-floor");
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
        "-k {} -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c dynamic_shared_memory_type=mmap",
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
        "data in {}: floor: initdb {}, pg_ctl start -w {}",
        root().display(),
        ms(initdb),
        ms(start)
    );
    println!(
        "| migrations | first ever | cold (data kept) | shared (server up) | private (before) | warm (same process) |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for n in [10, 1000] {
        // First ever: nothing kept.
        wait_stopped();
        for d in shared_dirs() {
            let _ = std::fs::remove_dir_all(d);
        }
        let (first, _) = spawn(n, &quick);
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        for _ in 0..RUNS {
            wait_stopped();
            let (c, w) = spawn(n, &quick);
            cold.push(c);
            warm.push(Duration::from_micros(w as u64));
        }
        cold.sort();
        warm.sort();
        // Shared: a server kept up by the runs around each.
        let mut shared: Vec<Duration> = (0..RUNS).map(|_| spawn(n, &[]).0).collect();
        shared.sort();
        let mut private: Vec<Duration> = (0..RUNS.min(5))
            .map(|_| spawn(n, &[("SQLSTRATA_TEST_SERVER", "private")]).0)
            .collect();
        private.sort();
        println!(
            "| {n} | {} | **{}** | {} | {} | {:.2} ms |",
            ms(first),
            ms(sqlstrata_bench::median(&cold)),
            ms(sqlstrata_bench::median(&shared)),
            ms(sqlstrata_bench::median(&private)),
            sqlstrata_bench::median(&warm).as_secs_f64() * 1e3
        );
    }
}
