//! What the macro already checked, kept between builds.
//!
//! `migrations!()` runs again whenever the crate that holds it is rebuilt,
//! though the migration files rarely changed; parsing every statement with
//! PostgreSQL's grammar in a proc macro built without optimisation is most
//! of its time. So the result of checking a file is kept, keyed by SHA-256 of
//! everything it depends on: this build of `sqlstrata-core` (a fingerprint of
//! its source), the checking settings, the file's name as shown and its
//! bytes. A changed file, setting or sqlstrata is a miss and is checked
//! again; nothing stale can be returned.
//!
//! One cache file per migrations folder, in a directory only this user can
//! read and write (`SQLSTRATA_CACHE_DIR`, else `$XDG_CACHE_HOME/sqlstrata`,
//! else `~/.cache/sqlstrata`; `SQLSTRATA_CACHE_DIR=off` turns it off). Every
//! failure to read or write it is a miss, never an error: a read-only home
//! or a sandboxed build only loses the speed.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Severity};
use sqlstrata_model::{Bounds, Migration, MigrationParts, Statement, StatementKind};

use crate::migration::{Checked, SourceMigration};

/// The format of a cache file; bump when the encoding changes.
const FORMAT: &[u8] = b"sqlstrata-cache 2\n";

/// A fingerprint of this build of sqlstrata-core's source (see `build.rs`).
const FINGERPRINT: &str = env!("SQLSTRATA_CORE_FINGERPRINT");

/// The result of checking one file.
pub(crate) type Checked1 = (Option<SourceMigration>, Vec<Diagnostic>);

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

    /// The cached result for `key`, if any (and if it still decodes).
    pub(crate) fn get(&self, key: &[u8; 32]) -> Option<Checked1> {
        decode_result(self.entries.get(key)?)
    }

    /// Keeps exactly `results` (the folder's files now) and writes the file.
    pub(crate) fn store(self, results: &[([u8; 32], &Checked1)]) {
        let Some(path) = self.path else { return };
        let mut out = Vec::from(FORMAT);
        for (key, result) in results {
            let body = match self.entries.get(key) {
                Some(b) => b.clone(),
                None => encode_result(result),
            };
            out.extend_from_slice(key);
            out.extend_from_slice(&(body.len() as u64).to_le_bytes());
            out.extend_from_slice(&body);
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
    let root = match std::env::var_os("SQLSTRATA_CACHE_DIR") {
        Some(v) if v == "off" || v.is_empty() => return None,
        Some(v) => PathBuf::from(v),
        None => match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
            Some(x) => PathBuf::from(x).join("sqlstrata"),
            None => PathBuf::from(std::env::var_os("HOME")?).join(".cache/sqlstrata"),
        },
    };
    private_dir(&root).then_some(root)
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
        let len = u64::from_le_bytes(len) as usize;
        let Some(body) = rest.get(40..40 + len) else {
            break;
        };
        map.insert(key, body.to_vec());
        rest = &rest[40 + len..];
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
    fn statements(&mut self, list: &[Statement]) {
        self.u64(list.len() as u64);
        for s in list {
            self.str(s.sql());
            self.u64(u64::from(s.line()));
            self.0.push(match s.kind() {
                StatementKind::OutsideTransaction => 1,
                StatementKind::CreateIndexConcurrently => 2,
                StatementKind::ReindexConcurrently => 3,
                StatementKind::BlockBegin => 4,
                StatementKind::BlockEnd => 5,
                _ => 0,
            });
        }
    }
    fn duration(&mut self, d: Option<std::time::Duration>) {
        match d {
            Some(d) => {
                self.0.push(1);
                self.u64(d.as_secs());
                self.u64(u64::from(d.subsec_nanos()));
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
    fn statements(&mut self) -> Option<Vec<Statement>> {
        let n = self.usize()?;
        let mut out = Vec::with_capacity(n.min(1 << 16));
        for _ in 0..n {
            let sql = self.str()?;
            let line = u32::try_from(self.u64()?).ok()?;
            let kind = match self.u8()? {
                0 => StatementKind::Plain,
                1 => StatementKind::OutsideTransaction,
                2 => StatementKind::CreateIndexConcurrently,
                3 => StatementKind::ReindexConcurrently,
                4 => StatementKind::BlockBegin,
                5 => StatementKind::BlockEnd,
                _ => return None,
            };
            out.push(Statement::new(sql, line).with_kind(kind));
        }
        Some(out)
    }
    fn duration(&mut self) -> Option<Option<std::time::Duration>> {
        match self.u8()? {
            0 => Some(None),
            1 => {
                let secs = self.u64()?;
                let nanos = u32::try_from(self.u64()?).ok()?;
                Some(Some(std::time::Duration::new(secs, nanos)))
            }
            _ => None,
        }
    }
}

fn encode_result((migration, diagnostics): &Checked1) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    match migration {
        None => w.0.push(0),
        Some(source) => {
            let m = &source.migration;
            w.0.push(1);
            w.u64(m.version() as u64);
            w.str(m.name());
            w.str(m.file_name());
            w.opt(m.description());
            w.opt(source.created.as_deref());
            w.statements(m.up());
            match m.down() {
                Some(d) => {
                    w.0.push(1);
                    w.statements(d);
                }
                None => w.0.push(0),
            }
            w.0.extend_from_slice(m.checksum());
            w.0.push(u8::from(m.is_no_transaction()));
            let values: Vec<&str> = m.enum_values().collect();
            w.u64(values.len() as u64);
            for v in values {
                w.str(v);
            }
            w.u64(m.squashes().len() as u64);
            for v in m.squashes() {
                w.u64(*v as u64);
            }
            w.duration(m.bounds().lock_timeout);
            w.duration(m.bounds().statement_timeout);
            w.u64(source.checked.len() as u64);
            for c in &source.checked {
                w.0.push(match c {
                    Checked::Parsed => 0,
                    Checked::GrammarOnly => 1,
                    Checked::Unchecked => 2,
                });
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

fn decode_result(bytes: &[u8]) -> Option<Checked1> {
    let mut r = Reader(bytes);
    let migration = match r.u8()? {
        0 => None,
        1 => {
            let version = r.u64()? as i64;
            let name = r.str()?;
            let file_name = r.str()?;
            let description = r.opt()?;
            let created = r.opt()?;
            let up = r.statements()?;
            let down = match r.u8()? {
                0 => None,
                1 => Some(r.statements()?),
                _ => return None,
            };
            let checksum = r.bytes(32)?.try_into().ok()?;
            let no_transaction = r.u8()? == 1;
            let mut enum_values = Vec::new();
            for _ in 0..r.usize()? {
                enum_values.push(r.str()?);
            }
            let mut squashes = Vec::new();
            for _ in 0..r.usize()? {
                squashes.push(r.u64()? as i64);
            }
            let bounds = Bounds {
                lock_timeout: r.duration()?,
                statement_timeout: r.duration()?,
            };
            let mut checked = Vec::new();
            for _ in 0..r.usize()? {
                checked.push(match r.u8()? {
                    0 => Checked::Parsed,
                    1 => Checked::GrammarOnly,
                    2 => Checked::Unchecked,
                    _ => return None,
                });
            }
            Some(SourceMigration {
                migration: Migration::new(MigrationParts {
                    version,
                    name,
                    file_name,
                    description,
                    up,
                    down,
                    checksum,
                    no_transaction,
                    enum_values,
                    squashes,
                    bounds,
                }),
                created,
                checked,
            })
        }
        _ => return None,
    };
    let n = r.usize()?;
    let mut diagnostics = Vec::with_capacity(n.min(1 << 16));
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
    r.0.is_empty().then_some((migration, diagnostics))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::read_migration;
    use crate::naming::parse_file_name;

    #[test]
    fn a_result_comes_back_as_it_went_in() {
        let name = parse_file_name("002_a.sql").unwrap();
        for sql in [
            "-- Description: d\n-- UP\nCREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN b int NOT NULL;\n-- DOWN\nDROP TABLE a;\n",
            "-- UP\nSELEC 1;\n",
            "-- sqlstrata: no-transaction\n-- UP\nVACUUM a;\n",
            "-- UP\nALTER TYPE mood ADD VALUE 'ok';\n-- sqlstrata: unchecked\nFROB;\n-- DOWN\nSELECT 1;\n",
            "-- sqlstrata: no-transaction\n-- sqlstrata: lock-timeout 1.5s\n-- sqlstrata: statement-timeout 0\n-- UP\nCREATE INDEX CONCURRENTLY i ON t (a);\nDROP INDEX CONCURRENTLY j;\nSET x = 1;\n",
        ] {
            let result = read_migration("m/002_a.sql", &name, "002_a.sql", sql);
            assert_eq!(
                decode_result(&encode_result(&result)),
                Some(result),
                "{sql}"
            );
        }
    }

    #[test]
    fn keys_change_with_whatever_the_result_depends_on() {
        let k = Cache::key("s", "m/001_a.sql", b"SELECT 1;");
        assert_ne!(k, Cache::key("t", "m/001_a.sql", b"SELECT 1;"));
        assert_ne!(k, Cache::key("s", "n/001_a.sql", b"SELECT 1;"));
        assert_ne!(k, Cache::key("s", "m/001_a.sql", b"SELECT 2;"));
        assert_eq!(k, Cache::key("s", "m/001_a.sql", b"SELECT 1;"));
    }

    #[test]
    fn damaged_entries_are_misses() {
        let name = parse_file_name("002_a.sql").unwrap();
        let result = read_migration("m/002_a.sql", &name, "002_a.sql", "-- UP\nSELECT 1;\n");
        let bytes = encode_result(&result);
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert_eq!(decode_result(&bytes[..cut]), None, "{cut}");
        }
        assert!(decode_file(b"not a cache").is_empty());
    }
}
