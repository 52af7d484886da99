//! The run from start to end: the boot's one-row check, the history read
//! without the lock (read-only operations and runs with nothing to do end
//! there), the privilege preflight, the lock, the history again under it,
//! the plan, its segments carried out (one transaction each, or autocommit
//! for a `no-transaction` migration), and the seal.

use sqlstrata_model::Migrations;

use crate::error::{DbError, Error};
use crate::history::identity::{self, Identity, Resolution, resolve};
use crate::history::privileges;
use crate::history::read::read;
use crate::history::repeatable;
use crate::history::seal::{self, Boot, can_seal};
use crate::history::{lock, tracking};
use crate::options::{LockMode, Options};
use crate::plan::history::{History, RowState};
use crate::plan::{Operation, Plan, State, Step, plan, status};
use crate::report::{Action, Report};
use crate::run::autocommit::autocommit;
use crate::run::context::{Progress, Run};
use crate::run::script::{Segment, render, segments};
use crate::run::session_state::restore_sql;
use crate::run::trace;
use crate::run::transaction::transaction;
use crate::session::Session;

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
    seal::write(session, set, id, options).await;
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
