//! Workspace-level tests of sqlstrata live in `tests/`; this library holds
//! the example set so every test binary shares one embedding of it.

/// The example `migrations/` folder, embedded.
pub static EXAMPLE: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
