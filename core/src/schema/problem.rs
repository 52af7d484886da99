//! What replaying a statement found wrong with the names it uses.

use super::name::Place;
use super::objects::Origin;

/// Why a name is known absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// It was dropped (or renamed away) there.
    Dropped(Option<Origin>),
    /// No migration made it, and it reads as a misspelling of this present
    /// name, made there.
    Misspelt(String, Option<Origin>),
}

/// One problem, at a place in the statement's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The statement uses an object known absent.
    Missing {
        /// What kind of object, as a message says it (`table`, `column`).
        what: &'static str,
        /// Its name as shown (`users`, `users.email`).
        name: String,
        /// Where.
        place: Place,
        /// Why it is absent.
        why: Why,
    },
    /// The statement creates an object known present, without `IF NOT EXISTS`.
    Exists {
        /// What kind of object.
        what: &'static str,
        /// Its name as shown.
        name: String,
        /// Where.
        place: Place,
        /// Where the present one was made.
        origin: Option<Origin>,
    },
    /// `IF EXISTS` names an object known absent while a close one is present:
    /// PostgreSQL does nothing, which is likely not what was meant.
    NoOp {
        /// What kind of object.
        what: &'static str,
        /// Its name as shown.
        name: String,
        /// Where.
        place: Place,
        /// The present name it likely misspells, and where that was made.
        like: String,
        /// Where `like` was made.
        origin: Option<Origin>,
    },
}

impl Problem {
    /// The rule it breaks.
    pub fn rule(&self) -> &'static str {
        match self {
            Problem::Missing { .. } => "schema-object-missing",
            Problem::Exists { .. } => "schema-object-exists",
            Problem::NoOp { .. } => "schema-if-exists-misspelt",
        }
    }

    /// Where in the statement.
    pub fn place(&self) -> Place {
        match self {
            Problem::Missing { place, .. }
            | Problem::Exists { place, .. }
            | Problem::NoOp { place, .. } => *place,
        }
    }

    /// Moves it to `at`.
    pub fn set_place(&mut self, at: Place) {
        match self {
            Problem::Missing { place, .. }
            | Problem::Exists { place, .. }
            | Problem::NoOp { place, .. } => *place = at,
        }
    }

    /// The message, `at` naming the file (`at 007_add_avatar.sql`).
    pub fn message(&self, file: &str) -> String {
        match self {
            Problem::Missing {
                what,
                name,
                why: Why::Misspelt(like, origin),
                ..
            } => format!(
                "{what} `{name}` does not exist at {file}; did you mean `{like}`{}?",
                made(origin)
            ),
            Problem::Missing {
                what,
                name,
                why: Why::Dropped(origin),
                ..
            } => match origin {
                Some(o) => format!(
                    "{what} `{name}` does not exist at {file}: it was dropped or renamed in {o}"
                ),
                None => format!("{what} `{name}` does not exist at {file}"),
            },
            Problem::Exists {
                what, name, origin, ..
            } => format!(
                "{what} `{name}` already exists at {file}{}",
                made(origin)
                    .replacen(" (created in", ": created in", 1)
                    .trim_end_matches(')')
            ),
            Problem::NoOp {
                what,
                name,
                like,
                origin,
                ..
            } => format!(
                "`IF EXISTS` does nothing here: {what} `{name}` does not exist at {file}; did you mean `{like}`{}?",
                made(origin)
            ),
        }
    }

    /// What to do about it.
    pub fn help(&self) -> &'static str {
        match self {
            Problem::Missing { .. } => {
                "correct the name; an object made outside the migrations can be declared in sqlstrata.toml's `[schema] external`"
            }
            Problem::Exists { .. } => {
                "use another name, drop the existing one first, or write `IF NOT EXISTS`"
            }
            Problem::NoOp { .. } => {
                "correct the name, or remove the statement if nothing is to be done"
            }
        }
    }
}

fn made(origin: &Option<Origin>) -> String {
    match origin {
        Some(o) => format!(" (created in {o})"),
        None => String::new(),
    }
}
