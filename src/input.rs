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
/// (only `limit + 1` bytes are ever read, into a buffer that never grows past `limit + 1`, so
/// that a device like `/dev/zero` costs at most about one and a half times the limit while it
/// grows, not the three times of a doubling buffer).
pub fn read_at_most(reader: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    read_sized(reader, limit, 0)
}

/// [`read_at_most`] with the first buffer sized for `expected` bytes (a file's length).
fn read_sized(
    mut reader: impl Read,
    limit: u64,
    expected: u64,
) -> std::io::Result<Option<Vec<u8>>> {
    let most = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
    let mut bytes: Vec<u8> = Vec::new();
    let mut filled = 0;
    // A file's length (and a byte more, to see its end) is all a first buffer needs: a larger
    // one is zeroed for nothing. Without a length, start at 8 KiB.
    let first = if expected == 0 {
        8192
    } else {
        expected.saturating_add(1)
    };
    let mut next = usize::try_from(first).map_or(most, |n| n.min(most));
    while filled < most {
        if filled == bytes.len() {
            // A failed allocation is an error to report, not an abort.
            bytes
                .try_reserve_exact(next - bytes.len())
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::OutOfMemory))?;
            bytes.resize(next, 0);
            next = next.saturating_mul(2).min(most);
        }
        match reader.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok((filled as u64 <= limit).then_some(bytes))
}

/// Why [`read_file`] returned no text.
#[derive(Debug)]
pub enum Unread {
    Io(std::io::Error),
    /// The file holds more than the limit.
    TooLarge,
}

/// The bytes of the file at `path` when it holds at most `limit` bytes. A regular file longer
/// than that is refused from its length, unread.
pub fn read_file(path: &std::path::Path, limit: u64) -> Result<Vec<u8>, Unread> {
    let file = std::fs::File::open(path).map_err(Unread::Io)?;
    let length = match file.metadata() {
        Ok(metadata) if metadata.is_file() => metadata.len(),
        _ => 0,
    };
    if length > limit {
        return Err(Unread::TooLarge);
    }
    read_sized(file, limit, length)
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
        assert_eq!(read_at_most(&b""[..], 3).unwrap(), Some(Vec::new()));
        let long = vec![7u8; 100_000];
        assert_eq!(
            read_at_most(&long[..], 100_000).unwrap(),
            Some(long.clone())
        );
        assert_eq!(read_at_most(&long[..], 99_999).unwrap(), None);
    }

    #[test]
    fn a_regular_file_past_the_limit_is_refused_from_its_length() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sparse");
        std::fs::File::create(&path)
            .unwrap()
            .set_len(1 << 40)
            .unwrap();
        assert!(matches!(read_file(&path, 1 << 20), Err(Unread::TooLarge)));
        std::fs::write(&path, "abc").unwrap();
        assert_eq!(read_file(&path, 3).unwrap(), b"abc");
        assert!(matches!(read_file(&path, 2), Err(Unread::TooLarge)));
    }
}
