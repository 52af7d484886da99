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
