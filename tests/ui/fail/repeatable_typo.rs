static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/repeatable_typo");

fn main() {
    let _ = MIGRATIONS.len();
}
