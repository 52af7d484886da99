static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/name_dashes");

fn main() {
    let _ = MIGRATIONS.len();
}
