//! What defines a column or a constraint beyond its name, read from
//! sqlparser's tree: the part of the model the schema views show (a
//! table's columns with their defaults, its keys and what its foreign keys
//! refer to). Where a definition has something these do not hold, there is
//! no detail: the views then say the part is not known, never guess it.

use sqlparser::ast::{
    CheckConstraint, ColumnDef, ColumnOption, ForeignKeyConstraint, Ident, NullsDistinctOption,
    PrimaryKeyConstraint, UniqueConstraint,
};

use super::name::{Qualified, fold};
use super::objects::{ConstraintKind, Detail, Reference};

/// A column's detail (at `position`), or `None` when one of its options is
/// not one the model holds (a collation, say).
pub fn column(def: &ColumnDef, position: u32) -> Option<Detail> {
    let mut d = Detail {
        position,
        ..Detail::default()
    };
    for opt in &def.options {
        match &opt.option {
            ColumnOption::NotNull => d.not_null = true,
            ColumnOption::Null => d.not_null = false,
            ColumnOption::Default(e) => d.default = Some(e.to_string()),
            ColumnOption::PrimaryKey(_) => d.not_null = true,
            ColumnOption::Generated { .. } => {
                d.default = Some(opt.option.to_string());
                if matches!(
                    opt.option,
                    ColumnOption::Generated {
                        generation_expr: None,
                        ..
                    }
                ) {
                    d.not_null = true;
                    d.serial = true;
                }
            }
            ColumnOption::Unique(_) | ColumnOption::ForeignKey(_) | ColumnOption::Check(_) => {}
            _ => return None,
        }
    }
    if is_serial_name(&def.data_type.to_string()) {
        d.not_null = true;
        d.serial = true;
    }
    Some(d)
}

/// The type a `serial` column has (`None`: not a serial type).
pub fn serial_base(ty: &str) -> Option<&'static str> {
    match ty.to_ascii_lowercase().as_str() {
        "serial" | "serial4" => Some("integer"),
        "bigserial" | "serial8" => Some("bigint"),
        "smallserial" | "serial2" => Some("smallint"),
        _ => None,
    }
}

/// Whether a type's name is one of the `serial` pseudo-types.
pub fn is_serial_name(ty: &str) -> bool {
    matches!(
        ty.to_ascii_lowercase().as_str(),
        "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
    )
}

fn plain_index(
    include: &[Ident],
    options: usize,
    characteristics: bool,
    distinct: Option<&NullsDistinctOption>,
) -> bool {
    include.is_empty()
        && options == 0
        && !characteristics
        && distinct.is_none_or(|d| *d == NullsDistinctOption::None)
}

/// A primary key's detail over `columns`.
pub fn primary_key(pk: &PrimaryKeyConstraint, columns: &[String]) -> Option<Detail> {
    plain_index(
        &pk.include,
        pk.index_options.len(),
        pk.characteristics.is_some(),
        None,
    )
    .then(|| Detail {
        kind: Some(ConstraintKind::PrimaryKey),
        columns: columns.to_vec(),
        ..Detail::default()
    })
}

/// A unique constraint's detail over `columns`.
pub fn unique(u: &UniqueConstraint, columns: &[String]) -> Option<Detail> {
    plain_index(
        &u.include,
        u.index_options.len(),
        u.characteristics.is_some(),
        Some(&u.nulls_distinct),
    )
    .then(|| Detail {
        kind: Some(ConstraintKind::Unique),
        columns: columns.to_vec(),
        ..Detail::default()
    })
}

/// A foreign key's detail: `columns` of this table referring to `schema`'s
/// table.
pub fn foreign_key(fk: &ForeignKeyConstraint, columns: &[String], schema: &str) -> Option<Detail> {
    let target = Qualified::of(&fk.foreign_table)?;
    let mut tail = String::new();
    if let Some(m) = &fk.match_kind {
        tail.push_str(&format!(" {m}"));
    }
    if let Some(a) = &fk.on_delete {
        tail.push_str(&format!(" ON DELETE {a}"));
    }
    if let Some(a) = &fk.on_update {
        tail.push_str(&format!(" ON UPDATE {a}"));
    }
    if let Some(c) = &fk.characteristics {
        tail.push_str(&format!(" {c}"));
    }
    Some(Detail {
        kind: Some(ConstraintKind::ForeignKey),
        columns: columns.to_vec(),
        references: Some(Reference {
            schema: schema.to_string(),
            table: target.name,
            columns: fk.referred_columns.iter().map(fold).collect(),
        }),
        sql: tail,
        ..Detail::default()
    })
}

/// A check constraint's detail.
pub fn check(ck: &CheckConstraint) -> Detail {
    let text = CheckConstraint {
        name: None,
        ..ck.clone()
    }
    .to_string();
    Detail {
        kind: Some(ConstraintKind::Check),
        sql: text,
        ..Detail::default()
    }
}

/// A constraint's definition as PostgreSQL's `CONSTRAINT name ...` takes it;
/// `None` for a foreign key whose referred table is shown by `table`
/// (a function from a reference to its name as SQL).
pub fn definition(d: &Detail, table: impl Fn(&Reference) -> String) -> Option<String> {
    let cols = |c: &[String]| {
        c.iter()
            .map(|n| super::name::quoted(n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Some(match d.kind? {
        ConstraintKind::PrimaryKey => format!("PRIMARY KEY ({})", cols(&d.columns)),
        ConstraintKind::Unique => format!("UNIQUE ({})", cols(&d.columns)),
        ConstraintKind::ForeignKey => {
            let r = d.references.as_ref()?;
            let referred = if r.columns.is_empty() {
                String::new()
            } else {
                format!(" ({})", cols(&r.columns))
            };
            format!(
                "FOREIGN KEY ({}) REFERENCES {}{referred}{}",
                cols(&d.columns),
                table(r),
                d.sql
            )
        }
        ConstraintKind::Check => d.sql.clone(),
    })
}

/// Whether `sql` mentions `word` as a whole word (an identifier that a
/// rename makes stale).
pub fn mentions(sql: &str, word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    // Most texts do not hold the word at all: no copy for those.
    if !sql
        .as_bytes()
        .windows(w.len().max(1))
        .any(|x| x.eq_ignore_ascii_case(w.as_bytes()))
    {
        return false;
    }
    let lower = sql.to_ascii_lowercase();
    lower.match_indices(&w).any(|(i, _)| {
        let before = lower[..i].chars().next_back();
        let after = lower[i + w.len()..].chars().next();
        let part = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !part(before) && !part(after)
    })
}
