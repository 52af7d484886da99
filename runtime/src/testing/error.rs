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

/// Why a test database could not be had.
#[derive(Debug, thiserror::Error)]
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
}

pub(crate) fn admin_error(doing: impl Into<String>) -> impl FnOnce(postgres::Error) -> TestDbError {
    let doing = doing.into();
    move |e| TestDbError::Database {
        doing,
        source: DbError::from_postgres(&e),
    }
}
