//! The connections an async operation runs on. Each is a small way into
//! one [`Session`](crate::session::Session); the run itself is the same
//! for all of them.

use std::time::Duration;

use crate::error::Error;
use crate::session::{Async, BatchError, Piece, Rows, Session, SessionError};

/// A connection an async operation of [`Migrator`](crate::Migrator) runs
/// on: a `&tokio_postgres::Client` (or `&mut`); with the `sqlx` feature a
/// `&sqlx::PgPool` (the run takes one connection from the pool and keeps it
/// to the end: the runner lock is the session's) or a
/// `&mut sqlx::PgConnection` (so also `&mut *pool.acquire().await?`); with
/// the `deadpool` feature a `&deadpool_postgres::Object`, with the `bb8`
/// feature a `&bb8::PooledConnection` of a `bb8_postgres` pool.
///
/// ```no_run
/// # static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
/// # async fn boot() -> Result<(), Box<dyn std::error::Error>> {
/// let (client, connection) = tokio_postgres::connect("host=/run/postgresql user=app", tokio_postgres::NoTls).await?;
/// tokio::spawn(connection);
/// sqlstrata::Migrator::new(&MIGRATIONS).up_async(&client).await?;
/// # Ok(()) }
/// ```
///
/// The trait is sealed: the connections above are the ones the run's
/// guarantees are tested on.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a connection sqlstrata's async operations run on",
    label = "pass a `&tokio_postgres::Client`",
    note = "sqlstrata's features add `&sqlx::PgPool` and `&mut sqlx::PgConnection` (`sqlx`), `&deadpool_postgres::Object` (`deadpool`), `&bb8::PooledConnection` (`bb8`); any pooled tokio-postgres client also works as `&**object`"
)]
pub trait AsyncClient<'a>: sealed::Sealed {
    /// What the run will open its session on. Made before the run's future,
    /// which then holds only this (not `Self`): the future is `Send` for
    /// `tokio::spawn` whatever the client's lifetimes.
    #[doc(hidden)]
    fn target(self) -> Target<'a>;
}

mod sealed {
    pub trait Sealed {}
}

/// The client an async operation was given (see [`AsyncClient`]).
#[doc(hidden)]
pub struct Target<'a>(Given<'a>);

enum Given<'a> {
    Tokio(&'a tokio_postgres::Client),
    #[cfg(feature = "sqlx")]
    SqlxPool(&'a sqlx::PgPool),
    #[cfg(feature = "sqlx")]
    SqlxConnection(&'a mut sqlx::PgConnection),
}

impl<'a> Target<'a> {
    /// The run's session: the client itself, or one connection of the pool
    /// for the whole run.
    pub(crate) async fn open(self) -> Result<Connection<'a>, Error> {
        Ok(Connection(match self.0 {
            Given::Tokio(client) => Inner::Tokio(Async::new(client)),
            #[cfg(feature = "sqlx")]
            Given::SqlxPool(pool) => {
                let conn = pool.acquire().await.map_err(|e| {
                    Error::database("taking a connection from the pool")(
                        crate::session::sqlx::db_error(&e),
                    )
                })?;
                Inner::Sqlx(crate::session::sqlx::Sqlx::pooled(conn))
            }
            #[cfg(feature = "sqlx")]
            Given::SqlxConnection(conn) => Inner::Sqlx(crate::session::sqlx::Sqlx::borrowed(conn)),
        }))
    }
}

fn tokio(client: &tokio_postgres::Client) -> Target<'_> {
    Target(Given::Tokio(client))
}

/// A connection opened for one run.
pub(crate) struct Connection<'a>(Inner<'a>);

enum Inner<'a> {
    Tokio(Async<'a>),
    #[cfg(feature = "sqlx")]
    Sqlx(crate::session::sqlx::Sqlx<'a>),
}

impl sealed::Sealed for &tokio_postgres::Client {}
impl<'a> AsyncClient<'a> for &'a tokio_postgres::Client {
    fn target(self) -> Target<'a> {
        tokio(self)
    }
}

impl sealed::Sealed for &mut tokio_postgres::Client {}
/// `migrator.up_async(&mut client)`, as most code holds its client: the
/// run only reads through it, as with `&client`.
impl<'a> AsyncClient<'a> for &'a mut tokio_postgres::Client {
    fn target(self) -> Target<'a> {
        tokio(self)
    }
}

#[cfg(feature = "deadpool")]
impl sealed::Sealed for &deadpool_postgres::Object {}
/// With the `deadpool` feature: `migrator.up_async(&object)`.
#[cfg(feature = "deadpool")]
impl<'a> AsyncClient<'a> for &'a deadpool_postgres::Object {
    fn target(self) -> Target<'a> {
        tokio(self)
    }
}

#[cfg(feature = "deadpool")]
impl sealed::Sealed for &deadpool_postgres::ClientWrapper {}
/// With the `deadpool` feature: `migrator.up_async(&*object)`.
#[cfg(feature = "deadpool")]
impl<'a> AsyncClient<'a> for &'a deadpool_postgres::ClientWrapper {
    fn target(self) -> Target<'a> {
        tokio(self)
    }
}

#[cfg(feature = "bb8")]
impl<M> sealed::Sealed for &bb8_postgres::bb8::PooledConnection<'_, M> where
    M: bb8_postgres::bb8::ManageConnection<Connection = tokio_postgres::Client>
{
}
/// With the `bb8` feature: `migrator.up_async(&pooled)` for a
/// `bb8_postgres` pool's connection (any manager of tokio-postgres clients).
#[cfg(feature = "bb8")]
impl<'a, M> AsyncClient<'a> for &'a bb8_postgres::bb8::PooledConnection<'_, M>
where
    M: bb8_postgres::bb8::ManageConnection<Connection = tokio_postgres::Client>,
{
    fn target(self) -> Target<'a> {
        tokio(self)
    }
}

#[cfg(feature = "sqlx")]
impl sealed::Sealed for &sqlx::PgPool {}
/// With the `sqlx` feature: the run takes one connection from the pool
/// and keeps it to its end; a run dropped part-way closes it (the server
/// then rolls back and unlocks) instead of giving it back.
#[cfg(feature = "sqlx")]
impl<'a> AsyncClient<'a> for &'a sqlx::PgPool {
    fn target(self) -> Target<'a> {
        Target(Given::SqlxPool(self))
    }
}

#[cfg(feature = "sqlx")]
impl sealed::Sealed for &mut sqlx::PgConnection {}
/// With the `sqlx` feature: `&mut connection`, or `&mut *pool.acquire().await?`.
#[cfg(feature = "sqlx")]
impl<'a> AsyncClient<'a> for &'a mut sqlx::PgConnection {
    fn target(self) -> Target<'a> {
        Target(Given::SqlxConnection(self))
    }
}

#[cfg(feature = "sqlx")]
impl sealed::Sealed for &mut sqlx::pool::PoolConnection<sqlx::Postgres> {}
/// With the `sqlx` feature: `&mut pool.acquire().await?`.
#[cfg(feature = "sqlx")]
impl<'a> AsyncClient<'a> for &'a mut sqlx::pool::PoolConnection<sqlx::Postgres> {
    fn target(self) -> Target<'a> {
        Target(Given::SqlxConnection(self))
    }
}

/// One dispatch for every client: the run is compiled once for async
/// clients, whichever the caller has.
impl Session for Connection<'_> {
    async fn query(&mut self, sql: &str) -> Result<Rows, SessionError> {
        match &mut self.0 {
            Inner::Tokio(s) => s.query(sql).await,
            #[cfg(feature = "sqlx")]
            Inner::Sqlx(s) => s.query(sql).await,
        }
    }

    async fn batch(&mut self, pieces: &[Piece<'_>]) -> Result<Vec<Duration>, BatchError> {
        match &mut self.0 {
            Inner::Tokio(s) => s.batch(pieces).await,
            #[cfg(feature = "sqlx")]
            Inner::Sqlx(s) => s.batch(pieces).await,
        }
    }

    async fn sleep(&mut self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    fn on_abandon(&mut self, sql: Option<String>) {
        match &mut self.0 {
            Inner::Tokio(s) => s.on_abandon(sql),
            #[cfg(feature = "sqlx")]
            Inner::Sqlx(s) => s.on_abandon(sql),
        }
    }
}
