//! `init` and `create`: new migration files that follow the rules.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use crate::args::GlobalArgs;
use sqlstrata_core::naming::{PATTERN, parse_file_name};

fn template(stem: &str, name: &str) -> String {
    let description = name.replace('_', " ");
    format!(
        "-- Migration: {stem}\n-- Description: {description}\n-- Created: {}\n\n-- UP\n\n\n-- DOWN\n\n",
        today()
    )
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The next version and its width, from the files already in `dir`.
fn next_version(dir: &Path) -> (i64, usize) {
    let mut max = 0;
    let mut width = 3;
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if let Some(name) = e.file_name().to_str()
                && let Ok(parsed) = parse_file_name(name)
                && name.ends_with(".sql")
            {
                max = max.max(parsed.version);
                width = width.max(parsed.version_text.len());
            }
        }
    }
    (max + 1, width)
}

fn write_new(dir: &Path, name: &str) -> Result<std::path::PathBuf, String> {
    let (version, width) = next_version(dir);
    let file = format!("{version:0width$}_{name}.sql");
    let parsed = parse_file_name(&file)
        .map_err(|e| format!("bad migration name `{name}`: {e}; names follow {PATTERN}"))?;
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(&file);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    std::io::Write::write_all(&mut f, template(&parsed.stem(), &parsed.name).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// `create NAME`.
pub fn create(dir: &Path, name: &str) -> ExitCode {
    match write_new(dir, name) {
        Ok(path) => {
            println!("created {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `init`: the folder with a first migration; the tracking table too when a
/// database is configured.
pub fn init(dir: &Path, global: &GlobalArgs) -> ExitCode {
    let has_sql = fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".sql"))
        })
        .unwrap_or(false);
    if has_sql {
        println!("{} already has migrations", dir.display());
    } else {
        match write_new(dir, "initial_schema") {
            Ok(path) => println!("created {}", path.display()),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let configured = global.database_url.is_some()
        || std::env::var_os("DATABASE_URL").is_some()
        || Path::new(".env").is_file()
        || std::env::var_os("PGHOST").is_some()
        || std::env::var_os("PGDATABASE").is_some();
    if !configured {
        println!("no database configured: the tracking table will be created by the first `up`");
        return ExitCode::SUCCESS;
    }
    let empty = sqlstrata::Migrations::new(Vec::new());
    // `up` of an empty set creates the tracking table under the lock and applies nothing.
    let code = crate::commands::execute_with(
        &empty,
        global,
        &crate::args::DbCommand::Up {
            to: None,
            phase: crate::args::PhaseArg::All,
            dump: None,
            connection: Default::default(),
            run: Default::default(),
            dry_run: Default::default(),
            fleet: Default::default(),
            json: Default::default(),
        },
    );
    if code == ExitCode::SUCCESS {
        println!(
            "tracking table {} is ready",
            global
                .schema
                .as_deref()
                .map_or(global.table.clone(), |s| format!("{s}.{}", global.table))
        );
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_a_date() {
        let t = today();
        assert_eq!(t.len(), 10);
        assert!(t.starts_with("20"));
    }
}
