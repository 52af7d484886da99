//! Test databases: fresh, migrated, isolated, cloned from a template, dropped
//! after the test (also after a panic), kept on request.

use sqlstrata::Migrations;
use sqlstrata::testing::{Server, TestDb};
use sqlstrata_tests::set_of;

pub static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");

fn admin() -> postgres::Client {
    let server = Server::shared().unwrap();
    postgres::Client::connect(server.admin_url(), postgres::NoTls).unwrap()
}

fn exists(name: &str) -> bool {
    admin()
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .unwrap()
        .is_some()
}

fn one_table_set(table: &str) -> Migrations {
    let up = format!("CREATE TABLE {table} (id int)");
    let down = format!("DROP TABLE {table}");
    set_of(&[(1, &[up.as_str()], Some(&[down.as_str()]), false)])
}

macro_rules! isolated {
    ($($name:ident),*) => {$(
        #[sqlstrata::test]
        fn $name(mut client: postgres::Client) {
            client
                .execute("INSERT INTO users (email, name, display_name) VALUES ($1, 'x', 'x')", &[&stringify!($name)])
                .unwrap();
            let emails: Vec<String> = client
                .query("SELECT email FROM users", &[])
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            assert_eq!(emails, vec![stringify!($name).to_string()], "each test sees only its own data");
        }
    )*};
}

isolated!(
    t01, t02, t03, t04, t05, t06, t07, t08, t09, t10, t11, t12, t13, t14, t15, t16, t17, t18, t19,
    t20, t21, t22, t23, t24, t25, t26, t27, t28, t29, t30, t31, t32
);

#[test]
fn thirty_two_at_once_each_see_only_their_own_data() {
    let threads: Vec<_> = (0..32)
        .map(|i| {
            std::thread::spawn(move || {
                let db = TestDb::new(&MIGRATIONS).unwrap();
                let mut c = db.connect().unwrap();
                c.execute(
                    "INSERT INTO users (email, name, display_name) VALUES ($1, 'x', 'x')",
                    &[&format!("u{i}")],
                )
                .unwrap();
                let n: i64 = c
                    .query_one("SELECT count(*) FROM users", &[])
                    .unwrap()
                    .get(0);
                let applied: i64 = c
                    .query_one("SELECT count(*) FROM schema_migrations", &[])
                    .unwrap()
                    .get(0);
                (db.name().to_string(), n, applied)
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let mut names: Vec<&String> = results.iter().map(|r| &r.0).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 32, "32 distinct databases");
    assert!(
        results
            .iter()
            .all(|r| r.1 == 1 && r.2 == MIGRATIONS.len() as i64)
    );
    // Dropped when they went out of scope.
    assert!(results.iter().all(|r| !exists(&r.0)));
}

#[sqlstrata::test]
fn the_test_db_itself(db: TestDb) {
    assert!(db.name().starts_with("sqlstrata_"));
    let mut c = db.connect().unwrap();
    let template: bool = c
        .query_one(
            "SELECT datistemplate FROM pg_database WHERE datname = current_database()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(!template);
}

#[sqlstrata::test(migrations = MIGRATIONS)]
async fn async_tests_get_a_tokio_client(client: tokio_postgres::Client) {
    let row = client
        .query_one("SELECT count(*) FROM posts", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 0);
    let applied = client
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .await
        .unwrap();
    assert_eq!(applied.get::<_, i64>(0), 7);
}

#[test]
fn a_changed_set_builds_a_new_template() {
    let a = one_table_set("alpha");
    let b = one_table_set("beta");
    assert_ne!(a.fingerprint(), b.fingerprint());
    let da = TestDb::new(&a).unwrap();
    let db = TestDb::new(&b).unwrap();
    let table = |d: &TestDb| -> String {
        d.connect()
            .unwrap()
            .query_one("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'", &[])
            .unwrap()
            .get(0)
    };
    assert_eq!(table(&da), "alpha");
    assert_eq!(table(&db), "beta");
    let templates: Vec<String> = admin()
        .query(
            "SELECT datname::text FROM pg_database WHERE datistemplate AND datname = ANY($1)",
            &[&vec![
                format!("sqlstrata_tpl_{}", &a.fingerprint()[..24]),
                format!("sqlstrata_tpl_{}", &b.fingerprint()[..24]),
            ]],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(templates.len(), 2, "one template per set: {templates:?}");
}

#[test]
fn a_failing_set_is_never_marked_as_a_template() {
    let broken = one_table_set("gamma (");
    let err = TestDb::new(&broken).unwrap_err();
    assert!(
        err.to_string()
            .contains("applying the migrations to the template database failed"),
        "{err}"
    );
    let name = format!("sqlstrata_tpl_{}", &broken.fingerprint()[..24]);
    let row = admin()
        .query_opt(
            "SELECT datistemplate FROM pg_database WHERE datname = $1",
            &[&name],
        )
        .unwrap();
    assert_eq!(row.map(|r| r.get::<_, bool>(0)), Some(false));
    // Asking again rebuilds it (and fails the same way) instead of reusing it.
    let again = TestDb::new(&broken).unwrap_err().to_string();
    assert!(
        again.contains("applying the migrations to the template database failed"),
        "{again}"
    );
}

/// A failure is never cached: a set that fails because of something outside
/// it (here a role setting) builds once that is fixed, in the same process.
#[test]
fn a_failed_template_is_built_again_once_the_cause_is_fixed() {
    let nonce = format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let check = format!(
        "DO $$ BEGIN IF current_setting('sqlstrata.rebuild_probe', true) IS DISTINCT FROM '{nonce}' THEN RAISE EXCEPTION 'probe % not set', '{nonce}'; END IF; END $$"
    );
    let up: [&str; 2] = ["CREATE TABLE probed (id int)", &check];
    let set = set_of(&[(1, &up, Some(&["DROP TABLE probed"]), false)]);
    let err = TestDb::new(&set).unwrap_err().to_string();
    assert!(err.contains(&format!("probe {nonce} not set")), "{err}");

    let mut admin = admin();
    admin
        .batch_execute(&format!(
            "ALTER ROLE CURRENT_USER SET sqlstrata.rebuild_probe = '{nonce}'"
        ))
        .unwrap();
    let built = TestDb::new(&set);
    admin
        .batch_execute("ALTER ROLE CURRENT_USER RESET sqlstrata.rebuild_probe")
        .unwrap();
    let db = built.unwrap();
    let tables: i64 = db
        .connect()
        .unwrap()
        .query_one("SELECT count(*) FROM probed", &[])
        .unwrap()
        .get(0);
    assert_eq!(tables, 0);
    drop(db);
    // This run's template is of no use to any other: drop it if it is free
    // (else the next run's sweep does).
    let template = format!("sqlstrata_tpl_{}", &set.fingerprint()[..24]);
    let _ = admin.batch_execute(&format!("ALTER DATABASE \"{template}\" IS_TEMPLATE false"));
    let _ = admin.batch_execute(&format!("DROP DATABASE \"{template}\" WITH (FORCE)"));
}

#[test]
fn a_panicking_test_still_drops_its_database_unless_asked_to_keep_it() {
    let name = std::panic::catch_unwind(|| {
        let db = TestDb::new(&MIGRATIONS).unwrap();
        let name = db.name().to_string();
        std::panic::panic_any(name);
    })
    .unwrap_err()
    .downcast::<String>()
    .unwrap();
    assert!(!exists(&name), "{name} was dropped during unwinding");

    let kept = std::panic::catch_unwind(|| {
        let db = TestDb::new(&MIGRATIONS).unwrap().keep_on_failure();
        std::panic::panic_any(db.name().to_string());
    })
    .unwrap_err()
    .downcast::<String>()
    .unwrap();
    assert!(!exists(&kept));
    let kept = format!("sqlstrata_kept_{}", kept.splitn(3, '_').nth(2).unwrap());
    assert!(exists(&kept), "{kept} is kept for inspection");
    admin()
        .batch_execute(&format!("DROP DATABASE \"{kept}\" WITH (FORCE)"))
        .unwrap();
}

// Fixtures, and parameters reached through an alias or a re-export: the
// parameter is dispatched by its type, not by its name.
type Db = postgres::Client;
use tokio_postgres::Client as AsyncDb;

#[sqlstrata::test(migrations = MIGRATIONS, fixtures("users", "posts"))]
fn fixtures_run_in_order_before_the_test(mut client: Db) {
    let posts: i64 = client
        .query_one("SELECT count(*) FROM posts", &[])
        .unwrap()
        .get(0);
    assert_eq!(posts, 2, "posts.sql read the users users.sql inserted");
}

#[sqlstrata::test(migrations = MIGRATIONS, fixtures("users"))]
async fn fixtures_run_for_async_tests_too(client: AsyncDb) {
    let row = client
        .query_one("SELECT count(*) FROM users", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 2);
}

#[sqlstrata::test(migrations = MIGRATIONS, fixtures_dir = "tests/fixtures", fixtures("users"))]
fn a_test_db_parameter_owns_its_database(db: sqlstrata::testing::TestDb) {
    let mut c = db.connect().unwrap();
    let n: i64 = c
        .query_one("SELECT count(*) FROM users", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
    assert!(db.name().starts_with("sqlstrata_"));
}
