//! Every default lint fires on its hazardous form and stays silent on the
//! close safe forms: a table this migration created, `NOT VALID` then
//! `VALIDATE` in a later migration, `CONCURRENTLY` in a `no-transaction`
//! migration, a serial column, a DOWN section. And the settings and the
//! directives turn each one on, off, or into an error.

use std::fs;

use sqlstrata_core::config::LintConfig;
use sqlstrata_core::migration::read_migration_with;
use sqlstrata_core::naming::parse_file_name;
use sqlstrata_core::{Severity, read_folder};

/// The rules a migration file breaks, with the severity they have.
fn lints(sql: &str, config: &LintConfig) -> Vec<(&'static str, Severity)> {
    let name = parse_file_name("002_x.sql").unwrap();
    let (_, diagnostics) = read_migration_with("002_x.sql", &name, "002_x.sql", sql, config);
    let mut found: Vec<(&'static str, Severity)> =
        diagnostics.iter().map(|d| (d.rule, d.severity)).collect();
    found.sort();
    found
}

fn up(statements: &str) -> String {
    format!("-- sqlstrata: irreversible\n-- UP\n{statements}\n")
}

fn post(statements: &str) -> String {
    format!("-- sqlstrata: post-deploy\n-- sqlstrata: irreversible\n-- UP\n{statements}\n")
}

fn no_tx(statements: &str) -> String {
    format!("-- sqlstrata: no-transaction\n-- sqlstrata: irreversible\n-- UP\n{statements}\n")
}

use Severity::{Error, Warning};

#[test]
fn each_default_rule_fires_on_its_hazard_and_not_on_the_safe_forms() {
    let d = LintConfig::default();
    // (file, the rules it must break)
    let cases: &[(String, &[(&str, Severity)])] = &[
        (up("ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;"), &[("adding-required-field", Warning)]),
        (up("ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL DEFAULT 0;"), &[]),
        // A serial or identity column is filled, so it is not "required"; but
        // filling it rewrites the table: that is the volatile-default hazard.
        (up("ALTER TABLE users ADD COLUMN id bigserial NOT NULL;"), &[("adding-field-with-default", Warning)]),
        (
            up("ALTER TABLE users ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY NOT NULL;"),
            &[("adding-field-with-default", Warning)],
        ),
        (up("CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN id bigserial NOT NULL;"), &[]),
        // A table created after the statement is not new to it.
        (
            up("SELECT 1;\nALTER TABLE t RENAME COLUMN a TO b;\nCREATE TABLE t (a int);"),
            &[("renaming-column", Warning)],
        ),
        (
            up("SELECT 1;\nALTER TABLE t ADD COLUMN id bigserial NOT NULL;\nCREATE TABLE t (a int);"),
            &[("adding-field-with-default", Warning)],
        ),
        // Another new table does not make this one new.
        (
            up("CREATE TABLE t (a int);\nALTER TABLE users ADD COLUMN id bigserial NOT NULL;"),
            &[("adding-field-with-default", Warning)],
        ),
        (
            up("CREATE TABLE t (a int);\nALTER TABLE users RENAME COLUMN name TO full_name;"),
            &[("renaming-column", Warning)],
        ),
        (up("CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int NOT NULL;"), &[]),
        (up("ALTER TABLE users ALTER COLUMN email TYPE varchar(320);"), &[("changing-column-type", Warning)]),
        (up("CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a TYPE bigint;"), &[]),
        (
            up("ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES users (id);"),
            &[("constraint-missing-not-valid", Warning)],
        ),
        (up("ALTER TABLE posts ADD CONSTRAINT posts_title_len CHECK (char_length(title) < 200);"), &[("constraint-missing-not-valid", Warning)]),
        (up("ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES users (id) NOT VALID;"), &[]),
        (up("ALTER TABLE posts VALIDATE CONSTRAINT posts_author_fk;"), &[]),
        (
            up("CREATE TABLE c (id int, p int);\nALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p) REFERENCES users (id);"),
            &[],
        ),
        (up("CREATE INDEX posts_author ON posts (author_id);"), &[("require-concurrent-index-creation", Warning)]),
        (no_tx("CREATE INDEX CONCURRENTLY posts_author ON posts (author_id);"), &[]),
        (up("CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);"), &[]),
        (up("ALTER TABLE users RENAME COLUMN name TO full_name;"), &[("renaming-column", Warning)]),
        (up("CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO b;"), &[]),
        (up("ALTER TABLE users RENAME TO accounts;"), &[("renaming-table", Warning)]),
        (up("ALTER TABLE users DROP COLUMN legacy;"), &[("ban-drop-column", Warning)]),
        (up("DROP TABLE sessions;"), &[("ban-drop-table", Warning)]),
        // A post-deploy migration contracts: its drops are what it is for,
        // its additions come too late for the code that needs them, and a
        // rename is a hazard in either phase.
        (post("ALTER TABLE users DROP COLUMN legacy;"), &[]),
        (post("DROP TABLE sessions;"), &[]),
        (post("ALTER TABLE users ADD COLUMN nickname text;"), &[("post-deploy-adds", Warning)]),
        (post("CREATE TABLE audit (id bigint);"), &[("post-deploy-adds", Warning)]),
        (post("ALTER TABLE users RENAME COLUMN name TO full_name;"), &[("renaming-column", Warning)]),
        (up("ALTER TABLE users ADD COLUMN nickname text;"), &[]),
        (
            "-- UP\nCREATE TABLE t (a int);\n-- DOWN\nALTER TABLE t DROP COLUMN a;\nDROP TABLE t;\n".to_string(),
            &[],
        ),
        (up("ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();"), &[("adding-field-with-default", Warning)]),
        (up("ALTER TABLE users ADD COLUMN score int DEFAULT 0;"), &[]),
        (up("ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT now();"), &[]),
        (
            up("ALTER TYPE mood ADD VALUE 'ecstatic';\nUPDATE people SET m = 'ecstatic';"),
            &[("enum-value-used-too-soon", Error)],
        ),
        (no_tx("ALTER TYPE mood ADD VALUE 'ecstatic';\nUPDATE people SET m = 'ecstatic';"), &[]),
        // Used before it is added: the statement fails on its own, not this hazard.
        (up("UPDATE people SET m = 'ecstatic' WHERE false;\nALTER TYPE mood ADD VALUE 'ecstatic';"), &[]),
        // A table made by CREATE TABLE AS is new too.
        (up("CREATE TABLE t AS SELECT 1 AS a;\nCREATE INDEX t_a ON t (a);\nALTER TABLE t RENAME COLUMN a TO b;"), &[]),
        (up("ALTER TYPE mood ADD VALUE 'ecstatic';"), &[]),
        (up("INSERT INTO schema_migrations (version, name, checksum, batch) VALUES (1, 'x', 'x', 1);"), &[("tracking-table-write", Error)]),
        (up("DELETE FROM public.schema_migrations;"), &[("tracking-table-write", Error)]),
        (up("TRUNCATE schema_migrations;"), &[("tracking-table-write", Error)]),
        (up("COPY schema_migrations FROM '/tmp/rows.csv';"), &[("tracking-table-write", Error)]),
        (up("COPY other FROM '/tmp/rows.csv';"), &[]),
        (up("INSERT INTO schema_migrations_archive VALUES (1);"), &[]),
        // Another schema's table of that name is not ours (a hosted platform's auth schema).
        (up("ALTER TABLE \"auth\".schema_migrations ADD COLUMN dirty boolean;"), &[]),
        (up("INSERT INTO auth.schema_migrations (version) VALUES ('1');"), &[]),
        (up("DELETE FROM \"public\".\"schema_migrations\";"), &[("tracking-table-write", Error)]),
        // squawk's style rules are opt-in: silent by default.
        (up("CREATE TABLE t (id int PRIMARY KEY, name varchar(10), at timestamp);"), &[]),
    ];
    let mut wrong = Vec::new();
    for (sql, want) in cases {
        let got = lints(sql, &d);
        let mut want = want.to_vec();
        want.sort();
        if got != want {
            wrong.push(format!("{sql:?}\n  got  {got:?}\n  want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn directives_and_settings_turn_rules_off_on_and_into_errors() {
    let d = LintConfig::default();
    let rename = "ALTER TABLE users RENAME COLUMN name TO full_name;";
    // Above the statement, or in the header for the file.
    assert_eq!(
        lints(
            &up(&format!("-- sqlstrata: allow(renaming-column)\n{rename}")),
            &d
        ),
        vec![]
    );
    assert_eq!(
        lints(
            &format!(
                "-- sqlstrata: allow(renaming-column)\n-- sqlstrata: irreversible\n-- UP\n{rename}\n"
            ),
            &d
        ),
        vec![]
    );
    // Only that statement: the next is still reported.
    assert_eq!(
        lints(
            &up(&format!(
                "-- sqlstrata: allow(renaming-column)\n{rename}\nALTER TABLE posts RENAME COLUMN body TO text;"
            )),
            &d
        ),
        vec![("renaming-column", Warning)]
    );
    let (denied, problems) =
        LintConfig::parse("[lints]\ndeny = [\"renaming-column\"]\n", "sqlstrata.toml");
    assert!(problems.is_empty());
    assert_eq!(
        lints(&up(rename), &denied),
        vec![("renaming-column", Error)]
    );
    let (allowed, _) =
        LintConfig::parse("[lints]\nallow = [\"renaming-column\"]\n", "sqlstrata.toml");
    assert_eq!(lints(&up(rename), &allowed), vec![]);
    let bigint = "CREATE TABLE t (id int PRIMARY KEY);";
    let (opted, _) = LintConfig::parse(
        "[lints]\nwarn = [\"prefer-bigint-over-int\"]\n",
        "sqlstrata.toml",
    );
    assert_eq!(
        lints(&up(bigint), &opted),
        vec![("prefer-bigint-over-int", Warning)]
    );
    // The oldest server matters: before PostgreSQL 11 a constant default
    // rewrites the table too.
    let constant = "ALTER TABLE users ADD COLUMN score int DEFAULT 0;";
    let (old, _) = LintConfig::parse("[lints]\npg = 10\n", "sqlstrata.toml");
    assert_eq!(
        lints(&up(constant), &old),
        vec![("adding-field-with-default", Warning)]
    );
    // Another tracking table.
    let (table, _) = LintConfig::parse("[lints]\ntracking_table = \"history\"\n", "sqlstrata.toml");
    assert_eq!(
        lints(&up("DELETE FROM history;"), &table),
        vec![("tracking-table-write", Error)]
    );
    assert_eq!(lints(&up("DELETE FROM schema_migrations;"), &table), vec![]);
    // In a schema of its own: that schema's table, or an unqualified name.
    let (app, _) = LintConfig::parse(
        "[lints]\ntracking_table = \"app.history\"\n",
        "sqlstrata.toml",
    );
    assert_eq!(
        lints(&up("DELETE FROM app.history;"), &app),
        vec![("tracking-table-write", Error)]
    );
    assert_eq!(
        lints(&up("DELETE FROM history;"), &app),
        vec![("tracking-table-write", Error)]
    );
    assert_eq!(lints(&up("DELETE FROM public.history;"), &app), vec![]);
    // Errors cannot be allowed.
    assert_eq!(
        lints(
            &up("-- sqlstrata: allow(tracking-table-write)\nTRUNCATE schema_migrations;"),
            &d
        ),
        vec![("directive", Error), ("tracking-table-write", Error)]
    );
}

#[test]
fn a_typo_in_the_settings_is_an_error_not_a_silent_default() {
    for bad in [
        "[lints]\ndeny = [\"renaming-colum\"]\n",
        "[lints]\nallow = [\"syntax\"]\n",
        "[lints]\npgg = 13\n",
        "[lint]\n",
        "[lints]\npg = \"thirteen\"\n",
    ] {
        let (_, problems) = LintConfig::parse(bad, "m/sqlstrata.toml");
        assert_eq!(problems.len(), 1, "{bad}: {problems:?}");
        assert_eq!(problems[0].rule, "config");
    }
}

#[test]
fn a_label_used_by_a_later_migration_of_the_folder_is_named() {
    let dir = std::env::temp_dir().join(format!("sqlstrata-lints-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("001_mood.sql"),
        "-- sqlstrata: irreversible\n-- UP\nALTER TYPE mood ADD VALUE 'ecstatic';\n",
    )
    .unwrap();
    fs::write(
        dir.join("002_use.sql"),
        "-- sqlstrata: irreversible\n-- UP\nUPDATE people SET m = 'ecstatic';\n",
    )
    .unwrap();
    fs::write(dir.join("sqlstrata.toml"), "[lints]\npg = 14\n").unwrap();
    let folder = read_folder(&dir, "m");
    let found: Vec<(String, &str)> = folder
        .diagnostics
        .iter()
        .map(|d| (d.file.clone(), d.rule))
        .collect();
    assert_eq!(
        found,
        vec![("m/002_use.sql".to_string(), "enum-value-used-in-batch")]
    );
    assert!(folder.diagnostics[0].message.contains("001_mood.sql"));
    assert_eq!(
        folder.config,
        Some(dir.join("sqlstrata.toml")),
        "tracked for rebuilds"
    );
    fs::write(
        dir.join("sqlstrata.toml"),
        "[lints]\nallow = [\"enum-value-used-in-batch\"]\n",
    )
    .unwrap();
    assert!(read_folder(&dir, "m").diagnostics.is_empty());
    let _ = fs::remove_dir_all(&dir);
}

/// The noise budget, measured: every default warning of the example set
/// and of a realistic 30-migration history of a growing application, each a
/// real hazard, fewer than 0.3 per migration.
#[test]
fn warnings_on_real_histories_are_few_and_real() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let example = read_folder(&root.join("migrations"), "migrations");
    assert_eq!(example.diagnostics, vec![], "the example set is clean");

    let history = read_folder(&root.join("tests/fixtures/history"), "history");
    assert_eq!(history.migrations.len(), 30);
    let found: Vec<(&str, &str)> = history
        .diagnostics
        .iter()
        .map(|d| (d.file.trim_start_matches("history/"), d.rule))
        .collect();
    assert_eq!(
        found,
        vec![
            // text to an enum: the table is rewritten
            ("003_member_role_enum.sql", "changing-column-type"),
            // a stored generated column: the table is rewritten
            ("005_products_search.sql", "adding-field-with-default"),
            // uses 'cancelled', added by 011: the batch commits between them
            ("012_orders_cancel_reason.sql", "enum-value-used-in-batch"),
            // the running application still reads `name`
            ("016_products_rename_name.sql", "renaming-column"),
            // running code that still reads it fails
            ("025_products_drop_legacy_code.sql", "ban-drop-column"),
            // integer to bigint: the table is rewritten
            ("028_products_price_bigint.sql", "changing-column-type"),
        ]
    );
    assert!(found.len() * 10 < history.migrations.len() * 3);
    assert!(
        history
            .diagnostics
            .iter()
            .all(|d| d.severity == Severity::Warning)
    );
}

/// The README's table of rules is the rule list, word for word.
#[test]
fn the_readme_lists_every_default_rule_as_the_code_does() {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let table = sqlstrata_core::rules::readme_table();
    assert!(
        table.starts_with("| rule | level | what | why | fix |\n"),
        "{table}"
    );
    for name in [
        "transaction-control",
        "needs-no-transaction",
        "renaming-column",
    ] {
        assert!(table.contains(&format!("| `{name}` | ")), "{name}: {table}");
    }
    // Opt-in rules are not in it.
    assert!(!table.contains("| `prefer-bigint-over-int` |"), "{table}");
    assert!(
        readme.contains(&table),
        "README.md's rule table differs from core/src/rules/mod.rs; it should read:\n{table}"
    );
}

/// Each warning points at its statement's line, in every part of a file.
#[test]
fn findings_point_at_their_statement() {
    let sql = "-- sqlstrata: irreversible\n-- UP\nCREATE TABLE t (a int);\n\nSELECT 1;\nDELETE FROM schema_migrations;\nALTER TABLE users RENAME COLUMN a TO b;\nALTER TABLE users ADD COLUMN id bigserial NOT NULL;\n";
    let name = parse_file_name("002_x.sql").unwrap();
    let (_, diagnostics) =
        read_migration_with("002_x.sql", &name, "002_x.sql", sql, &LintConfig::default());
    let mut at: Vec<(&str, Option<(usize, usize)>)> =
        diagnostics.iter().map(|d| (d.rule, d.position)).collect();
    at.sort();
    assert_eq!(
        at,
        vec![
            ("adding-field-with-default", Some((8, 1))),
            ("renaming-column", Some((7, 19))),
            ("tracking-table-write", Some((6, 1))),
        ]
    );
}

#[test]
fn the_baseline_quiets_the_history_and_keeps_its_errors() {
    let (base, problems) = LintConfig::parse("[lints]\nfrom = 2\n", "sqlstrata.toml");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(base.from, Some(2));
    assert_ne!(
        base.key(),
        LintConfig::default().key(),
        "a cache entry depends on it"
    );
    let hazard = up("ALTER TABLE users RENAME COLUMN a TO b;");
    let at = |version: &str, sql: &str, config: &LintConfig| {
        let file = format!("{version}_x.sql");
        let name = parse_file_name(&file).unwrap();
        let (_, d) = read_migration_with(&file, &name, &file, sql, config);
        let mut found: Vec<(&'static str, Severity)> =
            d.iter().map(|d| (d.rule, d.severity)).collect();
        found.sort();
        found
    };
    // History (up to 2): no warning, even a denied one; errors still.
    assert_eq!(at("002", &hazard, &base), vec![]);
    assert_eq!(
        at("001", "-- UP\nSELECT 1;\n", &base),
        vec![],
        "missing-down too"
    );
    let (denied, _) = LintConfig::parse(
        "[lints]\nfrom = 2\ndeny = [\"renaming-column\"]\n",
        "sqlstrata.toml",
    );
    assert_eq!(at("002", &hazard, &denied), vec![]);
    assert_eq!(
        at(
            "002",
            &up("CREATE INDEX CONCURRENTLY i ON t (a);\nSELEC 1;"),
            &base
        ),
        vec![("needs-no-transaction", Error), ("syntax", Error)]
    );
    // After the baseline: warned as ever.
    assert_eq!(
        at("003", &hazard, &base),
        vec![("renaming-column", Warning)]
    );
    assert_eq!(
        at("003", &hazard, &denied),
        vec![("renaming-column", Error)]
    );
    // Off: every file is linted.
    assert_eq!(
        at("002", &hazard, &LintConfig::default()),
        vec![("renaming-column", Warning)]
    );
}

#[test]
fn balanced_transaction_blocks_are_allowed_in_a_no_transaction_migration_only() {
    let d = LintConfig::default();
    let ok = no_tx(
        "BEGIN;\nCREATE TABLE a (id int);\nSAVEPOINT s;\nINSERT INTO a VALUES (1);\nRELEASE SAVEPOINT s;\nCOMMIT;\nCREATE INDEX CONCURRENTLY a_id ON a (id);\nSTART TRANSACTION;\nALTER TABLE a ADD COLUMN b int;\nROLLBACK TO SAVEPOINT nowhere;\nEND;\nBEGIN;\nSELECT 1;\nROLLBACK;",
    );
    assert_eq!(lints(&ok, &d), vec![]);
    for (body, why) in [
        ("BEGIN;\nSELECT 1;", "never closed"),
        ("COMMIT;", "outside a transaction block"),
        ("SAVEPOINT s;", "outside a transaction block"),
        ("BEGIN;\nBEGIN;\nCOMMIT;", "inside a transaction block"),
        ("BEGIN;\nCOMMIT AND CHAIN;\nCOMMIT;", "in a migration"),
        ("BEGIN;\nPREPARE TRANSACTION 'x';", "in a migration"),
    ] {
        let name = parse_file_name("002_x.sql").unwrap();
        let (_, diagnostics) =
            read_migration_with("002_x.sql", &name, "002_x.sql", &no_tx(body), &d);
        let messages: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.rule == "transaction-control")
            .map(|d| d.message.clone())
            .collect();
        assert!(
            messages.iter().any(|m| m.contains(why)),
            "{body}: {messages:?}"
        );
    }
    // A statement that refuses a transaction block, inside one.
    assert_eq!(
        lints(
            &no_tx("BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;"),
            &d
        ),
        vec![("needs-no-transaction", Error)]
    );
    // In a migration that runs in a transaction, still every one.
    assert_eq!(
        lints(&up("BEGIN;\nSELECT 1;\nCOMMIT;"), &d),
        vec![
            ("transaction-control", Error),
            ("transaction-control", Error)
        ]
    );
}

#[test]
fn squawks_own_ignore_comments_are_honoured_where_they_stand() {
    // A history linted with squawk before keeps its `-- squawk-ignore`
    // comments working: the comment quiets the rule on the statement below
    // it, not elsewhere, in the first statement of a file or a later one.
    let d = LintConfig::default();
    let drop = "ALTER TABLE users DROP COLUMN legacy;";
    assert_eq!(lints(&up(drop), &d), [("ban-drop-column", Warning)]);
    assert_eq!(
        lints(
            &up(&format!("-- squawk-ignore ban-drop-column\n{drop}")),
            &d
        ),
        []
    );
    assert_eq!(
        lints(
            &up(&format!(
                "SELECT 1;\n-- squawk-ignore ban-drop-column\n{drop}\n{drop}"
            )),
            &d
        ),
        [("ban-drop-column", Warning)],
        "only the statement below the comment"
    );
}

#[test]
fn post_deploy_is_a_header_directive_of_versioned_migrations() {
    let name = parse_file_name("002_x.sql").unwrap();
    let read = |sql: &str| {
        read_migration_with("002_x.sql", &name, "002_x.sql", sql, &LintConfig::default())
    };
    let (m, d) = read(
        "-- sqlstrata: post-deploy\n-- UP\nALTER TABLE users DROP COLUMN legacy;\n-- DOWN\nALTER TABLE users ADD COLUMN legacy text;\n",
    );
    assert!(d.is_empty(), "{d:?}");
    assert!(m.unwrap().migration.is_post_deploy());
    let (m, _) = read("-- UP\nSELECT 1;\n-- DOWN\nSELECT 1;\n");
    assert!(!m.unwrap().migration.is_post_deploy());
    // Below the marker it is not the migration's header: an error that says where it goes.
    let (m, d) = read("-- UP\n-- sqlstrata: post-deploy\nSELECT 1;\n");
    assert!(m.is_none());
    assert!(
        d[0].to_string().contains("belongs in the header"),
        "{}",
        d[0]
    );
    // A repeatable has no phase.
    let r = parse_file_name("R__views.sql").unwrap();
    let (m, d) = read_migration_with(
        "R__views.sql",
        &r,
        "R__views.sql",
        "-- sqlstrata: post-deploy\nSELECT 1;\n",
        &LintConfig::default(),
    );
    assert!(m.is_none());
    assert!(
        d[0].to_string()
            .contains("does not apply to a repeatable migration"),
        "{}",
        d[0]
    );
    // Not part of the checksum: marking a migration changes when it runs, not what it ran.
    let (a, _) = read("-- UP\nSELECT 1;\n-- DOWN\nSELECT 1;\n");
    let (b, _) = read("-- sqlstrata: post-deploy\n-- UP\nSELECT 1;\n-- DOWN\nSELECT 1;\n");
    assert_eq!(
        a.unwrap().migration.checksum(),
        b.unwrap().migration.checksum()
    );
}
