//! Testing support (feature `testing`): a PostgreSQL server with no setup,
//! and fresh, migrated, throwaway databases cloned from a template.
//!
//! ```no_run
//! static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
//!
//! #[sqlstrata::test(migrations = MIGRATIONS)]
//! fn users_start_empty(mut client: postgres::Client) {
//!     let n: i64 = client.query_one("SELECT count(*) FROM users", &[]).unwrap().get(0);
//!     assert_eq!(n, 0);
//! }
//! # fn main() {}
//! ```
//!
//! Its rooms: `server` (the server: `DATABASE_URL`, or one started from
//! the machine's binaries), `shared` (one server shared by a run's test
//! binaries), `place` (where its data goes), `binaries` (initdb and
//! pg_ctl, run as the right user), `testdb` (a database per test, cloned),
//! `templates` (the template per set, and their sweep), `error`. It applies
//! migrations only through [`Migrator`](crate::Migrator), like production,
//! and nothing outside this room uses it.

mod binaries;
mod error;
mod place;
mod server;
mod shared;
mod templates;
mod testdb;

pub use error::{ServerError, TestDbError};
pub use server::{LocalServer, Server};
pub use templates::{SweepPolicy, sweep_templates};
#[cfg(feature = "sqlx")]
pub use testdb::sqlx_options;
pub use testdb::{AsyncTestArg, CloneStrategy, TestArg, TestDb};
