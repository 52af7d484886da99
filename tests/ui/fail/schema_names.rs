static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/schema_names");

fn main() {
    let _ = MIGRATIONS.len();
}
