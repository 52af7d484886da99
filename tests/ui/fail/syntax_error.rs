static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/syntax_error");

fn main() {
    let _ = MIGRATIONS.len();
}
