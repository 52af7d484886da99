//! Passwords never printed: the one place every error, log line and JSON
//! output of sqlstrata goes through before anyone sees it.
//!
//! Two layers. The secrets a run knows (the password it connected with,
//! `PGPASSWORD`) are removed wherever they appear, however the text around
//! them looks. And anything shaped like a password in a connection string is
//! masked: a URL's `user:password@` (also when the password holds a raw `/`
//! or `@`, or the `//` is missing), `password=` in a URL's query, and libpq's
//! `password = value` / `password='quoted value'`.

/// What a password is replaced with.
const MASK: &str = "***";

/// Masks every password-shaped part of `text`.
///
/// `postgres://app:s3cret@db/app` becomes `postgres://app:***@db/app`, and
/// `host=db password = 's3 cret' user=app` becomes `host=db password=*** user=app`.
///
/// ```
/// assert_eq!(
///     sqlstrata::redact("postgres://app:s3cret@db/app"),
///     "postgres://app:***@db/app"
/// );
/// ```
pub fn redact(text: &str) -> String {
    let text = urls(text);
    let text = query_passwords(&text);
    key_value_passwords(&text)
}

/// [`redact`], and every occurrence of each of `secrets` (passwords the
/// caller knows) removed too, also as they appear percent-encoded in a URL.
///
/// ```
/// let text = "could not connect as app with pa55word";
/// assert_eq!(
///     sqlstrata::redact_with(text, &["pa55word".to_string()]),
///     "could not connect as app with ***"
/// );
/// ```
pub fn redact_with(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 2) {
        out = out.replace(secret.as_str(), MASK);
        // As it would appear percent-encoded in a URL.
        let encoded = percent_encode(secret);
        if encoded != *secret {
            out = out.replace(&encoded, MASK);
        }
    }
    redact(&out)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `scheme://user:password@host` and the malformed `scheme:user:password@host`
/// of the PostgreSQL schemes: the password is everything between the user's
/// `:` and the last `@` before the host.
fn urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_scheme(rest) {
        let (head, tail) = rest.split_at(at.after);
        out.push_str(head);
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        let token = &tail[..end];
        // The host part holds no `@`: the last one ends the user info.
        match (token.rfind('@'), token.find(':')) {
            (Some(last_at), Some(colon)) if colon < last_at => {
                out.push_str(&token[..colon + 1]);
                out.push_str(MASK);
                out.push_str(&token[last_at..]);
            }
            _ => out.push_str(token),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

struct SchemeAt {
    /// Byte offset just after `postgres://` (or `postgres:`).
    after: usize,
}

/// The first `postgres:` or `postgresql:` (any case) in `text`.
fn find_scheme(text: &str) -> Option<SchemeAt> {
    let lower = text.to_ascii_lowercase();
    ["postgresql:", "postgres:"]
        .iter()
        .filter_map(|scheme| lower.find(scheme).map(|i| i + scheme.len()))
        .min()
        .map(|after| SchemeAt {
            after: if lower[after..].starts_with("//") {
                after + 2
            } else {
                after
            },
        })
}

/// `?password=x` / `&password=x` (and `sslpassword`) in a URL's query.
fn query_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let lower = text.to_ascii_lowercase();
    let mut i = 0;
    while i < text.len() {
        let here = &lower[i..];
        let matched = ["?password=", "&password=", "?sslpassword=", "&sslpassword="]
            .iter()
            .find(|p| here.starts_with(**p));
        if let Some(p) = matched {
            out.push_str(&text[i..i + p.len()]);
            out.push_str(MASK);
            let value_start = i + p.len();
            let value_end = text[value_start..]
                .find(|c: char| c == '&' || c.is_whitespace())
                .map_or(text.len(), |e| value_start + e);
            i = value_end;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// libpq's key/value form: `password=x`, `password = x`, `password='a b'`
/// (with `\'` escapes), whatever the case of the key.
fn key_value_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let key = ["sslpassword", "password"]
            .iter()
            .find(|k| lower[i..].starts_with(**k));
        let at_word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'_';
        if let (Some(key), true) = (key, at_word_start) {
            let mut j = i + key.len();
            while j < bytes.len() && bytes[j] == b' ' {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'=' {
                j += 1;
                while j < bytes.len() && bytes[j] == b' ' {
                    j += 1;
                }
                let end = if bytes.get(j) == Some(&b'\'') {
                    let mut k = j + 1;
                    while k < bytes.len() && bytes[k] != b'\'' {
                        k += if bytes[k] == b'\\' { 2 } else { 1 };
                    }
                    (k + 1).min(bytes.len())
                } else {
                    text[j..]
                        .find(char::is_whitespace)
                        .map_or(text.len(), |e| j + e)
                };
                out.push_str(&text[i..i + key.len()]);
                out.push('=');
                out.push_str(MASK);
                i = end;
                continue;
            }
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_password_is_masked() {
        for (input, secret) in [
            ("postgres://app:s3cret@db:5432/x failed", "s3cret"),
            ("postgresql://app:s3cret@db/x", "s3cret"),
            ("postgres://app:s3/cr@t@db/x?sslmode=require", "s3/cr@t"),
            ("postgres://app:p@ss@db/x", "p@ss"),
            (
                "postgres://app@db/x?password=s3cret&sslmode=require",
                "s3cret",
            ),
            ("postgres://db/x?sslmode=require&password=s3cret", "s3cret"),
            ("host=db user=app password=s3cret dbname=x", "s3cret"),
            ("host=db user=app password = s3cret dbname=x", "s3cret"),
            ("host=db password='s3 cret' user=app", "s3 cret"),
            ("host=db password='it\\'s' user=app", "it\\'s"),
            ("host=db PASSWORD=s3cret", "s3cret"),
            ("postgres:app:s3cret@db/x", "s3cret"),
            (
                "cannot connect to postgres://app:s3cret@db/x: refused",
                "s3cret",
            ),
        ] {
            let out = redact(input);
            assert!(!out.contains(secret), "{input} -> {out}");
            assert!(out.contains(MASK), "{input} -> {out}");
        }
    }

    #[test]
    fn nothing_else_changes() {
        for input in [
            "postgres://db/x",
            "postgres://app@db/x?sslmode=require",
            "host=/run/postgresql user=app dbname=x",
            "the passwords table has 3 rows",
            "relation \"password_resets\" does not exist",
        ] {
            assert_eq!(redact(input), input);
        }
    }

    #[test]
    fn known_secrets_go_wherever_they_are() {
        let secrets = vec!["hunter2".to_string(), "a b/c".to_string()];
        let out = redact_with(
            "server said: password authentication failed (tried hunter2); url a%20b%2Fc",
            &secrets,
        );
        assert!(
            !out.contains("hunter2") && !out.contains("a%20b%2Fc"),
            "{out}"
        );
    }
}
