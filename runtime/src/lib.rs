//! sqlstrata: PostgreSQL schema migrations checked at compile time and
//! applied with batch tracking.
//!
//! ```
//! static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
//! # fn main() {
//! for m in &MIGRATIONS {
//!     println!("{} {} ({} statements)", m.version(), m.name(), m.up().len());
//! }
//! # }
//! ```

#![warn(missing_docs)]

pub mod embedded;

pub use embedded::{Migration, MigrationParts, Migrations, Statement};

/// Embeds a folder of migrations, checked at compile time.
///
/// The path is resolved against the calling crate's `CARGO_MANIFEST_DIR`;
/// with no argument it is `"migrations"`. Every `.sql` file is read, split
/// into statements and parsed with sqlparser's PostgreSQL dialect; every
/// problem in the folder becomes a compile error naming `file:line:column`.
///
/// Cargo rebuilds the crate when an embedded file changes or is removed. To
/// rebuild when a file is *added*, put one line in the crate's `build.rs`:
/// `println!("cargo:rerun-if-changed=migrations");`.
///
/// ```
/// static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
/// ```
pub use sqlstrata_macros::migrations;
