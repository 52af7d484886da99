//! Carrying out a command over an embedded set: connect, run through
//! [`sqlstrata::Migrator`], print the outcome for people or as JSON, and
//! choose the exit code.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use sqlstrata::{Migrations, Migrator, Operation};

use crate::args::{DbCommand, GlobalArgs, TopArgs};
use crate::dump;
use crate::fleet;
use crate::output::{self, Style};
use crate::progress;
use crate::scratch::with_scratch;
use crate::{EXIT_LOCK_WAIT, EXIT_PENDING};
use crate::{config, connect};

/// Carries out one database command; prints to stdout, errors to stderr,
/// every word through the [`output::Printer`] that removes passwords.
pub fn execute(set: &Migrations, top: &TopArgs, command: &DbCommand) -> ExitCode {
    let global = match command.global(top) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    execute_with(set, &global, command)
}

/// [`execute`] with the settings resolved.
pub fn execute_with(set: &Migrations, global: &GlobalArgs, command: &DbCommand) -> ExitCode {
    if global.verbose > 0 {
        let level = if global.verbose > 1 {
            tracing::Level::DEBUG
        } else {
            tracing::Level::INFO
        };
        // The events name files, lines and times, never a connection string.
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            )
            .with_max_level(level)
            .with_target(false)
            .try_init();
    }
    let mut printer = output::Printer::new(env_secrets(), global.json);
    match try_execute(set, global, command, &mut printer) {
        Ok(code) => code,
        Err(message) => {
            printer.error(&message);
            ExitCode::FAILURE
        }
    }
}

/// The passwords the environment holds, to be removed wherever they show.
fn env_secrets() -> Vec<String> {
    ["PGPASSWORD", "DB_PASSWORD"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .filter(|v| !v.is_empty())
        .collect()
}

/// The runtime operation of a command; `None` for those that are not one.
fn operation(command: &DbCommand) -> Option<Operation> {
    Some(match *command {
        DbCommand::Up { to, .. } => Operation::Up { to },
        DbCommand::Rollback { batches, .. } => Operation::Rollback { batches },
        DbCommand::Down {
            to: Some(version), ..
        } => Operation::DownTo { version },
        DbCommand::Down { count, .. } => Operation::Down {
            count: count.unwrap_or(1),
        },
        DbCommand::Reset { .. } => Operation::Reset,
        DbCommand::Refresh { .. } => Operation::Refresh,
        DbCommand::Status { .. } => Operation::Status,
        DbCommand::Repair { .. } => Operation::Repair,
        DbCommand::Baseline { version, .. } => Operation::Baseline { version },
        DbCommand::Verify { .. }
        | DbCommand::Wait { .. }
        | DbCommand::Dump { .. }
        | DbCommand::Drift { .. } => return None,
    })
}

fn confirm(what: &str, global: &GlobalArgs) -> Result<(), String> {
    if global.yes || global.dry_run {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "{what} undoes every migration; pass --yes to confirm (stdin is not a terminal)"
        ));
    }
    print!("{what} undoes every migration in this database. Type `yes` to continue: ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(format!("{what} cancelled"))
    }
}

/// `verify`: on a scratch database next to the configured one.
fn verify(
    set: &Migrations,
    global: &GlobalArgs,
    connection: &config::Connection,
    admin: &mut postgres::Client,
    command: &DbCommand,
    printer: &output::Printer,
) -> Result<ExitCode, String> {
    let data = match command {
        DbCommand::Verify {
            with_data: Some(dir),
            ..
        } => data_files(set, dir)?,
        _ => Vec::new(),
    };
    let scratch = format!("sqlstrata_verify_{}", std::process::id());
    let create = format!("CREATE DATABASE \"{scratch}\"");
    admin.batch_execute(&create).map_err(|e| {
        format!(
            "cannot create the scratch database {scratch} (verify needs CREATEDB): {}",
            sqlstrata::DbError::from_postgres(&e)
        )
    })?;
    // Migration k of n: each is applied, undone and applied again.
    let bar = progress::Bar::migrations(progress::wanted(global.json));
    let (start_bar, versions) = (bar.clone(), set.clone());
    let total = set.len() + set.repeatables().len();
    let result = connect::connect_to(connection, &scratch)
        .map_err(|e| e.to_string())
        .and_then(|mut c| {
            Migrator::new(set)
                .with_options(global.options())
                .on_start(move |s| {
                    let step = versions
                        .iter()
                        .chain(versions.repeatables())
                        .position(|m| m.file_name() == s.file)
                        .map_or(s.step, |i| i + 1);
                    let mut at = s.clone();
                    at.step = step;
                    at.steps = total;
                    start_bar.start(&at);
                })
                .verify_with_data(&mut c, &data)
                .map_err(|e| e.to_string())
        });
    bar.finish();
    let _ = admin.batch_execute(&format!(
        "DROP DATABASE IF EXISTS \"{scratch}\" WITH (FORCE)"
    ));
    let report = result?;
    for finding in &report.findings {
        printer.err(finding.to_string().trim_end());
    }
    printer.out(&format!(
        "verified {} migration(s){}: {} DOWN section(s) do not undo their UP; {} irreversible migration(s) not verifiable",
        report.verified.len(),
        if report.with_data.is_empty() {
            String::new()
        } else {
            format!(", {} with rows", report.with_data.len())
        },
        report.findings.len(),
        report.irreversible.len()
    ));
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `verify --with-data DIR`: each `DIR/<version>.sql` (the version as the
/// set numbers it, leading zeros allowed), read; a `.sql` file whose name is
/// not a version of the set is an error naming it, so that no data file is
/// silently skipped.
fn data_files(set: &Migrations, dir: &std::path::Path) -> Result<Vec<(i64, String)>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the data folder {}: {e}", dir.display()))?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "sql") {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        match stem.parse::<i64>() {
            Ok(v) if set.get(v).is_some() => match std::fs::read_to_string(&path) {
                Ok(sql) => out.push((v, sql)),
                Err(e) => problems.push(format!("cannot read {}: {e}", path.display())),
            },
            _ => problems.push(format!(
                "{}: a data file is named after the version it comes before (`7.sql` or `007.sql` for 007_name.sql), and the set has no version `{stem}`",
                path.display()
            )),
        }
    }
    if !problems.is_empty() {
        problems.sort();
        return Err(problems.join("\n"));
    }
    out.sort();
    Ok(out)
}

/// `drift`: the database against a replay of its history on a scratch
/// database.
#[allow(clippy::too_many_arguments)]
fn drift(
    set: &Migrations,
    global: &GlobalArgs,
    connection: &config::Connection,
    target: &mut postgres::Client,
    ignore: &[String],
    scratch_url: Option<&str>,
    printer: &output::Printer,
) -> Result<ExitCode, String> {
    let bar = progress::Bar::migrations(progress::wanted(global.json));
    let start_bar = bar.clone();
    let migrator = Migrator::new(set)
        .with_options(global.options())
        .on_start(move |s| start_bar.start(s));
    let report = with_scratch(connection, scratch_url, |scratch| {
        migrator
            .drift(target, scratch, ignore)
            .map_err(|e| e.to_string())
    });
    bar.finish();
    let report = report?;
    if global.json {
        printer.out(&output::drift_json(&report).to_string());
    } else {
        printer.out_raw(&report.to_string());
        printer.out(&output::drift_summary(&report));
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `wait`: connects until the server answers, or the time is up.
fn wait(
    connection: &config::Connection,
    timeout: Duration,
    printer: &output::Printer,
) -> Result<ExitCode, String> {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        match connect::connect(connection) {
            Ok(mut client) => match client.simple_query("SELECT 1") {
                Ok(_) => {
                    printer.out(&format!(
                        "ready after {:.1}s",
                        start.elapsed().as_secs_f64()
                    ));
                    return Ok(ExitCode::SUCCESS);
                }
                Err(e) if start.elapsed() >= timeout => {
                    return Err(format!(
                        "gave up after {}: {}",
                        humantime::format_duration(timeout),
                        sqlstrata::DbError::from_postgres(&e)
                    ));
                }
                Err(_) => {}
            },
            Err(e) if !e.is_transient() => return Err(e.to_string()),
            Err(e) if start.elapsed() >= timeout => {
                return Err(format!(
                    "gave up after {}: {e}",
                    humantime::format_duration(timeout)
                ));
            }
            Err(_) => {}
        }
        let left = timeout.saturating_sub(start.elapsed());
        std::thread::sleep(pause.min(left).max(Duration::from_millis(1)));
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// `dump` and `up --dump`: the schema to `path` (`-`: stdout).
fn write_dump(
    set: &Migrations,
    global: &GlobalArgs,
    connection: &config::Connection,
    client: &mut postgres::Client,
    path: &std::path::Path,
    printer: &output::Printer,
) -> Result<ExitCode, String> {
    let migrator = Migrator::new(set).with_options(global.options());
    let (tracking, lease) = migrator
        .tracking_tables(client)
        .map_err(|e| e.to_string())?;
    let server: u32 = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .and_then(|r| r.try_get::<_, i32>(0))
        .map_err(|e| sqlstrata::DbError::from_postgres(&e).to_string())
        .map(|n| u32::try_from(n / 10000).unwrap_or(0))?;
    let pg_dump = dump::find(server).map_err(|e| e.to_string())?;
    let schema = dump::dump(&pg_dump, connection, &[tracking, lease]).map_err(|e| e.to_string())?;
    if path.as_os_str() == "-" {
        printer.out_raw(&schema);
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::write(path, &schema).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    printer.err(&format!(
        "wrote {} ({} lines, pg_dump {})",
        path.display(),
        schema.lines().count(),
        pg_dump.major
    ));
    Ok(ExitCode::SUCCESS)
}

fn try_execute(
    set: &Migrations,
    global: &GlobalArgs,
    command: &DbCommand,
    printer: &mut output::Printer,
) -> Result<ExitCode, String> {
    match command {
        DbCommand::Reset { .. } => confirm("reset", global)?,
        DbCommand::Refresh { .. } => confirm("refresh", global)?,
        _ => {}
    }
    if let Some(source) = global.fleet_source() {
        if let DbCommand::Drift {
            ignore,
            scratch_url,
            ..
        } = command
        {
            return fleet::drift(
                set,
                global,
                &source,
                ignore,
                scratch_url.as_deref(),
                printer,
            );
        }
        if let DbCommand::Verify { .. } = command {
            // The proof is of the set, the same for every target: once, on a
            // scratch database beside the given one; then where each target is.
            let connection = global.connection().map_err(|e| e.to_string())?;
            printer.learn(connection.secrets());
            let mut client = connect::connect(&connection).map_err(|e| e.to_string())?;
            let proved = verify(set, global, &connection, &mut client, command, printer)?;
            if proved != ExitCode::SUCCESS {
                return Ok(proved);
            }
        }
        return fleet::run(set, global, command, &source, printer);
    }
    let connection = global.connection().map_err(|e| e.to_string())?;
    printer.learn(connection.secrets());
    if let DbCommand::Wait { timeout, .. } = command {
        return wait(&connection, *timeout, printer);
    }
    let mut client = connect::connect(&connection).map_err(|e| e.to_string())?;
    let style = Style::detect();
    let Some(op) = operation(command) else {
        return match command {
            DbCommand::Dump { output, .. } => {
                write_dump(set, global, &connection, &mut client, output, printer)
            }
            DbCommand::Drift {
                ignore,
                scratch_url,
                ..
            } => drift(
                set,
                global,
                &connection,
                &mut client,
                ignore,
                scratch_url.as_deref(),
                printer,
            ),
            _ => verify(set, global, &connection, &mut client, command, printer),
        };
    };
    let json = global.json;
    let progress_set = set.clone();
    let progress_printer = printer.clone();
    let wait_printer = printer.clone();
    let bar = progress::Bar::migrations(progress::wanted(json));
    let (done_bar, wait_bar, start_bar) = (bar.clone(), bar.clone(), bar.clone());
    let migrator = Migrator::new(set)
        .with_options(global.options())
        .on_progress(move |d| {
            if !json {
                done_bar
                    .suspend(|| progress_printer.out(&output::done_line(&progress_set, d, style)));
            }
        })
        .on_lock_wait(move |w| wait_bar.suspend(|| wait_printer.err(&format!("waiting: {w}"))))
        .on_start(move |s| start_bar.start(s));

    if global.dry_run && !op.is_read_only() {
        let script = migrator
            .dry_run(&mut client, op)
            .map_err(|e| e.to_string())?;
        if global.json {
            printer.out(&serde_json::json!({ "dry_run": true, "sql": script }).to_string());
        } else {
            printer.out_raw(&script);
        }
        return Ok(ExitCode::SUCCESS);
    }

    let result = migrator.run(&mut client, op);
    bar.finish();
    let report = match result {
        Ok(r) => r,
        Err(e @ sqlstrata::Error::LockRetriesSpent { .. }) => {
            printer.error(&e.to_string());
            return Ok(ExitCode::from(EXIT_LOCK_WAIT));
        }
        Err(e) => return Err(e.to_string()),
    };

    if let DbCommand::Status { pending, .. } = command {
        if json {
            printer.out(&output::status_json(set, &report));
        } else {
            printer.out_raw(&output::status_table(
                set,
                &report,
                &global.options().tracking.qualified(),
                style,
            ));
        }
        if *pending && report.status.iter().any(|e| e.pending_in(global.phase)) {
            return Ok(ExitCode::from(EXIT_PENDING));
        }
        return Ok(ExitCode::SUCCESS);
    }
    for w in &report.warnings {
        printer.err(&format!("warning: {w}"));
    }
    if json {
        printer.out(&output::report_json(&report));
    } else if report.done.is_empty() {
        printer.out("nothing to do");
    } else if let Some(batch) = report.batch {
        let repeatables = report.repeatables_applied().len();
        printer.out(&format!(
            "batch {batch}: {} migration(s){}",
            report.applied().len(),
            if repeatables > 0 {
                format!(", {repeatables} repeatable(s)")
            } else {
                String::new()
            }
        ));
    } else if !report.reverted().is_empty() {
        printer.out(&format!(
            "reverted {} migration(s)",
            report.reverted().len()
        ));
    }
    if op == Operation::Repair && !json && !report.done.is_empty() {
        printer.out(
            "next: `sqlstrata drift` shows whether the database is what the migrations now say",
        );
    }
    // What was applied is said first: a failing dump must not hide it.
    if let DbCommand::Up {
        dump: Some(path), ..
    } = command
    {
        write_dump(set, global, &connection, &mut client, path, printer).map_err(|e| {
            format!("the migrations are applied, but the schema was not written: {e}")
        })?;
    }
    Ok(ExitCode::SUCCESS)
}
