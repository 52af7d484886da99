//! Fleets against real PostgreSQL: 200 tenant schemas, a few tenant
//! databases, a broken tenant, the re-run that finishes the job.

mod common;
use common::bin;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use sqlstrata_tests::Scratch;

fn workdir(tag: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("fleet-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("migrations")).unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    for e in fs::read_dir(example).unwrap().flatten() {
        fs::copy(e.path(), dir.join("migrations").join(e.file_name())).unwrap();
    }
    dir
}

fn run(dir: &Path, url: &str, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .arg("--database-url")
        .arg(url)
        .args(args)
        .output()
        .unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

const SCHEMAS: &str =
    "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY nspname";

#[test]
fn two_hundred_tenant_schemas_one_broken_then_fixed() {
    let db = Scratch::new();
    let dir = workdir("schemas");
    let mut c = db.connect();
    let mut create = String::new();
    for i in 0..200 {
        create.push_str(&format!("CREATE SCHEMA tenant_{i:03};"));
    }
    c.batch_execute(&create).unwrap();
    // Tenant 042 has a type in the way of migration 002.
    c.batch_execute("CREATE TYPE tenant_042.post_status AS ENUM ('x')")
        .unwrap();

    let o = run(
        &dir,
        &db.url,
        &[
            "up",
            "--schemas-query",
            SCHEMAS,
            "--concurrency",
            "8",
            "--continue-on-error",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "a failed target fails the run: {}",
        err(&o)
    );
    let text = out(&o);
    assert!(text.contains("failed (1):\n  tenant_042"), "{text}");
    assert!(text.contains("002_create_posts.sql"), "the file: {text}");
    assert!(text.contains("SQLSTATE 42710"), "the SQLSTATE: {text}");
    assert!(
        text.contains("fleet: 200 target(s): 199 done, 1 failed, 0 not started"),
        "{text}"
    );
    // Every other tenant has the whole schema, in its own schema, with its own history.
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_class WHERE relname = 'posts' AND relnamespace::regnamespace::text LIKE 'tenant\\_%'"
        ),
        199
    );
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM tenant_007.schema_migrations"),
        7
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_class WHERE relname = 'posts' AND relnamespace = 'public'::regnamespace"
        ),
        0
    );
    // The broken tenant kept nothing of the failed batch.
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM tenant_042.schema_migrations"),
        0
    );

    // Fixed, the re-run finishes the job: one tenant migrates, the rest do nothing.
    c.batch_execute("DROP TYPE tenant_042.post_status").unwrap();
    let o = run(
        &dir,
        &db.url,
        &[
            "up",
            "--schemas-query",
            SCHEMAS,
            "--concurrency",
            "8",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let json: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(json["done"], 200);
    let targets = json["targets"].as_array().unwrap();
    let migrated: Vec<&str> = targets
        .iter()
        .filter(|t| !t["applied"].as_array().unwrap().is_empty())
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(migrated, ["tenant_042"]);
    assert_eq!(targets[42]["applied"].as_array().unwrap().len(), 7);

    // Status over the fleet.
    let o = run(
        &dir,
        &db.url,
        &["status", "--schemas-query", SCHEMAS, "--pending"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("done (200):"), "{}", out(&o));
    assert!(out(&o).contains("up to date (7 applied)"), "{}", out(&o));

    // A rollback that would cross the irreversible 005 fails on every
    // tenant, before changing anything.
    let o = run(
        &dir,
        &db.url,
        &[
            "rollback",
            "--schemas-query",
            SCHEMAS,
            "--concurrency",
            "8",
            "--continue-on-error",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("failed (200):"), "{}", out(&o));
    assert!(out(&o).contains("005_normalise_emails"), "{}", out(&o));
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_class WHERE relname = 'users'"
        ),
        200
    );
}

#[test]
fn the_first_failure_stops_new_targets_and_a_canary_protects_the_rest() {
    let db = Scratch::new();
    let dir = workdir("stop");
    let mut c = db.connect();
    for i in 0..20 {
        c.batch_execute(&format!("CREATE SCHEMA tenant_{i:03}"))
            .unwrap();
    }
    c.batch_execute("CREATE TYPE tenant_000.post_status AS ENUM ('x')")
        .unwrap();
    // Canary of 2 with the broken one among them: nobody else starts.
    let o = run(
        &dir,
        &db.url,
        &[
            "up",
            "--schemas-query",
            SCHEMAS,
            "--canary",
            "2",
            "--concurrency",
            "4",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    assert!(text.contains("not started (18):"), "{text}");
    assert!(text.contains("run the same command again"), "{text}");
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_class WHERE relname = 'users'"
        ),
        1
    );
    // Without a canary, one at a time: the failure stops the run (the
    // default, also when said).
    for stop in [None, Some("--stop-on-error")] {
        let mut args = vec!["up", "--schemas-query", SCHEMAS, "--concurrency", "1"];
        args.extend(stop);
        let o = run(&dir, &db.url, &args);
        assert_eq!(o.status.code(), Some(1));
        assert!(out(&o).contains("not started (19):"), "{}", out(&o));
    }
    // Saying both is a usage error.
    let o = run(
        &dir,
        &db.url,
        &[
            "up",
            "--schemas-query",
            SCHEMAS,
            "--stop-on-error",
            "--continue-on-error",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
}

#[test]
fn a_fleet_of_databases_from_a_file_or_a_query() {
    let dbs: Vec<Scratch> = (0..4).map(|_| Scratch::new()).collect();
    let dir = workdir("databases");
    let file = dir.join("fleet.txt");
    let mut listing = String::from("# the tenants\n\n");
    for d in &dbs {
        listing.push_str(&format!("{}\n", d.url));
    }
    fs::write(&file, listing).unwrap();
    let fleet = |args: &[&str]| {
        bin()
            .current_dir(&dir)
            .args(&args[..1])
            .args(["--fleet", file.to_str().unwrap(), "--concurrency", "3"])
            .args(&args[1..])
            .output()
            .unwrap()
    };
    // Two batches, then a rollback of the second on every database.
    for to in ["2", "4"] {
        let o = fleet(&["up", "--to", to]);
        assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
        assert!(
            out(&o).contains("fleet: 4 target(s): 4 done, 0 failed"),
            "{}",
            out(&o)
        );
    }
    let o = fleet(&["rollback"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert_eq!(out(&o).matches("2 reverted").count(), 4, "{}", out(&o));
    for d in &dbs {
        assert_eq!(
            count(&mut d.connect(), "SELECT count(*) FROM schema_migrations"),
            2
        );
    }
    let o = fleet(&["up"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    for d in &dbs {
        assert_eq!(
            count(&mut d.connect(), "SELECT count(*) FROM schema_migrations"),
            7
        );
    }
    // The same databases by a query on the server.
    let names: Vec<String> = dbs.iter().map(|d| format!("'{}'", d.name)).collect();
    let query = format!(
        "SELECT datname FROM pg_database WHERE datname IN ({}) ORDER BY 1",
        names.join(", ")
    );
    let o = run(
        &dir,
        &dbs[0].url,
        &["status", "--fleet-query", &query, "--json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let json: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(json["done"], 4);
    assert!(
        json["targets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["pending"] == 0)
    );
    // verify --fleet: the proof once, then where every target is.
    let o = run(&dir, &dbs[0].url, &["verify", "--fleet-query", &query]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("verified 6 migration(s)"), "{}", out(&o));
    assert!(
        out(&o).contains("fleet: 4 target(s): 4 done"),
        "{}",
        out(&o)
    );
}

/// A fleet file with unreachable servers, passwords in every form and one
/// database name on several servers: every target is reported (status
/// changes nothing, so one failure stops nothing), each by a name that tells
/// them apart, the file named as the source, no password shown.
#[test]
fn status_reports_every_target_of_a_file_and_tells_twins_apart() {
    let db = Scratch::new();
    let dir = workdir("twins");
    let file = dir.join("fleet.txt");
    fs::write(
        &file,
        format!(
            "postgres://u:s3cretpw@127.0.0.1:1/app?connect_timeout=1\n\
             host=127.0.0.1 port=2 password=kv5ecret user=x dbname=app connect_timeout=1\n\
             postgresql://u:p%40ss%3Aw0rd@127.0.0.1:3/other?connect_timeout=1\n\
             {}\n",
            db.url
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&dir)
        .args(["status", "--fleet", file.to_str().unwrap()])
        .output()
        .unwrap();
    let (text, errors) = (out(&o), err(&o));
    assert_eq!(o.status.code(), Some(1), "{text}{errors}");
    assert!(text.contains("failed (3):"), "{text}");
    assert!(text.contains("1 done, 3 failed, 0 not started"), "{text}");
    assert!(text.contains("127.0.0.1:1/app "), "{text}");
    assert!(text.contains("127.0.0.1:2/app "), "{text}");
    assert!(text.contains("(from the fleet file)"), "{text}");
    for secret in ["s3cretpw", "kv5ecret", "p%40ss", "p@ss:w0rd"] {
        assert!(
            !text.contains(secret) && !errors.contains(secret),
            "{secret}: {text}{errors}"
        );
    }
}
