//! The source shown in a human code frame: a window of a few lines around the labelled span,
//! never more than [`WIDTH`] bytes either side of it on a line, with control characters shown
//! escaped. A 70 MB one-line statement gets a frame of a few hundred bytes; an `ESC` in a file
//! reaches the terminal as `\u{1b}`.
//!
//! [`Framed`] is a [`miette::SourceCode`]: the escaped text is built once per file, and spans
//! of the original text are moved to it with [`Framed::span`].

use std::borrow::Cow;
use std::ops::Range;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::terminal;

/// Bytes of context shown before and after a span on its lines.
pub const WIDTH: usize = 160;

/// Longest label: a longer span (a whole statement) is labelled on its first bytes, up to the
/// end of its first line.
pub const LABEL: usize = 240;

/// A file as shown in code frames.
#[derive(Debug)]
pub struct Framed<'t> {
    name: String,
    /// The text with control characters escaped (borrowed when it has none).
    text: Cow<'t, str>,
    /// Where each escape starts in the original text, and how many bytes the text has grown by
    /// after it.
    shifts: Vec<(usize, usize)>,
    /// Byte offsets (in `text`) of every newline.
    newlines: Vec<usize>,
}

impl<'t> Framed<'t> {
    pub fn new(name: &str, original: &'t str) -> Framed<'t> {
        let (text, shifts) = match escaped(original) {
            Some((text, shifts)) => (Cow::Owned(text), shifts),
            None => (Cow::Borrowed(original), Vec::new()),
        };
        let newlines: Vec<usize> = memchr::memchr_iter(b'\n', text.as_bytes()).collect();
        Framed {
            name: terminal::printable(name).into_owned(),
            text,
            shifts,
            newlines,
        }
    }

    /// Where `offset` of the original text is in the escaped text.
    fn at(&self, offset: usize) -> usize {
        let before = self.shifts.partition_point(|(at, _)| *at < offset);
        offset + before.checked_sub(1).map_or(0, |i| self.shifts[i].1)
    }

    /// The label for `span` of the original text: moved to the escaped text and cut to its
    /// first line and [`LABEL`] bytes.
    pub fn span(&self, span: &Range<usize>) -> SourceSpan {
        let start = self.at(span.start);
        let end = self.at(span.end).max(start);
        let line_end = self.text[start..end].find('\n').map_or(end, |i| start + i);
        let end = floor(&self.text, line_end.min(start + LABEL));
        (start, end - start).into()
    }

    /// The start of the window: back over `lines` newlines, no further than [`WIDTH`] bytes
    /// back on any of them.
    fn window_start(&self, from: usize, lines: usize) -> usize {
        let mut start = from;
        let mut left = lines;
        loop {
            let line_start = self.line_start(start);
            if start - line_start > WIDTH {
                return floor(&self.text, start - WIDTH);
            }
            if left == 0 || line_start == 0 {
                return line_start;
            }
            left -= 1;
            start = line_start - 1;
        }
    }

    /// The end of the window: forward over `lines` newlines, no further than [`WIDTH`] bytes
    /// on any of them.
    fn window_end(&self, from: usize, lines: usize) -> usize {
        let mut end = from;
        let mut left = lines;
        loop {
            let line_end = self.line_end(end);
            if line_end - end > WIDTH {
                return ceil(&self.text, end + WIDTH);
            }
            if left == 0 || line_end == self.text.len() {
                return line_end;
            }
            left -= 1;
            end = line_end + 1;
        }
    }

    /// Number of the line (from 0) that holds `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&n| n < offset)
    }

    fn line_start(&self, offset: usize) -> usize {
        match self.line_of(offset) {
            0 => 0,
            line => self.newlines[line - 1] + 1,
        }
    }

    fn line_end(&self, offset: usize) -> usize {
        self.newlines
            .get(self.line_of(offset))
            .copied()
            .unwrap_or(self.text.len())
    }
}

impl SourceCode for Framed<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (start, end) = (span.offset(), span.offset() + span.len());
        if end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let (from, to) = if context_lines_before == 0 && context_lines_after == 0 {
            (start, end)
        } else {
            (
                self.window_start(start, context_lines_before),
                self.window_end(end, context_lines_after),
            )
        };
        let line = self.line_of(from);
        let column = self.text[self.line_start(from)..from].chars().count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[from..to],
            (from, to - from).into(),
            line,
            column,
            self.newlines.len() + 1,
        )))
    }
}

/// Offsets of every `\n`.
/// The text with its control characters escaped (a `\r` ending a line with `\n` kept), and
/// where each escape starts and how many bytes the text has grown by after it; `None` when
/// nothing needs escaping (the usual file, which is then not copied).
fn escaped(original: &str) -> Option<(String, Vec<(usize, usize)>)> {
    let control = |(at, c): (usize, char)| {
        terminal::is_control(c) && !(c == '\r' && original[at + 1..].starts_with('\n'))
    };
    original.char_indices().find(|&ic| control(ic))?;
    let mut text = String::with_capacity(original.len() + 64);
    let mut shifts = Vec::new();
    let mut grown = 0;
    for (at, c) in original.char_indices() {
        if control((at, c)) {
            let escaped: String = c.escape_unicode().collect();
            grown += escaped.len() - c.len_utf8();
            shifts.push((at, grown));
            text.push_str(&escaped);
        } else {
            text.push(c);
        }
    }
    Some((text, shifts))
}

/// The nearest character boundary at or before `at`.
fn floor(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The nearest character boundary at or after `at`.
fn ceil(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// `text` cut to `limit` bytes (on a character boundary), saying how much was left out.
pub fn capped(text: &str, limit: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= limit {
        return text.into();
    }
    let cut = floor(text, limit);
    format!("{}… ({} more bytes)", &text[..cut], text.len() - cut).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(framed: &Framed, span: SourceSpan, lines: usize) -> String {
        let contents = framed.read_span(&span, lines, lines).unwrap();
        String::from_utf8(contents.data().to_vec()).unwrap()
    }

    #[test]
    fn a_long_line_is_shown_around_the_span_only() {
        let text = format!(
            "SELECT 1;\n{}bad{}\nSELECT 2;\n",
            "x".repeat(10_000),
            "y".repeat(10_000)
        );
        let framed = Framed::new("f.sql", &text);
        let start = text.find("bad").unwrap();
        let span = framed.span(&(start..start + 3));
        let shown = window(&framed, span, 1);
        assert!(shown.len() <= 2 * WIDTH + 3, "{}", shown.len());
        assert!(shown.contains("bad"));
        let contents = framed.read_span(&span, 0, 0).unwrap();
        assert_eq!(contents.line(), 1);
        assert_eq!(contents.column(), 10_000);
    }

    #[test]
    fn short_lines_are_shown_whole_with_their_context() {
        let text = "SELECT 1;\nALTER TABLE t ADD COLUMN c int;\nSELECT 2;\n";
        let framed = Framed::new("f.sql", text);
        let start = text.find("ALTER").unwrap();
        let span = framed.span(&(start..start + 31));
        assert_eq!(
            window(&framed, span, 1),
            "SELECT 1;\nALTER TABLE t ADD COLUMN c int;\nSELECT 2;"
        );
    }

    #[test]
    fn a_whole_statement_is_labelled_on_its_first_line() {
        let text = format!("INSERT INTO t VALUES\n{}(1);\n", "(1),\n".repeat(100_000));
        let framed = Framed::new("f.sql", &text);
        let span = framed.span(&(0..text.len()));
        assert_eq!(span.len(), "INSERT INTO t VALUES".len());
    }

    #[test]
    fn control_characters_are_escaped_and_spans_follow() {
        let text = "-- \u{1b}]0;owned\u{7}\nDROP TABLE t;\r\n";
        let framed = Framed::new("f.sql", text);
        let start = text.find("DROP").unwrap();
        let span = framed.span(&(start..start + 12));
        let shown = window(&framed, span, 1);
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
            "{shown:?}"
        );
        assert!(shown.contains("\\u{1b}]0;owned\\u{7}"), "{shown:?}");
        let label = framed.read_span(&span, 0, 0).unwrap();
        assert_eq!(label.data(), b"DROP TABLE t");
    }
}
