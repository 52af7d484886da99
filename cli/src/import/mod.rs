//! `sqlstrata import --from TOOL SOURCE_DIR`: another tool's migrations as
//! sqlstrata files, each keeping its version, name, UP, DOWN and
//! transaction mode.

mod formats;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use sqlstrata_core::naming::parse_file_name;
use sqlstrata_core::{Diagnostic, Severity};

pub use formats::{Source, flyway_parts, read};

/// The tools whose migrations can be imported (and whose history adopted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Tool {
    /// sqlx: `<VERSION>_<DESCRIPTION>.sql`, or `.up.sql` / `.down.sql` pairs.
    Sqlx,
    /// refinery: `V<N>__<name>.sql` (and unversioned `U<N>__<name>.sql`).
    Refinery,
    /// diesel: `<YYYY-MM-DD-HHMMSS>_<name>/up.sql`, `down.sql`, `metadata.toml`.
    Diesel,
    /// goose: `<VERSION>_<name>.sql` with `-- +goose Up` / `Down`.
    Goose,
    /// dbmate: `<VERSION>_<name>.sql` with `-- migrate:up` / `down`.
    Dbmate,
    /// golang-migrate: `<VERSION>_<title>.up.sql` / `.down.sql`, paired by
    /// version.
    #[value(name = "golang-migrate")]
    GolangMigrate,
    /// Hand-written SQL-file runners: `NNN_name.sql` with `-- UP` / `-- DOWN`
    /// or `-- UP MIGRATION` / `-- DOWN MIGRATION` markers, or none.
    Sql,
    /// Hand-written TypeScript runners: `NNN_name.ts` exporting `up` and
    /// `down` template literals.
    Ts,
    /// Flyway: `V<version>__<desc>.sql` (`1`, `1_1`, `1.1`, `2_3_1`),
    /// `U<version>__<desc>.sql` (its undo, our DOWN) and `R__<desc>.sql`
    /// (repeatable).
    Flyway,
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tool::Sqlx => "sqlx",
            Tool::Refinery => "refinery",
            Tool::Diesel => "diesel",
            Tool::Goose => "goose",
            Tool::Dbmate => "dbmate",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Sql => "sql",
            Tool::Ts => "ts",
            Tool::Flyway => "flyway",
        })
    }
}

/// How a tool orders its versions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Order {
    /// Numerically (sqlx, refinery, goose, golang-migrate).
    Number(u128),
    /// As text, byte by byte: diesel's version string, the file name for
    /// dbmate and the hand-written runners.
    Text(String),
    /// Part by part, numerically (Flyway: `1.2` < `1.10` < `2`).
    Parts(Vec<u128>),
}

impl Default for Order {
    fn default() -> Self {
        Order::Number(0)
    }
}

/// A version as its source tool reads, identifies and orders it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceVersion {
    /// As the tool writes it in its history (`1.1`, `202511190914440000`,
    /// `0157`).
    pub text: String,
    /// Its numeric parts (one, but for Flyway), trailing zero parts left
    /// off: two migrations with the same parts are one version to the tool.
    pub parts: Vec<u128>,
    /// Where the tool's own order puts it.
    pub order: Order,
}

impl SourceVersion {
    /// The parts as one text (`1.1`, `20240101`, `0`).
    pub fn number(&self) -> String {
        if self.parts.is_empty() {
            return "0".to_string();
        }
        self.parts
            .iter()
            .map(u128::to_string)
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// One migration read from another tool's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Its version here: the other tool's number, or the one the version
    /// mapping gave it (see `mapping`).
    pub version: i64,
    /// Its version as the other tool wrote and ordered it.
    pub source_version: SourceVersion,
    /// The digits of its file name's version (at least 3): the width of
    /// the mapped versions, so the folder lists in order.
    pub width: usize,
    /// The mapping from the other tool's version to `version`, when they
    /// differ in more than the zeros in front (written in the file).
    pub mapping: Option<String>,
    /// Its name, snake_case.
    pub name: String,
    /// The file (or folder) it came from, relative to the source folder.
    pub source: String,
    /// A description, when the other tool's header had one.
    pub description: Option<String>,
    /// The UP SQL.
    pub up: String,
    /// The DOWN SQL; `None` when the other tool had none (irreversible).
    pub down: Option<String>,
    /// Whether it ran outside a transaction.
    pub no_transaction: bool,
    /// A repeatable migration (Flyway's `R__`): no version, no DOWN.
    pub repeatable: bool,
    /// What the conversion changed, for the user to read.
    pub notes: Vec<String>,
}

impl Default for Imported {
    fn default() -> Self {
        Imported {
            version: 0,
            source_version: SourceVersion::default(),
            width: 3,
            mapping: None,
            name: String::new(),
            source: String::new(),
            description: None,
            up: String::new(),
            down: None,
            no_transaction: false,
            repeatable: false,
            notes: Vec::new(),
        }
    }
}

/// The line of an imported file that records its version mapping, as
/// `adopt` reads it back: `-- Version mapping: <tool> version <text> is
/// version <n> here`.
pub const MAPPING_PREFIX: &str = "-- Version mapping: ";

impl Imported {
    /// Our file name: the version zero-padded to its width (at least three
    /// digits), or `R__<name>.sql` for a repeatable migration.
    pub fn file_name(&self) -> String {
        format!("{}.sql", self.stem())
    }

    fn stem(&self) -> String {
        if self.repeatable {
            format!("R__{}", self.name)
        } else {
            format!("{:0w$}_{}", self.version, self.name, w = self.width.max(3))
        }
    }

    /// The sqlstrata file.
    pub fn render(&self, tool: Tool) -> String {
        let mut out = format!("-- Migration: {}\n", self.stem());
        if let Some(d) = &self.description {
            out.push_str(&format!("-- Description: {d}\n"));
        }
        out.push_str(&format!("-- Imported from {tool}: {}\n", self.source));
        if let Some(mapping) = &self.mapping {
            out.push_str(&format!("{MAPPING_PREFIX}{mapping}\n"));
        }
        if self.no_transaction {
            out.push_str("-- sqlstrata: no-transaction\n");
        }
        if self.repeatable {
            // The whole file is its SQL: no markers, no DOWN.
            out.push('\n');
            out.push_str(self.up.trim_matches('\n'));
            out.push('\n');
            return out;
        }
        if self.down.is_none() {
            out.push_str("-- sqlstrata: irreversible\n");
        }
        out.push_str("\n-- UP\n");
        out.push_str(self.up.trim_matches('\n'));
        out.push('\n');
        if let Some(down) = &self.down {
            out.push_str("\n-- DOWN\n");
            let down = down.trim_matches('\n');
            if !down.trim().is_empty() {
                out.push_str(down);
                out.push('\n');
            }
        }
        out
    }
}

/// Why an import cannot be done.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    /// The source folder cannot be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// A file cannot be converted.
    #[error("{file}:{line}: {message}")]
    Convert {
        /// The file, relative to the source folder.
        file: String,
        /// Its line (1-based).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Migrations of the source that share a version: each would need its
    /// own, and one file per version is all a folder can hold. Every clash
    /// is named (the version as a number, its files), and nothing is written.
    #[error("{}", clashes_message(.0))]
    Clashes(Vec<(String, Vec<String>)>),
    /// Every problem of the folder, each naming its file and the fix;
    /// nothing is written while there is one.
    #[error("{}", problems_message(.0))]
    Problems(Vec<ImportError>),
}

impl ImportError {
    /// One error for every problem found: the problem itself when there is
    /// one, else all of them.
    pub fn all(mut problems: Vec<ImportError>) -> ImportError {
        if problems.len() == 1
            && let Some(one) = problems.pop()
        {
            return one;
        }
        ImportError::Problems(problems)
    }
}

fn clashes_message(clashes: &[(String, Vec<String>)]) -> String {
    let n: usize = clashes.iter().map(|(_, f)| f.len()).sum();
    let mut text = format!(
        "{n} source migrations share {} version(s), so nothing was written (each becomes one file, and a version names one file):",
        clashes.len()
    );
    for (version, files) in clashes {
        text.push_str(&format!("\n  version {version}: {}", files.join(", ")));
    }
    text.push_str("\n  give each its own version in the source folder (for example renumber them in the order they ran), then import again");
    text
}

fn problems_message(problems: &[ImportError]) -> String {
    let mut text = format!(
        "{} problems in the source folder, so nothing was written (each names its file and the fix):",
        problems.len()
    );
    for p in problems {
        text.push_str("\n  ");
        text.push_str(&p.to_string().replace('\n', "\n  "));
    }
    text
}

/// What an import would write, and what it found.
pub struct Plan {
    /// The migrations, in the source tool's order (versioned ones, then
    /// the repeatables by name).
    pub migrations: Vec<Imported>,
    /// Each migration's file, rendered, with the diagnostics our checker has
    /// for it (under the lint baseline the import sets).
    pub files: Vec<(PathBuf, String, Vec<Diagnostic>)>,
    /// Each source entry not imported, and why.
    pub skipped: Vec<(String, String)>,
    /// The lint baseline: the newest imported version.
    pub baseline: Option<i64>,
}

/// Reads `source` as `tool`'s migrations and renders them into `dir`: in
/// the tool's own order, with versions that keep it. Every problem of the
/// folder is reported at once, and then nothing is planned.
pub fn plan(tool: Tool, source: &Path, dir: &Path) -> Result<Plan, ImportError> {
    let Source {
        migrations,
        skipped,
        mut problems,
    } = read(tool, source)?;
    let (mut repeatables, mut versioned): (Vec<Imported>, Vec<Imported>) =
        migrations.into_iter().partition(|m| m.repeatable);
    // The tool's order; the source name only settles what the tool
    // itself would refuse (a clash).
    versioned.sort_by(|a, b| {
        (&a.source_version.order, &a.source).cmp(&(&b.source_version.order, &b.source))
    });
    let mut by_version: BTreeMap<&[u128], Vec<&Imported>> = BTreeMap::new();
    for m in &versioned {
        by_version
            .entry(m.source_version.parts.as_slice())
            .or_default()
            .push(m);
    }
    let clashes: Vec<(String, Vec<String>)> = by_version
        .values()
        .filter(|group| group.len() > 1)
        .map(|group| {
            let mut files: Vec<String> = group.iter().map(|m| m.source.clone()).collect();
            files.sort();
            (group[0].source_version.number(), files)
        })
        .collect();
    if !clashes.is_empty() {
        problems.push(ImportError::Clashes(clashes));
    }
    repeatables.sort_by(|a, b| (&a.name, &a.source).cmp(&(&b.name, &b.source)));
    for group in repeatables.chunk_by(|a, b| a.name == b.name) {
        if group.len() > 1 {
            let files: Vec<String> = group.iter().map(|m| m.source.clone()).collect();
            problems.push(ImportError::Convert {
                file: files[0].clone(),
                line: 1,
                message: format!(
                    "repeatable migrations {} would both be R__{}.sql: rename one in the source folder",
                    files.join(" and "),
                    group[0].name
                ),
            });
        }
    }
    if !problems.is_empty() {
        return Err(ImportError::all(problems));
    }
    assign_versions(tool, &mut versioned);
    let mut migrations = versioned;
    migrations.extend(repeatables);
    let baseline = migrations
        .iter()
        .filter(|m| !m.repeatable)
        .map(|m| m.version)
        .max();
    // Checked as the folder will be: its settings, with the history quiet.
    let (mut config, _) = sqlstrata_core::config::LintConfig::read(dir, "sqlstrata.toml");
    config.from = config.from.max(baseline);
    let files = migrations
        .iter()
        .map(|m| {
            let file_name = m.file_name();
            let path = dir.join(&file_name);
            let text = m.render(tool);
            let display = path.display().to_string();
            let diagnostics = match parse_file_name(&file_name) {
                Ok(name) => {
                    sqlstrata_core::migration::read_migration_with(
                        &display, &name, &file_name, &text, &config,
                    )
                    .1
                }
                Err(e) => vec![Diagnostic::file(
                    Severity::Error,
                    "naming",
                    &display,
                    e.to_string(),
                )],
            };
            (path, text, diagnostics)
        })
        .collect();
    Ok(Plan {
        migrations,
        files,
        skipped,
        baseline,
    })
}

/// How the versions were mapped, when they were.
enum Mapping {
    /// Padded on the right to one width: a text order kept by numbers.
    Padded(usize),
    /// Each part padded to the widest of its place, then joined.
    Parts(Vec<usize>),
    /// Numbered 1, 2, ... in the tool's order.
    Ranked,
}

/// The versions of `ms` (versioned, in the tool's order) as ours. The
/// tool's own numbers when they already keep its order (every tool's
/// usual case); else numbers that do, the same for every file of the
/// folder, each mapping written in its file and printed:
///
/// - a text order (diesel, dbmate, the hand-written runners) over versions
///   of different widths: padded on the right to the widest, so
///   `20260120162913` (diesel's older form) and `202511190914440000`
///   (diesel 2.2's) compare as diesel compares them;
/// - Flyway's dotted versions: each part padded to the widest of its
///   place and joined (`1.1` -> `101`, `1.27` -> `127`, `10` -> `1000`);
/// - anything those cannot keep in a BIGINT: 1, 2, 3, ... in order.
fn assign_versions(tool: Tool, ms: &mut [Imported]) {
    let increasing = |vs: &[i64]| vs.windows(2).all(|w| w[0] < w[1]);
    let own: Option<Vec<i64>> = ms
        .iter()
        .map(|m| match m.source_version.parts.as_slice() {
            [] => Some(0),
            [n] => i64::try_from(*n).ok(),
            _ => None,
        })
        .collect();
    if let Some(own) = own
        && increasing(&own)
    {
        for (m, v) in ms.iter_mut().zip(own) {
            m.version = v;
        }
        return;
    }
    let candidate = match ms.first().map(|m| &m.source_version.order) {
        Some(Order::Parts(_)) => parts_mapping(ms),
        Some(Order::Text(_)) => padded_mapping(ms),
        _ => None,
    }
    .filter(|(vs, _)| increasing(vs));
    let (versions, how) =
        candidate.unwrap_or_else(|| ((1..=ms.len() as i64).collect(), Mapping::Ranked));
    let width = versions
        .iter()
        .map(|v| v.to_string().len())
        .max()
        .unwrap_or(3)
        .max(3);
    let rule = match &how {
        Mapping::Padded(w) => format!(
            "{tool} orders versions as text, and these have different widths: each is padded on the right with zeros to {w} digits, which keeps {tool}'s order"
        ),
        Mapping::Parts(widths) => format!(
            "Flyway orders versions part by part, numerically (1.2 < 1.10): each part is padded to the widest of its place ({} digits) and the parts joined, which keeps that order",
            widths
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Mapping::Ranked => format!(
            "these versions have no whole-number form that keeps {tool}'s order in a BIGINT: they are numbered 1, 2, 3, ... in that order"
        ),
    };
    for (i, (m, v)) in ms.iter_mut().zip(versions).enumerate() {
        m.version = v;
        m.width = width;
        let mapping = format!(
            "{tool} version {} is version {v:0width$} here",
            m.source_version.text
        );
        if i == 0 {
            m.notes.insert(
                0,
                format!("the versions are mapped to keep {tool}'s order: {rule}; each file says its mapping"),
            );
        }
        m.notes
            .insert(usize::from(i == 0), format!("version mapping: {mapping}"));
        m.mapping = Some(mapping);
    }
}

/// diesel's (or a file name's) digits padded on the right to the widest:
/// comparing those numbers compares the texts, unless one is another
/// followed by zeros (then the order check rejects it).
fn padded_mapping(ms: &[Imported]) -> Option<(Vec<i64>, Mapping)> {
    let width = ms.iter().map(|m| m.source_version.text.len()).max()?;
    if width > 18 {
        return None;
    }
    let versions = ms
        .iter()
        .map(|m| {
            format!("{:0<width$}", m.source_version.text)
                .parse::<i64>()
                .ok()
        })
        .collect::<Option<Vec<i64>>>()?;
    Some((versions, Mapping::Padded(width)))
}

/// Flyway's parts, each padded to the widest of its place and joined.
fn parts_mapping(ms: &[Imported]) -> Option<(Vec<i64>, Mapping)> {
    let places = ms.iter().map(|m| m.source_version.parts.len()).max()?;
    let widths: Vec<usize> = (0..places)
        .map(|i| {
            ms.iter()
                .filter_map(|m| m.source_version.parts.get(i))
                .map(|p| p.to_string().len())
                .max()
                .unwrap_or(1)
        })
        .collect();
    if widths.iter().sum::<usize>() > 18 {
        return None;
    }
    let versions = ms
        .iter()
        .map(|m| {
            let text: String = widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    format!(
                        "{:0w$}",
                        m.source_version.parts.get(i).copied().unwrap_or(0)
                    )
                })
                .collect();
            text.parse::<i64>().ok()
        })
        .collect::<Option<Vec<i64>>>()?;
    Some((versions, Mapping::Parts(widths)))
}

/// `dir/sqlstrata.toml` with `[lints] from` at least `version` (the file
/// made when there is none; its other contents, comments and layout kept).
pub fn with_baseline(existing: Option<&str>, version: i64) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = existing
        .unwrap_or("")
        .parse()
        .map_err(|e: toml_edit::TomlError| format!("cannot read it: {e}"))?;
    let lints = doc
        .entry("lints")
        .or_insert_with(toml_edit::table)
        .as_table_mut()
        .ok_or("`lints` is not a table")?;
    let current = lints.get("from").and_then(toml_edit::Item::as_integer);
    if current.is_none_or(|c| c < version) {
        lints["from"] = toml_edit::value(version);
        if let Some(mut key) = lints.key_mut("from")
            && current.is_none()
        {
            key.leaf_decor_mut().set_prefix(
                "# Lint warnings only for migrations newer than this (a history that already ran).\n",
            );
        }
    }
    Ok(doc.to_string())
}

impl Tool {
    /// The tool's own history table, which its migrations may name and no
    /// migration makes (declared in `[schema] external` on import).
    pub fn history_table(self) -> Option<&'static str> {
        match self {
            Tool::Sqlx => Some("_sqlx_migrations"),
            Tool::Refinery => Some("refinery_schema_history"),
            Tool::Diesel => Some("__diesel_schema_migrations"),
            Tool::Goose => Some("goose_db_version"),
            Tool::Dbmate | Tool::GolangMigrate => Some("schema_migrations"),
            Tool::Flyway => Some("flyway_schema_history"),
            Tool::Sql | Tool::Ts => None,
        }
    }
}

/// `text` (a `sqlstrata.toml`) with `name` in `[schema] external` (its
/// other contents, comments and layout kept).
pub fn with_external(text: &str, name: &str) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| format!("cannot read it: {e}"))?;
    let schema = doc
        .entry("schema")
        .or_insert_with(toml_edit::table)
        .as_table_mut()
        .ok_or("`schema` is not a table")?;
    let list = schema
        .entry("external")
        .or_insert_with(|| toml_edit::value(toml_edit::Array::new()))
        .as_array_mut()
        .ok_or("`external` is not a list")?;
    if !list.iter().any(|v| v.as_str() == Some(name)) {
        list.push(name);
    }
    Ok(doc.to_string())
}

/// A name as our files need it: lower-case `a-z`, `0-9` and `_`.
pub(crate) fn snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() {
        "migration".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_is_written_keeping_what_the_file_says() {
        let new = with_baseline(None, 20240101).unwrap();
        assert!(new.contains("[lints]"), "{new}");
        assert!(new.contains("from = 20240101"), "{new}");
        let kept = with_baseline(Some("# mine\n[lints]\npg = 15 # oldest\n"), 7).unwrap();
        assert!(
            kept.starts_with("# mine\n[lints]\npg = 15 # oldest\n"),
            "{kept}"
        );
        assert!(kept.contains("from = 7"), "{kept}");
        // Never lowered.
        let external = with_external("[lints]\nfrom = 9\n", "__diesel_schema_migrations").unwrap();
        assert!(
            external.contains("[schema]\nexternal = [\"__diesel_schema_migrations\"]"),
            "{external}"
        );
        assert_eq!(
            with_external(&external, "__diesel_schema_migrations").unwrap(),
            external
        );
        let higher = with_baseline(Some("[lints]\nfrom = 9\n"), 7).unwrap();
        assert_eq!(higher, "[lints]\nfrom = 9\n");
        assert!(with_baseline(Some("lints = 3"), 7).is_err());
    }

    #[test]
    fn names_become_snake_case() {
        assert_eq!(snake("Create Users"), "create_users");
        assert_eq!(snake("add-email--index"), "add_email_index");
        assert_eq!(snake("__x__"), "x");
        assert_eq!(snake("!!!"), "migration");
    }

    #[test]
    fn a_migration_renders_as_our_file() {
        let m = Imported {
            version: 7,
            name: "add_index".into(),
            source: "7_add_index.up.sql".into(),
            description: Some("An index".into()),
            up: "CREATE INDEX CONCURRENTLY i ON t (x);\n".into(),
            down: None,
            no_transaction: true,
            ..Imported::default()
        };
        assert_eq!(m.file_name(), "007_add_index.sql");
        assert_eq!(
            m.render(Tool::Sqlx),
            "-- Migration: 007_add_index\n-- Description: An index\n-- Imported from sqlx: 7_add_index.up.sql\n-- sqlstrata: no-transaction\n-- sqlstrata: irreversible\n\n-- UP\nCREATE INDEX CONCURRENTLY i ON t (x);\n"
        );
        // A mapped version: its width in the name, its mapping in the file.
        let m = Imported {
            version: 101,
            width: 4,
            mapping: Some("flyway version 1.1 is version 0101 here".into()),
            name: "a".into(),
            source: "V1_1__a.sql".into(),
            up: "SELECT 1;\n".into(),
            ..Imported::default()
        };
        assert_eq!(m.file_name(), "0101_a.sql");
        assert_eq!(
            m.render(Tool::Flyway),
            "-- Migration: 0101_a\n-- Imported from flyway: V1_1__a.sql\n-- Version mapping: flyway version 1.1 is version 0101 here\n-- sqlstrata: irreversible\n\n-- UP\nSELECT 1;\n"
        );
    }

    fn at(text: &str, parts: &[u128], order: Order) -> Imported {
        Imported {
            source_version: SourceVersion {
                text: text.into(),
                parts: parts.to_vec(),
                order,
            },
            ..Imported::default()
        }
    }

    fn versions(tool: Tool, mut ms: Vec<Imported>) -> Vec<(i64, usize, bool)> {
        ms.sort_by(|a, b| a.source_version.order.cmp(&b.source_version.order));
        assign_versions(tool, &mut ms);
        ms.iter()
            .map(|m| (m.version, m.width, m.mapping.is_some()))
            .collect()
    }

    #[test]
    fn versions_keep_the_tools_order_mapped_only_when_they_must_be() {
        // Numbers that keep the order stay as they are.
        let n = |v: u128| at(&v.to_string(), &[v], Order::Number(v));
        assert_eq!(
            versions(Tool::Sqlx, vec![n(10), n(2), n(20240101000000)]),
            [(2, 3, false), (10, 3, false), (20240101000000, 3, false)]
        );
        // diesel's two forms: padded on the right to one width.
        let d = |t: &str| at(t, &[t.parse().unwrap()], Order::Text(t.into()));
        assert_eq!(
            versions(
                Tool::Diesel,
                vec![
                    d("20260120162913"),
                    d("202511190914440000"),
                    d("00000000000000")
                ]
            ),
            [
                (0, 18, true),
                (202511190914440000, 18, true),
                (202601201629130000, 18, true)
            ]
        );
        // A text order that no padding keeps (`10_` sorts before `1_`):
        // numbered in order.
        let f = |t: &str, file: &str| at(t, &[t.parse().unwrap()], Order::Text(file.into()));
        assert_eq!(
            versions(
                Tool::Sql,
                vec![f("1", "1_a.sql"), f("10", "10_b.sql"), f("2", "2_c.sql")]
            ),
            [(1, 3, true), (2, 3, true), (3, 3, true)]
        );
        // Flyway: each part padded to its place, then joined.
        let p = |t: &str| {
            let parts = flyway_parts(t).unwrap();
            at(t, &parts, Order::Parts(parts.clone()))
        };
        assert_eq!(
            versions(
                Tool::Flyway,
                vec![p("1.10"), p("1.2"), p("2.3.1"), p("010"), p("1")]
            )
            .iter()
            .map(|v| v.0)
            .collect::<Vec<_>>(),
            [1000, 1020, 1100, 2031, 10000]
        );
        // Too wide for a BIGINT: 1, 2, 3, ...
        assert_eq!(
            versions(Tool::Flyway, vec![p("1.123456789012"), p("123456789.2")])
                .iter()
                .map(|v| v.0)
                .collect::<Vec<_>>(),
            [1, 2]
        );
    }

    #[test]
    fn flyway_versions_are_read_as_flyway_reads_them() {
        assert_eq!(flyway_parts("1"), Some(vec![1]));
        assert_eq!(flyway_parts("1_1"), flyway_parts("1.1"));
        assert_eq!(flyway_parts("1.0"), flyway_parts("1"));
        assert_eq!(flyway_parts("010"), Some(vec![10]));
        assert_eq!(flyway_parts("2_3_1"), Some(vec![2, 3, 1]));
        assert_eq!(flyway_parts("0"), Some(vec![]));
        for bad in ["", "1.", "1..2", "1.a", "v1", "1-2"] {
            assert_eq!(flyway_parts(bad), None, "{bad}");
        }
        assert!(flyway_parts("1.2") < flyway_parts("1.10"));
    }
}
