//! Why a test server or a test database could not be had.

use crate::error::{DbError, Error};

/// Why no server could be had.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// No PostgreSQL binaries were found.
    #[error(
        "no PostgreSQL server binaries (initdb, pg_ctl) found on PATH, through pg_config --bindir, or under /usr/lib/postgresql/*/bin. \
         Install them (Debian/Ubuntu: apt-get install -y postgresql) or set DATABASE_URL to a server where this user may create databases"
    )]
    NoBinaries,
    /// No place has room for the server's data (see the `place` module).
    #[error(
        "no place for the test server's data: each needs {needed_mb} MB free and must be reachable by the server's user. Tried: {tried}. \
         Free some space, or set SQLSTRATA_TEST_DATA_DIR to a directory that has it, or DATABASE_URL to a server where this user may create databases"
    )]
    NoRoom {
        /// Each place tried, and why it did not fit.
        tried: String,
        /// The free space a place needs.
        needed_mb: u64,
    },
    /// A step of starting the server failed.
    #[error("starting the test PostgreSQL server failed while {doing}: {detail}")]
    Start {
        /// The step.
        doing: &'static str,
        /// What it printed.
        detail: String,
    },
}

/// Why a test database could not be had, or a migration in a test failed.
///
/// Its `Debug` is its message, so that `.unwrap()` in a test prints the
/// file, line and SQLSTATE as a sentence.
#[derive(thiserror::Error)]
pub enum TestDbError {
    /// No server.
    #[error("{0}")]
    Server(String),
    /// An administrative statement failed.
    #[error("test database: {doing}: {source}")]
    Database {
        /// What was being done.
        doing: String,
        /// What PostgreSQL said.
        source: Box<DbError>,
    },
    /// The migrations failed while building the template.
    #[error("applying the migrations to the template database failed: {0}")]
    Migrations(Error),
    /// The keeper thread is gone.
    #[error("the test database keeper thread stopped")]
    KeeperGone,
    /// A database at a version the set does not have was asked for.
    #[error("the migration set has no version {version}; its versions are {versions}")]
    UnknownVersion {
        /// The version asked for.
        version: i64,
        /// The set's versions, comma-separated.
        versions: String,
    },
    /// A fixture's statement failed.
    #[error("fixture {file}:{line}: {source}")]
    Fixture {
        /// The fixture's file, as the test names it.
        file: String,
        /// The statement's line in it.
        line: u32,
        /// What PostgreSQL said.
        source: Box<DbError>,
    },
    /// A migration run inside the test failed (`TestDb::migrate_to` and
    /// its kind): the file, the statement's line and PostgreSQL's words.
    #[error("{0}")]
    Run(Error),
}

impl std::fmt::Debug for TestDbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

pub(crate) fn admin_error(doing: impl Into<String>) -> impl FnOnce(postgres::Error) -> TestDbError {
    let doing = doing.into();
    move |e| TestDbError::Database {
        doing,
        source: DbError::from_postgres(&e),
    }
}
