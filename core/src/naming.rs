//! The file naming rule: `<version>_<name>.sql`, and `R__<name>.sql` for a
//! repeatable migration (Flyway's form).

use std::fmt;

/// A migration file name that follows the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    /// The numeric version (`016` is 16).
    pub version: i64,
    /// The version as written, with its zero padding (`016`).
    pub version_text: String,
    /// The snake_case name after the first `_`.
    pub name: String,
    /// `R__<name>.sql`: a repeatable migration (version 0, no version text).
    pub repeatable: bool,
}

impl FileName {
    /// The file name without `.sql`, as `-- Migration:` headers name it.
    pub fn stem(&self) -> String {
        if self.repeatable {
            format!("R__{}", self.name)
        } else {
            format!("{}_{}", self.version_text, self.name)
        }
    }
}

/// Why a `.sql` file name does not follow the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// The part before the first `_` is not all digits, or there is no `_`.
    NoVersion,
    /// The version has fewer than three digits.
    ShortVersion(String),
    /// The version does not fit in a signed 64-bit integer (BIGINT).
    VersionTooLarge(String),
    /// The name part is empty or has characters other than `[a-z0-9_]`.
    BadName(String),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::NoVersion => {
                write!(
                    f,
                    "the name must start with a numeric version followed by `_`"
                )
            }
            NameError::ShortVersion(v) => write!(
                f,
                "the version `{v}` has fewer than three digits; zero-pad it (`{v:0>3}`)"
            ),
            NameError::VersionTooLarge(v) => {
                write!(f, "the version `{v}` does not fit in a BIGINT")
            }
            NameError::BadName(n) if n.is_empty() => {
                write!(f, "the name after the version is empty")
            }
            NameError::BadName(n) => write!(
                f,
                "the name `{n}` is not snake_case (only `a-z`, `0-9` and `_`)"
            ),
        }
    }
}

/// The pattern every migration file name must match, for messages.
pub const PATTERN: &str = "<version>_<name>.sql, e.g. 001_create_users.sql (version: 3+ digits; name: a-z, 0-9, _), or R__<name>.sql for a repeatable migration";

/// Parses a file name (with its `.sql` extension).
///
/// ```
/// use sqlstrata_core::naming::parse_file_name;
/// let f = parse_file_name("016_add_preferences.sql").unwrap();
/// assert_eq!((f.version, f.name.as_str()), (16, "add_preferences"));
/// assert!(parse_file_name("016-add-preferences.sql").is_err());
/// ```
pub fn parse_file_name(file_name: &str) -> Result<FileName, NameError> {
    let stem = file_name.strip_suffix(".sql").unwrap_or(file_name);
    if let Some(name) = stem.strip_prefix("R__") {
        if !snake_case(name) {
            return Err(NameError::BadName(name.to_string()));
        }
        return Ok(FileName {
            version: 0,
            version_text: String::new(),
            name: name.to_string(),
            repeatable: true,
        });
    }
    let Some((version, name)) = stem.split_once('_') else {
        return Err(NameError::NoVersion);
    };
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NameError::NoVersion);
    }
    if version.len() < 3 {
        return Err(NameError::ShortVersion(version.to_string()));
    }
    let number: i64 = version
        .parse()
        .map_err(|_| NameError::VersionTooLarge(version.to_string()))?;
    if !snake_case(name) {
        return Err(NameError::BadName(name.to_string()));
    }
    Ok(FileName {
        version: number,
        version_text: version.to_string(),
        name: name.to_string(),
        repeatable: false,
    })
}

/// Not empty, and only `a-z`, `0-9` and `_`.
fn snake_case(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_padded_and_timestamp_versions() {
        for (file, version, name) in [
            ("001_initial_schema.sql", 1, "initial_schema"),
            ("016_add_preferences.sql", 16, "add_preferences"),
            ("0001_b.sql", 1, "b"),
            ("20260120103000_add_2fa.sql", 20260120103000, "add_2fa"),
            ("123_a__b.sql", 123, "a__b"),
        ] {
            let f = parse_file_name(file).unwrap();
            assert_eq!((f.version, f.name.as_str()), (version, name), "{file}");
        }
    }

    #[test]
    fn rejects_names_off_the_pattern_with_the_reason() {
        for (file, err) in [
            ("1_create_audit.sql", NameError::ShortVersion("1".into())),
            ("016-add-preferences.sql", NameError::NoVersion),
            ("create_users.sql", NameError::NoVersion),
            (
                "001_Create_Users.sql",
                NameError::BadName("Create_Users".into()),
            ),
            (
                "001_create users.sql",
                NameError::BadName("create users".into()),
            ),
            ("001_.sql", NameError::BadName(String::new())),
            (
                "99999999999999999999_x.sql",
                NameError::VersionTooLarge("99999999999999999999".into()),
            ),
        ] {
            assert_eq!(parse_file_name(file), Err(err), "{file}");
        }
    }

    #[test]
    fn repeatable_migrations_are_flyways_form() {
        let f = parse_file_name("R__active_users_view.sql").unwrap();
        assert!(f.repeatable);
        assert_eq!((f.version, f.name.as_str()), (0, "active_users_view"));
        assert_eq!(f.stem(), "R__active_users_view");
        assert!(!parse_file_name("001_a.sql").unwrap().repeatable);
        for (file, err) in [
            ("R__.sql", NameError::BadName(String::new())),
            ("R__Views.sql", NameError::BadName("Views".into())),
            ("R__a b.sql", NameError::BadName("a b".into())),
            ("r__views.sql", NameError::NoVersion),
            ("R_views.sql", NameError::NoVersion),
        ] {
            assert_eq!(parse_file_name(file), Err(err), "{file}");
        }
    }

    #[test]
    fn messages_say_what_to_do() {
        assert_eq!(
            NameError::ShortVersion("1".into()).to_string(),
            "the version `1` has fewer than three digits; zero-pad it (`001`)"
        );
        assert_eq!(
            parse_file_name("01_x.sql").unwrap_err().to_string(),
            "the version `01` has fewer than three digits; zero-pad it (`001`)"
        );
        assert_eq!(
            NameError::BadName(String::new()).to_string(),
            "the name after the version is empty"
        );
        assert_eq!(
            NameError::BadName("A".into()).to_string(),
            "the name `A` is not snake_case (only `a-z`, `0-9` and `_`)"
        );
        assert_eq!(
            NameError::NoVersion.to_string(),
            "the name must start with a numeric version followed by `_`"
        );
        assert_eq!(
            NameError::VersionTooLarge("9".repeat(20)).to_string(),
            format!("the version `{}` does not fit in a BIGINT", "9".repeat(20))
        );
    }
}
