//! Tokens of PostgreSQL's lexer (squawk-lexer, a port of the server's
//! `scan.l`) with their 1-based line and column: strings (`'..'`, `E'..'`),
//! quoted identifiers, dollar quotes, line and nested block comments.
//!
//! Markers, headers, directives and statement boundaries are all found on
//! these tokens, so a `;` or a comment is what PostgreSQL says it is: a lone
//! carriage return ends a `--` comment here exactly as it does on the server.

use std::fmt;

/// What a token is. Only the distinctions the splitter, the section reader
/// and the lexical check need are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Spaces, tabs, newlines.
    Whitespace,
    /// `-- ...` up to (not including) the end of the line.
    LineComment,
    /// `/* ... */`, possibly nested.
    BlockComment,
    /// A keyword or unquoted identifier.
    Word,
    /// `"..."`.
    QuotedIdent,
    /// `'...'`, `E'...'`, `B'...'`, `X'...'`, `U&'...'`.
    String,
    /// `$$...$$` or `$tag$...$tag$`.
    DollarString,
    /// A numeric literal.
    Number,
    /// `$1`, a positional parameter.
    Param,
    /// Any other single character: punctuation and operators.
    Punct(char),
}

impl TokenKind {
    /// Whitespace and comments: what does not make a statement.
    pub fn is_trivia(self) -> bool {
        matches!(
            self,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment
        )
    }
}

/// One token: its kind, its byte range in the input, and where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// 1-based line of the first byte.
    pub line: usize,
    /// 1-based column (in characters) of the first byte.
    pub column: usize,
}

impl Token {
    /// The token's text in `input`.
    pub fn text<'a>(&self, input: &'a str) -> &'a str {
        &input[self.start..self.end]
    }
}

/// Something left open at the end of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// What was left open, e.g. "string literal" or "dollar-quoted string `$body$`".
    pub what: String,
    /// Byte offset where it starts.
    pub offset: usize,
    /// 1-based line where it starts.
    pub line: usize,
    /// 1-based column where it starts.
    pub column: usize,
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unterminated {} starting here", self.what)
    }
}

impl std::error::Error for LexError {}

/// Tokenizes `input` completely. The tokens cover the input without gaps, so
/// concatenating their texts gives back `input`.
///
/// The tokens are squawk-lexer's, a port of PostgreSQL's own lexer
/// (`scan.l`): a `--` comment ends at a newline *or* a carriage return,
/// block comments nest, `$tag$` quotes and `E'...'` escapes are PostgreSQL's.
/// Whatever we judge is therefore split where the server splits it.
pub fn tokenize(input: &str) -> Result<Vec<Token>, LexError> {
    use squawk_lexer::{LiteralKind as L, TokenKind as K};
    let mut tokens = Vec::new();
    let mut place = Place::default();
    let mut start = 0usize;
    // squawk's lexer is restarted after a `$` that PostgreSQL reads alone.
    let mut lexer = squawk_lexer::tokenize(input);
    while let Some(tok) = lexer.next() {
        let mut end = start + tok.len as usize;
        // `$E'...'`: squawk reads `$E` as a parameter with junk; PostgreSQL
        // reads a lone `$` (no digit follows it) and lexes on from the `E`,
        // here an escape string. Do as the server does.
        let lone_dollar = matches!(tok.kind, K::PositionalParam { .. })
            && end > start + 1
            && !input.as_bytes()[start + 1].is_ascii_digit();
        if lone_dollar {
            end = start + 1;
            lexer = squawk_lexer::tokenize(&input[end..]);
        }
        let (line, column) = place.at(input, start);
        let open = |what: &str| LexError {
            what: what.to_string(),
            offset: start,
            line,
            column,
        };
        let kind = match tok.kind {
            K::Whitespace => TokenKind::Whitespace,
            K::LineComment => TokenKind::LineComment,
            K::BlockComment { terminated } => {
                if !terminated {
                    return Err(open("block comment"));
                }
                TokenKind::BlockComment
            }
            K::Ident => TokenKind::Word,
            K::QuotedIdent { terminated, .. } => {
                if !terminated {
                    return Err(open("quoted identifier"));
                }
                TokenKind::QuotedIdent
            }
            K::Literal { kind } => match kind {
                L::Int { .. } | L::Numeric { .. } => TokenKind::Number,
                L::DollarQuotedString { terminated } => {
                    if !terminated {
                        let tag_end = input[start + 1..end]
                            .find('$')
                            .map_or(end, |i| start + i + 2);
                        return Err(open(&format!(
                            "dollar-quoted string `{}`",
                            &input[start..tag_end]
                        )));
                    }
                    TokenKind::DollarString
                }
                L::Str { terminated }
                | L::NationalStr { terminated }
                | L::ByteStr { terminated }
                | L::BitStr { terminated }
                | L::UnicodeEscStr { terminated }
                | L::EscStr { terminated } => {
                    if !terminated {
                        return Err(open("string literal"));
                    }
                    TokenKind::String
                }
            },
            K::PositionalParam { .. } if lone_dollar => TokenKind::Punct('$'),
            K::PositionalParam { .. } => TokenKind::Param,
            K::Eof => break,
            _ => TokenKind::Punct(input[start..end].chars().next().unwrap_or(' ')),
        };
        tokens.push(Token {
            kind,
            start,
            end,
            line,
            column,
        });
        start = end;
    }
    Ok(tokens)
}

/// Turns byte offsets into 1-based lines and character columns, moving
/// forward only, so that tokenizing stays linear however long a line is.
#[derive(Default)]
struct Place {
    offset: usize,
    line: usize,
    /// Characters between the start of the line and `offset`.
    column: usize,
}

impl Place {
    fn at(&mut self, input: &str, offset: usize) -> (usize, usize) {
        for b in &input.as_bytes()[self.offset..offset] {
            if *b == b'\n' {
                self.line += 1;
                self.column = 0;
            } else if b & 0xC0 != 0x80 {
                // Not a UTF-8 continuation byte: a new character.
                self.column += 1;
            }
        }
        self.offset = offset;
        (self.line + 1, self.column + 1)
    }
}

/// The upper-cased words at the start of `tokens`, skipping trivia, up to `n`.
pub fn leading_words(input: &str, tokens: &[Token], n: usize) -> Vec<String> {
    tokens
        .iter()
        .filter(|t| !t.kind.is_trivia())
        .take(n)
        .take_while(|t| t.kind == TokenKind::Word)
        .map(|t| t.text(input).to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(TokenKind, &str)> {
        tokenize(sql)
            .unwrap()
            .into_iter()
            .filter(|t| t.kind != TokenKind::Whitespace)
            .map(|t| (t.kind, t.text(sql)))
            .collect()
    }

    #[test]
    fn strings_identifiers_and_comments_are_single_tokens() {
        use TokenKind::*;
        assert_eq!(
            kinds("'a;''b' E'x\\';y' \"q;\"\"\" -- c;\n/* a /* b; */ c */"),
            vec![
                (String, "'a;''b'"),
                (String, "E'x\\';y'"),
                (QuotedIdent, "\"q;\"\"\""),
                (LineComment, "-- c;"),
                (BlockComment, "/* a /* b; */ c */"),
            ]
        );
    }

    #[test]
    fn a_dollar_without_digits_is_alone_as_postgresql_reads_it() {
        use TokenKind::*;
        assert_eq!(
            kinds("$E'it\\'s; -- no' $1 $x"),
            vec![
                (Punct('$'), "$"),
                (String, "E'it\\'s; -- no'"),
                (Param, "$1"),
                (Punct('$'), "$"),
                (Word, "x"),
            ]
        );
        let t = tokenize("a $E'x' b").unwrap();
        assert_eq!(
            t.iter().map(|t| (t.start, t.end)).collect::<Vec<_>>(),
            vec![(0, 1), (1, 2), (2, 3), (3, 7), (7, 8), (8, 9)]
        );
    }

    #[test]
    fn dollar_quotes_with_and_without_tags() {
        use TokenKind::*;
        assert_eq!(
            kinds("$$a;b$$ $body$ $$x;$$ $body$ $1 a$b"),
            vec![
                (DollarString, "$$a;b$$"),
                (DollarString, "$body$ $$x;$$ $body$"),
                (Param, "$1"),
                (Word, "a$b"),
            ]
        );
    }

    #[test]
    fn unterminated_tokens_report_where_they_start() {
        for (sql, what, line, column) in [
            ("select 1;\nselect 'abc", "string literal", 2, 8),
            ("x \"abc", "quoted identifier", 1, 3),
            ("\n\n  $fn$ begin", "dollar-quoted string `$fn$`", 3, 3),
            ("/* a /* b */", "block comment", 1, 1),
            ("E'abc\\'", "string literal", 1, 1),
        ] {
            let err = tokenize(sql).unwrap_err();
            assert_eq!(
                (err.what.as_str(), err.line, err.column),
                (what, line, column),
                "{sql}"
            );
        }
    }

    #[test]
    fn lines_and_columns_count_characters() {
        let toks = tokenize("é;\r\n  abc").unwrap();
        let abc = toks
            .iter()
            .find(|t| t.text("é;\r\n  abc") == "abc")
            .unwrap();
        assert_eq!((abc.line, abc.column), (2, 3));
        let semi = toks
            .iter()
            .find(|t| t.kind == TokenKind::Punct(';'))
            .unwrap();
        assert_eq!(semi.column, 2);
    }
}
