#![deny(deprecated)]

static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/empty_up");

fn main() {
    let _ = MIGRATIONS.len();
}
