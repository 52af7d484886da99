//! `session-setting`: a plain `SET` (or `SET ROLE`, `SET SESSION
//! AUTHORIZATION`, `RESET`) changes the connection's session, not only the
//! migration's transaction. The runner restores the session after every
//! migration, so the effect ends with the migration; `SET LOCAL` says so.

use squawk_syntax::{SyntaxKind, SyntaxNode};

use super::context::statements;
use super::{Finding, rule};
use crate::split::Section;

/// Statements of `section` that change the session with a plain `SET`.
pub(crate) fn session_settings(section: &Section<'_>) -> Vec<Finding> {
    let Some(r) = rule("session-setting") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (parse, base) in &section.parses {
        for (stmt, start, _) in statements(&parse.syntax_node()) {
            if changes_session(&stmt) {
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

/// `SET x`, `SET SESSION x`, `SET ROLE`, `SET SESSION AUTHORIZATION`,
/// `RESET`: not `SET LOCAL`, `SET CONSTRAINTS` or `SET TRANSACTION`, which
/// end with the transaction.
fn changes_session(stmt: &SyntaxNode) -> bool {
    let local = stmt.children().any(|c| c.kind() == SyntaxKind::LOCAL_SCOPE);
    matches!(
        stmt.kind(),
        SyntaxKind::SET
            | SyntaxKind::SET_ROLE
            | SyntaxKind::SET_SESSION_AUTH
            | SyntaxKind::RESET
            | SyntaxKind::RESET_ROLE
            | SyntaxKind::RESET_SESSION_AUTH
    ) && !local
}
