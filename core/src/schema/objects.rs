//! What the model holds about one object: whether it is there, where it was
//! made or dropped, and for a table its columns, constraints, triggers and
//! policies.

use std::collections::BTreeMap;
use std::sync::Arc;

/// Kinds of object that live in a schema's namespaces other than `pg_class`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Space {
    /// `pg_class`: tables, views, indexes, sequences, composite row types.
    Relation,
    /// `pg_type`: enums, composites, domains, range types.
    Type,
    /// `pg_proc`: functions and procedures, by name (not overload).
    Function,
}

/// The overloads of one function name, by their argument types (see
/// [`super::signature`]), each with where it was made.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overloads {
    /// Each signature known, and where it was made.
    pub known: BTreeMap<String, Option<Origin>>,
}

/// What the model knows of a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Known to exist.
    Present,
    /// Known not to exist (dropped, renamed away).
    Absent,
    /// Not known: something the model cannot follow may have made, changed
    /// or dropped it.
    Unknown,
}

/// Where an object was made (or dropped): the migration's file name and the
/// statement's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file's name, e.g. `003_users.sql`.
    pub file: Arc<str>,
    /// The statement's line.
    pub line: u32,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A name's state and where it came to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Present, absent or unknown.
    pub state: State,
    /// Where it was made (present) or dropped (absent).
    pub origin: Option<Origin>,
    /// For a type, function or extension shown by its statement: the
    /// statement that made it as it stands (`None`: not known, or changed
    /// since in a way the model does not follow).
    pub sql: Option<Arc<str>>,
}

impl Entry {
    /// Known present, made at `origin`.
    pub fn present(origin: Option<Origin>) -> Entry {
        Entry {
            state: State::Present,
            origin,
            sql: None,
        }
    }

    /// Known absent, dropped at `origin`.
    pub fn absent(origin: Option<Origin>) -> Entry {
        Entry {
            state: State::Absent,
            origin,
            sql: None,
        }
    }

    /// Not known.
    pub fn unknown() -> Entry {
        Entry {
            state: State::Unknown,
            origin: None,
            sql: None,
        }
    }

    /// The same, with the statement that made it.
    pub fn with_sql(mut self, sql: impl Into<Arc<str>>) -> Entry {
        self.sql = Some(sql.into());
        self
    }
}

/// The kinds of relation (PostgreSQL's `pg_class`: one namespace per schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelKind {
    /// A table (or a partition of one).
    Table,
    /// A view.
    View,
    /// A materialized view.
    MaterializedView,
    /// An index.
    Index,
    /// A sequence.
    Sequence,
    /// A composite type's row type.
    Composite,
    /// A foreign table or another kind the model does not tell apart.
    Other,
}

impl RelKind {
    /// As a message says it.
    pub fn noun(self) -> &'static str {
        match self {
            RelKind::Table => "table",
            RelKind::View => "view",
            RelKind::MaterializedView => "materialized view",
            RelKind::Index => "index",
            RelKind::Sequence => "sequence",
            RelKind::Composite => "type",
            RelKind::Other => "relation",
        }
    }
}

/// A named part of a table (column, constraint, trigger, policy) and
/// whether the set of them is known whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parts {
    /// Each known name.
    pub names: BTreeMap<String, Entry>,
    /// The type of each column, as the SQL wrote it (lower case), when known.
    pub types: BTreeMap<String, String>,
    /// What defines each part beyond its name, where the model knows it
    /// (for showing the schema; see [`Detail`]).
    pub details: BTreeMap<String, Detail>,
    /// Whether every name is in `names`: a name not there is then absent.
    pub complete: bool,
}

impl Parts {
    /// An empty set, known whole.
    pub fn known_empty() -> Parts {
        Parts {
            complete: true,
            ..Parts::default()
        }
    }

    /// What the model knows of `name`.
    pub fn state(&self, name: &str) -> State {
        match self.names.get(name) {
            Some(e) => e.state,
            None if self.complete => State::Absent,
            None => State::Unknown,
        }
    }

    /// Every name unknown from now on.
    pub fn forget(&mut self) {
        for e in self.names.values_mut() {
            *e = Entry::unknown();
        }
        self.complete = false;
    }

    /// These parts, or `other` (the same set in a state the model cannot
    /// tell from this one): a name whose entry differs becomes unknown,
    /// with its type and detail.
    pub fn join(&mut self, other: &Parts) {
        let names: Vec<String> = self
            .names
            .keys()
            .chain(other.names.keys())
            .filter(|n| {
                self.names.get(*n) != other.names.get(*n)
                    || self.types.get(*n) != other.types.get(*n)
                    || self.details.get(*n) != other.details.get(*n)
            })
            .cloned()
            .collect();
        for n in names {
            self.names.insert(n.clone(), Entry::unknown());
            self.types.remove(&n);
            self.details.remove(&n);
        }
        self.complete = self.complete && other.complete;
    }

    /// The present names.
    pub fn present(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.names
            .iter()
            .filter(|(_, e)| e.state == State::Present)
            .map(|(n, e)| (n.as_str(), e))
    }
}

/// What kind of constraint a [`Detail`] defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    /// `PRIMARY KEY (columns)`.
    PrimaryKey,
    /// `UNIQUE (columns)`.
    Unique,
    /// `FOREIGN KEY (columns) REFERENCES table (columns)`.
    ForeignKey,
    /// `CHECK (expression)`.
    Check,
}

/// The table (and its columns) a foreign key refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The referred table's schema (`""`: the connection's own).
    pub schema: String,
    /// The referred table.
    pub table: String,
    /// The referred columns (empty: its primary key).
    pub columns: Vec<String>,
}

/// What defines a column or a constraint, beyond its name: what the schema
/// views show. A part without one is shown as not known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Detail {
    /// A column's place among its table's (the order the SQL made them).
    pub position: u32,
    /// A column: `NOT NULL`.
    pub not_null: bool,
    /// A column: its default expression (or `GENERATED ...` clause), as SQL.
    pub default: Option<String>,
    /// A column that owns a sequence named for its table and itself (a
    /// `serial` one whose default is still the sequence's, or an identity).
    pub serial: bool,
    /// A constraint: its kind.
    pub kind: Option<ConstraintKind>,
    /// A constraint: the columns it is on.
    pub columns: Vec<String>,
    /// A foreign key: what it refers to.
    pub references: Option<Reference>,
    /// A constraint: the rest of its definition, as SQL (a check's whole
    /// `CHECK (...)`, a foreign key's `ON DELETE ...`; may be empty).
    pub sql: String,
}

/// One relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// Whether it is there.
    pub entry: Entry,
    /// What kind it is (when present).
    pub kind: RelKind,
    /// Its columns (tables, views, composite types).
    pub columns: Parts,
    /// Its constraints (tables).
    pub constraints: Parts,
    /// Its triggers.
    pub triggers: Parts,
    /// Its policies.
    pub policies: Parts,
    /// For an index or an owned sequence: the table it belongs to (dropped
    /// with it).
    pub owner: Option<String>,
    /// For an index, a view or a sequence: the statement that made it, as
    /// sqlparser prints it (`None`: not known, or changed since in a way
    /// the model does not follow).
    pub sql: Option<String>,
    /// The statements that made and changed it, oldest first.
    pub history: Vec<Origin>,
    /// A table made partitioned (`PARTITION BY`) or as a partition
    /// (`PARTITION OF`): its columns do not say all it is.
    pub partitioned: bool,
}

impl Relation {
    /// A relation just made, with nothing in it known but what the caller adds.
    pub fn new(kind: RelKind, origin: Option<Origin>) -> Relation {
        Relation {
            entry: Entry::present(origin.clone()),
            kind,
            columns: Parts::known_empty(),
            constraints: Parts::known_empty(),
            triggers: Parts::known_empty(),
            policies: Parts::known_empty(),
            owner: None,
            sql: None,
            history: origin.into_iter().collect(),
            partitioned: false,
        }
    }

    /// A relation whose state and parts are all unknown.
    pub fn unknown(kind: RelKind) -> Relation {
        let mut r = Relation::new(kind, None);
        r.forget();
        r
    }

    /// Everything about it unknown from now on.
    pub fn forget(&mut self) {
        self.entry = Entry::unknown();
        self.sql = None;
        self.columns.forget();
        self.constraints.forget();
        self.triggers.forget();
        self.policies.forget();
    }
}
