//! One-edit typos in realistic migration statements are compile errors at
//! least as often as plain sqlparser catches them.
//!
//! Each kind of mistake is injected at every place it can be in every
//! statement of a realistic corpus; a mutant counts as caught when
//! `read_migration` reports an error. The baseline is sqlparser's own
//! `Parser::parse_sql` on the same text.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlstrata_core::lex::{TokenKind, tokenize};
use sqlstrata_core::migration::read_migration;
use sqlstrata_core::naming::parse_file_name;

const CORPUS: &[&str] = &[
    "CREATE TABLE users (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email TEXT NOT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    "CREATE TABLE posts (id BIGSERIAL PRIMARY KEY, author_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, title TEXT NOT NULL, body TEXT)",
    "CREATE UNIQUE INDEX idx_users_email ON users (lower(email))",
    "CREATE INDEX idx_posts_author ON posts (author_id, created_at DESC) WHERE deleted_at IS NULL",
    "ALTER TABLE users ADD COLUMN avatar_url TEXT",
    "ALTER TABLE posts ADD CONSTRAINT posts_title_len CHECK (char_length(title) <= 200)",
    "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
    "ALTER TABLE posts DROP COLUMN IF EXISTS legacy_flag",
    "INSERT INTO settings (key, value) VALUES ('theme', 'dark'), ('lang', 'en')",
    "UPDATE users SET display_name = name WHERE display_name IS NULL",
    "DELETE FROM sessions WHERE expires_at < now() - INTERVAL '30 days'",
    "CREATE TYPE post_status AS ENUM ('draft', 'published', 'archived')",
    "CREATE VIEW active_users AS SELECT id, email FROM users WHERE deleted_at IS NULL",
    "DROP TABLE IF EXISTS audit_log CASCADE",
    "CREATE TABLE memberships (user_id BIGINT NOT NULL REFERENCES users (id), team_id BIGINT NOT NULL, role TEXT NOT NULL DEFAULT 'member', PRIMARY KEY (user_id, team_id))",
    "GRANT SELECT, INSERT ON posts TO app_user",
    "CREATE TRIGGER trg_posts_touch BEFORE UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION touch_updated_at()",
    "COMMENT ON TABLE users IS 'People who can sign in'",
];

const KEYWORDS: &[&str] = &[
    "CREATE",
    "TABLE",
    "INDEX",
    "ALTER",
    "ADD",
    "COLUMN",
    "NOT",
    "NULL",
    "PRIMARY",
    "KEY",
    "REFERENCES",
    "ON",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "WHERE",
    "DELETE",
    "FROM",
    "DROP",
    "IF",
    "EXISTS",
    "SELECT",
    "AS",
    "DEFAULT",
    "UNIQUE",
    "CHECK",
    "CONSTRAINT",
    "TYPE",
    "VIEW",
    "GRANT",
    "TO",
    "TRIGGER",
    "BEFORE",
    "FOR",
    "EACH",
    "ROW",
    "EXECUTE",
    "FUNCTION",
    "COMMENT",
    "IS",
    "ENUM",
    "CASCADE",
    "BIGINT",
    "TEXT",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    DroppedComma,
    DroppedParen,
    MisspelledKeyword,
    MissingKeyword,
    DoubledKeyword,
    JoinedStatements,
    SwappedTokens,
    UnterminatedString,
}

/// Every one-edit mutant of `sql` of each kind.
fn mutants(sql: &str) -> Vec<(Kind, String)> {
    let tokens: Vec<_> = tokenize(sql)
        .unwrap()
        .into_iter()
        .filter(|t| t.kind != TokenKind::Whitespace)
        .collect();
    let mut out = Vec::new();
    let replace =
        |start: usize, end: usize, with: &str| format!("{}{}{}", &sql[..start], with, &sql[end..]);
    for (i, t) in tokens.iter().enumerate() {
        let text = t.text(sql);
        match t.kind {
            TokenKind::Punct(',') => out.push((Kind::DroppedComma, replace(t.start, t.end, ""))),
            TokenKind::Punct('(' | ')') => {
                out.push((Kind::DroppedParen, replace(t.start, t.end, "")))
            }
            TokenKind::Word if KEYWORDS.contains(&text.to_ascii_uppercase().as_str()) => {
                // Swap two inner letters: CREATE -> CRAETE.
                if text.len() >= 4 {
                    let mut b = text.as_bytes().to_vec();
                    b.swap(1, 2);
                    out.push((
                        Kind::MisspelledKeyword,
                        replace(t.start, t.end, &String::from_utf8(b).unwrap()),
                    ));
                }
                out.push((Kind::MissingKeyword, replace(t.start, t.end, "")));
                out.push((
                    Kind::DoubledKeyword,
                    replace(t.start, t.end, &format!("{text} {text}")),
                ));
            }
            TokenKind::String => {
                out.push((Kind::UnterminatedString, replace(t.end - 1, t.end, "")));
            }
            _ => {}
        }
        if let Some(next) = tokens.get(i + 1)
            && next.text(sql) != text
        {
            let swapped = format!(
                "{}{} {}{}",
                &sql[..t.start],
                next.text(sql),
                text,
                &sql[next.end..]
            );
            let between = &sql[t.end..next.start];
            if between.trim().is_empty() {
                out.push((Kind::SwappedTokens, swapped));
            }
        }
    }
    out
}

fn ours_catches(sql: &str) -> bool {
    let name = parse_file_name("001_x.sql").unwrap();
    let file = format!("-- sqlstrata: irreversible\n-- UP\n{sql};\n");
    let (_, diagnostics) = read_migration("x.sql", &name, "001_x.sql", &file);
    diagnostics.iter().any(|d| d.is_error())
}

fn sqlparser_catches(sql: &str) -> bool {
    Parser::parse_sql(&PostgreSqlDialect {}, sql).is_err()
}

#[test]
fn typos_are_caught_at_least_as_often_as_by_sqlparser() {
    for sql in CORPUS {
        assert!(!ours_catches(sql), "the corpus itself must pass: {sql}");
    }
    let kinds = [
        Kind::DroppedComma,
        Kind::DroppedParen,
        Kind::MisspelledKeyword,
        Kind::MissingKeyword,
        Kind::DoubledKeyword,
        Kind::SwappedTokens,
        Kind::UnterminatedString,
    ];
    let all: Vec<(Kind, String)> = CORPUS.iter().flat_map(|s| mutants(s)).collect();
    let (mut total_ours, mut total_plain, mut total) = (0, 0, 0);
    for kind in kinds {
        let of_kind: Vec<&String> = all
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, s)| s)
            .collect();
        let ours = of_kind.iter().filter(|s| ours_catches(s)).count();
        let plain = of_kind.iter().filter(|s| sqlparser_catches(s)).count();
        println!(
            "{kind:?}: {} mutants, sqlstrata catches {ours}, sqlparser {plain}",
            of_kind.len()
        );
        assert!(
            of_kind.len() >= 10,
            "{kind:?}: too few mutants to say anything"
        );
        assert!(
            ours >= plain,
            "{kind:?}: sqlstrata caught {ours}, sqlparser {plain}"
        );
        total_ours += ours;
        total_plain += plain;
        total += of_kind.len();
    }
    println!("all: {total} mutants, sqlstrata catches {total_ours}, sqlparser {total_plain}");
}

#[test]
fn joined_statements_are_caught_even_where_sqlparser_stops_early() {
    // Two statements whose `;` was lost: sqlparser 0.63 parses
    // `CREATE TABLE t (a int) END` as just the CREATE and drops the rest.
    let pairs: Vec<(String, String)> = CORPUS
        .windows(2)
        .map(|w| (w[0].to_string(), w[1].to_string()))
        .collect();
    let mut caught = 0;
    for (a, b) in &pairs {
        if ours_catches(&format!("{a}\n{b}")) {
            caught += 1;
        }
    }
    println!(
        "{:?}: {} mutants, sqlstrata catches {caught}",
        Kind::JoinedStatements,
        pairs.len()
    );
    assert_eq!(caught, pairs.len());
    assert!(ours_catches("CREATE TABLE t (a int) END"));
}
