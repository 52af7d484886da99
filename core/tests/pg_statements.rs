//! Every statement of `data/pg-statements.sql` (132 common migration
//! statements that PostgreSQL accepts) through the validator: PostgreSQL's
//! grammar accepts every one, none needs `-- sqlstrata: unchecked`, and
//! sqlparser's tree is there for most of them (the rest are "beyond
//! sqlparser", counted by `sqlstrata check`).

use sqlstrata_core::migration::{Checked, read_migration};
use sqlstrata_core::naming::parse_file_name;

const STATEMENTS: &str = include_str!("data/pg-statements.sql");

fn entries() -> Vec<String> {
    STATEMENTS
        .split("\n--#\n")
        .map(|e| {
            e.lines()
                .filter(|l| !l.starts_with("-- "))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|e| !e.trim().is_empty())
        .collect()
}

#[test]
fn postgresql_accepts_them_all_and_so_do_we() {
    let entries = entries();
    assert_eq!(entries.len(), 132);
    let name = parse_file_name("001_x.sql").unwrap();
    let (mut parsed, mut grammar_only) = (0, 0);
    let mut rejected = Vec::new();
    for e in &entries {
        let file =
            format!("-- sqlstrata: no-transaction\n-- sqlstrata: irreversible\n-- UP\n{e}\n");
        let (migration, diagnostics) = read_migration("x.sql", &name, "001_x.sql", &file);
        // The grammar's verdict; rules about what a migration may do (a
        // `BEGIN` entry is a `transaction-control` error) are not syntax.
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.is_error() && matches!(d.rule, "syntax" | "unterminated" | "unchecked"))
            .map(|d| d.to_string())
            .collect();
        if !errors.is_empty() {
            rejected.push(errors.join("\n"));
            continue;
        }
        let Some(m) = migration else {
            continue;
        };
        for (_, checked) in m.statements() {
            match checked {
                Checked::Parsed => parsed += 1,
                Checked::GrammarOnly => grammar_only += 1,
                Checked::Unchecked => panic!("nothing here is marked unchecked: {e}"),
                Checked::Grammar => panic!("a read that asks sqlparser too: {e}"),
            }
        }
    }
    assert!(rejected.is_empty(), "rejected:\n{}", rejected.join("\n\n"));
    println!("parsed by both: {parsed}, beyond sqlparser: {grammar_only}");
    // sqlparser 0.63 knows most of them; the rest only the grammar judges.
    assert!(
        parsed > 80 && grammar_only > 30,
        "{parsed} / {grammar_only}"
    );
}

/// Every default warning `pg-statements.sql` earns, one migration per entry:
/// each is a hazard to an existing table (none of them creates its table).
const WARNINGS: &[(&str, &str)] = &[
    (
        "require-concurrent-index-creation",
        "CREATE UNIQUE INDEX i ON t (lower(c)) INCLUDE (d) WHERE deleted_at IS NULL;",
    ),
    (
        "require-concurrent-index-creation",
        "CREATE UNIQUE INDEX i ON t (a) NULLS NOT DISTINCT;",
    ),
    (
        "constraint-missing-not-valid",
        "ALTER TABLE t ADD CONSTRAINT c NOT NULL col;",
    ),
    (
        "changing-column-type",
        "ALTER TABLE t ALTER COLUMN c TYPE bigint USING c::bigint;",
    ),
    (
        "ban-drop-column",
        "ALTER TABLE IF EXISTS ONLY t DROP COLUMN IF EXISTS c CASCADE;",
    ),
    ("ban-drop-table", "DROP TABLE a, b CASCADE;"),
    ("session-setting", "SET search_path = public;"),
];

#[test]
fn the_default_warnings_are_hazards_only() {
    let name = parse_file_name("001_x.sql").unwrap();
    let mut found = Vec::new();
    for e in entries() {
        let file = format!("-- sqlstrata: irreversible\n-- UP\n{e}\n");
        let (_, diagnostics) = read_migration("x.sql", &name, "001_x.sql", &file);
        for d in diagnostics.iter().filter(|d| !d.is_error()) {
            found.push((d.rule, e.lines().next().unwrap_or("").to_string()));
        }
    }
    let want: Vec<(&str, String)> = WARNINGS.iter().map(|(r, e)| (*r, e.to_string())).collect();
    assert_eq!(found, want);
}
