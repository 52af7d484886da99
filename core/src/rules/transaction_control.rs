//! `transaction-control`: `BEGIN`, `COMMIT`, ... in a migration.
//!
//! In a migration that runs in a transaction, every such statement is an
//! error: the runner owns the transaction, and a `COMMIT` would silently end
//! the batch's. In a `no-transaction` migration, whose statements each
//! commit on their own, explicit transaction blocks are allowed when
//! balanced (each `BEGIN` closed by `COMMIT` or `ROLLBACK` before the next
//! `BEGIN` and before the end, savepoints only inside one): what another
//! tool ran as several atomic blocks in one file stays that.

/// What a transaction-control statement does to a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// `BEGIN`, `START TRANSACTION`: opens a block.
    Begin,
    /// `COMMIT`, `END`, `ROLLBACK`, `ABORT`: closes one.
    End,
    /// `SAVEPOINT`, `RELEASE`, `ROLLBACK TO`: only inside one.
    Savepoint,
    /// Never in a migration: `PREPARE TRANSACTION`, `COMMIT PREPARED`,
    /// `COMMIT AND CHAIN` (which leaves a transaction open).
    Never,
}

/// A statement that controls transactions (`BEGIN`, `COMMIT`, ...): the
/// words to name it by and what it does.
pub fn transaction_control(words: &[String]) -> Option<(String, Control)> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let (named, control) = match w.as_slice() {
        ["BEGIN", ..] => ("BEGIN", Control::Begin),
        ["START", "TRANSACTION", ..] => ("START TRANSACTION", Control::Begin),
        ["COMMIT" | "ROLLBACK", "PREPARED", ..] => (w[0], Control::Never),
        ["COMMIT" | "END" | "ROLLBACK" | "ABORT", "AND", "CHAIN"]
        | [
            "COMMIT" | "END" | "ROLLBACK" | "ABORT",
            "WORK" | "TRANSACTION",
            "AND",
        ] => (w[0], Control::Never),
        ["ROLLBACK", "TO", ..] | ["ROLLBACK", "WORK" | "TRANSACTION", "TO"] => {
            ("ROLLBACK TO SAVEPOINT", Control::Savepoint)
        }
        ["COMMIT", ..] => ("COMMIT", Control::End),
        ["END", ..] => ("END", Control::End),
        ["ROLLBACK", ..] => ("ROLLBACK", Control::End),
        ["ABORT", ..] => ("ABORT", Control::End),
        ["SAVEPOINT", ..] => ("SAVEPOINT", Control::Savepoint),
        ["RELEASE", ..] => ("RELEASE SAVEPOINT", Control::Savepoint),
        ["PREPARE", "TRANSACTION", ..] => ("PREPARE TRANSACTION", Control::Never),
        _ => return None,
    };
    Some((named.to_string(), control))
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
        use Control::*;
        for (sql, name) in [
            ("BEGIN", Some(("BEGIN", Begin))),
            (
                "begin transaction isolation level serializable",
                Some(("BEGIN", Begin)),
            ),
            ("START TRANSACTION", Some(("START TRANSACTION", Begin))),
            ("COMMIT", Some(("COMMIT", End))),
            ("COMMIT WORK", Some(("COMMIT", End))),
            ("END", Some(("END", End))),
            ("ROLLBACK", Some(("ROLLBACK", End))),
            (
                "ROLLBACK TO SAVEPOINT a",
                Some(("ROLLBACK TO SAVEPOINT", Savepoint)),
            ),
            (
                "ROLLBACK WORK TO a",
                Some(("ROLLBACK TO SAVEPOINT", Savepoint)),
            ),
            ("SAVEPOINT a", Some(("SAVEPOINT", Savepoint))),
            (
                "RELEASE SAVEPOINT a",
                Some(("RELEASE SAVEPOINT", Savepoint)),
            ),
            ("ABORT", Some(("ABORT", End))),
            ("COMMIT AND CHAIN", Some(("COMMIT", Never))),
            ("COMMIT PREPARED 'x'", Some(("COMMIT", Never))),
            ("ROLLBACK PREPARED 'x'", Some(("ROLLBACK", Never))),
            (
                "PREPARE TRANSACTION 'x'",
                Some(("PREPARE TRANSACTION", Never)),
            ),
            ("PREPARE q AS SELECT 1", None),
            ("CREATE TABLE begin_x (a int)", None),
            ("SELECT 1", None),
        ] {
            let got = transaction_control(&words(sql));
            assert_eq!(got.as_ref().map(|(n, c)| (n.as_str(), *c)), name, "{sql}");
        }
    }
}
