//! One migration file read into its model, with every diagnostic it earns.

use std::ops::Range;

use sqlstrata_model::{Bounds, Migration, MigrationParts, Statement, StatementKind, checksum};

use crate::config::LintConfig;
use crate::diagnostic::{Diagnostic, Severity};
use crate::directives::{self, Directive};
use crate::grammar;
use crate::lex::{Token, TokenKind, leading_words, tokenize};
use crate::naming::FileName;
use crate::rules::{self, Control, Finding};
use crate::sections::{Headers, find_sections, read_header};
use crate::split::{self, Section, section};
use crate::validate::{Validation, judge_by_grammar, validate};

/// How a statement was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// PostgreSQL's grammar accepts it, and sqlparser parsed it too (its tree
    /// fed our rules).
    Parsed,
    /// PostgreSQL's grammar accepts it; sqlparser does not know the form.
    GrammarOnly,
    /// PostgreSQL's grammar accepts it; sqlparser was not asked (the
    /// macro's read: sqlparser's answer changes nothing it embeds or
    /// reports, so the build does not pay for it).
    Grammar,
    /// `-- sqlstrata: unchecked` stood above it: no parser judged it.
    Unchecked,
}

/// A migration read from its file: the one model of a migration (what the
/// macro embeds and the runtime runs) and what only its source knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMigration {
    /// The migration as the runtime runs it.
    pub migration: Migration,
    /// `-- Created:`.
    pub created: Option<String>,
    /// How each statement was checked: the UP statements', then the DOWN's.
    pub checked: Vec<Checked>,
    /// Where each statement is in the file's text (byte ranges, a leading
    /// BOM counted): the UP statements', then the DOWN's.
    pub spans: Vec<(usize, usize)>,
    /// The file's length in bytes, as read.
    pub length: usize,
}

/// What checking a file found that costs time to find again: where its
/// statements are and how each was checked (the grammar's work), and the
/// enum labels its UP adds. The cache keeps it; a reread (see
/// [`reread_migration`]) verifies it against the file's text and takes
/// everything else from the file itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shape {
    /// The statements' byte ranges in the file's text (UP, then DOWN).
    pub spans: Vec<(usize, usize)>,
    /// How many of them are the UP section's.
    pub up: usize,
    /// How each was checked.
    pub checked: Vec<Checked>,
    /// The enum labels the UP adds, as SQL literals.
    pub enum_values: Vec<String>,
}

impl SourceMigration {
    /// What a reread needs to rebuild this migration from its file.
    pub fn shape(&self) -> Shape {
        Shape {
            spans: self.spans.clone(),
            up: self.migration.up().len(),
            checked: self.checked.clone(),
            enum_values: self.migration.enum_values().map(str::to_string).collect(),
        }
    }

    /// The numeric version.
    pub fn version(&self) -> i64 {
        self.migration.version()
    }

    /// Every statement, UP then DOWN, with how it was checked.
    pub fn statements(&self) -> impl Iterator<Item = (&Statement, Checked)> {
        self.migration
            .up()
            .iter()
            .chain(self.migration.down().into_iter().flatten())
            .zip(self.checked.iter().copied())
    }

    /// The statements checked by PostgreSQL's grammar that sqlparser cannot
    /// parse.
    pub fn beyond_sqlparser(&self) -> impl Iterator<Item = &Statement> {
        self.statements()
            .filter(|(_, c)| *c == Checked::GrammarOnly)
            .map(|(s, _)| s)
    }
}

/// What the runner must know of a statement PostgreSQL refuses in a
/// transaction block (`needs_no_transaction`'s name for it).
fn kind_of(refuses: Option<&str>) -> StatementKind {
    match refuses {
        Some("CREATE INDEX CONCURRENTLY") => StatementKind::CreateIndexConcurrently,
        Some("REINDEX CONCURRENTLY") => StatementKind::ReindexConcurrently,
        Some(_) => StatementKind::OutsideTransaction,
        None => StatementKind::Plain,
    }
}

/// The [`StatementKind`] of one statement's text, as a migration file's
/// reading gives it: for sets built by hand.
///
/// ```
/// use sqlstrata_core::{StatementKind, migration::statement_kind};
/// assert_eq!(statement_kind("CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)"), StatementKind::CreateIndexConcurrently);
/// assert_eq!(statement_kind("VACUUM t"), StatementKind::OutsideTransaction);
/// assert_eq!(statement_kind("CREATE INDEX i ON t (a)"), StatementKind::Plain);
/// assert_eq!(statement_kind("BEGIN"), StatementKind::BlockBegin);
/// ```
pub fn statement_kind(sql: &str) -> StatementKind {
    let Ok(tokens) = tokenize(sql) else {
        return StatementKind::Plain;
    };
    match rules::transaction_control(&leading_words(sql, &tokens, 3)) {
        Some((_, Control::Begin)) => StatementKind::BlockBegin,
        Some((_, Control::End)) => StatementKind::BlockEnd,
        _ => kind_of(rules::needs_no_transaction(sql, &tokens)),
    }
}

/// The first `;` of `tokens` outside parentheses and brackets.
fn top_level_semicolon(tokens: &[Token]) -> Option<Token> {
    let mut depth = 0i32;
    for tok in tokens {
        match tok.kind {
            TokenKind::Punct('(' | '[') => depth += 1,
            TokenKind::Punct(')' | ']') => depth -= 1,
            TokenKind::Punct(';') if depth <= 0 => return Some(*tok),
            _ => {}
        }
    }
    None
}

/// What is in force for one statement.
#[derive(Default)]
struct StatementDirectives {
    unchecked: bool,
    allow: Vec<&'static str>,
}

/// File-wide directives.
#[derive(Default)]
struct FileDirectives {
    no_transaction: bool,
    irreversible: bool,
    post_deploy: bool,
    squashes: Vec<i64>,
    allow: Vec<&'static str>,
    bounds: Bounds,
}

/// Reads one migration file. `display` is the path shown in diagnostics.
/// Returns the migration when the file has no errors (warnings may be present).
/// The lints are set as by default; see [`read_migration_with`].
pub fn read_migration(
    display: &str,
    name: &FileName,
    file_name: &str,
    source: &str,
) -> (Option<SourceMigration>, Vec<Diagnostic>) {
    read_migration_with(display, name, file_name, source, &LintConfig::default())
}

/// [`read_migration`] with the lints set by `config` (a folder's
/// `sqlstrata.toml`).
pub fn read_migration_with(
    display: &str,
    name: &FileName,
    file_name: &str,
    source: &str,
    config: &LintConfig,
) -> (Option<SourceMigration>, Vec<Diagnostic>) {
    read_judged(display, name, file_name, source, config, true)
}

/// [`read_migration_with`], asking sqlparser's opinion of each statement
/// (`sqlparser`) or PostgreSQL's grammar alone (each statement the grammar
/// accepts is [`Checked::Grammar`]; the diagnostics are the same).
pub(crate) fn read_judged(
    display: &str,
    name: &FileName,
    file_name: &str,
    source: &str,
    config: &LintConfig,
    sqlparser: bool,
) -> (Option<SourceMigration>, Vec<Diagnostic>) {
    let mut reader = Reader::new(display, name.version, source, config, None);
    reader.sqlparser = sqlparser;
    let migration = reader.read(name, file_name);
    let errors = reader.diagnostics.iter().any(Diagnostic::is_error);
    (migration.filter(|_| !errors), reader.diagnostics)
}

/// Rebuilds a migration from its file's text and the [`Shape`] a full read
/// of the same bytes found (the cache's), without PostgreSQL's grammar:
/// the file is tokenized again, its sections, headers and directives read
/// again, and every span checked against its tokens: each starts and ends
/// on a token, together they cover every token of the sections but `;`
/// and comments, and only a `;` separates two. The text and checksum are
/// the file's. `None` when the shape does not fit the file (then the file
/// is read in full) or the file has an error.
pub fn reread_migration(
    display: &str,
    name: &FileName,
    file_name: &str,
    source: &str,
    config: &LintConfig,
    shape: &Shape,
) -> Option<SourceMigration> {
    let mut reader = Reader::new(display, name.version, source, config, Some(shape));
    let migration = reader.read(name, file_name)?;
    if reader.miss || reader.diagnostics.iter().any(Diagnostic::is_error) {
        return None;
    }
    Some(migration)
}

/// Checks a file of plain SQL statements (a test fixture): every statement
/// must pass PostgreSQL's grammar. Returns the statements' texts and lines,
/// and every problem.
///
/// ```
/// let (statements, problems) = sqlstrata_core::migration::check_script(
///     "tests/fixtures/users.sql",
///     "INSERT INTO users (email) VALUES ('a@b.c');\nINSERT INTO users (email) VALUES ('d@e.f');\n",
/// );
/// assert!(problems.is_empty());
/// assert_eq!(statements.len(), 2);
/// let (_, problems) = sqlstrata_core::migration::check_script("f.sql", "INSRT INTO users VALUES (1);");
/// assert_eq!(problems[0].rule, "syntax");
/// ```
pub fn check_script(display: &str, source: &str) -> (Vec<Statement>, Vec<Diagnostic>) {
    let src = source.strip_prefix('\u{feff}').unwrap_or(source);
    let tokens = match tokenize(src) {
        Ok(t) => t,
        Err(e) => {
            let d = Diagnostic::at(
                Severity::Error,
                "unterminated",
                display,
                src,
                e.line,
                e.column,
                e.to_string(),
            )
            .with_help(format!("close the {} (or remove it)", e.what));
            return (Vec::new(), vec![d]);
        }
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for stmt in section(src, &tokens).statements {
        if let Err(r) = validate(&stmt, src) {
            problems.push(
                Diagnostic::at(
                    Severity::Error,
                    "syntax",
                    display,
                    src,
                    r.line,
                    r.column,
                    format!("invalid SQL: {}", r.message),
                )
                .with_help("fix the statement"),
            );
        }
        out.push(Statement::new(
            stmt.text.to_string(),
            u32::try_from(stmt.line).unwrap_or(u32::MAX),
        ));
    }
    (out, problems)
}

/// Whether `text` holds `word` (ASCII, any case).
fn contains_ignore_case(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

struct Reader<'a> {
    display: &'a str,
    /// The migration's version (the lint baseline's `from` reads it).
    version: i64,
    src: &'a str,
    /// The length of a leading BOM: spans count it, `src` does not.
    bom: usize,
    /// A cached shape to rebuild from instead of the grammar's work.
    shape: Option<&'a Shape>,
    /// The shape did not fit the file.
    miss: bool,
    /// Ask sqlparser too (see [`Checked`]).
    sqlparser: bool,
    /// The file is a repeatable migration (`R__<name>.sql`).
    repeatable: bool,
    /// The file's lines, for the line a diagnostic shows.
    lines: Vec<&'a str>,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    config: &'a LintConfig,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Reader<'a> {
    fn new(
        display: &'a str,
        version: i64,
        source: &'a str,
        config: &'a LintConfig,
        shape: Option<&'a Shape>,
    ) -> Reader<'a> {
        let src = source.strip_prefix('\u{feff}').unwrap_or(source);
        let lines: Vec<&str> = src.split('\n').collect();
        let mut line_starts = Vec::with_capacity(lines.len());
        let mut at = 0;
        for l in &lines {
            line_starts.push(at);
            at += l.len() + 1;
        }
        Reader {
            display,
            version,
            src,
            bom: source.len() - src.len(),
            shape,
            miss: false,
            sqlparser: true,
            repeatable: false,
            lines,
            line_starts,
            config,
            diagnostics: Vec::new(),
        }
    }

    /// The statements of a section (tokens `range`) at the shape's `spans`
    /// (relative to the raw file), checked against the tokens; `None` when
    /// they do not fit.
    fn shaped<'t>(
        &self,
        tokens: &'t [Token],
        range: std::ops::Range<usize>,
        spans: &[(usize, usize)],
    ) -> Option<Section<'t>>
    where
        'a: 't,
    {
        let src: &'t str = self.src;
        let between = |t: &Token| t.kind.is_trivia() || t.kind == TokenKind::Punct(';');
        let mut statements = Vec::with_capacity(spans.len());
        let mut i = range.start;
        for (n, &(start, end)) in spans.iter().enumerate() {
            let (start, end) = (start.checked_sub(self.bom)?, end.checked_sub(self.bom)?);
            let lead_from = i;
            while i < range.end && tokens[i].start < start {
                if !between(&tokens[i]) {
                    return None;
                }
                i += 1;
            }
            let first = tokens
                .get(i)
                .filter(|t| t.start == start && !t.kind.is_trivia())?;
            if i >= range.end || end <= start {
                return None;
            }
            let mut j = i;
            while j < range.end && tokens[j].end < end {
                j += 1;
            }
            let last = tokens
                .get(j)
                .filter(|t| t.end == end && !t.kind.is_trivia())?;
            if j >= range.end {
                return None;
            }
            // What follows is a `;` (or, for the last, the section's end).
            let next = tokens[j + 1..range.end]
                .iter()
                .find(|t| !t.kind.is_trivia());
            match next {
                Some(t) if t.kind == TokenKind::Punct(';') => {}
                None if n + 1 == spans.len() => {}
                _ => return None,
            }
            let (line, column) = self.position(first.start);
            statements.push(split::Statement {
                text: src.get(first.start..last.end)?,
                offset: first.start,
                line,
                column,
                leading: &tokens[lead_from..i],
                tokens: &tokens[i..=j],
                error: None,
                grammar_statements: 1,
            });
            i = j + 1;
        }
        if tokens[i.min(range.end)..range.end]
            .iter()
            .any(|t| !between(t))
        {
            return None;
        }
        Some(Section {
            statements,
            parses: Vec::new(),
            input: self.src,
        })
    }

    fn at(
        &self,
        severity: Severity,
        rule: &'static str,
        line: usize,
        column: usize,
        message: String,
    ) -> Diagnostic {
        Diagnostic::at_line(
            severity,
            rule,
            self.display,
            self.lines.get(line.wrapping_sub(1)).copied(),
            (line, column),
            message,
        )
    }

    /// 1-based line and column of a byte offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|s| *s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self.src.get(start..offset).map_or(0, |t| t.chars().count()) + 1;
        (line, column)
    }

    /// A lint's finding: reported unless the settings or a directive turn
    /// it off, at the severity the settings give it.
    fn lint(&mut self, finding: Finding, allowed: &[&str]) {
        let rule = finding.rule;
        if allowed.contains(&rule.name) {
            return;
        }
        let Some(severity) = self.config.severity_at(rule, self.version) else {
            return;
        };
        let (line, column) = self.position(finding.offset);
        let message = match finding.detail {
            Some(detail) => format!("{detail} ({})", rule.name),
            None => format!("this statement {}: {} ({})", rule.what, rule.why, rule.name),
        };
        let fix = finding.help.unwrap_or_else(|| rule.fix.to_string());
        let help = if rule.is_configurable() {
            format!(
                "{fix}; to accept it here, put `-- sqlstrata: allow({})` on the line above",
                rule.name
            )
        } else {
            fix
        };
        let d = self
            .at(severity, rule.name, line, column, message)
            .with_help(help);
        self.diagnostics.push(d);
    }

    fn error(&mut self, rule: &'static str, tok: &Token, message: String, help: Option<String>) {
        let mut d = self.at(Severity::Error, rule, tok.line, tok.column, message);
        d.help = help;
        self.diagnostics.push(d);
    }

    fn read(&mut self, name: &FileName, file_name: &str) -> Option<SourceMigration> {
        let src = self.src;
        self.repeatable = name.repeatable;
        let tokens = match tokenize(src) {
            Ok(t) => t,
            Err(e) => {
                let d = self
                    .at(
                        Severity::Error,
                        "unterminated",
                        e.line,
                        e.column,
                        e.to_string(),
                    )
                    .with_help(format!("close the {} (or remove it)", e.what));
                self.diagnostics.push(d);
                return None;
            }
        };
        let sections = match find_sections(src, &tokens) {
            Ok(s) => s,
            Err(e) => {
                let tok = tokens[e.token];
                self.error("markers", &tok, e.message.to_string(), Some(
                    "a migration is `-- UP`, its statements, then optionally `-- DOWN` and its statements".into(),
                ));
                return None;
            }
        };

        if self.repeatable
            && sections.has_markers
            && let Some(tok) = tokens.get(sections.head.end).or(tokens.first()).copied()
        {
            self.error(
                "markers",
                &tok,
                "a repeatable migration has no `-- UP` or `-- DOWN` marker: the whole file runs, again whenever it changes, and is never undone".into(),
                Some("remove the markers (and any DOWN section); a repeatable migration is written to run again: `CREATE OR REPLACE`, `DROP ... IF EXISTS` then `CREATE`".into()),
            );
            return None;
        }

        // Before the UP marker: only comments (headers, directives).
        let head = &tokens[sections.head.clone()];
        if let Some(tok) = head.iter().find(|t| !t.kind.is_trivia()) {
            self.error(
                "sql-before-up",
                tok,
                "SQL before the `-- UP` marker".into(),
                Some("move it below `-- UP`; only comments may stand above it".into()),
            );
        }

        self.lone_carriage_returns(&tokens);
        let (up_section, down_section) = match self.shape {
            None => (
                section(src, &tokens[sections.up.clone()]),
                sections.down.clone().map(|r| section(src, &tokens[r])),
            ),
            Some(shape) => {
                let fit = (shape.up <= shape.spans.len()
                    && shape.checked.len() == shape.spans.len())
                .then(|| {
                    let up = self.shaped(&tokens, sections.up.clone(), &shape.spans[..shape.up])?;
                    let down = match sections.down.clone() {
                        Some(r) => Some(self.shaped(&tokens, r, &shape.spans[shape.up..])?),
                        None if shape.up == shape.spans.len() => None,
                        None => return None,
                    };
                    Some((up, down))
                })
                .flatten();
                match fit {
                    Some(sections) => sections,
                    None => {
                        self.miss = true;
                        return None;
                    }
                }
            }
        };
        let up = &up_section.statements;
        let down = down_section.as_ref().map(|s| &s.statements);

        // Headers stand before the first statement.
        let header_end = match (&sections.has_markers, up.first()) {
            (true, _) => sections.head.end,
            (false, Some(first)) => tokens
                .iter()
                .position(|t| t.start == first.offset)
                .unwrap_or(0),
            (false, None) => tokens.len(),
        };
        let mut headers = Headers::default();
        for tok in tokens[..header_end]
            .iter()
            .filter(|t| t.kind == TokenKind::LineComment)
        {
            read_header(tok.text(src), tok.line, &mut headers);
        }
        if let Some((declared, line)) = &headers.migration
            && *declared != name.stem()
        {
            let column = src
                .lines()
                .nth(line - 1)
                .and_then(|l| l.find(declared.as_str()))
                .map_or(1, |c| c + 1);
            let d = self
                .at(
                    Severity::Error,
                    "header",
                    *line,
                    column,
                    format!(
                        "the `-- Migration:` header says `{declared}` but the file is `{}`",
                        name.stem()
                    ),
                )
                .with_help(format!(
                    "write `-- Migration: {}` or remove the header",
                    name.stem()
                ));
            self.diagnostics.push(d);
        }

        let (file, per_statement) = self.directives(&tokens, header_end, up, down.map(|d| &d[..]));

        if up.is_empty()
            && !file.allow.contains(&"empty-up")
            && let Some(rule) = rules::rule("empty-up")
            && let Some(severity) = self.config.severity_at(rule, self.version)
        {
            let (line, column) = if sections.has_markers {
                let tok = tokens[sections.head.end];
                (tok.line, tok.column)
            } else {
                (1, 1)
            };
            let d = self
                .at(
                    severity,
                    rule.name,
                    line,
                    column,
                    format!("this migration {}: {} ({})", rule.what, rule.why, rule.name),
                )
                .with_help(rule.fix);
            self.diagnostics.push(d);
        }

        let up_checked = self.check_statements(&up_section, &per_statement, 0, &file);
        let down_checked = down_section
            .as_ref()
            .map(|d| self.check_statements(d, &per_statement, up.len(), &file));

        let reversible = sections.down.is_some();
        if file.irreversible && down.as_ref().is_some_and(|d| !d.is_empty()) {
            let tok = tokens[sections.up.end];
            self.error(
                "irreversible",
                &tok,
                "the migration says `-- sqlstrata: irreversible` but has a DOWN section".into(),
                Some("remove the DOWN section or the directive".into()),
            );
        }
        if sections.has_markers
            && !reversible
            && !file.irreversible
            && !file.allow.contains(&"missing-down")
            && let Some(rule) = rules::rule("missing-down")
            && let Some(severity) = self.config.severity_at(rule, self.version)
        {
            let tok = tokens[sections.head.end];
            let d = self
                .at(
                    severity,
                    rule.name,
                    tok.line,
                    tok.column,
                    format!("this migration {}: {} ({})", rule.what, rule.why, rule.name),
                )
                .with_help(rule.fix);
            self.diagnostics.push(d);
        }

        // The lints that read the grammar's tree: squawk's on the UP section
        // (a DOWN undoes on purpose), ours on both. A reread has the labels
        // from its shape (each in an UP statement's text) and the findings
        // in the cached diagnostics.
        let enum_values: Vec<String> = match self.shape {
            // Only a statement that says `VALUE` can add one: no need to walk
            // the trees of the others.
            None if !up_section
                .statements
                .iter()
                .any(|s| contains_ignore_case(s.text, "value")) =>
            {
                Vec::new()
            }
            None => up_section
                .parses
                .iter()
                .flat_map(|(parse, _)| grammar::enum_values_added(&parse.syntax_node()))
                .collect(),
            Some(shape) => {
                let found = shape.enum_values.iter().all(|v| {
                    v.starts_with('\'')
                        && up_section
                            .statements
                            .iter()
                            .any(|s| s.text.contains(v.as_str()))
                });
                if !found {
                    self.miss = true;
                    return None;
                }
                shape.enum_values.clone()
            }
        };
        let mut findings = if self.shape.is_some() {
            Vec::new()
        } else {
            rules::squawk_findings(
                &up_section,
                |r| self.config.severity_at(r, self.version).is_some(),
                self.config.pg,
                !file.no_transaction,
            )
        };
        if !file.no_transaction && self.shape.is_none() {
            findings.extend(rules::enum_value_used_too_soon(&up_section, &enum_values));
        }
        if file.post_deploy && self.shape.is_none() {
            findings.extend(rules::post_deploy_additions(&up_section));
        }
        for s in std::iter::once(&up_section)
            .chain(down_section.as_ref())
            .filter(|_| self.shape.is_none())
        {
            findings.extend(rules::tracking_table_writes(s, &self.config.tracking_table));
            findings.extend(rules::session_settings(s));
        }
        let all: Vec<&split::Statement<'_>> = up.iter().chain(down.into_iter().flatten()).collect();
        for finding in findings {
            // The directives above the statement the finding is in.
            let index = all
                .iter()
                .rposition(|st| st.offset <= finding.offset)
                .unwrap_or(0);
            let mut allowed: Vec<&str> = file.allow.clone();
            if file.post_deploy {
                allowed.extend(rules::NOT_AFTER_DEPLOY);
            }
            if let Some(d) = per_statement.get(index) {
                allowed.extend(d.allow.iter().copied());
            }
            self.lint(finding, &allowed);
        }

        let (up, mut checked): (Vec<Statement>, Vec<Checked>) = up_checked.into_iter().unzip();
        let down = match down_checked {
            Some(d) if !file.irreversible => {
                let (down, down_checked): (Vec<Statement>, Vec<Checked>) = d.into_iter().unzip();
                checked.extend(down_checked);
                Some(down)
            }
            _ => None,
        };
        let checksum = checksum(
            &up.iter().map(Statement::sql).collect::<Vec<_>>(),
            file.no_transaction,
        );
        let bom = self.bom;
        let span = |s: &split::Statement<'_>| (s.offset + bom, s.offset + bom + s.text.len());
        let mut spans: Vec<(usize, usize)> = up_section.statements.iter().map(span).collect();
        if let Some(d) = down_section.as_ref().filter(|_| down.is_some()) {
            spans.extend(d.statements.iter().map(span));
        }
        if let Some(shape) = self.shape {
            checked = shape.checked.clone();
            checked.truncate(spans.len());
        }
        Some(SourceMigration {
            migration: Migration::new(MigrationParts {
                version: name.version,
                name: name.name.clone(),
                file_name: file_name.to_string(),
                description: headers.description,
                up,
                down,
                checksum,
                no_transaction: file.no_transaction,
                enum_values,
                squashes: file.squashes.clone(),
                bounds: file.bounds,
                repeatable: name.repeatable,
                post_deploy: file.post_deploy,
            }),
            created: headers.created,
            checked,
            spans,
            length: self.bom + self.src.len(),
        })
    }

    /// A `--` comment that ends at a carriage return not followed by a
    /// newline: PostgreSQL ends the comment there and runs what follows on
    /// the same displayed line, which editors and reviews show as comment.
    fn lone_carriage_returns(&mut self, tokens: &[Token]) {
        let src = self.src;
        for pair in tokens.windows(2) {
            if pair[0].kind == TokenKind::LineComment
                && src[pair[1].start..].starts_with('\r')
                && !src[pair[1].start..].starts_with("\r\n")
            {
                let d = self
                    .at(Severity::Error, "carriage-return", pair[0].line, pair[0].column,
                        "this `--` comment ends at a carriage return that is not followed by a newline: PostgreSQL runs what follows it as SQL, though editors show it as part of the comment".into())
                    .with_help("use `\\n` or `\\r\\n` line endings");
                self.diagnostics.push(d);
            }
        }
    }

    /// Reads every `-- sqlstrata:` comment and decides what it applies to:
    /// `unchecked` and `allow(...)` in the comments right above a statement
    /// apply to that statement; `allow(...)` in the header applies to the
    /// file; `no-transaction` and `irreversible` apply to the file wherever
    /// they stand.
    fn directives(
        &mut self,
        tokens: &[Token],
        header_end: usize,
        up: &[split::Statement<'_>],
        down: Option<&[split::Statement<'_>]>,
    ) -> (FileDirectives, Vec<StatementDirectives>) {
        let src = self.src;
        let all: Vec<&split::Statement<'_>> = up.iter().chain(down.into_iter().flatten()).collect();
        let leading: Vec<Range<usize>> = all
            .iter()
            .map(|s| {
                let start = s.leading.first().map_or(s.offset, |t| t.start);
                start..s.offset
            })
            .collect();
        let mut file = FileDirectives::default();
        let mut per_statement: Vec<StatementDirectives> =
            all.iter().map(|_| StatementDirectives::default()).collect();
        for (i, tok) in tokens.iter().enumerate() {
            if tok.kind != TokenKind::LineComment {
                continue;
            }
            let directive = match directives::parse_comment(tok.text(src)) {
                None => continue,
                Some(Ok(d)) => d,
                Some(Err(unknown)) => {
                    self.error(
                        "directive",
                        tok,
                        unknown.to_string(),
                        Some(directives::known_directives_help()),
                    );
                    continue;
                }
            };
            let in_header = i < header_end;
            let statement = leading.iter().position(|r| r.contains(&tok.start));
            match directive {
                Directive::NoTransaction => file.no_transaction = true,
                Directive::Squashes(_) | Directive::Irreversible | Directive::PostDeploy
                    if self.repeatable =>
                {
                    self.error(
                        "directive",
                        tok,
                        format!(
                            "`-- sqlstrata: {}` does not apply to a repeatable migration",
                            match directive {
                                Directive::Irreversible => "irreversible",
                                Directive::PostDeploy => "post-deploy",
                                _ => "squashes ...",
                            }
                        ),
                        Some("remove it: a repeatable migration is never undone and runs after every `up`, and a squash baseline is versioned".into()),
                    )
                }
                Directive::PostDeploy if in_header => file.post_deploy = true,
                Directive::PostDeploy => self.error(
                    "directive",
                    tok,
                    "`-- sqlstrata: post-deploy` is the migration's: it belongs in the header".to_string(),
                    Some("put it above the `-- UP` marker (the first statement, in a file without markers)".into()),
                ),
                Directive::Squashes(list) if in_header => file.squashes = list,
                Directive::Squashes(_) => self.error(
                    "directive",
                    tok,
                    "`-- sqlstrata: squashes ...` belongs in the header".to_string(),
                    Some("put it above the `-- UP` marker".into()),
                ),
                Directive::LockTimeout(d) if in_header => file.bounds.lock_timeout = Some(d),
                Directive::StatementTimeout(d) if in_header => {
                    file.bounds.statement_timeout = Some(d)
                }
                Directive::LockTimeout(_) | Directive::StatementTimeout(_) => self.error(
                    "directive",
                    tok,
                    "a time bound is the migration's: `-- sqlstrata: lock-timeout ...` and `statement-timeout ...` belong in the header".to_string(),
                    Some("put it above the `-- UP` marker (the first statement, in a file without markers)".into()),
                ),
                Directive::Irreversible => file.irreversible = true,
                Directive::Allow(lint) if in_header => file.allow.push(lint),
                Directive::Allow(lint) if statement.is_some() => {
                    if let Some(s) = statement {
                        per_statement[s].allow.push(lint);
                    }
                }
                Directive::Unchecked if statement.is_some() => {
                    if let Some(s) = statement {
                        per_statement[s].unchecked = true;
                    }
                }
                Directive::Unchecked | Directive::Allow(_) => {
                    let what = if directive == Directive::Unchecked {
                        "unchecked"
                    } else {
                        "allow(...)"
                    };
                    self.error(
                        "directive",
                        tok,
                        format!("`-- sqlstrata: {what}` is not right above a statement"),
                        Some(
                            "put it on its own line directly above the statement it applies to"
                                .into(),
                        ),
                    );
                }
            }
        }
        (file, per_statement)
    }

    fn check_statements(
        &mut self,
        section: &Section<'_>,
        per_statement: &[StatementDirectives],
        first_index: usize,
        file: &FileDirectives,
    ) -> Vec<(Statement, Checked)> {
        let src = self.src;
        let statements = &section.statements;
        let mut out = Vec::with_capacity(statements.len());
        // In a `no-transaction` migration: the `BEGIN` of the block open now.
        let mut open: Option<Token> = None;
        for (n, stmt) in statements.iter().enumerate() {
            let directives = &per_statement[first_index + n];
            let words = leading_words(src, stmt.tokens, 3);
            let head = stmt.tokens[0];
            let control = rules::transaction_control(&words);
            let mut kind = kind_of(rules::needs_no_transaction(src, stmt.tokens));
            if let Some((named, what)) = &control {
                let refused = if !file.no_transaction {
                    Some(format!(
                        "`{named}` in a migration that runs in a transaction"
                    ))
                } else {
                    match (what, open.is_some()) {
                        (Control::Begin, false) => {
                            open = Some(head);
                            kind = StatementKind::BlockBegin;
                            None
                        }
                        (Control::End, true) => {
                            open = None;
                            kind = StatementKind::BlockEnd;
                            None
                        }
                        (Control::Savepoint, true) => None,
                        (Control::Begin, true) => Some(format!(
                            "`{named}` inside a transaction block of a `no-transaction` migration (a block's `BEGIN` is closed by `COMMIT` or `ROLLBACK` before the next)"
                        )),
                        (Control::Never, _) => Some(format!("`{named}` in a migration")),
                        (_, false) => Some(format!(
                            "`{named}` outside a transaction block of a `no-transaction` migration, whose statements each commit on their own"
                        )),
                    }
                };
                if let Some(message) = refused
                    && let Some(rule) = rules::rule("transaction-control")
                {
                    let (why, fix) = if file.no_transaction {
                        (
                            "a block must close before the next opens and before the section ends, so that no transaction stays open across the runner's own records",
                            "balance it: `BEGIN;` ... `COMMIT;` (or `ROLLBACK;`), savepoints inside only",
                        )
                    } else {
                        (rule.why, rule.fix)
                    };
                    self.error(
                        rule.name,
                        &head,
                        format!("{message}: {why}"),
                        Some(fix.into()),
                    );
                }
            } else if let Some(name) = rules::needs_no_transaction(src, stmt.tokens)
                && (!file.no_transaction || open.is_some())
                && let Some(rule) = rules::rule("needs-no-transaction")
            {
                let (message, fix) = if file.no_transaction {
                    (
                        format!(
                            "`{name}` cannot run inside a transaction block, and this one is inside the migration's `BEGIN` ... `COMMIT`"
                        ),
                        "move it out of the block".to_string(),
                    )
                } else {
                    (
                        format!("`{name}` cannot run inside a transaction block"),
                        rule.fix.to_string(),
                    )
                };
                self.error(rule.name, &head, message, Some(fix));
            }
            let checked = if directives.unchecked {
                if let Some(semi) = top_level_semicolon(stmt.tokens) {
                    self.error(
                        "unchecked",
                        &semi,
                        "`;` outside parentheses in an `unchecked` statement".into(),
                        Some("PostgreSQL would run what follows it as another statement that nothing checked; split the statement, and mark only the one that needs it".into()),
                    );
                }
                Checked::Unchecked
            } else if self.shape.is_some() {
                // A reread: how it was checked is the shape's (set after).
                Checked::Parsed
            } else {
                let verdict = if self.sqlparser {
                    validate(stmt, src).map(|v| match v {
                        Validation::Parsed(_) => Checked::Parsed,
                        Validation::GrammarOnly => Checked::GrammarOnly,
                    })
                } else {
                    judge_by_grammar(stmt, src).map(|()| Checked::Grammar)
                };
                match verdict {
                    Ok(checked) => checked,
                    Err(rejection) => {
                        let d = self
                            .at(Severity::Error, "syntax", rejection.line, rejection.column, format!("invalid SQL: {}", rejection.message))
                            .with_help("fix the statement; if PostgreSQL accepts it as written, put `-- sqlstrata: unchecked` on the line above it");
                        self.diagnostics.push(d);
                        Checked::Parsed
                    }
                }
            };
            out.push((
                Statement::new(
                    stmt.text.to_string(),
                    u32::try_from(stmt.line).unwrap_or(u32::MAX),
                )
                .with_kind(kind),
                checked,
            ));
        }
        if let Some(begin) = open
            && let Some(rule) = rules::rule("transaction-control")
        {
            self.error(
                rule.name,
                &begin,
                "this `BEGIN` is never closed: a transaction block of a `no-transaction` migration ends with `COMMIT` or `ROLLBACK` before the end of its section".into(),
                Some("close it with `COMMIT;`".into()),
            );
        }
        out
    }
}
