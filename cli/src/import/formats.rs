//! Each tool's file format, read into [`Imported`] migrations.

use std::fs;
use std::path::Path;

use sqlstrata_core::lex::tokenize;
use sqlstrata_core::split::statements;

use super::{ImportError, Imported, Tool, snake};

/// Reads the migrations of `tool` in `source`.
pub fn read(tool: Tool, source: &Path) -> Result<Vec<Imported>, ImportError> {
    let entries = list(source)?;
    let mut out = match tool {
        Tool::Sqlx => pairs(source, &entries, Tool::Sqlx)?,
        Tool::GolangMigrate => pairs(source, &entries, Tool::GolangMigrate)?,
        Tool::Refinery => refinery(source, &entries)?,
        Tool::Diesel => diesel(source, &entries)?,
        Tool::Goose => single(source, &entries, goose)?,
        Tool::Dbmate => single(source, &entries, dbmate)?,
        Tool::Sql => single(source, &entries, seed_sql)?,
        Tool::Ts => ts(source, &entries)?,
    };
    for m in &mut out {
        unwrap_transaction(m);
    }
    Ok(out)
}

/// The entries of `source`, sorted by name.
fn list(source: &Path) -> Result<Vec<String>, ImportError> {
    let read_error = |e: std::io::Error| ImportError::Read {
        path: source.display().to_string(),
        reason: e.to_string(),
    };
    let mut names: Vec<String> = fs::read_dir(source)
        .map_err(read_error)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    Ok(names)
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
/// golang-migrate (`<V>_<title>.up.sql` + `.down.sql`).
fn pairs(source: &Path, entries: &[String], tool: Tool) -> Result<Vec<Imported>, ImportError> {
    let mut out: Vec<Imported> = Vec::new();
    for name in entries {
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let (stem, direction) = if let Some(s) = stem.strip_suffix(".up") {
            (s, "up")
        } else if let Some(s) = stem.strip_suffix(".down") {
            (s, "down")
        } else if tool == Tool::Sqlx {
            (stem, "simple")
        } else {
            return Err(convert(
                name,
                1,
                "golang-migrate files end in .up.sql or .down.sql",
            ));
        };
        let (version, rest) = version_prefix(name, stem)?;
        let mut text = read_text(source, name)?;
        let mut no_transaction = false;
        if tool == Tool::Sqlx
            && let Some(rest) = take_first_line(&text, "-- no-transaction")
        {
            text = rest;
            no_transaction = true;
        }
        let entry = match out.iter_mut().find(|m| m.version == version) {
            Some(m) => m,
            None => {
                out.push(Imported {
                    version,
                    name: snake(rest),
                    source: name.clone(),
                    description: Some(rest.replace('_', " ")),
                    up: String::new(),
                    down: None,
                    no_transaction: false,
                    notes: Vec::new(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        match direction {
            "down" => {
                entry.down = Some(text);
                entry.source = format!("{} + {name}", entry.source);
            }
            _ => {
                entry.up = text;
                entry.no_transaction = no_transaction;
                if direction == "up" && !entry.source.ends_with(".up.sql") {
                    entry.source = format!("{name} + {}", entry.source);
                }
            }
        }
    }
    for m in &out {
        if m.up.trim().is_empty() && !m.source.contains(".up.sql") && m.down.is_some() {
            return Err(convert(
                &m.source,
                1,
                "a .down.sql file without its .up.sql",
            ));
        }
    }
    Ok(out)
}

/// refinery: `V<N>__<name>.sql` and `U<N>__<name>.sql`, UP only.
fn refinery(source: &Path, entries: &[String]) -> Result<Vec<Imported>, ImportError> {
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
            notes: Vec::new(),
        });
    }
    Ok(out)
}

/// diesel: a folder per migration, `<YYYY-MM-DD-HHMMSS>_<name>` (or 14
/// digits), holding `up.sql`, `down.sql` and maybe `metadata.toml`.
fn diesel(source: &Path, entries: &[String]) -> Result<Vec<Imported>, ImportError> {
    let mut out = Vec::new();
    for name in entries {
        let dir = source.join(name);
        if !dir.is_dir() {
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
fn ts(source: &Path, entries: &[String]) -> Result<Vec<Imported>, ImportError> {
    let mut out = Vec::new();
    for name in entries {
        let Some(stem) = name.strip_suffix(".ts") else {
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

/// A migration wrapped in its own `BEGIN` ... `COMMIT` (seed `004`'s
/// advice): sqlstrata runs it in a transaction already, and a `COMMIT`
/// inside would end sqlstrata's; the wrapper (the first and the last
/// statement) is taken off, with a note.
fn unwrap_transaction(m: &mut Imported) {
    let fix = |sql: &mut String, section: &str, notes: &mut Vec<String>| {
        let words = |s: &str| s.trim().trim_end_matches(';').trim().to_ascii_uppercase();
        let opens = |s: &str| {
            matches!(
                words(s).as_str(),
                "BEGIN" | "BEGIN TRANSACTION" | "BEGIN WORK" | "START TRANSACTION"
            )
        };
        let closes = |s: &str| {
            matches!(
                words(s).as_str(),
                "COMMIT" | "COMMIT TRANSACTION" | "COMMIT WORK" | "END" | "END TRANSACTION"
            )
        };
        let Ok(tokens) = tokenize(sql) else {
            return;
        };
        let list = statements(sql, &tokens);
        let wrapped =
            list.len() >= 2 && opens(list[0].text) && list.last().is_some_and(|st| closes(st.text));
        if !wrapped {
            return;
        }
        let (kept, removed) = remove_statements(sql, |i, n, _| i == 0 || i + 1 == n);
        for (line, statement) in removed {
            notes.push(format!(
                "left out `{}` at line {line} of the {section}: sqlstrata runs the migration in a transaction itself",
                statement.trim()
            ));
        }
        *sql = kept;
    };
    fix(&mut m.up, "UP", &mut m.notes);
    if let Some(down) = &mut m.down {
        fix(down, "DOWN", &mut m.notes);
    }
}
