//! PostgreSQL's own objects and those of the common extensions, from a
//! table generated from a real server (`scripts/schema-builtins`, which
//! writes `builtins.tsv` beside this file; see its header for the versions).
//!
//! Each line is `kind<TAB>owner<TAB>schema<TAB>name`: kind `r` (relation),
//! `t` (type) or `f` (function); owner `-` for the server's own objects or
//! the extension's name.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::model::Space;

const TABLE: &str = include_str!("builtins.tsv");

struct Builtins {
    /// The server's own names, per space (any built-in schema).
    own: [HashSet<&'static str>; 3],
    /// Each extension's names, per space.
    extensions: HashMap<&'static str, [HashSet<&'static str>; 3]>,
}

fn index(space: Space) -> usize {
    match space {
        Space::Relation => 0,
        Space::Type => 1,
        Space::Function => 2,
    }
}

fn builtins() -> &'static Builtins {
    static B: OnceLock<Builtins> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = Builtins {
            own: Default::default(),
            extensions: HashMap::new(),
        };
        for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
            let mut f = line.split('\t');
            let (Some(kind), Some(owner), Some(_schema), Some(name)) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let i = match kind {
                "r" => 0,
                "t" => 1,
                "f" => 2,
                _ => continue,
            };
            if owner == "-" {
                b.own[i].insert(name);
            } else {
                b.extensions.entry(owner).or_default()[i].insert(name);
            }
        }
        b
    })
}

/// Whether `schema` is one of the server's own.
pub fn is_builtin_schema(schema: &str) -> bool {
    matches!(schema, "pg_catalog" | "information_schema" | "pg_toast")
        || schema.starts_with("pg_temp")
}

/// Whether `name` (in `schema`, when qualified) is one of the server's own
/// objects (or looks like one: `pg_` names are reserved to the system).
pub fn is_builtin(space: Space, schema: Option<&str>, name: &str) -> bool {
    if schema.is_some_and(is_builtin_schema) {
        return true;
    }
    if schema.is_some() {
        return false;
    }
    name.starts_with("pg_")
        || builtins().own[index(space)].contains(name)
        // An extension's object, the extension made outside the migrations.
        || builtins()
            .extensions
            .values()
            .any(|sets| sets[index(space)].contains(name))
}

/// The names of `space` that the extension `extension` makes, when the
/// table knows the extension.
pub fn extension_objects(extension: &str, space: Space) -> Option<Vec<&'static str>> {
    builtins()
        .extensions
        .get(extension)
        .map(|sets| sets[index(space)].iter().copied().collect())
}

/// Whether the table knows the extension `extension`.
pub fn knows_extension(extension: &str) -> bool {
    builtins().extensions.contains_key(extension)
}

/// Whether calling `name` can change the schema: a function that is not
/// one of the server's own (nor a known extension's) may do anything.
pub fn is_harmless_call(name: &str) -> bool {
    name != "set_config"
        && (builtins().own[2].contains(name)
            || builtins()
                .extensions
                .values()
                .any(|sets| sets[2].contains(name)))
}

/// The server's own type name (or a common spelling of one) that `name`
/// most likely misspells.
pub fn closest_type(name: &str) -> Option<&'static str> {
    const SPELLINGS: &[&str] = &[
        "integer",
        "smallint",
        "bigint",
        "serial",
        "bigserial",
        "smallserial",
        "boolean",
        "timestamp",
        "timestamptz",
        "character",
        "varchar",
        "double",
        "precision",
        "real",
        "numeric",
        "decimal",
        "interval",
    ];
    let own = builtins().own[1].iter().copied();
    super::similar::closest(name, own.chain(SPELLINGS.iter().copied()))
}
