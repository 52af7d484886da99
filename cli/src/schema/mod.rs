//! `sqlstrata schema`: the schema the folder's migrations make, at any
//! version, from the files alone (core's schema model; no database), as
//! SQL, JSON, a diagram (Mermaid, Graphviz) or one HTML page; and with
//! `--diff A..B`, what the migrations after A up to B change.

mod diagram;
mod html;

use std::process::ExitCode;

use sqlstrata_core::SourceMigration;
use sqlstrata_core::schema::diff::{self, Change};
use sqlstrata_core::schema::view::SchemaView;
use sqlstrata_core::schema::{model_at, sql};

pub use diagram::{dot, mermaid};

/// How `schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaFormat {
    /// `CREATE` statements in an order that applies, one reviewable file.
    Sql,
    /// Every object with its columns, types, constraints and history.
    Json,
    /// A Mermaid `erDiagram` (GitHub renders it in Markdown).
    Mermaid,
    /// A Graphviz digraph.
    Dot,
    /// One self-contained HTML page: the diagram, the tables, their history.
    Html,
    /// With `--diff`: a Markdown job summary for GitHub Actions.
    Github,
    /// With `--diff`: one change per line.
    Text,
}

/// The set's view at `at` (all with `None`), or why not.
fn view_at(set: &[SourceMigration], at: Option<i64>) -> Result<SchemaView, String> {
    if let Some(v) = at
        && v != 0
        && !set
            .iter()
            .any(|m| !m.migration.is_repeatable() && m.version() == v)
    {
        let versions: Vec<String> = set
            .iter()
            .filter(|m| !m.migration.is_repeatable())
            .map(|m| m.version().to_string())
            .collect();
        return Err(format!(
            "no migration has version {v}; the versions are {} (0: before the first)",
            versions.join(", ")
        ));
    }
    Ok(SchemaView::of(&model_at(set, &[], at)))
}

/// `A..B`: two versions (`A..` up to the last).
fn range(text: &str) -> Result<(i64, Option<i64>), String> {
    let (a, b) = text.split_once("..").ok_or_else(|| {
        format!("`{text}` is not a range: write A..B (versions), or A.. for up to the last")
    })?;
    let num = |s: &str| {
        s.trim()
            .parse::<i64>()
            .map_err(|_| format!("`{s}` in `{text}` is not a version"))
    };
    let b = if b.trim().is_empty() {
        None
    } else {
        Some(num(b)?)
    };
    let a = num(a)?;
    if let Some(b) = b
        && b < a
    {
        return Err(format!("`{text}` goes back: write {b}..{a}"));
    }
    Ok((a, b))
}

/// Runs the command over the folder's migrations (`shown`: the folder, as
/// the page's title says it).
pub fn run(
    set: &[SourceMigration],
    shown: &str,
    at: Option<i64>,
    diff: Option<&str>,
    format: SchemaFormat,
) -> ExitCode {
    let result = match diff {
        Some(r) => range(r).and_then(|(a, b)| {
            let before = view_at(set, Some(a))?;
            let after = view_at(set, b)?;
            let changes = diff::changes(&before, &after);
            let to = b.map_or("the last".to_string(), |b| b.to_string());
            match format {
                SchemaFormat::Github => Ok(markdown(&changes, a, &to)),
                SchemaFormat::Json => serde_json::to_string_pretty(&changes)
                    .map(|s| s + "\n")
                    .map_err(|e| e.to_string()),
                SchemaFormat::Text | SchemaFormat::Sql => Ok(text(&changes)),
                _ => Err("--diff prints as text, json or github".to_string()),
            }
        }),
        None => view_at(set, at).and_then(|view| match format {
            SchemaFormat::Sql => Ok(sql::script(&view)),
            SchemaFormat::Json => serde_json::to_string_pretty(&view)
                .map(|s| s + "\n")
                .map_err(|e| e.to_string()),
            SchemaFormat::Mermaid => Ok(mermaid(&view)),
            SchemaFormat::Dot => Ok(dot(&view)),
            SchemaFormat::Html => Ok(html::page(&view, shown, at)),
            SchemaFormat::Github | SchemaFormat::Text => {
                Err("--format github and text are for --diff".to_string())
            }
        }),
    };
    match result {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn text(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no changes\n".to_string();
    }
    let mut out = String::new();
    for c in changes {
        let mut line = format!("{} {} {}", c.change, c.kind, c.name);
        match (c.change, &c.before, &c.after) {
            ("renamed", Some(b), _) => line.push_str(&format!(" (was {b})")),
            ("altered", b, a) => line.push_str(&format!(
                ": {} -> {}",
                b.as_deref().unwrap_or("?"),
                a.as_deref().unwrap_or("?")
            )),
            _ => {}
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn cell(s: &str) -> String {
    let one = s.replace('|', "\\|").replace('\n', " ");
    format!("`{}`", one.replace('`', "'"))
}

/// The changes as a GitHub job summary.
fn markdown(changes: &[Change], from: i64, to: &str) -> String {
    let mut out = format!("### Schema changes after version {from} up to {to}\n\n");
    if changes.is_empty() {
        out.push_str("No changes to the schema.\n");
        return out;
    }
    out.push_str("| change | kind | object | before | after |\n| --- | --- | --- | --- | --- |\n");
    for c in changes {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            c.change,
            c.kind,
            cell(&c.name),
            c.before.as_deref().map(cell).unwrap_or_default(),
            c.after.as_deref().map(cell).unwrap_or_default(),
        ));
    }
    out
}
