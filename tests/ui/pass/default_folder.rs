//! With no argument the folder is `migrations` next to Cargo.toml; here the
//! trybuild project links it to the example set.

static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!();

fn main() {
    assert!(MIGRATIONS.len() >= 7);
    assert!(MIGRATIONS.get(6).unwrap().is_no_transaction());
}
