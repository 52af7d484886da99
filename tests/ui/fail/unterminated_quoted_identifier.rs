static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/unterminated_quoted_identifier");

fn main() {
    let _ = MIGRATIONS.len();
}
