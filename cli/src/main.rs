//! `sqlstrata`: the migration commands over a folder read at run time, with
//! exactly the diagnostics of the `migrations!()` macro.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sqlstrata::Migrations;
use sqlstrata::cli::{DbCommand, GlobalArgs};
use sqlstrata_core::{Checked, Folder, Severity, read_folder};

mod scaffold;

/// PostgreSQL schema migrations, checked before they run.
#[derive(Debug, Parser)]
#[command(name = "sqlstrata", version, about)]
struct Cli {
    /// The migrations folder.
    #[arg(long, global = true, default_value = "migrations")]
    dir: PathBuf,
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the folder with a first migration, and the tracking table when a database is configured.
    Init,
    /// Create the next migration file, NAME in snake_case.
    Create {
        /// The migration's name, e.g. add_user_avatar.
        name: String,
    },
    /// Check every file of the folder (no database): the compiler's diagnostics; exit 1 on errors.
    Check {
        /// Exit 1 on warnings too (for CI).
        #[arg(long)]
        deny_warnings: bool,
    },
    #[command(flatten)]
    Db(DbCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Init => scaffold::init(&cli.dir, &cli.global),
        Command::Create { name } => scaffold::create(&cli.dir, name),
        Command::Check { deny_warnings } => check(&cli.dir, *deny_warnings),
        // Neither needs the migrations: `wait` runs before they are there.
        Command::Db(command @ (DbCommand::Wait { .. } | DbCommand::Dump { .. })) => {
            sqlstrata::cli::execute(&Migrations::new(Vec::new()), &cli.global, command)
        }
        Command::Db(command) => match load(&cli.dir) {
            Some(set) => sqlstrata::cli::execute(&set, &cli.global, command),
            None => ExitCode::FAILURE,
        },
    }
}

fn display(dir: &Path) -> String {
    dir.display().to_string()
}

fn print_diagnostics(folder: &Folder) {
    for d in &folder.diagnostics {
        let mut d = d.clone();
        if d.rule == "folder" {
            d.help = Some(
                "the path is relative to the working directory; choose another with --dir".into(),
            );
        }
        let label = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        eprintln!("{label}: {d}\n");
    }
}

/// `check`: every diagnostic, and how the statements were checked.
fn check(dir: &Path, deny_warnings: bool) -> ExitCode {
    let folder = read_folder(dir, &display(dir));
    print_diagnostics(&folder);
    let statements: usize = folder
        .migrations
        .iter()
        .map(|m| m.statements().count())
        .sum();
    let beyond: usize = folder
        .migrations
        .iter()
        .map(|m| m.beyond_sqlparser().count())
        .sum();
    let unchecked: usize = folder
        .migrations
        .iter()
        .flat_map(|m| m.statements())
        .filter(|(_, checked)| *checked == Checked::Unchecked)
        .count();
    let errors = folder.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = folder.diagnostics.len() - errors;
    println!(
        "{}: {} migration(s), {statements} statement(s), {beyond} beyond sqlparser, checked by PostgreSQL's grammar, {unchecked} unchecked; {errors} error(s), {warnings} warning(s)",
        display(dir),
        folder.migrations.len()
    );
    if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Reads the folder into a set, or prints why not.
fn load(dir: &Path) -> Option<Migrations> {
    let folder = read_folder(dir, &display(dir));
    if folder.has_errors() {
        print_diagnostics(&folder);
        eprintln!("error: {} has errors; nothing was run", display(dir));
        return None;
    }
    Some(Migrations::new(
        folder.migrations.into_iter().map(|m| m.migration).collect(),
    ))
}
