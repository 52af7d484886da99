//! The lock a run holds, keyed on the tracking table's resolved identity,
//! taken in a loop so the wait is bounded, and released on every path.
//!
//! - `advisory`: a session-level advisory lock. Session-level, not
//!   transaction-level, because a run spans several transactions (a
//!   `no-transaction` migration commits statement by statement). A session
//!   that already holds the key is another runner sharing the session through
//!   a pooler, not a lock we may take again: advisory locks are reentrant, so
//!   that case is detected and waited out.
//! - `lease`: a row in `<table>_lock` beside the tracking table, taken with
//!   `INSERT ... ON CONFLICT DO UPDATE ... WHERE expired` in a statement of
//!   its own, renewed between the run's transactions, deleted at the end.
//!   Nothing lives in the session, so it works behind a transaction-pooling
//!   proxy and without the advisory functions.

use std::time::{Duration, Instant};

use crate::error::Error;
use crate::history::identity::Identity;
use crate::options::{LockMode, Options, quote_literal};
use crate::session::{Session, first_cell};

/// A lock this run holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Held {
    Advisory {
        key: i64,
    },
    Lease {
        table: String,
        owner: String,
        ttl: Duration,
    },
}

/// Takes the run's lock on `id`, waiting at most `options.runner_timeout`.
pub(crate) async fn acquire<S: Session>(
    session: &mut S,
    id: &Identity,
    options: &Options,
) -> Result<(Held, Duration), Error> {
    match options.lock {
        LockMode::Advisory => {
            let key = id.lock_key();
            let waited = advisory(session, key, options.runner_timeout, &id.qualified()).await?;
            Ok((Held::Advisory { key }, waited))
        }
        LockMode::Lease => lease(session, id, options).await,
    }
}

/// Takes the advisory lock `key` (also the creation lock). `table` names it
/// in the error.
pub(crate) async fn advisory<S: Session>(
    session: &mut S,
    key: i64,
    timeout: Duration,
    table: &str,
) -> Result<Duration, Error> {
    let (classid, objid) = split_key(key);
    // Whether this session held the key before asking, then the ask: the
    // select list is evaluated left to right.
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = {classid} \
         AND objid = {objid} AND objsubid = 1 AND pid = pg_backend_pid()), pg_try_advisory_lock({key})"
    );
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        let rows = session.query(&sql).await.map_err(|e| {
            let db = e;
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
        let row = rows.first();
        let cell = |i: usize| row.and_then(|r| r.get(i)).and_then(|c| c.as_deref());
        match (cell(0), cell(1)) {
            (Some("f"), Some("t")) => return Ok(start.elapsed()),
            // Held already by this very session: another runner's, reached
            // through a pooler. Give back the count just added and wait.
            (Some("t"), Some("t")) => {
                let _ = session
                    .query(&format!("SELECT pg_advisory_unlock({key})"))
                    .await;
            }
            _ => {}
        }
        if start.elapsed() >= timeout {
            let holder = advisory_holder(session, key).await;
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

/// A name for this run, unique among the runs that could race it.
fn owner() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .unwrap_or_else(|| "host".to_string());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{host}:{}:{nanos:x}", std::process::id())
}

/// The lease table beside the tracking table, created if missing (its
/// schema exists: see `tracking::create_schema_sql`).
pub(crate) fn lease_table_sql(id: &Identity) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (\n\
         id INTEGER PRIMARY KEY CHECK (id = 1),\n\
         owner TEXT NOT NULL,\n\
         acquired_at TIMESTAMPTZ NOT NULL,\n\
         expires_at TIMESTAMPTZ NOT NULL\n)",
        table = id.lease_qualified()
    )
}

fn interval(ttl: Duration) -> String {
    format!("interval '{} milliseconds'", ttl.as_millis())
}

async fn lease<S: Session>(
    session: &mut S,
    id: &Identity,
    options: &Options,
) -> Result<(Held, Duration), Error> {
    let table = id.lease_qualified();
    let owner = owner();
    let ttl = options.lease_ttl;
    let take = format!(
        "INSERT INTO {table} AS l (id, owner, acquired_at, expires_at) \
         VALUES (1, {owner}, clock_timestamp(), clock_timestamp() + {ttl}) \
         ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, acquired_at = EXCLUDED.acquired_at, \
         expires_at = EXCLUDED.expires_at WHERE l.expires_at < clock_timestamp() RETURNING l.owner",
        owner = quote_literal(&owner),
        ttl = interval(ttl),
    );
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    let mut created = false;
    loop {
        match session.query(&take).await {
            Ok(rows) if !rows.is_empty() => {
                return Ok((Held::Lease { table, owner, ttl }, start.elapsed()));
            }
            Ok(_) => {}
            // No lease table yet: make it (two runners may race to; the
            // loser's error is a reason to try again, not to fail).
            Err(e) if !created && e.code == "42P01" => {
                crate::history::tracking::ensure_schema(session, &id.schema).await?;
                if let Err(e) = session.query(&lease_table_sql(id)).await
                    && !matches!(
                        e.code.as_str(),
                        // Another runner created it first: the catalog's
                        // unique index, the relation, its row type, the schema.
                        "23505" | "42P07" | "42710" | "42P06"
                    )
                {
                    return Err(Error::Database {
                        doing: "creating the lease table",
                        db: e,
                    });
                }
                created = true;
                continue;
            }
            Err(e) => {
                return Err(Error::Database {
                    doing: "taking the lease",
                    db: e,
                });
            }
        }
        if start.elapsed() >= options.runner_timeout {
            let holder = session
                .query(&format!(
                    "SELECT owner, to_char(acquired_at, 'YYYY-MM-DD HH24:MI:SS TZ'), to_char(expires_at, 'YYYY-MM-DD HH24:MI:SS TZ') FROM {table} WHERE id = 1"
                ))
                .await
                .ok()
                .and_then(|rows| rows.into_iter().next())
                .map(|r| {
                    let cell = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
                    format!(
                        "the lease of `{}`, taken {}, expiring {}",
                        cell(0),
                        cell(1),
                        cell(2)
                    )
                });
            return Err(Error::LockTimeout {
                table: id.qualified(),
                waited: start.elapsed(),
                holder,
            });
        }
        session.sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// Keeps the lock: a lease is pushed back a full TTL (between the run's
/// transactions, never inside one, where the update would stay invisible).
/// A lease that expired and was taken over is an error: another run may be
/// working now, so this one must stop.
pub(crate) async fn renew<S: Session>(session: &mut S, held: &Held) -> Result<(), Error> {
    let Held::Lease { table, owner, ttl } = held else {
        return Ok(());
    };
    let rows = session
        .query(&format!(
            "UPDATE {table} SET expires_at = clock_timestamp() + {} WHERE id = 1 AND owner = {} RETURNING 1",
            interval(*ttl),
            quote_literal(owner)
        ))
        .await
        .map_err(Error::database("renewing the lease"))?;
    if rows.is_empty() {
        return Err(Error::LeaseLost {
            table: table.clone(),
        });
    }
    Ok(())
}

/// Releases the lock. `false` when an advisory lock was not held by this
/// connection: behind a transaction-pooling proxy the run's statements can
/// reach another server connection than the one that took it. A few tries
/// give a pooler the chance to route one to the right server connection.
pub(crate) async fn release<S: Session>(session: &mut S, held: &Held) -> bool {
    match held {
        Held::Advisory { key } => {
            for _ in 0..8 {
                match session
                    .query(&format!("SELECT pg_advisory_unlock({key})"))
                    .await
                {
                    Ok(rows) if first_cell(&rows) == Some("t") => return true,
                    Ok(_) => {}
                    // The connection is gone, and with it the session's lock.
                    Err(_) => return true,
                }
            }
            false
        }
        Held::Lease { table, owner, .. } => session
            .query(&format!(
                "DELETE FROM {table} WHERE id = 1 AND owner = {}",
                quote_literal(owner)
            ))
            .await
            .is_ok(),
    }
}

/// SQL that releases the lock whatever state the connection is in: for a
/// run that is abandoned (see `Session::on_abandon`).
pub(crate) fn abandon_sql(held: &Held) -> String {
    match held {
        Held::Advisory { key } => format!("ROLLBACK; SELECT pg_advisory_unlock({key})"),
        Held::Lease { table, owner, .. } => format!(
            "ROLLBACK; DELETE FROM {table} WHERE id = 1 AND owner = {}",
            quote_literal(owner)
        ),
    }
}

/// Who holds an advisory lock: the backend's pid and application name, for
/// the message of a run that gave up waiting.
async fn advisory_holder<S: Session>(session: &mut S, key: i64) -> Option<String> {
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

/// Whether some run holds the lock of `id` now (for `status`: a
/// `no-transaction` migration that is still running, not interrupted).
pub(crate) async fn is_held<S: Session>(session: &mut S, id: &Identity, options: &Options) -> bool {
    let sql = match options.lock {
        LockMode::Advisory => {
            let (classid, objid) = split_key(id.lock_key());
            format!(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = {classid} \
                 AND objid = {objid} AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        }
        LockMode::Lease => format!(
            "SELECT count(*) FROM {} WHERE id = 1 AND expires_at > clock_timestamp()",
            id.lease_qualified()
        ),
    };
    matches!(session.query(&sql).await.as_deref().map(first_cell), Ok(Some(n)) if n != "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_as_pg_locks_shows_them() {
        assert_eq!(split_key(0x0000_0001_0000_0002), (1, 2));
        assert_eq!(split_key(-1), (0xffff_ffff, 0xffff_ffff));
    }

    #[test]
    fn owners_differ() {
        assert_ne!(owner(), owner());
    }
}
