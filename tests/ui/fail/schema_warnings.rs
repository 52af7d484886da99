#![deny(deprecated)]

static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/fail/schema_warnings");

fn main() {
    let _ = MIGRATIONS.len();
}
