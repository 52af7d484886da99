//! `sqlstrata adopt --from TOOL`: the other tool's history table read on the
//! live database and written as our tracking rows, for exactly the versions
//! it says were applied. The old table is never altered or dropped (only
//! renamed, with `--rename-old-to`, when it has the name ours must have).

use std::path::Path;
use std::process::ExitCode;

use crate::args::GlobalArgs;
use sqlstrata::AdoptedRow;
use sqlstrata::{Migrations, Migrator};

use crate::import::Tool;

/// What the old table says of one migration.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OldRow {
    version: i64,
    batch: Option<i32>,
    applied_at: Option<String>,
}

/// The other tool's history table, read.
struct History {
    /// `"schema"."table"` as found.
    table: String,
    /// Its bare name.
    name: String,
    rows: Vec<OldRow>,
    /// Something to say about what was not adopted.
    note: Option<String>,
}

type Cells = Vec<Vec<Option<String>>>;

fn query(client: &mut postgres::Client, sql: &str) -> Result<Cells, String> {
    let messages = client
        .simple_query(sql)
        .map_err(|e| format!("reading the old history: {e}"))?;
    Ok(messages
        .into_iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect())
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The table `name` resolves to on the `search_path`, with its columns.
fn find_table(
    client: &mut postgres::Client,
    name: &str,
) -> Result<Option<(String, Vec<String>)>, String> {
    let rows = query(
        client,
        &format!(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), \
             (SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass({})",
            literal(&format!("\"{}\"", name.replace('"', "\"\"")))
        ),
    )?;
    Ok(rows.into_iter().next().and_then(|r| {
        let table = r.first().cloned().flatten()?;
        let columns = r
            .get(1)
            .cloned()
            .flatten()
            .unwrap_or_default()
            .split(',')
            .map(str::to_string)
            .collect();
        Some((table, columns))
    }))
}

/// The default history tables of each tool, in the order they are looked for.
fn default_tables(tool: Tool) -> &'static [&'static str] {
    match tool {
        Tool::Sqlx => &["_sqlx_migrations"],
        Tool::Refinery => &["refinery_schema_history"],
        Tool::Diesel => &["__diesel_schema_migrations"],
        Tool::Goose => &["goose_db_version"],
        Tool::Dbmate | Tool::GolangMigrate => &["schema_migrations"],
        Tool::Sql => &["schema_migrations", "_migrations", "migrations"],
        Tool::Ts => &["migrations", "_migrations", "schema_migrations"],
        Tool::Flyway => &["flyway_schema_history"],
    }
}

fn parse_version(text: &str, what: &str) -> Result<i64, String> {
    let digits: String = text
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .map_err(|_| format!("{what} `{text}` is not a version number"))
}

/// The version mapping `import` wrote into the folder's files (`--
/// Version mapping: flyway version 1.1 is version 101 here`): each source
/// version, as its tool's history writes it, to ours. Empty when the
/// import kept the tool's own numbers.
struct Mapping {
    tool: Tool,
    versions: std::collections::HashMap<String, i64>,
}

impl Mapping {
    /// The mapping in the files of `dir`, the folder adopt was given.
    fn of_folder(tool: Tool, dir: &Path) -> Mapping {
        let mut versions = std::collections::HashMap::new();
        let files = std::fs::read_dir(dir).ok();
        let prefix = format!("{}{tool} version ", crate::import::MAPPING_PREFIX);
        for entry in files.into_iter().flatten().flatten() {
            if !entry.file_name().to_string_lossy().ends_with(".sql") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let found = text
                .lines()
                .take_while(|l| l.starts_with("--"))
                .find_map(|l| l.strip_prefix(&prefix))
                .and_then(|rest| rest.strip_suffix(" here"))
                .and_then(|rest| rest.split_once(" is version "));
            if let Some((source, ours)) = found
                && let Ok(ours) = ours.parse::<i64>()
            {
                versions.insert(key(tool, source), ours);
            }
        }
        Mapping { tool, versions }
    }

    /// Our version of `text`, a version in the old history: through the
    /// folder's mapping when the import wrote one, else the number itself.
    fn version(&self, text: &str, what: &str) -> Result<i64, String> {
        if self.versions.is_empty() {
            if self.tool == Tool::Flyway && !text.trim().bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "the Flyway version `{text}` (its history's {what}) is not a whole number, and the folder has no version mapping for it: import the Flyway folder with this sqlstrata first (it maps such versions and writes the mapping in each file); nothing was written"
                ));
            }
            return parse_version(text, what);
        }
        self.versions.get(&key(self.tool, text)).copied().ok_or_else(|| {
            format!(
                "the {} version `{text}` (its history's {what}) has no imported file: the folder's version mapping (written by `import`) does not name it; import its file first; nothing was written",
                self.tool
            )
        })
    }
}

impl Mapping {
    /// Our newest version at or before Flyway's `text` (a `BASELINE`
    /// row's, which need not name a file): `None` when every imported
    /// version is after it.
    fn up_to(&self, text: &str, what: &str) -> Result<Option<i64>, String> {
        if self.versions.is_empty() {
            return self.version(text, what).map(Some);
        }
        let Some(limit) = crate::import::flyway_parts(text.trim()) else {
            return Err(format!(
                "`{text}` (its history's {what}) is not a Flyway version; nothing was written"
            ));
        };
        Ok(self
            .versions
            .iter()
            .filter(|(source, _)| crate::import::flyway_parts(source).is_some_and(|p| p <= limit))
            .map(|(_, ours)| *ours)
            .max())
    }
}

/// A source version as the mapping is keyed, as `import` tells versions
/// apart: Flyway's by its parts (`1.1`, `1_1` and `1.1.0` are one
/// version), the others' by the number they start with (`001`, `1` and
/// `001_initial.sql` are one version; import refuses a folder where they
/// are two).
fn key(tool: Tool, text: &str) -> String {
    let text = text.trim();
    if tool == Tool::Flyway {
        return crate::import::flyway_parts(text).map_or_else(
            || text.to_string(),
            |parts| {
                parts
                    .iter()
                    .map(u128::to_string)
                    .collect::<Vec<_>>()
                    .join(".")
            },
        );
    }
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let number = digits.trim_start_matches('0');
    if number.is_empty() { "0" } else { number }.to_string()
}

/// Reads the old history as `tool` wrote it.
fn read_history(
    client: &mut postgres::Client,
    tool: Tool,
    table: Option<&str>,
    set: &Migrations,
    mapping: &Mapping,
) -> Result<History, String> {
    let names: Vec<&str> = match table {
        Some(t) => vec![t],
        None => default_tables(tool).to_vec(),
    };
    let mut found = None;
    for name in &names {
        if let Some((qualified, columns)) = find_table(client, name)? {
            found = Some((name.to_string(), qualified, columns));
            break;
        }
    }
    let Some((name, table, columns)) = found else {
        return Err(format!(
            "no {tool} history table here (looked for {} on the search_path); name it with --history-table",
            names.join(", ")
        ));
    };
    let has = |c: &str| columns.iter().any(|x| x == c);
    let rows: Vec<OldRow> = match tool {
        Tool::Sqlx => {
            let cells = query(
                client,
                &format!(
                    "SELECT version::text, installed_on::text, success::text FROM {table} ORDER BY version"
                ),
            )?;
            let mut rows = Vec::new();
            for r in cells {
                let version = mapping.version(r[0].as_deref().unwrap_or(""), "version")?;
                if r[2].as_deref() != Some("true") {
                    return Err(format!(
                        "{table} says version {version} failed (success = false): finish or undo it with sqlx first; nothing was written"
                    ));
                }
                rows.push(OldRow {
                    version,
                    batch: None,
                    applied_at: r[1].clone(),
                });
            }
            rows
        }
        Tool::Refinery => simple(
            client,
            mapping,
            &format!("SELECT version::text, applied_on FROM {table} ORDER BY version"),
        )?,
        Tool::Diesel => simple(
            client,
            mapping,
            &format!("SELECT version, run_on::text FROM {table} ORDER BY version"),
        )?,
        Tool::Dbmate => simple(
            client,
            mapping,
            &format!("SELECT version, NULL FROM {table} ORDER BY version"),
        )?,
        Tool::Goose => {
            // The last row of each version says whether it is applied.
            let cells = query(
                client,
                &format!(
                    "SELECT DISTINCT ON (version_id) version_id::text, tstamp::text, is_applied::text FROM {table} ORDER BY version_id, id DESC"
                ),
            )?;
            let mut rows = Vec::new();
            for r in cells {
                let raw = r[0].as_deref().unwrap_or("");
                if raw.trim() == "0" || r[2].as_deref() != Some("true") {
                    continue;
                }
                let version = mapping.version(raw, "version_id")?;
                rows.push(OldRow {
                    version,
                    batch: None,
                    applied_at: r[1].clone(),
                });
            }
            rows
        }
        Tool::GolangMigrate => {
            let cells = query(
                client,
                &format!("SELECT version::text, dirty::text FROM {table}"),
            )?;
            let Some(r) = cells.first() else {
                return Ok(History {
                    table,
                    name,
                    rows: Vec::new(),
                    note: None,
                });
            };
            let current = mapping.version(r[0].as_deref().unwrap_or(""), "version")?;
            if r[1].as_deref() == Some("true") {
                return Err(format!(
                    "{table} is dirty at version {current}: golang-migrate stopped in the middle of it; fix the database and `migrate force` a version first; nothing was written"
                ));
            }
            if set.get(current).is_none() && current >= 0 {
                return Err(format!(
                    "{table} says version {current} is applied, and no imported migration has that version; import its files first; nothing was written"
                ));
            }
            set.iter()
                .filter(|m| m.version() <= current)
                .map(|m| OldRow {
                    version: m.version(),
                    batch: None,
                    applied_at: None,
                })
                .collect()
        }
        Tool::Sql | Tool::Ts => {
            // The version: a `version` column; else a name that starts with
            // one (`001_initial_schema.sql`); else the `id` (`'001'`, 1).
            let name_column = ["name", "filename"].into_iter().find(|c| has(c));
            let version_column = ["version", "id"].into_iter().find(|c| has(c));
            if name_column.is_none() && version_column.is_none() {
                return Err(format!(
                    "{table} has no version, name or id column ({}): not a migration history adopt knows",
                    columns.join(", ")
                ));
            }
            let time = ["applied_at", "executed_at", "run_on", "installed_on"]
                .into_iter()
                .find(|c| has(c));
            let sql = format!(
                "SELECT {}::text, {}::text, {}::text, {}::text FROM {table}",
                version_column.unwrap_or("NULL"),
                name_column.unwrap_or("NULL"),
                if has("batch") { "batch" } else { "NULL" },
                time.unwrap_or("NULL"),
            );
            let numbered = |n: &str| {
                let digits = n.chars().take_while(char::is_ascii_digit).count();
                digits > 0 && n[digits..].starts_with('_')
            };
            let mut rows = Vec::new();
            for r in query(client, &sql)? {
                let version = match (version_column, &r[0], &r[1]) {
                    (Some("version"), Some(v), _) => mapping.version(v, "version")?,
                    (_, _, Some(n)) if numbered(n) => mapping.version(n, "name")?,
                    (_, Some(id), _) => mapping.version(id, "id")?,
                    _ => return Err(format!("{table}: a row without a version")),
                };
                let batch = r[2].as_deref().and_then(|b| b.parse().ok());
                rows.push(OldRow {
                    version,
                    batch,
                    applied_at: r[3].clone(),
                });
            }
            rows.sort_by_key(|r| r.version);
            rows
        }
        Tool::Flyway => return flyway(client, table, name, set, mapping),
    };
    Ok(History {
        table,
        name,
        rows,
        note: None,
    })
}

/// Flyway's `flyway_schema_history`, in the order it was written
/// (`installed_rank`): each versioned migration applied, minus those undone
/// or deleted later; a `BASELINE` row stands for every version up to it. A
/// row that failed (`success` false) is refused, as Flyway's own `migrate`
/// refuses it. Repeatable rows (no version) are not adopted: their
/// checksums are Flyway's (CRC32 of the file, not ours), so each repeatable
/// runs once at the next `up`, as Flyway would run a changed one.
fn flyway(
    client: &mut postgres::Client,
    table: String,
    name: String,
    set: &Migrations,
    mapping: &Mapping,
) -> Result<History, String> {
    let cells = query(
        client,
        &format!(
            "SELECT version, type, success::text, installed_on::text, script FROM {table} ORDER BY installed_rank"
        ),
    )?;
    let mut applied: std::collections::BTreeMap<i64, OldRow> = Default::default();
    let mut baseline = None;
    let mut repeatables = std::collections::BTreeSet::new();
    for r in cells {
        let cell = |i: usize| r.get(i).cloned().flatten();
        let script = cell(4).unwrap_or_default();
        if cell(2).as_deref() != Some("true") {
            return Err(format!(
                "{table} says {script} failed (success = false): fix the database and run `flyway repair` first; nothing was written"
            ));
        }
        let kind = cell(1).unwrap_or_default();
        let Some(text) = cell(0) else {
            if kind != "DELETE" {
                repeatables.insert(script);
            }
            continue;
        };
        match kind.as_str() {
            // Flyway's own rows: the schema it made, and a baseline, which
            // need not be the version of any file.
            "SCHEMA" => continue,
            "BASELINE" => {
                baseline = mapping.up_to(&text, &format!("version of {script}"))?;
                continue;
            }
            _ => {}
        }
        let version = mapping.version(&text, &format!("version of {script}"))?;
        match kind.as_str() {
            "DELETE" => {
                applied.remove(&version);
            }
            k if k.starts_with("UNDO") => {
                applied.remove(&version);
            }
            _ => {
                applied.insert(
                    version,
                    OldRow {
                        version,
                        batch: None,
                        applied_at: cell(3),
                    },
                );
            }
        }
    }
    if let Some(b) = baseline {
        for m in set.iter().filter(|m| m.version() <= b) {
            applied.entry(m.version()).or_insert(OldRow {
                version: m.version(),
                batch: None,
                applied_at: None,
            });
        }
    }
    let note = (!repeatables.is_empty()).then(|| {
        format!(
            "{} repeatable migration(s) in {table} ({}) are not adopted: their checksums are Flyway's, so each runs once at the next `up`, then again only when its file changes",
            repeatables.len(),
            repeatables.into_iter().collect::<Vec<_>>().join(", ")
        )
    });
    Ok(History {
        table,
        name,
        rows: applied.into_values().collect(),
        note,
    })
}

fn simple(
    client: &mut postgres::Client,
    mapping: &Mapping,
    sql: &str,
) -> Result<Vec<OldRow>, String> {
    query(client, sql)?
        .into_iter()
        .map(|r| {
            Ok(OldRow {
                version: mapping.version(r[0].as_deref().unwrap_or(""), "version")?,
                batch: None,
                applied_at: r.get(1).cloned().flatten(),
            })
        })
        .collect()
}

/// `adopt`, with the imported files in `dir` (their version mapping).
pub fn adopt_command(
    set: &Migrations,
    dir: &Path,
    tool: Tool,
    global: &GlobalArgs,
    history_table: Option<&str>,
    rename_old_to: Option<&str>,
) -> ExitCode {
    match run(set, dir, tool, global, history_table, rename_old_to) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(
    set: &Migrations,
    dir: &Path,
    tool: Tool,
    global: &GlobalArgs,
    history_table: Option<&str>,
    rename_old_to: Option<&str>,
) -> Result<(), String> {
    let connection = global.connection().map_err(|e| e.to_string())?;
    let mut client = crate::connect::connect(&connection).map_err(|e| e.to_string())?;
    let mapping = Mapping::of_folder(tool, dir);
    let history = read_history(&mut client, tool, history_table, set, &mapping)?;
    if let Some(note) = &history.note {
        println!("note: {note}");
    }
    let missing: Vec<String> = history
        .rows
        .iter()
        .filter(|r| set.get(r.version).is_none())
        .map(|r| r.version.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} says version(s) {} were applied, and no imported migration has them: import those files first (sqlstrata import --from {tool}); nothing was written",
            history.table,
            missing.join(", ")
        ));
    }
    // The old table may have the name ours must have.
    let same_name = history.name == global.table
        && global.schema.as_deref().is_none_or(|s| {
            history.table.starts_with(&format!("{s}."))
                || history.table.starts_with(&format!("\"{s}\"."))
        });
    if same_name && rename_old_to.is_none() {
        return Err(format!(
            "{} is {tool}'s history and has the name of sqlstrata's tracking table. Either keep it and adopt into another table (add --table sqlstrata_migrations to this and every later command, or set it in your code's Options), or let adopt rename the old table in the same transaction: --rename-old-to {}_{tool}; nothing was written",
            history.table,
            history.name,
            tool = tool.to_string().replace('-', "_"),
        ));
    }
    if !same_name && rename_old_to.is_some() {
        return Err(format!(
            "--rename-old-to is for an old table named like sqlstrata's ({}); {} is not; nothing was written",
            global.table, history.table
        ));
    }
    let rows: Vec<AdoptedRow> = history
        .rows
        .iter()
        .map(|r| AdoptedRow {
            version: r.version,
            batch: r.batch.unwrap_or(1),
            applied_at: r.applied_at.clone(),
        })
        .collect();
    let verb = if global.dry_run {
        "would record"
    } else {
        "recorded"
    };
    if let Some(new) = rename_old_to {
        println!(
            "{} {} to {new} (its rows unchanged)",
            if global.dry_run {
                "would rename"
            } else {
                "renamed"
            },
            history.table
        );
    }
    if global.dry_run {
        for r in &rows {
            let file = set
                .get(r.version)
                .map(|m| m.file_name())
                .unwrap_or_default();
            println!(
                "{verb} {file} as applied in batch {}{}",
                r.batch,
                r.applied_at
                    .as_deref()
                    .map(|t| format!(" at {t}"))
                    .unwrap_or_default()
            );
        }
        println!(
            "{verb} {} migration(s) from {}; nothing written (--dry-run)",
            rows.len(),
            history.table
        );
        return Ok(());
    }
    let report = Migrator::new(set)
        .with_options(global.options())
        .adopt(&mut client, &rows, rename_old_to)
        .map_err(|e| format!("{e}; nothing was written"))?;
    for d in &report.done {
        let file = set
            .get(d.version)
            .map(|m| m.file_name())
            .unwrap_or_default();
        let batch = rows
            .iter()
            .find(|r| r.version == d.version)
            .map_or(1, |r| r.batch);
        println!("{verb} {file} as applied in batch {batch}");
    }
    println!(
        "adopted {} migration(s) from {} into {}; {} is left as it was{}",
        report.done.len(),
        history.table,
        global.table,
        rename_old_to.unwrap_or(&history.table),
        if report.done.len() < set.len() {
            format!(
                "; {} imported migration(s) are pending",
                set.len() - report.done.len()
            )
        } else {
            String::new()
        }
    );
    if let Some(newest) = report.done.iter().map(|d| d.version).max() {
        println!(
            "the adopted history ran already: to lint only migrations written after it, keep `[lints] from = {newest}` in the folder's sqlstrata.toml (`import` sets it)"
        );
    }
    Ok(())
}
