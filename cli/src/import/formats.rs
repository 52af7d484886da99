//! Each tool's file format, read into [`Imported`] migrations.

use std::fs;
use std::path::Path;

use sqlstrata_core::lex::tokenize;
use sqlstrata_core::split::statements;

use super::{ImportError, Imported, Tool, snake};

/// Source entries not imported, each with why.
pub type Skipped = Vec<(String, String)>;

/// What a source folder holds: its migrations, and every entry that is not
/// one, with why.
pub struct Source {
    /// The migrations, in the order the folder lists them.
    pub migrations: Vec<Imported>,
    /// Each entry not imported, and the reason.
    pub skipped: Skipped,
}

/// Reads the migrations of `tool` in `source`.
pub fn read(tool: Tool, source: &Path) -> Result<Source, ImportError> {
    let (entries, mut skipped) = list(source)?;
    let mut out = match tool {
        Tool::Sqlx => pairs(source, &entries, Tool::Sqlx, &mut skipped)?,
        Tool::GolangMigrate => pairs(source, &entries, Tool::GolangMigrate, &mut skipped)?,
        Tool::Refinery => refinery(source, &entries, &mut skipped)?,
        Tool::Diesel => diesel(source, &entries, &mut skipped)?,
        Tool::Goose => single(source, &entries, goose, &mut skipped)?,
        Tool::Dbmate => single(source, &entries, dbmate, &mut skipped)?,
        Tool::Sql => single(source, &entries, seed_sql, &mut skipped)?,
        Tool::Ts => ts(source, &entries, &mut skipped)?,
        Tool::Flyway => flyway(source, &entries, &mut skipped)?,
    };
    for m in &mut out {
        transaction_mode(m, tool);
    }
    skipped.sort();
    Ok(Source {
        migrations: out,
        skipped,
    })
}

/// The entries of `source`, sorted by name, and the hidden ones (never a
/// migration) as skipped.
fn list(source: &Path) -> Result<(Vec<String>, Skipped), ImportError> {
    let read_error = |e: std::io::Error| ImportError::Read {
        path: source.display().to_string(),
        reason: e.to_string(),
    };
    let (hidden, mut names): (Vec<String>, Vec<String>) = fs::read_dir(source)
        .map_err(read_error)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .partition(|n| n.starts_with('.'));
    names.sort();
    let skipped = hidden
        .into_iter()
        .map(|n| (n, "a hidden file".to_string()))
        .collect();
    Ok((names, skipped))
}

fn read_text(source: &Path, name: &str) -> Result<String, ImportError> {
    fs::read_to_string(source.join(name)).map_err(|e| ImportError::Read {
        path: source.join(name).display().to_string(),
        reason: e.to_string(),
    })
}

fn convert(file: &str, line: usize, message: impl Into<String>) -> ImportError {
    ImportError::Convert {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// `<digits>_<rest>`: the version and the rest.
fn version_prefix<'a>(file: &str, stem: &'a str) -> Result<(i64, &'a str), ImportError> {
    let (digits, rest) = stem
        .split_once('_')
        .filter(|(d, _)| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| convert(file, 1, "the name does not start with a version and `_`"))?;
    let version = digits.parse::<i64>().map_err(|_| {
        convert(
            file,
            1,
            format!("the version {digits} does not fit in a BIGINT"),
        )
    })?;
    Ok((version, rest))
}

/// The first line, when it is exactly `marker` (sqlx's `-- no-transaction`),
/// taken off.
fn take_first_line(sql: &str, marker: &str) -> Option<String> {
    let (first, rest) = sql.split_once('\n').unwrap_or((sql, ""));
    (first.trim().eq_ignore_ascii_case(marker)).then(|| rest.to_string())
}

/// sqlx (`<V>_<desc>.sql`, `<V>_<desc>.up.sql` + `.down.sql`) and
/// golang-migrate (`<V>_<title>.up.sql` + `.down.sql`): one migration per
/// name (version and title), its UP and DOWN paired by that name, never by
/// the version alone (two names of one version are two migrations, which
/// the plan refuses as a clash).
fn pairs(
    source: &Path,
    entries: &[String],
    tool: Tool,
    skipped: &mut Skipped,
) -> Result<Vec<Imported>, ImportError> {
    /// The files of one name.
    #[derive(Default)]
    struct Files {
        up: Option<(String, String)>,
        down: Option<(String, String)>,
        simple: Option<(String, String)>,
        no_transaction: bool,
    }
    let mut by_name: std::collections::BTreeMap<(i64, String), Files> = Default::default();
    for name in entries {
        let Some(stem) = name.strip_suffix(".sql") else {
            skipped.push((
                name.clone(),
                format!("not a {tool} migration file (they end in `.sql`)"),
            ));
            continue;
        };
        let (stem, direction) = if let Some(s) = stem.strip_suffix(".up") {
            (s, "up")
        } else if let Some(s) = stem.strip_suffix(".down") {
            (s, "down")
        } else if tool == Tool::Sqlx {
            (stem, "simple")
        } else if stem.ends_with("_up") || stem.ends_with("_down") {
            return Err(convert(
                name,
                1,
                "the name ends in `_up.sql` or `_down.sql`: golang-migrate's files end in `.up.sql` or `.down.sql`; rename it",
            ));
        } else {
            return Err(convert(
                name,
                1,
                "golang-migrate files end in .up.sql or .down.sql",
            ));
        };
        if !stem.contains('_') && stem.bytes().all(|b| b.is_ascii_digit()) {
            return Err(convert(
                name,
                1,
                format!(
                    "the name has a version but no title: {tool} names its files `<VERSION>_<title>{}`; rename it (e.g. `{stem}_initial{}`)",
                    &name[stem.len()..],
                    &name[stem.len()..]
                ),
            ));
        }
        let (version, rest) = version_prefix(name, stem)?;
        let mut text = read_text(source, name)?;
        let files = by_name.entry((version, rest.to_string())).or_default();
        if tool == Tool::Sqlx
            && direction != "down"
            && let Some(rest) = take_first_line(&text, "-- no-transaction")
        {
            text = rest;
            files.no_transaction = true;
        }
        let slot = match direction {
            "up" => &mut files.up,
            "down" => &mut files.down,
            _ => &mut files.simple,
        };
        *slot = Some((name.clone(), text));
    }
    let mut out = Vec::new();
    for ((version, rest), files) in by_name {
        let up = match (files.up, files.simple) {
            (Some(up), None) | (None, Some(up)) => up,
            (Some(up), Some(simple)) => {
                return Err(convert(
                    &simple.0,
                    1,
                    format!(
                        "both {} and {} hold the UP of one migration",
                        up.0, simple.0
                    ),
                ));
            }
            (None, None) => {
                let file = files.down.map(|d| d.0).unwrap_or_default();
                return Err(convert(&file, 1, "a .down.sql file without its .up.sql"));
            }
        };
        let source_name = match &files.down {
            Some((down, _)) => format!("{} + {down}", up.0),
            None => up.0.clone(),
        };
        out.push(Imported {
            version,
            name: snake(&rest),
            source: source_name,
            description: Some(rest.replace('_', " ")),
            up: up.1,
            down: files.down.map(|d| d.1),
            no_transaction: files.no_transaction,
            repeatable: false,
            notes: Vec::new(),
        });
    }
    Ok(out)
}

/// refinery: `V<N>__<name>.sql` and `U<N>__<name>.sql`, UP only.
fn refinery(
    source: &Path,
    entries: &[String],
    skipped: &mut Skipped,
) -> Result<Vec<Imported>, ImportError> {
    let mut out = Vec::new();
    for name in entries {
        if name.ends_with(".rs") {
            return Err(convert(
                name,
                1,
                "a Rust migration: its SQL is built by code, so it cannot be imported; write it as SQL",
            ));
        }
        let Some(stem) = name.strip_suffix(".sql") else {
            skipped.push((
                name.clone(),
                "not a refinery migration file (they end in `.sql`)".into(),
            ));
            continue;
        };
        let parsed = stem
            .strip_prefix('V')
            .or_else(|| stem.strip_prefix('U'))
            .and_then(|s| s.split_once("__"));
        let Some((digits, rest)) = parsed else {
            return Err(convert(
                name,
                1,
                "refinery files are named V<N>__<name>.sql",
            ));
        };
        let version = digits
            .parse::<i64>()
            .map_err(|_| convert(name, 1, format!("the version {digits} is not an integer")))?;
        out.push(Imported {
            version,
            name: snake(rest),
            source: name.clone(),
            description: Some(rest.replace('_', " ")),
            up: read_text(source, name)?,
            down: None,
            no_transaction: false,
            repeatable: false,
            notes: Vec::new(),
        });
    }
    Ok(out)
}

/// A Flyway version (`1`, `20240101120000`) as ours: an integer. A dotted
/// one (`1.1`, `1_1`) has no integer that keeps its order among all the
/// others, so it is refused (renumber, then import).
pub fn flyway_version(file: &str, text: &str) -> Result<i64, ImportError> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<i64>().map_err(|_| {
            convert(
                file,
                1,
                format!("the version {text} does not fit in a BIGINT"),
            )
        });
    }
    Err(convert(
        file,
        1,
        format!(
            "the Flyway version `{text}` is not an integer: sqlstrata versions are whole numbers, so a dotted version (`1.1`, `1_1`) has no place that keeps its order; renumber the files (and the history's `version` column, for adopt) first"
        ),
    ))
}

/// Flyway: `V<N>__<desc>.sql` (versioned), `U<N>__<desc>.sql` (its undo:
/// our DOWN), `R__<desc>.sql` (repeatable); a `<file>.conf` beside one
/// with `executeInTransaction=false` runs it outside a transaction.
fn flyway(
    source: &Path,
    entries: &[String],
    skipped: &mut Skipped,
) -> Result<Vec<Imported>, ImportError> {
    let mut undo: std::collections::BTreeMap<i64, String> = Default::default();
    let mut out = Vec::new();
    let outside = |name: &str| -> Result<bool, ImportError> {
        let conf = format!("{name}.conf");
        if !entries.contains(&conf) {
            return Ok(false);
        }
        let text = read_text(source, &conf)?;
        Ok(text.lines().any(|l| {
            let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
            l.eq_ignore_ascii_case("executeInTransaction=false")
        }))
    };
    for name in entries {
        if name.ends_with(".sql.conf") && entries.contains(&name[..name.len() - 5].to_string()) {
            continue;
        }
        if name.ends_with(".java") || name.ends_with(".class") || name.ends_with(".kt") {
            return Err(convert(
                name,
                1,
                "a Java migration: its SQL is built by code, so it cannot be imported; write it as SQL",
            ));
        }
        let Some(stem) = name.strip_suffix(".sql") else {
            skipped.push((
                name.clone(),
                "not a Flyway SQL migration (they end in `.sql`)".into(),
            ));
            continue;
        };
        if let Some(desc) = stem.strip_prefix("R__") {
            out.push(Imported {
                version: 0,
                name: snake(desc),
                source: name.clone(),
                description: Some(desc.replace('_', " ")),
                up: read_text(source, name)?,
                down: None,
                no_transaction: outside(name)?,
                repeatable: true,
                notes: Vec::new(),
            });
            continue;
        }
        let kind = stem.chars().next();
        let Some((version, desc)) = stem.get(1..).and_then(|s| s.split_once("__")) else {
            return Err(convert(
                name,
                1,
                "Flyway files are named V<version>__<description>.sql, U<version>__<description>.sql or R__<description>.sql",
            ));
        };
        let version = flyway_version(name, version)?;
        match kind {
            Some('V') => out.push(Imported {
                version,
                name: snake(desc),
                source: name.clone(),
                description: Some(desc.replace('_', " ")),
                up: read_text(source, name)?,
                down: None,
                no_transaction: outside(name)?,
                repeatable: false,
                notes: Vec::new(),
            }),
            Some('U') => {
                undo.insert(version, name.clone());
            }
            _ => {
                return Err(convert(
                    name,
                    1,
                    "Flyway files are named V<version>__<description>.sql, U<version>__<description>.sql or R__<description>.sql",
                ));
            }
        }
    }
    for m in out.iter_mut().filter(|m| !m.repeatable) {
        if let Some(file) = undo.remove(&m.version) {
            m.down = Some(read_text(source, &file)?);
            m.source = format!("{} + {file}", m.source);
        }
    }
    if let Some((version, file)) = undo.into_iter().next() {
        return Err(convert(
            &file,
            1,
            format!("an undo migration without its versioned one (no V{version}__*.sql)"),
        ));
    }
    Ok(out)
}

/// diesel: a folder per migration, `<YYYY-MM-DD-HHMMSS>_<name>` (or 14
/// digits), holding `up.sql`, `down.sql` and maybe `metadata.toml`.
fn diesel(
    source: &Path,
    entries: &[String],
    skipped: &mut Skipped,
) -> Result<Vec<Imported>, ImportError> {
    let mut out = Vec::new();
    for name in entries {
        let dir = source.join(name);
        if !dir.is_dir() {
            skipped.push((
                name.clone(),
                "not a diesel migration (each is a folder)".into(),
            ));
            continue;
        }
        let digits: String = name
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-')
            .filter(char::is_ascii_digit)
            .collect();
        let rest = name
            .trim_start_matches(|c: char| c.is_ascii_digit() || c == '-')
            .trim_start_matches('_');
        if digits.is_empty() {
            return Err(convert(name, 1, "diesel folders start with a timestamp"));
        }
        let version = digits.parse::<i64>().map_err(|_| {
            convert(
                name,
                1,
                format!("the version {digits} does not fit in a BIGINT"),
            )
        })?;
        let up = read_text(&dir, "up.sql")
            .map_err(|_| convert(&format!("{name}/up.sql"), 1, "missing"))?;
        let down = dir
            .join("down.sql")
            .is_file()
            .then(|| read_text(&dir, "down.sql"))
            .transpose()?;
        let mut no_transaction = false;
        if dir.join("metadata.toml").is_file() {
            let text = read_text(&dir, "metadata.toml")?;
            let meta: toml::Table = text.parse().map_err(|e: toml::de::Error| {
                convert(&format!("{name}/metadata.toml"), 1, e.message().to_string())
            })?;
            no_transaction = meta
                .get("run_in_transaction")
                .and_then(toml::Value::as_bool)
                == Some(false);
        }
        out.push(Imported {
            version,
            name: snake(rest),
            source: format!("{name}/"),
            description: Some(rest.replace('_', " ")),
            up,
            down,
            no_transaction,
            repeatable: false,
            notes: Vec::new(),
        });
    }
    Ok(out)
}

/// One file per migration, both directions inside: goose, dbmate and the
/// SQL-file runners.
fn single(
    source: &Path,
    entries: &[String],
    parse: fn(&str, &str, &mut Imported) -> Result<(), ImportError>,
    skipped: &mut Skipped,
) -> Result<Vec<Imported>, ImportError> {
    let mut out = Vec::new();
    for name in entries {
        if name.ends_with(".go") {
            return Err(convert(
                name,
                1,
                "a Go migration: its SQL is built by code, so it cannot be imported; write it as SQL",
            ));
        }
        let Some(stem) = name.strip_suffix(".sql") else {
            skipped.push((
                name.clone(),
                "not a migration file (they end in `.sql`)".into(),
            ));
            continue;
        };
        let (version, rest) = version_prefix(name, stem)?;
        let text = read_text(source, name)?;
        let mut m = Imported {
            version,
            name: snake(rest),
            source: name.clone(),
            description: None,
            up: String::new(),
            down: None,
            no_transaction: false,
            repeatable: false,
            notes: Vec::new(),
        };
        parse(name, &text, &mut m)?;
        out.push(m);
    }
    Ok(out)
}

/// goose: `-- +goose Up`, `-- +goose Down`, `StatementBegin`/`End` (our
/// splitter needs no help), `-- +goose NO TRANSACTION`.
fn goose(file: &str, text: &str, m: &mut Imported) -> Result<(), ImportError> {
    let (mut up, mut down) = (String::new(), None::<String>);
    let mut section = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(annotation) = t.strip_prefix("-- +goose ") {
            let a = annotation.trim().to_ascii_lowercase();
            match a.as_str() {
                "up" => section = Some(true),
                "down" => {
                    section = Some(false);
                    down.get_or_insert_with(String::new);
                }
                "statementbegin" | "statementend" => {}
                "no transaction" => m.no_transaction = true,
                other if other.starts_with("envsub") => {
                    return Err(convert(
                        file,
                        i + 1,
                        "`-- +goose ENVSUB` substitutes environment variables when goose runs; sqlstrata runs the file as written: replace the ${...} references with their values",
                    ));
                }
                _ => {
                    return Err(convert(
                        file,
                        i + 1,
                        format!("unknown goose annotation `{t}`"),
                    ));
                }
            }
            continue;
        }
        match section {
            Some(true) => push_line(&mut up, line),
            Some(false) => push_line(down.get_or_insert_with(String::new), line),
            None if t.is_empty() || t.starts_with("--") => {}
            None => {
                return Err(convert(file, i + 1, "SQL before `-- +goose Up`"));
            }
        }
    }
    if section.is_none() {
        return Err(convert(file, 1, "no `-- +goose Up` annotation"));
    }
    m.up = up;
    m.down = down;
    Ok(())
}

/// dbmate: `-- migrate:up [transaction:false]`, `-- migrate:down`.
fn dbmate(file: &str, text: &str, m: &mut Imported) -> Result<(), ImportError> {
    let (mut up, mut down) = (String::new(), None::<String>);
    let mut section = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("-- migrate:") {
            let mut words = rest.split_whitespace();
            match words.next() {
                Some("up") => section = Some(true),
                Some("down") => {
                    section = Some(false);
                    down.get_or_insert_with(String::new);
                }
                _ => return Err(convert(file, i + 1, format!("unknown dbmate marker `{t}`"))),
            }
            for option in words {
                match option {
                    "transaction:false" => m.no_transaction = true,
                    "transaction:true" => {}
                    other => {
                        return Err(convert(
                            file,
                            i + 1,
                            format!("unknown dbmate option `{other}`"),
                        ));
                    }
                }
            }
            continue;
        }
        match section {
            Some(true) => push_line(&mut up, line),
            Some(false) => push_line(down.get_or_insert_with(String::new), line),
            None if t.is_empty() || t.starts_with("--") => {}
            None => return Err(convert(file, i + 1, "SQL before `-- migrate:up`")),
        }
    }
    if section.is_none() {
        return Err(convert(file, 1, "no `-- migrate:up` marker"));
    }
    m.up = up;
    m.down = down;
    Ok(())
}

/// The hand-written SQL-file runners: `-- UP` / `-- DOWN` or `-- UP
/// MIGRATION` / `-- DOWN MIGRATION` markers (no markers: all UP, no DOWN),
/// `-- Migration:` / `-- Description:` / `-- Created:` headers, and the
/// statements that recorded the migration in the runner's own table.
fn seed_sql(file: &str, text: &str, m: &mut Imported) -> Result<(), ImportError> {
    let (mut up, mut down) = (String::new(), None::<String>);
    let mut section: Option<bool> = None;
    let has_markers = text.lines().any(|l| is_marker(l.trim()).is_some());
    for line in text.lines() {
        let t = line.trim();
        if let Some(is_up) = is_marker(t) {
            section = Some(is_up);
            if !is_up {
                down.get_or_insert_with(String::new);
            }
            continue;
        }
        if section.is_none() {
            if let Some(d) = header(t, "Description:") {
                m.description = Some(d.to_string());
                continue;
            }
            if header(t, "Migration:").is_some() || header(t, "Created:").is_some() {
                continue;
            }
        }
        match section {
            Some(false) => push_line(down.get_or_insert_with(String::new), line),
            Some(true) => push_line(&mut up, line),
            None if has_markers => {}
            None => push_line(&mut up, line),
        }
    }
    let (kept, removed) = remove_statements(&up, |_, _, s| records_itself(s));
    for (line, statement) in removed {
        m.notes.push(format!(
            "left out the statement at line {line} of the UP: it wrote the old runner's tracking table, which sqlstrata does itself ({})",
            first_line(&statement)
        ));
    }
    m.up = kept;
    m.down = down;
    if let Some(d) = &m.description
        && d.is_empty()
    {
        m.description = None;
    }
    let _ = file;
    Ok(())
}

fn is_marker(t: &str) -> Option<bool> {
    let rest = t.strip_prefix("--")?.trim().to_ascii_uppercase();
    match rest.as_str() {
        "UP" | "UP MIGRATION" => Some(true),
        "DOWN" | "DOWN MIGRATION" => Some(false),
        _ => None,
    }
}

fn header<'a>(t: &'a str, key: &str) -> Option<&'a str> {
    t.strip_prefix("--")?
        .trim_start()
        .strip_prefix(key)
        .map(str::trim)
}

/// A statement that records the migration in a runner's own table
/// (seed `001`'s files end with one).
fn records_itself(statement: &str) -> bool {
    let words: Vec<String> = statement
        .split_whitespace()
        .take(3)
        .map(|w| w.to_ascii_lowercase())
        .collect();
    words.len() == 3
        && words[0] == "insert"
        && words[1] == "into"
        && matches!(
            words[2].trim_start_matches("public.").split('(').next(),
            Some("schema_migrations" | "_migrations" | "migrations")
        )
}

/// seed `004`: `NNN_name.ts` with `export const up = \`...\`` and `down`.
fn ts(
    source: &Path,
    entries: &[String],
    skipped: &mut Skipped,
) -> Result<Vec<Imported>, ImportError> {
    let mut out = Vec::new();
    for name in entries {
        let Some(stem) = name.strip_suffix(".ts") else {
            skipped.push((
                name.clone(),
                "not a migration file (they end in `.ts`)".into(),
            ));
            continue;
        };
        let (version, rest) = version_prefix(name, stem)?;
        let text = read_text(source, name)?;
        let up = template(name, &text, "up")?
            .map(|t| dedent(&t))
            .ok_or_else(|| convert(name, 1, "no `export const up = `...``"))?;
        let down = template(name, &text, "down")?.map(|t| dedent(&t));
        out.push(Imported {
            version,
            name: snake(rest),
            source: name.clone(),
            description: None,
            up,
            down,
            no_transaction: false,
            repeatable: false,
            notes: Vec::new(),
        });
    }
    Ok(out)
}

/// The text of `export const <name> = \`...\`;`, unescaped. A `${...}`
/// inside is code that runs when the migration does: an error.
fn template(file: &str, text: &str, name: &str) -> Result<Option<String>, ImportError> {
    let needle = format!("export const {name}");
    let Some(at) = text.find(&needle) else {
        return Ok(None);
    };
    let after = &text[at + needle.len()..];
    let Some(eq) = after.find('=') else {
        return Ok(None);
    };
    let value = after[eq + 1..].trim_start();
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let start = text.len() - value.len();
    let Some(body) = value.strip_prefix('`') else {
        return Err(convert(
            file,
            line_of(start),
            format!("`{name}` is not a template literal (`...`): only literal SQL can be imported"),
        ));
    };
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '`' => return Ok(Some(out)),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, e)) => out.push(e),
                None => break,
            },
            '$' if body[i + 1..].starts_with('{') => {
                return Err(convert(
                    file,
                    line_of(start + 1 + i),
                    format!(
                        "`{name}` interpolates `${{...}}`: a value computed when the migration runs cannot be converted to SQL; replace it with the literal value"
                    ),
                ));
            }
            c => out.push(c),
        }
    }
    Err(convert(
        file,
        line_of(start),
        format!("`{name}`: the template literal is not closed"),
    ))
}

/// A template literal's lines without their common indentation, and
/// without blank lines around them.
fn dedent(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let body: Vec<&str> = lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                ""
            } else {
                &l[indent.min(l.len())..]
            }
        })
        .collect();
    let start = body
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(body.len());
    let end = body
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(start, |e| e + 1);
    let mut out = body[start..end].join("\n");
    out.push('\n');
    out
}

fn push_line(buf: &mut String, line: &str) {
    buf.push_str(line);
    buf.push('\n');
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    if line.len() > 60 {
        format!("{}...", &line[..line.floor_char_boundary(60)])
    } else {
        line.to_string()
    }
}

/// `sql` without the statements `drop` picks (given each one's index, the
/// count and its text); returns what was removed
/// with its line. Left whole when it cannot be split (an unclosed quote:
/// the check will name it).
fn remove_statements(
    sql: &str,
    drop: impl Fn(usize, usize, &str) -> bool,
) -> (String, Vec<(usize, String)>) {
    let Ok(tokens) = tokenize(sql) else {
        return (sql.to_string(), Vec::new());
    };
    let statements = statements(sql, &tokens);
    let mut kept = String::new();
    let mut removed = Vec::new();
    let mut at = 0;
    let count = statements.len();
    for (i, st) in statements.iter().enumerate() {
        if drop(i, count, st.text) {
            kept.push_str(&sql[at..st.offset]);
            // Where it was, for whoever reviews the file.
            kept.push_str(&format!(
                "-- (sqlstrata import left out: {})",
                first_line(st.text)
            ));
            // The statement and its `;`.
            let mut end = st.offset + st.text.len();
            let rest = &sql[end..];
            let trimmed = rest.trim_start_matches([' ', '\t']);
            if trimmed.starts_with(';') {
                end += rest.len() - trimmed.len() + 1;
            }
            removed.push((st.line, st.text.to_string()));
            at = end;
        }
    }
    kept.push_str(&sql[at..]);
    (kept, removed)
}

/// How a section controls its transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    /// Not at all.
    None,
    /// One `BEGIN` ... `COMMIT` around everything (the advice of many
    /// hand-written runners).
    Wrapper,
    /// `BEGIN` ... `COMMIT` blocks, several or with statements outside.
    Blocks(usize),
}

fn control(sql: &str) -> Control {
    use sqlstrata_core::StatementKind;
    let Ok(tokens) = tokenize(sql) else {
        return Control::None;
    };
    let kinds: Vec<StatementKind> = statements(sql, &tokens)
        .iter()
        .map(|s| sqlstrata_core::migration::statement_kind(s.text))
        .collect();
    let blocks = kinds
        .iter()
        .filter(|k| **k == StatementKind::BlockBegin)
        .count();
    let ends = kinds
        .iter()
        .filter(|k| **k == StatementKind::BlockEnd)
        .count();
    match (blocks, ends) {
        (0, 0) => Control::None,
        (1, 1)
            if kinds.first() == Some(&StatementKind::BlockBegin)
                && kinds.last() == Some(&StatementKind::BlockEnd) =>
        {
            Control::Wrapper
        }
        (n, _) => Control::Blocks(n.max(1)),
    }
}

/// What each migration meant for its transactions, kept:
///
/// - one that the tool ran outside a transaction (its own flag, or
///   golang-migrate, which sends a file as it is) and that holds a statement
///   PostgreSQL refuses in a transaction block becomes `no-transaction`;
/// - one with explicit `BEGIN` ... `COMMIT` blocks (several, or with
///   statements outside them) becomes `no-transaction`, where balanced
///   blocks are allowed and each stays atomic;
/// - otherwise it runs in sqlstrata's transaction, and a wrapper around a
///   whole section is taken off (a `COMMIT` inside would end sqlstrata's).
fn transaction_mode(m: &mut Imported, tool: Tool) {
    use sqlstrata_core::StatementKind;
    let up = control(&m.up);
    let down = m.down.as_deref().map_or(Control::None, control);
    let blocks = |c: Control| match c {
        Control::None => 0,
        Control::Wrapper => 1,
        Control::Blocks(n) => n,
    };
    let n = blocks(up) + blocks(down);
    if m.no_transaction {
        if n > 0 {
            m.notes.push(format!(
                "its {n} `BEGIN` ... `COMMIT` block(s) are kept, each atomic, in a `no-transaction` migration, as {tool} ran them"
            ));
        }
        return;
    }
    if matches!(up, Control::Blocks(_)) || matches!(down, Control::Blocks(_)) {
        m.no_transaction = true;
        m.notes.push(format!(
            "marked `-- sqlstrata: no-transaction`: it holds {n} `BEGIN` ... `COMMIT` block(s), each kept atomic, and its other statements commit one by one"
        ));
        return;
    }
    let refuses = |sql: &str| {
        tokenize(sql).is_ok_and(|tokens| {
            statements(sql, &tokens).iter().any(|s| {
                let kind: StatementKind = sqlstrata_core::migration::statement_kind(s.text);
                kind.refuses_transaction()
            })
        })
    };
    if matches!(tool, Tool::GolangMigrate | Tool::Flyway)
        && (refuses(&m.up) || m.down.as_deref().is_some_and(refuses))
    {
        m.no_transaction = true;
        m.notes.push(format!(
            "marked `-- sqlstrata: no-transaction`: {tool} ran it without a transaction, and it holds a statement PostgreSQL refuses inside one (such as `CREATE INDEX CONCURRENTLY`)"
        ));
        return;
    }
    let unwrap = |sql: &mut String, section: &str, notes: &mut Vec<String>| {
        let (kept, removed) = remove_statements(sql, |i, n, _| i == 0 || i + 1 == n);
        for (line, statement) in removed {
            notes.push(format!(
                "left out `{}` at line {line} of the {section}: sqlstrata runs the migration in a transaction itself",
                statement.trim()
            ));
        }
        *sql = kept;
    };
    if up == Control::Wrapper {
        unwrap(&mut m.up, "UP", &mut m.notes);
    }
    if down == Control::Wrapper
        && let Some(d) = &mut m.down
    {
        unwrap(d, "DOWN", &mut m.notes);
    }
}
