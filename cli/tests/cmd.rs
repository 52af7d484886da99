//! Snapshots of what a user sees (`cli/tests/cmd/*.trycmd`): every
//! command's `--help`, and `check` in each format. `TRYCMD=overwrite`
//! writes them again after a change, for review.

#[test]
fn what_the_command_line_shows() {
    trycmd::TestCases::new()
        .register_bin(
            "sqlstrata",
            std::path::PathBuf::from(env!("CARGO_BIN_EXE_sqlstrata")),
        )
        .env("NO_COLOR", "1")
        .case("tests/cmd/*.trycmd");
}
