//! What the migrations between two versions change, object by object:
//! the review view of a pull request (`sqlstrata schema --diff A..B`).
//!
//! A renamed table is told by its history (the model moves a table's
//! history with its name), a renamed column by its place among its
//! table's columns (each column keeps the place it was made at).

use serde::Serialize;

use super::view::{Named, SchemaView, Table, shown_opt};

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `added`, `dropped`, `renamed`, `altered`.
    pub change: &'static str,
    /// What kind of object: `table`, `column`, `constraint`, `index`, ...
    pub kind: &'static str,
    /// The object (`table`, `table.column`, `constraint on table`).
    pub name: String,
    /// For `renamed`: its name before; for `altered`: what it was.
    pub before: Option<String>,
    /// For `altered`: what it is.
    pub after: Option<String>,
}

fn change(
    change: &'static str,
    kind: &'static str,
    name: String,
    before: Option<String>,
    after: Option<String>,
) -> Change {
    Change {
        change,
        kind,
        name,
        before,
        after,
    }
}

/// The changes from `a` to `b`.
///
/// ```
/// use sqlstrata_core::schema::{Model, diff, objects::Origin, view::SchemaView};
///
/// let mut model = Model::new();
/// let at = |line| Origin { file: "001_users.sql".into(), line };
/// model.replay("CREATE TABLE users (id bigint, name text)", at(2), &[], false);
/// let a = SchemaView::of(&model);
/// model.replay("ALTER TABLE users RENAME COLUMN name TO full_name", at(5), &[], false);
/// model.replay("ALTER TABLE users ALTER COLUMN id TYPE integer", at(6), &[], false);
/// let changes = diff::changes(&a, &SchemaView::of(&model));
/// // Column by column, in the table's order: `id`, then `name`.
/// assert_eq!(changes[0].change, "altered");
/// assert_eq!(changes[0].name, "users.id");
/// assert_eq!(changes[0].after.as_deref(), Some("integer"));
/// assert_eq!(changes[1].change, "renamed");
/// assert_eq!(changes[1].name, "users.full_name");
/// assert_eq!(changes[1].before.as_deref(), Some("name"));
/// ```
pub fn changes(a: &SchemaView, b: &SchemaView) -> Vec<Change> {
    let mut out = Vec::new();
    // Tables: by name, then renames by their first statement.
    let mut gone: Vec<&Table> = Vec::new();
    let mut new: Vec<&Table> = Vec::new();
    for t in &a.tables {
        match b.table(&shown_opt(&t.schema, &t.name)) {
            Some(u) => table(t, u, &mut out),
            None => gone.push(t),
        }
    }
    for u in &b.tables {
        if a.table(&shown_opt(&u.schema, &u.name)).is_none() {
            new.push(u);
        }
    }
    for t in gone {
        let renamed = new
            .iter()
            .position(|u| !u.history.is_empty() && u.history.first() == t.history.first());
        match renamed {
            Some(i) => {
                let u = new.remove(i);
                out.push(change(
                    "renamed",
                    "table",
                    shown_opt(&u.schema, &u.name),
                    Some(shown_opt(&t.schema, &t.name)),
                    None,
                ));
                table(t, u, &mut out);
            }
            None => out.push(change(
                "dropped",
                "table",
                shown_opt(&t.schema, &t.name),
                None,
                None,
            )),
        }
    }
    for u in new {
        out.push(change(
            "added",
            "table",
            shown_opt(&u.schema, &u.name),
            None,
            None,
        ));
    }
    for (kind, xs, ys) in [
        ("schema", &a.schemas, &b.schemas),
        ("extension", &a.extensions, &b.extensions),
        ("type", &a.types, &b.types),
        ("function", &a.functions, &b.functions),
        ("sequence", &a.sequences, &b.sequences),
        ("index", &a.indexes, &b.indexes),
        ("view", &a.views, &b.views),
    ] {
        named(kind, xs, ys, &mut out);
    }
    out
}

fn named(kind: &'static str, a: &[Named], b: &[Named], out: &mut Vec<Change>) {
    let key = |n: &Named| shown_opt(&n.schema, &n.name);
    for x in a {
        match b.iter().find(|y| key(y) == key(x)) {
            None => out.push(change("dropped", kind, key(x), None, None)),
            Some(y) if x.sql != y.sql => out.push(change(
                "altered",
                kind,
                key(x),
                x.sql.clone(),
                y.sql.clone(),
            )),
            Some(_) => {}
        }
    }
    for y in b {
        if !a.iter().any(|x| key(x) == key(y)) {
            out.push(change("added", kind, key(y), None, y.sql.clone()));
        }
    }
}

/// The changes to one table (`t` before, `u` after).
fn table(t: &Table, u: &Table, out: &mut Vec<Change>) {
    let name = shown_opt(&u.schema, &u.name);
    for c in &t.columns {
        let now = u.columns.iter().find(|d| d.name == c.name).or_else(|| {
            // Renamed: the column made at the same statement and place.
            u.columns.iter().find(|d| {
                d.made_in.is_some()
                    && !t.columns.iter().any(|e| e.name == d.name)
                    && same_place(t, &c.name, u, &d.name)
            })
        });
        let Some(d) = now else {
            out.push(change(
                "dropped",
                "column",
                format!("{name}.{}", c.name),
                None,
                None,
            ));
            continue;
        };
        if d.name != c.name {
            out.push(change(
                "renamed",
                "column",
                format!("{name}.{}", d.name),
                Some(c.name.clone()),
                None,
            ));
        }
        let full = format!("{name}.{}", d.name);
        if c.data_type != d.data_type {
            out.push(change(
                "altered",
                "column",
                full.clone(),
                c.data_type.clone(),
                d.data_type.clone(),
            ));
        }
        if c.not_null != d.not_null && c.not_null.is_some() && d.not_null.is_some() {
            let nn =
                |v: Option<bool>| Some(if v == Some(true) { "NOT NULL" } else { "NULL" }.into());
            out.push(change(
                "altered",
                "column",
                full.clone(),
                nn(c.not_null),
                nn(d.not_null),
            ));
        }
        if c.default != d.default {
            let shown = |v: &Option<String>| {
                Some(
                    v.clone()
                        .map_or("no default".into(), |v| format!("DEFAULT {v}")),
                )
            };
            out.push(change(
                "altered",
                "column",
                full,
                shown(&c.default),
                shown(&d.default),
            ));
        }
    }
    for d in &u.columns {
        let known = t.columns.iter().any(|c| c.name == d.name)
            || t.columns.iter().any(|c| {
                !u.columns.iter().any(|e| e.name == c.name) && same_place(t, &c.name, u, &d.name)
            });
        if !known {
            out.push(change(
                "added",
                "column",
                format!("{name}.{}", d.name),
                None,
                d.data_type.clone(),
            ));
        }
    }
    for k in &t.constraints {
        match u.constraints.iter().find(|l| l.name == k.name) {
            None => out.push(change(
                "dropped",
                "constraint",
                format!("{} on {name}", k.name),
                k.definition.clone(),
                None,
            )),
            Some(l) if l.definition != k.definition => out.push(change(
                "altered",
                "constraint",
                format!("{} on {name}", k.name),
                k.definition.clone(),
                l.definition.clone(),
            )),
            Some(_) => {}
        }
    }
    for l in &u.constraints {
        if !t.constraints.iter().any(|k| k.name == l.name) {
            out.push(change(
                "added",
                "constraint",
                format!("{} on {name}", l.name),
                None,
                l.definition.clone(),
            ));
        }
    }
}

/// Whether column `a` of `t` and column `b` of `u` hold the same place (the
/// model keeps a column's place through a rename).
fn same_place(t: &Table, a: &str, u: &Table, b: &str) -> bool {
    match (
        t.columns.iter().find(|c| c.name == a),
        u.columns.iter().find(|c| c.name == b),
    ) {
        (Some(x), Some(y)) => x.position.is_some() && x.position == y.position,
        _ => false,
    }
}
