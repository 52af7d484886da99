static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/pass/formats");

#[sqlstrata::test(migrations = MIGRATIONS, fixtures_dir = "ui/fixtures", fixtures("bad"))]
fn bad_fixture(client: postgres::Client) {}

fn main() {}
