//! Every accepted form of a migration file embeds and runs.

static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/pass/formats");

fn main() {
    let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version()).collect();
    assert_eq!(versions, [1, 2, 3, 4, 8], "gaps are allowed, README.md is ignored");

    let plain = MIGRATIONS.get(1).unwrap();
    assert!(plain.is_irreversible(), "no markers: all UP, irreversible");
    assert_eq!(plain.up().len(), 2);
    assert_eq!(plain.up()[1].line(), 3);

    let windows = MIGRATIONS.get(2).unwrap();
    assert_eq!(windows.up()[0].sql(), "CREATE TABLE windows (id int)");
    assert_eq!(windows.down().unwrap()[0].sql(), "DROP TABLE windows");

    let unchecked = MIGRATIONS.get(3).unwrap();
    assert_eq!(unchecked.up().len(), 3);
    assert_eq!(unchecked.up()[1].line(), 5);

    let any_case = MIGRATIONS.get(4).unwrap();
    assert_eq!(any_case.down().unwrap().len(), 1);
    assert!(MIGRATIONS.get(8).unwrap().is_irreversible());
}
