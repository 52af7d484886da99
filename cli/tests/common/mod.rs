//! What every test of the binary shares.

use std::process::Command;

/// The `sqlstrata` binary with none of the caller's connection settings or
/// color preference: each test says what it means.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sqlstrata"));
    for var in [
        "DATABASE_URL",
        "PGHOST",
        "PGDATABASE",
        "PGUSER",
        "PGPORT",
        "PGPASSWORD",
        "PGPASSFILE",
        "PGAPPNAME",
        "PGOPTIONS",
        "PGCONNECT_TIMEOUT",
        "PGSSLMODE",
        "PGSSLROOTCERT",
        "NO_COLOR",
    ] {
        c.env_remove(var);
    }
    c
}
