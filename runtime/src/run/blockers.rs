//! Who a statement waited for.
//!
//! When PostgreSQL cancels a statement at its `lock_timeout`, the statement
//! no longer waits, so `pg_blocking_pids()` has nothing to say about it
//! afterwards and the run has only its one connection to ask with. What it
//! can ask: which other sessions hold (or wait for) a lock on a relation the
//! statement names. Those are the sessions that made it wait (a DDL
//! statement's `ACCESS EXCLUSIVE` conflicts with every lock; a weaker one
//! may share with some of them), listed oldest transaction first: a report
//! left open, a connection idle in a transaction.

use std::time::Duration;

use crate::error::Blocker;
use crate::options::{quote_ident, quote_literal};
use crate::session::Rows;

/// The names in `sql` that may be relations, each as `to_regclass` reads it
/// (`"s"."t"`): every identifier, alone and with the one before a dot.
/// Strings, comments and dollar quotes are skipped. At most 64.
pub(crate) fn relation_names(sql: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut chain: Vec<String> = Vec::new();
    let b = sql.as_bytes();
    let mut i = 0;
    let mut after_dot = false;
    let push = |names: &mut Vec<String>, chain: &[String]| {
        if let Some(last) = chain.last() {
            let one = quote_ident(last);
            if !names.contains(&one) {
                names.push(one);
            }
            if chain.len() >= 2 {
                let two = format!(
                    "{}.{}",
                    quote_ident(&chain[chain.len() - 2]),
                    quote_ident(last)
                );
                if !names.contains(&two) {
                    names.push(two);
                }
            }
        }
    };
    while i < b.len() && names.len() < 64 {
        let c = b[i];
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            continue;
        }
        if c == b'\'' {
            // A string; `E'..'` escapes with backslashes, which skipping the
            // next byte handles for both forms well enough here.
            let escapes = i > 0 && matches!(b[i - 1], b'e' | b'E');
            i += 1;
            while i < b.len() {
                if escapes && b[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            chain.clear();
            continue;
        }
        if c == b'$' {
            // A dollar quote `$tag$ ... $tag$` (a parameter `$1` is not one).
            let tag_end = sql[i + 1..]
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .map(|n| i + 1 + n);
            if let Some(end) = tag_end
                && b[end] == b'$'
                && !b[i + 1].is_ascii_digit()
            {
                let tag = &sql[i..=end];
                match sql[end + 1..].find(tag) {
                    Some(close) => i = end + 1 + close + tag.len(),
                    None => i = b.len(),
                }
                chain.clear();
                continue;
            }
            i += 1;
            continue;
        }
        if c == b'"' {
            let mut ident = String::new();
            i += 1;
            while i < b.len() {
                if b[i] == b'"' {
                    if b.get(i + 1) == Some(&b'"') {
                        ident.push('"');
                        i += 2;
                        continue;
                    }
                    break;
                }
                let ch = sql[i..].chars().next().unwrap_or(' ');
                ident.push(ch);
                i += ch.len_utf8();
            }
            i += 1;
            if !after_dot {
                chain.clear();
            }
            chain.push(ident);
            push(&mut names, &chain);
            after_dot = false;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80)
            {
                i += 1;
            }
            if !after_dot {
                chain.clear();
            }
            chain.push(sql[start..i].to_lowercase());
            push(&mut names, &chain);
            after_dot = false;
            continue;
        }
        if c == b'.' {
            after_dot = !chain.is_empty();
            i += 1;
            continue;
        }
        if !c.is_ascii_whitespace() {
            chain.clear();
            after_dot = false;
        }
        i += 1;
    }
    names
}

/// The query for the sessions that hold or wait for a lock on one of
/// `names` (as [`relation_names`] gives them), oldest transaction first.
pub(crate) fn blockers_sql(names: &[String]) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let list: Vec<String> = names.iter().map(|n| quote_literal(n)).collect();
    Some(format!(
        "SELECT a.pid, coalesce(a.usename::text, ''), coalesce(a.application_name, ''), coalesce(a.state, ''), \
         extract(epoch FROM clock_timestamp() - a.xact_start)::float8, coalesce(a.query, '') \
         FROM pg_stat_activity a WHERE a.pid <> pg_backend_pid() AND a.pid IN ( \
         SELECT l.pid FROM pg_locks l WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND l.relation IN (SELECT to_regclass(n) FROM unnest(ARRAY[{}]::text[]) AS n)) \
         ORDER BY a.xact_start NULLS LAST, a.pid LIMIT 10",
        list.join(", ")
    ))
}

/// The rows of [`blockers_sql`].
pub(crate) fn parse(rows: &Rows) -> Vec<Blocker> {
    rows.iter()
        .filter_map(|r| {
            let cell = |i: usize| r.get(i).cloned().flatten();
            Some(Blocker {
                pid: cell(0)?.parse().ok()?,
                user: cell(1).unwrap_or_default(),
                application: cell(2).unwrap_or_default(),
                state: cell(3).unwrap_or_default(),
                transaction_age: cell(4)
                    .and_then(|s| s.parse::<f64>().ok())
                    .and_then(|s| Duration::try_from_secs_f64(s.max(0.0)).ok()),
                query: one_line(&cell(5).unwrap_or_default(), 120),
            })
        })
        .collect()
}

/// `text` on one line (runs of whitespace as one space), cut to `max`
/// characters with `...`.
fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(3)).collect();
    format!("{cut}...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_identifiers_not_strings_or_comments() {
        let names = relation_names(
            "ALTER TABLE app.\"Orders\" ADD COLUMN note text DEFAULT 'users' -- orders_old\n\
             /* a /* nested */ comment */ REFERENCES customers (id) $$ body $$ $1",
        );
        for want in [
            "\"alter\"",
            "\"app\"",
            "\"Orders\"",
            "\"app\".\"Orders\"",
            "\"customers\"",
        ] {
            assert!(names.contains(&want.to_string()), "{want} in {names:?}");
        }
        for not in ["\"users\"", "\"orders_old\"", "\"nested\"", "\"body\""] {
            assert!(!names.contains(&not.to_string()), "{not} in {names:?}");
        }
    }

    #[test]
    fn a_quote_inside_an_identifier_is_kept_quoted() {
        assert_eq!(relation_names("\"a\"\"b\""), vec!["\"a\"\"b\"".to_string()]);
        assert_eq!(
            relation_names("x . y"),
            vec![
                "\"x\"".to_string(),
                "\"y\"".to_string(),
                "\"x\".\"y\"".to_string()
            ]
        );
        let names = relation_names("E'it\\'s' t");
        assert!(names.contains(&"\"t\"".to_string()), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("it")), "{names:?}");
    }

    #[test]
    fn many_names_are_cut_at_64() {
        let sql: String = (0..200).map(|i| format!("t{i} ")).collect();
        assert_eq!(relation_names(&sql).len(), 64);
        assert_eq!(blockers_sql(&[]), None);
    }

    #[test]
    fn a_blocker_reads_and_prints_on_one_line() {
        let rows: Rows = vec![
            [
                "123",
                "app",
                "psql",
                "idle in transaction",
                "5.26",
                "SELECT *\n  FROM t",
            ]
            .iter()
            .map(|c| Some(c.to_string()))
            .collect(),
            vec![Some("x".into())],
        ];
        let b = parse(&rows);
        assert_eq!(b.len(), 1);
        assert_eq!(
            b[0].to_string(),
            "pid 123 (user app, application `psql`, idle in transaction, transaction open 5.3s): SELECT * FROM t"
        );
        assert_eq!(one_line(&"x".repeat(200), 10), "xxxxxxx...");
    }
}
