//! Cargo rebuilds a crate that uses `migrations!()` when a migration file
//! changes, is removed, or (with the one documented `build.rs` line) is
//! added. Builds a real throwaway crate with cargo.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cargo(dir: &Path, target: &Path, args: &[&str], home: Option<&Path>) -> std::process::Output {
    let mut c = Command::new(env!("CARGO"));
    c.args(args)
        .arg("--quiet")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS");
    if let Some(home) = home {
        // A home the macro's cache cannot be made in; cargo's own home and
        // rustup's stay where they are.
        let real = std::env::var("HOME").unwrap_or_default();
        let cargo_home = std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{real}/.cargo"));
        let rustup_home =
            std::env::var("RUSTUP_HOME").unwrap_or_else(|_| format!("{real}/.rustup"));
        c.env("HOME", home)
            .env("CARGO_HOME", cargo_home)
            .env("RUSTUP_HOME", rustup_home)
            .env_remove("XDG_CACHE_HOME")
            .env_remove("SQLSTRATA_CACHE_DIR");
    }
    c.output().expect("run cargo")
}

fn run(dir: &Path, target: &Path) -> Result<String, String> {
    run_with_home(dir, target, None)
}

fn run_with_home(dir: &Path, target: &Path, home: Option<&Path>) -> Result<String, String> {
    let out = cargo(dir, target, &["run", "--offline"], home);
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).to_string())
    }
}

#[test]
fn cargo_rebuilds_when_migrations_change() {
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    let runtime = runtime.canonicalize().expect("runtime crate");
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rebuild");
    let _ = fs::remove_dir_all(&tmp);
    let app = tmp.join("app");
    fs::create_dir_all(app.join("src")).unwrap();
    fs::create_dir_all(app.join("migrations")).unwrap();
    fs::write(
        app.join("Cargo.toml"),
        format!(
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[dependencies]\nsqlstrata = {{ path = {:?} }}\n",
            runtime.display().to_string()
        ),
    )
    .unwrap();
    // The one line the README asks for, so that added files are seen.
    fs::write(
        app.join("build.rs"),
        "fn main() {\n    println!(\"cargo:rerun-if-changed=migrations\");\n}\n",
    )
    .unwrap();
    fs::write(
        app.join("src/main.rs"),
        "static M: sqlstrata::Migrations = sqlstrata::migrations!(\"migrations\");\n\
         fn main() {\n    let v: Vec<String> = M.iter().map(|m| format!(\"{}:{}\", m.version(), m.up().len())).collect();\n    println!(\"{}\", v.join(\" \"));\n}\n",
    )
    .unwrap();
    // Share the lock file of the workspace so the build stays offline.
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"),
        app.join("Cargo.lock"),
    )
    .unwrap();
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rebuild-target");
    let m = app.join("migrations");

    fs::write(
        m.join("001_a.sql"),
        "-- UP\nCREATE TABLE a (id int);\n-- DOWN\nDROP TABLE a;\n",
    )
    .unwrap();
    assert_eq!(run(&app, &target).unwrap(), "1:1");

    // Changed.
    fs::write(m.join("001_a.sql"), "-- UP\nCREATE TABLE a (id int);\nCREATE TABLE a2 (id int);\n-- DOWN\nDROP TABLE a2;\nDROP TABLE a;\n").unwrap();
    assert_eq!(run(&app, &target).unwrap(), "1:2");

    // Added.
    fs::write(m.join("002_b.sql"), "CREATE TABLE b (id int);\n").unwrap();
    assert_eq!(run(&app, &target).unwrap(), "1:2 2:1");

    // Broken: the build fails with the file and line.
    fs::write(m.join("002_b.sql"), "CREATE TABLE b (id int;\n").unwrap();
    let err = run(&app, &target).unwrap_err();
    assert!(err.contains("migrations/002_b.sql:1:"), "{err}");

    // Removed.
    fs::remove_file(m.join("002_b.sql")).unwrap();
    assert_eq!(run(&app, &target).unwrap(), "1:2");

    // A home no cache can be made in (a read-only one; `/proc` refuses
    // even root): only speed is lost. The build succeeds, sees a change,
    // and a broken file is the same error.
    let unwritable = Path::new("/proc/self/sqlstrata-no-home");
    fs::write(m.join("002_b.sql"), "CREATE TABLE b (id int);\n").unwrap();
    assert_eq!(
        run_with_home(&app, &target, Some(unwritable)).unwrap(),
        "1:2 2:1"
    );
    fs::write(m.join("002_b.sql"), "CREATE TABLE b (id int;\n").unwrap();
    let err = run_with_home(&app, &target, Some(unwritable)).unwrap_err();
    assert!(err.contains("migrations/002_b.sql:1:"), "{err}");
    assert!(!unwritable.exists());
}

#[test]
fn a_rewritten_or_damaged_cache_changes_nothing_in_the_binary() {
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../runtime")
        .canonicalize()
        .expect("runtime crate");
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cache-attack");
    let _ = fs::remove_dir_all(&tmp);
    let app = tmp.join("app");
    fs::create_dir_all(app.join("src")).unwrap();
    fs::create_dir_all(app.join("migrations")).unwrap();
    fs::write(
        app.join("Cargo.toml"),
        format!(
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[dependencies]\nsqlstrata = {{ path = {:?} }}\n",
            runtime.display().to_string()
        ),
    )
    .unwrap();
    fs::write(
        app.join("src/main.rs"),
        "static M: sqlstrata::Migrations = sqlstrata::migrations!(\"migrations\");\n\
         fn main() {\n    for m in &M { for s in m.up() { println!(\"{}|{}\", s.sql(), m.checksum_hex()); } }\n}\n",
    )
    .unwrap();
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"),
        app.join("Cargo.lock"),
    )
    .unwrap();
    fs::write(
        app.join("migrations/001_a.sql"),
        "-- UP\nCREATE TABLE aaaa (id int);\n-- DOWN\nDROP TABLE aaaa;\n",
    )
    .unwrap();
    let cache = tmp.join("cache");
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rebuild-target");
    let build = || {
        fs::write(
            app.join("src/.touch"),
            format!("{:?}", std::time::SystemTime::now()),
        )
        .unwrap();
        let main = fs::read_to_string(app.join("src/main.rs")).unwrap();
        fs::write(app.join("src/main.rs"), main).unwrap();
        let out = Command::new(env!("CARGO"))
            .args(["run", "--offline", "--quiet"])
            .current_dir(&app)
            .env("CARGO_TARGET_DIR", &target)
            .env("SQLSTRATA_CACHE_DIR", &cache)
            .env_remove("RUSTFLAGS")
            .output()
            .expect("cargo run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let honest = build();
    assert!(
        honest.starts_with("CREATE TABLE aaaa (id int)|"),
        "{honest}"
    );
    let files: Vec<PathBuf> = fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cache"))
        .collect();
    assert_eq!(files.len(), 1, "one cache file for the folder");
    let file = &files[0];
    let kept = fs::read(file).unwrap();
    let needle = b"CREATE TABLE aaaa";
    assert!(
        !kept.windows(needle.len()).any(|w| w == needle),
        "the cache holds no SQL to rewrite"
    );
    // Rewritten under the same key: every byte of the entry changed in turn
    // (a sample), truncated, garbage: the binary is the same.
    let header = b"sqlstrata-cache 4\n".len() + 40;
    let mut cases: Vec<Vec<u8>> = Vec::new();
    for i in (header..kept.len()).step_by(3) {
        let mut v = kept.clone();
        v[i] = v[i].wrapping_add(1);
        cases.push(v);
    }
    cases.push(kept[..kept.len() / 2].to_vec());
    cases.push(b"garbage".to_vec());
    for v in cases.iter().step_by(4).chain(cases.iter().rev().take(2)) {
        fs::write(file, v).unwrap();
        assert_eq!(build(), honest);
    }
}
