//! The history as the set sees it: the tracking rows (a squash baseline's
//! history read as the baseline's row) and the repeatables' records.

use sqlstrata_model::Migrations;

use crate::error::Error;
use crate::history::identity::Identity;
use crate::history::{repeatable, tracking};
use crate::plan::history::{AppliedRow, History};
use crate::session::{Session, first_cell};

/// What the tracking side holds as `set` sees it (see [`History`]).
pub(crate) async fn read<S: Session>(
    session: &mut S,
    set: &Migrations,
    id: &Identity,
) -> Result<History, Error> {
    let cells = session
        .query(&tracking::select_sql(id))
        .await
        .map_err(Error::database("reading the tracking table"))?;
    let raw: Vec<AppliedRow> = cells
        .iter()
        .filter_map(|c| tracking::parse_row(c))
        .collect();
    let count = raw.len();
    let beside = session
        .query(&repeatable::exists_sql(id))
        .await
        .map_err(Error::database("finding the repeatables' table"))?;
    let repeatables = if first_cell(&beside) == Some("t") {
        session
            .query(&repeatable::select_sql(id))
            .await
            .map_err(Error::database("reading the repeatables' table"))?
            .iter()
            .filter_map(|c| repeatable::parse_row(c))
            .collect()
    } else {
        Vec::new()
    };
    Ok(History {
        rows: crate::plan::baseline::view(set, raw)?,
        repeatables,
        raw: count,
    })
}
