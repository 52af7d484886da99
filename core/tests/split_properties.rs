//! Nothing runs that `check` did not see, as a property: files built from
//! tricky statements with random comments and whitespace between every two
//! tokens, split by sqlstrata-core, must give back exactly the statements they
//! were built from, statement by statement, once comments and whitespace are
//! stripped by an independent implementation of PostgreSQL's lexical rules.

use proptest::prelude::*;
use sqlstrata_core::migration::read_migration;
use sqlstrata_core::naming::parse_file_name;

/// Statements as their tokens: trivia may go between any two. Each holds a
/// `;`, a quote, a comment marker or a body that a naive splitter gets wrong.
const STATEMENTS: &[&[&str]] = &[
    &[
        "CREATE", "TABLE", "t", "(", "a", "text", "DEFAULT", "'x;y'", ",", "b", "int", ")",
    ],
    &[
        "INSERT",
        "INTO",
        "\"we;ird\"",
        "VALUES",
        "(",
        "E'it\\'s; -- no'",
        ")",
    ],
    &[
        "CREATE", "FUNCTION", "f", "(", ")", "RETURNS", "int", "LANGUAGE", "sql", "BEGIN",
        "ATOMIC", "SELECT", "1", "AS", "case", ";", "SELECT", "2", "AS", "end", ";", "END",
    ],
    &[
        "CREATE", "RULE", "r", "AS", "ON", "INSERT", "TO", "a", "DO", "ALSO", "(", "INSERT",
        "INTO", "b", "VALUES", "(", "1", ")", ";", "INSERT", "INTO", "c", "VALUES", "(", "2", ")",
        ")",
    ],
    &["DO", "$$ BEGIN PERFORM 1; END $$"],
    &[
        "CREATE",
        "FUNCTION",
        "g",
        "(",
        ")",
        "RETURNS",
        "trigger",
        "AS",
        "$body$ BEGIN x := 'a;'; /* ; */ END; $body$",
        "LANGUAGE",
        "plpgsql",
    ],
    &[
        "COMMENT",
        "ON",
        "TABLE",
        "t",
        "IS",
        "'it''s -- not a comment'",
    ],
    &[
        "CREATE",
        "INDEX",
        "i",
        "ON",
        "t",
        "(",
        "a",
        ")",
        "WHERE",
        "a",
        "<>",
        "'/* no */'",
    ],
    &[
        "UPDATE", "t", "SET", "a", "=", "a", "||", "';'", "WHERE", "b", "=", "-1",
    ],
    &[
        "SELECT",
        "$tag$ $$ ; $$ $tag$",
        ",",
        "U&'d\\0061t\\+000061'",
    ],
    &[
        "ALTER", "TABLE", "t", "ADD", "COLUMN", "c", "int", "NOT", "NULL", "DEFAULT", "0",
    ],
];

/// Whitespace and comments, each ending where PostgreSQL ends it.
const TRIVIA: &[&str] = &[
    " ",
    "\n",
    "\t",
    "\r\n",
    "  ",
    "-- c;m'e\"nt $$\n",
    "/* b;l'o $x$ */",
    "/* a /* nested; */ b */",
    "-- windows\r\n",
];

/// PostgreSQL's lexical rules, written again here on purpose (not
/// sqlstrata's lexer): the text with every comment and all whitespace
/// outside literals removed.
fn strip(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    // Inside an identifier, where `$` continues it instead of opening a
    // dollar quote (`E$$ND` is one name).
    let mut ident = false;
    while i < b.len() {
        let was_ident = std::mem::replace(&mut ident, false);
        let rest = &sql[i..];
        if rest.starts_with("--") {
            i += rest.find(['\n', '\r']).unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            let mut depth = 0;
            let mut j = i;
            loop {
                if sql[j..].starts_with("/*") {
                    depth += 1;
                    j += 2;
                } else if sql[j..].starts_with("*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            i = j;
        } else if b[i] == b'$'
            && !was_ident
            && let Some(close) = rest[1..].find('$')
            && rest[1..1 + close]
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_')
        {
            let tag = &rest[..close + 2];
            let end = rest[tag.len()..]
                .find(tag)
                .map_or(rest.len(), |e| e + 2 * tag.len());
            out.push_str(&rest[..end]);
            i += end;
        } else if b[i] == b'\'' || b[i] == b'"' {
            let quote = b[i];
            let escapes = b[i] == b'\'' && i > 0 && matches!(b[i - 1], b'E' | b'e');
            let mut j = i + 1;
            while j < b.len() {
                let escaped = escapes && b[j] == b'\\';
                let doubled = b[j] == quote && b.get(j + 1) == Some(&quote);
                if escaped || doubled {
                    j += 2;
                } else if b[j] == quote {
                    break;
                } else {
                    j += 1;
                }
            }
            out.push_str(&sql[i..=j.min(b.len() - 1)]);
            i = j + 1;
        } else if b[i].is_ascii_whitespace() {
            i += 1;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            ident = if was_ident {
                c.is_alphanumeric() || c == '_' || c == '$'
            } else {
                c.is_alphabetic() || c == '_'
            };
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// 2000 cases; `SQLSTRATA_PROPTEST_CASES` lowers it for mutation testing,
/// where the suite runs once per mutant.
fn cases() -> u32 {
    std::env::var("SQLSTRATA_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

fn trivia() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TRIVIA), 0..3)
        .prop_map(|parts| format!(" {} ", parts.concat()))
}

/// A file: statements (by index into [`STATEMENTS`]) written token by token
/// with trivia between, and the statements it was built from.
fn file() -> impl Strategy<Value = (String, Vec<String>)> {
    let statement = (0..STATEMENTS.len()).prop_flat_map(|i| {
        let n = STATEMENTS[i].len();
        (Just(i), prop::collection::vec(trivia(), n))
    });
    prop::collection::vec(statement, 1..6).prop_map(|statements| {
        let mut file = String::from("-- sqlstrata: irreversible\n-- UP\n");
        let mut built = Vec::new();
        for (i, gaps) in statements {
            let mut text = String::new();
            for (token, gap) in STATEMENTS[i].iter().zip(&gaps) {
                text.push_str(token);
                text.push_str(gap);
            }
            file.push_str(&text);
            file.push_str(";\n");
            built.push(text);
        }
        (file, built)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn what_runs_is_what_the_file_says_statement_by_statement((file, built) in file()) {
        let name = parse_file_name("001_x.sql").unwrap();
        let (migration, diagnostics) = read_migration("x.sql", &name, "001_x.sql", &file);
        // Every generated file is valid: no input is skipped.
        let errors: Vec<String> = diagnostics.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
        prop_assert!(errors.is_empty(), "{}\n{}", file, errors.join("\n"));
        let migration = migration.expect("valid, so a migration").migration;
        let sent: Vec<String> = migration.up().iter().map(|s| strip(s.sql())).collect();
        let want: Vec<String> = built.iter().map(|s| strip(s)).collect();
        prop_assert_eq!(&sent, &want, "{}", file);
        // And nothing outside those statements but their `;`.
        prop_assert_eq!(strip(&file).replace(';', ""), sent.concat().replace(';', ""));
    }
}

#[test]
fn the_oracle_strips_as_postgresql_lexes() {
    assert_eq!(
        strip("SELECT 1 -- x\r; DROP /* a /* b */ c */ t"),
        "SELECT1;DROPt"
    );
    assert_eq!(
        strip("SELECT 'a -- b', \"c /* d\", $$ e -- f $$"),
        "SELECT'a -- b',\"c /* d\",$$ e -- f $$"
    );
    assert_eq!(strip("E'it\\'s' x"), "E'it\\'s'x");
    assert_eq!(strip("a$$b $$ c $$"), "a$$b$$ c $$");
}

/// One edit of a built file: a character deleted, or one of the characters
/// that open or close something inserted, at any byte that starts a char.
fn mutated() -> impl Strategy<Value = String> {
    (
        file(),
        any::<prop::sample::Index>(),
        prop::sample::select(&["", "'", "\"", "$", "$$", "--", "/*", "*/", ";", "\n", "E'"][..]),
    )
        .prop_map(|((file, _), at, insert)| {
            let body = file.find("-- UP\n").map_or(0, |i| i + 6);
            let boundaries: Vec<usize> = (body..file.len())
                .filter(|&i| file.is_char_boundary(i))
                .collect();
            let i = boundaries[at.index(boundaries.len())];
            let mut out = file.clone();
            if insert.is_empty() {
                out.remove(i);
            } else {
                out.insert_str(i, insert);
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// A file one edit away from a valid one: the splitter never panics, and
    /// when it can split (nothing left open) every character outside
    /// comments and whitespace is in exactly one statement or is one of the
    /// `;` between them: nothing is dropped, nothing invented, whatever the
    /// grammar thinks of the text.
    #[test]
    fn an_edited_file_loses_nothing(file in mutated()) {
        let body = &file[file.find("-- UP\n").map_or(0, |i| i + 6)..];
        if let Ok(statements) = sqlstrata_core::split::split(body) {
            let sent: String = statements.iter().map(|(s, _)| strip(s)).collect();
            prop_assert_eq!(strip(body).replace(';', ""), sent.replace(';', ""), "{}", body);
        }
    }
}

/// Most edited files still split (the rest leave a quote or comment open,
/// which is an error, never a guess): the property above checks them, it
/// does not skip them.
#[test]
fn most_edited_files_are_checked_not_skipped() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut split, mut total) = (0, 0);
    for _ in 0..1000 {
        let file = mutated().new_tree(&mut runner).unwrap().current();
        let body = &file[file.find("-- UP\n").map_or(0, |i| i + 6)..];
        total += 1;
        if sqlstrata_core::split::split(body).is_ok() {
            split += 1;
        }
    }
    assert!(split * 100 >= total * 60, "only {split} of {total} split");
}
