//! squawk-linter's rules, run on the parse the grammar made of a section,
//! with what only sqlstrata knows: the migration's real transaction mode, the
//! oldest PostgreSQL it must run on, and which tables it created itself.

use squawk_linter::{Linter, LinterSettings, Version};

use super::context;
use super::{Finding, Kind, RULES, Rule};
use crate::split::Section;

/// squawk's findings in `section` (an UP section: its hazards are to the
/// database as it is; a DOWN section undoes on purpose), for the rules
/// `on` says are on, on PostgreSQL `pg` and later.
pub(crate) fn squawk_findings(
    section: &Section<'_>,
    on: impl Fn(&Rule) -> bool,
    pg: u32,
    in_transaction: bool,
) -> Vec<Finding> {
    let enabled: Vec<(&'static Rule, squawk_linter::Rule)> = RULES
        .iter()
        .filter_map(|r| match r.kind {
            Kind::Squawk(s) if on(r) => Some((r, s)),
            _ => None,
        })
        .collect();
    if enabled.is_empty() {
        return Vec::new();
    }
    let version = format!("{pg}.0")
        .parse()
        .unwrap_or_else(|_| "13.0".parse::<Version>().unwrap_or_default());
    let mut out = Vec::new();
    // Tables this section created so far: new and empty.
    let mut created: Vec<(String, usize)> = Vec::new();
    for (parse, base) in &section.parses {
        let root = parse.syntax_node();
        let statements = context::statements(&root);
        for (stmt, start, _) in &statements {
            if let Some(name) = context::created(stmt) {
                created.push((name, base + start));
            }
        }
        // A serial column's default is `nextval(...)`, volatile: adding one
        // rewrites the table like any volatile default, which squawk's
        // `adding-field-with-default` does not see.
        if let Some((rule, _)) = enabled
            .iter()
            .find(|(r, _)| r.name == "adding-field-with-default")
        {
            for (stmt, start, _) in &statements {
                // Only an `ALTER ... TABLE` adds a column (no need to walk
                // the other statements' trees).
                let alters = matches!(
                    stmt.kind(),
                    squawk_syntax::SyntaxKind::ALTER_TABLE
                        | squawk_syntax::SyntaxKind::ALTER_FOREIGN_TABLE
                );
                if !alters || !context::adds_serial_column(stmt) {
                    continue;
                }
                let new = context::targets(stmt).iter().all(|t| {
                    created
                        .iter()
                        .any(|(name, at)| name == t && *at < base + start)
                });
                if !new {
                    out.push(Finding {
                        rule,
                        offset: base + start,
                        detail: None,
                        help: None,
                    });
                }
            }
        }
        let mut linter = Linter::from(enabled.iter().map(|(_, s)| *s));
        linter.settings = LinterSettings {
            pg_version: version,
            assume_in_transaction: in_transaction,
        };
        // The parse's text is the input's, from its offset: no need to
        // rebuild it from the tree.
        let end = *base + usize::from(root.text_range().len());
        let Some(text) = section.input.get(*base..end) else {
            // Never: each parse is of the input from its offset.
            continue;
        };
        for v in linter.lint(parse, text) {
            let Some((rule, _)) = enabled.iter().find(|(_, s)| *s == v.code) else {
                continue;
            };
            let at = usize::from(v.text_range.start());
            let Some((stmt, start, _)) = statements.iter().find(|(_, s, e)| (*s..*e).contains(&at))
            else {
                continue;
            };
            // A table created earlier in this migration has no rows and no
            // readers yet.
            let targets = context::targets(stmt);
            let new = !targets.is_empty()
                && targets.iter().all(|t| {
                    created
                        .iter()
                        .any(|(name, created_at)| name == t && *created_at < base + start)
                });
            if new
                || (rule.name == "adding-required-field" && context::adds_serial_column(stmt))
                || (rule.name == "require-concurrent-index-creation" && context::on_only(stmt))
                || (rule.name == "constraint-missing-not-valid" && context::adds_exclusion(stmt))
            {
                continue;
            }
            out.push(Finding {
                rule,
                offset: base + at,
                detail: rule.what.is_empty().then(|| v.message.clone()),
                help: v.help.clone().filter(|_| rule.fix.is_empty()),
            });
        }
    }
    out
}
