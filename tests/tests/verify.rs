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
    assert_eq!(two.left_behind.len(), 1, "{:?}", two.left_behind);
    assert!(
        two.left_behind[0].starts_with("function public.answer() returns integer, body md5 "),
        "{:?}",
        two.left_behind
    );
    assert!(two.removed.is_empty());
    let three = &report.findings[1];
    assert_eq!(
        three.removed,
        vec!["index CREATE INDEX base_note ON public.base USING btree (note)".to_string()]
    );
    let text = three.to_string();
    assert!(
        text.starts_with("003_m3.sql: the DOWN section does not undo the UP section\n  - index CREATE INDEX base_note"),
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
