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
            &[],
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
            &[("not-null-without-default", Warning, Some((2, 1)))],
        ),
        (
            "001_a.sql",
            "-- UP\n-- sqlstrata: allow(not-null-without-default)\nALTER TABLE t ADD COLUMN c int NOT NULL;\n-- DOWN\nSELECT 1;\n",
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
    let m = m.unwrap();
    assert_eq!((m.version, m.name.as_str()), (2, "add_avatar"));
    assert_eq!(m.description.as_deref(), Some("Add avatar"));
    assert_eq!(m.created.as_deref(), Some("2026-01-20"));
    assert!(m.no_transaction);
    let lines: Vec<usize> = m.up.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![7, 8, 9]);
    assert_eq!(
        m.up[2].checked,
        Checked::GrammarOnly,
        "sqlparser cannot parse DO"
    );
    assert_eq!(
        m.down.as_ref().unwrap()[1].sql,
        "ALTER TABLE users DROP COLUMN avatar_url"
    );
    assert_eq!(
        m.beyond_sqlparser().count(),
        2,
        "DO and DROP INDEX CONCURRENTLY"
    );
}

#[test]
fn checksums_ignore_line_endings_bom_and_the_down_section() {
    let name = parse_file_name("001_a.sql").unwrap();
    let read = |sql: &str| {
        read_migration("a", &name, "001_a.sql", sql)
            .0
            .unwrap()
            .checksum
    };
    let lf = read("-- UP\nCREATE TABLE a (id int);\n-- DOWN\nDROP TABLE a;\n");
    let crlf = read("\u{feff}-- UP\r\nCREATE TABLE a (id int);\r\n-- DOWN\r\nDROP TABLE a;\r\n");
    let other_down =
        read("-- UP\nCREATE TABLE a (id int);\n\n-- DOWN\nDROP TABLE IF EXISTS a CASCADE;\n");
    let other_up = read("-- UP\nCREATE TABLE a (id bigint);\n-- DOWN\nDROP TABLE a;\n");
    assert_eq!(lf, crlf);
    assert_eq!(lf, other_down);
    assert_ne!(lf, other_up);
    assert_eq!(lf, checksum("CREATE TABLE a (id int);"));
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
        "016-dashes.sql",
        "002_Upper.sql",
        "003_x.SQL",
    ] {
        fs::write(dir.join(f), ok).unwrap();
    }
    fs::write(dir.join("README.md"), "not sql").unwrap();
    fs::create_dir_all(dir.join("009_a_folder.sql")).unwrap();
    let folder = read_folder(&dir, "m");
    let versions: Vec<i64> = folder.migrations.iter().map(|m| m.version).collect();
    assert_eq!(versions, vec![1, 8]);
    let mut found: Vec<(String, &str)> = folder
        .diagnostics
        .iter()
        .map(|d| (d.file.clone(), d.rule))
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("m/001_a.sql".to_string(), "duplicate-version"),
            ("m/002_Upper.sql".to_string(), "file-name"),
            ("m/003_x.SQL".to_string(), "file-name"),
            ("m/016-dashes.sql".to_string(), "file-name"),
            ("m/1_short.sql".to_string(), "file-name"),
        ]
    );
    assert!(folder.has_errors());
    assert_eq!(
        folder.files.len(),
        7,
        "every .sql file is read, none skipped"
    );
    let _ = fs::remove_dir_all(&dir);
    assert!(
        read_folder(&dir, "m").has_errors(),
        "a missing folder is an error"
    );
}
