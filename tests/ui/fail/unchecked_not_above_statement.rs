static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/unchecked_not_above_statement");

fn main() {
    let _ = MIGRATIONS.len();
}
