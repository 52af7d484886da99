static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/missing_semicolon");

fn main() {
    let _ = MIGRATIONS.len();
}
