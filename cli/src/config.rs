//! Where the database is, first found wins:
//!
//! 1. `--database-url`;
//! 2. `DATABASE_URL`;
//! 3. libpq's `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
//!    `PGAPPNAME`, `PGCONNECT_TIMEOUT`, when any is set;
//! 4. `DB_HOST`, `DB_PORT`, `DB_NAME`, `DB_USER`, `DB_PASSWORD` (the
//!    variables of hand-written Node and Bun runners), when any is set.
//!
//! Each variable is read from the environment, else from a `.env` file in
//! the working directory (read only when the flag and `DATABASE_URL` are
//! absent). The TLS settings (`sslmode`, `sslrootcert`, `PGSSLMODE`,
//! `PGSSLROOTCERT`) are taken out of the string here, because rustls, not
//! the driver, carries them out.
//!
//! As in libpq, whatever the string leaves out comes from the environment:
//! `PGHOST`, `PGPORT`, `PGUSER` (else the login name), `PGDATABASE`,
//! `PGCONNECT_TIMEOUT`, `PGAPPNAME` (else `sqlstrata`, so that a DBA sees
//! who holds a lock), `PGOPTIONS`, and the password from `PGPASSWORD`, then
//! the password file (`PGPASSFILE`, else `~/.pgpass`; see `pgpass`).

use std::fmt;
use std::path::{Path, PathBuf};

/// How hard to insist on TLS, as libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, without verifying the certificate.
    Prefer,
    /// TLS, without verifying the certificate.
    Require,
    /// TLS; the certificate must chain to a trusted root.
    VerifyCa,
    /// TLS; the certificate must chain to a trusted root and name the host.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, ConfigError> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => return Err(ConfigError::SslMode(other.to_string())),
        })
    }
}

/// A resolved connection: the driver's string without TLS settings, the TLS
/// settings, libpq's defaults from the environment, and where it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Connection {
    /// For `postgres::Config`: a URL or key=value string.
    pub config: String,
    /// The TLS mode.
    pub ssl: SslMode,
    /// A PEM file of trusted roots (`sslrootcert`).
    pub root_cert: Option<PathBuf>,
    /// Where it came from, for messages.
    pub source: &'static str,
    /// What the environment gives where the string says nothing.
    pub defaults: Defaults,
}

/// libpq's environment defaults, applied under what a connection string
/// says (see the module's documentation).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Defaults {
    /// `PGHOST`.
    pub host: Option<String>,
    /// `PGPORT`.
    pub port: Option<String>,
    /// `PGUSER`, else the login name (`USER`, `LOGNAME`).
    pub user: Option<String>,
    /// `PGDATABASE`.
    pub dbname: Option<String>,
    /// `PGPASSWORD`.
    pub password: Option<String>,
    /// `PGPASSFILE`, else `~/.pgpass`.
    pub passfile: Option<PathBuf>,
    /// `PGCONNECT_TIMEOUT` (seconds).
    pub connect_timeout: Option<String>,
    /// `PGAPPNAME`.
    pub application_name: Option<String>,
    /// `PGOPTIONS`.
    pub options: Option<String>,
}

impl fmt::Debug for Defaults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Defaults")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("dbname", &self.dbname)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("passfile", &self.passfile)
            .field("connect_timeout", &self.connect_timeout)
            .field("application_name", &self.application_name)
            .field("options", &self.options)
            .finish()
    }
}

impl Defaults {
    fn from(lookup: &dyn Fn(&str) -> Option<String>) -> Defaults {
        Defaults {
            host: lookup("PGHOST"),
            port: lookup("PGPORT"),
            user: lookup("PGUSER")
                .or_else(|| lookup("USER"))
                .or_else(|| lookup("LOGNAME")),
            dbname: lookup("PGDATABASE"),
            password: lookup("PGPASSWORD"),
            passfile: crate::pgpass::location(lookup),
            connect_timeout: lookup("PGCONNECT_TIMEOUT"),
            application_name: lookup("PGAPPNAME"),
            options: lookup("PGOPTIONS"),
        }
    }
}

/// The name sqlstrata's connections give themselves unless told otherwise.
pub const APPLICATION_NAME: &str = "sqlstrata";

impl Connection {
    /// The driver's configuration: the string's, and libpq's defaults for
    /// what it leaves out, the password from `PGPASSWORD` or the password
    /// file last.
    pub fn driver_config(&self) -> Result<postgres::Config, postgres::Error> {
        let mut config: postgres::Config = self.config.parse()?;
        let d = &self.defaults;
        if config.get_hosts().is_empty()
            && let Some(hosts) = &d.host
        {
            for h in hosts.split(',').filter(|h| !h.is_empty()) {
                config.host(h);
            }
        }
        if config.get_ports().is_empty()
            && let Some(ports) = &d.port
        {
            for p in ports.split(',').filter_map(|p| p.trim().parse().ok()) {
                config.port(p);
            }
        }
        if config.get_user().is_none()
            && let Some(user) = &d.user
        {
            config.user(user);
        }
        if config.get_dbname().is_none()
            && let Some(db) = &d.dbname
        {
            config.dbname(db);
        }
        if config.get_connect_timeout().is_none()
            && let Some(secs) = d
                .connect_timeout
                .as_deref()
                .and_then(|t| t.trim().parse().ok())
        {
            config.connect_timeout(std::time::Duration::from_secs(secs));
        }
        if config.get_application_name().is_none() {
            config.application_name(d.application_name.as_deref().unwrap_or(APPLICATION_NAME));
        }
        if config.get_options().is_none()
            && let Some(options) = &d.options
        {
            config.options(options);
        }
        if config.get_password().is_none() {
            if let Some(pw) = &d.password {
                config.password(pw);
            } else if let Some(pw) = self.password_from_file(&config) {
                config.password(pw);
            }
        }
        Ok(config)
    }

    /// The password file's password for `config`'s first host, as libpq
    /// matches it (the port 5432 and the database named like the user
    /// unless given).
    fn password_from_file(&self, config: &postgres::Config) -> Option<String> {
        let path = self.defaults.passfile.as_deref()?;
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => "localhost".to_string(),
        };
        let user = config.get_user()?;
        crate::pgpass::lookup(
            path,
            crate::pgpass::Target {
                host: &host,
                port: config.get_ports().first().copied().unwrap_or(5432),
                database: config.get_dbname().unwrap_or(user),
                user,
            },
        )
    }

    /// The password this connection uses (from its string, `PGPASSWORD` or
    /// the password file), to be removed from anything printed.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Ok(config) = self.driver_config()
            && let Some(pw) = config.get_password()
        {
            out.push(String::from_utf8_lossy(pw).into_owned());
        }
        out
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("config", &sqlstrata::redact(&self.config))
            .field("ssl", &self.ssl)
            .field("root_cert", &self.root_cert)
            .field("source", &self.source)
            .field("defaults", &self.defaults)
            .finish()
    }
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (from {})",
            sqlstrata::redact(&self.config),
            self.source
        )
    }
}

/// What is wrong with the configuration.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// Nothing says where the database is.
    #[error(
        "no database given: pass --database-url, set DATABASE_URL (or put DATABASE_URL=... in a .env file here), or set the PGHOST/PGDATABASE/PGUSER (or DB_HOST/DB_NAME/DB_USER) variables"
    )]
    Missing,
    /// The `.env` file is there but does not parse.
    #[error("cannot read {path}: {reason}")]
    DotEnv {
        /// The file.
        path: String,
        /// What is wrong (never a value from the file).
        reason: String,
    },
    /// An `sslmode` libpq does not know.
    #[error(
        "unknown sslmode `{0}` (expected disable, allow, prefer, require, verify-ca or verify-full)"
    )]
    SslMode(String),
}

/// Resolves the connection from a flag, the environment (`var`) and the
/// `.env` file in `dir`.
pub fn resolve(
    flag: Option<&str>,
    var: &dyn Fn(&str) -> Option<String>,
    dir: &Path,
) -> Result<Connection, ConfigError> {
    let env = |k: &str| var(k).filter(|v| !v.trim().is_empty());
    let (raw, source, lookup): (String, &'static str, Lookup) =
        if let Some(url) = flag.filter(|f| !f.trim().is_empty()) {
            (url.to_string(), "--database-url", Lookup::env(&env))
        } else if let Some(url) = env("DATABASE_URL") {
            (url, "DATABASE_URL", Lookup::env(&env))
        } else {
            let lookup = Lookup::with_dotenv(&env, &dir.join(".env"))?;
            if let Some(url) = lookup.dotenv.get("DATABASE_URL").cloned() {
                (url, ".env", lookup)
            } else if let Some(kv) = key_values(&lookup, PG_VARS) {
                (kv, "PG* variables", lookup)
            } else if let Some(kv) = key_values(&lookup, DB_VARS) {
                (kv, "DB_* variables", lookup)
            } else {
                return Err(ConfigError::Missing);
            }
        };
    let (config, ssl, root_cert) = split_tls(&raw, &|k| lookup.get(k))?;
    // A URL's host without a port is given one by the driver's parser: as
    // in libpq, PGPORT is that default.
    let config = match lookup.get("PGPORT") {
        Some(port) => url_with_default_port(&config, port.trim()),
        None => config,
    };
    Ok(Connection {
        config,
        ssl,
        root_cert,
        source,
        defaults: Defaults::from(&|k| lookup.get(k)),
    })
}

/// `url` with `:port` after each host that has none (a key=value string, a
/// URL with no host or a `port=` parameter, as it is).
fn url_with_default_port(url: &str, port: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return url.to_string();
    }
    let rest = &url[scheme_end..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if tail.contains("port=") {
        return url.to_string();
    }
    let (user, hosts) = match authority.rfind('@') {
        Some(at) => authority.split_at(at + 1),
        None => ("", authority),
    };
    if hosts.is_empty() {
        return url.to_string();
    }
    let hosts: Vec<String> = hosts
        .split(',')
        .map(|h| {
            let has_port = match h.rfind(']') {
                Some(close) => h[close..].contains(':'),
                None => h.contains(':'),
            };
            if has_port || h.is_empty() {
                h.to_string()
            } else {
                format!("{h}:{port}")
            }
        })
        .collect();
    format!("{}{user}{}{tail}", &url[..scheme_end], hosts.join(","))
}

/// The environment, then the `.env` file.
struct Lookup {
    env: std::collections::HashMap<&'static str, String>,
    dotenv: std::collections::HashMap<String, String>,
}

/// Every variable resolution may read.
const KNOWN: &[&str] = &[
    "PGHOST",
    "PGPORT",
    "PGUSER",
    "PGPASSWORD",
    "PGDATABASE",
    "PGAPPNAME",
    "PGCONNECT_TIMEOUT",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGPASSFILE",
    "PGOPTIONS",
    "HOME",
    "USER",
    "LOGNAME",
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USER",
    "DB_PASSWORD",
];

impl Lookup {
    fn env(var: &dyn Fn(&str) -> Option<String>) -> Lookup {
        Lookup {
            env: KNOWN
                .iter()
                .filter_map(|k| var(k).map(|v| (*k, v)))
                .collect(),
            dotenv: Default::default(),
        }
    }

    fn with_dotenv(
        var: &dyn Fn(&str) -> Option<String>,
        path: &Path,
    ) -> Result<Lookup, ConfigError> {
        let mut lookup = Lookup::env(var);
        if path.is_file() {
            let failed = |reason: String| ConfigError::DotEnv {
                path: path.display().to_string(),
                reason,
            };
            let entries = dotenvy::from_path_iter(path).map_err(|e| failed(e.to_string()))?;
            for entry in entries {
                let (key, value) = entry.map_err(|e| {
                    failed(match e {
                        // The parser's message quotes the line, which may hold a password.
                        dotenvy::Error::LineParse(_, at) => {
                            format!("a line is not KEY=value (at byte {at} of it)")
                        }
                        other => other.to_string(),
                    })
                })?;
                if !value.trim().is_empty() {
                    lookup.dotenv.insert(key, value);
                }
            }
        }
        Ok(lookup)
    }

    fn get(&self, key: &str) -> Option<String> {
        self.env.get(key).or_else(|| self.dotenv.get(key)).cloned()
    }
}

const PG_VARS: &[(&str, &str)] = &[
    ("PGHOST", "host"),
    ("PGPORT", "port"),
    ("PGUSER", "user"),
    ("PGPASSWORD", "password"),
    ("PGDATABASE", "dbname"),
    ("PGAPPNAME", "application_name"),
    ("PGCONNECT_TIMEOUT", "connect_timeout"),
];

const DB_VARS: &[(&str, &str)] = &[
    ("DB_HOST", "host"),
    ("DB_PORT", "port"),
    ("DB_USER", "user"),
    ("DB_PASSWORD", "password"),
    ("DB_NAME", "dbname"),
];

/// A key=value string from one family of variables, when any is set.
fn key_values(lookup: &Lookup, vars: &[(&str, &str)]) -> Option<String> {
    let set: Vec<String> = vars
        .iter()
        .filter_map(|(var, key)| {
            lookup
                .get(var)
                .map(|v| format!("{key}='{}'", v.replace('\\', "\\\\").replace('\'', "\\'")))
        })
        .collect();
    (!set.is_empty()).then(|| set.join(" "))
}

/// Takes `sslmode` and `sslrootcert` out of a URL or key=value string
/// (`PGSSLMODE` and `PGSSLROOTCERT` apply when the string has none).
fn split_tls(
    raw: &str,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, SslMode, Option<PathBuf>), ConfigError> {
    let mut mode = None;
    let mut root = None;
    let mut take = |key: &str, value: String| match key {
        "sslmode" => {
            mode = Some(value);
            false
        }
        "sslrootcert" => {
            root = Some(PathBuf::from(value));
            false
        }
        _ => true,
    };
    let config = if raw.contains("://") {
        match raw.split_once('?') {
            Some((base, query)) => {
                // Each parameter kept as written: the driver decodes it.
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(
                        |segment| match form_urlencoded::parse(segment.as_bytes()).next() {
                            Some((key, value)) => take(&key, value.into_owned()),
                            None => false,
                        },
                    )
                    .collect();
                if kept.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
            None => raw.to_string(),
        }
    } else {
        conninfo(raw)
            .into_iter()
            .filter(|(key, value, _)| take(key, value.clone()))
            .map(|(_, _, written)| written)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mode = mode
        .or_else(|| var("PGSSLMODE"))
        .unwrap_or_else(|| "prefer".to_string());
    let root = root.or_else(|| var("PGSSLROOTCERT").map(PathBuf::from));
    Ok((config, SslMode::parse(&mode)?, root))
}

/// The parameters of a libpq key=value string: key, value (unquoted) and the
/// text as written, so that what is not ours passes to the driver intact.
fn conninfo(raw: &str) -> Vec<(&str, String, &str)> {
    let mut out = Vec::new();
    let mut rest = raw.trim_start();
    while !rest.is_empty() {
        let start = rest;
        let key_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let key = &rest[..key_end];
        rest = rest[key_end..].trim_start();
        let Some(after) = rest.strip_prefix('=') else {
            // Not key=value: leave it for the driver to reject.
            out.push((key, String::new(), start.trim_end()));
            break;
        };
        rest = after.trim_start();
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = if rest.starts_with('\'') {
            chars.next();
            let mut end = rest.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '\'' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            end
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            value.push_str(&rest[..end]);
            end
        };
        rest = &rest[end..];
        let written = &start[..start.len() - rest.len()];
        out.push((key, value, written));
        rest = rest.trim_start();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_from_the_environment_keeps_its_sslmode_and_hides_its_password() {
        let env = |k: &str| {
            (k == "DATABASE_URL")
                .then(|| "postgres://app:pw@db/app?sslmode=verify-full".to_string())
        };
        let c = resolve(None, &env, std::path::Path::new("/nonexistent")).unwrap();
        assert_eq!(
            (c.config.as_str(), c.ssl),
            ("postgres://app:pw@db/app", SslMode::VerifyFull)
        );
        assert!(!format!("{c:?} {c}").contains("pw@"));
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn precedence_flag_env_dotenv_pg_vars() {
        let dir = std::env::temp_dir().join(format!("sqlstrata-dotenv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(".env"),
            "# comment\nexport DATABASE_URL=\"postgres://dot/env\"\n",
        )
        .unwrap();
        let all = env(&[
            ("DATABASE_URL", "postgres://from/env"),
            ("PGHOST", "pghost"),
        ]);
        assert_eq!(
            resolve(Some("postgres://flag/x"), &all, &dir)
                .unwrap()
                .source,
            "--database-url"
        );
        assert_eq!(
            resolve(None, &all, &dir).unwrap().config,
            "postgres://from/env"
        );
        let no_env = env(&[("PGHOST", "pghost")]);
        assert_eq!(
            resolve(None, &no_env, &dir).unwrap().config,
            "postgres://dot/env"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        let pg = env(&[
            ("PGHOST", "/run/pg"),
            ("PGUSER", "app"),
            ("PGDATABASE", "db"),
            ("PGSSLMODE", "require"),
        ]);
        let c = resolve(None, &pg, &dir).unwrap();
        assert_eq!(
            (c.config.as_str(), c.ssl),
            ("host='/run/pg' user='app' dbname='db'", SslMode::Require)
        );
        assert_eq!(resolve(None, &env(&[]), &dir), Err(ConfigError::Missing));
    }

    #[test]
    fn db_variables_come_after_database_url_and_pg_variables() {
        let none = Path::new("/nonexistent");
        let db = env(&[
            ("DB_HOST", "db.internal"),
            ("DB_PORT", "6432"),
            ("DB_NAME", "palm"),
            ("DB_USER", "user"),
            ("DB_PASSWORD", "it's"),
        ]);
        let c = resolve(None, &db, none).unwrap();
        assert_eq!(c.source, "DB_* variables");
        let parsed: postgres::Config = c.config.parse().unwrap();
        assert_eq!(
            (
                parsed.get_dbname(),
                parsed.get_user(),
                parsed.get_ports(),
                parsed.get_password()
            ),
            (Some("palm"), Some("user"), &[6432][..], Some(&b"it's"[..]))
        );
        assert_eq!(c.secrets(), ["it's"]);
        // Any PG* variable wins over every DB_* one; DATABASE_URL over both.
        let both = env(&[("DB_HOST", "db.internal"), ("PGDATABASE", "pgdb")]);
        assert_eq!(resolve(None, &both, none).unwrap().config, "dbname='pgdb'");
        let all = env(&[
            ("DB_HOST", "db.internal"),
            ("PGDATABASE", "pgdb"),
            ("DATABASE_URL", "postgres://url/x"),
        ]);
        assert_eq!(
            resolve(None, &all, none).unwrap().config,
            "postgres://url/x"
        );
    }

    #[test]
    fn a_dotenv_file_supplies_any_variable_the_environment_lacks() {
        let dir = std::env::temp_dir().join(format!("sqlstrata-dotenv-db-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(".env"),
            "DB_HOST=localhost        # Database host\nDB_NAME=palm\nDB_PASSWORD='p w'\n",
        )
        .unwrap();
        let c = resolve(None, &env(&[]), &dir).unwrap();
        assert_eq!(
            (c.config.as_str(), c.source),
            (
                "host='localhost' password='p w' dbname='palm'",
                "DB_* variables"
            )
        );
        // The environment wins over the file, variable by variable.
        let c = resolve(None, &env(&[("DB_NAME", "real")]), &dir).unwrap();
        assert!(c.config.contains("dbname='real'"), "{}", c.config);
        // A broken file is an error that does not quote it.
        std::fs::write(dir.join(".env"), "DB_PASSWORD=\"s3cret\nno end").unwrap();
        let e = resolve(None, &env(&[]), &dir).unwrap_err();
        assert!(matches!(e, ConfigError::DotEnv { .. }), "{e}");
        assert!(!e.to_string().contains("s3cret"), "{e}");
        // Not read at all when DATABASE_URL is set.
        assert!(resolve(None, &env(&[("DATABASE_URL", "postgres://h/x")]), &dir).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn key_value_strings_keep_quoted_values_whole() {
        let none = env(&[]);
        let c = resolve(
            Some("host=h password='a b\\'c sslmode=x' sslmode = 'verify-ca' sslrootcert='/my certs/ca.pem' options='-c search_path=app'"),
            &none,
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(
            c.config,
            "host=h password='a b\\'c sslmode=x' options='-c search_path=app'"
        );
        assert_eq!(
            (c.ssl, c.root_cert.as_deref()),
            (SslMode::VerifyCa, Some(Path::new("/my certs/ca.pem")))
        );
        let parsed: postgres::Config = c.config.parse().unwrap();
        assert_eq!(parsed.get_password(), Some(&b"a b'c sslmode=x"[..]));
        // Percent-encoded URL parameters are decoded.
        let c = resolve(
            Some("postgres://u@h/db?sslrootcert=%2Fetc%2Fca%20x.pem&sslmode=verify-full"),
            &none,
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(
            (c.config.as_str(), c.root_cert.as_deref()),
            ("postgres://u@h/db", Some(Path::new("/etc/ca x.pem")))
        );
    }

    #[test]
    fn tls_settings_are_taken_out() {
        let none = env(&[]);
        let c = resolve(
            Some("postgres://u@h/db?sslmode=require&application_name=x&sslrootcert=/ca.pem"),
            &none,
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(c.config, "postgres://u@h/db?application_name=x");
        assert_eq!(
            (c.ssl, c.root_cert.as_deref()),
            (SslMode::Require, Some(Path::new("/ca.pem")))
        );
        let c = resolve(
            Some("host=h sslmode=verify-full dbname=x"),
            &none,
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(
            (c.config.as_str(), c.ssl),
            ("host=h dbname=x", SslMode::VerifyFull)
        );
        assert_eq!(
            resolve(Some("postgres://h/x"), &none, Path::new("/"))
                .unwrap()
                .ssl,
            SslMode::Prefer
        );
        assert!(matches!(
            resolve(Some("postgres://h/x?sslmode=maybe"), &none, Path::new("/")),
            Err(ConfigError::SslMode(_))
        ));
    }

    #[test]
    fn passwords_never_show() {
        let none = env(&[]);
        let c = resolve(Some("postgres://app:hunter2@db/x"), &none, Path::new("/")).unwrap();
        assert!(!format!("{c} {c:?}").contains("hunter2"));
        let pg = env(&[("PGHOST", "h"), ("PGPASSWORD", "hunter2")]);
        let c = resolve(None, &pg, Path::new("/nonexistent")).unwrap();
        assert!(!format!("{c} {c:?}").contains("hunter2"), "{c}");
    }

    #[test]
    fn libpq_defaults_fill_what_the_string_leaves_out() {
        let none = Path::new("/nonexistent");
        let env = env(&[
            ("PGPASSWORD", "from-env"),
            ("PGAPPNAME", "deployer"),
            ("PGCONNECT_TIMEOUT", "7"),
            ("PGOPTIONS", "-c search_path=app"),
            ("PGUSER", "app"),
            ("PGPORT", "6432"),
        ]);
        let c = resolve(Some("postgres://db.internal/appdb"), &env, none).unwrap();
        let d = c.driver_config().unwrap();
        assert_eq!(d.get_password(), Some(&b"from-env"[..]));
        assert_eq!(d.get_application_name(), Some("deployer"));
        assert_eq!(
            d.get_connect_timeout(),
            Some(&std::time::Duration::from_secs(7))
        );
        assert_eq!(d.get_options(), Some("-c search_path=app"));
        assert_eq!((d.get_user(), d.get_ports()), (Some("app"), &[6432][..]));
        assert_eq!(c.secrets(), ["from-env"]);
        assert!(!format!("{c:?}").contains("from-env"), "{c:?}");
        // What the string says wins.
        let c = resolve(
            Some("postgres://other:in-url@db.internal:5433/appdb?application_name=mine&options=-c%20x%3D1"),
            &env,
            none,
        )
        .unwrap();
        let d = c.driver_config().unwrap();
        assert_eq!(d.get_password(), Some(&b"in-url"[..]));
        assert_eq!((d.get_user(), d.get_ports()), (Some("other"), &[5433][..]));
        assert_eq!(d.get_application_name(), Some("mine"));
        assert_eq!(d.get_options(), Some("-c x=1"));
        // Nothing said: sqlstrata names itself.
        let c = resolve(Some("host=h user=u"), &|_| None, none).unwrap();
        assert_eq!(
            c.driver_config().unwrap().get_application_name(),
            Some(APPLICATION_NAME)
        );
        assert_eq!(c.driver_config().unwrap().get_password(), None);
    }

    #[test]
    fn pgport_is_the_port_of_a_url_host_without_one() {
        assert_eq!(
            url_with_default_port("postgres://u:p@h1,h2:7/db?x=1", "6432"),
            "postgres://u:p@h1:6432,h2:7/db?x=1"
        );
        assert_eq!(
            url_with_default_port("postgres://[::1]/db", "6432"),
            "postgres://[::1]:6432/db"
        );
        assert_eq!(
            url_with_default_port("postgres://[::1]:5/db", "6432"),
            "postgres://[::1]:5/db"
        );
        assert_eq!(
            url_with_default_port("postgres:///db", "6432"),
            "postgres:///db"
        );
        assert_eq!(
            url_with_default_port("postgres://h/db?port=9", "6432"),
            "postgres://h/db?port=9"
        );
        assert_eq!(url_with_default_port("host=h", "6432"), "host=h");
    }

    #[test]
    fn the_password_file_is_read_when_nothing_else_gives_one() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("sqlstrata-passfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pass");
        std::fs::write(&file, "db.internal:5432:appdb:app:from\\:file\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let path = file.display().to_string();
        let with_file = move |k: &str| (k == "PGPASSFILE").then(|| path.clone());
        let c = resolve(Some("postgres://app@db.internal/appdb"), &with_file, &dir).unwrap();
        assert_eq!(
            c.driver_config().unwrap().get_password(),
            Some(&b"from:file"[..])
        );
        assert_eq!(c.secrets(), ["from:file"]);
        // Another database: no line matches.
        let c = resolve(Some("postgres://app@db.internal/other"), &with_file, &dir).unwrap();
        assert_eq!(c.driver_config().unwrap().get_password(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
