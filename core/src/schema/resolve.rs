//! Finding what a name refers to, as PostgreSQL would: a qualified name in
//! its schema, an unqualified one along the search path; and, when it is
//! not there, whether it is known absent (dropped), a misspelling of a name
//! that is there, or an object the migrations never made (external: not
//! an error).

use super::builtin;
use super::model::{DEFAULT, Model, Space};
use super::name::Qualified;
use super::objects::{Origin, State};
use super::similar;

/// What a name refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// There, in this schema.
    Present(String),
    /// Not there: dropped (where, when the model knows), or never made.
    Absent(Option<Origin>),
    /// Not known.
    Unknown,
}

/// The state of `name` in `space` of schema `schema`, counting the
/// connection's own schema (`""`) as possibly the same one.
fn in_schema(model: &Model, space: Space, schema: &str, name: &str) -> Found {
    let own = match model.schemas.get(schema) {
        // In a schema known absent, nothing is there.
        Some(ns) if ns.entry.state == State::Absent => State::Absent,
        Some(ns) => ns.state(space, name),
        None if model.opaque => State::Unknown,
        None => State::Absent,
    };
    let origin = || {
        model
            .schemas
            .get(schema)
            .and_then(|ns| ns.origin(space, name))
            .cloned()
    };
    if schema == DEFAULT {
        return match own {
            State::Present => Found::Present(schema.to_string()),
            State::Absent => Found::Absent(origin()),
            State::Unknown => Found::Unknown,
        };
    }
    match own {
        State::Present => Found::Present(schema.to_string()),
        State::Unknown => Found::Unknown,
        State::Absent => {
            // The connection's own schema may be this one.
            let default = model
                .schemas
                .get(DEFAULT)
                .map_or(State::Unknown, |ns| ns.state(space, name));
            let known_here = model
                .schemas
                .get(schema)
                .is_some_and(|ns| ns.entry.state == State::Present && !ns.opaque);
            match default {
                State::Absent => Found::Absent(origin().or_else(|| {
                    model
                        .schemas
                        .get(DEFAULT)
                        .and_then(|ns| ns.origin(space, name))
                        .cloned()
                })),
                // This schema is known to exist and not to hold it otherwise:
                // if it is there at all, the connection's own schema is this
                // one and it is that object (`public.users` after `CREATE
                // TABLE users`).
                State::Present if known_here => Found::Present(DEFAULT.to_string()),
                _ => Found::Unknown,
            }
        }
    }
}

/// Resolves `q` in `space`.
pub fn resolve(model: &Model, space: Space, q: &Qualified) -> Found {
    if builtin::is_builtin(space, q.schema.as_deref(), &q.name) {
        return Found::Unknown;
    }
    if let Some(s) = &q.schema {
        if builtin::is_builtin_schema(s) {
            return Found::Unknown;
        }
        return in_schema(model, space, s, &q.name);
    }
    match &model.path {
        Some(path) => {
            let mut dropped = None;
            for s in path {
                match in_schema(model, space, s, &q.name) {
                    Found::Present(s) => return Found::Present(s),
                    Found::Unknown => return Found::Unknown,
                    Found::Absent(o) => dropped = dropped.or(o),
                }
            }
            Found::Absent(dropped)
        }
        None => {
            let first = in_schema(model, space, DEFAULT, &q.name);
            let Found::Absent(mut dropped) = first else {
                return first;
            };
            // Later schemas of the connection's path: any schema may be one.
            for s in model
                .schemas
                .keys()
                .filter(|s| !s.is_empty() && !builtin::is_builtin_schema(s))
            {
                match in_schema(model, space, s, &q.name) {
                    Found::Absent(o) => dropped = dropped.or(o),
                    _ => return Found::Unknown,
                }
            }
            if model.opaque {
                return Found::Unknown;
            }
            Found::Absent(dropped)
        }
    }
}

/// The schemas a lookup of `q` searched (for "did you mean").
fn searched(model: &Model, q: &Qualified) -> Vec<String> {
    match (&q.schema, &model.path) {
        (Some(s), _) => vec![s.clone(), DEFAULT.to_string()],
        (None, Some(path)) => path
            .iter()
            .cloned()
            .chain(std::iter::once(DEFAULT.to_string()))
            .collect(),
        (None, None) => model
            .schemas
            .keys()
            .filter(|s| !builtin::is_builtin_schema(s))
            .cloned()
            .collect(),
    }
}

/// The present name `q` most likely misspells, with where it was made;
/// `None` when there is none (then `q` is an external object).
pub fn misspelt(model: &Model, space: Space, q: &Qualified) -> Option<(String, Option<Origin>)> {
    // A schema the migrations never made holds external objects.
    if let Some(s) = &q.schema
        && s != "public"
        && !model.schemas.contains_key(s)
    {
        return None;
    }
    let mut best: Option<(usize, String, Option<Origin>)> = None;
    for s in searched(model, q) {
        let Some(ns) = model.schemas.get(&s) else {
            continue;
        };
        for known in ns.present(space) {
            if similar::is_typo_of(&q.name, known) {
                let d = similar::distance(&q.name, known, 2).unwrap_or(usize::MAX);
                if best
                    .as_ref()
                    .is_none_or(|(bd, bn, _)| (d, known) < (*bd, bn.as_str()))
                {
                    best = Some((d, known.to_string(), ns.origin(space, known).cloned()));
                }
            }
        }
    }
    best.map(|(_, n, o)| (n, o))
}

/// Where an object named `q` is made: its schema, or the first schema of
/// the search path that exists (`""`, the connection's own, when unknown).
pub fn target(model: &Model, q: &Qualified) -> String {
    if let Some(s) = &q.schema {
        return s.clone();
    }
    match &model.path {
        None => DEFAULT.to_string(),
        Some(path) => {
            for s in path {
                match model.schema_state(s) {
                    State::Present if !s.is_empty() => return s.clone(),
                    State::Absent => continue,
                    _ => return DEFAULT.to_string(),
                }
            }
            DEFAULT.to_string()
        }
    }
}
