static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/needs_no_transaction");

fn main() {
    let _ = MIGRATIONS.len();
}
