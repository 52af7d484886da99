//! Which tracking table a run uses: resolved once, on the server, and then
//! that one identity (database, schema, table) is used to create, read,
//! write and lock it, whatever the caller's `search_path` or spelling.
//!
//! With a schema given, the table is that schema's. Without one, the table is
//! the one sqlstrata tracking table of that name in the database, wherever it
//! is; only when there is none yet is it created in the connection's current
//! schema. So a later run whose `search_path` differs (a URL's
//! `options=-csearch_path=app`, an `ALTER ROLE ... SET search_path`) finds the
//! same history instead of starting a second one.

use crate::error::{DbError, Error};
use crate::options::{Options, TrackingTable, quote_ident, quote_literal};
use crate::session::Session;

/// One tracking table, resolved on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `current_database()`.
    pub database: String,
    /// The schema that holds the table.
    pub schema: String,
    /// The table's name.
    pub table: String,
}

impl Identity {
    /// `"schema"."table"`, quoted.
    pub fn qualified(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.table))
    }

    /// The lease table beside it (lease mode): `"schema"."table_lock"`.
    pub fn lease_qualified(&self) -> String {
        format!(
            "{}.{}",
            quote_ident(&self.schema),
            quote_ident(&format!("{}_lock", self.table))
        )
    }

    /// The advisory lock key of this table: derived from database, schema and
    /// table as resolved, never from how the caller spelled them.
    pub fn lock_key(&self) -> i64 {
        fnv(&["sqlstrata", &self.database, &self.schema, &self.table])
    }

    /// The key held while a table of this name is created anywhere in the
    /// database, so that runners that would create it in different schemas
    /// (different `search_path`s) take turns and the second finds the first's.
    pub(crate) fn creation_key(&self) -> i64 {
        fnv(&["sqlstrata-create", &self.database, &self.table])
    }
}

/// FNV-1a, 64 bits, of the parts separated by NUL.
fn fnv(parts: &[&str]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        for b in part.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h as i64
}

/// The columns of a sqlstrata tracking table's rows, in order. The table
/// has one more, [`SEAL_COLUMN`], after them (a table an older sqlstrata
/// created lacks it until its owner's next run adds it).
pub const COLUMNS: &[&str] = &[
    "version",
    "name",
    "description",
    "checksum",
    "batch",
    "applied_at",
    "duration_ms",
    "state",
    "failed_line",
];

/// The column that holds the seal (see `crate::history::seal`), set on the row of
/// the highest version and NULL on every other.
pub const SEAL_COLUMN: &str = "seal";

/// `ARRAY['version', ...]`: the columns a sqlstrata tracking table has,
/// with the seal's column or (an older sqlstrata's) without.
fn columns_array(with_seal: bool) -> String {
    let seal = with_seal.then_some(SEAL_COLUMN);
    let cols: Vec<String> = COLUMNS
        .iter()
        .copied()
        .chain(seal)
        .map(quote_literal)
        .collect();
    format!("ARRAY[{}]::text[]", cols.join(", "))
}

/// The columns of relation `oid_expr`, as `text[]` in order.
pub(crate) fn columns_of(oid_expr: &str) -> String {
    format!(
        "(SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum), '{{}}') FROM pg_attribute a \
         WHERE a.attrelid = {oid_expr} AND a.attnum > 0 AND NOT a.attisdropped)"
    )
}

/// Whether relation `oid_expr` is a sqlstrata tracking table.
pub(crate) fn is_ours(oid_expr: &str) -> String {
    format!(
        "coalesce((SELECT c2.relkind IN ('r', 'p') FROM pg_class c2 WHERE c2.oid = {oid_expr}), false) AND {} IN ({}, {})",
        columns_of(oid_expr),
        columns_array(true),
        columns_array(false)
    )
}

/// Every relation named like the tracking table, in any schema, with the
/// database and the current schema: what [`decide`] needs. Always one row at
/// least (the relation columns are NULL when there is none).
pub(crate) fn candidates_sql(tracking: &TrackingTable) -> String {
    format!(
        "SELECT current_database(), current_schema(), n.nspname, {ours}, array_to_string({cols}, ', ') \
         FROM (SELECT 1) one LEFT JOIN (pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace) \
         ON c.relname = {name} ORDER BY n.nspname",
        ours = is_ours("c.oid"),
        cols = columns_of("c.oid"),
        name = quote_literal(&tracking.name),
    )
}

/// A relation named like the tracking table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub schema: String,
    pub ours: bool,
    pub columns: String,
}

/// What the server said about the tracking table's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidates {
    pub database: String,
    pub current_schema: Option<String>,
    pub tables: Vec<Candidate>,
}

impl Candidates {
    /// From the rows of [`candidates_sql`].
    pub(crate) fn from_rows(rows: &[Vec<Option<String>>]) -> Option<Candidates> {
        let first = rows.first()?;
        let cell = |r: &Vec<Option<String>>, i: usize| r.get(i).cloned().flatten();
        Some(Candidates {
            database: cell(first, 0)?,
            current_schema: cell(first, 1),
            tables: rows
                .iter()
                .filter_map(|r| {
                    Some(Candidate {
                        schema: cell(r, 2)?,
                        ours: cell(r, 3).as_deref() == Some("t"),
                        columns: cell(r, 4).unwrap_or_default(),
                    })
                })
                .collect(),
        })
    }
}

/// Where the run's history is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// The table exists.
    Existing(Identity),
    /// There is none yet: it is to be created here.
    Create(Identity),
}

impl Resolution {
    pub(crate) fn identity(&self) -> &Identity {
        match self {
            Resolution::Existing(i) | Resolution::Create(i) => i,
        }
    }
}

/// Checks a tracking table's name before anything is sent.
pub(crate) fn check_name(tracking: &TrackingTable) -> Result<(), Error> {
    let invalid = |reason: &str| {
        Err(Error::InvalidTrackingTable {
            table: tracking.qualified(),
            reason: reason.to_string(),
        })
    };
    if tracking.name.is_empty() {
        return invalid("the table name is empty");
    }
    if tracking.name.starts_with("pg_") {
        return invalid(
            "names that begin with `pg_` are PostgreSQL's own: the system catalog `pg_catalog` is searched first, \
             so such a name can mean a catalog table; choose another name",
        );
    }
    if tracking
        .schema
        .as_deref()
        .is_some_and(|s| s.is_empty() || s.starts_with("pg_"))
    {
        return invalid(
            "schemas that begin with `pg_` are PostgreSQL's own; choose another schema",
        );
    }
    Ok(())
}

/// Decides the tracking table from what the server said (see the module).
pub(crate) fn decide(tracking: &TrackingTable, c: &Candidates) -> Result<Resolution, Error> {
    check_name(tracking)?;
    let identity = |schema: &str| Identity {
        database: c.database.clone(),
        schema: schema.to_string(),
        table: tracking.name.clone(),
    };
    let in_schema = |schema: &str| c.tables.iter().find(|t| t.schema == schema);
    let foreign = |t: &Candidate| Error::ForeignTrackingTable {
        table: identity(&t.schema).qualified(),
        columns: t.columns.clone(),
    };
    if let Some(schema) = &tracking.schema {
        return match in_schema(schema) {
            Some(t) if t.ours => Ok(Resolution::Existing(identity(schema))),
            Some(t) => Err(foreign(t)),
            None => Ok(Resolution::Create(identity(schema))),
        };
    }
    let ours: Vec<&Candidate> = c.tables.iter().filter(|t| t.ours).collect();
    match (ours.as_slice(), &c.current_schema) {
        ([one], _) => Ok(Resolution::Existing(identity(&one.schema))),
        ([], None) => Err(Error::NoSchema {
            table: tracking.name.clone(),
        }),
        ([], Some(current)) => match in_schema(current) {
            Some(t) => Err(foreign(t)),
            None => Ok(Resolution::Create(identity(current))),
        },
        (several, current) => match current
            .as_deref()
            .filter(|s| several.iter().any(|t| t.schema == *s))
        {
            Some(current) => Ok(Resolution::Existing(identity(current))),
            None => Err(Error::AmbiguousTrackingTable {
                table: tracking.name.clone(),
                schemas: several.iter().map(|t| t.schema.clone()).collect(),
            }),
        },
    }
}

/// The tracking table's identity, resolved on the server.
pub(crate) async fn resolve<S: Session>(
    session: &mut S,
    options: &Options,
) -> Result<Resolution, Error> {
    let rows = session
        .query(&candidates_sql(&options.tracking))
        .await
        .map_err(Error::database("finding the tracking table"))?;
    let candidates = Candidates::from_rows(&rows).ok_or_else(|| Error::Database {
        doing: "finding the tracking table",
        db: Box::new(DbError {
            code: String::new(),
            message: "the server returned no row".into(),
            detail: None,
            hint: None,
        }),
    })?;
    decide(&options.tracking, &candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(current: Option<&str>, tables: &[(&str, bool)]) -> Candidates {
        Candidates {
            database: "db".into(),
            current_schema: current.map(str::to_string),
            tables: tables
                .iter()
                .map(|(s, ours)| Candidate {
                    schema: s.to_string(),
                    ours: *ours,
                    columns: if *ours {
                        "ours".into()
                    } else {
                        "version, dirty".into()
                    },
                })
                .collect(),
        }
    }

    fn table(schema: Option<&str>) -> TrackingTable {
        TrackingTable {
            schema: schema.map(str::to_string),
            name: "schema_migrations".into(),
        }
    }

    /// (schema given, current schema, tables of that name (schema, ours), outcome)
    type Case = (
        Option<&'static str>,
        Option<&'static str>,
        &'static [(&'static str, bool)],
        &'static str,
    );

    #[test]
    fn resolution_as_a_table() {
        let cases: &[Case] = &[
            (None, Some("public"), &[], "create public"),
            (None, Some("app"), &[("public", true)], "existing public"),
            (None, None, &[("public", true)], "existing public"),
            (None, None, &[], "no schema to create"),
            (
                None,
                Some("public"),
                &[("public", false)],
                "is not a sqlstrata tracking table",
            ),
            (
                None,
                Some("public"),
                &[("public", false), ("s", true)],
                "existing s",
            ),
            (None, Some("b"), &[("a", true), ("b", true)], "existing b"),
            (
                None,
                Some("c"),
                &[("a", true), ("b", true)],
                "several sqlstrata tracking tables",
            ),
            (
                Some("public"),
                Some("app"),
                &[("public", true)],
                "existing public",
            ),
            (Some("app"), Some("app"), &[("public", true)], "create app"),
            (
                Some("public"),
                Some("public"),
                &[("public", false)],
                "is not a sqlstrata tracking table",
            ),
        ];
        for (schema, current, tables, want) in cases {
            let got = match decide(&table(*schema), &candidates(*current, tables)) {
                Ok(Resolution::Existing(i)) => format!("existing {}", i.schema),
                Ok(Resolution::Create(i)) => format!("create {}", i.schema),
                Err(e) => e.to_string(),
            };
            assert!(
                got.contains(want),
                "{schema:?} {current:?} {tables:?}: {got}"
            );
        }
    }

    #[test]
    fn names_of_postgresqls_own_are_refused() {
        for (schema, name) in [(None, "pg_class"), (Some("pg_catalog"), "x"), (None, "")] {
            let t = TrackingTable {
                schema: schema.map(str::to_string),
                name: name.to_string(),
            };
            assert!(
                matches!(check_name(&t), Err(Error::InvalidTrackingTable { .. })),
                "{name}"
            );
        }
    }

    #[test]
    fn the_lock_key_is_of_the_resolved_identity() {
        let a = Identity {
            database: "db".into(),
            schema: "public".into(),
            table: "schema_migrations".into(),
        };
        assert_eq!(a.lock_key(), a.clone().lock_key());
        let other_db = Identity {
            database: "db2".into(),
            ..a.clone()
        };
        let other_schema = Identity {
            schema: "app".into(),
            ..a.clone()
        };
        assert_ne!(a.lock_key(), other_db.lock_key());
        assert_ne!(a.lock_key(), other_schema.lock_key());
        assert_eq!(a.creation_key(), other_schema.creation_key());
        assert_ne!(a.creation_key(), a.lock_key());
    }
}
