//! The migration *source* model of sqlstrata.
//!
//! This crate reads a folder of `NNN_name.sql` files and decides everything
//! that can be wrong with them: file names, `-- UP` / `-- DOWN` sections,
//! headers, directives, statement splitting with line numbers, validation
//! with sqlparser's PostgreSQL dialect, lints and checksums. It touches no
//! database and no proc-macro types: the `migrations!()` macro calls it at
//! compile time and the CLI at run time, so both say the same thing.
//!
//! ```
//! use sqlstrata_core::{naming::parse_file_name, migration::read_migration};
//!
//! let name = parse_file_name("002_add_avatar.sql").unwrap();
//! let sql = "-- UP\nALTER TABLE users ADD COLUMN avatar_url TEXT;\n-- DOWN\nALTER TABLE users DROP COLUMN avatar_url;\n";
//! let (migration, diagnostics) = read_migration("migrations/002_add_avatar.sql", &name, "002_add_avatar.sql", sql);
//! assert!(diagnostics.is_empty());
//! assert_eq!(migration.unwrap().migration.up()[0].line(), 2);
//!
//! let bad = "-- UP\nALTER TABLE users ADD COLUM avatar_url TEXT;\n";
//! let (migration, diagnostics) = read_migration("migrations/002_add_avatar.sql", &name, "002_add_avatar.sql", bad);
//! assert!(migration.is_none());
//! assert!(diagnostics[0].to_string().starts_with("migrations/002_add_avatar.sql:2:"));
//! ```

#![warn(missing_docs)]

mod cache;
pub mod checksum;
pub mod config;
pub mod diagnostic;
pub mod directives;
pub mod folder;
pub mod grammar;
pub mod lex;
pub mod migration;
pub mod naming;
pub mod rules;
pub mod schema;
pub mod sections;
pub mod split;
pub mod validate;

pub use diagnostic::{Diagnostic, Severity};
pub use folder::{Folder, read_folder, read_folder_cached};
pub use migration::{Checked, SourceMigration};
pub use sqlstrata_model::{
    Bounds, Migration, MigrationParts, Migrations, RunSettings, Statement, StatementKind,
    applied_digest, embedded,
};
