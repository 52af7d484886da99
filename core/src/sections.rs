//! Finding the `-- UP` and `-- DOWN` markers and the header comments.

use std::ops::Range;

use crate::lex::{Token, TokenKind};

/// Which marker a comment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// `-- UP` or `-- UP MIGRATION`.
    Up,
    /// `-- DOWN` or `-- DOWN MIGRATION`.
    Down,
}

/// Whether a line comment is a marker. Markers are matched in any case.
///
/// ```
/// use sqlstrata_core::sections::{marker, Marker};
/// assert_eq!(marker("-- UP"), Some(Marker::Up));
/// assert_eq!(marker("--   down migration  "), Some(Marker::Down));
/// assert_eq!(marker("-- UPDATE the view"), None);
/// ```
pub fn marker(comment: &str) -> Option<Marker> {
    let body = comment.strip_prefix("--")?.trim().to_ascii_uppercase();
    let body: Vec<&str> = body.split_whitespace().collect();
    match body.as_slice() {
        ["UP"] | ["UP", "MIGRATION"] => Some(Marker::Up),
        ["DOWN"] | ["DOWN", "MIGRATION"] => Some(Marker::Down),
        _ => None,
    }
}

/// The header comments a migration may carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    /// `-- Migration:` and the line it is on.
    pub migration: Option<(String, usize)>,
    /// `-- Description:`.
    pub description: Option<String>,
    /// `-- Created:`.
    pub created: Option<String>,
}

/// Reads a header comment into `headers`.
pub fn read_header(comment: &str, line: usize, headers: &mut Headers) {
    let Some(body) = comment.strip_prefix("--") else {
        return;
    };
    let Some((key, value)) = body.split_once(':') else {
        return;
    };
    let value = value.trim().to_string();
    match key.trim().to_ascii_lowercase().as_str() {
        "migration" => headers.migration = Some((value, line)),
        "description" => headers.description = Some(value),
        "created" => headers.created = Some(value),
        _ => {}
    }
}

/// Where the sections of a file are, as token index ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sections {
    /// Before the UP marker (empty when there are no markers).
    pub head: Range<usize>,
    /// The UP section.
    pub up: Range<usize>,
    /// The DOWN section, when there is a DOWN marker.
    pub down: Option<Range<usize>>,
    /// Whether the file has markers at all.
    pub has_markers: bool,
}

/// A marker in the wrong place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerError {
    /// The marker's token index.
    pub token: usize,
    /// What is wrong.
    pub message: &'static str,
}

/// Finds the sections. A marker is a line comment alone on its line.
pub fn find_sections(input: &str, tokens: &[Token]) -> Result<Sections, MarkerError> {
    let mut up = None;
    let mut down = None;
    for (i, tok) in tokens.iter().enumerate() {
        if tok.kind != TokenKind::LineComment || !alone_on_line(input, tok) {
            continue;
        }
        match marker(tok.text(input)) {
            Some(Marker::Up) if up.is_some() => {
                return Err(MarkerError {
                    token: i,
                    message: "a second `-- UP` marker",
                });
            }
            Some(Marker::Up) if down.is_some() => {
                return Err(MarkerError {
                    token: i,
                    message: "`-- UP` after `-- DOWN`: the UP section comes first",
                });
            }
            Some(Marker::Up) => up = Some(i),
            Some(Marker::Down) if down.is_some() => {
                return Err(MarkerError {
                    token: i,
                    message: "a second `-- DOWN` marker",
                });
            }
            Some(Marker::Down) => down = Some(i),
            None => {}
        }
    }
    match (up, down) {
        (None, None) => Ok(Sections {
            head: 0..0,
            up: 0..tokens.len(),
            down: None,
            has_markers: false,
        }),
        (None, Some(d)) => Err(MarkerError {
            token: d,
            message: "a `-- DOWN` marker without a `-- UP` marker before it",
        }),
        (Some(u), None) => Ok(Sections {
            head: 0..u,
            up: u + 1..tokens.len(),
            down: None,
            has_markers: true,
        }),
        (Some(u), Some(d)) => Ok(Sections {
            head: 0..u,
            up: u + 1..d,
            down: Some(d + 1..tokens.len()),
            has_markers: true,
        }),
    }
}

fn alone_on_line(input: &str, tok: &Token) -> bool {
    let line_start = input[..tok.start].rfind('\n').map_or(0, |i| i + 1);
    input[line_start..tok.start].trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::tokenize;

    fn sections(sql: &str) -> Result<(String, String, Option<String>), &'static str> {
        let tokens = tokenize(sql).unwrap();
        let text = |r: &Range<usize>| {
            tokens[r.clone()]
                .iter()
                .map(|t| t.text(sql))
                .collect::<String>()
                .trim()
                .to_string()
        };
        find_sections(sql, &tokens)
            .map(|s| (text(&s.head), text(&s.up), s.down.as_ref().map(text)))
            .map_err(|e| e.message)
    }

    #[test]
    fn markers_split_the_file() {
        assert_eq!(
            sections("-- Description: x\n-- up migration\nA;\n-- Down\nB;"),
            Ok(("-- Description: x".into(), "A;".into(), Some("B;".into())))
        );
        assert_eq!(sections("A;\nB;"), Ok(("".into(), "A;\nB;".into(), None)));
    }

    #[test]
    fn markers_must_stand_alone_and_outside_strings() {
        assert_eq!(
            sections("-- UP\nSELECT '\n-- DOWN\n'; SELECT 1; -- DOWN\n"),
            Ok((
                "".into(),
                "SELECT '\n-- DOWN\n'; SELECT 1; -- DOWN".into(),
                None
            ))
        );
    }

    #[test]
    fn misplaced_markers_are_errors() {
        assert_eq!(
            sections("-- DOWN\nA;\n-- UP\nB;"),
            Err("`-- UP` after `-- DOWN`: the UP section comes first")
        );
        assert_eq!(sections("-- UP\n-- UP\n"), Err("a second `-- UP` marker"));
        assert_eq!(
            sections("-- UP\nA;\n-- DOWN\n-- DOWN\n"),
            Err("a second `-- DOWN` marker")
        );
        assert_eq!(
            sections("A;\n-- DOWN\nB;"),
            Err("a `-- DOWN` marker without a `-- UP` marker before it")
        );
    }

    #[test]
    fn headers_are_read_case_insensitively() {
        let mut h = Headers::default();
        read_header("-- Migration: 002_add_avatar", 1, &mut h);
        read_header("-- description:  Add avatar ", 2, &mut h);
        read_header("-- Created: 2026-01-20", 3, &mut h);
        read_header("-- just a note", 4, &mut h);
        assert_eq!(h.migration, Some(("002_add_avatar".into(), 1)));
        assert_eq!(h.description.as_deref(), Some("Add avatar"));
        assert_eq!(h.created.as_deref(), Some("2026-01-20"));
    }
}
