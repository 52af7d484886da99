//! Carrying out a plan: the lock, the tracking table, transactions. Written
//! once over [`Session`]; the sync and async APIs both call [`execute`].

use std::time::{Duration, Instant};

use crate::script::{Segment, segments, step_sql};

use crate::embedded::{Migration, Migrations, Statement};
use crate::error::{DbError, Error};
use crate::options::Options;
use crate::plan::{Operation, Plan, Step, plan, status};
use crate::report::{Done, Report};
use crate::session::Session;
use crate::tracking::{self, AppliedRow};

const UNDEFINED_TABLE: &str = "42P01";
const UNDEFINED_COLUMN: &str = "42703";
const UNDEFINED_SCHEMA: &str = "3F000";

fn db(doing: &'static str) -> impl Fn(tokio_postgres::Error) -> Error {
    move |e| Error::Database {
        doing,
        source: DbError::from_postgres(&e),
    }
}

fn code(e: &tokio_postgres::Error) -> Option<&str> {
    e.as_db_error().map(|d| d.code().code())
}

/// Runs `operation` of `set` through `session`.
pub(crate) async fn execute<S: Session>(
    session: &mut S,
    set: &Migrations,
    operation: Operation,
    options: &Options,
    progress: Progress<'_>,
) -> Result<Report, Error> {
    // The boot path: one round trip reads the table without the lock; when
    // there is nothing to do and nothing drifted, that is all.
    match session
        .query(&tracking::select_sql(&options.tracking))
        .await
    {
        Ok(cells) => {
            let rows = parse_rows(&cells);
            let p = plan(set, &rows, &operation, options)?;
            if p.steps.is_empty() {
                return Ok(report(set, &rows, &operation, p));
            }
        }
        Err(e)
            if matches!(
                code(&e),
                Some(UNDEFINED_TABLE | UNDEFINED_SCHEMA | UNDEFINED_COLUMN)
            ) =>
        {
            if operation.is_read_only() {
                return Ok(report(set, &[], &operation, Plan::default()));
            }
        }
        Err(e) => return Err(db("reading the tracking table")(e)),
    }

    lock(session, options).await?;
    let result = locked(session, set, operation, options, progress).await;
    // Released on every path; a broken connection releases it by itself.
    let unlock = format!(
        "SELECT pg_advisory_unlock({})",
        tracking::lock_key(&options.tracking)
    );
    let _ = session.query(&unlock).await;
    result
}

/// The SQL `operation` would run, without running it: the tracking table is
/// read without the lock and nothing is created.
pub(crate) async fn dry_run<S: Session>(
    session: &mut S,
    set: &Migrations,
    operation: Operation,
    options: &Options,
) -> Result<String, Error> {
    let rows = match session
        .query(&tracking::select_sql(&options.tracking))
        .await
    {
        Ok(cells) => parse_rows(&cells),
        Err(e) if matches!(code(&e), Some(UNDEFINED_TABLE | UNDEFINED_SCHEMA)) => Vec::new(),
        Err(e) => return Err(db("reading the tracking table")(e)),
    };
    let p = plan(set, &rows, &operation, options)?;
    let mut script = String::new();
    for w in &p.warnings {
        script.push_str(&format!("-- warning: {w}\n"));
    }
    script.push_str(&crate::script::render(set, &p, options));
    Ok(script)
}

async fn lock<S: Session>(session: &mut S, options: &Options) -> Result<(), Error> {
    let key = tracking::lock_key(&options.tracking);
    let sql = format!("SELECT pg_try_advisory_lock({key})");
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        let rows = session
            .query(&sql)
            .await
            .map_err(db("taking the advisory lock"))?;
        if rows
            .first()
            .and_then(|r| r.first())
            .and_then(|c| c.as_deref())
            == Some("t")
        {
            return Ok(());
        }
        if start.elapsed() >= options.lock_timeout {
            return Err(Error::LockTimeout {
                table: options.tracking.qualified(),
                waited_ms: start.elapsed().as_millis(),
            });
        }
        session.sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

fn parse_rows(cells: &[Vec<Option<String>>]) -> Vec<AppliedRow> {
    cells
        .iter()
        .filter_map(|c| tracking::parse_row(c))
        .collect()
}

fn report(set: &Migrations, rows: &[AppliedRow], operation: &Operation, p: Plan) -> Report {
    Report {
        batch: None,
        done: Vec::new(),
        warnings: p.warnings,
        status: if operation.is_read_only() {
            status(set, rows)
        } else {
            Vec::new()
        },
    }
}

async fn locked<S: Session>(
    session: &mut S,
    set: &Migrations,
    operation: Operation,
    options: &Options,
    progress: Progress<'_>,
) -> Result<Report, Error> {
    let table = &options.tracking;
    let columns = session
        .query(&tracking::columns_sql(table))
        .await
        .map_err(db("inspecting the tracking table"))?;
    let columns: Vec<String> = columns
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect();
    if columns.is_empty() {
        session
            .query(&tracking::create_sql(table))
            .await
            .map_err(db("creating the tracking table"))?;
    } else if columns != tracking::COLUMNS {
        return Err(Error::ForeignTrackingTable {
            table: table.qualified(),
            columns: columns.join(", "),
        });
    }
    let cells = session
        .query(&tracking::select_sql(table))
        .await
        .map_err(db("reading the tracking table"))?;
    let rows = parse_rows(&cells);
    let p = plan(set, &rows, &operation, options)?;
    let mut report = report(
        set,
        &rows,
        &operation,
        Plan {
            warnings: p.warnings.clone(),
            ..Plan::default()
        },
    );
    let mut tx = Transaction {
        open: false,
        ran: Vec::new(),
    };
    let result = carry_out(session, set, &p, options, &mut tx, &mut report, progress).await;
    match result {
        Ok(()) => {
            if p.steps
                .iter()
                .any(|s| matches!(s, Step::Apply(_) | Step::Record(_)))
            {
                report.batch = Some(p.batch);
            }
            Ok(report)
        }
        Err(e) => {
            if tx.open {
                let _ = session.query("ROLLBACK").await;
            }
            Err(e)
        }
    }
}

struct Transaction {
    open: bool,
    /// The sections run in the open transaction so far, to replay them when
    /// a later one fails and we look for the failing statement.
    ran: Vec<Vec<Statement>>,
}

impl Transaction {
    async fn begin<S: Session>(&mut self, session: &mut S) -> Result<(), Error> {
        if !self.open {
            session
                .query("BEGIN")
                .await
                .map_err(db("starting a transaction"))?;
            self.open = true;
        }
        Ok(())
    }

    async fn commit<S: Session>(&mut self, session: &mut S) -> Result<(), Error> {
        if self.open {
            session.query("COMMIT").await.map_err(db("committing"))?;
            self.open = false;
            self.ran.clear();
        }
        Ok(())
    }
}

async fn carry_out<S: Session>(
    session: &mut S,
    set: &Migrations,
    p: &Plan,
    options: &Options,
    tx: &mut Transaction,
    report: &mut Report,
    progress: Progress<'_>,
) -> Result<(), Error> {
    for segment in segments(set, p, options) {
        match segment {
            Segment::Transaction(steps) => {
                tx.begin(session).await?;
                for step in steps {
                    let start = Instant::now();
                    let (statements, record) = step_sql(set, p, step, options, None);
                    match step {
                        Step::Apply(i) | Step::Revert(i) => {
                            run_in_transaction(
                                session,
                                tx,
                                &set.as_slice()[i],
                                statements,
                                &record,
                            )
                            .await?;
                        }
                        _ => {
                            session
                                .query(&record)
                                .await
                                .map_err(db("updating the tracking table"))?;
                        }
                    }
                    done(set, step, start, report, progress);
                }
                tx.commit(session).await?;
            }
            Segment::Autocommit(step) => {
                // Statements that cannot run in a transaction block run one
                // by one, each committed on its own. A failure after the
                // first has changed the database: it is recorded as failed,
                // with the line, and blocks later runs until repaired.
                let (Step::Apply(i) | Step::Revert(i)) = step else {
                    continue;
                };
                let m = &set.as_slice()[i];
                let start = Instant::now();
                let (statements, _) = step_sql(set, p, step, options, None);
                for (n, s) in statements.iter().enumerate() {
                    if let Err(e) = session.query(s.sql()).await {
                        if n > 0 && matches!(step, Step::Apply(_)) {
                            let failed = tracking::insert_sql(
                                &options.tracking,
                                m,
                                p.batch,
                                Some(elapsed_ms(start)),
                                Some(s.line()),
                            );
                            let _ = session.query(&failed).await;
                        }
                        return Err(statement_error(m, s, &e));
                    }
                }
                let (_, record) = step_sql(set, p, step, options, Some(elapsed_ms(start)));
                session
                    .query(&record)
                    .await
                    .map_err(db("recording the migration"))?;
                done(set, step, start, report, progress);
            }
        }
    }
    Ok(())
}

/// Called with each migration as it finishes.
pub(crate) type Progress<'a> = &'a (dyn Fn(&Done) + Send + Sync);

fn done(set: &Migrations, step: Step, start: Instant, report: &mut Report, progress: Progress<'_>) {
    let (version, name) = match step {
        Step::Apply(i) | Step::Revert(i) | Step::Record(i) | Step::AcceptChecksum(i) => {
            let m = &set.as_slice()[i];
            (m.version(), m.name().to_string())
        }
        Step::ClearFailed(v) => (v, String::new()),
    };
    let d = Done {
        version,
        name,
        reverted: matches!(step, Step::Revert(_) | Step::ClearFailed(_)),
        duration: start.elapsed(),
    };
    progress(&d);
    report.done.push(d);
}

/// One round trip for the whole migration and its tracking row. When it
/// fails, the transaction is rolled back and replayed in a new one (what ran
/// before in it, then this migration's statements one by one) to name the
/// statement that failed and its line; that one is rolled back too. Failure
/// is rare, so the happy path carries no savepoint.
async fn run_in_transaction<S: Session>(
    session: &mut S,
    tx: &mut Transaction,
    m: &Migration,
    statements: &[Statement],
    record: &str,
) -> Result<(), Error> {
    let mut sql = String::new();
    for s in statements {
        sql.push_str(s.sql());
        sql.push_str(";\n");
    }
    sql.push_str(record);
    let Err(first) = session.query(&sql).await else {
        tx.ran.push(statements.to_vec());
        return Ok(());
    };
    let ran = std::mem::take(&mut tx.ran);
    tx.open = false;
    let _ = session.query("ROLLBACK").await;
    let mut found = None;
    if session.query("BEGIN").await.is_ok() {
        let mut replayed = true;
        for section in &ran {
            let joined: Vec<&str> = section.iter().map(Statement::sql).collect();
            replayed &= session.query(&joined.join(";\n")).await.is_ok();
        }
        if replayed {
            for s in statements {
                if let Err(e) = session.query(s.sql()).await {
                    found = Some(statement_error(m, s, &e));
                    break;
                }
            }
        }
        let _ = session.query("ROLLBACK").await;
    }
    // Found, or else the statements pass one by one: the tracking row
    // failed, or the connection is gone.
    Err(found.unwrap_or_else(|| Error::Statement {
        file: m.file_name().to_string(),
        line: statements.first().map_or(0, Statement::line),
        source: DbError::from_postgres(&first),
    }))
}

fn statement_error(m: &Migration, s: &Statement, e: &tokio_postgres::Error) -> Error {
    Error::Statement {
        file: m.file_name().to_string(),
        line: s.line(),
        source: DbError::from_postgres(e),
    }
}

fn elapsed_ms(start: Instant) -> i64 {
    i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX)
}
