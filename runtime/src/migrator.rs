//! The library API: a [`Migrator`] over an embedded set, with one method per
//! operation, sync (`postgres::Client`) and async (`tokio_postgres::Client`).

use crate::Migrations;
use crate::error::Error;
use crate::options::Options;
use crate::plan::Operation;
use crate::report::{Done, LockWait, Report};
use crate::run::{Hooks, dry_run, execute};
use crate::session::client::{AsyncClient, Target};
use crate::session::{Blocking, block_on};

/// Applies, rolls back and reports on a migration set.
///
/// ```no_run
/// static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
/// let migrator = sqlstrata::Migrator::new(&MIGRATIONS);
/// let report = migrator.up(&mut client)?;          // all pending, one batch
/// println!("applied {:?} in batch {:?}", report.applied(), report.batch);
/// for entry in migrator.status(&mut client)?.status {
///     println!("{} {} {}", entry.version, entry.name, entry.state.as_str());
/// }
/// migrator.rollback(&mut client)?;                 // the last batch
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Migrator<'a> {
    set: &'a Migrations,
    options: Options,
    progress: Option<std::sync::Arc<ProgressFn>>,
    lock_wait: Option<std::sync::Arc<LockWaitFn>>,
    start: Option<std::sync::Arc<StartFn>>,
}

impl std::fmt::Debug for Migrator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migrator")
            .field("migrations", &self.set.len())
            .field("options", &self.options)
            .finish()
    }
}

/// What [`Migrator::on_progress`] calls.
type ProgressFn = dyn Fn(&Done) + Send + Sync;

/// What [`Migrator::on_lock_wait`] calls.
type LockWaitFn = dyn Fn(&LockWait) + Send + Sync;

/// What [`Migrator::on_start`] calls.
type StartFn = dyn Fn(&crate::Starting) + Send + Sync;

fn silent(_: &Done) {}

fn unseen(_: &crate::Starting) {}

fn patient(_: &LockWait) {}

impl<'a> Migrator<'a> {
    /// A migrator with default [`Options`].
    pub fn new(set: &'a Migrations) -> Self {
        Migrator {
            set,
            options: Options::default(),
            progress: None,
            lock_wait: None,
            start: None,
        }
    }

    /// The callbacks of a run: those given, or ones that say nothing.
    fn hooks(&self) -> Hooks<'_> {
        Hooks {
            done: self.progress.as_deref().unwrap_or(&silent),
            wait: self.lock_wait.as_deref().unwrap_or(&patient),
            start: self.start.as_deref().unwrap_or(&unseen),
        }
    }

    /// Calls `f` with each migration as it finishes (the CLI prints a line).
    pub fn on_progress(mut self, f: impl Fn(&Done) + Send + Sync + 'static) -> Self {
        self.progress = Some(std::sync::Arc::new(f));
        self
    }

    /// Calls `f` as each migration of a run starts (again when its
    /// transaction is retried), with its step and the number of steps (the
    /// CLI's progress bar).
    ///
    /// ```
    /// static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// let migrator = sqlstrata::Migrator::new(&MIGRATIONS)
    ///     .on_start(|s| eprintln!("{} of {}: {}", s.step, s.steps, s.file));
    /// # let _ = migrator;
    /// ```
    pub fn on_start(mut self, f: impl Fn(&crate::Starting) + Send + Sync + 'static) -> Self {
        self.start = Some(std::sync::Arc::new(f));
        self
    }

    /// Calls `f` each time a statement gives way to a lock (it waited longer
    /// than its lock bound, or was a deadlock's victim), with the sessions it
    /// waited for, before the run pauses and tries its transaction again
    /// (the CLI prints a line on stderr). Every wait is also in the
    /// [`Report`]'s `lock_waits`.
    ///
    /// ```
    /// static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// let migrator = sqlstrata::Migrator::new(&MIGRATIONS).on_lock_wait(|w| eprintln!("waiting: {w}"));
    /// # let _ = migrator;
    /// ```
    pub fn on_lock_wait(mut self, f: impl Fn(&LockWait) + Send + Sync + 'static) -> Self {
        self.lock_wait = Some(std::sync::Arc::new(f));
        self
    }

    /// The SQL `operation` would run, in order, with the transaction
    /// boundaries, without running it or taking the lock.
    pub fn dry_run(
        &self,
        client: &mut postgres::Client,
        operation: Operation,
    ) -> Result<String, Error> {
        block_on(dry_run(
            &mut Blocking::new(client),
            self.set,
            operation,
            &self.options,
        ))
    }

    /// Replaces the options.
    pub fn with_options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Proves each DOWN undoes its UP: on the **empty** database behind
    /// `client`, applies each migration, undoes it and applies it again,
    /// comparing catalog snapshots. Leaves every migration applied.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut scratch = postgres::Client::connect("host=/run/postgresql dbname=scratch", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).verify(&mut scratch)?;
    /// for finding in &report.findings {
    ///     eprint!("{finding}");
    /// }
    /// assert!(report.is_ok());
    /// # Ok(()) }
    /// ```
    pub fn verify(
        &self,
        client: &mut postgres::Client,
    ) -> Result<crate::inspect::verify::VerifyReport, Error> {
        block_on(crate::inspect::verify::run(
            &mut Blocking::new(client),
            self.set,
            &self.options,
            &self.hooks(),
        ))
    }

    /// [`Migrator::verify`] with rows: before each migration that has
    /// rows in `data` (its version and SQL written for the schema before
    /// it), they are loaded, and after its UP then DOWN every table must
    /// hold exactly the rows it held before the UP (compared row by row,
    /// columns by name). A DOWN that cannot put the data back is a finding
    /// naming each table and how many rows differ; an UP or DOWN that fails
    /// on the rows is one too. The rows of earlier data files stay for the
    /// later migrations, as a database's rows do.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut scratch = postgres::Client::connect("host=/run/postgresql dbname=scratch", postgres::NoTls)?;
    /// let rows = vec![(7, "INSERT INTO users (email, name) VALUES ('a@b.c', 'Ada')".to_string())];
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).verify_with_data(&mut scratch, &rows)?;
    /// assert_eq!(report.with_data, [7]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn verify_with_data(
        &self,
        client: &mut postgres::Client,
        data: &[(i64, String)],
    ) -> Result<crate::inspect::verify::VerifyReport, Error> {
        block_on(crate::inspect::verify::run_with_data(
            &mut Blocking::new(client),
            self.set,
            &self.options,
            &self.hooks(),
            data,
        ))
    }

    /// [`Migrator::verify_with_data`] on an async client.
    pub fn verify_with_data_async<'c>(
        &'c self,
        client: impl AsyncClient<'c>,
        data: &'c [(i64, String)],
    ) -> impl Future<Output = Result<crate::inspect::verify::VerifyReport, Error>> + Send + 'c {
        let target = client.target();
        async move {
            crate::inspect::verify::run_with_data(
                &mut target.open().await?,
                self.set,
                &self.options,
                &self.hooks(),
                data,
            )
            .await
        }
    }

    /// [`Migrator::verify`] on an async client.
    pub fn verify_async<'c>(
        &'c self,
        client: impl AsyncClient<'c>,
    ) -> impl Future<Output = Result<crate::inspect::verify::VerifyReport, Error>> + Send + 'c {
        let target = client.target();
        async move {
            crate::inspect::verify::run(
                &mut target.open().await?,
                self.set,
                &self.options,
                &self.hooks(),
            )
            .await
        }
    }

    /// Drift: compares the database behind `target` with what its
    /// migrations make of it. The migrations `target`'s history says are
    /// applied (that history must be this set's: no failed, changed or
    /// unknown migration) are replayed on the **empty** database behind
    /// `scratch`, and every object that differs in the two catalogs is
    /// reported. `target` is only read. `ignore` leaves out kinds of
    /// objects (`owner`, `grants`, `index`, ...) or objects (`audit_log`,
    /// `public.tmp_*`, with their columns, indexes and the rest); objects
    /// extensions made are always left out.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut live = postgres::Client::connect("host=db.internal dbname=app user=reader", postgres::NoTls)?;
    /// let mut scratch = postgres::Client::connect("host=/run/postgresql dbname=scratch", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).drift(&mut live, &mut scratch, &["owner".into()])?;
    /// print!("{report}");
    /// assert!(report.is_clean());
    /// # Ok(()) }
    /// ```
    pub fn drift(
        &self,
        target: &mut postgres::Client,
        scratch: &mut postgres::Client,
        ignore: &[String],
    ) -> Result<crate::inspect::drift::DriftReport, Error> {
        block_on(crate::inspect::drift::run(
            &mut Blocking::new(target),
            &mut Blocking::new(scratch),
            self.set,
            &self.options,
            ignore,
            &self.hooks(),
        ))
    }

    /// [`Migrator::drift`] on async clients.
    pub fn drift_async<'c>(
        &'c self,
        target: impl AsyncClient<'c>,
        scratch: impl AsyncClient<'c>,
        ignore: &'c [String],
    ) -> impl Future<Output = Result<crate::inspect::drift::DriftReport, Error>> + Send + 'c {
        let (target, scratch) = (target.target(), scratch.target());
        async move {
            crate::inspect::drift::run(
                &mut target.open().await?,
                &mut scratch.open().await?,
                self.set,
                &self.options,
                ignore,
                &self.hooks(),
            )
            .await
        }
    }

    /// The first of drift's three steps, for many databases
    /// ([`Migrator::drift`] does all three for one): the applied history of
    /// `target`'s database, read (only read) and checked to be this set's.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use postgres::{Client, NoTls};
    /// let migrator = sqlstrata::Migrator::new(&MIGRATIONS);
    /// let mut a = Client::connect("host=/run/postgresql dbname=tenant_a", NoTls)?;
    /// let mut b = Client::connect("host=/run/postgresql dbname=tenant_b", NoTls)?;
    /// let mut scratch = Client::connect("host=/run/postgresql dbname=scratch", NoTls)?;
    /// let history = migrator.drift_history(&mut a)?;
    /// // One replay serves every database whose history has the same digest.
    /// let replay = migrator.drift_replay(&mut scratch, &history)?;
    /// for client in [&mut a, &mut b] {
    ///     if migrator.drift_history(client)?.digest() == history.digest() {
    ///         println!("{}", migrator.drift_against(client, &replay, &[])?);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn drift_history(
        &self,
        target: &mut postgres::Client,
    ) -> Result<crate::inspect::drift::AppliedHistory, Error> {
        block_on(crate::inspect::drift::history(
            &mut Blocking::new(target),
            self.set,
            &self.options,
        ))
        .map(crate::inspect::drift::AppliedHistory)
    }

    /// The second of drift's steps: what the migrations `history` says are
    /// applied make of the empty database behind `scratch` (see
    /// [`Migrator::drift_history`]).
    pub fn drift_replay(
        &self,
        scratch: &mut postgres::Client,
        history: &crate::inspect::drift::AppliedHistory,
    ) -> Result<crate::inspect::drift::Replay, Error> {
        block_on(crate::inspect::drift::replay(
            &mut Blocking::new(scratch),
            self.set,
            &history.0,
            &self.options,
            &self.hooks(),
        ))
        .map(|(snapshot, subset)| crate::inspect::drift::Replay { snapshot, subset })
    }

    /// The last of drift's steps: `target`'s database compared with a
    /// replay of its history, objects of the kinds or names in `ignore`
    /// left out (see [`Migrator::drift_history`]).
    pub fn drift_against(
        &self,
        target: &mut postgres::Client,
        replay: &crate::inspect::drift::Replay,
        ignore: &[String],
    ) -> Result<crate::inspect::drift::DriftReport, Error> {
        block_on(crate::inspect::drift::against(
            &mut Blocking::new(target),
            &replay.snapshot,
            &replay.subset,
            &self.options,
            ignore,
        ))
    }

    /// The tracking table this migrator's runs use on `client`'s database
    /// (`"schema"."table"`, and the lease table beside it), whether it exists
    /// yet or not.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut client = postgres::Client::connect("host=/run/postgresql dbname=app", postgres::NoTls)?;
    /// let (table, lease) = sqlstrata::Migrator::new(&MIGRATIONS).tracking_tables(&mut client)?;
    /// assert_eq!(table, r#""public"."schema_migrations""#);
    /// # let _ = lease;
    /// # Ok(())
    /// # }
    /// ```
    pub fn tracking_tables(
        &self,
        client: &mut postgres::Client,
    ) -> Result<(String, String), Error> {
        let resolution = block_on(crate::history::identity::resolve(
            &mut Blocking::new(client),
            &self.options,
        ))?;
        let id = resolution.identity();
        Ok((id.qualified(), id.lease_qualified()))
    }

    /// Records another tool's history as this set's (`sqlstrata adopt`): each
    /// row's migration as applied, in one transaction, into an empty
    /// tracking table; with `rename_old_to`, the table of the tracking
    /// table's name is first renamed to it, in the same transaction.
    ///
    /// Every row's version must be a migration of the set; the tracking
    /// table must be empty or absent. Nothing of the migrations runs.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use sqlstrata::{AdoptedRow, Migrator};
    /// let mut client = postgres::Client::connect("host=/run/postgresql dbname=app", postgres::NoTls)?;
    /// let rows = [AdoptedRow { version: 1, batch: 1, applied_at: None }];
    /// let report = Migrator::new(&MIGRATIONS).adopt(&mut client, &rows, None)?;
    /// assert_eq!(report.done.len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn adopt(
        &self,
        client: &mut postgres::Client,
        rows: &[crate::history::adopt::AdoptedRow],
        rename_old_to: Option<&str>,
    ) -> Result<Report, Error> {
        block_on(crate::history::adopt::adopt(
            &mut Blocking::new(client),
            self.set,
            rows,
            &self.options,
            rename_old_to,
        ))
    }

    /// Runs any operation on a blocking client.
    pub fn run(
        &self,
        client: &mut postgres::Client,
        operation: Operation,
    ) -> Result<Report, Error> {
        let hooks = self.hooks();
        let span = crate::run::trace::run(&operation, &self.options.tracking.qualified());
        block_on(crate::run::trace::traced(
            execute(
                &mut Blocking::new(client),
                self.set,
                operation,
                &self.options,
                &hooks,
            ),
            span,
        ))
    }

    /// Runs any operation on an async client.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # async fn boot() -> Result<(), Box<dyn std::error::Error>> {
    /// let (client, connection) = tokio_postgres::connect("host=/run/postgresql user=app", tokio_postgres::NoTls).await?;
    /// tokio::spawn(connection);
    /// let migrator = sqlstrata::Migrator::new(&MIGRATIONS);
    /// migrator.run_async(&client, sqlstrata::Operation::Up { to: None }).await?;
    /// # Ok(()) }
    /// ```
    pub fn run_async<'c>(
        &'c self,
        client: impl AsyncClient<'c>,
        operation: Operation,
    ) -> impl Future<Output = Result<Report, Error>> + Send + 'c {
        self.run_on(client.target(), operation)
    }

    /// [`Migrator::run_async`] once the client is known: one future type
    /// for every client.
    async fn run_on(&self, target: Target<'_>, operation: Operation) -> Result<Report, Error> {
        let hooks = self.hooks();
        let span = crate::run::trace::run(&operation, &self.options.tracking.qualified());
        let mut session = target.open().await?;
        crate::run::trace::traced(
            execute(&mut session, self.set, operation, &self.options, &hooks),
            span,
        )
        .await
    }

    /// The SQL `operation` would run on an async client; see [`Migrator::dry_run`].
    pub fn dry_run_async<'c>(
        &'c self,
        client: impl AsyncClient<'c>,
        operation: Operation,
    ) -> impl Future<Output = Result<String, Error>> + Send + 'c {
        let target = client.target();
        async move {
            dry_run(
                &mut target.open().await?,
                self.set,
                operation,
                &self.options,
            )
            .await
        }
    }
}

/// Every operation as a sync method (`postgres::Client`) and an async one
/// (any [`AsyncClient`]), from one list: neither can gain an operation
/// the other lacks.
macro_rules! operations {
    ($(
        $(#[$doc:meta])*
        $name:ident, $name_async:ident ($($arg:ident: $ty:ty),*) => $op:expr;
    )*) => {
        impl Migrator<'_> {
            $(
                $(#[$doc])*
                pub fn $name(&self, client: &mut postgres::Client $(, $arg: $ty)*) -> Result<Report, Error> {
                    self.run(client, $op)
                }

                #[doc = concat!("[`Migrator::", stringify!($name), "`] on an async client.")]
                pub fn $name_async<'c>(&'c self, client: impl AsyncClient<'c> $(, $arg: $ty)*) -> impl Future<Output = Result<Report, Error>> + Send + 'c {
                    self.run_on(client.target(), $op)
                }
            )*
        }

        /// The names of the operations, sync then async, for the test that
        /// both sides have them all.
        #[cfg(test)]
        pub(crate) const OPERATIONS: &[(&str, &str)] = &[$((stringify!($name), stringify!($name_async))),*];
    };
}

operations! {
    /// Applies every pending migration as one new batch.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).up(&mut client)?;
    /// assert!(report.batch.is_some() || report.applied().is_empty());
    /// # Ok(()) }
    /// ```
    up, up_async() => Operation::Up { to: None };

    /// Applies pending migrations up to `version`, inclusive.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).up_to(&mut client, 4)?;
    /// # Ok(()) }
    /// ```
    up_to, up_to_async(version: i64) => Operation::Up { to: Some(version) };

    /// Undoes the last batch, newest migration first, in one transaction.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).rollback(&mut client)?;
    /// println!("reverted {:?}", report.reverted());
    /// # Ok(()) }
    /// ```
    rollback, rollback_async() => Operation::Rollback { batches: 1 };

    /// Undoes the last `count` migrations.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).down(&mut client, 2)?;
    /// # Ok(()) }
    /// ```
    down, down_async(count: usize) => Operation::Down { count };

    /// Undoes every migration newer than `version`.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).down_to(&mut client, 3)?;
    /// # Ok(()) }
    /// ```
    down_to, down_to_async(version: i64) => Operation::DownTo { version };

    /// Undoes every migration.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).reset(&mut client)?;
    /// # Ok(()) }
    /// ```
    reset, reset_async() => Operation::Reset;

    /// Undoes every migration, then applies them all again: one run under
    /// one lock.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).refresh(&mut client)?;
    /// # Ok(()) }
    /// ```
    refresh, refresh_async() => Operation::Refresh;

    /// Every migration with its state. Creates nothing.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).status(&mut client)?;
    /// for e in &report.status {
    ///     println!("{:03} {:<30} {}", e.version, e.name, e.state.as_str());
    /// }
    /// # Ok(()) }
    /// ```
    status, status_async() => Operation::Status;

    /// Records every migration up to `version` as applied without running it.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).baseline(&mut client, 3)?;
    /// # Ok(()) }
    /// ```
    baseline, baseline_async(version: i64) => Operation::Baseline { version };

    /// Accepts changed checksums and clears the records of `no-transaction`
    /// migrations that failed or were interrupted, after review: a failed UP
    /// is pending again, a failed DOWN applied again.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).repair(&mut client)?;
    /// # Ok(()) }
    /// ```
    repair, repair_async() => Operation::Repair;
}

#[cfg(test)]
mod tests {
    use super::OPERATIONS;
    use crate::plan::Operation;

    /// The method of each operation: a new operation does not compile
    /// here until it has one.
    fn method(op: Operation) -> &'static str {
        match op {
            Operation::Up { to: None } => "up",
            Operation::Up { to: Some(_) } => "up_to",
            Operation::Rollback { .. } => "rollback",
            Operation::Down { .. } => "down",
            Operation::DownTo { .. } => "down_to",
            Operation::Reset => "reset",
            Operation::Refresh => "refresh",
            Operation::Status => "status",
            Operation::Baseline { .. } => "baseline",
            Operation::Repair => "repair",
        }
    }

    #[test]
    fn sync_and_async_have_every_operation() {
        for (sync, asynchronous) in OPERATIONS {
            assert_eq!(format!("{sync}_async"), *asynchronous);
        }
        for op in [
            Operation::Up { to: None },
            Operation::Up { to: Some(1) },
            Operation::Rollback { batches: 1 },
            Operation::Down { count: 1 },
            Operation::DownTo { version: 1 },
            Operation::Reset,
            Operation::Refresh,
            Operation::Status,
            Operation::Baseline { version: 1 },
            Operation::Repair,
        ] {
            assert!(
                OPERATIONS.iter().any(|(sync, _)| *sync == method(op)),
                "{op:?} has no method"
            );
        }
    }
}
