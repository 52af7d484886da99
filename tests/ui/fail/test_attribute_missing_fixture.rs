static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/pass/formats");

#[sqlstrata::test(migrations = MIGRATIONS, fixtures("nobody"))]
fn needs_a_fixture(client: postgres::Client) {}

fn main() {}
