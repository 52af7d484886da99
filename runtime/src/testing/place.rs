//! Where a test server's data lives: on disk, where there is room, and where
//! `cargo clean` (or a sweep) reclaims it. Never in RAM unless asked.
//!
//! A container's `/dev/shm` is 64 MB, which a data directory (about 40 MB
//! after `initdb`), a template per migration set and a few clones outgrow;
//! and what a tmpfs keeps between runs is memory no one gets back. With
//! `fsync`, `full_page_writes` and `synchronous_commit` off, PostgreSQL's
//! writes stay in the page cache whichever file system holds them, so a disk
//! folder is as fast (BENCHMARKS.md: "Test databases on disk and on
//! tmpfs"). The places, first that fits wins:
//!
//! 1. `SQLSTRATA_TEST_DATA_DIR`, when set: the caller's choice;
//! 2. `<target>/sqlstrata`, beside the test binary (removed by `cargo
//!    clean`);
//! 3. `/var/tmp/sqlstrata` (disk on every Linux; swept);
//! 4. the temporary directory (`TMPDIR`; swept).
//!
//! A place fits when it can be created and written, the server's user can
//! reach it (as root the server runs as `postgres`, which cannot enter a
//! checkout under `/root`), and it has [`NEEDED_MB`] free. When none fits,
//! one error says what was tried and why each did not.
//!
//! Each place holds one directory per checkout and PostgreSQL version;
//! those unused for [`STALE_DAYS`] days are swept when a server starts, and
//! so are the ones older sqlstrata versions left in `/dev/shm`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use super::error::ServerError;

/// The free space a place must have: a data directory (40 MB), its WAL
/// (up to 80 MB before a checkpoint recycles it), a template per migration
/// set (8 MB for a small schema), the pool's clones and a test database per
/// test running at once, with margin (measured: 286 MB at the peak of this
/// workspace's whole suite, BENCHMARKS.md).
pub const NEEDED_MB: u64 = 512;

/// Server directories unused this long are swept.
pub const STALE_DAYS: u64 = 7;

/// The places to try, in order, with how each is named in an error.
fn candidates() -> Vec<(PathBuf, &'static str)> {
    let mut out = Vec::new();
    if let Some(dir) = std::env::var_os("SQLSTRATA_TEST_DATA_DIR").filter(|d| !d.is_empty()) {
        out.push((PathBuf::from(dir), "SQLSTRATA_TEST_DATA_DIR"));
        return out;
    }
    if let Some(target) = target_dir() {
        out.push((target.join("sqlstrata"), "the target directory"));
    }
    out.push((PathBuf::from("/var/tmp/sqlstrata"), "/var/tmp"));
    out.push((
        std::env::temp_dir().join("sqlstrata"),
        "the temporary directory",
    ));
    out
}

/// Whether `dir` is one every user of the machine shares (made open to all,
/// sticky, like `/tmp`).
fn shared_by_all(dir: &Path) -> bool {
    dir == Path::new("/var/tmp/sqlstrata") || dir == std::env::temp_dir().join("sqlstrata")
}

/// The cargo target directory this process runs from (it holds
/// `CACHEDIR.TAG`), if any.
pub(crate) fn target_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    exe.ancestors()
        .find(|d| d.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf)
}

/// The first place that fits, or why none does.
pub(crate) fn choose(as_root: bool) -> Result<PathBuf, ServerError> {
    let mut tried = Vec::new();
    for (dir, name) in candidates() {
        match fits(&dir, as_root) {
            Ok(()) => return Ok(dir),
            Err(why) => tried.push(format!("{name} ({}): {why}", dir.display())),
        }
    }
    Err(ServerError::NoRoom {
        tried: tried.join("; "),
        needed_mb: NEEDED_MB,
    })
}

/// Why `dir` cannot hold a server's data, if it cannot.
fn fits(dir: &Path, as_root: bool) -> Result<(), String> {
    let existed = dir.exists();
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create it ({e})"))?;
    #[cfg(unix)]
    if !existed && shared_by_all(dir) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o1777));
    }
    let probe = dir.join(format!(".probe-{}", std::process::id()));
    std::fs::write(&probe, b"x").map_err(|e| format!("cannot write in it ({e})"))?;
    let _ = std::fs::remove_file(&probe);
    if as_root {
        // The server's user must pass through it and every directory above.
        let reachable = Command::new("runuser")
            .args(["-u", "postgres", "--", "test", "-x"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !reachable {
            return Err(
                "the postgres user cannot reach it (a directory above it is closed to others)"
                    .into(),
            );
        }
    }
    match free_mb(dir) {
        Some(free) if free < NEEDED_MB => {
            Err(format!("only {free} MB free, {NEEDED_MB} MB needed"))
        }
        _ => Ok(()),
    }
}

/// The free space of the file system holding `dir`, in MB (`df -Pk`, as
/// the standard library has no `statvfs`).
pub(crate) fn free_mb(dir: &Path) -> Option<u64> {
    let out = Command::new("df").arg("-Pk").arg(dir).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().nth(1)?;
    let kb: u64 = line.split_whitespace().nth(3)?.parse().ok()?;
    Some(kb / 1024)
}

/// Whether a server directory is in use: a process holds its `users` lock,
/// or a watchdog runs for it.
fn in_use(dir: &Path) -> bool {
    let held = |name: &str| {
        let path = dir.join(name);
        if !path.exists() {
            return false;
        }
        match std::fs::File::open(&path) {
            Ok(f) => f.try_lock().is_err(),
            Err(_) => true,
        }
    };
    held("users") || held("watchdog") || held("lock")
}

/// When `dir` was last used: the newest of its lock files' times.
fn last_used(dir: &Path) -> Option<SystemTime> {
    ["users", "lock", "log"]
        .iter()
        .filter_map(|n| std::fs::metadata(dir.join(n)).ok()?.modified().ok())
        .max()
}

/// Removes the server directories in `root` (named `pg-*`) that nobody uses
/// and nobody used for `stale`, but `keep`; and the ones older sqlstrata
/// versions kept in `/dev/shm` (memory), which no one else reclaims.
pub(crate) fn sweep(root: &Path, keep: &Path, stale: Duration) {
    let now = SystemTime::now();
    let remove = |dir: &Path| {
        if dir != keep && !in_use(dir) {
            let _ = std::fs::remove_dir_all(dir);
        }
    };
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            let dir = e.path();
            let named = e.file_name().to_string_lossy().starts_with("pg-");
            let old = last_used(&dir)
                .and_then(|t| now.duration_since(t).ok())
                .is_none_or(|age| age >= stale);
            if named && dir.is_dir() && old {
                remove(&dir);
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir("/dev/shm") {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            // `sqlstrata-pg-<16 hex>`: what the shared server of earlier
            // versions kept there for good.
            if name.len() == 29 && name.starts_with("sqlstrata-pg-") {
                remove(&e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stale_unused_server_directories_are_swept() {
        let root = std::env::temp_dir().join(format!("sqlstrata-sweep-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for d in ["pg-old", "pg-busy", "pg-keep", "other"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
            std::fs::write(root.join(d).join("users"), b"").unwrap();
        }
        let busy = std::fs::File::open(root.join("pg-busy/users")).unwrap();
        busy.lock_shared().unwrap();
        // Fresh ones stay.
        sweep(&root, &root.join("pg-keep"), Duration::from_secs(3600));
        for d in ["pg-old", "pg-busy", "pg-keep", "other"] {
            assert!(root.join(d).exists(), "{d}");
        }
        // Stale: the unused one goes; the busy one, the kept one and a
        // directory not named like a server stay.
        sweep(&root, &root.join("pg-keep"), Duration::ZERO);
        assert!(!root.join("pg-old").exists());
        for d in ["pg-busy", "pg-keep", "other"] {
            assert!(root.join(d).exists(), "{d}");
        }
        drop(busy);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_place_that_cannot_be_made_or_lacks_room_says_why() {
        assert!(
            fits(Path::new("/proc/self/sqlstrata-nowhere"), false)
                .unwrap_err()
                .starts_with("cannot create it")
        );
        let dir = std::env::temp_dir().join(format!("sqlstrata-fits-{}", std::process::id()));
        assert_eq!(
            fits(&dir, false),
            Ok(()),
            "the temporary directory has room here"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        let e = ServerError::NoRoom {
            tried: "a (x): only 3 MB free, 512 MB needed".into(),
            needed_mb: NEEDED_MB,
        }
        .to_string();
        assert!(
            e.contains("each needs 512 MB free") && e.contains("only 3 MB free"),
            "{e}"
        );
        assert!(e.contains("SQLSTRATA_TEST_DATA_DIR"), "{e}");
    }

    #[test]
    fn free_space_is_read_from_df() {
        let free = free_mb(Path::new("/")).expect("df answers");
        assert!(free > 0);
        assert_eq!(free_mb(Path::new("/nonexistent/x")), None);
    }
}
