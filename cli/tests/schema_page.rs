//! `sqlstrata schema --format html` in a real browser: Debian's Chromium,
//! headless, with the network off (a proxy that refuses and no name
//! resolution). The page must load on its own, its rendered DOM must hold
//! every table of the set with exactly one diagram node each and every
//! foreign key as an edge, and the test saves a screenshot beside its
//! output (`target/tmp/schema-page-*/`) for a person to look at.
//!
//! `scripts/test` installs Chromium (`apt-get install -y chromium`) when it
//! is missing; `SQLSTRATA_CHROMIUM` names another binary.

mod common;
use common::bin;

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("SQLSTRATA_CHROMIUM") {
        return PathBuf::from(p);
    }
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!(
        "the page's test needs Chromium: `apt-get install -y chromium` (scripts/test does it), or SQLSTRATA_CHROMIUM=/path/to/chrome"
    );
}

/// Chromium, headless, offline, with a profile of its own under `out`.
fn browser(out: &Path) -> Command {
    let mut c = Command::new(chromium());
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--window-size=1400,1400",
    ])
    .arg(format!("--user-data-dir={}", out.join("profile").display()));
    c
}

fn page_of(folder: &str, tag: &str) -> (PathBuf, String, PathBuf) {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("schema-page-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let html = bin()
        .current_dir(&root)
        .args(["--dir", folder, "schema", "--format", "html"])
        .output()
        .unwrap();
    assert!(html.status.success(), "{html:?}");
    let page = out.join("schema.html");
    std::fs::write(&page, &html.stdout).unwrap();
    (out, String::from_utf8(html.stdout).unwrap(), page)
}

/// The set's tables and foreign keys, as `schema --format json` says.
fn tables_and_edges(folder: &str) -> (Vec<String>, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let json = bin()
        .current_dir(&root)
        .args(["--dir", folder, "schema", "--format", "json"])
        .output()
        .unwrap();
    assert!(json.status.success(), "{json:?}");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let tables = v["tables"].as_array().unwrap();
    let names = tables
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    let names_set: Vec<&str> = tables.iter().map(|t| t["name"].as_str().unwrap()).collect();
    let edges = tables
        .iter()
        .flat_map(|t| t["constraints"].as_array().unwrap())
        .filter(|k| {
            k["references"]
                .as_str()
                .is_some_and(|r| names_set.contains(&r))
        })
        .count();
    (names, edges)
}

fn check(folder: &str, tag: &str) {
    let (out, html, page) = page_of(folder, tag);
    // Self-contained: nothing to fetch.
    let fetches: Vec<&str> = html
        .match_indices("http")
        .map(|(i, _)| &html[i..(i + 40).min(html.len())])
        .filter(|s| !s.starts_with("http://www.w3.org/2000/svg"))
        .collect();
    assert!(fetches.is_empty(), "the page names {fetches:?}");
    assert!(!html.contains("<script") && !html.contains("<link"));
    // The rendered DOM.
    let dom = browser(&out)
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8(dom.stdout).unwrap();
    assert!(dom.contains("<svg"), "{dom}");
    let (tables, edges) = tables_and_edges(folder);
    assert!(!tables.is_empty());
    for t in &tables {
        let nodes = dom
            .matches(&format!("class=\"node\" data-table=\"{t}\""))
            .count();
        assert_eq!(nodes, 1, "table {t}: {nodes} diagram nodes");
        assert!(
            dom.contains(&format!("<section class=\"table\" id=\"table-{t}\"")),
            "table {t} is not in the table list"
        );
    }
    assert_eq!(
        dom.matches("class=\"node\"").count(),
        tables.len(),
        "a node per table, no other"
    );
    assert_eq!(dom.matches("class=\"edge\"").count(), edges);
    // A screenshot for a person to look at.
    let shot = out.join("schema.png");
    let s = browser(&out)
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{}",
        shot.display()
    );
    println!("screenshot: {}", shot.display());
}

#[test]
fn the_page_loads_offline_with_a_node_per_table() {
    check("migrations", "demo");
    check("tests/fixtures/history", "history");
}
