//! The architecture's invariants, checked on the source (see
//! ARCHITECTURE.md): no module pair or ring of modules that import each
//! other in any crate, the runtime's rooms layered (planning never reaches
//! a session, the clients know nothing of migrations, the tracking side
//! never runs a migration), and the crates' dependencies pointing one way
//! (the runtime never links sqlparser or PostgreSQL's grammar; the embedded
//! command line needs neither).
//!
//! An import is a `use` item or a `crate::` / `super::` path outside
//! comments and `#[cfg(test)]` modules. Two kinds of reference are not
//! edges: to or from a crate's root (the facade that re-exports), and a
//! module's `pub use` / `pub(crate) use` of its own descendants (a room's
//! re-exports).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Every module of the crate whose sources are under `src`, by path.
fn modules(src: &Path) -> BTreeMap<Module, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).unwrap().with_extension("");
                let mut parts: Module = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    parts.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    parts.pop();
                }
                out.insert(parts, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

/// The code of a file without comments and `#[cfg(test)]` items.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    let mut depth = 0i64;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        if !skipping && trimmed.starts_with("#[cfg(test)]") {
            skipping = true;
            depth = 0;
            continue;
        }
        if skipping {
            depth += line.matches('{').count() as i64 - line.matches('}').count() as i64;
            let ends = (depth <= 0 && line.contains('}')) || (depth == 0 && line.ends_with(';'));
            if ends {
                skipping = false;
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `a::{b, c::{d, e}}` as `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let (prefix, rest) = tree.split_at(open);
    let inner = &rest[1..rest.len().saturating_sub(1)];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// The module a path used in `from` names (the longest prefix that is a
/// module), if it is one of this crate's.
fn resolve(all: &BTreeMap<Module, String>, from: &Module, path: &str) -> Option<Module> {
    let segments: Vec<&str> = path.split("::").collect();
    let (mut base, rest): (Module, &[&str]) = match segments.first()? {
        &"crate" => (Vec::new(), &segments[1..]),
        &"self" => (from.clone(), &segments[1..]),
        &"super" => {
            let mut base = from.clone();
            let mut i = 0;
            while segments.get(i) == Some(&"super") {
                base.pop();
                i += 1;
            }
            (base, &segments[i..])
        }
        first => {
            let mut child = from.clone();
            child.push((*first).to_string());
            if !all.contains_key(&child) {
                return None;
            }
            (from.clone(), &segments[..])
        }
    };
    let mut best = all.contains_key(&base).then(|| base.clone());
    for s in rest {
        base.push((*s).to_string());
        if all.contains_key(&base) {
            best = Some(base.clone());
        }
    }
    best
}

/// Each module's imports of the crate's other modules.
fn graph(all: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut edges = BTreeMap::new();
    for (m, text) in all {
        let code = code(text);
        let mut to = BTreeSet::new();
        let mut add = |target: Option<Module>, reexport: bool| {
            let Some(t) = target else { return };
            let descendant = t.len() > m.len() && t.starts_with(m);
            if t == *m || t.is_empty() || m.is_empty() || (reexport && descendant) {
                return;
            }
            // A module's reference to its own ancestor by a path (`super::`)
            // is an edge like any other.
            to.insert(t);
        };
        // `use` items, whole (they may span lines).
        let mut rest = code.as_str();
        while let Some(at) = rest.find("use ") {
            let before = &rest[..at];
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let head = before[line_start..].trim();
            let is_item = head.is_empty() || head == "pub" || head.starts_with("pub(");
            let after = &rest[at + 4..];
            let end = after.find(';').unwrap_or(after.len());
            if is_item {
                for p in expand(&after[..end]) {
                    let p = p.split(" as ").next().unwrap_or(&p).to_string();
                    add(resolve(all, m, &p), !head.is_empty());
                }
            }
            rest = &after[end.min(after.len())..];
        }
        // Paths in expressions and types.
        for key in ["crate::", "super::"] {
            let mut from = 0;
            while let Some(i) = code[from..].find(key) {
                let start = from + i;
                let ok = code[..start]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                let end = code[start..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .map_or(code.len(), |e| start + e);
                if ok {
                    add(
                        resolve(all, m, code[start..end].trim_end_matches(':')),
                        false,
                    );
                }
                from = end.max(start + key.len());
            }
        }
        edges.insert(m.clone(), to);
    }
    edges
}

/// The rings of modules that import each other (strongly connected
/// components of more than one module), each sorted.
fn rings<N: Ord + Clone>(edges: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    // Kosaraju: finish order on the graph, then components on its reverse.
    let nodes: Vec<&N> = edges.keys().collect();
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    for start in &nodes {
        if seen.contains(*start) {
            continue;
        }
        let mut stack = vec![((*start).clone(), false)];
        while let Some((n, done)) = stack.pop() {
            if done {
                order.push(n);
                continue;
            }
            if !seen.insert(n.clone()) {
                continue;
            }
            stack.push((n.clone(), true));
            for t in edges.get(&n).into_iter().flatten() {
                if !seen.contains(t) {
                    stack.push((t.clone(), false));
                }
            }
        }
    }
    let mut reverse: BTreeMap<N, BTreeSet<N>> = BTreeMap::new();
    for (from, tos) in edges {
        for to in tos {
            reverse.entry(to.clone()).or_default().insert(from.clone());
        }
    }
    let mut assigned = BTreeSet::new();
    let mut out = Vec::new();
    for n in order.into_iter().rev() {
        if assigned.contains(&n) {
            continue;
        }
        let mut ring = Vec::new();
        let mut stack = vec![n];
        while let Some(x) = stack.pop() {
            if !assigned.insert(x.clone()) {
                continue;
            }
            for y in reverse.get(&x).into_iter().flatten() {
                if !assigned.contains(y) {
                    stack.push(y.clone());
                }
            }
            ring.push(x);
        }
        if ring.len() > 1 {
            ring.sort();
            out.push(ring);
        }
    }
    out
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

const CRATES: &[&str] = &["model", "core", "macros", "runtime", "cli"];

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let mut found = Vec::new();
    for krate in CRATES {
        let all = modules(&root().join(krate).join("src"));
        assert!(
            all.len() > 1 || *krate == "macros",
            "{krate}: no modules read"
        );
        for ring in rings(&graph(&all)) {
            let names: Vec<String> = ring.iter().map(name).collect();
            found.push(format!("{krate}: {}", names.join(" <-> ")));
        }
    }
    assert!(
        found.is_empty(),
        "modules that import each other:\n{}",
        found.join("\n")
    );
}

/// The runtime's rooms (its top-level modules) as a graph of their own.
fn rooms() -> BTreeMap<String, BTreeSet<String>> {
    let all = modules(&root().join("runtime/src"));
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in graph(&all) {
        let Some(room) = from.first().cloned() else {
            continue;
        };
        let entry = out.entry(room.clone()).or_default();
        for to in tos {
            if to[0] != room {
                entry.insert(to[0].clone());
            }
        }
    }
    out
}

#[test]
fn the_runtime_rooms_are_layered() {
    let rooms = rooms();
    for room in ["plan", "run", "session", "history", "inspect", "testing"] {
        assert!(
            rooms.contains_key(room),
            "the room `{room}` is gone: {rooms:?}"
        );
    }
    let rings = rings(&rooms);
    assert!(rings.is_empty(), "rooms that import each other: {rings:?}");
    // What each room may not touch (ARCHITECTURE.md).
    let forbidden: &[(&str, &[&str])] = &[
        // Pure: no database, no session, no tracking-table SQL.
        (
            "plan",
            &[
                "session", "history", "run", "inspect", "migrator", "fleet", "testing",
            ],
        ),
        // The clients: nothing of migrations.
        (
            "session",
            &[
                "plan", "history", "run", "inspect", "migrator", "fleet", "testing",
            ],
        ),
        // The tracking side never runs a migration nor compares catalogs.
        (
            "history",
            &["run", "inspect", "migrator", "fleet", "testing"],
        ),
        // A run knows nothing of who called it.
        ("run", &["inspect", "migrator", "fleet", "testing"]),
        ("inspect", &["migrator", "fleet", "testing"]),
    ];
    let mut broken = Vec::new();
    for (room, never) in forbidden {
        for to in rooms.get(*room).into_iter().flatten() {
            if never.contains(&to.as_str()) {
                broken.push(format!("{room} -> {to}"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports across the rooms' rules: {broken:?}"
    );
}

fn dependencies(krate: &str) -> (String, String) {
    let manifest = std::fs::read_to_string(root().join(krate).join("Cargo.toml")).unwrap();
    let section = |name: &str| {
        let start = manifest
            .find(&format!("\n[{name}]\n"))
            .map_or(manifest.len(), |i| i + name.len() + 4);
        let end = manifest[start..]
            .find("\n[")
            .map_or(manifest.len(), |i| start + i);
        manifest[start..end].to_string()
    };
    (section("dependencies"), section("features"))
}

#[test]
fn dependencies_point_one_way() {
    let (runtime, _) = dependencies("runtime");
    for never in [
        "sqlstrata-core",
        "sqlparser",
        "squawk",
        "sqlstrata-cli",
        "clap",
    ] {
        assert!(
            !runtime.lines().any(|l| l.starts_with(never)),
            "the runtime depends on {never}"
        );
    }
    let (model, _) = dependencies("model");
    assert!(
        !model.contains("sqlstrata"),
        "the model depends on a sibling: {model}"
    );
    let (core, _) = dependencies("core");
    for never in [
        "sqlstrata =",
        "sqlstrata-macros",
        "postgres",
        "syn",
        "proc-macro2",
    ] {
        assert!(
            !core.lines().any(|l| l.starts_with(never)),
            "core depends on {never}"
        );
    }
    // The embedded command line needs no parser: core only with `folder`.
    let (cli, features) = dependencies("cli");
    let core_line = cli
        .lines()
        .find(|l| l.starts_with("sqlstrata-core"))
        .expect("the folder commands use core");
    assert!(core_line.contains("optional = true"), "{core_line}");
    let folder = features
        .lines()
        .find(|l| l.starts_with("folder ="))
        .expect("a `folder` feature");
    assert!(folder.contains("dep:sqlstrata-core"), "{folder}");
}

#[test]
fn the_checker_sees_rings_and_ignores_reexports() {
    let all: BTreeMap<Module, String> = [
        (vec![], "mod a; mod b; mod c;".to_string()),
        (vec!["a".into()], "use crate::b::X;\n".into()),
        (vec!["b".into()], "fn f() { crate::c::g() }\n".into()),
        (vec!["c".into()], "use super::a::{Y, Z};\n// use crate::b;\n".into()),
        (
            vec!["d".into()],
            "pub(crate) use inner::W;\nmod inner;\n#[cfg(test)]\nmod tests {\n    use crate::a;\n}\n"
                .into(),
        ),
        (vec!["d".into(), "inner".into()], "use super::super::a::Q;\n".into()),
    ]
    .into_iter()
    .collect();
    let edges = graph(&all);
    let ring = |xs: &[&str]| xs.iter().map(|x| vec![x.to_string()]).collect::<Vec<_>>();
    assert_eq!(rings(&edges), vec![ring(&["a", "b", "c"])]);
    // A room's re-export of its own child and a test module are no edges.
    assert!(edges[&vec!["d".to_string()]].is_empty(), "{edges:?}");
    assert_eq!(
        edges[&vec!["d".to_string(), "inner".to_string()]],
        BTreeSet::from([vec!["a".to_string()]])
    );
    assert_eq!(expand("a::{b, c::{d, e}}"), ["a::b", "a::c::d", "a::c::e"]);
}
