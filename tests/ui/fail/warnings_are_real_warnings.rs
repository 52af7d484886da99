#![deny(deprecated)]

static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/warnings_are_real_warnings");

fn main() {
    let _ = MIGRATIONS.len();
}
