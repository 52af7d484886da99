//! A test binary whose first request for a database comes from an async
//! test, as in a user's crate whose tests are all `async`: the test server
//! and its keeper must start from inside a tokio runtime without the
//! blocking client's "Cannot start a runtime from within a runtime" panic.
//! (Each test binary is its own process with its own keeper, so this one
//! holds only async tests: whichever runs first is async.)

pub static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");

macro_rules! async_tests {
    ($($name:ident),*) => {$(
        #[sqlstrata::test]
        async fn $name(client: tokio_postgres::Client) {
            let row = client.query_one("SELECT count(*) FROM users", &[]).await.unwrap();
            assert_eq!(row.get::<_, i64>(0), 0);
        }
    )*};
}

async_tests!(a01, a02, a03, a04, a05, a06, a07, a08);
