//! Tests written against cargo-mutants' survivors (`scripts/mutants schema`,
//! TESTING.md's "Mutation testing of the model") and for the built-in
//! objects of several PostgreSQL versions. Each one states the state
//! before, a statement, and the state after or what it must say.

use super::builtin;
use super::model::Space;
use super::name::Qualified;
use super::objects::Origin;
use super::resolve::{Found, resolve};
use super::*;

fn origin(line: u32) -> Origin {
    Origin {
        file: "001_x.sql".into(),
        line,
    }
}

/// The model after `before`, each statement required to say nothing.
fn model_of(before: &[&str]) -> Model {
    let mut m = Model::new();
    for (i, s) in before.iter().enumerate() {
        let p = m.replay(s, origin(i as u32 + 1), &[], false);
        assert!(p.is_empty(), "setting up `{s}`: {p:?}");
    }
    m
}

/// What `statement` says after `before`, as messages.
fn says(before: &[&str], statement: &str) -> Vec<String> {
    let mut m = model_of(before);
    m.replay(statement, origin(100), &[], false)
        .iter()
        .map(|p| p.message("f.sql"))
        .collect()
}

fn q(name: &str) -> Qualified {
    Qualified {
        schema: name.split_once('.').map(|(s, _)| s.to_string()),
        name: name.rsplit('.').next().unwrap_or(name).to_string(),
        place: (1, 1),
    }
}

fn find(m: &Model, space: Space, name: &str) -> Found {
    resolve(m, space, &q(name))
}

// ---- the built-in objects of PostgreSQL 13 to 18 ---------------------------

#[test]
fn builtins_table_covers_postgresql_13_to_18() {
    let header = include_str!("builtins.tsv")
        .lines()
        .find_map(|l| l.strip_prefix("# versions: "))
        .expect("a versions line");
    let majors: Vec<&str> = header
        .split(' ')
        .map(|v| v.split('.').next().unwrap_or(v))
        .collect();
    assert_eq!(majors, ["13", "14", "15", "16", "17", "18"]);
    // Every line says which majors have the name.
    for line in include_str!("builtins.tsv").lines() {
        if !line.starts_with('#') {
            assert_eq!(line.split('\t').count(), 5, "{line}");
        }
    }
}

#[test]
fn a_builtin_of_some_versions_is_never_absent_nor_known_harmless() {
    // `uuidv7` is PostgreSQL 18's, `any_value` 16's onwards, `now` everyone's.
    for name in ["uuidv7", "any_value", "date_bin", "now"] {
        assert!(builtin::is_builtin(Space::Function, None, name), "{name}");
    }
    assert!(builtin::is_harmless_call("now"));
    // On PostgreSQL 13 a `uuidv7()` is the application's function, which
    // may do anything.
    assert!(!builtin::is_harmless_call("uuidv7"));
    assert!(!builtin::is_harmless_call("any_value"));
    // A call to it makes what the model knew unknown; to `now()`, nothing.
    let before = ["CREATE TABLE users (id int)"];
    let mut m = model_of(&before);
    assert!(m.replay("SELECT now()", origin(2), &[], false).is_empty());
    assert_eq!(
        find(&m, Space::Relation, "users"),
        Found::Present(String::new())
    );
    assert!(
        m.replay("SELECT uuidv7()", origin(3), &[], false)
            .is_empty()
    );
    assert_eq!(find(&m, Space::Relation, "users"), Found::Unknown);
}

#[test]
fn an_extensions_object_of_some_versions_is_unknown_after_create_extension() {
    let before = [
        "CREATE SCHEMA ext",
        "CREATE EXTENSION btree_gist SCHEMA ext",
        "CREATE EXTENSION ltree SCHEMA ext",
    ];
    let m = model_of(&before);
    // In every version: present.
    assert_eq!(
        find(&m, Space::Function, "ext.gbt_int4_compress"),
        Found::Present("ext".into())
    );
    assert_eq!(
        find(&m, Space::Function, "ext.ltree_in"),
        Found::Present("ext".into())
    );
    assert_eq!(
        builtin::extension_objects_of_some_versions("btree_gist", Space::Type),
        ["gbtreekey2"]
    );
    // PostgreSQL 15's onwards (btree_gist 1.7), 17's onwards (ltree 1.3),
    // 14's onwards (a view of pg_stat_statements 1.9): unknown.
    assert_eq!(
        find(&m, Space::Function, "ext.gbt_bool_compress"),
        Found::Unknown
    );
    assert_eq!(find(&m, Space::Type, "ext.gbtreekey2"), Found::Unknown);
    assert_eq!(find(&m, Space::Function, "ext.hash_ltree"), Found::Unknown);
    let m = model_of(&["CREATE EXTENSION pg_stat_statements SCHEMA public"]);
    assert_eq!(
        find(&m, Space::Relation, "public.pg_stat_statements"),
        Found::Present("public".into())
    );
    assert_eq!(
        find(&m, Space::Relation, "public.pg_stat_statements_info"),
        Found::Unknown
    );
    // So making one is no error (it is one on PostgreSQL 15, not on 13),
    // and making one of every version is.
    assert_eq!(
        says(&before, "CREATE TYPE ext.gbtreekey2 AS (a int)"),
        Vec::<String>::new()
    );
    let exists = says(&before, "CREATE TYPE ext.gbtreekey4 AS (a int)");
    assert_eq!(exists.len(), 1, "{exists:?}");
    assert!(
        exists[0].starts_with("type `ext.gbtreekey4` already exists"),
        "{exists:?}"
    );
    let stats = ["CREATE EXTENSION pg_stat_statements SCHEMA public"];
    assert_eq!(
        says(
            &stats,
            "CREATE VIEW public.pg_stat_statements_info AS SELECT 1"
        ),
        Vec::<String>::new()
    );
    let exists = says(&stats, "CREATE VIEW public.pg_stat_statements AS SELECT 1");
    assert_eq!(exists.len(), 1, "{exists:?}");
}

#[test]
fn a_type_of_some_versions_is_no_misspelling_target() {
    // `closest_type` only offers names of every version.
    let some: Vec<&str> = include_str!("builtins.tsv")
        .lines()
        .filter(|l| l.starts_with("t\t-\t") && !l.ends_with("\t*"))
        .filter_map(|l| l.split('\t').nth(3))
        .collect();
    assert!(some.contains(&"int4multirange"), "{some:?}");
    for name in &some {
        assert!(builtin::is_builtin(Space::Type, None, name), "{name}");
        // Its name with a letter missing is no misspelling of it.
        let typo = &name[..name.len() - 1];
        assert_ne!(builtin::closest_type(typo), Some(*name), "{name}");
    }
    assert_eq!(builtin::closest_type("int4rang"), Some("int4range"));
}
