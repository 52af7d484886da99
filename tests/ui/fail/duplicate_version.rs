static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/duplicate_version");

fn main() {
    let _ = MIGRATIONS.len();
}
