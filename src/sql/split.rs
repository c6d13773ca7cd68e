//! Statement splitting with exact byte spans.
//!
//! [`split`] cuts a `.sql` file into the pieces psql would see: SQL statements, psql
//! meta-commands (`\connect`, `\set`, ...) and the data lines that follow `COPY ... FROM stdin`.
//! It understands everything that can hide a `;` — quotes, dollar quotes, comments, parentheses
//! and SQL-standard `BEGIN ATOMIC ... END` function bodies — in one pass over the bytes, without
//! allocating per character. It does not parse: what a statement means is decided later.
//!
//! [`LineIndex`] turns byte offsets into the 1-based line and column a person sees in an editor.

use std::ops::Range;

/// One piece of a file: a statement, a meta-command line, or COPY data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub kind: PieceKind,
    /// Byte range in the original text. A statement runs from its first token to and including
    /// its terminating `;` (or its last token when there is none).
    pub span: Range<usize>,
}

impl Piece {
    /// The text of this piece.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.span.clone()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    /// An SQL statement sent to the server.
    Statement,
    /// A psql backslash command (`\connect db`, `\set x 1`, `\gset`): one line.
    MetaCommand,
    /// The data lines after `COPY ... FROM stdin`, up to and including the `\.` line.
    CopyData,
}

const BOM: &str = "\u{FEFF}";

/// Split `text` into statements, meta-commands and COPY data, in file order.
///
/// Empty statements (`;;`) and whitespace or comments between pieces produce nothing.
pub fn split(text: &str) -> Vec<Piece> {
    let mut splitter = Splitter {
        text,
        bytes: text.as_bytes(),
        pos: if text.starts_with(BOM) { BOM.len() } else { 0 },
        pieces: Vec::new(),
    };
    splitter.run();
    splitter.pieces
}

struct Splitter<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    pieces: Vec<Piece>,
}

/// What the first words of a statement say about how it is lexed.
#[derive(Default)]
struct Words<'a> {
    count: usize,
    first: [&'a [u8]; 4],
    previous: &'a [u8],
    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE`: `BEGIN ATOMIC`/`CASE` ... `END` nest, and a
    /// `;` inside a `BEGIN ATOMIC` body does not end the statement.
    routine: bool,
    copy_from_stdin: bool,
}

impl<'a> Words<'a> {
    fn push(&mut self, word: &'a [u8]) {
        if self.count < self.first.len() {
            self.first[self.count] = word;
            if self.count >= 1 && is(self.first[0], "create") {
                let kind = match self.count {
                    1 => Some(word),
                    3 if is(self.first[1], "or") && is(self.first[2], "replace") => Some(word),
                    _ => None,
                };
                if kind.is_some_and(|w| is(w, "function") || is(w, "procedure")) {
                    self.routine = true;
                }
            }
        }
        if is(self.first[0], "copy") && is(self.previous, "from") && is(word, "stdin") {
            self.copy_from_stdin = true;
        }
        self.count += 1;
        self.previous = word;
    }
}

fn is(word: &[u8], keyword: &str) -> bool {
    word.eq_ignore_ascii_case(keyword.as_bytes())
}

fn is_space(b: u8) -> bool {
    CLASSES[usize::from(b)] & SPACE != 0
}

fn is_word_start(b: u8) -> bool {
    CLASSES[usize::from(b)] & WORD_START != 0
}

fn is_word_continue(b: u8) -> bool {
    CLASSES[usize::from(b)] & WORD_CONTINUE != 0
}

fn is_tag_continue(b: u8) -> bool {
    CLASSES[usize::from(b)] & TAG_CONTINUE != 0
}

/// What each byte can be, as bits: one lookup per byte where the splitter spends its time
/// (words are most of a file), instead of a chain of comparisons.
static CLASSES: [u8; 256] = classes();

const SPACE: u8 = 1;
const WORD_START: u8 = 2;
const WORD_CONTINUE: u8 = 4;
const TAG_CONTINUE: u8 = 8;

const fn classes() -> [u8; 256] {
    let mut table = [0; 256];
    let mut i = 0;
    while i < table.len() {
        let b = i as u8;
        let word = b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        let mut class = 0;
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            class |= SPACE;
        }
        if word && !b.is_ascii_digit() {
            class |= WORD_START;
        }
        if word || b == b'$' {
            class |= WORD_CONTINUE;
        }
        if word {
            class |= TAG_CONTINUE;
        }
        table[i] = class;
        i += 1;
    }
    table
}

impl<'a> Splitter<'a> {
    fn run(&mut self) {
        loop {
            self.skip_trivia();
            if self.pos >= self.bytes.len() {
                return;
            }
            if self.bytes[self.pos] == b'\\' {
                self.meta_command();
            } else {
                self.statement();
            }
        }
    }

    fn at(&self, offset: usize) -> u8 {
        self.bytes.get(self.pos + offset).copied().unwrap_or(0)
    }

    /// Skip whitespace, comments and empty statements between pieces.
    fn skip_trivia(&mut self) {
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b if is_space(b) => self.pos += 1,
                b';' => self.pos += 1,
                b'-' if self.at(1) == b'-' => self.line_comment(),
                b'/' if self.at(1) == b'*' => self.block_comment(),
                _ => return,
            }
        }
    }

    /// The end of the current line, before its `\n` (and a `\r` before it).
    fn line_end(&self, from: usize) -> (usize, usize) {
        // `str::find` looks for the newline a word at a time (`from` always follows an ASCII
        // byte or starts the text, so it is a character boundary).
        let found = match self.text.get(from..) {
            Some(rest) => rest.find('\n'),
            None => self.bytes[from..].iter().position(|&b| b == b'\n'),
        };
        let newline = found.map_or(self.bytes.len(), |i| from + i);
        let mut content_end = newline;
        if content_end > from && self.bytes[content_end - 1] == b'\r' {
            content_end -= 1;
        }
        let next_line = (newline + 1).min(self.bytes.len());
        (content_end, next_line)
    }

    fn line_comment(&mut self) {
        let (_, next_line) = self.line_end(self.pos);
        // Stop at the newline itself: it is whitespace, and the caller may care about lines.
        self.pos = if next_line > self.pos && self.bytes[next_line - 1] == b'\n' {
            next_line - 1
        } else {
            next_line
        };
    }

    fn block_comment(&mut self) {
        self.pos = block_comment_end(self.bytes, self.pos);
    }

    /// Whether the next word, after whitespace and comments, is `keyword`.
    fn next_word_is(&self, keyword: &str) -> bool {
        let mut i = self.pos;
        while i < self.bytes.len() {
            match (self.bytes[i], self.bytes.get(i + 1)) {
                (b, _) if is_space(b) => i += 1,
                (b'-', Some(b'-')) => {
                    while i < self.bytes.len() && self.bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                (b'/', Some(b'*')) => i = block_comment_end(self.bytes, i),
                _ => break,
            }
        }
        let rest = &self.bytes[i..];
        rest.len() >= keyword.len()
            && is(&rest[..keyword.len()], keyword)
            && rest
                .get(keyword.len())
                .is_none_or(|&b| !is_word_continue(b))
    }

    /// A psql backslash command: the rest of the line. `\copy ... from stdin` is followed by data.
    fn meta_command(&mut self) {
        let start = self.pos;
        let (content_end, next_line) = self.line_end(start);
        let mut end = content_end;
        while end > start && is_space(self.bytes[end - 1]) {
            end -= 1;
        }
        self.pieces.push(Piece {
            kind: PieceKind::MetaCommand,
            span: start..end,
        });
        self.pos = next_line;
        let line = &self.text[start..end];
        if line.len() > 5 && is(&line.as_bytes()[..5], "\\copy") && contains_from_stdin(line) {
            self.copy_data(next_line);
        }
    }

    /// Data lines after `COPY ... FROM stdin`, starting at `from`, up to a line `\.`.
    fn copy_data(&mut self, from: usize) {
        self.pos = from;
        if from >= self.bytes.len() {
            return;
        }
        let mut line_start = from;
        let mut end = self.bytes.len();
        while line_start < self.bytes.len() {
            let (content_end, next_line) = self.line_end(line_start);
            if &self.bytes[line_start..content_end] == b"\\." {
                end = content_end;
                break;
            }
            line_start = next_line;
        }
        self.pieces.push(Piece {
            kind: PieceKind::CopyData,
            span: from..end,
        });
        self.pos = end;
    }

    /// One statement, from its first token to its `;`, a backslash command or the end of text.
    fn statement(&mut self) {
        let start = self.pos;
        let mut last_token_end = start;
        let mut words = Words::default();
        let mut paren_depth = 0usize;
        let mut begin_depth = 0usize;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            match b {
                b';' if paren_depth == 0 && begin_depth == 0 => {
                    self.pos += 1;
                    self.pieces.push(Piece {
                        kind: PieceKind::Statement,
                        span: start..self.pos,
                    });
                    if words.copy_from_stdin {
                        let (_, next_line) = self.line_end(self.pos);
                        self.copy_data(next_line);
                    }
                    return;
                }
                b'\\' => break,
                b'-' if self.at(1) == b'-' => {
                    self.line_comment();
                    continue;
                }
                b'/' if self.at(1) == b'*' => {
                    self.block_comment();
                    continue;
                }
                b if is_space(b) => {
                    self.pos = self.run_end(self.pos + 1, is_space);
                    continue;
                }
                b'\'' => self.quoted(b'\'', false),
                b'"' => self.quoted(b'"', false),
                b'$' => self.dollar(),
                b'(' => {
                    paren_depth += 1;
                    self.pos += 1;
                }
                b')' => {
                    paren_depth = paren_depth.saturating_sub(1);
                    self.pos += 1;
                }
                b if is_word_start(b) => {
                    let word_start = self.pos;
                    self.pos = self.run_end(self.pos + 1, is_word_continue);
                    let word = &self.bytes[word_start..self.pos];
                    if self.at(0) == b'\'' && (word == b"E" || word == b"e") {
                        self.quoted(b'\'', true);
                    } else {
                        words.push(word);
                        if words.routine && words.count > 2 {
                            let opens = is(word, "case")
                                || (is(word, "begin") && self.next_word_is("atomic"));
                            if opens {
                                begin_depth += 1;
                            } else if is(word, "end") {
                                begin_depth = begin_depth.saturating_sub(1);
                            }
                        }
                    }
                }
                _ => self.pos += 1,
            }
            last_token_end = self.pos;
        }
        self.pieces.push(Piece {
            kind: PieceKind::Statement,
            span: start..last_token_end,
        });
    }

    /// Where the run of bytes that are `in_run` starting at `from` ends.
    fn run_end(&self, from: usize, in_run: impl Fn(u8) -> bool) -> usize {
        self.bytes[from..]
            .iter()
            .position(|&b| !in_run(b))
            .map_or(self.bytes.len(), |i| from + i)
    }

    /// A `'string'`, `E'string'` or `"identifier"`; the opening quote is at `self.pos`.
    /// A doubled quote stands for itself; with `backslash`, `\` escapes the next byte.
    fn quoted(&mut self, quote: u8, backslash: bool) {
        self.pos += 1;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if backslash && b == b'\\' {
                self.pos += 2;
            } else if b == quote {
                self.pos += 1;
                if self.at(0) != quote {
                    return;
                }
                self.pos += 1;
            } else {
                self.pos += 1;
            }
        }
        self.pos = self.pos.min(self.bytes.len());
    }

    /// `$tag$ ... $tag$` or `$$ ... $$`; a `$1` parameter or a lone `$` is not a quote.
    fn dollar(&mut self) {
        let open_start = self.pos;
        let mut i = self.pos + 1;
        if i < self.bytes.len() && is_word_start(self.bytes[i]) {
            i += 1;
            while i < self.bytes.len() && is_tag_continue(self.bytes[i]) {
                i += 1;
            }
        }
        if self.bytes.get(i) != Some(&b'$') {
            // A positional parameter (`$1`) or a stray `$`.
            self.pos += 1;
            while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_digit() {
                self.pos += 1;
            }
            return;
        }
        let tag = &self.text[open_start..=i];
        let body_start = i + 1;
        self.pos = match self.text[body_start..].find(tag) {
            Some(offset) => body_start + offset + tag.len(),
            None => self.bytes.len(),
        };
    }
}

/// The end of the (possibly nested) block comment that starts at `from`; the end of `bytes` if
/// it is not closed.
pub(crate) fn block_comment_end(bytes: &[u8], from: usize) -> usize {
    block_comment_close(bytes, from).unwrap_or(bytes.len())
}

/// The end of the (possibly nested) block comment that starts at `from`, just after its closing
/// `*/`; `None` if it is not closed.
pub(crate) fn block_comment_close(bytes: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut pos = from;
    while pos < bytes.len() {
        match (bytes[pos], bytes.get(pos + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                pos += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                pos += 2;
                if depth == 0 {
                    return Some(pos);
                }
            }
            _ => pos += 1,
        }
    }
    None
}

fn contains_from_stdin(line: &str) -> bool {
    let mut previous = "";
    for word in line.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        if word.is_empty() {
            continue;
        }
        if previous.eq_ignore_ascii_case("from") && word.eq_ignore_ascii_case("stdin") {
            return true;
        }
        previous = word;
    }
    false
}

/// Byte offset -> 1-based line and 1-based column (counted in characters, as editors do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    /// Offsets of UTF-8 continuation bytes: they do not count as columns.
    continuation_bytes: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let first = if text.starts_with(BOM) { BOM.len() } else { 0 };
        let rest = &text[first..];
        // Most files are ASCII: their bytes need not be looked at one by one.
        let mut line_starts = vec![first];
        line_starts.extend(memchr::memchr_iter(b'\n', rest.as_bytes()).map(|i| first + i + 1));
        let continuation_bytes = if rest.is_ascii() {
            Vec::new()
        } else {
            let bytes = rest.as_bytes().iter().enumerate();
            bytes
                .filter(|&(_, &b)| b & 0xC0 == 0x80)
                .map(|(i, _)| first + i)
                .collect()
        };
        LineIndex {
            line_starts,
            continuation_bytes,
        }
    }

    /// The 1-based line and 1-based character column of `byte`. Offsets inside the UTF-8 BOM
    /// map to (1, 1); offsets past the end map to the end of the last line.
    pub fn line_col(&self, byte: usize) -> (usize, usize) {
        let line = self
            .line_starts
            .partition_point(|&start| start <= byte)
            .max(1);
        let line_start = self.line_starts[line - 1];
        let byte = byte.max(line_start);
        let continuation = self.continuation_bytes.partition_point(|&c| c < byte)
            - self.continuation_bytes.partition_point(|&c| c < line_start);
        (line, byte - line_start - continuation + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts of the pieces, with their kinds.
    fn pieces(text: &str) -> Vec<(PieceKind, &str)> {
        split(text)
            .into_iter()
            .map(|piece| (piece.kind, &text[piece.span]))
            .collect()
    }

    /// The texts of the pieces, asserting they are all statements.
    fn statements(text: &str) -> Vec<&str> {
        pieces(text)
            .into_iter()
            .map(|(kind, piece)| {
                assert_eq!(kind, PieceKind::Statement, "{piece:?} in {text:?}");
                piece
            })
            .collect()
    }

    use PieceKind::{CopyData, MetaCommand, Statement};

    #[test]
    fn plain_statements_with_and_without_trailing_semicolon() {
        assert_eq!(
            statements("CREATE TABLE a (id int);\n  ALTER TABLE a ADD b int;\nSELECT 1"),
            [
                "CREATE TABLE a (id int);",
                "ALTER TABLE a ADD b int;",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn leading_comments_and_whitespace_are_outside_the_span() {
        let text = "-- one\n/* two */\n\t SELECT 1 /* inner */ + 2; -- after\n";
        assert_eq!(statements(text), ["SELECT 1 /* inner */ + 2;"]);
    }

    #[test]
    fn trailing_comment_without_semicolon_is_outside_the_span() {
        assert_eq!(statements("SELECT 1 -- done\n/* end */\n"), ["SELECT 1"]);
    }

    #[test]
    fn empty_statements_produce_no_pieces() {
        assert_eq!(statements(";;  ;\nSELECT 1;;\n;"), ["SELECT 1;"]);
        assert!(split("").is_empty());
        assert!(split(" \n\t;\r\n").is_empty());
    }

    #[test]
    fn comment_only_file_has_no_pieces() {
        assert!(split("-- nothing here\n/* nor /* here */ */\n-- x;\n").is_empty());
    }

    #[test]
    fn semicolons_inside_strings_do_not_split() {
        assert_eq!(
            statements("INSERT INTO t VALUES ('a;b', 'it''s;'); SELECT ';'"),
            ["INSERT INTO t VALUES ('a;b', 'it''s;');", "SELECT ';'"]
        );
    }

    #[test]
    fn escape_strings_honour_backslashes() {
        assert_eq!(
            statements(r"SELECT E'a\';b', e'\\'; SELECT 'c\'; SELECT 2;"),
            [r"SELECT E'a\';b', e'\\';", r"SELECT 'c\';", "SELECT 2;"]
        );
        // A word ending in e is not an escape-string prefix.
        assert_eq!(
            statements(r"SELECT type'\'; SELECT 3;"),
            [r"SELECT type'\';", "SELECT 3;"]
        );
    }

    #[test]
    fn quoted_identifiers_with_doubled_quotes() {
        assert_eq!(
            statements(r#"CREATE TABLE "a;""b" (id int); DROP TABLE "x;";"#),
            [r#"CREATE TABLE "a;""b" (id int);"#, r#"DROP TABLE "x;";"#]
        );
    }

    #[test]
    fn dollar_quotes_with_and_without_tags() {
        let text = "DO $$ BEGIN PERFORM 1; END $$;\n\
                    CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $$ nested $$; $body$ LANGUAGE sql;\n\
                    SELECT $a$;$a$;";
        assert_eq!(
            statements(text),
            [
                "DO $$ BEGIN PERFORM 1; END $$;",
                "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $$ nested $$; $body$ LANGUAGE sql;",
                "SELECT $a$;$a$;",
            ]
        );
    }

    #[test]
    fn dollar_parameters_and_identifiers_are_not_quotes() {
        assert_eq!(
            statements("PREPARE p AS SELECT $1, $2; SELECT a$b$c; SELECT 1;"),
            ["PREPARE p AS SELECT $1, $2;", "SELECT a$b$c;", "SELECT 1;"]
        );
    }

    #[test]
    fn unterminated_constructs_run_to_the_end() {
        assert_eq!(
            statements("SELECT 'abc; SELECT 2;"),
            ["SELECT 'abc; SELECT 2;"]
        );
        assert_eq!(statements("DO $$ BEGIN; "), ["DO $$ BEGIN; "]);
        assert_eq!(statements("SELECT 1 /* open; SELECT 2;"), ["SELECT 1"]);
        assert_eq!(statements("SELECT E'\\"), ["SELECT E'\\"]);
    }

    #[test]
    fn nested_block_comments() {
        assert_eq!(
            statements("/* a /* b; */ still; */ SELECT 1; SELECT /* x /* y */ ; */ 2;"),
            ["SELECT 1;", "SELECT /* x /* y */ ; */ 2;"]
        );
    }

    #[test]
    fn line_comment_hides_semicolons_and_quotes() {
        assert_eq!(
            statements("SELECT 1 -- not the end; it's here\n + 1;"),
            ["SELECT 1 -- not the end; it's here\n + 1;"]
        );
    }

    #[test]
    fn crlf_and_bom() {
        let text = "\u{FEFF}-- header\r\nCREATE TABLE a (id int);\r\n\r\nSELECT 1\r\n";
        assert_eq!(statements(text), ["CREATE TABLE a (id int);", "SELECT 1"]);
        assert_eq!(split(text)[0].span.start, "\u{FEFF}-- header\r\n".len());
    }

    #[test]
    fn parentheses_hide_semicolons_like_psql() {
        assert_eq!(
            statements("CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO u VALUES (1); NOTIFY t); SELECT 1;"),
            [
                "CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO u VALUES (1); NOTIFY t);",
                "SELECT 1;"
            ]
        );
    }

    #[test]
    fn begin_atomic_bodies() {
        let function = "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n  SELECT 2;\nEND;";
        let procedure = "create or replace procedure p() language sql begin atomic insert into t values (1); end;";
        let text = format!("{function}\n{procedure}\nBEGIN;\nSELECT 1;\nEND;");
        assert_eq!(
            statements(&text),
            [function, procedure, "BEGIN;", "SELECT 1;", "END;"]
        );
    }

    #[test]
    fn begin_as_a_parameter_name_is_not_a_body() {
        let text = "CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN begin + 1; SELECT 1;\n\
                    CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN /* c */ -- x\n ATOMIC SELECT 1; END; SELECT 2;";
        assert_eq!(
            statements(text),
            [
                "CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN begin + 1;",
                "SELECT 1;",
                "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN /* c */ -- x\n ATOMIC SELECT 1; END;",
                "SELECT 2;"
            ]
        );
    }

    #[test]
    fn case_outside_routines_does_not_nest() {
        assert_eq!(
            statements("SELECT CASE WHEN true THEN 1 END; BEGIN; SELECT 2;"),
            ["SELECT CASE WHEN true THEN 1 END;", "BEGIN;", "SELECT 2;"]
        );
    }

    #[test]
    fn meta_commands_are_their_own_pieces() {
        let text = "\\set ON_ERROR_STOP on\n\\connect mydb\r\nCREATE TABLE a (id int);\n  \\i other.sql  \nSELECT 1 AS x \\gset\nSELECT 2\n\\g\n";
        assert_eq!(
            pieces(text),
            [
                (MetaCommand, "\\set ON_ERROR_STOP on"),
                (MetaCommand, "\\connect mydb"),
                (Statement, "CREATE TABLE a (id int);"),
                (MetaCommand, "\\i other.sql"),
                (Statement, "SELECT 1 AS x"),
                (MetaCommand, "\\gset"),
                (Statement, "SELECT 2"),
                (MetaCommand, "\\g"),
            ]
        );
    }

    #[test]
    fn backslashes_in_quotes_are_not_meta_commands() {
        assert_eq!(
            statements("SELECT E'\\n', '\\', $$\\x$$;"),
            ["SELECT E'\\n', '\\', $$\\x$$;"]
        );
    }

    #[test]
    fn copy_from_stdin_data() {
        let text = "COPY public.t (a, b) FROM stdin;\n1\tx;y\n2\t'it\n\\.\nSELECT 1;\n";
        assert_eq!(
            pieces(text),
            [
                (Statement, "COPY public.t (a, b) FROM stdin;"),
                (CopyData, "1\tx;y\n2\t'it\n\\."),
                (Statement, "SELECT 1;"),
            ]
        );
    }

    #[test]
    fn copy_with_crlf_empty_data_and_missing_terminator() {
        assert_eq!(
            pieces("copy t from STDIN with (format csv);\r\n\\.\r\nSELECT 1;"),
            [
                (Statement, "copy t from STDIN with (format csv);"),
                (CopyData, "\\."),
                (Statement, "SELECT 1;"),
            ]
        );
        assert_eq!(
            pieces("COPY t FROM stdin;\na;b\nc"),
            [(Statement, "COPY t FROM stdin;"), (CopyData, "a;b\nc")]
        );
        assert_eq!(
            pieces("COPY t FROM stdin;"),
            [(Statement, "COPY t FROM stdin;")]
        );
    }

    #[test]
    fn copy_to_a_file_has_no_data() {
        assert_eq!(
            statements("COPY t FROM '/tmp/x'; COPY t TO stdout; SELECT 1;"),
            ["COPY t FROM '/tmp/x';", "COPY t TO stdout;", "SELECT 1;"]
        );
    }

    #[test]
    fn meta_copy_from_stdin_has_data() {
        assert_eq!(
            pieces("\\copy t from stdin\n1\n\\.\nSELECT 1;"),
            [
                (MetaCommand, "\\copy t from stdin"),
                (CopyData, "1\n\\."),
                (Statement, "SELECT 1;"),
            ]
        );
    }

    #[test]
    fn non_ascii_text_keeps_char_boundaries() {
        let text = "COMMENT ON TABLE t IS 'café;'; SELECT naïve_ñ FROM «t»; -- ü\nSELECT 'ß'";
        assert_eq!(
            statements(text),
            [
                "COMMENT ON TABLE t IS 'café;';",
                "SELECT naïve_ñ FROM «t»;",
                "SELECT 'ß'"
            ]
        );
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "ab\ncé d\r\n\nxyz";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(0), (1, 1));
        assert_eq!(index.line_col(1), (1, 2));
        assert_eq!(index.line_col(2), (1, 3));
        assert_eq!(index.line_col(3), (2, 1));
        assert_eq!(index.line_col(text.find(" d").unwrap()), (2, 3));
        assert_eq!(index.line_col(text.find('d').unwrap()), (2, 4));
        assert_eq!(index.line_col(text.find('x').unwrap()), (4, 1));
        assert_eq!(index.line_col(text.len()), (4, 4));
    }

    #[test]
    fn line_col_ignores_the_bom() {
        let text = "\u{FEFF}SELECT 1;\nSELECT 2;";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(0), (1, 1));
        assert_eq!(index.line_col(3), (1, 1));
        assert_eq!(index.line_col(text.find('1').unwrap()), (1, 8));
        assert_eq!(index.line_col(text.find("SELECT 2").unwrap()), (2, 1));
    }

    #[test]
    fn line_col_of_split_pieces() {
        let text = "-- x\n  CREATE TABLE t (id int);\n\nDROP TABLE t;";
        let index = LineIndex::new(text);
        let positions: Vec<_> = split(text)
            .iter()
            .map(|p| (index.line_col(p.span.start), index.line_col(p.span.end)))
            .collect();
        assert_eq!(positions, [((2, 3), (2, 27)), ((4, 1), (4, 14))]);
    }

    /// Snippets whose text, split on its own, is exactly one statement.
    const SNIPPETS: &[&str] = &[
        "CREATE TABLE IF NOT EXISTS a (id int PRIMARY KEY, \"na;me\" text DEFAULT 'x;y');",
        "ALTER TABLE a ADD COLUMN b text DEFAULT E'it\\'s; fine';",
        "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN\n    CREATE TYPE mood AS ENUM ('sad', 'ok');\n  END IF;\nEND\n$$;",
        "CREATE OR REPLACE FUNCTION f() RETURNS trigger AS $fn$\nBEGIN\n  NEW.x := $$;$$; -- ;\n  RETURN NEW;\nEND;\n$fn$ LANGUAGE plpgsql;",
        "CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN a END;\nEND;",
        "SELECT /* a /* nested; */ comment */ 1;",
        "INSERT INTO t (x) VALUES ('a''b;c') ON CONFLICT DO NOTHING;",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (lower(\"x\"));",
        "SELECT $1::int -- trailing; comment\n + 2;",
        "UPDATE t SET d = 'é;ü' WHERE id = 1;",
        "CREATE RULE r AS ON UPDATE TO t DO ALSO (NOTIFY a; NOTIFY b);",
        "COPY t (a) FROM stdin;\n1;2\n'x\n\\.",
        "\\set ON_ERROR_STOP on",
    ];

    /// Things that may separate snippets: whitespace, comments, empty statements.
    const SEPARATORS: &[&str] = &[
        "\n",
        "\r\n",
        "  ",
        "\n-- a comment; with 'quote\n",
        "/* block; $$ */",
        "\n/* nested /* ; */ */\n",
        ";\n",
        "\t;;\n",
    ];

    /// A deterministic pseudo-random sequence (xorshift), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self, below: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % below as u64) as usize
        }
    }

    /// Whether `gap` (text between pieces) holds only whitespace, comments and semicolons.
    fn is_trivia(gap: &str) -> bool {
        let only_trivia = split(gap).is_empty();
        let has_code = gap
            .lines()
            .map(|line| line.split("--").next().unwrap_or(""))
            .any(|code| {
                let code = strip_block_comments(code);
                code.chars().any(|c| !c.is_whitespace() && c != ';')
            });
        only_trivia && !has_code
    }

    fn strip_block_comments(code: &str) -> String {
        let mut out = String::new();
        let mut depth = 0;
        let mut chars = code.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek()) {
                ('/', Some('*')) => {
                    chars.next();
                    depth += 1;
                }
                ('*', Some('/')) if depth > 0 => {
                    chars.next();
                    depth -= 1;
                }
                _ if depth == 0 => out.push(c),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn each_snippet_is_one_piece_on_its_own() {
        for snippet in SNIPPETS {
            let found = split(snippet);
            let expected = if snippet.starts_with("COPY") { 2 } else { 1 };
            assert_eq!(found.len(), expected, "{snippet:?}: {found:?}");
            assert_eq!(found[0].span.start, 0, "{snippet:?}");
            assert_eq!(found.last().unwrap().span.end, snippet.len(), "{snippet:?}");
        }
    }

    #[test]
    fn generated_concatenations_reproduce_every_snippet() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..500 {
            let count = 1 + rng.next(12);
            let mut text = String::new();
            if rng.next(5) == 0 {
                text.push_str(BOM);
            }
            let mut expected = Vec::new();
            for _ in 0..count {
                text.push_str(SEPARATORS[rng.next(SEPARATORS.len())]);
                let snippet = SNIPPETS[rng.next(SNIPPETS.len())];
                // A statement without `;`, a meta-command or COPY data must end its line.
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                let start = text.len();
                text.push_str(snippet);
                expected.push((start, snippet));
                if !snippet.ends_with(';') {
                    text.push('\n');
                }
            }
            // Sometimes end with a statement that has no `;`: then nothing after it may hold one.
            if rng.next(3) == 0 {
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                expected.push((text.len(), "SELECT 'last' -- no semicolon"[..13].trim_end()));
                text.push_str("SELECT 'last' -- no semicolon");
                let trailing: Vec<_> = SEPARATORS.iter().filter(|s| !s.contains(";\n")).collect();
                text.push_str(trailing[rng.next(trailing.len())]);
            } else {
                text.push_str(SEPARATORS[rng.next(SEPARATORS.len())]);
            }

            // Every snippet becomes exactly the pieces it makes on its own, at its offset.
            let mut wanted = Vec::new();
            for (start, snippet) in &expected {
                for piece in split(snippet) {
                    wanted.push(Piece {
                        kind: piece.kind,
                        span: start + piece.span.start..start + piece.span.end,
                    });
                }
            }
            let found = split(&text);
            assert_eq!(found, wanted, "round {round}: {text:?}");

            // Between the pieces there is nothing but trivia.
            let mut previous_end = 0;
            for piece in &found {
                let gap = &text[previous_end..piece.span.start];
                let gap = gap.strip_prefix(BOM).unwrap_or(gap);
                assert!(is_trivia(gap), "round {round}: gap {gap:?}");
                previous_end = piece.span.end;
            }
            assert!(is_trivia(&text[previous_end..]), "round {round}");
        }
    }

    /// Random mixes of the characters that open and close things: splitting never panics, and
    /// pieces are ordered, inside the text, on character boundaries and start at a token.
    #[test]
    fn random_fragments_never_break_the_invariants() {
        const FRAGMENTS: &[&str] = &[
            "'",
            "\"",
            "$",
            "$$",
            "$a$",
            "$1",
            "--",
            "/*",
            "*/",
            "\\",
            "\n",
            "\r\n",
            ";",
            "E'",
            "e",
            "(",
            ")",
            " BEGIN ",
            " ATOMIC ",
            " END ",
            " CASE ",
            "CREATE FUNCTION f() ",
            "COPY t FROM stdin",
            "\\.",
            "\\set x",
            "é",
            "€",
            " ",
            "x",
            "\u{FEFF}",
        ];
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let mut kinds = [0usize; 3];
        for round in 0..3000 {
            let mut text = String::new();
            for _ in 0..rng.next(40) {
                text.push_str(FRAGMENTS[rng.next(FRAGMENTS.len())]);
            }
            let index = LineIndex::new(&text);
            let mut previous_end = 0;
            for piece in split(&text) {
                let span = piece.span.clone();
                assert!(
                    previous_end <= span.start && span.start <= span.end,
                    "round {round}: {text:?}"
                );
                assert!(span.end <= text.len(), "round {round}: {text:?}");
                assert!(
                    text.get(span.clone()).is_some(),
                    "round {round}: {text:?} {span:?}"
                );
                if piece.kind != CopyData {
                    let first = text.as_bytes()[span.start];
                    assert!(
                        span.start < span.end && !is_space(first),
                        "round {round}: {text:?}"
                    );
                }
                let (line, column) = index.line_col(span.end);
                assert!(line >= 1 && column >= 1);
                previous_end = span.end;
                kinds[piece.kind as usize] += 1;
            }
        }
        assert!(
            kinds.iter().all(|&n| n > 0),
            "no piece of some kind: {kinds:?}"
        );
    }

    #[test]
    fn lone_statement_without_semicolon_at_end_of_concatenation() {
        let text = "SELECT 1;\nSELECT 2 -- no semicolon";
        assert_eq!(statements(text), ["SELECT 1;", "SELECT 2"]);
    }

    /// Over every `.sql` file of the shared corpus: spans are ordered, non-empty, on character
    /// boundaries, statements start at a token, and gaps hold only trivia.
    #[test]
    fn corpus_files_split_cleanly() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        if !root.is_dir() {
            eprintln!("skipped: no corpus at {}", root.display());
            return;
        }
        let mut files = 0;
        let mut statements = 0;
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.path().extension().is_none_or(|e| e != "sql") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            files += 1;
            let found = split(&text);
            let mut previous_end = 0;
            for piece in &found {
                let name = entry.path().display();
                assert!(piece.span.start >= previous_end, "{name}: {piece:?}");
                assert!(piece.span.start < piece.span.end || piece.kind == CopyData);
                let gap = text.get(previous_end..piece.span.start);
                let body = text.get(piece.span.clone());
                assert!(gap.is_some() && body.is_some(), "{name}: {piece:?}");
                let gap = gap.unwrap_or_default();
                let gap = gap.strip_prefix(BOM).unwrap_or(gap);
                assert!(split(gap).is_empty(), "{name}: gap {gap:?}");
                if piece.kind == Statement {
                    statements += 1;
                    let first = body.unwrap_or_default().as_bytes()[0];
                    assert!(!is_space(first) && first != b';', "{name}: {piece:?}");
                }
                previous_end = piece.span.end;
            }
        }
        eprintln!("corpus: {files} files, {statements} statements");
        assert!(files > 0);
    }
}
