//! Twelve sync and twelve async `#[sqlstrata::test]` tests in one binary,
//! in whatever order and on however many threads the harness runs them:
//! every mix must work, whichever kind asks for a database first.

pub static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");

macro_rules! sync_tests {
    ($($name:ident),*) => {$(
        #[sqlstrata::test]
        fn $name(mut client: postgres::Client) {
            client.execute("INSERT INTO users (email, name, display_name) VALUES ('s', 's', 's')", &[]).unwrap();
            let n: i64 = client.query_one("SELECT count(*) FROM users", &[]).unwrap().get(0);
            assert_eq!(n, 1);
        }
    )*};
}

macro_rules! async_tests {
    ($($name:ident),*) => {$(
        #[sqlstrata::test]
        async fn $name(client: tokio_postgres::Client) {
            client.execute("INSERT INTO users (email, name, display_name) VALUES ('a', 'a', 'a')", &[]).await.unwrap();
            let row = client.query_one("SELECT count(*) FROM users", &[]).await.unwrap();
            assert_eq!(row.get::<_, i64>(0), 1);
        }
    )*};
}

async_tests!(a01, a02, a03, a04, a05, a06, a07, a08, a09, a10, a11, a12);
sync_tests!(s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, s12);
