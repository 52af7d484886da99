//! The schema as a diagram: tables with their columns and types, primary
//! keys marked, foreign keys as edges. Mermaid (`erDiagram`, which GitHub
//! renders in Markdown), Graphviz, and an SVG of our own for the HTML page
//! (no renderer to bundle: boxes in columns, each table right of every
//! table it refers to).

use std::collections::BTreeMap;
use std::fmt::Write;

use sqlstrata_core::schema::view::{SchemaView, Table, shown_opt};

/// Mermaid's entity name: letters, digits, `_` and `-`.
fn entity(t: &Table) -> String {
    shown_opt(&t.schema, &t.name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A type as one Mermaid word.
fn word(ty: &str) -> String {
    let w: String = ty
        .chars()
        .map(|c| match c {
            ' ' | ',' | '.' | '"' => '_',
            c => c,
        })
        .collect();
    if w.is_empty() { "unknown".into() } else { w }
}

/// Every foreign key: (child, parent, its columns), parents the view holds.
fn edges(view: &SchemaView) -> Vec<(&Table, &Table, String)> {
    let mut out = Vec::new();
    for t in &view.tables {
        for k in &t.constraints {
            if let Some(parent) = k.references.as_deref().and_then(|r| view.table(r)) {
                out.push((t, parent, k.columns.join(", ")));
            }
        }
    }
    out
}

/// The Mermaid `erDiagram`.
///
/// Each table is an entity with its columns (`type name PK`), each foreign
/// key an edge from the table it refers to (`||`) to its table (`o{`),
/// labelled with its columns.
pub fn mermaid(view: &SchemaView) -> String {
    let mut out = String::from("erDiagram\n");
    for t in &view.tables {
        let _ = writeln!(out, "    {} {{", entity(t));
        for c in &t.columns {
            let fk = t
                .constraints
                .iter()
                .any(|k| k.kind == Some("foreign key") && k.columns.contains(&c.name));
            let keys: Vec<&str> = [(c.primary_key, "PK"), (fk, "FK")]
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, k)| *k)
                .collect();
            let _ = writeln!(
                out,
                "        {} {}{}",
                word(c.data_type.as_deref().unwrap_or("unknown")),
                word(&c.name),
                if keys.is_empty() {
                    String::new()
                } else {
                    format!(" {}", keys.join(", "))
                }
            );
        }
        let _ = writeln!(out, "    }}");
    }
    for (child, parent, cols) in edges(view) {
        let _ = writeln!(
            out,
            "    {} ||--o{{ {} : \"{}\"",
            entity(parent),
            entity(child),
            cols.replace('"', "'")
        );
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A Graphviz ID in double quotes.
fn dot_id(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The Graphviz digraph: each table a record of its columns, each foreign
/// key an edge to the table it refers to.
pub fn dot(view: &SchemaView) -> String {
    let mut out = String::from(
        "digraph schema {\n    rankdir=LR;\n    node [shape=plaintext, fontname=\"Helvetica\"];\n",
    );
    for t in &view.tables {
        let mut rows = format!(
            "<tr><td bgcolor=\"#dde4ee\"><b>{}</b></td><td bgcolor=\"#dde4ee\"></td></tr>",
            html_escape(&shown_opt(&t.schema, &t.name))
        );
        for c in &t.columns {
            let _ = write!(
                rows,
                "<tr><td align=\"left\" port=\"{0}\">{1}{0}</td><td align=\"left\">{2}</td></tr>",
                html_escape(&c.name),
                if c.primary_key { "<b>PK</b> " } else { "" },
                html_escape(c.data_type.as_deref().unwrap_or("?"))
            );
        }
        let _ = writeln!(
            out,
            "    {} [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\">{rows}</table>>];",
            dot_id(&shown_opt(&t.schema, &t.name))
        );
    }
    for (child, parent, cols) in edges(view) {
        let _ = writeln!(
            out,
            "    {} -> {} [label={}];",
            dot_id(&shown_opt(&child.schema, &child.name)),
            dot_id(&shown_opt(&parent.schema, &parent.name)),
            dot_id(&cols)
        );
    }
    out.push_str("}\n");
    out
}

const WIDTH: u32 = 260;
const GAP: u32 = 90;
const ROW: u32 = 18;
const HEAD: u32 = 26;

/// The diagram as SVG: one `<g class="node">` per table, one `<path
/// class="edge">` per foreign key.
pub fn svg(view: &SchemaView) -> String {
    // Each table's column: one more than the deepest it refers to.
    let names: Vec<String> = view
        .tables
        .iter()
        .map(|t| shown_opt(&t.schema, &t.name))
        .collect();
    let edges = edges(view);
    let mut level: BTreeMap<&str, u32> = names.iter().map(|n| (n.as_str(), 0)).collect();
    for _ in 0..names.len() {
        let mut changed = false;
        for (child, parent, _) in &edges {
            let (c, p) = (
                shown_opt(&child.schema, &child.name),
                shown_opt(&parent.schema, &parent.name),
            );
            if c == p {
                continue;
            }
            let want = level.get(p.as_str()).copied().unwrap_or(0) + 1;
            if let Some(l) = names
                .iter()
                .find(|n| **n == c)
                .and_then(|n| level.get_mut(n.as_str()))
                && *l < want
                && want < names.len() as u32
            {
                *l = want;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Places: columns left to right, tables down each.
    let mut heights: BTreeMap<u32, u32> = BTreeMap::new();
    let mut place: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
    for (t, name) in view.tables.iter().zip(&names) {
        let l = level.get(name.as_str()).copied().unwrap_or(0);
        let y = heights.entry(l).or_insert(20);
        let h = HEAD + ROW * t.columns.len().max(1) as u32 + 8;
        place.insert(name.clone(), (20 + l * (WIDTH + GAP), *y, h));
        *y += h + 30;
    }
    let width = 20 + (level.values().max().copied().unwrap_or(0) + 1) * (WIDTH + GAP);
    let height = heights.values().max().copied().unwrap_or(40) + 20;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"diagram\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
    );
    out.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#56657a\"/></marker></defs>\n");
    for (child, parent, cols) in &edges {
        let (Some(&(cx, cy, _)), Some(&(px, py, _))) = (
            place.get(&shown_opt(&child.schema, &child.name)),
            place.get(&shown_opt(&parent.schema, &parent.name)),
        ) else {
            continue;
        };
        let row = child
            .columns
            .iter()
            .position(|c| cols.split(", ").next() == Some(c.name.as_str()))
            .unwrap_or(0) as u32;
        let (sx, sy) = (cx, cy + HEAD + ROW * row + ROW / 2);
        let (ex, ey) = (px + WIDTH, py + HEAD / 2);
        let d = if cx == px {
            // A table referring to itself or one in its column: a loop on the right.
            format!(
                "M {} {sy} C {} {sy}, {} {ey}, {ex} {ey}",
                cx + WIDTH,
                cx + WIDTH + 50,
                ex + 50
            )
        } else {
            let mid = (sx + ex) / 2;
            format!("M {sx} {sy} C {mid} {sy}, {mid} {ey}, {ex} {ey}")
        };
        let _ = writeln!(
            out,
            "<path class=\"edge\" data-from=\"{}\" data-to=\"{}\" d=\"{d}\" fill=\"none\" stroke=\"#56657a\" stroke-width=\"1.2\" marker-end=\"url(#arrow)\"><title>{}</title></path>",
            html_escape(&shown_opt(&child.schema, &child.name)),
            html_escape(&shown_opt(&parent.schema, &parent.name)),
            html_escape(cols)
        );
    }
    for (t, name) in view.tables.iter().zip(&names) {
        let Some(&(x, y, h)) = place.get(name) else {
            continue;
        };
        let _ = writeln!(
            out,
            "<g class=\"node\" data-table=\"{0}\"><rect x=\"{x}\" y=\"{y}\" width=\"{WIDTH}\" height=\"{h}\" rx=\"4\" fill=\"#ffffff\" stroke=\"#56657a\"/><rect x=\"{x}\" y=\"{y}\" width=\"{WIDTH}\" height=\"{HEAD}\" rx=\"4\" fill=\"#dde4ee\" stroke=\"#56657a\"/><text x=\"{1}\" y=\"{2}\" font-weight=\"bold\">{0}</text>",
            html_escape(name),
            x + 8,
            y + 17
        );
        for (i, c) in t.columns.iter().enumerate() {
            let ty: String = c
                .data_type
                .as_deref()
                .unwrap_or("?")
                .chars()
                .take(22)
                .collect();
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\">{}{}</text><text x=\"{}\" y=\"{}\" fill=\"#56657a\" text-anchor=\"end\">{}</text>",
                x + 8,
                y + HEAD + ROW * i as u32 + 13,
                if c.primary_key {
                    "<tspan font-weight=\"bold\" fill=\"#8a4b00\">PK </tspan>"
                } else {
                    ""
                },
                html_escape(&c.name),
                x + WIDTH - 8,
                y + HEAD + ROW * i as u32 + 13,
                html_escape(&ty)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}
