//! A PostgreSQL server for tests: `DATABASE_URL` when it is set, otherwise a
//! throwaway server started from the binaries on this machine (unix socket
//! only, durability off), shared by every test binary of the project and
//! stopped a few seconds after the last one exits (see the `shared` module;
//! `SQLSTRATA_TEST_SERVER=private` gives each process its own, initdb'd
//! into a temporary directory and stopped when the process exits).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use super::binaries::{find_bindir, initdb, is_root, pg_ctl, run, socket_dir, tuning, watchdog};
use super::error::ServerError;

/// A server the tests can create databases on.
pub struct Server {
    /// Connection string of the maintenance database (`postgres`).
    admin: String,
    /// For a server we started: its connection base without `dbname`.
    base: Option<String>,
    /// The URL from DATABASE_URL, when used.
    url: Option<String>,
    /// For a server we started: the directory of its unix socket.
    socket_dir: Option<PathBuf>,
    /// For a server we started: the directory holding its data directory.
    home: Option<PathBuf>,
    /// The port (of the socket file name, and of TCP when listening).
    port: u16,
}

/// How to start a private server with [`Server::start_local`].
#[derive(Debug, Clone, Default)]
pub struct LocalServer {
    /// `postgresql.conf` settings, as `-c key=value`.
    pub settings: Vec<(String, String)>,
    /// Files written into the data directory before start (mode 0600).
    pub files: Vec<(String, Vec<u8>)>,
    /// A TCP port on 127.0.0.1; 0 for the unix socket only.
    pub port: u16,
    /// Default durability (fsync, full-page writes, synchronous commit, data
    /// on disk) instead of the test tuning: for benchmarks that compare.
    pub durable: bool,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never print it.
        f.debug_struct("Server")
            .field("admin", &crate::redact::redact(&self.admin))
            .field("socket_dir", &self.socket_dir)
            .finish()
    }
}

impl Server {
    /// The server of this process's tests: `DATABASE_URL`'s, else the
    /// project's shared throwaway server, started on first use.
    pub fn shared() -> Result<&'static Server, &'static ServerError> {
        static SERVER: OnceLock<Result<Server, ServerError>> = OnceLock::new();
        SERVER.get_or_init(Server::start).as_ref()
    }

    fn start() -> Result<Server, ServerError> {
        if let Ok(url) = std::env::var("DATABASE_URL")
            && !url.is_empty()
        {
            return Ok(Server {
                admin: url.clone(),
                base: None,
                url: Some(url),
                socket_dir: None,
                home: None,
                port: 5432,
            });
        }
        let private = std::env::var("SQLSTRATA_TEST_SERVER").is_ok_and(|v| v == "private");
        if private {
            return Server::start_local(&LocalServer::default());
        }
        let bin = find_bindir().ok_or(ServerError::NoBinaries)?;
        let port = 5432;
        let (home, socket) = super::shared::join(&bin, port)?;
        Ok(Server::on_socket(socket, home, port))
    }

    /// Starts a server of this process's own (not the shared one), with
    /// extra settings and files in its data directory: for tests that need
    /// a differently configured server (TLS, for one). Stopped when the
    /// process exits.
    pub fn start_local(local: &LocalServer) -> Result<Server, ServerError> {
        let bin = find_bindir().ok_or(ServerError::NoBinaries)?;
        let as_root = is_root();
        let root = super::place::choose(as_root)?;
        let unique = format!(
            "private-{}-{:x}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        let dir = root.join(&unique);
        let socket = socket_dir(&dir, &unique);
        let data = dir.join("data");
        for d in [&dir, &socket] {
            std::fs::create_dir_all(d).map_err(|e| ServerError::Start {
                doing: "creating the data directory",
                detail: e.to_string(),
            })?;
            if as_root {
                // initdb refuses to run as root: the server runs as `postgres`.
                run(
                    Command::new("chown").args(["postgres:postgres"]).arg(d),
                    "handing the directory to the postgres user",
                )?;
            }
        }
        initdb(&bin, &data, as_root)?;
        for (name, content) in &local.files {
            let path = data.join(name);
            std::fs::write(&path, content).map_err(|e| ServerError::Start {
                doing: "writing a file into the data directory",
                detail: e.to_string(),
            })?;
            run(
                Command::new("chmod").arg("600").arg(&path),
                "protecting a data file",
            )?;
            if as_root {
                run(
                    Command::new("chown").arg("postgres:postgres").arg(&path),
                    "handing a data file to the postgres user",
                )?;
            }
        }
        let port = if local.port == 0 { 5432 } else { local.port };
        let listen = if local.port == 0 {
            "''".to_string()
        } else {
            "127.0.0.1".to_string()
        };
        let tuning = tuning(local.durable);
        let mut options = format!(
            "-k {} -p {port} -c listen_addresses={listen}{tuning} -c max_connections=200 -c shared_buffers=128MB",
            socket.display()
        );
        for (key, value) in &local.settings {
            options.push_str(&format!(" -c {key}={value}"));
        }
        run(
            pg_ctl(&bin, as_root)
                .arg("-D")
                .arg(&data)
                .args(["-o", &options, "-l"])
                .arg(dir.join("log"))
                .args(["-w", "-t", "60", "start"]),
            "running pg_ctl start",
        )?;
        // A watchdog stops the server and removes its files once this
        // process is gone, however it ends.
        let stop = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {pg_ctl} -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}' '{socket}'",
            pid = std::process::id(),
            pg_ctl = if as_root {
                format!("runuser -u postgres -- '{}'", bin.join("pg_ctl").display())
            } else {
                format!("'{}'", bin.join("pg_ctl").display())
            },
            data = data.display(),
            dir = dir.display(),
            socket = socket.display(),
        );
        watchdog(&stop)?;
        Ok(Server::on_socket(socket, dir, port))
    }

    /// A server we started, listening on the unix socket in `dir`.
    fn on_socket(dir: PathBuf, home: PathBuf, port: u16) -> Server {
        let base = format!("host={} port={port} user=postgres", dir.display());
        Server {
            admin: format!("{base} dbname=postgres"),
            base: Some(base),
            url: None,
            socket_dir: Some(dir),
            home: Some(home),
            port,
        }
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// For a server started here: the directory holding its unix socket.
    pub fn socket_dir(&self) -> Option<&Path> {
        self.socket_dir.as_deref()
    }

    /// For a server started here: the directory holding its data directory
    /// (`data`) and log, on disk where there is room (see the README's
    /// "Testing with sqlstrata").
    pub fn home(&self) -> Option<&Path> {
        self.home.as_deref()
    }

    /// A connection string for the maintenance database.
    pub fn admin_url(&self) -> &str {
        &self.admin
    }

    /// A connection string for database `name` on this server.
    pub fn url_for(&self, name: &str) -> String {
        match (&self.base, &self.url) {
            (Some(base), _) => format!("{base} dbname={name}"),
            (None, Some(url)) => replace_dbname(url, name),
            (None, None) => self.admin.clone(),
        }
    }
}

/// Swaps the database of a URL or key=value connection string.
fn replace_dbname(url: &str, name: &str) -> String {
    if url.contains("://") {
        let (head, query) = match url.split_once('?') {
            Some((h, q)) => (h, Some(q)),
            None => (url, None),
        };
        let after_scheme = head.find("://").map_or(0, |i| i + 3);
        let base = match head[after_scheme..].find('/') {
            Some(slash) => &head[..after_scheme + slash],
            None => head,
        };
        match query {
            Some(q) => format!("{base}/{name}?{q}"),
            None => format!("{base}/{name}"),
        }
    } else {
        let kept: Vec<&str> = url
            .split_whitespace()
            .filter(|kv| !kv.starts_with("dbname="))
            .collect();
        format!("{} dbname={name}", kept.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_password() {
        let server = Server {
            admin: "postgres://app:s3cret@db:5432/postgres".into(),
            base: None,
            url: Some("postgres://app:s3cret@db:5432/postgres".into()),
            socket_dir: None,
            home: None,
            port: 5432,
        };
        let shown = format!("{server:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("app:***@db"), "{shown}");
    }

    #[test]
    fn dbname_is_replaced_in_both_forms() {
        assert_eq!(
            replace_dbname("postgres://u:p@h:5432/app?sslmode=require", "t1"),
            "postgres://u:p@h:5432/t1?sslmode=require"
        );
        assert_eq!(replace_dbname("postgres://h", "t1"), "postgres://h/t1");
        assert_eq!(
            replace_dbname("host=/tmp user=x dbname=app", "t1"),
            "host=/tmp user=x dbname=t1"
        );
    }
}
