//! Tests written against cargo-mutants' survivors (`scripts/mutants schema`,
//! TESTING.md's "Mutation testing of the model") and for the built-in
//! objects of several PostgreSQL versions. Each one states the state
//! before, a statement, and the state after or what it must say.

use super::builtin;
use super::model::Space;
use super::name::Qualified;
use super::objects::State;
use super::resolve::{Found, resolve};
use super::*;

// The model after `before` (each statement required to say nothing), and
// a statement's place: the table-driven tests' own.
use super::tests::{model_of, origin};

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
    check_set(&set_of(files), &[], &[])
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
    // Named with its schema: the name in the new schema is unknown too.
    let m = after_checked(&before, "ALTER TABLE public.users SET SCHEMA app");
    assert_eq!(find(&m, Space::Relation, "app.users"), Found::Unknown);
    assert_eq!(find(&m, Space::Relation, "public.users"), Found::Unknown);
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

#[test]
fn an_unread_alter_view_names_a_view() {
    let before = [
        USERS,
        "CREATE VIEW active AS SELECT id FROM users",
        "CREATE SEQUENCE users_id_seq",
    ];
    for (statement, start) in [
        (
            "ALTER VIEW actve RENAME TO recent",
            "view `actve` does not exist",
        ),
        (
            "ALTER VIEW IF EXISTS actve RENAME TO recent",
            "`IF EXISTS` does nothing here: view `actve`",
        ),
        (
            "ALTER SEQUENCE uesrs_id_seq RENAME TO s",
            "sequence `uesrs_id_seq`",
        ),
    ] {
        let said = says(&before, statement);
        assert_eq!(said.len(), 1, "{statement}: {said:?}");
        assert!(said[0].starts_with(start), "{statement}: {said:?}");
    }
}

#[test]
fn an_unread_create_function_makes_it_with_what_it_may_do() {
    let before = [USERS];
    let mut m = after_unchecked(
        &before,
        "CREATE FUNCTION touch() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    );
    assert_eq!(
        find(&m, Space::Function, "touch"),
        Found::Present(String::new())
    );
    // Calling it changes nothing.
    assert!(
        m.replay("SELECT touch()", origin(51), &[], false)
            .is_empty()
    );
    assert_eq!(
        find(&m, Space::Relation, "users"),
        Found::Present(String::new())
    );
    // One whose body makes tables: calling it may make anything.
    assert!(
        m.replay(
            "CREATE FUNCTION mk() RETURNS void LANGUAGE sql AS 'CREATE TABLE x (id int)'",
            origin(52),
            &[],
            true
        )
        .is_empty()
    );
    assert!(m.replay("SELECT mk()", origin(53), &[], false).is_empty());
    assert_eq!(find(&m, Space::Relation, "users"), Found::Unknown);
}

// ---- round-robin sample 13/25 -----------------------------------------------

#[test]
fn subqueries_on_either_side_of_an_operator() {
    let e = expr("a = (SELECT 1) OR b IS DISTINCT FROM (SELECT 2)");
    assert_eq!(exprs::subqueries(&e).len(), 2);
    let e = expr("a = ANY (SELECT x FROM t) AND (SELECT 3) > 1");
    assert_eq!(exprs::subqueries(&e).len(), 1 + 1);
}

#[test]
fn implicit_names_shorten_the_column_part_first_on_a_tie() {
    // makeObjectName: `if (name1chars > name2chars) name1chars--; else
    // name2chars--;`: 40 + 40 bytes into 57 leaves 29 and 28.
    let (t, c) = ("a".repeat(40), "b".repeat(40));
    assert_eq!(
        name::implicit(&t, &[&c], "fkey"),
        format!("{}_{}_fkey", "a".repeat(29), "b".repeat(28))
    );
}

#[test]
fn drop_of_a_table_the_path_makes_unknown_forgets_what_it_owns() {
    let mut m = model_of(&["SET search_path TO public", USERS]);
    m.set_path(None);
    // `users` may be another schema's now (the connection's path).
    assert_eq!(find(&m, Space::Relation, "users"), Found::Unknown);
    assert!(
        m.replay("DROP TABLE users", origin(3), &[], false)
            .is_empty()
    );
    // Its index may have gone with it: making one of that name is fine.
    assert_eq!(
        find(&m, Space::Relation, "public.users_email_key"),
        Found::Unknown
    );
    let said = m.replay(
        "CREATE TABLE public.users_email_key (id int)",
        origin(4),
        &[],
        false,
    );
    assert!(said.is_empty(), "{said:?}");
}

#[test]
fn a_views_aliased_columns_are_known() {
    let before = [
        USERS,
        "CREATE VIEW v AS SELECT id, email AS mail FROM users",
    ];
    assert_eq!(
        says(&before, "COMMENT ON COLUMN v.mail IS 'x'"),
        Vec::<String>::new()
    );
    let said = says(&before, "COMMENT ON COLUMN v.mial IS 'x'");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("did you mean `mail`"), "{said:?}");
}

#[test]
fn a_sequence_literal_is_reported_inside_its_quotes() {
    let mut m = model_of(&[USERS, "CREATE SEQUENCE order_seq"]);
    let said = m.replay("SELECT nextval('order_sq')", origin(3), &[], false);
    assert_eq!(said.len(), 1, "{said:?}");
    // `'` is column 16: the name starts at 17.
    assert_eq!(said[0].place(), (1, 17));
}

#[test]
fn drop_procedure_is_followed() {
    let before = [
        USERS,
        "CREATE PROCEDURE touch() LANGUAGE sql AS $$ SELECT 1 $$",
    ];
    let m = after_checked(&before, "DROP PROCEDURE touch()");
    assert_eq!(find(&m, Space::Function, "touch"), Found::Unknown);
    assert_eq!(
        find(&m, Space::Relation, "users"),
        Found::Present(String::new())
    );
    let said = says(&before, "DROP PROCEDURE tuoch()");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("procedure `tuoch` does not exist"),
        "{said:?}"
    );
}

#[test]
fn add_column_with_references_checks_and_names_the_key() {
    let before = [USERS, "CREATE TABLE orders (id int)"];
    let said = says(
        &before,
        "ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES uesrs (id)",
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("table `uesrs` does not exist"),
        "{said:?}"
    );
    let m = after_checked(
        &before,
        "ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id)",
    );
    assert_eq!(
        relation(&m, "orders")
            .constraints
            .state("orders_user_id_fkey"),
        State::Present
    );
}

#[test]
fn drop_cascade_makes_views_unknown() {
    let before = [
        USERS,
        "CREATE VIEW v AS SELECT id FROM users",
        "CREATE MATERIALIZED VIEW mv AS SELECT id FROM users",
        "CREATE INDEX mv_id ON mv (id)",
        "CREATE TABLE orders (id int PRIMARY KEY)",
    ];
    let m = after_checked(&before, "DROP TABLE users CASCADE");
    // A table's own index stays.
    assert_eq!(
        find(&m, Space::Relation, "orders_pkey"),
        Found::Present(String::new())
    );
    assert_eq!(find(&m, Space::Relation, "v"), Found::Unknown);
    assert_eq!(find(&m, Space::Relation, "mv"), Found::Unknown);
    assert_eq!(find(&m, Space::Relation, "mv_id"), Found::Unknown);
    let mut m = m;
    let said = m.replay("CREATE VIEW v AS SELECT 1 AS one", origin(60), &[], false);
    assert!(said.is_empty(), "{said:?}");
}

#[test]
fn an_unread_create_of_a_quoted_name() {
    let m = after_unchecked(&[USERS], "CREATE TABLE \"Orders\" (id int)");
    assert_eq!(find(&m, Space::Relation, "Orders"), Found::Unknown);
    assert_eq!(
        find(&m, Space::Relation, "users"),
        Found::Present(String::new())
    );
}

#[test]
fn an_unread_rename_of_a_qualified_table() {
    let before = [
        "SET search_path TO public",
        USERS,
        "CREATE TABLE orders (id int)",
    ];
    let m = after_unchecked(&before, "ALTER TABLE public.users RENAME TO members");
    assert_eq!(find(&m, Space::Relation, "public.members"), Found::Unknown);
    assert_eq!(find(&m, Space::Relation, "public.users"), Found::Unknown);
    assert_eq!(
        find(&m, Space::Relation, "orders"),
        Found::Present("public".into())
    );
}

#[test]
fn did_you_mean_offers_the_nearest_name() {
    // Two edits from the first name in order, one from the second.
    let before = [
        "CREATE TABLE abcdefghaa (id int)",
        "CREATE TABLE abcdefghjj (id int)",
    ];
    let said = says(&before, "ALTER TABLE abcdefghij ADD COLUMN x int");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("did you mean `abcdefghjj`"), "{said:?}");
}

#[test]
fn a_down_is_not_blamed_for_a_function_where_the_model_lost_track() {
    // The UP's dynamic statement may have made anything: no comparison.
    assert_eq!(
        downs(&[(
            "001_f.sql",
            "-- UP\nDO $$ BEGIN EXECUTE 'CREATE TABLE x ()'; END $$;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n-- DOWN\nSELECT 1;\n"
        )]),
        []
    );
}

// ---- round-robin sample 17/25 -----------------------------------------------

#[test]
fn subqueries_in_function_arguments() {
    assert_eq!(
        exprs::subqueries(&expr("coalesce((SELECT max(id) FROM t), 0)")).len(),
        1
    );
}

#[test]
fn a_views_columns_from_plain_items() {
    // Named from the query (`derive.rs`): a column, a qualified one, an alias.
    let before = [
        "CREATE TABLE t (a int, b int, c int)",
        "CREATE VIEW v AS SELECT a, t.b, c + 1 AS d FROM t",
    ];
    let m = model_of(&before);
    let v = m.relation("", "v").expect("v");
    let cols: Vec<&str> = v.columns.present().map(|(c, _)| c).collect();
    assert_eq!(cols, ["a", "b", "d"]);
    assert!(v.columns.complete);
}

#[test]
fn a_views_qualified_columns_are_known() {
    let before = [USERS, "CREATE VIEW v AS SELECT users.email FROM users"];
    let said = says(&before, "COMMENT ON COLUMN v.emial IS 'x'");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("did you mean `email`"), "{said:?}");
}

#[test]
fn create_schema_if_not_exists_keeps_the_first() {
    let before = ["CREATE SCHEMA app", "CREATE SCHEMA IF NOT EXISTS app"];
    let said = says(&before, "CREATE SCHEMA app");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("001_x.sql:1"), "{said:?}");
}

#[test]
fn comment_on_a_dropped_schema() {
    let made = ["CREATE SCHEMA app"];
    assert_eq!(
        says(&made, "COMMENT ON SCHEMA app IS 'x'"),
        Vec::<String>::new()
    );
    let dropped = ["CREATE SCHEMA app", "DROP SCHEMA app"];
    let said = says(&dropped, "COMMENT ON SCHEMA app IS 'x'");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("schema `app` does not exist"),
        "{said:?}"
    );
}

#[test]
fn a_named_unique_beside_the_primary_key_is_not_known_absent() {
    // PostgreSQL keeps one index of the two; which name is not modelled.
    let before = ["CREATE TABLE t (id int PRIMARY KEY, CONSTRAINT t_id_uq UNIQUE (id))"];
    assert_eq!(
        says(&before, "ALTER TABLE t DROP CONSTRAINT t_id_uq"),
        Vec::<String>::new()
    );
}

#[test]
fn rename_of_a_table_the_model_does_not_know_forgets_the_new_name() {
    let mut m = model_of(&["SET search_path TO public", "CREATE TABLE legacy (id int)"]);
    m.set_path(None);
    assert_eq!(find(&m, Space::Relation, "legacy"), Found::Unknown);
    assert!(matches!(
        find(&m, Space::Relation, "archive"),
        Found::Absent(_)
    ));
    let said = m.replay(
        "ALTER TABLE legacy RENAME TO archive",
        origin(3),
        &[],
        false,
    );
    assert!(said.is_empty(), "{said:?}");
    assert_eq!(find(&m, Space::Relation, "archive"), Found::Unknown);
}

#[test]
fn an_unread_create_of_a_qualified_name() {
    let m = after_unchecked(
        &[USERS, "CREATE SCHEMA app"],
        "CREATE TABLE app.orders (id int)",
    );
    assert_eq!(find(&m, Space::Relation, "app.orders"), Found::Unknown);
}

#[test]
fn an_unread_rename_of_a_name_longer_than_postgresql_keeps() {
    // The name as PostgreSQL keeps it (63 bytes) is not a word of the text.
    let long = "a".repeat(70);
    assert_eq!(
        says(&[USERS], &format!("ALTER VIEW {long} RENAME TO w")),
        Vec::<String>::new()
    );
}

#[test]
fn a_number_ending_on_one_side_only_is_no_typo() {
    assert!(!similar::is_typo_of("event", "event2"));
    assert!(!similar::is_typo_of("event2", "event"));
    assert!(similar::is_typo_of("evnet", "event"));
}

#[test]
fn a_down_is_not_blamed_for_a_function_that_may_have_been_there() {
    // After a rename of a function the model does not know, the new name
    // may be taken (another name is not: the rename moves one function).
    assert_eq!(
        downs(&[
            (
                "001_rename.sql",
                "-- UP\nALTER FUNCTION old_fn() RENAME TO new_fn;\n"
            ),
            (
                "002_f.sql",
                "-- UP\nCREATE FUNCTION new_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';\n-- DOWN\nSELECT 1;\n"
            ),
        ]),
        []
    );
}

// ---- round-robin sample 23/25 -----------------------------------------------

#[test]
fn references_inside_a_case() {
    let e = expr("CASE kind WHEN 'a' THEN b ELSE c END");
    let refs: Vec<String> = exprs::references(&e)
        .expect("walked")
        .iter()
        .map(|(_, c)| c.value.clone())
        .collect();
    assert_eq!(refs, ["kind", "b", "c"]);
}

#[test]
fn restore_takes_a_schema_back() {
    let mut m = Model::new();
    m.begin();
    assert!(
        m.replay("CREATE SCHEMA app", origin(1), &[], false)
            .is_empty()
    );
    let saved = m.end();
    m.restore(saved);
    assert_eq!(m.schema_state("app"), State::Absent);
    assert_eq!(m, Model::new());
}

#[test]
fn implicit_names_cut_multibyte_table_names_at_a_character() {
    // 80 bytes of `é` into 53: 26 characters.
    assert_eq!(
        name::implicit(&"é".repeat(40), &["email"], "key"),
        format!("{}_email_key", "é".repeat(26))
    );
    // And column names: 62 bytes kept of 80, then 53 of those: 26.
    assert_eq!(
        name::implicit("users", &[&"é".repeat(40)], "key"),
        format!("users_{}_key", "é".repeat(26))
    );
}

#[test]
fn each_problem_says_what_to_do() {
    let mut m = model_of(&[USERS]);
    let missing = m.replay("ALTER TABLE uesrs ADD COLUMN a int", origin(2), &[], false);
    assert!(
        missing[0]
            .help()
            .starts_with("correct the name; an object made outside")
    );
    let exists = m.replay(USERS, origin(3), &[], false);
    assert!(exists[0].help().starts_with("use another name"));
    let noop = m.replay("DROP TABLE IF EXISTS uesrs", origin(4), &[], false);
    assert!(
        noop[0]
            .help()
            .starts_with("correct the name, or remove the statement")
    );
}

#[test]
fn tables_of_a_derived_table_and_of_an_updates_subqueries() {
    let before = [USERS, "CREATE TABLE admins (id bigint, name text)"];
    for statement in [
        "SELECT * FROM (SELECT id FROM admnis) AS s",
        "UPDATE users SET email = (SELECT name FROM admnis LIMIT 1)",
        "UPDATE users SET email = 'x' WHERE id IN (SELECT id FROM admnis)",
    ] {
        let said = says(&before, statement);
        assert_eq!(said.len(), 1, "{statement}: {said:?}");
        assert!(said[0].contains("`admnis` does not exist"), "{said:?}");
    }
}

#[test]
fn comment_on_a_materialized_view_names_it() {
    let before = [
        USERS,
        "CREATE MATERIALIZED VIEW user_ids AS SELECT id FROM users",
    ];
    let said = says(&before, "COMMENT ON MATERIALIZED VIEW user_isd IS 'x'");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("materialized view `user_isd` does not exist"),
        "{said:?}"
    );
}

#[test]
fn system_columns_are_every_tables() {
    let before = [USERS];
    for statement in [
        "CREATE VIEW v AS SELECT ctid, xmin, xmax, cmin, cmax, tableoid FROM users",
        "CREATE VIEW v AS SELECT u.ctid FROM users u",
    ] {
        assert_eq!(
            says(&before, statement),
            Vec::<String>::new(),
            "{statement}"
        );
    }
    assert_eq!(
        says(&before, "CREATE VIEW v AS SELECT ctdi FROM users").len(),
        1
    );
}

#[test]
fn an_unread_owner_change_or_replace_function_forgets_nothing_else() {
    let m = after_unchecked(&[USERS], "ALTER TABLE users OWNER TO app_owner");
    assert_eq!(relation(&m, "users").columns.state("avatar"), State::Absent);
    let m = after_unchecked(
        &[USERS],
        "CREATE OR REPLACE FUNCTION touch() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    );
    assert_eq!(
        find(&m, Space::Function, "touch"),
        Found::Present(String::new())
    );
    assert_eq!(relation(&m, "users").columns.state("avatar"), State::Absent);
}

// ---- round-robin sample 9/25 ------------------------------------------------

#[test]
fn no_builtin_type_is_offered_for_a_qualified_or_lost_name() {
    let before = ["CREATE SCHEMA app"];
    assert_eq!(
        says(&before, "CREATE TABLE t (a app.integr)"),
        Vec::<String>::new()
    );
    let said = says(&before, "CREATE TABLE t (a integr)");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("did you mean `integer`"), "{said:?}");
    // After a dynamic statement, a schema made since is known, but not
    // what the dynamic one may have added to the path's other schemas.
    let lost = [
        "DO $$ BEGIN EXECUTE 'CREATE TYPE integr AS (a int)'; END $$",
        "CREATE SCHEMA app",
        "SET search_path TO app",
    ];
    assert_eq!(
        says(&lost, "CREATE TABLE t (a integr)"),
        Vec::<String>::new()
    );
}

#[test]
fn a_parenthesised_query_with_its_own_ctes_yields_unknown_columns() {
    // `x` is the CTE there, not the table.
    let before = ["CREATE TABLE x (id int)"];
    assert_eq!(
        says(
            &before,
            "CREATE VIEW v AS (WITH x AS (SELECT 1 AS a) SELECT * FROM x)"
        ),
        Vec::<String>::new()
    );
    let view = [
        "CREATE TABLE x (id int)",
        "CREATE VIEW v AS (WITH x AS (SELECT 1 AS a) SELECT * FROM x)",
    ];
    assert_eq!(
        says(&view, "COMMENT ON COLUMN v.a IS 'x'"),
        Vec::<String>::new()
    );
}

#[test]
fn statements_that_change_no_name_keep_the_model() {
    for statement in [
        "LOCK TABLE users IN ACCESS EXCLUSIVE MODE",
        "NOTIFY jobs",
        "LISTEN jobs",
        "DISCARD ALL",
        "ANALYZE users",
        "CREATE ROLE reader",
    ] {
        let m = after_checked(&[USERS], statement);
        assert_eq!(
            find(&m, Space::Relation, "users"),
            Found::Present(String::new()),
            "{statement}"
        );
        assert_eq!(
            relation(&m, "users").columns.state("avatar"),
            State::Absent,
            "{statement}"
        );
    }
}

#[test]
fn add_column_if_not_exists_to_unknown_columns_claims_no_type() {
    // The column may have been there already, with another type.
    let mut m = after_unchecked(
        &[USERS],
        "ALTER TABLE users ALTER COLUMN email SET STORAGE plain",
    );
    assert!(
        m.replay(
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS avatar text",
            origin(60),
            &[],
            false
        )
        .is_empty()
    );
    let users = relation(&m, "users");
    assert_ne!(users.columns.state("avatar"), State::Absent);
    assert_eq!(users.columns.types.get("avatar"), None);
}

#[test]
fn a_down_that_creates_what_its_up_did_not_touch() {
    assert_eq!(
        downs(&[(
            "001_x.sql",
            "-- UP\nSELECT 1;\n-- DOWN\nCREATE SEQUENCE extra_seq;\nCREATE TYPE mood AS ENUM ('ok');\n"
        )]),
        [(
            0,
            vec![
                "creates sequence `extra_seq` that was not there before its UP".to_string(),
                "creates type `mood` that was not there before its UP".to_string()
            ]
        )]
    );
}

// ---- round-robin sample 21/25 -----------------------------------------------

#[test]
fn columns_of_qualified_references() {
    assert_eq!(
        exprs::columns(&expr("t.a + b > s.t.c")),
        Some(vec!["a".to_string(), "b".to_string(), "c".to_string()])
    );
}

#[test]
fn references_inside_a_like() {
    let e = expr("name LIKE u.prefix || '%'");
    let refs: Vec<String> = exprs::references(&e)
        .expect("walked")
        .iter()
        .map(|(_, c)| c.value.clone())
        .collect();
    assert_eq!(refs, ["name", "prefix"]);
}

#[test]
fn a_views_cast_of_a_qualified_column_is_named_by_the_column() {
    let before = [
        USERS,
        "CREATE VIEW v AS SELECT users.email::varchar FROM users",
    ];
    let said = says(&before, "COMMENT ON COLUMN v.emial IS 'x'");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("did you mean `email`"), "{said:?}");
}

#[test]
fn an_unread_alter_table_only_forgets_that_tables_columns() {
    let m = after_unchecked(
        &[USERS],
        "ALTER TABLE ONLY users ALTER COLUMN email SET STORAGE plain",
    );
    assert_eq!(
        relation(&m, "users").columns.state("avatar"),
        State::Unknown
    );
}

#[test]
fn a_table_made_like_another_has_columns_the_sql_does_not_list() {
    for made in [
        "CREATE TABLE t (LIKE users)",
        "CREATE TABLE t (LIKE users INCLUDING ALL)",
        "CREATE TABLE t AS SELECT * FROM users",
    ] {
        let before = [USERS, made];
        assert_eq!(
            says(&before, "COMMENT ON COLUMN t.email IS 'x'"),
            Vec::<String>::new(),
            "{made}"
        );
    }
}

#[test]
fn a_child_or_a_partition_has_its_parents_columns() {
    for (before, statement) in [
        (
            [
                "CREATE TABLE parent (id int, email text)",
                "CREATE TABLE child (extra int) INHERITS (parent)",
            ],
            "COMMENT ON COLUMN child.email IS 'x'",
        ),
        (
            [
                "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at)",
                "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
            ],
            "COMMENT ON COLUMN events_2026.at IS 'x'",
        ),
    ] {
        assert_eq!(
            says(&before, statement),
            Vec::<String>::new(),
            "{statement}"
        );
    }
}

// ---- round-robin sample 15/25 -----------------------------------------------

#[test]
fn subqueries_in_an_in_list() {
    assert_eq!(exprs::subqueries(&expr("a IN (1, (SELECT 2))")).len(), 1);
}

#[test]
fn a_new_relation_under_an_unnamed_prefix_is_unknown() {
    let mut m = Model::new();
    m.unnamed("public", "users");
    assert_eq!(
        m.relation_mut("public", "users_email_idx").entry.state,
        State::Unknown
    );
    assert_eq!(
        m.relation_mut("public", "orders").entry.state,
        State::Absent
    );
}

#[test]
fn a_views_qualified_star_takes_that_tables_columns() {
    let before = [
        USERS,
        "CREATE TABLE orders (oid int, total int)",
        "CREATE VIEW v AS SELECT o.* FROM users u JOIN orders o ON true",
    ];
    let said = says(&before, "COMMENT ON COLUMN v.totl IS 'x'");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("did you mean `total`"), "{said:?}");
}

#[test]
fn rename_of_a_type_the_model_does_not_know_forgets_the_new_name() {
    let mut m = model_of(&[
        "SET search_path TO public",
        "CREATE TYPE mood AS ENUM ('ok')",
    ]);
    m.set_path(None);
    assert_eq!(find(&m, Space::Type, "mood"), Found::Unknown);
    assert!(matches!(find(&m, Space::Type, "feeling"), Found::Absent(_)));
    let said = m.replay("ALTER TYPE mood RENAME TO feeling", origin(3), &[], false);
    assert!(said.is_empty(), "{said:?}");
    assert_eq!(find(&m, Space::Type, "feeling"), Found::Unknown);
}

#[test]
fn a_type_renamed_from_an_unknown_one_is_no_misspelling() {
    // `mood` may have been renamed `feeling`: not a typo of `fealing`.
    let mut m = model_of(&[
        "SET search_path TO public",
        "CREATE TYPE mood AS ENUM ('ok')",
        "CREATE TYPE fealing AS ENUM ('ok')",
    ]);
    m.set_path(None);
    let said = m.replay("ALTER TYPE mood RENAME TO feeling", origin(4), &[], false);
    assert!(said.is_empty(), "{said:?}");
    let said = m.replay("CREATE TABLE t (f feeling)", origin(5), &[], false);
    assert!(said.is_empty(), "{said:?}");
}

#[test]
fn renaming_a_constraints_index_or_its_constraint_renames_both() {
    for statement in [
        "ALTER INDEX users_email_key RENAME TO users_mail_key",
        "ALTER TABLE users RENAME CONSTRAINT users_email_key TO users_mail_key",
    ] {
        let m = after_checked(&[USERS], statement);
        let users = relation(&m, "users");
        assert_eq!(
            users.constraints.state("users_mail_key"),
            State::Present,
            "{statement}"
        );
        assert_eq!(
            users.constraints.state("users_email_key"),
            State::Absent,
            "{statement}"
        );
        assert_eq!(
            find(&m, Space::Relation, "users_mail_key"),
            Found::Present(String::new()),
            "{statement}"
        );
    }
}

#[test]
fn a_generated_column_owns_no_sequence() {
    let before = [
        USERS,
        "ALTER TABLE users ADD COLUMN lower_email text GENERATED ALWAYS AS (lower(email)) STORED",
    ];
    assert_eq!(
        says(&before, "CREATE SEQUENCE users_lower_email_seq"),
        Vec::<String>::new()
    );
    let identity = [
        USERS,
        "ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS IDENTITY",
    ];
    assert_eq!(says(&identity, "CREATE SEQUENCE users_n_seq").len(), 1);
}

#[test]
fn drop_view_names_a_view() {
    let before = [USERS, "CREATE VIEW active AS SELECT id FROM users"];
    let said = says(&before, "DROP VIEW actve");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("view `actve` does not exist"),
        "{said:?}"
    );
}

#[test]
fn a_schema_no_migration_made_holds_nothing_while_the_model_follows() {
    let m = Model::new();
    assert!(matches!(
        find(&m, Space::Relation, "nosuch.orders"),
        Found::Absent(_)
    ));
    let m = after_unchecked(&[], "DO $$ BEGIN EXECUTE 'CREATE SCHEMA nosuch'; END $$");
    assert_eq!(find(&m, Space::Relation, "nosuch.orders"), Found::Unknown);
}

#[test]
fn did_you_mean_names_the_first_schema_on_the_path() {
    let before = [
        "CREATE SCHEMA app",
        "CREATE TABLE app.users (id int)",
        "CREATE TABLE public.users (id int)",
        "SET search_path TO app, public",
    ];
    let said = says(&before, "ALTER TABLE uesrs ADD COLUMN x int");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("001_x.sql:2"), "{said:?}");
}

#[test]
fn names_ending_in_numbers_can_be_misspelt() {
    assert!(similar::is_typo_of("uesrs2", "users2"));
    assert!(!similar::is_typo_of("users3", "users2"));
}

// ---- round-robin sample 20/25 -----------------------------------------------

#[test]
fn references_inside_a_between() {
    let refs: Vec<String> = exprs::references(&expr("a BETWEEN b AND c"))
        .expect("walked")
        .iter()
        .map(|(_, c)| c.value.clone())
        .collect();
    assert_eq!(refs, ["a", "b", "c"]);
}

#[test]
fn a_views_cast_column_is_named_by_the_column() {
    let before = [USERS, "CREATE VIEW v AS SELECT email::varchar FROM users"];
    let said = says(&before, "COMMENT ON COLUMN v.emial IS 'x'");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("did you mean `email`"), "{said:?}");
}

#[test]
fn create_table_checks_its_sequence_literals() {
    let before = [USERS, "CREATE SEQUENCE order_seq"];
    let said = says(
        &before,
        "CREATE TABLE orders (id int DEFAULT nextval('order_sq'))",
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("order_seq"), "{said:?}");
}

#[test]
fn comment_on_a_type_checks_it() {
    let before = [
        "CREATE TYPE mood AS ENUM ('ok')",
        "CREATE DOMAIN email AS text",
    ];
    for statement in [
        "COMMENT ON TYPE moood IS 'x'",
        "COMMENT ON DOMAIN emial IS 'x'",
    ] {
        let said = says(&before, statement);
        assert_eq!(said.len(), 1, "{statement}: {said:?}");
    }
    assert_eq!(
        says(&before, "COMMENT ON TYPE mood IS 'x'"),
        Vec::<String>::new()
    );
}

#[test]
fn an_unread_set_forgets_only_the_path() {
    let mut m = after_unchecked(
        &["SET search_path TO public", USERS],
        "SET search_path TO app",
    );
    assert_eq!(m.path, None);
    assert_eq!(
        find(&m, Space::Relation, "public.users"),
        Found::Present("public".into())
    );
    m.set_path(Some(vec!["public".into()]));
    assert_eq!(relation(&m, "users").columns.state("avatar"), State::Absent);
}

#[test]
fn alter_trigger_checks_its_table() {
    let said = says(&[USERS], "ALTER TRIGGER trg ON uesrs RENAME TO trg2");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("table `uesrs` does not exist"),
        "{said:?}"
    );
}

// ---- survivors of the full run (2026-12-07) --------------------------------

/// The set of migrations `(file, text)` as `check` reads them.
fn set_of(files: &[(&str, &str)]) -> Vec<crate::migration::SourceMigration> {
    files
        .iter()
        .map(|(file, text)| {
            let name = crate::naming::parse_file_name(file).expect("a name");
            crate::migration::read_migration(file, &name, file, text)
                .0
                .expect("read")
        })
        .collect()
}

/// What `check_set` says of `files`, as `file #statement: message`.
fn checked(files: &[(&str, &str)]) -> Vec<String> {
    let set = set_of(files);
    check_set(&set, &[], &[])
        .into_iter()
        .map(|f| {
            let file = set[f.migration].migration.file_name().to_string();
            match f.problem {
                Some(p) => format!("{file} #{}: {}", f.statement, p.message(&file)),
                None => format!("{file} #{}: {}", f.statement, f.differences.join("; ")),
            }
        })
        .collect()
}

#[test]
fn an_unchecked_statement_after_the_first_is_not_checked() {
    // The second UP statement is unchecked: its misspelt name is not
    // reported; the third is checked.
    let said = checked(&[(
        "001_users.sql",
        "-- UP\nCREATE TABLE users (id int);\n-- sqlstrata: unchecked\nALTER TABLE uesrs ADD COLUMN a int;\nALTER TABLE users ADD COLUMN b int;\n-- DOWN\nALTER TABLE users DROP COLUMN b;\n-- sqlstrata: unchecked\nALTER TABLE uesrs DROP COLUMN a;\nDROP TABLE users;\n",
    )]);
    assert_eq!(said, Vec::<String>::new());
    let said = checked(&[(
        "001_users.sql",
        "-- UP\nCREATE TABLE users (id int);\nALTER TABLE uesrs ADD COLUMN a int;\n-- DOWN\nDROP TABLE users;\n",
    )]);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("001_users.sql #1: table `uesrs`"),
        "{said:?}"
    );
}

/// The columns of the relation `name` when the model knows them all, in
/// the model's order (by name).
fn known_columns(m: &Model, name: &str) -> Option<Vec<String>> {
    let r = relation(m, name);
    r.columns
        .complete
        .then(|| r.columns.present().map(|(n, _)| n.to_string()).collect())
}

#[test]
fn the_columns_a_query_makes_from_wildcards_and_nested_joins() {
    const A: &str = "CREATE TABLE a (id int, x int)";
    const B: &str = "CREATE TABLE b (id int, y int)";
    // `t.*` of a table, whose columns the model holds by name (not in their
    // order): an alias list shorter than them cannot say which is renamed.
    let m = model_of(&[A, "CREATE VIEW v (z) AS SELECT a.* FROM a"]);
    assert_eq!(known_columns(&m, "v"), None);
    // All renamed: known.
    let m = model_of(&[A, "CREATE VIEW v (p, q) AS SELECT a.* FROM a"]);
    assert_eq!(
        known_columns(&m, "v"),
        Some(vec!["p".to_string(), "q".to_string()])
    );
    // A parenthesised join's tables are in scope.
    let m = model_of(&[
        A,
        B,
        "CREATE VIEW v AS SELECT a.x, b.* FROM (a JOIN b ON a.id = b.id)",
    ]);
    assert_eq!(
        known_columns(&m, "v"),
        Some(vec!["id".to_string(), "x".to_string(), "y".to_string()])
    );
    // A table whose columns are not all known (it inherits some): `*` of
    // it is not.
    let m = model_of(&[
        A,
        "CREATE TABLE c (extra int) INHERITS (a)",
        "CREATE VIEW v AS SELECT * FROM c",
    ]);
    assert!(!relation(&m, "c").columns.complete);
    assert_eq!(known_columns(&m, "v"), None);
    // A scalar subquery of two columns (PostgreSQL refuses it): its
    // output column is not named after either.
    let mut m = model_of(&[A]);
    m.replay(
        "CREATE VIEW v AS SELECT (SELECT id, x FROM a LIMIT 1)",
        origin(9),
        &[],
        false,
    );
    assert_ne!(known_columns(&m, "v"), Some(vec!["id".to_string()]));
}

#[test]
fn check_constraints_are_named_after_the_columns_of_every_expression_form() {
    // One column read: `t_a_check`; two: `t_check`.
    for (check, name) in [
        ("NOT (a > 0)", "t_a_check"),
        ("a IS NOT NULL", "t_a_check"),
        ("(a) IS NULL OR a > 1", "t_a_check"),
        ("a IN (1, 2, b)", "t_check"),
        ("a BETWEEN 1 AND b", "t_check"),
        ("a IS DISTINCT FROM b", "t_check"),
        ("a IS NOT DISTINCT FROM 1", "t_a_check"),
        ("a = ANY (c)", "t_check"),
        ("1 = ALL (c)", "t_c_check"),
        ("a > 0 OR current_timestamp IS NOT NULL", "t_a_check"),
        ("a::text <> ''", "t_a_check"),
    ] {
        let m = model_of(&[&format!(
            "CREATE TABLE t (a int, b int, c int[], CHECK ({check}))"
        )]);
        assert_eq!(
            relation(&m, "t").constraints.state(name),
            State::Present,
            "CHECK ({check})"
        );
    }
}

#[test]
fn column_references_are_checked_in_every_expression_form() {
    const T: &str = "CREATE TABLE t (id int, name text, other text)";
    for statement in [
        "UPDATE t SET id = 1 WHERE nmae IN ('a', 'b')",
        "UPDATE t SET id = 1 WHERE id IN (1, 2) AND 'x' IN (nmae)",
        "UPDATE t SET id = 1 WHERE other IS DISTINCT FROM nmae",
        "UPDATE t SET id = 1 WHERE nmae IS NOT DISTINCT FROM other",
    ] {
        let said = says(&[T], statement);
        assert_eq!(said.len(), 1, "{statement}: {said:?}");
        assert!(
            said[0].starts_with("column `t.nmae` does not exist"),
            "{statement}: {said:?}"
        );
    }
}

#[test]
fn subqueries_under_unary_operators_casts_and_case() {
    for (sql, n) in [
        ("NOT (a IN (SELECT 1))", 1),
        ("(SELECT 1) IS NULL", 1),
        ("(SELECT 1) IS NOT NULL", 1),
        ("((SELECT true)) IS TRUE", 1),
        ("CAST((SELECT 1) AS int) > 0", 1),
        ("-(SELECT 1)", 1),
        (
            "CASE WHEN (SELECT true) THEN (SELECT 1) ELSE (SELECT 2) END",
            3,
        ),
        ("CASE (SELECT 1) WHEN 1 THEN 2 END", 1),
    ] {
        assert_eq!(exprs::subqueries(&expr(sql)).len(), n, "{sql}");
    }
}

#[test]
fn aggregates_extras_are_not_walked_for_references() {
    // A window, a filter, an ordered-set aggregate: their own clauses hold
    // references this reader does not walk, so it says none.
    for sql in [
        "count(x) OVER ()",
        "count(x) FILTER (WHERE y)",
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY x)",
    ] {
        assert!(exprs::references(&expr(sql)).is_none(), "{sql}");
    }
    assert_eq!(
        exprs::references(&expr("count(x)")).map(|r| r.len()),
        Some(1)
    );
}

#[test]
fn casts_under_unary_operators_lists_case_and_calls() {
    for (sql, n) in [
        ("NOT (a::mood IS NULL)", 1),
        ("(a::mood) IS NOT NULL", 1),
        ("(a::boolean) IS TRUE", 1),
        ("(a::boolean) IS FALSE", 1),
        ("-(a::int)", 1),
        ("a::mood IN ('x'::mood, b::mood)", 3),
        ("CASE a::int WHEN 1 THEN b::text ELSE c::text END", 3),
        ("CASE WHEN a::boolean THEN 1 END", 1),
        ("coalesce(a::mood, b::mood)", 2),
    ] {
        assert_eq!(exprs::cast_types(&expr(sql)).len(), n, "{sql}");
    }
}

#[test]
fn an_unterminated_quoted_name_ends_the_calls_read() {
    assert_eq!(exprs::calls("SELECT f(1), \"g"), vec!["f".to_string()]);
    assert_eq!(exprs::calls("\""), Vec::<String>::new());
}

#[test]
fn what_an_unread_create_table_may_have_named_is_unknown_only_for_relations() {
    let m = after_unchecked(&[], "CREATE TABLE foo (id serial PRIMARY KEY)");
    let ns = m
        .schemas
        .get(super::model::DEFAULT)
        .expect("the connection's schema");
    assert!(!ns.opaque);
    // Its key's index, its sequence: relations named `foo...`.
    assert!(!ns.relations.contains_key("foo_something"));
    assert_eq!(ns.state(Space::Relation, "foo_something"), State::Unknown);
    assert_eq!(ns.state(Space::Relation, "bar"), State::Absent);
    // Types and functions are not made by it.
    assert_eq!(ns.state(Space::Type, "foo_pkey"), State::Absent);
    assert_eq!(ns.state(Space::Function, "foo_pkey"), State::Absent);
}

/// `before`'s model, and that model after `then` joined with it (as after
/// a statement in a `DO` block's `IF`, which may or may not have run).
fn joined(before: &[&str], then: &[&str]) -> Model {
    let b = model_of(before);
    let mut a = b.clone();
    for (i, s) in then.iter().enumerate() {
        let p = a.replay(s, origin(200 + i as u32), &[], false);
        assert!(p.is_empty(), "{s}: {p:?}");
    }
    a.join_with(&b);
    a
}

fn state_of(m: &Model, space: Space, name: &str) -> Found {
    find(m, space, name)
}

#[test]
fn a_statement_that_may_have_run_leaves_unknown_what_it_changed() {
    // Only the search path differs: everything is unknown.
    let m = joined(&[USERS], &["SET search_path TO app"]);
    assert!(m.opaque);
    // A table dropped one way: unknown, not absent.
    let m = joined(
        &[USERS, "CREATE TABLE keep (id int)"],
        &["DROP TABLE users"],
    );
    assert_eq!(state_of(&m, Space::Relation, "users"), Found::Unknown);
    assert_eq!(
        state_of(&m, Space::Relation, "keep"),
        Found::Present(String::new())
    );
    // A table one way, a view of that name the other: unknown.
    let m = joined(
        &[USERS],
        &["DROP TABLE users", "CREATE VIEW users AS SELECT 1 AS id"],
    );
    assert_eq!(state_of(&m, Space::Relation, "users"), Found::Unknown);
    // A view replaced: there either way, its statement not known.
    let m = joined(
        &[USERS, "CREATE VIEW v AS SELECT id FROM users"],
        &["CREATE OR REPLACE VIEW v AS SELECT id, email FROM users"],
    );
    assert_eq!(
        state_of(&m, Space::Relation, "v"),
        Found::Present(String::new())
    );
    assert_eq!(relation(&m, "v").sql, None);
    // A sequence given an owner one way: its statement and owner not known.
    let m = joined(
        &[USERS, "CREATE SEQUENCE s"],
        &["ALTER SEQUENCE s OWNED BY users.id"],
    );
    assert_eq!(relation(&m, "s").sql, None);
    assert_eq!(relation(&m, "s").owner, None);
    // A schema made one way: it and what is in it are unknown.
    let m = joined(
        &[USERS],
        &["CREATE SCHEMA app", "CREATE TABLE app.t (id int)"],
    );
    assert_eq!(state_of(&m, Space::Relation, "app.t"), Found::Unknown);
}

#[test]
fn types_functions_and_extensions_that_may_have_changed() {
    const MOOD: &str = "CREATE TYPE mood AS ENUM ('sad', 'ok')";
    // A label added one way: the type is there both ways, its statement
    // is not known.
    let m = joined(&[MOOD], &["ALTER TYPE mood ADD VALUE 'happy'"]);
    let e = &m.schemas[super::model::DEFAULT].types["mood"];
    assert_eq!(e.state, State::Present);
    assert_eq!(e.sql, None);
    // Dropped one way: unknown.
    let m = joined(&[MOOD], &["DROP TYPE mood"]);
    assert_eq!(state_of(&m, Space::Type, "mood"), Found::Unknown);
    // Made again one way after it was dropped: unknown.
    let m = joined(&[MOOD, "DROP TYPE mood"], &[MOOD]);
    assert_eq!(state_of(&m, Space::Type, "mood"), Found::Unknown);
    // An extension made one way is unknown; one there both ways stays.
    let m = joined(&["CREATE EXTENSION pgcrypto"], &["CREATE EXTENSION hstore"]);
    assert_eq!(m.extension_state("hstore"), State::Unknown);
    assert_eq!(m.extension_state("pgcrypto"), State::Present);
}

#[test]
fn what_may_have_made_the_schema_unreadable_stays_so() {
    // The connection's own schema made opaque one way.
    let b = model_of(&[USERS]);
    let mut a = b.clone();
    a.forget_schema(super::model::DEFAULT);
    a.join_with(&b);
    let ns = &a.schemas[super::model::DEFAULT];
    assert!(ns.opaque);
    assert_eq!(ns.state(Space::Relation, "zzz"), State::Unknown);
    // A schema not known but readable, made opaque one way: opaque.
    let mut b = model_of(&["CREATE SCHEMA app"]);
    b.set_schema("app", super::objects::Entry::unknown());
    assert!(!b.schemas["app"].opaque);
    let mut a = b.clone();
    a.forget_schema("app");
    a.join_with(&b);
    assert!(a.schemas["app"].opaque);
    let b = model_of(&[USERS]);
    // Its functions made unknown one way.
    let mut a = b.clone();
    a.forget_functions();
    a.join_with(&b);
    assert!(a.schemas[super::model::DEFAULT].functions_opaque);
}

#[test]
fn an_extension_no_migration_made_is_unknown_once_everything_is() {
    let mut m = Model::new();
    assert_eq!(m.extension_state("hstore"), State::Absent);
    m.forget_all();
    assert_eq!(m.extension_state("hstore"), State::Unknown);
}

#[test]
fn an_unnamed_prefix_is_cut_on_a_character_boundary() {
    let mut m = Model::new();
    let name = format!("{}é_rest", "a".repeat(28));
    m.unnamed(super::model::DEFAULT, &name);
    assert_eq!(
        m.schemas[super::model::DEFAULT].unnamed,
        vec!["a".repeat(28)]
    );
}

#[test]
fn a_down_that_makes_everything_unknown_is_taken_back_whole() {
    // The DOWN forgets everything (dynamic SQL); the next migration is
    // checked against the state after the UP again.
    let said = checked(&[
        (
            "001_users.sql",
            "-- UP\nCREATE TABLE users (id int);\n-- DOWN\nDO $$ BEGIN EXECUTE 'SELECT 1'; END $$;\nDROP TABLE users;\n",
        ),
        (
            "002_avatar.sql",
            "-- UP\nALTER TABLE uesrs ADD COLUMN avatar text;\n",
        ),
    ]);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("002_avatar.sql #0: table `uesrs`"),
        "{said:?}"
    );
}

#[test]
fn parts_joined_let_go_of_a_name_whose_type_or_detail_differs() {
    let m = model_of(&["CREATE TABLE t (a int DEFAULT 1, b int)"]);
    let p = relation(&m, "t").columns.clone();
    assert!(p.details.contains_key("a"));
    // Only the type differs.
    let mut q = p.clone();
    q.types.insert("a".into(), "text".into());
    let mut j = p.clone();
    j.join(&q);
    assert_eq!(j.state("a"), State::Unknown);
    assert_eq!(j.state("b"), State::Present);
    assert!(!j.types.contains_key("a"));
    // Only the detail differs.
    let mut q = p.clone();
    q.details.remove("a");
    let mut j = p.clone();
    j.join(&q);
    assert_eq!(j.state("a"), State::Unknown);
    assert!(!j.details.contains_key("a"));
    assert!(j.complete);
    // One side not known whole: the join is not either.
    let mut q = p.clone();
    q.complete = false;
    let mut j = p.clone();
    j.join(&q);
    assert!(!j.complete);
    assert_eq!(j.state("b"), State::Present);
}

#[test]
fn a_do_block_is_read_only_in_its_one_form() {
    for sql in [
        // Two bodies.
        "DO $$ BEGIN END $$ $$ BEGIN CREATE TABLE t (a int); END $$",
        // A `;` before its end.
        "DO $$ BEGIN CREATE TABLE t (a int); END $$; LANGUAGE plpgsql",
        // Another language.
        "DO LANGUAGE plperl $$ BEGIN CREATE TABLE t (a int); END $$",
        "DO $$ BEGIN CREATE TABLE t (a int); END $$ LANGUAGE sql",
        // A `;` in an IF's condition.
        "DO $$ BEGIN IF a; b THEN CREATE TABLE t (a int); END IF; END $$",
    ] {
        assert!(plpgsql::steps(sql).is_none(), "{sql}");
    }
    for sql in [
        "DO $$ BEGIN CREATE TABLE t (a int); END $$;",
        "DO LANGUAGE plpgsql $$ BEGIN CREATE TABLE t (a int); END $$",
        "DO $$ BEGIN CREATE TABLE t (a int); END $$ LANGUAGE plpgsql;",
        "DO $$ BEGIN IF (SELECT true) THEN CREATE TABLE t (a int); END IF; END $$",
    ] {
        assert_eq!(plpgsql::steps(sql).map(|s| s.len()), Some(1), "{sql}");
    }
}

#[test]
fn elsif_and_else_branches_and_raise_statements_are_read() {
    let s = plpgsql::steps(
        "DO $$ BEGIN IF a THEN CREATE TABLE t1 (a int); ELSIF b THEN CREATE TABLE t2 (a int); \
         ELSEIF c THEN CREATE TABLE t3 (a int); ELSE CREATE TABLE t4 (a int); END IF; END $$",
    )
    .expect("read");
    assert_eq!(s.len(), 4);
    assert!(s.iter().all(|s| s.guard == plpgsql::Guard::Any));
    assert_eq!(s[3].sql, "CREATE TABLE t4 (a int)");
    // A RAISE that stops the block, with a call in it: skipped to its end.
    let s = plpgsql::steps(
        "DO $$ BEGIN IF x THEN RAISE EXCEPTION 'no %', format('(%s)', 1); END IF; \
         CREATE TABLE t (a int); END $$",
    )
    .expect("read");
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].sql, "CREATE TABLE t (a int)");
    // A statement that starts with one of PL/pgSQL's own words is not
    // read, whatever follows it.
    assert!(plpgsql::steps("DO $$ BEGIN SELECT notice FROM t; END $$").is_none());
    // A `;` inside parentheses does not end a statement.
    let s = plpgsql::steps("DO $$ BEGIN CREATE TABLE t (a int; b int); END $$").expect("read");
    assert_eq!(s.len(), 1);
}

#[test]
fn external_names_by_their_shown_form_and_by_prefix() {
    let before = [
        "CREATE SCHEMA app",
        "CREATE TABLE app.accounts (id int)",
        "CREATE TABLE app.audit_logs (id int)",
    ];
    let say = |statement: &str, external: &[&str]| {
        let mut m = model_of(&before);
        let external: Vec<String> = external.iter().map(|e| e.to_string()).collect();
        m.replay(statement, origin(9), &external, false).len()
    };
    assert_eq!(say("ALTER TABLE app.acounts ADD COLUMN x int", &[]), 1);
    assert_eq!(
        say("ALTER TABLE app.acounts ADD COLUMN x int", &["app.acounts"]),
        0
    );
    assert_eq!(say("ALTER TABLE app.audit_lgos ADD COLUMN x int", &[]), 1);
    assert_eq!(
        say("ALTER TABLE app.audit_lgos ADD COLUMN x int", &["audit_*"]),
        0
    );
    assert_eq!(
        say(
            "ALTER TABLE app.audit_lgos ADD COLUMN x int",
            &["app.audit_*"]
        ),
        0
    );
}

#[test]
fn an_alter_table_of_a_table_not_pinned_down_lets_go_of_its_candidates_parts() {
    // The connection's path is not known: `users` may be `app.users`.
    let mut m = model_of(&["CREATE SCHEMA app", "CREATE TABLE app.users (id int)"]);
    assert!(relation(&m, "app.users").columns.complete);
    assert!(
        m.replay("ALTER TABLE users ADD COLUMN x int", origin(9), &[], false)
            .is_empty()
    );
    assert!(!relation(&m, "app.users").columns.complete);
    assert!(
        m.replay(
            "ALTER TABLE app.users DROP COLUMN x",
            origin(10),
            &[],
            false
        )
        .is_empty()
    );
}

#[test]
fn names_in_queries_of_every_shape_are_checked() {
    const ORDERS: &str = "CREATE TABLE orders (id int, user_id int)";
    for (statement, start) in [
        // A parenthesised query in a set operation.
        (
            "CREATE VIEW v AS (SELECT id FROM users) UNION (SELECT emial FROM users)",
            "column `users.emial` does not exist",
        ),
        // The tables of both sides of a set operation.
        (
            "CREATE VIEW v AS SELECT 1 FROM users UNION SELECT 1 FROM uesrs",
            "relation `uesrs` does not exist",
        ),
        // A parenthesised join: its tables, and the columns of its items.
        (
            "SELECT 1 FROM (users JOIN ordres ON true)",
            "relation `ordres` does not exist",
        ),
        (
            "SELECT 1 FROM (users u JOIN orders o ON o.user_id = u.id) WHERE u.emial = ''",
            "column `users.emial` does not exist",
        ),
        // `CREATE TABLE ... AS` reads its query's tables.
        (
            "CREATE TABLE t2 AS SELECT * FROM uesrs",
            "relation `uesrs` does not exist",
        ),
        // A subquery in a DELETE's condition.
        (
            "DELETE FROM users WHERE id IN (SELECT id FROM uesrs)",
            "relation `uesrs` does not exist",
        ),
    ] {
        let said = says(&[USERS, ORDERS], statement);
        assert_eq!(said.len(), 1, "{statement}: {said:?}");
        assert!(said[0].starts_with(start), "{statement}: {said:?}");
    }
    // A FROM item whose name the model does not know (a function's):
    // a qualifier not among the others is not reported.
    assert_eq!(
        says(
            &[USERS],
            "UPDATE users SET email = '' FROM unnest(ARRAY[1]) WHERE uesrs.id = 1"
        ),
        Vec::<String>::new()
    );
}

#[test]
fn sequence_literals_only_in_the_sequence_functions() {
    let before = [
        USERS,
        "CREATE SCHEMA app",
        "CREATE SEQUENCE app.order_numbers",
    ];
    // Another function's string is not a sequence's name.
    assert_eq!(
        says(&before, "SELECT lower('app.order_nubmers')"),
        Vec::<String>::new()
    );
    assert_eq!(
        says(&before, "SELECT nextval('app.order_numbers')"),
        Vec::<String>::new()
    );
    let said = says(&before, "SELECT nextval('app.order_nubmers')");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("order_nubmers"), "{said:?}");
}

#[test]
fn a_type_named_external_is_not_a_misspelling() {
    let before = ["CREATE TYPE mood AS ENUM ('ok')"];
    let mut m = model_of(&before);
    let said = m.replay("CREATE TABLE t (m moood)", origin(9), &[], false);
    assert_eq!(said.len(), 1, "{said:?}");
    let mut m = model_of(&before);
    let said = m.replay(
        "CREATE TABLE t (m moood)",
        origin(9),
        &["moood".to_string()],
        false,
    );
    assert!(said.is_empty(), "{said:?}");
}

#[test]
fn create_if_not_exists_of_an_unknown_name_leaves_it_unknown() {
    let mut m = after_unchecked(&[], "CREATE TABLE users (id int)");
    assert_eq!(find(&m, Space::Relation, "users"), Found::Unknown);
    assert!(
        m.replay(
            "CREATE TABLE IF NOT EXISTS users (id int)",
            origin(9),
            &[],
            false
        )
        .is_empty()
    );
    assert_eq!(find(&m, Space::Relation, "users"), Found::Unknown);
}

#[test]
fn an_index_not_known_renamed_lets_go_of_constraints_of_its_name() {
    let mut m = model_of(&[
        "CREATE TABLE users (id int, email text, CONSTRAINT users_email_key UNIQUE (email))",
    ]);
    m.set_relation(
        super::model::DEFAULT,
        "users_email_key",
        super::objects::Relation::unknown(super::objects::RelKind::Index),
    );
    assert!(
        m.replay(
            "ALTER INDEX users_email_key RENAME TO users_mail_key",
            origin(9),
            &[],
            false
        )
        .is_empty()
    );
    let c = &relation(&m, "users").constraints;
    assert_eq!(c.state("users_email_key"), State::Unknown);
    assert_eq!(c.state("users_mail_key"), State::Unknown);
}

#[test]
fn a_procedure_made_is_known() {
    let m = model_of(&["CREATE PROCEDURE archive(ws int) LANGUAGE sql AS $$ SELECT 1 $$"]);
    assert_eq!(
        find(&m, Space::Function, "archive"),
        Found::Present(String::new())
    );
    let said = says(
        &["CREATE PROCEDURE archive(ws int) LANGUAGE sql AS $$ SELECT 1 $$"],
        "DROP PROCEDURE archiev(int)",
    );
    assert_eq!(said.len(), 1, "{said:?}");
}

#[test]
fn alter_forms_read_by_their_words() {
    const MV: &str = "CREATE MATERIALIZED VIEW counts AS SELECT count(*) AS n FROM users";
    // ALTER INDEX other than a rename: the index must exist.
    let said = says(
        &[USERS, "CREATE INDEX users_email_idx ON users (email)"],
        "ALTER INDEX users_emial_idx ALTER COLUMN 1 SET STATISTICS 100",
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("index `users_emial_idx` does not exist"),
        "{said:?}"
    );
    // ALTER MATERIALIZED VIEW IF EXISTS: a misspelt name does nothing.
    let mut m = model_of(&[USERS, MV]);
    let said = m.replay(
        "ALTER MATERIALIZED VIEW IF EXISTS coutns RENAME COLUMN n TO total",
        origin(9),
        &[],
        false,
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0].rule(), "schema-if-exists-misspelt");
    // Renamed: the old name is gone, the new one may be anything.
    let m = after_rename(
        &[USERS, MV],
        "ALTER MATERIALIZED VIEW counts RENAME TO totals",
    );
    assert_ne!(find(&m, Space::Relation, "totals"), Found::Absent(None));
    assert_ne!(
        find(&m, Space::Relation, "counts"),
        Found::Present(String::new())
    );
    // A quoted name this reader does not take: everything is unknown.
    let mut m = model_of(&[USERS, "CREATE VIEW \"Weird View\" AS SELECT 1 AS x"]);
    m.replay(
        "ALTER VIEW \"Weird View\" ALTER COLUMN x SET DEFAULT 1",
        origin(9),
        &[],
        false,
    );
    assert!(m.opaque);
    // ALTER VIEW ... AS (sqlparser reads it): still there.
    let mut m = model_of(&[USERS, "CREATE VIEW v AS SELECT id FROM users"]);
    m.replay(
        "ALTER VIEW v AS SELECT id, email FROM users",
        origin(9),
        &[],
        false,
    );
    assert_eq!(
        find(&m, Space::Relation, "v"),
        Found::Present(String::new())
    );
    // ALTER TRIGGER ON a table with `_` in its name.
    let said = says(
        &["CREATE TABLE user_accounts (id int)"],
        "ALTER TRIGGER trg ON user_acounts RENAME TO trg2",
    );
    assert_eq!(said.len(), 1, "{said:?}");
}

/// The model after `before` and the statement `rename` (which must say
/// nothing).
fn after_rename(before: &[&str], rename: &str) -> Model {
    let mut m = model_of(before);
    let said = m.replay(rename, origin(9), &[], false);
    assert!(said.is_empty(), "{said:?}");
    m
}

#[test]
fn statements_postgresql_refuses_are_not_guessed_at() {
    // A qualified schema name.
    let mut m = Model::new();
    m.replay("CREATE SCHEMA x.y", origin(1), &[], false);
    assert!(m.opaque);
    // A `)` before any `(` in a function's arguments: no panic.
    let mut m = model_of(&["CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'"]);
    m.replay("COMMENT ON FUNCTION f) (int) IS 'x'", origin(2), &[], true);
    m.replay("COMMENT ON FUNCTION f) (int) IS 'x'", origin(3), &[], false);
    // An extension's name this reader cannot take.
    let m = after_unchecked(&[], "CREATE EXTENSION foo(bar)");
    assert_ne!(m.extension_state("foo(bar)"), State::Present);
}

#[test]
fn triggers_extensions_indexes_and_sequences_as_they_change() {
    const FN: &str =
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$";
    const TRG: &str =
        "CREATE TRIGGER trg BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()";
    // OR REPLACE of a trigger there: no error.
    assert_eq!(
        says(
            &[USERS, FN, TRG],
            "CREATE OR REPLACE TRIGGER trg BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION touch()"
        ),
        Vec::<String>::new()
    );
    // An index not known renamed in one schema: another schema's
    // relation of the new name is not touched.
    let mut m = model_of(&[
        "CREATE SCHEMA app",
        "CREATE SCHEMA other",
        "CREATE TABLE other.j (id int)",
    ]);
    m.set_relation(
        "app",
        "i",
        super::objects::Relation::unknown(super::objects::RelKind::Index),
    );
    assert!(
        m.replay("ALTER INDEX app.i RENAME TO j", origin(9), &[], false)
            .is_empty()
    );
    assert_eq!(
        find(&m, Space::Relation, "other.j"),
        Found::Present("other".into())
    );
    // OWNED BY NONE: the sequence stays, owned by nothing.
    let m = model_of(&[
        USERS,
        "CREATE SEQUENCE s OWNED BY users.id",
        "ALTER SEQUENCE s OWNED BY NONE",
    ]);
    assert_eq!(relation(&m, "s").owner, None);
    assert_eq!(
        find(&m, Space::Relation, "s"),
        Found::Present(String::new())
    );
    // A misspelt column of OWNED BY is reported at itself, not at a word
    // of the same text before it.
    let mut m = model_of(&[USERS, "CREATE SEQUENCE emial"]);
    let said = m.replay(
        "ALTER SEQUENCE emial OWNED BY users.emial",
        origin(9),
        &[],
        false,
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0].place(), (1, 37));
}

#[test]
fn language_sql_bodies_are_checked_at_their_places() {
    let body =
        |b: &str| format!("CREATE FUNCTION f(x int) RETURNS void LANGUAGE sql AS $$\n{b}\n$$");
    for (b, place, start) in [
        (
            "SELECT emial FROM users",
            (2, 8),
            "column `emial` does not exist",
        ),
        (
            "INSERT INTO users (id) SELECT id FROM uesrs",
            (2, 39),
            "relation `uesrs` does not exist",
        ),
        (
            "INSERT INTO uesrs (id) VALUES (x)",
            (2, 13),
            "table `uesrs` does not exist",
        ),
        (
            "INSERT INTO users (emial) VALUES ('a')",
            (2, 20),
            "column `users.emial` does not exist",
        ),
        (
            "UPDATE users SET emial = 'a' WHERE id = x",
            (2, 18),
            "column `users.emial` does not exist",
        ),
    ] {
        let mut m = model_of(&[USERS]);
        let said = m.replay(&body(b), origin(9), &[], false);
        assert_eq!(said.len(), 1, "{b}: {said:?}");
        assert!(said[0].message("f.sql").starts_with(start), "{b}: {said:?}");
        assert_eq!(said[0].place(), place, "{b}");
    }
    // On the statement's first line: the column is offset by what is
    // before the body.
    let mut m = model_of(&[USERS]);
    let said = m.replay(
        "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SELECT emial FROM users $$",
        origin(9),
        &[],
        false,
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0].place(), (1, 60));
}

#[test]
fn alter_constraint_timing_of_a_table_known_or_not() {
    // A constraint known dropped, reported at its own name (the table has
    // the same name).
    let mut m = model_of(&[
        "CREATE TABLE c (id int PRIMARY KEY, p int, CONSTRAINT c FOREIGN KEY (p) REFERENCES c (id))",
        "ALTER TABLE c DROP CONSTRAINT c",
    ]);
    let said = m.replay(
        "ALTER TABLE c ALTER CONSTRAINT c DEFERRABLE",
        origin(9),
        &[],
        false,
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0].place(), (1, 32));
    // A table not pinned down: each candidate's constraint loses its
    // definition (its timing changed).
    let mut m = model_of(&[
        "CREATE SCHEMA app",
        "CREATE TABLE app.c (id int PRIMARY KEY, p int, CONSTRAINT fk FOREIGN KEY (p) REFERENCES app.c (id))",
    ]);
    assert!(relation(&m, "app.c").constraints.details.contains_key("fk"));
    m.replay(
        "ALTER TABLE c ALTER CONSTRAINT fk DEFERRABLE",
        origin(9),
        &[],
        false,
    );
    assert!(!relation(&m, "app.c").constraints.details.contains_key("fk"));
}

#[test]
fn search_paths_schemas_and_types_as_set() {
    let m = model_of(&["SET search_path = 'app, public'"]);
    assert_eq!(m.path, Some(vec!["app".to_string(), "public".to_string()]));
    let m = model_of(&["SET search_path TO app", "SET search_path TO DEFAULT"]);
    assert_eq!(m.path, None);
    // A schema made again once everything was unknown: there.
    let mut m = model_of(&["CREATE SCHEMA app"]);
    m.forget_all();
    assert!(
        m.replay("CREATE SCHEMA app", origin(9), &[], false)
            .is_empty()
    );
    assert_eq!(m.schema_state("app"), State::Present);
    // A type made again (an error): the statement that failed is not
    // taken for its definition.
    let mut m = model_of(&["CREATE TYPE mood AS ENUM ('a')"]);
    assert_eq!(
        m.replay("CREATE TYPE mood AS ENUM ('b')", origin(9), &[], false)
            .len(),
        1
    );
    let e = &m.schemas[super::model::DEFAULT].types["mood"];
    assert!(
        !e.sql.as_deref().is_some_and(|s| s.contains("'b'")),
        "{e:?}"
    );
    // A function replaced by the same text: kept once.
    let f = "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'";
    let m = model_of(&[f, f]);
    let e = &m.schemas[super::model::DEFAULT].functions["f"];
    assert!(
        e.sql.as_deref().is_some_and(|s| !s.contains(";\n")),
        "{e:?}"
    );
}

#[test]
fn unread_functions_and_do_blocks_touch_only_what_they_name() {
    const OTHER: &str = "CREATE FUNCTION other() RETURNS int LANGUAGE sql AS 'SELECT 1'";
    // An unread function with a quoted name: only that name is let go.
    let m = after_unchecked(
        &[OTHER],
        "CREATE FUNCTION \"MyFn\"() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    );
    assert_eq!(
        find(&m, Space::Function, "other"),
        Found::Present(String::new())
    );
    // An empty statement in a DO block.
    let m = model_of(&["DO $$ BEGIN ; CREATE TABLE t (a int); END $$"]);
    assert_eq!(
        find(&m, Space::Relation, "t"),
        Found::Present(String::new())
    );
    // An unnamed index guarded against duplicates may or may not be made.
    let m = model_of(&[
        "CREATE TABLE t (a int)",
        "DO $$ BEGIN CREATE INDEX ON t (a); EXCEPTION WHEN duplicate_table THEN NULL; END $$",
    ]);
    assert_ne!(
        find(&m, Space::Relation, "t_a_idx"),
        Found::Present(String::new())
    );
}

#[test]
fn comments_name_what_they_comment_on() {
    const FN: &str = "CREATE FUNCTION touch() RETURNS int LANGUAGE sql AS 'SELECT 1'";
    let said = says(&[USERS, FN], "COMMENT ON FUNCTION tuoch IS 'x'");
    assert_eq!(said.len(), 1, "{said:?}");
    let said = says(
        &[USERS, "CREATE INDEX users_email_idx ON users (email)"],
        "COMMENT ON INDEX users_emial_idx IS 'x'",
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("index `users_emial_idx` does not exist"),
        "{said:?}"
    );
}

#[test]
fn create_table_and_its_keys_as_postgresql_makes_them() {
    // A generated column owns no sequence (an identity column does).
    let m = model_of(&[
        "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED, c int GENERATED ALWAYS AS IDENTITY)",
    ]);
    assert_eq!(find(&m, Space::Relation, "t_b_seq"), Found::Absent(None));
    assert_eq!(
        find(&m, Space::Relation, "t_c_seq"),
        Found::Present(String::new())
    );
    // A second, unnamed UNIQUE over the same columns is dropped: the
    // constraints stay known whole.
    let m = model_of(&["CREATE TABLE t (a int UNIQUE, UNIQUE (a))"]);
    assert!(relation(&m, "t").constraints.complete);
    // A foreign key refers to the table where it was found, not where
    // one would be made.
    let m = model_of(&[
        "CREATE SCHEMA app",
        "CREATE TABLE app.users (id int PRIMARY KEY)",
        "SET search_path TO public, app",
        "CREATE TABLE orders (user_id int REFERENCES users (id))",
    ]);
    let refs = relation(&m, "public.orders")
        .constraints
        .details
        .values()
        .find_map(|d| d.references.clone())
        .expect("a reference");
    assert_eq!(refs.schema, "app");
    // PRIMARY KEY USING INDEX with a name of its own: the index is renamed.
    let m = model_of(&[
        "CREATE TABLE t (a int NOT NULL)",
        "CREATE UNIQUE INDEX t_a_idx ON t (a)",
        "ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY USING INDEX t_a_idx",
    ]);
    assert_eq!(
        find(&m, Space::Relation, "t_pk"),
        Found::Present(String::new())
    );
    assert_ne!(
        find(&m, Space::Relation, "t_a_idx"),
        Found::Present(String::new())
    );
}

#[test]
fn renames_of_tables_not_known() {
    // A table not known renamed in one schema: another schema's relation
    // of the new name is not touched.
    let mut m = model_of(&[
        "CREATE SCHEMA app",
        "CREATE SCHEMA other",
        "CREATE TABLE other.y (id int)",
    ]);
    m.set_relation(
        "app",
        "x",
        super::objects::Relation::unknown(super::objects::RelKind::Table),
    );
    assert!(
        m.replay("ALTER TABLE app.x RENAME TO y", origin(9), &[], false)
            .is_empty()
    );
    assert_eq!(
        find(&m, Space::Relation, "other.y"),
        Found::Present("other".into())
    );
}

/// The state of the constraint `name` of the table `table`.
fn constraint(m: &Model, table: &str, name: &str) -> State {
    relation(m, table).constraints.state(name)
}

#[test]
fn cascades_take_the_foreign_keys_that_refer_to_what_went() {
    const A: &str = "CREATE TABLE a (id int PRIMARY KEY, code int UNIQUE)";
    const C: &str = "CREATE TABLE c (id int PRIMARY KEY)";
    const B: &str = "CREATE TABLE b (a_id int, a_code int, a_any int, c_id int, \
        CONSTRAINT fk_id FOREIGN KEY (a_id) REFERENCES a (id), \
        CONSTRAINT fk_code FOREIGN KEY (a_code) REFERENCES a (code), \
        CONSTRAINT fk_pk FOREIGN KEY (a_any) REFERENCES a, \
        CONSTRAINT fk_c FOREIGN KEY (c_id) REFERENCES c (id))";
    // A unique key dropped: the foreign keys to its columns go.
    let m = model_of(&[A, C, B, "ALTER TABLE a DROP CONSTRAINT a_code_key CASCADE"]);
    assert_ne!(constraint(&m, "b", "fk_code"), State::Present);
    assert_eq!(constraint(&m, "b", "fk_id"), State::Present);
    assert_eq!(constraint(&m, "b", "fk_pk"), State::Present);
    assert_eq!(constraint(&m, "b", "fk_c"), State::Present);
    // The primary key dropped: those to its columns, and those to the
    // table's key itself.
    let m = model_of(&[A, C, B, "ALTER TABLE a DROP CONSTRAINT a_pkey CASCADE"]);
    assert_ne!(constraint(&m, "b", "fk_id"), State::Present);
    assert_ne!(constraint(&m, "b", "fk_pk"), State::Present);
    assert_eq!(constraint(&m, "b", "fk_code"), State::Present);
    assert_eq!(constraint(&m, "b", "fk_c"), State::Present);
    // A table dropped: the foreign keys to it, not the others.
    let m = model_of(&[A, C, B, "DROP TABLE a CASCADE"]);
    assert_ne!(constraint(&m, "b", "fk_id"), State::Present);
    assert_eq!(constraint(&m, "b", "fk_c"), State::Present);
    // Once a function may depend on anything (a collation made), a
    // cascade may take any foreign key.
    let m = model_of(&[
        A,
        C,
        B,
        "CREATE COLLATION german (provider = icu, locale = 'de-DE')",
        "DROP TABLE a CASCADE",
    ]);
    assert_ne!(constraint(&m, "b", "fk_c"), State::Present);
}

#[test]
fn cascades_across_schemas() {
    // In a schema of its own: its foreign keys go.
    let m = model_of(&[
        "CREATE SCHEMA app",
        "CREATE TABLE app.a (id int PRIMARY KEY)",
        "CREATE TABLE app.b (a_id int, CONSTRAINT fk FOREIGN KEY (a_id) REFERENCES app.a (id))",
        "DROP TABLE app.a CASCADE",
    ]);
    assert_ne!(constraint(&m, "app.b", "fk"), State::Present);
    // A foreign key to the connection's own schema's `a`, which may be
    // the schema a dropped `a` was in.
    let m = model_of(&[
        "CREATE SCHEMA other",
        "CREATE TABLE a (id int PRIMARY KEY)",
        "CREATE TABLE b (a_id int, CONSTRAINT fk FOREIGN KEY (a_id) REFERENCES a (id))",
        "CREATE TABLE other.a (id int PRIMARY KEY)",
        "DROP TABLE other.a CASCADE",
    ]);
    assert_ne!(constraint(&m, "b", "fk"), State::Present);
}

#[test]
fn column_changes_and_their_dependents() {
    // A column added as the primary key makes the key.
    let m = model_of(&[
        "CREATE TABLE t (a int)",
        "ALTER TABLE t ADD COLUMN id int PRIMARY KEY",
    ]);
    assert_eq!(constraint(&m, "t", "t_pkey"), State::Present);
    // A type change: checks that read the column and its default are no
    // longer known as written; other constraints are.
    let m = model_of(&[
        "CREATE TABLE t (a int DEFAULT 1 CHECK (a > 0) UNIQUE)",
        "ALTER TABLE t ALTER COLUMN a TYPE bigint",
    ]);
    let r = relation(&m, "t");
    assert!(!r.constraints.details.contains_key("t_a_check"));
    assert!(r.constraints.details.contains_key("t_a_key"));
    assert!(!r.columns.details.contains_key("a"));
    // A renamed column: the views and indexes printed with its old name
    // are not known as SQL any more.
    let m = model_of(&[
        USERS,
        "CREATE TABLE orders (id int, email text)",
        "CREATE VIEW v AS SELECT email FROM users",
        "CREATE INDEX users_email_idx ON users (email)",
        "CREATE INDEX users_id_idx ON users (id)",
        "CREATE INDEX orders_email_idx ON orders (email)",
        "ALTER TABLE users RENAME COLUMN email TO mail",
    ]);
    assert_eq!(relation(&m, "v").sql, None);
    assert_eq!(relation(&m, "users_email_idx").sql, None);
    // Another index of the table, another table's index: as they were.
    assert!(relation(&m, "users_id_idx").sql.is_some());
    assert!(relation(&m, "orders_email_idx").sql.is_some());
}

#[test]
fn create_index_by_name_and_by_its_columns() {
    const T: &str = "CREATE TABLE t (a int, b int, c text)";
    // IF NOT EXISTS of one there: the one there stays as it was.
    let m = model_of(&[
        T,
        "CREATE INDEX i ON t (a)",
        "CREATE INDEX IF NOT EXISTS i ON t (b)",
    ]);
    assert!(
        relation(&m, "i")
            .sql
            .as_deref()
            .is_some_and(|s| s.contains("(a)")),
        "{:?}",
        relation(&m, "i").sql
    );
    // Of one not known: made, or (IF NOT EXISTS) still not known.
    for (statement, want) in [
        ("CREATE INDEX i ON t (a)", Found::Present(String::new())),
        ("CREATE INDEX IF NOT EXISTS i ON t (a)", Found::Unknown),
    ] {
        let mut m = model_of(&[T]);
        m.set_relation(
            super::model::DEFAULT,
            "i",
            super::objects::Relation::unknown(super::objects::RelKind::Index),
        );
        assert!(m.replay(statement, origin(9), &[], false).is_empty());
        assert_eq!(find(&m, Space::Relation, "i"), want, "{statement}");
    }
    // Unnamed: named after its columns, or its expressions' functions.
    let m = model_of(&[
        T,
        "CREATE INDEX ON t (a, b)",
        "CREATE INDEX ON t (lower(c))",
    ]);
    assert_eq!(
        find(&m, Space::Relation, "t_a_b_idx"),
        Found::Present(String::new())
    );
    assert_eq!(
        find(&m, Space::Relation, "t_lower_idx"),
        Found::Present(String::new())
    );
    // DROP MATERIALIZED VIEW says what it drops.
    let said = says(
        &[
            T,
            "CREATE MATERIALIZED VIEW counts AS SELECT count(*) AS n FROM t",
        ],
        "DROP MATERIALIZED VIEW coutns",
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("materialized view `coutns`"),
        "{said:?}"
    );
}

#[test]
fn a_rename_with_words_after_it_is_not_read_as_one() {
    // PostgreSQL refuses it; the model does not take `w` for the new name.
    let m = after_unchecked(
        &[USERS, "CREATE VIEW v AS SELECT id FROM users"],
        "ALTER VIEW v RENAME TO w junk",
    );
    assert_eq!(find(&m, Space::Relation, "w"), Found::Absent(None));
}

#[test]
fn type_names_with_arrays_and_modifiers_normalised() {
    use super::signature::normalise;
    for (text, want) in [
        ("int[]", Some("integer[]")),
        ("int[3]", Some("integer[]")),
        ("int[3][ ]", Some("integer[]")),
        ("int[x]", None),
        ("varchar(20)", Some("character varying")),
        ("int)", None),
        ("int)(", None),
        ("numeric(10", None),
        ("pg_catalog.int4", Some("integer")),
        ("\"my schema\".int4", None),
        ("a b.int4", None),
        ("int2", Some("smallint")),
        ("int8", Some("bigint")),
        ("float4", Some("real")),
        ("float8", Some("double precision")),
        ("float", Some("double precision")),
        ("timestamp", Some("timestamp without time zone")),
        ("time", Some("time without time zone")),
        ("timetz", Some("time with time zone")),
        ("varbit", Some("bit varying")),
        ("interval", Some("interval")),
        ("interval day to second", Some("interval")),
        ("_int4", None),
    ] {
        assert_eq!(normalise(text).as_deref(), want, "{text}");
    }
}

#[test]
fn schemas_never_seen_and_on_the_path() {
    // Once everything is unknown, a schema never seen may hold anything.
    let mut m = model_of(&[USERS]);
    m.forget_all();
    assert_eq!(find(&m, Space::Relation, "nosuch.t"), Found::Unknown);
    // A schema on the path that does not exist is passed over.
    let m = model_of(&[
        "CREATE SCHEMA app",
        "SET search_path TO nosuch, app",
        "CREATE TABLE t (id int)",
    ]);
    assert_eq!(
        find(&m, Space::Relation, "app.t"),
        Found::Present("app".into())
    );
}

#[test]
fn alter_constraint_of_a_quoted_name_is_not_read_by_its_words() {
    let said = says(
        &[
            "CREATE TABLE c (id int PRIMARY KEY, p int, CONSTRAINT \"Fk\" FOREIGN KEY (p) REFERENCES c (id))",
        ],
        "ALTER TABLE c ALTER CONSTRAINT \"Fk\" DEFERRABLE",
    );
    assert_eq!(said, Vec::<String>::new());
}

#[test]
fn how_close_a_misspelling_is() {
    use super::similar::{distance, is_typo_of, limit};
    assert_eq!(distance("users", "user", 2), Some(1));
    assert_eq!(distance("abcdef", "abc", 5), Some(3));
    assert_eq!(distance("abc", "abcdef", 5), Some(3));
    assert_eq!(
        (
            limit("abc"),
            limit("users"),
            limit("abcdefgh"),
            limit("abcdefghi")
        ),
        (0, 1, 1, 2)
    );
    // Two slips in a word of eight letters, in a name of two words.
    assert!(is_typo_of("cusotmre_id", "customer_id"));
    // Two slips in a word of seven: not a misspelling of it.
    assert!(!is_typo_of("prdocut_xy", "product_xy"));
}

#[test]
fn a_down_that_makes_everything_unknown_is_not_compared() {
    // Its DOWN runs dynamic SQL: what it leaves is not known, so nothing
    // is said of it, even of what it made in a schema made after.
    let files = [(
        "001_a.sql",
        "-- UP\nCREATE TABLE a (id int);\nCREATE TYPE mood AS ENUM ('ok');\n-- DOWN\nDO $$ BEGIN EXECUTE 'SELECT 1'; END $$;\nCREATE SCHEMA app;\nCREATE TABLE app.x (id int);\n",
    )];
    assert_eq!(downs(&files), Vec::<(usize, Vec<String>)>::new());
    // The same DOWN without the dynamic SQL: both differences are said.
    let files = [(
        "001_a.sql",
        "-- UP\nCREATE TABLE a (id int);\nCREATE TYPE mood AS ENUM ('ok');\n-- DOWN\nCREATE SCHEMA app;\nCREATE TABLE app.x (id int);\n",
    )];
    let said = downs(&files);
    assert_eq!(said.len(), 1, "{said:?}");
    let all = said[0].1.join("; ");
    assert!(all.contains("mood") && all.contains("app.x"), "{all}");
}

#[test]
fn a_down_is_compared_only_on_what_the_migrations_made() {
    // An extension's own view: the DOWN that leaves the extension says so,
    // not that it leaves the extension's view.
    let said = downs(&[(
        "001_stats.sql",
        "-- UP\nCREATE EXTENSION pg_stat_statements;\nCREATE TABLE t (id int);\n-- DOWN\nDROP TABLE t;\n",
    )]);
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0].1.len(), 1, "{said:?}");
    assert!(said[0].1[0].contains("pg_stat_statements"), "{said:?}");
    assert!(!said[0].1[0].contains("view"), "{said:?}");
}

#[test]
fn a_schema_the_model_lost_track_of_holds_what_was_made_in_it() {
    for made in [
        "CREATE TABLE app.t (id int)",
        "CREATE TYPE app.mood AS ENUM ('ok')",
        "CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    ] {
        let mut m = model_of(&["CREATE SCHEMA app"]);
        m.forget_all();
        assert!(m.replay(made, origin(9), &[], false).is_empty(), "{made}");
        assert_eq!(m.schemas["app"].entry.state, State::Unknown, "{made}");
        let view = super::view::SchemaView::of(&m);
        assert!(view.schemas.iter().any(|s| s.name == "app"), "{made}");
    }
    // Nothing made in it: not shown.
    let mut m = model_of(&["CREATE SCHEMA app"]);
    m.forget_all();
    let view = super::view::SchemaView::of(&m);
    assert!(!view.schemas.iter().any(|s| s.name == "app"));
}

#[test]
fn a_column_whose_not_null_is_not_known_is_said() {
    let m = model_of(&[
        "CREATE TABLE t (a int DEFAULT 1)",
        "ALTER TABLE t ALTER COLUMN a TYPE bigint",
    ]);
    let view = super::view::SchemaView::of(&m);
    let c = &view.table("t").expect("t").columns[0];
    assert!(c.data_type.is_some() && c.not_null.is_none(), "{c:?}");
    assert!(
        view.unknown
            .iter()
            .any(|u| u.what.starts_with("table t: some of its columns")),
        "{:?}",
        view.unknown
    );
}

#[test]
fn create_index_if_not_exists_of_an_unknown_name_lets_go_only_in_its_tables_schema() {
    let mut m = model_of(&[
        "CREATE SCHEMA app",
        "CREATE SCHEMA other",
        "CREATE TABLE app.t (a int)",
        "CREATE TABLE other.i (id int)",
    ]);
    m.set_relation(
        "app",
        "i",
        super::objects::Relation::unknown(super::objects::RelKind::Index),
    );
    assert!(
        m.replay(
            "CREATE INDEX IF NOT EXISTS i ON app.t (a)",
            origin(9),
            &[],
            false
        )
        .is_empty()
    );
    assert_eq!(find(&m, Space::Relation, "app.i"), Found::Unknown);
    assert_eq!(
        find(&m, Space::Relation, "other.i"),
        Found::Present("other".into())
    );
}
