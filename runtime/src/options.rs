//! How a run behaves: the tracking table, transactions, the lock, ordering,
//! and the time bounds of every statement.

use std::time::Duration;

use sqlstrata_model::{Bounds, Migration, Migrations, Statement};

/// How long each migration statement may wait for a lock unless something
/// says otherwise (PostgreSQL's `lock_timeout`): the longest the
/// application's queries queue behind a migration that waits.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a run keeps retrying transactions whose statements waited too
/// long for a lock, unless something says otherwise.
pub const DEFAULT_LOCK_RETRY_BUDGET: Duration = Duration::from_secs(300);

/// Where migrations are recorded. Identifiers are always quoted. Set it with
/// [`Options::table`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrackingTable {
    /// The schema; `None` means the connection's current schema.
    pub schema: Option<String>,
    /// The table name, `schema_migrations` by default.
    pub name: String,
}

impl Default for TrackingTable {
    fn default() -> Self {
        TrackingTable {
            schema: None,
            name: "schema_migrations".to_string(),
        }
    }
}

impl TrackingTable {
    /// The quoted, qualified name, e.g. `"public"."schema_migrations"`.
    pub fn qualified(&self) -> String {
        match &self.schema {
            Some(s) => format!("{}.{}", quote_ident(s), quote_ident(&self.name)),
            None => quote_ident(&self.name),
        }
    }
}

/// `"name"` with inner quotes doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `'text'` with inner quotes doubled (standard_conforming_strings is on).
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// How a run keeps other runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LockMode {
    /// A session-level advisory lock (`pg_try_advisory_lock`): nothing to
    /// clean up if the runner dies, but it needs a stable session, so not
    /// behind a transaction-pooling proxy, and the advisory functions.
    #[default]
    Advisory,
    /// A lease: a row in a small table beside the tracking table (owner,
    /// acquired, expires), taken and renewed in short transactions of its
    /// own. Needs no session state and no advisory functions: for PgBouncer
    /// in transaction mode and engines without advisory locks. A runner that
    /// dies holds it until it expires ([`Options::lease_ttl`]).
    Lease,
}

impl LockMode {
    /// Reads `advisory` or `lease` (as `--lock` and `SQLSTRATA_LOCK` do).
    ///
    /// ```
    /// assert_eq!(sqlstrata::LockMode::parse("lease"), Some(sqlstrata::LockMode::Lease));
    /// assert_eq!(sqlstrata::LockMode::parse("both"), None);
    /// ```
    pub fn parse(text: &str) -> Option<LockMode> {
        match text {
            "advisory" => Some(LockMode::Advisory),
            "lease" => Some(LockMode::Lease),
            _ => None,
        }
    }
}

/// How transactions wrap a run; set it with [`Options::transaction_mode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TransactionMode {
    /// One transaction for the whole batch: all or nothing. A
    /// `no-transaction` migration is a commit point inside it.
    #[default]
    Batch,
    /// One transaction per migration.
    PerMigration,
}

/// Which migrations `up` applies: every pending one, or one phase of a
/// two-phase deploy (see [`crate::Migration::is_post_deploy`]).
///
/// ```
/// use sqlstrata::{Options, Phase};
/// // Before the new code starts: everything but post-deploy migrations.
/// let pre = Options::default().phase(Phase::Pre);
/// // Once the new code serves every request: the post-deploy ones.
/// let post = Options::default().phase(Phase::Post);
/// assert_ne!(pre, post);
/// assert_eq!(Options::default().phase, Phase::All);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Phase {
    /// Every pending migration, in version order (development, tests, a
    /// deploy that can stop the application).
    #[default]
    All,
    /// Every pending migration but the post-deploy ones, which stay
    /// pending (neither drift nor out of order), and the repeatables: what
    /// runs before the new code starts.
    Pre,
    /// The pending post-deploy migrations, in version order, once the new
    /// code serves every request; refused while a regular migration older
    /// than one of them is pending.
    Post,
}

impl Phase {
    /// Its name, as the command line takes it (`all`, `pre`, `post`).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::All => "all",
            Phase::Pre => "pre",
            Phase::Post => "post",
        }
    }

    /// Whether `up` in this phase applies `m` when it is pending.
    ///
    /// ```
    /// use sqlstrata::{Migration, MigrationParts, Phase};
    /// let contract = Migration::new(MigrationParts { version: 3, post_deploy: true, ..Default::default() });
    /// assert!(Phase::Post.includes(&contract) && Phase::All.includes(&contract));
    /// assert!(!Phase::Pre.includes(&contract));
    /// ```
    pub fn includes(self, m: &Migration) -> bool {
        match self {
            Phase::All => true,
            Phase::Pre => !m.is_post_deploy(),
            Phase::Post => m.is_post_deploy(),
        }
    }
}

/// Options of a run.
///
/// ```
/// use std::time::Duration;
/// use sqlstrata::{Options, TransactionMode};
///
/// let options = Options::default()
///     .table(Some("app"), "migrations")
///     .transaction_mode(TransactionMode::PerMigration)
///     .runner_timeout(Duration::from_secs(5))
///     .statement_lock_timeout(Duration::from_millis(500))
///     .statement_timeout(Duration::from_secs(600))
///     .lock_retry_budget(Duration::from_secs(120));
/// assert_eq!(options.tracking.qualified(), "\"app\".\"migrations\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The tracking table.
    pub tracking: TrackingTable,
    /// Transactions.
    pub transaction: TransactionMode,
    /// How long to wait for another runner's lock.
    pub runner_timeout: Duration,
    /// The time bounds of every migration statement that its migration does
    /// not set itself; what these leave open comes from the set's
    /// `sqlstrata.toml`, then the defaults ([`DEFAULT_LOCK_TIMEOUT`], no
    /// statement time-out).
    pub bounds: Bounds,
    /// How long a run keeps retrying a transaction whose statement waited
    /// too long for a lock (or was a deadlock's victim); `None`: the set's
    /// `sqlstrata.toml`, else [`DEFAULT_LOCK_RETRY_BUDGET`].
    pub lock_retry_budget: Option<Duration>,
    /// Apply pending migrations older than the newest applied one instead
    /// of failing.
    pub out_of_order: bool,
    /// How other runs are kept out.
    pub lock: LockMode,
    /// How long a lease lasts unless renewed (lease mode): how long a runner
    /// that died blocks the next one.
    pub lease_ttl: Duration,
    /// Which pending migrations `up` applies (and `status --pending`
    /// counts): all of them, or one phase of a two-phase deploy.
    pub phase: Phase,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tracking: TrackingTable::default(),
            transaction: TransactionMode::Batch,
            runner_timeout: Duration::from_secs(60),
            bounds: Bounds::default(),
            lock_retry_budget: None,
            out_of_order: false,
            lock: LockMode::Advisory,
            lease_ttl: Duration::from_secs(300),
            phase: Phase::All,
        }
    }
}

impl Options {
    /// Sets the tracking table.
    pub fn table(mut self, schema: Option<&str>, name: &str) -> Self {
        self.tracking = TrackingTable {
            schema: schema.map(str::to_string),
            name: name.to_string(),
        };
        self
    }

    /// Sets the transaction mode.
    pub fn transaction_mode(mut self, mode: TransactionMode) -> Self {
        self.transaction = mode;
        self
    }

    /// Sets how long to wait for another runner's lock.
    pub fn runner_timeout(mut self, timeout: Duration) -> Self {
        self.runner_timeout = timeout;
        self
    }

    /// Sets how long to wait for another runner's lock.
    #[deprecated(
        note = "renamed `runner_timeout`: PostgreSQL's lock_timeout of each statement is `statement_lock_timeout`"
    )]
    pub fn lock_timeout(self, timeout: Duration) -> Self {
        self.runner_timeout(timeout)
    }

    /// Sets how long each migration statement may wait for a lock
    /// (PostgreSQL's `lock_timeout`; zero: no bound). A statement that waits
    /// longer is cancelled and its transaction retried after a pause.
    pub fn statement_lock_timeout(mut self, timeout: Duration) -> Self {
        self.bounds.lock_timeout = Some(timeout);
        self
    }

    /// Sets how long each migration statement may run (PostgreSQL's
    /// `statement_timeout`; zero: no bound, the default).
    pub fn statement_timeout(mut self, timeout: Duration) -> Self {
        self.bounds.statement_timeout = Some(timeout);
        self
    }

    /// Sets how long a run keeps retrying after lock time-outs and
    /// deadlocks before it gives up.
    pub fn lock_retry_budget(mut self, budget: Duration) -> Self {
        self.lock_retry_budget = Some(budget);
        self
    }

    /// The bounds the statements of `m` (of `set`) run with: its own
    /// directives, then these options, then the set's `sqlstrata.toml`, then
    /// the defaults. A statement PostgreSQL refuses inside a transaction
    /// block (`CREATE INDEX CONCURRENTLY`, ...) waits for other transactions
    /// by design, so only its migration's own directives bound it.
    pub(crate) fn bounds_of(&self, set: &Migrations, m: &Migration, s: &Statement) -> Bounds {
        if s.kind().refuses_transaction() {
            return m.bounds();
        }
        m.bounds().or(self.run_bounds(set))
    }

    /// The bounds of the run's own statements and of migrations that set
    /// none: these options, the set's settings, the defaults.
    pub(crate) fn run_bounds(&self, set: &Migrations) -> Bounds {
        self.bounds.or(set.settings().bounds).or(Bounds {
            lock_timeout: Some(DEFAULT_LOCK_TIMEOUT),
            statement_timeout: Some(Duration::ZERO),
        })
    }

    /// The retry budget: these options, the set's settings, the default.
    pub(crate) fn retry_budget(&self, set: &Migrations) -> Duration {
        self.lock_retry_budget
            .or(set.settings().lock_retry_budget)
            .unwrap_or(DEFAULT_LOCK_RETRY_BUDGET)
    }

    /// Sets how other runs are kept out.
    pub fn lock_mode(mut self, mode: LockMode) -> Self {
        self.lock = mode;
        self
    }

    /// Sets how long a lease lasts unless renewed (at least a second).
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_secs(1));
        self
    }

    /// Allows out-of-order migrations.
    pub fn out_of_order(mut self, allow: bool) -> Self {
        self.out_of_order = allow;
        self
    }

    /// Sets which pending migrations `up` applies (see [`Phase`]).
    pub fn phase(mut self, phase: Phase) -> Self {
        self.phase = phase;
        self
    }
}
