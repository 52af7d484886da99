//! Drift on a real server: a database changed by hand is compared with what
//! its applied migrations make of an empty one, and every change is named,
//! nothing else; the target is only read (a role that may only read the
//! tracking table runs it); a history that drifted is refused first.

use sqlstrata::{Error, Migrations, Migrator};
use sqlstrata_tests::{Scratch, set_from_files};

const SCHEMA: &str = "-- UP
CREATE TYPE mood AS ENUM ('ok', 'meh');
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
CREATE SEQUENCE counter INCREMENT 1;
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    score positive DEFAULT 1,
    mood mood,
    lower_email text GENERATED ALWAYS AS (lower(email)) STORED,
    CONSTRAINT email_unique UNIQUE (email)
);
CREATE INDEX users_mood ON users (mood);
CREATE VIEW active AS SELECT id, email FROM users WHERE mood = 'ok';
CREATE MATERIALIZED VIEW counts AS SELECT mood, count(*) AS n FROM users GROUP BY mood;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RETURN NEW;
END
$$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
CREATE FUNCTION answer() RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT 42 $$;
CREATE SCHEMA reports;
-- DOWN
DROP SCHEMA reports;
DROP FUNCTION answer();
DROP TABLE users CASCADE;
DROP FUNCTION touch();
DROP SEQUENCE counter;
DROP DOMAIN positive;
DROP TYPE mood;
";

fn set() -> Migrations {
    set_from_files(&[
        ("001_schema.sql", SCHEMA),
        (
            "002_posts.sql",
            "-- UP\nCREATE TABLE posts (id int PRIMARY KEY, user_id bigint REFERENCES users (id));\n-- DOWN\nDROP TABLE posts;\n",
        ),
        (
            "R__views.sql",
            "CREATE OR REPLACE VIEW post_counts AS SELECT user_id, count(*) AS n FROM posts GROUP BY user_id;\n",
        ),
    ])
}

fn objects(report: &sqlstrata::drift::DriftReport) -> Vec<&str> {
    report
        .differences
        .iter()
        .map(|d| d.object.as_str())
        .collect()
}

#[test]
fn a_clean_database_reports_nothing_and_every_hand_change_is_named() {
    let set = set();
    let target = Scratch::new();
    let mut t = target.connect();
    Migrator::new(&set).up(&mut t).unwrap();
    let scratch = Scratch::new();
    let report = Migrator::new(&set)
        .drift(&mut t, &mut scratch.connect(), &[])
        .unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.applied, vec![1, 2]);
    assert_eq!(report.repeatables, vec!["views"]);
    assert!(report.compared > 30, "{}", report.compared);

    for change in [
        "CREATE INDEX users_email_hotfix ON users (lower(email))",
        "ALTER TABLE users ADD COLUMN note text",
        "ALTER TABLE users ALTER COLUMN score SET DEFAULT 5",
        "ALTER TABLE users ALTER COLUMN email DROP NOT NULL",
        "ALTER TABLE users DROP CONSTRAINT email_unique",
        "CREATE OR REPLACE VIEW active AS SELECT id, email FROM users WHERE mood = 'meh'",
        "CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql STABLE AS $$ SELECT 43 $$",
        "ALTER TABLE users DISABLE TRIGGER users_touch",
        "ALTER TABLE users ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY own ON users USING (true)",
        "ALTER SEQUENCE counter INCREMENT 5",
        "ALTER TYPE mood ADD VALUE 'great'",
        "ALTER DOMAIN positive ADD CONSTRAINT small CHECK (VALUE < 100)",
        "CREATE SCHEMA hotfix",
        "DROP SCHEMA reports",
        "GRANT SELECT ON users TO PUBLIC",
        "ALTER TABLE posts ALTER COLUMN id TYPE bigint",
    ] {
        t.batch_execute(change).unwrap();
    }
    let scratch = Scratch::new();
    let report = Migrator::new(&set)
        .drift(&mut t, &mut scratch.connect(), &[])
        .unwrap();
    assert_eq!(
        objects(&report),
        [
            "column public.posts.id",
            "column public.users.email",
            "column public.users.note",
            "column public.users.score",
            "constraint email_unique on public.users",
            "domain public.positive",
            "enum public.mood",
            "function public.answer()",
            "grants on table public.users",
            "index public.email_unique",
            "index public.users_email_hotfix",
            "owner of schema hotfix",
            "owner of schema reports",
            "policy own on public.users",
            "row level security on public.users",
            "schema hotfix",
            "schema reports",
            "sequence public.counter",
            "trigger users_touch on public.users",
            "view definition public.active",
        ],
        "{report}"
    );
    let by = |o: &str| report.differences.iter().find(|d| d.object == o).unwrap();
    let email = by("column public.users.email");
    assert_eq!(email.in_database.as_deref(), Some(" text"));
    assert_eq!(email.from_migrations.as_deref(), Some(" text NOT NULL"));
    let hotfix = by("index public.users_email_hotfix");
    assert!(hotfix.from_migrations.is_none());
    assert!(
        hotfix
            .to_string()
            .contains("in the database only\n    in the database:   CREATE INDEX users_email_hotfix ON public.users USING btree (lower(email))"),
        "{hotfix}"
    );
    let answer = by("function public.answer()");
    assert!(answer.in_database.as_deref().unwrap().contains("stable"));
    assert!(
        answer
            .from_migrations
            .as_deref()
            .unwrap()
            .contains("immutable")
    );
    let diff = answer.diff.as_deref().unwrap();
    assert!(
        diff.contains("- ") && diff.contains("SELECT 43") && diff.contains("SELECT 42"),
        "{diff}"
    );
    assert!(
        by("view definition public.active")
            .diff
            .as_deref()
            .unwrap()
            .contains("'meh'")
    );
    assert!(
        by("trigger users_touch on public.users")
            .in_database
            .as_deref()
            .unwrap()
            .ends_with("(disabled)")
    );

    // Ignored: kinds and objects, with what belongs to them.
    let scratch = Scratch::new();
    let report = Migrator::new(&set)
        .drift(
            &mut t,
            &mut scratch.connect(),
            &[
                "index".into(),
                "users".into(),
                "schema".into(),
                "owner".into(),
            ],
        )
        .unwrap();
    assert_eq!(
        objects(&report),
        [
            "column public.posts.id",
            "domain public.positive",
            "enum public.mood",
            "function public.answer()",
            "sequence public.counter",
            "view definition public.active",
        ],
        "{report}"
    );
}

#[test]
fn objects_extensions_make_are_not_reported_only_the_extension() {
    let set = set();
    let target = Scratch::new();
    let mut t = target.connect();
    Migrator::new(&set).up(&mut t).unwrap();
    let available: i64 = t
        .query_one(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'",
            &[],
        )
        .unwrap()
        .get(0);
    if available == 0 {
        // A server built without contrib (none of the tested ones).
        eprintln!("pg_trgm is not available on this server: nothing to test");
        return;
    }
    if available > 0 {
        t.batch_execute("CREATE EXTENSION pg_trgm").unwrap();
        let functions: i64 = t
            .query_one(
                "SELECT count(*) FROM pg_depend WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_trgm') AND deptype = 'e'",
                &[],
            )
            .unwrap()
            .get(0);
        assert!(functions > 10, "the extension made objects: {functions}");
        let scratch = Scratch::new();
        let report = Migrator::new(&set)
            .drift(&mut t, &mut scratch.connect(), &[])
            .unwrap();
        assert_eq!(objects(&report), ["extension pg_trgm"], "{report}");
        let scratch = Scratch::new();
        let report = Migrator::new(&set)
            .drift(&mut t, &mut scratch.connect(), &["pg_trgm".into()])
            .unwrap();
        assert!(report.is_clean(), "{report}");
    }
}

#[test]
fn a_role_that_may_only_read_runs_it_and_a_drifted_history_is_refused_first() {
    let set = set();
    let target = Scratch::new();
    let mut t = target.connect();
    Migrator::new(&set).up(&mut t).unwrap();
    let role = format!("drift_reader_{}", std::process::id());
    t.batch_execute(&format!(
        "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN; GRANT SELECT ON schema_migrations, schema_migrations_repeatables TO {role}"
    ))
    .unwrap();
    let server = sqlstrata::testing::Server::shared().unwrap();
    let url = match server.socket_dir() {
        Some(dir) => format!(
            "host={} port={} user={role} dbname={}",
            dir.display(),
            server.port(),
            target.name
        ),
        None => {
            t.batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"))
                .unwrap();
            return;
        }
    };
    let mut reader = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let before: Vec<String> = t
        .query("SELECT checksum || batch || applied_at::text || coalesce(seal, '') FROM schema_migrations ORDER BY version", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let scratch = Scratch::new();
    let report = Migrator::new(&set)
        .drift(&mut reader, &mut scratch.connect(), &[])
        .unwrap();
    assert!(report.is_clean(), "{report}");
    let after: Vec<String> = t
        .query("SELECT checksum || batch || applied_at::text || coalesce(seal, '') FROM schema_migrations ORDER BY version", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(before, after, "only read");
    drop(reader);

    // A checksum changed in the history: refused, naming the file.
    t.batch_execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2")
        .unwrap();
    let scratch = Scratch::new();
    let err = Migrator::new(&set)
        .drift(&mut t, &mut scratch.connect(), &[])
        .unwrap_err();
    assert!(
        matches!(&err, Error::ChecksumMismatch { file, .. } if file == "002_posts.sql"),
        "{err}"
    );
    // A scratch database that is not empty: refused.
    let busy = Scratch::new();
    let mut b = busy.connect();
    b.batch_execute("CREATE TABLE something (id int)").unwrap();
    let clean = Scratch::new();
    let mut fresh = clean.connect();
    Migrator::new(&set).up(&mut fresh).unwrap();
    let err = Migrator::new(&set)
        .drift(&mut fresh, &mut b, &[])
        .unwrap_err();
    assert!(matches!(err, Error::NotEmpty { .. }), "{err}");
    t.batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"))
        .unwrap();
}

#[test]
fn async_clients_and_a_partly_applied_history() {
    let set = set();
    let target = Scratch::new();
    let scratch = Scratch::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let t = target.connect_async().await;
        Migrator::new(&set)
            .run_async(&t, sqlstrata::Operation::Up { to: Some(1) })
            .await
            .unwrap();
        let s = scratch.connect_async().await;
        let report = Migrator::new(&set).drift_async(&t, &s, &[]).await.unwrap();
        assert!(report.is_clean(), "{report}");
        assert_eq!(report.applied, vec![1], "only what the history says");
        assert!(report.repeatables.is_empty());
    });
}
