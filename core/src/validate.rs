//! Validating one statement with sqlparser's PostgreSQL dialect, layered so
//! that it is honest about what it checked.
//!
//! 1. sqlparser parses the statement and must consume all of it. (sqlparser
//!    0.63 stops without an error at a bare `END` and ignores the rest, so we
//!    run our own loop and require the end of the statement.)
//! 2. When it rejects a statement of a kind it does not support (recognised by
//!    the leading keywords: `DO`, `VACUUM`, `CREATE STATISTICS`, ...), the
//!    statement is checked lexically instead and counted as not validated.
//! 3. Anything else that fails to parse is an error.

use sqlparser::ast::Statement as Ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token as SqlToken;

use crate::lex::{Token, TokenKind};

/// What the validator could say about a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Validation {
    /// sqlparser parsed all of it.
    Parsed(Box<Ast>),
    /// A kind of statement sqlparser does not support; it passed the lexical
    /// check (it tokenizes, brackets balance). The string names the kind.
    NotValidated(&'static str),
}

/// Why a statement is rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// What is wrong, in sqlparser's words where it said something.
    pub message: String,
    /// 1-based line within the statement.
    pub line: usize,
    /// 1-based column within that line.
    pub column: usize,
}

/// Statement forms sqlparser 0.63 does not parse but PostgreSQL accepts,
/// recognised by their keywords. A rejected statement that matches one of
/// these is checked lexically instead of failing the build.
///
/// Pattern language (matched against the statement's words, case-blind):
/// `WORD` must come next; `[WORD]` may come next; `?` is one possibly
/// qualified name (`s.t`, `"T"`); `...` skips ahead to the words after it.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("DO", "DO"),
    ("REINDEX", "REINDEX"),
    ("VACUUM", "VACUUM"),
    ("CLUSTER", "CLUSTER"),
    ("CALL", "CALL"),
    ("CREATE STATISTICS", "CREATE STATISTICS"),
    ("DROP STATISTICS", "DROP STATISTICS"),
    ("ALTER STATISTICS", "ALTER STATISTICS"),
    ("CREATE [OR] [REPLACE] PROCEDURE", "CREATE PROCEDURE"),
    ("ALTER PROCEDURE", "ALTER PROCEDURE"),
    ("REFRESH MATERIALIZED VIEW", "REFRESH MATERIALIZED VIEW"),
    ("ALTER DEFAULT PRIVILEGES", "ALTER DEFAULT PRIVILEGES"),
    ("ALTER SEQUENCE", "ALTER SEQUENCE"),
    (
        "CREATE [TEMP] [TEMPORARY] [UNLOGGED] SEQUENCE",
        "CREATE SEQUENCE",
    ),
    ("ALTER TRIGGER", "ALTER TRIGGER"),
    ("ALTER INDEX", "ALTER INDEX"),
    ("ALTER FUNCTION", "ALTER FUNCTION"),
    ("ALTER VIEW", "ALTER VIEW"),
    ("ALTER MATERIALIZED VIEW", "ALTER MATERIALIZED VIEW"),
    ("ALTER DOMAIN", "ALTER DOMAIN"),
    ("ALTER EXTENSION", "ALTER EXTENSION"),
    ("ALTER PUBLICATION", "ALTER PUBLICATION"),
    ("ALTER DATABASE", "ALTER DATABASE"),
    ("SECURITY LABEL", "SECURITY LABEL"),
    ("CREATE [OR] [REPLACE] AGGREGATE", "CREATE AGGREGATE"),
    ("CREATE CAST", "CREATE CAST"),
    ("CREATE OPERATOR", "CREATE OPERATOR"),
    ("CREATE [OR] [REPLACE] RULE", "CREATE RULE"),
    ("CREATE PUBLICATION", "CREATE PUBLICATION"),
    ("CREATE EVENT TRIGGER", "CREATE EVENT TRIGGER"),
    ("CREATE COLLATION", "CREATE COLLATION"),
    ("CREATE TEXT SEARCH", "CREATE TEXT SEARCH"),
    ("CREATE EXTENSION", "CREATE EXTENSION"),
    ("IMPORT FOREIGN SCHEMA", "IMPORT FOREIGN SCHEMA"),
    ("COMMENT ON FUNCTION", "COMMENT ON FUNCTION"),
    ("COMMENT ON PROCEDURE", "COMMENT ON PROCEDURE"),
    ("COMMENT ON CONSTRAINT", "COMMENT ON CONSTRAINT"),
    ("COMMENT ON TRIGGER", "COMMENT ON TRIGGER"),
    ("DROP INDEX CONCURRENTLY", "DROP INDEX CONCURRENTLY"),
    ("CREATE [UNIQUE] INDEX ... ON ONLY", "CREATE INDEX ON ONLY"),
    (
        "CREATE MATERIALIZED VIEW ... WITH NO DATA",
        "CREATE MATERIALIZED VIEW WITH NO DATA",
    ),
    (
        "CREATE [OR] [REPLACE] FUNCTION ... COST",
        "CREATE FUNCTION ... COST",
    ),
    (
        "CREATE [OR] [REPLACE] FUNCTION ... BEGIN ATOMIC",
        "CREATE FUNCTION ... BEGIN ATOMIC",
    ),
    (
        "CREATE [UNLOGGED] TABLE [IF] [NOT] [EXISTS] ? ( LIKE",
        "CREATE TABLE (LIKE ...)",
    ),
    (
        "ALTER TABLE [IF] [EXISTS] [ONLY] ? ATTACH PARTITION",
        "ALTER TABLE ATTACH PARTITION",
    ),
    (
        "ALTER TABLE [IF] [EXISTS] [ONLY] ? DETACH PARTITION",
        "ALTER TABLE DETACH PARTITION",
    ),
    (
        "ALTER TABLE [IF] [EXISTS] [ONLY] ? ALTER CONSTRAINT",
        "ALTER TABLE ALTER CONSTRAINT",
    ),
    (
        "ALTER TABLE [IF] [EXISTS] [ONLY] ? RESET",
        "ALTER TABLE RESET",
    ),
    (
        "ALTER TABLE [IF] [EXISTS] [ONLY] ? INHERIT",
        "ALTER TABLE INHERIT",
    ),
    (
        "ALTER TABLE [IF] [EXISTS] [ONLY] ? NO INHERIT",
        "ALTER TABLE NO INHERIT",
    ),
    (
        "ALTER TABLE [IF] [EXISTS] [ONLY] ? SET SCHEMA",
        "ALTER TABLE SET SCHEMA",
    ),
    (
        "ALTER TABLE [IF] [EXISTS] [ONLY] ? ALTER [COLUMN] ? SET STATISTICS",
        "ALTER COLUMN SET STATISTICS",
    ),
    (
        "ALTER TABLE [IF] [EXISTS] [ONLY] ? ALTER [COLUMN] ? SET STORAGE",
        "ALTER COLUMN SET STORAGE",
    ),
    (
        "ALTER TABLE [IF] [EXISTS] [ONLY] ? ALTER [COLUMN] ? SET COMPRESSION",
        "ALTER COLUMN SET COMPRESSION",
    ),
    (
        "ALTER TABLE [IF] [EXISTS] [ONLY] ? ALTER [COLUMN] ? DROP IDENTITY",
        "ALTER COLUMN DROP IDENTITY",
    ),
];

/// The atoms patterns match: upper-cased words, names, punctuation.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Atom {
    Word(String),
    Quoted,
    Punct(char),
    Other,
}

fn atoms(input: &str, tokens: &[Token]) -> Vec<Atom> {
    tokens
        .iter()
        .filter(|t| !t.kind.is_trivia())
        .map(|t| match t.kind {
            TokenKind::Word => Atom::Word(t.text(input).to_ascii_uppercase()),
            TokenKind::QuotedIdent => Atom::Quoted,
            TokenKind::Punct(c) => Atom::Punct(c),
            _ => Atom::Other,
        })
        .collect()
}

fn is_word(atom: Option<&Atom>, word: &str) -> bool {
    matches!(atom, Some(Atom::Word(w)) if w == word)
}

/// Whether `pattern` matches the start of `atoms` (see [`UNSUPPORTED`]).
fn matches_pattern(pattern: &[&str], atoms: &[Atom]) -> bool {
    let Some((item, rest)) = pattern.split_first() else {
        return true;
    };
    match *item {
        "..." => (0..=atoms.len()).any(|skip| matches_pattern(rest, &atoms[skip..])),
        "?" => {
            let mut i = 0;
            loop {
                if !matches!(atoms.get(i), Some(Atom::Word(_) | Atom::Quoted)) {
                    return false;
                }
                i += 1;
                if atoms.get(i) != Some(&Atom::Punct('.')) {
                    break;
                }
                i += 1;
            }
            matches_pattern(rest, &atoms[i..])
        }
        optional if optional.starts_with('[') => {
            let word = optional.trim_matches(|c| c == '[' || c == ']');
            (is_word(atoms.first(), word) && matches_pattern(rest, &atoms[1..]))
                || matches_pattern(rest, atoms)
        }
        "(" => atoms.first() == Some(&Atom::Punct('(')) && matches_pattern(rest, &atoms[1..]),
        word => is_word(atoms.first(), word) && matches_pattern(rest, &atoms[1..]),
    }
}

/// The form of statement sqlparser does not support that the statement in
/// `tokens` (of `input`) has, if any.
pub fn unsupported_kind(input: &str, tokens: &[Token]) -> Option<&'static str> {
    let atoms = atoms(input, tokens);
    UNSUPPORTED
        .iter()
        .find(|(pattern, _)| {
            let items: Vec<&str> = pattern.split_whitespace().collect();
            matches_pattern(&items, &atoms)
        })
        .map(|(_, kind)| *kind)
}

/// Validates one statement: `text` is its original text, `tokens` our tokens
/// of it (offsets relative to the whole file, `file` the file's text).
pub fn validate(file: &str, tokens: &[Token], text: &str) -> Result<Validation, Rejection> {
    match parse_all(text) {
        Ok(ast) => Ok(Validation::Parsed(Box::new(ast))),
        Err(rejection) => match unsupported_kind(file, tokens) {
            Some(kind) => lexical_check(tokens, text).map(|()| Validation::NotValidated(kind)),
            None => Err(rejection),
        },
    }
}

/// Parses exactly one statement and requires the parser to reach its end.
fn parse_all(text: &str) -> Result<Ast, Rejection> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(text)
        .map_err(|e| rejection(&e, text))?;
    let ast = parser.parse_statement().map_err(|e| rejection(&e, text))?;
    let next = parser.peek_token();
    if next.token != SqlToken::EOF {
        let found = next.token.to_string();
        return Err(Rejection {
            message: format!(
                "unexpected `{found}` after the end of the statement (a missing `;` or a missing comma before it?)"
            ),
            line: usize::try_from(next.span.start.line).unwrap_or(1).max(1),
            column: usize::try_from(next.span.start.column).unwrap_or(1).max(1),
        });
    }
    Ok(ast)
}

/// Turns sqlparser's error into a message and a place. sqlparser appends
/// " at Line: L, Column: C" to most messages; where it does not (an error at
/// the end of input), the place is the end of the statement.
fn rejection(err: &ParserError, text: &str) -> Rejection {
    let raw = match err {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.clone(),
        ParserError::RecursionLimitExceeded => "the statement is nested too deeply".to_string(),
    };
    if let Some(at) = raw.rfind(" at Line: ") {
        let place = &raw[at + " at Line: ".len()..];
        if let Some((l, c)) = place.split_once(", Column: ")
            && let (Ok(line), Ok(column)) = (l.trim().parse::<usize>(), c.trim().parse::<usize>())
            && line > 0
        {
            return Rejection {
                message: raw[..at].to_string(),
                line,
                column: column.max(1),
            };
        }
    }
    let line = text.lines().count().max(1);
    let column = text.lines().last().map_or(1, |l| l.chars().count() + 1);
    Rejection {
        message: raw,
        line,
        column,
    }
}

/// The check for statements sqlparser cannot parse: they tokenized (our
/// lexer already required closed quotes and comments) and their brackets
/// balance.
fn lexical_check(tokens: &[Token], text: &str) -> Result<(), Rejection> {
    let mut open: Vec<(char, &Token)> = Vec::new();
    let base = tokens.first().map_or(0, |t| t.start);
    let place = |t: &Token| {
        let before = &text[..t.start - base];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    };
    for tok in tokens {
        let TokenKind::Punct(c) = tok.kind else {
            continue;
        };
        match c {
            '(' | '[' => open.push((c, tok)),
            ')' | ']' => {
                let want = if c == ')' { '(' } else { '[' };
                match open.pop() {
                    Some((o, _)) if o == want => {}
                    _ => {
                        let (line, column) = place(tok);
                        return Err(Rejection {
                            message: format!("unbalanced `{c}`"),
                            line,
                            column,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    match open.pop() {
        Some((c, tok)) => {
            let (line, column) = place(tok);
            Err(Rejection {
                message: format!("`{c}` is never closed"),
                line,
                column,
            })
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::tokenize;

    fn check(sql: &str) -> Result<Validation, Rejection> {
        let tokens = tokenize(sql).unwrap();
        validate(sql, &tokens, sql)
    }

    #[test]
    fn parsed_statements() {
        assert!(matches!(
            check("CREATE TABLE t (id bigint PRIMARY KEY)"),
            Ok(Validation::Parsed(_))
        ));
    }

    #[test]
    fn trailing_tokens_after_a_bare_end_are_rejected() {
        let err = check("CREATE TABLE t (a int) END").unwrap_err();
        assert!(err.message.contains("`END`"), "{err:?}");
        assert_eq!((err.line, err.column), (1, 24));
    }

    #[test]
    fn errors_carry_sqlparsers_position() {
        let err = check("CREATE TABLE t (\n  a int\n  b text\n)").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.starts_with("Expected"), "{err:?}");
    }

    #[test]
    fn unsupported_kinds_are_checked_lexically() {
        assert_eq!(
            check("VACUUM (ANALYZE) t").unwrap(),
            Validation::NotValidated("VACUUM")
        );
        let err = check("DO $$ BEGIN END $$ LANGUAGE (plpgsql").unwrap_err();
        assert_eq!(err.message, "`(` is never closed");
        let err = check("REINDEX INDEX x)").unwrap_err();
        assert_eq!((err.message.as_str(), err.column), ("unbalanced `)`", 16));
    }

    #[test]
    fn unsupported_forms_are_recognised_by_pattern() {
        for (sql, kind) in [
            (
                "ALTER TABLE ONLY public.\"T\" ATTACH PARTITION p FOR VALUES IN (1)",
                Some("ALTER TABLE ATTACH PARTITION"),
            ),
            (
                "alter table t alter column c set statistics 100",
                Some("ALTER COLUMN SET STATISTICS"),
            ),
            (
                "ALTER TABLE t ALTER c SET STORAGE EXTERNAL",
                Some("ALTER COLUMN SET STORAGE"),
            ),
            (
                "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql COST 5 AS 'x'",
                Some("CREATE FUNCTION ... COST"),
            ),
            (
                "CREATE OR REPLACE PROCEDURE p() AS 'x'",
                Some("CREATE PROCEDURE"),
            ),
            ("ALTER TABLE t ADD COLUMN a int", None),
            ("ALTER TABLE t ALTER COLUMN c SET DEFAULT 1", None),
            ("CREATE TABLE t (a int)", None),
        ] {
            let tokens = tokenize(sql).unwrap();
            assert_eq!(unsupported_kind(sql, &tokens), kind, "{sql}");
        }
    }

    #[test]
    fn unknown_statements_are_errors() {
        assert!(check("CREAT TABLE t (a int)").is_err());
    }
}
