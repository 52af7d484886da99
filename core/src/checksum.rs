//! The checksum of a migration: SHA-256 of its UP section.
//!
//! Line endings are normalised to `\n`, a leading byte-order mark is removed
//! and the section is trimmed, so a Windows checkout, an editor that adds a
//! BOM, or a corrected DOWN section does not count as a changed migration.

use sha2::{Digest, Sha256};

/// SHA-256 of the normalised `up` text.
///
/// ```
/// use sqlstrata_core::checksum::checksum;
/// assert_eq!(checksum("CREATE TABLE t ();\r\n"), checksum("\u{feff}CREATE TABLE t ();\n"));
/// ```
pub fn checksum(up: &str) -> [u8; 32] {
    let up = up.strip_prefix('\u{feff}').unwrap_or(up);
    let normalised = up.replace("\r\n", "\n");
    Sha256::digest(normalised.trim().as_bytes()).into()
}

/// Lower-case hex of a checksum.
pub fn to_hex(sum: &[u8; 32]) -> String {
    sum.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        assert_eq!(
            to_hex(&checksum("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn content_changes_change_the_checksum() {
        assert_ne!(checksum("SELECT 1"), checksum("SELECT 2"));
    }
}
