//! PostgreSQL's own objects and those of the common extensions, from a
//! table generated from real servers (`scripts/schema-builtins`, which
//! writes `builtins.tsv` beside this file): PostgreSQL 13, 14, 15, 16, 17
//! and 18, the majors `scripts/pg-matrix` tests (the table's header names
//! the exact releases). Regenerate it with `scripts/schema-builtins` (it
//! installs the servers into `target/pg` when missing) and commit it.
//!
//! Each line is `kind<TAB>owner<TAB>schema<TAB>name<TAB>majors`: kind `r`
//! (relation), `t` (type) or `f` (function); owner `-` for the server's own
//! objects or the extension's name; majors `*` when every version of the
//! header has the name, else the majors that do (`16,17,18`).
//!
//! How the versions combine, so that no version gets a false error:
//!
//! - a name of *any* version is PostgreSQL's own ([`is_builtin`]): the model
//!   never says it is absent (it is unknown);
//! - only a name of *every* version is known beyond that: an extension's
//!   object that `CREATE EXTENSION` makes present ([`extension_objects`];
//!   those of some versions only are unknown after it,
//!   [`extension_objects_of_some_versions`]), a function whose call changes
//!   nothing ([`is_harmless_call`]), a type name a misspelling is close to
//!   ([`closest_type`]).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::objects::Space;

const TABLE: &str = include_str!("builtins.tsv");

/// Names per space (see [`index`]).
type Sets = [HashSet<&'static str>; 3];

/// One owner's names: those of every version, those of some only.
#[derive(Default)]
struct Names {
    all: Sets,
    some: Sets,
}

struct Builtins {
    /// The server's own names (any built-in schema).
    own: Names,
    /// Each extension's names.
    extensions: HashMap<&'static str, Names>,
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
            own: Names::default(),
            extensions: HashMap::new(),
        };
        for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
            let mut f = line.split('\t');
            let (Some(kind), Some(owner), Some(schema), Some(name), Some(majors)) =
                (f.next(), f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            // Not on the search path: its names are its own only when
            // written with it (`information_schema.tables`), which
            // `is_builtin_schema` answers; `tables` alone may be the
            // migrations' own table.
            if owner == "-" && schema == "information_schema" {
                continue;
            }
            let i = match kind {
                "r" => 0,
                "t" => 1,
                "f" => 2,
                _ => continue,
            };
            let names = if owner == "-" {
                &mut b.own
            } else {
                b.extensions.entry(owner).or_default()
            };
            if majors == "*" {
                names.all[i].insert(name);
            } else {
                names.some[i].insert(name);
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
/// objects in any version (or looks like one: `pg_` names are reserved to
/// the system), or an extension's.
pub fn is_builtin(space: Space, schema: Option<&str>, name: &str) -> bool {
    if schema.is_some_and(is_builtin_schema) {
        return true;
    }
    if schema.is_some() {
        return false;
    }
    let i = index(space);
    let of = |n: &Names| n.all[i].contains(name) || n.some[i].contains(name);
    name.starts_with("pg_")
        || of(&builtins().own)
        // An extension's object, the extension made outside the migrations.
        || builtins().extensions.values().any(of)
}

/// The names of `space` that the extension `extension` makes in every
/// version, when the table knows the extension.
pub fn extension_objects(extension: &str, space: Space) -> Option<Vec<&'static str>> {
    builtins()
        .extensions
        .get(extension)
        .map(|n| n.all[index(space)].iter().copied().collect())
}

/// The names of `space` that the extension `extension` makes in some
/// versions only (none when the table does not know it): unknown after
/// `CREATE EXTENSION`.
pub fn extension_objects_of_some_versions(extension: &str, space: Space) -> Vec<&'static str> {
    builtins()
        .extensions
        .get(extension)
        .map(|n| n.some[index(space)].iter().copied().collect())
        .unwrap_or_default()
}

/// Whether the table knows the extension `extension`.
pub fn knows_extension(extension: &str) -> bool {
    builtins().extensions.contains_key(extension)
}

/// Whether calling `name` can change the schema: a function that is not
/// one of the server's own (nor a known extension's) in every version may
/// do anything (where the server has none, it may be the application's).
pub fn is_harmless_call(name: &str) -> bool {
    name != "set_config"
        && (builtins().own.all[2].contains(name)
            || builtins()
                .extensions
                .values()
                .any(|n| n.all[2].contains(name)))
}

/// The server's own type name of every version (or a common spelling of
/// one) that `name` most likely misspells.
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
    let own = builtins().own.all[1].iter().copied();
    super::similar::closest(name, own.chain(SPELLINGS.iter().copied()))
}

/// The grammar's own spellings of built-in types, which are not names in
/// `pg_type` (`serial`, `int`, `varchar`, ...): never a user's type.
pub fn is_grammar_type(name: &str) -> bool {
    const ALIASES: &[&str] = &[
        "int",
        "integer",
        "smallint",
        "bigint",
        "boolean",
        "real",
        "float",
        "decimal",
        "dec",
        "character",
        "char",
        "nchar",
        "varchar",
        "serial",
        "bigserial",
        "smallserial",
        "serial2",
        "serial4",
        "serial8",
        "timestamp",
        "time",
        "interval",
        "bit",
        "json",
        "double",
    ];
    ALIASES.contains(&name.to_ascii_lowercase().as_str())
}
