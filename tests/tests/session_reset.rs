//! Each migration starts from the session the run began with: a plain
//! `SET` (or `SET ROLE`, `SET SESSION AUTHORIZATION`) in one migration ends
//! with it, so applying everything at once (a test suite) and a few at a
//! time (production) do the same; and the application's connection is left
//! as it was handed over.

use sqlstrata::{Migrator, Options, TransactionMode};
use sqlstrata_tests::{Scratch, set_from_files};

fn search_path_set(no_transaction: bool) -> sqlstrata::Migrations {
    let head = if no_transaction {
        "-- sqlstrata: no-transaction\n"
    } else {
        ""
    };
    set_from_files(&[
        (
            "001_a.sql",
            &format!(
                "{head}-- sqlstrata: allow(session-setting)\n-- UP\nSET search_path TO nowhere;\nCREATE TABLE public.a (id int);\n-- DOWN\nDROP TABLE public.a;\n"
            ),
        ),
        (
            "002_b.sql",
            "-- UP\nCREATE TABLE b (id int);\n-- DOWN\nDROP TABLE b;\n",
        ),
    ])
}

fn schema_of(c: &mut postgres::Client, table: &str) -> Vec<String> {
    c.query(
        "SELECT schemaname::text FROM pg_tables WHERE tablename = $1",
        &[&table],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[test]
fn a_set_in_one_migration_does_not_reach_the_next() {
    for no_transaction in [false, true] {
        for mode in [TransactionMode::Batch, TransactionMode::PerMigration] {
            let set = search_path_set(no_transaction);
            let m = Migrator::new(&set).with_options(Options::default().transaction_mode(mode));
            let db = Scratch::new();
            let mut c = db.connect();
            assert_eq!(m.up(&mut c).unwrap().applied(), vec![1, 2]);
            assert_eq!(schema_of(&mut c, "b"), vec!["public"]);
            let path: String = c.query_one("SHOW search_path", &[]).unwrap().get(0);
            assert_eq!(path, "\"$user\", public", "nothing stays on the connection");

            let db = Scratch::new();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let client = db.connect_async().await;
                assert_eq!(m.up_async(&client).await.unwrap().applied(), vec![1, 2]);
                let path: String = client
                    .query_one("SHOW search_path", &[])
                    .await
                    .unwrap()
                    .get(0);
                assert_eq!(path, "\"$user\", public");
            });
            assert_eq!(schema_of(&mut db.connect(), "b"), vec!["public"]);
        }
    }
}

#[test]
fn the_applications_own_settings_are_where_each_migration_starts_and_stay() {
    let db = Scratch::new();
    let mut c = db.connect();
    c.batch_execute("CREATE SCHEMA app; SET search_path TO app, public; SET work_mem = '7MB'")
        .unwrap();
    let set = search_path_set(false);
    Migrator::new(&set).up(&mut c).unwrap();
    assert_eq!(
        schema_of(&mut c, "b"),
        vec!["app"],
        "002 ran with the application's search_path"
    );
    for (name, want) in [
        ("search_path", "app, public"),
        ("work_mem", "7MB"),
        ("lock_timeout", "0"),
        ("statement_timeout", "0"),
    ] {
        let got: String = c.query_one(&format!("SHOW {name}"), &[]).unwrap().get(0);
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn the_connection_strings_options_are_where_each_migration_starts() {
    let db = Scratch::new();
    db.connect().batch_execute("CREATE SCHEMA app").unwrap();
    let url = format!("{} options='-c search_path=app,public'", db.url);
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    Migrator::new(&search_path_set(false)).up(&mut c).unwrap();
    assert_eq!(schema_of(&mut c, "b"), vec!["app"]);
}

#[test]
fn set_role_and_session_authorization_end_with_their_migration() {
    let db = Scratch::new();
    let mut c = db.connect();
    let superuser: bool = c
        .query_one(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .unwrap()
        .get(0);
    let me: String = c
        .query_one("SELECT current_user::text", &[])
        .unwrap()
        .get(0);
    let role = format!("{}_owner", db.name);
    c.batch_execute(&format!(
        "CREATE ROLE \"{role}\"; GRANT \"{role}\" TO CURRENT_USER; GRANT CREATE ON SCHEMA public TO \"{role}\""
    ))
    .unwrap();
    let mut files = vec![(
        "001_as_role.sql".to_string(),
        format!(
            "-- sqlstrata: allow(session-setting)\n-- UP\nSET ROLE \"{role}\";\nCREATE TABLE r (id int);\n-- DOWN\nDROP TABLE r;\n"
        ),
    )];
    if superuser {
        files.push((
            "002_as_user.sql".to_string(),
            format!(
                "-- sqlstrata: allow(session-setting)\n-- UP\nSET SESSION AUTHORIZATION \"{role}\";\nCREATE TABLE s (id int);\n-- DOWN\nDROP TABLE s;\n"
            ),
        ));
    }
    files.push((
        "003_plain.sql".to_string(),
        "-- UP\nCREATE TABLE p (id int);\n-- DOWN\nDROP TABLE p;\n".to_string(),
    ));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(f, s)| (f.as_str(), s.as_str()))
        .collect();
    let set = set_from_files(&borrowed);
    assert_eq!(
        Migrator::new(&set).up(&mut c).unwrap().applied().len(),
        files.len()
    );
    let owner = |c: &mut postgres::Client, t: &str| -> String {
        c.query_one(
            "SELECT tableowner::text FROM pg_tables WHERE tablename = $1",
            &[&t],
        )
        .unwrap()
        .get(0)
    };
    assert_eq!(owner(&mut c, "r"), role);
    if superuser {
        assert_eq!(owner(&mut c, "s"), role);
    }
    assert_eq!(
        owner(&mut c, "p"),
        me,
        "the next migration runs as the connection's user"
    );
    let now: (String, String) = c
        .query_one("SELECT current_user::text, session_user::text", &[])
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(now, (me.clone(), me));
    c.batch_execute(&format!("DROP OWNED BY \"{role}\"; DROP ROLE \"{role}\""))
        .unwrap();
}
