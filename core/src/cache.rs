//! What the macro already checked, kept between builds.
//!
//! `migrations!()` runs again whenever the crate that holds it is rebuilt,
//! though the migration files rarely changed; parsing every statement with
//! PostgreSQL's grammar in a proc macro built without optimisation is most
//! of its time. So what that work found is kept, keyed by SHA-256 of
//! everything it depends on: this build of `sqlstrata-core` (a fingerprint of
//! its source), the checking settings, the file's name as shown and its
//! bytes. A changed file, setting or sqlstrata is a miss and is checked
//! again; nothing stale can be returned.
//!
//! The cache keeps only what costs time to find again: the diagnostics,
//! where each statement is and how it was checked, the enum labels the UP
//! adds (a [`Shape`]). What is embedded is never taken from it: on a hit the
//! file's bytes (read in this build to compute the key) are read again into
//! the migration, every cached span checked against the file's own tokens
//! (`reread_migration`), the text and checksum the file's. A cache rewritten
//! under the right key with other SQL, truncated or garbage, changes nothing
//! that is built: it is a miss, or a span that does not fit the file is.
//!
//! One cache file per migrations folder, in a directory only this user can
//! read and write (`SQLSTRATA_CACHE_DIR`, else `$XDG_CACHE_HOME/sqlstrata`,
//! else `~/.cache/sqlstrata`; `SQLSTRATA_CACHE_DIR=off` turns it off). Every
//! failure to read or write it is a miss, never an error: a read-only home
//! or a sandboxed build only loses the speed.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Severity};
use crate::migration::{Checked, Shape, SourceMigration};

/// The format of a cache file; bump when the encoding changes.
const FORMAT: &[u8] = b"sqlstrata-cache 4\n";

/// A fingerprint of this build of sqlstrata-core's source (see `build.rs`).
const FINGERPRINT: &str = env!("SQLSTRATA_CORE_FINGERPRINT");

/// The result of checking one file.
pub(crate) type Checked1 = (Option<SourceMigration>, Vec<Diagnostic>);

/// What the cache holds for one file: the shape of a migration without
/// errors (none for a file with errors) and every diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cached {
    pub shape: Option<Shape>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The entries of one folder's cache file.
pub(crate) struct Cache {
    path: Option<PathBuf>,
    entries: HashMap<[u8; 32], Vec<u8>>,
}

impl Cache {
    /// No cache: every lookup misses, nothing is written.
    pub(crate) fn none() -> Cache {
        Cache {
            path: None,
            entries: HashMap::new(),
        }
    }

    /// The cache kept in the file `path` (for tests: `open` picks the file).
    #[cfg(test)]
    pub(crate) fn at(path: PathBuf) -> Cache {
        let entries = fs::read(&path)
            .ok()
            .map(|b| decode_file(&b))
            .unwrap_or_default();
        Cache {
            path: Some(path),
            entries,
        }
    }

    /// The cache of the folder `dir` in the user's cache directory.
    pub(crate) fn open(dir: &Path) -> Cache {
        let Some(root) = cache_root() else {
            return Cache::none();
        };
        let folder = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let name = hex(&Sha256::digest(folder.as_os_str().as_encoded_bytes()).into());
        let path = root.join(format!("{}.cache", &name[..32]));
        let entries = fs::read(&path)
            .ok()
            .map(|b| decode_file(&b))
            .unwrap_or_default();
        Cache {
            path: Some(path),
            entries,
        }
    }

    /// The key of a file: what its result depends on.
    pub(crate) fn key(settings: &str, shown: &str, bytes: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        for part in [
            FORMAT,
            FINGERPRINT.as_bytes(),
            settings.as_bytes(),
            shown.as_bytes(),
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        h.update(bytes);
        h.finalize().into()
    }

    /// What is cached for `key`, if anything (and if it still decodes).
    pub(crate) fn get(&self, key: &[u8; 32]) -> Option<Cached> {
        decode_result(self.entries.get(key)?)
    }

    /// Keeps exactly `results` (the folder's files now) and writes the file.
    #[cfg(test)]
    pub(crate) fn store(self, results: &[([u8; 32], &Checked1)]) {
        let encoded = results
            .iter()
            .map(|(key, result)| (*key, self.encode(key, result)))
            .collect();
        self.store_encoded(encoded);
    }

    /// `result` as the cache keeps it under `key` (what it holds already,
    /// when it has it).
    pub(crate) fn encode(&self, key: &[u8; 32], result: &Checked1) -> Vec<u8> {
        match self.entries.get(key) {
            Some(b) => b.clone(),
            None => encode_result(result),
        }
    }

    /// Keeps exactly `encoded` (each from [`Cache::encode`]) and writes the file.
    pub(crate) fn store_encoded(self, encoded: Vec<([u8; 32], Vec<u8>)>) {
        let Some(path) = self.path else { return };
        let mut out = Vec::from(FORMAT);
        for (key, body) in &encoded {
            out.extend_from_slice(key);
            out.extend_from_slice(&(body.len() as u64).to_le_bytes());
            out.extend_from_slice(body);
        }
        if fs::read(&path).ok().as_deref() == Some(&out[..]) {
            return;
        }
        // Written beside, then renamed: a reader never sees half a file.
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if fs::write(&tmp, &out).is_ok() && fs::rename(&tmp, &path).is_err() {
            let _ = fs::remove_file(&tmp);
        }
    }
}

fn cache_root() -> Option<PathBuf> {
    let root = root_in(|name| std::env::var_os(name))?;
    private_dir(&root).then_some(root)
}

/// Where the cache directory is, by the environment `var` reads
/// (`SQLSTRATA_CACHE_DIR`, `XDG_CACHE_HOME`, `HOME`); `None`: no cache.
fn root_in(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    match var("SQLSTRATA_CACHE_DIR") {
        Some(v) if v == "off" || v.is_empty() => None,
        Some(v) => Some(PathBuf::from(v)),
        None => match var("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
            Some(x) => Some(PathBuf::from(x).join("sqlstrata")),
            None => Some(PathBuf::from(var("HOME")?).join(".cache/sqlstrata")),
        },
    }
}

/// Creates `dir` for this user only; refuses one others can write to.
fn private_dir(dir: &Path) -> bool {
    if fs::create_dir_all(dir).is_err() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let Ok(meta) = fs::metadata(dir) else {
            return false;
        };
        if meta.permissions().mode() & 0o077 != 0 {
            let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        }
        let Ok(meta) = fs::metadata(dir) else {
            return false;
        };
        // Another user's directory, or one we could not lock down: no cache.
        let uid = fs::metadata("/proc/self")
            .map(|m| m.uid())
            .unwrap_or(meta.uid());
        meta.uid() == uid && meta.permissions().mode() & 0o022 == 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}

fn hex(bytes: &[u8; 32]) -> String {
    crate::checksum::to_hex(bytes)
}

fn decode_file(bytes: &[u8]) -> HashMap<[u8; 32], Vec<u8>> {
    let mut map = HashMap::new();
    let Some(mut rest) = bytes.strip_prefix(FORMAT) else {
        return map;
    };
    while rest.len() >= 40 {
        let mut key = [0u8; 32];
        key.copy_from_slice(&rest[..32]);
        let mut len = [0u8; 8];
        len.copy_from_slice(&rest[32..40]);
        let Some(end) = usize::try_from(u64::from_le_bytes(len))
            .ok()
            .and_then(|len| len.checked_add(40))
        else {
            break;
        };
        let Some(body) = rest.get(40..end) else {
            break;
        };
        map.insert(key, body.to_vec());
        rest = &rest[end..];
    }
    map
}

/// A small length-prefixed encoding of a file's result.
struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
            None => self.0.push(0),
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn bytes(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }
    fn u64(&mut self) -> Option<u64> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.bytes(8)?);
        Some(u64::from_le_bytes(b))
    }
    fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }
    /// A count of items each at least `min` bytes long: no more than the
    /// rest of the entry can hold (a damaged count never allocates much).
    fn count(&mut self, min: usize) -> Option<usize> {
        let n = self.usize()?;
        (n <= self.0.len() / min.max(1)).then_some(n)
    }
    fn str(&mut self) -> Option<String> {
        let n = self.usize()?;
        String::from_utf8(self.bytes(n)?.to_vec()).ok()
    }
    fn opt(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.str()?)),
            _ => None,
        }
    }
}

fn encode_result((migration, diagnostics): &Checked1) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    match migration {
        None => w.0.push(0),
        Some(source) => {
            let shape = source.shape();
            w.0.push(1);
            w.u64(shape.up as u64);
            w.u64(shape.spans.len() as u64);
            for ((start, end), checked) in shape.spans.iter().zip(&shape.checked) {
                w.u64(*start as u64);
                w.u64(*end as u64);
                w.0.push(match checked {
                    Checked::Parsed => 0,
                    Checked::GrammarOnly => 1,
                    Checked::Unchecked => 2,
                    Checked::Grammar => 3,
                });
            }
            w.u64(shape.enum_values.len() as u64);
            for v in &shape.enum_values {
                w.str(v);
            }
        }
    }
    w.u64(diagnostics.len() as u64);
    for d in diagnostics {
        w.0.push(match d.severity {
            Severity::Warning => 0,
            Severity::Error => 1,
        });
        w.str(d.rule);
        w.str(&d.file);
        match d.position {
            Some((l, c)) => {
                w.0.push(1);
                w.u64(l as u64);
                w.u64(c as u64);
            }
            None => w.0.push(0),
        }
        w.opt(d.source_line.as_deref());
        w.str(&d.message);
        w.opt(d.help.as_deref());
    }
    w.0
}

fn decode_result(bytes: &[u8]) -> Option<Cached> {
    let mut r = Reader(bytes);
    let shape = match r.u8()? {
        0 => None,
        1 => {
            let up = r.usize()?;
            let n = r.count(17)?;
            let mut spans = Vec::with_capacity(n);
            let mut checked = Vec::with_capacity(n);
            for _ in 0..n {
                spans.push((r.usize()?, r.usize()?));
                checked.push(match r.u8()? {
                    0 => Checked::Parsed,
                    1 => Checked::GrammarOnly,
                    2 => Checked::Unchecked,
                    3 => Checked::Grammar,
                    _ => return None,
                });
            }
            let mut enum_values = Vec::new();
            for _ in 0..r.count(8)? {
                enum_values.push(r.str()?);
            }
            Some(Shape {
                spans,
                up,
                checked,
                enum_values,
            })
        }
        _ => return None,
    };
    let n = r.count(27)?;
    let mut diagnostics = Vec::with_capacity(n);
    for _ in 0..n {
        let severity = match r.u8()? {
            0 => Severity::Warning,
            1 => Severity::Error,
            _ => return None,
        };
        let rule = crate::diagnostic::rule_name(&r.str()?)?;
        diagnostics.push(Diagnostic {
            severity,
            rule,
            file: r.str()?,
            position: match r.u8()? {
                0 => None,
                1 => Some((r.usize()?, r.usize()?)),
                _ => return None,
            },
            source_line: r.opt()?,
            message: r.str()?,
            help: r.opt()?,
        });
    }
    r.0.is_empty().then_some(Cached { shape, diagnostics })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::{read_judged, read_migration, reread_migration};
    use crate::naming::parse_file_name;

    const FILES: &[&str] = &[
        "-- Description: d\n-- UP\nCREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN b int NOT NULL;\n-- DOWN\nDROP TABLE a;\n",
        "-- UP\nSELEC 1;\n",
        "-- sqlstrata: no-transaction\n-- UP\nVACUUM a;\n",
        "-- UP\nALTER TYPE mood ADD VALUE 'ok';\n-- sqlstrata: unchecked\nFROB;\n-- DOWN\nSELECT 1;\n",
        "-- sqlstrata: no-transaction\n-- sqlstrata: lock-timeout 1.5s\n-- sqlstrata: statement-timeout 0\n-- UP\nCREATE INDEX CONCURRENTLY i ON t (a);\nDROP INDEX CONCURRENTLY j;\nSET x = 1;\n",
        "\u{feff}CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nSELECT 'a;b' ; ;\n",
    ];

    fn reread(sql: &str, shape: &Shape) -> Option<SourceMigration> {
        let name = parse_file_name("002_a.sql").unwrap();
        reread_migration(
            "m/002_a.sql",
            &name,
            "002_a.sql",
            sql,
            &crate::config::LintConfig::default(),
            shape,
        )
    }

    #[test]
    fn a_result_comes_back_and_rebuilds_the_same_migration() {
        let name = parse_file_name("002_a.sql").unwrap();
        // As the CLI reads (sqlparser asked too) and as the macro does.
        let reads = FILES.iter().flat_map(|sql| {
            [true, false].map(|sqlparser| {
                let config = crate::config::LintConfig::default();
                let result =
                    read_judged("m/002_a.sql", &name, "002_a.sql", sql, &config, sqlparser);
                (*sql, result)
            })
        });
        for (sql, result) in reads {
            let cached = decode_result(&encode_result(&result)).expect("decodes");
            assert_eq!(cached.diagnostics, result.1, "{sql}");
            assert_eq!(cached.shape, result.0.as_ref().map(SourceMigration::shape));
            if let (Some(m), Some(shape)) = (&result.0, &cached.shape) {
                assert_eq!(reread(sql, shape).as_ref(), Some(m), "{sql}");
            }
        }
    }

    #[test]
    fn every_kind_of_check_and_diagnostic_reads_back() {
        // Each way a statement was checked, and a diagnostic of the whole
        // file (no position, no line, no help) beside one with all of them.
        let name = parse_file_name("002_a.sql").unwrap();
        let sql = "-- UP\nCREATE TABLE a (id int);\n-- sqlstrata: unchecked\nFROB;\nALTER TABLE a ADD CONSTRAINT c NOT NULL id;\n";
        let config = crate::config::LintConfig::default();
        for sqlparser in [true, false] {
            let (m, _) = read_judged("m/002_a.sql", &name, "002_a.sql", sql, &config, sqlparser);
            let m = m.expect("no error");
            let want = if sqlparser {
                vec![Checked::Parsed, Checked::Unchecked, Checked::GrammarOnly]
            } else {
                vec![Checked::Grammar, Checked::Unchecked, Checked::Grammar]
            };
            assert_eq!(m.checked, want);
            let bare = Diagnostic::file(Severity::Warning, "io", "m/002_a.sql", "x".into());
            let full = Diagnostic::at(
                Severity::Error,
                "syntax",
                "m/002_a.sql",
                sql,
                2,
                3,
                "y".into(),
            )
            .with_help("z");
            assert!(bare.position.is_none() && bare.help.is_none() && bare.source_line.is_none());
            assert!(full.position.is_some() && full.help.is_some() && full.source_line.is_some());
            let result = (Some(m), vec![bare, full]);
            let cached = decode_result(&encode_result(&result)).expect("decodes");
            assert_eq!(cached.shape, result.0.as_ref().map(SourceMigration::shape));
            assert_eq!(cached.diagnostics, result.1);
        }
    }

    /// An environment of `pairs`.
    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn the_cache_directory_is_found_as_documented() {
        let all = [
            ("SQLSTRATA_CACHE_DIR", "/s"),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(root_in(env(&all)), Some(PathBuf::from("/s")));
        for off in ["off", ""] {
            let pairs = [("SQLSTRATA_CACHE_DIR", off), ("HOME", "/h")];
            assert_eq!(root_in(env(&pairs)), None, "{off:?}");
        }
        assert_eq!(
            root_in(env(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")])),
            Some(PathBuf::from("/x/sqlstrata"))
        );
        assert_eq!(
            root_in(env(&[("XDG_CACHE_HOME", ""), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.cache/sqlstrata")),
            "an empty XDG_CACHE_HOME is unset"
        );
        assert_eq!(root_in(env(&[])), None, "no home: no cache");
    }

    /// Set in the child process of the test below.
    const CHILD: &str = "SQLSTRATA_CACHE_TEST_CHILD";

    #[cfg(unix)]
    #[test]
    fn each_folder_has_one_cache_file_in_the_directory_the_environment_names() {
        use std::os::unix::fs::PermissionsExt;
        let name = parse_file_name("002_a.sql").unwrap();
        let result = read_migration("m/002_a.sql", &name, "002_a.sql", FILES[0]);
        let key = Cache::key("s", "m/002_a.sql", FILES[0].as_bytes());
        if let Some(work) = std::env::var_os(CHILD) {
            // The child: the environment is its own to set.
            for folder in ["one", "two"] {
                let cache = Cache::open(&PathBuf::from(&work).join(folder));
                assert!(cache.get(&key).is_none());
                cache.store(&[(key, &result)]);
                assert!(
                    Cache::open(&PathBuf::from(&work).join(folder))
                        .get(&key)
                        .is_some()
                );
            }
            return;
        }
        let work = std::env::temp_dir().join(format!("sqlstrata-cache-env-{}", std::process::id()));
        let _ = fs::remove_dir_all(&work);
        fs::create_dir_all(&work).unwrap();
        let dir = work.join("cache");
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "cache::tests::each_folder_has_one_cache_file_in_the_directory_the_environment_names",
                "--test-threads=1",
            ])
            .env(CHILD, &work)
            .stdout(std::process::Stdio::null())
            .env("SQLSTRATA_CACHE_DIR", &dir)
            .current_dir(&work)
            .status()
            .unwrap();
        assert!(status.success());
        let mut names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "one file per folder: {names:?}");
        for n in &names {
            let stem = n.strip_suffix(".cache").expect(n);
            assert!(
                stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit()),
                "{n}"
            );
        }
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let stray: Vec<_> = fs::read_dir(&work)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != "cache")
            .collect();
        assert!(stray.is_empty(), "nothing written elsewhere: {stray:?}");
        fs::remove_dir_all(&work).unwrap();
    }

    #[test]
    fn a_shape_that_does_not_fit_the_file_is_a_miss() {
        let sql = FILES[0];
        let name = parse_file_name("002_a.sql").unwrap();
        let good = read_migration("m/002_a.sql", &name, "002_a.sql", sql)
            .0
            .unwrap()
            .shape();
        let with = |f: &dyn Fn(&mut Shape)| {
            let mut s = good.clone();
            f(&mut s);
            reread(sql, &s)
        };
        assert!(with(&|_| {}).is_some());
        // Out of the file, off a token, inside one, merged across a `;`,
        // a statement dropped, moved between sections, overlapping.
        assert!(with(&|s| s.spans[0].1 = sql.len() + 10).is_none());
        assert!(with(&|s| s.spans[0].0 += 1).is_none());
        assert!(with(&|s| s.spans[0].1 -= 1).is_none());
        assert!(
            with(&|s| {
                s.spans[0].1 = s.spans[1].1;
                s.spans.remove(1);
                s.checked.remove(1);
            })
            .is_none()
        );
        assert!(
            with(&|s| {
                s.spans.remove(1);
                s.checked.remove(1);
            })
            .is_none()
        );
        assert!(with(&|s| s.up = 1).is_none());
        assert!(with(&|s| s.up = 3).is_none());
        assert!(with(&|s| s.spans[1] = s.spans[0]).is_none());
        assert!(with(&|s| s.checked.pop().map(drop).unwrap_or_default()).is_none());
        // A label the UP does not hold.
        assert!(with(&|s| s.enum_values.push("'gone'".into())).is_none());
        // Split inside a statement, at no `;`.
        let one = "-- UP\nCREATE TABLE a (id int);\n";
        let name1 = parse_file_name("002_a.sql").unwrap();
        let shape = read_migration("x", &name1, "002_a.sql", one)
            .0
            .unwrap()
            .shape();
        let mut split = shape.clone();
        let (s, e) = split.spans[0];
        split.spans = vec![(s, s + 14), (s + 15, e)];
        split.checked.push(Checked::Parsed);
        assert!(reread(one, &split).is_none());
    }

    #[test]
    fn a_cache_rewritten_with_other_sql_changes_nothing_that_is_built() {
        // The attack: the same key, the entry's statement text replaced
        // (same length). The text now comes from the file; the entry's
        // bytes are only spans.
        let sql = "-- UP\nCREATE TABLE aaaa (id int);\n-- DOWN\nDROP TABLE aaaa;\n";
        let name = parse_file_name("002_a.sql").unwrap();
        let result = read_migration("m/002_a.sql", &name, "002_a.sql", sql);
        let mut entry = encode_result(&result);
        let needle = b"CREATE TABLE aaaa (id int)";
        assert!(
            !entry.windows(needle.len()).any(|w| w == needle),
            "no SQL kept in the cache"
        );
        // Whatever the entry says, a reread builds the file's statements or misses.
        for i in 0..entry.len() {
            let saved = entry[i];
            entry[i] ^= 0x5a;
            if let Some(cached) = decode_result(&entry)
                && let Some(shape) = &cached.shape
                && let Some(m) = reread(sql, shape)
            {
                assert_eq!(
                    m.migration.up()[0].sql(),
                    "CREATE TABLE aaaa (id int)",
                    "byte {i}"
                );
                assert_eq!(
                    m.migration.checksum(),
                    result.0.as_ref().unwrap().migration.checksum()
                );
            }
            entry[i] = saved;
        }
    }

    #[test]
    fn keys_change_with_whatever_the_result_depends_on() {
        let k = Cache::key("s", "m/001_a.sql", b"SELECT 1;");
        assert_ne!(k, Cache::key("t", "m/001_a.sql", b"SELECT 1;"));
        assert_ne!(k, Cache::key("s", "n/001_a.sql", b"SELECT 1;"));
        assert_ne!(k, Cache::key("s", "m/001_a.sql", b"SELECT 2;"));
        assert_eq!(k, Cache::key("s", "m/001_a.sql", b"SELECT 1;"));
        // Each part's length counts: "ab"+"c" is not "a"+"bc".
        assert_ne!(Cache::key("ab", "c", b""), Cache::key("a", "bc", b""));
    }

    #[test]
    fn damaged_entries_are_misses() {
        let name = parse_file_name("002_a.sql").unwrap();
        let result = read_migration("m/002_a.sql", &name, "002_a.sql", FILES[0]);
        let bytes = encode_result(&result);
        for cut in 0..bytes.len() {
            assert_eq!(decode_result(&bytes[..cut]), None, "{cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode_result(&longer), None, "trailing bytes");
        // A count larger than the entry can hold is refused at once.
        let mut huge = vec![1u8];
        huge.extend_from_slice(&0u64.to_le_bytes());
        huge.extend_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(decode_result(&huge), None);
        let mut r = Reader(&[5, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
        assert_eq!(
            r.count(1),
            None,
            "5 items of one byte need 5 bytes, 3 are left"
        );
        let mut r = Reader(&[3, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
        assert_eq!(r.count(1), Some(3));
        let mut r = Reader(&[2, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
        assert_eq!(r.count(2), None);
        for bad_tag in [2u8, 9] {
            let mut b = bytes.clone();
            b[0] = bad_tag;
            assert_eq!(decode_result(&b), None);
        }
    }

    #[test]
    fn a_cache_file_reads_its_entries_and_stops_at_damage() {
        assert!(decode_file(b"not a cache").is_empty());
        assert!(decode_file(FORMAT).is_empty());
        let mut file = Vec::from(FORMAT);
        for (k, body) in [([1u8; 32], b"abc".to_vec()), ([2u8; 32], b"de".to_vec())] {
            file.extend_from_slice(&k);
            file.extend_from_slice(&(body.len() as u64).to_le_bytes());
            file.extend_from_slice(&body);
        }
        let map = decode_file(&file);
        assert_eq!(map.get(&[1u8; 32]).map(Vec::as_slice), Some(&b"abc"[..]));
        assert_eq!(map.get(&[2u8; 32]).map(Vec::as_slice), Some(&b"de"[..]));
        // Truncated in the second body: the first kept, the second gone.
        let map = decode_file(&file[..file.len() - 1]);
        assert!(map.contains_key(&[1u8; 32]) && !map.contains_key(&[2u8; 32]));
        // A length past the end.
        let mut bad = Vec::from(FORMAT);
        bad.extend_from_slice(&[7u8; 32]);
        bad.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(decode_file(&bad).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn the_cache_directory_is_this_users_only() {
        use std::os::unix::fs::PermissionsExt;
        let root = std::env::temp_dir().join(format!("sqlstrata-cache-dir-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        // Made private.
        assert!(private_dir(&root.join("new")));
        let mode = fs::metadata(root.join("new")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{mode:o}");
        // Opened to others: locked down again, and used.
        fs::set_permissions(root.join("new"), fs::Permissions::from_mode(0o777)).unwrap();
        assert!(private_dir(&root.join("new")));
        assert_eq!(
            fs::metadata(root.join("new")).unwrap().permissions().mode() & 0o077,
            0
        );
        // Already private: left as the user set it (a sticky bit kept).
        fs::set_permissions(root.join("new"), fs::Permissions::from_mode(0o1700)).unwrap();
        assert!(private_dir(&root.join("new")));
        assert_eq!(
            fs::metadata(root.join("new")).unwrap().permissions().mode() & 0o7777,
            0o1700
        );
        // Not a directory, or one that cannot be made: no cache.
        fs::write(root.join("file"), b"x").unwrap();
        assert!(!private_dir(&root.join("file")));
        assert!(!private_dir(Path::new("/proc/self/sqlstrata-cache")));
        // Another user's directory is refused (as root, one we give away).
        if fs::metadata("/proc/self")
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
            .ok()
            == Some(0)
        {
            fs::create_dir_all(root.join("theirs")).unwrap();
            let given = std::process::Command::new("chown")
                .args(["nobody"])
                .arg(root.join("theirs"))
                .status()
                .is_ok_and(|s| s.success());
            if given {
                assert!(!private_dir(&root.join("theirs")));
            }
        }
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_stored_cache_is_read_back_and_only_the_folders_files_are_kept() {
        let dir =
            std::env::temp_dir().join(format!("sqlstrata-cache-store-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.cache");
        let name = parse_file_name("002_a.sql").unwrap();
        let result = read_migration("m/002_a.sql", &name, "002_a.sql", FILES[0]);
        let key = Cache::key("s", "m/002_a.sql", FILES[0].as_bytes());
        let cache = Cache {
            path: Some(path.clone()),
            entries: HashMap::new(),
        };
        cache.store(&[(key, &result)]);
        let written = fs::read(&path).unwrap();
        let entries = decode_file(&written);
        assert_eq!(entries.len(), 1);
        let cache = Cache {
            path: Some(path.clone()),
            entries,
        };
        assert!(cache.get(&key).is_some());
        assert!(cache.get(&[0; 32]).is_none());
        // Storing another folder state drops what is gone.
        let other = Cache::key("s", "m/003_b.sql", b"x");
        cache.store(&[(other, &result)]);
        let entries = decode_file(&fs::read(&path).unwrap());
        assert!(entries.contains_key(&other) && !entries.contains_key(&key));
        fs::remove_dir_all(&dir).unwrap();
    }
}
