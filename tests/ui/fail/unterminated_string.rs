static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/unterminated_string");

fn main() {
    let _ = MIGRATIONS.len();
}
