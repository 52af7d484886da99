#![deny(deprecated)]

static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/session_setting");

fn main() {
    let _ = MIGRATIONS.len();
}
