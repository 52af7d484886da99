//! Every statement of `data/pg-statements.sql` (132 common migration
//! statements that PostgreSQL accepts) through the validator: which are
//! validated by sqlparser, which are checked lexically only ("not
//! validated"), and which are rejected. The rejected list is short and each
//! entry is explained in the README's "What sqlparser cannot check".

use sqlstrata_core::migration::{Checked, read_migration};
use sqlstrata_core::naming::parse_file_name;

const STATEMENTS: &str = include_str!("data/pg-statements.sql");

/// Entries (by their first line) that sqlparser 0.63 rejects although
/// PostgreSQL accepts them; users put `-- sqlstrata: unchecked` above them.
const REJECTED: &[&str] = &[
    // PostgreSQL 18's named NOT NULL table constraints.
    "CREATE TABLE t (a int, CONSTRAINT a_nn NOT NULL a);",
    // PostgreSQL 15's column list for ON DELETE SET NULL.
    "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) ON DELETE SET NULL (a) NOT VALID;",
    "ALTER TABLE t ADD CONSTRAINT c NOT NULL col;",
    // A SELECT with an empty target list.
    "SELECT;",
];

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

#[derive(Debug, PartialEq)]
enum Outcome {
    Validated,
    NotValidated,
    Rejected,
}

fn outcome(sql: &str) -> Outcome {
    let name = parse_file_name("001_x.sql").unwrap();
    let file = format!("-- sqlstrata: no-transaction\n-- sqlstrata: irreversible\n-- UP\n{sql}\n");
    let (migration, diagnostics) = read_migration("x.sql", &name, "001_x.sql", &file);
    if diagnostics.iter().any(|d| d.is_error()) {
        return Outcome::Rejected;
    }
    let m = migration.expect("no errors, so a migration");
    if m.up.iter().all(|s| s.checked == Checked::Parsed) {
        Outcome::Validated
    } else {
        Outcome::NotValidated
    }
}

#[test]
fn pg_statements_are_validated_or_honestly_not() {
    let entries = entries();
    assert_eq!(entries.len(), 132);
    let mut counts = [0usize; 3];
    let mut rejected = Vec::new();
    for e in &entries {
        match outcome(e) {
            Outcome::Validated => counts[0] += 1,
            Outcome::NotValidated => counts[1] += 1,
            Outcome::Rejected => {
                counts[2] += 1;
                rejected.push(e.lines().next().unwrap_or_default().to_string());
            }
        }
    }
    println!(
        "validated: {}, not validated: {}, rejected: {}",
        counts[0], counts[1], counts[2]
    );
    for r in &rejected {
        println!("rejected: {r}");
    }
    assert_eq!(rejected, REJECTED);
    // Most are validated by sqlparser; the rest are forms it does not know,
    // checked lexically and reported as not validated.
    assert_eq!(counts, [85, 43, 4]);
}
