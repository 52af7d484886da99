//! The one thing the executors differ in: how a simple query reaches the
//! server. The run itself ([`crate::run`]) is written once, as an async
//! function over this trait; the blocking client's futures are always ready,
//! so the sync API polls them to completion without a runtime.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio_postgres::SimpleQueryMessage;

/// Rows of a simple query, each cell as text.
pub(crate) type Rows = Vec<Vec<Option<String>>>;

/// A connection the run can send simple queries through.
pub(crate) trait Session {
    /// Runs `sql` (one or more statements) and returns the rows of the last
    /// statement that returned any.
    fn query(&mut self, sql: &str) -> impl Future<Output = Result<Rows, tokio_postgres::Error>>;
    /// Waits (between lock attempts).
    fn sleep(&mut self, duration: Duration) -> impl Future<Output = ()>;
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
pub(crate) struct Blocking<'a>(pub &'a mut postgres::Client);

impl Session for Blocking<'_> {
    fn query(&mut self, sql: &str) -> impl Future<Output = Result<Rows, tokio_postgres::Error>> {
        std::future::ready(self.0.simple_query(sql).map(rows))
    }

    fn sleep(&mut self, duration: Duration) -> impl Future<Output = ()> {
        std::thread::sleep(duration);
        std::future::ready(())
    }
}

/// The async client.
pub(crate) struct Async<'a>(pub &'a tokio_postgres::Client);

impl Session for Async<'_> {
    async fn query(&mut self, sql: &str) -> Result<Rows, tokio_postgres::Error> {
        self.0.simple_query(sql).await.map(rows)
    }

    async fn sleep(&mut self, duration: Duration) {
        tokio::time::sleep(duration).await;
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
