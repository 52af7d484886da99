static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/down_before_up");

fn main() {
    let _ = MIGRATIONS.len();
}
