static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/no_such_folder");

fn main() {
    let _ = MIGRATIONS.len();
}
