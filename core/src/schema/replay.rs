//! Replaying one statement into the model: what it makes, changes and
//! drops, and the problems with the names it uses. A statement read by
//! sqlparser is followed where its kind is modelled; anything else makes
//! what it could touch unknown (see [`Replay::unparsed`]).

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, AlterTypeOperation, ColumnOption, CommentObject,
    CreateFunction, CreateIndex, CreateTable, CreateView, DataType, DropBehavior, Expr, FromTable,
    GrantObjects, Ident, ObjectName, ObjectType, ReferentialAction, SchemaName, Set, Statement,
    TableConstraint, TableFactor, TableObject, UserDefinedTypeRepresentation,
};

use super::builtin;
use super::detail;
use super::exprs;
use super::model::{DEFAULT, Model, Space};
use super::name::{Place, Qualified, fold, implicit, place};
use super::objects::{Detail, Entry, Origin, Parts, RelKind, Relation, State};
use super::problem::{Problem, Why};
use super::resolve::{Found, misspelt, resolve, target};

/// One statement's replay.
pub struct Replay<'a> {
    /// The model, changed in place.
    pub model: &'a mut Model,
    /// Where the statement is.
    pub origin: Origin,
    /// Names declared external (`[schema] external`): never an error.
    pub external: &'a [String],
    /// What was found.
    pub problems: Vec<Problem>,
    /// In a `CREATE TABLE`: the column lists of its primary key and unique
    /// constraints so far (PostgreSQL makes one index of two alike).
    index_sets: Option<Vec<Vec<String>>>,
    /// The detail of the constraint being added (see [`detail`]), taken by
    /// the next constraint the replay names.
    pending: Option<Detail>,
    /// In `ADD CONSTRAINT ... NOT VALID`.
    not_valid: bool,
}

/// The `FROM` items of a query in scope: each one's name (its alias) and,
/// when the model knows its columns whole, where they are.
type Scope = Vec<(String, Option<Source>)>;

/// Where a `FROM` item's columns are known.
#[derive(Clone)]
enum Source {
    /// A table or view of the model (schema, name).
    Table(String, String),
    /// A CTE's or a derived table's columns.
    Columns(Vec<String>),
    /// A name that qualifies columns the model does not know (a function's
    /// parameter of a composite type: `p.field`), none of them unqualified.
    Qualifier,
}

/// What a function name with its arguments refers to.
enum Overload {
    /// That overload, in this schema, where every overload is known (its
    /// signature; `None`: named alone, the one overload there is).
    Known(String, Option<String>),
    /// The function is there (in this schema), which overload is not known.
    Present(String),
    /// Known not there (reported).
    Missing,
    /// Not known.
    Unknown,
}

/// What a reference is for, which decides how a missing name is reported.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    /// It must exist.
    Must,
    /// `IF EXISTS`: a warning when it looks misspelt.
    IfExists,
}

impl<'a> Replay<'a> {
    /// A replay at `origin`.
    pub fn new(model: &'a mut Model, origin: Origin, external: &'a [String]) -> Replay<'a> {
        Replay {
            model,
            origin,
            external,
            problems: Vec::new(),
            index_sets: None,
            pending: None,
            not_valid: false,
        }
    }

    fn is_external(&self, q: &Qualified) -> bool {
        self.external.iter().any(|e| {
            e == &q.name
                || e == &q.shown()
                || e.strip_suffix('*')
                    .is_some_and(|p| q.name.starts_with(p) || q.shown().starts_with(p))
        })
    }

    /// Looks `q` up; reports it when known absent. The schema it is in when
    /// present.
    fn lookup(&mut self, space: Space, q: &Qualified, what: &'static str, usage: Use) -> Found {
        let found = resolve(self.model, space, q);
        if let Found::Absent(dropped) = &found {
            if self.is_external(q) {
                return Found::Unknown;
            }
            let problem = match (dropped, usage) {
                (Some(o), Use::Must) => Some(Problem::Missing {
                    what,
                    name: q.shown(),
                    place: q.place,
                    why: Why::Dropped(Some(o.clone())),
                }),
                _ => misspelt(self.model, space, q).map(|(like, origin)| match usage {
                    Use::Must => Problem::Missing {
                        what,
                        name: q.shown(),
                        place: q.place,
                        why: Why::Misspelt(like, origin),
                    },
                    Use::IfExists => Problem::NoOp {
                        what,
                        name: q.shown(),
                        place: q.place,
                        like,
                        origin,
                    },
                }),
            };
            match problem {
                Some(p) => self.problems.push(p),
                // A name no migration made: an external object.
                None if dropped.is_none() => return Found::Unknown,
                None => {}
            }
        }
        found
    }

    /// Every candidate of `q` in `space` made unknown (a change to an object
    /// the model could not pin down).
    fn forget_name(&mut self, space: Space, q: &Qualified) {
        let noun = match space {
            Space::Relation => "relation",
            Space::Type => "type",
            Space::Function => "function",
        };
        self.model.note_forgotten(format!("{noun} {}", q.shown()));
        for s in self.candidate_schemas(q) {
            if builtin::is_builtin_schema(&s) {
                continue;
            }
            match space {
                Space::Relation => {
                    let kind = self
                        .model
                        .relation(&s, &q.name)
                        .map_or(RelKind::Other, |r| r.kind);
                    self.model
                        .set_relation(&s, &q.name, Relation::unknown(kind));
                    // What it owns may have gone with it.
                    let owned: Vec<String> = self
                        .model
                        .schemas
                        .get(&s)
                        .map(|ns| {
                            ns.relations
                                .iter()
                                .filter(|(_, r)| r.owner.as_deref() == Some(q.name.as_str()))
                                .map(|(n, _)| n.clone())
                                .collect()
                        })
                        .unwrap_or_default();
                    for n in owned {
                        self.model.relation_mut(&s, &n).entry = Entry::unknown();
                    }
                }
                _ => self.model.set_entry(space, &s, &q.name, Entry::unknown()),
            }
        }
    }

    /// What is in each table `q` may name: unknown from now on (a change
    /// to a table the model could not pin down).
    fn forget_parts_of(&mut self, q: &Qualified) {
        for s in self.candidate_schemas(q) {
            if self
                .model
                .relation(&s, &q.name)
                .is_some_and(|r| r.entry.state == State::Present)
            {
                self.model.note_forgotten(format!("table {}", q.shown()));
                self.forget_table_parts(&s, &q.name);
            }
        }
    }

    /// The schemas `q` may be in: its own (and the connection's, which may
    /// be the same), or, unqualified, any.
    fn candidate_schemas(&self, q: &Qualified) -> Vec<String> {
        match &q.schema {
            Some(s) => vec![s.clone(), DEFAULT.to_string()],
            None => self.model.schemas.keys().cloned().collect(),
        }
    }

    /// Everything in the table `name` of `schema` unknown from now on (it is
    /// still there), and relations named after it may have been made.
    fn forget_table_parts(&mut self, schema: &str, name: &str) {
        let r = self.model.relation_mut(schema, name);
        r.columns.forget();
        r.constraints.forget();
        r.triggers.forget();
        r.policies.forget();
        self.model.unnamed(schema, name);
    }

    /// A relation named by `name` that must exist: its schema when present.
    fn relation(
        &mut self,
        name: &ObjectName,
        what: &'static str,
        usage: Use,
    ) -> Option<(String, String)> {
        let q = Qualified::of(name)?;
        match self.lookup(Space::Relation, &q, what, usage) {
            Found::Present(s) => Some((s, q.name)),
            _ => None,
        }
    }

    /// Checks that `columns` of the relation are there.
    fn columns_exist<'i>(
        &mut self,
        at: &(String, String),
        columns: impl IntoIterator<Item = &'i Ident>,
    ) {
        let named: Vec<(String, Place)> =
            columns.into_iter().map(|c| (fold(c), place(c))).collect();
        self.columns_named(at, named);
    }

    /// Checks that the columns `named` (folded, with their places) of the
    /// relation are there.
    fn columns_named(&mut self, at: &(String, String), named: Vec<(String, Place)>) {
        let Some(rel) = self.model.relation(&at.0, &at.1) else {
            return;
        };
        let mut found = Vec::new();
        for (name, at_place) in named {
            if rel.columns.state(&name) == State::Absent && !is_system_column(&name) {
                let why = match rel.columns.names.get(&name) {
                    Some(e) => Why::Dropped(e.origin.clone()),
                    None => {
                        let like =
                            super::similar::closest(&name, rel.columns.present().map(|(n, _)| n));
                        Why::Misspelt(
                            like.map(str::to_string).unwrap_or_default(),
                            like.and_then(|l| rel.columns.names.get(l))
                                .and_then(|e| e.origin.clone()),
                        )
                    }
                };
                let why = match why {
                    Why::Misspelt(l, _) if l.is_empty() => Why::Dropped(None),
                    w => w,
                };
                found.push(Problem::Missing {
                    what: "column",
                    name: format!("{}.{name}", at.1),
                    place: at_place,
                    why,
                });
            }
        }
        self.problems.extend(found);
    }

    /// Checks the columns `expr` reads from the one table `at` (named
    /// `names` in the statement: its name, its alias); a reference with
    /// another qualifier, or an expression this reader does not walk, is
    /// not checked.
    fn expr_columns(&mut self, at: &(String, String), names: &[String], expr: &Expr) {
        let Some(refs) = exprs::references(expr) else {
            return;
        };
        let idents: Vec<&Ident> = refs
            .into_iter()
            .filter(|(q, _)| q.is_none_or(|q| names.contains(&fold(q))))
            .map(|(_, c)| c)
            .collect();
        self.columns_exist(at, idents);
    }

    /// A column's type that names a type: it must exist (a type the
    /// migrations made, the server's own, an extension's, or a table's row
    /// type).
    fn type_ref(&mut self, ty: &DataType) {
        use sqlparser::ast::ArrayElemTypeDef;
        match ty {
            DataType::Array(
                ArrayElemTypeDef::SquareBracket(inner, _)
                | ArrayElemTypeDef::AngleBracket(inner)
                | ArrayElemTypeDef::Parenthesis(inner)
                | ArrayElemTypeDef::Qualified(inner, _),
            ) => self.type_ref(inner),
            DataType::Custom(name, _) => {
                let Some(q) = Qualified::of(name) else { return };
                if q.schema.is_none() && builtin::is_grammar_type(&q.name) {
                    return;
                }
                // A table's row type is a type too.
                if resolve(self.model, Space::Relation, &q) != Found::Absent(None) {
                    return;
                }
                if let Found::Absent(Some(o)) = resolve(self.model, Space::Type, &q) {
                    self.problems.push(Problem::Missing {
                        what: "type",
                        name: q.shown(),
                        place: q.place,
                        why: Why::Dropped(Some(o)),
                    });
                    return;
                }
                if resolve(self.model, Space::Type, &q) != Found::Absent(None)
                    || self.is_external(&q)
                {
                    return;
                }
                let like = misspelt(self.model, Space::Type, &q).or_else(|| {
                    // The server's own type names.
                    (q.schema.is_none() && !self.model.opaque)
                        .then(|| builtin::closest_type(&q.name))
                        .flatten()
                        .map(|t| (t.to_string(), None))
                });
                if let Some((like, origin)) = like {
                    self.problems.push(Problem::Missing {
                        what: "type",
                        name: q.shown(),
                        place: q.place,
                        why: Why::Misspelt(like, origin),
                    });
                }
            }
            _ => {}
        }
    }

    fn new_origin(&self) -> Option<Origin> {
        Some(self.origin.clone())
    }

    /// Creating `q` in `space`: reports a known-present one (unless `if_not_exists`);
    /// `None` when it exists and the statement does nothing.
    fn create(
        &mut self,
        space: Space,
        q: &Qualified,
        what: &'static str,
        if_not_exists: bool,
        or_replace: bool,
    ) -> Option<String> {
        let schema = target(self.model, q);
        let state = self
            .model
            .schemas
            .get(&schema)
            .map_or(State::Absent, |ns| ns.state(space, &q.name));
        match state {
            State::Present if or_replace => Some(schema),
            State::Present if if_not_exists => None,
            State::Present => {
                let origin = self
                    .model
                    .schemas
                    .get(&schema)
                    .and_then(|ns| ns.origin(space, &q.name))
                    .cloned();
                self.problems.push(Problem::Exists {
                    what,
                    name: q.shown(),
                    place: q.place,
                    origin,
                });
                None
            }
            State::Unknown if if_not_exists => {
                // It may have been there: what is there is not known.
                self.forget_name(space, q);
                None
            }
            _ => Some(schema),
        }
    }

    /// The columns a query reads, in each `SELECT`'s scope (its `FROM`
    /// items, then the enclosing queries'): a reference is checked only
    /// when every item it may come from has its columns known whole.
    fn query_columns(
        &mut self,
        q: &sqlparser::ast::Query,
        outer: &Scope,
        ctes: &mut super::derive::Ctes,
    ) {
        let depth = ctes.len();
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                let name = fold(&cte.alias.name);
                if with.recursive {
                    ctes.push((name.clone(), None));
                }
                // A CTE's query sees the enclosing queries' items too.
                self.query_columns(&cte.query, outer, ctes);
                let cols = super::derive::query_columns(self.model, &cte.query, ctes);
                if with.recursive {
                    ctes.pop();
                }
                let cols = super::derive::renamed(cols, Some(&cte.alias));
                ctes.push((name, cols));
            }
        }
        self.set_expr_columns(&q.body, outer, ctes);
        ctes.truncate(depth);
    }

    fn set_expr_columns(
        &mut self,
        body: &sqlparser::ast::SetExpr,
        outer: &Scope,
        ctes: &mut super::derive::Ctes,
    ) {
        use sqlparser::ast::{SelectItem, SetExpr};
        match body {
            SetExpr::Select(select) => {
                let mut scope: Scope = Vec::new();
                let mut derived = Vec::new();
                for twj in &select.from {
                    self.scope_of(&twj.relation, ctes, &mut scope, &mut derived);
                    for j in &twj.joins {
                        self.scope_of(&j.relation, ctes, &mut scope, &mut derived);
                    }
                }
                // A derived table's own query, in the enclosing scope (not
                // LATERAL ones: they see the items before them).
                for sub in derived {
                    self.query_columns(sub, outer, ctes);
                }
                let mut all = scope.clone();
                all.extend(outer.iter().cloned());
                let exprs: Vec<&Expr> = select
                    .projection
                    .iter()
                    .filter_map(|item| match item {
                        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                            Some(e)
                        }
                        _ => None,
                    })
                    .chain(select.selection.iter())
                    .chain(select.having.iter())
                    .chain(
                        select
                            .from
                            .iter()
                            .flat_map(|twj| &twj.joins)
                            .filter_map(|j| join_condition(&j.join_operator)),
                    )
                    .collect();
                for e in exprs {
                    self.scoped_refs(e, &all);
                    // The types it casts to must exist.
                    for t in exprs::cast_types(e) {
                        self.type_ref(t);
                    }
                    for sub in exprs::subqueries(e) {
                        self.query_columns(sub, &all, ctes);
                    }
                }
            }
            SetExpr::Query(q) => self.query_columns(q, outer, ctes),
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr_columns(left, outer, ctes);
                self.set_expr_columns(right, outer, ctes);
            }
            _ => {}
        }
    }

    /// What a `FROM` item adds to a scope (and the queries of its derived
    /// tables that are not LATERAL, to check in turn).
    fn scope_of<'q>(
        &mut self,
        factor: &'q TableFactor,
        ctes: &super::derive::Ctes,
        scope: &mut Scope,
        derived: &mut Vec<&'q sqlparser::ast::Query>,
    ) {
        match factor {
            TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => {
                let Some(q) = Qualified::of(name) else {
                    scope.push((String::new(), None));
                    return;
                };
                let shown = alias.as_ref().map_or(q.name.clone(), |a| fold(&a.name));
                let renamed = alias.as_ref().is_some_and(|a| !a.columns.is_empty());
                let cte = match q.schema {
                    None => ctes.iter().rev().find(|(n, _)| *n == q.name),
                    Some(_) => None,
                };
                let known = if let Some((_, cols)) = cte {
                    super::derive::renamed(cols.clone(), alias.as_ref())
                        .map(|(c, _)| Source::Columns(c))
                } else if renamed {
                    None
                } else {
                    match resolve(self.model, Space::Relation, &q) {
                        Found::Present(s) => self
                            .model
                            .relation(&s, &q.name)
                            .filter(|r| r.columns.complete && r.entry.state == State::Present)
                            .map(|_| Source::Table(s, q.name.clone())),
                        _ => None,
                    }
                };
                scope.push((shown, known));
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                // A join's own alias names it (its columns not known here).
                if let Some(a) = alias {
                    scope.push((fold(&a.name), None));
                }
                self.scope_of(&table_with_joins.relation, ctes, scope, derived);
                for j in &table_with_joins.joins {
                    self.scope_of(&j.relation, ctes, scope, derived);
                }
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                if !*lateral {
                    derived.push(subquery);
                }
                // Its columns' names do not depend on what it sees (a
                // `t.*` of an item outside it is not named: unknown).
                let cols = super::derive::renamed(
                    super::derive::query_columns(self.model, subquery, ctes),
                    alias.as_ref(),
                );
                scope.push((
                    alias.as_ref().map_or(String::new(), |a| fold(&a.name)),
                    cols.map(|(c, _)| Source::Columns(c)),
                ))
            }
            _ => scope.push((String::new(), None)),
        }
    }

    /// What is known of column `name` of a scope's item.
    fn item_column(&self, source: &Source, name: &str) -> State {
        match source {
            Source::Table(s, t) => self
                .model
                .relation(s, t)
                .map_or(State::Unknown, |r| r.columns.state(name)),
            Source::Columns(c) if c.iter().any(|c| c == name) => State::Present,
            Source::Columns(_) | Source::Qualifier => State::Absent,
        }
    }

    /// The present column of an item closest to `name`, and where it was made.
    fn item_like(&self, source: &Source, name: &str) -> Option<(String, Option<Origin>)> {
        match source {
            Source::Table(s, t) => {
                let r = self.model.relation(s, t)?;
                let l = super::similar::closest(name, r.columns.present().map(|(n, _)| n))?;
                Some((
                    l.to_string(),
                    r.columns.names.get(l).and_then(|e| e.origin.clone()),
                ))
            }
            Source::Columns(c) => super::similar::closest(name, c.iter().map(String::as_str))
                .map(|l| (l.to_string(), None)),
            Source::Qualifier => None,
        }
    }

    /// Checks the column references of `expr` against `scope`.
    fn scoped_refs(&mut self, expr: &Expr, scope: &Scope) {
        let Some(refs) = exprs::references(expr) else {
            return;
        };
        for (qualifier, column) in refs {
            let name = fold(column);
            if is_system_column(&name) {
                continue;
            }
            match qualifier {
                Some(q) => {
                    let alias = fold(q);
                    // The nearest item of that name.
                    match scope.iter().find(|(n, _)| *n == alias) {
                        Some((_, Some(Source::Table(s, t)))) => {
                            self.columns_exist(&(s.clone(), t.clone()), [column]);
                        }
                        // No item of that name where every item's name is
                        // known: PostgreSQL finds no `FROM` entry for it.
                        None if !scope.is_empty() && scope.iter().all(|(n, _)| !n.is_empty()) => {
                            if let Some(like) = super::similar::closest(
                                &alias,
                                scope.iter().map(|(n, _)| n.as_str()),
                            ) {
                                self.problems.push(Problem::Missing {
                                    what: "table",
                                    name: alias.clone(),
                                    place: place(q),
                                    why: Why::Misspelt(like.to_string(), None),
                                });
                            }
                        }
                        Some((_, Some(Source::Qualifier))) => {}
                        Some((_, Some(src))) if self.item_column(src, &name) == State::Absent => {
                            let like = self.item_like(src, &name);
                            self.problems.push(Problem::Missing {
                                what: "column",
                                name: format!("{alias}.{name}"),
                                place: place(column),
                                why: match like {
                                    Some((l, o)) => Why::Misspelt(l, o),
                                    None => Why::Dropped(None),
                                },
                            });
                        }
                        _ => {}
                    }
                }
                None => {
                    // A `FROM` item's own name is its whole row.
                    if scope.is_empty() || scope.iter().any(|(n, t)| t.is_none() || *n == name) {
                        continue;
                    }
                    let sources: Vec<&Source> =
                        scope.iter().filter_map(|(_, t)| t.as_ref()).collect();
                    if !sources
                        .iter()
                        .all(|src| self.item_column(src, &name) == State::Absent)
                    {
                        continue;
                    }
                    if let [Source::Table(s, t)] = sources.as_slice() {
                        self.columns_exist(&(s.clone(), t.clone()), [column]);
                    } else {
                        let like = sources.iter().find_map(|src| self.item_like(src, &name));
                        self.problems.push(Problem::Missing {
                            what: "column",
                            name,
                            place: place(column),
                            why: match like {
                                Some((l, o)) => Why::Misspelt(l, o),
                                None => Why::Dropped(None),
                            },
                        });
                    }
                }
            }
        }
    }

    /// The columns an `UPDATE` or a `DELETE` of the table `at` (named
    /// `alias` there) reads in `exprs`, with its `FROM` or `USING` items
    /// `from` in scope (whose tables must exist).
    fn dml_columns(
        &mut self,
        at: &(String, String),
        alias: Option<String>,
        from: &[sqlparser::ast::TableWithJoins],
        exprs: &[&Expr],
        outer: &Scope,
    ) {
        let before = self.problems.len();
        let mut ctes: super::derive::Ctes = Vec::new();
        for twj in from {
            let mut names = Vec::new();
            self.factor_tables(&twj.relation, &mut names);
            for j in &twj.joins {
                self.factor_tables(&j.relation, &mut names);
            }
        }
        if self.problems.len() != before {
            return;
        }
        let known = self
            .model
            .relation(&at.0, &at.1)
            .filter(|r| r.columns.complete && r.entry.state == State::Present)
            .map(|_| Source::Table(at.0.clone(), at.1.clone()));
        let mut scope: Scope = vec![(alias.unwrap_or_else(|| at.1.clone()), known)];
        let mut derived = Vec::new();
        for twj in from {
            self.scope_of(&twj.relation, &ctes, &mut scope, &mut derived);
            for j in &twj.joins {
                self.scope_of(&j.relation, &ctes, &mut scope, &mut derived);
            }
        }
        for sub in derived {
            self.query_columns(sub, outer, &mut ctes);
        }
        scope.extend(outer.iter().cloned());
        for twj in from {
            for j in &twj.joins {
                if let Some(e) = join_condition(&j.join_operator) {
                    self.scoped_refs(e, &scope);
                }
            }
        }
        for e in exprs {
            self.scoped_refs(e, &scope);
            for sub in exprs::subqueries(e) {
                self.query_columns(sub, &scope, &mut ctes);
            }
        }
    }

    /// An index renamed from `old` to `new` whose table the model does not
    /// know may be a constraint's, of any table: each constraint `old`
    /// not known absent, and `new` beside it, are unknown from now on.
    fn constraint_renamed_anywhere(&mut self, old: &str, new: &str) {
        self.model.each_relation(|_, _, r| {
            let c = &mut r.constraints;
            if c.state(old) != State::Absent {
                for name in [old, new] {
                    c.names.insert(name.to_string(), Entry::unknown());
                    c.types.remove(name);
                }
            }
        });
    }

    /// The tables a query reads (`FROM`, `JOIN`, in its CTEs and derived
    /// tables) must exist; a CTE's name is not a table's.
    fn query_tables(&mut self, q: &sqlparser::ast::Query, ctes: &mut Vec<String>) {
        let depth = ctes.len();
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                let name = fold(&cte.alias.name);
                if with.recursive {
                    ctes.push(name.clone());
                }
                self.query_tables(&cte.query, ctes);
                ctes.push(name);
            }
        }
        self.set_expr_tables(&q.body, ctes);
        ctes.truncate(depth);
    }

    fn set_expr_tables(&mut self, body: &sqlparser::ast::SetExpr, ctes: &mut Vec<String>) {
        use sqlparser::ast::SetExpr;
        match body {
            SetExpr::Select(select) => {
                for twj in &select.from {
                    self.factor_tables(&twj.relation, ctes);
                    for j in &twj.joins {
                        self.factor_tables(&j.relation, ctes);
                    }
                }
                let exprs = select
                    .projection
                    .iter()
                    .filter_map(|item| match item {
                        sqlparser::ast::SelectItem::UnnamedExpr(e)
                        | sqlparser::ast::SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
                        _ => None,
                    })
                    .chain(select.selection.iter())
                    .chain(select.having.iter());
                for e in exprs {
                    for q in exprs::subqueries(e) {
                        self.query_tables(q, ctes);
                    }
                }
            }
            SetExpr::Query(q) => self.query_tables(q, ctes),
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr_tables(left, ctes);
                self.set_expr_tables(right, ctes);
            }
            _ => {}
        }
    }

    fn factor_tables(&mut self, factor: &TableFactor, ctes: &mut Vec<String>) {
        match factor {
            TableFactor::Table {
                name, args: None, ..
            } => {
                let Some(q) = Qualified::of(name) else { return };
                if q.schema.is_none() && ctes.contains(&q.name) {
                    return;
                }
                self.lookup(Space::Relation, &q, "relation", Use::Must);
            }
            TableFactor::Derived { subquery, .. } => self.query_tables(subquery, ctes),
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => {
                self.factor_tables(&table_with_joins.relation, ctes);
                for j in &table_with_joins.joins {
                    self.factor_tables(&j.relation, ctes);
                }
            }
            _ => {}
        }
    }

    /// `nextval('name')`, `setval(...)`, `currval(...)`: the sequence must
    /// exist (PostgreSQL reads the literal as a `regclass` when it parses
    /// the statement). Not inside dollar-quoted bodies.
    fn sequence_literals(&mut self, sql: &str) {
        let Ok(tokens) = crate::lex::tokenize(sql) else {
            return;
        };
        let code: Vec<&crate::lex::Token> = tokens.iter().filter(|t| !t.kind.is_trivia()).collect();
        for w in code.windows(4) {
            let word = &sql[w[0].start..w[0].end];
            if w[0].kind != crate::lex::TokenKind::Word
                || !["nextval", "setval", "currval"]
                    .iter()
                    .any(|f| word.eq_ignore_ascii_case(f))
                || w[1].kind != crate::lex::TokenKind::Punct('(')
                || w[2].kind != crate::lex::TokenKind::String
                || !matches!(w[3].kind, crate::lex::TokenKind::Punct(')' | ',' | ':'))
            {
                continue;
            }
            let lit = &sql[w[2].start..w[2].end];
            let Some(inner) = lit.strip_prefix('\'').and_then(|l| l.strip_suffix('\'')) else {
                continue;
            };
            if inner.contains(['"', '\'', ' ']) || inner.is_empty() {
                continue;
            }
            let parts: Vec<&str> = inner.split('.').collect();
            let place = (w[2].line as u64, w[2].column as u64 + 1);
            let q = match parts.as_slice() {
                [n] => Qualified {
                    schema: None,
                    name: super::name::truncate(&n.to_lowercase()),
                    place,
                },
                [s, n] => Qualified {
                    schema: Some(super::name::truncate(&s.to_lowercase())),
                    name: super::name::truncate(&n.to_lowercase()),
                    place,
                },
                _ => continue,
            };
            self.lookup(Space::Relation, &q, "sequence", Use::Must);
        }
    }

    /// Replays `statement`.
    pub fn statement(&mut self, statement: &Statement, sql: &str) {
        if matches!(
            statement,
            Statement::Query(_)
                | Statement::Insert(_)
                | Statement::Update(_)
                | Statement::CreateTable(_)
                | Statement::AlterTable(_)
        ) {
            self.sequence_literals(sql);
        }
        let query = match statement {
            Statement::Query(q) => Some(q.as_ref()),
            Statement::CreateView(cv) => Some(cv.query.as_ref()),
            Statement::CreateTable(ct) => ct.query.as_deref(),
            Statement::Insert(ins) => ins.source.as_deref(),
            _ => None,
        };
        if let Some(q) = query {
            let before = self.problems.len();
            self.query_tables(q, &mut Vec::new());
            // Columns only where every table was found.
            if self.problems.len() == before {
                self.query_columns(q, &Vec::new(), &mut Vec::new());
            }
        }
        match statement {
            Statement::Update(up) => {
                for e in up
                    .assignments
                    .iter()
                    .map(|a| &a.value)
                    .chain(up.selection.iter())
                {
                    for q in exprs::subqueries(e) {
                        self.query_tables(q, &mut Vec::new());
                    }
                }
            }
            Statement::Delete(del) => {
                for q in del.selection.iter().flat_map(exprs::subqueries) {
                    self.query_tables(q, &mut Vec::new());
                }
            }
            _ => {}
        }
        match statement {
            Statement::CreateTable(ct) => self.create_table(ct),
            Statement::AlterTable(at) => self.alter_table(at),
            Statement::CreateIndex(ci) => self.create_index(ci),
            Statement::CreateView(cv) => self.create_view(cv),
            Statement::Drop {
                object_type,
                if_exists,
                names,
                cascade,
                table,
                ..
            } => self.drop(*object_type, *if_exists, names, *cascade, table.as_ref()),
            Statement::CreateSchema {
                schema_name,
                if_not_exists,
                ..
            } => {
                let name = match schema_name {
                    SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => n,
                    SchemaName::UnnamedAuthorization(role) => {
                        let q = Qualified {
                            schema: None,
                            name: fold(role),
                            place: place(role),
                        };
                        self.create_schema(&q, *if_not_exists);
                        return;
                    }
                };
                match Qualified::of(name) {
                    Some(q) if q.schema.is_none() => self.create_schema(&q, *if_not_exists),
                    _ => self.model.forget_all(),
                }
            }
            Statement::CreateSequence {
                temporary: false,
                if_not_exists,
                name,
                ..
            } => {
                if let Some(q) = Qualified::of(name)
                    && let Some(s) =
                        self.create(Space::Relation, &q, "relation", *if_not_exists, false)
                {
                    let mut r = Relation::new(RelKind::Sequence, self.new_origin());
                    r.columns = Parts::default();
                    r.sql = Some(statement.to_string());
                    self.model.set_relation(&s, &q.name, r);
                }
            }
            Statement::CreateType {
                name,
                representation,
            } => {
                self.create_type(name, representation.as_ref());
                self.type_sql(name, Ok(&statement.to_string()));
            }
            Statement::CreateDomain(cd) => {
                if let Some(q) = Qualified::of(&cd.name)
                    && let Some(s) = self.create(Space::Type, &q, "type", false, false)
                {
                    self.model.set_entry(
                        Space::Type,
                        &s,
                        &q.name,
                        Entry::present(self.new_origin()).with_sql(statement.to_string()),
                    );
                }
            }
            Statement::AlterType(at) => {
                // An enum's new or renamed label: its `CREATE TYPE` rewritten.
                self.type_sql(&at.name, Err(&at.operation));
                // A renamed label: what reads it as a literal now reads the
                // new one (PostgreSQL keeps the value, not the text).
                if let AlterTypeOperation::RenameValue(r) = &at.operation {
                    let literal = format!("'{}'", r.from.value.replace('\'', "''"));
                    self.model.each_relation(|_, _, rel| {
                        rel.columns.details.retain(|_, d| {
                            !d.default.as_deref().is_some_and(|x| x.contains(&literal))
                        });
                        rel.constraints
                            .details
                            .retain(|_, d| !d.sql.contains(&literal));
                        if rel.sql.as_deref().is_some_and(|x| x.contains(&literal)) {
                            rel.sql = None;
                        }
                    });
                }
                let Some(q) = Qualified::of(&at.name) else {
                    return self.model.forget_all();
                };
                let found = self.lookup(Space::Type, &q, "type", Use::Must);
                match (&at.operation, found) {
                    (AlterTypeOperation::Rename(r), Found::Present(s)) => {
                        let new = fold(&r.new_name);
                        self.model.set_entry(
                            Space::Type,
                            &s,
                            &q.name,
                            Entry::absent(self.new_origin()),
                        );
                        self.model.set_entry(
                            Space::Type,
                            &s,
                            &new,
                            Entry::present(self.new_origin()),
                        );
                        // A composite's row type is renamed with it.
                        if self
                            .model
                            .relation(&s, &q.name)
                            .is_some_and(|r| r.kind == RelKind::Composite)
                        {
                            self.rename_relation(&s, &q.name, &new);
                        }
                    }
                    (AlterTypeOperation::Rename(r), _) => {
                        // Either name may be a type (and a composite's row
                        // type) from now on.
                        let new = Qualified {
                            name: fold(&r.new_name),
                            ..q.clone()
                        };
                        self.forget_name(Space::Type, &q);
                        self.forget_name(Space::Type, &new);
                        self.forget_name(Space::Relation, &new);
                    }
                    _ => {}
                }
            }
            Statement::CreateFunction(cf) => self.create_function(cf, sql),
            Statement::CreateProcedure { name, or_alter, .. } => {
                if let Some(q) = Qualified::of(name)
                    && let Some(s) = self.create(Space::Function, &q, "procedure", true, *or_alter)
                {
                    self.model.set_entry(
                        Space::Function,
                        &s,
                        &q.name,
                        Entry::present(self.new_origin()),
                    );
                } else {
                    self.model.forget_functions();
                }
            }
            Statement::DropFunction(df) => {
                let behavior = df.drop_behavior;
                self.drop_functions(df.if_exists, &df.func_desc, behavior, "function");
            }
            Statement::DropProcedure {
                if_exists,
                proc_desc,
                drop_behavior,
            } => self.drop_functions(*if_exists, proc_desc, *drop_behavior, "procedure"),
            Statement::DropDomain(dd) => self.drop_types(
                dd.if_exists,
                std::iter::once(&dd.name),
                dd.drop_behavior == Some(DropBehavior::Cascade),
            ),
            Statement::CreateTrigger(ct) => {
                let Some(q) = Qualified::of(&ct.name) else {
                    return;
                };
                // Its condition reads the table's columns as NEW and OLD.
                if let Some(cond) = &ct.condition
                    && let Some(at) = Qualified::of(&ct.table_name).and_then(|t| {
                        match resolve(self.model, Space::Relation, &t) {
                            Found::Present(s) => Some((s, t.name)),
                            _ => None,
                        }
                    })
                {
                    self.expr_columns(&at, &["new".to_string(), "old".to_string()], cond);
                }
                // The function it runs must exist.
                if let Some(body) = &ct.exec_body
                    && let Some(f) = Qualified::of(&body.func_desc.name)
                {
                    self.lookup(Space::Function, &f, "function", Use::Must);
                }
                if let Some(at) = self.relation(&ct.table_name, "table", Use::Must) {
                    // `UPDATE OF c, ...`: the columns must be there.
                    for event in &ct.events {
                        if let sqlparser::ast::TriggerEvent::Update(cols) = event {
                            self.columns_exist(&at, cols);
                        }
                    }
                    let origin = self.new_origin();
                    let mut problem = None;
                    let rel = self.model.relation_mut(&at.0, &at.1);
                    match rel.triggers.state(&q.name) {
                        State::Present if !ct.or_replace => {
                            problem = Some(Problem::Exists {
                                what: "trigger",
                                name: format!("{} on {}", q.name, at.1),
                                place: q.place,
                                origin: rel
                                    .triggers
                                    .names
                                    .get(&q.name)
                                    .and_then(|e| e.origin.clone()),
                            })
                        }
                        _ => {
                            rel.triggers.names.insert(
                                q.name.clone(),
                                Entry::present(origin).with_sql(statement.to_string()),
                            );
                        }
                    }
                    self.problems.extend(problem);
                }
            }
            Statement::DropTrigger(dt) => {
                let Some(q) = Qualified::of(&dt.trigger_name) else {
                    return;
                };
                let Some(table) = &dt.table_name else { return };
                let usage = if dt.if_exists {
                    Use::IfExists
                } else {
                    Use::Must
                };
                if let Some(at) = self.relation(table, "table", usage) {
                    self.drop_part(&at, &q, "trigger", dt.if_exists, |r| &mut r.triggers);
                }
            }
            Statement::CreatePolicy(cp) => {
                if let Some(at) = self.relation(&cp.table_name, "table", Use::Must) {
                    for e in cp.using.iter().chain(&cp.with_check) {
                        self.expr_columns(&at, std::slice::from_ref(&at.1), e);
                    }
                    let name = fold(&cp.name);
                    let origin = self.new_origin();
                    let rel = self.model.relation_mut(&at.0, &at.1);
                    if rel.policies.state(&name) == State::Present {
                        let origin = rel.policies.names.get(&name).and_then(|e| e.origin.clone());
                        self.problems.push(Problem::Exists {
                            what: "policy",
                            name: format!("{name} on {}", at.1),
                            place: place(&cp.name),
                            origin,
                        });
                    } else {
                        rel.policies
                            .names
                            .insert(name, Entry::present(origin).with_sql(statement.to_string()));
                    }
                }
            }
            Statement::DropPolicy(dp) => {
                let usage = if dp.if_exists {
                    Use::IfExists
                } else {
                    Use::Must
                };
                if let Some(at) = self.relation(&dp.table_name, "table", usage) {
                    let q = Qualified {
                        schema: None,
                        name: fold(&dp.name),
                        place: place(&dp.name),
                    };
                    self.drop_part(&at, &q, "policy", dp.if_exists, |r| &mut r.policies);
                }
            }
            Statement::CreateExtension(ce) => {
                self.create_extension(ce);
                let name = fold(&ce.name);
                if let Some(e) = self.model.extensions.get(&name).cloned()
                    && e.state == State::Present
                    && e.origin == self.new_origin()
                {
                    self.model
                        .set_extension(&name, e.with_sql(statement.to_string()));
                }
            }
            Statement::DropExtension(de) => {
                for n in &de.names {
                    let name = fold(n);
                    match self.model.extension_state(&name) {
                        State::Present => self
                            .model
                            .set_extension(&name, Entry::absent(self.new_origin())),
                        State::Absent
                            if !de.if_exists && self.model.extensions.contains_key(&name) =>
                        {
                            let origin = self
                                .model
                                .extensions
                                .get(&name)
                                .and_then(|e| e.origin.clone());
                            self.problems.push(Problem::Missing {
                                what: "extension",
                                name,
                                place: place(n),
                                why: Why::Dropped(origin),
                            });
                        }
                        _ => {}
                    }
                }
                // Its objects go with it, and what depends on them.
                self.model.forget_all();
            }
            Statement::Insert(ins) => {
                if let TableObject::TableName(name) = &ins.table
                    && let Some(at) = self.relation(name, "table", Use::Must)
                {
                    let cols: Vec<&Ident> =
                        ins.columns.iter().filter_map(|c| last_ident(c)).collect();
                    self.columns_exist(&at, cols);
                }
                self.side_effects(sql);
            }
            Statement::Update(up) => {
                if let TableFactor::Table { name, .. } = &up.table.relation
                    && let Some(at) = self.relation(name, "table", Use::Must)
                {
                    let cols: Vec<&Ident> = up
                        .assignments
                        .iter()
                        .flat_map(|a| match &a.target {
                            sqlparser::ast::AssignmentTarget::ColumnName(n) => vec![n],
                            sqlparser::ast::AssignmentTarget::Tuple(ns) => ns.iter().collect(),
                        })
                        .filter_map(|n| last_ident(n))
                        .collect();
                    self.columns_exist(&at, cols);
                    if up.table.joins.is_empty() {
                        let alias = match &up.table.relation {
                            TableFactor::Table { alias: Some(a), .. } => Some(fold(&a.name)),
                            _ => None,
                        };
                        let from = match &up.from {
                            Some(
                                sqlparser::ast::UpdateTableFromKind::BeforeSet(f)
                                | sqlparser::ast::UpdateTableFromKind::AfterSet(f),
                            ) => f.as_slice(),
                            None => &[],
                        };
                        let exprs: Vec<&Expr> = up
                            .assignments
                            .iter()
                            .map(|a| &a.value)
                            .chain(up.selection.iter())
                            .collect();
                        self.dml_columns(&at, alias, from, &exprs, &Vec::new());
                    }
                }
                self.side_effects(sql);
            }
            Statement::Delete(del) => {
                let tables = match &del.from {
                    FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
                };
                for t in tables {
                    if let TableFactor::Table { name, alias, .. } = &t.relation
                        && let Some(at) = self.relation(name, "table", Use::Must)
                        && tables.len() == 1
                        && t.joins.is_empty()
                    {
                        let alias = alias.as_ref().map(|a| fold(&a.name));
                        let using = del.using.as_deref().unwrap_or(&[]);
                        let exprs: Vec<&Expr> = del.selection.iter().collect();
                        self.dml_columns(&at, alias, using, &exprs, &Vec::new());
                    }
                }
                self.side_effects(sql);
            }
            Statement::Truncate(t) => {
                for target in &t.table_names {
                    self.relation(&target.name, "table", Use::Must);
                }
            }
            Statement::Comment {
                object_type,
                object_name,
                if_exists,
                ..
            } => self.comment(*object_type, object_name, *if_exists),
            Statement::Grant(g) => {
                if let Some(GrantObjects::Tables(tables)) = &g.objects {
                    for t in tables {
                        self.relation(t, "table", Use::Must);
                    }
                }
            }
            Statement::Revoke(_) => {}
            Statement::Set(set) => self.set(set),
            Statement::Query(_) => self.side_effects(sql),
            Statement::AlterIndex { name, operation } => {
                let Some(q) = Qualified::of(name) else { return };
                let sqlparser::ast::AlterIndexOperation::RenameIndex { index_name } = operation;
                let new = Qualified::of(index_name);
                match (self.lookup(Space::Relation, &q, "index", Use::Must), new) {
                    (Found::Present(s), Some(new)) => {
                        self.rename_relation(&s, &q.name, &new.name);
                        // A constraint's index renamed renames the constraint.
                        let origin = self.new_origin();
                        if let Some(owner) = self
                            .model
                            .relation(&s, &new.name)
                            .and_then(|r| r.owner.clone())
                        {
                            let t = self.model.relation_mut(&s, &owner);
                            if t.constraints.state(&q.name) != State::Absent {
                                let was = t.constraints.names.remove(&q.name);
                                t.constraints
                                    .names
                                    .insert(q.name.clone(), Entry::absent(origin));
                                let kind = t.constraints.types.remove(&q.name);
                                match kind {
                                    Some(k) => t.constraints.types.insert(new.name.clone(), k),
                                    None => t.constraints.types.remove(&new.name),
                                };
                                if let Some(e) = was {
                                    t.constraints.names.insert(new.name.clone(), e);
                                }
                            }
                        } else {
                            self.constraint_renamed_anywhere(&q.name, &new.name);
                        }
                    }
                    (_, new) => {
                        if let Some(n) = &new {
                            self.constraint_renamed_anywhere(&q.name, &n.name);
                        }
                        self.forget_name(Space::Relation, &q);
                        match new {
                            Some(n) => self.forget_name(
                                Space::Relation,
                                &Qualified {
                                    schema: q.schema.clone(),
                                    ..n
                                },
                            ),
                            None => self.model.forget_all(),
                        }
                    }
                }
            }
            Statement::AlterView { name, .. } => {
                if let Some(q) = Qualified::of(name)
                    && let Found::Present(s) = self.lookup(Space::Relation, &q, "view", Use::Must)
                {
                    self.model.relation_mut(&s, &q.name).columns.forget();
                }
            }
            Statement::AlterSchema(_) => self.model.forget_all(),
            Statement::AlterFunction(af) => {
                use sqlparser::ast::{AlterFunctionKind, AlterFunctionOperation};
                let q = Qualified::of(&af.function.name)
                    .filter(|_| af.kind == AlterFunctionKind::Function);
                let Some(q) = q else {
                    return self.model.forget_functions();
                };
                let found = self.overload(&q, af.function.args.as_deref(), Use::Must, "function");
                // Its options changed: the statement that made it is not
                // what it is any more.
                if matches!(af.operation, AlterFunctionOperation::Actions { .. })
                    && let Found::Present(s) = resolve(self.model, Space::Function, &q)
                {
                    self.model.forget_function_sql(&s, &q.name);
                }
                match &af.operation {
                    // Owner, options, dependencies: no name changes.
                    AlterFunctionOperation::OwnerTo(_)
                    | AlterFunctionOperation::Actions { .. }
                    | AlterFunctionOperation::DependsOnExtension { .. } => {}
                    // A rename or a move: that overload goes.
                    AlterFunctionOperation::RenameTo { new_name } => {
                        self.move_function(&q, found, fold(new_name), None)
                    }
                    AlterFunctionOperation::SetSchema { schema_name } => {
                        match Qualified::of(schema_name).filter(|s| s.schema.is_none()) {
                            Some(s) => self.move_function(&q, found, q.name.clone(), Some(s.name)),
                            None => self.model.forget_functions(),
                        }
                    }
                }
            }
            Statement::AlterPolicy(_) => {
                // A rename: the model forgets the policies it could touch.
                self.model.each_relation(|_, _, r| r.policies.forget());
            }
            Statement::CreateRole(_)
            | Statement::AlterRole { .. }
            | Statement::Analyze(_)
            | Statement::Lock(_)
            | Statement::LISTEN { .. }
            | Statement::UNLISTEN { .. }
            | Statement::NOTIFY { .. }
            | Statement::Discard { .. }
            | Statement::Prepare { .. }
            | Statement::Deallocate { .. } => {}
            // Anything else: the model cannot follow it.
            _ => self.unparsed(sql),
        }
    }

    /// A statement the model does not follow (sqlparser could not read it,
    /// or its kind is not modelled): what it could touch becomes unknown,
    /// as narrowly as its leading words allow.
    pub fn unparsed(&mut self, sql: &str) {
        let lower: Vec<String> = sql
            .split_whitespace()
            .map(|w| w.trim_end_matches(';').to_lowercase())
            .collect();
        if lower.len() >= 3 && lower[0] == "create" && lower[1] == "extension" {
            // CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s] [VERSION v] [CASCADE]
            let mut i = 2;
            let if_not_exists = lower.get(2).is_some_and(|w| w == "if");
            if if_not_exists {
                i += 3;
            }
            let raw = sql
                .split_whitespace()
                .nth(i)
                .unwrap_or("")
                .trim_end_matches(';');
            let name = if raw.starts_with('"') {
                raw.trim_matches('"').to_string()
            } else {
                raw.to_lowercase()
            };
            let schema = lower
                .iter()
                .position(|w| w == "schema")
                .and_then(|p| sql.split_whitespace().nth(p + 1))
                .map(|s| s.trim_end_matches(';').trim_matches('"').to_lowercase());
            let cascade = lower.iter().any(|w| w == "cascade");
            if !name.is_empty() && !name.contains(['(', ';']) {
                return self.install(name, (1, 1), if_not_exists, schema, cascade);
            }
        }
        if let Some((kind, q, table)) = created_name(sql) {
            let schema = target(self.model, &q);
            // A sequence sqlparser cannot read (pg_dump writes `AS integer`
            // and its options in an order sqlparser does not take): made
            // where the model knows there was none; nothing else to it.
            if kind == "sequence"
                && !q.name.is_empty()
                && !builtin::is_builtin_schema(&schema)
                && resolve(self.model, Space::Relation, &q) == Found::Absent(None)
                && self
                    .model
                    .schemas
                    .get(&schema)
                    .is_some_and(|ns| ns.state(Space::Relation, &q.name) == State::Absent)
            {
                let mut r = Relation::new(RelKind::Sequence, self.new_origin());
                r.columns = Parts::default();
                r.sql = Some(sql.trim().trim_end_matches(';').to_string());
                self.model.set_relation(&schema, &q.name, r);
                return;
            }
            match kind {
                "index" => match q.name.is_empty() {
                    false => self.forget_name(Space::Relation, &q),
                    true => self.model.unnamed(&schema, &table.unwrap_or_default()),
                },
                "type" | "domain" => {
                    self.forget_name(Space::Type, &q);
                    self.forget_name(Space::Relation, &q);
                }
                _ => {
                    self.forget_name(Space::Relation, &q);
                    self.model.unnamed(&schema, &q.name);
                }
            }
            return;
        }
        let words: Vec<String> = leading_words(sql, 4);
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        match w.as_slice() {
            // `COMMENT ON FUNCTION f(args)`: that overload must exist.
            ["comment", "on", "function" | "procedure", ..] => self.function_in_text(sql, 3),
            // Reads, privileges, comments and maintenance change no name.
            ["comment", ..]
            | ["grant", ..]
            | ["revoke", ..]
            | [
                "analyze" | "analyse" | "vacuum" | "cluster" | "reindex" | "checkpoint",
                ..,
            ]
            | ["refresh", "materialized", ..]
            | ["security", "label", ..]
            | ["alter", "default", "privileges", ..]
            | ["create" | "alter" | "drop", "role" | "user" | "group", ..]
            | ["alter", "database" | "system", ..]
            | ["reset", ..] => {}
            // Options, ownership, restart: no name changes, but for a rename
            // or a move (`SET SCHEMA`, which sqlparser does not read).
            [
                "alter",
                "table" | "index" | "sequence" | "view" | "materialized",
                _,
                "owner" | "set",
            ] if !contains_word(sql, "schema") => {}
            // A `DO` block that only reads and writes rows (no DDL, no
            // dynamic SQL, no call that may change the schema): harmless.
            ["do", ..] => match super::plpgsql::steps(sql) {
                Some(steps) => self.do_steps(&steps),
                None => {
                    let body = sql.trim_start().get(2..).unwrap_or("");
                    if may_change_schema(body, "", &self.model.function_effects) {
                        self.model.forget_all();
                    }
                }
            },
            ["alter", "sequence", ..] if contains_word(sql, "owned") => self.owned_by(sql),
            ["alter", "sequence", ..]
                if !(contains_word(sql, "rename") || contains_word(sql, "schema")) => {}
            ["alter", "sequence" | "index" | "view" | "table", ..]
            | ["alter", "materialized", "view", ..] => {
                let skip = usize::from(w.get(1) == Some(&"materialized"));
                let noun = match w.get(1) {
                    Some(&"sequence") => "sequence",
                    Some(&"index") => "index",
                    Some(&"view" | &"materialized") => "view",
                    _ => "table",
                };
                let usage = if w.get(2 + skip) == Some(&"if") {
                    Use::IfExists
                } else {
                    Use::Must
                };
                // A rename or a move; or (not a table) any other change to
                // the one object it names.
                // `ALTER MATERIALIZED VIEW` read as `ALTER VIEW`.
                let text = match skip {
                    0 => sql.to_string(),
                    _ => sql
                        .split_whitespace()
                        .enumerate()
                        .filter(|(i, _)| *i != 1)
                        .map(|(_, x)| x)
                        .collect::<Vec<_>>()
                        .join(" "),
                };
                let names = renamed(&text).or_else(|| {
                    let at = 2 + skip + if usage == Use::IfExists { 2 } else { 0 };
                    let q = sql.split_whitespace().nth(at).and_then(word_name)?;
                    (noun != "table").then(|| vec![q])
                });
                match names {
                    Some(names) => {
                        // What is renamed, moved or changed must exist.
                        if let Some(old) = names.first() {
                            let at = Qualified {
                                place: place_of_word(sql, &old.name, 2),
                                ..old.clone()
                            };
                            self.lookup(Space::Relation, &at, noun, usage);
                        }
                        for q in names {
                            self.forget_name(Space::Relation, &q);
                        }
                    }
                    None if noun == "table" => self.unread_alter_table(sql),
                    None => self.model.forget_all(),
                }
            }
            [
                "select" | "with" | "insert" | "update" | "delete" | "merge" | "copy" | "values",
                ..,
            ] => self.side_effects(sql),
            // These make only functions (or things the model does not hold).
            ["create", "function" | "procedure" | "aggregate", ..]
            | [
                "create",
                "or",
                "replace",
                "function" | "procedure" | "aggregate",
            ] => self.unread_function(sql),
            [
                "create" | "alter" | "drop",
                "operator" | "collation" | "conversion" | "cast" | "text" | "statistics"
                | "publication" | "subscription" | "server" | "language" | "access" | "transform",
                ..,
            ]
            | ["create", "or", "replace", "language" | "transform" | "rule"]
            | ["create" | "alter" | "drop", "foreign", "data", ..] => {
                if w.first() != Some(&"drop") {
                    self.model.function_dependents = true;
                }
            }
            ["create", "or", "replace", "trigger"]
            | ["create", "trigger" | "constraint", ..]
            | ["alter", "trigger", ..] => {
                // ALTER TRIGGER t ON table ...: the table must exist.
                let lower: Vec<String> = sql.split_whitespace().map(str::to_lowercase).collect();
                if w.first() == Some(&"alter")
                    && let Some(table) = lower
                        .iter()
                        .position(|x| x == "on")
                        .and_then(|p| lower.get(p + 1))
                    && table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    let q = Qualified {
                        schema: None,
                        name: table.clone(),
                        place: place_of_word(sql, table, 4),
                    };
                    self.lookup(Space::Relation, &q, "table", Use::Must);
                }
                self.model.each_relation(|_, _, r| r.triggers.forget())
            }
            ["create" | "alter", "policy", ..] => {
                self.model.each_relation(|_, _, r| r.policies.forget())
            }
            ["alter", "type" | "domain", ..] => self.unread_alter_type(sql),
            ["set", ..] => self.model.set_path(None),
            _ => self.model.forget_all(),
        }
    }

    /// An `ALTER TYPE` or `ALTER DOMAIN` sqlparser does not read (a
    /// composite's attributes, a domain's constraints, `SET SCHEMA`, the
    /// owner): the type must exist. A move lets both names go (and a
    /// composite's row type with them); any other form keeps the type and
    /// lets go of what it may change: its statement, and its row type's
    /// columns.
    fn unread_alter_type(&mut self, sql: &str) {
        let names = match renamed(sql) {
            Some(names) => names,
            None => match sql.split_whitespace().nth(2).and_then(word_name) {
                Some(q) => vec![q],
                None => return self.model.forget_all(),
            },
        };
        if let Some(old) = names.first() {
            let at = Qualified {
                place: place_of_word(sql, &old.name, 2),
                ..old.clone()
            };
            self.lookup(Space::Type, &at, "type", Use::Must);
        }
        if let [q] = names.as_slice() {
            if let Found::Present(s) = resolve(self.model, Space::Type, q)
                && let Some(e) = self
                    .model
                    .schemas
                    .get(&s)
                    .and_then(|ns| ns.types.get(&q.name))
                    .cloned()
            {
                self.model
                    .set_entry(Space::Type, &s, &q.name, Entry { sql: None, ..e });
            } else {
                self.forget_name(Space::Type, q);
            }
            if resolve(self.model, Space::Relation, q) != Found::Absent(None) {
                self.forget_name(Space::Relation, q);
            }
            return;
        }
        for q in &names {
            self.forget_name(Space::Type, q);
            self.forget_name(Space::Relation, q);
        }
    }

    /// A function named with its arguments in a statement sqlparser does
    /// not read (`COMMENT ON FUNCTION f(integer) IS ...`), from its
    /// `skip`th word: that overload must exist. The name and arguments are
    /// read as sqlparser reads them after `DROP FUNCTION`.
    fn function_in_text(&mut self, sql: &str, skip: usize) {
        let Ok(tokens) = crate::lex::tokenize(sql) else {
            return;
        };
        let code: Vec<&crate::lex::Token> = tokens.iter().filter(|t| !t.kind.is_trivia()).collect();
        let Some(first) = code.get(skip) else { return };
        // The name, then its arguments up to the matching parenthesis.
        let mut depth = 0usize;
        let mut end = None;
        for t in &code[skip..] {
            match t.kind {
                crate::lex::TokenKind::Punct('(') => depth += 1,
                crate::lex::TokenKind::Punct(')') if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(t.end);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { return };
        let text = format!("DROP FUNCTION {}", &sql[first.start..end]);
        let Ok(parsed) =
            sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, &text)
        else {
            return;
        };
        let [Statement::DropFunction(df)] = parsed.as_slice() else {
            return;
        };
        let [desc] = df.func_desc.as_slice() else {
            return;
        };
        let Some(mut q) = Qualified::of(&desc.name) else {
            return;
        };
        // Where the name is in the statement: its last part's start.
        let offset = sql[first.start..end]
            .find('(')
            .map_or(first.start, |p| first.start + p);
        let name_start = sql[first.start..offset]
            .rfind(|c: char| c == '.' || c.is_whitespace())
            .map_or(first.start, |p| first.start + p + 1);
        q.place = (
            first.line as u64,
            (first.column + name_start - first.start) as u64,
        );
        self.overload(&q, desc.args.as_deref(), Use::Must, "function");
    }

    /// `ALTER SEQUENCE s ... OWNED BY t.c`: the sequence goes with `t` from
    /// now on (`OWNED BY NONE`: with nothing).
    fn owned_by(&mut self, sql: &str) {
        let words: Vec<&str> = sql
            .split_whitespace()
            .map(|w| w.trim_end_matches(';'))
            .collect();
        let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        let at = if lower.get(2).is_some_and(|w| w == "if") {
            4
        } else {
            2
        };
        let plain = |w: &str| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        };
        let by = lower.iter().position(|w| w == "owned").map(|p| p + 2);
        let (Some(seq), Some(target)) = (words.get(at).copied(), by.and_then(|b| lower.get(b)))
        else {
            return self.model.forget_all();
        };
        if !plain(seq) || !plain(target) {
            return self.model.forget_all();
        }
        let parts: Vec<&str> = seq.split('.').collect();
        let q = match parts.as_slice() {
            [n] => Qualified {
                schema: None,
                name: n.to_lowercase(),
                place: (1, 1),
            },
            [s, n] => Qualified {
                schema: Some(s.to_lowercase()),
                name: n.to_lowercase(),
                place: (1, 1),
            },
            _ => return self.model.forget_all(),
        };
        let owner = match target.rsplit_once('.') {
            _ if target == "none" => None,
            Some((table, _)) => Some(table.rsplit('.').next().unwrap_or(table).to_string()),
            None => return self.forget_name(Space::Relation, &q),
        };
        // The owning table and column must exist (and the sequence).
        if let Some((table, column)) = target.rsplit_once('.') {
            let skip = by.unwrap_or(0);
            let t = match table.split_once('.') {
                Some((s, t)) => Qualified {
                    schema: Some(super::name::truncate(s)),
                    name: super::name::truncate(t),
                    place: place_of_word(sql, t, skip),
                },
                None => Qualified {
                    schema: None,
                    name: super::name::truncate(table),
                    place: place_of_word(sql, table, skip),
                },
            };
            if !t.name.contains('.')
                && let Found::Present(s) = self.lookup(Space::Relation, &t, "table", Use::Must)
            {
                let column_place = place_of_word(sql, column, skip + 1);
                self.columns_named(
                    &(s, t.name.clone()),
                    vec![(super::name::truncate(column), column_place)],
                );
            }
        }
        let seq_usage = if at == 4 { Use::IfExists } else { Use::Must };
        let seq = Qualified {
            place: place_of_word(sql, &q.name, 2),
            ..q.clone()
        };
        self.lookup(Space::Relation, &seq, "sequence", seq_usage);
        match resolve(self.model, Space::Relation, &q) {
            Found::Present(s) => self.model.relation_mut(&s, &q.name).owner = owner,
            Found::Unknown => self.forget_name(Space::Relation, &q),
            Found::Absent(_) => {}
        }
    }

    /// An `ALTER TABLE` sqlparser could not read (not a rename of the table):
    /// what the table holds is no longer known, nor the names of what it
    /// owns; with `CASCADE`, what depends on it elsewhere.
    fn unread_alter_table(&mut self, sql: &str) {
        let words: Vec<&str> = sql.split_whitespace().collect();
        let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        let mut i = 2;
        if lower.get(i).is_some_and(|w| w == "if") {
            i += 2;
        }
        if lower.get(i).is_some_and(|w| w == "only") {
            i += 1;
        }
        let Some(raw) = words.get(i) else {
            return self.model.forget_all();
        };
        let parts: Vec<&str> = raw.split('.').collect();
        let plain =
            |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !parts.iter().all(|p| plain(p)) {
            return self.model.forget_all();
        }
        let q = match parts.as_slice() {
            [n] => Qualified {
                schema: None,
                name: n.to_lowercase(),
                place: (1, 1),
            },
            [s, n] => Qualified {
                schema: Some(s.to_lowercase()),
                name: n.to_lowercase(),
                place: (1, 1),
            },
            _ => return self.model.forget_all(),
        };
        // A constraint renamed renames its index, to any name.
        if contains_word(sql, "rename") || contains_word(sql, "schema") {
            return self.model.forget_all();
        }
        let usage = if lower.get(2).is_some_and(|w| w == "if") {
            Use::IfExists
        } else {
            Use::Must
        };
        let named = Qualified {
            place: place_of_word(sql, &q.name, 2),
            ..q.clone()
        };
        let found = self.lookup(Space::Relation, &named, "table", usage);
        // Only `ALTER CONSTRAINT c [NOT] DEFERRABLE | INITIALLY ...`: no
        // name changes; each constraint must be there.
        if let Some(constraints) = altered_constraints(&words[i + 1..]) {
            if let Found::Present(s) = &found {
                let at = (s.clone(), q.name.clone());
                for c in constraints.iter().cloned() {
                    let c = Qualified {
                        schema: None,
                        place: place_of_word(sql, &c, i + 1),
                        name: c,
                    };
                    if let Some(rel) = self.model.relation(&at.0, &at.1)
                        && rel.constraints.state(&c.name) == State::Absent
                    {
                        let problem = absent_part(&rel.constraints, &at, &c, "constraint", false);
                        self.problems.extend(problem);
                    }
                    // Its timing is no longer what its definition says.
                    self.model
                        .relation_mut(&at.0, &at.1)
                        .constraints
                        .details
                        .remove(&c.name);
                }
            } else if found == Found::Unknown {
                // Whichever table it is, those constraints' timing changed.
                let schemas: Vec<String> = self.model.schemas.keys().cloned().collect();
                for sch in schemas {
                    if self.model.relation(&sch, &q.name).is_some() {
                        let rel = self.model.relation_mut(&sch, &q.name);
                        for c in &constraints {
                            rel.constraints.details.remove(c);
                        }
                    }
                }
            }
            return;
        }
        match found {
            Found::Present(s) => {
                self.forget_table_parts(&s, &q.name);
                // A constraint added under its own name may bring an index
                // of any name.
                if contains_word(sql, "add")
                    && ["constraint", "unique", "primary", "exclude"]
                        .iter()
                        .any(|w| contains_word(sql, w))
                {
                    self.model.unnamed(&s, "");
                }
                let owned: Vec<String> = self
                    .model
                    .schemas
                    .get(&s)
                    .map(|ns| {
                        ns.relations
                            .iter()
                            .filter(|(_, r)| r.owner.as_deref() == Some(q.name.as_str()))
                            .map(|(n, _)| n.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                for n in owned {
                    self.model.relation_mut(&s, &n).entry = Entry::unknown();
                }
            }
            Found::Unknown => self.forget_name(Space::Relation, &q),
            Found::Absent(_) => {}
        }
        if contains_word(sql, "cascade") {
            self.forget_dependents();
        }
    }

    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE name (...) ...` that sqlparser
    /// could not read: the function is there, and what calling it may do is
    /// read from the rest of the text; when even its name does not read,
    /// every function is unknown.
    fn unread_function(&mut self, sql: &str) {
        let Ok(tokens) = crate::lex::tokenize(sql) else {
            return self.model.forget_functions();
        };
        let code: Vec<&crate::lex::Token> = tokens.iter().filter(|t| !t.kind.is_trivia()).collect();
        let Some(k) = code.iter().position(|t| {
            let w = &sql[t.start..t.end];
            ["function", "procedure"]
                .iter()
                .any(|f| w.eq_ignore_ascii_case(f))
        }) else {
            return self.model.forget_functions();
        };
        let name_of = |t: &crate::lex::Token| -> Option<String> {
            let text = &sql[t.start..t.end];
            match t.kind {
                crate::lex::TokenKind::Word => Some(super::name::truncate(&text.to_lowercase())),
                crate::lex::TokenKind::QuotedIdent => Some(super::name::truncate(
                    &text.trim_matches('"').replace("\"\"", "\""),
                )),
                _ => None,
            }
        };
        let (q, rest) = match (code.get(k + 1), code.get(k + 2), code.get(k + 3)) {
            (Some(a), Some(dot), Some(b)) if dot.kind == crate::lex::TokenKind::Punct('.') => {
                match (name_of(a), name_of(b)) {
                    (Some(s), Some(n)) => (
                        Qualified {
                            schema: Some(s),
                            name: n,
                            place: (1, 1),
                        },
                        b.end,
                    ),
                    _ => return self.model.forget_functions(),
                }
            }
            (Some(a), _, _) => match name_of(a) {
                Some(n) => (
                    Qualified {
                        schema: None,
                        name: n,
                        place: (1, 1),
                    },
                    a.end,
                ),
                None => return self.model.forget_functions(),
            },
            _ => return self.model.forget_functions(),
        };
        let body = sql.get(rest..).unwrap_or("");
        let may = may_change_schema(body, &q.name, &self.model.function_effects);
        let before = self
            .model
            .function_effects
            .get(&q.name)
            .copied()
            .unwrap_or(false);
        self.model
            .function_effects
            .insert(q.name.clone(), may || before);
        let schema = target(self.model, &q);
        self.model.set_entry(
            Space::Function,
            &schema,
            &q.name,
            Entry::present(self.new_origin()),
        );
    }

    /// A statement that may call functions: a call to one that is not the
    /// server's own may do anything.
    fn side_effects(&mut self, sql: &str) {
        let calls = exprs::calls(sql);
        for call in &calls {
            if call == "set_config" {
                // `set_config('search_path', ...)`: the path is no longer known.
                self.model.set_path(None);
                if !sql.to_lowercase().contains("search_path") {
                    continue;
                }
                self.set_path_from_config(sql);
                continue;
            }
            // A migration's own function by what its body does; the
            // server's own (pg_catalog comes first on the path) change nothing.
            let harmless = match self.model.function_effects.get(call) {
                Some(may_change) => !may_change,
                None => builtin::is_harmless_call(call),
            };
            if !harmless {
                self.model.forget_all();
                return;
            }
        }
    }

    fn set_path_from_config(&mut self, sql: &str) {
        // set_config('search_path', 'a, b', ...): the second literal.
        let literals: Vec<&str> = sql.split('\'').skip(1).step_by(2).collect();
        let path = literals
            .iter()
            .position(|l| l.eq_ignore_ascii_case("search_path"))
            .and_then(|i| literals.get(i + 1))
            .map(|p| parse_path(p));
        self.model.set_path(path.flatten());
    }

    fn set(&mut self, set: &Set) {
        let Set::SingleAssignment {
            variable, values, ..
        } = set
        else {
            return;
        };
        let Some(var) = exprs::function_name(variable) else {
            return;
        };
        if var != "search_path" {
            return;
        }
        let mut path = Vec::new();
        for v in values {
            let name = match v {
                Expr::Identifier(i) => fold(i),
                Expr::Value(v) => match &v.value {
                    sqlparser::ast::Value::SingleQuotedString(s) => match parse_path(s) {
                        Some(p) => {
                            path.extend(p);
                            continue;
                        }
                        None => return self.model.set_path(None),
                    },
                    _ => return self.model.set_path(None),
                },
                _ => return self.model.set_path(None),
            };
            path.push(if name == "$user" {
                DEFAULT.to_string()
            } else {
                name
            });
        }
        if values.len() == 1 && path.first().is_some_and(|p| p == "default") {
            return self.model.set_path(None);
        }
        self.model.set_path(Some(path));
    }

    fn create_schema(&mut self, q: &Qualified, if_not_exists: bool) {
        match self.model.schema_state(&q.name) {
            State::Present if q.name == "public" || !if_not_exists => {
                if !if_not_exists {
                    let origin = self
                        .model
                        .schemas
                        .get(&q.name)
                        .and_then(|n| n.entry.origin.clone());
                    self.problems.push(Problem::Exists {
                        what: "schema",
                        name: q.name.clone(),
                        place: q.place,
                        origin,
                    });
                }
            }
            State::Present => {}
            State::Unknown if if_not_exists => {}
            _ => {
                let origin = self.new_origin();
                self.model.set_schema(&q.name, Entry::present(origin));
                let ns = self.model.namespace_mut(&q.name);
                ns.opaque = false;
            }
        }
    }

    fn create_type(
        &mut self,
        name: &ObjectName,
        representation: Option<&UserDefinedTypeRepresentation>,
    ) {
        let Some(q) = Qualified::of(name) else { return };
        let Some(s) = self.create(Space::Type, &q, "type", false, false) else {
            return;
        };
        self.model
            .set_entry(Space::Type, &s, &q.name, Entry::present(self.new_origin()));
        // A base or range type is made of functions.
        if !matches!(
            representation,
            Some(
                UserDefinedTypeRepresentation::Composite { .. }
                    | UserDefinedTypeRepresentation::Enum { .. }
            )
        ) {
            self.model.function_dependents = true;
        }
        if let Some(UserDefinedTypeRepresentation::Composite { attributes }) = representation {
            let mut r = Relation::new(RelKind::Composite, self.new_origin());
            for a in attributes {
                r.columns
                    .names
                    .insert(fold(&a.name), Entry::present(self.new_origin()));
            }
            self.model.set_relation(&s, &q.name, r);
        }
    }

    /// The statements of a `DO` block the model follows (see
    /// [`super::plpgsql`]): each replayed as it would run, one that may not
    /// have run forgotten as narrowly as its words allow. What they find is
    /// not reported: the names inside a block are not placed in the file.
    fn do_steps(&mut self, steps: &[super::plpgsql::Step]) {
        use super::plpgsql::Guard;
        for step in steps {
            let runs = match step.guard {
                Guard::None => true,
                // It runs unless what it makes is there: followed where the
                // model knows it is not (and skipped where it knows it is).
                Guard::Duplicate => match created_name(&step.sql) {
                    Some((kind, q, _)) if !q.name.is_empty() => {
                        let space = if matches!(kind, "type" | "domain") {
                            Space::Type
                        } else {
                            Space::Relation
                        };
                        match resolve(self.model, space, &q) {
                            Found::Absent(_) => true,
                            Found::Present(_) => continue,
                            Found::Unknown => false,
                        }
                    }
                    _ => false,
                },
                Guard::Any => false,
            };
            // One that may not have run: what it changes is unknown after.
            let before = (!runs).then(|| self.model.clone());
            let mut inner = Replay::new(&mut *self.model, self.origin.clone(), self.external);
            match sqlparser::parser::Parser::parse_sql(
                &sqlparser::dialect::PostgreSqlDialect {},
                &step.sql,
            ) {
                Ok(parsed) if parsed.len() == 1 => inner.statement(&parsed[0], &step.sql),
                _ => inner.unparsed(&step.sql),
            }
            if let Some(before) = before {
                self.model.join_with(&before);
            }
        }
    }

    /// Keeps the statement that makes a type as it stands, where the model
    /// knows the type: the `CREATE` just replayed (`Ok`), or the one kept,
    /// with an enum's label added or renamed (`Err`: the change; any other
    /// leaves the statement unknown).
    fn type_sql(&mut self, name: &ObjectName, change: Result<&str, &AlterTypeOperation>) {
        let Some(q) = Qualified::of(name) else { return };
        let Found::Present(s) = resolve(self.model, Space::Type, &q) else {
            return;
        };
        let Some(e) = self
            .model
            .schemas
            .get(&s)
            .and_then(|ns| ns.types.get(&q.name))
            .cloned()
        else {
            return;
        };
        let sql = match (&e.sql, change) {
            (_, Ok(sql)) if e.origin == self.new_origin() => Some(sql.to_string()),
            (Some(before), Err(op)) => relabel(before, op),
            _ => None,
        };
        let e = Entry {
            sql: sql.map(Into::into),
            ..e
        };
        self.model.set_entry(Space::Type, &s, &q.name, e);
    }

    fn create_function(&mut self, cf: &CreateFunction, sql: &str) {
        let Some(q) = Qualified::of(&cf.name) else {
            return self.model.forget_functions();
        };
        // The types it takes and returns must exist.
        for a in cf.args.iter().flatten() {
            self.type_ref(&a.data_type);
        }
        if let Some(
            sqlparser::ast::FunctionReturnType::DataType(t)
            | sqlparser::ast::FunctionReturnType::SetOf(t),
        ) = &cf.return_type
        {
            self.type_ref(t);
        }
        self.sql_body(cf, &q.name, sql);
        // Overloads share a name: a second one is no error.
        let schema = target(self.model, &q);
        let body = cf
            .function_body
            .as_ref()
            .map(|b| match b {
                sqlparser::ast::CreateFunctionBody::AsBeforeOptions { body, .. }
                | sqlparser::ast::CreateFunctionBody::AsAfterOptions(body)
                | sqlparser::ast::CreateFunctionBody::Return(body) => match body {
                    Expr::Value(v) => match &v.value {
                        sqlparser::ast::Value::SingleQuotedString(t) => t.clone(),
                        sqlparser::ast::Value::DollarQuotedString(d) => d.value.clone(),
                        other => other.to_string(),
                    },
                    other => other.to_string(),
                },
                // A body the model does not read: assume the worst.
                _ => "execute".to_string(),
            })
            .unwrap_or_default();
        let may_change = may_change_schema(&body, &q.name, &self.model.function_effects)
            || cf.function_body.is_none();
        // Another overload's effects count too.
        let before = self
            .model
            .function_effects
            .get(&q.name)
            .copied()
            .unwrap_or(false);
        self.model
            .function_effects
            .insert(q.name.clone(), may_change || before);
        // Overloads: each one's statement, in the order they were made.
        let before = self
            .model
            .schemas
            .get(&schema)
            .and_then(|ns| ns.functions.get(&q.name))
            .filter(|e| e.state == State::Present)
            .map(|e| e.sql.clone());
        let text = cf.to_string();
        let sql = match before {
            None => Some(text),
            Some(Some(b)) if cf.or_replace && b.as_ref() == text => Some(text),
            Some(Some(b)) => Some(format!("{b};\n{text}")),
            Some(None) => None,
        };
        // Its overloads: this one and, when every earlier one was known,
        // those.
        let state = self
            .model
            .schemas
            .get(&schema)
            .map_or(State::Absent, |ns| ns.state(Space::Function, &q.name));
        let earlier = match state {
            State::Absent => Some(super::model::Overloads::default()),
            State::Present => self.model.overloads(&schema, &q.name).cloned(),
            State::Unknown => None,
        };
        let sig = cf.args.as_deref().and_then(super::signature::arg_types);
        let overloads = earlier.zip(sig).map(|(mut o, sig)| {
            o.known.entry(sig).or_insert_with(|| self.new_origin());
            o
        });
        let mut entry = Entry::present(self.new_origin());
        entry.sql = sql.map(Into::into);
        self.model
            .set_entry(Space::Function, &schema, &q.name, entry);
        self.model.set_overloads(&schema, &q.name, overloads);
    }

    /// A `LANGUAGE sql` function's body, which PostgreSQL analyses when it
    /// makes the function (`check_function_bodies`, on unless a migration
    /// says otherwise): the names its statements read must exist, with the
    /// function's parameters in scope (by their names, qualified or not by
    /// the function's). Only bodies of queries and row changes, and not
    /// with polymorphic arguments (PostgreSQL does not analyse those).
    fn sql_body(&mut self, cf: &CreateFunction, name: &str, sql: &str) {
        // Its own settings (`SET search_path = ...`) apply while the server
        // analyses it: not followed here.
        if self.model.bodies_unchecked
            || !cf.set_params.is_empty()
            || !cf
                .language
                .as_ref()
                .is_some_and(|l| l.value.eq_ignore_ascii_case("sql"))
        {
            return;
        }
        let body = match &cf.function_body {
            Some(
                sqlparser::ast::CreateFunctionBody::AsBeforeOptions { body, .. }
                | sqlparser::ast::CreateFunctionBody::AsAfterOptions(body),
            ) => match body {
                Expr::Value(v) => match &v.value {
                    sqlparser::ast::Value::DollarQuotedString(d) => d.value.clone(),
                    _ => return,
                },
                _ => return,
            },
            _ => return,
        };
        let args = cf.args.as_deref().unwrap_or(&[]);
        // Polymorphic or `%TYPE` arguments; output ones (`OUT`, `RETURNS
        // TABLE`), whose names the model does not put in scope: not checked.
        let returns_table = cf.return_type.as_ref().is_some_and(|r| {
            r.to_string()
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("table")
        });
        if returns_table
            || args.iter().any(|a| {
                let t = type_text(&a.data_type);
                t.starts_with("any")
                    || t.contains('%')
                    || a.mode == Some(sqlparser::ast::ArgMode::Out)
            })
        {
            return;
        }
        // Where the body is in the statement (once only, or not checked).
        let Some(offset) = sql
            .find(&body)
            .filter(|o| sql[o + 1..].find(&body).is_none())
        else {
            return;
        };
        let before = &sql[..offset];
        let line = before.matches('\n').count() as u64 + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() as u64 + 1;
        let Ok(statements) =
            sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, &body)
        else {
            return;
        };
        if !statements.iter().all(|s| {
            matches!(
                s,
                Statement::Query(_)
                    | Statement::Insert(_)
                    | Statement::Update(_)
                    | Statement::Delete(_)
            )
        }) {
            return;
        }
        let params: Vec<String> = args
            .iter()
            .filter(|a| a.mode != Some(sqlparser::ast::ArgMode::Out))
            .filter_map(|a| a.name.as_ref().map(fold))
            .collect();
        // The function's name qualifies its parameters; a parameter of a
        // composite type qualifies its fields (not known here).
        let mut outer: Scope = params
            .iter()
            .map(|p| (p.clone(), Some(Source::Qualifier)))
            .collect();
        outer.insert(0, (name.to_string(), Some(Source::Columns(params))));
        let first = self.problems.len();
        for s in &statements {
            self.read_names(s, &outer);
        }
        // Places in the body, as places in the statement.
        for p in &mut self.problems[first..] {
            let (l, c) = p.place();
            let at = if l == 1 {
                (line, column + c - 1)
            } else {
                (line + l - 1, c)
            };
            p.set_place(at);
        }
    }

    /// The names a query or a row change reads, checked with `outer` in
    /// scope; the model is not changed.
    fn read_names(&mut self, statement: &Statement, outer: &Scope) {
        let before = self.problems.len();
        let query = match statement {
            Statement::Query(q) => Some(q.as_ref()),
            Statement::Insert(ins) => ins.source.as_deref(),
            _ => None,
        };
        if let Some(q) = query {
            self.query_tables(q, &mut Vec::new());
            if self.problems.len() == before {
                self.query_columns(q, outer, &mut Vec::new());
            }
        }
        match statement {
            Statement::Insert(ins) => {
                if let TableObject::TableName(name) = &ins.table
                    && let Some(at) = self.relation(name, "table", Use::Must)
                {
                    let cols: Vec<&Ident> =
                        ins.columns.iter().filter_map(|c| last_ident(c)).collect();
                    self.columns_exist(&at, cols);
                }
            }
            Statement::Update(up) => {
                if let TableFactor::Table { name, alias, .. } = &up.table.relation
                    && up.table.joins.is_empty()
                    && let Some(at) = self.relation(name, "table", Use::Must)
                {
                    let cols: Vec<&Ident> = up
                        .assignments
                        .iter()
                        .flat_map(|a| match &a.target {
                            sqlparser::ast::AssignmentTarget::ColumnName(n) => vec![n],
                            sqlparser::ast::AssignmentTarget::Tuple(ns) => ns.iter().collect(),
                        })
                        .filter_map(|n| last_ident(n))
                        .collect();
                    self.columns_exist(&at, cols);
                    let from = match &up.from {
                        Some(
                            sqlparser::ast::UpdateTableFromKind::BeforeSet(f)
                            | sqlparser::ast::UpdateTableFromKind::AfterSet(f),
                        ) => f.as_slice(),
                        None => &[],
                    };
                    let exprs: Vec<&Expr> = up
                        .assignments
                        .iter()
                        .map(|a| &a.value)
                        .chain(up.selection.iter())
                        .collect();
                    let alias = alias.as_ref().map(|a| fold(&a.name));
                    self.dml_columns(&at, alias, from, &exprs, outer);
                }
            }
            Statement::Delete(del) => {
                let tables = match &del.from {
                    FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
                };
                if let [t] = tables.as_slice()
                    && let TableFactor::Table { name, alias, .. } = &t.relation
                    && t.joins.is_empty()
                    && let Some(at) = self.relation(name, "table", Use::Must)
                {
                    let alias = alias.as_ref().map(|a| fold(&a.name));
                    let using = del.using.as_deref().unwrap_or(&[]);
                    let exprs: Vec<&Expr> = del.selection.iter().collect();
                    self.dml_columns(&at, alias, using, &exprs, outer);
                }
            }
            _ => {}
        }
    }

    fn create_extension(&mut self, ce: &sqlparser::ast::CreateExtension) {
        self.install(
            fold(&ce.name),
            place(&ce.name),
            ce.if_not_exists,
            ce.schema.as_ref().map(fold),
            ce.cascade,
        );
    }

    /// `CREATE EXTENSION name [SCHEMA schema] [CASCADE]`.
    fn install(
        &mut self,
        name: String,
        at: Place,
        if_not_exists: bool,
        schema: Option<String>,
        cascade: bool,
    ) {
        match self.model.extension_state(&name) {
            State::Present if !if_not_exists => {
                let origin = self
                    .model
                    .extensions
                    .get(&name)
                    .and_then(|e| e.origin.clone());
                self.problems.push(Problem::Exists {
                    what: "extension",
                    name,
                    place: at,
                    origin,
                });
                return;
            }
            State::Present => return,
            _ => {}
        }
        let schema = match schema {
            Some(s) => s,
            None => target(
                self.model,
                &Qualified {
                    schema: None,
                    name: name.clone(),
                    place: (0, 0),
                },
            ),
        };
        self.model
            .set_extension(&name, Entry::present(self.new_origin()));
        if !builtin::knows_extension(&name) || cascade {
            // Objects the model does not know, anywhere the path reaches.
            return self.model.forget_all();
        }
        for space in [Space::Relation, Space::Type, Space::Function] {
            for object in builtin::extension_objects(&name, space).unwrap_or_default() {
                match space {
                    Space::Relation => {
                        let mut r = Relation::new(RelKind::Other, None);
                        r.columns = Parts::default();
                        self.model.set_relation(&schema, object, r)
                    }
                    _ => self
                        .model
                        .set_entry(space, &schema, object, Entry::present(None)),
                }
            }
            // Those of some PostgreSQL versions only: unknown.
            for object in builtin::extension_objects_of_some_versions(&name, space) {
                match space {
                    Space::Relation => {
                        self.model
                            .set_relation(&schema, object, Relation::unknown(RelKind::Other))
                    }
                    _ => self
                        .model
                        .set_entry(space, &schema, object, Entry::unknown()),
                }
            }
        }
    }

    fn comment(&mut self, object_type: CommentObject, name: &ObjectName, if_exists: bool) {
        let usage = if if_exists { Use::IfExists } else { Use::Must };
        match object_type {
            CommentObject::Table
            | CommentObject::View
            | CommentObject::MaterializedView
            | CommentObject::Index
            | CommentObject::Sequence => {
                let what = match object_type {
                    CommentObject::Table => "table",
                    CommentObject::View => "view",
                    CommentObject::MaterializedView => "materialized view",
                    CommentObject::Index => "index",
                    _ => "sequence",
                };
                self.relation(name, what, usage);
            }
            CommentObject::Column => {
                let parts: Vec<&Ident> = name
                    .0
                    .iter()
                    .filter_map(|p| match p {
                        sqlparser::ast::ObjectNamePart::Identifier(i) => Some(i),
                        _ => None,
                    })
                    .collect();
                if parts.len() < 2 || parts.len() > 3 {
                    return;
                }
                let (column, table) = (parts[parts.len() - 1], &parts[..parts.len() - 1]);
                let q = match table {
                    [t] => Qualified {
                        schema: None,
                        name: fold(t),
                        place: place(t),
                    },
                    [s, t] => Qualified {
                        schema: Some(fold(s)),
                        name: fold(t),
                        place: place(t),
                    },
                    _ => return,
                };
                if let Found::Present(s) = self.lookup(Space::Relation, &q, "table", usage) {
                    self.columns_exist(&(s, q.name.clone()), [column]);
                }
            }
            CommentObject::Type | CommentObject::Domain => {
                if let Some(q) = Qualified::of(name) {
                    self.lookup(Space::Type, &q, "type", usage);
                }
            }
            CommentObject::Function | CommentObject::Procedure => {
                if let Some(q) = Qualified::of(name) {
                    self.overload(&q, None, usage, "function");
                }
            }
            CommentObject::Schema => {
                if let Some(q) = Qualified::of(name).filter(|q| q.schema.is_none())
                    && self.model.schema_state(&q.name) == State::Absent
                    && let Some(o) = self
                        .model
                        .schemas
                        .get(&q.name)
                        .and_then(|n| n.entry.origin.clone())
                    && !if_exists
                {
                    self.problems.push(Problem::Missing {
                        what: "schema",
                        name: q.name,
                        place: q.place,
                        why: Why::Dropped(Some(o)),
                    });
                }
            }
            _ => {}
        }
    }

    // ---- tables ---------------------------------------------------------

    fn create_table(&mut self, ct: &CreateTable) {
        if ct.temporary {
            return;
        }
        let Some(q) = Qualified::of(&ct.name) else {
            return self.model.forget_all();
        };
        let Some(schema) = self.create(
            Space::Relation,
            &q,
            "relation",
            ct.if_not_exists,
            ct.or_replace,
        ) else {
            return;
        };
        // What the table refers to must exist.
        if let Some(parent) = &ct.partition_of {
            self.relation(parent, "table", Use::Must);
        }
        for parent in ct.inherits.iter().flatten() {
            self.relation(parent, "table", Use::Must);
        }
        let origin = self.new_origin();
        let mut rel = Relation::new(RelKind::Table, origin.clone());
        rel.partitioned = ct.partition_by.is_some() || ct.partition_of.is_some();
        // Columns: from the SQL, unless they come from elsewhere too.
        let borrowed = ct.query.is_some()
            || ct.like.is_some()
            || ct.partition_of.is_some()
            || ct.inherits.as_ref().is_some_and(|i| !i.is_empty())
            || ct.clone.is_some();
        for (i, c) in ct.columns.iter().enumerate() {
            self.type_ref(&c.data_type);
            let name = fold(&c.name);
            rel.columns
                .names
                .insert(name.clone(), Entry::present(origin.clone()));
            if let Some(d) = detail::column(c, i as u32) {
                rel.columns.details.insert(name.clone(), d);
            }
            rel.columns.types.insert(name, type_text(&c.data_type));
        }
        if let Some(query) = &ct.query
            && ct.columns.is_empty()
        {
            if let Some((cols, _)) = super::derive::query_columns(self.model, query, &Vec::new()) {
                for c in cols {
                    rel.columns.names.insert(c, Entry::present(origin.clone()));
                }
            } else {
                rel.columns.complete = false;
            }
        } else if borrowed {
            rel.columns.complete = false;
        }
        if borrowed {
            rel.constraints.complete = false;
        }
        self.model.set_relation(&schema, &q.name, rel);
        let at = (schema, q.name.clone());
        self.index_sets = Some(Vec::new());
        // Constraints, in the order PostgreSQL names them: the columns'
        // (each column's own), then the table's.
        for c in &ct.columns {
            let col = fold(&c.name);
            if is_serial(&c.data_type) {
                self.owned_sequence(&at, &col);
            }
            for opt in &c.options {
                match &opt.option {
                    ColumnOption::Generated { .. } if is_identity(&opt.option) => {
                        self.owned_sequence(&at, &col)
                    }
                    ColumnOption::PrimaryKey(pk) => {
                        let name = opt.name.as_ref().or(pk.name.as_ref());
                        self.pending = detail::primary_key(pk, std::slice::from_ref(&col));
                        self.add_index_constraint(&at, name, std::slice::from_ref(&col), "pkey")
                    }
                    ColumnOption::Unique(u) => {
                        let name = opt.name.as_ref().or(u.name.as_ref());
                        self.pending = detail::unique(u, std::slice::from_ref(&col));
                        self.add_index_constraint(&at, name, std::slice::from_ref(&col), "key")
                    }
                    ColumnOption::ForeignKey(fk) => {
                        self.references(&fk.foreign_table, &fk.referred_columns);
                        let name = opt.name.as_ref().or(fk.name.as_ref());
                        self.pending = detail::foreign_key(
                            fk,
                            std::slice::from_ref(&col),
                            &self.fk_schema(fk),
                        );
                        self.add_constraint(&at, name, std::slice::from_ref(&col), "fkey");
                    }
                    ColumnOption::Check(ck) => {
                        let name = opt.name.as_ref().or(ck.name.as_ref());
                        self.pending = Some(detail::check(ck));
                        let cols = exprs::columns(&ck.expr);
                        self.expr_columns(&at, std::slice::from_ref(&at.1), &ck.expr);
                        self.add_check(&at, name, cols);
                    }
                    ColumnOption::NotNull => {}
                    _ => {}
                }
            }
        }
        for tc in &ct.constraints {
            self.table_constraint(&at, tc, true);
        }
        self.index_sets = None;
    }

    /// The name PostgreSQL picks for a new relation `table_cols_label`
    /// (adding 1, 2, ... while taken); `None` when the model cannot tell.
    fn choose_relation_name(
        &self,
        schema: &str,
        table: &str,
        cols: &[String],
        label: &str,
    ) -> Option<String> {
        let ns = self.model.schemas.get(schema)?;
        let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
        for pass in 0..1000 {
            let l = if pass == 0 {
                label.to_string()
            } else {
                format!("{label}{pass}")
            };
            let name = implicit(table, &refs, &l);
            match ns.state(Space::Relation, &name) {
                State::Absent => return Some(name),
                State::Present => continue,
                State::Unknown => return None,
            }
        }
        None
    }

    /// A relation made under a name the model may not know.
    fn implicit_relation(&mut self, schema: &str, name: Option<String>, rel: Relation) {
        let owner = rel.owner.clone().unwrap_or_default();
        match name {
            Some(n) => self.model.set_relation(schema, &n, rel),
            None => self.model.unnamed(schema, &owner),
        }
    }

    fn owned_sequence(&mut self, at: &(String, String), col: &str) {
        let name = self.choose_relation_name(&at.0, &at.1, &[col.to_string()], "seq");
        let mut r = Relation::new(RelKind::Sequence, self.new_origin());
        r.columns = Parts::default();
        r.owner = Some(at.1.clone());
        self.implicit_relation(&at.0.clone(), name, r);
    }

    /// A primary key or unique constraint: the constraint and its index.
    fn add_index_constraint(
        &mut self,
        at: &(String, String),
        name: Option<&Ident>,
        cols: &[String],
        label: &str,
    ) {
        let pending = self.pending.take();
        if let Some(sets) = &mut self.index_sets {
            if sets.iter().any(|s| s == cols) {
                // A second index over the same columns in one CREATE TABLE:
                // PostgreSQL keeps one, and which name it keeps depends on
                // their order; an unnamed UNIQUE beside it is simply dropped.
                if !(label == "key" && name.is_none()) {
                    self.model.relation_mut(&at.0, &at.1).constraints.complete = false;
                    self.model.unnamed(&at.0, &at.1);
                }
                return;
            }
            sets.push(cols.to_vec());
        }
        let (name, place) = match name {
            Some(n) => (Some(fold(n)), Some(place(n))),
            None => {
                let cols: &[String] = if label == "pkey" { &[] } else { cols };
                (self.choose_relation_name(&at.0, &at.1, cols, label), None)
            }
        };
        if let (Some(n), Some(p)) = (&name, place)
            && let Some(r) = self.model.relation(&at.0, n)
            && r.entry.state == State::Present
        {
            self.problems.push(Problem::Exists {
                what: "relation",
                name: n.clone(),
                place: p,
                origin: r.entry.origin.clone(),
            });
            return;
        }
        let origin = self.new_origin();
        let mut index = Relation::new(RelKind::Index, origin.clone());
        index.columns = Parts::default();
        index.owner = Some(at.1.clone());
        self.implicit_relation(&at.0.clone(), name.clone(), index);
        let base = {
            let cols: &[String] = if label == "pkey" { &[] } else { cols };
            let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
            implicit(&at.1, &refs, label)
        };
        let rel = self.model.relation_mut(&at.0, &at.1);
        if label == "pkey" {
            // A primary key's columns are NOT NULL.
            for c in cols {
                if let Some(d) = rel.columns.details.get_mut(c) {
                    d.not_null = true;
                }
            }
        }
        match name {
            Some(n) => {
                set_detail(&mut rel.constraints, &n, pending);
                let kind = format!("{label}:{}", cols.join(","));
                rel.constraints.types.insert(n.clone(), kind);
                rel.constraints.names.insert(n, Entry::present(origin));
            }
            None => {
                // Its name is the usual one or that with a number: the usual
                // one is no longer known absent.
                rel.constraints.complete = false;
                rel.constraints.names.insert(base, Entry::unknown());
            }
        }
    }

    /// A foreign key or check constraint named `name`, or as PostgreSQL
    /// names it.
    fn add_constraint(
        &mut self,
        at: &(String, String),
        name: Option<&Ident>,
        cols: &[String],
        label: &str,
    ) {
        let pending = self.pending.take().map(|mut d| {
            if self.not_valid {
                d.sql.push_str(" NOT VALID");
            }
            d
        });
        let origin = self.new_origin();
        let mut problem = None;
        let rel = self.model.relation_mut(&at.0, &at.1);
        let chosen = match name {
            Some(n) => {
                let n2 = fold(n);
                if rel.constraints.state(&n2) == State::Present {
                    problem = Some(Problem::Exists {
                        what: "constraint",
                        name: format!("{n2} on {}", at.1),
                        place: place(n),
                        origin: rel
                            .constraints
                            .names
                            .get(&n2)
                            .and_then(|e| e.origin.clone()),
                    });
                }
                Some(n2)
            }
            None => {
                let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
                let base = implicit(&at.1, &refs, label);
                // Taken already: PostgreSQL adds a number, in an order the
                // model does not follow.
                (rel.constraints.state(&base) == State::Absent).then_some(base)
            }
        };
        match chosen {
            Some(n) => {
                set_detail(&mut rel.constraints, &n, pending);
                // A foreign key's columns are known; a check's not here.
                let kind = match label {
                    "fkey" => format!("{label}:{}", cols.join(",")),
                    _ => label.to_string(),
                };
                rel.constraints.types.insert(n.clone(), kind);
                rel.constraints.names.insert(n, Entry::present(origin));
            }
            None => rel.constraints.complete = false,
        }
        self.problems.extend(problem);
    }

    fn add_check(
        &mut self,
        at: &(String, String),
        name: Option<&Ident>,
        cols: Option<Vec<String>>,
    ) {
        match (name, cols) {
            (Some(_), _) => self.add_constraint(at, name, &[], "check"),
            (None, Some(cols)) => {
                let cols: Vec<String> = if cols.len() == 1 { cols } else { Vec::new() };
                self.add_constraint(at, None, &cols, "check")
            }
            (None, None) => {
                self.pending = None;
                self.model.relation_mut(&at.0, &at.1).constraints.complete = false
            }
        }
    }

    /// The schema a foreign key's table is in (where the model would make
    /// it, when it does not know).
    fn fk_schema(&self, fk: &sqlparser::ast::ForeignKeyConstraint) -> String {
        Qualified::of(&fk.foreign_table)
            .map(|q| match resolve(self.model, Space::Relation, &q) {
                Found::Present(s) => s,
                _ => target(self.model, &q),
            })
            .unwrap_or_default()
    }

    /// A foreign key's referenced table and columns.
    fn references(&mut self, table: &ObjectName, columns: &[Ident]) {
        if let Some(at) = self.relation(table, "table", Use::Must) {
            self.columns_exist(&at, columns);
        }
    }

    fn table_constraint(&mut self, at: &(String, String), tc: &TableConstraint, new: bool) {
        let _ = new;
        let idents = |cols: &[sqlparser::ast::IndexColumn]| -> Option<Vec<String>> {
            cols.iter()
                .map(|c| match &c.column.expr {
                    Expr::Identifier(i) => Some(fold(i)),
                    _ => None,
                })
                .collect()
        };
        match tc {
            TableConstraint::PrimaryKey(pk) => {
                if let Some(cols) = idents(&pk.columns) {
                    self.check_index_columns(at, &pk.columns);
                    self.pending = detail::primary_key(pk, &cols);
                    self.add_index_constraint(at, pk.name.as_ref(), &cols, "pkey");
                } else {
                    self.model.relation_mut(&at.0, &at.1).constraints.complete = false;
                }
            }
            TableConstraint::Unique(u) => {
                self.check_index_columns(at, &u.columns);
                match idents(&u.columns) {
                    Some(cols) => {
                        self.pending = detail::unique(u, &cols);
                        self.add_index_constraint(at, u.name.as_ref(), &cols, "key")
                    }
                    None => {
                        self.model.relation_mut(&at.0, &at.1).constraints.complete = false;
                        self.model.unnamed(&at.0, &at.1);
                    }
                }
            }
            TableConstraint::ForeignKey(fk) => {
                self.columns_exist(at, &fk.columns);
                self.references(&fk.foreign_table, &fk.referred_columns);
                let cols: Vec<String> = fk.columns.iter().map(fold).collect();
                self.pending = detail::foreign_key(fk, &cols, &self.fk_schema(fk));
                self.add_constraint(at, fk.name.as_ref(), &cols, "fkey");
            }
            TableConstraint::Check(ck) => {
                let cols = exprs::columns(&ck.expr);
                self.expr_columns(at, std::slice::from_ref(&at.1), &ck.expr);
                self.pending = Some(detail::check(ck));
                self.add_check(at, ck.name.as_ref(), cols);
            }
            TableConstraint::PrimaryKeyUsingIndex(c) | TableConstraint::UniqueUsingIndex(c) => {
                // The index becomes the constraint's, renamed to its name.
                let index = fold(&c.index_name);
                let name = c.name.as_ref().map_or(index.clone(), fold);
                let known = self
                    .model
                    .relation(&at.0, &index)
                    .is_some_and(|r| r.entry.state == State::Present);
                if known {
                    if name != index {
                        self.rename_relation(&at.0, &index, &name);
                    }
                    let origin = self.new_origin();
                    let rel = self.model.relation_mut(&at.0, &name);
                    rel.owner = Some(at.1.clone());
                    let table = self.model.relation_mut(&at.0, &at.1);
                    table.constraints.details.remove(&name);
                    table.constraints.types.remove(&name);
                    table.constraints.names.insert(name, Entry::present(origin));
                } else {
                    for n in [index, name] {
                        let q = Qualified {
                            schema: Some(at.0.clone()),
                            name: n,
                            place: (1, 1),
                        };
                        self.forget_name(Space::Relation, &q);
                    }
                    self.model.relation_mut(&at.0, &at.1).constraints.complete = false;
                }
            }
            _ => {
                // EXCLUDE and others: a constraint and maybe an index the
                // model does not name.
                self.model.relation_mut(&at.0, &at.1).constraints.complete = false;
                self.model.unnamed(&at.0, &at.1);
            }
        }
    }

    fn check_index_columns(&mut self, at: &(String, String), cols: &[sqlparser::ast::IndexColumn]) {
        let plain: Vec<&Ident> = cols
            .iter()
            .filter_map(|c| match &c.column.expr {
                Expr::Identifier(i) => Some(i),
                _ => None,
            })
            .collect();
        self.columns_exist(at, plain);
    }

    fn alter_table(&mut self, at: &sqlparser::ast::AlterTable) {
        let Some(q) = Qualified::of(&at.name) else {
            return self.model.forget_all();
        };
        if at.table_type.is_some() {
            return self.model.forget_all();
        }
        let usage = if at.if_exists {
            Use::IfExists
        } else {
            Use::Must
        };
        let found = self.lookup(Space::Relation, &q, "table", usage);
        let Found::Present(schema) = found else {
            if found == Found::Unknown {
                // A table the model holds may be the one changed.
                self.forget_parts_of(&q);
                // A change to a table the model does not know: a rename
                // may move a name anywhere.
                for op in &at.operations {
                    if let AlterTableOperation::RenameTable { table_name } = op {
                        self.forget_name(Space::Relation, &q);
                        let new = match table_name {
                            sqlparser::ast::RenameTableNameKind::To(n)
                            | sqlparser::ast::RenameTableNameKind::As(n) => n,
                        };
                        match Qualified::of(new) {
                            Some(n) => self.forget_name(
                                Space::Relation,
                                &Qualified {
                                    schema: q.schema.clone(),
                                    ..n
                                },
                            ),
                            None => self.model.forget_all(),
                        }
                    }
                }
            }
            return;
        };
        let mut at_name = (schema, q.name.clone());
        for op in &at.operations {
            self.alter_op(&mut at_name, op);
        }
    }

    fn alter_op(&mut self, at: &mut (String, String), op: &AlterTableOperation) {
        let origin = self.new_origin();
        match op {
            AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                ..
            } => {
                let name = fold(&column_def.name);
                self.type_ref(&column_def.data_type);
                let rel = self.model.relation_mut(&at.0, &at.1);
                match rel.columns.state(&name) {
                    State::Present if !*if_not_exists => {
                        let origin = rel.columns.names.get(&name).and_then(|e| e.origin.clone());
                        self.problems.push(Problem::Exists {
                            what: "column",
                            name: format!("{}.{name}", at.1),
                            place: place(&column_def.name),
                            origin,
                        });
                        return;
                    }
                    State::Present => return,
                    State::Unknown if *if_not_exists => return,
                    _ => {
                        let position = rel
                            .columns
                            .details
                            .values()
                            .map(|d| d.position + 1)
                            .max()
                            .unwrap_or(0)
                            .max(rel.columns.names.len() as u32);
                        rel.columns
                            .names
                            .insert(name.clone(), Entry::present(origin));
                        match detail::column(column_def, position) {
                            Some(d) => rel.columns.details.insert(name.clone(), d),
                            None => rel.columns.details.remove(&name),
                        };
                        rel.columns
                            .types
                            .insert(name.clone(), type_text(&column_def.data_type));
                    }
                }
                if is_serial(&column_def.data_type) {
                    self.owned_sequence(at, &name);
                }
                for opt in &column_def.options {
                    match &opt.option {
                        ColumnOption::Generated { .. } if is_identity(&opt.option) => {
                            self.owned_sequence(at, &name)
                        }
                        ColumnOption::PrimaryKey(pk) => {
                            let n = opt.name.as_ref().or(pk.name.as_ref());
                            self.pending = detail::primary_key(pk, std::slice::from_ref(&name));
                            self.add_index_constraint(at, n, std::slice::from_ref(&name), "pkey")
                        }
                        ColumnOption::Unique(u) => {
                            let n = opt.name.as_ref().or(u.name.as_ref());
                            self.pending = detail::unique(u, std::slice::from_ref(&name));
                            self.add_index_constraint(at, n, std::slice::from_ref(&name), "key")
                        }
                        ColumnOption::ForeignKey(fk) => {
                            self.references(&fk.foreign_table, &fk.referred_columns);
                            let n = opt.name.as_ref().or(fk.name.as_ref());
                            self.pending = detail::foreign_key(
                                fk,
                                std::slice::from_ref(&name),
                                &self.fk_schema(fk),
                            );
                            self.add_constraint(at, n, std::slice::from_ref(&name), "fkey");
                        }
                        ColumnOption::Check(ck) => {
                            let n = opt.name.as_ref().or(ck.name.as_ref());
                            self.pending = Some(detail::check(ck));
                            self.expr_columns(at, std::slice::from_ref(&at.1), &ck.expr);
                            self.add_check(at, n, exprs::columns(&ck.expr));
                        }
                        _ => {}
                    }
                }
            }
            AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                drop_behavior,
                ..
            } => {
                for c in column_names {
                    let name = fold(c);
                    let state = self
                        .model
                        .relation(&at.0, &at.1)
                        .map_or(State::Unknown, |r| r.columns.state(&name));
                    match state {
                        State::Absent if *if_exists => {
                            let rel = self.model.relation(&at.0, &at.1);
                            let like = rel.and_then(|r| {
                                super::similar::closest(&name, r.columns.present().map(|(n, _)| n))
                                    .map(str::to_string)
                            });
                            if let Some(like) = like {
                                let origin = rel
                                    .and_then(|r| r.columns.names.get(&like))
                                    .and_then(|e| e.origin.clone());
                                self.problems.push(Problem::NoOp {
                                    what: "column",
                                    name: format!("{}.{name}", at.1),
                                    place: place(c),
                                    like,
                                    origin,
                                });
                            }
                        }
                        State::Absent => self.columns_exist(at, [c]),
                        _ => {
                            let rel = self.model.relation_mut(&at.0, &at.1);
                            rel.columns
                                .names
                                .insert(name.clone(), Entry::absent(origin.clone()));
                            rel.columns.types.remove(&name);
                            rel.columns.details.remove(&name);
                            // Constraints and indexes on it go with it: those
                            // the model knows to be on it are gone, those on
                            // other columns stay, the rest are unknown.
                            let c = &mut rel.constraints;
                            let held: Vec<String> = c
                                .names
                                .iter()
                                .filter(|(_, e)| e.state != State::Absent)
                                .map(|(n, _)| n.clone())
                                .collect();
                            for n in held {
                                let present = c.state(&n) == State::Present;
                                let on = c
                                    .types
                                    .get(&n)
                                    .filter(|_| present)
                                    .and_then(|k| columns_of(k))
                                    .map(|cols| cols.contains(&name.as_str()));
                                match on {
                                    Some(false) => continue,
                                    Some(true) => {
                                        c.names.insert(n.clone(), Entry::absent(origin.clone()));
                                    }
                                    None => {
                                        c.names.insert(n.clone(), Entry::unknown());
                                    }
                                }
                                c.types.remove(&n);
                                c.details.remove(&n);
                            }
                            // Its indexes follow their constraints; others
                            // go when they name it.
                            let table = at.1.clone();
                            self.drop_owned(&at.0, &table, Some(&name));
                            if *drop_behavior == Some(DropBehavior::Cascade) {
                                // Elsewhere: the foreign keys to it, views.
                                self.forget_dependents_on(
                                    Some(std::slice::from_ref(at)),
                                    None,
                                    &["pkey", "key"],
                                );
                            }
                        }
                    }
                }
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                let old = fold(old_column_name);
                let new = fold(new_column_name);
                let state = self
                    .model
                    .relation(&at.0, &at.1)
                    .map_or(State::Unknown, |r| r.columns.state(&old));
                match state {
                    State::Absent => self.columns_exist(at, [old_column_name]),
                    State::Present => {
                        let rel = self.model.relation_mut(&at.0, &at.1);
                        if rel.columns.state(&new) == State::Present {
                            let origin = rel.columns.names.get(&new).and_then(|e| e.origin.clone());
                            self.problems.push(Problem::Exists {
                                what: "column",
                                name: format!("{}.{new}", at.1),
                                place: place(new_column_name),
                                origin,
                            });
                            return;
                        }
                        let ty = rel.columns.types.remove(&old);
                        // The constraints' columns are no longer as held.
                        for k in rel.constraints.types.values_mut() {
                            *k = kind_of(k).to_string();
                        }
                        if let Some(d) = rel.columns.details.remove(&old) {
                            rel.columns.details.insert(new.clone(), d);
                        }
                        let table = at.clone();
                        let (o, n) = (old.clone(), new.clone());
                        // A foreign key can refer only to a key's columns.
                        let keyed = !rel.constraints.complete
                            || rel.constraints.names.iter().any(|(k, e)| {
                                e.state == State::Unknown
                                    || e.state == State::Present
                                        && rel.constraints.details.get(k).is_none_or(|d| {
                                            d.kind.is_none_or(|kind| {
                                                matches!(
                                                    kind,
                                                    super::objects::ConstraintKind::PrimaryKey
                                                        | super::objects::ConstraintKind::Unique
                                                ) && d.columns.contains(&o)
                                            })
                                        })
                            });
                        self.model.each_relation_where(
                            |s, t, r| reads_table(&table, &o, keyed, s, t, r),
                            |s, t, r| renamed_column(&table, s, t, r, &o, &n),
                        );
                        let rel = self.model.relation_mut(&at.0, &at.1);
                        rel.columns.names.insert(old, Entry::absent(origin.clone()));
                        rel.columns
                            .names
                            .insert(new.clone(), Entry::present(origin));
                        if let Some(ty) = ty {
                            rel.columns.types.insert(new, ty);
                        }
                    }
                    State::Unknown => {
                        let rel = self.model.relation_mut(&at.0, &at.1);
                        rel.columns.names.insert(old, Entry::unknown());
                        rel.columns.names.insert(new, Entry::present(origin));
                    }
                }
            }
            AlterTableOperation::RenameTable { table_name } => {
                let new = match table_name {
                    sqlparser::ast::RenameTableNameKind::To(n)
                    | sqlparser::ast::RenameTableNameKind::As(n) => n,
                };
                let Some(newq) = Qualified::of(new) else {
                    return self.model.forget_all();
                };
                let (s, old) = at.clone();
                if self
                    .model
                    .relation(&s, &newq.name)
                    .is_some_and(|r| r.entry.state == State::Present)
                {
                    let origin = self
                        .model
                        .relation(&s, &newq.name)
                        .and_then(|r| r.entry.origin.clone());
                    self.problems.push(Problem::Exists {
                        what: "relation",
                        name: newq.name.clone(),
                        place: newq.place,
                        origin,
                    });
                    return;
                }
                self.rename_relation(&s, &old, &newq.name);
                at.1 = newq.name;
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                let name = fold(column_name);
                let state = self
                    .model
                    .relation(&at.0, &at.1)
                    .map_or(State::Unknown, |r| r.columns.state(&name));
                if state == State::Absent {
                    return self.columns_exist(at, [column_name]);
                }
                match op {
                    AlterColumnOperation::SetDataType {
                        data_type, using, ..
                    } => {
                        self.type_ref(data_type);
                        if let Some(u) = using {
                            let table = at.clone();
                            self.expr_columns(&table, std::slice::from_ref(&table.1), u);
                        }
                        let rel = self.model.relation_mut(&at.0, &at.1);
                        rel.columns.types.insert(name.clone(), type_text(data_type));
                        // A check that reads it may now read it differently.
                        let stale: Vec<String> = rel
                            .constraints
                            .details
                            .iter()
                            .filter(|(_, d)| {
                                d.kind == Some(super::objects::ConstraintKind::Check)
                                    && detail::mentions(&d.sql, &name)
                            })
                            .map(|(n, _)| n.clone())
                            .collect();
                        for n in stale {
                            rel.constraints.details.remove(&n);
                        }
                        // A default may now read differently.
                        if let Some(d) = rel.columns.details.get_mut(&name)
                            && (d.default.is_some() || d.serial)
                        {
                            rel.columns.details.remove(&name);
                        }
                    }
                    AlterColumnOperation::AddGenerated { .. } => {
                        self.owned_sequence(&at.clone(), &name);
                        self.model
                            .relation_mut(&at.0, &at.1)
                            .columns
                            .details
                            .remove(&name);
                    }
                    AlterColumnOperation::SetNotNull | AlterColumnOperation::DropNotNull => {
                        let rel = self.model.relation_mut(&at.0, &at.1);
                        if let Some(d) = rel.columns.details.get_mut(&name) {
                            d.not_null = *op == AlterColumnOperation::SetNotNull;
                        }
                    }
                    AlterColumnOperation::SetDefault { value } => {
                        let rel = self.model.relation_mut(&at.0, &at.1);
                        if let Some(d) = rel.columns.details.get_mut(&name) {
                            d.default = Some(value.to_string());
                            d.serial = false;
                        }
                    }
                    AlterColumnOperation::DropDefault => {
                        let rel = self.model.relation_mut(&at.0, &at.1);
                        if let Some(d) = rel.columns.details.get_mut(&name) {
                            d.default = None;
                            d.serial = false;
                        }
                    }
                }
            }
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid,
            } => {
                self.not_valid = *not_valid;
                self.table_constraint(&at.clone(), constraint, false);
                self.not_valid = false;
            }
            AlterTableOperation::DropConstraint {
                if_exists,
                name,
                drop_behavior,
            } => {
                let q = Qualified {
                    schema: None,
                    name: fold(name),
                    place: place(name),
                };
                let was = self
                    .model
                    .relation(&at.0, &at.1)
                    .map(|r| r.constraints.state(&q.name));
                // What it was, where the model knows (for what CASCADE takes).
                let key = self
                    .model
                    .relation(&at.0, &at.1)
                    .filter(|_| was == Some(State::Present))
                    .and_then(|r| r.constraints.details.get(&q.name))
                    .and_then(|d| Some((d.kind?, d.columns.clone())));
                // `_not_null` names: PostgreSQL 18 names NOT NULL
                // constraints so; the model does not hold them.
                if q.name.ends_with("_not_null") && was == Some(State::Absent) {
                    return;
                }
                self.drop_part(at, &q, "constraint", *if_exists, |r| &mut r.constraints);
                if was != Some(State::Absent)
                    && self.model.relation(&at.0, &q.name).is_some_and(|r| {
                        r.kind == RelKind::Index
                            && r.owner.as_deref() == Some(at.1.as_str())
                            && r.entry.state == State::Present
                    })
                {
                    // Its index goes with it (a primary key or unique one);
                    // when the model did not know the constraint, the index
                    // may have been another's.
                    let entry = if was == Some(State::Present) {
                        Entry::absent(self.new_origin())
                    } else {
                        Entry::unknown()
                    };
                    self.model.set_relation(
                        &at.0,
                        &q.name,
                        Relation {
                            entry,
                            ..Relation::new(RelKind::Index, None)
                        },
                    );
                }
                if *drop_behavior == Some(DropBehavior::Cascade) {
                    use super::objects::ConstraintKind as K;
                    match key {
                        // Nothing but a view (grouping by a primary key)
                        // depends on a foreign key or a check.
                        Some((K::ForeignKey | K::Check, _)) => {
                            self.forget_dependents_on(Some(&[]), None, &["pkey", "key"])
                        }
                        // A key: the foreign keys that refer to it.
                        Some((kind, cols)) => self.forget_dependents_on(
                            Some(std::slice::from_ref(at)),
                            Some((&cols, kind == K::PrimaryKey)),
                            &["pkey", "key"],
                        ),
                        None => self.forget_dependents_on(
                            Some(std::slice::from_ref(at)),
                            None,
                            &["pkey", "key"],
                        ),
                    }
                }
            }
            AlterTableOperation::RenameConstraint { old_name, new_name } => {
                let old = fold(old_name);
                let new = fold(new_name);
                let q = Qualified {
                    schema: None,
                    name: old.clone(),
                    place: place(old_name),
                };
                let was = self
                    .model
                    .relation(&at.0, &at.1)
                    .map(|r| r.constraints.state(&old));
                if was == Some(State::Absent) {
                    self.drop_part(at, &q, "constraint", false, |r| &mut r.constraints);
                    return;
                }
                let rel = self.model.relation_mut(&at.0, &at.1);
                rel.constraints.names.insert(
                    old.clone(),
                    if was == Some(State::Present) {
                        Entry::absent(origin.clone())
                    } else {
                        Entry::unknown()
                    },
                );
                // Its kind goes with it.
                let kind = rel.constraints.types.remove(&old);
                match kind {
                    Some(k) => rel.constraints.types.insert(new.clone(), k),
                    None => rel.constraints.types.remove(&new),
                };
                rel.constraints
                    .names
                    .insert(new.clone(), Entry::present(origin));
                match rel.constraints.details.remove(&old) {
                    Some(d) => rel.constraints.details.insert(new.clone(), d),
                    None => rel.constraints.details.remove(&new),
                };
                if self
                    .model
                    .relation(&at.0, &old)
                    .is_some_and(|r| r.kind == RelKind::Index)
                {
                    self.rename_relation(&at.0.clone(), &old, &new);
                }
            }
            AlterTableOperation::EnableRowLevelSecurity
            | AlterTableOperation::DisableRowLevelSecurity
            | AlterTableOperation::ForceRowLevelSecurity
            | AlterTableOperation::NoForceRowLevelSecurity
            | AlterTableOperation::OwnerTo { .. }
            | AlterTableOperation::SetLogged
            | AlterTableOperation::SetUnlogged
            | AlterTableOperation::ReplicaIdentity { .. }
            | AlterTableOperation::SetOptionsParens { .. } => {}
            AlterTableOperation::EnableTrigger { .. }
            | AlterTableOperation::DisableTrigger { .. }
            | AlterTableOperation::EnableAlwaysTrigger { .. }
            | AlterTableOperation::EnableReplicaTrigger { .. } => {
                // Whether each fires is not what its statement says any more.
                for e in self
                    .model
                    .relation_mut(&at.0, &at.1)
                    .triggers
                    .names
                    .values_mut()
                {
                    e.sql = None;
                }
            }
            AlterTableOperation::ValidateConstraint { name } => {
                let rel = self.model.relation_mut(&at.0, &at.1);
                if let Some(d) = rel.constraints.details.get_mut(&fold(name)) {
                    d.sql = d.sql.replace(" NOT VALID", "");
                }
            }
            AlterTableOperation::AttachPartition { .. }
            | AlterTableOperation::DetachPartition { .. } => {}
            _ => {
                // Not modelled: what this table holds is no longer known.
                let rel = self.model.relation_mut(&at.0, &at.1);
                rel.columns.forget();
                rel.constraints.forget();
                self.model.unnamed(&at.0.clone(), &at.1.clone());
            }
        }
    }

    /// Drops a trigger, policy or constraint of a table.
    fn drop_part(
        &mut self,
        at: &(String, String),
        q: &Qualified,
        what: &'static str,
        if_exists: bool,
        parts: impl Fn(&mut Relation) -> &mut Parts,
    ) {
        let origin = self.new_origin();
        let rel = self.model.relation_mut(&at.0, &at.1);
        let p = parts(rel);
        match p.state(&q.name) {
            State::Present | State::Unknown => {
                p.names.insert(q.name.clone(), Entry::absent(origin));
                p.details.remove(&q.name);
            }
            State::Absent => {
                let problem = absent_part(p, at, q, what, if_exists);
                self.problems.extend(problem);
            }
        }
    }

    /// Renames a relation (and moves what belongs to it along).
    fn rename_relation(&mut self, schema: &str, old: &str, new: &str) {
        let origin = self.new_origin();
        let Some(mut rel) = self.model.relation(schema, old).cloned() else {
            return;
        };
        if let Some(o) = &origin
            && rel.history.last() != Some(o)
        {
            rel.history.push(o.clone());
        }
        self.model.set_relation(
            schema,
            old,
            Relation {
                entry: Entry::absent(origin),
                ..Relation::new(rel.kind, None)
            },
        );
        self.model.set_relation(schema, new, rel);
        let (schema, old, new) = (schema.to_string(), old.to_string(), new.to_string());
        let was = (schema.clone(), old.clone());
        self.model.each_relation_where(
            |s, n, r| {
                (s == schema && (n == new || r.owner.as_deref() == Some(old.as_str())))
                    || reads_table(&was, &old, true, s, n, r)
            },
            |s, n, r| {
                if s == schema && r.owner.as_deref() == Some(old.as_str()) {
                    r.owner = Some(new.clone());
                }
                if s == schema && n == new {
                    // A serial's sequence keeps the name it was made with.
                    r.columns.details.retain(|_, d| !d.serial);
                }
                renamed_relation(&schema, r, &old, &new);
            },
        );
    }

    fn create_index(&mut self, ci: &CreateIndex) {
        let Some(at) = self.relation(&ci.table_name, "table", Use::Must) else {
            if let Some(name) = ci.name.as_ref().and_then(Qualified::of) {
                self.forget_name(Space::Relation, &name);
            } else {
                let table = Qualified::of(&ci.table_name)
                    .map(|q| q.name)
                    .unwrap_or_default();
                self.model.unnamed(DEFAULT, &table);
            }
            return;
        };
        self.check_index_columns(&at, &ci.columns);
        for c in &ci.columns {
            if !matches!(c.column.expr, Expr::Identifier(_)) {
                self.expr_columns(&at, std::slice::from_ref(&at.1), &c.column.expr);
            }
        }
        if let Some(p) = &ci.predicate {
            self.expr_columns(&at, std::slice::from_ref(&at.1), p);
        }
        let origin = self.new_origin();
        let mut index = Relation::new(RelKind::Index, origin);
        index.columns = Parts::default();
        index.owner = Some(at.1.clone());
        index.sql = Some(
            CreateIndex {
                concurrently: false,
                ..ci.clone()
            }
            .to_string(),
        );
        match ci.name.as_ref().and_then(Qualified::of) {
            Some(q) => {
                // An index is made in its table's schema.
                let q2 = Qualified {
                    schema: Some(at.0.clone()),
                    ..q.clone()
                };
                let state = self
                    .model
                    .schemas
                    .get(&at.0)
                    .map_or(State::Unknown, |ns| ns.state(Space::Relation, &q.name));
                match state {
                    State::Present if !ci.if_not_exists => {
                        let origin = self
                            .model
                            .relation(&at.0, &q.name)
                            .and_then(|r| r.entry.origin.clone());
                        self.problems.push(Problem::Exists {
                            what: "relation",
                            name: q.name.clone(),
                            place: q.place,
                            origin,
                        });
                    }
                    State::Present => {}
                    State::Unknown if ci.if_not_exists => self.forget_name(Space::Relation, &q2),
                    _ => self.model.set_relation(&at.0, &q.name, index),
                }
            }
            None => {
                let cols: Option<Vec<String>> = ci
                    .columns
                    .iter()
                    .map(|c| match &c.column.expr {
                        Expr::Identifier(i) => Some(fold(i)),
                        Expr::Function(f) => exprs::function_name(&f.name),
                        _ => None,
                    })
                    .collect();
                let name = cols.and_then(|c| self.choose_relation_name(&at.0, &at.1, &c, "idx"));
                self.implicit_relation(&at.0.clone(), name, index);
            }
        }
    }

    fn create_view(&mut self, cv: &CreateView) {
        let Some(q) = Qualified::of(&cv.name) else {
            return self.model.forget_all();
        };
        let what = if cv.materialized {
            "materialized view"
        } else {
            "view"
        };
        let _ = what;
        let Some(schema) = self.create(
            Space::Relation,
            &q,
            "relation",
            cv.if_not_exists,
            cv.or_replace,
        ) else {
            return;
        };
        let kind = if cv.materialized {
            RelKind::MaterializedView
        } else {
            RelKind::View
        };
        let mut rel = Relation::new(kind, self.new_origin());
        rel.sql = Some(cv.to_string());
        let origin = self.new_origin();
        // The query's columns, the first ones renamed by the view's list.
        let names: Vec<String> = cv.columns.iter().map(|c| fold(&c.name)).collect();
        let derived = super::derive::query_columns(self.model, &cv.query, &Vec::new());
        match super::derive::apply_names(derived, &names) {
            Some((cols, _)) => {
                for c in cols {
                    rel.columns.names.insert(c, Entry::present(origin.clone()));
                }
            }
            None => {
                for c in names {
                    rel.columns.names.insert(c, Entry::present(origin.clone()));
                }
                rel.columns.complete = false;
            }
        }
        self.model.set_relation(&schema, &q.name, rel);
    }

    // ---- drops ------------------------------------------------------------

    fn drop(
        &mut self,
        object_type: ObjectType,
        if_exists: bool,
        names: &[ObjectName],
        cascade: bool,
        table: Option<&ObjectName>,
    ) {
        let _ = table;
        let usage = if if_exists { Use::IfExists } else { Use::Must };
        match object_type {
            ObjectType::Table
            | ObjectType::View
            | ObjectType::MaterializedView
            | ObjectType::Index
            | ObjectType::Sequence => {
                let what = match object_type {
                    ObjectType::Table => "table",
                    ObjectType::View => "view",
                    ObjectType::MaterializedView => "materialized view",
                    ObjectType::Index => "index",
                    _ => "sequence",
                };
                // The tables dropped (`None`: something else, or not known).
                let mut tables: Option<Vec<(String, String)>> =
                    (object_type == ObjectType::Table).then(Vec::new);
                for n in names {
                    let Some(q) = Qualified::of(n) else {
                        self.model.forget_all();
                        continue;
                    };
                    match self.lookup(Space::Relation, &q, what, usage) {
                        Found::Present(s) => {
                            if let Some(t) = &mut tables {
                                t.push((s.clone(), q.name.clone()));
                            }
                            self.model.set_relation(
                                &s,
                                &q.name,
                                Relation {
                                    entry: Entry::absent(self.new_origin()),
                                    ..Relation::new(RelKind::Other, None)
                                },
                            );
                            self.drop_owned(&s, &q.name, None);
                            if object_type == ObjectType::Table
                                && self
                                    .model
                                    .schemas
                                    .get(&s)
                                    .is_some_and(|ns| ns.types.contains_key(&q.name))
                            {
                                self.model.set_entry(
                                    Space::Type,
                                    &s,
                                    &q.name,
                                    Entry::absent(self.new_origin()),
                                );
                            }
                        }
                        Found::Unknown => {
                            tables = None;
                            self.forget_name(Space::Relation, &q)
                        }
                        Found::Absent(_) => {}
                    }
                }
                if cascade {
                    // A view or a sequence takes no key with it; a table or
                    // an index, the foreign keys to it (to the tables, where
                    // the model knows what each refers to).
                    match object_type {
                        ObjectType::View | ObjectType::MaterializedView | ObjectType::Sequence => {
                            self.forget_dependents_on(None, None, &["pkey", "key", "fkey"])
                        }
                        _ => self.forget_dependents_on(tables.as_deref(), None, &["pkey", "key"]),
                    }
                }
            }
            ObjectType::Schema => {
                for n in names {
                    let Some(q) = Qualified::of(n).filter(|q| q.schema.is_none()) else {
                        continue;
                    };
                    match self.model.schema_state(&q.name) {
                        State::Present => {
                            // Emptied: RESTRICT needs it empty, CASCADE empties it.
                            let origin = self.new_origin();
                            let names: Vec<(Space, String)> = self
                                .model
                                .schemas
                                .get(&q.name)
                                .map(|ns| {
                                    ns.relations
                                        .keys()
                                        .map(|n| (Space::Relation, n.clone()))
                                        .chain(ns.types.keys().map(|n| (Space::Type, n.clone())))
                                        .chain(
                                            ns.functions
                                                .keys()
                                                .map(|n| (Space::Function, n.clone())),
                                        )
                                        .collect()
                                })
                                .unwrap_or_default();
                            for (space, n) in names {
                                match space {
                                    Space::Relation => self.model.set_relation(
                                        &q.name,
                                        &n,
                                        Relation {
                                            entry: Entry::absent(origin.clone()),
                                            ..Relation::new(RelKind::Other, None)
                                        },
                                    ),
                                    _ => self.model.set_entry(
                                        space,
                                        &q.name,
                                        &n,
                                        Entry::absent(origin.clone()),
                                    ),
                                }
                            }
                            let ns = self.model.namespace_mut(&q.name);
                            ns.entry = Entry::absent(origin);
                            ns.opaque = false;
                            ns.unnamed.clear();
                            ns.functions_opaque = false;
                        }
                        State::Absent if !if_exists => {
                            if let Some(o) = self
                                .model
                                .schemas
                                .get(&q.name)
                                .and_then(|n| n.entry.origin.clone())
                            {
                                self.problems.push(Problem::Missing {
                                    what: "schema",
                                    name: q.name.clone(),
                                    place: q.place,
                                    why: Why::Dropped(Some(o)),
                                });
                            }
                        }
                        _ => {}
                    }
                }
                if cascade {
                    self.forget_dependents();
                    self.model.set_path(self.model.path.clone());
                }
            }
            ObjectType::Type => self.drop_types(if_exists, names.iter(), cascade),
            _ => self.model.forget_all(),
        }
    }

    fn drop_types<'n>(
        &mut self,
        if_exists: bool,
        names: impl Iterator<Item = &'n ObjectName>,
        cascade: bool,
    ) {
        let usage = if if_exists { Use::IfExists } else { Use::Must };
        for n in names {
            let Some(q) = Qualified::of(n) else { continue };
            match self.lookup(Space::Type, &q, "type", usage) {
                Found::Present(s) => {
                    self.model.set_entry(
                        Space::Type,
                        &s,
                        &q.name,
                        Entry::absent(self.new_origin()),
                    );
                    if self
                        .model
                        .relation(&s, &q.name)
                        .is_some_and(|r| r.kind == RelKind::Composite)
                    {
                        self.model.set_relation(
                            &s,
                            &q.name,
                            Relation {
                                entry: Entry::absent(self.new_origin()),
                                ..Relation::new(RelKind::Composite, None)
                            },
                        );
                    }
                    if cascade {
                        // Columns of that type go too.
                        let ty = q.name.clone();
                        self.model.each_relation(|_, _, r| {
                            let of_type: Vec<String> = r
                                .columns
                                .types
                                .iter()
                                .filter(|(_, t)| t.contains(&ty))
                                .map(|(c, _)| c.clone())
                                .collect();
                            for c in of_type {
                                r.columns.names.insert(c, Entry::unknown());
                            }
                        });
                        self.forget_dependents();
                    }
                }
                Found::Unknown => self.forget_name(Space::Type, &q),
                Found::Absent(_) => {}
            }
        }
    }

    fn drop_functions(
        &mut self,
        if_exists: bool,
        descs: &[sqlparser::ast::FunctionDesc],
        behavior: Option<DropBehavior>,
        what: &'static str,
    ) {
        let usage = if if_exists { Use::IfExists } else { Use::Must };
        for d in descs {
            let Some(q) = Qualified::of(&d.name) else {
                continue;
            };
            match self.overload(&q, d.args.as_deref(), usage, what) {
                Overload::Known(s, sig) => {
                    let mut o = self
                        .model
                        .overloads(&s, &q.name)
                        .cloned()
                        .unwrap_or_default();
                    match sig {
                        Some(sig) => {
                            o.known.remove(&sig);
                        }
                        // By name alone: its one overload.
                        None => o.known.clear(),
                    }
                    if o.known.is_empty() {
                        let origin = self.new_origin();
                        self.model
                            .set_entry(Space::Function, &s, &q.name, Entry::absent(origin));
                    } else {
                        self.model.set_overloads(&s, &q.name, Some(o));
                        // Which statements make the rest is not kept.
                        self.model.forget_function_sql(&s, &q.name);
                    }
                }
                Overload::Missing => {}
                // One overload of it may remain.
                Overload::Present(s) => {
                    self.model
                        .set_entry(Space::Function, &s, &q.name, Entry::unknown())
                }
                Overload::Unknown => self.forget_name(Space::Function, &q),
            }
        }
        if behavior == Some(DropBehavior::Cascade) {
            // Triggers, checks and exclusion constraints that call it, views.
            self.model.each_relation(|_, _, r| r.triggers.forget());
            self.forget_dependents_on(None, None, &["pkey", "key", "fkey"]);
        }
    }

    /// `ALTER FUNCTION q(...) RENAME TO name` or `SET SCHEMA schema`: the
    /// overload `found` leaves `q` for `name` in `schema` (its own when
    /// `None`), and calling it does what calling `q` did.
    fn move_function(
        &mut self,
        q: &Qualified,
        found: Overload,
        name: String,
        schema: Option<String>,
    ) {
        if let Some(e) = self.model.function_effects.get(&q.name).copied() {
            let was = self
                .model
                .function_effects
                .get(&name)
                .copied()
                .unwrap_or(false);
            self.model.function_effects.insert(name.clone(), e || was);
        }
        let origin = self.new_origin();
        let (from, sig) = match found {
            Overload::Missing => return,
            Overload::Unknown => {
                self.forget_name(Space::Function, q);
                let to = Qualified {
                    schema: schema.or_else(|| q.schema.clone()),
                    name,
                    place: q.place,
                };
                return self.forget_name(Space::Function, &to);
            }
            Overload::Present(s) => {
                self.model
                    .set_entry(Space::Function, &s, &q.name, Entry::unknown());
                (s, None)
            }
            Overload::Known(s, sig) => {
                let mut o = self
                    .model
                    .overloads(&s, &q.name)
                    .cloned()
                    .unwrap_or_default();
                // By name alone: its one overload.
                let sig = sig.or_else(|| o.known.keys().next().cloned());
                if let Some(sig) = &sig {
                    o.known.remove(sig);
                }
                if o.known.is_empty() {
                    self.model.set_entry(
                        Space::Function,
                        &s,
                        &q.name,
                        Entry::absent(origin.clone()),
                    );
                } else {
                    self.model.set_overloads(&s, &q.name, Some(o));
                    // The statements kept for the name made the one that
                    // went too.
                    self.model.forget_function_sql(&s, &q.name);
                }
                (s, sig)
            }
        };
        let to = schema.unwrap_or(from);
        let state = self
            .model
            .schemas
            .get(&to)
            .map_or(State::Absent, |ns| ns.state(Space::Function, &name));
        let earlier = match state {
            State::Absent => Some(super::model::Overloads::default()),
            State::Present => self.model.overloads(&to, &name).cloned(),
            State::Unknown => None,
        };
        self.model
            .set_entry(Space::Function, &to, &name, Entry::present(origin.clone()));
        let overloads = earlier.zip(sig).map(|(mut o, sig)| {
            o.known.insert(sig, origin);
            o
        });
        self.model.set_overloads(&to, &name, overloads);
    }

    /// Looks up the function `q`, one overload of it when `args` are given
    /// (`DROP FUNCTION f(integer)`): where every overload of it is known
    /// and none has those argument types, that is reported as missing
    /// (with the overload it may mean).
    fn overload(
        &mut self,
        q: &Qualified,
        args: Option<&[sqlparser::ast::OperateFunctionArg]>,
        usage: Use,
        what: &'static str,
    ) -> Overload {
        let s = match self.lookup(Space::Function, q, what, usage) {
            Found::Present(s) => s,
            Found::Absent(_) => return Overload::Missing,
            Found::Unknown => return Overload::Unknown,
        };
        let Some(known) = self.model.overloads(&s, &q.name).cloned() else {
            return Overload::Present(s);
        };
        let Some(args) = args else {
            // By name alone: the function when it has one overload.
            return match known.known.len() {
                1 => Overload::Known(s, None),
                _ => Overload::Present(s),
            };
        };
        let Some(sig) = super::signature::arg_types(args) else {
            return Overload::Present(s);
        };
        if known.known.contains_key(&sig) {
            return Overload::Known(s, Some(sig));
        }
        // The overload meant: one with as many arguments, else any.
        let arity = |sig: &str| {
            if sig.is_empty() {
                0
            } else {
                sig.split(", ").count()
            }
        };
        let like = known
            .known
            .iter()
            .find(|(k, _)| arity(k) == arity(&sig))
            .or_else(|| known.known.iter().next());
        let name = format!("{}({sig})", q.shown());
        let problem = match (usage, like) {
            (Use::Must, Some((k, o))) => Some(Problem::Missing {
                what,
                name,
                place: q.place,
                why: Why::Misspelt(format!("{}({k})", q.shown()), o.clone()),
            }),
            (Use::Must, None) => Some(Problem::Missing {
                what,
                name,
                place: q.place,
                why: Why::Dropped(None),
            }),
            (Use::IfExists, Some((k, o))) => Some(Problem::NoOp {
                what,
                name,
                place: q.place,
                like: format!("{}({k})", q.shown()),
                origin: o.clone(),
            }),
            (Use::IfExists, None) => None,
        };
        self.problems.extend(problem);
        Overload::Missing
    }

    /// What goes with a dropped table: its indexes and owned sequences
    /// (only its unique and primary-key indexes when `constraints_only`:
    /// a dropped column's).
    /// What belongs to `table` goes with it, or (`column`) with its column:
    /// an index that does not name the column stays, a constraint's index
    /// follows its constraint, and what the model cannot tell is unknown.
    fn drop_owned(&mut self, schema: &str, table: &str, column: Option<&str>) {
        let owned: Vec<String> = self
            .model
            .schemas
            .get(schema)
            .map(|ns| {
                ns.relations
                    .iter()
                    .filter(|(_, r)| {
                        r.owner.as_deref() == Some(table) && r.entry.state == State::Present
                    })
                    .map(|(n, _)| n.clone())
                    .collect()
            })
            .unwrap_or_default();
        for n in owned {
            if let Some(column) = column {
                let constraint = self
                    .model
                    .relation(schema, table)
                    .and_then(|t| t.constraints.names.get(&n))
                    .map(|e| e.state);
                let r = self.model.relation(schema, &n);
                let sql = r.and_then(|r| r.sql.clone());
                let state = match (constraint, sql) {
                    (Some(State::Present), _) => State::Present,
                    (Some(State::Absent), _) => State::Absent,
                    (None, Some(sql)) if !detail::mentions(&sql, column) => State::Present,
                    _ => State::Unknown,
                };
                match state {
                    State::Present => {}
                    State::Absent => {
                        let origin = self.new_origin();
                        self.model.relation_mut(schema, &n).entry = Entry::absent(origin);
                    }
                    State::Unknown => {
                        // Which of them used the column is not known.
                        let noun = r.map_or("relation", |r| r.kind.noun());
                        self.model.note_forgotten(format!("{noun} {n}"));
                        self.model.relation_mut(schema, &n).entry = Entry::unknown();
                    }
                }
            } else {
                let origin = self.new_origin();
                self.model.relation_mut(schema, &n).entry = Entry::absent(origin);
            }
        }
    }

    /// `CASCADE`: views, constraints and triggers elsewhere may have gone
    /// (constraints of every kind: see [`Replay::forget_dependents_on`]).
    fn forget_dependents(&mut self) {
        self.forget_dependents_on(None, None, &[]);
    }

    /// `CASCADE`: views may have gone, and constraints elsewhere, but for
    /// those of the kinds `kept` (`pkey`, `key`, ...: the label of
    /// PostgreSQL's name for them), which what was dropped cannot take
    /// (unless objects made of functions may chain to any constraint). When
    /// what was dropped is (a part of) the tables `dropped`, a foreign key
    /// whose target the model knows goes only when it refers to one of
    /// them (`key`: to these columns, a primary key's when `true`); a
    /// default that may read one of their sequences is no longer known.
    fn forget_dependents_on(
        &mut self,
        dropped: Option<&[(String, String)]>,
        key: Option<(&[String], bool)>,
        kept: &[&str],
    ) {
        let kept = if self.model.function_dependents {
            &[]
        } else {
            kept
        };
        let chained = self.model.function_dependents;
        let mut views: Vec<(String, String)> = Vec::new();
        self.model.each_relation(|s, n, r| {
            if matches!(r.kind, RelKind::View | RelKind::MaterializedView)
                && r.entry.state == State::Present
            {
                r.forget();
                r.kind = RelKind::View;
                views.push((s.to_string(), n.to_string()));
            }
            let c = &mut r.constraints;
            // Whether the constraint `n` may have gone.
            let taken = |n: &str| {
                if c.types.get(n).is_some_and(|k| kept.contains(&kind_of(k))) {
                    return false;
                }
                let refers = c.details.get(n).and_then(|d| d.references.as_ref());
                match (dropped, refers) {
                    (Some(dropped), Some(x)) if !chained => dropped.iter().any(|(ds, dt)| {
                        // The connection's own schema may be any of them.
                        (*ds == x.schema || ds.is_empty() || x.schema.is_empty())
                            && *dt == x.table
                            && key.is_none_or(|(cols, pk)| {
                                x.columns == cols || (x.columns.is_empty() && pk)
                            })
                    }),
                    _ => true,
                }
            };
            let gone: Vec<String> = c.names.keys().filter(|n| taken(n)).cloned().collect();
            if gone.len() == c.names.len() && !c.names.is_empty() {
                c.forget();
            } else {
                // What may have gone; a name not held stays absent.
                for n in gone {
                    c.names.insert(n.clone(), Entry::unknown());
                    c.types.remove(&n);
                    c.details.remove(&n);
                }
            }
            if let Some(dropped) = dropped {
                r.columns.details.retain(|_, d| {
                    !d.default
                        .as_deref()
                        .is_some_and(|x| dropped.iter().any(|(_, t)| x.contains(t.as_str())))
                });
            } else {
                r.columns.details.retain(|_, d| d.default.is_none());
            }
        });
        // A materialized view's indexes go with it.
        self.model.each_relation(|s, _, r| {
            if r.owner
                .as_ref()
                .is_some_and(|o| views.iter().any(|(vs, vn)| vs == s && vn == o))
                && r.entry.state == State::Present
            {
                r.entry = Entry::unknown();
            }
        });
    }
}

/// What is wrong with naming `q`, a part of `at` known absent from `p`
/// (a warning after `IF EXISTS`, when it looks misspelt).
fn absent_part(
    p: &Parts,
    at: &(String, String),
    q: &Qualified,
    what: &'static str,
    if_exists: bool,
) -> Option<Problem> {
    let like = super::similar::closest(&q.name, p.present().map(|(n, _)| n)).map(str::to_string);
    let like_origin = like
        .as_ref()
        .and_then(|l| p.names.get(l))
        .and_then(|e| e.origin.clone());
    let dropped = p.names.get(&q.name).and_then(|e| e.origin.clone());
    let name = format!("{} on {}", q.name, at.1);
    match (if_exists, like) {
        (true, Some(like)) => Some(Problem::NoOp {
            what,
            name,
            place: q.place,
            like,
            origin: like_origin,
        }),
        (true, None) => None,
        (false, Some(like)) => Some(Problem::Missing {
            what,
            name,
            place: q.place,
            why: Why::Misspelt(like, like_origin),
        }),
        (false, None) => Some(Problem::Missing {
            what,
            name,
            place: q.place,
            why: Why::Dropped(dropped),
        }),
    }
}

/// The kind of a constraint as the model holds it (`pkey`, `key`, `fkey`,
/// `check`, ...: the label of PostgreSQL's name for it), from `kind` or
/// `kind:columns`.
fn kind_of(held: &str) -> &str {
    held.split(':').next().unwrap_or(held)
}

/// The columns of a constraint as the model holds it (`kind:a,b`), when
/// known.
fn columns_of(held: &str) -> Option<Vec<&str>> {
    let (_, cols) = held.split_once(':')?;
    let cols: Vec<&str> = cols.split(',').filter(|c| !c.is_empty()).collect();
    (!cols.is_empty()).then_some(cols)
}

/// The condition of a join, when it has one (`ON`).
fn join_condition(op: &sqlparser::ast::JoinOperator) -> Option<&Expr> {
    use sqlparser::ast::{JoinConstraint, JoinOperator};
    match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c) => match c {
            JoinConstraint::On(e) => Some(e),
            _ => None,
        },
        _ => None,
    }
}

/// The last identifier of a name (a column as `t.c` or `c`).
fn last_ident(name: &ObjectName) -> Option<&Ident> {
    match name.0.last()? {
        sqlparser::ast::ObjectNamePart::Identifier(i) => Some(i),
        _ => None,
    }
}

/// Whether the relation `name` of `schema` is `table`, or may name `word`
/// (the table's name, or a column of it) in what the model keeps of it: a
/// statement kept, a foreign key to the table.
fn reads_table(
    table: &(String, String),
    word: &str,
    keyed: bool,
    schema: &str,
    name: &str,
    r: &Relation,
) -> bool {
    // The cheap tests first: this runs for every relation at each rename.
    let mentions = || r.sql.as_deref().is_some_and(|s| detail::mentions(s, word));
    match r.kind {
        RelKind::View | RelKind::MaterializedView => mentions(),
        RelKind::Index => {
            r.owner.as_deref() == Some(table.1.as_str()) && schema == table.0 && mentions()
        }
        RelKind::Table => {
            (name == table.1 && schema == table.0)
                || (keyed
                    && r.constraints
                        .details
                        .values()
                        .any(|d| d.references.as_ref().is_some_and(|x| x.table == table.1)))
        }
        _ => false,
    }
}

/// A table's or a view's details after `table`'s column `old` became `new`.
fn renamed_column(
    table: &(String, String),
    schema: &str,
    name: &str,
    r: &mut Relation,
    old: &str,
    new: &str,
) {
    let own = schema == table.0 && name == table.1;
    let rename = |cols: &mut Vec<String>| {
        for c in cols.iter_mut() {
            if c == old {
                *c = new.to_string();
            }
        }
    };
    let mut stale = Vec::new();
    for (n, d) in r.constraints.details.iter_mut() {
        if own {
            rename(&mut d.columns);
            if d.kind == Some(super::objects::ConstraintKind::Check)
                && detail::mentions(&d.sql, old)
            {
                stale.push(n.clone());
            }
        }
        if let Some(refs) = &mut d.references
            && refs.schema == table.0
            && refs.table == table.1
        {
            rename(&mut refs.columns);
        }
    }
    for n in stale {
        r.constraints.details.remove(&n);
    }
    if own {
        // A default or generated column that reads it: PostgreSQL follows
        // the rename, the text kept here would not.
        // A serial's sequence keeps the name it was made with.
        r.columns.details.retain(|c, d| {
            let reads = d
                .default
                .as_deref()
                .is_some_and(|s| detail::mentions(s, old));
            let serial = c == new && d.serial;
            !(reads || serial)
        });
    }
    // An index of the table, or a view that may read it, printed with the
    // old name: no longer known as SQL.
    if ((r.owner.as_deref() == Some(table.1.as_str()) && schema == table.0)
        || matches!(r.kind, RelKind::View | RelKind::MaterializedView))
        && r.sql.as_deref().is_some_and(|s| detail::mentions(s, old))
    {
        r.sql = None;
    }
}

/// A relation's details after the relation `old` of `schema` became `new`.
fn renamed_relation(schema: &str, r: &mut Relation, old: &str, new: &str) {
    for d in r.constraints.details.values_mut() {
        if let Some(refs) = &mut d.references
            && refs.schema == schema
            && refs.table == old
        {
            refs.table = new.to_string();
        }
    }
    if r.sql.as_deref().is_some_and(|s| detail::mentions(s, old)) {
        r.sql = None;
    }
}

/// An enum's `CREATE TYPE` with `op`'s label added or renamed; `None` when
/// it is not one or the change does not read.
fn relabel(create: &str, op: &AlterTypeOperation) -> Option<String> {
    let mut parsed =
        sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, create)
            .ok()?;
    let Some(Statement::CreateType {
        representation: Some(UserDefinedTypeRepresentation::Enum { labels }),
        ..
    }) = parsed.first_mut()
    else {
        return None;
    };
    let at = |labels: &[Ident], l: &Ident| labels.iter().position(|x| x.value == l.value);
    match op {
        AlterTypeOperation::AddValue(add) => {
            if at(labels, &add.value).is_some() {
                return add.if_not_exists.then(|| create.to_string());
            }
            let i = match &add.position {
                None => labels.len(),
                Some(sqlparser::ast::AlterTypeAddValuePosition::Before(l)) => at(labels, l)?,
                Some(sqlparser::ast::AlterTypeAddValuePosition::After(l)) => at(labels, l)? + 1,
            };
            labels.insert(i, add.value.clone());
        }
        AlterTypeOperation::RenameValue(r) => {
            let i = at(labels, &r.from)?;
            labels[i] = r.to.clone();
        }
        _ => return None,
    }
    parsed.first().map(ToString::to_string)
}

/// Sets (or, with `None`, clears) what defines a part.
fn set_detail(parts: &mut Parts, name: &str, detail: Option<Detail>) {
    match detail {
        Some(d) => {
            parts.details.insert(name.to_string(), d);
        }
        None => {
            parts.details.remove(name);
        }
    }
}

/// `ctid`, `xmin` and the other columns every table has.
fn is_system_column(name: &str) -> bool {
    matches!(
        name,
        "ctid" | "xmin" | "xmax" | "cmin" | "cmax" | "tableoid" | "oid"
    )
}

fn is_serial(ty: &DataType) -> bool {
    let t = type_text(ty);
    matches!(
        t.as_str(),
        "serial" | "bigserial" | "smallserial" | "serial4" | "serial8" | "serial2"
    )
}

fn is_identity(opt: &ColumnOption) -> bool {
    matches!(
        opt,
        ColumnOption::Generated {
            generation_expr: None,
            ..
        }
    )
}

/// A type as written, lower case.
pub fn type_text(ty: &DataType) -> String {
    ty.to_string().to_lowercase()
}

/// `a, "B", $user` as a search path; `None` when it does not read.
fn parse_path(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for part in text.split(',') {
        let p = part.trim();
        if p.is_empty() {
            continue;
        }
        let name = if let Some(inner) = p.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            inner.to_string()
        } else {
            p.to_lowercase()
        };
        out.push(if name == "$user" {
            DEFAULT.to_string()
        } else {
            name
        });
    }
    Some(out)
}

/// Whether a function body may change the schema: DDL or dynamic SQL in
/// it, or a call to a function that is not the server's own and not known
/// to be harmless.
fn may_change_schema(
    body: &str,
    own: &str,
    effects: &std::collections::BTreeMap<String, bool>,
) -> bool {
    const DDL: &[&str] = &[
        "create",
        "alter",
        "drop",
        "execute",
        "truncate",
        "grant",
        "revoke",
        "comment",
        "rename",
        "do",
        "call",
        "import",
        "reindex",
        "cluster",
        "security",
        "set_config",
        "dblink_exec",
    ];
    if DDL.iter().any(|w| contains_word(body, w)) {
        return true;
    }
    exprs::calls(body).iter().any(|c| {
        c != own
            && match effects.get(c) {
                Some(may) => *may,
                None => !builtin::is_harmless_call(c),
            }
    })
}

/// What an unread `CREATE` makes: its kind (`table`, `view`, `sequence`,
/// `index`, `type`, `domain`), its name (empty for an unnamed index) and,
/// for an index, its table's name.
fn created_name(sql: &str) -> Option<(&'static str, Qualified, Option<String>)> {
    use crate::lex::TokenKind;
    let tokens = crate::lex::tokenize(sql).ok()?;
    let code: Vec<&crate::lex::Token> = tokens.iter().filter(|t| !t.kind.is_trivia()).collect();
    let word = |i: usize| -> Option<String> {
        let t = code.get(i)?;
        (t.kind == TokenKind::Word).then(|| sql[t.start..t.end].to_lowercase())
    };
    if word(0)?.as_str() != "create" {
        return None;
    }
    let mut i = 1;
    let skip = [
        "or",
        "replace",
        "unique",
        "temp",
        "temporary",
        "unlogged",
        "global",
        "local",
        "materialized",
        "recursive",
    ];
    while word(i).is_some_and(|w| skip.contains(&w.as_str())) {
        i += 1;
    }
    let kind = match word(i)?.as_str() {
        "table" => "table",
        "view" => "view",
        "sequence" => "sequence",
        "index" => "index",
        "type" => "type",
        "domain" => "domain",
        _ => return None,
    };
    i += 1;
    while word(i).is_some_and(|w| ["concurrently", "if", "not", "exists"].contains(&w.as_str())) {
        i += 1;
    }
    let ident = |i: usize| -> Option<(String, (u64, u64))> {
        let t = code.get(i)?;
        let text = &sql[t.start..t.end];
        let place = (t.line as u64, t.column as u64);
        match t.kind {
            TokenKind::Word => Some((super::name::truncate(&text.to_lowercase()), place)),
            TokenKind::QuotedIdent => Some((
                super::name::truncate(&text.trim_matches('"').replace("\"\"", "\"")),
                place,
            )),
            _ => None,
        }
    };
    let name = |i: usize| -> Option<(Qualified, usize)> {
        let (first, place) = ident(i)?;
        if code
            .get(i + 1)
            .is_some_and(|t| t.kind == TokenKind::Punct('.'))
        {
            let (second, place) = ident(i + 2)?;
            Some((
                Qualified {
                    schema: Some(first),
                    name: second,
                    place,
                },
                i + 3,
            ))
        } else {
            Some((
                Qualified {
                    schema: None,
                    name: first,
                    place,
                },
                i + 1,
            ))
        }
    };
    if kind == "index" {
        let (q, next) = if word(i).as_deref() == Some("on") {
            (
                Qualified {
                    schema: None,
                    name: String::new(),
                    place: (1, 1),
                },
                i,
            )
        } else {
            name(i)?
        };
        let mut j = next;
        if word(j).as_deref() != Some("on") {
            return None;
        }
        j += 1;
        if word(j).as_deref() == Some("only") {
            j += 1;
        }
        let (table, _) = name(j)?;
        return Some((kind, q, Some(table.name)));
    }
    let (q, _) = name(i)?;
    Some((kind, q, None))
}

/// `ALTER SEQUENCE|INDEX|VIEW|TABLE [IF EXISTS] name RENAME TO new` or
/// `... SET SCHEMA s`: the names it may move (the old, and the new or the
/// old in the new schema).
fn renamed(sql: &str) -> Option<Vec<Qualified>> {
    let words: Vec<String> = sql
        .split_whitespace()
        .map(|w| w.trim_end_matches(';').to_string())
        .collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let mut i = 2;
    if lower.get(i).is_some_and(|w| w == "if") {
        i += 2;
    }
    let name = word_name;
    let old = name(words.get(i)?)?;
    match (lower.get(i + 1)?.as_str(), lower.get(i + 2)?.as_str()) {
        ("rename", "to") if lower.len() == i + 4 => {
            let new = name(words.get(i + 3)?)?;
            Some(vec![
                old.clone(),
                Qualified {
                    schema: old.schema.clone(),
                    ..new
                },
            ])
        }
        ("set", "schema") if lower.len() == i + 4 => {
            let moved = Qualified {
                schema: Some(name(words.get(i + 3)?)?.name),
                ..old.clone()
            };
            Some(vec![old, moved])
        }
        _ => None,
    }
}

/// An unquoted, possibly schema-qualified name written as one word
/// (`app.users`), folded; `None` for anything else.
fn word_name(w: &str) -> Option<Qualified> {
    let w = w.trim_end_matches(';');
    if w.contains(['"', '(', ')']) {
        return None;
    }
    let parts: Vec<&str> = w.split('.').collect();
    let fold = |p: &str| super::name::truncate(&p.to_lowercase());
    match parts.as_slice() {
        [n] => Some(Qualified {
            schema: None,
            name: fold(n),
            place: (1, 1),
        }),
        [s, n] => Some(Qualified {
            schema: Some(fold(s)),
            name: fold(n),
            place: (1, 1),
        }),
        _ => None,
    }
}

/// The place (line, column) of the first whole-word, case-insensitive
/// occurrence of `word` in `sql` from its `skip`th word on; (1, 1) when
/// not found.
fn place_of_word(sql: &str, word: &str, skip: usize) -> Place {
    let mut seen = 0;
    let mut line = 1u64;
    let mut column = 1u64;
    let mut i = 0;
    let bytes = sql.as_bytes();
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            if seen >= skip && sql[start..i].eq_ignore_ascii_case(word) {
                return (line, column);
            }
            seen += 1;
            column += (i - start) as u64;
            continue;
        }
        if c == b'\n' {
            line += 1;
            column = 1;
        } else if !(0x80..0xc0).contains(&c) {
            column += 1;
        }
        i += 1;
    }
    (1, 1)
}

/// The constraints an `ALTER TABLE` altered, given the words after the
/// table's name, when all it does is `ALTER CONSTRAINT c` with timing
/// options (`[NOT] DEFERRABLE`, `INITIALLY DEFERRED | IMMEDIATE`, `[NOT]
/// ENFORCED`, `[NO] INHERIT`), which change no name; `None` otherwise.
fn altered_constraints(words: &[&str]) -> Option<Vec<String>> {
    let text = words.join(" ");
    let text = text.trim_end().trim_end_matches(';');
    let mut out = Vec::new();
    for part in text.split(',') {
        let w: Vec<String> = part.split_whitespace().map(str::to_lowercase).collect();
        let [alter, constraint, name, rest @ ..] = w.as_slice() else {
            return None;
        };
        let plain = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if alter != "alter" || constraint != "constraint" || !plain {
            return None;
        }
        if !rest.iter().all(|r| {
            [
                "deferrable",
                "not",
                "initially",
                "deferred",
                "immediate",
                "enforced",
                "inherit",
                "no",
            ]
            .contains(&r.as_str())
        }) {
            return None;
        }
        out.push(super::name::truncate(name));
    }
    Some(out)
}

/// Whether `sql` holds `word` as a whole word (any case).
fn contains_word(sql: &str, word: &str) -> bool {
    sql.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// The first `n` words of `sql`, lower case, skipping comments.
fn leading_words(sql: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sql;
    while out.len() < n {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, r)| r);
            continue;
        }
        if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, r)| r);
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        out.push(rest[..end].to_lowercase());
        rest = &rest[end..];
    }
    out
}

#[allow(dead_code)]
fn unused(_: ReferentialAction, _: Place) {}
