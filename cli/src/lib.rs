//! sqlstrata-cli: every command line of sqlstrata, as a library and the
//! `sqlstrata` binary.
//!
//! Two halves, chosen by features:
//!
//! - **The commands over an embedded set** (always): `up`, `rollback`,
//!   `down`, `reset`, `refresh`, `status`, `verify`, `drift`, `repair`,
//!   `baseline`, `wait`, `dump`, fleets. [`run`] and [`run_from`] take the
//!   set a `sqlstrata::migrations!()` embedded; nothing here parses SQL, so
//!   an application that carries its CLI links neither sqlparser nor
//!   PostgreSQL's grammar. Use it with `default-features = false`.
//! - **The commands over a folder** (feature `folder`, on by default):
//!   `check`, `create`, `import`, `adopt`, `squash`, `init`, and the run
//!   commands over a folder read at run time, with exactly the
//!   diagnostics of the macro ([`main`], the `sqlstrata` binary).
//!
//! An application binary can carry its migrations and their CLI, so that
//! `myapp migrate status` works in a container with no folder:
//!
//! ```no_run
//! static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
//!
//! fn main() -> std::process::ExitCode {
//!     let mut args = std::env::args_os();
//!     let program = args.next().unwrap_or_default();
//!     match args.next() {
//!         // `myapp migrate <command>`: the sqlstrata commands.
//!         Some(word) if word == "migrate" => sqlstrata_cli::run_from(std::iter::once(program).chain(args), &MIGRATIONS),
//!         _ => std::process::ExitCode::SUCCESS, // the application itself
//!     }
//! }
//! ```
//!

#![warn(missing_docs)]

mod args;
mod commands;
pub mod config;
pub mod connect;
mod dump;
mod fleet;
mod output;
mod pgpass;
mod progress;
mod scratch;

#[cfg(feature = "folder")]
mod adopt;
#[cfg(feature = "folder")]
mod folder;
#[cfg(feature = "folder")]
mod import;
#[cfg(feature = "folder")]
mod scaffold;
#[cfg(feature = "folder")]
mod schema;
#[cfg(feature = "folder")]
mod squash;

use std::process::ExitCode;

use clap::Parser;
use sqlstrata::Migrations;

use args::Embedded;
use commands::execute;

#[cfg(feature = "folder")]
pub use folder::main;

/// Exit code: `status --pending` found pending migrations.
pub const EXIT_PENDING: u8 = 3;

/// Exit code: a statement kept waiting for a lock until the retry budget
/// was spent; its transaction was rolled back (try again later).
pub const EXIT_LOCK_WAIT: u8 = 4;

/// Runs the commands over `set` with this process's arguments.
pub fn run(set: &Migrations) -> ExitCode {
    run_from(std::env::args_os(), set)
}

/// Runs the commands over `set` with `args` (the first is the program name).
pub fn run_from<I, T>(args: I, set: &Migrations) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    match Embedded::try_parse_from(args) {
        Ok(cli) => execute(set, &cli.top, &cli.command),
        Err(e) => {
            let _ = e.print();
            ExitCode::from(if e.use_stderr() { 2 } else { 0 })
        }
    }
}
