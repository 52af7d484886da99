//! A PostgreSQL-aware lexer that knows just enough to split statements and
//! check them lexically: strings (`'..'`, `E'..'`), quoted identifiers,
//! dollar quotes, line and nested block comments.
//!
//! It never interprets SQL; it only finds where each token starts and ends, so
//! that a `;` inside a string, identifier, dollar quote or comment does not
//! split a statement, and so that every token knows its 1-based line.

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
pub fn tokenize(input: &str) -> Result<Vec<Token>, LexError> {
    Lexer::new(input).run()
}

struct Lexer<'a> {
    input: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

impl<'a> Lexer<'a> {
    fn new(input: &'a str) -> Self {
        Lexer {
            input,
            bytes: input.as_bytes(),
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn column_of(&self, offset: usize) -> usize {
        self.input[self.line_start..offset].chars().count() + 1
    }

    fn peek_char(&self, at: usize) -> Option<char> {
        self.input.get(at..).and_then(|s| s.chars().next())
    }

    /// Moves to `to`, counting the newlines passed.
    fn advance_to(&mut self, to: usize) {
        for (i, b) in self.bytes[self.pos..to].iter().enumerate() {
            if *b == b'\n' {
                self.line += 1;
                self.line_start = self.pos + i + 1;
            }
        }
        self.pos = to;
    }

    fn run(mut self) -> Result<Vec<Token>, LexError> {
        let mut tokens = Vec::new();
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let line = self.line;
            let column = self.column_of(start);
            let open = |what: String| LexError {
                what,
                offset: start,
                line,
                column,
            };
            let (kind, end) = self.scan(start).map_err(open)?;
            self.advance_to(end);
            tokens.push(Token {
                kind,
                start,
                end,
                line,
                column,
            });
        }
        Ok(tokens)
    }

    /// Finds the token starting at `start`: its kind and end, or what was left open.
    fn scan(&self, start: usize) -> Result<(TokenKind, usize), String> {
        let b = self.bytes;
        let c = match self.peek_char(start) {
            Some(c) => c,
            None => return Ok((TokenKind::Whitespace, b.len())),
        };
        let next = b.get(start + 1).copied();
        match c {
            c if c.is_whitespace() => {
                let mut end = start;
                while let Some(ch) = self.peek_char(end) {
                    if !ch.is_whitespace() {
                        break;
                    }
                    end += ch.len_utf8();
                }
                Ok((TokenKind::Whitespace, end))
            }
            '-' if next == Some(b'-') => {
                let end = memchr(b'\n', &b[start..]).map_or(b.len(), |i| start + i);
                // A `\r` before the newline belongs to the line ending, not the comment.
                let end = if end > start + 2 && b[end - 1] == b'\r' && end < b.len() {
                    end - 1
                } else {
                    end
                };
                Ok((TokenKind::LineComment, end))
            }
            '/' if next == Some(b'*') => self
                .block_comment_end(start)
                .map(|end| (TokenKind::BlockComment, end))
                .ok_or_else(|| "block comment".to_string()),
            '\'' => self
                .quoted_end(start, b'\'', false)
                .map(|end| (TokenKind::String, end))
                .ok_or_else(|| "string literal".to_string()),
            '"' => self
                .quoted_end(start, b'"', false)
                .map(|end| (TokenKind::QuotedIdent, end))
                .ok_or_else(|| "quoted identifier".to_string()),
            'E' | 'e' if next == Some(b'\'') => self
                .quoted_end(start + 1, b'\'', true)
                .map(|end| (TokenKind::String, end))
                .ok_or_else(|| "string literal".to_string()),
            'B' | 'b' | 'X' | 'x' | 'N' | 'n' if next == Some(b'\'') => self
                .quoted_end(start + 1, b'\'', false)
                .map(|end| (TokenKind::String, end))
                .ok_or_else(|| "string literal".to_string()),
            'U' | 'u' if next == Some(b'&') && matches!(b.get(start + 2), Some(b'\'' | b'"')) => {
                let quote = b[start + 2];
                let (kind, what) = if quote == b'\'' {
                    (TokenKind::String, "string literal")
                } else {
                    (TokenKind::QuotedIdent, "quoted identifier")
                };
                self.quoted_end(start + 2, quote, false)
                    .map(|end| (kind, end))
                    .ok_or_else(|| what.to_string())
            }
            '$' => Ok(self.dollar(start)?),
            c if is_ident_start(c) => {
                let mut end = start;
                while let Some(ch) = self.peek_char(end) {
                    if !is_ident_continue(ch) {
                        break;
                    }
                    end += ch.len_utf8();
                }
                Ok((TokenKind::Word, end))
            }
            '0'..='9' => {
                let mut end = start;
                while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                    end += 1;
                }
                if end < b.len() && b[end] == b'.' && b.get(end + 1) != Some(&b'.') {
                    end += 1;
                    while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                        end += 1;
                    }
                }
                Ok((TokenKind::Number, end))
            }
            c => Ok((TokenKind::Punct(c), start + c.len_utf8())),
        }
    }

    /// End of a quoted token whose opening quote is at `open`. A doubled quote
    /// is an escaped quote; with `backslash`, `\x` escapes any character.
    fn quoted_end(&self, open: usize, quote: u8, backslash: bool) -> Option<usize> {
        let b = self.bytes;
        let mut i = open + 1;
        while i < b.len() {
            let c = b[i];
            if backslash && c == b'\\' {
                i += 2;
                continue;
            }
            if c == quote {
                if b.get(i + 1) == Some(&quote) {
                    i += 2;
                    continue;
                }
                return Some(i + 1);
            }
            i += 1;
        }
        None
    }

    fn block_comment_end(&self, start: usize) -> Option<usize> {
        let b = self.bytes;
        let mut depth = 0usize;
        let mut i = start;
        while i + 1 < b.len() {
            if b[i] == b'/' && b[i + 1] == b'*' {
                depth += 1;
                i += 2;
            } else if b[i] == b'*' && b[i + 1] == b'/' {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            } else {
                i += 1;
            }
        }
        None
    }

    /// `$1`, `$tag$ ... $tag$`, `$$ ... $$`, or a lone `$`.
    fn dollar(&self, start: usize) -> Result<(TokenKind, usize), String> {
        let b = self.bytes;
        let mut i = start + 1;
        if i < b.len() && b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            return Ok((TokenKind::Param, i));
        }
        // A tag is an identifier without `$`.
        while let Some(ch) = self.peek_char(i) {
            let ok = if i == start + 1 {
                is_ident_start(ch)
            } else {
                ch.is_alphanumeric() || ch == '_'
            };
            if !ok {
                break;
            }
            i += ch.len_utf8();
        }
        if b.get(i) != Some(&b'$') {
            return Ok((TokenKind::Punct('$'), start + 1));
        }
        let tag = &self.input[start..=i];
        let body = i + 1;
        match self.input[body..].find(tag) {
            Some(at) => Ok((TokenKind::DollarString, body + at + tag.len())),
            None => Err(format!("dollar-quoted string `{tag}`")),
        }
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|b| *b == needle)
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
