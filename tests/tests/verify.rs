//! The verifier proves each DOWN undoes its UP, and shows a readable diff
//! when one does not.

use sqlstrata::{Migrations, Migrator};
use sqlstrata_tests::{EXAMPLE, Scratch, Spec, set_of};

/// Reversible, transactional migrations: (version, UP, DOWN).
fn set(migrations: &[(i64, &[&str], &[&str])]) -> Migrations {
    let specs: Vec<Spec<'_>> = migrations
        .iter()
        .map(|(v, up, down)| (*v, *up, Some(*down), false))
        .collect();
    set_of(&specs)
}

#[test]
fn the_example_set_verifies() {
    let db = Scratch::new();
    let mut c = db.connect();
    let report = Migrator::new(&EXAMPLE).verify(&mut c).unwrap();
    assert!(report.is_ok(), "{:?}", report.findings);
    assert_eq!(report.verified, vec![1, 2, 3, 4, 6, 7]);
    assert_eq!(report.irreversible, vec![5]);
    // Everything is applied at the end.
    let applied: i64 = c
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .unwrap()
        .get(0);
    assert_eq!(applied, 7);
}

#[test]
fn a_down_that_leaves_things_behind_or_removes_too_much_is_reported() {
    let db = Scratch::new();
    let mut c = db.connect();
    let s = set(&[
        (
            1,
            &[
                "CREATE TABLE base (id int PRIMARY KEY, note text)",
                "CREATE INDEX base_note ON base (note)",
            ],
            &["DROP TABLE base"],
        ),
        (
            2,
            &[
                "ALTER TABLE base ADD COLUMN score int NOT NULL DEFAULT 0",
                "CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42'",
            ],
            &["ALTER TABLE base DROP COLUMN score"],
        ),
        (
            3,
            &["ALTER TABLE base ADD COLUMN extra int"],
            &["ALTER TABLE base DROP COLUMN extra", "DROP INDEX base_note"],
        ),
    ]);
    let report = Migrator::new(&s).verify(&mut c).unwrap();
    assert_eq!(report.verified, vec![1, 2, 3]);
    assert_eq!(report.findings.len(), 2, "{:?}", report.findings);
    let two = &report.findings[0];
    assert_eq!(two.file, "002_m2.sql");
    assert_eq!(two.left_behind.len(), 2, "{:?}", two.left_behind);
    assert_eq!(
        two.left_behind[1],
        "owner of function public.answer() postgres"
    );
    assert!(
        two.left_behind[0]
            .starts_with("function public.answer() returns integer, volatile, body md5 "),
        "{:?}",
        two.left_behind
    );
    assert!(two.removed.is_empty());
    let three = &report.findings[1];
    assert_eq!(
        three.removed,
        vec![
            "index public.base_note: CREATE INDEX base_note ON public.base USING btree (note)"
                .to_string()
        ]
    );
    let text = three.to_string();
    assert!(
        text.starts_with("003_m3.sql: the DOWN section does not undo the UP section\n  - index public.base_note: CREATE INDEX base_note"),
        "{text}"
    );
}

#[test]
fn a_down_whose_up_cannot_run_again_stops_the_verification() {
    let db = Scratch::new();
    let mut c = db.connect();
    let s = set(&[
        (
            1,
            &[
                "CREATE TYPE mood AS ENUM ('ok', 'meh')",
                "CREATE TABLE t (m mood)",
            ],
            &["DROP TABLE t"],
        ),
        (2, &["CREATE TABLE u (id int)"], &["DROP TABLE u"]),
    ]);
    let report = Migrator::new(&s).verify(&mut c).unwrap();
    assert_eq!(report.findings.len(), 1);
    let f = &report.findings[0];
    assert_eq!(
        f.left_behind,
        vec!["enum public.mood ('ok', 'meh')".to_string()]
    );
    assert!(
        f.reapply_error
            .as_deref()
            .unwrap()
            .contains("type \"mood\" already exists"),
        "{f:?}"
    );
    assert_eq!(report.unverified, vec![2]);
}

/// One case per kind of object the README lists: a DOWN that forgets to
/// undo it is caught, and the finding names the object.
#[test]
fn every_kind_of_object_a_down_forgets_is_caught() {
    // (the UP of 002, the line it must leave behind, the line it removes)
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("CREATE TABLE x (id int)", "table public.x", None),
        (
            "ALTER TABLE t ADD COLUMN c text",
            "column public.t.c text",
            None,
        ),
        (
            "ALTER TABLE t ALTER COLUMN n TYPE bigint",
            "column public.t.n bigint",
            Some("column public.t.n integer"),
        ),
        (
            "ALTER TABLE t ALTER COLUMN n SET DEFAULT 7",
            "column public.t.n integer DEFAULT 7",
            Some("column public.t.n integer"),
        ),
        (
            "ALTER TABLE t ALTER COLUMN n SET NOT NULL",
            "column public.t.n integer NOT NULL",
            Some("column public.t.n integer"),
        ),
        (
            "ALTER TABLE t ADD CONSTRAINT n_positive CHECK (n > 0)",
            "constraint n_positive on public.t: CHECK ((n > 0))",
            None,
        ),
        (
            "ALTER TABLE t ADD CONSTRAINT n_unique UNIQUE (n)",
            "constraint n_unique on public.t: UNIQUE (n)",
            None,
        ),
        (
            "CREATE INDEX t_n ON t (n)",
            "index public.t_n: CREATE INDEX t_n ON public.t USING btree (n)",
            None,
        ),
        ("CREATE VIEW v AS SELECT id FROM t", "view public.v", None),
        (
            "CREATE MATERIALIZED VIEW mv AS SELECT id FROM t",
            "materialized view public.mv",
            None,
        ),
        (
            "CREATE SEQUENCE s INCREMENT BY 5",
            "sequence public.s bigint start 1 increment 5",
            None,
        ),
        (
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "function public.f() returns integer, volatile, body md5 ",
            None,
        ),
        (
            "CREATE OR REPLACE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'",
            "function public.stamp() returns trigger, volatile, body md5 ",
            Some("function public.stamp() returns trigger, volatile, body md5 "),
        ),
        (
            "CREATE TYPE mood AS ENUM ('ok')",
            "enum public.mood ('ok')",
            None,
        ),
        (
            "CREATE DOMAIN positive AS int CHECK (VALUE > 0)",
            "domain public.positive integer",
            None,
        ),
        (
            "CREATE TRIGGER t_stamp BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION stamp()",
            "trigger t_stamp on public.t: CREATE TRIGGER t_stamp BEFORE INSERT ON public.t FOR EACH ROW EXECUTE FUNCTION stamp()",
            None,
        ),
        (
            "CREATE POLICY mine ON t USING (n > 0)",
            "policy mine on public.t PERMISSIVE ALL {public} using (n > 0) check -",
            None,
        ),
        (
            "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
            "row level security on public.t",
            None,
        ),
        ("CREATE EXTENSION hstore", "extension hstore ", None),
        ("CREATE SCHEMA billing", "schema billing", None),
    ];
    let base: &[&str] = &[
        "CREATE TABLE t (id int PRIMARY KEY, n int)",
        "CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
    ];
    let base_down: &[&str] = &["DROP TABLE t", "DROP FUNCTION stamp()"];
    for (up, left, removed) in cases {
        let db = Scratch::new();
        let mut c = db.connect();
        let s = set(&[(1, base, base_down), (2, &[up], &["SELECT 1"])]);
        let report = Migrator::new(&s).verify(&mut c).unwrap();
        assert_eq!(report.findings.len(), 1, "{up}: {:?}", report.findings);
        let f = &report.findings[0];
        assert_eq!(f.file, "002_m2.sql", "{up}");
        assert!(
            f.left_behind.iter().any(|l| l.starts_with(left)),
            "{up}: {:?} has no {left:?}",
            f.left_behind
        );
        match removed {
            Some(line) => assert!(
                f.removed.iter().any(|l| l.starts_with(line)),
                "{up}: {:?} has no {line:?}",
                f.removed
            ),
            None => assert!(f.removed.is_empty(), "{up}: {:?}", f.removed),
        }
    }
}

/// 002 lower-cases every email (its DOWN drops only the check: it cannot
/// put the addresses back); 003 adds a column its DOWN drops; 004 makes
/// emails unique.
fn data_set() -> Migrations {
    sqlstrata_tests::set_from_files(&[
        (
            "001_people.sql",
            "-- UP\nCREATE TABLE people (id int PRIMARY KEY, email text NOT NULL, name text);\n-- DOWN\nDROP TABLE people;\n",
        ),
        (
            "002_lower_emails.sql",
            "-- UP\nUPDATE people SET email = lower(email);\n-- sqlstrata: allow(constraint-missing-not-valid)\nALTER TABLE people ADD CONSTRAINT people_email_lower CHECK (email = lower(email));\n-- DOWN\nALTER TABLE people DROP CONSTRAINT people_email_lower;\n",
        ),
        (
            "003_nicknames.sql",
            "-- UP\nALTER TABLE people ADD COLUMN nickname text;\nUPDATE people SET nickname = name;\n-- DOWN\nALTER TABLE people DROP COLUMN nickname;\n",
        ),
        (
            "004_unique_emails.sql",
            "-- UP\n-- sqlstrata: allow(require-concurrent-index-creation)\nCREATE UNIQUE INDEX people_email ON people (email);\n-- DOWN\nDROP INDEX people_email;\n",
        ),
    ])
}

#[test]
fn with_rows_a_down_that_cannot_put_the_data_back_is_named_with_its_table() {
    let s = data_set();
    // Without rows, every DOWN undoes its UP.
    let db = Scratch::new();
    let report = Migrator::new(&s).verify(&mut db.connect()).unwrap();
    assert!(report.is_ok(), "{:?}", report.findings);
    assert!(report.with_data.is_empty());

    let db = Scratch::new();
    let data = vec![
        (
            2,
            "INSERT INTO people VALUES (1, 'Ada@Example.com', 'Ada'), (2, 'bob@example.com', 'Bob'), (3, 'CAT@example.com', 'Cat')".to_string(),
        ),
        // Rows the nickname column's DOWN must keep exactly.
        (3, "INSERT INTO people VALUES (4, 'dan@example.com', 'Dan')".to_string()),
    ];
    let report = Migrator::new(&s)
        .verify_with_data(&mut db.connect(), &data)
        .unwrap();
    assert_eq!(report.with_data, [2, 3]);
    assert_eq!(report.verified, [1, 2, 3, 4]);
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    let f = &report.findings[0];
    assert_eq!(f.file, "002_lower_emails.sql");
    assert!(
        f.left_behind.is_empty() && f.removed.is_empty(),
        "the schema is put back"
    );
    assert_eq!(f.rows.len(), 1);
    let rows = &f.rows[0];
    assert_eq!(
        (rows.table.as_str(), rows.missing, rows.extra),
        ("public.people", 2, 2)
    );
    let shown = f.to_string();
    assert!(
        shown.starts_with("002_lower_emails.sql: the DOWN section does not put the data back"),
        "{shown}"
    );
    assert!(
        shown.contains("public.people: 2 row(s) not as they were before UP"),
        "{shown}"
    );
}

#[test]
fn with_rows_an_up_that_fails_on_them_stops_the_verification() {
    let s = data_set();
    let db = Scratch::new();
    let data = vec![(
        4,
        "INSERT INTO people VALUES (1, 'ada@example.com', 'Ada'), (2, 'ada@example.com', 'Ada again')".to_string(),
    )];
    let report = Migrator::new(&s)
        .verify_with_data(&mut db.connect(), &data)
        .unwrap();
    assert!(!report.is_ok());
    let f = &report.findings[0];
    assert_eq!(f.file, "004_unique_emails.sql");
    let e = f.data_error.as_deref().unwrap_or_default();
    assert!(
        e.starts_with("UP fails with its rows: 004_unique_emails.sql:3:"),
        "{e}"
    );
    assert!(e.contains("SQLSTATE 23505"), "{e}");
    // Rows that do not load on the schema before their migration are named too.
    let db = Scratch::new();
    let data = vec![(
        2,
        "INSERT INTO people (id, email, nickname) VALUES (1, 'a', 'b')".to_string(),
    )];
    let report = Migrator::new(&s)
        .verify_with_data(&mut db.connect(), &data)
        .unwrap();
    let e = report.findings[0].data_error.as_deref().unwrap_or_default();
    assert!(
        e.starts_with("its rows (data file 2.sql) do not load on the schema before it:"),
        "{e}"
    );
    assert_eq!(report.unverified, [3, 4]);
}
