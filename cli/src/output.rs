//! What the CLI prints: a status table in the spirit of the hand-written
//! runners it replaces, JSON for machines, one line per migration as it
//! finishes. Colors only on a terminal, never with `NO_COLOR`.

use std::io::IsTerminal;

use anstyle::AnsiColor;
use serde_json::{Value, json};

use sqlstrata::Migrations;
use sqlstrata::State;
use sqlstrata::redact_with;
use sqlstrata::{Action, Done, Report};

/// Whether to color.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    color: bool,
}

impl Style {
    /// Colors when stdout is a terminal and `NO_COLOR` is not set.
    pub fn detect() -> Style {
        Style::decide(
            std::io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        )
    }

    /// Colors on a terminal unless `NO_COLOR` is set to anything non-empty
    /// (<https://no-color.org>).
    pub fn decide(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> Style {
        Style {
            color: terminal && no_color.is_none_or(|v| v.is_empty()),
        }
    }

    /// No colors.
    #[cfg(test)]
    pub fn plain() -> Style {
        Style { color: false }
    }

    fn paint(&self, color: AnsiColor, text: &str) -> String {
        if self.color {
            let style = color.on_default();
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
}

/// Where the CLI's words go: stdout and stderr, every line through the
/// redaction of the passwords the run knows. Nothing is printed any other way.
#[derive(Debug, Clone, Default)]
pub struct Printer {
    secrets: Vec<String>,
    json: bool,
}

impl Printer {
    /// A printer that removes `secrets` (and anything shaped like a password)
    /// from what it prints; with `json`, errors are a JSON object on stdout.
    pub fn new(secrets: Vec<String>, json: bool) -> Printer {
        Printer { secrets, json }
    }

    /// Adds secrets learnt later (the password of a connection string).
    pub fn learn(&mut self, secrets: impl IntoIterator<Item = String>) {
        self.secrets.extend(secrets);
    }

    /// The text as it may be shown.
    pub fn clean(&self, text: &str) -> String {
        redact_with(text, &self.secrets)
    }

    /// A line on stdout.
    pub fn out(&self, text: &str) {
        println!("{}", self.clean(text));
    }

    /// Text on stdout, as is (it ends its own lines).
    pub fn out_raw(&self, text: &str) {
        print!("{}", self.clean(text));
    }

    /// A line on stderr.
    pub fn err(&self, text: &str) {
        eprintln!("{}", self.clean(text));
    }

    /// An error: `error: ...` on stderr, or with `--json` also
    /// `{"error": "..."}` on stdout for the machine reading it.
    pub fn error(&self, message: &str) {
        let message = self.clean(message);
        if self.json {
            println!("{}", json!({ "error": message }));
        }
        eprintln!("error: {message}");
    }
}

fn file_label(set: &Migrations, version: i64, name: &str, repeatable: bool) -> String {
    if repeatable {
        return format!("R__{name}");
    }
    set.get(version)
        .map(|m| m.file_name().trim_end_matches(".sql").to_string())
        .unwrap_or_else(|| format!("{version:03}_{name}"))
}

/// One line for a migration that finished.
pub fn done_line(set: &Migrations, d: &Done, style: Style) -> String {
    let label = file_label(
        set,
        d.version,
        &d.name,
        d.action == Action::AppliedRepeatable,
    );
    let ms = d.duration.as_secs_f64() * 1e3;
    match d.action {
        Action::Reverted => format!(
            "{} reverted {label} ({ms:.1} ms)",
            style.paint(AnsiColor::Yellow, "↩")
        ),
        Action::Applied | Action::AppliedRepeatable => format!(
            "{} applied  {label} ({ms:.1} ms)",
            style.paint(AnsiColor::Green, "✓")
        ),
        other => format!(
            "{} {} {label}",
            style.paint(AnsiColor::Cyan, "•"),
            other.as_str()
        ),
    }
}

/// The status table and its totals.
pub fn status_table(set: &Migrations, report: &Report, table: &str, style: Style) -> String {
    let mut out = format!("Migration status ({table})\n\n");
    let width = report
        .status
        .iter()
        .map(|e| {
            file_label(set, e.version, &e.name, e.repeatable)
                .chars()
                .count()
        })
        .max()
        .unwrap_or(10)
        .max(9);
    out.push_str(&format!(
        "    {:<width$}  {:<8}  {:>5}  {:<19}  {}\n",
        "migration", "state", "batch", "applied at", "description"
    ));
    let mut totals = [0usize; 8];
    for e in &report.status {
        let (mark, code) = match e.state {
            State::Applied => ("✓", AnsiColor::Green),
            State::Pending | State::Changed => ("⏳", AnsiColor::Cyan),
            State::Running => ("…", AnsiColor::Yellow),
            State::Modified | State::Missing | State::Failed | State::Interrupted => {
                ("✗", AnsiColor::Red)
            }
            // A state a newer sqlstrata reports.
            _ => ("?", AnsiColor::Yellow),
        };
        totals[e.state as usize] += 1;
        let applied_at = e
            .applied_at
            .as_deref()
            .map_or("-".to_string(), |t| t.chars().take(19).collect());
        out.push_str(&format!(
            "  {} {:<width$}  {}  {:>5}  {:<19}  {}\n",
            style.paint(code, mark),
            file_label(set, e.version, &e.name, e.repeatable),
            style.paint(code, &format!("{:<8}", e.state.as_str())),
            e.batch.map_or("-".to_string(), |b| b.to_string()),
            applied_at,
            match (e.post_deploy, e.description.as_deref()) {
                (true, Some(d)) => format!("[post-deploy] {d}"),
                (true, None) => "[post-deploy]".to_string(),
                (false, d) => d.unwrap_or("").to_string(),
            }
        ));
    }
    out.push_str(&format!(
        "\n{} migrations: {} applied, {} pending, {} modified, {} missing, {} failed\n",
        report.status.len(),
        totals[State::Applied as usize],
        totals[State::Pending as usize] + totals[State::Changed as usize],
        totals[State::Modified as usize],
        totals[State::Missing as usize],
        totals[State::Failed as usize]
            + totals[State::Interrupted as usize]
            + totals[State::Running as usize],
    ));
    out
}

/// The status as JSON: `{"migrations": [...], "totals": {...}}`.
pub fn status_json(set: &Migrations, report: &Report) -> String {
    let entries: Vec<Value> = report
        .status
        .iter()
        .map(|e| {
            json!({
                "version": e.version,
                "name": e.name,
                "repeatable": e.repeatable,
                "file": if e.repeatable {
                    set.repeatables().iter().find(|m| m.name() == e.name).map(|m| m.file_name())
                } else {
                    set.get(e.version).map(|m| m.file_name())
                },
                "state": e.state.as_str(),
                "batch": e.batch,
                "applied_at": e.applied_at,
                "failed_line": e.failed_line,
                "post_deploy": e.post_deploy,
                "description": e.description,
            })
        })
        .collect();
    let count = |s: State| report.status.iter().filter(|e| e.state == s).count();
    json!({
        "migrations": entries,
        "totals": {
            "applied": count(State::Applied),
            "pending": count(State::Pending),
            "modified": count(State::Modified),
            "missing": count(State::Missing),
            "failed": count(State::Failed),
            "interrupted": count(State::Interrupted),
            "running": count(State::Running),
            "changed": count(State::Changed),
        },
    })
    .to_string()
}

/// The last line of `drift`'s text report.
pub fn drift_summary(report: &sqlstrata::drift::DriftReport) -> String {
    let replayed = format!(
        "{} applied migration(s){}",
        report.applied.len(),
        if report.repeatables.is_empty() {
            String::new()
        } else {
            format!(" and {} repeatable(s)", report.repeatables.len())
        }
    );
    if report.is_clean() {
        format!(
            "no drift: the database is what its {replayed} make ({} objects compared)",
            report.compared
        )
    } else {
        format!(
            "drift: {} difference(s) between the database and what its {replayed} make ({} objects compared)",
            report.differences.len(),
            report.compared
        )
    }
}

/// `drift`'s report as JSON: `{"clean", "applied", "repeatables",
/// "compared", "differences": [{"object", "kind", "in_database",
/// "from_migrations", "diff"}]}` (a side that lacks the object is `null`).
pub fn drift_json(report: &sqlstrata::drift::DriftReport) -> Value {
    let trim = |s: &Option<String>| {
        s.as_deref()
            .map(|d| d.trim_start_matches(':').trim().to_string())
    };
    json!({
        "clean": report.is_clean(),
        "applied": report.applied,
        "repeatables": report.repeatables,
        "compared": report.compared,
        "differences": report.differences.iter().map(|d| json!({
            "object": d.object,
            "kind": d.kind(),
            "in_database": trim(&d.in_database),
            "from_migrations": trim(&d.from_migrations),
            "diff": d.diff,
        })).collect::<Vec<_>>(),
    })
}

/// A report of what a changing command did, as JSON.
pub fn report_json(report: &Report) -> String {
    let done: Vec<Value> = report
        .done
        .iter()
        .map(|d| {
            json!({
                "version": d.version,
                "name": d.name,
                "action": d.action.as_str(),
                // Milliseconds to the microsecond.
                "duration_ms": (d.duration.as_secs_f64() * 1e6).round() / 1e3,
            })
        })
        .collect();
    json!({ "batch": report.batch, "done": done, "warnings": report.warnings }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_only_on_a_terminal_and_never_with_no_color() {
        use std::ffi::OsStr;
        assert_eq!(Style::decide(true, None), Style { color: true });
        assert_eq!(Style::decide(false, None), Style::plain());
        assert_eq!(Style::decide(true, Some(OsStr::new("1"))), Style::plain());
        assert_eq!(
            Style::decide(true, Some(OsStr::new(""))),
            Style { color: true }
        );
    }

    #[test]
    fn plain_style_has_no_escape_codes() {
        assert_eq!(Style::plain().paint(AnsiColor::Green, "x"), "x");
        assert_eq!(
            Style { color: true }.paint(AnsiColor::Green, "x"),
            "\x1b[32mx\x1b[0m"
        );
    }
}
