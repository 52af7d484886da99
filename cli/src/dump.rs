//! `sqlstrata dump`: the schema after migrations, as `pg_dump --schema-only`
//! of the server's version writes it, cleaned of what changes from machine
//! to machine (owners, `SET`s, versions, `\restrict` keys) and of the
//! tracking and lease tables, for code review.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::config::{Connection, SslMode};
use sqlstrata::redact;

/// Why no schema could be written.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// No `pg_dump` that can dump this server.
    #[error("{0}")]
    NoPgDump(String),
    /// `pg_dump` ran and failed.
    #[error("pg_dump {version} failed: {stderr}")]
    Failed {
        /// Which one.
        version: String,
        /// What it said, redacted.
        stderr: String,
    },
    /// The connection string cannot be handed to `pg_dump`.
    #[error("{0}")]
    Connection(String),
}

/// A `pg_dump` binary and its major version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgDump {
    /// Where it is.
    pub path: PathBuf,
    /// Its major version.
    pub major: u32,
    /// What `--version` said.
    pub version: String,
}

/// The major version `pg_dump --version` reports:
/// `pg_dump (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)` is 15.
pub fn major_of(version_output: &str) -> Option<u32> {
    let number = version_output
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    number
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

fn probe(path: &Path) -> Option<PgDump> {
    let out = Command::new(path).arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Some(PgDump {
        path: path.to_path_buf(),
        major: major_of(&version)?,
        version,
    })
}

/// The places a `pg_dump` of major version `major` is installed by the
/// usual packages, then every `pg_dump` on `PATH`.
fn candidates(major: u32) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = std::env::var_os("SQLSTRATA_PG_BINDIR") {
        out.push(PathBuf::from(dir).join("pg_dump"));
    }
    out.push(PathBuf::from(format!(
        "/usr/lib/postgresql/{major}/bin/pg_dump"
    )));
    out.push(PathBuf::from(format!("/usr/pgsql-{major}/bin/pg_dump")));
    out.push(PathBuf::from(format!(
        "/opt/homebrew/opt/postgresql@{major}/bin/pg_dump"
    )));
    out.push(PathBuf::from(format!(
        "/usr/local/opt/postgresql@{major}/bin/pg_dump"
    )));
    // Newer clients dump older servers too.
    if let Ok(dirs) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut newer: Vec<PathBuf> = dirs
            .flatten()
            .map(|d| d.path().join("bin/pg_dump"))
            .collect();
        newer.sort();
        out.extend(newer);
    }
    if let Some(path) = std::env::var_os("PATH") {
        out.extend(std::env::split_paths(&path).map(|d| d.join("pg_dump")));
    }
    out
}

/// How to install the client of version `major`, for messages.
fn install_hint(major: u32) -> String {
    format!(
        "install the PostgreSQL {major} client (Debian/Ubuntu: `apt-get install postgresql-client-{major}`, from apt.postgresql.org when the distribution has another version; RHEL: `dnf install postgresql{major}`; macOS: `brew install postgresql@{major}`), or set SQLSTRATA_PG_DUMP to a pg_dump of version {major} or newer"
    )
}

/// Finds a `pg_dump` that can dump a server of major version `server`: the
/// one `SQLSTRATA_PG_DUMP` names, else one of the same version, else the
/// oldest newer one.
pub fn find(server: u32) -> Result<PgDump, DumpError> {
    if let Some(explicit) = std::env::var_os("SQLSTRATA_PG_DUMP") {
        let path = PathBuf::from(explicit);
        let found = probe(&path).ok_or_else(|| {
            DumpError::NoPgDump(format!(
                "SQLSTRATA_PG_DUMP={} is not a pg_dump that runs; {}",
                path.display(),
                install_hint(server)
            ))
        })?;
        return check(found, server);
    }
    let mut found: Vec<PgDump> = Vec::new();
    for path in candidates(server) {
        if found.iter().any(|f| f.path == path) {
            continue;
        }
        if let Some(p) = probe(&path) {
            found.push(p);
        }
    }
    if let Some(exact) = found.iter().find(|p| p.major == server) {
        return Ok(exact.clone());
    }
    if let Some(newer) = found
        .iter()
        .filter(|p| p.major > server)
        .min_by_key(|p| p.major)
    {
        return Ok(newer.clone());
    }
    match found.first() {
        Some(old) => check(old.clone(), server),
        None => Err(DumpError::NoPgDump(format!(
            "pg_dump not found (the server is PostgreSQL {server}); {}",
            install_hint(server)
        ))),
    }
}

fn check(found: PgDump, server: u32) -> Result<PgDump, DumpError> {
    if found.major >= server {
        return Ok(found);
    }
    Err(DumpError::NoPgDump(format!(
        "{} ({}) is version {} and cannot dump this PostgreSQL {server} server; {}",
        found.path.display(),
        found.version,
        found.major,
        install_hint(server)
    )))
}

/// The libpq environment that points `pg_dump` at `connection` (the
/// password goes in the environment, never on the command line).
fn libpq_env(connection: &Connection) -> Result<Vec<(&'static str, String)>, DumpError> {
    let config = connection
        .driver_config()
        .map_err(|e: postgres::Error| DumpError::Connection(redact(&e.to_string())))?;
    let mut env = Vec::new();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    if !hosts.is_empty() {
        env.push(("PGHOST", hosts.join(",")));
    }
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    if !ports.is_empty() {
        env.push(("PGPORT", ports.join(",")));
    }
    if let Some(user) = config.get_user() {
        env.push(("PGUSER", user.to_string()));
    }
    if let Some(pw) = config.get_password() {
        env.push(("PGPASSWORD", String::from_utf8_lossy(pw).into_owned()));
    }
    if let Some(db) = config.get_dbname() {
        env.push(("PGDATABASE", db.to_string()));
    }
    if let Some(options) = config.get_options() {
        env.push(("PGOPTIONS", options.to_string()));
    }
    if let Some(t) = config.get_connect_timeout() {
        env.push(("PGCONNECT_TIMEOUT", t.as_secs().max(1).to_string()));
    }
    env.push((
        "PGSSLMODE",
        match connection.ssl {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
        .to_string(),
    ));
    if let Some(root) = &connection.root_cert {
        env.push(("PGSSLROOTCERT", root.display().to_string()));
    }
    env.push(("PGAPPNAME", "sqlstrata dump".to_string()));
    Ok(env)
}

/// Runs `pg_dump --schema-only` on the database of `connection` without
/// the tables named in `exclude` (quoted `"schema"."table"`), and returns the
/// cleaned schema.
pub fn dump(
    pg_dump: &PgDump,
    connection: &Connection,
    exclude: &[String],
) -> Result<String, DumpError> {
    let schema = run_pg_dump(
        pg_dump,
        connection,
        &["--schema-only", "--no-owner", "--no-tablespaces"],
        ("--exclude-table", exclude),
    )?;
    // The seal's guard function of an excluded tracking table is
    // sqlstrata's, like the table (its trigger goes with the table).
    Ok(exclude.iter().fold(schema, |dump, table| {
        without_function(&dump, &format!("{}_seal_guard()", unquoted_name(table)))
    }))
}

/// `name` of a quoted `"schema"."table"`, without quotes: `table`.
fn unquoted_name(qualified: &str) -> String {
    let last = qualified.rsplit("\".\"").next().unwrap_or(qualified);
    last.trim_matches('"').replace("\"\"", "\"")
}

/// `dump` without the section pg_dump writes for function `signature`
/// (`name(args)`): from its `-- Name:` header to the next one.
fn without_function(dump: &str, signature: &str) -> String {
    let header = format!("-- Name: {signature}; Type: FUNCTION;");
    let Some(at) = dump.find(&header) else {
        return dump.to_string();
    };
    // The section starts at the `--` line above its header.
    let start = dump[..at]
        .trim_end_matches('\n')
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let after = &dump[at + header.len()..];
    let end = after
        .find("\n--\n-- Name: ")
        .map_or(dump.len(), |i| at + header.len() + i + 1);
    clean(&format!("{}{}", &dump[..start], &dump[end..]))
}

/// The rows of `tables` as `INSERT`s with their column names (and the
/// sequences' positions), cleaned like [`dump`].
#[cfg(feature = "folder")]
pub fn dump_data(
    pg_dump: &PgDump,
    connection: &Connection,
    tables: &[String],
) -> Result<String, DumpError> {
    run_pg_dump(
        pg_dump,
        connection,
        &["--data-only", "--column-inserts", "--no-owner"],
        ("--table", tables),
    )
}

/// `pg_dump` with `flags`, and `option=TABLE` for each of `tables`.
fn run_pg_dump(
    pg_dump: &PgDump,
    connection: &Connection,
    flags: &[&str],
    (option, tables): (&str, &[String]),
) -> Result<String, DumpError> {
    let mut cmd = Command::new(&pg_dump.path);
    cmd.arg("--encoding=UTF8")
        .args(flags)
        .args(tables.iter().map(|t| format!("{option}={t}")));
    // Nothing of the caller's libpq setup may point it elsewhere.
    for var in [
        "PGSERVICE",
        "PGSERVICEFILE",
        "PGHOSTADDR",
        "PGSSLCERT",
        "PGSSLKEY",
        "PGREQUIRESSL",
        "PGTARGETSESSIONATTRS",
    ] {
        cmd.env_remove(var);
    }
    let env = libpq_env(connection)?;
    let secrets: Vec<String> = env
        .iter()
        .filter(|(k, _)| *k == "PGPASSWORD")
        .map(|(_, v)| v.clone())
        .collect();
    cmd.envs(env);
    let out = cmd.output().map_err(|e| DumpError::Failed {
        version: pg_dump.version.clone(),
        stderr: format!("cannot run {}: {e}", pg_dump.path.display()),
    })?;
    if !out.status.success() {
        return Err(DumpError::Failed {
            version: pg_dump.version.clone(),
            stderr: sqlstrata::redact_with(String::from_utf8_lossy(&out.stderr).trim(), &secrets),
        });
    }
    Ok(clean(&String::from_utf8_lossy(&out.stdout)))
}

/// Removes what differs between machines and runs: `SET` lines, the
/// `search_path` reset, the versions of server and client, the random
/// `\restrict` keys of recent pg_dumps, runs of blank lines.
pub fn clean(dump: &str) -> String {
    let mut out = String::new();
    let mut blanks = 0;
    for line in dump.lines() {
        let skip = line.starts_with("SET ")
            || line.starts_with("SELECT pg_catalog.set_config('search_path'")
            || line.starts_with("-- Dumped from database version")
            || line.starts_with("-- Dumped by pg_dump version")
            || line.starts_with("\\restrict")
            || line.starts_with("\\unrestrict");
        if skip {
            continue;
        }
        if line.trim().is_empty() {
            blanks += 1;
            if blanks > 1 {
                continue;
            }
        } else {
            blanks = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    let trimmed = out.trim();
    format!("{trimmed}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read() {
        assert_eq!(
            major_of("pg_dump (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"),
            Some(15)
        );
        assert_eq!(major_of("pg_dump (PostgreSQL) 18beta1"), Some(18));
        assert_eq!(major_of("pg_dump (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(major_of("nonsense"), None);
    }

    #[test]
    fn the_seal_guard_function_is_left_out_like_its_table() {
        let dump = "--\n-- Name: f(); Type: FUNCTION; Schema: public; Owner: -\n--\n\nCREATE FUNCTION public.f() RETURNS int;\n\n--\n-- Name: schema_migrations_seal_guard(); Type: FUNCTION; Schema: public; Owner: -\n--\n\nCREATE FUNCTION public.schema_migrations_seal_guard() RETURNS trigger\n    AS $$ x $$;\n\n--\n-- Name: t; Type: TABLE; Schema: public; Owner: -\n--\n\nCREATE TABLE public.t (id int);\n";
        let out = without_function(dump, "schema_migrations_seal_guard()");
        assert!(!out.contains("seal_guard"), "{out}");
        assert!(
            out.contains("CREATE FUNCTION public.f()") && out.contains("CREATE TABLE public.t"),
            "{out}"
        );
        assert_eq!(without_function(dump, "g()"), dump);
        assert_eq!(
            unquoted_name("\"public\".\"schema_migrations\""),
            "schema_migrations"
        );
        assert_eq!(unquoted_name("\"a\"\"b\".\"x\"\"y\""), "x\"y");
    }

    #[test]
    fn cleaning_drops_what_changes_between_machines() {
        let raw = "--\n-- PostgreSQL database dump\n--\n\n\\restrict AbC123\n\n-- Dumped from database version 16.4\n-- Dumped by pg_dump version 16.4\n\nSET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n\n\n\nCREATE TABLE public.t (\n    id bigint\n);\n\n\n\\unrestrict AbC123\n";
        assert_eq!(
            clean(raw),
            "--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE public.t (\n    id bigint\n);\n"
        );
    }

    #[test]
    fn the_password_goes_in_the_environment() {
        let c = Connection {
            config: "host=/run/pg,db.internal port=5432,6432 user=app password='s3 cret' dbname=x options='-c search_path=app'".into(),
            ssl: SslMode::VerifyFull,
            root_cert: Some(PathBuf::from("/ca.pem")),
            source: "test",
            defaults: Default::default(),
        };
        let env = libpq_env(&c).unwrap();
        let get = |k: &str| {
            env.iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("PGHOST"), Some("/run/pg,db.internal"));
        assert_eq!(get("PGPORT"), Some("5432,6432"));
        assert_eq!(get("PGPASSWORD"), Some("s3 cret"));
        assert_eq!(get("PGOPTIONS"), Some("-c search_path=app"));
        assert_eq!(get("PGSSLMODE"), Some("verify-full"));
        assert_eq!(get("PGSSLROOTCERT"), Some("/ca.pem"));
    }
}
