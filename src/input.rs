//! Reading the files, directories and standard input a user names: with a size cap, so that a
//! wrong path (`/dev/zero`, a data dump) ends in a diagnostic instead of filling memory; and the
//! errors of directory walks, which follow symbolic links in every command. The commands' errors
//! name the cap; this module only reads.

use std::io::Read;

/// The largest `.sql` file (or standard input) `lint` reads. The largest migration of the
/// corpus of real projects is about 0.5 MiB, but whole-history dumps of tens of MiB are linted
/// too; a statement too long to parse in full is read by the token reader only (see
/// `lint::statement`), so memory stays a small multiple of the text.
pub const MAX_LINT_BYTES: u64 = 64 * 1024 * 1024;

/// The largest migration file `verify` and `check --migrations` apply (PostgreSQL, not the
/// parser, reads most of it; data loads may be large).
pub const MAX_MIGRATION_BYTES: u64 = 64 * 1024 * 1024;

/// Reads all of `reader` when it holds at most `limit` bytes; `Ok(None)` when it holds more
/// (only `limit + 1` bytes are ever read).
pub fn read_at_most(reader: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// Why [`read_file`] returned no text.
#[derive(Debug)]
pub enum Unread {
    Io(std::io::Error),
    /// The file holds more than the limit.
    TooLarge,
}

/// The bytes of the file at `path` when it holds at most `limit` bytes.
pub fn read_file(path: &std::path::Path, limit: u64) -> Result<Vec<u8>, Unread> {
    let file = std::fs::File::open(path).map_err(Unread::Io)?;
    read_at_most(file, limit)
        .map_err(Unread::Io)?
        .ok_or(Unread::TooLarge)
}

/// The I/O error behind a directory walk's error; a symbolic link looping back to a directory
/// above it becomes one that says so (`File system loop found: a/b points to an ancestor a`).
pub fn walk_error(error: walkdir::Error) -> std::io::Error {
    let text = error.to_string();
    error
        .into_io_error()
        .unwrap_or_else(|| std::io::Error::other(text))
}

/// `limit` in MiB, for messages.
pub fn mib(limit: u64) -> u64 {
    limit / (1024 * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_stops_one_byte_past_the_limit() {
        assert_eq!(read_at_most(&b"abc"[..], 3).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_at_most(&b"abcd"[..], 3).unwrap(), None);
        let endless = std::io::repeat(0);
        assert_eq!(read_at_most(endless, 1024).unwrap(), None);
    }
}
