static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/pass/formats");

#[sqlstrata::test(migrations = MIGRATIONS)]
fn wrong(pool: String) {}

fn main() {}
