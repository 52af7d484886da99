//! Statements PostgreSQL accepts that sqlparser does not: the grammar judges
//! them, and the set compiles.
static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/pass/beyond_sqlparser");

fn main() {
    assert_eq!(MIGRATIONS.len(), 2);
    let rule = &MIGRATIONS.as_slice()[0].up()[4];
    assert!(rule.sql().starts_with("CREATE RULE"), "one statement: {}", rule.sql());
    assert!(MIGRATIONS.as_slice()[1].up().is_empty());
}
