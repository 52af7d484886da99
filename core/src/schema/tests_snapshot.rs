//! The model's answers over whole histories, statement by statement, held
//! in `snapshots/*.txt` and compared line by line.
//!
//! For each statement of a history it writes what the statement changes in
//! the schema ([`diff::changes`] of the views before and after, and what
//! became unknown), what it finds wrong, and what the model makes of three
//! variants of it, each on the state right before it:
//!
//! - **again**: the statement run a second time, right after itself (what
//!   it made now exists, what it dropped is gone);
//! - **typos**: each name in it misspelt in turn (two neighbouring letters
//!   swapped), with what that finds (the model must name the right object
//!   at the right place, or say nothing when it cannot know);
//! - **unchecked**: the statement under `-- sqlstrata: unchecked` (read by
//!   its leading words only): what becomes unknown;
//! - **in a `DO` block**: the statement as PL/pgSQL runs it;
//!
//! and, for each DOWN statement, what the DOWN leaves different without it.
//! After the history: the schema as `sqlstrata schema` writes it.
//!
//! The histories are the repository's own (`tests/fixtures/history`,
//! `tests/fixtures/kinds`, the demo's `migrations/`) and `pg-statements.sql` on a small base. The facts
//! the snapshots hold are checked against PostgreSQL elsewhere: the
//! fidelity test (`tests/tests/schema_fidelity.rs`) replays the same
//! histories on a real server and compares its catalog with the model
//! after each migration, and tries each typo there first. This test pins
//! them, so that a change to the model that changes any answer shows up
//! here, line by line, without a server.
//!
//! After a deliberate change: `SQLSTRATA_BLESS=1 cargo test -p
//! sqlstrata-core --lib schema::tests_snapshot`, then read the diff.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::objects::Origin;
use super::view::SchemaView;
use super::*;
use crate::lex::{TokenKind, tokenize};
use crate::migration::{SourceMigration, read_migration};
use crate::naming::parse_file_name;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A folder's migrations, read as `check` reads them, with their files'
/// names and texts.
fn folder(dir: &Path) -> Vec<(String, String, SourceMigration)> {
    crate::read_folder(dir, "m")
        .migrations
        .into_iter()
        .map(|m| {
            let file = m.migration.file_name().to_string();
            let text = std::fs::read_to_string(dir.join(&file)).expect("the file");
            (file, text, m)
        })
        .collect()
}

/// A short form of a statement for a heading.
fn short(sql: &str) -> String {
    let one: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.char_indices().nth(90) {
        Some((i, _)) => format!("{}...", &one[..i]),
        None => one,
    }
}

/// A misspelling of `word`: two neighbouring letters in its middle swapped
/// (or, when they are the same, one of them dropped).
fn misspell(word: &str) -> Option<String> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 4 {
        return None;
    }
    let i = chars.len() / 2;
    let mut out = chars.clone();
    if chars[i - 1] != chars[i] {
        out.swap(i - 1, i);
    } else {
        out.remove(i);
    }
    Some(out.into_iter().collect())
}

/// Keywords as these histories write them: in capitals.
fn keyword(word: &str) -> bool {
    word.bytes()
        .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
}

fn problems(out: &mut String, found: &[Problem], file: &str) {
    for p in found {
        let _ = writeln!(
            out,
            "    ! {}:{} {} ({})",
            p.place().0,
            p.place().1,
            p.message(file),
            p.rule()
        );
    }
}

/// What changed from `a` to `b`: objects, then what became unknown or
/// known again.
fn changes(out: &mut String, a: &SchemaView, b: &SchemaView, indent: &str) {
    for c in diff::changes(a, b) {
        let detail = match (&c.before, &c.after) {
            (Some(x), Some(y)) => format!(" ({x} -> {y})"),
            (Some(x), None) => format!(" (was {x})"),
            (None, Some(y)) => format!(" (now {y})"),
            (None, None) => String::new(),
        };
        let _ = writeln!(out, "{indent}{} {} {}{detail}", c.change, c.kind, c.name);
    }
    for u in &b.unknown {
        if !a.unknown.contains(u) {
            let _ = writeln!(
                out,
                "{indent}unknown {} (since {})",
                u.what,
                u.since.as_deref().unwrap_or("?")
            );
        }
    }
    for u in &a.unknown {
        if !b.unknown.contains(u) {
            let _ = writeln!(out, "{indent}known again {}", u.what);
        }
    }
}

/// One statement and its variants, on `model` (left after the statement).
fn statement(out: &mut String, model: &mut Model, sql: &str, origin: Origin) {
    let file = origin.file.to_string();
    let _ = writeln!(out, "  {}: {}", origin.line, short(sql));
    let before_model = model.clone();
    let before = SchemaView::of(model);
    let found = model.replay(sql, origin.clone(), &[], false);
    problems(out, &found, &file);
    changes(out, &before, &SchemaView::of(model), "    ");
    // Run again: what it made now exists, what it dropped is gone.
    let mut again = model.clone();
    let found = again.replay(sql, origin.clone(), &[], false);
    if !found.is_empty() {
        let _ = writeln!(out, "    again:");
        problems(out, &found, &file);
    }
    // Each name misspelt.
    let mut tried = std::collections::BTreeSet::new();
    for t in tokenize(sql).unwrap_or_default() {
        if !matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent) {
            continue;
        }
        let word = &sql[t.start..t.end];
        if keyword(word) || !tried.insert(word.to_string()) {
            continue;
        }
        let Some(typo) = misspell(word) else {
            continue;
        };
        let text = format!("{}{typo}{}", &sql[..t.start], &sql[t.end..]);
        let mut m = before_model.clone();
        let found = m.replay(&text, origin.clone(), &[], false);
        let _ = writeln!(out, "    typo {word} -> {typo}:");
        problems(out, &found, &file);
    }
    // Unchecked: by its leading words.
    let mut m = before_model.clone();
    m.replay(sql, origin.clone(), &[], true);
    let _ = writeln!(out, "    unchecked:");
    changes(out, &before, &SchemaView::of(&m), "      ");
    // In a DO block.
    let mut m = before_model;
    let block = format!(
        "DO $sqlstrata$ BEGIN {}; END $sqlstrata$",
        sql.trim_end_matches(';')
    );
    let found = m.replay(&block, origin, &[], false);
    let _ = writeln!(out, "    in DO:");
    problems(out, &found, &file);
    changes(out, &before, &SchemaView::of(&m), "      ");
}

/// A whole history: each migration's UP, statement by statement, its DOWN
/// against the state after it, and the schema at the end.
fn history(migrations: &[(String, String, SourceMigration)]) -> String {
    let mut out = String::new();
    let mut model = Model::new();
    for (file, _, m) in migrations {
        let _ = writeln!(out, "== {file}");
        model.set_path(None);
        for s in m.migration.up() {
            let origin = Origin {
                file: file.as_str().into(),
                line: s.line(),
            };
            statement(&mut out, &mut model, s.sql(), origin);
        }
    }
    // The check over the set, as `check` and the macro run it.
    let set: Vec<SourceMigration> = migrations.iter().map(|(_, _, m)| m.clone()).collect();
    let _ = writeln!(out, "== check");
    for f in check_set(&set, &[], &[]) {
        let file = migrations[f.migration].0.as_str();
        match &f.problem {
            Some(p) => {
                let _ = writeln!(
                    out,
                    "  {file} #{}: {}:{} {}",
                    f.statement,
                    p.place().0,
                    p.place().1,
                    p.message(file)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "  {file} #{}: {}",
                    f.statement,
                    f.differences.join("; ")
                );
            }
        }
    }
    // Each DOWN statement left out in turn.
    let _ = writeln!(out, "== downs, each statement left out");
    for (i, (file, text, m)) in migrations.iter().enumerate() {
        let Some(down) = m.migration.down() else {
            continue;
        };
        let Some(at) = text.find("-- DOWN") else {
            continue;
        };
        for s in down {
            let Some(offset) = text[at..].find(s.sql()) else {
                continue;
            };
            let start = at + offset;
            let cut = format!("{}{}", &text[..start], &text[start + s.sql().len()..]);
            let Ok(name) = parse_file_name(file) else {
                continue;
            };
            let Some(changed) = read_migration(file, &name, file, &cut).0 else {
                continue;
            };
            let mut set = set.clone();
            set[i] = changed;
            let said: Vec<String> = check_set(&set, &[], &[])
                .into_iter()
                .filter(|f| f.migration == i && f.problem.is_none())
                .flat_map(|f| f.differences)
                .collect();
            let _ = writeln!(
                out,
                "  {file} without `{}`: {}",
                short(s.sql()),
                said.join("; ")
            );
        }
    }
    let _ = writeln!(out, "== schema");
    out.push_str(&sql::script(&SchemaView::of(&model)));
    // And the view as a whole (the JSON's fields), halfway and at the end.
    if let Some((file, _, m)) = migrations.get(migrations.len() / 2) {
        let at = model_at(&set, &[], Some(m.version()));
        let _ = writeln!(out, "== view after {file}");
        let _ = writeln!(out, "{:#?}", SchemaView::of(&at));
    }
    let _ = writeln!(out, "== view at the end");
    let _ = writeln!(out, "{:#?}", SchemaView::of(&model));
    out
}

/// Compares `got` with `snapshots/<name>.txt` (writes it under
/// `SQLSTRATA_BLESS=1`).
fn compare(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/schema/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("SQLSTRATA_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("the folder");
        std::fs::write(&path, got).expect("the snapshot written");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    if want == got {
        return;
    }
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let first = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let from = first.saturating_sub(3);
    panic!(
        "{name}: the model's answers changed at line {} of {}\n--- held\n{}\n--- now\n{}\n(after a deliberate change: SQLSTRATA_BLESS=1)",
        first + 1,
        path.display(),
        w.get(from..(first + 4).min(w.len()))
            .unwrap_or_default()
            .join("\n"),
        g.get(from..(first + 4).min(g.len()))
            .unwrap_or_default()
            .join("\n"),
    );
}

#[test]
fn the_fixture_history() {
    let migrations = folder(&root().join("tests/fixtures/history"));
    assert_eq!(migrations.len(), 30);
    compare("fixture-history", &history(&migrations));
}

/// A history of our own that uses every kind of object the model follows
/// (also replayed on a real server by the fidelity test).
#[test]
fn every_kind_of_object() {
    let migrations = folder(&root().join("tests/fixtures/kinds"));
    assert!(migrations.len() >= 14);
    compare("kinds", &history(&migrations));
}

#[test]
fn the_demo() {
    let migrations = folder(&root().join("migrations"));
    assert!(migrations.len() >= 7);
    compare("demo", &history(&migrations));
}

/// `pg-statements.sql`, each entry on its own after a base that makes
/// what they name most.
#[test]
fn every_kind_of_statement() {
    let base = [
        "CREATE SCHEMA s",
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int, c text, d int, x int, owner text, \
         deleted_at timestamptz, CONSTRAINT fk FOREIGN KEY (x) REFERENCES t (id), \
         CONSTRAINT a CHECK (a > 0))",
        "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE TABLE s.u (id int, t_id int REFERENCES t)",
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "CREATE TYPE mood AS ENUM ('sad', 'ok')",
        "CREATE INDEX idx ON t (a)",
        "CREATE VIEW v AS SELECT id, a FROM t",
        "CREATE SEQUENCE seq",
    ];
    let mut model = Model::new();
    for (i, s) in base.iter().enumerate() {
        let at = Origin {
            file: "0001_base.sql".into(),
            line: i as u32 + 1,
        };
        assert!(model.replay(s, at, &[], false).is_empty(), "{s}");
    }
    let mut out = String::new();
    let text = include_str!("../../tests/data/pg-statements.sql");
    for (i, entry) in text.split("\n--#\n").enumerate() {
        let file = format!("{:04}_entry.sql", i + 2);
        let Some(name) = parse_file_name(&file).ok() else {
            continue;
        };
        let body: Vec<&str> = entry.lines().filter(|l| !l.starts_with("-- ")).collect();
        if body.iter().all(|l| l.trim().is_empty()) {
            continue;
        }
        let source = format!("-- UP\n{}\n", body.join("\n"));
        let Some(m) = read_migration(&file, &name, &file, &source).0 else {
            let _ = writeln!(out, "== {file}: not read");
            continue;
        };
        // On the base, then from nothing.
        for (from, base) in [("the base", &model), ("nothing", &Model::new())] {
            let _ = writeln!(out, "== {file} on {from}");
            let mut at = base.clone();
            for s in m.migration.up() {
                let origin = Origin {
                    file: file.as_str().into(),
                    line: s.line(),
                };
                statement(&mut out, &mut at, s.sql(), origin);
            }
        }
    }
    compare("pg-statements", &out);
}
