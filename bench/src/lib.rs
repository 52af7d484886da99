//! Helpers shared by the benchmark binaries: generated migration sets and timing.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

/// The statements of generated migration `i`: UP (a `CREATE TABLE` and a
/// `CREATE INDEX`) and DOWN.
pub fn table_migration(i: usize) -> ([String; 2], String) {
    (
        [
            format!(
                "CREATE TABLE t_{i} (\n    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    name TEXT NOT NULL,\n    created_at TIMESTAMPTZ NOT NULL DEFAULT now()\n)"
            ),
            format!("CREATE INDEX idx_t_{i}_created ON t_{i} (created_at)"),
        ],
        format!("DROP TABLE t_{i}"),
    )
}

/// Writes `n` generated migrations into `dir`: three statements each.
pub fn generate_set(dir: &Path, n: usize) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    for i in 1..=n {
        let ([table, index], down) = table_migration(i);
        let sql = format!(
            "-- Migration: {i:04}_table_{i}\n-- Description: generated table {i}\n\n-- UP\n{table};\n{index};\n\n-- DOWN\n{down};\n"
        );
        fs::write(dir.join(format!("{i:04}_table_{i}.sql")), sql)?;
    }
    Ok(())
}

/// The same `n` migrations as an in-memory set; `salt` changes every
/// checksum (so two sets of the same size get different templates).
pub fn generated(n: usize, salt: &str) -> sqlstrata::Migrations {
    use sqlstrata::{Migration, MigrationParts, Statement};
    sqlstrata::Migrations::new(
        (1..=n)
            .map(|i| {
                let ([table, index], down) = table_migration(i);
                Migration::new(MigrationParts {
                    version: i as i64,
                    name: format!("table_{i}"),
                    file_name: format!("{i:04}_table_{i}.sql"),
                    checksum: sqlstrata_core::checksum::checksum(
                        &[format!("{salt}{n}{table}")],
                        false,
                    ),
                    up: vec![Statement::new(table, 5), Statement::new(index, 10)],
                    down: Some(vec![Statement::new(down, 13)]),
                    ..MigrationParts::default()
                })
            })
            .collect(),
    )
}

/// Runs `f` `runs` times and returns the sorted durations.
pub fn time_runs(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times
}

/// The median of sorted durations.
pub fn median(sorted: &[Duration]) -> Duration {
    sorted[sorted.len() / 2]
}

/// A counting proxy between a client and PostgreSQL's unix socket: counts
/// the round trips clients start (simple `Query` and extended-protocol
/// `Sync` messages) without touching the traffic.
pub mod proxy {
    use std::io::{Read, Write};
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::path::{Path, PathBuf};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A running proxy.
    pub struct Proxy {
        /// The directory holding the proxy's socket (use as `host=`).
        pub dir: PathBuf,
        /// Round trips counted so far.
        pub round_trips: Arc<AtomicUsize>,
    }

    impl Proxy {
        /// Starts a proxy for the server whose socket is `server_socket`
        /// (`.../.s.PGSQL.5432`), listening on the same file name in a new directory.
        pub fn start(server_socket: &Path) -> std::io::Result<Proxy> {
            let dir = std::env::temp_dir().join(format!("sqlstrata-proxy-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir)?;
            let name = server_socket.file_name().unwrap_or_default();
            let listener = UnixListener::bind(dir.join(name))?;
            let round_trips = Arc::new(AtomicUsize::new(0));
            let counter = round_trips.clone();
            let target = server_socket.to_path_buf();
            std::thread::spawn(move || {
                for client in listener.incoming().flatten() {
                    let Ok(server) = UnixStream::connect(&target) else {
                        continue;
                    };
                    let counter = counter.clone();
                    let (c2, s2) = (client.try_clone(), server.try_clone());
                    if let (Ok(c2), Ok(s2)) = (c2, s2) {
                        std::thread::spawn(move || copy_back(s2, c2));
                        std::thread::spawn(move || count_forward(client, server, &counter));
                    }
                }
            });
            Ok(Proxy { dir, round_trips })
        }

        /// Round trips counted so far.
        pub fn count(&self) -> usize {
            self.round_trips.load(Ordering::SeqCst)
        }
    }

    fn copy_back(mut from: UnixStream, mut to: UnixStream) {
        let _ = std::io::copy(&mut from, &mut to);
    }

    fn count_forward(mut from: UnixStream, mut to: UnixStream, counter: &AtomicUsize) {
        // Startup message: length-prefixed, no type byte.
        let mut len = [0u8; 4];
        if from.read_exact(&mut len).is_err() {
            return;
        }
        let n = u32::from_be_bytes(len) as usize;
        let mut body = vec![0u8; n.saturating_sub(4)];
        if from.read_exact(&mut body).is_err()
            || to.write_all(&len).is_err()
            || to.write_all(&body).is_err()
        {
            return;
        }
        loop {
            let mut head = [0u8; 5];
            if from.read_exact(&mut head).is_err() {
                return;
            }
            if head[0] == b'Q' || head[0] == b'S' {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            let n = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
            let mut body = vec![0u8; n.saturating_sub(4)];
            if from.read_exact(&mut body).is_err()
                || to.write_all(&head).is_err()
                || to.write_all(&body).is_err()
            {
                return;
            }
        }
    }
}
