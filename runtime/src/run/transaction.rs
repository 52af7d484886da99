//! The steps of one transaction: every step's batch in one round trip, then
//! `COMMIT`; the whole transaction tried again from nothing when a
//! statement gives way to a lock, until the retry budget is spent.

use std::time::Instant;

use sqlstrata_model::Statement;

use crate::error::Error;
use crate::history::lock;
use crate::plan::Step;
use crate::report::Gave;
use crate::report::{Done, Report};
use crate::run::context::{Run, done, started, step_error, step_file, step_statement};
use crate::run::lock_wait::gave_way;
use crate::run::retry::Retries;
use crate::run::script::{step_migration, transaction_batch};
use crate::run::trace;
use crate::session::{Piece, Session};

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
pub(crate) async fn transaction<S: Session>(
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
