static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/pass/formats");

#[sqlstrata::test(set = MIGRATIONS)]
fn wrong(db: sqlstrata::testing::TestDb) {}

fn main() {}
