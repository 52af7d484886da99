//! What each tool's macro adds to a debug rebuild at 100 and 1000 migration files:
//! the same binary crate embedding the same 1000 generated migrations with
//! plain `include_str!`s, sqlstrata's `migrations!`, sqlx's `migrate!` and
//! refinery's `embed_migrations!`; dependencies built once, then `main.rs`
//! touched and the crate rebuilt (`cargo build`, dev profile), 5 times each,
//! alternating between the tools.
//!
//! cd bench/peers && cargo run --release --bin rebuild

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 5;

struct Tool {
    name: &'static str,
    /// Build with the macro's cache off (sqlstrata's).
    no_cache: bool,
    /// The set to copy into the crate as `migrations/` (paths relative to
    /// the crate are all sqlx accepts).
    set: Option<PathBuf>,
    deps: String,
    main: String,
}

fn build(dir: &Path, target: &Path, no_cache: bool) -> Duration {
    let start = Instant::now();
    let mut cmd = Command::new("cargo");
    cmd.args(["build", "--quiet", "--offline"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target);
    if no_cache {
        cmd.env("SQLSTRATA_CACHE_DIR", "off");
    }
    let status = cmd.status().expect("cargo build");
    assert!(status.success(), "build of {} failed", dir.display());
    start.elapsed()
}

fn main() {
    for n in [100, 1000] {
        measure(n);
    }
}

fn measure(n: usize) {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sets = here.join("sets");
    let runtime = here.join("../../runtime").canonicalize().expect("runtime");
    let work = std::env::temp_dir().join(format!("sqlstrata-peers-rebuild-{n}"));
    let _ = fs::remove_dir_all(&work);
    // One target for every size: the dependencies are built once.
    let target: PathBuf = std::env::temp_dir().join("sqlstrata-peers-rebuild-target");
    let strata = sets.join(format!("strata_{n}"));
    let includes: String = (1..=n)
        .map(|i| {
            format!(
                "    include_str!({:?}),\n",
                strata
                    .join(format!("{i:04}_table_{i}.sql"))
                    .display()
                    .to_string()
            )
        })
        .collect();
    let tools = [
        Tool {
            name: "include_str! (no macro)",
            no_cache: false,
            set: None,
            deps: String::new(),
            main: format!(
                "static FILES: &[&str] = &[\n{includes}];\nfn main() {{ println!(\"{{}}\", FILES.len()); }}\n"
            ),
        },
        Tool {
            name: "include_str! with sqlstrata as a dependency (no macro: what cargo pays for the dependency)",
            no_cache: false,
            set: None,
            deps: format!("sqlstrata = {{ path = {:?} }}\n", runtime.display().to_string()),
            main: format!(
                "static FILES: &[&str] = &[\n{includes}];\nfn main() {{ println!(\"{{}}\", FILES.len() + 2); }}\n"
            ),
        },
        Tool {
            name: "sqlstrata migrations!",
            no_cache: false,
            set: None,
            deps: format!("sqlstrata = {{ path = {:?} }}\n", runtime.display().to_string()),
            main: format!(
                "static M: sqlstrata::Migrations = sqlstrata::migrations!({:?});\nfn main() {{ println!(\"{{}}\", M.len()); }}\n",
                strata.display().to_string()
            ),
        },
        Tool {
            name: "sqlstrata migrations! (no cache: a fresh checkout, CI)",
            no_cache: true,
            set: None,
            deps: format!("sqlstrata = {{ path = {:?} }}\n", runtime.display().to_string()),
            main: format!(
                "static M: sqlstrata::Migrations = sqlstrata::migrations!({:?});\nfn main() {{ println!(\"{{}}\", M.len() + 1); }}\n",
                strata.display().to_string()
            ),
        },
        Tool {
            name: "sqlx migrate!",
            no_cache: false,
            set: Some(sets.join(format!("sqlx_{n}"))),
            deps: "sqlx = { version = \"=0.9.0\", default-features = false, features = [\"postgres\", \"runtime-tokio\", \"migrate\", \"macros\"] }\n".into(),
            main: format!(
                "static M: sqlx::migrate::Migrator = sqlx::migrate!(\"./migrations\");\nfn main() {{ println!(\"{{}}\", M.iter().count()); }}\n",
            ),
        },
        Tool {
            name: "refinery embed_migrations!",
            no_cache: false,
            set: Some(sets.join(format!("refinery_{n}"))),
            deps: "refinery = { version = \"=0.10.0\", features = [\"tokio-postgres\"] }\n".into(),
            main: format!(
                "mod embedded {{ refinery::embed_migrations!(\"./migrations\"); }}\nfn main() {{ println!(\"{{}}\", embedded::migrations::runner().get_migrations().len()); }}\n",
            ),
        },
    ];
    let mut dirs = Vec::new();
    for (i, tool) in tools.iter().enumerate() {
        let dir = work.join(format!("crate{i}"));
        fs::create_dir_all(dir.join("src")).expect("dir");
        fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"embed{i}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[dependencies]\n{}",
                tool.deps
            ),
        )
        .expect("Cargo.toml");
        fs::write(dir.join("src/main.rs"), &tool.main).expect("main.rs");
        if let Some(set) = &tool.set {
            fs::create_dir_all(dir.join("migrations")).expect("migrations");
            for e in fs::read_dir(set).expect("set").flatten() {
                fs::copy(e.path(), dir.join("migrations").join(e.file_name())).expect("copy");
            }
        }
        fs::copy(here.join("Cargo.lock"), dir.join("Cargo.lock")).expect("lock");
        build(&dir, &target, tool.no_cache); // dependencies, once
        dirs.push(dir);
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); tools.len()];
    for run in 0..RUNS {
        for k in 0..tools.len() {
            let i = (k + run) % tools.len();
            let main = dirs[i].join("src/main.rs");
            let text = fs::read_to_string(&main).expect("main.rs");
            fs::write(&main, format!("{text}\n")).expect("touch");
            times[i].push(build(&dirs[i], &target, tools[i].no_cache));
        }
    }
    let medians: Vec<Duration> = times
        .into_iter()
        .map(|mut t| {
            t.sort();
            t[t.len() / 2]
        })
        .collect();
    println!("| {n} migration files | debug rebuild (median of {RUNS}) | the macro adds |");
    println!("| --- | --- | --- |");
    for (tool, m) in tools.iter().zip(&medians) {
        println!(
            "| {} | {:.2} s | {:.2} s |",
            tool.name,
            m.as_secs_f64(),
            m.as_secs_f64() - medians[0].as_secs_f64()
        );
    }
}
