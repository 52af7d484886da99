//! The schema as SQL: one script of `CREATE` statements that makes, on an
//! empty database, what the migrations make (as far as the model knows
//! it), in an order that always applies: schemas, extensions, types and
//! functions (bodies not checked, as `pg_dump` does), sequences, tables
//! with their own keys and checks, indexes, then the foreign keys, views,
//! triggers and policies. Objects of a kind come by name, except types,
//! functions and views, which come in the order the migrations made them
//! (one may use another). What the model does not know is a comment.

use std::collections::HashSet;
use std::fmt::Write;

use super::name::quoted;
use super::view::{Column, Constraint, Named, Part, SchemaView, Table};

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

/// What the script writes: an object whose definition the model knows and
/// that names nothing the script cannot write (a relation, type or
/// function the model lost track of, a column it leaves out, a key a
/// foreign key needs). The one place that decides, for the script and for
/// the test that checks it against a server.
pub struct Script<'a> {
    view: &'a SchemaView,
    /// Names the script cannot write (their last part).
    unknown: HashSet<String>,
    /// Whether any function at all may be unknown.
    functions_unknown: bool,
}

/// The last part of `schema.name` (or of `name`), or of a `relations named
/// x*` prefix.
fn last_part(name: &str) -> String {
    name.rsplit('.')
        .next()
        .unwrap_or(name)
        .trim_end_matches('*')
        .to_string()
}

impl<'a> Script<'a> {
    /// The gate over `view`.
    pub fn new(view: &'a SchemaView) -> Script<'a> {
        let mut unknown = HashSet::new();
        let mut functions_unknown = false;
        for u in &view.unknown {
            let mut words = u.what.splitn(2, ' ');
            match (words.next(), words.next()) {
                (Some("functions" | "everything"), _) => functions_unknown = true,
                (Some("schema"), _) => functions_unknown = true,
                (Some("table"), _) => {}
                (Some(_), Some(name)) if !name.contains(':') => {
                    unknown.insert(last_part(name.trim_start_matches("named ")));
                }
                _ => {}
            }
        }
        // A partitioned table or a partition: not written, nor what names it.
        for t in view.tables.iter().filter(|t| t.partitioned) {
            unknown.insert(t.name.clone());
        }
        for n in view
            .types
            .iter()
            .chain(&view.functions)
            .chain(&view.sequences)
            .chain(&view.indexes)
            .chain(&view.views)
        {
            if n.sql.is_none() {
                unknown.insert(n.name.clone());
            }
        }
        let mut script = Script {
            view,
            unknown,
            functions_unknown,
        };
        // What names something unwritten is unwritten too, and what names
        // that: until nothing more drops out.
        loop {
            let more: Vec<String> = view
                .types
                .iter()
                .chain(&view.functions)
                .chain(&view.sequences)
                .chain(&view.views)
                .filter(|n| !script.unknown.contains(&n.name) && !script.named(n))
                .map(|n| n.name.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            script.unknown.extend(more);
        }
        script
    }

    fn names_unknown(&self, sql: &str) -> bool {
        self.unknown.iter().any(|n| super::detail::mentions(sql, n))
    }

    /// The columns of `table` the script leaves out.
    fn left_out(&self, schema: &Option<String>, table: &str) -> Vec<&'a str> {
        self.view
            .tables
            .iter()
            .filter(|t| t.schema == *schema && t.name == table)
            .flat_map(|t| &t.columns)
            .filter(|c| !self.column(c))
            .map(|c| c.name.as_str())
            .collect()
    }

    /// Whether the script writes the column.
    pub fn column(&self, c: &Column) -> bool {
        c.data_type.as_deref().is_some_and(|t| self.type_written(t))
            && c.not_null.is_some()
            && !c.default.as_deref().is_some_and(|d| self.names_unknown(d))
    }

    /// Whether the type a column is written with exists where the script
    /// runs: PostgreSQL's own, an extension's the script makes, or one the
    /// script writes.
    fn type_written(&self, ty: &str) -> bool {
        if self.names_unknown(ty) {
            return false;
        }
        let base = ty.split(['(', '[']).next().unwrap_or(ty).trim();
        // `timestamp with time zone`, `double precision`: the standard's
        // own, which no CREATE TYPE can name without quotes.
        if base.contains(' ') && !base.contains('"') {
            return true;
        }
        let name = base.rsplit('.').next().unwrap_or(base).trim_matches('"');
        let schema = base.rsplit_once('.').map(|(s, _)| s.trim_matches('"'));
        (schema.is_none() && super::builtin::is_grammar_type(name))
            || super::builtin::is_builtin(super::model::Space::Type, schema, name)
            || self
                .view
                .types
                .iter()
                .any(|t| t.name == name && self.named(t))
            || self.view.tables.iter().any(|t| t.name == name)
    }

    /// Whether the script writes the type, function, sequence, index or
    /// view `n`.
    pub fn named(&self, n: &Named) -> bool {
        let Some(sql) = &n.sql else { return false };
        if self.names_unknown_except(sql, &n.name) {
            return false;
        }
        match &n.table {
            Some(t) => !self
                .left_out(&n.schema, t)
                .iter()
                .any(|c| super::detail::mentions(sql, c)),
            None => true,
        }
    }

    fn names_unknown_except(&self, sql: &str, own: &str) -> bool {
        self.unknown
            .iter()
            .any(|n| n != own && super::detail::mentions(sql, n))
    }

    /// Whether the script writes the table `t` (its columns, constraints
    /// and parts each by their own gate): not a partitioned table or a
    /// partition, whose partitioning the model does not hold.
    pub fn table(&self, t: &Table) -> bool {
        !t.partitioned
    }

    /// Whether the script writes the constraint `k` of `t`.
    pub fn constraint(&self, t: &Table, k: &Constraint) -> bool {
        let Some(d) = &k.definition else { return false };
        if !self.table(t) {
            return false;
        }
        if self.names_unknown(d)
            || k.columns
                .iter()
                .any(|c| self.left_out(&t.schema, &t.name).contains(&c.as_str()))
        {
            return false;
        }
        if k.kind != Some("foreign key") {
            return true;
        }
        // The key it refers to must be written.
        let Some(parent) = k.references.as_deref().and_then(|r| self.view.table(r)) else {
            return false;
        };
        parent.constraints.iter().any(|p| {
            matches!(p.kind, Some("primary key" | "unique"))
                && (p.columns == k.referred_columns
                    || (k.referred_columns.is_empty() && p.kind == Some("primary key")))
                && self.constraint(parent, p)
        })
    }

    /// Whether the script writes the trigger or policy `p` of `t`.
    pub fn part(&self, t: &Table, p: &Part) -> bool {
        let Some(sql) = &p.sql else { return false };
        if !self.table(t) {
            return false;
        }
        let left = self.left_out(&t.schema, &t.name);
        !self.names_unknown(sql)
            && !left.iter().any(|c| super::detail::mentions(sql, c))
            && (!self.functions_unknown
                || !super::detail::mentions(sql, "execute")
                || self
                    .view
                    .functions
                    .iter()
                    .any(|f| self.named(f) && super::detail::mentions(sql, &f.name)))
    }
}

/// `items` in an order where each comes after those its statement names
/// (a function whose body calls another, a view over another view), the
/// given order kept otherwise (and where they name each other in a ring).
fn in_dependency_order(items: &[Named]) -> Vec<&Named> {
    let mut out: Vec<&Named> = Vec::with_capacity(items.len());
    let mut placed = vec![false; items.len()];
    // What each names, worked out once.
    let deps: Vec<Vec<usize>> = items
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let sql = n.sql.as_deref().unwrap_or("");
            (0..items.len())
                .filter(|j| *j != i && super::detail::mentions(sql, &items[*j].name))
                .collect()
        })
        .collect();
    while out.len() < items.len() {
        // The first not yet placed whose every dependency is placed; in a
        // ring, the first not yet placed.
        let next = (0..items.len())
            .filter(|i| !placed[*i])
            .find(|i| deps[*i].iter().all(|j| placed[*j]))
            .or_else(|| (0..items.len()).find(|i| !placed[*i]));
        let Some(i) = next else { break };
        placed[i] = true;
        out.push(&items[i]);
    }
    out
}

fn named(out: &mut String, script: &Script<'_>, items: &[Named]) {
    for n in in_dependency_order(items) {
        match &n.sql {
            Some(sql) if script.named(n) => statement(out, sql),
            Some(_) => {
                let _ = writeln!(
                    out,
                    "-- {} {}: made in {}, on something this script cannot make",
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

/// Whether a constraint is added after every table: a foreign key (its
/// table may come later), or one added `NOT VALID` (which only `ALTER
/// TABLE` keeps).
fn after_tables(k: &Constraint) -> bool {
    k.kind == Some("foreign key")
        || k.definition
            .as_deref()
            .is_some_and(|d| d.ends_with(" NOT VALID"))
}

/// One table's `CREATE TABLE`, with its keys and checks (not its foreign
/// keys, which come after every table).
fn create_table(out: &mut String, script: &Script<'_>, t: &Table) {
    let mut lines = Vec::new();
    for c in &t.columns {
        let Some(ty) = &c.data_type else {
            lines.push(format!("    -- {}: its type is not known", quoted(&c.name)));
            continue;
        };
        if !script.column(c) {
            // Made, but changed since in a way the model does not follow.
            lines.push(format!(
                "    -- {} {ty}: its default or NOT NULL is not known, or names what this script cannot make",
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
        if after_tables(k) {
            continue;
        }
        match &k.definition {
            Some(d) if script.constraint(t, k) => {
                lines.push(format!("    CONSTRAINT {} {d}", quoted(&k.name)))
            }
            _ => lines.push(format!(
                "    -- constraint {}: its definition is not known, or names what this script cannot make",
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
    let script = Script::new(view);
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
            named(&mut out, &script, items);
        }
    }
    if !view.tables.is_empty() {
        section(&mut out, "Tables");
        for t in &view.tables {
            if script.table(t) {
                create_table(&mut out, &script, t);
            } else {
                let _ = writeln!(
                    out,
                    "-- table {}: partitioned, or a partition; how is not known\n",
                    qualified(&t.schema, &t.name)
                );
            }
        }
    }
    if !view.indexes.is_empty() {
        section(&mut out, "Indexes");
        named(&mut out, &script, &view.indexes);
    }
    let fks: Vec<(&Table, &super::view::Constraint)> = view
        .tables
        .iter()
        .flat_map(|t| {
            t.constraints
                .iter()
                .filter(|k| after_tables(k))
                .map(move |k| (t, k))
        })
        .collect();
    if !fks.is_empty() {
        section(&mut out, "Foreign keys (and constraints added NOT VALID)");
        for (t, k) in fks {
            match &k.definition {
                Some(d) if script.constraint(t, k) => {
                    let _ = writeln!(
                        out,
                        "ALTER TABLE {} ADD CONSTRAINT {} {d};",
                        qualified(&t.schema, &t.name),
                        quoted(&k.name)
                    );
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "-- constraint {} on {}: its definition is not known, or it refers to what this script cannot make",
                        quoted(&k.name),
                        qualified(&t.schema, &t.name)
                    );
                }
            }
        }
    }
    if !view.views.is_empty() {
        section(&mut out, "Views");
        named(&mut out, &script, &view.views);
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
                Some(sql) if script.part(t, p) => statement(&mut out, sql),
                _ => {
                    let _ = writeln!(
                        out,
                        "-- {kind} {} on {}: its definition is not known, or it names what this script cannot make",
                        quoted(&p.name),
                        qualified(&t.schema, &t.name)
                    );
                }
            }
        }
    }
    out
}
