//! The embedded migration set: what `migrations!()` produces at compile time
//! and what the CLI builds from a folder at run time.
//!
//! The types borrow `'static` data from the macro or own data read at run
//! time (`Cow`), so an application never links sqlparser to run migrations.

use std::borrow::Cow;
use std::fmt;

/// One SQL statement of a migration, as written in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    sql: Cow<'static, str>,
    line: u32,
}

impl Statement {
    /// A statement read at run time.
    pub fn new(sql: impl Into<Cow<'static, str>>, line: u32) -> Self {
        Statement {
            sql: sql.into(),
            line,
        }
    }

    #[doc(hidden)]
    pub const fn __static(sql: &'static str, line: u32) -> Self {
        Statement {
            sql: Cow::Borrowed(sql),
            line,
        }
    }

    /// The statement's original text (without the terminating `;`).
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The 1-based line in the migration file where it starts.
    pub fn line(&self) -> u32 {
        self.line
    }
}

/// One migration: a version, a name, its UP and DOWN statements and the
/// checksum of its UP section.
#[derive(Clone, PartialEq, Eq)]
pub struct Migration {
    version: i64,
    name: Cow<'static, str>,
    file_name: Cow<'static, str>,
    description: Option<Cow<'static, str>>,
    up: Cow<'static, [Statement]>,
    down: Option<Cow<'static, [Statement]>>,
    checksum: [u8; 32],
    no_transaction: bool,
}

/// The parts of a migration read at run time, for [`Migration::new`].
#[derive(Debug, Clone, Default)]
pub struct MigrationParts {
    /// The numeric version.
    pub version: i64,
    /// The snake_case name.
    pub name: String,
    /// The file name, e.g. `003_add_index.sql`.
    pub file_name: String,
    /// `-- Description:`.
    pub description: Option<String>,
    /// The UP statements.
    pub up: Vec<Statement>,
    /// The DOWN statements; `None` when irreversible.
    pub down: Option<Vec<Statement>>,
    /// SHA-256 of the normalised UP section.
    pub checksum: [u8; 32],
    /// Runs outside a transaction.
    pub no_transaction: bool,
}

impl Migration {
    /// A migration read at run time (the CLI reads a folder this way).
    pub fn new(parts: MigrationParts) -> Self {
        Migration {
            version: parts.version,
            name: parts.name.into(),
            file_name: parts.file_name.into(),
            description: parts.description.map(Cow::Owned),
            up: parts.up.into(),
            down: parts.down.map(Cow::Owned),
            checksum: parts.checksum,
            no_transaction: parts.no_transaction,
        }
    }

    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn __static(
        version: i64,
        name: &'static str,
        file_name: &'static str,
        description: Option<&'static str>,
        up: &'static [Statement],
        down: Option<&'static [Statement]>,
        checksum: [u8; 32],
        no_transaction: bool,
    ) -> Self {
        Migration {
            version,
            name: Cow::Borrowed(name),
            file_name: Cow::Borrowed(file_name),
            description: match description {
                Some(d) => Some(Cow::Borrowed(d)),
                None => None,
            },
            up: Cow::Borrowed(up),
            down: match down {
                Some(d) => Some(Cow::Borrowed(d)),
                None => None,
            },
            checksum,
            no_transaction,
        }
    }

    /// The numeric version.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The snake_case name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file it came from, e.g. `003_add_index.sql`.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The `-- Description:` header, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The UP statements, in order.
    pub fn up(&self) -> &[Statement] {
        &self.up
    }

    /// The DOWN statements, in order; `None` when the migration is irreversible.
    pub fn down(&self) -> Option<&[Statement]> {
        self.down.as_deref()
    }

    /// Whether the migration cannot be rolled back.
    pub fn is_irreversible(&self) -> bool {
        self.down.is_none()
    }

    /// SHA-256 of the normalised UP section.
    pub fn checksum(&self) -> &[u8; 32] {
        &self.checksum
    }

    /// The checksum in lower-case hex.
    pub fn checksum_hex(&self) -> String {
        hex(&self.checksum)
    }

    /// Whether the migration runs outside a transaction (`-- sqlstrata: no-transaction`).
    pub fn is_no_transaction(&self) -> bool {
        self.no_transaction
    }
}

impl fmt::Debug for Migration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Migration")
            .field("version", &self.version)
            .field("file_name", &self.file_name)
            .field("up", &self.up.len())
            .field("down", &self.down.as_ref().map(|d| d.len()))
            .field("checksum", &self.checksum_hex())
            .field("no_transaction", &self.no_transaction)
            .finish()
    }
}

/// A whole migration set in version order, as produced by
/// [`migrations!`](crate::migrations).
///
/// ```
/// static MIGRATIONS: sqlstrata::Migrations = sqlstrata::migrations!("../migrations");
///
/// assert!(MIGRATIONS.len() >= 6);
/// let first = &MIGRATIONS.iter().next().unwrap();
/// assert_eq!(first.version(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrations {
    migrations: Cow<'static, [Migration]>,
}

impl Migrations {
    /// A set read at run time. The migrations are sorted by version.
    pub fn new(mut migrations: Vec<Migration>) -> Self {
        migrations.sort_by_key(|m| m.version);
        Migrations {
            migrations: migrations.into(),
        }
    }

    #[doc(hidden)]
    pub const fn __static(migrations: &'static [Migration]) -> Self {
        Migrations {
            migrations: Cow::Borrowed(migrations),
        }
    }

    /// The migrations in version order.
    pub fn iter(&self) -> std::slice::Iter<'_, Migration> {
        self.migrations.iter()
    }

    /// The migrations as a slice, in version order.
    pub fn as_slice(&self) -> &[Migration] {
        &self.migrations
    }

    /// How many migrations there are.
    pub fn len(&self) -> usize {
        self.migrations.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.migrations.is_empty()
    }

    /// The migration with this version.
    pub fn get(&self, version: i64) -> Option<&Migration> {
        self.migrations
            .binary_search_by_key(&version, |m| m.version)
            .ok()
            .map(|i| &self.migrations[i])
    }

    /// A checksum of the whole set (versions and UP checksums), in hex: two
    /// sets with the same fingerprint build the same schema.
    pub fn fingerprint(&self) -> String {
        // FNV-1a over 128 bits is plenty to key templates; no crypto needed.
        let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
        for m in self.iter() {
            for b in m.version.to_le_bytes().iter().chain(m.checksum.iter()) {
                h ^= u128::from(*b);
                h = h.wrapping_mul(0x0000000001000000000000000000013B);
            }
        }
        format!("{h:032x}")
    }
}

impl<'a> IntoIterator for &'a Migrations {
    type Item = &'a Migration;
    type IntoIter = std::slice::Iter<'a, Migration>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
