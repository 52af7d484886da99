//! Splitting SQL text into statements on top-level semicolons.
//!
//! A `;` inside a string, quoted identifier, dollar quote or comment does not
//! split, and neither does one inside a SQL-standard function body
//! (`BEGIN ATOMIC ... END`), which PostgreSQL parses as part of its
//! `CREATE FUNCTION`. Every statement keeps its original text and the 1-based
//! line and column where it starts: the runtime executes that text as written.

use crate::lex::{LexError, Token, TokenKind, tokenize};

/// A contiguous part of the input that ends after a top-level `;` (or at the
/// end of the input). Concatenating the pieces of an input gives it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// Byte offset where the piece starts.
    pub start: usize,
    /// Byte offset one past its end.
    pub end: usize,
}

/// One statement found in a piece: its text without leading trivia and
/// without the terminating `;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement's original text.
    pub text: &'a str,
    /// Byte offset of the statement's first character in the input.
    pub offset: usize,
    /// 1-based line of the statement's first character.
    pub line: usize,
    /// 1-based column of the statement's first character.
    pub column: usize,
    /// The trivia between the previous statement and this one: where
    /// per-statement directives stand.
    pub leading: &'a [Token],
    /// The statement's tokens, trivia included.
    pub tokens: &'a [Token],
}

/// Splits `input` into pieces. Fails only when a string, quoted identifier,
/// dollar quote or block comment is left open.
pub fn split_pieces(input: &str) -> Result<Vec<Piece>, LexError> {
    let tokens = tokenize(input)?;
    Ok(piece_ranges(input, &tokens)
        .into_iter()
        .map(|r| Piece {
            start: tokens[r.start].start,
            end: tokens[r.end - 1].end,
        })
        .collect())
}

/// Splits `input` into its statements.
pub fn split(input: &str) -> Result<Vec<(String, usize)>, LexError> {
    let tokens = tokenize(input)?;
    Ok(statements(input, &tokens)
        .into_iter()
        .map(|s| (s.text.to_string(), s.line))
        .collect())
}

/// Token index ranges of the pieces of `tokens`: each ends after a top-level
/// `;` or at the last token.
pub(crate) fn piece_ranges(input: &str, tokens: &[Token]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    let mut atomic_depth = 0usize;
    let mut previous_word: Option<&str> = None;
    for (i, tok) in tokens.iter().enumerate() {
        match tok.kind {
            TokenKind::Word => {
                let word = tok.text(input);
                let opens_body = previous_word.is_some_and(|w| w.eq_ignore_ascii_case("BEGIN"))
                    && word.eq_ignore_ascii_case("ATOMIC");
                // Inside a body, CASE ... END pairs also end with END.
                let opens_case = atomic_depth > 0 && word.eq_ignore_ascii_case("CASE");
                if opens_body || opens_case {
                    atomic_depth += 1;
                } else if atomic_depth > 0 && word.eq_ignore_ascii_case("END") {
                    atomic_depth -= 1;
                }
                previous_word = Some(word);
            }
            TokenKind::Punct(';') if atomic_depth == 0 => {
                ranges.push(start..i + 1);
                start = i + 1;
                previous_word = None;
            }
            k if k.is_trivia() => {}
            _ => previous_word = None,
        }
    }
    if start < tokens.len() {
        ranges.push(start..tokens.len());
    }
    ranges
}

/// The statements in `tokens` (a tokenized part of `input`), in order.
/// Pieces that hold only trivia and `;` are not statements.
pub fn statements<'a>(input: &'a str, tokens: &'a [Token]) -> Vec<Statement<'a>> {
    piece_ranges(input, tokens)
        .into_iter()
        .filter_map(|r| statement_in(input, &tokens[r]))
        .collect()
}

fn statement_in<'a>(input: &'a str, tokens: &'a [Token]) -> Option<Statement<'a>> {
    let first = tokens
        .iter()
        .position(|t| !t.kind.is_trivia() && t.kind != TokenKind::Punct(';'))?;
    let mut last = tokens.len() - 1;
    while tokens[last].kind.is_trivia() || tokens[last].kind == TokenKind::Punct(';') {
        last -= 1;
    }
    let head = tokens[first];
    Some(Statement {
        text: &input[head.start..tokens[last].end],
        offset: head.start,
        line: head.line,
        column: head.column,
        leading: &tokens[..first],
        tokens: &tokens[first..=last],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<(String, usize)> {
        split(sql).unwrap()
    }

    #[test]
    fn splits_on_top_level_semicolons_only() {
        let sql = "CREATE TABLE a (x text DEFAULT 'a;b');\n\
                   -- comment; here\n\
                   INSERT INTO \"we;ird\" VALUES (E'it\\'s; ok');\n\
                   /* block; /* nested; */ still; */ SELECT 1;";
        assert_eq!(
            texts(sql),
            vec![
                ("CREATE TABLE a (x text DEFAULT 'a;b')".to_string(), 1),
                (
                    "INSERT INTO \"we;ird\" VALUES (E'it\\'s; ok')".to_string(),
                    3
                ),
                ("SELECT 1".to_string(), 4),
            ]
        );
    }

    #[test]
    fn dollar_quoted_bodies_do_not_split() {
        let sql = "CREATE FUNCTION f() RETURNS trigger AS $body$\nBEGIN\n  x := 'a;';\n  PERFORM $$;$$;\nEND;\n$body$ LANGUAGE plpgsql;\n\nDO $$ BEGIN NULL; END $$;";
        let got = texts(sql);
        assert_eq!(got.len(), 2);
        assert!(got[0].0.ends_with("LANGUAGE plpgsql"));
        assert_eq!(got[1], ("DO $$ BEGIN NULL; END $$".to_string(), 8));
    }

    #[test]
    fn begin_atomic_bodies_do_not_split() {
        let sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;\nSELECT 3;";
        let got = texts(sql);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].0.ends_with("SELECT 2; END"));
        assert_eq!(got[1].1, 2);
    }

    #[test]
    fn empty_pieces_are_not_statements() {
        assert_eq!(texts(";;\n-- only a comment\n;  "), vec![]);
        assert_eq!(texts("SELECT 1"), vec![("SELECT 1".to_string(), 1)]);
    }

    #[test]
    fn leading_comments_are_kept_for_directives() {
        let sql = "SELECT 1;\n-- sqlstrata: unchecked\n/* x */\nFOO BAR;";
        let tokens = tokenize(sql).unwrap();
        let stmts = statements(sql, &tokens);
        let comments: Vec<&str> = stmts[1]
            .leading
            .iter()
            .filter(|t| !matches!(t.kind, TokenKind::Whitespace))
            .map(|t| t.text(sql))
            .collect();
        assert_eq!(comments, vec!["-- sqlstrata: unchecked", "/* x */"]);
        assert_eq!((stmts[1].line, stmts[1].column), (4, 1));
    }

    #[test]
    fn unterminated_quotes_are_errors_at_their_start() {
        let err = split("SELECT 1;\nSELECT $fn$ x;\nSELECT 2;").unwrap_err();
        assert_eq!((err.line, err.column), (2, 8));
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn sqlish() -> impl Strategy<Value = String> {
            let atoms = prop::sample::select(vec![
                ";", "'", "''", "\"", "$$", "$a$", "$1", "--", "/*", "*/", "\n", "\r\n", " ", "E'",
                "\\", "BEGIN", "ATOMIC", "CASE", "END", "select", "é", "x", "(", ")", "-", "/",
                "$",
            ]);
            prop::collection::vec(atoms, 0..40).prop_map(|v| v.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4000))]

            #[test]
            fn pieces_join_back_to_the_input(input in sqlish()) {
                if let Ok(pieces) = split_pieces(&input) {
                    let joined: String = pieces.iter().map(|p| &input[p.start..p.end]).collect();
                    prop_assert_eq!(joined, input.clone());
                    for w in pieces.windows(2) {
                        prop_assert_eq!(w[0].end, w[1].start);
                    }
                }
            }

            #[test]
            fn never_panics_on_any_text(input in any::<String>()) {
                let _ = split(&input);
            }

            #[test]
            fn statements_are_slices_of_the_input(input in sqlish()) {
                if let Ok(tokens) = tokenize(&input) {
                    for s in statements(&input, &tokens) {
                        prop_assert_eq!(&input[s.offset..s.offset + s.text.len()], s.text);
                        prop_assert!(!s.text.trim().is_empty());
                    }
                }
            }
        }
    }
}
