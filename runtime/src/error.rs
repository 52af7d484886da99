//! The runtime's errors: what went wrong, named for the person who reads it.

use std::fmt;
use std::time::Duration;

use crate::redact::redact;

/// A privilege the role lacks, and how to give it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Missing {
    /// What it is needed for, and on what.
    pub what: String,
    /// The statement that grants it (run by the object's owner).
    pub grant: String,
}

/// PostgreSQL's own account of a failed statement.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DbError {
    /// SQLSTATE, e.g. `42P07`; empty when the connection failed, not a statement.
    pub code: String,
    /// The primary message.
    pub message: String,
    /// DETAIL, if any.
    pub detail: Option<String>,
    /// HINT, if any.
    pub hint: Option<String>,
}

impl DbError {
    /// What a `postgres` or `tokio-postgres` error says: the server's
    /// code, message, detail and hint, or (a connection's or the client's
    /// error) an empty code and the error's text, passwords masked.
    ///
    /// ```no_run
    /// if let Err(err) = postgres::Client::connect("host=/nowhere dbname=app", postgres::NoTls) {
    ///     let db = sqlstrata::DbError::from_postgres(&err);
    ///     assert!(db.code.is_empty(), "no server answered: {}", db.message);
    /// }
    /// ```
    pub fn from_postgres(err: &tokio_postgres::Error) -> Box<Self> {
        Box::new(match err.as_db_error() {
            Some(db) => DbError {
                code: db.code().code().to_string(),
                message: db.message().to_string(),
                detail: db.detail().map(str::to_string),
                hint: db.hint().map(str::to_string),
            },
            None => DbError {
                code: String::new(),
                message: redact(&describe(err)),
                detail: None,
                hint: None,
            },
        })
    }
}

/// An error and its causes, where the useful part often is (the connection
/// closed, a refused certificate).
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

impl std::error::Error for DbError {}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{} (SQLSTATE {})", self.message, self.code)?;
        }
        if let Some(d) = &self.detail {
            write!(f, "\n  detail: {d}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong when running migrations.
///
/// Each variant's message holds what PostgreSQL said (its `DbError`), so the
/// database error is part of the `Display`, not a separate `source()`: an
/// error report prints it once.
///
/// Its `Debug` is its message too: an error returned from `main` (as
/// `Result<(), sqlstrata::Error>` or a `Box<dyn Error>`) reads as a
/// sentence, not as a struct.
///
/// ```
/// let e = sqlstrata::Error::Irreversible { file: "005_normalise_emails.sql".into() };
/// assert_eq!(format!("{e:?}"), format!("{e}"));
/// assert!(format!("{e:?}").starts_with("cannot roll back 005_normalise_emails.sql"));
/// ```
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A statement of a migration failed.
    #[error("{file}:{line}: {db}")]
    Statement {
        /// The migration file, e.g. `003_add_index.sql`.
        file: String,
        /// The statement's line in that file.
        line: u32,
        /// What PostgreSQL said.
        db: Box<DbError>,
    },
    /// A statement waited too long for a lock (or was a deadlock's victim)
    /// at every attempt until the run's retry budget was spent. Its
    /// transaction was rolled back: what it held was not applied.
    #[error("{}", budget_message(file, *line, *attempts, waited, blockers, db))]
    LockRetriesSpent {
        /// The migration file.
        file: String,
        /// The line of the statement that waited; `None` when it was the
        /// migration's record in the tracking table.
        line: Option<u32>,
        /// How many times it was tried.
        attempts: u32,
        /// How long the run tried.
        waited: Duration,
        /// The sessions that held or waited for locks on what it names, at
        /// the last attempt.
        blockers: Vec<Blocker>,
        /// What PostgreSQL said at the last attempt.
        db: Box<DbError>,
    },
    /// A `CREATE INDEX CONCURRENTLY` would create an index whose name an
    /// `INVALID` index already has (which `IF NOT EXISTS` would accept as
    /// it is). Nothing was run.
    #[error(
        "{file}:{line}: the index {index} exists but is INVALID: a `CREATE INDEX CONCURRENTLY` that failed left it (or one is building it right now), and `IF NOT EXISTS` would take it as it is. Once nothing builds it (pg_stat_progress_create_index), drop it with `DROP INDEX CONCURRENTLY {index};` and run again"
    )]
    InvalidIndex {
        /// The migration file.
        file: String,
        /// The statement's line.
        line: u32,
        /// The invalid index, qualified.
        index: String,
    },
    /// A statement that builds an index concurrently failed and left an
    /// `INVALID` index behind.
    #[error(
        "{file}:{line}: {db}\n  it left the INVALID index {} behind: drop it (`DROP INDEX CONCURRENTLY ...;`) before running the migration again",
        indexes.join(", ")
    )]
    IndexLeftInvalid {
        /// The migration file.
        file: String,
        /// The statement's line.
        line: u32,
        /// What PostgreSQL said.
        db: Box<DbError>,
        /// The invalid indexes it left, qualified.
        indexes: Vec<String>,
    },
    /// A time bound on a statement that must run outside a transaction
    /// block can only be a session setting, which a transaction-pooling
    /// proxy (the reason for the lease lock) would leave on another
    /// client's connection.
    #[error(
        "{file}: its `-- sqlstrata: lock-timeout`/`statement-timeout` would bound a statement that cannot run in a transaction block (such as `CREATE INDEX CONCURRENTLY`), which only a session setting can do; under the lease lock (used behind transaction-pooling proxies) a session setting can land on another client's server connection. Nothing was run: remove the directive, or run with the advisory lock on a direct connection"
    )]
    SessionBoundUnderLease {
        /// The migration file.
        file: String,
    },
    /// The role lacks what the operation needs on the tracking side; asked
    /// before anything ran, so nothing was changed.
    #[error("{}", privileges_message(role, missing))]
    MissingPrivileges {
        /// The role (`current_user`).
        role: String,
        /// What it lacks, each with the statement that grants it.
        missing: Vec<Missing>,
    },
    /// Every statement of a migration ran, but its row in the tracking table
    /// could not be written; nothing of it was committed.
    #[error("{file}: its statements ran, but recording it in the tracking table failed: {db}")]
    Recording {
        /// The migration file.
        file: String,
        /// What PostgreSQL said.
        db: Box<DbError>,
    },
    /// Talking to the database failed outside a migration's statements.
    #[error("database error while {doing}: {db}")]
    Database {
        /// What sqlstrata was doing.
        doing: &'static str,
        /// What PostgreSQL (or the connection) said.
        db: Box<DbError>,
    },
    /// An applied migration's file changed since it was applied.
    #[error(
        "{file} was changed after it was applied (applied checksum {applied}, file checksum {embedded}); restore the file, or run `repair` after reviewing the change"
    )]
    ChecksumMismatch {
        /// The migration file.
        file: String,
        /// The checksum recorded when it was applied.
        applied: String,
        /// The checksum of the file now.
        embedded: String,
    },
    /// A version recorded as applied is not in this set, and is older than
    /// the newest known one.
    #[error(
        "version {version} ({name}) is applied in the database but missing from the migration set"
    )]
    MissingMigration {
        /// The missing version.
        version: i64,
        /// Its name as recorded.
        name: String,
    },
    /// A pending migration is older than the newest applied one.
    #[error(
        "{file} is pending but older than the newest applied version {newest}; allow out-of-order migrations to apply it"
    )]
    OutOfOrder {
        /// The pending file.
        file: String,
        /// The newest applied version.
        newest: i64,
    },
    /// A `no-transaction` migration failed part-way, or was interrupted, in
    /// an earlier run: the database is between two states that only a person
    /// can sort out.
    #[error("{}", failed_message(file, *line, *down))]
    FailedMigration {
        /// The migration file.
        file: String,
        /// The line of the statement that failed; `None` when the run was
        /// interrupted (the process or its connection died).
        line: Option<u32>,
        /// Whether it was the DOWN section (a rollback) that did not finish.
        down: bool,
    },
    /// `up --phase post` while a regular migration older than a post-deploy
    /// one is pending: the deploy's first phase has not run.
    #[error(
        "{file} is pending and older than the post-deploy migration {post_deploy}: run the deploy's first phase (`up --phase pre`) before its post-deploy phase; nothing was applied"
    )]
    RegularPending {
        /// The pending regular migration.
        file: String,
        /// The post-deploy migration after it.
        post_deploy: String,
    },
    /// A rollback would cross a migration without DOWN section.
    #[error("cannot roll back {file}: it is irreversible (no DOWN section); nothing was changed")]
    Irreversible {
        /// The irreversible migration.
        file: String,
    },
    /// The tracking table exists with other columns.
    #[error(
        "table {table} exists but is not a sqlstrata tracking table (it has columns {columns}); it was not changed. Choose another table name"
    )]
    ForeignTrackingTable {
        /// The qualified table name.
        table: String,
        /// The columns it has.
        columns: String,
    },
    /// The tracking table's name cannot be used.
    #[error("cannot use {table} as the tracking table: {reason}")]
    InvalidTrackingTable {
        /// The name as given.
        table: String,
        /// Why not.
        reason: String,
    },
    /// No schema was given and the database has several sqlstrata histories
    /// of that name, none in the current schema.
    #[error(
        "the database has several sqlstrata tracking tables named `{table}` (in schemas {}) and none in the current schema; say which with the schema option (--schema)",
        schemas.join(", ")
    )]
    AmbiguousTrackingTable {
        /// The table name.
        table: String,
        /// The schemas that hold one.
        schemas: Vec<String>,
    },
    /// No schema was given, none exists yet, and the connection has no
    /// current schema to create the table in.
    #[error(
        "no schema to create the tracking table `{table}` in: the connection's search_path names no existing schema; give one with the schema option (--schema)"
    )]
    NoSchema {
        /// The table name.
        table: String,
    },
    /// The lock was not granted in time.
    #[error(
        "another migration run holds the lock on {table}{}; gave up after {:.1} s",
        holder.as_deref().map(|h| format!(" ({h})")).unwrap_or_default(),
        waited.as_secs_f64()
    )]
    LockTimeout {
        /// The qualified tracking table name.
        table: String,
        /// How long it waited.
        waited: Duration,
        /// Who holds it, when the server says.
        holder: Option<String>,
    },
    /// This role may not use advisory locks.
    #[error(
        "cannot take an advisory lock: {db}. Use the lease lock instead (--lock lease, SQLSTRATA_LOCK=lease, Options::lock_mode(LockMode::Lease)): it needs only a table"
    )]
    AdvisoryLocksUnavailable {
        /// What PostgreSQL said.
        db: Box<DbError>,
    },
    /// The run's lease expired and another run took it (lease mode): this
    /// run stopped, since another may be working now.
    #[error(
        "the lease in {table} expired during this run and another run took it; this run stopped. Raise the lease's time to live (--lease-ttl, Options::lease_ttl) above the longest migration transaction"
    )]
    LeaseLost {
        /// The lease table.
        table: String,
    },
    /// A target version that is not in the set.
    #[error("version {0} is not in the migration set")]
    UnknownVersion(i64),
    /// `verify` needs an empty database and this one is not.
    #[error(
        "verify needs an empty database (it applies, undoes and applies every migration), and this one already has {}",
        objects.join(", ")
    )]
    NotEmpty {
        /// Some of what it has.
        objects: Vec<String>,
    },
    /// A database that applied only part of what a squashed baseline
    /// replaces: neither the baseline nor what follows it can run there.
    #[error(
        "{file} squashes migrations this database applied only in part: it lacks {}. Deploy the release from before the squash first (it still has those files), then this one",
        lacking.iter().map(|v| format!("{v:03}")).collect::<Vec<_>>().join(", ")
    )]
    PartialSquash {
        /// The baseline.
        file: String,
        /// The squashed versions it never applied.
        lacking: Vec<i64>,
    },
    /// `adopt` writes a history only into an empty tracking table.
    #[error(
        "{table} already records {rows} migration(s): adopt writes another tool's history only into an empty tracking table"
    )]
    HistoryNotEmpty {
        /// The tracking table.
        table: String,
        /// How many rows it has.
        rows: i64,
    },
}

fn privileges_message(role: &str, missing: &[Missing]) -> String {
    let mut text =
        format!("the role `{role}` may not do what this needs, so nothing was changed; it lacks:");
    for m in missing {
        text.push_str(&format!("\n  - {}\n    {}", m.what, m.grant));
    }
    text
}

fn budget_message(
    file: &str,
    line: Option<u32>,
    attempts: u32,
    waited: &Duration,
    blockers: &[Blocker],
    db: &DbError,
) -> String {
    let at = match line {
        Some(l) => format!("{file}:{l}"),
        None => format!("{file} (its record in the tracking table)"),
    };
    let mut text = format!(
        "{at}: gave up after {attempts} attempt(s) in {:.1} s, each ended by a lock wait: {db}\n  nothing of the transaction it was in was applied (the database is as it was before it)",
        waited.as_secs_f64()
    );
    if blockers.is_empty() {
        text.push_str("\n  no session held a lock on what it names when it gave up");
    }
    for b in blockers {
        text.push_str(&format!("\n  blocked by {b}"));
    }
    text.push_str(
        "\n  run again once they are done, end them (SELECT pg_terminate_backend(pid)), or wait longer (--statement-lock-timeout, --lock-retry-budget, `-- sqlstrata: lock-timeout ...`)",
    );
    text
}

fn failed_message(file: &str, line: Option<u32>, down: bool) -> String {
    let (what, before, fix) = if down {
        (
            format!("rolling back {file}"),
            "its DOWN statements",
            "restore what they undid (or finish undoing it and delete the row), then run `repair`, which records the migration as applied again",
        )
    } else {
        (
            file.to_string(),
            "its statements",
            "undo what they applied by hand, then run `repair`, which forgets the attempt so the migration runs again",
        )
    };
    match line {
        Some(line) => format!(
            "{what} failed part-way in an earlier run (outside a transaction, {before} before line {line} were applied); {fix}"
        ),
        None => format!(
            "{what} was interrupted in an earlier run (the process or its connection died while {before} ran one by one outside a transaction; some may have been applied); {fix}"
        ),
    }
}

impl Error {
    /// Maps a driver error met while `doing` something to
    /// [`Error::Database`], for `map_err`.
    pub(crate) fn database(doing: &'static str) -> impl Fn(Box<DbError>) -> Error {
        move |db| Error::Database { doing, db }
    }

    /// PostgreSQL's SQLSTATE, when the error comes from the server: match on
    /// `40P01` (deadlock), `55P03` (lock not available), `57014` (canceled).
    ///
    /// ```
    /// # fn check(e: sqlstrata::Error) {
    /// if e.sql_state() == Some("55P03") {
    ///     // a lock timeout inside a migration: retry later
    /// }
    /// # }
    /// ```
    pub fn sql_state(&self) -> Option<&str> {
        match self {
            Error::Statement { db, .. }
            | Error::Recording { db, .. }
            | Error::Database { db, .. }
            | Error::LockRetriesSpent { db, .. }
            | Error::IndexLeftInvalid { db, .. }
            | Error::AdvisoryLocksUnavailable { db } => {
                Some(db.code.as_str()).filter(|c| !c.is_empty())
            }
            _ => None,
        }
    }

    /// The migration file the error is about, if any.
    pub fn file(&self) -> Option<&str> {
        match self {
            Error::Statement { file, .. }
            | Error::Recording { file, .. }
            | Error::ChecksumMismatch { file, .. }
            | Error::OutOfOrder { file, .. }
            | Error::FailedMigration { file, .. }
            | Error::LockRetriesSpent { file, .. }
            | Error::InvalidIndex { file, .. }
            | Error::IndexLeftInvalid { file, .. }
            | Error::SessionBoundUnderLease { file }
            | Error::Irreversible { file }
            | Error::RegularPending { file, .. } => Some(file),
            _ => None,
        }
    }

    /// The line of the statement that failed, if the error names one.
    pub fn line(&self) -> Option<u32> {
        match self {
            Error::Statement { line, .. }
            | Error::InvalidIndex { line, .. }
            | Error::IndexLeftInvalid { line, .. } => Some(*line),
            Error::FailedMigration { line, .. } | Error::LockRetriesSpent { line, .. } => *line,
            _ => None,
        }
    }

    /// PostgreSQL's account, when the error comes from the server.
    pub fn db_error(&self) -> Option<&DbError> {
        match self {
            Error::Statement { db, .. }
            | Error::Recording { db, .. }
            | Error::Database { db, .. }
            | Error::LockRetriesSpent { db, .. }
            | Error::IndexLeftInvalid { db, .. }
            | Error::AdvisoryLocksUnavailable { db } => Some(db),
            _ => None,
        }
    }
}

/// A session that held or waited for a lock a statement needed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Blocker {
    /// Its backend's process id (`pg_terminate_backend(pid)` ends it).
    pub pid: i32,
    /// The role it logged in as.
    pub user: String,
    /// Its `application_name`.
    pub application: String,
    /// `active`, `idle in transaction`, ...
    pub state: String,
    /// How long its transaction has been open, when it is in one.
    pub transaction_age: Option<Duration>,
    /// Its current (or last) query, on one line, cut to 120 characters.
    pub query: String,
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pid {} (user {}, application `{}`, {}",
            self.pid,
            self.user,
            if self.application.is_empty() {
                "-"
            } else {
                &self.application
            },
            self.state
        )?;
        if let Some(age) = self.transaction_age {
            write!(f, ", transaction open {:.1}s", age.as_secs_f64())?;
        }
        write!(f, "): {}", self.query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(code: &str) -> Box<DbError> {
        Box::new(DbError {
            code: code.into(),
            message: "relation \"nowhere\" does not exist".into(),
            detail: None,
            hint: Some("create it".into()),
        })
    }

    #[test]
    fn the_database_error_is_shown_once() {
        let e = Error::Statement {
            file: "004_m4.sql".into(),
            line: 3,
            db: db("42P01"),
        };
        let text = e.to_string();
        assert_eq!(
            text,
            "004_m4.sql:3: relation \"nowhere\" does not exist (SQLSTATE 42P01)\n  hint: create it"
        );
        assert!(
            std::error::Error::source(&e).is_none(),
            "not printed twice by a report"
        );
        assert_eq!(
            (e.sql_state(), e.file(), e.line()),
            (Some("42P01"), Some("004_m4.sql"), Some(3))
        );
    }

    #[test]
    fn a_failure_says_what_to_do() {
        let up = Error::FailedMigration {
            file: "002_x.sql".into(),
            line: None,
            down: false,
        };
        assert!(up.to_string().contains("interrupted"));
        assert!(up.to_string().contains("repair"));
        let down = Error::FailedMigration {
            file: "002_x.sql".into(),
            line: Some(4),
            down: true,
        };
        assert!(
            down.to_string()
                .starts_with("rolling back 002_x.sql failed part-way")
        );
        assert_eq!(down.line(), Some(4));
    }

    #[test]
    fn errors_from_the_connection_are_redacted() {
        let e = Error::Database {
            doing: "connecting",
            db: Box::new(DbError {
                code: String::new(),
                message: redact("error connecting to postgres://app:s3cret@db/x"),
                detail: None,
                hint: None,
            }),
        };
        assert!(!e.to_string().contains("s3cret"));
        assert!(!format!("{e:?}").contains("s3cret"));
        assert_eq!(e.sql_state(), None);
    }
}
