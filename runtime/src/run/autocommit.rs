//! A `no-transaction` migration: its statements one by one, each committed
//! on its own, its attempt recorded first, so that a run that dies part-way
//! leaves it marked for `repair` and nothing runs twice.

use std::time::Instant;

use sqlstrata_model::{Migration, Statement, StatementKind};

use crate::error::Error;
use crate::history::lock;
use crate::history::tracking;
use crate::plan::Step;
use crate::plan::history::RowState;
use crate::report::Gave;
use crate::report::Report;
use crate::run::blockers;
use crate::run::context::{Run, done, started, started_at, statement_error};
use crate::run::invalid_index;
use crate::run::lock_wait::{blockers_of, gave_way, gave_way_to};
use crate::run::retry::Retries;
use crate::run::script::{
    autocommit_sql, autocommit_statement_sql, step_migration, step_sql, units,
};
use crate::run::trace;
use crate::session::Session;

/// A `no-transaction` migration: its statements one by one, each committed
/// on its own (that is what `CREATE INDEX CONCURRENTLY` and its kind need).
/// The attempt is recorded and committed before the first statement, so
/// whatever happens next (a failing statement, a killed process, a dropped
/// connection) the migration is never silently run again: only `repair`
/// clears the record. A statement that gives way to a lock did nothing, and
/// only it is tried again.
pub(crate) async fn autocommit<S: Session>(
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
