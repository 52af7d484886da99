//! The commands over a folder (feature `folder`): the `sqlstrata` binary's
//! entry point. `check`, `create`, `import`, `adopt`, `squash` and the run
//! commands over a folder read at run time, with exactly the diagnostics of
//! the `migrations!()` macro (core's reader).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::args::{ConnectionArgs, DbCommand, DryRunArg, GlobalArgs, Parts, TopArgs};
use clap::{CommandFactory, Parser, Subcommand};
use sqlstrata::Migrations;
use sqlstrata_core::{Checked, Folder, Severity, read_folder};

use crate::schema::SchemaFormat;
use crate::{adopt, import, scaffold, schema, squash};

/// PostgreSQL schema migrations, checked before they run.
#[derive(Debug, Parser)]
#[command(name = "sqlstrata", version, about)]
struct Cli {
    /// The migrations folder.
    #[arg(long, global = true, default_value = "migrations", value_name = "DIR")]
    dir: PathBuf,
    #[command(flatten)]
    top: TopArgs,
    #[command(subcommand)]
    command: Command,
}

/// How `check` prints what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// As the compiler shows them.
    Text,
    /// One JSON document: every diagnostic and the totals.
    Json,
    /// GitHub Actions workflow commands (`::error file=...`): annotations
    /// on the pull request's diff.
    Github,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the folder with a first migration, and the tracking table when a database is configured.
    Init {
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Create the next migration file, NAME in snake_case.
    Create {
        /// The migration's name, e.g. add_user_avatar.
        name: String,
    },
    /// Check every file of the folder (no database): the compiler's diagnostics; exit 1 on errors.
    Check {
        /// Exit 1 on warnings too (for CI).
        #[arg(long)]
        deny_warnings: bool,
        /// How to print the diagnostics [default: github when GITHUB_ACTIONS=true, else text]
        #[arg(long, value_enum, help_heading = "Output")]
        format: Option<Format>,
    },
    /// Convert another tool's migrations into this folder (never overwriting):
    /// sqlx, refinery, diesel, goose, dbmate, golang-migrate, flyway, or a
    /// hand-written runner's SQL (`sql`) or TypeScript (`ts`) files.
    Import {
        /// The tool that wrote them.
        #[arg(long = "from", value_enum)]
        from: import::Tool,
        /// Its migrations folder.
        source: PathBuf,
        /// List the files it would write, each with its source, version
        /// mapping and notes, and what the check finds in them; write nothing.
        #[arg(long, help_heading = "Running")]
        dry_run: bool,
    },
    /// Record another tool's history as sqlstrata's: the versions its history
    /// table says were applied, with the checksums of the imported files
    /// (run `import` first). Never alters or drops the old table.
    Adopt {
        /// The tool whose history table to read.
        #[arg(long = "from", value_enum)]
        from: import::Tool,
        /// The old history table, when not the tool's default name.
        #[arg(long, value_name = "TABLE")]
        history_table: Option<String>,
        /// When the old table has the name of sqlstrata's tracking table:
        /// rename it to NAME in the same transaction (your consent to it).
        #[arg(long, value_name = "NAME")]
        rename_old_to: Option<String>,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        dry_run: DryRunArg,
    },
    /// Replace the migrations up to VERSION with one baseline of the schema
    /// they build (pg_dump of the history replayed on a scratch database),
    /// proved equal first; the squashed files move to --archive.
    Squash {
        /// The last version to squash.
        #[arg(long, value_name = "VERSION")]
        to: i64,
        /// Where the squashed files go (default: squashed_migrations beside the folder).
        #[arg(long, value_name = "DIR")]
        archive: Option<PathBuf>,
        /// Carry this table's rows into the baseline (repeatable).
        #[arg(long = "with-data", value_name = "TABLE")]
        with_data: Vec<String>,
        /// The baseline's name.
        #[arg(long, default_value = "squashed_baseline")]
        name: String,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        dry_run: DryRunArg,
    },
    /// Show the schema the migrations make, from the files alone (no
    /// database): as SQL, JSON, a diagram or an HTML page; with --diff,
    /// what the migrations after A up to B change.
    Schema {
        /// The version to show it at (default: after every migration; 0:
        /// before the first).
        #[arg(long, value_name = "VERSION", conflicts_with = "diff")]
        at: Option<i64>,
        /// What the migrations after A up to B change (`A..B`; `A..`: up to
        /// the last).
        #[arg(long, value_name = "A..B")]
        diff: Option<String>,
        /// How to print it [default: sql; with --diff: github when
        /// GITHUB_ACTIONS=true, else text]
        #[arg(long, value_enum, help_heading = "Output")]
        format: Option<SchemaFormat>,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), generated from the same definitions as `--help`:
    /// `sqlstrata man > /usr/local/share/man/man1/sqlstrata.1`.
    Man,
    #[command(flatten)]
    Db(DbCommand),
}

/// The settings of a command of the binary's own (not a database
/// command), under what came before it.
fn settings(top: &TopArgs, parts: Parts<'_>, command: &str) -> Result<GlobalArgs, ExitCode> {
    GlobalArgs::resolve(top, parts, command).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

/// The `sqlstrata` binary: parses this process's arguments and runs the
/// command over the folder (`--dir`, default `migrations`).
///
/// A project can build its own binary of the same commands:
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     sqlstrata_cli::main()
/// }
/// ```
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let none = Parts::default();
    let resolved = |parts: Parts<'_>, name: &str| settings(&cli.top, parts, name);
    // The commands that read the folder and connect: the connection and `--dry-run`.
    let connected = |connection, dry_run| Parts {
        connection: Some(connection),
        dry_run: Some(dry_run),
        ..none
    };
    match &cli.command {
        Command::Init { connection } => match resolved(
            Parts {
                connection: Some(connection),
                ..none
            },
            "init",
        ) {
            Ok(global) => scaffold::init(&cli.dir, &global),
            Err(code) => code,
        },
        Command::Create { name } => match resolved(none, "create") {
            Ok(_) => scaffold::create(&cli.dir, name),
            Err(code) => code,
        },
        Command::Check {
            deny_warnings,
            format,
        } => match resolved(none, "check") {
            Ok(_) => check(
                &cli.dir,
                *deny_warnings,
                format.unwrap_or_else(default_format),
            ),
            Err(code) => code,
        },
        Command::Schema { at, diff, format } => match resolved(none, "schema") {
            Ok(_) => {
                let folder = read_folder(&cli.dir, &display(&cli.dir));
                if folder.has_errors() {
                    print_diagnostics(&folder);
                    eprintln!(
                        "error: {} has errors; the schema is not shown",
                        display(&cli.dir)
                    );
                    return ExitCode::FAILURE;
                }
                let format = format.unwrap_or(match (diff, default_format()) {
                    (Some(_), Format::Github) => SchemaFormat::Github,
                    (Some(_), _) => SchemaFormat::Text,
                    (None, _) => SchemaFormat::Sql,
                });
                schema::run(
                    &folder.migrations,
                    &display(&cli.dir),
                    *at,
                    diff.as_deref(),
                    format,
                )
            }
            Err(code) => code,
        },
        Command::Import {
            from,
            source,
            dry_run,
        } => match resolved(none, "import") {
            Ok(_) => import_command(*from, source, &cli.dir, *dry_run),
            Err(code) => code,
        },
        Command::Adopt {
            from,
            history_table,
            rename_old_to,
            connection,
            dry_run,
        } => {
            let global = match resolved(connected(connection, dry_run), "adopt") {
                Ok(g) => g,
                Err(code) => return code,
            };
            match load(&cli.dir) {
                Some(set) => adopt::adopt_command(
                    &set,
                    &cli.dir,
                    *from,
                    &global,
                    history_table.as_deref(),
                    rename_old_to.as_deref(),
                ),
                None => ExitCode::FAILURE,
            }
        }
        Command::Squash {
            to,
            archive,
            with_data,
            name,
            connection,
            dry_run,
        } => {
            let global = match resolved(connected(connection, dry_run), "squash") {
                Ok(g) => g,
                Err(code) => return code,
            };
            squash::squash(
                &squash::Request {
                    dir: &cli.dir,
                    to: *to,
                    archive: archive.as_deref(),
                    with_data,
                    name,
                },
                &global,
            )
        }
        Command::Completions { shell } => match resolved(none, "completions") {
            Ok(_) => {
                clap_complete::generate(
                    *shell,
                    &mut Cli::command(),
                    "sqlstrata",
                    &mut std::io::stdout(),
                );
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
        Command::Man => match resolved(none, "man") {
            Ok(_) => match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(code) => code,
        },
        // Neither needs the migrations: `wait` runs before they are there.
        Command::Db(command @ (DbCommand::Wait { .. } | DbCommand::Dump { .. })) => {
            crate::commands::execute(&Migrations::new(Vec::new()), &cli.top, command)
        }
        Command::Db(command) => match load(&cli.dir) {
            Some(set) => {
                let command = with_folder_settings(&cli.dir, command.clone());
                crate::commands::execute(&set, &cli.top, &command)
            }
            None => ExitCode::FAILURE,
        },
    }
}

/// `check`'s format when none is given: annotations in GitHub Actions.
fn default_format() -> Format {
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        Format::Github
    } else {
        Format::Text
    }
}

/// `import`: converts, writes (unless `dry_run`), and reports the mapping,
/// what changed and what our checker says of each file.
fn import_command(tool: import::Tool, source: &Path, dir: &Path, dry_run: bool) -> ExitCode {
    let plan = match import::plan(tool, source, dir) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if plan.migrations.is_empty() {
        eprintln!("error: no {tool} migration found in {}", display(source));
        return ExitCode::FAILURE;
    }
    // Never overwrite, and never two files of one version.
    let existing = read_folder(dir, &display(dir));
    let mut clashes = Vec::new();
    for (m, (path, _, _)) in plan.migrations.iter().zip(&plan.files) {
        if path.exists() {
            clashes.push(format!("{} exists", path.display()));
        } else if let Some(other) = existing
            .migrations
            .iter()
            .find(|e| e.migration.version() == m.version)
        {
            clashes.push(format!(
                "version {} is taken by {}",
                m.version,
                other.migration.file_name()
            ));
        }
    }
    if !clashes.is_empty() {
        eprintln!("error: nothing written: {}", clashes.join("; "));
        return ExitCode::FAILURE;
    }
    if !dry_run && let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: cannot create {}: {e}", display(dir));
        return ExitCode::FAILURE;
    }
    let mut errors = 0;
    for (m, (path, text, diagnostics)) in plan.migrations.iter().zip(&plan.files) {
        let verb = if dry_run { "would write" } else { "wrote" };
        let what = if m.repeatable {
            "repeatable".to_string()
        } else {
            format!("version {}", m.version)
        };
        println!("{verb} {} <- {} ({what})", path.display(), m.source);
        for note in &m.notes {
            println!("    note: {note}");
        }
        if !dry_run && let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        for d in diagnostics {
            let label = match d.severity {
                Severity::Error => {
                    errors += 1;
                    "error"
                }
                Severity::Warning => "warning",
            };
            eprintln!(
                "{label}: {d}
"
            );
        }
    }
    // The lint baseline: the imported history ran already; lint what is new.
    if let Some(version) = plan.baseline {
        let toml = dir.join(sqlstrata_core::config::FILE_NAME);
        let existing = std::fs::read_to_string(&toml).ok();
        // The tool's own history table is made by no migration.
        let external = |text: String| match tool.history_table() {
            Some(table) => import::with_external(&text, table),
            None => Ok(text),
        };
        match import::with_baseline(existing.as_deref(), version).and_then(external) {
            Ok(text) if existing.as_deref() == Some(text.as_str()) => {}
            Ok(text) => {
                let verb = if dry_run { "would set" } else { "set" };
                println!(
                    "{verb} the lint baseline in {}: `[lints] from = {version}` (warnings only for migrations newer than the imported history; errors for all)",
                    toml.display()
                );
                if !dry_run && let Err(e) = std::fs::write(&toml, text) {
                    eprintln!("error: cannot write {}: {e}", toml.display());
                    return ExitCode::FAILURE;
                }
            }
            Err(e) => eprintln!(
                "warning: {} was left as it is ({e}); add `[lints] from = {version}` to lint only migrations newer than the imported history",
                toml.display()
            ),
        }
    }
    for (name, why) in &plan.skipped {
        println!("not imported: {name}: {why}");
    }
    let n = plan.migrations.len();
    println!(
        "{} {n} source migration(s) -> {n} file(s) from {tool}{}{}",
        if dry_run { "would import" } else { "imported" },
        if plan.skipped.is_empty() {
            String::new()
        } else {
            format!(
                "; {} other source entries not imported (listed above)",
                plan.skipped.len()
            )
        },
        if errors > 0 {
            format!(
                "; {errors} statement(s) fail sqlstrata's check ({tool} never checked them): fix them in the files, nothing was dropped"
            )
        } else {
            String::new()
        }
    );
    if errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn display(dir: &Path) -> String {
    dir.display().to_string()
}

fn print_diagnostics(folder: &Folder) {
    for d in &folder.diagnostics {
        let mut d = d.clone();
        if d.rule == "folder" {
            d.help = Some(
                "the path is relative to the working directory; choose another with --dir".into(),
            );
        }
        let label = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        eprintln!("{label}: {d}\n");
    }
}

/// `check`: every diagnostic, and how the statements were checked.
fn check(dir: &Path, deny_warnings: bool, format: Format) -> ExitCode {
    let folder = read_folder(dir, &display(dir));
    let statements: usize = folder
        .migrations
        .iter()
        .map(|m| m.statements().count())
        .sum();
    let beyond: usize = folder
        .migrations
        .iter()
        .map(|m| m.beyond_sqlparser().count())
        .sum();
    let unchecked: usize = folder
        .migrations
        .iter()
        .flat_map(|m| m.statements())
        .filter(|(_, checked)| *checked == Checked::Unchecked)
        .count();
    let errors = folder.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = folder.diagnostics.len() - errors;
    let summary = format!(
        "{}: {} migration(s), {statements} statement(s), {beyond} beyond sqlparser, checked by PostgreSQL's grammar, {unchecked} unchecked; {errors} error(s), {warnings} warning(s)",
        display(dir),
        folder.migrations.len()
    );
    match format {
        Format::Text => {
            print_diagnostics(&folder);
            println!("{summary}");
        }
        Format::Github => {
            for d in &folder.diagnostics {
                println!("{}", github_annotation(d));
            }
            println!("{summary}");
        }
        Format::Json => {
            let diagnostics: Vec<serde_json::Value> = folder
                .diagnostics
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "file": d.file,
                        "line": d.position.map(|p| p.0),
                        "column": d.position.map(|p| p.1),
                        "rule": d.rule,
                        "level": level(d.severity),
                        "message": d.message,
                        "help": d.help,
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::json!({
                    "folder": display(dir),
                    "migrations": folder.migrations.len(),
                    "statements": statements,
                    "unchecked": unchecked,
                    "errors": errors,
                    "warnings": warnings,
                    "diagnostics": diagnostics,
                })
            );
        }
    }
    if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// One GitHub Actions workflow command for `d`: `::error file=F,line=L,col=C,title=RULE::MESSAGE`,
/// with the data escaped as the runner reads it (`%`, `\r`, `\n`, and in
/// properties `:` and `,`).
fn github_annotation(d: &sqlstrata_core::Diagnostic) -> String {
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let property = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let mut props = vec![format!("file={}", property(&d.file))];
    if let Some((line, col)) = d.position {
        props.push(format!("line={line}"));
        props.push(format!("col={col}"));
    }
    props.push(format!("title={}", property(d.rule)));
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{} {}::{}",
        level(d.severity),
        props.join(","),
        data(&message)
    )
}

/// Reads the folder into a set, or prints why not.
/// `command` with what the folder's sqlstrata.toml adds to its flags:
/// `[drift] ignore` after `--ignore`.
fn with_folder_settings(dir: &Path, command: DbCommand) -> DbCommand {
    match command {
        DbCommand::Drift {
            mut ignore,
            scratch_url,
            connection,
            run,
            fleet,
            json,
        } => {
            let (config, _) = sqlstrata_core::config::LintConfig::read(dir, "sqlstrata.toml");
            ignore.extend(config.drift_ignore);
            DbCommand::Drift {
                ignore,
                scratch_url,
                connection,
                run,
                fleet,
                json,
            }
        }
        other => other,
    }
}

fn load(dir: &Path) -> Option<Migrations> {
    let folder = read_folder(dir, &display(dir));
    if folder.has_errors() {
        print_diagnostics(&folder);
        eprintln!("error: {} has errors; nothing was run", display(dir));
        return None;
    }
    Some(
        Migrations::new(folder.migrations.into_iter().map(|m| m.migration).collect())
            .with_settings(folder.run),
    )
}
