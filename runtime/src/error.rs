//! The runtime's errors: what went wrong, named for the person who reads it.

use std::fmt;

/// PostgreSQL's own account of a failed statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError {
    /// SQLSTATE, e.g. `42P07`.
    pub code: String,
    /// The primary message.
    pub message: String,
    /// DETAIL, if any.
    pub detail: Option<String>,
    /// HINT, if any.
    pub hint: Option<String>,
}

impl DbError {
    pub(crate) fn from_postgres(err: &tokio_postgres::Error) -> Box<Self> {
        Box::new(match err.as_db_error() {
            Some(db) => DbError {
                code: db.code().code().to_string(),
                message: db.message().to_string(),
                detail: db.detail().map(str::to_string),
                hint: db.hint().map(str::to_string),
            },
            None => DbError {
                code: String::new(),
                message: redact(&err.to_string()),
                detail: None,
                hint: None,
            },
        })
    }
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
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A statement of a migration failed.
    #[error("{file}:{line}: {source}")]
    Statement {
        /// The migration file, e.g. `003_add_index.sql`.
        file: String,
        /// The statement's line in that file.
        line: u32,
        /// What PostgreSQL said.
        source: Box<DbError>,
    },
    /// Talking to the database failed outside a migration's statements.
    #[error("database error while {doing}: {source}")]
    Database {
        /// What sqlstrata was doing.
        doing: &'static str,
        /// What PostgreSQL (or the connection) said.
        source: Box<DbError>,
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
    /// A `no-transaction` migration failed part-way earlier.
    #[error(
        "{file} failed part-way in an earlier run (statements before line {line} were applied); fix the database by hand, then run `repair` to clear the failed record"
    )]
    FailedMigration {
        /// The migration file.
        file: String,
        /// The line of the statement that failed.
        line: u32,
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
    /// The lock was not granted in time.
    #[error("another migration run holds the lock on {table}; gave up after {waited_ms} ms")]
    LockTimeout {
        /// The qualified tracking table name.
        table: String,
        /// How long it waited.
        waited_ms: u128,
    },
    /// A target version that is not in the set.
    #[error("version {0} is not in the migration set")]
    UnknownVersion(i64),
}

/// Removes a password from anything that looks like a connection string.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // URL form: scheme://user:password@host
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..colon]);
                out.push_str(":***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    // key=value form: password=secret
    let mut result = String::with_capacity(out.len());
    let mut words = out.split(' ').peekable();
    while let Some(w) = words.next() {
        if let Some((k, _)) = w.split_once('=')
            && k.eq_ignore_ascii_case("password")
        {
            result.push_str("password=***");
        } else {
            result.push_str(w);
        }
        if words.peek().is_some() {
            result.push(' ');
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/x failed"),
            "postgres://app:***@db:5432/x failed"
        );
        assert_eq!(
            redact("host=db user=app password=s3cret dbname=x"),
            "host=db user=app password=*** dbname=x"
        );
        assert_eq!(redact("postgres://db/x"), "postgres://db/x");
    }

    #[test]
    fn errors_from_the_connection_are_redacted() {
        let e = Error::Database {
            doing: "connecting",
            source: Box::new(DbError {
                code: String::new(),
                message: redact("error connecting to postgres://app:s3cret@db/x"),
                detail: None,
                hint: None,
            }),
        };
        assert!(!e.to_string().contains("s3cret"));
        assert!(!format!("{e:?}").contains("s3cret"));
    }
}
