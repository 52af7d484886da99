static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/sql_before_up");

fn main() {
    let _ = MIGRATIONS.len();
}
