//! Expand and contract in one release, as a deploy against a live
//! application on a real PostgreSQL: the old code writes and reads
//! `fullname`; the release adds `display_name` with a trigger that keeps
//! both written (a regular migration, `up --phase pre`), the new code moves
//! to `display_name` while the old one still runs, and once only the new
//! code runs, the post-deploy migration drops `fullname` (`up --phase
//! post`). Neither version of the application ever sees an error. Sync,
//! async, the embedded command line and a fleet.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use sqlstrata::fleet::{Fleet, Target};
use sqlstrata::{Migrations, Migrator, Operation, Options, Phase, State};
use sqlstrata_tests::{Scratch, set_from_files};

const FILES: &[(&str, &str)] = &[
    (
        "001_users.sql",
        "-- UP\nCREATE TABLE users (id bigserial PRIMARY KEY, fullname text NOT NULL);\n-- DOWN\nDROP TABLE users;\n",
    ),
    (
        "002_users_display_name.sql",
        "-- Description: expand: display_name beside fullname, both written
-- UP
ALTER TABLE users ADD COLUMN display_name text;
UPDATE users SET display_name = fullname;
CREATE FUNCTION users_both_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.display_name := coalesce(NEW.display_name, NEW.fullname);
    NEW.fullname := coalesce(NEW.fullname, NEW.display_name);
    RETURN NEW;
END
$$;
CREATE TRIGGER users_both_names BEFORE INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION users_both_names();
-- DOWN
DROP TRIGGER users_both_names ON users;
DROP FUNCTION users_both_names();
ALTER TABLE users DROP COLUMN display_name;
",
    ),
    (
        "003_drop_fullname.sql",
        "-- Description: contract: the old code is gone
-- sqlstrata: post-deploy
-- UP
DROP TRIGGER users_both_names ON users;
DROP FUNCTION users_both_names();
ALTER TABLE users DROP COLUMN fullname;
-- DOWN
ALTER TABLE users ADD COLUMN fullname text;
UPDATE users SET fullname = display_name;
ALTER TABLE users ALTER COLUMN fullname SET NOT NULL;
CREATE FUNCTION users_both_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.display_name := coalesce(NEW.display_name, NEW.fullname);
    NEW.fullname := coalesce(NEW.fullname, NEW.display_name);
    RETURN NEW;
END
$$;
CREATE TRIGGER users_both_names BEFORE INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION users_both_names();
",
    ),
];

fn set() -> Migrations {
    set_from_files(FILES)
}

/// One version of the application, inserting and reading users in a loop
/// until stopped: the old one through `fullname`, the new one through
/// `display_name`.
struct App {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<(u64, Vec<String>)>,
}

impl App {
    fn start(url: &str, new: bool) -> App {
        let stop = Arc::new(AtomicBool::new(false));
        let (url, flag) = (url.to_string(), stop.clone());
        let handle = std::thread::spawn(move || {
            let column = if new { "display_name" } else { "fullname" };
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            let (mut ops, mut errors) = (0u64, Vec::new());
            while !flag.load(Ordering::Relaxed) {
                let name = format!("user {ops}");
                let done = c
                    .query_one(
                        &format!("INSERT INTO users ({column}) VALUES ($1) RETURNING id"),
                        &[&name],
                    )
                    .and_then(|row| {
                        let id: i64 = row.get(0);
                        c.query_one(&format!("SELECT {column} FROM users WHERE id = $1"), &[&id])
                    })
                    .map(|row| row.get::<_, String>(0));
                match done {
                    Ok(read) if read == name => ops += 1,
                    Ok(read) => errors.push(format!("wrote {name}, read {read}")),
                    Err(e) => errors.push(e.to_string()),
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            (ops, errors)
        });
        App { stop, handle }
    }

    /// Stops it; what it did and every error it saw.
    fn stop(self) -> (u64, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}

fn a_while() {
    std::thread::sleep(Duration::from_millis(150));
}

fn columns(c: &mut postgres::Client) -> Vec<String> {
    c.query(
        "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// The deploy, with `pre` and `post` carrying out each phase however the
/// case runs migrations.
fn deploy(db: &Scratch, pre: impl FnOnce(), post: impl FnOnce()) {
    let mut c = db.connect();
    // The release before: 001 only.
    Migrator::new(&set()).up_to(&mut c, 1).unwrap();
    let old = App::start(&db.url, false);
    a_while();
    pre();
    assert_eq!(columns(&mut c), ["id", "fullname", "display_name"]);
    // The rolling deploy: the new code starts while the old one still runs.
    let new = App::start(&db.url, true);
    a_while();
    let (old_ops, old_errors) = old.stop();
    a_while();
    post();
    a_while();
    let (new_ops, new_errors) = new.stop();
    assert!(
        old_errors.is_empty(),
        "the old code saw errors: {old_errors:?}"
    );
    assert!(
        new_errors.is_empty(),
        "the new code saw errors: {new_errors:?}"
    );
    assert!(old_ops > 0 && new_ops > 0, "{old_ops} {new_ops}");
    assert_eq!(columns(&mut c), ["id", "display_name"]);
    // Every row written by either version has its name.
    let unnamed: i64 = c
        .query_one("SELECT count(*) FROM users WHERE display_name IS NULL", &[])
        .unwrap()
        .get(0);
    assert_eq!(unnamed, 0);
    // Each phase its own batch: 1 (the release before), 2 (pre), 3 (post).
    let batches: Vec<(i64, i32)> = c
        .query(
            "SELECT version, batch FROM schema_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(batches, [(1, 1), (2, 2), (3, 3)]);
}

fn phase(p: Phase) -> Options {
    Options::default().phase(p)
}

#[test]
fn a_column_renamed_in_one_release_sync() {
    let db = Scratch::new();
    let s = set();
    deploy(
        &db,
        || {
            let mut c = db.connect();
            let m = Migrator::new(&s).with_options(phase(Phase::Pre));
            assert_eq!(m.up(&mut c).unwrap().applied(), [2]);
            // The post-deploy migration waits, neither drift nor out of order.
            let status = m.status(&mut c).unwrap().status;
            let third = status.iter().find(|e| e.version == 3).unwrap();
            assert!(third.state == State::Pending && third.post_deploy);
            assert!(m.up(&mut c).unwrap().done.is_empty(), "pre again: nothing");
        },
        || {
            let mut c = db.connect();
            let m = Migrator::new(&s).with_options(phase(Phase::Post));
            assert_eq!(m.up(&mut c).unwrap().applied(), [3]);
        },
    );
}

#[test]
fn a_column_renamed_in_one_release_async() {
    let db = Scratch::new();
    let s = set();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let up = |p: Phase| {
        rt.block_on(async {
            let client = db.connect_async().await;
            let m = Migrator::new(&s).with_options(phase(p));
            m.up_async(&client).await.unwrap().applied()
        })
    };
    deploy(
        &db,
        || assert_eq!(up(Phase::Pre), [2]),
        || assert_eq!(up(Phase::Post), [3]),
    );
}

fn cli(db: &Scratch, args: &[&str]) -> ExitCode {
    let mut argv = vec!["app", "--database-url", db.url.as_str()];
    argv.extend(args);
    sqlstrata_cli::run_from(argv, &set())
}

#[test]
fn a_column_renamed_in_one_release_with_the_command_line() {
    let db = Scratch::new();
    let pending = ExitCode::from(sqlstrata_cli::EXIT_PENDING);
    deploy(
        &db,
        || {
            // What a deploy pipeline asks before each phase.
            assert_eq!(
                cli(&db, &["status", "--pending", "--phase", "pre"]),
                pending
            );
            assert_eq!(cli(&db, &["up", "--phase", "pre"]), ExitCode::SUCCESS);
            assert_eq!(
                cli(&db, &["status", "--pending", "--phase", "pre"]),
                ExitCode::SUCCESS
            );
            assert_eq!(
                cli(&db, &["status", "--pending", "--phase", "post"]),
                pending
            );
            assert_eq!(cli(&db, &["status", "--pending"]), pending);
        },
        || {
            assert_eq!(cli(&db, &["up", "--phase", "post"]), ExitCode::SUCCESS);
            assert_eq!(cli(&db, &["status", "--pending"]), ExitCode::SUCCESS);
        },
    );
}

#[test]
fn a_column_renamed_in_one_release_across_a_fleet() {
    let (a, b) = (Scratch::new(), Scratch::new());
    let s = set();
    let targets = [
        Target::database("a", a.url.clone()),
        Target::database("b", b.url.clone()),
    ];
    let connect = |t: &Target| {
        postgres::Client::connect(&t.connection, postgres::NoTls).map_err(|e| e.to_string())
    };
    let fleet = |p: Phase| {
        let report = Fleet::new(&s).with_options(phase(p)).run(
            &targets,
            Operation::Up { to: None },
            &connect,
        );
        assert!(report.is_ok(), "{p:?}: {:?}", report.failed().count());
        report
            .results
            .iter()
            .map(|r| r.report().map(|rep| rep.applied()).unwrap_or_default())
            .collect::<Vec<_>>()
    };
    // b follows the same deploy as a, in the same fleet runs.
    Migrator::new(&s).up_to(&mut b.connect(), 1).unwrap();
    deploy(
        &a,
        || assert_eq!(fleet(Phase::Pre), [vec![2], vec![2]]),
        || assert_eq!(fleet(Phase::Post), [vec![3], vec![3]]),
    );
    assert_eq!(columns(&mut b.connect()), ["id", "display_name"]);
}

#[test]
fn the_post_phase_before_the_pre_phase_is_refused_and_changes_nothing() {
    let db = Scratch::new();
    let s = set();
    let mut c = db.connect();
    Migrator::new(&s).up_to(&mut c, 1).unwrap();
    let err = Migrator::new(&s)
        .with_options(phase(Phase::Post))
        .up(&mut c)
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "002_users_display_name.sql is pending and older than the post-deploy migration 003_drop_fullname.sql"
        ),
        "{err}"
    );
    assert_eq!(columns(&mut c), ["id", "fullname"]);
    // Plain `up` (development, tests) applies everything in version order.
    assert_eq!(Migrator::new(&s).up(&mut c).unwrap().applied(), [2, 3]);
}

#[test]
fn a_post_deploy_migration_left_pending_is_not_drift_and_verify_runs_everything() {
    let s = set();
    let db = Scratch::new();
    let mut c = db.connect();
    Migrator::new(&s)
        .with_options(phase(Phase::Pre))
        .up(&mut c)
        .unwrap();
    // 3 pending behind the applied 2: the database is what its history says.
    let scratch = Scratch::new();
    let report = Migrator::new(&s)
        .drift(&mut c, &mut scratch.connect(), &[])
        .unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.applied, [1, 2]);
    // verify proves every DOWN, the post-deploy one included, in version order.
    let fresh = Scratch::new();
    let verified = Migrator::new(&s).verify(&mut fresh.connect()).unwrap();
    assert!(verified.is_ok(), "{:?}", verified.findings);
    assert_eq!(verified.verified, [1, 2, 3]);
}
