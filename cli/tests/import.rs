//! `sqlstrata import` and `sqlstrata adopt` for every tool and hand-written
//! runner users come from, against real PostgreSQL: a folder in the tool's
//! format, a database whose history table the tool's documented schema and
//! rows describe (written here by hand from the documentation; none of the
//! tools is a dependency), then import, adopt, `status`, `up`, `rollback`.

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

fn dir(tag: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("import-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(d.join("old")).unwrap();
    d
}

fn write(root: &Path, files: &[(&str, &str)]) {
    for (name, content) in files {
        let path = root.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
}

fn sqlstrata(work: &Path, url: &str, args: &[&str]) -> Output {
    let mut c = bin();
    c.current_dir(work).args(["--dir", "migrations"]);
    // `import` connects to nothing: no connection option there.
    if args.first() != Some(&"import") {
        c.args(["--database-url", url]);
    }
    c.args(args).output().unwrap()
}

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

fn tables(c: &mut postgres::Client) -> Vec<String> {
    c.query(
        "SELECT relname::text FROM pg_class WHERE relname IN ('a', 'b', 'c', 'a_id') ORDER BY 1",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

struct Case {
    tool: &'static str,
    files: Vec<(&'static str, &'static str)>,
    /// The tool's history table and rows, as its documentation describes.
    history: &'static str,
    /// The old table is named `schema_migrations`, like ours.
    same_name: bool,
    /// Every migration has a DOWN.
    reversible: bool,
    /// The migrations of the last batch (those a rollback undoes).
    last_batch: usize,
}

/// `flyway_schema_history` as Flyway creates it, with the rows of three
/// applied versions (its checksums are CRC32s of its own).
const FLYWAY_HISTORY: &str = "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INTEGER, installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INTEGER NOT NULL, success BOOLEAN NOT NULL);
    CREATE INDEX flyway_schema_history_s_idx ON flyway_schema_history (success);
    INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES
    (1, '1', 'Create a', 'SQL', 'V1__Create_a.sql', -1291748532, 'postgres', 5, true),
    (2, '2', 'Create b', 'SQL', 'V2__Create_b.sql', 1887442397, 'postgres', 7, true),
    (3, '3', 'Create c', 'SQL', 'V3__Create_c.sql', 95014128, 'postgres', 4, true)";

/// What each tool ran: the schema its history says is there.
const SCHEMA: &str = "CREATE TABLE a (id int); CREATE TABLE b (id int); CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$; CREATE TABLE c (id int)";

fn cases() -> Vec<Case> {
    vec![
        Case {
            tool: "sqlx",
            files: vec![
                ("20240101000001_create_a.up.sql", "CREATE TABLE a (id int);\n"),
                ("20240101000001_create_a.down.sql", "DROP TABLE a;\n"),
                ("20240101000002_create_b.up.sql", "CREATE TABLE b (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"),
                ("20240101000002_create_b.down.sql", "DROP FUNCTION f();\nDROP TABLE b;\n"),
                ("20240101000003_create_c.up.sql", "-- no-transaction\nCREATE TABLE c (id int);\n"),
                ("20240101000003_create_c.down.sql", "DROP TABLE c;\n"),
            ],
            history: "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);
                INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES
                (20240101000001, 'create a', true, '\\x00', 1), (20240101000002, 'create b', true, '\\x00', 1), (20240101000003, 'create c', true, '\\x00', 1)",
            same_name: false,
            reversible: true,
            last_batch: 3,
        },
        Case {
            tool: "refinery",
            files: vec![
                ("V1__create_a.sql", "CREATE TABLE a (id int);\n"),
                ("V2__create_b.sql", "CREATE TABLE b (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"),
                ("V3__create_c.sql", "CREATE TABLE c (id int);\n"),
            ],
            history: "CREATE TABLE refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255));
                INSERT INTO refinery_schema_history VALUES (1, 'create_a', '2024-01-01T10:00:00.5Z', '1'), (2, 'create_b', '2024-01-01T10:00:01Z', '2'), (3, 'create_c', '2024-01-01T10:00:02Z', '3')",
            same_name: false,
            reversible: false,
            last_batch: 3,
        },
        Case {
            tool: "diesel",
            files: vec![
                ("2024-01-01-000001_create_a/up.sql", "CREATE TABLE a (id int);\n"),
                ("2024-01-01-000001_create_a/down.sql", "DROP TABLE a;\n"),
                ("2024-01-01-000002_create_b/up.sql", "CREATE TABLE b (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"),
                ("2024-01-01-000002_create_b/down.sql", "DROP FUNCTION f();\nDROP TABLE b;\n"),
                ("2024-01-01-000003_create_c/up.sql", "CREATE TABLE c (id int);\n"),
                ("2024-01-01-000003_create_c/down.sql", "DROP TABLE c;\n"),
                ("2024-01-01-000003_create_c/metadata.toml", "run_in_transaction = false\n"),
            ],
            history: "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
                INSERT INTO __diesel_schema_migrations (version) VALUES ('20240101000001'), ('20240101000002'), ('20240101000003')",
            same_name: false,
            reversible: true,
            last_batch: 3,
        },
        Case {
            tool: "goose",
            files: vec![
                ("00001_create_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n\n-- +goose Down\nDROP TABLE a;\n"),
                ("00002_create_b.sql", "-- +goose Up\nCREATE TABLE b (id int);\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n-- +goose StatementEnd\n\n-- +goose Down\nDROP FUNCTION f();\nDROP TABLE b;\n"),
                ("00003_create_c.sql", "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE c (id int);\n-- +goose Down\nDROP TABLE c;\n"),
            ],
            // Version 4 was applied and rolled back: its last row says not applied.
            history: "CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL DEFAULT now());
                INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (3, true), (4, true), (4, false)",
            same_name: false,
            reversible: true,
            last_batch: 3,
        },
        Case {
            tool: "dbmate",
            files: vec![
                ("20240101000001_create_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n"),
                ("20240101000002_create_b.sql", "-- migrate:up\nCREATE TABLE b (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n\n-- migrate:down\nDROP FUNCTION f();\nDROP TABLE b;\n"),
                ("20240101000003_create_c.sql", "-- migrate:up transaction:false\nCREATE TABLE c (id int);\n\n-- migrate:down\nDROP TABLE c;\n"),
            ],
            history: "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
                INSERT INTO schema_migrations VALUES ('20240101000001'), ('20240101000002'), ('20240101000003')",
            same_name: true,
            reversible: true,
            last_batch: 3,
        },
        Case {
            tool: "golang-migrate",
            files: vec![
                ("1_create_a.up.sql", "CREATE TABLE a (id int);\n"),
                ("1_create_a.down.sql", "DROP TABLE a;\n"),
                ("2_create_b.up.sql", "CREATE TABLE b (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"),
                ("2_create_b.down.sql", "DROP FUNCTION f();\nDROP TABLE b;\n"),
                ("3_create_c.up.sql", "CREATE TABLE c (id int);\n"),
                ("3_create_c.down.sql", "DROP TABLE c;\n"),
            ],
            history: "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
                INSERT INTO schema_migrations VALUES (3, false)",
            same_name: true,
            reversible: true,
            last_batch: 3,
        },
        // Flyway: V and U (undo) files; its history as Flyway 10 creates it.
        Case {
            tool: "flyway",
            files: vec![
                ("V1__Create_a.sql", "CREATE TABLE a (id int);\n"),
                ("U1__Create_a.sql", "DROP TABLE a;\n"),
                ("V2__Create_b.sql", "CREATE TABLE b (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"),
                ("U2__Create_b.sql", "DROP FUNCTION f();\nDROP TABLE b;\n"),
                ("V3__Create_c.sql", "CREATE TABLE c (id int);\n"),
                ("U3__Create_c.sql", "DROP TABLE c;\n"),
            ],
            history: FLYWAY_HISTORY,
            same_name: false,
            reversible: true,
            last_batch: 3,
        },
        // Seed 000: `-- UP MIGRATION` / `-- DOWN MIGRATION`; schema_migrations(id, name, applied_at).
        Case {
            tool: "sql",
            files: vec![
                ("001_create_a.sql", "-- UP MIGRATION\n\nCREATE TABLE a (id int);\n\n-- DOWN MIGRATION\n\nDROP TABLE IF EXISTS a CASCADE;\n"),
                ("002_create_b.sql", "-- UP MIGRATION\n\nCREATE TABLE b (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n\n-- DOWN MIGRATION\n\nDROP FUNCTION f();\nDROP TABLE b;\n"),
                ("003_create_c.sql", "-- UP MIGRATION\nCREATE TABLE c (id int);\n-- DOWN MIGRATION\nDROP TABLE c;\n"),
            ],
            history: "CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW());
                INSERT INTO schema_migrations (id, name) VALUES (1, 'create_a'), (2, 'create_b'), (3, 'create_c')",
            same_name: true,
            reversible: true,
            last_batch: 3,
        },
        // Seed 001: headers, no DOWN, and each file records itself.
        Case {
            tool: "sql",
            files: vec![
                ("001_create_a.sql", "-- Migration: 001_create_a\n-- Description: Create a\n-- Created: 2025-10-12\n\nCREATE TABLE a (id int);\n\n-- Record this migration (optional - system will auto-record if missing)\nINSERT INTO public.schema_migrations (version, description)\nVALUES ('001', 'Create a')\nON CONFLICT (version) DO NOTHING;\n"),
                ("002_create_b.sql", "-- Migration: 002_create_b\n-- Description: Create b\n\nCREATE TABLE b (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\nINSERT INTO public.schema_migrations (version, description) VALUES ('002', 'Create b') ON CONFLICT (version) DO NOTHING;\n"),
                ("003_create_c.sql", "-- Migration: 003_create_c\n-- Description: Create c\n\nCREATE TABLE c (id int);\n"),
            ],
            history: "CREATE TABLE public.schema_migrations (version VARCHAR(255) PRIMARY KEY, applied_at TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP, description TEXT);
                INSERT INTO schema_migrations (version, description) VALUES ('001', 'Create a'), ('002', 'Create b'), ('003', 'Create c')",
            same_name: true,
            reversible: false,
            last_batch: 3,
        },
        // Seed 002: `-- UP` / `-- DOWN`, _migrations(id, name, batch, executed_at), batches kept.
        Case {
            tool: "sql",
            files: vec![
                ("001_create_a.sql", "-- Migration: 001_create_a.sql\n-- Created: 2026-01-20\n-- Description: Create a\n\n-- UP\nCREATE TABLE a (id int);\n\n-- DOWN\nDROP TABLE a;\n"),
                ("002_create_b.sql", "-- Migration: 002_create_b.sql\n-- Description: Create b\n\n-- UP\nCREATE TABLE b (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n\n-- DOWN\nDROP FUNCTION f();\nDROP TABLE b;\n"),
                ("003_create_c.sql", "-- UP\nCREATE TABLE c (id int);\n\n-- DOWN\nDROP TABLE c;\n"),
            ],
            history: "CREATE TABLE _migrations (id SERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL, batch INTEGER NOT NULL, executed_at TIMESTAMPTZ DEFAULT NOW());
                INSERT INTO _migrations (name, batch) VALUES ('001_create_a.sql', 1), ('002_create_b.sql', 1), ('003_create_c.sql', 2)",
            same_name: false,
            reversible: true,
            last_batch: 1,
        },
        // Seed 003: headers, no markers, schema_migrations(version, filename, applied_at, checksum).
        Case {
            tool: "sql",
            files: vec![
                ("001_create_a.sql", "-- Migration: 001 - Create a\n-- Description: Create table a\n\nCREATE TABLE a (id int);\n"),
                ("002_create_b.sql", "-- Migration: 002 - Create b\n\nCREATE TABLE b (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"),
                ("003_create_c.sql", "CREATE TABLE c (id int);\n"),
            ],
            history: "CREATE TABLE schema_migrations (version VARCHAR(255) PRIMARY KEY, filename VARCHAR(255) NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT NOW(), checksum VARCHAR(64) NOT NULL);
                INSERT INTO schema_migrations (version, filename, checksum) VALUES ('001', '001_create_a.sql', 'x'), ('002', '002_create_b.sql', 'y'), ('003', '003_create_c.sql', 'z')",
            same_name: true,
            reversible: false,
            last_batch: 3,
        },
        // Seed 004: TypeScript, migrations(id, name, executed_at, batch).
        Case {
            tool: "ts",
            files: vec![
                ("001_create_a.ts", "// db/migrations/001_create_a.ts\nexport const up = `\n  CREATE TABLE a (id int);\n`;\n\nexport const down = `\n  DROP TABLE a;\n`;\n"),
                ("002_create_b.ts", "export const up = `\n  BEGIN;\n  CREATE TABLE b (id int);\n  CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n  COMMIT;\n`;\nexport const down = `DROP FUNCTION f(); DROP TABLE b;`;\n"),
                ("003_create_c.ts", "export const up = `CREATE TABLE c (id int);`;\nexport const down = `DROP TABLE c;`;\n"),
            ],
            history: "CREATE TABLE migrations (id VARCHAR(255) PRIMARY KEY, name VARCHAR(255) NOT NULL, executed_at TIMESTAMP WITH TIME ZONE, batch INTEGER NOT NULL);
                INSERT INTO migrations VALUES ('001', 'create_a', now(), 1), ('002', 'create_b', now(), 2), ('003', 'create_c', now(), 2)",
            same_name: false,
            reversible: true,
            last_batch: 2,
        },
    ]
}

#[test]
fn every_tool_imports_adopts_and_then_runs_as_sqlstrata() {
    for (n, case) in cases().into_iter().enumerate() {
        let label = format!("{} #{n}", case.tool);
        let db = Scratch::new();
        let work = dir(&format!("{}-{n}", case.tool));
        write(&work.join("old"), &case.files);
        let mut c = db.connect();
        c.batch_execute(SCHEMA).unwrap();
        c.batch_execute(case.history).unwrap();
        let old_table_rows = |c: &mut postgres::Client| -> String {
            let t = case.history.split_whitespace().nth(2).unwrap().to_string();
            format!("{t}: {}", count(c, &format!("SELECT count(*) FROM {t}")))
        };
        let old_before = old_table_rows(&mut c);

        let o = sqlstrata(&work, &db.url, &["import", "--from", case.tool, "old"]);
        assert!(o.status.success(), "{label}: {}", text(&o));
        assert!(
            text(&o).contains("imported 3 source migration(s) -> 3 file(s)"),
            "{label}: {}",
            text(&o)
        );

        let mut adopt = vec!["adopt", "--from", case.tool];
        if case.same_name {
            // Without consent: refused, and it says how.
            let o = sqlstrata(&work, &db.url, &adopt);
            assert!(!o.status.success(), "{label}");
            assert!(
                text(&o).contains("--rename-old-to"),
                "{label}: {}",
                text(&o)
            );
            adopt.extend(["--rename-old-to", "old_history"]);
        }
        let o = sqlstrata(&work, &db.url, &adopt);
        assert!(o.status.success(), "{label}: {}", text(&o));
        assert!(
            text(&o).contains("adopted 3 migration(s)"),
            "{label}: {}",
            text(&o)
        );
        // The old history is kept as it was (renamed only with consent).
        let old_after = if case.same_name {
            format!(
                "{}: {}",
                old_before.split(':').next().unwrap(),
                count(&mut c, "SELECT count(*) FROM old_history")
            )
        } else {
            old_table_rows(&mut c)
        };
        assert_eq!(old_before, old_after, "{label}");

        let o = sqlstrata(&work, &db.url, &["status", "--pending"]);
        assert!(o.status.success(), "{label}: {}", text(&o));
        assert!(
            text(&o).contains("3 migrations: 3 applied, 0 pending"),
            "{label}: {}",
            text(&o)
        );
        let o = sqlstrata(&work, &db.url, &["up"]);
        assert!(text(&o).contains("nothing to do"), "{label}: {}", text(&o));

        let o = sqlstrata(&work, &db.url, &["rollback"]);
        if case.reversible {
            assert!(o.status.success(), "{label}: {}", text(&o));
            assert!(
                text(&o).contains(&format!("reverted {} migration(s)", case.last_batch)),
                "{label}: {}",
                text(&o)
            );
            let left = tables(&mut c);
            let expected: Vec<&str> = ["a", "b", "c"][..3 - case.last_batch].to_vec();
            assert_eq!(left, expected, "{label}");
        } else {
            assert!(!o.status.success(), "{label}");
            assert!(text(&o).contains("irreversible"), "{label}: {}", text(&o));
            assert_eq!(tables(&mut c), ["a", "b", "c"], "{label}: nothing undone");
        }
    }
}

#[test]
fn imports_keep_the_transaction_mode_and_say_what_they_changed() {
    let db = Scratch::new();
    let work = dir("modes");
    write(
        &work.join("old"),
        &[(
            "20240101000001_index.up.sql",
            "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);\n",
        )],
    );
    let o = sqlstrata(&work, &db.url, &["import", "--from", "sqlx", "old"]);
    assert!(o.status.success(), "{}", text(&o));
    let file = fs::read_to_string(work.join("migrations/20240101000001_index.sql")).unwrap();
    assert!(file.contains("-- sqlstrata: no-transaction\n"), "{file}");
    assert!(file.contains("-- sqlstrata: irreversible\n"), "{file}");
    assert!(
        file.contains("CREATE INDEX CONCURRENTLY i ON t (x);"),
        "{file}"
    );

    // Seed 001's self-recording INSERT is left out, and said so.
    let work = dir("seed001");
    write(
        &work.join("old"),
        &[(
            "001_init.sql",
            "-- Migration: 001_init\n-- Description: Init\nCREATE TABLE t (x int);\nINSERT INTO public.schema_migrations (version, description)\nVALUES ('001', 'Init')\nON CONFLICT (version) DO NOTHING;\n",
        )],
    );
    let o = sqlstrata(&work, &db.url, &["import", "--from", "sql", "old"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("note: left out the statement at line 2 of the UP: it wrote the old runner's tracking table"), "{}", text(&o));
    let file = fs::read_to_string(work.join("migrations/001_init.sql")).unwrap();
    assert!(!file.contains("VALUES ('001'"), "{file}");
    assert!(
        file.contains("-- (sqlstrata import left out: INSERT INTO public.schema_migrations"),
        "{file}"
    );
    assert!(file.contains("-- Description: Init\n"), "{file}");

    // Seed 004's BEGIN ... COMMIT wrapper is taken off (ours is the transaction).
    let work = dir("wrapped");
    write(
        &work.join("old"),
        &[(
            "001_wrapped.ts",
            "export const up = `\n  BEGIN;\n  CREATE TABLE t (x int);\n  COMMIT;\n`;\n",
        )],
    );
    let o = sqlstrata(&work, &db.url, &["import", "--from", "ts", "old"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("left out `BEGIN` at line 1")
            && text(&o).contains("left out `COMMIT` at line 3"),
        "{}",
        text(&o)
    );
    let o = bin()
        .current_dir(&work)
        .args(["--dir", "migrations", "check"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn imports_refuse_what_cannot_be_converted_and_never_overwrite() {
    let db = Scratch::new();
    // A `${...}` in a TypeScript migration: the file and line.
    let work = dir("interpolated");
    write(
        &work.join("old"),
        &[(
            "001_tenant.ts",
            "const schema = 'app';\nexport const up = `\n  CREATE TABLE ${schema}.t (x int);\n`;\n",
        )],
    );
    let o = sqlstrata(&work, &db.url, &["import", "--from", "ts", "old"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("001_tenant.ts:3: `up` interpolates `${...}`"),
        "{}",
        text(&o)
    );
    assert!(!work.join("migrations").exists(), "nothing written");

    // SQL the old tool never checked: written, not dropped, and named.
    let work = dir("unchecked");
    write(
        &work.join("old"),
        &[
            (
                "001_ok.sql",
                "-- UP\nCREATE TABLE t (x int);\n-- DOWN\nDROP TABLE t;\n",
            ),
            (
                "002_typo.sql",
                "-- UP\nCREATE TABLE u (x int,);\n-- DOWN\nDROP TABLE u;\n",
            ),
        ],
    );
    let o = sqlstrata(
        &work,
        &db.url,
        &["import", "--from", "sql", "--dry-run", "old"],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("would write"), "{}", text(&o));
    assert!(
        !work.join("migrations").exists(),
        "a dry run writes nothing"
    );
    let o = sqlstrata(&work, &db.url, &["import", "--from", "sql", "old"]);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(out.contains("002_typo.sql:"), "{out}");
    assert!(
        out.contains("1 statement(s) fail sqlstrata's check (sql never checked them)"),
        "{out}"
    );
    assert!(work.join("migrations/002_typo.sql").exists());

    // A second import would overwrite: nothing is written.
    let before = fs::read_to_string(work.join("migrations/001_ok.sql")).unwrap();
    fs::write(
        work.join("migrations/001_ok.sql"),
        "-- edited\n-- UP\nSELECT 1;\n-- DOWN\n",
    )
    .unwrap();
    let o = sqlstrata(&work, &db.url, &["import", "--from", "sql", "old"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("nothing written"), "{}", text(&o));
    assert_ne!(
        fs::read_to_string(work.join("migrations/001_ok.sql")).unwrap(),
        before
    );
}

#[test]
fn adopt_refuses_a_failed_or_dirty_history_a_missing_file_and_a_used_table() {
    let db = Scratch::new();
    let mut c = db.connect();
    let work = dir("refusals");
    write(
        &work.join("old"),
        &[
            ("1_a.up.sql", "CREATE TABLE a (id int);\n"),
            ("1_a.down.sql", "DROP TABLE a;\n"),
            ("2_b.up.sql", "CREATE TABLE b (id int);\n"),
            ("2_b.down.sql", "DROP TABLE b;\n"),
        ],
    );
    let o = sqlstrata(
        &work,
        &db.url,
        &["import", "--from", "golang-migrate", "old"],
    );
    assert!(o.status.success(), "{}", text(&o));
    c.batch_execute("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (2, true)").unwrap();
    let adopt = [
        "adopt",
        "--from",
        "golang-migrate",
        "--table",
        "sqlstrata_migrations",
    ];
    let o = sqlstrata(&work, &db.url, &adopt);
    assert!(!o.status.success());
    assert!(text(&o).contains("is dirty at version 2"), "{}", text(&o));
    c.batch_execute("UPDATE schema_migrations SET version = 7, dirty = false")
        .unwrap();
    let o = sqlstrata(&work, &db.url, &adopt);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("version 7 is applied, and no imported migration has that version"),
        "{}",
        text(&o)
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_class WHERE relname = 'sqlstrata_migrations'"
        ),
        0
    );

    // sqlx: a failed migration.
    c.batch_execute("DROP TABLE schema_migrations").unwrap();
    c.batch_execute("CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL); INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (1, 'a', true, '\\x00', 1), (2, 'b', false, '\\x00', 1)").unwrap();
    let o = sqlstrata(&work, &db.url, &["adopt", "--from", "sqlx"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("says version 2 failed (success = false)"),
        "{}",
        text(&o)
    );

    // Our table already has rows: nothing is written, the old table untouched.
    c.batch_execute("UPDATE _sqlx_migrations SET success = true")
        .unwrap();
    let o = sqlstrata(&work, &db.url, &["up", "--to", "1"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = sqlstrata(&work, &db.url, &["adopt", "--from", "sqlx", "--dry-run"]);
    assert!(
        text(&o).contains("would record 001_a.sql as applied in batch 1"),
        "{}",
        text(&o)
    );
    let o = sqlstrata(&work, &db.url, &["adopt", "--from", "sqlx"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("already records 1 migration(s)"),
        "{}",
        text(&o)
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM schema_migrations"), 1);
    assert_eq!(count(&mut c, "SELECT count(*) FROM _sqlx_migrations"), 2);
}

fn check(work: &Path) -> Output {
    bin()
        .current_dir(work)
        .args(["--dir", "migrations", "check"])
        .output()
        .unwrap()
}

#[test]
fn migrations_that_share_a_version_are_refused_naming_every_file() {
    let db = Scratch::new();
    /// (tool, its files, the clashes the error must name)
    type Clash<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<&'a str>);
    let cases: Vec<Clash<'_>> = vec![
        (
            "golang-migrate",
            vec![
                ("0000_alter_table_migrations.up.sql", "SELECT 1;"),
                ("0000_create_extension_btree.up.sql", "SELECT 2;"),
                ("0000_create_extension_btree.down.sql", "SELECT 2;"),
                ("0000_create_users.up.sql", "SELECT 3;"),
                ("0001_a.up.sql", "SELECT 4;"),
                ("0001_b.up.sql", "SELECT 5;"),
                ("0002_c.up.sql", "SELECT 6;"),
            ],
            vec![
                "version 0: 0000_alter_table_migrations.up.sql, 0000_create_extension_btree.up.sql + 0000_create_extension_btree.down.sql, 0000_create_users.up.sql",
                "version 1: 0001_a.up.sql, 0001_b.up.sql",
            ],
        ),
        (
            "sqlx",
            vec![
                ("1_a.sql", "SELECT 1;"),
                ("1_b.up.sql", "SELECT 2;"),
                ("1_b.down.sql", "SELECT 2;"),
            ],
            vec!["version 1: 1_a.sql, 1_b.up.sql + 1_b.down.sql"],
        ),
        (
            "refinery",
            vec![("V1__a.sql", "SELECT 1;"), ("U1__b.sql", "SELECT 2;")],
            vec!["version 1: U1__b.sql, V1__a.sql"],
        ),
        (
            "diesel",
            vec![
                ("2024-01-01-000001_a/up.sql", "SELECT 1;"),
                ("2024-01-01-000001_b/up.sql", "SELECT 2;"),
            ],
            vec!["version 20240101000001: 2024-01-01-000001_a/, 2024-01-01-000001_b/"],
        ),
        (
            "goose",
            vec![
                ("001_a.sql", "-- +goose Up\nSELECT 1;\n"),
                ("001_b.sql", "-- +goose Up\nSELECT 2;\n"),
            ],
            vec!["version 1: 001_a.sql, 001_b.sql"],
        ),
        (
            "dbmate",
            vec![
                ("001_a.sql", "-- migrate:up\nSELECT 1;\n"),
                ("1_b.sql", "-- migrate:up\nSELECT 2;\n"),
            ],
            vec!["version 1: 001_a.sql, 1_b.sql"],
        ),
        (
            "sql",
            vec![("001_a.sql", "SELECT 1;\n"), ("001_b.sql", "SELECT 2;\n")],
            vec!["version 1: 001_a.sql, 001_b.sql"],
        ),
        (
            "ts",
            vec![
                ("001_a.ts", "export const up = `SELECT 1;`;\n"),
                ("001_b.ts", "export const up = `SELECT 2;`;\n"),
            ],
            vec!["version 1: 001_a.ts, 001_b.ts"],
        ),
    ];
    for (tool, files, clashes) in cases {
        let work = dir(&format!("clash-{tool}"));
        write(&work.join("old"), &files);
        let o = sqlstrata(&work, &db.url, &["import", "--from", tool, "old"]);
        let out = text(&o);
        assert!(!o.status.success(), "{tool}: {out}");
        assert!(out.contains("nothing was written"), "{tool}: {out}");
        for clash in clashes {
            assert!(out.contains(clash), "{tool}: `{clash}` in {out}");
        }
        assert!(!work.join("migrations").exists(), "{tool}: nothing written");
    }
}

#[test]
fn names_golang_migrate_would_not_read_are_clear_errors() {
    let db = Scratch::new();
    for (file, says) in [
        (
            "0157.up.sql",
            "0157.up.sql:1: the name has a version but no title",
        ),
        (
            "0158_add_x_up.sql",
            "0158_add_x_up.sql:1: the name ends in `_up.sql`",
        ),
    ] {
        let work = dir("badname");
        write(
            &work.join("old"),
            &[(file, "SELECT 1;"), ("0001_ok.up.sql", "SELECT 1;")],
        );
        let o = sqlstrata(
            &work,
            &db.url,
            &["import", "--from", "golang-migrate", "old"],
        );
        assert!(!o.status.success());
        assert!(text(&o).contains(says), "{}", text(&o));
        assert!(!work.join("migrations").exists());
    }
}

#[test]
fn a_golang_migrate_folder_keeps_what_each_file_meant() {
    let originals: &[(&str, &str)] = &[
        (
            "0001_create_users.up.sql",
            "CREATE TABLE users (id int PRIMARY KEY, email text);\n",
        ),
        ("0001_create_users.down.sql", "DROP TABLE users;\n"),
        (
            "0002_index_email.up.sql",
            "CREATE INDEX CONCURRENTLY users_email ON users (email);\n",
        ),
        (
            "0002_index_email.down.sql",
            "DROP INDEX CONCURRENTLY IF EXISTS users_email;\n",
        ),
        (
            "0003_blocks.up.sql",
            "BEGIN;\nCREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nCOMMIT;\n\nBEGIN;\nCREATE TABLE b (id int REFERENCES users);\nCOMMIT;\n\nBEGIN;\nALTER TABLE users ADD COLUMN name text;\nCOMMIT;\n",
        ),
        (
            "0003_blocks.down.sql",
            "BEGIN;\nALTER TABLE users DROP COLUMN name;\nDROP TABLE b;\nDROP TABLE a;\nCOMMIT;\n",
        ),
        (
            "0004_wrapped.up.sql",
            "BEGIN;\nCREATE TABLE c (id int);\nCOMMIT;\n",
        ),
        ("0004_wrapped.down.sql", "DROP TABLE c;\n"),
        ("README.md", "# migrations\n"),
    ];
    let work = dir("golang-meaning");
    write(&work.join("old"), originals);
    let db = Scratch::new();
    let o = sqlstrata(
        &work,
        &db.url,
        &["import", "--from", "golang-migrate", "old"],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("imported 4 source migration(s) -> 4 file(s) from golang-migrate"),
        "{out}"
    );
    assert!(
        out.contains("not imported: README.md: not a golang-migrate migration file"),
        "{out}"
    );
    let read = |f: &str| fs::read_to_string(work.join("migrations").join(f)).unwrap();
    let users = read("001_create_users.sql");
    assert!(
        users.contains("-- Imported from golang-migrate: 0001_create_users.up.sql + 0001_create_users.down.sql\n"),
        "each file named once: {users}"
    );
    assert!(!users.contains("no-transaction"), "{users}");
    assert!(read("002_index_email.sql").contains("-- sqlstrata: no-transaction\n"));
    assert!(out.contains("golang-migrate ran it without a transaction, and it holds a statement PostgreSQL refuses inside one"), "{out}");
    let blocks = read("003_blocks.sql");
    assert!(
        blocks.contains("-- sqlstrata: no-transaction\n"),
        "{blocks}"
    );
    assert!(
        blocks.contains("BEGIN;\nCREATE TABLE a (id int);"),
        "the blocks are kept: {blocks}"
    );
    assert!(
        out.contains("it holds 4 `BEGIN` ... `COMMIT` block(s), each kept atomic"),
        "{out}"
    );
    let wrapped = read("004_wrapped.sql");
    assert!(
        !wrapped.contains("no-transaction") && !wrapped.contains("BEGIN;"),
        "{wrapped}"
    );
    let o = check(&work);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("0 error(s), 0 warning(s)"),
        "{}",
        text(&o)
    );

    // The same end schema as golang-migrate's way: each file sent whole.
    let o = sqlstrata(&work, &db.url, &["up"]);
    assert!(o.status.success(), "{}", text(&o));
    let reference = Scratch::new();
    let mut by_hand = reference.connect();
    for (name, sql) in originals.iter().filter(|(n, _)| n.ends_with(".up.sql")) {
        by_hand
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let options = sqlstrata::Options::default();
    let ours = sqlstrata::verify::catalog_snapshot(&mut db.connect(), &options).unwrap();
    let theirs = sqlstrata::verify::catalog_snapshot(&mut by_hand, &options).unwrap();
    assert_eq!(ours, theirs);
    let rows: i64 = db
        .connect()
        .query_one("SELECT count(*) FROM a", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
    // And back down.
    let o = sqlstrata(&work, &db.url, &["reset", "--yes"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(tables(&mut db.connect()), Vec::<String>::new());
}

#[test]
fn a_long_diesel_history_is_not_linted_again() {
    let work = dir("diesel-history");
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..300 {
        let folder = format!("2020-01-01-{:06}_step_{i}", i + 1);
        let (up, down) = match i % 6 {
            0 => (
                format!("CREATE TABLE t{i} (id int, a text);\n"),
                format!("DROP TABLE t{i};\n"),
            ),
            1 => (
                format!("CREATE INDEX t{p}_a ON t{p} (a);\n", p = i - 1),
                format!("DROP INDEX t{p}_a;\n", p = i - 1),
            ),
            2 => (
                format!("ALTER TABLE t{p} RENAME COLUMN a TO b;\n", p = i - 2),
                format!("ALTER TABLE t{p} RENAME COLUMN b TO a;\n", p = i - 2),
            ),
            3 => (
                format!("ALTER TABLE t{p} ADD COLUMN c int NOT NULL;\n", p = i - 3),
                format!("ALTER TABLE t{p} DROP COLUMN c;\n", p = i - 3),
            ),
            4 => (
                format!("ALTER TABLE t{p} DROP COLUMN c;\n", p = i - 4),
                format!("ALTER TABLE t{p} ADD COLUMN c int;\n", p = i - 4),
            ),
            _ => {
                files.push((
                    format!("{folder}/metadata.toml"),
                    "run_in_transaction = false\n".into(),
                ));
                (
                    format!("CREATE INDEX CONCURRENTLY t{p}_b ON t{p} (b);\n", p = i - 5),
                    format!("DROP INDEX CONCURRENTLY t{p}_b;\n", p = i - 5),
                )
            }
        };
        files.push((format!("{folder}/up.sql"), up));
        files.push((format!("{folder}/down.sql"), down));
    }
    files.push((
        "00000000000000_diesel_initial_setup/up.sql".into(),
        "SELECT 1;\n".into(),
    ));
    files.push((
        "00000000000000_diesel_initial_setup/down.sql".into(),
        "SELECT 1;\n".into(),
    ));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write(&work.join("old"), &borrowed);
    let db = Scratch::new();
    let o = sqlstrata(&work, &db.url, &["import", "--from", "diesel", "old"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("imported 301 source migration(s) -> 301 file(s)"),
        "{out}"
    );
    assert!(out.contains("`[lints] from = 20200101000300`"), "{out}");
    assert_eq!(out.matches("warning:").count(), 0, "{out}");
    let toml = fs::read_to_string(work.join("migrations/sqlstrata.toml")).unwrap();
    assert!(toml.contains("from = 20200101000300"), "{toml}");
    // diesel's own history table is made by no migration: declared external.
    assert!(
        toml.contains("[schema]\nexternal = [\"__diesel_schema_migrations\"]"),
        "{toml}"
    );
    let o = check(&work);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("301 migration(s)") && out.contains("0 error(s), 0 warning(s)"),
        "{out}"
    );
    // Every imported migration applies, the no-transaction ones included.
    let o = sqlstrata(&work, &db.url, &["up"]);
    assert!(o.status.success(), "{}", text(&o));
    // A hazard written after the import is still warned.
    write(
        &work.join("migrations"),
        &[(
            "20990101000000_rename_again.sql",
            "-- UP\nALTER TABLE t0 RENAME COLUMN b TO d;\n-- DOWN\nALTER TABLE t0 RENAME COLUMN d TO b;\n",
        )],
    );
    let out = text(&check(&work));
    assert!(
        out.contains("0 error(s), 1 warning(s)") && out.contains("renaming-column"),
        "{out}"
    );
    // Without the baseline, the whole history is linted again.
    fs::write(work.join("migrations/sqlstrata.toml"), "").unwrap();
    let out = text(&check(&work));
    let warnings = out.matches("warning: ").count();
    assert!(warnings >= 200, "{warnings}: the history's hazards");
}

#[test]
fn a_flyway_project_keeps_its_repeatables_baseline_and_undo_and_refuses_what_failed() {
    let db = Scratch::new();
    let mut c = db.connect();
    let work = dir("flyway");
    write(
        &work.join("old"),
        &[
            ("V1__Create_a.sql", "CREATE TABLE a (id int);\n"),
            ("V2__Create_b.sql", "CREATE TABLE b (id int);\n"),
            ("V2__Create_b.sql.conf", "executeInTransaction=false\n"),
            (
                "V3__Index_b.sql",
                "CREATE INDEX CONCURRENTLY b_id ON b (id);\n",
            ),
            (
                "R__Views.sql",
                "CREATE OR REPLACE VIEW a_ids AS SELECT id FROM a;\n",
            ),
            ("README.md", "notes\n"),
        ],
    );
    let o = sqlstrata(&work, &db.url, &["import", "--from", "flyway", "old"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("wrote migrations/R__views.sql <- R__Views.sql (repeatable)"),
        "{out}"
    );
    assert!(
        out.contains("imported 4 source migration(s) -> 4 file(s)"),
        "{out}"
    );
    assert!(
        out.contains("README.md"),
        "the skipped entry is named: {out}"
    );
    let views = fs::read_to_string(work.join("migrations/R__views.sql")).unwrap();
    assert_eq!(
        views,
        "-- Migration: R__views\n-- Description: Views\n-- Imported from flyway: R__Views.sql\n\nCREATE OR REPLACE VIEW a_ids AS SELECT id FROM a;\n"
    );
    let b = fs::read_to_string(work.join("migrations/002_create_b.sql")).unwrap();
    assert!(b.contains("-- sqlstrata: no-transaction"), "its .conf: {b}");
    let index = fs::read_to_string(work.join("migrations/003_index_b.sql")).unwrap();
    assert!(index.contains("-- sqlstrata: no-transaction"), "{index}");
    let o = bin()
        .current_dir(&work)
        .args(["--dir", "migrations", "check"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));

    // What Flyway ran: 1 and 2 under a baseline at 2, then 3, then the
    // repeatable; a failed row refuses the adoption.
    c.batch_execute("CREATE TABLE a (id int); CREATE TABLE b (id int); CREATE INDEX b_id ON b (id); CREATE VIEW a_ids AS SELECT id FROM a")
        .unwrap();
    let history = FLYWAY_HISTORY
        .split(";\n")
        .take(2)
        .collect::<Vec<_>>()
        .join(";\n");
    c.batch_execute(&history).unwrap();
    c.batch_execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES
        (1, '2', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'postgres', 0, true),
        (2, '3', 'Index b', 'SQL', 'V3__Index_b.sql', 12, 'postgres', 9, false)")
        .unwrap();
    let o = sqlstrata(&work, &db.url, &["adopt", "--from", "flyway"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("says V3__Index_b.sql failed (success = false)"),
        "{}",
        text(&o)
    );
    c.batch_execute("UPDATE flyway_schema_history SET success = true; INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (3, NULL, 'Views', 'SQL', 'R__Views.sql', 77, 'postgres', 3, true)")
        .unwrap();
    let o = sqlstrata(&work, &db.url, &["adopt", "--from", "flyway"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("adopted 3 migration(s)"), "{out}");
    assert!(
        out.contains("1 repeatable migration(s) in") && out.contains("R__Views.sql"),
        "{out}"
    );
    // The repeatable runs once, at the next up, and then only when changed.
    let o = sqlstrata(&work, &db.url, &["up"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("R__views"), "{}", text(&o));
    let o = sqlstrata(&work, &db.url, &["up"]);
    assert!(text(&o).contains("nothing to do"), "{}", text(&o));
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM flyway_schema_history"),
        3
    );
}

#[test]
fn flyway_names_sqlstrata_cannot_keep_are_clear_errors() {
    for (files, says) in [
        (
            vec![("V1.a__Fix.sql", "SELECT 1;\n")],
            "V1.a__Fix.sql:1: `1.a` is not a Flyway version",
        ),
        // One version to Flyway, however it is written.
        (
            vec![
                ("V1_1__a.sql", "SELECT 1;\n"),
                ("V1.1__b.sql", "SELECT 2;\n"),
                ("V2__c.sql", "SELECT 3;\n"),
                ("V2.0__d.sql", "SELECT 4;\n"),
            ],
            "version 1.1: V1.1__b.sql, V1_1__a.sql\n  version 2: V2.0__d.sql, V2__c.sql",
        ),
        (
            vec![("U4__Undo.sql", "SELECT 1;\n")],
            "U4__Undo.sql:1: an undo migration without its versioned one (no V4__*.sql)",
        ),
        (
            vec![("V1_create.sql", "SELECT 1;\n")],
            "V1_create.sql:1: Flyway files are named V<version>__<description>.sql",
        ),
        (
            vec![
                ("R__My_View.sql", "SELECT 1;\n"),
                ("R__my_view.sql", "SELECT 2;\n"),
            ],
            "would both be R__my_view.sql",
        ),
    ] {
        let work = dir("flyway-names");
        write(&work.join("old"), &files);
        let o = bin()
            .current_dir(&work)
            .args(["--dir", "migrations", "import", "--from", "flyway", "old"])
            .output()
            .unwrap();
        assert!(!o.status.success(), "{files:?}");
        assert!(text(&o).contains(says), "{}", text(&o));
        assert!(!work.join("migrations").exists(), "nothing written");
    }
}

/// A command that connects to nothing, in `work`.
fn local(work: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(work)
        .args(["--dir", "migrations"])
        .args(args)
        .output()
        .unwrap()
}

/// The names `ran` recorded, in the order the migrations ran.
fn ran(c: &mut postgres::Client) -> Vec<String> {
    c.query("SELECT name FROM ran ORDER BY n", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// A migration's SQL that records that it ran: whatever the order, the
/// table is there.
fn records(name: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS ran (n serial PRIMARY KEY, name text NOT NULL);\nINSERT INTO ran (name) VALUES ('{name}');\n"
    )
}

/// The imported files of `work`, by version: what sqlstrata runs, in order.
fn imported_order(work: &Path) -> Vec<String> {
    let mut files: Vec<(i64, String)> = fs::read_dir(work.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".sql") && !f.starts_with("R__"))
        .map(|f| {
            let (v, rest) = f.split_once('_').unwrap();
            (
                v.parse().unwrap(),
                rest.trim_end_matches(".sql").to_string(),
            )
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, name)| name).collect()
}

#[test]
fn every_tool_keeps_its_own_order_over_versions_of_mixed_widths() {
    /// (tool, its files, the order the tool itself applies them in by its
    /// own rule, whether the versions had to be mapped to keep it)
    type Case = (&'static str, Vec<(String, String)>, Vec<&'static str>, bool);
    let sql = |names: &[(&str, &str)]| -> Vec<(String, String)> {
        names
            .iter()
            .map(|(file, name)| (file.to_string(), records(name)))
            .collect()
    };
    let goose = |names: &[(&str, &str)]| -> Vec<(String, String)> {
        names
            .iter()
            .map(|(file, name)| (file.to_string(), format!("-- +goose Up\n{}", records(name))))
            .collect()
    };
    let dbmate = |names: &[(&str, &str)]| -> Vec<(String, String)> {
        names
            .iter()
            .map(|(file, name)| {
                (
                    file.to_string(),
                    format!(
                        "-- migrate:up\n{}\n-- migrate:down\nSELECT 1;\n",
                        records(name)
                    ),
                )
            })
            .collect()
    };
    let cases: Vec<Case> = vec![
        // sqlx parses the version as an i64 and sorts numerically: 10 after 2
        // (by name, `10_c.sql` would come first).
        (
            "sqlx",
            sql(&[
                ("1_first.sql", "first"),
                ("2_b.up.sql", "b"),
                ("10_c.sql", "c"),
                ("20240101000000_d.sql", "d"),
            ]),
            vec!["first", "b", "c", "d"],
            false,
        ),
        // refinery: `V<N>`, numerically.
        (
            "refinery",
            sql(&[
                ("V1__first.sql", "first"),
                ("V2__b.sql", "b"),
                ("V10__c.sql", "c"),
                ("V100__d.sql", "d"),
            ]),
            vec!["first", "b", "c", "d"],
            false,
        ),
        // goose: int64 versions, numerically; sequential and timestamped
        // files mixed.
        (
            "goose",
            goose(&[
                ("00001_first.sql", "first"),
                ("2_b.sql", "b"),
                ("00010_c.sql", "c"),
                ("20240101000000_d.sql", "d"),
            ]),
            vec!["first", "b", "c", "d"],
            false,
        ),
        // golang-migrate: uint versions, numerically (flipt's 0..16 shape).
        (
            "golang-migrate",
            sql(&[
                ("0_initial.up.sql", "initial"),
                ("1_b.up.sql", "b"),
                ("2_c.up.sql", "c"),
                ("10_d.up.sql", "d"),
                ("11_e.up.sql", "e"),
            ]),
            vec!["initial", "b", "c", "d", "e"],
            false,
        ),
        // diesel: the version string (dashes removed) compared as text, so
        // diesel 2.2's `...-0000` versions (18 digits) sit among the older
        // 14-digit ones by date, not after all of them.
        (
            "diesel",
            vec![
                (
                    "00000000000000_diesel_initial_setup/up.sql".into(),
                    records("setup"),
                ),
                ("2019-01-01-000000_w/up.sql".into(), records("w")),
                ("2025-11-19-091444-0000_x/up.sql".into(), records("x")),
                ("2026-01-20-162913_y/up.sql".into(), records("y")),
                ("2026-02-01-000000-0000_z/up.sql".into(), records("z")),
            ],
            vec!["diesel_initial_setup", "w", "x", "y", "z"],
            true,
        ),
        // dbmate: the file names, sorted as text: `10_...` before `9_...`.
        (
            "dbmate",
            dbmate(&[
                ("000_first.sql", "first"),
                ("9_nine.sql", "nine"),
                ("10_ten.sql", "ten"),
                ("20240101000000_ts.sql", "ts"),
            ]),
            vec!["first", "ten", "ts", "nine"],
            true,
        ),
        // Flyway: part by part, numerically: 1 < 1.1 < 1.2 < 1.10 < 2.3.1 < 10.
        (
            "flyway",
            sql(&[
                ("V1__first.sql", "first"),
                ("V1_1__b.sql", "b"),
                ("V1.2__c.sql", "c"),
                ("V1_10__d.sql", "d"),
                ("V2_3_1__e.sql", "e"),
                ("V010__f.sql", "f"),
            ]),
            vec!["first", "b", "c", "d", "e", "f"],
            true,
        ),
        // The hand-written runners sort file names as text.
        (
            "sql",
            sql(&[
                ("1_first.sql", "first"),
                ("2_b.sql", "b"),
                ("10_c.sql", "c"),
            ]),
            vec!["c", "first", "b"],
            true,
        ),
        (
            "ts",
            ["1_first", "2_b", "10_c"]
                .iter()
                .map(|stem| {
                    let name = stem.split_once('_').unwrap().1;
                    (
                        format!("{stem}.ts"),
                        format!("export const up = `{}`;\n", records(name)),
                    )
                })
                .collect(),
            vec!["c", "first", "b"],
            true,
        ),
    ];
    for (tool, files, expected, mapped) in cases {
        let work = dir(&format!("order-{tool}"));
        let borrowed: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        write(&work.join("old"), &borrowed);
        let db = Scratch::new();
        let o = sqlstrata(&work, &db.url, &["import", "--from", tool, "old"]);
        let out = text(&o);
        assert!(o.status.success(), "{tool}: {out}");
        let n = expected.len();
        assert!(
            out.contains(&format!("imported {n} source migration(s) -> {n} file(s)")),
            "{tool}: nothing lost or merged: {out}"
        );
        // The files' versions say the tool's order ...
        assert_eq!(
            imported_order(&work),
            expected,
            "{tool}: the versions keep its order"
        );
        assert_eq!(
            out.contains("version mapping:"),
            mapped,
            "{tool}: mapped only when its own numbers do not keep its order: {out}"
        );
        // ... and so does a real run.
        let o = sqlstrata(&work, &db.url, &["up"]);
        assert!(o.status.success(), "{tool}: {}", text(&o));
        let ran_names = ran(&mut db.connect());
        let expected_ran: Vec<String> = expected
            .iter()
            .map(|e| {
                if *e == "diesel_initial_setup" {
                    "setup".to_string()
                } else {
                    e.to_string()
                }
            })
            .collect();
        assert_eq!(ran_names, expected_ran, "{tool}: the order it ran in");
        // A migration made afterwards sorts after all of them.
        let o = local(&work, &["create", "after_import"]);
        assert!(o.status.success(), "{tool}: {}", text(&o));
        assert_eq!(
            imported_order(&work).last().map(String::as_str),
            Some("after_import"),
            "{tool}"
        );
    }
}

#[test]
fn golang_migrate_pairs_up_and_down_by_version_whatever_their_titles() {
    let db = Scratch::new();
    let work = dir("golang-pairs");
    write(
        &work.join("old"),
        &[
            ("1_create_t.up.sql", "CREATE TABLE t (id int);\n"),
            ("1_create_t.down.sql", "DROP TABLE t;\n"),
            // One migration: golang-migrate keys both files by version 30.
            ("30_add_x.up.sql", "ALTER TABLE t ADD COLUMN x int;\n"),
            ("30_drop_x.down.sql", "ALTER TABLE t DROP COLUMN x;\n"),
            // Only a DOWN: a migration whose UP runs nothing.
            ("31_remove_y.down.sql", "CREATE TABLE y_back (id int);\n"),
            ("32_add_z.up.sql", "ALTER TABLE t ADD COLUMN z int;\n"),
            ("32_add_z.down.sql", "ALTER TABLE t DROP COLUMN z;\n"),
        ],
    );
    let o = sqlstrata(
        &work,
        &db.url,
        &["import", "--from", "golang-migrate", "old"],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("imported 4 source migration(s) -> 4 file(s)"),
        "{out}"
    );
    assert!(
        out.contains("30_add_x.up.sql and 30_drop_x.down.sql have different titles; they are the UP and DOWN of version 30"),
        "{out}"
    );
    assert!(
        out.contains("version 31 has a .down.sql and no .up.sql"),
        "{out}"
    );
    let read = |f: &str| fs::read_to_string(work.join("migrations").join(f)).unwrap();
    let pair = read("030_add_x.sql");
    assert!(
        pair.contains("-- Imported from golang-migrate: 30_add_x.up.sql + 30_drop_x.down.sql\n")
            && pair.contains(
                "-- UP\nALTER TABLE t ADD COLUMN x int;\n\n-- DOWN\nALTER TABLE t DROP COLUMN x;\n"
            ),
        "{pair}"
    );
    let down_only = read("031_remove_y.sql");
    assert!(
        down_only.contains("-- UP\n-- golang-migrate has no .up.sql for version 31: on the way up this migration runs nothing\n\n-- DOWN\nCREATE TABLE y_back (id int);\n"),
        "{down_only}"
    );
    assert!(check(&work).status.success(), "{}", text(&check(&work)));
    // Up runs 1, 30, 31 (nothing), 32; down runs each DOWN, 31's included.
    let o = sqlstrata(&work, &db.url, &["up"]);
    assert!(o.status.success(), "{}", text(&o));
    let mut c = db.connect();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name IN ('x', 'z')"
        ),
        2
    );
    let o = sqlstrata(&work, &db.url, &["down", "3"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name IN ('x', 'z')"
        ),
        0
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_class WHERE relname = 'y_back'"
        ),
        1,
        "31's DOWN ran"
    );
}

#[test]
fn every_problem_of_a_folder_is_named_in_one_run_and_nothing_is_written() {
    /// (tool, its files, what the one error must say)
    type Problems<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<&'a str>);
    let cases: Vec<Problems<'_>> = vec![
        (
            "golang-migrate",
            vec![
                ("0001_ok.up.sql", "SELECT 1;"),
                ("0002_add_x_up.sql", "SELECT 1;"),
                ("x_up.sql", "SELECT 1;"),
                ("0157.down.sql", "SELECT 1;"),
                ("0003_a.up.sql", "SELECT 1;"),
                ("0003_b.up.sql", "SELECT 1;"),
                ("0004_notes.sql", "SELECT 1;"),
            ],
            vec![
                "5 problems in the source folder, so nothing was written",
                "0002_add_x_up.sql:1: the name ends in `_up.sql`: golang-migrate reads only `.up.sql` and `.down.sql` files and would skip it; rename it `0002_add_x.up.sql`",
                "x_up.sql:1: the name ends in `_up.sql`",
                "rename it `<VERSION>_x.up.sql`",
                "0157.down.sql:1: the name has a version but no title: golang-migrate names its files `<VERSION>_<title>.down.sql`; rename it (e.g. `0157_initial.down.sql`)",
                "0004_notes.sql:1: golang-migrate reads only `<VERSION>_<title>.up.sql` and `.down.sql` files and would skip it; rename it `0004_notes.up.sql`",
                "version 3: 0003_a.up.sql, 0003_b.up.sql",
            ],
        ),
        (
            "flyway",
            vec![
                ("V1__ok.sql", "SELECT 1;"),
                ("V1.x__bad.sql", "SELECT 1;"),
                ("V2_create.sql", "SELECT 1;"),
                ("U9__orphan.sql", "SELECT 1;"),
                ("V3__a.sql", "SELECT 1;"),
                ("V3.0__b.sql", "SELECT 1;"),
                ("R__View.sql", "SELECT 1;"),
                ("R__view.sql", "SELECT 1;"),
                ("V4__Migrate.java", "class X {}"),
            ],
            vec![
                "6 problems in the source folder",
                "V1.x__bad.sql:1: `1.x` is not a Flyway version",
                "V2_create.sql:1: Flyway files are named",
                "U9__orphan.sql:1: an undo migration without its versioned one (no V9__*.sql)",
                "version 3: V3.0__b.sql, V3__a.sql",
                "would both be R__view.sql",
                "V4__Migrate.java:1: a Java migration",
            ],
        ),
        (
            "diesel",
            vec![
                ("2024-01-01-000001_a/up.sql", "SELECT 1;"),
                ("2024-01-01-000002_b/down.sql", "SELECT 1;"),
                ("notes/up.sql", "SELECT 1;"),
                ("2024-01-01-000003_c/up.sql", "SELECT 1;"),
                ("2024-01-01-000003_c/metadata.toml", "run_in_transaction = "),
            ],
            vec![
                "3 problems",
                "2024-01-01-000002_b/up.sql:1: missing",
                "notes:1: diesel folders start with a timestamp",
                "2024-01-01-000003_c/metadata.toml:1:",
            ],
        ),
    ];
    for (tool, files, says) in cases {
        let work = dir(&format!("problems-{tool}"));
        write(&work.join("old"), &files);
        let o = local(&work, &["import", "--from", tool, "old"]);
        let out = text(&o);
        assert!(!o.status.success(), "{tool}: {out}");
        for s in says {
            assert!(out.contains(s), "{tool}: `{s}` in {out}");
        }
        assert!(!work.join("migrations").exists(), "{tool}: nothing written");
    }
}

#[test]
fn flyway_dotted_versions_are_imported_in_order_and_adopted_through_the_mapping() {
    let db = Scratch::new();
    let mut c = db.connect();
    let work = dir("flyway-dotted");
    // A kestra-shaped folder: V1_1__ ... V1_12__, read 1.2 < 1.10; a plain
    // V2 after them, and a V2.1 (conductor's V13.1 shape) after that.
    let mut files: Vec<(String, String)> = Vec::new();
    for minor in 1..=12 {
        files.push((
            format!("V1_{minor}__step_{minor}.sql"),
            if minor == 1 {
                "CREATE TABLE steps (n int);\n".to_string()
            } else {
                format!("INSERT INTO steps VALUES ({minor});\n")
            },
        ));
    }
    files.push((
        "V2__two.sql".into(),
        "INSERT INTO steps VALUES (20);\n".into(),
    ));
    files.push((
        "V2.1__two_one.sql".into(),
        "INSERT INTO steps VALUES (21);\n".into(),
    ));
    files.push((
        "U2.1__two_one.sql".into(),
        "DELETE FROM steps WHERE n = 21;\n".into(),
    ));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write(&work.join("old"), &borrowed);
    let o = sqlstrata(&work, &db.url, &["import", "--from", "flyway", "old"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("imported 14 source migration(s) -> 14 file(s)"),
        "{out}"
    );
    assert!(
        out.contains("Flyway orders versions part by part, numerically (1.2 < 1.10): each part is padded to the widest of its place (1, 2 digits)"),
        "{out}"
    );
    // 1.1 -> 101, 1.10 -> 110, 2 -> 200, 2.1 -> 201: written and printed.
    assert!(
        out.contains("wrote migrations/101_step_1.sql <- V1_1__step_1.sql (version 101)")
            && out.contains("version mapping: flyway version 1.10 is version 110 here")
            && out.contains("wrote migrations/200_two.sql <- V2__two.sql (version 200)"),
        "{out}"
    );
    let two_one = fs::read_to_string(work.join("migrations/201_two_one.sql")).unwrap();
    assert!(
        two_one.contains("-- Imported from flyway: V2.1__two_one.sql + U2.1__two_one.sql\n-- Version mapping: flyway version 2.1 is version 201 here\n"),
        "{two_one}"
    );
    assert!(check(&work).status.success(), "{}", text(&check(&work)));

    // What Flyway applied: everything up to 1.10, its history's versions
    // written as Flyway writes them.
    c.batch_execute("CREATE TABLE steps (n int); INSERT INTO steps SELECT generate_series(2, 10)")
        .unwrap();
    let history = FLYWAY_HISTORY
        .split(";\n")
        .take(2)
        .collect::<Vec<_>>()
        .join(";\n");
    c.batch_execute(&history).unwrap();
    for (rank, minor) in (1..=10).enumerate() {
        c.execute(
            "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES ($1, $2, 'step', 'SQL', $3, 1, 'postgres', 1, true)",
            &[
                &(rank as i32 + 1),
                &format!("1.{minor}"),
                &format!("V1_{minor}__step_{minor}.sql"),
            ],
        )
        .unwrap();
    }
    let o = sqlstrata(&work, &db.url, &["adopt", "--from", "flyway"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("adopted 10 migration(s)"), "{out}");
    assert!(out.contains("4 imported migration(s) are pending"), "{out}");
    // Nothing it ran runs again; the rest runs, in Flyway's order.
    let o = sqlstrata(&work, &db.url, &["up"]);
    assert!(o.status.success(), "{}", text(&o));
    let steps: Vec<i32> = c
        .query("SELECT n FROM steps", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(steps, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20, 21]);
    // A migration made now sorts after all of them.
    let o = local(&work, &["create", "after_flyway"]);
    assert!(
        text(&o).contains("migrations/202_after_flyway.sql"),
        "{}",
        text(&o)
    );

    // Flyway's own rows: the schema it made (version 0) and a baseline at
    // a version no file has (1.5.5: everything up to 1.5).
    let baselined = Scratch::new();
    let mut c = baselined.connect();
    c.batch_execute(&history).unwrap();
    c.batch_execute("CREATE TABLE steps (n int); INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES
        (1, '0', '<< Flyway Schema Creation >>', 'SCHEMA', '\"public\"', NULL, 'postgres', 0, true),
        (2, '1.5.5', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'postgres', 0, true),
        (3, '1.6', 'step', 'SQL', 'V1_6__step_6.sql', 1, 'postgres', 1, true)")
        .unwrap();
    let o = sqlstrata(&work, &baselined.url, &["adopt", "--from", "flyway"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("adopted 6 migration(s)") && out.contains("recorded 105_step_5.sql"),
        "{out}"
    );

    // A history version the folder's mapping does not know is refused.
    let work = dir("flyway-unmapped");
    write(&work.join("old"), &[("V1_1__a.sql", "SELECT 1;\n")]);
    let o = sqlstrata(&work, &db.url, &["import", "--from", "flyway", "old"]);
    assert!(o.status.success(), "{}", text(&o));
    let other = Scratch::new();
    let mut c = other.connect();
    c.batch_execute(&history).unwrap();
    c.batch_execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (1, '1.2', 'b', 'SQL', 'V1_2__b.sql', 1, 'postgres', 1, true)").unwrap();
    let o = sqlstrata(&work, &other.url, &["adopt", "--from", "flyway"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains(
            "the flyway version `1.2` (its history's version of V1_2__b.sql) has no imported file"
        ),
        "{}",
        text(&o)
    );
}

#[test]
fn a_diesel_history_of_both_version_forms_is_adopted_through_the_padding() {
    let db = Scratch::new();
    let mut c = db.connect();
    let work = dir("diesel-padded");
    write(
        &work.join("old"),
        &[
            (
                "2025-11-19-091444-0000_create_a/up.sql",
                "CREATE TABLE a (id int);\n",
            ),
            (
                "2025-11-19-091444-0000_create_a/down.sql",
                "DROP TABLE a;\n",
            ),
            (
                "2026-01-20-162913_create_b/up.sql",
                "CREATE TABLE b (id int);\n",
            ),
            ("2026-01-20-162913_create_b/down.sql", "DROP TABLE b;\n"),
            (
                "2026-02-01-000000-0000_create_c/up.sql",
                "CREATE TABLE c (id int);\n",
            ),
            (
                "2026-02-01-000000-0000_create_c/down.sql",
                "DROP TABLE c;\n",
            ),
        ],
    );
    let o = sqlstrata(&work, &db.url, &["import", "--from", "diesel", "old"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("diesel orders versions as text, and these have different widths: each is padded on the right with zeros to 18 digits")
            && out.contains("version mapping: diesel version 20260120162913 is version 202601201629130000 here"),
        "{out}"
    );
    // diesel applied a and b; its table holds the version strings.
    c.batch_execute("CREATE TABLE a (id int); CREATE TABLE b (id int); CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP); INSERT INTO __diesel_schema_migrations (version) VALUES ('202511190914440000'), ('20260120162913')").unwrap();
    let o = sqlstrata(&work, &db.url, &["adopt", "--from", "diesel"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("adopted 2 migration(s)"), "{}", text(&o));
    let o = sqlstrata(&work, &db.url, &["up"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("1 migration(s)"),
        "only c runs: {}",
        text(&o)
    );
    assert_eq!(tables(&mut c), ["a", "b", "c"]);
}

/// Folders shaped like the public projects the import was tried on
/// (TESTING.md, "Coming from other tools, on real projects"): their
/// naming, widths and pairing, with SQL of our own.
#[test]
fn folders_shaped_like_real_projects_import_whole_and_in_order() {
    /// (tool, files, the stems of the imported files in order)
    type Shape = (&'static str, Vec<(String, String)>, Vec<String>);
    let mut shapes: Vec<Shape> = Vec::new();

    // diesel, lemmy-shaped: the initial setup, 14-digit versions, then
    // diesel 2.2's `-0000` ones, titles with dashes, up and down.
    let mut files = vec![(
        "00000000000000_diesel_initial_setup/up.sql".to_string(),
        records("setup"),
    )];
    let folders = [
        "2019-02-26-002946_create_user",
        "2024-12-05-233704_add-person-content-combined",
        "2025-09-12-093537_mod-reason-mandatory",
        "2025-09-19-132648-0000_theme-instance-default",
        "2026-01-08-132525-0000_community-sidebar-summary",
    ];
    for f in folders {
        files.push((format!("{f}/up.sql"), records(f)));
        files.push((format!("{f}/down.sql"), "SELECT 1;\n".to_string()));
    }
    let mut expected = vec!["000_diesel_initial_setup".to_string()];
    expected.extend(
        [
            "20190226002946_create_user",
            "20241205233704_add_person_content_combined",
            "20250912093537_mod_reason_mandatory",
            "202509191326480000_theme_instance_default",
            "202601081325250000_community_sidebar_summary",
        ]
        .map(String::from),
    );
    shapes.push(("diesel", files, expected));

    // sqlx, docs.rs-shaped: pairs, an UP alone, a title with dashes.
    shapes.push((
        "sqlx",
        vec![
            ("20231021111635_initial.up.sql".into(), records("initial")),
            (
                "20231021111635_initial.down.sql".into(),
                "SELECT 1;\n".into(),
            ),
            (
                "20240221104457_drop_releases_build_status.up.sql".into(),
                records("drop"),
            ),
            (
                "20240519141105_crate-version-name-field-length.up.sql".into(),
                records("len"),
            ),
            (
                "20240519141105_crate-version-name-field-length.down.sql".into(),
                "SELECT 1;\n".into(),
            ),
        ],
        vec![
            "20231021111635_initial".into(),
            "20240221104457_drop_releases_build_status".into(),
            "20240519141105_crate_version_name_field_length".into(),
        ],
    ));

    // dbmate, supabase/postgres-shaped: its init scripts' names (a dash
    // after the version, which dbmate reads), a 14-digit `10000000000000_`,
    // then timestamps, dashes in the titles.
    shapes.push((
        "dbmate",
        [
            "00000000000000-initial-schema.sql",
            "00000000000001-auth-schema.sql",
            "10000000000000_demote-postgres.sql",
            "20211115181400_update-auth-permissions.sql",
            "20220317095840_pg_graphql.sql",
        ]
        .iter()
        .map(|f| {
            (
                f.to_string(),
                format!("-- migrate:up\n{}\n-- migrate:down\n", records(f)),
            )
        })
        .collect(),
        vec![
            "000_initial_schema".into(),
            "001_auth_schema".into(),
            "10000000000000_demote_postgres".into(),
            "20211115181400_update_auth_permissions".into(),
            "20220317095840_pg_graphql".into(),
        ],
    ));

    // Flyway, conductor-shaped: plain versions with one dotted (V13.1)
    // among them: mapped to 10, 20, ..., 131, 140.
    let mut files: Vec<(String, String)> = (1..=12)
        .map(|v| (format!("V{v}__step_{v}.sql"), records(&format!("{v}"))))
        .collect();
    files.push(("V13.1__workflow_index_columns.sql".into(), records("13.1")));
    files.push(("V14__parent_workflow_id.sql".into(), records("14")));
    let mut expected: Vec<String> = (1..=12)
        .map(|v| format!("{:03}_step_{v}", v * 10))
        .collect();
    expected.push("131_workflow_index_columns".into());
    expected.push("140_parent_workflow_id".into());
    shapes.push(("flyway", files, expected));

    // refinery, peerdb-shaped: V1 .. V55, numerically.
    let files: Vec<(String, String)> = [1, 2, 9, 10, 11, 55]
        .iter()
        .map(|v| (format!("V{v}__m{v}.sql"), records(&format!("{v}"))))
        .collect();
    let expected = [1, 2, 9, 10, 11, 55]
        .iter()
        .map(|v| format!("{v:03}_m{v}"))
        .collect();
    shapes.push(("refinery", files, expected));

    for (tool, files, expected) in shapes {
        let work = dir(&format!("shape-{tool}"));
        let borrowed: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        write(&work.join("old"), &borrowed);
        let db = Scratch::new();
        let o = sqlstrata(&work, &db.url, &["import", "--from", tool, "old"]);
        let out = text(&o);
        assert!(o.status.success(), "{tool}: {out}");
        let n = expected.len();
        assert!(
            out.contains(&format!("imported {n} source migration(s) -> {n} file(s)")),
            "{tool}: {out}"
        );
        let mut stems: Vec<String> = fs::read_dir(work.join("migrations"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|f| f.strip_suffix(".sql").map(str::to_string))
            .collect();
        stems.sort_by_key(|s| s.split('_').next().unwrap().parse::<i64>().unwrap());
        assert_eq!(stems, expected, "{tool}");
        assert!(
            check(&work).status.success(),
            "{tool}: {}",
            text(&check(&work))
        );
        let o = sqlstrata(&work, &db.url, &["up"]);
        assert!(o.status.success(), "{tool}: {}", text(&o));
        assert_eq!(ran(&mut db.connect()).len(), n, "{tool}");
    }
}

#[test]
fn a_hand_written_history_is_adopted_through_the_mapping_of_its_name_order() {
    // The runner sorted file names as text: `10_c.sql` ran first. The
    // imported versions keep that order (c, first, b), and its history's
    // ids 1 and 10 are c and first, not first and whatever is now 1.
    let db = Scratch::new();
    let mut c = db.connect();
    let work = dir("sql-mapped");
    write(
        &work.join("old"),
        &[
            (
                "1_first.sql",
                "-- UP\nCREATE TABLE a (id int);\n-- DOWN\nDROP TABLE a;\n",
            ),
            (
                "2_b.sql",
                "-- UP\nCREATE TABLE b (id int);\n-- DOWN\nDROP TABLE b;\n",
            ),
            (
                "10_c.sql",
                "-- UP\nCREATE TABLE c (id int);\n-- DOWN\nDROP TABLE c;\n",
            ),
        ],
    );
    let o = sqlstrata(&work, &db.url, &["import", "--from", "sql", "old"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(imported_order(&work), ["c", "first", "b"]);
    c.batch_execute("CREATE TABLE c (id int); CREATE TABLE a (id int); CREATE TABLE _migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW()); INSERT INTO _migrations (id, name) VALUES (10, 'c'), (1, 'first')").unwrap();
    let o = sqlstrata(&work, &db.url, &["adopt", "--from", "sql"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("recorded 001_c.sql as applied")
            && out.contains("recorded 002_first.sql as applied"),
        "{out}"
    );
    let o = sqlstrata(&work, &db.url, &["up"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(tables(&mut c), ["a", "b", "c"]);
}
