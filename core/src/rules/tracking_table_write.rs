//! `tracking-table-write`: a statement that writes to (or alters, or drops)
//! sqlstrata's own tracking table.

use squawk_syntax::SyntaxKind;

use super::context::{fold, statements, targets};
use super::{Finding, rule};
use crate::split::Section;

/// Statements of `section` that change the table named `table`.
pub(crate) fn tracking_table_writes(section: &Section<'_>, table: &str) -> Vec<Finding> {
    let Some(r) = rule("tracking-table-write") else {
        return Vec::new();
    };
    // `schema.table` in the settings; else the table is in the
    // connection's current schema, `public` unless the deploy says
    // otherwise.
    let (schema, table) = match table.rsplit_once('.') {
        Some((s, t)) if !table.starts_with('"') => (fold(s), fold(t)),
        _ => ("public".to_string(), fold(table)),
    };
    let mut out = Vec::new();
    for (parse, base) in &section.parses {
        for (stmt, start, _) in statements(&parse.syntax_node()) {
            let writes = matches!(
                stmt.kind(),
                SyntaxKind::INSERT
                    | SyntaxKind::UPDATE
                    | SyntaxKind::DELETE
                    | SyntaxKind::MERGE
                    | SyntaxKind::TRUNCATE
                    | SyntaxKind::ALTER_TABLE
                    | SyntaxKind::DROP_TABLE
                    | SyntaxKind::CREATE_TABLE
                    | SyntaxKind::COPY
            );
            if !writes {
                continue;
            }
            let names = if stmt.kind() == SyntaxKind::TRUNCATE || stmt.kind() == SyntaxKind::COPY {
                stmt.descendants()
                    .filter(|n| {
                        matches!(
                            n.kind(),
                            SyntaxKind::RELATION_NAME
                                | SyntaxKind::RELATION_NAME_REF
                                | SyntaxKind::TABLE_NAME_REF
                        )
                    })
                    .filter_map(|n| {
                        n.descendants_with_tokens()
                            .filter_map(|e| e.into_token())
                            .filter(|t| {
                                matches!(t.kind(), SyntaxKind::IDENT) || t.kind().is_keyword()
                            })
                            .last()
                            .map(|t| fold(t.text()))
                    })
                    .collect()
            } else {
                targets(&stmt)
            };
            if names.contains(&table) && names_ours(&stmt, &schema, &table) {
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

/// Whether a mention of `table` in `stmt` can be the tracking table: one
/// without a schema, or with the tracking table's. Another schema's table of
/// the same name (a hosted platform's `auth.schema_migrations`) is not ours.
fn names_ours(stmt: &squawk_syntax::SyntaxNode, schema: &str, table: &str) -> bool {
    let tokens: Vec<squawk_syntax::SyntaxToken> = stmt
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .collect();
    tokens.iter().enumerate().any(|(i, t)| {
        if fold(t.text()) != table {
            return false;
        }
        match i.checked_sub(2).map(|j| (&tokens[j], &tokens[j + 1])) {
            Some((s, dot)) if dot.kind() == SyntaxKind::DOT => fold(s.text()) == schema,
            _ => true,
        }
    })
}
