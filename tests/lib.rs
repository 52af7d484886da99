//! Workspace-level tests of sqlstrata live in `tests/`; this library holds
//! what they share: the example set, embedded once, and fresh databases on
//! the test server.

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlstrata::testing::Server;

/// The example `migrations/` folder, embedded.
pub static EXAMPLE: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");

/// One migration of a set built at run time: version, UP statements, DOWN
/// statements (`None`: irreversible), no-transaction.
pub type Spec<'a> = (i64, &'a [&'a str], Option<&'a [&'a str]>, bool);

/// A set built at run time, as the CLI builds one from a folder. Files are
/// `NNN_mN.sql`; statement `i` is on line `i + 2`; the checksum is of the UP
/// statements.
pub fn set_of(migrations: &[Spec<'_>]) -> sqlstrata::Migrations {
    use sqlstrata::{Migration, MigrationParts, Statement};
    let statements = |list: &[&str]| -> Vec<Statement> {
        list.iter()
            .enumerate()
            .map(|(i, s)| {
                Statement::new(s.to_string(), i as u32 + 2)
                    .with_kind(sqlstrata_core::migration::statement_kind(s))
            })
            .collect()
    };
    sqlstrata::Migrations::new(
        migrations
            .iter()
            .map(|(version, up, down, no_tx)| {
                Migration::new(MigrationParts {
                    version: *version,
                    name: format!("m{version}"),
                    file_name: format!("{version:03}_m{version}.sql"),
                    description: None,
                    up: statements(up),
                    down: down.map(statements),
                    checksum: sqlstrata_core::checksum::checksum(up, *no_tx),
                    no_transaction: *no_tx,
                    enum_values: Vec::new(),
                    squashes: Vec::new(),
                    bounds: Default::default(),
                    repeatable: false,
                    post_deploy: false,
                })
            })
            .collect(),
    )
}

/// A set read from file texts by sqlstrata-core, exactly as the macro and the
/// CLI read a folder: `(file name, contents)`. Panics on any error diagnostic.
pub fn set_from_files(files: &[(&str, &str)]) -> sqlstrata::Migrations {
    use sqlstrata_core::migration::read_migration;
    use sqlstrata_core::naming::parse_file_name;
    sqlstrata::Migrations::new(
        files
            .iter()
            .map(|(file, sql)| {
                let name = parse_file_name(file).expect("a valid file name");
                let (m, d) = read_migration(file, &name, file, sql);
                let errors: Vec<String> = d
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| d.to_string())
                    .collect();
                assert!(errors.is_empty(), "{}", errors.join("\n"));
                m.expect("no errors, so a migration").migration
            })
            .collect(),
    )
}

/// An empty database on the test server, dropped at the end of the test.
pub struct Scratch {
    /// Its name.
    pub name: String,
    /// A connection string for it.
    pub url: String,
}

impl Scratch {
    /// Creates an empty database with a unique name.
    pub fn new() -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let server = Server::shared().unwrap_or_else(|e| panic!("{e}"));
        let name = format!(
            "sqlstrata_t_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = postgres::Client::connect(server.admin_url(), postgres::NoTls)
            .expect("connect to the test server");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create a scratch database");
        Scratch {
            url: server.url_for(&name),
            name,
        }
    }

    /// A new blocking connection.
    pub fn connect(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls)
            .expect("connect to the scratch database")
    }

    /// A new async connection (its driver is spawned on the current runtime).
    pub async fn connect_async(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .expect("connect to the scratch database");
        tokio::spawn(connection);
        client
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch::new()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(server) = Server::shared()
            && let Ok(mut admin) = postgres::Client::connect(server.admin_url(), postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The user tables of the public schema with their columns, as text: a
/// catalog snapshot to compare before and after.
pub fn schema_snapshot(client: &mut postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT c.relname || ':' || c.relkind::text || ':' || coalesce(string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum), '')
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE n.nspname = 'public'
             GROUP BY c.relname, c.relkind ORDER BY 1",
            &[],
        )
        .expect("snapshot the catalog")
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect()
}

/// The roles besides `postgres` that PgBouncer lets in (trust, as the
/// server); a test creates those it uses.
pub const POOLED_ROLES: &[&str] = &["pooled_owner", "pooled_writer"];

/// PgBouncer in front of a server of this test's own, in transaction pooling
/// mode, stopped when dropped. Run as the `postgres` user when root, like
/// the server.
pub struct PgBouncer {
    /// The server behind it.
    pub server: Server,
    dir: std::path::PathBuf,
    port: u16,
    pid: Option<u32>,
}

impl PgBouncer {
    /// Starts a private PostgreSQL and PgBouncer in front of it with
    /// `pool_size` server connections per database.
    pub fn start(pool_size: u32) -> PgBouncer {
        use std::process::Command;
        let server = Server::start_local(&sqlstrata::testing::LocalServer::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let socket = server.socket_dir().expect("a local server").to_path_buf();
        let bin = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
            .into_iter()
            .find(|p| std::path::Path::new(p).is_file())
            .expect("PgBouncer is not installed: apt-get install -y pgbouncer (scripts/test does)");
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sqlstrata-pgbouncer-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let port = 16000 + (std::process::id() % 20000) as u16 + NEXT.load(Ordering::SeqCst) as u16;
        let users: String = ["postgres"]
            .iter()
            .chain(POOLED_ROLES)
            .map(|u| format!("\"{u}\" \"\"\n"))
            .collect();
        std::fs::write(dir.join("userlist.txt"), users).unwrap();
        std::fs::write(
            dir.join("pgbouncer.ini"),
            format!(
                "[databases]\n* = host={socket} port={server_port}\n\n[pgbouncer]\nlisten_addr =\nlisten_port = {port}\n\
                 unix_socket_dir = {dir}\nauth_type = trust\nauth_file = {dir}/userlist.txt\npool_mode = transaction\n\
                 default_pool_size = {pool_size}\nmax_client_conn = 500\nignore_startup_parameters = extra_float_digits,options\n\
                 logfile = {dir}/pgbouncer.log\npidfile = {dir}/pgbouncer.pid\n",
                socket = socket.display(),
                server_port = server.port(),
                dir = dir.display(),
            ),
        )
        .unwrap();
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout == b"0\n")
            .unwrap_or(false);
        let mut cmd = if root {
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .unwrap();
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", bin]);
            c
        } else {
            Command::new(bin)
        };
        let status = cmd
            .arg("-d")
            .arg(dir.join("pgbouncer.ini"))
            .status()
            .unwrap();
        assert!(
            status.success(),
            "pgbouncer did not start: {:?}",
            std::fs::read_to_string(dir.join("pgbouncer.log"))
        );
        let mut pid = None;
        for _ in 0..100 {
            if let Ok(text) = std::fs::read_to_string(dir.join("pgbouncer.pid")) {
                pid = text.trim().parse().ok();
                if dir.join(format!(".s.PGSQL.{port}")).exists() {
                    break;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        PgBouncer {
            server,
            dir,
            port,
            pid,
        }
    }

    /// A connection string for database `name` through PgBouncer.
    pub fn url_for(&self, name: &str) -> String {
        self.url_as(name, "postgres")
    }

    /// A connection string for database `name` through PgBouncer as `user`
    /// (`postgres` or one of [`POOLED_ROLES`], which the test creates).
    pub fn url_as(&self, name: &str, user: &str) -> String {
        format!(
            "host={} port={} user={user} dbname={name}",
            self.dir.display(),
            self.port
        )
    }

    /// A new empty database on the server behind it.
    pub fn database(&self, name: &str) -> String {
        let mut admin =
            postgres::Client::connect(self.server.admin_url(), postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        name.to_string()
    }

    /// A direct connection to the server, around PgBouncer.
    pub fn direct(&self, name: &str) -> postgres::Client {
        postgres::Client::connect(&self.server.url_for(name), postgres::NoTls).unwrap()
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        if let Some(pid) = self.pid {
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A counting proxy between a client and PostgreSQL's unix socket: counts
/// the round trips clients start (simple `Query` and extended-protocol
/// `Sync` messages) without touching the traffic.
/// A new database on a server with a unix socket (the shared one, or one of
/// its own when `DATABASE_URL` names a server), reached through a counting
/// [`proxy::Proxy`]: for the tests that count a boot's round trips.
pub struct Proxied {
    /// The proxy; its count is the round trips through it.
    pub proxy: proxy::Proxy,
    /// The database's name.
    pub name: String,
    /// The server's port (the proxy's socket file has the same name).
    pub port: u16,
    /// A superuser connection to the server, not through the proxy.
    pub admin: postgres::Client,
    _local: Option<Server>,
}

impl Proxied {
    /// Creates database `<prefix>_<pid>` (dropping one left by an earlier
    /// run) and starts a proxy to its server.
    pub fn new(prefix: &str) -> Proxied {
        let shared = Server::shared().unwrap_or_else(|e| panic!("{e}"));
        let local = match shared.socket_dir() {
            Some(_) => None,
            None => Some(
                Server::start_local(&sqlstrata::testing::LocalServer::default())
                    .unwrap_or_else(|e| panic!("{e}")),
            ),
        };
        let server = local.as_ref().unwrap_or(shared);
        let name = format!("{prefix}_{}", std::process::id());
        let mut admin = postgres::Client::connect(server.admin_url(), postgres::NoTls)
            .expect("connect to the test server");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .expect("drop a database left by an earlier run");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the database");
        let socket = server
            .socket_dir()
            .expect("a local server has a socket")
            .join(format!(".s.PGSQL.{}", server.port()));
        Proxied {
            proxy: proxy::Proxy::start(&socket).expect("start the proxy"),
            name,
            port: server.port(),
            admin,
            _local: local,
        }
    }

    /// A connection string through the proxy, as `user`.
    pub fn url_as(&self, user: &str) -> String {
        format!(
            "host={} port={} user={user} dbname={}",
            self.proxy.dir.display(),
            self.port,
            self.name
        )
    }

    /// A connection string through the proxy, as `postgres`.
    pub fn url(&self) -> String {
        self.url_as("postgres")
    }
}

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
