//! `sqlstrata squash --to VERSION`: the migrations up to VERSION replaced by
//! one baseline holding the schema they build, proved equal before anything
//! is written; the squashed files are moved to an archive folder, never
//! deleted. Deployed databases need nothing: the baseline says what it
//! squashes, and a database that applied all of it counts it as applied.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::args::GlobalArgs;
use crate::config::{Connection, resolve};
use crate::dump;
use sqlstrata::testing::Server;
use sqlstrata::{Migration, Migrations, Migrator};
use sqlstrata_core::directives::format_versions;
use sqlstrata_core::naming::parse_file_name;
use sqlstrata_core::{Severity, read_folder};

/// What `squash` was asked.
pub struct Request<'a> {
    pub dir: &'a Path,
    pub to: i64,
    pub archive: Option<&'a Path>,
    pub with_data: &'a [String],
    pub name: &'a str,
}

/// The scratch databases: the history replayed (A), the baseline applied (B).
struct Scratch {
    admin: postgres::Client,
    a: (String, Connection),
    b: (String, Connection),
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for name in [&self.a.0, &self.b.0] {
            let _ = self
                .admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

fn connection_for(config: &str) -> Result<Connection, String> {
    resolve(
        Some(config),
        &|k| std::env::var(k).ok(),
        Path::new("/nonexistent"),
    )
    .map_err(|e| e.to_string())
}

/// Two empty databases: on the server `--database-url` names (it must allow
/// CREATE DATABASE), else on the throwaway server of `sqlstrata::testing`.
fn scratch(global: &GlobalArgs) -> Result<Scratch, String> {
    let unique = format!("sqlstrata_squash_{}", std::process::id());
    let (a, b) = (format!("{unique}_history"), format!("{unique}_baseline"));
    let given = global.connection().ok();
    let (mut admin, a_conn, b_conn) = match given {
        Some(base) => {
            let admin = crate::connect::connect(&base).map_err(|e| e.to_string())?;
            let with_db = |name: &str| {
                let mut c = base.clone();
                c.config = match c.config.parse::<postgres::Config>() {
                    Ok(_) if c.config.contains("://") => {
                        let (head, query) = c
                            .config
                            .split_once('?')
                            .map_or((c.config.as_str(), None), |(h, q)| (h, Some(q)));
                        let after = head.find("://").map_or(0, |i| i + 3);
                        let base = head[after..].find('/').map_or(head, |s| &head[..after + s]);
                        match query {
                            Some(q) => format!("{base}/{name}?{q}"),
                            None => format!("{base}/{name}"),
                        }
                    }
                    _ => format!("{} dbname='{name}'", c.config),
                };
                c
            };
            (admin, with_db(&a), with_db(&b))
        }
        None => {
            let server = Server::shared().map_err(|e| {
                format!("{e}; or give --database-url of a server where a scratch database may be created")
            })?;
            let admin = postgres::Client::connect(server.admin_url(), postgres::NoTls)
                .map_err(|e| format!("cannot connect to the throwaway server: {e}"))?;
            (
                admin,
                connection_for(&server.url_for(&a))?,
                connection_for(&server.url_for(&b))?,
            )
        }
    };
    for name in [&a, &b] {
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .and_then(|()| admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")))
            .map_err(|e| {
                format!(
                    "cannot create the scratch database {name} (squash needs CREATEDB on that server): {}",
                    e
                )
            })?;
    }
    Ok(Scratch {
        admin,
        a: (a, a_conn),
        b: (b, b_conn),
    })
}

/// The squashed migrations' statements that write rows: the baseline holds
/// the schema, not their data.
fn data_statements(squashed: &[&Migration]) -> Vec<String> {
    let mut out = Vec::new();
    for m in squashed {
        for s in m.up() {
            let words: Vec<String> = s
                .sql()
                .split_whitespace()
                .take(1)
                .map(|w| w.to_ascii_uppercase())
                .collect();
            let kind = words.first().map(String::as_str).unwrap_or("");
            if matches!(
                kind,
                "INSERT" | "UPDATE" | "DELETE" | "COPY" | "MERGE" | "WITH"
            ) {
                let first = s.sql().lines().next().unwrap_or("").trim();
                out.push(format!("{}:{}: {first}", m.file_name(), s.line()));
            }
        }
    }
    out
}

/// `squash`.
pub fn squash(request: &Request<'_>, global: &GlobalArgs) -> ExitCode {
    match run(request, global) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(request: &Request<'_>, global: &GlobalArgs) -> Result<(), String> {
    let dir = request.dir;
    let folder = read_folder(dir, &dir.display().to_string());
    if folder.has_errors() {
        for d in folder.diagnostics.iter().filter(|d| d.is_error()) {
            eprintln!("error: {d}\n");
        }
        return Err(format!(
            "{} has errors; nothing was squashed",
            dir.display()
        ));
    }
    // Repeatables stay as they are: code applied after any baseline.
    let all: Vec<Migration> = folder
        .migrations
        .into_iter()
        .map(|m| m.migration)
        .filter(|m| !m.is_repeatable())
        .collect();
    if !all.iter().any(|m| m.version() == request.to) {
        return Err(format!(
            "version {} is not in {}",
            request.to,
            dir.display()
        ));
    }
    let squashed: Vec<&Migration> = all.iter().filter(|m| m.version() <= request.to).collect();
    if squashed.len() < 2 {
        return Err("squash needs at least two migrations up to --to".into());
    }
    // What a baseline among them squashed is squashed again.
    let mut versions: Vec<i64> = squashed
        .iter()
        .flat_map(|m| {
            let mut v = m.squashes().to_vec();
            v.push(m.version());
            v
        })
        .collect();
    versions.sort_unstable();
    versions.dedup();
    let first = squashed
        .first()
        .map(|m| m.file_name().to_string())
        .unwrap_or_default();
    let last = squashed
        .last()
        .map(|m| m.file_name().to_string())
        .unwrap_or_default();
    let archive: PathBuf = match request.archive {
        Some(a) => a.to_path_buf(),
        None => dir
            .parent()
            .unwrap_or(Path::new("."))
            .join("squashed_migrations"),
    };
    // The archive must be out of the set: into the folder itself, the old
    // files would stay beside the baseline.
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(&archive, dir) {
        return Err(format!(
            "--archive {} is the migrations folder itself; give another folder",
            archive.display()
        ));
    }

    // The history replayed on a scratch database.
    let mut scratch = scratch(global)?;
    let history = Migrations::new(squashed.iter().map(|m| (*m).clone()).collect());
    let options = global.options();
    let mut a = crate::connect::connect(&scratch.a.1).map_err(|e| e.to_string())?;
    let bar = crate::progress::Bar::migrations(crate::progress::wanted(false));
    let start_bar = bar.clone();
    let replayed = Migrator::new(&history)
        .with_options(options.clone())
        .on_start(move |s| start_bar.start(s))
        .up(&mut a);
    bar.finish();
    replayed.map_err(|e| format!("replaying the history to squash failed: {e}"))?;
    let major: u32 = a
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .map(|r| u32::try_from(r.get::<_, i32>(0) / 10000).unwrap_or(0))
        .map_err(|e| e.to_string())?;
    let pg_dump = dump::find(major).map_err(|e| e.to_string())?;
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let tracking_schema = quote(global.schema.as_deref().unwrap_or("public"));
    let schema = dump::dump(
        &pg_dump,
        &scratch.a.1,
        &[
            format!("{tracking_schema}.{}", quote(&global.table)),
            format!(
                "{tracking_schema}.{}",
                quote(&format!("{}_lock", global.table))
            ),
        ],
    )
    .map_err(|e| e.to_string())?;
    let data = if request.with_data.is_empty() {
        String::new()
    } else {
        dump::dump_data(&pg_dump, &scratch.a.1, request.with_data).map_err(|e| e.to_string())?
    };

    // The baseline.
    let file_name = format!("{:03}_{}.sql", request.to, request.name);
    let text = format!(
        "-- Migration: {stem}\n-- Description: the schema of {first} .. {last} ({n} migrations), squashed\n-- sqlstrata: squashes {list}\n-- sqlstrata: irreversible\n-- Written by `sqlstrata squash` from pg_dump {pg} of the history replayed; the squashed files are in {archive}.\n\n-- UP\n-- Function bodies may name objects created further down, as pg_dump orders them.\nSET LOCAL check_function_bodies = false;\n\n{schema}{data}\nSET LOCAL check_function_bodies = true;\n",
        stem = file_name.trim_end_matches(".sql"),
        n = squashed.len(),
        list = format_versions(&versions),
        pg = pg_dump.major,
        archive = archive.display(),
        data = if data.is_empty() {
            String::new()
        } else {
            format!("\n-- The rows of {}\n{data}", request.with_data.join(", "))
        },
    );
    let parsed = parse_file_name(&file_name).map_err(|e| e.to_string())?;
    let display = dir.join(&file_name).display().to_string();
    let (baseline, diagnostics) =
        sqlstrata_core::migration::read_migration(&display, &parsed, &file_name, &text);
    for d in &diagnostics {
        let label = if d.severity == Severity::Error {
            "error"
        } else {
            "warning"
        };
        eprintln!("{label}: {d}\n");
    }
    let Some(baseline) = baseline else {
        return Err("the baseline pg_dump wrote does not pass sqlstrata's check (above); nothing was written".into());
    };

    // Proved equal: the baseline applied on an empty database builds the
    // same catalog as the history.
    let mut b = crate::connect::connect(&scratch.b.1).map_err(|e| e.to_string())?;
    Migrator::new(&Migrations::new(vec![baseline.migration.clone()]))
        .with_options(options.clone())
        .up(&mut b)
        .map_err(|e| {
            format!("the baseline does not apply on an empty database: {e}; nothing was written")
        })?;
    let before =
        sqlstrata::verify::catalog_snapshot(&mut a, &options).map_err(|e| e.to_string())?;
    let after = sqlstrata::verify::catalog_snapshot(&mut b, &options).map_err(|e| e.to_string())?;
    if before != after {
        let only_history: Vec<&String> = before.iter().filter(|l| !after.contains(l)).collect();
        let only_baseline: Vec<&String> = after.iter().filter(|l| !before.contains(l)).collect();
        let mut diff = String::new();
        for l in only_history {
            diff.push_str(&format!(
                "\n  - {l}   (the history has it, the baseline not)"
            ));
        }
        for l in only_baseline {
            diff.push_str(&format!(
                "\n  + {l}   (the baseline has it, the history not)"
            ));
        }
        return Err(format!(
            "the baseline does not build the schema the history builds; nothing was written:{diff}"
        ));
    }
    drop((a, b));
    scratch.admin.batch_execute("SELECT 1").ok();
    let writes = data_statements(&squashed);

    println!(
        "{} {} migration(s), {first} .. {last}, into {file_name} ({} statements; the same catalog as the history: {} objects compared)",
        if global.dry_run {
            "would squash"
        } else {
            "squashed"
        },
        squashed.len(),
        baseline.migration.up().len(),
        before.len()
    );
    if !writes.is_empty() {
        println!(
            "these squashed statements wrote data, which the baseline {}:",
            if request.with_data.is_empty() {
                "does not carry (carry it with --with-data TABLE, or in a new migration)"
            } else {
                "carries only for the tables given with --with-data"
            }
        );
        for w in &writes {
            println!("  {w}");
        }
    }
    if global.dry_run {
        println!("nothing written (--dry-run)");
        return Ok(());
    }
    if let Some(taken) = squashed
        .iter()
        .map(|m| archive.join(m.file_name()))
        .find(|p| p.exists())
    {
        return Err(format!(
            "{} exists already; nothing was written",
            taken.display()
        ));
    }
    std::fs::create_dir_all(&archive)
        .map_err(|e| format!("cannot create {}: {e}", archive.display()))?;
    // Moved one by one; on any failure the moved files go back, so the
    // folder is either as it was or squashed.
    let move_file = |from: &Path, to: &Path| {
        std::fs::rename(from, to)
            .or_else(|_| std::fs::copy(from, to).and_then(|_| std::fs::remove_file(from)))
    };
    let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
    let undo = |moved: &[(PathBuf, PathBuf)]| {
        for (from, to) in moved.iter().rev() {
            let _ = move_file(to, from);
        }
    };
    for m in &squashed {
        let from = dir.join(m.file_name());
        let to = archive.join(m.file_name());
        if let Err(e) = move_file(&from, &to) {
            undo(&moved);
            return Err(format!(
                "cannot move {} to {}: {e}; the files moved before it are back, nothing was written",
                from.display(),
                archive.display()
            ));
        }
        moved.push((from, to));
    }
    if let Err(e) = std::fs::write(dir.join(&file_name), &text) {
        undo(&moved);
        return Err(format!(
            "cannot write {file_name}: {e}; the squashed files are back in place"
        ));
    }
    println!(
        "moved {} file(s) to {}; wrote {}",
        squashed.len(),
        archive.display(),
        dir.join(&file_name).display()
    );
    // The squashed history ran already: lint only what comes after it.
    let toml = dir.join(sqlstrata_core::config::FILE_NAME);
    let existing = std::fs::read_to_string(&toml).ok();
    let newest = squashed
        .last()
        .map_or(request.to, |m| m.version())
        .max(request.to);
    match crate::import::with_baseline(existing.as_deref(), newest) {
        Ok(t) if existing.as_deref() == Some(t.as_str()) => {}
        Ok(t) => match std::fs::write(&toml, t) {
            Ok(()) => println!(
                "set the lint baseline in {}: `[lints] from = {newest}`",
                toml.display()
            ),
            Err(e) => eprintln!("warning: cannot write {}: {e}", toml.display()),
        },
        Err(e) => eprintln!(
            "warning: {} was left as it is ({e}); add `[lints] from = {newest}` to lint only migrations after the baseline",
            toml.display()
        ),
    }
    Ok(())
}
