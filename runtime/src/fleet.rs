//! Fleets: one set of migrations across many tenant databases or schemas,
//! in parallel, bounded, each target migrated exactly as a single run would
//! be (its own lock, batch and drift checks).
//!
//! ```no_run
//! # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
//! use sqlstrata::fleet::{Fleet, Target};
//! use sqlstrata::Operation;
//!
//! let targets: Vec<Target> = (1..=3)
//!     .map(|i| Target::schema(format!("tenant_{i}"), "host=/run/postgresql dbname=app"))
//!     .collect();
//! let report = Fleet::new(&MIGRATIONS).concurrency(8).run(
//!     &targets,
//!     Operation::Up { to: None },
//!     &|t: &Target| postgres::Client::connect(&t.connection, postgres::NoTls).map_err(|e| e.to_string()),
//! );
//! for failed in report.failed() {
//!     eprintln!("{}: {}", failed.target.name, failed.error().unwrap_or_default());
//! }
//! assert!(report.is_ok());
//! ```

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::Migrations;
use crate::error::Error;
use crate::migrator::Migrator;
use crate::options::{Options, quote_ident};
use crate::plan::Operation;
use crate::report::Report;

/// One database, or one schema of a database, of a fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Target {
    /// How reports name it (a database or schema name).
    pub name: String,
    /// Its connection string (URL or key=value).
    pub connection: String,
    /// For a schema per tenant: the schema. Its tracking table is in it,
    /// and its migrations run with `search_path` set to it (then `public`).
    pub schema: Option<String>,
}

impl Target {
    /// A database of its own.
    pub fn database(name: impl Into<String>, connection: impl Into<String>) -> Target {
        Target {
            name: name.into(),
            connection: connection.into(),
            schema: None,
        }
    }

    /// A schema of the database behind `connection`.
    pub fn schema(schema: impl Into<String>, connection: impl Into<String>) -> Target {
        let schema = schema.into();
        Target {
            name: schema.clone(),
            connection: connection.into(),
            schema: Some(schema),
        }
    }
}

/// Why a target failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// No connection could be made.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The run failed.
    #[error(transparent)]
    Run(#[from] Error),
}

/// What happened to one target.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// It ran.
    Done(Report),
    /// It failed.
    Failed(TargetError),
    /// It was not started: an earlier target failed (or the canary did).
    NotStarted,
}

/// One target's line of the report.
#[derive(Debug)]
#[non_exhaustive]
pub struct TargetResult {
    /// The target.
    pub target: Target,
    /// What happened.
    pub outcome: Outcome,
    /// How long it took (zero when not started).
    pub duration: Duration,
}

impl TargetResult {
    /// The error's text, when it failed.
    pub fn error(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Failed(e) => Some(e.to_string()),
            _ => None,
        }
    }

    /// The run's error, when the run (not the connection) failed: its
    /// file, line and SQLSTATE are there.
    pub fn run_error(&self) -> Option<&Error> {
        match &self.outcome {
            Outcome::Failed(TargetError::Run(e)) => Some(e),
            _ => None,
        }
    }

    /// The report, when it ran.
    pub fn report(&self) -> Option<&Report> {
        match &self.outcome {
            Outcome::Done(r) => Some(r),
            _ => None,
        }
    }
}

/// Where a fleet run is, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Targets that ran.
    pub done: usize,
    /// Targets that failed.
    pub failed: usize,
    /// Targets running now.
    pub running: usize,
    /// Targets not started yet.
    pub pending: usize,
    /// Since the run started.
    pub elapsed: Duration,
}

/// Every target's result, in the order of the targets.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct FleetReport {
    /// One per target.
    pub results: Vec<TargetResult>,
    /// The whole run.
    pub elapsed: Duration,
}

impl FleetReport {
    /// Whether every target ran.
    pub fn is_ok(&self) -> bool {
        self.done().count() == self.results.len()
    }

    /// The targets that failed.
    pub fn failed(&self) -> impl Iterator<Item = &TargetResult> {
        self.results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
    }

    /// The targets that ran.
    pub fn done(&self) -> impl Iterator<Item = &TargetResult> {
        self.results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Done(_)))
    }

    /// The targets not started.
    pub fn not_started(&self) -> impl Iterator<Item = &TargetResult> {
        self.results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::NotStarted))
    }
}

type ProgressFn<'a> = Box<dyn Fn(&Progress) + Send + Sync + 'a>;

/// Runs one operation over many targets.
pub struct Fleet<'a> {
    set: &'a Migrations,
    options: Options,
    concurrency: usize,
    canary: usize,
    continue_on_error: bool,
    progress: Option<ProgressFn<'a>>,
}

/// The default number of targets migrated at once.
pub const DEFAULT_CONCURRENCY: usize = 4;

impl<'a> Fleet<'a> {
    /// A fleet run of `set`: [`DEFAULT_CONCURRENCY`] targets at once, no
    /// canary, stopping (no new target started) after the first failure.
    pub fn new(set: &'a Migrations) -> Self {
        Fleet {
            set,
            options: Options::default(),
            concurrency: DEFAULT_CONCURRENCY,
            canary: 0,
            continue_on_error: false,
            progress: None,
        }
    }

    /// The options of every target's run (a schema target's tracking table
    /// is put in its schema).
    pub fn with_options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// How many targets run at once (at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Runs the first `k` targets first; if any fails, no other starts.
    pub fn canary(mut self, k: usize) -> Self {
        self.canary = k;
        self
    }

    /// Starts every target even after a failure, and reports them all
    /// (always so for `status`, which changes nothing).
    pub fn continue_on_error(mut self, yes: bool) -> Self {
        self.continue_on_error = yes;
        self
    }

    /// Called after each target finishes.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'a) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Runs `operation` on every target, connecting with `connect`.
    pub fn run(
        &self,
        targets: &[Target],
        operation: Operation,
        connect: &(dyn Fn(&Target) -> Result<postgres::Client, String> + Sync),
    ) -> FleetReport {
        let start = Instant::now();
        let slots: Vec<Mutex<Option<TargetResult>>> =
            targets.iter().map(|_| Mutex::new(None)).collect();
        let stopped = AtomicBool::new(false);
        let counts = Counts::default();
        let canary = self.canary.min(targets.len());
        self.wave(
            &targets[..canary],
            0,
            operation,
            connect,
            &slots,
            &stopped,
            &counts,
            start,
        );
        if canary > 0 && counts.failed.load(Ordering::SeqCst) > 0 && !operation.is_read_only() {
            stopped.store(true, Ordering::SeqCst);
        }
        self.wave(
            &targets[canary..],
            canary,
            operation,
            connect,
            &slots,
            &stopped,
            &counts,
            start,
        );
        let results = slots
            .into_iter()
            .zip(targets)
            .map(|(slot, t)| {
                slot.into_inner()
                    .unwrap_or_else(|p| p.into_inner())
                    .unwrap_or(TargetResult {
                        target: t.clone(),
                        outcome: Outcome::NotStarted,
                        duration: Duration::ZERO,
                    })
            })
            .collect();
        FleetReport {
            results,
            elapsed: start.elapsed(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn wave(
        &self,
        targets: &[Target],
        offset: usize,
        operation: Operation,
        connect: &(dyn Fn(&Target) -> Result<postgres::Client, String> + Sync),
        slots: &[Mutex<Option<TargetResult>>],
        stopped: &AtomicBool,
        counts: &Counts,
        start: Instant,
    ) {
        let next = AtomicUsize::new(0);
        let total = slots.len();
        let workers = self.concurrency.min(targets.len());
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        if stopped.load(Ordering::SeqCst) {
                            return;
                        }
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(target) = targets.get(i) else {
                            return;
                        };
                        counts.running.fetch_add(1, Ordering::SeqCst);
                        let began = Instant::now();
                        let outcome = self.one(target, operation, connect);
                        let failed = matches!(outcome, Outcome::Failed(_));
                        if let Ok(mut slot) = slots[offset + i].lock() {
                            *slot = Some(TargetResult {
                                target: target.clone(),
                                outcome,
                                duration: began.elapsed(),
                            });
                        }
                        counts.running.fetch_sub(1, Ordering::SeqCst);
                        if failed {
                            counts.failed.fetch_add(1, Ordering::SeqCst);
                            // A read (status) changes nothing: report every target.
                            if !self.continue_on_error && !operation.is_read_only() {
                                stopped.store(true, Ordering::SeqCst);
                            }
                        } else {
                            counts.done.fetch_add(1, Ordering::SeqCst);
                        }
                        if let Some(progress) = &self.progress {
                            let done = counts.done.load(Ordering::SeqCst);
                            let failed = counts.failed.load(Ordering::SeqCst);
                            let running = counts.running.load(Ordering::SeqCst);
                            progress(&Progress {
                                done,
                                failed,
                                running,
                                pending: total.saturating_sub(done + failed + running),
                                elapsed: start.elapsed(),
                            });
                        }
                    }
                });
            }
        });
    }

    fn one(
        &self,
        target: &Target,
        operation: Operation,
        connect: &(dyn Fn(&Target) -> Result<postgres::Client, String> + Sync),
    ) -> Outcome {
        let mut client = match connect(target) {
            Ok(c) => c,
            Err(e) => return Outcome::Failed(TargetError::Connect(e)),
        };
        let mut options = self.options.clone();
        if let Some(schema) = &target.schema {
            let table = options.tracking.name.clone();
            options = options.table(Some(schema), &table);
            let set_path = format!("SET search_path TO {}, public", quote_ident(schema));
            if let Err(e) = client.batch_execute(&set_path) {
                return Outcome::Failed(TargetError::Run(Error::Database {
                    doing: "setting the search_path to the tenant's schema",
                    db: crate::error::DbError::from_postgres(&e),
                }));
            }
        }
        match Migrator::new(self.set)
            .with_options(options)
            .run(&mut client, operation)
        {
            Ok(report) => Outcome::Done(report),
            Err(e) => Outcome::Failed(TargetError::Run(e)),
        }
    }
}

#[derive(Default)]
struct Counts {
    done: AtomicUsize,
    failed: AtomicUsize,
    running: AtomicUsize,
}
