//! Whether a DOWN section brings the model back to where its UP started:
//! the things either changed, compared before the UP and after the DOWN,
//! where the model knows both.

use super::model::{Key, Model, Saved};
use super::objects::{Entry, Parts, Relation, State};

/// What differs, as sentences (`leaves column users.avatar_url`).
pub fn differences(model: &Model, up: &[(Key, Saved)], down: &[(Key, Saved)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let ups: std::collections::HashSet<&Key> = up.iter().map(|(k, _)| k).collect();
    for (key, saved) in up.iter().chain(down) {
        if !seen.insert(key.clone()) {
            continue;
        }
        let by_up = ups.contains(key);
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
                // A name not in the map is absent only where the model
                // would say so.
                let unnamed = model
                    .schemas
                    .get(s)
                    .is_none_or(|ns| ns.unnamed.iter().any(|p| n.starts_with(p.as_str())));
                if (b.is_none() || a.is_none()) && unnamed {
                    continue;
                }
                relation(&shown(s, n), b.as_deref(), a.as_deref(), by_up, &mut out);
            }
            (Key::Type(s, n), Saved::Entry(b), Saved::Entry(a)) if !opaque(s) => entry(
                "type",
                &shown(s, n),
                b.as_ref(),
                a.as_ref(),
                by_up,
                &mut out,
            ),
            (Key::Function(s, n), Saved::Function(b, _), Saved::Function(a, _))
                if !opaque(s)
                    && !((b.is_none() || a.is_none())
                        && model.schemas.get(s).is_none_or(|ns| ns.functions_opaque)) =>
            {
                entry(
                    "function",
                    &shown(s, n),
                    b.as_ref(),
                    a.as_ref(),
                    by_up,
                    &mut out,
                )
            }
            (Key::Extension(n), Saved::Entry(b), Saved::Entry(a)) if !model.opaque => {
                entry("extension", n, b.as_ref(), a.as_ref(), by_up, &mut out)
            }
            (Key::Schema(s), Saved::Schema(b), Saved::Schema(a))
                if !s.is_empty() && !model.opaque =>
            {
                let b = b.as_ref().map(|(e, _, _)| e.clone());
                let a = a.as_ref().map(|(e, _, _)| e.clone());
                entry("schema", s, b.as_ref(), a.as_ref(), by_up, &mut out)
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
    by_up: bool,
    out: &mut Vec<String>,
) {
    // An extension's objects (made with no place of their own) are told by
    // the extension's entry.
    if what != "extension"
        && what != "schema"
        && [before, after].iter().flatten().any(|e| e.origin.is_none())
    {
        return;
    }
    if let Some(d) = differs(what, name, state(before), state(after), by_up) {
        out.push(d);
    }
}

/// The sentence for a thing present before the UP and absent after the
/// DOWN, or the other way round.
fn differs(what: &str, name: &str, before: State, after: State, by_up: bool) -> Option<String> {
    match (before, after, by_up) {
        (State::Absent, State::Present, true) => Some(format!("leaves {what} `{name}`")),
        (State::Absent, State::Present, false) => Some(format!(
            "creates {what} `{name}` that was not there before its UP"
        )),
        (State::Present, State::Absent, true) => Some(format!(
            "does not restore {what} `{name}` that its UP drops"
        )),
        (State::Present, State::Absent, false) => {
            Some(format!("drops {what} `{name}` that its UP did not create"))
        }
        _ => None,
    }
}

fn relation(
    name: &str,
    before: Option<&Relation>,
    after: Option<&Relation>,
    by_up: bool,
    out: &mut Vec<String>,
) {
    let b = before.map_or(State::Absent, |r| r.entry.state);
    let a = after.map_or(State::Absent, |r| r.entry.state);
    if [before, after]
        .iter()
        .flatten()
        .any(|r| r.entry.state == State::Present && r.entry.origin.is_none())
    {
        return;
    }
    match (b, a) {
        (State::Present, State::Present) => {
            if let (Some(b), Some(a)) = (before, after) {
                parts("column", name, &b.columns, &a.columns, by_up, out);
                parts(
                    "constraint",
                    name,
                    &b.constraints,
                    &a.constraints,
                    by_up,
                    out,
                );
                parts("trigger", name, &b.triggers, &a.triggers, by_up, out);
                parts("policy", name, &b.policies, &a.policies, by_up, out);
            }
        }
        _ => {
            let noun = after
                .filter(|r| r.entry.state == State::Present)
                .or(before)
                .map_or("relation", |r| r.kind.noun());
            out.extend(differs(noun, name, b, a, by_up));
        }
    }
}

fn parts(
    what: &str,
    table: &str,
    before: &Parts,
    after: &Parts,
    by_up: bool,
    out: &mut Vec<String>,
) {
    let names: std::collections::BTreeSet<&String> =
        before.names.keys().chain(after.names.keys()).collect();
    for n in names {
        let full = if what == "column" {
            format!("{table}.{n}")
        } else {
            format!("{n} on {table}")
        };
        if let Some(d) = differs(what, &full, before.state(n), after.state(n), by_up) {
            out.push(d.replace('`', ""));
        }
    }
}
