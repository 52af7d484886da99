static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/two_up_markers");

fn main() {
    let _ = MIGRATIONS.len();
}
