//! `sqlstrata import --from TOOL SOURCE_DIR`: another tool's migrations as
//! sqlstrata files, each keeping its version, name, UP, DOWN and
//! transaction mode.

mod formats;

use std::fmt;
use std::path::{Path, PathBuf};

use sqlstrata_core::naming::parse_file_name;
use sqlstrata_core::{Diagnostic, Severity};

pub use formats::{Source, flyway_version, read};

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
    /// golang-migrate: `<VERSION>_<title>.up.sql` / `.down.sql`.
    #[value(name = "golang-migrate")]
    GolangMigrate,
    /// Hand-written SQL-file runners: `NNN_name.sql` with `-- UP` / `-- DOWN`
    /// or `-- UP MIGRATION` / `-- DOWN MIGRATION` markers, or none.
    Sql,
    /// Hand-written TypeScript runners: `NNN_name.ts` exporting `up` and
    /// `down` template literals.
    Ts,
    /// Flyway: `V<N>__<desc>.sql`, `U<N>__<desc>.sql` (its undo, our
    /// DOWN) and `R__<desc>.sql` (repeatable).
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

/// One migration read from another tool's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Its version, as the other tool numbered it.
    pub version: i64,
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

impl Imported {
    /// Our file name: the version zero-padded to three digits, or
    /// `R__<name>.sql` for a repeatable migration.
    pub fn file_name(&self) -> String {
        format!("{}.sql", self.stem())
    }

    fn stem(&self) -> String {
        if self.repeatable {
            format!("R__{}", self.name)
        } else {
            format!("{:03}_{}", self.version, self.name)
        }
    }

    /// The sqlstrata file.
    pub fn render(&self, tool: Tool) -> String {
        let mut out = format!("-- Migration: {}\n", self.stem());
        if let Some(d) = &self.description {
            out.push_str(&format!("-- Description: {d}\n"));
        }
        out.push_str(&format!("-- Imported from {tool}: {}\n", self.source));
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
    /// is named, and nothing is written.
    #[error("{}", clashes_message(.0))]
    Clashes(Vec<(i64, Vec<String>)>),
}

fn clashes_message(clashes: &[(i64, Vec<String>)]) -> String {
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

/// What an import would write, and what it found.
pub struct Plan {
    /// The migrations, in version order.
    pub migrations: Vec<Imported>,
    /// Each migration's file, rendered, with the diagnostics our checker has
    /// for it (under the lint baseline the import sets).
    pub files: Vec<(PathBuf, String, Vec<Diagnostic>)>,
    /// Each source entry not imported, and why.
    pub skipped: Vec<(String, String)>,
    /// The lint baseline: the newest imported version.
    pub baseline: Option<i64>,
}

/// Reads `source` as `tool`'s migrations and renders them into `dir`.
pub fn plan(tool: Tool, source: &Path, dir: &Path) -> Result<Plan, ImportError> {
    let Source {
        mut migrations,
        skipped,
    } = read(tool, source)?;
    // Versioned ones in version order, then repeatables by name.
    let key = |m: &Imported| {
        (
            m.repeatable,
            m.version,
            if m.repeatable {
                m.name.clone()
            } else {
                String::new()
            },
            m.source.clone(),
        )
    };
    migrations.sort_by_key(key);
    let mut clashes: Vec<(i64, Vec<String>)> = Vec::new();
    for group in migrations.chunk_by(|a, b| a.repeatable == b.repeatable && a.version == b.version)
    {
        if group.len() > 1 && !group[0].repeatable {
            clashes.push((
                group[0].version,
                group.iter().map(|m| m.source.clone()).collect(),
            ));
        }
    }
    if !clashes.is_empty() {
        return Err(ImportError::Clashes(clashes));
    }
    let same_name: Vec<Vec<String>> = migrations
        .chunk_by(|a, b| a.repeatable && b.repeatable && a.name == b.name)
        .filter(|g| g.len() > 1)
        .map(|g| g.iter().map(|m| m.source.clone()).collect())
        .collect();
    if let Some(files) = same_name.first() {
        return Err(ImportError::Convert {
            file: files[0].clone(),
            line: 1,
            message: format!(
                "repeatable migrations {} would both be R__{}.sql: rename one in the source folder",
                files.join(" and "),
                migrations
                    .iter()
                    .find(|m| m.source == files[0])
                    .map_or("", |m| m.name.as_str())
            ),
        });
    }
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
            repeatable: false,
            notes: vec![],
        };
        assert_eq!(m.file_name(), "007_add_index.sql");
        assert_eq!(
            m.render(Tool::Sqlx),
            "-- Migration: 007_add_index\n-- Description: An index\n-- Imported from sqlx: 7_add_index.up.sql\n-- sqlstrata: no-transaction\n-- sqlstrata: irreversible\n\n-- UP\nCREATE INDEX CONCURRENTLY i ON t (x);\n"
        );
    }
}
