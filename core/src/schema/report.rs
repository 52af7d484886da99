//! The schema check's findings as diagnostics: at the name's line and
//! column in its file, with the rule's severity under the settings, and
//! unless a `-- sqlstrata: allow(...)` above the statement (or in the
//! file's header) allows it.

use std::path::Path;

use crate::config::LintConfig;
use crate::diagnostic::Diagnostic;
use crate::directives::{Directive, parse_comment};
use crate::migration::SourceMigration;
use crate::rules;

use super::check_set;

/// Checks the names of `set` (read from `dir`, shown as `display`; the
/// files of versions `failed` could not be read): each diagnostic with the
/// version of the migration it is about.
pub fn diagnostics(
    set: &[SourceMigration],
    dir: &Path,
    display: &str,
    settings: &LintConfig,
    failed: &[i64],
) -> Vec<(i64, Diagnostic)> {
    if !settings.schema.check {
        return Vec::new();
    }
    let findings = check_set(set, &settings.schema.external, failed);
    let mut out = Vec::new();
    let mut source: Option<(usize, String)> = None;
    for f in findings {
        let Some(m) = set.get(f.migration) else {
            continue;
        };
        let rule_name = match &f.problem {
            Some(p) => p.rule(),
            None => "schema-down-differs",
        };
        let Some(rule) = rules::rule(rule_name) else {
            continue;
        };
        let Some(severity) = settings.severity_at(rule, m.version()) else {
            continue;
        };
        if source.as_ref().is_none_or(|(i, _)| *i != f.migration) {
            let text =
                std::fs::read_to_string(dir.join(m.migration.file_name())).unwrap_or_default();
            source = Some((f.migration, text));
        }
        let text = source.as_ref().map_or("", |(_, t)| t.as_str());
        let start = m.spans.get(f.statement).map_or(0, |s| s.0);
        if allowed(text, start).contains(&rule.name) {
            continue;
        }
        let file = m.migration.file_name();
        let shown = format!("{}/{file}", display.trim_end_matches('/'));
        let (message, offset) = match &f.problem {
            Some(p) => (
                format!("{} ({})", p.message(file), rule.name),
                start + offset_in(text.get(start..).unwrap_or(""), p.place()),
            ),
            None => (
                format!(
                    "this DOWN section does not undo its UP: DOWN {} ({})",
                    f.differences.join("; DOWN "),
                    rule.name
                ),
                start,
            ),
        };
        let (line, column) = line_column(text, offset);
        let help = match &f.problem {
            Some(p) => p.help(),
            None => rule.fix,
        };
        let d = Diagnostic::at(
            severity,
            rule.name,
            &shown,
            text.strip_prefix('\u{feff}').unwrap_or(text),
            line,
            column,
            message,
        )
        .with_help(format!(
            "{help}; to accept it here, put `-- sqlstrata: allow({})` on the line above",
            rule.name
        ));
        out.push((m.version(), d));
    }
    out
}

/// The byte offset in `statement` of sqlparser's (line, column) place.
fn offset_in(statement: &str, (line, column): (u64, u64)) -> usize {
    let (mut l, mut c) = (1u64, 1u64);
    for (i, ch) in statement.char_indices() {
        if l == line && c == column {
            return i;
        }
        if ch == '\n' {
            l += 1;
            c = 1;
        } else {
            c += 1;
        }
    }
    0
}

/// 1-based line and column (in characters) of `offset` in `text` (a
/// leading BOM not counted).
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let before = text.get(bom..offset.max(bom)).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// [`allowed`], for the model's tests.
#[cfg(test)]
pub(crate) fn tests_allowed(text: &str, start: usize) -> Vec<&'static str> {
    allowed(text, start)
}

/// The rules `allow(...)`ed for the statement at `start`: by the comment
/// lines right above it, and by the file's header (above `-- UP`).
fn allowed(text: &str, start: usize) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut take = |line: &str| {
        if let Some(Ok(Directive::Allow(name))) = parse_comment(line.trim()) {
            out.push(name);
        }
    };
    let before = text.get(..start).unwrap_or("");
    for line in before.lines().rev().skip_while(|l| l.trim().is_empty()) {
        let t = line.trim();
        if t.is_empty() || !t.starts_with("--") {
            break;
        }
        take(t);
    }
    for line in text.lines() {
        let t = line.trim();
        if t.eq_ignore_ascii_case("-- up") || t.eq_ignore_ascii_case("-- up migration") {
            break;
        }
        if !(t.is_empty() || t.starts_with("--")) {
            break;
        }
        take(t);
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_and_allows() {
        let text = "-- UP\nCREATE TABLE t (a int);\n-- sqlstrata: allow(schema-object-missing)\nALTER TABLE\n  uesrs ADD x int;\n";
        let start = text.find("ALTER").unwrap_or(0);
        assert_eq!(allowed(text, start), vec!["schema-object-missing"]);
        assert!(allowed(text, text.find("CREATE").unwrap_or(0)).is_empty());
        let o = start + offset_in(&text[start..], (2, 3));
        assert_eq!(line_column(text, o), (5, 3));
        let head = "-- sqlstrata: allow(schema-down-differs)\n\n-- UP\nSELECT 1;\n";
        assert_eq!(
            allowed(head, head.find("SELECT").unwrap_or(0)),
            vec!["schema-down-differs"]
        );
    }

    #[test]
    fn a_folder_read_reports_at_the_name_unless_allowed() {
        let dir =
            std::env::temp_dir().join(format!("sqlstrata-schema-report-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let write = |f: &str, t: &str| std::fs::write(dir.join(f), t).unwrap();
        write(
            "001_users.sql",
            "-- UP\nCREATE TABLE users (id int, email text);\n-- DOWN\nDROP TABLE users;\n",
        );
        write(
            "002_typo.sql",
            "-- UP\nSELECT 1;\nALTER TABLE users\n  DROP COLUMN emial;\n-- sqlstrata: allow(schema-object-missing)\nALTER TABLE uesrs ADD COLUMN x int;\n-- DOWN\nSELECT 1;\n",
        );
        let folder = crate::read_folder(&dir, "m");
        let schema: Vec<_> = folder
            .diagnostics
            .iter()
            .filter(|d| d.rule.starts_with("schema-"))
            .collect();
        assert_eq!(schema.len(), 1, "{:?}", folder.diagnostics);
        assert_eq!(schema[0].position, Some((4, 15)));
        assert_eq!(schema[0].file, "m/002_typo.sql");
        assert!(schema[0].is_error());
        // Off in the settings: nothing.
        write("sqlstrata.toml", "[schema]\ncheck = false\n");
        let folder = crate::read_folder(&dir, "m");
        assert!(
            !folder
                .diagnostics
                .iter()
                .any(|d| d.rule.starts_with("schema-"))
        );
        // A rule allowed for the set.
        write(
            "sqlstrata.toml",
            "[lints]\nallow = [\"schema-object-missing\"]\n",
        );
        let folder = crate::read_folder(&dir, "m");
        assert!(
            !folder
                .diagnostics
                .iter()
                .any(|d| d.rule.starts_with("schema-"))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
