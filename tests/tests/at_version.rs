//! A database at a version: `#[sqlstrata::test(at = V)]` and
//! `TestDb::at(&M, V)` hand a test the example set applied up to V and
//! nothing after, cloned from a template per (set, version); the test moves
//! it on through the production run. Sixteen tests at four versions, with
//! every parameter a test can take, run in parallel in this one binary.

use std::time::Duration;

use sqlstrata::Migrations;
use sqlstrata::testing::{TestDb, TestDbError};
use sqlstrata_tests::{EXAMPLE, set_from_files};

/// What a database at `v` holds: the versions up to it, recorded in one
/// batch, and the schema they make (004 adds `users.avatar_url`, 006 an
/// index on posts), nothing after.
fn expect(v: i64, applied: Vec<(i64, i32)>, avatar: bool, status_index: bool) {
    let want: Vec<(i64, i32)> = (1..=v).map(|n| (n, 1)).collect();
    assert_eq!(applied, want, "at {v}");
    assert_eq!(avatar, v >= 4, "users.avatar_url at {v}");
    assert_eq!(status_index, v >= 6, "idx_posts_status at {v}");
}

const APPLIED: &str = "SELECT version, batch FROM schema_migrations ORDER BY version";
const AVATAR: &str = "SELECT EXISTS (SELECT FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'avatar_url')";
const INDEX: &str = "SELECT EXISTS (SELECT FROM pg_indexes WHERE indexname = 'idx_posts_status')";

fn check_sync(client: &mut postgres::Client, v: i64) {
    let applied = client
        .query(APPLIED, &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let avatar = client.query_one(AVATAR, &[]).unwrap().get(0);
    let index = client.query_one(INDEX, &[]).unwrap().get(0);
    expect(v, applied, avatar, index);
}

async fn check_async(client: &tokio_postgres::Client, v: i64) {
    let applied = client
        .query(APPLIED, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let avatar = client.query_one(AVATAR, &[]).await.unwrap().get(0);
    let index = client.query_one(INDEX, &[]).await.unwrap().get(0);
    expect(v, applied, avatar, index);
}

async fn check_sqlx(e: &sqlx::PgPool, v: i64) {
    let applied: Vec<(i64, i32)> = sqlx::query_as(APPLIED).fetch_all(e).await.unwrap();
    let avatar: bool = sqlx::query_scalar(AVATAR).fetch_one(e).await.unwrap();
    let index: bool = sqlx::query_scalar(INDEX).fetch_one(e).await.unwrap();
    expect(v, applied, avatar, index);
}

macro_rules! at_version {
    ($v:literal, $client:ident, $async_client:ident, $test_db:ident, $pool:ident) => {
        #[sqlstrata::test(migrations = EXAMPLE, at = $v)]
        fn $client(mut client: postgres::Client) {
            check_sync(&mut client, $v);
        }

        #[sqlstrata::test(migrations = EXAMPLE, at = $v)]
        async fn $async_client(client: tokio_postgres::Client) {
            check_async(&client, $v).await;
        }

        #[sqlstrata::test(migrations = EXAMPLE, at = $v)]
        fn $test_db(db: TestDb) {
            check_sync(&mut db.connect().unwrap(), $v);
        }

        #[sqlstrata::test(migrations = EXAMPLE, at = $v)]
        async fn $pool(pool: sqlx::PgPool) {
            check_sqlx(&pool, $v).await;
        }
    };
}

at_version!(2, client_at_2, async_client_at_2, test_db_at_2, pool_at_2);
at_version!(3, client_at_3, async_client_at_3, test_db_at_3, pool_at_3);
at_version!(4, client_at_4, async_client_at_4, test_db_at_4, pool_at_4);
at_version!(6, client_at_6, async_client_at_6, test_db_at_6, pool_at_6);

#[sqlstrata::test(migrations = EXAMPLE, at = 4)]
async fn a_connection_at_a_version(mut conn: sqlx::PgConnection) {
    let applied: Vec<(i64, i32)> = sqlx::query_as(APPLIED).fetch_all(&mut conn).await.unwrap();
    let avatar: bool = sqlx::query_scalar(AVATAR)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let index: bool = sqlx::query_scalar(INDEX)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    expect(4, applied, avatar, index);
}

#[test]
fn the_test_moves_the_database_on_through_the_production_run() {
    let db = TestDb::at(&EXAMPLE, 4).unwrap();
    db.fixture(
        "mixed-case emails",
        "INSERT INTO users (email, name) VALUES ('Ada@Example.COM', 'Ada'), ('bob@example.com', 'Bob')",
    )
    .unwrap();
    // 005 lower-cases every email: tested against the rows.
    let report = db.migrate_to(5).unwrap();
    assert_eq!((report.applied(), report.batch), (vec![5], Some(2)));
    let mut c = db.connect().unwrap();
    let emails: Vec<String> = c
        .query("SELECT email FROM users ORDER BY name", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(emails, ["ada@example.com", "bob@example.com"]);
    // It is irreversible: going back is refused, naming it, and changes nothing.
    let err = db.revert_to(4).unwrap_err();
    assert!(
        format!("{err:?}").starts_with("cannot roll back 005_normalise_emails.sql"),
        "{err:?}"
    );
    // The rest, repeatables included, as `up` runs them.
    let report = db.migrate_to_end().unwrap();
    assert_eq!((report.applied(), report.batch), (vec![6, 7], Some(3)));
    let names: Vec<String> = c
        .query("SELECT display_name FROM users ORDER BY name", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["Ada", "Bob"]);
    // And back to 5: the DOWNs of 7 and 6, newest first.
    let report = db.revert_to(5).unwrap();
    assert_eq!(report.reverted(), [7, 6]);
}

#[tokio::test]
async fn the_async_test_moves_on_too() {
    let db = TestDb::at_async(&EXAMPLE, 6).await.unwrap();
    let report = db.migrate_to_async(7).await.unwrap();
    assert_eq!(report.applied(), [7]);
    let report = db.revert_to_async(6).await.unwrap();
    assert_eq!(report.reverted(), [7]);
    let report = db.migrate_to_end_async().await.unwrap();
    assert_eq!(report.applied(), [7]);
}

/// A set whose 002 adds a check the rows of the test break.
fn strict() -> Migrations {
    set_from_files(&[
        (
            "001_items.sql",
            "-- UP\nCREATE TABLE items (id int PRIMARY KEY, price int);\n-- DOWN\nDROP TABLE items;\n",
        ),
        (
            "002_positive_prices.sql",
            "-- UP\n-- sqlstrata: allow(constraint-missing-not-valid)\nALTER TABLE items ADD CONSTRAINT items_price_positive CHECK (price > 0);\n-- DOWN\nALTER TABLE items DROP CONSTRAINT items_price_positive;\n",
        ),
    ])
}

#[test]
fn a_failing_migration_names_its_file_line_and_sqlstate_and_the_database_can_be_kept() {
    let db = TestDb::at(&strict(), 1).unwrap().keep_on_failure();
    db.fixture("a free item", "INSERT INTO items VALUES (1, 0)")
        .unwrap();
    let err = db.migrate_to(2).unwrap_err();
    let message = format!("{err:?}");
    assert!(
        message.starts_with("002_positive_prices.sql:3: "),
        "{message}"
    );
    assert!(message.contains("(SQLSTATE 23514)"), "{message}");
    // The test fails with that message; keep_on_failure keeps its database.
    let name = db.name().to_string();
    let failed = std::thread::spawn(move || {
        let _db = db;
        panic!("{message}");
    })
    .join();
    assert!(failed.is_err());
    let kept = format!("sqlstrata_kept_{}", name.splitn(3, '_').nth(2).unwrap());
    let server = sqlstrata::testing::Server::shared().unwrap();
    let mut admin = postgres::Client::connect(server.admin_url(), postgres::NoTls).unwrap();
    let found: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname = $1",
            &[&kept],
        )
        .unwrap()
        .get(0);
    assert_eq!(found, 1, "{kept} kept");
    // Still at version 1, with the row that broke 002.
    let mut c = postgres::Client::connect(&server.url_for(&kept), postgres::NoTls).unwrap();
    let versions: Vec<i64> = c
        .query("SELECT version FROM schema_migrations", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, [1]);
    drop(c);
    admin
        .batch_execute(&format!("DROP DATABASE \"{kept}\" WITH (FORCE)"))
        .unwrap();
}

#[test]
fn a_version_the_set_does_not_have_is_refused_naming_those_it_has() {
    let err = TestDb::at(&EXAMPLE, 99).unwrap_err();
    assert!(matches!(
        err,
        TestDbError::UnknownVersion { version: 99, .. }
    ));
    assert_eq!(
        err.to_string(),
        "the migration set has no version 99; its versions are 1, 2, 3, 4, 5, 6, 7"
    );
}

#[sqlstrata::test(migrations = EXAMPLE, at = 1, fixtures_dir = "tests/fixtures", fixtures("users_at_1"))]
fn fixtures_load_at_the_tests_version(mut client: postgres::Client) {
    // users_at_1.sql was written for the schema at 001: no display name yet.
    let n: i64 = client
        .query_one("SELECT count(*) FROM users", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
}

#[sqlstrata::test(migrations = EXAMPLE, at = 1, fixtures_dir = "tests/fixtures", fixtures("second_insert_fails"))]
#[should_panic(
    expected = "fixture tests/fixtures/second_insert_fails.sql:3: duplicate key value violates unique constraint"
)]
fn a_fixture_that_fails_names_its_file_and_line(_db: TestDb) {}

#[test]
fn each_version_has_its_own_template_shared_by_every_test_at_it() {
    let at = |v: i64| {
        Migrations::new(
            EXAMPLE
                .iter()
                .filter(|m| m.version() <= v)
                .cloned()
                .collect(),
        )
        .fingerprint()
    };
    let _a = TestDb::at(&EXAMPLE, 3).unwrap();
    let _b = TestDb::at(&EXAMPLE, 3).unwrap();
    let server = sqlstrata::testing::Server::shared().unwrap();
    let mut admin = postgres::Client::connect(server.admin_url(), postgres::NoTls).unwrap();
    let template = format!("sqlstrata_tpl_{}", &at(3)[..24]);
    let row = admin
        .query_one(
            "SELECT datistemplate, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            &[&template],
        )
        .unwrap();
    let (is_template, comment): (bool, Option<String>) = (row.get(0), row.get(1));
    assert!(is_template);
    assert!(
        comment
            .unwrap_or_default()
            .starts_with("sqlstrata template; last used ")
    );
    // Swept like any other template: in use by this run, so kept even by a
    // sweep that keeps nothing idle.
    let swept = sqlstrata::testing::sweep_templates(
        &mut admin,
        sqlstrata::testing::SweepPolicy::default()
            .keep(0)
            .idle(Duration::ZERO),
    )
    .unwrap();
    assert!(!swept.contains(&template), "{swept:?}");
}
