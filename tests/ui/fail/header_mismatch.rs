static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/header_mismatch");

fn main() {
    let _ = MIGRATIONS.len();
}
