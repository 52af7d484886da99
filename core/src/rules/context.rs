//! What only sqlstrata knows about a statement: which tables it acts on,
//! and which of those this migration created itself (new and empty, so the
//! hazards of an existing table do not apply).

use squawk_syntax::{SyntaxKind, SyntaxNode};

/// An identifier as PostgreSQL folds it: unquoted is lower-cased, quoted is
/// taken as written (`""` is `"`).
pub(crate) fn fold(ident: &str) -> String {
    match ident.strip_prefix('"').and_then(|i| i.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => ident.to_ascii_lowercase(),
    }
}

/// The last segment of the name inside `node` (a `TABLE_NAME`,
/// `TABLE_NAME_REF` or `TABLE_RELATION_NAME`): `s.t` is `t`.
fn name_of(node: &SyntaxNode) -> Option<String> {
    let segment = node
        .descendants()
        .filter(|n| {
            matches!(
                n.kind(),
                SyntaxKind::PATH_SEGMENT | SyntaxKind::PATH_SEGMENT_REF
            )
        })
        .last()?;
    let token = segment
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .find(|t| !t.kind().is_trivia())?;
    Some(fold(token.text()))
}

/// The tables a top-level statement acts on: the one it alters, indexes,
/// writes or truncates, or those it drops.
pub(crate) fn targets(stmt: &SyntaxNode) -> Vec<String> {
    stmt.children()
        .filter(|c| {
            matches!(
                c.kind(),
                SyntaxKind::TABLE_RELATION_NAME
                    | SyntaxKind::TABLE_NAME_REF
                    | SyntaxKind::RELATION_NAME
                    | SyntaxKind::RELATION_NAME_REF
                    | SyntaxKind::TABLE_NAME
            )
        })
        .filter_map(|c| name_of(&c))
        .collect()
}

/// The table a `CREATE TABLE` statement creates.
pub(crate) fn created(stmt: &SyntaxNode) -> Option<String> {
    (stmt.kind() == SyntaxKind::CREATE_TABLE || stmt.kind() == SyntaxKind::CREATE_TABLE_AS)
        .then(|| {
            stmt.children()
                .find(|c| c.kind() == SyntaxKind::TABLE_NAME)
                .and_then(|c| name_of(&c))
        })
        .flatten()
}

/// The top-level statements of a parse, each with where it starts and ends
/// (offsets in the parsed text).
pub(crate) fn statements(root: &SyntaxNode) -> Vec<(SyntaxNode, usize, usize)> {
    root.children()
        .filter(|n| n.kind() != SyntaxKind::EMPTY_STMT && n.kind() != SyntaxKind::ERROR)
        .map(|n| {
            let r = n.text_range();
            (n, usize::from(r.start()), usize::from(r.end()))
        })
        .collect()
}

/// Whether the `ADD COLUMN` at `node` gives its column a serial type, whose
/// implicit default fills every existing row.
pub(crate) fn adds_serial_column(node: &SyntaxNode) -> bool {
    node.descendants()
        .filter(|n| n.kind() == SyntaxKind::ADD_COLUMN)
        .any(|add| {
            add.children()
                .find(|c| c.kind() == SyntaxKind::PATH_TYPE)
                .is_some_and(|t| {
                    matches!(
                        t.text().to_string().to_ascii_lowercase().as_str(),
                        "serial" | "bigserial" | "smallserial" | "serial2" | "serial4" | "serial8"
                    )
                })
        })
}

/// `CREATE INDEX ... ON ONLY t`: the index of a partitioned table's parent
/// alone, built for nothing and attached to later; `CONCURRENTLY` is not
/// possible there, and not needed.
pub(crate) fn on_only(stmt: &SyntaxNode) -> bool {
    stmt.kind() == SyntaxKind::CREATE_INDEX
        && stmt
            .children()
            .filter(|c| c.kind() == SyntaxKind::TABLE_RELATION_NAME)
            .any(|c| {
                c.children_with_tokens()
                    .any(|t| t.kind() == SyntaxKind::ONLY_KW)
            })
}

/// An exclusion constraint: `NOT VALID` does not exist for it, so the
/// advice to add it so does not apply.
pub(crate) fn adds_exclusion(stmt: &SyntaxNode) -> bool {
    stmt.descendants()
        .any(|n| n.kind() == SyntaxKind::EXCLUDE_CONSTRAINT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use squawk_syntax::SourceFile;

    fn first(sql: &str) -> SyntaxNode {
        let p = SourceFile::parse(sql);
        statements(&p.syntax_node()).remove(0).0
    }

    #[test]
    fn targets_and_created_tables() {
        assert_eq!(
            targets(&first("ALTER TABLE s.\"Users\" ADD COLUMN a int")),
            vec!["Users"]
        );
        assert_eq!(
            targets(&first("CREATE INDEX i ON Users (a)")),
            vec!["users"]
        );
        assert_eq!(targets(&first("DROP TABLE a, b")), vec!["a", "b"]);
        assert_eq!(
            created(&first("CREATE TABLE IF NOT EXISTS app.T (a int)")),
            Some("t".into())
        );
        assert_eq!(created(&first("CREATE INDEX i ON t (a)")), None);
        assert!(adds_serial_column(&first(
            "ALTER TABLE t ADD COLUMN id BIGSERIAL NOT NULL"
        )));
        assert!(!adds_serial_column(&first(
            "ALTER TABLE t ADD COLUMN id bigint NOT NULL"
        )));
    }
}
