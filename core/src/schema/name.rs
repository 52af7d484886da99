//! Names as PostgreSQL reads them: an unquoted identifier is folded to lower
//! case, a quoted one is kept as written, and either is cut to 63 bytes
//! (`NAMEDATALEN - 1`), on a character boundary.

use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};

/// The longest name PostgreSQL keeps, in bytes.
pub const MAX_BYTES: usize = 63;

/// `name` cut to [`MAX_BYTES`], never inside a character.
///
/// ```
/// use sqlstrata_core::schema::name::truncate;
/// assert_eq!(truncate(&"a".repeat(70)).len(), 63);
/// assert_eq!(truncate("users"), "users");
/// ```
pub fn truncate(name: &str) -> String {
    if name.len() <= MAX_BYTES {
        return name.to_string();
    }
    let mut end = MAX_BYTES;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

/// An identifier as PostgreSQL stores it.
///
/// ```
/// use sqlparser::ast::Ident;
/// use sqlstrata_core::schema::name::fold;
/// assert_eq!(fold(&Ident::new("Users")), "users");
/// assert_eq!(fold(&Ident::with_quote('"', "Users")), "Users");
/// ```
pub fn fold(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        truncate(&ident.value)
    } else {
        truncate(&ident.value.to_lowercase())
    }
}

/// A position in a statement's text: 1-based line and column, as sqlparser
/// counts them.
pub type Place = (u64, u64);

/// Where `ident` starts in the statement.
pub fn place(ident: &Ident) -> Place {
    (ident.span.start.line, ident.span.start.column)
}

/// A possibly schema-qualified name, folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qualified {
    /// The schema, when the SQL names it.
    pub schema: Option<String>,
    /// The object's own name.
    pub name: String,
    /// Where the object's own name is written.
    pub place: Place,
}

impl Qualified {
    /// Reads `schema.name` or `name`; `None` for a name of other shapes (a
    /// database-qualified one, a function call).
    pub fn of(name: &ObjectName) -> Option<Qualified> {
        let parts: Vec<&Ident> = name
            .0
            .iter()
            .map(|p| match p {
                ObjectNamePart::Identifier(i) => Some(i),
                ObjectNamePart::Function(_) => None,
            })
            .collect::<Option<_>>()?;
        match parts.as_slice() {
            [n] => Some(Qualified {
                schema: None,
                name: fold(n),
                place: place(n),
            }),
            [s, n] => Some(Qualified {
                schema: Some(fold(s)),
                name: fold(n),
                place: place(n),
            }),
            _ => None,
        }
    }

    /// As the SQL wrote it, for messages.
    pub fn shown(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// The name PostgreSQL gives an object the SQL does not name (an index, a
/// constraint): `table_columns_label`, each part shortened the way
/// `makeObjectName` does so that the whole fits in 63 bytes.
///
/// ```
/// use sqlstrata_core::schema::name::implicit;
/// assert_eq!(implicit("users", &["email"], "key"), "users_email_key");
/// assert_eq!(implicit("users", &[], "pkey"), "users_pkey");
/// ```
pub fn implicit(table: &str, columns: &[&str], label: &str) -> String {
    let mut name2 = columns.join("_");
    // ChooseIndexColumnNames / ChooseForeignKeyConstraintNameAddition keep
    // at most NAMEDATALEN - 1 bytes of the joined names.
    name2 = truncate(&name2);
    let mut name1 = table.to_string();
    let overhead = label.len() + 1 + if name2.is_empty() { 0 } else { 1 };
    let avail = MAX_BYTES.saturating_sub(overhead);
    let (mut l1, mut l2) = (name1.len(), name2.len());
    while l1 + l2 > avail {
        if l1 > l2 {
            l1 -= 1;
        } else {
            l2 -= 1;
        }
    }
    while !name1.is_char_boundary(l1) {
        l1 -= 1;
    }
    while !name2.is_char_boundary(l2) {
        l2 -= 1;
    }
    name1.truncate(l1);
    name2.truncate(l2);
    if name2.is_empty() {
        format!("{name1}_{label}")
    } else {
        format!("{name1}_{name2}_{label}")
    }
}

/// PostgreSQL's reserved key words (and those it reserves in some places):
/// a name that is one is quoted.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// `name` as SQL writes it: bare when PostgreSQL would read it back as the
/// same name, else in double quotes.
///
/// ```
/// use sqlstrata_core::schema::name::quoted;
/// assert_eq!(quoted("users"), "users");
/// assert_eq!(quoted("user"), "\"user\"");
/// assert_eq!(quoted("Mixed"), "\"Mixed\"");
/// ```
pub fn quoted(name: &str) -> String {
    let bare = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
        && !RESERVED.contains(&name);
    if bare {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implicit_names_are_postgresqls() {
        let cases: &[(&str, &[&str], &str, &str)] = &[
            ("users", &["email"], "key", "users_email_key"),
            (
                "orders",
                &["user_id", "day"],
                "fkey",
                "orders_user_id_day_fkey",
            ),
            ("t", &[], "check", "t_check"),
            ("t", &["a"], "idx", "t_a_idx"),
        ];
        for (t, c, l, want) in cases {
            assert_eq!(implicit(t, c, l), *want);
        }
        // Both parts shortened, the longer first (PostgreSQL's rule).
        let long = implicit(&"t".repeat(40), &[&"c".repeat(40)], "key");
        assert_eq!(long.len(), 63);
        assert_eq!(long, format!("{}_{}_key", "t".repeat(29), "c".repeat(29)));
    }

    #[test]
    fn truncation_keeps_characters_whole() {
        let name = format!("{}é", "a".repeat(62));
        assert_eq!(truncate(&name), "a".repeat(62));
    }
}
