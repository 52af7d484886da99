//! What `migrations!()` adds to a debug build: the same crate embedding 1000
//! generated migrations (3000 statements) with the macro, and with plain
//! `include_str!` of each file, rebuilt after touching `main.rs` (the
//! dependencies are already built). Run with and without
//! `[profile.dev.build-override] opt-level = 3`.
//!
//! ```sh
//! cargo run --release -p sqlstrata-bench --bin macro_build [N]   (default 1000)
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sqlstrata_bench::{generate_set, median, time_runs};

fn write_crate(dir: &Path, runtime: &Path, main: &str, optimise_macros: bool) {
    fs::create_dir_all(dir.join("src")).expect("crate dir");
    let profile = if optimise_macros {
        "\n[profile.dev.build-override]\nopt-level = 3\n"
    } else {
        ""
    };
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"embed\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[dependencies]\nsqlstrata = {{ path = {:?} }}\n{profile}",
            runtime.display().to_string()
        ),
    )
    .expect("Cargo.toml");
    fs::write(dir.join("src/main.rs"), main).expect("main.rs");
    let _ = fs::remove_file(dir.join("migrations"));
}

fn build(dir: &Path, target: &Path, cache: bool) {
    let mut cmd = Command::new("cargo");
    if !cache {
        cmd.env("SQLSTRATA_CACHE_DIR", "off");
    }
    let status = cmd
        .args(["build", "--quiet", "--offline"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .status()
        .expect("cargo build");
    assert!(status.success(), "build of {} failed", dir.display());
}

fn measure(dir: &Path, target: &Path, cache: bool) -> Vec<Duration> {
    build(dir, target, cache); // dependencies, once
    time_runs(5, || {
        // A change to the crate's own source: only it is rebuilt.
        let main = dir.join("src/main.rs");
        let text = fs::read_to_string(&main).expect("main.rs");
        fs::write(&main, format!("{text}\n")).expect("touch main.rs");
        build(dir, target, cache);
    })
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let runtime = root.join("runtime").canonicalize().expect("runtime crate");
    let lock = root.join("Cargo.lock");
    let work = std::env::temp_dir().join("sqlstrata-bench-macro");
    let _ = fs::remove_dir_all(&work);
    let set = work.join("set");
    generate_set(&set, n).expect("generate the set");

    let includes: String = (1..=n)
        .map(|i| {
            format!(
                "    include_str!({:?}),\n",
                set.join(format!("{i:04}_table_{i}.sql"))
                    .display()
                    .to_string()
            )
        })
        .collect();
    let plain_main = format!(
        "static FILES: &[&str] = &[\n{includes}];\nfn main() {{ println!(\"{{}}\", FILES.len()); }}\n"
    );
    let macro_main = format!(
        "static M: sqlstrata::Migrations = sqlstrata::migrations!({:?});\nfn main() {{ println!(\"{{}}\", M.len()); }}\n",
        set.display().to_string()
    );

    // The macro keeps what it checked between builds (a cache keyed by each
    // file's content): a rebuild with unchanged migrations reads it back.
    // Without the cache every rebuild checks all 1000 files again, which is
    // also what the first build of a fresh checkout pays.
    let mut results: Vec<(String, Duration)> = Vec::new();
    for optimise in [false, true] {
        let target: PathBuf = work.join(if optimise { "target-opt" } else { "target" });
        for (label, main, cache) in [
            ("include_str!", &plain_main, true),
            ("migrations!", &macro_main, true),
            ("migrations! (no cache)", &macro_main, false),
        ] {
            let dir = work.join(format!(
                "{}-{}",
                label.split('!').next().unwrap_or(label),
                optimise
            ));
            write_crate(&dir, &runtime, main, optimise);
            fs::copy(&lock, dir.join("Cargo.lock")).expect("lock file");
            let times = measure(&dir, &target, cache);
            let name = format!(
                "{label:<22} build-override opt-level={}",
                if optimise { 3 } else { 0 }
            );
            println!(
                "{name}: median {:.2} s (min {:.2}, max {:.2})",
                median(&times).as_secs_f64(),
                times[0].as_secs_f64(),
                times[times.len() - 1].as_secs_f64()
            );
            results.push((name, median(&times)));
        }
    }
    for triple in results.chunks(3) {
        for other in &triple[1..] {
            println!(
                "{} adds {:.2} s",
                other.0,
                other.1.as_secs_f64() - triple[0].1.as_secs_f64(),
            );
        }
    }
}
