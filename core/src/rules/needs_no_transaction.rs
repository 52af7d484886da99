//! `needs-no-transaction`: a statement PostgreSQL refuses inside a
//! transaction block, in a migration that runs in one.

use crate::lex::{Token, TokenKind};

/// A statement PostgreSQL refuses to run inside a transaction block.
/// Returns its name for the message.
pub fn needs_no_transaction(input: &str, tokens: &[Token]) -> Option<&'static str> {
    let words: Vec<String> = tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Word)
        .take(8)
        .map(|t| t.text(input).to_ascii_uppercase())
        .collect();
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let concurrently = w.contains(&"CONCURRENTLY");
    match w.as_slice() {
        ["CREATE", "INDEX", ..] | ["CREATE", "UNIQUE", "INDEX", ..] if concurrently => {
            Some("CREATE INDEX CONCURRENTLY")
        }
        ["DROP", "INDEX", ..] if concurrently => Some("DROP INDEX CONCURRENTLY"),
        ["REINDEX", ..] if concurrently => Some("REINDEX CONCURRENTLY"),
        ["VACUUM", ..] => Some("VACUUM"),
        ["CREATE", "DATABASE", ..] => Some("CREATE DATABASE"),
        ["DROP", "DATABASE", ..] => Some("DROP DATABASE"),
        ["ALTER", "SYSTEM", ..] => Some("ALTER SYSTEM"),
        ["CREATE", "TABLESPACE", ..] => Some("CREATE TABLESPACE"),
        ["DROP", "TABLESPACE", ..] => Some("DROP TABLESPACE"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::tokenize;

    #[test]
    fn statements_that_cannot_run_in_a_transaction() {
        for (sql, name) in [
            (
                "CREATE INDEX CONCURRENTLY i ON t (a)",
                Some("CREATE INDEX CONCURRENTLY"),
            ),
            (
                "create unique index concurrently if not exists i on t (a)",
                Some("CREATE INDEX CONCURRENTLY"),
            ),
            (
                "DROP INDEX CONCURRENTLY IF EXISTS i",
                Some("DROP INDEX CONCURRENTLY"),
            ),
            (
                "REINDEX (VERBOSE) INDEX CONCURRENTLY i",
                Some("REINDEX CONCURRENTLY"),
            ),
            ("VACUUM ANALYZE t", Some("VACUUM")),
            ("CREATE DATABASE x", Some("CREATE DATABASE")),
            ("DROP DATABASE x", Some("DROP DATABASE")),
            ("ALTER SYSTEM SET work_mem = '1MB'", Some("ALTER SYSTEM")),
            (
                "CREATE TABLESPACE fast LOCATION '/ssd'",
                Some("CREATE TABLESPACE"),
            ),
            ("DROP TABLESPACE fast", Some("DROP TABLESPACE")),
            ("ALTER TABLESPACE fast RENAME TO quick", None),
            ("DROP INDEX i", None),
            ("REINDEX INDEX i", None),
            ("CREATE UNIQUE INDEX i ON t (a)", None),
            ("CREATE INDEX i ON t (a)", None),
            ("REFRESH MATERIALIZED VIEW CONCURRENTLY v", None),
        ] {
            let tokens = tokenize(sql).unwrap();
            assert_eq!(needs_no_transaction(sql, &tokens), name, "{sql}");
        }
    }
}
