//! Directives: comments in sqlstrata's own namespace (`-- sqlstrata: ...`),
//! so that no ordinary comment can trip them.

use std::fmt;
use std::time::Duration;

/// One directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// `no-transaction`: run the migration's statements one by one outside a transaction.
    NoTransaction,
    /// `irreversible`: the migration has no DOWN section and cannot be rolled back.
    Irreversible,
    /// `post-deploy`: applied by `up --phase post`, once the new code serves
    /// every request (header only).
    PostDeploy,
    /// `unchecked`: do not validate the next statement (PostgreSQL accepts it, sqlparser does not).
    Unchecked,
    /// `allow(NAME)`: silence a lint for the file or the next statement.
    Allow(&'static str),
    /// `squashes 001..120,125`: this baseline holds the schema of those
    /// versions (written by `sqlstrata squash`; header only).
    Squashes(Vec<i64>),
    /// `lock-timeout 10s`: how long each statement of the migration may wait
    /// for a lock (`0`: no bound); header only.
    LockTimeout(Duration),
    /// `statement-timeout 30m`: how long each statement of the migration may
    /// run (`0`: no bound); header only.
    StatementTimeout(Duration),
}

/// A comment in the `sqlstrata:` namespace that is not a known directive
/// (with why, when it names one but its value does not read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDirective(pub String, pub Option<&'static str>);

impl fmt::Display for UnknownDirective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(why) => write!(f, "unreadable directive `{}`: {why}", self.0),
            None => write!(f, "unknown directive `{}`", self.0),
        }
    }
}

/// The help text listing what is known.
pub fn known_directives_help() -> String {
    "known directives: `no-transaction`, `irreversible`, `post-deploy`, `unchecked`, `squashes A..B,C`, `lock-timeout DURATION`, \
     `statement-timeout DURATION` (`500ms`, `10s`, `30m`; `0` for none), `allow(NAME)` with NAME a rule's name \
     (the README's table of rules lists them; `sqlstrata check` names the rule of every warning)"
        .to_string()
}

/// Reads a comment: `None` when it is not in the `sqlstrata:` namespace.
///
/// ```
/// use sqlstrata_core::directives::{parse_comment, Directive};
/// assert_eq!(parse_comment("-- sqlstrata: no-transaction"), Some(Ok(Directive::NoTransaction)));
/// assert!(parse_comment("-- sqlstrata: no-transacton").unwrap().is_err());
/// assert_eq!(parse_comment("-- an ordinary comment"), None);
/// ```
pub fn parse_comment(comment: &str) -> Option<Result<Directive, UnknownDirective>> {
    let body = comment.strip_prefix("--")?.trim();
    let rest = body
        .get(..10)
        .filter(|p| p.eq_ignore_ascii_case("sqlstrata:"))
        .map(|_| body[10..].trim())?;
    let directive = match rest {
        "no-transaction" => Directive::NoTransaction,
        "irreversible" => Directive::Irreversible,
        "post-deploy" => Directive::PostDeploy,
        "unchecked" => Directive::Unchecked,
        other if other.starts_with("squashes ") => match parse_versions(&other[9..]) {
            Some(list) => Directive::Squashes(list),
            None => {
                return Some(Err(UnknownDirective(
                    other.to_string(),
                    Some("the versions read as `001..120,125`, ascending"),
                )));
            }
        },
        other if other.starts_with("lock-timeout ") => match parse_duration(&other[13..]) {
            Some(d) => Directive::LockTimeout(d),
            None => return Some(Err(UnknownDirective(other.to_string(), Some(DURATION)))),
        },
        other if other.starts_with("statement-timeout ") => match parse_duration(&other[18..]) {
            Some(d) => Directive::StatementTimeout(d),
            None => return Some(Err(UnknownDirective(other.to_string(), Some(DURATION)))),
        },
        other => {
            let lint = other
                .strip_prefix("allow(")
                .and_then(|r| r.strip_suffix(')'))
                .map(str::trim)
                .and_then(crate::rules::configurable);
            match lint {
                Some(rule) => Directive::Allow(rule.name),
                None => return Some(Err(UnknownDirective(other.to_string(), None))),
            }
        }
    };
    Some(Ok(directive))
}

/// What a time bound must look like.
const DURATION: &str =
    "a time bound is a duration such as `500ms`, `10s`, `30m` or `1h 30m`, or `0` for none";

/// A time bound as written in a directive or `sqlstrata.toml`: `500ms`,
/// `10s`, `30m`, `1h 30m`; `0` or `none` for no bound.
///
/// ```
/// use std::time::Duration;
/// use sqlstrata_core::directives::parse_duration;
/// assert_eq!(parse_duration("1m 30s"), Some(Duration::from_secs(90)));
/// assert_eq!(parse_duration("none"), Some(Duration::ZERO));
/// assert_eq!(parse_duration("10"), None);
/// ```
pub fn parse_duration(text: &str) -> Option<Duration> {
    match text.trim() {
        "none" => Some(Duration::ZERO),
        t => humantime::parse_duration(t).ok(),
    }
}

/// `001..003,007`: the versions 1, 2, 3 and 7, in order; `None` when it
/// does not read.
///
/// ```
/// use sqlstrata_core::directives::{format_versions, parse_versions};
/// assert_eq!(parse_versions("001..003, 007"), Some(vec![1, 2, 3, 7]));
/// assert_eq!(format_versions(&[1, 2, 3, 7, 20240101]), "001..003,007,20240101");
/// assert_eq!(parse_versions("3..1"), None);
/// ```
pub fn parse_versions(text: &str) -> Option<Vec<i64>> {
    let mut out = Vec::new();
    for item in text.split(',') {
        let item = item.trim();
        let (a, b) = item.split_once("..").unwrap_or((item, item));
        let (a, b): (i64, i64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        if b < a || b - a > 1_000_000 || out.last().is_some_and(|l| *l >= a) {
            return None;
        }
        out.extend(a..=b);
    }
    (!out.is_empty()).then_some(out)
}

/// The versions as [`parse_versions`] reads them, runs of consecutive
/// numbers as ranges.
pub fn format_versions(versions: &[i64]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < versions.len() {
        let start = versions[i];
        let mut end = start;
        while i + 1 < versions.len() && versions[i + 1] == end + 1 {
            i += 1;
            end = versions[i];
        }
        parts.push(if start == end {
            format!("{start:03}")
        } else {
            format!("{start:03}..{end:03}")
        });
        i += 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_directives() {
        for (c, d) in [
            ("-- sqlstrata: no-transaction", Directive::NoTransaction),
            ("--sqlstrata:irreversible", Directive::Irreversible),
            ("-- SQLSTRATA: unchecked", Directive::Unchecked),
            (
                "-- sqlstrata: allow(missing-down)",
                Directive::Allow("missing-down"),
            ),
            (
                "-- sqlstrata: allow( renaming-column )",
                Directive::Allow("renaming-column"),
            ),
            (
                "-- sqlstrata: allow(prefer-bigint-over-int)",
                Directive::Allow("prefer-bigint-over-int"),
            ),
            (
                "-- sqlstrata: lock-timeout 10s",
                Directive::LockTimeout(Duration::from_secs(10)),
            ),
            (
                "-- sqlstrata: statement-timeout 0",
                Directive::StatementTimeout(Duration::ZERO),
            ),
            (
                "-- sqlstrata: statement-timeout 1h 30m",
                Directive::StatementTimeout(Duration::from_secs(5400)),
            ),
        ] {
            assert_eq!(parse_comment(c), Some(Ok(d)), "{c}");
        }
    }

    #[test]
    fn typos_are_unknown_not_ignored() {
        for c in [
            "-- sqlstrata: no_transaction",
            "-- sqlstrata: allow(missing_down)",
            "-- sqlstrata: allow(syntax)",
            "-- sqlstrata: uncheked",
            "-- sqlstrata:",
            "-- sqlstrata: lock-timeout",
            "-- sqlstrata: lock-timeout 10",
            "-- sqlstrata: lock-timeout ten seconds",
            "-- sqlstrata: statement_timeout 1s",
        ] {
            assert!(matches!(parse_comment(c), Some(Err(_))), "{c}");
        }
    }

    #[test]
    fn squashes_reads_ranges_and_lists_and_refuses_the_rest() {
        assert_eq!(
            parse_comment("-- sqlstrata: squashes 001..003,007"),
            Some(Ok(Directive::Squashes(vec![1, 2, 3, 7])))
        );
        assert_eq!(parse_versions("5"), Some(vec![5]));
        // Timestamps as versions; a span of up to a million.
        assert_eq!(
            parse_versions("20240101..20240103"),
            Some(vec![20240101, 20240102, 20240103])
        );
        assert_eq!(
            parse_versions("1..1000001").map(|v| v.len()),
            Some(1_000_001)
        );
        assert_eq!(parse_versions("1000000..2000001"), None);
        for bad in [
            "3..1",
            "1..2000000",
            "5,3",
            "1..3,3",
            "1..3,2..4",
            "",
            "a",
            "1..",
        ] {
            assert_eq!(parse_versions(bad), None, "{bad}");
        }
        assert_eq!(
            parse_comment("-- sqlstrata: squashes 3..1"),
            Some(Err(UnknownDirective(
                "squashes 3..1".into(),
                Some("the versions read as `001..120,125`, ascending")
            )))
        );
        assert_eq!(format_versions(&[1, 3, 4]), "001,003..004");
    }

    #[test]
    fn a_bound_that_does_not_read_says_why() {
        let Some(Err(e)) = parse_comment("-- sqlstrata: lock-timeout soon") else {
            panic!("not an error");
        };
        assert_eq!(
            e.to_string(),
            format!("unreadable directive `lock-timeout soon`: {DURATION}")
        );
    }

    #[test]
    fn the_messages_name_the_directive_and_every_known_one() {
        assert_eq!(
            UnknownDirective("uncheked".into(), None).to_string(),
            "unknown directive `uncheked`"
        );
        let help = known_directives_help();
        for known in [
            "`no-transaction`",
            "`irreversible`",
            "`unchecked`",
            "`squashes A..B,C`",
            "`lock-timeout DURATION`",
            "`statement-timeout DURATION`",
            "`allow(NAME)`",
        ] {
            assert!(help.contains(known), "{help}");
        }
    }

    #[test]
    fn other_comments_are_not_directives() {
        assert_eq!(parse_comment("-- sqlstratum: x"), None);
        assert_eq!(parse_comment("-- note: sqlstrata: unchecked"), None);
    }
}
