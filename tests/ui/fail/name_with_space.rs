static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/name_with_space");

fn main() {
    let _ = MIGRATIONS.len();
}
