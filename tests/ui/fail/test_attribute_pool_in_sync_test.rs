static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("ui/pass/formats");

#[sqlstrata::test]
fn sync_pool(pool: sqlx::PgPool) {}

fn main() {}
