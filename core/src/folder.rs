//! Reading a migration folder: every `.sql` file, in version order.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::cache::{Cache, Checked1};
use crate::config::{self, LintConfig};
use crate::diagnostic::{Diagnostic, Severity};
use crate::migration::{SourceMigration, read_judged, reread_migration};
use crate::naming::{FileName, PATTERN, parse_file_name};
use crate::rules;

/// A folder read and checked.
#[derive(Debug, Clone, Default)]
pub struct Folder {
    /// The migrations without errors, in version order.
    pub migrations: Vec<SourceMigration>,
    /// Every problem found, errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Every `.sql` file that was read (so a build can track them): regular
    /// files, or symbolic links to them.
    pub files: Vec<PathBuf>,
    /// The folder's `sqlstrata.toml`, when it has one (tracked too).
    pub config: Option<PathBuf>,
    /// Its `[run]` settings, which the set carries to the runtime.
    pub run: sqlstrata_model::RunSettings,
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
    read(dir, display, Cache::none(), true)
}

/// [`read_folder`], keeping each file's result in the user's cache between
/// calls (see the `cache` module): what `migrations!()` uses, because it runs
/// at every rebuild of its crate. The results are [`read_folder`]'s, byte
/// for byte, but for how each statement is marked checked: the build asks
/// PostgreSQL's grammar alone ([`Checked::Grammar`]), not sqlparser's
/// second opinion, which never changes a diagnostic (only `sqlstrata
/// check`'s count of statements beyond sqlparser reads it).
///
/// [`Checked::Grammar`]: crate::migration::Checked::Grammar
pub fn read_folder_cached(dir: &Path, display: &str) -> Folder {
    read(dir, display, Cache::open(dir), false)
}

/// Reads the folder, with `cache`, asking sqlparser too when `sqlparser`.
fn read(dir: &Path, display: &str, cache: Cache, sqlparser: bool) -> Folder {
    let mut folder = Folder::default();
    let config_shown = format!("{}/{}", display.trim_end_matches('/'), config::FILE_NAME);
    let (settings, problems) = LintConfig::read(dir, &config_shown);
    folder.diagnostics.extend(problems);
    folder.run = settings.run;
    let config_file = dir.join(config::FILE_NAME);
    if config_file.is_file() {
        folder.config = Some(config_file);
    }
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
    // Every entry whose name ends in `.sql` (in any case) is a migration or an
    // error; none is skipped. Symlinks are followed to the file they name.
    let mut names: Vec<(String, PathBuf, Option<String>)> = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                folder.diagnostics.push(Diagnostic::file(
                    Severity::Error,
                    "folder",
                    display,
                    format!("cannot list the migrations folder: {err}"),
                ));
                continue;
            }
        };
        let raw = entry.file_name();
        if !raw
            .as_encoded_bytes()
            .to_ascii_lowercase()
            .ends_with(b".sql")
        {
            continue;
        }
        let path = entry.path();
        let shown = raw.to_string_lossy().into_owned();
        let problem = if raw.to_str().is_none() {
            Some("the file name is not valid UTF-8; rename it".to_string())
        } else {
            match fs::metadata(&path) {
                Ok(m) if m.is_file() => None,
                Ok(m) if m.is_dir() => {
                    Some("a directory named like a migration file; rename or move it".to_string())
                }
                Ok(_) => Some("not a regular file".to_string()),
                Err(err) if entry.file_type().is_ok_and(|t| t.is_symlink()) => Some(format!(
                    "a symbolic link whose target cannot be read ({err}); fix or remove the link"
                )),
                Err(err) => Some(format!("cannot read it: {err}")),
            }
        };
        names.push((shown, path, problem));
    }
    names.sort();

    // Names first (cheap, in order); then the files, read and checked in
    // parallel: the grammar's parse is most of the macro's time.
    let mut by_version: BTreeMap<i64, String> = BTreeMap::new();
    let mut work: Vec<(usize, String, PathBuf, FileName)> = Vec::new();
    let mut name_errors: Vec<(usize, Diagnostic)> = Vec::new();
    for (position, (file_name, path, problem)) in names.into_iter().enumerate() {
        let shown = format!("{}/{file_name}", display.trim_end_matches('/'));
        let at = position + 1;
        if let Some(problem) = problem {
            name_errors.push((
                at,
                Diagnostic::file(Severity::Error, "file-name", &shown, problem),
            ));
            continue;
        }
        if !file_name.ends_with(".sql") {
            name_errors.push((
                at,
                Diagnostic::file(
                    Severity::Error,
                    "file-name",
                    &shown,
                    "the extension must be `.sql` in lower case".into(),
                )
                .with_help(format!("rename it to match {PATTERN}")),
            ));
            continue;
        }
        folder.files.push(path.clone());
        let parsed = match parse_file_name(&file_name) {
            Ok(p) => p,
            Err(e) => {
                name_errors.push((
                    at,
                    Diagnostic::file(
                        Severity::Error,
                        "file-name",
                        &shown,
                        format!("bad migration file name: {e}"),
                    )
                    .with_help(format!("rename it to match {PATTERN}")),
                ));
                continue;
            }
        };
        if let Some(other) = by_version
            .get(&parsed.version)
            .filter(|_| !parsed.repeatable)
        {
            name_errors.push((
                at,
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
            ));
            continue;
        }
        if !parsed.repeatable {
            by_version.insert(parsed.version, file_name.clone());
        }
        work.push((at, file_name, path, parsed));
    }
    let checked: Vec<(usize, [u8; 32], Checked1, bool)> =
        in_parallel(&work, |(at, file_name, path, parsed)| {
            let shown = format!("{}/{file_name}", display.trim_end_matches('/'));
            let bytes = match fs::read(path) {
                Ok(b) => b,
                Err(err) => {
                    let d = Diagnostic::file(
                        Severity::Error,
                        "io",
                        &shown,
                        format!("cannot read the file: {err}"),
                    );
                    return (*at, [0; 32], (None, vec![d]), false);
                }
            };
            let key = Cache::key(&settings.key(), &shown, &bytes);
            // A hit saves the grammar's work; the migration is still built
            // from these bytes (see the `cache` module).
            if let Some(hit) = cache.get(&key)
                && let Ok(source) = std::str::from_utf8(&bytes)
            {
                match &hit.shape {
                    None => return (*at, key, (None, hit.diagnostics), true),
                    Some(shape) => {
                        if let Some(m) =
                            reread_migration(&shown, parsed, file_name, source, &settings, shape)
                        {
                            return (*at, key, (Some(m), hit.diagnostics), true);
                        }
                    }
                }
            }
            let result = match String::from_utf8(bytes) {
                Ok(source) => read_judged(&shown, parsed, file_name, &source, &settings, sqlparser),
                Err(_) => (
                    None,
                    vec![Diagnostic::file(
                        Severity::Error,
                        "encoding",
                        &shown,
                        "the file is not valid UTF-8".into(),
                    )],
                ),
            };
            (*at, key, result, true)
        });
    // The whole set's key (every file's, in order): the schema check's
    // result is kept under it.
    let set_key = Cache::key(
        "schema",
        display,
        &checked
            .iter()
            .flat_map(|(_, key, _, _)| key.iter().copied())
            .collect::<Vec<u8>>(),
    );
    let mut encoded: Vec<([u8; 32], Vec<u8>)> = checked
        .iter()
        .filter(|(_, _, _, keep)| *keep)
        .map(|(_, key, result, _)| (*key, cache.encode(key, result)))
        .collect();
    let read = checked
        .into_iter()
        .map(|(at, _, (migration, diagnostics), _)| (at, migration, diagnostics));
    // Diagnostics in file order, whichever thread found them.
    let name_errors_empty = name_errors.is_empty();
    let mut all: Vec<(usize, Diagnostic)> = name_errors;
    let mut at_of: Vec<(i64, usize)> = Vec::new();
    for (at, migration, diagnostics) in read {
        all.extend(diagnostics.into_iter().map(|d| (at, d)));
        if let Some(m) = migration {
            at_of.push((m.version(), at));
            folder.migrations.push(m);
        }
    }
    // Versioned in version order, then the repeatables in name order.
    folder.migrations.sort_by(|a, b| {
        let key = |m: &SourceMigration| {
            (
                m.migration.is_repeatable(),
                m.version(),
                m.migration.name().to_string(),
            )
        };
        key(a).cmp(&key(b))
    });
    // What only the whole set shows: a label one migration adds, used by a
    // later one.
    let set: Vec<_> = folder
        .migrations
        .iter()
        .map(|m| m.migration.clone())
        .collect();
    if let Some(rule) = rules::rule("enum-value-used-in-batch") {
        for (j, k, i) in rules::enum_value_used_in_batch(&set) {
            let (user, adder) = (&set[j], &set[i]);
            let Some(severity) = settings.severity_at(rule, user.version()) else {
                continue;
            };
            let statement = &user.up()[k];
            let shown = format!("{}/{}", display.trim_end_matches('/'), user.file_name());
            let line = statement.line() as usize;
            let d = Diagnostic::at_line(
                severity,
                rule.name,
                &shown,
                statement.sql().lines().next(),
                (line, 1),
                format!(
                    "this statement {} (`{}`): {} ({})",
                    rule.what,
                    adder.file_name(),
                    rule.why,
                    rule.name
                ),
            )
            .with_help(rule.fix);
            let at = at_of
                .iter()
                .find(|(v, _)| *v == user.version())
                .map_or(0, |(_, a)| *a);
            all.push((at, d));
        }
    }
    // The names each statement uses, against the schema the set makes (see
    // the `schema` module): cross-file, so kept as one entry for the set.
    // A file that could not be read: the model knows nothing from where it
    // would have run (a misnamed one may run anywhere).
    let read_ok: std::collections::HashSet<(i64, bool)> = folder
        .migrations
        .iter()
        .map(|m| (m.version(), m.migration.is_repeatable()))
        .collect();
    let mut failed: Vec<i64> = work
        .iter()
        .filter(|(_, _, _, p)| !read_ok.contains(&(p.version, p.repeatable)))
        .map(|(_, _, _, p)| if p.repeatable { i64::MAX } else { p.version })
        .collect();
    if !name_errors_empty {
        failed.push(i64::MIN + 1);
    }
    let schema_diagnostics = match cache.get(&set_key) {
        Some(hit) if hit.shape.is_none() => hit.diagnostics,
        _ => {
            crate::schema::report::diagnostics(&folder.migrations, dir, display, &settings, &failed)
                .into_iter()
                .map(|(_, d)| d)
                .collect()
        }
    };
    for d in &schema_diagnostics {
        let at = folder
            .migrations
            .iter()
            .find(|m| d.file.ends_with(&format!("/{}", m.migration.file_name())))
            .and_then(|m| at_of.iter().find(|(v, _)| *v == m.version()))
            .map_or(0, |(_, a)| *a);
        all.push((at, d.clone()));
    }
    let schema_result: crate::cache::Checked1 = (None, schema_diagnostics);
    encoded.push((set_key, cache.encode(&set_key, &schema_result)));
    cache.store_encoded(encoded);
    all.sort_by_key(|(at, _)| *at);
    folder.diagnostics.extend(all.into_iter().map(|(_, d)| d));
    folder
}

/// `f` over `items` on up to `available_parallelism` threads, results in
/// the order of `items`.
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len() / 8)
        .max(1);
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(results) => results,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::Checked;

    /// The workspace's realistic folders: the example set and a 30-migration history.
    fn folders() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        vec![root.join("migrations"), root.join("tests/fixtures/history")]
    }

    #[test]
    fn a_cached_read_is_the_uncached_read() {
        let cache =
            std::env::temp_dir().join(format!("sqlstrata-folder-cache-{}", std::process::id()));
        for dir in folders() {
            let _ = fs::remove_file(&cache);
            let plain = read(&dir, "m", Cache::none(), false);
            assert!(!plain.migrations.is_empty(), "{}", dir.display());
            // sqlparser's second opinion changes only how statements are
            // marked checked.
            let judged = read_folder(&dir, "m");
            assert_eq!(judged.diagnostics, plain.diagnostics);
            assert_eq!(judged.migrations.len(), plain.migrations.len());
            for (j, p) in judged.migrations.iter().zip(&plain.migrations) {
                assert_eq!(j.migration, p.migration);
                assert_eq!(j.spans, p.spans);
                let grammar: Vec<Checked> = j
                    .checked
                    .iter()
                    .map(|c| match c {
                        Checked::Parsed | Checked::GrammarOnly => Checked::Grammar,
                        other => *other,
                    })
                    .collect();
                assert_eq!(grammar, p.checked);
            }
            // First: every file a miss, then stored; second: every file a hit.
            for round in 0..2 {
                let cached = read(&dir, "m", Cache::at(cache.clone()), false);
                assert_eq!(cached.migrations, plain.migrations, "round {round}");
                assert_eq!(cached.diagnostics, plain.diagnostics, "round {round}");
                assert!(cache.exists());
            }
        }
        let _ = fs::remove_file(&cache);
    }
}
