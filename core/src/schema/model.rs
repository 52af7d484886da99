//! The model of a database's schema as the migrations leave it: schemas and
//! what is in each, the search path, and a journal of what changed (so that
//! a DOWN section can be tried and taken back, and compared with the state
//! before its UP, without copying the whole model).
//!
//! Names the SQL writes without a schema, while the search path is the
//! connection's own (unknown at build time), live in the schema written
//! `""` here: "the first schema of the connection's path", which may be
//! `public` or any other. A lookup therefore never takes a schema's
//! absence of a name as final while that name may be in `""`, and the
//! other way round.

use std::collections::{BTreeMap, HashSet};

use super::objects::{Entry, Origin, Relation, State};

/// The connection's own first schema (see the module's comment).
pub const DEFAULT: &str = "";

pub use super::objects::{Overloads, Space};

/// One schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// Whether the schema itself is there.
    pub entry: Entry,
    /// Something the model could not follow may have made or dropped
    /// anything in it: a name not in the maps is unknown, not absent.
    pub opaque: bool,
    /// Relations were made here under names the model could not work out,
    /// each starting with one of these prefixes (PostgreSQL's implicit
    /// names start with their table's name; `""`: any name): a relation
    /// name not in the map that starts with one is unknown.
    pub unnamed: Vec<String>,
    /// A statement may have made any function here: a function name not in
    /// the map is unknown.
    pub functions_opaque: bool,
    /// Tables, views, indexes, sequences.
    pub relations: BTreeMap<String, Relation>,
    /// Types.
    pub types: BTreeMap<String, Entry>,
    /// Functions and procedures.
    pub functions: BTreeMap<String, Entry>,
    /// For a function name whose every overload the model knows: those
    /// overloads (a name not here: which overloads it has is not known).
    pub overloads: BTreeMap<String, Overloads>,
}

impl Namespace {
    fn new(entry: Entry, opaque: bool) -> Namespace {
        Namespace {
            entry,
            opaque,
            unnamed: Vec::new(),
            functions_opaque: false,
            relations: BTreeMap::new(),
            types: BTreeMap::new(),
            functions: BTreeMap::new(),
            overloads: BTreeMap::new(),
        }
    }

    /// What is known of `name` in `space` here.
    pub fn state(&self, space: Space, name: &str) -> State {
        let known = match space {
            Space::Relation => self.relations.get(name).map(|r| r.entry.state),
            Space::Type => self.types.get(name).map(|e| e.state),
            Space::Function => self.functions.get(name).map(|e| e.state),
        };
        match known {
            Some(s) => s,
            None if self.opaque
                || (space == Space::Relation
                    && self.unnamed.iter().any(|p| name.starts_with(p.as_str())))
                || (space == Space::Function && self.functions_opaque) =>
            {
                State::Unknown
            }
            None => State::Absent,
        }
    }

    /// Where `name` in `space` was made or dropped.
    pub fn origin(&self, space: Space, name: &str) -> Option<&Origin> {
        match space {
            Space::Relation => self.relations.get(name)?.entry.origin.as_ref(),
            Space::Type => self.types.get(name)?.origin.as_ref(),
            Space::Function => self.functions.get(name)?.origin.as_ref(),
        }
    }

    /// The present names of `space`.
    pub fn present(&self, space: Space) -> Vec<&str> {
        match space {
            Space::Relation => self
                .relations
                .iter()
                .filter(|(_, r)| r.entry.state == State::Present)
                .map(|(n, _)| n.as_str())
                .collect(),
            Space::Type => present_of(&self.types),
            Space::Function => present_of(&self.functions),
        }
    }

    fn forget(&mut self) {
        self.opaque = true;
        if self.entry.state != State::Absent {
            self.entry = Entry::unknown();
        }
        for r in self.relations.values_mut() {
            r.forget();
        }
        for e in self.types.values_mut().chain(self.functions.values_mut()) {
            *e = Entry::unknown();
        }
        self.overloads.clear();
    }
}

fn present_of(map: &BTreeMap<String, Entry>) -> Vec<&str> {
    map.iter()
        .filter(|(_, e)| e.state == State::Present)
        .map(|(n, _)| n.as_str())
        .collect()
}

/// A key of the journal: one thing whose earlier value it keeps.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A schema's own entry and flags (not its contents).
    Schema(String),
    /// A relation.
    Relation(String, String),
    /// A type.
    Type(String, String),
    /// A function.
    Function(String, String),
    /// An extension.
    Extension(String),
    /// The search path and the model's own flags.
    Session,
}

/// A value the journal kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// A schema's entry and flags, or none (never seen).
    Schema(Option<(Entry, [bool; 2], Vec<String>)>),
    /// A relation, or none.
    Relation(Option<Box<Relation>>),
    /// An entry of the other maps, or none.
    Entry(Option<Entry>),
    /// A function's entry and its overloads (when all are known).
    Function(Option<Entry>, Option<Overloads>),
    /// The search path and the global flag.
    Session(Option<Vec<String>>, bool),
}

/// The search path: known (a list of schemas, `""` for `"$user"` and
/// other schemas that may not exist) or the connection's own.
pub type SearchPath = Option<Vec<String>>;

/// The whole model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// Every schema seen.
    pub schemas: BTreeMap<String, Namespace>,
    /// Extensions (database-wide).
    pub extensions: BTreeMap<String, Entry>,
    /// The search path of the migration being replayed.
    pub path: SearchPath,
    /// Something the model could not follow may have made anything
    /// anywhere: a schema not seen yet is opaque.
    pub opaque: bool,
    /// For each function a migration made (by name): whether its body may
    /// change the schema (DDL, dynamic SQL, or a call to a function that
    /// may). Calling one that may makes the model forget.
    pub function_effects: BTreeMap<String, bool>,
    /// The statement being replayed: what it changes records it in its
    /// history.
    pub current: Option<super::objects::Origin>,
    /// What the model stopped knowing, and where: `everything`, `schema x`,
    /// `functions`, `relation x`, `relations named x*`, in the order it
    /// happened.
    pub forgotten: Vec<(String, super::objects::Origin)>,
    /// Objects that may depend on a function beyond triggers, checks,
    /// defaults, indexes and views were made (operators and their classes,
    /// casts, base and range types, languages, access methods, foreign-data
    /// wrappers): dropping a function with `CASCADE` may then take any
    /// constraint. Once set, it stays set (also when a DOWN is taken back).
    pub function_dependents: bool,
    /// A migration turned `check_function_bodies` off (or may have): the
    /// server does not analyse function bodies when it makes them, and
    /// neither does the model. Once set, it stays set.
    pub bodies_unchecked: bool,
    journal: Option<Journal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Journal {
    seen: HashSet<Key>,
    saved: Vec<(Key, Saved)>,
}

impl Default for Model {
    fn default() -> Self {
        Model::new()
    }
}

impl Model {
    /// An empty database: `public` and the built-in schemas, nothing else
    /// known of (a name no migration made is then external, not absent,
    /// unless it reads as a misspelling; see the checks).
    pub fn new() -> Model {
        let mut schemas = BTreeMap::new();
        schemas.insert(
            DEFAULT.to_string(),
            Namespace::new(Entry::present(None), false),
        );
        schemas.insert(
            "public".to_string(),
            Namespace::new(Entry::present(None), false),
        );
        for builtin in ["pg_catalog", "information_schema", "pg_toast"] {
            schemas.insert(
                builtin.to_string(),
                Namespace::new(Entry::present(None), true),
            );
        }
        Model {
            schemas,
            extensions: BTreeMap::new(),
            path: None,
            opaque: false,
            function_effects: BTreeMap::new(),
            current: None,
            forgotten: Vec::new(),
            function_dependents: false,
            bodies_unchecked: false,
            journal: None,
        }
    }

    // ---- the journal ------------------------------------------------------

    /// Starts keeping the earlier value of everything changed from now on.
    pub fn begin(&mut self) {
        self.journal = Some(Journal::default());
    }

    /// Stops keeping, and returns what was kept: each changed thing's value
    /// before its first change since [`Model::begin`].
    pub fn end(&mut self) -> Vec<(Key, Saved)> {
        self.journal.take().map(|j| j.saved).unwrap_or_default()
    }

    /// Puts back what `saved` kept (the newest first).
    pub fn restore(&mut self, saved: Vec<(Key, Saved)>) {
        for (key, value) in saved.into_iter().rev() {
            self.put(&key, value);
        }
    }

    /// The current value of `key`.
    pub fn get(&self, key: &Key) -> Saved {
        match key {
            Key::Schema(s) => Saved::Schema(self.schemas.get(s).map(|n| {
                (
                    n.entry.clone(),
                    [n.opaque, n.functions_opaque],
                    n.unnamed.clone(),
                )
            })),
            Key::Relation(s, n) => Saved::Relation(
                self.schemas
                    .get(s)
                    .and_then(|ns| ns.relations.get(n))
                    .cloned()
                    .map(Box::new),
            ),
            Key::Type(s, n) => {
                Saved::Entry(self.schemas.get(s).and_then(|ns| ns.types.get(n)).cloned())
            }
            Key::Function(s, n) => {
                let ns = self.schemas.get(s);
                Saved::Function(
                    ns.and_then(|ns| ns.functions.get(n)).cloned(),
                    ns.and_then(|ns| ns.overloads.get(n)).cloned(),
                )
            }
            Key::Extension(n) => Saved::Entry(self.extensions.get(n).cloned()),
            Key::Session => Saved::Session(self.path.clone(), self.opaque),
        }
    }

    fn put(&mut self, key: &Key, value: Saved) {
        match (key, value) {
            (Key::Schema(s), Saved::Schema(v)) => match v {
                Some((entry, [opaque, functions], unnamed)) => {
                    let ns = self
                        .schemas
                        .entry(s.clone())
                        .or_insert_with(|| Namespace::new(entry.clone(), opaque));
                    ns.entry = entry;
                    ns.opaque = opaque;
                    ns.unnamed = unnamed;
                    ns.functions_opaque = functions;
                }
                None => {
                    self.schemas.remove(s);
                }
            },
            (Key::Relation(s, n), Saved::Relation(v)) => {
                if let Some(ns) = self.schemas.get_mut(s) {
                    match v {
                        Some(r) => {
                            ns.relations.insert(n.clone(), *r);
                        }
                        None => {
                            ns.relations.remove(n);
                        }
                    }
                }
            }
            (Key::Type(s, n), Saved::Entry(v)) => {
                if let Some(ns) = self.schemas.get_mut(s) {
                    set(&mut ns.types, n, v);
                }
            }
            (Key::Function(s, n), Saved::Function(v, o)) => {
                if let Some(ns) = self.schemas.get_mut(s) {
                    set(&mut ns.functions, n, v);
                    match o {
                        Some(o) => {
                            ns.overloads.insert(n.clone(), o);
                        }
                        None => {
                            ns.overloads.remove(n);
                        }
                    }
                }
            }
            (Key::Extension(n), Saved::Entry(v)) => set(&mut self.extensions, n, v),
            (Key::Session, Saved::Session(path, opaque)) => {
                self.path = path;
                self.opaque = opaque;
            }
            _ => {}
        }
    }

    /// Keeps `key`'s value before its first change.
    fn touch(&mut self, key: Key) {
        let Some(j) = &self.journal else { return };
        if j.seen.contains(&key) {
            return;
        }
        let value = self.get(&key);
        if let Some(j) = &mut self.journal {
            j.seen.insert(key.clone());
            j.saved.push((key, value));
        }
    }

    // ---- schemas ----------------------------------------------------------

    /// The schema `name`, made (unknown, or opaque when the model is) if not
    /// seen yet.
    pub fn namespace_mut(&mut self, name: &str) -> &mut Namespace {
        self.touch(Key::Schema(name.to_string()));
        let opaque = self.opaque;
        self.schemas
            .entry(name.to_string())
            .or_insert_with(|| Namespace::new(Entry::unknown(), opaque))
    }

    /// What is known of the schema `name`.
    pub fn schema_state(&self, name: &str) -> State {
        match self.schemas.get(name) {
            Some(ns) => ns.entry.state,
            None if self.opaque => State::Unknown,
            None => State::Absent,
        }
    }

    /// Sets the schema's own entry.
    pub fn set_schema(&mut self, name: &str, entry: Entry) {
        let ns = self.namespace_mut(name);
        ns.entry = entry;
    }

    /// Everything in the schema `name` unknown from now on (and the schema).
    pub fn forget_schema(&mut self, name: &str) {
        self.note_forgotten(format!(
            "schema {}",
            if name.is_empty() {
                "(the connection's own)"
            } else {
                name
            }
        ));
        self.forget_schema_quietly(name);
    }

    /// Records that the model stopped knowing `what` at the statement being
    /// replayed.
    pub fn note_forgotten(&mut self, what: String) {
        if let Some(at) = &self.current
            && !self.forgotten.iter().any(|(w, o)| *w == what && o == at)
        {
            self.forgotten.push((what, at.clone()));
        }
    }

    fn forget_schema_quietly(&mut self, name: &str) {
        let keys: Vec<Key> = self.keys_of(name);
        for k in keys {
            self.touch(k);
        }
        self.namespace_mut(name).forget();
    }

    /// Everything unknown from now on.
    pub fn forget_all(&mut self) {
        self.note_forgotten("everything".to_string());
        self.touch(Key::Session);
        self.opaque = true;
        self.function_dependents = true;
        let names: Vec<String> = self.schemas.keys().cloned().collect();
        for n in names {
            self.forget_schema_quietly(&n);
        }
        let exts: Vec<String> = self.extensions.keys().cloned().collect();
        for e in exts {
            self.set_extension(&e, Entry::unknown());
        }
    }

    fn keys_of(&self, schema: &str) -> Vec<Key> {
        let Some(ns) = self.schemas.get(schema) else {
            return Vec::new();
        };
        let s = schema.to_string();
        ns.relations
            .keys()
            .map(|n| Key::Relation(s.clone(), n.clone()))
            .chain(ns.types.keys().map(|n| Key::Type(s.clone(), n.clone())))
            .chain(
                ns.functions
                    .keys()
                    .map(|n| Key::Function(s.clone(), n.clone())),
            )
            .collect()
    }

    // ---- objects ----------------------------------------------------------

    /// The relation `name` of `schema` to change (made unknown if not there).
    pub fn relation_mut(&mut self, schema: &str, name: &str) -> &mut Relation {
        self.touch(Key::Relation(schema.to_string(), name.to_string()));
        let current = self.current.clone();
        let ns = self.namespace_mut(schema);
        let opaque = ns.opaque || ns.unnamed.iter().any(|p| name.starts_with(p.as_str()));
        let r = ns.relations.entry(name.to_string()).or_insert_with(|| {
            let mut r = Relation::unknown(super::objects::RelKind::Other);
            if !opaque {
                r.entry = Entry::absent(None);
            }
            r
        });
        if let Some(c) = current
            && r.entry.state == super::objects::State::Present
            && r.history.last() != Some(&c)
        {
            r.history.push(c);
        }
        r
    }

    /// Sets the relation `name` of `schema`.
    pub fn set_relation(&mut self, schema: &str, name: &str, relation: Relation) {
        *self.relation_mut(schema, name) = relation;
    }

    /// The relation `name` of `schema`, when the model holds one.
    pub fn relation(&self, schema: &str, name: &str) -> Option<&Relation> {
        self.schemas.get(schema)?.relations.get(name)
    }

    /// Sets a type's or a function's entry.
    pub fn set_entry(&mut self, space: Space, schema: &str, name: &str, entry: Entry) {
        let key = match space {
            Space::Type => Key::Type(schema.to_string(), name.to_string()),
            Space::Function => Key::Function(schema.to_string(), name.to_string()),
            Space::Relation => {
                self.relation_mut(schema, name).entry = entry;
                return;
            }
        };
        self.touch(key);
        let ns = self.namespace_mut(schema);
        if space == Space::Function {
            // Known absent: no overload; otherwise which ones is not known
            // (until [`Model::set_overloads`]).
            if entry.state == State::Absent {
                ns.overloads.insert(name.to_string(), Overloads::default());
            } else {
                ns.overloads.remove(name);
            }
        }
        let map = if space == Space::Type {
            &mut ns.types
        } else {
            &mut ns.functions
        };
        map.insert(name.to_string(), entry);
    }

    /// What the model knows after a statement that may or may not have run:
    /// `self` is the state after it ran, `before` the state before; what
    /// differs between them becomes unknown (a relation both ways present
    /// keeps what did not change).
    pub fn join_with(&mut self, before: &Model) {
        if self.path != before.path || self.opaque != before.opaque {
            self.forget_all();
            return;
        }
        let names: Vec<String> = self
            .schemas
            .keys()
            .chain(before.schemas.keys())
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for s in names {
            let (Some(a), Some(b)) = (self.schemas.get(&s), before.schemas.get(&s)) else {
                self.forget_schema(&s);
                continue;
            };
            if a.entry.state != b.entry.state {
                self.forget_schema(&s);
                continue;
            }
            let flags = (
                a.opaque || b.opaque,
                a.functions_opaque || b.functions_opaque,
                a.unnamed
                    .iter()
                    .chain(&b.unnamed)
                    .cloned()
                    .collect::<std::collections::BTreeSet<_>>(),
            );
            let relations: std::collections::BTreeSet<String> = a
                .relations
                .keys()
                .chain(b.relations.keys())
                .cloned()
                .collect();
            let mut changed_relations = Vec::new();
            for n in relations {
                let (ra, rb) = (a.relations.get(&n), b.relations.get(&n));
                if ra == rb {
                    continue;
                }
                let joined = match (ra, rb) {
                    (Some(ra), Some(rb))
                        if ra.entry.state == rb.entry.state && ra.kind == rb.kind =>
                    {
                        let mut r = ra.clone();
                        r.columns.join(&rb.columns);
                        r.constraints.join(&rb.constraints);
                        r.triggers.join(&rb.triggers);
                        r.policies.join(&rb.policies);
                        if ra.sql != rb.sql || ra.owner != rb.owner {
                            r.sql = None;
                            r.owner = None;
                        }
                        r
                    }
                    (ra, rb) => {
                        let kind = ra.or(rb).map_or(super::objects::RelKind::Other, |r| r.kind);
                        Relation::unknown(kind)
                    }
                };
                changed_relations.push((n, joined));
            }
            let entries = |x: &BTreeMap<String, Entry>, y: &BTreeMap<String, Entry>| {
                x.keys()
                    .chain(y.keys())
                    .filter(|k| x.get(*k) != y.get(*k))
                    .cloned()
                    .collect::<std::collections::BTreeSet<String>>()
            };
            // There both ways: still there, made by what is not known.
            let joined_entry = |x: &BTreeMap<String, Entry>,
                                y: &BTreeMap<String, Entry>,
                                n: &str| {
                match (x.get(n), y.get(n)) {
                    (Some(p), Some(q))
                        if p.state == State::Present && q.state == State::Present =>
                    {
                        Entry {
                            sql: None,
                            ..p.clone()
                        }
                    }
                    _ => Entry::unknown(),
                }
            };
            let types: Vec<(String, Entry)> = entries(&a.types, &b.types)
                .into_iter()
                .map(|n| {
                    let e = joined_entry(&a.types, &b.types, &n);
                    (n, e)
                })
                .collect();
            let functions: Vec<(String, Entry)> = entries(&a.functions, &b.functions)
                .into_iter()
                .map(|n| {
                    let e = joined_entry(&a.functions, &b.functions, &n);
                    (n, e)
                })
                .collect();
            for (n, r) in changed_relations {
                self.set_relation(&s, &n, r);
            }
            for (n, e) in types {
                self.set_entry(Space::Type, &s, &n, e);
            }
            for (n, e) in functions {
                self.set_entry(Space::Function, &s, &n, e);
            }
            let ns = self.namespace_mut(&s);
            ns.opaque = flags.0;
            ns.functions_opaque = flags.1;
            ns.unnamed = flags.2.into_iter().collect();
        }
        let extensions: std::collections::BTreeSet<String> = self
            .extensions
            .keys()
            .chain(before.extensions.keys())
            .filter(|k| self.extensions.get(*k) != before.extensions.get(*k))
            .cloned()
            .collect();
        for e in extensions {
            self.set_extension(&e, Entry::unknown());
        }
    }

    /// Forgets the statement that makes the function `name` of `schema` (it
    /// changed in a way the model does not follow), keeping what else is
    /// known of it.
    pub fn forget_function_sql(&mut self, schema: &str, name: &str) {
        self.touch(Key::Function(schema.to_string(), name.to_string()));
        if let Some(e) = self
            .schemas
            .get_mut(schema)
            .and_then(|ns| ns.functions.get_mut(name))
        {
            e.sql = None;
        }
    }

    /// The overloads of the function `name` of `schema`, when all are known.
    ///
    /// The connection's own schema (`""`) may be any schema: they are known
    /// only where no other schema that may be the same one has the name.
    pub fn overloads(&self, schema: &str, name: &str) -> Option<&Overloads> {
        let ns = self.schemas.get(schema)?;
        if ns.state(Space::Function, name) == State::Unknown {
            return None;
        }
        let absent = |ns: &Namespace| {
            ns.entry.state == State::Absent || ns.state(Space::Function, name) == State::Absent
        };
        let alone = if schema == DEFAULT {
            !self.opaque
                && self
                    .schemas
                    .iter()
                    .filter(|(s, _)| !s.is_empty() && !super::builtin::is_builtin_schema(s))
                    .all(|(_, ns)| absent(ns))
        } else {
            self.schemas.get(DEFAULT).is_some_and(absent)
        };
        ns.overloads.get(name).filter(|_| alone)
    }

    /// Sets the overloads of the function `name` of `schema` (all of them;
    /// `None`: not known).
    pub fn set_overloads(&mut self, schema: &str, name: &str, overloads: Option<Overloads>) {
        self.touch(Key::Function(schema.to_string(), name.to_string()));
        let ns = self.namespace_mut(schema);
        match overloads {
            Some(o) => {
                ns.overloads.insert(name.to_string(), o);
            }
            None => {
                ns.overloads.remove(name);
            }
        }
    }

    /// Sets an extension's entry.
    pub fn set_extension(&mut self, name: &str, entry: Entry) {
        self.touch(Key::Extension(name.to_string()));
        self.extensions.insert(name.to_string(), entry);
    }

    /// What is known of the extension `name`.
    pub fn extension_state(&self, name: &str) -> State {
        match self.extensions.get(name) {
            Some(e) => e.state,
            None if self.opaque => State::Unknown,
            None => State::Absent,
        }
    }

    /// Relations whose names start with `prefix` (cut to what PostgreSQL
    /// keeps of a table's name in an implicit one) may have been made in
    /// `schema` under names the model does not know.
    pub fn unnamed(&mut self, schema: &str, prefix: &str) {
        let mut end = prefix.len().min(29);
        while !prefix.is_char_boundary(end) {
            end -= 1;
        }
        let p = prefix[..end].to_string();
        self.note_forgotten(format!("relations named {p}*"));
        let ns = self.namespace_mut(schema);
        if !ns.unnamed.iter().any(|q| p.starts_with(q.as_str())) {
            ns.unnamed.push(p);
        }
    }

    /// Sets the search path.
    pub fn set_path(&mut self, path: SearchPath) {
        self.touch(Key::Session);
        self.path = path;
    }

    /// Every function of every schema unknown (a statement that may have
    /// made or dropped any).
    pub fn forget_functions(&mut self) {
        self.note_forgotten("functions".to_string());
        let keys: Vec<Key> = self
            .schemas
            .iter()
            .flat_map(|(s, ns)| {
                ns.functions
                    .keys()
                    .map(move |n| Key::Function(s.clone(), n.clone()))
            })
            .collect();
        for k in keys {
            self.touch(k);
        }
        for ns in self.schemas.values_mut() {
            for e in ns.functions.values_mut() {
                *e = Entry::unknown();
            }
            ns.overloads.clear();
        }
        // A function not seen yet: unknown too.
        let names: Vec<String> = self.schemas.keys().cloned().collect();
        for n in names {
            self.namespace_mut(&n).functions_opaque = true;
        }
    }

    /// Apply `f` to every relation (keeping the journal), e.g. to forget the
    /// constraints another table's `CASCADE` may have dropped.
    pub fn each_relation(&mut self, f: impl FnMut(&str, &str, &mut Relation)) {
        self.each_relation_where(|_, _, _| true, f);
    }

    /// [`Model::each_relation`] over the relations `only` picks (read
    /// first, so that the journal keeps only those that may change).
    pub fn each_relation_where(
        &mut self,
        only: impl Fn(&str, &str, &Relation) -> bool,
        mut f: impl FnMut(&str, &str, &mut Relation),
    ) {
        let keys: Vec<(String, String)> = self
            .schemas
            .iter()
            .flat_map(|(s, ns)| {
                ns.relations
                    .iter()
                    .filter(|(n, r)| only(s, n, r))
                    .map(move |(n, _)| (s.clone(), n.clone()))
            })
            .collect();
        for (s, n) in keys {
            self.touch(Key::Relation(s.clone(), n.clone()));
            if let Some(r) = self
                .schemas
                .get_mut(&s)
                .and_then(|ns| ns.relations.get_mut(&n))
            {
                f(&s, &n, r);
            }
        }
    }
}

fn set(map: &mut BTreeMap<String, Entry>, name: &str, value: Option<Entry>) {
    match value {
        Some(e) => {
            map.insert(name.to_string(), e);
        }
        None => {
            map.remove(name);
        }
    }
}
