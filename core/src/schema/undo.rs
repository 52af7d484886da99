//! Whether a DOWN section brings the model back to where its UP started:
//! the things either changed, compared before the UP and after the DOWN,
//! where the model knows both.

use super::model::{Key, Model, Saved};
use super::objects::{Entry, Parts, Relation, State};

/// What differs, as sentences (`leaves column users.avatar_url`).
pub fn differences(model: &Model, up: &[(Key, Saved)], down: &[(Key, Saved)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (key, saved) in up.iter().chain(down) {
        if !seen.insert(key.clone()) {
            continue;
        }
        // Before the UP: what the UP kept, else (untouched by the UP) what
        // the DOWN kept, which is the same.
        let before = saved;
        let after = model.get(key);
        let opaque =
            |schema: &str| model.schemas.get(schema).is_none_or(|ns| ns.opaque) || model.opaque;
        match (key, before, &after) {
            (Key::Relation(s, n), Saved::Relation(b), Saved::Relation(a)) => {
                if opaque(s) {
                    continue;
                }
                relation(&shown(s, n), b.as_ref(), a.as_ref(), &mut out);
            }
            (Key::Type(s, n), Saved::Entry(b), Saved::Entry(a)) if !opaque(s) => {
                entry("type", &shown(s, n), b.as_ref(), a.as_ref(), &mut out)
            }
            (Key::Function(s, n), Saved::Entry(b), Saved::Entry(a)) if !opaque(s) => {
                entry("function", &shown(s, n), b.as_ref(), a.as_ref(), &mut out)
            }
            (Key::Extension(n), Saved::Entry(b), Saved::Entry(a)) if !model.opaque => {
                entry("extension", n, b.as_ref(), a.as_ref(), &mut out)
            }
            (Key::Schema(s), Saved::Schema(b), Saved::Schema(a))
                if !s.is_empty() && !model.opaque =>
            {
                let b = b.as_ref().map(|(e, _, _)| e.clone());
                let a = a.as_ref().map(|(e, _, _)| e.clone());
                entry("schema", s, b.as_ref(), a.as_ref(), &mut out)
            }
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

fn shown(schema: &str, name: &str) -> String {
    if schema.is_empty() {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    }
}

fn state(e: Option<&Entry>) -> State {
    e.map_or(State::Absent, |e| e.state)
}

fn entry(
    what: &str,
    name: &str,
    before: Option<&Entry>,
    after: Option<&Entry>,
    out: &mut Vec<String>,
) {
    match (state(before), state(after)) {
        (State::Absent, State::Present) => out.push(format!("leaves {what} `{name}`")),
        (State::Present, State::Absent) => {
            out.push(format!("drops {what} `{name}` that its UP did not create"))
        }
        _ => {}
    }
}

fn relation(
    name: &str,
    before: Option<&Relation>,
    after: Option<&Relation>,
    out: &mut Vec<String>,
) {
    let b = before.map_or(State::Absent, |r| r.entry.state);
    let a = after.map_or(State::Absent, |r| r.entry.state);
    match (b, a) {
        (State::Absent, State::Present) => {
            let noun = after.map_or("relation", |r| r.kind.noun());
            out.push(format!("leaves {noun} `{name}`"))
        }
        (State::Present, State::Absent) => {
            let noun = before.map_or("relation", |r| r.kind.noun());
            out.push(format!("drops {noun} `{name}` that its UP did not create"))
        }
        (State::Present, State::Present) => {
            if let (Some(b), Some(a)) = (before, after) {
                parts("column", name, &b.columns, &a.columns, out);
                parts("constraint", name, &b.constraints, &a.constraints, out);
                parts("trigger", name, &b.triggers, &a.triggers, out);
                parts("policy", name, &b.policies, &a.policies, out);
            }
        }
        _ => {}
    }
}

fn parts(what: &str, table: &str, before: &Parts, after: &Parts, out: &mut Vec<String>) {
    let names: std::collections::BTreeSet<&String> =
        before.names.keys().chain(after.names.keys()).collect();
    for n in names {
        let full = if what == "column" {
            format!("{what} {table}.{n}")
        } else {
            format!("{what} {n} on {table}")
        };
        match (before.state(n), after.state(n)) {
            (State::Absent, State::Present) => out.push(format!("leaves {full}")),
            (State::Present, State::Absent) => {
                out.push(format!("drops {full} that its UP did not create"))
            }
            _ => {}
        }
    }
}
