static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/every_error_at_once");

fn main() {
    let _ = MIGRATIONS.len();
}
