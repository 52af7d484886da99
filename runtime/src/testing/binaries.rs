//! The PostgreSQL binaries on this machine (initdb, pg_ctl), found and run
//! as the user a server needs (never root), with the tests' tuning.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::error::ServerError;

/// The directory for the unix socket of a server whose files are in `dir`:
/// `dir` itself, unless the socket's path would pass the 107 bytes a socket
/// path may have (a deep checkout), then a short one in `/tmp`.
pub(crate) fn socket_dir(dir: &Path, key: &str) -> PathBuf {
    let longest = dir.join(".s.PGSQL.65535.lock");
    if longest.as_os_str().len() <= 100 {
        dir.to_path_buf()
    } else {
        PathBuf::from("/tmp").join(format!("sqlstrata-s-{key}"))
    }
}

/// `initdb` of a throwaway cluster (as the `postgres` user when root).
pub(crate) fn initdb(bin: &Path, data: &Path, as_root: bool) -> Result<(), ServerError> {
    run(
        user_cmd(&bin.join("initdb"), as_root)
            .arg("-D")
            .arg(data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ]),
        "running initdb",
    )
}

/// `pg_ctl` (as the `postgres` user when root).
pub(crate) fn pg_ctl(bin: &Path, as_root: bool) -> Command {
    user_cmd(&bin.join("pg_ctl"), as_root)
}

pub(crate) fn user_cmd(program: &Path, as_root: bool) -> Command {
    if as_root {
        // initdb refuses to run as root: the server runs as `postgres`.
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// The settings that trade durability for speed, unless `durable`.
pub(crate) fn tuning(durable: bool) -> String {
    if durable {
        String::new()
    } else {
        // Test data is thrown away: durability buys nothing here. Dynamic
        // shared memory in files of the data directory, not in /dev/shm
        // (a container's is 64 MB, and what is there is memory).
        " -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c dynamic_shared_memory_type=mmap"
            .to_string()
    }
}

pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

pub(crate) fn run(cmd: &mut Command, doing: &'static str) -> Result<(), ServerError> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ServerError::Start {
            doing,
            detail: e.to_string(),
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(ServerError::Start {
            doing,
            detail: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        })
    }
}

/// The directory holding `initdb` and `pg_ctl`: `SQLSTRATA_PG_BINDIR` when
/// set (the version matrix points it at each PostgreSQL in turn), else the
/// machine's.
pub(crate) fn find_bindir() -> Option<PathBuf> {
    let has = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("SQLSTRATA_PG_BINDIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return has(&dir).then_some(dir);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has(&dir) {
                // Follow a symlinked initdb to its real bin directory.
                let real = std::fs::canonicalize(dir.join("initdb")).ok();
                return Some(
                    real.and_then(|r| r.parent().map(Path::to_path_buf))
                        .unwrap_or(dir),
                );
            }
        }
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| has(d))
        .collect();
    versions.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions.pop()
}

/// Starts `script` in a detached `sh` that outlives nothing it needs from
/// us: the watchdog that stops a server once its users are gone.
pub(crate) fn watchdog(script: &str) -> Result<(), ServerError> {
    Command::new("sh")
        .args(["-c", script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| ServerError::Start {
            doing: "starting the watchdog",
            detail: e.to_string(),
        })
}
