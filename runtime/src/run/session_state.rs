//! What a session must look like when each migration starts: as it was
//! when the run began, with the migration's own time bounds on top.
//!
//! A migration's plain `SET search_path ...` (or `SET ROLE`, `SET SESSION
//! AUTHORIZATION`) outlives its transaction: without a reset it would carry
//! into every later migration of the same run, so one `up` of two
//! migrations and two `up`s of one each could disagree. The run reads the
//! session's state once ([`SessionStart`]), and after every migration puts
//! it back: the authorization and role it had, `RESET ALL` (which returns
//! to what the connection started with: the server's, database's, role's
//! and the connection string's own settings), then what the session had
//! `SET` before the run. The bounds are `SET LOCAL`: they end with the
//! transaction, so nothing of sqlstrata's own stays on a connection the
//! application reuses, nor, behind a transaction-pooling proxy, on another
//! client's server connection.

use std::time::Duration;

use sqlstrata_model::Bounds;

use crate::error::{DbError, Error};
use crate::options::quote_literal;
use crate::session::{Rows, Session};

/// The query that reads a session's state: its authorization and role,
/// then every setting changed with `SET` in this session.
pub(crate) const CAPTURE_SQL: &str = "SELECT 0, current_setting('session_authorization'), current_setting('role') \
     UNION ALL SELECT 1, name, current_setting(name) FROM pg_settings WHERE source = 'session' \
     AND name NOT IN ('session_authorization', 'role', 'transaction_isolation', 'transaction_read_only', 'transaction_deferrable') \
     ORDER BY 1, 2";

/// A session's state when the run began.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SessionStart {
    /// `session_authorization`: the session user.
    authorization: String,
    /// `role`, `none` when no `SET ROLE` is in force.
    role: String,
    /// What the session had `SET`, by name.
    settings: Vec<(String, String)>,
}

impl SessionStart {
    /// Reads [`CAPTURE_SQL`]'s rows; `None` when they are not its shape.
    pub(crate) fn parse(rows: &Rows) -> Option<SessionStart> {
        let mut start = SessionStart::default();
        let mut seen_identity = false;
        for row in rows {
            let cell = |i: usize| row.get(i).cloned().flatten();
            match cell(0)?.as_str() {
                "0" => {
                    start.authorization = cell(1)?;
                    start.role = cell(2)?;
                    seen_identity = true;
                }
                _ => start.settings.push((cell(1)?, cell(2)?)),
            }
        }
        seen_identity.then_some(start)
    }

    /// The SQL that puts the session back as it was (one string of several
    /// statements, to run inside the run's transaction or on its own).
    pub(crate) fn restore_sql(&self) -> Sql {
        // SET SESSION AUTHORIZATION also ends any SET ROLE; naming the
        // authenticated user is allowed to everyone, naming another only to
        // a superuser, which the session then was.
        let mut parts = vec![format!(
            "SET SESSION AUTHORIZATION {}",
            quote_literal(&self.authorization)
        )];
        if self.role != "none" {
            parts.push(format!("SET ROLE {}", quote_literal(&self.role)));
        }
        parts.push("RESET ALL".to_string());
        if !self.settings.is_empty() {
            let calls: Vec<String> = self
                .settings
                .iter()
                .map(|(name, value)| {
                    format!(
                        "set_config({}, {}, false)",
                        quote_literal(name),
                        quote_literal(value)
                    )
                })
                .collect();
            parts.push(format!("SELECT {}", calls.join(", ")));
        }
        Sql::of(parts)
    }
}

/// SQL of the run's own, and how many statements it holds (a batch counts
/// the server's answers to know which piece failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sql {
    pub text: String,
    pub statements: usize,
}

impl Sql {
    fn of(parts: Vec<String>) -> Sql {
        Sql {
            statements: parts.len(),
            text: parts.join("; "),
        }
    }

    /// This, then `more`.
    pub(crate) fn then(mut self, more: Sql) -> Sql {
        self.text.push_str("; ");
        self.text.push_str(&more.text);
        self.statements += more.statements;
        self
    }
}

/// PostgreSQL's text for a bound: milliseconds, `0` for none.
fn millis(d: Duration) -> String {
    format!("'{}ms'", d.as_millis())
}

/// `SET LOCAL` of each bound given (ends with the transaction); `None` when
/// none is.
pub(crate) fn bounds_local_sql(bounds: &Bounds) -> Option<Sql> {
    set_bounds(bounds, "SET LOCAL")
}

/// `SET` of each bound given, for a statement PostgreSQL refuses inside a
/// transaction block (the session's restore after the migration ends it).
pub(crate) fn bounds_session_sql(bounds: &Bounds) -> Option<Sql> {
    set_bounds(bounds, "SET")
}

fn set_bounds(bounds: &Bounds, set: &str) -> Option<Sql> {
    let parts: Vec<String> = [
        ("lock_timeout", bounds.lock_timeout),
        ("statement_timeout", bounds.statement_timeout),
    ]
    .into_iter()
    .filter_map(|(name, d)| d.map(|d| format!("{set} {name} = {}", millis(d))))
    .collect();
    (!parts.is_empty()).then(|| Sql::of(parts))
}

/// How the session looked when the run began, as the SQL that puts it
/// back (see `session_state`).
pub(crate) async fn restore_sql<S: Session>(session: &mut S) -> Result<Sql, Error> {
    let rows = session
        .query(CAPTURE_SQL)
        .await
        .map_err(Error::database("reading the session's settings"))?;
    SessionStart::parse(&rows)
        .map(|start| start.restore_sql())
        .ok_or_else(|| Error::Database {
            doing: "reading the session's settings",
            db: Box::new(DbError {
                code: String::new(),
                message: "the server's answer was not a session's state".into(),
                detail: None,
                hint: None,
            }),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(cells: &[&[&str]]) -> Rows {
        cells
            .iter()
            .map(|r| r.iter().map(|c| Some(c.to_string())).collect())
            .collect()
    }

    #[test]
    fn a_plain_session_is_restored_with_reset_all() {
        let start = SessionStart::parse(&rows(&[&["0", "app", "none"]])).unwrap();
        assert_eq!(
            start.restore_sql(),
            Sql {
                text: "SET SESSION AUTHORIZATION 'app'; RESET ALL".into(),
                statements: 2
            }
        );
    }

    #[test]
    fn what_the_session_had_set_comes_back_after_the_reset() {
        let start = SessionStart::parse(&rows(&[
            &["0", "o'brien", "reader"],
            &["1", "search_path", "app, public"],
            &["1", "work_mem", "7MB"],
        ]))
        .unwrap();
        let restore = start.restore_sql();
        assert_eq!(
            restore.text,
            "SET SESSION AUTHORIZATION 'o''brien'; SET ROLE 'reader'; RESET ALL; \
             SELECT set_config('search_path', 'app, public', false), set_config('work_mem', '7MB', false)"
        );
        assert_eq!(restore.statements, 4);
    }

    #[test]
    fn rows_without_the_identity_are_not_a_session() {
        assert_eq!(SessionStart::parse(&rows(&[])), None);
        assert_eq!(
            SessionStart::parse(&rows(&[&["1", "work_mem", "7MB"]])),
            None
        );
        assert_eq!(SessionStart::parse(&vec![vec![Some("0".into())]]), None);
    }

    #[test]
    fn bounds_are_set_in_milliseconds_and_only_when_given() {
        let both = Bounds {
            lock_timeout: Some(Duration::from_millis(1500)),
            statement_timeout: Some(Duration::ZERO),
        };
        let local = bounds_local_sql(&both).unwrap();
        assert_eq!(
            local.text,
            "SET LOCAL lock_timeout = '1500ms'; SET LOCAL statement_timeout = '0ms'"
        );
        assert_eq!(local.statements, 2);
        let lock = Bounds {
            lock_timeout: Some(Duration::from_secs(10)),
            statement_timeout: None,
        };
        let session = bounds_session_sql(&lock).unwrap();
        assert_eq!(
            (session.text.as_str(), session.statements),
            ("SET lock_timeout = '10000ms'", 1)
        );
        assert_eq!(local.then(session).statements, 3);
        assert_eq!(bounds_local_sql(&Bounds::default()), None);
    }
}
