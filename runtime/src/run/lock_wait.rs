//! A statement gave way to a lock: the sessions it waited for are named,
//! the wait is reported, and the run pauses before the next attempt, or
//! fails when the retry budget is spent.

use std::time::Duration;

use crate::error::{Blocker, DbError, Error};
use crate::report::Gave;
use crate::report::{LockWait, Report};
use crate::run::blockers;
use crate::run::context::Run;
use crate::run::retry::Retries;
use crate::run::trace;
use crate::session::Session;

/// A statement gave way to a lock: says so (with who it waited for) and
/// pauses before the next attempt, or fails when the budget is spent.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn gave_way<S: Session>(
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
pub(crate) async fn blockers_of<S: Session>(session: &mut S, sql: &str) -> Vec<Blocker> {
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
pub(crate) async fn gave_way_to<S: Session>(
    session: &mut S,
    run: &Run<'_>,
    retries: &mut Retries,
    report: &mut Report,
    (file, line): (String, Option<u32>),
    blockers: Vec<Blocker>,
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
