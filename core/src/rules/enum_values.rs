//! Enum labels used before PostgreSQL allows it: a label added by
//! `ALTER TYPE ... ADD VALUE` cannot be used in the transaction that added it
//! (SQLSTATE 55P04).

use sqlstrata_model::Migration;

use super::{Finding, rule};
use crate::split::Section;

/// In one migration that runs in a transaction: a statement after the one
/// that adds a label, that uses it.
pub(crate) fn enum_value_used_too_soon(section: &Section<'_>, added: &[String]) -> Vec<Finding> {
    let Some(r) = rule("enum-value-used-too-soon") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for label in added {
        let mut seen_add = false;
        for s in &section.statements {
            let text = s.text;
            let adds =
                text.to_ascii_uppercase().contains("ADD VALUE") && text.contains(label.as_str());
            if seen_add && !adds && text.contains(label.as_str()) {
                out.push(Finding {
                    rule: r,
                    offset: s.offset,
                    detail: None,
                    help: None,
                });
            }
            seen_add |= adds;
        }
    }
    out
}

/// Across migrations: which statements (migration index, statement index)
/// use a label an earlier migration adds, with that migration's index.
pub fn enum_value_used_in_batch(set: &[Migration]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for (i, m) in set.iter().enumerate() {
        for label in m.enum_values() {
            for (j, later) in set.iter().enumerate().skip(i + 1) {
                if later.is_no_transaction() {
                    continue;
                }
                if let Some(k) = later.up().iter().position(|s| s.sql().contains(label)) {
                    out.push((j, k, i));
                }
            }
        }
    }
    out
}
