static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/pass/formats");

#[sqlstrata::test]
fn two(db: sqlstrata::testing::TestDb, client: postgres::Client) {}

fn main() {}
