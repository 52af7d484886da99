//! The command line as people and CI meet it, no database needed: each
//! command's `--help` shows the option groups the README's table says, an
//! option a command does not use is refused, `check` prints text, JSON or
//! GitHub annotations, and completions and the man page name every command.

mod common;
use common::bin;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn help(command: &str) -> String {
    let o = bin().args([command, "--help"]).output().unwrap();
    assert!(o.status.success(), "{command} --help: {}", err(&o));
    out(&o)
}

/// The headings of a help text (`Connection:`, `Fleet:`, ...).
fn headings(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| {
            l.ends_with(':') && !l.starts_with(' ') && !["Options:", "Arguments:"].contains(l)
        })
        .map(|l| l.trim_end_matches(':').to_string())
        .collect()
}

/// The README's table of commands: (command, Connection, Running, Fleet, Output).
fn readme_table() -> Vec<[String; 5]> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let start = readme.find("<!-- commands:").expect("the table's marker");
    let end = readme.find("<!-- /commands -->").expect("the table's end");
    readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect();
            [
                cells[0].trim_matches('`').to_string(),
                cells[1].clone(),
                cells[2].clone(),
                cells[3].clone(),
                cells[4].clone(),
            ]
        })
        .collect()
}

/// The subcommands `sqlstrata --help` lists.
fn commands() -> BTreeSet<String> {
    let text = out(&bin().arg("--help").output().unwrap());
    let from = text.find("Commands:").unwrap();
    text[from..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_help_shows_the_option_groups_the_readme_table_says() {
    let table = readme_table();
    let listed: BTreeSet<String> = table.iter().map(|r| r[0].clone()).collect();
    assert_eq!(
        listed,
        commands(),
        "the README's table and `sqlstrata --help`"
    );
    for [command, connection, running, fleet, output] in &table {
        let text = help(command);
        let groups = headings(&text);
        let has = |flag: &str| {
            text.contains(&format!("--{flag} ")) || text.contains(&format!("--{flag}\n"))
        };
        assert_eq!(
            groups.contains("Connection"),
            connection == "yes",
            "{command}: {groups:?}"
        );
        assert_eq!(
            groups.contains("Fleet"),
            fleet == "yes",
            "{command}: {groups:?}"
        );
        assert_eq!(
            groups.contains("Running"),
            running != "-",
            "{command}: {groups:?}"
        );
        assert_eq!(
            has("per-migration"),
            running.starts_with("yes"),
            "{command}: the run options"
        );
        assert_eq!(
            has("dry-run"),
            running.contains("--dry-run"),
            "{command}: --dry-run"
        );
        assert_eq!(has("yes"), running.contains("--yes"), "{command}: --yes");
        assert_eq!(
            has("lock"),
            running.starts_with("yes") || running.contains("--lock"),
            "{command}: --lock"
        );
        assert_eq!(has("json"), output.contains("--json"), "{command}: --json");
        assert_eq!(
            has("format"),
            output.contains("--format"),
            "{command}: --format"
        );
        assert!(text.contains("-v, --verbose"), "{command}: -v");
    }
}

#[test]
fn an_option_a_command_does_not_use_is_an_error_there() {
    for args in [
        &["import", "--fleet", "f", "--from", "sqlx", "old"][..],
        &["import", "--canary", "2", "--from", "sqlx", "old"],
        &["check", "--json"],
        &["verify", "--json"],
        &["status", "--dry-run"],
        &["create", "--database-url", "postgres://x", "a"],
        &["wait", "--lock", "lease"],
        &["down", "--fleet", "f"],
    ] {
        let o = bin().args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", out(&o));
        assert!(
            err(&o).contains("unexpected argument"),
            "{args:?}: {}",
            err(&o)
        );
    }
    // Given before the command, a connection option of a command that
    // connects to nothing.
    for args in [
        &["check"][..],
        &["create", "a"],
        &["import", "--from", "sqlx", "old"],
        &["completions", "bash"],
        &["man"],
    ] {
        let command = args[0];
        let o = bin()
            .args(["--database-url", "postgres://x"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{command}: {}", out(&o));
        assert!(
            err(&o).contains(&format!("`--database-url` is not an option of `{command}`")),
            "{command}: {}",
            err(&o)
        );
    }
}

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/ui/fail/syntax_error")
}

#[test]
fn check_prints_text_json_or_github_annotations() {
    let dir = fixture();
    let dir = dir.to_str().unwrap();
    let o = bin()
        .args(["--dir", dir, "check", "--format", "github"])
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "::error file={dir}/003_create_orders.sql,line=8,col=5,title=syntax::invalid SQL: expected `,`, found `total`%0Ahelp: fix the statement; if PostgreSQL accepts it as written, put `-- sqlstrata: unchecked` on the line above it"
        )
    );
    // By default in GitHub Actions, text elsewhere.
    let o = bin()
        .args(["--dir", dir, "check"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert!(out(&o).starts_with("::error file="), "{}", out(&o));
    let o = bin()
        .args(["--dir", dir, "check"])
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert!(!out(&o).contains("::error"), "{}", out(&o));
    assert!(
        err(&o).contains("003_create_orders.sql:8:5: invalid SQL"),
        "{}",
        err(&o)
    );

    let o = bin()
        .args(["--dir", dir, "check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["file"], format!("{dir}/003_create_orders.sql"));
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(8), Some(5))
    );
    assert_eq!(d["rule"], "syntax");
    assert_eq!(d["level"], "error");
    assert!(d["message"].as_str().unwrap().starts_with("invalid SQL"));
    assert!(d["help"].as_str().unwrap().contains("unchecked"));
    assert!(o.stderr.is_empty(), "JSON alone: {}", err(&o));
}

#[test]
fn completions_and_the_man_page_name_every_command() {
    let commands = commands();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = bin().args(["completions", shell]).output().unwrap();
        assert!(o.status.success(), "{shell}: {}", err(&o));
        let script = out(&o);
        for c in &commands {
            assert!(script.contains(c.as_str()), "{shell} lacks {c}");
        }
        assert!(script.contains("database-url"), "{shell}");
    }
    let o = bin().arg("man").output().unwrap();
    assert!(o.status.success(), "{}", err(&o));
    let page = out(&o);
    assert!(
        page.starts_with(".ie") || page.contains(".TH sqlstrata"),
        "{page}"
    );
    for c in &commands {
        assert!(page.contains(c.as_str()), "the man page lacks {c}");
    }
}
