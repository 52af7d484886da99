//! Every rule of a migration file and folder, as a table: file text ->
//! the rules it breaks (or the migration it makes).

use std::fs;

use sqlstrata_core::checksum::checksum;
use sqlstrata_core::migration::{Checked, read_migration};
use sqlstrata_core::naming::parse_file_name;
use sqlstrata_core::{Severity, read_folder};

/// A diagnostic as the table states it: rule, severity, (line, column).
type Found = (&'static str, Severity, Option<(usize, usize)>);

fn rules(file: &str, sql: &str) -> Vec<Found> {
    let name = parse_file_name(file).unwrap();
    let (_, diagnostics) = read_migration(file, &name, file, sql);
    diagnostics
        .iter()
        .map(|d| (d.rule, d.severity, d.position))
        .collect()
}

use Severity::{Error, Warning};

#[test]
fn each_rule_of_a_file() {
    let cases: &[(&str, &str, &[Found])] = &[
        (
            "001_a.sql",
            "-- UP\nCREATE TABLE a (id int);\n-- DOWN\nDROP TABLE a;\n",
            &[],
        ),
        ("001_a.sql", "CREATE TABLE a (id int);\n", &[]),
        (
            "001_a.sql",
            "CREATE TABLE early (id int);\n-- UP\nSELECT 1;\n-- DOWN\nSELECT 1;\n",
            &[("sql-before-up", Error, Some((1, 1)))],
        ),
        (
            "001_a.sql",
            "-- DOWN\nSELECT 1;\n-- UP\nSELECT 1;\n",
            &[("markers", Error, Some((3, 1)))],
        ),
        (
            "001_a.sql",
            "-- DOWN\nSELECT 1;\n",
            &[("markers", Error, Some((1, 1)))],
        ),
        (
            "001_a.sql",
            "-- UP\nSELECT 1;\n-- UP\nSELECT 2;\n-- DOWN\nSELECT 1;\n",
            &[("markers", Error, Some((3, 1)))],
        ),
        (
            "001_a.sql",
            "-- UP\nSELECT 1;\n-- DOWN\n-- DOWN\n",
            &[("markers", Error, Some((4, 1)))],
        ),
        (
            "001_a.sql",
            "-- UP\n-- nothing\n-- DOWN\nSELECT 1;\n",
            &[("empty-up", Warning, Some((1, 1)))],
        ),
        ("001_a.sql", "", &[("empty-up", Warning, Some((1, 1)))]),
        (
            "001_a.sql",
            "-- sqlstrata: allow(empty-up)\n-- UP\n-- nothing\n-- DOWN\n",
            &[],
        ),
        (
            "001_a.sql",
            "-- Migration: 001_b\n-- UP\nSELECT 1;\n-- DOWN\nSELECT 1;\n",
            &[("header", Error, Some((1, 15)))],
        ),
        (
            "001_a.sql",
            "-- sqlstrata: nope\n-- UP\nSELECT 1;\n-- DOWN\nSELECT 1;\n",
            &[("directive", Error, Some((1, 1)))],
        ),
        (
            "001_a.sql",
            "-- UP\nSELECT 1;\n-- sqlstrata: unchecked\n-- DOWN\nSELECT 1;\n",
            &[("directive", Error, Some((3, 1)))],
        ),
        (
            "001_a.sql",
            "-- UP\nSELECT 1 FROM;\n-- DOWN\nSELECT 1;\n",
            &[("syntax", Error, Some((2, 14)))],
        ),
        (
            "001_a.sql",
            "-- UP\nSELECT 'a\n-- DOWN\nSELECT 1;\n",
            &[("unterminated", Error, Some((2, 8)))],
        ),
        (
            "001_a.sql",
            "-- UP\nCOMMIT;\n-- DOWN\nSELECT 1;\n",
            &[("transaction-control", Error, Some((2, 1)))],
        ),
        (
            "001_a.sql",
            "-- sqlstrata: no-transaction\n-- UP\nCOMMIT;\n-- DOWN\nSELECT 1;\n",
            &[("transaction-control", Error, Some((3, 1)))],
        ),
        (
            "001_a.sql",
            "-- sqlstrata: no-transaction\n-- UP\nSELECT 1;\n-- DOWN\nBEGIN;\nSELECT 1;\nEND;\n",
            &[],
        ),
        (
            "001_a.sql",
            "-- sqlstrata: no-transaction\n-- UP\nSELECT 1;\nEND;\n-- DOWN\nBEGIN;\nSELECT 1;\n",
            &[
                ("transaction-control", Error, Some((4, 1))),
                ("transaction-control", Error, Some((6, 1))),
            ],
        ),
        (
            "001_a.sql",
            "-- UP\nVACUUM t;\n-- DOWN\nSELECT 1;\n",
            &[("needs-no-transaction", Error, Some((2, 1)))],
        ),
        (
            "001_a.sql",
            "-- sqlstrata: no-transaction\n-- UP\nVACUUM t;\n",
            &[("missing-down", Warning, Some((2, 1)))],
        ),
        (
            "001_a.sql",
            "-- sqlstrata: irreversible\n-- UP\nSELECT 1;\n-- DOWN\nSELECT 2;\n",
            &[("irreversible", Error, Some((4, 1)))],
        ),
        (
            "001_a.sql",
            "-- sqlstrata: irreversible\n-- UP\nSELECT 1;\n",
            &[],
        ),
        (
            "001_a.sql",
            "-- sqlstrata: allow(missing-down)\n-- UP\nSELECT 1;\n",
            &[],
        ),
        (
            "001_a.sql",
            "-- UP\nALTER TABLE t ADD COLUMN c int NOT NULL;\n-- DOWN\nSELECT 1;\n",
            &[("adding-required-field", Warning, Some((2, 15)))],
        ),
        (
            "001_a.sql",
            "-- UP\n-- sqlstrata: allow(adding-required-field)\nALTER TABLE t ADD COLUMN c int NOT NULL;\n-- DOWN\nSELECT 1;\n",
            &[],
        ),
        (
            "001_a.sql",
            "-- UP\n-- sqlstrata: unchecked\nFROB THE DATABASE;\n-- DOWN\nSELECT 1;\n",
            &[],
        ),
        // Every problem of a file is reported, not only the first.
        (
            "001_a.sql",
            "-- UP\nSELEC 1;\nCOMMIT;\n-- DOWN\nDROP TABEL a;\n",
            &[
                ("transaction-control", Error, Some((3, 1))),
                ("syntax", Error, Some((2, 1))),
                ("syntax", Error, Some((5, 6))),
            ],
        ),
    ];
    let mut wrong = Vec::new();
    for (file, sql, want) in cases {
        let mut got = rules(file, sql);
        let mut want = want.to_vec();
        got.sort();
        want.sort();
        if got != want {
            wrong.push(format!("{sql:?}\n  got  {got:?}\n  want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_migration_holds_what_the_runtime_needs() {
    let sql = "-- Migration: 002_add_avatar\n-- Description: Add avatar\n-- Created: 2026-01-20\n-- sqlstrata: no-transaction\n\n-- UP\nALTER TABLE users ADD COLUMN avatar_url TEXT;\nCREATE INDEX CONCURRENTLY i ON users (avatar_url);\nDO $$ BEGIN NULL; END $$;\n\n-- DOWN\nDROP INDEX CONCURRENTLY i;\nALTER TABLE users DROP COLUMN avatar_url;\n";
    let name = parse_file_name("002_add_avatar.sql").unwrap();
    let (m, d) = read_migration("m/002_add_avatar.sql", &name, "002_add_avatar.sql", sql);
    assert_eq!(d, vec![]);
    let source = m.unwrap();
    let m = &source.migration;
    assert_eq!((m.version(), m.name()), (2, "add_avatar"));
    assert_eq!(m.description(), Some("Add avatar"));
    assert_eq!(source.created.as_deref(), Some("2026-01-20"));
    assert!(m.is_no_transaction());
    let lines: Vec<u32> = m.up().iter().map(|s| s.line()).collect();
    assert_eq!(lines, vec![7, 8, 9]);
    assert_eq!(
        source.checked[2],
        Checked::GrammarOnly,
        "sqlparser cannot parse DO"
    );
    assert_eq!(
        m.down().unwrap()[1].sql(),
        "ALTER TABLE users DROP COLUMN avatar_url"
    );
    let m = &source;
    assert_eq!(
        m.beyond_sqlparser().count(),
        2,
        "DO and DROP INDEX CONCURRENTLY"
    );
}

#[test]
fn checksums_are_of_what_runs() {
    let name = parse_file_name("001_a.sql").unwrap();
    let read = |sql: &str| {
        read_migration("a", &name, "001_a.sql", sql)
            .0
            .unwrap()
            .migration
            .checksum()
            .to_owned()
    };
    // CRLF inside a multi-line statement, not only where trimming removes it.
    let lf = read("-- UP\nCREATE TABLE a (\n  id int,\n  b text\n);\n-- DOWN\nDROP TABLE a;\n");
    let crlf = read(
        "\u{feff}-- UP\r\nCREATE TABLE a (\r\n  id int,\r\n  b text\r\n);\r\n-- DOWN\r\nDROP TABLE a;\r\n",
    );
    assert_eq!(lf, crlf, "a Windows checkout is not a changed migration");
    assert_eq!(
        lf,
        checksum(&["CREATE TABLE a (\n  id int,\n  b text\n)"], false),
        "the checksum is of the statements"
    );
    // What does not run does not count.
    for same in [
        "-- Description: now described\n-- UP\nCREATE TABLE a (\n  id int,\n  b text\n);\n-- DOWN\nDROP TABLE a;\n",
        "-- UP\n-- a comment\nCREATE TABLE a (\n  id int,\n  b text\n);\n\n\n-- DOWN\nDROP TABLE IF EXISTS a CASCADE;\n",
        "CREATE TABLE a (\n  id int,\n  b text\n);\n",
        "-- sqlstrata: allow(missing-down)\n-- UP\nCREATE TABLE a (\n  id int,\n  b text\n);\n",
    ] {
        assert_eq!(read(same), lf, "{same:?}");
    }
    // What runs does: the statements, their text, the transaction mode.
    for changed in [
        "-- UP\nCREATE TABLE a (\n  id bigint,\n  b text\n);\n-- DOWN\nDROP TABLE a;\n",
        "-- UP\nCREATE TABLE a (\n  id int,\n  b text\n);\nSELECT 1;\n-- DOWN\nDROP TABLE a;\n",
        "-- UP\nCREATE TABLE a (\n  id int, b text\n);\n-- DOWN\nDROP TABLE a;\n",
        "-- sqlstrata: no-transaction\n-- UP\nCREATE TABLE a (\n  id int,\n  b text\n);\n-- DOWN\nDROP TABLE a;\n",
    ] {
        assert_ne!(read(changed), lf, "{changed:?}");
    }
}

#[test]
fn folder_rules() {
    let dir = std::env::temp_dir().join(format!("sqlstrata-folder-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let ok = "-- UP\nSELECT 1;\n-- DOWN\nSELECT 1;\n";
    for f in [
        "001_a.sql",
        "0001_b.sql",
        "008_gap.sql",
        "1_short.sql",
        "01_two_digits.sql",
        "016-dashes.sql",
        "002_Upper.sql",
        "003_x.SQL",
    ] {
        fs::write(dir.join(f), ok).unwrap();
    }
    fs::write(dir.join("README.md"), "not sql").unwrap();
    fs::create_dir_all(dir.join("009_a_folder.sql")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let elsewhere = dir.join("elsewhere.txt");
        fs::write(&elsewhere, ok).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.join("010_linked.sql")).unwrap();
        std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("011_dangling.sql")).unwrap();
        let bad = std::ffi::OsStr::from_bytes(b"012_caf\xe9.sql");
        fs::write(dir.join(bad), ok).unwrap();
    }
    let folder = read_folder(&dir, "m");
    let versions: Vec<i64> = folder.migrations.iter().map(|m| m.version()).collect();
    assert_eq!(versions, vec![1, 8, 10], "a symlink to a file is followed");
    let found: Vec<(String, &str, String)> = folder
        .diagnostics
        .iter()
        .map(|d| (d.file.clone(), d.rule, d.message.clone()))
        .collect();
    let want: Vec<(String, &str, &str)> = vec![
        (
            "m/001_a.sql".into(),
            "duplicate-version",
            "version 1 is used twice",
        ),
        (
            "m/002_Upper.sql".into(),
            "file-name",
            "the name `Upper` is not snake_case",
        ),
        (
            "m/003_x.SQL".into(),
            "file-name",
            "the extension must be `.sql` in lower case",
        ),
        (
            "m/009_a_folder.sql".into(),
            "file-name",
            "a directory named like a migration file",
        ),
        (
            "m/011_dangling.sql".into(),
            "file-name",
            "a symbolic link whose target cannot be read",
        ),
        (
            "m/012_caf\u{fffd}.sql".into(),
            "file-name",
            "the file name is not valid UTF-8",
        ),
        (
            "m/016-dashes.sql".into(),
            "file-name",
            "bad migration file name",
        ),
        (
            "m/01_two_digits.sql".into(),
            "file-name",
            "the version `01` has fewer than three digits",
        ),
        (
            "m/1_short.sql".into(),
            "file-name",
            "the version `1` has fewer than three digits",
        ),
    ];
    assert_eq!(found.len(), want.len(), "{found:#?}");
    for ((file, rule, message), (wfile, wrule, wmessage)) in found.iter().zip(&want) {
        assert_eq!((file, rule), (wfile, wrule), "{found:#?}");
        assert!(
            message.contains(wmessage),
            "{file}: {message:?} should say {wmessage:?}"
        );
    }
    assert!(folder.has_errors());
    assert_eq!(
        folder.files.len(),
        8,
        "every regular .sql file (or link to one) is tracked for rebuilds"
    );
    let _ = fs::remove_dir_all(&dir);
    assert!(
        read_folder(&dir, "m").has_errors(),
        "a missing folder is an error"
    );
}
