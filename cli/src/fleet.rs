//! `--fleet FILE`, `--fleet-query SQL`, `--schemas-query SQL`: the targets
//! of a fleet run, and its report.

use std::collections::HashMap;

use std::process::ExitCode;

use serde_json::{Value, json};

use crate::args::GlobalArgs;
use crate::config::{Connection, resolve};
use crate::connect;
use crate::output::Printer;
use sqlstrata::Migrations;
use sqlstrata::drift::Replay;
use sqlstrata::fleet::{Fleet, FleetReport, Outcome, Target, TargetResult};
use sqlstrata::redact;
use sqlstrata::{Operation, State};

/// Where the targets come from.
pub(crate) enum Source<'a> {
    /// A file of connection strings, one per line, `#` comments.
    File(&'a str),
    /// A query on the given database returning database names.
    Databases(&'a str),
    /// A query on the given database returning schema names.
    Schemas(&'a str),
}

impl GlobalArgs {
    pub(crate) fn fleet_source(&self) -> Option<Source<'_>> {
        if let Some(f) = &self.fleet {
            Some(Source::File(f))
        } else if let Some(q) = &self.fleet_query {
            Some(Source::Databases(q))
        } else {
            self.schemas_query.as_deref().map(Source::Schemas)
        }
    }
}

/// The targets, each with how to connect to it.
fn targets(
    source: &Source<'_>,
    base: Option<&Connection>,
) -> Result<Vec<(Target, Connection)>, String> {
    let column = |client: &mut postgres::Client, sql: &str| -> Result<Vec<String>, String> {
        let rows = client.simple_query(sql).map_err(|e| {
            format!(
                "the fleet query failed: {}",
                sqlstrata::DbError::from_postgres(&e)
            )
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                _ => None,
            })
            .collect())
    };
    match source {
        Source::File(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the fleet file {path}: {e}"))?;
            let mut out = Vec::new();
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let mut connection = resolve(
                    Some(line),
                    &|k| std::env::var(k).ok(),
                    std::path::Path::new("/nonexistent"),
                )
                .map_err(|e| format!("{path}:{}: {e}", n + 1))?;
                connection.source = "the fleet file";
                let config = line.parse::<postgres::Config>().ok();
                let name = config
                    .as_ref()
                    .and_then(|c| c.get_dbname().map(str::to_string))
                    .unwrap_or_else(|| redact(line));
                out.push((
                    Target::database(name, connection.config.clone()),
                    connection,
                    config,
                ));
            }
            // Databases of one name on several servers: the server too.
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (t, _, _) in &out {
                *seen.entry(t.name.clone()).or_default() += 1;
            }
            Ok(out
                .into_iter()
                .map(|(mut target, connection, config)| {
                    let twins = seen.get(&target.name).copied().unwrap_or(0);
                    if let (true, Some(config)) = (twins > 1, config) {
                        target.name = format!("{}/{}", server_of(&config), target.name);
                    }
                    (target, connection)
                })
                .collect())
        }
        Source::Databases(sql) | Source::Schemas(sql) => {
            let base = base.ok_or("--fleet-query and --schemas-query run on the database given by --database-url (or DATABASE_URL)")?;
            let mut client = connect::connect(base).map_err(|e| e.to_string())?;
            let names = column(&mut client, sql)?;
            Ok(names
                .into_iter()
                .map(|name| {
                    if matches!(source, Source::Schemas(_)) {
                        (Target::schema(name, base.config.clone()), base.clone())
                    } else {
                        (
                            Target::database(name.clone(), base.config.clone()),
                            base.clone(),
                        )
                    }
                })
                .collect())
        }
    }
}

/// `host:port` of a connection (the first host when several).
fn server_of(config: &postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(name)) => name.clone(),
        Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_string(),
    };
    match config.get_ports().first() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

/// A connection to `target`: its database of the server, or the given one
/// (a file's line, or the database whose schemas are the targets).
fn open(
    target: &Target,
    connection: &Connection,
    source: &Source<'_>,
) -> Result<postgres::Client, String> {
    match (&target.schema, source) {
        (None, Source::Databases(_)) => connect::connect_to(connection, &target.name),
        _ => connect::connect(connection),
    }
    .map_err(|e| e.to_string())
}

/// The commands a fleet runs.
pub(crate) fn operation_of(command: &crate::args::DbCommand) -> Option<Operation> {
    use crate::args::DbCommand;
    Some(match command {
        DbCommand::Up { to, .. } => Operation::Up { to: *to },
        DbCommand::Status { .. } => Operation::Status,
        DbCommand::Rollback { batches, .. } => Operation::Rollback { batches: *batches },
        DbCommand::Verify { .. } => Operation::Status,
        _ => return None,
    })
}

/// Runs `command` over the fleet.
pub(crate) fn run(
    set: &Migrations,
    global: &GlobalArgs,
    command: &crate::args::DbCommand,
    source: &Source<'_>,
    printer: &Printer,
) -> Result<ExitCode, String> {
    let Some(operation) = operation_of(command) else {
        return Err("a fleet runs up, status, rollback and verify".to_string());
    };
    let base = global.connection().ok();
    let list = targets(source, base.as_ref())?;
    if list.is_empty() {
        return Err("the fleet has no target".to_string());
    }
    let (targets, connections): (Vec<Target>, Vec<Connection>) = list.into_iter().unzip();
    let connect = |t: &Target| -> Result<postgres::Client, String> {
        let i = targets.iter().position(|x| std::ptr::eq(x, t)).unwrap_or(0);
        open(t, &connections[i], source)
    };
    let total = targets.len();
    let bar = crate::progress::Bar::targets(crate::progress::wanted(global.json), total);
    let tick = bar.clone();
    let fleet = Fleet::new(set)
        .with_options(global.options())
        .concurrency(global.concurrency)
        .canary(global.canary)
        .continue_on_error(global.continue_on_error)
        .on_progress(move |p| {
            tick.fleet(
                p.done + p.failed,
                format!(
                    "{} done, {} failed, {} running, {} pending",
                    p.done, p.failed, p.running, p.pending
                ),
            );
        });
    let report = fleet.run(&targets, operation, &connect);
    bar.finish();
    if global.json {
        printer.out(&json(set, &report).to_string());
    } else {
        printer.out_raw(&table(set, &report, operation));
    }
    let failed = report.failed().count() > 0;
    let pending = matches!(
        command,
        crate::args::DbCommand::Status { pending: true, .. }
    ) && report.done().any(|r| {
        r.report()
            .is_some_and(|rep| rep.status.iter().any(|e| e.pending_in(global.phase)))
    });
    Ok(if failed {
        ExitCode::FAILURE
    } else if pending {
        ExitCode::from(crate::EXIT_PENDING)
    } else {
        ExitCode::SUCCESS
    })
}

fn summary(set: &Migrations, r: &TargetResult, operation: Operation) -> String {
    match &r.outcome {
        Outcome::Done(rep) if operation == Operation::Status => {
            let applied = rep
                .status
                .iter()
                .filter(|e| e.state == State::Applied)
                .count();
            let pending = rep
                .status
                .iter()
                .filter(|e| e.state == State::Pending)
                .count();
            let other = rep.status.len() - applied - pending;
            let mut s = format!("{applied} applied, {pending} pending");
            if other > 0 {
                s.push_str(&format!(", {other} modified, missing or failed"));
            }
            if pending == 0 && other == 0 && applied == set.len() {
                s = format!("up to date ({applied} applied)");
            }
            s
        }
        Outcome::Done(rep) => {
            let applied = rep.applied().len();
            let reverted = rep.reverted().len();
            match (applied, reverted) {
                (0, 0) => "nothing to do".to_string(),
                (a, 0) => format!("{a} applied"),
                (0, r) => format!("{r} reverted"),
                (a, r) => format!("{a} applied, {r} reverted"),
            }
        }
        Outcome::Failed(e) => e.to_string(),
        Outcome::NotStarted => "not started".to_string(),
        // An outcome a newer sqlstrata reports.
        _ => "unknown outcome".to_string(),
    }
}

/// A section per state: failed first, then not started, then done.
fn table(set: &Migrations, report: &FleetReport, operation: Operation) -> String {
    let failed: Vec<&TargetResult> = report.failed().collect();
    let not_started: Vec<&TargetResult> = report.not_started().collect();
    let done: Vec<&TargetResult> = report.done().collect();
    let width = report
        .results
        .iter()
        .map(|r| r.target.name.chars().count())
        .max()
        .unwrap_or(6);
    let mut out = String::new();
    for (title, rows) in [
        ("failed", &failed),
        ("not started", &not_started),
        ("done", &done),
    ] {
        if rows.is_empty() {
            continue;
        }
        out.push_str(&format!("{title} ({}):\n", rows.len()));
        for r in rows.iter() {
            out.push_str(&format!(
                "  {:<width$}  {:>7}  {}\n",
                r.target.name,
                if matches!(r.outcome, Outcome::NotStarted) {
                    String::new()
                } else {
                    format!("{:.0} ms", r.duration.as_secs_f64() * 1e3)
                },
                summary(set, r, operation)
            ));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "fleet: {} target(s): {} done, {} failed, {} not started in {:.1} s\n",
        report.results.len(),
        done.len(),
        failed.len(),
        not_started.len(),
        report.elapsed.as_secs_f64()
    ));
    if !failed.is_empty() || !not_started.is_empty() {
        out.push_str("run the same command again once the failures are fixed: targets already done do nothing\n");
    }
    out
}

fn json(set: &Migrations, report: &FleetReport) -> Value {
    let targets: Vec<Value> = report
        .results
        .iter()
        .map(|r| {
            let (result, applied, reverted, error) = match &r.outcome {
                Outcome::Done(rep) => ("done", rep.applied(), rep.reverted(), Value::Null),
                Outcome::Failed(e) => {
                    let run = r.run_error();
                    (
                        "failed",
                        Vec::new(),
                        Vec::new(),
                        json!({
                            "message": e.to_string(),
                            "file": run.and_then(|e| e.file()),
                            "line": run.and_then(|e| e.line()),
                            "sql_state": run.and_then(|e| e.sql_state()),
                        }),
                    )
                }
                Outcome::NotStarted => ("not started", Vec::new(), Vec::new(), Value::Null),
                _ => ("unknown", Vec::new(), Vec::new(), Value::Null),
            };
            let pending = r.report().map(|rep| {
                rep.status
                    .iter()
                    .filter(|e| e.state == State::Pending)
                    .count()
            });
            json!({
                "target": r.target.name,
                "schema": r.target.schema,
                "result": result,
                "applied": applied,
                "reverted": reverted,
                "pending": pending,
                "duration_ms": r.duration.as_millis() as u64,
                "error": error,
            })
        })
        .collect();
    json!({
        "migrations": set.len(),
        "targets": targets,
        "done": report.done().count(),
        "failed": report.failed().count(),
        "not_started": report.not_started().count(),
        "elapsed_ms": report.elapsed.as_millis() as u64,
    })
}

/// `drift` over the fleet: each target's history read, each distinct
/// history replayed once on a scratch database, each target compared with
/// its history's replay; a report per target.
pub(crate) fn drift(
    set: &Migrations,
    global: &GlobalArgs,
    source: &Source<'_>,
    ignore: &[String],
    scratch_url: Option<&str>,
    printer: &Printer,
) -> Result<ExitCode, String> {
    if matches!(source, Source::Schemas(_)) {
        return Err("drift compares whole databases: run it with --fleet or --fleet-query, not --schemas-query".into());
    }
    let base = global.connection().ok();
    let list = targets(source, base.as_ref())?;
    let Some((_, first)) = list.first() else {
        return Err("the fleet has no target".to_string());
    };
    let migrator = sqlstrata::Migrator::new(set).with_options(global.options());
    // Each target's history, or why it has none to replay.
    let mut histories = Vec::new();
    for (target, connection) in &list {
        let read = open(target, connection, source).and_then(|mut c| {
            let history = migrator.drift_history(&mut c);
            history.map(|h| (c, h)).map_err(|e| e.to_string())
        });
        histories.push((target.name.clone(), read));
    }
    // One replay per distinct history.
    let mut replays: Vec<(String, Result<Replay, String>)> = Vec::new();
    let mut results = Vec::new();
    for (name, read) in histories {
        let report = match read {
            Err(e) => Err(e),
            Ok((mut client, history)) => {
                let digest = history.digest();
                if !replays.iter().any(|(d, _)| *d == digest) {
                    let replay = crate::scratch::with_scratch(first, scratch_url, |scratch| {
                        migrator
                            .drift_replay(scratch, &history)
                            .map_err(|e| e.to_string())
                    });
                    replays.push((digest.clone(), replay));
                }
                match replays.iter().find(|(d, _)| *d == digest).map(|(_, r)| r) {
                    Some(Ok(replay)) => migrator
                        .drift_against(&mut client, replay, ignore)
                        .map_err(|e| e.to_string()),
                    Some(Err(e)) => Err(e.clone()),
                    None => Err("no replay".to_string()),
                }
            }
        };
        results.push((name, report));
    }
    let failed = results.iter().any(|(_, r)| r.is_err());
    let drifted = results
        .iter()
        .any(|(_, r)| r.as_ref().is_ok_and(|r| !r.is_clean()));
    if global.json {
        let targets: Vec<Value> = results
            .iter()
            .map(|(name, r)| match r {
                Ok(report) => json!({"target": name, "drift": crate::output::drift_json(report)}),
                Err(e) => json!({"target": name, "error": redact(e)}),
            })
            .collect();
        printer.out(&json!({"targets": targets, "replays": replays.len()}).to_string());
    } else {
        for (name, r) in &results {
            match r {
                Ok(report) => {
                    printer.out(&format!("{name}: {}", crate::output::drift_summary(report)));
                    for line in report.to_string().lines() {
                        printer.out(&format!("  {line}"));
                    }
                }
                Err(e) => printer.err(&format!("{name}: error: {e}")),
            }
        }
        printer.out(&format!(
            "{} target(s), {} distinct histor{} replayed",
            results.len(),
            replays.len(),
            if replays.len() == 1 { "y" } else { "ies" }
        ));
    }
    Ok(if failed || drifted {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
