//! What a run asks of the role, asked of the server before it changes
//! anything: production roles own a schema or hold `CREATE` on one, and
//! nothing more. Each operation needs only what its steps do to the tracking
//! table (`INSERT` to record, `UPDATE` for a `no-transaction` migration's
//! state or a repaired checksum, `DELETE` to roll back), `CREATE` on the
//! schema when the table (or the lease table) does not exist yet, and
//! `CREATE` on the database only when the schema itself does not. A role
//! that lacks one gets the `GRANT` to ask for, not only the server's words.

use std::collections::BTreeSet;

use sqlstrata_model::Migrations;

use crate::error::{Error, Missing};
use crate::history::identity::Identity;
use crate::options::{LockMode, Options, quote_ident, quote_literal};
use crate::plan::{Plan, Step};
use crate::session::Rows;

/// What a run will do to the tracking side of the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Needs {
    /// Privileges on the tracking table (`SELECT` always).
    pub table: BTreeSet<&'static str>,
    /// The tracking table must be created.
    pub create_table: bool,
    /// The lease table is used (lease mode).
    pub lease: bool,
}

impl Needs {
    /// What `plan` needs, creating the table when `create`.
    pub(crate) fn of(set: &Migrations, plan: &Plan, options: &Options, create: bool) -> Needs {
        let mut table = BTreeSet::from(["SELECT"]);
        for step in &plan.steps {
            let alone = match step {
                Step::Apply(i) | Step::Revert(i) => set.as_slice()[*i].is_no_transaction(),
                _ => false,
            };
            match step {
                Step::Apply(_) | Step::Record(_) => table.insert("INSERT"),
                Step::Revert(_) | Step::ClearFailed(_) => table.insert("DELETE"),
                Step::AcceptChecksum(_) | Step::RestoreApplied(_) => table.insert("UPDATE"),
                // The repeatables' own table: its owner's (the run makes it).
                Step::ApplyRepeatable(_) | Step::ForgetRepeatables { .. } => false,
            };
            if alone {
                table.insert("UPDATE");
            }
        }
        Needs {
            table,
            create_table: create,
            lease: options.lock == LockMode::Lease,
        }
    }
}

/// The query that tells what the role may do there: one row.
pub(crate) fn preflight_sql(id: &Identity) -> String {
    let table = quote_literal(&id.qualified());
    let lease = quote_literal(&id.lease_qualified());
    let schema = quote_literal(&id.schema);
    let privilege = |rel: &str, p: &str| {
        format!("coalesce(has_table_privilege(to_regclass({rel}), '{p}'), false)")
    };
    format!(
        "SELECT current_user::text, current_database()::text, \
         EXISTS (SELECT FROM pg_namespace WHERE nspname = {schema}), \
         has_database_privilege(current_database(), 'CREATE'), \
         coalesce((SELECT has_schema_privilege(oid, 'CREATE') FROM pg_namespace WHERE nspname = {schema}), false), \
         {}, {}, {}, {}, \
         to_regclass({lease}) IS NOT NULL, {}, {}, {}",
        privilege(&table, "SELECT"),
        privilege(&table, "INSERT"),
        privilege(&table, "UPDATE"),
        privilege(&table, "DELETE"),
        privilege(&lease, "INSERT"),
        privilege(&lease, "UPDATE"),
        privilege(&lease, "DELETE"),
    )
}

/// Decides from [`preflight_sql`]'s row whether the role may do what
/// `needs` says; `Err` names every privilege it lacks.
pub(crate) fn check(rows: &Rows, id: &Identity, needs: &Needs) -> Result<(), Error> {
    let Some(row) = rows.first() else {
        return Ok(());
    };
    let text = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
    let yes = |i: usize| row.get(i).cloned().flatten().as_deref() == Some("t");
    let role = text(0);
    let database = text(1);
    let to = quote_ident(&role);
    let mut missing = Vec::new();
    let schema = quote_ident(&id.schema);
    let schema_exists = yes(2);
    let creates = needs.create_table || (needs.lease && !yes(9));
    if creates && !schema_exists && !yes(3) {
        missing.push(Missing {
            what: format!(
                "CREATE on database {} (the schema {schema} does not exist yet; creating it needs that)",
                quote_ident(&database)
            ),
            grant: format!(
                "CREATE SCHEMA {schema} AUTHORIZATION {to};  -- or: GRANT CREATE ON DATABASE {} TO {to}",
                quote_ident(&database)
            ),
        });
    } else if creates && schema_exists && !yes(4) {
        missing.push(Missing {
            what: format!(
                "CREATE on schema {schema} (to create the {} there)",
                if needs.create_table {
                    "tracking table"
                } else {
                    "lease table"
                }
            ),
            grant: format!("GRANT USAGE, CREATE ON SCHEMA {schema} TO {to};  -- or --schema with a schema the role owns"),
        });
    }
    if !needs.create_table {
        let lacking: Vec<&str> = needs
            .table
            .iter()
            .copied()
            .filter(|p| {
                let i = match *p {
                    "SELECT" => 5,
                    "INSERT" => 6,
                    "UPDATE" => 7,
                    _ => 8,
                };
                !yes(i)
            })
            .collect();
        if !lacking.is_empty() {
            let mut lacking = lacking;
            lacking.sort_by_key(|p| {
                ["SELECT", "INSERT", "UPDATE", "DELETE"]
                    .iter()
                    .position(|q| q == p)
            });
            missing.push(Missing {
                what: format!(
                    "{} on the tracking table {}",
                    lacking.join(", "),
                    id.qualified()
                ),
                grant: format!(
                    "GRANT {} ON {} TO {to};",
                    lacking.join(", "),
                    id.qualified()
                ),
            });
        }
    }
    if needs.lease && yes(9) {
        let lacking: Vec<&str> = [("INSERT", 10), ("UPDATE", 11), ("DELETE", 12)]
            .into_iter()
            .filter(|(_, i)| !yes(*i))
            .map(|(p, _)| p)
            .collect();
        if !lacking.is_empty() {
            missing.push(Missing {
                what: format!(
                    "{} on the lease table {}",
                    lacking.join(", "),
                    id.lease_qualified()
                ),
                grant: format!(
                    "GRANT {} ON {} TO {to};",
                    lacking.join(", "),
                    id.lease_qualified()
                ),
            });
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::MissingPrivileges { role, missing })
    }
}

/// A hint for a migration statement PostgreSQL refused (42501) that has
/// none: the role, what the message names, and the usual grant.
pub(crate) fn hint(message: &str, role: &str) -> String {
    let to = quote_ident(role);
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .map(|rest| rest.trim().to_string())
    };
    if let Some(schema) = named("permission denied for schema ") {
        return format!(
            "the role `{role}` may not use or create objects in schema {schema}: GRANT USAGE, CREATE ON SCHEMA {schema} TO {to}; (or run the migrations as the schema's owner)"
        );
    }
    if let Some(database) = named("permission denied for database ") {
        return format!(
            "the role `{role}` may not create schemas in database {database}: create the schema first (CREATE SCHEMA ... AUTHORIZATION {to}), or GRANT CREATE ON DATABASE {database} TO {to};"
        );
    }
    for kind in ["table", "sequence", "view", "function", "type"] {
        if let Some(object) = named(&format!("must be owner of {kind} ")) {
            return format!(
                "the role `{role}` does not own {kind} {object}, and changing it needs the owner: ALTER {} {object} OWNER TO {to}; (run by its owner), or run the migrations as its owner",
                kind.to_uppercase()
            );
        }
        if let Some(object) = named(&format!("permission denied for {kind} ")) {
            return format!(
                "the role `{role}` lacks a privilege on {kind} {object} that this statement needs: GRANT it (for example GRANT ALL ON {} {object} TO {to};), or run the migrations as its owner",
                kind.to_uppercase()
            );
        }
    }
    format!(
        "the role `{role}` lacks a privilege this statement needs; grant it, or run the migrations as a role that has it"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Migration, MigrationParts, Statement};

    fn id() -> Identity {
        Identity {
            database: "appdb".into(),
            schema: "app".into(),
            table: "schema_migrations".into(),
        }
    }

    fn row(cells: &[&str]) -> Rows {
        vec![cells.iter().map(|c| Some(c.to_string())).collect()]
    }

    /// The preflight row: role, db, schema exists, db create, schema create,
    /// table SELECT, INSERT, UPDATE, DELETE, lease exists, lease INSERT,
    /// UPDATE, DELETE.
    fn answers(flags: &str) -> Rows {
        let mut cells = vec!["app", "appdb"];
        cells.extend(flags.chars().map(|c| if c == '1' { "t" } else { "f" }));
        row(&cells)
    }

    fn set(no_transaction: bool) -> Migrations {
        Migrations::new(vec![Migration::new(MigrationParts {
            version: 1,
            name: "m1".into(),
            file_name: "001_m1.sql".into(),
            up: vec![Statement::new("SELECT 1", 2)],
            down: Some(vec![Statement::new("SELECT 1", 4)]),
            no_transaction,
            ..MigrationParts::default()
        })])
    }

    fn plan(steps: Vec<Step>) -> Plan {
        Plan {
            steps,
            batch: 1,
            warnings: vec![],
        }
    }

    #[test]
    fn each_operation_needs_what_its_steps_do() {
        let o = Options::default();
        let up = Needs::of(&set(false), &plan(vec![Step::Apply(0)]), &o, false);
        assert_eq!(up.table, BTreeSet::from(["SELECT", "INSERT"]));
        let alone = Needs::of(&set(true), &plan(vec![Step::Apply(0)]), &o, false);
        assert_eq!(alone.table, BTreeSet::from(["SELECT", "INSERT", "UPDATE"]));
        let down = Needs::of(&set(false), &plan(vec![Step::Revert(0)]), &o, false);
        assert_eq!(down.table, BTreeSet::from(["SELECT", "DELETE"]));
        let repair = Needs::of(
            &set(false),
            &plan(vec![Step::AcceptChecksum(0), Step::ClearFailed(1)]),
            &o,
            false,
        );
        assert_eq!(repair.table, BTreeSet::from(["SELECT", "UPDATE", "DELETE"]));
        let lease = Needs::of(
            &set(false),
            &plan(vec![]),
            &o.clone().lock_mode(LockMode::Lease),
            true,
        );
        assert!(lease.lease && lease.create_table);
    }

    #[test]
    fn a_missing_privilege_is_named_with_its_grant() {
        let up = Needs::of(
            &set(false),
            &plan(vec![Step::Apply(0)]),
            &Options::default(),
            false,
        );
        // Reads, may not insert.
        let err = check(&answers("11110010000"), &id(), &up).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("role `app`"), "{text}");
        assert!(
            text.contains("GRANT INSERT ON \"app\".\"schema_migrations\" TO \"app\";"),
            "{text}"
        );
        assert!(check(&answers("11111100000"), &id(), &up).is_ok());
    }

    #[test]
    fn creating_asks_for_the_schema_or_the_database_only_when_needed() {
        let create = Needs::of(
            &set(false),
            &plan(vec![Step::Apply(0)]),
            &Options::default(),
            true,
        );
        // The schema exists and the role may create in it: no CREATE on the database needed.
        assert!(check(&answers("10100000000"), &id(), &create).is_ok());
        let text = check(&answers("10000000000"), &id(), &create)
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("GRANT USAGE, CREATE ON SCHEMA \"app\" TO \"app\";"),
            "{text}"
        );
        let text = check(&answers("00000000000"), &id(), &create)
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("CREATE SCHEMA \"app\" AUTHORIZATION \"app\";"),
            "{text}"
        );
        assert!(check(&answers("01000000000"), &id(), &create).is_ok());
    }

    #[test]
    fn the_lease_table_is_asked_for_like_the_tracking_table() {
        let lease = Needs::of(
            &set(false),
            &plan(vec![Step::Apply(0)]),
            &Options::default().lock_mode(LockMode::Lease),
            false,
        );
        let text = check(&answers("11111101100"), &id(), &lease)
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("GRANT UPDATE, DELETE ON \"app\".\"schema_migrations_lock\" TO \"app\";"),
            "{text}"
        );
        // No lease table yet: CREATE on the schema.
        let text = check(&answers("11011100000"), &id(), &lease)
            .unwrap_err()
            .to_string();
        assert!(text.contains("to create the lease table there"), "{text}");
    }

    #[test]
    fn a_refused_statement_gets_a_hint_with_the_grant() {
        assert!(
            hint("permission denied for schema public", "app")
                .contains("GRANT USAGE, CREATE ON SCHEMA public TO \"app\";")
        );
        assert!(
            hint("must be owner of table users", "app")
                .contains("ALTER TABLE users OWNER TO \"app\";")
        );
        assert!(
            hint("permission denied for table t", "app")
                .contains("GRANT ALL ON TABLE t TO \"app\";")
        );
        assert!(
            hint("permission denied for database appdb", "app")
                .contains("GRANT CREATE ON DATABASE appdb")
        );
        assert!(hint("something else", "app").contains("role `app`"));
    }
}
