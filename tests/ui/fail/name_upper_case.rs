static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/name_upper_case");

fn main() {
    let _ = MIGRATIONS.len();
}
