//! The quick way to tokenize a statement: the tokens sqlparser's PostgreSQL tokenizer would
//! produce, for the text most migrations are made of, read a byte at a time.
//!
//! sqlparser's tokenizer reads a `char` iterator with look-ahead by cloning it, builds every
//! token's text a character at a time and keeps lines and columns, which the caller then turns
//! back into byte offsets. Most DDL is words, quoted names, plain strings and numbers, comments
//! and a few punctuation marks; for those [`tokenize`] finds each token's end with a byte scan,
//! takes its text as one slice and counts lines and columns once. On anything else (an operator
//! PostgreSQL lets users define, an escape string, a decimal number, an unterminated literal)
//! it gives up and the statement goes to sqlparser's tokenizer whole, so the result is always
//! sqlparser's. A test compares both on every fixture and, when present, on the whole corpus of
//! real migrations.

use std::sync::OnceLock;

use sqlparser::ast::DollarQuotedString;
use sqlparser::keywords::{Keyword, ALL_KEYWORDS, ALL_KEYWORDS_INDEX};
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Word};

use super::split::block_comment_close;
use super::tokens::Tokens;

/// The significant tokens of `text` (which sits at byte `base` of its file) with their byte
/// spans in the file, exactly as sqlparser's PostgreSQL tokenizer reads them; `None` when `text`
/// holds something this reader leaves to sqlparser. Whitespace and comments are read past, not
/// kept: sqlparser makes a token of every space, and nothing reads them.
pub fn tokenize(text: &str, base: usize) -> Option<Tokens> {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        at: Location { line: 1, column: 1 },
    };
    // DDL has about one significant token in four to six bytes: room for one in four saves
    // regrowing the vectors of a statement; a long one (a data load) grows them as usual.
    let room = (text.len() / 4 + 2).min(1 << 15);
    let mut tokens = Vec::with_capacity(room);
    let mut spans = Vec::with_capacity(room);
    while lexer.pos < text.len() {
        let (start, from) = (lexer.pos, lexer.at);
        let (token, end) = lexer.token()?;
        lexer.advance(end);
        let Some(token) = token else {
            continue;
        };
        tokens.push(TokenWithSpan {
            token,
            span: Span::new(from, lexer.at),
        });
        spans.push((base + start, base + end));
    }
    Some(Tokens { all: tokens, spans })
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// Byte offset of the next token.
    pos: usize,
    /// Line and column (in characters, from 1) of `pos`, as sqlparser counts them.
    at: Location,
}

impl Lexer<'_> {
    /// The byte `k` places after the token's start, if any.
    fn peek(&self, k: usize) -> Option<u8> {
        self.bytes.get(self.pos + k).copied()
    }

    /// Move to `end`, counting lines and characters on the way.
    fn advance(&mut self, end: usize) {
        if end == self.pos + 1 && self.bytes[self.pos].is_ascii() {
            // Most tokens: a space, a newline, a punctuation mark.
            match self.bytes[self.pos] {
                b'\n' => self.at = Location::new(self.at.line + 1, 1),
                _ => self.at.column += 1,
            }
            self.pos = end;
            return;
        }
        for &b in &self.bytes[self.pos..end] {
            if b == b'\n' {
                self.at.line += 1;
                self.at.column = 1;
            } else if b & 0xC0 != 0x80 {
                // Not a UTF-8 continuation byte: a character starts here.
                self.at.column += 1;
            }
        }
        self.pos = end;
    }

    /// The token at `pos` (`None` for whitespace or a comment) and the offset just after it.
    fn token(&self) -> Option<(Option<Token>, usize)> {
        let pos = self.pos;
        let one = |token| Some((Some(token), pos + 1));
        let two = |token| Some((Some(token), pos + 2));
        match self.bytes[pos] {
            // A run of whitespace, read past at once (sqlparser makes a token of each space).
            b' ' | b'\t' | b'\n' | b'\r' => {
                let run = self.bytes[pos..]
                    .iter()
                    .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                    .count();
                Some((None, pos + run))
            }
            b'(' => one(Token::LParen),
            b')' => one(Token::RParen),
            b',' => one(Token::Comma),
            b';' => one(Token::SemiColon),
            b'[' => one(Token::LBracket),
            b']' => one(Token::RBracket),
            b'{' => one(Token::LBrace),
            b'}' => one(Token::RBrace),
            b'+' => one(Token::Plus),
            b'*' => one(Token::Mul),
            b'\\' => one(Token::Backslash),
            b'=' => match self.peek(1) {
                Some(b'>') => two(Token::RArrow),
                Some(b'=') => two(Token::DoubleEq),
                _ => one(Token::Eq),
            },
            b':' => match self.peek(1) {
                Some(b':') => two(Token::DoubleColon),
                Some(b'=') => two(Token::Assignment),
                _ => one(Token::Colon),
            },
            b'!' if self.peek(1) == Some(b'=') => two(Token::Neq),
            b'-' => self.minus(),
            b'/' if self.peek(1) == Some(b'*') => self.block_comment(),
            b'/' => one(Token::Div),
            b'<' | b'>' => self.comparison().map(some),
            b'.' => match self.peek(1) {
                Some(b'0'..=b'9' | b'_') => None,
                _ => one(Token::Period),
            },
            b'0'..=b'9' => self.number().map(some),
            b'\'' => {
                let (value, end) = self.quoted(b'\'')?;
                Some((Some(Token::SingleQuotedString(value)), end))
            }
            b'"' => {
                let (value, end) = self.quoted(b'"')?;
                Some((Some(Token::make_word(&value, Some('"'))), end))
            }
            b'$' => self.dollar().map(some),
            b if b == b'_' || b.is_ascii_alphabetic() || !b.is_ascii() => self.word().map(some),
            _ => None,
        }
    }

    /// `-`: a comment to the end of the line (no token), or minus when no operator character
    /// follows.
    fn minus(&self) -> Option<(Option<Token>, usize)> {
        match self.peek(1) {
            Some(b'-') => {
                let rest = &self.bytes[self.pos + 2..];
                let len = rest
                    .iter()
                    .position(|&b| b == b'\n' || b == b'\r')
                    .unwrap_or(rest.len());
                Some((None, self.pos + 2 + len))
            }
            Some(b) if is_operator_part(b) => None,
            _ => Some((Some(Token::Minus), self.pos + 1)),
        }
    }

    /// The end of a `/* ... */` comment, which nests in PostgreSQL.
    fn block_comment(&self) -> Option<(Option<Token>, usize)> {
        Some((None, block_comment_close(self.bytes, self.pos)?))
    }

    /// `<`, `>`, `<=`, `>=`, `<>`, when no further operator character follows (sqlparser would
    /// then read a longer or user-defined operator).
    fn comparison(&self) -> Option<(Token, usize)> {
        let (first, second) = (self.bytes[self.pos], self.peek(1));
        let (token, len) = match (first, second) {
            (b'<', Some(b'=')) => (Token::LtEq, 2),
            (b'<', Some(b'>')) => (Token::Neq, 2),
            (b'>', Some(b'=')) => (Token::GtEq, 2),
            (_, Some(b)) if is_operator_part(b) => return None,
            (b'<', _) => (Token::Lt, 1),
            _ => (Token::Gt, 1),
        };
        match self.peek(len) {
            Some(b) if is_operator_part(b) => None,
            _ => Some((token, self.pos + len)),
        }
    }

    /// Digits not followed by a fraction, an exponent, a separator or letters.
    fn number(&self) -> Option<(Token, usize)> {
        let digits = self.bytes[self.pos..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let end = self.pos + digits;
        match self.bytes.get(end) {
            Some(&b) if b == b'.' || is_word_part(b) => None,
            _ => Some((
                Token::Number(self.text[self.pos..end].to_string(), false),
                end,
            )),
        }
    }

    /// A string or quoted name: its value (a doubled quote stands for one) and its end; `None`
    /// when it is not closed.
    fn quoted(&self, quote: u8) -> Option<(String, usize)> {
        let mut value = String::new();
        let mut from = self.pos + 1;
        loop {
            let close = from + self.bytes[from..].iter().position(|&b| b == quote)?;
            value.push_str(&self.text[from..close]);
            if self.bytes.get(close + 1) != Some(&quote) {
                return Some((value, close + 1));
            }
            value.push(quote as char);
            from = close + 2;
        }
    }

    /// `$$ ... $$`, `$tag$ ... $tag$`, or a placeholder such as `$1`.
    fn dollar(&self) -> Option<(Token, usize)> {
        let tag_start = self.pos + 1;
        let tag_len = self.bytes[tag_start..]
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_')
            .count();
        let tag_end = tag_start + tag_len;
        let tag = &self.text[tag_start..tag_end];
        match self.bytes.get(tag_end) {
            Some(b'$') => {
                let delimiter = &self.text[self.pos..=tag_end];
                let body = tag_end + 1;
                let len = self.text[body..].find(delimiter)?;
                let value = DollarQuotedString {
                    value: self.text[body..body + len].to_string(),
                    tag: (!tag.is_empty()).then(|| tag.to_string()),
                };
                Some((
                    Token::DollarQuotedString(value),
                    body + len + delimiter.len(),
                ))
            }
            // sqlparser takes any alphanumeric character into the tag.
            Some(b) if !b.is_ascii() => None,
            _ if tag.is_empty() => None,
            _ => Some((Token::Placeholder(format!("${tag}")), tag_end)),
        }
    }

    /// A word: a keyword or an unquoted name. A letter that starts a string of another kind
    /// (`E'...'`, `B'...'`, `X'...'`, `N'...'`, `U&'...'`) is left to sqlparser.
    fn word(&self) -> Option<(Token, usize)> {
        if matches!(
            self.bytes[self.pos],
            b'b' | b'B' | b'e' | b'E' | b'n' | b'N' | b'u' | b'U' | b'x' | b'X'
        ) && matches!(self.peek(1), Some(b'\'' | b'"' | b'&'))
        {
            return None;
        }
        let len = 1 + self.bytes[self.pos + 1..]
            .iter()
            .take_while(|&&b| is_word_part(b))
            .count();
        let end = self.pos + len;
        let value = &self.text[self.pos..end];
        let word = Word {
            value: value.to_string(),
            quote_style: None,
            keyword: TABLE
                .get_or_init(Keywords::new)
                .get(self.bytes, self.pos, end),
        };
        Some((Token::Word(word), end))
    }
}

/// A token read, as [`Lexer::token`] gives it.
fn some((token, end): (Token, usize)) -> (Option<Token>, usize) {
    (Some(token), end)
}

/// The keyword `word` is, looked up on its own.
#[cfg(test)]
fn keyword(word: &str) -> Keyword {
    TABLE
        .get_or_init(Keywords::new)
        .get(word.as_bytes(), 0, word.len())
}

/// The keyword an unquoted word is (`NoKeyword` if none), as sqlparser's case-insensitive
/// binary search over its keywords finds it, from a hash table of them.
static TABLE: OnceLock<Keywords> = OnceLock::new();

/// sqlparser's keywords (upper case: letters, digits and `_`). Those of up to sixteen bytes are
/// packed each in an integer and placed in an open-addressed table, so that a lookup is one
/// hash and a compare or two; the few longer ones are compared by length, then by text.
struct Keywords {
    /// The packed keys, and the keyword in the same slot of `keywords`.
    keys: Vec<u128>,
    keywords: Vec<Keyword>,
    /// Keywords over sixteen bytes.
    long: Vec<(&'static str, Keyword)>,
    /// The length of the longest keyword: a longer word (most names) is none.
    longest: usize,
}

impl Keywords {
    /// Slots in the table (a power of two, about four per keyword).
    const SLOTS: usize = 4096;
    const EMPTY: u128 = 0;

    fn new() -> Keywords {
        let mut keys = vec![Self::EMPTY; Self::SLOTS];
        let mut keywords = vec![Keyword::NoKeyword; Self::SLOTS];
        let mut long = Vec::new();
        for (&name, &keyword) in ALL_KEYWORDS.iter().zip(ALL_KEYWORDS_INDEX) {
            let Some(key) = Self::key(name.as_bytes(), 0, name.len()) else {
                long.push((name, keyword));
                continue;
            };
            let mut slot = Self::slot(key);
            while keys[slot] != Self::EMPTY {
                slot = (slot + 1) % Self::SLOTS;
            }
            keys[slot] = key;
            keywords[slot] = keyword;
        }
        let longest = ALL_KEYWORDS.iter().map(|k| k.len()).max().unwrap_or(0);
        Keywords {
            keys,
            keywords,
            long,
            longest,
        }
    }

    /// The bytes `start..end` of `bytes` (a word) packed, with bit 5 of every byte set: that
    /// folds the case of letters and changes no other byte a word can hold but `_` (to DEL,
    /// which no word holds) and bytes of non-ASCII characters (which no keyword holds). `None`
    /// for a word too long to pack.
    fn key(bytes: &[u8], start: usize, end: usize) -> Option<u128> {
        let len = end - start;
        if len == 0 || len > 16 {
            return None;
        }
        let packed = match bytes.get(start..start + 16) {
            // Sixteen bytes read at once, those past the word cleared.
            Some(window) => {
                let mask = u128::MAX >> (8 * (16 - len));
                u128::from_le_bytes(window.try_into().ok()?) & mask
            }
            None => {
                let mut packed = [0u8; 16];
                packed[..len].copy_from_slice(&bytes[start..end]);
                u128::from_le_bytes(packed)
            }
        };
        Some(packed | u128::from_le_bytes([0x20; 16]))
    }

    fn slot(key: u128) -> usize {
        let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
        (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52) as usize % Self::SLOTS
    }

    /// The keyword the word `start..end` of `bytes` is.
    fn get(&self, bytes: &[u8], start: usize, end: usize) -> Keyword {
        if end - start > self.longest {
            return Keyword::NoKeyword;
        }
        let Some(key) = Self::key(bytes, start, end) else {
            let word = &bytes[start..end];
            return self
                .long
                .iter()
                .find(|(name, _)| {
                    name.len() == word.len() && name.as_bytes().eq_ignore_ascii_case(word)
                })
                .map_or(Keyword::NoKeyword, |&(_, keyword)| keyword);
        };
        let mut slot = Self::slot(key);
        loop {
            match self.keys[slot] {
                k if k == key => return self.keywords[slot],
                Self::EMPTY => return Keyword::NoKeyword,
                _ => slot = (slot + 1) % Self::SLOTS,
            }
        }
    }
}

/// A character that can continue an operator in PostgreSQL (see CREATE OPERATOR).
fn is_operator_part(b: u8) -> bool {
    matches!(
        b,
        b'+' | b'-'
            | b'*'
            | b'/'
            | b'<'
            | b'>'
            | b'='
            | b'~'
            | b'!'
            | b'@'
            | b'#'
            | b'%'
            | b'^'
            | b'&'
            | b'|'
            | b'`'
            | b'?'
    )
}

/// A byte that continues an unquoted word (any byte of a non-ASCII character does).
fn is_word_part(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || !b.is_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::split::{split, PieceKind};
    use crate::test_texts::{fixture_texts, for_each_corpus_file};

    /// Where [`tokenize`] reads `text`, its tokens, locations and byte spans are sqlparser's.
    /// Returns whether it read it.
    fn check(text: &str) -> bool {
        const BASE: usize = 7;
        let Some(fast) = tokenize(text, BASE) else {
            return false;
        };
        let slow = Tokens::by_sqlparser(text, BASE)
            .unwrap_or_else(|e| panic!("sqlparser rejects {text:?} ({e}), the quick reader not"));
        assert_eq!(fast.all, slow.all, "tokens of {text:?}");
        assert_eq!(fast.spans, slow.spans, "byte spans of {text:?}");
        true
    }

    /// How many of the statements of `texts` the quick reader read, of how many.
    fn statements<'a>(texts: impl IntoIterator<Item = &'a str>) -> (usize, usize) {
        let (mut read, mut all) = (0, 0);
        for text in texts {
            check(text);
            for piece in split(text) {
                if piece.kind == PieceKind::Statement {
                    all += 1;
                    read += usize::from(check(&text[piece.span]));
                }
            }
        }
        (read, all)
    }

    #[test]
    fn reads_what_sqlparser_reads() {
        let texts = [
            "ALTER TABLE public.\"Users\" ADD COLUMN IF NOT EXISTS email varchar(255) NOT NULL;",
            "CREATE INDEX CONCURRENTLY ix ON t (a, b DESC) WHERE deleted_at IS NULL;\r\nSELECT 1;",
            "-- a comment\n/* a /* nested */ comment */ DROP TABLE IF EXISTS t CASCADE;\r",
            "SELECT 'it''s', \"a\"\"b\", \"\", '', x::text, a <> b, a >= 1, a <= 2, f(a => 1);",
            "SELECT a - 1, a + b * c / d, x[1], a != b, a = b, a == b, y := 2, {} \\ ;",
            "DO $$ BEGIN RAISE NOTICE 'x$y'; END $$;",
            "CREATE FUNCTION f() RETURNS int AS $body$ SELECT $1 $b$ $body$ LANGUAGE sql;",
            "SELECT $1, $2 FROM café WHERE naïve_ünïcode = 'žluť' -- ünïcode\n;",
            "select e, b, n, x, u, ex, bit, nat, e1 FROM t;\t",
            "SELECT 1 FROM t WHERE a<b AND c>d AND e.f = 10",
        ];
        for text in texts {
            assert!(check(text), "the quick reader left {text:?} to sqlparser");
        }
    }

    /// Operators sqlparser reads longer or user-defined, strings of other kinds, numbers with a
    /// fraction, exponent or separator, and unterminated literals are left to sqlparser.
    /// Every keyword, in any case, and words that are none, as sqlparser looks them up.
    #[test]
    fn keywords_are_sqlparser_s() {
        for name in ALL_KEYWORDS {
            for word in [
                name.to_string(),
                name.to_ascii_lowercase(),
                format!("{name}x"),
                format!("x{name}"),
            ] {
                let Token::Word(expected) = Token::make_word(&word, None) else {
                    unreachable!()
                };
                assert_eq!(keyword(&word), expected.keyword, "{word}");
                // Inside a longer text, where the key is read sixteen bytes at once.
                let text = format!(" {word} (Zz_09$é, ALTER TABLE");
                let found =
                    TABLE
                        .get_or_init(Keywords::new)
                        .get(text.as_bytes(), 1, 1 + word.len());
                assert_eq!(found, expected.keyword, "{word} in {text:?}");
            }
        }
        assert_eq!(keyword("é"), Keyword::NoKeyword);
        assert_eq!(keyword("current_timestamp_x"), Keyword::NoKeyword);
        assert_eq!(keyword("select$"), Keyword::NoKeyword);
    }

    #[test]
    fn leaves_the_rest_to_sqlparser() {
        let texts = [
            "SELECT a -> 'b'",
            "SELECT a ->> 'b'",
            "SELECT a @> b",
            "SELECT a || b",
            "SELECT a <-> b",
            "SELECT a <=> b",
            "SELECT a >>= b",
            "SELECT a ~ b",
            "SELECT a % b",
            "SELECT a # b",
            "SELECT E'\\n'",
            "SELECT B'101'",
            "SELECT X'ff'",
            "SELECT N'x'",
            "SELECT U&'d'",
            "SELECT 1.5",
            "SELECT .5",
            "SELECT 1e5",
            "SELECT 1_000",
            "SELECT 0x1F",
            "SELECT 10L",
            "SELECT 'open",
            "SELECT \"open",
            "SELECT $$open",
            "SELECT $a$open$b$",
            "/* open",
            "SELECT a.1",
            "SELECT t._x",
            "SELECT ?",
            "SELECT @x",
            "SELECT\x0b1",
            "SELECT $",
            "SELECT $tagé$x$tagé$",
            "SELECT !x",
        ];
        for text in texts {
            assert!(tokenize(text, 0).is_none(), "{text:?} was read");
            assert!(!check(text));
        }
    }

    /// Every text made of these pieces, in many orders, is read as sqlparser reads it.
    #[test]
    fn agrees_on_generated_texts() {
        const PIECES: &[&str] = &[
            " ", "\t", "\n", "\r", "\r\n", "a", "Z_9$", "é", "select", "\"q\"", "\"\"", "'s'",
            "''", "'", "\"", "1", "0", "-", "--", "/", "*", "/*", "*/", "<", ">", "=", ">=", "<=",
            "<>", "!", "!=", ":", "::", ";", ",", ".", "(", ")", "[", "]", "$", "$$", "$t$", "$1",
            "e", "E", "b", "x", "u", "&", "+", "|", "~", "@", "#", "%", "?", "_", "{", "}", "\\",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut read = 0;
        for _ in 0..20_000 {
            let len = 1 + next() % 12;
            let text: String = (0..len)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            read += usize::from(check(&text));
        }
        assert!(
            read > 2_000,
            "only {read} generated texts were read quickly"
        );
    }

    #[test]
    fn agrees_on_every_fixture_and_rule_example() {
        let texts = fixture_texts();
        let (read, all) = statements(texts.iter().map(|(_, text)| text.as_str()));
        eprintln!("read quickly: {read} of {all} statements");
        assert!(read * 10 > all * 9, "{read} of {all}");
    }

    /// The figures over the shared corpus of real migrations, when present.
    #[test]
    fn agrees_on_the_corpus() {
        let mut texts = Vec::new();
        if !for_each_corpus_file(|_, text| texts.push(text.to_string())) {
            return;
        }
        let (read, all) = statements(texts.iter().map(String::as_str));
        eprintln!("read quickly: {read} of {all} statements");
        assert!(read * 10 > all * 8, "{read} of {all}");
    }
}
