//! What an expression names: the columns it reads (for the names
//! PostgreSQL gives `CHECK` constraints and expression indexes) and the
//! functions it calls (a call may change the schema).

use sqlparser::ast::{
    DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName,
    ObjectNamePart, Query,
};

use super::name::fold;

/// The distinct columns `expr` reads, in order; `None` when it has a form
/// this reader does not walk (the caller then knows less, never wrongly).
pub fn columns(expr: &Expr) -> Option<Vec<String>> {
    let mut out = Vec::new();
    walk_columns(expr, &mut out)?;
    Some(out)
}

fn walk_columns(expr: &Expr, out: &mut Vec<String>) -> Option<()> {
    let mut push = |n: String| {
        if !out.contains(&n) {
            out.push(n);
        }
    };
    match expr {
        Expr::Identifier(i) => push(fold(i)),
        Expr::CompoundIdentifier(parts) => push(fold(parts.last()?)),
        Expr::Value(_) | Expr::TypedString { .. } => {}
        Expr::BinaryOp { left, right, .. } => {
            walk_columns(left, out)?;
            walk_columns(right, out)?;
        }
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::IsTrue(expr)
        | Expr::IsFalse(expr)
        | Expr::IsNotTrue(expr)
        | Expr::IsNotFalse(expr)
        | Expr::Cast { expr, .. } => walk_columns(expr, out)?,
        Expr::InList { expr, list, .. } => {
            walk_columns(expr, out)?;
            for e in list {
                walk_columns(e, out)?;
            }
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            walk_columns(expr, out)?;
            walk_columns(low, out)?;
            walk_columns(high, out)?;
        }
        Expr::Like { expr, pattern, .. }
        | Expr::ILike { expr, pattern, .. }
        | Expr::SimilarTo { expr, pattern, .. } => {
            walk_columns(expr, out)?;
            walk_columns(pattern, out)?;
        }
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
            walk_columns(a, out)?;
            walk_columns(b, out)?;
        }
        Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } => {
            walk_columns(left, out)?;
            walk_columns(right, out)?;
        }
        Expr::Function(f) => {
            if let FunctionArguments::List(list) = &f.args {
                for a in &list.args {
                    match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                        | FunctionArg::Named {
                            arg: FunctionArgExpr::Expr(e),
                            ..
                        } => walk_columns(e, out)?,
                        _ => return None,
                    }
                }
            } else if !matches!(f.args, FunctionArguments::None) {
                return None;
            }
        }
        _ => return None,
    }
    Some(())
}

/// The column references of `expr`: each identifier with its qualifier
/// (`t.c`), in order; `None` when it has a form this reader does not walk
/// (a subquery, a field of a composite, ...): the caller then checks none.
pub fn references(expr: &Expr) -> Option<Vec<(Option<&Ident>, &Ident)>> {
    let mut out = Vec::new();
    walk_refs(expr, &mut out)?;
    Some(out)
}

fn walk_refs<'e>(expr: &'e Expr, out: &mut Vec<(Option<&'e Ident>, &'e Ident)>) -> Option<()> {
    match expr {
        Expr::Identifier(i) => {
            // SQL's value keywords read as identifiers by some parsers.
            let v = i.value.to_lowercase();
            if i.quote_style.is_some()
                || !matches!(
                    v.as_str(),
                    "default"
                        | "user"
                        | "current_user"
                        | "session_user"
                        | "current_role"
                        | "current_catalog"
                        | "current_schema"
                        | "current_date"
                        | "current_time"
                        | "current_timestamp"
                        | "localtime"
                        | "localtimestamp"
                        | "null"
                        | "true"
                        | "false"
                        | "excluded"
                        | "new"
                        | "old"
                )
            {
                out.push((None, i));
            }
        }
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [q, c] => out.push((Some(q), c)),
            _ => return None,
        },
        Expr::Value(_) | Expr::TypedString { .. } => {}
        Expr::BinaryOp { left, right, .. } => {
            walk_refs(left, out)?;
            walk_refs(right, out)?;
        }
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::IsTrue(expr)
        | Expr::IsFalse(expr)
        | Expr::IsNotTrue(expr)
        | Expr::IsNotFalse(expr)
        | Expr::Cast { expr, .. } => walk_refs(expr, out)?,
        Expr::InList { expr, list, .. } => {
            walk_refs(expr, out)?;
            for e in list {
                walk_refs(e, out)?;
            }
        }
        // A subquery's own references are in its own scope: the callers that
        // read it check them there ([`subqueries`]).
        Expr::Subquery(_) | Expr::Exists { .. } => {}
        Expr::InSubquery { expr, .. } => walk_refs(expr, out)?,
        Expr::Between {
            expr, low, high, ..
        } => {
            walk_refs(expr, out)?;
            walk_refs(low, out)?;
            walk_refs(high, out)?;
        }
        Expr::Like { expr, pattern, .. }
        | Expr::ILike { expr, pattern, .. }
        | Expr::SimilarTo { expr, pattern, .. } => {
            walk_refs(expr, out)?;
            walk_refs(pattern, out)?;
        }
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
            walk_refs(a, out)?;
            walk_refs(b, out)?;
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            if let Some(o) = operand {
                walk_refs(o, out)?;
            }
            for c in conditions {
                walk_refs(&c.condition, out)?;
                walk_refs(&c.result, out)?;
            }
            if let Some(e) = else_result {
                walk_refs(e, out)?;
            }
        }
        Expr::Function(f) => {
            // Aggregates' and windows' extras are not walked.
            if f.over.is_some() || f.filter.is_some() || !f.within_group.is_empty() {
                return None;
            }
            match &f.args {
                FunctionArguments::None => {}
                FunctionArguments::List(list) => {
                    if !list.clauses.is_empty() {
                        return None;
                    }
                    for a in &list.args {
                        match a {
                            FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                            | FunctionArg::Named {
                                arg: FunctionArgExpr::Expr(e),
                                ..
                            } => walk_refs(e, out)?,
                            _ => return None,
                        }
                    }
                }
                FunctionArguments::Subquery(_) => return None,
            }
        }
        _ => return None,
    }
    Some(())
}

/// The subqueries in `expr` (`(SELECT ...)`, `EXISTS`, `IN (SELECT ...)`),
/// as far as this reader walks it.
pub fn subqueries(expr: &Expr) -> Vec<&Query> {
    let mut out = Vec::new();
    walk_subqueries(expr, &mut out);
    out
}

fn walk_subqueries<'e>(expr: &'e Expr, out: &mut Vec<&'e Query>) {
    match expr {
        Expr::Subquery(q) | Expr::Exists { subquery: q, .. } => out.push(q),
        Expr::InSubquery { expr, subquery, .. } => {
            walk_subqueries(expr, out);
            out.push(subquery);
        }
        Expr::BinaryOp { left, right, .. }
        | Expr::AnyOp { left, right, .. }
        | Expr::AllOp { left, right, .. }
        | Expr::IsDistinctFrom(left, right)
        | Expr::IsNotDistinctFrom(left, right) => {
            walk_subqueries(left, out);
            walk_subqueries(right, out);
        }
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::IsTrue(expr)
        | Expr::IsFalse(expr)
        | Expr::Cast { expr, .. } => walk_subqueries(expr, out),
        Expr::InList { expr, list, .. } => {
            walk_subqueries(expr, out);
            for e in list {
                walk_subqueries(e, out);
            }
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            for e in operand.iter().chain(else_result.iter()) {
                walk_subqueries(e, out);
            }
            for c in conditions {
                walk_subqueries(&c.condition, out);
                walk_subqueries(&c.result, out);
            }
        }
        Expr::Function(f) => {
            if let FunctionArguments::List(list) = &f.args {
                for a in &list.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                    | FunctionArg::Named {
                        arg: FunctionArgExpr::Expr(e),
                        ..
                    } = a
                    {
                        walk_subqueries(e, out);
                    }
                }
            }
            if let FunctionArguments::Subquery(q) = &f.args {
                out.push(q);
            }
        }
        _ => {}
    }
}

/// The types `expr` casts to (`x::t`, `CAST(x AS t)`), outside subqueries
/// (each of those is read in its turn); forms this reader does not walk
/// are not entered.
pub fn cast_types(expr: &Expr) -> Vec<&DataType> {
    let mut out = Vec::new();
    walk_casts(expr, &mut out);
    out
}

fn walk_casts<'e>(expr: &'e Expr, out: &mut Vec<&'e DataType>) {
    match expr {
        Expr::Cast {
            expr, data_type, ..
        } => {
            out.push(data_type);
            walk_casts(expr, out);
        }
        Expr::BinaryOp { left, right, .. }
        | Expr::IsDistinctFrom(left, right)
        | Expr::IsNotDistinctFrom(left, right) => {
            walk_casts(left, out);
            walk_casts(right, out);
        }
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::IsTrue(expr)
        | Expr::IsFalse(expr) => walk_casts(expr, out),
        Expr::InList { expr, list, .. } => {
            walk_casts(expr, out);
            for e in list {
                walk_casts(e, out);
            }
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            for e in operand.iter().chain(else_result.iter()) {
                walk_casts(e, out);
            }
            for c in conditions {
                walk_casts(&c.condition, out);
                walk_casts(&c.result, out);
            }
        }
        Expr::Function(f) => {
            if let FunctionArguments::List(list) = &f.args {
                for a in &list.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                    | FunctionArg::Named {
                        arg: FunctionArgExpr::Expr(e),
                        ..
                    } = a
                    {
                        walk_casts(e, out);
                    }
                }
            }
        }
        _ => {}
    }
}

/// The last part of a function's name, folded.
pub fn function_name(name: &ObjectName) -> Option<String> {
    match name.0.last()? {
        ObjectNamePart::Identifier(i) => Some(fold(i)),
        ObjectNamePart::Function(_) => None,
    }
}

/// The functions a query or expression calls (by their last name part),
/// found by reading the statement's text: every identifier directly
/// followed by `(`. Over-counting is safe (a call to an unknown function
/// makes the model forget, never err).
pub fn calls(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = sql.as_bytes();
    let mut i = 0;
    let mut in_quote: Option<u8> = None;
    // The word before the current name (a chain `a.b` counts as one).
    let mut before = String::new();
    let mut after_dot = false;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = in_quote {
            if c == q {
                in_quote = None;
            }
            i += 1;
            continue;
        }
        if c == b'\'' {
            in_quote = Some(b'\'');
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' || c == b'"' {
            let start = i;
            let quoted = c == b'"';
            i += 1;
            if quoted {
                while i < bytes.len() && bytes[i] != b'"' {
                    i += 1;
                }
                i += 1;
            } else {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
                {
                    i += 1;
                }
            }
            let word = &sql[start..i.min(sql.len())];
            let mut j = i;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            let name = if quoted {
                word.trim_matches('"').to_string()
            } else {
                word.to_lowercase()
            };
            // `INSERT INTO t (a)`, `REFERENCES t (a)`: a table, not a call.
            let names_table = matches!(
                before.as_str(),
                "into"
                    | "table"
                    | "update"
                    | "only"
                    | "join"
                    | "from"
                    | "references"
                    | "using"
                    | "on"
            );
            if j < bytes.len() && bytes[j] == b'(' && !is_keyword(&name) && !names_table {
                out.push(name.clone());
            }
            let followed_by_dot = j < bytes.len() && bytes[j] == b'.';
            if !after_dot && !followed_by_dot {
                before = name;
            }
            after_dot = followed_by_dot;
            continue;
        }
        if !c.is_ascii_whitespace() && c != b'.' {
            before.clear();
            after_dot = false;
        }
        i += 1;
    }
    out
}

/// Words followed by `(` that are not function calls.
fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "values"
            | "in"
            | "exists"
            | "any"
            | "all"
            | "some"
            | "and"
            | "or"
            | "not"
            | "as"
            | "on"
            | "using"
            | "select"
            | "from"
            | "where"
            | "into"
            | "table"
            | "cast"
            | "over"
            | "filter"
            | "within"
            | "array"
            | "row"
            | "case"
            | "when"
            | "then"
            | "else"
            | "is"
            | "by"
            | "join"
            | "lateral"
            | "with"
            | "set"
            | "returning"
            | "conflict"
            | "do"
            | "update"
            | "numeric"
            | "decimal"
            | "varchar"
            | "char"
            | "character"
            | "timestamp"
            | "time"
            | "interval"
            | "bit"
            | "varbit"
            | "float"
            | "int"
            | "integer"
            | "extract"
            | "trim"
            | "substring"
            | "position"
            | "overlay"
            | "coalesce"
            | "nullif"
            | "greatest"
            | "least"
            | "grouping"
            | "default"
            | "check"
            | "limit"
            | "offset"
            | "union"
            | "except"
            | "intersect"
            | "group"
            | "order"
            | "partition"
            | "having"
            | "distinct"
            | "recursive"
            | "materialized"
            | "unnest"
            | "rows"
            | "range"
            | "groups"
            | "collate"
            | "at"
            | "zone"
            | "like"
            | "ilike"
            | "similar"
            | "between"
            | "nulls"
            | "first"
            | "last"
            | "asc"
            | "desc"
            // PL/pgSQL's own words.
            | "return"
            | "if"
            | "elsif"
            | "while"
            | "for"
            | "foreach"
            | "loop"
            | "raise"
            | "begin"
            | "end"
            | "declare"
            | "exit"
            | "continue"
            | "strict"
            | "notice"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_read_from_the_text() {
        assert_eq!(
            calls("SELECT my_fn(1), now(), 'x(' FROM t WHERE a IN (1)"),
            vec!["my_fn".to_string(), "now".to_string()]
        );
        assert_eq!(calls("SELECT \"Odd\"(1)"), vec!["Odd".to_string()]);
        assert_eq!(
            calls("INSERT INTO public.users (a) VALUES (f(1))"),
            vec!["f".to_string()]
        );
    }
}
