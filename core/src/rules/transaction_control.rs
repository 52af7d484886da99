//! `transaction-control`: `BEGIN`, `COMMIT`, ... in a migration.

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::{leading_words, tokenize};

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
            ("ABORT", Some("ABORT")),
            ("PREPARE TRANSACTION 'x'", Some("PREPARE TRANSACTION")),
            ("PREPARE q AS SELECT 1", None),
            ("CREATE TABLE begin_x (a int)", None),
            ("SELECT 1", None),
        ] {
            assert_eq!(transaction_control(&words(sql)).as_deref(), name, "{sql}");
        }
    }
}
