//! The schema the migrations make, known without a database.
//!
//! Every migration's UP is replayed in version order (repeatables after)
//! into a [`Model`]: schemas, tables with their columns, constraints,
//! triggers and policies, indexes, sequences, views, types, functions and
//! extensions. Each name is known present, known absent, or unknown; what
//! the model cannot follow (a `DO` block, dynamic SQL, a call to a function
//! that is not the server's own, an extension it does not know, an
//! `unchecked` statement, a statement kind it does not model) makes what it
//! could touch unknown, and nothing unknown is ever an error. A name no
//! migration made that does not read as a misspelling of one that is there
//! is an object made elsewhere (external): no error either.
//!
//! sqlparser reads each statement's names (its typed tree, with each
//! identifier's place); a statement it cannot read is taken by its leading
//! words ([`replay::Replay::unparsed`]), always towards "unknown".
//!
//! ```
//! use sqlstrata_core::schema::{Model, objects::Origin};
//!
//! let mut model = Model::new();
//! let at = |line| Origin { file: "003_users.sql".into(), line };
//! assert!(model.replay("CREATE TABLE users (id bigint, email text)", at(4), &[], false).is_empty());
//! let problems = model.replay("ALTER TABLE uesrs ADD COLUMN avatar text", at(9), &[], false);
//! assert_eq!(
//!     problems[0].message("007_add_avatar.sql"),
//!     "table `uesrs` does not exist at 007_add_avatar.sql; did you mean `users` (created in 003_users.sql:4)?"
//! );
//! // A name no migration made, close to none: an external object.
//! assert!(model.replay("ALTER TABLE audit_log ADD COLUMN x int", at(10), &[], false).is_empty());
//! ```

pub mod builtin;
pub mod derive;
pub mod detail;
pub mod diff;
pub mod exprs;
pub mod model;
pub mod name;
pub mod objects;
pub mod plpgsql;
pub mod problem;
pub mod replay;
pub mod report;
pub mod resolve;
pub mod signature;
pub mod similar;
pub mod sql;
pub mod undo;
pub mod view;

pub use model::Model;
pub use problem::Problem;

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use crate::migration::{Checked, SourceMigration};
use objects::Origin;

impl Model {
    /// Replays one statement's text (`unchecked`: as the `-- sqlstrata:
    /// unchecked` directive marks it), made at `origin`; what it found
    /// wrong. `external` names objects made outside the migrations.
    pub fn replay(
        &mut self,
        sql: &str,
        origin: Origin,
        external: &[String],
        unchecked: bool,
    ) -> Vec<Problem> {
        // `SET check_function_bodies = off`, `set_config(...)`, a role's or a
        // database's setting: the server may not analyse function bodies.
        if sql.to_ascii_lowercase().contains("check_function_bodies") {
            self.bodies_unchecked = true;
        }
        self.current = Some(origin.clone());
        let problems = self.replay_at(sql, origin, external, unchecked);
        self.current = None;
        problems
    }

    fn replay_at(
        &mut self,
        sql: &str,
        origin: Origin,
        external: &[String],
        unchecked: bool,
    ) -> Vec<Problem> {
        let mut r = replay::Replay::new(self, origin, external);
        if unchecked {
            r.unparsed(sql);
            // An unchecked statement is not read: whatever it does is unknown
            // beyond what its leading words say; its names are not checked.
            return Vec::new();
        }
        match Parser::parse_sql(&PostgreSqlDialect {}, sql) {
            Ok(statements) if statements.len() == 1 => r.statement(&statements[0], sql),
            _ => match without_concurrently(sql).and_then(|s| {
                Parser::parse_sql(&PostgreSqlDialect {}, &s)
                    .ok()
                    .map(|p| (s, p))
            }) {
                // `DROP INDEX CONCURRENTLY` and the like name the same objects
                // without the word, at the same places but for its length.
                Some((text, statements)) if statements.len() == 1 => {
                    r.statement(&statements[0], &text)
                }
                _ => r.unparsed(sql),
            },
        }
        r.problems
    }
}

/// `sql` with its `CONCURRENTLY` keyword blanked out (kept as spaces, so
/// that every name stays at its place), when it has one outside quotes.
fn without_concurrently(sql: &str) -> Option<String> {
    let tokens = crate::lex::tokenize(sql).ok()?;
    let t = tokens.iter().find(|t| {
        t.kind == crate::lex::TokenKind::Word
            && sql[t.start..t.end].eq_ignore_ascii_case("concurrently")
    })?;
    let mut out = sql.to_string();
    out.replace_range(t.start..t.end, &" ".repeat(t.end - t.start));
    Some(out)
}

/// A problem the schema check found in a set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The migration's index in the set.
    pub migration: usize,
    /// The statement's index among its UP then DOWN statements.
    pub statement: usize,
    /// What is wrong with a name, or (`None`) what a DOWN leaves different.
    pub problem: Option<Problem>,
    /// For a DOWN that does not undo its UP: what differs.
    pub differences: Vec<String>,
}

/// Replays `set` (versioned migrations in version order, then repeatables)
/// and returns every finding: names in UP sections against the state
/// before them, DOWN sections against the state right after their own UP,
/// and DOWN sections that do not bring the model back.
///
/// `failed` are the versions of files that could not be read (their errors
/// are reported elsewhere): the model forgets everything where they would
/// have run, so nothing after them is checked against what they might have
/// made (`i64::MAX` for a repeatable).
pub fn check_set(set: &[SourceMigration], external: &[String], failed: &[i64]) -> Vec<Finding> {
    replay_set(set, external, failed, None, true).1
}

/// The model after the migrations of `set` up to version `at` (all of them
/// with `None`), and the repeatables (which run after them): the schema a
/// database at that version has, as far as the model knows it. What the
/// model could not follow is in [`Model::forgotten`].
///
/// ```
/// use sqlstrata_core::migration::read_migration;
/// use sqlstrata_core::naming::parse_file_name;
/// use sqlstrata_core::schema::model_at;
///
/// let read = |file: &str, sql: &str| {
///     let name = parse_file_name(file).unwrap();
///     read_migration(file, &name, file, sql).0.unwrap()
/// };
/// let set = [
///     read("001_users.sql", "-- UP\nCREATE TABLE users (id bigint PRIMARY KEY);\n-- DOWN\nDROP TABLE users;\n"),
///     read("002_posts.sql", "-- UP\nCREATE TABLE posts (id bigint);\n-- DOWN\nDROP TABLE posts;\n"),
/// ];
/// let model = model_at(&set, &[], Some(1));
/// assert!(model.relation("", "users").is_some());
/// assert!(model.relation("", "posts").is_none());
/// ```
pub fn model_at(set: &[SourceMigration], external: &[String], at: Option<i64>) -> Model {
    replay_set(set, external, &[], at, false).0
}

/// The one walk over a set: each migration's UP in order (repeatables
/// last), and (`downs`) each DOWN against the state right after its UP,
/// taken back after. Stops after version `until`.
fn replay_set(
    set: &[SourceMigration],
    external: &[String],
    failed: &[i64],
    until: Option<i64>,
    downs: bool,
) -> (Model, Vec<Finding>) {
    let mut model = Model::new();
    let mut findings = Vec::new();
    let mut last = i64::MIN;
    for (m, migration) in set.iter().enumerate() {
        let version = if migration.migration.is_repeatable() {
            i64::MAX
        } else {
            migration.version()
        };
        if until.is_some_and(|u| version > u && version != i64::MAX) {
            continue;
        }
        if failed.iter().any(|f| *f > last && *f <= version) {
            model.forget_all();
        }
        last = version;
        let file: std::sync::Arc<str> = migration.migration.file_name().into();
        let up = migration.migration.up();
        let down = migration.migration.down();
        let unchecked = |i: usize| migration.checked.get(i) == Some(&Checked::Unchecked);
        // A section's statements, the first being statement `first` of the
        // migration (UP then DOWN), replayed; what each finds is reported.
        let mut replay =
            |model: &mut Model, statements: &[sqlstrata_model::Statement], first: usize| {
                for (j, s) in statements.iter().enumerate() {
                    let origin = Origin {
                        file: file.clone(),
                        line: s.line(),
                    };
                    for p in model.replay(s.sql(), origin, external, unchecked(first + j)) {
                        findings.push(Finding {
                            migration: m,
                            statement: first + j,
                            problem: Some(p),
                            differences: Vec::new(),
                        });
                    }
                }
            };
        // Each migration starts with the connection's own search path.
        model.set_path(None);
        model.begin();
        replay(&mut model, up, 0);
        let up_saved = model.end();
        let Some(down) = down.filter(|_| downs) else {
            continue;
        };
        let forgotten = model.forgotten.len();
        model.begin();
        model.set_path(None);
        replay(&mut model, down, up.len());
        let down_saved = model.end();
        if !down.is_empty() {
            let differences = undo::differences(&model, &up_saved, &down_saved);
            if !differences.is_empty() {
                findings.push(Finding {
                    migration: m,
                    statement: up.len(),
                    problem: None,
                    differences,
                });
            }
        }
        model.restore(down_saved);
        model.forgotten.truncate(forgotten);
    }
    (model, findings)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_mutants;
#[cfg(test)]
mod tests_snapshot;
#[cfg(test)]
mod tests_view;
