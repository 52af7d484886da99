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
    let table = fold(table);
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
            if names.contains(&table) {
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
