//! The schema the migrations make, as data to show: every object the model
//! knows, with what defines it and the migrations that made and changed
//! it, and what it does not know, said as such (never guessed). This is
//! what `sqlstrata schema` prints, in each of its formats.

use serde::Serialize;

use super::model::{DEFAULT, Model};
use super::objects::{ConstraintKind, Entry, Origin, Parts, RelKind, Relation, State};

/// The whole schema at one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SchemaView {
    /// The schemas the migrations made (not `public`).
    pub schemas: Vec<Named>,
    /// Extensions.
    pub extensions: Vec<Named>,
    /// Types: enums, composites, domains.
    pub types: Vec<Named>,
    /// Functions and procedures (each name with all its overloads).
    pub functions: Vec<Named>,
    /// Sequences made on their own (not those `serial` and identity
    /// columns own, which come with their table).
    pub sequences: Vec<Named>,
    /// Tables.
    pub tables: Vec<Table>,
    /// Indexes that are not a constraint's.
    pub indexes: Vec<Named>,
    /// Views and materialized views.
    pub views: Vec<Named>,
    /// What the model does not know, and the statement that made it so.
    pub unknown: Vec<Unknown>,
}

/// An object shown by its name and the statement that defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    /// Its schema (`None`: the connection's own, unqualified in the SQL).
    pub schema: Option<String>,
    /// Its name.
    pub name: String,
    /// What it is: `schema`, `extension`, `type`, `function`, `sequence`,
    /// `index`, `view`, `materialized view`.
    pub kind: &'static str,
    /// For an index: its table.
    pub table: Option<String>,
    /// The statements that define it as it stands (`None`: not known, e.g.
    /// changed since in a way the model does not follow).
    pub sql: Option<String>,
    /// For a view: its columns, when known.
    pub columns: Option<Vec<String>>,
    /// The statements that made and changed it (`file:line`), oldest first.
    pub history: Vec<String>,
    /// The last of them: where it last changed.
    pub last_changed: Option<String>,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    /// Its schema (`None`: the connection's own).
    pub schema: Option<String>,
    /// Its name.
    pub name: String,
    /// Its columns, in the order they were made.
    pub columns: Vec<Column>,
    /// Whether those are all its columns.
    pub columns_complete: bool,
    /// Made partitioned or as a partition: what partitions it is not
    /// held, so the SQL script does not write it.
    pub partitioned: bool,
    /// Its constraints (primary key, unique, foreign keys, checks).
    pub constraints: Vec<Constraint>,
    /// Whether those are all its constraints.
    pub constraints_complete: bool,
    /// Its triggers.
    pub triggers: Vec<Part>,
    /// Its policies.
    pub policies: Vec<Part>,
    /// The statements that made and changed it (`file:line`), oldest first.
    pub history: Vec<String>,
    /// The last of them: where it last changed.
    pub last_changed: Option<String>,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its type as the SQL wrote it (`None`: not known).
    #[serde(rename = "type")]
    pub data_type: Option<String>,
    /// `NOT NULL` (`None`: not known).
    pub not_null: Option<bool>,
    /// Its default (or `GENERATED ...` clause), as SQL.
    pub default: Option<String>,
    /// Whether it is (part of) the primary key.
    pub primary_key: bool,
    /// Where it was made (`file:line`).
    pub made_in: Option<String>,
    /// Its place among the table's columns as made (kept through a
    /// rename; `None`: not known).
    #[serde(skip)]
    pub position: Option<u32>,
}

/// A constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Constraint {
    /// Its name.
    pub name: String,
    /// `primary key`, `unique`, `foreign key`, `check` (`None`: not known).
    pub kind: Option<&'static str>,
    /// The columns it is on.
    pub columns: Vec<String>,
    /// A foreign key: the table it refers to (`schema.table` or `table`).
    pub references: Option<String>,
    /// A foreign key: the columns it refers to (empty: the primary key).
    pub referred_columns: Vec<String>,
    /// Its definition as SQL (`None`: not known).
    pub definition: Option<String>,
    /// Where it was made (`file:line`).
    pub made_in: Option<String>,
}

/// A trigger or a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    /// Its name.
    pub name: String,
    /// The statement that made it (`None`: not known).
    pub sql: Option<String>,
}

/// Something the model does not know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unknown {
    /// What: `everything`, `schema x`, `functions`, `relation x`,
    /// `relations named x*`, `table x: its columns`, ...
    pub what: String,
    /// The statement that made it unknown (`file:line`), when known.
    pub since: Option<String>,
}

fn schema_of(s: &str) -> Option<String> {
    (s != DEFAULT).then(|| s.to_string())
}

fn history(h: &[Origin]) -> Vec<String> {
    h.iter().map(ToString::to_string).collect()
}

fn made(e: &Entry) -> Option<String> {
    e.origin.as_ref().map(ToString::to_string)
}

fn present(p: &Parts) -> impl Iterator<Item = (&String, &Entry)> {
    p.names.iter().filter(|(_, e)| e.state == State::Present)
}

impl SchemaView {
    /// What `model` holds.
    ///
    /// ```
    /// use sqlstrata_core::schema::{Model, objects::Origin, view::SchemaView};
    ///
    /// let mut model = Model::new();
    /// let at = |line| Origin { file: "001_users.sql".into(), line };
    /// model.replay("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)", at(2), &[], false);
    /// let view = SchemaView::of(&model);
    /// assert_eq!(view.tables[0].name, "users");
    /// assert_eq!(view.tables[0].columns[1].not_null, Some(true));
    /// ```
    pub fn of(model: &Model) -> SchemaView {
        let mut view = SchemaView::default();
        for (name, e) in &model.extensions {
            if e.state == State::Present {
                view.extensions.push(Named {
                    schema: None,
                    name: name.clone(),
                    kind: "extension",
                    table: None,
                    // Its objects come with it, wherever it was read from.
                    sql: Some(e.sql.as_deref().map_or_else(
                        || {
                            format!(
                                "CREATE EXTENSION IF NOT EXISTS {}",
                                super::name::quoted(name)
                            )
                        },
                        str::to_string,
                    )),
                    columns: None,
                    history: made(e).into_iter().collect(),
                    last_changed: made(e),
                });
            }
        }
        for (s, ns) in &model.schemas {
            if super::builtin::is_builtin_schema(s) {
                continue;
            }
            // A schema the model lost track of still holds what was made
            // in it since: it is there.
            let holds = ns
                .relations
                .values()
                .any(|r| r.entry.state == State::Present)
                || ns.types.values().any(|e| e.state == State::Present)
                || ns.functions.values().any(|e| e.state == State::Present);
            if s != DEFAULT
                && s != "public"
                && (ns.entry.state == State::Present || ns.entry.state == State::Unknown && holds)
            {
                view.schemas.push(Named {
                    schema: None,
                    name: s.clone(),
                    kind: "schema",
                    table: None,
                    sql: Some(format!("CREATE SCHEMA {}", super::name::quoted(s))),
                    columns: None,
                    history: made(&ns.entry).into_iter().collect(),
                    last_changed: made(&ns.entry),
                });
            }
            for (n, e) in &ns.types {
                // A composite's row type is its relation's.
                if e.state == State::Present && e.origin.is_some() {
                    view.types.push(named(s, n, "type", e));
                }
            }
            for (n, e) in &ns.functions {
                if e.state == State::Present && e.origin.is_some() {
                    view.functions.push(named(s, n, "function", e));
                }
            }
            for (n, r) in &ns.relations {
                // What the model let go of is in `forgotten`.
                if r.entry.state != State::Present || r.entry.origin.is_none() {
                    continue;
                }
                match r.kind {
                    RelKind::Table => view.tables.push(table(s, n, r)),
                    RelKind::Index if !is_constraint_index(model, s, n, r) => {
                        let mut x = relation_named(s, n, "index", r);
                        x.table = r.owner.clone();
                        view.indexes.push(x);
                    }
                    RelKind::Index => {}
                    RelKind::Sequence if r.sql.is_some() || r.owner.is_none() => {
                        view.sequences.push(relation_named(s, n, "sequence", r))
                    }
                    RelKind::Sequence => {}
                    RelKind::View | RelKind::MaterializedView => {
                        let mut x = relation_named(s, n, r.kind.noun(), r);
                        x.columns = r
                            .columns
                            .complete
                            .then(|| present(&r.columns).map(|(c, _)| c.clone()).collect());
                        view.views.push(x);
                    }
                    RelKind::Composite => {}
                    RelKind::Other => view.unknown.push(Unknown {
                        what: format!("relation {}: its kind", shown(s, n)),
                        since: r.history.last().map(ToString::to_string),
                    }),
                }
            }
        }
        for (what, at) in &model.forgotten {
            view.unknown.push(Unknown {
                what: what.clone(),
                since: Some(at.to_string()),
            });
        }
        // A table the model knows only in part (what made it so is among
        // the above, or a change the model does not follow: its history
        // says where it last changed).
        for t in &view.tables {
            let last = t
                .history
                .last()
                .map(|h| format!(" (last changed at {h})"))
                .unwrap_or_default();
            let name = shown_opt(&t.schema, &t.name);
            if !t.columns_complete
                || t.columns
                    .iter()
                    .any(|c| c.data_type.is_none() || c.not_null.is_none())
            {
                view.unknown.push(Unknown {
                    what: format!("table {name}: some of its columns{last}"),
                    since: None,
                });
            }
            if !t.constraints_complete || t.constraints.iter().any(|c| c.definition.is_none()) {
                view.unknown.push(Unknown {
                    what: format!("table {name}: some of its constraints{last}"),
                    since: None,
                });
            }
        }
        // Views in the order they were made (one may read another), the
        // rest by name.
        view.views.sort_by_key(|n| made_order(&n.history));
        view.types.sort_by_key(|n| made_order(&n.history));
        view.functions.sort_by_key(|n| made_order(&n.history));
        view
    }

    /// The table named `name` (`schema.name` or `name`).
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| shown_opt(&t.schema, &t.name) == name)
    }
}

/// The order the first of `h` ran in: its file's version (a repeatable's
/// after every one), its name, its line.
fn made_order(h: &[String]) -> (u128, String, u32) {
    h.first()
        .and_then(|o| o.rsplit_once(':'))
        .map(|(f, l)| {
            let digits: String = f.chars().take_while(char::is_ascii_digit).collect();
            (
                digits.parse().unwrap_or(u128::MAX),
                f.to_string(),
                l.parse().unwrap_or(0),
            )
        })
        .unwrap_or_default()
}

/// `schema.name`, or `name` in the connection's own schema.
pub fn shown(schema: &str, name: &str) -> String {
    if schema == DEFAULT {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    }
}

/// [`shown`] of an optional schema.
pub fn shown_opt(schema: &Option<String>, name: &str) -> String {
    shown(schema.as_deref().unwrap_or(DEFAULT), name)
}

fn named(schema: &str, name: &str, kind: &'static str, e: &Entry) -> Named {
    Named {
        schema: schema_of(schema),
        name: name.to_string(),
        kind,
        table: None,
        sql: e.sql.as_deref().map(str::to_string),
        columns: None,
        history: made(e).into_iter().collect(),
        last_changed: made(e),
    }
}

fn relation_named(schema: &str, name: &str, kind: &'static str, r: &Relation) -> Named {
    Named {
        schema: schema_of(schema),
        name: name.to_string(),
        kind,
        table: None,
        sql: r.sql.clone(),
        columns: None,
        history: history(&r.history),
        last_changed: r.history.last().map(ToString::to_string),
    }
}

/// Whether the index is a primary key's or a unique constraint's (it
/// comes with the constraint).
fn is_constraint_index(model: &Model, schema: &str, name: &str, r: &Relation) -> bool {
    let Some(owner) = &r.owner else { return false };
    model
        .relation(schema, owner)
        .is_some_and(|t| t.constraints.names.contains_key(name))
        || r.sql.is_none()
}

fn table(schema: &str, name: &str, r: &Relation) -> Table {
    let pk: Vec<String> = r
        .constraints
        .names
        .iter()
        .filter(|(_, e)| e.state == State::Present)
        .filter_map(|(n, _)| r.constraints.details.get(n))
        .filter(|d| d.kind == Some(ConstraintKind::PrimaryKey))
        .flat_map(|d| d.columns.clone())
        .collect();
    let mut columns: Vec<(u32, Column)> = present(&r.columns)
        .map(|(c, e)| {
            let d = r.columns.details.get(c);
            (
                d.map_or(u32::MAX, |d| d.position),
                Column {
                    name: c.clone(),
                    // A serial whose default was changed is its plain type.
                    data_type: r.columns.types.get(c).map(|t| {
                        match (super::detail::serial_base(t), d.map(|d| d.serial)) {
                            (Some(base), Some(false)) => base.to_string(),
                            _ => t.clone(),
                        }
                    }),
                    not_null: d.map(|d| d.not_null),
                    default: d.and_then(|d| d.default.clone()),
                    primary_key: pk.contains(c),
                    made_in: made(e),
                    position: d.map(|d| d.position),
                },
            )
        })
        .collect();
    columns.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
    let all_columns_known = columns.iter().all(|(p, _)| *p != u32::MAX);
    let constraints = present(&r.constraints)
        .map(|(n, e)| {
            let d = r.constraints.details.get(n);
            let kind = d.and_then(|d| d.kind).map(|k| match k {
                ConstraintKind::PrimaryKey => "primary key",
                ConstraintKind::Unique => "unique",
                ConstraintKind::ForeignKey => "foreign key",
                ConstraintKind::Check => "check",
            });
            let references = d.and_then(|d| d.references.as_ref());
            Constraint {
                name: n.clone(),
                kind,
                columns: d.map(|d| d.columns.clone()).unwrap_or_default(),
                references: references.map(|x| shown(&x.schema, &x.table)),
                referred_columns: references.map(|x| x.columns.clone()).unwrap_or_default(),
                definition: d.and_then(|d| {
                    super::detail::definition(d, |x| {
                        if x.schema == DEFAULT {
                            super::name::quoted(&x.table)
                        } else {
                            format!(
                                "{}.{}",
                                super::name::quoted(&x.schema),
                                super::name::quoted(&x.table)
                            )
                        }
                    })
                }),
                made_in: made(e),
            }
        })
        .collect();
    let parts = |p: &Parts| -> Vec<Part> {
        present(p)
            .map(|(n, e)| Part {
                name: n.clone(),
                sql: e.sql.as_deref().map(str::to_string),
            })
            .collect()
    };
    Table {
        schema: schema_of(schema),
        name: name.to_string(),
        columns: columns.into_iter().map(|(_, c)| c).collect(),
        partitioned: r.partitioned,
        columns_complete: r.columns.complete
            && all_columns_known
            && r.columns.names.values().all(|e| e.state != State::Unknown),
        constraints,
        constraints_complete: r.constraints.complete
            && r.constraints
                .names
                .values()
                .all(|e| e.state != State::Unknown),
        triggers: parts(&r.triggers),
        policies: parts(&r.policies),
        history: history(&r.history),
        last_changed: r.history.last().map(ToString::to_string),
    }
}
