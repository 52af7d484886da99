//! The lock a run holds: a session-level advisory lock keyed on the tracking
//! table's resolved identity, taken with `pg_try_advisory_lock` in a loop so
//! the wait is bounded, and released on every path.
//!
//! Session-level, not transaction-level, because a run spans several
//! transactions (a `no-transaction` migration commits statement by
//! statement) and must hold the lock across all of them.

use std::time::{Duration, Instant};

use crate::error::{DbError, Error};
use crate::session::Session;

/// Takes the advisory lock `key`, waiting at most `timeout`. `table` names
/// it in the error.
pub(crate) async fn acquire<S: Session>(
    session: &mut S,
    key: i64,
    timeout: Duration,
    table: &str,
) -> Result<Duration, Error> {
    let sql = format!("SELECT pg_try_advisory_lock({key})");
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        let rows = session.query(&sql).await.map_err(|e| {
            let db = DbError::from_postgres(&e);
            // EXECUTE revoked on the advisory functions: say what works instead.
            if db.code == "42501" {
                Error::AdvisoryLocksUnavailable { db }
            } else {
                Error::Database {
                    doing: "taking the advisory lock",
                    db,
                }
            }
        })?;
        if first_cell(&rows) == Some("t") {
            return Ok(start.elapsed());
        }
        if start.elapsed() >= timeout {
            let holder = holder(session, key).await;
            return Err(Error::LockTimeout {
                table: table.to_string(),
                waited: start.elapsed(),
                holder,
            });
        }
        session.sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

/// Releases the advisory lock `key`. `false` when this connection did not
/// hold it: behind a transaction-pooling proxy the run's statements can reach
/// another server connection than the one that took it.
pub(crate) async fn release<S: Session>(session: &mut S, key: i64) -> bool {
    match session
        .query(&format!("SELECT pg_advisory_unlock({key})"))
        .await
    {
        Ok(rows) => first_cell(&rows) == Some("t"),
        // The connection is gone, and with it the session's lock.
        Err(_) => true,
    }
}

/// SQL that releases the lock whatever state the connection is in: for a
/// run that is abandoned (see `Session::on_abandon`).
pub(crate) fn abandon_sql(key: i64) -> String {
    format!("ROLLBACK; SELECT pg_advisory_unlock({key})")
}

/// Who holds the lock: the backend's pid and application name, for the
/// message of a run that gave up waiting.
async fn holder<S: Session>(session: &mut S, key: i64) -> Option<String> {
    let (classid, objid) = split_key(key);
    let sql = format!(
        "SELECT l.pid::text, coalesce(nullif(a.application_name, ''), '-'), coalesce(a.client_addr::text, 'local'), \
         coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS'), '-') \
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {classid} AND l.objid = {objid} AND l.objsubid = 1 \
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1"
    );
    let rows = session.query(&sql).await.ok()?;
    let row = rows.first()?;
    let cell = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
    Some(format!(
        "backend pid {} (application `{}`, from {}, connected since {})",
        cell(0),
        cell(1),
        cell(2),
        cell(3)
    ))
}

/// How `pg_locks` shows a bigint advisory key: its high and low 32 bits.
fn split_key(key: i64) -> (u32, u32) {
    let k = key as u64;
    ((k >> 32) as u32, (k & 0xffff_ffff) as u32)
}

/// Whether some connection holds the advisory lock `key` now (for `status`:
/// a `no-transaction` migration that is still running, not interrupted).
pub(crate) async fn is_held<S: Session>(session: &mut S, key: i64) -> bool {
    let (classid, objid) = split_key(key);
    let sql = format!(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = {classid} \
         AND objid = {objid} AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    );
    matches!(session.query(&sql).await.as_deref().map(first_cell), Ok(Some(n)) if n != "0")
}

fn first_cell(rows: &[Vec<Option<String>>]) -> Option<&str> {
    rows.first()?.first()?.as_deref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_as_pg_locks_shows_them() {
        assert_eq!(split_key(0x0000_0001_0000_0002), (1, 2));
        assert_eq!(split_key(-1), (0xffff_ffff, 0xffff_ffff));
    }
}
