static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/time_bounds");

fn main() {
    let _ = MIGRATIONS.len();
}
