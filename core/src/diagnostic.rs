//! Diagnostics: what is wrong with a migration file, where, and what to do.
//!
//! The same text is shown by the macro (as a compile error or warning) and by
//! the CLI's `check`, so both say the same thing.

use std::fmt;

/// The `'static` name of a rule, from its text (a cached diagnostic's).
pub fn rule_name(name: &str) -> Option<&'static str> {
    crate::rules::rule(name).map(|r| r.name)
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; the migration is still embedded.
    Warning,
    /// The folder cannot be embedded.
    Error,
}

/// One problem in a migration folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable name for the rule, e.g. `syntax` or `renaming-column`.
    pub rule: &'static str,
    /// The file as the user named it, e.g. `migrations/003_x.sql`.
    pub file: String,
    /// Where in the file, when the problem has a place: (line, column), 1-based.
    pub position: Option<(usize, usize)>,
    /// The source line at `position`, shown with a caret under the column.
    pub source_line: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic about a whole file (its name, its place in the folder).
    pub fn file(severity: Severity, rule: &'static str, file: &str, message: String) -> Self {
        Diagnostic {
            severity,
            rule,
            file: file.to_string(),
            position: None,
            source_line: None,
            message,
            help: None,
        }
    }

    /// A diagnostic at a place whose line's text is known.
    pub fn at_line(
        severity: Severity,
        rule: &'static str,
        file: &str,
        source_line: Option<&str>,
        (line, column): (usize, usize),
        message: String,
    ) -> Self {
        Diagnostic {
            severity,
            rule,
            file: file.to_string(),
            position: Some((line, column)),
            source_line: source_line.map(|l| l.trim_end_matches('\r').to_string()),
            message,
            help: None,
        }
    }

    /// A diagnostic at a place in `source` (the file's text).
    pub fn at(
        severity: Severity,
        rule: &'static str,
        file: &str,
        source: &str,
        line: usize,
        column: usize,
        message: String,
    ) -> Self {
        let source_line = source
            .lines()
            .nth(line.saturating_sub(1))
            .map(|l| l.trim_end_matches('\r').to_string());
        Diagnostic {
            severity,
            rule,
            file: file.to_string(),
            position: Some((line, column)),
            source_line,
            message,
            help: None,
        }
    }

    /// Adds what to do about it.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column`, or `file` when the problem has no place.
    pub fn location(&self) -> String {
        match self.position {
            Some((line, column)) => format!("{}:{line}:{column}", self.file),
            None => self.file.clone(),
        }
    }
}

/// The rustc-like rendering, without the leading `error:`/`warning:` (the
/// compiler or the CLI adds that):
///
/// ```text
/// migrations/003_x.sql:17:12: sqlparser rejected this statement: Expected: ...
///    |
/// 17 | CREAT TABLE users (
///    | ^
///    = help: ...
/// ```
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location(), self.message)?;
        if let (Some((line, column)), Some(src)) = (self.position, &self.source_line) {
            let number = line.to_string();
            let pad = " ".repeat(number.len());
            // Tabs are shown as they are, so the caret must follow them.
            let lead: String = src
                .chars()
                .take(column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n{pad} |\n{number} | {src}\n{pad} | {lead}^")?;
            if let Some(help) = &self.help {
                write!(f, "\n{pad} = help: {help}")?;
            }
        } else if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_source_caret_and_help() {
        let d = Diagnostic::at(
            Severity::Error,
            "syntax",
            "migrations/003_x.sql",
            "SELECT 1;\n\tCREAT TABLE t ();\n",
            2,
            2,
            "bad".into(),
        )
        .with_help("fix it");
        assert_eq!(
            d.to_string(),
            "migrations/003_x.sql:2:2: bad\n  |\n2 | \tCREAT TABLE t ();\n  | \t^\n  = help: fix it"
        );
    }

    #[test]
    fn file_level_diagnostics_have_no_position() {
        let d = Diagnostic::file(Severity::Error, "file-name", "m/1_x.sql", "bad name".into())
            .with_help("rename it");
        assert_eq!(d.to_string(), "m/1_x.sql: bad name\n  = help: rename it");
    }
}
