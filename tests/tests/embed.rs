//! The example set embedded by the macro: what a user's crate gets.

use sqlstrata_core::checksum::checksum;
use sqlstrata_tests::EXAMPLE;

#[test]
fn example_set_is_embedded_in_version_order() {
    let versions: Vec<i64> = EXAMPLE.iter().map(|m| m.version()).collect();
    assert_eq!(versions, vec![1, 2, 3, 4, 5, 6, 7]);
    let names: Vec<&str> = EXAMPLE.iter().map(|m| m.name()).collect();
    assert_eq!(names[2], "posts_updated_at_trigger");
}

#[test]
fn statements_keep_their_original_text_and_lines() {
    let trigger = EXAMPLE.get(3).unwrap();
    let function = &trigger.up()[0];
    assert_eq!(function.line(), 6);
    assert!(
        function
            .sql()
            .starts_with("CREATE OR REPLACE FUNCTION touch_updated_at()")
    );
    assert!(
        function
            .sql()
            .contains("-- A semicolon inside the body; does not end the statement.")
    );
    assert!(function.sql().ends_with("$$"));
    assert_eq!(trigger.up()[1].line(), 15);
    assert_eq!(trigger.down().unwrap().len(), 2);
}

#[test]
fn flags_and_headers_are_embedded() {
    let concurrent = EXAMPLE.get(6).unwrap();
    assert!(concurrent.is_no_transaction());
    assert!(!EXAMPLE.get(7).unwrap().is_no_transaction());
    let irreversible = EXAMPLE.get(5).unwrap();
    assert!(irreversible.is_irreversible());
    assert!(irreversible.down().is_none());
    assert_eq!(
        EXAMPLE.get(4).unwrap().description(),
        Some("Add avatar column to users table")
    );
    assert_eq!(
        EXAMPLE.get(4).unwrap().file_name(),
        "004_add_user_avatar.sql"
    );
}

#[test]
fn checksums_are_of_what_runs_and_match_at_run_time() {
    // The macro's checksum is the model's formula over the UP statements,
    // the same that the CLI computes when it reads the folder at run time.
    let m = EXAMPLE.get(4).unwrap();
    assert_eq!(
        m.checksum(),
        &checksum(
            &[
                "ALTER TABLE users ADD COLUMN avatar_url TEXT",
                "CREATE INDEX idx_users_avatar ON users (avatar_url) WHERE avatar_url IS NOT NULL",
            ],
            false
        )
    );
    let folder = sqlstrata_core::read_folder(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations")),
        "migrations",
    );
    let at_run_time =
        sqlstrata::Migrations::new(folder.migrations.into_iter().map(|m| m.migration).collect());
    assert_eq!(
        at_run_time, EXAMPLE,
        "the embedded set is what the CLI reads"
    );
    assert_eq!(at_run_time.applied_digest(), EXAMPLE.applied_digest());
}
