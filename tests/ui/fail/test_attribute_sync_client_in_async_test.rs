static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/pass/formats");

#[sqlstrata::test(migrations = MIGRATIONS)]
async fn blocking_in_async(client: postgres::Client) {}

fn main() {}
