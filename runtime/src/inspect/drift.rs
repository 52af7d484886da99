//! Drift: is a live database what its migrations say it is?
//!
//! The target's history is read (only read: nothing is written there), the
//! migrations it says are applied are replayed on an empty scratch
//! database, and the two catalog snapshots (`crate::inspect::catalog`, the one
//! `verify` takes) are compared. Every difference is named with its object,
//! as it is in the database and as the migrations make it, with a line
//! diff of definitions and bodies.

use std::fmt;

use crate::error::Error;
use crate::history::identity::Resolution;
use crate::history::identity::resolve;
use crate::history::read::read;
use crate::inspect::catalog::{self, Entry, Snapshot};
use crate::options::Options;
use crate::plan::history::History;
use crate::plan::{Operation, plan};
use crate::run::{Progress, execute};
use crate::session::Session;
use crate::{Migration, Migrations};

/// One object that differs: see [`DriftReport`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Difference {
    /// The object: its kind and name (`column public.users.email`,
    /// `index public.users_email`, `function public.f(integer)`).
    pub object: String,
    /// What defines it in the database (`None`: not there).
    pub in_database: Option<String>,
    /// What defines it as the migrations make it (`None`: they do not).
    pub from_migrations: Option<String>,
    /// For a definition or a body that differs: a line diff, `-` lines as
    /// in the database, `+` lines from the migrations.
    pub diff: Option<String>,
}

impl Difference {
    /// The kind of object (the first word of [`Difference::object`], as
    /// `--ignore` names kinds).
    ///
    /// ```
    /// # let d = sqlstrata::drift::Difference::example();
    /// assert_eq!(d.kind(), "index");
    /// ```
    pub fn kind(&self) -> &str {
        self.object.split(' ').next().unwrap_or("")
    }

    /// A difference for examples: an index made by hand.
    #[doc(hidden)]
    pub fn example() -> Difference {
        Difference {
            object: "index public.users_email".into(),
            in_database: Some(": CREATE INDEX users_email ON public.users (email)".into()),
            from_migrations: None,
            diff: None,
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |d: &str| d.trim_start_matches(':').trim().to_string();
        match (&self.in_database, &self.from_migrations) {
            (Some(d), None) => {
                writeln!(f, "{}: in the database only", self.object)?;
                if !shown(d).is_empty() {
                    writeln!(f, "    in the database:   {}", shown(d))?;
                }
            }
            (None, Some(m)) => {
                writeln!(f, "{}: missing from the database", self.object)?;
                if !shown(m).is_empty() {
                    writeln!(f, "    from the migrations: {}", shown(m))?;
                }
            }
            (d, m) => {
                writeln!(f, "{}: differs", self.object)?;
                writeln!(
                    f,
                    "    in the database:     {}",
                    d.as_deref().map(shown).unwrap_or_default()
                )?;
                writeln!(
                    f,
                    "    from the migrations: {}",
                    m.as_deref().map(shown).unwrap_or_default()
                )?;
            }
        }
        if let Some(diff) = &self.diff {
            for line in diff.lines() {
                writeln!(f, "      {line}")?;
            }
        }
        Ok(())
    }
}

/// What `drift` found: see [`crate::Migrator::drift`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DriftReport {
    /// The versions the target's history says are applied (replayed).
    pub applied: Vec<i64>,
    /// The repeatable migrations replayed (those the target recorded with
    /// their file's current checksum; a changed one is pending, not drift).
    pub repeatables: Vec<String>,
    /// Every object that differs, by object.
    pub differences: Vec<Difference>,
    /// How many objects were compared (in either database).
    pub compared: usize,
}

impl DriftReport {
    /// Whether the database is what its migrations say.
    ///
    /// ```
    /// assert!(sqlstrata::drift::DriftReport::default().is_clean());
    /// ```
    pub fn is_clean(&self) -> bool {
        self.differences.is_empty()
    }
}

impl fmt::Display for DriftReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.differences {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// The migrations the target's `history` says are applied: its versions,
/// and the repeatables it recorded with their current checksum.
fn replayed(set: &Migrations, history: &History) -> Migrations {
    let mut chosen: Vec<Migration> = set
        .iter()
        .filter(|m| history.rows.iter().any(|r| r.version == m.version()))
        .cloned()
        .collect();
    chosen.extend(
        set.repeatables()
            .iter()
            .filter(|m| {
                history
                    .repeatables
                    .iter()
                    .any(|r| r.name == m.name() && r.checksum == m.checksum_hex())
            })
            .cloned(),
    );
    Migrations::new(chosen)
}

/// The differences between `database` and `migrations`, by object.
fn compare(database: &Snapshot, migrations: &Snapshot) -> Vec<Difference> {
    let mut keys: Vec<&String> = database.0.keys().chain(migrations.0.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let d = database.0.get(key);
            let m = migrations.0.get(key);
            if d == m {
                return None;
            }
            let diff = match (d, m) {
                (Some(Entry { body: Some(a), .. }), Some(Entry { body: Some(b), .. }))
                    if a != b =>
                {
                    Some(line_diff(a, b))
                }
                _ => None,
            };
            Some(Difference {
                object: key.clone(),
                in_database: d.map(|e| e.detail.clone()),
                from_migrations: m.map(|e| e.detail.clone()),
                diff,
            })
        })
        .collect()
}

/// `-` lines as in the database, `+` lines from the migrations, with the
/// unchanged lines around them.
fn line_diff(database: &str, migrations: &str) -> String {
    let diff = similar::TextDiff::from_lines(database, migrations);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => "-",
            similar::ChangeTag::Insert => "+",
            similar::ChangeTag::Equal => " ",
        };
        out.push_str(sign);
        out.push(' ');
        out.push_str(change.value().trim_end_matches('\n'));
        out.push('\n');
    }
    out
}

/// A database's applied history, read by [`crate::Migrator::drift_history`]:
/// what a replay starts from. Two databases with the same history have
/// the same [`digest`](AppliedHistory::digest), so a fleet replays each
/// distinct history once.
#[derive(Debug, Clone)]
pub struct AppliedHistory(pub(crate) History);

impl AppliedHistory {
    /// The digest of the history's rows (versions, checksums, states and
    /// the repeatables' records), hex.
    pub fn digest(&self) -> String {
        self.0.digest()
    }
}

/// What a history's migrations made of an empty database, made by
/// [`crate::Migrator::drift_replay`]: compared with each database of that
/// history by [`crate::Migrator::drift_against`].
#[derive(Debug, Clone)]
pub struct Replay {
    pub(crate) snapshot: Snapshot,
    pub(crate) subset: Migrations,
}

/// The target's history, read (only read) and checked: it must be this
/// set's before it can be replayed (no failed, changed or unknown
/// migration).
pub(crate) async fn history<T: Session>(
    target: &mut T,
    set: &Migrations,
    options: &Options,
) -> Result<History, Error> {
    crate::history::identity::check_name(&options.tracking)?;
    let history = match resolve(target, options).await? {
        Resolution::Existing(id) => read(target, set, &id).await?,
        Resolution::Create(_) => History::default(),
    };
    plan(set, &history, &Operation::Up { to: None }, options)?;
    if let Some(row) = history.rows.iter().find(|r| set.get(r.version).is_none()) {
        return Err(Error::MissingMigration {
            version: row.version,
            name: row.name.clone(),
        });
    }
    Ok(history)
}

/// What the migrations `history` says are applied make of the empty
/// database behind `scratch`: its snapshot, and what was replayed.
pub(crate) async fn replay<S: Session>(
    scratch: &mut S,
    set: &Migrations,
    history: &History,
    options: &Options,
    progress: Progress<'_>,
) -> Result<(Snapshot, Migrations), Error> {
    let objects = catalog::snapshot(scratch, options).await?.beyond_new();
    if !objects.is_empty() {
        return Err(Error::NotEmpty { objects });
    }
    let subset = replayed(set, history);
    if !subset.is_empty() || !subset.repeatables().is_empty() {
        execute(
            scratch,
            &subset,
            Operation::Up { to: None },
            options,
            progress,
        )
        .await?;
    }
    Ok((catalog::snapshot(scratch, options).await?, subset))
}

/// The report of the database behind `target` against `migrations` (what
/// [`replay`] made of `subset`).
pub(crate) async fn against<T: Session>(
    target: &mut T,
    migrations: &Snapshot,
    subset: &Migrations,
    options: &Options,
    ignore: &[String],
) -> Result<DriftReport, Error> {
    // The lease table is the runner's, whichever lock each side used.
    let mut ignore = ignore.to_vec();
    ignore.push(format!("{}_lock", options.tracking.name));
    ignore.push(format!("{}_lock_pkey", options.tracking.name));
    let database = catalog::snapshot(target, options).await?.without(&ignore);
    let migrations = migrations.clone().without(&ignore);
    let mut compared: Vec<&String> = database.0.keys().chain(migrations.0.keys()).collect();
    compared.sort();
    compared.dedup();
    Ok(DriftReport {
        applied: subset.iter().map(Migration::version).collect(),
        repeatables: subset
            .repeatables()
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
        compared: compared.len(),
        differences: compare(&database, &migrations),
    })
}

/// Compares the database behind `target` with what the migrations its
/// history says are applied build on the empty database behind `scratch`.
pub(crate) async fn run<T: Session, S: Session>(
    target: &mut T,
    scratch: &mut S,
    set: &Migrations,
    options: &Options,
    ignore: &[String],
    progress: Progress<'_>,
) -> Result<DriftReport, Error> {
    let history = history(target, set, options).await?;
    let (migrations, subset) = replay(scratch, set, &history, options, progress).await?;
    against(target, &migrations, &subset, options, ignore).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn snapshot(entries: &[(&str, &str, Option<&str>)]) -> Snapshot {
        Snapshot(
            entries
                .iter()
                .map(|(k, d, b)| {
                    (
                        k.to_string(),
                        Entry {
                            detail: d.to_string(),
                            body: b.map(str::to_string),
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[test]
    fn differences_are_named_by_object_with_both_sides_and_a_diff_of_bodies() {
        let db = snapshot(&[
            ("table public.t", "", None),
            ("column public.t.a", " integer NOT NULL", None),
            (
                "index public.t_hotfix",
                ": CREATE INDEX t_hotfix ON public.t (a)",
                None,
            ),
            (
                "function public.f()",
                " returns integer, volatile, body md5 1",
                Some("BEGIN\n  RETURN 2;\nEND\n"),
            ),
        ]);
        let migrations = snapshot(&[
            ("table public.t", "", None),
            ("column public.t.a", " integer", None),
            ("column public.t.b", " text", None),
            (
                "function public.f()",
                " returns integer, volatile, body md5 2",
                Some("BEGIN\n  RETURN 1;\nEND\n"),
            ),
        ]);
        let found = compare(&db, &migrations);
        let names: Vec<&str> = found.iter().map(|d| d.object.as_str()).collect();
        assert_eq!(
            names,
            [
                "column public.t.a",
                "column public.t.b",
                "function public.f()",
                "index public.t_hotfix"
            ]
        );
        assert_eq!(found[0].in_database.as_deref(), Some(" integer NOT NULL"));
        assert_eq!(found[0].from_migrations.as_deref(), Some(" integer"));
        assert_eq!(found[1].in_database, None);
        assert_eq!(
            found[2].diff.as_deref(),
            Some("  BEGIN\n-   RETURN 2;\n+   RETURN 1;\n  END\n")
        );
        assert_eq!(found[3].kind(), "index");
        let text = found[3].to_string();
        assert!(
            text.starts_with("index public.t_hotfix: in the database only\n"),
            "{text}"
        );
        assert!(found[1].to_string().contains("missing from the database"));
        assert!(
            found[0]
                .to_string()
                .contains("from the migrations: integer\n")
        );
        assert!(compare(&db, &db).is_empty());
    }
}
