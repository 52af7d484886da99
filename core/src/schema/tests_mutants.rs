//! Tests written against cargo-mutants' survivors (`scripts/mutants schema`,
//! TESTING.md's "Mutation testing of the model") and for the built-in
//! objects of several PostgreSQL versions. Each one states the state
//! before, a statement, and the state after or what it must say.

use super::builtin;
use super::model::Space;
use super::name::Qualified;
use super::objects::{Origin, State};
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
        .filter(|l| l.starts_with("t\t-\tpg_catalog\t") && !l.ends_with("\t*"))
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

// ---- helpers for the samples' survivors -------------------------------------

/// `sql` as an expression.
fn expr(sql: &str) -> sqlparser::ast::Expr {
    sqlparser::parser::Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .expect("an expression")
}

/// The model after `before`, then `statement` replayed as `-- sqlstrata:
/// unchecked` marks it (read by its leading words only).
fn after_unchecked(before: &[&str], statement: &str) -> Model {
    let mut m = model_of(before);
    assert!(m.replay(statement, origin(50), &[], true).is_empty());
    m
}

/// The differences of each DOWN of `files` (`(file name, text)`).
fn downs(files: &[(&str, &str)]) -> Vec<(usize, Vec<String>)> {
    use crate::migration::read_migration;
    use crate::naming::parse_file_name;
    let set: Vec<_> = files
        .iter()
        .map(|(file, sql)| {
            let name = parse_file_name(file).unwrap();
            read_migration(file, &name, file, sql).0.unwrap()
        })
        .collect();
    check_set(&set, &[], &[])
        .into_iter()
        .filter(|f| f.problem.is_none())
        .map(|f| (f.migration, f.differences))
        .collect()
}

/// The relation `name` as the model holds it (wherever it resolves).
fn relation<'m>(m: &'m Model, name: &str) -> &'m super::objects::Relation {
    let Found::Present(s) = find(m, Space::Relation, name) else {
        panic!("{name} is not present");
    };
    m.relation(&s, &q(name).name).expect("held")
}

const USERS: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE)";

// ---- round-robin sample 2/25 ------------------------------------------------

#[test]
fn columns_of_a_like_pattern() {
    assert_eq!(
        exprs::columns(&expr("name LIKE prefix || '%'")),
        Some(vec!["name".to_string(), "prefix".to_string()])
    );
    assert_eq!(
        exprs::columns(&expr("a ILIKE 'x' OR b SIMILAR TO c")),
        Some(vec!["a".to_string(), "b".to_string(), "c".to_string()])
    );
}

#[test]
fn calls_inside_a_string_are_not_calls() {
    assert_eq!(exprs::calls("SELECT 'xf(1)', g(2)"), ["g"]);
    assert_eq!(exprs::calls("SELECT 'it''s f(1)'"), Vec::<String>::new());
}

#[test]
fn a_relation_under_an_unnamed_prefix_is_unknown_other_spaces_are_not() {
    let mut m = Model::new();
    m.unnamed("public", "users");
    let ns = &m.schemas["public"];
    assert_eq!(ns.state(Space::Relation, "users_email_idx"), State::Unknown);
    assert_eq!(ns.state(Space::Relation, "orders_idx"), State::Absent);
    assert_eq!(ns.state(Space::Type, "users_kind"), State::Absent);
    assert_eq!(ns.state(Space::Function, "users_count"), State::Absent);
}

#[test]
fn restore_takes_an_extension_back() {
    let mut m = Model::new();
    m.begin();
    assert!(
        m.replay("CREATE EXTENSION citext", origin(1), &[], false)
            .is_empty()
    );
    assert_eq!(m.extension_state("citext"), State::Present);
    let saved = m.end();
    m.restore(saved);
    assert_eq!(m.extension_state("citext"), State::Absent);
    assert_eq!(m, Model::new());
}

#[test]
fn a_cte_or_renamed_columns_hide_the_table_of_the_same_name() {
    let before = [USERS];
    // The CTE `users` yields `x`; the table has no `x`.
    assert_eq!(
        says(
            &before,
            "CREATE VIEW v AS WITH users AS (SELECT 1 AS x) SELECT x FROM users"
        ),
        Vec::<String>::new()
    );
    // `u(a, b)` names the table's columns afresh.
    assert_eq!(
        says(
            &before,
            "CREATE VIEW v AS SELECT a, b FROM users AS u(a, b)"
        ),
        Vec::<String>::new()
    );
    // Without either, the table's columns are checked.
    assert_eq!(
        says(&before, "CREATE VIEW v AS SELECT x FROM users").len(),
        1
    );
}

#[test]
fn a_union_in_a_query_has_its_columns_checked_on_both_sides() {
    let before = [USERS, "CREATE TABLE admins (id bigint, name text)"];
    let said = says(
        &before,
        "CREATE VIEW v AS SELECT id FROM users UNION SELECT idd FROM admins",
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("idd"), "{said:?}");
}

#[test]
fn an_unread_alter_table_that_renames_forgets_everything() {
    let before = [USERS, "CREATE TABLE orders (id int)"];
    // A renamed constraint renames its index, to any name.
    let m = after_unchecked(
        &before,
        "ALTER TABLE users RENAME CONSTRAINT users_email_key TO email_unique",
    );
    assert_eq!(find(&m, Space::Relation, "email_unique"), Found::Unknown);
    assert_eq!(find(&m, Space::Relation, "orders"), Found::Unknown);
    // One that does not rename forgets only the table's parts.
    let m = after_unchecked(
        &before,
        "ALTER TABLE users ALTER COLUMN email SET STORAGE plain",
    );
    assert_eq!(
        find(&m, Space::Relation, "orders"),
        Found::Present(String::new())
    );
}

#[test]
fn comment_on_a_schema_qualified_column_checks_the_column() {
    let before = [
        "CREATE SCHEMA app",
        "CREATE TABLE app.users (id bigint, email text)",
    ];
    let said = says(
        &before,
        "COMMENT ON COLUMN app.users.emial IS 'the address'",
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("column `users.emial` does not exist"),
        "{said:?}"
    );
    assert_eq!(
        says(
            &before,
            "COMMENT ON COLUMN app.users.email IS 'the address'"
        ),
        Vec::<String>::new()
    );
}

#[test]
fn add_column_if_not_exists_keeps_the_column_it_finds() {
    let before = [
        USERS,
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS email integer",
    ];
    let m = model_of(&before);
    assert_eq!(relation(&m, "users").columns.types["email"], "text");
    // Made at line 1 still.
    let said = says(&before, "ALTER TABLE users ADD COLUMN email text");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("001_x.sql:1"), "{said:?}");
}

#[test]
fn drop_constraint_naming_a_plain_unique_index_keeps_the_index() {
    // A unique index is no constraint: PostgreSQL refuses, the index stays.
    let before = [USERS, "CREATE UNIQUE INDEX users_mail ON users (email)"];
    let mut m = model_of(&before);
    let said = m.replay(
        "ALTER TABLE users DROP CONSTRAINT users_mail",
        origin(3),
        &[],
        false,
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(
        find(&m, Space::Relation, "users_mail"),
        Found::Present(String::new())
    );
}

#[test]
fn drop_constraint_leaves_another_tables_index_of_that_name() {
    let before = [
        USERS,
        "ALTER TABLE users ADD CONSTRAINT email_chk CHECK (email <> '')",
        "CREATE TABLE orders (id int)",
        "CREATE INDEX email_chk ON orders (id)",
    ];
    let m = after_checked(&before, "ALTER TABLE users DROP CONSTRAINT email_chk");
    assert_eq!(
        find(&m, Space::Relation, "email_chk"),
        Found::Present(String::new())
    );
}

#[test]
fn drop_function_leaves_it_unknown_and_checks_the_name() {
    let before = [
        USERS,
        "CREATE FUNCTION touch() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    ];
    let mut m = model_of(&before);
    assert_eq!(
        find(&m, Space::Function, "touch"),
        Found::Present(String::new())
    );
    assert!(
        m.replay("DROP FUNCTION touch()", origin(3), &[], false)
            .is_empty()
    );
    // Its one overload known: it is gone.
    assert!(
        matches!(find(&m, Space::Function, "touch"), Found::Absent(_)),
        "{:?}",
        find(&m, Space::Function, "touch")
    );
    let said = says(&before, "DROP FUNCTION tuoch()");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("did you mean `touch`"), "{said:?}");
}

#[test]
fn an_unread_create_index_forgets_only_its_name() {
    let m = after_unchecked(&[USERS], "CREATE INDEX users_email_idx ON users (email)");
    assert_eq!(find(&m, Space::Relation, "users_email_idx"), Found::Unknown);
    assert_eq!(
        find(&m, Space::Relation, "users"),
        Found::Present(String::new())
    );
    // An unnamed one on `ONLY users`: names starting with `users`.
    let m = after_unchecked(&[USERS], "CREATE INDEX ON ONLY users (email)");
    assert_eq!(
        find(&m, Space::Relation, "users_email_idx1"),
        Found::Unknown
    );
    assert!(matches!(
        find(&m, Space::Relation, "only_x"),
        Found::Absent(_)
    ));
}

#[test]
fn an_unread_move_to_another_schema_forgets_the_name_there() {
    let before = ["SET search_path TO public", USERS, "CREATE SCHEMA app"];
    assert!(matches!(
        find(&model_of(&before), Space::Relation, "app.users"),
        Found::Absent(_)
    ));
    let m = after_unchecked(&before, "ALTER TABLE IF EXISTS users SET SCHEMA app");
    assert_eq!(find(&m, Space::Relation, "app.users"), Found::Unknown);
}

#[test]
fn distance_counts_leading_deletions() {
    assert_eq!(similar::distance("ab", "b", 1), Some(1));
    assert_eq!(similar::distance("xyusers", "users", 2), Some(2));
    assert_eq!(similar::distance("abc", "c", 1), None);
}

#[test]
fn a_down_that_leaves_a_function() {
    assert_eq!(
        downs(&[(
            "001_f.sql",
            "-- UP\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n-- DOWN\nSELECT 1;\n"
        )]),
        [(0, vec!["leaves function `f`".to_string()])]
    );
}

// ---- round-robin sample 5/25 ------------------------------------------------

#[test]
fn text_of_two_statements_with_concurrently_is_read_by_its_words() {
    // Not one statement: the model takes its leading words (the index's
    // name becomes unknown), not its first statement alone.
    let m = after_checked(
        &[USERS],
        "CREATE INDEX CONCURRENTLY users_mail ON users (email); DROP TABLE users",
    );
    assert_eq!(find(&m, Space::Relation, "users_mail"), Found::Unknown);
    // One statement: read whole.
    let m = after_checked(
        &[USERS],
        "CREATE INDEX CONCURRENTLY users_mail ON users (email)",
    );
    assert_eq!(
        find(&m, Space::Relation, "users_mail"),
        Found::Present(String::new())
    );
}

/// The model after `before`, then `statement` (saying nothing).
fn after_checked(before: &[&str], statement: &str) -> Model {
    let mut m = model_of(before);
    let said = m.replay(statement, origin(50), &[], false);
    assert!(said.is_empty(), "{said:?}");
    m
}

#[test]
fn columns_of_a_function_call() {
    assert_eq!(
        exprs::columns(&expr("lower(email) = lower(other)")),
        Some(vec!["email".to_string(), "other".to_string()])
    );
    assert_eq!(
        exprs::columns(&expr("coalesce(a, b, 0) > 1")),
        Some(vec!["a".to_string(), "b".to_string()])
    );
}

#[test]
fn unnamed_prefixes_are_kept_once() {
    let mut m = Model::new();
    m.unnamed("public", "users");
    m.unnamed("public", "users_email");
    m.unnamed("public", "orders");
    assert_eq!(m.schemas["public"].unnamed, ["users", "orders"]);
}

#[test]
fn an_external_name_does_not_excuse_another() {
    let mut m = model_of(&[USERS]);
    let external = ["audit_log".to_string()];
    let said = m.replay(
        "ALTER TABLE uesrs ADD COLUMN a int",
        origin(2),
        &external,
        false,
    );
    assert_eq!(said.len(), 1, "{said:?}");
    // The external one itself: no error.
    assert!(
        m.replay(
            "ALTER TABLE audit_lg ADD COLUMN a int",
            origin(3),
            &["audit_lg".to_string()],
            false
        )
        .is_empty()
    );
}

#[test]
fn only_sequence_functions_name_sequences_in_literals() {
    let before = [USERS, "CREATE SEQUENCE order_seq"];
    assert_eq!(
        says(&before, "SELECT upper('order_sq')"),
        Vec::<String>::new()
    );
    let said = says(&before, "SELECT nextval('order_sq')");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("order_seq"), "{said:?}");
}

#[test]
fn alter_index_rename_is_followed() {
    let m = after_checked(
        &[USERS],
        "ALTER INDEX users_email_key RENAME TO users_mail_key",
    );
    assert_eq!(
        find(&m, Space::Relation, "users_mail_key"),
        Found::Present(String::new())
    );
    assert!(matches!(
        find(&m, Space::Relation, "users_email_key"),
        Found::Absent(_)
    ));
}

#[test]
fn drop_extension_known_dropped_is_an_error_unless_if_exists() {
    let mut m = Model::new();
    m.set_extension("citext", super::objects::Entry::absent(Some(origin(7))));
    let said = m.replay("DROP EXTENSION citext", origin(8), &[], false);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0]
            .message("f.sql")
            .starts_with("extension `citext` does not exist"),
        "{said:?}"
    );
    let mut m = Model::new();
    m.set_extension("citext", super::objects::Entry::absent(Some(origin(7))));
    assert!(
        m.replay("DROP EXTENSION IF EXISTS citext", origin(8), &[], false)
            .is_empty()
    );
}

#[test]
fn create_extension_if_not_exists_keeps_the_first() {
    let before = [
        "CREATE EXTENSION citext",
        "CREATE EXTENSION IF NOT EXISTS citext",
    ];
    let said = says(&before, "CREATE EXTENSION citext");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("001_x.sql:1"), "{said:?}");
}

#[test]
fn add_column_to_a_table_whose_columns_are_unknown() {
    let m = after_unchecked(
        &[USERS],
        "ALTER TABLE users ALTER COLUMN email SET STORAGE plain",
    );
    assert_eq!(
        relation(&m, "users").columns.state("avatar"),
        State::Unknown
    );
    let mut m = m;
    assert!(
        m.replay(
            "ALTER TABLE users ADD COLUMN avatar text",
            origin(60),
            &[],
            false
        )
        .is_empty()
    );
    assert_eq!(
        relation(&m, "users").columns.state("avatar"),
        State::Present
    );
}

#[test]
fn an_unread_create_forgets_the_name_it_makes() {
    let m = after_unchecked(&[USERS], "CREATE TABLE orders (id int)");
    assert_eq!(find(&m, Space::Relation, "orders"), Found::Unknown);
    let m = after_unchecked(&[USERS], "CREATE UNIQUE INDEX users_mail ON users (email)");
    assert_eq!(find(&m, Space::Relation, "users_mail"), Found::Unknown);
    assert_eq!(
        find(&m, Space::Relation, "users"),
        Found::Present(String::new())
    );
}

#[test]
fn diagnostics_read_each_migrations_own_file() {
    use crate::migration::read_migration;
    use crate::naming::parse_file_name;
    let dir = std::env::temp_dir().join(format!("sqlstrata-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        (
            "001_users.sql",
            "-- UP\nCREATE TABLE users (id int);\nALTER TABLE uesrs ADD COLUMN a int;\n",
        ),
        (
            "002_more.sql",
            "-- UP\n-- one\n-- two\n-- three\nALTER TABLE   uesrs ADD COLUMN b int;\n",
        ),
    ];
    let set: Vec<_> = files
        .iter()
        .map(|(file, sql)| {
            std::fs::write(dir.join(file), sql).unwrap();
            let name = parse_file_name(file).unwrap();
            read_migration(file, &name, file, sql).0.unwrap()
        })
        .collect();
    let found = report::diagnostics(
        &set,
        &dir,
        "migrations",
        &crate::config::LintConfig::default(),
        &[],
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let at: Vec<(i64, Option<(usize, usize)>)> =
        found.iter().map(|(v, d)| (*v, d.position)).collect();
    assert_eq!(at, [(1, Some((3, 13))), (2, Some((5, 15)))]);
}

#[test]
fn a_down_is_not_blamed_for_a_schema_the_model_did_not_know_before() {
    // After a dynamic statement anything may exist: `app` may have been
    // there before the UP.
    assert_eq!(
        downs(&[
            (
                "001_dyn.sql",
                "-- UP\nDO $$ BEGIN EXECUTE 'CREATE SCHEMA x'; END $$;\n"
            ),
            (
                "002_app.sql",
                "-- UP\nCREATE SCHEMA app;\n-- DOWN\nSELECT 1;\n"
            ),
        ]),
        []
    );
    // Where it knows: blamed.
    assert_eq!(
        downs(&[(
            "002_app.sql",
            "-- UP\nCREATE SCHEMA app;\n-- DOWN\nSELECT 1;\n"
        )]),
        [(0, vec!["leaves schema `app`".to_string()])]
    );
}

#[test]
fn set_schema_moves_the_table_away() {
    // sqlparser does not read `ALTER TABLE ... SET SCHEMA`; its leading
    // words are those of `SET (options)`, which move nothing.
    let before = ["SET search_path TO public", USERS, "CREATE SCHEMA app"];
    for unchecked in [false, true] {
        let mut m = model_of(&before);
        let said = m.replay(
            "ALTER TABLE users SET SCHEMA app",
            origin(4),
            &[],
            unchecked,
        );
        assert!(said.is_empty(), "{said:?}");
        assert_eq!(
            find(&m, Space::Relation, "public.users"),
            Found::Unknown,
            "unchecked: {unchecked}"
        );
        assert_eq!(find(&m, Space::Relation, "app.users"), Found::Unknown);
        // PostgreSQL makes a new `users` in `public` then.
        let said = m.replay("CREATE TABLE users (id int)", origin(5), &[], false);
        assert!(said.is_empty(), "unchecked: {unchecked}: {said:?}");
    }
    // A move of what is not there is an error.
    let said = says(&before, "ALTER TABLE uesrs SET SCHEMA app");
    assert_eq!(said.len(), 1, "{said:?}");
    // Options move nothing.
    let m = after_checked(&before, "ALTER TABLE users SET (fillfactor = 70)");
    assert_eq!(
        find(&m, Space::Relation, "public.users"),
        Found::Present("public".into())
    );
}
