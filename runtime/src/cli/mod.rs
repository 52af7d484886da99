//! The commands of the `sqlstrata` CLI over a migration set (feature `cli`).
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
//!         Some(word) if word == "migrate" => sqlstrata::cli::run_from(std::iter::once(program).chain(args), &MIGRATIONS),
//!         _ => std::process::ExitCode::SUCCESS, // the application itself
//!     }
//! }
//! ```
//!
//! Exit codes: 0 success; 1 failure (a statement failed, drift, the lock,
//! the connection, a refused confirmation); 2 bad usage; 3 `status
//! --pending` found pending migrations; 4 a statement kept waiting for a
//! lock until the retry budget was spent (nothing of its transaction was
//! applied: try again later).

#[doc(hidden)]
pub mod config;
#[doc(hidden)]
pub mod connect;
#[doc(hidden)]
pub mod dump;
mod fleet;
#[doc(hidden)]
pub mod progress;
#[doc(hidden)]
pub use crate::adopt::AdoptedRow;
#[doc(hidden)]
pub mod output;
mod pgpass;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::Migrations;
use crate::migrator::Migrator;
use crate::options::{LockMode, Options, TransactionMode};
use crate::plan::{Operation, State};
use config::resolve;
use output::Style;

/// Exit code: `status --pending` found pending migrations.
pub const EXIT_PENDING: u8 = 3;

/// Exit code: a statement kept waiting for a lock until the retry budget
/// was spent; its transaction was rolled back (try again later).
pub const EXIT_LOCK_WAIT: u8 = 4;

/// What a command was given, resolved: the connection, how to run, the
/// fleet, the output. Built from the option groups each command takes
/// ([`DbCommand::global`]); every command reads its settings here.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct GlobalArgs {
    /// `--database-url`.
    pub database_url: Option<String>,
    /// `--table`.
    pub table: String,
    /// `--schema`.
    pub schema: Option<String>,
    /// `--json`.
    pub json: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--yes`.
    pub yes: bool,
    /// `--per-migration`.
    pub per_migration: bool,
    /// `--out-of-order`.
    pub out_of_order: bool,
    /// `--runner-timeout`.
    pub runner_timeout: Duration,
    /// `--statement-lock-timeout`.
    pub statement_lock_timeout: Option<Duration>,
    /// `--statement-timeout`.
    pub statement_timeout: Option<Duration>,
    /// `--lock-retry-budget`.
    pub lock_retry_budget: Option<Duration>,
    /// `--lock`.
    pub lock: String,
    /// `--lease-ttl`.
    pub lease_ttl: u64,
    /// `-v`.
    pub verbose: u8,
    /// `--fleet`.
    pub fleet: Option<String>,
    /// `--fleet-query`.
    pub fleet_query: Option<String>,
    /// `--schemas-query`.
    pub schemas_query: Option<String>,
    /// `--concurrency`.
    pub concurrency: usize,
    /// `--canary`.
    pub canary: usize,
    /// `--continue-on-error`.
    pub continue_on_error: bool,
}

impl Default for GlobalArgs {
    fn default() -> Self {
        GlobalArgs {
            database_url: None,
            table: "schema_migrations".into(),
            schema: None,
            json: false,
            dry_run: false,
            yes: false,
            per_migration: false,
            out_of_order: false,
            runner_timeout: Duration::from_secs(60),
            statement_lock_timeout: None,
            statement_timeout: None,
            lock_retry_budget: None,
            lock: "advisory".into(),
            lease_ttl: 300,
            verbose: 0,
            fleet: None,
            fleet_query: None,
            schemas_query: None,
            concurrency: crate::fleet::DEFAULT_CONCURRENCY,
            canary: 0,
            continue_on_error: false,
        }
    }
}

/// Where the database is and which history it keeps.
#[doc(hidden)]
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    /// The database (a URL or libpq key=value string); default: DATABASE_URL, .env, PG* variables.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// The tracking table [default: schema_migrations]
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,
    /// The schema of the tracking table (default: the connection's current schema).
    #[arg(long, value_name = "SCHEMA")]
    pub schema: Option<String>,
}

impl ConnectionArgs {
    fn given(&self) -> Option<&'static str> {
        if self.database_url.is_some() {
            Some("--database-url")
        } else if self.table.is_some() {
            Some("--table")
        } else if self.schema.is_some() {
            Some("--schema")
        } else {
            None
        }
    }
}

/// How runs keep each other out.
#[doc(hidden)]
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Running")]
pub struct LockArgs {
    /// How runs keep each other out: `advisory` (a session lock), or `lease`
    /// (a row beside the tracking table: behind PgBouncer in transaction
    /// mode, or without the advisory functions) [default: advisory]
    #[arg(long, env = "SQLSTRATA_LOCK", value_parser = ["advisory", "lease"])]
    pub lock: Option<String>,
    /// Seconds a lease lasts unless renewed: how long a runner that died
    /// blocks the next one (lease mode) [default: 300]
    #[arg(long, value_name = "SECONDS")]
    pub lease_ttl: Option<u64>,
}

/// How migrations run.
#[doc(hidden)]
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Running")]
pub struct RunArgs {
    /// One transaction per migration instead of one for the whole batch.
    #[arg(long)]
    pub per_migration: bool,
    /// Apply pending migrations older than the newest applied one.
    #[arg(long)]
    pub out_of_order: bool,
    /// How long to wait for another runner's lock (`90s`, `2m`; plain
    /// seconds too) [default: 60s]
    #[arg(long, visible_alias = "lock-timeout", value_parser = parse_wait, value_name = "DURATION")]
    pub runner_timeout: Option<Duration>,
    /// How long each migration statement may wait for a table lock
    /// (PostgreSQL's lock_timeout; `0`: no bound) before its transaction is
    /// rolled back and retried [default: 1s, or sqlstrata.toml's]
    #[arg(long, value_parser = parse_wait, value_name = "DURATION")]
    pub statement_lock_timeout: Option<Duration>,
    /// How long each migration statement may run (PostgreSQL's
    /// statement_timeout; `0`: no bound) [default: none, or sqlstrata.toml's]
    #[arg(long, value_parser = parse_wait, value_name = "DURATION")]
    pub statement_timeout: Option<Duration>,
    /// How long to keep retrying after lock time-outs and deadlocks before
    /// giving up [default: 5m, or sqlstrata.toml's]
    #[arg(long, value_parser = parse_wait, value_name = "DURATION")]
    pub lock_retry_budget: Option<Duration>,
    #[command(flatten)]
    pub lock: LockArgs,
}

/// Print what would run instead of running it.
#[doc(hidden)]
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Running")]
pub struct DryRunArg {
    /// Print the SQL that would run, in order, with the transaction boundaries; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Confirm a command that undoes everything.
#[doc(hidden)]
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Running")]
pub struct YesArg {
    /// Answer yes to the confirmation (required when not on a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Over many databases or schemas.
#[doc(hidden)]
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Fleet")]
pub struct FleetArgs {
    /// Run over a fleet: a file of connection strings, one per line (`#` comments).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fleet_query", "schemas_query"])]
    pub fleet: Option<String>,
    /// Run over the databases this query returns (run on the given database).
    #[arg(long, value_name = "SQL", conflicts_with = "schemas_query")]
    pub fleet_query: Option<String>,
    /// Run over the schemas this query returns (in the given database): each
    /// has its own tracking table, and its migrations run with `search_path`
    /// set to it.
    #[arg(long, value_name = "SQL")]
    pub schemas_query: Option<String>,
    /// Fleet targets migrated at once.
    #[arg(long, default_value_t = crate::fleet::DEFAULT_CONCURRENCY, value_name = "N")]
    pub concurrency: usize,
    /// Migrate the first K fleet targets first, and stop if any fails.
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub canary: usize,
    /// Keep starting fleet targets after one fails (default: finish those
    /// running, start no other).
    #[arg(long, conflicts_with = "stop_on_error")]
    pub continue_on_error: bool,
    /// After a fleet target fails, start no other and finish those running
    /// (the default, for scripts that say it).
    #[arg(long)]
    pub stop_on_error: bool,
}

/// Machine-readable output.
#[doc(hidden)]
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Output")]
pub struct JsonArg {
    /// Print one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What every `sqlstrata` command line starts with: the connection (also
/// given after the command, where the command uses one) and `-v`.
#[doc(hidden)]
#[derive(Debug, Clone, Default, Args)]
pub struct TopArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Say what happens on stderr: -v the runs, migrations, lock and commits;
    /// -vv every statement with its file, line and time.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = "Output")]
    pub verbose: u8,
}

/// The option groups one command takes (`None`: it takes none of them).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Parts<'a> {
    /// The connection.
    pub connection: Option<&'a ConnectionArgs>,
    /// How migrations run.
    pub run: Option<&'a RunArgs>,
    /// The lock alone (commands that run nothing but must see a run's lock).
    pub lock: Option<&'a LockArgs>,
    /// `--dry-run`.
    pub dry_run: Option<&'a DryRunArg>,
    /// `--yes`.
    pub yes: Option<&'a YesArg>,
    /// The fleet.
    pub fleet: Option<&'a FleetArgs>,
    /// `--json`.
    pub json: Option<&'a JsonArg>,
}

impl GlobalArgs {
    /// The settings of a command given `parts`, under what came before the
    /// command (`top`): a connection option there is an error when the
    /// command connects to nothing (`command` names it).
    pub fn resolve(top: &TopArgs, parts: Parts<'_>, command: &str) -> Result<GlobalArgs, String> {
        let own = parts.connection.cloned().unwrap_or_default();
        if parts.connection.is_none()
            && let Some(flag) = top.connection.given()
        {
            return Err(format!(
                "`{flag}` is not an option of `{command}`: it connects to no database"
            ));
        }
        let defaults = GlobalArgs::default();
        let run = parts.run.cloned().unwrap_or_default();
        let lock = parts
            .lock
            .or(parts.run.map(|r| &r.lock))
            .cloned()
            .unwrap_or_default();
        let fleet = parts.fleet.cloned().unwrap_or_default();
        Ok(GlobalArgs {
            database_url: own.database_url.or(top.connection.database_url.clone()),
            table: own
                .table
                .or(top.connection.table.clone())
                .unwrap_or(defaults.table),
            schema: own.schema.or(top.connection.schema.clone()),
            json: parts.json.is_some_and(|j| j.json),
            dry_run: parts.dry_run.is_some_and(|d| d.dry_run),
            yes: parts.yes.is_some_and(|y| y.yes),
            per_migration: run.per_migration,
            out_of_order: run.out_of_order,
            runner_timeout: run.runner_timeout.unwrap_or(defaults.runner_timeout),
            statement_lock_timeout: run.statement_lock_timeout,
            statement_timeout: run.statement_timeout,
            lock_retry_budget: run.lock_retry_budget,
            lock: lock.lock.unwrap_or(defaults.lock),
            lease_ttl: lock.lease_ttl.unwrap_or(defaults.lease_ttl),
            verbose: top.verbose,
            fleet: fleet.fleet,
            fleet_query: fleet.fleet_query,
            schemas_query: fleet.schemas_query,
            concurrency: if parts.fleet.is_some() {
                fleet.concurrency
            } else {
                defaults.concurrency
            },
            canary: fleet.canary,
            continue_on_error: fleet.continue_on_error,
        })
    }
}

/// A duration as `--runner-timeout` and the time bounds take it: `500ms`,
/// `10s`, `2m`, `1h 30m`, `0`; plain seconds (`60`) as the old
/// `--lock-timeout SECONDS` took them.
fn parse_wait(text: &str) -> Result<Duration, String> {
    if let Ok(secs) = text.trim().parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("{e} (write it as 500ms, 10s, 2m or 1h 30m)"))
}

impl GlobalArgs {
    /// The connection these flags and this process's environment give
    /// (`--database-url`, then the variables, each also from `.env` in the
    /// working directory).
    pub fn connection(&self) -> Result<config::Connection, config::ConfigError> {
        resolve(
            self.database_url.as_deref(),
            &|k| std::env::var(k).ok(),
            &std::env::current_dir().unwrap_or_default(),
        )
    }

    /// The runtime options these flags give.
    pub fn options(&self) -> Options {
        let options = Options::default()
            .table(self.schema.as_deref(), &self.table)
            .transaction_mode(if self.per_migration {
                TransactionMode::PerMigration
            } else {
                TransactionMode::Batch
            })
            .out_of_order(self.out_of_order)
            .runner_timeout(self.runner_timeout)
            .lock_mode(LockMode::parse(&self.lock).unwrap_or_default())
            .lease_ttl(Duration::from_secs(self.lease_ttl));
        let options = match self.statement_lock_timeout {
            Some(d) => options.statement_lock_timeout(d),
            None => options,
        };
        let options = match self.statement_timeout {
            Some(d) => options.statement_timeout(d),
            None => options,
        };
        match self.lock_retry_budget {
            Some(d) => options.lock_retry_budget(d),
            None => options,
        }
    }
}

/// The commands that talk to the database (the `sqlstrata` binary's).
#[doc(hidden)]
#[derive(Debug, Clone, Subcommand)]
pub enum DbCommand {
    /// Apply every pending migration as one new batch.
    Up {
        /// The last version to apply.
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
        /// Then write the schema as `dump` does (to FILE, default schema.sql).
        #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "schema.sql")]
        dump: Option<std::path::PathBuf>,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        dry_run: DryRunArg,
        #[command(flatten)]
        fleet: FleetArgs,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Undo the last batch (or the last N batches), newest first.
    Rollback {
        /// How many batches.
        #[arg(long, default_value_t = 1)]
        batches: u32,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        dry_run: DryRunArg,
        #[command(flatten)]
        fleet: FleetArgs,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Undo the last N migrations (default 1), or everything newer than --to.
    Down {
        /// How many migrations.
        count: Option<usize>,
        /// The version to keep.
        #[arg(long, value_name = "VERSION", conflicts_with = "count")]
        to: Option<i64>,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        dry_run: DryRunArg,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Undo every migration.
    Reset {
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        dry_run: DryRunArg,
        #[command(flatten)]
        yes: YesArg,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Undo every migration, then apply them all.
    Refresh {
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        dry_run: DryRunArg,
        #[command(flatten)]
        yes: YesArg,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Show every migration and its state.
    Status {
        /// Exit with code 3 when anything is pending (for deploy scripts).
        #[arg(long)]
        pending: bool,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        lock: LockArgs,
        #[command(flatten)]
        fleet: FleetArgs,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Accept changed checksums and clear failed records, after review.
    Repair {
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        dry_run: DryRunArg,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Record every migration up to VERSION as applied without running it.
    Baseline {
        /// The last version to record.
        version: i64,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        dry_run: DryRunArg,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Prove each DOWN undoes its UP: UP, DOWN, UP of every migration on a
    /// scratch database (created beside the configured one, then dropped),
    /// comparing catalog snapshots. Exit 1 when one does not.
    Verify {
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        fleet: FleetArgs,
    },
    /// Compare the database with what the migrations its history says are
    /// applied make of an empty one (replayed on a scratch database,
    /// created on its server or --scratch-url, then dropped): every table,
    /// column, constraint, index, view, function, trigger, policy,
    /// sequence, type, extension, schema, owner and grant that differs.
    /// Only reads the database. Exit 1 when anything differs.
    Drift {
        /// Leave out a kind of object (`owner`, `grants`, `index`,
        /// `function`, ...) or an object with what belongs to it
        /// (`audit_log`, `public.tmp_*`); repeatable; with `[drift] ignore`
        /// of the folder's sqlstrata.toml.
        #[arg(long, value_name = "KIND|OBJECT")]
        ignore: Vec<String>,
        /// A server to create the scratch database on (default: the
        /// database's own server).
        #[arg(long, value_name = "URL")]
        scratch_url: Option<String>,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        fleet: FleetArgs,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Wait until the server accepts connections (for containers and CI).
    /// A refused password or a missing database fails at once.
    Wait {
        /// How long to wait (`90s`, `2m`).
        #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
        timeout: Duration,
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Write the schema as it is now, for code review: `pg_dump
    /// --schema-only` of the server's version, without owners, settings or
    /// the tracking table.
    Dump {
        /// Where to write it (`-` for stdout).
        #[arg(long, short, default_value = "schema.sql", value_name = "FILE")]
        output: std::path::PathBuf,
        #[command(flatten)]
        connection: ConnectionArgs,
    },
}

impl DbCommand {
    /// The command's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            DbCommand::Up { .. } => "up",
            DbCommand::Rollback { .. } => "rollback",
            DbCommand::Down { .. } => "down",
            DbCommand::Reset { .. } => "reset",
            DbCommand::Refresh { .. } => "refresh",
            DbCommand::Status { .. } => "status",
            DbCommand::Repair { .. } => "repair",
            DbCommand::Baseline { .. } => "baseline",
            DbCommand::Verify { .. } => "verify",
            DbCommand::Drift { .. } => "drift",
            DbCommand::Wait { .. } => "wait",
            DbCommand::Dump { .. } => "dump",
        }
    }

    /// The option groups the command takes.
    pub fn parts(&self) -> Parts<'_> {
        let none = Parts::default();
        match self {
            DbCommand::Up {
                connection,
                run,
                dry_run,
                fleet,
                json,
                ..
            }
            | DbCommand::Rollback {
                connection,
                run,
                dry_run,
                fleet,
                json,
                ..
            } => Parts {
                connection: Some(connection),
                run: Some(run),
                dry_run: Some(dry_run),
                fleet: Some(fleet),
                json: Some(json),
                ..none
            },
            DbCommand::Down {
                connection,
                run,
                dry_run,
                json,
                ..
            }
            | DbCommand::Repair {
                connection,
                run,
                dry_run,
                json,
            }
            | DbCommand::Baseline {
                connection,
                run,
                dry_run,
                json,
                ..
            } => Parts {
                connection: Some(connection),
                run: Some(run),
                dry_run: Some(dry_run),
                json: Some(json),
                ..none
            },
            DbCommand::Reset {
                connection,
                run,
                dry_run,
                yes,
                json,
            }
            | DbCommand::Refresh {
                connection,
                run,
                dry_run,
                yes,
                json,
            } => Parts {
                connection: Some(connection),
                run: Some(run),
                dry_run: Some(dry_run),
                yes: Some(yes),
                json: Some(json),
                ..none
            },
            DbCommand::Status {
                connection,
                lock,
                fleet,
                json,
                ..
            } => Parts {
                connection: Some(connection),
                lock: Some(lock),
                fleet: Some(fleet),
                json: Some(json),
                ..none
            },
            DbCommand::Verify {
                connection,
                run,
                fleet,
            } => Parts {
                connection: Some(connection),
                run: Some(run),
                fleet: Some(fleet),
                ..none
            },
            DbCommand::Drift {
                connection,
                run,
                fleet,
                json,
                ..
            } => Parts {
                connection: Some(connection),
                run: Some(run),
                fleet: Some(fleet),
                json: Some(json),
                ..none
            },
            DbCommand::Wait { connection, .. } | DbCommand::Dump { connection, .. } => Parts {
                connection: Some(connection),
                ..none
            },
        }
    }

    /// The settings this command was given, under `top`.
    pub fn global(&self, top: &TopArgs) -> Result<GlobalArgs, String> {
        GlobalArgs::resolve(top, self.parts(), self.name())
    }
}

#[derive(Debug, Parser)]
#[command(about = "Database migrations embedded in this binary (sqlstrata)")]
struct Embedded {
    #[command(flatten)]
    top: TopArgs,
    #[command(subcommand)]
    command: DbCommand,
}

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

#[doc(hidden)]
/// Carries out one database command; prints to stdout, errors to stderr,
/// every word through the [`output::Printer`] that removes passwords.
pub fn execute(set: &Migrations, top: &TopArgs, command: &DbCommand) -> ExitCode {
    let global = match command.global(top) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    execute_with(set, &global, command)
}

/// [`execute`] with the settings resolved.
pub fn execute_with(set: &Migrations, global: &GlobalArgs, command: &DbCommand) -> ExitCode {
    if global.verbose > 0 {
        let level = if global.verbose > 1 {
            tracing::Level::DEBUG
        } else {
            tracing::Level::INFO
        };
        // The events name files, lines and times, never a connection string.
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            )
            .with_max_level(level)
            .with_target(false)
            .try_init();
    }
    let mut printer = output::Printer::new(env_secrets(), global.json);
    match try_execute(set, global, command, &mut printer) {
        Ok(code) => code,
        Err(message) => {
            printer.error(&message);
            ExitCode::FAILURE
        }
    }
}

/// The passwords the environment holds, to be removed wherever they show.
fn env_secrets() -> Vec<String> {
    ["PGPASSWORD", "DB_PASSWORD"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .filter(|v| !v.is_empty())
        .collect()
}

/// The runtime operation of a command; `None` for those that are not one.
fn operation(command: &DbCommand) -> Option<Operation> {
    Some(match *command {
        DbCommand::Up { to, .. } => Operation::Up { to },
        DbCommand::Rollback { batches, .. } => Operation::Rollback { batches },
        DbCommand::Down {
            to: Some(version), ..
        } => Operation::DownTo { version },
        DbCommand::Down { count, .. } => Operation::Down {
            count: count.unwrap_or(1),
        },
        DbCommand::Reset { .. } => Operation::Reset,
        DbCommand::Refresh { .. } => Operation::Refresh,
        DbCommand::Status { .. } => Operation::Status,
        DbCommand::Repair { .. } => Operation::Repair,
        DbCommand::Baseline { version, .. } => Operation::Baseline { version },
        DbCommand::Verify { .. }
        | DbCommand::Wait { .. }
        | DbCommand::Dump { .. }
        | DbCommand::Drift { .. } => return None,
    })
}

fn confirm(what: &str, global: &GlobalArgs) -> Result<(), String> {
    if global.yes || global.dry_run {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "{what} undoes every migration; pass --yes to confirm (stdin is not a terminal)"
        ));
    }
    print!("{what} undoes every migration in this database. Type `yes` to continue: ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(format!("{what} cancelled"))
    }
}

/// `verify`: on a scratch database next to the configured one.
fn verify(
    set: &Migrations,
    global: &GlobalArgs,
    connection: &config::Connection,
    admin: &mut postgres::Client,
    printer: &output::Printer,
) -> Result<ExitCode, String> {
    let scratch = format!("sqlstrata_verify_{}", std::process::id());
    let create = format!("CREATE DATABASE \"{scratch}\"");
    admin.batch_execute(&create).map_err(|e| {
        format!(
            "cannot create the scratch database {scratch} (verify needs CREATEDB): {}",
            crate::error::DbError::from_postgres(&e)
        )
    })?;
    // Migration k of n: each is applied, undone and applied again.
    let bar = progress::Bar::migrations(progress::wanted(global.json));
    let (start_bar, versions) = (bar.clone(), set.clone());
    let total = set.len() + set.repeatables().len();
    let result = connect::connect_to(connection, &scratch)
        .map_err(|e| e.to_string())
        .and_then(|mut c| {
            Migrator::new(set)
                .with_options(global.options())
                .on_start(move |s| {
                    let step = versions
                        .iter()
                        .chain(versions.repeatables())
                        .position(|m| m.file_name() == s.file)
                        .map_or(s.step, |i| i + 1);
                    let mut at = s.clone();
                    at.step = step;
                    at.steps = total;
                    start_bar.start(&at);
                })
                .verify(&mut c)
                .map_err(|e| e.to_string())
        });
    bar.finish();
    let _ = admin.batch_execute(&format!(
        "DROP DATABASE IF EXISTS \"{scratch}\" WITH (FORCE)"
    ));
    let report = result?;
    for finding in &report.findings {
        printer.err(finding.to_string().trim_end());
    }
    printer.out(&format!(
        "verified {} migration(s): {} DOWN section(s) do not undo their UP; {} irreversible migration(s) not verifiable",
        report.verified.len(),
        report.findings.len(),
        report.irreversible.len()
    ));
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A scratch database for `drift`: created on the server of `scratch_url`
/// (else of `connection`), handed to `f`, and dropped whatever `f` did.
pub(crate) fn with_scratch<R>(
    connection: &config::Connection,
    scratch_url: Option<&str>,
    f: impl FnOnce(&mut postgres::Client) -> Result<R, String>,
) -> Result<R, String> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let server = match scratch_url {
        Some(url) => config::resolve(
            Some(url),
            &|k| std::env::var(k).ok(),
            std::path::Path::new("/nonexistent"),
        )
        .map_err(|e| format!("--scratch-url: {e}"))?,
        None => connection.clone(),
    };
    let mut admin = connect::connect(&server).map_err(|e| e.to_string())?;
    let name = format!(
        "sqlstrata_drift_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    );
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .map_err(|e| {
            format!(
                "cannot create the scratch database {name} (drift needs CREATEDB there; or give --scratch-url): {}",
                crate::error::DbError::from_postgres(&e)
            )
        })?;
    let result = connect::connect_to(&server, &name)
        .map_err(|e| e.to_string())
        .and_then(|mut c| f(&mut c));
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
    result
}

/// `drift`: the database against a replay of its history on a scratch
/// database.
#[allow(clippy::too_many_arguments)]
fn drift(
    set: &Migrations,
    global: &GlobalArgs,
    connection: &config::Connection,
    target: &mut postgres::Client,
    ignore: &[String],
    scratch_url: Option<&str>,
    printer: &output::Printer,
) -> Result<ExitCode, String> {
    let bar = progress::Bar::migrations(progress::wanted(global.json));
    let start_bar = bar.clone();
    let migrator = Migrator::new(set)
        .with_options(global.options())
        .on_start(move |s| start_bar.start(s));
    let report = with_scratch(connection, scratch_url, |scratch| {
        migrator
            .drift(target, scratch, ignore)
            .map_err(|e| e.to_string())
    });
    bar.finish();
    let report = report?;
    if global.json {
        printer.out(&output::drift_json(&report).to_string());
    } else {
        printer.out_raw(&report.to_string());
        printer.out(&output::drift_summary(&report));
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `wait`: connects until the server answers, or the time is up.
fn wait(
    connection: &config::Connection,
    timeout: Duration,
    printer: &output::Printer,
) -> Result<ExitCode, String> {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        match connect::connect(connection) {
            Ok(mut client) => match client.simple_query("SELECT 1") {
                Ok(_) => {
                    printer.out(&format!(
                        "ready after {:.1}s",
                        start.elapsed().as_secs_f64()
                    ));
                    return Ok(ExitCode::SUCCESS);
                }
                Err(e) if start.elapsed() >= timeout => {
                    return Err(format!(
                        "gave up after {}: {}",
                        humantime::format_duration(timeout),
                        crate::error::DbError::from_postgres(&e)
                    ));
                }
                Err(_) => {}
            },
            Err(e) if !e.is_transient() => return Err(e.to_string()),
            Err(e) if start.elapsed() >= timeout => {
                return Err(format!(
                    "gave up after {}: {e}",
                    humantime::format_duration(timeout)
                ));
            }
            Err(_) => {}
        }
        let left = timeout.saturating_sub(start.elapsed());
        std::thread::sleep(pause.min(left).max(Duration::from_millis(1)));
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// `dump` and `up --dump`: the schema to `path` (`-`: stdout).
fn write_dump(
    set: &Migrations,
    global: &GlobalArgs,
    connection: &config::Connection,
    client: &mut postgres::Client,
    path: &std::path::Path,
    printer: &output::Printer,
) -> Result<ExitCode, String> {
    let migrator = Migrator::new(set).with_options(global.options());
    let (tracking, lease) = migrator
        .tracking_tables(client)
        .map_err(|e| e.to_string())?;
    let server: u32 = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .and_then(|r| r.try_get::<_, i32>(0))
        .map_err(|e| crate::error::DbError::from_postgres(&e).to_string())
        .map(|n| u32::try_from(n / 10000).unwrap_or(0))?;
    let pg_dump = dump::find(server).map_err(|e| e.to_string())?;
    let schema = dump::dump(&pg_dump, connection, &[tracking, lease]).map_err(|e| e.to_string())?;
    if path.as_os_str() == "-" {
        printer.out_raw(&schema);
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::write(path, &schema).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    printer.err(&format!(
        "wrote {} ({} lines, pg_dump {})",
        path.display(),
        schema.lines().count(),
        pg_dump.major
    ));
    Ok(ExitCode::SUCCESS)
}

fn try_execute(
    set: &Migrations,
    global: &GlobalArgs,
    command: &DbCommand,
    printer: &mut output::Printer,
) -> Result<ExitCode, String> {
    match command {
        DbCommand::Reset { .. } => confirm("reset", global)?,
        DbCommand::Refresh { .. } => confirm("refresh", global)?,
        _ => {}
    }
    if let Some(source) = global.fleet_source() {
        if let DbCommand::Drift {
            ignore,
            scratch_url,
            ..
        } = command
        {
            return fleet::drift(
                set,
                global,
                &source,
                ignore,
                scratch_url.as_deref(),
                printer,
            );
        }
        if let DbCommand::Verify { .. } = command {
            // The proof is of the set, the same for every target: once, on a
            // scratch database beside the given one; then where each target is.
            let connection = global.connection().map_err(|e| e.to_string())?;
            printer.learn(connection.secrets());
            let mut client = connect::connect(&connection).map_err(|e| e.to_string())?;
            let proved = verify(set, global, &connection, &mut client, printer)?;
            if proved != ExitCode::SUCCESS {
                return Ok(proved);
            }
        }
        return fleet::run(set, global, command, &source, printer);
    }
    let connection = global.connection().map_err(|e| e.to_string())?;
    printer.learn(connection.secrets());
    if let DbCommand::Wait { timeout, .. } = command {
        return wait(&connection, *timeout, printer);
    }
    let mut client = connect::connect(&connection).map_err(|e| e.to_string())?;
    let style = Style::detect();
    let Some(op) = operation(command) else {
        return match command {
            DbCommand::Dump { output, .. } => {
                write_dump(set, global, &connection, &mut client, output, printer)
            }
            DbCommand::Drift {
                ignore,
                scratch_url,
                ..
            } => drift(
                set,
                global,
                &connection,
                &mut client,
                ignore,
                scratch_url.as_deref(),
                printer,
            ),
            _ => verify(set, global, &connection, &mut client, printer),
        };
    };
    let json = global.json;
    let progress_set = set.clone();
    let progress_printer = printer.clone();
    let wait_printer = printer.clone();
    let bar = progress::Bar::migrations(progress::wanted(json));
    let (done_bar, wait_bar, start_bar) = (bar.clone(), bar.clone(), bar.clone());
    let migrator = Migrator::new(set)
        .with_options(global.options())
        .on_progress(move |d| {
            if !json {
                done_bar
                    .suspend(|| progress_printer.out(&output::done_line(&progress_set, d, style)));
            }
        })
        .on_lock_wait(move |w| wait_bar.suspend(|| wait_printer.err(&format!("waiting: {w}"))))
        .on_start(move |s| start_bar.start(s));

    if global.dry_run && !op.is_read_only() {
        let script = migrator
            .dry_run(&mut client, op)
            .map_err(|e| e.to_string())?;
        if global.json {
            printer.out(&serde_json::json!({ "dry_run": true, "sql": script }).to_string());
        } else {
            printer.out_raw(&script);
        }
        return Ok(ExitCode::SUCCESS);
    }

    let result = migrator.run(&mut client, op);
    bar.finish();
    let report = match result {
        Ok(r) => r,
        Err(e @ crate::Error::LockRetriesSpent { .. }) => {
            printer.error(&e.to_string());
            return Ok(ExitCode::from(EXIT_LOCK_WAIT));
        }
        Err(e) => return Err(e.to_string()),
    };

    if let DbCommand::Status { pending, .. } = command {
        if json {
            printer.out(&output::status_json(set, &report));
        } else {
            printer.out_raw(&output::status_table(
                set,
                &report,
                &global.options().tracking.qualified(),
                style,
            ));
        }
        if *pending
            && report
                .status
                .iter()
                .any(|e| matches!(e.state, State::Pending | State::Changed))
        {
            return Ok(ExitCode::from(EXIT_PENDING));
        }
        return Ok(ExitCode::SUCCESS);
    }
    for w in &report.warnings {
        printer.err(&format!("warning: {w}"));
    }
    if json {
        printer.out(&output::report_json(&report));
    } else if report.done.is_empty() {
        printer.out("nothing to do");
    } else if let Some(batch) = report.batch {
        let repeatables = report.repeatables_applied().len();
        printer.out(&format!(
            "batch {batch}: {} migration(s){}",
            report.applied().len(),
            if repeatables > 0 {
                format!(", {repeatables} repeatable(s)")
            } else {
                String::new()
            }
        ));
    } else if !report.reverted().is_empty() {
        printer.out(&format!(
            "reverted {} migration(s)",
            report.reverted().len()
        ));
    }
    if op == Operation::Repair && !json && !report.done.is_empty() {
        printer.out(
            "next: `sqlstrata drift` shows whether the database is what the migrations now say",
        );
    }
    // What was applied is said first: a failing dump must not hide it.
    if let DbCommand::Up {
        dump: Some(path), ..
    } = command
    {
        write_dump(set, global, &connection, &mut client, path, printer).map_err(|e| {
            format!("the migrations are applied, but the schema was not written: {e}")
        })?;
    }
    Ok(ExitCode::SUCCESS)
}
