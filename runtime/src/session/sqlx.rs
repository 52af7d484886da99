//! The run on a sqlx connection (the `sqlx` feature): SQL goes through
//! sqlx's simple-query path (`raw_sql`), as it does through
//! tokio-postgres's, so a batch is one round trip and the statement that
//! failed is the one after the last `CommandComplete`.

use std::time::Duration;

use futures_util::StreamExt;
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, Either, Executor, PgConnection, Postgres, Row, ValueRef};

use crate::error::DbError;
use crate::redact::redact;
use crate::session::{BatchError, Piece, PieceClock, Rows, SessionError};

/// A sqlx connection for one run: the pool's (owned for the run) or the
/// caller's.
pub(crate) struct Sqlx<'a> {
    conn: Conn<'a>,
    abandon: Option<String>,
}

enum Conn<'a> {
    Pooled(PoolConnection<Postgres>),
    Borrowed(&'a mut PgConnection),
}

impl<'a> Sqlx<'a> {
    pub(crate) fn pooled(conn: PoolConnection<Postgres>) -> Self {
        Sqlx {
            conn: Conn::Pooled(conn),
            abandon: None,
        }
    }

    pub(crate) fn borrowed(conn: &'a mut PgConnection) -> Self {
        Sqlx {
            conn: Conn::Borrowed(conn),
            abandon: None,
        }
    }

    fn conn(&mut self) -> &mut PgConnection {
        match &mut self.conn {
            Conn::Pooled(c) => c,
            Conn::Borrowed(c) => c,
        }
    }

    pub(crate) async fn query(&mut self, sql: &str) -> Result<Rows, SessionError> {
        let mut stream = sqlx::raw_sql(AssertSqlSafe(sql.to_string())).fetch_many(self.conn());
        let mut rows = Vec::new();
        while let Some(item) = stream.next().await {
            match item.map_err(|e| db_error(&e))? {
                Either::Left(_) => {}
                Either::Right(row) => rows.push(cells(&row)?),
            }
        }
        Ok(rows)
    }

    /// One round trip, as on tokio-postgres: sqlx yields a result for each
    /// statement's CommandComplete, then the error, so counting the results
    /// names the piece that failed.
    pub(crate) async fn batch(
        &mut self,
        pieces: &[Piece<'_>],
    ) -> Result<Vec<Duration>, BatchError> {
        let mut clock = PieceClock::new(pieces);
        let mut stream = sqlx::raw_sql(AssertSqlSafe(clock.sql())).fetch_many(self.conn());
        while let Some(item) = stream.next().await {
            match item {
                Ok(Either::Left(_)) => clock.completed(),
                Ok(Either::Right(_)) => {}
                Err(e) => return Err((clock.failed(), db_error(&e))),
            }
        }
        Ok(clock.took)
    }

    pub(crate) fn on_abandon(&mut self, sql: Option<String>) {
        self.abandon = sql;
    }
}

impl Drop for Sqlx<'_> {
    /// The run was dropped part-way. A pool's connection is closed instead
    /// of going back to the pool: the server rolls back and releases the
    /// runner lock when its connection ends. The caller's own connection
    /// cannot be closed from here; the clean-up is handed to it as sqlx
    /// sends a query: at once when nothing is in flight (a run dropped
    /// between statements or while it waits to retry), else it is lost and
    /// the connection stays in its transaction until it is closed.
    fn drop(&mut self) {
        let Some(sql) = self.abandon.take() else {
            return;
        };
        match &mut self.conn {
            Conn::Pooled(c) => c.close_on_drop(),
            Conn::Borrowed(c) => {
                let future = (&mut **c).execute(AssertSqlSafe(sql));
                let mut future = std::pin::pin!(future);
                let _ = future
                    .as_mut()
                    .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
            }
        }
    }
}

/// A row of a simple query: every value comes as text.
fn cells(row: &sqlx::postgres::PgRow) -> Result<Vec<Option<String>>, SessionError> {
    (0..row.len())
        .map(|i| {
            let value = row.try_get_raw(i).map_err(|e| db_error(&e))?;
            if value.is_null() {
                return Ok(None);
            }
            value.as_str().map(|s| Some(s.to_string())).map_err(|e| {
                Box::new(DbError {
                    code: String::new(),
                    message: format!("reading a row from sqlx: {e}"),
                    detail: None,
                    hint: None,
                })
            })
        })
        .collect()
}

/// PostgreSQL's account of a failure, from sqlx's error.
pub(crate) fn db_error(e: &sqlx::Error) -> SessionError {
    if let Some(db) = e
        .as_database_error()
        .and_then(|d| d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>())
    {
        return Box::new(DbError {
            code: db.code().to_string(),
            message: db.message().to_string(),
            detail: db.detail().map(str::to_string),
            hint: db.hint().map(str::to_string),
        });
    }
    Box::new(DbError {
        code: String::new(),
        message: redact(&e.to_string()),
        detail: None,
        hint: None,
    })
}
