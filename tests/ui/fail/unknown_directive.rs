static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/unknown_directive");

fn main() {
    let _ = MIGRATIONS.len();
}
