//! Least privilege and libpq's conventions, against a PostgreSQL that asks
//! for passwords (scram-sha-256 over TCP on 127.0.0.1, not trust on a
//! socket): the roles production gives you (one that may create tables in
//! `public`, one that owns its schema, a read-only one, none with
//! CREATEDB), each command's result and message; the password from
//! `PGPASSWORD` or a password file, as psql finds it; the fleet and the
//! embedded CLI with the same defaults.
//!
//! Its own `main`: a child of this binary is the embedded CLI (an
//! application that carries its migrations), run with the environment each
//! case gives it.

mod common;
use common::bin;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};

use sqlstrata::testing::{LocalServer, Server};

/// The embedded CLI's arguments, when this process is that child.
const CHILD: &str = "SQLSTRATA_PRIVILEGES_EMBEDDED";

static SET: sqlstrata::Migrations = sqlstrata::migrations!("tests/fixtures/privileges");

/// A password with what a password file must escape.
const DEPLOYER_PW: &str = "dep:lo\\yer 1";

fn main() -> ExitCode {
    if let Ok(args) = std::env::var(CHILD) {
        let argv =
            std::iter::once("app".to_string()).chain(args.split('\u{1f}').map(str::to_string));
        return sqlstrata_cli::run_from(argv, &SET);
    }
    let t = Tests::start();
    t.a_role_that_may_create_tables_in_public_runs_every_write_command();
    t.a_role_that_owns_its_schema_runs_with_schema();
    t.a_read_only_role_reads_and_is_told_what_to_grant_to_write();
    t.a_role_without_create_is_told_the_grant();
    t.a_refused_migration_statement_names_the_role_and_the_grant();
    t.the_password_comes_from_pgpassword_or_the_password_file();
    t.libpq_variables_are_defaults_under_the_url();
    t.the_fleet_and_the_embedded_cli_find_the_password_too();
    println!("privileges: every case passed");
    ExitCode::SUCCESS
}

struct Tests {
    server: Server,
    port: u16,
    work: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

impl Tests {
    fn start() -> Tests {
        let port = free_port();
        let server = Server::start_local(&LocalServer {
            settings: vec![("password_encryption".into(), "scram-sha-256".into())],
            files: vec![(
                "pg_hba.conf".into(),
                b"local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n".to_vec(),
            )],
            port,
            ..LocalServer::default()
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("privileges-{}", std::process::id()));
        let _ = fs::remove_dir_all(&work);
        fs::create_dir_all(&work).unwrap();
        let t = Tests { server, port, work };
        let mut admin = t.admin("postgres");
        for role in ["deployer", "owner", "reader", "nobody"] {
            let pw = if role == "deployer" {
                DEPLOYER_PW.to_string()
            } else {
                format!("{role}-pw")
            };
            admin
                .batch_execute(&format!(
                    "CREATE ROLE {role} LOGIN NOCREATEDB PASSWORD '{}'",
                    pw.replace('\'', "''")
                ))
                .unwrap();
        }
        t
    }

    /// A trust connection over the socket, as the superuser.
    fn admin(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(&self.server.url_for(db), postgres::NoTls).unwrap()
    }

    /// A database as production has it: `public` without the `CREATE` that
    /// PostgreSQL before 15 gave everyone.
    fn database(&self, name: &str) {
        self.admin("postgres")
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        self.admin(name)
            .batch_execute(&format!(
                "REVOKE CREATE ON SCHEMA public FROM PUBLIC; REVOKE ALL ON DATABASE {name} FROM PUBLIC; \
                 GRANT CONNECT ON DATABASE {name} TO deployer, owner, reader, nobody"
            ))
            .unwrap();
    }

    /// A working directory with the fixture's migrations (and `extra`).
    fn folder(&self, tag: &str, extra: &[(&str, &str)]) -> PathBuf {
        let dir = self.work.join(tag);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("migrations")).unwrap();
        fs::create_dir_all(dir.join("home")).unwrap();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/privileges");
        for e in fs::read_dir(fixture).unwrap().flatten() {
            fs::copy(e.path(), dir.join("migrations").join(e.file_name())).unwrap();
        }
        for (name, sql) in extra {
            fs::write(dir.join("migrations").join(name), sql).unwrap();
        }
        dir
    }

    fn url(&self, user: &str, password: Option<&str>, db: &str) -> String {
        match password {
            Some(pw) => format!(
                "postgres://{user}:{}@127.0.0.1:{}/{db}",
                pw.replace('%', "%25")
                    .replace(':', "%3A")
                    .replace('\\', "%5C")
                    .replace(' ', "%20"),
                self.port
            ),
            None => format!("postgres://{user}@127.0.0.1:{}/{db}", self.port),
        }
    }

    /// `sqlstrata ARGS` in `dir`, with `env` and an empty HOME.
    fn run(&self, dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
        let mut c = bin();
        c.current_dir(dir).env("HOME", dir.join("home")).args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    /// Runs as `user` with its password in the URL.
    fn as_user(&self, dir: &Path, user: &str, db: &str, args: &[&str]) -> Output {
        let pw = if user == "deployer" {
            DEPLOYER_PW.to_string()
        } else {
            format!("{user}-pw")
        };
        let url = self.url(user, Some(&pw), db);
        // `check` connects to nothing: no connection option there.
        let mut all = if args.first() == Some(&"check") {
            Vec::new()
        } else {
            vec!["--database-url", url.as_str()]
        };
        all.extend_from_slice(args);
        let o = self.run(dir, &[], &all);
        let (out, err) = text(&o);
        assert!(
            !out.contains(&pw) && !err.contains(&pw),
            "a password printed: {out}{err}"
        );
        o
    }

    fn a_role_that_may_create_tables_in_public_runs_every_write_command(&self) {
        self.database("granted");
        self.admin("granted")
            .batch_execute("GRANT USAGE, CREATE ON SCHEMA public TO deployer")
            .unwrap();
        let dir = self.folder("granted", &[]);
        for args in [
            &["up"][..],
            &["status"],
            &["rollback"],
            &["up", "--to", "2"],
            &["down", "1"],
            &["up"],
            &["baseline", "3"],
            &["repair"],
        ] {
            let o = self.as_user(&dir, "deployer", "granted", args);
            let (out, err) = text(&o);
            assert_eq!(code(&o), 0, "deployer {args:?}: {out}{err}");
        }
        let mut admin = self.admin("granted");
        let owner: String = admin
            .query_one(
                "SELECT tableowner::text FROM pg_tables WHERE tablename = 'schema_migrations'",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(owner, "deployer");
        let seen: String = admin
            .query_one("SELECT name FROM seen LIMIT 1", &[])
            .unwrap()
            .get(0);
        assert_eq!(seen, "sqlstrata", "sqlstrata names its connections");
        // verify needs CREATEDB, and says so.
        let o = self.as_user(&dir, "deployer", "granted", &["verify"]);
        let (out, err) = text(&o);
        assert_eq!(code(&o), 1, "{out}{err}");
        assert!(err.contains("verify needs CREATEDB"), "{err}");
    }

    fn a_role_that_owns_its_schema_runs_with_schema(&self) {
        self.database("owned");
        self.admin("owned")
            .batch_execute("CREATE SCHEMA app AUTHORIZATION owner; ALTER ROLE owner IN DATABASE owned SET search_path = app")
            .unwrap();
        let dir = self.folder("owned", &[]);
        for args in [
            &["--schema", "app", "up"][..],
            &["--schema", "app", "rollback"],
            &["--schema", "app", "up"],
        ] {
            let o = self.as_user(&dir, "owner", "owned", args);
            let (out, err) = text(&o);
            assert_eq!(code(&o), 0, "owner {args:?}: {out}{err}");
        }
        let schema: String = self
            .admin("owned")
            .query_one(
                "SELECT schemaname::text FROM pg_tables WHERE tablename = 'schema_migrations'",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(schema, "app");
        // A schema that does not exist needs CREATE on the database.
        let o = self.as_user(&dir, "owner", "owned", &["--schema", "elsewhere", "up"]);
        let (_, err) = text(&o);
        assert_eq!(code(&o), 1, "{err}");
        assert!(
            err.contains("the role `owner` may not do what this needs, so nothing was changed"),
            "{err}"
        );
        assert!(
            err.contains("CREATE SCHEMA \"elsewhere\" AUTHORIZATION \"owner\";"),
            "{err}"
        );
    }

    fn a_read_only_role_reads_and_is_told_what_to_grant_to_write(&self) {
        self.database("readonly");
        self.admin("readonly")
            .batch_execute("GRANT USAGE, CREATE ON SCHEMA public TO deployer")
            .unwrap();
        let dir = self.folder("readonly", &[]);
        assert_eq!(
            code(&self.as_user(&dir, "deployer", "readonly", &["up"])),
            0
        );
        self.admin("readonly")
            .batch_execute("GRANT USAGE ON SCHEMA public TO reader; GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader")
            .unwrap();
        let o = self.as_user(&dir, "reader", "readonly", &["status"]);
        assert_eq!(code(&o), 0, "{:?}", text(&o));
        assert_eq!(
            code(&self.as_user(&dir, "reader", "readonly", &["wait", "--timeout", "5s"])),
            0
        );
        assert_eq!(
            code(&self.as_user(&dir, "reader", "readonly", &["check"])),
            0
        );
        // Nothing pending: a read-only role's boot is fine.
        assert_eq!(code(&self.as_user(&dir, "reader", "readonly", &["up"])), 0);
        let o = self.as_user(&dir, "reader", "readonly", &["rollback"]);
        let (_, err) = text(&o);
        assert_eq!(code(&o), 1, "{err}");
        assert!(
            err.contains("UPDATE, DELETE on the tracking table \"public\".\"schema_migrations\"")
                && err.contains(
                    "GRANT UPDATE, DELETE ON \"public\".\"schema_migrations\" TO \"reader\";"
                ),
            "{err}"
        );
        let pending = self.folder(
            "readonly-pending",
            &[("004_more.sql", "-- UP\nSELECT 1;\n-- DOWN\nSELECT 1;\n")],
        );
        let o = self.as_user(&pending, "reader", "readonly", &["up"]);
        let (_, err) = text(&o);
        assert_eq!(code(&o), 1, "{err}");
        assert!(
            err.contains("GRANT INSERT ON \"public\".\"schema_migrations\" TO \"reader\";"),
            "{err}"
        );
        let rows: i64 = self
            .admin("readonly")
            .query_one("SELECT count(*) FROM schema_migrations", &[])
            .unwrap()
            .get(0);
        assert_eq!(rows, 3, "nothing was changed");
        // Where no pg_dump can dump this server, dump says so and the rest stands.
        let o = self.as_user(&dir, "reader", "readonly", &["dump", "-o", "-"]);
        let (out, err) = text(&o);
        if !err.contains("set SQLSTRATA_PG_DUMP to a pg_dump") {
            assert_eq!(code(&o), 0, "{err}");
            assert!(out.contains("CREATE TABLE public.t"), "{out}");
        }
    }

    fn a_role_without_create_is_told_the_grant(&self) {
        self.database("bare");
        let dir = self.folder("bare", &[]);
        let o = self.as_user(&dir, "nobody", "bare", &["up"]);
        let (_, err) = text(&o);
        assert_eq!(code(&o), 1, "{err}");
        assert!(
            err.contains("CREATE on schema \"public\" (to create the tracking table there)"),
            "{err}"
        );
        assert!(
            err.contains("GRANT USAGE, CREATE ON SCHEMA \"public\" TO \"nobody\";"),
            "{err}"
        );
        assert!(!err.contains("permission denied for database"), "{err}");
    }

    fn a_refused_migration_statement_names_the_role_and_the_grant(&self) {
        self.database("theirs_db");
        self.admin("theirs_db")
            .batch_execute(
                "GRANT USAGE, CREATE ON SCHEMA public TO deployer; CREATE TABLE theirs (id int)",
            )
            .unwrap();
        let dir = self.folder(
            "theirs_db",
            &[("004_theirs.sql", "-- UP\nALTER TABLE theirs ADD COLUMN x int;\n-- DOWN\nALTER TABLE theirs DROP COLUMN x;\n")],
        );
        let o = self.as_user(&dir, "deployer", "theirs_db", &["up"]);
        let (_, err) = text(&o);
        assert_eq!(code(&o), 1, "{err}");
        assert!(
            err.contains("004_theirs.sql:2: must be owner of table theirs (SQLSTATE 42501)"),
            "{err}"
        );
        assert!(
            err.contains("hint: the role `deployer` does not own table theirs"),
            "{err}"
        );
        assert!(
            err.contains("ALTER TABLE theirs OWNER TO \"deployer\";"),
            "{err}"
        );
    }

    fn the_password_comes_from_pgpassword_or_the_password_file(&self) {
        self.database("passwords");
        self.admin("passwords")
            .batch_execute("GRANT USAGE, CREATE ON SCHEMA public TO deployer")
            .unwrap();
        let dir = self.folder("passwords", &[]);
        let bare = self.url("deployer", None, "passwords");
        let status = ["--database-url", bare.as_str(), "status", "--pending"];
        let ok = |o: &Output| {
            let (out, err) = text(o);
            assert!(
                !out.contains(DEPLOYER_PW) && !err.contains(DEPLOYER_PW),
                "printed: {out}{err}"
            );
            assert_eq!(code(o), 3, "connected, everything pending: {out}{err}");
        };
        let refused = |o: &Output| {
            let (out, err) = text(o);
            assert!(
                !out.contains(DEPLOYER_PW) && !err.contains(DEPLOYER_PW),
                "printed: {out}{err}"
            );
            assert_eq!(code(o), 1, "{out}{err}");
            assert!(err.contains("cannot connect"), "{err}");
        };
        // No password anywhere: refused.
        refused(&self.run(&dir, &[], &status));
        // PGPASSWORD, as psql takes it.
        ok(&self.run(&dir, &[("PGPASSWORD", DEPLOYER_PW)], &status));
        // A password file, escapes and wildcards as libpq reads them.
        let escaped = DEPLOYER_PW.replace('\\', "\\\\").replace(':', "\\:");
        let file = dir.join("pgpass");
        fs::write(
            &file,
            format!("# comment\nelsewhere:*:*:*:wrong\n127.0.0.1:*:passwords:deployer:{escaped}\n*:*:*:*:wrong\n"),
        )
        .unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
        let passfile = file.display().to_string();
        ok(&self.run(&dir, &[("PGPASSFILE", &passfile)], &status));
        // ~/.pgpass when PGPASSFILE is not set.
        fs::copy(&file, dir.join("home/.pgpass")).unwrap();
        fs::set_permissions(dir.join("home/.pgpass"), fs::Permissions::from_mode(0o600)).unwrap();
        ok(&self.run(&dir, &[], &status));
        fs::remove_file(dir.join("home/.pgpass")).unwrap();
        // A file others may read is ignored, as libpq does.
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        refused(&self.run(&dir, &[("PGPASSFILE", &passfile)], &status));
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
        // PGPASSWORD comes before the file; the URL's password before both.
        refused(&self.run(
            &dir,
            &[("PGPASSWORD", "wrong"), ("PGPASSFILE", &passfile)],
            &status,
        ));
        let with_pw = self.url("deployer", Some(DEPLOYER_PW), "passwords");
        ok(&self.run(
            &dir,
            &[("PGPASSWORD", "wrong"), ("PGPASSFILE", &passfile)],
            &["--database-url", &with_pw, "status", "--pending"],
        ));
        // A .env file's PGPASSWORD counts like the environment's.
        fs::write(
            dir.join(".env"),
            format!("PGPASSWORD='{DEPLOYER_PW}'\nDATABASE_URL={bare}\n"),
        )
        .unwrap();
        ok(&self.run(&dir, &[], &["status", "--pending"]));
        fs::remove_file(dir.join(".env")).unwrap();
    }

    fn libpq_variables_are_defaults_under_the_url(&self) {
        self.database("variables");
        self.admin("variables")
            .batch_execute("GRANT USAGE, CREATE ON SCHEMA public TO deployer; CREATE SCHEMA side AUTHORIZATION deployer")
            .unwrap();
        let dir = self.folder("variables", &[]);
        let bare = format!("postgres://127.0.0.1:{}/variables", self.port);
        let o = self.run(
            &dir,
            &[
                ("PGPASSWORD", DEPLOYER_PW),
                ("PGUSER", "deployer"),
                ("PGAPPNAME", "deploy-ci"),
                ("PGOPTIONS", "-c search_path=side,public"),
                ("PGCONNECT_TIMEOUT", "5"),
                ("PGSSLMODE", "disable"),
            ],
            &["--database-url", &bare, "up"],
        );
        assert_eq!(code(&o), 0, "{:?}", text(&o));
        let (app, path): (String, String) = self
            .admin("variables")
            .query_one("SELECT name, path FROM side.seen", &[])
            .map(|r| (r.get(0), r.get(1)))
            .unwrap();
        assert_eq!((app.as_str(), path.as_str()), ("deploy-ci", "side,public"));
        // PGSSLMODE is a default too: this server has no TLS.
        let o = self.run(
            &dir,
            &[
                ("PGPASSWORD", DEPLOYER_PW),
                ("PGUSER", "deployer"),
                ("PGSSLMODE", "require"),
            ],
            &["--database-url", &bare, "status"],
        );
        assert_eq!(code(&o), 1, "{:?}", text(&o));
    }

    fn the_fleet_and_the_embedded_cli_find_the_password_too(&self) {
        for db in ["fleet_a", "fleet_b"] {
            self.database(db);
            self.admin(db)
                .batch_execute("GRANT USAGE, CREATE ON SCHEMA public TO deployer")
                .unwrap();
        }
        let dir = self.folder("fleet", &[]);
        let list = dir.join("tenants.txt");
        fs::write(
            &list,
            format!(
                "# no passwords here\n{}\n{}\n",
                self.url("deployer", None, "fleet_a"),
                self.url("deployer", None, "fleet_b")
            ),
        )
        .unwrap();
        let escaped = DEPLOYER_PW.replace('\\', "\\\\").replace(':', "\\:");
        let file = dir.join("pgpass");
        fs::write(&file, format!("127.0.0.1:*:*:deployer:{escaped}\n")).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
        let passfile = file.display().to_string();
        let o = self.run(
            &dir,
            &[("PGPASSFILE", &passfile)],
            &["up", "--fleet", &list.display().to_string()],
        );
        let (out, err) = text(&o);
        assert_eq!(code(&o), 0, "{out}{err}");
        for db in ["fleet_a", "fleet_b"] {
            let n: i64 = self
                .admin(db)
                .query_one("SELECT count(*) FROM schema_migrations", &[])
                .unwrap()
                .get(0);
            assert_eq!(n, 3, "{db}");
        }
        // The embedded CLI: an application carrying its migrations.
        let bare = self.url("deployer", None, "fleet_a");
        let child = |env: &[(&str, &str)]| -> Output {
            let mut c = Command::new(std::env::current_exe().unwrap());
            c.env(
                CHILD,
                ["--database-url", bare.as_str(), "status", "--pending"].join("\u{1f}"),
            )
            .env("HOME", dir.join("home"))
            .env_remove("PGPASSWORD")
            .env_remove("PGPASSFILE")
            .env_remove("DATABASE_URL");
            for (k, v) in env {
                c.env(k, v);
            }
            c.output().unwrap()
        };
        let o = child(&[("PGPASSFILE", &passfile)]);
        assert_eq!(code(&o), 0, "everything applied: {:?}", text(&o));
        let o = child(&[("PGPASSWORD", DEPLOYER_PW)]);
        assert_eq!(code(&o), 0, "{:?}", text(&o));
        let o = child(&[]);
        assert_eq!(code(&o), 1, "no password: {:?}", text(&o));
    }
}
