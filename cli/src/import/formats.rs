//! Each tool's file format, read into [`Imported`] migrations, with every
//! problem of the folder found in one pass.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use sqlstrata_core::lex::tokenize;
use sqlstrata_core::split::statements;

use super::{ImportError, Imported, Order, SourceVersion, Tool, snake};

/// Source entries not imported, each with why.
pub type Skipped = Vec<(String, String)>;

/// What a source folder holds: its migrations, every entry that is not
/// one, with why, and every problem that keeps it from being imported.
pub struct Source {
    /// The migrations, in the order the folder lists them.
    pub migrations: Vec<Imported>,
    /// Each entry not imported, and the reason.
    pub skipped: Skipped,
    /// Each file that cannot be converted, with why and the fix.
    pub problems: Vec<ImportError>,
}

/// Reads the migrations of `tool` in `source`: every file is read, and
/// every problem kept, so that one run names them all.
pub fn read(tool: Tool, source: &Path) -> Result<Source, ImportError> {
    let (entries, skipped) = list(source)?;
    let mut folder = Folder {
        source,
        entries: &entries,
        skipped,
        problems: Vec::new(),
    };
    let mut out = match tool {
        Tool::Sqlx => pairs(&mut folder, Tool::Sqlx),
        Tool::GolangMigrate => pairs(&mut folder, Tool::GolangMigrate),
        Tool::Refinery => refinery(&mut folder),
        Tool::Diesel => diesel(&mut folder),
        Tool::Goose => single(&mut folder, Tool::Goose, goose),
        Tool::Dbmate => single(&mut folder, Tool::Dbmate, dbmate),
        Tool::Sql => single(&mut folder, Tool::Sql, seed_sql),
        Tool::Ts => ts(&mut folder),
        Tool::Flyway => flyway(&mut folder),
    };
    for m in &mut out {
        transaction_mode(m, tool);
    }
    let Folder {
        mut skipped,
        problems,
        ..
    } = folder;
    skipped.sort();
    Ok(Source {
        migrations: out,
        skipped,
        problems,
    })
}

/// The folder being read: its entries, and what was found on the way.
struct Folder<'a> {
    source: &'a Path,
    entries: &'a [String],
    skipped: Skipped,
    problems: Vec<ImportError>,
}

impl Folder<'_> {
    fn skip(&mut self, name: &str, why: impl Into<String>) {
        self.skipped.push((name.to_string(), why.into()));
    }

    /// The value of `result`, or `None` with its problem kept.
    fn keep<T>(&mut self, result: Result<T, ImportError>) -> Option<T> {
        result.map_err(|e| self.problems.push(e)).ok()
    }

    fn text(&mut self, name: &str) -> Option<String> {
        let text = read_text(self.source, name);
        self.keep(text)
    }
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

/// A run of digits as a number (any width a version has in practice: up
/// to 38 digits).
fn number(file: &str, digits: &str) -> Result<u128, ImportError> {
    digits.parse::<u128>().map_err(|_| {
        convert(
            file,
            1,
            format!("the version {digits} is not a number of at most 38 digits; renumber the file"),
        )
    })
}

/// A version its tool reads as one number (`digits`), ordered by `order`.
fn numbered(
    file: &str,
    digits: &str,
    order: impl FnOnce(u128) -> Order,
) -> Result<SourceVersion, ImportError> {
    let n = number(file, digits)?;
    Ok(SourceVersion {
        text: digits.to_string(),
        parts: if n == 0 { Vec::new() } else { vec![n] },
        order: order(n),
    })
}

/// `<digits>_<rest>`: the digits and the rest.
fn version_prefix<'a>(file: &str, stem: &'a str) -> Result<(&'a str, &'a str), ImportError> {
    stem.split_once('_')
        .filter(|(d, _)| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            convert(
                file,
                1,
                "the name does not start with a version and `_`: rename it `<VERSION>_<name>` (for example `001_` in front), or move it out of the folder",
            )
        })
}

/// dbmate's version: the digits a file name starts with (its pattern is
/// `^(\d+).*\.sql$`), and the rest, separators left off.
fn dbmate_prefix<'a>(file: &str, stem: &'a str) -> Result<(&'a str, &'a str), ImportError> {
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(convert(
            file,
            1,
            "dbmate reads only files whose name starts with a version (`<VERSION>_<name>.sql`) and would skip it; rename it, or move it out of the folder",
        ));
    }
    Ok((
        &stem[..digits],
        stem[digits..].trim_start_matches(['_', '-', '.']),
    ))
}

/// The first line, when it is exactly `marker` (sqlx's `-- no-transaction`),
/// taken off.
fn take_first_line(sql: &str, marker: &str) -> Option<String> {
    let (first, rest) = sql.split_once('\n').unwrap_or((sql, ""));
    (first.trim().eq_ignore_ascii_case(marker)).then(|| rest.to_string())
}

/// One file of a sqlx or golang-migrate folder.
struct PairFile {
    name: String,
    digits: String,
    rest: String,
    text: String,
    no_transaction: bool,
}

/// sqlx (`<V>_<desc>.sql`, `<V>_<desc>.up.sql` + `.down.sql`) and
/// golang-migrate (`<V>_<title>.up.sql` + `.down.sql`): both key a file by
/// its version alone, so the UP and DOWN of one version are one migration
/// whatever their titles (`30_add_x.up.sql` with `30_drop_x.down.sql`). A
/// version with only a DOWN is a migration whose UP runs nothing (what
/// golang-migrate does with it). Two UPs (or two DOWNs) of one version are
/// two migrations, which the plan refuses as a clash.
fn pairs(folder: &mut Folder<'_>, tool: Tool) -> Vec<Imported> {
    /// The files of one version.
    #[derive(Default)]
    struct Files {
        ups: Vec<PairFile>,
        downs: Vec<PairFile>,
    }
    let mut by_version: BTreeMap<u128, Files> = Default::default();
    for name in folder.entries {
        let Some(stem) = name.strip_suffix(".sql") else {
            folder.skip(
                name,
                format!("not a {tool} migration file (they end in `.sql`)"),
            );
            continue;
        };
        let (stem, up) = if let Some(s) = stem.strip_suffix(".up") {
            (s, true)
        } else if let Some(s) = stem.strip_suffix(".down") {
            (s, false)
        } else if tool == Tool::Sqlx {
            (stem, true)
        } else if let Some(base) = stem
            .strip_suffix("_up")
            .map(|b| (b, "up"))
            .or_else(|| stem.strip_suffix("_down").map(|b| (b, "down")))
        {
            let (base, direction) = base;
            let renamed = if version_prefix(name, base).is_ok() {
                format!("{base}.{direction}.sql")
            } else {
                format!("<VERSION>_{base}.{direction}.sql")
            };
            folder.problems.push(convert(
                name,
                1,
                format!(
                    "the name ends in `_{direction}.sql`: golang-migrate reads only `.up.sql` and `.down.sql` files and would skip it; rename it `{renamed}`"
                ),
            ));
            continue;
        } else {
            folder.problems.push(convert(
                name,
                1,
                format!(
                    "golang-migrate reads only `<VERSION>_<title>.up.sql` and `.down.sql` files and would skip it; rename it `{stem}.up.sql` (or move it out of the folder)"
                ),
            ));
            continue;
        };
        if !stem.contains('_') && !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()) {
            let suffix = &name[stem.len()..];
            folder.problems.push(convert(
                name,
                1,
                format!(
                    "the name has a version but no title: {tool} names its files `<VERSION>_<title>{suffix}`; rename it (e.g. `{stem}_initial{suffix}`)"
                ),
            ));
            continue;
        }
        let Some((digits, rest)) = folder.keep(version_prefix(name, stem)) else {
            continue;
        };
        let Some(n) = folder.keep(number(name, digits)) else {
            continue;
        };
        let Some(mut text) = folder.text(name) else {
            continue;
        };
        let mut no_transaction = false;
        if tool == Tool::Sqlx
            && up
            && let Some(rest) = take_first_line(&text, "-- no-transaction")
        {
            text = rest;
            no_transaction = true;
        }
        let file = PairFile {
            name: name.clone(),
            digits: digits.to_string(),
            rest: rest.to_string(),
            text,
            no_transaction,
        };
        let files = by_version.entry(n).or_default();
        if up {
            files.ups.push(file);
        } else {
            files.downs.push(file);
        }
    }
    let mut out = Vec::new();
    for (n, Files { ups, mut downs }) in by_version {
        let version = |f: &PairFile| SourceVersion {
            text: f.digits.clone(),
            parts: if n == 0 { Vec::new() } else { vec![n] },
            order: Order::Number(n),
        };
        let one = ups.len() == 1;
        for up in ups {
            // The DOWN of this version: the only one, or (when several UPs
            // share the version) the one with the same title.
            let down = if one && downs.len() == 1 {
                downs.pop()
            } else {
                downs
                    .iter()
                    .position(|d| d.rest == up.rest)
                    .map(|i| downs.remove(i))
            };
            let mut notes = Vec::new();
            let source = match &down {
                Some(d) if d.rest != up.rest => {
                    notes.push(format!(
                        "{} and {} have different titles; they are the UP and DOWN of version {}, as {tool} pairs them (by version)",
                        up.name, d.name, up.digits
                    ));
                    format!("{} + {}", up.name, d.name)
                }
                Some(d) => format!("{} + {}", up.name, d.name),
                None => up.name.clone(),
            };
            out.push(Imported {
                version: 0,
                source_version: version(&up),
                name: snake(&up.rest),
                source,
                description: Some(up.rest.replace('_', " ")),
                up: up.text,
                down: down.map(|d| d.text),
                no_transaction: up.no_transaction,
                repeatable: false,
                notes,
                ..Imported::default()
            });
        }
        // A version with a DOWN and no UP: an UP that runs nothing.
        for d in downs {
            out.push(Imported {
                version: 0,
                source_version: version(&d),
                name: snake(&d.rest),
                source: d.name.clone(),
                description: Some(d.rest.replace('_', " ")),
                up: format!(
                    "-- {tool} has no .up.sql for version {}: on the way up this migration runs nothing\n",
                    d.digits
                ),
                notes: vec![format!(
                    "version {} has a .down.sql and no .up.sql: imported as a migration whose UP runs nothing (marked so in the file), with that DOWN, as {tool} counts it",
                    d.digits
                )],
                down: Some(d.text),
                ..Imported::default()
            });
        }
    }
    out
}

/// refinery: `V<N>__<name>.sql` and `U<N>__<name>.sql`, UP only, in the
/// numeric order of `N`.
fn refinery(folder: &mut Folder<'_>) -> Vec<Imported> {
    let mut out = Vec::new();
    for name in folder.entries {
        if name.ends_with(".rs") {
            folder.problems.push(convert(
                name,
                1,
                "a Rust migration: its SQL is built by code, so it cannot be imported; write it as SQL (`V<N>__<name>.sql`) and remove the .rs file",
            ));
            continue;
        }
        let Some(stem) = name.strip_suffix(".sql") else {
            folder.skip(name, "not a refinery migration file (they end in `.sql`)");
            continue;
        };
        let parsed = stem
            .strip_prefix('V')
            .or_else(|| stem.strip_prefix('U'))
            .and_then(|s| s.split_once("__"))
            .filter(|(d, _)| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
        let Some((digits, rest)) = parsed else {
            folder.problems.push(convert(
                name,
                1,
                "refinery files are named V<N>__<name>.sql (N a whole number); rename it",
            ));
            continue;
        };
        let Some(version) = folder.keep(numbered(name, digits, Order::Number)) else {
            continue;
        };
        let Some(up) = folder.text(name) else {
            continue;
        };
        out.push(Imported {
            source_version: version,
            name: snake(rest),
            source: name.clone(),
            description: Some(rest.replace('_', " ")),
            up,
            ..Imported::default()
        });
    }
    out
}

/// A Flyway version (`1`, `1.1`, `1_1`, `2_3_1`, `010`) as Flyway reads it:
/// its numeric parts, trailing zero parts left off (Flyway holds `1` and
/// `1.0` for one version). `None` when it is not one.
pub fn flyway_parts(text: &str) -> Option<Vec<u128>> {
    let mut parts = text
        .split(['.', '_'])
        .map(|p| {
            (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<u128>().ok())
                .flatten()
        })
        .collect::<Option<Vec<u128>>>()?;
    while parts.last() == Some(&0) {
        parts.pop();
    }
    Some(parts)
}

/// Flyway: `V<version>__<desc>.sql` (versioned), `U<version>__<desc>.sql`
/// (its undo: our DOWN), `R__<desc>.sql` (repeatable); a `<file>.conf`
/// beside one with `executeInTransaction=false` runs it outside a
/// transaction. Versions are ordered part by part, numerically.
fn flyway(folder: &mut Folder<'_>) -> Vec<Imported> {
    let mut undo: BTreeMap<Vec<u128>, String> = Default::default();
    let mut out = Vec::new();
    let entries = folder.entries;
    let outside = |folder: &mut Folder<'_>, name: &str| -> bool {
        let conf = format!("{name}.conf");
        if !entries.contains(&conf) {
            return false;
        }
        folder.text(&conf).is_some_and(|text| {
            text.lines().any(|l| {
                let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
                l.eq_ignore_ascii_case("executeInTransaction=false")
            })
        })
    };
    const NAMES: &str = "Flyway files are named V<version>__<description>.sql, U<version>__<description>.sql or R__<description>.sql; rename it";
    for name in entries {
        if name.ends_with(".sql.conf") && entries.contains(&name[..name.len() - 5].to_string()) {
            continue;
        }
        if name.ends_with(".java") || name.ends_with(".class") || name.ends_with(".kt") {
            folder.problems.push(convert(
                name,
                1,
                "a Java migration: its SQL is built by code, so it cannot be imported; write it as SQL (`V<version>__<description>.sql`) and remove it",
            ));
            continue;
        }
        let Some(stem) = name.strip_suffix(".sql") else {
            folder.skip(name, "not a Flyway SQL migration (they end in `.sql`)");
            continue;
        };
        if let Some(desc) = stem.strip_prefix("R__") {
            let Some(up) = folder.text(name) else {
                continue;
            };
            let no_transaction = outside(folder, name);
            out.push(Imported {
                source_version: SourceVersion {
                    order: Order::Text(snake(desc)),
                    ..SourceVersion::default()
                },
                name: snake(desc),
                source: name.clone(),
                description: Some(desc.replace('_', " ")),
                up,
                no_transaction,
                repeatable: true,
                ..Imported::default()
            });
            continue;
        }
        let kind = stem.chars().next();
        let Some((text, desc)) = stem.get(1..).and_then(|s| s.split_once("__")) else {
            folder.problems.push(convert(name, 1, NAMES));
            continue;
        };
        let Some(parts) = flyway_parts(text) else {
            folder.problems.push(convert(
                name,
                1,
                format!(
                    "`{text}` is not a Flyway version: Flyway versions are whole numbers separated by `.` or `_` (`1`, `1.1`, `2_3_1`); rename it"
                ),
            ));
            continue;
        };
        match kind {
            Some('V') => {
                let Some(up) = folder.text(name) else {
                    continue;
                };
                let no_transaction = outside(folder, name);
                out.push(Imported {
                    source_version: SourceVersion {
                        text: text.replace('_', "."),
                        parts: parts.clone(),
                        order: Order::Parts(parts),
                    },
                    name: snake(desc),
                    source: name.clone(),
                    description: Some(desc.replace('_', " ")),
                    up,
                    no_transaction,
                    ..Imported::default()
                });
            }
            Some('U') => {
                undo.insert(parts, name.clone());
            }
            _ => folder.problems.push(convert(name, 1, NAMES)),
        }
    }
    for m in out.iter_mut().filter(|m| !m.repeatable) {
        if let Some(file) = undo.remove(&m.source_version.parts) {
            m.down = folder.text(&file);
            m.source = format!("{} + {file}", m.source);
        }
    }
    for (parts, file) in undo {
        let version = parts
            .iter()
            .map(u128::to_string)
            .collect::<Vec<_>>()
            .join(".");
        folder.problems.push(convert(
            &file,
            1,
            format!(
                "an undo migration without its versioned one (no V{version}__*.sql): add that file or remove this one"
            ),
        ));
    }
    out
}

/// diesel: a folder per migration, `<YYYY-MM-DD-HHMMSS>_<name>` (or 14
/// digits, or diesel 2.2's `<YYYY-MM-DD-HHMMSS-FFFF>_<name>`), holding
/// `up.sql`, `down.sql` and maybe `metadata.toml`. diesel's version is
/// the name up to `_` without the dashes, and it orders versions as text.
fn diesel(folder: &mut Folder<'_>) -> Vec<Imported> {
    let mut out = Vec::new();
    for name in folder.entries {
        let dir = folder.source.join(name);
        if !dir.is_dir() {
            folder.skip(name, "not a diesel migration (each is a folder)");
            continue;
        }
        let head: String = name
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        let digits: String = head.chars().filter(char::is_ascii_digit).collect();
        let rest = name[head.len()..].trim_start_matches('_');
        if digits.is_empty() {
            folder.problems.push(convert(
                name,
                1,
                "diesel folders start with a timestamp (`YYYY-MM-DD-HHMMSS_<name>`); rename it or move it out of the folder",
            ));
            continue;
        }
        let Some(version) = folder.keep(numbered(name, &digits, |_| Order::Text(digits.clone())))
        else {
            continue;
        };
        let Ok(up) = read_text(&dir, "up.sql") else {
            folder.problems.push(convert(
                &format!("{name}/up.sql"),
                1,
                "missing: every diesel migration folder has an up.sql; add it or remove the folder",
            ));
            continue;
        };
        let down = if dir.join("down.sql").is_file() {
            let down = read_text(&dir, "down.sql");
            match folder.keep(down) {
                Some(d) => Some(d),
                None => continue,
            }
        } else {
            None
        };
        let mut no_transaction = false;
        if dir.join("metadata.toml").is_file() {
            let Some(text) = folder.keep(read_text(&dir, "metadata.toml")) else {
                continue;
            };
            match text.parse::<toml::Table>() {
                Ok(meta) => {
                    no_transaction = meta
                        .get("run_in_transaction")
                        .and_then(toml::Value::as_bool)
                        == Some(false);
                }
                Err(e) => {
                    folder.problems.push(convert(
                        &format!("{name}/metadata.toml"),
                        1,
                        format!("{}; fix the file", e.message()),
                    ));
                    continue;
                }
            }
        }
        out.push(Imported {
            source_version: version,
            name: snake(rest),
            source: format!("{name}/"),
            description: Some(rest.replace('_', " ")),
            up,
            down,
            no_transaction,
            ..Imported::default()
        });
    }
    out
}

/// One file per migration, both directions inside: goose (numeric
/// order), dbmate and the SQL-file runners (the order of the file names).
fn single(
    folder: &mut Folder<'_>,
    tool: Tool,
    parse: fn(&str, &str, &mut Imported) -> Result<(), ImportError>,
) -> Vec<Imported> {
    let mut out = Vec::new();
    for name in folder.entries {
        if name.ends_with(".go") {
            folder.problems.push(convert(
                name,
                1,
                "a Go migration: its SQL is built by code, so it cannot be imported; write it as a .sql migration and remove the .go file",
            ));
            continue;
        }
        let Some(stem) = name.strip_suffix(".sql") else {
            folder.skip(name, "not a migration file (they end in `.sql`)");
            continue;
        };
        // dbmate reads any `<digits>...sql` (`20240101-init.sql` too); the
        // others need `<digits>_`.
        let prefix = if tool == Tool::Dbmate {
            dbmate_prefix(name, stem)
        } else {
            version_prefix(name, stem)
        };
        let Some((digits, rest)) = folder.keep(prefix) else {
            continue;
        };
        let order = |n: u128| match tool {
            Tool::Goose => Order::Number(n),
            _ => Order::Text(name.clone()),
        };
        let Some(version) = folder.keep(numbered(name, digits, order)) else {
            continue;
        };
        let Some(text) = folder.text(name) else {
            continue;
        };
        let mut m = Imported {
            source_version: version,
            name: snake(rest),
            source: name.clone(),
            ..Imported::default()
        };
        if folder.keep(parse(name, &text, &mut m)).is_some() {
            out.push(m);
        }
    }
    out
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

/// seed `004`: `NNN_name.ts` with `export const up = \`...\`` and `down`,
/// in the order of the file names.
fn ts(folder: &mut Folder<'_>) -> Vec<Imported> {
    let mut out = Vec::new();
    for name in folder.entries {
        let Some(stem) = name.strip_suffix(".ts") else {
            folder.skip(name, "not a migration file (they end in `.ts`)");
            continue;
        };
        let Some((digits, rest)) = folder.keep(version_prefix(name, stem)) else {
            continue;
        };
        let Some(version) = folder.keep(numbered(name, digits, |_| Order::Text(name.clone())))
        else {
            continue;
        };
        let Some(text) = folder.text(name) else {
            continue;
        };
        let up = template(name, &text, "up").and_then(|up| {
            up.map(|t| dedent(&t))
                .ok_or_else(|| convert(name, 1, "no `export const up = `...``: add it"))
        });
        let Some(up) = folder.keep(up) else {
            continue;
        };
        let Some(down) = folder.keep(template(name, &text, "down")) else {
            continue;
        };
        out.push(Imported {
            source_version: version,
            name: snake(rest),
            source: name.clone(),
            up,
            down: down.map(|t| dedent(&t)),
            ..Imported::default()
        });
    }
    out
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
