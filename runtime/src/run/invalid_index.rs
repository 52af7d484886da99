//! `CREATE INDEX CONCURRENTLY` and `REINDEX ... CONCURRENTLY` that fail
//! leave an `INVALID` index behind, which `CREATE INDEX CONCURRENTLY IF NOT
//! EXISTS` then accepts as it is: an index that is never used and slows
//! every write. So, around such a statement:
//!
//! - before it runs, an invalid index of a name it creates is a refusal
//!   with the fix (it may be one another session is building right now:
//!   never dropped by us);
//! - when it fails, the invalid indexes that were not there before are its
//!   own: dropped (`DROP INDEX CONCURRENTLY`) before a retry, named in the
//!   error otherwise.

use crate::options::quote_literal;
use crate::session::Rows;

/// The query for the invalid indexes on the relations among `names` (as
/// `blockers::relation_names` gives them), or of the tables of indexes among
/// them: each as its qualified name and its own name.
pub(crate) fn invalid_sql(names: &[String]) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let list: Vec<String> = names.iter().map(|n| quote_literal(n)).collect();
    Some(format!(
        "WITH named AS (SELECT to_regclass(n) AS oid FROM unnest(ARRAY[{}]::text[]) AS n) \
         SELECT i.indexrelid::regclass::text, c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE NOT i.indisvalid AND (i.indrelid IN (SELECT oid FROM named) OR i.indexrelid IN (SELECT oid FROM named) \
         OR i.indrelid IN (SELECT x.indrelid FROM pg_index x WHERE x.indexrelid IN (SELECT oid FROM named))) \
         ORDER BY 1",
        list.join(", ")
    ))
}

/// An invalid index: its qualified name (as `regclass` prints it) and its
/// own name, folded as the catalog holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub qualified: String,
    pub name: String,
}

/// The rows of [`invalid_sql`].
pub(crate) fn parse(rows: &Rows) -> Vec<Invalid> {
    rows.iter()
        .filter_map(|r| {
            Some(Invalid {
                qualified: r.first().cloned().flatten()?,
                name: r.get(1).cloned().flatten()?,
            })
        })
        .collect()
}

/// Of the invalid indexes there before a `CREATE INDEX CONCURRENTLY`, the
/// one it names (`names` as `blockers::relation_names` quotes them).
pub(crate) fn named<'a>(before: &'a [Invalid], names: &[String]) -> Option<&'a Invalid> {
    before
        .iter()
        .find(|i| names.contains(&crate::options::quote_ident(&i.name)))
}

/// Those of `after` that `before` did not have: what a failed statement
/// left behind.
pub(crate) fn left_behind(before: &[Invalid], after: Vec<Invalid>) -> Vec<Invalid> {
    after.into_iter().filter(|i| !before.contains(i)).collect()
}

/// Drops an index the failed statement left behind.
pub(crate) fn drop_sql(index: &Invalid) -> String {
    format!("DROP INDEX CONCURRENTLY IF EXISTS {}", index.qualified)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(q: &str, n: &str) -> Invalid {
        Invalid {
            qualified: q.into(),
            name: n.into(),
        }
    }

    #[test]
    fn only_new_invalid_indexes_are_left_behind() {
        let before = vec![invalid("old_idx", "old_idx")];
        let after = vec![invalid("old_idx", "old_idx"), invalid("app.\"New\"", "New")];
        assert_eq!(
            left_behind(&before, after),
            vec![invalid("app.\"New\"", "New")]
        );
        assert_eq!(
            drop_sql(&invalid("app.\"New\"", "New")),
            "DROP INDEX CONCURRENTLY IF EXISTS app.\"New\""
        );
    }

    #[test]
    fn the_index_a_statement_names_is_found_by_its_folded_name() {
        let before = vec![invalid("a", "a"), invalid("\"Big\"", "Big")];
        let names = crate::run::blockers::relation_names(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"Big\" ON t (x)",
        );
        assert_eq!(named(&before, &names), Some(&before[1]));
        let other = crate::run::blockers::relation_names("CREATE INDEX CONCURRENTLY c ON t (x)");
        assert_eq!(named(&before, &other), None);
        assert!(invalid_sql(&[]).is_none());
        assert!(parse(&vec![vec![Some("x".into()), None]]).is_empty());
    }
}
