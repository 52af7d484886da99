//! Rules about what a statement may do in a migration: transaction control,
//! statements that cannot run in a transaction, and lints.

use sqlparser::ast::{AlterTableOperation, ColumnOption, Statement as Ast};

use crate::lex::{Token, TokenKind};

/// A statement that controls transactions (`BEGIN`, `COMMIT`, ...): the
/// runner owns transactions, and a `COMMIT` inside a transactional migration
/// would silently end the batch's transaction. Returns the words to name.
pub fn transaction_control(words: &[String]) -> Option<String> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let named = match w.as_slice() {
        ["BEGIN", ..] => "BEGIN",
        ["START", "TRANSACTION", ..] => "START TRANSACTION",
        ["COMMIT", ..] => "COMMIT",
        ["END", ..] => "END",
        ["ROLLBACK", ..] => "ROLLBACK",
        ["ABORT", ..] => "ABORT",
        ["SAVEPOINT", ..] => "SAVEPOINT",
        ["RELEASE", ..] => "RELEASE SAVEPOINT",
        ["PREPARE", "TRANSACTION", ..] => "PREPARE TRANSACTION",
        _ => return None,
    };
    Some(named.to_string())
}

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

/// `ALTER TABLE ... ADD COLUMN c ... NOT NULL` without a `DEFAULT` (or an
/// identity or generated column): it fails on any table that has rows.
/// Returns the column's name.
pub fn not_null_without_default(ast: &Ast) -> Option<String> {
    let Ast::AlterTable(alter) = ast else {
        return None;
    };
    alter.operations.iter().find_map(|op| {
        let AlterTableOperation::AddColumn { column_def, .. } = op else {
            return None;
        };
        let options = || column_def.options.iter().map(|o| &o.option);
        let not_null =
            options().any(|o| matches!(o, ColumnOption::NotNull | ColumnOption::PrimaryKey(_)));
        let filled = options().any(|o| {
            matches!(
                o,
                ColumnOption::Default(_)
                    | ColumnOption::Generated { .. }
                    | ColumnOption::Identity(_)
            )
        });
        (not_null && !filled).then(|| column_def.name.value.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::{leading_words, tokenize};
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn words(sql: &str) -> Vec<String> {
        leading_words(sql, &tokenize(sql).unwrap(), 3)
    }

    #[test]
    fn transaction_control_statements() {
        for (sql, name) in [
            ("BEGIN", Some("BEGIN")),
            (
                "begin transaction isolation level serializable",
                Some("BEGIN"),
            ),
            ("START TRANSACTION", Some("START TRANSACTION")),
            ("COMMIT", Some("COMMIT")),
            ("END", Some("END")),
            ("ROLLBACK TO SAVEPOINT a", Some("ROLLBACK")),
            ("SAVEPOINT a", Some("SAVEPOINT")),
            ("RELEASE SAVEPOINT a", Some("RELEASE SAVEPOINT")),
            ("CREATE TABLE begin_x (a int)", None),
            ("SELECT 1", None),
        ] {
            assert_eq!(transaction_control(&words(sql)).as_deref(), name, "{sql}");
        }
    }

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
            ("CREATE INDEX i ON t (a)", None),
            ("REFRESH MATERIALIZED VIEW CONCURRENTLY v", None),
        ] {
            let tokens = tokenize(sql).unwrap();
            assert_eq!(needs_no_transaction(sql, &tokens), name, "{sql}");
        }
    }

    #[test]
    fn not_null_columns_need_a_default() {
        for (sql, column) in [
            ("ALTER TABLE t ADD COLUMN a int NOT NULL", Some("a")),
            (
                "ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int NOT NULL",
                Some("b"),
            ),
            ("ALTER TABLE t ADD COLUMN a int NOT NULL DEFAULT 0", None),
            (
                "ALTER TABLE t ADD COLUMN a bigint GENERATED ALWAYS AS IDENTITY NOT NULL",
                None,
            ),
            ("ALTER TABLE t ADD COLUMN a int", None),
            ("CREATE TABLE t (a int NOT NULL)", None),
        ] {
            let ast = Parser::new(&PostgreSqlDialect {})
                .try_with_sql(sql)
                .unwrap()
                .parse_statement()
                .unwrap();
            assert_eq!(not_null_without_default(&ast).as_deref(), column, "{sql}");
        }
    }
}
