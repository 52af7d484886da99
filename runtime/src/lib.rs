//! sqlstrata: PostgreSQL schema migrations checked at compile time and
//! applied with batch tracking.
//!
//! [`migrations!`] embeds a folder of `NNN_name.sql` files, checked when the
//! crate builds; a [`Migrator`] applies them to a real database (`up` makes
//! one batch, `rollback` undoes the last one), sync or async, under an
//! advisory lock, with every drift check made before anything runs.
//!
//! ```
//! static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
//! # fn main() {
//! for m in &MIGRATIONS {
//!     println!("{} {} ({} statements)", m.version(), m.name(), m.up().len());
//! }
//! # }
//! ```
//!
//! # Tracing
//!
//! With the `tracing` feature (off by default; without it, no cost), a run
//! reports to [`tracing`](https://docs.rs/tracing), all with target
//! `sqlstrata`:
//!
//! | name | kind | fields |
//! | --- | --- | --- |
//! | `sqlstrata.run` | span, INFO | `operation`, `table` |
//! | `sqlstrata.migration` | span, INFO | `version`, `file`, `direction` (`up`/`down`) |
//! | lock | event, INFO | `mode` (`advisory`/`lease`), `waited_ms` |
//! | statement | event, DEBUG | `file`, `line`, `duration_ms` |
//! | committed | event, INFO | `migrations` (how many the transaction held) |
//! | lock wait | event, WARN | `file`, `line`, `attempt`, `deadlock`, `retry_in_ms`, `blockers` (pids) |
//!
//! The `sqlstrata` command line prints them with `-v` (INFO) and `-vv`
//! (DEBUG).

#![warn(missing_docs)]

mod error;
pub mod fleet;
mod history;
mod inspect;
mod migrator;
mod options;
mod plan;
mod redact;
mod report;
mod run;
mod session;
#[cfg(feature = "testing")]
pub mod testing;

pub use inspect::{drift, verify};

pub use error::{Blocker, DbError, Error, Missing};
pub use history::adopt::AdoptedRow;
pub use migrator::Migrator;
pub use options::{
    DEFAULT_LOCK_RETRY_BUDGET, DEFAULT_LOCK_TIMEOUT, LockMode, Options, Phase, TrackingTable,
    TransactionMode,
};
pub use plan::{Operation, State, StatusEntry};
pub use redact::{redact, redact_with};
pub use report::{Action, Done, Gave, LockWait, Report, Starting};
pub use session::client::AsyncClient;
pub use sqlstrata_model::{
    Bounds, Migration, MigrationParts, Migrations, RunSettings, Statement, StatementKind,
};

/// Embeds a folder of migrations, checked at compile time.
///
/// The path is resolved against the calling crate's `CARGO_MANIFEST_DIR`;
/// with no argument it is `"migrations"`. Every `.sql` file is read, split
/// into statements where PostgreSQL's grammar ends them, and parsed with it;
/// every problem in the folder becomes a compile error naming
/// `file:line:column`, and every lint a compiler warning (settings in the
/// folder's `sqlstrata.toml`).
///
/// Cargo rebuilds the crate when an embedded file changes or is removed. To
/// rebuild when a file is *added*, put one line in the crate's `build.rs`:
/// `println!("cargo:rerun-if-changed=migrations");`.
///
/// ```
/// static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
/// ```
pub use sqlstrata_macros::migrations;

/// A test that gets a fresh database with every migration applied (feature
/// `testing`). The parameter is a `sqlstrata::testing::TestDb`, a
/// `postgres::Client` (sync tests) or a `tokio_postgres::Client` (async
/// tests; with the `sqlx` feature also a `sqlx::PgPool` or a
/// `sqlx::PgConnection`); the set is `crate::MIGRATIONS` unless given as
/// `#[sqlstrata::test(migrations = path::TO::SET)]`.
///
/// `at = V` gives a database with the migrations up to and including V
/// applied and nothing after ([`testing::TestDb::at`]), to test a
/// migration against rows; a V the set (a `static` made by
/// [`migrations!`]) does not have is a compile error listing those it has.
/// `fixtures("name", ...)` loads `tests/fixtures/name.sql` (or
/// `fixtures_dir = "..."`) first, at the test's version.
///
/// ```no_run
/// static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
///
/// #[sqlstrata::test(migrations = MIGRATIONS)]
/// async fn posts_start_empty(client: tokio_postgres::Client) {
///     let row = client.query_one("SELECT count(*) FROM posts", &[]).await.unwrap();
///     assert_eq!(row.get::<_, i64>(0), 0);
/// }
/// # fn main() {}
/// ```
#[cfg(feature = "testing")]
pub use sqlstrata_macros::test;

#[doc(hidden)]
pub mod __private {
    pub use sqlstrata_model::embedded::assert_lengths;
    pub use sqlstrata_model::{Bounds, RunSettings, StaticMigration};
    pub use std::borrow::Cow;
    pub use std::sync::OnceLock;
    pub use std::vec::Vec;
    #[cfg(feature = "testing")]
    pub use tokio;
}
