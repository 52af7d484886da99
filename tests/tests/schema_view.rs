//! `sqlstrata schema` against a real PostgreSQL: the SQL it prints for a
//! history, applied to an empty database, makes the same catalog (the
//! snapshot `verify` and `drift` use) as the migrations themselves, for
//! every object the model knows:
//!
//! - every line of the script's catalog is a line of the migrations'
//!   catalog (nothing made that is not there, nothing made differently);
//! - every column, constraint, index, view, type and function the view
//!   claims to know whole is there.
//!
//! On the repository's histories and the example's, and on any folders in
//! `SQLSTRATA_FIDELITY_DIRS` (public projects imported with `sqlstrata
//! import`, see TESTING.md).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sqlstrata::testing::TestDb;
use sqlstrata::{Migrations, Options};
use sqlstrata_core::read_folder;
use sqlstrata_core::schema::view::SchemaView;
use sqlstrata_core::schema::{model_at, sql};

fn folders() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = vec![
        root.join("migrations"),
        root.join("tests/fixtures/history"),
        root.join("tests/fixtures/kinds"),
        root.join("examples/web/migrations"),
    ];
    if let Ok(more) = std::env::var("SQLSTRATA_FIDELITY_DIRS") {
        out.extend(more.split(':').filter(|s| !s.is_empty()).map(PathBuf::from));
    }
    out
}

/// The catalog, but for what the model does not hold: owners, grants and
/// whether row level security is on.
fn snapshot(db: &TestDb) -> BTreeSet<String> {
    let mut client = db.connect().expect("connect");
    sqlstrata::verify::catalog_snapshot(&mut client, &Options::default())
        .expect("a snapshot")
        .into_iter()
        .filter(|l| {
            !["owner of ", "grants on ", "row level security "]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .collect()
}

/// `schema.name` as the catalog names it (`public` for the connection's own).
fn in_catalog(schema: &Option<String>, name: &str) -> String {
    format!("{}.{name}", schema.as_deref().unwrap_or("public"))
}

/// The keys the view claims: what must be in the script's catalog.
fn claimed(view: &SchemaView) -> Vec<String> {
    let gate = sql::Script::new(view);
    let mut out = Vec::new();
    for t in view.tables.iter().filter(|t| gate.table(t)) {
        let at = in_catalog(&t.schema, &t.name);
        out.push(format!("table {at}"));
        for c in t.columns.iter().filter(|c| gate.column(c)) {
            out.push(format!("column {at}.{}", c.name));
        }
        for k in t.constraints.iter().filter(|k| gate.constraint(t, k)) {
            out.push(format!("constraint {} on {at}", k.name));
        }
        for p in t.triggers.iter().filter(|p| gate.part(t, p)) {
            out.push(format!("trigger {} on {at}", p.name));
        }
    }
    for i in view.indexes.iter().filter(|i| gate.named(i)) {
        out.push(format!("index {}", in_catalog(&i.schema, &i.name)));
    }
    for v in view.views.iter().filter(|v| gate.named(v)) {
        out.push(format!("{} {}", v.kind, in_catalog(&v.schema, &v.name)));
    }
    out
}

/// Whether the snapshot `lines` has an entry with key `key`.
fn has_key(lines: &BTreeSet<String>, key: &str) -> bool {
    lines.iter().any(|l| {
        // `format('%I')` quotes key words (`"timestamp"`).
        l.replace('"', "")
            .strip_prefix(key)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' ') || rest.starts_with(':'))
    })
}

/// The entries of `lines` about the table `at`'s columns or constraints.
fn of_table<'a>(lines: &'a BTreeSet<String>, at: &str) -> Vec<&'a String> {
    lines
        .iter()
        .filter(|l| {
            l.strip_prefix(&format!("column {at}."))
                .is_some_and(|rest| !rest.contains('.') || rest.contains(' '))
                || (l.starts_with("constraint ") && l.contains(&format!(" on {at}:")))
        })
        .collect()
}

#[test]
fn the_schema_as_sql_makes_the_catalog_the_migrations_make() {
    for dir in folders() {
        let folder = read_folder(&dir, "m");
        // A public history's files our reader rejects are left out of both
        // sides alike (TESTING.md names them); the repository's have none.
        assert!(
            !folder.has_errors() || std::env::var_os("SQLSTRATA_FIDELITY_DIRS").is_some(),
            "{}: {:?}",
            dir.display(),
            folder.diagnostics
        );
        let set = Migrations::new(
            folder
                .migrations
                .iter()
                .map(|m| m.migration.clone())
                .collect(),
        )
        .with_settings(folder.run);
        // The whole history, or (a public one that does not apply on this
        // server: TESTING.md names them) as far as it applies: up to the
        // version before the migration the server refuses.
        let (migrated, at) = match TestDb::new(&set) {
            Ok(db) => (db, None),
            Err(e) => {
                println!("{}: the history does not apply: {e}", dir.display());
                assert!(
                    std::env::var_os("SQLSTRATA_FIDELITY_DIRS").is_some(),
                    "{}: the repository's history must apply: {e}",
                    dir.display()
                );
                let text = e.to_string();
                let refused = folder
                    .migrations
                    .iter()
                    .position(|m| text.contains(m.migration.file_name()));
                let Some(before) = refused
                    .filter(|i| *i > 0)
                    .map(|i| folder.migrations[i - 1].version())
                else {
                    continue;
                };
                match TestDb::at(&set, before) {
                    Ok(db) => {
                        println!("{}: compared at version {before}", dir.display());
                        (db, Some(before))
                    }
                    Err(e) => {
                        println!("{}: not even at {before}: {e}", dir.display());
                        continue;
                    }
                }
            }
        };
        compare(&dir, &folder.migrations, &migrated, at);
        // Where the model stopped knowing everything (a `DO` block that runs
        // DDL, say), also just before: what it knew up to there.
        let view = SchemaView::of(&model_at(&folder.migrations, &[], at));
        let lost_all =
            view.unknown
                .iter()
                .find(|u| u.what == "everything")
                .and_then(|u| u.since.as_deref())
                .and_then(|since| {
                    let i = folder.migrations.iter().position(|m| {
                        since.starts_with(&format!("{}:", m.migration.file_name()))
                    })?;
                    (i > 0).then(|| folder.migrations[i - 1].version())
                });
        if let Some(before) = lost_all {
            match TestDb::at(&set, before) {
                Ok(db) => {
                    println!("{}: and at version {before}", dir.display());
                    compare(&dir, &folder.migrations, &db, Some(before));
                }
                Err(e) => println!("{}: not at {before}: {e}", dir.display()),
            }
        }
    }
}

/// The script of the view at `at` against the database `migrated` (the
/// same migrations applied).
fn compare(
    dir: &Path,
    migrations: &[sqlstrata_core::SourceMigration],
    migrated: &TestDb,
    at: Option<i64>,
) {
    let view = SchemaView::of(&model_at(migrations, &[], at));
    let script = sql::script(&view);
    let empty = TestDb::new(&Migrations::new(Vec::new())).expect("a test database");
    let mut client = empty.connect().expect("connect");
    if let Err(e) = client.batch_execute(&script) {
        panic!(
            "{}: the script does not apply: {e:?}\n{script}",
            dir.display()
        );
    }
    let want = snapshot(migrated);
    let got = snapshot(&empty);
    // Nothing the script makes differs from what the migrations make.
    let extra: Vec<&String> = got.difference(&want).collect();
    assert!(
        extra.is_empty(),
        "{}: the script's catalog has what the migrations' has not:\n{extra:#?}\nmigrations' catalog:\n{:#?}",
        dir.display(),
        want.difference(&got).collect::<Vec<_>>()
    );
    // Everything the view claims is there.
    let claims = claimed(&view);
    let missing: Vec<&String> = claims.iter().filter(|k| !has_key(&got, k)).collect();
    assert!(
        missing.is_empty(),
        "{}: claimed but not made: {missing:#?}",
        dir.display()
    );
    // A table the view knows whole has every column and constraint the
    // migrations gave it.
    let mut whole = 0;
    let gate = sql::Script::new(&view);
    for t in &view.tables {
        if !gate.table(t)
            || !t.columns_complete
            || !t.constraints_complete
            || !t.columns.iter().all(|c| gate.column(c))
            || !t.constraints.iter().all(|k| gate.constraint(t, k))
        {
            continue;
        }
        whole += 1;
        let at = in_catalog(&t.schema, &t.name);
        let lost: Vec<&String> = of_table(&want, &at)
            .into_iter()
            .filter(|l| !got.contains(*l))
            .collect();
        assert!(
            lost.is_empty(),
            "{}: table {at} is known whole, but the script lost {lost:#?}",
            dir.display()
        );
    }
    println!(
        "{}: {} tables ({whole} known whole), {} catalog entries made by the script, {} by the migrations, {} claims, {} unknowns",
        dir.display(),
        view.tables.len(),
        got.len(),
        want.len(),
        claims.len(),
        view.unknown.len()
    );
}
