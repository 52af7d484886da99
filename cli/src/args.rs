//! The command line's words: the options every command shares (connection,
//! lock, run, fleet, output), grouped per command, and the commands over an
//! embedded set.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use sqlstrata::{LockMode, Options, Phase, TransactionMode};

use crate::config::{self, resolve};

/// What a command was given, resolved: the connection, how to run, the
/// fleet, the output. Built from the option groups each command takes
/// ([`DbCommand::global`]); every command reads its settings here.
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
    /// `--phase` (of `up` and `status`).
    pub phase: Phase,
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
            concurrency: sqlstrata::fleet::DEFAULT_CONCURRENCY,
            canary: 0,
            continue_on_error: false,
            phase: Phase::All,
        }
    }
}

/// Where the database is and which history it keeps.
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
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Running")]
pub struct DryRunArg {
    /// Print the SQL that would run, in order, with the transaction boundaries; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Confirm a command that undoes everything.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Running")]
pub struct YesArg {
    /// Answer yes to the confirmation (required when not on a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Over many databases or schemas.
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
    #[arg(long, default_value_t = sqlstrata::fleet::DEFAULT_CONCURRENCY, value_name = "N")]
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
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Output")]
pub struct JsonArg {
    /// Print one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What every `sqlstrata` command line starts with: the connection (also
/// given after the command, where the command uses one) and `-v`.
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
            phase: Phase::All,
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
            .phase(self.phase)
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
#[derive(Debug, Clone, Subcommand)]
pub enum DbCommand {
    /// Apply every pending migration as one new batch.
    Up {
        /// The last version to apply.
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
        /// One phase of a two-phase deploy: `pre` (all but post-deploy
        /// migrations, before the new code starts) or `post` (the post-deploy
        /// ones, once it serves every request).
        #[arg(long, value_enum, default_value_t = PhaseArg::All)]
        phase: PhaseArg,
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
        /// What `--pending` counts: what `up --phase` would apply.
        #[arg(long, value_enum, default_value_t = PhaseArg::All)]
        phase: PhaseArg,
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
        /// Also with rows: before each migration that has a file
        /// DIR/<version>.sql (rows for the schema before it), load it; its
        /// DOWN must put every row back.
        #[arg(long, value_name = "DIR")]
        with_data: Option<std::path::PathBuf>,
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
                ..
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
        let mut global = GlobalArgs::resolve(top, self.parts(), self.name())?;
        if let DbCommand::Up { phase, .. } | DbCommand::Status { phase, .. } = self {
            global.phase = phase.phase();
        }
        Ok(global)
    }
}

/// `--phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PhaseArg {
    // Every pending migration, in version order (clap shows no help per
    // value: the option's own help says what each does).
    All,
    // All but the post-deploy migrations: before the new code starts.
    Pre,
    // The post-deploy migrations: once the new code serves every request.
    Post,
}

impl PhaseArg {
    /// The runtime's phase.
    pub fn phase(self) -> Phase {
        match self {
            PhaseArg::All => Phase::All,
            PhaseArg::Pre => Phase::Pre,
            PhaseArg::Post => Phase::Post,
        }
    }
}

#[derive(Debug, Parser)]
#[command(about = "Database migrations embedded in this binary (sqlstrata)")]
pub(crate) struct Embedded {
    #[command(flatten)]
    pub(crate) top: TopArgs,
    #[command(subcommand)]
    pub(crate) command: DbCommand,
}
