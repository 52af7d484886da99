//! The README's diagram of the demo's migrations is what `sqlstrata schema
//! --format mermaid` draws of them now: it fails when a migration changes
//! the schema and the README was not regenerated (the message says how).

mod common;
use common::bin;

use std::path::Path;

#[test]
fn the_readme_diagram_is_the_tools_own_and_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let block = readme
        .split_once("<!-- schema:begin -->\n```mermaid\n")
        .and_then(|(_, rest)| rest.split_once("```\n<!-- schema:end -->"))
        .map(|(block, _)| block)
        .expect("the README has the schema diagram between its markers");
    let drawn = bin()
        .current_dir(&root)
        .args(["--dir", "migrations", "schema", "--format", "mermaid"])
        .output()
        .unwrap();
    assert!(drawn.status.success(), "{drawn:?}");
    let drawn = String::from_utf8(drawn.stdout).unwrap();
    assert!(drawn.contains("erDiagram") && drawn.contains("||--o{"));
    assert_eq!(
        block, drawn,
        "README.md's diagram is stale: replace the block between `<!-- schema:begin -->` and `<!-- schema:end -->` with the output of `sqlstrata --dir migrations schema --format mermaid`"
    );
}
