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

use std::time::{Duration, Instant};

use sqlstrata_model::{Migration, Migrations, Statement, StatementKind};

use crate::blockers;
use crate::error::{DbError, Error};
use crate::identity::{self, Candidates, Identity, Resolution};
use crate::invalid_index;
use crate::lock;
use crate::options::{LockMode, Options};
use crate::plan::{History, Operation, Plan, State, Step, plan, status};
use crate::privileges;
use crate::repeatable;
use crate::report::{Action, Done, LockWait, Report, Starting};
use crate::retry::{Gave, Retries};
use crate::script::{
    Batch, Segment, autocommit_sql, autocommit_statement_sql, render, segments, step_migration,
    step_sql, transaction_batch, units,
};
use crate::seal::{self, Boot};
use crate::session::Piece;
use crate::session::{Session, first_cell};
use crate::session_state::{CAPTURE_SQL, SessionStart, Sql};
use crate::trace;
use crate::tracking::{self, AppliedRow, RowState};

/// Whom a run tells as it goes: `done` with each migration once what was
/// done to it is committed, `wait` with each statement that gave way to a
/// lock (before the pause and the retry).
pub(crate) struct Hooks<'a> {
    pub done: &'a (dyn Fn(&Done) + Send + Sync),
    pub wait: &'a (dyn Fn(&LockWait) + Send + Sync),
    pub start: &'a (dyn Fn(&Starting) + Send + Sync),
}

/// The progress of a run, for the executors' callers.
pub(crate) type Progress<'a> = &'a Hooks<'a>;

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
    let history = match &resolution {
        Resolution::Existing(id) => read(session, set, id).await?,
        Resolution::Create(_) => History::default(),
    };
    if operation.is_read_only() {
        return status_report(session, set, &history, resolution.identity(), options).await;
    }
    // A `no-transaction` migration another run is applying right now looks
    // unfinished: only under the lock can it be told from an interrupted one.
    let in_progress = history
        .rows
        .iter()
        .any(|r| matches!(r.state, RowState::Applying | RowState::Reverting));
    if in_progress {
        return locked(session, set, operation, options, progress).await;
    }
    let preview = plan(set, &history, &operation, options)?;
    // Nothing to do, and the seal does not say so (a table an older
    // sqlstrata created, a squashed history, rows changed by hand): sealed
    // under the lock, so that the next boot is one row.
    let reseal = match &booted {
        Some(b) if preview.steps.is_empty() => {
            let (may, guardable) = can_seal(session, options).await;
            may && !b.seals(&history, guardable)
        }
        _ => false,
    };
    if preview.steps.is_empty() && matches!(resolution, Resolution::Existing(_)) && !reseal {
        return Ok(Report {
            warnings: preview.warnings,
            ..Report::default()
        });
    }
    if !preview.steps.is_empty() {
        preflight(session, set, &preview, options, &resolution).await?;
    }
    locked(session, set, operation, options, progress).await
}

/// Asks the server whether the role may do what `p` needs of the tracking
/// side (see `privileges`): a refusal names each grant, before anything ran.
async fn preflight<S: Session>(
    session: &mut S,
    set: &Migrations,
    p: &Plan,
    options: &Options,
    resolution: &Resolution,
) -> Result<(), Error> {
    let needs = privileges::Needs::of(set, p, options, matches!(resolution, Resolution::Create(_)));
    match session
        .query(&privileges::preflight_sql(resolution.identity()))
        .await
    {
        Ok(rows) => privileges::check(&rows, resolution.identity(), &needs),
        // An engine that cannot answer: the run itself will say.
        Err(_) => Ok(()),
    }
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
    // the seal's column) says nothing is sealed: the full read decides,
    // and seals.
    let mut boot = match session.query(&seal::boot_sql(&options.tracking)).await {
        Ok(rows) => Boot::parse(&rows),
        Err(_) => Boot::default(),
    };
    if boot.needs_count() {
        boot.rows = session
            .query(&seal::count_sql(&options.tracking))
            .await
            .ok()
            .and_then(|rows| rows.first()?.first()?.as_deref()?.parse().ok());
    }
    if boot.matches(&seal::set_digest(set)) {
        BootCheck::Noop
    } else {
        BootCheck::Miss(boot)
    }
}

/// Whether this role may seal the tracking table, and have its guard.
async fn can_seal<S: Session>(session: &mut S, options: &Options) -> (bool, bool) {
    session
        .query(&seal::can_sql(&options.tracking))
        .await
        .map(|rows| seal::parse_can(&rows))
        .unwrap_or((false, false))
}

/// Seals the tracking table with the digest of its rows as `set` sees them:
/// in a transaction that keeps writers out (waiting at most a moment for
/// them), the guard made first where the role may make it. Best effort:
/// when anything fails the table stays unsealed and the next run seals.
pub(crate) async fn seal<S: Session>(
    session: &mut S,
    set: &Migrations,
    id: &Identity,
    options: &Options,
) {
    let (may, guard) = can_seal(session, options).await;
    if !may {
        return;
    }
    let sealed = async {
        session.query("BEGIN").await.ok()?;
        session.query(&seal::prepare_sql(id, guard)).await.ok()?;
        let history = read(session, set, id).await.ok()?;
        session
            .query(&seal::write_sql(id, &seal::of(&history, guard)))
            .await
            .ok()?;
        session.query("COMMIT").await.ok()
    }
    .await;
    if sealed.is_none() {
        let _ = session.query("ROLLBACK").await;
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

/// What the tracking side holds as `set` sees it (see [`History`]).
pub(crate) async fn read<S: Session>(
    session: &mut S,
    set: &Migrations,
    id: &Identity,
) -> Result<History, Error> {
    let cells = session
        .query(&tracking::select_sql(id))
        .await
        .map_err(Error::database("reading the tracking table"))?;
    let raw: Vec<AppliedRow> = cells
        .iter()
        .filter_map(|c| tracking::parse_row(c))
        .collect();
    let count = raw.len();
    let beside = session
        .query(&repeatable::exists_sql(id))
        .await
        .map_err(Error::database("finding the repeatables' table"))?;
    let repeatables = if first_cell(&beside) == Some("t") {
        session
            .query(&repeatable::select_sql(id))
            .await
            .map_err(Error::database("reading the repeatables' table"))?
            .iter()
            .filter_map(|c| repeatable::parse_row(c))
            .collect()
    } else {
        Vec::new()
    };
    Ok(History {
        rows: crate::squash::view(set, raw)?,
        repeatables,
        raw: count,
    })
}

async fn status_report<S: Session>(
    session: &mut S,
    set: &Migrations,
    history: &History,
    id: &Identity,
    options: &Options,
) -> Result<Report, Error> {
    let mut entries = status(set, history);
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
    let history = match &resolution {
        Resolution::Existing(id) => read(session, set, id).await?,
        Resolution::Create(_) => History::default(),
    };
    let p = plan(set, &history, &operation, options)?;
    let restore = restore_sql(session).await?;
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
    script.push_str(&render(set, &p, options, resolution.identity(), &restore));
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
                    lock::advisory(session, key, options.runner_timeout, &id.qualified()).await?;
                    session.on_abandon(Some(format!(
                        "{}; SELECT pg_advisory_unlock({key})",
                        lock::abandon_sql(held)
                    )));
                    Some(lock::Held::Advisory { key })
                }
                _ => None,
            };
            let created = match resolve(session, options).await {
                Ok(Resolution::Create(again)) if &again == id => {
                    match tracking::ensure_schema(session, &id.schema).await {
                        Ok(()) => session
                            .query(&tracking::create_sql(id))
                            .await
                            .map(|_| true)
                            .map_err(Error::database("creating the tracking table")),
                        Err(e) => Err(e),
                    }
                }
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
    let history = read(session, set, id).await?;
    let p = plan(set, &history, &operation, options)?;
    let mut report = Report {
        warnings: p.warnings.clone(),
        ..Report::default()
    };
    // The repeatables' table, made when a repeatable first runs.
    if p.steps
        .iter()
        .any(|s| matches!(s, Step::ApplyRepeatable(_)))
    {
        session
            .query(&repeatable::create_sql(id))
            .await
            .map_err(Error::database("creating the repeatables' table"))?;
    }
    let result = match (p.steps.is_empty(), restore_sql(session).await) {
        (true, _) => Ok(()),
        (false, Ok(restore)) => {
            let run = Run {
                set,
                plan: &p,
                options,
                id,
                held,
                restore,
                hooks: progress,
            };
            carry_out(session, &run, &mut report).await
        }
        (false, Err(e)) => Err(e),
    };
    // Whatever happened, the digest of what is now recorded, for the next boot.
    seal(session, set, id, options).await;
    result?;
    if report.done.iter().any(|d| {
        matches!(
            d.action,
            Action::Applied | Action::Recorded | Action::AppliedRepeatable
        )
    }) {
        report.batch = Some(p.batch);
    }
    Ok(Some(report))
}

/// What a run carries through its steps: where it records, what it holds,
/// how the session looked when it began, and whom to tell.
struct Run<'r> {
    set: &'r Migrations,
    plan: &'r Plan,
    options: &'r Options,
    id: &'r Identity,
    held: &'r lock::Held,
    /// The SQL that puts the session back as the run found it.
    restore: Sql,
    hooks: &'r Hooks<'r>,
}

async fn carry_out<S: Session>(
    session: &mut S,
    run: &Run<'_>,
    report: &mut Report,
) -> Result<(), Error> {
    for segment in segments(run.set, run.plan, run.options) {
        let done = match segment {
            Segment::Transaction(steps) => transaction(session, run, &steps, report).await,
            Segment::Autocommit(step) => autocommit(session, run, step, report).await,
        };
        if let Err(e) = done {
            return Err(with_privilege_hint(session, e).await);
        }
    }
    Ok(())
}

/// A statement PostgreSQL refused for a missing privilege (42501), with no
/// hint of its own, gets one that names the role and the usual grant.
async fn with_privilege_hint<S: Session>(session: &mut S, mut e: Error) -> Error {
    if let Error::Statement { db, .. } = &mut e
        && db.code == "42501"
        && db.hint.is_none()
        && let Ok(rows) = session.query("SELECT current_user").await
        && let Some(role) = rows.first().and_then(|r| r.first()).cloned().flatten()
    {
        db.hint = Some(privileges::hint(&db.message, &role));
    }
    e
}

/// How the session looked when the run began, as the SQL that puts it
/// back (see `session_state`).
pub(crate) async fn restore_sql<S: Session>(session: &mut S) -> Result<Sql, Error> {
    let rows = session
        .query(CAPTURE_SQL)
        .await
        .map_err(Error::database("reading the session's settings"))?;
    SessionStart::parse(&rows)
        .map(|start| start.restore_sql())
        .ok_or_else(|| Error::Database {
            doing: "reading the session's settings",
            db: Box::new(DbError {
                code: String::new(),
                message: "the server's answer was not a session's state".into(),
                detail: None,
                hint: None,
            }),
        })
}

/// Tells the run's caller that `step`'s migration starts.
fn started(run: &Run<'_>, step: Step) {
    started_at(run, step, None);
}

/// Tells the run's caller that `step`'s migration, or its statement at
/// `line`, starts.
fn started_at(run: &Run<'_>, step: Step, line: Option<u32>) {
    if let Some(m) = step_migration(run.set, step) {
        let at = run.plan.steps.iter().position(|s| *s == step).unwrap_or(0);
        (run.hooks.start)(&Starting {
            file: m.file_name().to_string(),
            step: at + 1,
            steps: run.plan.steps.len(),
            line,
        });
    }
}

/// Why an attempt at a transaction ended.
enum Ended {
    /// A statement gave way to a lock; the transaction was rolled back.
    LockWait {
        step: Step,
        /// Its line (`None`: the migration's record).
        line: Option<u32>,
        /// The SQL that waited, to find who it waited for.
        sql: String,
        gave: Gave,
        error: crate::session::SessionError,
    },
    /// Anything else: the run stops.
    Failed(Error),
}

/// The steps of one transaction, tried again as a whole whenever a
/// statement gives way to a lock, until the retry budget is spent: each
/// attempt starts from nothing (the failed one was rolled back), so no
/// statement's effect happens twice.
async fn transaction<S: Session>(
    session: &mut S,
    run: &Run<'_>,
    steps: &[Step],
    report: &mut Report,
) -> Result<(), Error> {
    let mut retries = Retries::new(run.options.retry_budget(run.set));
    loop {
        // A lease is renewed between transactions, where others see it.
        lock::renew(session, run.held).await?;
        let ended = match attempt(session, run, steps).await {
            Ok(finished) => {
                trace::committed(finished.len());
                // Reported once committed, not before.
                for d in finished {
                    (run.hooks.done)(&d);
                    report.done.push(d);
                }
                return Ok(());
            }
            Err(ended) => ended,
        };
        let Ended::LockWait {
            step,
            line,
            sql,
            gave,
            error,
        } = ended
        else {
            let Ended::Failed(e) = ended else {
                unreachable!("matched above")
            };
            return Err(e);
        };
        let file = step_file(run.set, step);
        let bound = step_migration(run.set, step)
            .zip(line.and_then(|l| step_statement(run.set, step, l)))
            .and_then(|(m, s)| run.options.bounds_of(run.set, m, s).lock_timeout)
            .or(run.options.run_bounds(run.set).lock_timeout);
        gave_way(
            session,
            run,
            &mut retries,
            report,
            file,
            line,
            &sql,
            gave,
            bound,
            &error,
        )
        .await?;
    }
}

/// A statement gave way to a lock: says so (with who it waited for) and
/// pauses before the next attempt, or fails when the budget is spent.
#[allow(clippy::too_many_arguments)]
async fn gave_way<S: Session>(
    session: &mut S,
    run: &Run<'_>,
    retries: &mut Retries,
    report: &mut Report,
    file: String,
    line: Option<u32>,
    sql: &str,
    gave: Gave,
    bound: Option<Duration>,
    error: &DbError,
) -> Result<(), Error> {
    let blockers = blockers_of(session, sql).await;
    gave_way_to(
        session,
        run,
        retries,
        report,
        (file, line),
        blockers,
        gave,
        bound,
        error,
    )
    .await
}

/// The sessions that hold or wait for locks on what `sql` names (none when
/// the query fails: the report then names nobody).
async fn blockers_of<S: Session>(session: &mut S, sql: &str) -> Vec<blockers::Blocker> {
    match blockers::blockers_sql(&blockers::relation_names(sql)) {
        Some(q) => session
            .query(&q)
            .await
            .map(|rows| blockers::parse(&rows))
            .unwrap_or_default(),
        None => Vec::new(),
    }
}

/// [`gave_way`] with the blockers already found.
#[allow(clippy::too_many_arguments)]
async fn gave_way_to<S: Session>(
    session: &mut S,
    run: &Run<'_>,
    retries: &mut Retries,
    report: &mut Report,
    (file, line): (String, Option<u32>),
    blockers: Vec<blockers::Blocker>,
    gave: Gave,
    bound: Option<Duration>,
    error: &DbError,
) -> Result<(), Error> {
    let attempt = retries.attempt();
    let Some(pause) = retries.next_pause() else {
        return Err(Error::LockRetriesSpent {
            file,
            line,
            attempts: attempt,
            waited: retries.elapsed(),
            blockers,
            db: Box::new(error.clone()),
        });
    };
    let wait = LockWait {
        file,
        line,
        attempt,
        gave,
        bound: bound.filter(|b| !b.is_zero() && gave == Gave::LockTimeout),
        retry_in: pause,
        blockers,
    };
    trace::lock_wait(&wait);
    (run.hooks.wait)(&wait);
    report.lock_waits.push(wait);
    session.sleep(pause).await;
    Ok(())
}

/// One attempt at a transaction: every step's batch, then `COMMIT`. What
/// each step did, for the report once committed.
async fn attempt<S: Session>(
    session: &mut S,
    run: &Run<'_>,
    steps: &[Step],
) -> Result<Vec<Done>, Ended> {
    session
        .query("BEGIN")
        .await
        .map_err(|e| Ended::Failed(Error::database("starting a transaction")(e)))?;
    let mut finished = Vec::with_capacity(steps.len());
    for step in steps {
        let step = *step;
        started(run, step);
        let start = Instant::now();
        let batch = transaction_batch(run.set, run.plan, step, run.id, run.options, &run.restore);
        let pieces: Vec<Piece<'_>> = batch
            .sql
            .iter()
            .zip(&batch.counts)
            .map(|(sql, n)| Piece {
                sql,
                statements: *n,
            })
            .collect();
        let span = match step_migration(run.set, step) {
            Some(m) => trace::migration(m.version(), m.file_name(), matches!(step, Step::Apply(_))),
            None => trace::migration(0, "tracking table", true),
        };
        match trace::traced(session.batch(&pieces), span.clone()).await {
            Ok(took) => {
                if let Some(m) = step_migration(run.set, step) {
                    trace::within(&span, || {
                        for (s, d) in batch.statements.iter().zip(took.iter().skip(batch.first)) {
                            trace::statement(m.file_name(), s.line(), *d);
                        }
                    });
                }
            }
            Err((failed, e)) => {
                let _ = session.query("ROLLBACK").await;
                if let Some(gave) = Gave::of(&e)
                    && (batch.statement(failed).is_some() || batch.is_record(failed))
                {
                    return Err(Ended::LockWait {
                        step,
                        line: batch.statement(failed).map(Statement::line),
                        sql: pieces
                            .get(failed)
                            .map_or_else(String::new, |p| p.sql.to_string()),
                        gave,
                        error: e,
                    });
                }
                return Err(Ended::Failed(step_error(run.set, step, &batch, failed, &e)));
            }
        }
        finished.extend(done(run.set, step, start));
    }
    session
        .query("COMMIT")
        .await
        .map_err(|e| Ended::Failed(Error::database("committing")(e)))?;
    Ok(finished)
}

/// A `no-transaction` migration: its statements one by one, each committed
/// on its own (that is what `CREATE INDEX CONCURRENTLY` and its kind need).
/// The attempt is recorded and committed before the first statement, so
/// whatever happens next (a failing statement, a killed process, a dropped
/// connection) the migration is never silently run again: only `repair`
/// clears the record. A statement that gives way to a lock did nothing, and
/// only it is tried again.
async fn autocommit<S: Session>(
    session: &mut S,
    run: &Run<'_>,
    step: Step,
    report: &mut Report,
) -> Result<(), Error> {
    let Some(m) = step_migration(run.set, step) else {
        return Ok(());
    };
    lock::renew(session, run.held).await?;
    started(run, step);
    let start = Instant::now();
    let (statements, _) = step_sql(run.set, run.plan, step, run.id, None);
    let Some((attempt, _)) = autocommit_sql(run.set, run.plan, step, run.id, None) else {
        return Ok(());
    };
    session.query(&attempt).await.map_err(Error::database(
        "recording the attempt in the tracking table",
    ))?;
    for (n, unit) in units(statements).into_iter().enumerate() {
        if n > 0 {
            lock::renew(session, run.held).await?;
        }
        let first = &statements[unit.start];
        started_at(run, step, Some(first.line()));
        let result = if unit.len() == 1 {
            autocommit_statement(session, run, m, first, report).await
        } else {
            autocommit_block(session, run, m, &statements[unit], report).await
        };
        if let Err(e) = result {
            // Best effort: if the connection is gone, the attempt's row
            // already says the migration did not finish.
            let _ = session.query(&run.restore.text).await;
            let line = e.line().unwrap_or(first.line());
            let record = match (step, n == 0 && matches!(e, Error::InvalidIndex { .. })) {
                // A repeatable's record went before its first statement:
                // it runs again at the next `up`.
                (Step::ApplyRepeatable(_), _) => return Err(e),
                // Refused before its first statement ran: nothing to repair.
                (Step::Apply(_), true) => tracking::delete_sql(run.id, m.version()),
                (_, true) => {
                    tracking::set_state_sql(run.id, m.version(), RowState::Applied, None, None)
                }
                (Step::Apply(_), false) => {
                    tracking::set_state_sql(run.id, m.version(), RowState::Failed, Some(line), None)
                }
                (_, false) => tracking::set_state_sql(
                    run.id,
                    m.version(),
                    RowState::FailedDown,
                    Some(line),
                    None,
                ),
            };
            let _ = session.query(&record).await;
            return Err(e);
        }
    }
    session
        .query(&run.restore.text)
        .await
        .map_err(Error::database("restoring the session's settings"))?;
    let elapsed = i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX);
    let Some((_, outcome)) = autocommit_sql(run.set, run.plan, step, run.id, Some(elapsed)) else {
        return Ok(());
    };
    session
        .query(&outcome)
        .await
        .map_err(|e| Error::Recording {
            file: m.file_name().to_string(),
            db: e,
        })?;
    if let Some(d) = done(run.set, step, start) {
        (run.hooks.done)(&d);
        report.done.push(d);
    }
    Ok(())
}

/// One statement of a `no-transaction` migration, retried while it gives
/// way to a lock; one that builds an index concurrently is guarded against
/// the `INVALID` index a failure leaves (see `invalid_index`).
async fn autocommit_statement<S: Session>(
    session: &mut S,
    run: &Run<'_>,
    m: &Migration,
    s: &Statement,
    report: &mut Report,
) -> Result<(), Error> {
    let (set_bounds, sql) = autocommit_statement_sql(run.set, m, s, run.options);
    let guarded = s.kind().builds_index_concurrently();
    let names = if guarded {
        blockers::relation_names(s.sql())
    } else {
        Vec::new()
    };
    let before = if guarded {
        invalid_indexes(session, &names).await
    } else {
        Vec::new()
    };
    if s.kind() == StatementKind::CreateIndexConcurrently
        && let Some(index) = invalid_index::named(&before, &names)
    {
        return Err(Error::InvalidIndex {
            file: m.file_name().to_string(),
            line: s.line(),
            index: index.qualified.clone(),
        });
    }
    let mut retries = Retries::new(run.options.retry_budget(run.set));
    loop {
        if let Some(bounds) = &set_bounds {
            session
                .query(bounds)
                .await
                .map_err(Error::database("setting the statement's time bounds"))?;
        }
        let started = Instant::now();
        let span = trace::migration(m.version(), m.file_name(), true);
        let result = trace::traced(session.query(&sql), span.clone()).await;
        trace::within(&span, || {
            trace::statement(m.file_name(), s.line(), started.elapsed())
        });
        let Err(e) = result else {
            return Ok(());
        };
        let left = if guarded {
            invalid_index::left_behind(&before, invalid_indexes(session, &names).await)
        } else {
            Vec::new()
        };
        let Some(gave) = Gave::of(&e) else {
            if !left.is_empty() {
                return Err(Error::IndexLeftInvalid {
                    file: m.file_name().to_string(),
                    line: s.line(),
                    db: e,
                    indexes: left.into_iter().map(|i| i.qualified).collect(),
                });
            }
            return Err(statement_error(m, s, &e));
        };
        let blockers = blockers_of(session, s.sql()).await;
        // What this failed attempt left is its own: gone before the next,
        // dropped without the statement's bounds (it waits for the same
        // transactions, as it must, without blocking the application).
        if !left.is_empty() {
            session
                .query(&run.restore.text)
                .await
                .map_err(Error::database("restoring the session's settings"))?;
        }
        for index in &left {
            session
                .query(&invalid_index::drop_sql(index))
                .await
                .map_err(Error::database(
                    "dropping the invalid index a failed attempt left",
                ))?;
        }
        let bound = run.options.bounds_of(run.set, m, s).lock_timeout;
        gave_way_to(
            session,
            run,
            &mut retries,
            report,
            (m.file_name().to_string(), Some(s.line())),
            blockers,
            gave,
            bound,
            &e,
        )
        .await?;
    }
}

/// A transaction block of a `no-transaction` migration, from its `BEGIN` to
/// its `COMMIT` (or `ROLLBACK`): its statements one by one inside it, and
/// the whole block tried again from its `BEGIN` when one gives way to a
/// lock (the block was rolled back: nothing of it happened).
async fn autocommit_block<S: Session>(
    session: &mut S,
    run: &Run<'_>,
    m: &Migration,
    block: &[Statement],
    report: &mut Report,
) -> Result<(), Error> {
    let mut retries = Retries::new(run.options.retry_budget(run.set));
    loop {
        let mut failed = None;
        for s in block {
            let (_, sql) = autocommit_statement_sql(run.set, m, s, run.options);
            let started = Instant::now();
            let span = trace::migration(m.version(), m.file_name(), true);
            let result = trace::traced(session.query(&sql), span.clone()).await;
            trace::within(&span, || {
                trace::statement(m.file_name(), s.line(), started.elapsed())
            });
            if let Err(e) = result {
                failed = Some((s, e));
                break;
            }
        }
        let Some((s, e)) = failed else {
            return Ok(());
        };
        let _ = session.query("ROLLBACK").await;
        let Some(gave) = Gave::of(&e) else {
            return Err(statement_error(m, s, &e));
        };
        let bound = run.options.bounds_of(run.set, m, s).lock_timeout;
        gave_way(
            session,
            run,
            &mut retries,
            report,
            m.file_name().to_string(),
            Some(s.line()),
            s.sql(),
            gave,
            bound,
            &e,
        )
        .await?;
    }
}

/// The invalid indexes on what `names` names (none when the query fails:
/// the guard then has nothing to compare, and says nothing).
async fn invalid_indexes<S: Session>(
    session: &mut S,
    names: &[String],
) -> Vec<invalid_index::Invalid> {
    match invalid_index::invalid_sql(names) {
        Some(q) => session
            .query(&q)
            .await
            .map(|rows| invalid_index::parse(&rows))
            .unwrap_or_default(),
        None => Vec::new(),
    }
}

fn step_file(set: &Migrations, step: Step) -> String {
    step_migration(set, step).map_or_else(
        || "the tracking table".to_string(),
        |m| m.file_name().to_string(),
    )
}

/// The statement of `step`'s migration at `line`, in the direction it runs.
fn step_statement(set: &Migrations, step: Step, line: u32) -> Option<&Statement> {
    let m = step_migration(set, step)?;
    let list = match step {
        Step::Revert(_) => m.down().unwrap_or(&[]),
        _ => m.up(),
    };
    list.iter().find(|s| s.line() == line)
}

/// The error of a step whose batch failed at `sql[failed]`: one of the
/// migration's statements, the session's restore, or the record.
fn step_error(
    set: &Migrations,
    step: Step,
    batch: &Batch<'_>,
    failed: usize,
    e: &DbError,
) -> Error {
    let Some(m) = step_migration(set, step) else {
        return Error::Database {
            doing: "updating the tracking table",
            db: Box::new(e.clone()),
        };
    };
    if let Some(s) = batch.statement(failed) {
        return statement_error(m, s, e);
    }
    if batch.is_record(failed) {
        return Error::Recording {
            file: m.file_name().to_string(),
            db: Box::new(e.clone()),
        };
    }
    Error::Database {
        doing: if failed < batch.first {
            "setting the migration's time bounds"
        } else {
            "restoring the session's settings after the migration"
        },
        db: Box::new(e.clone()),
    }
}

/// What `step` did, for the report (nothing for the repeatables' records
/// forgotten: no migration of its own).
fn done(set: &Migrations, step: Step, start: Instant) -> Option<Done> {
    let (version, name, action) = match step {
        Step::Apply(i) => named(set, i, Action::Applied),
        Step::Revert(i) => named(set, i, Action::Reverted),
        Step::Record(i) => named(set, i, Action::Recorded),
        Step::AcceptChecksum(i) => named(set, i, Action::ChecksumAccepted),
        Step::ApplyRepeatable(j) => (
            0,
            set.repeatables()[j].name().to_string(),
            Action::AppliedRepeatable,
        ),
        Step::ForgetRepeatables { .. } => return None,
        Step::ClearFailed(v) | Step::RestoreApplied(v) => (
            v,
            set.get(v).map(|m| m.name().to_string()).unwrap_or_default(),
            Action::FailureCleared,
        ),
    };
    Some(Done {
        version,
        name,
        action,
        duration: start.elapsed(),
    })
}

fn named(set: &Migrations, i: usize, action: Action) -> (i64, String, Action) {
    let m: &Migration = &set.as_slice()[i];
    (m.version(), m.name().to_string(), action)
}

fn statement_error(m: &Migration, s: &Statement, e: &DbError) -> Error {
    Error::Statement {
        file: m.file_name().to_string(),
        line: s.line(),
        db: Box::new(e.clone()),
    }
}
