static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/unterminated_dollar_quote");

fn main() {
    let _ = MIGRATIONS.len();
}
