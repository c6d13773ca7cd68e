//! Text for a terminal: names and definitions come from the database and from files, and a
//! control character in them (an `ESC ] 0 ; ... BEL` that retitles the terminal, a carriage
//! return that overwrites the line) must reach the screen as visible text, never as a command.

use std::io::{self, Write};

/// A writer that passes text through with every control character but newline and tab shown
/// escaped (`\u{1b}`), for reports that print no colors of their own.
pub struct Printable<'a> {
    inner: &'a mut dyn Write,
}

impl<'a> Printable<'a> {
    pub fn new(inner: &'a mut dyn Write) -> Self {
        Printable { inner }
    }
}

/// `true` for the characters a terminal may act on: C0 controls, DEL and C1 controls.
pub(crate) fn is_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `text` with its control characters escaped.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_control) {
        return text.into();
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_control(c) {
            shown.extend(c.escape_unicode());
        } else {
            shown.push(c);
        }
    }
    shown.into()
}

impl Write for Printable<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Reports write whole `str` pieces (through `write!`), so a buffer holds whole
        // characters; bytes that are not UTF-8 are passed through as they are.
        match std::str::from_utf8(buf) {
            Ok(text) => self.inner.write_all(printable(text).as_bytes())?,
            Err(_) => self.inner.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(
            printable("evil\u{1b}]0;owned\u{7}name"),
            "evil\\u{1b}]0;owned\\u{7}name"
        );
        assert_eq!(printable("a\rb\u{9b}c\u{7f}"), "a\\u{d}b\\u{9b}c\\u{7f}");
        assert_eq!(
            printable("plain\ttext\nnext, ünïcode"),
            "plain\ttext\nnext, ünïcode"
        );
    }

    #[test]
    fn the_writer_escapes_what_it_passes_through() {
        let mut out = Vec::new();
        let name = "t\u{1b}[2J";
        writeln!(Printable::new(&mut out), "table {name}").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "table t\\u{1b}[2J\n");
    }
}
