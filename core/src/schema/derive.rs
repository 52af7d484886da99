//! The names of the columns a query yields, as PostgreSQL names them (for
//! a view, a materialized view or a `CREATE TABLE ... AS`), when the model
//! can tell: aliases, column references (`c`, `t.c`), function calls (named
//! after the function), casts of these, scalar subqueries (named after
//! their own first column), `*` and `t.*` over tables, views, CTEs and
//! derived tables whose columns are all known. Anything else (`?column?`,
//! a set-returning function in `FROM`, ...) makes the answer `None`:
//! the columns are then unknown, never guessed.

use sqlparser::ast::{
    Expr, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, TableAlias,
    TableFactor,
};

use super::exprs;
use super::model::{Model, Space};
use super::name::{Qualified, fold};
use super::objects::{RelKind, State};
use super::resolve::{Found, resolve};

/// Columns: their names, and whether they are in the query's order (`*`
/// over a table yields its columns in the model's order, which is by
/// name: then only the set of names is meant, and a list of aliases
/// shorter than the columns cannot be applied).
pub type Cols = (Vec<String>, bool);

/// The CTEs in scope, innermost last: each one's name and its columns
/// (`None`: not known).
pub type Ctes = Vec<(String, Option<Cols>)>;

/// The columns `q` yields.
pub fn query_columns(model: &Model, q: &Query, ctes: &Ctes) -> Option<Cols> {
    let mut env = ctes.clone();
    if let Some(with) = &q.with {
        for cte in &with.cte_tables {
            let name = fold(&cte.alias.name);
            if with.recursive {
                // Its own name, inside it, is not known yet.
                env.push((name.clone(), None));
            }
            let cols = query_columns(model, &cte.query, &env);
            let cols = renamed(cols, Some(&cte.alias));
            if with.recursive {
                env.pop();
            }
            env.push((name, cols));
        }
    }
    set_expr_columns(model, &q.body, &env)
}

fn set_expr_columns(model: &Model, body: &SetExpr, env: &Ctes) -> Option<Cols> {
    match body {
        // A set operation's columns are named by its first branch.
        SetExpr::SetOperation { left, .. } => set_expr_columns(model, left, env),
        SetExpr::Query(q) => query_columns(model, q, env),
        SetExpr::Select(select) => select_columns(model, select, env),
        SetExpr::Values(v) => {
            let n = v.rows.first()?.len();
            Some(((1..=n).map(|i| format!("column{i}")).collect(), true))
        }
        _ => None,
    }
}

/// A `FROM` item's alias and columns.
type Item = (String, Option<Cols>);

fn select_columns(model: &Model, select: &Select, env: &Ctes) -> Option<Cols> {
    let mut scope: Vec<Item> = Vec::new();
    for twj in &select.from {
        items(model, &twj.relation, env, &mut scope);
        for j in &twj.joins {
            items(model, &j.relation, env, &mut scope);
        }
    }
    let mut out = Vec::new();
    let mut ordered = true;
    for item in &select.projection {
        match item {
            SelectItem::Wildcard(_) => {
                if scope.is_empty() {
                    return None;
                }
                for (_, cols) in &scope {
                    let (names, o) = cols.clone()?;
                    out.extend(names);
                    ordered &= o;
                }
            }
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                let alias = Qualified::of(n)?.name;
                let (_, cols) = scope.iter().find(|(a, _)| *a == alias)?;
                let (names, o) = cols.clone()?;
                out.extend(names);
                ordered &= o;
            }
            SelectItem::ExprWithAlias { alias, .. } => out.push(fold(alias)),
            SelectItem::UnnamedExpr(e) => out.push(expr_name(model, e, env)?),
            _ => return None,
        }
    }
    Some((out, ordered))
}

/// What a `FROM` item adds to the scope.
fn items(model: &Model, factor: &TableFactor, env: &Ctes, scope: &mut Vec<Item>) {
    match factor {
        TableFactor::Table {
            name,
            alias,
            args: None,
            with_hints,
            ..
        } if with_hints.is_empty() => {
            let Some(q) = Qualified::of(name) else {
                scope.push((String::new(), None));
                return;
            };
            let shown = alias.as_ref().map_or(q.name.clone(), |a| fold(&a.name));
            let cte = if q.schema.is_none() {
                env.iter().rev().find(|(n, _)| *n == q.name)
            } else {
                None
            };
            let cols = match cte {
                Some((_, cols)) => cols.clone(),
                None => match resolve(model, Space::Relation, &q) {
                    Found::Present(s) => model
                        .relation(&s, &q.name)
                        .filter(|r| {
                            r.columns.complete
                                && r.entry.state == State::Present
                                && matches!(
                                    r.kind,
                                    RelKind::Table | RelKind::View | RelKind::MaterializedView
                                )
                        })
                        .map(|r| {
                            let names = r.columns.present().map(|(n, _)| n.to_string());
                            (names.collect(), false)
                        }),
                    _ => None,
                },
            };
            scope.push((shown, renamed(cols, alias.as_ref())));
        }
        TableFactor::Derived {
            subquery, alias, ..
        } => {
            let cols = renamed(query_columns(model, subquery, env), alias.as_ref());
            scope.push((
                alias.as_ref().map_or(String::new(), |a| fold(&a.name)),
                cols,
            ));
        }
        TableFactor::NestedJoin {
            table_with_joins,
            alias: None,
        } => {
            items(model, &table_with_joins.relation, env, scope);
            for j in &table_with_joins.joins {
                items(model, &j.relation, env, scope);
            }
        }
        _ => scope.push((String::new(), None)),
    }
}

/// `cols` renamed by an alias's column list (the first ones; the rest keep
/// their names): unknown when the list is longer, or shorter and the
/// columns' order is not known.
pub fn renamed(cols: Option<Cols>, alias: Option<&TableAlias>) -> Option<Cols> {
    let names: Vec<String> = alias
        .map(|a| a.columns.iter().map(|c| fold(&c.name)).collect())
        .unwrap_or_default();
    apply_names(cols, &names)
}

/// `cols`, the first ones renamed `names` (see [`renamed`]).
pub fn apply_names(cols: Option<Cols>, names: &[String]) -> Option<Cols> {
    let (mut cols, ordered) = cols?;
    if names.is_empty() {
        return Some((cols, ordered));
    }
    if names.len() > cols.len() || (names.len() < cols.len() && !ordered) {
        return None;
    }
    for (c, n) in cols.iter_mut().zip(names) {
        *c = n.clone();
    }
    // All renamed: the order is the list's.
    Some((cols, true))
}

/// The name PostgreSQL gives an unaliased output expression, when the
/// model can tell.
fn expr_name(model: &Model, e: &Expr, env: &Ctes) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(fold(i)),
        Expr::CompoundIdentifier(p) => Some(fold(p.last()?)),
        Expr::Function(f) => exprs::function_name(&f.name),
        Expr::Nested(inner) => expr_name(model, inner, env),
        Expr::Cast { expr, .. } => match expr.as_ref() {
            Expr::Identifier(_)
            | Expr::CompoundIdentifier(_)
            | Expr::Function(_)
            | Expr::Nested(_)
            | Expr::Subquery(_) => expr_name(model, expr, env),
            _ => None,
        },
        // Named after its first column (only one there may be).
        Expr::Subquery(q) => match query_columns(model, q, env)? {
            (names, _) if names.len() == 1 => names.into_iter().next(),
            _ => None,
        },
        Expr::Exists { negated: false, .. } => Some("exists".to_string()),
        _ => None,
    }
}
