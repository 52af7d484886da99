static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/name_short_version");

fn main() {
    let _ = MIGRATIONS.len();
}
