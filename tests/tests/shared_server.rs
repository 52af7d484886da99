//! The server the test binaries of a run share: the last one out stops it,
//! the next run starts it again from the data directory it kept, and a crash
//! leaves nothing that breaks the next run. Each case runs this binary,
//! copied under a target directory of its own (so with a shared server of
//! its own, not the one of the rest of the suite), as short child processes
//! that join the server and exit. Its own `main` (`harness = false`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sqlstrata::testing::Server;

/// Set in the child: join the shared server, say where it is, exit.
const CHILD: &str = "SQLSTRATA_SHARED_CHILD";

/// How long the server outlives its last user in these cases.
const LINGER_MS: &str = "1000";

fn child() {
    let server = Server::shared().unwrap_or_else(|e| panic!("{e}"));
    let dir = server.home().expect("a shared server of our own");
    let mut c = postgres::Client::connect(server.admin_url(), postgres::NoTls).unwrap();
    let started: String = c
        .query_one("SELECT pg_postmaster_start_time()::text", &[])
        .unwrap()
        .get(0);
    if std::env::var("MARK").is_ok() {
        c.batch_execute("DROP DATABASE IF EXISTS kept_mark")
            .unwrap();
        c.batch_execute("CREATE DATABASE kept_mark").unwrap();
    }
    let marked: bool = c
        .query_one(
            "SELECT EXISTS (SELECT FROM pg_database WHERE datname = 'kept_mark')",
            &[],
        )
        .unwrap()
        .get(0);
    println!(
        "dir={} started={} marked={marked}",
        dir.display(),
        started.replace(' ', "_")
    );
}

/// What a child saw.
#[derive(Debug)]
struct Joined {
    dir: PathBuf,
    started: String,
    marked: bool,
}

/// This binary, copied under a directory holding a `CACHEDIR.TAG` (what
/// the shared server's key is derived from).
fn isolated_copy() -> PathBuf {
    let root =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("shared-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::write(
        root.join("CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n",
    )
    .unwrap();
    let exe = root.join("bin").join("shared_server");
    std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
    exe
}

fn join(exe: &Path, mark: bool) -> Joined {
    let mut cmd = Command::new(exe);
    cmd.env(CHILD, "1")
        .env("SQLSTRATA_SERVER_LINGER_MS", LINGER_MS)
        .env_remove("DATABASE_URL")
        .env_remove("SQLSTRATA_TEST_SERVER")
        .env_remove("MARK");
    if mark {
        cmd.env("MARK", "1");
    }
    let o = cmd.output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let said = |key: &str| {
        out.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("the child did not say {key}: {out}"))
            .to_string()
    };
    Joined {
        dir: PathBuf::from(said("dir")),
        started: said("started"),
        marked: said("marked") == "true",
    }
}

/// Whether the postmaster of the data directory in `dir` runs.
fn running(dir: &Path) -> bool {
    postmaster(dir).is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
}

fn postmaster(dir: &Path) -> Option<u32> {
    let pid = std::fs::read_to_string(dir.join("data").join("postmaster.pid")).ok()?;
    pid.lines().next()?.trim().parse().ok()
}

/// Waits (10 s at most) until the server in `dir` is stopped.
fn stopped(dir: &Path) -> bool {
    let start = Instant::now();
    while running(dir) {
        if start.elapsed() > Duration::from_secs(10) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

fn the_last_one_out_stops_it_and_the_next_run_starts_from_what_it_kept(exe: &Path) {
    let first = join(exe, true);
    assert!(first.marked);
    // The next binary of the same run, within the linger: the same server.
    let second = join(exe, false);
    assert_eq!(second.dir, first.dir);
    assert_eq!(second.started, first.started, "the server was restarted");
    // Nobody left: stopped after the linger.
    assert!(stopped(&first.dir), "the server outlived its users");
    // The next run: started again, from the kept data directory.
    let next = join(exe, false);
    assert_ne!(next.started, first.started);
    assert!(next.marked, "the data directory was not kept");
    assert!(stopped(&next.dir));
}

fn a_crashed_server_leaves_nothing_that_breaks_the_next_run(exe: &Path) {
    let before = join(exe, false);
    let pid = postmaster(&before.dir).expect("a running server");
    let killed = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let start = Instant::now();
    while Path::new(&format!("/proc/{pid}")).exists() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let after = join(exe, false);
    assert_eq!(after.dir, before.dir);
    assert_ne!(after.started, before.started);
    assert!(stopped(&after.dir));
}

fn a_data_directory_it_cannot_start_from_is_made_anew(exe: &Path) {
    let before = join(exe, true);
    assert!(stopped(&before.dir));
    // Another version's (or a damaged) data directory.
    std::fs::write(before.dir.join("data").join("PG_VERSION"), "9\n").unwrap();
    let after = join(exe, false);
    assert!(!after.marked, "made anew, so without what the old one held");
    assert!(stopped(&after.dir));
    let _ = std::fs::remove_dir_all(&after.dir);
}

/// A case: its name, and what it runs with the isolated copy of this binary.
type Case = (&'static str, fn(&Path));

fn main() {
    if std::env::var(CHILD).is_ok() {
        return child();
    }
    if std::env::var("DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        println!("test result: ok. 0 passed (DATABASE_URL is set: no shared server to test)");
        return;
    }
    let exe = isolated_copy();
    let cases: [Case; 3] = [
        (
            "the_last_one_out_stops_it_and_the_next_run_starts_from_what_it_kept",
            the_last_one_out_stops_it_and_the_next_run_starts_from_what_it_kept,
        ),
        (
            "a_crashed_server_leaves_nothing_that_breaks_the_next_run",
            a_crashed_server_leaves_nothing_that_breaks_the_next_run,
        ),
        (
            "a_data_directory_it_cannot_start_from_is_made_anew",
            a_data_directory_it_cannot_start_from_is_made_anew,
        ),
    ];
    for (name, case) in cases {
        case(&exe);
        println!("test {name} ... ok");
    }
    if let Some(root) = exe.parent().and_then(Path::parent) {
        let _ = std::fs::remove_dir_all(root);
    }
    println!("\ntest result: ok. {} passed", cases.len());
}
