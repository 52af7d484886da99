//! Carrying out a plan: the tracking table's identity, the lock, the table,
//! transactions. Written once over [`Session`]; the sync and async APIs both
//! call [`execute`].
//!
//! The promises it keeps, each tested end to end against PostgreSQL:
//! - one history: the table is resolved on the server ([`crate::identity`])
//!   and that identity is used to create, read, write and lock it;
//! - each migration applied exactly once by N runners started together: the
//!   table is created and read only under the lock;
//! - no statement executed twice: a failing statement is named from the
//!   first (and only) execution ([`Session::batch`]);
//! - what is reported as done is committed;
//! - a `no-transaction` migration records its attempt before its first
//!   statement, so a run that dies leaves it marked for `repair`;
//! - an abandoned run (dropped, or unwinding) rolls back and unlocks.

use std::time::Instant;

use sqlstrata_model::{Migration, Migrations, Statement, to_hex};

use crate::error::{DbError, Error};
use crate::identity::{self, Candidates, Identity, Resolution};
use crate::lock;
use crate::options::{LockMode, Options};
use crate::plan::{Operation, Plan, State, Step, plan, status};
use crate::report::{Action, Done, Report};
use crate::script::{Segment, autocommit_sql, render, segments, step_sql};
use crate::session::Session;
use crate::trace;
use crate::tracking::{self, AppliedRow, Boot, RowState};

/// Called with each migration once what was done to it is committed.
pub(crate) type Progress<'a> = &'a (dyn Fn(&Done) + Send + Sync);

/// What a transaction-pooling proxy does to a session lock, said when it
/// happens.
const LOCK_MOVED: &str = "the advisory lock was not held by this connection when the run ended: \
    a transaction-pooling proxy (PgBouncer in `pool_mode = transaction`) sent the run's statements to \
    another server connection, so the lock may still be held on the connection that took it and block \
    the next run until the proxy closes it. Use the lease lock behind such a proxy (--lock lease)";

/// Runs `operation` of `set` through `session`.
pub(crate) async fn execute<S: Session>(
    session: &mut S,
    set: &Migrations,
    operation: Operation,
    options: &Options,
    progress: Progress<'_>,
) -> Result<Report, Error> {
    identity::check_name(&options.tracking)?;
    // The boot: one round trip, one row, whatever the number of migrations.
    let mut booted = None;
    if operation == (Operation::Up { to: None }) {
        match boot(session, set, options).await {
            BootCheck::Noop => return Ok(Report::default()),
            BootCheck::Miss(b) => booted = Some(b),
        }
    }
    // Where the history is, and what it says, read without the lock: a
    // read-only operation ends here, and so does one with nothing to do or
    // drift to report (before anything runs).
    let resolution = resolve(session, options).await?;
    let (rows, raw) = match &resolution {
        Resolution::Existing(id) => read(session, set, id).await?,
        Resolution::Create(_) => (Vec::new(), 0),
    };
    if operation.is_read_only() {
        return status_report(session, set, &rows, resolution.identity(), options).await;
    }
    // A `no-transaction` migration another run is applying right now looks
    // unfinished: only under the lock can it be told from an interrupted one.
    let in_progress = rows
        .iter()
        .any(|r| matches!(r.state, RowState::Applying | RowState::Reverting));
    if in_progress {
        return locked(session, set, operation, options, progress).await;
    }
    let preview = plan(set, &rows, &operation, options)?;
    // Nothing to do, and the seal does not say so (a table an older
    // sqlstrata created, a squashed history, rows changed by hand): sealed
    // under the lock, so that the next boot is one row.
    let reseal = match &booted {
        Some(b) if preview.steps.is_empty() && !b.seals(&rows, raw) => {
            can_seal(session, options).await
        }
        _ => false,
    };
    if preview.steps.is_empty() && matches!(resolution, Resolution::Existing(_)) && !reseal {
        return Ok(Report {
            warnings: preview.warnings,
            ..Report::default()
        });
    }
    locked(session, set, operation, options, progress).await
}

/// What the boot query says.
enum BootCheck {
    /// Every migration of the set is applied, nothing else is, and the seal
    /// says so of this very table.
    Noop,
    /// Anything else: the full read decides (with what the boot read).
    Miss(Boot),
}

async fn boot<S: Session>(session: &mut S, set: &Migrations, options: &Options) -> BootCheck {
    // An error (no table yet, or one an older sqlstrata created, without
    // the seal's column) or no answer says nothing is sealed: the full read
    // decides, and seals.
    let boot = match session
        .query(&tracking::boot_sql(&options.tracking, set.len()))
        .await
    {
        Ok(rows) => rows
            .first()
            .and_then(|r| Boot::parse(r))
            .unwrap_or_default(),
        Err(_) => Boot::default(),
    };
    if boot.matches(&to_hex(set.applied_digest())) {
        BootCheck::Noop
    } else {
        BootCheck::Miss(boot)
    }
}

/// Whether this role may seal the tracking table.
async fn can_seal<S: Session>(session: &mut S, options: &Options) -> bool {
    session
        .query(&tracking::can_seal_sql(&options.tracking))
        .await
        .ok()
        .and_then(|rows| rows.into_iter().next())
        .and_then(|r| r.into_iter().next().flatten())
        .as_deref()
        == Some("t")
}

/// Seals the tracking table with the digest of its rows as `set` sees them.
pub(crate) async fn seal<S: Session>(session: &mut S, set: &Migrations, id: &Identity) {
    if let Ok((rows, raw)) = read(session, set, id).await {
        let _ = session
            .query(&tracking::seal_sql(id, &tracking::rows_digest(&rows), raw))
            .await;
    }
}

/// The tracking table's identity, resolved on the server.
pub(crate) async fn resolve<S: Session>(
    session: &mut S,
    options: &Options,
) -> Result<Resolution, Error> {
    let rows = session
        .query(&identity::candidates_sql(&options.tracking))
        .await
        .map_err(Error::database("finding the tracking table"))?;
    let candidates = Candidates::from_rows(&rows).ok_or_else(|| Error::Database {
        doing: "finding the tracking table",
        db: Box::new(DbError {
            code: String::new(),
            message: "the server returned no row".into(),
            detail: None,
            hint: None,
        }),
    })?;
    identity::decide(&options.tracking, &candidates)
}

/// The tracking rows as `set` sees them (a squashed history read as its
/// baseline's row), and how many rows the table holds.
async fn read<S: Session>(
    session: &mut S,
    set: &Migrations,
    id: &Identity,
) -> Result<(Vec<AppliedRow>, usize), Error> {
    let cells = session
        .query(&tracking::select_sql(id))
        .await
        .map_err(Error::database("reading the tracking table"))?;
    let raw: Vec<AppliedRow> = cells
        .iter()
        .filter_map(|c| tracking::parse_row(c))
        .collect();
    let count = raw.len();
    Ok((crate::squash::view(set, raw)?, count))
}

async fn status_report<S: Session>(
    session: &mut S,
    set: &Migrations,
    rows: &[AppliedRow],
    id: &Identity,
    options: &Options,
) -> Result<Report, Error> {
    let mut entries = status(set, rows);
    // An unfinished `no-transaction` migration: still running while a run
    // holds the lock, interrupted otherwise.
    if entries.iter().any(|e| e.state == State::Interrupted)
        && lock::is_held(session, id, options).await
    {
        for e in entries.iter_mut().filter(|e| e.state == State::Interrupted) {
            e.state = State::Running;
        }
    }
    Ok(Report {
        status: entries,
        ..Report::default()
    })
}

/// The SQL `operation` would run, without running it: the tracking table is
/// read without the lock and nothing is created.
pub(crate) async fn dry_run<S: Session>(
    session: &mut S,
    set: &Migrations,
    operation: Operation,
    options: &Options,
) -> Result<String, Error> {
    identity::check_name(&options.tracking)?;
    let resolution = resolve(session, options).await?;
    let rows = match &resolution {
        Resolution::Existing(id) => read(session, set, id).await?.0,
        Resolution::Create(_) => Vec::new(),
    };
    let p = plan(set, &rows, &operation, options)?;
    let mut script = String::new();
    if let Resolution::Create(id) = &resolution {
        script.push_str(&format!(
            "-- the tracking table {} would be created first\n",
            id.qualified()
        ));
    }
    for w in &p.warnings {
        script.push_str(&format!("-- warning: {w}\n"));
    }
    script.push_str(&render(set, &p, options, resolution.identity()));
    Ok(script)
}

/// Everything again under the lock, then the work. The identity is resolved
/// again once the lock is held: when another runner created the table
/// meanwhile somewhere else, the run starts over with that table.
async fn locked<S: Session>(
    session: &mut S,
    set: &Migrations,
    operation: Operation,
    options: &Options,
    progress: Progress<'_>,
) -> Result<Report, Error> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let id = resolve(session, options).await?.identity().clone();
        let (held, waited) = lock::acquire(session, &id, options).await?;
        trace::lock(
            match held {
                lock::Held::Advisory { .. } => "advisory",
                lock::Held::Lease { .. } => "lease",
            },
            waited,
        );
        session.on_abandon(Some(lock::abandon_sql(&held)));
        let result = under_lock(session, set, operation, options, progress, &id, &held).await;
        let released = lock::release(session, &held).await;
        session.on_abandon(None);
        match result {
            Ok(Some(mut report)) => {
                report.lock_wait = waited;
                if !released {
                    report.warnings.push(LOCK_MOVED.to_string());
                }
                return Ok(report);
            }
            Ok(None) if attempts < 5 => continue,
            Ok(None) => {
                return Err(Error::Database {
                    doing: "finding the tracking table",
                    db: Box::new(DbError {
                        code: String::new(),
                        message: "the tracking table kept moving between schemas while this run waited for it"
                            .into(),
                        detail: None,
                        hint: None,
                    }),
                });
            }
            Err(e) => return Err(e),
        }
    }
}

/// `None` when the identity changed while the lock was taken.
async fn under_lock<S: Session>(
    session: &mut S,
    set: &Migrations,
    operation: Operation,
    options: &Options,
    progress: Progress<'_>,
    id: &Identity,
    held: &lock::Held,
) -> Result<Option<Report>, Error> {
    match resolve(session, options).await? {
        r if r.identity() != id => return Ok(None),
        Resolution::Existing(_) => {}
        Resolution::Create(_) => {
            // Runners whose search_paths differ would create the table in
            // different schemas: creating takes a key of the name alone.
            // (An advisory lock: in lease mode runners are assumed to agree
            // on the schema; give it with --schema behind a pooler.)
            let creation = match options.lock {
                LockMode::Advisory => {
                    let key = id.creation_key();
                    lock::advisory(session, key, options.lock_timeout, &id.qualified()).await?;
                    session.on_abandon(Some(format!(
                        "{}; SELECT pg_advisory_unlock({key})",
                        lock::abandon_sql(held)
                    )));
                    Some(lock::Held::Advisory { key })
                }
                _ => None,
            };
            let created = match resolve(session, options).await {
                Ok(Resolution::Create(again)) if &again == id => session
                    .query(&tracking::create_sql(id))
                    .await
                    .map(|_| true)
                    .map_err(Error::database("creating the tracking table")),
                Ok(_) => Ok(false),
                Err(e) => Err(e),
            };
            if let Some(creation) = &creation {
                lock::release(session, creation).await;
                session.on_abandon(Some(lock::abandon_sql(held)));
            }
            if !created? {
                return Ok(None);
            }
        }
    }
    let (rows, _) = read(session, set, id).await?;
    let p = plan(set, &rows, &operation, options)?;
    let mut report = Report {
        warnings: p.warnings.clone(),
        ..Report::default()
    };
    let result = carry_out(session, set, &p, options, id, held, &mut report, progress).await;
    // Whatever happened, the digest of what is now recorded, for the next boot.
    seal(session, set, id).await;
    result?;
    if report
        .done
        .iter()
        .any(|d| matches!(d.action, Action::Applied | Action::Recorded))
    {
        report.batch = Some(p.batch);
    }
    Ok(Some(report))
}

#[allow(clippy::too_many_arguments)]
async fn carry_out<S: Session>(
    session: &mut S,
    set: &Migrations,
    p: &Plan,
    options: &Options,
    id: &Identity,
    held: &lock::Held,
    report: &mut Report,
    progress: Progress<'_>,
) -> Result<(), Error> {
    for segment in segments(set, p, options) {
        // A lease is renewed between transactions, where others see it.
        lock::renew(session, held).await?;
        match segment {
            Segment::Transaction(steps) => {
                session
                    .query("BEGIN")
                    .await
                    .map_err(Error::database("starting a transaction"))?;
                let mut finished = Vec::with_capacity(steps.len());
                for step in steps {
                    let start = Instant::now();
                    let (statements, record) = step_sql(set, p, step, id, None);
                    let mut batch: Vec<&str> = statements.iter().map(Statement::sql).collect();
                    batch.push(&record);
                    let span = match step {
                        Step::Apply(i) | Step::Revert(i) => {
                            let m = &set.as_slice()[i];
                            trace::migration(
                                m.version(),
                                m.file_name(),
                                matches!(step, Step::Apply(_)),
                            )
                        }
                        _ => trace::migration(0, "tracking table", true),
                    };
                    let result = trace::traced(session.batch(&batch), span.clone()).await;
                    match result {
                        Ok(took) => {
                            if let Step::Apply(i) | Step::Revert(i) = step {
                                let m = &set.as_slice()[i];
                                trace::within(&span, || {
                                    for (s, d) in statements.iter().zip(&took) {
                                        trace::statement(m.file_name(), s.line(), *d);
                                    }
                                });
                            }
                        }
                        Err((failed, e)) => {
                            let _ = session.query("ROLLBACK").await;
                            return Err(step_error(set, step, statements, failed, &e));
                        }
                    }
                    finished.push(done(set, step, start));
                }
                session
                    .query("COMMIT")
                    .await
                    .map_err(Error::database("committing"))?;
                trace::committed(finished.len());
                // Reported once committed, not before.
                for d in finished {
                    progress(&d);
                    report.done.push(d);
                }
            }
            Segment::Autocommit(step) => {
                autocommit(session, set, p, id, held, step, report, progress).await?;
            }
        }
    }
    Ok(())
}

/// A `no-transaction` migration: its statements one by one, each committed
/// on its own (that is what `CREATE INDEX CONCURRENTLY` and its kind need).
/// The attempt is recorded and committed before the first statement, so
/// whatever happens next (a failing statement, a killed process, a dropped
/// connection) the migration is never silently run again: only `repair`
/// clears the record.
#[allow(clippy::too_many_arguments)]
async fn autocommit<S: Session>(
    session: &mut S,
    set: &Migrations,
    p: &Plan,
    id: &Identity,
    held: &lock::Held,
    step: Step,
    report: &mut Report,
    progress: Progress<'_>,
) -> Result<(), Error> {
    let (Step::Apply(i) | Step::Revert(i)) = step else {
        return Ok(());
    };
    let m = &set.as_slice()[i];
    let start = Instant::now();
    let (statements, _) = step_sql(set, p, step, id, None);
    let Some((attempt, _)) = autocommit_sql(set, p, step, id, None) else {
        return Ok(());
    };
    session.query(&attempt).await.map_err(Error::database(
        "recording the attempt in the tracking table",
    ))?;
    for (n, s) in statements.iter().enumerate() {
        if n > 0 {
            lock::renew(session, held).await?;
        }
        let started = Instant::now();
        let span = trace::migration(m.version(), m.file_name(), matches!(step, Step::Apply(_)));
        let result = trace::traced(session.query(s.sql()), span.clone()).await;
        trace::within(&span, || {
            trace::statement(m.file_name(), s.line(), started.elapsed())
        });
        if let Err(e) = result {
            let failed = if matches!(step, Step::Apply(_)) {
                RowState::Failed
            } else {
                RowState::FailedDown
            };
            // Best effort: if the connection is gone, the attempt's row
            // already says the migration did not finish.
            let _ = session
                .query(&tracking::set_state_sql(
                    id,
                    m.version(),
                    failed,
                    Some(s.line()),
                    None,
                ))
                .await;
            return Err(statement_error(m, s, &e));
        }
    }
    let elapsed = i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX);
    let Some((_, outcome)) = autocommit_sql(set, p, step, id, Some(elapsed)) else {
        return Ok(());
    };
    session
        .query(&outcome)
        .await
        .map_err(|e| Error::Recording {
            file: m.file_name().to_string(),
            db: DbError::from_postgres(&e),
        })?;
    let d = done(set, step, start);
    progress(&d);
    report.done.push(d);
    Ok(())
}

/// The error of a step whose batch failed at statement `failed`: one of the
/// migration's statements, or the tracking SQL after them.
fn step_error(
    set: &Migrations,
    step: Step,
    statements: &[Statement],
    failed: usize,
    e: &tokio_postgres::Error,
) -> Error {
    match step {
        Step::Apply(i) | Step::Revert(i) => {
            let m = &set.as_slice()[i];
            match statements.get(failed) {
                Some(s) => statement_error(m, s, e),
                None => Error::Recording {
                    file: m.file_name().to_string(),
                    db: DbError::from_postgres(e),
                },
            }
        }
        _ => Error::Database {
            doing: "updating the tracking table",
            db: DbError::from_postgres(e),
        },
    }
}

fn done(set: &Migrations, step: Step, start: Instant) -> Done {
    let (version, name, action) = match step {
        Step::Apply(i) => named(set, i, Action::Applied),
        Step::Revert(i) => named(set, i, Action::Reverted),
        Step::Record(i) => named(set, i, Action::Recorded),
        Step::AcceptChecksum(i) => named(set, i, Action::ChecksumAccepted),
        Step::ClearFailed(v) | Step::RestoreApplied(v) => (
            v,
            set.get(v).map(|m| m.name().to_string()).unwrap_or_default(),
            Action::FailureCleared,
        ),
    };
    Done {
        version,
        name,
        action,
        duration: start.elapsed(),
    }
}

fn named(set: &Migrations, i: usize, action: Action) -> (i64, String, Action) {
    let m: &Migration = &set.as_slice()[i];
    (m.version(), m.name().to_string(), action)
}

fn statement_error(m: &Migration, s: &Statement, e: &tokio_postgres::Error) -> Error {
    Error::Statement {
        file: m.file_name().to_string(),
        line: s.line(),
        db: DbError::from_postgres(e),
    }
}
