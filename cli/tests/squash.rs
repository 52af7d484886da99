//! `sqlstrata squash` against real PostgreSQL: the example set and the
//! realistic 30-migration history squashed into a baseline proved equal;
//! deployed, fresh and half-migrated databases after it.

mod common;
use common::bin;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use sqlstrata_tests::Scratch;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn workdir(tag: &str, from: &Path) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("squash-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("migrations")).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        fs::copy(e.path(), dir.join("migrations").join(e.file_name())).unwrap();
    }
    dir
}

fn run(dir: &Path, url: Option<&str>, args: &[&str]) -> Output {
    let mut c = bin();
    c.current_dir(dir);
    if let Some(url) = url {
        c.args(["--database-url", url]);
    }
    c.args(args).output().unwrap()
}

fn snapshot(db: &Scratch) -> Vec<String> {
    sqlstrata::verify::catalog_snapshot(&mut db.connect(), &sqlstrata::Options::default()).unwrap()
}

fn count(db: &Scratch, sql: &str) -> i64 {
    db.connect().query_one(sql, &[]).unwrap().get(0)
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations")
}

#[test]
fn the_example_set_squashed_deployed_fresh_and_half_migrated_databases() {
    let dir = workdir("example", &example());
    let (deployed, half, fresh) = (Scratch::new(), Scratch::new(), Scratch::new());
    assert!(run(&dir, Some(&deployed.url), &["up"]).status.success());
    assert!(
        run(&dir, Some(&half.url), &["up", "--to", "3"])
            .status
            .success()
    );

    let o = run(&dir, None, &["squash", "--to", "7", "--archive", "old"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("squashed 7 migration(s)"), "{out}");
    assert!(out.contains("the same catalog as the history"), "{out}");
    // The data the squashed migrations wrote is named, not silently lost.
    assert!(
        out.contains("005_normalise_emails.sql:7: UPDATE users"),
        "{out}"
    );
    assert!(out.contains("007_backfill_display_names.sql"), "{out}");
    let mut left: Vec<String> = fs::read_dir(dir.join("migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["007_squashed_baseline.sql", "sqlstrata.toml"]);
    let settings = fs::read_to_string(dir.join("migrations/sqlstrata.toml")).unwrap();
    assert!(
        settings.contains("[lints]") && settings.contains("from = 7"),
        "the lint baseline moves to the squashed version: {settings}"
    );
    assert!(out.contains("set the lint baseline in"), "{out}");
    assert_eq!(
        fs::read_dir(dir.join("old")).unwrap().count(),
        7,
        "archived, not deleted"
    );
    let baseline = fs::read_to_string(dir.join("migrations/007_squashed_baseline.sql")).unwrap();
    assert!(
        baseline.contains("-- sqlstrata: squashes 001..007\n"),
        "{baseline}"
    );
    let o = run(&dir, None, &["check", "--deny-warnings"]);
    assert!(o.status.success(), "{}", text(&o));

    // A deployed database needs nothing: the baseline counts as applied,
    // its history rows stay.
    let o = run(&dir, Some(&deployed.url), &["up"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("nothing to do"), "{}", text(&o));
    let o = run(&dir, Some(&deployed.url), &["status", "--pending"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("✓ 007_squashed_baseline"), "{}", text(&o));
    assert!(
        text(&o).contains(
            "001_create_users.sql .. 007_backfill_display_names.sql (7 migrations), squashed"
        ),
        "{}",
        text(&o)
    );
    assert_eq!(
        count(&deployed, "SELECT count(*) FROM schema_migrations"),
        7
    );

    // A fresh database runs the baseline, not the history, and gets the same schema.
    let o = run(&dir, Some(&fresh.url), &["up"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("batch 1: 1 migration(s)"), "{}", text(&o));
    assert_eq!(snapshot(&fresh), snapshot(&deployed));

    // Half-way: a clear error, nothing run.
    let o = run(&dir, Some(&half.url), &["up"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains(
            "it lacks 004, 005, 006, 007. Deploy the release from before the squash first"
        ),
        "{}",
        text(&o)
    );
    assert_eq!(count(&half, "SELECT count(*) FROM schema_migrations"), 3);

    // Later migrations apply after the baseline everywhere.
    fs::write(
        dir.join("migrations/008_users_bio.sql"),
        "-- UP\nALTER TABLE users ADD COLUMN bio TEXT;\n-- DOWN\n-- sqlstrata: allow(ban-drop-column)\nALTER TABLE users DROP COLUMN bio;\n",
    )
    .unwrap();
    for db in [&deployed, &fresh] {
        let o = run(&dir, Some(&db.url), &["up"]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).contains("batch 2: 1 migration(s)"), "{}", text(&o));
    }
    assert_eq!(snapshot(&fresh), snapshot(&deployed));
    // The baseline cannot be rolled back: it would drop everything.
    let o = run(&dir, Some(&fresh.url), &["down", "2"]);
    assert!(text(&o).contains("irreversible"), "{}", text(&o));
}

#[test]
fn thirty_realistic_migrations_squash_with_their_lookup_rows() {
    let history = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/history");
    let dir = workdir("history", &history);
    let replayed = Scratch::new();
    assert!(run(&dir, Some(&replayed.url), &["up"]).status.success());
    let o = run(
        &dir,
        None,
        &["squash", "--to", "30", "--with-data", "currencies"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("squashed 30 migration(s)"),
        "{}",
        text(&o)
    );
    let baseline = fs::read_to_string(dir.join("migrations/030_squashed_baseline.sql")).unwrap();
    for object in [
        "CREATE TYPE public.member_role AS ENUM",
        "CREATE FUNCTION public.order_total",
        "CREATE TRIGGER",
        "CREATE VIEW public.active_products",
        "CREATE POLICY",
        "CREATE SEQUENCE",
    ] {
        assert!(baseline.contains(object), "{object}");
    }
    let fresh = Scratch::new();
    let o = run(&dir, Some(&fresh.url), &["up"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(snapshot(&fresh), snapshot(&replayed));
    assert_eq!(count(&fresh, "SELECT count(*) FROM currencies"), 2);
    // The squashed history is archived beside the folder by default.
    assert_eq!(
        fs::read_dir(dir.join("squashed_migrations"))
            .unwrap()
            .count(),
        30
    );
}

#[test]
fn a_baseline_that_would_not_build_the_same_schema_is_refused_with_the_diff() {
    // A table with the name of the lease table: pg_dump is told to leave
    // that out, so the baseline lacks it, and the proof says so.
    let dir = workdir("unequal", &example());
    fs::write(
        dir.join("migrations/008_lock_lookalike.sql"),
        "-- UP\nCREATE TABLE schema_migrations_lock (x int);\n-- DOWN\nDROP TABLE schema_migrations_lock;\n",
    )
    .unwrap();
    let o = run(&dir, None, &["squash", "--to", "8"]);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains(
            "the baseline does not build the schema the history builds; nothing was written"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "- table public.schema_migrations_lock   (the history has it, the baseline not)"
        ),
        "{out}"
    );
    assert_eq!(
        fs::read_dir(dir.join("migrations")).unwrap().count(),
        8,
        "nothing moved"
    );
}

#[test]
fn the_archive_cannot_be_the_migrations_folder() {
    let dir = workdir("self-archive", &example());
    for archive in ["migrations", "./migrations/", "migrations/../migrations"] {
        let o = run(&dir, None, &["squash", "--to", "3", "--archive", archive]);
        assert_eq!(o.status.code(), Some(1), "{archive}: {}", text(&o));
        assert!(
            text(&o).contains("is the migrations folder itself; give another folder"),
            "{}",
            text(&o)
        );
    }
    assert_eq!(
        fs::read_dir(dir.join("migrations")).unwrap().count(),
        7,
        "nothing moved, nothing written"
    );
}

#[test]
fn repeatables_are_kept_as_files_and_run_after_the_baseline() {
    let from = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("squash-repeatable-src-{}", std::process::id()));
    let _ = fs::remove_dir_all(&from);
    fs::create_dir_all(&from).unwrap();
    for (name, sql) in [
        (
            "001_a.sql",
            "-- UP\nCREATE TABLE a (id int);\n-- DOWN\nDROP TABLE a;\n",
        ),
        (
            "002_b.sql",
            "-- UP\nALTER TABLE a ADD COLUMN b int;\n-- DOWN\nALTER TABLE a DROP COLUMN b;\n",
        ),
        (
            "R__views.sql",
            "CREATE OR REPLACE VIEW av AS SELECT id, b FROM a;\n",
        ),
    ] {
        fs::write(from.join(name), sql).unwrap();
    }
    let dir = workdir("repeatable", &from);
    let deployed = Scratch::new();
    assert!(run(&dir, Some(&deployed.url), &["up"]).status.success());
    let o = run(&dir, None, &["squash", "--to", "2", "--archive", "old"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("squashed 2 migration(s)"), "{}", text(&o));
    let mut left: Vec<String> = fs::read_dir(dir.join("migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "002_squashed_baseline.sql",
            "R__views.sql",
            "sqlstrata.toml"
        ]
    );
    let o = run(&dir, Some(&deployed.url), &["up"]);
    assert!(text(&o).contains("nothing to do"), "{}", text(&o));
    let fresh = Scratch::new();
    let o = run(&dir, Some(&fresh.url), &["up"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("R__views"), "{}", text(&o));
    assert_eq!(snapshot(&fresh), snapshot(&deployed));
}
