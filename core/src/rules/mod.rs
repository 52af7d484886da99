//! Every rule a migration is checked against, in one list: its stable name,
//! level, what it finds, why that matters and how to fix it. The diagnostics,
//! the README's table, the settings' valid names and the directives' valid
//! names all come from [`RULES`].
//!
//! The lints are squawk-linter's rules where squawk has one, curated so that
//! a default warning is a hazard to an existing table or a running
//! application, and given the context only sqlstrata has (a table created
//! earlier in the same migration is new and empty; the migration's real
//! transaction mode). Our own rules cover what squawk has no equal for.

mod context;
mod enum_values;
mod needs_no_transaction;
mod post_deploy;
mod session_setting;
mod squawk;
mod tracking_table_write;
mod transaction_control;

use squawk_linter::Rule as SquawkRule;

pub use enum_values::enum_value_used_in_batch;
pub(crate) use enum_values::enum_value_used_too_soon;
pub(crate) use needs_no_transaction::needs_no_transaction;
pub(crate) use post_deploy::{NOT_AFTER_DEPLOY, post_deploy_additions};
pub(crate) use session_setting::session_settings;
pub(crate) use squawk::squawk_findings;
pub(crate) use tracking_table_write::tracking_table_writes;
pub use transaction_control::Control;
pub(crate) use transaction_control::transaction_control;

/// A rule's finding at a place in a file, before the settings and the
/// directives decide whether and how it is reported.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    /// The rule.
    pub rule: &'static Rule,
    /// Byte offset in the file.
    pub offset: usize,
    /// The message, when the rule's own `what` is not it (squawk's opt-in
    /// rules speak for themselves).
    pub detail: Option<String>,
    /// Likewise for the help.
    pub help: Option<String>,
}

/// How a rule's findings count by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Always an error: the file cannot be embedded as it is.
    Error,
    /// A warning unless allowed or denied (by a directive or the settings).
    Warning,
    /// Off unless turned on in the settings (`warn` or `deny`).
    OptIn,
    /// An error unless allowed (by a directive or the settings).
    Deny,
}

impl Level {
    /// As the README's table says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::OptIn => "opt-in",
            Level::Deny => "error",
        }
    }
}

/// Where a rule is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// About the file itself (its name, its sections, its SQL's syntax).
    File,
    /// One of sqlstrata's own lints.
    Ours,
    /// One of squawk-linter's rules.
    Squawk(SquawkRule),
}

/// One rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The stable kebab-case name (squawk's, for squawk's rules).
    pub name: &'static str,
    /// Its default level.
    pub level: Level,
    /// Who carries it out.
    pub kind: Kind,
    /// What it finds, as the diagnostic says it ("adds a ...").
    pub what: &'static str,
    /// Why that matters.
    pub why: &'static str,
    /// What to do instead.
    pub fix: &'static str,
}

impl Rule {
    /// Whether a directive or the settings can turn it off.
    pub fn is_configurable(&self) -> bool {
        self.level != Level::Error
    }
}

const fn file(name: &'static str, what: &'static str) -> Rule {
    Rule {
        name,
        level: Level::Error,
        kind: Kind::File,
        what,
        why: "",
        fix: "",
    }
}

/// One of squawk's rules that is off by default; its diagnostics use
/// squawk's own words.
const fn squawk_opt_in(name: &'static str, rule: SquawkRule) -> Rule {
    Rule {
        name,
        level: Level::OptIn,
        kind: Kind::Squawk(rule),
        what: "",
        why: "",
        fix: "",
    }
}

/// Every rule.
pub const RULES: &[Rule] = &[
    file("folder", "the migrations folder cannot be read"),
    file(
        "file-name",
        "a `.sql` entry whose name or kind breaks the naming rule",
    ),
    file("duplicate-version", "two files with the same version"),
    file("encoding", "a file that is not UTF-8"),
    file("io", "a file that cannot be read"),
    file("config", "a `sqlstrata.toml` that cannot be used"),
    file(
        "unterminated",
        "a string, quoted identifier, dollar quote or block comment left open",
    ),
    file("markers", "a misplaced `-- UP`/`-- DOWN` marker"),
    file("sql-before-up", "SQL above the `-- UP` marker"),
    file("header", "a `-- Migration:` header that names another file"),
    file(
        "directive",
        "an unknown or misplaced `-- sqlstrata:` directive",
    ),
    file(
        "carriage-return",
        "a `--` comment ended by a lone carriage return, which PostgreSQL ends there and editors do not",
    ),
    file(
        "syntax",
        "a statement PostgreSQL's grammar rejects, or two statements that lost the `;` between them",
    ),
    file(
        "unchecked",
        "a `;` outside parentheses in an `unchecked` statement",
    ),
    file(
        "irreversible",
        "an `irreversible` migration with a DOWN section",
    ),
    Rule {
        name: "transaction-control",
        level: Level::Error,
        kind: Kind::Ours,
        what: "controls the transaction (`BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT`, ...) where sqlstrata owns it",
        why: "sqlstrata owns the transaction and the record of each migration: a `COMMIT` would end the batch's transaction half-way and hide the rest from its record",
        fix: "remove it; for statements that cannot run in a transaction, mark the migration `-- sqlstrata: no-transaction`, where balanced `BEGIN` ... `COMMIT` blocks are allowed",
    },
    Rule {
        name: "needs-no-transaction",
        level: Level::Error,
        kind: Kind::Ours,
        what: "cannot run inside a transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`, `CREATE DATABASE`, ...)",
        why: "PostgreSQL refuses it there, and by default a migration runs in one",
        fix: "put `-- sqlstrata: no-transaction` above `-- UP`: the migration then runs statement by statement outside a transaction",
    },
    Rule {
        name: "tracking-table-write",
        level: Level::Error,
        kind: Kind::Ours,
        what: "writes to sqlstrata's tracking table",
        why: "the history would no longer say what ran, and the runner's own record would conflict with it",
        fix: "remove the statement; `baseline` and `repair` change the history when it must change",
    },
    Rule {
        name: "enum-value-used-too-soon",
        level: Level::Error,
        kind: Kind::Ours,
        what: "uses an enum label this migration adds, in the same transaction",
        why: "PostgreSQL refuses a label added in the same transaction (SQLSTATE 55P04): the migration always fails",
        fix: "use the label in a later migration, or mark this one `-- sqlstrata: no-transaction`",
    },
    Rule {
        name: "enum-value-used-in-batch",
        level: Level::Warning,
        kind: Kind::Ours,
        what: "uses an enum label an earlier migration adds",
        why: "PostgreSQL cannot use a label added in the same transaction (SQLSTATE 55P04), so when both run in one batch sqlstrata commits between them: the batch is no longer all-or-nothing",
        fix: "fine if that is acceptable; otherwise deploy the two migrations in separate releases",
    },
    Rule {
        name: "post-deploy-adds",
        level: Level::Warning,
        kind: Kind::Ours,
        what: "adds a table or a column in a post-deploy migration",
        why: "a post-deploy migration runs after the new code is live: code that writes or reads what it adds fails until then",
        fix: "add it in a regular migration, which runs before the new code starts; keep post-deploy migrations for what only the old code used",
    },
    Rule {
        name: "missing-down",
        level: Level::Warning,
        kind: Kind::Ours,
        what: "has an `-- UP` marker but no `-- DOWN` section",
        why: "it cannot be rolled back",
        fix: "add `-- DOWN` with statements that undo it, or say `-- sqlstrata: irreversible` in the header",
    },
    Rule {
        name: "empty-up",
        level: Level::Warning,
        kind: Kind::Ours,
        what: "has no statement in its UP section",
        why: "it changes nothing (which is fine when its version must line up with another database)",
        fix: "delete the file, or keep it and say `-- sqlstrata: allow(empty-up)` in the header",
    },
    Rule {
        name: "session-setting",
        level: Level::Warning,
        kind: Kind::Ours,
        what: "changes the session with a plain `SET` (or `SET ROLE`, `SET SESSION AUTHORIZATION`, `RESET`)",
        why: "sqlstrata restores the session after every migration, so the setting ends with this migration, which a plain `SET` does not say (and which differs from running the statement by hand)",
        fix: "write `SET LOCAL` (it ends with the transaction); for time bounds use `-- sqlstrata: lock-timeout ...` or `statement-timeout ...`",
    },
    Rule {
        name: "require-concurrent-index-creation",
        level: Level::Warning,
        kind: Kind::Squawk(SquawkRule::RequireConcurrentIndexCreation),
        what: "creates an index on an existing table without `CONCURRENTLY`",
        why: "the table's writes are blocked until the index is built",
        fix: "`CREATE INDEX CONCURRENTLY` in a migration marked `-- sqlstrata: no-transaction`",
    },
    Rule {
        name: "constraint-missing-not-valid",
        level: Level::Warning,
        kind: Kind::Squawk(SquawkRule::ConstraintMissingNotValid),
        what: "adds a foreign key or `CHECK` constraint to an existing table without `NOT VALID`",
        why: "checking every existing row scans the whole table while a lock blocks its writes",
        fix: "add it `NOT VALID`, then `ALTER TABLE ... VALIDATE CONSTRAINT` in a later migration",
    },
    Rule {
        name: "adding-field-with-default",
        level: Level::Warning,
        kind: Kind::Squawk(SquawkRule::AddingFieldWithDefault),
        what: "adds a column whose value is computed for every existing row (a volatile `DEFAULT` such as `gen_random_uuid()`, a serial or identity column, a stored generated column)",
        why: "PostgreSQL rewrites the whole table to fill it, under an `ACCESS EXCLUSIVE` lock; a constant default needs no rewrite",
        fix: "add it without a default, backfill in batches, then `SET DEFAULT`",
    },
    Rule {
        name: "changing-column-type",
        level: Level::Warning,
        kind: Kind::Squawk(SquawkRule::ChangingColumnType),
        what: "changes a column's type",
        why: "PostgreSQL rewrites the whole table and its indexes under an `ACCESS EXCLUSIVE` lock, blocking reads and writes, and running code may not read the new type",
        fix: "add a column of the new type, backfill it in batches, move readers to it, then drop the old one",
    },
    Rule {
        name: "renaming-column",
        level: Level::Warning,
        kind: Kind::Squawk(SquawkRule::RenamingColumn),
        what: "renames a column",
        why: "the running application (and, during a rolling deploy, the old version of it) still reads and writes the old name",
        fix: "add the new column, write both, backfill, move readers, then drop the old one in a later release",
    },
    Rule {
        name: "renaming-table",
        level: Level::Warning,
        kind: Kind::Squawk(SquawkRule::RenamingTable),
        what: "renames a table",
        why: "the running application (and, during a rolling deploy, the old version of it) still uses the old name",
        fix: "create a view under the old name for the transition, or move readers first and rename in a later release",
    },
    Rule {
        name: "ban-drop-column",
        level: Level::Warning,
        kind: Kind::Squawk(SquawkRule::BanDropColumn),
        what: "drops a column in an UP section",
        why: "running code that still reads it fails at once, and its data is gone",
        fix: "stop reading and writing it in this release and drop it in a post-deploy migration (mark it `-- sqlstrata: post-deploy`: it runs once the new code serves every request), or in a migration of a later release",
    },
    Rule {
        name: "ban-drop-table",
        level: Level::Warning,
        kind: Kind::Squawk(SquawkRule::BanDropTable),
        what: "drops a table in an UP section",
        why: "running code that still uses it fails at once, and its data is gone",
        fix: "stop using it in this release and drop it in a post-deploy migration (mark it `-- sqlstrata: post-deploy`: it runs once the new code serves every request), or in a migration of a later release",
    },
    Rule {
        name: "adding-required-field",
        level: Level::Warning,
        kind: Kind::Squawk(SquawkRule::AddingRequiredField),
        what: "adds a `NOT NULL` column without a default to an existing table",
        why: "the `ALTER TABLE` fails on any table that has rows",
        fix: "add it without `NOT NULL` (or with a non-volatile `DEFAULT`), backfill, then `SET NOT NULL`",
    },
    Rule {
        name: "schema-object-missing",
        level: Level::Deny,
        kind: Kind::Ours,
        what: "names a table, column, index, constraint, type or other object that does not exist at that point (dropped, renamed, or misspelt)",
        why: "PostgreSQL refuses it on deploy (SQLSTATE 42P01, 42703, 42704): the migration fails, and a DOWN fails when it is needed most",
        fix: "correct the name; an object made outside the migrations can be declared in sqlstrata.toml's `[schema] external`",
    },
    Rule {
        name: "schema-object-exists",
        level: Level::Deny,
        kind: Kind::Ours,
        what: "creates an object that already exists at that point, without `IF NOT EXISTS`",
        why: "PostgreSQL refuses it on deploy (SQLSTATE 42P07, 42701, 42710)",
        fix: "use another name, drop the existing one first, or write `IF NOT EXISTS`",
    },
    Rule {
        name: "schema-if-exists-misspelt",
        level: Level::Warning,
        kind: Kind::Ours,
        what: "says `IF EXISTS` of an object that does not exist, while one with a close name does",
        why: "PostgreSQL silently does nothing, so a misspelt name leaves the object it meant in place",
        fix: "correct the name, or remove the statement if nothing is to be done",
    },
    Rule {
        name: "schema-down-differs",
        level: Level::Warning,
        kind: Kind::Ours,
        what: "is a DOWN section that does not bring the schema back to where its UP started",
        why: "a rollback leaves objects behind or removes ones that were there before, which `sqlstrata verify` would show on a real server",
        fix: "undo exactly what the UP does, in reverse order",
    },
    squawk_opt_in(
        "require-concurrent-index-deletion",
        SquawkRule::RequireConcurrentIndexDeletion,
    ),
    squawk_opt_in(
        "adding-foreign-key-constraint",
        SquawkRule::AddingForeignKeyConstraint,
    ),
    squawk_opt_in(
        "adding-not-nullable-field",
        SquawkRule::AddingNotNullableField,
    ),
    squawk_opt_in(
        "adding-serial-primary-key-field",
        SquawkRule::AddingSerialPrimaryKeyField,
    ),
    squawk_opt_in(
        "disallowed-unique-constraint",
        SquawkRule::DisallowedUniqueConstraint,
    ),
    squawk_opt_in("ban-drop-database", SquawkRule::BanDropDatabase),
    squawk_opt_in("prefer-bigint-over-int", SquawkRule::PreferBigintOverInt),
    squawk_opt_in(
        "prefer-bigint-over-smallint",
        SquawkRule::PreferBigintOverSmallint,
    ),
    squawk_opt_in("prefer-identity", SquawkRule::PreferIdentity),
    squawk_opt_in("prefer-repack", SquawkRule::PreferRepack),
    squawk_opt_in("prefer-robust-stmts", SquawkRule::PreferRobustStmts),
    squawk_opt_in("prefer-text-field", SquawkRule::PreferTextField),
    squawk_opt_in("prefer-timestamp-tz", SquawkRule::PreferTimestampTz),
    squawk_opt_in("ban-char-field", SquawkRule::BanCharField),
    squawk_opt_in("ban-drop-not-null", SquawkRule::BanDropNotNull),
    squawk_opt_in("transaction-nesting", SquawkRule::TransactionNesting),
    squawk_opt_in(
        "ban-concurrent-index-creation-in-transaction",
        SquawkRule::BanConcurrentIndexCreationInTransaction,
    ),
    squawk_opt_in(
        "ban-create-domain-with-constraint",
        SquawkRule::BanCreateDomainWithConstraint,
    ),
    squawk_opt_in(
        "ban-alter-domain-with-add-constraint",
        SquawkRule::BanAlterDomainWithAddConstraint,
    ),
    squawk_opt_in("ban-truncate-cascade", SquawkRule::BanTruncateCascade),
    squawk_opt_in(
        "require-timeout-settings",
        SquawkRule::RequireTimeoutSettings,
    ),
    squawk_opt_in(
        "ban-uncommitted-transaction",
        SquawkRule::BanUncommittedTransaction,
    ),
    squawk_opt_in(
        "require-enum-value-ordering",
        SquawkRule::RequireEnumValueOrdering,
    ),
    squawk_opt_in("require-table-schema", SquawkRule::RequireTableSchema),
    squawk_opt_in("identifier-too-long", SquawkRule::IdentifierTooLong),
    squawk_opt_in(
        "require-concurrent-partition-detach",
        SquawkRule::RequireConcurrentPartitionDetach,
    ),
    squawk_opt_in(
        "require-concurrent-reindex",
        SquawkRule::RequireConcurrentReindex,
    ),
    squawk_opt_in("require-lock-timeout", SquawkRule::RequireLockTimeout),
    squawk_opt_in(
        "require-statement-timeout",
        SquawkRule::RequireStatementTimeout,
    ),
    squawk_opt_in(
        "ban-duplicate-column-assignments",
        SquawkRule::BanDuplicateColumnAssignments,
    ),
    squawk_opt_in("ban-drop-view", SquawkRule::BanDropView),
    squawk_opt_in("ban-drop-function", SquawkRule::BanDropFunction),
    squawk_opt_in("ban-drop-type", SquawkRule::BanDropType),
    squawk_opt_in("ban-drop-default", SquawkRule::BanDropDefault),
    squawk_opt_in("ban-drop-trigger", SquawkRule::BanDropTrigger),
    squawk_opt_in("ban-drop-schema", SquawkRule::BanDropSchema),
    squawk_opt_in("ban-drop-sequence", SquawkRule::BanDropSequence),
    squawk_opt_in("ban-drop-domain", SquawkRule::BanDropDomain),
    squawk_opt_in("ban-drop-constraint", SquawkRule::BanDropConstraint),
    squawk_opt_in(
        "ban-drop-generated-expression",
        SquawkRule::BanDropGeneratedExpression,
    ),
    squawk_opt_in("renaming-object", SquawkRule::RenamingObject),
    squawk_opt_in("ban-set-schema", SquawkRule::BanSetSchema),
    squawk_opt_in("ban-alter-identity", SquawkRule::BanAlterIdentity),
    squawk_opt_in("ban-drop-extension", SquawkRule::BanDropExtension),
    squawk_opt_in(
        "ban-alter-generated-expression",
        SquawkRule::BanAlterGeneratedExpression,
    ),
    squawk_opt_in("ban-drop-index", SquawkRule::BanDropIndex),
    squawk_opt_in("ban-set-default", SquawkRule::BanSetDefault),
    squawk_opt_in("ban-disable-trigger", SquawkRule::BanDisableTrigger),
    squawk_opt_in("ban-replica-identity", SquawkRule::BanReplicaIdentity),
    squawk_opt_in("ban-drop-policy", SquawkRule::BanDropPolicy),
    squawk_opt_in("ban-revoke", SquawkRule::BanRevoke),
    squawk_opt_in(
        "ban-replace-view-function",
        SquawkRule::BanReplaceViewFunction,
    ),
    squawk_opt_in(
        "ban-alter-policy-condition",
        SquawkRule::BanAlterPolicyCondition,
    ),
    squawk_opt_in("ban-alter-policy-roles", SquawkRule::BanAlterPolicyRoles),
    squawk_opt_in("ban-create-policy", SquawkRule::BanCreatePolicy),
    squawk_opt_in(
        "ban-alter-function-options",
        SquawkRule::BanAlterFunctionOptions,
    ),
    squawk_opt_in("ban-alter-view-options", SquawkRule::BanAlterViewOptions),
    squawk_opt_in("ban-alter-role-options", SquawkRule::BanAlterRoleOptions),
    squawk_opt_in(
        "ban-alter-database-options",
        SquawkRule::BanAlterDatabaseOptions,
    ),
    squawk_opt_in(
        "ban-alter-row-level-security",
        SquawkRule::BanAlterRowLevelSecurity,
    ),
    squawk_opt_in(
        "ban-new-write-restriction",
        SquawkRule::BanNewWriteRestriction,
    ),
    squawk_opt_in("ban-add-enum-value", SquawkRule::BanAddEnumValue),
    squawk_opt_in(
        "ban-add-composite-attribute",
        SquawkRule::BanAddCompositeAttribute,
    ),
    squawk_opt_in("ban-add-column", SquawkRule::BanAddColumn),
    squawk_opt_in("ban-detach-inheritance", SquawkRule::BanDetachInheritance),
    squawk_opt_in(
        "ban-alter-sequence-values",
        SquawkRule::BanAlterSequenceValues,
    ),
    squawk_opt_in(
        "ban-alter-system-options",
        SquawkRule::BanAlterSystemOptions,
    ),
    squawk_opt_in("ban-alter-extension", SquawkRule::BanAlterExtension),
];

/// The rule named `name`.
pub fn rule(name: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.name == name)
}

/// The rule named `name`, if the settings and directives may turn it on or off.
pub fn configurable(name: &str) -> Option<&'static Rule> {
    rule(name).filter(|r| r.is_configurable())
}

/// The README's table of the rules on by default, made from [`RULES`].
pub fn readme_table() -> String {
    let mut out =
        String::from("| rule | level | what | why | fix |\n| --- | --- | --- | --- | --- |\n");
    for r in RULES
        .iter()
        .filter(|r| r.kind != Kind::File && r.level != Level::OptIn)
    {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            r.name,
            r.level.as_str(),
            r.what,
            r.why,
            r.fix
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_squawks_own() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(
                r.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                r.name
            );
            assert!(
                RULES[i + 1..].iter().all(|o| o.name != r.name),
                "{} twice",
                r.name
            );
            if let Kind::Squawk(s) = r.kind {
                assert_eq!(s.to_string(), r.name, "squawk's name for squawk's rule");
            }
            if r.kind != Kind::File && r.level != Level::OptIn {
                assert!(
                    !r.what.is_empty() && !r.why.is_empty() && !r.fix.is_empty(),
                    "{}",
                    r.name
                );
            }
        }
    }

    #[test]
    fn every_squawk_rule_is_listed() {
        let listed = RULES
            .iter()
            .filter(|r| matches!(r.kind, Kind::Squawk(_)))
            .count();
        // All of squawk 2.68's 78 but `unused-ignore` (squawk's own comments).
        assert_eq!(listed, 77);
    }
}
