//! PostgreSQL's grammar: squawk-syntax's parse of a text, and the few rules
//! of the server's grammar that squawk-syntax 2.68 is looser about, checked
//! on its tree so that a typo in them is still an error.
//!
//! Each supplement is a rule of PostgreSQL's `gram.y` (or of the statement's
//! execution that PostgreSQL reports as a syntax error, SQLSTATE 42601), and
//! each has a test showing the typo it catches and the valid forms it lets
//! through.

use squawk_syntax::{Parse, SourceFile, SyntaxKind, SyntaxNode};

/// A parse with every error: squawk's and the supplements', in text order.
pub struct Parsed {
    /// squawk's parse.
    pub parse: Parse<SourceFile>,
    /// (byte offset in the text, message), sorted by offset.
    pub errors: Vec<(usize, String)>,
}

/// Parses `text` as PostgreSQL would.
pub fn parse(text: &str) -> Parsed {
    let parse = SourceFile::parse(text);
    let mut errors: Vec<(usize, String)> = parse
        .errors()
        .into_iter()
        .map(|e| (usize::from(e.range().start()), e.message().to_string()))
        .collect();
    supplements(&parse.syntax_node(), &mut errors);
    errors.sort_by_key(|(offset, _)| *offset);
    Parsed { parse, errors }
}

/// The labels `ALTER TYPE ... ADD VALUE` statements in `root` add, as the
/// SQL literals they are written as (`'x'`).
pub fn enum_values_added(root: &SyntaxNode) -> Vec<String> {
    root.descendants()
        .filter(|n| n.kind() == SyntaxKind::ADD_VALUE)
        .filter_map(|n| n.children().find(|c| c.kind() == SyntaxKind::LITERAL))
        .map(|literal| literal.text().to_string())
        .collect()
}

/// What may follow `IS` and `IS NOT` as a word (`IS DISTINCT FROM`, `IS
/// JSON` and `IS NORMALIZED` are nodes of their own in squawk's tree).
const AFTER_IS: &[SyntaxKind] = &[
    SyntaxKind::NULL_KW,
    SyntaxKind::TRUE_KW,
    SyntaxKind::FALSE_KW,
    SyntaxKind::UNKNOWN_KW,
    SyntaxKind::DOCUMENT_KW,
];

/// The privileges `GRANT`/`REVOKE ... ON` takes that are not reserved words
/// (PostgreSQL parses any name there, then refuses an unknown one with
/// SQLSTATE 42601, "unrecognized privilege type").
const PRIVILEGE_NAMES: &[&str] = &[
    "usage",
    "execute",
    "connect",
    "temporary",
    "temp",
    "trigger",
    "truncate",
    "maintain",
    "set",
    "alter",
    "system",
    "privileges",
    "references",
    "insert",
    "update",
    "delete",
    "select",
    "create",
    "all",
];

fn supplements(root: &SyntaxNode, errors: &mut Vec<(usize, String)>) {
    for node in root.descendants() {
        match node.kind() {
            SyntaxKind::BIN_EXPR => is_operand(&node, errors),
            SyntaxKind::REVOKE_COMMAND_LIST => privileges(&node, errors),
            SyntaxKind::COLUMN | SyntaxKind::ADD_COLUMN => column_constraints(&node, errors),
            SyntaxKind::ROLE_OPTION_LIST => role_options(&node, errors),
            SyntaxKind::AS_POLICY_TYPE => {
                one_word_of(&node, &["permissive", "restrictive"], errors)
            }
            SyntaxKind::PARALLEL_FUNC_OPTION => {
                one_word_of(&node, &["safe", "restricted", "unsafe"], errors)
            }
            SyntaxKind::NULLS_NOT_DISTINCT if !has_token(&node, SyntaxKind::DISTINCT_KW) => {
                errors.push((end(&node), "expected DISTINCT after NULLS NOT".to_string()));
            }
            SyntaxKind::CREATE_TRIGGER => trigger(&node, errors),
            SyntaxKind::FOR_PUBLICATION_OBJECTS => publication_objects(&node, errors),
            SyntaxKind::COMPOSITE_FIELD_DEF
                if node
                    .children()
                    .all(|c| c.kind() == SyntaxKind::COMPOSITE_FIELD) =>
            {
                errors.push((end(&node), "expected the attribute's type".to_string()));
            }
            SyntaxKind::MERGE_WHEN_MATCHED => {
                if let Some(insert) = node
                    .children()
                    .find(|c| c.kind() == SyntaxKind::MERGE_INSERT)
                {
                    errors.push((
                        usize::from(insert.text_range().start()),
                        "WHEN MATCHED cannot INSERT: only WHEN NOT MATCHED can".to_string(),
                    ));
                }
            }
            _ => {}
        }
    }
}

/// `x IS NLUL`: squawk takes any expression after `IS`; PostgreSQL only
/// `NULL`, `TRUE`, `FALSE`, `UNKNOWN` or `DOCUMENT`.
fn is_operand(node: &SyntaxNode, errors: &mut Vec<(usize, String)>) {
    let mut children = node
        .children_with_tokens()
        .filter(|e| !e.kind().is_trivia());
    let (Some(_lhs), Some(op), Some(rhs)) = (children.next(), children.next(), children.next())
    else {
        return;
    };
    if !matches!(op.kind(), SyntaxKind::IS_KW | SyntaxKind::IS_NOT) {
        return;
    }
    let word = match (rhs.as_node(), rhs.as_token()) {
        (Some(n), _) => {
            let mut tokens = n
                .descendants_with_tokens()
                .filter_map(|e| e.into_token())
                .filter(|t| !t.kind().is_trivia());
            match (tokens.next(), tokens.next()) {
                (Some(t), None) => Some(t.kind()),
                _ => None,
            }
        }
        (None, Some(t)) => Some(t.kind()),
        (None, None) => None,
    };
    if !word.is_some_and(|k| AFTER_IS.contains(&k)) {
        errors.push((
            usize::from(rhs.text_range().start()),
            "expected NULL, TRUE, FALSE, UNKNOWN, DOCUMENT or DISTINCT FROM after IS".to_string(),
        ));
    }
}

fn has_token(node: &SyntaxNode, kind: SyntaxKind) -> bool {
    node.children_with_tokens().any(|e| e.kind() == kind)
}

fn end(node: &SyntaxNode) -> usize {
    usize::from(node.text_range().end())
}

/// A node whose word squawk takes as any name where PostgreSQL takes only
/// `allowed` (the last word of the node).
fn one_word_of(node: &SyntaxNode, allowed: &[&str], errors: &mut Vec<(usize, String)>) {
    let Some(word) = node
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .last()
    else {
        return;
    };
    if !allowed.contains(&word.text().to_ascii_lowercase().as_str()) {
        let list: Vec<String> = allowed.iter().map(|w| w.to_ascii_uppercase()).collect();
        errors.push((
            usize::from(word.text_range().start()),
            format!("expected {}", list.join(" or ")),
        ));
    }
}

/// The options `CREATE ROLE`/`ALTER ROLE` take as bare words; PostgreSQL's
/// grammar refuses any other ("unrecognized role option") and a second one
/// of the same kind ("conflicting or redundant options").
const ROLE_WORDS: &[&str] = &[
    "superuser",
    "createdb",
    "createrole",
    "inherit",
    "login",
    "replication",
    "bypassrls",
];

fn role_options(list: &SyntaxNode, errors: &mut Vec<(usize, String)>) {
    let mut seen: Vec<String> = Vec::new();
    for option in list.children() {
        let text = option.text().to_string().to_ascii_lowercase();
        let first = text
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        let at = usize::from(option.text_range().start());
        let key = if option.kind() == SyntaxKind::ROLE_OPTION_GENERIC {
            let bare = first.strip_prefix("no").unwrap_or(&first);
            let bare = if ROLE_WORDS.contains(&bare) {
                bare
            } else {
                first.as_str()
            };
            if !ROLE_WORDS.contains(&bare) {
                errors.push((at, format!("`{}` is not a role option", option.text())));
                continue;
            }
            bare.to_string()
        } else {
            first
        };
        if seen.contains(&key) {
            errors.push((at, format!("the role option `{key}` is given twice")));
        }
        seen.push(key);
    }
}

/// Only a `CONSTRAINT TRIGGER` can be deferred, and it fires `FOR EACH ROW`.
fn trigger(node: &SyntaxNode, errors: &mut Vec<(usize, String)>) {
    let constraint = has_token(node, SyntaxKind::CONSTRAINT_KW);
    for child in node.children() {
        let at = usize::from(child.text_range().start());
        match child.kind() {
            SyntaxKind::DEFERRABLE_CONSTRAINT_OPTION
            | SyntaxKind::NOT_DEFERRABLE_CONSTRAINT_OPTION
            | SyntaxKind::INITIALLY_DEFERRED_CONSTRAINT_OPTION
            | SyntaxKind::INITIALLY_IMMEDIATE_CONSTRAINT_OPTION
                if !constraint =>
            {
                errors.push((
                    at,
                    "only a CONSTRAINT TRIGGER can be DEFERRABLE or INITIALLY ...".to_string(),
                ));
            }
            SyntaxKind::FOR_EACH_ROW if constraint && !has_token(&child, SyntaxKind::EACH_KW) => {
                errors.push((at, "a CONSTRAINT TRIGGER fires FOR EACH ROW".to_string()));
            }
            _ => {}
        }
    }
}

/// `CREATE PUBLICATION p FOR t`: the first object says what it is (`TABLE`,
/// `TABLES IN SCHEMA`); later ones may continue its list.
fn publication_objects(node: &SyntaxNode, errors: &mut Vec<(usize, String)>) {
    if let Some(first) = node.children().next()
        && first.kind() == SyntaxKind::PUBLICATION_OBJECT_TABLE
        && !has_token(&first, SyntaxKind::TABLE_KW)
    {
        errors.push((
            usize::from(first.text_range().start()),
            "expected TABLE or TABLES IN SCHEMA".to_string(),
        ));
    }
}

/// A column both `NULL` and `NOT NULL`, or with two defaults: PostgreSQL
/// refuses both while it reads the statement, as syntax errors
/// ("conflicting NULL/NOT NULL declarations", "multiple default values").
fn column_constraints(column: &SyntaxNode, errors: &mut Vec<(usize, String)>) {
    let (mut null, mut not_null, mut default) = (false, false, false);
    for c in column.children() {
        let at = usize::from(c.text_range().start());
        match c.kind() {
            SyntaxKind::NULL_CONSTRAINT if not_null => errors.push((
                at,
                "conflicting NULL and NOT NULL for the same column".to_string(),
            )),
            SyntaxKind::NOT_NULL_CONSTRAINT if null => errors.push((
                at,
                "conflicting NULL and NOT NULL for the same column".to_string(),
            )),
            SyntaxKind::DEFAULT_CONSTRAINT if default => {
                errors.push((at, "a second DEFAULT for the same column".to_string()))
            }
            SyntaxKind::NULL_CONSTRAINT => null = true,
            SyntaxKind::NOT_NULL_CONSTRAINT => not_null = true,
            SyntaxKind::DEFAULT_CONSTRAINT => default = true,
            _ => {}
        }
    }
}

/// `GRANT SLEECT ON t`: a privilege that is not one.
fn privileges(list: &SyntaxNode, errors: &mut Vec<(usize, String)>) {
    let on_objects =
        std::iter::successors(list.next_sibling_or_token(), |e| e.next_sibling_or_token()).any(
            |e| {
                matches!(
                    e.kind(),
                    SyntaxKind::ON_KW | SyntaxKind::ON_PRIVILEGE_OBJECTS_CLAUSE
                )
            },
        );
    if !on_objects {
        // `GRANT role TO user`: role names, anything goes.
        return;
    }
    for command in list.children() {
        for name in command
            .children()
            .filter(|c| c.kind() == SyntaxKind::ROLE_REF)
        {
            let text = name.text().to_string();
            if !PRIVILEGE_NAMES.contains(&text.to_ascii_lowercase().as_str()) {
                errors.push((
                    usize::from(name.text_range().start()),
                    format!(
                        "`{text}` is not a privilege (SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, CREATE, CONNECT, TEMPORARY, EXECUTE, USAGE, SET, ALTER SYSTEM, MAINTAIN or ALL)"
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(sql: &str) -> Vec<String> {
        parse(sql).errors.into_iter().map(|(_, m)| m).collect()
    }

    #[test]
    fn added_enum_labels_are_found() {
        let p = parse(
            "ALTER TYPE s.mood ADD VALUE IF NOT EXISTS 'happy''ish' BEFORE 'sad'; ALTER TYPE m ADD VALUE 'x'; ALTER TYPE m RENAME VALUE 'a' TO 'b'",
        );
        assert_eq!(
            enum_values_added(&p.parse.syntax_node()),
            vec!["'happy''ish'".to_string(), "'x'".to_string()]
        );
    }

    #[test]
    fn is_takes_only_its_words() {
        for ok in [
            "SELECT 1 WHERE a IS NULL",
            "SELECT 1 WHERE a IS NOT NULL AND b IS TRUE OR c IS NOT FALSE",
            "SELECT 1 WHERE a IS UNKNOWN OR b IS NOT DOCUMENT",
            "SELECT 1 WHERE a IS DISTINCT FROM b OR a IS NOT DISTINCT FROM c",
            "SELECT 1 WHERE a IS JSON OR a IS NOT NORMALIZED",
        ] {
            assert_eq!(errors(ok), Vec::<String>::new(), "{ok}");
        }
        for typo in [
            "SELECT 1 WHERE a IS NLUL",
            "SELECT 1 WHERE a IS NOT NLUL",
            "SELECT 1 WHERE a IS b",
        ] {
            assert_eq!(errors(typo).len(), 1, "{typo}");
        }
    }

    #[test]
    fn a_column_is_null_or_not_null_and_has_one_default() {
        for ok in [
            "CREATE TABLE t (a int NOT NULL NOT NULL DEFAULT 1, b int NULL NULL)",
            "ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 0",
        ] {
            assert_eq!(errors(ok), Vec::<String>::new(), "{ok}");
        }
        for typo in [
            "CREATE TABLE t (a int NOT NULL NULL)",
            "CREATE TABLE t (a int NULL NOT NULL)",
            "ALTER TABLE t ADD COLUMN b int DEFAULT 1 DEFAULT 2",
        ] {
            assert_eq!(errors(typo).len(), 1, "{typo}");
        }
    }

    #[test]
    fn words_where_postgresql_takes_only_some() {
        for ok in [
            "CREATE ROLE app NOLOGIN NOSUPERUSER CREATEDB",
            "ALTER ROLE app WITH LOGIN PASSWORD 'x' CONNECTION LIMIT 3",
            "CREATE POLICY p ON t AS RESTRICTIVE FOR UPDATE USING (true)",
            "CREATE POLICY p ON t AS permissive USING (true)",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql PARALLEL SAFE AS 'SELECT 1'",
            "CREATE UNIQUE INDEX i ON t (a) NULLS NOT DISTINCT",
            "CREATE CONSTRAINT TRIGGER trg AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION f()",
            "CREATE TRIGGER trg AFTER INSERT ON t FOR ROW EXECUTE FUNCTION f()",
            "CREATE PUBLICATION pub FOR TABLE t, u, TABLES IN SCHEMA s",
            "CREATE TYPE c AS (a int, b text)",
            "MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN UPDATE SET a = 1 WHEN NOT MATCHED THEN INSERT (id) VALUES (1)",
        ] {
            assert_eq!(errors(ok), Vec::<String>::new(), "{ok}");
        }
        for typo in [
            "CREATE ROLE app NLOOGIN",
            "CREATE ROLE app NOLOGIN NOLOGIN",
            "CREATE ROLE app LOGIN NOLOGIN",
            "CREATE POLICY p ON t AS RSETRICTIVE FOR UPDATE USING (true)",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql PARALLEL SFAE AS 'SELECT 1'",
            "CREATE UNIQUE INDEX i ON t (a) NULLS NOT",
            "CREATE TRIGGER trg AFTER INSERT ON t DEFERRABLE FOR EACH ROW EXECUTE FUNCTION f()",
            "CREATE CONSTRAINT TRIGGER trg AFTER INSERT ON t FOR ROW EXECUTE FUNCTION f()",
            "CREATE PUBLICATION pub FOR t",
            "CREATE TYPE c AS (a intb , text)",
            "MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN INSERT (id) VALUES (1)",
        ] {
            assert_eq!(errors(typo).len(), 1, "{typo}: {:?}", errors(typo));
        }
    }

    #[test]
    fn grant_takes_only_privileges_on_objects() {
        for ok in [
            "GRANT SELECT, INSERT ON posts TO app_user",
            "GRANT usage, execute ON ALL FUNCTIONS IN SCHEMA s TO r",
            "GRANT TRUNCATE, TRIGGER ON t TO r",
            "GRANT admin TO bob",
            "REVOKE ALL PRIVILEGES ON t FROM r",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO r",
        ] {
            assert_eq!(errors(ok), Vec::<String>::new(), "{ok}");
        }
        for typo in [
            "GRANT SLEECT ON posts TO app_user",
            "GRANT SELECT, ISNERT ON posts TO app_user",
            "REVOKE USGAE ON SCHEMA s FROM r",
        ] {
            assert_eq!(errors(typo).len(), 1, "{typo}");
        }
    }
}
