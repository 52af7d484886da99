static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/transaction_control");

fn main() {
    let _ = MIGRATIONS.len();
}
