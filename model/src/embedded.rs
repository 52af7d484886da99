//! How `migrations!()` embeds a set: each file's text once (its
//! `include_str!`, which is also what makes cargo rebuild when the file
//! changes), a table of short strings, and a compact byte string that
//! says, for each migration, where in its file each statement is. The
//! compiler then has a few literals to build instead of thousands of
//! statement strings and structs; the runtime decodes the table on first
//! use (a boot with nothing to do never does: it needs only the count and
//! the digest, kept beside it).
//!
//! The encoder runs in the macro, the decoder in the application: both are
//! here, so the format exists once. The text of every statement is a range
//! of its file as the compiler read it; the macro also has the compiler
//! check each file's length (`assert_lengths`), so no range can point past
//! what was included.

use std::borrow::Cow;
use std::time::Duration;

use crate::{Bounds, Migration, Statement, StatementKind};

/// One migration to embed: the migration as read, the index of its file
/// in the set's list of files, and the byte range of each of its
/// statements in that file's text (UP, then DOWN).
pub struct ToEmbed<'a> {
    /// The migration.
    pub migration: &'a Migration,
    /// Its file's index.
    pub file: usize,
    /// Each statement's byte range in the file (UP, then DOWN).
    pub spans: &'a [(usize, usize)],
}

/// The encoded set: the byte string and the string table.
pub struct Encoded {
    /// The migrations, encoded.
    pub data: Vec<u8>,
    /// Short strings they refer to (names, file names, descriptions,
    /// enum labels), one after another.
    pub strings: String,
}

struct Writer {
    data: Vec<u8>,
    strings: String,
}

impl Writer {
    fn u(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.data.push(byte);
                return;
            }
            self.data.push(byte | 0x80);
        }
    }

    fn i(&mut self, v: i64) {
        self.u(((v << 1) ^ (v >> 63)) as u64);
    }

    fn string(&mut self, s: &str) {
        self.u(self.strings.len() as u64);
        self.u(s.len() as u64);
        self.strings.push_str(s);
    }

    fn duration(&mut self, d: Option<Duration>) {
        match d {
            Some(d) => self.u(u64::try_from(d.as_millis()).unwrap_or(u64::MAX - 1) + 1),
            None => self.u(0),
        }
    }
}

const fn kind_code(kind: StatementKind) -> u64 {
    match kind {
        StatementKind::Plain => 0,
        StatementKind::OutsideTransaction => 1,
        StatementKind::CreateIndexConcurrently => 2,
        StatementKind::ReindexConcurrently => 3,
        StatementKind::BlockBegin => 4,
        StatementKind::BlockEnd => 5,
    }
}

fn kind_of(code: u64) -> StatementKind {
    match code {
        1 => StatementKind::OutsideTransaction,
        2 => StatementKind::CreateIndexConcurrently,
        3 => StatementKind::ReindexConcurrently,
        4 => StatementKind::BlockBegin,
        5 => StatementKind::BlockEnd,
        _ => StatementKind::Plain,
    }
}

/// Encodes `set` (what the macro does at compile time).
pub fn encode(set: &[ToEmbed<'_>]) -> Encoded {
    let mut w = Writer {
        data: Vec::new(),
        strings: String::new(),
    };
    w.u(set.len() as u64);
    for e in set {
        let m = e.migration;
        w.i(m.version());
        w.u(e.file as u64);
        w.string(m.name());
        w.string(m.file_name());
        match m.description() {
            Some(d) => {
                w.u(1);
                w.string(d);
            }
            None => w.u(0),
        }
        w.data.extend_from_slice(m.checksum());
        w.u(u64::from(m.is_no_transaction())
            | (u64::from(m.is_repeatable()) << 1)
            | (u64::from(m.is_post_deploy()) << 2));
        let up = m.up();
        let down = m.down();
        w.u(up.len() as u64);
        w.u(down.map_or(0, |d| d.len() as u64 + 1));
        for (s, (start, end)) in up.iter().chain(down.into_iter().flatten()).zip(e.spans) {
            w.u(*start as u64);
            w.u((end - start) as u64);
            w.u(u64::from(s.line()));
            w.u(kind_code(s.kind()));
        }
        let labels: Vec<&str> = m.enum_values().collect();
        w.u(labels.len() as u64);
        for l in labels {
            w.string(l);
        }
        w.u(m.squashes().len() as u64);
        let mut previous = 0i64;
        for v in m.squashes() {
            w.i(v - previous);
            previous = *v;
        }
        w.duration(m.bounds().lock_timeout);
        w.duration(m.bounds().statement_timeout);
    }
    Encoded {
        data: w.data,
        strings: w.strings,
    }
}

struct Reader<'a> {
    data: &'a [u8],
    strings: &'static str,
}

impl Reader<'_> {
    fn u(&mut self) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        while let Some((&byte, rest)) = self.data.split_first() {
            self.data = rest;
            v |= u64::from(byte & 0x7f) << shift.min(63);
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        v
    }

    fn usize(&mut self) -> usize {
        usize::try_from(self.u()).unwrap_or(usize::MAX)
    }

    fn i(&mut self) -> i64 {
        let u = self.u();
        ((u >> 1) as i64) ^ -((u & 1) as i64)
    }

    fn string(&mut self) -> &'static str {
        let start = self.usize();
        let len = self.usize();
        self.strings
            .get(start..start.saturating_add(len))
            .unwrap_or_default()
    }

    fn checksum(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        let n = self.data.len().min(32);
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        out
    }

    fn duration(&mut self) -> Option<Duration> {
        match self.u() {
            0 => None,
            ms => Some(Duration::from_millis(ms - 1)),
        }
    }
}

/// Decodes what [`encode`] wrote, the statements' texts borrowed from
/// `files`. The macro wrote it and the compiler checked every file's length
/// against it, so each range is inside its file; a range that were not
/// (the data damaged) would read as an empty statement, never past the
/// file.
pub fn decode(
    files: &'static [&'static str],
    strings: &'static str,
    data: &'static [u8],
) -> Vec<Migration> {
    let mut r = Reader { data, strings };
    let count = r.usize();
    let mut out = Vec::with_capacity(count.min(1 << 20));
    for _ in 0..count {
        if r.data.is_empty() {
            break;
        }
        let version = r.i();
        let file = files.get(r.usize()).copied().unwrap_or_default();
        let name = r.string();
        let file_name = r.string();
        let description = (r.u() == 1).then(|| r.string());
        let checksum = r.checksum();
        let flags = r.u();
        let (no_transaction, repeatable, post_deploy) =
            (flags & 1 == 1, flags & 2 == 2, flags & 4 == 4);
        let up_count = r.usize();
        let down_count = r.usize();
        let mut statement = || {
            let start = r.usize();
            let len = r.usize();
            let line = u32::try_from(r.u()).unwrap_or(u32::MAX);
            let kind = kind_of(r.u());
            let sql = file
                .get(start..start.saturating_add(len))
                .unwrap_or_default();
            Statement::__static_kind(sql, line, kind)
        };
        let up: Vec<Statement> = (0..up_count).map(|_| statement()).collect();
        let down: Option<Vec<Statement>> = down_count
            .checked_sub(1)
            .map(|n| (0..n).map(|_| statement()).collect());
        let labels: Vec<Cow<'static, str>> =
            (0..r.usize()).map(|_| Cow::Borrowed(r.string())).collect();
        let mut previous = 0i64;
        let squashes: Vec<i64> = (0..r.usize())
            .map(|_| {
                previous += r.i();
                previous
            })
            .collect();
        let bounds = Bounds {
            lock_timeout: r.duration(),
            statement_timeout: r.duration(),
        };
        out.push(Migration {
            version,
            name: Cow::Borrowed(name),
            file_name: Cow::Borrowed(file_name),
            description: description.map(Cow::Borrowed),
            up: Cow::Owned(up),
            down: down.map(Cow::Owned),
            checksum,
            no_transaction,
            enum_values: Cow::Owned(labels),
            squashes: Cow::Owned(squashes),
            bounds,
            repeatable,
            post_deploy,
        });
    }
    out
}

/// The compile-time check the macro emits: each included file has the
/// length the macro read, so every range it encoded is inside it.
pub const fn assert_lengths(files: &[&str], lengths: &[usize]) {
    assert!(
        files.len() == lengths.len(),
        "sqlstrata: a migration file list changed while it was compiled; build again"
    );
    let mut i = 0;
    while i < files.len() {
        assert!(
            files[i].len() == lengths[i],
            "sqlstrata: a migration file changed while it was compiled; build again"
        );
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MigrationParts, checksum};

    #[test]
    fn a_set_comes_back_as_it_went_in() {
        static FILE_A: &str = "-- UP\nCREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY i ON a (id);\n-- DOWN\nDROP TABLE a;\n";
        static FILE_B: &str = "SELECT 'ümlaut', $$x$$;\n";
        let a_up = [
            Statement::new("CREATE TABLE a (id int)", 2),
            Statement::new("CREATE INDEX CONCURRENTLY i ON a (id)", 3)
                .with_kind(StatementKind::CreateIndexConcurrently),
        ];
        let a = Migration::new(MigrationParts {
            version: 3,
            name: "a".into(),
            file_name: "003_a.sql".into(),
            description: Some("the a".into()),
            checksum: checksum(&["x"], true),
            up: a_up.to_vec(),
            down: Some(vec![Statement::new("DROP TABLE a", 5)]),
            no_transaction: true,
            enum_values: vec!["'x'".into()],
            squashes: vec![1, 2, 20240101],
            bounds: Bounds {
                lock_timeout: Some(Duration::from_secs(10)),
                statement_timeout: Some(Duration::ZERO),
            },
            repeatable: false,
            post_deploy: true,
        });
        let b = Migration::new(MigrationParts {
            name: "b".into(),
            file_name: "R__b.sql".into(),
            repeatable: true,
            up: vec![Statement::new("SELECT 'ümlaut', $$x$$", 1)],
            ..MigrationParts::default()
        });
        let span = |file: &str, s: &str| {
            let at = file.find(s).unwrap();
            (at, at + s.len())
        };
        let a_spans = [
            span(FILE_A, "CREATE TABLE a (id int)"),
            span(FILE_A, "CREATE INDEX CONCURRENTLY i ON a (id)"),
            span(FILE_A, "DROP TABLE a"),
        ];
        let b_spans = [span(FILE_B, "SELECT 'ümlaut', $$x$$")];
        let encoded = encode(&[
            ToEmbed {
                migration: &a,
                file: 0,
                spans: &a_spans,
            },
            ToEmbed {
                migration: &b,
                file: 1,
                spans: &b_spans,
            },
        ]);
        let data: &'static [u8] = Box::leak(encoded.data.into_boxed_slice());
        let strings: &'static str = Box::leak(encoded.strings.into_boxed_str());
        static FILES: [&str; 2] = [FILE_A, FILE_B];
        let back = decode(&FILES, strings, data);
        assert_eq!(back, vec![a, b]);
    }

    #[test]
    fn damaged_data_reads_short_never_past_a_file() {
        static FILES: [&str; 1] = ["SELECT 1"];
        // One migration whose statement claims bytes 5..105 of an 8-byte file.
        let mut w = Writer {
            data: Vec::new(),
            strings: String::new(),
        };
        for v in [1u64, 2, 0, 0, 0, 0, 0, 0] {
            w.u(v);
        }
        let data: &'static [u8] = Box::leak(w.data.into_boxed_slice());
        let back = decode(&FILES, "", data);
        assert_eq!(back.len(), 1);
        assert!(decode(&FILES, "", &[]).is_empty());
        assert!(
            decode(&FILES, "", &[0xff, 0xff, 0x7f]).is_empty(),
            "a count with nothing after it"
        );
    }

    #[test]
    fn lengths_are_checked() {
        assert_lengths(&["ab", "c"], &[2, 1]);
        let wrong = std::panic::catch_unwind(|| assert_lengths(&["ab"], &[3]));
        assert!(wrong.is_err());
    }
}
