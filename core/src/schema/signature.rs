//! A function's signature as PostgreSQL tells overloads apart: the types
//! of its arguments but `OUT` ones, each as the server names it whatever
//! the SQL wrote (`int`, `int4` and `integer` are one type; `varchar(20)`
//! is `character varying`; an array of any dimensions is one array type).
//! Names and defaults do not count. Where a type's spelling is not one
//! this reader is sure of, there is no signature (`None`): the model then
//! does not know which overload is meant, and never reports one missing.

use sqlparser::ast::{ArgMode, DataType, OperateFunctionArg};

/// The signature of `args`: the normalised types of its `IN`, `INOUT` and
/// `VARIADIC` arguments, joined by `, `.
///
/// ```
/// use sqlparser::ast::{ObjectType, Statement};
/// use sqlparser::dialect::PostgreSqlDialect;
/// use sqlparser::parser::Parser;
/// use sqlstrata_core::schema::signature::arg_types;
///
/// let sql = "DROP FUNCTION f(a int4, OUT b text, c character varying(20)[] DEFAULT '{}')";
/// let Statement::DropFunction(df) = &Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap()[0]
/// else { panic!() };
/// let args = df.func_desc[0].args.as_deref().unwrap();
/// assert_eq!(arg_types(args).as_deref(), Some("integer, character varying[]"));
/// ```
pub fn arg_types(args: &[OperateFunctionArg]) -> Option<String> {
    let mut out = Vec::new();
    for a in args {
        if a.mode == Some(ArgMode::Out) {
            continue;
        }
        out.push(type_name(&a.data_type)?);
    }
    Some(out.join(", "))
}

/// The server's name of the type `ty` (its last name part for a type the
/// migrations or an extension made); `None` when not sure.
pub fn type_name(ty: &DataType) -> Option<String> {
    let text = ty.to_string().to_lowercase();
    normalise(&text)
}

/// See [`type_name`]; `text` is the type as written, lower case.
pub fn normalise(text: &str) -> Option<String> {
    let mut t = text.trim().to_string();
    // An array of any dimensions: `t[]`, `t[3][]`, `t array`, `t array[2]`.
    let mut array = false;
    loop {
        let trimmed = t.trim_end();
        if let Some(open) = trimmed.strip_suffix(']').and_then(|r| r.rfind('[')) {
            let inner = &trimmed[open + 1..trimmed.len() - 1];
            if !inner.chars().all(|c| c.is_ascii_digit() || c == ' ') {
                return None;
            }
            t = trimmed[..open].to_string();
            array = true;
        } else if let Some(rest) = trimmed.strip_suffix(" array") {
            t = rest.to_string();
            array = true;
        } else {
            t = trimmed.to_string();
            break;
        }
    }
    // `float(p)` is `real` or `double precision` by its precision.
    if t.starts_with("float") && t.contains('(') {
        return None;
    }
    // Type modifiers do not count: `varchar(20)`, `numeric(10, 2)`,
    // `timestamp(3) with time zone`.
    let mut plain = String::new();
    let mut depth = 0;
    for c in t.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            ')' => return None,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    if depth != 0 {
        return None;
    }
    let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    // A schema-qualified name by its last part (`pg_catalog.int4` is
    // `integer`; two types of one name in two schemas then look alike,
    // which only makes the model find an overload where there may be none).
    let plain = match plain.rsplit_once('.') {
        Some((schema, name)) if is_word(schema) && is_word(name) => name.to_string(),
        Some(_) => return None,
        None => plain,
    };
    let base = match plain.as_str() {
        "int" | "integer" | "int4" => "integer",
        "smallint" | "int2" => "smallint",
        "bigint" | "int8" => "bigint",
        "real" | "float4" => "real",
        "double precision" | "float8" | "float" => "double precision",
        "bool" | "boolean" => "boolean",
        "varchar" | "character varying" | "char varying" => "character varying",
        "char" | "character" | "bpchar" => "character",
        "numeric" | "decimal" | "dec" => "numeric",
        "timestamp" | "timestamp without time zone" => "timestamp without time zone",
        "timestamptz" | "timestamp with time zone" => "timestamp with time zone",
        "time" | "time without time zone" => "time without time zone",
        "timetz" | "time with time zone" => "time with time zone",
        "varbit" | "bit varying" => "bit varying",
        p if p == "interval" || p.starts_with("interval ") => "interval",
        // Any other name: one plain word (not `_int4`, an array's own name).
        p if is_word(p) && !p.starts_with('_') => p,
        _ => return None,
    };
    Some(if array {
        format!("{base}[]")
    } else {
        base.to_string()
    })
}

/// An unquoted identifier, lower case.
fn is_word(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with(|c: char| c.is_ascii_digit())
        && p.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
