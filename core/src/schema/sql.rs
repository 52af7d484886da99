//! The schema as SQL: one script of `CREATE` statements that makes, on an
//! empty database, what the migrations make (as far as the model knows
//! it), in an order that always applies: schemas, extensions, types and
//! functions (bodies not checked, as `pg_dump` does), sequences, tables
//! with their own keys and checks, indexes, then the foreign keys, views,
//! triggers and policies. Objects of a kind come by name, except types,
//! functions and views, which come in the order the migrations made them
//! (one may use another). What the model does not know is a comment.

use std::fmt::Write;

use super::name::quoted;
use super::view::{Named, SchemaView, Table};

fn qualified(schema: &Option<String>, name: &str) -> String {
    match schema {
        Some(s) => format!("{}.{}", quoted(s), quoted(name)),
        None => quoted(name),
    }
}

fn statement(out: &mut String, sql: &str) {
    let sql = sql.trim().trim_end_matches(';');
    let _ = writeln!(out, "{sql};");
}

/// The columns of `table` the script leaves out (made, but changed since
/// in a way the model does not follow).
fn left_out(view: &SchemaView, schema: &Option<String>, table: &str) -> Vec<String> {
    view.tables
        .iter()
        .filter(|t| t.schema == *schema && t.name == table)
        .flat_map(|t| &t.columns)
        .filter(|c| c.data_type.is_none() || c.not_null.is_none())
        .map(|c| c.name.clone())
        .collect()
}

/// Whether the script writes `n`: its statement is known, and (an index)
/// names no column the script leaves out of its table.
pub fn writes(view: &SchemaView, n: &Named) -> bool {
    let Some(sql) = &n.sql else { return false };
    match &n.table {
        Some(t) => !left_out(view, &n.schema, t)
            .iter()
            .any(|c| super::detail::mentions(sql, c)),
        None => true,
    }
}

fn named(out: &mut String, view: &SchemaView, items: &[Named]) {
    for n in items {
        match &n.sql {
            Some(sql) if writes(view, n) => statement(out, sql),
            Some(_) => {
                let _ = writeln!(
                    out,
                    "-- {} {}: made in {} on a column whose definition is not known",
                    n.kind,
                    qualified(&n.schema, &n.name),
                    n.history.first().map_or("?", String::as_str)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "-- {} {}: made in {}; its definition is not known",
                    n.kind,
                    qualified(&n.schema, &n.name),
                    n.history.first().map_or("?", String::as_str)
                );
            }
        }
    }
}

/// One table's `CREATE TABLE`, with its keys and checks (not its foreign
/// keys, which come after every table).
fn create_table(out: &mut String, t: &Table) {
    let mut lines = Vec::new();
    for c in &t.columns {
        let Some(ty) = &c.data_type else {
            lines.push(format!("    -- {}: its type is not known", quoted(&c.name)));
            continue;
        };
        if c.not_null.is_none() {
            // Made, but changed since in a way the model does not follow.
            lines.push(format!(
                "    -- {} {ty}: its default and NOT NULL are not known",
                quoted(&c.name)
            ));
            continue;
        }
        let mut line = format!("    {} {ty}", quoted(&c.name));
        match &c.default {
            Some(d) if d.starts_with("GENERATED") => {
                let _ = write!(line, " {d}");
            }
            Some(d) => {
                let _ = write!(line, " DEFAULT {d}");
            }
            None => {}
        }
        if c.not_null == Some(true) {
            line.push_str(" NOT NULL");
        }
        lines.push(line);
    }
    for k in &t.constraints {
        if k.kind == Some("foreign key") {
            continue;
        }
        match &k.definition {
            Some(d) => lines.push(format!("    CONSTRAINT {} {d}", quoted(&k.name))),
            None => lines.push(format!(
                "    -- constraint {}: its definition is not known",
                quoted(&k.name)
            )),
        }
    }
    if !t.columns_complete {
        lines.push("    -- and columns the model does not know".to_string());
    }
    if !t.constraints_complete {
        lines.push("    -- and constraints the model does not know".to_string());
    }
    // Commas between the definitions, none after a comment or the last.
    let last = lines
        .iter()
        .rposition(|l| !l.trim_start().starts_with("--"));
    let body: Vec<String> = lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            if Some(i) < last && !l.trim_start().starts_with("--") {
                format!("{l},")
            } else {
                l
            }
        })
        .collect();
    let _ = writeln!(
        out,
        "CREATE TABLE {} (\n{}\n);",
        qualified(&t.schema, &t.name),
        body.join("\n")
    );
}

/// The script.
///
/// ```
/// use sqlstrata_core::schema::{Model, objects::Origin, sql, view::SchemaView};
///
/// let mut model = Model::new();
/// let at = |line| Origin { file: "001_users.sql".into(), line };
/// model.replay("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)", at(2), &[], false);
/// let script = sql::script(&SchemaView::of(&model));
/// assert!(script.contains("CREATE TABLE users (\n    id bigint NOT NULL,\n    email text NOT NULL,\n    CONSTRAINT users_pkey PRIMARY KEY (id)\n);"));
/// ```
pub fn script(view: &SchemaView) -> String {
    let mut out = String::new();
    out.push_str("-- The schema the migrations make, written by `sqlstrata schema`.\n");
    out.push_str("SET check_function_bodies = false;\n");
    let section = |out: &mut String, title: &str| {
        let _ = write!(out, "\n-- {title}\n");
    };
    if !view.unknown.is_empty() {
        section(
            &mut out,
            "Not known to the model (nothing below guesses at it)",
        );
        for u in &view.unknown {
            let _ = writeln!(
                out,
                "--   {}{}",
                u.what,
                u.since
                    .as_ref()
                    .map(|s| format!(" (since {s})"))
                    .unwrap_or_default()
            );
        }
    }
    for (title, items) in [
        ("Schemas", &view.schemas),
        ("Extensions", &view.extensions),
        ("Types", &view.types),
        ("Functions", &view.functions),
        ("Sequences", &view.sequences),
    ] {
        if !items.is_empty() {
            section(&mut out, title);
            named(&mut out, view, items);
        }
    }
    if !view.tables.is_empty() {
        section(&mut out, "Tables");
        for t in &view.tables {
            create_table(&mut out, t);
        }
    }
    if !view.indexes.is_empty() {
        section(&mut out, "Indexes");
        named(&mut out, view, &view.indexes);
    }
    let fks: Vec<(&Table, &super::view::Constraint)> = view
        .tables
        .iter()
        .flat_map(|t| {
            t.constraints
                .iter()
                .filter(|k| k.kind == Some("foreign key"))
                .map(move |k| (t, k))
        })
        .collect();
    if !fks.is_empty() {
        section(&mut out, "Foreign keys");
        for (t, k) in fks {
            match &k.definition {
                Some(d) => {
                    let _ = writeln!(
                        out,
                        "ALTER TABLE {} ADD CONSTRAINT {} {d};",
                        qualified(&t.schema, &t.name),
                        quoted(&k.name)
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "-- foreign key {} on {}: its definition is not known",
                        quoted(&k.name),
                        qualified(&t.schema, &t.name)
                    );
                }
            }
        }
    }
    if !view.views.is_empty() {
        section(&mut out, "Views");
        named(&mut out, view, &view.views);
    }
    let parts: Vec<(&str, &Table, &super::view::Part)> = view
        .tables
        .iter()
        .flat_map(|t| {
            t.triggers
                .iter()
                .map(move |p| ("trigger", t, p))
                .chain(t.policies.iter().map(move |p| ("policy", t, p)))
        })
        .collect();
    if !parts.is_empty() {
        section(&mut out, "Triggers and policies");
        for (kind, t, p) in parts {
            match &p.sql {
                Some(sql) => statement(&mut out, sql),
                None => {
                    let _ = writeln!(
                        out,
                        "-- {kind} {} on {}: its definition is not known",
                        quoted(&p.name),
                        qualified(&t.schema, &t.name)
                    );
                }
            }
        }
    }
    out
}
