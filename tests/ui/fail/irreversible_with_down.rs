static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/irreversible_with_down");

fn main() {
    let _ = MIGRATIONS.len();
}
