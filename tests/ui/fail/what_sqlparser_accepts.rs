static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/what_sqlparser_accepts");

fn main() {
    let _ = MIGRATIONS.len();
}
