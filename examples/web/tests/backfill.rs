//! A data migration tested against rows: a database at the version before
//! 004 (milliseconds: a clone of that version's template), rows written for
//! that schema, then 004 through the same run as production, and the rows
//! asserted. The DOWN runs on the rows too.

use sqlstrata::testing::TestDb;
use sqlstrata_example_web::MIGRATIONS;

fn titles(db: &TestDb) -> Vec<String> {
    db.connect()
        .unwrap()
        .query("SELECT title FROM todos ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[sqlstrata::test(migrations = MIGRATIONS, at = 3, fixtures("untrimmed_todos"))]
fn existing_titles_are_trimmed_and_new_ones_checked(db: TestDb) {
    assert_eq!(
        titles(&db),
        ["  write the migration", "review it  ", "deploy"]
    );
    let report = db.migrate_to(4).unwrap();
    assert_eq!(report.applied(), [4]);
    assert_eq!(titles(&db), ["write the migration", "review it", "deploy"]);
    let refused = db
        .connect()
        .unwrap()
        .execute("INSERT INTO todos (title) VALUES (' padded ')", &[])
        .unwrap_err();
    assert_eq!(
        refused.code(),
        Some(&tokio_postgres::error::SqlState::CHECK_VIOLATION)
    );
    // The DOWN drops the check; the trimmed titles stay trimmed.
    db.revert_to(3).unwrap();
    assert_eq!(titles(&db), ["write the migration", "review it", "deploy"]);
}

#[sqlstrata::test(migrations = MIGRATIONS, at = 3)]
async fn the_service_keeps_working_across_the_backfill(client: tokio_postgres::Client) {
    client
        .batch_execute("INSERT INTO todos (title) VALUES ('a ')")
        .await
        .unwrap();
    // Through the production run, on the test's own client.
    let report = sqlstrata::Migrator::new(&MIGRATIONS)
        .up_async(&client)
        .await
        .unwrap();
    assert_eq!(report.applied(), [4]);
    let title: String = client
        .query_one("SELECT title FROM todos", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(title, "a");
}
