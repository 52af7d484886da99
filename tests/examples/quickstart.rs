//! The README's first library snippet, exactly as the README shows it (but
//! for the folder's path, relative to this crate): `tests/tests/readme.rs`
//! keeps the two the same and runs this binary on a fresh database.

static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut client = postgres::Client::connect(&std::env::var("DATABASE_URL")?, postgres::NoTls)?;
    let migrator = sqlstrata::Migrator::new(&MIGRATIONS);

    let report = migrator.up(&mut client)?; // every pending migration, one new batch
    println!("applied {:?} in batch {:?}", report.applied(), report.batch);

    for e in migrator.status(&mut client)?.status {
        println!(
            "{:03} {:<30} {:<8} batch {:?}",
            e.version,
            e.name,
            e.state.as_str(),
            e.batch
        );
    }
    // The last batch, newest first, in one transaction. A batch that holds an
    // irreversible migration (the example's 005 rewrites every email) is
    // refused before anything changes.
    match migrator.rollback(&mut client) {
        Ok(report) => println!("rolled back {:?}", report.reverted()),
        Err(sqlstrata::Error::Irreversible { file }) => println!("kept: {file} cannot be undone"),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
