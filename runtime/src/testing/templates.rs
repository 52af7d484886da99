//! Template databases: one per migration set, named from its fingerprint,
//! and their sweep.
//!
//! Every change to a migration makes a new set, so a new template: a full
//! copy of the schema left on the test server. Each template records when a
//! run last used it (in its database comment), and a run that uses one holds
//! a shared advisory lock on it for as long as it lives. The sweep keeps the
//! most recently used few and drops the others that have not been used for
//! a while, never one whose lock it cannot take.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::error::TestDbError;
use crate::error::DbError;

/// The advisory-lock namespace of templates in use (shared by every run
/// using one; the sweep needs it exclusively).
pub(crate) const IN_USE_NS: i32 = 0x5353;

/// The prefix of every template's name.
pub(crate) const PREFIX: &str = "sqlstrata_tpl_";

/// The name of the template of a set with this fingerprint (hex).
pub(crate) fn name(fingerprint: &str) -> String {
    format!("{PREFIX}{}", &fingerprint[..fingerprint.len().min(24)])
}

/// The advisory-lock key of a template, from its name.
pub(crate) fn key(name: &str) -> i32 {
    let hex = name.strip_prefix(PREFIX).unwrap_or(name);
    i32::from_str_radix(&hex[..hex.len().min(7)], 16).unwrap_or(0)
}

/// The comment recording a use now.
pub(crate) fn used_now_comment() -> String {
    format!("sqlstrata template; last used {}", now_secs())
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// When a template was last used, from its comment (0 when it has none).
fn last_used(comment: Option<&str>) -> u64 {
    comment
        .and_then(|c| c.rsplit_once("last used "))
        .and_then(|(_, secs)| secs.trim().parse().ok())
        .unwrap_or(0)
}

/// Which templates [`sweep_templates`] keeps.
///
/// ```
/// use std::time::Duration;
/// let policy = sqlstrata::testing::SweepPolicy::default().keep(5).idle(Duration::from_secs(600));
/// assert_eq!(policy.kept(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SweepPolicy {
    keep: usize,
    idle: Duration,
}

impl Default for SweepPolicy {
    /// The 3 most recently used templates are kept; the others go once
    /// unused for an hour. `SQLSTRATA_KEEP_TEMPLATES` and
    /// `SQLSTRATA_TEMPLATE_IDLE_SECS` change both for the sweep a test run
    /// makes when it starts.
    fn default() -> Self {
        SweepPolicy {
            keep: 3,
            idle: Duration::from_secs(3600),
        }
    }
}

impl SweepPolicy {
    /// How many of the most recently used templates are always kept.
    pub fn keep(mut self, count: usize) -> Self {
        self.keep = count;
        self
    }

    /// How long a template beyond those must have gone unused to be dropped.
    pub fn idle(mut self, idle: Duration) -> Self {
        self.idle = idle;
        self
    }

    /// The number of templates always kept.
    pub fn kept(&self) -> usize {
        self.keep
    }

    /// The default, changed by `SQLSTRATA_KEEP_TEMPLATES` and
    /// `SQLSTRATA_TEMPLATE_IDLE_SECS` when set.
    pub fn from_env() -> Self {
        let var = |k: &str| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let mut policy = SweepPolicy::default();
        if let Some(keep) = var("SQLSTRATA_KEEP_TEMPLATES") {
            policy.keep = usize::try_from(keep).unwrap_or(usize::MAX);
        }
        if let Some(secs) = var("SQLSTRATA_TEMPLATE_IDLE_SECS") {
            policy.idle = Duration::from_secs(secs);
        }
        policy
    }
}

/// Drops the template databases of old migration sets on the server `admin`
/// is connected to, as `policy` says, and returns their names. A template
/// in use by a live run (test binaries running now, on this machine or
/// another) is never dropped; nor is anything not named `sqlstrata_tpl_…`.
///
/// Every test run sweeps with [`SweepPolicy::from_env`] when its first
/// [`TestDb`](super::TestDb) is made; call this to sweep by hand (a CI job's
/// cleanup step, a shared development server).
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use sqlstrata::testing::{sweep_templates, Server, SweepPolicy};
/// let server = Server::shared()?;
/// let mut admin = postgres::Client::connect(server.admin_url(), postgres::NoTls)?;
/// for dropped in sweep_templates(&mut admin, SweepPolicy::default().keep(1))? {
///     println!("dropped {dropped}");
/// }
/// # Ok(()) }
/// ```
pub fn sweep_templates(
    admin: &mut postgres::Client,
    policy: SweepPolicy,
) -> Result<Vec<String>, TestDbError> {
    let failed = |doing: &'static str| {
        move |e: postgres::Error| TestDbError::Database {
            doing: doing.to_string(),
            source: DbError::from_postgres(&e),
        }
    };
    let rows = admin
        .query(
            "SELECT datname::text, shobj_description(oid, 'pg_database') FROM pg_database \
             WHERE datname ~ '^sqlstrata_tpl_[0-9a-f]+$'",
            &[],
        )
        .map_err(failed("listing the templates"))?;
    let mut templates: Vec<(String, u64)> = rows
        .iter()
        .filter_map(|r| {
            let name: String = r.try_get(0).ok()?;
            let comment: Option<String> = r.try_get(1).ok()?;
            Some((name, last_used(comment.as_deref())))
        })
        .collect();
    // Most recently used first; the name breaks ties, for a stable order.
    templates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let now = now_secs();
    let mut dropped = Vec::new();
    for (name, used) in templates.into_iter().skip(policy.keep) {
        if now.saturating_sub(used) < policy.idle.as_secs() {
            continue;
        }
        let key = key(&name);
        let free: bool = admin
            .query_one(
                &format!("SELECT pg_try_advisory_lock({IN_USE_NS}, {key})"),
                &[],
            )
            .map_err(failed("locking a template"))?
            .try_get(0)
            .unwrap_or(false);
        if !free {
            continue;
        }
        // Two statements: DROP DATABASE refuses a multi-statement string.
        let result = admin
            .batch_execute(&format!("ALTER DATABASE \"{name}\" IS_TEMPLATE false"))
            .and_then(|()| {
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            })
            .map_err(failed("dropping a template"));
        let _ = admin.batch_execute(&format!("SELECT pg_advisory_unlock({IN_USE_NS}, {key})"));
        result?;
        dropped.push(name);
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keys_and_comments() {
        let fp = "0123456789abcdef0123456789abcdef";
        assert_eq!(name(fp), "sqlstrata_tpl_0123456789abcdef01234567");
        assert_eq!(key(&name(fp)), 0x0123456);
        assert_eq!(
            last_used(Some("sqlstrata template; last used 1700000000")),
            1_700_000_000
        );
        assert_eq!(last_used(Some("something else")), 0);
        assert_eq!(last_used(None), 0);
        assert!(last_used(Some(&used_now_comment())) >= now_secs() - 1);
    }
}
