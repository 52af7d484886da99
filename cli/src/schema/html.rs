//! The schema as one self-contained HTML page: the diagram (an SVG drawn
//! here, no script, nothing fetched), every table with its columns and
//! constraints, the history of each table (the migrations that made and
//! changed it), and what the model does not know.

use std::fmt::Write;

use sqlstrata_core::schema::view::{SchemaView, shown_opt};

use super::diagram::svg;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#1d2330}\
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}h3{font-size:1em;margin-bottom:.3em}\
table{border-collapse:collapse;margin:.3em 0 1em}td,th{border:1px solid #c8d0dc;padding:2px 8px;text-align:left;font-size:13px}\
th{background:#eef2f7}code{font-size:12px}.diagram-box{overflow:auto;border:1px solid #c8d0dc;padding:8px}\
.unknown{color:#8a4b00}";

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The page for `view` of the folder `folder` at version `at`.
pub fn page(view: &SchemaView, folder: &str, at: Option<i64>) -> String {
    let title = format!(
        "Schema of {}{}",
        folder,
        at.map(|v| format!(" at version {v}")).unwrap_or_default()
    );
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0}</title><style>{STYLE}</style></head><body>\n<h1>{0}</h1>\n<p>{1}, {2}, {3}, {4}, {5}: what the migrations make, as far as the model knows it (written by <code>sqlstrata schema --format html</code>).</p>\n",
        esc(&title),
        count(view.tables.len(), "table", "tables"),
        count(view.views.len(), "view", "views"),
        count(view.indexes.len(), "index", "indexes"),
        count(view.types.len(), "type", "types"),
        count(view.functions.len(), "function", "functions")
    );
    out.push_str("<h2>Diagram</h2>\n<div class=\"diagram-box\">\n");
    out.push_str(&svg(view));
    out.push_str("</div>\n");
    if !view.unknown.is_empty() {
        out.push_str("<h2 class=\"unknown\">Not known to the model</h2>\n<ul class=\"unknown\">\n");
        for u in &view.unknown {
            let _ = writeln!(
                out,
                "<li>{}{}</li>",
                esc(&u.what),
                u.since
                    .as_ref()
                    .map(|s| format!(" (since <code>{}</code>)", esc(s)))
                    .unwrap_or_default()
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2>Tables</h2>\n");
    for t in &view.tables {
        let name = shown_opt(&t.schema, &t.name);
        let _ = writeln!(
            out,
            "<section class=\"table\" id=\"table-{0}\" data-table=\"{0}\"><h3>{0}</h3>",
            esc(&name)
        );
        out.push_str("<table><tr><th>column</th><th>type</th><th>null</th><th>default</th><th>made in</th></tr>\n");
        for c in &t.columns {
            let _ = writeln!(
                out,
                "<tr><td>{}{}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                if c.primary_key { "<b>PK</b> " } else { "" },
                esc(&c.name),
                esc(c.data_type.as_deref().unwrap_or("?")),
                match c.not_null {
                    Some(true) => "not null",
                    Some(false) => "null",
                    None => "?",
                },
                esc(c.default.as_deref().unwrap_or("")),
                esc(c.made_in.as_deref().unwrap_or(""))
            );
        }
        out.push_str("</table>\n");
        if !t.columns_complete {
            out.push_str("<p class=\"unknown\">It may have columns the model does not know.</p>\n");
        }
        if !t.constraints.is_empty() {
            out.push_str("<table><tr><th>constraint</th><th>definition</th></tr>\n");
            for k in &t.constraints {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td><code>{}</code></td></tr>",
                    esc(&k.name),
                    esc(k.definition.as_deref().unwrap_or("? (not known)"))
                );
            }
            out.push_str("</table>\n");
        }
        let _ = writeln!(
            out,
            "<p>History: {}</p></section>",
            t.history
                .iter()
                .map(|h| format!("<code>{}</code>", esc(h)))
                .collect::<Vec<_>>()
                .join(" &rarr; ")
        );
    }
    for (title, items) in [
        ("Views", &view.views),
        ("Indexes", &view.indexes),
        ("Types", &view.types),
        ("Functions", &view.functions),
    ] {
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<h2>{title}</h2>\n<ul>");
        for n in items {
            let _ = writeln!(
                out,
                "<li><b>{}</b> <code>{}</code></li>",
                esc(&shown_opt(&n.schema, &n.name)),
                esc(n.sql.as_deref().unwrap_or("definition not known"))
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body></html>\n");
    out
}
