//! `sqlstrata import --from TOOL SOURCE_DIR`: another tool's migrations as
//! sqlstrata files, each keeping its version, name, UP, DOWN and
//! transaction mode.

mod formats;

use std::fmt;
use std::path::{Path, PathBuf};

use sqlstrata_core::naming::parse_file_name;
use sqlstrata_core::{Diagnostic, Severity};

pub use formats::read;

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
    /// What the conversion changed, for the user to read.
    pub notes: Vec<String>,
}

impl Imported {
    /// Our file name: the version zero-padded to three digits.
    pub fn file_name(&self) -> String {
        format!("{:03}_{}.sql", self.version, self.name)
    }

    /// The sqlstrata file.
    pub fn render(&self, tool: Tool) -> String {
        let mut out = format!("-- Migration: {:03}_{}\n", self.version, self.name);
        if let Some(d) = &self.description {
            out.push_str(&format!("-- Description: {d}\n"));
        }
        out.push_str(&format!("-- Imported from {tool}: {}\n", self.source));
        if self.no_transaction {
            out.push_str("-- sqlstrata: no-transaction\n");
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
    /// Two files claim one version.
    #[error("version {version} is claimed by both {first} and {second}")]
    Duplicate {
        /// The version.
        version: i64,
        /// One file.
        first: String,
        /// The other.
        second: String,
    },
}

/// What an import would write, and what it found.
pub struct Plan {
    /// The migrations, in version order.
    pub migrations: Vec<Imported>,
    /// Each migration's file, rendered, with the diagnostics our checker has
    /// for it.
    pub files: Vec<(PathBuf, String, Vec<Diagnostic>)>,
}

/// Reads `source` as `tool`'s migrations and renders them into `dir`.
pub fn plan(tool: Tool, source: &Path, dir: &Path) -> Result<Plan, ImportError> {
    let mut migrations = read(tool, source)?;
    migrations.sort_by_key(|m| m.version);
    for pair in migrations.windows(2) {
        if pair[0].version == pair[1].version {
            return Err(ImportError::Duplicate {
                version: pair[0].version,
                first: pair[0].source.clone(),
                second: pair[1].source.clone(),
            });
        }
    }
    let files = migrations
        .iter()
        .map(|m| {
            let file_name = m.file_name();
            let path = dir.join(&file_name);
            let text = m.render(tool);
            let display = path.display().to_string();
            let diagnostics = match parse_file_name(&file_name) {
                Ok(name) => {
                    sqlstrata_core::migration::read_migration(&display, &name, &file_name, &text).1
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
    Ok(Plan { migrations, files })
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
            notes: vec![],
        };
        assert_eq!(m.file_name(), "007_add_index.sql");
        assert_eq!(
            m.render(Tool::Sqlx),
            "-- Migration: 007_add_index\n-- Description: An index\n-- Imported from sqlx: 7_add_index.up.sql\n-- sqlstrata: no-transaction\n-- sqlstrata: irreversible\n\n-- UP\nCREATE INDEX CONCURRENTLY i ON t (x);\n"
        );
    }
}
