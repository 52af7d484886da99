//! `needs-no-transaction`: a statement PostgreSQL refuses inside a
//! transaction block, in a migration that runs in one.

use crate::lex::{Token, TokenKind};

/// A statement PostgreSQL refuses to run inside a transaction block.
/// Returns its name for the message.
pub fn needs_no_transaction(input: &str, tokens: &[Token]) -> Option<&'static str> {
    let mut w: [&str; 8] = [""; 8];
    for (slot, t) in w
        .iter_mut()
        .zip(tokens.iter().filter(|t| t.kind == TokenKind::Word))
    {
        *slot = t.text(input);
    }
    let is = |i: usize, word: &str| w[i].eq_ignore_ascii_case(word);
    let concurrently = w.iter().any(|x| x.eq_ignore_ascii_case("CONCURRENTLY"));
    if is(0, "CREATE") && (is(1, "INDEX") || (is(1, "UNIQUE") && is(2, "INDEX"))) && concurrently {
        return Some("CREATE INDEX CONCURRENTLY");
    }
    if is(0, "DROP") && is(1, "INDEX") && concurrently {
        return Some("DROP INDEX CONCURRENTLY");
    }
    if is(0, "REINDEX") && concurrently {
        return Some("REINDEX CONCURRENTLY");
    }
    if is(0, "VACUUM") {
        return Some("VACUUM");
    }
    [
        ("CREATE", "DATABASE", "CREATE DATABASE"),
        ("DROP", "DATABASE", "DROP DATABASE"),
        ("ALTER", "SYSTEM", "ALTER SYSTEM"),
        ("CREATE", "TABLESPACE", "CREATE TABLESPACE"),
        ("DROP", "TABLESPACE", "DROP TABLESPACE"),
    ]
    .into_iter()
    .find(|(a, b, _)| is(0, a) && is(1, b))
    .map(|(_, _, name)| name)
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
            // The words, not merely present: a table named `index`.
            ("CREATE TABLE index (concurrently int)", None),
        ] {
            let tokens = tokenize(sql).unwrap();
            assert_eq!(needs_no_transaction(sql, &tokens), name, "{sql}");
        }
    }
}
