//! The one thing the executors differ in: how SQL reaches the server. The
//! run itself ([`crate::run`]) is written once, as an async function over
//! this trait; the blocking client's futures are always ready, so the sync
//! API polls them to completion without a runtime.
//!
//! This room holds the clients behind the one `Session` trait: `Blocking`
//! (a `postgres::Client`), `Async` (a `tokio_postgres::Client`), the sqlx
//! session (`sqlx`, feature `sqlx`) and `client` (the public
//! [`AsyncClient`](crate::AsyncClient) every async operation takes). It
//! knows nothing of migrations, plans or the tracking table.

pub(crate) mod client;
#[cfg(feature = "sqlx")]
pub(crate) mod sqlx;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_util::StreamExt;
use tokio_postgres::SimpleQueryMessage;

use crate::error::DbError;

/// Rows of a simple query, each cell as text.
pub(crate) type Rows = Vec<Vec<Option<String>>>;

/// The first cell of the first row, when there is one and it is not NULL.
pub(crate) fn first_cell(rows: &[Vec<Option<String>>]) -> Option<&str> {
    rows.first()?.first()?.as_deref()
}

/// What the server (or the connection) said when SQL failed, whatever the
/// client: the run reads only this.
pub(crate) type SessionError = Box<DbError>;

/// A piece of a batch failed: its index, and the error.
pub(crate) type BatchError = (usize, SessionError);

/// One piece of a batch: SQL of `statements` statements (a migration's
/// statement is one; the run's own settings may be several).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Piece<'a> {
    pub sql: &'a str,
    pub statements: usize,
}

/// The pieces of a batch sent as one simple query, timed from the server's
/// answers: one CommandComplete per statement, then an ErrorResponse for
/// the statement that failed, so counting them names the piece.
pub(crate) struct PieceClock<'p> {
    pieces: &'p [Piece<'p>],
    /// How long each finished piece took.
    pub took: Vec<Duration>,
    /// Statements of the piece under way completed so far.
    in_piece: usize,
    since: std::time::Instant,
}

impl<'p> PieceClock<'p> {
    pub(crate) fn new(pieces: &'p [Piece<'p>]) -> Self {
        PieceClock {
            pieces,
            took: Vec::with_capacity(pieces.len()),
            in_piece: 0,
            since: std::time::Instant::now(),
        }
    }

    /// The pieces as one query.
    pub(crate) fn sql(&self) -> String {
        self.pieces
            .iter()
            .map(|p| p.sql)
            .collect::<Vec<_>>()
            .join(";\n")
    }

    /// A statement completed.
    pub(crate) fn completed(&mut self) {
        self.in_piece += 1;
        let of_piece = self
            .pieces
            .get(self.took.len())
            .map_or(1, |p| p.statements.max(1));
        if self.in_piece >= of_piece {
            self.took.push(self.since.elapsed());
            self.since = std::time::Instant::now();
            self.in_piece = 0;
        }
    }

    /// The piece the failing statement belongs to.
    pub(crate) fn failed(&self) -> usize {
        self.took.len().min(self.pieces.len().saturating_sub(1))
    }
}

/// A connection the run can send SQL through.
pub(crate) trait Session {
    /// Runs `sql` (one or more statements) and returns the rows of every
    /// statement that returned any.
    fn query(&mut self, sql: &str) -> impl Future<Output = Result<Rows, SessionError>>;

    /// Runs `pieces` in order, each exactly once, and on failure says
    /// which one failed: nothing after it ran, nothing is run again to find
    /// it. On success, how long each took (as the client saw it).
    fn batch(
        &mut self,
        pieces: &[Piece<'_>],
    ) -> impl Future<Output = Result<Vec<Duration>, BatchError>>;

    /// Waits (between lock attempts).
    fn sleep(&mut self, duration: Duration) -> impl Future<Output = ()>;

    /// SQL to send if the run is abandoned before it clears this (an async
    /// run dropped by a timeout, a sync run unwinding from a panic): roll
    /// back the open transaction, release the lock. `None` clears it.
    fn on_abandon(&mut self, sql: Option<String>);
}

fn rows(messages: Vec<SimpleQueryMessage>) -> Rows {
    messages
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect()
}

/// The blocking client.
pub(crate) struct Blocking<'a> {
    client: &'a mut postgres::Client,
    abandon: Option<String>,
}

impl<'a> Blocking<'a> {
    pub(crate) fn new(client: &'a mut postgres::Client) -> Self {
        Blocking {
            client,
            abandon: None,
        }
    }
}

impl Session for Blocking<'_> {
    fn query(&mut self, sql: &str) -> impl Future<Output = Result<Rows, SessionError>> {
        std::future::ready(
            self.client
                .simple_query(sql)
                .map(rows)
                .map_err(|e| DbError::from_postgres(&e)),
        )
    }

    /// The blocking client hides the server's per-statement answers of a
    /// multi-statement query when one fails, so the pieces go one per
    /// round trip: exact, at the cost of a round trip per piece.
    fn batch(
        &mut self,
        pieces: &[Piece<'_>],
    ) -> impl Future<Output = Result<Vec<Duration>, BatchError>> {
        let mut took = Vec::with_capacity(pieces.len());
        let mut result = Ok(());
        for (i, p) in pieces.iter().enumerate() {
            let start = std::time::Instant::now();
            if let Err(e) = self.client.simple_query(p.sql) {
                result = Err((i, DbError::from_postgres(&e)));
                break;
            }
            took.push(start.elapsed());
        }
        std::future::ready(result.map(|()| took))
    }

    fn sleep(&mut self, duration: Duration) -> impl Future<Output = ()> {
        std::thread::sleep(duration);
        std::future::ready(())
    }

    fn on_abandon(&mut self, sql: Option<String>) {
        self.abandon = sql;
    }
}

impl Drop for Blocking<'_> {
    fn drop(&mut self) {
        // Only a run that unwinds gets here with something to undo.
        if let Some(sql) = self.abandon.take() {
            let _ = self.client.simple_query(&sql);
        }
    }
}

/// The async client.
pub(crate) struct Async<'a> {
    client: &'a tokio_postgres::Client,
    abandon: Option<String>,
}

impl<'a> Async<'a> {
    pub(crate) fn new(client: &'a tokio_postgres::Client) -> Self {
        Async {
            client,
            abandon: None,
        }
    }
}

impl Session for Async<'_> {
    async fn query(&mut self, sql: &str) -> Result<Rows, SessionError> {
        self.client
            .simple_query(sql)
            .await
            .map(rows)
            .map_err(|e| DbError::from_postgres(&e))
    }

    /// One round trip: the pieces go as one simple query, and the server
    /// answers each statement with its own CommandComplete before an
    /// ErrorResponse, so counting them names the piece that failed.
    async fn batch(&mut self, pieces: &[Piece<'_>]) -> Result<Vec<Duration>, BatchError> {
        let mut clock = PieceClock::new(pieces);
        let stream = self
            .client
            .simple_query_raw(&clock.sql())
            .await
            .map_err(|e| (0, DbError::from_postgres(&e)))?;
        let mut stream = pin!(stream);
        while let Some(message) = stream.next().await {
            match message {
                Ok(SimpleQueryMessage::CommandComplete(_)) => clock.completed(),
                Ok(_) => {}
                Err(e) => return Err((clock.failed(), DbError::from_postgres(&e))),
            }
        }
        Ok(clock.took)
    }

    async fn sleep(&mut self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    fn on_abandon(&mut self, sql: Option<String>) {
        self.abandon = sql;
    }
}

impl Drop for Async<'_> {
    /// The run was dropped part-way (a timeout, an aborted task): queue the
    /// clean-up on the connection without waiting for it. tokio-postgres
    /// sends a request when its future is first polled, and the connection
    /// task runs requests in order, so it runs as soon as the statement in
    /// flight finishes; its answer is discarded.
    fn drop(&mut self) {
        if let Some(sql) = self.abandon.take() {
            let future = self.client.simple_query(&sql);
            let mut future = pin!(future);
            let _ = future
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
        }
    }
}

/// Drives a future whose every await is already ready (the [`Blocking`]
/// session's) to completion.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Piece, PieceClock};

    #[test]
    fn the_clock_names_the_piece_of_the_failing_statement() {
        let pieces = [
            Piece {
                sql: "SET LOCAL a = 1; SET LOCAL b = 2",
                statements: 2,
            },
            Piece {
                sql: "CREATE TABLE t (id int)",
                statements: 1,
            },
            Piece {
                sql: "INSERT INTO r VALUES (1)",
                statements: 1,
            },
        ];
        let mut clock = PieceClock::new(&pieces);
        assert_eq!(
            clock.sql(),
            "SET LOCAL a = 1; SET LOCAL b = 2;\nCREATE TABLE t (id int);\nINSERT INTO r VALUES (1)"
        );
        assert_eq!(clock.failed(), 0, "nothing completed: the first piece");
        clock.completed();
        assert_eq!(
            (clock.took.len(), clock.failed()),
            (0, 0),
            "half of the first"
        );
        clock.completed();
        assert_eq!((clock.took.len(), clock.failed()), (1, 1));
        clock.completed();
        assert_eq!((clock.took.len(), clock.failed()), (2, 2));
        clock.completed();
        assert_eq!(clock.took.len(), 3);
        assert_eq!(clock.failed(), 2, "never past the last piece");
    }
}
