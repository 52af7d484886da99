//! trybuild UI tests: every compile error `migrations!()` can give, each with
//! the exact text a user sees in its `.stderr` snapshot, and the forms that
//! must compile.
//!
//! trybuild compiles each case in a generated crate under
//! `target/tests/trybuild/sqlstrata-tests`, whose `CARGO_MANIFEST_DIR` is that
//! folder; the macro resolves folders against it, so the fixtures are linked
//! in there (`ui` -> tests/ui, `migrations` -> the example set).

use std::path::{Path, PathBuf};

fn link(target: &Path, link: &Path) {
    let _ = std::fs::remove_file(link);
    #[cfg(unix)]
    std::os::unix::fs::symlink(target, link).expect("symlink fixtures into the trybuild project");
}

fn trybuild_project() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp; trybuild works in <target>/tests/trybuild.
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let project = tmp
        .parent()
        .expect("target dir")
        .join("tests/trybuild/sqlstrata-tests");
    std::fs::create_dir_all(&project).expect("create the trybuild project folder");
    project
}

#[test]
fn ui() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = trybuild_project();
    link(&here.join("ui"), &project.join("ui"));
    link(&here.join("../migrations"), &project.join("migrations"));

    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail/*.rs");
    t.pass("ui/pass/*.rs");
}
