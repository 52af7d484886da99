//! Reading a migration folder: every `.sql` file, in version order.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Severity};
use crate::migration::{SourceMigration, read_migration};
use crate::naming::{PATTERN, parse_file_name};

/// A folder read and checked.
#[derive(Debug, Clone, Default)]
pub struct Folder {
    /// The migrations without errors, in version order.
    pub migrations: Vec<SourceMigration>,
    /// Every problem found, errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Every `.sql` file that was read (so a build can track them).
    pub files: Vec<PathBuf>,
}

impl Folder {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Reads every `.sql` file in `dir`. `display` is how the folder is named in
/// diagnostics (for example `migrations`, as the user wrote it). Files that
/// do not end in `.sql` are ignored; a `.sql` file is never skipped silently.
pub fn read_folder(dir: &Path, display: &str) -> Folder {
    let mut folder = Folder::default();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(err) => {
            folder.diagnostics.push(Diagnostic::file(
                Severity::Error,
                "folder",
                display,
                format!("cannot read the migrations folder: {err}"),
            ));
            return folder;
        }
    };
    let mut names: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .filter(|(name, _)| name.to_ascii_lowercase().ends_with(".sql"))
        .collect();
    names.sort();

    let mut by_version: BTreeMap<i64, String> = BTreeMap::new();
    for (file_name, path) in names {
        let shown = format!("{}/{file_name}", display.trim_end_matches('/'));
        folder.files.push(path.clone());
        let parsed = match parse_file_name(&file_name) {
            Ok(p) if file_name.ends_with(".sql") => p,
            Ok(_) => {
                folder.diagnostics.push(
                    Diagnostic::file(
                        Severity::Error,
                        "file-name",
                        &shown,
                        "the extension must be `.sql` in lower case".into(),
                    )
                    .with_help(format!("rename it to match {PATTERN}")),
                );
                continue;
            }
            Err(e) => {
                folder.diagnostics.push(
                    Diagnostic::file(
                        Severity::Error,
                        "file-name",
                        &shown,
                        format!("bad migration file name: {e}"),
                    )
                    .with_help(format!("rename it to match {PATTERN}")),
                );
                continue;
            }
        };
        if let Some(other) = by_version.get(&parsed.version) {
            folder.diagnostics.push(
                Diagnostic::file(
                    Severity::Error,
                    "duplicate-version",
                    &shown,
                    format!(
                        "version {} is used twice: by `{other}` and `{file_name}`",
                        parsed.version
                    ),
                )
                .with_help("give one of them the next free version"),
            );
            continue;
        }
        by_version.insert(parsed.version, file_name.clone());
        let source = match fs::read(&path).map(String::from_utf8) {
            Ok(Ok(s)) => s,
            Ok(Err(_)) => {
                folder.diagnostics.push(Diagnostic::file(
                    Severity::Error,
                    "encoding",
                    &shown,
                    "the file is not valid UTF-8".into(),
                ));
                continue;
            }
            Err(err) => {
                folder.diagnostics.push(Diagnostic::file(
                    Severity::Error,
                    "io",
                    &shown,
                    format!("cannot read the file: {err}"),
                ));
                continue;
            }
        };
        let (migration, diagnostics) = read_migration(&shown, &parsed, &file_name, &source);
        folder.diagnostics.extend(diagnostics);
        folder.migrations.extend(migration);
    }
    folder.migrations.sort_by_key(|m| m.version);
    folder
}
