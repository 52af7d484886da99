//! Validating one statement: PostgreSQL's grammar decides, sqlparser's tree
//! feeds our rules.
//!
//! 1. squawk-syntax, a port of PostgreSQL's grammar, parsed the whole section
//!    when it was split ([`crate::split`]); a statement is an error exactly
//!    when the grammar reported one inside it, or found two statements in it
//!    (a lost `;`).
//! 2. sqlparser's PostgreSQL dialect parses the statement again for its tree,
//!    which our rules read. A statement sqlparser cannot parse but the grammar
//!    accepts is valid: it is counted as checked by the grammar only.
//!
//! When the grammar rejects a statement, its message and position are the
//! ones shown, whatever sqlparser thinks: the grammar is PostgreSQL's, the
//! same for every kind of statement, and right where sqlparser is not (it
//! accepts `SELECT FROM WHERE` and rejects PostgreSQL 18's named `NOT NULL`).

use sqlparser::ast::Statement as Ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token as SqlToken;

use crate::split::Statement;

/// What the validators said about a statement the grammar accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum Validation {
    /// The grammar accepts it and sqlparser parsed all of it: its tree.
    Parsed(Box<Ast>),
    /// The grammar accepts it; sqlparser does not know this form.
    GrammarOnly,
}

/// Why a statement is rejected, at a place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// What is wrong.
    pub message: String,
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column in that line.
    pub column: usize,
}

/// Validates one statement of a section split by [`crate::split::section`].
pub fn validate(statement: &Statement<'_>, file: &str) -> Result<Validation, Rejection> {
    judge_by_grammar(statement, file)?;
    Ok(match parse_all(statement.text) {
        Some(ast) => Validation::Parsed(Box::new(ast)),
        None => Validation::GrammarOnly,
    })
}

/// PostgreSQL's grammar's verdict alone: [`validate`] without sqlparser's
/// second parse, which never rejects a statement (only says whether it
/// knows the form). What the macro asks: nothing it embeds or reports
/// depends on sqlparser's answer.
pub fn judge_by_grammar(statement: &Statement<'_>, file: &str) -> Result<(), Rejection> {
    if let Some(error) = &statement.error {
        return Err(rejection(statement, file, &error.message, error.offset));
    }
    if statement.grammar_statements > 1 {
        // The grammar found a second statement where we see one: say where
        // it starts. (squawk reports this itself; this is the backstop.)
        return Err(rejection(
            statement,
            file,
            "Missing semicolon between statements",
            statement.offset + statement.text.len(),
        ));
    }
    Ok(())
}

/// The grammar's message in words a user reads, and the token it stopped at
/// (the first one at or after `offset`), where the caret goes: PostgreSQL's
/// own "syntax error at or near" points at the same token.
fn rejection(statement: &Statement<'_>, file: &str, message: &str, offset: usize) -> Rejection {
    let found = statement
        .tokens
        .iter()
        .find(|t| t.start >= offset && !t.kind.is_trivia());
    // squawk's own "found X" names a token kind; ours names the text.
    let message = message
        .split(", found ")
        .next()
        .and_then(|m| m.split(", got ").next())
        .unwrap_or(message);
    let message = readable(message);
    match found {
        Some(tok) => {
            let text = tok.text(file);
            let shown: String = text.chars().take(40).collect();
            // "expected a statement" in the middle of one: PostgreSQL's
            // "syntax error at or near".
            let message = if message.starts_with("expected a statement") {
                "unexpected".to_string()
            } else {
                message
            };
            let message = if message == "unexpected" {
                if shown.len() < text.len() {
                    format!("unexpected `{shown}...`")
                } else {
                    format!("unexpected `{shown}`")
                }
            } else if !message.starts_with("expected") {
                message
            } else if shown.len() < text.len() {
                format!("{message}, found `{shown}...`")
            } else {
                format!("{message}, found `{shown}`")
            };
            Rejection {
                message,
                line: tok.line,
                column: tok.column,
            }
        }
        None => {
            // At the end of the statement: the caret goes after its last character.
            let last = statement.tokens.last();
            let (line, column) = last.map_or((statement.line, statement.column), |t| {
                let text = t.text(file);
                match text.rfind('\n') {
                    Some(nl) => (
                        t.line + text.matches('\n').count(),
                        text[nl + 1..].chars().count() + 1,
                    ),
                    None => (t.line, t.column + text.chars().count()),
                }
            });
            Rejection {
                message: format!("{message} at the end of the statement"),
                line,
                column,
            }
        }
    }
}

/// squawk names tokens by their syntax kinds (`COMMA`, `EXISTS_KW`); users
/// read `,` and `EXISTS`.
fn readable(message: &str) -> String {
    if message == "Missing semicolon between statements" {
        return "a second statement starts here: is the `;` before it missing?".to_string();
    }
    let mut out = String::with_capacity(message.len());
    for (i, word) in message.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let (word, tail) = match word.strip_suffix(',') {
            Some(w) => (w, ","),
            None => (word, ""),
        };
        let named = match word {
            "COMMA" => "`,`".to_string(),
            "SEMICOLON" => "`;`".to_string(),
            "L_PAREN" => "`(`".to_string(),
            "R_PAREN" => "`)`".to_string(),
            "L_BRACK" => "`[`".to_string(),
            "R_BRACK" => "`]`".to_string(),
            "DOT" => "`.`".to_string(),
            "EQ" => "`=`".to_string(),
            "STAR" => "`*`".to_string(),
            "COLON" => "`:`".to_string(),
            "IDENT" => "a name".to_string(),
            "INT_NUMBER" | "FLOAT_NUMBER" => "a number".to_string(),
            "STRING" | "DOLLAR_QUOTED_STRING" => "a string".to_string(),
            "EOF" => "the end".to_string(),
            "command" => "a statement".to_string(),
            "Expected" => "expected".to_string(),
            w => match w.strip_suffix("_KW") {
                Some(kw) if kw.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') => {
                    kw.to_string()
                }
                _ => w.to_string(),
            },
        };
        out.push_str(&named);
        out.push_str(tail);
    }
    out
}

/// Parses exactly one statement with sqlparser and requires it to reach the
/// end (sqlparser 0.63 stops without complaint at a bare `END`).
fn parse_all(text: &str) -> Option<Ast> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect).try_with_sql(text).ok()?;
    let ast = parser.parse_statement().ok()?;
    (parser.peek_token().token == SqlToken::EOF).then_some(ast)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::tokenize;
    use crate::split::statements;

    fn check(sql: &str) -> Result<Validation, Rejection> {
        let tokens = tokenize(sql).unwrap();
        let stmts = statements(sql, &tokens);
        assert_eq!(stmts.len(), 1, "{sql}");
        validate(&stmts[0], sql)
    }

    #[test]
    fn parsed_by_both() {
        assert!(matches!(
            check("CREATE TABLE t (id bigint PRIMARY KEY)"),
            Ok(Validation::Parsed(_))
        ));
    }

    #[test]
    fn accepted_by_the_grammar_only() {
        for sql in [
            "ALTER TABLE t ADD CONSTRAINT c NOT NULL col",
            "SELECT",
            "VACUUM (ANALYZE) t",
        ] {
            assert_eq!(check(sql), Ok(Validation::GrammarOnly), "{sql}");
        }
    }

    #[test]
    fn rejected_at_the_token_the_grammar_stopped_at() {
        let err = check("CREATE TABLE t (\n  a int\n  b text\n)").unwrap_err();
        assert_eq!(
            (err.message.as_str(), err.line, err.column),
            ("expected `,`, found `b`", 3, 3)
        );
        let err = check("CREATE EXTENSION IF NOT EXIST pgcrypto").unwrap_err();
        assert_eq!(
            (err.message.as_str(), err.column),
            ("expected EXISTS, found `EXIST`", 25)
        );
        let err = check("ALTER INDEX a RENAME TO b\nCREATE TABLE t (x int)").unwrap_err();
        assert_eq!(
            (err.message.as_str(), err.line, err.column),
            (
                "a second statement starts here: is the `;` before it missing?",
                2,
                1
            )
        );
    }

    #[test]
    fn errors_at_the_end_point_after_the_last_character() {
        let err = check("CREATE TABLE t (a int").unwrap_err();
        assert_eq!((err.line, err.column), (1, 22), "{err:?}");
        assert!(
            err.message.ends_with("at the end of the statement"),
            "{err:?}"
        );
    }

    #[test]
    fn long_tokens_are_cut_at_forty_characters() {
        let long = "a".repeat(41);
        let exact = "b".repeat(40);
        let err = check(&format!("CREATE TABLE t (\n  x int\n  {long} text\n)")).unwrap_err();
        assert_eq!(
            err.message,
            format!("expected `,`, found `{}...`", "a".repeat(40))
        );
        let err = check(&format!("CREATE TABLE t (\n  x int\n  {exact} text\n)")).unwrap_err();
        assert_eq!(err.message, format!("expected `,`, found `{exact}`"));
        let err = check(&format!("CREATE TABLE t (a int) {long}")).unwrap_err();
        assert_eq!(err.message, format!("unexpected `{}...`", "a".repeat(40)));
        let err = check(&format!("CREATE TABLE t (a int) {exact}")).unwrap_err();
        assert_eq!(err.message, format!("unexpected `{exact}`"));
    }

    #[test]
    fn at_the_end_after_a_token_of_several_lines() {
        let err = check("CREATE TABLE t (a text DEFAULT 'x\nyz'").unwrap_err();
        assert_eq!((err.line, err.column), (2, 4), "{err:?}");
        let err = check("CREATE TABLE t (a text DEFAULT 'x\nw\nlonger'").unwrap_err();
        assert_eq!((err.line, err.column), (3, 8), "{err:?}");
    }

    #[test]
    fn keyword_names_are_shown_as_keywords() {
        assert_eq!(
            readable("Expected CURRENT_USER_KW, L_PAREN"),
            "expected CURRENT_USER, `(`"
        );
        assert_eq!(readable("odd_KW"), "odd_KW");
        assert_eq!(
            readable("Missing semicolon between statements"),
            "a second statement starts here: is the `;` before it missing?"
        );
    }

    #[test]
    fn sqlparser_alone_does_not_decide() {
        // sqlparser accepts these; PostgreSQL does not.
        assert!(check("SELECT FROM WHERE").is_err());
        assert!(check("DROP INDEX i ON t").is_err());
        assert!(check("CREATE TABLE t (a int) END").is_err());
    }
}
