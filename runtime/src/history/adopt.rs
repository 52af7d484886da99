//! Another tool's history written as ours: each migration it applied,
//! recorded as applied (with its batch and time when the tool kept them),
//! in one transaction, into an empty tracking table. Optionally the old
//! table is renamed out of the way in the same transaction, when it has the
//! name ours must have.

use sqlstrata_model::Migrations;

use crate::error::Error;
use crate::history::identity::Resolution;
use crate::history::identity::resolve;
use crate::history::tracking;
use crate::options::Options;
use crate::options::quote_ident;
use crate::report::{Action, Done, Report};
use crate::session::Session;

/// One migration the other tool applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdoptedRow {
    /// Its version (a migration of the set).
    pub version: i64,
    /// Its batch (1 when the tool kept none).
    pub batch: i32,
    /// When it was applied, as the tool recorded it (PostgreSQL's text of a
    /// timestamp), when it did.
    pub applied_at: Option<String>,
}

pub(crate) async fn adopt<S: Session>(
    session: &mut S,
    set: &Migrations,
    rows: &[AdoptedRow],
    options: &Options,
    rename_old_to: Option<&str>,
) -> Result<Report, Error> {
    crate::history::identity::check_name(&options.tracking)?;
    for r in rows {
        if set.get(r.version).is_none() {
            return Err(Error::UnknownVersion(r.version));
        }
    }
    session
        .query("BEGIN")
        .await
        .map_err(Error::database("starting a transaction"))?;
    let result = within(session, set, rows, options, rename_old_to).await;
    match result {
        Ok(report) => {
            session
                .query("COMMIT")
                .await
                .map_err(Error::database("committing"))?;
            if let Ok(Resolution::Existing(id)) = resolve(session, options).await {
                crate::history::seal::write(session, set, &id, options).await;
            }
            Ok(report)
        }
        Err(e) => {
            let _ = session.query("ROLLBACK").await;
            Err(e)
        }
    }
}

async fn within<S: Session>(
    session: &mut S,
    set: &Migrations,
    rows: &[AdoptedRow],
    options: &Options,
    rename_old_to: Option<&str>,
) -> Result<Report, Error> {
    if let Some(new_name) = rename_old_to {
        session
            .query(&format!(
                "ALTER TABLE {} RENAME TO {}",
                options.tracking.qualified(),
                quote_ident(new_name)
            ))
            .await
            .map_err(Error::database("renaming the old history table"))?;
    }
    let id = resolve(session, options).await?.identity().clone();
    // Other runs wait for the adoption (their session lock has this key).
    session
        .query(&format!("SELECT pg_advisory_xact_lock({})", id.lock_key()))
        .await
        .map_err(Error::database("locking the tracking table"))?;
    crate::history::tracking::ensure_schema(session, &id.schema).await?;
    session
        .query(&tracking::create_sql(&id))
        .await
        .map_err(Error::database("creating the tracking table"))?;
    let count = session
        .query(&format!("SELECT count(*) FROM {}", id.qualified()))
        .await
        .map_err(Error::database("reading the tracking table"))?
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|c| c.parse::<i64>().ok())
        .unwrap_or(0);
    if count > 0 {
        return Err(Error::HistoryNotEmpty {
            table: id.qualified(),
            rows: count,
        });
    }
    let mut report = Report::default();
    for r in rows {
        let Some(m) = set.get(r.version) else {
            return Err(Error::UnknownVersion(r.version));
        };
        session
            .query(&tracking::adopt_sql(
                &id,
                m,
                r.batch,
                r.applied_at.as_deref(),
            ))
            .await
            .map_err(|e| Error::Recording {
                file: m.file_name().to_string(),
                db: e,
            })?;
        report.done.push(Done {
            version: r.version,
            name: m.name().to_string(),
            action: Action::Recorded,
            duration: std::time::Duration::ZERO,
        });
    }
    report.batch = rows.iter().map(|r| r.batch).max();
    Ok(report)
}
