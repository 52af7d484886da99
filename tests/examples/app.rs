//! An application binary that carries its migrations and their CLI:
//! `app migrate status`, `app migrate up`, ... work with no folder on the
//! server.
//!
//! cargo run -p sqlstrata-tests --example app -- migrate --database-url "$DATABASE_URL" status

use std::process::ExitCode;

static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let program = args.next().unwrap_or_default();
    match args.next() {
        Some(word) if word == "migrate" => {
            sqlstrata_cli::run_from(std::iter::once(program).chain(args), &MIGRATIONS)
        }
        _ => {
            println!(
                "usage: app migrate <up|rollback|down|reset|refresh|status|repair|baseline> [options]"
            );
            ExitCode::SUCCESS
        }
    }
}
