//! The one model of a migration in sqlstrata.
//!
//! `sqlstrata-core` reads files into it at compile time (and the CLI at run
//! time); the `migrations!()` macro embeds it as static data; the runtime
//! applies it. It links no parser: an application that runs migrations never
//! compiles one.
//!
//! The types borrow `'static` data from the macro or own data read at run
//! time (`Cow`). Use them through the `sqlstrata` crate, which re-exports
//! them.
//!
//! ```
//! use sqlstrata_model::{Migration, MigrationParts, Migrations, Statement};
//!
//! let set = Migrations::new(vec![Migration::new(MigrationParts {
//!     version: 1,
//!     name: "create_users".into(),
//!     file_name: "001_create_users.sql".into(),
//!     up: vec![Statement::new("CREATE TABLE users (id bigint)", 2)],
//!     down: Some(vec![Statement::new("DROP TABLE users", 4)]),
//!     ..MigrationParts::default()
//! })]);
//! assert_eq!(set.get(1).unwrap().up()[0].line(), 2);
//! ```

#![warn(missing_docs)]

#[doc(hidden)]
pub mod embedded;

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use sha2::{Digest, Sha256};

/// One SQL statement of a migration, as written in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    sql: Cow<'static, str>,
    line: u32,
    kind: StatementKind,
}

/// What the runner must know about a statement before it sends it, decided
/// by PostgreSQL's grammar when the file was read.
///
/// ```
/// use sqlstrata_model::{Statement, StatementKind};
/// let s = Statement::new("CREATE INDEX CONCURRENTLY i ON t (a)", 2).with_kind(StatementKind::CreateIndexConcurrently);
/// assert!(s.kind().refuses_transaction());
/// assert!(!StatementKind::Plain.refuses_transaction());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StatementKind {
    /// Runs anywhere, a transaction block included.
    #[default]
    Plain,
    /// PostgreSQL refuses it inside a transaction block (`VACUUM`, `CREATE
    /// DATABASE`, `DROP INDEX CONCURRENTLY`, ...).
    OutsideTransaction,
    /// `CREATE INDEX CONCURRENTLY`: outside a transaction block, it waits for
    /// older transactions by design, and when it fails it leaves an
    /// `INVALID` index behind (which `IF NOT EXISTS` would then accept).
    CreateIndexConcurrently,
    /// `REINDEX ... CONCURRENTLY`: like `CREATE INDEX CONCURRENTLY`, it
    /// waits by design and can leave an `INVALID` index (`..._ccnew`) behind.
    ReindexConcurrently,
    /// `BEGIN` of a transaction block in a `no-transaction` migration: the
    /// statements up to its end run (and are retried) as one transaction.
    BlockBegin,
    /// `COMMIT` or `ROLLBACK` that ends such a block.
    BlockEnd,
}

impl StatementKind {
    /// Whether PostgreSQL refuses the statement inside a transaction block.
    pub fn refuses_transaction(self) -> bool {
        matches!(
            self,
            StatementKind::OutsideTransaction
                | StatementKind::CreateIndexConcurrently
                | StatementKind::ReindexConcurrently
        )
    }

    /// Whether it builds an index concurrently, and so can leave an
    /// `INVALID` one behind when it fails.
    pub fn builds_index_concurrently(self) -> bool {
        matches!(
            self,
            StatementKind::CreateIndexConcurrently | StatementKind::ReindexConcurrently
        )
    }
}

impl Statement {
    /// A statement read at run time: its text (without the terminating `;`)
    /// and the 1-based line of the file where it starts.
    ///
    /// ```
    /// let s = sqlstrata_model::Statement::new("SELECT 1", 3);
    /// assert_eq!((s.sql(), s.line()), ("SELECT 1", 3));
    /// ```
    pub fn new(sql: impl Into<Cow<'static, str>>, line: u32) -> Self {
        Statement {
            sql: sql.into(),
            line,
            kind: StatementKind::Plain,
        }
    }

    /// The statement with `kind` (what PostgreSQL's grammar says it is).
    pub fn with_kind(mut self, kind: StatementKind) -> Self {
        self.kind = kind;
        self
    }

    #[doc(hidden)]
    pub const fn __static(sql: &'static str, line: u32) -> Self {
        Statement {
            sql: Cow::Borrowed(sql),
            line,
            kind: StatementKind::Plain,
        }
    }

    #[doc(hidden)]
    pub const fn __static_kind(sql: &'static str, line: u32, kind: StatementKind) -> Self {
        Statement {
            sql: Cow::Borrowed(sql),
            line,
            kind,
        }
    }

    /// What the runner must know about it.
    pub fn kind(&self) -> StatementKind {
        self.kind
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

/// How long statements may wait for a lock and run: PostgreSQL's
/// `lock_timeout` and `statement_timeout`, set by a migration's directives
/// (`-- sqlstrata: lock-timeout 10s`), by `sqlstrata.toml`'s `[run]` for
/// the whole set, or by the run's options. `None` leaves the choice to the
/// next of those; a zero duration means no bound.
///
/// ```
/// use std::time::Duration;
/// use sqlstrata_model::Bounds;
/// let file = Bounds { lock_timeout: Some(Duration::from_secs(10)), statement_timeout: None };
/// let set = Bounds { lock_timeout: Some(Duration::from_secs(1)), statement_timeout: Some(Duration::ZERO) };
/// assert_eq!(file.or(set), Bounds { lock_timeout: Some(Duration::from_secs(10)), statement_timeout: Some(Duration::ZERO) });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bounds {
    /// How long each statement may wait for a lock.
    pub lock_timeout: Option<Duration>,
    /// How long each statement may run.
    pub statement_timeout: Option<Duration>,
}

impl Bounds {
    /// Each bound this one leaves open taken from `fallback`.
    pub const fn or(self, fallback: Bounds) -> Bounds {
        Bounds {
            lock_timeout: match self.lock_timeout {
                Some(d) => Some(d),
                None => fallback.lock_timeout,
            },
            statement_timeout: match self.statement_timeout {
                Some(d) => Some(d),
                None => fallback.statement_timeout,
            },
        }
    }
}

/// The run settings a set carries from its `sqlstrata.toml` (`[run]`):
/// defaults under what a run's options say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunSettings {
    /// The bounds of every migration that does not set its own.
    pub bounds: Bounds,
    /// How long a run may keep retrying a transaction that waited too long
    /// for a lock.
    pub lock_retry_budget: Option<Duration>,
}

/// One migration: a version, a name, its UP and DOWN statements and the
/// checksum of what its UP runs.
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
    enum_values: Cow<'static, [Cow<'static, str>]>,
    squashes: Cow<'static, [i64]>,
    bounds: Bounds,
    repeatable: bool,
    post_deploy: bool,
}

/// The parts of a migration the macro embeds, for [`Migration::__static`].
#[doc(hidden)]
pub struct StaticMigration {
    pub version: i64,
    pub name: &'static str,
    pub file_name: &'static str,
    pub description: Option<&'static str>,
    pub up: &'static [Statement],
    pub down: Option<&'static [Statement]>,
    pub checksum: [u8; 32],
    pub no_transaction: bool,
    pub enum_values: &'static [Cow<'static, str>],
    pub squashes: &'static [i64],
    pub bounds: Bounds,
    pub repeatable: bool,
    pub post_deploy: bool,
}

/// The parts of a migration, for [`Migration::new`].
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
    /// [`checksum`] of the UP statements and the transaction mode.
    pub checksum: [u8; 32],
    /// Runs outside a transaction.
    pub no_transaction: bool,
    /// The enum labels its UP adds (`ALTER TYPE ... ADD VALUE 'x'`), as SQL
    /// literals (`'x'`).
    pub enum_values: Vec<String>,
    /// For a baseline written by `sqlstrata squash`: the versions whose
    /// schema it holds (`-- sqlstrata: squashes 001..120`).
    pub squashes: Vec<i64>,
    /// Its own lock and statement time bounds (`-- sqlstrata: lock-timeout 10s`).
    pub bounds: Bounds,
    /// A repeatable migration (`R__<name>.sql`): no version, applied after
    /// the versioned ones whenever its checksum differs from the one it was
    /// last applied with, never undone.
    pub repeatable: bool,
    /// A post-deploy migration (`-- sqlstrata: post-deploy`): applied by
    /// `up --phase post`, once the new code serves every request.
    pub post_deploy: bool,
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
            enum_values: parts
                .enum_values
                .into_iter()
                .map(Cow::Owned)
                .collect::<Vec<_>>()
                .into(),
            squashes: parts.squashes.into(),
            bounds: parts.bounds,
            repeatable: parts.repeatable,
            post_deploy: parts.post_deploy,
        }
    }

    #[doc(hidden)]
    pub const fn __static(parts: StaticMigration) -> Self {
        Migration {
            version: parts.version,
            name: Cow::Borrowed(parts.name),
            file_name: Cow::Borrowed(parts.file_name),
            description: match parts.description {
                Some(d) => Some(Cow::Borrowed(d)),
                None => None,
            },
            up: Cow::Borrowed(parts.up),
            down: match parts.down {
                Some(d) => Some(Cow::Borrowed(d)),
                None => None,
            },
            checksum: parts.checksum,
            no_transaction: parts.no_transaction,
            enum_values: Cow::Borrowed(parts.enum_values),
            squashes: Cow::Borrowed(parts.squashes),
            bounds: parts.bounds,
            repeatable: parts.repeatable,
            post_deploy: parts.post_deploy,
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

    /// [`checksum`] of what the UP section runs.
    pub fn checksum(&self) -> &[u8; 32] {
        &self.checksum
    }

    /// The checksum in lower-case hex.
    pub fn checksum_hex(&self) -> String {
        to_hex(&self.checksum)
    }

    /// Whether the migration runs outside a transaction (`-- sqlstrata: no-transaction`).
    pub fn is_no_transaction(&self) -> bool {
        self.no_transaction
    }

    /// The enum labels the UP section adds (`ALTER TYPE ... ADD VALUE`), as
    /// SQL literals: a later migration that uses one cannot share its
    /// transaction (PostgreSQL refuses with SQLSTATE 55P04).
    pub fn enum_values(&self) -> impl Iterator<Item = &str> {
        self.enum_values.iter().map(|v| v.as_ref())
    }

    /// For a baseline written by `sqlstrata squash`: the versions whose
    /// schema it holds, in order (`-- sqlstrata: squashes 001..120`). A
    /// database that applied them all counts the baseline as applied.
    pub fn squashes(&self) -> &[i64] {
        &self.squashes
    }

    /// Its own lock and statement time bounds (directives); what it leaves
    /// open comes from the set's settings or the run's options.
    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// Whether it is a repeatable migration (`R__<name>.sql`): applied
    /// after the versioned ones whenever its checksum differs from the one
    /// it was last applied with, never undone. Its version is 0; its name
    /// is its identity.
    pub fn is_repeatable(&self) -> bool {
        self.repeatable
    }

    /// Whether it is a post-deploy migration (`-- sqlstrata: post-deploy`):
    /// one that contracts what the code of the release before no longer
    /// uses (a dropped column or table), applied by `up --phase post` once
    /// the new code serves every request, and left pending by `up --phase
    /// pre`. Not part of the checksum: marking an applied migration so
    /// changes when it runs, not what it ran.
    pub fn is_post_deploy(&self) -> bool {
        self.post_deploy
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
            .field("repeatable", &self.repeatable)
            .field("post_deploy", &self.post_deploy)
            .finish()
    }
}

/// A whole migration set in version order, as `migrations!()` produces it,
/// with its repeatable migrations (in name order) beside.
#[derive(Debug, Clone)]
pub struct Migrations {
    migrations: Stored,
    digest: [u8; 32],
    settings: RunSettings,
}

/// Where a set's migrations are.
#[derive(Debug, Clone)]
enum Stored {
    /// Built at run time, or by the macro as a slice: the versioned
    /// migrations (the first `versioned`), then the repeatables.
    Slice(Cow<'static, [Migration]>, usize),
    /// Embedded by the macro (see [`embedded`]): decoded on first use; the
    /// first `count` are the versioned migrations, the rest repeatables.
    Embedded {
        files: &'static [&'static str],
        strings: &'static str,
        data: &'static [u8],
        count: usize,
        /// The versioned migrations' versions, readable at compile time
        /// (see [`Migrations::__assert_version`]).
        versions: &'static [i64],
        /// A static of its own: a set that holds no interior mutability
        /// can be read by a `const` (the test attribute's version check).
        decoded: &'static std::sync::OnceLock<Vec<Migration>>,
    },
}

impl PartialEq for Migrations {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest
            && self.settings == other.settings
            && self.as_slice() == other.as_slice()
            && self.repeatables() == other.repeatables()
    }
}

impl Eq for Migrations {}

impl Migrations {
    /// A set read at run time. The migrations are sorted by version, the
    /// repeatable ones ([`Migration::is_repeatable`]) by name, apart.
    pub fn new(mut migrations: Vec<Migration>) -> Self {
        migrations.sort_by(|a, b| {
            (a.repeatable, a.version, &a.name).cmp(&(b.repeatable, b.version, &b.name))
        });
        let versioned = migrations.iter().filter(|m| !m.repeatable).count();
        Migrations {
            digest: applied_digest(&migrations),
            migrations: Stored::Slice(migrations.into(), versioned),
            settings: RunSettings::default(),
        }
    }

    /// The set with the run settings of its folder's `sqlstrata.toml`.
    pub fn with_settings(mut self, settings: RunSettings) -> Self {
        self.settings = settings;
        self
    }

    #[doc(hidden)]
    pub const fn __static(
        migrations: &'static [Migration],
        digest: [u8; 32],
        settings: RunSettings,
    ) -> Self {
        Migrations {
            migrations: Stored::Slice(Cow::Borrowed(migrations), migrations.len()),
            digest,
            settings,
        }
    }

    /// What `migrations!()` emits: the files' texts, the string table and
    /// the encoded migrations ([`embedded::encode`]), how many there are.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn __embedded(
        files: &'static [&'static str],
        strings: &'static str,
        data: &'static [u8],
        count: usize,
        versions: &'static [i64],
        digest: [u8; 32],
        settings: RunSettings,
        decoded: &'static std::sync::OnceLock<Vec<Migration>>,
    ) -> Self {
        Migrations {
            migrations: Stored::Embedded {
                files,
                strings,
                data,
                count,
                versions,
                decoded,
            },
            digest,
            settings,
        }
    }

    /// At compile time, for `#[sqlstrata::test(at = V)]`: fails the build
    /// when an embedded set has no migration of version `version`, with a
    /// message naming the versions it has. A set built at run time is
    /// checked when the test runs instead.
    #[doc(hidden)]
    pub const fn __assert_version(&self, version: i64) {
        let Stored::Embedded { versions, .. } = &self.migrations else {
            return;
        };
        let mut i = 0;
        while i < versions.len() {
            if versions[i] == version {
                return;
            }
            i += 1;
        }
        let mut message = ConstText::new();
        message.push(b"#[sqlstrata::test(at = ");
        message.number(version);
        message.push(b")]: the migration set has no version ");
        message.number(version);
        message.push(b"; its versions are ");
        let mut i = 0;
        while i < versions.len() {
            if i > 0 {
                message.push(b", ");
            }
            message.number(versions[i]);
            i += 1;
        }
        if versions.is_empty() {
            message.push(b"none");
        }
        panic!("{}", message.as_str());
    }

    /// The run settings of the folder's `sqlstrata.toml` (`[run]`).
    pub fn settings(&self) -> &RunSettings {
        &self.settings
    }

    /// The migrations in version order.
    pub fn iter(&self) -> std::slice::Iter<'_, Migration> {
        self.as_slice().iter()
    }

    /// The versioned migrations as a slice, in version order.
    pub fn as_slice(&self) -> &[Migration] {
        let (all, versioned) = self.all();
        all.get(..versioned).unwrap_or(all)
    }

    /// The repeatable migrations (`R__<name>.sql`), in name order: applied
    /// after the versioned ones, each whenever its checksum differs from
    /// the one it was last applied with.
    ///
    /// ```
    /// use sqlstrata_model::{Migration, MigrationParts, Migrations};
    /// let set = Migrations::new(vec![
    ///     Migration::new(MigrationParts { name: "views".into(), repeatable: true, ..MigrationParts::default() }),
    ///     Migration::new(MigrationParts { version: 1, name: "users".into(), ..MigrationParts::default() }),
    /// ]);
    /// assert_eq!((set.len(), set.repeatables()[0].name()), (1, "views"));
    /// ```
    pub fn repeatables(&self) -> &[Migration] {
        let (all, versioned) = self.all();
        all.get(versioned..).unwrap_or_default()
    }

    /// Every migration, and how many of them (the first) are versioned.
    fn all(&self) -> (&[Migration], usize) {
        match &self.migrations {
            Stored::Slice(list, versioned) => (list, *versioned),
            Stored::Embedded {
                files,
                strings,
                data,
                decoded,
                count,
                ..
            } => (
                decoded.get_or_init(|| embedded::decode(files, strings, data)),
                *count,
            ),
        }
    }

    /// How many versioned migrations there are (without decoding an
    /// embedded set); the repeatables are not counted.
    pub fn len(&self) -> usize {
        match &self.migrations {
            Stored::Slice(_, versioned) => *versioned,
            Stored::Embedded { count, .. } => *count,
        }
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The migration with this version.
    pub fn get(&self, version: i64) -> Option<&Migration> {
        let list = self.as_slice();
        list.binary_search_by_key(&version, |m| m.version)
            .ok()
            .map(|i| &list[i])
    }

    /// [`applied_digest`] of the whole set, computed when the set was made
    /// (at compile time for `migrations!()`): what a database on which every
    /// migration is applied, and nothing else, answers at boot.
    pub fn applied_digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// The set's identity in hex (versions and checksums): two sets with the
    /// same fingerprint build the same schema.
    pub fn fingerprint(&self) -> String {
        to_hex(&self.digest)
    }
}

/// A message built at compile time (a `const fn` cannot allocate): at most
/// 512 bytes, cut with `...` beyond.
struct ConstText {
    bytes: [u8; 512],
    len: usize,
    full: bool,
}

impl ConstText {
    const fn new() -> Self {
        ConstText {
            bytes: [0; 512],
            len: 0,
            full: false,
        }
    }

    const fn push(&mut self, text: &[u8]) {
        let mut i = 0;
        while i < text.len() && !self.full {
            // Room is kept for the `...` that says the text was cut.
            if self.len + 4 > self.bytes.len() {
                self.bytes[self.len] = b'.';
                self.bytes[self.len + 1] = b'.';
                self.bytes[self.len + 2] = b'.';
                self.len += 3;
                self.full = true;
                return;
            }
            self.bytes[self.len] = text[i];
            self.len += 1;
            i += 1;
        }
    }

    const fn number(&mut self, n: i64) {
        let mut digits = [0u8; 20];
        let mut count = 0;
        let mut rest = n.unsigned_abs();
        loop {
            digits[count] = b'0' + (rest % 10) as u8;
            count += 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if n < 0 {
            self.push(b"-");
        }
        while count > 0 {
            count -= 1;
            self.push(&[digits[count]]);
        }
    }

    const fn as_str(&self) -> &str {
        let (text, _) = self.bytes.split_at(self.len);
        match core::str::from_utf8(text) {
            Ok(s) => s,
            Err(_) => "the migration set has no such version",
        }
    }
}

impl<'a> IntoIterator for &'a Migrations {
    type Item = &'a Migration;
    type IntoIter = std::slice::Iter<'a, Migration>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// SHA-256 of a migration's UP statements (their original text, without the
/// terminating `;`) and its transaction mode: what runs when it is applied.
///
/// Headers, descriptions, markers, comments between statements, the DOWN
/// section and line endings (`\r\n` is `\n`) do not count: a Windows
/// checkout, an edited description or a corrected DOWN section is not a
/// changed migration; switching `no-transaction` is.
///
/// ```
/// use sqlstrata_model::checksum;
/// let lf = checksum(&["CREATE TABLE t (\n  a int\n)"], false);
/// assert_eq!(lf, checksum(&["CREATE TABLE t (\r\n  a int\r\n)"], false));
/// assert_ne!(lf, checksum(&["CREATE TABLE t (\n  a int\n)"], true));
/// ```
pub fn checksum<S: AsRef<str>>(statements: &[S], no_transaction: bool) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(if no_transaction {
        "-- no-transaction\n"
    } else {
        "-- transaction\n"
    });
    for s in statements {
        h.update(s.as_ref().replace("\r\n", "\n").as_bytes());
        h.update(b";\n");
    }
    h.finalize().into()
}

/// SHA-256 of the lines `"{version} {checksum hex} applied"` of the
/// versioned migrations, in the order given (version order), then
/// `"R {name} {checksum hex}"` of the repeatable ones (name order), joined
/// by `\n`: the digest of a tracking table on which exactly these
/// migrations are applied ([`history_digest`] of its rows, with
/// [`repeatables_digest`]'s lines). Each run seals the digest of the rows it
/// leaves into the tracking table (on the row of the highest version), so a
/// booting application learns in one row that nothing is pending and
/// nothing drifted.
pub fn applied_digest(migrations: &[Migration]) -> [u8; 32] {
    let checksums: Vec<String> = migrations.iter().map(|m| to_hex(&m.checksum)).collect();
    let (versioned, repeatable): (Vec<_>, Vec<_>) = migrations
        .iter()
        .zip(&checksums)
        .partition(|(m, _)| !m.repeatable);
    repeatables_digest(
        versioned
            .into_iter()
            .map(|(m, c)| (m.version, c.as_str(), "applied")),
        repeatable
            .into_iter()
            .map(|(m, c)| (m.name.as_ref(), c.as_str())),
    )
}

/// [`history_digest`] of the versioned rows, then the lines `"R {name}
/// {checksum}"` of the repeatable migrations' records (name order): with
/// none, the same as [`history_digest`].
///
/// ```
/// use sqlstrata_model::{history_digest, repeatables_digest};
/// let rows = [(1, "ab", "applied")];
/// assert_eq!(repeatables_digest(rows, []), history_digest(rows));
/// assert_ne!(repeatables_digest(rows, [("views", "cd")]), history_digest(rows));
/// ```
pub fn repeatables_digest<'a>(
    rows: impl IntoIterator<Item = (i64, &'a str, &'a str)>,
    repeatables: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> [u8; 32] {
    let mut h = Sha256::new();
    let mut first = true;
    let mut line = |parts: [&str; 3]| {
        if !first {
            h.update(b"\n");
        }
        first = false;
        h.update(parts[0].as_bytes());
        h.update(b" ");
        h.update(parts[1].as_bytes());
        h.update(b" ");
        h.update(parts[2].as_bytes());
    };
    for (version, checksum, state) in rows {
        line([&version.to_string(), checksum, state]);
    }
    for (name, checksum) in repeatables {
        line(["R", name, checksum]);
    }
    h.finalize().into()
}

/// SHA-256 of the lines `"{version} {checksum} {state}"` of a tracking
/// table's rows, in the order given (version order), joined by `\n`.
///
/// ```
/// use sqlstrata_model::{history_digest, to_hex};
/// let d = history_digest([(1, "ab", "applied"), (2, "cd", "applied")]);
/// assert_eq!(to_hex(&d).len(), 64);
/// assert_ne!(d, history_digest([(1, "ab", "applied"), (2, "cd", "failed")]));
/// ```
pub fn history_digest<'a>(rows: impl IntoIterator<Item = (i64, &'a str, &'a str)>) -> [u8; 32] {
    repeatables_digest(rows, [])
}

/// Lower-case hex.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(version: i64, sql: &str) -> Migration {
        Migration::new(MigrationParts {
            version,
            name: format!("m{version}"),
            file_name: format!("{version:03}_m{version}.sql"),
            checksum: checksum(&[sql], false),
            up: vec![Statement::new(sql.to_string(), 2)],
            ..MigrationParts::default()
        })
    }

    #[test]
    fn hex_is_lower_case_and_padded() {
        assert_eq!(to_hex(&[0x0a, 0xff, 0]), "0aff00");
    }

    #[test]
    fn what_runs_decides_the_checksum() {
        let base = checksum(&["SELECT 1", "SELECT 2"], false);
        assert_ne!(base, checksum(&["SELECT 1", "SELECT 3"], false));
        assert_ne!(base, checksum(&["SELECT 1"], false));
        assert_ne!(
            base,
            checksum(&["SELECT 1; SELECT 2"], false),
            "boundaries count"
        );
        assert_ne!(base, checksum(&["SELECT 1", "SELECT 2"], true));
        assert_eq!(
            base,
            checksum(&["SELECT 1".to_string(), "SELECT 2".to_string()], false)
        );
    }

    #[test]
    fn crlf_inside_a_statement_is_lf_and_a_lone_cr_is_text() {
        assert_eq!(
            checksum(&["CREATE TABLE t (\r\n  a int,\r\n  b text\r\n)"], false),
            checksum(&["CREATE TABLE t (\n  a int,\n  b text\n)"], false)
        );
        assert_ne!(
            checksum(&["SELECT 'a\rb'"], false),
            checksum(&["SELECT 'a\nb'"], false)
        );
    }

    #[test]
    fn the_applied_digest_is_the_servers_formula() {
        let set = Migrations::new(vec![migration(2, "SELECT 2"), migration(1, "SELECT 1")]);
        let text = format!(
            "1 {} applied\n2 {} applied",
            to_hex(set.as_slice()[0].checksum()),
            to_hex(set.as_slice()[1].checksum())
        );
        let want: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        assert_eq!(set.applied_digest(), &want);
        assert_eq!(set.as_slice()[0].version(), 1, "sorted by version");
        assert_ne!(
            Migrations::new(vec![migration(1, "SELECT 1")]).applied_digest(),
            set.applied_digest()
        );
    }

    #[test]
    fn a_set_answers_what_it_holds() {
        let empty = Migrations::new(vec![]);
        assert!(empty.is_empty());
        assert_eq!(empty.len(), 0);
        let mut with_down = migration(3, "SELECT 3");
        assert!(with_down.is_irreversible());
        with_down = Migration::new(MigrationParts {
            version: 3,
            down: Some(vec![Statement::new("SELECT 0", 4)]),
            squashes: vec![1, 2, 3],
            checksum: [0xab; 32],
            ..MigrationParts::default()
        });
        assert!(!with_down.is_irreversible());
        assert_eq!(with_down.squashes(), &[1, 2, 3]);
        assert_eq!(with_down.checksum_hex(), "ab".repeat(32));
        assert!(format!("{with_down:?}").contains(&"ab".repeat(32)));
        let set = Migrations::new(vec![with_down, migration(1, "SELECT 1")]);
        assert!(!set.is_empty());
        assert_eq!(set.len(), 2);
        assert_eq!(
            (&set).into_iter().map(|m| m.version()).collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(set.fingerprint(), to_hex(set.applied_digest()));
        assert_eq!(set.fingerprint().len(), 64);
        assert_eq!(set.get(3).map(|m| m.version()), Some(3));
        assert!(set.get(2).is_none());
    }
}
