//! Fresh, migrated, throwaway databases for tests.
//!
//! A migration set is applied once into a template database named from the
//! set's fingerprint; every test database is a `CREATE DATABASE ...
//! TEMPLATE` clone of it, so its cost depends on the size of the schema, not
//! on how many migrations built it. A small pool of clones is prepared in the
//! background so that a test waits only when the pool is empty.
//!
//! All administration happens on one keeper thread that holds the admin
//! connection. That connection also holds a session advisory lock keyed on
//! this process's owner id, which is part of every database name it makes:
//! a later run that can take that lock knows the owner is gone and drops its
//! leftovers, without touching anything sqlstrata did not create.

use std::collections::{HashMap, VecDeque};
use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::error::{TestDbError, admin_error};
use super::server::Server;
use super::templates;
use crate::Migrations;
use crate::error::DbError;
use crate::migrator::Migrator;
use crate::report::Report;

/// The advisory-lock namespace of owner ids (`'S' 'Q'`).
const OWNER_NS: i32 = 0x5351;
/// The advisory-lock namespace of template builds.
const TEMPLATE_NS: i32 = 0x5352;

/// How test databases are cloned from the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloneStrategy {
    /// `STRATEGY FILE_COPY`: copy the files and checkpoint (PostgreSQL 15+).
    FileCopy,
    /// `STRATEGY WAL_LOG`: copy block by block through the WAL (the
    /// PostgreSQL 15+ default).
    WalLog,
    /// No `STRATEGY` clause (PostgreSQL before 15).
    ServerDefault,
}

impl CloneStrategy {
    fn clause(self) -> &'static str {
        match self {
            CloneStrategy::FileCopy => " STRATEGY FILE_COPY",
            CloneStrategy::WalLog => " STRATEGY WAL_LOG",
            CloneStrategy::ServerDefault => "",
        }
    }
}

enum Request {
    Create {
        set: Migrations,
        /// A database at this version, not at the head.
        at: Option<i64>,
        reply: Reply<Result<String, TestDbError>>,
    },
    Drop {
        name: String,
        keep: bool,
        reply: Sender<Option<String>>,
    },
}

/// Where an answer goes: a blocking caller or an async one.
enum Reply<T> {
    Blocking(Sender<T>),
    Async(tokio::sync::oneshot::Sender<T>),
}

impl<T> Reply<T> {
    fn send(self, value: T) {
        match self {
            Reply::Blocking(s) => {
                let _ = s.send(value);
            }
            Reply::Async(s) => {
                let _ = s.send(value);
            }
        }
    }
}

struct Keeper {
    requests: Sender<Request>,
    server: &'static Server,
}

fn keeper() -> Result<&'static Keeper, TestDbError> {
    static KEEPER: OnceLock<Result<Keeper, String>> = OnceLock::new();
    KEEPER
        .get_or_init(|| {
            // On a thread of its own: the blocking client (and the server
            // start) cannot run on a thread that drives an async runtime, and
            // the first test to ask may be an async one.
            std::thread::Builder::new()
                .name("sqlstrata-testdb-start".into())
                .spawn(start_keeper)
                .map_err(|e| format!("cannot start the keeper thread: {e}"))
                .and_then(|t| {
                    t.join()
                        .unwrap_or_else(|_| Err("starting the test server panicked".to_string()))
                })
        })
        .as_ref()
        .map_err(|e| TestDbError::Server(e.clone()))
}

fn start_keeper() -> Result<Keeper, String> {
    let server = Server::shared().map_err(|e| e.to_string())?;
    let mut admin =
        postgres::Client::connect(server.admin_url(), postgres::NoTls).map_err(|e| {
            format!(
                "cannot connect to the test server: {}",
                DbError::from_postgres(&e)
            )
        })?;
    let owner = owner_id();
    admin
        .batch_execute(&format!("SELECT pg_advisory_lock({OWNER_NS}, {owner})"))
        .map_err(|e| format!("cannot take the owner lock: {}", DbError::from_postgres(&e)))?;
    let (version, fsync): (i32, String) = admin
        .query_one(
            "SELECT current_setting('server_version_num')::int, current_setting('fsync')",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .map_err(|e| {
            format!(
                "cannot read the server settings: {}",
                DbError::from_postgres(&e)
            )
        })?;
    // FILE_COPY costs two checkpoints, cheap without fsync and the faster
    // there; with fsync on, WAL_LOG is (BENCHMARKS.md).
    let strategy = match std::env::var("SQLSTRATA_CLONE_STRATEGY").as_deref() {
        _ if version < 150000 => CloneStrategy::ServerDefault,
        Ok("WAL_LOG") | Ok("wal_log") => CloneStrategy::WalLog,
        Ok("FILE_COPY") | Ok("file_copy") => CloneStrategy::FileCopy,
        _ if fsync == "off" => CloneStrategy::FileCopy,
        _ => CloneStrategy::WalLog,
    };
    let pool_size = std::env::var("SQLSTRATA_POOL_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let (tx, rx) = mpsc::channel();
    let mut worker = Worker {
        admin,
        owner,
        strategy,
        pool_size,
        templates: HashMap::new(),
        pools: HashMap::new(),
        next: 0,
    };
    worker.sweep();
    let _ = templates::sweep_templates(&mut worker.admin, templates::SweepPolicy::from_env());
    std::thread::Builder::new()
        .name("sqlstrata-testdb".into())
        .spawn(move || worker.run(rx))
        .map_err(|e| format!("cannot start the keeper thread: {e}"))?;
    Ok(Keeper {
        requests: tx,
        server,
    })
}

/// A positive 31-bit id for this process, unique enough among concurrent runs.
fn owner_id() -> i32 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mixed = nanos ^ std::process::id().rotate_left(16);
    (mixed & 0x7fff_ffff) as i32
}

struct Worker {
    admin: postgres::Client,
    owner: i32,
    strategy: CloneStrategy,
    pool_size: usize,
    /// Fingerprint -> template name, for templates ready in this process.
    templates: HashMap<String, String>,
    /// Template name -> ready clones nobody claimed yet.
    pools: HashMap<String, VecDeque<String>>,
    next: u64,
}

impl Worker {
    fn run(mut self, rx: Receiver<Request>) {
        loop {
            let short = self.pools.values().any(|p| p.len() < self.pool_size);
            let request = if short {
                match rx.recv_timeout(Duration::ZERO) {
                    Ok(r) => Some(r),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            } else {
                match rx.recv() {
                    Ok(r) => Some(r),
                    Err(_) => return,
                }
            };
            match request {
                Some(Request::Create { set, at, reply }) => {
                    let result = match at {
                        Some(version) => up_to(&set, version).and_then(|s| self.create(&s)),
                        None => self.create(&set),
                    };
                    reply.send(result);
                }
                Some(Request::Drop { name, keep, reply }) => {
                    let kept = self.drop_database(&name, keep);
                    let _ = reply.send(kept);
                }
                None => self.refill(),
            }
        }
    }

    fn fresh_name(&mut self, kind: &str) -> String {
        self.next += 1;
        format!("sqlstrata_{kind}_{}_{}", self.owner, self.next)
    }

    /// Drops what crashed or finished runs left: databases of owners whose
    /// lock can be taken (so nobody holds it: the owner is gone).
    fn sweep(&mut self) {
        let Ok(rows) = self.admin.query(
            "SELECT datname FROM pg_database WHERE datname ~ '^sqlstrata_(test|pool)_[0-9]+_[0-9]+$'",
            &[],
        ) else {
            return;
        };
        for row in rows {
            let name: String = row.get(0);
            let Some(owner) = name.split('_').nth(2).and_then(|o| o.parse::<i32>().ok()) else {
                continue;
            };
            if owner == self.owner {
                continue;
            }
            let free: bool = self
                .admin
                .query_one(
                    &format!("SELECT pg_try_advisory_lock({OWNER_NS}, {owner})"),
                    &[],
                )
                .map(|r| r.get(0))
                .unwrap_or(false);
            if free {
                let _ = self
                    .admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
                let _ = self
                    .admin
                    .batch_execute(&format!("SELECT pg_advisory_unlock({OWNER_NS}, {owner})"));
            }
        }
    }

    fn create(&mut self, set: &Migrations) -> Result<String, TestDbError> {
        let template = self.template(set)?;
        if let Some(ready) = self.pools.get_mut(&template).and_then(VecDeque::pop_front) {
            return Ok(ready);
        }
        self.pools.entry(template.clone()).or_default();
        let name = self.fresh_name("test");
        self.clone_into(&template, &name)?;
        Ok(name)
    }

    fn refill(&mut self) {
        let Some(template) = self
            .pools
            .iter()
            .find(|(_, p)| p.len() < self.pool_size)
            .map(|(t, _)| t.clone())
        else {
            return;
        };
        let name = self.fresh_name("pool");
        match self.clone_into(&template, &name) {
            Ok(()) => self.pools.entry(template).or_default().push_back(name),
            // Stop refilling this template; requests still clone on demand.
            Err(_) => {
                self.pools.remove(&template);
            }
        }
    }

    fn clone_into(&mut self, template: &str, name: &str) -> Result<(), TestDbError> {
        self.admin
            .batch_execute(&format!(
                "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"{}",
                self.strategy.clause()
            ))
            .map_err(admin_error(format!("cloning {template}")))
    }

    /// The template of `set`: built once, under an advisory lock so that
    /// parallel test binaries cooperate, and marked as a template only after
    /// every migration succeeded.
    fn template(&mut self, set: &Migrations) -> Result<String, TestDbError> {
        let fingerprint = set.fingerprint();
        if let Some(t) = self.templates.get(&fingerprint) {
            return Ok(t.clone());
        }
        let name = templates::name(&fingerprint);
        let key = templates::key(&name);
        // In use from now until this process ends: no sweep drops it.
        self.admin
            .batch_execute(&format!(
                "SELECT pg_advisory_lock_shared({}, {key})",
                templates::IN_USE_NS
            ))
            .map_err(admin_error("marking the template in use"))?;
        self.admin
            .batch_execute(&format!("SELECT pg_advisory_lock({TEMPLATE_NS}, {key})"))
            .map_err(admin_error("locking the template build"))?;
        let built = self.build_template(set, &name);
        let _ = self
            .admin
            .batch_execute(&format!("SELECT pg_advisory_unlock({TEMPLATE_NS}, {key})"));
        built?;
        let _ = self.admin.batch_execute(&format!(
            "COMMENT ON DATABASE \"{name}\" IS '{}'",
            templates::used_now_comment()
        ));
        self.templates.insert(fingerprint, name.clone());
        Ok(name)
    }

    fn build_template(&mut self, set: &Migrations, name: &str) -> Result<(), TestDbError> {
        let state: Option<bool> = self
            .admin
            .query_opt(
                "SELECT datistemplate FROM pg_database WHERE datname = $1",
                &[&name],
            )
            .map_err(admin_error("looking for the template"))?
            .map(|r| r.get(0));
        match state {
            Some(true) => return Ok(()),
            // Half-built by a run that failed or crashed: start again.
            Some(false) => self
                .admin
                .batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
                .map_err(admin_error("dropping a half-built template"))?,
            None => {}
        }
        self.admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .map_err(admin_error("creating the template"))?;
        let server = Server::shared().map_err(|e| TestDbError::Server(e.to_string()))?;
        let mut client = postgres::Client::connect(&server.url_for(name), postgres::NoTls)
            .map_err(admin_error("connecting to the template"))?;
        Migrator::new(set)
            .up(&mut client)
            .map_err(TestDbError::Migrations)?;
        drop(client);
        self.admin
            .batch_execute(&format!(
                "ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true"
            ))
            .map_err(admin_error("marking the template"))
    }

    /// Drops a test database, or with `keep` renames it out of the sweep's
    /// reach and returns the name it is kept under.
    fn drop_database(&mut self, name: &str, keep: bool) -> Option<String> {
        if keep {
            let kept = kept_name(name);
            let renamed = self
                .admin
                .batch_execute(&format!("ALTER DATABASE \"{name}\" RENAME TO \"{kept}\""))
                .is_ok();
            return Some(if renamed { kept } else { name.to_string() });
        }
        let _ = self
            .admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        None
    }
}

/// A fixture's statement failed: its file and line, and what PostgreSQL said.
fn fixture_error(file: &str, line: u32, e: &postgres::Error) -> TestDbError {
    TestDbError::Fixture {
        file: file.to_string(),
        line,
        source: DbError::from_postgres(e),
    }
}

/// The migrations of `set` up to and including `version`, without the
/// repeatables (`up --to` runs none), with the set's settings: the set a
/// database at `version` is the head of. Its template is that set's, so
/// every set that shares these migrations shares it.
fn up_to(set: &Migrations, version: i64) -> Result<Migrations, TestDbError> {
    if set.get(version).is_none() {
        return Err(TestDbError::UnknownVersion {
            version,
            versions: set
                .iter()
                .map(|m| m.version().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(Migrations::new(
        set.iter()
            .filter(|m| m.version() <= version)
            .cloned()
            .collect(),
    )
    .with_settings(*set.settings()))
}

/// `sqlstrata_test_1_2` and `sqlstrata_pool_1_2` are kept as `sqlstrata_kept_1_2`.
pub(crate) fn kept_name(name: &str) -> String {
    let rest = name.splitn(3, '_').nth(2).unwrap_or(name);
    format!("sqlstrata_kept_{rest}")
}

/// A fresh database with every migration of a set applied, dropped when it
/// goes out of scope.
///
/// ```no_run
/// static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let db = sqlstrata::testing::TestDb::new(&MIGRATIONS)?;
/// let mut client = db.connect()?;
/// client.batch_execute("INSERT INTO users (email, name) VALUES ('a@example.com', 'A')")?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TestDb {
    name: String,
    url: String,
    keep_on_failure: bool,
    /// The whole set, which `migrate_to` and its kind move the database on with.
    set: Migrations,
}

impl TestDb {
    /// A database with every migration of `set` applied.
    pub fn new(set: &Migrations) -> Result<TestDb, TestDbError> {
        TestDb::create(set, None)
    }

    /// The same, for async tests: waits without blocking the runtime.
    pub async fn new_async(set: &Migrations) -> Result<TestDb, TestDbError> {
        TestDb::create_async(set, None).await
    }

    /// A database with the migrations of `set` up to and including
    /// `version` applied and recorded, and nothing after (no repeatable
    /// either): the state a migration after it runs on. Built once per
    /// (set, version) as a template and cloned like [`TestDb::new`]'s.
    /// Move it on with [`TestDb::migrate_to`].
    ///
    /// ```no_run
    /// static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // Rows as they were before 007 backfilled display names ...
    /// let db = sqlstrata::testing::TestDb::at(&MIGRATIONS, 6)?;
    /// db.fixture("a user", "INSERT INTO users (email, name) VALUES ('a@b.c', 'Ada')")?;
    /// // ... then the migration under test, through the production run.
    /// db.migrate_to(7)?;
    /// let name: String = db.connect()?.query_one("SELECT display_name FROM users", &[])?.get(0);
    /// assert_eq!(name, "Ada");
    /// # Ok(()) }
    /// ```
    pub fn at(set: &Migrations, version: i64) -> Result<TestDb, TestDbError> {
        TestDb::create(set, Some(version))
    }

    /// [`TestDb::at`] for async tests.
    pub async fn at_async(set: &Migrations, version: i64) -> Result<TestDb, TestDbError> {
        TestDb::create_async(set, Some(version)).await
    }

    fn create(set: &Migrations, at: Option<i64>) -> Result<TestDb, TestDbError> {
        let keeper = keeper()?;
        let (tx, rx) = mpsc::channel();
        keeper
            .requests
            .send(Request::Create {
                set: set.clone(),
                at,
                reply: Reply::Blocking(tx),
            })
            .map_err(|_| TestDbError::KeeperGone)?;
        let name = rx.recv().map_err(|_| TestDbError::KeeperGone)??;
        Ok(TestDb::named(keeper, name, set))
    }

    async fn create_async(set: &Migrations, at: Option<i64>) -> Result<TestDb, TestDbError> {
        let keeper = keeper()?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        keeper
            .requests
            .send(Request::Create {
                set: set.clone(),
                at,
                reply: Reply::Async(tx),
            })
            .map_err(|_| TestDbError::KeeperGone)?;
        let name = rx.await.map_err(|_| TestDbError::KeeperGone)??;
        Ok(TestDb::named(keeper, name, set))
    }

    /// Applies the pending migrations up to and including `version`, as
    /// one batch, through the same run as production (lock, records, lock
    /// waits, checksums); a failing migration's error names its file, the
    /// statement's line and PostgreSQL's SQLSTATE.
    pub fn migrate_to(&self, version: i64) -> Result<Report, TestDbError> {
        let mut client = self.connect()?;
        Migrator::new(&self.set)
            .up_to(&mut client, version)
            .map_err(TestDbError::Run)
    }

    /// Applies every pending migration (and the repeatables), as `up` does.
    pub fn migrate_to_end(&self) -> Result<Report, TestDbError> {
        let mut client = self.connect()?;
        Migrator::new(&self.set)
            .up(&mut client)
            .map_err(TestDbError::Run)
    }

    /// Runs the DOWN sections of every migration newer than `version`,
    /// newest first, as `down --to` does.
    pub fn revert_to(&self, version: i64) -> Result<Report, TestDbError> {
        let mut client = self.connect()?;
        Migrator::new(&self.set)
            .down_to(&mut client, version)
            .map_err(TestDbError::Run)
    }

    /// [`TestDb::migrate_to`] without blocking an async runtime.
    pub async fn migrate_to_async(&self, version: i64) -> Result<Report, TestDbError> {
        let client = self.connect_async().await?;
        Migrator::new(&self.set)
            .up_to_async(&client, version)
            .await
            .map_err(TestDbError::Run)
    }

    /// [`TestDb::migrate_to_end`] without blocking an async runtime.
    pub async fn migrate_to_end_async(&self) -> Result<Report, TestDbError> {
        let client = self.connect_async().await?;
        Migrator::new(&self.set)
            .up_async(&client)
            .await
            .map_err(TestDbError::Run)
    }

    /// [`TestDb::revert_to`] without blocking an async runtime.
    pub async fn revert_to_async(&self, version: i64) -> Result<Report, TestDbError> {
        let client = self.connect_async().await?;
        Migrator::new(&self.set)
            .down_to_async(&client, version)
            .await
            .map_err(TestDbError::Run)
    }

    fn named(keeper: &Keeper, name: String, set: &Migrations) -> TestDb {
        TestDb {
            url: keeper.server.url_for(&name),
            set: set.clone(),
            name,
            keep_on_failure: std::env::var_os("SQLSTRATA_KEEP_FAILED").is_some_and(|v| v != "0"),
        }
    }

    /// Keep the database when the test fails (panics), and print its name;
    /// also set by `SQLSTRATA_KEEP_FAILED=1`.
    pub fn keep_on_failure(mut self) -> Self {
        self.keep_on_failure = true;
        self
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A connection string for it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A blocking connection (not from inside an async runtime: use
    /// [`TestDb::connect_async`] there).
    pub fn connect(&self) -> Result<postgres::Client, TestDbError> {
        postgres::Client::connect(&self.url, postgres::NoTls)
            .map_err(admin_error(format!("connecting to {}", self.name)))
    }

    /// An async connection; its driver task is spawned on the current tokio runtime.
    pub async fn connect_async(&self) -> Result<tokio_postgres::Client, TestDbError> {
        let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .map_err(admin_error(format!("connecting to {}", self.name)))?;
        tokio::spawn(connection);
        Ok(client)
    }

    /// Runs a fixture (SQL statements, `name` for messages) in this database.
    /// `#[sqlstrata::test(fixtures("users"))]` calls it with
    /// `tests/fixtures/users.sql`, checked at compile time.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let db = sqlstrata::testing::TestDb::new(&MIGRATIONS)?;
    /// db.fixture("one user", "INSERT INTO users (email, name, display_name) VALUES ('a@b.c', 'A', 'A')")?;
    /// # Ok(()) }
    /// ```
    pub fn fixture(&self, name: &str, sql: &str) -> Result<(), TestDbError> {
        self.connect()?
            .batch_execute(sql)
            .map_err(admin_error(format!(
                "running the fixture `{name}` in {}",
                self.name
            )))
    }

    /// `#[sqlstrata::test(fixtures(...))]`'s call: the fixture file's
    /// statements (byte ranges and lines, found by the macro with
    /// PostgreSQL's grammar) one by one in a transaction, so that a failing
    /// one is named by its file and line.
    #[doc(hidden)]
    pub fn __fixture_statements(
        &self,
        file: &str,
        sql: &str,
        statements: &[(usize, usize, u32)],
    ) -> Result<(), TestDbError> {
        let mut client = self.connect()?;
        let mut run = || -> Result<(), TestDbError> {
            client
                .batch_execute("BEGIN")
                .map_err(admin_error(format!("running the fixture {file}")))?;
            for (start, end, line) in statements {
                let statement = sql.get(*start..*end).unwrap_or_default();
                client
                    .batch_execute(statement)
                    .map_err(|e| fixture_error(file, *line, &e))?;
            }
            client
                .batch_execute("COMMIT")
                .map_err(admin_error(format!("committing the fixture {file}")))
        };
        let result = run();
        if result.is_err() {
            let _ = client.batch_execute("ROLLBACK");
        }
        result
    }

    /// [`TestDb::__fixture_statements`] without blocking an async runtime.
    #[doc(hidden)]
    pub async fn __fixture_statements_async(
        &self,
        file: &str,
        sql: &str,
        statements: &[(usize, usize, u32)],
    ) -> Result<(), TestDbError> {
        let client = self.connect_async().await?;
        let result = async {
            client
                .batch_execute("BEGIN")
                .await
                .map_err(admin_error(format!("running the fixture {file}")))?;
            for (start, end, line) in statements {
                let statement = sql.get(*start..*end).unwrap_or_default();
                client
                    .batch_execute(statement)
                    .await
                    .map_err(|e| fixture_error(file, *line, &e))?;
            }
            client
                .batch_execute("COMMIT")
                .await
                .map_err(admin_error(format!("committing the fixture {file}")))
        }
        .await;
        if result.is_err() {
            let _ = client.batch_execute("ROLLBACK").await;
        }
        result
    }

    /// [`TestDb::fixture`] without blocking an async runtime.
    pub async fn fixture_async(&self, name: &str, sql: &str) -> Result<(), TestDbError> {
        self.connect_async()
            .await?
            .batch_execute(sql)
            .await
            .map_err(admin_error(format!(
                "running the fixture `{name}` in {}",
                self.name
            )))
    }
}

/// What a sync `#[sqlstrata::test]` can take as its parameter: a
/// [`TestDb`] or a `postgres::Client` connected to it. Dispatch goes through
/// this trait, so a type alias or a re-export of either works.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the parameter of a sync #[sqlstrata::test]",
    label = "take a `sqlstrata::testing::TestDb` or a `postgres::Client`",
    note = "an async test takes a `tokio_postgres::Client` (or a `TestDb`; with sqlstrata's `sqlx` feature, a `sqlx::PgPool` or a `sqlx::PgConnection`)"
)]
pub trait TestArg: Sized {
    /// The parameter, made from the test's database; the database too when
    /// the parameter does not own it (it is dropped after the test).
    fn from_test_db(db: TestDb) -> Result<(Self, Option<TestDb>), TestDbError>;
}

impl TestArg for TestDb {
    fn from_test_db(db: TestDb) -> Result<(Self, Option<TestDb>), TestDbError> {
        Ok((db, None))
    }
}

impl TestArg for postgres::Client {
    fn from_test_db(db: TestDb) -> Result<(Self, Option<TestDb>), TestDbError> {
        Ok((db.connect()?, Some(db)))
    }
}

/// What an async `#[sqlstrata::test]` can take as its parameter: a
/// [`TestDb`] or a `tokio_postgres::Client` connected to it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the parameter of an async #[sqlstrata::test]",
    label = "take a `sqlstrata::testing::TestDb` or a `tokio_postgres::Client`",
    note = "a sync test takes a `postgres::Client` (or a `TestDb`); sqlstrata's `sqlx` feature adds `sqlx::PgPool` and `sqlx::PgConnection`"
)]
pub trait AsyncTestArg: Sized {
    /// See [`TestArg::from_test_db`].
    fn from_test_db(
        db: TestDb,
    ) -> impl std::future::Future<Output = Result<(Self, Option<TestDb>), TestDbError>>;
}

impl AsyncTestArg for TestDb {
    async fn from_test_db(db: TestDb) -> Result<(Self, Option<TestDb>), TestDbError> {
        Ok((db, None))
    }
}

impl AsyncTestArg for tokio_postgres::Client {
    async fn from_test_db(db: TestDb) -> Result<(Self, Option<TestDb>), TestDbError> {
        Ok((db.connect_async().await?, Some(db)))
    }
}

/// With the `sqlx` feature: a pool of the test's database (connections
/// opened as the test asks for them, at most 5).
#[cfg(feature = "sqlx")]
impl AsyncTestArg for sqlx::PgPool {
    async fn from_test_db(db: TestDb) -> Result<(Self, Option<TestDb>), TestDbError> {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(5)
            .connect_with(sqlx_options(db.url())?)
            .await
            .map_err(sqlx_error(format!("connecting a pool to {}", db.name)))?;
        Ok((pool, Some(db)))
    }
}

/// With the `sqlx` feature: one connection to the test's database.
#[cfg(feature = "sqlx")]
impl AsyncTestArg for sqlx::PgConnection {
    async fn from_test_db(db: TestDb) -> Result<(Self, Option<TestDb>), TestDbError> {
        use sqlx::Connection as _;
        let conn = sqlx::PgConnection::connect_with(&sqlx_options(db.url())?)
            .await
            .map_err(sqlx_error(format!("connecting to {}", db.name)))?;
        Ok((conn, Some(db)))
    }
}

/// With the `sqlx` feature: sqlx's options for a connection string of
/// either form libpq reads (`postgres://...` or `host=... dbname=...`,
/// which [`TestDb::url`] is for a local server; sqlx reads only URLs).
///
/// ```no_run
/// # async fn f(db: &sqlstrata::testing::TestDb) -> Result<(), Box<dyn std::error::Error>> {
/// let pool = sqlx::PgPool::connect_with(sqlstrata::testing::sqlx_options(db.url())?).await?;
/// # Ok(()) }
/// ```
#[cfg(feature = "sqlx")]
pub fn sqlx_options(url: &str) -> Result<sqlx::postgres::PgConnectOptions, TestDbError> {
    let config: tokio_postgres::Config =
        url.parse()
            .map_err(|e: tokio_postgres::Error| TestDbError::Database {
                doing: "reading the connection string".into(),
                source: DbError::from_postgres(&e),
            })?;
    let mut options = sqlx::postgres::PgConnectOptions::new_without_pgpass();
    match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => options = options.host(host),
        Some(tokio_postgres::config::Host::Unix(dir)) => options = options.socket(dir),
        None => {}
    }
    if let Some(port) = config.get_ports().first() {
        options = options.port(*port);
    }
    if let Some(user) = config.get_user() {
        options = options.username(user);
    }
    if let Some(password) = config.get_password() {
        options = options.password(&String::from_utf8_lossy(password));
    }
    if let Some(name) = config.get_dbname() {
        options = options.database(name);
    }
    if let Some(name) = config.get_application_name() {
        options = options.application_name(name);
    }
    Ok(options)
}

#[cfg(feature = "sqlx")]
fn sqlx_error(doing: String) -> impl FnOnce(sqlx::Error) -> TestDbError {
    move |e| TestDbError::Database {
        doing,
        source: crate::session::sqlx::db_error(&e),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let keep = self.keep_on_failure && std::thread::panicking();
        let Ok(keeper) = keeper() else { return };
        let (tx, rx) = mpsc::channel();
        let request = Request::Drop {
            name: self.name.clone(),
            keep,
            reply: tx,
        };
        if keeper.requests.send(request).is_ok()
            && let Ok(Some(kept)) = rx.recv()
        {
            eprintln!(
                "sqlstrata: kept the failed test's database `{kept}` for inspection: {}",
                keeper.server.url_for(&kept)
            );
        }
    }
}
