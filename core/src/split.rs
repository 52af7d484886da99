//! Splitting a section into statements where PostgreSQL's grammar ends them.
//!
//! The section is parsed once with squawk-syntax (PostgreSQL's grammar in
//! Rust); a statement ends at a `;` the grammar puts at the top level. So a
//! `;` inside a string, quoted identifier, dollar quote or comment does not
//! split, and neither does one inside parentheses (`CREATE RULE ... DO ALSO
//! (INSERT ...; INSERT ...)`) or a SQL-standard function body (`BEGIN ATOMIC
//! ... END`, where `SELECT 1 AS case;` is a column label, not a `CASE`).
//! Every statement keeps its original text and the 1-based line and column
//! where it starts: the runtime executes that text as written, and the server
//! draws the same boundaries in it.

use squawk_syntax::{Parse, SourceFile, SyntaxKind, SyntaxNode};

use crate::grammar;
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

/// What PostgreSQL's grammar says is wrong in a statement: the first error it
/// reported inside the statement's piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrammarError {
    /// squawk's message, e.g. `expected COMMA`.
    pub message: String,
    /// Byte offset in the input where the grammar stopped.
    pub offset: usize,
}

/// One statement: its text without leading trivia and without the
/// terminating `;`.
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
    /// The grammar's first complaint about it, if any.
    pub error: Option<GrammarError>,
    /// How many statements the grammar found in this text: more than one
    /// means a `;` between them was lost.
    pub grammar_statements: usize,
}

/// A section split by the grammar, with the grammar's parse of it (for the
/// lints).
pub struct Section<'a> {
    /// The statements, in order.
    pub statements: Vec<Statement<'a>>,
    /// squawk's parses of the section's text (one, unless the section is
    /// very long), each with the byte offset in the input where it starts.
    pub parses: Vec<(Parse<SourceFile>, usize)>,
    /// The text the offsets count in (a parse's text starts at its offset).
    pub input: &'a str,
}

/// Splits `input` into pieces. Fails only when a string, quoted identifier,
/// dollar quote or block comment is left open.
pub fn split_pieces(input: &str) -> Result<Vec<Piece>, LexError> {
    let tokens = tokenize(input)?;
    let ranges = ranges_of(&tokens, &parse_chunks(input, &tokens, CHUNK));
    Ok(ranges
        .into_iter()
        .map(|r| Piece {
            start: tokens[r.start].start,
            end: tokens[r.end - 1].end,
        })
        .collect())
}

/// Splits `input` into its statements: (text, line).
pub fn split(input: &str) -> Result<Vec<(String, usize)>, LexError> {
    let tokens = tokenize(input)?;
    Ok(section(input, &tokens)
        .statements
        .into_iter()
        .map(|s| (s.text.to_string(), s.line))
        .collect())
}

/// Statements per parse in a very long section. squawk's tree builder slows
/// down on one huge tree; a long section is parsed in chunks that each end
/// at a `;` the grammar confirms is top-level, where statements are
/// independent, so the result is the same as one parse.
const CHUNK: usize = 4096;

/// One parse of a run of whole statements: the grammar's verdict, where its
/// text starts in the input, its top-level `;` and the statements it found
/// (absolute offsets).
struct Chunk {
    parsed: grammar::Parsed,
    base: usize,
    semicolons: Vec<usize>,
    starts: Vec<usize>,
}

fn parse_chunk(input: &str, tokens: &[Token]) -> Option<Chunk> {
    let (first, last) = (tokens.first()?, tokens.last()?);
    let base = first.start;
    let parsed = grammar::parse(&input[base..last.end]);
    let root = parsed.parse.syntax_node();
    let semicolons = top_level_semicolons(&root).map(|o| o + base).collect();
    let starts = root
        .children()
        .filter(|n| n.kind() != SyntaxKind::EMPTY_STMT && n.kind() != SyntaxKind::ERROR)
        .map(|n| usize::from(n.text_range().start()) + base)
        .collect();
    Some(Chunk {
        parsed,
        base,
        semicolons,
        starts,
    })
}

/// The grammar's parses of `tokens` (a tokenized part of `input`).
fn parse_chunks(input: &str, tokens: &[Token], chunk: usize) -> Vec<Chunk> {
    // Candidate ends: `;` outside brackets. Only the grammar says which of
    // them end statements (not those in a `BEGIN ATOMIC` body).
    let mut depth = 0i64;
    let candidates: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            match t.kind {
                TokenKind::Punct('(' | '[') => depth += 1,
                TokenKind::Punct(')' | ']') => depth -= 1,
                TokenKind::Punct(';') if depth <= 0 => return Some(i),
                _ => {}
            }
            None
        })
        .collect();
    let mut chunks = Vec::new();
    let mut from = 0; // token index where the next chunk starts
    let mut next = 0; // index into `candidates` past `from`
    while from < tokens.len() {
        let mut take = chunk;
        loop {
            let Some(&end) = candidates.get(next + take) else {
                chunks.extend(parse_chunk(input, &tokens[from..]));
                return chunks;
            };
            let chunk = parse_chunk(input, &tokens[from..=end]);
            if let Some(chunk) = chunk
                && chunk.semicolons.last() == Some(&tokens[end].start)
            {
                chunks.push(chunk);
                from = end + 1;
                next += take + 1;
                break;
            }
            take *= 2;
        }
    }
    chunks
}

/// The token index ranges of the pieces of `tokens`: each ends after a
/// top-level `;` (as the grammar's `chunks` say) or at the last token.
fn ranges_of(tokens: &[Token], chunks: &[Chunk]) -> Vec<std::ops::Range<usize>> {
    let mut boundaries = chunks
        .iter()
        .flat_map(|c| c.semicolons.iter().copied())
        .peekable();
    let mut ranges = Vec::new();
    let mut start = 0;
    for (i, tok) in tokens.iter().enumerate() {
        while boundaries.next_if(|b| *b < tok.start).is_some() {}
        if tok.kind == TokenKind::Punct(';') && boundaries.next_if_eq(&tok.start).is_some() {
            ranges.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < tokens.len() {
        ranges.push(start..tokens.len());
    }
    ranges
}

/// Offsets (in the parsed text) of the `;` that end statements: those the
/// grammar puts directly in the file or directly in a statement, not in a
/// rule's action list or a function body.
fn top_level_semicolons(root: &SyntaxNode) -> impl Iterator<Item = usize> + '_ {
    root.descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| t.kind() == SyntaxKind::SEMICOLON)
        .filter(move |t| {
            t.parent()
                .is_some_and(|p| &p == root || p.parent().as_ref() == Some(root))
        })
        .map(|t| usize::from(t.text_range().start()))
}

/// The statements in `tokens` (a tokenized part of `input`), in order, with
/// the grammar's parse. Pieces that hold only trivia and `;` are not
/// statements.
pub fn section<'a>(input: &'a str, tokens: &'a [Token]) -> Section<'a> {
    section_in_chunks(input, tokens, CHUNK)
}

fn section_in_chunks<'a>(input: &'a str, tokens: &'a [Token], chunk: usize) -> Section<'a> {
    let chunks = parse_chunks(input, tokens, chunk);
    let ranges = ranges_of(tokens, &chunks);
    let mut errors = chunks
        .iter()
        .flat_map(|c| c.parsed.errors.iter().map(|(o, m)| (o + c.base, m.clone())))
        .collect::<Vec<_>>()
        .into_iter()
        .peekable();
    let mut starts = chunks
        .iter()
        .flat_map(|c| c.starts.iter().copied())
        .collect::<Vec<_>>()
        .into_iter()
        .peekable();
    let end = tokens.last().map_or(0, |t| t.end);
    let mut statements = Vec::new();
    for r in ranges {
        let piece = &tokens[r];
        let piece_start = piece.first().map_or(end, |t| t.start);
        let piece_end = piece.last().map_or(end, |t| t.end);
        let is_last = piece_end == end;
        let mut first_error = None;
        while let Some((offset, _)) = errors.peek() {
            let inside = *offset < piece_end || (is_last && *offset <= piece_end);
            if !inside {
                break;
            }
            let (offset, message) = errors.next().unwrap_or_default();
            if first_error.is_none() {
                first_error = Some(
                    unknown_statement(input, piece, offset, &message)
                        .unwrap_or(GrammarError { message, offset }),
                );
            }
        }
        // The grammar's statements that start in this piece (both lists run
        // forward together, so splitting stays linear).
        let mut in_piece = 0;
        while let Some(start) = starts.next_if(|s| *s < piece_end) {
            in_piece += usize::from(start >= piece_start);
        }
        if let Some(mut statement) = statement_in(input, piece) {
            statement.grammar_statements = in_piece;
            statement.error = first_error;
            statements.push(statement);
        }
    }
    Section {
        statements,
        parses: chunks
            .into_iter()
            .map(|c| (c.parsed.parse, c.base))
            .collect(),
        input,
    }
}

/// The grammar says "expected command" where it cannot tell which statement
/// the first words begin (`DROP TABEL t`, `SELEC 1`, `TRIGGER t ...`).
/// PostgreSQL points at the first word it could not take: the first one when
/// no statement begins with it, else the second (`DROP TABEL`).
fn unknown_statement(
    input: &str,
    piece: &[Token],
    offset: usize,
    message: &str,
) -> Option<GrammarError> {
    if !message.starts_with("expected command") {
        return None;
    }
    let words: Vec<&Token> = piece
        .iter()
        .filter(|t| !t.kind.is_trivia() && t.kind != TokenKind::Punct(';'))
        .take(2)
        .collect();
    if words.first()?.start != offset {
        return None;
    }
    let first = words[0].text(input).to_ascii_uppercase();
    let culprit = if STATEMENT_STARTS.contains(&first.as_str()) {
        words.len() - 1
    } else {
        0
    };
    let said: Vec<&str> = words[..=culprit].iter().map(|t| t.text(input)).collect();
    Some(GrammarError {
        message: format!(
            "`{}` does not begin a statement PostgreSQL knows",
            said.join(" ")
        ),
        offset: words[culprit].start,
    })
}

/// The words a PostgreSQL statement can begin with.
const STATEMENT_STARTS: &[&str] = &[
    "ABORT",
    "ALTER",
    "ANALYSE",
    "ANALYZE",
    "BEGIN",
    "CALL",
    "CHECKPOINT",
    "CLOSE",
    "CLUSTER",
    "COMMENT",
    "COMMIT",
    "COPY",
    "CREATE",
    "DEALLOCATE",
    "DECLARE",
    "DELETE",
    "DISCARD",
    "DO",
    "DROP",
    "END",
    "EXECUTE",
    "EXPLAIN",
    "FETCH",
    "GRANT",
    "IMPORT",
    "INSERT",
    "LISTEN",
    "LOAD",
    "LOCK",
    "MERGE",
    "MOVE",
    "NOTIFY",
    "PREPARE",
    "REASSIGN",
    "REFRESH",
    "REINDEX",
    "RELEASE",
    "RESET",
    "REVOKE",
    "ROLLBACK",
    "SAVEPOINT",
    "SECURITY",
    "SELECT",
    "SET",
    "SHOW",
    "START",
    "TABLE",
    "TRUNCATE",
    "UNLISTEN",
    "UPDATE",
    "VACUUM",
    "VALUES",
    "WITH",
];

/// The statements in `tokens` (a tokenized part of `input`), in order.
pub fn statements<'a>(input: &'a str, tokens: &'a [Token]) -> Vec<Statement<'a>> {
    section(input, tokens).statements
}

fn statement_in<'a>(input: &'a str, tokens: &'a [Token]) -> Option<Statement<'a>> {
    let first = tokens
        .iter()
        .position(|t| !t.kind.is_trivia() && t.kind != TokenKind::Punct(';'))?;
    let last = tokens
        .iter()
        .rposition(|t| !t.kind.is_trivia() && t.kind != TokenKind::Punct(';'))?;
    let head = tokens[first];
    Some(Statement {
        text: &input[head.start..tokens[last].end],
        offset: head.start,
        line: head.line,
        column: head.column,
        leading: &tokens[..first],
        tokens: &tokens[first..=last],
        error: None,
        grammar_statements: 1,
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
    fn boundaries_follow_the_grammar() {
        // A rule's actions in parentheses, a function body that labels a
        // column `case` or `end`: one statement each.
        let sql = "CREATE RULE r AS ON INSERT TO a DO ALSO (INSERT INTO b VALUES (1); INSERT INTO c VALUES (2));\n\
                   CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 AS case; SELECT 2 AS end; END;\n\
                   SELECT 3;";
        let got = texts(sql);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].0.ends_with("VALUES (2))"));
        assert!(got[1].0.ends_with("SELECT 2 AS end; END"));
        assert_eq!(got[2], ("SELECT 3".to_string(), 3));
    }

    #[test]
    fn a_lone_carriage_return_ends_a_comment_as_on_the_server() {
        // What looks like one commented line is two statements to PostgreSQL.
        let got = texts("SELECT 1 -- x\r; DROP TABLE victim; SELECT 2");
        let texts: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, vec!["SELECT 1", "DROP TABLE victim", "SELECT 2"]);
    }

    #[test]
    fn a_lost_semicolon_leaves_one_text_with_two_statements() {
        let tokens = tokenize("ALTER INDEX a RENAME TO b\nCREATE TABLE t (x int);").unwrap();
        let sql = "ALTER INDEX a RENAME TO b\nCREATE TABLE t (x int);";
        let stmts = statements(sql, &tokens);
        assert_eq!(stmts.len(), 1);
        assert_eq!(stmts[0].grammar_statements, 2);
        assert!(stmts[0].error.is_some());
    }

    #[test]
    fn a_long_section_parsed_in_chunks_splits_as_one_parse() {
        // Bodies whose inner `;` are candidate ends, errors, a lost `;`:
        // chunks of 1 or 2 statements must find what one parse finds.
        let sql = "SELECT 1;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2 AS end; END;\n\
                   SELEC 2;\nCREATE RULE r AS ON INSERT TO a DO ALSO (INSERT INTO b VALUES (1); INSERT INTO c VALUES (2));\n\
                   SELECT 3\nSELECT 4;\nCREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 5; END;\nSELECT 6";
        let tokens = tokenize(sql).unwrap();
        let whole = section_in_chunks(sql, &tokens, usize::MAX);
        assert_eq!(whole.parses.len(), 1);
        assert_eq!(whole.statements.len(), 7);
        for chunk in [1, 2, 3] {
            let chunked = section_in_chunks(sql, &tokens, chunk);
            assert!(chunked.parses.len() > 1, "{chunk}");
            assert_eq!(chunked.statements, whole.statements, "chunks of {chunk}");
        }
    }

    #[test]
    fn statements_with_no_space_between_keep_their_own_errors_and_counts() {
        let sql = "SELECT 1;SELEC 2;SELECT 3;;FOO BAR;SELECT 4";
        let tokens = tokenize(sql).unwrap();
        let got: Vec<(&str, usize, bool)> = section(sql, &tokens)
            .statements
            .iter()
            .map(|s| (s.text, s.grammar_statements, s.error.is_some()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("SELECT 1", 1, false),
                ("SELEC 2", 0, true),
                ("SELECT 3", 1, false),
                ("FOO BAR", 0, true),
                ("SELECT 4", 1, false),
            ]
        );
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
