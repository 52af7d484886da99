//! The checking settings of a migration set: one file, `sqlstrata.toml` in
//! the migrations folder, read by the macro and by `sqlstrata check` alike.
//!
//! ```toml
//! [lints]
//! pg = 13                                  # the oldest PostgreSQL the migrations run on
//! deny = ["renaming-column"]               # these warnings fail the build
//! allow = ["ban-drop-column"]              # these rules are not checked at all
//! warn = ["prefer-bigint-over-int"]        # opt-in rules, turned on as warnings
//! tracking_table = "schema_migrations"     # the table `tracking-table-write` guards (`schema.table` outside `public`)
//! from = 20240101000000                    # warnings only for migrations newer than this
//!
//! [run]
//! lock_timeout = "1s"        # how long each statement may wait for a lock ("0": no bound)
//! statement_timeout = "0"    # how long each statement may run ("0": no bound)
//! lock_retry_budget = "5m"   # how long a run keeps retrying after lock time-outs
//!
//! [drift]
//! ignore = ["owner", "public.audit_*"]   # kinds or objects `sqlstrata drift` leaves out
//!
//! [schema]
//! check = true                           # names checked against the migrations' schema
//! external = ["auth.users"]              # objects made outside the migrations
//! ```
//!
//! Every key is optional; a missing file is the defaults. An unknown key or
//! rule name is an error, so a typo never silently turns a check off.

use std::path::Path;

use serde::Deserialize;
use sqlstrata_model::{Bounds, RunSettings};

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{self, Level, Rule};

/// The file's name, in the migrations folder.
pub const FILE_NAME: &str = "sqlstrata.toml";

/// How the lints are set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintConfig {
    /// The oldest PostgreSQL major version the migrations must be safe on.
    pub pg: u32,
    /// Warnings that are errors.
    pub deny: Vec<String>,
    /// Rules that are off.
    pub allow: Vec<String>,
    /// Opt-in rules that are on, as warnings.
    pub warn: Vec<String>,
    /// The tracking table's name.
    pub tracking_table: String,
    /// The lint baseline: migrations up to this version (a history that ran
    /// in production, imported or squashed) earn no warnings; errors still.
    pub from: Option<i64>,
    /// The `[run]` settings: not the lints', carried to the runtime with
    /// the set (they change how it runs, not what the checks say).
    pub run: RunSettings,
    /// `[drift] ignore`: kinds of objects or objects `sqlstrata drift`
    /// leaves out (with its `--ignore` flags).
    pub drift_ignore: Vec<String>,
    /// `[schema]`: the build-time model of the schema (see [`crate::schema`]).
    pub schema: SchemaConfig,
}

/// `[schema]` in `sqlstrata.toml`:
///
/// ```toml
/// [schema]
/// check = true                                   # false: names are not checked at all
/// external = ["auth.users", "__diesel_schema_migrations", "legacy_*"]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaConfig {
    /// Whether the migrations' names are checked against the model.
    #[serde(default = "yes")]
    pub check: bool,
    /// Objects made outside the migrations (`name`, `schema.name`, or a
    /// prefix ending in `*`): never an error.
    #[serde(default)]
    pub external: Vec<String>,
}

fn yes() -> bool {
    true
}

impl Default for SchemaConfig {
    fn default() -> Self {
        SchemaConfig {
            check: true,
            external: Vec::new(),
        }
    }
}

impl Default for LintConfig {
    fn default() -> Self {
        LintConfig {
            pg: 13,
            deny: Vec::new(),
            allow: Vec::new(),
            warn: Vec::new(),
            tracking_table: "schema_migrations".to_string(),
            from: None,
            run: RunSettings::default(),
            drift_ignore: Vec::new(),
            schema: SchemaConfig::default(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    lints: Lints,
    #[serde(default)]
    run: Run,
    #[serde(default)]
    drift: Drift,
    #[serde(default)]
    schema: SchemaConfig,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Drift {
    #[serde(default)]
    ignore: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Run {
    lock_timeout: Option<String>,
    statement_timeout: Option<String>,
    lock_retry_budget: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Lints {
    pg: Option<u32>,
    #[serde(default)]
    deny: Vec<String>,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    warn: Vec<String>,
    tracking_table: Option<String>,
    from: Option<i64>,
}

impl LintConfig {
    /// Reads `dir/sqlstrata.toml`; the defaults when there is none. Problems
    /// are error diagnostics on the file (`shown` names it).
    pub fn read(dir: &Path, shown: &str) -> (LintConfig, Vec<Diagnostic>) {
        match std::fs::read_to_string(dir.join(FILE_NAME)) {
            Ok(text) => LintConfig::parse(&text, shown),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                (LintConfig::default(), Vec::new())
            }
            Err(e) => (
                LintConfig::default(),
                vec![Diagnostic::file(
                    Severity::Error,
                    "config",
                    shown,
                    format!("cannot read it: {e}"),
                )],
            ),
        }
    }

    /// Parses the file's text.
    ///
    /// ```
    /// use sqlstrata_core::config::LintConfig;
    /// let (c, problems) = LintConfig::parse("[lints]\npg = 15\ndeny = [\"renaming-column\"]\n", "sqlstrata.toml");
    /// assert!(problems.is_empty());
    /// assert_eq!((c.pg, c.deny.as_slice()), (15, &["renaming-column".to_string()][..]));
    /// let (_, problems) = LintConfig::parse("[lints]\nallow = [\"renaming-colum\"]\n", "sqlstrata.toml");
    /// assert!(problems[0].message.contains("renaming-colum"));
    /// ```
    pub fn parse(text: &str, shown: &str) -> (LintConfig, Vec<Diagnostic>) {
        let file: File = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                return (
                    LintConfig::default(),
                    vec![
                        Diagnostic::file(
                            Severity::Error,
                            "config",
                            shown,
                            format!("invalid settings: {}", e.message()),
                        )
                        .with_help(format!(
                            "the keys are `[lints]` `pg`, `deny`, `allow`, `warn`, `tracking_table` and `from`, `[run]` `lock_timeout`, `statement_timeout` and `lock_retry_budget`, `[drift]` `ignore`, and `[schema]` `check` and `external`; see {FILE_NAME} in the README"
                        )),
                    ],
                );
            }
        };
        let defaults = LintConfig::default();
        let mut problems = Vec::new();
        let mut duration = |key: &str, value: Option<String>| {
            let text = value?;
            let parsed = crate::directives::parse_duration(&text);
            if parsed.is_none() {
                problems.push(
                    Diagnostic::file(
                        Severity::Error,
                        "config",
                        shown,
                        format!("`{key} = \"{text}\"` in `[run]` is not a duration"),
                    )
                    .with_help("write it as `500ms`, `10s`, `5m` or `1h 30m`; `0` for no bound"),
                );
            }
            parsed
        };
        let run = RunSettings {
            bounds: Bounds {
                lock_timeout: duration("lock_timeout", file.run.lock_timeout),
                statement_timeout: duration("statement_timeout", file.run.statement_timeout),
            },
            lock_retry_budget: duration("lock_retry_budget", file.run.lock_retry_budget),
        };
        let config = LintConfig {
            pg: file.lints.pg.unwrap_or(defaults.pg),
            deny: file.lints.deny,
            allow: file.lints.allow,
            warn: file.lints.warn,
            tracking_table: file.lints.tracking_table.unwrap_or(defaults.tracking_table),
            from: file.lints.from,
            run,
            drift_ignore: file.drift.ignore,
            schema: file.schema,
        };
        for (list, names) in [
            ("deny", &config.deny),
            ("allow", &config.allow),
            ("warn", &config.warn),
        ] {
            for name in names {
                match rules::configurable(name) {
                    Some(_) => {}
                    None => problems.push(
                        Diagnostic::file(
                            Severity::Error,
                            "config",
                            shown,
                            format!("`{name}` in `{list}` is not a rule that can be configured"),
                        )
                        .with_help(format!(
                            "the rules are {} and squawk's opt-in rules by their names",
                            rules::RULES
                                .iter()
                                .filter(|r| r.level != Level::Error)
                                .map(|r| format!("`{}`", r.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    ),
                }
            }
        }
        if !(9..=99).contains(&config.pg) {
            problems.push(Diagnostic::file(
                Severity::Error,
                "config",
                shown,
                format!("`pg = {}` is not a PostgreSQL major version", config.pg),
            ));
        }
        (config, problems)
    }

    /// The severity `rule` has in the migration of `version`: none for a
    /// lint (not an error) in the history up to the baseline (`from`).
    pub fn severity_at(&self, rule: &Rule, version: i64) -> Option<Severity> {
        if rule.level != Level::Error && self.from.is_some_and(|f| version <= f) {
            return None;
        }
        self.severity(rule)
    }

    /// The severity `rule` has under these settings; `None` when it is off.
    pub fn severity(&self, rule: &Rule) -> Option<Severity> {
        let listed = |list: &[String]| list.iter().any(|n| n == rule.name);
        match rule.level {
            Level::Error => Some(Severity::Error),
            _ if listed(&self.allow) => None,
            _ if listed(&self.deny) => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::OptIn if listed(&self.warn) => Some(Severity::Warning),
            Level::OptIn => None,
            Level::Deny => Some(Severity::Error),
        }
    }

    /// What the results of checking a file depend on, for the cache key.
    pub fn key(&self) -> String {
        format!(
            "pg={};deny={};allow={};warn={};table={};from={:?};schema={:?}",
            self.pg,
            self.deny.join(","),
            self.allow.join(","),
            self.warn.join(","),
            self.tracking_table,
            self.from,
            self.schema
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_run_settings_read_as_durations_and_a_bad_one_is_an_error() {
        let (c, problems) = LintConfig::parse(
            "[run]\nlock_timeout = \"250ms\"\nstatement_timeout = \"0\"\nlock_retry_budget = \"2m\"\n",
            "m/sqlstrata.toml",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            c.run,
            RunSettings {
                bounds: Bounds {
                    lock_timeout: Some(Duration::from_millis(250)),
                    statement_timeout: Some(Duration::ZERO),
                },
                lock_retry_budget: Some(Duration::from_secs(120)),
            }
        );
        assert_eq!(
            c.key(),
            LintConfig::default().key(),
            "not what a check depends on"
        );
        let (c, problems) =
            LintConfig::parse("[run]\nlock_timeout = \"soon\"\n", "m/sqlstrata.toml");
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.contains("`lock_timeout = \"soon\"`"),
            "{}",
            problems[0].message
        );
        assert_eq!(c.run.bounds.lock_timeout, None);
        let (_, problems) = LintConfig::parse("[run]\nlock_wait = \"1s\"\n", "m/sqlstrata.toml");
        assert_eq!(problems.len(), 1, "an unknown key is an error");
    }
}
