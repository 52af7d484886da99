//! One throwaway server shared by the test binaries of a project.
//!
//! `cargo test` runs several test binaries one after another; each used to
//! run `initdb` and start a server of its own before its first test. Now the
//! first one starts a server in a directory keyed by the project's target
//! directory and the PostgreSQL binaries, and the others use it:
//!
//! - `lock` (an exclusive `flock`) is held while a process checks, starts or
//!   stops the server, so two never start it at once;
//! - `users`: every process using the server holds a shared `flock` on it
//!   until it exits (the kernel releases it however the process ends);
//! - `watchdog`: a small shell process holds it and stops the server once
//!   nobody has held `users` for a few seconds (the gap between two test
//!   binaries is shorter), taking `lock` so that no process starts using it
//!   meanwhile. A process that finds no watchdog starts one.
//!
//! The data directory stays for the next run, on disk where `cargo clean`
//! or a sweep reclaims it (see the `place` module): no `initdb`, and the
//! template databases of unchanged migration sets are still there. A data
//! directory the server cannot start from is made anew.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::binaries::{initdb, is_root, pg_ctl, run, socket_dir, tuning, watchdog};
use super::error::ServerError;
use super::place;

/// Where the shared server of this project and these binaries lives: its
/// directory (data, log, locks) and the directory of its socket.
fn home(bin: &Path, as_root: bool) -> Result<(PathBuf, PathBuf), ServerError> {
    // The target directory holds CACHEDIR.TAG; the test binary is below it.
    let target = place::target_dir().unwrap_or_else(std::env::temp_dir);
    let key = fnv(&[&target.display().to_string(), &bin.display().to_string()]);
    let root = place::choose(as_root)?;
    let home = root.join(format!("pg-{key:016x}"));
    place::sweep(
        &root,
        &home,
        std::time::Duration::from_secs(place::STALE_DAYS * 86_400),
    );
    let socket = socket_dir(&home, &format!("{key:016x}"));
    Ok((home, socket))
}

fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn failed(doing: &'static str) -> impl FnOnce(std::io::Error) -> ServerError {
    move |e| ServerError::Start {
        doing,
        detail: e.to_string(),
    }
}

/// The shared lock this process holds on `users` while it lives.
static USING: OnceLock<File> = OnceLock::new();

/// How long the server outlives its last user: `SQLSTRATA_SERVER_LINGER_MS`,
/// default 3000.
fn linger_ms() -> u64 {
    std::env::var("SQLSTRATA_SERVER_LINGER_MS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(3000)
}

/// Starts the shared server, or joins it; returns its directory and its
/// socket directory.
pub(crate) fn join(bin: &Path, port: u16) -> Result<(PathBuf, PathBuf), ServerError> {
    let as_root = is_root();
    let (dir, socket) = home(bin, as_root)?;
    for d in [&dir, &socket] {
        std::fs::create_dir_all(d).map_err(failed("creating the shared server's directory"))?;
        if as_root {
            run(
                Command::new("chown").arg("postgres:postgres").arg(d),
                "handing the shared server's directory to the postgres user",
            )?;
        }
    }
    let lock = File::create(dir.join("lock")).map_err(failed("opening the server lock"))?;
    lock.lock().map_err(failed("taking the server lock"))?;
    let data = dir.join("data");
    if !answers(&socket, port) {
        let started = start(bin, &dir, &socket, &data, port, as_root);
        if started.is_err() {
            // A data directory it cannot start from (a crash, another
            // version's): made anew, once.
            let _ = std::fs::remove_dir_all(&data);
            start(bin, &dir, &socket, &data, port, as_root)?;
        }
    }
    let users = File::create(dir.join("users")).map_err(failed("opening the users file"))?;
    users
        .lock_shared()
        .map_err(failed("registering as a user of the server"))?;
    let _ = USING.set(users);
    ensure_watchdog(bin, &dir, &data, as_root)?;
    drop(lock);
    Ok((dir, socket))
}

/// Whether a server answers on the socket in `dir`.
fn answers(dir: &Path, port: u16) -> bool {
    if !dir.join(format!(".s.PGSQL.{port}")).exists() {
        return false;
    }
    let url = format!(
        "host={} port={port} user=postgres dbname=postgres connect_timeout=5",
        dir.display()
    );
    postgres::Client::connect(&url, postgres::NoTls).is_ok()
}

fn start(
    bin: &Path,
    dir: &Path,
    socket: &Path,
    data: &Path,
    port: u16,
    as_root: bool,
) -> Result<(), ServerError> {
    if !data.join("PG_VERSION").is_file() {
        let _ = std::fs::remove_dir_all(data);
        initdb(bin, data, as_root)?;
    }
    let options = format!(
        "-k {} -p {port} -c listen_addresses=''{} -c max_connections=200 -c shared_buffers=128MB",
        socket.display(),
        tuning(false)
    );
    run(
        pg_ctl(bin, as_root)
            .arg("-D")
            .arg(data)
            .args(["-o", &options, "-l"])
            .arg(dir.join("log"))
            .args(["-w", "-t", "60", "start"]),
        "running pg_ctl start",
    )
}

/// Starts the watchdog unless one runs.
fn ensure_watchdog(bin: &Path, dir: &Path, data: &Path, as_root: bool) -> Result<(), ServerError> {
    let running =
        File::create(dir.join("watchdog")).map_err(failed("opening the watchdog file"))?;
    if running.try_lock().is_err() {
        return Ok(());
    }
    drop(running);
    let pg_ctl = if as_root {
        format!("runuser -u postgres -- '{}'", bin.join("pg_ctl").display())
    } else {
        format!("'{}'", bin.join("pg_ctl").display())
    };
    let ticks = linger_ms().div_ceil(250).max(1);
    let script = format!(
        r#"exec 8>'{dir}/watchdog'; flock -n 8 || exit 0
idle=0
while sleep 0.25; do
  exec 9>'{dir}/lock'; flock 9
  if flock -n -x '{dir}/users' -c true; then idle=$((idle+1)); else idle=0; fi
  if [ "$idle" -ge {ticks} ]; then
    {pg_ctl} -D '{data}' -m fast -w stop >/dev/null 2>&1
    exit 0
  fi
  exec 9>&-
done"#,
        dir = dir.display(),
        data = data.display(),
    );
    watchdog(&script)
}
