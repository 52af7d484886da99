static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/repeatable_bad_name");

fn main() {
    let _ = MIGRATIONS.len();
}
