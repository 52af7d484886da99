// A database at a version the set does not have: a compile error naming
// the versions it has.
static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("migrations");

#[sqlstrata::test(migrations = MIGRATIONS, at = 41)]
fn before_the_backfill(_db: sqlstrata::testing::TestDb) {}

fn main() {}
