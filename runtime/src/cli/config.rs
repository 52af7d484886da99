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
/// settings, and where it came from.
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
}

impl Connection {
    /// The password this connection string carries (and `PGPASSWORD`), to be
    /// removed from anything printed.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Ok(config) = self.config.parse::<postgres::Config>()
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
            .field("config", &crate::redact::redact(&self.config))
            .field("ssl", &self.ssl)
            .field("root_cert", &self.root_cert)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (from {})",
            crate::redact::redact(&self.config),
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
///
/// ```
/// use sqlstrata::cli::config::{resolve, SslMode};
/// let env = |k: &str| (k == "DATABASE_URL").then(|| "postgres://app:pw@db/app?sslmode=verify-full".to_string());
/// let c = resolve(None, &env, std::path::Path::new("/nonexistent")).unwrap();
/// assert_eq!((c.config.as_str(), c.ssl), ("postgres://app:pw@db/app", SslMode::VerifyFull));
/// assert!(!format!("{c:?} {c}").contains("pw@"));
/// ```
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
    Ok(Connection {
        config,
        ssl,
        root_cert,
        source,
    })
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
}
