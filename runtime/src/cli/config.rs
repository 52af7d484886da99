//! Where the database is: `--database-url`, then `DATABASE_URL`, then a
//! `.env` file in the working directory, then libpq's `PG*` variables. The
//! TLS settings (`sslmode`, `sslrootcert`) are taken out of the string here,
//! because rustls, not the driver, carries them out.

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
        "no database given: pass --database-url, set DATABASE_URL (or put DATABASE_URL=... in a .env file here), or set the PGHOST/PGDATABASE/PGUSER variables"
    )]
    Missing,
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
    let non_empty = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
    let (raw, source) = if let Some(url) = flag.filter(|f| !f.is_empty()) {
        (url.to_string(), "--database-url")
    } else if let Some(url) = non_empty(var("DATABASE_URL")) {
        (url, "DATABASE_URL")
    } else if let Some(url) = dotenv(&dir.join(".env")) {
        (url, ".env")
    } else if let Some(kv) = pg_vars(var) {
        (kv, "PG* variables")
    } else {
        return Err(ConfigError::Missing);
    };
    let (config, ssl, root_cert) = split_tls(&raw, var)?;
    Ok(Connection {
        config,
        ssl,
        root_cert,
        source,
    })
}

/// `DATABASE_URL` from a `.env` file (`KEY=value`, optional quotes and `export`).
fn dotenv(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (key, value) = line.split_once('=')?;
        (key.trim() == "DATABASE_URL").then(|| {
            let v = value.trim();
            v.strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v)
                .to_string()
        })
    })
}

/// A key=value string from libpq's variables, when any is set.
fn pg_vars(var: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let pairs = [
        ("PGHOST", "host"),
        ("PGPORT", "port"),
        ("PGUSER", "user"),
        ("PGPASSWORD", "password"),
        ("PGDATABASE", "dbname"),
        ("PGAPPNAME", "application_name"),
        ("PGCONNECT_TIMEOUT", "connect_timeout"),
    ];
    let set: Vec<String> = pairs
        .iter()
        .filter_map(|(env, key)| {
            var(env)
                .filter(|v| !v.is_empty())
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
    let config = if raw.contains("://") {
        match raw.split_once('?') {
            Some((base, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|kv| match kv.split_once('=') {
                        Some(("sslmode", v)) => {
                            mode = Some(v.to_string());
                            false
                        }
                        Some(("sslrootcert", v)) => {
                            root = Some(PathBuf::from(v));
                            false
                        }
                        _ => true,
                    })
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
        raw.split_whitespace()
            .filter(|kv| match kv.split_once('=') {
                Some(("sslmode", v)) => {
                    mode = Some(v.trim_matches('\'').to_string());
                    false
                }
                Some(("sslrootcert", v)) => {
                    root = Some(PathBuf::from(v.trim_matches('\'')));
                    false
                }
                _ => true,
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mode = mode
        .or_else(|| var("PGSSLMODE"))
        .unwrap_or_else(|| "prefer".to_string());
    let root = root.or_else(|| var("PGSSLROOTCERT").map(PathBuf::from));
    Ok((config, SslMode::parse(&mode)?, root))
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
