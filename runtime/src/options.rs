//! How a run behaves: the tracking table, transactions, the lock, ordering.

use std::time::Duration;

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

/// Options of a run.
///
/// ```
/// use std::time::Duration;
/// use sqlstrata::{Options, TransactionMode};
///
/// let options = Options::default()
///     .table(Some("app"), "migrations")
///     .transaction_mode(TransactionMode::PerMigration)
///     .lock_timeout(Duration::from_secs(5));
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
    pub lock_timeout: Duration,
    /// Apply pending migrations older than the newest applied one instead
    /// of failing.
    pub out_of_order: bool,
    /// How other runs are kept out.
    pub lock: LockMode,
    /// How long a lease lasts unless renewed (lease mode): how long a runner
    /// that died blocks the next one.
    pub lease_ttl: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tracking: TrackingTable::default(),
            transaction: TransactionMode::Batch,
            lock_timeout: Duration::from_secs(60),
            out_of_order: false,
            lock: LockMode::Advisory,
            lease_ttl: Duration::from_secs(300),
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

    /// Sets how long to wait for the lock.
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
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
}
