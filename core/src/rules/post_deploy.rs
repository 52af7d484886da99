//! Post-deploy migrations (`-- sqlstrata: post-deploy`) run once the new
//! code serves every request: dropping what only the old code used is what
//! they are for, and adding what the new code needs is too late there.

use squawk_syntax::SyntaxKind;

use super::context::statements;
use super::{Finding, rule};
use crate::split::Section;

/// The rules that do not apply to a post-deploy migration: the code that
/// used what it drops is gone by the time it runs.
pub(crate) const NOT_AFTER_DEPLOY: &[&str] = &["ban-drop-column", "ban-drop-table"];

/// `post-deploy-adds`: the statements of a post-deploy migration's UP that
/// add a table or a column.
pub(crate) fn post_deploy_additions(section: &Section<'_>) -> Vec<Finding> {
    let Some(r) = rule("post-deploy-adds") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (parse, base) in &section.parses {
        for (stmt, start, _) in statements(&parse.syntax_node()) {
            let adds = match stmt.kind() {
                SyntaxKind::CREATE_TABLE | SyntaxKind::CREATE_TABLE_AS => true,
                SyntaxKind::ALTER_TABLE => stmt
                    .descendants()
                    .any(|n| n.kind() == SyntaxKind::ADD_COLUMN),
                _ => false,
            };
            if adds {
                out.push(Finding {
                    rule: r,
                    offset: base + start,
                    detail: None,
                    help: None,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::tokenize;
    use crate::split::section;

    fn found(sql: &str) -> usize {
        let tokens = tokenize(sql).unwrap();
        post_deploy_additions(&section(sql, &tokens)).len()
    }

    #[test]
    fn additions_are_found_and_contractions_are_not() {
        for (sql, n) in [
            ("CREATE TABLE t (id int);", 1),
            ("CREATE TABLE t AS SELECT 1 AS id;", 1),
            ("ALTER TABLE t ADD COLUMN c int;", 1),
            ("ALTER TABLE t ADD c int, DROP COLUMN d;", 1),
            ("ALTER TABLE t DROP COLUMN c;", 0),
            ("DROP TABLE t;", 0),
            ("ALTER TABLE t ADD CONSTRAINT k CHECK (c > 0);", 0),
            ("CREATE INDEX i ON t (c); CREATE TABLE u (id int);", 1),
            ("UPDATE t SET c = 1;", 0),
        ] {
            assert_eq!(found(sql), n, "{sql}");
        }
    }
}
