//! libpq's password file: `PGPASSFILE`, else `~/.pgpass`, read as libpq
//! reads it, so that a password kept out of URLs and process lists is found
//! where psql, pg_dump and sqlx find it.
//!
//! Each line is `hostname:port:database:username:password`; `*` in any of
//! the first four fields matches anything; `\` escapes `:` and `\`; lines
//! starting with `#` are comments; the first matching line wins. The file
//! is ignored unless only its owner may read it (mode 0600 or stricter).

use std::path::{Path, PathBuf};

/// Where the password file is: `PGPASSFILE`, else `~/.pgpass`.
pub(crate) fn location(var: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(p) = var("PGPASSFILE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    var("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".pgpass"))
}

/// What a connection is matched on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// The host as given: a name, an address, or a socket directory.
    pub host: &'a str,
    pub port: u16,
    pub database: &'a str,
    pub user: &'a str,
}

/// libpq's default socket directories: a socket there also matches a
/// `localhost` line.
const DEFAULT_SOCKET_DIRS: &[&str] = &["/var/run/postgresql", "/run/postgresql", "/tmp"];

/// The password `path` holds for `target`, when the file may be used.
pub(crate) fn lookup(path: &Path, target: Target<'_>) -> Option<String> {
    if !private(path) {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    find(&text, target)
}

/// Only the owner may read or write it (as libpq requires), and it is a file.
fn private(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o077 == 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// The first line of `text` that matches `target`, its password.
pub(crate) fn find(text: &str, target: Target<'_>) -> Option<String> {
    let port = target.port.to_string();
    let socket_default = DEFAULT_SOCKET_DIRS.contains(&target.host.trim_end_matches('/'));
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields = split(line);
        let [host, p, database, user, password, ..] = fields.as_slice() else {
            continue;
        };
        let field = |f: &str, value: &str| f == "*" || f == value;
        let host_ok = field(host, target.host) || (socket_default && host == "localhost");
        if host_ok
            && field(p, &port)
            && field(database, target.database)
            && field(user, target.user)
        {
            return Some(password.clone());
        }
    }
    None
}

/// The fields of a line: split on `:` not escaped by `\`, the escapes
/// removed (the password ends at its first unescaped `:`, as in libpq).
fn split(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(f)) = (chars.next(), fields.last_mut()) {
                    f.push(next);
                }
            }
            ':' => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target<'a>(host: &'a str, port: u16, database: &'a str, user: &'a str) -> Target<'a> {
        Target {
            host,
            port,
            database,
            user,
        }
    }

    #[test]
    fn the_first_matching_line_wins_with_wildcards() {
        let file =
            "# comment\n\ndb.internal:5432:appdb:app:first\n*:*:appdb:app:second\n*:*:*:*:any\n";
        assert_eq!(
            find(file, target("db.internal", 5432, "appdb", "app")).as_deref(),
            Some("first")
        );
        assert_eq!(
            find(file, target("other", 6432, "appdb", "app")).as_deref(),
            Some("second")
        );
        assert_eq!(
            find(file, target("other", 6432, "x", "y")).as_deref(),
            Some("any")
        );
        assert_eq!(find("h:1:d:u:p\n", target("h", 2, "d", "u")), None);
    }

    #[test]
    fn escapes_keep_colons_and_backslashes() {
        let file = "h\\:x:5432:d:u:pa\\:ss\\\\word:more\n";
        assert_eq!(
            find(file, target("h:x", 5432, "d", "u")).as_deref(),
            Some("pa:ss\\word")
        );
    }

    #[test]
    fn a_default_socket_directory_matches_localhost() {
        let file = "localhost:5432:d:u:local\n";
        assert_eq!(
            find(file, target("/var/run/postgresql", 5432, "d", "u")).as_deref(),
            Some("local")
        );
        assert_eq!(find(file, target("/srv/sock", 5432, "d", "u")), None);
    }

    #[test]
    fn a_file_others_may_read_is_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("sqlstrata-pgpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pgpass");
        std::fs::write(&path, "*:*:*:*:secret\n").unwrap();
        let t = target("h", 5432, "d", "u");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(lookup(&path, t).as_deref(), Some("secret"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(lookup(&path, t), None);
        assert_eq!(lookup(&dir, t), None, "a directory is not a password file");
        std::fs::remove_dir_all(&dir).unwrap();
        let home = |k: &str| (k == "HOME").then(|| "/home/app".to_string());
        assert_eq!(location(&home), Some(PathBuf::from("/home/app/.pgpass")));
        let both = |k: &str| match k {
            "HOME" => Some("/home/app".to_string()),
            "PGPASSFILE" => Some("/etc/app.pgpass".to_string()),
            _ => None,
        };
        assert_eq!(location(&both), Some(PathBuf::from("/etc/app.pgpass")));
    }
}
