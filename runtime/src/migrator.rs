//! The library API: a [`Migrator`] over an embedded set, with one method per
//! operation, sync (`postgres::Client`) and async (`tokio_postgres::Client`).

use crate::embedded::Migrations;
use crate::error::Error;
use crate::options::Options;
use crate::plan::Operation;
use crate::report::Done;
use crate::report::Report;
use crate::run::{dry_run, execute};
use crate::session::{Async, Blocking, block_on};

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

fn silent(_: &Done) {}

impl<'a> Migrator<'a> {
    /// A migrator with default [`Options`].
    pub fn new(set: &'a Migrations) -> Self {
        Migrator {
            set,
            options: Options::default(),
            progress: None,
        }
    }

    /// The progress callback, or one that says nothing.
    fn progress(&self) -> &ProgressFn {
        self.progress.as_deref().unwrap_or(&silent)
    }

    /// Calls `f` with each migration as it finishes (the CLI prints a line).
    pub fn on_progress(mut self, f: impl Fn(&Done) + Send + Sync + 'static) -> Self {
        self.progress = Some(std::sync::Arc::new(f));
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
            &mut Blocking(client),
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
    ) -> Result<crate::verify::VerifyReport, Error> {
        let progress = self.progress();
        block_on(crate::verify::run(
            &mut Blocking(client),
            self.set,
            &self.options,
            progress,
        ))
    }

    /// [`Migrator::verify`] on an async client.
    pub async fn verify_async(
        &self,
        client: &tokio_postgres::Client,
    ) -> Result<crate::verify::VerifyReport, Error> {
        let progress = self.progress();
        crate::verify::run(&mut Async(client), self.set, &self.options, progress).await
    }

    /// Runs any operation on a blocking client.
    pub fn run(
        &self,
        client: &mut postgres::Client,
        operation: Operation,
    ) -> Result<Report, Error> {
        let progress = self.progress();
        block_on(execute(
            &mut Blocking(client),
            self.set,
            operation,
            &self.options,
            progress,
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
    pub async fn run_async(
        &self,
        client: &tokio_postgres::Client,
        operation: Operation,
    ) -> Result<Report, Error> {
        let progress = self.progress();
        execute(
            &mut Async(client),
            self.set,
            operation,
            &self.options,
            progress,
        )
        .await
    }

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
    pub fn up(&self, client: &mut postgres::Client) -> Result<Report, Error> {
        self.run(client, Operation::Up { to: None })
    }

    /// Applies pending migrations up to `version`, inclusive.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).up_to(&mut client, 4)?;
    /// # Ok(()) }
    /// ```
    pub fn up_to(&self, client: &mut postgres::Client, version: i64) -> Result<Report, Error> {
        self.run(client, Operation::Up { to: Some(version) })
    }

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
    pub fn rollback(&self, client: &mut postgres::Client) -> Result<Report, Error> {
        self.run(client, Operation::Rollback { batches: 1 })
    }

    /// Undoes the last `count` migrations.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).down(&mut client, 2)?;
    /// # Ok(()) }
    /// ```
    pub fn down(&self, client: &mut postgres::Client, count: usize) -> Result<Report, Error> {
        self.run(client, Operation::Down { count })
    }

    /// Undoes every migration newer than `version`.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).down_to(&mut client, 3)?;
    /// # Ok(()) }
    /// ```
    pub fn down_to(&self, client: &mut postgres::Client, version: i64) -> Result<Report, Error> {
        self.run(client, Operation::DownTo { version })
    }

    /// Undoes every migration.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).reset(&mut client)?;
    /// # Ok(()) }
    /// ```
    pub fn reset(&self, client: &mut postgres::Client) -> Result<Report, Error> {
        self.run(client, Operation::Reset)
    }

    /// Undoes every migration, then applies them all again.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).refresh(&mut client)?;
    /// # Ok(()) }
    /// ```
    pub fn refresh(&self, client: &mut postgres::Client) -> Result<Report, Error> {
        let mut report = self.reset(client)?;
        let up = self.up(client)?;
        report.done.extend(up.done);
        report.warnings.extend(up.warnings);
        report.batch = up.batch;
        Ok(report)
    }

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
    pub fn status(&self, client: &mut postgres::Client) -> Result<Report, Error> {
        self.run(client, Operation::Status)
    }

    /// Records every migration up to `version` as applied without running it.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).baseline(&mut client, 3)?;
    /// # Ok(()) }
    /// ```
    pub fn baseline(&self, client: &mut postgres::Client, version: i64) -> Result<Report, Error> {
        self.run(client, Operation::Baseline { version })
    }

    /// Accepts changed checksums and clears failed records, after review.
    ///
    /// ```no_run
    /// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mut client = postgres::Client::connect("host=/run/postgresql user=app", postgres::NoTls)?;
    /// let report = sqlstrata::Migrator::new(&MIGRATIONS).repair(&mut client)?;
    /// # Ok(()) }
    /// ```
    pub fn repair(&self, client: &mut postgres::Client) -> Result<Report, Error> {
        self.run(client, Operation::Repair)
    }
}
